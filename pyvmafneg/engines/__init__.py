"""Scoring engines behind one interface, :func:`score` (also ``pyvmafneg.score``).

* ``libvmaf``: libvmaf in-process through CFFI (:mod:`.libvmaf`);
* ``ffmpeg``: FFmpeg's ``libvmaf`` filter in a subprocess (:mod:`._ffmpeg`);
* ``reference``: the NumPy reference, the independent witness (:mod:`.reference`);
* ``native``: this package's C engine (:mod:`.native`), when it is built.

Below the engines and shared by them: model resolution (:mod:`._models`), the
SVM models (:mod:`._svm`), the integer features' names and models
(:mod:`._integer`), the motion chain (:mod:`._motion`), plane checks
(:mod:`._planes`), libvmaf's ADM code paths (:mod:`._paths`), option checks
(:mod:`._options`), extra libvmaf features (:mod:`._features`) and the
streaming scorer scaffold with the one place a Result is built
(:mod:`._scaffold`). Above them, the backend registry (:mod:`._registry`).
"""

import importlib
from typing import Any

from ._models import BUILTIN_MODELS, DEFAULT_MODELS, GAIN_LIMIT_RANGE, ModelSpec, parse_model
from ._registry import Backend, backend_names, register_backend, score

__all__ = [
    "BUILTIN_MODELS",
    "DEFAULT_MODELS",
    "GAIN_LIMIT_RANGE",
    "Backend",
    "ModelSpec",
    "available_cpus",
    "backend_names",
    "parse_model",
    "register_backend",
    "score",
]

#: Engines reachable as attributes, imported on first use (``engines.libvmaf``).
_ENGINES = frozenset({"libvmaf", "native", "reference"})


def __getattr__(name: str) -> Any:
    if name in _ENGINES:
        return importlib.import_module(f".{name}", __name__)
    if name == "available_cpus":
        from ._options import available_cpus

        return available_cpus
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
