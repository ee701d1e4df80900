"""What the integer engines score: libvmaf's feature names and the models built on them.

The NumPy reference and the native engine compute libvmaf 3.2.0's integer
ADM, VIF and motion features and predict scores with the models that read
only those features. Both name the features as libvmaf's log does, load the
models the same way (:func:`integer_model`) and report the same libvmaf
version; this module is the one place for all of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from ..errors import ModelError
from ._models import ModelSpec, check_gain_limit, feature_suffix, resolve_models
from ._svm import VmafModel, load_model

__all__ = [
    "ADM_KEYS",
    "DEFAULT_GAIN_LIMIT",
    "LIBVMAF_VERSION",
    "MODEL_FEATURES",
    "MOTION_NAMES",
    "SUPPORTED_MODELS",
    "VIF_KEYS",
    "IntegerModel",
    "distinct_limits",
    "feature_key",
    "integer_model",
]

#: The libvmaf release whose integer features the engines reproduce.
LIBVMAF_VERSION: Final[str] = "3.2.0"

#: Built-in model names the integer engines (reference, native) score, and the bundled JSON
#: each loads.
#: ``vmaf_4k_v0.6.1neg`` is the 4K model with both gain limits at 1.0 (its
#: limits come from :attr:`pyvmafneg.engines._models.ModelSpec.effective_limits`).
SUPPORTED_MODELS: Final[Mapping[str, str]] = {
    "vmaf_v0.6.1": "vmaf_v0.6.1",
    "vmaf_v0.6.1neg": "vmaf_v0.6.1neg",
    "vmaf_4k_v0.6.1": "vmaf_4k_v0.6.1",
    "vmaf_4k_v0.6.1neg": "vmaf_4k_v0.6.1",
}

#: ADM features in libvmaf's order (each gain limit's extractor writes all of them).
ADM_KEYS: Final[tuple[str, ...]] = (
    "adm2",
    "aim",
    "adm3",
    "adm_scale0",
    "adm_scale1",
    "adm_scale2",
    "adm_scale3",
)
VIF_KEYS: Final[tuple[str, ...]] = tuple(f"vif_scale{s}" for s in range(4))
#: Motion features (always at the default options) -> libvmaf's log names.
MOTION_NAMES: Final[Mapping[str, str]] = {
    "sad": "VMAF_integer_feature_motion_sad_score",
    "motion2": "integer_motion2",
    "motion3": "integer_motion3",
}
DEFAULT_GAIN_LIMIT: Final[float] = 100.0

#: Model feature name (``model_dict.feature_names``) -> (extractor, feature key).
MODEL_FEATURES: Final[Mapping[str, tuple[str, str]]] = {
    **{f"VMAF_integer_feature_{k}_score": ("adm", k) for k in ADM_KEYS},
    **{f"VMAF_integer_feature_{k}_score": ("vif", k) for k in VIF_KEYS},
    "VMAF_integer_feature_motion2_score": ("motion", "motion2"),
    "VMAF_integer_feature_motion3_score": ("motion", "motion3"),
}
#: Extractor options the integer engines understand in a JSON model's ``feature_opts_dicts``.
KNOWN_OPTS: Final[Mapping[str, str]] = {
    "adm": "adm_enhn_gain_limit",
    "vif": "vif_enhn_gain_limit",
}


def feature_key(extractor: str, key: str, limit: float) -> str:
    """libvmaf's log name of an integer feature (``adm``, ``vif``, ``motion``) at a gain limit."""
    if extractor == "motion":
        return MOTION_NAMES[key]
    return f"integer_{key}{feature_suffix(limit)}"


@dataclass(frozen=True, eq=False)
class IntegerModel:
    """One model ready for an integer engine: the SVM, its gain limits and its inputs.

    Attributes
    ----------
    spec:
        The :class:`~pyvmafneg.engines._models.ModelSpec` it was made from.
    model:
        The loaded :class:`~pyvmafneg.engines._svm.VmafModel` (clip and
        transform already set as requested).
    vif_gain_limit, adm_gain_limit:
        Gain limits in force, in [1, 100]; None when the model reads no VIF
        (or no ADM) feature.
    inputs:
        ``(model feature name, Result key)`` pairs in the model's order, e.g.
        ``("VMAF_integer_feature_adm2_score", "integer_adm2_egl_1")``.
    """

    spec: ModelSpec
    model: VmafModel
    vif_gain_limit: float | None
    adm_gain_limit: float | None
    inputs: tuple[tuple[str, str], ...]

    def predict(self, features: Mapping[str, float]) -> float:
        """Score one frame from its features keyed by Result names."""
        return self.model.predict({name: features[key] for name, key in self.inputs})


