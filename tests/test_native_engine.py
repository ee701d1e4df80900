"""The native engine's C contract: return codes, SIMD levels, gain-limit count, plane layout.

Calls the compiled functions directly (``csrc/include/*.h``) with arguments the
Python checks would never pass, and checks that the Python side turns every
return code into its error.
"""

from __future__ import annotations

import numpy as np
import pytest

engine = pytest.importorskip(
    "pyvmafneg.engines.native._engine", reason="the native engine is not built"
)
ffi, lib = engine.ffi, engine.lib

from pyvmafneg.engines.native import _kernels  # noqa: E402
from pyvmafneg.errors import FrameError, OptionError  # noqa: E402


def test_return_codes_have_names() -> None:
    names = {
        lib.VN_OK: "ok",
        lib.VN_ENOMEM: "out of memory",
        lib.VN_EINVAL: "invalid argument",
        lib.VN_ENOTSUP: "SIMD level not available",
    }
    # errno's values, as libvmaf's own return codes use them
    assert (lib.VN_ENOMEM, lib.VN_EINVAL, lib.VN_ENOTSUP) == (-12, -22, -95)
    for rc, name in names.items():
        assert ffi.string(lib.vn_error_name(rc)).decode() == name
    assert ffi.string(lib.vn_error_name(-1)).decode() == "unknown error"


@pytest.mark.parametrize(
    ("rc", "error", "match"),
    [
        (lib.VN_ENOMEM, MemoryError, "could not allocate memory for VIF"),
        (lib.VN_EINVAL, FrameError, r"refused the VIF call: invalid argument \(code -22\)"),
        (lib.VN_ENOTSUP, OptionError, r"SIMD level not available \(code -95\)"),
        (-1, RuntimeError, r"unknown error \(code -1\)"),
    ],
)
def test_one_check_raises_the_error_of_each_code(rc, error, match) -> None:
    _kernels._check_rc(0, "VIF")  # VN_OK passes
    with pytest.raises(error, match=match):
        _kernels._check_rc(rc, "VIF")


def test_levels_are_the_engines() -> None:
    assert _kernels.LEVELS == {
        "c": lib.VN_SIMD_C,
        "avx2": lib.VN_SIMD_AVX2,
        "avx512": lib.VN_SIMD_AVX512,
    }
    assert lib.VN_SIMD_BEST == -1
    assert _kernels.LEVELS[_kernels.simd_level()] == lib.vn_simd_level()


def _vif(ref, dis, stride, width=48, height=40, n_limits=1, simd=-1, bitdepth=10):
    """vn_vif on raw pointers: (return code, scores)."""
    limits = np.full(n_limits, 1.0)
    scores = np.full((n_limits, 4), -7.0)
    capped = np.zeros((n_limits, 4), np.int64)
    locations = np.zeros(4, np.int64)
    rc = lib.vn_vif(
        ref,
        dis,
        width,
        height,
        stride,
        stride,
        bitdepth,
        ffi.cast("const double *", limits.ctypes.data),
        n_limits,
        simd,
        ffi.cast("double *", scores.ctypes.data),
        ffi.cast("int64_t *", capped.ctypes.data),
        ffi.cast("int64_t *", locations.ctypes.data),
    )
    return rc, scores


def _planes16(h=40, w=48):
    rng = np.random.default_rng(3)
    buf = rng.integers(0, 1024, (2, h, w + 1)).astype(np.uint16)
    return buf


def test_gain_limit_count_is_shared_with_python() -> None:
    most = lib.VN_MAX_GAIN_LIMITS
    assert _kernels.max_gain_limits() == most == 16
    buf = _planes16()
    ref = ffi.cast("const void *", buf[0].ctypes.data)
    dis = ffi.cast("const void *", buf[1].ctypes.data)
    stride = buf.strides[1]
    assert _vif(ref, dis, stride, n_limits=most, width=48)[0] == lib.VN_OK
    assert _vif(ref, dis, stride, n_limits=most + 1, width=48)[0] == lib.VN_EINVAL
    with pytest.raises(OptionError, match="give 1 to 16 gain limits"):
        _kernels.vif(buf[0], buf[1], 10, [1.0] * (most + 1))
    with pytest.raises(OptionError, match="at most 16 gain limits"):
        _kernels.FrameKernels([1.0] * (most + 1), [], 0)
    out = np.zeros(11 * (most + 1))
    limits = np.ones(most + 1)
    for n, want in ((most, lib.VN_OK), (most + 1, lib.VN_EINVAL)):
        rc = lib.vn_adm_multi(
            ref, dis, stride, 48, 40, 10, ffi.cast("const double *", limits.ctypes.data), n, 0,
            -1, ffi.cast("double *", out.ctypes.data), out.size,
        )  # fmt: skip
        assert rc == want
    assert lib.vn_adm_workspace_size(48, 40, most + 1) == 0


