"""Preparing a pair for scoring: scaling to one size and offsetting one clip.

Every engine consumes the same lazy wrappers, so a pair is prepared the same
way whichever engine scores it:

* **Scaling.** VMAF compares two pictures pixel by pixel at one size. When
  the distorted clip's size differs from the reference's, :func:`prepare_pair`
  scales each distorted frame to the reference size as it is read, with
  libswscale through PyAV, in the distorted clip's own pixel format and bit
  depth (no conversion through RGB, no change of bit depth). The algorithm is
  one of :data:`SCALERS`; ``'bicubic'`` is the default, as in FFmpeg's
  ``scale`` filter. PyAV's ``VideoFrame.reformat(..., interpolation=...)``
  calls the same libswscale as FFmpeg's ``scale=W:H:flags=NAME``, so where the
  two libswscale builds agree the scaled pixels are identical. An optional
  display size scales both clips to that size instead.
* **Bit depth, on request only.** ``convert_bitdepth=N`` converts every
  frame of both clips whose depth differs to ``N`` bits with libswscale
  (PyAV's ``reformat(format=...)``, the conversion FFmpeg's
  ``format=yuv420p10le`` filter makes on limited-range video: 8 to 10 bits
  multiplies by 4, a reduction rounds with swscale's dither). Without it,
  clips of different depths are refused where frames are paired. When a clip
  is also scaled, size and depth change in one libswscale call, as FFmpeg's
  ``scale`` filter does when a ``format`` filter follows it.
* **Offsets.** ``offset=N`` drops the first ``N`` distorted frames before
  pairing (``N < 0``: the first ``-N`` reference frames), so frame ``n`` of
  one clip meets frame ``n + N`` of the other.

:func:`plan_scaling` decides what to scale from two sizes alone, so an engine
that reads the files itself (FFmpeg) builds the equivalent filter from the
same plan.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._defaults import DEFAULT_SCALER, SCALERS
from ..errors import OffsetError, OptionError, ScalerError
from ._frame import (
    BITDEPTHS,
    MAX_FRAME_AREA,
    MAX_FRAME_SIDE,
    SKIPPED,
    Frame,
    FrameLike,
    as_frame,
)
from ._rawyuv import ffmpeg_pix_fmt

__all__ = [
    "DEFAULT_SCALER",
    "SCALERS",
    "PreparedPair",
    "ScalePlan",
    "check_bitdepth",
    "check_scaler",
    "check_size",
    "convert_frames",
    "offset_counts",
    "plan_scaling",
    "prepare_pair",
    "scale_frame",
    "scale_frames",
]


def check_scaler(scale: str | None) -> str | None:
    """Return the canonical scaler name, or None for no scaling.

    ``None`` and ``'none'`` mean: do not scale (differing sizes are refused).

    Raises
    ------
    ScalerError
        ``scale`` names no algorithm of :data:`SCALERS`.
    """
    if scale is None:
        return None
    name = str(scale).strip().lower()
    if name == "none":
        return None
    if name not in SCALERS:
        raise ScalerError(
            f"unknown scaling algorithm {scale!r}; use one of {', '.join(SCALERS)} "
            "(or None to refuse differing sizes)",
            scaler=str(scale),
            known=tuple(SCALERS),
        )
    return name


#: Largest display width or height accepted, in pixels: the decoders' limit
#: (:data:`~pyvmafneg.io._frame.MAX_FRAME_SIDE`: FFmpeg's image allocator, which
#: PyAV's frames and libswscale use, refuses any picture whose
#: ``(width + 128) * (height + 128)`` reaches ``2**31 / 8``).
MAX_DISPLAY_SIDE = MAX_FRAME_SIDE
_MAX_IMAGE_AREA = MAX_FRAME_AREA


def check_size(size: tuple[int, int] | Sequence[int] | str | None) -> tuple[int, int] | None:
    """``(width, height)`` in pixels from a pair or a ``'WxH'`` string; None stays None.

    Raises
    ------
    ScalerError
        Not two positive integers, or a picture larger than libswscale can
        allocate (:data:`MAX_DISPLAY_SIDE`).
    """
    if size is None:
        return None
    try:
        if isinstance(size, str):
            w_text, h_text = size.lower().split("x")
            w, h = int(w_text), int(h_text)
        else:
            w, h = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ScalerError(
            f"a display size is (width, height) in pixels or 'WxH'; got {size!r}",
            size=size,
        ) from None
    if w < 1 or h < 1:
        raise ScalerError(f"a display size must be positive; got {w}x{h}", size=(w, h))
    if max(w, h) > MAX_DISPLAY_SIDE or (w + 128) * (h + 128) >= _MAX_IMAGE_AREA:
        raise ScalerError(
            f"a display size of {w}x{h} is larger than libswscale can allocate (at most "
            f"{MAX_DISPLAY_SIDE} pixels a side, and (width + 128) x (height + 128) below "
            f"{_MAX_IMAGE_AREA})",
            size=(w, h),
        )
    return w, h


@dataclass(frozen=True)
class ScalePlan:
    """What is scaled to which size, decided from the two clips' sizes.

    Attributes
    ----------
    width, height:
        The size both clips are scored at, in pixels.
    scaler:
        The algorithm (a key of :data:`SCALERS`).
    reference_size, distorted_size:
        The clips' own sizes ``(width, height)``.
    """

    width: int
    height: int
    scaler: str
    reference_size: tuple[int, int]
    distorted_size: tuple[int, int]

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` scored."""
        return self.width, self.height

    @property
    def scales_reference(self) -> bool:
        """True when the reference is scaled (a display size other than its own)."""
        return self.reference_size != self.size

    @property
    def scales_distorted(self) -> bool:
        """True when the distorted clip is scaled."""
        return self.distorted_size != self.size

    def describe(self) -> str:
        """E.g. ``'distorted 960x540 -> 1920x1080 (bicubic)'``."""
        parts = []
        for role, (w, h), scaled in (
            ("reference", self.reference_size, self.scales_reference),
            ("distorted", self.distorted_size, self.scales_distorted),
        ):
            if scaled:
                parts.append(f"{role} {w}x{h} -> {self.width}x{self.height}")
        return f"{', '.join(parts)} ({self.scaler}, libswscale)"

    def ffmpeg_filter(self, role: str) -> str:
        """FFmpeg's equivalent ``scale`` filter for ``'reference'`` or ``'distorted'``.

        Empty when that clip is not scaled.
        """
        scaled = self.scales_reference if role == "reference" else self.scales_distorted
        if not scaled:
            return ""
        return f"scale={self.width}:{self.height}:flags={self.scaler}"


