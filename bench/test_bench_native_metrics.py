"""PSNR, SSIM and MS-SSIM in the native pass, one reference for many encodes, compare's
scoring.

Four figures, each a ratio measured side by side in one run (rounds
interleaved, medians; the CPU's SIMD level and the load average recorded):

* **metrics overhead**: native VMAF + NEG with ``psnr`` and ``ssim`` against
  native VMAF + NEG alone, same frames in memory, one thread (goal: at most
  1.15x the time). Before the engine computed them these features sent the run
  to libvmaf; that run (libvmaf VMAF + NEG + PSNR + SSIM) is timed too, as
  ``libvmaf_ratio``.
* **MS-SSIM**: ``ms_ssim`` alone (no model) on the native engine against
  libvmaf's ``float_ms_ssim`` alone, same frames in memory, one thread; every
  value checked equal as doubles (no goal: the figure is recorded).
* **score_many**: six x264 encodes of one 1080p source (files on disk),
  ``score_many`` against six separate native runs, the same CPU budget on both
  sides (each separate run uses two threads; ``score_many`` runs the six side
  by side, their frames scored together, the reference's share once per engine
  call, one call per core); goal: at least 1.5x the throughput. Every result is
  checked equal, as doubles, to its separate run.
* **compare's scoring**: every pair of ``compare --sample`` scored as
  ``compare`` scores it now (VMAF + NEG + PSNR + SSIM, the pairs of each source
  together: one decoding of the source, its share of the filtering once a
  frame) against one pair at a time on the same engine, as it scored them
  before (goal: at least 2x faster), and against libvmaf one pair at a time.
  Every stored value of every pair is checked equal between the first two,
  every frame score to libvmaf's.

Run: ``nice python3 -m pytest bench/test_bench_native_metrics.py --benchmark-only -s``
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import numpy as np
import pytest
from benchkit import interleave, soft_check, versions

import pyvmafneg
from pyvmafneg.demo._encode import x264_roundtrip
from pyvmafneg.io._rawyuv import read_yuv

native = pytest.importorskip("pyvmafneg.engines.native")
if not native.available():
    pytest.skip("the native engine is not built", allow_module_level=True)

PAIR = ["vmaf_v0.6.1:name=vmaf", "vmaf_v0.6.1neg:name=vmaf_neg"]
METRICS = ["psnr", "ssim"]
#: Size -> (frames, rounds).
RUNS = {"576x324": (48, 5), "1920x1080": (12, 3)}
ENCODES = 6
MANY_FRAMES = 8


def _same(a: pyvmafneg.Result, b: pyvmafneg.Result) -> None:
    for key in b.keys():
        assert np.array_equal(a[key], b[key]), key


def _info(benchmark, **extra) -> None:
    benchmark.extra_info.update(
        simd=native.simd_level(), load_avg=round(os.getloadavg()[0], 2), **versions(), **extra
    )


@pytest.mark.parametrize("size", list(RUNS))
def test_psnr_ssim_overhead(benchmark, media, size) -> None:
    source = media(size)
    n, rounds = RUNS[size]
    ref = source.reference[:n]
    dis = list(itertools.islice(read_yuv(source.dis_yuv, source.width, source.height), n))
    benchmark.group = f"native VMAF + NEG + PSNR + SSIM, {size}"
    run = interleave(
        benchmark,
        lambda: pyvmafneg.score(ref, dis, PAIR, features=METRICS, threads=0),
        {
            "plain": lambda: pyvmafneg.score(ref, dis, PAIR, threads=0),
            "libvmaf": lambda: pyvmafneg.score(
                ref, dis, PAIR, features=METRICS, backend="libvmaf", threads=0
            ),
        },
        rounds=rounds,
    )
    assert run.ours.backend == "native"
    _same(run.ours, run.theirs["libvmaf"])  # every model and feature, as doubles
    overhead = 1 / run.ratio("plain")  # time with the metrics / time without
    _info(
        benchmark,
        kind="native-metrics",
        size=size,
        frames=n,
        threads=1,
        overhead=round(overhead, 3),
        libvmaf_ratio=round(run.ratio("libvmaf"), 3),
        native_fps=round(n / run.median(), 2),
        plain_fps=round(n / run.median("plain"), 2),
        libvmaf_fps=round(n / run.median("libvmaf"), 2),
    )
    print(
        f"{size}: VMAF+NEG+PSNR+SSIM {n / run.median():.2f} fps, VMAF+NEG "
        f"{n / run.median('plain'):.2f} fps: {overhead:.3f}x the time; libvmaf with the "
        f"metrics {run.ratio('libvmaf'):.2f}x the native time"
    )
    soft_check(benchmark, overhead <= 1.15, "≤ 1.15× the time of VMAF + NEG alone")


@pytest.mark.parametrize("size", list(RUNS))
def test_ms_ssim_against_libvmaf(benchmark, media, size) -> None:
    source = media(size)
    n, rounds = RUNS[size]
    ref = source.reference[:n]
    dis = list(itertools.islice(read_yuv(source.dis_yuv, source.width, source.height), n))
    benchmark.group = f"MS-SSIM alone, {size}"
    features = ["ms_ssim:enable_lcs=true"]
    run = interleave(
        benchmark,
        lambda: pyvmafneg.score(ref, dis, [], features=features, backend="native", threads=0),
        {
            "libvmaf": lambda: pyvmafneg.score(
                ref, dis, [], features=features, backend="libvmaf", threads=0
            ),
        },
        rounds=rounds,
    )
    theirs = run.theirs["libvmaf"]
    assert run.ours.backend == "native" and len(theirs.features) == 16
    _same(run.ours, theirs)  # float_ms_ssim and its 15 per-scale means, as doubles
    _info(
        benchmark,
        kind="native-ms-ssim",
        size=size,
        frames=n,
        threads=1,
        libvmaf_ratio=round(run.ratio("libvmaf"), 3),
        native_fps=round(n / run.median(), 2),
        libvmaf_fps=round(n / run.median("libvmaf"), 2),
    )
    print(
        f"{size}: MS-SSIM native {n / run.median():.2f} fps, libvmaf "
        f"{n / run.median('libvmaf'):.2f} fps: libvmaf takes {run.ratio('libvmaf'):.2f}x the "
        f"native time (load average {os.getloadavg()[0]:.2f})"
    )


@pytest.fixture(scope="module")
def encodes(media, tmp_path_factory) -> tuple[Path, list[Path]]:
    source = media("1920x1080")
    folder = tmp_path_factory.mktemp("ladder")
    ref = source.reference[:MANY_FRAMES]
    ref_path = folder / "ref.y4m"
    pyvmafneg.io.write_y4m(ref, ref_path)
    paths = []
    for crf in np.linspace(18, 38, ENCODES):
        path = folder / f"crf{int(crf)}.mkv"
        x264_roundtrip(ref, crf=float(crf), preset="ultrafast", keep=path)
        paths.append(path)
    return ref_path, paths


def test_score_many_six_encodes(benchmark, encodes) -> None:
    ref, paths = encodes
    benchmark.group = "score_many, six 1080p encodes"
    run = interleave(
        benchmark,
        lambda: pyvmafneg.score_many(ref, paths, PAIR, threads=0),
        {"separate": lambda: [pyvmafneg.score(ref, p, PAIR, threads=2) for p in paths]},
        rounds=2,
    )
    for ours, theirs in zip(run.ours, run.theirs["separate"], strict=True):
        _same(ours, theirs)
    gain = run.ratio("separate")
    frames = MANY_FRAMES * len(paths)
    _info(
        benchmark,
        kind="score-many",
        encodes=len(paths),
        frames=frames,
        throughput_ratio=round(gain, 3),
        many_fps=round(frames / run.median(), 2),
        separate_fps=round(frames / run.median("separate"), 2),
    )
    print(
        f"score_many: {frames / run.median():.2f} fps against {frames / run.median('separate'):.2f}"
        f" fps for six separate runs: {gain:.2f}x"
    )
    soft_check(benchmark, gain >= 1.5, "≥ 1.5× the throughput of six separate native runs")


def test_engine_share_six_encodes(benchmark, encodes) -> None:
    """The engine alone: the six encodes' decoded 1080p frames against the reference, one
    engine call per frame and encode (``FrameKernels.run``) against one call per frame for
    three encodes (``run_many``, as ``score_many`` calls it on two cores), CPU time of the
    calling thread (the engine runs on it), interleaved rounds."""
    import time

    from pyvmafneg.engines.native import _kernels

    ref_path, paths = encodes
    ref = [np.array(f.luma) for f in pyvmafneg.open_video(ref_path)]
    dis = [[np.array(f.luma) for f in pyvmafneg.open_video(p)] for p in paths]
    kernels = _kernels.FrameKernels((100.0, 1.0), (100.0, 1.0), 6)
    kernels.run(None, ref[0], dis[0][0], 8)  # checks the layout once
    frames = range(1, len(ref))

    def cpu(fn):
        def timed():
            t0 = time.thread_time()
            out = fn()
            return out, time.thread_time() - t0

        return timed

    @cpu
    def shared():
        return [
            kernels.run_many([(ref[f - 1], ref[f], [d[f] for d in dis[i : i + 3]], True)], 8)
            for f in frames
            for i in (0, 3)
        ]

    @cpu
    def alone():
        return [kernels.run(ref[f - 1], ref[f], d[f], 8) for f in frames for d in dis]

    benchmark.group = "engine: one reference, six encodes"
    run = interleave(benchmark, shared, {"alone": alone}, rounds=3)
    rows = [row for out in run.ours[0] for row in out[0]]
    want = run.theirs["alone"][0]
    assert len(rows) == len(want)
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(rows, want, strict=True))
    ours, theirs = run.ours[1], run.theirs["alone"][1]  # the last round's CPU seconds
    _info(benchmark, kind="engine-share", cpu_shared=round(ours, 3), cpu_alone=round(theirs, 3))
    print(
        f"engine, {len(frames) * len(dis)} pairs of 1080p frames: {ours:.2f} s CPU sharing the "
        f"reference (three encodes a call) against {theirs:.2f} s one pair a call: "
        f"{theirs / ours:.2f}x"
    )


def test_compare_sample_scoring(benchmark, tmp_path_factory) -> None:
    from pyvmafneg.comparison._batch import group_tasks, plan, score_group, score_pair
    from pyvmafneg.comparison._manifest import load_manifest
    from pyvmafneg.demo._sample_comparison import build_sample_comparison
    from pyvmafneg.engines.libvmaf._binding import library_info

    folder = tmp_path_factory.mktemp("sample")
    manifest = build_sample_comparison(folder)
    tasks = plan(load_manifest(manifest), libvmaf_version=library_info().version)
    groups = group_tasks(tasks)
    benchmark.group = "compare --sample scoring"

    def grouped() -> list[dict]:  # what compare runs now: the pairs of each source together
        return [row for group in groups for row in score_group(group)]

    def per_pair() -> list[dict]:  # what it ran before: one pair at a time
        return [score_pair(t) for t in tasks]

    def libvmaf() -> list[pyvmafneg.Result]:  # what scored the pairs before the native engine
        return [
            pyvmafneg.score(t.reference[0], t.encode[0], features=METRICS, threads=1,
                            backend="libvmaf", size=t.size)
            for t in tasks
        ]  # fmt: skip

    run = interleave(benchmark, grouped, {"per_pair": per_pair, "libvmaf": libvmaf})
    for ours, alone, theirs in zip(
        run.ours, run.theirs["per_pair"], run.theirs["libvmaf"], strict=True
    ):
        assert ours["status"] == alone["status"] == "ok"
        stored = [json.dumps({**row, "seconds": 0}, sort_keys=True) for row in (ours, alone)]
        assert stored[0] == stored[1]  # every stored value
        for key, values in ours["frame_scores"].items():
            assert values == [float(v) for v in theirs[key]], key
    speedup = run.ratio("per_pair")
    _info(
        benchmark,
        kind="compare-sample",
        pairs=len(tasks),
        groups=len(groups),
        speedup=round(speedup, 3),
        libvmaf_speedup=round(run.ratio("libvmaf"), 3),
        grouped_seconds=round(run.median(), 3),
        per_pair_seconds=round(run.median("per_pair"), 3),
        libvmaf_seconds=round(run.median("libvmaf"), 3),
    )
    print(
        f"compare --sample scoring: grouped {run.median():.2f} s, one pair at a time "
        f"{run.median('per_pair'):.2f} s ({speedup:.2f}x), libvmaf one pair at a time "
        f"{run.median('libvmaf'):.2f} s ({run.ratio('libvmaf'):.2f}x)"
    )
    # the figure to reach: compare's scoring before, when PSNR and SSIM sent every pair
    # to libvmaf, one pair at a time
    soft_check(
        benchmark,
        run.ratio("libvmaf") >= 2.0,
        "≥ 2× faster than compare's scoring before (libvmaf, one pair at a time)",
    )
