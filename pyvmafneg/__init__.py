"""pyvmafneg: VMAF and VMAF-NEG, in-process, with the enhancement-gain gap made plain.

Quick use::

    import pyvmafneg
    result = pyvmafneg.score(reference_frames, distorted_frames)
    print(result.pooled("vmaf").mean, result.pooled("vmaf_neg").mean, result.pooled_gap)
"""

from .check import CheckReport, check
from .errors import (
    FFmpegError,
    FrameError,
    FrameMismatchError,
    GainLimitError,
    InputFileError,
    LibvmafError,
    LibvmafNotFoundError,
    LogFormatError,
    ModelError,
    OptionError,
    OutputFileError,
    ScorerStateError,
    TruncatedInputError,
    VmafNegError,
)
from .ffmpeg import score_ffmpeg
from .frame import Frame, as_frame
from .libvmaf import library_info, load_library
from .logs import read_log
from .models import BUILTIN_MODELS, DEFAULT_MODELS, ModelSpec, parse_model
from .result import Pooled, Result, pool
from .scorer import Scorer, score
from .sources import VideoSource, open_video

__version__ = "0.1.0"

__all__ = [
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
    "OptionError",
    "OutputFileError",
    "Pooled",
    "Result",
    "Scorer",
    "ScorerStateError",
    "TruncatedInputError",
    "VmafNegError",
    "__version__",
    "as_frame",
    "library_info",
    "load_library",
    "parse_model",
    "pool",
    "score",
]
