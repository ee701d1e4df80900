"""Local worker processes that end with the process that started them.

Segments and comparisons score in pools of worker processes. If the
coordinating process dies (``SIGKILL``, a crash, an out-of-memory kill) its
workers would keep scoring for nobody, and the fork server and resource
tracker that ``multiprocessing`` starts beside them stay as long as a worker
holds their pipes. So every worker of a pool made by :func:`process_pool`

* asks the kernel for ``SIGKILL`` when its parent ends (Linux
  ``PR_SET_PDEATHSIG``; the parent is the coordinating process under
  ``spawn``, the fork server under ``forkserver``), and
* runs a watchdog thread that checks every :data:`WATCH_INTERVAL` seconds
  that the coordinating process still lives (same pid, same start time, not
  a zombie) and kills its own process otherwise.

Once the workers are gone the fork server and the resource tracker read the
end of their pipes and exit on their own. Workers ignore ``SIGINT`` (Ctrl-C
is the coordinating process's to handle; it stops them with
:func:`stop_workers`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

__all__ = ["WATCH_INTERVAL", "process_pool", "stop_workers"]

#: Seconds between a worker's checks that its coordinating process lives.
WATCH_INTERVAL = 0.25

_PR_SET_PDEATHSIG = 1


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), or None where unknown.

    Together with the pid it names one process: a pid reused later has
    another start time.
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def _alive(pid: int, started: str | None) -> bool:
    """Does process ``pid``, started at ``started``, still run (a zombie does not)?"""
    if started is not None:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            return False
        fields = stat[stat.rfind(")") + 2 :].split()
        return len(fields) > 19 and fields[0] not in ("Z", "X") and fields[19] == started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _die_with_parent() -> None:
    """Ask the kernel to send SIGKILL when this process's parent ends (Linux only)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _watch(pid: int, started: str | None) -> None:
    while _alive(pid, started):
        time.sleep(WATCH_INTERVAL)
    os.kill(os.getpid(), signal.SIGKILL)


def _worker_init(coordinator: int, started: str | None) -> None:
    """Pool initializer: ignore Ctrl-C, and end when the coordinating process ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if not _alive(coordinator, started):  # it died before the watch began
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(
        target=_watch, args=(coordinator, started), name="pyvmafneg-lifeline", daemon=True
    ).start()


def process_pool(workers: int, context: Any) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes from ``context`` that end with this process."""
    me = os.getpid()
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_worker_init,
        initargs=(me, _start_time(me)),
    )


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """End a pool's worker processes at once (their work is lost, not half-written)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()
