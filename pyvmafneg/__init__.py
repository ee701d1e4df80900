"""pyvmafneg: VMAF and VMAF-NEG, in-process, with the enhancement-gain gap made plain.

Quick use::

    import pyvmafneg
    result = pyvmafneg.score(reference_frames, distorted_frames)
    print(result.pooled("vmaf").mean, result.pooled("vmaf_neg").mean, result.pooled_gap)

``pyvmafneg.score(..., backend="native")`` uses the compiled engine instead of libvmaf.

Importing the package is cheap: the exceptions are defined at once, every other
name below is imported on first use (so ``pyvmafneg --help`` starts without
NumPy, CFFI or PyAV, and ``import pyvmafneg`` never loads SciPy, scikit-image,
matplotlib, Dask or PyAV).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    BackendUnavailableError,
    BDRateError,
    DecodeError,
    FeatureError,
    FFmpegError,
    FormatMismatchError,
    FrameCountMismatchError,
    FrameError,
    FrameMismatchError,
    GainLimitError,
    InputFileError,
    LibvmafError,
    LibvmafNotFoundError,
    LogFormatError,
    ManifestError,
    MissingDependencyError,
    ModelError,
    NoVmafScoresError,
    OffsetError,
    OptionError,
    OutputFileError,
    RawGeometryError,
    ResultError,
    ResultStoreError,
    ScalerError,
    SchedulerError,
    ScorerStateError,
    SegmentError,
    SizeMismatchError,
    SyncError,
    TruncatedInputError,
    UnstableWidthError,
    UnsupportedOptionError,
    VmafNegError,
    WorkerFileError,
    WorkerLostError,
)

if TYPE_CHECKING:  # the same names, for type checkers and editors
    from ._score import score, score_many
    from .engines._models import BUILTIN_MODELS, DEFAULT_MODELS, ModelSpec, parse_model
    from .engines._registry import backend_names
    from .engines.libvmaf._binding import library_info, load_library
    from .engines.libvmaf._scorer import Scorer
    from .io._frame import Frame, as_frame
    from .io._sources import VideoSource, open_video
    from .io._sync import SyncResult, find_offset
    from .results._logs import read_log
    from .results._result import Pooled, Result, pool
    from .verdict._check import CheckReport, check

    __version__: str

#: Name -> module (relative to this package) that defines it, imported on first use.
_LAZY: dict[str, str] = {
    "BUILTIN_MODELS": ".engines._models",
    "CheckReport": ".verdict._check",
    "DEFAULT_MODELS": ".engines._models",
    "Frame": ".io._frame",
    "ModelSpec": ".engines._models",
    "Pooled": ".results._result",
    "Result": ".results._result",
    "Scorer": ".engines.libvmaf._scorer",
    "SyncResult": ".io._sync",
    "VideoSource": ".io._sources",
    "as_frame": ".io._frame",
    "backend_names": ".engines._registry",
    "check": ".verdict._check",
    "find_offset": ".io._sync",
    "library_info": ".engines.libvmaf._binding",
    "load_library": ".engines.libvmaf._binding",
    "open_video": ".io._sources",
    "parse_model": ".engines._models",
    "pool": ".results._result",
    "read_log": ".results._logs",
    "score": "._score",
    "score_many": "._score",
}


#: Subpackages reachable as attributes (``pyvmafneg.engines.libvmaf.live_objects()``).
_SUBPACKAGES = frozenset(
    {"cli", "comparison", "demo", "engines", "errors", "io", "results", "segments", "verdict"}
)


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from ._version import package_version

        value: Any = package_version()
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    elif name == "score_ffmpeg":  # as in earlier releases; now score(..., backend="ffmpeg")
        from .engines._ffmpeg import score_ffmpeg as value
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "BUILTIN_MODELS",
    "DEFAULT_MODELS",
    "BDRateError",
    "BackendUnavailableError",
    "CheckReport",
    "DecodeError",
    "FFmpegError",
    "FeatureError",
    "FormatMismatchError",
    "Frame",
    "FrameCountMismatchError",
    "FrameError",
    "FrameMismatchError",
    "GainLimitError",
    "InputFileError",
    "LibvmafError",
    "LibvmafNotFoundError",
    "LogFormatError",
    "ManifestError",
    "MissingDependencyError",
    "ModelError",
    "ModelSpec",
    "NoVmafScoresError",
    "OffsetError",
    "OptionError",
    "OutputFileError",
    "Pooled",
    "RawGeometryError",
    "Result",
    "ResultError",
    "ResultStoreError",
    "ScalerError",
    "SchedulerError",
    "Scorer",
    "ScorerStateError",
    "SegmentError",
    "SizeMismatchError",
    "SyncError",
    "SyncResult",
    "TruncatedInputError",
    "UnstableWidthError",
    "UnsupportedOptionError",
    "VideoSource",
    "VmafNegError",
    "WorkerFileError",
    "WorkerLostError",
    "__version__",
    "as_frame",
    "backend_names",
    "check",
    "find_offset",
    "library_info",
    "load_library",
    "open_video",
    "parse_model",
    "pool",
    "read_log",
    "score",
    "score_many",
]
