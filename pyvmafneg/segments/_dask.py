"""Run segments on Dask: connect, check every worker sees the files, collect rows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from .._dask import connect_dask as connect
from ..errors import WorkerFileError, WorkerLostError
from ._local import MAX_ATTEMPTS
from ._plan import SegmentTask
from ._segment import score_segment

__all__ = ["check_workers", "connect", "iter_dask"]


def _file_facts(paths: list[tuple[str, int]]) -> list[tuple[str, str]]:
    """Run on a worker: which of ``(path, size)`` it cannot read at that size."""
    problems = []
    for path, size in paths:
        try:
            seen = os.path.getsize(path)
        except OSError as exc:
            problems.append((path, exc.strerror or str(exc)))
            continue
        if seen != size:
            problems.append((path, f"{seen} bytes where this machine has {size}"))
        elif not os.access(path, os.R_OK):
            problems.append((path, "not readable"))
    return problems


def check_workers(client: Any, paths: list[str]) -> None:
    facts = [(p, os.path.getsize(p)) for p in paths]
    answers = client.run(_file_facts, facts)
    problems = [(w, p, what) for w, found in sorted(answers.items()) for p, what in found]
    if problems:
        worker, path, what = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise WorkerFileError(
            f"Dask worker {worker} does not see {path!r} as this machine does: {what}{more}; "
            "segments are read by path, so every worker needs the files at the same paths "
            "(a shared file system) before scoring can start",
            problems=problems,
        )


def _suspicious(dask_scheduler: Any, key: str) -> int:
    """Run on the scheduler: how many workers died while running task ``key``."""
    task = dask_scheduler.tasks.get(key)
    return 0 if task is None else int(task.suspicious)


def _lost_workers(client: Any, key: str) -> int:
    """Workers lost while a finished task ran (0 when the scheduler cannot say)."""
    try:
        return int(client.run_on_scheduler(_suspicious, key=key))
    except Exception:  # noqa: BLE001 - a report, not a result: never fail the run for it
        return 0


def iter_dask(
    tasks: list[SegmentTask], client: Any, retried: dict[int, str]
) -> Iterator[dict[str, Any]]:
    import uuid

    from distributed import as_completed

    run = uuid.uuid4().hex[:12]
    futures = {
        client.submit(score_segment, t, key=f"pyvmafneg-segment-{run}-{t.index}", pure=False): t
        for t in tasks
    }
    try:
        for fut in as_completed(list(futures)):
            task = futures[fut]
            try:
                row = fut.result()
                lost = _lost_workers(client, fut.key)
                if lost:
                    retried[task.index] = (
                        f"{lost} Dask worker{'s' if lost > 1 else ''} died while running frames "
                        f"{task.start}..{task.stop - 1}; the scheduler ran it again on another"
                    )
                yield row
            except Exception as exc:
                if type(exc).__name__ == "KilledWorker":
                    raise WorkerLostError(
                        f"segment {task.index} (frames {task.start}..{task.stop - 1}) lost its "
                        f"Dask worker on every attempt ({exc})",
                        segment=task.index,
                        start=task.start,
                        stop=task.stop,
                        attempts=MAX_ATTEMPTS,
                    ) from None
                raise
    finally:
        for fut in futures:
            fut.cancel()
