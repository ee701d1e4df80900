"""The cost of per-model intervals (the bootstrapped twins of VMAF and VMAF-NEG).

One figure per size, a ratio measured side by side in one run (rounds
interleaved, medians; the CPU's SIMD level and the load average recorded):
native VMAF + NEG with ``model_intervals=True`` against native VMAF + NEG
alone, same frames in memory, one thread. The twins need no filtering, only
21 SVMs a frame each (goal: at most 1.3x the time). libvmaf with the twins
(its model-collection API) is timed too, as ``libvmaf_ratio``, and every
twin's outputs are checked equal, as doubles, to libvmaf's.

Run: ``nice python3 -m pytest bench/test_bench_model_intervals.py --benchmark-only -s``
"""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
from benchkit import interleave, soft_check, versions

import pyvmafneg
from pyvmafneg.io._rawyuv import read_yuv

native = pytest.importorskip("pyvmafneg.engines.native")
if not native.available():
    pytest.skip("the native engine is not built", allow_module_level=True)

#: Size -> (frames, rounds).
RUNS = {"576x324": (48, 5), "1920x1080": (12, 3)}
OUTPUTS = ("score", "bagging", "stddev", "low", "high")


@pytest.mark.parametrize("size", list(RUNS))
def test_model_intervals_overhead(benchmark, media, size) -> None:
    source = media(size)
    n, rounds = RUNS[size]
    ref = source.reference[:n]
    dis = list(itertools.islice(read_yuv(source.dis_yuv, source.width, source.height), n))
    benchmark.group = f"native VMAF + NEG with model intervals, {size}"
    run = interleave(
        benchmark,
        lambda: pyvmafneg.score(ref, dis, backend="native", threads=0, model_intervals=True),
        {
            "plain": lambda: pyvmafneg.score(ref, dis, backend="native", threads=0),
            "libvmaf": lambda: pyvmafneg.score(
                ref, dis, backend="libvmaf", threads=0, model_intervals=True
            ),
        },
        rounds=rounds,
    )
    for model, ours in run.ours.model_intervals.items():
        theirs = run.theirs["libvmaf"].model_intervals[model]
        for key in OUTPUTS:
            assert np.array_equal(getattr(ours, key), getattr(theirs, key)), (model, key)
    overhead = 1 / run.ratio("plain")
    benchmark.extra_info.update(
        simd=native.simd_level(),
        load_avg=round(os.getloadavg()[0], 2),
        **versions(),
        kind="model-intervals",
        size=size,
        frames=n,
        threads=1,
        overhead=round(overhead, 3),
        libvmaf_ratio=round(run.ratio("libvmaf"), 3),
        native_fps=round(n / run.median(), 2),
        plain_fps=round(n / run.median("plain"), 2),
    )
    print(
        f"{size}: native with model intervals {n / run.median():.2f} fps, without "
        f"{n / run.median('plain'):.2f} fps: {overhead:.3f}x the time; libvmaf with them "
        f"{run.ratio('libvmaf'):.2f}x the native time"
    )
    soft_check(benchmark, overhead <= 1.3, "≤ 1.3× the time of VMAF + NEG alone")
