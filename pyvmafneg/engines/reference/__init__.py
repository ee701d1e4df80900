"""Independent NumPy reference of libvmaf 3.2.0's integer VMAF features.

Pure functions on luma arrays (no I/O, no libvmaf): VIF (:func:`vif_features`),
ADM (:func:`adm_features`), motion (:func:`motion2_scores`) and the SVM model
every engine shares (:func:`load_model`, from :mod:`pyvmafneg.engines._svm`),
plus introspection of where the enhancement-gain caps act
(:func:`vif_explain`, :func:`adm_explain`, per frame :func:`explain_frames`) and a
scoring backend with the libvmaf scorer's interface (:class:`ReferenceScorer`,
:func:`score_reference`, which ``pyvmafneg.score(..., backend="reference")`` calls).

Example::

    from pyvmafneg.engines.reference import load_model, motion2_scores, vif_features

    vif = vif_features(ref_y, dis_y, bitdepth=8, gain_limit=1.0)
"""

from __future__ import annotations

from .._paths import default_kernel
from .._svm import BUNDLED_MODELS, ScoreTransform, SvmModel, VmafModel, load_model, model_from_dict
from ._adm import AdmBandCap, AdmExplain, adm_explain, adm_features, adm_features_multi
from ._backend import ReferenceScorer, score_reference
from ._explain import (
    CapSummary,
    FrameCap,
    explain_frames,
    explain_pair,
    format_frame,
    format_summary,
    summarize,
)
from ._motion import Motion, Motion2, MotionScores, motion2_scores, motion_sad, motion_scores
from ._vif import VifExplain, vif_explain, vif_features, vif_features_multi

__all__ = [
    "BUNDLED_MODELS",
    "AdmBandCap",
    "AdmExplain",
    "CapSummary",
    "FrameCap",
    "Motion",
    "Motion2",
    "MotionScores",
    "ReferenceScorer",
    "ScoreTransform",
    "SvmModel",
    "VifExplain",
    "VmafModel",
    "adm_explain",
    "adm_features",
    "adm_features_multi",
    "default_kernel",
    "explain_frames",
    "explain_pair",
    "format_frame",
    "format_summary",
    "load_model",
    "model_from_dict",
    "motion2_scores",
    "motion_sad",
    "motion_scores",
    "score_reference",
    "summarize",
    "vif_explain",
    "vif_features",
    "vif_features_multi",
]
