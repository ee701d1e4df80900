"""Bjøntegaard deltas between two rate-quality curves: BD-rate and BD-quality.

A curve is a handful of encodes of one source, each giving a bitrate and a
quality score (VMAF, VMAF-NEG, PSNR ...). Two curves, an *anchor* and a *test*,
are compared in two ways:

- :func:`bd_rate`: the average bitrate difference of test versus anchor at
  equal quality, in percent (negative means the test needs fewer bits);
- :func:`bd_quality`: the average score difference test − anchor at equal
  bitrate, in score points (BD-VMAF, BD-PSNR ...).

Both work on log10(bitrate). BD-rate interpolates log-rate as a function of the
score and averages the difference over the score range both curves cover;
BD-quality interpolates the score as a function of log-rate and averages over
the log-rate range both curves cover. Two interpolations are offered:

``"pchip"`` (default)
    Piecewise cubic Hermite interpolation through the points
    (:class:`scipy.interpolate.PchipInterpolator`), integrated exactly. This is
    the interpolant of the JCT-VC/JVET common-test-condition spreadsheets and of
    AOM's CTC tooling; it never overshoots the measured points.
``"cubic"``
    The original VCEG-M33 method: one least-squares cubic polynomial per curve,
    integrated analytically. With exactly four points the cubic passes through
    all of them. It can swing between the points; a warning is issued when the
    fitted cubic is not monotonic over the integration range.

Every curve must have at least four points, finite scores, finite positive
rates, distinct rates, and a score that strictly rises with rate (a score that
falls or stalls as the bitrate rises makes "the bitrate needed for a given
score" ambiguous). :func:`check_curve` reports, in plain English, every way a
curve falls short; :func:`bd_rate` and :func:`bd_quality` raise
:class:`~pyvmafneg.errors.BDRateError` with those explanations and what to do.

Example
-------
>>> anchor_kbps = [250, 400, 600, 900]
>>> anchor_vmaf = [80.0, 86.0, 91.0, 95.0]
>>> test_kbps = [r * 0.9 for r in anchor_kbps]  # same quality at 10 % fewer bits
>>> round(bd_rate(anchor_kbps, anchor_vmaf, test_kbps, anchor_vmaf), 6)
-10.0
>>> round(bd_quality(anchor_kbps, anchor_vmaf, anchor_kbps, [v + 1 for v in anchor_vmaf]), 6)
1.0
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.interpolate import PchipInterpolator

from ..errors import BDRateError

__all__ = ["BDRateError", "CurveCheck", "Values", "bd_quality", "bd_rate", "check_curve"]

Method = Literal["pchip", "cubic"]

#: Rates or scores of one curve: a list, tuple or 1-D NumPy array of numbers.
Values = Sequence[float] | np.ndarray

_METHODS: tuple[str, ...] = ("pchip", "cubic")
_MIN_POINTS = 4
_MAX_LISTED_STEPS = 5

# What to do about each kind of problem; joined into the BDRateError message.
_FIX_READ = "pass one flat sequence of numbers for the rates and one for the scores"
_FIX_LENGTH = "pass exactly one score per rate"
_FIX_VALUE = "remove or re-measure the points with missing, infinite or non-positive values"
_FIX_COUNT = (
    "score the source at more bitrates (at least 4, spread over the quality range of interest)"
)
_FIX_DUPLICATE = "keep one point per bitrate (drop repeated encodes or average them first)"
_FIX_MONOTONIC = (
    "drop the points where quality stalls or falls as bitrate rises (typically saturated "
    "top-end encodes near the score ceiling) or re-check those encodes"
)


@dataclass(frozen=True)
class CurveCheck:
    """Whether one rate-quality curve can be used for BD-rate and BD-quality.

    Attributes
    ----------
    ok:
        True when the curve is usable: enough points, all values finite, rates
        > 0 and distinct, and the score strictly rising with rate.
    problems:
        One plain-English sentence per problem found, e.g.
        ``"3 points; BD-rate and BD-quality need at least 4"`` or
        ``"score falls from 91.2 to 90.8 as bitrate rises from 800 to 1200
        (not monotonic)"``. Empty when ``ok``.
    """

    ok: bool
    problems: tuple[str, ...]


@dataclass(frozen=True)
class _Curve:
    """A validated curve, sorted by rising rate."""

    log_rate: np.ndarray  # log10(rate), strictly increasing
    score: np.ndarray  # strictly increasing


def check_curve(rates: Values, scores: Values, *, min_points: int = _MIN_POINTS) -> CurveCheck:
    """Check one rate-quality curve for use in :func:`bd_rate` and :func:`bd_quality`.

    Points may be given in any order; they are sorted by rate before the
    monotonicity check. Nothing is raised for bad data: every problem found is
    described in :attr:`CurveCheck.problems`.

    Parameters
    ----------
    rates:
        Bitrates of the encodes, in any unit (kbps, bits per pixel ...); each
        must be finite and > 0, and no two may be equal.
    scores:
        Quality scores of the same encodes, same order as ``rates`` (e.g. VMAF
        in [0, 100], PSNR in dB); each must be finite and they must strictly rise
        with rate.
    min_points:
        Fewest points accepted, >= 2. The BD functions always use 4, the
        minimum for a cubic.

    Returns
    -------
    CurveCheck
        ``ok`` and the list of problems.

    Raises
    ------
    BDRateError
        Only if ``min_points`` itself is not an integer >= 2.
    """
    if (
        isinstance(min_points, bool)
        or not isinstance(min_points, numbers.Integral)
        or min_points < 2
    ):
        raise BDRateError(f"min_points must be an integer >= 2; got {min_points!r}")
    problems, _fixes, _curve = _inspect(rates, scores, min_points)
    return CurveCheck(ok=not problems, problems=tuple(problems))


def bd_rate(
    rate_anchor: Values,
    score_anchor: Values,
    rate_test: Values,
    score_test: Values,
    *,
    method: Method = "pchip",
) -> float:
    """Average bitrate difference of test vs anchor at equal quality, in percent.

    Log10-rate is interpolated as a function of the score for each curve, the
    difference test − anchor is averaged over the score interval both curves
    cover, and the mean log-ratio ``d`` is turned into a percentage
    ``(10**d - 1) * 100``.

    Parameters
    ----------
    rate_anchor, score_anchor:
        The anchor curve: bitrates (any unit, > 0) and their scores, in any
        order; at least 4 points with the score strictly rising with rate.
    rate_test, score_test:
        The test curve, same rules and the same rate unit as the anchor.
    method:
        ``"pchip"`` (piecewise cubic Hermite, JVET/AOM CTC practice) or
        ``"cubic"`` (VCEG-M33 least-squares cubic).

    Returns
    -------
    float
        BD-rate in percent, in (-100, +inf). Negative: the test needs fewer bits
        for the same quality (e.g. -12.5 means 12.5 % fewer bits on average).

    Raises
    ------
    BDRateError
        Unknown method; a curve that :func:`check_curve` rejects; score ranges
        that do not overlap.
    """
    anchor, test = _prepare(rate_anchor, score_anchor, rate_test, score_test, method, "BD-rate")
    lo = max(anchor.score[0], test.score[0])
    hi = min(anchor.score[-1], test.score[-1])
    if not hi > lo:
        raise BDRateError(
            "cannot compute BD-rate: the score ranges do not overlap (anchor covers "
            f"{_fmt(anchor.score[0])} to {_fmt(anchor.score[-1])}, test covers "
            f"{_fmt(test.score[0])} to {_fmt(test.score[-1])}); BD-rate compares bitrates "
            "at equal quality, so both curves need a common score range. Encode at more "
            "rates so the curves share a score range, or use bd_quality if their bitrate "
            "ranges overlap."
        )
    mean_anchor = _mean_value(anchor.score, anchor.log_rate, lo, hi, method, "BD-rate")
    mean_test = _mean_value(test.score, test.log_rate, lo, hi, method, "BD-rate")
    return float((10.0 ** (mean_test - mean_anchor) - 1.0) * 100.0)


def bd_quality(
    rate_anchor: Values,
    score_anchor: Values,
    rate_test: Values,
    score_test: Values,
    *,
    method: Method = "pchip",
) -> float:
    """Average quality difference test − anchor at equal bitrate, in score points.

    The score is interpolated as a function of log10-rate for each curve and the
    difference test − anchor is averaged over the log-rate interval both curves
    cover. With VMAF scores this is BD-VMAF; with PSNR it is BD-PSNR (dB).

    Parameters
    ----------
    rate_anchor, score_anchor:
        The anchor curve: bitrates (any unit, > 0) and their scores, in any
        order; at least 4 points with the score strictly rising with rate.
    rate_test, score_test:
        The test curve, same rules and the same rate unit as the anchor.
    method:
        ``"pchip"`` (piecewise cubic Hermite, JVET/AOM CTC practice) or
        ``"cubic"`` (VCEG-M33 least-squares cubic).

    Returns
    -------
    float
        BD-quality in the scores' unit (VMAF points, dB ...). Positive: the
        test scores higher at the same bitrate.

    Raises
    ------
    BDRateError
        Unknown method; a curve that :func:`check_curve` rejects; bitrate ranges
        that do not overlap.
    """
    anchor, test = _prepare(rate_anchor, score_anchor, rate_test, score_test, method, "BD-quality")
    lo = max(anchor.log_rate[0], test.log_rate[0])
    hi = min(anchor.log_rate[-1], test.log_rate[-1])
    if not hi > lo:
        raise BDRateError(
            "cannot compute BD-quality: the bitrate ranges do not overlap (anchor covers "
            f"{_fmt(10.0 ** anchor.log_rate[0])} to {_fmt(10.0 ** anchor.log_rate[-1])}, "
            f"test covers {_fmt(10.0 ** test.log_rate[0])} to "
            f"{_fmt(10.0 ** test.log_rate[-1])}); BD-quality compares scores at equal "
            "bitrate, so both curves need a common bitrate range. Encode at more rates so "
            "the curves share a bitrate range, or use bd_rate if their score ranges overlap."
        )
    mean_anchor = _mean_value(anchor.log_rate, anchor.score, lo, hi, method, "BD-quality")
    mean_test = _mean_value(test.log_rate, test.score, lo, hi, method, "BD-quality")
    return float(mean_test - mean_anchor)


def _prepare(
    rate_anchor: Values,
    score_anchor: Values,
    rate_test: Values,
    score_test: Values,
    method: str,
    what: str,
) -> tuple[_Curve, _Curve]:
    """Validate the method and both curves; raise one BDRateError naming every problem."""
    if method not in _METHODS:
        raise BDRateError(f"unknown {what} method {method!r}; use 'pchip' or 'cubic'")
    lines: list[str] = []
    fixes: list[str] = []
    curves: list[_Curve] = []
    for name, rates, scores in (
        ("anchor", rate_anchor, score_anchor),
        ("test", rate_test, score_test),
    ):
        problems, curve_fixes, curve = _inspect(rates, scores, _MIN_POINTS)
        if problems:
            lines.extend(f"  - {name} curve: {p}" for p in problems)
            fixes.extend(f for f in curve_fixes if f not in fixes)
        elif curve is not None:
            curves.append(curve)
    if lines:
        raise BDRateError(
            f"cannot compute {what}:\n" + "\n".join(lines) + "\nTo fix: " + "; ".join(fixes) + "."
        )
    return curves[0], curves[1]


def _inspect(
    rates: Values, scores: Values, min_points: int
) -> tuple[list[str], list[str], _Curve | None]:
    """Return (problems, fixes, curve sorted by rate, or None if there are problems)."""
    problems: list[str] = []
    fixes: list[str] = []

    def add(problem: str, fix: str) -> None:
        problems.append(problem)
        if fix not in fixes:
            fixes.append(fix)

    r = _as_vector(rates, "rates", add)
    s = _as_vector(scores, "scores", add)
    if r is None or s is None:
        return problems, fixes, None
    if r.size != s.size:
        add(f"{r.size} rates but {s.size} scores; each point needs one of each", _FIX_LENGTH)
        return problems, fixes, None

    if r.size < min_points:
        plural = "s" if r.size != 1 else ""
        add(
            f"{r.size} point{plural}; BD-rate and BD-quality need at least {min_points}",
            _FIX_COUNT,
        )
    valid = np.ones(r.size, dtype=bool)
    for i, value in enumerate(r):
        if not math.isfinite(value):
            add(f"rate at index {i} is {float(value)} (rates must be finite numbers)", _FIX_VALUE)
            valid[i] = False
        elif value <= 0:
            add(
                f"rate at index {i} is {_fmt(value)} (rates must be > 0: they are compared "
                "on a log scale)",
                _FIX_VALUE,
            )
            valid[i] = False
    for i, value in enumerate(s):
        if not math.isfinite(value):
            add(f"score at index {i} is {float(value)} (scores must be finite numbers)", _FIX_VALUE)
            valid[i] = False
    # Check the ordering among the usable points too, so one report lists everything.
    r, s = r[valid], s[valid]
    order = np.argsort(r, kind="stable")
    r, s = r[order], s[order]
    steps: list[tuple[str, str]] = []
    for r0, r1, s0, s1 in zip(r[:-1], r[1:], s[:-1], s[1:], strict=True):
        if r1 == r0:
            steps.append(
                (
                    f"bitrate {_fmt(r0)} appears more than once (scores {_pair(s0, s1, 'and')});"
                    " each point needs its own bitrate",
                    _FIX_DUPLICATE,
                )
            )
        elif s1 < s0:
            steps.append(
                (
                    f"score falls from {_pair(s0, s1)} as bitrate rises from {_pair(r0, r1)} "
                    "(not monotonic)",
                    _FIX_MONOTONIC,
                )
            )
        elif s1 == s0:
            steps.append(
                (
                    f"score stays at {_fmt(s0)} as bitrate rises from {_pair(r0, r1)} "
                    "(not strictly increasing)",
                    _FIX_MONOTONIC,
                )
            )
    shown = steps[:_MAX_LISTED_STEPS]
    for k, (step, fix) in enumerate(shown):
        if k == len(shown) - 1 and len(steps) > len(shown):
            step += f"; and {len(steps) - len(shown)} more such step(s)"
        add(step, fix)
    for _step, fix in steps[len(shown) :]:
        if fix not in fixes:
            fixes.append(fix)
    if problems:
        return problems, fixes, None
    return problems, fixes, _Curve(log_rate=np.log10(r), score=s)


def _as_vector(values: Values, name: str, report: Callable[[str, str], None]) -> np.ndarray | None:
    """Convert ``values`` to a 1-D float64 array, or report why it cannot be."""
    if isinstance(values, (str, bytes)):
        report(f"{name} is a string, not a sequence of numbers", _FIX_READ)
        return None
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        report(f"{name} could not be read as numbers ({exc})", _FIX_READ)
        return None
    if arr.ndim != 1:
        report(
            f"{name} must be a flat sequence of numbers; got an array of shape {arr.shape}",
            _FIX_READ,
        )
        return None
    return arr


def _mean_value(
    x: np.ndarray, y: np.ndarray, lo: float, hi: float, method: str, what: str
) -> float:
    """Mean of the curve y(x) over [lo, hi], interpolated or fitted by ``method``.

    ``x`` is strictly increasing and [lo, hi] lies within [x[0], x[-1]].
    """
    if method == "pchip":
        integral = PchipInterpolator(x, y, extrapolate=False).integrate(lo, hi)
        return float(integral) / (hi - lo)
    # VCEG-M33: least-squares cubic. The fit is done on x centred and scaled to
    # [-1, 1], which leaves the fitted function unchanged (cubics stay cubics
    # under an affine change of variable) but keeps the normal equations well
    # conditioned for score ranges such as 30..100.
    centre = 0.5 * (x[0] + x[-1])
    half = 0.5 * (x[-1] - x[0])
    coeffs = np.polyfit((x - centre) / half, y, 3)
    t_lo, t_hi = (lo - centre) / half, (hi - centre) / half
    _warn_if_cubic_turns(coeffs, t_lo, t_hi, what)
    primitive = np.polyint(coeffs)
    integral = (np.polyval(primitive, t_hi) - np.polyval(primitive, t_lo)) * half
    return float(integral) / (hi - lo)


def _pchip_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """PCHIP derivatives at the knots of many curves at once.

    ``x`` and ``y`` have shape (curves, points) with points >= 2 and each row of
    ``x`` strictly increasing. The rule is SciPy's
    :class:`~scipy.interpolate.PchipInterpolator` (Fritsch-Carlson with Moler's
    end conditions): two points give the chord's slope at both ends; an inner
    knot gets 0 where the neighbouring secant slopes differ in sign or either is
    0, otherwise their weighted harmonic mean with weights ``2 h_k + h_{k-1}``
    and ``h_k + 2 h_{k-1}``; an end knot gets the one-sided three-point
    estimate, set to 0 where its sign differs from the end secant's and to 3x
    the end secant's slope where the two end secants differ in sign and the
    estimate exceeds that.
    """
    h = np.diff(x, axis=1)
    m = np.diff(y, axis=1) / h
    d = np.zeros_like(y)
    if y.shape[1] == 2:
        d[:, 0] = m[:, 0]
        d[:, 1] = m[:, 0]
        return d
    sm = np.sign(m)
    flat = (sm[:, 1:] != sm[:, :-1]) | (m[:, 1:] == 0) | (m[:, :-1] == 0)
    w1 = 2.0 * h[:, 1:] + h[:, :-1]
    w2 = h[:, 1:] + 2.0 * h[:, :-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        whmean = (w1 / m[:, :-1] + w2 / m[:, 1:]) / (w1 + w2)
        d[:, 1:-1] = np.where(flat, 0.0, 1.0 / whmean)
    d[:, 0] = _pchip_end(h[:, 0], h[:, 1], m[:, 0], m[:, 1])
    d[:, -1] = _pchip_end(h[:, -1], h[:, -2], m[:, -1], m[:, -2])
    return d


def _pchip_end(h0: np.ndarray, h1: np.ndarray, m0: np.ndarray, m1: np.ndarray) -> np.ndarray:
    """PCHIP end-knot derivative from the two nearest secants (see :func:`_pchip_slopes`)."""
    d = ((2.0 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    wrong_sign = np.sign(d) != np.sign(m0)
    too_steep = (np.sign(m0) != np.sign(m1)) & (np.abs(d) > 3.0 * np.abs(m0))
    d = np.where(wrong_sign, 0.0, d)
    return np.where(~wrong_sign & too_steep, 3.0 * m0, d)


def _pchip_integrals(x: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Integral over [lo, hi] of the PCHIP interpolant of each row of (x, y).

    ``x``, ``y``: shape (curves, points), points >= 2, each row of ``x``
    strictly increasing; ``lo``, ``hi``: shape (curves,), with
    ``x[:, 0] <= lo <= hi <= x[:, -1]``. Equals
    ``PchipInterpolator(x[i], y[i], extrapolate=False).integrate(lo[i], hi[i])``
    up to floating-point rounding: the same knot derivatives, the same
    polynomial coefficients per piece in the local variable ``t = s - x_k``,
    and the exact integral of each piece over its part of [lo, hi].
    """
    d = _pchip_slopes(x, y)
    h = np.diff(x, axis=1)
    secant = np.diff(y, axis=1) / h
    t = (d[:, :-1] + d[:, 1:] - 2.0 * secant) / h
    c3 = t / h
    c2 = (secant - d[:, :-1]) / h - t
    c1 = d[:, :-1]
    c0 = y[:, :-1]
    left, right = x[:, :-1], x[:, 1:]
    a = np.clip(lo[:, None], left, right) - left
    b = np.clip(hi[:, None], left, right) - left

    def primitive(u: np.ndarray) -> np.ndarray:
        return u * (c0 + u * (c1 / 2.0 + u * (c2 / 3.0 + u * (c3 / 4.0))))

    return np.sum(primitive(b) - primitive(a), axis=1)


