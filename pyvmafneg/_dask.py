"""The one way the package reaches Dask: a scheduler by address, or a LocalCluster.

Segments (:mod:`pyvmafneg.segments`) and codec comparisons
(:mod:`pyvmafneg.comparison`) both score on Dask through :func:`connect_dask`,
so a missing ``dask.distributed`` raises the same
:class:`~pyvmafneg.errors.MissingDependencyError` and an unreachable scheduler
the same :class:`~pyvmafneg.errors.SchedulerError` after the same wait.
``distributed`` is imported here, on first use, never with ``import pyvmafneg``.
"""

from __future__ import annotations

import logging
from typing import Any

from .errors import MissingDependencyError, SchedulerError

__all__ = ["DASK_CONNECT_TIMEOUT", "connect_dask"]

#: Seconds to wait for a Dask scheduler to answer.
DASK_CONNECT_TIMEOUT = 20.0


def connect_dask(scheduler: str, workers: int) -> tuple[Any, Any]:
    """Connect to ``scheduler``; returns ``(cluster, client)``.

    Parameters
    ----------
    scheduler:
        ``'local'`` starts a ``LocalCluster`` of ``workers`` single-threaded
        worker processes on this machine (``cluster`` is then that cluster,
        to close after the client); any other value is a scheduler address
        such as ``'tcp://host:8786'`` (``cluster`` is None).
    workers:
        Size of the LocalCluster (at least 1); ignored for an address.

    Raises
    ------
    MissingDependencyError
        When ``dask.distributed`` is not installed.
    SchedulerError
        When no scheduler answers at the address within
        :data:`DASK_CONNECT_TIMEOUT` seconds (or the address is malformed).
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise MissingDependencyError(
            "scoring on Dask needs dask.distributed: python3 -m pip install 'pyvmafneg[dask]' "
            "(or pip install 'dask[distributed]')"
        ) from None
    if scheduler == "local":
        # silence_logs: its warnings while a stopped run shuts the cluster down (tasks
        # cancelled, workers killed) would bury the one line the command prints
        cluster = LocalCluster(
            n_workers=max(1, workers), threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR,
        )  # fmt: skip
        return cluster, Client(cluster)
    try:
        return None, Client(scheduler, timeout=f"{DASK_CONNECT_TIMEOUT:g}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerError(
            f"cannot reach the Dask scheduler at {scheduler!r} ({exc})",
            advice="start one with `dask scheduler` and workers with `dask worker ADDRESS`, "
            "or {scheduler} to score on this machine",
            options={"scheduler": None},
            address=scheduler,
        ) from None
