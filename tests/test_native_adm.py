"""The native C ADM (``vn_adm_multi``) against the NumPy reference and libvmaf 3.2.0, as doubles.

Three witnesses held against each other: the C engine at every SIMD level this
CPU has, the NumPy reference (``adm_features_multi``, ``adm_explain``) and
libvmaf itself through the binding, computed at test time.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import distort

from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.demo._enhance import unsharp_mask
from pyvmafneg.engines._models import ModelSpec
from pyvmafneg.engines._paths import ADM_KERNELS, default_kernel, kernel_for_cpumask
from pyvmafneg.engines.reference import _adm as reference
from pyvmafneg.engines.reference._adm import BANDS, adm_explain, adm_features_multi

engine = pytest.importorskip(
    "pyvmafneg.engines.native._engine", reason="the native engine is not built"
)
ffi, lib = engine.ffi, engine.lib

#: Output order of one gain limit in ``vn_adm_multi``'s ``out``.
OUT_KEYS = (
    "adm2",
    "aim",
    "adm3",
    *(f"adm_scale{s}" for s in range(4)),
    *(f"cap_share_scale{s}" for s in range(4)),
)
FEATURE_KEYS = OUT_KEYS[:7]
SIMD_LEVELS = tuple(range(lib.vn_simd_level() + 1))
EINVAL, ENOTSUP = lib.VN_EINVAL, lib.VN_ENOTSUP
# VmafConfiguration.cpumask that leaves libvmaf its portable C code only.
C_ONLY = 0xFFFF


def native_adm(
    ref: np.ndarray,
    dis: np.ndarray,
    bitdepth: int,
    limits: tuple[float, ...] = (100.0, 1.0),
    kernel: str | None = None,
    simd: int = -1,
    width: int | None = None,
) -> dict[float, dict[str, float]]:
    """``vn_adm_multi`` on two planes: ``{limit: {key: value}}`` for the keys of OUT_KEYS.

    ``width`` scores only the first columns of the planes (rows then have padding).
    """
    n = lib.vn_adm_outputs_per_limit()
    assert n == len(OUT_KEYS)
    out = np.full(n * len(limits), np.nan)
    lims = np.asarray(limits, dtype=np.float64)
    lanes = ADM_KERNELS[default_kernel() if kernel is None else kernel]
    assert ref.strides == dis.strides and ref.strides[1] == ref.itemsize
    rc = lib.vn_adm_multi(
        ffi.from_buffer(ref),
        ffi.from_buffer(dis),
        ref.strides[0],
        ref.shape[1] if width is None else width,
        ref.shape[0],
        bitdepth,
        ffi.cast("double *", ffi.from_buffer(lims)),
        len(limits),
        lanes,
        simd,
        ffi.cast("double *", ffi.from_buffer(out)),
        out.size,
    )
    assert rc == 0, rc
    return {
        float(g): {k: float(v) for k, v in zip(OUT_KEYS, out[i * n : (i + 1) * n], strict=True)}
        for i, g in enumerate(limits)
    }


def features_only(result: dict[float, dict[str, float]]) -> dict[float, dict[str, float]]:
    return {g: {k: v[k] for k in FEATURE_KEYS} for g, v in result.items()}


def reference_adm(ref, dis, bitdepth, limits, kernel=None) -> dict[float, dict[str, float]]:
    got = adm_features_multi(ref, dis, bitdepth, limits, kernel=kernel)
    return {g: {k: v[k] for k in FEATURE_KEYS} for g, v in got.items()}


# --------------------------------------------------------------------------- frames


def clip_pairs(
    kind: str, width: int, height: int, bitdepth: int, frames: int = 2, image: str = "astronaut"
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    clip = natural_clip(image, frames=frames, width=width, height=height, bitdepth=bitdepth)
    refs = [f.luma for f in clip]
    return refs, [distort(r, kind, bitdepth, seed=i) for i, r in enumerate(refs)]


# --------------------------------------------------------------------------- against the reference

LIMITS = (100.0, 1.0, 1.2, 7.5)


@pytest.mark.parametrize(
    ("kind", "width", "height", "bitdepth"),
    [
        ("unsharp", 176, 144, 8),
        ("contrast", 101, 57, 8),
        ("blur", 97, 75, 10),
        ("noise", 64, 48, 12),
        ("quant", 130, 77, 16),
        ("unsharp", 33, 33, 10),
        ("unsharp", 35, 41, 16),
        ("contrast", 67, 66, 12),
    ],
)
def test_equals_reference_every_kernel_and_simd_level(kind, width, height, bitdepth) -> None:
    refs, diss = clip_pairs(kind, width, height, bitdepth, frames=1, image="coffee")
    ref, dis = refs[0], diss[0]
    for kernel in ADM_KERNELS:
        expected = reference_adm(ref, dis, bitdepth, LIMITS, kernel)
        for simd in SIMD_LEVELS:
            got = native_adm(ref, dis, bitdepth, LIMITS, kernel, simd)
            assert features_only(got) == expected, (kernel, simd)
            # The general 64-bit scale-0 kernels (the fallback for coefficients above 2^15).
            assert native_adm(ref, dis, bitdepth, LIMITS, kernel, simd + 256) == got


def _column_step_pairs(width: int, height: int, bitdepth: int):
    """Pairs that load the kernels' column steps: a sharpened natural picture (the cap
    binds), and random full-contrast binary samples against their negative (scale-0
    wavelet rows at their largest, |x| up to 27411 at 8 bits)."""
    peak = (1 << bitdepth) - 1
    ref = natural_clip("coffee", frames=1, width=width, height=height, bitdepth=bitdepth)[0].luma
    yield ref, unsharp_mask(ref, bitdepth=bitdepth, amount=2.0)
    rng = np.random.default_rng(width * 7 + bitdepth)
    dt = ref.dtype
    binary = rng.integers(0, 2, size=(height, width)) * peak
    yield binary.astype(dt), (peak - binary).astype(dt)


@pytest.mark.parametrize("bitdepth", [8, 10])
def test_every_level_equals_the_portable_one_across_column_steps(bitdepth) -> None:
    """The AVX2 bodies step 16 (8-bit scale-0 vertical pass) and 8 columns (the other
    passes), with the portable code for the remaining columns: every width from 33 to 82
    covers each remainder at every scale; a few of them against the reference too."""
    for width in range(33, 83):
        for ref, dis in _column_step_pairs(width, 37, bitdepth):
            want = native_adm(ref, dis, bitdepth, (100.0, 1.0, 1.2), simd=0)
            for simd in SIMD_LEVELS[1:]:
                assert native_adm(ref, dis, bitdepth, (100.0, 1.0, 1.2), simd=simd) == want
            if width in (33, 50, 79):
                expected = reference_adm(ref, dis, bitdepth, (100.0, 1.0, 1.2))
                assert features_only(want) == expected, width


def test_samples_beyond_the_bit_depth_equal_the_portable_level() -> None:
    """10-bit planes holding any 16-bit values (the engine accepts them): the wavelet's 32-bit
    sums wrap, and scale-0 coefficients and masking terms reach the ends of the fast paths'
    ranges; every level still equals the portable one (the reference refuses such planes)."""
    rng = np.random.default_rng(11)
    for width in (33, 48, 71):
        ref = rng.integers(0, 1 << 16, size=(40, width)).astype(np.uint16)
        dis = rng.integers(0, 1 << 16, size=(40, width)).astype(np.uint16)
        want = native_adm(ref, dis, 10, (100.0, 1.0), simd=0)
        for simd in SIMD_LEVELS[1:]:
            got = native_adm(ref, dis, 10, (100.0, 1.0), simd=simd)
            assert _values(got) == _values(want), (width, simd)
        assert np.isfinite(want[1.0]["aim"])  # not every output is NaN


def _values(result: dict[float, dict[str, float]]) -> list[str]:
    """The outputs as text, so that NaN (no denominator) compares equal to NaN."""
    return [repr(v) for g in sorted(result) for _, v in sorted(result[g].items())]


def _near_full_scale_pair() -> tuple[np.ndarray, np.ndarray]:
    """Heavy sharpening: masking terms reach int16's limit, where libvmaf's paths differ."""
    ref = natural_clip("camera", frames=1, width=282, height=150)[0].luma
    return ref, unsharp_mask(ref, amount=3.5)


def test_each_kernel_equals_its_reference_where_they_differ() -> None:
    ref, dis = _near_full_scale_pair()
    aims = set()
    for kernel in ADM_KERNELS:
        expected = reference_adm(ref, dis, 8, (100.0, 1.0), kernel)
        aims.add(expected[100.0]["aim"])
        for simd in SIMD_LEVELS:
            assert features_only(native_adm(ref, dis, 8, (100.0, 1.0), kernel, simd)) == expected
            wide = native_adm(ref, dis, 8, (100.0, 1.0), kernel, simd + 256)
            assert features_only(wide) == expected
    assert len(aims) == 3  # the three code paths really disagree on this picture


def test_padded_rows_and_duplicate_limits() -> None:
    refs, diss = clip_pairs("unsharp", 120, 90, 10, frames=1)
    ref, dis = refs[0], diss[0]
    wide_ref = np.zeros((90, 136), np.uint16)
    wide_dis = np.full((90, 136), 1023, np.uint16)
    wide_ref[:, :120], wide_dis[:, :120] = ref, dis
    padded = native_adm(wide_ref, wide_dis, 10, (1.0, 100.0, 1.0), width=120)
    plain = native_adm(ref, dis, 10, (1.0, 100.0))
    assert padded == plain
    assert native_adm(wide_ref, wide_dis, 10, (1.0,)) != native_adm(ref, dis, 10, (1.0,))
    one = native_adm(ref, dis, 10, (1.0,))
    assert one[1.0] == plain[1.0]


# --------------------------------------------------------------------------- against libvmaf


@pytest.fixture(scope="module")
def scorer_cls() -> type:
    from pyvmafneg.engines.libvmaf import _binding
    from pyvmafneg.engines.libvmaf._scorer import Scorer
    from pyvmafneg.errors import LibvmafNotFoundError

    try:
        _binding.load_library()
    except LibvmafNotFoundError as exc:
        pytest.skip(f"no libvmaf shared library to compare with: {exc}")
    return Scorer


def libvmaf_adm(
    scorer_cls: type,
    refs: list[np.ndarray],
    diss: list[np.ndarray],
    bitdepth: int,
    limit: float,
    cpumask: int = 0,
) -> list[dict[str, float]]:
    """libvmaf's ADM features at one gain limit, per frame, as doubles."""
    spec = ModelSpec("vmaf_v0.6.1", name="m", adm_gain_limit=limit)
    suffix = "" if limit == 100.0 else f"_egl_{limit:g}"
    with scorer_cls([spec], bitdepth=bitdepth, cpumask=cpumask) as scorer:
        for ref, dis in zip(refs, diss, strict=True):
            scorer.feed(ref, dis)
        result = scorer.flush()
    return [
        {k: float(result[f"integer_{k}{suffix}"][i]) for k in FEATURE_KEYS}
        for i in range(len(refs))
    ]


