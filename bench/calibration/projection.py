"""Projection gain per band for the calibration: the verdict's own measure plus the statistics
the evaluation reads.

The definition (pyramid, bands, poolings, pairing of the frames) is in
:mod:`pyvmafneg.verdict._projection`, the one implementation; this module adds
:func:`stats` (the reverse regression, correlation, energy ratio and a content
statistic). ``framestats.py`` measures it on every calibration item; ``calibrate.py`` fits the
shipped band envelopes from it and reports the rule (docs/calibration.md).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pyvmafneg._defaults import DEFAULT_SCALER
from pyvmafneg.verdict._projection import (
    EDGE,
    LEVELS,
    MIN_SIDE,
    TOP,
    frame_sums,
    measure_projection,
)

__all__ = ["EDGE", "LEVELS", "MIN_SIDE", "TOP", "frame_sums", "projection_sums", "stats"]


def projection_sums(
    reference: Any, distorted: Any, *, scale: str | None = DEFAULT_SCALER
) -> np.ndarray:
    """The per-band sums of :func:`frame_sums` pooled over a clip's frames (the verdict's own
    measure, :func:`pyvmafneg.verdict._projection.measure_projection`)."""
    return measure_projection(reference, distorted, scale=scale).sums


def stats(sums: np.ndarray) -> dict[str, float]:
    """Named statistics from pooled sums: ``proj{k}`` / ``projm{k}`` (beta, all / structured
    locations), ``inv{k}`` / ``invm{k}`` (the reverse regression's slope, reference on encode),
    ``corr{k}`` (the correlation of the bands), ``eratio{k}`` (energy ratio);
    ``k`` in 0..LEVELS-1 or ``low``; ``ref_fine_share``, the reference's energy per pixel of
    the finest band over the sum over the band-pass levels (a content statistic: how much of
    its detail is fine detail or noise)."""
    out: dict[str, float] = {}
    per_pixel = sums[:LEVELS, 0] * 4.0 ** np.arange(LEVELS)  # up to one common factor
    per_pixel = per_pixel[np.isfinite(per_pixel)]
    total = float(per_pixel.sum()) if per_pixel.size else 0.0
    out["ref_fine_share"] = float(per_pixel[0]) / total if total > 0 else math.nan
    for i in range(LEVELS + 1):
        k = "low" if i == LEVELS else str(i)
        rr, rd, dd, rrm, rdm, ddm, rre, rde, dde = sums[i]
        out[f"proje{k}"] = float(rde / rre) if rre > 0 else math.nan
        out[f"inve{k}"] = float(rde / dde) if dde > 0 else math.nan
        out[f"proj{k}"] = float(rd / rr) if rr > 0 else math.nan
        out[f"projm{k}"] = float(rdm / rrm) if rrm > 0 else math.nan
        out[f"corr{k}"] = float(rd / np.sqrt(rr * dd)) if rr > 0 and dd > 0 else math.nan
        out[f"eratio{k}"] = float(dd / rr) if rr > 0 else math.nan
        out[f"inv{k}"] = float(rd / dd) if dd > 0 else math.nan
        out[f"invm{k}"] = float(rdm / ddm) if ddm > 0 else math.nan
    return out
