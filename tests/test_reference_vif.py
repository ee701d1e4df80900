"""NumPy reference integer VIF: exact vectors, libvmaf equality, cap properties.

Exact expected values come from the table in docs/internals.md, "Test vectors"
(libvmaf 3.2.0 from PyAV 19.0.2), printed there with 10 significant digits.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage

from pyvmafneg.engines.reference import VifExplain, vif_explain, vif_features, vif_features_multi

KEYS = [f"vif_scale{s}" for s in range(4)]

# Per-pixel log-table quantisation bound for a capped (egl=1) score: each
# pixel's numerator term can exceed its denominator term by at most ~1.7
# table units out of >= 2048 (docs/internals.md, "VIF", where the cap acts),
# so a scale score stays below 1 + 1.7/2048 < 1 + 1e-3.
EGL1_QUANT = 1e-3


# --------------------------------------------------------------------------
# the self-contained vectors of docs/internals.md, "Test vectors"
# --------------------------------------------------------------------------

W, H = 352, 288


def doc_ref(t: int) -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W].astype(np.int64)
    X, Y = x + 2 * t, y + t
    v = ((X + 2 * Y) % 256) // 2 + ((7 * X + 13 * Y + (X * Y % 31)) % 64) + 32
    return np.clip(v, 0, 255).astype(np.uint8)


def _box3(r: np.ndarray) -> np.ndarray:
    p = np.pad(r.astype(np.int64), 1, mode="edge")
    return sum(p[dy : dy + H, dx : dx + W] for dy in range(3) for dx in range(3)) // 9


def doc_dis(kind: str, t: int) -> np.ndarray:
    b = _box3(doc_ref(t))
    y, x = np.mgrid[0:H, 0:W]
    dither = (x + y + t) % 5 - 2
    if kind == "enh":
        v = (b - 128) * 5 // 4 + 128 + dither
    else:
        v = b + dither
    return np.clip(v, 0, 255).astype(np.uint8)


DOC_VIF = {
    ("enh", 0): ["0.09090705961", "1.058105111", "1.12086904", "1.12188983"],
    ("enh", 1): ["0.09089299291", "1.058261037", "1.121317983", "1.123207092"],
    ("enh", 2): ["0.09064709395", "1.05862999", "1.120979786", "1.122325301"],
    ("mild", 0): ["0.08920464665", "0.9339616299", "0.984767437", "0.9948087931"],
    ("mild", 1): ["0.08919652551", "0.9341224432", "0.9846543074", "0.9946975708"],
    ("mild", 2): ["0.08895023167", "0.934263289", "0.9845585823", "0.9945657253"],
}
DOC_VIF_EGL1 = {
    "enh": ["0.09090378135", "0.9345646501", "0.9817621708", "0.9906930327"],
    "mild": ["0.08920464665", "0.9339125752", "0.9839772582", "0.9936426282"],
}


def _sig10(scores: dict[str, float]) -> list[str]:
    return [f"{scores[k]:.10g}" for k in KEYS]


@pytest.mark.parametrize(("kind", "t"), sorted(DOC_VIF))
def test_doc_vectors_default(kind: str, t: int) -> None:
    assert _sig10(vif_features(doc_ref(t), doc_dis(kind, t), 8)) == DOC_VIF[(kind, t)]


@pytest.mark.parametrize("kind", ["enh", "mild"])
def test_doc_vectors_egl1(kind: str) -> None:
    ref, dis = doc_ref(0), doc_dis(kind, 0)
    assert _sig10(vif_features(ref, dis, 8, gain_limit=1.0)) == DOC_VIF_EGL1[kind]
    # vif_explain pools both limits from one pass and must agree.
    ex = vif_explain(ref, dis, 8, gain_limit=1.0)
    assert _sig10(ex.scores_uncapped) == DOC_VIF[(kind, 0)]
    assert _sig10(ex.scores_capped) == DOC_VIF_EGL1[kind]


# --------------------------------------------------------------------------
# natural content
# --------------------------------------------------------------------------


def natural_planes(bitdepth: int, n: int = 3, size: tuple[int, int] = (144, 176)) -> list:
    """``n`` panning crops of the astronaut photo (green channel) at ``bitdepth``."""
    from skimage import data, transform

    h, w = size
    big = transform.resize(
        data.astronaut()[..., 1] / 255.0, (h + 4 * n, w + 6 * n), anti_aliasing=True
    )
    peak = (1 << bitdepth) - 1
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    img = np.rint(big * peak).astype(dtype)
    return [np.ascontiguousarray(img[2 * t : 2 * t + h, 3 * t : 3 * t + w]) for t in range(n)]


def _to(x: np.ndarray, like: np.ndarray, bitdepth: int) -> np.ndarray:
    return np.clip(np.rint(x), 0, (1 << bitdepth) - 1).astype(like.dtype)


def blur(p: np.ndarray, bitdepth: int, sigma: float = 1.2) -> np.ndarray:
    return _to(ndimage.gaussian_filter(p.astype(np.float64), sigma), p, bitdepth)


def sharpen(p: np.ndarray, bitdepth: int, amount: float = 1.5) -> np.ndarray:
    x = p.astype(np.float64)
    return _to(x + amount * (x - ndimage.gaussian_filter(x, 1.5)), p, bitdepth)


def noise(p: np.ndarray, bitdepth: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    sd = 0.02 * ((1 << bitdepth) - 1)
    return _to(p.astype(np.float64) + rng.normal(0.0, sd, p.shape), p, bitdepth)


DISTORTIONS = {"blur": blur, "sharpen": sharpen, "noise": noise}


def _libvmaf_score():
    """pyvmafneg's libvmaf binding, or skip when it (or libvmaf) is unavailable."""
    try:
        import pyvmafneg
        from pyvmafneg import score

        pyvmafneg.load_library()
    except Exception as exc:  # pragma: no cover - environment dependent
        pytest.skip(f"libvmaf binding unavailable: {exc}")
    return score


