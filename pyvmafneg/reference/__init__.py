"""Independent NumPy reference of libvmaf 3.2.0's integer VMAF features.

Pure functions on luma arrays (no I/O, no libvmaf): VIF (:mod:`.vif`), ADM
(:mod:`.adm`), motion (:mod:`.motion`) and the SVM model (:mod:`.model`),
plus introspection of where the enhancement-gain caps act
(:func:`vif_explain`, :func:`adm_explain`, per frame :mod:`.explain`) and a
scoring backend with the libvmaf scorer's interface (:class:`ReferenceScorer`,
:func:`score_reference`, also reachable as ``score``).

Example::

    from pyvmafneg.reference import load_model, motion2_scores, vif_features

    vif = vif_features(ref_y, dis_y, bitdepth=8, gain_limit=1.0)
"""

from __future__ import annotations

from typing import Any

from .model import BUNDLED_MODELS, ScoreTransform, SvmModel, VmafModel, load_model, model_from_dict
from .motion import Motion2, motion2_scores, motion_sad
from .vif import VifExplain, vif_explain, vif_features, vif_features_multi

# ADM lives in its own module and is imported on first use.
_ADM_EXPORTS = ("AdmExplain", "adm_explain", "adm_features")
# The backend and the per-frame cap report need ADM too; same lazy import.
_LAZY = {
    "ReferenceScorer": ("backend", "ReferenceScorer"),
    "score_reference": ("backend", "score_reference"),
    "score": ("backend", "score_reference"),
    "FrameCap": ("explain", "FrameCap"),
    "explain_pair": ("explain", "explain_pair"),
    "explain_frames": ("explain", "explain_frames"),
}

__all__ = [
    "BUNDLED_MODELS",
    "Motion2",
    "ScoreTransform",
    "SvmModel",
    "VifExplain",
    "VmafModel",
    "load_model",
    "model_from_dict",
    "motion2_scores",
    "motion_sad",
    "vif_explain",
    "vif_features",
    "vif_features_multi",
    *_ADM_EXPORTS,
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        value = getattr(import_module(f"{__name__}.{module}"), attr)
        globals()[name] = value
        return value
    if name in _ADM_EXPORTS:
        try:
            from . import adm
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.adm":
                raise AttributeError(
                    f"{name} is unavailable: {__name__}.adm is not installed"
                ) from exc
            raise
        value = getattr(adm, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
