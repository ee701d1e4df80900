"""A model's own uncertainty at each frame, from a bootstrapped model collection.

A bootstrapped collection (Netflix's ``vmaf_b_v0.6.3``) is a set of SVMs on
the same features: one trained on all of the model's training data and
twenty more, each trained on a bootstrap resample of it. At each frame the
twenty resampled models give twenty scores; their spread is how far the
model's answer depends on which subjective scores it happened to be trained
on. libvmaf reports, per frame (and the engines here reproduce it as
doubles):

``bagging``
    The mean of the resampled models' scores (computed unclipped, then the
    model's transform and clip applied), VMAF points.
``stddev``
    Their population standard deviation, scaled by the slope of the
    transform and clip at the mean (so 0 where the clip at 100 holds),
    VMAF points.
``low``, ``high``
    The 2.5th and 97.5th percentiles of their scores (linear interpolation
    between the sorted scores), transformed and clipped: a 95 % interval.

Pooled over a clip (:meth:`ModelInterval.pooled`), each is the mean of its
per-frame values, as libvmaf pools them. This interval covers the model's
training, not the frames: the per-clip bootstrap (:meth:`Result.interval`)
covers the frames, not the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ResultError

__all__ = ["ModelInterval", "libvmaf_mean"]


def libvmaf_mean(values: np.ndarray) -> float:
    """The mean as libvmaf pools it: a left-to-right sum of doubles, divided by the count."""
    total = 0.0
    items = np.asarray(values, dtype=np.float64).tolist()
    if not items:
        raise ResultError("cannot pool an empty series")
    for v in items:
        total += v
    return total / len(items)


@dataclass
class ModelInterval:
    """Per-frame outputs of a bootstrapped model collection, twin of one scored model.

    Attributes
    ----------
    model:
        Name of the scored model this collection is the twin of (``'vmaf'``,
        ``'vmaf_neg'``): the same features at the same gain limits.
    collection:
        What was loaded, e.g. ``'vmaf_b_v0.6.3'`` or ``'vmaf_b_v0.6.3neg'``.
    score:
        The collection's main model (trained on all data), per frame, VMAF
        points (clipped as the run's scores are).
    bagging, stddev, low, high:
        Per frame, VMAF points (see the module notes); ``low`` and ``high``
        bound a 95 % interval.
    level:
        Coverage of ``[low, high]``: 0.95.
    """

    model: str
    collection: str
    score: np.ndarray
    bagging: np.ndarray
    stddev: np.ndarray
    low: np.ndarray
    high: np.ndarray
    level: float = 0.95

    def __post_init__(self) -> None:
        n = np.asarray(self.score).size
        for name in ("score", "bagging", "stddev", "low", "high"):
            arr = np.asarray(getattr(self, name), dtype=np.float64).reshape(-1)
            if arr.size != n:
                raise ResultError(f"{name!r} has {arr.size} values for {n} frames", key=name)
            setattr(self, name, arr)

    def __len__(self) -> int:
        return int(self.score.size)

    def pooled(self) -> dict[str, float]:
        """Means over the frames of ``score``, ``bagging``, ``stddev``, ``low``, ``high``.

        Each is libvmaf's mean pooling of the per-frame values (a sequential
        sum divided by the count), VMAF points.
        """
        return {
            name: libvmaf_mean(getattr(self, name))
            for name in ("score", "bagging", "stddev", "low", "high")
        }

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: the collection, the level and the pooled values."""
        return {"collection": self.collection, "level": self.level, "pooled": self.pooled()}

    def __str__(self) -> str:
        p = self.pooled()
        return (
            f"{self.collection}: bagging {p['bagging']:.2f} "
            f"[{p['low']:.2f}, {p['high']:.2f}] ({100 * self.level:g} %), "
            f"stddev {p['stddev']:.2f}"
        )
