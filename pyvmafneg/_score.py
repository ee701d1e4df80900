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
    and features (without ``library`` or ``cpumask``), ``'native+libvmaf'``
    when it computes some of them (libvmaf the rest, in the same pass), else
    ``'libvmaf'``
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
    """
    from .errors import OptionError

    if segments is None and segment_frames is None:
        if scheduler is not None or store is not None or workers is not None:
            raise OptionError(
                "scheduler, workers and store apply to scoring in segments",
                advice="give {segments} or {segment_frames} as well",
                options={"segments": ..., "segment_frames": ...},
            )
        from .engines._registry import score as score_one_pass

        return score_one_pass(reference, distorted, models, backend=backend, **options)
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
