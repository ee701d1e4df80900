"""The check's report: the evidence that fired and the graded verdict, as text and JSON.

:class:`Evidence` is one measured fact that fired; :class:`CheckReport` holds the
pooled scores, the gap, the ceilings, the credit, the evidence and the grade.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .._defaults import DEFAULT_BORDERLINE
from .._outputs import finite_or_none, json_text
from ..results._intervals import Interval
from ..results._result import Pooled
from ._credit import Credit
from ._projection import BANDS
from ._rule import MAX_FRAMES, MIN_FRAMES, Assessment, BandAssessment

__all__ = [
    "DEFAULT_CEILING_MARGIN",
    "DEFAULT_FRAME_THRESHOLD",
    "EXIT_CLEAN",
    "EXIT_FLAGGED",
    "CheckReport",
    "Evidence",
]

#: Per-frame gap above which frames are borderline, in VMAF points (calibrated:
#: the largest honest frame of the suite was 4.74).
DEFAULT_FRAME_THRESHOLD = 5.0
#: Points a frame may sit above its own ceiling before it is flagged: libvmaf's
#: fixed-point VIF and ADM of a frame against itself sit within ~1e-5 of 1, a
#: few thousandths of a point.
DEFAULT_CEILING_MARGIN = 0.05
#: Exit code when nothing is flagged.
EXIT_CLEAN = 0
#: Exit code when at least one flag is raised.
EXIT_FLAGGED = 1
#: Most frame numbers listed in one piece of evidence.
_MAX_FRAMES = 50

Level = Literal["flag", "borderline"]


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence that fired.

    Attributes
    ----------
    code:
        ``excess``, ``gap``, ``above_ceiling``, ``detail_gain``, ``neg_floor``,
        ``excess_unconfirmed``, ``gap_near``, ``frame_gap`` or ``residual_gain``.
    level:
        ``'flag'`` (makes the verdict ``flagged``) or ``'borderline'``.
    message:
        A sentence for people.
    numbers:
        The figures behind it (points unless the key says otherwise).
    frames:
        Frame numbers involved (at most 50, worst first), empty when the
        evidence is about the whole clip.
    """

    code: str
    level: Level
    message: str
    numbers: Mapping[str, float | int | str | None] = field(default_factory=dict)
    frames: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain ``dict`` (JSON-ready)."""
        return {
            "code": self.code,
            "level": self.level,
            "message": self.message,
            "numbers": {k: _r(v) if isinstance(v, float) else v for k, v in self.numbers.items()},
            "frames": list(self.frames),
        }


@dataclass
class CheckReport:
    """Outcome of :func:`check`.

    Attributes
    ----------
    default_model, neg_model:
        Names of the two models compared.
    frames:
        Frame numbers scored.
    default, neg:
        Pooled statistics of each model (mean, harmonic mean, min, 1st/5th
        percentile ...), in VMAF points, of the scores as given.
    gap:
        Per-frame gap of the scores as given, default minus NEG (points).
    default_scores, neg_scores:
        Per-frame scores of each model (points), aligned with ``frames``.
    overall_gap:
        Mean default minus mean NEG of the scores as given (points).
    tested_gap:
        The pooled gap the ``gap`` rule tested: recomputed unclipped from the
        features when possible (``credit``), else ``overall_gap``.
    threshold:
        The plain gap rule's threshold (points), or None when the calibrated
        rule was applied (``rule``).
    borderline, frame_threshold, floor:
        The limits applied (``floor`` None when not given).
    strict:
        Whether a borderline verdict exits 1.
    clipped:
        True when scores were clipped at 100, False when not, None unknown.
    frames_above_100:
        Frame numbers whose default score exceeds 100; information only:
        honest near-transparent encodes get there when the frame's own
        ceiling is above 100.
    ceiling:
        Per-frame ceiling of the default model (points, clipped like the
        scores), or None when it cannot be computed (``ceiling_note`` says why).
    ceiling_excess:
        Default score minus ceiling per frame (points; None without a ceiling).
    frames_above_ceiling:
        Frame numbers more than ``ceiling_margin`` points above their ceiling.
    ceiling_model, ceiling_margin, ceiling_note:
        The model file the ceiling came from, the margin applied, and why
        there is no ceiling (empty when there is one).
    credit:
        Where the credit comes from (per-frame unclipped gap, the parts ADM
        and VIF carry, feature differences, cap shares), or None when the
        run lacks the features.
    evidence:
        Every piece of evidence that fired, flags first.
    notes:
        Remarks that are not evidence (e.g. clipping, frames above 100).
    sources:
        Where the numbers came from (log paths or the scored files).
    rule:
        The calibrated rule's assessment (honest envelope at the clip's NEG
        level, margin, excess, and why the clip lies outside the calibrated
        range), or None under the plain gap rule.
    bands:
        The frame evidence: each band's projection gain against its honest
        envelope, or None when the videos were not given (logs alone), under
        the plain rule, or outside the range the envelopes cover.
    """

    default_model: str
    neg_model: str
    frames: np.ndarray
    default: Pooled
    neg: Pooled
    gap: np.ndarray
    overall_gap: float
    threshold: float | None
    floor: float | None
    clipped: bool | None
    frames_above_100: np.ndarray
    default_scores: np.ndarray = field(default_factory=lambda: np.empty(0))
    neg_scores: np.ndarray = field(default_factory=lambda: np.empty(0))
    tested_gap: float = math.nan
    borderline: float = DEFAULT_BORDERLINE
    frame_threshold: float = DEFAULT_FRAME_THRESHOLD
    strict: bool = False
    ceiling: np.ndarray | None = None
    ceiling_excess: np.ndarray | None = None
    frames_above_ceiling: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    ceiling_model: str = ""
    ceiling_margin: float = DEFAULT_CEILING_MARGIN
    ceiling_note: str = ""
    credit: Credit | None = None
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    rule: Assessment | None = None
    plain_rule: bool = False
    intervals: dict[str, Interval] = field(default_factory=dict)
    bands: BandAssessment | None = None

    @property
    def flags(self) -> list[Evidence]:
        """The evidence at flag level."""
        return [e for e in self.evidence if e.level == "flag"]

    @property
    def flagged(self) -> bool:
        """True when at least one flag was raised."""
        return bool(self.flags)

    @property
    def grade(self) -> str:
        """``'flagged'``, ``'borderline'``, ``'uncalibrated'`` or ``'clean'``.

        ``uncalibrated``: nothing flagged, and the calibrated rule could not be
        applied because the clip lies outside its range (``rule.outside``).
        """
        if self.flags:
            return "flagged"
        if self.evidence:
            return "borderline"
        if self.rule is not None and not self.rule.calibrated:
            return "uncalibrated"
        return "clean"

    @property
    def exit_code(self) -> int:
        """0 clean, uncalibrated or borderline (1 when ``strict``), 1 flagged; 2 is for
        unusable input."""
        if self.grade == "flagged" or (self.grade == "borderline" and self.strict):
            return EXIT_FLAGGED
        return EXIT_CLEAN

    @property
    def max_excess(self) -> float:
        """Largest default score minus ceiling over the frames (points; NaN without one)."""
        if self.ceiling_excess is None:
            return math.nan
        return float(np.max(self.ceiling_excess))

    @property
    def verdict(self) -> str:
        """One line a person reads in a second, e.g. ``FLAGGED: gap 7.41 > 3.25 points ...``."""
        d, n = self.default.mean, self.neg.mean
        scores = (
            f"{self.default_model} {d:.2f}, {self.neg_model} {n:.2f} "
            f"(mean of {self.default.count} frames)"
        )
        codes = {e.code for e in self.evidence}
        parts = []
        limit = self.threshold if self.rule is None else self.rule.threshold
        if self.rule is not None and not self.rule.calibrated:
            parts.append(
                f"gap {self.tested_gap:.2f} points, outside the calibrated range "
                f"({self.rule.outside[0]})"
            )
        elif codes & {"gap", "excess", "excess_unconfirmed"}:
            parts.append(f"gap {self.tested_gap:.2f} > {limit:.2f} points")
        elif self.grade == "clean" and limit is not None:
            parts.append(f"gap {self.tested_gap:.2f} <= {limit:.2f} points")
        else:
            parts.append(f"gap {self.tested_gap:.2f} points")
        if self.rule is not None and self.rule.calibrated:
            parts[-1] += (
                f" (honest encodes at {self.neg_model} {self.rule.neg_level:.0f} reach "
                f"{self.rule.envelope:.2f})"
            )
        if "above_ceiling" in codes:
            parts.append(
                f"{self.frames_above_ceiling.size}/{self.frames.size} frames above their own "
                f"ceiling (by up to {self.max_excess:.2f})"
            )
        if "detail_gain" in codes and self.bands is not None:
            top = max(self.bands.fired, key=lambda b: b.excess - b.margin)
            parts.append(
                f"{top.key} gain {top.gain:.3f} > honest {top.envelope:.3f} + {top.margin:.2f}"
            )
        if "neg_floor" in codes:
            parts.append(f"{self.neg_model} {n:.2f} < floor {self.floor:.2f}")
        for e in self.evidence:
            if e.level == "borderline":
                parts.append(_SHORT[e.code](e))
        return f"{self.grade.upper()}: {'; '.join(parts)} | {scores}"

    def _rule_line(self) -> str:
        a = self.rule
        assert a is not None
        if not a.calibrated:
            return (
                "uncalibrated: the calibrated rule was not applied: "
                + "; ".join(a.outside)
                + ". The numbers above are what was measured; the own-ceiling test still "
                "applies, and a plain gap threshold can be set"
            )
        return (
            f"calibrated rule: honest encodes of the calibration at {self.neg_model} "
            f"{a.neg_level:.1f} show gaps up to {a.envelope:.2f}; flag above "
            f"{a.threshold:.2f} (margin {a.margin:.2f}); this clip's gap is "
            f"{a.gap:.2f} ({a.excess:+.2f} against the envelope)"
        )

    def _band_line(self) -> str:
        b = self.bands
        assert b is not None
        gains = ", ".join(
            f"{g.key} {g.gain:.3f} (honest {g.envelope:.3f}, +{g.margin:.2f})" for g in b.bands
        )
        return (
            f"frame evidence: projection gain per band over {b.frames} frame pairs at "
            f"{self.neg_model} {b.neg_level:.1f}, against the most honest encodes kept (+ the "
            f"margin from which a band flags alone): {gains}; calibrated on clips of "
            f"{MIN_FRAMES}-{MAX_FRAMES} frames, 176x144 to 1920x1080, every quality level"
        )

    def _interval_line(self) -> str:
        """Both pooled scores and the tested gap with their bootstrap intervals."""
        g = self.intervals["gap"]
        shown = [
            f"{name} [{self.intervals[name].low:.2f}, {self.intervals[name].high:.2f}]"
            for name in (self.default_model, self.neg_model)
            if name in self.intervals
        ]
        shown.append(f"tested gap [{g.low:+.2f}, {g.high:+.2f}]")
        return (
            f"{100 * g.level:g}% intervals of the means: {', '.join(shown)} (block bootstrap "
            f"over frames, blocks of {g.block}, {g.replicates} replicates; they cover other "
            "frames of this content, not the model's own error)"
        )

    def largest_gaps(self, count: int = 5) -> list[tuple[int, float]]:
        """The ``count`` frames with the largest gap: ``(frame number, gap)``."""
        series = self._frame_gaps()
        order = np.argsort(-series, kind="stable")[:count]
        return [(int(self.frames[i]), float(series[i])) for i in order]

    def _frame_gaps(self) -> np.ndarray:
        return self.credit.total if self.credit is not None else self.gap

    def as_dict(self, *, per_frame: bool = True) -> dict[str, Any]:
        """JSON-ready dict; ``per_frame`` includes every frame's scores, gap and ceiling."""

        def stats(p: Pooled) -> dict[str, float | None]:
            return {
                "mean": _r(p.mean),
                "harmonic_mean": _r(p.harmonic_mean),
                "min": _r(p.min),
                "p1": _r(p.p1),
                "p5": _r(p.p5),
                "max": _r(p.max),
            }

        frame_gaps = self._frame_gaps()
        limit = self.threshold if self.rule is None else self.rule.threshold
        out: dict[str, Any] = {
            "verdict": self.grade,
            "verdict_line": self.verdict,
            "exit_code": self.exit_code,
            "strict": self.strict,
            "default_model": self.default_model,
            "neg_model": self.neg_model,
            "frame_count": int(self.frames.size),
            "threshold": self.threshold,
            "borderline": self.borderline,
            "frame_threshold": self.frame_threshold,
            "floor": self.floor,
            "clipped": self.clipped,
            "pooled": {self.default_model: stats(self.default), self.neg_model: stats(self.neg)},
            "gap": {
                "overall": _r(self.overall_gap),
                "tested": _r(self.tested_gap),
                "unclipped_from_features": self.credit is not None,
                "max": _r(float(frame_gaps.max())),
                "max_frame": int(self.frames[int(np.argmax(frame_gaps))]),
                "min": _r(float(frame_gaps.min())),
                "frames_over_threshold": int(np.count_nonzero(frame_gaps > limit)),
            },
            "ceiling": {
                "model": self.ceiling_model or None,
                "margin": self.ceiling_margin,
                "max_excess": _r(self.max_excess),
                "max_excess_frame": (
                    None
                    if self.ceiling_excess is None
                    else int(self.frames[int(np.argmax(self.ceiling_excess))])
                ),
                "frames_above": [int(f) for f in self.frames_above_ceiling],
                "note": self.ceiling_note or None,
            },
            "credit": None if self.credit is None else _credit_dict(self.credit),
            "frames_above_100": [int(f) for f in self.frames_above_100],
            "evidence": [e.as_dict() for e in self.evidence],
            "flags": [e.as_dict() for e in self.flags],
            "notes": list(self.notes),
            "sources": list(self.sources),
            "rule": None if self.rule is None else _rule_dict(self.rule),
            "frame_evidence": None if self.bands is None else _bands_dict(self.bands),
            "intervals": {k: _interval_dict(v) for k, v in self.intervals.items()},
        }
        if per_frame:
            out["per_frame"] = [
                {
                    "frame": int(self.frames[i]),
                    self.default_model: _r(float(self.default_scores[i])),
                    self.neg_model: _r(float(self.neg_scores[i])),
                    "gap": _r(float(self.gap[i])),
                    "gap_unclipped": (
                        None if self.credit is None else _r(float(self.credit.total[i]))
                    ),
                    "ceiling": None if self.ceiling is None else _r(float(self.ceiling[i])),
                }
                for i in range(self.frames.size)
            ]
        return out

    def to_json(self, *, per_frame: bool = True) -> str:
        """The report as indented JSON text (non-finite numbers as ``null``)."""
        return json_text(self.as_dict(per_frame=per_frame)) + "\n"

    def to_pandas(self) -> Any:
        """One row per frame as a ``pandas.DataFrame`` (pandas is optional).

        Columns: both models' scores, ``gap``, ``ceiling``, ``ceiling_excess``
        (VMAF points; NaN without a ceiling) and ``above_ceiling``; the index
        is the frame number. ``DataFrame.attrs`` carries the grade, the
        verdict line and the limits applied.
        """
        from ._frames import report_frame

        return report_frame(self)

    def _repr_html_(self) -> str:
        """Notebook view: the verdict, pooled scores, the evidence and the per-frame plot."""
        from ._frames import report_html

        return report_html(self)

    def to_text(self, *, per_frame: bool = False) -> str:
        """A short human report: numbers, then each piece of evidence, then the verdict line."""
        lines = []
        if self.sources:
            lines.append("checked: " + ", ".join(self.sources))
        lines.append(
            f"{'model':>16}  {'mean':>8}  {'harmonic':>8}  {'min':>8}  {'p1':>8}  {'p5':>8}"
        )
        for name, p in ((self.default_model, self.default), (self.neg_model, self.neg)):
            lines.append(
                f"{name:>16}  {p.mean:8.3f}  {p.harmonic_mean:8.3f}  {p.min:8.3f}  "
                f"{p.p1:8.3f}  {p.p5:8.3f}"
            )
        series = self._frame_gaps()
        top = ", ".join(f"{num} ({g:+.2f})" for num, g in self.largest_gaps(3))
        unclipped = (
            f", unclipped {self.tested_gap:+.3f} (recomputed from the features)"
            if self.credit is not None and abs(self.tested_gap - self.overall_gap) > 0.005
            else ""
        )
        lines.append(
            f"gap (default - NEG): overall {self.overall_gap:+.3f} points{unclipped}; per frame "
            f"{float(series.min()):+.2f} to {float(series.max()):+.2f}; largest at frames {top}"
        )
        if self.intervals:
            lines.append(self._interval_line())
        if self.credit is not None:
            c = self.credit
            diffs = ", ".join(f"{k} {v:+.4f}" for k, v in c.feature_diffs.items())
            lines.append(
                f"credit source: capping ADM alone removes {float(c.adm.mean()):+.2f} points, "
                f"capping VIF alone {float(c.vif.mean()):+.2f}; uncapped - capped: {diffs}"
            )
            if c.cap_shares:
                shares = ", ".join(f"{k} {100 * v:.1f}%" for k, v in c.cap_shares.items())
                lines.append(f"cap shares (locations where {self.neg_model}'s caps act): {shares}")
        if self.ceiling_excess is not None and self.ceiling is not None:
            worst = int(np.argmax(self.ceiling_excess))
            # An excess is a score beyond the ceiling; below it, say how close it came.
            nearest = (
                f"largest excess {self.max_excess:.3f} points"
                if self.max_excess > 0
                else f"no excess; closest {-self.max_excess:.3f} points below it"
            )
            lines.append(
                f"own ceiling ({self.ceiling_model} at VIF = ADM = 1): "
                f"{self.frames_above_ceiling.size} of {self.frames.size} frames above it; "
                f"{nearest} at frame "
                f"{int(self.frames[worst])} (score {float(self.default_scores[worst]):.3f}, "
                f"ceiling {float(self.ceiling[worst]):.3f})"
            )
        if self.clipped is False:
            lines.append(
                f"frames above 100 (information): {self.frames_above_100.size} of "
                f"{self.frames.size}"
            )
        if per_frame:
            lines.append(
                f"{'frame':>8}  {self.default_model:>10}  {self.neg_model:>10}  {'gap':>8}"
                f"  {'ceiling':>8}"
            )
            for i in range(self.frames.size):
                ceil = "" if self.ceiling is None else f"{float(self.ceiling[i]):8.3f}"
                lines.append(
                    f"{int(self.frames[i]):>8}  {float(self.default_scores[i]):10.3f}  "
                    f"{float(self.neg_scores[i]):10.3f}  {float(self.gap[i]):+8.3f}  {ceil}"
                )
        for e in self.evidence:
            label = "flag" if e.level == "flag" else "borderline"
            frames = ""
            if e.frames:
                shown = ", ".join(str(f) for f in e.frames[:10])
                frames = f" [frames {shown}{' ...' if len(e.frames) > 10 else ''}]"
            lines.append(f"{label} {e.code}: {e.message}{frames}")
        if self.rule is not None:
            lines.append(self._rule_line())
        if self.bands is not None:
            lines.append(self._band_line())
        for note in self.notes:
            lines.append(f"note: {note}")
        lines.append(self.verdict)
        return "\n".join(lines)


