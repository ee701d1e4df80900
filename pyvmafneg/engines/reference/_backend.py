"""The NumPy reference as a scoring backend: :class:`ReferenceScorer` and :func:`score_reference`.

Same interface and the same :class:`~pyvmafneg.results._result.Result` as the libvmaf
scorer (:class:`pyvmafneg.Scorer` / :func:`pyvmafneg.score`), computed by
this package's own NumPy reference of libvmaf 3.2.0's integer features
(:mod:`.vif`, :mod:`.adm`, :mod:`.motion`) and its SVM model (:mod:`.model`).
libvmaf is never loaded, so the two backends can be held against each other.

Keys are libvmaf's, the same set its log has: model scores under the model
names (``vmaf``, ``vmaf_neg`` by default) and every feature its extractors
write, ``integer_adm2``, ``integer_aim``, ``integer_adm3``,
``integer_adm_scale0..3``, ``integer_vif_scale0..3``, ``integer_motion2``,
``integer_motion3`` and ``VMAF_integer_feature_motion_sad_score``, plus, for
every gain limit other than libvmaf's default 100 that a model asks for, the
suffixed ADM and VIF variants libvmaf reports (``integer_adm2_egl_1``,
``integer_aim_egl_1``, ``integer_vif_scale0_egl_1``, ...; see
:func:`pyvmafneg.engines._models.feature_suffix`).

Each gain limit costs one pass of the shared work per frame: VIF scores
every limit from one filtering pass, ADM every limit from one wavelet
decomposition. Memory stays constant over a clip: motion keeps one previous
luma plane and the scorer keeps per-frame numbers only.

Example::

    from pyvmafneg.engines.reference import ReferenceScorer

    with ReferenceScorer(clip=False) as scorer:      # vmaf and vmaf_neg
        for ref, dis in zip(reference_frames, distorted_frames):
            scorer.feed(ref, dis)
        result = scorer.flush()
    print(result.pooled("vmaf_neg").mean, result["integer_adm2_egl_1"])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ...errors import FrameError, ModelError
from ...io._frame import ClipChecker, FrameLike
from ...io._prepare import DEFAULT_SCALER
from ...results._result import Result
from .._models import ModelSpec, check_gain_limit, feature_suffix, resolve_models
from .._options import check_threads, exact_cpumask
from .._scaffold import EngineOutput, StreamingScorer, score_clips
from ._adm import adm_features_multi, kernel_for_cpumask
from ._model import VmafModel, load_model
from ._motion import Motion, MotionScores
from ._vif import vif_features_multi

__all__ = [
    "LIBVMAF_VERSION",
    "SUPPORTED_MODELS",
    "ReferenceModel",
    "ReferenceScorer",
    "reference_model",
    "score_reference",
]

#: The libvmaf release whose integer features the reference reproduces.
LIBVMAF_VERSION: Final[str] = "3.2.0"

#: Built-in model names the reference scores, and the bundled JSON each loads.
#: ``vmaf_4k_v0.6.1neg`` is the 4K model with both gain limits at 1.0 (its
#: limits come from :attr:`pyvmafneg.engines._models.ModelSpec.effective_limits`).
SUPPORTED_MODELS: Final[Mapping[str, str]] = {
    "vmaf_v0.6.1": "vmaf_v0.6.1",
    "vmaf_v0.6.1neg": "vmaf_v0.6.1neg",
    "vmaf_4k_v0.6.1": "vmaf_4k_v0.6.1",
    "vmaf_4k_v0.6.1neg": "vmaf_4k_v0.6.1",
}

#: ADM features in libvmaf's order (each gain limit's extractor writes all of them).
_ADM_KEYS: Final[tuple[str, ...]] = (
    "adm2",
    "aim",
    "adm3",
    "adm_scale0",
    "adm_scale1",
    "adm_scale2",
    "adm_scale3",
)
_VIF_KEYS: Final[tuple[str, ...]] = tuple(f"vif_scale{s}" for s in range(4))
#: Motion features (always at the default options) -> libvmaf's log names.
_MOTION_NAMES: Final[Mapping[str, str]] = {
    "sad": "VMAF_integer_feature_motion_sad_score",
    "motion2": "integer_motion2",
    "motion3": "integer_motion3",
}
_DEFAULT_LIMIT: Final[float] = 100.0

#: Model feature name (``model_dict.feature_names``) -> (extractor, reference key).
_MODEL_FEATURES: Final[Mapping[str, tuple[str, str]]] = {
    **{f"VMAF_integer_feature_{k}_score": ("adm", k) for k in _ADM_KEYS},
    **{f"VMAF_integer_feature_{k}_score": ("vif", k) for k in _VIF_KEYS},
    "VMAF_integer_feature_motion2_score": ("motion", "motion2"),
    "VMAF_integer_feature_motion3_score": ("motion", "motion3"),
}
#: Extractor options the reference understands in a JSON model's ``feature_opts_dicts``.
_KNOWN_OPTS: Final[Mapping[str, str]] = {
    "adm": "adm_enhn_gain_limit",
    "vif": "vif_enhn_gain_limit",
}

ProgressCallback = Callable[[int], None]


def _feature_key(extractor: str, key: str, limit: float) -> str:
    """libvmaf's log name of a reference feature at a gain limit."""
    if extractor == "motion":
        return _MOTION_NAMES[key]
    return f"integer_{key}{feature_suffix(limit)}"


