"""Integer motion (libvmaf 3.2.0 ``motion`` extractor): ``motion2`` in NumPy.

Motion looks at the **reference** frames only.  For each frame i >= 1 the
difference D = prev - cur of consecutive luma planes is blurred with the
5-tap Q16 filter (3571 16004 26386 16004 3571, mirrored at the borders):

* vertical:   y = (sum F * D + 2**(b-1)) >> b        (b = bit depth)
* horizontal: v = (sum F * y + 2**15) >> 16

and sad_i = sum |v| / 256 / (w * h), in units of 8-bit luma levels per
pixel (clamped to 10000; motion_fps_weight is 1).  Then

* motion2_0 = 0,
* motion2_i = min(sad_i, sad_{i+1}) for 1 <= i <= N-2,
* motion2_{N-1} = sad_{N-1},

so the last value is known only at flush, exactly as in libvmaf.  Versions of
libvmaf before 3.2.0 blurred each frame separately and differ by ~1e-5.

libvmaf's log carries two more motion features, both reproduced here
(:class:`Motion`, :func:`motion_scores`):

* ``VMAF_integer_feature_motion_sad_score``: the SAD itself, per frame
  (sad_0 = 0);
* ``integer_motion3``: ``min(blend(motion2_i), 10000)`` with
  blend(m) = m * f + (1 - f) * min(offset, m), v0.6.1's defaults f = 1.0 and
  offset = 40 (so motion3_i = motion2_i for i >= 1), and no moving average.
  Frame 0 comes before the first SAD and takes the value blended from
  sad_1 (not motion2_1); a one-frame clip gets 0.

The filtering runs in float64 through :func:`scipy.ndimage.correlate1d`; every
partial sum is an integer of magnitude below 2**33, so it is exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import numpy as np
from numpy.typing import NDArray

from ...errors import FrameError, ScorerStateError
from .._motion import MOTION_MAX_VAL, MotionChain, MotionScores
from .._planes import check_bitdepth, check_plane
from ._vif import correlate1d

__all__ = [
    "Motion",
    "Motion2",
    "MotionScores",
    "motion2_scores",
    "motion_sad",
    "motion_scores",
]

#: Smallest frame side the mirrored 5-tap filter supports.
MIN_SIDE: Final[int] = 3

_FILTER: Final[NDArray[np.float64]] = np.array([3571, 16004, 26386, 16004, 3571], dtype=np.float64)


def motion_sad(
    prev: NDArray[np.unsignedinteger], cur: NDArray[np.unsignedinteger], bitdepth: int
) -> float:
    """Blurred mean absolute difference of two reference luma planes.

    This is libvmaf's per-frame ``motion`` SAD between frame i-1 (``prev``)
    and frame i (``cur``).  Inputs are validated like :func:`motion2_scores`.

    Returns:
        The SAD in 8-bit luma levels per pixel, >= 0 (clamped to 10000).
    """
    b = check_bitdepth(bitdepth)
    p = check_plane(prev, b, name="prev", min_side=MIN_SIDE)
    c = check_plane(cur, b, name="cur", min_side=MIN_SIDE)
    if p.shape != c.shape:
        raise FrameError(f"prev and cur must have the same shape, got {p.shape} and {c.shape}")
    return _sad(p, c, b)


def _sad(prev: NDArray[np.unsignedinteger], cur: NDArray[np.unsignedinteger], b: int) -> float:
    diff = prev.astype(np.float64)
    diff -= cur
    y = correlate1d(diff, _FILTER, axis=0, mode="mirror")
    y += float(1 << (b - 1))
    y *= 2.0**-b
    np.floor(y, out=y)  # arithmetic shift: floors negative values too
    v = correlate1d(y, _FILTER, axis=1, mode="mirror")
    v += 32768.0
    v *= 2.0**-16
    np.floor(v, out=v)
    total = int(np.abs(v).sum())  # integers: the float64 sum is exact (< 2**53)
    h, w = prev.shape
    return min(total / 256.0 / (w * h), MOTION_MAX_VAL)


class Motion:
    """Streaming motion features (SAD, ``motion2``, ``motion3``) of reference luma planes.

    Like :class:`Motion2`, but every frame's :class:`MotionScores` becomes
    final when the next frame arrives (frame 0 included, because its motion3
    needs the first SAD) and the last at :meth:`flush`. Memory stays
    constant: one previous plane and one SAD.

    Example::

        m = Motion(bitdepth=8)
        scores = []
        for plane in reference_lumas:
            scores += [s for _, s in m.push(plane)]
        scores += [s for _, s in m.flush()]
    """

    def __init__(self, bitdepth: int) -> None:
        """Start a stream of ``bitdepth``-bit planes (8..16)."""
        self._bitdepth = check_bitdepth(bitdepth)
        self._prev: NDArray[np.unsignedinteger] | None = None
        self._chain = MotionChain()
        self._flushed = False

    @property
    def bitdepth(self) -> int:
        """Bit depth of the planes this stream accepts."""
        return self._bitdepth

    @property
    def frames_pushed(self) -> int:
        """Number of planes pushed so far."""
        return self._chain.count

    def push(self, ref: NDArray[np.unsignedinteger]) -> list[tuple[int, MotionScores]]:
        """Add the next reference luma plane.

        Args:
            ref: 2-D plane, ``uint8`` for 8-bit or ``uint16`` otherwise, same
                shape as earlier planes, both sides >= 3.

        Returns:
            Newly final ``(index, MotionScores)`` pairs: none for frame 0,
            then the previous frame's.

        Raises:
            ValueError: on a bad plane or a shape change.
            RuntimeError: if the stream was already flushed.
        """
        if self._flushed:
            raise ScorerStateError("Motion stream already flushed; start a new one")
        plane = check_plane(ref, self._bitdepth, name="ref", min_side=MIN_SIDE)
        index = self._chain.count
        if self._prev is not None and plane.shape != self._prev.shape:
            raise FrameError(
                f"frame {index} has shape {plane.shape}, but the stream started "
                f"with {self._prev.shape}"
            )
        sad = None if self._prev is None else _sad(self._prev, plane, self._bitdepth)
        out = self._chain.push(sad)
        # Keep a private copy: callers may reuse their buffer.
        self._prev = np.array(plane, copy=True)
        return out

    def flush(self) -> list[tuple[int, MotionScores]]:
        """Finish the stream and return the last frame's scores (if any).

        A one-frame clip gets all zeros. Calling flush twice returns an empty
        list.
        """
        if self._flushed:
            return []
        self._flushed = True
        self._prev = None
        return self._chain.flush()


def motion_scores(refs: Iterable[NDArray[np.unsignedinteger]], bitdepth: int) -> list[MotionScores]:
    """SAD, ``motion2`` and ``motion3`` for every frame of a sequence of reference planes.

    Args:
        refs: Reference luma planes in display order (any iterable; consumed
            once, holding at most two planes at a time).
        bitdepth: Sample bit depth, 8..16; planes are ``uint8`` (8-bit) or
            ``uint16``.

    Returns:
        One :class:`MotionScores` per frame; libvmaf's doubles.
    """
    stream = Motion(bitdepth)
    scores: list[MotionScores] = []
    for plane in refs:
        scores.extend(s for _, s in stream.push(plane))
    scores.extend(s for _, s in stream.flush())
    return scores


class Motion2:
    """Streaming ``motion2``: feed reference luma planes one at a time.

    Memory stays constant: only the previous plane and the previous SAD are
    kept.  Each :meth:`push` returns the ``(frame_index, motion2)`` pairs that
    became final with that frame (frame 0 at once, frame i-1 when frame i
    arrives); :meth:`flush` returns the last frame's value.  Values are
    libvmaf's ``integer_motion2`` doubles.

    Example::

        m = Motion2(bitdepth=8)
        scores = []
        for plane in reference_lumas:
            scores += [s for _, s in m.push(plane)]
        scores += [s for _, s in m.flush()]
    """

    def __init__(self, bitdepth: int) -> None:
        """Start a stream of ``bitdepth``-bit planes (8..16)."""
        self._stream = Motion(bitdepth)

    @property
    def bitdepth(self) -> int:
        """Bit depth of the planes this stream accepts."""
        return self._stream.bitdepth

    @property
    def frames_pushed(self) -> int:
        """Number of planes pushed so far."""
        return self._stream.frames_pushed

    def push(self, ref: NDArray[np.unsignedinteger]) -> list[tuple[int, float]]:
        """Add the next reference luma plane.

        Args:
            ref: 2-D plane, ``uint8`` for 8-bit or ``uint16`` otherwise, same
                shape as earlier planes, both sides >= 3.

        Returns:
            Newly final ``(index, motion2)`` pairs (zero or one of them).

        Raises:
            ValueError: on a bad plane or a shape change.
            RuntimeError: if the stream was already flushed.
        """
        done = self._stream.push(ref)
        if self._stream.frames_pushed == 1:
            return [(0, 0.0)]  # frame 0's motion2 is 0 whatever follows
        return [(i, s.motion2) for i, s in done if i > 0]

    def flush(self) -> list[tuple[int, float]]:
        """Finish the stream and return the last frame's ``motion2`` (if any).

        With a single frame nothing remains (its value, 0, came from
        :meth:`push`).  Calling flush twice returns an empty list.
        """
        return [(i, s.motion2) for i, s in self._stream.flush() if i > 0]


def motion2_scores(refs: Iterable[NDArray[np.unsignedinteger]], bitdepth: int) -> list[float]:
    """``motion2`` for every frame of a sequence of reference luma planes.

    Args:
        refs: Reference luma planes in display order (any iterable; consumed
            once, holding at most two planes at a time).
        bitdepth: Sample bit depth, 8..16; planes are ``uint8`` (8-bit) or
            ``uint16``.

    Returns:
        One float per frame, in 8-bit luma levels per pixel; the first is 0.
    """
    stream = Motion2(bitdepth)
    scores: list[float] = []
    for plane in refs:
        scores.extend(s for _, s in stream.push(plane))
    scores.extend(s for _, s in stream.flush())
    return scores
