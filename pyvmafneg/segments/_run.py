"""Score one long pair as contiguous segments in parallel and stitch one exact Result.

How a segment stays exact
-------------------------
Every feature but motion is computed from one frame pair alone. Motion
(libvmaf's ``integer_motion``, see :mod:`pyvmafneg.engines.reference._motion`)
uses the reference frames around a frame:

* ``sad_i`` compares frame ``i`` with frame ``i-1`` (``sad_0 = 0``);
* ``motion2_i = min(sad_i, sad_{i+1})``, except ``motion2_0 = 0`` and, at the
  last frame ``N-1`` of the title, ``motion2_{N-1} = sad_{N-1}``;
* ``motion3_i`` is the blended ``motion2_i``; frame 0 takes the blended
  ``sad_1``.

The model scores of frame ``i`` depend on ``motion2_i``. So a segment owning
frames ``a .. b-1`` is scored over ``a-1 .. b`` (clamped to the title): with
frame ``a-1`` in front, ``sad_a`` is the title's; with frame ``b`` behind,
``motion2_{b-1} = min(sad_{b-1}, sad_b)`` is the title's; and a segment
that starts at 0 or ends at ``N`` meets the title's own first/last-frame
rules. libvmaf then computes every feature and model score of frames
``a .. b-1`` exactly as one uninterrupted run does; the values of the two
borrowed frames are dropped. Pooled scores are computed over the stitched
title, so they are the same doubles too. The price is up to two extra
frames scored per segment (see ``docs/segments.md``).

What else a segment can do exactly
----------------------------------
* ``offset``: title frame ``i`` pairs reference frame ``i + max(-offset, 0)``
  with distorted frame ``i + max(offset, 0)``, so each side's ranges are
  shifted by its own count of dropped frames; motion sees the title's frames
  only, as in one pass.
* ``scale``, ``size``, ``convert_bitdepth``: libswscale works on one frame
  at a time, so each segment prepares its frames with the same io wrappers
  (:func:`pyvmafneg.io.prepare_pair`) as one pass does.
* ``features``: every extra extractor offered (``psnr``, ``ssim``,
  ``ms_ssim``, ``ciede``, ``psnr_hvs``, ``cambi``) computes a frame from that
  pair alone in libvmaf 3.2 (CAMBI included: scored on a cut of a clip it
  gives the uncut clip's values, see ``tests/test_segments_options.py``).
* ``subsample=N``: libvmaf scores the pictures whose index in its own run
  is a multiple of ``N`` and shows every picture to motion. A segment's
  read therefore starts on a multiple of ``N`` (up to ``N - 1`` frames
  earlier than its first frame, read for motion only), so its own indices
  and the title's agree on which frames are scored.

Where segments run
------------------
* this process (``workers=1``), local worker processes (the default), or
* Dask: ``scheduler='tcp://host:port'`` or ``'local'`` (a ``LocalCluster``),
  with the files at the same paths on every worker (checked before any
  scoring starts).

A local worker that dies has its segment retried in a fresh process
(:attr:`SegmentRun.retried` says which); on Dask the scheduler reschedules
the segments of a lost worker itself. Finished segments go to a
:class:`~pyvmafneg.results._store.ResultStore` keyed by content hashes,
models, options and the segment's range, so a killed run scores again only
the segments that had not finished.
"""

from __future__ import annotations

import math
import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._defaults import DEFAULT_SCALER
from ..engines._features import FeatureSpec, resolve_features
from ..engines._models import ModelSpec, pick_pair, resolve_models
from ..errors import (
    MissingDependencyError,
    OptionError,
    SchedulerError,
    SegmentError,
    WorkerFileError,
    WorkerLostError,
)
from ..io._prepare import check_offset, check_size, offset_counts, plan_scaling
from ..io._ranges import FrameRange, locate_ranges, open_range, split_evenly
from ..io._sources import VideoSource, known_frame_count, match_sources, open_video
from ..results._result import Result
from ..results._store import HashCache, ResultStore, pair_key

