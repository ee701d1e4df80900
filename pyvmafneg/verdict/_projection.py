"""Projection gain per band: how much of the reference's own detail an encode carries.

Energy ratios cannot tell sharpening from blocking or noise: all three add
energy. The projection gain ignores energy that is uncorrelated with the
reference. Per band ``s`` of a luma pyramid (level ``k``: the frame decimated
``k`` times by 2 after a binomial blur (1, 4, 6, 4, 1) / 16, a Gaussian of
sigma 1 pixel; its band is the level minus its own blur; after the last level,
the low-pass residual with its mean removed per frame),

    beta_s = sum <ref_s, dis_s> / sum <ref_s, ref_s>

pooled over the frames: the least-squares gain of the encode's band on the
reference's, i.e. 1 + the slope of the regression of (dis - ref) on ref.
Honest coding attenuates what it keeps (beta_s <= ~1); blocking and noise do
not raise it (they are uncorrelated with the reference's band); sharpening
lifts it above 1 at the scales its kernel boosts, and a contrast stretch lifts
every band, the low-pass residual too.

Three poolings per band-pass level: over every location, over the
*structured* locations (where the reference band's local energy, blurred with
the same kernel, is in the top quarter of its frame) and over the *edges*
(its top 5 %). The verdict uses bands 0 and 1 at edges, bands 2 and 3 and the
low-pass residual over every location (:data:`BANDS`); the calibration
(``bench/calibration/projection.py``) reads the same sums.

The frames are paired as :func:`pyvmafneg.score` pairs them (a ladder rung
scaled back with the scaler it was scored with). The native engine computes
the sums when it is built (``vn_evidence_sums``: the same float32 pyramid and
masks bit for bit, the float64 sums added in another order); the NumPy code
here is the reference and the fallback. Cost per 1280x720 frame pair on one
core: about 5-8 ms in the engine (AVX2), a fifth to a third of what it takes
to score the pair on one thread; about 30-100 ms in NumPy. The calibration measured
every frame of clips of up to 48 frames; a longer run is measured on 48 frames
spread evenly over the frames it scored (:func:`evidence_frames`), so the
evidence costs at most about 0.3 s at 720p whatever the length.

``score --check`` and ``compare`` gather the sums while the pair is scored, from
the frames as scored (:class:`EvidenceTap`, shown the pairs by
:func:`pyvmafneg.engines._scaffold.tapping_pairs`), where the frame count is known
before the run; elsewhere (``check`` given the videos, a run on FFmpeg)
:func:`measure_projection` reads the videos again, sparsely: the frames it does
not measure are decoded where the next ones need them, never converted, scaled
nor read into NumPy. Both give the same numbers.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._defaults import DEFAULT_SCALER
from ..engines._scaffold import tapping_pairs
from ..engines.native import _kernels as _native
from ..errors import FrameCountMismatchError, SizeMismatchError, VmafNegError
from ..io._frame import SKIPPED, as_frame
from ..io._prepare import check_offset, offset_counts, prepare_pair
from ..io._sources import VideoSource, open_video
from ._rule import MAX_FRAMES

__all__ = [
    "BANDS",
    "EDGE",
    "LEVELS",
    "MIN_SIDE",
    "TOP",
    "EvidenceTap",
    "Projection",
    "band_gains",
    "evidence_frames",
    "evidence_tap",
    "frame_sums",
    "gathering",
    "measure_projection",
    "planned_frames",
]

#: Number of band-pass levels (level 0 the finest); a level needs >= MIN_SIDE pixels a side.
LEVELS = 5
MIN_SIDE = 16
#: Shares of locations (top, by the reference band's local energy) pooled as
#: *structured* and as *edges*.
TOP = 0.25
EDGE = 0.05
#: The bands the verdict weighs: key -> (row of the sums, pooling, words).
#: Pooling ``e`` reads the edge columns, ``a`` every location.
BANDS: dict[str, tuple[int, str, str]] = {
    "proje0": (0, "e", "band 0 (the finest detail, at edges)"),
    "proje1": (1, "e", "band 1 (fine detail, at edges)"),
    "proj2": (2, "a", "band 2 (medium detail)"),
    "proj3": (3, "a", "band 3 (coarse detail)"),
    "projlow": (LEVELS, "a", "the low-pass residual (contrast of large areas)"),
}


def _blur(x: np.ndarray) -> np.ndarray:
    """Separable 5-tap binomial blur (1, 4, 6, 4, 1) / 16, edges repeated.

    Each pass is ``(a + e) + 4 (b + d) + 6 c`` in float32, evaluated in that order into
    reused buffers (the same numbers as the plain expression, fewer allocations).
    """
    p = np.pad(x, 2, mode="edge")
    h = np.add(p[:, :-4], p[:, 4:])
    t = np.add(p[:, 1:-3], p[:, 3:-1])
    t *= np.float32(4.0)
    h += t
    np.multiply(p[:, 2:-2], np.float32(6.0), out=t)
    h += t
    v = np.add(h[:-4], h[4:])
    u = np.add(h[1:-3], h[3:-1])
    u *= np.float32(4.0)
    v += u
    np.multiply(h[2:-2], np.float32(6.0), out=u)
    v += u
    v *= np.float32(1.0 / 256.0)
    return v


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    # einsum, not BLAS: a threaded BLAS dot is slower than this on a shared machine
    return float(np.einsum("i,i->", a, b))


def _bands(y: np.ndarray) -> list[np.ndarray]:
    """Band-pass levels 0..LEVELS-1 of a luma plane (float32), then the low-pass level."""
    out: list[np.ndarray] = []
    cur = y
    for _ in range(LEVELS):
        if min(cur.shape) < MIN_SIDE:
            break
        blur = _blur(cur)
        out.append(cur - blur)
        cur = blur[::2, ::2]
    out.append(cur)  # the low-pass level; _low_sums removes its mean
    return out


def _masks(rb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights 0/1 of the structured and edge locations of a reference band."""
    local = _blur(rb * rb)
    # quantiles of a subsample: the same thresholds at a fraction of the cost
    top, edge = np.quantile(local[::3, ::3], (1.0 - TOP, 1.0 - EDGE))
    return (local >= top).ravel(), (local >= edge).ravel()


