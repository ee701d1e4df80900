"""Scoring backends behind one call: :func:`score` ``(reference, distorted, models, backend=NAME)``.

A backend is a :class:`Backend` entry in the registry: its name, a one-line
summary, where its scoring function is (imported only when it is used), and
the optional keywords it honours. Every backend takes the same inputs (paths,
opened videos, frame iterables) and the common keywords (``subsample``,
``clip``, ``transform``, ``bitdepth``, ``frames``, ``progress``, ``scale``,
``size``, ``offset``, ``convert_bitdepth``); an optional keyword
(:data:`OPTIONAL_KEYWORDS`: ``threads``, ``cpumask``, ``library``, ``ffmpeg``,
``features``) given to a backend that cannot honour it raises
:class:`~pyvmafneg.errors.UnsupportedOptionError`
(:class:`~pyvmafneg.errors.FeatureError` for ``features``).

Adding a backend is one :func:`register_backend` call below, with a scoring
function of the form::

    def score_x(reference, distorted, models=None, *, subsample, clip, transform,
                bitdepth, frames, progress, scale, size, offset,
                convert_bitdepth, **honoured_options) -> Result
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._defaults import DEFAULT_SCALER
from ..errors import BackendUnavailableError, OptionError, UnsupportedOptionError
from ._options import ScoreOptions

if TYPE_CHECKING:  # the engines are imported when a backend runs, not with the registry
    from ..io._frame import FrameLike
    from ..results._result import Result
    from ._models import ModelSpec

__all__ = [
    "OPTIONAL_KEYWORDS",
    "SHARED_BACKEND",
    "Backend",
    "backend_names",
    "default_backend",
    "get_backend",
    "register_backend",
    "score",
]

#: Keywords not every backend honours, with the values that mean "not asked for"
#: (the first is the default; ``threads=0``, scoring on the calling thread, is what a
#: backend without workers does anyway).
OPTIONAL_KEYWORDS: dict[str, tuple[Any, ...]] = {
    "threads": (None, 0),
    "cpumask": (0,),
    "library": (None,),
    "ffmpeg": (None,),
    "features": (None, (), [], ""),
    "model_intervals": (False,),
}


@dataclass(frozen=True)
class Backend:
    """One scoring backend in the registry.

    Attributes
    ----------
    name:
        The ``backend=`` value that selects it.
    summary:
        One line saying what it is.
    target:
        ``"module:function"`` of its scoring function, imported when first used.
    options:
        Which of :data:`OPTIONAL_KEYWORDS` it honours.
    """

    name: str
    summary: str
    target: str
    options: frozenset[str] = frozenset()

    def load(self) -> Callable[..., Result]:
        """Import the scoring function; :class:`BackendUnavailableError` if it cannot be."""
        module, _, attr = self.target.partition(":")
        try:
            return getattr(importlib.import_module(module, __package__), attr)
        except ImportError as exc:
            others = [n for n in _BACKENDS if n != self.name]
            raise BackendUnavailableError(
                f"the {self.name!r} backend is not available in this installation "
                f"({module.lstrip('.')} cannot be imported: {exc})",
                advice="use another backend, e.g. {backend}" if others else "",
                options={"backend": others[0]} if others else {},
                backend=self.name,
                available=tuple(others),
            ) from None


_BACKENDS: dict[str, Backend] = {}


def register_backend(backend: Backend) -> None:
    """Add (or replace) a backend in the registry."""
    unknown = set(backend.options) - set(OPTIONAL_KEYWORDS)
    if unknown:
        raise OptionError(f"unknown optional keywords {sorted(unknown)} for {backend.name!r}")
    _BACKENDS[backend.name] = backend


register_backend(
    Backend(
        "libvmaf",
        "libvmaf in-process through CFFI",
        ".libvmaf._scorer:score_libvmaf",
        frozenset({"threads", "cpumask", "library", "features", "model_intervals"}),
    )
)
register_backend(
    Backend(
        "ffmpeg",
        "FFmpeg's libvmaf filter in a subprocess",
        "._ffmpeg:score_ffmpeg",
        frozenset({"threads", "ffmpeg", "features"}),
    )
)
register_backend(
    Backend(
        "reference",
        "the NumPy reference of libvmaf's integer features",
        ".reference._backend:score_reference",
        frozenset({"cpumask"}),
    )
)
register_backend(
    Backend(
        "native",
        "the compiled engine: every gain limit from one filtering pass",
        ".native._scorer:score_native",
        frozenset({"threads", "features", "model_intervals"}),
    )
)


def backend_names() -> list[str]:
    """Names :func:`score` accepts as ``backend``, in the order they were registered.

    ``libvmaf``, ``ffmpeg``, ``reference``, ``native``, then any added with
    :func:`register_backend`; :func:`default_backend` says which one runs when
    none is named.
    """
    return list(_BACKENDS)


def default_backend(
    models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
    *,
    libvmaf_only: bool = False,
    features: Iterable[str] | str | None = None,
) -> str:
    """The backend :func:`score` uses when none is named.

    ``'native'`` when the compiled engine is built in this installation and
    computes every model in ``models`` (the v0.6.1 family and its gain-limit
    overloads) and every extra feature in ``features`` (PSNR and float SSIM);
    :data:`SHARED_BACKEND` (``'native+libvmaf'``) when it computes some of
    them and libvmaf the others, in the same pass (:func:`score_shared`);
    ``'libvmaf'`` when the engine computes none of them, is not built, or
    ``libvmaf_only`` says the run needs libvmaf itself (a chosen library, a
    CPU mask) or ``$PYVMAFNEG_LIBVMAF`` names a library.
    """
    if libvmaf_only or os.environ.get("PYVMAFNEG_LIBVMAF"):
        return "libvmaf"
    from .native import available

    if not available():
        return "libvmaf"
    split = split_engines(models, features)
    if not split.libvmaf_models and not split.libvmaf_features:
        return "native"
    return SHARED_BACKEND if split.shared else "libvmaf"


#: ``Result.backend`` of a run shared between the native engine and libvmaf.
SHARED_BACKEND = "native+libvmaf"


@dataclass(frozen=True)
class EngineSplit:
    """Which models and extra features each engine computes in a run of the default backend."""

    native_models: tuple[ModelSpec, ...]
    libvmaf_models: tuple[ModelSpec, ...]
    native_features: tuple[Any, ...]
    libvmaf_features: tuple[Any, ...]

    @property
    def shared(self) -> bool:
        """True when both engines have something to compute."""
        native = self.native_models or self.native_features
        return bool(native and (self.libvmaf_models or self.libvmaf_features))


def split_engines(
    models: Iterable[ModelSpec | str] | ModelSpec | str | None,
    features: Iterable[str] | str | None,
) -> EngineSplit:
    """Share a run between the engines: the native engine takes every model and feature it
    computes, libvmaf the rest (VMAF v1 models, CAMBI, CIEDE, PSNR-HVS, MS-SSIM...)."""
    from ..errors import ModelError
    from ._features import resolve_features
    from ._models import resolve_models
    from .native import native_model, split_features

    native, other = [], []
    for spec in resolve_models(models):
        try:
            native_model(spec)
        except ModelError:
            other.append(spec)
        else:
            native.append(spec)
    nf, lf = split_features(resolve_features(features))
    return EngineSplit(tuple(native), tuple(other), tuple(nf), tuple(lf))


def _shared_scorer(
    split: EngineSplit,
    specs: tuple[ModelSpec, ...],
    options: ScoreOptions,
    *,
    threads: int | None,
    model_intervals: bool = False,
) -> Any:
    """A scorer feeding each pair to the native engine and to libvmaf (the same pass)."""
    from ._scaffold import EngineOutput, StreamingScorer
    from .libvmaf import Scorer
    from .native import NativeScorer

    class SharedScorer(StreamingScorer):
        backend = SHARED_BACKEND

        def __init__(self) -> None:
            super().__init__(specs, clip=options.clip)
            keywords = {"threads": threads, **options.scorer_keywords()}
            self._native = NativeScorer(
                split.native_models,
                features=split.native_features,
                model_intervals=model_intervals,
                **keywords,
            )
            try:
                self._libvmaf = Scorer(
                    split.libvmaf_models, features=split.libvmaf_features, **keywords
                )
            except BaseException:
                self._native.close()
                raise

        def _score_pair(self, reference: Any, distorted: Any, index: int) -> None:
            self._native.feed(reference, distorted)
            self._libvmaf.feed(reference, distorted)

        def _finish(self) -> EngineOutput:
            ours, theirs = self._native.flush(), self._libvmaf.flush()
            features = {**theirs.features, **ours.features}
            self.engines = {k: "native" for k in [*ours.scores, *ours.features]}
            for key in [*theirs.scores, *theirs.features]:
                self.engines.setdefault(key, "libvmaf")
            return EngineOutput(
                frames=ours.frames,
                scores={s.name: {**theirs.scores, **ours.scores}[s.name] for s in specs},
                features=features,
                intervals=ours.model_intervals,
                version=f"{ours.version}; {theirs.version} for "
                + ", ".join(k for k, e in self.engines.items() if e == "libvmaf"),
            )

        def flush(self) -> Result:
            result = super().flush()
            result.engines = dict(self.engines)
            return result

        def _release(self) -> None:
            self._native.close()
            self._libvmaf.close()

    return SharedScorer()


def score_shared(
    reference: Any,
    distorted: Any,
    models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
    *,
    features: Iterable[str] | str | None = None,
    threads: int | None = 0,
    subsample: int = 1,
    clip: bool = True,
    transform: bool | None = None,
    bitdepth: int | None = None,
    frames: int | None = None,
    progress: Callable[[int], None] | None = None,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | str | None = None,
    offset: int = 0,
    convert_bitdepth: int | None = None,
    model_intervals: bool = False,
) -> Result:
    """Score with the native engine and libvmaf in one pass over the frames.

    The native engine computes every model and feature it can (the v0.6.1
    family, PSNR, float SSIM); libvmaf only the rest. Each pair is decoded
    once and handed to both. ``Result.backend`` is :data:`SHARED_BACKEND`
    and :attr:`Result.engines` names the engine of every model and feature.
    Keywords as for :func:`score`.
    """
    options = ScoreOptions.from_arguments(locals())
    return _score_shared(
        reference,
        distorted,
        models,
        options,
        features=features,
        threads=threads,
        model_intervals=model_intervals,
    )


def _score_shared(
    reference: Any,
    distorted: Any,
    models: Iterable[ModelSpec | str] | ModelSpec | str | None,
    options: ScoreOptions,
    *,
    features: Iterable[str] | str | None,
    threads: int | None,
    model_intervals: bool,
) -> Result:
    """:func:`score_shared` with its common keywords already in ``options``."""
    from ._models import resolve_models
    from ._scaffold import score_clips

    specs = resolve_models(models)
    split = split_engines(specs, features)
    if model_intervals:
        from ._collection import collections_for

        # the twins read the native engine's features: asked of models it does not
        # score, they are refused here, naming every model of the run
        collections_for(split.native_models or specs)
    return score_clips(
        lambda: _shared_scorer(
            split, specs, options, threads=threads, model_intervals=model_intervals
        ),
        reference,
        distorted,
        options,
    )


def get_backend(name: str) -> Backend:
    """The registry entry called ``name``; :class:`BackendUnavailableError` if none."""
    try:
        return _BACKENDS[name]
    except (KeyError, TypeError):
        raise BackendUnavailableError(
            f"unknown backend {name!r}",
            advice=f"choose one of {', '.join(_BACKENDS)}",
            backend=str(name),
            available=tuple(_BACKENDS),
        ) from None


def score(
    reference: Iterable[FrameLike] | Any,
    distorted: Iterable[FrameLike] | Any,
    models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
    *,
    backend: str | None = None,
    threads: int | None = None,
    subsample: int = 1,
    clip: bool = True,
    transform: bool | None = None,
    bitdepth: int | None = None,
    frames: int | None = None,
    progress: Callable[[int], None] | None = None,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | str | None = None,
    offset: int = 0,
    cpumask: int = 0,
    library: Any = None,
    ffmpeg: Any = None,
    features: Iterable[str] | str | None = None,
    convert_bitdepth: int | None = None,
    model_intervals: bool = False,
) -> Result:
    """Score ``distorted`` against ``reference`` with default VMAF and VMAF-NEG (or ``models``).

    Parameters
    ----------
    reference, distorted:
        Paths of self-describing files (Y4M, or anything PyAV decodes: mp4,
        mkv, webm, ivf...), videos opened with :func:`pyvmafneg.open_video`
        (raw YUV carries no size: open it with ``width=``, ``height=``), or
        iterables of frames (:class:`~pyvmafneg.Frame` objects, 2-D luma
        arrays or ``(Y, U, V)`` tuples), consumed lazily one pair at a time.
    models:
        Built-in names, JSON paths, ``name:key=value`` strings (see
        :func:`pyvmafneg.parse_model`) or :class:`~pyvmafneg.ModelSpec`
        objects. Default: ``vmaf_v0.6.1`` as ``vmaf`` and ``vmaf_v0.6.1neg``
        as ``vmaf_neg``.
    backend:
        ``'libvmaf'`` (in-process), ``'ffmpeg'`` (FFmpeg's libvmaf filter),
        ``'reference'`` (the NumPy reference), ``'native'`` (the compiled
        engine, when built), or any other name in :func:`backend_names`.
        None (default): ``'native'`` when it is built and computes every
        model and feature, with no ``library`` or ``cpumask`` given; when it
        computes only some, ``'native+libvmaf'``: libvmaf computes the rest
        in the same pass (:func:`score_shared`); otherwise ``'libvmaf'``
        (:func:`default_backend`).
    threads:
        Worker threads, 0 to 1024; None (default) uses the CPUs this process
        may use, at most 8; 0 scores on the calling thread. libvmaf, FFmpeg
        and native.
    subsample:
        Score every N-th frame, N >= 1 (motion still sees every frame).
    clip:
        Clip model scores to [0, 100] (libvmaf's default); ``False`` shows
        scores above 100, the tell-tale of rewarded enhancement.
    transform:
        The model's score transform: None keeps the model's setting,
        True/False force it on/off (FFmpeg cannot force it off).
    bitdepth:
        Bit depth of frames given as bare ``uint16`` arrays.
    frames:
        Score only the first N >= 1 frames of both (a common prefix); without
        it, clips of different lengths raise
        :class:`~pyvmafneg.errors.FrameCountMismatchError`.
    progress:
        Called with the number of frames done.
    scale:
        When the distorted clip's size differs from the reference's, scale it
        to the reference size with libswscale: ``'bicubic'`` (default),
        ``'lanczos'``, ``'bilinear'``, ``'neighbor'``, ``'spline'`` or
        ``'area'``; None refuses differing sizes.
    size:
        ``(width, height)``: score both clips scaled to this display size.
    offset:
        Drop the first N distorted frames before pairing (N < 0: the first -N
        reference frames). See :func:`pyvmafneg.io.prepare_pair`.
    convert_bitdepth:
        Convert both clips to this many bits (8, 10, 12 or 16; FFmpeg: 8 or
        10) where their depth differs, with libswscale as FFmpeg's
        ``format=yuv420p10le`` filter does (8 to 10 bits multiplies by 4).
        None (default) refuses clips of different depths with
        :class:`~pyvmafneg.errors.FormatMismatchError`.
    cpumask:
        libvmaf's CPU mask (``0x38``: its exact scalar ADM code); libvmaf and
        the reference only.
    library:
        A libvmaf shared library path; libvmaf only.
    ffmpeg:
        The FFmpeg executable; ffmpeg only.
    features:
        Extra libvmaf extractors in the same pass (``'psnr'``, ``'ssim'``,
        ``'ms_ssim'``, ``'ciede'``, ``'cambi'``, ``'psnr_hvs'``, with libvmaf
        options as ``'cambi:full_ref=true'``), under libvmaf's names in
        :attr:`Result.features`; libvmaf and FFmpeg compute every one, the
        native engine ``psnr``, ``ssim`` and ``ms_ssim`` (equal to libvmaf's values).
    model_intervals:
        Also score each model's bootstrapped twin (``vmaf_b_v0.6.3`` at the
        model's gain limits) for its per-frame 95 % interval, in
        :attr:`Result.model_intervals`; libvmaf (its model-collection API)
        and native (equal as doubles). Only the v0.6.1 family has a twin.

    Returns
    -------
    Result
        Per-frame model scores and features under libvmaf's names, pooling
        and the default-NEG gap; ``Result.backend`` names the backend.

    Raises
    ------
    BackendUnavailableError
        ``backend`` is unknown or cannot be loaded here.
    UnsupportedOptionError
        An option the backend cannot honour was given.
    FeatureError
        An unknown feature, or features asked of a backend without them.
    """
    options = ScoreOptions.from_arguments(locals())
    if backend is None:
        backend = default_backend(
            models,
            libvmaf_only=library is not None or cpumask != 0,
            features=None if features in OPTIONAL_KEYWORDS["features"] else features,
        )
    if backend == SHARED_BACKEND:
        return _score_shared(
            reference,
            distorted,
            models,
            options,
            features=features,
            threads=threads,
            model_intervals=model_intervals,
        )
    entry = get_backend(backend)
    given = {
        "threads": threads,
        "cpumask": cpumask,
        "library": library,
        "ffmpeg": ffmpeg,
        "features": features,
        "model_intervals": model_intervals,
    }
    honoured = {}
    for key, value in given.items():
        if key in entry.options:
            honoured[key] = value
        elif key == "features":
            from ._features import refuse_features

            refuse_features(value, entry.name)
        elif not any(
            value is v or (type(value) is type(v) and value == v) for v in OPTIONAL_KEYWORDS[key]
        ):
            supported = tuple(b.name for b in _BACKENDS.values() if key in b.options)
            raise UnsupportedOptionError(
                f"the {entry.name} backend cannot honour {key}={value!r}",
                advice=f"leave out {{{key}}} or use {{backend}}",
                options={key: ..., "backend": supported[0]},
                backend=entry.name,
                option=key,
                value=value,
                supported_by=supported,
            )
    function = entry.load()
    return function(reference, distorted, models, **options.keywords(), **honoured)
