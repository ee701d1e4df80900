"""One error hierarchy for everything pyvmafneg raises on purpose.

Every exception derives from :class:`VmafNegError`, so ``except VmafNegError``
catches all of them; the subclasses say what went wrong and carry the facts as
attributes (both frame counts, both sizes, the option a backend refused...).
Where a built-in exception type also fits (a bad value, a missing file), the
class derives from it too, so generic handlers keep working.

Each error keeps its facts (:attr:`VmafNegError.message`) apart from the advice
for a Python caller (:attr:`VmafNegError.advice`); ``str(error)`` is both. The
command line words its own advice from the attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

__all__ = [
    "BDRateError",
    "BackendUnavailableError",
    "BaselineMismatchError",
    "DecodeError",
    "DiskFullError",
    "FFmpegError",
    "FeatureError",
    "FormatMismatchError",
    "FrameCountMismatchError",
    "FrameError",
    "FrameMismatchError",
    "FrameRejectedError",
    "FrameSizeLimitError",
    "GainLimitError",
    "InputFileError",
    "LadderError",
    "LibvmafError",
    "LibvmafNotFoundError",
    "LogFormatError",
    "ManifestError",
    "MissingDependencyError",
    "ModelError",
    "ModelFamilyError",
    "NoVmafScoresError",
    "OffsetError",
    "OptionError",
    "OutputFileError",
    "RawGeometryError",
    "RawLayoutWarning",
    "ResultError",
    "ResultStoreError",
    "ScalerError",
    "SchedulerError",
    "ScoreRangeError",
    "ScorerStateError",
    "SegmentError",
    "SizeMismatchError",
    "SyncError",
    "SyncUncertainError",
    "TruncatedInputError",
    "UnstableWidthError",
    "UnsupportedOptionError",
    "VmafNegError",
    "WorkerFileError",
    "WorkerLostError",
]


class _Required:
    """Marks a fact the caller must give (a ``_facts`` entry without a default)."""

    def __repr__(self) -> str:
        return "<required>"


_REQUIRED: Any = _Required()


def _rebuild(cls: type[VmafNegError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Unpickle an error without calling its ``__init__`` (keyword-only facts)."""
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


def python_option(name: str, value: Any) -> str:
    """How advice names an option for a Python caller: ``frames=4``, ``backend='libvmaf'``."""
    return f"{name}=" if value is ... else f"{name}={value!r}"


class VmafNegError(Exception):
    """Base class of every error pyvmafneg raises deliberately.

    Parameters
    ----------
    message:
        What went wrong (the facts).
    advice:
        What to do about it; empty when there is nothing to say. Options the
        advice names are ``{placeholders}``, filled from ``options``, so each
        front end can name them its own way (``frames=4`` from Python).
    options:
        The options the advice names, by their Python keyword, with the
        value to give (``...`` when the caller must choose one).
    **facts:
        The facts a subclass declares in ``_facts`` (keyword-only), each kept
        as the attribute of that name and documented in the subclass's
        Attributes section.

    Attributes
    ----------
    message:
        As given.
    advice:
        The advice as a Python caller reads it.
    options:
        As given (empty when the advice names no option).

    ``str(error)`` is ``"{message}; {advice}"``.
    """

    #: The facts this class takes (keyword -> default, ``_REQUIRED`` when the
    #: caller must give it); a subclass that declares none takes its parent's.
    _facts: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        message: str = "",
        *,
        advice: str = "",
        options: dict[str, Any] | None = None,
        **facts: Any,
    ) -> None:
        name = type(self).__name__
        unknown = sorted(facts.keys() - self._facts.keys())
        if unknown:
            raise TypeError(f"{name}() got unexpected keyword arguments: {unknown}")
        missing = [k for k, v in self._facts.items() if v is _REQUIRED and k not in facts]
        if missing:
            raise TypeError(f"{name}() missing required keyword-only arguments: {missing}")
        self.message = message
        self.options = dict(options or {})
        self._advice = advice
        self.advice = self.advise(python_option)
        super().__init__(f"{message}; {self.advice}" if self.advice else message)
        # A parent's facts the class does not declare again keep the parent's default.
        values: dict[str, Any] = {}
        for cls in reversed(type(self).__mro__):
            values.update(vars(cls).get("_facts", {}))
        for key, value in (values | facts).items():
            setattr(self, key, value)

    def advise(self, name_option: Callable[[str, Any], str]) -> str:
        """The advice with each option named by ``name_option(keyword, value)``."""
        if not self.options:
            return self._advice
        return self._advice.format(**{k: name_option(k, v) for k, v in self.options.items()})

    def describe(self, name_option: Callable[[str, Any], str]) -> str:
        """Message and advice, options named by ``name_option`` (the CLI names flags)."""
        advice = self.advise(name_option)
        return f"{self.message}; {advice}" if advice else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process boundaries (comparison workers): keep every attribute.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class LibvmafNotFoundError(VmafNegError, OSError):
    """No usable libvmaf shared library could be loaded.

    Attributes
    ----------
    path:
        The library that was asked for, or None when discovery found none.
    """

    _facts = {"path": None}


