"""Bootstrap intervals of a comparison's BD-rates and BD-quality values.

A BD figure is computed from pooled scores, and each pooled score is the mean
of one encode's per-frame scores. The interval asks how far the figure would
move with other frames of the same content, and, when it averages several
sources, with other sources like these:

- **over frames**: each replicate resamples every encode's per-frame scores
  by moving blocks (:func:`pyvmafneg.results._intervals.block_means`); the
  encodes of one source are scored against the same reference frames, so they
  are resampled *together* (the same blocks for every encode of the source and
  for every model), which keeps what the content does to all of them. The
  block length is the largest Politis-White length
  (:func:`pyvmafneg.results._intervals.block_length`) among the source's
  per-frame series. The replicate's pooled scores then go through the same
  curves (a ladder's convex hull is rebuilt from them) and the same BD
  computation as the point estimate;
- **over sources**: a figure averaged over ``k >= 2`` sources is recomputed
  on ``k`` sources drawn with replacement, each at its own frame replicate.

The interval is the percentile interval of the replicates. A replicate whose
resampled curve BD cannot use (no longer monotonic, no overlap) is left out,
and its count is kept; when more than a tenth of them are left out, no
interval is given, because the ones left would be a biased sample.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from .._defaults import DEFAULT_BD_REPLICATES
from ..results._intervals import (
    DEFAULT_SEED,
    block_length,
    block_means,
    block_starts,
    check_bootstrap,
)
from ._analysis import AVERAGE, Comparison, EncodeRow, _build_hulls, _hull_problem
from ._bdrate import _bd_batch, _checked, _Curve

__all__ = ["DEFAULT_BD_REPLICATES", "with_intervals"]

#: Largest share of replicates that may be left out before no interval is given.
_MAX_LEFT_OUT = 0.10


def _source_replicates(
    rows: Sequence[EncodeRow], metrics: Sequence[str], replicates: int, rng: np.random.Generator
) -> dict[int, dict[str, np.ndarray]] | None:
    """Per row (by ``id``) and metric: the replicate pooled scores; None without per-frame data."""
    series: list[tuple[int, str, np.ndarray]] = []
    for r in rows:
        for m in metrics:
            if m not in r.scores or r.scores.get(m) is None:
                continue
            values = r.frame_scores.get(m)
            if not values:
                return None
            series.append((id(r), m, np.asarray(values, dtype=np.float64)))
    if not series:
        return None
    out: dict[int, dict[str, np.ndarray]] = {}
    for n in sorted({x.size for _, _, x in series}):
        same = [(key, m, x) for key, m, x in series if x.size == n]
        b = max(block_length(x) for _, _, x in same)
        starts = block_starts(n, b, replicates, rng)
        for key, m, x in same:
            out.setdefault(key, {})[m] = block_means(x, starts, b)
    return out


def _bd_curves(c: Comparison, source: str, test: str, metric: str) -> tuple[_Curve, _Curve] | None:
    """The anchor's and ``test``'s validated curves on one source, or None if BD cannot use them."""
    a = c.bd_curve(source, c.anchor, metric)
    t = c.bd_curve(source, test, metric)
    if not a or not t:
        return None
    if _hull_problem(c, source, c.anchor, metric) or _hull_problem(c, source, test, metric):
        return None
    anchor = _checked([p[0] for p in a], [p[1] for p in a])
    tested = _checked([p[0] for p in t], [p[1] for p in t])
    if anchor is None or tested is None:
        return None
    return anchor, tested


def _percentiles(values: np.ndarray, level: float) -> tuple[float, float] | None:
    kept = values[np.isfinite(values)]
    if kept.size == 0 or kept.size < (1.0 - _MAX_LEFT_OUT) * values.size:
        return None
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(kept, [alpha, 1.0 - alpha])
    return float(low), float(high)


def with_intervals(
    c: Comparison,
    *,
    replicates: int = DEFAULT_BD_REPLICATES,
    level: float = 0.95,
    seed: int | None = DEFAULT_SEED,
) -> None:
    """Fill the interval fields of every BD entry of ``c`` that has a value, in place.

    Entries of sources whose encodes lack per-frame scores, and averages over
    such sources, keep ``None`` intervals.
    """
    rng = np.random.default_rng(seed)
    tests = [s for s in c.series if s != c.anchor]
    # per (source, test, metric): replicate BD-rates and BD-qualities (NaN where left out)
    rates: dict[tuple[str, str, str], np.ndarray] = {}
    quals: dict[tuple[str, str, str], np.ndarray] = {}
    drawn: dict[str, dict[int, dict[str, np.ndarray]]] = {}
    for source in c.sources:
        ok = [r for r in c.rows if r.source == source and r.ok]
        reps = _source_replicates(ok, c.metrics, replicates, rng)
        if reps is not None:
            drawn[source] = reps
    for source, reps in drawn.items():
        wanted = [
            (t, m)
            for t in tests
            for m in c.metrics
            if (e := c.entry(source, t, m)) is not None and e.bd_rate is not None
        ]
        for test, metric in wanted:
            rates[(source, test, metric)] = np.full(replicates, np.nan)
            quals[(source, test, metric)] = np.full(replicates, np.nan)
        if not wanted:
            continue
        rows = [r for r in c.rows if r.source == source]
        # the replicates' curves, computed together once all are drawn
        pairs: dict[tuple[str, str], list[tuple[_Curve, _Curve]]] = {w: [] for w in wanted}
        at: dict[tuple[str, str], list[int]] = {w: [] for w in wanted}
        for k in range(replicates):
            copies = [
                dataclasses.replace(
                    r, scores={**r.scores, **{m: float(v[k]) for m, v in reps[id(r)].items()}}
                )
                if id(r) in reps
                else r
                for r in rows
            ]
            shadow = Comparison(
                rows=copies,
                bd=[],
                flags=[],
                anchor=c.anchor,
                metrics=c.metrics,
                method=c.method,
            )
            _build_hulls(shadow)
            for test, metric in wanted:
                curves = _bd_curves(shadow, source, test, metric)
                if curves is not None:
                    pairs[(test, metric)].append(curves)
                    at[(test, metric)].append(k)
        for (test, metric), found in pairs.items():
            if not found:
                continue
            rate, quality = _bd_batch(found, c.method)
            # a replicate counts only when both figures could be computed
            both = ~np.isnan(rate) & ~np.isnan(quality)
            ks = np.asarray(at[(test, metric)])[both]
            rates[(source, test, metric)][ks] = rate[both]
            quals[(source, test, metric)][ks] = quality[both]
    for i, e in enumerate(c.bd):
        if e.bd_rate is None:
            continue
        if e.source != AVERAGE:
            key = (e.source, e.test, e.metric)
            if key not in rates:
                continue
            rate_reps, qual_reps = rates[key], quals[key]
        else:
            used = [
                s
                for s in c.sources
                if (x := c.entry(s, e.test, e.metric)) is not None and x.bd_rate is not None
            ]
            keys = [(s, e.test, e.metric) for s in used]
            if not keys or any(key not in rates for key in keys):
                continue
            per_rate = np.stack([rates[key] for key in keys])  # (sources, replicates)
            per_qual = np.stack([quals[key] for key in keys])
            if len(keys) == 1:
                rate_reps, qual_reps = per_rate[0], per_qual[0]
            else:
                pick = rng.integers(0, len(keys), size=(replicates, len(keys)))
                cols = np.arange(replicates)[:, None]
                rate_reps = per_rate[pick, cols].mean(axis=1)
                qual_reps = per_qual[pick, cols].mean(axis=1)
        r_int, q_int = _percentiles(rate_reps, level), _percentiles(qual_reps, level)
        if r_int is None:
            continue
        c.bd[i] = dataclasses.replace(
            e,
            bd_rate_low=r_int[0],
            bd_rate_high=r_int[1],
            bd_quality_low=None if q_int is None else q_int[0],
            bd_quality_high=None if q_int is None else q_int[1],
            level=float(level),
            replicates=int(np.isfinite(rate_reps).sum()),
        )


def _check(level: object, replicates: object) -> None:
    """Raise OptionError for a level outside (0, 1) or fewer than 100 replicates."""
    check_bootstrap(level, replicates, default_replicates=DEFAULT_BD_REPLICATES)
