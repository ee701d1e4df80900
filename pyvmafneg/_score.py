"""The documented :func:`pyvmafneg.score`: one pass, or one long pair in parallel segments.

One pass is :func:`pyvmafneg.engines.score` (any backend in the registry);
segments are :func:`pyvmafneg.segments.score_segments`, which sits above
the engines, so the choice between them is made here, at the top. The
command line's ``score`` calls this function and nothing below it: an option
refused here is refused there too.

Two opened videos are checked against each other here, before any engine
or segment runs (sizes, formats, frame counts after the offset), so a pair
that cannot be scored is refused in the same words and at the same moment
whichever way it is scored. What is done to the pair before scoring (the
offset found by ``sync``, scaling, bit-depth conversion, an offset) is said
once, here, on the ``pyvmafneg`` logger at level INFO, and what may spoil the
scores without stopping them (frame rates or colour ranges that differ) at
level WARNING. The package adds no handler of its own
(``logging.NullHandler``); the command line prints what it says.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engines._models import ModelSpec
    from .io._conform import ConformedPair
    from .results._result import Result
    from .segments._run import SegmentRun

__all__ = ["score", "score_many"]

#: The package's logger: what is done to a pair before it is scored (see the module notes).
log = logging.getLogger("pyvmafneg")
log.addHandler(logging.NullHandler())

#: Options of a one-pass run that segments do not take.
_ONE_PASS_ONLY = frozenset({"library", "bitdepth", "ffmpeg", "cpumask"})


def score(
    reference: Iterable[Any] | str | os.PathLike[str],
    distorted: Iterable[Any] | str | os.PathLike[str],
    models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
    *,
    backend: str | None = None,
    segments: int | None = None,
    segment_frames: int | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    store: str | os.PathLike[str] | None = None,
    on_segment: Callable[[dict[str, Any]], None] | None = None,
    on_run: Callable[[SegmentRun], None] | None = None,
    sync: bool = False,
    **options: Any,
) -> Result:
    """Score ``distorted`` against ``reference`` with default VMAF and VMAF-NEG (or ``models``).

    Without ``segments``/``segment_frames`` this is one pass of the chosen
    backend (:func:`pyvmafneg.engines.score`, whose keywords ``options``
    takes: ``threads``, ``subsample``, ``clip``, ``transform``, ``bitdepth``,
    ``frames``, ``progress``, ``scale``, ``size``, ``offset``,
    ``convert_bitdepth``, ``cpumask``, ``library``, ``ffmpeg``, ``features``,
    ``model_intervals``). ``backend`` is ``'libvmaf'``,
    ``'ffmpeg'``, ``'reference'`` or ``'native'``; None (default) is
    ``'native'`` when the compiled engine is built and computes the models
    and features (without ``library`` or ``cpumask``), ``'native+libvmaf'``
    when it computes some of them (libvmaf the rest, in the same pass), else
    ``'libvmaf'`` (in segments too); every backend
    takes the same inputs (paths, opened videos, frame iterables) and
    refuses an option it cannot honour with
    :class:`~pyvmafneg.errors.UnsupportedOptionError`.

    With ``segments=N`` (or ``segment_frames=K``) the pair, given as file
    paths or opened videos, is split into contiguous frame ranges scored in
    parallel (``workers`` local processes, or Dask when ``scheduler`` is
    ``'local'`` or ``'tcp://host:port'``) and stitched into one Result equal,
    as doubles, to one uninterrupted run; ``store`` names a result store
    that makes the run resumable; ``on_segment`` is called with each
    finished segment's row and ``on_run`` once with the
    :class:`~pyvmafneg.segments.SegmentRun` (what ran where, what was reused)
    before the result is returned. ``options`` then take ``threads``,
    ``clip``, ``transform``, ``frames``, ``progress``, ``raw``, ``offset``,
    ``scale``, ``size``, ``convert_bitdepth``, ``features``, ``subsample``
    and ``rehash`` (see :func:`pyvmafneg.segments.score_segments`).

    ``progress`` is a callable taking the number of frame pairs done, or
    None or False for no progress reports.

    With ``sync=True`` the offset is found first (:func:`pyvmafneg.find_offset`
    on the pair, given as paths or opened videos, with the same ``scale`` and
    ``size``), said on the ``pyvmafneg`` logger at level INFO (the record's
    ``sync`` attribute holds the :class:`~pyvmafneg.SyncResult`) and scored
    from; ``offset`` cannot be given with it.

    Broadcast inputs (videos given as paths or opened videos; see
    :func:`pyvmafneg.io._conform.conform_pair`; segments take ``deinterlace``
    and ``crop``, not ``fps``): ``deinterlace`` is
    ``'auto'`` (default: ``bwdif`` on each clip whose stream is interlaced, in
    its field order), ``'off'``, ``'bwdif'`` or ``'yadif'`` (that filter on
    both clips); ``fps`` is ``'off'`` (default), ``'auto'`` (the reference
    converted to the distorted clip's rate when the two differ by a simple
    ratio) or a rate ``'N/D'`` both clips are converted to, dropping or
    repeating frames as FFmpeg's ``fps`` filter does; ``crop='W:H:X:Y'`` crops
    the distorted clip before any scaling. Each step is said on the logger.

    Two opened videos (:func:`pyvmafneg.open_video`) are checked against each
    other before anything is scored: sizes (unless scaled), pixel formats, bit
    depths (unless converted) and frame counts after the offset; a pair that
    does not fit raises a :class:`~pyvmafneg.FrameMismatchError` naming both.

    The search's answer is used only when its confidence reaches
    :data:`pyvmafneg.io._sync.MIN_SYNC_CONFIDENCE`; below it
    :class:`~pyvmafneg.errors.SyncUncertainError` is raised (then give
    ``offset`` yourself). ``convert_bitdepth`` is applied before comparing.
    When the clips' frame counts differ and a quick search finds a clearly
    better alignment, the :class:`~pyvmafneg.errors.FrameCountMismatchError`
    says so (``suggested_offset``) instead of advising a common prefix.
    """
    from .errors import OptionError

    if "progress" in options:
        options["progress"] = _check_progress(options["progress"])
    if sync:
        options["offset"] = _find_offset(reference, distorted, options)
    reference, distorted, conformed = _conform(
        reference,
        distorted,
        {
            **{k: options.pop(k) for k in ("deinterlace", "fps", "crop") if k in options},
            "ffmpeg": options.get("ffmpeg"),
        },
        segmented=segments is not None or segment_frames is not None,
        sync=bool(sync),
    )
    _check_pair(reference, distorted, options)
    _say_what_is_done(reference, distorted, options)
    if conformed is not None:
        reference, distorted = conformed.for_backend(backend)
    if segments is None and segment_frames is None:
        given = {
            "scheduler": scheduler,
            "workers": workers,
            "store": store,
            "on_segment": on_segment,
            "on_run": on_run,
            "rehash": options.pop("rehash", None) or None,
        }
        extra = sorted(k for k, v in given.items() if v is not None)
        if extra:
            named = " and ".join(f"{{{k}}}" for k in extra)
            raise OptionError(
                "options of scoring in segments were given without segments",
                advice=f"{named} appl{'ies' if len(extra) == 1 else 'y'} to scoring in "
                "segments: give {segments} or {segment_frames} as well, or leave "
                f"{'it' if len(extra) == 1 else 'them'} out",
                options={**dict.fromkeys(extra, ...), "segments": ..., "segment_frames": ...},
            )
        from .engines._registry import score as score_one_pass
        from .errors import FrameCountMismatchError

        try:
            return score_one_pass(reference, distorted, models, backend=backend, **options)
        except FrameCountMismatchError as exc:
            better = _suggest_sync(exc, reference, distorted, options)
            if better is exc:
                raise
            raise better from None
    refused = sorted(k for k in _ONE_PASS_ONLY if options.get(k) is not None)
    if refused:
        raise OptionError(
            f"{', '.join(refused)} cannot be combined with scoring in segments",
            advice="leave out "
            + " and ".join("{" + k + "}" for k in refused)
            + ", or score the pair in one pass",
            options=dict.fromkeys(refused),
        )
    from .segments import score_segments

    run = score_segments(
        reference,  # type: ignore[arg-type]
        distorted,  # type: ignore[arg-type]
        models,
        segments=segments,
        segment_frames=segment_frames,
        scheduler=scheduler,
        workers=workers,
        store=store,
        backend=backend,
        on_segment=on_segment,
        filters=conformed.filters if conformed is not None else None,
        **{k: v for k, v in options.items() if k not in _ONE_PASS_ONLY},
    )
    if on_run is not None:
        on_run(run)
    return run.result


def _openable(clip: Any) -> bool:
    """True for an opened video or the path of a file that records its own geometry."""
    from .io._sources import VideoSource, detect_kind

    if isinstance(clip, VideoSource):
        return True
    if isinstance(clip, (str, bytes, os.PathLike)):
        path = os.fsdecode(clip)
        return os.path.isfile(path) and detect_kind(path) != "raw"
    return False


def _conform(
    reference: Any,
    distorted: Any,
    given: dict[str, Any],
    *,
    segmented: bool,
    sync: bool,
    reference_frames: Any = None,
) -> tuple[Any, Any, ConformedPair | None]:
    """Deinterlace, convert the frame rate of and crop a pair of videos (``deinterlace``,
    ``fps``, ``crop``; see :func:`pyvmafneg.io.conform_pair`), logging each step.

    Returns the pair (opened, when a step applies) and the
    :class:`~pyvmafneg.io._conform.ConformedPair` (None when no step
    applies); frames (not videos) take no explicit step, and segments no
    frame-rate conversion (deinterlacing and cropping, which make one frame
    of each and look at most one frame either side, they take: each segment
    reads a frame beyond its range on both sides). ``reference_frames``: see
    :func:`~pyvmafneg.io._conform.conform_pair`.
    """
    from .errors import OptionError
    from .io._conform import (
        DEINTERLACERS,
        DETECT,
        check_crop,
        check_deinterlace,
        check_fps,
        conform_pair,
    )
    from .io._sources import open_video

    mode = check_deinterlace(given.get("deinterlace", "auto"))
    rate = check_fps(given.get("fps", "off"))
    box = check_crop(given.get("crop"))
    explicit = sorted(
        k
        for k, on in (
            ("deinterlace", mode in DEINTERLACERS),
            ("fps", rate != "off"),
            ("crop", box is not None),
        )
        if on
    )
    if segmented and rate != "off":
        raise OptionError(
            "fps cannot be combined with scoring in segments: a converted clip's frame n comes "
            "from the input frame nearest its timestamp, so segments cut at frame numbers would "
            "not hold the frames one pass pairs",
            advice="score the pair in one pass, or convert the frame rate first",
            options={"fps": "off"},
            option="fps",
            value=given.get("fps"),
        )
    if sync and rate != "off":
        raise OptionError(
            "fps and sync cannot be combined: the offset is searched at the files' own rates",
            advice="give {offset} (in frames at the converted rate) instead of {sync}",
            options={"offset": ..., "sync": None},
            option="fps",
            value=given.get("fps"),
        )
    if not (_openable(reference) and _openable(distorted)):
        if explicit:
            raise OptionError(
                f"{', '.join(explicit)} apply to videos (paths or opened videos), whose streams "
                "record their frame rate and field order; these are frames",
                advice="give the videos, or filter the frames first",
                options=dict.fromkeys(explicit),
            )
        return reference, distorted, None
    if mode == "off" and not explicit:
        return reference, distorted, None
    # Interlaced Y4M headers are read only when they will be deinterlaced.
    ref, dis = (
        open_video(os.fsdecode(c), interlaced=mode != "off")
        if isinstance(c, (str, bytes, os.PathLike))
        else c
        for c in (reference, distorted)
    )
    ffmpeg = None
    if box is DETECT:
        from .engines._ffmpeg import find_ffmpeg

        ffmpeg = find_ffmpeg(given.get("ffmpeg"))
    pair = conform_pair(
        ref,
        dis,
        deinterlace=mode,
        fps=rate,
        crop=box,
        ffmpeg=ffmpeg,
        reference_frames=reference_frames,
    )
    if not pair.filters:
        # Nothing to do: paths stay paths (each engine opens them its own way).
        return (
            ref if not isinstance(reference, (str, bytes, os.PathLike)) else reference,
            dis if not isinstance(distorted, (str, bytes, os.PathLike)) else distorted,
            None,
        )
    return pair.reference, pair.distorted, pair


def _find_offset(reference: Any, distorted: Any, options: dict[str, Any]) -> int:
    """The offset :func:`pyvmafneg.find_offset` finds for the pair, said on the logger."""
    from ._defaults import DEFAULT_SCALER
    from .errors import OptionError
    from .io._sources import VideoSource
    from .io._sync import check_sync, find_offset

    if options.get("offset"):
        raise OptionError(
            f"offset={options['offset']!r} and sync=True both set the offset",
            advice="give {offset} or {sync}, not both",
            options={"offset": options["offset"], "sync": True},
            option="offset",
            value=options["offset"],
        )
    for role, clip in (("reference", reference), ("distorted", distorted)):
        if not isinstance(clip, (str, os.PathLike, VideoSource)):
            raise OptionError(
                f"sync=True needs the {role} clip as a path or an opened video, not "
                f"{type(clip).__name__} (the search would use up its frames)",
                option="sync",
                value=True,
            )
    found = find_offset(
        reference,
        distorted,
        scale=options.get("scale", DEFAULT_SCALER),
        size=options.get("size"),
        convert_bitdepth=options.get("convert_bitdepth"),
    )
    check_sync(found)  # an answer it cannot vouch for is refused, not said
    log.info("sync: %s", found.describe(), extra={"sync": found})
    return found.offset


def _check_pair(reference: Any, distorted: Any, options: dict[str, Any]) -> None:
    """Refuse two opened videos that cannot be scored together; log what may spoil the scores.

    Options of the wrong type are left to the scoring itself to refuse, in its own words.
    """
    from ._defaults import DEFAULT_SCALER
    from .io._sources import VideoSource, match_sources

    if not (isinstance(reference, VideoSource) and isinstance(distorted, VideoSource)):
        return
    frames, offset = options.get("frames"), options.get("offset") or 0
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (frames or 1, offset)):
        return
    warnings = match_sources(
        reference,
        distorted,
        frames=frames,
        scale=options.get("scale", DEFAULT_SCALER),
        size=options.get("size"),
        offset=offset,
        convert_bitdepth=options.get("convert_bitdepth"),
    )
    for text in warnings:
        log.warning(text)


def _say_what_is_done(reference: Any, distorted: Any, options: dict[str, Any]) -> None:
    """Log what scoring will do to two opened videos (nothing for frames or paths).

    The words are those of :meth:`pyvmafneg.io.PreparedPair.describe`; a pair
    that does not fit is left to the scoring itself to refuse.
    """
    from .io._sources import VideoSource

    if not (isinstance(reference, VideoSource) and isinstance(distorted, VideoSource)):
        return
    if not log.isEnabledFor(logging.INFO):
        return
    from ._defaults import DEFAULT_SCALER
    from .errors import VmafNegError
    from .io._prepare import PreparedPair, check_bitdepth, plan_scaling

    offset = options.get("offset") or 0
    try:
        plan = plan_scaling(
            (reference.width, reference.height),
            (distorted.width, distorted.height),
            scale=options.get("scale", DEFAULT_SCALER),
            size=options.get("size"),
        )
        depth = check_bitdepth(options.get("convert_bitdepth"))
    except VmafNegError:
        return  # scoring refuses the options, in its own words
    converted = {
        role: (src.bitdepth, depth)
        for role, src in (("reference", reference), ("distorted", distorted))
        if depth is not None and src.bitdepth != depth
    }
    for line in PreparedPair((), (), plan, offset, converted).describe():
        log.info(line)


def default_segment_store() -> str:
    """Where the command line keeps finished segments: the user's cache directory.

    See :func:`pyvmafneg.segments.default_store`.
    """
    from .segments import default_store

    return default_store()


def _check_progress(progress: Any) -> Any:
    """None for no progress (None or False); a callable as given; else OptionError."""
    from .errors import OptionError

    if progress is None or progress is False:
        return None
    if not callable(progress):
        raise OptionError(
            f"progress must be a callable taking the number of frame pairs done, or None or "
            f"False for no progress; got {progress!r}",
            option="progress",
            value=progress,
        )
    return progress


def _prepare_options(options: dict[str, Any]) -> dict[str, Any]:
    from ._defaults import DEFAULT_SCALER

    return {
        "scale": options.get("scale", DEFAULT_SCALER),
        "size": options.get("size"),
        "convert_bitdepth": options.get("convert_bitdepth"),
    }


def _suggest_sync(exc: Any, reference: Any, distorted: Any, options: dict[str, Any]) -> Any:
    from .io._sync import suggest_sync

    return suggest_sync(
        exc, reference, distorted, offset=options.get("offset", 0), **_prepare_options(options)
    )


def _open_reference(reference: Any, steps: dict[str, Any]) -> Any:
    """The reference of :func:`score_many`, opened (an interlaced Y4M so, to be deinterlaced)."""
    from .engines._scaffold import open_if_path
    from .io._conform import check_deinterlace
    from .io._sources import open_video

    if isinstance(reference, (str, bytes, os.PathLike)) and _openable(reference):
        mode = check_deinterlace(steps.get("deinterlace", "auto"))
        return open_video(os.fsdecode(reference), interlaced=mode != "off")
    return open_if_path(reference)


def _many_pair(
    source: Any, encode: Any, view: Any, steps: dict[str, Any], ffmpeg: Any, backend: str | None
) -> tuple[Any, Any]:
    """One encode's (reference, distorted) for :func:`score_many`, after the broadcast steps.

    The reference's frames are ``view`` (its share of the one decoding), run
    through the reference's chain when one applies; ``source`` describes them.
    """
    _, dis, pair = _conform(
        source,
        encode,
        {**steps, "ffmpeg": ffmpeg},
        segmented=False,
        sync=False,
        reference_frames=view,
    )
    if pair is None:
        return view, dis
    ref, dis = pair.for_backend(backend)
    return (ref if "reference" in pair.filters else view), dis


def score_many(
    reference: Iterable[Any] | str | os.PathLike[str],
    encodes: Iterable[Iterable[Any] | str | os.PathLike[str]],
    models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
    *,
    backend: str | None = None,
    progress: Callable[[int], None] | None = None,
    **options: Any,
) -> list[Result]:
    """Score several encodes against one reference, reading the reference once.

    Each encode is scored as :func:`score` would score it alone (one pass of
    the chosen backend, with the same ``models``, ``backend`` and keywords:
    ``threads``, ``subsample``, ``clip``, ``transform``, ``bitdepth``,
    ``frames``, ``scale``, ``size``, ``offset``, ``convert_bitdepth``,
    ``cpumask``, ``library``, ``ffmpeg``, ``features``, ``model_intervals``
    and the broadcast steps ``deinterlace``, ``fps``, ``crop``), so each
    result equals that single run as doubles (the reference is decoded once;
    its deinterlacing or frame-rate conversion, when one applies, is run for
    each encode on its share of the frames, an ``fps='auto'`` conversion to
    that encode's rate); encodes at another resolution are
    scaled to the reference's as :func:`score` scales them. The reference
    (a path, an opened video or an iterable of frames) is decoded once and
    its frames handed to every encode's run; the runs go on side by side, one
    thread each (the engines release the interpreter lock while they score).

    Parameters
    ----------
    reference:
        The reference clip.
    encodes:
        The encodes (paths, opened videos or iterables of frames), at least one.
    progress:
        Called with the number of reference frames every encode has scored.

    Returns
    -------
    list[Result]
        One result per encode, in the order given.

    Raises
    ------
    OptionError
        No encodes, or a segments option (segments decode their own frames).
    VmafNegError
        The first error of any encode's run (the other runs are stopped).
    """
    import threading

    from .engines._registry import score as score_one_pass
    from .engines.native import ReferenceGroup, joining
    from .errors import OptionError
    from .io._broadcast import Broadcast, BroadcastAborted

    encodes = list(encodes)
    if not encodes:
        raise OptionError("give at least one encode to score against the reference")
    refused = sorted(set(options) & {"segments", "segment_frames", "scheduler", "workers", "store"})
    if refused:
        raise OptionError(
            f"{', '.join(refused)} cannot be combined with scoring several encodes at once",
            advice="score each encode with score() to split it into segments",
        )
    steps: dict[str, Any] = {
        k: options.pop(k) for k in ("deinterlace", "fps", "crop") if k in options
    }
    source = _open_reference(reference, steps)
    shared = Broadcast(source, len(encodes))
    # native runs of frames that keep the reference's geometry score them together, the
    # reference's filtering done once a frame
    group = ReferenceGroup() if backend in (None, "native") else None
    # each encode's pair after the broadcast steps, its reference frames from the one decoding
    pairs = [
        _many_pair(source, encode, shared.view(i), steps, options.get("ffmpeg"), backend)
        for i, encode in enumerate(encodes)
    ]
    results: list[Result | None] = [None] * len(encodes)
    errors: list[BaseException | None] = [None] * len(encodes)
    done = [0] * len(encodes)
    running = set(range(len(encodes)))
    reported = [0]
    lock = threading.Lock()
    # Runs start one at a time, each until its first pair is scored: modules imported on
    # first use (decoders, scalers) are then imported by one thread, never by two at once.
    starting = threading.Lock()
    started = [False] * len(encodes)

    def start_done(i: int) -> None:
        with lock:
            if started[i]:
                return
            started[i] = True
        starting.release()

    def report(i: int, n: int | None) -> None:
        """Frames done by encode i (None: its run ended); progress gets the slowest running."""
        start_done(i)
        with lock:
            if n is None:
                running.discard(i)
            else:
                done[i] = n
            slowest = min((done[j] for j in running), default=0)
            if progress is None or slowest <= reported[0]:
                return
            reported[0] = slowest
        progress(slowest)

    def run(i: int) -> None:
        # every run joins the group before it may start, so the first do not race ahead alone;
        # a run about to wait for a later one lets the next start
        with joining(group, before_wait=lambda: start_done(i)):
            starting.acquire()
            try:
                results[i] = score_one_pass(
                    pairs[i][0],
                    pairs[i][1],
                    models,
                    backend=backend,
                    progress=lambda n: report(i, n),
                    **options,
                )
            except BroadcastAborted:
                pass
            except BaseException as exc:  # the first one is raised on the calling thread
                errors[i] = exc
                shared.abort()
            finally:
                shared.done(i)
                report(i, None)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(encodes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for exc in errors:
        if exc is not None:
            raise exc
    return [r for r in results if r is not None]
