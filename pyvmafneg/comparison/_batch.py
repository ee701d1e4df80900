"""Score every pair of a comparison manifest, in parallel, resumably.

One task per group of pairs of one reference (:func:`group_tasks`): the
reference is decoded once for the group and, on the native engine, its share
of the filtering computed once per frame (:func:`score_group`); the frames are
decoded and scored inside the task, one frame at a time, so memory does not
grow with clip length. Each pair is still stored, resumed and retried on its
own. Tasks run

- in this process when ``workers=1``,
- in a pool of worker processes on this machine (the default: one per CPU),
- on a Dask cluster when ``scheduler`` is given: a ``tcp://host:port``
  address of a running ``dask scheduler``, or ``'local'`` for a
  ``LocalCluster`` started for the run. Dask workers must see the files at
  the same paths (a shared file system) and have pyvmafneg installed.

Every finished pair, scored or failed, is appended to the
:class:`~pyvmafneg.results._store.ResultStore` at once; a rerun skips pairs already
scored (failed ones are tried again), so a killed run loses only the pairs
that were in flight.

Example
-------
>>> from pyvmafneg.comparison import run_comparison                         # doctest: +SKIP
>>> outcome = run_comparison("comparison.toml")                 # doctest: +SKIP
>>> outcome.comparison.flips()                                  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, TextIO

from .._defaults import DEFAULT_BD_REPLICATES, DEFAULT_SCALER
from .._outputs import finite_or_none
from .._workers import process_pool, stop_workers
from ..engines._models import ModelSpec, pick_pair
from ..errors import OptionError, VmafNegError, python_option
from ..results._intervals import check_bootstrap
from ..results._store import HashCache, ResultStore, pair_key, refuse_foreign_store
from ..verdict._check import check
from ..verdict._projection import (
    EvidenceTap,
    Projection,
    evidence_frames,
    evidence_tap,
    gathering,
    measure_projection,
)
from ._analysis import Comparison, EncodeRow, analyse
from ._manifest import Encode, Manifest, gap_pair, load_manifest, with_default_pair

__all__ = [
    "BatchProgress",
    "Outcome",
    "plan",
    "provenance",
    "run_comparison",
]


#: libvmaf metrics scored beside the VMAF models in every pair, and the series
#: of each that the comparison reports (with BD-rates): PSNR of the luma, SSIM.
CLASSIC_METRICS: dict[str, str] = {"psnr": "psnr_y", "ssim": "float_ssim"}


#: Said by the check of a pair stored before compare gathered the frame evidence.
OLD_ROW = (
    "frame evidence not gathered: this pair's check was stored without it (an older store); "
    "score the pair again (a new store) for the check with the frame evidence"
)


@dataclass(frozen=True)
class PairTask:
    """Everything a worker needs to score one pair (plain data, picklable).

    ``row`` holds the labels of the :class:`~pyvmafneg.comparison._analysis.EncodeRow`
    to fill in; ``reference``/``encode`` are ``(path, raw_geometry, fps)``.
    """

    key: str
    row: dict[str, Any]
    reference: tuple[str, dict[str, Any], float | None]
    encode: tuple[str, dict[str, Any], float | None]
    models: tuple[ModelSpec, ...]
    subsample: int
    threads: int
    bitrate_kbps: float | None
    frames: int | None = None
    scale: str | None = DEFAULT_SCALER
    size: tuple[int, int] | None = None
    resolution: tuple[int, int] | None = None
    broadcast: dict[str, str] = field(default_factory=dict)


def _manifest_option(name: str, value: Any) -> str:
    """How error advice names an option in a manifest (``frames = 8 in this [[encode]] entry``)."""
    if name == "frames":
        return f"frames = {value} in this [[encode]] entry"
    return python_option(name, value)


def score_pair(task: PairTask) -> dict[str, Any]:
    """Score one pair; return its row as a dict (never raises for a bad pair).

    A pair that cannot be scored (unreadable file, mismatched geometry,
    libvmaf error ...) comes back with ``status='error'`` and the message.
    """
    from ..engines._registry import score

    row = dict(task.row, key=task.key, status="ok", error=None)
    start = time.perf_counter()
    try:
        ref, enc, coded = _open_pair(task)
        fed = [0]
        tap = _evidence_tap(task, ref, enc)
        with gathering(tap):
            result = score(
                ref,
                enc,
                task.models,
                threads=task.threads,
                subsample=task.subsample,
                frames=task.frames,
                progress=lambda done: fed.__setitem__(0, done),
                scale=task.scale,
                size=task.size,
                features=list(CLASSIC_METRICS),
            )
        _fill_row(task, row, result, fed[0], ref, enc, coded, tap)
    except Exception as exc:  # noqa: BLE001 - one bad pair must not stop a comparison
        _fail_row(row, exc)
    row["seconds"] = round(time.perf_counter() - start, 3)
    return row


def group_key(task: PairTask) -> tuple[Any, ...]:
    """Pairs of equal keys are scored together (:func:`score_group`): the same reference file
    read the same way, the same models and options. A pair with broadcast steps (crop,
    deinterlacing, a frame-rate change) is prepared on its own and keys alone."""
    if task.broadcast:
        return ("alone", task.key)
    ref_path, ref_raw, _ = task.reference
    return (
        ref_path,
        tuple(sorted((k, repr(v)) for k, v in ref_raw.items())),
        tuple(spec.describe() for spec in task.models),
        task.subsample,
        task.threads,
        task.frames,
        task.scale,
        task.size,
    )


def group_tasks(tasks: Sequence[PairTask], workers: int = 1) -> list[list[PairTask]]:
    """The pairs in groups by :func:`group_key`, in their order; a group is split so that
    there are at least ``workers`` groups where the pairs allow (each group is one task)."""
    groups: dict[tuple[Any, ...], list[PairTask]] = {}
    for task in tasks:
        groups.setdefault(group_key(task), []).append(task)
    most = max(2, -(-len(tasks) // max(1, workers)))
    out = []
    for group in groups.values():
        parts = -(-len(group) // most)
        size = -(-len(group) // parts)
        out += [group[i : i + size] for i in range(0, len(group), size)]
    return out


def score_group(tasks: Sequence[PairTask]) -> list[dict[str, Any]]:
    """Score pairs of one reference (equal :func:`group_key`): the reference is decoded once
    and its frames go to every pair's run; on the native engine the runs share the
    reference's filtering frame by frame. Each row equals the row :func:`score_pair` gives
    the pair alone (never raises: a pair that fails gets its error row, the others go on).
    """
    if len(tasks) == 1:
        return [score_pair(tasks[0])]
    import threading

    from ..engines._registry import score
    from ..engines.native import ReferenceGroup, joining
    from ..io._broadcast import Broadcast

    start = time.perf_counter()
    rows = [dict(t.row, key=t.key, status="ok", error=None) for t in tasks]
    opened = []
    for i, task in enumerate(tasks):
        try:
            opened.append((i, *_open_pair(task)))
        except Exception as exc:  # noqa: BLE001 - one bad pair must not stop a comparison
            _fail_row(rows[i], exc)
    if opened:
        shared = Broadcast(opened[0][1], len(opened))  # one decoding of the reference
        group = ReferenceGroup()
        # runs start one at a time (first use imports modules): each lets the next start
        # when it has scored its first frame or is about to wait for a later run
        starting = threading.Lock()
        lock = threading.Lock()
        started = [False] * len(opened)

        def start_done(j: int) -> None:
            with lock:
                if started[j]:
                    return
                started[j] = True
            starting.release()

        def run(j: int) -> None:
            i, ref, enc, coded = opened[j]
            task = tasks[i]
            fed = [0]

            def progress(done: int) -> None:
                fed[0] = done
                start_done(j)

            tap = _evidence_tap(task, ref, enc)
            with joining(group, before_wait=lambda: start_done(j)), gathering(tap):
                starting.acquire()
                try:
                    result = score(
                        shared.view(j),
                        enc,
                        task.models,
                        threads=task.threads,
                        subsample=task.subsample,
                        frames=task.frames,
                        progress=progress,
                        scale=task.scale,
                        size=task.size,
                        features=list(CLASSIC_METRICS),
                    )
                    scored[j] = (result, fed[0], tap)
                except Exception as exc:  # noqa: BLE001 - one bad pair must not stop the others
                    _fail_row(rows[i], exc)
                finally:
                    shared.done(j)
                    start_done(j)

        scored: list[tuple[Any, int, EvidenceTap | None] | None] = [None] * len(opened)
        threads = [threading.Thread(target=run, args=(j,), daemon=True) for j in range(len(opened))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        # rows once all are scored, two pairs at a time (the checks' frame evidence was
        # gathered as the pairs were scored; where it could not be, it is measured here from
        # the videos, decoding and its arithmetic outside the interpreter lock)
        def fill(j: int) -> None:
            done = scored[j]
            if done is None:
                return
            i, ref, enc, coded = opened[j]
            try:
                _fill_row(tasks[i], rows[i], done[0], done[1], ref, enc, coded, done[2])
            except Exception as exc:  # noqa: BLE001 - one bad pair must not stop the others
                _fail_row(rows[i], exc)

        with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
            list(pool.map(fill, range(len(opened))))
    seconds = round((time.perf_counter() - start) / len(tasks), 3)
    for row in rows:
        row["seconds"] = seconds  # the group's time, shared out
    return rows


def _open_pair(task: PairTask) -> tuple[Any, Any, Any]:
    """The pair's reference and encode, opened and checked as :func:`score_pair` scores them:
    ``(reference, encode, encode as coded)``."""
    from ..io._sources import match_sources, open_video

    ref_path, ref_raw, _ = task.reference
    enc_path, enc_raw, _ = task.encode
    interlaced = task.broadcast.get("deinterlace", "off") != "off"
    ref = open_video(ref_path, **ref_raw, interlaced=interlaced)
    enc = coded = open_video(enc_path, **enc_raw, interlaced=interlaced)
    if task.broadcast:
        from ..engines._ffmpeg import find_ffmpeg
        from ..io._conform import conform_pair

        detect = task.broadcast.get("crop", "").lower() == "detect"
        steps: dict[str, Any] = dict(task.broadcast)  # deinterlace, fps, crop
        pair = conform_pair(ref, enc, **steps, ffmpeg=find_ffmpeg() if detect else None)
        ref, enc = pair.reference, pair.distorted
    _check_rung(task, ref, enc, coded)
    match_sources(ref, enc, frames=task.frames, scale=task.scale, size=task.size)
    return ref, enc, coded


def _fail_row(row: dict[str, Any], exc: BaseException) -> None:
    if isinstance(exc, VmafNegError):
        # Advice in the manifest's words: frames = N is set per [[encode]] entry.
        text = exc.describe(_manifest_option)
        row.update(status="error", error=f"{type(exc).__name__}: {text}")
    else:
        row.update(status="error", error=f"{type(exc).__name__}: {exc}")


def _fill_row(
    task: PairTask,
    row: dict[str, Any],
    result: Any,
    frames: int,
    ref: Any,
    enc: Any,
    coded: Any,
    tap: EvidenceTap | None = None,
) -> None:
    """A scored pair's row: its scores, pooled statistics, bitrate and check."""
    from ..io._sources import known_frame_count

    enc_path, _, enc_fps = task.encode
    fps = enc_fps or enc.fps or ref.fps
    shown = [*result.scores, *(k for k in CLASSIC_METRICS.values() if k in result.features)]
    row.update(
        frames=frames,
        width=task.size[0] if task.size else ref.width,
        height=task.size[1] if task.size else ref.height,
        fps=fps,
        resolution=f"{coded.width}x{coded.height}",
        scores={k: finite_or_none(result.pooled(k).mean) for k in shown},
        pooled={
            k: {s: finite_or_none(v) for s, v in result.pooled(k).as_dict().items() if s != "count"}
            for k in shown
        },
        frame_scores={
            k: [float(v) for v in result[k]]
            for k in shown
            if all(math.isfinite(v) for v in result[k])
        },
    )
    if result.has_gap:
        row["gap"] = finite_or_none(result.pooled_gap)
        row["max_frame_gap"] = finite_or_none(float(result.gap.max()))
        projection, skipped = _evidence(task, result, ref, enc, tap)
        report = check(result, sources=[enc_path], scale=task.scale, projection=projection)
        row["check"] = report.as_dict(per_frame=False)
        row["projection"] = None if projection is None else projection_dict(projection)
        if skipped:
            row["check"]["notes"] = _said_why(row["check"]["notes"], skipped)
    if task.bitrate_kbps is not None:
        row.update(bitrate_kbps=task.bitrate_kbps, bitrate_from="given")
    elif fps:
        # The file holds every frame of the encode; with no frames limit all were
        # scored, so only a limited run needs the count (a demux of the file).
        total = frames if task.frames is None else (known_frame_count(enc) or frames)
        seconds = total / fps
        row.update(
            bitrate_kbps=os.path.getsize(enc_path) * 8 / 1000 / seconds,
            bitrate_from="file size",
        )
    else:
        raise OptionError(
            f"{enc_path!r} does not state its frame rate; give bitrate_kbps or fps for it "
            "in the manifest"
        )


