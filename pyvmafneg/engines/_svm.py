"""libvmaf JSON models (nu-SVR, RBF kernel) and score prediction in Python.

:func:`load_model` reads any single-model libvmaf JSON file (``model_type``
``LIBSVMNUSVR``) or one of the models bundled in ``pyvmafneg/model_files``, and
:meth:`VmafModel.predict` turns one frame's feature values into a score
following libvmaf 3.2.0's ``predict.c`` step by step:

1. normalise each feature: ``x_i = slope_i * f_i + intercept_i``
   (``norm_type`` ``linear_rescale``; ``none`` leaves it unchanged; no clipping);
2. (VMAF v1 models only) chroma correction of an exactly-zero
   ``speed_chroma`` feature from ``adm3``;
3. SVM: ``f = sum_k coef_k * exp(-gamma * ||x - sv_k||^2) - rho``;
4. de-normalise: ``(f - intercept_0) / slope_0``;
5. optional ``score_transform`` (polynomial, knots, rectification); off
   unless the JSON says ``"enabled": true`` or ``enable_transform=True``;
6. clip to ``score_clip`` unless ``disable_clip=True``.

The floating-point operations are done in the same order as libvmaf's C code
(sequential sums, the C library's ``exp``), so predictions reproduce
libvmaf's doubles.

The feature order comes from ``model_dict.feature_names``; libvmaf ignores
``feature_dict`` and so does this module.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from ..errors import ModelError

__all__ = [
    "BUNDLED_MODELS",
    "ScoreTransform",
    "SvmModel",
    "VmafModel",
    "load_model",
    "model_from_dict",
]

#: Model names shipped as package data (``pyvmafneg/model_files/<name>.json``).
BUNDLED_MODELS: Final[tuple[str, ...]] = ("vmaf_v0.6.1", "vmaf_v0.6.1neg", "vmaf_4k_v0.6.1")

_SVR_TYPES: Final[frozenset[str]] = frozenset({"nu_svr", "epsilon_svr"})


@dataclass(frozen=True, eq=False)
class SvmModel:
    """A libsvm regression model with an RBF kernel.

    Attributes:
        svm_type: ``"nu_svr"`` or ``"epsilon_svr"`` (same prediction rule).
        gamma: RBF kernel width, > 0.
        rho: Bias subtracted from the kernel sum.
        coef: Support-vector coefficients, shape (n_sv,), read-only.
        support: Dense support vectors, shape (n_sv, n_dims), read-only;
            column j holds libsvm index j + 1, absent entries are 0.
    """

    svm_type: str
    gamma: float
    rho: float
    coef: NDArray[np.float64]
    support: NDArray[np.float64]

    @property
    def n_sv(self) -> int:
        """Number of support vectors."""
        return int(self.coef.shape[0])

    def decision(self, x: Sequence[float]) -> float:
        """Raw SVM output for a normalised feature vector ``x`` (index 1 first)."""
        n_dims = self.support.shape[1]
        dense = np.zeros(max(n_dims, len(x)), dtype=np.float64)
        dense[: len(x)] = x
        sv = self.support
        if dense.shape[0] > n_dims:
            sv = np.zeros((self.n_sv, dense.shape[0]), dtype=np.float64)
            sv[:, :n_dims] = self.support
        diff = dense[None, :] - sv
        # libsvm sums the squared differences index by index, left to right.
        sq = diff[:, 0] * diff[:, 0]
        for j in range(1, diff.shape[1]):
            sq += diff[:, j] * diff[:, j]
        neg_gamma = -self.gamma
        total = 0.0
        for c, d2 in zip(self.coef.tolist(), sq.tolist(), strict=True):
            total += c * math.exp(neg_gamma * d2)  # the C library's exp
        return total - self.rho


@dataclass(frozen=True)
class ScoreTransform:
    """libvmaf's optional output transform.

    Attributes:
        enabled: Whether :meth:`VmafModel.predict` applies it.
        p0, p1, p2: Polynomial y' = p0 + p1*y + p2*y^2 (absent terms are None).
        knots: Piecewise-linear mapping points ((x, y), ...), or empty.
        out_lte_in: Force y' <= y (y = the untransformed score).
        out_gte_in: Force y' >= y.
    """

    enabled: bool = False
    p0: float | None = None
    p1: float | None = None
    p2: float | None = None
    knots: tuple[tuple[float, float], ...] = ()
    out_lte_in: bool = False
    out_gte_in: bool = False

    def apply(self, y: float) -> float:
        """Transform one score (ignores :attr:`enabled`)."""
        stage = y
        if self.p0 is not None or self.p1 is not None or self.p2 is not None:
            out = 0.0
            if self.p0 is not None:
                out += self.p0
            if self.p1 is not None:
                out += self.p1 * stage
            if self.p2 is not None:
                out += self.p2 * stage * stage
        else:
            out = stage
        stage = out
        if self.knots:
            out = _piecewise_linear(stage, self.knots)
        # Rectification compares with the untransformed input.
        if self.out_lte_in and out > y:
            out = y
        if self.out_gte_in and out < y:
            out = y
        return out


def _line_through(p1: tuple[float, float], p2: tuple[float, float]) -> tuple[float, float]:
    """Slope and offset of the line through two knots, as libvmaf derives them."""
    (x1, y1), (x2, y2) = p1, p2
    if not (x1 <= x2 and y1 <= y2):
        raise ModelError("score_transform knots must be non-decreasing")
    if x2 - x1 == 0 or y2 - y1 == 0:
        if not (x1 == x2 and y1 == y2):
            raise ModelError("score_transform knots may not form a horizontal or vertical line")
        return 1.0, 0.0
    if x1 == 0:
        beta = y1
        return (y2 - beta) / x2, beta
    alpha = (y2 - y1) / (x2 - x1)
    return alpha, y1 - (x1 * alpha)


def _piecewise_linear(x: float, knots: tuple[tuple[float, float], ...]) -> float:
    """libvmaf's piecewise-linear mapping (extrapolates the end segments)."""
    if len(knots) < 2:
        raise ModelError("score_transform knots need at least two points")
    y = 0.0
    n_seg = len(knots) - 1
    for i in range(n_seg):
        (x0, y0), (x1, y1) = knots[i], knots[i + 1]
        if not (x0 < x1 and y0 <= y1):
            raise ModelError("score_transform knots must be increasing in x")
        inside = x0 <= x <= x1
        if y0 == y1:
            value = y0
        else:
            slope, offset = _line_through(knots[i], knots[i + 1])
            value = slope * x + offset
        if inside:
            y = value
        if i == 0 and x < x0:  # below the first knot: extend the first segment
            y = value
        if i == n_seg - 1 and x > x1:  # above the last knot: extend the last one
            y = value
    return y


