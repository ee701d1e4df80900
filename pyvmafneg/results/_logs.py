"""Read and write libvmaf logs: JSON, XML and CSV.

Logs are read as the ``vmaf`` command-line tool, FFmpeg's ``libvmaf`` filter
and this package write them (the format is detected from the content, not
the file name), plus the per-frame-flat JSON/XML of older ``vmaf`` releases.
A log may hold both the default and the NEG model, or one model each in two
logs; :func:`load_logs` decides which is which from

* the model names (``vmaf_neg``, ``vmaf_v0.6.1neg``, any name with ``neg``
  or an ``egl_1`` option suffix, e.g. ``vmaf_vif_egl_1_adm_egl_1``), then
* for a log holding a single model, its features: a NEG model's VIF and ADM
  features carry the ``_egl_1`` suffix (``integer_adm2_egl_1``) and the
  plain ones are absent;

or from what the caller says explicitly (``default_key``, ``neg_key``,
``neg_log``).

Logs of ffmpeg-quality-metrics are read too: its JSON (metric groups
``vmaf``, ``psnr``, ``ssim`` ... of rows numbered ``n`` from 1) and its CSV
(a header starting ``n``). It runs one VMAF model per run, so its default and
NEG runs make two logs, combined like two libvmaf logs (the NEG run's
features carry the ``_egl_1`` suffix). :attr:`VmafLog.tool` says which tool
wrote what was read.

Every problem raises :class:`~pyvmafneg.errors.LogFormatError` with the file
name and what to do; a log without any VMAF score raises its subclass
:class:`~pyvmafneg.errors.NoVmafScoresError`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._defaults import LOG_FORMATS
from .._outputs import missing, write_file
from ..errors import LogFormatError, NoVmafScoresError
from ._result import Result, format_text, pool

__all__ = [
    "LOG_FORMATS",
    "LoadedLogs",
    "VmafLog",
    "is_model_key",
    "load_logs",
    "looks_neg",
    "read_log",
    "result_from_logs",
    "to_xml",
    "write_log",
]

_FEATURE_PREFIXES = (
    "integer_",
    "float_",
    "vmaf_feature_",
    "vmaf_integer_feature_",
    "vmaf_float_feature_",
    "psnr",
    "apsnr",
    "cambi",
    "ciede",
    "ssim",
    "ms_ssim",
    "motion",
    "adm",
    "vif",
    "aim",
    "ansnr",
)
_AUX_SUFFIXES = ("_bagging", "_stddev", "_ci_p95_lo", "_ci_p95_hi", "_ci95_low", "_ci95_high")
_EGL_1 = re.compile(r"egl_1(?![0-9.])")
#: Per-frame key of the model score in the flat logs of old ``vmaf`` releases.
_LEGACY_SCORE = "VMAF_score"


def is_model_key(name: str) -> bool:
    """True when a log metric name looks like a VMAF model score, not a feature.

    ``vmaf``, ``vmaf_neg``, ``vmaf_v0.6.1neg``, ``vmaf_4k`` are models;
    ``integer_adm2``, ``VMAF_integer_feature_motion_sad_score``, ``psnr_y`` and
    bootstrap extras such as ``vmaf_bagging`` are not.
    """
    low = name.lower()
    if low.startswith(_FEATURE_PREFIXES) or low.endswith(_AUX_SUFFIXES):
        return False
    return "vmaf" in low


#: libvmaf's name of a bootstrapped collection's resampled model: the collection's, ``_0001`` ...
_MEMBER = re.compile(r"^(.+)_\d{4}$")


def _without_collections(models: list[str], metrics: list[str]) -> list[str]:
    """Model keys without those of bootstrapped collections, unless they are all there is.

    libvmaf logs a collection ``C`` (e.g. ``vmaf_b_v0.6.3``) as ``C`` (its main
    model), ``C_0001`` ... (each resampled model) and ``C_bagging``,
    ``C_stddev``, ``C_ci_p95_lo``, ``C_ci_p95_hi``. The resampled models are
    never the scores to judge; the main model is, only when the log holds no
    other model.
    """
    collections = {m[: -len("_bagging")] for m in metrics if m.endswith("_bagging")}
    if not collections:
        return models
    kept = [
        k
        for k in models
        if not ((found := _MEMBER.match(k)) is not None and found.group(1) in collections)
    ]
    others = [k for k in kept if k not in collections]
    return others or kept


def looks_neg(name: str) -> bool:
    """True when a model name says NEG: contains ``neg`` or an ``egl_1`` option."""
    low = name.lower()
    return "neg" in low or bool(_EGL_1.search(low))


def _features_say_neg(features: Sequence[str]) -> bool | None:
    """Whether a single-model log's features are NEG's (``_egl_1`` only).

    Returns True for NEG, False for default, None when the features do not
    tell (no VIF/ADM features, or both variants present).
    """
    names = set(features)
    capped = {n for n in names if n.endswith("_egl_1")}
    plain = {
        n
        for n in names
        if any(k in n for k in ("adm", "vif")) and "_egl_" not in n and not n.startswith("VMAF_")
    }
    if capped and not ({n[: -len("_egl_1")] for n in capped} & names):
        return True
    if plain and not capped:
        return False
    return None


@dataclass
class VmafLog:
    """One parsed libvmaf log.

    Attributes
    ----------
    path:
        Where it was read from (``'<string>'`` for text).
    format:
        ``'json'``, ``'xml'`` or ``'csv'``.
    version:
        The version string the log records (libvmaf version or git hash).
    frames:
        Frame numbers (0-based), one per logged frame.
    metrics:
        Every per-frame series, model scores and features alike.
    model_keys:
        The names in ``metrics`` that are model scores, in log order.
    pooled:
        The log's own pooled block: name -> ``{min, max, mean, harmonic_mean}``
        (empty when the log has none, e.g. CSV).
    clipped:
        True/False when known (this package records it; any score above 100
        proves False), None when the log does not say.
    fps:
        Scoring speed the log records (frames per second), if any.
    roles:
        ``{'default': key, 'neg': key}`` when the log says so itself
        (logs written by this package).
    tool:
        Which tool wrote it: ``'libvmaf'`` (the ``vmaf`` tool or FFmpeg's
        ``libvmaf`` filter, which share libvmaf's writer), ``'pyvmafneg'``,
        ``'vmaf (old flat layout)'`` or ``'ffmpeg-quality-metrics'``.
    """

    path: str
    format: str
    version: str
    frames: np.ndarray
    metrics: dict[str, np.ndarray]
    model_keys: list[str]
    pooled: dict[str, dict[str, float]] = field(default_factory=dict)
    clipped: bool | None = None
    fps: float | None = None
    roles: dict[str, str] = field(default_factory=dict)
    tool: str = "libvmaf"

    def __len__(self) -> int:
        return int(self.frames.size)

    def describe(self) -> str:
        """E.g. ``'ffmpeg-quality-metrics JSON, 4 frames, model vmaf'``."""
        models = ", ".join(self.model_keys) or "none"
        s = "s" if len(self.model_keys) != 1 else ""
        return f"{self.tool} {self.format.upper()}, {len(self)} frames, model{s} {models}"

    @property
    def features(self) -> list[str]:
        """Metric names that are not model scores."""
        return [k for k in self.metrics if k not in self.model_keys]


@dataclass
class LoadedLogs:
    """One or two logs combined into a :class:`~pyvmafneg.results._result.Result`.

    ``clipped`` is the default model's clipping as far as the logs tell
    (None: unknown). ``default_source``/``neg_source`` say which log each
    model came from.
    """

    result: Result
    logs: list[VmafLog]
    clipped: bool | None
    default_source: str
    neg_source: str

    def describe(self) -> list[str]:
        """One line per log read: its path, the tool that wrote it and what it held."""
        return [f"{log.path}: {log.describe()}" for log in self.logs]


# -- reading ----------------------------------------------------------------


#: Byte-order marks of the wide Unicode encodings, the UTF-32 ones first (they start as UTF-16's).
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_log(path: str | os.PathLike[str]) -> VmafLog:
    """Read a libvmaf log (JSON, XML or CSV; detected from the content)."""
    name = os.fspath(path)
    p = Path(name)
    if not p.exists():
        raise LogFormatError(f"{name!r} {missing(name)}")
    if p.is_dir():
        raise LogFormatError(f"{name!r} is a directory, not a VMAF log")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise LogFormatError(
            f"cannot read {name!r}: {exc.strerror or exc}; check that the file is readable "
            "(its permissions) and give the path of the VMAF log"
        ) from None
    # A log saved again as UTF-16 or UTF-32 (a Windows editor's "Unicode") starts with its BOM.
    wide = next((enc for bom, enc in _WIDE_BOMS if data.startswith(bom)), None)
    try:
        if wide is not None:
            text = data.decode(wide)
        elif b"\x00" in data[:4096]:
            raise UnicodeDecodeError("utf-8", data[:1], 0, 1, "NUL byte")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LogFormatError(
            f"{name!r} is binary, not a VMAF log",
            advice="give the JSON, XML or CSV log written by the vmaf tool, FFmpeg's libvmaf "
            "filter (log_path=...) or this package (write_log)",
        ) from None
    return parse_log(text, name)


def parse_log(text: str, source: str = "<string>") -> VmafLog:
    """Parse the text of a libvmaf log; ``source`` names it in errors."""
    stripped = text.lstrip()
    if not stripped:
        raise LogFormatError(
            f"{source!r} is empty; the run that should have written it failed or is still "
            "going: re-run it"
        )
    if stripped[0] in "{[":
        return _parse_json(stripped, source)
    if stripped[0] == "<":
        return _parse_xml(stripped, source)
    return _parse_csv(stripped, source)


#: Largest frame number accepted (frame numbers are stored as 64-bit integers).
_MAX_FRAME_NUMBER = 2**63 - 1


def _short(value: Any) -> str:
    """``repr(value)``, cut to 40 characters for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _as_float(value: Any) -> float | None:
    """``value`` as a float, or None when it is not a number (bools are not numbers)."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _number(value: Any, key: str, frame: Any, source: str) -> float:
    if value is None:
        return math.nan
    number = _as_float(value)
    if number is None:
        raise LogFormatError(
            f"{source!r}: frame {frame}: {key} is {_short(value)}, not a number; the log is corrupt"
        )
    return number


def _frame_number(value: Any, position: int, source: str) -> int:
    try:
        num = int(str(value).strip())
    except (TypeError, ValueError):
        raise LogFormatError(
            f"{source!r}: frame entry {position} has frame number {_short(value)}, not an integer"
        ) from None
    if num < 0:
        raise LogFormatError(f"{source!r}: frame entry {position} has a negative number {num}")
    if num > _MAX_FRAME_NUMBER:
        raise LogFormatError(
            f"{source!r}: frame entry {position} has frame number {_short(value)}, too large "
            "to be a frame number; the log is corrupt"
        )
    return num


def _assemble(
    source: str,
    fmt: str,
    version: str,
    rows: list[tuple[int, dict[str, float]]],
    pooled: dict[str, dict[str, float]],
    fps: float | None,
    extras: Mapping[str, Any] | None = None,
    tool: str | None = None,
) -> VmafLog:
    if not rows:
        raise LogFormatError(
            f"{source!r} is a VMAF {fmt.upper()} log with no frames; the scoring run saw no "
            "frame pairs (check the inputs) or was stopped before the first frame"
        )
    keys: list[str] = list(rows[0][1])
    if not keys:
        raise LogFormatError(f"{source!r}: frame {rows[0][0]} has no metrics")
    columns: dict[str, list[float]] = {k: [] for k in keys}
    numbers: list[int] = []
    for num, metrics in rows:
        if numbers and num <= numbers[-1]:
            raise LogFormatError(
                f"{source!r}: frame {num} follows frame {numbers[-1]}; frame numbers must "
                "increase (was the log edited or two logs concatenated?)"
            )
        missing = [k for k in keys if k not in metrics]
        if missing:
            raise LogFormatError(
                f"{source!r}: frame {num} lacks {', '.join(missing[:3])} that frame "
                f"{rows[0][0]} has; the log is corrupt or truncated"
            )
        numbers.append(num)
        for k in keys:
            columns[k].append(metrics[k])
    metrics_arr = {k: np.asarray(v, dtype=np.float64) for k, v in columns.items()}
    if _LEGACY_SCORE in metrics_arr and "vmaf" not in metrics_arr:
        metrics_arr = {("vmaf" if k == _LEGACY_SCORE else k): v for k, v in metrics_arr.items()}
    extras = extras or {}
    model_keys: list[str] = []
    declared = extras.get("pooled") or extras.get("models") or {}
    if isinstance(declared, Mapping):
        model_keys = [k for k in declared if k in metrics_arr]
    if not model_keys:
        model_keys = _without_collections(
            [k for k in metrics_arr if is_model_key(k)], list(metrics_arr)
        )
    roles: dict[str, str] = {}
    gap = extras.get("gap")
    if isinstance(gap, Mapping):
        d, n = gap.get("default_model"), gap.get("neg_model")
        if isinstance(d, str) and isinstance(n, str) and d in metrics_arr and n in metrics_arr:
            roles = {"default": str(d), "neg": str(n)}
    clipped: bool | None = None
    if isinstance(extras.get("clipped"), bool):
        clipped = bool(extras["clipped"])
    for k in model_keys:
        if np.any(metrics_arr[k] > 100.0):
            clipped = False
    if tool is None:
        tool = "pyvmafneg" if extras else "libvmaf"
    return VmafLog(
        path=source,
        format=fmt,
        version=version,
        frames=np.asarray(numbers, dtype=np.int64),
        metrics=metrics_arr,
        model_keys=model_keys,
        pooled=pooled,
        clipped=clipped,
        fps=fps,
        roles=roles,
        tool=tool,
    )


def _is_json_number(value: Any) -> bool:
    """True for JSON numbers (ints and floats, not booleans)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _parse_json(text: str, source: str) -> VmafLog:
    try:
        data = json.loads(text)
    except RecursionError:
        raise LogFormatError(
            f"{source!r} is JSON nested too deeply to be a VMAF log; give the log written by "
            "the vmaf tool, FFmpeg's libvmaf filter (log_fmt=json) or pyvmafneg"
        ) from None
    except json.JSONDecodeError as exc:
        end = " (at the very end: the log is truncated)" if exc.pos >= len(text) - 1 else ""
        raise LogFormatError(
            f"{source!r} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}{end}; the log is damaged or truncated: re-run the scoring"
        ) from None
    except ValueError as exc:  # e.g. an integer literal longer than Python converts
        raise LogFormatError(
            f"{source!r} is not a usable JSON log ({exc}); the log is damaged: re-run the scoring"
        ) from None
    if not isinstance(data, dict):
        raise LogFormatError(
            f"{source!r} is JSON but not a VMAF log: its top level is a "
            f'{type(data).__name__}, not an object with a "frames" list'
        )
    frames = data.get("frames")
    if not isinstance(frames, list) and _is_fqm_json(data):
        return _parse_fqm_json(data, source)
    if not isinstance(frames, list):
        keys = ", ".join(list(data)[:6]) or "none"
        raise LogFormatError(
            f'{source!r} is JSON but not a VMAF log: it has no "frames" list (top-level '
            f"keys: {keys}); give a log written by the vmaf tool, FFmpeg's libvmaf filter "
            "(log_fmt=json) or pyvmafneg"
        )
    rows: list[tuple[int, dict[str, float]]] = []
    flat = False
    for i, entry in enumerate(frames):
        if not isinstance(entry, dict) or "frameNum" not in entry:
            raise LogFormatError(
                f'{source!r}: frame entry {i} is not an object with a "frameNum"; '
                "not a VMAF log or a corrupt one"
            )
        num = _frame_number(entry["frameNum"], i, source)
        raw = entry.get("metrics")
        if raw is None:  # flat layout of old vmaf releases
            raw = {k: v for k, v in entry.items() if k != "frameNum"}
            flat = True
        if not isinstance(raw, dict):
            raise LogFormatError(f'{source!r}: frame {num}: "metrics" is not an object')
        rows.append((num, {str(k): _number(v, str(k), num, source) for k, v in raw.items()}))
    pooled: dict[str, dict[str, float]] = {}
    block = data.get("pooled_metrics")
    if isinstance(block, dict):
        for key, stats in block.items():
            if isinstance(stats, dict):
                pooled[str(key)] = {
                    s: f
                    for s, v in stats.items()
                    if _is_json_number(v) and (f := _as_float(v)) is not None
                }
    fps = _as_float(data.get("fps")) if _is_json_number(data.get("fps")) else None
    extras = data.get("pyvmafneg") if isinstance(data.get("pyvmafneg"), dict) else None
    return _assemble(
        source,
        "json",
        str(data.get("version", "")),
        rows,
        pooled,
        fps,
        extras,
        tool="vmaf (old flat layout)" if flat and not extras else None,
    )


def _parse_xml(text: str, source: str) -> VmafLog:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise LogFormatError(
            f"{source!r} is not well-formed XML ({exc}); the log is damaged or truncated: "
            "re-run the scoring"
        ) from None
    if root.tag != "VMAF":
        raise LogFormatError(
            f"{source!r} is XML but not a VMAF log: its root element is <{root.tag}>, not <VMAF>"
        )
    frames_el = root.find("frames")
    if frames_el is None:
        raise LogFormatError(f"{source!r} is a <VMAF> document without a <frames> element")
    rows: list[tuple[int, dict[str, float]]] = []
    for i, el in enumerate(frames_el.findall("frame")):
        if "frameNum" not in el.attrib:
            raise LogFormatError(f"{source!r}: <frame> {i} has no frameNum attribute")
        num = _frame_number(el.attrib["frameNum"], i, source)
        metrics = {k: _number(v, k, num, source) for k, v in el.attrib.items() if k != "frameNum"}
        rows.append((num, metrics))
    pooled: dict[str, dict[str, float]] = {}
    pooled_el = root.find("pooled_metrics")
    if pooled_el is not None:
        for m in pooled_el.findall("metric"):
            name = m.attrib.get("name")
            if name:
                stats = {}
                for s, v in m.attrib.items():
                    if s != "name":
                        try:
                            stats[s] = float(v)
                        except ValueError:
                            continue
                pooled[name] = stats
    fps = None
    fyi = root.find("fyi")
    if fyi is not None and "fps" in fyi.attrib:
        try:
            fps = float(fyi.attrib["fps"])
        except ValueError:
            fps = None
    extras: dict[str, Any] | None = None
    own = root.find("pyvmafneg")
    if own is not None:
        extras = {"clipped": own.attrib.get("clipped") == "true"}
        d, n = own.attrib.get("default_model"), own.attrib.get("neg_model")
        if d and n:
            extras["gap"] = {"default_model": d, "neg_model": n}
        models = [m.attrib.get("name") for m in own.findall("model") if m.attrib.get("name")]
        if models:
            extras["models"] = {m: "" for m in models}
    return _assemble(source, "xml", root.attrib.get("version", ""), rows, pooled, fps, extras)


def _parse_csv(text: str, source: str) -> VmafLog:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        header = []
    if header and header[0].strip() == "n":
        return _parse_fqm_csv(header, reader, source)
    if not header or header[0].strip().lower() != "frame":
        raise LogFormatError(
            f"{source!r} is not a VMAF log: it is neither JSON nor XML, and as CSV its header "
            "does not start with 'Frame'; give the log written by the vmaf tool, FFmpeg's "
            "libvmaf filter or pyvmafneg"
        )
    trailing = header[-1].strip() == ""
    names = [h.strip() for h in header]
    if trailing:
        names = names[:-1]
    if len(names) < 2 or any(not n for n in names):
        raise LogFormatError(f"{source!r}: the CSV header has empty or no metric names")
    width = len(header)
    rows: list[tuple[int, dict[str, float]]] = []
    try:
        for line_no, row in enumerate(reader, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != width:
                raise LogFormatError(
                    f"{source!r}: line {line_no} has {len(row)} fields but the header has "
                    f"{width}; the log is truncated or corrupt: re-run the scoring"
                )
            if trailing and row[-1].strip():
                raise LogFormatError(
                    f"{source!r}: line {line_no} has a value past the last header column"
                )
            num = _frame_number(row[0], line_no - 2, source)
            metrics = {}
            for name, cell in zip(names[1:], row[1:], strict=False):
                cell = cell.strip()
                if not cell:
                    raise LogFormatError(
                        f"{source!r}: line {line_no} (frame {num}) has no value for {name}"
                    )
                metrics[name] = _number(cell, name, num, source)
            rows.append((num, metrics))
    except csv.Error as exc:
        raise LogFormatError(
            f"{source!r}: malformed CSV ({exc}); the log is damaged: re-run the scoring"
        ) from None
    return _assemble(source, "csv", "", rows, {}, None)


# -- ffmpeg-quality-metrics ---------------------------------------------------

#: The tool name logs of ffmpeg-quality-metrics are reported under.
FQM = "ffmpeg-quality-metrics"
#: Metric groups ffmpeg-quality-metrics writes, one list of per-frame rows each.
_FQM_GROUPS = ("vmaf", "psnr", "ssim", "vif", "msad")
#: Text columns of its CSV (the input files), not metrics.
_FQM_TEXT = ("input_file_dist", "input_file_ref")


def _is_fqm_json(data: Mapping[str, Any]) -> bool:
    """True for the JSON ffmpeg-quality-metrics writes: metric groups of rows with ``n``."""
    groups = [v for g in _FQM_GROUPS if isinstance(v := data.get(g), list)]
    return bool(groups) and all(
        all(isinstance(row, dict) and "n" in row for row in group) for group in groups
    )


def _no_vmaf(source: str, tool: str, fmt: str, metrics: Sequence[str]) -> NoVmafScoresError:
    shown = ", ".join(list(metrics)[:8]) or "none"
    return NoVmafScoresError(
        f"{source!r} is a {tool} {fmt} log without VMAF scores (its metrics: {shown}); "
        "run it with the vmaf metric, once with the default model and once with "
        "vmaf_v0.6.1neg (or both in one libvmaf log)",
        path=source,
        tool=tool,
        metrics=tuple(metrics),
    )


def _fqm_frame(value: Any, position: int, source: str) -> int:
    """ffmpeg-quality-metrics counts frames from 1; logs here count from 0."""
    num = _frame_number(value, position, source)
    if num < 1:
        raise LogFormatError(
            f"{source!r}: row {position} has n={num}; ffmpeg-quality-metrics numbers frames "
            "from 1, so the log is corrupt"
        )
    return num - 1


def _parse_fqm_json(data: Mapping[str, Any], source: str) -> VmafLog:
    merged: dict[int, dict[str, float]] = {}
    order: list[int] = []
    for group in _FQM_GROUPS:
        rows = data.get(group)
        if not isinstance(rows, list):
            continue
        for i, row in enumerate(rows):
            num = _fqm_frame(row.get("n"), i, source)
            if num not in merged:
                merged[num] = {}
                order.append(num)
            for key, value in row.items():
                if key == "n":
                    continue
                name = str(key)
                if name in merged[num] and group != "vmaf":
                    name = f"{group}_{name}"
                merged[num][name] = _number(value, name, num, source)
    if not isinstance(data.get("vmaf"), list) or not data["vmaf"]:
        names = list(merged[order[0]]) if order else []
        raise _no_vmaf(source, FQM, "JSON", names)
    rows_out = [(num, merged[num]) for num in sorted(order)]
    log = _assemble(source, "json", "", rows_out, {}, None, tool=FQM)
    if not log.model_keys:
        raise _no_vmaf(source, FQM, "JSON", list(log.metrics))
    return log


def _parse_fqm_csv(header: list[str], reader: Any, source: str) -> VmafLog:
    names = [h.strip() for h in header]
    keep = [i for i, n in enumerate(names) if i > 0 and n and n not in _FQM_TEXT]
    rows: list[tuple[int, dict[str, float]]] = []
    try:
        for line_no, row in enumerate(reader, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(names):
                raise LogFormatError(
                    f"{source!r}: line {line_no} has {len(row)} fields but the header has "
                    f"{len(names)}; the log is truncated or corrupt: re-run "
                    "ffmpeg-quality-metrics"
                )
            num = _fqm_frame(row[0], line_no - 2, source)
            rows.append(
                (num, {names[i]: _number(row[i].strip(), names[i], num, source) for i in keep})
            )
    except csv.Error as exc:
        raise LogFormatError(f"{source!r}: malformed CSV ({exc}); the log is damaged") from None
    metrics = [names[i] for i in keep]
    if not any(is_model_key(m) for m in metrics):
        raise _no_vmaf(source, FQM, "CSV", metrics)
    return _assemble(source, "csv", "", rows, {}, None, tool=FQM)


# -- combining ---------------------------------------------------------------


def _pick(log: VmafLog, want_neg: bool) -> str | None:
    for key in log.model_keys:
        if looks_neg(key) == want_neg:
            return key
    return None


def _role_of(log: VmafLog) -> bool | None:
    """True if the log is NEG-only, False if default-only, None if unclear."""
    if log.roles:
        return None
    names = [looks_neg(k) for k in log.model_keys]
    if names and all(names):
        return True
    if len(log.model_keys) == 1:
        by_features = _features_say_neg(log.features)
        if by_features is not None:
            return by_features
        return False
    if names and not any(names):
        return False
    return None


def _no_models(log: VmafLog) -> LogFormatError:
    shown = ", ".join(list(log.metrics)[:8])
    return NoVmafScoresError(
        f"{log.path!r} ({log.tool} {log.format.upper()}) holds no VMAF model scores "
        f"(metrics: {shown})",
        advice="if a model was given a custom name, say which with {default_key} / {neg_key}",
        options={"default_key": ..., "neg_key": ...},
        path=log.path,
        tool=log.tool,
        metrics=tuple(log.metrics),
    )


def result_from_logs(
    logs: Sequence[VmafLog],
    *,
    default_key: str | None = None,
    neg_key: str | None = None,
    neg_log: int | None = None,
) -> LoadedLogs:
    """Combine one log (both models) or two logs (one model each) into a Result.

    Parameters
    ----------
    default_key, neg_key:
        Metric names of the default and NEG model scores, when the names do
        not say which is which.
    neg_log:
        With two logs, which one (1 or 2) holds NEG.
    """
    if not logs or len(logs) > 2:
        raise LogFormatError("give one log holding both models, or two logs (default and NEG)")
    for log in logs:
        for key in (default_key, neg_key):
            if key is not None and key in log.metrics and key not in log.model_keys:
                log.model_keys.append(key)
    if len(logs) == 1:
        log = logs[0]
        if neg_log not in (None, 1):
            raise LogFormatError(
                "one log was given",
                advice="{neg_log} needs two logs: give the second one",
                options={"neg_log": neg_log},
            )
        d_log = n_log = log
        d_key, n_key = _choose_single(log, default_key, neg_key)
    else:
        d_log, n_log, d_key, n_key = _choose_pair(logs[0], logs[1], default_key, neg_key, neg_log)
        if len(d_log) != len(n_log) or not np.array_equal(d_log.frames, n_log.frames):
            raise LogFormatError(
                f"{d_log.path!r} has {len(d_log)} frames but {n_log.path!r} has {len(n_log)}"
                + ("" if len(d_log) != len(n_log) else " with different frame numbers")
                + "; the two logs must score the same frames of the same clip"
            )
    for log, key, role in ((d_log, d_key, "default"), (n_log, n_key, "NEG")):
        bad = np.flatnonzero(~np.isfinite(log.metrics[key]))
        if bad.size:
            value = float(log.metrics[key][bad[0]])
            what = "no score (null/NaN)" if math.isnan(value) else f"an infinite score ({value})"
            raise LogFormatError(
                f"{log.path!r}: the {role} model {key!r} has {what} at frame "
                f"{int(log.frames[bad[0]])}; the log cannot be checked"
            )
    d_name, n_name = d_key, n_key
    if d_log is not n_log and d_name == n_name:
        n_name = f"{n_key}_neg"
    scores = {d_name: d_log.metrics[d_key], n_name: n_log.metrics[n_key]}
    features: dict[str, np.ndarray] = {}
    for log in (d_log, n_log):
        for name in log.features:
            features.setdefault(name, log.metrics[name])
    for log in (d_log,) if d_log is n_log else (d_log, n_log):
        for key in log.model_keys:
            if key not in (d_key, n_key) and key not in scores:
                scores[key] = log.metrics[key]
    result = Result(
        frames=d_log.frames,
        scores=scores,
        features=features,
        default_model=d_name,
        neg_model=n_name,
        clipped=d_log.clipped is not False,
        backend="log",
        version=d_log.version,
        models={d_name: f"{d_name} from {d_log.path}", n_name: f"{n_name} from {n_log.path}"},
        fps=d_log.fps,
    )
    return LoadedLogs(
        result=result,
        logs=list(logs),
        clipped=d_log.clipped,
        default_source=d_log.path,
        neg_source=n_log.path,
    )


def _require(log: VmafLog, key: str, option: str) -> None:
    if key not in log.metrics:
        raise LogFormatError(
            f"{log.path!r} has no metric {key!r}; its model scores are: "
            f"{', '.join(log.model_keys) or 'none'}",
            advice=f"give one of them with {{{option}}}",
            options={option: ...},
            keys=tuple(log.model_keys),
        )


def _choose_single(log: VmafLog, default_key: str | None, neg_key: str | None) -> tuple[str, str]:
    if default_key is not None:
        _require(log, default_key, "default_key")
    if neg_key is not None:
        _require(log, neg_key, "neg_key")
    if not log.model_keys:
        raise _no_models(log)
    d = default_key or log.roles.get("default")
    n = neg_key or log.roles.get("neg")
    if n is None:
        n = _pick(log, want_neg=True)
    if d is None:
        candidates = [k for k in log.model_keys if k != n and not looks_neg(k)]
        # Prefer the default whose name is the NEG name without "neg": vmaf_neg -> vmaf.
        stem = re.sub(r"_?neg$", "", n) if n else None
        d = stem if stem in candidates else (candidates[0] if candidates else None)
    if len(log.model_keys) == 1 and (d is None or n is None):
        only = log.model_keys[0]
        role = "NEG" if _role_of(log) else "default"
        raise LogFormatError(
            f"{log.path!r} holds one model ({only!r}, which looks like {role})",
            advice="give the other model's log too (one log per model: default, then NEG)",
            keys=(only,),
        )
    if d is None or n is None or d == n:
        raise LogFormatError(
            f"{log.path!r} holds the models {', '.join(log.model_keys)} and their names do "
            "not say which is default and which is NEG",
            advice="pass {default_key} and {neg_key}",
            options={"default_key": ..., "neg_key": ...},
            keys=tuple(log.model_keys),
        )
    return d, n


def _choose_pair(
    a: VmafLog,
    b: VmafLog,
    default_key: str | None,
    neg_key: str | None,
    neg_log: int | None,
) -> tuple[VmafLog, VmafLog, str, str]:
    for log in (a, b):
        if not log.model_keys:
            raise _no_models(log)
    if neg_log not in (None, 1, 2):
        raise LogFormatError(
            f"the NEG log must be number 1 or 2; got {neg_log}",
            advice="pass {neg_log} or 2",
            options={"neg_log": 1},
        )
    if neg_log is None and neg_key is not None:
        if neg_key in b.metrics and neg_key not in a.metrics:
            neg_log = 2
        elif neg_key in a.metrics and neg_key not in b.metrics:
            neg_log = 1
    if neg_log is None and default_key is not None:
        if default_key in a.metrics and default_key not in b.metrics:
            neg_log = 2
        elif default_key in b.metrics and default_key not in a.metrics:
            neg_log = 1
    if neg_log is None:
        ra, rb = _role_of(a), _role_of(b)
        if ra is True and rb is not True:
            neg_log = 1
        elif rb is True and ra is not True:
            neg_log = 2
        else:
            what = "NEG" if ra else "default (or both models)"
            raise LogFormatError(
                f"cannot tell which log is NEG: {a.path!r} and {b.path!r} both look like "
                f"{what} logs",
                advice="pass {neg_log} or 2 (or {default_key} / {neg_key})",
                options={"neg_log": 1, "default_key": ..., "neg_key": ...},
                keys=(*a.model_keys, *b.model_keys),
            )
    d_log, n_log = (b, a) if neg_log == 1 else (a, b)
    if default_key is not None:
        _require(d_log, default_key, "default_key")
    if neg_key is not None:
        _require(n_log, neg_key, "neg_key")
    d_key = default_key or (
        d_log.model_keys[0] if len(d_log.model_keys) == 1 else _pick(d_log, want_neg=False)
    )
    n_key = neg_key or (
        n_log.model_keys[0] if len(n_log.model_keys) == 1 else _pick(n_log, want_neg=True)
    )
    if d_key is None or n_key is None:
        log = d_log if d_key is None else n_log
        raise LogFormatError(
            f"{log.path!r} holds the models {', '.join(log.model_keys)}",
            advice="pass {default_key} / {neg_key} to say which to use",
            options={"default_key": ..., "neg_key": ...},
            keys=tuple(log.model_keys),
        )
    return d_log, n_log, d_key, n_key


def load_logs(
    paths: Sequence[str | os.PathLike[str]],
    *,
    default_key: str | None = None,
    neg_key: str | None = None,
    neg_log: int | None = None,
) -> LoadedLogs:
    """Read one or two log files and combine them (see :func:`result_from_logs`)."""
    logs = [read_log(p) for p in paths]
    return result_from_logs(logs, default_key=default_key, neg_key=neg_key, neg_log=neg_log)


# -- writing -----------------------------------------------------------------


def to_xml(result: Result, path: str | os.PathLike[str] | None = None) -> str:
    """Write (when ``path`` is given) and return the log in libvmaf's XML layout.

    A ``<pyvmafneg>`` element records clipping and the default/NEG pair;
    readers of libvmaf logs ignore it. Non-finite values are written as
    libvmaf writes them in its XML logs: ``inf``, ``-inf``, ``nan``.
    """
    root = ET.Element("VMAF", version=result.version or "")
    fyi = ET.SubElement(root, "fyi")
    if result.fps is not None:
        fyi.set("fps", f"{result.fps:.2f}")
    frames_el = ET.SubElement(root, "frames")
    keys = [*result.features, *result.scores]
    for i, num in enumerate(result.frames):
        el = ET.SubElement(frames_el, "frame", frameNum=str(int(num)))
        for key in keys:
            el.set(key, format_text(result[key][i]))
    pooled_el = ET.SubElement(root, "pooled_metrics")
    if len(result):
        for key in keys:
            p = pool(result[key])
            ET.SubElement(
                pooled_el,
                "metric",
                name=key,
                min=format_text(p.min),
                max=format_text(p.max),
                mean=format_text(p.mean),
                harmonic_mean=format_text(p.harmonic_mean),
            )
    ET.SubElement(root, "aggregate_metrics")
    own = ET.SubElement(
        root, "pyvmafneg", backend=result.backend, clipped="true" if result.clipped else "false"
    )
    if result.has_gap:
        own.set("default_model", str(result.default_model))
        own.set("neg_model", str(result.neg_model))
    for name in result.scores:
        ET.SubElement(own, "model", name=name, description=result.models.get(name, ""))
    ET.indent(root, space="  ")
    text = ET.tostring(root, encoding="unicode") + "\n"
    if path is not None:
        write_file(path, text, "the log")
    return text


def write_log(result: Result, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Write ``result`` as a ``json``, ``xml`` or ``csv`` log (format from the suffix)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "json").lower()
    if fmt == "xml":
        to_xml(result, path)
        return path
    if fmt in ("json", "csv"):
        return result.write(path, fmt)
    raise LogFormatError(f"unknown log format {fmt!r}; use json, xml or csv")
