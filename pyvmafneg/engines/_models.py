"""Model specifications: the one place that knows how a model name maps to options.

A :class:`ModelSpec` names a libvmaf model (a built-in version such as
``vmaf_v0.6.1neg`` or a JSON file), the key its scores appear under, and any
feature overloads, in particular the two enhancement gain limits that make a
model "NEG":

* ``vif_enhn_gain_limit``: cap on the local VIF gain (distorted/reference).
* ``adm_enhn_gain_limit``: cap on the ADM restored-detail gain.

Both default to 100 (no practical cap) in libvmaf and are 1.0 in the NEG
models; libvmaf accepts any value in :data:`GAIN_LIMIT_RANGE`, [1.0, 100.0].
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from .._defaults import GAIN_LIMIT_RANGE
from ..errors import GainLimitError, ModelError

__all__ = [
    "BUILTIN_MODELS",
    "DEFAULT_MODELS",
    "GAIN_LIMIT_RANGE",
    "ModelSpec",
    "check_model_file",
    "feature_suffix",
    "parse_model",
    "resolve_models",
]

#: Built-in model versions of libvmaf 3.x (``vmaf_model_load``).
BUILTIN_MODELS: tuple[str, ...] = (
    "vmaf_v0.6.1",
    "vmaf_v0.6.1neg",
    "vmaf_4k_v0.6.1",
    "vmaf_4k_v0.6.1neg",
    "vmaf_v1.0.16_3d0h",
    "vmaf_v1.0.16_3d0h_2160",
    "vmaf_v1.0.16_5d0h",
    "vmaf_v1.0.16_1d5h_2160",
    "vmaf_v1.0.16_hfr_3d0h",
    "vmaf_v1.0.16_hfr_3d0h_2160",
    "vmaf_v1.0.16_hfr_5d0h",
    "vmaf_v1.0.16_hfr_1d5h_2160",
)

#: Gain limits each built-in model applies on its own (from its JSON).
_BUILTIN_LIMITS: dict[str, tuple[float, float]] = {
    "vmaf_v0.6.1neg": (1.0, 1.0),
    "vmaf_4k_v0.6.1neg": (1.0, 1.0),
}


@dataclass(frozen=True)
class ModelSpec:
    """One model to score with.

    Parameters
    ----------
    source:
        A built-in version (see :data:`BUILTIN_MODELS`) or a path to a libvmaf
        JSON model file.
    name:
        Key of this model's scores in results and logs; must be unique among
        the models of one run. Defaults to a name derived from ``source``.
    vif_gain_limit, adm_gain_limit:
        Optional overloads of ``vif_enhn_gain_limit`` / ``adm_enhn_gain_limit``
        in [1.0, 100.0]; None keeps the model's own setting.
    """

    source: str
    name: str = ""
    vif_gain_limit: float | None = None
    adm_gain_limit: float | None = None

    def __post_init__(self) -> None:
        if not self.source:
            raise ModelError("a model needs a built-in version name or a JSON path")
        for key, value in (
            ("vif_enhn_gain_limit", self.vif_gain_limit),
            ("adm_enhn_gain_limit", self.adm_gain_limit),
        ):
            if value is not None:
                # Stored as a float whatever number type was given ("1.5", numpy floats...).
                attr = "vif_gain_limit" if key.startswith("vif") else "adm_gain_limit"
                object.__setattr__(self, attr, check_gain_limit(value, key))
        if not self.name:
            object.__setattr__(self, "name", self._default_name())

    @property
    def is_path(self) -> bool:
        """True when ``source`` is a JSON file rather than a built-in version."""
        return _looks_like_path(self.source)

    @property
    def version(self) -> str:
        """The built-in version, or the file stem for a JSON path."""
        if self.is_path:
            stem = os.path.basename(self.source)
            return stem[:-5] if stem.lower().endswith(".json") else stem
        return self.source

    @property
    def effective_limits(self) -> tuple[float | None, float | None]:
        """``(vif, adm)`` gain limits in force.

        Built-in models and overloads are known exactly; for a JSON path
        without overloads the limits are not read from the file, and the
        default (100) is assumed unless its name says ``neg`` (see
        :attr:`is_neg`).
        """
        base = _BUILTIN_LIMITS.get(self.version, (100.0, 100.0))
        if self.version.startswith("vmaf_v1.0.16"):
            base = (100.0, 1.0)  # v1 has no VIF; its ADM carries the cap
        vif = self.vif_gain_limit if self.vif_gain_limit is not None else base[0]
        adm = self.adm_gain_limit if self.adm_gain_limit is not None else base[1]
        return vif, adm

    @property
    def is_neg(self) -> bool:
        """True when the model caps enhancement gain at parity (both limits 1)."""
        vif, adm = self.effective_limits
        if self.version.startswith("vmaf_v1.0.16"):
            return adm == 1.0
        if self.is_path and self.vif_gain_limit is None and self.adm_gain_limit is None:
            return "neg" in self.version.lower()
        return vif == 1.0 and adm == 1.0

    def describe(self) -> str:
        """Human-readable one-liner, e.g. ``vmaf_neg = vmaf_v0.6.1neg``."""
        extra = []
        if self.vif_gain_limit is not None:
            extra.append(f"vif_enhn_gain_limit={self.vif_gain_limit:g}")
        if self.adm_gain_limit is not None:
            extra.append(f"adm_enhn_gain_limit={self.adm_gain_limit:g}")
        tail = f" ({', '.join(extra)})" if extra else ""
        return f"{self.name} = {self.source}{tail}"

    def _default_name(self) -> str:
        base = self.version
        parts = [base]
        if self.vif_gain_limit is not None:
            parts.append(f"vif_egl_{self.vif_gain_limit:g}")
        if self.adm_gain_limit is not None:
            parts.append(f"adm_egl_{self.adm_gain_limit:g}")
        return "_".join(parts)


#: The default pair: classic VMAF and VMAF-NEG, scored in one pass.
DEFAULT_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("vmaf_v0.6.1", name="vmaf"),
    ModelSpec("vmaf_v0.6.1neg", name="vmaf_neg"),
)


def check_gain_limit(value: float | str, option: str = "gain limit") -> float:
    """Return ``value`` as float, or raise :class:`GainLimitError` outside :data:`GAIN_LIMIT_RANGE`.

    Booleans are refused (``True`` is not a gain limit).
    """
    lo, hi = GAIN_LIMIT_RANGE
    try:
        if isinstance(value, bool):
            raise TypeError
        val = float(value)
    except (TypeError, ValueError):
        raise GainLimitError(
            f"{option} must be a number in [{lo!r}, {hi!r}]; got {value!r}",
            option=option,
            value=value,
        ) from None
    if not math.isfinite(val) or not lo <= val <= hi:
        raise GainLimitError(
            f"{option}={value!r} is outside libvmaf's range [{lo!r}, {hi!r}]: {lo!r} caps "
            f"enhancement at parity (VMAF-NEG), {hi!r} leaves it uncapped (default VMAF)",
            option=option,
            value=value,
        )
    return val


def feature_suffix(limit: float | None) -> str:
    """Suffix libvmaf appends to feature names for a non-default gain limit.

    ``feature_suffix(1.0)`` is ``'_egl_1'``; the default (100 or None) has none.
    """
    if limit is None or limit == 100.0:
        return ""
    return f"_egl_{limit:g}"


def _looks_like_path(text: str) -> bool:
    return text.lower().endswith(".json") or os.sep in text or "/" in text


_KEY_ALIASES = {
    "vif_enhn_gain_limit": "vif_gain_limit",
    "vif_egl": "vif_gain_limit",
    "adm_enhn_gain_limit": "adm_gain_limit",
    "adm_egl": "adm_gain_limit",
    "enhn_gain_limit": "both",
    "egl": "both",
    "name": "name",
    "version": "source",
    "path": "source",
}


def parse_model(text: str) -> ModelSpec:
    """Parse a model argument as given on the command line.

    Forms accepted (``:``-separated, like the model option of libvmaf's ``vmaf`` tool)::

        vmaf_v0.6.1neg
        vmaf_v0.6.1:name=mine:vif_enhn_gain_limit=1.2:adm_enhn_gain_limit=1.2
        version=vmaf_v0.6.1:name=x            # libvmaf CLI style
        path=/models/custom.json:name=custom
        /models/custom.json:egl=1             # egl sets both limits
    """
    if not text or not text.strip():
        raise ModelError("empty model argument; give a built-in name or a JSON path")
    fields: dict[str, object] = {}
    source: str | None = None
    for i, part in enumerate(text.split(":")):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            if i == 0 and source is None:
                source = part
                continue
            raise ModelError(
                f"cannot read {part!r} in model argument {text!r}; use key=value", model=text
            )
        key, value = (s.strip() for s in part.split("=", 1))
        target = _KEY_ALIASES.get(key)
        if target is None:
            raise ModelError(
                f"unknown model option {key!r} in {text!r}; known options: name, version, "
                "path, vif_enhn_gain_limit, adm_enhn_gain_limit, egl",
                model=text,
            )
        if target == "source":
            source = value
        elif target == "name":
            fields["name"] = value
        elif target == "both":
            fields["vif_gain_limit"] = check_gain_limit(value, key)
            fields["adm_gain_limit"] = check_gain_limit(value, key)
        else:
            fields[target] = check_gain_limit(value, key)
    if not source:
        raise ModelError(f"model argument {text!r} names no model version or path", model=text)
    return ModelSpec(source, **fields)  # type: ignore[arg-type]


def resolve_models(
    models: Iterable[ModelSpec | str] | ModelSpec | str | None,
    *,
    allow_none: bool = False,
) -> tuple[ModelSpec, ...]:
    """Turn user input into specs with unique names (the default pair if None).

    Unknown built-in names and missing JSON files raise :class:`ModelError`;
    a repeated name gets ``_2``, ``_3``... appended, because libvmaf would
    otherwise hand back the first model's scores for the second. An empty
    list raises too, unless ``allow_none`` (a run of extra features only).
    """
    if models is None:
        return DEFAULT_MODELS
    if isinstance(models, (str, ModelSpec)):
        models = [models]
    specs: list[ModelSpec] = []
    for m in models:
        spec = parse_model(m) if isinstance(m, str) else m
        if not isinstance(spec, ModelSpec):
            raise ModelError(f"cannot use {m!r} as a model; give a name, path or ModelSpec")
        if spec.is_path:
            if os.path.isdir(spec.source):
                raise ModelError(
                    f"model file {spec.source!r} is a directory; give the path of a libvmaf "
                    "JSON model file",
                    model=spec.source,
                )
            if not os.path.isfile(spec.source):
                from .._outputs import missing  # not at import: the parser stays light

                raise ModelError(
                    f"model file {spec.source!r} {missing(spec.source)}; give a libvmaf JSON model "
                    f"path or a built-in name ({', '.join(BUILTIN_MODELS[:4])}, ...)",
                    model=spec.source,
                )
        elif spec.source not in BUILTIN_MODELS:
            raise ModelError(
                f"unknown model {spec.source!r}; built-in models are: "
                f"{', '.join(BUILTIN_MODELS)} (or give a path to a JSON model)",
                model=spec.source,
            )
        specs.append(spec)
    if not specs and not allow_none:
        raise ModelError("no model given; pass at least one model or None for the default pair")
    seen: dict[str, int] = {}
    unique: list[ModelSpec] = []
    for spec in specs:
        n = seen.get(spec.name, 0) + 1
        seen[spec.name] = n
        unique.append(spec if n == 1 else replace(spec, name=f"{spec.name}_{n}"))
    names = [s.name for s in unique]
    if len(set(names)) != len(names):
        raise ModelError(f"model names must be unique; got {names}")
    return tuple(unique)


def pick_pair(specs: Sequence[ModelSpec]) -> tuple[str | None, str | None]:
    """Names of the default and the NEG model for the gap, or None where absent.

    The first model that caps enhancement is the NEG side, the first that does
    not is the default side.
    """
    default = next((s.name for s in specs if not s.is_neg), None)
    neg = next((s.name for s in specs if s.is_neg), None)
    return default, neg


#: Largest JSON model file read (libvmaf's own models are well under 1 MiB).
_MAX_MODEL_BYTES = 64 * 2**20
#: Most features a libvmaf model may use (libvmaf's MAX_FEATURE_COUNT).
_MAX_MODEL_FEATURES = 32
_MODEL_TYPES = ("LIBSVMNUSVR", "BOOTSTRAP_LIBSVMNUSVR", "RESIDUEBOOTSTRAP_LIBSVMNUSVR")
_SVM_TYPES = ("c_svc", "nu_svc", "one_class", "epsilon_svr", "nu_svr")
_KERNEL_TYPES = ("linear", "polynomial", "rbf", "sigmoid")


def _is_number(value: object) -> bool:
    """True for JSON numbers (ints and floats, not booleans)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _model_file_problem(data: object) -> str | None:
    """What makes a parsed JSON document unusable as a libvmaf model, or None."""
    if not isinstance(data, dict) or not isinstance(data.get("model_dict"), dict):
        return 'it has no "model_dict" object (model collections are not supported)'
    md = data["model_dict"]
    if md.get("model_type") not in _MODEL_TYPES:
        return f'"model_type" is {md.get("model_type")!r}, not one of {", ".join(_MODEL_TYPES)}'
    if md.get("norm_type") not in ("linear_rescale", "none"):
        return f'"norm_type" is {md.get("norm_type")!r}, not "linear_rescale" or "none"'
    names = md.get("feature_names")
    if (
        not isinstance(names, list)
        or not 1 <= len(names) <= _MAX_MODEL_FEATURES
        or not all(isinstance(n, str) and n for n in names)
    ):
        return f'"feature_names" must list 1 to {_MAX_MODEL_FEATURES} feature names'
    if md["norm_type"] == "linear_rescale":
        for key in ("slopes", "intercepts"):
            values = md.get(key)
            if (
                not isinstance(values, list)
                or len(values) != len(names) + 1
                or not all(_is_number(v) and math.isfinite(v) for v in values)
            ):
                return f'"{key}" must hold {len(names) + 1} numbers (one per feature, plus one)'
    clip = md.get("score_clip")
    if clip is not None and not (
        isinstance(clip, list) and len(clip) == 2 and all(_is_number(v) for v in clip)
    ):
        return '"score_clip" must be two numbers [min, max]'
    transform = md.get("score_transform")
    if transform is not None and not isinstance(transform, dict):
        return '"score_transform" must be an object'
    svm = md.get("model")
    if not isinstance(svm, str):
        return 'it has no "model" string (the libsvm model)'
    return _libsvm_problem(svm)


def _libsvm_problem(text: str) -> str | None:
    """What makes a libsvm model text unusable, or None (libvmaf crashes on some)."""
    header: dict[str, str] = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        key, _, value = line.strip().partition(" ")
        if key == "SV":
            vectors = [v for v in lines[i + 1 :] if v.strip()]
            break
        header[key] = value.strip()
    else:
        return 'its libsvm "model" has no SV section'
    if header.get("svm_type") not in _SVM_TYPES:
        return f'its libsvm "model" has svm_type {header.get("svm_type")!r}'
    if header.get("kernel_type") not in _KERNEL_TYPES:
        return f'its libsvm "model" has kernel_type {header.get("kernel_type")!r}'
    try:
        total = int(header.get("total_sv", ""))
        rho = [float(v) for v in header.get("rho", "").split()]
    except ValueError:
        total, rho = 0, []
    if total < 1 or not rho:
        return 'its libsvm "model" lacks a positive total_sv or its rho'
    if len(vectors) < total:
        return f'its libsvm "model" has {len(vectors)} support vectors of the {total} it declares'
    return None


def check_model_file(path: str | os.PathLike[str]) -> None:
    """Raise :class:`ModelError` unless ``path`` holds a usable libvmaf JSON model.

    libvmaf loads some damaged models without complaint and then crashes
    (no libsvm ``model``, a ``model`` without ``rho``) or scores nonsense
    (missing ``slopes``, ``feature_names``, ``model_type``), so the structure
    libvmaf relies on is checked here first: ``model_dict`` with a known
    ``model_type`` and ``norm_type``, 1 to 32 ``feature_names``, one slope and
    one intercept per feature plus one, and a libsvm model with its header,
    ``rho`` and the support vectors it declares.
    """
    name = os.fspath(path)
    what = f"{name!r} is not a readable libvmaf JSON model"
    try:
        with open(name, "rb") as fh:
            raw = fh.read(_MAX_MODEL_BYTES + 1)
    except OSError as exc:
        raise ModelError(
            f"{what}: cannot read it ({exc.strerror or exc}); check its permissions"
        ) from None
    if len(raw) > _MAX_MODEL_BYTES:
        raise ModelError(f"{what}: it is larger than {_MAX_MODEL_BYTES // 2**20} MiB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "invalid JSON"
        raise ModelError(
            f"{what}: {reason}; give a model file from libvmaf's model/ directory"
        ) from None
    problem = _model_file_problem(data)
    if problem:
        raise ModelError(
            f"{what}: {problem}; give a model file from libvmaf's model/ directory (or the "
            "file as libvmaf's training tools wrote it)"
        )
