"""What ``score --check`` costs over a plain ``score``: the check's frame evidence.

``pyvmafneg score REF ENC --check`` scores the pair, then weighs the verdict with the
frame evidence (the projection gain per band of up to 48 frame pairs spread evenly,
:mod:`pyvmafneg.verdict._projection`). Both commands run in this process on the same
files, rounds interleaved (medians; one thread, the native engine): the overhead is the
median over rounds of (check time / plain time) - 1, in wall time and in the process's CPU
time (every thread's; steadier on a shared machine). Where the command gathers the
evidence as it scores, the same check with the evidence measured from the videos after
the run (a second reading, as before) is timed too, and its report checked equal. The
reference is a Y4M file, the encode libx264 in Matroska (which records no frame count),
at 1280x720, 96 and 480 frames. The reports are checked to have weighed the bands of 48
frames.

Run: ``nice python3 -m pytest bench/test_bench_check.py --benchmark-only -s``
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from benchkit import CRF, PRESET, interleave, versions

from pyvmafneg.cli import main
from pyvmafneg.cli import score as score_command
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.demo._encode import x264_roundtrip
from pyvmafneg.io._y4m import write_y4m

native = pytest.importorskip("pyvmafneg.engines.native")
if not native.available():
    pytest.skip("the native engine is not built", allow_module_level=True)

#: Frames of the 1280x720 clip -> timed rounds a side.
LENGTHS = {96: 3, 480: 3}


def _pair(folder: Path, frames: int) -> tuple[str, str]:
    ref = natural_clip("astronaut", frames=frames, width=1280, height=720)
    mkv = folder / "enc.mkv"
    x264_roundtrip(ref, crf=CRF, preset=PRESET, keep=mkv)
    write_y4m(ref, folder / "ref.y4m")
    return str(folder / "ref.y4m"), str(mkv)


def _run(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(argv)
    assert code in (0, 1), code
    return out.getvalue()


@pytest.mark.parametrize("frames", list(LENGTHS))
def test_score_check_overhead(benchmark, tmp_path_factory, frames: int) -> None:
    ref, enc = _pair(tmp_path_factory.mktemp(f"check-{frames}"), frames)
    # text, not JSON: the plain run's JSON log (every frame's features) costs more to write
    # than the check's report
    common = ["score", "-r", ref, "-d", enc, "--threads", "1", "-q"]
    benchmark.group = f"score --check overhead, 1280x720, {frames} frames"

    def check() -> str:
        return _run([*common, "--check"])

    def plain() -> str:
        return _run(common)

    others = {"plain": plain}
    if hasattr(score_command, "_evidence_tap"):

        def two_passes() -> str:  # the evidence measured from the videos after the run
            real = score_command._evidence_tap
            score_command._evidence_tap = lambda *a: None
            try:
                return _run([*common, "--check"])
            finally:
                score_command._evidence_tap = real

        others["two_passes"] = two_passes

    cpu: dict[str, list[float]] = {}

    def on_cpu(side: str, run: Callable[[], str]) -> Callable[[], str]:
        def timed() -> str:  # the process's CPU time, every thread's: less noisy than wall
            t0 = time.process_time()
            out = run()
            cpu.setdefault(side, []).append(time.process_time() - t0)
            return out

        return timed

    load = os.getloadavg()[0]
    run = interleave(
        benchmark,
        on_cpu("check", check),
        {side: on_cpu(side, f) for side, f in others.items()},
        rounds=LENGTHS[frames],
    )
    cpu = {side: seconds[1:] for side, seconds in cpu.items()}  # the warm-up round dropped
    said = f"projection gain per band over {min(frames, 48)} frame pairs"
    assert said in run.ours, run.ours
    if "two_passes" in run.theirs:
        assert run.theirs["two_passes"] == run.ours  # the same report either way
    overhead = {
        side: statistics.median(
            c / p - 1.0
            for c, p in zip(seconds, run.theirs_seconds["plain"], strict=True)
        )
        for side, seconds in {"check": run.ours_seconds, **run.theirs_seconds}.items()
        if side != "plain"
    }  # fmt: skip
    cpu_overhead = {
        side: statistics.median(c / p - 1.0 for c, p in zip(seconds, cpu["plain"], strict=True))
        for side, seconds in cpu.items()
        if side != "plain"
    }
    benchmark.extra_info.update(
        kind="check-overhead",
        cpu_seconds={side: round(statistics.median(v), 3) for side, v in cpu.items()},
        cpu_overhead={side: round(v, 4) for side, v in cpu_overhead.items()},
        frames=frames,
        seconds={"check": round(run.median(), 3)}
        | {side: round(run.median(side), 3) for side in others},
        overhead={side: round(v, 4) for side, v in overhead.items()},
        load_avg=(round(load, 2), round(os.getloadavg()[0], 2)),
        **versions(),
    )
    two = ""
    if "two_passes" in overhead:
        two = (
            f"; measured from the videos after the run {run.median('two_passes'):.2f} s "
            f"({overhead['two_passes'] * 100:+.1f} %, CPU "
            f"{cpu_overhead['two_passes'] * 100:+.1f} %)"
        )
    mid = {side: statistics.median(v) for side, v in cpu.items()}
    print(
        f"\nscore --check, 1280x720, {frames} frames: {run.median():.2f} s against plain score "
        f"{run.median('plain'):.2f} s: overhead {overhead['check'] * 100:+.1f} % (median of "
        f"the rounds' ratios); CPU {mid['check']:.2f} against {mid['plain']:.2f} s: "
        f"{cpu_overhead['check'] * 100:+.1f} %{two}; load {load:.2f} to "
        f"{os.getloadavg()[0]:.2f}"
    )
