"""Shared pieces of the benchmarks: test media, interleaved timing, peak memory, reporting.

Every benchmark measures its own path and the FFmpeg path in the same run,
alternating the two (FFmpeg, ours, FFmpeg, ours, ...) and comparing medians,
so a busy shared machine slows both sides alike. Results go into
``benchmark.extra_info`` under the keys ``bench/table.py`` reads:

``kind``
    ``'speed'``, ``'memory'`` or ``'streaming'``.
``path``, ``size``, ``frames``, ``threads``, ``models``
    What was measured (``threads`` is libvmaf's worker count on both sides).
``ours_fps``, ``ffmpeg_fps``, ``ratio_vs_ffmpeg``
    Speed rows: median fps of each side, and the median over rounds of FFmpeg's
    time / ours in the same round (> 1 means faster than FFmpeg). Pairing each
    round with the FFmpeg round just before it cancels most of the load that
    other work puts on the machine.
``ours_mib``, ``ffmpeg_mib``, ``memory_ratio_vs_ffmpeg``
    Peak resident memory rows; the ratio < 1 means a lower peak than FFmpeg.
``target``, ``target_met``
    The goal in words and whether this run met it (None: no goal).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyvmafneg
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.demo._encode import x264_roundtrip
from pyvmafneg.engines._ffmpeg import build_command, find_ffmpeg
from pyvmafneg.engines._models import resolve_models
from pyvmafneg.engines._options import available_cpus
from pyvmafneg.io._frame import Frame
from pyvmafneg.io._rawyuv import write_yuv
from pyvmafneg.io._sources import VideoSource, open_video
from pyvmafneg.results._result import Result

#: Size label -> (width, height, frames, timed rounds per side). Frames all differ
#: (the camera pans). Short runs get more rounds: they cost little, and a burst of
#: other work on the machine can cover a whole one.
SIZES: dict[str, tuple[int, int, int, int]] = {
    "576x324": (576, 324, 96, 5),
    "1920x1080": (1920, 1080, 24, 3),
}
#: libvmaf worker threads, the same on both sides.
THREADS: tuple[int, ...] = (1, 2)
#: Model set label -> ``models`` argument: default VMAF alone, and the default pair.
MODELS: dict[str, list[str] | None] = {"vmaf": ["vmaf_v0.6.1"], "vmaf+vmaf_neg": None}
#: Timed rounds per side by default, after one untimed warm-up round per side.
ROUNDS = 3
WARMUP = 1
#: Encoding of the distorted clip: libx264 at this CRF and preset, in Matroska.
CRF = 23
PRESET = "veryfast"


@dataclass(frozen=True)
class Media:
    """One size's test clip on disk.

    ``ref_yuv`` is the untouched clip and ``dis_mkv`` its libx264 encode;
    ``dis_yuv`` holds the encode's decoded frames, so the raw and the encoded
    distorted inputs carry the same pictures.
    """

    size: str
    width: int
    height: int
    frames: int
    rounds: int
    reference: list[Frame]
    ref_yuv: Path
    dis_yuv: Path
    dis_mkv: Path

    def open_ref(self) -> VideoSource:
        """The reference, raw 8-bit 4:2:0."""
        return open_video(self.ref_yuv, width=self.width, height=self.height)

    def open_dis(self, container: bool) -> VideoSource:
        """The distorted clip: the x264 Matroska file, or its decoded frames as raw YUV."""
        if container:
            return open_video(self.dis_mkv)
        return open_video(self.dis_yuv, width=self.width, height=self.height)


def make_media(size: str, directory: Path) -> Media:
    """Build the clip for ``size``, encode it once with the bundled FFmpeg, write the files."""
    width, height, frames, rounds = SIZES[size]
    reference = natural_clip("astronaut", frames=frames, width=width, height=height)
    mkv = directory / "dis.mkv"
    encoded = x264_roundtrip(reference, crf=CRF, preset=PRESET, keep=mkv)
    write_yuv(reference, directory / "ref.yuv")
    write_yuv(encoded.frames, directory / "dis.yuv")
    return Media(
        size,
        width,
        height,
        frames,
        rounds,
        reference,
        directory / "ref.yuv",
        directory / "dis.yuv",
        mkv,
    )


@dataclass
class Interleaved:
    """Outcome of :func:`interleave`: the last results and the timed rounds of each side."""

    ours: Any
    theirs: dict[str, Any]
    ours_seconds: list[float]
    theirs_seconds: dict[str, list[float]]

    def median(self, side: str | None = None) -> float:
        """Median seconds of our side (``side=None``) or of a named other side."""
        data = self.ours_seconds if side is None else self.theirs_seconds[side]
        return statistics.median(data)

    def ratio(self, side: str) -> float:
        """Median over rounds of the other side's time / ours (> 1: ours is faster)."""
        pairs = zip(self.theirs_seconds[side], self.ours_seconds, strict=True)
        return statistics.median(theirs / ours for theirs, ours in pairs)