@dataclass(frozen=True, eq=False)
class VmafModel:
    """One libvmaf SVM model, ready to predict.

    Attributes:
        name: Model name (the file stem for files and bundled models).
        feature_names: libvmaf feature names in SVM order (index 1 first).
        feature_opts: Per-feature extractor options from
            ``feature_opts_dicts`` (empty mappings when absent), read-only.
        slope, intercept: Output de-normalisation (``slopes[0]``,
            ``intercepts[0]``).
        feature_slopes, feature_intercepts: Per-feature normalisation.
        norm_type: ``"linear_rescale"`` or ``"none"``.
        svm: The support-vector regression model.
        transform: The score transform; applied only if ``transform.enabled``.
        clip: ``(low, high)`` output clip, or None when disabled/absent.
        chroma_correction: ``chroma_correction_parameter`` (VMAF v1), or None.
    """

    name: str
    feature_names: tuple[str, ...]
    feature_opts: tuple[Mapping[str, Any], ...]
    slope: float
    intercept: float
    feature_slopes: tuple[float, ...]
    feature_intercepts: tuple[float, ...]
    norm_type: str
    svm: SvmModel
    transform: ScoreTransform = field(default_factory=ScoreTransform)
    clip: tuple[float, float] | None = None
    chroma_correction: float | None = None

    # -- option helpers ---------------------------------------------------

    def _limit(self, option: str) -> float:
        values = {float(o[option]) for o in self.feature_opts if option in o}
        if len(values) > 1:
            raise ModelError(f"model {self.name!r} uses several values of {option}: {values}")
        return values.pop() if values else 100.0

    @property
    def vif_gain_limit(self) -> float:
        """``vif_enhn_gain_limit`` the model asks for (100.0 when unset)."""
        return self._limit("vif_enhn_gain_limit")

    @property
    def adm_gain_limit(self) -> float:
        """``adm_enhn_gain_limit`` the model asks for (100.0 when unset)."""
        return self._limit("adm_enhn_gain_limit")

    # -- prediction ---------------------------------------------------------

    def _vector(self, features: Mapping[str, float] | Sequence[float]) -> list[float]:
        if isinstance(features, Mapping):
            missing = [n for n in self.feature_names if n not in features]
            if missing:
                raise ModelError(
                    f"model {self.name!r} needs features {list(self.feature_names)}; "
                    f"missing {missing}"
                )
            return [float(features[n]) for n in self.feature_names]
        if isinstance(features, str | bytes):
            raise ModelError("features must be a mapping or a sequence of numbers")
        values = [float(v) for v in features]
        if len(values) != len(self.feature_names):
            raise ModelError(
                f"model {self.name!r} takes {len(self.feature_names)} features "
                f"{list(self.feature_names)}, got {len(values)} values"
            )
        return values

    def _normalize(self, i: int, value: float) -> float:
        if self.norm_type == "linear_rescale":
            return self.feature_slopes[i] * value + self.feature_intercepts[i]
        return value

    def _denormalize(self, i: int, value: float) -> float:
        if self.norm_type == "linear_rescale":
            return (value - self.feature_intercepts[i]) / self.feature_slopes[i]
        return value

    def normalized(self, features: Mapping[str, float] | Sequence[float]) -> list[float]:
        """The SVM input vector for ``features`` (after chroma correction)."""
        x = [self._normalize(i, v) for i, v in enumerate(self._vector(features))]
        if self.chroma_correction:
            self._correct_chroma(x, self.chroma_correction)
        return x

    def _correct_chroma(self, x: list[float], param: float) -> None:
        """Replace an exactly-zero speed_chroma feature by param * (1 - adm3)."""
        guiding: float | None = None
        guided_idx: int | None = None
        for i, name in enumerate(self.feature_names):
            if "adm3" in name:
                if guiding is not None:
                    raise ModelError(f"more than one 'adm3' feature in model {self.name!r}")
                guiding = self._denormalize(i, x[i])
            if "speed_chroma" in name:
                if guided_idx is not None:
                    raise ModelError(f"more than one 'speed_chroma' feature in model {self.name!r}")
                if self._denormalize(i, x[i]) != 0.0:
                    return
                guided_idx = i
        if guiding is None or guided_idx is None:
            return
        x[guided_idx] = self._normalize(guided_idx, (-param * guiding) + param)

    def predict(self, features: Mapping[str, float] | Sequence[float]) -> float:
        """Score one frame.

        Args:
            features: Feature values keyed by :attr:`feature_names` (extra
                keys are ignored), or a sequence in that order.  For the
                v0.6.1 models: ``adm2`` and ``vif_scale0..3`` (dimensionless,
                ~[0, 1.x]) and ``motion2`` (8-bit luma levels per pixel); the
                NEG model expects the values computed with gain limit 1.0.

        Returns:
            The model score (0..100 for VMAF when clipped).
        """
        return self._output(self.svm.decision(self.normalized(features)))

    def _output(self, pred: float) -> float:
        """De-normalise, transform and clip one raw SVM output, as libvmaf does."""
        if self.norm_type == "linear_rescale":
            pred = (pred - self.intercept) / self.slope
        return self.finish(pred)

    def finish(self, value: float) -> float:
        """The model's transform (when enabled) and clip of a de-normalised score, as
        libvmaf applies them (also to a collection's interval bounds)."""
        if self.transform.enabled:
            value = self.transform.apply(value)
        if self.clip is not None:
            lo, hi = self.clip
            value = lo if value < lo else value
            value = hi if value > hi else value
        return value

    def predict_rows(self, features: NDArray[np.float64], *, chunk: int = 256) -> list[float]:
        """Score many frames, each score equal as a double to :meth:`predict` of its row.

        The same operations as :meth:`predict` in the same order, vectorised across
        frames only: squared distances summed index by index, the C library's
        ``exp`` for every kernel term, kernel sums taken support vector by support
        vector.

        Args:
            features: Shape (n_frames, n_features), columns in
                :attr:`feature_names` order.
            chunk: Frames evaluated per block (bounds memory to about
                ``chunk * n_sv * n_features`` doubles).

        Returns:
            One score per row.
        """
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.feature_names):
            raise ModelError(
                f"model {self.name!r} takes rows of {len(self.feature_names)} features "
                f"{list(self.feature_names)}; got an array of shape {x.shape}"
            )
        if self.chroma_correction:
            return [self.predict(row) for row in x.tolist()]
        if self.norm_type == "linear_rescale":
            x = np.asarray(self.feature_slopes) * x + np.asarray(self.feature_intercepts)
        svm = self.svm
        n_dims = max(svm.support.shape[1], x.shape[1])
        sv = np.zeros((svm.n_sv, n_dims), dtype=np.float64)
        sv[:, : svm.support.shape[1]] = svm.support
        dense = np.zeros((x.shape[0], n_dims), dtype=np.float64)
        dense[:, : x.shape[1]] = x
        neg_gamma = -svm.gamma
        coef = svm.coef.tolist()
        out: list[float] = []
        for start in range(0, x.shape[0], max(1, int(chunk))):
            diff = dense[start : start + chunk, None, :] - sv[None, :, :]
            sq = diff[:, :, 0] * diff[:, :, 0]
            for j in range(1, n_dims):
                sq += diff[:, :, j] * diff[:, :, j]
            arg = (neg_gamma * sq).ravel().tolist()
            kern = np.array(list(map(math.exp, arg)), dtype=np.float64).reshape(sq.shape)
            total = np.zeros(sq.shape[0], dtype=np.float64)
            for k, c in enumerate(coef):
                total += c * kern[:, k]
            out.extend(self._output(v) for v in (total - svm.rho).tolist())
        return out

    def predict_many(
        self, features: NDArray[np.float64], *, chunk: int = 4096
    ) -> NDArray[np.float64]:
        """Score many frames at once: one row of ``features`` per frame.

        Args:
            features: Shape (n_frames, n_features), columns in
                :attr:`feature_names` order.
            chunk: Frames evaluated per block (bounds memory to about
                ``chunk * n_sv * n_features`` doubles).

        Returns:
            Scores as :meth:`predict` gives them, to within about 1e-9
            points (squared distances are expanded into matrix products and
            the kernel sums vectorised, not summed term by term in libvmaf's
            order). Models with a chroma correction (VMAF v1)
            are scored frame by frame with :meth:`predict`.
        """
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.feature_names):
            raise ModelError(
                f"model {self.name!r} takes rows of {len(self.feature_names)} features "
                f"{list(self.feature_names)}; got an array of shape {x.shape}"
            )
        if self.chroma_correction:
            return np.array([self.predict(row) for row in x.tolist()], dtype=np.float64)
        if self.norm_type == "linear_rescale":
            x = x * np.asarray(self.feature_slopes) + np.asarray(self.feature_intercepts)
        n_dims = max(self.svm.support.shape[1], x.shape[1])
        sv = np.zeros((self.svm.n_sv, n_dims))
        sv[:, : self.svm.support.shape[1]] = self.svm.support
        dense = np.zeros((x.shape[0], n_dims))
        dense[:, : x.shape[1]] = x
        sv_sq = (sv * sv).sum(axis=1)
        out = np.empty(x.shape[0], dtype=np.float64)
        for start in range(0, x.shape[0], max(1, int(chunk))):
            block = dense[start : start + chunk]
            d2 = (block * block).sum(axis=1)[:, None] + sv_sq[None, :] - 2.0 * (block @ sv.T)
            np.maximum(d2, 0.0, out=d2)
            out[start : start + chunk] = np.exp(-self.svm.gamma * d2) @ self.svm.coef - self.svm.rho
        if self.norm_type == "linear_rescale":
            out = (out - self.intercept) / self.slope
        if self.transform.enabled:
            out = np.array([self.transform.apply(v) for v in out.tolist()], dtype=np.float64)
        if self.clip is not None:
            out = np.clip(out, self.clip[0], self.clip[1])
        return out


