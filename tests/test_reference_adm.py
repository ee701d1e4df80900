"""The NumPy integer-ADM reference against libvmaf 3.2.0's own numbers, exactly."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from pyvmafneg.engines._paths import ADM_KERNELS, default_kernel, kernel_for_cpumask
from pyvmafneg.engines.reference._adm import (
    ADM_FEATURES,
    BANDS,
    MIN_SIZE,
    AdmExplain,
    adm_explain,
    adm_features,
    adm_features_multi,
)

# --------------------------------------------------------------------------- frames


def _vector_frames(t: int, width: int = 352, height: int = 288) -> tuple[np.ndarray, ...]:
    """Frame ``t`` of the self-contained test clip: (ref, dis_enh, dis_mild), 8-bit luma."""
    y, x = np.mgrid[0:height, 0:width].astype(np.int64)
    xx, yy = x + 2 * t, y + t
    texture = (7 * xx + 13 * yy + (xx * yy % 31)) % 64
    ref = np.clip(((xx + 2 * yy) % 256) // 2 + texture + 32, 0, 255)
    padded = np.pad(ref, 1, mode="edge")
    box = sum(padded[dy : dy + height, dx : dx + width] for dy in range(3) for dx in range(3))
    blurred = box // 9
    dither = (x + y + t) % 5 - 2
    enh = np.clip(((blurred - 128) * 5) // 4 + 128 + dither, 0, 255)
    mild = np.clip(blurred + dither, 0, 255)
    return tuple(a.astype(np.uint8) for a in (ref, enh, mild))


def _luma(name: str) -> np.ndarray:
    """A scikit-image sample picture as BT.601 luma, float in [0, 255]."""
    data = pytest.importorskip("skimage.data")
    img = getattr(data, name)().astype(np.float64)
    if img.ndim == 3:
        img = img[..., :3] @ np.array([0.299, 0.587, 0.114])
    return img


def _quantise(x: np.ndarray, bitdepth: int) -> np.ndarray:
    peak = (1 << bitdepth) - 1
    out = np.clip(np.rint(x * (peak / 255.0)), 0, peak)
    return out.astype(np.uint8 if bitdepth == 8 else np.uint16)


def _distort(x: np.ndarray, kind: str, seed: int) -> np.ndarray:
    if kind == "unsharp":  # an enhancement: the case the gain limit exists for
        return x + 1.5 * (x - ndimage.gaussian_filter(x, 1.5))
    if kind == "contrast":
        return (x - 128.0) * 1.25 + 128.0
    if kind == "blur":
        return ndimage.gaussian_filter(x, 1.2)
    if kind == "noise":
        return x + np.random.default_rng(seed).normal(0.0, 5.0, x.shape)
    raise ValueError(kind)


def _natural_pairs(
    image: str, kind: str, width: int, height: int, bitdepth: int, frames: int = 2
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A few panning crops of a natural picture and their distorted versions."""
    src = _luma(image)
    refs, diss = [], []
    for i in range(frames):
        crop = src[7 + 5 * i : 7 + 5 * i + height, 11 + 9 * i : 11 + 9 * i + width]
        refs.append(_quantise(crop, bitdepth))
        diss.append(_quantise(_distort(crop, kind, seed=i), bitdepth))
    return refs, diss


# --------------------------------------------------------------------------- self-contained vectors

# libvmaf 3.2.0 outputs for the self-contained clip above (352x288, 8-bit), as
# generated with the libvmaf bundled in PyAV 19.0.2 and listed in
# docs/internals.md, "Test vectors", at 10 significant
# digits: integer_adm2 (egl 100) and integer_adm2_egl_1, frames t = 0, 1, 2.
_VECTOR_ADM2 = {
    "enh": ("0.9461362727", "0.9585554669", "0.9465404131"),
    "mild": ("0.8306134855", "0.8360206333", "0.8329968978"),
}
_VECTOR_ADM2_EGL_1 = {
    "enh": ("0.8350157753", "0.8339781711", "0.8356949057"),
    "mild": ("0.8287075955", "0.8353574971", "0.832085506"),
}
# Same source: adm2 of frame t = 0 scored against itself, as a full double.
_VECTOR_ADM2_IDENTICAL = 1.0000033210506423


