"""``pyvmafneg.score``: score two clips in one call with the backend of choice.

``backend='libvmaf'`` runs libvmaf in-process (:func:`pyvmafneg.engines.libvmaf.score`),
``'native'`` the compiled engine (:func:`pyvmafneg.engines.native.score_native`),
``'reference'`` the NumPy reference. All return the same
:class:`~pyvmafneg.results._result.Result` with libvmaf's feature names.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any, Final

from ..errors import BackendUnavailableError, OptionError
from ..io._frame import FrameLike
from ..io._prepare import DEFAULT_SCALER
from ..results._result import Result
from ._models import ModelSpec

__all__ = ["SCORE_BACKENDS", "score"]

#: Backends :func:`score` runs on frames in memory (FFmpeg has :func:`pyvmafneg.score_ffmpeg`).
SCORE_BACKENDS: Final[tuple[str, ...]] = ("libvmaf", "native", "reference")


def _open_if_path(clip: Any) -> Any:
    if isinstance(clip, (str, bytes, os.PathLike)):
        from ..io._sources import open_video

        return open_video(os.fsdecode(clip))
    return clip


def score(
    reference: Iterable[FrameLike],
    distorted: Iterable[FrameLike],
    models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
    *,
    backend: str = "libvmaf",
    threads: int | None = None,
    subsample: int = 1,
    clip: bool = True,
    transform: bool | None = None,
    bitdepth: int | None = None,
    library: Any = None,
    frames: int | None = None,
    progress: Callable[[int], None] | None = None,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | str | None = None,
    offset: int = 0,
    features: Iterable[str] | str | None = None,
) -> Result:
    """Score two clips in one pass.

    ``reference`` and ``distorted`` are iterables of frames (lists of
    :class:`~pyvmafneg.io._frame.Frame`, opened videos from
    :func:`pyvmafneg.open_video`, generators...) or paths of self-describing
    files (Y4M, or anything PyAV decodes); raw YUV carries no size, so open it
    with ``open_video(path, width=, height=)``. Frames are consumed lazily, one
    pair at a time.

    Parameters
    ----------
    backend:
        ``'libvmaf'`` (libvmaf in-process), ``'native'`` (the compiled engine:
        libvmaf's numbers, every gain limit from one filtering pass) or
        ``'reference'`` (the NumPy reference).
    library:
        libvmaf shared library (path or loaded) for ``backend='libvmaf'``.
    threads:
        Worker threads; None (default) uses the CPUs this process may use, at
        most 8; 0 scores on the calling thread.
    features:
        Extra libvmaf extractors in the same pass (``'psnr'``, ``'ssim'``,
        ``'ms_ssim'``, ``'ciede'``, ``'cambi'``, ``'psnr_hvs'``, with libvmaf
        options as ``'cambi:full_ref=true'``), ``backend='libvmaf'`` only;
        per-frame values under libvmaf's names in :attr:`Result.features`.

    When the distorted clip's size differs from the reference's, each
    distorted frame is scaled to the reference size with libswscale
    (``scale``: ``'bicubic'``, the default, ``'lanczos'``, ``'bilinear'``,
    ``'neighbor'``, ``'spline'`` or ``'area'``; None refuses differing
    sizes); ``size=(width, height)`` scores both clips at that display size.
    ``offset=N`` drops the first N distorted frames before pairing (N < 0:
    the first -N reference frames). See :func:`pyvmafneg.io.prepare_pair`.
    Other parameters are those of :class:`pyvmafneg.Scorer`.

    Returns
    -------
    Result
        Per-frame ``vmaf`` and ``vmaf_neg`` (or the given models) and every
        feature under libvmaf's names, with pooling and the default-NEG gap.

    Raises
    ------
    BackendUnavailableError
        For an unknown backend, or ``'native'`` when the engine is not built.
    FeatureError
        An unknown feature, or features asked of a backend other than libvmaf.
    """
    if backend not in SCORE_BACKENDS:
        raise BackendUnavailableError(
            f"unknown backend {backend!r} for score(); choose one of {', '.join(SCORE_BACKENDS)} "
            "(FFmpeg's filter is score_ffmpeg)"
        )
    if frames is not None and frames < 1:
        raise OptionError(f"frames must be at least 1 (or None for every frame); got {frames}")
    reference = _open_if_path(reference)
    distorted = _open_if_path(distorted)
    common: dict[str, Any] = dict(
        subsample=subsample,
        clip=clip,
        transform=transform,
        bitdepth=bitdepth,
        frames=frames,
        progress=progress,
        scale=scale,
        size=size,
        offset=offset,
    )
    if backend != "libvmaf":
        from ._features import refuse_features

        refuse_features(features, backend)
    if backend == "native":
        from .native import score_native

        return score_native(reference, distorted, models, threads=threads, **common)
    if backend == "reference":
        from .reference import score_reference

        return score_reference(reference, distorted, models, **common)
    from .libvmaf._scorer import score as score_libvmaf

    return score_libvmaf(
        reference, distorted, models, threads=threads, library=library, features=features, **common
    )
