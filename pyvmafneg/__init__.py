"""pyvmafneg: VMAF and VMAF-NEG, in-process, with the enhancement-gain gap made plain.

Quick use::

    import pyvmafneg
    result = pyvmafneg.score(reference_frames, distorted_frames)
    print(result.pooled("vmaf").mean, result.pooled("vmaf_neg").mean, result.pooled_gap)

``pyvmafneg.score(..., backend="native")`` uses the compiled engine instead of libvmaf.

The public names are listed once, in ``__init__.pyi`` beside this file: type
checkers read it as the package's stub, and this module reads it on import to
build ``__all__`` and import each name from its module on first use (so
``pyvmafneg --help`` starts without NumPy, CFFI or PyAV, and ``import
pyvmafneg`` never loads SciPy, scikit-image, matplotlib, Dask or PyAV). Every
error class is in :mod:`pyvmafneg.errors`; the common ones are also here.
"""

from __future__ import annotations

import importlib as _importlib
import os as _os
import re as _re
from typing import Any as _Any

#: ``from MODULE import NAME as NAME``, one a line: the stub's only form of import.
_IMPORT = _re.compile(r"^from (\.[\w.]*) import (\w+) as (\w+)$", _re.MULTILINE)


def _read_stub() -> tuple[dict[str, str], frozenset[str]]:
    """``{name: module}`` of the public names, and the subpackages, from ``__init__.pyi``."""
    with open(_os.path.join(_os.path.dirname(__file__), "__init__.pyi"), encoding="utf-8") as fh:
        text = fh.read()
    names: dict[str, str] = {}
    packages = set()
    for module, name, alias in _IMPORT.findall(text):
        if name != alias:
            raise ImportError(f"pyvmafneg/__init__.pyi: {name} is exported as {alias}")
        if module == ".":
            packages.add(name)
        else:
            names[name] = module
    return names, frozenset(packages)


#: Name -> module (relative to this package) that defines it, imported on first use.
_LAZY, _SUBPACKAGES = _read_stub()

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> _Any:
    if name == "__version__":
        from ._version import package_version

        value: _Any = package_version()
    elif name in _LAZY:
        value = getattr(_importlib.import_module(_LAZY[name], __name__), name)
    elif name in _SUBPACKAGES:
        value = _importlib.import_module(f".{name}", __name__)
    else:
        # Every error and warning class stays reachable here (pyvmafneg.SyncError),
        # as in earlier versions of this module, though only the common ones are listed.
        from . import errors

        value = getattr(errors, name, None) if name in errors.__all__ else None
        if not (isinstance(value, type) and issubclass(value, errors.VmafNegError | Warning)):
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    """The public names and subpackages, not this module's own machinery."""
    return sorted({*__all__, *_SUBPACKAGES})
