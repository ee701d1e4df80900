"""In-process scoring with real libvmaf: the :class:`Scorer` and :func:`score`.

Example
-------
>>> import numpy as np, pyvmafneg
>>> ref = np.full((64, 64), 128, np.uint8)
>>> with pyvmafneg.Scorer() as scorer:          # vmaf and vmaf_neg
...     for _ in range(3):
...         index = scorer.feed(ref, ref)   # 0, 1, 2
...     result = scorer.flush()
>>> sorted(result.scores)
['vmaf', 'vmaf_neg']
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from ...errors import OptionError, ScorerStateError
from ...io._frame import FrameLike, iter_pairs
from ...io._prepare import DEFAULT_SCALER, prepare_pair
from ...results._result import Result
from .._features import FeatureSpec, resolve_features
from .._models import ModelSpec, pick_pair, resolve_models
from ._binding import Context, Libvmaf, check_threads, load_library

__all__ = ["Scorer", "score"]

ProgressCallback = Callable[[int], None]


class Scorer:
    """Score (reference, distorted) frame pairs with libvmaf, streaming.

    Parameters
    ----------
    models:
        Models to score with: built-in names, JSON paths, ``name:key=value``
        strings (see :func:`pyvmafneg.engines._models.parse_model`) or
        :class:`~pyvmafneg.engines._models.ModelSpec` objects. Default: ``vmaf_v0.6.1``
        as ``vmaf`` and ``vmaf_v0.6.1neg`` as ``vmaf_neg``.
    threads:
        libvmaf worker threads; None (default) uses the CPUs this process may
        use (``os.sched_getaffinity``), at most
        :data:`~pyvmafneg.engines.libvmaf._binding.DEFAULT_THREADS_CAP`;
        0 scores on the calling thread. At most
        :data:`~pyvmafneg.engines.libvmaf._binding.MAX_THREADS`; no more are started than the
        CPUs available, since each costs memory and scores do not depend on
        it. Memory stays bounded: with threads libvmaf draws pictures from a
        fixed pool.
    subsample:
        Score every N-th frame (1 = all). Motion still sees every frame.
    clip:
        Clip model scores to [0, 100] (libvmaf's default). ``False`` shows
        scores above 100; an honest near-transparent frame can get there, a
        frame above its own ceiling (:func:`pyvmafneg.check`) cannot.
    transform:
        Apply the model's score transform: None keeps the model's own setting,
        True/False force it on/off.
    bitdepth:
        Bit depth of the frames when they are passed as bare arrays (uint16
        planes need it); ignored for :class:`~pyvmafneg.io._frame.Frame` objects.
    library:
        A path to a libvmaf shared library or a loaded
        :class:`~pyvmafneg.engines.libvmaf._binding.Libvmaf`; default: discovery order.
    log_level:
        libvmaf's own stderr logging: ``none``, ``error``, ``warning``,
        ``info`` or ``debug``.
    features:
        Extra libvmaf feature extractors computed in the same pass:
        ``'psnr'``, ``'ssim'``, ``'ms_ssim'``, ``'ciede'``, ``'cambi'``,
        ``'psnr_hvs'``, each optionally with libvmaf options
        (``'cambi:full_ref=true'``); see :mod:`pyvmafneg.engines._features`.
        Their per-frame values land in :attr:`Result.features` under libvmaf's
        names (``psnr_y``, ``float_ssim``, ``ciede2000`` ...).

    Memory does not grow with clip length: each pair is copied into libvmaf
    and released; only per-frame numbers are kept.
    """

    def __init__(
        self,
        models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
        *,
        threads: int | None = None,
        subsample: int = 1,
        clip: bool = True,
        transform: bool | None = None,
        bitdepth: int | None = None,
        library: str | Libvmaf | None = None,
        log_level: str = "none",
        cpumask: int = 0,
        features: Iterable[str | FeatureSpec] | str | None = None,
    ) -> None:
        threads, subsample = check_threads(threads, subsample)
        self.specs = resolve_models(models)
        self.features = resolve_features(features)
        self.bitdepth = bitdepth
        self.clip = clip
        lib = library if isinstance(library, Libvmaf) else load_library(library)
        self._context: Context | None = Context(
            self.specs,
            threads=threads,
            subsample=subsample,
            clip=clip,
            transform=transform,
            cpumask=cpumask,
            log_level=log_level,
            library=lib,
            bitdepth=bitdepth,
            features=self.features,
        )
        self._lib = lib
        self._result: Result | None = None
        self._started: float | None = None

    # -- context manager ------------------------------------------------------
    def __enter__(self) -> Scorer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def frames_fed(self) -> int:
        """Number of pairs fed so far."""
        return 0 if self._context is None else self._context.frames_read

    def feed(self, reference: FrameLike, distorted: FrameLike) -> int:
        """Score one pair; returns its frame index.

        Frames may be :class:`~pyvmafneg.io._frame.Frame` objects, 2-D luma arrays
        or ``(Y, U, V)`` plane tuples. Mismatched pairs raise
        :class:`~pyvmafneg.errors.FrameMismatchError` before libvmaf sees them.
        """
        if self._result is not None:
            raise ScorerStateError(
                "this scorer was already flushed; create a new Scorer for another clip"
            )
        if self._context is None:
            raise ScorerStateError("this scorer is closed; create a new Scorer")
        if self._started is None:
            self._started = time.perf_counter()
        return self._context.read(reference, distorted)

    def flush(self) -> Result:
        """Finish the clip and return the :class:`~pyvmafneg.results._result.Result`.

        Calling it again returns the same result.
        """
        if self._result is not None:
            return self._result
        ctx = self._context
        if ctx is None:
            raise ScorerStateError("this scorer is closed; create a new Scorer")
        if ctx.frames_read == 0:
            raise ScorerStateError("no frames were fed; feed at least one pair before flush()")
        ctx.flush()
        elapsed = time.perf_counter() - (self._started or time.perf_counter())
        scores = {spec.name: ctx.model_scores(spec.name) for spec in self.specs}
        features = {}
        for name in ctx.feature_names():
            values = ctx.feature_scores(name)
            if values is not None:
                features[name] = values
        default, neg = pick_pair(self.specs)
        self._result = Result(
            frames=ctx.indices,
            scores=scores,
            features=features,
            default_model=default,
            neg_model=neg,
            clipped=self.clip,
            backend="libvmaf",
            version=self._lib.info.version,
            models={s.name: s.describe() for s in self.specs},
            fps=ctx.frames_read / elapsed if elapsed > 0 else None,
        )
        return self._result

    def write_libvmaf_log(self, path: str, fmt: str = "json") -> None:
        """After :meth:`flush`, let libvmaf write its own log (json/xml/csv)."""
        if self._result is None or self._context is None:
            raise ScorerStateError("call flush() before writing libvmaf's own log")
        self._context.write_output(path, fmt)

    def close(self) -> None:
        """Release libvmaf's memory (the result stays available)."""
        if self._context is not None:
            self._context.close()
            self._context = None


def score(
    reference: Iterable[FrameLike],
    distorted: Iterable[FrameLike],
    models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
    *,
    threads: int | None = None,
    subsample: int = 1,
    clip: bool = True,
    transform: bool | None = None,
    bitdepth: int | None = None,
    library: str | Libvmaf | None = None,
    frames: int | None = None,
    progress: ProgressCallback | None = None,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | str | None = None,
    offset: int = 0,
    features: Iterable[str | FeatureSpec] | str | None = None,
) -> Result:
    """Score two clips with libvmaf in one pass.

    ``reference`` and ``distorted`` are iterables of frames (lists of
    :class:`~pyvmafneg.io._frame.Frame`, opened videos from
    :func:`pyvmafneg.open_video`, generators...) or paths of self-describing
    files (Y4M, or anything PyAV decodes: mp4, mkv, webm, ivf...); raw YUV
    carries no size, so open it with ``open_video(path, width=, height=)``.
    Frames are consumed lazily, one pair at a time. The clips must have the
    same number of frames unless ``frames`` limits the run to a common
    prefix; otherwise :class:`~pyvmafneg.errors.FrameMismatchError` says
    which one ended first. ``progress`` is called with the number of frames
    done after each pair. Other parameters are those of :class:`Scorer`.

    When the distorted clip's size differs from the reference's, each
    distorted frame is scaled to the reference size with libswscale
    (``scale``: ``'bicubic'``, the default, ``'lanczos'``, ``'bilinear'``,
    ``'neighbor'``, ``'spline'`` or ``'area'``; None refuses differing
    sizes); ``size=(width, height)`` scores both clips at that display size.
    ``offset=N`` drops the first N distorted frames before pairing (N < 0:
    the first -N reference frames). See :func:`pyvmafneg.io.prepare_pair`.

    Returns
    -------
    Result
        Per-frame ``vmaf`` and ``vmaf_neg`` (or the given models) and every
        libvmaf feature, with pooling and the default-NEG gap.
    """
    reference = _open_if_path(reference)
    distorted = _open_if_path(distorted)
    if frames is not None and frames < 1:
        raise OptionError(f"frames must be at least 1 (or None for every frame); got {frames}")
    pair = prepare_pair(
        reference, distorted, scale=scale, size=size, offset=offset, bitdepth=bitdepth
    )
    reference, distorted = pair.reference, pair.distorted
    with Scorer(
        models,
        threads=threads,
        subsample=subsample,
        clip=clip,
        transform=transform,
        bitdepth=bitdepth,
        library=library,
        features=features,
    ) as scorer:
        for done, (ref, dis) in enumerate(iter_pairs(reference, distorted, frames), start=1):
            scorer.feed(ref, dis)
            if progress is not None:
                progress(done)
        return scorer.flush()


def _open_if_path(clip: Any) -> Any:
    """Open a file name as a video; anything else is passed through."""
    if isinstance(clip, (str, bytes, os.PathLike)):
        from ...io._sources import open_video

        return open_video(os.fsdecode(clip))
    return clip
