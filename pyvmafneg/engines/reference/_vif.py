"""Integer VIF (libvmaf 3.2.0 ``vif`` extractor) in vectorised NumPy.

This module reproduces, as IEEE doubles, the four per-scale scores that
libvmaf's fixed-point VIF extractor reports (``vif_scale0`` .. ``vif_scale3``),
including the ``vif_enhn_gain_limit`` option (``egl``) that VMAF-NEG sets to
1.0.  It also exposes :func:`vif_explain`, which returns the local gain maps
that the cap acts on.

Fixed-point model (units and ranges)
------------------------------------
* Input planes are luma samples of ``bitdepth`` bits (8: ``uint8``,
  9..16: ``uint16``).
* Scale ``s`` (0..3) is filtered with a separable, mirrored, Q16 Gaussian
  ``F_s`` (17, 9, 5 and 3 taps).  Scales 1..3 are made by filtering the
  previous scale with ``F_s`` and keeping even rows and columns; they hold
  16-bit samples equal to (8-bit-equivalent sample) * 256.
* The local moments sigma1^2 (ref), sigma2^2 (dis) and sigma12 end in the
  same unit at every scale and bit depth: (8-bit sample)^2 * 2^16.  The
  noise variance sigma_n^2 = 2 is therefore ``131072``.
* Logarithms are 2048 * log2(x), looked up in a 16-bit table built from
  float32 ``log2`` values.

Exactness
---------
Every integer step is done exactly: the separable filters run through
:func:`scipy.ndimage.correlate1d` in float64, which is exact because every
partial sum is an integer below 2**49; products that can exceed 2**53 (the
squared local means) are done in ``uint64``.  The per-pixel gain and its cap
follow C's double arithmetic and truncations, and the per-scale numerator,
denominator and ratio are rounded to float32 exactly where libvmaf stores
floats.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import NDArray

from ...errors import GainLimitError, OptionError
from .._models import GAIN_LIMIT_RANGE
from .._models import check_gain_limit as _check_gain_limit
from .._planes import check_pair

__all__ = [
    "DEFAULT_GAIN_LIMIT",
    "NEG_GAIN_LIMIT",
    "VifExplain",
    "vif_explain",
    "vif_features",
    "vif_features_multi",
]


def correlate1d(data: np.ndarray, taps: np.ndarray, *, axis: int, mode: str) -> np.ndarray:
    """:func:`scipy.ndimage.correlate1d`, with SciPy imported on first use.

    Importing ``scipy.ndimage`` takes about 0.15 s, which every engine that
    borrows the reference's model code would otherwise pay at start-up.
    """
    from scipy.ndimage import correlate1d as correlate

    return correlate(data, taps, axis=axis, mode=mode)


#: libvmaf's default ``vif_enhn_gain_limit`` (also the largest allowed value).
DEFAULT_GAIN_LIMIT: Final[float] = 100.0
#: The gain limit used by the VMAF-NEG models (smallest allowed value).
NEG_GAIN_LIMIT: Final[float] = 1.0
#: sigma_n^2 = 2.0 expressed in the moment unit (8-bit sample)^2 * 2^16.
SIGMA_NSQ: Final[int] = 2 * 65536

#: Smallest frame side the four mirrored scales support (scale 3 needs >= 2).
MIN_SIDE: Final[int] = 16

SCORE_KEYS: Final[tuple[str, ...]] = tuple(f"vif_scale{s}" for s in range(4))

# Q16 filter taps per scale; each set sums to 65536.
# fmt: off
_TAPS: Final[tuple[tuple[int, ...], ...]] = (
    (489, 935, 1640, 2640, 3896, 5274, 6547, 7455, 7784,
     7455, 6547, 5274, 3896, 2640, 1640, 935, 489),
    (1244, 3663, 7925, 12590, 14692, 12590, 7925, 3663, 1244),
    (3571, 16004, 26386, 16004, 3571),
    (10904, 43728, 10904),
)
# fmt: on
_FILTERS: Final[tuple[NDArray[np.float64], ...]] = tuple(
    np.asarray(t, dtype=np.float64) for t in _TAPS
)

# Denominator offset: 2048 * log2(SIGMA_NSQ) = 2048 * 17.
_LOG_SIGMA_NSQ: Final[int] = 2048 * 17
# The epsilon libvmaf adds to sigma1^2 when dividing (65536 * 1e-10).
_GAIN_EPS: Final[float] = 65536 * 1.0e-10


def _build_log2_table() -> NDArray[np.int64]:
    """Return T with T[i] = round_half_away(f32(log2 i) * 2048), i in [32767, 65535].

    Entries below 32767 are never read and are left at zero.  The float32
    rounding of log2 and the ties-away rounding both matter: a float64 table
    or ``np.round`` (ties to even) would differ in dozens of entries.
    """
    table = np.zeros(65536, dtype=np.int64)
    idx = np.arange(32767, 65536, dtype=np.float64)
    v = np.log2(idx).astype(np.float32) * np.float32(2048.0)  # exact scaling
    # v is positive and has at most 24 significant bits, so v + 0.5 is exact.
    table[32767:] = np.floor(v.astype(np.float64) + 0.5).astype(np.int64)
    return table


_LOG2_TABLE: Final[NDArray[np.int64]] = _build_log2_table()


def _log2_q11(x: NDArray[np.int64]) -> NDArray[np.int64]:
    """Fixed-point 2048 * log2(x) for integers 2**16 <= x < 2**53.

    The top 16 significant bits of ``x`` index the table; the dropped bit
    count ``k`` adds ``2048 * k``.
    """
    if x.size == 0:
        return np.zeros(0, dtype=np.int64)
    # x < 2**53, so the float64 conversion is exact and frexp's exponent is
    # the bit length of x.
    _, bitlen = np.frexp(x.astype(np.float64))
    k = bitlen.astype(np.int64) - 16
    return _LOG2_TABLE[x >> k] + (k << 11)


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------


def check_gain_limit(gain_limit: object) -> float:
    """Return ``gain_limit`` as a float in ``GAIN_LIMIT_RANGE`` ([1, 100]).

    Raises :class:`~pyvmafneg.errors.GainLimitError` (a ``ValueError``) otherwise.
    """
    if not isinstance(gain_limit, numbers.Real):  # text such as "1.5" is not a number here
        lo, hi = GAIN_LIMIT_RANGE
        raise GainLimitError(
            f"gain_limit must be a number in [{lo!r}, {hi!r}]; got {gain_limit!r}",
            option="gain_limit",
            value=gain_limit,
        )
    return _check_gain_limit(gain_limit, "gain_limit")


# --------------------------------------------------------------------------
# filtering
# --------------------------------------------------------------------------


def _shift_round(x: NDArray[np.float64], q: int) -> NDArray[np.float64]:
    """In place: x <- (x + 2**(q-1)) >> q for non-negative integer-valued x."""
    if q > 0:
        x += float(1 << (q - 1))
        x *= 2.0**-q
        np.floor(x, out=x)
    return x


def _next_scale(planes: NDArray[np.float64], scale: int, bitdepth: int) -> NDArray[np.float64]:
    """Filter a stacked (2, h, w) scale with F_scale and keep even rows/columns.

    ``scale`` is the destination scale (1..3).  Vertical pass shift is the
    bit depth for scale 1 and 16 otherwise; horizontal shift is 16.
    """
    taps = _FILTERS[scale]
    _, h, w = planes.shape
    v = correlate1d(planes, taps, axis=1, mode="mirror")[:, 0 : 2 * (h // 2) : 2]
    _shift_round(v, bitdepth if scale == 1 else 16)
    m = correlate1d(v, taps, axis=2, mode="mirror")[:, :, 0 : 2 * (w // 2) : 2]
    return _shift_round(np.ascontiguousarray(m), 16)


@dataclass(frozen=True)
class _Moments:
    """Local statistics of one scale, in (8-bit sample)^2 * 2^16 units."""

    sigma1_sq: NDArray[np.int64]  # reference variance (may be < 0 by rounding)
    sigma2_sq: NDArray[np.int64]  # distorted variance, clamped at 0
    sigma12: NDArray[np.int64]  # covariance


def _moments(planes: NDArray[np.float64], scale: int, bitdepth: int) -> _Moments:
    """Filter ref/dis (stacked as (2, h, w)) with F_scale and form the moments."""
    taps = _FILTERS[scale]
    if scale == 0:
        q_mu, q_sq = bitdepth, 2 * (bitdepth - 8)
    else:
        q_mu = q_sq = 16
    a, b = planes[0], planes[1]
    stack = np.empty((5, *a.shape), dtype=np.float64)
    stack[0] = a
    stack[1] = b
    np.multiply(a, a, out=stack[2])
    np.multiply(b, b, out=stack[3])
    np.multiply(a, b, out=stack[4])

    vert = correlate1d(stack, taps, axis=1, mode="mirror")
    _shift_round(vert[:2], q_mu)
    _shift_round(vert[2:], q_sq)
    horiz = correlate1d(vert, taps, axis=2, mode="mirror")

    # Local means carry no shift (up to ~2**32); their products need uint64.
    mu_a = horiz[0].astype(np.uint64)
    mu_b = horiz[1].astype(np.uint64)
    half = np.uint64(1 << 31)
    s32 = np.uint64(32)
    mu_aa = ((mu_a * mu_a + half) >> s32).astype(np.int64)
    mu_bb = ((mu_b * mu_b + half) >> s32).astype(np.int64)
    mu_ab = ((mu_a * mu_b + half) >> s32).astype(np.int64)
    sq = _shift_round(horiz[2:], 16).astype(np.int64)

    # The C code subtracts in uint32 and reinterprets as int32.
    sigma1 = (sq[0] - mu_aa).astype(np.int32).astype(np.int64)
    sigma2 = (sq[1] - mu_bb).astype(np.int32).astype(np.int64)
    np.maximum(sigma2, 0, out=sigma2)
    sigma12 = (sq[2] - mu_ab).astype(np.int32).astype(np.int64)
    return _Moments(sigma1, sigma2, sigma12)


@dataclass(frozen=True)
class _ScaleResult:
    scores: dict[float, float]  # gain limit -> vif_scale score
    used: NDArray[np.bool_] | None = None
    gain: NDArray[np.float64] | None = None  # raw g at ``used`` locations


def _scale_scores(m: _Moments, gain_limits: tuple[float, ...], keep_maps: bool) -> _ScaleResult:
    """Pool one scale's moments into a score for each gain limit."""
    s1, s2, s12 = m.sigma1_sq, m.sigma2_sq, m.sigma12

    log_mask = s1 >= SIGMA_NSQ
    n_log = int(np.count_nonzero(log_mask))
    s1_log = s1[log_mask]
    den_log = int(_log2_q11(s1_log + SIGMA_NSQ).sum()) - _LOG_SIGMA_NSQ * n_log

    den_nonlog = s1.size - n_log
    num_nonlog = int(s2.sum()) - int(s2[log_mask].sum())

    used = log_mask & (s12 > 0) & (s2 > 0)
    s1u = s1[used].astype(np.float64)
    s2u = s2[used].astype(np.float64)
    s12u = s12[used].astype(np.float64)

    g = s12u / (s1u + _GAIN_EPS)
    # Residual variance from the *uncapped* gain, truncated like a C cast.
    sv = np.maximum(np.trunc(s2u - g * s12u), 0.0).astype(np.int64)
    n1 = sv + SIGMA_NSQ
    log_n1 = _log2_q11(n1)

    den_f = np.float32(den_log / 2048.0 + den_nonlog)
    nonlog_part = den_nonlog - (num_nonlog / 16384.0) / 65025.0
    scores: dict[float, float] = {}
    for egl in gain_limits:
        if egl in scores:
            continue
        gc = np.minimum(g, egl)
        n2 = np.trunc(gc * gc * s1u).astype(np.int64) + n1
        num_log = int((_log2_q11(n2) - log_n1).sum())
        num_f = np.float32(num_log / 2048.0 + nonlog_part)
        scores[egl] = float(num_f / den_f)  # float32 division, as in libvmaf

    if not keep_maps:
        return _ScaleResult(scores)
    return _ScaleResult(scores, used=used, gain=g)