def _evidence_tap(task: PairTask, ref: Any, enc: Any) -> EvidenceTap | None:
    """What gathers a pair's frame evidence while it is scored, from the frames as scored
    (None where it is not gathered, see :func:`_evidence`, where the pair has no gap to
    check, or where the frame count is not known before the run: then it is measured from
    the videos after the run)."""
    if task.broadcast or None in pick_pair(task.models):
        return None
    return evidence_tap(ref, enc, frames=task.frames, subsample=task.subsample)


def _evidence(
    task: PairTask, result: Any, ref: Any, enc: Any, tap: EvidenceTap | None = None
) -> tuple[Projection | None, str | None]:
    """The check's frame evidence of a scored pair (the projection sums of the pair as scored:
    same scaler, size and frames), or None and why it was not gathered: gathered as the pair
    was scored where ``tap`` could, else measured from the videos again (the same numbers)."""
    from ..io._sources import open_video

    if task.broadcast:
        steps = ", ".join(f"{k} = {v!r}" for k, v in sorted(task.broadcast.items()))
        return None, (
            f"frame evidence not gathered: {steps} changes the frames scored; the check used "
            "the gap rule alone"
        )
    if {ref.field_order, enc.field_order} & {"tff", "bff"}:
        return None, (
            "frame evidence not gathered: an input is interlaced; the check used the gap rule alone"
        )
    gathered = None if tap is None else tap.projection(result.frames)
    if gathered is not None:
        return gathered, None
    ref_path, ref_raw, _ = task.reference
    enc_path, enc_raw, _ = task.encode
    try:
        found = measure_projection(
            open_video(ref_path, **ref_raw),
            open_video(enc_path, **enc_raw),
            scale=task.scale,
            size=task.size,
            only=evidence_frames(result.frames),  # frames scored, at most 48 spread evenly
        )
    except VmafNegError as exc:
        return None, f"frame evidence not gathered: {exc}; the check used the gap rule alone"
    return found, None


