"""Results: one :class:`Result` type whatever the engine, pooling, and VMAF logs.

:class:`Result` holds per-frame model scores and features under libvmaf's
names; :func:`read_log` and :func:`write_log` read and write the log formats
of libvmaf's ``vmaf`` tool, FFmpeg's ``libvmaf`` filter and this package.
"""

from ._logs import LOG_FORMATS, load_logs, read_log, write_log
from ._result import Pooled, Result, pool

__all__ = ["LOG_FORMATS", "Pooled", "Result", "load_logs", "pool", "read_log", "write_log"]
