"""The one result type every backend returns, with pooling and the NEG gap.

A :class:`Result` holds per-frame model scores and elementary features keyed
by libvmaf's own names (``vmaf``, ``vmaf_neg``, ``integer_vif_scale0``,
``integer_adm2_egl_1`` ...), the frame numbers they belong to, and which model
is the default and which the NEG side of the enhancement-gain gap.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._outputs import finite_or_none, write_file
from ..errors import LogFormatError, ResultError, python_option
from ._model_interval import ModelInterval

__all__ = ["Pooled", "Result", "format_text", "format_value", "pool"]

#: Name prefixes of the series libvmaf's extra extractors write (PSNR, SSIM,
#: MS-SSIM, CIEDE2000, CAMBI, PSNR-HVS); :meth:`Result.summary` pools them.
EXTRA_METRIC_PREFIXES: tuple[str, ...] = ("psnr", "float_ssim", "float_ms_ssim", "ciede", "cambi")

#: Percentiles reported by :func:`pool` (in percent).
PERCENTILES: tuple[float, ...] = (1.0, 5.0, 50.0)


@dataclass(frozen=True)
class Pooled:
    """Pooled statistics of one per-frame series.

    ``harmonic_mean`` follows libvmaf: ``N / sum(1 / (s + 1)) - 1``.
    Percentiles use linear interpolation between frames.
    """

    mean: float
    harmonic_mean: float
    min: float
    max: float
    p1: float
    p5: float
    p50: float
    count: int

    def as_dict(self) -> dict[str, float]:
        """Plain ``dict`` (JSON-ready)."""
        return {
            "mean": self.mean,
            "harmonic_mean": self.harmonic_mean,
            "min": self.min,
            "max": self.max,
            "p1": self.p1,
            "p5": self.p5,
            "p50": self.p50,
            "count": self.count,
        }


def pool(values: Sequence[float] | np.ndarray) -> Pooled:
    """Pool a per-frame series the way libvmaf does, plus percentiles.

    Raises :class:`~pyvmafneg.errors.ResultError` (a ``ValueError``) for an
    empty series.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        raise ResultError("cannot pool an empty series of scores")
    p1, p5, p50 = (percentile(arr, q) for q in PERCENTILES)
    # +inf and -inf in one series have no mean (NaN); a frame at -1 no harmonic mean
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = float(arr.size / np.sum(1.0 / (arr + 1.0)) - 1.0)
        mean = float(arr.sum() / arr.size)
    return Pooled(
        mean=mean,
        harmonic_mean=harmonic,
        min=float(arr.min()),
        max=float(arr.max()),
        p1=p1,
        p5=p5,
        p50=p50,
        count=int(arr.size),
    )


def percentile(values: np.ndarray, q: float) -> float:
    """The ``q``-th percentile (``q`` in [0, 100]) of a series, interpolated linearly.

    Equals :func:`numpy.percentile` for finite values. Infinite values (PSNR of
    identical planes is +inf) rank as the largest or smallest: the percentile of
    a series of +inf is +inf, and a percentile that falls between a finite value
    and +inf is +inf (the interpolation's limit). Between -inf and +inf, or with
    any NaN in the series, it is NaN. No warning is raised.
    """
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    finite = np.isfinite(arr)
    if finite.all():
        return float(np.percentile(arr, q))
    if np.isnan(arr).any():
        return math.nan
    ordered = np.sort(arr)
    pos = (ordered.size - 1) * (q / 100.0)  # NumPy's virtual index
    lo = math.floor(pos)
    hi = min(lo + 1, ordered.size - 1)
    t = pos - lo
    a, b = float(ordered[lo]), float(ordered[hi])
    if t == 0.0 or a == b:
        return a
    if math.isinf(a) and math.isinf(b):
        return math.nan  # between -inf and +inf
    if math.isinf(a) or math.isinf(b):
        return a if math.isinf(a) else b
    # both finite: NumPy's interpolation, so the numbers equal numpy.percentile's
    return b - (b - a) * (1.0 - t) if t >= 0.5 else a + (b - a) * t


