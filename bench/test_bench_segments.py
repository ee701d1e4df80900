"""Segment-parallel scoring of one title: parallel efficiency and what a segment costs.

* ``test_two_segments_vs_one_process_two_threads``: what ``--segments 2``
  runs (``score_segments(..., segments=2, workers=2)``, two worker processes
  scoring with one thread each, on the default engine) against one plain run
  of the whole title with two threads, rounds interleaved (plain, segments,
  plain, segments ...). The figure is the median over rounds of the segmented
  time / the plain time in the same round; goal: at most 1.10 (within 10 %).
  With ``PYVMAFNEG_BENCH_SEGMENTS_ONE_THREAD=1`` a one-thread plain run joins
  the rounds, for the speed-up over one core.
* ``test_segment_overheads``: what a segment costs besides scoring: starting
  a worker process, opening a range (probe, seek, decoding forward from the
  keyframe) by keyframe interval and position in the GOP, and the bytes of a
  segment's result per frame.
* ``test_local_cluster_of_four_workers`` (slow): a Dask ``LocalCluster`` of
  four workers scores eight segments; the result must equal one run.

The title is 1920x1080, 240 frames (10 s at 24 fps): a natural pan upscaled by FFmpeg
(bicubic) as the raw reference, and its libx264 encode (veryfast, CRF 23,
B-frames, open GOP, keyframe every 48 frames) in Matroska. Figures land in
``extra_info`` (``kind='segments'``) and are summarised in
``docs/segments.md``.

Run: ``python3 -m pytest bench/test_bench_segments.py --benchmark-only -s``
"""

from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from benchkit import interleave, soft_check, versions

import pyvmafneg
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.engines._ffmpeg import find_ffmpeg
from pyvmafneg.engines._models import resolve_models
from pyvmafneg.io._ranges import index_container, locate_ranges, open_range
from pyvmafneg.io._sources import open_video
from pyvmafneg.io._y4m import write_y4m
from pyvmafneg.segments import score_segments
from pyvmafneg.segments._local import _process_context
from pyvmafneg.segments._plan import plan_segments
from pyvmafneg.segments._segment import score_segment

WIDTH, HEIGHT, FRAMES = 1920, 1080, 240
#: Goal: segmented time on two cores within 10 % of one plain run using both cores.
TIME_RATIO_TARGET = 1.10
ROUNDS = 3
#: The engine of every run: the default one, which segments use too.
ENGINE = os.environ.get("PYVMAFNEG_BENCH_SEGMENTS_ENGINE", "native")
#: Time a one-thread plain run in the same rounds too (longer; for the speed-up).
ONE_THREAD = os.environ.get("PYVMAFNEG_BENCH_SEGMENTS_ONE_THREAD") == "1"
#: Keyframe intervals of the encodes (each made when a test first asks for it).
KEYINTS = (12, 48, 96)


@dataclass(frozen=True)
class Title:
    ref: Path
    root: Path
    made: dict[int, Path]  # keyframe interval -> encode, filled on first use

    def open_ref(self):  # type: ignore[no-untyped-def]
        return open_video(self.ref, width=WIDTH, height=HEIGHT)

    def mkv(self, keyint: int) -> Path:
        """The libx264 encode with this keyframe interval (encoded on first use)."""
        if keyint not in self.made:
            out = self.root / f"dis_g{keyint}.mkv"
            _ffmpeg("-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{WIDTH}x{HEIGHT}", "-r", "24",
                    "-i", str(self.ref), "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                    "-bf", "3", "-x264-params",
                    f"open-gop=1:keyint={keyint}:min-keyint={keyint}:scenecut=0",
                    str(out))  # fmt: skip
            self.made[keyint] = out
        return self.made[keyint]


def _ffmpeg(*args: str) -> None:
    import subprocess

    exe = find_ffmpeg()
    subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def title(tmp_path_factory: pytest.TempPathFactory) -> Title:
    root = tmp_path_factory.mktemp("segtitle")
    small = root / "small.y4m"
    write_y4m(natural_clip("astronaut", frames=FRAMES, width=240, height=136), small)
    ref = root / "ref.yuv"
    _ffmpeg("-i", str(small), "-vf", f"scale={WIDTH}:{HEIGHT}:flags=bicubic", "-f", "rawvideo",
            "-pix_fmt", "yuv420p", str(ref))  # fmt: skip
    return Title(ref, root, {})