def _low_sums(rlow: np.ndarray, dlow: np.ndarray) -> list[float]:
    """The low-pass row from the two low-pass levels: the sums of the residuals (each level
    minus its mean), repeated for the three poolings."""
    r64 = (rlow - rlow.mean()).astype(np.float64).ravel()
    d64 = (dlow - dlow.mean()).astype(np.float64).ravel()
    return [_dot(r64, r64), _dot(r64, d64), _dot(d64, d64)] * 3


def _frame_sums_numpy(ref: np.ndarray, dis: np.ndarray, depth: int) -> np.ndarray:
    """:func:`frame_sums` in NumPy: the reference the native engine's sums equal."""
    scale = np.float32(1.0 / float(1 << (depth - 8)))
    rbands = _bands(np.asarray(ref).astype(np.float32) * scale)
    dbands = _bands(np.asarray(dis).astype(np.float32) * scale)
    out = np.full((LEVELS + 1, 9), np.nan)
    for i, (rb, db) in enumerate(zip(rbands[:-1], dbands[:-1], strict=True)):
        r64, d64 = rb.astype(np.float64).ravel(), db.astype(np.float64).ravel()
        m, e = _masks(rb)
        rm, dm, re_, de = r64 * m, d64 * m, r64 * e, d64 * e
        out[i] = [
            _dot(a, b)
            for a, b in ((r64, r64), (r64, d64), (d64, d64), (rm, rm), (rm, dm), (dm, dm))
            + ((re_, re_), (re_, de), (de, de))
        ]
    out[LEVELS] = _low_sums(rbands[-1], dbands[-1])  # the low-pass residual goes last
    return out


def _native_fits(ref: object, dis: object, depth: int) -> bool:
    """Whether the native engine takes the pair: integer planes of the dtype ``depth`` needs,
    the same shape, at least one band-pass level."""
    if not (isinstance(ref, np.ndarray) and isinstance(dis, np.ndarray)):
        return False
    want = np.dtype(np.uint8) if depth == 8 else np.dtype(np.uint16)
    return (
        ref.ndim == 2
        and ref.shape == dis.shape
        and ref.dtype == want
        and dis.dtype == want
        and min(ref.shape) >= MIN_SIDE
        and _native.available()
    )