# --------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------


def _parse_libsvm(text: str) -> SvmModel:
    """Parse libsvm's text model format (header lines, then ``SV`` rows)."""
    lines = text.splitlines()
    header: dict[str, list[str]] = {}
    pos = 0
    for pos, line in enumerate(lines):  # noqa: B007
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "SV":
            break
        header[parts[0]] = parts[1:]
    else:
        raise ModelError("libsvm model has no 'SV' section")

    svm_type = header.get("svm_type", [""])[0]
    if svm_type not in _SVR_TYPES:
        raise ModelError(f"unsupported libsvm svm_type {svm_type!r} (need nu_svr/epsilon_svr)")
    kernel = header.get("kernel_type", [""])[0]
    if kernel != "rbf":
        raise ModelError(f"unsupported libsvm kernel_type {kernel!r} (need rbf)")
    try:
        gamma = float(header["gamma"][0])
        rho = float(header["rho"][0])
        total_sv = int(header["total_sv"][0])
    except (KeyError, IndexError, ValueError) as exc:
        raise ModelError(f"libsvm model header incomplete or malformed: {exc}") from None

    coefs: list[float] = []
    rows: list[dict[int, float]] = []
    for line in lines[pos + 1 :]:
        parts = line.split()
        if not parts:
            continue
        try:
            coefs.append(float(parts[0]))
            row: dict[int, float] = {}
            for item in parts[1:]:
                idx, val = item.split(":")
                row[int(idx)] = float(val)
        except ValueError:
            raise ModelError(f"malformed libsvm support vector line: {line!r}") from None
        if any(i < 1 for i in row):
            raise ModelError(f"libsvm feature indices start at 1: {line!r}")
        rows.append(row)
    if len(rows) != total_sv:
        raise ModelError(f"libsvm model declares {total_sv} SVs but has {len(rows)}")

    n_dims = max((max(r) for r in rows if r), default=0)
    support = np.zeros((len(rows), n_dims), dtype=np.float64)
    for k, row in enumerate(rows):
        for idx, val in row.items():
            support[k, idx - 1] = val
    coef = np.asarray(coefs, dtype=np.float64)
    coef.setflags(write=False)
    support.setflags(write=False)
    return SvmModel(svm_type=svm_type, gamma=gamma, rho=rho, coef=coef, support=support)