@pytest.mark.parametrize("bitdepth", [8, 10])
@pytest.mark.parametrize("kind", sorted(DISTORTIONS))
def test_equals_libvmaf(bitdepth: int, kind: str) -> None:
    """Exact double equality with libvmaf's vif_scale* and vif_scale*_egl_1."""
    score = _libvmaf_score()
    refs = natural_planes(bitdepth)
    diss = [DISTORTIONS[kind](r, bitdepth) for r in refs]
    result = score(refs, diss, bitdepth=bitdepth, clip=False)
    for i, (r, d) in enumerate(zip(refs, diss, strict=True)):
        ours = vif_features_multi(r, d, bitdepth, (100.0, 1.0))
        for s, key in enumerate(KEYS):
            assert ours[100.0][key] == result[f"integer_vif_scale{s}"][i], (i, key)
            assert ours[1.0][key] == result[f"integer_vif_scale{s}_egl_1"][i], (i, key)


def test_equals_libvmaf_12bit_odd_size() -> None:
    score = _libvmaf_score()
    refs = natural_planes(12, n=2, size=(61, 97))
    diss = [sharpen(r, 12) for r in refs]
    result = score(refs, diss, bitdepth=12, clip=False)
    for i, (r, d) in enumerate(zip(refs, diss, strict=True)):
        ours = vif_features_multi(r, d, 12)
        for s, key in enumerate(KEYS):
            assert ours[100.0][key] == result[f"integer_vif_scale{s}"][i]
            assert ours[1.0][key] == result[f"integer_vif_scale{s}_egl_1"][i]


# --------------------------------------------------------------------------
# cap properties on natural content
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frame8() -> np.ndarray:
    return natural_planes(8, n=1)[0]


def _check_explain_consistency(ex: VifExplain) -> None:
    for s in range(4):
        used, bit, g, gc = ex.used[s], ex.cap_mask[s], ex.gain[s], ex.gain_capped[s]
        assert used.shape == bit.shape == g.shape == gc.shape
        assert not np.any(bit & ~used)
        assert np.all(np.isnan(g[~used])) and not np.any(np.isnan(g[used]))
        assert np.array_equal(bit[used], g[used] > ex.gain_limit)
        assert np.all(gc[used] <= ex.gain_limit)
        assert np.array_equal(gc[used], np.minimum(g[used], ex.gain_limit))
        assert ex.cap_fraction[s] == np.count_nonzero(bit) / bit.size
        assert not g.flags.writeable


