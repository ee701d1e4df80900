"""Band energy: how much of the reference's finest detail an encode kept, from the frames.

An honest encode loses fine detail, and the lower its rate the more it loses:
the energy of the finest band of its frames (luma minus its Gaussian blur of
standard deviation 1 pixel) falls below the reference's. Sharpening before the
encode puts some of it back; so do blocking (an encoder without a deblocking
filter, such as libx264 ``-preset ultrafast``), grain and noise. :func:`band_energy_ratio`
measures the ratio of the two energies over a clip (encode over reference) for
``calibrate.py``, which reports whether it separates enhancement from honest
encodes (docs/calibration.md: it does not, once such honest encodes are in the set).

The frames are paired as :func:`pyvmafneg.score` pairs them (the distorted clip
scaled to the reference's size with the same scaler), so the ratio of an upscaled
ladder rung is that of the frames VMAF saw.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from pyvmafneg._defaults import DEFAULT_SCALER
from pyvmafneg.errors import FrameCountMismatchError, SizeMismatchError
from pyvmafneg.io._frame import as_frame
from pyvmafneg.io._prepare import prepare_pair
from pyvmafneg.io._sources import open_video

__all__ = ["SIGMA", "BandEnergy", "band_energy_ratio"]

#: Standard deviation (pixels) of the Gaussian blur whose residual is the finest band.
SIGMA = 1.0


@dataclass(frozen=True)
class BandEnergy:
    """The finest band's energy of an encode against its reference.

    Attributes
    ----------
    ratio:
        Energy of the encode's finest band over the reference's, summed over
        the frames (dimensionless, >= 0; 1 keeps all of it, below 1 lost some).
    frames:
        Frames measured.
    size:
        ``(width, height)`` of the frames measured (the reference's), in pixels.
    """

    ratio: float
    frames: int
    size: tuple[int, int] = (0, 0)


def _open(clip: Any) -> Any:
    return open_video(clip) if isinstance(clip, (str, os.PathLike)) else clip


def _band(luma: np.ndarray, depth: int) -> float:
    y = luma.astype(np.float32) / float(1 << (depth - 8))
    return float(np.mean(np.square(y - ndimage.gaussian_filter(y, SIGMA, mode="nearest"))))


def band_energy_ratio(
    reference: Any,
    distorted: Any,
    *,
    scale: str | None = DEFAULT_SCALER,
    frames: int | None = None,
) -> BandEnergy:
    """Energy of the finest band of ``distorted`` over that of ``reference``.

    Parameters
    ----------
    reference, distorted:
        Paths or opened videos (:func:`pyvmafneg.open_video`) or iterables of
        frames, as :func:`pyvmafneg.score` takes them.
    scale:
        Scaler for a distorted clip of another size (as :func:`pyvmafneg.score`;
        default ``'bicubic'``).
    frames:
        Measure the first ``frames`` frames only (None: every frame).

    Returns
    -------
    BandEnergy
        The pooled ratio (dimensionless) and the number of frames measured.

    Raises
    ------
    FrameCountMismatchError
        When the clips hold different numbers of frames (or none).
    SizeMismatchError
        When the frames differ in size and ``scale`` is None.
    """
    pair = prepare_pair(_open(reference), _open(distorted), scale=scale)
    sums = [0.0, 0.0]
    size = (0, 0)
    counts = [0, 0]
    end = object()
    for r, d in itertools.zip_longest(pair.reference, pair.distorted, fillvalue=end):
        if r is end or d is end:
            counts[r is end] += 1
            continue
        rf, df = as_frame(r), as_frame(d)
        if rf.shape != df.shape:
            raise SizeMismatchError(
                f"the frames differ in size ({rf.width}x{rf.height} and {df.width}x{df.height}); "
                "give a scaler to measure them",
                reference_size=(rf.width, rf.height),
                distorted_size=(df.width, df.height),
                frame=counts[0],
            )
        size = (rf.width, rf.height)
        sums[0] += _band(rf.luma, rf.bitdepth)
        sums[1] += _band(df.luma, df.bitdepth)
        counts = [counts[0] + 1, counts[1] + 1]
        if frames is not None and counts[0] >= frames:
            break
    if counts[0] != counts[1] or counts[0] == 0:
        common = min(counts)
        raise FrameCountMismatchError(
            f"the reference holds {counts[0]} frames and the distorted clip {counts[1]}; the "
            "band energy pairs them frame by frame",
            reference_frames=counts[0],
            distorted_frames=counts[1],
            common=common,
        )
    ratio = sums[1] / sums[0] if sums[0] > 0 else float("nan")
    return BandEnergy(ratio=float(ratio), frames=counts[0], size=size)