def frame_sums(ref: np.ndarray, dis: np.ndarray, depth: int) -> np.ndarray:
    """Sums of one frame pair, shape ``(LEVELS + 1, 9)``.

    Computed by the native engine when it is built and the planes are integer samples of
    the dtype ``depth`` needs (``uint8``, ``uint16``), else in NumPy: the same pyramid and
    masks bit for bit, the sums equal to about 1e-14 relative (added in another order).

    Parameters
    ----------
    ref, dis:
        Luma planes of the reference and the encode, same shape, integer
        samples of ``depth`` bits (scaled to 8-bit units here).
    depth:
        Bit depth of the samples (8-16).

    Returns
    -------
    numpy.ndarray
        Per band (rows 0..LEVELS-1 the band-pass levels, row LEVELS the
        low-pass residual; NaN rows for levels the frame is too small for),
        the sums ``(rr, rd, dd)`` over every location, then over the
        structured locations, then over the edges (the low-pass row repeats
        the sums over every location), in squared 8-bit units.
    """
    if not _native_fits(ref, dis, depth):
        return _frame_sums_numpy(ref, dis, depth)
    sums, _, rlow, dlow = _native.evidence_sums(
        ref, dis, depth, LEVELS, MIN_SIDE, (1.0 - TOP, 1.0 - EDGE)
    )
    out = np.full((LEVELS + 1, 9), np.nan)
    out[:LEVELS] = sums
    out[LEVELS] = _low_sums(rlow[::2, ::2], dlow[::2, ::2])
    return out


def band_gains(sums: np.ndarray) -> dict[str, float]:
    """The projection gain of each band of :data:`BANDS` from pooled sums (NaN where the
    reference has no energy in that band or the frames are too small for it)."""
    out: dict[str, float] = {}
    for key, (row, pooling, _) in BANDS.items():
        rr, rd = (sums[row, 6], sums[row, 7]) if pooling == "e" else (sums[row, 0], sums[row, 1])
        out[key] = float(rd / rr) if math.isfinite(rr) and rr > 0 else math.nan
    return out


@dataclass(frozen=True)
class Projection:
    """Pooled projection sums of a clip.

    Attributes
    ----------
    sums:
        :func:`frame_sums` summed over the frames, shape ``(LEVELS + 1, 9)``.
    frames:
        Frame pairs measured (summed).
    size:
        ``(width, height)`` of the frames as measured (scored), or None.
    pairs:
        Frame pairs read (measured or not), or None when not counted.
    """

    sums: np.ndarray
    frames: int
    size: tuple[int, int] | None = None
    pairs: int | None = None

    @property
    def gains(self) -> dict[str, float]:
        """:func:`band_gains` of the pooled sums."""
        return band_gains(self.sums)


def evidence_frames(scored: Sequence[int] | np.ndarray, most: int = MAX_FRAMES) -> list[int]:
    """The frames whose evidence is measured: every scored frame, or ``most`` spread evenly.

    Parameters
    ----------
    scored:
        Frame numbers a run scored (``Result.frames``), in order.
    most:
        At most this many (>= 1; default 48, the longest clip of the calibration).

    Returns
    -------
    list of int
        ``scored`` itself when it holds ``most`` frames or fewer; else ``most`` of them at
        evenly spaced positions, the first and the last included.
    """
    frames = [int(f) for f in scored]
    if most < 1:
        raise ValueError(f"most must be at least 1, got {most}")
    if len(frames) <= most:
        return frames
    picks = np.unique(np.round(np.linspace(0, len(frames) - 1, most)).astype(np.int64))
    return [frames[int(i)] for i in picks]


def planned_frames(pairs: int | None, subsample: int = 1) -> list[int] | None:
    """The frames :func:`evidence_frames` will pick of a run of ``pairs`` frame pairs that
    scores every ``subsample``-th, or None when the count is not known (or not >= 1)."""
    if pairs is None or pairs < 1 or subsample < 1:
        return None
    return evidence_frames(range(0, int(pairs), int(subsample)))


