"""Model specifications: the one place that knows how a model name maps to options.

A :class:`ModelSpec` names a libvmaf model (a built-in version such as
``vmaf_v0.6.1neg`` or a JSON file), the key its scores appear under, and any
feature overloads, in particular the two enhancement gain limits that make a
model "NEG":

* ``vif_enhn_gain_limit``: cap on the local VIF gain (distorted/reference).
* ``adm_enhn_gain_limit``: cap on the ADM restored-detail gain.

Both default to 100 (no practical cap) in libvmaf and are 1.0 in the NEG
models; libvmaf accepts any value in [1.0, 100.0].
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from .errors import GainLimitError, ModelError

__all__ = [
    "ModelSpec",
    "BUILTIN_MODELS",
    "DEFAULT_MODELS",
    "GAIN_LIMIT_RANGE",
    "parse_model",
    "resolve_models",
    "feature_suffix",
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

#: libvmaf's accepted range for both enhancement gain limits.
GAIN_LIMIT_RANGE: tuple[float, float] = (1.0, 100.0)

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
                check_gain_limit(value, key)
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


def check_gain_limit(value: float, option: str = "gain limit") -> float:
    """Return ``value`` as float, or raise :class:`GainLimitError` if outside [1, 100]."""
    try:
        val = float(value)
    except (TypeError, ValueError):
        raise GainLimitError(f"{option} must be a number in [1.0, 100.0]; got {value!r}") from None
    lo, hi = GAIN_LIMIT_RANGE
    if not math.isfinite(val) or not lo <= val <= hi:
        raise GainLimitError(
            f"{option}={value!r} is outside libvmaf's range [1.0, 100.0]: 1.0 caps "
            "enhancement at parity (VMAF-NEG), 100.0 leaves it uncapped (default VMAF)"
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

    Forms accepted (``:``-separated, like libvmaf's ``--model``)::

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
            raise ModelError(f"cannot read {part!r} in model argument {text!r}; use key=value")
        key, value = (s.strip() for s in part.split("=", 1))
        target = _KEY_ALIASES.get(key)
        if target is None:
            raise ModelError(
                f"unknown model option {key!r} in {text!r}; known options: name, version, "
                "path, vif_enhn_gain_limit, adm_enhn_gain_limit, egl"
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
        raise ModelError(f"model argument {text!r} names no model version or path")
    return ModelSpec(source, **fields)  # type: ignore[arg-type]


def resolve_models(
    models: Iterable[ModelSpec | str] | ModelSpec | str | None,
) -> tuple[ModelSpec, ...]:
    """Turn user input into specs with unique names (the default pair if None).

    Unknown built-in names and missing JSON files raise :class:`ModelError`;
    a repeated name gets ``_2``, ``_3``... appended, because libvmaf would
    otherwise hand back the first model's scores for the second.
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
            if not os.path.isfile(spec.source):
                raise ModelError(
                    f"model file {spec.source!r} does not exist; give a libvmaf JSON model "
                    f"path or a built-in name ({', '.join(BUILTIN_MODELS[:4])}, ...)"
                )
        elif spec.source not in BUILTIN_MODELS:
            raise ModelError(
                f"unknown model {spec.source!r}; built-in models are: "
                f"{', '.join(BUILTIN_MODELS)} (or give a path to a JSON model)"
            )
        specs.append(spec)
    if not specs:
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