def _vif_pass(
    ref: NDArray[np.unsignedinteger],
    dis: NDArray[np.unsignedinteger],
    bitdepth: int,
    gain_limits: tuple[float, ...],
    keep_maps: bool,
) -> list[_ScaleResult]:
    """One filtering pass over the four scales, scored for every gain limit."""
    planes = np.empty((2, *ref.shape), dtype=np.float64)
    planes[0] = ref
    planes[1] = dis
    out: list[_ScaleResult] = []
    for scale in range(4):
        if scale > 0:
            planes = _next_scale(planes, scale, bitdepth)
        out.append(_scale_scores(_moments(planes, scale, bitdepth), gain_limits, keep_maps))
    return out


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def vif_features_multi(
    ref: NDArray[np.unsignedinteger],
    dis: NDArray[np.unsignedinteger],
    bitdepth: int,
    gain_limits: tuple[float, ...] = (DEFAULT_GAIN_LIMIT, NEG_GAIN_LIMIT),
) -> dict[float, dict[str, float]]:
    """VIF scores for several gain limits from a single filtering pass.

    Args:
        ref: Reference luma plane, shape (height, width), both sides >= 16;
            ``uint8`` for 8-bit, ``uint16`` for 9..16-bit input.
        dis: Distorted luma plane, same shape and dtype as ``ref``.
        bitdepth: Sample bit depth, 8..16.
        gain_limits: ``vif_enhn_gain_limit`` values, each in [1, 100].

    Returns:
        ``{gain_limit: {"vif_scale0": ..., ..., "vif_scale3": ...}}`` with the
        gain limits as floats.  Scores are dimensionless (1.0 = reference
        fidelity; > 1 only possible when the limit exceeds 1).
    """
    r, d, b = check_pair(ref, dis, bitdepth, min_side=MIN_SIDE)
    limits = tuple(check_gain_limit(g) for g in gain_limits)
    if not limits:
        raise OptionError("gain_limits must not be empty")
    scales = _vif_pass(r, d, b, limits, keep_maps=False)
    return {
        egl: {key: res.scores[egl] for key, res in zip(SCORE_KEYS, scales, strict=True)}
        for egl in limits
    }