def integer_model(
    spec: ModelSpec | str,
    *,
    clip: bool = True,
    transform: bool | None = None,
    backend: str = "reference",
) -> IntegerModel:
    """Load a model for an integer engine (``backend``: ``reference`` or ``native``).

    Parameters
    ----------
    spec:
        A :class:`~pyvmafneg.engines._models.ModelSpec` or model string (see
        :func:`pyvmafneg.engines._models.parse_model`): one of :data:`SUPPORTED_MODELS`
        or the path of a libvmaf JSON model whose features are integer ADM
        (``adm2``, ``aim``, ``adm3``, scales), VIF and motion (``motion2``,
        ``motion3``) features at libvmaf's default options but the gain limits.
    clip:
        Clip scores to the model's ``score_clip`` (libvmaf's default).
    transform:
        None keeps the model's own ``score_transform`` setting; True/False
        force it on/off.

    Raises
    ------
    ModelError
        For models the integer engines cannot compute (VMAF v1 and other built-ins,
        JSON models with other features or extractor options).
    GainLimitError
        For a gain limit outside [1, 100].
    """
    spec = resolve_models([spec])[0]
    if spec.is_path:
        source = spec.source
    elif spec.source in SUPPORTED_MODELS:
        source = SUPPORTED_MODELS[spec.source]
    else:
        raise ModelError(
            f"the {backend} backend cannot score {spec.source!r}: it computes the v0.6.1 "
            f"features only, for the models {', '.join(SUPPORTED_MODELS)} (or a JSON model "
            "using integer ADM, VIF and motion)",
            advice="score it with {backend} instead",
            options={"backend": "libvmaf"},
            model=spec.source,
        )
    try:
        model = load_model(source, enable_transform=transform is True, disable_clip=not clip)
    except ValueError as exc:
        raise ModelError(
            f"cannot load model {spec.source!r} for the {backend} backend: {exc}", model=spec.source
        ) from None
    if transform is False and model.transform.enabled:
        model = dataclasses.replace(
            model, transform=dataclasses.replace(model.transform, enabled=False)
        )

    used: set[str] = set()
    for name, opts in zip(model.feature_names, model.feature_opts, strict=True):
        if name not in MODEL_FEATURES:
            raise ModelError(
                f"model {spec.source!r} reads the feature {name!r}, which the {backend} "
                f"backend does not compute (it has {', '.join(MODEL_FEATURES)})",
                advice="use {backend}",
                options={"backend": "libvmaf"},
                model=spec.source,
            )
        extractor = MODEL_FEATURES[name][0]
        extra = set(opts) - {KNOWN_OPTS.get(extractor, "")}
        if extra:
            raise ModelError(
                f"model {spec.source!r} sets {', '.join(sorted(extra))} on {name!r}; the "
                f"{backend} backend supports only the default extractor options and the "
                "enhancement gain limits",
                advice="use {backend}",
                options={"backend": "libvmaf"},
                model=spec.source,
            )
        used.add(extractor)

    try:
        json_limits = (model.vif_gain_limit, model.adm_gain_limit)
    except ValueError as exc:
        raise ModelError(f"model {spec.source!r}: {exc}", model=spec.source) from None
    base = json_limits if spec.is_path else spec.effective_limits
    vif = spec.vif_gain_limit if spec.vif_gain_limit is not None else base[0]
    adm = spec.adm_gain_limit if spec.adm_gain_limit is not None else base[1]
    vif_limit = check_gain_limit(vif, "vif_enhn_gain_limit") if "vif" in used else None
    adm_limit = check_gain_limit(adm, "adm_enhn_gain_limit") if "adm" in used else None

    limits = {"vif": vif_limit, "adm": adm_limit, "motion": DEFAULT_GAIN_LIMIT}
    inputs = []
    for name in model.feature_names:
        extractor, key = MODEL_FEATURES[name]
        inputs.append((name, feature_key(extractor, key, limits[extractor] or DEFAULT_GAIN_LIMIT)))
    return IntegerModel(spec, model, vif_limit, adm_limit, tuple(inputs))


def distinct_limits(limits: Iterable[float | None]) -> tuple[float, ...]:
    """The distinct gain limits in use, libvmaf's default (100) first."""
    found = {g for g in limits if g is not None}
    return tuple(sorted(found, key=lambda g: (g != DEFAULT_GAIN_LIMIT, g)))
