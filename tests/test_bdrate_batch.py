"""The batch PCHIP integral behind the BD bootstrap, checked against SciPy.

:func:`pyvmafneg.comparison._bdrate._pchip_integrals` must give what
``scipy.interpolate.PchipInterpolator(x, y, extrapolate=False).integrate(lo, hi)``
gives, curve by curve, on every shape PCHIP treats specially (two points, flat
segments, equal neighbours, slopes that change sign, steep ends), with limits
at knots and between them; and the BD intervals of a comparison must be those
of the same bootstrap computed pair by pair through SciPy.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.interpolate import PchipInterpolator

from pyvmafneg.comparison import _bdinterval
from pyvmafneg.comparison._analysis import AVERAGE, EncodeRow, analyse
from pyvmafneg.comparison._bdrate import (
    BDRateError,
    _pchip_integrals,
    _pchip_slopes,
    bd_quality,
    bd_rate,
)


def _curves(rng: np.random.Generator, n: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` curves of ``n`` points: rising, falling, zigzag, with flat runs and ties."""
    x = np.cumsum(rng.uniform(0.05, 3.0, size=(count, n)), axis=1) + rng.uniform(-5, 5, (count, 1))
    kind = np.arange(count) % 5
    y = rng.normal(0.0, 10.0, size=(count, n))  # kind 0: any signs, zigzags
    y[kind == 1] = np.cumsum(rng.uniform(0.0, 4.0, size=(count, n)), axis=1)[kind == 1]
    y[kind == 2] = -np.cumsum(rng.uniform(0.0, 4.0, size=(count, n)), axis=1)[kind == 2]
    # kind 3: few distinct levels, so equal neighbours and flat segments are common
    y[kind == 3] = rng.integers(-2, 3, size=(count, n))[kind == 3].astype(float)
    # kind 4: rising with flat runs, and one steep jump (Moler's 3x end clamp)
    steps = rng.choice([0.0, 0.0, 1.0, 25.0], size=(count, n))
    y[kind == 4] = np.cumsum(steps, axis=1)[kind == 4]
    return x, y


