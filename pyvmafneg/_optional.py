"""The one gateway to optional dependencies: matplotlib for figures, pandas for data frames.

Plots (:mod:`pyvmafneg.results`), cap maps (:mod:`pyvmafneg.verdict`), the
comparison report's rate-quality figures (:mod:`pyvmafneg.comparison`) and the
demo's figures all get matplotlib from :func:`matplotlib_agg`, which imports it
on first use (never with ``import pyvmafneg``) and, when it is missing, raises
:class:`~pyvmafneg.errors.MissingDependencyError` saying what needed it and how
to install it. Figures are drawn on matplotlib's Agg canvas, with no pyplot
state, so drawing is thread-safe and needs no display. The data frames of
results, check reports and comparisons (``to_pandas()``) get pandas from
:func:`pandas_module` the same way.
"""

from __future__ import annotations

from typing import Any

from .errors import MissingDependencyError

__all__ = ["matplotlib_agg", "pandas_module"]

#: The pyvmafneg extra that installs matplotlib.
PLOT_EXTRA = "plot"
#: The pyvmafneg extra that installs pandas.
PANDAS_EXTRA = "pandas"


def matplotlib_agg(purpose: str) -> tuple[Any, Any]:
    """matplotlib's ``Figure`` class and its Agg canvas class (``FigureCanvasAgg``).

    Parameters
    ----------
    purpose:
        What needs matplotlib, for the error message (e.g. ``'plots'``).

    Raises
    ------
    MissingDependencyError
        matplotlib is not installed (or cannot be imported).
    """
    try:
        import matplotlib  # noqa: F401  (the package first: a blocked install fails here)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependencyError(
            f"{purpose} need matplotlib, which is not installed",
            advice=f"pip install 'pyvmafneg[{PLOT_EXTRA}]' (or pip install matplotlib)",
            package="matplotlib",
            extra=PLOT_EXTRA,
        ) from None
    return Figure, FigureCanvasAgg


def pandas_module(purpose: str) -> Any:
    """The ``pandas`` module, imported on first use.

    Parameters
    ----------
    purpose:
        What needs pandas, for the error message (e.g. ``'Result.to_pandas()'``).

    Raises
    ------
    MissingDependencyError
        pandas is not installed (or cannot be imported).
    """
    try:
        import pandas
    except ImportError:
        raise MissingDependencyError(
            f"{purpose} needs pandas, which is not installed",
            advice=f"pip install 'pyvmafneg[{PANDAS_EXTRA}]' (or pip install pandas)",
            package="pandas",
            extra=PANDAS_EXTRA,
        ) from None
    return pandas