def _said_why(notes: Sequence[str], why: str) -> list[str]:
    """A check's notes with the generic "frame evidence not available" note (which speaks of
    scores alone) replaced by why a pair's frame evidence was not gathered."""
    return [n for n in notes if not n.startswith("frame evidence not available")] + [why]


def projection_dict(projection: Projection) -> dict[str, Any]:
    """A :class:`~pyvmafneg.verdict._projection.Projection` as stored with a pair's row
    (JSON-ready: the sums of a band the frames are too small for are None)."""
    return {
        "sums": [[finite_or_none(v) for v in row] for row in projection.sums.tolist()],
        "frames": int(projection.frames),
        "size": None if projection.size is None else list(projection.size),
        "pairs": None if projection.pairs is None else int(projection.pairs),
    }


def stored_projection(row: Mapping[str, Any]) -> Projection | None:
    """The frame evidence stored with a pair's row (:func:`projection_dict`), or None when the
    row holds none (not gathered, or a store written before compare measured it)."""
    import numpy as np

    data = row.get("projection")
    if not data:
        return None
    sums = np.array(
        [[math.nan if v is None else float(v) for v in r] for r in data["sums"]], dtype=np.float64
    )
    size = data.get("size")
    return Projection(
        sums,
        int(data["frames"]),
        None if size is None else (int(size[0]), int(size[1])),
        pairs=data.get("pairs"),
    )


