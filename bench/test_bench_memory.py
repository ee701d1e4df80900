"""Peak resident memory: a whole Python process scoring in-process against FFmpeg.

* ``test_peak_memory_vs_ffmpeg``: one fresh interpreter scoring the default
  pair with the binding (Python, NumPy, PyAV and libvmaf together) against
  the FFmpeg process running the command :func:`pyvmafneg.engines._ffmpeg.score_ffmpeg`
  runs, on the same files: raw YUV, or the x264 Matroska file decoded by
  PyAV. ``memory_ratio_vs_ffmpeg`` < 1 means the Python process peaks lower.
* ``test_streaming_memory``: 1920x1080, 24 and then 240 frames fed from a
  generator that re-reads the raw files one frame at a time. Goal: the
  240-frame peak at most 1.10x the 24-frame peak (memory does not grow with
  clip length). FFmpeg's own growth over the same frames is reported too.

Our peak is the child's ``VmHWM``; FFmpeg's is its ``ru_maxrss`` seen from a
bare launcher interpreter (see :data:`benchkit.LAUNCHER` for why).

Run: ``python3 -m pytest bench/test_bench_memory.py --benchmark-only``
"""

from __future__ import annotations

import pytest
from benchkit import (
    SIZES,
    THREADS,
    ffmpeg_command,
    ffmpeg_peak_kib,
    inprocess_peak_kib,
    interleave,
    mib,
    soft_check,
    versions,
)

#: Streaming check: size, threads, and the short and long clip lengths.
STREAM_SIZE = "1920x1080"
STREAM_THREADS = 2
SHORT, LONG = 24, 240
#: Goal: peak for LONG frames at most this many times the peak for SHORT frames.
GROWTH_TARGET = 1.10


@pytest.mark.parametrize("source", ["raw", "mkv"])
@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("size", list(SIZES))
def test_peak_memory_vs_ffmpeg(benchmark, media, size: str, threads: int, source: str) -> None:
    """Peak memory of one scoring run, whole Python process against the FFmpeg process."""
    clip = media(size)
    container = source == "mkv"
    dis = clip.dis_mkv if container else clip.dis_yuv
    cmd = ffmpeg_command(clip.open_ref(), clip.open_dis(container), threads)
    benchmark.group = f"peak memory, {size}"
    run = interleave(
        benchmark,
        lambda: inprocess_peak_kib(clip.ref_yuv, dis, clip.width, clip.height, threads),
        {"ffmpeg": lambda: ffmpeg_peak_kib(cmd, clip.frames)},
        rounds=1,
        warmup=0,
    )
    ours, theirs = run.ours, run.theirs["ffmpeg"]
    benchmark.extra_info.update(
        kind="memory",
        path="binding, raw YUV" if source == "raw" else "PyAV decode + binding, x264 MKV",
        size=size,
        frames=clip.frames,
        threads=threads,
        models="vmaf+vmaf_neg",
        ours_mib=mib(ours),
        ffmpeg_mib=mib(theirs),
        memory_ratio_vs_ffmpeg=round(ours / theirs, 3),
        target=None,
        target_met=None,
        **versions(),
    )
    assert ours > 0 and theirs > 0


def test_streaming_memory(benchmark, media) -> None:
    """The peak does not grow with clip length: 240 frames against 24 at 1920x1080."""
    clip = media(STREAM_SIZE)
    assert clip.frames >= SHORT
    ref, dis = clip.open_ref(), clip.open_dis(False)
    peaks: dict[str, dict[int, int]] = {"ours": {}, "ffmpeg": {}}

    def ours() -> None:
        for n in (SHORT, LONG):
            peaks["ours"][n] = inprocess_peak_kib(
                clip.ref_yuv, clip.dis_yuv, clip.width, clip.height, STREAM_THREADS, n
            )

    def theirs() -> None:
        for n in (SHORT, LONG):
            cmd = ffmpeg_command(ref, dis, STREAM_THREADS, frames=n, loop=True)
            peaks["ffmpeg"][n] = ffmpeg_peak_kib(cmd, n)

    benchmark.group = "streaming memory"
    interleave(benchmark, ours, {"ffmpeg": theirs}, rounds=1, warmup=0)
    growth = peaks["ours"][LONG] / peaks["ours"][SHORT]
    ff_growth = peaks["ffmpeg"][LONG] / peaks["ffmpeg"][SHORT]
    benchmark.extra_info.update(
        kind="streaming",
        path="binding, raw YUV",
        size=STREAM_SIZE,
        frames=f"{SHORT} -> {LONG}",
        threads=STREAM_THREADS,
        models="vmaf+vmaf_neg",
        ours_short_mib=mib(peaks["ours"][SHORT]),
        ours_long_mib=mib(peaks["ours"][LONG]),
        ours_growth=round(growth, 3),
        ffmpeg_short_mib=mib(peaks["ffmpeg"][SHORT]),
        ffmpeg_long_mib=mib(peaks["ffmpeg"][LONG]),
        ffmpeg_growth=round(ff_growth, 3),
        **versions(),
    )
    text = f"≤ {GROWTH_TARGET:.2f}× the {SHORT}-frame peak"
    soft_check(benchmark, growth <= GROWTH_TARGET, text)
    # Memory does not depend on how busy the machine is, so this one is asserted.
    assert growth <= GROWTH_TARGET, (peaks, growth)