def test_two_segments_vs_one_process_two_threads(benchmark, title: Title) -> None:
    dis = title.mkv(48)
    plain: dict[str, pyvmafneg.Result] = {}

    def one_process() -> pyvmafneg.Result:
        plain["2"] = pyvmafneg.score(title.open_ref(), open_video(dis), threads=2, backend=ENGINE)
        return plain["2"]

    def one_thread() -> pyvmafneg.Result:
        plain["0"] = pyvmafneg.score(title.open_ref(), open_video(dis), threads=0, backend=ENGINE)
        return plain["0"]

    def segmented() -> pyvmafneg.Result:
        return score_segments(
            title.open_ref(), dis, segments=2, workers=2, threads=0, backend=ENGINE
        ).result

    others = {"one process, 2 threads": one_process}
    if ONE_THREAD:
        others["one process, 1 thread"] = one_thread
    benchmark.group = "segments, 1920x1080"
    load_before = os.getloadavg()[0]
    run = interleave(benchmark, segmented, others, rounds=ROUNDS)
    # segmented time / plain two-thread time, per round; the figure is the median
    pairs = zip(run.ours_seconds, run.theirs_seconds["one process, 2 threads"], strict=True)
    time_ratio = statistics.median(seg / one for seg, one in pairs)
    seg_fps = FRAMES / run.median()
    benchmark.extra_info.update(
        kind="segments",
        path=f"score_segments(segments=2, workers=2, threads=0) vs score(threads=2), {ENGINE}",
        size=f"{WIDTH}x{HEIGHT}",
        frames=FRAMES,
        segmented_fps=round(seg_fps, 2),
        one_process_2_threads_fps=round(FRAMES / run.median("one process, 2 threads"), 2),
        time_ratio=round(time_ratio, 3),
        parallel_efficiency=round(1 / time_ratio, 3),
        rounds=len(run.ours_seconds),
        load_average_before=round(load_before, 2),
        load_average=round(os.getloadavg()[0], 2),
        **versions(),
    )
    if ONE_THREAD:
        benchmark.extra_info.update(
            one_process_1_thread_fps=round(FRAMES / run.median("one process, 1 thread"), 2),
            speedup_vs_1_thread=round(run.ratio("one process, 1 thread"), 3),
        )
    print(json.dumps(benchmark.extra_info, indent=1))
    print(
        f"--segments 2: {seg_fps:.2f} fps; one plain run, two threads: "
        f"{benchmark.extra_info['one_process_2_threads_fps']} fps; segmented time / plain time "
        f"{time_ratio:.3f} (median of {len(run.ours_seconds)} rounds; goal ≤ {TIME_RATIO_TARGET})"
    )
    soft_check(
        benchmark, time_ratio <= TIME_RATIO_TARGET, f"segmented time ≤ {TIME_RATIO_TARGET}× plain"
    )
    for key in plain["2"].keys():
        assert run.ours[key].tobytes() == plain["2"][key].tobytes(), key


def _first_frame_seconds(spec) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Seconds to open a range, and to its first frame."""
    t0 = time.perf_counter()
    frames = iter(open_range(spec))
    t1 = time.perf_counter()
    next(frames)
    t2 = time.perf_counter()
    frames.close()  # type: ignore[attr-defined]
    return t1 - t0, t2 - t0


def test_segment_overheads(benchmark, title: Title) -> None:
    """Worker start, range open and seek by keyframe interval, result bytes per frame."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    benchmark.group = "segments, 1920x1080"
    info: dict[str, object] = {"kind": "segments-cost", "size": f"{WIDTH}x{HEIGHT}"}

    # Worker start: a process that imports pyvmafneg and loads libvmaf, spawned
    # afresh or forked from the preloaded server segments use (after its first start).
    def start_worker(ctx) -> float:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        with ProcessPoolExecutor(1, mp_context=ctx) as pool:
            pool.submit(pyvmafneg.library_info).result()
        return time.perf_counter() - t0

    for name, ctx in (
        ("spawn", multiprocessing.get_context("spawn")),
        ("forkserver", _process_context()),
    ):
        start_worker(ctx)
        starts = [start_worker(ctx) for _ in range(3)]
        info[f"worker_start_{name}_s"] = round(statistics.median(starts), 3)

    # Opening a range: raw YUV by offset, and x264 MKV by keyframe seek, per GOP position.
    raw = locate_ranges(title.open_ref(), [(FRAMES // 2, FRAMES // 2 + 1)])[0]
    info["raw_first_frame_s"] = round(
        statistics.median(_first_frame_seconds(raw)[1] for _ in range(5)), 4
    )
    for keyint in KEYINTS:
        path = title.mkv(keyint)
        t0 = time.perf_counter()
        index = index_container(path)
        info[f"g{keyint}_index_s"] = round(time.perf_counter() - t0, 4)
        src = open_video(path)
        base = keyint if keyint < FRAMES else 0
        rows = []
        for into in sorted({0, 1, keyint // 4, keyint // 2, keyint - 1}):
            start = base + into
            if start >= FRAMES:
                continue
            spec = locate_ranges(src, [(start, start + 1)], index=index)[0]
            timings = [_first_frame_seconds(spec) for _ in range(3)]
            rows.append(
                {
                    "frames_after_keyframe": into,
                    "open_s": round(statistics.median(t[0] for t in timings), 4),
                    "first_frame_s": round(statistics.median(t[1] for t in timings), 4),
                }
            )
        info[f"g{keyint}_seek"] = rows

    # One segment scored in-process (the benchmark round), and its row's size.
    ref = title.open_ref()
    dis = open_video(title.mkv(48))
    (task,) = plan_segments(ref, dis, [(24, 48)], frames=FRAMES, models=resolve_models(None))
    row = benchmark.pedantic(score_segment, args=(task,), rounds=1, iterations=1)
    info["segment_24_frames_s"] = row["seconds"]
    info["segment_open_s"] = row["open_seconds"]
    info["row_bytes_per_frame"] = round(len(json.dumps(row)) / task.frames)
    info["padding_frames"] = task.reference.frames - task.frames
    info["load_average"] = round(os.getloadavg()[0], 2)
    benchmark.extra_info.update(info)
    print(json.dumps(info, indent=1))


@pytest.mark.slow
def test_local_cluster_of_four_workers(benchmark, title: Title) -> None:
    pytest.importorskip("distributed")
    dis = title.mkv(12)
    plain = pyvmafneg.score(title.open_ref(), open_video(dis), backend="libvmaf")

    def on_cluster() -> pyvmafneg.Result:
        return score_segments(
            title.open_ref(), dis, segments=8, scheduler="local", workers=4
        ).result

    benchmark.group = "segments, 1920x1080"
    result = benchmark.pedantic(on_cluster, rounds=1, iterations=1)
    benchmark.extra_info.update(kind="segments", path="LocalCluster, 4 workers, 8 segments")
    for key in plain.keys():
        assert result[key].tobytes() == plain[key].tobytes(), key
    assert result.pooled("vmaf_neg") == plain.pooled("vmaf_neg")