def format_value(value: float) -> str | None:
    """Format a score as libvmaf's JSON logs do: ``%.6f``, None (null) for NaN/Inf.

    Values too small to show at six decimals are written with sixteen, so a
    feature such as 1e-7 does not read as zero.
    """
    if finite_or_none(value) is None:
        return None
    return format_text(value)


def format_text(value: float) -> str:
    """Format a score as libvmaf's XML and CSV logs do: ``%.6f``, with ``inf``, ``-inf``, ``nan``.

    libvmaf prints every value of these logs with C's ``%.6f``, which writes
    +inf as ``inf``, -inf as ``-inf`` and NaN as ``nan``; so does this
    (Python's ``float()`` reads them back). Finite values are written as by
    :func:`format_value`.
    """
    v = float(value)
    if v != 0.0 and abs(v) < 1e-6:
        return f"{v:.16f}"
    return f"{v:.6f}"


@dataclass
class Result:
    """Per-frame scores and features from one scoring run.

    Attributes
    ----------
    frames:
        Frame numbers (0-based) that were scored; with subsampling N only
        every N-th frame appears.
    scores:
        Model name -> per-frame scores (float64 array aligned with ``frames``).
    features:
        libvmaf feature name -> per-frame values.
    default_model, neg_model:
        Names in ``scores`` that form the enhancement-gain gap (default minus
        NEG); either may be None when a run has no such model.
    clipped:
        False when scores were computed with clipping to [0, 100] disabled.
    backend:
        ``'libvmaf'``, ``'reference'``, ``'ffmpeg'``, or ``'log'`` for a
        result read back from a log file.
    version:
        libvmaf version string (or the backend's own), for the log header.
    models:
        Model name -> short description of what was loaded.
    fps:
        Frames scored per second of wall time, when measured.
    engines:
        Model or feature name -> the engine that computed it (``'native'``,
        ``'libvmaf'``), for runs shared between engines (``backend``
        ``'native+libvmaf'``); empty when one engine computed everything.
    model_intervals:
        Model name -> the per-frame outputs of its bootstrapped twin
        (:class:`~pyvmafneg.results.ModelInterval`: bagging score, standard
        deviation and 95 % interval of ``vmaf_b_v0.6.3`` at the model's gain
        limits), for runs with ``model_intervals=True``; empty otherwise.
    """

    frames: np.ndarray
    scores: dict[str, np.ndarray]
    features: dict[str, np.ndarray] = field(default_factory=dict)
    default_model: str | None = None
    neg_model: str | None = None
    clipped: bool = True
    backend: str = "libvmaf"
    version: str = ""
    models: dict[str, str] = field(default_factory=dict)
    fps: float | None = None
    engines: dict[str, str] = field(default_factory=dict)
    model_intervals: dict[str, ModelInterval] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.frames = np.asarray(self.frames, dtype=np.int64)
        n = self.frames.size
        for table in (self.scores, self.features):
            for key, values in list(table.items()):
                arr = np.asarray(values, dtype=np.float64)
                if arr.shape != (n,):
                    raise ResultError(f"{key!r} has {arr.size} values for {n} frames", key=key)
                table[key] = arr

    # -- access -------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.frames.size)

    def __getitem__(self, key: str) -> np.ndarray:
        """Per-frame series of a model score or feature by its name."""
        if key in self.scores:
            return self.scores[key]
        if key in self.features:
            return self.features[key]
        raise KeyError(
            f"{key!r} is neither a model nor a feature of this result; models: "
            f"{sorted(self.scores)}, features: {sorted(self.features)}"
        )

    def keys(self) -> list[str]:
        """All series names: model scores first, then features."""
        return [*self.scores, *self.features]

    def pooled(self, key: str | None = None) -> Pooled:
        """Pooled statistics of a model or feature (default: the default model)."""
        if key is None:
            key = self.default_model or next(iter(self.scores))
        return pool(self[key])

    @property
    def has_gap(self) -> bool:
        """True when both a default and a NEG model were scored."""
        return self.default_model is not None and self.neg_model is not None

    @property
    def gap(self) -> np.ndarray:
        """Per-frame enhancement-gain gap: default score minus NEG score."""
        if not self.has_gap:
            raise KeyError(
                "this result has no default/NEG pair; score with both a default model "
                "(e.g. vmaf_v0.6.1) and a NEG model (e.g. vmaf_v0.6.1neg)"
            )
        return self.scores[self.default_model] - self.scores[self.neg_model]  # type: ignore[index]

    @property
    def pooled_gap(self) -> float:
        """Overall gap: pooled mean default minus pooled mean NEG."""
        gap = self.gap
        return float(gap.sum() / gap.size)

    def frames_above(self, key: str, threshold: float = 100.0) -> np.ndarray:
        """Frame numbers whose ``key`` score exceeds ``threshold``."""
        return self.frames[self[key] > threshold]

    # -- output -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """libvmaf's JSON log layout as a Python dict (values as floats).

        The extra top-level ``"pyvmafneg"`` block carries what the libvmaf
        layout has no room for (percentiles, the gap, model descriptions);
        tools that read libvmaf logs ignore it.
        """
        frames = []
        for i, num in enumerate(self.frames):
            metrics: dict[str, float] = {}
            for key, arr in self.features.items():
                metrics[key] = float(arr[i])
            for key, arr in self.scores.items():
                metrics[key] = float(arr[i])
            frames.append({"frameNum": int(num), "metrics": metrics})
        pooled_metrics = {}
        extras: dict[str, Any] = {}
        if len(self):
            pooled = {key: pool(self[key]) for key in self.keys()}
            for key, p in pooled.items():
                pooled_metrics[key] = {
                    "min": p.min,
                    "max": p.max,
                    "mean": p.mean,
                    "harmonic_mean": p.harmonic_mean,
                }
            extras["pooled"] = {k: pooled[k].as_dict() for k in self.scores}
            if self.has_gap:
                gap = self.gap
                extras["gap"] = {
                    "default_model": self.default_model,
                    "neg_model": self.neg_model,
                    "mean": self.pooled_gap,
                    "max": float(gap.max()),
                    "min": float(gap.min()),
                }
            if len(self) >= 2:
                # 95 % moving-block bootstrap intervals of the pooled means over frames
                intervals = {k: self.interval(k).as_dict() for k in self.scores}
                if self.has_gap:
                    intervals["gap"] = self.gap_interval().as_dict()
                extras["intervals"] = intervals
            if self.model_intervals:
                extras["model_intervals"] = {
                    k: v.as_dict() for k, v in self.model_intervals.items()
                }
        extras.update(
            {
                "backend": self.backend,
                "clipped": self.clipped,
                "models": dict(self.models),
            }
        )
        if self.engines:
            extras["engines"] = dict(self.engines)
        return {
            "version": self.version,
            "fps": None if self.fps is None else round(self.fps, 2),
            "frames": frames,
            "pooled_metrics": pooled_metrics,
            "aggregate_metrics": {},
            "pyvmafneg": extras,
        }

    def to_json(self, path: str | Path | None = None) -> str:
        """Write (when ``path`` is given) and return the log in libvmaf's JSON format.

        Numbers are printed as libvmaf prints them (``%.6f``; +inf, -inf and
        NaN as ``null``, since JSON has no such numbers: read back, they are NaN).
        """
        text = _dump_json(self.to_dict())
        if path is not None:
            write_file(path, text, "the log")
        return text

    def to_csv(self, path: str | Path | None = None) -> str:
        """Write (when ``path`` is given) and return a libvmaf-style CSV log.

        One row per frame: ``Frame`` then every feature and model score.
        Non-finite values are written as libvmaf writes them in its CSV logs:
        ``inf``, ``-inf``, ``nan``.
        """
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        keys = [*self.features, *self.scores]
        writer.writerow(["Frame", *keys])
        for i, num in enumerate(self.frames):
            row = [str(int(num))]
            row += [format_text(self[key][i]) for key in keys]
            writer.writerow(row)
        text = buf.getvalue()
        if path is not None:
            write_file(path, text, "the log")
        return text

    def write(self, path: str | Path, fmt: str | None = None) -> Path:
        """Write the log as ``json`` or ``csv`` (chosen from the suffix when None)."""
        path = Path(path)
        fmt = (fmt or path.suffix.lstrip(".") or "json").lower()
        if fmt == "json":
            self.to_json(path)
        elif fmt == "csv":
            self.to_csv(path)
        else:
            raise LogFormatError(
                f"unknown log format {fmt!r}; use json or csv (pyvmafneg.write_log also writes xml)"
            )
        return path

    def summary(self, name_option: Callable[[str, Any], str] = python_option) -> str:
        """A few lines for people: pooled scores, the gap, frames above 100.

        ``name_option(keyword, value)`` words the option the lines may advise
        (``clip=False`` by default; the command line names its flag).
        """
        lines = []
        # one label column for every line, as wide as the longest model or metric name
        w = max([16, *map(len, self.scores), *map(len, self.extra_metrics())])
        for key in self.scores:
            p = pool(self.scores[key])
            lines.append(
                f"{key:>{w}}: mean {p.mean:8.4f}  harmonic {p.harmonic_mean:8.4f}  "
                f"min {p.min:8.4f}  p5 {p.p5:8.4f}"
            )
        if self.has_gap:
            lines.append(
                f"{'gap':>{w}}: {self.pooled_gap:+.4f} points (default - NEG), "
                f"largest on a frame {float(self.gap.max()):+.4f}"
            )
            if len(self) >= 2:
                lines.append(self._interval_line())
            above = self.frames_above(self.default_model)  # type: ignore[arg-type]
            if not self.clipped:
                lines.append(f"{'above 100':>{w}}: {above.size} frame(s) of {len(self)}")
            else:
                advice = name_option("clip", False)
                lines.append(f"{'above 100':>{w}}: n/a (scores clipped at 100; use {advice})")
        lines += self._model_interval_lines(w)
        for key in self.extra_metrics():
            p = pool(self.features[key])
            lines.append(
                f"{key:>{w}}: mean {p.mean:8.4f}  min {p.min:8.4f}  p5 {p.p5:8.4f}  "
                f"max {p.max:8.4f}"
            )
        return "\n".join(lines)

    # -- uncertainty -------------------------------------------------------------
    def _model_interval_lines(self, width: int = 16) -> list[str]:
        """One line per model with a bootstrapped twin: its pooled bagging score and interval."""
        lines = []
        for key, mi in self.model_intervals.items():
            mp = mi.pooled()
            lines.append(
                f"{key + ' model':>{width}}: {mi.collection} bagging {mp['bagging']:8.4f}  "
                f"95% [{mp['low']:.4f}, {mp['high']:.4f}]  stddev {mp['stddev']:.4f} "
                "(bootstrapped SVMs, mean over frames)"
            )
        return lines

    def interval(self, key: str | None = None, *, level: float = 0.95) -> Any:
        """Bootstrap interval of the pooled mean of a model or feature over frames.

        A moving-block bootstrap (blocks of neighbouring frames, their length
        chosen from the series' autocorrelation; see
        :mod:`pyvmafneg.results._intervals`), repeatable (fixed seed). It
        covers how the pooled mean would move over other frames of the same
        kind, not the model's own error. Returns an
        :class:`~pyvmafneg.results.Interval`.
        """
        from ._intervals import block_bootstrap

        if key is None:
            key = self.default_model or next(iter(self.scores))
        return block_bootstrap(self[key], level=level)

    def _interval_line(self) -> str:
        """95 % intervals of both pooled scores and the gap, for :meth:`summary`."""
        d, n = self.interval(self.default_model), self.interval(self.neg_model)
        g = self.gap_interval()
        return (
            f"{'95% interval':>16}: {self.default_model} [{d.low:.2f}, {d.high:.2f}], "
            f"{self.neg_model} [{n.low:.2f}, {n.high:.2f}], gap [{g.low:+.2f}, {g.high:+.2f}] "
            f"(block bootstrap over frames, blocks of {g.block})"
        )

    def gap_interval(self, *, level: float = 0.95) -> Any:
        """Bootstrap interval of the pooled default - NEG gap (see :meth:`interval`)."""
        from ._intervals import block_bootstrap

        return block_bootstrap(self.gap, level=level)

    # -- notebooks and data frames -----------------------------------------------
    def to_pandas(self) -> Any:
        """The per-frame series as a ``pandas.DataFrame``: one row per frame.

        The index is the frame number (``frame``); there is one column per
        model score (VMAF points) and per feature (libvmaf's names and
        units), scores first. ``DataFrame.attrs`` carries ``default_model``,
        ``neg_model``, ``backend`` and ``clipped``, so the gap is
        ``df[df.attrs["default_model"]] - df[df.attrs["neg_model"]]``.

        pandas is optional (``pip install 'pyvmafneg[pandas]'``) and imported
        only here; without it this raises
        :class:`~pyvmafneg.errors.MissingDependencyError`.
        """
        from .._optional import pandas_module

        pd = pandas_module("Result.to_pandas()")
        columns = {key: self[key] for key in self.keys()}
        frame = pd.DataFrame(columns, index=pd.Index(self.frames, name="frame"))
        frame.attrs.update(
            default_model=self.default_model,
            neg_model=self.neg_model,
            backend=self.backend,
            clipped=self.clipped,
        )
        return frame

    def _repr_html_(self) -> str:
        """Notebook view: pooled scores per model, the gap and (with matplotlib) the plot."""
        from ._html import result_html

        return result_html(self)

    def extra_metrics(self) -> list[str]:
        """Feature series of libvmaf's extra extractors (``psnr_y``, ``float_ssim`` ...)."""
        return [k for k in self.features if k.lower().startswith(EXTRA_METRIC_PREFIXES)]


