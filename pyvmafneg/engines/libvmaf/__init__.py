"""The ``libvmaf`` engine: libvmaf in-process through CFFI (ABI mode).

The only code that touches libvmaf: library discovery, the C declarations
(``libvmaf_api.h``), pictures, models and overloads, error mapping
(:mod:`._binding`), and the streaming :class:`Scorer` (:mod:`._scorer`).
"""

from ._binding import LibraryInfo, library_info, live_objects, load_library
from ._scorer import Scorer, score_libvmaf

__all__ = [
    "LibraryInfo",
    "Scorer",
    "library_info",
    "live_objects",
    "load_library",
    "score_libvmaf",
]
