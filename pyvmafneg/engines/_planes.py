"""Checks of the luma planes every engine scores: layout, dtype, sample range, bit depth.

Each engine checks its planes here before it computes anything (the native
engine before it hands a pointer to C), so a bad plane raises the same
:class:`~pyvmafneg.errors.FrameError` whichever engine scores it.
"""

from __future__ import annotations

import operator

import numpy as np
from numpy.typing import NDArray

from ..errors import FrameError

__all__ = ["check_bitdepth", "check_pair", "check_plane", "check_plane_layout"]


def check_bitdepth(bitdepth: object) -> int:
    """Return ``bitdepth`` as an int in [8, 16] or raise ValueError."""
    if isinstance(bitdepth, bool):
        raise FrameError(f"bitdepth must be an integer in [8, 16], got {bitdepth!r}")
    try:
        b = operator.index(bitdepth)  # type: ignore[arg-type]
    except TypeError:
        raise FrameError(f"bitdepth must be an integer in [8, 16], got {bitdepth!r}") from None
    if not 8 <= b <= 16:
        raise FrameError(f"bitdepth must be an integer in [8, 16], got {b}")
    return b


def check_plane_layout(
    plane: object, bitdepth: int, name: str, min_side: int
) -> NDArray[np.unsignedinteger]:
    """Check that ``plane`` is a 2-D array of the dtype ``bitdepth`` needs, sides >= ``min_side``.

    The layout half of :func:`check_plane` (which also checks the sample range):
    constant time, so the native engine runs it on every frame.
    """
    if not isinstance(plane, np.ndarray):
        raise FrameError(f"{name} must be a numpy.ndarray, got {type(plane).__name__}")
    if plane.ndim != 2:
        raise FrameError(f"{name} must be 2-D (height, width), got shape {plane.shape}")
    want = np.dtype(np.uint8) if bitdepth == 8 else np.dtype(np.uint16)
    if plane.dtype != want:
        raise FrameError(
            f"{name} has dtype {plane.dtype}, but {bitdepth}-bit samples must be {want.name}"
        )
    h, w = plane.shape
    if h < min_side or w < min_side:
        raise FrameError(f"{name} is {w}x{h} (width x height); both sides must be >= {min_side}")
    return plane


def check_plane(
    plane: object, bitdepth: int, *, name: str = "plane", min_side: int = 1
) -> NDArray[np.unsignedinteger]:
    """Validate one luma plane for ``bitdepth`` and return it as an ndarray.

    The plane must be a 2-D ``numpy.ndarray`` of ``uint8`` (8-bit) or
    ``uint16`` (9..16-bit) whose samples fit in ``bitdepth`` bits, with both
    sides at least ``min_side``.
    """
    plane = check_plane_layout(plane, bitdepth, name, min_side)
    if 8 < bitdepth < 16:
        peak = int(plane.max())
        if peak >= 1 << bitdepth:
            raise FrameError(
                f"{name} holds sample value {peak}, which does not fit in "
                f"{bitdepth} bits (max {(1 << bitdepth) - 1})"
            )
    return plane


def check_pair(
    ref: object, dis: object, bitdepth: object, *, min_side: int = 1
) -> tuple[NDArray[np.unsignedinteger], NDArray[np.unsignedinteger], int]:
    """Validate a reference/distorted luma pair; return ``(ref, dis, bitdepth)``."""
    b = check_bitdepth(bitdepth)
    r = check_plane(ref, b, name="ref", min_side=min_side)
    d = check_plane(dis, b, name="dis", min_side=min_side)
    if r.shape != d.shape:
        raise FrameError(f"ref and dis must have the same shape, got {r.shape} and {d.shape}")
    return r, d, b
