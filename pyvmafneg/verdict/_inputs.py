"""What the check refuses to judge: impossible scores, mixed model families, a foreign baseline.

Each refusal raises a specific :class:`~pyvmafneg.errors.VmafNegError` with the
facts as attributes (the command line prints one line and exits 2):

* a score that is NaN or infinite, or outside what the model can produce
  (:class:`~pyvmafneg.errors.ScoreRangeError`); the range comes from the model
  file, see :func:`score_range`;
* default and NEG scores that two different SVMs produced, e.g. a 4K default
  log beside an HD NEG log (:class:`~pyvmafneg.errors.ModelFamilyError`); each
  side's model is identified by recomputing its scores from its own logged
  features with each bundled model (:func:`identify_families`);
* a baseline of another length, other frame numbers, or another source
  (:class:`~pyvmafneg.errors.BaselineMismatchError`): ``motion2`` is computed on
  the reference alone, so two encodes of one source carry the same series.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..errors import BaselineMismatchError, ModelFamilyError, ScoreRangeError
from ..results._result import Result
from ._ceiling import CeilingUnavailable, _model_from, ceiling_model, find_motion
from ._credit import FEATURES, lookup

__all__ = ["FAMILIES", "Families", "check_baseline", "check_scores", "identify_families"]

#: Model files the default and NEG scores can be recomputed with (one SVM each;
#: a NEG model is its family's SVM on the gain-limit-1 features).
FAMILIES: tuple[str, ...] = ("vmaf_v0.6.1", "vmaf_4k_v0.6.1")
#: Largest difference (points) between logged scores and a model recomputed
#: from the logged features for the scores to be that model's.
MODEL_MATCH = 0.05
#: Feature values an encode can reach, for :func:`score_range`: ADM and VIF
#: from 0 (nothing kept) to 1.6 (gains well beyond any enhancement filter's),
#: motion2 from 0 to 128 luma levels per pixel.
_FIDELITY_GRID = np.linspace(0.0, 1.6, 5)
_MOTION_GRID = np.array([0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0])
#: Points added on each side of the extremes found on the grid.
_RANGE_MARGIN = 25.0
#: Largest difference of the reference's motion2 between two encodes of one source.
_MOTION_MATCH = 1e-3


@lru_cache(maxsize=8)
def score_range(model: str) -> tuple[float, float]:
    """The scores ``model`` can produce, unclipped, in VMAF points: ``(low, high)``.

    The model file's SVM is evaluated (score transform off and on) over a grid
    of every feature value an encode can have (ADM and VIF 0-1.6, motion2
    0-128) and the extremes are widened by 25 points; 0-100 (clipped scores)
    is always inside. For ``vmaf_v0.6.1`` this is about -95 to 322.
    """
    lows, highs = [0.0], [100.0]
    for transform in (False, True):
        m = _model_from(model, transform)
        roles = ["motion" if "motion" in n.lower() else "one" for n in m.feature_names]
        n_one = roles.count("one")
        grid = itertools.product(*([_FIDELITY_GRID] * n_one), _MOTION_GRID)
        pts = np.array(list(grid))
        cols, j = [], 0
        for r in roles:
            if r == "motion":
                cols.append(pts[:, -1])
            else:
                cols.append(pts[:, j])
                j += 1
        y = m.predict_many(np.column_stack(cols))
        lows.append(float(y.min()))
        highs.append(float(y.max()))
    return min(lows) - _RANGE_MARGIN, max(highs) + _RANGE_MARGIN


def check_scores(result: Result, key: str, model: str | None) -> None:
    """Refuse NaN/infinite scores, and scores outside ``model``'s range (when known)."""
    values = np.asarray(result.scores[key], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        raise ScoreRangeError(
            f"the {key!r} score of frame {int(result.frames[i])} is {values[i]}: no model "
            "produces that, so the log cannot be checked",
            key=key,
            frame=int(result.frames[i]),
            value=float(values[i]),
        )
    if model is None:
        return
    # Every score of a plausible run lies in -20..120; only others pay for the model's range.
    if np.all((values >= -20.0) & (values <= 120.0)):
        return
    low, high = score_range(model)
    out = np.flatnonzero((values < low) | (values > high))
    if out.size:
        i = int(out[0])
        raise ScoreRangeError(
            f"the {key!r} score of frame {int(result.frames[i])} is {values[i]:.6g} points, "
            f"outside what {model} can produce ({low:.0f} to {high:.0f}): the log is damaged "
            "or not a VMAF score",
            key=key,
            frame=int(result.frames[i]),
            value=float(values[i]),
            low=low,
            high=high,
            model=model,
        )


@dataclass(frozen=True)
class Families:
    """Which bundled model reproduces each side's scores (None when none does)."""

    default: str | None
    neg: str | None

    @property
    def common(self) -> str | None:
        """The family both sides share, or None."""
        return self.default if self.default is not None and self.default == self.neg else None


def _recompute(model: str, features: Mapping[str, np.ndarray], suffix: str) -> np.ndarray | None:
    motion_key = find_motion(features)
    if motion_key is None:
        return None
    values = {name: lookup(features, name + suffix) for name in FEATURES}
    if any(v is None for v in values.values()):
        return None
    m = _model_from(model)
    cols = []
    for fname in m.feature_names:
        low = fname.lower()
        if "motion2" in low:
            cols.append(np.asarray(features[motion_key], dtype=np.float64))
        else:
            name = next((n for n in FEATURES if n in low), None)
            if name is None:
                return None
            cols.append(values[name])
    return m.predict_many(np.column_stack(cols))


def _which(scores: np.ndarray, features: Mapping[str, np.ndarray], suffix: str) -> str | None:
    usable = np.isfinite(scores) & (scores != 100.0) & (scores != 0.0)  # clipping leaves 0/100
    if not usable.any():
        return None
    for model in FAMILIES:
        try:
            again = _recompute(model, features, suffix)
        except CeilingUnavailable:
            return None
        if again is None:
            return None
        if float(np.max(np.abs(again[usable] - scores[usable]))) <= MODEL_MATCH:
            return model
    return None


def identify_families(result: Result) -> Families:
    """Identify the default side's and the NEG side's model from their own features."""
    d_key, n_key = str(result.default_model), str(result.neg_model)
    return Families(
        default=_which(result.scores[d_key], result.features, ""),
        neg=_which(result.scores[n_key], result.features, "_egl_1"),
    )


def check_families(result: Result) -> Families:
    """Raise :class:`~pyvmafneg.errors.ModelFamilyError` when the two sides' SVMs differ."""
    fam = identify_families(result)
    if fam.default is not None and fam.neg is not None and fam.default != fam.neg:
        raise ModelFamilyError(
            f"the default scores ({result.default_model!r}) are those of {fam.default} but the "
            f"NEG scores ({result.neg_model!r}) are those of {fam.neg} on capped features: the "
            "gap between two different models measures the models, not enhancement, so no "
            "verdict is given",
            advice="score both models of one family (vmaf_v0.6.1 with vmaf_v0.6.1neg, or the "
            "4K pair) on the same clip",
            model=fam.default,
            default_model=fam.default,
            neg_model=fam.neg,
        )
    return fam


def range_model(result: Result, key: str, family: str | None) -> str | None:
    """The model file whose range bounds ``key``'s scores (None for models without one)."""
    if family is not None:
        return family
    try:
        return ceiling_model(result.models.get(key, key))[0]
    except CeilingUnavailable:
        return None


def check_baseline(baseline: Result, result: Result) -> None:
    """Refuse a baseline that does not score the same frames of the same source."""
    n, nb = len(result), len(baseline)
    if n != nb or not np.array_equal(result.frames, baseline.frames):
        raise BaselineMismatchError(
            f"the baseline has {nb} frames ({_span(baseline.frames)}) but the checked encode "
            f"has {n} ({_span(result.frames)}): a baseline must be another encode of the same "
            "frames of the same source",
            frames=n,
            baseline_frames=nb,
        )
    k1, k2 = find_motion(result.features), find_motion(baseline.features)
    if k1 is None or k2 is None:
        return
    m1 = np.asarray(result.features[k1], dtype=np.float64)
    m2 = np.asarray(baseline.features[k2], dtype=np.float64)
    differ = np.flatnonzero(~(np.abs(m1 - m2) <= _MOTION_MATCH * np.maximum(1.0, np.abs(m1))))
    if differ.size:
        i = int(differ[0])
        raise BaselineMismatchError(
            f"the baseline's reference is another clip: its motion (motion2, computed on the "
            f"reference alone) is {m2[i]:.4f} at frame {int(result.frames[i])} where the "
            f"checked encode's is {m1[i]:.4f}; a baseline must be another encode of the same "
            "source",
            frames=n,
            baseline_frames=nb,
            frame=int(result.frames[i]),
        )


def _span(frames: np.ndarray) -> str:
    if frames.size == 0:
        return "none"
    return f"frames {int(frames[0])}-{int(frames[-1])}"
