"""Scoring engines behind one interface.

* ``libvmaf``: libvmaf in-process through CFFI (:mod:`.libvmaf`);
* ``ffmpeg``: FFmpeg's ``libvmaf`` filter in a subprocess (:mod:`._ffmpeg`);
* ``reference``: the NumPy reference, the independent witness (:mod:`.reference`);
* ``native``: this package's C engine (:mod:`.native`), when it is built.

Model names, overloads and gain limits are resolved once, in :mod:`._models`.
"""

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
