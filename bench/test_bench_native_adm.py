"""The native ADM kernel (``vn_adm_multi``) against libvmaf's ADM extractor alone, 1080p.

libvmaf runs its integer ADM extractor by itself (no model: ``vmaf_use_feature``
with ``adm``, and a second ``adm`` with ``adm_enhn_gain_limit=1`` for the
VMAF + NEG case, which is what libvmaf does for the NEG model) on the calling
thread, with the code path matching each native SIMD level (cpumask: portable
C, AVX2, AVX-512). The native kernel scores one gain limit (100) and two
(100 and 1) from one wavelet pass. Rounds alternate between the sides on the
same frames in memory. The two-limit kernel is checked against libvmaf's
``integer_adm*`` and ``integer_adm*_egl_1`` features, as doubles, on every
frame, so a fast wrong kernel cannot pass.

``extra_info``: ``kind`` ``'kernel'``, ``simd``, ``size``, ``frames``, and per
side the median milliseconds per frame, wall-clock (``*_ms``) and CPU time of
this process (``cpu_*_ms``, which other work on a shared machine disturbs less;
every side runs on one thread): ``adm_1_limit`` and ``adm_2_limits`` (native),
``libvmaf_adm`` and ``libvmaf_adm_2_limits``; ``speedup_2_limits`` (libvmaf's
two-limit CPU time / native's), ``second_limit_cost`` (native 2-limit / 1-limit
CPU time) and ``reference_adm_2_limits_ms`` (the NumPy reference on one frame).

Run: ``python3 -m pytest bench/test_bench_native_adm.py --benchmark-only``
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from benchkit import interleave, soft_check

from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.demo._enhance import apply_to_frames
from pyvmafneg.engines._features import FeatureSpec
from pyvmafneg.engines._paths import ADM_KERNELS, kernel_for_cpumask
from pyvmafneg.engines.libvmaf._binding import Context
from pyvmafneg.engines.reference._adm import adm_features_multi
from pyvmafneg.io._frame import Frame

engine = pytest.importorskip("pyvmafneg.engines.native._engine")
ffi, lib = engine.ffi, engine.lib

WIDTH, HEIGHT, FRAMES, ROUNDS = 1920, 1080, 4, 5
#: Goal: the second gain limit costs at most this share of a one-limit run (libvmaf: 2x).
SECOND_LIMIT_GOAL = 1.35
#: Native SIMD level -> (name, libvmaf cpumask selecting the same instruction set).
LEVELS = {0: ("c", 0xFFFF), 1: ("avx2", 0x10), 2: ("avx512", 0)}
KEYS = ("adm2", "aim", "adm3", "adm_scale0", "adm_scale1", "adm_scale2", "adm_scale3")


@pytest.fixture(scope="module")
def frames() -> tuple[list[Frame], list[Frame]]:
    refs = natural_clip("astronaut", frames=FRAMES, width=WIDTH, height=HEIGHT)
    return refs, apply_to_frames(refs, "unsharp", sigma=1.5, amount=1.0)


class Kernel:
    """``vn_adm_multi_ws`` over a clip with one reusable workspace."""

    def __init__(self, limits: tuple[float, ...], simd: int, lanes: int) -> None:
        self.limits = np.asarray(limits, dtype=np.float64)
        self.n = int(lib.vn_adm_outputs_per_limit())
        self.simd = simd
        self.lanes = lanes
        self.size = int(lib.vn_adm_workspace_size(WIDTH, HEIGHT, len(limits)))
        self.workspace = ffi.new("char[]", self.size)

    def __call__(self, refs: list[Frame], diss: list[Frame]) -> np.ndarray:
        out = np.empty((len(refs), len(self.limits), self.n))
        for i, (ref, dis) in enumerate(zip(refs, diss, strict=True)):
            r, d = ref.luma, dis.luma
            rc = lib.vn_adm_multi_ws(
                ffi.from_buffer(r),
                ffi.from_buffer(d),
                r.strides[0],
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


def _adm(**options: float) -> FeatureSpec:
    opts = tuple((k, f"{v:g}") for k, v in options.items())
    return FeatureSpec(name="adm", extractor="adm", options=opts)


def libvmaf_adm(
    features: list[FeatureSpec], cpumask: int, refs: list[Frame], diss: list[Frame]
) -> dict[str, np.ndarray]:
    """libvmaf's ADM extractor(s) alone on the calling thread: ``{feature name: values}``."""
    ctx = Context([], threads=0, cpumask=cpumask, features=features)
    try:
        for ref, dis in zip(refs, diss, strict=True):
            ctx.read(ref, dis)
        ctx.flush()
        return {name: ctx.feature_scores(name) for name in ctx.feature_names()}
    finally:
        ctx.close()