def vif_features(
    ref: NDArray[np.unsignedinteger],
    dis: NDArray[np.unsignedinteger],
    bitdepth: int,
    gain_limit: float = DEFAULT_GAIN_LIMIT,
) -> dict[str, float]:
    """libvmaf 3.2.0 integer VIF scores ``vif_scale0`` .. ``vif_scale3``.

    Bit-exact with the doubles libvmaf reports for its ``vif`` extractor
    (``VMAF_integer_feature_vif_scale{s}_score``; with a non-default limit,
    libvmaf's ``integer_vif_scale{s}_egl_<limit>``).

    Args:
        ref: Reference luma plane, shape (height, width), both sides >= 16;
            ``uint8`` for 8-bit, ``uint16`` for 9..16-bit input.
        dis: Distorted luma plane, same shape and dtype as ``ref``.
        bitdepth: Sample bit depth, 8..16.
        gain_limit: ``vif_enhn_gain_limit`` in [1, 100]; 100 is libvmaf's
            default, 1.0 is what VMAF-NEG uses.

    Returns:
        ``{"vif_scale0": s0, ..., "vif_scale3": s3}``, dimensionless floats
        (each a float32 value widened to float64, as libvmaf stores them).

    Raises:
        ValueError: on mismatched shapes, non-2-D input, a dtype that does not
            match ``bitdepth``, samples out of range, frames smaller than
            16x16, or a gain limit outside [1, 100].
    """
    egl = check_gain_limit(gain_limit)
    return vif_features_multi(ref, dis, bitdepth, (egl,))[egl]


