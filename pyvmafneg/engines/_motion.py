"""libvmaf's motion chain: per-frame SADs to ``motion2`` and ``motion3``, for every engine.

The SAD of frame i (the blurred mean absolute difference between reference
frames i-1 and i, in 8-bit luma levels per pixel) is computed by each engine
its own way (the NumPy reference, the native C kernels). What libvmaf 3.2.0
makes of the SADs is the same for all of them and lives here
(docs/internals.md, "Motion"):

* ``motion2_0 = 0``, ``motion2_i = min(sad_i, sad_{i+1})`` for 1 <= i <= N-2,
  ``motion2_{N-1} = sad_{N-1}``, so a frame is final when the next one arrives
  and the last at the end of the clip;
* ``motion3_i = min(blend(motion2_i), MOTION_MAX_VAL)``, except frame 0,
  which takes the blend of ``sad_1``; a one-frame clip gets 0 everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "MOTION_BLEND_FACTOR",
    "MOTION_BLEND_OFFSET",
    "MOTION_MAX_VAL",
    "MotionChain",
    "MotionScores",
    "motion3",
    "motion_blend",
]

#: libvmaf's default ``motion_max_val`` (the clamp applied to each SAD and to motion3).
MOTION_MAX_VAL: Final[float] = 10000.0
#: libvmaf's default ``motion_blend_factor`` (v0.6.1 sets none of the motion options).
MOTION_BLEND_FACTOR: Final[float] = 1.0
#: libvmaf's default ``motion_blend_offset``.
MOTION_BLEND_OFFSET: Final[float] = 40.0


def motion_blend(
    score: float, factor: float = MOTION_BLEND_FACTOR, offset: float = MOTION_BLEND_OFFSET
) -> float:
    """libvmaf's motion3 blend, ``score * factor + (1 - factor) * min(offset, score)``.

    With the default factor 1.0 it returns ``score`` unchanged (as a double,
    exactly); smaller factors compress motion above ``offset``.
    """
    return score * factor + (1.0 - factor) * min(offset, score)


def motion3(score: float) -> float:
    """``motion3`` of a motion2 value (or of ``sad_1`` for frame 0): blended, then clamped."""
    return min(motion_blend(score), MOTION_MAX_VAL)


@dataclass(frozen=True)
class MotionScores:
    """libvmaf's motion features of one frame, in 8-bit luma levels per pixel.

    Attributes
    ----------
    sad:
        ``VMAF_integer_feature_motion_sad_score``: the blurred SAD against the
        previous reference frame (0 for frame 0).
    motion2:
        ``integer_motion2``: the smaller of this frame's and the next frame's SAD.
    motion3:
        ``integer_motion3``: ``motion2`` blended and clamped with v0.6.1's
        defaults (equal to ``motion2`` from frame 1 on; frame 0 takes the
        blended SAD of frame 1).
    """

    sad: float
    motion2: float
    motion3: float


class MotionChain:
    """Frames' :class:`MotionScores` from their SADs, in order, as libvmaf finalizes them.

    :meth:`push` takes frame i's SAD (None for frame 0, which has no previous
    frame) and returns the frames that became final with it: none for frame
    0, then frame i-1. :meth:`flush` returns the last frame's. Constant
    memory: one count and one SAD.
    """

    def __init__(self) -> None:
        self.count = 0
        self.prev_sad = 0.0

    def push(self, sad: float | None) -> list[tuple[int, MotionScores]]:
        """Add the next frame's SAD (None for frame 0); returns newly final ``(index, scores)``."""
        index = self.count
        self.count += 1
        if index == 0:
            return []
        if sad is None:
            raise ValueError(f"frame {index} needs its SAD; only frame 0 has none")
        if index == 1:
            out = [(0, MotionScores(0.0, 0.0, motion3(sad)))]
        else:
            m2 = min(self.prev_sad, sad)
            out = [(index - 1, MotionScores(self.prev_sad, m2, motion3(m2)))]
        self.prev_sad = sad
        return out

    def flush(self) -> list[tuple[int, MotionScores]]:
        """The last frame's ``(index, scores)``, if any frame was pushed."""
        if self.count == 1:
            return [(0, MotionScores(0.0, 0.0, 0.0))]
        if self.count >= 2:
            last = self.prev_sad
            return [(self.count - 1, MotionScores(last, last, motion3(last)))]
        return []
