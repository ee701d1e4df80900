"""The comparison manifest: which encodes of which references to score (TOML).

A manifest lists the references (sources) and, for each encode, its
reference, its codec/encoder label, its setting label, a rate-point label and
its file. Encodes sharing a codec and setting form one rate-quality curve
(a *series*) per source. Relative paths are taken from the manifest's folder.

Example ``comparison.toml``::

    [comparison]                      # optional; these are the defaults
    models = ["vmaf_v0.6.1:egl=1.5"]  # extra models; default VMAF and VMAF-NEG are
                                      # always scored (as vmaf, vmaf_neg) unless listed
    anchor = "x264 plain"             # series others are compared with (default: first)
    bd_method = "pchip"               # or "cubic" (VCEG-M33)
    bd_gap_threshold = 5.0            # flag when default and NEG BD-rates differ more
    gap_threshold = 3.5               # flag an encode whose default - NEG gap is larger
    subsample = 1                     # score every N-th frame
    threads = 0                       # libvmaf threads per pair (pairs already run in parallel)
    scale = "bicubic"                 # encodes of another size are scaled to their reference's
                                      # (lanczos, bilinear, neighbor, spline, area; "none" refuses)
    # size = "1920x1080"              # optional display size: score every pair at this size
    # deinterlace = "auto"            # broadcast inputs (default off): auto, bwdif, yadif
    # convert_fps = "auto"            # frame-rate conversion (default off): auto or "N/D"
    # crop = "1920:800:0:140"         # crop every encode ("W:H:X:Y" or "detect")

    [[reference]]
    name = "chelsea"
    file = "refs/chelsea.y4m"         # Y4M or any container PyAV decodes

    [[reference]]
    name = "foreman"
    file = "refs/foreman_cif.yuv"     # raw YUV needs its geometry and rate:
    width = 352
    height = 288
    pixel_format = "420"              # 420 (default), 422, 444, 400
    bitdepth = 8                      # 8 (default), 10, 12, 16
    fps = 30

    [[encode]]
    reference = "chelsea"
    codec = "x264"
    setting = "plain"
    point = "crf28"                   # optional label of the rate point
    file = "enc/chelsea-plain-crf28.mkv"
    # bitrate_kbps = 812.5            # optional; else file size * 8 / duration
    # frames = 240                    # optional; score only the first 240 frames of both
    # scale = "lanczos"               # optional; this encode's scaling (and size = "WxH")
    # resolution = "854x480"          # optional; checked against the file's coded size
    # deinterlace, convert_fps, crop  # optional; this encode's (see docs/broadcast.md)

Encodes at another resolution than their reference (the rungs of an ABR
ladder) are scaled to the reference size in the scoring pipeline, so a
ladder comparison runs from the manifest alone. A series whose encodes come
at more than one resolution is a ladder: its rate-quality curve is the
convex hull of its points (see :mod:`pyvmafneg.comparison._hull`). An
encode larger than its reference is refused (a rung is never larger than its
source), and so is a series whose encodes differ in frame rate.

Besides VMAF and VMAF-NEG, every pair is scored for PSNR-Y and SSIM in the
same pass, with BD-rates on them too.

The bitrate of an encode, unless given, is its file size in bits divided by
its duration (frames / fps), so container overhead is included; give
``bitrate_kbps`` for the elementary-stream rate if that matters.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._defaults import DEFAULT_SCALER
from .._outputs import missing
from ..engines._models import DEFAULT_MODELS, ModelSpec, resolve_models
from ..errors import ManifestError, ModelError

__all__ = [
    "Clip",
    "Encode",
    "Manifest",
    "gap_pair",
    "load_manifest",
    "parse_manifest",
    "with_default_pair",
]

_RAW_KEYS = ("width", "height", "pixel_format", "bitdepth")
_SETTINGS = {
    "models",
    "anchor",
    "bd_method",
    "bd_gap_threshold",
    "gap_threshold",
    "subsample",
    "threads",
    "scale",
    "size",
    *("deinterlace", "convert_fps", "crop"),
}
_REFERENCE_KEYS = {"name", "file", "fps", *_RAW_KEYS}
_ENCODE_KEYS = {
    "reference",
    "codec",
    "setting",
    "point",
    "file",
    "fps",
    "bitrate_kbps",
    "frames",
    "scale",
    "size",
    "resolution",
    *("deinterlace", "convert_fps", "crop"),
    *_RAW_KEYS,
}

#: Manifest keys of the broadcast-input steps -> :func:`pyvmafneg.io._conform.conform_pair`'s.
BROADCAST_KEYS = {"deinterlace": "deinterlace", "convert_fps": "fps", "crop": "crop"}


@dataclass(frozen=True)
class Clip:
    """A video file with what is needed to open it.

    ``raw`` holds ``width``, ``height``, ``pixel_format`` and ``bitdepth``
    for raw YUV files (empty for Y4M and containers); ``fps`` overrides the
    file's own frame rate (needed for raw YUV without ``bitrate_kbps``).
    """

    file: str
    raw: dict[str, Any] = field(default_factory=dict)
    fps: float | None = None


@dataclass(frozen=True)
class Encode:
    """One encode to score against its reference.

    Attributes
    ----------
    reference:
        Name of its reference in :attr:`Manifest.references`.
    codec, setting, point:
        Labels: codec/encoder, setting, rate point.
    clip:
        The encode's file.
    bitrate_kbps:
        Given bitrate, or None to compute it from file size and duration.
    frames:
        Score only the first N frames of both files (None: all; then both
        must hold the same number).
    scale, size:
        Scaling algorithm for an encode of another size than its reference
        (None: refuse) and the display size to score at (None: the
        reference's); see :func:`pyvmafneg.io.prepare_pair`.
    resolution:
        The coded size the manifest states for the encode (checked against
        the file when it is scored), or None to read it from the file.
    broadcast:
        ``deinterlace``, ``fps`` and ``crop`` for
        :func:`pyvmafneg.io._conform.conform_pair`, as ``(keyword, value)``
        pairs (empty: the pair is scored as stored).
    """

    reference: str
    codec: str
    setting: str
    point: str
    clip: Clip
    bitrate_kbps: float | None = None
    frames: int | None = None
    scale: str | None = DEFAULT_SCALER
    size: tuple[int, int] | None = None
    resolution: tuple[int, int] | None = None
    broadcast: tuple[tuple[str, str], ...] = ()

    @property
    def series(self) -> str:
        """``'<codec> <setting>'``."""
        from ._analysis import series_name

        return series_name(self.codec, self.setting)


@dataclass(frozen=True)
class Manifest:
    """A parsed comparison manifest (see the module docstring for the format)."""

    path: str
    references: dict[str, Clip]
    encodes: list[Encode]
    models: tuple[ModelSpec, ...] = DEFAULT_MODELS
    anchor: str | None = None
    bd_method: str = "pchip"
    bd_gap_threshold: float = 5.0
    gap_threshold: float = 3.5
    subsample: int = 1
    threads: int = 0
    scale: str | None = DEFAULT_SCALER
    size: tuple[int, int] | None = None

    @property
    def series(self) -> list[str]:
        """Series names in manifest order."""
        return list(dict.fromkeys(e.series for e in self.encodes))


def gap_pair(models: Sequence[ModelSpec]) -> tuple[str | None, str | None]:
    """Names of the default (uncapped) and the NEG model of a comparison.

    The default side is the first model with no enhancement cap (both gain
    limits 100); a model with a partial cap (e.g. ``egl=1.5``) is neither.
    """
    default = next(
        (s.name for s in models if not s.is_neg and s.effective_limits == (100.0, 100.0)), None
    )
    neg = next((s.name for s in models if s.is_neg), None)
    return default, neg


def with_default_pair(models: Sequence[ModelSpec]) -> tuple[ModelSpec, ...]:
    """``models`` with default VMAF and VMAF-NEG added in front where missing.

    A comparison always scores both sides of the gap; a model list that
    already holds an uncapped model and a NEG model (e.g. the 4K pair) is kept.
    """
    default, neg = gap_pair(models)
    front = []
    if default is None:
        front.append(DEFAULT_MODELS[0])
    if neg is None:
        front.append(DEFAULT_MODELS[1])
    return resolve_models([*front, *models])


def load_manifest(path: str | os.PathLike[str]) -> Manifest:
    """Read and check a TOML comparison manifest.

    Raises
    ------
    ManifestError
        The file is missing or not TOML, a key is missing or has the wrong
        type, a reference is unknown or a file does not exist; the message
        names the entry and says what to write.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ManifestError(f"manifest {path!r} {missing(path)}") from None
    except IsADirectoryError:
        raise ManifestError(f"manifest {path!r} is a directory; give the .toml file") from None
    except OSError as exc:
        raise ManifestError(f"cannot read manifest {path!r}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(
            f"manifest {path!r} is not valid TOML ({exc})",
            advice="see the manifest format in the documentation of pyvmafneg.comparison",
        ) from None
    return parse_manifest(data, base=os.path.dirname(os.path.abspath(path)), path=path)


def _text(entry: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = entry.get(key)
    if value is None:
        if required:
            raise ManifestError(f'{where} has no {key!r}; add {key} = "..."')
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ManifestError(f"{where}: {key!r} must be a non-empty string; got {value!r}")
    return value.strip()


def _number(value: Any, key: str, where: str, *, low: float, integer: bool = False) -> Any:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or not math.isfinite(value) or value < low:
        kind = "an integer" if integer else "a number"
        raise ManifestError(f"{where}: {key!r} must be {kind} >= {low:g}; got {value!r}")
    return value


def _clip(entry: Mapping[str, Any], where: str, base: str) -> Clip:
    file = _text(entry, "file", where)
    full = os.path.normpath(os.path.join(base, os.path.expanduser(file)))
    if os.path.isdir(full):
        raise ManifestError(f"{where}: file {full!r} is a directory; give the path of a video file")
    if not os.path.isfile(full):
        raise ManifestError(
            f"{where}: file {full!r} {missing(full)} (relative paths start at {base!r})"
        )
    raw: dict[str, Any] = {}
    for key in _RAW_KEYS:
        if key in entry:
            value = entry[key]
            if key == "pixel_format":
                raw[key] = str(value)
            else:
                raw[key] = _number(value, key, where, low=1, integer=True)
    if raw and not ("width" in raw and "height" in raw):
        raise ManifestError(f"{where}: a raw YUV file needs both width and height")
    fps = entry.get("fps")
    if fps is not None:
        fps = float(_number(fps, "fps", where, low=1e-6))
    from ..io._sources import detect_kind

    if not raw and detect_kind(full) == "raw":
        raise ManifestError(
            f"{where}: {file!r} is raw YUV; add width = ..., height = ... (and pixel_format, "
            "bitdepth unless 8-bit 4:2:0) to the entry"
        )
    return Clip(file=full, raw=raw, fps=fps)


def _known_keys(entry: Mapping[str, Any], known: set[str], where: str, table: str) -> None:
    """Refuse a key the table does not take (a typo would otherwise be ignored)."""
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ManifestError(
            f"{where}: unknown key {unknown[0]!r} in {table}; known: {', '.join(sorted(known))}"
        )


def _entries(data: Mapping[str, Any], key: str, path: str) -> list[Mapping[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ManifestError(f"{path}: {key!r} must be an array of tables: write [[{key}]] blocks")
    return value


def parse_manifest(
    data: Mapping[str, Any], *, base: str = ".", path: str = "<manifest>"
) -> Manifest:
    """Build a :class:`Manifest` from already-parsed TOML data (paths relative to ``base``)."""
    unknown = set(data) - {"comparison", "reference", "encode"}
    if unknown:
        raise ManifestError(
            f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}; "
            "a manifest has [comparison], [[reference]] and [[encode]]"
        )
    settings = data.get("comparison", {})
    if not isinstance(settings, dict):
        raise ManifestError(f"{path}: 'comparison' must be a table: write [comparison]")
    bad = set(settings) - _SETTINGS
    if bad:
        raise ManifestError(
            f"{path}: unknown [comparison] key(s) {', '.join(sorted(bad))}; "
            f"known: {', '.join(sorted(_SETTINGS))}"
        )
    method = settings.get("bd_method", "pchip")
    if method not in ("pchip", "cubic"):
        raise ManifestError(f"{path}: bd_method must be 'pchip' or 'cubic'; got {method!r}")
    default_scale, default_size = _scaling(settings, f"{path}: [comparison]", DEFAULT_SCALER, None)
    default_broadcast = _broadcast(settings, f"{path}: [comparison]", {})
    references: dict[str, Clip] = {}
    for i, entry in enumerate(_entries(data, "reference", path), start=1):
        where = f"{path}: [[reference]] #{i}"
        _known_keys(entry, _REFERENCE_KEYS, where, "[[reference]]")
        name = _text(entry, "name", where)
        if name in references:
            raise ManifestError(f"{where}: a reference named {name!r} is already listed")
        references[name] = _clip(entry, f"{where} ({name})", base)
    if not references:
        raise ManifestError(f"{path}: no references; add [[reference]] blocks with name and file")
    encodes: list[Encode] = []
    seen: set[tuple[str, str, str, str]] = set()
    for i, entry in enumerate(_entries(data, "encode", path), start=1):
        where = f"{path}: [[encode]] #{i}"
        _known_keys(entry, _ENCODE_KEYS, where, "[[encode]]")
        ref = _text(entry, "reference", where)
        if ref not in references:
            raise ManifestError(
                f"{where}: reference {ref!r} is not listed; known: "
                f"{', '.join(repr(r) for r in references)}"
            )
        codec = _text(entry, "codec", where)
        setting = _text(entry, "setting", where, required=False) or "default"
        clip = _clip(entry, where, base)
        point = _text(entry, "point", where, required=False) or Path(clip.file).stem
        rate = entry.get("bitrate_kbps")
        if rate is not None:
            rate = float(_number(rate, "bitrate_kbps", where, low=1e-9))
            if rate <= 0:
                raise ManifestError(f"{where}: bitrate_kbps must be > 0; got {rate}")
        elif clip.raw and clip.fps is None:
            raise ManifestError(
                f"{where}: a raw YUV encode carries no bitrate; give bitrate_kbps = ... "
                "(or fps = ... to compute it from the file size)"
            )
        ident = (ref, codec, setting, point)
        if ident in seen:
            raise ManifestError(
                f"{where}: {ref}/{codec} {setting}/{point} is listed twice; give each rate point "
                "a distinct point label"
            )
        seen.add(ident)
        frames = entry.get("frames")
        if frames is not None:
            frames = _number(frames, "frames", where, low=1, integer=True)
        enc_scale, enc_size = _scaling(entry, where, default_scale, default_size)
        resolution = None
        if "resolution" in entry:
            from ..errors import ScalerError
            from ..io._prepare import check_size

            value = entry["resolution"]
            try:
                resolution = check_size(value) if isinstance(value, (str, list)) else None
            except ScalerError:
                resolution = None
            if resolution is None:
                raise ManifestError(
                    f'{where}: resolution must be "WxH" or [W, H] in pixels; got {value!r}'
                )
        steps = _broadcast(entry, where, default_broadcast)
        encodes.append(
            Encode(
                ref,
                codec,
                setting,
                point,
                clip,
                rate,
                frames,
                enc_scale,
                enc_size,
                resolution,
                tuple(sorted(steps.items())),
            )
        )
    if not encodes:
        raise ManifestError(f"{path}: no encodes; add [[encode]] blocks")
    models_value = settings.get("models")
    try:
        if models_value is None:
            models = DEFAULT_MODELS
        else:
            if not isinstance(models_value, list) or not all(
                isinstance(m, str) for m in models_value
            ):
                raise ManifestError(f"{path}: models must be a list of strings")
            resolved = []
            for m in models_value:
                if m.lower().endswith(".json") and not os.path.isabs(m):
                    m = os.path.join(base, m)
                resolved.append(m)
            models = with_default_pair(resolve_models(resolved))
    except ModelError as exc:
        raise ManifestError(f"{path}: [comparison] models: {exc}") from None
    anchor = settings.get("anchor")
    series = list(dict.fromkeys(e.series for e in encodes))
    if anchor is not None and anchor not in series:
        raise ManifestError(
            f"{path}: anchor {anchor!r} is not a series of the manifest; series (codec setting) "
            f"are: {', '.join(repr(s) for s in series)}"
        )
    where = f"{path}: [comparison]"
    return Manifest(
        path=path,
        references=references,
        encodes=encodes,
        models=models,
        anchor=anchor,
        bd_method=method,
        bd_gap_threshold=float(
            _number(settings.get("bd_gap_threshold", 5.0), "bd_gap_threshold", where, low=0)
        ),
        gap_threshold=float(
            _number(settings.get("gap_threshold", 3.5), "gap_threshold", where, low=0)
        ),
        subsample=_number(settings.get("subsample", 1), "subsample", where, low=1, integer=True),
        threads=_number(settings.get("threads", 0), "threads", where, low=0, integer=True),
        scale=default_scale,
        size=default_size,
    )


def _broadcast(entry: Mapping[str, Any], where: str, given: dict[str, str]) -> dict[str, str]:
    """The broadcast-input steps of a table (``deinterlace``, ``convert_fps``, ``crop``).

    Keyed by :func:`~pyvmafneg.io._conform.conform_pair`'s keywords, defaulting to ``given``;
    steps that do nothing (``'off'``) are left out.
    """
    from ..errors import OptionError
    from ..io._conform import check_crop, check_deinterlace, check_fps

    checks = {"deinterlace": check_deinterlace, "fps": check_fps, "crop": check_crop}
    out = dict(given)
    for key, keyword in BROADCAST_KEYS.items():
        if key not in entry:
            continue
        value = entry[key]
        if not isinstance(value, str):
            raise ManifestError(f"{where}: {key} must be a string; got {value!r}")
        try:
            checks[keyword](value)
        except OptionError as exc:
            raise ManifestError(f"{where}: {key}: {exc.message}") from None
        if value.strip().lower() == "off":
            out.pop(keyword, None)
        else:
            out[keyword] = value.strip()
    return out


def _scaling(
    entry: Mapping[str, Any],
    where: str,
    scale: str | None,
    size: tuple[int, int] | None,
) -> tuple[str | None, tuple[int, int] | None]:
    """The ``scale`` and ``size`` of a table, defaulting to the given ones."""
    from ..errors import ScalerError
    from ..io._prepare import check_scaler, check_size

    try:
        if "scale" in entry:
            value = entry["scale"]
            if not isinstance(value, str):
                raise ManifestError(f'{where}: scale must be a string such as "bicubic"')
            scale = check_scaler(value)
        if "size" in entry:
            value = entry["size"]
            if not isinstance(value, (str, list)):
                raise ManifestError(f'{where}: size must be "WxH" or [W, H]; got {value!r}')
            size = check_size(value)
    except ScalerError as exc:
        raise ManifestError(f"{where}: {exc}") from None
    if size is not None and scale is None:
        raise ManifestError(f'{where}: size needs a scaling algorithm, but scale is "none"')
    return scale, size
