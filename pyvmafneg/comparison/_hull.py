"""Convex hulls of rate-quality points: the ladder of a series that spans resolutions.

A streaming ladder encodes one source at several resolutions (rungs), each at
several rate points, and then sends, at each bitrate, the encode that gives
the best quality for it. The encodes worth sending are the **convex hull** of
the rate-quality points: the points that no other encode, and no mix of two
other encodes, beats (a mix sends a share of the frames from one encode and
the rest from another; its rate and its mean quality are the same mix of
theirs). This module computes that hull, the curve BD-rates use for a ladder,
and which hull encode each model would choose at a rate.

The method, as in AOM's common test conditions for its adaptive-streaming
class (the AV2 CTC convex-hull framework):

1. **Space.** The hull is taken with the bitrate on a *linear* axis (kbps)
   and the score as it is: mixing two encodes mixes their bits linearly, so
   only in linear rate is a chord between two points a real choice.
2. **Which hull.** The upper-left part: walking up in rate, only points that
   raise the score are kept (a point that costs more bits for no more
   quality is dominated), then every point on or below the chord between
   its neighbours is dropped (Andrew's monotone chain; points exactly on a
   chord are dropped, as the AOM tool does). Two encodes at the same rate
   keep the better score; identical points keep the first listed.
3. **The curve BD uses.** Before the hull is taken, the points of each rung
   are interpolated (:func:`interpolate_rung`): between two neighbouring
   rate points of one resolution, ``INTERPOLATE_PIECES - 1`` points
   linear in (log10 rate, score), as the AOM tool's default bilinear
   pre-interpolation does with 8 pieces. The hull of all rungs' interpolated
   points is then compared between series with the BD method of the
   comparison (pchip on log10 rate), so a ladder of two CRFs per rung still
   gives a curve with enough points; a hull with fewer than four points has
   no BD value and says why.
4. **Rung choice.** Which encode a model would send at a bitrate uses the
   hull of the encodes themselves (:func:`hull_indices`), without
   interpolated points: the hull encode with the highest rate not above the
   bitrate (:func:`pick_at_rate`).

The AOM tool takes the whole upper hull and keeps falling points at the top
end only when VMAF saturates (at 99.5 or above); here a point past the
highest score is always dropped as dominated, for every metric alike.

Example
-------
>>> points = [(100, 50.0), (200, 70.0), (300, 72.0), (400, 90.0)]
>>> hull_indices(points)
[0, 1, 3]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "INTERPOLATE_PIECES",
    "hull_indices",
    "interpolate_rung",
    "ladder_curve",
    "pick_at_rate",
    "pick_nearest_quality",
    "pick_nearest_rate",
]

#: Pieces each gap between two rate points of one rung is cut into before the
#: hull for BD is taken (AOM's CTC tool default: 8, i.e. 7 points in between).
INTERPOLATE_PIECES = 8


def _usable(point: tuple[float, float]) -> bool:
    rate, score = point
    return math.isfinite(rate) and math.isfinite(score) and rate > 0


def hull_indices(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points on the upper-left convex hull, by rising rate.

    Parameters
    ----------
    points:
        ``(rate, score)`` pairs: rate in any unit (> 0, finite), score
        higher-is-better. Unusable points (non-finite, rate <= 0) are left out.

    Returns
    -------
    list of int
        Indices into ``points`` of the hull vertices, rate and score both
        strictly rising. Empty when no point is usable.
    """
    order = sorted(
        (i for i, p in enumerate(points) if _usable(p)),
        key=lambda i: (points[i][0], -points[i][1], i),
    )
    frontier: list[int] = []
    for i in order:
        rate, score = points[i]
        if frontier and (points[frontier[-1]][0] == rate or points[frontier[-1]][1] >= score):
            continue  # same rate with a score no better, or dominated by a cheaper point
        frontier.append(i)
    hull: list[int] = []
    for i in frontier:
        while len(hull) >= 2:
            (r0, s0), (r1, s1), (r2, s2) = points[hull[-2]], points[hull[-1]], points[i]
            # Drop the middle point when it lies on or below the chord from r0 to r2.
            if (s1 - s0) * (r2 - r0) <= (s2 - s0) * (r1 - r0):
                hull.pop()
            else:
                break
        hull.append(i)
    return hull


def interpolate_rung(
    points: Sequence[tuple[float, float]], pieces: int = INTERPOLATE_PIECES
) -> list[tuple[float, float]]:
    """The points of one rung with ``pieces - 1`` points between each pair of neighbours.

    Neighbours are taken by rising rate; in between, rate and score move
    linearly in (log10 rate, score). The given points are kept as they are.
    """
    pts = sorted(p for p in points if _usable(p))
    out: list[tuple[float, float]] = []
    for (r0, s0), (r1, s1) in zip(pts[:-1], pts[1:], strict=True):
        out.append((r0, s0))
        if r1 == r0:
            continue
        l0, l1 = math.log10(r0), math.log10(r1)
        for k in range(1, pieces):
            t = k / pieces
            out.append((10.0 ** (l0 + t * (l1 - l0)), s0 + t * (s1 - s0)))
    if pts:
        out.append(pts[-1])
    return out


def ladder_curve(
    rungs: Sequence[Sequence[tuple[float, float]]], pieces: int = INTERPOLATE_PIECES
) -> list[tuple[float, float]]:
    """The hull BD uses for a ladder: every rung interpolated, then the hull of them all.

    Parameters
    ----------
    rungs:
        Per resolution, the ``(kbps, score)`` points of its encodes.
    pieces:
        See :func:`interpolate_rung`.

    Returns
    -------
    list of (float, float)
        Hull points by rising rate (some are encodes, some interpolated).
    """
    pooled = [p for rung in rungs for p in interpolate_rung(rung, pieces)]
    return [pooled[i] for i in hull_indices(pooled)]


def pick_at_rate(hull: Sequence[tuple[float, float]], kbps: float) -> int:
    """Index (into ``hull``, by rising rate) of the encode a model sends at ``kbps``.

    The hull point with the highest rate not above ``kbps``; the cheapest
    one when every hull point costs more.
    """
    best = 0
    for i, (rate, _score) in enumerate(hull):
        if rate <= kbps * (1 + 1e-12):
            best = i
    return best


def pick_nearest_rate(hull: Sequence[tuple[float, float]], kbps: float) -> int:
    """Index of the hull point nearest ``kbps`` on a log-rate axis (ties: the cheaper)."""
    return min(range(len(hull)), key=lambda i: (abs(math.log(hull[i][0] / kbps)), i))


def pick_nearest_quality(hull: Sequence[tuple[float, float]], score: float) -> int:
    """Index of the hull point whose score is nearest ``score`` (ties: the cheaper)."""
    return min(range(len(hull)), key=lambda i: (abs(hull[i][1] - score), i))