def assert_three_agree(scorer_cls, refs, diss, bitdepth, limits, cpumask=0) -> None:
    kernel = kernel_for_cpumask(cpumask)
    by_limit = {g: libvmaf_adm(scorer_cls, refs, diss, bitdepth, g, cpumask) for g in limits}
    for i, (ref, dis) in enumerate(zip(refs, diss, strict=True)):
        expected = {g: by_limit[g][i] for g in limits}
        assert reference_adm(ref, dis, bitdepth, limits, kernel) == expected, f"frame {i}"
        for simd in SIMD_LEVELS:
            got = features_only(native_adm(ref, dis, bitdepth, limits, kernel, simd))
            assert got == expected, f"frame {i}, simd {simd}"


# Widths where libvmaf's vector wavelet stays inside the rows (see the reference's
# module docstring); the others are held against its C code below.
@pytest.mark.parametrize(
    ("kind", "width", "height", "bitdepth"),
    [
        ("unsharp", 352, 288, 8),
        ("contrast", 176, 144, 8),
        ("blur", 175, 143, 8),
        ("noise", 176, 144, 10),
        ("quant", 187, 101, 10),
        ("unsharp", 160, 96, 12),
        ("blur", 152, 77, 16),
        ("unsharp", 105, 63, 16),
    ],
)
def test_equals_libvmaf_default_path(scorer_cls, kind, width, height, bitdepth) -> None:
    """Default VMAF (limit 100) and NEG (limit 1), libvmaf's SIMD dispatch on this CPU."""
    refs, diss = clip_pairs(kind, width, height, bitdepth)
    assert_three_agree(scorer_cls, refs, diss, bitdepth, (100.0, 1.0))


