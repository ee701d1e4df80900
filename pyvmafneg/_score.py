"""The documented :func:`pyvmafneg.score`: one pass, or one long pair in parallel segments.

One pass is :func:`pyvmafneg.engines.score` (any backend in the registry);
segments are :func:`pyvmafneg.segments.score_segments`, which sits above
the engines, so the choice between them is made here, at the top. The
command line's ``score`` calls this function and nothing below it: an option
refused here is refused there too.

What is done to a pair of opened videos before scoring (scaling, bit-depth
conversion, an offset) is said once, here, on the ``pyvmafneg`` logger at
level INFO. The package adds no handler of its own (``logging.NullHandler``);
the command line prints what it says.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engines._models import ModelSpec
    from .results._result import Result
    from .segments._run import SegmentRun

__all__ = ["score"]

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
    **options: Any,
) -> Result:
    """Score ``distorted`` against ``reference`` with default VMAF and VMAF-NEG (or ``models``).

    Without ``segments``/``segment_frames`` this is one pass of the chosen
    backend (:func:`pyvmafneg.engines.score`, whose keywords ``options``
    takes: ``threads``, ``subsample``, ``clip``, ``transform``, ``bitdepth``,
    ``frames``, ``progress``, ``scale``, ``size``, ``offset``,
    ``convert_bitdepth``, ``cpumask``, ``library``, ``ffmpeg``, ``features``).
    ``backend`` is ``'libvmaf'``,
    ``'ffmpeg'``, ``'reference'`` or ``'native'``; None (default) is
    ``'native'`` when the compiled engine is built and computes the models
    (without ``library``, ``cpumask`` or ``features``), else ``'libvmaf'``
    (in segments, ``'libvmaf'``); every backend
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
    ``scale``, ``size``, ``convert_bitdepth``, ``features`` and
    ``subsample`` (see :func:`pyvmafneg.segments.score_segments`).

    ``progress`` is a callable taking the number of frame pairs done, or
    None or False for no progress reports.
    """
    from .errors import OptionError

    if "progress" in options:
        options["progress"] = _check_progress(options["progress"])
    _say_what_is_done(reference, distorted, options)
    if segments is None and segment_frames is None:
        given = {
            "scheduler": scheduler,
            "workers": workers,
            "store": store,
            "on_segment": on_segment,
            "on_run": on_run,
        }
        extra = sorted(k for k, v in given.items() if v is not None)
        if extra:
            raise OptionError(
                f"{', '.join(extra)} apply to scoring in segments",
                advice="give {segments} or {segment_frames} as well",
                options={"segments": ..., "segment_frames": ...},
            )
        from .engines._registry import score as score_one_pass

        return score_one_pass(reference, distorted, models, backend=backend, **options)
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
        backend=backend or "libvmaf",
        on_segment=on_segment,
        **{k: v for k, v in options.items() if k not in _ONE_PASS_ONLY},
    )
    if on_run is not None:
        on_run(run)
    return run.result


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
