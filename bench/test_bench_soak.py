"""The full soak: 3000 fresh frame pairs through one Scorer, resident memory sampled.

The test suite runs the same soak with 600 pairs
(``tests/test_hardening_lifecycle.py``); this one runs the full count and
records the growth curve in ``extra_info``.

Run: ``python3 -m pytest bench/test_bench_soak.py --benchmark-only``
"""

from __future__ import annotations

import gc

import pytest

import pyvmafneg
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.engines.libvmaf._binding import live_objects
from pyvmafneg.io._frame import Frame

FRAMES = 3000


def _rss_bytes() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmRSS:"))


@pytest.mark.parametrize("threads", [0, 2])
def test_soak_3000_frames(benchmark, threads: int) -> None:
    source = natural_clip("chelsea", frames=8, width=320, height=180)

    def pair(i: int) -> tuple[Frame, Frame]:
        ref, dis = source[i % 8], source[(i + 3) % 8]
        return (
            Frame(tuple(p.copy() for p in ref.planes), 8, "420"),
            Frame(tuple(p.copy() for p in dis.planes), 8, "420"),
        )

    def soak() -> list[int]:
        with pyvmafneg.Scorer(threads=threads) as scorer:
            for i in range(100):  # warm-up: allocator and libvmaf buffers settle
                scorer.feed(*pair(i))
            gc.collect()
            start = _rss_bytes()
            growth = []
            for i in range(FRAMES):
                scorer.feed(*pair(i))
                if i % 500 == 499:
                    growth.append(_rss_bytes() - start)
            assert len(scorer.flush()) == 100 + FRAMES
        return growth

    before = live_objects()
    growth = benchmark.pedantic(soak, rounds=1, iterations=1)
    assert live_objects() == before
    benchmark.extra_info.update(
        frames=FRAMES,
        threads=threads,
        rss_growth_mib_every_500=[round(g / 2**20, 2) for g in growth],
    )
    # libvmaf keeps a few hundred bytes of feature values per frame; frames themselves
    # (170 kB a pair) must not be kept.
    assert max(growth) < 4 * 2**20 + 1024 * FRAMES
