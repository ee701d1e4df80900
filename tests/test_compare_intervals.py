"""Bootstrap intervals of BD-rates and BD-quality, and the winner flip they decide.

Synthetic rate-quality points with a known BD-rate and known per-frame noise:
the interval covers the truth about as often as it claims, shrinks as frames
grow, spreads as sources disagree; a clear flip is resolved, a near-tie is not.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pyvmafneg.comparison._analysis import AVERAGE, EncodeRow, analyse, flip_resolved, to_text
from pyvmafneg.comparison._bdrate import bd_rate
from pyvmafneg.errors import OptionError

RATES = [250.0, 400.0, 600.0, 900.0]


def _quality(rate: float) -> float:
    """The true curve: 30 + 20 log10(rate / 100) VMAF points (38 to 49 over RATES)."""
    return 30.0 + 20.0 * math.log10(rate / 100.0)


def _rows(
    rng: np.random.Generator,
    *,
    source: str = "s",
    frames: int,
    sigma: float,
    factors: dict[str, float],
    centre: bool = False,
) -> list[EncodeRow]:
    """Anchor and test encodes at the same rates; the test reaches each quality at
    ``factors[metric]`` x the anchor's rate under each metric.

    Per-frame scores are the true quality plus independent N(0, sigma^2) noise per
    metric; with ``centre`` the noise is shifted to mean zero, so the pooled
    scores (and the BD-rates) are exactly the true ones.
    """
    rows = []
    for setting in ("anchor", "test"):
        for i, rate in enumerate(RATES):
            frame_scores = {}
            for m, f in factors.items():
                noise = rng.normal(0.0, sigma, frames)
                if centre:
                    noise -= noise.mean()
                # the test reaches the anchor's quality at f x the rate: q(rate / f) at rate
                truth = _quality(rate / f) if setting == "test" else _quality(rate)
                frame_scores[m] = list(truth + noise)
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


def _truth(factor: float) -> float:
    anchor = [_quality(r) for r in RATES]
    return bd_rate(RATES, anchor, RATES, [_quality(r / factor) for r in RATES])


def test_the_constructed_curves_have_the_known_bd_rate() -> None:
    assert _truth(0.9) == pytest.approx(-10.0, abs=1e-9)
    rows = _rows(np.random.default_rng(1), frames=50, sigma=2.0, factors={"vmaf": 0.9}, centre=True)
    c = analyse(rows, anchor="x anchor", default_metric="vmaf", neg_metric=None)
    e = c.entry("s", "x test", "vmaf")
    assert e.bd_rate == pytest.approx(-10.0, abs=1e-9)
    assert e.bd_rate_low < -10.0 < e.bd_rate_high
    assert e.replicates == 300 and e.level == 0.95


@pytest.mark.slow
def test_interval_covers_the_truth_and_shrinks_as_frames_grow() -> None:
    """12 comparisons per frame count, noise sd 4 points per frame, true BD-rate -10 %."""
    rng = np.random.default_rng(2)
    widths = {}
    for frames in (40, 640):
        covered, width = 0, []
        for _ in range(12):
            rows = _rows(rng, frames=frames, sigma=4.0, factors={"vmaf": 0.9})
            c = analyse(
                rows, anchor="x anchor", default_metric="vmaf", neg_metric=None, replicates=100
            )
            e = c.entry("s", "x test", "vmaf")
            covered += e.bd_rate_low <= -10.0 <= e.bd_rate_high
            width.append(e.bd_rate_high - e.bd_rate_low)
        assert covered >= 10, (frames, covered)  # 95 % of 12 is 11.4; binomial slack
        widths[frames] = float(np.mean(width))
    # the standard error falls as 1/sqrt(frames): 16 x the frames, a quarter of the width
    assert widths[640] / widths[40] == pytest.approx(0.25, rel=0.25)


@pytest.mark.slow
def test_average_interval_spreads_with_the_sources() -> None:
    """Eight sources whose true BD-rates differ; frames barely matter (noise sd 0.05)."""
    rng = np.random.default_rng(3)
    factors = [0.80, 0.84, 0.88, 0.92, 0.96, 1.00, 0.86, 0.90]
    rows = []
    for k, f in enumerate(factors):
        rows += _rows(rng, source=f"s{k}", frames=30, sigma=0.05, factors={"vmaf": f})
    c = analyse(rows, anchor="x anchor", default_metric="vmaf", neg_metric=None)
    e = c.entry(AVERAGE, "x test", "vmaf")
    truths = np.array([_truth(f) for f in factors])
    assert e.bd_rate == pytest.approx(truths.mean(), abs=0.1)
    # bootstrap of a mean of k values: sd = population sd / sqrt(k)
    expected = 2 * 1.96 * truths.std() / math.sqrt(len(factors))
    assert e.bd_rate_high - e.bd_rate_low == pytest.approx(expected, rel=0.25)
    per_source = c.entry("s0", "x test", "vmaf")
    assert per_source.bd_rate_high - per_source.bd_rate_low < 0.1 * expected


def _flip_rows(factor_default: float, factor_neg: float, frames: int, sigma: float):
    rng = np.random.default_rng(4)
    return _rows(
        rng,
        frames=frames,
        sigma=sigma,
        factors={"vmaf": factor_default, "vmaf_neg": factor_neg},
        centre=True,
    )


def test_clear_flip_is_resolved() -> None:
    c = analyse(_flip_rows(0.8, 1.25, frames=200, sigma=1.0), anchor="x anchor")
    d, n = c.entry("s", "x test", "vmaf"), c.entry("s", "x test", "vmaf_neg")
    assert d.bd_rate == pytest.approx(-20.0, abs=1e-9)
    assert n.bd_rate == pytest.approx(25.0, abs=1e-9)
    assert d.bd_rate_high < 0 < n.bd_rate_low and flip_resolved(d, n)
    kinds = [f.kind for f in c.flags]
    assert "winner_flip" in kinds and "flip_unresolved" not in kinds
    assert "intervals exclude zero on opposite sides" in c.flips()[0].message


def test_near_tie_is_not_resolved() -> None:
    """BD-rates of -0.5 % and +0.5 % with noisy, short clips: an interval reaches across zero."""
    c = analyse(_flip_rows(0.995, 1.005, frames=30, sigma=3.0), anchor="x anchor")
    d, n = c.entry("s", "x test", "vmaf"), c.entry("s", "x test", "vmaf_neg")
    assert d.bd_rate < 0 < n.bd_rate
    assert not flip_resolved(d, n)
    assert not c.flips()
    unresolved = [f for f in c.flags if f.kind == "flip_unresolved"]
    assert [f.source for f in unresolved] == ["s", AVERAGE]  # one source: its mean is itself
    assert all("the ranking is not resolved" in f.message for f in unresolved)
    text = to_text(c)
    assert "[flip_unresolved]" in text and "95 % interval" in text


def test_rows_without_frame_scores_keep_the_point_estimate_flip() -> None:
    rows = _flip_rows(0.995, 1.005, frames=30, sigma=3.0)
    for r in rows:
        r.frame_scores = {}
    c = analyse(rows, anchor="x anchor")
    assert all(not e.has_interval for e in c.bd)
    assert [(f.kind, f.source) for f in c.flags] == [("winner_flip", "s"), ("winner_flip", AVERAGE)]


def test_same_seed_same_interval_and_bad_options() -> None:
    rows = _flip_rows(0.9, 0.95, frames=40, sigma=2.0)
    a = analyse(rows, anchor="x anchor").bd
    b = analyse(rows, anchor="x anchor").bd
    assert a == b
    with pytest.raises(OptionError, match="replicates"):
        analyse(rows, anchor="x anchor", replicates=10)
    with pytest.raises(OptionError, match="level"):
        analyse(rows, anchor="x anchor", level=1.5)
