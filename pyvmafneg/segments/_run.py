"""Score one long pair as contiguous segments in parallel and stitch one exact Result.

The steps, each in its own module: plan the segments (:mod:`._plan`), key
them for the result store and reuse finished ones (:mod:`._resume`), score
the rest here, in local processes (:mod:`._local`) or on Dask
(:mod:`._dask`), each segment by :func:`._segment.score_segment`, and stitch
the rows (:mod:`._stitch`). Why the stitched result equals one uninterrupted
run is told in :mod:`._plan`.

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

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._defaults import DEFAULT_SCALER
from ..engines._features import FeatureSpec, resolve_features
from ..engines._models import ModelSpec, resolve_models
from ..errors import OptionError, SegmentError
from ..io._prepare import check_offset, check_size, offset_counts, plan_scaling
from ..io._sources import VideoSource, known_frame_count, match_sources
from ..results._result import Result
from ..results._store import HashCache, ResultStore, refuse_foreign_store
from ._plan import (
    BACKENDS,
    FRAME_LOCAL_FEATURES,
    SegmentTask,
    as_source,
    plan_ranges,
    plan_segments,
)
from ._resume import key_tasks, row_fits
from ._stitch import stitch

__all__ = ["SegmentRun", "score_segments"]

Progress = Callable[[int], None]


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
    rehash: bool = False,
    backend: str | None = None,
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
    filters: Mapping[str, str] | None = None,
    model_intervals: bool = False,
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
        keeps nothing; :func:`default_store` is where the command line keeps
        them.
    rehash:
        Hash the inputs' whole content again instead of trusting the store's
        hash cache (which checks path, size, inode, times and the first and
        last 64 KiB of each file).
    backend:
        ``'native'``, ``'native+libvmaf'``, ``'libvmaf'`` or ``'reference'``;
        None (default) picks as one pass does
        (:func:`~pyvmafneg.engines._registry.default_backend`): ``'native'``
        when it is built and computes the models and features,
        ``'native+libvmaf'`` when it computes some, else ``'libvmaf'``.
    threads:
        Scoring threads inside each worker (0 or None = one, beside the
        worker's own thread, which decodes the next frames meanwhile; the
        parallelism comes from the segments).
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
    filters:
        Role (``'reference'``, ``'distorted'``) -> an FFmpeg filter chain of
        deinterlacing (``bwdif``/``yadif`` in ``send_frame`` mode) and
        cropping, as :func:`pyvmafneg.io.conform_pair` makes it (``reference``
        and ``distorted`` are then the conformed videos, with the cropped
        size). Each segment runs its frames through the chain, the borrowed
        frame on each side included: a deinterlaced frame depends on its
        neighbours only, so the frames a segment keeps equal one pass's.
    model_intervals:
        Also each model's bootstrapped twin, as for :func:`pyvmafneg.score`
        (native and libvmaf backends): its outputs at a frame come from that
        frame's features alone, so the stitched ones equal one pass's.
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

    started = time.perf_counter()
    if backend is None:
        from ..engines._registry import default_backend

        backend = default_backend(models, features=features or None)
    extra = _check_options(backend, workers, subsample, features)
    if model_intervals:
        _check_model_intervals(backend, models)
    offset = check_offset(offset)
    title = _open_title(
        reference,
        distorted,
        dict(raw or {}),
        frames=frames,
        offset=offset,
        scale=scale,
        size=size,
        convert_bitdepth=convert_bitdepth,
        segments=segments,
        segment_frames=segment_frames,
    )
    ranges = plan_ranges(title.frames, segments=segments, segment_frames=segment_frames)
    specs = resolve_models(models)
    tasks = plan_segments(
        title.reference,
        title.distorted,
        ranges,
        frames=title.frames,
        models=specs,
        backend=backend,
        threads=threads or 0,
        clip=clip,
        transform=transform,
        offset=offset,
        scale=scale,
        size=check_size(size),
        features=extra,
        convert_bitdepth=convert_bitdepth,
        subsample=subsample,
        filters=tuple(
            (role, graph, src.width, src.height)
            for role, graph in sorted((filters or {}).items())
            for src in [title.reference if role == "reference" else title.distorted]
        ),
        model_intervals=bool(model_intervals),
    )
    run = SegmentRun(result=None, segments=ranges)  # type: ignore[arg-type]
    result_store = None
    if store is not None:
        refuse_foreign_store(store)  # before its hash cache is written beside it
        tasks = _key(tasks, title, os.fspath(store), offset=offset, rehash=rehash)
        result_store = ResultStore(store)
    rows = _Rows(progress, on_segment)
    todo = _reuse(tasks, result_store, run, rows)
    n_workers = workers or min(available_cpus(), max(1, len(todo)))
    _execute(todo, run, rows, result_store, scheduler=scheduler, workers=n_workers, title=title)
    ordered = [rows.by_segment[i] for i in range(len(tasks))]
    run.rows = ordered
    run.scored.sort()
    run.seconds = time.perf_counter() - started
    run.result = stitch(ordered, specs, clip=clip, seconds=run.seconds, frames=title.frames)
    return run


# -- the steps ---------------------------------------------------------------


def _check_options(
    backend: str,
    workers: int | None,
    subsample: int,
    features: Iterable[str | FeatureSpec] | str | None,
) -> list[FeatureSpec]:
    """Refuse what segments cannot do before anything is opened; the extra features."""
    if backend not in BACKENDS:
        raise OptionError(
            f"backend {backend!r} cannot score segments; choose one of {', '.join(BACKENDS)} "
            "(they read frames, while FFmpeg reads whole files)"
        )
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise OptionError(f"workers must be at least 1; got {workers!r}")
    if isinstance(subsample, bool) or not isinstance(subsample, int) or subsample < 1:
        raise OptionError(
            f"subsample must be a whole number of at least 1; got {subsample!r}",
            option="subsample",
            value=subsample,
        )
    extra = resolve_features(features)
    if extra and backend == "reference":
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
    return extra


def _check_model_intervals(
    backend: str, models: Iterable[ModelSpec | str] | ModelSpec | str | None
) -> None:
    """Refuse model intervals of a backend without them, or of models without a twin."""
    from ..engines._collection import collections_for
    from ..engines._registry import SHARED_BACKEND, get_backend

    if backend != SHARED_BACKEND and "model_intervals" not in get_backend(backend).options:
        raise OptionError(
            f"the {backend} backend gives no model intervals",
            advice="leave out {model_intervals} or use {backend}",
            options={"model_intervals": False, "backend": "native"},
        )
    collections_for(resolve_models(models))


@dataclass(frozen=True)
class _Title:
    """The opened pair and the title's length in frames (after the offset)."""

    reference: VideoSource
    distorted: VideoSource
    frames: int
    scaled: bool
    backend_version: str = ""


