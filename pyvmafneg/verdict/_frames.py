"""A check report as a data frame and in a notebook.

:func:`report_frame` is :meth:`CheckReport.to_pandas`, :func:`report_html`
its ``_repr_html_``: the verdict line, a compact table of the pooled scores and
the gap, every piece of evidence, and (with matplotlib) the per-frame plot with
each frame's own ceiling.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from .._optional import pandas_module
from ..results._html import figure_html, table_html
from ..results._plot import figure_result
from ..results._result import Result

if TYPE_CHECKING:
    from ._report import CheckReport

__all__ = ["report_frame", "report_html"]


def report_frame(report: CheckReport) -> Any:
    """One row per frame: both scores, the gap, the own ceiling and whether above it."""
    pd = pandas_module("CheckReport.to_pandas()")
    n = report.frames.size
    nan = np.full(n, np.nan)
    columns = {
        report.default_model: report.default_scores,
        report.neg_model: report.neg_scores,
        "gap": report.gap,
        "ceiling": nan if report.ceiling is None else report.ceiling,
        "ceiling_excess": nan if report.ceiling_excess is None else report.ceiling_excess,
        "above_ceiling": np.isin(report.frames, report.frames_above_ceiling),
    }
    frame = pd.DataFrame(columns, index=pd.Index(report.frames, name="frame"))
    frame.attrs.update(
        grade=report.grade,
        verdict=report.verdict,
        default_model=report.default_model,
        neg_model=report.neg_model,
        tested_gap=report.tested_gap,
        threshold=report.threshold,
    )
    return frame


def report_html(report: CheckReport) -> str:
    """The notebook view of a check report."""
    pooled = [
        [name, p.mean, p.harmonic_mean, p.min, p.p5]
        for name, p in ((report.default_model, report.default), (report.neg_model, report.neg))
    ]
    parts = [
        f"<p><b>{html.escape(report.verdict)}</b></p>",
        table_html(["model", "mean", "harmonic mean", "min", "p5"], pooled),
        f"<p>gap tested: {report.tested_gap:+.4f} points"
        f"{'' if report.threshold is None else f' (threshold {report.threshold:g})'}; "
        f"{report.frames_above_ceiling.size} of {report.frames.size} frames above their "
        "own ceiling</p>",
    ]
    if report.evidence:
        rows = [[e.code, e.level, e.message] for e in report.evidence]
        parts.append(table_html(["evidence", "level", "what fired"], rows))
    if report.frames.size:
        result = Result(
            report.frames,
            {report.default_model: report.default_scores, report.neg_model: report.neg_scores},
            default_model=report.default_model,
            neg_model=report.neg_model,
            clipped=bool(report.clipped),
        )
        parts.append(
            figure_html(
                lambda: figure_result(
                    result,
                    threshold=report.threshold,
                    ceiling=report.ceiling,
                    ceiling_margin=report.ceiling_margin,
                )
            )
        )
    return "\n".join(p for p in parts if p)
