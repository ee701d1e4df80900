"""The enhancement-gain check: evidence, thresholds and a verdict on a :class:`~pyvmafneg.Result`.

:func:`save_cap_maps` (maps of where the caps act, from the NumPy reference's
explain data) is imported on first use, so this namespace stays light.
"""

from typing import Any

from ._check import DEFAULT_THRESHOLD, CheckReport, check

__all__ = ["DEFAULT_THRESHOLD", "CheckReport", "check", "save_cap_maps"]


def __getattr__(name: str) -> Any:
    if name == "save_cap_maps":
        from ._capmaps import save_cap_maps

        return save_cap_maps
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