def interleave(
    benchmark: Any,
    ours: Callable[[], Any],
    others: dict[str, Callable[[], Any]],
    *,
    rounds: int = ROUNDS,
    warmup: int = WARMUP,
) -> Interleaved:
    """Time ``ours`` with pytest-benchmark, running every other side just before each round.

    The other sides run in pytest-benchmark's untimed ``setup`` hook, so the
    order is other, ours, other, ours ...; each side's rounds are timed with
    ``time.perf_counter`` here too (also with ``--benchmark-disable``, which
    runs one round). Warm-up rounds are dropped from both sides.
    """
    ours_seconds: list[float] = []
    theirs_seconds: dict[str, list[float]] = {name: [] for name in others}
    theirs: dict[str, Any] = {}

    def setup() -> None:
        for name, run in others.items():
            t0 = time.perf_counter()
            theirs[name] = run()
            theirs_seconds[name].append(time.perf_counter() - t0)

    def target() -> Any:
        t0 = time.perf_counter()
        out = ours()
        ours_seconds.append(time.perf_counter() - t0)
        return out

    result = benchmark.pedantic(
        target, setup=setup, rounds=rounds, warmup_rounds=warmup, iterations=1
    )

    def timed(data: list[float]) -> list[float]:
        return data[warmup : warmup + rounds] or data

    return Interleaved(
        result,
        theirs,
        timed(ours_seconds),
        {name: timed(data) for name, data in theirs_seconds.items()},
    )


def soft_check(benchmark: Any, met: bool | None, text: str) -> None:
    """Record a goal and whether it was met; print it, and warn when it was missed.

    Timing goals are not asserted: on a shared machine one noisy run must not
    fail the suite. The outcome is in ``extra_info`` and in the report.
    """
    benchmark.extra_info.update(target=text, target_met=met)
    if met is None:
        return
    line = f"{benchmark.name}: target {text}: {'met' if met else 'MISSED'}"
    print(line)
    if not met:
        warnings.warn(line, stacklevel=2)


def record_speed(
    benchmark: Any,
    run: Interleaved,
    *,
    path: str,
    size: str,
    frames: int,
    threads: int,
    models: str,
    ffmpeg_side: str = "ffmpeg",
    target_ratio: float | None = None,
) -> float:
    """Put fps and the ratio to the FFmpeg path into ``extra_info``; return the ratio."""
    ours, theirs = run.median(), run.median(ffmpeg_side)
    ratio = run.ratio(ffmpeg_side)
    benchmark.extra_info.update(
        kind="speed",
        path=path,
        size=size,
        frames=frames,
        threads=threads,
        models=models,
        ours_fps=round(frames / ours, 2),
        ffmpeg_fps=round(frames / theirs, 2),
        ratio_vs_ffmpeg=round(ratio, 3),
        rounds=len(run.ours_seconds),
        **versions(),
    )
    if target_ratio is not None:
        soft_check(benchmark, ratio >= target_ratio, f"≥ {target_ratio:.2f}× FFmpeg")
    return ratio


def max_score_difference(a: Result, b: Result) -> float:
    """Largest per-frame difference between two results' model scores (same keys)."""
    assert set(a.scores) == set(b.scores), (sorted(a.scores), sorted(b.scores))
    return max(
        float(abs(x - y))
        for key in a.scores
        for x, y in zip(a.scores[key], b.scores[key], strict=True)
    )


_VERSIONS: dict[str, str] = {}