def _dump_json(obj: Mapping[str, Any]) -> str:
    """JSON with every float printed in libvmaf's ``%.6f`` style (non-finite as null)."""
    out: list[str] = []
    _emit(obj, out, 0)
    out.append("\n")
    return "".join(out)


def _emit(value: Any, out: list[str], depth: int) -> None:
    pad = "  " * (depth + 1)
    end = "  " * depth
    if isinstance(value, Mapping):
        if not value:
            out.append("{}")
            return
        out.append("{\n")
        for i, (key, item) in enumerate(value.items()):
            out.append(f"{pad}{json.dumps(str(key), allow_nan=False)}: ")
            _emit(item, out, depth + 1)
            out.append(",\n" if i < len(value) - 1 else "\n")
        out.append(end + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        out.append("[\n")
        for i, item in enumerate(value):
            out.append(pad)
            _emit(item, out, depth + 1)
            out.append(",\n" if i < len(value) - 1 else "\n")
        out.append(end + "]")
    elif isinstance(value, bool) or value is None:
        out.append(json.dumps(value, allow_nan=False))
    elif isinstance(value, (float, np.floating)):
        text = format_value(float(value))
        out.append("null" if text is None else text)
    elif isinstance(value, (int, np.integer)):
        out.append(str(int(value)))
    else:
        out.append(json.dumps(str(value), allow_nan=False))
