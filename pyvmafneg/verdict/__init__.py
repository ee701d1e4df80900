"""The enhancement-gain check: evidence, limits and a graded verdict on a Result.

:func:`check` grades a result clean, borderline or flagged; :func:`frame_ceilings`
gives the frames' own ceilings from a model file; :func:`credit_of` says where
the credit comes from (uncapped against capped VIF and ADM).

:func:`save_cap_maps` (maps of where the caps act, from the NumPy reference's
explain data) is imported on first use, so this namespace stays light.
"""

from typing import Any

from ._ceiling import CeilingUnavailable, ceiling_model, frame_ceilings
from ._check import (
    DEFAULT_BORDERLINE,
    DEFAULT_CEILING_MARGIN,
    DEFAULT_FRAME_THRESHOLD,
    DEFAULT_THRESHOLD,
    CheckReport,
    Evidence,
    check,
    residual_gain,
)
from ._credit import Credit, credit_of

__all__ = [
    "DEFAULT_BORDERLINE",
    "DEFAULT_CEILING_MARGIN",
    "DEFAULT_FRAME_THRESHOLD",
    "DEFAULT_THRESHOLD",
    "CeilingUnavailable",
    "CheckReport",
    "Credit",
    "Evidence",
    "ceiling_model",
    "check",
    "credit_of",
    "frame_ceilings",
    "residual_gain",
    "save_cap_maps",
]


def __getattr__(name: str) -> Any:
    if name == "save_cap_maps":
        from ._capmaps import save_cap_maps

        return save_cap_maps
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
