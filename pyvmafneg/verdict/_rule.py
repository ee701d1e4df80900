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
    "BAND_ENVELOPES",
    "BAND_MARGINS",
    "ENVELOPE",
    "MARGIN",
    "MAX_PIXELS",
    "MIN_FRAMES",
    "MIN_NEG",
    "MIN_PIXELS",
    "Assessment",
    "BandAssessment",
    "assess",
    "assess_bands",
    "honest_envelope",
]

#: The honest envelope: (pooled NEG level, largest honest pooled gap) knots, in
#: VMAF points, measured on the fitting sources; linear between knots, flat
#: beyond the last. MARGIN: points above the envelope before the rule flags.
#: MIN_NEG: pooled NEG level below which the rule is not applied. MIN_FRAMES:
#: fewest frames of a calibrated clip. BAND_ENVELOPES: per band of the
#: projection gain (:mod:`pyvmafneg.verdict._projection`), (pooled NEG level,
#: largest honest gain) knots measured on the fitting sources, non-decreasing
#: in NEG, linear between knots; BAND_MARGINS: the gain above a band's envelope
#: from which the band flags on its own. Written by
#: ``bench/calibration/calibrate.py --write-rule``; do not edit by hand.
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
BAND_ENVELOPES: dict[str, tuple[tuple[float, float], ...]] = {
    "proje0": (
        (0, 0.033),
        (10, 0.238),
        (20, 0.310),
        (30, 0.490),
        (40, 0.490),
        (50, 0.578),
        (60, 0.811),
        (70, 0.865),
        (80, 0.888),
        (90, 1.001),
        (100, 1.001),
    ),
    "proje1": (
        (0, 0.206),
        (10, 0.581),
        (20, 0.715),
        (30, 0.817),
        (40, 0.817),
        (50, 0.887),
        (60, 0.948),
        (70, 0.974),
        (80, 0.991),
        (90, 1.010),
        (100, 1.010),
    ),
    "proj2": (
        (0, 0.542),
        (10, 0.787),
        (20, 0.876),
        (30, 0.904),
        (40, 0.934),
        (50, 0.970),
        (60, 0.970),
        (70, 1.000),
        (80, 1.005),
        (90, 1.006),
        (100, 1.006),
    ),
    "proj3": (
        (0, 0.754),
        (10, 0.928),
        (20, 0.961),
        (30, 0.965),
        (40, 0.977),
        (50, 0.998),
        (60, 0.998),
        (70, 1.003),
        (80, 1.003),
        (90, 1.004),
        (100, 1.004),
    ),
    "projlow": (
        (0, 0.977),
        (10, 0.991),
        (20, 0.995),
        (30, 0.995),
        (40, 0.998),
        (50, 1.012),
        (60, 1.012),
        (70, 1.012),
        (80, 1.012),
        (90, 1.012),
        (100, 1.012),
    ),
}
BAND_MARGINS: dict[str, float] = {
    "proje0": 0.04,
    "proje1": 0.02,
    "proj2": 0.08,
    "proj3": 0.08,
    "projlow": 0.02,
}
# -- calibrated: end
#: Most frames of a clip of the calibration (the range of the frame evidence is stated with it).
MAX_FRAMES = 48
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
    below_min_neg:
        True when the pooled NEG level is below :data:`MIN_NEG` (one of the
        ``outside`` reasons).
    """

    gap: float
    neg_level: float
    envelope: float
    margin: float
    outside: tuple[str, ...] = ()
    below_min_neg: bool = False

    @property
    def bands_apply(self) -> bool:
        """Whether the frame evidence's envelopes cover the clip: the range of the gap rule
        without its lower end of NEG (the band envelopes were fitted at every level)."""
        return math.isfinite(self.neg_level) and len(self.outside) == int(self.below_min_neg)

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
    below = not math.isfinite(neg_level) or neg_level < MIN_NEG
    if below:
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
        below_min_neg=below,
    )


@dataclass(frozen=True)
class BandGain:
    """One band's projection gain against its honest envelope.

    Attributes
    ----------
    key:
        The band (:data:`pyvmafneg.verdict._projection.BANDS`).
    gain:
        The pooled projection gain (1 keeps the reference's detail as it is).
    envelope:
        The largest gain honest encodes of the calibration kept at the clip's
        NEG level.
    margin:
        Gain above the envelope from which the band flags on its own.
    """

    key: str
    gain: float
    envelope: float
    margin: float

    @property
    def excess(self) -> float:
        """``gain - envelope`` (positive: more than every honest encode kept)."""
        return self.gain - self.envelope

    @property
    def above_envelope(self) -> bool:
        return math.isfinite(self.gain) and self.gain > self.envelope

    @property
    def fired(self) -> bool:
        """Above the envelope by more than the margin."""
        return math.isfinite(self.gain) and self.gain > self.envelope + self.margin


@dataclass(frozen=True)
class BandAssessment:
    """The projection gains of a clip against their honest envelopes.

    Attributes
    ----------
    bands:
        One :class:`BandGain` per band the frames were large enough for.
    neg_level:
        The pooled NEG level the envelopes were read at (points).
    frames:
        Frame pairs measured.
    """

    bands: tuple[BandGain, ...]
    neg_level: float
    frames: int

    @property
    def fired(self) -> tuple[BandGain, ...]:
        """Bands above their envelope by more than the margin."""
        return tuple(b for b in self.bands if b.fired)

    @property
    def above_envelope(self) -> tuple[BandGain, ...]:
        """Bands above their envelope (margin 0)."""
        return tuple(b for b in self.bands if b.above_envelope)

    @property
    def closest(self) -> BandGain | None:
        """The band closest to (or furthest above) its envelope."""
        finite = [b for b in self.bands if math.isfinite(b.gain)]
        return max(finite, key=lambda b: b.excess) if finite else None


def assess_bands(gains: dict[str, float], neg_level: float, frames: int) -> BandAssessment:
    """Compare each band's gain with its honest envelope at ``neg_level`` (no lower end of NEG:
    the envelopes were fitted at every quality level)."""
    out = []
    for key, knots in BAND_ENVELOPES.items():
        gain = float(gains.get(key, math.nan))
        env = float(np.interp(neg_level, [k[0] for k in knots], [k[1] for k in knots]))
        out.append(BandGain(key, gain, env, float(BAND_MARGINS[key])))
    return BandAssessment(tuple(out), float(neg_level), int(frames))