class LibvmafError(VmafNegError, RuntimeError):
    """A libvmaf call returned a non-zero (negative errno) status.

    Attributes
    ----------
    function:
        Name of the C function that failed.
    code:
        The integer status it returned (a negative errno value).
    """

    _facts = {"function": "", "code": 0}


class FrameError(VmafNegError, ValueError):
    """A frame is malformed: wrong dtype, shape, plane layout or sample range."""


class FrameRejectedError(LibvmafError, FrameError):
    """libvmaf refused a frame pair: an extractor it runs does not accept this frame.

    libvmaf does not say which extractor refused; the error names every model and
    feature libvmaf was computing, and a likely cause only where one is known to
    apply (VMAF v1 models, MS-SSIM under its smallest size).

    Attributes
    ----------
    function, code:
        As for :class:`LibvmafError` (``vmaf_read_pictures`` and its status).
    index:
        Index of the refused frame pair in the clip (0-based).
    width, height:
        Luma size of the frames (samples).
    pixel_format:
        ``'420'``, ``'422'``, ``'444'`` or ``'400'``.
    bitdepth:
        Bits per sample.
    models:
        Versions (or JSON file stems) of the models libvmaf was scoring.
    features:
        The extra feature extractors libvmaf was running, as given
        (``'cambi:full_ref=true'``).
    """

    _facts = {
        "function": "",
        "code": 0,
        "index": 0,
        "width": 0,
        "height": 0,
        "pixel_format": "",
        "bitdepth": 0,
        "models": (),
        "features": (),
    }


class UnstableWidthError(FrameError):
    """Frames are at a width where libvmaf's vectorised ADM code reads past each row.

    Attributes
    ----------
    width:
        The frame width in pixels (33-36 or 65-68).
    exact_cpumask:
        A libvmaf CPU mask under which these widths score exactly (the scalar
        code), or None when the run cannot set one (FFmpeg's filter).
    """

    _facts = {"width": _REQUIRED, "exact_cpumask": _REQUIRED}


class FrameMismatchError(FrameError):
    """Reference and distorted frames (or clips) do not match each other."""


class SizeMismatchError(FrameMismatchError):
    """Reference and distorted frames differ in size.

    Attributes
    ----------
    reference_size, distorted_size:
        ``(width, height)`` in pixels of each side.
    frame:
        The frame index where it was found; None for whole files.
    """

    _facts = {"reference_size": _REQUIRED, "distorted_size": _REQUIRED, "frame": None}


class FormatMismatchError(FrameMismatchError):
    """Reference and distorted frames differ in pixel format or bit depth.

    Attributes
    ----------
    reference_format, distorted_format:
        ``(pixel_format, bitdepth)`` of each side, e.g. ``('420', 8)``.
    frame:
        The frame index where it was found; None for whole files.
    """

    _facts = {"reference_format": _REQUIRED, "distorted_format": _REQUIRED, "frame": None}


