"""One error hierarchy for everything pyvmafneg raises on purpose.

Every exception derives from :class:`VmafNegError`, so ``except VmafNegError``
catches all of them; the subclasses say what went wrong, and every message says
what to do about it. Where a built-in exception type also fits (a bad value, a
missing file), the class derives from it too, so generic handlers keep working.
"""

from __future__ import annotations

__all__ = [
    "VmafNegError",
    "LibvmafNotFoundError",
    "LibvmafError",
    "FrameError",
    "FrameMismatchError",
    "ModelError",
    "GainLimitError",
    "ScorerStateError",
    "InputFileError",
    "TruncatedInputError",
    "FFmpegError",
    "LogFormatError",
    "DecodeError",
    "BackendUnavailableError",
    "MissingDependencyError",
    "OptionError",
    "OutputFileError",
    "ManifestError",
    "ResultStoreError",
    "BDRateError",
    "ScalerError",
    "OffsetError",
    "SyncError",
    "FeatureError",
    "NoVmafScoresError",
]


class VmafNegError(Exception):
    """Base class of every error pyvmafneg raises deliberately."""


class LibvmafNotFoundError(VmafNegError, OSError):
    """No usable libvmaf shared library could be loaded."""


class LibvmafError(VmafNegError, RuntimeError):
    """A libvmaf call returned a non-zero (negative errno) status.

    Attributes
    ----------
    function:
        Name of the C function that failed.
    code:
        The integer status it returned (a negative errno value).
    """

    def __init__(self, message: str, *, function: str = "", code: int = 0) -> None:
        super().__init__(message)
        self.function = function
        self.code = code


class FrameError(VmafNegError, ValueError):
    """A frame is malformed: wrong dtype, shape, plane layout or sample range."""


class FrameMismatchError(FrameError):
    """Reference and distorted frames (or clips) do not match each other."""


class ModelError(VmafNegError, ValueError):
    """A model name, path or option could not be used."""


class GainLimitError(ModelError):
    """An enhancement gain limit lies outside libvmaf's range [1.0, 100.0]."""


class ScorerStateError(VmafNegError, RuntimeError):
    """A scorer was used out of order (fed after flush, read before flush...)."""


class InputFileError(VmafNegError, ValueError):
    """A video or YUV file could not be read as described."""


class TruncatedInputError(InputFileError):
    """A file ends part-way through a frame."""


class FFmpegError(VmafNegError, RuntimeError):
    """The FFmpeg executable is missing or its run failed."""


class LogFormatError(VmafNegError, ValueError):
    """A VMAF log is malformed, empty, truncated or not a VMAF log at all."""


class DecodeError(InputFileError):
    """A compressed video could not be decoded (the message names file and frame)."""


class BackendUnavailableError(VmafNegError, RuntimeError):
    """A scoring backend was requested that this installation cannot provide."""


class MissingDependencyError(VmafNegError, ImportError):
    """An optional dependency (e.g. matplotlib for plots) is not installed."""


class OptionError(VmafNegError, ValueError):
    """A run option (threads, subsample, frames, CRF ...) is outside its accepted range."""


class OutputFileError(VmafNegError, OSError):
    """An output (log, plot, map or demo directory) cannot be written where it was asked."""


class ManifestError(VmafNegError, ValueError):
    """A comparison manifest is unreadable, incomplete or inconsistent."""


class ResultStoreError(VmafNegError, OSError):
    """A comparison's result store cannot be read, locked or written."""


class BDRateError(VmafNegError, ValueError):
    """A BD-rate or BD-quality cannot be computed from the given rate/score curves.

    Raised for unreadable or mismatched inputs, non-finite values, non-positive
    rates, too few points, scores that do not rise strictly with rate, and curves
    whose score (BD-rate) or rate (BD-quality) ranges do not overlap.
    """


class ScalerError(OptionError):
    """A scaling algorithm or display size cannot be used.

    Attributes
    ----------
    scaler:
        The algorithm name given (None when the size was the problem).
    known:
        The algorithm names accepted.
    size:
        The display size given, when that was the problem.
    """

    def __init__(
        self,
        message: str,
        *,
        scaler: str | None = None,
        known: tuple[str, ...] = (),
        size: object = None,
    ) -> None:
        super().__init__(message)
        self.scaler = scaler
        self.known = known
        self.size = size


