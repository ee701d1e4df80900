"""Blocking: how much more an encode's luma steps at block boundaries than its reference's.

Measured on every calibration item by ``framestats.py``; ``calibrate.py``
reports whether it tells blocking from enhancement (docs/calibration.md: it
does not, on the held-out sources; it is not shipped).


A block-transform encoder without a deblocking filter (libx264 ``-preset
ultrafast``, a low rate) leaves steps at the edges of its blocks. On noisy
footage those steps add fine detail the reference does not have, and the
default model credits it as it credits sharpening: the gap grows without any
enhancement (``docs/calibration.md``). Sharpening before an encode does not put
steps on the block grid; blocking does.

The statistic is the usual block-edge ratio: the mean squared luma difference
between neighbouring pixels across the lines of a grid of ``GRID`` pixels
(columns and rows ``GRID``, ``2 * GRID``, ...), over the same between
neighbours inside the blocks, both directions, summed over the frames. It is
about 1 for content without a grid (a camera frame, a frame scaled back from
another size) and above 1 where blocks show. :func:`blocking` measures it on
an encode and on its reference and reports the difference (the *blocking
excess*, encode minus reference, dimensionless), so that the grid of a
reference that was itself encoded is not counted.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyvmafneg._defaults import DEFAULT_SCALER
from pyvmafneg.errors import FrameCountMismatchError, SizeMismatchError
from pyvmafneg.io._frame import as_frame
from pyvmafneg.io._prepare import prepare_pair
from pyvmafneg.io._sources import open_video

__all__ = ["GRID", "Blocking", "blocking", "blocking_ratios"]

#: Block size (pixels) of the grid whose lines are measured: 8, the transform and
#: deblocking grid of the common codecs (a 4-pixel transform's edges include it).
GRID = 8


@dataclass(frozen=True)
class Blocking:
    """The block-edge ratio of an encode and of its reference.

    Attributes
    ----------
    reference, distorted:
        Mean squared luma step across the lines of the ``grid`` over that
        inside the blocks, both directions, summed over the frames
        (dimensionless, >= 0; about 1 without blocks, above 1 with them).
    frames:
        Frames measured.
    grid:
        Block size of the grid, in pixels.
    """

    reference: float
    distorted: float
    frames: int
    grid: int = GRID

    @property
    def excess(self) -> float:
        """``distorted - reference``: the blocking the encode added (dimensionless)."""
        return self.distorted - self.reference


def _energies(luma: np.ndarray, depth: int, grids: tuple[int, ...]) -> np.ndarray:
    """Per grid: [step energy across its lines, step energy inside its blocks] (sums)."""
    y = luma.astype(np.float32) / float(1 << (depth - 8))
    out = np.zeros((len(grids), 4))
    for axis, diff in enumerate((np.diff(y, axis=1), np.diff(y, axis=0))):
        sq = np.square(diff, dtype=np.float64)
        prof = sq.sum(axis=0) if axis == 0 else sq.sum(axis=1)  # per line position
        pos = np.arange(1, prof.size + 1)  # step j lies between pixels j-1 and j
        for g, grid in enumerate(grids):
            edge = pos % grid == 0
            out[g, 0] += float(prof[edge].sum()) / max(int(edge.sum()), 1)
            out[g, 1] += float(prof[~edge].sum()) / max(int((~edge).sum()), 1)
    return out[:, :2]


def _pairs(reference: Any, distorted: Any, scale: str | None) -> Iterator[tuple[Any, Any]]:
    def opened(clip: Any) -> Any:
        return open_video(clip) if isinstance(clip, (str, os.PathLike)) else clip

    pair = prepare_pair(opened(reference), opened(distorted), scale=scale)
    end = object()
    counts = [0, 0]
    ref_it: Iterable[Any] = pair.reference
    dis_it: Iterable[Any] = pair.distorted
    for r, d in itertools.zip_longest(ref_it, dis_it, fillvalue=end):
        if r is end or d is end:
            counts[r is end] += 1
            continue
        counts = [counts[0] + 1, counts[1] + 1]
        yield as_frame(r), as_frame(d)
    if counts[0] != counts[1] or counts[0] == 0:
        raise FrameCountMismatchError(
            f"the reference holds {counts[0]} frames and the distorted clip {counts[1]}; the "
            "blocking measure pairs them frame by frame",
            reference_frames=counts[0],
            distorted_frames=counts[1],
            common=min(counts),
        )


def blocking_ratios(
    reference: Any,
    distorted: Any,
    *,
    scale: str | None = DEFAULT_SCALER,
    grids: tuple[int, ...] = (GRID,),
) -> dict[int, Blocking]:
    """:func:`blocking` for several grids in one pass over the frames."""
    sums = np.zeros((2, len(grids), 2))
    n = 0
    for rf, df in _pairs(reference, distorted, scale):
        if rf.shape != df.shape:
            raise SizeMismatchError(
                f"the frames differ in size ({rf.width}x{rf.height} and {df.width}x{df.height}); "
                "give a scaler to measure them",
                reference_size=(rf.width, rf.height),
                distorted_size=(df.width, df.height),
                frame=n,
            )
        sums[0] += _energies(rf.luma, rf.bitdepth, grids)
        sums[1] += _energies(df.luma, df.bitdepth, grids)
        n += 1
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = sums[..., 0] / sums[..., 1]
    return {
        grid: Blocking(float(ratio[0, g]), float(ratio[1, g]), n, grid)
        for g, grid in enumerate(grids)
    }


def blocking(
    reference: Any,
    distorted: Any,
    *,
    scale: str | None = DEFAULT_SCALER,
    grid: int = GRID,
) -> Blocking:
    """Block-edge ratio of ``distorted`` and of ``reference``, frames paired as scored.

    Parameters
    ----------
    reference, distorted:
        Paths or opened videos (:func:`pyvmafneg.open_video`) or iterables of
        frames, as :func:`pyvmafneg.score` takes them.
    scale:
        Scaler for a distorted clip of another size (as :func:`pyvmafneg.score`;
        default ``'bicubic'``).
    grid:
        Block size of the grid, in pixels (default 8).

    Returns
    -------
    Blocking
        Both ratios (dimensionless) and their difference, :attr:`Blocking.excess`.

    Raises
    ------
    FrameCountMismatchError
        When the clips hold different numbers of frames (or none).
    SizeMismatchError
        When the frames differ in size and ``scale`` is None.
    """
    return blocking_ratios(reference, distorted, scale=scale, grids=(grid,))[grid]