@pytest.mark.parametrize(
    ("kind", "width", "height", "bitdepth", "limits"),
    [
        ("unsharp", 176, 144, 8, (1.2, 100.0)),
        ("contrast", 101, 57, 10, (2.5, 1.0)),
        ("unsharp", 34, 40, 8, (100.0, 1.0)),
        ("noise", 66, 50, 12, (100.0, 1.0)),
        ("unsharp", 35, 33, 16, (1.7,)),
    ],
)
def test_equals_libvmaf_c_code(scorer_cls, kind, width, height, bitdepth, limits) -> None:
    """Non-integer limits and widths 33-36 / 65-68: libvmaf's portable C code."""
    refs, diss = clip_pairs(kind, width, height, bitdepth, frames=1)
    assert_three_agree(scorer_cls, refs, diss, bitdepth, limits, cpumask=C_ONLY)


# libvmaf's ADM paths as cpumask values: default dispatch, AVX2 only, scalar C.
_PATHS = (0, 0x30, 0x38)
FRACTIONAL_LIMITS = (1.2, 1.7, 2.5, 7.5)


@pytest.mark.parametrize(
    ("kind", "width", "height", "bitdepth", "image"),
    [
        ("unsharp", 176, 144, 8, "astronaut"),
        ("unsharp", 175, 143, 10, "coffee"),
        ("contrast", 240, 135, 8, "astronaut"),
        ("unsharp", 191, 109, 12, "camera"),
        ("noise", 111, 73, 8, "coffee"),
        ("unsharp", 224, 161, 16, "astronaut"),
    ],
)
def test_non_integer_limits_equal_each_libvmaf_path(
    scorer_cls, kind, width, height, bitdepth, image
) -> None:
    """Non-integer limits: libvmaf's vector decoupling rounds rst * egl to nearest where
    its C code truncates; native == reference == libvmaf on each path, every SIMD level."""
    refs, diss = clip_pairs(kind, width, height, bitdepth, frames=1, image=image)
    for cpumask in _PATHS:
        assert_three_agree(scorer_cls, refs, diss, bitdepth, FRACTIONAL_LIMITS, cpumask)
    assert kernel_for_cpumask(0x38) == "c"


