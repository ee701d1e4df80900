"""In-process scoring against the FFmpeg ``libvmaf`` filter on the same files, same run.

Two in-process paths, each timed against :func:`pyvmafneg.engines._ffmpeg.score_ffmpeg` on
the same inputs, rounds alternating (FFmpeg, ours, FFmpeg, ours, ...) after
one untimed warm-up round of each (5 timed rounds at 576x324, 3 at 1920x1080):

* ``test_binding_raw_vs_ffmpeg``: the libvmaf binding reading raw YUV files
  (reference and the decoded x264 encode) against FFmpeg reading the same
  raw files. Goal: at least 0.97x FFmpeg's speed.
* ``test_decode_and_score_vs_ffmpeg``: the x264 Matroska file decoded
  in-process by PyAV and scored by the binding, against FFmpeg decoding and
  scoring the same file (the reference stays raw on both sides). Goal: at
  least FFmpeg's speed.

Each runs at 576x324 (96 frames) and 1920x1080 (24 frames), libvmaf threads
1 and 2 (both sides), with default VMAF alone and with default VMAF and
VMAF-NEG in one pass. ``extra_info`` holds both paths' fps and
``ratio_vs_ffmpeg`` (> 1: faster than FFmpeg); both paths' scores are
checked to agree on every frame.

Run: ``python3 -m pytest bench/test_bench_ffmpeg.py --benchmark-only``
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from benchkit import (
    MODELS,
    SIZES,
    THREADS,
    Media,
    interleave,
    max_score_difference,
    record_speed,
)

import pyvmafneg
from pyvmafneg.engines._ffmpeg import score_ffmpeg

#: Goals, as in-process speed / FFmpeg speed.
RAW_TARGET = 0.97
CONTAINER_TARGET = 1.0
#: FFmpeg's log carries six decimals.
LOG_PRECISION = 1e-6


def _compare(
    benchmark,
    clip: Media,
    *,
    container: bool,
    threads: int,
    models: str,
    path: str,
    target: float,
) -> None:
    spec = MODELS[models]

    def ours() -> pyvmafneg.Result:
        return pyvmafneg.score(
            clip.open_ref(), clip.open_dis(container), spec, threads=threads, backend="libvmaf"
        )

    def theirs() -> pyvmafneg.Result:
        return score_ffmpeg(clip.open_ref(), clip.open_dis(container), spec, threads=threads)

    others: dict[str, Callable[[], pyvmafneg.Result]] = {"ffmpeg": theirs}
    benchmark.group = f"{path}, {clip.size}"
    run = interleave(benchmark, ours, others, rounds=clip.rounds)
    record_speed(
        benchmark,
        run,
        path=path,
        size=clip.size,
        frames=clip.frames,
        threads=threads,
        models=models,
        target_ratio=target,
    )
    assert len(run.ours.frames) == clip.frames
    assert max_score_difference(run.ours, run.theirs["ffmpeg"]) <= LOG_PRECISION


@pytest.mark.parametrize("models", list(MODELS))
@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("size", list(SIZES))
def test_binding_raw_vs_ffmpeg(benchmark, media, size: str, threads: int, models: str) -> None:
    """The binding on raw YUV files against FFmpeg on the same raw files."""
    _compare(
        benchmark,
        media(size),
        container=False,
        threads=threads,
        models=models,
        path="binding, raw YUV",
        target=RAW_TARGET,
    )


@pytest.mark.parametrize("models", list(MODELS))
@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("size", list(SIZES))
def test_decode_and_score_vs_ffmpeg(benchmark, media, size: str, threads: int, models: str) -> None:
    """PyAV decoding plus the binding against FFmpeg on the same x264 Matroska file."""
    _compare(
        benchmark,
        media(size),
        container=True,
        threads=threads,
        models=models,
        path="PyAV decode + binding, x264 MKV",
        target=CONTAINER_TARGET,
    )
