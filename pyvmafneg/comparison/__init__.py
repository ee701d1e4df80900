"""Codec comparisons: manifest, resumable result store, batch scoring, BD-rate, HTML report.

Example::

    from pyvmafneg.comparison import run_comparison

    comparison = run_comparison("comparison.toml")
    print(comparison.to_text())
"""

from ._analysis import Comparison, analyse
from ._batch import run_comparison
from ._bdrate import bd_quality, bd_rate
from ._frames import load
from ._manifest import Manifest, load_manifest
from ._report import rd_figure, write_report

__all__ = [
    "Comparison",
    "Manifest",
    "analyse",
    "bd_quality",
    "bd_rate",
    "load",
    "load_manifest",
    "rd_figure",
    "run_comparison",
    "write_report",
]