class OffsetError(FrameMismatchError):
    """A frame offset leaves one clip without frames, or is not a whole number.

    Attributes
    ----------
    offset:
        The offset given (frames; > 0 drops distorted frames, < 0 reference frames).
    reference_frames, distorted_frames:
        The clips' frame counts, None where unknown.
    """

    def __init__(
        self,
        message: str,
        *,
        offset: object = None,
        reference_frames: int | None = None,
        distorted_frames: int | None = None,
    ) -> None:
        super().__init__(message)
        self.offset = offset
        self.reference_frames = reference_frames
        self.distorted_frames = distorted_frames


class SyncError(FrameMismatchError):
    """An offset search has no overlapping frames to compare, or bad search settings.

    Attributes
    ----------
    window:
        Largest offset tried either way (frames).
    frames:
        Frames compared at each offset (at most).
    reference_frames, distorted_frames:
        Frames read from each clip for the search.
    """

    def __init__(
        self,
        message: str,
        *,
        window: int | None = None,
        frames: int | None = None,
        reference_frames: int | None = None,
        distorted_frames: int | None = None,
    ) -> None:
        super().__init__(message)
        self.window = window
        self.frames = frames
        self.reference_frames = reference_frames
        self.distorted_frames = distorted_frames


class FeatureError(OptionError):
    """An extra feature (PSNR, SSIM ...) is unknown, malformed or not offered by a backend.

    Attributes
    ----------
    feature:
        The feature as given (e.g. ``'cambi:full_ref=true'``).
    known:
        The feature names accepted.
    backend:
        The backend that cannot compute it, when that was the problem.
    """

    def __init__(
        self,
        message: str,
        *,
        feature: str = "",
        known: tuple[str, ...] = (),
        backend: str | None = None,
    ) -> None:
        super().__init__(message)
        self.feature = feature
        self.known = known
        self.backend = backend


class SegmentError(VmafNegError, ValueError):
    """A title cannot be split into the segments asked for.

    Attributes: ``segments`` (the count asked for, or None), ``segment_frames``
    (the length asked for, or None) and ``frames`` (the title's length).
    """

    def __init__(
        self,
        message: str,
        *,
        segments: int | None = None,
        segment_frames: int | None = None,
        frames: int | None = None,
    ) -> None:
        super().__init__(message)
        self.segments = segments
        self.segment_frames = segment_frames
        self.frames = frames


class SchedulerError(VmafNegError, ConnectionError):
    """A Dask scheduler cannot be reached. Attribute: ``address``."""

    def __init__(self, message: str, *, address: str) -> None:
        super().__init__(message)
        self.address = address


class WorkerFileError(InputFileError):
    """Workers do not see an input file as this process does.

    Attributes: ``problems``, a list of ``(worker, path, what)`` tuples.
    """

    def __init__(self, message: str, *, problems: list[tuple[str, str, str]]) -> None:
        super().__init__(message)
        self.problems = problems


class WorkerLostError(VmafNegError, RuntimeError):
    """A segment's worker died on every attempt.

    Attributes: ``segment`` (its number), ``start`` and ``stop`` (its frames,
    ``stop`` exclusive) and ``attempts``.
    """

    def __init__(self, message: str, *, segment: int, start: int, stop: int, attempts: int) -> None:
        super().__init__(message)
        self.segment = segment
        self.start = start
        self.stop = stop
        self.attempts = attempts


class NoVmafScoresError(LogFormatError):
    """A log holds no VMAF model score to read (e.g. only PSNR and SSIM).

    Attributes
    ----------
    path:
        The log.
    tool:
        The tool that wrote it (``'libvmaf'``, ``'ffmpeg-quality-metrics'`` ...).
    metrics:
        The per-frame series it does hold.
    """

    def __init__(
        self, message: str, *, path: str = "", tool: str = "", metrics: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.path = path
        self.tool = tool
        self.metrics = metrics
