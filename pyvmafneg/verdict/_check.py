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
``above_100``
    A frame's default score is above 100: the distorted frame scores
    "better than the reference". Only an unclipped run can show it.
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

__all__ = ["CheckReport", "Flag", "check", "DEFAULT_THRESHOLD", "EXIT_CLEAN", "EXIT_FLAGGED"]

#: Default largest acceptable overall gap, in VMAF points.
DEFAULT_THRESHOLD = 3.0
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
        Frame numbers whose default score exceeds 100 (empty when clipped).
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
        if "above_100" in codes:
            parts.append(f"{self.frames_above_100.size}/{self.frames.size} frames above 100")
        if "neg_floor" in codes:
            parts.append(f"{self.neg_model} {n:.2f} < floor {self.floor:.2f}")
        return f"FLAGGED: {'; '.join(parts)} | {scores}"

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
        if per_frame:
            lines.append(
                f"{'frame':>8}  {self.default_model:>10}  {self.neg_model:>10}  {'gap':>8}"
            )
            for i in range(self.frames.size):
                lines.append(
                    f"{int(self.frames[i]):>8}  {float(self.default_scores[i]):10.3f}  "
                    f"{float(self.neg_scores[i]):10.3f}  {float(self.gap[i]):+8.3f}"
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
    if above.size:
        worst = int(np.argmax(result.scores[d_key]))
        flags.append(
            Flag(
                "above_100",
                f"{above.size} of {len(result)} frames score above 100 with {d_key} (highest "
                f"{float(result.scores[d_key][worst]):.2f} at frame {int(result.frames[worst])}):"
                " the distorted frames look 'better than the reference', the mark of "
                "enhancement",
            )
        )
    elif clip_state is True:
        notes.append(
            "scores are clipped at 100, so no frame can exceed 100 and the above-100 check "
            "cannot fire; score unclipped to run it (pyvmafneg score --no-clip, or "
            "disable_clip=true in FFmpeg's libvmaf model option)"
        )
    elif clip_state is None:
        notes.append(
            "the log does not record whether scores were clipped; libvmaf clips at 100 "
            "unless disable_clip is set, and in a clipped log no frame can exceed 100"
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
        flags=flags,
        notes=notes,
        sources=list(sources),
    )