def plan_scaling(
    reference_size: tuple[int, int],
    distorted_size: tuple[int, int],
    *,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | Sequence[int] | str | None = None,
) -> ScalePlan | None:
    """Decide the scaling of a pair from the clips' ``(width, height)``.

    Returns None when nothing needs scaling, or when ``scale`` is None and
    the sizes differ (the pair is then refused where frames are paired, as
    without scaling).

    Raises
    ------
    ScalerError
        Unknown algorithm, a malformed size, or a display size with
        ``scale=None``.
    """
    scaler = check_scaler(scale)
    target = check_size(size)
    if target is not None and scaler is None:
        raise ScalerError(
            f"a display size of {target[0]}x{target[1]} needs a scaling algorithm; "
            f"scale is None (use one of {', '.join(SCALERS)})",
            size=target,
        )
    ref = (int(reference_size[0]), int(reference_size[1]))
    dis = (int(distorted_size[0]), int(distorted_size[1]))
    if target is None:
        target = ref
    if scaler is None or (ref == target and dis == target):
        return None
    return ScalePlan(target[0], target[1], scaler, ref, dis)


class _Scaler:
    """Scales frames and converts their bit depth with one reused libswscale context.

    ``bitdepth`` None keeps each frame's own depth; a frame already at the
    size and depth asked for is returned as it is.
    """

    def __init__(self, width: int, height: int, scaler: str, bitdepth: int | None = None) -> None:
        import av.video.reformatter as reformatter

        self.width = width
        self.height = height
        self.scaler = scaler
        self.bitdepth = bitdepth
        self._flag = getattr(reformatter.Interpolation, SCALERS[scaler])
        self._reformatter = reformatter.VideoReformatter()

    def __call__(self, frame: Frame) -> Frame:
        depth = frame.bitdepth if self.bitdepth is None else self.bitdepth
        if (frame.width, frame.height, frame.bitdepth) == (self.width, self.height, depth):
            return frame
        import av

        fmt = ffmpeg_pix_fmt(frame.pixel_format, frame.bitdepth)
        src = av.VideoFrame(frame.width, frame.height, fmt)
        for plane, data in zip(src.planes, frame.planes, strict=True):
            _view(plane, data.dtype)[:] = data
        out = self._reformatter.reformat(
            src,
            self.width,
            self.height,
            format=ffmpeg_pix_fmt(frame.pixel_format, depth),
            interpolation=self._flag,
        )
        dtype = np.dtype(np.uint8 if depth == 8 else np.uint16)
        planes = tuple(_view(plane, dtype).copy() for plane in out.planes[: len(frame.planes)])
        return Frame(planes, depth, frame.pixel_format)