def test_odd_stride_or_address_of_16_bit_planes_is_refused() -> None:
    """Strides are bytes: a uint16 plane needs an even stride and an even address."""
    buf = _planes16()
    stride = buf.strides[1]  # (48 + 1) * 2 bytes
    ref = ffi.cast("const char *", buf[0].ctypes.data)
    dis = ffi.cast("const char *", buf[1].ctypes.data)
    rc, scores = _vif(ref, dis, stride, width=48)
    assert rc == lib.VN_OK and np.all(scores > 0)
    # one byte more than the rows of 96 bytes: odd
    assert _vif(ref, dis, 97, width=48, height=39)[0] == lib.VN_EINVAL
    # the first sample at an odd address
    assert _vif(ref + 1, dis + 1, stride, width=47, height=39)[0] == lib.VN_EINVAL
    # 8-bit planes take any stride and address
    assert _vif(ref + 1, dis + 1, 97, width=48, height=39, bitdepth=8)[0] == lib.VN_OK
    sad = ffi.new("double *")
    for args, want in (
        ((ref, dis, 48, 40, stride, stride, 10), lib.VN_OK),
        ((ref, dis, 48, 39, 97, 97, 10), lib.VN_EINVAL),
        ((ref + 1, dis + 1, 47, 39, stride, stride, 10), lib.VN_EINVAL),
        ((ref + 1, dis + 1, 48, 39, 97, 97, 8), lib.VN_OK),
    ):
        assert lib.vn_motion_sad(*args, -1, sad) == want
    limits = np.ones(1)
    out = np.full(11, -7.0)
    for args, want in (
        ((ref, dis, stride, 48, 40, 10), lib.VN_OK),
        ((ref, dis, 97, 48, 39, 10), lib.VN_EINVAL),
        ((ref + 1, dis + 1, stride, 47, 39, 10), lib.VN_EINVAL),
    ):
        rc = lib.vn_adm_multi(
            *args, ffi.cast("const double *", limits.ctypes.data), 1, 0, -1,
            ffi.cast("double *", out.ctypes.data), out.size,
        )  # fmt: skip
        assert rc == want
    row = np.zeros(11 + 8 + 1)
    for stride_, want in ((stride, lib.VN_OK), (97, lib.VN_EINVAL)):
        rc = lib.vn_frame(
            ffi.NULL, ref, dis, 48, 39, stride_, 10, ffi.cast("const double *", limits.ctypes.data),
            1, ffi.cast("const double *", limits.ctypes.data), 1, 0, -1, 1, ffi.NULL, ffi.NULL,
            ffi.cast("double *", row.ctypes.data), row.size,
        )  # fmt: skip
        assert rc == want
    sse = ffi.new("uint64_t *")
    ssim = np.zeros(4)
    for args, want in (
        ((ref, dis, 48, 40, stride, stride, 10), lib.VN_OK),
        ((ref, dis, 48, 39, 97, 97, 10), lib.VN_EINVAL),
        ((ref + 1, dis + 1, 47, 39, stride, stride, 10), lib.VN_EINVAL),
        ((ref + 1, dis + 1, 48, 39, 97, 97, 8), lib.VN_OK),
    ):
        assert lib.vn_psnr_sse(*args, sse) == want
        assert lib.vn_float_ssim(*args, 1, -1, ffi.cast("double *", ssim.ctypes.data)) == want