def test_non_integer_limit_paths_differ_and_native_follows_each() -> None:
    """The rounding rule matters: the three emulated paths give three different values,
    and the native engine follows the kernel it is given at every SIMD level."""
    refs, diss = clip_pairs("unsharp", 176, 144, 8, frames=1)
    got = {}
    for kernel in ADM_KERNELS:
        expected = reference_adm(refs[0], diss[0], 8, FRACTIONAL_LIMITS, kernel)
        for simd in SIMD_LEVELS:
            native = native_adm(refs[0], diss[0], 8, FRACTIONAL_LIMITS, kernel, simd)
            assert features_only(native) == expected, (kernel, simd)
        got[kernel] = expected[1.2]["adm2"]
    assert len(set(got.values())) == 3, got


def test_backend_takes_libvmaf_path_for_the_width(scorer_cls) -> None:
    """At a width where libvmaf's vector ADM disagrees with its scalar code, the libvmaf
    binding runs the scalar code; the native and reference backends follow it."""
    import pyvmafneg

    clip = natural_clip("astronaut", frames=2, width=130, height=77)
    dis = [unsharp_mask(f.luma, amount=1.5) for f in clip]
    refs = [f.luma for f in clip]
    models = ["vmaf_v0.6.1:name=vmaf", "vmaf_v0.6.1:name=g:adm_enhn_gain_limit=1.2"]
    lib = pyvmafneg.score(refs, dis, models, backend="libvmaf", threads=0, clip=False)
    for backend in ("native", "reference"):
        ours = pyvmafneg.score(refs, dis, models, backend=backend, clip=False)
        for key in lib.keys():
            assert ours[key].tolist() == lib[key].tolist(), (backend, key)
    # ... which is not what the default vector path would give here
    c = reference_adm(refs[0], dis[0], 8, (1.2,), "c")
    vector = reference_adm(refs[0], dis[0], 8, (1.2,), kernel_for_cpumask(0))
    assert kernel_for_cpumask(0) == "c" or c != vector