def _parse_transform(obj: object, enable: bool) -> ScoreTransform:
    if not isinstance(obj, Mapping):
        raise ModelError("model_dict.score_transform must be an object")

    def poly(key: str) -> float | None:
        v = obj.get(key)
        return None if v is None else float(v)

    knots_raw = obj.get("knots")
    knots: tuple[tuple[float, float], ...] = ()
    if knots_raw is not None:
        knots = tuple((float(k[0]), float(k[1])) for k in knots_raw)
    enabled = obj.get("enabled") is True or enable
    return ScoreTransform(
        enabled=enabled,
        p0=poly("p0"),
        p1=poly("p1"),
        p2=poly("p2"),
        knots=knots,
        out_lte_in=obj.get("out_lte_in") == "true",
        out_gte_in=obj.get("out_gte_in") == "true",
    )


def model_from_dict(
    data: Mapping[str, Any],
    *,
    name: str = "vmaf",
    enable_transform: bool = False,
    disable_clip: bool = False,
    model_types: tuple[str, ...] = ("LIBSVMNUSVR",),
) -> VmafModel:
    """Build a :class:`VmafModel` from a parsed libvmaf JSON model.

    Only ``model_dict`` is read (``param_dict`` is training metadata).

    Args:
        data: The JSON document as a mapping.
        name: Name to give the model.
        enable_transform: Apply ``score_transform`` even if the JSON does not
            enable it (libvmaf's ``VMAF_MODEL_FLAG_ENABLE_TRANSFORM``).
        disable_clip: Do not clip to ``score_clip``
            (``VMAF_MODEL_FLAG_DISABLE_CLIP``).
        model_types: The ``model_type`` values accepted: single models
            (``LIBSVMNUSVR``) by default; one member of a bootstrapped
            collection is a ``BOOTSTRAP_LIBSVMNUSVR`` (see
            :mod:`pyvmafneg.engines._collection`).

    Raises:
        ValueError: if the document is not a single libsvm nu-SVR model with
            an RBF kernel, or is inconsistent.
    """
    md = data.get("model_dict") if isinstance(data, Mapping) else None
    if not isinstance(md, Mapping):
        raise ModelError("not a libvmaf model: no 'model_dict' object")
    model_type = md.get("model_type")
    if model_type not in model_types:
        raise ModelError(
            f"unsupported model_type {model_type!r}; only single 'LIBSVMNUSVR' models "
            "are supported (bootstrap collections are not)"
        )
    names = md.get("feature_names")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or not names:
        raise ModelError("model_dict.feature_names must be a non-empty list of strings")
    n = len(names)

    norm_type = md.get("norm_type", "none")
    if norm_type not in ("linear_rescale", "none"):
        raise ModelError(f"unsupported norm_type {norm_type!r}")
    slopes = [float(v) for v in md.get("slopes", [])]
    intercepts = [float(v) for v in md.get("intercepts", [])]
    if norm_type == "linear_rescale" and (len(slopes) != n + 1 or len(intercepts) != n + 1):
        raise ModelError(
            f"linear_rescale needs {n + 1} slopes and intercepts (output first), "
            f"got {len(slopes)} and {len(intercepts)}"
        )
    if norm_type == "none":
        slopes = slopes or [1.0] * (n + 1)
        intercepts = intercepts or [0.0] * (n + 1)

    opts_raw = md.get("feature_opts_dicts") or []
    if not isinstance(opts_raw, list) or len(opts_raw) > n:
        raise ModelError("model_dict.feature_opts_dicts must be a list of at most one per feature")
    opts = [MappingProxyType(dict(o)) for o in opts_raw]
    opts += [MappingProxyType({})] * (n - len(opts))

    if "model" not in md or not isinstance(md["model"], str):
        raise ModelError("model_dict.model (libsvm text) is missing")
    svm = _parse_libsvm(md["model"])
    if svm.support.shape[1] > n:
        raise ModelError(
            f"SVM uses feature index {svm.support.shape[1]} but the model names only {n}"
        )

    transform = ScoreTransform(enabled=False)
    if md.get("score_transform") is not None:
        transform = _parse_transform(md["score_transform"], enable_transform)

    clip: tuple[float, float] | None = None
    raw_clip = md.get("score_clip")
    if raw_clip is not None and not disable_clip:
        if not isinstance(raw_clip, list) or len(raw_clip) != 2:
            raise ModelError("model_dict.score_clip must be [low, high]")
        clip = (float(raw_clip[0]), float(raw_clip[1]))

    chroma = md.get("chroma_correction_parameter")
    return VmafModel(
        name=name,
        feature_names=tuple(names),
        feature_opts=tuple(opts),
        slope=slopes[0],
        intercept=intercepts[0],
        feature_slopes=tuple(slopes[1:]),
        feature_intercepts=tuple(intercepts[1:]),
        norm_type=norm_type,
        svm=svm,
        transform=transform,
        clip=clip,
        chroma_correction=None if chroma is None else float(chroma),
    )


