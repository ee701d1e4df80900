"""Vectorised NumPy reference of libvmaf's integer ADM feature (adm2, aim, adm3, scales).

ADM (the Additive impairment / Detail loss Metric) splits each luma plane into a
four-level Daubechies-2 wavelet pyramid, separates the distorted detail bands
into a *restored* part (the reference detail, scaled by a per-coefficient gain
``k`` in ``[0, 1]``) and an *additive* part (everything else), weights both with
a Watson contrast-sensitivity function, masks the restored detail with the
additive energy around it, and compares a cubic (Minkowski p=3) pooling of what
survives against the same pooling of the reference detail (``adm2``, per scale
``adm_scale0..3``). AIM (the additive impairment measure) swaps the roles: it
pools the additive part, masked by the restored detail around it, with no
noise floor, over the same denominator; ``adm3`` blends the two,
``max(0.5 * adm2 + 0.5 * (1 - aim), 0)`` (libvmaf's ``adm_dlm_weight`` and
``adm_min_val`` defaults).

This module reproduces libvmaf 3.2.0's fixed-point implementation
(``libvmaf/src/feature/integer_adm.c``) operation for operation: every shift,
rounding constant, int16 wrap, float32 cast and the ``powf`` cube root are
modelled. It is an independent witness of the binding: it never calls libvmaf.

libvmaf's result depends on its code path in two places. (1) A contrast-masking
term reaches the int16 limit (a CSF-weighted coefficient of the masking band
at about 60 % of full scale, as on sharpened or contrast-stretched edges,
which matters for AIM, whose mask is the restored detail). Its C code wraps
the term there; its AVX2 and AVX-512 kernels keep it in 32 bits, except in the
columns and rows they leave to scalar code, which differ between the two.
(2) A non-integer gain limit: the decoupling turns ``rst * egl`` (a double)
into an integer. The C code truncates it toward zero; the vector kernels
round it to nearest, ties to even, in the columns they cover: at scale 0
only on AVX2 (8 columns a step, up to the last multiple of 8 of the
decoupled width), at every scale on AVX-512 (16 a step, whole steps from
the decoupled window's left edge); see :func:`_rounded_columns`. This moves
``adm2`` and ``aim`` by a few 1e-6 and never matters for egl 1 or 100.
``kernel=`` selects the path to reproduce (:data:`ADM_KERNELS`); the default is
the one libvmaf dispatches to on this CPU (:func:`default_kernel`), so by
default the results equal what libvmaf computes here with ``cpumask=0``.

Agreement with libvmaf, as doubles (``==``), each kernel against its path:

* every frame size from 33x33 up, 8/10/12/16 bits, any gain limit in
  [1, 100], default Watson CSF (nvd 3, rdh 1080, and other viewing
  conditions through the same formulas), except on the vectorised paths:

  - frame widths where libvmaf's vectorised scale-1..3 wavelet reads past the
    end of a row. That can only happen when one of the scale-1..3 input widths
    ``n`` (``ceil(W/2)``, ``ceil(W/4)``, ``ceil(W/8)``) has ``ceil(n/2) % 4 == 1``
    (W = 33-36, 65-72, 97-100, ... ; every common video width but 720 and
    1680 avoids it, and those two are unaffected in practice). Where the stray
    values reach the pooled window, libvmaf's own C and SIMD results differ;
    this module follows the C code.

The *enhancement gain limit* (``adm_enhn_gain_limit``, "egl") is what makes
VMAF-NEG: inside a 1-degree cone where the distorted (h, v) detail points the
same way as the reference, libvmaf lets the restored coefficient grow up to the
distorted one (``min(rst * egl, t)``). With the default ``egl = 100`` a
sharpened picture therefore counts as *more* restored detail and ``adm2`` can
exceed 1; with ``egl = 1`` (the NEG models) the excess stays in the additive
impairment, and ``aim`` grows. :func:`adm_explain` exposes exactly where that
cap bites; :func:`adm_features_multi` scores several limits from one
decomposition.

The scale-0 wavelet runs in int32 (as libvmaf does), everything after it in
int64; no step loops over pixels or rows in Python. The cube roots call the C
library's ``powf`` through :mod:`ctypes` (the function libvmaf calls; neither
NumPy nor a double ``pow`` reproduces its rounding everywhere).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ...errors import OptionError
from .._integer import ADM_KEYS
from .._models import GAIN_LIMIT_RANGE
from .._paths import ADM_KERNELS, default_kernel
from .._planes import check_pair

__all__ = [
    "ADM_FEATURES",
    "BANDS",
    "DEFAULT_GAIN_LIMIT",
    "FFMPEG_AVX2_KERNEL",
    "MIN_SIZE",
    "AdmBandCap",
    "AdmExplain",
    "adm_explain",
    "adm_features",
    "adm_features_multi",
]

#: Keys of the dict :func:`adm_features` returns, in this order: libvmaf's ADM
#: features (:data:`pyvmafneg.engines._integer.ADM_KEYS`), the pooled score first.
ADM_FEATURES: tuple[str, ...] = tuple(
    sorted(ADM_KEYS, key=lambda k: (k != "adm2", k in ("aim", "adm3")))
)
#: Detail bands in libvmaf's order: h (vertical high-pass), v (horizontal high-pass), d.
BANDS: tuple[str, ...] = ("h", "v", "d")
#: libvmaf's default ``adm_enhn_gain_limit`` (no cap in practice); NEG models use 1.0.
DEFAULT_GAIN_LIMIT = 100.0
#: Smallest width and height accepted. libvmaf's wavelet index tables read outside the
#: picture when any scale's input is shorter than 5 samples, i.e. below 33 pixels.
MIN_SIZE = 33

#: A kernel no PyAV libvmaf 3.2.0 takes, reproduced for the libvmaf built into
#: imageio-ffmpeg's FFmpeg (it reports version ``86da14d``): AVX2 masking (6 columns
#: a step) whose scale-0 decoupling rounds ``rst * egl`` in whole 8-column steps
#: from the window's left edge, as the AVX-512 kernel does, where libvmaf 3.2.0's
#: AVX2 kernel ends at the last multiple of 8. On a CPU with AVX2 and no AVX-512 the
#: two builds therefore differ for non-integer ADM gain limits (see docs/reference.md).
FFMPEG_AVX2_KERNEL = "avx2_whole_steps"

# Where libvmaf's decoupling rounds rst * egl to nearest, by kernel: for scale 0 and
# for scales 1..3, the columns per vector step (0: the C expression, which truncates,
# everywhere) and whether the vector part ends on whole steps from the window's left
# edge (see _rounded_columns). The AVX2 kernel of scales 1..3 truncates like C.
_ROUNDING: dict[str, tuple[tuple[int, bool], tuple[int, bool]]] = {
    "c": ((0, False), (0, False)),
    "avx2": ((8, False), (0, False)),
    "avx512": ((16, True), (16, True)),
    FFMPEG_AVX2_KERNEL: ((8, True), (0, False)),
}
_LANES: dict[str, int] = {**ADM_KERNELS, FFMPEG_AVX2_KERNEL: ADM_KERNELS["avx2"]}

_INT16_MAX = (1 << 15) - 1
_BITDEPTHS = (8, 10, 12, 16)
_DEFAULT_NVD = 3.0
_DEFAULT_RDH = 1080
_NOISE_WEIGHT = 0.03125
# adm3 = max(w * adm2 + (1 - w) * (1 - aim), min): libvmaf's adm_dlm_weight and adm_min_val.
_DLM_WEIGHT = 0.5
_ADM_MIN_VAL = 0.0
_BORDER_FACTOR = 0.1

# Daubechies-2 analysis filters in Q15; the low-pass taps sum to 46342.
_LO = (15826, 27411, 7345, -4240)
_HI = (-4240, -7345, 27411, -15826)
_LO_SUM = 46342

# Wavelet pass shifts for scales 1..3: (vertical shift, round, horizontal shift, round).
_DWT_S123 = ((0, 0, 15, 1 << 14), (16, 1 << 15, 16, 1 << 15), (16, 1 << 15, 15, 1 << 14))

# Watson 1997 wavelet-noise visibility model (luma row), as float32 like libvmaf.
_WATSON_A = 0.495
_WATSON_K = 0.466
_WATSON_F0 = 0.401
_WATSON_G = (1.501, 1.0, 0.534, 1.0)
_WATSON_AMPLITUDE = (
    (0.62171, 0.67234, 0.72709, 0.67234),
    (0.34537, 0.41317, 0.49428, 0.41317),
    (0.18004, 0.22727, 0.28688, 0.22727),
    (0.091401, 0.11792, 0.15214, 0.11792),
)
# Band -> theta index of the model: h and v use theta 1, d uses theta 2.
_BAND_THETA = (1, 1, 2)

# Scale 0 fixed-point CSF: libvmaf hard-codes these for nvd * rdh == 3240.
_SCALE0_DEFAULT_IRF = (36453, 36453, 49417)
_SCALE0_CSF_SHIFT = (15, 15, 17)
_SCALE0_CSF_ADD = (16384, 16384, 65535)
_SCALE0_CM_SUB_SHIFT = (10, 10, 12)
_SCALE0_CM_SQ_SHIFT = (29, 29, 30)
_SCALE0_CM_CUBE_OFFSET = (4, 4, 3)
_SCALE0_CM_EXP = (52, 52, 57)
_ONE_BY_30_Q17 = 4369
_ONE_BY_15_Q17 = 8738

# Scales 1..3 fixed-point constants.
_I4_ONE_BY_30 = 143165577
_I4_ONE_BY_15 = 286331153
# libvmaf stores 1u << 31 in an int32, so this "rounding" constant is negative.
_I4_FLT_ROUND = -(1 << 31)
_I4_CM_EXP = (45, 39, 36)
_I4_DEN_SQ_SHIFT = (31, 30, 31)
_I4_DEN_EXP = (32, 27, 23)

_COS_1DEG_SQ = float(np.float32(math.cos(math.pi / 180.0) * math.cos(math.pi / 180.0)))
_F32_THIRD = np.float32(1.0) / np.float32(3.0)

# DIV[m] = trunc(2^30 / m) for m in 1..32768, stored at m + 32768; DIV[-m] = -DIV[m].
_DIV_LOOKUP = np.zeros(65537, dtype=np.int64)
_DIV_LOOKUP[32769:] = (1 << 30) // np.arange(1, 32769, dtype=np.int64)
_DIV_LOOKUP[:32768] = -_DIV_LOOKUP[32769:][::-1]


# --------------------------------------------------------------------------- powf


def _load_powf() -> Callable[[float, float], float] | None:
    """The C library's ``powf``, the function libvmaf uses for its cube roots.

    glibc's ``powf`` is not correctly rounded, and neither rounding ``pow`` in
    double nor NumPy's float32 ``power`` reproduces it everywhere, so the
    platform function is called directly when it can be found.
    """
    names: list[str | None] = []
    if sys.platform == "win32":
        names += ["ucrtbase", "msvcrt"]
    else:
        names += [ctypes.util.find_library("m"), ctypes.util.find_library("c")]
    for name in names:
        if not name:
            continue
        try:
            fn = ctypes.CDLL(name).powf
        except (OSError, AttributeError):
            continue
        fn.argtypes = [ctypes.c_float, ctypes.c_float]
        fn.restype = ctypes.c_float
        return fn
    return None


_POWF = _load_powf()


def _cbrt_f32(x: float) -> np.float32:
    """``powf(f32(x), f32(1/3))`` as libvmaf evaluates it; ``x >= 0``."""
    xf = np.float32(x)
    if _POWF is not None:
        return np.float32(_POWF(float(xf), float(_F32_THIRD)))
    return np.float32(math.pow(float(xf), float(_F32_THIRD)))


def _kernel_name(kernel: str | None) -> str:
    name = default_kernel() if kernel is None else kernel
    if name not in _LANES:
        raise OptionError(f"kernel must be one of {tuple(_LANES)} or None, got {kernel!r}")
    return name


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class AdmBandCap:
    """What the enhancement-gain cap did to one detail band at one scale.

    Coefficients are libvmaf's fixed-point wavelet values: at scale 0 about 64x
    the floating-point transform of 8-bit-equivalent samples (int16 range), at
    scales 1..3 wider int32 values whose unit differs per scale. Arrays cover the
    whole band (``(rows, cols)`` = the band's size) and are read-only.

    Attributes
    ----------
    scale:
        Wavelet scale, 0 (finest) .. 3.
    band:
        ``"h"``, ``"v"`` or ``"d"``.
    roi:
        ``(top, bottom, left, right)``: the half-open window of the band that
        the score pools (libvmaf drops a ~10% border).
    restored_uncapped:
        Restored coefficients with ``egl = 100`` (libvmaf's default, uncapped).
    restored_capped:
        Restored coefficients with ``egl = gain_limit``.
    cap_map:
        ``True`` where the two differ, i.e. where the cap bit.
    fraction:
        Share of the ``roi`` locations where the cap bit, in ``[0, 1]``.
    """

    scale: int
    band: str
    roi: tuple[int, int, int, int]
    restored_uncapped: np.ndarray
    restored_capped: np.ndarray
    cap_map: np.ndarray
    fraction: float


@dataclass(frozen=True)
class AdmExplain:
    """Enhancement-gain cap introspection from one ADM decomposition pass.

    Attributes
    ----------
    gain_limit:
        The capped run's ``adm_enhn_gain_limit``, in ``[1, 100]``.
    bands:
        Twelve :class:`AdmBandCap`, ordered scale 0..3, and within a scale
        h, v, d. :meth:`band` looks one up.
    uncapped:
        ``adm2``, ``adm_scale0..3``, ``aim`` and ``adm3`` at ``egl = 100``
        (libvmaf's default ``integer_adm2`` ...); dimensionless, ``adm2``
        about 1 for a faithful copy, above 1 possible for enhanced pictures,
        ``aim`` about 0.
    capped:
        The same features at ``egl = gain_limit`` (``integer_adm2_egl_1``,
        ``integer_aim_egl_1`` ... for NEG). Both dicts come from the same
        wavelet decomposition and decoupling; they differ only after the cap.
    """

    gain_limit: float
    bands: tuple[AdmBandCap, ...]
    uncapped: dict[str, float]
    capped: dict[str, float]

    def band(self, scale: int, band: str) -> AdmBandCap:
        """Return the :class:`AdmBandCap` of ``band`` (``"h"``, ``"v"``, ``"d"``) at ``scale``."""
        if scale not in range(4) or band not in BANDS:
            raise OptionError(
                f"scale must be 0..3 and band one of {BANDS}, got {scale!r}, {band!r}"
            )
        return self.bands[3 * scale + BANDS.index(band)]

    @property
    def fraction(self) -> float:
        """Share of the pooled (ROI) coefficients of all scales and bands that the cap changed."""
        changed = 0
        total = 0
        for b in self.bands:
            top, bottom, left, right = b.roi
            changed += int(np.count_nonzero(b.cap_map[top:bottom, left:right]))
            total += (bottom - top) * (right - left)
        return changed / total if total else 0.0


# --------------------------------------------------------------------------- validation


def _check_inputs(
    ref: np.ndarray,
    dis: np.ndarray,
    bitdepth: int,
    gain_limit: float,
    norm_view_dist: float,
    ref_display_height: int,
) -> None:
    """Raise ValueError unless the planes and options are ones libvmaf accepts."""
    _check_options(bitdepth, gain_limit, norm_view_dist, ref_display_height)
    _check_planes(ref, dis, bitdepth)


def _check_options(
    bitdepth: int, gain_limit: float, norm_view_dist: float, ref_display_height: int
) -> None:
    if isinstance(bitdepth, bool) or bitdepth not in _BITDEPTHS:
        raise OptionError(f"bitdepth must be one of {_BITDEPTHS}, got {bitdepth!r}")
    lo, hi = GAIN_LIMIT_RANGE
    if isinstance(gain_limit, bool) or not isinstance(gain_limit, (int, float, np.number)):
        raise OptionError(f"gain_limit must be a number in [{lo:g}, {hi:g}], got {gain_limit!r}")
    if not lo <= float(gain_limit) <= hi:
        raise OptionError(f"gain_limit must be in [{lo:g}, {hi:g}], got {gain_limit!r}")
    if not 0.75 <= float(norm_view_dist) <= 24.0:
        raise OptionError(f"norm_view_dist must be in [0.75, 24], got {norm_view_dist!r}")
    if isinstance(ref_display_height, bool) or int(ref_display_height) != ref_display_height:
        raise OptionError(f"ref_display_height must be an integer, got {ref_display_height!r}")
    if not 1 <= int(ref_display_height) <= 4320:
        raise OptionError(f"ref_display_height must be in [1, 4320], got {ref_display_height!r}")
    if float(norm_view_dist) * int(ref_display_height) < _DEFAULT_NVD * _DEFAULT_RDH:
        raise OptionError(
            "norm_view_dist * ref_display_height must be at least 3240 (3 x 1080): "
            "libvmaf's fixed-point ADM cannot represent lower angular frequencies"
        )


def _check_planes(ref: np.ndarray, dis: np.ndarray, bitdepth: int) -> None:
    check_pair(ref, dis, bitdepth, min_side=MIN_SIZE)


# --------------------------------------------------------------------------- CSF weights


@dataclass(frozen=True)
class _Csf:
    """Per-scale CSF weights: float32 ``rf`` per band and the fixed-point forms."""

    rf: tuple[tuple[np.float32, np.float32, np.float32], ...]  # [scale][band]
    scale0_irf: tuple[int, int, int]  # Q21 (h, v) / Q23 (d)
    u32: tuple[tuple[int, int, int], ...]  # [scale 1..3 -> index 0..2][band], Q32


def _watson_rf(scale: int, theta: int, nvd: float, rdh: int) -> np.float32:
    """``1 / Q`` of the Watson 1997 model with libvmaf's float32/double mix."""
    f32 = np.float32
    r = float(f32(nvd * rdh * math.pi / 180.0))
    f0 = float(f32(_WATSON_F0))
    g = float(f32(_WATSON_G[theta]))
    temp = float(f32(math.log10(math.pow(2.0, scale + 1) * f0 * g / r)))
    a = float(f32(_WATSON_A))
    amplitude = float(f32(_WATSON_AMPLITUDE[scale][theta]))
    # The exponent k * temp * temp is a float32 product; only pow() runs in double.
    exponent = float(f32(f32(_WATSON_K) * f32(temp)) * f32(temp))
    q = f32(2.0 * a * math.pow(10.0, exponent) / amplitude)
    return f32(1.0) / q


def _csf_weights(nvd: float, rdh: int) -> _Csf:
    rf = tuple(tuple(_watson_rf(s, _BAND_THETA[b], nvd, rdh) for b in range(3)) for s in range(4))
    if abs(nvd * rdh - _DEFAULT_NVD * _DEFAULT_RDH) < 1.0e-8:
        irf = _SCALE0_DEFAULT_IRF
    else:
        irf = (
            int(float(rf[0][0]) * 2.0**21),
            int(float(rf[0][1]) * 2.0**21),
            int(float(rf[0][2]) * 2.0**23),
        )
    u32 = tuple(tuple(int(float(rf[s][b]) * 2.0**32) for b in range(3)) for s in (1, 2, 3))
    return _Csf(rf=rf, scale0_irf=irf, u32=u32)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- wavelet


def _dwt_taps(x: np.ndarray, axis: int) -> list[np.ndarray]:
    """The four source arrays each output sample of a DWT pass along ``axis`` reads.

    Output ``i`` reads samples ``2i-1 .. 2i+2``; index -1 mirrors to 1 and an
    index ``j >= n`` maps to ``2n - j - 1`` (the last sample repeats). The
    samples are gathered once into an odd-index and an even-index phase so that
    every tap is a contiguous slice of one of them.
    """
    n = x.shape[axis]
    half = (n + 1) // 2
    src = np.arange(-1, 2 * half + 1)
    src[0] = 1
    src = np.where(src >= n, 2 * n - src - 1, src)
    odd_phase = np.take(x, src[0::2], axis=axis)  # sources 2m - 1, m = 0 .. half
    even_phase = np.take(x, src[1::2], axis=axis)  # sources 2m, m = 0 .. half
    index = [slice(None)] * x.ndim
    taps = []
    for k in range(4):
        index[axis] = slice(k // 2, k // 2 + half)
        taps.append((odd_phase if k % 2 == 0 else even_phase)[tuple(index)])
    return taps


def _filter(taps: list[np.ndarray], coeffs: tuple[int, int, int, int]) -> np.ndarray:
    out = taps[0] * coeffs[0]
    scratch = np.empty_like(out)
    for tap, c in zip(taps[1:], coeffs[1:], strict=True):
        np.multiply(tap, c, out=scratch)
        out += scratch
    return out


def _dwt(
    x: np.ndarray,
    vshift: int,
    vadd_lo: int,
    vadd_hi: int,
    hshift: int,
    hadd: int,
    store: Callable[[np.ndarray], np.ndarray] = lambda v: v,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One 2-D db2 level on a stack ``(..., rows, cols)``: returns (a, h, v, d).

    ``store`` models the integer type libvmaf keeps pass results in.
    """
    taps = _dwt_taps(x, axis=-2)
    lo = store((_filter(taps, _LO) + vadd_lo) >> vshift)
    hi = store((_filter(taps, _HI) + vadd_hi) >> vshift)
    lo_taps = _dwt_taps(lo, axis=-1)
    hi_taps = _dwt_taps(hi, axis=-1)
    a = store((_filter(lo_taps, _LO) + hadd) >> hshift)
    v = store((_filter(lo_taps, _HI) + hadd) >> hshift)
    h = store((_filter(hi_taps, _LO) + hadd) >> hshift)
    d = store((_filter(hi_taps, _HI) + hadd) >> hshift)
    return a, h, v, d


def _dwt_scale0(ref: np.ndarray, dis: np.ndarray, bitdepth: int) -> tuple[np.ndarray, ...]:
    """Scale-0 level on the sample planes; returns int64 (a, h, v, d) stacks (ref, dis).

    Runs in int32 like libvmaf: at 16 bits the vertical sums wrap, but the
    re-centred, shifted results fit, so modular arithmetic gives them exactly.
    """
    x = np.stack([ref, dis]).astype(np.int32)
    half = 1 << (bitdepth - 1)
    # The low-pass sum is re-centred around 0 before the shift; the high-pass taps sum to 0.
    bands = _dwt(x, bitdepth, half - _LO_SUM * half, half, 16, 1 << 15)
    return tuple(b.astype(np.int64) for b in bands)


# --------------------------------------------------------------------------- decouple


def _roi(rows: int, cols: int) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` of the pooled window of a ``rows x cols`` band."""
    left = math.trunc(cols * _BORDER_FACTOR - 0.5)
    top = math.trunc(rows * _BORDER_FACTOR - 0.5)
    return top, rows - top, left, cols - left


def _angle_flag(o: list[np.ndarray], t: list[np.ndarray]) -> np.ndarray:
    """True where the (h, v) detail vectors of ref and dis are within 1 degree."""

    def scaled(v: np.ndarray) -> np.ndarray:
        return v.astype(np.float32).astype(np.float64) / 4096.0

    dot = scaled(o[0] * t[0] + o[1] * t[1])
    o_mag = scaled(o[0] * o[0] + o[1] * o[1])
    t_mag = scaled(t[0] * t[0] + t[1] * t[1])
    return (dot >= 0.0) & (dot * dot >= _COS_1DEG_SQ * o_mag * t_mag)


def _gain_scale0(o: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Q15 gain ``k ~ t / o`` before clamping, scale-0 (int16 coefficients)."""
    k = (_DIV_LOOKUP[o + 32768] * t + 16384) >> 15
    return np.where(o == 0, 32768, k)


def _gain_s123(o: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Q15 gain ``k ~ t / o`` before clamping, scales 1..3 (int32 coefficients)."""
    mag = np.abs(o)
    bits = np.frexp(mag.astype(np.float64))[1].astype(np.int64)
    shift = np.where(mag < 32768, 0, bits - 15)
    round_m = np.where(shift > 0, np.left_shift(1, np.maximum(shift - 1, 0)), 0)
    m = (mag + round_m) >> shift
    k = (_DIV_LOOKUP[m + 32768] * t * np.where(o < 0, -1, 1) + (1 << (14 + shift))) >> (15 + shift)
    return np.where(o == 0, 32768, k)


@dataclass(frozen=True)
class _Decoupled:
    """Gain-limit-independent part of the decoupling of one scale."""

    t: list[np.ndarray]  # distorted bands (h, v, d)
    rst: list[np.ndarray]  # k * o, before the gain limit
    pos: list[np.ndarray]  # cap applies, o > 0: rst = min(rst * egl, t)
    neg: list[np.ndarray]  # cap applies, o < 0: rst = max(rst * egl, t)


def _decouple(o: list[np.ndarray], t: list[np.ndarray], scale: int) -> _Decoupled:
    flag = _angle_flag(o, t)
    gain = _gain_scale0 if scale == 0 else _gain_s123
    rst, pos, neg = [], [], []
    for ob, tb in zip(o, t, strict=True):
        k = np.clip(gain(ob, tb), 0, 32768)
        rst.append((k * ob + 16384) >> 15)
        live = flag & (k > 0)
        pos.append(live & (ob > 0))
        neg.append(live & (ob < 0))
    return _Decoupled(t=t, rst=rst, pos=pos, neg=neg)


def _rounded_columns(cols: int, step: int, whole_steps: bool) -> slice | None:
    """Columns of a scale-0 band whose ``rst * egl`` a vectorised decoupling rounds.

    libvmaf decouples the pooled window widened by a filter margin: columns
    ``[lo, hi)`` with ``lo = trunc(0.1 cols - 1.5)`` (at least 0) and
    ``hi = cols - lo + 2`` (at most ``cols``). Its AVX2 and AVX-512 kernels
    take ``step`` columns at a time from ``lo`` and convert ``rst * egl`` to
    an integer with the processor's default rounding (to nearest, ties to
    even); the columns they leave to the C expression are truncated. The
    vector part ends at ``hi - (hi - lo) % step`` when ``whole_steps`` (the
    AVX-512 kernel: whole steps from ``lo``) and at ``hi - hi % step``
    otherwise (the AVX2 kernel: the last multiple of ``step``; a step that
    overruns it is overwritten by the C expression). Returns the rounded
    columns, or None.
    """
    if step == 0:
        return None
    raw = math.trunc(cols * _BORDER_FACTOR - 0.5 - 1)
    lo = max(raw, 0)
    hi = min(cols - raw + 2, cols)
    stop = hi - ((hi - lo) if whole_steps else hi) % step
    return slice(lo, stop) if stop > lo else None


def _restore(
    dec: _Decoupled, band: int, gain_limit: float, rounded: slice | None = None
) -> np.ndarray:
    """Restored coefficients after ``min/max(rst * egl, t)``.

    For a non-integer ``gain_limit`` the product is truncated toward zero, as
    libvmaf's C code does, except in the columns ``rounded`` (see
    :func:`_rounded_columns`), where it is rounded to nearest, ties to even.
    """
    rst, t = dec.rst[band], dec.t[band]
    if float(gain_limit).is_integer():
        scaled = rst * int(gain_limit)
    else:
        product = rst * float(gain_limit)
        scaled = np.trunc(product)
        if rounded is not None:
            scaled[:, rounded] = np.rint(product[:, rounded])
        scaled = scaled.astype(np.int64)
    # t is an integer, so truncating min/max(x, t) equals min/max(trunc(x), t).
    capped_pos = np.minimum(scaled, t)
    capped_neg = np.maximum(scaled, t)
    out = np.where(dec.pos[band], capped_pos, rst)
    return np.where(dec.neg[band], capped_neg, out)


# --------------------------------------------------------------------------- pooling helpers


def _edge_index(start: int, stop: int, n: int) -> np.ndarray:
    """Indices ``start-1 .. stop`` with libvmaf's 3x3 edge rule (-1 -> 1, n -> n-1)."""
    idx = np.arange(start - 1, stop + 1)
    idx[idx < 0] = 1
    idx[idx > n - 1] = n - 1
    return idx


def _box3_minus_centre(f: np.ndarray) -> np.ndarray:
    """Sum over the 8 neighbours of each interior sample of a padded array."""
    rows = f[:-2] + f[1:-1] + f[2:]
    box = rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:]
    return box - f[1:-1, 1:-1]


def _pool_rows(val: np.ndarray, shift: int) -> int:
    """Sum each row, round it down by ``shift`` bits, then sum the rows (exact ints)."""
    add = (1 << (shift - 1)) if shift > 0 else 0
    rows = val.sum(axis=1, dtype=np.int64)
    return int(((rows + add) >> shift).sum(dtype=np.int64))


def _wrap_int16(x: np.ndarray) -> np.ndarray:
    """Wrap int64 values to int16 as a C cast does, keeping the int64 dtype."""
    return x.astype(np.int16).astype(np.int64)


def _wrap_int32(x: np.ndarray) -> np.ndarray:
    """Wrap int64 values to int32 as a C cast does, keeping the int64 dtype."""
    return x.astype(np.int32).astype(np.int64)


def _int_to_f32(x: int) -> np.float32:
    """Round an int64 straight to float32 (one rounding, as a C cast does)."""
    return np.array([x], dtype=np.int64).astype(np.float32)[0]


def _ceil_log2(x: float) -> int:
    return math.ceil(math.log2(x))


def _sum3_f32(parts: list[np.float32]) -> np.float32:
    return np.float32(np.float32(parts[0] + parts[1]) + parts[2])


def _noise_term(roi: tuple[int, int, int, int], weight: float = _NOISE_WEIGHT) -> np.float32:
    """``powf(area * weight, 1/3)``: the noise floor added to each band's pooled value."""
    top, bottom, left, right = roi
    return _cbrt_f32((bottom - top) * (right - left) * weight)


# --------------------------------------------------------------------------- numerator


def _vector_window(
    roi: tuple[int, int, int, int], rows: int, cols: int, lanes: int
) -> tuple[slice, slice] | None:
    """The part of the pooled window a vectorised scale-0 masking kernel covers.

    ``(row slice, column slice)`` relative to ``roi``, or None when the
    kernel is the C one (``lanes`` 0) or the window touches the band's first
    or last column (libvmaf then runs scalar code on the whole band). The
    vector loop runs over interior rows, ``lanes`` columns a step; the
    leftover columns at the right and the first and last band rows take the
    scalar path.
    """
    top, bottom, left, right = roi
    if lanes == 0 or left <= 0 or right > cols - 1:
        return None
    first_row, last_row = max(top, 1), min(bottom, rows - 1)
    stop = right - (right - left) % lanes
    return slice(first_row - top, last_row - top), slice(0, stop - left)


def _num_scale0(
    x: list[np.ndarray],
    mask: list[np.ndarray],
    roi: tuple[int, int, int, int],
    csf: _Csf,
    noise: np.float32,
    lanes: int,
) -> np.float32:
    """Masked, CSF-weighted cubic pooling of the ``x`` bands at scale 0.

    For the detail-loss numerator ``x`` is the restored and ``mask`` the
    additive part; AIM swaps the two and drops the noise floor (``noise`` 0).
    ``lanes`` selects libvmaf's kernel (see :data:`ADM_KERNELS`).
    """
    rows, cols = mask[0].shape
    top, bottom, left, right = roi
    ext = np.ix_(_edge_index(top, bottom, rows), _edge_index(left, right, cols))
    flt_sum = None
    centre_sum = None
    for b in range(3):
        ca = (mask[b][ext] * csf.scale0_irf[b] + _SCALE0_CSF_ADD[b]) >> _SCALE0_CSF_SHIFT[b]
        ca = _wrap_int16(ca)
        mag = np.abs(ca)
        flt = _wrap_int16((_ONE_BY_30_Q17 * mag + 2048) >> 12)
        centre = (_ONE_BY_15_Q17 * mag[1:-1, 1:-1] + 2048) >> 12
        if int(centre.max(initial=0)) > _INT16_MAX:
            # |csf| >= 15360: libvmaf's scalar code stores this term in an int16,
            # which wraps; its vector kernels keep it in int32 lanes.
            wrapped = _wrap_int16(centre)
            window = _vector_window(roi, rows, cols, lanes)
            if window is not None:
                wrapped[window] = centre[window]
            centre = wrapped
        flt_sum = flt if flt_sum is None else flt_sum + flt
        centre_sum = centre if centre_sum is None else centre_sum + centre
    thr = _box3_minus_centre(flt_sum) + centre_sum

    shift_r = _ceil_log2(rows)
    parts = []
    for b in range(3):
        shift_c = math.ceil(math.log2(cols) - _SCALE0_CM_CUBE_OFFSET[b])
        q = _SCALE0_CM_SQ_SHIFT[b]
        v = np.abs(x[b][top:bottom, left:right] * csf.scale0_irf[b])
        # libvmaf works in int32 here; the wraps only matter for extreme content.
        v = np.maximum(_wrap_int32(v - _wrap_int32(thr << _SCALE0_CM_SUB_SHIFT[b])), 0)
        v_sq = _wrap_int32((v * v + (1 << (q - 1))) >> q)
        add_c = (1 << (shift_c - 1)) if shift_c > 0 else 0
        val = (v_sq * v + add_c) >> shift_c
        accum = _pool_rows(val, shift_r)
        f = np.float32(accum / 2.0 ** (_SCALE0_CM_EXP[b] - shift_c - shift_r))
        parts.append(np.float32(_cbrt_f32(f) + noise))
    return _sum3_f32(parts)


def _num_s123(
    x: list[np.ndarray],
    mask: list[np.ndarray],
    roi: tuple[int, int, int, int],
    csf: _Csf,
    scale: int,
    noise: np.float32,
) -> np.float32:
    """The scale-1..3 counterpart of :func:`_num_scale0` (int32 coefficients)."""
    rows, cols = mask[0].shape
    top, bottom, left, right = roi
    ext = np.ix_(_edge_index(top, bottom, rows), _edge_index(left, right, cols))
    u32 = csf.u32[scale - 1]
    flt_sum = None
    centre_sum = None
    for b in range(3):
        mag = np.abs(_wrap_int32((mask[b][ext] * u32[b] + (1 << 27)) >> 28))
        flt = _wrap_int32((_I4_ONE_BY_30 * mag + _I4_FLT_ROUND) >> 32)
        centre = _wrap_int32((_I4_ONE_BY_15 * mag[1:-1, 1:-1] + _I4_FLT_ROUND) >> 32)
        flt_sum = flt if flt_sum is None else flt_sum + flt
        centre_sum = centre if centre_sum is None else centre_sum + centre
    thr = _wrap_int32(_box3_minus_centre(flt_sum) + centre_sum)

    shift_c = _ceil_log2(cols)
    shift_r = _ceil_log2(rows)
    add_c = (1 << (shift_c - 1)) if shift_c > 0 else 0
    final = float(np.float32(2.0 ** (_I4_CM_EXP[scale - 1] - shift_c - shift_r)))
    parts = []
    for b in range(3):
        v = np.abs(_wrap_int32((x[b][top:bottom, left:right] * u32[b] + (1 << 27)) >> 28))
        v = np.maximum(_wrap_int32(v - thr), 0)
        v_sq = _wrap_int32((v * v + (1 << 29)) >> 30)
        val = (v_sq * v + add_c) >> shift_c
        accum = _pool_rows(val, shift_r)
        f = _int_to_f32(accum) / np.float32(final)
        parts.append(np.float32(_cbrt_f32(f) + noise))
    return _sum3_f32(parts)


# --------------------------------------------------------------------------- denominator


def _den_scale0(o: list[np.ndarray], roi: tuple[int, int, int, int], csf: _Csf) -> np.float32:
    top, bottom, left, right = roi
    area = (bottom - top) * (right - left)
    shift = max(0, math.ceil(math.log2(area) - 20))
    parts = []
    for b in range(3):
        mag = np.abs(o[b][top:bottom, left:right])
        accum = _pool_rows(mag * mag * mag, shift)
        value = accum / 2.0 ** (18 - shift) * math.pow(float(csf.rf[0][b]), 3.0)
        parts.append(np.float32(_cbrt_f32(value) + _noise_term(roi)))
    return _sum3_f32(parts)


def _den_s123(
    o: list[np.ndarray], roi: tuple[int, int, int, int], csf: _Csf, scale: int
) -> np.float32:
    top, bottom, left, right = roi
    shift_c = _ceil_log2(right - left)
    shift_r = _ceil_log2(bottom - top)
    add_c = (1 << (shift_c - 1)) if shift_c > 0 else 0
    q = _I4_DEN_SQ_SHIFT[scale - 1]
    parts = []
    for b in range(3):
        mag = np.abs(o[b][top:bottom, left:right])
        # The square is "rounded" by adding a full 2^q, as libvmaf does.
        val = ((((mag * mag + (1 << q)) >> q) * mag) + add_c) >> shift_c
        accum = _pool_rows(val, shift_r)
        value = accum / 2.0 ** (_I4_DEN_EXP[scale - 1] - shift_r - shift_c)
        value *= math.pow(float(csf.rf[scale][b]), 3.0)
        parts.append(np.float32(_cbrt_f32(value) + _noise_term(roi)))
    return _sum3_f32(parts)


# --------------------------------------------------------------------------- driver


@dataclass(frozen=True)
class _Scale:
    """Everything of one scale that does not depend on the gain limit."""

    scale: int
    roi: tuple[int, int, int, int]
    decoupled: _Decoupled
    den: np.float32


def _analyse(ref: np.ndarray, dis: np.ndarray, bitdepth: int, csf: _Csf) -> list[_Scale]:
    """Wavelet pyramid, decoupling core and denominators of all four scales."""
    scales = []
    approx, h, v, d = _dwt_scale0(ref, dis, bitdepth)
    for scale in range(4):
        if scale > 0:
            # Scales 1..3 transform the previous low-pass band (ref and dis stacked).
            vshift, vadd, hshift, hadd = _DWT_S123[scale - 1]
            approx, h, v, d = _dwt(approx, vshift, vadd, vadd, hshift, hadd, _wrap_int32)
        o = [h[0], v[0], d[0]]
        t = [h[1], v[1], d[1]]
        roi = _roi(*h.shape[-2:])
        dec = _decouple(o, t, scale)
        den = _den_scale0(o, roi, csf) if scale == 0 else _den_s123(o, roi, csf, scale)
        scales.append(_Scale(scale=scale, roi=roi, decoupled=dec, den=den))
    return scales


def _numerators(
    sc: _Scale, restored: list[np.ndarray], csf: _Csf, lanes: int
) -> tuple[np.float32, np.float32]:
    """The detail-loss (DLM) and additive-impairment (AIM) numerators of one scale.

    DLM pools the CSF-weighted restored detail, masked by the additive part
    around it, plus a noise floor; AIM pools the additive part, masked by the
    restored detail, with no noise floor (libvmaf passes a noise weight of 0).
    """
    additive = [t - r for t, r in zip(sc.decoupled.t, restored, strict=True)]
    no_noise = _noise_term(sc.roi, 0.0)
    if sc.scale == 0:
        dlm = _num_scale0(restored, additive, sc.roi, csf, _noise_term(sc.roi), lanes)
        aim = _num_scale0(additive, restored, sc.roi, csf, no_noise, lanes)
    else:
        dlm = _num_s123(restored, additive, sc.roi, csf, sc.scale, _noise_term(sc.roi))
        aim = _num_s123(additive, restored, sc.roi, csf, sc.scale, no_noise)
    return dlm, aim


def _pool(
    nums: list[np.float32],
    aims: list[np.float32],
    dens: list[np.float32],
    shape: tuple[int, int],
) -> dict[str, float]:
    """Combine per-scale float32 numerators and denominators into libvmaf's doubles."""
    height, width = shape
    limit = 1e-10 * (width * height) / (1920.0 * 1080.0)
    num = 0.0
    den = 0.0
    aim_num = 0.0
    for n, a, d in zip(nums, aims, dens, strict=True):
        num += float(n)
        den += float(d)
        aim_num += float(a)
    num = 0.0 if num < limit else num
    den = 0.0 if den < limit else den
    # AIM is normalised by the detail-loss denominator. den is 0 only when the
    # noise weight is (libvmaf then leaves AIM unset; the noise floor of the
    # default weight keeps den > 0 even for flat pictures).
    adm2 = 1.0 if den == 0.0 else num / den
    aim = 0.0 if den == 0.0 else aim_num / den
    adm3 = adm2 * _DLM_WEIGHT + (1.0 - aim) * (1.0 - _DLM_WEIGHT)
    out = {"adm2": adm2}
    for s, (n, d) in enumerate(zip(nums, dens, strict=True)):
        out[f"adm_scale{s}"] = float(n) / float(d)
    out["aim"] = aim
    out["adm3"] = adm3 if adm3 > _ADM_MIN_VAL else _ADM_MIN_VAL
    return out


def _finish(
    scales: list[_Scale], csf: _Csf, gain_limit: float, shape: tuple[int, int], kernel: str
) -> tuple[dict[str, float], list[list[np.ndarray]]]:
    """Features at one gain limit from an analysed pair, and the restored bands per scale."""
    nums, aims, restored_all = [], [], []
    lanes = _LANES[kernel]
    for sc in scales:
        rule = _ROUNDING[kernel][0 if sc.scale == 0 else 1]
        rounded = _rounded_columns(sc.decoupled.t[0].shape[1], *rule)
        restored = [_restore(sc.decoupled, b, gain_limit, rounded) for b in range(3)]
        dlm, aim = _numerators(sc, restored, csf, lanes)
        nums.append(dlm)
        aims.append(aim)
        restored_all.append(restored)
    return _pool(nums, aims, [sc.den for sc in scales], shape), restored_all


def _decompose(
    ref: np.ndarray,
    dis: np.ndarray,
    bitdepth: int,
    norm_view_dist: float,
    ref_display_height: int,
    kernel: str | None,
) -> tuple[str, _Csf, list[_Scale]]:
    """The kernel's name, the CSF weights and every scale's bands of checked planes."""
    csf = _csf_weights(float(norm_view_dist), int(ref_display_height))
    return _kernel_name(kernel), csf, _analyse(ref, dis, bitdepth, csf)


def adm_features(
    ref: np.ndarray,
    dis: np.ndarray,
    bitdepth: int,
    gain_limit: float = DEFAULT_GAIN_LIMIT,
    *,
    norm_view_dist: float = _DEFAULT_NVD,
    ref_display_height: int = _DEFAULT_RDH,
    kernel: str | None = None,
) -> dict[str, float]:
    """Integer ADM features of one frame pair, bit-exact with libvmaf 3.2.0.

    Equal as doubles to libvmaf's ``integer_adm2``, ``integer_aim``,
    ``integer_adm3`` and ``integer_adm_scale0..3`` (``..._egl_1`` for
    ``gain_limit=1``); the module docstring lists the few cases where
    libvmaf's x86 SIMD code departs from its own C code.

    Parameters
    ----------
    ref, dis:
        Reference and distorted luma planes, 2-D, same shape, at least
        ``MIN_SIZE`` (33) pixels each way; ``uint8`` for 8-bit, ``uint16``
        (samples in ``[0, 2**bitdepth - 1]``) for 10, 12 and 16 bits.
    bitdepth:
        8, 10, 12 or 16.
    gain_limit:
        ``adm_enhn_gain_limit`` in ``[1, 100]``: 100 is libvmaf's default
        (``integer_adm2``), 1.0 is VMAF-NEG (``integer_adm2_egl_1``).
    norm_view_dist, ref_display_height:
        Viewing distance in display heights ([0.75, 24], default 3) and display
        height in pixels ([1, 4320], default 1080); their product must be at
        least 3240, as in libvmaf.
    kernel:
        libvmaf code path to reproduce, a key of :data:`ADM_KERNELS` (or
        :data:`FFMPEG_AVX2_KERNEL`, another build's AVX2 rounding); None
        (default) is the one libvmaf uses on this CPU (:func:`default_kernel`).

    Returns
    -------
    dict
        ``adm2``, ``adm_scale0`` .. ``adm_scale3``, ``aim`` and ``adm3`` as
        floats. ``adm2`` and the scales are dimensionless ratios of restored
        to reference detail, about 1 for an unimpaired picture (``adm2`` =
        1.0000033 for identical planes), lower for loss of detail, clearly
        above 1 only for enhanced pictures scored with ``gain_limit > 1``.
        ``aim`` is the masked additive impairment over the same reference
        detail, >= 0 (0 for identical planes); ``adm3`` = ``max(0.5 * adm2 +
        0.5 * (1 - aim), 0)``.

    Raises
    ------
    ValueError
        If the planes, bit depth or options are invalid.
    """
    _check_inputs(ref, dis, bitdepth, gain_limit, norm_view_dist, ref_display_height)
    name, csf, scales = _decompose(ref, dis, bitdepth, norm_view_dist, ref_display_height, kernel)
    return _finish(scales, csf, float(gain_limit), ref.shape, name)[0]


def adm_features_multi(
    ref: np.ndarray,
    dis: np.ndarray,
    bitdepth: int,
    gain_limits: tuple[float, ...] = (DEFAULT_GAIN_LIMIT, 1.0),
    *,
    norm_view_dist: float = _DEFAULT_NVD,
    ref_display_height: int = _DEFAULT_RDH,
    kernel: str | None = None,
) -> dict[float, dict[str, float]]:
    """ADM features at several gain limits from one wavelet decomposition.

    The pyramid, the decoupling up to the gain limit and the denominators are
    computed once; each limit then costs only its restoration and numerators.
    Every result equals :func:`adm_features` at that limit.

    Parameters
    ----------
    ref, dis, bitdepth, norm_view_dist, ref_display_height:
        As for :func:`adm_features`.
    gain_limits:
        ``adm_enhn_gain_limit`` values, each in ``[1, 100]``; duplicates are
        computed once.

    Returns
    -------
    dict
        ``{gain_limit: features}`` with the limits as floats, in the order
        given; ``features`` as returned by :func:`adm_features`.

    Raises
    ------
    ValueError
        If the planes, bit depth or options are invalid, or ``gain_limits``
        is empty.
    """
    limits = tuple(gain_limits)
    if not limits:
        raise OptionError("gain_limits must not be empty")
    for g in limits:
        _check_options(bitdepth, g, norm_view_dist, ref_display_height)
    _check_planes(ref, dis, bitdepth)
    name, csf, scales = _decompose(ref, dis, bitdepth, norm_view_dist, ref_display_height, kernel)
    out: dict[float, dict[str, float]] = {}
    for g in limits:
        if float(g) not in out:
            out[float(g)] = _finish(scales, csf, float(g), ref.shape, name)[0]
    return out


def _frozen(x: np.ndarray, dtype: type) -> np.ndarray:
    out = np.ascontiguousarray(x, dtype=dtype)
    out.flags.writeable = False
    return out


def adm_explain(
    ref: np.ndarray,
    dis: np.ndarray,
    bitdepth: int,
    gain_limit: float = 1.0,
    *,
    norm_view_dist: float = _DEFAULT_NVD,
    ref_display_height: int = _DEFAULT_RDH,
    kernel: str | None = None,
) -> AdmExplain:
    """Show where ADM's enhancement-gain cap acts, from one decomposition pass.

    Runs the wavelet decomposition and decoupling once, then finishes the
    pipeline twice: with ``egl = 100`` (libvmaf's default, the "uncapped" run)
    and with ``egl = gain_limit`` (the "capped" run, 1.0 for VMAF-NEG). Both
    feature dicts (the keys of :func:`adm_features`, ``aim`` and ``adm3``
    included) are bit-exact with libvmaf for their gain limit.

    Parameters are as for :func:`adm_features`; ``gain_limit`` defaults to 1.0.

    Returns
    -------
    AdmExplain
        Per scale and band, the restored coefficients before and after the cap,
        the boolean map of where the cap changed them and the share of the
        pooled window it changed; plus both feature dicts.

    Raises
    ------
    ValueError
        If the planes, bit depth or options are invalid.
    """
    _check_inputs(ref, dis, bitdepth, gain_limit, norm_view_dist, ref_display_height)
    name, csf, scales = _decompose(ref, dis, bitdepth, norm_view_dist, ref_display_height, kernel)
    uncapped, free_bands = _finish(scales, csf, DEFAULT_GAIN_LIMIT, ref.shape, name)
    if float(gain_limit) == DEFAULT_GAIN_LIMIT:
        capped_feats, capped_bands = dict(uncapped), free_bands
    else:
        capped_feats, capped_bands = _finish(scales, csf, float(gain_limit), ref.shape, name)
    bands = []
    for sc, free, capped in zip(scales, free_bands, capped_bands, strict=True):
        top, bottom, left, right = sc.roi
        for b, name in enumerate(BANDS):
            changed = free[b] != capped[b]
            area = (bottom - top) * (right - left)
            bit = int(np.count_nonzero(changed[top:bottom, left:right]))
            bands.append(
                AdmBandCap(
                    scale=sc.scale,
                    band=name,
                    roi=sc.roi,
                    restored_uncapped=_frozen(free[b], np.int32),
                    restored_capped=_frozen(capped[b], np.int32),
                    cap_map=_frozen(changed, np.bool_),
                    fraction=bit / area,
                )
            )
    return AdmExplain(
        gain_limit=float(gain_limit),
        bands=tuple(bands),
        uncapped=uncapped,
        capped=capped_feats,
    )