def _check_rung(task: PairTask, ref: Any, enc: Any, coded: Any = None) -> None:
    """Refuse a rung larger than its reference, or of another size than the manifest says.

    ``coded`` is the encode's file as opened (``enc`` once cropped, when it is).
    """
    from ..errors import LadderError

    labels = task.row
    where = {"source": labels.get("source", ""), "series": _series(labels)}
    coded = enc if coded is None else coded
    if task.resolution is not None and tuple(task.resolution) != (coded.width, coded.height):
        w, h = task.resolution
        raise LadderError(
            f"the manifest gives resolution {w}x{h} but {coded.path!r} is "
            f"{coded.width}x{coded.height}",
            advice="correct the resolution of this [[encode]] entry, or leave it out to read "
            "it from the file",
            **where,
        )
    if task.size is None and (enc.width > ref.width or enc.height > ref.height):
        raise LadderError(
            f"{enc.path!r} is {enc.width}x{enc.height}, larger than its reference "
            f"{ref.width}x{ref.height}: a rung is never larger than its source, so it is "
            "refused rather than scaled down",
            advice="list the encode against a reference at least as large, or give a display "
            'size = "WxH" to score every pair at',
            **where,
        )


def _series(labels: Mapping[str, Any]) -> str:
    from ._analysis import series_name

    return series_name(str(labels.get("codec", "")), str(labels.get("setting", "")))