class FrameCountMismatchError(FrameMismatchError):
    """The clips hold different numbers of frames, or fewer than were asked for.

    Attributes
    ----------
    reference_frames, distorted_frames:
        Frames in each clip; None where unknown (a clip that did not end).
    common:
        Length of the common prefix: the most frames that can be scored.
    requested:
        The ``frames`` limit that was asked for, or None.
    suggested_offset:
        An offset (frames, as ``offset=``) a quick search found to line the
        clips up clearly better than none, or None.
    """

    reference_frames: int | None
    distorted_frames: int | None
    common: int
    requested: int | None
    suggested_offset: int | None

    _facts = {
        "reference_frames": _REQUIRED,
        "distorted_frames": _REQUIRED,
        "common": _REQUIRED,
        "requested": None,
        "suggested_offset": None,
    }


class ModelError(VmafNegError, ValueError):
    """A model name, path or option could not be used.

    Attributes
    ----------
    model:
        The model as given (a built-in name, JSON path or model argument),
        where one is concerned (else ``''``).
    """

    _facts = {"model": ""}


class GainLimitError(ModelError):
    """An enhancement gain limit lies outside libvmaf's range (see ``GAIN_LIMIT_RANGE``).

    Attributes
    ----------
    option:
        The option it was given for (e.g. ``'vif_enhn_gain_limit'``).
    value:
        The value given.
    """

    _facts = {"option": _REQUIRED, "value": _REQUIRED}


class ScorerStateError(VmafNegError, RuntimeError):
    """A scorer was used out of order (fed after flush, read before flush...)."""


class InputFileError(VmafNegError, ValueError):
    """A video or YUV file could not be read as described.

    Attributes
    ----------
    path:
        The file, where one is concerned (else ``''``).
    """

    _facts = {"path": ""}


class RawGeometryError(InputFileError):
    """A raw YUV file was opened without its size.

    Attributes
    ----------
    path:
        The file.
    """

    _facts = {"path": _REQUIRED}


class FrameSizeLimitError(InputFileError):
    """A file declares frames larger than the package decodes (refused before allocating).

    Attributes
    ----------
    path:
        The file (``''`` where none is concerned).
    width, height:
        The frame size the file declares, in pixels.
    max_side:
        The largest width or height accepted, in pixels.
    max_area:
        The bound on ``(width + 128) * (height + 128)`` (exclusive), in samples.
    """

    _facts = {
        "path": "",
        "width": _REQUIRED,
        "height": _REQUIRED,
        "max_side": _REQUIRED,
        "max_area": _REQUIRED,
    }


class TruncatedInputError(InputFileError):
    """A file ends part-way through a frame."""


class DecodeError(InputFileError):
    """A compressed video could not be decoded.

    Attributes
    ----------
    path:
        The file.
    decoded:
        Frames decoded without error before the failure (a prefix that can
        still be scored with ``frames=decoded``); None when unknown.
    """

    _facts = {"path": "", "decoded": None}


class FFmpegError(VmafNegError, RuntimeError):
    """The FFmpeg executable is missing or its run failed.

    Attributes
    ----------
    executable:
        The FFmpeg that was asked for or run; None when none was found.
    """

    _facts = {"executable": None}


class LogFormatError(VmafNegError, ValueError):
    """A VMAF log is malformed, empty, truncated or not a VMAF log at all.

    Attributes
    ----------
    keys:
        When the log's metrics cannot be told apart (which is default VMAF,
        which NEG), the metric keys found; else empty.
    """

    _facts = {"keys": ()}


class BackendUnavailableError(VmafNegError, RuntimeError):
    """A scoring backend was requested that this installation cannot provide.

    Attributes
    ----------
    backend:
        The name asked for.
    available:
        Names of the backends this installation has.
    """

    _facts = {"backend": _REQUIRED, "available": ()}