@pytest.mark.parametrize("t", [0, 1, 2])
@pytest.mark.parametrize("kind", ["enh", "mild"])
def test_self_contained_vectors(t: int, kind: str) -> None:
    ref, enh, mild = _vector_frames(t)
    dis = enh if kind == "enh" else mild
    assert f"{adm_features(ref, dis, 8)['adm2']:.10g}" == _VECTOR_ADM2[kind][t]
    assert f"{adm_features(ref, dis, 8, 1.0)['adm2']:.10g}" == _VECTOR_ADM2_EGL_1[kind][t]


def test_identical_frames_vector() -> None:
    ref, _, _ = _vector_frames(0)
    assert adm_features(ref, ref.copy(), 8)["adm2"] == _VECTOR_ADM2_IDENTICAL


# --------------------------------------------------------------------------- against libvmaf

# Disables every SIMD level in VmafConfiguration.cpumask: libvmaf's portable C code.
_C_ONLY = 0xFFFF


@pytest.fixture(scope="module")
def scorer_cls() -> type:
    try:
        from pyvmafneg.engines.libvmaf import _binding as libvmaf
        from pyvmafneg.engines.libvmaf._scorer import Scorer
        from pyvmafneg.errors import LibvmafNotFoundError
    except ImportError as exc:
        pytest.skip(f"the libvmaf binding cannot be imported: {exc}")
    try:
        libvmaf.load_library()
    except LibvmafNotFoundError as exc:
        pytest.skip(f"no libvmaf shared library to compare with: {exc}")
    return Scorer


def _libvmaf_adm(
    scorer_cls: type, refs: list[np.ndarray], diss: list[np.ndarray], bitdepth: int, cpumask: int
) -> list[tuple[dict[str, float], dict[str, float]]]:
    """Per frame: libvmaf's (egl 100, egl 1) ADM features as doubles, aim and adm3 included."""
    with scorer_cls(bitdepth=bitdepth, cpumask=cpumask) as scorer:
        for ref, dis in zip(refs, diss, strict=True):
            scorer.feed(ref, dis)
        result = scorer.flush()
    out = []
    for i in range(len(refs)):
        default = {k: float(result[f"integer_{k}"][i]) for k in ADM_FEATURES}
        neg = {k: float(result[f"integer_{k}_egl_1"][i]) for k in ADM_FEATURES}
        out.append((default, neg))
    return out


def _assert_matches(scorer_cls, refs, diss, bitdepth, cpumask=0) -> None:
    expected = _libvmaf_adm(scorer_cls, refs, diss, bitdepth, cpumask)
    kernel = kernel_for_cpumask(cpumask)
    for i, (ref, dis) in enumerate(zip(refs, diss, strict=True)):
        default, neg = expected[i]
        assert adm_features(ref, dis, bitdepth, kernel=kernel) == default, f"frame {i}, egl 100"
        assert adm_features(ref, dis, bitdepth, 1.0, kernel=kernel) == neg, f"frame {i}, egl 1"


# Widths chosen so that libvmaf's vectorised wavelet never reads past a row end
# (see the module docstring): the default, SIMD, libvmaf must then agree too.
@pytest.mark.parametrize(
    ("image", "kind", "width", "height", "bitdepth"),
    [
        ("astronaut", "unsharp", 352, 288, 8),
        ("camera", "blur", 352, 288, 8),
        ("coffee", "contrast", 175, 143, 8),
        ("astronaut", "noise", 175, 143, 10),
        ("camera", "unsharp", 352, 288, 10),
        ("coffee", "unsharp", 187, 101, 12),
    ],
)
def test_matches_libvmaf(scorer_cls, image, kind, width, height, bitdepth) -> None:
    refs, diss = _natural_pairs(image, kind, width, height, bitdepth)
    _assert_matches(scorer_cls, refs, diss, bitdepth)


@pytest.mark.parametrize(
    ("width", "height", "bitdepth"), [(201, 97, 8), (MIN_SIZE, MIN_SIZE, 10), (130, 77, 16)]
)
def test_matches_libvmaf_c_code_at_any_width(scorer_cls, width, height, bitdepth) -> None:
    refs, diss = _natural_pairs("astronaut", "unsharp", width, height, bitdepth, frames=1)
    _assert_matches(scorer_cls, refs, diss, bitdepth, cpumask=_C_ONLY)


# --------------------------------------------------------------------------- AIM and adm3

# Libvmaf's ADM code paths, as cpumask values: the default dispatch, AVX2 only
# (AVX-512 masked off) and the portable C code.
_CPUMASKS = (0, 0x30, _C_ONLY)