class EvidenceTap:
    """The frame evidence of a run gathered as it is scored, from the frames it scores.

    Shown the run's pairs (:func:`pyvmafneg.engines._scaffold.tapping_pairs`), it sums
    :func:`frame_sums` of the pairs ``only`` names, in order, as :func:`measure_projection`
    sums them: the same numbers, with no second reading of the clips. ``only`` is what
    :func:`evidence_frames` will pick of the run's scored frames (:func:`planned_frames`,
    from the frame count known before the run); :meth:`projection` checks that guess.

    Parameters
    ----------
    only:
        Indices of the pairs to measure (0-based, after the offset).
    """

    def __init__(self, only: Sequence[int]) -> None:
        self.only = [int(i) for i in only]
        self._wanted = set(self.only)
        self._last = max(self.only, default=-1)
        self._sums = np.zeros((LEVELS + 1, 9))
        self._measured = 0
        self._size: tuple[int, int] | None = None
        self._seen = 0
        self._broken = False

    def __call__(self, index: int, reference: Any, distorted: Any) -> None:
        """Take pair ``index`` of the run (pairs come in order, from 0, once)."""
        if self._broken:
            return
        if index != self._seen:  # another run, or pairs out of order: not this run's
            self._broken = True
            return
        self._seen += 1
        if index not in self._wanted:
            return
        try:
            rf, df = as_frame(reference), as_frame(distorted)
            sums = frame_sums(rf.luma, df.luma, rf.bitdepth) if rf.shape == df.shape else None
        except (VmafNegError, ValueError, TypeError):
            sums = None
        if sums is None:
            self._broken = True  # measured again from the videos, refused in their words
            return
        self._sums += sums
        self._measured += 1
        self._size = (rf.width, rf.height)

    def projection(self, scored: Sequence[int] | np.ndarray) -> Projection | None:
        """The evidence of the run whose scored frames are ``scored`` (``Result.frames``):
        what :func:`measure_projection` gives for them with ``only=evidence_frames(scored)``;
        None when this tap did not see those pairs (another count than planned, a run
        that fed no pairs in this thread)."""
        if (
            self._broken
            or not self.only
            or self._seen <= self._last
            or evidence_frames(scored) != self.only
        ):
            return None
        return Projection(self._sums.copy(), self._measured, self._size, pairs=self._last + 1)


def evidence_tap(
    reference: VideoSource,
    distorted: VideoSource,
    *,
    frames: int | None = None,
    offset: int = 0,
    subsample: int = 1,
) -> EvidenceTap | None:
    """An :class:`EvidenceTap` for a run of two opened videos (:func:`gathering`).

    ``frames``, ``offset`` and ``subsample`` are the run's (as :func:`pyvmafneg.score` takes
    them). None where the run's frame count cannot be known before it (the recorded counts,
    or the encode's packets counted for a container that records none) or an input is
    interlaced (its frame evidence is not gathered).
    """
    if {reference.field_order, distorted.field_order} & {"tff", "bff"}:
        return None
    pairs = frames
    if pairs is None:
        try:
            counts = offset_counts(offset or 0, reference.frame_count, distorted.frame_count)
        except VmafNegError:
            return None  # the run refuses the offset, in its own words
        pairs = counts[0] if counts[0] is not None else counts[1]
    if pairs is None:  # Matroska, WebM ... record no count: count packets, not frames decoded
        pairs = distorted.count_frames()
        if pairs is not None and offset and offset > 0:
            pairs -= offset
    only = planned_frames(pairs, subsample or 1)
    return None if only is None else EvidenceTap(only)


def gathering(tap: EvidenceTap | None) -> AbstractContextManager[Any]:
    """Show ``tap`` the pairs that runs on this thread score, within the block (nothing for
    None); see :func:`pyvmafneg.engines._scaffold.tapping_pairs`."""
    return nullcontext() if tap is None else tapping_pairs(tap)