def _view(plane: Any, dtype: np.dtype) -> np.ndarray:
    """A NumPy view of a PyAV plane without its row padding."""
    itemsize = np.dtype(dtype).itemsize
    rows, cols = int(plane.height), int(plane.width)
    stride = int(plane.line_size) // itemsize
    arr = np.frombuffer(plane, dtype=dtype, count=rows * stride).reshape(rows, stride)
    return arr[:, :cols]


def scale_frame(
    frame: FrameLike,
    width: int,
    height: int,
    *,
    scale: str = DEFAULT_SCALER,
    bitdepth: int | None = None,
) -> Frame:
    """Scale one frame to ``width`` x ``height`` pixels in its own format and bit depth.

    ``bitdepth`` says how to read bare ``uint16`` arrays. A frame already at
    that size is returned as it is.
    """
    scaler = check_scaler(scale)
    if scaler is None:
        raise ScalerError("scale_frame needs a scaling algorithm; got None", scaler="none")
    return _Scaler(int(width), int(height), scaler)(as_frame(frame, bitdepth=bitdepth))


def scale_frames(
    frames: Iterable[FrameLike],
    width: int,
    height: int,
    *,
    scale: str = DEFAULT_SCALER,
    bitdepth: int | None = None,
    convert_bitdepth: int | None = None,
) -> Iterator[Frame]:
    """Lazily scale every frame of a clip (see :func:`scale_frame`); a
    :data:`~pyvmafneg.io._frame.SKIPPED` frame passes on untouched.

    ``convert_bitdepth`` also converts each frame to that many bits in the
    same libswscale call (None keeps each frame's depth).
    """
    scaler_name = check_scaler(scale)
    if scaler_name is None:
        raise ScalerError("scale_frames needs a scaling algorithm; got None", scaler="none")
    scaler = _Scaler(int(width), int(height), scaler_name, check_bitdepth(convert_bitdepth))
    for frame in frames:
        if frame is SKIPPED:  # a frame a sparse reading passed over: nothing to scale
            yield frame
            continue
        yield scaler(as_frame(frame, bitdepth=bitdepth))


def check_bitdepth(bitdepth: int | None) -> int | None:
    """The bit depth both clips are converted to (8, 10, 12 or 16), or None.

    Raises
    ------
    OptionError
        Not one of :data:`~pyvmafneg.io.BITDEPTHS`.
    """
    if bitdepth is None:
        return None
    try:
        value = int(bitdepth)
    except (TypeError, ValueError):
        value = -1
    if value not in BITDEPTHS or isinstance(bitdepth, bool):
        raise OptionError(
            f"convert_bitdepth must be one of {', '.join(map(str, BITDEPTHS))} bits "
            f"(or None to refuse differing depths); got {bitdepth!r}",
            option="convert_bitdepth",
            value=bitdepth,
        )
    return value