class MissingDependencyError(VmafNegError, ImportError):
    """An optional dependency (e.g. matplotlib for plots) is not installed.

    Attributes
    ----------
    package:
        The package to install (e.g. ``'matplotlib'``).
    extra:
        The pyvmafneg extra that brings it (e.g. ``'plot'``), or ``''``.
    """

    _facts = {"package": "", "extra": ""}


class OptionError(VmafNegError, ValueError):
    """A run option (threads, subsample, frames, CRF ...) is outside its accepted range.

    Attributes
    ----------
    option:
        The keyword concerned, where one is (else ``''``).
    value:
        The value given for it (None when no single option is concerned).
    """

    _facts = {"option": "", "value": None}


class UnsupportedOptionError(OptionError):
    """A backend was given an option it cannot honour.

    Attributes
    ----------
    backend:
        The backend's name (``'ffmpeg'``, ``'reference'``...).
    option:
        The keyword of :func:`pyvmafneg.score` it cannot honour.
    value:
        The value given.
    supported_by:
        Backends that do honour it.
    """

    _facts = {"backend": _REQUIRED, "option": _REQUIRED, "value": _REQUIRED, "supported_by": ()}


class OutputFileError(VmafNegError, OSError):
    """An output (log, plot, map or demo directory) cannot be written where it was asked.

    Attributes
    ----------
    path:
        The output asked for, where one is concerned (else ``''``).
    """

    _facts = {"path": ""}


class ManifestError(VmafNegError, ValueError):
    """A comparison manifest is unreadable, incomplete or inconsistent."""


class ResultError(VmafNegError, ValueError):
    """A score series or :class:`~pyvmafneg.Result` is empty or inconsistent.

    Attributes
    ----------
    key:
        The series concerned, or ``''``.
    """

    _facts = {"key": ""}


class ResultStoreError(VmafNegError, OSError):
    """A comparison's result store cannot be read, locked or written.

    Attributes
    ----------
    path:
        The store file.
    """

    _facts = {"path": ""}


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

    _facts = {"scaler": None, "known": (), "size": None}


