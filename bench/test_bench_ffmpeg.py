"""In-process libvmaf against the FFmpeg ``libvmaf`` filter on the same raw YUV files.

Both paths read the same files from disk and score default VMAF and VMAF-NEG
in one pass. Each benchmark also times the FFmpeg path in the same run and
records ``speedup_vs_ffmpeg`` (FFmpeg seconds / in-process seconds, > 1 means
in-process is faster) in ``extra_info``, so the ratio is immune to how busy
the shared machine is overall.

Run: ``python3 -m pytest bench/test_bench_ffmpeg.py --benchmark-only``
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

import pyvmafneg
from pyvmafneg.clips import map_frames, natural_clip
from pyvmafneg.ffmpeg import score_ffmpeg
from pyvmafneg.rawyuv import write_yuv
from pyvmafneg.sources import open_video

SIZES = {"576x324": (576, 324, 30), "1920x1080": (1920, 1080, 10)}


@pytest.fixture(scope="module", params=list(SIZES))
def raw_files(request, tmp_path_factory) -> tuple[str, Path, Path, int, int, int]:
    width, height, frames = SIZES[request.param]
    tmp = tmp_path_factory.mktemp(request.param)
    base = natural_clip("astronaut", frames=3, width=width, height=height)
    ref = [base[i % 3] for i in range(frames)]
    dis = map_frames(ref, lambda y: (y // 4 * 4).astype(y.dtype))
    write_yuv(ref, tmp / "ref.yuv")
    write_yuv(dis, tmp / "dis.yuv")
    return request.param, tmp / "ref.yuv", tmp / "dis.yuv", width, height, frames


def _in_process(ref: Path, dis: Path, w: int, h: int, threads: int) -> pyvmafneg.Result:
    return pyvmafneg.score(
        open_video(ref, width=w, height=h), open_video(dis, width=w, height=h), threads=threads
    )


def _ffmpeg(ref: Path, dis: Path, w: int, h: int, threads: int) -> pyvmafneg.Result:
    return score_ffmpeg(
        open_video(ref, width=w, height=h), open_video(dis, width=w, height=h), threads=threads
    )


@pytest.mark.parametrize("threads", [0, 2])
def test_inprocess_vs_ffmpeg(benchmark, raw_files, threads):
    name, ref, dis, w, h, frames = raw_files
    ff_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        ff = _ffmpeg(ref, dis, w, h, threads)
        ff_times.append(time.perf_counter() - t0)
    result = benchmark.pedantic(
        _in_process, args=(ref, dis, w, h, threads), rounds=3, iterations=1, warmup_rounds=0
    )
    ours = statistics.median(benchmark.stats.stats.data)
    theirs = statistics.median(ff_times)
    benchmark.extra_info.update(
        size=name,
        frames=frames,
        threads=threads,
        inprocess_fps=round(frames / ours, 2),
        ffmpeg_fps=round(frames / theirs, 2),
        speedup_vs_ffmpeg=round(theirs / ours, 3),
    )
    # Same numbers from both paths (the log has six decimals).
    diff = max(
        abs(a - b) for a, b in zip(result.scores["vmaf_neg"], ff.scores["vmaf_neg"], strict=True)
    )
    assert diff <= 1e-6