def load_model(
    source: str | os.PathLike[str],
    *,
    enable_transform: bool = False,
    disable_clip: bool = False,
) -> VmafModel:
    """Load a libvmaf JSON model.

    Args:
        source: A bundled model name (one of :data:`BUNDLED_MODELS`, e.g.
            ``"vmaf_v0.6.1neg"``) or the path of a libvmaf JSON model file.
        enable_transform: Turn ``score_transform`` on (it is off by default
            for the v0.6.1 models, as in libvmaf).
        disable_clip: Leave scores unclipped (may exceed 100).

    Returns:
        The model; its :attr:`VmafModel.name` is the file stem.

    Raises:
        ValueError: unknown bundled name, unreadable file, invalid JSON, or
            an unsupported model.
    """
    text: str
    if isinstance(source, str) and source in BUNDLED_MODELS:
        name = source
        data_file = resources.files("pyvmafneg").joinpath("model_files", f"{source}.json")
        text = data_file.read_text("utf-8")
    else:
        path = os.fspath(source)
        name = os.path.splitext(os.path.basename(path))[0]
        if not os.path.isfile(path):
            raise ModelError(
                f"{path!r} is neither a bundled model ({', '.join(BUNDLED_MODELS)}) "
                "nor an existing JSON file"
            )
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise ModelError(f"cannot read model file {path!r}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(f"model {name!r} is not valid JSON: {exc}") from None
    return model_from_dict(
        data, name=name, enable_transform=enable_transform, disable_clip=disable_clip
    )