@dataclass(frozen=True, eq=False)
class ReferenceModel:
    """One model ready for the reference: the SVM, its gain limits and its inputs.

    Attributes
    ----------
    spec:
        The :class:`~pyvmafneg.engines._models.ModelSpec` it was made from.
    model:
        The loaded :class:`~pyvmafneg.engines.reference._model.VmafModel` (clip and
        transform already set as requested).
    vif_gain_limit, adm_gain_limit:
        Gain limits in force, in [1, 100]; None when the model reads no VIF
        (or no ADM) feature.
    inputs:
        ``(model feature name, Result key)`` pairs in the model's order, e.g.
        ``("VMAF_integer_feature_adm2_score", "integer_adm2_egl_1")``.
    """

    spec: ModelSpec
    model: VmafModel
    vif_gain_limit: float | None
    adm_gain_limit: float | None
    inputs: tuple[tuple[str, str], ...]

    def predict(self, features: Mapping[str, float]) -> float:
        """Score one frame from its features keyed by Result names."""
        return self.model.predict({name: features[key] for name, key in self.inputs})


def reference_model(
    spec: ModelSpec | str, *, clip: bool = True, transform: bool | None = None
) -> ReferenceModel:
    """Load a model for the reference backend.

    Parameters
    ----------
    spec:
        A :class:`~pyvmafneg.engines._models.ModelSpec` or model string (see
        :func:`pyvmafneg.engines._models.parse_model`): one of :data:`SUPPORTED_MODELS`
        or the path of a libvmaf JSON model whose features are integer ADM
        (``adm2``, ``aim``, ``adm3``, scales), VIF and motion (``motion2``,
        ``motion3``) features at libvmaf's default options but the gain limits.
    clip:
        Clip scores to the model's ``score_clip`` (libvmaf's default).
    transform:
        None keeps the model's own ``score_transform`` setting; True/False
        force it on/off.

    Raises
    ------
    ModelError
        For models the reference cannot compute (VMAF v1 and other built-ins,
        JSON models with other features or extractor options).
    GainLimitError
        For a gain limit outside [1, 100].
    """
    spec = resolve_models([spec])[0]
    if spec.is_path:
        source = spec.source
    elif spec.source in SUPPORTED_MODELS:
        source = SUPPORTED_MODELS[spec.source]
    else:
        raise ModelError(
            f"the reference backend cannot score {spec.source!r}: it computes the v0.6.1 "
            f"features only, for the models {', '.join(SUPPORTED_MODELS)} (or a JSON model "
            "using integer ADM, VIF and motion)",
            advice="score it with {backend} instead",
            options={"backend": "libvmaf"},
            model=spec.source,
        )
    try:
        model = load_model(source, enable_transform=transform is True, disable_clip=not clip)
    except ValueError as exc:
        raise ModelError(
            f"cannot load model {spec.source!r} for the reference: {exc}", model=spec.source
        ) from None
    if transform is False and model.transform.enabled:
        model = dataclasses.replace(
            model, transform=dataclasses.replace(model.transform, enabled=False)
        )

    used: set[str] = set()
    for name, opts in zip(model.feature_names, model.feature_opts, strict=True):
        if name not in _MODEL_FEATURES:
            raise ModelError(
                f"model {spec.source!r} reads the feature {name!r}, which the reference does "
                f"not compute (it has {', '.join(_MODEL_FEATURES)})",
                advice="use {backend}",
                options={"backend": "libvmaf"},
                model=spec.source,
            )
        extractor = _MODEL_FEATURES[name][0]
        extra = set(opts) - {_KNOWN_OPTS.get(extractor, "")}
        if extra:
            raise ModelError(
                f"model {spec.source!r} sets {', '.join(sorted(extra))} on {name!r}; the "
                "reference supports only the default extractor options and the enhancement "
                "gain limits",
                advice="use {backend}",
                options={"backend": "libvmaf"},
                model=spec.source,
            )
        used.add(extractor)

    try:
        json_limits = (model.vif_gain_limit, model.adm_gain_limit)
    except ValueError as exc:
        raise ModelError(f"model {spec.source!r}: {exc}", model=spec.source) from None
    base = json_limits if spec.is_path else spec.effective_limits
    vif = spec.vif_gain_limit if spec.vif_gain_limit is not None else base[0]
    adm = spec.adm_gain_limit if spec.adm_gain_limit is not None else base[1]
    vif_limit = check_gain_limit(vif, "vif_enhn_gain_limit") if "vif" in used else None
    adm_limit = check_gain_limit(adm, "adm_enhn_gain_limit") if "adm" in used else None

    limits = {"vif": vif_limit, "adm": adm_limit, "motion": _DEFAULT_LIMIT}
    inputs = []
    for name in model.feature_names:
        extractor, key = _MODEL_FEATURES[name]
        inputs.append((name, _feature_key(extractor, key, limits[extractor] or _DEFAULT_LIMIT)))
    return ReferenceModel(spec, model, vif_limit, adm_limit, tuple(inputs))


