"""The enhancement-gain checker: a graded verdict on default VMAF against VMAF-NEG.

:func:`check` is a pure function from a :class:`~pyvmafneg.results._result.Result`
(from an in-process run or from logs) and thresholds to a :class:`CheckReport`:
pooled scores of both models, the gap, the frames' own ceilings, where the
credit comes from, each piece of evidence that fired with its numbers and
frames, and a graded verdict:

``flagged`` (exit status 1)
    Evidence of rewarded enhancement: the default score is riding on it.
``borderline`` (exit status 0, or 1 when ``strict``)
    Something a person should look at, not proof.
``clean`` (exit status 0)
    Nothing fired.

Unusable input raises a :class:`~pyvmafneg.errors.VmafNegError` (the CLI
exits 2). The default limits were calibrated on a labelled suite of honest
and enhanced encodes (``bench/calibration``, ``docs/calibration.md``): with
them no honest encode of the suite is flagged.

Evidence
--------
``gap`` (flag)
    The pooled gap (mean default minus mean NEG, VMAF points) is above the
    threshold. When the run's features allow it, the gap is recomputed
    unclipped from the uncapped and capped VIF/ADM features (a clipped log
    hides the gap where default VMAF reaches 100).
``above_ceiling`` (flag)
    Frames score above their own ceiling: the score of the reference
    against itself (VIF = ADM = 1 at the frame's motion, see
    :mod:`pyvmafneg.verdict._ceiling`). No loss of fidelity gets a frame
    there, only credit for enhancement does; clipped or not.
``neg_floor`` (flag)
    The pooled NEG score is below a floor the user set.
``gap_near`` (borderline)
    The pooled gap is above the borderline limit but not the threshold.
``frame_gap`` (borderline)
    Some frames' gap is above the per-frame limit: enhancement may be
    confined to a segment that the pooled gap dilutes.
``residual_gain`` (borderline)
    Against a baseline encode of the same source, NEG rises while PSNR-Y and
    SSIM fall: a hint of enhancement that NEG's caps let through, not proof.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .._defaults import DEFAULT_BORDERLINE, DEFAULT_THRESHOLD
from ..errors import ModelError, python_option
from ..results._result import Pooled, Result, pool
from ._ceiling import CeilingUnavailable, ceiling_model, ceiling_of
from ._credit import Credit, credit_of

__all__ = [
    "DEFAULT_BORDERLINE",
    "DEFAULT_CEILING_MARGIN",
    "DEFAULT_FRAME_THRESHOLD",
    "DEFAULT_THRESHOLD",
    "EXIT_CLEAN",
    "EXIT_FLAGGED",
    "CheckReport",
    "Evidence",
    "check",
]

#: Per-frame gap above which frames are borderline, in VMAF points (calibrated:
#: the largest honest frame of the suite was 4.74).
DEFAULT_FRAME_THRESHOLD = 5.0
#: Points a frame may sit above its own ceiling before it is flagged: libvmaf's
#: fixed-point VIF and ADM of a frame against itself sit within ~1e-5 of 1, a
#: few thousandths of a point.
DEFAULT_CEILING_MARGIN = 0.05
#: Largest difference (points) between logged default scores and the model
#: recomputed from the logged features before the model is taken to be another.
_MODEL_MATCH = 0.05
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
        ``gap``, ``above_ceiling``, ``neg_floor``, ``gap_near``, ``frame_gap``
        or ``residual_gain``.
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
    threshold, borderline, frame_threshold, floor:
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
    """

    default_model: str
    neg_model: str
    frames: np.ndarray
    default: Pooled
    neg: Pooled
    gap: np.ndarray
    overall_gap: float
    threshold: float
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
        """``'flagged'``, ``'borderline'`` or ``'clean'``."""
        if self.flags:
            return "flagged"
        return "borderline" if self.evidence else "clean"

    @property
    def exit_code(self) -> int:
        """0 clean or borderline (1 when ``strict``), 1 flagged; 2 is for unusable input."""
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
        if "gap" in codes:
            parts.append(f"gap {self.tested_gap:.2f} > {self.threshold:.2f} points")
        elif self.grade == "clean":
            parts.append(f"gap {self.tested_gap:.2f} <= {self.threshold:.2f} points")
        else:
            parts.append(f"gap {self.tested_gap:.2f} points")
        if "above_ceiling" in codes:
            parts.append(
                f"{self.frames_above_ceiling.size}/{self.frames.size} frames above their own "
                f"ceiling (by up to {self.max_excess:.2f})"
            )
        if "neg_floor" in codes:
            parts.append(f"{self.neg_model} {n:.2f} < floor {self.floor:.2f}")
        for e in self.evidence:
            if e.level == "borderline":
                parts.append(_SHORT[e.code](e))
        return f"{self.grade.upper()}: {'; '.join(parts)} | {scores}"

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
                "frames_over_threshold": int(np.count_nonzero(frame_gaps > self.threshold)),
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
        """The report as indented JSON text."""
        return json.dumps(self.as_dict(per_frame=per_frame), indent=2) + "\n"

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
            lines.append(
                f"own ceiling ({self.ceiling_model} at VIF = ADM = 1): "
                f"{self.frames_above_ceiling.size} of {self.frames.size} frames above it; "
                f"largest excess {self.max_excess:+.3f} points at frame "
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
        for note in self.notes:
            lines.append(f"note: {note}")
        lines.append(self.verdict)
        return "\n".join(lines)


_SHORT = {
    "gap_near": lambda e: f"near the threshold (borderline above {e.numbers['borderline']:.2f})",
    "frame_gap": lambda e: (
        f"{e.numbers['frames']} frames with gap > {e.numbers['frame_threshold']:.2f}"
    ),
    "residual_gain": lambda e: "possible residual gain against the baseline",
}


def _credit_dict(c: Credit) -> dict[str, Any]:
    return {
        "pooled": _r(c.pooled),
        "adm": _r(float(c.adm.mean())),
        "vif": _r(float(c.vif.mean())),
        "feature_diffs": {k: _r(v) for k, v in c.feature_diffs.items()},
        "cap_shares": {k: _r(v) for k, v in c.cap_shares.items()},
    }


def _r(value: float | None) -> float | None:
    if value is None:
        return None
    return round(float(value), 6) if math.isfinite(value) else None


def _limit(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ModelError(f"the {what} must be a number >= 0 points; got {value}")
    return value


def _worst(frames: np.ndarray, values: np.ndarray, mask: np.ndarray) -> tuple[int, ...]:
    idx = np.flatnonzero(mask)
    idx = idx[np.argsort(-values[idx], kind="stable")][:_MAX_FRAMES]
    return tuple(int(frames[i]) for i in idx)


def check(
    result: Result,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    borderline: float = DEFAULT_BORDERLINE,
    frame_threshold: float = DEFAULT_FRAME_THRESHOLD,
    floor: float | None = None,
    clipped: bool | None | Literal["auto"] = "auto",
    strict: bool = False,
    sources: Sequence[str] = (),
    ceiling_model: str | None = None,
    ceiling_margin: float = DEFAULT_CEILING_MARGIN,
    baseline: Result | None = None,
    name_option: Callable[[str, Any], str] = python_option,
) -> CheckReport:
    """Check the enhancement gain of a scored clip and grade it.

    Parameters
    ----------
    result:
        Scores with a default and a NEG model (``result.has_gap``).
    threshold:
        Largest acceptable pooled gap, in VMAF points (>= 0; default 3.25).
    borderline:
        Pooled gap above which the clip is borderline, in points (>= 0;
        default 2.5; at or above ``threshold`` it never fires).
    frame_threshold:
        Per-frame gap above which frames are borderline, in points (>= 0;
        default 5.0).
    floor:
        Smallest acceptable pooled (mean) NEG score, in VMAF points
        (0-100), or None for no floor.
    clipped:
        Whether the scores were clipped at 100: ``'auto'`` takes
        ``result.clipped``; None means unknown (a foreign log that does not
        say), which is reported as a note.
    strict:
        Make a borderline verdict exit 1.
    sources:
        Paths to name in the report.
    ceiling_model:
        Model file for the ceilings and the recomputed gap (a bundled name or
        JSON path); default: inferred from the default model's name.
    ceiling_margin:
        Points a frame may exceed its own ceiling before ``above_ceiling``
        is raised (>= 0; default 0.05).
    baseline:
        Scores of another encode of the same source, with ``psnr_y`` and
        ``float_ssim`` in both; enables the ``residual_gain`` hint.
    name_option:
        Words an option the notes advise, from its keyword and value
        (``clip=False`` by default; the command line names its flag).

    Returns
    -------
    CheckReport
        With ``grade`` clean, borderline or flagged and ``exit_code``.
    """
    if not result.has_gap:
        raise ModelError(
            "the enhancement-gain check needs a default and a NEG model; score with both "
            "(the default models vmaf_v0.6.1 and vmaf_v0.6.1neg) or give both logs"
        )
    if len(result) == 0:
        raise ModelError("the result has no frames; nothing to check")
    threshold = _limit(threshold, "gap threshold")
    borderline = _limit(borderline, "borderline gap")
    frame_threshold = _limit(frame_threshold, "per-frame gap threshold")
    ceiling_margin = _limit(ceiling_margin, "ceiling margin")
    if floor is not None and not math.isfinite(float(floor)):
        raise ModelError(f"the NEG floor must be a finite number of points; got {floor}")
    d_key, n_key = str(result.default_model), str(result.neg_model)
    d_scores, n_scores = result.scores[d_key], result.scores[n_key]
    default, neg = pool(d_scores), pool(n_scores)
    gap = result.gap
    overall = float(default.mean - neg.mean)
    clip_state = result.clipped if clipped == "auto" else clipped
    above = result.frames_above(d_key)
    if above.size:
        clip_state = False  # scores above 100 prove the run was not clipped
    notes: list[str] = []
    evidence: list[Evidence] = []

    model_text = _model_text(result, d_key)
    credit, credit_note = _credit(result, d_key, model_text, ceiling_model)
    if credit_note:
        notes.append(credit_note)
    ceil, excess, above_ceiling, ceil_note, ceil_source = _ceiling(
        result, d_key, clip_state, ceiling_model, model_text, ceiling_margin, credit_note
    )
    if ceil_note:
        notes.append(ceil_note)
    tested = credit.pooled if credit is not None else overall
    frame_gaps = credit.total if credit is not None else gap

    source = (
        "recomputed unclipped from the uncapped and capped VIF/ADM features"
        if credit is not None
        else "of the scores as given"
    )
    gap_numbers: dict[str, float | int | str | None] = {
        "gap": tested,
        "gap_as_given": overall,
        "threshold": threshold,
    }
    if credit is not None:
        gap_numbers |= {
            "adm_credit": float(credit.adm.mean()),
            "vif_credit": float(credit.vif.mean()),
        }
        gap_numbers |= {f"diff_{k}": v for k, v in credit.feature_diffs.items()}
    if tested > threshold:
        where = ""
        if credit is not None:
            where = (
                f"; capping ADM alone removes {float(credit.adm.mean()):.2f} points of it, "
                f"capping VIF alone {float(credit.vif.mean()):.2f}"
            )
        evidence.append(
            Evidence(
                "gap",
                "flag",
                f"the pooled gap is {tested:.2f} points ({source}), above the threshold of "
                f"{threshold:.2f}: {d_key} credits enhancement (sharpening, contrast) that "
                f"{n_key} does not{where}",
                gap_numbers,
                _worst(result.frames, frame_gaps, frame_gaps > threshold),
            )
        )
    if above_ceiling.size:
        assert excess is not None and ceil is not None
        worst = int(np.argmax(excess))
        evidence.append(
            Evidence(
                "above_ceiling",
                "flag",
                f"{above_ceiling.size} of {len(result)} frames score above their own ceiling "
                f"with {d_key} (the score of the reference against itself): up to "
                f"{float(excess[worst]):.2f} points at frame {int(result.frames[worst])} "
                f"({float(d_scores[worst]):.2f} > {float(ceil[worst]):.2f}); no loss of "
                "fidelity gets there, only credit for enhancement does",
                {
                    "frames": int(above_ceiling.size),
                    "max_excess": float(excess[worst]),
                    "frame": int(result.frames[worst]),
                    "score": float(d_scores[worst]),
                    "ceiling": float(ceil[worst]),
                    "margin": ceiling_margin,
                    "model": ceil_source,
                },
                _worst(result.frames, excess, excess > ceiling_margin),
            )
        )
    if floor is not None and neg.mean < float(floor):
        evidence.append(
            Evidence(
                "neg_floor",
                "flag",
                f"pooled {n_key} is {neg.mean:.2f}, below the floor of {float(floor):.2f}",
                {"neg": neg.mean, "floor": float(floor)},
            )
        )
    if borderline < tested <= threshold:
        evidence.append(
            Evidence(
                "gap_near",
                "borderline",
                f"the pooled gap is {tested:.2f} points ({source}): above the borderline "
                f"limit of {borderline:.2f} but not the threshold of {threshold:.2f}; honest "
                "low-rate encodes of detailed content reach about 3 points, and mild "
                "sharpening before a low-rate encode can stay below the threshold",
                gap_numbers | {"borderline": borderline},
            )
        )
    high = frame_gaps > frame_threshold
    if high.any() and tested <= threshold:
        evidence.append(
            Evidence(
                "frame_gap",
                "borderline",
                f"{int(high.sum())} of {len(result)} frames have a gap above "
                f"{frame_threshold:.2f} points (largest {float(frame_gaps.max()):.2f}); "
                "enhancement confined to a segment is diluted in the pooled gap",
                {
                    "frames": int(high.sum()),
                    "max": float(frame_gaps.max()),
                    "frame_threshold": frame_threshold,
                },
                _worst(result.frames, frame_gaps, high),
            )
        )
    if baseline is not None:
        hint = residual_gain(baseline, result)
        if isinstance(hint, Evidence):
            evidence.append(hint)
        elif hint:
            notes.append(hint)
    if above.size:
        notes.append(
            f"{above.size} of {len(result)} frames score above 100 with {d_key}; that alone "
            "is no sign of enhancement (a frame's own ceiling can be above 100), the "
            "own-ceiling test is what tells"
        )
    elif clip_state is True:
        notes.append(
            "scores are clipped at 100: frames whose own ceiling is above 100 cannot show "
            f"an excess; score unclipped to test every frame ({name_option('clip', False)})"
        )
    elif clip_state is None:
        notes.append(
            "the log does not record whether scores were clipped; libvmaf clips at 100 "
            "unless disable_clip is set, so frames whose ceiling is above 100 may hide an excess"
        )
    return CheckReport(
        default_model=d_key,
        neg_model=n_key,
        frames=result.frames.copy(),
        default=default,
        neg=neg,
        gap=gap,
        default_scores=d_scores.copy(),
        neg_scores=n_scores.copy(),
        overall_gap=overall,
        tested_gap=tested,
        threshold=threshold,
        borderline=borderline,
        frame_threshold=frame_threshold,
        strict=bool(strict),
        floor=None if floor is None else float(floor),
        clipped=clip_state,
        frames_above_100=above,
        ceiling=ceil,
        ceiling_excess=excess,
        frames_above_ceiling=above_ceiling,
        ceiling_model=ceil_source,
        ceiling_margin=ceiling_margin,
        ceiling_note=ceil_note,
        credit=credit,
        evidence=evidence,
        notes=notes,
        sources=list(sources),
    )


def _model_text(result: Result, key: str) -> str:
    """What names the default model: this package's description, else the score key."""
    described = result.models.get(key, "")
    return described if " = " in described else key


def _credit(
    result: Result, key: str, model_text: str, model: str | None
) -> tuple[Credit | None, str]:
    """The recomputed credit, or None with a note saying why not."""
    try:
        source, assumed = (model, False) if model else ceiling_model(model_text)
        credit = credit_of(source, result.features)
    except CeilingUnavailable as exc:
        return None, f"gap tested as given, not recomputed unclipped: {exc.reason}"
    if not np.all(np.isfinite(credit.total)):
        return None, (
            "gap tested as given, not recomputed unclipped: some frames have no value "
            "(null/NaN) for a VIF, ADM or motion feature"
        )
    given = result.scores[key]
    usable = (given != 100.0) & (given != 0.0)  # clipping leaves exactly 0 or 100
    if not usable.any() and assumed:
        return credit, (
            f"{key!r} is taken to be {source} (its name names no version, and every frame is "
            "clipped, so the logged scores cannot confirm it); name the model file "
            "(ceiling_model=...) when it is another"
        )
    if usable.any():
        diff = float(np.max(np.abs(credit.default[usable] - given[usable])))
        if diff > _MODEL_MATCH:
            return None, (
                f"the {key!r} scores are not those of {source} recomputed from the logged "
                f"features (they differ by up to {diff:.2f} points): the log's model is "
                "another, so the gap is tested as given and no ceiling is computed; name the "
                "model file (ceiling_model=...) when it is a v0.6.1-family model"
            )
    neg_key = str(result.neg_model)
    neg_given = result.scores[neg_key]
    neg_usable = (neg_given != 100.0) & (neg_given != 0.0)
    if neg_usable.any():
        recomputed = credit.default - credit.total
        diff = float(np.max(np.abs(recomputed[neg_usable] - neg_given[neg_usable])))
        if diff > _MODEL_MATCH:
            return None, (
                f"the {neg_key!r} scores are not those of {source} on the gain-limit-1 "
                f"(_egl_1) features (they differ by up to {diff:.2f} points): the NEG side "
                "uses other gain limits, so the gap is tested as given"
            )
    return credit, ""


def _ceiling(
    result: Result,
    key: str,
    clipped: bool | None,
    model: str | None,
    model_text: str,
    margin: float,
    credit_note: str,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray, str, str]:
    """Ceiling, excess, frames above it, a note when there is none, the model used."""
    none = np.empty(0, dtype=np.int64)
    if "not those of" in credit_note and model is None:
        return None, None, none, "", ""
    try:
        found = ceiling_of(model_text, result.features, model=model)
    except CeilingUnavailable as exc:
        return None, None, none, f"own-ceiling test not run: {exc.reason}", ""
    ceil = found.values
    if not np.all(np.isfinite(ceil)):
        return None, None, none, "own-ceiling test not run: some frames have no motion2 value", ""
    if clipped is not False:
        ceil = np.minimum(ceil, 100.0)
    excess = result.scores[key] - ceil
    above = result.frames[excess > margin]
    note = ""
    if found.assumed and credit_note and "is taken to be" not in credit_note:
        note = (
            f"the own ceiling assumes {key!r} is {found.model} (its name names no version); "
            "name the model file (ceiling_model=...) when it is another"
        )
    return ceil, excess, above, note, found.model


def residual_gain(baseline: Result, result: Result) -> Evidence | str:
    """The ``residual_gain`` hint of ``result`` against a ``baseline`` encode of the same source.

    Fires when pooled NEG rises while PSNR-Y and SSIM both fall: the encode
    scores better under the capped model although it is further from the
    reference by both plain fidelity measures, the pattern of enhancement
    that the caps let through (mild sharpening before a low-rate encode).

    Returns
    -------
    Evidence or str
        The evidence when the hint fires; otherwise an empty string, or a
        sentence saying why it could not be tested.
    """
    if not baseline.has_gap:
        return "residual-gain hint not tested: the baseline has no NEG model"
    keys = {}
    for name, candidates in (
        ("psnr_y", ("psnr_y", "float_psnr_y")),
        ("ssim", ("float_ssim", "ssim", "ssim_y")),
    ):
        found = next(
            (k for k in candidates if k in result.features and k in baseline.features), None
        )
        if found is None:
            return (
                f"residual-gain hint not tested: {name} is not in both runs; score both with "
                "the extra features psnr_y and float_ssim"
            )
        keys[name] = found
    return residual_gain_from_means(
        neg=(
            pool(result.scores[str(result.neg_model)]).mean,
            pool(baseline.scores[str(baseline.neg_model)]).mean,
        ),
        psnr_y=(
            float(np.mean(result.features[keys["psnr_y"]])),
            float(np.mean(baseline.features[keys["psnr_y"]])),
        ),
        ssim=(
            float(np.mean(result.features[keys["ssim"]])),
            float(np.mean(baseline.features[keys["ssim"]])),
        ),
        neg_model=str(result.neg_model),
    )


def residual_gain_from_means(
    *,
    neg: tuple[float, float],
    psnr_y: tuple[float, float],
    ssim: tuple[float, float],
    neg_model: str = "vmaf_neg",
) -> Evidence | str:
    """The ``residual_gain`` rule on pooled means, each given as ``(encode, baseline)``.

    ``neg`` in VMAF points, ``psnr_y`` in dB, ``ssim`` in [0, 1]. Returns the
    evidence when NEG rises while PSNR-Y and SSIM both fall, else ``''``.
    """
    (n_now, n_base), (p_now, p_base), (s_now, s_base) = neg, psnr_y, ssim
    numbers = {
        "neg_change": n_now - n_base,
        "psnr_y_change_db": p_now - p_base,
        "ssim_change": s_now - s_base,
    }
    if n_now > n_base and p_now < p_base and s_now < s_base:
        return Evidence(
            "residual_gain",
            "borderline",
            f"against the baseline, {neg_model} rises by {n_now - n_base:+.2f} points "
            f"while PSNR-Y falls by {p_base - p_now:.2f} dB and SSIM by {s_base - s_now:.4f}: "
            "the encode is further from the reference yet scores better under the capped "
            "model. This is a hint, not proof: NEG caps enhancement gain but is not "
            "un-gameable, and a real improvement in what VMAF values can do the same; "
            "compare encodes of similar bitrate",
            numbers,
        )
    return ""
