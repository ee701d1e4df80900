"""The calibrated rule: a gap beyond what honest encodes of the same quality show.

Honest encodes do not all have small gaps: at low rates, and on upscaled
ladder rungs, default VMAF and VMAF-NEG part by several points without any
enhancement, because the SVM's slope is steep where the features are low.
The rule therefore compares the pooled gap (recomputed unclipped from the
features where the run has them) with the *honest envelope*: the largest
gap honest encodes of the calibration showed at the same NEG level or a
higher one, plus a margin. It flags a gap above that, and says by how much.

The envelope, the margin and the operating range (the NEG levels, frame
counts, frame sizes and model family the calibration covers) are measured by
``bench/calibration/calibrate.py`` on sources the rule was fitted on, and
reported on sources it never saw (``docs/calibration.md``). Outside the range
the rule does not guess: the verdict is ``uncalibrated`` with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ENVELOPE",
    "MARGIN",
    "MAX_PIXELS",
    "MIN_FRAMES",
    "MIN_NEG",
    "MIN_PIXELS",
    "Assessment",
    "assess",
    "honest_envelope",
]

#: The honest envelope: (pooled NEG level, largest honest pooled gap) knots, in
#: VMAF points, measured on the fitting sources; linear between knots, flat
#: beyond the last. MARGIN: points above the envelope before the rule flags.
#: MIN_NEG: pooled NEG level below which the rule is not applied. MIN_FRAMES:
#: fewest frames of a calibrated clip. Written by ``bench/calibration/calibrate.py
#: --write-rule``; do not edit by hand.
# -- calibrated: begin
ENVELOPE: tuple[tuple[float, float], ...] = (
    (30, 3.686),
    (40, 3.686),
    (50, 3.686),
    (60, 3.686),
    (70, 3.641),
    (80, 3.641),
    (90, 3.427),
    (100, 3.171),
)
MARGIN = 0.5
MIN_NEG = 30
MIN_FRAMES = 24
# -- calibrated: end
#: Smallest and largest frame sizes the calibration covers, in pixels.
MIN_PIXELS = 176 * 144
MAX_PIXELS = 1920 * 1080
#: The model family the calibration covers.
FAMILY = "vmaf_v0.6.1"


@dataclass(frozen=True)
class Assessment:
    """The calibrated rule applied to one clip.

    Attributes
    ----------
    gap:
        The pooled gap tested (points).
    neg_level:
        The pooled NEG score it is compared at (points, unclipped when
        recomputed from the features).
    envelope:
        The largest gap honest encodes showed at that level (points).
    margin:
        Points above the envelope before the rule flags.
    excess:
        ``gap - envelope`` (points; positive means beyond every honest encode).
    outside:
        Why the clip lies outside the calibrated range (empty when inside).
    """

    gap: float
    neg_level: float
    envelope: float
    margin: float
    outside: tuple[str, ...] = ()

    @property
    def excess(self) -> float:
        return self.gap - self.envelope

    @property
    def threshold(self) -> float:
        """The gap above which the rule flags at this level (points)."""
        return self.envelope + self.margin

    @property
    def calibrated(self) -> bool:
        return not self.outside

    @property
    def fired(self) -> bool:
        """True when the clip is inside the range and its gap is above the threshold."""
        return self.calibrated and self.gap > self.threshold


def honest_envelope(neg_level: float) -> float:
    """The largest pooled gap honest encodes showed at ``neg_level`` (points)."""
    xs = np.array([k[0] for k in ENVELOPE])
    ys = np.array([k[1] for k in ENVELOPE])
    return float(np.interp(neg_level, xs, ys))


def assess(
    *,
    gap: float,
    neg_level: float,
    frames: int,
    family: str | None,
    size: tuple[int, int] | None = None,
    frame_gaps: np.ndarray | None = None,
) -> Assessment:
    """Apply the calibrated rule; say where the clip lies outside the calibrated range."""
    outside: list[str] = []
    if not math.isfinite(neg_level) or neg_level < MIN_NEG:
        outside.append(
            f"pooled NEG is {neg_level:.1f}, below {MIN_NEG:.0f}, the lowest quality level the "
            "calibration covers"
        )
    if frames < MIN_FRAMES:
        outside.append(
            f"the clip has {frames} frames; the calibration covers clips of {MIN_FRAMES} frames "
            "or more (a short clip's pooled gap varies more)"
        )
    if family is None:
        outside.append(
            "the default model could not be identified as vmaf_v0.6.1 from the logged "
            "features; the calibration covers that model and its NEG twin"
        )
    elif family != FAMILY:
        outside.append(f"the model is {family}; the calibration covers {FAMILY} only")
    if size is not None:
        w, h = size
        if w * h < MIN_PIXELS or w * h > MAX_PIXELS:
            outside.append(f"the frames are {w}x{h}; the calibration covers 176x144 to 1920x1080")
    return Assessment(
        gap=float(gap),
        neg_level=float(neg_level),
        envelope=honest_envelope(neg_level),
        margin=MARGIN,
        outside=tuple(outside),
    )
