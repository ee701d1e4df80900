"""libvmaf contexts, models and pictures are released on every path, and memory stays flat.

:func:`pyvmafneg.engines.libvmaf._binding.live_objects` counts what the binding holds: open
contexts, loaded models, and pictures it allocated (or fetched from a
context's pool) and has not yet handed to libvmaf or released. Each error
path below (a bad or mismatched frame after good ones, a pair libvmaf
refuses, a failing flush, a failing model, an exception from the frame
iterator, a KeyboardInterrupt from the progress callback or while a frame is
copied into a picture, a scorer dropped without being closed) must bring
every count back to where it started. Paths through libvmaf's picture pool
run in a child process: a pooled picture that is never returned makes
``vmaf_close`` wait forever, so a regression there shows as a timeout, not
as a hung test run.

The soak feeds hundreds of fresh frames through one scorer and samples the
process's resident memory (``VmRSS``); ``PYVMAFNEG_SOAK_FRAMES=3000 python3 -m
pytest tests/test_hardening_lifecycle.py -k soak`` runs the full 3000-frame
soak.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import pyvmafneg
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.engines._options import available_cpus
from pyvmafneg.engines.libvmaf._binding import live_objects
from pyvmafneg.errors import FrameError, FrameMismatchError, LibvmafError
from pyvmafneg.io._frame import Frame

REPO = Path(__file__).resolve().parent.parent
SOAK_FRAMES = int(os.environ.get("PYVMAFNEG_SOAK_FRAMES", "600"))
NEEDS_PROC = pytest.mark.skipif(
    not os.path.exists("/proc/self/status"), reason="reads VmRSS from /proc/self/status"
)


def _rss() -> int:
    """Resident set size of this process in bytes (``VmRSS``)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS line in /proc/self/status")


@pytest.fixture(scope="module")
def clip() -> list[Frame]:
    return natural_clip("coffee", frames=6, width=96, height=64)


def _released_after(action: Callable[[], Any], expected: type[BaseException]) -> BaseException:
    """Run ``action``, which must raise ``expected``; then nothing may be left allocated."""
    before = live_objects()
    with pytest.raises(expected) as info:
        action()
    gc.collect()
    assert live_objects() == before, (live_objects(), before)
    return info.value


class _Exploding(np.ndarray):
    """A plane that raises ``KeyboardInterrupt`` while it is copied into a libvmaf picture."""

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func is np.copyto:
            raise KeyboardInterrupt("interrupted while copying a plane")
        return super().__array_function__(func, types, args, kwargs)


def _exploding(frame: Frame) -> Frame:
    return Frame((frame.luma.view(_Exploding), *frame.planes[1:]), frame.bitdepth, "420")


def test_counts_follow_a_normal_run(clip: list[Frame]) -> None:
    """The counts are real: one context, two models while open; no picture held between feeds."""
    before = live_objects()
    with pyvmafneg.Scorer() as scorer:
        opened = live_objects()
        assert opened["contexts"] == before["contexts"] + 1
        assert opened["models"] == before["models"] + 2
        for frame in clip:
            scorer.feed(frame, frame)
            assert live_objects()["pictures"] == before["pictures"]
        scorer.flush()
        assert live_objects() == opened
    assert live_objects() == before


def test_bad_frame_after_good_ones(clip: list[Frame]) -> None:
    ten = natural_clip("coffee", frames=1, width=96, height=64, bitdepth=10)[0]
    bad = Frame(tuple(p << 6 for p in ten.planes), 10, "420")  # samples above 1023

    def feed() -> None:
        with pyvmafneg.Scorer() as scorer:
            for _ in range(3):
                scorer.feed(ten, ten)
            scorer.feed(ten, bad)

    _released_after(feed, FrameError)
    _released_after(
        lambda: pyvmafneg.score([ten] * 3 + [bad], [ten] * 3 + [ten], backend="libvmaf"), FrameError
    )


def test_mismatched_frame_after_good_ones(clip: list[Frame]) -> None:
    other = natural_clip("coffee", frames=1, width=80, height=64)[0]
    _released_after(
        lambda: pyvmafneg.score([*clip, other], [*clip, other], backend="libvmaf"),
        FrameMismatchError,
    )
    _released_after(
        lambda: pyvmafneg.score([*clip, clip[0]], [*clip, other], backend="libvmaf"),
        FrameMismatchError,
    )


