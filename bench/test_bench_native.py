"""The native engine against the libvmaf binding: same frames in memory, same run.

For each size (576x324 and 1920x1080, the benchmark clip: ``astronaut``
panning, 8-bit 4:2:0, against its libx264 encode) and each thread count (1
and 2), two comparisons, rounds interleaved (libvmaf, native, libvmaf, ...):

* default VMAF and VMAF-NEG together (``vmaf_v0.6.1`` + ``vmaf_v0.6.1neg``):
  native against the binding scoring the same pair of models, and against the
  binding scoring default VMAF alone (the "NEG for free" stretch goal);
* default VMAF alone: native against the binding.

Every round's numbers are checked on the way: native and libvmaf agree as
doubles on every frame and every libvmaf feature, so a fast wrong kernel
cannot pass. ``extra_info`` (kind ``native``) holds ``native_fps``,
``libvmaf_fps``, ``ratio`` (median over rounds of libvmaf's time / native's),
``libvmaf_vmaf_fps`` and ``ratio_vs_vmaf_alone`` for the pair, the goal, the
native engine's SIMD level and ``load_avg``, the machine's one-minute load
average when the rounds ended (other work on the machine takes cores from both
sides, and from the two-thread runs most). ``bench/table.py`` renders them.

Run: ``python3 -m pytest bench/test_bench_native.py --benchmark-only``
"""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
from benchkit import Media, interleave, soft_check, versions

import pyvmafneg
from pyvmafneg.io._frame import Frame
from pyvmafneg.io._rawyuv import read_yuv

native = pytest.importorskip("pyvmafneg.engines.native")
if not native.available():
    pytest.skip("the native engine is not built", allow_module_level=True)

#: Size -> (frames, rounds) per timed side.
RUNS = {"576x324": (48, 5), "1920x1080": (12, 3)}
THREADS = (1, 2)
#: Goals, as ratios of libvmaf's time to native's in the same round: native VMAF + NEG
#: against libvmaf's VMAF + NEG, native VMAF alone against libvmaf's, and native VMAF + NEG
#: against libvmaf's VMAF alone (one thread; by size).
GOAL_PAIR = 3.0
GOAL_ALONE = 0.97
STRETCH = {"576x324": 1.3, "1920x1080": 1.5}
PAIR = ["vmaf_v0.6.1:name=vmaf", "vmaf_v0.6.1neg:name=vmaf_neg"]
ALONE = ["vmaf_v0.6.1:name=vmaf"]


@pytest.fixture(scope="module", params=list(RUNS))
def frames(request, media) -> tuple[Media, list[Frame], list[Frame]]:
    source: Media = media(request.param)
    n, _ = RUNS[request.param]
    ref = source.reference[:n]
    dis = list(itertools.islice(read_yuv(source.dis_yuv, source.width, source.height), n))
    return source, ref, dis


def assert_same(ours: pyvmafneg.Result, lib: pyvmafneg.Result) -> None:
    np.testing.assert_array_equal(ours.frames, lib.frames)
    for key in lib.keys():
        assert np.array_equal(ours[key], lib[key]), key


def _record(benchmark, run, source, n, threads, models, goal) -> float:
    ratio = run.ratio("libvmaf")
    benchmark.extra_info.update(
        kind="native",
        path="native engine vs binding",
        size=source.size,
        frames=n,
        threads=threads,
        models=models,
        native_fps=round(n / run.median(), 2),
        libvmaf_fps=round(n / run.median("libvmaf"), 2),
        ratio=round(ratio, 3),
        simd=native.simd_level(),
        rounds=len(run.ours_seconds),
        load_avg=round(os.getloadavg()[0], 2),
        **versions(),
    )
    soft_check(benchmark, ratio >= goal, f"≥ {goal:.2f}× libvmaf")
    return ratio


@pytest.mark.parametrize("threads", THREADS)
def test_native_pair_vs_libvmaf(benchmark, frames, threads) -> None:
    source, ref, dis = frames
    n, rounds = RUNS[source.size]
    benchmark.group = f"native VMAF + NEG, {source.size}"
    run = interleave(
        benchmark,
        lambda: native.score_native(ref, dis, PAIR, threads=threads),
        {
            "libvmaf": lambda: pyvmafneg.score(ref, dis, PAIR, backend="libvmaf", threads=threads),
            "libvmaf_vmaf": lambda: pyvmafneg.score(
                ref, dis, ALONE, backend="libvmaf", threads=threads
            ),
        },
        rounds=rounds,
    )
    _record(benchmark, run, source, n, threads, "vmaf+vmaf_neg", GOAL_PAIR)
    stretch = run.ratio("libvmaf_vmaf")
    goal = STRETCH[source.size]
    benchmark.extra_info.update(
        libvmaf_vmaf_fps=round(n / run.median("libvmaf_vmaf"), 2),
        ratio_vs_vmaf_alone=round(stretch, 3),
        stretch=f"≥ {goal:.2f}× libvmaf VMAF alone",
        stretch_goal=goal,
        stretch_met=stretch >= goal,
    )
    assert_same(run.ours, run.theirs["libvmaf"])


@pytest.mark.parametrize("threads", THREADS)
def test_native_vmaf_alone_vs_libvmaf(benchmark, frames, threads) -> None:
    source, ref, dis = frames
    n, rounds = RUNS[source.size]
    benchmark.group = f"native VMAF, {source.size}"
    run = interleave(
        benchmark,
        lambda: native.score_native(ref, dis, ALONE, threads=threads),
        {"libvmaf": lambda: pyvmafneg.score(ref, dis, ALONE, backend="libvmaf", threads=threads)},
        rounds=rounds,
    )
    _record(benchmark, run, source, n, threads, "vmaf", GOAL_ALONE)
    assert_same(run.ours, run.theirs["libvmaf"])