@pytest.mark.parametrize(
    ("bitdepth", "kind", "width", "height"),
    [
        (8, "unsharp", 176, 144),
        (8, "blur", 160, 96),
        (10, "unsharp", 176, 144),
        (10, "noise", 128, 80),
    ],
)
def test_aim_and_adm3_equal_libvmaf(scorer_cls, bitdepth, kind, width, height) -> None:
    """AIM and adm3 at egl 100 and 1, 8 and 10 bit, against libvmaf's default path."""
    refs, diss = _natural_pairs("coffee", kind, width, height, bitdepth, frames=1)
    ((default, neg),) = _libvmaf_adm(scorer_cls, refs, diss, bitdepth, 0)
    ours = adm_features_multi(refs[0], diss[0], bitdepth, (100.0, 1.0))
    for limit, expected in ((100.0, default), (1.0, neg)):
        for key in ("aim", "adm3"):
            assert ours[limit][key] == expected[key], (limit, key)
    assert ours[100.0] == default and ours[1.0] == neg
    # The cap moves enhancement into the additive band: more AIM, lower adm3.
    if kind == "unsharp":
        assert ours[1.0]["aim"] > ours[100.0]["aim"] > 0.0
        assert ours[1.0]["adm3"] < ours[100.0]["adm3"]


def test_adm3_combines_adm2_and_aim() -> None:
    refs, diss = _natural_pairs("astronaut", "noise", 96, 80, 8, frames=1)
    for feats in adm_features_multi(refs[0], diss[0], 8, (100.0, 1.0, 7.5)).values():
        expected = max(0.5 * feats["adm2"] + (1.0 - feats["aim"]) * 0.5, 0.0)
        assert feats["adm3"] == expected
        assert 0.0 < feats["aim"] < 1.0


def _near_full_scale_pair() -> tuple[np.ndarray, np.ndarray]:
    """A strongly sharpened picture: restored coefficients near full scale at its edges."""
    from pyvmafneg.demo._clips import natural_clip
    from pyvmafneg.demo._enhance import unsharp_mask

    ref = natural_clip("camera", frames=1, width=282, height=150)[0].luma
    return ref, unsharp_mask(ref, amount=3.5)


def test_each_kernel_equals_its_libvmaf_code_path(scorer_cls) -> None:
    """Where a masking term reaches int16's limit, libvmaf's C code wraps it and its
    AVX2/AVX-512 kernels do not, over different columns; each emulation is exact."""
    ref, dis = _near_full_scale_pair()
    by_kernel = {k: adm_features_multi(ref, dis, 8, kernel=k) for k in ADM_KERNELS}
    # The three code paths really disagree on this picture (on aim at egl 100) ...
    aims = {k: v[100.0]["aim"] for k, v in by_kernel.items()}
    assert len(set(aims.values())) == 3, aims
    # ... and each libvmaf path is matched exactly by the kernel it dispatches to.
    for cpumask in _CPUMASKS:
        ((default, neg),) = _libvmaf_adm(scorer_cls, [ref], [dis], 8, cpumask)
        ours = by_kernel[kernel_for_cpumask(cpumask)]
        assert ours[100.0] == default, hex(cpumask)
        assert ours[1.0] == neg, hex(cpumask)
    assert adm_features_multi(ref, dis, 8) == by_kernel[default_kernel()]


# --------------------------------------------------------------------------- non-integer limits

_FRACTIONAL_LIMITS = (1.2, 1.7, 2.5, 7.5)
# libvmaf's code paths as cpumask values: the default dispatch, AVX2 only, scalar C.
_PATHS = (0, 0x30, 0x38)


def _libvmaf_adm_at(
    scorer_cls: type, ref: np.ndarray, dis: np.ndarray, bitdepth: int, cpumask: int
) -> dict[float, dict[str, float]]:
    """libvmaf's ADM features of one frame at each of _FRACTIONAL_LIMITS, as doubles."""
    models = [
        f"vmaf_v0.6.1:name=m{i}:adm_enhn_gain_limit={g}" for i, g in enumerate(_FRACTIONAL_LIMITS)
    ]
    with scorer_cls(models, bitdepth=bitdepth, cpumask=cpumask) as scorer:
        scorer.feed(ref, dis)
        result = scorer.flush()
    return {
        g: {k: float(result[f"integer_{k}_egl_{g:g}"][0]) for k in ADM_FEATURES}
        for g in _FRACTIONAL_LIMITS
    }


