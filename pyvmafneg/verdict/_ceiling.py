"""The clip's own ceiling: the score a frame would get if it were the reference itself.

A VMAF v0.6.1-family model scores a frame from six features: ``adm2``,
``vif_scale0..3`` and ``motion2``. When the distorted frame equals the
reference, VIF and ADM are exactly 1 at every scale (libvmaf's fixed-point
arithmetic keeps them within about 1e-5 of it) and ``motion2``, which libvmaf
computes on the reference alone, is the frame's own. So the best score any
frame can earn by fidelity is

    ceiling(frame) = model(adm2 = 1, vif_scale0..3 = 1, motion2 = frame's motion2)

No loss of fidelity can push a frame above it; only credit for enhancement
(local gains above 1 that the default model does not cap) can. The ceiling is
computed here from the model file with the NumPy reference's SVM
(:mod:`pyvmafneg.engines._svm`), frame by frame, from the
``integer_motion2`` that every libvmaf log carries (the ``vmaf`` tool,
FFmpeg's filter, ffmpeg-quality-metrics and this package; ``motion2`` in older logs).

Which model file gives the ceiling
----------------------------------
``vmaf_v0.6.1`` and its NEG twin ``vmaf_v0.6.1neg`` share one SVM, so they
share one ceiling; so do ``vmaf_4k_v0.6.1`` and ``vmaf_4k_v0.6.1neg``, and any
gain-limit overload of these models (a limit caps gains above it, and the
reference against itself has gain 1 everywhere). A JSON model file whose
features are only ADM, VIF and ``motion2`` is evaluated as given. VMAF v1
models (``vmaf_v1.0.16_*``) do not get a ceiling here: they score from
``adm3`` and ``motion3`` (no VIF) and their files do not ship with the
package, so no ceiling is claimed for them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..engines._svm import VmafModel, load_model

__all__ = [
    "Ceiling",
    "CeilingUnavailable",
    "ceiling_model",
    "find_motion",
    "frame_ceilings",
]

#: Names under which logs carry ``motion2``, preferred first.
MOTION_KEYS: tuple[str, ...] = (
    "integer_motion2",
    "VMAF_integer_feature_motion2_score",
    "motion2",
    "VMAF_feature_motion2_score",
    "vmaf_feature_motion2_score",
    "float_motion2",
)

_V1 = re.compile(r"v1\.0|vmaf_v1|_1d5h|_3d0h|_5d0h")


class CeilingUnavailable(Exception):
    """Why no ceiling can be computed for a model or a log (``reason`` says it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Ceiling:
    """Per-frame ceilings of one model.

    Attributes
    ----------
    model:
        The model file the ceiling was computed from (a bundled name or a path).
    assumed:
        True when the model was inferred from a score name that does not name
        a version (e.g. ``vmaf`` in a log), so v0.6.1 was assumed.
    motion_key:
        The log's name of the ``motion2`` feature used.
    values:
        Ceiling per frame in VMAF points (unclipped), aligned with the frames.
    """

    model: str
    assumed: bool
    motion_key: str
    values: np.ndarray


@lru_cache(maxsize=16)
def _load(source: str, transform: bool = False) -> VmafModel:
    return load_model(source, enable_transform=transform, disable_clip=True)


def ceiling_model(text: str) -> tuple[str, bool]:
    """The model file that gives the ceiling of a model, from its name or description.

    Parameters
    ----------
    text:
        A score key (``vmaf``, ``vmaf_4k_neg``), a built-in version
        (``vmaf_4k_v0.6.1neg``), a JSON path, or this package's model
        description (``vmaf_neg = vmaf_v0.6.1neg (vif_enhn_gain_limit=1.2)``).

    Returns
    -------
    (source, assumed)
        A bundled model name or JSON path for :func:`frame_ceilings`, and
        whether v0.6.1 was assumed because the text names no version.

    Raises
    ------
    CeilingUnavailable
        For VMAF v1 models, and JSON files that cannot give a ceiling.
    """
    source = text.split(" = ", 1)[1] if " = " in text else text
    source = re.sub(r"\s+\(.*\)$", "", source.strip())
    low = source.lower()
    if low.endswith(".json") and os.path.isfile(source):
        _check_features(_model_from(source))
        return source, False
    if _V1.search(low):
        raise CeilingUnavailable(
            f"{source} is a VMAF v1 model: it scores from adm3 and motion3 with no VIF, and its "
            "file does not ship with this package, so no ceiling is computed for it"
        )
    if "4k" in low:
        return "vmaf_4k_v0.6.1", "v0.6.1" not in low
    return "vmaf_v0.6.1", "v0.6.1" not in low


def _model_from(source: str, transform: bool = False) -> VmafModel:
    try:
        return _load(source, transform)
    except ValueError as exc:
        raise CeilingUnavailable(f"cannot read model {source}: {exc}") from None


def _check_features(model: VmafModel) -> None:
    other = [n for n in model.feature_names if _role(n) is None]
    if other:
        raise CeilingUnavailable(
            f"model {model.name} uses {', '.join(other)}, whose value at fidelity is not known "
            "here; the ceiling needs a model of ADM, VIF and motion2 only"
        )


def _role(name: str) -> str | None:
    low = name.lower()
    if "motion2" in low:
        return "motion"
    if "adm" in low and "adm3" not in low or "vif" in low:
        return "one"
    return None


def find_motion(features: Mapping[str, np.ndarray]) -> str | None:
    """The key of ``motion2`` among a log's features, or None when it has none."""
    for key in MOTION_KEYS:
        if key in features:
            return key
    return None


def frame_ceilings(
    model: str | VmafModel,
    motion2: np.ndarray,
    *,
    transform: bool = False,
) -> np.ndarray:
    """The ceiling per frame: ``model`` at ADM = VIF = 1 (all scales) and each frame's motion.

    Parameters
    ----------
    model:
        A bundled model name, a libvmaf JSON path, or a loaded model.
    motion2:
        Each frame's ``integer_motion2`` (8-bit luma levels per pixel, >= 0).
    transform:
        Apply the model's score transform (when the scores were made with it
        on; ignored for a loaded ``model``, which keeps its own setting).

    Returns
    -------
    numpy.ndarray
        Unclipped ceilings in VMAF points, one per frame.
    """
    m = _model_from(model, transform) if isinstance(model, str) else model
    _check_features(m)
    roles = [_role(n) for n in m.feature_names]
    motion = np.asarray(motion2, dtype=np.float64).reshape(-1)
    x = np.column_stack([motion if r == "motion" else np.ones_like(motion) for r in roles])
    return m.predict_many(x)


def ceiling_of(
    description: str,
    features: Mapping[str, np.ndarray],
    *,
    model: str | None = None,
    transform: bool = False,
) -> Ceiling:
    """The ceiling of a scored model from its description and the run's features.

    ``model`` overrides the model file inferred from ``description``.
    Raises :class:`CeilingUnavailable` when the run has no ``motion2`` or the
    model gets no ceiling.
    """
    source, assumed = (model, False) if model else ceiling_model(description)
    key = find_motion(features)
    if key is None:
        raise CeilingUnavailable(
            "the scores carry no motion2 feature (integer_motion2), so the frames' own "
            "ceilings cannot be computed; log the features too (libvmaf's JSON/XML/CSV logs "
            "and FFmpeg's libvmaf filter write them by default)"
        )
    values = frame_ceilings(source, features[key], transform=transform)
    return Ceiling(model=source, assumed=assumed, motion_key=key, values=values)