def _open_title(
    reference: VideoSource | str | os.PathLike[str],
    distorted: VideoSource | str | os.PathLike[str],
    raw: dict[str, Any],
    *,
    frames: int | None,
    offset: int,
    scale: str | None,
    size: tuple[int, int] | str | None,
    convert_bitdepth: int | None,
    segments: int | None,
    segment_frames: int | None,
) -> _Title:
    """Open both sides, check they match as one pass would, and count the title's frames."""
    ref = as_source(reference, raw, "reference")
    dis = as_source(distorted, raw, "distorted")
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
    return _Title(ref, dis, total, plan is not None)


def _key(
    tasks: list[SegmentTask], title: _Title, store: str, *, offset: int, rehash: bool = False
) -> list[SegmentTask]:
    """Key each task for the store (content hashes, cached beside it)."""
    from ..engines.libvmaf._binding import library_info

    backend = tasks[0].backend
    hasher = HashCache(store + ".hashes.json", rehash=rehash)
    version = library_info().version if backend == "libvmaf" else backend
    if backend not in ("libvmaf", "native", "reference"):  # shared: both engines' numbers
        version = f"{backend} {library_info().version}"
    keyed = key_tasks(
        tasks,
        title.reference,
        title.distorted,
        frames=title.frames,
        version=version,
        hasher=hasher,
        offset=offset,
        scaled=title.scaled,
    )
    hasher.save()
    return keyed


class _Rows:
    """Finished rows by segment number; tells ``progress`` and ``on_segment`` as they come."""

    def __init__(
        self, progress: Progress | None, on_segment: Callable[[dict[str, Any]], None] | None
    ) -> None:
        self.by_segment: dict[int, dict[str, Any]] = {}
        self.frames = 0
        self._progress = progress
        self._on_segment = on_segment

    def add(self, row: dict[str, Any]) -> None:
        self.by_segment[row["segment"]] = row
        self.frames += row["stop"] - row["start"]
        if self._on_segment is not None:
            self._on_segment(row)
        if self._progress is not None:
            self._progress(self.frames)


def _reuse(
    tasks: list[SegmentTask], store: ResultStore | None, run: SegmentRun, rows: _Rows
) -> list[SegmentTask]:
    """Take finished segments from the store; the tasks left to score."""
    stored = store.latest() if store is not None else {}  # reading needs no lock
    todo = []
    for task in tasks:
        row = stored.get(task.key) if task.key else None
        if row is not None and row_fits(row, task):
            run.reused.append(task.index)
            rows.add(dict(row, segment=task.index, reused=True))
        else:
            todo.append(task)
    return todo


def _execute(
    todo: list[SegmentTask],
    run: SegmentRun,
    rows: _Rows,
    store: ResultStore | None,
    *,
    scheduler: str | None,
    workers: int,
    title: _Title,
) -> None:
    """Score ``todo`` here, in local processes or on Dask; store each row as it finishes."""
    cluster = client = None
    try:
        source: Iterator[dict[str, Any]]
        if scheduler and todo:
            from ._dask import check_workers, connect, iter_dask

            # Reach the cluster and check it sees the files before anything is written.
            cluster, client = connect(scheduler, workers)
            paths = {os.path.abspath(p) for p in (title.reference.path, title.distorted.path)}
            check_workers(client, sorted(paths))
            run.where = f"Dask {scheduler}"
            source = iter_dask(todo, client, run.retried)
        else:
            from ._local import iter_local

            run.where = "this process"
            if workers > 1:
                run.where = f"{workers} local worker processes"
            source = iter_local(todo, workers, run.retried)
        if store is not None and todo:
            store.__enter__()
        for row in source:
            if store is not None:
                store.append(row)
            run.scored.append(row["segment"])
            rows.add(row)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        if store is not None:
            store.__exit__()
