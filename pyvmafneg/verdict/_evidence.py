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
    NEG level plus the margin (:mod:`pyvmafneg.verdict._rule`); with the frame
    evidence, only where a band keeps more of the reference's detail than
    honest encodes do, or frames are above their own ceiling.
``excess_unconfirmed`` (borderline)
    The gap is beyond honest encodes as for ``excess``, but the frame evidence
    shows no band above its honest envelope: blocking or noise can earn that
    credit.
``detail_gain`` (flag)
    Frame evidence: a band's projection gain (how much of the reference's own
    detail the encode carries, :mod:`pyvmafneg.verdict._projection`) is above
    what honest encodes at this quality keep by more than the band's margin,
    at any quality level.
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
from ._projection import BANDS
from ._report import Evidence
from ._rule import Assessment, BandAssessment, BandGain

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
    bands: BandAssessment | None = None,
) -> list[Evidence]:
    """Every piece of evidence that fired, flags first."""
    numbers = _gap_numbers(m, tested, overall)
    out: list[Evidence] = []
    if threshold is None:
        out += _calibrated(result, m, assessment, frame_gaps, numbers, bands)
        if bands is not None:
            out += _detail_gain(bands)
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
    bands: BandAssessment | None = None,
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
    if a.fired and bands is not None:
        return [_excess_with_frames(result, m, a, frame_gaps, numbers, bands)]
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
                "encoders did not; the frame evidence, which tells them apart, was not "
                "available (scores alone)",
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


def _band_numbers(bands: BandAssessment) -> dict[str, float | int | str | None]:
    out: dict[str, float | int | str | None] = {"frames_measured": bands.frames}
    for b in bands.bands:
        out |= {f"{b.key}_gain": b.gain, f"{b.key}_envelope": b.envelope}
    return out


def _band_text(b: BandGain) -> str:
    return f"{BANDS[b.key][2]}: gain {b.gain:.3f} against the honest limit {b.envelope:.3f}"


def _likely(bands: list[BandGain]) -> str:
    """The likely cause from the bands that fired: a contrast stretch lifts every band, the
    low-pass residual too; sharpening lifts the fine bands only."""
    if any(b.key == "projlow" for b in bands):
        return (
            "a contrast stretch or another tone change that raises contrast (the low-pass "
            "band fired; such a change lifts the finer bands too)"
        )
    return "sharpening (an unsharp mask, CAS or a similar filter: the finer bands fired)"


def _excess_with_frames(
    result: Result,
    m: Measures,
    a: Assessment,
    frame_gaps: np.ndarray,
    numbers: dict[str, float | int | str | None],
    bands: BandAssessment,
) -> Evidence:
    """The gap rule weighed with the frame evidence: the flag stands where a band is above its
    honest envelope or frames are above their own ceiling; else it is borderline."""
    numbers = numbers | _band_numbers(bands)
    beyond = (
        f"{measured(m, a.gap)}, beyond honest encodes at this quality ({m.n_key} "
        f"{a.neg_level:.1f}: at most {a.envelope:.2f}, margin {a.margin:.2f})"
    )
    above = sorted(bands.above_envelope, key=lambda b: -b.excess)
    if above:
        return Evidence(
            "excess",
            "flag",
            f"{beyond}, and the encode keeps more of the reference's detail than honest "
            f"encodes at this quality do in {', '.join(_band_text(b) for b in above)}. Likely "
            f"cause: {_likely(above)} before the encode, which the default model rewards. How "
            "sure: on the calibration's held-out sources no honest encode had both",
            numbers,
            _worst(result.frames, frame_gaps, frame_gaps > a.threshold),
        )
    if m.above_ceiling.size:
        return Evidence(
            "excess",
            "flag",
            f"{beyond}; no band keeps more of the reference's detail than honest encodes do, "
            "but frames score above their own ceiling (below)",
            numbers,
            _worst(result.frames, frame_gaps, frame_gaps > a.threshold),
        )
    close = bands.closest
    limit = (
        f" (the band closest to its honest limit is {BANDS[close.key][2]}: gain "
        f"{close.gain:.3f} against {close.envelope:.3f})"
        if close is not None
        else ""
    )
    return Evidence(
        "excess_unconfirmed",
        "borderline",
        f"the default model credits {a.gap:.2f} points that NEG caps, beyond honest encodes at "
        f"this quality ({m.n_key} {a.neg_level:.1f}: at most {a.envelope:.2f}, margin "
        f"{a.margin:.2f}), but the encode keeps no more of the reference's detail than honest "
        f"encodes do{limit}: blocking or noise can earn this credit. Worth a look, not proof "
        "of enhancement",
        numbers | {"largest_band": None if close is None else close.key},
    )


def _detail_gain(bands: BandAssessment) -> list[Evidence]:
    fired = sorted(bands.fired, key=lambda b: -(b.excess - b.margin))
    if not fired:
        return []
    top = fired[0]
    parts = "; ".join(
        f"{_band_text(b)}, {b.excess:.3f} above it (margin {b.margin:.3f})" for b in fired
    )
    return [
        Evidence(
            "detail_gain",
            "flag",
            f"the encode carries more of the reference's own detail than honest encodes at "
            f"this quality keep (projection gain per band over {bands.frames} frames, at NEG "
            f"{bands.neg_level:.1f}): {parts}. Blocking and noise do not raise this gain. "
            f"Likely cause: {_likely(fired)} before the encode. How sure: beyond every honest "
            "encode of the calibration's fitting sources by more than the largest excess one "
            "source showed over the others",
            _band_numbers(bands) | {"band": top.key, "excess": top.excess, "margin": top.margin},
        )
    ]


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