def _mean_difference(
    ax: np.ndarray, ay: np.ndarray, tx: np.ndarray, ty: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the mean of the test curve ``ty(tx)`` minus that of the anchor's ``ay(ax)``.

    Both are PCHIP curves, averaged over the range of x both cover; returns the
    rows where that range is not empty and their differences.
    """
    lo = np.maximum(ax[:, 0], tx[:, 0])
    hi = np.minimum(ax[:, -1], tx[:, -1])
    ok = hi > lo
    if not ok.any():
        return ok, np.empty(0)
    lo_, hi_ = lo[ok], hi[ok]
    mean_a = _pchip_integrals(ax[ok], ay[ok], lo_, hi_) / (hi_ - lo_)
    mean_t = _pchip_integrals(tx[ok], ty[ok], lo_, hi_) / (hi_ - lo_)
    return ok, mean_t - mean_a


def _bd_batch(pairs: Sequence[tuple[_Curve, _Curve]], method: str) -> tuple[np.ndarray, np.ndarray]:
    """BD-rate and BD-quality of many validated (anchor, test) curve pairs.

    Returns two arrays of ``len(pairs)`` values, each the result of
    :func:`bd_rate` / :func:`bd_quality` on that pair, NaN where the score
    (respectively bitrate) ranges do not overlap. Pairs are grouped by their
    numbers of points and each group is computed at once with
    :func:`_pchip_integrals` when ``method`` is ``"pchip"``; ``"cubic"`` goes
    pair by pair through :func:`_mean_value`.
    """
    rates = np.full(len(pairs), np.nan)
    quals = np.full(len(pairs), np.nan)
    if method != "pchip":
        for i, (a, t) in enumerate(pairs):
            rates[i], quals[i] = _bd_pair(a, t, method)
        return rates, quals
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (a, t) in enumerate(pairs):
        groups.setdefault((a.score.size, t.score.size), []).append(i)
    for idx in groups.values():
        a_score = np.stack([pairs[i][0].score for i in idx])
        a_rate = np.stack([pairs[i][0].log_rate for i in idx])
        t_score = np.stack([pairs[i][1].score for i in idx])
        t_rate = np.stack([pairs[i][1].log_rate for i in idx])
        where = np.asarray(idx)
        # BD-rate: log-rate as a function of the score over the common score range
        ok, diff = _mean_difference(a_score, a_rate, t_score, t_rate)
        rates[where[ok]] = (10.0**diff - 1.0) * 100.0
        # BD-quality: the score as a function of log-rate over the common log-rate range
        ok, diff = _mean_difference(a_rate, a_score, t_rate, t_score)
        quals[where[ok]] = diff
    return rates, quals


def _bd_pair(anchor: _Curve, test: _Curve, method: str) -> tuple[float, float]:
    """BD-rate and BD-quality of one validated pair via :func:`_mean_value`; NaN: no overlap."""
    rate = quality = math.nan
    lo = max(anchor.score[0], test.score[0])
    hi = min(anchor.score[-1], test.score[-1])
    if hi > lo:
        mean_a = _mean_value(anchor.score, anchor.log_rate, lo, hi, method, "BD-rate")
        mean_t = _mean_value(test.score, test.log_rate, lo, hi, method, "BD-rate")
        rate = float((10.0 ** (mean_t - mean_a) - 1.0) * 100.0)
    lo = max(anchor.log_rate[0], test.log_rate[0])
    hi = min(anchor.log_rate[-1], test.log_rate[-1])
    if hi > lo:
        mean_a = _mean_value(anchor.log_rate, anchor.score, lo, hi, method, "BD-quality")
        mean_t = _mean_value(test.log_rate, test.score, lo, hi, method, "BD-quality")
        quality = float(mean_t - mean_a)
    return rate, quality


def _checked(rates: Values, scores: Values) -> _Curve | None:
    """The curve sorted by rate, or None when :func:`check_curve` would reject it."""
    problems, _fixes, curve = _inspect(rates, scores, _MIN_POINTS)
    return None if problems else curve


def _warn_if_cubic_turns(coeffs: np.ndarray, t_lo: float, t_hi: float, what: str) -> None:
    """Warn when a fitted cubic falls somewhere inside the integration interval.

    Both curves rise (rate with score, score with rate), so a fitted cubic whose
    slope goes negative inside [t_lo, t_hi] has swung away from the points.
    """
    slope = np.polyder(coeffs)  # quadratic in t (or lower degree)
    where = [t_lo, t_hi]
    if slope.size == 3 and slope[0] != 0:
        vertex = -slope[1] / (2.0 * slope[0])
        if t_lo < vertex < t_hi:
            where.append(vertex)
    lowest = min(float(np.polyval(slope, t)) for t in where)
    scale = max(float(np.max(np.abs(slope))), np.finfo(float).tiny)
    if lowest < -1e-9 * scale:
        warnings.warn(
            f"{what} with method='cubic': the fitted cubic turns back inside the integration "
            "range, so the result averages over a curve the measured points do not support; "
            "method='pchip' follows the points without overshooting",
            RuntimeWarning,
            stacklevel=4,
        )


def _fmt(value: float) -> str:
    """Format a number compactly (6 significant digits)."""
    return f"{value:g}"


def _pair(a: float, b: float, joiner: str = "to") -> str:
    """Format 'a to b' with just enough digits (at least 6) that the two numbers differ."""
    for digits in range(6, 18):
        fa, fb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if fa != fb:
            return f"{fa} {joiner} {fb}"
    return f"{float(a)!r} {joiner} {float(b)!r}"