def test_near_full_scale_equals_libvmaf_default_path(scorer_cls) -> None:
    ref, dis = _near_full_scale_pair()
    assert_three_agree(scorer_cls, [ref], [dis], 8, (100.0, 1.0))


# --------------------------------------------------------------------------- cap shares


def _explain_shares(ref, dis, bitdepth, limit) -> list[float]:
    ex = adm_explain(ref, dis, bitdepth, limit)
    shares = []
    for s in range(4):
        bands = [ex.band(s, name) for name in BANDS]
        top, bottom, left, right = bands[0].roi
        changed = sum(int(np.count_nonzero(b.cap_map[top:bottom, left:right])) for b in bands)
        shares.append(changed / (3 * (bottom - top) * (right - left)))
    return shares


@pytest.mark.parametrize(("kind", "bitdepth"), [("unsharp", 8), ("contrast", 10), ("noise", 12)])
def test_cap_shares_equal_explain(kind, bitdepth) -> None:
    refs, diss = clip_pairs(kind, 176, 144, bitdepth, frames=1)
    ref, dis = refs[0], diss[0]
    limits = (1.0, 1.2, 7.5)
    got = native_adm(ref, dis, bitdepth, limits)
    for g in limits:
        shares = [got[g][f"cap_share_scale{s}"] for s in range(4)]
        assert shares == _explain_shares(ref, dis, bitdepth, g), g
    if kind == "unsharp":
        assert all(0.0 < got[1.0][f"cap_share_scale{s}"] < 0.5 for s in range(4))
        # A looser cap binds less often.
        assert got[7.5]["cap_share_scale0"] < got[1.0]["cap_share_scale0"]


def test_cap_share_at_default_limit_counts_where_it_binds() -> None:
    """At egl 100 explain compares the limit with itself (0); the engine counts where
    100 * rst still stayed below t, from the reference's decoupling core."""
    refs, diss = clip_pairs("unsharp", 96, 80, 8, frames=1)
    ref, dis = refs[0], diss[0]
    csf = reference._csf_weights(3.0, 1080)
    got = native_adm(ref, dis, 8, (100.0,))[100.0]
    for sc in reference._analyse(ref, dis, 8, csf):
        top, bottom, left, right = sc.roi
        held = 0
        for b in range(3):
            dec = sc.decoupled
            rst, t = dec.rst[b], dec.t[b]
            scaled = rst * 100
            bind = (dec.pos[b] & (scaled < t)) | (dec.neg[b] & (scaled > t))
            held += int(np.count_nonzero((bind & (rst != 0))[top:bottom, left:right]))
        area = (bottom - top) * (right - left)
        assert got[f"cap_share_scale{sc.scale}"] == held / (3 * area)


def test_identical_planes() -> None:
    refs, _ = clip_pairs("unsharp", 120, 90, 8, frames=1)
    ref, dis = refs[0], refs[0].copy()
    got = native_adm(ref, dis, 8, (100.0, 1.0))
    assert features_only(got) == reference_adm(ref, dis, 8, (100.0, 1.0))
    # Uncapped, the restored detail is the distorted detail: nothing is additive.
    assert got[100.0]["aim"] == 0.0
    assert abs(got[100.0]["adm2"] - 1.0) < 1e-4


