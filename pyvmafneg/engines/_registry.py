"""Scoring backends behind one call: ``run_backend(name, reference, distorted, ...)``.

:data:`BACKENDS` maps a name to a function taking two opened
:class:`~pyvmafneg.io._sources.VideoSource` objects and returning a
:class:`~pyvmafneg.results._result.Result`:

* ``'libvmaf'``: libvmaf in-process through CFFI (:func:`pyvmafneg.score`);
* ``'ffmpeg'``: FFmpeg's libvmaf filter (:func:`pyvmafneg.engines._ffmpeg.score_ffmpeg`);
* ``'reference'``: the NumPy reference implementation, when this
  installation has it (``pyvmafneg.engines.reference.score``);
* ``'native'``: the compiled engine (:func:`pyvmafneg.engines.native.score_native`),
  libvmaf's numbers with every gain limit from one filtering pass, when the
  extension was built at install.

Every backend takes the same keyword arguments (see :func:`run_backend`);
ones a backend has no use for are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .._defaults import DEFAULT_SCALER
from ..errors import BackendUnavailableError

if TYPE_CHECKING:  # the engines are imported when a backend runs, not with the registry
    from ..io._sources import VideoSource
    from ..results._result import Result
    from ._models import ModelSpec

__all__ = ["BACKENDS", "run_backend", "backend_names"]

Backend = Callable[..., "Result"]

#: Keyword arguments every backend takes, as :func:`pyvmafneg.score` names them.
_COMMON = (
    "models",
    "subsample",
    "clip",
    "transform",
    "frames",
    "progress",
    "scale",
    "size",
    "offset",
)


def _libvmaf(reference: VideoSource, distorted: VideoSource, **kw: Any) -> Result:
    from .libvmaf._scorer import score

    return score(
        reference,
        distorted,
        threads=kw["threads"],
        library=kw.get("libvmaf"),
        features=kw.get("features"),
        **{k: kw[k] for k in _COMMON},
    )


def _ffmpeg(reference: VideoSource, distorted: VideoSource, **kw: Any) -> Result:
    from ._ffmpeg import score_ffmpeg

    return score_ffmpeg(
        reference,
        distorted,
        threads=kw["threads"],
        ffmpeg=kw.get("ffmpeg"),
        features=kw.get("features"),
        **{k: kw[k] for k in _COMMON},
    )


def _reference(reference: VideoSource, distorted: VideoSource, **kw: Any) -> Result:
    from ._features import refuse_features

    refuse_features(kw.get("features"), "reference")
    try:
        from .reference import score_reference
    except ImportError as exc:
        raise BackendUnavailableError(
            "the NumPy reference backend is not available in this installation "
            f"(pyvmafneg.engines.reference cannot be imported: {exc}); use --backend libvmaf "
            "or --backend ffmpeg"
        ) from None
    return score_reference(reference, distorted, **{k: kw[k] for k in _COMMON})


def _native(reference: VideoSource, distorted: VideoSource, **kw: Any) -> Result:
    from ._features import refuse_features

    refuse_features(kw.get("features"), "native")
    from .native import score_native

    return score_native(reference, distorted, threads=kw["threads"], **{k: kw[k] for k in _COMMON})


#: Backend name -> scoring function.
BACKENDS: dict[str, Backend] = {
    "libvmaf": _libvmaf,
    "ffmpeg": _ffmpeg,
    "reference": _reference,
    "native": _native,
}


def backend_names() -> list[str]:
    """Names accepted by :func:`run_backend`, default first."""
    return list(BACKENDS)


def run_backend(
    name: str,
    reference: VideoSource,
    distorted: VideoSource,
    *,
    models: Sequence[ModelSpec] | None = None,
    threads: int | None = None,
    subsample: int = 1,
    clip: bool = True,
    transform: bool | None = None,
    frames: int | None = None,
    progress: Callable[[int], None] | None = None,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | str | None = None,
    offset: int = 0,
    **options: Any,
) -> Result:
    """Score ``distorted`` against ``reference`` with the backend called ``name``.

    ``scale``, ``size`` and ``offset`` prepare the pair (scaling to one
    size, dropping leading frames; see :func:`pyvmafneg.io.prepare_pair`).
    ``features`` (extra libvmaf extractors such as ``'psnr'`` or
    ``'ssim'``, see :mod:`._features`) are computed by ``'libvmaf'`` and
    ``'ffmpeg'``; other backends raise :class:`~pyvmafneg.errors.FeatureError`.
    ``options`` carries backend-specific settings: ``libvmaf`` (a library
    path) for ``'libvmaf'``, ``ffmpeg`` (an executable) for ``'ffmpeg'``.
    """
    try:
        backend = BACKENDS[name]
    except KeyError:
        raise BackendUnavailableError(
            f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}"
        ) from None
    return backend(
        reference,
        distorted,
        models=models,
        threads=threads,
        subsample=subsample,
        clip=clip,
        transform=transform,
        frames=frames,
        progress=progress,
        scale=scale,
        size=size,
        offset=offset,
        **options,
    )
