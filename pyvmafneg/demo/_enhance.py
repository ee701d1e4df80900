"""Enhancement operations on YUV planes: the edits default VMAF rewards.

Every function here takes one 2-D plane of integer samples (``uint8`` for
8-bit video, ``uint16`` holding 10-, 12- or 16-bit samples) and returns a
*new* plane of the same shape, dtype and code range. The input is never
modified. All are deterministic (the same input and parameters give the same
samples, bit for bit) and vectorised (NumPy/SciPy, no per-pixel Python).

Each operation has a strength parameter whose neutral value returns the input
unchanged:

=========================  ============================  ==========
function                   strength parameter            neutral
=========================  ============================  ==========
:func:`unsharp_mask`       ``amount``                    0
:func:`sharpen_kernel`     ``strength``                  0
:func:`histogram_equalize` ``strength``                  0
:func:`contrast_stretch`   ``gain``                      1
:func:`gamma`              ``gamma``                     1
=========================  ============================  ==========

Samples are clipped to the code range ``[0, 2**bitdepth - 1]``; operations
whose natural output range is the *legal* (video, "limited") range (histogram
equalisation, gamma) map into ``[16, 235] * 2**(bitdepth - 8)``, as luma is
coded. :func:`apply_to_frames` runs any of them over the luma (or every) plane
of a list of :class:`~pyvmafneg.io._frame.Frame`.

Example
-------
>>> import numpy as np
>>> from pyvmafneg import demo as enhance
>>> y = np.tile(np.arange(16, 236, dtype=np.uint8), (8, 1))
>>> out = enhance.unsharp_mask(y, sigma=1.0, amount=1.5)
>>> out.dtype, out.shape == y.shape
(dtype('uint8'), True)
>>> bool((enhance.unsharp_mask(y, amount=0.0) == y).all())
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import ndimage

from ..errors import FrameError
from ..io._frame import Frame

__all__ = [
    "OPERATIONS",
    "apply_to_frames",
    "contrast_stretch",
    "gamma",
    "histogram_equalize",
    "legal_range",
    "sharpen_kernel",
    "unsharp_mask",
]

_BITDEPTHS = (8, 10, 12, 16)


def code_max(bitdepth: int) -> int:
    """Largest sample value at ``bitdepth``: ``2**bitdepth - 1``."""
    return (1 << int(bitdepth)) - 1


def legal_range(bitdepth: int) -> tuple[int, int]:
    """Legal (limited, "video") luma range ``(16, 235) * 2**(bitdepth - 8)``."""
    shift = int(bitdepth) - 8
    return 16 << shift, 235 << shift


def _check_plane(plane: Any, bitdepth: int | None, name: str) -> tuple[np.ndarray, int]:
    """Validate a plane and its bit depth; return ``(array, bitdepth)``."""
    arr = np.asarray(plane)
    if arr.ndim != 2:
        raise FrameError(f"{name}: the plane must be 2-D (rows, columns); got shape {arr.shape}")
    if arr.size == 0:
        raise FrameError(f"{name}: the plane is empty (shape {arr.shape})")
    if arr.dtype == np.uint8:
        if bitdepth is None:
            bitdepth = 8
        if bitdepth != 8:
            raise FrameError(
                f"{name}: a uint8 plane holds 8-bit samples but bitdepth={bitdepth} was "
                "given; use uint16 planes for 10/12/16-bit video"
            )
    elif arr.dtype == np.uint16:
        if bitdepth is None:
            raise FrameError(f"{name}: uint16 planes need an explicit bitdepth (10, 12 or 16)")
        if bitdepth not in (10, 12, 16):
            raise FrameError(
                f"{name}: a uint16 plane holds 10-, 12- or 16-bit samples; got bitdepth={bitdepth}"
            )
        if bitdepth < 16:
            peak = int(arr.max())
            if peak > code_max(bitdepth):
                raise FrameError(
                    f"{name}: the plane holds the value {peak}, above {code_max(bitdepth)}, "
                    f"the largest {bitdepth}-bit sample; pass the right bitdepth"
                )
    else:
        raise FrameError(
            f"{name}: the plane has dtype {arr.dtype}; use uint8 (8-bit) or uint16 "
            "(10/12/16-bit) samples"
        )
    if bitdepth not in _BITDEPTHS:
        raise FrameError(f"{name}: bit depth {bitdepth} is not supported; use 8, 10, 12 or 16")
    return arr, int(bitdepth)


def _finite(value: float, name: str, op: str, *, low: float | None = None) -> float:
    v = float(value)
    if not np.isfinite(v):
        raise FrameError(f"{op}: {name} must be a finite number; got {value!r}")
    if low is not None and v < low:
        raise FrameError(f"{op}: {name} must be >= {low:g}; got {v:g}")
    return v


def _to_plane(values: np.ndarray, like: np.ndarray, low: int, high: int) -> np.ndarray:
    """Round half to even, clip to ``[low, high]`` and cast to ``like.dtype``."""
    return np.clip(np.rint(values), low, high).astype(like.dtype)


def unsharp_mask(
    plane: np.ndarray,
    *,
    bitdepth: int | None = None,
    sigma: float = 1.0,
    amount: float = 1.0,
    threshold: float = 0.0,
) -> np.ndarray:
    """Unsharp mask: ``out = in + amount * (in - gaussian_blur(in, sigma))``.

    Parameters
    ----------
    plane:
        2-D ``uint8`` (8-bit) or ``uint16`` (10/12/16-bit) samples.
    bitdepth:
        Bits per sample; defaults to 8 for ``uint8``, required for ``uint16``.
    sigma:
        Radius of the Gaussian blur, its standard deviation in pixels
        (> 0; typical 0.5 to 3). Edges are reflected.
    amount:
        Gain of the added detail (>= 0): 0 returns the input, 0.5 is mild,
        1 to 2 is typical for "sharpen before encoding", 3+ is heavy.
    threshold:
        Detail smaller than this, in code values at ``bitdepth`` (>= 0), is
        left alone, so flat noise is not amplified.

    Returns
    -------
    numpy.ndarray
        New plane, same shape and dtype, clipped to ``[0, 2**bitdepth - 1]``.
    """
    arr, b = _check_plane(plane, bitdepth, "unsharp_mask")
    sigma = _finite(sigma, "sigma", "unsharp_mask")
    if sigma <= 0:
        raise FrameError(f"unsharp_mask: sigma (blur radius in pixels) must be > 0; got {sigma}")
    amount = _finite(amount, "amount", "unsharp_mask", low=0.0)
    threshold = _finite(threshold, "threshold", "unsharp_mask", low=0.0)
    if amount == 0.0:
        return arr.copy()
    x = arr.astype(np.float64)
    detail = x - ndimage.gaussian_filter(x, sigma, mode="reflect")
    if threshold > 0.0:
        detail[np.abs(detail) < threshold] = 0.0
    return _to_plane(x + amount * detail, arr, 0, code_max(b))


#: The discrete Laplacian behind :func:`sharpen_kernel` (sums to zero).
_LAPLACIAN = np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]])


def sharpen_kernel(
    plane: np.ndarray, *, bitdepth: int | None = None, strength: float = 1.0
) -> np.ndarray:
    """Classic 3x3 sharpening: convolve with ``identity + strength * laplacian``.

    With ``strength=1`` the kernel is the textbook
    ``[[0, -1, 0], [-1, 5, -1], [0, -1, 0]]``.

    Parameters
    ----------
    plane:
        2-D ``uint8`` or ``uint16`` samples.
    bitdepth:
        Bits per sample; defaults to 8 for ``uint8``, required for ``uint16``.
    strength:
        Weight of the 4-neighbour Laplacian (>= 0): 0 returns the input,
        0.25 to 0.5 is mild, 1 is strong. Edges are replicated.

    Returns
    -------
    numpy.ndarray
        New plane, same shape and dtype, clipped to ``[0, 2**bitdepth - 1]``.
    """
    arr, b = _check_plane(plane, bitdepth, "sharpen_kernel")
    strength = _finite(strength, "strength", "sharpen_kernel", low=0.0)
    if strength == 0.0:
        return arr.copy()
    x = arr.astype(np.float64)
    lap = ndimage.correlate(x, _LAPLACIAN, mode="nearest")
    return _to_plane(x + strength * lap, arr, 0, code_max(b))


def histogram_equalize(
    plane: np.ndarray,
    *,
    bitdepth: int | None = None,
    strength: float = 1.0,
    legal: bool = True,
) -> np.ndarray:
    """Global histogram equalisation, mapped into the legal (or full) range.

    Each sample value ``v`` maps to ``low + (high - low) * (C(v) - C0) /
    (N - C0)`` where ``C`` is the cumulative histogram of the plane, ``C0``
    the count of the darkest value present and ``N`` the number of samples;
    the output then has a near-flat histogram spanning ``[low, high]``. The
    mapping is a look-up table built from the plane itself.

    Parameters
    ----------
    plane:
        2-D ``uint8`` or ``uint16`` samples.
    bitdepth:
        Bits per sample; defaults to 8 for ``uint8``, required for ``uint16``.
    strength:
        Blend between input (0) and fully equalised output (1), in [0, 1].
    legal:
        Map into the legal luma range ``[16, 235] * 2**(bitdepth - 8)``
        (default) rather than the full code range.

    Returns
    -------
    numpy.ndarray
        New plane, same shape and dtype.
    """
    arr, b = _check_plane(plane, bitdepth, "histogram_equalize")
    strength = _finite(strength, "strength", "histogram_equalize", low=0.0)
    if strength > 1.0:
        raise FrameError(f"histogram_equalize: strength must be in [0, 1]; got {strength:g}")
    if strength == 0.0:
        return arr.copy()
    low, high = legal_range(b) if legal else (0, code_max(b))
    counts = np.bincount(arr.ravel(), minlength=code_max(b) + 1)
    cdf = np.cumsum(counts, dtype=np.float64)
    first = float(cdf[int(arr.min())])
    total = float(arr.size)
    if total == first:  # a flat plane: nothing to spread; keep its value
        lut = np.arange(code_max(b) + 1, dtype=np.float64)
    else:
        lut = low + (high - low) * np.clip(cdf - first, 0.0, None) / (total - first)
    eq = lut[arr]
    x = arr.astype(np.float64)
    lo_clip, hi_clip = (min(low, int(arr.min())), max(high, int(arr.max())))
    return _to_plane((1.0 - strength) * x + strength * eq, arr, lo_clip, hi_clip)


def contrast_stretch(
    plane: np.ndarray,
    *,
    bitdepth: int | None = None,
    gain: float = 1.2,
    pivot: float | None = None,
) -> np.ndarray:
    """Linear contrast change around mid-grey: ``out = pivot + gain * (in - pivot)``.

    Parameters
    ----------
    plane:
        2-D ``uint8`` or ``uint16`` samples.
    bitdepth:
        Bits per sample; defaults to 8 for ``uint8``, required for ``uint16``.
    gain:
        Contrast gain (>= 0, dimensionless): 1 returns the input, above 1
        stretches (1.1 to 1.3 is a typical "punchier" grade), below 1 flattens.
    pivot:
        Value that stays fixed, in code values at ``bitdepth``; default
        mid-grey ``2**(bitdepth - 1)`` (128 at 8 bits).

    Returns
    -------
    numpy.ndarray
        New plane, same shape and dtype, clipped to ``[0, 2**bitdepth - 1]``.
    """
    arr, b = _check_plane(plane, bitdepth, "contrast_stretch")
    gain = _finite(gain, "gain", "contrast_stretch", low=0.0)
    p = float(1 << (b - 1)) if pivot is None else _finite(pivot, "pivot", "contrast_stretch")
    if gain == 1.0:
        return arr.copy()
    x = arr.astype(np.float64)
    return _to_plane(p + gain * (x - p), arr, 0, code_max(b))


def gamma(
    plane: np.ndarray,
    *,
    bitdepth: int | None = None,
    gamma: float = 1.0,
    legal: bool = True,
) -> np.ndarray:
    """Power-law tone curve on the normalised signal: ``t -> t ** gamma``.

    The signal is normalised over the legal range (``legal=True``: ``t = (v -
    16k) / (219k)`` with ``k = 2**(bitdepth - 8)``) or the full code range;
    samples outside that range (super-black, super-white) pass through.

    Parameters
    ----------
    plane:
        2-D ``uint8`` or ``uint16`` samples.
    bitdepth:
        Bits per sample; defaults to 8 for ``uint8``, required for ``uint16``.
    gamma:
        Exponent (> 0): 1 returns the input, below 1 brightens mid-tones,
        above 1 darkens them. Black and white stay fixed.
    legal:
        Normalise over the legal luma range (default) or the full range.

    Returns
    -------
    numpy.ndarray
        New plane, same shape and dtype.
    """
    arr, b = _check_plane(plane, bitdepth, "gamma")
    g = _finite(gamma, "gamma", "gamma")
    if g <= 0:
        raise FrameError(f"gamma: the exponent must be > 0; got {g:g}")
    if g == 1.0:
        return arr.copy()
    low, high = legal_range(b) if legal else (0, code_max(b))
    # A look-up table over every code value keeps this exact and fast.
    v = np.arange(code_max(b) + 1, dtype=np.float64)
    t = (v - low) / (high - low)
    inside = (t >= 0.0) & (t <= 1.0)
    lut = np.where(inside, low + (high - low) * np.clip(t, 0.0, 1.0) ** g, v)
    lut = np.clip(np.rint(lut), 0, code_max(b)).astype(arr.dtype)
    return lut[arr]


#: Operations by name, for command lines and parameter sweeps.
OPERATIONS: dict[str, Callable[..., np.ndarray]] = {
    "unsharp": unsharp_mask,
    "sharpen": sharpen_kernel,
    "histeq": histogram_equalize,
    "contrast": contrast_stretch,
    "gamma": gamma,
}


def apply_to_frames(
    frames: Sequence[Frame],
    operation: str | Callable[..., np.ndarray],
    *,
    chroma: bool = False,
    **params: Any,
) -> list[Frame]:
    """Apply an operation to the luma (and optionally chroma) of every frame.

    Parameters
    ----------
    frames:
        :class:`~pyvmafneg.io._frame.Frame` objects (any bit depth and format).
    operation:
        A function of this module, its name in :data:`OPERATIONS`, or any
        callable ``f(plane, *, bitdepth, **params)`` returning a new plane of
        the same shape and dtype.
    chroma:
        Also apply it to the U and V planes (default: luma only; chroma
        planes are copied unchanged).
    **params:
        Keyword parameters of the operation (``bitdepth`` is taken from each
        frame).

    Returns
    -------
    list of Frame
        New frames; the input frames are not modified.
    """
    if isinstance(operation, str):
        try:
            func = OPERATIONS[operation]
        except KeyError:
            raise FrameError(
                f"unknown enhancement {operation!r}; choose one of {', '.join(OPERATIONS)}"
            ) from None
    else:
        func = operation
    if "bitdepth" in params:
        raise FrameError("apply_to_frames takes the bit depth from each frame; drop bitdepth=")
    out: list[Frame] = []
    for frame in frames:
        if not isinstance(frame, Frame):
            raise FrameError(f"apply_to_frames needs Frame objects; got {type(frame).__name__}")
        planes = [func(frame.planes[0], bitdepth=frame.bitdepth, **params)]
        for p in frame.planes[1:]:
            planes.append(func(p, bitdepth=frame.bitdepth, **params) if chroma else p.copy())
        out.append(Frame(tuple(planes), frame.bitdepth, frame.pixel_format))
    return out
