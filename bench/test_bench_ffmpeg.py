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


_PEAK_SCRIPT = """
import resource, sys
import pyvmafneg
from pyvmafneg.sources import open_video
ref, dis, w, h, backend = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
a, b = open_video(ref, width=w, height=h), open_video(dis, width=w, height=h)
if backend == "ffmpeg":
    pyvmafneg.score_ffmpeg(a, b)
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
else:
    pyvmafneg.score(a, b)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
    with open("/proc/self/status") as fh:
        print(next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")))
"""


def test_peak_memory_vs_ffmpeg(benchmark, raw_files):
    """Peak resident memory of a whole scoring process: Python + libvmaf vs FFmpeg.

    The Python side includes the interpreter and NumPy (about 30 MiB before
    the first frame). FFmpeg's figure is its ``ru_maxrss`` as a child of a
    small Python process. ``memory_ratio_vs_ffmpeg`` < 1 means the
    in-process run peaks lower than FFmpeg for the same clip.
    """
    import subprocess
    import sys

    name, ref, dis, w, h, frames = raw_files

    def peak_kib(backend: str) -> int:
        out = subprocess.run(
            [sys.executable, "-c", _PEAK_SCRIPT, str(ref), str(dis), str(w), str(h), backend],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(out.stdout.strip().splitlines()[-1])

    ffmpeg_kib = peak_kib("ffmpeg")
    ours_kib = benchmark.pedantic(peak_kib, args=("libvmaf",), rounds=1, iterations=1)
    benchmark.extra_info.update(
        size=name,
        frames=frames,
        inprocess_peak_mib=round(ours_kib / 1024, 1),
        ffmpeg_peak_mib=round(ffmpeg_kib / 1024, 1),
        memory_ratio_vs_ffmpeg=round(ours_kib / ffmpeg_kib, 3),
    )
    assert ours_kib > 0 and ffmpeg_kib > 0
