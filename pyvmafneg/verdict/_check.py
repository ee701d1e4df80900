"""The enhancement-gain checker: a quality gate on default VMAF minus VMAF-NEG.

:func:`check` is a pure function from a :class:`~pyvmafneg.results._result.Result`
(from an in-process run or from logs) and thresholds to a
:class:`CheckReport`: pooled scores of both models, the per-frame and overall
gap, the flags raised, a one-line verdict and the exit code for CI
(0 clean, 1 flagged; unusable input raises and the CLI exits 2).

Flags
-----
``gap``
    The overall gap (mean default minus mean NEG, in VMAF points) is above
    the threshold (default 3.0). Honest encodes sit about 1-3 points apart;
    more means the default score is riding on enhancement.
``above_ceiling``
    A frame's default score is above the frame's own ceiling: the score the
    model gives the reference scored against itself (VIF = ADM = 1 at the
    frame's motion, see :mod:`pyvmafneg.verdict._ceiling`). Fidelity loss
    cannot get there, only credit for enhancement can; clipped or not.
``neg_floor``
    The pooled (mean) NEG score is below a floor the user set.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import ModelError
from ..results._result import Pooled, Result, pool
from ._ceiling import Ceiling, CeilingUnavailable, ceiling_of

__all__ = [
    "CheckReport",
    "Flag",
    "check",
    "DEFAULT_CEILING_MARGIN",
    "DEFAULT_THRESHOLD",
    "EXIT_CLEAN",
    "EXIT_FLAGGED",
]

#: Default largest acceptable overall gap, in VMAF points.
DEFAULT_THRESHOLD = 3.0
#: Points a frame may sit above its own ceiling before it is flagged: libvmaf's
#: fixed-point VIF and ADM of a frame against itself sit within ~1e-5 of 1, a
#: few thousandths of a point.
DEFAULT_CEILING_MARGIN = 0.05
#: Exit code when nothing is flagged.
EXIT_CLEAN = 0
#: Exit code when at least one flag is raised.
EXIT_FLAGGED = 1


@dataclass(frozen=True)
class Flag:
    """One problem found: a short ``code`` and a sentence for people."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Plain ``dict`` (JSON-ready)."""
        return {"code": self.code, "message": self.message}


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
        percentile ...), in VMAF points.
    gap:
        Per-frame gap, default minus NEG (points), aligned with ``frames``.
    default_scores, neg_scores:
        Per-frame scores of each model (points), aligned with ``frames``.
    overall_gap:
        Mean default minus mean NEG (points).
    threshold, floor:
        The limits applied (``floor`` None when not given).
    clipped:
        True when scores were clipped at 100, False when not, None unknown.
    frames_above_100:
        Frame numbers whose default score exceeds 100 (empty when clipped);
        information only: honest near-transparent encodes get there when the
        frame's own ceiling is above 100.
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
    flags:
        Problems found; empty means clean.
    notes:
        Remarks that are not failures (e.g. clipping hides frames above 100).
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
    ceiling: np.ndarray | None = None
    ceiling_excess: np.ndarray | None = None
    frames_above_ceiling: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    ceiling_model: str = ""
    ceiling_margin: float = DEFAULT_CEILING_MARGIN
    ceiling_note: str = ""
    flags: list[Flag] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        """True when at least one flag was raised."""
        return bool(self.flags)

    @property
    def exit_code(self) -> int:
        """0 clean, 1 flagged (2 is reserved for unusable input, raised earlier)."""
        return EXIT_FLAGGED if self.flags else EXIT_CLEAN

    @property
    def verdict(self) -> str:
        """One line a person reads in a second, e.g. ``FLAGGED: gap 7.41 > 3.00 ...``."""
        d, n = self.default.mean, self.neg.mean
        scores = (
            f"{self.default_model} {d:.2f}, {self.neg_model} {n:.2f} "
            f"(mean of {self.default.count} frames)"
        )
        if not self.flags:
            return f"CLEAN: gap {self.overall_gap:.2f} <= {self.threshold:.2f} points | {scores}"
        parts = []
        codes = {f.code for f in self.flags}
        if "gap" in codes:
            parts.append(f"gap {self.overall_gap:.2f} > {self.threshold:.2f} points")
        else:
            parts.append(f"gap {self.overall_gap:.2f} points")
        if "above_ceiling" in codes:
            parts.append(
                f"{self.frames_above_ceiling.size}/{self.frames.size} frames above their own "
                f"ceiling (by up to {self.max_excess:.2f})"
            )
        if "neg_floor" in codes:
            parts.append(f"{self.neg_model} {n:.2f} < floor {self.floor:.2f}")
        return f"FLAGGED: {'; '.join(parts)} | {scores}"

    @property
    def max_excess(self) -> float:
        """Largest default score minus ceiling over the frames (points; NaN without one)."""
        if self.ceiling_excess is None:
            return math.nan
        return float(np.max(self.ceiling_excess))

    def largest_gaps(self, count: int = 5) -> list[tuple[int, float]]:
        """The ``count`` frames with the largest gap: ``(frame number, gap)``."""
        order = np.argsort(-self.gap, kind="stable")[:count]
        return [(int(self.frames[i]), float(self.gap[i])) for i in order]

    def as_dict(self, *, per_frame: bool = True) -> dict[str, Any]:
        """JSON-ready dict; ``per_frame`` includes every frame's scores and gap."""

        def stats(p: Pooled) -> dict[str, float]:
            return {
                "mean": _r(p.mean),
                "harmonic_mean": _r(p.harmonic_mean),
                "min": _r(p.min),
                "p1": _r(p.p1),
                "p5": _r(p.p5),
                "max": _r(p.max),
            }

        out: dict[str, Any] = {
            "verdict": "flagged" if self.flags else "clean",
            "verdict_line": self.verdict,
            "exit_code": self.exit_code,
            "default_model": self.default_model,
            "neg_model": self.neg_model,
            "frame_count": int(self.frames.size),
            "threshold": self.threshold,
            "floor": self.floor,
            "clipped": self.clipped,
            "pooled": {self.default_model: stats(self.default), self.neg_model: stats(self.neg)},
            "gap": {
                "overall": _r(self.overall_gap),
                "max": _r(float(self.gap.max())),
                "max_frame": int(self.frames[int(np.argmax(self.gap))]),
                "min": _r(float(self.gap.min())),
                "frames_over_threshold": int(np.count_nonzero(self.gap > self.threshold)),
            },
            "frames_above_100": [int(f) for f in self.frames_above_100],
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
            "flags": [f.as_dict() for f in self.flags],
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
                    "ceiling": None if self.ceiling is None else _r(float(self.ceiling[i])),
                }
                for i in range(self.frames.size)
            ]
        return out

    def to_json(self, *, per_frame: bool = True) -> str:
        """The report as indented JSON text."""
        return json.dumps(self.as_dict(per_frame=per_frame), indent=2) + "\n"

    def to_text(self, *, per_frame: bool = False) -> str:
        """A short human report ending with the verdict line."""
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
        over = int(np.count_nonzero(self.gap > self.threshold))
        top = ", ".join(f"{num} ({g:+.2f})" for num, g in self.largest_gaps(3))
        lines.append(
            f"gap (default - NEG): overall {self.overall_gap:+.3f} points, per frame "
            f"{float(self.gap.min()):+.2f} to {float(self.gap.max()):+.2f}; "
            f"{over} of {self.frames.size} frames above {self.threshold:.2f}; "
            f"largest at frames {top}"
        )
        if self.clipped is False:
            lines.append(
                f"frames above 100: {self.frames_above_100.size} of {self.frames.size}"
                + (
                    f" (first: {', '.join(str(int(f)) for f in self.frames_above_100[:8])})"
                    if self.frames_above_100.size
                    else ""
                )
            )
        if self.ceiling_excess is not None:
            worst = int(np.argmax(self.ceiling_excess))
            lines.append(
                f"own ceiling ({self.ceiling_model} at VIF = ADM = 1): "
                f"{self.frames_above_ceiling.size} of {self.frames.size} frames above it; "
                f"largest excess {self.max_excess:+.3f} points at frame "
                f"{int(self.frames[worst])} (score {float(self.default_scores[worst]):.3f}, "
                f"ceiling {float(self.ceiling[worst]):.3f})"  # type: ignore[index]
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
        for f in self.flags:
            lines.append(f"flag {f.code}: {f.message}")
        for note in self.notes:
            lines.append(f"note: {note}")
        lines.append(self.verdict)
        return "\n".join(lines)


def _r(value: float) -> float | None:
    return round(float(value), 6) if math.isfinite(value) else None


def check(
    result: Result,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    floor: float | None = None,
    clipped: bool | None | Literal["auto"] = "auto",
    sources: Sequence[str] = (),
    ceiling_model: str | None = None,
    ceiling_margin: float = DEFAULT_CEILING_MARGIN,
) -> CheckReport:
    """Check the enhancement gain of a scored clip.

    Parameters
    ----------
    result:
        Scores with a default and a NEG model (``result.has_gap``).
    threshold:
        Largest acceptable overall gap, in VMAF points (>= 0; default 3.0).
    floor:
        Smallest acceptable pooled (mean) NEG score, in VMAF points
        (0-100), or None for no floor.
    clipped:
        Whether the scores were clipped at 100: ``'auto'`` takes
        ``result.clipped``; None means unknown (a foreign log that does not
        say), which is reported as a note.
    sources:
        Paths to name in the report.
    ceiling_model:
        Model file for the frames' own ceilings (a bundled name or JSON
        path); default: inferred from the default model's name.
    ceiling_margin:
        Points a frame may exceed its own ceiling before ``above_ceiling``
        is raised (>= 0; default 0.05).

    Returns
    -------
    CheckReport
        With ``exit_code`` 0 (clean) or 1 (flagged).
    """
    if not result.has_gap:
        raise ModelError(
            "the enhancement-gain check needs a default and a NEG model; score with both "
            "(the default models vmaf_v0.6.1 and vmaf_v0.6.1neg) or give both logs"
        )
    if len(result) == 0:
        raise ModelError("the result has no frames; nothing to check")
    threshold = float(threshold)
    if not math.isfinite(threshold) or threshold < 0:
        raise ModelError(f"the gap threshold must be a number >= 0 points; got {threshold}")
    if not math.isfinite(float(ceiling_margin)) or ceiling_margin < 0:
        raise ModelError(f"the ceiling margin must be a number >= 0 points; got {ceiling_margin}")
    if floor is not None and not math.isfinite(float(floor)):
        raise ModelError(f"the NEG floor must be a finite number of points; got {floor}")
    d_key, n_key = str(result.default_model), str(result.neg_model)
    default = pool(result.scores[d_key])
    neg = pool(result.scores[n_key])
    gap = result.gap
    overall = float(default.mean - neg.mean)
    clip_state = result.clipped if clipped == "auto" else clipped
    above = result.frames_above(d_key)
    if above.size:
        clip_state = False  # scores above 100 prove the run was not clipped
    flags: list[Flag] = []
    notes: list[str] = []
    if overall > threshold:
        flags.append(
            Flag(
                "gap",
                f"the overall gap is {overall:.2f} points, above the threshold of "
                f"{threshold:.2f}: {d_key} credits enhancement (sharpening, contrast) that "
                f"{n_key} does not; the default score overstates quality",
            )
        )
    d_scores = result.scores[d_key]
    ceil, excess, above_ceiling, ceil_note, ceil_source = _ceiling(
        result, d_key, clip_state, ceiling_model, float(ceiling_margin)
    )
    if above_ceiling.size:
        worst = int(np.argmax(excess))  # type: ignore[arg-type]
        flags.append(
            Flag(
                "above_ceiling",
                f"{above_ceiling.size} of {len(result)} frames score above their own ceiling "
                f"with {d_key} (the score of the reference against itself): up to "
                f"{float(excess[worst]):.2f} points at frame {int(result.frames[worst])} "  # type: ignore[index]
                f"({float(d_scores[worst]):.2f} > {float(ceil[worst]):.2f}); no loss of "  # type: ignore[index]
                "fidelity gets there, only credit for enhancement does",
            )
        )
    if ceil_note:
        notes.append(ceil_note)
    if above.size:
        notes.append(
            f"{above.size} of {len(result)} frames score above 100 with {d_key}; that alone "
            "is no sign of enhancement (a frame's own ceiling can be above 100), the "
            "own-ceiling test is what tells"
        )
    elif clip_state is True:
        notes.append(
            "scores are clipped at 100: frames whose own ceiling is above 100 cannot show "
            "an excess; score unclipped to test every frame (score(..., clip=False))"
        )
    elif clip_state is None:
        notes.append(
            "the log does not record whether scores were clipped; libvmaf clips at 100 "
            "unless disable_clip is set, so frames whose ceiling is above 100 may hide an excess"
        )
    if floor is not None and neg.mean < float(floor):
        flags.append(
            Flag(
                "neg_floor",
                f"pooled {n_key} is {neg.mean:.2f}, below the floor of {float(floor):.2f}",
            )
        )
    return CheckReport(
        default_model=d_key,
        neg_model=n_key,
        frames=result.frames.copy(),
        default=default,
        neg=neg,
        gap=gap,
        default_scores=result.scores[d_key].copy(),
        neg_scores=result.scores[n_key].copy(),
        overall_gap=overall,
        threshold=threshold,
        floor=None if floor is None else float(floor),
        clipped=clip_state,
        frames_above_100=above,
        ceiling=ceil,
        ceiling_excess=excess,
        frames_above_ceiling=above_ceiling,
        ceiling_model=ceil_source,
        ceiling_margin=float(ceiling_margin),
        ceiling_note=ceil_note,
        flags=flags,
        notes=notes,
        sources=list(sources),
    )


def _ceiling(
    result: Result,
    key: str,
    clipped: bool | None,
    model: str | None,
    margin: float,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray, str, str]:
    """Ceiling, excess, frames above it, a note when there is none, the model used."""
    none = np.empty(0, dtype=np.int64)
    described = result.models.get(key, "")
    text = described if " = " in described else key
    try:
        found: Ceiling = ceiling_of(text, result.features, model=model)
    except CeilingUnavailable as exc:
        return None, None, none, f"own-ceiling test not run: {exc.reason}", ""
    ceil = found.values
    if clipped is not False:
        ceil = np.minimum(ceil, 100.0)
    excess = result.scores[key] - ceil
    above = result.frames[excess > margin]
    note = ""
    if found.assumed:
        note = (
            f"the own ceiling assumes {key!r} is {found.model} (its name names no version); "
            "name the model file when it is another"
        )
    return ceil, excess, above, note, found.model
