"""Run segments in local worker processes, starting again those whose worker died.

The workers end with the process that started them (:mod:`pyvmafneg._workers`).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .._workers import process_pool, stop_workers
from ..errors import WorkerLostError
from ._plan import SegmentTask
from ._segment import score_segment

__all__ = ["MAX_ATTEMPTS", "iter_local"]

#: Times a segment is started before a dying worker fails the run.
MAX_ATTEMPTS = 3


def _process_context() -> Any:
    """Worker processes forked from a server that has imported pyvmafneg once.

    A fresh interpreter per worker (``spawn``) spends about a second on
    imports (several seconds on a busy machine); forking from a preloaded
    server costs a fraction of that after the first pool, and unlike a plain
    ``fork`` never copies the caller's threads. Falls back to ``spawn``
    where there is no fork server.
    """
    import multiprocessing

    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:
        return multiprocessing.get_context("spawn")
    ctx.set_forkserver_preload(["pyvmafneg.segments._segment"])
    return ctx


def iter_local(
    tasks: list[SegmentTask], workers: int, retried: dict[int, str]
) -> Iterator[dict[str, Any]]:
    """Rows as segments finish; a dead worker's segments are started again in a fresh pool.

    At most ``workers`` segments are handed to the pool at once, so a worker
    that dies takes only running segments with it (a broken pool loses all
    of them); those are marked in ``retried`` and started again.
    """
    if workers <= 1:
        for task in tasks:
            yield score_segment(task)
        return
    ctx = _process_context()
    attempts = {t.index: 0 for t in tasks}
    todo = list(tasks)
    while todo:
        pool = process_pool(workers, ctx)
        pending: dict[Future[dict[str, Any]], SegmentTask] = {}
        waiting = list(todo)
        lost: list[SegmentTask] = []
        stopped = True
        try:
            while waiting or pending:
                while waiting and len(pending) < workers and not lost:
                    task = waiting[0]
                    try:
                        fut = pool.submit(score_segment, task)
                    except BrokenProcessPool:
                        break
                    waiting.pop(0)
                    attempts[task.index] += 1
                    pending[fut] = task
                if not pending:
                    break
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    task = pending.pop(fut)
                    try:
                        row = fut.result()
                    except BrokenProcessPool:
                        lost.append(task)
                        continue
                    yield row
            stopped = False
        finally:
            for fut in pending:
                fut.cancel()
            if stopped:
                # Interrupted or failed: finished segments are kept (in the store);
                # do not wait for the running ones.
                stop_workers(pool)
            pool.shutdown(wait=True, cancel_futures=True)
        for task in lost:
            retried.setdefault(
                task.index,
                f"its worker process died while it ran frames {task.start}..{task.stop - 1}; "
                "started again in a new process",
            )
            if attempts[task.index] >= MAX_ATTEMPTS:
                raise WorkerLostError(
                    f"segment {task.index} (frames {task.start}..{task.stop - 1}) lost its worker "
                    f"process {attempts[task.index]} times; the machine may be out of memory",
                    segment=task.index,
                    start=task.start,
                    stop=task.stop,
                    attempts=attempts[task.index],
                )
        todo = sorted([*lost, *pending.values(), *waiting], key=lambda t: t.index)