__all__ = [
    "DASK_CONNECT_TIMEOUT",
    "SegmentRun",
    "SegmentTask",
    "plan_segments",
    "score_segment",
    "score_segments",
]

#: Backends that can score a segment (they read frames, not whole files).
BACKENDS: tuple[str, ...] = ("libvmaf", "native", "reference")
#: Seconds to wait for a Dask scheduler to answer.
DASK_CONNECT_TIMEOUT = 20.0
#: Times a segment is started before a dying worker fails the run.
MAX_ATTEMPTS = 3
#: libvmaf extractors that compute a frame from that pair alone (checked by
#: scoring cuts of a clip against the whole clip), so segments take them.
FRAME_LOCAL_FEATURES: frozenset[str] = frozenset(
    {"psnr", "float_ssim", "float_ms_ssim", "ciede", "psnr_hvs", "cambi"}
)

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SegmentTask:
    """One segment: frames ``start .. stop-1`` of the title and how to score them.

    ``reference`` and ``distorted`` are the padded ranges actually read
    (one frame more on each side where the title has one; with
    ``subsample``, from the title frame ``read_from``, a multiple of it), in
    each file's own frame numbers (shifted by an offset); plain data,
    picklable, so the task can run in another process or on another machine.
    """

    index: int
    start: int
    stop: int
    reference: FrameRange
    distorted: FrameRange
    models: tuple[ModelSpec, ...]
    backend: str
    threads: int
    clip: bool
    transform: bool | None
    key: str = ""
    scale: str | None = DEFAULT_SCALER
    size: tuple[int, int] | None = None
    features: tuple[str, ...] = ()
    convert_bitdepth: int | None = None
    subsample: int = 1
    read_from: int = 0

    @property
    def frames(self) -> int:
        """Frames this segment contributes to the title."""
        return self.stop - self.start

    @property
    def scored(self) -> list[int]:
        """Title numbers of the frames of this segment that are scored (every ``subsample``-th)."""
        n = self.subsample
        return list(range(-(-self.start // n) * n, self.stop, n))


@dataclass
class SegmentRun:
    """What :func:`score_segments` did besides the stitched :class:`Result`.

    Attributes
    ----------
    result:
        The stitched result of the whole title.
    segments:
        ``(start, stop)`` frame ranges (``stop`` exclusive), in order.
    scored, reused:
        Segment numbers scored in this run and taken from the result store.
    retried:
        Segment number -> what happened to the worker that first ran it.
    seconds:
        Wall time of the run, including planning and stitching.
    where:
        Where the segments ran, e.g. ``'2 local worker processes'``.
    rows:
        The per-segment rows (timings, worker, scores), in order.
    """

    result: Result
    segments: list[tuple[int, int]]
    scored: list[int] = field(default_factory=list)
    reused: list[int] = field(default_factory=list)
    retried: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0
    where: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)


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


def _stored(value: float | str | None) -> float:
    """The double a stored value stands for (see :func:`_finite`)."""
    return math.nan if value is None else float(value)


def score_segment(task: SegmentTask) -> dict[str, Any]:
    """Score one segment; return its row (per-frame values of its own frames, timings).

    Errors of the inputs (damaged files, mismatched frames ...) are raised as
    they are; the caller decides what a failed segment means for the run.
    """
    from ..engines._registry import get_backend, score

    started = time.perf_counter()
    ref = open_range(task.reference)
    dis = open_range(task.distorted)
    opened = time.perf_counter()
    workers = {"threads": task.threads} if "threads" in get_backend(task.backend).options else {}
    extra = {"features": list(task.features)} if task.features else {}
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
        # The store writes keys sorted; keep libvmaf's order of series.
        "order": {"scores": list(result.scores), "features": list(result.features)},
        "version": result.version,
        "models": result.models,
        "backend": result.backend,
        "seconds": round(time.perf_counter() - started, 4),
        "open_seconds": round(opened - started, 4),
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }


def _as_source(clip: Any, raw: dict[str, Any], role: str) -> VideoSource:
    if isinstance(clip, VideoSource):
        return clip
    if isinstance(clip, (str, bytes, os.PathLike)):
        return open_video(os.fsdecode(clip), **raw)
    raise OptionError(
        f"scoring in segments reads the {role} video by frame ranges from its file; give a "
        f"path or an opened video (pyvmafneg.open_video), not {type(clip).__name__}"
    )


def plan_ranges(
    frames: int, *, segments: int | None = None, segment_frames: int | None = None
) -> list[tuple[int, int]]:
    """Split ``frames`` frames into contiguous ``(start, stop)`` ranges.

    Give exactly one of ``segments`` (that many ranges, lengths differing by
    at most one) or ``segment_frames`` (ranges of that many frames, the last
    one shorter). Raises :class:`~pyvmafneg.errors.SegmentError` when there
    are more segments than frames.
    """
    if (segments is None) == (segment_frames is None):
        raise SegmentError(
            "give either segments (how many) or segment_frames (how long), not both",
            segments=segments,
            segment_frames=segment_frames,
            frames=frames,
        )
    if segments is not None:
        if isinstance(segments, bool) or not isinstance(segments, int) or segments < 1:
            raise SegmentError(
                f"segments must be a whole number of at least 1; got {segments!r}",
                segments=segments,
                frames=frames,
            )
        if segments > frames:
            raise SegmentError(
                f"{segments} segments were asked for but the title has only {frames} frames; "
                f"use at most {frames} segments (one frame each)",
                segments=segments,
                frames=frames,
            )
        return split_evenly(frames, segments)
    assert segment_frames is not None
    length = segment_frames
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise SegmentError(
            f"segment_frames must be a whole number of at least 1; got {segment_frames!r}",
            segment_frames=segment_frames,
            frames=frames,
        )
    return [(a, min(a + segment_frames, frames)) for a in range(0, frames, segment_frames)]


def plan_segments(
    reference: VideoSource,
    distorted: VideoSource,
    ranges: Sequence[tuple[int, int]],
    *,
    frames: int,
    models: Sequence[ModelSpec],
    backend: str = "libvmaf",
    threads: int = 0,
    clip: bool = True,
    transform: bool | None = None,
    offset: int = 0,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | None = None,
    features: Sequence[FeatureSpec] = (),
    convert_bitdepth: int | None = None,
    subsample: int = 1,
) -> list[SegmentTask]:
    """One :class:`SegmentTask` per range, reading one frame more on each side the title has.

    ``ranges`` and ``frames`` count title frames (after ``offset``); each
    side's read is shifted by the frames the offset drops from it. With
    ``subsample=N`` a read starts on a multiple of ``N``.
    """
    padded = [(_read_from(a, subsample), min(frames, b + 1)) for a, b in ranges]
    ref_shift, dis_shift = max(-offset, 0), max(offset, 0)
    refs = locate_ranges(reference, [(a + ref_shift, b + ref_shift) for a, b in padded])
    diss = locate_ranges(distorted, [(a + dis_shift, b + dis_shift) for a, b in padded])
    extra = tuple(f.describe() for f in features)
    return [
        SegmentTask(
            i,
            a,
            b,
            r,
            d,
            tuple(models),
            backend,
            threads,
            clip,
            transform,
            scale=scale,
            size=size,
            features=extra,
            convert_bitdepth=convert_bitdepth,
            subsample=subsample,
            read_from=read[0],
        )  # fmt: skip
        for i, ((a, b), read, r, d) in enumerate(zip(ranges, padded, refs, diss, strict=True))
    ]


def _read_from(start: int, subsample: int) -> int:
    """Title frame a segment starting at ``start`` reads from.

    One frame before ``start`` (motion needs it), moved back to a multiple
    of ``subsample`` so the segment scores the title's frames.
    """
    if start == 0:
        return 0
    return (start - 1) // subsample * subsample


def _keyed(
    tasks: list[SegmentTask],
    reference: VideoSource,
    distorted: VideoSource,
    *,
    frames: int,
    version: str,
    hasher: HashCache,
    offset: int = 0,
    scaled: bool = False,
) -> list[SegmentTask]:
    from dataclasses import replace

    from ..io._ranges import raw_geometry

    model_ids = [
        spec.describe() + (f" sha256={hasher(spec.source)}" if spec.is_path else "")
        for spec in tasks[0].models
    ]
    ref_hash, dis_hash = hasher(reference.path), hasher(distorted.path)
    base = {
        "what": "segment",
        "libvmaf": version,
        "backend": tasks[0].backend,
        "clip": tasks[0].clip,
        "transform": tasks[0].transform,
        "reference_raw": raw_geometry(reference),
        "encode_raw": raw_geometry(distorted),
        "title_frames": frames,
    }
    task = tasks[0]
    chosen = {
        "offset": offset,
        "scale": task.scale if scaled else None,
        "size": list(task.size) if task.size else None,
        "features": list(task.features),
        "convert_bitdepth": task.convert_bitdepth,
        "subsample": task.subsample,
    }
    # Only options in use enter the key, so stores written before they existed still match.
    base |= {k: v for k, v in chosen.items() if v not in (None, 0, [], 1)}
    return [
        replace(
            t, key=pair_key(ref_hash, dis_hash, model_ids, {**base, "range": [t.start, t.stop]})
        )
        for t in tasks
    ]


# -- executors ---------------------------------------------------------------


def _ignore_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
    ctx.set_forkserver_preload([__name__])
    return ctx


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End a pool's worker processes at once (their segments are lost, not half-stored)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()


def _iter_local(
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
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_ignore_sigint)
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
                _stop_workers(pool)
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


def _connect(scheduler: str, workers: int) -> tuple[Any, Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise MissingDependencyError(
            "scoring on Dask needs dask.distributed: python3 -m pip install 'pyvmafneg[dask]' "
            "(or pip install 'dask[distributed]')"
        ) from None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=max(1, workers), threads_per_worker=1, processes=True,
            dashboard_address=None,
        )  # fmt: skip
        return cluster, Client(cluster)
    try:
        return None, Client(scheduler, timeout=f"{DASK_CONNECT_TIMEOUT:g}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerError(
            f"cannot reach the Dask scheduler at {scheduler!r} ({exc}); start one with "
            "`dask scheduler` and workers with `dask worker ADDRESS`, or leave out the "
            "scheduler to score on this machine",
            address=scheduler,
        ) from None


def _check_workers(client: Any, paths: list[str]) -> None:
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


def _iter_dask(
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


# -- the run -----------------------------------------------------------------


def _row_fits(row: dict[str, Any], task: SegmentTask) -> bool:
    """Is a stored row a complete result of this segment (else it is scored again)?"""
    n = len(task.scored)
    try:
        return (
            row.get("kind") == "segment"
            and (row["start"], row["stop"]) == (task.start, task.stop)
            and row.get("frames", task.scored) == task.scored
            and bool(row["scores"])
            and all(len(v) == n for part in ("scores", "features") for v in row[part].values())
        )
    except (KeyError, TypeError, AttributeError):
        return False


def _stitch(
    rows: list[dict[str, Any]],
    specs: Sequence[ModelSpec],
    *,
    clip: bool,
    seconds: float,
    frames: int,
) -> Result:
    def join(part: str) -> dict[str, np.ndarray]:
        names = rows[0].get("order", {}).get(part) or list(rows[0][part])
        return {
            n: np.array([_stored(v) for r in rows for v in r[part][n]], np.float64) for n in names
        }

    default, neg = pick_pair(list(specs))
    numbers = [f for r in rows for f in r.get("frames", range(r["start"], r["stop"]))]
    return Result(
        frames=np.asarray(numbers, dtype=np.int64),
        scores=join("scores"),
        features=join("features"),
        default_model=default,
        neg_model=neg,
        clipped=clip,
        backend=rows[0]["backend"],
        version=rows[0]["version"],
        models=dict(rows[0]["models"]),
        fps=frames / seconds if seconds > 0 else None,
    )


def score_segments(
    reference: VideoSource | str | os.PathLike[str],
    distorted: VideoSource | str | os.PathLike[str],
    models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
    *,
    segments: int | None = None,
    segment_frames: int | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    store: str | os.PathLike[str] | None = None,
    backend: str = "libvmaf",
    threads: int | None = 0,
    clip: bool = True,
    transform: bool | None = None,
    frames: int | None = None,
    raw: dict[str, Any] | None = None,
    progress: Progress | None = None,
    on_segment: Callable[[dict[str, Any]], None] | None = None,
    offset: int = 0,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | str | None = None,
    features: Iterable[str | FeatureSpec] | str | None = None,
    convert_bitdepth: int | None = None,
    subsample: int = 1,
) -> SegmentRun:
    """Score one pair as contiguous segments in parallel; stitch one exact :class:`Result`.

    The stitched result equals one uninterrupted run of the same backend,
    frame for frame and pooled, as doubles (see the module notes for why).

    Parameters
    ----------
    reference, distorted:
        File paths or videos opened with :func:`pyvmafneg.open_video`
        (segments read their frames from the files by range).
    models:
        As for :func:`pyvmafneg.score`; default ``vmaf`` and ``vmaf_neg``.
    segments, segment_frames:
        Exactly one: the number of segments (1 .. frames), or the frames per
        segment (>= 1; the last segment may be shorter).
    scheduler:
        None (this machine), ``'local'`` (a Dask ``LocalCluster`` of
        ``workers`` processes) or a Dask scheduler address
        ``'tcp://host:port'``; Dask workers must see the files at the same
        paths.
    workers:
        Parallel segments on this machine (default: one per CPU, at most one
        per segment; 1 scores in this process), or the ``LocalCluster`` size.
    store:
        A JSON-lines result store (the kind comparisons use). Finished
        segments are appended as they finish and reused by a later run of
        the same files, models and options, so a killed run resumes. None
        keeps nothing.
    backend:
        ``'libvmaf'`` (default), ``'native'`` or ``'reference'``.
    threads:
        libvmaf threads inside each worker (0 or None = on the worker's own
        thread: the parallelism comes from the segments).
    clip, transform:
        As for :func:`pyvmafneg.score`.
    frames:
        Score only the first N frames (the title is then N frames long).
    raw:
        ``width``, ``height``, ``pixel_format``, ``bitdepth`` for raw YUV paths.
    progress:
        Called with the number of the title's frames done, as segments finish.
    on_segment:
        Called with each segment's row as it finishes, or is taken from the
        store (those rows carry ``reused=True``).
    offset, scale, size, convert_bitdepth:
        As for :func:`pyvmafneg.score`: each segment reads its ranges shifted
        by the offset and prepares its frames as one pass does.
    features:
        Extra libvmaf extractors, as for :func:`pyvmafneg.score` (libvmaf
        backend); each computes a frame from that pair alone, so segments
        give one pass's values.
    subsample:
        Score every N-th frame of the title (N >= 1), as one pass does.

    Returns
    -------
    SegmentRun
        ``.result`` is the stitched :class:`Result`; the rest says what ran where.

    Raises
    ------
    SegmentError
        More segments than frames, or both/neither of segments and segment_frames.
    SchedulerError
        The Dask scheduler cannot be reached.
    WorkerFileError
        A Dask worker does not see an input at the same path and size.
    WorkerLostError
        A segment's worker died on every attempt.
    """
    from ..engines._options import available_cpus
    from ..engines.libvmaf._binding import library_info

    started = time.perf_counter()
    if backend not in BACKENDS:
        raise OptionError(
            f"backend {backend!r} cannot score segments; choose one of {', '.join(BACKENDS)} "
            "(they read frames, while FFmpeg reads whole files)"
        )
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise OptionError(f"workers must be at least 1; got {workers!r}")
    threads = threads or 0
    if isinstance(subsample, bool) or not isinstance(subsample, int) or subsample < 1:
        raise OptionError(
            f"subsample must be a whole number of at least 1; got {subsample!r}",
            option="subsample",
            value=subsample,
        )
    offset = check_offset(offset)
    extra = resolve_features(features)
    if extra and backend != "libvmaf":
        from ..engines._features import refuse_features

        refuse_features(features, backend)
    temporal = [f.describe() for f in extra if f.extractor not in FRAME_LOCAL_FEATURES]
    if temporal:
        raise OptionError(
            f"{', '.join(temporal)} carries state from frame to frame, so segments cannot "
            "give one pass's values for it",
            advice="score it in one pass",
            option="features",
            value=temporal,
        )
    raw = dict(raw or {})
    ref = _as_source(reference, raw, "reference")
    dis = _as_source(distorted, raw, "distorted")
    prepare = {"scale": scale, "size": size, "offset": offset}
    match_sources(ref, dis, frames=frames, convert_bitdepth=convert_bitdepth, **prepare)
    plan = plan_scaling((ref.width, ref.height), (dis.width, dis.height), scale=scale, size=size)
    n_ref, n_dis = offset_counts(offset, known_frame_count(ref), known_frame_count(dis))
    total = frames if frames is not None else n_ref
    if total is None:
        total = n_dis
    if total is None:
        raise SegmentError(
            f"the length of {ref.path!r} cannot be known without decoding it; pass frames=N",
            segments=segments,
            segment_frames=segment_frames,
        )
    if frames is None and n_dis is not None and n_dis != total:
        match_sources(ref, dis, frames=None, convert_bitdepth=convert_bitdepth, **prepare)
    ranges = plan_ranges(total, segments=segments, segment_frames=segment_frames)
    specs = resolve_models(models)
    tasks = plan_segments(
        ref,
        dis,
        ranges,
        frames=total,
        models=specs,
        backend=backend,
        threads=threads,
        clip=clip,
        transform=transform,
        offset=offset,
        scale=scale,
        size=check_size(size),
        features=extra,
        convert_bitdepth=convert_bitdepth,
        subsample=subsample,
    )
    run = SegmentRun(result=None, segments=ranges)  # type: ignore[arg-type]
    stored: dict[str, dict[str, Any]] = {}
    result_store = None
    if store is not None:
        store = os.fspath(store)
        hasher = HashCache(store + ".hashes.json")
        version = library_info().version if backend == "libvmaf" else backend
        tasks = _keyed(
            tasks,
            ref,
            dis,
            frames=total,
            version=version,
            hasher=hasher,
            offset=offset,
            scaled=plan is not None,
        )
        hasher.save()
        result_store = ResultStore(store)
    rows: dict[int, dict[str, Any]] = {}
    done_frames = 0

    def finished(row: dict[str, Any]) -> None:
        nonlocal done_frames
        rows[row["segment"]] = row
        done_frames += row["stop"] - row["start"]
        if on_segment is not None:
            on_segment(row)
        if progress is not None:
            progress(done_frames)

    if result_store is not None:
        stored = result_store.latest()  # reading needs no lock
    todo = []
    for task in tasks:
        row = stored.get(task.key) if task.key else None
        if row is not None and _row_fits(row, task):
            run.reused.append(task.index)
            finished(dict(row, segment=task.index, reused=True))
        else:
            todo.append(task)
    n_workers = workers or min(available_cpus(), max(1, len(todo)))
    cluster = client = None
    try:
        if scheduler and todo:
            # Reach the cluster and check it sees the files before anything is written.
            cluster, client = _connect(scheduler, n_workers)
            _check_workers(client, sorted({os.path.abspath(p) for p in (ref.path, dis.path)}))
            run.where = f"Dask {scheduler}"
            source = _iter_dask(todo, client, run.retried)
        else:
            run.where = "this process"
            if n_workers > 1:
                run.where = f"{n_workers} local worker processes"
            source = _iter_local(todo, n_workers, run.retried)
        if result_store is not None and todo:
            result_store.__enter__()
        for row in source:
            if result_store is not None:
                result_store.append(row)
            run.scored.append(row["segment"])
            finished(row)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        if result_store is not None:
            result_store.__exit__()
    ordered = [rows[i] for i in range(len(tasks))]
    run.rows = ordered
    run.scored.sort()
    run.seconds = time.perf_counter() - started
    run.result = _stitch(ordered, specs, clip=clip, seconds=run.seconds, frames=total)
    return run
