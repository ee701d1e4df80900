"""The native engine as a scoring backend: :class:`NativeScorer` and :func:`score_native`.

Same interface and the same :class:`~pyvmafneg.results._result.Result` as the
libvmaf scorer (:class:`pyvmafneg.Scorer`) and the NumPy reference
(:class:`~pyvmafneg.engines.reference.ReferenceScorer`); the features come from
the compiled engine (``csrc/``), the model prediction from the SVM code every
engine shares (:mod:`pyvmafneg.engines._svm`, libvmaf's doubles).

Feature keys are libvmaf's (``integer_vif_scale0``, ``integer_vif_scale0_egl_1``,
``integer_adm2_egl_1``, ``integer_motion2``, ...), plus the engine's cap-share
features, one per scale and VIF gain limit in use:

``integer_vif_cap_share_scale{s}`` + the gain limit's suffix (``_egl_1`` for 1.0,
none for libvmaf's default 100)
    The share of VIF locations of scale ``s`` (0 = full resolution) where the
    local gain g = sigma12 / sigma1^2 exceeded the limit and was held at it, in
    [0, 1]: capped locations / all locations of the scale (the same count as
    :attr:`pyvmafneg.engines.reference.VifExplain.cap_fraction`).
``integer_adm_cap_share_scale{s}`` + the suffix
    The share of ADM detail coefficients of scale ``s`` inside the pooled
    window (three orientations) whose restored value was held at
    ``limit * restored`` instead of the distorted coefficient, in [0, 1]
    (the reference's ``adm_explain`` cap map over the window).

Every gain limit the models ask for is scored from one filtering pass per frame.
With ``threads`` > 0 frames are scored on a pool of threads (the engine releases
the GIL); each frame's luma planes are copied once. Small frames go to a worker
in batches (about 1.5 million pixels, at most 8 frames, one engine call a batch);
at most ``2 * threads`` batches are in flight, so memory stays flat over a clip.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Final

import numpy as np
from numpy.typing import NDArray

from ..._defaults import DEFAULT_SCALER
from ...errors import FeatureError, FrameError, ModelError
from ...io._frame import ClipChecker, Frame, FrameLike
from ...results._model_interval import ModelInterval
from ...results._result import Result
from .._collection import collection_outputs, collections_for, load_collection
from .._features import FEATURES, FeatureSpec, resolve_features
from .._integer import (
    ADM_KEYS,
    LIBVMAF_VERSION,
    MOTION_NAMES,
    SUPPORTED_MODELS,
    IntegerModel,
    distinct_limits,
    integer_model,
)
from .._models import ModelSpec, feature_suffix, resolve_models
from .._motion import MotionChain, MotionScores
from .._options import ScoreOptions, check_threads, scalar_rule_cpumask
from .._paths import ADM_KERNELS, default_kernel, kernel_for_cpumask
from .._scaffold import EngineOutput, StreamingScorer, score_clips
from . import _kernels
from ._group import current_group
from ._metrics import NativeMetrics, split_features

__all__ = [
    "SUPPORTED_MODELS",
    "NativeScorer",
    "cap_share_key",
    "native_model",
    "score_native",
]

#: Frames handed to a worker at once: about this many pixels, at most _MAX_BATCH frames.
_BATCH_PIXELS: Final[int] = 1_500_000
_MAX_BATCH: Final[int] = 8
#: A frame waiting for a worker: index, previous reference luma, reference and distorted luma,
#: and the chroma planes PSNR needs (or None).
_Queued = tuple[
    int,
    NDArray[np.unsignedinteger] | None,
    NDArray[np.unsignedinteger],
    NDArray[np.unsignedinteger],
    "_kernels.Chroma | None",
]

ProgressCallback = Callable[[int], None]


def cap_share_key(scale: int, gain_limit: float, extractor: str = "vif") -> str:
    """Result key of the cap share of ``scale`` (0..3) at ``gain_limit`` (``vif`` or ``adm``)."""
    return f"integer_{extractor}_cap_share_scale{scale}{feature_suffix(gain_limit)}"


def native_model(
    spec: ModelSpec | str, *, clip: bool = True, transform: bool | None = None
) -> IntegerModel:
    """Load a model for the native engine (the same models the NumPy reference scores).

    Raises
    ------
    ModelError
        For models whose features the engine does not compute (VMAF v1 with
        CAMBI and chroma features, other extractor options); they need the
        libvmaf backend.
    GainLimitError
        For a gain limit outside [1, 100].
    """
    try:
        return integer_model(spec, clip=clip, transform=transform, backend="native")
    except ModelError as exc:
        name = spec.source if isinstance(spec, ModelSpec) else str(spec)
        raise ModelError(
            f"the native backend cannot score {name!r}: it computes libvmaf's integer ADM, VIF "
            f"and motion features, enough for {', '.join(SUPPORTED_MODELS)}, their gain-limit "
            "overloads and JSON models built on those features; score it with "
            f"backend='libvmaf' ({exc})"
        ) from None


def _aligned(plane: NDArray[np.unsignedinteger]) -> NDArray[np.unsignedinteger]:
    """``plane``, or an aligned copy of it where its samples are misaligned in memory."""
    return plane if plane.flags.aligned else np.array(plane, copy=True)


class NativeScorer(StreamingScorer):
    """Score (reference, distorted) pairs with the native engine, streaming.

    A drop-in for :class:`pyvmafneg.Scorer`: same ``models``, ``threads``,
    ``subsample``, ``clip``, ``transform`` and ``bitdepth`` arguments, same
    :meth:`feed` / :meth:`flush` / :meth:`close` and context-manager use, same
    :class:`~pyvmafneg.results._result.Result` (``backend='native'``).

    Parameters
    ----------
    models:
        Models to score with (see :func:`native_model`); default
        ``vmaf_v0.6.1`` as ``vmaf`` and ``vmaf_v0.6.1neg`` as ``vmaf_neg``.
    threads:
        Worker threads scoring frames in parallel (0 = on the calling thread).
    subsample:
        Score every N-th frame (1 = all); motion still sees every frame.
    clip:
        Clip model scores to [0, 100]; False shows scores above 100.
    transform:
        None: the model's own score-transform setting; True/False: on/off.
    bitdepth:
        Bit depth of frames passed as bare ``uint16`` arrays.
    simd:
        Kernel level: ``'c'``, ``'avx2'`` or ``'avx512'`` (identical numbers);
        None uses ``$PYVMAFNEG_NATIVE_SIMD`` or the best this CPU runs.
    features:
        Extra metrics computed in the same per-frame call: libvmaf's ``psnr``,
        ``float_ssim`` (``'ssim'``) and ``float_ms_ssim`` (``'ms_ssim'``), with the
        options listed in
        :mod:`pyvmafneg.engines.native._metrics`; their values land in
        :attr:`Result.features` under libvmaf's names, equal to libvmaf's.

    Raises
    ------
    BackendUnavailableError
        When the engine is not compiled in this installation.
    FeatureError
        For a feature the engine does not compute (score those with libvmaf).

    Notes
    -----
    Use from threads as :class:`pyvmafneg.Scorer`: one thread at a time.
    """

    backend = "native"

    def __init__(
        self,
        models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
        *,
        threads: int = 0,
        subsample: int = 1,
        clip: bool = True,
        transform: bool | None = None,
        bitdepth: int | None = None,
        simd: str | None = None,
        features: Iterable[str | FeatureSpec] | str | None = None,
        model_intervals: bool = False,
    ) -> None:
        self.simd = _kernels.resolve_simd(simd)  # raises BackendUnavailableError first
        self.features, others = split_features(resolve_features(features))
        if others:
            raise FeatureError(
                f"the native backend computes psnr, float_ssim and float_ms_ssim, not "
                f"{', '.join(s.describe() for s in others)}; score them with the 'libvmaf' "
                "backend, or leave the backend unnamed to have libvmaf compute only those",
                feature=others[0].describe(),
                known=tuple(FEATURES),
                backend="native",
            )
        self._metrics: NativeMetrics | None = None
        self.threads, self.subsample = check_threads(threads, subsample)
        super().__init__(resolve_models(models, allow_none=bool(self.features)), clip=clip)
        self.models = tuple(native_model(s, clip=clip, transform=transform) for s in self.specs)
        self.collections = collections_for(self.specs) if model_intervals else ()
        self._collection = (
            load_collection(clip=clip, transform=transform) if self.collections else None
        )
        self.bitdepth = bitdepth
        # libvmaf's scale-0 ADM masking path on this CPU (what it computes by default)
        self._adm_lanes = ADM_KERNELS[default_kernel()]
        self._vif_limits = distinct_limits(m.vif_gain_limit for m in self.models)
        self._adm_limits = distinct_limits(m.adm_gain_limit for m in self.models)
        motion_keys = set(MOTION_NAMES.values())
        self._needs_motion = any(k in motion_keys for m in self.models for _, k in m.inputs)
        self._check = ClipChecker(bitdepth)
        self._chain = MotionChain()
        self._prev_ref: NDArray[np.unsignedinteger] | None = None
        self._pool = ThreadPoolExecutor(self.threads) if self.threads > 0 else None
        self._kernels = _kernels.FrameKernels(
            self._vif_limits, self._adm_limits, self._adm_lanes, self.simd
        )
        self._feature_keys: list[str] | None = None
        self._inflight: deque[tuple[list[int], Future[NDArray[np.float64]]]] = deque()
        self._batch: list[_Queued] = []
        self._batch_bitdepth = 8
        self._pending: dict[int, NDArray[np.float64]] = {}
        self._frames: list[int] = []
        self._rows: list[NDArray[np.float64]] = []
        self._motion: list[tuple[float, float, float]] = []
        self._cols: dict[str, NDArray[np.float64]] = {}
        # score_many's runs against one reference score their frames together
        joined = current_group()
        self._group, self._member = joined if joined is not None else (None, 0)

    def __enter__(self) -> NativeScorer:
        return self

    @property
    def feature_keys(self) -> list[str]:
        """Result keys of the features this scorer writes (libvmaf's names, then cap shares)."""
        if self._feature_keys is not None:
            return list(self._feature_keys)
        keys = [f"integer_{k}{feature_suffix(g)}" for g in self._adm_limits for k in ADM_KEYS]
        keys += [
            f"integer_vif_scale{s}{feature_suffix(g)}" for g in self._vif_limits for s in range(4)
        ]
        if self._needs_motion:
            keys += MOTION_NAMES.values()
        keys += [cap_share_key(s, g) for g in self._vif_limits for s in range(4)]
        keys += [cap_share_key(s, g, "adm") for g in self._adm_limits for s in range(4)]
        if self._metrics is not None:
            keys += self._metrics.keys
        if self._metrics is None and self.features:
            return keys  # the metric names follow from the first frame
        self._feature_keys = keys
        return list(keys)

    # -- scoring ----------------------------------------------------------------
    def _frame(
        self,
        index: int,
        prev: NDArray[np.unsignedinteger] | None,
        ref: NDArray[np.unsignedinteger],
        dis: NDArray[np.unsignedinteger],
        bitdepth: int,
        chroma: _kernels.Chroma | None = None,
    ) -> NDArray[np.float64]:
        """One frame's row of engine outputs (see :class:`_kernels.FrameKernels`)."""
        prev = prev if self._needs_motion else None
        features = not index % self.subsample
        if self._group is not None:
            frames = [(prev, ref, dis, features)]
            rows = self._group.rows(
                self._member, self._kernels, (index,), frames, bitdepth, [chroma]
            )
            return rows[0]
        return self._kernels.run(prev, ref, dis, bitdepth, features, chroma)

    def _start_metrics(self, ref: Frame) -> None:
        """Set up PSNR, SSIM and MS-SSIM for the clip's geometry (first frame)."""
        metrics = NativeMetrics.for_clip(
            self.features,
            bitdepth=ref.bitdepth,
            pixel_format=ref.pixel_format,
            width=ref.width,
            height=ref.height,
        )
        try:
            if metrics.settings.ssim:
                _kernels.check_ssim_size(ref.width, ref.height, metrics.settings.ssim_scale)
            if metrics.settings.ms_ssim:
                _kernels.check_ms_ssim_size(ref.width, ref.height)
        except FrameError as exc:
            raise FrameError(f"frame 0: {exc}") from None
        self._metrics = metrics
        self._kernels = _kernels.FrameKernels(
            self._vif_limits, self._adm_limits, self._adm_lanes, self.simd, metrics.settings
        )
        self._feature_keys = None

    def _chroma(self, ref: Frame, dis: Frame, copy: bool) -> _kernels.Chroma | None:
        if self._metrics is None or self._metrics.settings.psnr_planes != 3:
            return None
        # libvmaf's pictures hold subsampled chroma sizes rounded down (w >> 1), so an odd
        # size's last chroma column or row is not part of its PSNR
        h, w = ref.height, ref.width
        fmt = ref.pixel_format
        ch, cw = (h >> 1 if fmt == "420" else h), (w if fmt == "444" else w >> 1)
        planes = tuple(p[:ch, :cw] for p in (*ref.planes[1:3], *dis.planes[1:3]))
        if copy:
            return tuple(np.array(p, copy=True) for p in planes)  # type: ignore[return-value]
        return tuple(  # type: ignore[return-value]
            _aligned(p) if p.flags.c_contiguous else np.ascontiguousarray(p) for p in planes
        )

    def _score_pair(self, reference: FrameLike, distorted: FrameLike, index: int) -> None:
        ref, dis = self._check(reference, distorted, index)
        if index == 0:
            if self.features:
                self._start_metrics(ref)
            # libvmaf's ADM path for this width, as the libvmaf binding chooses it (its
            # scalar code where its vector code disagrees with it, or where it is not
            # repeatable: the widths the libvmaf engine refuses without a cpumask)
            width = ref.luma.shape[1]
            self._adm_lanes = ADM_KERNELS[kernel_for_cpumask(scalar_rule_cpumask(width, 0))]
            self._kernels.lanes = self._adm_lanes
        bitdepth = ref.bitdepth
        prev = self._prev_ref
        if self._pool is None:
            # a plane at an address its sample type may not be loaded from (a uint16
            # view at an odd offset) is copied here, before any C code sees it
            ref_y, dis_y = _aligned(ref.luma), _aligned(dis.luma)
            try:
                row = self._frame(
                    index, prev, ref_y, dis_y, bitdepth, self._chroma(ref, dis, False)
                )
            except ValueError as exc:
                raise FrameError(f"frame {index}: {exc}") from None
            # motion needs this reference plane with the next frame: keep one copy
            self._prev_ref = np.array(ref_y, copy=True) if self._needs_motion else None
            self._collect(index, row)
            return
        # Threads: the frame's planes are copied once (the caller may reuse its buffers).
        # Small frames go to the workers in batches, one engine call a batch, so a worker
        # takes the interpreter lock once per batch rather than once per frame.
        ref_y = np.array(ref.luma, copy=True)
        dis_y = np.array(dis.luma, copy=True)
        self._batch.append((index, prev, ref_y, dis_y, self._chroma(ref, dis, True)))
        self._batch_bitdepth = bitdepth
        self._prev_ref = ref_y if self._needs_motion else None
        if len(self._batch) >= max(1, min(_MAX_BATCH, _BATCH_PIXELS // max(1, ref_y.size))):
            self._submit()
        while len(self._inflight) > 2 * self.threads:
            self._drain_one()

    def _submit(self) -> None:
        batch, self._batch = self._batch, []
        if not batch or self._pool is None:
            return
        fut = self._pool.submit(self._batch_rows, batch, self._batch_bitdepth)
        self._inflight.append(([index for index, *_ in batch], fut))

    def _batch_rows(self, batch: list[_Queued], bitdepth: int) -> NDArray[np.float64]:
        """Rows of a batch of frames (worker side)."""
        motion = self._needs_motion
        items = [
            (prev if motion else None, ref, dis, not index % self.subsample)
            for index, prev, ref, dis, _ in batch
        ]
        chroma = [c for *_, c in batch]
        try:
            if self._group is not None:
                key = tuple(index for index, *_ in batch)
                return self._group.rows(self._member, self._kernels, key, items, bitdepth, chroma)
            return self._kernels.run_batch(items, bitdepth, chroma)
        except ValueError:
            for index, prev, ref, dis, c in batch:  # name the frame at fault
                try:
                    features = not index % self.subsample
                    self._kernels.run(prev if motion else None, ref, dis, bitdepth, features, c)
                except ValueError as exc:
                    raise FrameError(f"frame {index}: {exc}") from None
            raise

    def _drain_one(self) -> None:
        indices, fut = self._inflight.popleft()
        try:
            rows = fut.result()
        except FrameError:
            raise
        except ValueError as exc:  # pragma: no cover - the frame checks come first
            raise FrameError(f"frame {indices[0]}: {exc}") from None
        for index, row in zip(indices, rows, strict=True):
            self._collect(index, row)

    def _collect(self, index: int, row: NDArray[np.float64]) -> None:
        if not index % self.subsample:
            self._pending[index] = row
        if self._needs_motion:
            sad = float(row[self._kernels.sad_index])
            for i, motion in self._chain.push(None if index == 0 else sad):
                self._finalize(i, motion)
        else:
            self._finalize(index, None)

    def _finalize(self, index: int, motion: MotionScores | None) -> None:
        row = self._pending.pop(index, None)
        if row is None:  # a frame skipped by subsampling
            return
        self._rows.append(row)
        if motion is not None:
            self._motion.append((motion.sad, motion.motion2, motion.motion3))
        self._frames.append(index)

    def _columns(self) -> dict[str, list[float]]:
        """Every feature over the scored frames, keyed by Result name."""
        kn = self._kernels
        rows = np.array(self._rows, dtype=np.float64).reshape(len(self._rows), kn.size)
        cols: dict[str, NDArray[np.float64]] = {}
        n_adm = kn.adm_width
        for i, g in enumerate(self._adm_limits):
            suffix = feature_suffix(g)
            for j, k in enumerate(ADM_KEYS):
                cols[f"integer_{k}{suffix}"] = rows[:, i * n_adm + j]
            for s in range(4):
                cols[cap_share_key(s, g, "adm")] = rows[:, i * n_adm + 7 + s]
        v0, c0 = kn.vif_slice.start, kn.capped_slice.start
        for i, g in enumerate(self._vif_limits):
            suffix = feature_suffix(g)
            for s in range(4):
                cols[f"integer_vif_scale{s}{suffix}"] = rows[:, v0 + 4 * i + s]
                # capped / locations: both exact integers, so the quotient is Python's int / int
                locations = float(kn.locations[s]) if kn.locations is not None else 1.0
                cols[cap_share_key(s, g)] = rows[:, c0 + 4 * i + s] / locations
        if self._needs_motion:
            motion = np.array(self._motion, dtype=np.float64).reshape(len(self._motion), 3)
            for j, key in enumerate(("sad", "motion2", "motion3")):
                cols[MOTION_NAMES[key]] = motion[:, j]
        if self._metrics is not None:
            cols.update(self._metrics.columns(rows[:, kn.metric_slice]))
        self._cols = cols
        return {key: cols[key].tolist() for key in self.feature_keys}

    def _finish(self) -> EngineOutput:
        self._submit()
        while self._inflight:
            self._drain_one()
        if self._needs_motion:
            for i, motion in self._chain.flush():
                self._finalize(i, motion)
        if self._pending:  # pragma: no cover - motion finalizes every frame
            raise RuntimeError(f"frames {sorted(self._pending)} were never finalized")
        self._shutdown()
        features = self._columns()
        scores: dict[str, list[float]] = {}
        for spec, model in zip(self.specs, self.models, strict=True):
            # the SVM once per clip, each score equal as a double to the frame's own prediction
            x = np.column_stack([self._cols[key] for _, key in model.inputs])
            scores[spec.name] = model.model.predict_rows(x.reshape(len(self._rows), -1))
        intervals = {}
        for cspec in self.collections:
            # the twin reads the very features of its model: only the SVMs differ
            model = next(
                m for s, m in zip(self.specs, self.models, strict=True) if s.name == cspec.model
            )
            x = np.column_stack([self._cols[key] for _, key in model.inputs])
            assert self._collection is not None
            if tuple(n for n, _ in model.inputs) != self._collection.main.feature_names:
                raise ModelError(f"{cspec.describe()} reads other features than {cspec.model!r}")
            outputs = collection_outputs(self._collection, x.reshape(len(self._rows), -1))
            intervals[cspec.model] = ModelInterval(
                cspec.model,
                cspec.describe(),
                score=np.asarray(outputs["score"]),
                bagging=np.asarray(outputs["bagging"]),
                stddev=np.asarray(outputs["stddev"]),
                low=np.asarray(outputs["low"]),
                high=np.asarray(outputs["high"]),
            )
        self._rows.clear()
        self._motion.clear()
        from ..._version import package_version

        return EngineOutput(
            frames=self._frames,
            scores=scores,
            features=features,
            version=f"{LIBVMAF_VERSION} (pyvmafneg {package_version()} native engine, {self.simd})",
            intervals=intervals,
        )

    def _shutdown(self) -> None:
        self._prev_ref = None
        if self._pool is not None:
            for _, fut in self._inflight:
                fut.cancel()
            self._pool.shutdown(wait=True)
            self._pool = None
        self._inflight.clear()
        self._batch.clear()

    def _release(self) -> None:
        # close(): stop the worker threads and drop frame state (the result stays available)
        self._shutdown()
        self._pending.clear()
        self._rows.clear()
        self._motion.clear()


def score_native(
    reference: Iterable[FrameLike],
    distorted: Iterable[FrameLike],
    models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
    *,
    threads: int | None = 0,
    subsample: int = 1,
    clip: bool = True,
    transform: bool | None = None,
    bitdepth: int | None = None,
    simd: str | None = None,
    frames: int | None = None,
    progress: ProgressCallback | None = None,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | str | None = None,
    offset: int = 0,
    convert_bitdepth: int | None = None,
    features: Iterable[str | FeatureSpec] | str | None = None,
    model_intervals: bool = False,
) -> Result:
    """Score two clips with the native engine, mirroring :func:`pyvmafneg.score`.

    Frames are consumed lazily, one pair at a time; parameters are those of
    :class:`NativeScorer` plus ``frames`` (score a common prefix),
    ``progress`` (called with the number of pairs fed) and ``scale``,
    ``size``, ``offset``, ``convert_bitdepth``, which prepare the pair as for
    :func:`pyvmafneg.score` (:func:`pyvmafneg.io.prepare_pair`).

    Returns
    -------
    Result
        Per-frame model scores and features under libvmaf's names plus the
        VIF cap shares, ``backend='native'``.
    """
    options = ScoreOptions.from_arguments(locals())
    return score_clips(
        lambda: NativeScorer(
            models,
            threads=threads,
            simd=simd,
            features=features,
            model_intervals=model_intervals,
            **options.scorer_keywords(),
        ),
        reference,
        distorted,
        options,
    )