@pytest.mark.parametrize("kind", sorted(DISTORTIONS))
def test_egl1_never_above_uncapped_or_one(frame8: np.ndarray, kind: str) -> None:
    dis = DISTORTIONS[kind](frame8, 8)
    ex = vif_explain(frame8, dis, 8, gain_limit=1.0)
    _check_explain_consistency(ex)
    assert ex.scores_uncapped == vif_features(frame8, dis, 8)
    assert ex.scores_capped == vif_features(frame8, dis, 8, gain_limit=1.0)
    for k in KEYS:
        assert ex.scores_capped[k] <= ex.scores_uncapped[k]
        assert ex.scores_capped[k] <= 1.0 + EGL1_QUANT


def test_sharpen_cap_bites_and_lowers_every_scale(frame8: np.ndarray) -> None:
    ex = vif_explain(frame8, sharpen(frame8, 8), 8, gain_limit=1.0)
    for s, k in enumerate(KEYS):
        assert ex.cap_fraction[s] > 0.3
        assert ex.scores_capped[k] < ex.scores_uncapped[k]


def test_contrast_boost_exceeds_one_only_uncapped(frame8: np.ndarray) -> None:
    ref = _to(48.0 + frame8.astype(np.float64) * (160.0 / 255.0), frame8, 8)  # no clipping
    dis = _to((ref.astype(np.float64) - 128.0) * 1.25 + 128.0, ref, 8)
    ex = vif_explain(ref, dis, 8, gain_limit=1.0)
    for k in KEYS:
        assert ex.scores_uncapped[k] > 1.0  # the enhancement is rewarded without the cap
        assert ex.scores_capped[k] <= 1.0 + EGL1_QUANT


def test_contrast_reduction_cap_never_bites(frame8: np.ndarray) -> None:
    """dis = 0.6*(ref - 128) + 128: local gain <= 0.6 + 0.5/sigma1 < 1 wherever it counts."""
    dis = _to((frame8.astype(np.float64) - 128.0) * 0.6 + 128.0, frame8, 8)
    ex = vif_explain(frame8, dis, 8, gain_limit=1.0)
    assert ex.cap_fraction == (0.0, 0.0, 0.0, 0.0)
    assert ex.scores_capped == ex.scores_uncapped


def test_blur_cap_effect_is_small(frame8: np.ndarray) -> None:
    """Blur is not enhancement: the cap changes the scores only marginally.

    It is not exactly zero: next to edges a blur spreads edge energy into
    windows where the reference is flatter, so the local gain exceeds 1 on a
    few percent of locations (libvmaf's egl_1 scores show the same).
    """
    blurred = vif_explain(frame8, blur(frame8, 8), 8, gain_limit=1.0)
    sharpened = vif_explain(frame8, sharpen(frame8, 8), 8, gain_limit=1.0)
    for s, k in enumerate(KEYS):
        drop = blurred.scores_uncapped[k] - blurred.scores_capped[k]
        assert 0.0 <= drop < 1e-2
        assert drop < 0.2 * (sharpened.scores_uncapped[k] - sharpened.scores_capped[k])
        assert blurred.cap_fraction[s] < 0.2 * sharpened.cap_fraction[s]


def test_identical_frames(frame8: np.ndarray) -> None:
    ex = vif_explain(frame8, frame8, 8, gain_limit=1.0)
    assert ex.cap_fraction == (0.0, 0.0, 0.0, 0.0)
    assert ex.scores_capped == ex.scores_uncapped
    for k in KEYS:
        assert abs(ex.scores_capped[k] - 1.0) < 1e-3


def test_gain_limit_one_pass_matches_separate_calls(frame8: np.ndarray) -> None:
    dis = sharpen(frame8, 8)
    multi = vif_features_multi(frame8, dis, 8, (1.0, 2.5, 100.0))
    for egl in (1.0, 2.5, 100.0):
        assert multi[egl] == vif_features(frame8, dis, 8, gain_limit=egl)
    ex = vif_explain(frame8, dis, 8, gain_limit=2.5)
    assert ex.scores_capped == multi[2.5]
    assert ex.scores_uncapped == multi[100.0]
    for frac, frac_used in zip(ex.cap_fraction, ex.cap_fraction_of_used, strict=True):
        assert 0.0 <= frac <= frac_used <= 1.0


# --------------------------------------------------------------------------
# property-based
# --------------------------------------------------------------------------

