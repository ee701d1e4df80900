"""The native engine built with AddressSanitizer and UndefinedBehaviorSanitizer.

The extension is compiled again into a temporary directory with
``-fsanitize=address,undefined`` (through ``PYVMAFNEG_NATIVE_CFLAGS``) and run
in a child Python with the sanitizer runtimes preloaded, on odd frame sizes
at every bit depth and kernel level (PSNR of three planes, float SSIM at
every scale that fits, MS-SSIM at its smallest and odd sizes, one reference
against several distorted frames, and the verdict's frame evidence, too): any
read or write outside the planes or work buffers, and any undefined behaviour,
aborts the child. The child also checks that the sanitized build computes the
reference's numbers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import pyvmafneg

pytest.importorskip("pyvmafneg.engines.native._engine", reason="the native engine is not built")

pytestmark = pytest.mark.slow

BUILD = Path(pyvmafneg.__file__).parent / "engines" / "native" / "_build.py"

CHILD = textwrap.dedent(
    """
    import glob, importlib.util, itertools, sys
    import numpy as np
    path = glob.glob(sys.argv[1] + "/**/_engine*.so", recursive=True)[0]
    spec = importlib.util.spec_from_file_location("pyvmafneg.engines.native._engine", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sys.modules["pyvmafneg.engines.native._engine"] = mod
    from pyvmafneg.engines.native import _kernels as k
    from pyvmafneg.engines._paths import ADM_KERNELS, default_kernel
    from pyvmafneg.engines.reference._adm import adm_features_multi
    from pyvmafneg.engines.reference._motion import motion_sad
    from pyvmafneg.engines.reference._vif import vif_features_multi
    from pyvmafneg.verdict import _projection as pj
    rng = np.random.default_rng(7)
    lanes = ADM_KERNELS[default_kernel()]
    checked = 0
    for bitdepth in (8, 10, 12, 16):
        dt = np.uint8 if bitdepth == 8 else np.uint16
        for h, w in ((16, 16), (17, 19), (33, 35), (40, 36), (41, 67), (37, 65), (68, 67),
                     (57, 101), (45, 97), (77, 130), (34, 529)):
            base = rng.integers(0, 1 << bitdepth, (h, w))
            # exact-size heap buffers: one sample past either plane is a redzone
            ref = np.array(base, dtype=dt)
            peak = (1 << bitdepth) - 1
            dis = np.array(np.clip(base * 5 // 4 - peak // 8, 0, peak), dtype=dt)
            for simd in k.available_levels():
                lims = (100.0, 1.0, 3.5)
                got = k.vif(ref, dis, bitdepth, lims, simd)[0]
                want = vif_features_multi(ref, dis, bitdepth, lims)
                assert got.tolist() == [[want[g][f"vif_scale{s}"] for s in range(4)] for g in lims]
                assert k.motion_sad(ref, dis, bitdepth, simd) == motion_sad(ref, dis, bitdepth)
                if min(h, w) >= 33:
                    out = k.adm(ref, dis, bitdepth, (100.0, 1.0), lanes, simd)
                    want = adm_features_multi(ref, dis, bitdepth, (1.0,), kernel=default_kernel())
                    assert out[1, 0] == want[1.0]["adm2"]
                    # every libvmaf code path the ADM kernels follow, on rows with padding
                    padded = np.zeros((h, w + 5), dtype=dt)
                    padded[:, :w] = dis
                    for other in (0, 6, 14):
                        got = k.adm(ref, padded[:, :w], bitdepth, (100.0, 1.0, 1.3), other, simd)
                        assert np.all(np.isfinite(got))
                    # whole frames in one call (vn_frame, vn_frames) equal the checked calls
                    frames = [(None, ref, dis, True), (ref, dis, ref, True), (dis, ref, dis, False)]
                    want = [
                        k.FrameKernels((100.0, 1.0), (1.0,), lanes, simd).run(p, r, d, bitdepth, f)
                        for p, r, d, f in frames
                    ]
                    fk = k.FrameKernels((100.0, 1.0), (1.0,), lanes, simd)
                    fk.run(None, ref, dis, bitdepth)
                    got = [fk.run(p, r, d, bitdepth, f) for p, r, d, f in frames]
                    batch = fk.run_batch(frames, bitdepth)
                    for row, a, b in zip(want, got, batch):
                        assert np.array_equal(row, a, equal_nan=True)
                        assert np.array_equal(row, b, equal_nan=True)
                    # one reference against three distorted frames (vn_frames_many), each in
                    # its own exact-size buffer, equal to the single pairs
                    third = np.array(rng.integers(0, 1 << bitdepth, (h, w)), dtype=dt)
                    many = fk.run_many(
                        [(None, ref, [dis, ref, third], True), (ref, dis, [ref, third, dis], True),
                         (dis, ref, [dis, dis, third], False)], bitdepth)
                    for f, (p, r, ds, fl) in enumerate(
                        [(None, ref, [dis, ref, third], True), (ref, dis, [ref, third, dis], True),
                         (dis, ref, [dis, dis, third], False)]):
                        for i, d in enumerate(ds):
                            single = fk.run(p, r, d, bitdepth, fl)
                            assert np.array_equal(single, many[f, i], equal_nan=True)
                checked += 1
            # the verdict's frame evidence: the NumPy reference's sums at every level
            # (each work buffer its own allocation, then the thread's kept buffer)
            want = pj._frame_sums_numpy(ref, dis, bitdepth)
            for simd, keep in itertools.product(k.available_levels(), (0, 1 << 24)):
                k.EVIDENCE_KEEP_FLOATS = keep
                s, c, rl, dl = k.evidence_sums(ref, dis, bitdepth, 5, 16, (0.75, 0.95), simd)
                n = int(np.sum(c[:, 0] >= 0))
                assert n >= 1 and np.allclose(s[:n], want[:n], rtol=1e-12, atol=0)
                assert pj._low_sums(rl[::2, ::2], dl[::2, ::2]) == want[5].tolist()
            # PSNR (exact sums) and float SSIM at every scale that fits, on odd sizes
            e = ref.astype(np.int64) - dis.astype(np.int64)
            assert k.psnr(ref, dis, bitdepth, 65025.0, 60.0)[2] == int((e * e).sum())
            for scale in range(0, 11):
                f = k.ssim_scale(w, h, scale)
                if min(w // f + (w & 1), h // f + (h & 1)) >= 11:
                    want = k.float_ssim(ref, dis, bitdepth, scale, "c")
                    assert np.all(np.isfinite(want))
                    for simd in k.available_levels():
                        got = k.float_ssim(ref, dis, bitdepth, scale, simd)
                        assert got.tolist() == want.tolist()
            # whole frames with PSNR of three planes and SSIM equal the checked calls
            ch, cw = h // 2, w // 2
            chroma = tuple(
                np.array(rng.integers(0, 1 << bitdepth, (ch, cw)), dtype=dt) for _ in range(4)
            )
            settings = k.MetricSettings(3, 65025.0, (60.0, 60.0, 60.0), True, 0)
            fk = k.FrameKernels((1.0,), (), lanes, None, settings)
            first = fk.run(None, ref, dis, bitdepth, True, chroma)
            again = fk.run(None, ref, dis, bitdepth, True, chroma)
            pair = fk.run_batch([(None, ref, dis, True), (ref, dis, ref, True)], bitdepth,
                                [chroma, chroma])
            assert np.array_equal(first, again, equal_nan=True)
            assert np.array_equal(first, pair[0], equal_nan=True)
            if min(h, w) >= 33:  # with PSNR of three planes and SSIM, two distorted frames
                many = fk.run_many([(None, ref, [dis, ref], True)], bitdepth, [[chroma, chroma]])
                assert np.array_equal(first, many[0, 0], equal_nan=True)
                assert np.array_equal(fk.run(None, ref, ref, bitdepth, True, chroma), many[0, 1],
                                      equal_nan=True)
            assert np.all(np.isfinite(first[fk.metric_slice][:10]))  # PSNR and SSIM
            # a view with a row stride larger than its width
            wide = np.array(rng.integers(0, 1 << bitdepth, (h, w + 9)), dtype=dt)
            k.vif(wide[:, :w], dis, bitdepth, (1.0,))
            k.motion_sad(wide[:, 3 : 3 + w], dis, bitdepth)
    # MS-SSIM (five scales, the low-pass decimation's mirrored edges) at its smallest size
    # and odd sizes, every depth and level, alone and in whole frames; a plane one sample
    # too small is refused by the C itself
    ffi, lib = k._load()
    for bitdepth in (8, 10, 12, 16):
        dt = np.uint8 if bitdepth == 8 else np.uint16
        for h, w in ((176, 176), (177, 183), (181, 176)):
            peak = (1 << bitdepth) - 1
            base = rng.integers(0, peak + 1, (h, w))
            ref = np.array(base, dtype=dt)
            dis = np.array(np.clip(base * 7 // 8 + peak // 16, 0, peak), dtype=dt)
            want = k.float_ms_ssim(ref, dis, bitdepth, "c")
            assert np.all(np.isfinite(want))
            for simd in k.available_levels():
                assert k.float_ms_ssim(ref, dis, bitdepth, simd).tolist() == want.tolist()
            settings = k.MetricSettings(1, 65025.0, (60.0, 60.0, 60.0), True, 0, True)
            fk = k.FrameKernels((1.0,), (1.0,), lanes, None, settings)
            row = fk.run(None, ref, dis, bitdepth, True)
            assert row[fk.metric_slice][10:].tolist() == want.tolist()
            again = fk.run(None, ref, dis, bitdepth, True)
            assert np.array_equal(again, row, equal_nan=True)
            many = fk.run_many([(None, ref, [dis, ref], True)], bitdepth)
            assert np.array_equal(row, many[0, 0], equal_nan=True)
            out = np.zeros(16)
            small = np.ascontiguousarray(ref[:, :175])
            rc = lib.vn_float_ms_ssim(ffi.cast("void *", small.ctypes.data),
                                      ffi.cast("void *", small.ctypes.data), 175, h,
                                      small.strides[0], small.strides[0], bitdepth, 0,
                                      ffi.cast("double *", out.ctypes.data))
            assert rc == lib.VN_EINVAL and not out.any()
            checked += 1
    # uint16 planes one byte off their alignment, through the public scorer and the
    # kernels: each is copied to an aligned buffer before the engine loads from it
    from pyvmafneg.engines.native import NativeScorer
    for h, w in ((40, 68), (48, 96)):
        base = np.array(rng.integers(0, 1 << 10, (h, w)), dtype=np.uint16)
        raw = np.zeros(base.nbytes + 1, dtype=np.uint8)
        odd = np.ndarray(base.shape, dtype=np.uint16, buffer=raw, offset=1)
        odd[...] = base
        assert not odd.flags.aligned
        for simd in k.available_levels():
            k.vif(odd, base, 10, (1.0,), simd)
            k.adm(odd, base, 10, (1.0, 1.3), lanes, simd)
        for threads in (0, 2):
            with NativeScorer(bitdepth=10, threads=threads) as scorer:
                scorer.feed(odd, base)
                scorer.feed(base, odd)
                scorer.flush()
    print("SANITIZED-OK", checked)
    """
)


def _runtime(name: str) -> str:
    out = subprocess.run(
        ["gcc", f"-print-file-name={name}"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if not os.path.isabs(out):
        pytest.skip(f"gcc has no {name}")
    return out


def test_engine_is_clean_under_asan_and_ubsan(tmp_path):
    if shutil.which("gcc") is None:
        pytest.skip("no gcc to build the sanitized engine")
    asan, ubsan = _runtime("libasan.so"), _runtime("libubsan.so")
    # cffi compiles inside tmp_path with the sources named relative to the source tree
    (tmp_path / "csrc").symlink_to(BUILD.parents[3] / "csrc")
    env = dict(os.environ)
    env["PYVMAFNEG_NATIVE_CFLAGS"] = (
        "-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1"
    )
    build = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runpy, sys; ns = runpy.run_path(sys.argv[1]); "
            "ns['ffibuilder'].compile(tmpdir=sys.argv[2])",
            str(BUILD),
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    env.pop("PYVMAFNEG_NATIVE_CFLAGS")
    env["LD_PRELOAD"] = f"{asan} {ubsan}"
    env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.returncode == 0, run.stderr[-5000:]
    assert "runtime error" not in run.stderr
    assert "SANITIZED-OK" in run.stdout