def _coded_size(path: str, raw: Mapping[str, Any]) -> str | None:
    """``'WxH'`` of a video file as coded, or None when it cannot be read."""
    from ..io._sources import open_video

    try:
        video = open_video(path, **raw)
    except Exception:  # noqa: BLE001 - an unreadable file is reported by its pair
        return None
    return f"{video.width}x{video.height}"


def default_store_path(manifest_path: str | os.PathLike[str]) -> str:
    """``<manifest folder>/<manifest stem>.results.jsonl``."""
    path = os.fspath(manifest_path)
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.join(os.path.dirname(os.path.abspath(path)), f"{stem}.results.jsonl")


def plan(
    manifest: Manifest, *, libvmaf_version: str, hasher: HashCache | None = None
) -> list[PairTask]:
    """One :class:`PairTask` per encode, keyed by content (each file is hashed once)."""
    digest = hasher if hasher is not None else HashCache()

    model_ids = [
        spec.describe() + (f" sha256={digest(spec.source)}" if spec.is_path else "")
        for spec in manifest.models
    ]
    tasks = []
    for enc in manifest.encodes:
        ref = manifest.references[enc.reference]
        options = {
            "libvmaf": libvmaf_version,
            "subsample": manifest.subsample,
            "reference_raw": ref.raw,
            "encode_raw": enc.clip.raw,
        }
        if enc.frames is not None:
            options["frames"] = enc.frames
        options["features"] = list(CLASSIC_METRICS)
        if enc.scale != DEFAULT_SCALER:
            options["scale"] = enc.scale
        if enc.size is not None:
            options["size"] = list(enc.size)
        if enc.broadcast:
            options["broadcast"] = dict(enc.broadcast)
        key = pair_key(digest(ref.file), digest(enc.clip.file), model_ids, options)
        tasks.append(
            PairTask(
                key=key,
                row=_labels(enc, ref.file),
                reference=(ref.file, dict(ref.raw), ref.fps),
                encode=(enc.clip.file, dict(enc.clip.raw), enc.clip.fps),
                models=manifest.models,
                subsample=manifest.subsample,
                threads=manifest.threads,
                bitrate_kbps=enc.bitrate_kbps,
                frames=enc.frames,
                scale=enc.scale,
                size=enc.size,
                resolution=enc.resolution,
                broadcast=dict(enc.broadcast),
            )
        )
    return tasks