def _limits(rng: np.random.Generator, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integration limits: knots, points between knots, the ends, and lo == hi."""
    count, n = x.shape
    u = rng.uniform(x[:, :1], x[:, -1:], size=(count, 2))
    knots = x[np.arange(count)[:, None], rng.integers(0, n, size=(count, 2))]
    pick = rng.integers(0, 3, size=count)
    ends = np.stack([x[:, 0], x[:, -1]], axis=1)
    both = np.where(pick[:, None] == 0, u, np.where(pick[:, None] == 1, knots, ends))
    mixed = rng.random(count) < 0.3
    both[mixed, 0] = u[mixed, 0]  # one limit between knots, the other at a knot
    both[::11, 1] = both[::11, 0]  # empty interval
    return np.min(both, axis=1), np.max(both, axis=1)


@pytest.mark.parametrize("n", range(2, 9))
def test_integrals_equal_scipy_pchip(n: int) -> None:
    rng = np.random.default_rng(100 + n)
    x, y = _curves(rng, n, 300)
    lo, hi = _limits(rng, x)
    got = _pchip_integrals(x, y, lo, hi)
    want = np.array(
        [
            PchipInterpolator(x[i], y[i], extrapolate=False).integrate(lo[i], hi[i])
            for i in range(x.shape[0])
        ]
    )
    assert np.all(np.isfinite(want))
    # relative to the integral, or, where the signed integral cancels to near zero,
    # to the size of the values integrated over the interval
    scale = np.abs(want) + 1e-3 * np.max(np.abs(y), axis=1) * (hi - lo)
    np.testing.assert_array_less(np.abs(got - want), 1e-12 * scale + 1e-300)
    assert np.count_nonzero(np.abs(got - want) > 1e-12 * np.abs(want)) <= 3


@pytest.mark.parametrize("n", range(2, 9))
def test_knot_slopes_equal_scipy_pchip(n: int) -> None:
    rng = np.random.default_rng(200 + n)
    x, y = _curves(rng, n, 300)
    got = _pchip_slopes(x, y)
    for i in range(x.shape[0]):
        # SciPy's own knot derivatives, before they are turned into coefficients
        want = PchipInterpolator._find_derivatives(x[i], y[i], xp=np).ravel()
        np.testing.assert_array_equal(got[i], want)


def test_the_shapes_are_exercised() -> None:
    """The random curves hit every branch of the derivative rule."""
    x, y = _curves(np.random.default_rng(7), 6, 300)
    m = np.diff(y, axis=1) / np.diff(x, axis=1)
    assert np.any(m == 0)  # flat segments
    assert np.any(np.sign(m[:, 1:]) * np.sign(m[:, :-1]) < 0)  # sign changes
    h0, h1, m0, m1 = np.diff(x, axis=1)[:, 0], np.diff(x, axis=1)[:, 1], m[:, 0], m[:, 1]
    d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    assert np.any(np.sign(d) != np.sign(m0))  # end slope set to 0
    assert np.any((np.sign(m0) != np.sign(m1)) & (np.abs(d) > 3 * np.abs(m0)) & (d * m0 > 0))


def _rows(rng: np.random.Generator, source: str, factor: float, points: int) -> list[EncodeRow]:
    """Anchor and test encodes, noisy enough that some replicates lose monotonicity."""
    rates = [250.0 * 1.5**i for i in range(points)]
    rows = []
    for setting, f in (("anchor", 1.0), ("test", factor)):
        for i, rate in enumerate(rates):
            frame_scores = {}
            for m, g in (("vmaf", 1.0), ("vmaf_neg", 1.08)):
                truth = 30.0 + 20.0 * math.log10(rate / (100.0 * f * g))
                frame_scores[m] = list(truth + rng.normal(0.0, 3.0, 30))
            rows.append(
                EncodeRow(
                    source=source,
                    codec="x",
                    setting=setting,
                    point=f"p{i}",
                    bitrate_kbps=rate,
                    scores={m: float(np.mean(v)) for m, v in frame_scores.items()},
                    frame_scores=frame_scores,
                )
            )
    return rows


def _bd_pairs_through_scipy(pairs, method):
    """The bootstrap's former arithmetic: bd_rate and bd_quality per pair (SciPy for pchip)."""
    rates, quals = np.full(len(pairs), np.nan), np.full(len(pairs), np.nan)
    for i, (a, t) in enumerate(pairs):
        args = (10.0**a.log_rate, a.score, 10.0**t.log_rate, t.score)
        try:
            rates[i], quals[i] = bd_rate(*args, method=method), bd_quality(*args, method=method)
        except BDRateError:
            pass
    return rates, quals


@pytest.mark.parametrize("method", ["pchip", "cubic"])
def test_bd_intervals_equal_the_pair_by_pair_scipy_bootstrap(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(8)
    rows = _rows(rng, "a", 0.9, 4) + _rows(rng, "b", 0.8, 5) + _rows(rng, "c", 1.1, 6)
    kwargs = dict(anchor="x anchor", method=method, replicates=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # cubic fits that turn back
        new = analyse(rows, **kwargs)
        monkeypatch.setattr(_bdinterval, "_bd_batch", _bd_pairs_through_scipy)
        old = analyse(rows, **kwargs)
    fields = ("bd_rate_low", "bd_rate_high", "bd_quality_low", "bd_quality_high", "replicates")
    checked = 0
    for e_new, e_old in zip(new.bd, old.bd, strict=True):
        assert (e_new.source, e_new.test, e_new.metric) == (e_old.source, e_old.test, e_old.metric)
        for f in fields:
            a, b = getattr(e_new, f), getattr(e_old, f)
            assert (a is None) == (b is None), (e_new.source, e_new.metric, f)
            if a is not None:
                assert a == pytest.approx(b, rel=1e-9, abs=1e-9), (e_new.source, f)
                checked += 1
    assert checked >= 4 * 5 * 2  # 3 sources and the average, 2 metrics, all 5 fields
    assert any(e.source == AVERAGE and e.bd_rate_low is not None for e in new.bd)
    # the noise leaves some replicates out, so both paths agree on which
    assert any(e.replicates is not None and e.replicates < 100 for e in new.bd)
