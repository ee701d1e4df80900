"""Score one segment (in whatever process runs it) and encode its row for the store.

A row holds the per-frame values of the frames the segment owns (the
borrowed frames on each side are dropped), in JSON-safe form, with timings
and the worker that scored it.
"""

from __future__ import annotations

import math
import os
import socket
import time
from typing import Any

import numpy as np

from ..errors import SegmentError
from ..io._conform import filtered_source
from ..io._ranges import open_range
from ._plan import SegmentTask

__all__ = ["INTERVAL_OUTPUTS", "score_segment", "scoring_threads", "stored_value"]

#: The per-frame outputs of a model's bootstrapped twin a row keeps.
INTERVAL_OUTPUTS = ("score", "bagging", "stddev", "low", "high")


def _finite(value: float) -> float | str | None:
    """A value as stored in a row (JSON): NaN as None, infinities as ``'inf'``/``'-inf'``.

    PSNR of two identical planes is infinite in libvmaf; the stitched result
    keeps it so.
    """
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def stored_value(value: float | str | None) -> float:
    """The double a stored value stands for (see :func:`_finite`)."""
    return math.nan if value is None else float(value)


def scoring_threads(threads: int) -> int:
    """Scoring threads a segment worker runs: ``threads``, and at least one.

    With none (``threads=0``) a worker would decode a frame pair, score it,
    then decode the next, one after the other. One scoring thread lets the
    worker's own thread decode (and scale) the next frames while the engine
    scores the last ones, as a plain run with threads does; one worker per
    core then keeps its core busy. The engines give the same doubles with or
    without threads, so the result does not change.
    """
    return max(1, threads)


def score_segment(task: SegmentTask) -> dict[str, Any]:
    """Score one segment; return its row (per-frame values of its own frames, timings).

    Errors of the inputs (damaged files, mismatched frames ...) are raised as
    they are; the caller decides what a failed segment means for the run.
    """
    from ..engines._registry import SHARED_BACKEND, get_backend, score

    started = time.perf_counter()
    ref = open_range(task.reference)
    dis = open_range(task.distorted)
    for role, graph, width, height in task.filters:
        # deinterlacing and cropping, the borrowed frames included (see score_segments)
        if role == "reference":
            ref = filtered_source(ref, graph, width, height)
        else:
            dis = filtered_source(dis, graph, width, height)
    opened = time.perf_counter()
    threaded = task.backend == SHARED_BACKEND or "threads" in get_backend(task.backend).options
    workers = {"threads": scoring_threads(task.threads)} if threaded else {}
    extra: dict[str, Any] = {"features": list(task.features)} if task.features else {}
    if task.model_intervals:
        extra["model_intervals"] = True
    result = score(
        ref,
        dis,
        task.models,
        backend=task.backend,
        clip=task.clip,
        transform=task.transform,
        subsample=task.subsample,
        scale=task.scale,
        size=task.size,
        convert_bitdepth=task.convert_bitdepth,
        **workers,
        **extra,
    )
    read = task.reference.frames
    planned = len(range(0, read, task.subsample))
    if len(result) != planned:
        raise SegmentError(
            f"segment {task.index} scored {len(result)} frame pairs where {planned} of frames "
            f"{task.reference.start}..{task.reference.stop - 1} were planned",
            frames=read,
        )
    title = np.asarray(result.frames) + task.read_from
    keep = (title >= task.start) & (title < task.stop)

    def cut(table: dict[str, np.ndarray]) -> dict[str, list[float | None]]:
        return {k: [_finite(float(v)) for v in arr[keep]] for k, arr in table.items()}

    return {
        "key": task.key,
        "kind": "segment",
        "segment": task.index,
        "start": task.start,
        "stop": task.stop,
        "read": [task.reference.start, task.reference.stop],
        "frames": [int(f) for f in title[keep]],
        "scores": cut(result.scores),
        "features": cut(result.features),
        "intervals": {
            model: {
                "collection": mi.collection,
                **cut({k: getattr(mi, k) for k in INTERVAL_OUTPUTS}),
            }
            for model, mi in result.model_intervals.items()
        },
        # The store writes keys sorted; keep libvmaf's order of series.
        "order": {"scores": list(result.scores), "features": list(result.features)},
        "version": result.version,
        "models": result.models,
        "backend": result.backend,
        "seconds": round(time.perf_counter() - started, 4),
        "open_seconds": round(opened - started, 4),
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
