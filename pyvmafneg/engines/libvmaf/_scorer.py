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

from collections.abc import Callable, Iterable

from ..._defaults import DEFAULT_SCALER
from ...errors import ScorerStateError
from ...io._frame import FrameLike
from ...results._model_interval import ModelInterval
from ...results._result import Result
from .._collection import collections_for
from .._features import FeatureSpec, resolve_features
from .._models import ModelSpec, resolve_models
from .._options import ScoreOptions, check_threads
from .._scaffold import EngineOutput, StreamingScorer, score_clips
from ._binding import Context, Libvmaf, load_library

__all__ = ["Scorer", "score_libvmaf"]

ProgressCallback = Callable[[int], None]


class Scorer(StreamingScorer):
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
        use, at most :data:`~pyvmafneg.engines._options.DEFAULT_THREADS_CAP`;
        0 scores on the calling thread. At most
        :data:`~pyvmafneg.engines._options.MAX_THREADS`; no more are started than the
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
    cpumask:
        libvmaf's CPU mask: 0 (default) uses every code path this CPU has;
        ``0x38`` switches off AVX2 and AVX-512 (libvmaf's exact scalar ADM).
    model_intervals:
        Also score each model's bootstrapped twin (``vmaf_b_v0.6.3`` at the
        model's gain limits, through libvmaf's model-collection API) and give
        its per-frame 95 % interval in :attr:`Result.model_intervals`; only
        the v0.6.1 family has one (see :mod:`pyvmafneg.engines._collection`).

    Notes
    -----
    Memory does not grow with clip length: each pair is copied into libvmaf
    and released; only per-frame numbers are kept. A scorer may pass from
    thread to thread but is not used by two at once (see
    :mod:`pyvmafneg.engines._scaffold`): a call while another thread is inside
    :meth:`feed` or :meth:`flush` raises
    :class:`~pyvmafneg.errors.ScorerStateError`.
    """

    backend = "libvmaf"

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
        model_intervals: bool = False,
    ) -> None:
        threads, subsample = check_threads(threads, subsample)
        self.features = resolve_features(features)
        super().__init__(resolve_models(models, allow_none=bool(self.features)), clip=clip)
        self.collections = collections_for(self.specs) if model_intervals else ()
        self.bitdepth = bitdepth
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
            collections=self.collections,
        )
        self._lib = lib

    def __enter__(self) -> Scorer:
        return self

    def _score_pair(self, reference: FrameLike, distorted: FrameLike, index: int) -> None:
        assert self._context is not None  # open until close(), which sets _closed first
        self._context.read(reference, distorted)

    def _finish(self) -> EngineOutput:
        ctx = self._context
        assert ctx is not None
        ctx.flush()
        features = {}
        for name in ctx.feature_names():
            values = ctx.feature_scores(name)
            if values is not None:
                features[name] = values
        intervals = {}
        for cspec in self.collections:
            per_frame, _ = ctx.collection_outputs(cspec.model)
            intervals[cspec.model] = ModelInterval(
                cspec.model,
                cspec.describe(),
                score=per_frame["score"],
                bagging=per_frame["bagging"],
                stddev=per_frame["stddev"],
                low=per_frame["low"],
                high=per_frame["high"],
            )
        return EngineOutput(
            frames=ctx.indices,
            scores={spec.name: ctx.model_scores(spec.name) for spec in self.specs},
            features=features,
            version=self._lib.info.version,
            intervals=intervals,
        )

    def _release(self) -> None:
        if self._context is not None:
            self._context.close()
            self._context = None

    def write_libvmaf_log(self, path: str, fmt: str = "json") -> None:
        """After :meth:`flush`, let libvmaf write its own log (json/xml/csv)."""
        if self._result is None or self._context is None:
            raise ScorerStateError("call flush() before writing libvmaf's own log")
        self._context.write_output(path, fmt)


def score_libvmaf(
    reference: Iterable[FrameLike],
    distorted: Iterable[FrameLike],
    models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
    *,
    threads: int | None = None,
    subsample: int = 1,
    clip: bool = True,
    transform: bool | None = None,
    bitdepth: int | None = None,
    cpumask: int = 0,
    library: str | Libvmaf | None = None,
    frames: int | None = None,
    progress: ProgressCallback | None = None,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | str | None = None,
    offset: int = 0,
    features: Iterable[str | FeatureSpec] | str | None = None,
    convert_bitdepth: int | None = None,
    model_intervals: bool = False,
) -> Result:
    """Score two clips with libvmaf in one pass (``pyvmafneg.score(..., backend='libvmaf')``).

    ``reference`` and ``distorted`` are frame iterables, opened videos or
    paths of self-describing files; see :func:`pyvmafneg.score` for them and
    for ``frames``, ``progress``, ``scale``, ``size``, ``offset`` and ``convert_bitdepth``. Other
    parameters are those of :class:`Scorer`.
    """
    options = ScoreOptions.from_arguments(locals())
    return score_clips(
        lambda: Scorer(
            models,
            threads=threads,
            library=library,
            cpumask=cpumask,
            features=features,
            model_intervals=model_intervals,
            **options.scorer_keywords(),
        ),
        reference,
        distorted,
        options,
    )
