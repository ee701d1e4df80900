"""The enhancement verdict's frame evidence: the native engine against the NumPy reference.

:func:`pyvmafneg.verdict._projection.frame_sums` (the projection sums of one frame
pair, run on up to 48 frames by ``score --check``, ``check`` with the videos and
``compare`` for every pair) in the native engine against the same sums in NumPy
(``_frame_sums_numpy``, the reference and the fallback), on x264 encodes of natural
frames at 1280x720 and 1920x1080, one thread, rounds interleaved (medians). For scale,
the native engine's VMAF + NEG of the same pairs on one thread is timed too. Every
round's sums are checked equal to the reference's (1e-12 relative).

Run: ``nice python3 -m pytest bench/test_bench_evidence.py --benchmark-only -s``
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from benchkit import CRF, PRESET, interleave, versions

import pyvmafneg
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.demo._encode import x264_roundtrip
from pyvmafneg.verdict import _projection

native = pytest.importorskip("pyvmafneg.engines.native")
if not native.available():
    pytest.skip("the native engine is not built", allow_module_level=True)

#: Size -> frame pairs a round.
SIZES = {"1280x720": 8, "1920x1080": 4}


@pytest.mark.parametrize("size", list(SIZES))
def test_frame_evidence(benchmark, size: str) -> None:
    width, height = (int(v) for v in size.split("x"))
    n = SIZES[size]
    ref = natural_clip("astronaut", frames=n, width=width, height=height)
    dis = x264_roundtrip(ref, crf=CRF, preset=PRESET).frames
    pairs = [(r.luma, d.luma) for r, d in zip(ref, dis, strict=True)]
    benchmark.group = f"frame evidence, {size}"

    def ours() -> list[np.ndarray]:
        return [_projection.frame_sums(r, d, 8) for r, d in pairs]

    def numpy() -> list[np.ndarray]:
        return [_projection._frame_sums_numpy(r, d, 8) for r, d in pairs]

    def scoring() -> pyvmafneg.Result:
        return pyvmafneg.score(ref, dis, threads=1)

    load = os.getloadavg()[0]
    run = interleave(benchmark, ours, {"numpy": numpy, "scoring": scoring})
    for got, want in zip(run.ours, run.theirs["numpy"], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    per = {side: run.median(side if side != "native" else None) / n * 1e3
           for side in ("native", "numpy", "scoring")}  # fmt: skip
    benchmark.extra_info.update(
        simd=native.simd_level(),
        load_avg=(round(load, 2), round(os.getloadavg()[0], 2)),
        ms_per_pair={k: round(v, 2) for k, v in per.items()},
        speedup=round(run.ratio("numpy"), 2),
        **versions(),
    )
    print(
        f"\nframe evidence {size}: native {per['native']:.1f} ms a pair, NumPy "
        f"{per['numpy']:.1f} ms ({run.ratio('numpy'):.1f}x); native VMAF + NEG scoring "
        f"{per['scoring']:.1f} ms a pair on one thread; load {load:.2f} to "
        f"{os.getloadavg()[0]:.2f} ({native.simd_level()})"
    )
