"""The enhancement-gain checker: a graded verdict on default VMAF against VMAF-NEG.

:func:`check` is a pure function from a :class:`~pyvmafneg.results._result.Result`
(from an in-process run or from logs) and limits to a
:class:`~pyvmafneg.verdict._report.CheckReport`, in four steps:

1. refuse what cannot be judged (:mod:`pyvmafneg.verdict._inputs`): NaN or
   impossible scores, default and NEG scores of different model families, a
   baseline of other frames or another source;
2. measure (:func:`measure`): pooled scores, the gap recomputed unclipped from
   the uncapped and capped features where the run has them, where the credit
   comes from, the frames' own ceilings;
3. weigh the evidence (:mod:`pyvmafneg.verdict._evidence`) against the
   calibrated rule (:mod:`pyvmafneg.verdict._rule`) or a plain gap threshold,
   with the frame evidence when the videos are given (the projection gain per
   band, :mod:`pyvmafneg.verdict._projection`);
4. grade:

``flagged`` (exit status 1)
    Evidence of rewarded enhancement fired.
``borderline`` (exit status 0, or 1 when ``strict``)
    Something a person should look at, not proof.
``uncalibrated`` (exit status 0)
    The input lies outside the range the rule was calibrated on (quality
    level, frame count, model, frame size); the report says which, and what
    was measured.
``clean`` (exit status 0)
    Nothing fired.

Unusable input raises a :class:`~pyvmafneg.errors.VmafNegError` (the CLI
exits 2). The rule and its operating range come from ``bench/calibration``
(``docs/calibration.md``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .._defaults import DEFAULT_BORDERLINE, DEFAULT_SCALER, DEFAULT_THRESHOLD
from ..errors import FrameCountMismatchError, ModelError, python_option
from ..results._intervals import DEFAULT_REPLICATES, block_bootstrap, check_bootstrap
from ..results._result import Result, pool
from . import _evidence, _inputs, _rule
from ._baseline import residual_gain, residual_gain_from_means
from ._ceiling import CeilingUnavailable, ceiling_model, ceiling_of
from ._credit import Credit, credit_of
from ._projection import Projection, evidence_frames, measure_projection
from ._report import (
    DEFAULT_CEILING_MARGIN,
    DEFAULT_FRAME_THRESHOLD,
    EXIT_CLEAN,
    EXIT_FLAGGED,
    CheckReport,
    Evidence,
)

__all__ = [
    "DEFAULT_BORDERLINE",
    "DEFAULT_CEILING_MARGIN",
    "DEFAULT_FRAME_THRESHOLD",
    "DEFAULT_THRESHOLD",
    "EXIT_CLEAN",
    "EXIT_FLAGGED",
    "CheckReport",
    "Evidence",
    "Measures",
    "check",
    "measure",
    "residual_gain",
    "residual_gain_from_means",
]

#: Largest difference (points) between logged default scores and the model
#: recomputed from the logged features before the model is taken to be another.
_MODEL_MATCH = _inputs.MODEL_MATCH


@dataclass
class Measures:
    """What :func:`measure` found in a result (the inputs of the evidence)."""

    d_key: str
    n_key: str
    clip_state: bool | None
    above_100: np.ndarray
    credit: Credit | None
    ceiling: np.ndarray | None
    excess: np.ndarray | None
    above_ceiling: np.ndarray
    ceiling_source: str
    ceiling_note: str
    family: str | None
    notes: list[str]

    @property
    def source(self) -> str:
        """How the tested gap was obtained, in words."""
        if self.credit is not None:
            return "recomputed unclipped from the uncapped and capped VIF/ADM features"
        return "of the scores as given"


def check(
    result: Result,
    *,
    threshold: float | None = None,
    borderline: float = DEFAULT_BORDERLINE,
    frame_threshold: float = DEFAULT_FRAME_THRESHOLD,
    floor: float | None = None,
    clipped: bool | None | Literal["auto"] = "auto",
    strict: bool = False,
    sources: Sequence[str] = (),
    ceiling_model: str | None = None,
    ceiling_margin: float = DEFAULT_CEILING_MARGIN,
    baseline: Result | None = None,
    size: tuple[int, int] | None = None,
    name_option: Callable[[str, Any], str] = python_option,
    level: float = 0.95,
    replicates: int = DEFAULT_REPLICATES,
    videos: tuple[Any, Any] | None = None,
    scale: str | None = DEFAULT_SCALER,
    projection: Projection | None = None,
) -> CheckReport:
    """Check the enhancement gain of a scored clip and grade it.

    Parameters
    ----------
    result:
        Scores with a default and a NEG model (``result.has_gap``).
    threshold:
        None (default): the calibrated rule, which flags a pooled gap beyond
        what honest encodes of the same quality show, and grades inputs
        outside its calibrated range ``uncalibrated``. A number (VMAF points,
        >= 0): the plain gap rule instead, which flags a pooled gap above it
        whatever the quality (3.25 was the former default).
    borderline:
        Pooled gap above which the clip is borderline under the plain rule,
        in points (>= 0; default 2.5; at or above ``threshold`` it never fires).
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
        JSON path); default: identified from the logged features, else
        inferred from the default model's name.
    ceiling_margin:
        Points a frame may exceed its own ceiling before ``above_ceiling``
        is raised (>= 0; default 0.05).
    baseline:
        Scores of another encode of the same frames of the same source, with
        ``psnr_y`` and ``float_ssim`` in both; enables the ``residual_gain`` hint.
    size:
        Frame size ``(width, height)`` of the scored clip in pixels, when known
        (logs do not record it); tested against the calibrated range.
    name_option:
        Words an option the notes advise, from its keyword and value
        (``clip=False`` by default; the command line names its flag).
    level, replicates:
        Coverage (in (0, 1); default 0.95) and bootstrap replicates (>= 100;
        default 2000) of the intervals of both pooled scores and of the
        tested gap, a moving-block bootstrap over frames
        (:meth:`Result.interval`, :mod:`pyvmafneg.results._intervals`). They
        are reported; the grade does not depend on them.
    videos:
        ``(reference, encode)`` as scored (paths or opened videos): the
        frame evidence of the calibrated rule, the projection gain per band
        (:mod:`pyvmafneg.verdict._projection`, about 6 ms per 1280x720
        frame in the native engine, 30-100 ms in NumPy). With it, a gap
        beyond honest encodes stands as a flag only where a band keeps more
        of the reference's detail than honest encodes do (else
        ``borderline``), and a band far above them flags on its own.
        Without it (logs alone) the gap rule stands alone and the report says
        so. Ignored under the plain gap rule (``threshold``).
    scale:
        The scaler the pair was scored with (a ladder rung is compared
        scaled back, as :func:`pyvmafneg.score` does; default bicubic).
    projection:
        The frame evidence measured already
        (:func:`~pyvmafneg.verdict._projection.measure_projection`), instead
        of ``videos``.

    Returns
    -------
    CheckReport
        With ``grade`` clean, borderline, uncalibrated or flagged and ``exit_code``.

    Raises
    ------
    ModelError
        Without both models, or with a limit that is not a number >= 0.
    ModelFamilyError
        When the default and NEG scores come from different model families.
    ScoreRangeError
        When a score is NaN, infinite or outside what its model can produce.
    BaselineMismatchError
        When ``baseline`` scores other frames or another source.
    FrameCountMismatchError
        When ``videos`` do not hold as many frame pairs as the scores have frames.
    """
    limits = _limits(result, threshold, borderline, frame_threshold, ceiling_margin, floor)
    check_bootstrap(level, replicates)
    family = _refuse(result, baseline, ceiling_model)
    m = measure(result, clipped, ceiling_model, ceiling_margin, family)
    d_scores, n_scores = result.scores[m.d_key], result.scores[m.n_key]
    default, neg = pool(d_scores), pool(n_scores)
    overall = float(default.mean - neg.mean)
    tested = m.credit.pooled if m.credit is not None else overall
    frame_gaps = m.credit.total if m.credit is not None else result.gap
    neg_level = float(np.mean(m.credit.default - m.credit.total)) if m.credit else neg.mean
    if projection is None and videos is not None and limits["threshold"] is None:
        projection = _frame_evidence(result, videos, scale)
    if size is None and projection is not None:
        size = projection.size
    assessment = _rule.assess(
        gap=tested,
        neg_level=neg_level,
        frames=len(result),
        family=m.family,
        size=size,
        frame_gaps=frame_gaps,
    )
    bands = None
    if projection is not None and limits["threshold"] is None and assessment.bands_apply:
        bands = _rule.assess_bands(projection.gains, assessment.neg_level, projection.frames)
    evidence = _evidence.weigh(
        result,
        m,
        tested=tested,
        overall=overall,
        frame_gaps=frame_gaps,
        neg=neg,
        assessment=assessment,
        threshold=limits["threshold"],
        borderline=limits["borderline"],
        frame_threshold=limits["frame_threshold"],
        floor=floor,
        ceiling_margin=limits["ceiling_margin"],
        bands=bands,
    )
    notes = list(m.notes)
    if limits["threshold"] is None and projection is None:
        notes.append(
            "frame evidence not available (scores alone): the gap rule was applied without "
            "it; given the reference and encode videos, the check also measures how much of "
            "the reference's detail the encode keeps per band, which tells sharpening and "
            "contrast from blocking and noise"
        )
    if baseline is not None:
        hint = residual_gain(baseline, result)
        if isinstance(hint, Evidence):
            evidence.append(hint)
        elif hint:
            notes.append(hint)
    notes += _clip_notes(result, m, name_option)
    return CheckReport(
        default_model=m.d_key,
        neg_model=m.n_key,
        frames=result.frames.copy(),
        default=default,
        neg=neg,
        gap=result.gap,
        default_scores=d_scores.copy(),
        neg_scores=n_scores.copy(),
        overall_gap=overall,
        tested_gap=tested,
        threshold=limits["threshold"],
        borderline=limits["borderline"],
        frame_threshold=limits["frame_threshold"],
        strict=bool(strict),
        floor=None if floor is None else float(floor),
        clipped=m.clip_state,
        frames_above_100=m.above_100,
        ceiling=m.ceiling,
        ceiling_excess=m.excess,
        frames_above_ceiling=m.above_ceiling,
        ceiling_model=m.ceiling_source,
        ceiling_margin=limits["ceiling_margin"],
        ceiling_note=m.ceiling_note,
        credit=m.credit,
        evidence=evidence,
        notes=notes,
        sources=list(sources),
        rule=assessment if limits["threshold"] is None else None,
        bands=bands,
        plain_rule=limits["threshold"] is not None,
        intervals=_intervals(
            {m.d_key: d_scores, m.n_key: n_scores, "gap": frame_gaps}, level, replicates
        ),
    )


def _frame_evidence(result: Result, videos: tuple[Any, Any], scale: str | None) -> Projection:
    """Measure the projection gains of ``videos``; refuse videos that are not the scored pair."""
    try:
        reference, encode = videos
    except (TypeError, ValueError):
        raise ModelError(
            "videos must be a pair (reference, encode) of paths or opened videos"
        ) from None
    n = len(result)
    contiguous = bool(np.array_equal(result.frames, np.arange(n)))
    # the frames measured: those scored (every k-th when subsampled), at most 48 spread evenly;
    # a contiguous run reads one pair more to tell videos longer than the scores
    only = evidence_frames(result.frames)
    try:
        found = measure_projection(
            reference, encode, scale=scale, frames=n + 1 if contiguous else None, only=only
        )
    except FrameCountMismatchError as exc:
        raise FrameCountMismatchError(
            f"the videos do not pair with the scores: the reference holds "
            f"{exc.reference_frames} frames and the encode {exc.distorted_frames} where the "
            f"scores have {n}; give the videos that were scored",
            reference_frames=exc.reference_frames,
            distorted_frames=exc.distorted_frames,
            common=exc.common,
        ) from None
    pairs = found.pairs if found.pairs is not None else found.frames
    if contiguous and pairs != n:
        raise FrameCountMismatchError(
            f"the videos do not pair with the scores: they hold "
            f"{'more than ' if pairs > n else ''}{min(pairs, n + 1)} frame pairs "
            f"where the scores have {n}; give the videos that were scored",
            reference_frames=pairs,
            distorted_frames=pairs,
            common=min(pairs, n),
        )
    if not contiguous and found.frames != len(only):
        raise FrameCountMismatchError(
            f"the videos do not pair with the scores: they hold {found.frames} of the "
            f"{len(only)} scored frames the evidence reads; give the videos that were scored",
            reference_frames=found.frames,
            distorted_frames=found.frames,
            common=min(found.frames, n),
        )
    return found


def _intervals(series: dict[str, np.ndarray], level: float, replicates: int) -> dict[str, Any]:
    """Block-bootstrap intervals of each series' mean (none for a single frame)."""
    if any(np.asarray(s).size < 2 for s in series.values()):
        return {}
    return {
        key: block_bootstrap(values, level=float(level), replicates=int(replicates))
        for key, values in series.items()
    }