@pytest.mark.parametrize(
    ("image", "width", "height", "bitdepth"),
    [
        ("astronaut", 176, 144, 8),
        ("coffee", 175, 143, 10),
        ("astronaut", 240, 135, 8),
        ("camera", 191, 109, 10),
        ("coffee", 111, 73, 8),
        ("astronaut", 224, 161, 12),
    ],
)
def test_non_integer_limits_equal_each_libvmaf_path(
    scorer_cls, image, width, height, bitdepth
) -> None:
    """rst * egl is rounded to nearest by libvmaf's vector decoupling and truncated by its
    C code; each kernel equals its path, the default one libvmaf's default dispatch."""
    refs, diss = _natural_pairs(image, "unsharp", width, height, bitdepth, frames=1)
    for cpumask in _PATHS:
        expected = _libvmaf_adm_at(scorer_cls, refs[0], diss[0], bitdepth, cpumask)
        kernel = kernel_for_cpumask(cpumask)
        ours = adm_features_multi(refs[0], diss[0], bitdepth, _FRACTIONAL_LIMITS, kernel=kernel)
        assert ours == expected, hex(cpumask)
    assert kernel_for_cpumask(0x38) == "c"
    default = adm_features_multi(refs[0], diss[0], bitdepth, _FRACTIONAL_LIMITS)
    assert default == _libvmaf_adm_at(scorer_cls, refs[0], diss[0], bitdepth, 0)


def test_non_integer_limit_rounding_differs_between_paths() -> None:
    """The three emulated paths disagree at scale 0 for a non-integer limit, and the
    AVX-512 one also at scales 1..3 (its decoupling rounds there; AVX2's truncates)."""
    refs, diss = _natural_pairs("astronaut", "unsharp", 240, 135, 8, frames=1)
    by_kernel = {
        k: adm_features_multi(refs[0], diss[0], 8, _FRACTIONAL_LIMITS, kernel=k)
        for k in ADM_KERNELS
    }
    scale0 = {k: v[1.2]["adm_scale0"] for k, v in by_kernel.items()}
    assert len(set(scale0.values())) == 3, scale0
    assert by_kernel["avx512"][1.7]["adm_scale1"] != by_kernel["c"][1.7]["adm_scale1"]
    for s in (1, 2, 3):
        for g in _FRACTIONAL_LIMITS:
            key = f"adm_scale{s}"
            assert by_kernel["avx2"][g][key] == by_kernel["c"][g][key], (s, g)
    # Whole-number limits are exact products: every path agrees at scales 1..3 and on
    # everything for this picture (no masking term reaches the int16 limit).
    whole = {k: adm_features_multi(refs[0], diss[0], 8, (1.0, 2.0), kernel=k) for k in ADM_KERNELS}
    assert whole["c"] == whole["avx2"] == whole["avx512"]


def test_kernel_for_cpumask() -> None:
    assert kernel_for_cpumask(0xFFFF) == "c"
    assert kernel_for_cpumask(0) == default_kernel() in ADM_KERNELS
    assert kernel_for_cpumask(0x10) in ("avx2", "c")
    with pytest.raises(ValueError, match="kernel"):
        adm_features(_plane(), _plane(), 8, kernel="neon")


def test_multi_equals_single_limit_runs() -> None:
    refs, diss = _natural_pairs("coffee", "unsharp", 120, 90, 10, frames=1)
    ref, dis = refs[0], diss[0]
    multi = adm_features_multi(ref, dis, 10, (1.0, 100.0, 2.5, 1.0))
    assert list(multi) == [1.0, 100.0, 2.5]
    for limit, feats in multi.items():
        assert feats == adm_features(ref, dis, 10, limit)
    assert list(adm_features_multi(ref, dis, 10)) == [100.0, 1.0]
    with pytest.raises(ValueError, match="empty"):
        adm_features_multi(ref, dis, 10, ())
    with pytest.raises(ValueError, match="gain_limit"):
        adm_features_multi(ref, dis, 10, (1.0, 0.5))


# --------------------------------------------------------------------------- properties


def test_identical_frames_score_about_one() -> None:
    ref = _quantise(_luma("camera")[:144, :176], 10)
    feats = adm_features(ref, ref, 10)
    assert set(feats) == set(ADM_FEATURES)
    # Uncapped, the restored detail is the distorted detail exactly: nothing is additive.
    assert feats["aim"] == 0.0
    for key, value in feats.items():
        if key != "aim":
            assert abs(value - 1.0) < 1e-4, key