@pytest.mark.parametrize("simd", [s for s in LEVELS if s <= lib.vn_simd_level()])
def test_native_adm_kernel(benchmark, frames, simd) -> None:
    refs, diss = frames
    level, cpumask = LEVELS[simd]
    lanes = ADM_KERNELS[kernel_for_cpumask(cpumask)]
    one, two = Kernel((100.0,), simd, lanes), Kernel((100.0, 1.0), simd, lanes)
    cpu: dict[str, list[float]] = {}

    def cpu_timed(name: str, fn: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            t0 = time.process_time()
            out = fn()
            cpu.setdefault(name, []).append(time.process_time() - t0)
            return out

        return run

    run = interleave(
        benchmark,
        cpu_timed("two", lambda: two(refs, diss)),
        {
            "libvmaf_adm": cpu_timed(
                "libvmaf_adm", lambda: libvmaf_adm([_adm()], cpumask, refs, diss)
            ),
            "one": cpu_timed("one", lambda: one(refs, diss)),
            "libvmaf_adm_2": cpu_timed(
                "libvmaf_adm_2",
                lambda: libvmaf_adm([_adm(), _adm(adm_enhn_gain_limit=1.0)], cpumask, refs, diss),
            ),
        },
        rounds=ROUNDS,
    )
    # A fast wrong kernel cannot pass: libvmaf's own ADM features, frame by frame.
    theirs = run.theirs["libvmaf_adm_2"]
    for i in range(FRAMES):
        for j, suffix in enumerate(("", "_egl_1")):
            expected = [float(theirs[f"integer_{k}{suffix}"][i]) for k in KEYS]
            assert run.ours[i, j, : len(KEYS)].tolist() == expected, (i, suffix)
    assert np.array_equal(run.theirs["one"][:, 0], run.ours[:, 0])

    t0 = time.perf_counter()
    adm_features_multi(refs[0].luma, diss[0].luma, 8, (100.0, 1.0))
    reference_ms = (time.perf_counter() - t0) * 1e3

    # The first call of each side is interleave's warm-up.
    cpu = {k: v[1:] or v for k, v in cpu.items()}

    wall = {"one": run.theirs_seconds["one"], "two": run.ours_seconds}
    wall |= {k: run.theirs_seconds[k] for k in ("libvmaf_adm", "libvmaf_adm_2")}
    names = {
        "one": "adm_1_limit",
        "two": "adm_2_limits",
        "libvmaf_adm": "libvmaf_adm",
        "libvmaf_adm_2": "libvmaf_adm_2_limits",
    }
    second = statistics.median(t2 / t1 for t1, t2 in zip(cpu["one"], cpu["two"], strict=True))
    speedup = statistics.median(
        t / o for t, o in zip(cpu["libvmaf_adm_2"], cpu["two"], strict=True)
    )
    benchmark.extra_info.update(
        kind="kernel",
        path="native ADM",
        simd=level,
        size=f"{WIDTH}x{HEIGHT}",
        frames=FRAMES,
        second_limit_cost=round(second, 3),
        speedup_2_limits=round(speedup, 2),
        reference_adm_2_limits_ms=round(reference_ms, 1),
        **{
            f"{names[k]}_ms": round(statistics.median(v) / FRAMES * 1e3, 2) for k, v in wall.items()
        },
        **{
            f"cpu_{names[k]}_ms": round(statistics.median(v) / FRAMES * 1e3, 2)
            for k, v in cpu.items()
        },
    )
    print(benchmark.extra_info)
    soft_check(
        benchmark,
        second <= SECOND_LIMIT_GOAL,
        f"two gain limits cost <= {SECOND_LIMIT_GOAL}x one limit",
    )
