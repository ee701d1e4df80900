"""The native engine at libvmaf's unstable widths, and planes it must not read as given.

At widths 33-36 and 65-68 libvmaf's vector ADM reads memory it never wrote, so
its only repeatable result is its scalar code (``cpumask=VECTOR_CPUMASK``),
which the libvmaf engine requires there. The native engine follows that scalar
rule; every oracle is libvmaf's scalar path run at test time.
"""

from __future__ import annotations

import numpy as np
import pytest

import pyvmafneg
from pyvmafneg.engines._options import UNSTABLE_WIDTHS, VECTOR_CPUMASK
from pyvmafneg.engines.native import NativeScorer

pytestmark = pytest.mark.skipif(
    not pyvmafneg.engines.native.available(), reason="native engine not built"
)

KEYS = ("vmaf", "vmaf_neg", "integer_adm2", "integer_adm2_egl_1", "integer_adm_scale0")


def checkerboard_vs_noise(width: int, height: int, frames: int, bitdepth: int):
    top = (1 << bitdepth) - 1
    y, x = np.mgrid[0:height, 0:width]
    board = np.where((x // 4 + y // 4) % 2, top * 3 // 4, top // 4).astype(np.uint16)
    rng = np.random.default_rng(width * 1000 + height)
    ref = [np.roll(board, i, axis=1) for i in range(frames)]
    dis = [rng.integers(0, top + 1, size=(height, width), dtype=np.uint16) for _ in range(frames)]
    return ref, dis


@pytest.mark.parametrize("width", sorted(UNSTABLE_WIDTHS))
def test_native_equals_libvmaf_scalar_path_at_unstable_widths(width: int) -> None:
    ref, dis = checkerboard_vs_noise(width, 40, 2, 16)
    native = pyvmafneg.score(ref, dis, backend="native", bitdepth=16, threads=0, clip=False)
    scalar = pyvmafneg.score(
        ref, dis, backend="libvmaf", bitdepth=16, threads=0, clip=False, cpumask=VECTOR_CPUMASK
    )
    for key in KEYS:
        np.testing.assert_array_equal(native[key], scalar[key], err_msg=f"{width} {key}")


def test_the_reported_case_68x40_16_bit() -> None:
    ref, dis = checkerboard_vs_noise(68, 40, 1, 16)
    native = pyvmafneg.score(ref, dis, backend="native", bitdepth=16, threads=0, clip=False)
    scalar = pyvmafneg.score(
        ref, dis, backend="libvmaf", bitdepth=16, threads=0, clip=False, cpumask=VECTOR_CPUMASK
    )
    assert native["vmaf"][0] == scalar["vmaf"][0]


def misaligned(plane: np.ndarray) -> np.ndarray:
    """The same uint16 samples in a buffer one byte off their alignment."""
    raw = np.zeros(plane.nbytes + 1, dtype=np.uint8)
    view = np.ndarray(plane.shape, dtype=plane.dtype, buffer=raw, offset=1)
    view[...] = plane
    assert not view.flags.aligned
    return view


def test_misaligned_planes_are_copied_before_the_engine_reads_them() -> None:
    ref, dis = checkerboard_vs_noise(96, 48, 3, 10)
    ref = [r >> 6 for r in ref]
    dis = [d >> 6 for d in dis]
    want = pyvmafneg.score(ref, dis, backend="libvmaf", bitdepth=10, threads=0, clip=False)
    for threads in (0, 2):
        with NativeScorer(bitdepth=10, threads=threads, clip=False) as scorer:
            for r, d in zip(ref, dis, strict=True):
                scorer.feed(misaligned(r), misaligned(d))
            got = scorer.flush()
        for key in KEYS:
            np.testing.assert_array_equal(got[key], want[key], err_msg=f"{threads} {key}")


def test_misaligned_planes_reach_the_kernels_aligned() -> None:
    from pyvmafneg.engines.native import _kernels

    ref, dis = checkerboard_vs_noise(64, 40, 1, 12)
    r, d = (p[0] >> 4 for p in (ref, dis))
    plane, stride = _kernels._plane(misaligned(r), 12, "ref", 1)
    assert plane.flags.aligned and stride == 64
    np.testing.assert_array_equal(plane, r)
    fk = _kernels.FrameKernels((100.0, 1.0), (1.0,), 6)
    fk.run(None, r, d, 12)  # sets the fast layout
    assert not fk._fits(misaligned(r))
    np.testing.assert_array_equal(
        fk.run(None, misaligned(r), misaligned(d), 12), fk.run(None, r, d, 12)
    )
