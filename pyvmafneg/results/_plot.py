"""Per-frame plot: default and NEG scores, the gap shaded, frames above their own ceiling marked.

The ceiling (the score of the reference against itself, per frame) is
computed by the verdict layer, above this one; the plot takes it as data
(:func:`plot_result`'s ``ceiling``) and marks the frames that
:func:`ceiling_marks` selects, the same rule the check applies. A score of
100 stays as a faint reference line only: a frame's own ceiling may be above it.

matplotlib is an optional extra (``pip install pyvmafneg[plot]``); it is
imported only when a plot is drawn, and a clear
:class:`~pyvmafneg.errors.MissingDependencyError` says so when it is absent.
Drawing uses the Agg canvas directly, so no display or pyplot state is needed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .._optional import matplotlib_agg
from .._outputs import check_output_file, save_figure
from ..errors import ModelError, OutputFileError
from ._result import Result

__all__ = ["ceiling_marks", "check_plot_path", "figure_result", "plot_result"]


def check_plot_path(path: str | os.PathLike[str]) -> Path:
    """Check, before any drawing, that a plot can be written to ``path``.

    The suffix must name an image format matplotlib writes (``.png``,
    ``.svg``, ``.pdf`` ...) and the directory must be writable; raises
    :class:`~pyvmafneg.errors.OutputFileError` otherwise, and
    :class:`~pyvmafneg.errors.MissingDependencyError` without matplotlib.
    """
    _, Canvas = matplotlib_agg("plots")
    out = check_output_file(path, "the plot")
    formats = Canvas.get_supported_filetypes()
    suffix = out.suffix.lstrip(".").lower()
    if suffix not in formats:
        given = f"ends in '.{suffix}'" if suffix else "has no suffix"
        raise OutputFileError(
            f"the plot {str(out)!r} {given}, which is not an image format matplotlib writes; "
            f"name it *.png (or {', '.join(sorted(f for f in formats if f != 'png'))})"
        )
    return out


def ceiling_marks(result: Result, ceiling: np.ndarray | None, margin: float = 0.0) -> np.ndarray:
    """Which frames the plot marks: default score more than ``margin`` above ``ceiling``.

    Parameters
    ----------
    result:
        The scores (default model).
    ceiling:
        Per-frame ceiling in VMAF points, aligned with ``result.frames``;
        None marks nothing.
    margin:
        Points a frame may exceed its ceiling unmarked (>= 0).

    Returns
    -------
    numpy.ndarray
        Boolean mask over the result's frames.

    Raises
    ------
    ModelError
        ``ceiling`` does not hold one finite value per frame.
    """
    d = result.scores[str(result.default_model)]
    if ceiling is None:
        return np.zeros(d.shape, dtype=bool)
    ceil = np.asarray(ceiling, dtype=np.float64).reshape(-1)
    if ceil.shape != d.shape or not np.all(np.isfinite(ceil)):
        raise ModelError(
            f"the ceiling must hold one finite value per frame ({d.size}); got {ceil.size} values"
        )
    return (d - ceil) > float(margin)


def plot_result(
    result: Result,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    threshold: float | None = None,
    ceiling: np.ndarray | None = None,
    ceiling_margin: float = 0.0,
    dpi: int = 110,
) -> Path:
    """Draw default and NEG per frame to an image file (PNG, SVG, PDF by suffix).

    The figure is :func:`figure_result`'s; the path is checked before any
    drawing. Returns the path written.
    """
    if not result.has_gap:
        raise ModelError("a plot needs a default and a NEG model in the result")
    out = check_plot_path(path)
    fig = figure_result(
        result,
        title=title,
        threshold=threshold,
        ceiling=ceiling,
        ceiling_margin=ceiling_margin,
        dpi=dpi,
    )
    save_figure(fig, out, "the plot")
    return out


def figure_result(
    result: Result,
    *,
    title: str | None = None,
    threshold: float | None = None,
    ceiling: np.ndarray | None = None,
    ceiling_margin: float = 0.0,
    dpi: int = 110,
) -> Any:
    """The per-frame figure of default and NEG, as a matplotlib ``Figure``.

    The area between the two curves (the gap) is shaded and a faint dashed
    line shows 100. ``ceiling`` (per-frame VMAF points, e.g.
    :attr:`pyvmafneg.verdict.CheckReport.ceiling`) draws each frame's own
    ceiling and marks the frames whose default score exceeds it by more than
    ``ceiling_margin`` points (:func:`ceiling_marks`). ``threshold``
    (points) adds the per-frame gap on a second axis with that level marked.

    The figure is drawn on matplotlib's Agg canvas (no pyplot state): show it
    in a notebook by leaving it as a cell's value, or save it with
    ``fig.savefig(path)``.
    """
    if not result.has_gap:
        raise ModelError("a plot needs a default and a NEG model in the result")
    marked = ceiling_marks(result, ceiling, ceiling_margin)
    Figure, Canvas = matplotlib_agg("plots")
    d_key, n_key = str(result.default_model), str(result.neg_model)
    x = result.frames
    d = result.scores[d_key]
    n = result.scores[n_key]
    rows = 2 if threshold is not None else 1
    fig = Figure(figsize=(9, 4.5 if rows == 1 else 6.5), dpi=dpi)
    Canvas(fig)
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    ax = axes[0]
    ax.plot(x, d, color="tab:blue", lw=1.4, label=f"{d_key} (default)")
    ax.plot(x, n, color="tab:green", lw=1.4, label=f"{n_key} (NEG)")
    ax.fill_between(x, n, d, where=d >= n, color="tab:orange", alpha=0.3, label="gap")
    ax.axhline(100.0, color="grey", ls="--", lw=0.6, alpha=0.4)
    if ceiling is not None:
        ceil = np.asarray(ceiling, dtype=np.float64).reshape(-1)
        ax.plot(x, ceil, color="tab:purple", ls=":", lw=1.2, label="own ceiling")
    if np.any(marked):
        ax.scatter(
            x[marked],
            d[marked],
            color="tab:red",
            marker="^",
            s=24,
            zorder=3,
            label=f"above own ceiling ({int(marked.sum())})",
        )
    ax.set_ylabel("VMAF")
    ax.legend(loc="best", fontsize=8, ncol=2, framealpha=0.8)
    gap = d - n
    ax.set_title(
        title
        or f"{d_key} - {n_key}: mean gap {float(gap.mean()):+.2f} points "
        f"({len(result)} frames{'' if result.clipped else ', unclipped'})",
        fontsize=10,
    )
    if threshold is not None:
        g = axes[1]
        g.plot(x, gap, color="tab:orange", lw=1.2)
        g.axhline(threshold, color="tab:red", ls=":", lw=1, label=f"threshold {threshold:g}")
        g.set_ylabel("gap (points)")
        g.set_ylim(bottom=min(0.0, float(gap.min())))
        g.legend(loc="best", fontsize=8)
    axes[-1].set_xlabel("frame")
    fig.tight_layout()
    return fig