def _frozen(a: NDArray[np.generic]) -> NDArray[np.generic]:
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class VifExplain:
    """Where the VIF enhancement-gain cap acts, scale by scale.

    All per-scale fields are 4-tuples indexed by scale (0 = full resolution;
    scale ``s`` is ``(h >> s, w >> s)``-ish, each halving floors).  Arrays are
    read-only.

    Attributes:
        bitdepth: Input bit depth.
        gain_limit: The ``vif_enhn_gain_limit`` examined, in [1, 100].
        gain: Local gain g = sigma12 / sigma1^2 (dis/ref contrast ratio,
            dimensionless), float64, NaN wherever the gain term does not enter
            the score.
        gain_capped: ``min(gain, gain_limit)``, NaN where ``gain`` is NaN.
        used: Boolean map of locations where the gain term is used:
            sigma1^2 >= sigma_n^2, sigma12 > 0 and sigma2^2 > 0.
        cap_mask: Boolean map where the cap bit: ``used & (gain > gain_limit)``.
        cap_fraction: Per scale, the fraction of *all* locations where the
            cap bit, in [0, 1].
        scores_uncapped: ``vif_scale0..3`` at libvmaf's default limit (100).
        scores_capped: ``vif_scale0..3`` at ``gain_limit``.
    """

    bitdepth: int
    gain_limit: float
    gain: tuple[NDArray[np.float64], ...]
    gain_capped: tuple[NDArray[np.float64], ...]
    used: tuple[NDArray[np.bool_], ...]
    cap_mask: tuple[NDArray[np.bool_], ...]
    cap_fraction: tuple[float, ...]
    scores_uncapped: dict[str, float] = field(default_factory=dict)
    scores_capped: dict[str, float] = field(default_factory=dict)

    @property
    def cap_fraction_of_used(self) -> tuple[float, ...]:
        """Per scale, the fraction of gain-term locations where the cap bit."""
        out = []
        for used, bit in zip(self.used, self.cap_mask, strict=True):
            n = int(np.count_nonzero(used))
            out.append(int(np.count_nonzero(bit)) / n if n else 0.0)
        return tuple(out)


