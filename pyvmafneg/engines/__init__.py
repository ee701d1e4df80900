"""Scoring engines behind one interface.

* ``libvmaf``: libvmaf in-process through CFFI (:mod:`.libvmaf`);
* ``ffmpeg``: FFmpeg's ``libvmaf`` filter in a subprocess (:mod:`._ffmpeg`);
* ``reference``: the NumPy reference, the independent witness (:mod:`.reference`);
* ``native``: this package's C engine (:mod:`.native`), when it is built.

Model names, overloads and gain limits are resolved once, in :mod:`._models`.
"""

import importlib
from typing import Any

from ._models import BUILTIN_MODELS, DEFAULT_MODELS, ModelSpec, parse_model
from ._registry import backend_names, run_backend

__all__ = [
    "BUILTIN_MODELS",
    "DEFAULT_MODELS",
    "ModelSpec",
    "backend_names",
    "parse_model",
    "run_backend",
]

#: Engines reachable as attributes, imported on first use (``engines.libvmaf``).
_ENGINES = frozenset({"libvmaf", "native", "reference"})


def __getattr__(name: str) -> Any:
    if name in _ENGINES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