def convert_frames(
    frames: Iterable[FrameLike], bitdepth: int, *, source_bitdepth: int | None = None
) -> Iterator[Frame]:
    """Lazily convert every frame of a clip to ``bitdepth`` bits (8, 10, 12 or 16).

    libswscale through PyAV, as FFmpeg's ``format`` filter converts
    limited-range video; frames already at that depth (and
    :data:`~pyvmafneg.io._frame.SKIPPED`) pass unchanged.
    ``source_bitdepth`` says how to read bare ``uint16`` arrays.
    """
    depth = check_bitdepth(bitdepth)
    assert depth is not None
    scaler = None
    for frame in frames:
        if frame is SKIPPED:  # a frame a sparse reading passed over: nothing to convert
            yield frame
            continue
        f = as_frame(frame, bitdepth=source_bitdepth)
        if f.bitdepth == depth:
            yield f
            continue
        if scaler is None or (scaler.width, scaler.height) != (f.width, f.height):
            scaler = _Scaler(f.width, f.height, DEFAULT_SCALER, depth)
        yield scaler(f)


#: Largest offset accepted, either sign (frames): the most items Python can skip.
MAX_OFFSET = sys.maxsize


def check_offset(offset: int) -> int:
    """``offset`` as an int (any sign, at most :data:`MAX_OFFSET` frames either way)."""
    if isinstance(offset, bool):
        raise OffsetError(
            f"offset must be an integer number of frames; got {offset!r}", offset=offset
        )
    try:
        value = int(offset)
    except (TypeError, ValueError, OverflowError):
        raise OffsetError(
            f"offset must be an integer number of frames; got {offset!r}", offset=offset
        ) from None
    if abs(value) > MAX_OFFSET:
        raise OffsetError(
            f"offset {value} is beyond any clip: at most {MAX_OFFSET} frames either way",
            offset=value,
        )
    return value


def offset_counts(
    offset: int, reference_frames: int | None, distorted_frames: int | None
) -> tuple[int | None, int | None]:
    """Frame counts left after the offset (None where unknown).

    Raises
    ------
    OffsetError
        The offset drops every frame of the clip it trims.
    """
    offset = check_offset(offset)
    ref, dis = reference_frames, distorted_frames
    if offset > 0 and dis is not None:
        if offset >= dis:
            raise OffsetError(
                f"offset {offset} drops the first {offset} distorted frames but the distorted "
                f"clip holds {dis}; nothing would be left to score",
                offset=offset,
                reference_frames=ref,
                distorted_frames=dis,
            )
        dis -= offset
    if offset < 0 and ref is not None:
        if -offset >= ref:
            raise OffsetError(
                f"offset {offset} drops the first {-offset} reference frames but the reference "
                f"clip holds {ref}; nothing would be left to score",
                offset=offset,
                reference_frames=ref,
                distorted_frames=dis,
            )
        ref += offset
    return ref, dis


@dataclass
class PreparedPair:
    """Two clips ready to pair frame by frame (lazy: nothing is read until iterated).

    Attributes
    ----------
    reference, distorted:
        Iterators of frames (at one size when scaled).
    plan:
        The scaling applied, None when neither clip is scaled.
    offset:
        Distorted frames dropped (> 0) or reference frames dropped (< 0).
    converted:
        Role (``'reference'``, ``'distorted'``) -> ``(from, to)`` bit depths
        of each clip converted by ``convert_bitdepth``.
    """

    reference: Iterable[FrameLike]
    distorted: Iterable[FrameLike]
    plan: ScalePlan | None
    offset: int
    converted: dict[str, tuple[int, int]] = field(default_factory=dict)

    def describe(self) -> list[str]:
        """One line per preparation step taken (empty when none)."""
        lines = [
            f"{role} converted from {old}-bit to {new}-bit (libswscale)"
            for role, (old, new) in self.converted.items()
        ]
        if self.offset > 0:
            lines.append(f"offset +{self.offset}: the first {self.offset} distorted frames dropped")
        elif self.offset < 0:
            lines.append(f"offset {self.offset}: the first {-self.offset} reference frames dropped")
        if self.plan is not None:
            lines.append(f"scaled {self.plan.describe()}")
        return lines


_NOTHING = object()


def _luma_size(obj: Any) -> tuple[int, int]:
    """``(width, height)`` of a frame-like without validating it."""
    if isinstance(obj, Frame):
        return obj.width, obj.height
    if obj is None or not isinstance(obj, (np.ndarray, Sequence)) or isinstance(obj, (str, bytes)):
        as_frame(obj)  # raises, saying what a frame must be
    plane = obj if isinstance(obj, np.ndarray) else np.asarray(obj[0])
    shape = np.shape(plane)
    if len(shape) != 2:
        # Let the frame checks downstream say what is wrong with it.
        return -1, -1
    return int(shape[1]), int(shape[0])


