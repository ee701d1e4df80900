"""The documented :func:`pyvmafneg.score`: one pass, or one long pair in parallel segments.

One pass is :func:`pyvmafneg.engines.score` (any backend in the registry);
segments are :func:`pyvmafneg.segments.score_segments`, which sits above
the engines, so the choice between them is made here, at the top.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engines._models import ModelSpec
    from .results._result import Result

__all__ = ["score"]

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
    sync: bool = False,
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
    that makes the run resumable. ``options`` then take ``threads``,
    ``clip``, ``transform``, ``frames``, ``progress``, ``raw``, ``offset``,
    ``scale``, ``size``, ``convert_bitdepth``, ``features`` and
    ``subsample`` (see :func:`pyvmafneg.segments.score_segments`).

    ``progress`` is a callable taking the number of frame pairs done, or
    None or False for no progress reports.

    ``sync=True`` finds the frame offset first
    (:func:`pyvmafneg.io.find_offset`, ``scale``, ``size`` and
    ``convert_bitdepth`` applied before comparing) and scores with it; it
    raises :class:`~pyvmafneg.errors.SyncUncertainError` when the search's
    confidence is below :data:`pyvmafneg.io._sync.MIN_SYNC_CONFIDENCE`
    (then give ``offset`` yourself). It cannot be combined with ``offset``.
    When the clips' frame counts differ and a quick search finds a clearly
    better alignment, the :class:`~pyvmafneg.errors.FrameCountMismatchError`
    says so (``suggested_offset``) instead of advising a common prefix.
    """
    from .errors import OptionError

    if "progress" in options:
        options["progress"] = _check_progress(options["progress"])
    if sync:
        options["offset"] = _sync_offset(reference, distorted, options)
    if segments is None and segment_frames is None:
        if scheduler is not None or store is not None or workers is not None:
            raise OptionError(
                "scheduler, workers and store apply to scoring in segments",
                advice="give {segments} or {segment_frames} as well",
                options={"segments": ..., "segment_frames": ...},
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
    refused = sorted(set(options) & _ONE_PASS_ONLY)
    if refused:
        raise OptionError(
            f"{', '.join(refused)} cannot be combined with scoring in segments",
            advice="prepare the pair first or score it in one pass",
        )
    from .segments import score_segments

    return score_segments(
        reference,  # type: ignore[arg-type]
        distorted,  # type: ignore[arg-type]
        models,
        segments=segments,
        segment_frames=segment_frames,
        scheduler=scheduler,
        workers=workers,
        store=store,
        backend=backend or "libvmaf",
        **options,
    ).result


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


def _sync_offset(reference: Any, distorted: Any, options: dict[str, Any]) -> int:
    """The offset a trusted search finds (``sync=True``)."""
    from .errors import OptionError
    from .io._sync import check_sync, find_offset

    if options.get("offset"):
        raise OptionError(
            "sync finds the offset itself; give sync=True or an offset, not both",
            option="sync",
            value=True,
        )
    for clip in (reference, distorted):
        if not isinstance(clip, (str, bytes, os.PathLike)) and iter(clip) is clip:
            raise OptionError(
                "sync reads the clips' first frames twice: give paths, opened videos or lists "
                "of frames, not one-shot iterators",
                option="sync",
                value=True,
            )
    found = find_offset(
        reference, distorted, bitdepth=options.get("bitdepth"), **_prepare_options(options)
    )
    return check_sync(found).offset


def _suggest_sync(exc: Any, reference: Any, distorted: Any, options: dict[str, Any]) -> Any:
    from .io._sync import suggest_sync

    return suggest_sync(
        exc, reference, distorted, offset=options.get("offset", 0), **_prepare_options(options)
    )
