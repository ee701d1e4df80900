"""The NumPy reference as a scoring backend: :class:`ReferenceScorer` and :func:`score_reference`.

Same interface and the same :class:`~pyvmafneg.results._result.Result` as the libvmaf
scorer (:class:`pyvmafneg.Scorer` / :func:`pyvmafneg.score`), computed by
this package's own NumPy reference of libvmaf 3.2.0's integer features
(:mod:`._vif`, :mod:`._adm`, :mod:`._motion`) and the SVM model every engine
shares (:mod:`pyvmafneg.engines._svm`).
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

from collections.abc import Callable, Iterable
from typing import Any

from ..._defaults import DEFAULT_SCALER
from ...errors import FrameError
from ...io._frame import ClipChecker, FrameLike
from ...results._result import Result
from .._integer import (
    ADM_KEYS,
    LIBVMAF_VERSION,
    MOTION_NAMES,
    SUPPORTED_MODELS,
    VIF_KEYS,
    IntegerModel,
    distinct_limits,
    feature_key,
    integer_model,
)
from .._models import ModelSpec, resolve_models
from .._motion import MotionScores
from .._options import ScoreOptions, check_threads
from .._paths import adm_kernel, kernel_for_cpumask
from .._scaffold import EngineOutput, StreamingScorer, score_clips
from ._adm import adm_features_multi
from ._motion import Motion
from ._vif import vif_features_multi

__all__ = [
    "LIBVMAF_VERSION",
    "SUPPORTED_MODELS",
    "ReferenceModel",
    "ReferenceScorer",
    "reference_model",
    "score_reference",
]

ProgressCallback = Callable[[int], None]

#: One model ready for the reference (the integer engines' model).
ReferenceModel = IntegerModel


def reference_model(
    spec: ModelSpec | str, *, clip: bool = True, transform: bool | None = None
) -> IntegerModel:
    """Load a model for the reference backend (:func:`~pyvmafneg.engines._integer.integer_model`).

    Raises
    ------
    ModelError
        For models the reference cannot compute (VMAF v1 and other built-ins,
        JSON models with other features or extractor options).
    GainLimitError
        For a gain limit outside [1, 100].
    """
    return integer_model(spec, clip=clip, transform=transform, backend="reference")


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
        :func:`~pyvmafneg.engines._paths.kernel_for_cpumask`). Only ADM
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

    Notes
    -----
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
        self.models = tuple(integer_model(s, clip=clip, transform=transform) for s in self.specs)
        self.bitdepth = bitdepth
        self.cpumask = int(cpumask)
        # Chosen again from the first frame's width, as the libvmaf binding chooses its path.
        self._fixed_kernel = kernel
        self.kernel = kernel_for_cpumask(self.cpumask) if kernel is None else kernel
        self._vif_limits = distinct_limits(m.vif_gain_limit for m in self.models)
        self._adm_limits = distinct_limits(m.adm_gain_limit for m in self.models)
        motion_keys = set(MOTION_NAMES.values())
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
        keys = [feature_key("adm", k, g) for g in self._adm_limits for k in ADM_KEYS]
        keys += [feature_key("vif", k, g) for g in self._vif_limits for k in VIF_KEYS]
        if self._needs_motion:
            keys += MOTION_NAMES.values()
        return keys

    def _score_pair(self, reference: FrameLike, distorted: FrameLike, index: int) -> None:
        ref, dis = self._check(reference, distorted, index)
        if index == 0 and self._fixed_kernel is None:
            self.kernel = adm_kernel(ref.luma.shape[1], self.cpumask)
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
                for k in ADM_KEYS:
                    values[feature_key("adm", k, g)] = feats[k]
        if self._vif_limits:
            for g, feats in vif_features_multi(ref, dis, bitdepth, self._vif_limits).items():
                for k in VIF_KEYS:
                    values[feature_key("vif", k, g)] = feats[k]
        return values

    def _finalize(self, index: int, motion: MotionScores | None) -> None:
        values = self._pending.pop(index, None)
        if values is None:  # a frame skipped by subsampling
            return
        if motion is not None:
            for key, name in MOTION_NAMES.items():
                values[name] = getattr(motion, key)
        for spec, model in zip(self.specs, self.models, strict=True):
            self._scores[spec.name].append(model.predict(values))
        for key in self.feature_keys:
            self._features.setdefault(key, []).append(values[key])
        self._frames.append(index)


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
    options = ScoreOptions.from_arguments(locals())
    return score_clips(
        lambda: ReferenceScorer(
            models, cpumask=cpumask, kernel=kernel, **options.scorer_keywords()
        ),
        reference,
        distorted,
        options,
    )
