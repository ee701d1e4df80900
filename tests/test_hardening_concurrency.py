"""Threads and determinism: scores are a function of the frames alone.

Four Python threads scoring four clips at once get exactly the numbers each
clip gets alone (that they also finish sooner than one after the other, which
is only possible when libvmaf runs without holding the GIL, is a wall-time
property measured in ``bench/test_bench_concurrency.py``). Repeated runs, and
libvmaf's thread counts 0, 1 and 2, give identical per-frame scores and
features (compared with ``==``, not a tolerance).

Clip widths avoid 33-36 and 65-72, where libvmaf's vectorised ADM reads past
the end of a row (see :mod:`pyvmafneg.engines.reference._adm`) and values can vary
from run to run.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from helpers import blur, unsharp

import pyvmafneg
from pyvmafneg.demo._clips import map_frames, natural_clip
from pyvmafneg.engines.libvmaf._binding import live_objects
from pyvmafneg.io._frame import Frame
from pyvmafneg.results._result import Result

#: Pairs fed per clip (frames are reused cyclically).
PAIRS = 16
MODELS = [
    "vmaf_v0.6.1:name=vmaf",
    "vmaf_v0.6.1neg:name=vmaf_neg",
    "vmaf_v0.6.1:name=egl_1.2:vif_enhn_gain_limit=1.2:adm_enhn_gain_limit=1.2",
]


def _assert_identical(a: Result, b: Result, what: str) -> None:
    """Same frames, same keys, and every per-frame value equal as doubles."""
    np.testing.assert_array_equal(a.frames, b.frames, err_msg=what)
    assert sorted(a.scores) == sorted(b.scores), what
    assert sorted(a.features) == sorted(b.features), what
    for key in a.keys():
        np.testing.assert_array_equal(a[key], b[key], err_msg=f"{what}: {key}")


@pytest.fixture(scope="module")
def clips() -> list[tuple[list[Frame], list[Frame]]]:
    """Four different (reference, distorted) clips, 352x288 4:2:0 8-bit, 8 frames each."""
    out = []
    for image, distort in (
        ("astronaut", lambda y: unsharp(y, 1.5)),
        ("coffee", blur),
        ("chelsea", lambda y: unsharp(y, 0.8)),
        ("rocket", lambda y: blur(y, 1.8)),
    ):
        ref = natural_clip(image, frames=8, width=352, height=288)
        out.append((ref, map_frames(ref, distort)))
    return out


def _score(ref: list[Frame], dis: list[Frame], threads: int = 0) -> Result:
    with pyvmafneg.Scorer(MODELS, threads=threads, clip=False) as scorer:
        for i in range(PAIRS):
            scorer.feed(ref[i % len(ref)], dis[(i + i // len(ref)) % len(dis)])
        return scorer.flush()


def _score_all_at_once(
    clips: list[tuple[list[Frame], list[Frame]]], threads: int = 0
) -> tuple[list[Result], float]:
    """Each clip on its own Python thread, started together; results and wall time."""
    results: list[Result | None] = [None] * len(clips)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(clips) + 1)

    def work(k: int) -> None:
        try:
            barrier.wait()
            results[k] = _score(*clips[k], threads=threads)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(len(clips))]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join(timeout=300)
    elapsed = time.perf_counter() - start
    assert not errors, errors
    assert all(r is not None for r in results)
    return [r for r in results if r is not None], elapsed


def test_four_threads_match_one_by_one(clips) -> None:  # type: ignore[no-untyped-def]
    """Exactly the serial numbers from four Python threads scoring at once."""
    before = live_objects()
    serial = [_score(ref, dis) for ref, dis in clips]
    concurrent, _ = _score_all_at_once(clips)
    for k, (a, b) in enumerate(zip(serial, concurrent, strict=True)):
        _assert_identical(a, b, f"clip {k}")
    assert len({float(r.pooled("vmaf").mean) for r in serial}) == 4, "clips should differ"
    assert live_objects() == before


def test_four_threads_with_libvmaf_workers_match(clips) -> None:  # type: ignore[no-untyped-def]
    """Four Python threads, each scorer with a libvmaf worker thread of its own."""
    serial = [_score(ref, dis) for ref, dis in clips]
    concurrent, _ = _score_all_at_once(clips, threads=1)
    for k, (a, b) in enumerate(zip(serial, concurrent, strict=True)):
        _assert_identical(a, b, f"clip {k} with a libvmaf worker")


@pytest.mark.parametrize(
    ("image", "width", "height", "pixel_format", "bitdepth"),
    [
        ("astronaut", 176, 144, "420", 8),
        ("coffee", 96, 80, "444", 10),
        ("camera", 120, 72, "400", 12),
    ],
)
def test_repeated_runs_and_thread_counts_are_identical(
    image: str, width: int, height: int, pixel_format: str, bitdepth: int
) -> None:
    """Every per-frame score and feature, twice per thread count, 0, 1 and 2 threads."""
    ref = natural_clip(
        image, frames=6, width=width, height=height, pixel_format=pixel_format, bitdepth=bitdepth
    )
    dis = map_frames(ref, lambda y: unsharp(y, 1.2, bitdepth=bitdepth))
    first = pyvmafneg.score(ref, dis, MODELS, clip=False, backend="libvmaf")
    assert len(first) == 6 and len(first.features) >= 10
    for threads in (0, 1, 2, 0):
        for _ in range(2):
            again = pyvmafneg.score(
                ref, dis, MODELS, clip=False, threads=threads, backend="libvmaf"
            )
            _assert_identical(first, again, f"threads={threads}")
    with pyvmafneg.Scorer(MODELS, clip=False, threads=2) as scorer:
        for r, d in zip(ref, dis, strict=True):
            scorer.feed(r, d)
        _assert_identical(first, scorer.flush(), "Scorer, threads=2")


def test_subsampled_runs_are_identical_across_thread_counts() -> None:
    ref = natural_clip("chelsea", frames=7, width=160, height=96)
    dis = map_frames(ref, blur)
    runs = [pyvmafneg.score(ref, dis, subsample=3, threads=t, backend="libvmaf") for t in (0, 1, 2)]
    assert list(runs[0].frames) == [0, 3, 6]
    for threads, run in zip((1, 2), runs[1:], strict=True):
        _assert_identical(runs[0], run, f"subsample=3, threads={threads}")
