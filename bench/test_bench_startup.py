"""Start-up time of the command line, and whole ``score`` commands next to ``ffmpeg``.

``pyvmafneg --help`` and ``pyvmafneg score --help`` run in fresh interpreters,
alternating with ``python3 -c "import numpy, cffi"`` (what any NumPy/CFFI
program pays before doing anything); the figure is the ratio of the medians,
and the goal, asserted, is at most 1.6 times that import. ``extra_info``
holds ``kind='startup'``, ``command``, ``ours_ms``, ``baseline_ms`` and
``ratio_vs_baseline``.

The second benchmark times what a user types, start to finish:
``python3 -m pyvmafneg score -r ref.y4m -d dis.mkv --threads 2 -o log.json``
against the ``ffmpeg`` command :func:`pyvmafneg.engines._ffmpeg.score_ffmpeg` runs on the same
files (libvmaf filter, both models in one pass, same thread count, JSON log),
interleaved. Both processes start cold, so this includes Python's and
FFmpeg's start-up, imports, library loading and decoding. It is recorded as a
speed row (``path`` ``'score command, Y4M + x264 MKV'``) for ``bench/table.py``;
both logs are checked to agree frame by frame.

Run: ``python3 -m pytest bench/test_bench_startup.py --benchmark-only``
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from benchkit import Media, child_env, interleave, record_speed, soft_check

from pyvmafneg.engines._ffmpeg import build_command, find_ffmpeg
from pyvmafneg.engines._models import resolve_models
from pyvmafneg.io._sources import open_video
from pyvmafneg.io._y4m import write_y4m

#: Baseline: what importing NumPy and CFFI costs a fresh interpreter.
BASELINE = [sys.executable, "-c", "import numpy, cffi"]
#: Goal: the help commands take at most this many times the baseline.
TARGET_RATIO = 1.6
#: Timed rounds per side (after the warm-up rounds); start-up is short, so many.
ROUNDS = 21
WARMUP = 3
#: libvmaf threads on both sides of the whole-command comparison.
SCORE_THREADS = 2
#: Size -> timed rounds of the whole-command comparison.
SCORE_ROUNDS = {"576x324": 5, "1920x1080": 3}


def timed_run(cmd: list[str], **kwargs) -> float:
    """Seconds ``cmd`` takes, start to exit; it must succeed."""
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    return time.perf_counter() - t0


@pytest.mark.parametrize("args", [["--help"], ["score", "--help"]], ids=["help", "score-help"])
def test_help_starts_fast(benchmark, args) -> None:
    ours = [sys.executable, "-m", "pyvmafneg", *args]
    env = child_env()
    benchmark.group = "start-up"
    run = interleave(
        benchmark,
        lambda: timed_run(ours, env=env),
        {"baseline": lambda: timed_run(BASELINE, env=env)},
        rounds=ROUNDS,
        warmup=WARMUP,
    )
    ours_s, base_s = run.median(), run.median("baseline")
    ratio = ours_s / base_s
    benchmark.extra_info.update(
        kind="startup",
        command="pyvmafneg " + " ".join(args),
        baseline='python3 -c "import numpy, cffi"',
        ours_ms=round(ours_s * 1000, 1),
        baseline_ms=round(base_s * 1000, 1),
        ratio_vs_baseline=round(ratio, 3),
        rounds=len(run.ours_seconds),
    )
    soft_check(benchmark, ratio <= TARGET_RATIO, f"≤ {TARGET_RATIO}× the import")
    assert ratio <= TARGET_RATIO, (ours_s, base_s, ratio)


@pytest.fixture(scope="module", params=list(SCORE_ROUNDS))
def pair(request, media, tmp_path_factory) -> tuple[Media, Path, Path]:
    source: Media = media(request.param)
    tmp = tmp_path_factory.mktemp(f"command-{request.param}")
    write_y4m(source.reference, tmp / "ref.y4m")
    return source, tmp / "ref.y4m", source.dis_mkv


def test_score_command_vs_ffmpeg(benchmark, pair, tmp_path) -> None:
    source, ref, dis = pair
    ours_log, ffmpeg_dir = tmp_path / "ours.json", tmp_path / "ffmpeg"
    ffmpeg_dir.mkdir()
    ours = [sys.executable, "-m", "pyvmafneg", "score", "-r", str(ref), "-d", str(dis)]
    ours += ["--threads", str(SCORE_THREADS), "--quiet", "--output", str(ours_log)]
    theirs = build_command(
        open_video(ref),
        open_video(dis),
        resolve_models(None),
        ffmpeg=find_ffmpeg(),
        log_path="vmaf.json",
        threads=SCORE_THREADS,
    )
    env = child_env()
    logs = (ours_log, ffmpeg_dir / "vmaf.json")
    benchmark.group = f"score command, {source.size}"
    run = interleave(
        benchmark,
        lambda: timed_run(ours, env=env),
        {"ffmpeg": lambda: timed_run(theirs, cwd=ffmpeg_dir, env=env)},
        rounds=SCORE_ROUNDS[source.size],
        warmup=1,
    )
    a, b = (json.loads(p.read_text(encoding="utf-8"))["frames"] for p in logs)
    assert len(a) == len(b) == source.frames
    for key in ("vmaf", "vmaf_neg"):
        for x, y in zip(a, b, strict=True):
            assert x["metrics"][key] == pytest.approx(y["metrics"][key], abs=1e-5), key
    record_speed(
        benchmark,
        run,
        path="score command, Y4M + x264 MKV",
        size=source.size,
        frames=source.frames,
        threads=SCORE_THREADS,
        models="vmaf+vmaf_neg",
    )
    benchmark.extra_info.update(
        ours_command_s=round(run.median(), 3),
        ffmpeg_command_s=round(run.median("ffmpeg"), 3),
        cpus=len(os.sched_getaffinity(0)),
    )
