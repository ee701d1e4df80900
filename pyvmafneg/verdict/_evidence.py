"""Step 3 of the check: weigh what was measured and word each piece of evidence that fired.

Each piece says what was measured ("the default model credits 3.5 points that
the NEG model caps; capping ADM alone removes 2.7") and names enhancement as
the likely cause only where evidence for it fired: frames above their own
ceiling, or a gap beyond every honest encode of the calibration at that
quality (the calibrated rule). The plain gap rule (a threshold the user set)
names no cause: honest very-low-rate encodes and upscaled rungs reach large
gaps too.

Evidence codes
--------------
``excess`` (flag)
    Calibrated rule: the pooled gap is above the honest envelope at the clip's
    NEG level plus the margin (:mod:`pyvmafneg.verdict._rule`).
``gap`` (flag)
    Plain rule: the pooled gap is above the threshold the user set.
``above_ceiling`` (flag)
    Frames score above their own ceiling (the reference against itself).
``neg_floor`` (flag)
    The pooled NEG score is below the floor the user set.
``gap_near`` (borderline)
    The gap is beyond the honest envelope but within the margin (calibrated
    rule), or above the borderline limit (plain rule).
``frame_gap`` (borderline)
    Plain rule only: some frames' gap is above the per-frame limit (per-frame
    gaps of honest real video vary too much between sources for the
    calibrated rule to use them, see ``docs/calibration.md``).
``residual_gain`` (borderline)
    Against a baseline encode: see :mod:`pyvmafneg.verdict._baseline`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..results._result import Pooled, Result
from ._report import Evidence
from ._rule import Assessment

if TYPE_CHECKING:
    from ._check import Measures

__all__ = ["weigh"]

#: Most frame numbers listed in one piece of evidence.
_MAX_FRAMES = 50


def weigh(
    result: Result,
    m: Measures,
    *,
    tested: float,
    overall: float,
    frame_gaps: np.ndarray,
    neg: Pooled,
    assessment: Assessment,
    threshold: float | None,
    borderline: float,
    frame_threshold: float,
    floor: float | None,
    ceiling_margin: float,
) -> list[Evidence]:
    """Every piece of evidence that fired, flags first."""
    numbers = _gap_numbers(m, tested, overall)
    out: list[Evidence] = []
    if threshold is None:
        out += _calibrated(result, m, assessment, frame_gaps, numbers)
    else:
        out += _plain(result, m, tested, frame_gaps, numbers, threshold, borderline)
    out += _above_ceiling(result, m, ceiling_margin)
    if floor is not None and neg.mean < float(floor):
        out.append(
            Evidence(
                "neg_floor",
                "flag",
                f"pooled {m.n_key} is {neg.mean:.2f}, below the floor of {float(floor):.2f}",
                {"neg": neg.mean, "floor": float(floor)},
            )
        )
    flagged_gap = any(e.code in ("gap", "excess") for e in out)
    high = frame_gaps > frame_threshold
    # Per-frame gaps do not carry from one source to another (honest real video reaches
    # 8 points on single frames), so only the plain rule, whose limits the user sets, uses them.
    if high.any() and not flagged_gap and threshold is not None:
        out.append(
            Evidence(
                "frame_gap",
                "borderline",
                f"{int(high.sum())} of {len(result)} frames have a gap above "
                f"{frame_threshold:.2f} points (largest {float(frame_gaps.max()):.2f}); "
                "credit confined to a segment is diluted in the pooled gap",
                {
                    "frames": int(high.sum()),
                    "max": float(frame_gaps.max()),
                    "frame_threshold": frame_threshold,
                },
                _worst(result.frames, frame_gaps, high),
            )
        )
    return sorted(out, key=lambda e: e.level != "flag")


def _gap_numbers(m: Measures, tested: float, overall: float) -> dict[str, float | int | str | None]:
    numbers: dict[str, float | int | str | None] = {"gap": tested, "gap_as_given": overall}
    if m.credit is not None:
        numbers |= {
            "adm_credit": float(m.credit.adm.mean()),
            "vif_credit": float(m.credit.vif.mean()),
        }
        numbers |= {f"diff_{k}": v for k, v in m.credit.feature_diffs.items()}
    return numbers


def measured(m: Measures, tested: float) -> str:
    """What the gap is, in words: "vmaf credits 3.52 points that vmaf_neg caps (...)"."""
    where = ""
    if m.credit is not None:
        where = (
            f"; capping ADM alone removes {float(m.credit.adm.mean()):.2f} of them, capping "
            f"VIF alone {float(m.credit.vif.mean()):.2f}"
        )
    return f"{m.d_key} credits {tested:.2f} points that {m.n_key} caps ({m.source}){where}"


def _calibrated(
    result: Result,
    m: Measures,
    a: Assessment,
    frame_gaps: np.ndarray,
    numbers: dict[str, float | int | str | None],
) -> list[Evidence]:
    if not a.calibrated:
        return []
    numbers = numbers | {
        "neg_level": a.neg_level,
        "honest_envelope": a.envelope,
        "margin": a.margin,
        "rule_threshold": a.threshold,
        "excess": a.excess,
    }
    if a.fired:
        return [
            Evidence(
                "excess",
                "flag",
                f"{measured(m, a.gap)}. Honest encodes of the calibration at this quality "
                f"({m.n_key} {a.neg_level:.1f}) show at most {a.envelope:.2f}: this gap is "
                f"{a.excess:.2f} points beyond them, more than the margin of {a.margin:.2f}. "
                "Likely cause: enhancement before the encode (sharpening, local contrast) "
                "that the default model rewards. How sure: no honest encode of the sources "
                "the rule was fitted on went beyond the envelope by the margin; on sources it "
                "never saw, honest libx264 ultrafast encodes of noisy camera footage did "
                "(blocking without a deblocking filter earns the same credit), other honest "
                "encoders did not",
                numbers,
                _worst(result.frames, frame_gaps, frame_gaps > a.threshold),
            )
        ]
    if a.gap > a.envelope:
        return [
            Evidence(
                "gap_near",
                "borderline",
                f"{measured(m, a.gap)}. That is {a.excess:.2f} points beyond the largest gap "
                f"honest encodes of the calibration showed at this quality ({m.n_key} "
                f"{a.neg_level:.1f}), within the margin of {a.margin:.2f}: worth a look, "
                "not proof of enhancement",
                numbers,
            )
        ]
    return []


def _plain(
    result: Result,
    m: Measures,
    tested: float,
    frame_gaps: np.ndarray,
    numbers: dict[str, float | int | str | None],
    threshold: float,
    borderline: float,
) -> list[Evidence]:
    numbers = numbers | {"threshold": threshold}
    if tested > threshold:
        return [
            Evidence(
                "gap",
                "flag",
                f"{measured(m, tested)}, above the threshold of {threshold:.2f}. The plain gap "
                "rule does not tell enhancement from honest encodes with large gaps (very low "
                "rates, upscaled ladder rungs); the calibrated rule (no threshold) does",
                numbers,
                _worst(result.frames, frame_gaps, frame_gaps > threshold),
            )
        ]
    if borderline < tested:
        return [
            Evidence(
                "gap_near",
                "borderline",
                f"{measured(m, tested)}: above the borderline limit of {borderline:.2f} but "
                f"not the threshold of {threshold:.2f}",
                numbers | {"borderline": borderline},
            )
        ]
    return []


def _above_ceiling(result: Result, m: Measures, margin: float) -> list[Evidence]:
    if not m.above_ceiling.size:
        return []
    assert m.excess is not None and m.ceiling is not None
    excess, ceil = m.excess, m.ceiling
    d_scores = result.scores[m.d_key]
    worst = int(np.argmax(excess))
    return [
        Evidence(
            "above_ceiling",
            "flag",
            f"{m.above_ceiling.size} of {len(result)} frames score above their own ceiling "
            f"with {m.d_key} (the score of the reference against itself): up to "
            f"{float(excess[worst]):.2f} points at frame {int(result.frames[worst])} "
            f"({float(d_scores[worst]):.2f} > {float(ceil[worst]):.2f}). No loss of fidelity "
            "gets a frame there, only credit for local gains above the reference does: "
            "enhancement (sharpening, contrast) is the cause, whatever the quality level",
            {
                "frames": int(m.above_ceiling.size),
                "max_excess": float(excess[worst]),
                "frame": int(result.frames[worst]),
                "score": float(d_scores[worst]),
                "ceiling": float(ceil[worst]),
                "margin": margin,
                "model": m.ceiling_source,
            },
            _worst(result.frames, excess, excess > margin),
        )
    ]


def _worst(frames: np.ndarray, values: np.ndarray, mask: np.ndarray) -> tuple[int, ...]:
    idx = np.flatnonzero(mask)
    idx = idx[np.argsort(-values[idx], kind="stable")][:_MAX_FRAMES]
    return tuple(int(frames[i]) for i in idx)