def test_simd_levels_outside_the_enum_are_invalid() -> None:
    buf = _planes16()
    ref = ffi.cast("const void *", buf[0].ctypes.data)
    dis = ffi.cast("const void *", buf[1].ctypes.data)
    stride = buf.strides[1]
    best = lib.vn_simd_level()
    for simd, want in ((-2, lib.VN_EINVAL), (3, lib.VN_EINVAL), (best, lib.VN_OK)):
        assert _vif(ref, dis, stride, width=48, simd=simd)[0] == want
    for simd in range(best + 1, 3):
        assert _vif(ref, dis, stride, width=48, simd=simd)[0] == lib.VN_ENOTSUP
    ssim = np.zeros(4)
    for simd, want in (
        (-2, lib.VN_EINVAL),
        (3, lib.VN_EINVAL),
        (best, lib.VN_OK),
        *((s, lib.VN_ENOTSUP) for s in range(best + 1, 3)),
    ):
        out = ffi.cast("double *", ssim.ctypes.data)
        assert lib.vn_float_ssim(ref, dis, 48, 40, stride, stride, 10, 1, simd, out) == want


@pytest.mark.parametrize("bitdepth", [8, 10, 16])
def test_every_level_equals_the_reference_across_column_blocks(bitdepth) -> None:
    """Widths on both sides of the kernels' vector steps (16 columns) and column blocks (256)."""
    from pyvmafneg.engines.reference._vif import vif_features_multi

    rng = np.random.default_rng(bitdepth)
    peak = (1 << bitdepth) - 1
    dt = np.uint8 if bitdepth == 8 else np.uint16
    for h, w in ((20, 271), (18, 256), (17, 529), (16, 47)):
        base = rng.integers(0, peak + 1, (h, w))
        ref = base.astype(dt)
        dis = np.clip(base * 5 // 4 - peak // 8, 0, peak).astype(dt)
        want = vif_features_multi(ref, dis, bitdepth, (100.0, 1.0))
        want = [[want[g][f"vif_scale{s}"] for s in range(4)] for g in (100.0, 1.0)]
        for simd in _kernels.available_levels():
            assert _kernels.vif(ref, dis, bitdepth, (100.0, 1.0), simd)[0].tolist() == want


@pytest.mark.parametrize("bitdepth", [8, 10, 16])
def test_every_level_equals_the_portable_level_at_every_small_width(bitdepth) -> None:
    """Every width from 16 to 72 and around the 256-column blocks, at the smallest heights and
    in pairs of odd sizes: each row's last columns short of a 16-column step, the mirrored
    columns of the fused moment and decimation passes, the decimated planes' odd sizes."""
    rng = np.random.default_rng(100 + bitdepth)
    peak = (1 << bitdepth) - 1
    dt = np.uint8 if bitdepth == 8 else np.uint16
    limits = (100.0, 1.0)
    sizes = [(16 + w % 5, w) for w in range(16, 73)]
    sizes += [(16, 16), (17, 17), (33, 31), (16, 239), (19, 255), (16, 257), (18, 273), (31, 513)]
    for h, w in sizes:
        base = rng.integers(0, peak + 1, (h, w))
        ref = base.astype(dt)
        dis = np.clip(base * 5 // 4 - peak // 8 + rng.integers(-9, 10, (h, w)), 0, peak)
        dis = dis.astype(dt)
        scores, capped, _ = _kernels.vif(ref, dis, bitdepth, limits, "c")
        for simd in _kernels.available_levels():
            got = _kernels.vif(ref, dis, bitdepth, limits, simd)
            assert got[0].tolist() == scores.tolist(), (h, w, simd)
            assert got[1].tolist() == capped.tolist(), (h, w, simd)


@pytest.mark.parametrize("bitdepth", [8, 10])
def test_every_level_equals_the_reference_on_every_statistic_path(bitdepth) -> None:
    """Flat areas (below sigma_nsq), anti-correlated ones (s12 < 0), gains above 1 (held at
    each limit) and plain texture side by side, across the statistic's chunks of locations."""
    from pyvmafneg.engines.reference._vif import vif_features_multi

    rng = np.random.default_rng(11)
    peak = (1 << bitdepth) - 1
    dt = np.uint8 if bitdepth == 8 else np.uint16
    limits = (100.0, 1.0, 1.3)
    for h, w in ((21, 263), (19, 600)):
        base = rng.integers(peak // 4, 3 * peak // 4, (h, w))
        ref = base.copy()
        ref[:, : w // 5] = peak // 2  # flat
        dis = base.copy()
        q = w // 5
        dis[:, q : 2 * q] = peak - base[:, q : 2 * q]  # anti-correlated
        mid = peak // 2
        dis[:, 2 * q : 3 * q] = np.clip(mid + (base[:, 2 * q : 3 * q] - mid) * 3 // 2, 0, peak)
        dis[:, 3 * q : 4 * q] = base[:, 3 * q : 4 * q] // 3 + peak // 3  # attenuated
        dis[::3, 4 * q :] = mid  # stripes of lost detail
        ref, dis = ref.astype(dt), dis.astype(dt)
        want = vif_features_multi(ref, dis, bitdepth, limits)
        want = [[want[g][f"vif_scale{s}"] for s in range(4)] for g in limits]
        for simd in _kernels.available_levels():
            scores, capped, _ = _kernels.vif(ref, dis, bitdepth, limits, simd)
            assert scores.tolist() == want, simd
            if simd != "c":
                assert capped.tolist() == _kernels.vif(ref, dis, bitdepth, limits, "c")[1].tolist()


@pytest.mark.parametrize("bitdepth", [8, 10, 12, 16])
def test_one_reference_against_several_equals_each_pair(bitdepth) -> None:
    """vn_frames_many (the reference's share once a frame) gives each pair's vn_frame row, at
    every level, on sizes across the vector steps, with odd sizes and the motion SAD."""
    rng = np.random.default_rng(100 + bitdepth)
    peak = (1 << bitdepth) - 1
    dt = np.uint8 if bitdepth == 8 else np.uint16
    for h, w in ((36, 41), (48, 271), (33, 35)):
        base = rng.integers(0, peak + 1, (h, w))
        ref = base.astype(dt)
        prev = np.clip(base + rng.integers(-9, 10, (h, w)), 0, peak).astype(dt)
        dis = [
            np.clip(base * 5 // 4 - peak // 8, 0, peak).astype(dt),
            np.clip(base // 2 + rng.integers(0, peak // 2 + 1, (h, w)), 0, peak).astype(dt),
            ref.copy(),
        ]
        for simd in _kernels.available_levels():
            fk = _kernels.FrameKernels((100.0, 1.0), (100.0, 1.0), 6, simd)
            fk.run(None, ref, dis[0], bitdepth)  # checks the layout once
            frames = [(prev, ref, dis, True), (None, prev, dis[::-1], True), (ref, ref, dis, False)]
            many = fk.run_many(frames, bitdepth)
            assert many.shape == (3, 3, fk.size)
            for f, (p, r, ds, features) in enumerate(frames):
                for i, d in enumerate(ds):
                    want = fk.run(p, r, d, bitdepth, features)
                    assert np.array_equal(many[f, i], want, equal_nan=True), (simd, f, i)


def test_one_reference_against_several_refuses_bad_arguments() -> None:
    ref = np.zeros((40, 40), np.uint8)
    fk = _kernels.FrameKernels((1.0,), (1.0,), 0)
    with pytest.raises(FrameError):  # before the first frame fixed the layout
        fk.run_many([(None, ref, [ref], True)], 8)
    fk.run(None, ref, ref, 8)
    with pytest.raises(FrameError):
        fk.run_many([(None, ref, [], True)], 8)
    with pytest.raises(FrameError):  # another geometry
        fk.run_many([(None, ref, [np.zeros((40, 42), np.uint8)], True)], 8)
    vl = ffi.new("double[]", [1.0])
    out = ffi.new("double[]", 64)
    planes = ffi.new("const void *[]", [ffi.cast("const void *", ref.ctypes.data)] * 2)
    flags = ffi.new("int[]", [1])
    args = (40, 40, 40, 8, vl, 1, vl, 1, 0, -1, ffi.NULL, ffi.NULL, out, 64)
    assert lib.vn_frames_many(1, 0, planes, planes, planes, flags, *args) == lib.VN_EINVAL
    assert lib.vn_frames_many(1, 1, planes, planes, ffi.NULL, flags, *args) == lib.VN_EINVAL
    nulls = ffi.new("const void *[]", 2)
    assert lib.vn_frames_many(1, 2, nulls, planes, nulls, flags, *args) == lib.VN_EINVAL
    short = (40, 40, 40, 8, vl, 1, vl, 1, 0, -1, ffi.NULL, ffi.NULL, out, 4)
    assert lib.vn_frames_many(1, 1, nulls, planes, planes, flags, *short) == lib.VN_EINVAL
    assert lib.vn_frames_many(1, 1, nulls, planes, planes, flags, *args) == lib.VN_OK
