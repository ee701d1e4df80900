"""Wall time of four Python threads scoring at once: libvmaf calls release the GIL.

Four Python threads score four different clips at once (each ``Scorer`` on
its calling thread, ``threads=0``), against the same four clips one after
another, interleaved rounds. The clips can only overlap when libvmaf's calls
release the GIL; the goal, asserted with two or more CPUs, is a concurrent
wall time under 0.85 of the serial one (median over rounds). ``extra_info``
holds ``serial_s``, ``concurrent_s`` and ``concurrent_over_serial``.

``tests/test_hardening_concurrency.py`` checks that concurrent runs give
exactly the serial numbers, and ``tests/test_scorer.py`` that the GIL is
released (in CPU time); this only times them.

Run: ``python3 -m pytest bench/test_bench_concurrency.py --benchmark-only``
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest
from benchkit import interleave
from scipy import ndimage

import pyvmafneg
from pyvmafneg.demo._clips import map_frames, natural_clip
from pyvmafneg.demo._enhance import unsharp_mask
from pyvmafneg.engines.libvmaf._binding import available_cpus
from pyvmafneg.io._frame import Frame

#: Pairs fed per clip and round (frames are reused cyclically).
PAIRS = 48
#: Goal: four threads at once take under this share of the serial wall time.
TARGET_SHARE = 0.85


def gaussian_blur(plane: np.ndarray, sigma: float) -> np.ndarray:
    """``plane`` blurred with a Gaussian of ``sigma`` pixels, same dtype."""
    return np.clip(ndimage.gaussian_filter(plane.astype(np.float64), sigma) + 0.5, 0, 255).astype(
        plane.dtype
    )


@pytest.fixture(scope="module")
def clips() -> list[tuple[list[Frame], list[Frame]]]:
    """Four different (reference, distorted) clips, 352x288 4:2:0 8-bit, 8 frames each."""
    distortions: list[tuple[str, Callable[[np.ndarray], np.ndarray]]] = [
        ("astronaut", lambda y: unsharp_mask(y, amount=1.5)),
        ("coffee", lambda y: gaussian_blur(y, sigma=1.0)),
        ("chelsea", lambda y: unsharp_mask(y, amount=0.8)),
        ("rocket", lambda y: gaussian_blur(y, sigma=1.8)),
    ]
    out = []
    for image, distort in distortions:
        ref = natural_clip(image, frames=8, width=352, height=288)
        out.append((ref, map_frames(ref, distort)))
    return out


def _score(ref: list[Frame], dis: list[Frame]) -> pyvmafneg.Result:
    with pyvmafneg.Scorer(threads=0, clip=False) as scorer:
        for i in range(PAIRS):
            scorer.feed(ref[i % len(ref)], dis[(i + i // len(ref)) % len(dis)])
        return scorer.flush()


def _all_at_once(clips: list[tuple[list[Frame], list[Frame]]]) -> list[pyvmafneg.Result]:
    results: list[pyvmafneg.Result | None] = [None] * len(clips)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(clips))

    def work(k: int) -> None:
        try:
            barrier.wait()
            results[k] = _score(*clips[k])
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(len(clips))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert not errors, errors
    return [r for r in results if r is not None]


def test_four_threads_overlap(benchmark, clips) -> None:
    if available_cpus() < 2:
        pytest.skip("one CPU: threads cannot overlap")
    benchmark.group = "concurrency"
    run = interleave(
        benchmark,
        lambda: _all_at_once(clips),
        {"serial": lambda: [_score(*pair) for pair in clips]},
        rounds=3,
        warmup=1,
    )
    for a, b in zip(run.ours, run.theirs["serial"], strict=True):
        np.testing.assert_array_equal(a["vmaf"], b["vmaf"])
    share = run.median() / run.median("serial")
    benchmark.extra_info.update(
        kind="concurrency",
        serial_s=round(run.median("serial"), 3),
        concurrent_s=round(run.median(), 3),
        concurrent_over_serial=round(share, 3),
        target=f"< {TARGET_SHARE} of the serial time",
        target_met=share < TARGET_SHARE,
    )
    assert share < TARGET_SHARE, f"4 threads / serial wall time {share:.2f} (GIL held?)"
