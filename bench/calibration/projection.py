"""Projection gain: how much of the reference's own structure an encode carries, per band.

Energy ratios cannot tell sharpening from blocking or noise: all three add
energy. The projection gain ignores energy that is uncorrelated with the
reference. Per band ``s`` of a luma pyramid (level ``k``: the frame decimated
``k`` times by 2 after a binomial blur (1, 4, 6, 4, 1) / 16, a Gaussian of
sigma 1 pixel; its band is the level minus its own blur),

    beta_s = sum <ref_s, dis_s> / sum <ref_s, ref_s>

pooled over the frames: the least-squares gain of the encode's band on the
reference's, i.e. 1 + the slope of the regression of (dis - ref) on ref.
Honest coding attenuates what it keeps (beta_s <= ~1); blocking and noise do
not raise it (they are uncorrelated with the reference's band); sharpening
lifts it above 1 at the scales its kernel boosts, and a contrast stretch lifts
every band, the coarse low-pass (``low``: the last level, mean removed per
frame) too.

Three poolings: over every location, over the *structured* locations (``m``:
where the reference band's local energy, blurred with the same kernel, is in the
top quarter of its frame) and over the *edges* (``e``: its top 5 %).

The frames are paired as :func:`pyvmafneg.score` pairs them (a ladder rung
scaled back with the scaler it was scored with). ``framestats.py`` measures it
on every calibration item; ``calibrate.py`` reports whether it separates
(docs/calibration.md: not across sources at low rates; it is not shipped).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pyvmafneg._defaults import DEFAULT_SCALER

#: Number of band-pass levels (level 0 the finest); a level needs >= MIN_SIDE pixels a side.
LEVELS = 5
MIN_SIDE = 16
#: Shares of locations (top, by the reference band's local energy) pooled as ``structured``
#: (``m``) and as ``edges`` (``e``).
TOP = 0.25
EDGE = 0.05


def _blur(x: np.ndarray) -> np.ndarray:
    """Separable 5-tap binomial blur (1, 4, 6, 4, 1) / 16 (a Gaussian of sigma 1 pixel), edges
    repeated."""
    p = np.pad(x, 2, mode="edge")
    h = (p[:, :-4] + p[:, 4:]) + 4.0 * (p[:, 1:-3] + p[:, 3:-1]) + 6.0 * p[:, 2:-2]
    v = (h[:-4] + h[4:]) + 4.0 * (h[1:-3] + h[3:-1]) + 6.0 * h[2:-2]
    return v * np.float32(1.0 / 256.0)


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    # einsum, not BLAS: a threaded BLAS dot is slower than this on a shared machine
    return float(np.einsum("i,i->", a, b))


def _bands(y: np.ndarray) -> list[np.ndarray]:
    """Band-pass levels 0..LEVELS-1 of a luma plane (float32), then the low-pass residual."""
    out: list[np.ndarray] = []
    cur = y
    for _ in range(LEVELS):
        if min(cur.shape) < MIN_SIDE:
            break
        blur = _blur(cur)
        out.append(cur - blur)
        cur = blur[::2, ::2]
    out.append(cur - cur.mean())
    return out


def _masks(rb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights 0/1 of the structured and edge locations of a reference band."""
    local = _blur(rb * rb)
    # quantiles of a subsample: the same thresholds at a fraction of the cost
    top, edge = np.quantile(local[::3, ::3], (1.0 - TOP, 1.0 - EDGE))
    return (local >= top).ravel(), (local >= edge).ravel()


def frame_sums(ref: np.ndarray, dis: np.ndarray, depth: int) -> np.ndarray:
    """Sums (rr, rd, dd) over all, structured and edge locations per band, shape (LEVELS + 1, 9)."""
    scale = np.float32(1.0 / float(1 << (depth - 8)))
    rbands = _bands(ref.astype(np.float32) * scale)
    dbands = _bands(dis.astype(np.float32) * scale)
    out = np.full((LEVELS + 1, 9), np.nan)
    for i, (rb, db) in enumerate(zip(rbands, dbands, strict=True)):
        row = i if i < len(rbands) - 1 else LEVELS  # the low-pass residual goes last
        r64, d64 = rb.astype(np.float64).ravel(), db.astype(np.float64).ravel()
        if i < len(rbands) - 1:
            m, e = _masks(rb)
            rm, dm, re_, de = r64 * m, d64 * m, r64 * e, d64 * e
        else:
            rm, dm, re_, de = r64, d64, r64, d64
        out[row] = [
            _dot(a, b)
            for a, b in ((r64, r64), (r64, d64), (d64, d64), (rm, rm), (rm, dm), (dm, dm))
            + ((re_, re_), (re_, de), (de, de))
        ]
    return out


def projection_sums(
    reference: Any, distorted: Any, *, scale: str | None = DEFAULT_SCALER
) -> np.ndarray:
    """The per-band sums of :func:`frame_sums` pooled over a clip's frames."""
    from blocking import _pairs

    total: np.ndarray | None = None
    for r, d in _pairs(reference, distorted, scale):
        s = frame_sums(r.luma, d.luma, r.bitdepth)
        total = s if total is None else total + s
    assert total is not None
    return total


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