def _peek(frames: Iterable[Any]) -> tuple[Any, Iterator[Any]]:
    it = iter(frames)
    first = next(it, _NOTHING)
    if first is _NOTHING:
        return None, iter(())
    if first is None:
        as_frame(first)  # raises: a None frame is refused, not taken for the clip's end
    return first, itertools.chain((first,), it)


def prepare_pair(
    reference: Iterable[FrameLike],
    distorted: Iterable[FrameLike],
    *,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | Sequence[int] | str | None = None,
    offset: int = 0,
    bitdepth: int | None = None,
    convert_bitdepth: int | None = None,
) -> PreparedPair:
    """Wrap two clips so they pair frame by frame at one size.

    Parameters
    ----------
    reference, distorted:
        Iterables of frames (lists, generators, opened videos).
    scale:
        Scaling algorithm (:data:`SCALERS`) used when the sizes differ;
        None or ``'none'`` scales nothing (differing sizes are then refused
        where frames are paired).
    size:
        Display size ``(width, height)`` to score at, scaling both clips;
        None scores at the reference size.
    offset:
        Frames to drop from the start of the distorted clip (> 0) or of the
        reference (< 0).
    bitdepth:
        How to read bare ``uint16`` arrays (10, 12 or 16).
    convert_bitdepth:
        Convert both clips to this many bits (8, 10, 12 or 16) where their
        depth differs; None (default) converts nothing (differing depths
        are then refused where frames are paired).

    The first frame of each clip is read to learn its size; everything else
    stays lazy, one frame at a time.

    Raises
    ------
    ScalerError
        Unknown algorithm or malformed size.
    OptionError
        ``convert_bitdepth`` is not a bit depth libvmaf scores.
    OffsetError
        The offset leaves one clip without frames.
    """
    scaler = check_scaler(scale)
    depth = check_bitdepth(convert_bitdepth)
    target = check_size(size)
    if target is not None and scaler is None:
        plan_scaling((1, 1), (1, 1), scale=scale, size=target)  # raises
    offset = check_offset(offset)
    ref_it: Iterable[Any] = reference
    dis_it: Iterable[Any] = distorted
    if offset > 0:
        dis_it = itertools.islice(iter(distorted), offset, None)
    elif offset < 0:
        ref_it = itertools.islice(iter(reference), -offset, None)
    if scaler is None and not offset and depth is None:
        return PreparedPair(reference, distorted, None, 0)
    ref_first, ref_it = _peek(ref_it)
    dis_first, dis_it = _peek(dis_it)
    if offset and (ref_first is None or dis_first is None):
        role = "distorted" if dis_first is None else "reference"
        raise OffsetError(
            f"offset {offset} leaves the {role} clip without frames: it holds no more than "
            f"{abs(offset)} frames",
            offset=offset,
        )
    plan = None
    if scaler is not None and ref_first is not None and dis_first is not None:
        plan = plan_scaling(_luma_size(ref_first), _luma_size(dis_first), scale=scaler, size=target)
    converted: dict[str, tuple[int, int]] = {}
    if depth is not None:
        for role, first in (("reference", ref_first), ("distorted", dis_first)):
            if first is not None:
                own = as_frame(first, bitdepth=bitdepth).bitdepth
                if own != depth:
                    converted[role] = (own, depth)
    its = {"reference": ref_it, "distorted": dis_it}
    for role, it in its.items():
        scaled = plan is not None and (
            plan.scales_reference if role == "reference" else plan.scales_distorted
        )
        if scaled:
            assert plan is not None
            its[role] = scale_frames(
                it,
                plan.width,
                plan.height,
                scale=plan.scaler,
                bitdepth=bitdepth,
                convert_bitdepth=depth,
            )
        elif role in converted:
            assert depth is not None
            its[role] = convert_frames(it, depth, source_bitdepth=bitdepth)
    return PreparedPair(its["reference"], its["distorted"], plan, offset, converted)