def test_enhancement_is_capped() -> None:
    refs, diss = _natural_pairs("astronaut", "unsharp", 176, 144, 8, frames=1)
    default = adm_features(refs[0], diss[0], 8)
    neg = adm_features(refs[0], diss[0], 8, 1.0)
    assert default["adm2"] > 1.0 > neg["adm2"]


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    gain=st.floats(1.0, 100.0),
    amount=st.floats(0.0, 3.0),
)
def test_cap_never_raises_scores(seed: int, gain: float, amount: float) -> None:
    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.normal(128.0, 50.0, (40, 48)), 1.0)
    ref = _quantise(base, 8)
    dis = _quantise(base + amount * (base - ndimage.gaussian_filter(base, 1.5)), 8)
    loose = adm_features(ref, dis, 8)
    tight = adm_features(ref, dis, 8, gain)
    for key in ADM_FEATURES:
        if key == "aim":
            # What the cap takes from the restored detail becomes additive impairment.
            assert tight[key] >= loose[key]
        else:
            assert tight[key] <= loose[key], key


# --------------------------------------------------------------------------- adm_explain


def test_explain_agrees_with_features() -> None:
    refs, diss = _natural_pairs("coffee", "unsharp", 176, 144, 8, frames=1)
    ref, dis = refs[0], diss[0]
    ex = adm_explain(ref, dis, 8)
    assert isinstance(ex, AdmExplain)
    assert ex.gain_limit == 1.0
    assert ex.uncapped == adm_features(ref, dis, 8)
    assert ex.capped == adm_features(ref, dis, 8, 1.0)
    assert [(b.scale, b.band) for b in ex.bands] == [(s, n) for s in range(4) for n in BANDS]
    assert 0.0 < ex.fraction < 1.0
    for b in ex.bands:
        top, bottom, left, right = b.roi
        assert b.restored_uncapped.shape == b.restored_capped.shape == b.cap_map.shape
        assert np.array_equal(b.cap_map, b.restored_uncapped != b.restored_capped)
        assert b.fraction == np.count_nonzero(b.cap_map[top:bottom, left:right]) / (
            (bottom - top) * (right - left)
        )
        # The cap only ever pulls the restored detail back towards zero.
        assert np.all(np.abs(b.restored_capped) <= np.abs(b.restored_uncapped))
        assert not b.restored_capped.flags.writeable
    assert any(b.fraction > 0 for b in ex.bands)
    assert ex.band(2, "d") is ex.bands[8]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ex.gain_limit = 2.0  # type: ignore[misc]


def test_explain_without_cap_changes_nothing() -> None:
    refs, diss = _natural_pairs("camera", "unsharp", 96, 80, 8, frames=1)
    ex = adm_explain(refs[0], diss[0], 8, 100.0)
    assert ex.uncapped == ex.capped
    assert ex.fraction == 0.0
    assert not any(b.cap_map.any() for b in ex.bands)


# --------------------------------------------------------------------------- validation


def _plane(shape=(48, 64), dtype=np.uint8) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


@pytest.mark.parametrize(
    ("ref", "dis", "bitdepth", "gain", "message"),
    [
        (_plane(), _plane((48, 65)), 8, 100.0, "same shape"),
        (_plane((2, 48, 64)), _plane((2, 48, 64)), 8, 100.0, "2-D"),
        (_plane(), _plane(), 9, 100.0, "bitdepth"),
        (_plane(dtype=np.uint16), _plane(dtype=np.uint16), 8, 100.0, "uint8"),
        (_plane(), _plane(), 10, 100.0, "uint16"),
        (_plane(), _plane(), 8, 0.5, "gain_limit"),
        (_plane(), _plane(), 8, 100.5, "gain_limit"),
        (_plane(), _plane(), 8, math.nan, "gain_limit"),
        (_plane((32, 64)), _plane((32, 64)), 8, 1.0, "both sides must be >= 33"),
        (_plane(dtype=np.uint16) + 1024, _plane(dtype=np.uint16), 10, 1.0, r"max 1023"),
    ],
)
def test_invalid_input(ref, dis, bitdepth, gain, message) -> None:
    with pytest.raises(ValueError, match=message):
        adm_features(ref, dis, bitdepth, gain)
    with pytest.raises(ValueError, match=message):
        adm_explain(ref, dis, bitdepth, gain)


def test_invalid_viewing_conditions() -> None:
    with pytest.raises(ValueError, match="3240"):
        adm_features(_plane(), _plane(), 8, norm_view_dist=2.0)
    with pytest.raises(ValueError, match="ref_display_height"):
        adm_features(_plane(), _plane(), 8, ref_display_height=5000)