_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def frame_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    bitdepth = draw(st.sampled_from([8, 10]))
    h = draw(st.integers(16, 40))
    w = draw(st.integers(16, 40))
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    peak = (1 << bitdepth) - 1
    ref = draw(arrays(dtype, (h, w), elements=st.integers(0, peak)))
    mode = draw(st.sampled_from(["random", "gain", "offset"]))
    if mode == "random":
        dis = draw(arrays(dtype, (h, w), elements=st.integers(0, peak)))
    elif mode == "gain":
        a = draw(st.floats(0.0, 2.0))
        dis = _to((ref.astype(np.float64) - peak / 2) * a + peak / 2, ref, bitdepth)
    else:
        dis = _to(ref.astype(np.float64) + draw(st.integers(-40, 40)), ref, bitdepth)
    return ref, dis, bitdepth


@_SETTINGS
@given(frame_pairs(), st.floats(1.0, 100.0))
def test_property_cap_monotone_and_bounded(pair, egl: float) -> None:
    ref, dis, bitdepth = pair
    res = vif_features_multi(ref, dis, bitdepth, (1.0, egl, 100.0))
    for k in KEYS:
        assert res[1.0][k] <= res[egl][k] <= res[100.0][k]
        assert res[1.0][k] <= 1.0 + EGL1_QUANT


@_SETTINGS
@given(frame_pairs())
def test_property_explain_consistent(pair) -> None:
    ref, dis, bitdepth = pair
    ex = vif_explain(ref, dis, bitdepth, gain_limit=1.0)
    _check_explain_consistency(ex)
    assert ex.scores_capped == vif_features(ref, dis, bitdepth, gain_limit=1.0)
    if not any(ex.cap_fraction):
        assert ex.scores_capped == ex.scores_uncapped


@_SETTINGS
@given(frame_pairs(), st.floats(0.0, 0.6))
def test_property_contrast_reduction_never_capped(pair, a: float) -> None:
    ref, _, bitdepth = pair
    peak = (1 << bitdepth) - 1
    dis = _to((ref.astype(np.float64) - peak / 2) * a + peak / 2, ref, bitdepth)
    ex = vif_explain(ref, dis, bitdepth, gain_limit=1.0)
    assert not any(ex.cap_fraction)
    assert ex.scores_capped == ex.scores_uncapped


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------

_R8 = np.zeros((32, 32), np.uint8)
_R10 = np.zeros((32, 32), np.uint16)


@pytest.mark.parametrize(
    ("ref", "dis", "bitdepth", "gain_limit", "match"),
    [
        (_R8, np.zeros((32, 31), np.uint8), 8, 100.0, "same shape"),
        (np.zeros((2, 32, 32), np.uint8), np.zeros((2, 32, 32), np.uint8), 8, 100.0, "2-D"),
        (_R10, _R10, 8, 100.0, "uint8"),
        (_R8, _R8, 10, 100.0, "uint16"),
        (_R8.astype(np.float32), _R8.astype(np.float32), 8, 100.0, "dtype"),
        (_R10 + 1024, _R10, 10, 100.0, "does not fit in 10 bits"),
        (np.zeros((15, 40), np.uint8), np.zeros((15, 40), np.uint8), 8, 100.0, ">= 16"),
        (_R8.tolist(), _R8, 8, 100.0, "numpy.ndarray"),
        (_R8, _R8, 7, 100.0, "bitdepth"),
        (_R8, _R8, 17, 100.0, "bitdepth"),
        (_R8, _R8, True, 100.0, "bitdepth"),
        (_R8, _R8, "8", 100.0, "bitdepth"),
        (_R8, _R8, 8, 0.99, r"\[1\.0, 100\.0\]"),
        (_R8, _R8, 8, 100.5, r"\[1\.0, 100\.0\]"),
        (_R8, _R8, 8, float("nan"), r"\[1\.0, 100\.0\]"),
        (_R8, _R8, 8, "1", r"\[1\.0, 100\.0\]"),
    ],
)
def test_validation(ref, dis, bitdepth, gain_limit, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        vif_features(ref, dis, bitdepth, gain_limit)
    with pytest.raises(ValueError, match=match):
        vif_explain(ref, dis, bitdepth, gain_limit)


def test_accepts_non_contiguous_and_16bit() -> None:
    refs = natural_planes(16, n=1, size=(64, 80))
    big = np.zeros((128, 160), np.uint16)
    big[::2, ::2] = refs[0]
    view = big[::2, ::2]
    assert not view.flags.c_contiguous
    assert vif_features(view, sharpen(refs[0], 16), 16) == vif_features(
        refs[0], sharpen(refs[0], 16), 16
    )
