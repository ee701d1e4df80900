"""Stitch the rows of a title's segments, in order, into one :class:`Result`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engines._models import ModelSpec, pick_pair
from ..results._model_interval import ModelInterval
from ..results._result import Result
from ._segment import INTERVAL_OUTPUTS, stored_value

__all__ = ["stitch"]


def stitch(
    rows: list[dict[str, Any]],
    specs: Sequence[ModelSpec],
    *,
    clip: bool,
    seconds: float,
    frames: int,
) -> Result:
    def join(part: str) -> dict[str, np.ndarray]:
        names = rows[0].get("order", {}).get(part) or list(rows[0][part])
        values = {n: [stored_value(v) for r in rows for v in r[part][n]] for n in names}
        return {n: np.array(v, np.float64) for n, v in values.items()}

    default, neg = pick_pair(list(specs))
    intervals = {
        model: ModelInterval(
            model,
            first["collection"],
            **{
                k: np.array([stored_value(v) for r in rows for v in r["intervals"][model][k]])
                for k in INTERVAL_OUTPUTS
            },
        )
        for model, first in (rows[0].get("intervals") or {}).items()
    }
    numbers = [f for r in rows for f in r.get("frames", range(r["start"], r["stop"]))]
    return Result(
        frames=np.asarray(numbers, dtype=np.int64),
        scores=join("scores"),
        features=join("features"),
        default_model=default,
        neg_model=neg,
        clipped=clip,
        backend=rows[0]["backend"],
        version=rows[0]["version"],
        models=dict(rows[0]["models"]),
        fps=frames / seconds if seconds > 0 else None,
        model_intervals=intervals,
    )
