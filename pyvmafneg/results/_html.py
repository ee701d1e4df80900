"""Notebook display: compact HTML tables and, with matplotlib, an embedded figure.

Jupyter shows an object through its ``_repr_html_``; :class:`Result`,
:class:`~pyvmafneg.verdict.CheckReport` and
:class:`~pyvmafneg.comparison.Comparison` build theirs from these pieces. The
markup is plain (a ``<table>`` and an ``<img>`` with the PNG inline), so it
renders in any notebook front end and in exported HTML. Without matplotlib the
table is shown alone.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import MissingDependencyError
from ._result import Result, pool

__all__ = ["figure_html", "result_html", "table_html"]


def table_html(header: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "") -> str:
    """A plain HTML table; cells are escaped, floats shown with 4 decimals."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.4f}"
        return html.escape("" if value is None else str(value))

    parts = ["<table>"]
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>")
    parts.append("</table>")
    return "".join(parts)


def figure_html(draw: Callable[[], Any], dpi: int = 80) -> str:
    """``draw()``'s matplotlib figure as an inline PNG ``<img>``; ``''`` without matplotlib."""
    try:
        fig = draw()
    except MissingDependencyError:
        return ""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="per-frame plot" src="data:image/png;base64,{data}"/>'


def result_html(result: Result) -> str:
    """The notebook view of a result: pooled scores per model, the gap, the plot."""
    rows = []
    for key in [*result.scores, *result.extra_metrics()]:
        p = pool(result[key])
        rows.append([key, p.mean, p.harmonic_mean, p.min, p.p5, p.max])
    header = ["series", "mean", "harmonic mean", "min", "p5", "max"]
    lines = [
        f"<p><b>pyvmafneg Result</b>: {len(result)} frames, backend {html.escape(result.backend)}"
        f"{'' if result.clipped else ', unclipped'}</p>",
        table_html(header, rows),
    ]
    if result.model_intervals:
        twins = []
        for key, mi in result.model_intervals.items():
            mp = mi.pooled()
            twins.append([key, mi.collection, mp["bagging"], mp["low"], mp["high"], mp["stddev"]])
        lines.append(
            "<p>the models' own 95 % intervals (bootstrapped twins, mean over frames):</p>"
        )
        lines.append(table_html(["model", "twin", "bagging", "low", "high", "stddev"], twins))
    if result.has_gap and len(result):
        lines.append(
            f"<p>gap (default - NEG): {result.pooled_gap:+.4f} points pooled, "
            f"largest on a frame {float(result.gap.max()):+.4f}</p>"
        )
        from ._plot import figure_result

        lines.append(figure_html(lambda: figure_result(result)))
    return "\n".join(line for line in lines if line)
