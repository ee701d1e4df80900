"""pyvmafneg: VMAF and VMAF-NEG, in-process, with the enhancement-gain gap made plain.

Quick use::

    import pyvmafneg
    result = pyvmafneg.score(reference_frames, distorted_frames)
    print(result.pooled("vmaf").mean, result.pooled("vmaf_neg").mean, result.pooled_gap)

``pyvmafneg.score(..., backend="native")`` uses the compiled engine instead of libvmaf.
"""

from ._score import score
from .engines._ffmpeg import score_ffmpeg
from .engines._models import BUILTIN_MODELS, DEFAULT_MODELS, ModelSpec, parse_model
from .engines._score import score
from .engines.libvmaf._binding import library_info, load_library
from .engines.libvmaf._scorer import Scorer
from .errors import (
    FeatureError,
    FFmpegError,
    FrameError,
    FrameMismatchError,
    GainLimitError,
    InputFileError,
    LibvmafError,
    LibvmafNotFoundError,
    LogFormatError,
    ModelError,
    NoVmafScoresError,
    OffsetError,
    OptionError,
    OutputFileError,
    ScalerError,
    SchedulerError,
    ScorerStateError,
    SegmentError,
    SyncError,
    TruncatedInputError,
    VmafNegError,
    WorkerFileError,
    WorkerLostError,
)
from .io._frame import Frame, as_frame
from .io._sources import VideoSource, open_video
from .io._sync import SyncResult, find_offset
from .results._logs import read_log
from .results._result import Pooled, Result, pool
from .verdict._check import CheckReport, check

__version__ = "0.1.0"

__all__ = [
    "FeatureError",
    "BUILTIN_MODELS",
    "CheckReport",
    "VideoSource",
    "check",
    "open_video",
    "read_log",
    "score_ffmpeg",
    "DEFAULT_MODELS",
    "FFmpegError",
    "Frame",
    "FrameError",
    "FrameMismatchError",
    "GainLimitError",
    "InputFileError",
    "LibvmafError",
    "LibvmafNotFoundError",
    "LogFormatError",
    "ModelError",
    "ModelSpec",
    "NoVmafScoresError",
    "OptionError",
    "OffsetError",
    "OutputFileError",
    "ScalerError",
    "Pooled",
    "Result",
    "Scorer",
    "SchedulerError",
    "ScorerStateError",
    "SegmentError",
    "SyncError",
    "SyncResult",
    "find_offset",
    "TruncatedInputError",
    "VmafNegError",
    "WorkerFileError",
    "WorkerLostError",
    "__version__",
    "as_frame",
    "library_info",
    "load_library",
    "parse_model",
    "pool",
    "score",
]
