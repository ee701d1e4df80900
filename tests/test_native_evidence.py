"""The verdict's frame evidence in the native engine against its NumPy reference.

:func:`pyvmafneg.verdict._projection.frame_sums` runs in C when the engine is built;
``_frame_sums_numpy`` is the specification. The C pyramid and masks must be the
reference's bit for bit (the same structured and edge counts, the same low-pass blur,
hence the same low-pass row), the band sums equal to 1e-12 relative (added in another
order), at every bit depth and kernel level, on odd sizes and sizes where levels drop out.
"""

from __future__ import annotations

import numpy as np
import pytest

from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.errors import FrameError
from pyvmafneg.verdict import _projection as proj

pytest.importorskip("pyvmafneg.engines.native._engine", reason="the native engine is not built")

from pyvmafneg.engines.native import _kernels, available_levels  # noqa: E402

QUANTILES = (1.0 - proj.TOP, 1.0 - proj.EDGE)


def _pair(width: int, height: int, bitdepth: int) -> tuple[np.ndarray, np.ndarray]:
    """A natural luma plane and a sharpened, noisy copy (clipped to the depth's range)."""
    ref = natural_clip("astronaut", frames=1, width=width, height=height, bitdepth=bitdepth)[0]
    y = ref.luma.astype(np.int64)
    peak = (1 << bitdepth) - 1
    rng = np.random.default_rng(width * height + bitdepth)
    blur = (np.roll(y, 1, 0) + np.roll(y, -1, 0) + np.roll(y, 1, 1) + np.roll(y, -1, 1)) // 4
    noise = rng.integers(-(peak // 64) - 1, peak // 64 + 2, y.shape)
    dis = np.clip(y + (y - blur) // 2 + noise, 0, peak).astype(ref.luma.dtype)
    return ref.luma, dis


def _numpy_counts(ref: np.ndarray, bitdepth: int) -> list[list[int]]:
    scale = np.float32(1.0 / float(1 << (bitdepth - 8)))
    bands = proj._bands(ref.astype(np.float32) * scale)[:-1]
    return [[int(m.sum()), int(e.sum())] for m, e in (proj._masks(b) for b in bands)]


@pytest.mark.parametrize("bitdepth", [8, 10, 12, 16])
@pytest.mark.parametrize(
    ("width", "height"),
    # odd sides; levels dropping out at 16 (one level, three, by height only, all five)
    [(16, 16), (35, 17), (131, 67), (257, 16), (533, 301)],
)
def test_the_native_sums_equal_the_numpy_reference(width: int, height: int, bitdepth: int):
    ref, dis = _pair(width, height, bitdepth)
    want = proj._frame_sums_numpy(ref, dis, bitdepth)
    run = int(np.sum(~np.isnan(want[: proj.LEVELS, 0])))
    counts = _numpy_counts(ref, bitdepth)
    for simd in available_levels():
        sums, got_counts, rlow, dlow = _kernels.evidence_sums(
            ref, dis, bitdepth, proj.LEVELS, proj.MIN_SIDE, QUANTILES, simd
        )
        assert got_counts[:run].tolist() == counts
        assert (got_counts[run:] == -1).all() and np.isnan(sums[run:]).all()
        np.testing.assert_allclose(sums[:run], want[:run], rtol=1e-12, atol=0)
        # the low-pass row comes from the returned blurs: the same bits give the same row
        low = proj._low_sums(rlow[::2, ::2], dlow[::2, ::2])
        assert low == want[proj.LEVELS].tolist()
    got = proj.frame_sums(ref, dis, bitdepth)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_what_the_engine_does_not_take_goes_to_numpy_and_bad_arguments_raise(monkeypatch):
    ref, dis = _pair(40, 30, 8)
    # with no work buffer kept, the engine allocates its own: the same numbers
    kept = _kernels.evidence_sums(ref, dis, 8, 5, 16, QUANTILES)
    monkeypatch.setattr(_kernels, "EVIDENCE_KEEP_FLOATS", 0)
    for a, b in zip(kept, _kernels.evidence_sums(ref, dis, 8, 5, 16, QUANTILES), strict=True):
        assert np.array_equal(a, b, equal_nan=True)
    monkeypatch.undo()
    # a frame too small for one level, and float planes, are measured in NumPy
    small = proj.frame_sums(ref[:15], dis[:15], 8)
    assert np.array_equal(small, proj._frame_sums_numpy(ref[:15], dis[:15], 8), equal_nan=True)
    floats = proj.frame_sums(ref.astype(np.float64), dis.astype(np.float64), 8)
    np.testing.assert_allclose(floats, proj.frame_sums(ref, dis, 8), rtol=1e-12)
    # a view with a row stride wider than the plane is read in place
    wide = np.zeros((30, 47), np.uint8)
    wide[:, 3:43] = ref
    np.testing.assert_allclose(
        proj.frame_sums(wide[:, 3:43], dis, 8), proj._frame_sums_numpy(ref, dis, 8), rtol=1e-12
    )
    with pytest.raises(FrameError, match="same shape"):
        _kernels.evidence_sums(ref, dis[:20], 8, 5, 16, QUANTILES)
    with pytest.raises(FrameError, match="both sides must be >= 16"):
        _kernels.evidence_sums(ref[:15], dis[:15], 8, 5, 16, QUANTILES)
    with pytest.raises(FrameError, match="quantiles"):
        _kernels.evidence_sums(ref, dis, 8, 5, 16, (0.95, 0.75))
    with pytest.raises(FrameError, match="uint16"):
        _kernels.evidence_sums(ref, dis, 10, 5, 16, QUANTILES)