def versions() -> dict[str, str]:
    """libvmaf's and the FFmpeg executable's versions, for the report."""
    if not _VERSIONS:
        out = subprocess.run(
            [find_ffmpeg(), "-hide_banner", "-version"], capture_output=True, text=True
        ).stdout
        words = (out.splitlines() or [""])[0].split()
        _VERSIONS["ffmpeg_version"] = words[2] if len(words) > 2 else "?"
        _VERSIONS["libvmaf_version"] = pyvmafneg.library_info().version
    return dict(_VERSIONS)


# -- peak memory ------------------------------------------------------------------------

#: Scores in a fresh interpreter and prints its peak resident memory in KiB.
#: Arguments: reference, distorted, width, height, threads, frames. With
#: ``frames`` > 0 both raw files are read again and again, one frame at a time,
#: until that many pairs were fed; with 0 each file is scored once through
#: ``open_video`` (raw YUV, or decoded by PyAV).
PEAK_SCRIPT = """
import sys

import pyvmafneg
from pyvmafneg.io._rawyuv import read_yuv
from pyvmafneg.io._sources import open_video

ref, dis = sys.argv[1], sys.argv[2]
w, h, threads, frames = (int(arg) for arg in sys.argv[3:7])


def looped(path):
    done = 0
    while True:
        for frame in read_yuv(path, w, h):
            if done == frames:
                return
            yield frame
            done += 1


if frames:
    a, b = looped(ref), looped(dis)
else:
    a, b = open_video(ref, width=w, height=h), open_video(dis, width=w, height=h)
result = pyvmafneg.score(a, b, backend="libvmaf", threads=threads)
assert frames == 0 or len(result.frames) == frames
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
with open("/proc/self/status") as fh:
    print(next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")))
"""

#: Runs a command and prints its peak resident memory in KiB. It runs in a bare
#: interpreter (``-I -S``, about 12 MiB) because Linux hands the peak of the
#: process that starts a program on to the program: started from the test
#: process, FFmpeg's ``ru_maxrss`` would be at least the test process's peak.
LAUNCHER = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def child_env() -> dict[str, str]:
    """Environment for child interpreters: they import the same ``pyvmafneg`` as this one."""
    env = dict(os.environ)
    root = str(Path(pyvmafneg.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def _last_int(text: str) -> int:
    return int(text.strip().splitlines()[-1])


def inprocess_peak_kib(
    ref: Path, dis: Path, width: int, height: int, threads: int, frames: int = 0
) -> int:
    """Peak resident memory (KiB) of a whole Python process scoring with the binding."""
    args = [str(ref), str(dis), str(width), str(height), str(threads), str(frames)]
    out = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, *args],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(),
    )
    return _last_int(out.stdout)


def ffmpeg_command(
    ref: VideoSource,
    dis: VideoSource,
    threads: int,
    frames: int | None = None,
    loop: bool = False,
) -> list[str]:
    """The command the FFmpeg backend runs (default pair, log ``vmaf.json``).

    ``loop`` repeats raw inputs endlessly (``-stream_loop -1``); with
    ``frames`` the filter graph stops after that many pairs.
    """
    cmd = build_command(
        ref,
        dis,
        resolve_models(None),
        ffmpeg=find_ffmpeg(),
        log_path="vmaf.json",
        threads=min(threads, available_cpus()),
        frames=frames,
    )
    if not loop:
        return cmd
    looped: list[str] = []
    for i, token in enumerate(cmd):
        if token == "-f" and cmd[i + 1] == "rawvideo":
            looped += ["-stream_loop", "-1"]
        looped.append(token)
    return looped


def ffmpeg_peak_kib(cmd: Sequence[str], expect_frames: int) -> int:
    """Peak resident memory (KiB) of the FFmpeg process alone, checking its log's length."""
    with tempfile.TemporaryDirectory(prefix="pyvmafneg-bench-") as tmp:
        out = subprocess.run(
            [sys.executable, "-I", "-S", "-c", LAUNCHER, *cmd],
            cwd=tmp,
            capture_output=True,
            text=True,
            check=True,
        )
        with open(os.path.join(tmp, "vmaf.json"), encoding="utf-8") as fh:
            scored = len(json.load(fh)["frames"])
    assert scored == expect_frames, (scored, expect_frames)
    return _last_int(out.stdout)


def mib(kib: int) -> float:
    """KiB to MiB, one decimal."""
    return round(kib / 1024, 1)