def _labels(enc: Encode, reference_file: str) -> dict[str, Any]:
    return {
        "source": enc.reference,
        "codec": enc.codec,
        "setting": enc.setting,
        "point": enc.point,
        "file": enc.clip.file,
        "reference": reference_file,
    }


class BatchProgress:
    """Progress across a comparison: pairs done, frames/s, ETA.

    On a terminal it redraws one line; otherwise (logs, CI) it prints one
    line per finished pair. ``quiet`` silences it.
    """

    def __init__(self, total: int, *, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.start = time.perf_counter()
        self.done = 0
        self.frames = 0
        self.failed = 0

    def line(self, now: float | None = None) -> str:
        """E.g. ``pairs 6/24 (1 failed)  31.4 frames/s  ETA 0:12``."""
        now = time.perf_counter() if now is None else now
        elapsed = max(now - self.start, 1e-9)
        fps = self.frames / elapsed
        text = f"pairs {self.done}/{self.total}"
        if self.failed:
            text += f" ({self.failed} failed)"
        text += f"  {fps:.1f} frames/s"
        if self.done and self.done < self.total:
            left = elapsed / self.done * (self.total - self.done)
            text += f"  ETA {int(left // 60)}:{int(left % 60):02d}"
        return text

    def update(self, row: Mapping[str, Any]) -> None:
        """Count one finished pair."""
        self.done += 1
        self.frames += int(row.get("frames") or 0)
        self.failed += row.get("status") != "ok"
        if self.quiet:
            return
        if self.tty:
            self.stream.write("\r" + self.line() + "   ")
        else:
            what = " ".join(str(row.get(k)) for k in ("codec", "setting", "point"))
            what = f"{row.get('source')}: {what}"
            if row.get("status") == "ok":
                scores = ", ".join(
                    f"{k} {v:.2f}" for k, v in (row.get("scores") or {}).items() if v is not None
                )
                self.stream.write(f"[{self.line()}] {what}: {scores}\n")
            else:
                self.stream.write(f"[{self.line()}] {what}: FAILED {row.get('error')}\n")
        self.stream.flush()

    def close(self) -> None:
        """End the terminal line."""
        if self.tty and not self.quiet and self.done:
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class Outcome:
    """What :func:`run_comparison` did.

    ``comparison`` holds every pair of the manifest (reused and new);
    ``scored`` / ``reused`` / ``failed`` count this run's pairs.
    """

    comparison: Comparison
    scored: int
    reused: int
    failed: int
    store: str
    seconds: float


def _iter_local(groups: list[list[PairTask]], workers: int) -> Iterator[dict[str, Any]]:
    if workers <= 1:
        for group in groups:
            yield from score_group(group)
        return
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    # Workers end with this process, however it ends (pyvmafneg._workers).
    with process_pool(workers, ctx) as pool:
        pending: set[Future[list[dict[str, Any]]]] = set()
        queue = iter(groups)
        try:
            # Keep at most 2 groups per worker queued, so a kill loses few.
            for group in queue:
                pending.add(pool.submit(score_group, group))
                if len(pending) >= 2 * workers:
                    break
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield from fut.result()
                    nxt = next(queue, None)
                    if nxt is not None:
                        pending.add(pool.submit(score_group, nxt))
        except BaseException:
            stop_workers(pool)  # interrupted or failed: do not wait for the running pairs
            raise
        finally:
            for fut in pending:
                fut.cancel()


def _iter_dask(
    groups: list[list[PairTask]], scheduler: str, workers: int
) -> Iterator[dict[str, Any]]:
    from .._dask import connect_dask

    cluster, client = connect_dask(scheduler, workers)
    from distributed import as_completed

    try:
        with client:
            futures = [
                client.submit(score_group, group, key=f"pyvmafneg-pair-{group[0].key}", pure=False)
                for group in groups
            ]
            try:
                for fut in as_completed(futures):
                    try:
                        yield from fut.result()
                    except Exception as exc:  # noqa: BLE001 - a lost worker fails its pairs
                        for task in groups[futures.index(fut)]:
                            yield dict(
                                task.row,
                                key=task.key,
                                status="error",
                                error=f"{type(exc).__name__} on the Dask cluster: {exc}",
                            )
            finally:
                for fut in futures:
                    fut.cancel()
    finally:
        if cluster is not None:
            cluster.close()


def provenance(manifest: Manifest, *, scheduler: str | None, workers: int) -> dict[str, str]:
    """Versions, models and options behind a comparison's numbers."""
    import datetime
    import platform

    from .._version import package_version
    from ..engines.libvmaf._binding import library_info

    info = library_info()
    out = {
        "manifest": os.path.abspath(manifest.path),
        "models": "; ".join(spec.describe() for spec in manifest.models),
        "pooling": "arithmetic mean of per-frame scores (libvmaf clips each to [0, 100])",
        "subsample": str(manifest.subsample),
        "BD method": manifest.bd_method,
        "BD gap threshold": f"{manifest.bd_gap_threshold:g} percentage points",
        "encode gap threshold": f"{manifest.gap_threshold:g} VMAF points",
        "pyvmafneg": package_version(),
        "libvmaf": f"{info.version} ({info.source}: {info.path})",
        "python": platform.python_version(),
        "run on": "Dask " + scheduler if scheduler else f"this machine, {workers} worker(s)",
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    try:
        import av

        libav = getattr(av, "ffmpeg_version_info", "") or "?"
        out["decoder"] = f"PyAV {av.__version__}, FFmpeg {libav} libraries, in-process"
    except ImportError:  # pragma: no cover - PyAV is a dependency
        pass
    try:
        from ..engines._ffmpeg import ffmpeg_version

        out["FFmpeg executable"] = ffmpeg_version()
    except (ImportError, VmafNegError):
        pass
    if scheduler:
        try:
            import distributed

            out["dask.distributed"] = distributed.__version__
        except ImportError:
            pass
    return out


def run_comparison(
    manifest: Manifest | str | os.PathLike[str],
    *,
    store: str | os.PathLike[str] | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    anchor: str | None = None,
    method: str | None = None,
    models: Sequence[ModelSpec | str] | None = None,
    retry_failed: bool = True,
    progress: bool | BatchProgress = True,
    replicates: int = DEFAULT_BD_REPLICATES,
    level: float = 0.95,
) -> Outcome:
    """Score every pair of a manifest (skipping stored ones) and analyse the comparison.

    Parameters
    ----------
    manifest:
        A :class:`~pyvmafneg.comparison._manifest.Manifest` or the path of a TOML manifest.
    store:
        The JSON-lines result store; default :func:`default_store_path`.
    scheduler:
        None (this machine), ``'local'`` (a Dask ``LocalCluster``) or a Dask
        scheduler address such as ``'tcp://10.0.0.5:8786'``.
    workers:
        Parallel pairs on this machine (default: one per CPU; 1 = in this
        process); for ``scheduler='local'`` the number of Dask workers.
    anchor, method:
        Override the manifest's BD anchor series and interpolation.
    models:
        Models to score besides the manifest's (names, ``name:key=value``
        strings or :class:`~pyvmafneg.engines._models.ModelSpec`).
    retry_failed:
        Score pairs again whose stored row is a failure (default True).
    progress:
        Show progress on stderr (True), not at all (False), or a
        :class:`BatchProgress` to report to.
    replicates, level:
        Bootstrap replicates (>= 100) and coverage (in (0, 1)) of the BD-rate and
        BD-quality intervals; checked before anything is scored.
    """
    from ..engines._options import available_cpus
    from ..engines.libvmaf._binding import library_info

    check_bootstrap(level, replicates, default_replicates=DEFAULT_BD_REPLICATES)
    started = time.perf_counter()
    if not isinstance(manifest, Manifest):
        manifest = load_manifest(manifest)
    if models:
        from ..engines._models import resolve_models

        extra = with_default_pair(resolve_models([*manifest.models, *models]))
        manifest = dataclasses.replace(manifest, models=extra)
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise OptionError(f"workers must be at least 1; got {workers}")
    store_path = os.fspath(store) if store is not None else default_store_path(manifest.path)
    refuse_foreign_store(store_path)  # before its hash cache is written beside it
    hasher = HashCache(store_path + ".hashes.json")
    tasks = plan(manifest, libvmaf_version=library_info().version, hasher=hasher)
    hasher.save()
    result_store = ResultStore(store_path)
    new_keys: list[str] = []
    failed = 0
    with result_store:
        stored = result_store.latest()

        def done_already(task: PairTask) -> bool:
            row = stored.get(task.key)
            return row is not None and (row.get("status") == "ok" or not retry_failed)

        todo = [t for t in tasks if not done_already(t)]
        # Identical pairs listed twice are scored once.
        todo = list({t.key: t for t in todo}.values())
        n_workers = workers or min(available_cpus(), max(1, len(todo)))
        where = scheduler or f"{n_workers} local worker(s)"
        if isinstance(progress, BatchProgress):
            bar = progress
        else:
            bar = BatchProgress(len(todo), quiet=not progress)
            if progress and todo:
                unique = len({t.key for t in tasks})
                twice = f", {len(tasks) - unique} listed twice" if unique < len(tasks) else ""
                print(
                    f"scoring {len(todo)} of {unique} pairs on {where} "
                    f"({unique - len(todo)} already in {store_path}{twice})",
                    file=bar.stream,
                )
        # pairs of one reference are scored together (one decoding, its share computed once)
        groups = group_tasks(todo, n_workers)
        if not todo:
            rows: Iterator[dict[str, Any]] = iter(())
        elif scheduler:
            rows = _iter_dask(groups, scheduler, n_workers)
        else:
            rows = _iter_local(groups, n_workers)
        try:
            for row in rows:
                result_store.append(row)
                stored[row["key"]] = row
                new_keys.append(row["key"])
                failed += row.get("status") != "ok"
                bar.update(row)
        finally:
            bar.close()
    # Labels come from the manifest (a stored row may carry old names or paths).
    final = []
    for task in tasks:
        row = dict(stored[task.key], **task.row)
        if row.get("status") == "ok" and not row.get("resolution"):
            row["resolution"] = _coded_size(task.encode[0], task.encode[1])  # older stores
        if row.get("check") and "projection" not in row:  # stored before the frame evidence
            row["check"] = dict(
                row["check"], notes=_said_why(row["check"].get("notes", []), OLD_ROW)
            )
        final.append(EncodeRow.from_dict(row))
    comparison = analyse(
        final,
        anchor=anchor or manifest.anchor,
        method=method or manifest.bd_method,
        bd_gap_threshold=manifest.bd_gap_threshold,
        gap_threshold=manifest.gap_threshold,
        default_metric=gap_pair(manifest.models)[0],
        neg_metric=gap_pair(manifest.models)[1],
        provenance=provenance(manifest, scheduler=scheduler, workers=n_workers),
        replicates=replicates,
        level=level,
    )
    return Outcome(
        comparison=comparison,
        scored=len(new_keys),
        reused=len(tasks) - len(new_keys),
        failed=failed,
        store=store_path,
        seconds=time.perf_counter() - started,
    )