_SHORT = {
    "gap_near": lambda e: (
        f"near the threshold (borderline above {e.numbers['borderline']:.2f})"
        if "borderline" in e.numbers
        else f"beyond honest encodes by {e.numbers['excess']:.2f}, within the margin"
    ),
    "frame_gap": lambda e: (
        f"{e.numbers['frames']} frames with gap > {e.numbers['frame_threshold']:.2f}"
    ),
    "residual_gain": lambda e: "possible residual gain against the baseline",
    "excess_unconfirmed": lambda e: (
        "no band keeps more of the reference's detail than honest encodes"
    ),
}


def _bands_dict(b: BandAssessment) -> dict[str, Any]:
    return {
        "frames": b.frames,
        "neg_level": _r(b.neg_level),
        "bands": {
            g.key: {
                "what": BANDS[g.key][2],
                "gain": _r(g.gain),
                "honest_envelope": _r(g.envelope),
                "margin": _r(g.margin),
                "above_envelope": g.above_envelope,
                "fired": g.fired,
            }
            for g in b.bands
        },
    }


def _interval_dict(i: Interval) -> dict[str, Any]:
    return {
        "estimate": _r(i.estimate),
        "low": _r(i.low),
        "high": _r(i.high),
        "level": i.level,
        "block": i.block,
        "replicates": i.replicates,
    }


def _credit_dict(c: Credit) -> dict[str, Any]:
    return {
        "pooled": _r(c.pooled),
        "adm": _r(float(c.adm.mean())),
        "vif": _r(float(c.vif.mean())),
        "feature_diffs": {k: _r(v) for k, v in c.feature_diffs.items()},
        "cap_shares": {k: _r(v) for k, v in c.cap_shares.items()},
    }


def _rule_dict(a: Assessment) -> dict[str, Any]:
    return {
        "calibrated": a.calibrated,
        "outside": list(a.outside),
        "gap": _r(a.gap),
        "neg_level": _r(a.neg_level),
        "honest_envelope": _r(a.envelope),
        "margin": _r(a.margin),
        "threshold": _r(a.threshold),
        "excess": _r(a.excess),
        "fired": a.fired,
    }


def _r(value: float | None) -> float | None:
    if value is None:
        return None
    number = finite_or_none(value)
    return None if number is None else round(number, 6)