def _limits(
    result: Result,
    threshold: float | None,
    borderline: float,
    frame_threshold: float,
    ceiling_margin: float,
    floor: float | None,
) -> dict[str, Any]:
    """Check that the result can be checked and the limits are numbers >= 0."""
    if not result.has_gap:
        raise ModelError(
            "the enhancement-gain check needs a default and a NEG model; score with both "
            "(the default models vmaf_v0.6.1 and vmaf_v0.6.1neg) or give both logs"
        )
    if len(result) == 0:
        raise ModelError("the result has no frames; nothing to check")
    if floor is not None and not math.isfinite(float(floor)):
        raise ModelError(f"the NEG floor must be a finite number of points; got {floor}")
    return {
        "threshold": None if threshold is None else _limit(threshold, "gap threshold"),
        "borderline": _limit(borderline, "borderline gap"),
        "frame_threshold": _limit(frame_threshold, "per-frame gap threshold"),
        "ceiling_margin": _limit(ceiling_margin, "ceiling margin"),
    }


def _limit(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ModelError(f"the {what} must be a number >= 0 points; got {value}")
    return value


def _refuse(result: Result, baseline: Result | None, model: str | None) -> str | None:
    """Step 1: refuse what cannot be judged; return the model family both sides share."""
    d_key, n_key = str(result.default_model), str(result.neg_model)
    for key in (d_key, n_key):
        _inputs.check_scores(result, key, None)  # NaN/inf first: they defeat the rest
    families = _inputs.check_families(result)
    family = model or families.common
    for key, side in ((d_key, families.default), (n_key, families.neg)):
        _inputs.check_scores(result, key, _inputs.range_model(result, key, model or side))
    if baseline is not None:
        _inputs.check_baseline(baseline, result)
    return family


def measure(
    result: Result,
    clipped: bool | None | Literal["auto"] = "auto",
    model: str | None = None,
    margin: float = DEFAULT_CEILING_MARGIN,
    family: str | None = None,
) -> Measures:
    """Step 2: clipping, the recomputed credit and the frames' own ceilings."""
    d_key, n_key = str(result.default_model), str(result.neg_model)
    clip_state = result.clipped if clipped == "auto" else clipped
    above = result.frames_above(d_key)
    if above.size:
        clip_state = False  # scores above 100 prove the run was not clipped
    notes: list[str] = []
    model_text = _model_text(result, d_key)
    credit, credit_note, used = _credit(result, d_key, model_text, model or family)
    if credit_note:
        notes.append(credit_note)
    ceil, excess, above_ceiling, ceil_note, ceil_source = _ceiling(
        result, d_key, clip_state, model or family, model_text, margin, credit_note
    )
    if ceil_note:
        notes.append(ceil_note)
    if used is None and credit is None and "not those of" not in credit_note:
        try:  # no features to identify the model by: its name says which family
            used = model or family or ceiling_model(model_text)[0]
        except CeilingUnavailable:
            used = None
    return Measures(
        d_key=d_key,
        n_key=n_key,
        clip_state=clip_state,
        above_100=above,
        credit=credit,
        ceiling=ceil,
        excess=excess,
        above_ceiling=above_ceiling,
        ceiling_source=ceil_source,
        ceiling_note=ceil_note,
        family=used,
        notes=notes,
    )


def _model_text(result: Result, key: str) -> str:
    """What names the default model: this package's description, else the score key."""
    described = result.models.get(key, "")
    return described if " = " in described else key


def _credit(
    result: Result, key: str, model_text: str, model: str | None
) -> tuple[Credit | None, str, str | None]:
    """The recomputed credit (or None with a note saying why not) and the model used."""
    try:
        source, assumed = (model, False) if model else ceiling_model(model_text)
        credit = credit_of(source, result.features)
    except CeilingUnavailable as exc:
        return None, f"gap tested as given, not recomputed unclipped: {exc.reason}", None
    if not np.all(np.isfinite(credit.total)):
        return (
            None,
            "gap tested as given, not recomputed unclipped: some frames have no value "
            "(null/NaN) for a VIF, ADM or motion feature",
            None,
        )
    given = result.scores[key]
    usable = (given != 100.0) & (given != 0.0)  # clipping leaves exactly 0 or 100
    if not usable.any() and assumed:
        return (
            credit,
            f"{key!r} is taken to be {source} (its name names no version, and every frame is "
            "clipped, so the logged scores cannot confirm it); name the model file "
            "(ceiling_model=...) when it is another",
            source,
        )
    if usable.any():
        diff = float(np.max(np.abs(credit.default[usable] - given[usable])))
        if diff > _MODEL_MATCH:
            return (
                None,
                f"the {key!r} scores are not those of {source} recomputed from the logged "
                f"features (they differ by up to {diff:.2f} points): the log's model is "
                "another, so the gap is tested as given and no ceiling is computed; name the "
                "model file (ceiling_model=...) when it is a v0.6.1-family model",
                None,
            )
    neg_key = str(result.neg_model)
    neg_given = result.scores[neg_key]
    neg_usable = (neg_given != 100.0) & (neg_given != 0.0)
    if neg_usable.any():
        recomputed = credit.default - credit.total
        diff = float(np.max(np.abs(recomputed[neg_usable] - neg_given[neg_usable])))
        if diff > _MODEL_MATCH:
            return (
                None,
                f"the {neg_key!r} scores are not those of {source} on the gain-limit-1 "
                f"(_egl_1) features (they differ by up to {diff:.2f} points): the NEG side "
                "uses other gain limits, so the gap is tested as given",
                None,
            )
    return credit, "", source


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


def _clip_notes(result: Result, m: Measures, name_option: Callable[[str, Any], str]) -> list[str]:
    """Remarks on clipping and on frames above 100 (information, not evidence)."""
    if m.above_100.size:
        return [
            f"{m.above_100.size} of {len(result)} frames score above 100 with {m.d_key}; that "
            "alone is no sign of enhancement (a frame's own ceiling can be above 100), the "
            "own-ceiling test is what tells"
        ]
    if m.clip_state is True:
        return [
            "scores are clipped at 100: frames whose own ceiling is above 100 cannot show "
            f"an excess; score unclipped to test every frame ({name_option('clip', False)})"
        ]
    if m.clip_state is None:
        return [
            "the log does not record whether scores were clipped; libvmaf clips at 100 "
            "unless disable_clip is set, so frames whose ceiling is above 100 may hide an excess"
        ]
    return []
