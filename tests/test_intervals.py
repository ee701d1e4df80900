"""Block-bootstrap intervals of pooled scores, on synthetic series with known answers.

For independent frames the standard error of the mean is sigma / sqrt(n); for
an AR(1) series x_t = phi x_{t-1} + e_t (innovations of sd sigma) it is, for
large n, sigma / ((1 - phi) sqrt(n)). A 95 % interval must be about
2 x 1.96 standard errors wide and cover the true mean in about 95 % of clips.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import pyvmafneg
from pyvmafneg.demo import map_frames, natural_clip, unsharp_mask
from pyvmafneg.results import block_bootstrap, block_length

Z = 1.959963984540054  # the standard normal's 97.5 % quantile


def ar1(rng: np.random.Generator, n: int, phi: float, sigma: float, mean: float) -> np.ndarray:
    e = rng.normal(0.0, sigma, size=n + 200)
    x = np.empty_like(e)
    x[0] = e[0] / np.sqrt(1 - phi**2)
    for t in range(1, x.size):
        x[t] = phi * x[t - 1] + e[t]
    return mean + x[200:]


def test_independent_frames_get_blocks_of_one_and_the_textbook_width():
    rng = np.random.default_rng(1)
    widths, covered, blocks = [], 0, []
    for _ in range(200):
        x = rng.normal(80.0, 4.0, size=400)
        interval = block_bootstrap(x, replicates=1000, seed=rng)
        widths.append(interval.high - interval.low)
        covered += 80.0 in interval
        blocks.append(interval.block)
    assert np.median(blocks) <= 2
    assert np.mean(widths) == pytest.approx(2 * Z * 4.0 / np.sqrt(400), rel=0.08)
    assert 0.90 <= covered / 200 <= 0.99


def test_correlated_frames_get_long_blocks_and_a_wider_interval():
    rng = np.random.default_rng(2)
    phi, sigma, n = 0.8, 1.0, 1200
    truth = 2 * Z * sigma / ((1 - phi) * np.sqrt(n))
    widths, naive, covered, blocks = [], [], 0, []
    for _ in range(150):
        x = ar1(rng, n, phi, sigma, 90.0)
        interval = block_bootstrap(x, replicates=1000, seed=rng)
        widths.append(interval.high - interval.low)
        covered += 90.0 in interval
        blocks.append(interval.block)
        one = block_bootstrap(x, block=1, replicates=1000, seed=rng)
        naive.append(one.high - one.low)
    assert np.median(blocks) >= 8
    # frames resampled one by one understate the spread by sqrt((1 - phi) / (1 + phi)) = 1/3
    assert np.mean(naive) == pytest.approx(truth / 3, rel=0.15)
    assert np.mean(widths) == pytest.approx(truth, rel=0.2)
    assert covered / 150 >= 0.85


def test_block_length_of_a_constant_or_tiny_series_is_one():
    assert block_length(np.full(50, 93.0)) == 1
    assert block_length(np.array([1.0, 2.0, 3.0])) == 1
    flat = block_bootstrap(np.full(50, 93.0))
    assert (flat.low, flat.estimate, flat.high) == (93.0, 93.0, 93.0)


def test_interval_is_repeatable_and_checked():
    x = np.random.default_rng(3).normal(size=100)
    assert block_bootstrap(x) == block_bootstrap(x)
    with pytest.raises(pyvmafneg.ResultError):
        block_bootstrap(x, level=1.5)
    with pytest.raises(pyvmafneg.ResultError):
        block_bootstrap(np.empty(0))


def test_result_intervals_bracket_libvmaf_pooled_scores():
    clip = natural_clip("astronaut", frames=12, width=176, height=144)
    dis = map_frames(clip, lambda y: unsharp_mask(y, amount=1.5))
    result = pyvmafneg.score(clip, dis, clip=False, backend="libvmaf")
    interval = result.interval("vmaf_neg")
    assert interval.estimate == result.pooled("vmaf_neg").mean
    assert interval.low <= interval.estimate <= interval.high
    gap = result.gap_interval()
    assert gap.estimate == pytest.approx(result.pooled_gap, abs=1e-12)
    assert gap.low <= gap.estimate <= gap.high
    assert interval.as_dict()["block"] == interval.block >= 1


def test_summary_reports_the_intervals():
    clip = natural_clip("astronaut", frames=8, width=176, height=144)
    result = pyvmafneg.score(clip, map_frames(clip, lambda y: unsharp_mask(y, amount=1.0)))
    d, g = result.interval(), result.gap_interval()
    line = next(x for x in result.summary().splitlines() if "95% interval" in x)
    assert f"vmaf [{d.low:.2f}, {d.high:.2f}]" in line
    assert f"gap [{g.low:+.2f}, {g.high:+.2f}]" in line and f"blocks of {g.block}" in line


def test_long_title_bootstraps_in_flat_memory():
    x = np.random.default_rng(4).normal(90.0, 1.0, size=200_000)
    interval = block_bootstrap(x, block=1, replicates=200)
    assert interval.high - interval.low == pytest.approx(2 * Z / np.sqrt(x.size), rel=0.25)


def test_json_log_carries_the_intervals(tmp_path):
    clip = natural_clip("coffee", frames=6, width=176, height=144)
    result = pyvmafneg.score(clip, map_frames(clip, lambda y: unsharp_mask(y, amount=1.0)))
    log = json.loads(result.to_json(tmp_path / "log.json"))
    intervals = log["pyvmafneg"]["intervals"]
    for key in ("vmaf", "vmaf_neg"):
        expected = result.interval(key)
        assert intervals[key]["block"] == expected.block
        assert intervals[key]["low"] == pytest.approx(expected.low, abs=5e-7)
        assert intervals[key]["high"] == pytest.approx(expected.high, abs=5e-7)
    assert intervals["gap"]["low"] == pytest.approx(result.gap_interval().low, abs=5e-7)