def _sparse(clip: Iterable[Any], wanted: set[int], dropped: int) -> Iterable[Any]:
    """``clip`` with :data:`~pyvmafneg.io._frame.SKIPPED` in place of the frames whose pair
    (after the first ``dropped`` frames, which the offset drops) is not ``wanted``. The
    first pair's frame is kept: pairing reads it to learn the clip's size and depth."""

    def keep(i: int) -> bool:
        return i == dropped or i - dropped in wanted

    if isinstance(clip, VideoSource):
        return clip.frames_where(keep)
    return (f if keep(i) else SKIPPED for i, f in enumerate(clip))


def measure_projection(
    reference: Any,
    distorted: Any,
    *,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | str | None = None,
    offset: int = 0,
    frames: int | None = None,
    convert_bitdepth: int | None = None,
    only: Sequence[int] | None = None,
) -> Projection:
    """Pool :func:`frame_sums` over a pair of clips, paired as :func:`pyvmafneg.score` pairs them.

    Parameters
    ----------
    reference, distorted:
        Paths or opened videos (:func:`pyvmafneg.open_video`), or iterables of frames.
    scale, size, offset, convert_bitdepth:
        As :func:`pyvmafneg.score` takes them (a rung is scaled back with ``scale``).
    frames:
        Read the first ``frames`` pairs only (None: every pair, or up to the last of
        ``only``).
    only:
        Measure only the pairs of these indices (0-based, after ``offset``), e.g. the
        frames a subsampled run scored (:func:`evidence_frames`). The other frames are
        read sparsely (:meth:`~pyvmafneg.io.VideoSource.frames_where`): decoded where
        the next ones need them, never converted, scaled nor read into NumPy (but for the
        first pair's, read to learn the clips' size).

    Raises
    ------
    FrameCountMismatchError
        When the clips hold different numbers of frames (within ``frames``).
    SizeMismatchError
        When the sizes differ and ``scale`` is None.
    """

    def opened(clip: Any) -> Any:
        return open_video(clip) if isinstance(clip, (str, os.PathLike)) else clip

    ref_clip, dis_clip = opened(reference), opened(distorted)
    wanted = None if only is None else {int(i) for i in only}
    if wanted is not None:
        # frames not measured are read sparsely: never converted, scaled nor put in NumPy
        shift = check_offset(offset)
        ref_clip = _sparse(ref_clip, wanted, max(0, -shift))
        dis_clip = _sparse(dis_clip, wanted, max(0, shift))
    pair = prepare_pair(
        ref_clip,
        dis_clip,
        scale=scale,
        size=size,
        offset=offset,
        convert_bitdepth=convert_bitdepth,
    )
    end = object()
    ref_it: Iterable[Any] = pair.reference
    dis_it: Iterable[Any] = pair.distorted
    pairs: Iterable[tuple[Any, Any]] = itertools.zip_longest(ref_it, dis_it, fillvalue=end)
    if wanted is not None:
        last = max(wanted, default=-1) + 1
        frames = last if frames is None else int(frames)
    if frames is not None:
        pairs = itertools.islice(pairs, int(frames))
    total = np.zeros((LEVELS + 1, 9))
    counts = [0, 0]
    shape: tuple[int, int] | None = None
    measured = 0
    for index, (r, d) in enumerate(pairs):
        counts = [counts[0] + (r is not end), counts[1] + (d is not end)]
        if r is end or d is end or (wanted is not None and index not in wanted):
            continue  # frames read sparsely (SKIPPED) are never wanted
        measured += 1
        rf, df = as_frame(r), as_frame(d)
        if rf.shape != df.shape:
            raise SizeMismatchError(
                f"the frames differ in size ({rf.width}x{rf.height} and {df.width}x{df.height}); "
                "give a scaler to pair them",
                reference_size=(rf.width, rf.height),
                distorted_size=(df.width, df.height),
            )
        shape = (rf.width, rf.height)
        total += frame_sums(rf.luma, df.luma, rf.bitdepth)
    if counts[0] != counts[1] or counts[0] == 0:
        raise FrameCountMismatchError(
            f"the reference holds {counts[0]} frames and the distorted clip {counts[1]}; the "
            "projection gain pairs them frame by frame",
            reference_frames=counts[0],
            distorted_frames=counts[1],
            common=min(counts),
        )
    return Projection(total, measured, shape, pairs=counts[0])
