"""Results: one :class:`Result` type whatever the engine, pooling, and VMAF logs.

:class:`Result` holds per-frame model scores and features under libvmaf's
names; :func:`read_log` and :func:`write_log` read and write the log formats
of libvmaf's ``vmaf`` tool, FFmpeg's ``libvmaf`` filter and this package.
:meth:`Result.to_pandas` gives the per-frame series as a data frame, and
:func:`figure_result` the per-frame plot as a matplotlib figure.
"""

from ._intervals import Interval, block_bootstrap, block_length
from ._logs import LOG_FORMATS, load_logs, read_log, write_log
from ._model_interval import ModelInterval
from ._plot import figure_result, plot_result
from ._result import Pooled, Result, pool

__all__ = [
    "LOG_FORMATS",
    "Interval",
    "ModelInterval",
    "Pooled",
    "Result",
    "block_bootstrap",
    "block_length",
    "figure_result",
    "load_logs",
    "plot_result",
    "pool",
    "read_log",
    "write_log",
]