class OffsetError(FrameMismatchError):
    """A frame offset leaves one clip without frames, or is not a whole number.

    Attributes
    ----------
    offset:
        The offset given (frames; > 0 drops distorted frames, < 0 reference frames).
    reference_frames, distorted_frames:
        The clips' frame counts, None where unknown.
    """

    _facts = {"offset": None, "reference_frames": None, "distorted_frames": None}


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

    _facts = {"window": None, "frames": None, "reference_frames": None, "distorted_frames": None}


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
    option, value:
        The extractor option refused and the value given, when that was the
        problem (else ``''`` and None).
    """

    _facts = {"feature": "", "known": (), "backend": None, "option": "", "value": None}


class SegmentError(VmafNegError, ValueError):
    """A title cannot be split into the segments asked for.

    Attributes: ``segments`` (the count asked for, or None), ``segment_frames``
    (the length asked for, or None) and ``frames`` (the title's length).
    """

    _facts = {"segments": None, "segment_frames": None, "frames": None}


class SchedulerError(VmafNegError, ConnectionError):
    """A Dask scheduler cannot be reached. Attribute: ``address``."""

    _facts = {"address": _REQUIRED}


class WorkerFileError(InputFileError):
    """Workers do not see an input file as this process does.

    Attributes: ``problems``, a list of ``(worker, path, what)`` tuples.
    """

    _facts = {"problems": _REQUIRED}


class WorkerLostError(VmafNegError, RuntimeError):
    """A segment's worker died on every attempt.

    Attributes: ``segment`` (its number), ``start`` and ``stop`` (its frames,
    ``stop`` exclusive) and ``attempts``.
    """

    _facts = {"segment": _REQUIRED, "start": _REQUIRED, "stop": _REQUIRED, "attempts": _REQUIRED}


class NoVmafScoresError(LogFormatError):
    """A log holds no VMAF model score to read (e.g. only PSNR and SSIM).

    Attributes
    ----------
    path:
        The log.
    tool:
        The tool that wrote it (``'libvmaf'``, ``'ffmpeg-quality-metrics'`` ...).
    metrics:
        The per-frame series it does hold (also as :attr:`keys`).
    """

    _facts = {"path": "", "tool": "", "metrics": ()}
    metrics: tuple[str, ...]

    def __init__(self, message: str = "", **facts: Any) -> None:
        super().__init__(message, **facts)
        self.keys = self.metrics  # the series it holds, as LogFormatError names them


class DiskFullError(OutputFileError):
    """An output could not be written because its file system is full.

    The previous file at that path, if any, is left as it was.

    Attributes
    ----------
    path:
        The output asked for.
    free:
        Bytes free on its file system when the write failed (-1 when unknown).
    """

    _facts = {"path": "", "free": -1}


class ScoreRangeError(ResultError):
    """A model score no model of its kind can produce: NaN, infinite or out of range.

    The range is taken from the model file: the extremes its SVM reaches over
    every feature value an encode can have, widened by a margin (and always
    including 0-100, where clipped scores lie).

    Attributes
    ----------
    key:
        The score's name (``'vmaf'``, ``'vmaf_neg'`` ...).
    frame:
        The first frame holding such a score.
    value:
        The score there (VMAF points; NaN or infinite included).
    low, high:
        The range the model can produce (points), or None for a NaN/infinite value.
    model:
        The model file the range comes from (empty for a NaN/infinite value).
    """

    _facts = {
        "key": "",
        "frame": _REQUIRED,
        "value": _REQUIRED,
        "low": None,
        "high": None,
        "model": "",
    }


class ModelFamilyError(ModelError):
    """The default and NEG scores come from models of different families (e.g. 4K and HD).

    ``model`` is the default side's model file, as for any :class:`ModelError`.

    The gap between two models of different SVMs measures the models' difference,
    not the credit NEG's caps remove, so no verdict can be drawn from it.

    Attributes
    ----------
    default_model:
        The model file that reproduces the default scores from their features.
    neg_model:
        The model file that reproduces the NEG scores from their capped features.
    """

    _facts = {"model": "", "default_model": _REQUIRED, "neg_model": _REQUIRED}


class BaselineMismatchError(FrameMismatchError):
    """A baseline that is not another encode of the same frames of the same source.

    Attributes
    ----------
    frames:
        Frames of the checked result.
    baseline_frames:
        Frames of the baseline.
    frame:
        The first frame whose reference motion differs (None when the frame
        counts or numbers differ).
    """

    _facts = {"frames": _REQUIRED, "baseline_frames": _REQUIRED, "frame": None}


class SyncUncertainError(SyncError):
    """An offset search found no offset it can vouch for (confidence below its limit).

    Attributes
    ----------
    offset:
        The best offset found (frames), not to be trusted.
    confidence:
        Its confidence, in [0, 1].
    limit:
        The confidence needed.
    """

    _facts = {"offset": None, "confidence": None, "limit": None}


class RawLayoutWarning(UserWarning):
    """A raw YUV file's size fits another chroma layout that reads as a clearly better picture.

    Issued when a raw file is opened (:func:`pyvmafneg.io.open_video`); the
    command line prints it as one warning line.
    """


class LadderError(VmafNegError, ValueError):
    """The encodes of a comparison series cannot form one ladder.

    Raised when the encodes of one series (codec and setting) of one source
    come at different frame rates, or when an encode (a rung) is larger than
    its reference.

    Attributes
    ----------
    source:
        The reference (source) name, or ``''``.
    series:
        The series (``'<codec> <setting>'``), or ``''``.
    """

    _facts = {"source": "", "series": ""}