class ReferenceScorer(StreamingScorer):
    """Score (reference, distorted) pairs with the NumPy reference, streaming.

    A drop-in for :class:`pyvmafneg.Scorer` without libvmaf: same ``models``,
    ``subsample``, ``clip``, ``transform`` and ``bitdepth`` arguments, same
    :meth:`feed` / :meth:`flush` / :meth:`close` and context-manager use,
    same :class:`~pyvmafneg.results._result.Result` (``backend='reference'``).

    Parameters
    ----------
    models:
        Models to score with (see :func:`reference_model`); default
        ``vmaf_v0.6.1`` as ``vmaf`` and ``vmaf_v0.6.1neg`` as ``vmaf_neg``.
        Gain-limit overloads (``vif_enhn_gain_limit``, ``adm_enhn_gain_limit``
        in [1, 100]) work as with libvmaf.
    subsample:
        Score every N-th frame (1 = all); motion still sees every frame.
    clip:
        Clip model scores to [0, 100]; False shows scores above 100.
    transform:
        None: the model's own score-transform setting; True/False: on/off.
    bitdepth:
        Bit depth of frames passed as bare ``uint16`` arrays; ignored for
        :class:`~pyvmafneg.io._frame.Frame` objects.
    cpumask:
        The libvmaf code path to reproduce, as :class:`pyvmafneg.Scorer`'s
        ``cpumask``: 0 (default) is the path libvmaf takes on this CPU,
        ``0xffff`` its portable C code (see
        :func:`~pyvmafneg.engines.reference._adm.kernel_for_cpumask`). Only ADM
        depends on it: the masking of near-full-scale coefficients and the
        rounding of non-integer gain limits. With 0, frame widths where
        libvmaf's vector ADM disagrees with its scalar code
        (:data:`~pyvmafneg.engines._options.VECTOR_MISMATCH_WIDTHS`) take the
        scalar path, as :class:`pyvmafneg.Scorer` does.
    kernel:
        None (default): the ADM path follows ``cpumask``. A kernel name
        (``"c"``, ``"avx2"``, ``"avx512"`` or
        :data:`~pyvmafneg.engines.reference._adm.FFMPEG_AVX2_KERNEL`) fixes
        it for every frame width, e.g. to reproduce another libvmaf build.

    Frames may be any pixel format (4:2:0, 4:2:2, 4:4:4, 4:0:0; only luma is
    used) at 8, 10, 12 or 16 bits, at least 33x33 pixels. Use from threads
    as :class:`pyvmafneg.Scorer`: one thread at a time.
    """

    backend = "reference"

    def __init__(
        self,
        models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
        *,
        subsample: int = 1,
        clip: bool = True,
        transform: bool | None = None,
        bitdepth: int | None = None,
        cpumask: int = 0,
        kernel: str | None = None,
    ) -> None:
        _, self.subsample = check_threads(0, subsample)
        super().__init__(resolve_models(models), clip=clip)
        self.models = tuple(reference_model(s, clip=clip, transform=transform) for s in self.specs)
        self.bitdepth = bitdepth
        self.cpumask = int(cpumask)
        # Chosen again from the first frame's width, as the libvmaf binding chooses its path.
        self._fixed_kernel = kernel
        self.kernel = kernel_for_cpumask(self.cpumask) if kernel is None else kernel
        self._vif_limits = _distinct(m.vif_gain_limit for m in self.models)
        self._adm_limits = _distinct(m.adm_gain_limit for m in self.models)
        motion_keys = set(_MOTION_NAMES.values())
        self._needs_motion = any(k in motion_keys for m in self.models for _, k in m.inputs)
        self._motion: Motion | None = None
        self._check = ClipChecker(bitdepth)
        self._pending: dict[int, dict[str, float]] = {}
        self._frames: list[int] = []
        self._scores: dict[str, list[float]] = {s.name: [] for s in self.specs}
        self._features: dict[str, list[float]] = {}

    def __enter__(self) -> ReferenceScorer:
        return self

    @property
    def feature_keys(self) -> list[str]:
        """Result keys of the features this scorer computes (libvmaf's names)."""
        keys = [_feature_key("adm", k, g) for g in self._adm_limits for k in _ADM_KEYS]
        keys += [_feature_key("vif", k, g) for g in self._vif_limits for k in _VIF_KEYS]
        if self._needs_motion:
            keys += _MOTION_NAMES.values()
        return keys

    def _score_pair(self, reference: FrameLike, distorted: FrameLike, index: int) -> None:
        ref, dis = self._check(reference, distorted, index)
        if index == 0 and self._fixed_kernel is None:
            self.kernel = kernel_for_cpumask(exact_cpumask(ref.luma.shape[1], self.cpumask))
        if self._motion is None:
            self._motion = Motion(ref.bitdepth)
        try:
            if index % self.subsample == 0:
                self._pending[index] = self._frame_features(ref.luma, dis.luma, ref.bitdepth)
            # Without motion in any model, a frame is final at once.
            final: list[tuple[int, MotionScores | None]] = [(index, None)]
            if self._needs_motion:
                final = list(self._motion.push(ref.luma))
        except ValueError as exc:  # the reference's own input checks
            raise FrameError(f"frame {index}: {exc}") from None
        for i, motion in final:
            self._finalize(i, motion)

    def _finish(self) -> EngineOutput:
        if self._needs_motion and self._motion is not None:
            for i, motion in self._motion.flush():
                self._finalize(i, motion)
        if self._pending:  # pragma: no cover - motion finalizes every frame
            raise RuntimeError(f"frames {sorted(self._pending)} were never finalized")
        self._motion = None
        from ..._version import package_version

        return EngineOutput(
            frames=self._frames,
            scores=self._scores,
            features=self._features,
            version=f"{LIBVMAF_VERSION} (pyvmafneg {package_version()} NumPy reference)",
        )

    def _release(self) -> None:
        self._motion = None
        self._pending.clear()

    # -- internals --------------------------------------------------------------
    def _frame_features(self, ref: Any, dis: Any, bitdepth: int) -> dict[str, float]:
        values: dict[str, float] = {}
        if self._adm_limits:
            adm = adm_features_multi(ref, dis, bitdepth, self._adm_limits, kernel=self.kernel)
            for g, feats in adm.items():
                for k in _ADM_KEYS:
                    values[_feature_key("adm", k, g)] = feats[k]
        if self._vif_limits:
            for g, feats in vif_features_multi(ref, dis, bitdepth, self._vif_limits).items():
                for k in _VIF_KEYS:
                    values[_feature_key("vif", k, g)] = feats[k]
        return values

    def _finalize(self, index: int, motion: MotionScores | None) -> None:
        values = self._pending.pop(index, None)
        if values is None:  # a frame skipped by subsampling
            return
        if motion is not None:
            for key, name in _MOTION_NAMES.items():
                values[name] = getattr(motion, key)
        for spec, model in zip(self.specs, self.models, strict=True):
            self._scores[spec.name].append(model.predict(values))
        for key in self.feature_keys:
            self._features.setdefault(key, []).append(values[key])
        self._frames.append(index)


