"""Confidence intervals of pooled scores: a moving-block bootstrap over frames.

Neighbouring frames of a clip score alike (the same shot, the same motion),
so resampling single frames as if they were independent understates how much
a pooled mean would move with other frames of the same kind: the interval
comes out too narrow. The moving-block bootstrap (Künsch 1989) resamples
*blocks* of consecutive frames instead, keeping the correlation within a
block, and joins ``ceil(n / b)`` blocks drawn with replacement from the
``n - b + 1`` overlapping blocks into each replicate of length ``n``.

**Block length.** Chosen from the series itself by the rule of Politis and
White (2004, with the correction of Patton, Politis and White 2009): the
block length that minimises the mean squared error of the bootstrap variance
of the mean, ``b = (2 G^2 / D)^(1/3) n^(1/3)`` with ``G`` and ``D`` estimated
from the autocovariances through a flat-top lag window whose bandwidth is
where the autocorrelation stops being significant. A series with no
correlation gets ``b = 1`` (the ordinary bootstrap); a slowly varying one
gets long blocks. ``b`` is at least 1 and at most ``n // 3``, so that a
replicate is drawn from at least three disjoint stretches of the clip.

**What the interval covers.** The variation of the pooled mean over frames
like these: had the clip been another stretch of the same content, encoded
the same way. It does not cover the model's own uncertainty (how far VMAF
itself is from viewers' opinion), another source, or another encoder
setting; and a clip too short to hold several independent stretches (a
handful of blocks) gives an interval that is itself uncertain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._defaults import DEFAULT_REPLICATES as _DEFAULT_REPLICATES
from .._defaults import MAX_REPLICATES
from ..errors import OptionError, ResultError

__all__ = [
    "Interval",
    "block_bootstrap",
    "block_length",
    "block_means",
    "block_starts",
    "check_bootstrap",
]

#: Bootstrap replicates drawn by default.
DEFAULT_REPLICATES = _DEFAULT_REPLICATES
#: Block starts drawn at once (bounds memory on long titles: 8 bytes each).
_MAX_DRAWS = 1 << 21
#: Seed of the default random generator, so the same series gives the same interval.
DEFAULT_SEED = 20250101


@dataclass(frozen=True)
class Interval:
    """A percentile bootstrap interval of a pooled mean.

    Attributes
    ----------
    estimate:
        The pooled mean of the series itself (its units, e.g. VMAF points).
    low, high:
        The interval's ends, same units.
    level:
        Coverage aimed at, in (0, 1), e.g. 0.95.
    block:
        Block length used, in frames.
    replicates:
        Bootstrap replicates drawn.
    """

    estimate: float
    low: float
    high: float
    level: float
    block: int
    replicates: int

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high

    def overlaps(self, other: Interval) -> bool:
        """True when the two intervals share at least one value."""
        return self.low <= other.high and other.low <= self.high

    def as_dict(self) -> dict[str, float | int]:
        """Plain ``dict`` (JSON-ready)."""
        return {
            "estimate": self.estimate,
            "low": self.low,
            "high": self.high,
            "level": self.level,
            "block": self.block,
            "replicates": self.replicates,
        }

    def __str__(self) -> str:
        return (
            f"{self.estimate:.2f} [{self.low:.2f}, {self.high:.2f}] "
            f"({100 * self.level:g} %, blocks of {self.block})"
        )


def _autocovariances(x: np.ndarray, lags: int) -> np.ndarray:
    n = x.size
    d = x - x.mean()
    return np.array([float(d[: n - k] @ d[k:]) / n for k in range(lags + 1)])


def block_length(series: np.ndarray) -> int:
    """The block length of Politis and White (2004) for a moving-block bootstrap of the mean.

    Parameters
    ----------
    series:
        Per-frame values (at least 2).

    Returns
    -------
    int
        Block length in frames, from 1 (uncorrelated frames) to ``max(1, n // 3)``
        (longer blocks would leave too few distinct blocks to resample); 1 for a
        series with infinite or NaN frames, which has no autocovariance.
    """
    x = np.asarray(series, dtype=np.float64)
    n = x.size
    if n < 4 or not np.any(x != x[0]) or not np.isfinite(x).all():
        return 1
    max_lag = min(n - 1, math.ceil(math.sqrt(n)) + 5)
    acov = _autocovariances(x, max_lag)
    rho = acov / acov[0]
    # smallest lag m after which K consecutive autocorrelations are insignificant
    k_n = max(5, math.ceil(math.sqrt(math.log10(n))))
    bound = 2.0 * math.sqrt(math.log10(n) / n)
    m_hat = max_lag
    for m in range(max_lag - k_n + 1):
        if np.all(np.abs(rho[m + 1 : m + 1 + k_n]) < bound):
            m_hat = m
            break
    bandwidth = min(2 * max(m_hat, 1), max_lag)
    lags = np.arange(-bandwidth, bandwidth + 1)
    t = np.abs(lags) / bandwidth
    window = np.where(t <= 0.5, 1.0, np.where(t <= 1.0, 2.0 * (1.0 - t), 0.0))
    r = acov[np.abs(lags)]
    g = float(np.sum(window * np.abs(lags) * r))
    spectral = float(np.sum(window * r))  # long-run variance
    if spectral <= 0.0 or g == 0.0:
        return 1
    d = (4.0 / 3.0) * spectral**2  # moving (circular) block bootstrap
    b = (2.0 * g**2 / d) ** (1.0 / 3.0) * n ** (1.0 / 3.0)
    return int(min(max(1, math.ceil(b)), max(1, n // 3)))


def block_bootstrap(
    series: np.ndarray,
    *,
    level: float = 0.95,
    block: int | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: int | np.random.Generator | None = DEFAULT_SEED,
) -> Interval:
    """A moving-block bootstrap percentile interval of the mean of ``series``.

    Parameters
    ----------
    series:
        Per-frame values (e.g. VMAF scores, or the default - NEG gap).
    level:
        Coverage, in (0, 1).
    block:
        Block length in frames; default :func:`block_length` of the series.
    replicates:
        Bootstrap replicates, 100 to 1000000.
    seed:
        Seed or generator; the default seed makes the interval repeatable.

    A series with infinite frames (PSNR of identical planes) gives infinite means where a
    replicate draws them: the interval of a series of +inf frames is [inf, inf]. Such a
    series, or one with NaN frames, is resampled in blocks of 1 unless ``block`` is given.

    Raises
    ------
    ResultError
        Empty series, a level outside (0, 1) or replicates outside that range.
    """
    x = np.asarray(series, dtype=np.float64).reshape(-1)
    n = x.size
    if n == 0:
        raise ResultError("cannot bootstrap an empty series")
    if not 0.0 < level < 1.0:
        raise ResultError(f"the interval's level must be in (0, 1); got {level}")
    if not 100 <= replicates <= MAX_REPLICATES:
        raise ResultError(
            f"100 to {MAX_REPLICATES} bootstrap replicates are needed; got {replicates}"
        )
    finite = bool(np.isfinite(x).all())
    # a series with infinite or NaN frames has no autocovariance to choose blocks by
    b = (block_length(x) if finite else 1) if block is None else int(block)
    b = min(max(1, b), n)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    blocks = math.ceil(n / b)
    # prefix sums: the sum of block [s, s + b) is c[s + b] - c[s]; a series with infinite or
    # NaN frames sums each replicate's frames instead (a prefix sum through an infinite frame
    # would subtract inf from inf), so a replicate that draws a +inf frame has a mean of +inf
    c = np.concatenate([[0.0], np.cumsum(x)]) if finite else None
    # the last block is cut so a replicate has n frames, as the series
    tail = n - (blocks - 1) * b
    offsets = np.arange(b)
    means = np.empty(replicates)
    batch = max(1, _MAX_DRAWS // (blocks if finite else blocks * b))  # memory stays flat
    with np.errstate(invalid="ignore"):
        for first in range(0, replicates, batch):
            count = min(batch, replicates - first)
            starts = rng.integers(0, n - b + 1, size=(count, blocks))
            if c is None:
                frames = (starts[:, :, None] + offsets).reshape(count, blocks * b)[:, :n]
                means[first : first + count] = x[frames].sum(axis=1) / n
                continue
            sums = c[starts + b] - c[starts]
            if tail != b:
                sums[:, -1] = c[starts[:, -1] + tail] - c[starts[:, -1]]
            means[first : first + count] = sums.sum(axis=1) / n
        estimate = float(x.sum() / n)
    alpha = (1.0 - level) / 2.0
    if finite:
        low, high = (float(v) for v in np.quantile(means, [alpha, 1.0 - alpha]))
    else:  # percentiles that rank infinities: a series of +inf frames gives [inf, inf]
        from ._result import percentile

        low, high = percentile(means, 100.0 * alpha), percentile(means, 100.0 * (1.0 - alpha))
    return Interval(
        estimate=estimate,
        low=low,
        high=high,
        level=float(level),
        block=b,
        replicates=int(replicates),
    )


def block_starts(n: int, block: int, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Random block starts for ``replicates`` moving-block resamples of a series of ``n`` frames.

    Returns an integer array of shape ``(replicates, ceil(n / block))``, each start in
    ``[0, n - block]``. The same starts applied to several series of the same
    frames (:func:`block_means`) resample them together, keeping what they share.
    """
    b = min(max(1, int(block)), n)
    return rng.integers(0, n - b + 1, size=(replicates, math.ceil(n / b)))


def block_means(series: np.ndarray, starts: np.ndarray, block: int) -> np.ndarray:
    """The mean of each moving-block resample of ``series`` drawn by ``starts``.

    ``starts`` comes from :func:`block_starts` with the same ``n`` and ``block``;
    the last block of a resample is cut so it has ``n`` frames, as in
    :func:`block_bootstrap`. Returns one mean per row of ``starts``.
    """
    x = np.asarray(series, dtype=np.float64).reshape(-1)
    n = x.size
    b = min(max(1, int(block)), n)
    c = np.concatenate([[0.0], np.cumsum(x)])
    sums = c[starts + b] - c[starts]
    tail = n - (starts.shape[1] - 1) * b
    if tail != b:
        sums[:, -1] = c[starts[:, -1] + tail] - c[starts[:, -1]]
    return np.asarray(sums.sum(axis=1) / n)


def check_bootstrap(
    level: object, replicates: object, *, default_replicates: int = _DEFAULT_REPLICATES
) -> None:
    """Raise OptionError for a level outside (0, 1), or replicates outside 100 to 1000000.

    The one check of the options every interval of the package takes (a
    clip's scores, a check's gap, a comparison's BD figures);
    ``default_replicates`` is what the error suggests.
    """
    if (
        isinstance(level, bool)
        or not isinstance(level, (int, float))
        or not math.isfinite(level)
        or not 0.0 < level < 1.0
    ):
        raise OptionError(
            f"the intervals' level must be in (0, 1); got {level!r}",
            advice="pass {level} for 95 % intervals",
            options={"level": 0.95},
            option="level",
            value=level,
        )
    if (
        isinstance(replicates, bool)
        or not isinstance(replicates, int)
        or not 100 <= replicates <= MAX_REPLICATES
    ):
        raise OptionError(
            f"100 to {MAX_REPLICATES} bootstrap replicates are needed (each holds 8 bytes, and "
            f"beyond a million the reported digits no longer move); got {replicates!r}",
            advice="pass {replicates} (the default) or another count in that range",
            options={"replicates": default_replicates},
            option="replicates",
            value=replicates,
        )