def vif_explain(
    ref: NDArray[np.unsignedinteger],
    dis: NDArray[np.unsignedinteger],
    bitdepth: int,
    gain_limit: float = NEG_GAIN_LIMIT,
) -> VifExplain:
    """Gain maps before/after the VIF enhancement-gain cap, from one pass.

    The filtering and the moments are computed once per scale; the uncapped
    (limit 100) and capped (``gain_limit``) scores are both pooled from that
    same pass, so they differ only by the cap.  The scores equal
    :func:`vif_features` at the respective limits.

    Args:
        ref: Reference luma plane (see :func:`vif_features`).
        dis: Distorted luma plane, same shape and dtype.
        bitdepth: Sample bit depth, 8..16.
        gain_limit: The cap to examine, in [1, 100]; VMAF-NEG uses 1.0.

    Returns:
        A :class:`VifExplain`.
    """
    r, d, b = check_pair(ref, dis, bitdepth, min_side=MIN_SIDE)
    egl = check_gain_limit(gain_limit)
    scales = _vif_pass(r, d, b, (DEFAULT_GAIN_LIMIT, egl), keep_maps=True)

    gains, gains_c, useds, masks, fracs = [], [], [], [], []
    for res in scales:
        assert res.used is not None and res.gain is not None
        g_map = np.full(res.used.shape, np.nan, dtype=np.float64)
        g_map[res.used] = res.gain
        bit = np.zeros(res.used.shape, dtype=bool)
        bit[res.used] = res.gain > egl
        gains.append(_frozen(g_map))
        gains_c.append(_frozen(np.minimum(g_map, egl)))
        useds.append(_frozen(res.used))
        masks.append(_frozen(bit))
        fracs.append(int(np.count_nonzero(bit)) / bit.size)

    return VifExplain(
        bitdepth=b,
        gain_limit=egl,
        gain=tuple(gains),
        gain_capped=tuple(gains_c),
        used=tuple(useds),
        cap_mask=tuple(masks),
        cap_fraction=tuple(fracs),
        scores_uncapped={
            k: res.scores[DEFAULT_GAIN_LIMIT] for k, res in zip(SCORE_KEYS, scales, strict=True)
        },
        scores_capped={k: res.scores[egl] for k, res in zip(SCORE_KEYS, scales, strict=True)},
    )