def _distinct(limits: Iterable[float | None]) -> tuple[float, ...]:
    """The distinct gain limits in use, default (100) first."""
    found = {g for g in limits if g is not None}
    return tuple(sorted(found, key=lambda g: (g != _DEFAULT_LIMIT, g)))


def score_reference(
    reference: Iterable[FrameLike],
    distorted: Iterable[FrameLike],
    models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
    *,
    subsample: int = 1,
    clip: bool = True,
    transform: bool | None = None,
    bitdepth: int | None = None,
    cpumask: int = 0,
    kernel: str | None = None,
    frames: int | None = None,
    progress: ProgressCallback | None = None,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | str | None = None,
    offset: int = 0,
    convert_bitdepth: int | None = None,
) -> Result:
    """Score two clips with the NumPy reference (``pyvmafneg.score(..., backend='reference')``).

    ``reference`` and ``distorted`` are frame iterables, opened videos or
    paths of self-describing files; see :func:`pyvmafneg.score` for them and
    for ``frames``, ``progress``, ``scale``, ``size``, ``offset`` and ``convert_bitdepth``. Other
    parameters are those of :class:`ReferenceScorer`.

    Returns
    -------
    Result
        Per-frame model scores and features under libvmaf's names,
        ``backend='reference'``.
    """
    return score_clips(
        lambda: ReferenceScorer(
            models,
            subsample=subsample,
            clip=clip,
            transform=transform,
            bitdepth=bitdepth,
            cpumask=cpumask,
            kernel=kernel,
        ),
        reference,
        distorted,
        frames=frames,
        progress=progress,
        scale=scale,
        size=size,
        offset=offset,
        bitdepth=bitdepth,
        convert_bitdepth=convert_bitdepth,
    )