def test_pair_refused_by_libvmaf(clip: list[Frame]) -> None:
    """VMAF v1 refuses gray frames inside vmaf_read_pictures; both pictures are released."""
    gray = natural_clip("camera", frames=3, width=96, height=64, pixel_format="400")
    error = _released_after(
        lambda: pyvmafneg.score(gray, gray, ["vmaf_v1.0.16_3d0h"], threads=0, backend="libvmaf"),
        LibvmafError,
    )
    assert "vmaf_read_pictures" in str(error)


@NEEDS_PROC
def test_refused_pairs_do_not_leak_memory() -> None:
    """Each refused 1080p pair used to leave two 2 MB pictures behind (50 MB over 12 runs)."""
    luma = np.full((1080, 1920), 100, np.uint8)

    def refuse() -> None:
        with pyvmafneg.Scorer(["vmaf_v1.0.16_3d0h"], threads=0) as scorer:
            with pytest.raises(LibvmafError):
                scorer.feed(luma, luma)

    refuse()
    refuse()
    before = _rss()
    for _ in range(12):
        refuse()
    grown = _rss() - before
    assert grown < 16 * 2**20, f"RSS grew by {grown / 2**20:.1f} MiB over 12 refused pairs"


def test_failing_flush() -> None:
    """With worker threads libvmaf reports the refusal late: the scores are missing."""
    if available_cpus() < 2:
        pytest.skip("libvmaf starts no more workers than CPUs")
    gray = natural_clip("camera", frames=2, width=96, height=64, pixel_format="400")
    error = _released_after(
        lambda: pyvmafneg.score(gray, gray, ["vmaf_v1.0.16_3d0h"], threads=2, backend="libvmaf"),
        LibvmafError,
    )
    assert "vmaf_score_at_index" in str(error)


def test_model_libvmaf_cannot_set_up(tmp_path: Path) -> None:
    """A model whose features libvmaf does not know fails after the first model loaded."""
    doc = json.loads((REPO / "pyvmafneg" / "model_files" / "vmaf_v0.6.1.json").read_text())
    names = doc["model_dict"]["feature_names"]
    doc["model_dict"]["feature_names"] = ["no_such_feature"] * len(names)
    path = tmp_path / "unknown_features.json"
    path.write_text(json.dumps(doc))
    error = _released_after(lambda: pyvmafneg.Scorer(["vmaf_v0.6.1", str(path)]), LibvmafError)
    assert "could not set up the feature extractors" in str(error)


def test_exception_from_the_frame_iterator(clip: list[Frame]) -> None:
    """The caller's own exception comes through unchanged, and nothing stays allocated."""

    class Unplugged(RuntimeError):
        pass

    def frames() -> Iterator[Frame]:
        yield from clip[:3]
        raise Unplugged("camera unplugged")

    error = _released_after(lambda: pyvmafneg.score(frames(), clip, backend="libvmaf"), Unplugged)
    assert str(error) == "camera unplugged"


def test_keyboard_interrupt_from_the_progress_callback(clip: list[Frame]) -> None:
    done: list[int] = []

    def progress(n: int) -> None:
        done.append(n)
        if n == 4:
            raise KeyboardInterrupt

    _released_after(
        lambda: pyvmafneg.score(clip, clip, progress=progress, backend="libvmaf"), KeyboardInterrupt
    )
    assert done == [1, 2, 3, 4]


def test_keyboard_interrupt_while_copying_a_plane(clip: list[Frame]) -> None:
    """Interrupted filling the distorted picture (or the reference one): both released."""
    for ref, dis in ((clip[3], _exploding(clip[3])), (_exploding(clip[3]), clip[3])):

        def feed(ref: Frame = ref, dis: Frame = dis) -> None:
            with pyvmafneg.Scorer() as scorer:
                for frame in clip[:3]:
                    scorer.feed(frame, frame)
                scorer.feed(ref, dis)

        _released_after(feed, KeyboardInterrupt)


def test_scorer_dropped_without_close(clip: list[Frame]) -> None:
    before = live_objects()
    scorer = pyvmafneg.Scorer()
    for frame in clip[:3]:
        scorer.feed(frame, frame)
    with pytest.raises(FrameMismatchError):
        scorer.feed(clip[0], natural_clip("coffee", frames=1, width=80, height=64)[0])
    assert live_objects()["contexts"] == before["contexts"] + 1
    del scorer
    gc.collect()
    assert live_objects() == before


def test_failed_log_write_keeps_the_scorer_usable(clip: list[Frame], tmp_path: Path) -> None:
    before = live_objects()
    with pyvmafneg.Scorer() as scorer:
        for frame in clip:
            scorer.feed(frame, frame)
        result = scorer.flush()
        with pytest.raises(LibvmafError, match="could not write"):
            scorer.write_libvmaf_log(str(tmp_path / "missing" / "log.json"))
        scorer.write_libvmaf_log(str(tmp_path / "log.json"))
    assert live_objects() == before
    assert len(pyvmafneg.read_log(tmp_path / "log.json")) == len(result)


