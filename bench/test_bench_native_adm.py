"""The native ADM kernel (``vn_adm_multi``) at 1080p: one and two gain limits, per SIMD level.

libvmaf does not expose its ADM extractor alone, so the kernel is set beside
whole-frame libvmaf runs on the same frames in the same process (the binding,
``threads=0``: the calling thread only, one core like the kernel): default
VMAF, and VMAF + NEG (which runs ADM and VIF a second time at gain limit 1).
Rounds alternate (libvmaf and the one-limit kernel, then the two-limit kernel).
The two-limit kernel is checked against libvmaf's ``integer_adm*`` and
``integer_adm*_egl_1`` features, as doubles, on every frame.

``extra_info``: ``kind`` ``'kernel'``, ``simd``, ``size``, ``frames``,
``adm_1_limit_ms`` and ``adm_2_limits_ms`` (ms per frame, medians),
``second_limit_cost`` (2-limit / 1-limit time), ``libvmaf_vmaf_ms`` and
``libvmaf_vmaf_neg_ms`` (whole frames), ``reference_adm_2_limits_ms`` (the NumPy
reference, one untimed-by-pytest frame).

Run: ``python3 -m pytest bench/test_bench_native_adm.py --benchmark-only``
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pytest
from benchkit import interleave, soft_check

from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.demo._enhance import unsharp_mask
from pyvmafneg.engines.libvmaf._scorer import Scorer
from pyvmafneg.engines.reference._adm import ADM_KERNELS, adm_features_multi, default_kernel

engine = pytest.importorskip("pyvmafneg.engines.native._engine")
ffi, lib = engine.ffi, engine.lib

WIDTH, HEIGHT, FRAMES, ROUNDS = 1920, 1080, 4, 5
#: Goal: the second gain limit costs at most this share of a one-limit run.
SECOND_LIMIT_GOAL = 1.3
LEVELS = {0: "c", 1: "avx2", 2: "avx512"}
KEYS = ("adm2", "aim", "adm3", "adm_scale0", "adm_scale1", "adm_scale2", "adm_scale3")


@pytest.fixture(scope="module")
def frames() -> tuple[list[np.ndarray], list[np.ndarray]]:
    refs = [f.luma for f in natural_clip("astronaut", frames=FRAMES, width=WIDTH, height=HEIGHT)]
    return refs, [unsharp_mask(r, sigma=1.5, amount=1.0) for r in refs]


class Kernel:
    """``vn_adm_multi_ws`` over a clip with one reusable workspace."""

    def __init__(self, limits: tuple[float, ...], simd: int) -> None:
        self.limits = np.asarray(limits, dtype=np.float64)
        self.n = int(lib.vn_adm_outputs_per_limit())
        self.simd = simd
        self.lanes = ADM_KERNELS[default_kernel()]
        self.size = int(lib.vn_adm_workspace_size(WIDTH, HEIGHT, len(limits)))
        self.workspace = ffi.new("char[]", self.size)

    def __call__(self, refs: list[np.ndarray], diss: list[np.ndarray]) -> np.ndarray:
        out = np.empty((len(refs), len(self.limits), self.n))
        for i, (ref, dis) in enumerate(zip(refs, diss, strict=True)):
            rc = lib.vn_adm_multi_ws(
                ffi.from_buffer(ref),
                ffi.from_buffer(dis),
                ref.strides[0],
                WIDTH,
                HEIGHT,
                8,
                ffi.cast("double *", ffi.from_buffer(self.limits)),
                len(self.limits),
                self.lanes,
                self.simd,
                ffi.cast("double *", ffi.from_buffer(out[i])),
                out[i].size,
                self.workspace,
                self.size,
            )
            assert rc == 0, rc
        return out


def _libvmaf(models: list[str] | None, refs, diss):
    with Scorer(models, threads=0, bitdepth=8) as scorer:
        for ref, dis in zip(refs, diss, strict=True):
            scorer.feed(ref, dis)
        return scorer.flush()


@pytest.mark.parametrize("simd", [s for s in LEVELS if s <= lib.vn_adm_simd_best()])
def test_native_adm_kernel(benchmark, frames, simd) -> None:
    refs, diss = frames
    one, two = Kernel((100.0,), simd), Kernel((100.0, 1.0), simd)
    run = interleave(
        benchmark,
        lambda: two(refs, diss),
        {
            "one": lambda: one(refs, diss),
            "vmaf": lambda: _libvmaf(["vmaf_v0.6.1"], refs, diss),
            "vmaf+neg": lambda: _libvmaf(None, refs, diss),
        },
        rounds=ROUNDS,
    )
    # A fast wrong kernel cannot pass: libvmaf's own ADM features, frame by frame.
    result = run.theirs["vmaf+neg"]
    for i in range(FRAMES):
        for j, suffix in enumerate(("", "_egl_1")):
            expected = [float(result[f"integer_{k}{suffix}"][i]) for k in KEYS]
            assert run.ours[i, j, : len(KEYS)].tolist() == expected, (i, suffix)
    assert np.array_equal(run.theirs["one"][:, 0], run.ours[:, 0])

    t0 = time.perf_counter()
    adm_features_multi(refs[0], diss[0], 8, (100.0, 1.0))
    reference_ms = (time.perf_counter() - t0) * 1e3

    def per_frame(seconds: list[float]) -> float:
        return statistics.median(seconds) / FRAMES * 1e3

    pairs = zip(run.theirs_seconds["one"], run.ours_seconds, strict=True)
    second = statistics.median(t2 / t1 for t1, t2 in pairs)
    benchmark.extra_info.update(
        kind="kernel",
        path="native ADM",
        simd=LEVELS[simd],
        size=f"{WIDTH}x{HEIGHT}",
        frames=FRAMES,
        adm_1_limit_ms=round(per_frame(run.theirs_seconds["one"]), 2),
        adm_2_limits_ms=round(per_frame(run.ours_seconds), 2),
        second_limit_cost=round(second, 3),
        libvmaf_vmaf_ms=round(per_frame(run.theirs_seconds["vmaf"]), 2),
        libvmaf_vmaf_neg_ms=round(per_frame(run.theirs_seconds["vmaf+neg"]), 2),
        reference_adm_2_limits_ms=round(reference_ms, 1),
    )
    print(benchmark.extra_info)
    soft_check(
        benchmark,
        second <= SECOND_LIMIT_GOAL,
        f"two gain limits cost <= {SECOND_LIMIT_GOAL}x one limit",
    )