@pytest.mark.parametrize("bitdepth", [8, 16])
def test_flat_and_tiny_detail_planes(bitdepth) -> None:
    """No detail at all (zero coefficients, where the masking terms round to -1)."""
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    flat = np.full((40, 50), 100, dtype)
    ripple = (np.arange(64 * 70).reshape(64, 70) % 7).astype(dtype)
    for ref, dis in ((flat, flat.copy()), (flat, flat + 10), (np.zeros_like(ripple), ripple)):
        for kernel in ADM_KERNELS:
            expected = reference_adm(ref, dis, bitdepth, (100.0, 1.0), kernel)
            for simd in SIMD_LEVELS:
                got = native_adm(ref, dis, bitdepth, (100.0, 1.0), kernel, simd)
                assert features_only(got) == expected


# --------------------------------------------------------------------------- argument checks


def _call(ref, dis, stride, width, height, bitdepth, limits, lanes=0, simd=0, out_len=None):
    lims = np.asarray(limits, dtype=np.float64)
    out = np.full(max(1, 11 * len(limits)), -7.0)
    rc = lib.vn_adm_multi(
        ref,
        dis,
        stride,
        width,
        height,
        bitdepth,
        ffi.cast("double *", ffi.from_buffer(lims)) if len(limits) else ffi.NULL,
        len(limits),
        lanes,
        simd,
        ffi.cast("double *", ffi.from_buffer(out)),
        out.size if out_len is None else out_len,
    )
    return rc, out


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("width", 32),
        ("height", 32),
        ("width", 40000),
        ("stride", 63),
        ("bitdepth", 9),
        ("limits", (0.5,)),
        ("limits", (100.5,)),
        ("limits", (float("nan"),)),
        ("limits", ()),
        ("lanes", 8),
        ("simd", 3),
        ("simd", -2),
        ("out_len", 10),
    ],
)
def test_invalid_arguments_are_refused(change, value) -> None:
    plane = np.zeros((48, 64), np.uint8)
    args = {
        "ref": ffi.from_buffer(plane),
        "dis": ffi.from_buffer(plane),
        "stride": 64,
        "width": 64,
        "height": 48,
        "bitdepth": 8,
        "limits": (1.0,),
    }
    args[change] = value
    rc, out = _call(**args)
    assert rc == EINVAL
    assert np.all(out == -7.0)  # nothing written


def test_caller_workspace() -> None:
    """vn_adm_multi_ws: any alignment, reused across frames, too small refused."""
    refs, diss = clip_pairs("unsharp", 101, 57, 10, frames=2)
    limits = np.array([100.0, 1.0])
    need = lib.vn_adm_workspace_size(101, 57, 2)
    assert need > 0
    assert lib.vn_adm_workspace_size(32, 57, 2) == 0
    assert lib.vn_adm_workspace_size(101, 57, 0) == 0
    buf = ffi.new("char[]", need + 3)
    for ref, dis in zip(refs, diss, strict=True):
        expected = native_adm(ref, dis, 10, (100.0, 1.0))
        for offset, size, rc_want in ((3, need, 0), (0, need - 1, EINVAL)):
            out = np.full(22, -7.0)
            rc = lib.vn_adm_multi_ws(
                ffi.from_buffer(ref),
                ffi.from_buffer(dis),
                ref.strides[0],
                101,
                57,
                10,
                ffi.cast("double *", ffi.from_buffer(limits)),
                2,
                ADM_KERNELS[default_kernel()],
                -1,
                ffi.cast("double *", ffi.from_buffer(out)),
                out.size,
                buf + offset,
                size,
            )
            assert rc == rc_want
            if rc == 0:
                got = [dict(zip(OUT_KEYS, out[i * 11 : (i + 1) * 11], strict=True)) for i in (0, 1)]
                assert got == [expected[100.0], expected[1.0]]
            else:
                assert np.all(out == -7.0)


def test_null_planes_are_refused() -> None:
    plane = np.zeros((48, 64), np.uint8)
    rc, _ = _call(ffi.NULL, ffi.from_buffer(plane), 64, 64, 48, 8, (1.0,))
    assert rc == EINVAL


def test_simd_levels() -> None:
    best = lib.vn_simd_level()
    assert best in (0, 1, 2)
    plane = np.zeros((48, 64), np.uint8)
    for simd in range(3):
        rc, _ = _call(
            ffi.from_buffer(plane), ffi.from_buffer(plane), 64, 64, 48, 8, (1.0,), 0, simd
        )
        assert rc == (0 if simd <= best else ENOTSUP)