@pytest.mark.slow
def test_error_paths_through_the_picture_pool() -> None:
    """The same paths with worker threads, where pictures come from libvmaf's pool.

    A pooled picture that is not given back makes vmaf_close (and every later
    fetch) wait forever, so this runs in a child process with a timeout.
    """
    script = textwrap.dedent(
        """
        import gc, json
        import numpy as np
        import pyvmafneg
        from pyvmafneg.demo._clips import natural_clip
        from pyvmafneg.io._frame import Frame
        from pyvmafneg.engines.libvmaf._binding import live_objects

        class Exploding(np.ndarray):
            def __array_function__(self, func, types, args, kwargs):
                if func is np.copyto:
                    raise KeyboardInterrupt
                return super().__array_function__(func, types, args, kwargs)

        clip = natural_clip("coffee", frames=4, width=96, height=64)
        boom = Frame((clip[3].luma.view(Exploding), *clip[3].planes[1:]), 8, "420")
        other = natural_clip("coffee", frames=1, width=80, height=64)[0]
        report = []
        for name, ref, dis in [
            ("interrupt", clip[3], boom),
            ("interrupt", boom, clip[3]),
            ("mismatch", other, other),
        ]:
            for round_ in range(3):  # more failures than the pool has spare pictures
                before = live_objects()
                try:
                    with pyvmafneg.Scorer(threads=2) as scorer:
                        for frame in clip[:3]:
                            scorer.feed(frame, frame)
                        scorer.feed(ref, dis)
                except (KeyboardInterrupt, pyvmafneg.VmafNegError) as exc:
                    outcome = type(exc).__name__
                else:
                    outcome = "no error"
                gc.collect()
                report.append([name, outcome, live_objects() == before])
        print(json.dumps(report))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name, outcome, released in json.loads(proc.stdout):
        assert outcome in ("KeyboardInterrupt", "FrameMismatchError"), (name, outcome)
        assert released, name


def test_worker_threads_take_pictures_from_libvmafs_pool() -> None:
    """With worker threads, pictures come from libvmaf's pool (the paths tested above)."""
    from pyvmafneg.engines.libvmaf._binding import Context

    clip = natural_clip("coffee", frames=2, width=96, height=64)
    before = live_objects()
    context = Context(pyvmafneg.DEFAULT_MODELS, threads=2, clip=True)
    try:
        context.read(clip[0], clip[1])
        assert context.uses_picture_pool == (context.threads > 0), context.threads
        context.flush()
    finally:
        context.close()
    assert live_objects() == before


# -- soak -----------------------------------------------------------------------------------


@pytest.mark.slow
@NEEDS_PROC
@pytest.mark.parametrize("threads", [0, 2])
def test_soak_memory_stays_flat(threads: int) -> None:
    """PYVMAFNEG_SOAK_FRAMES pairs (600 by default; 3000 for the full soak) after a warm-up.

    Every pair is a fresh copy, so a binding that kept frames, or pictures,
    would grow by about 170 kB a pair (over 100 MB in 600). libvmaf keeps
    every frame's feature values (a few hundred bytes a frame), hence the
    small allowance per frame.
    """
    source = natural_clip("chelsea", frames=8, width=320, height=180)

    def pair(i: int) -> tuple[Frame, Frame]:
        ref, dis = source[i % 8], source[(i + 3) % 8]
        return (
            Frame(tuple(p.copy() for p in ref.planes), 8, "420"),
            Frame(tuple(p.copy() for p in dis.planes), 8, "420"),
        )

    before = live_objects()
    with pyvmafneg.Scorer(threads=threads) as scorer:
        for i in range(100):
            scorer.feed(*pair(i))
        gc.collect()
        start = _rss()
        samples = []
        for i in range(SOAK_FRAMES):
            scorer.feed(*pair(i))
            if i % 100 == 99:
                samples.append(_rss() - start)
                assert live_objects()["pictures"] == before["pictures"]
        result = scorer.flush()
    assert len(result) == 100 + SOAK_FRAMES
    assert live_objects() == before
    allowance = 4 * 2**20 + 1024 * SOAK_FRAMES
    shown = ", ".join(f"{s / 2**20:.2f}" for s in samples)
    assert max(samples) < allowance, f"RSS growth every 100 frames (MiB): {shown}"
