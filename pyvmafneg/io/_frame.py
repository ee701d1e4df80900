"""The frame type every reader yields and every backend consumes.

A :class:`Frame` is one decoded picture as planar YUV: a luma plane and,
unless the frame is monochrome (4:0:0), two chroma planes. Samples are
``uint8`` for 8-bit video and ``uint16`` (values in ``[0, 2**bitdepth - 1]``)
for 10-, 12- and 16-bit video. Planes may be any 2-D NumPy views, including
non-contiguous slices and padded rows; nothing is copied until a backend needs
to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import (
    FormatMismatchError,
    FrameCountMismatchError,
    FrameError,
    FrameMismatchError,
    FrameSizeLimitError,
    SizeMismatchError,
)

__all__ = [
    "BITDEPTHS",
    "MAX_FRAME_AREA",
    "MAX_FRAME_SIDE",
    "MIN_SIDE",
    "PIXEL_FORMATS",
    "SKIPPED",
    "ClipChecker",
    "Frame",
    "FrameLike",
    "as_frame",
    "check_frame_size",
    "check_pair",
    "chroma_shape",
    "iter_pairs",
    "normalize_pixel_format",
]

#: Pixel formats (chroma subsampling) understood everywhere in the package.
PIXEL_FORMATS: tuple[str, ...] = ("420", "422", "444", "400")
#: Bit depths libvmaf scores.
BITDEPTHS: tuple[int, ...] = (8, 10, 12, 16)

#: Smallest frame side any backend scores, in pixels. libvmaf 3.2 crashes on
#: frames 16 pixels or less on a side; up to 32 its ADM reads outside the
#: picture and, below 31, shifts by a negative amount (undefined behaviour).
#: From 33 on every extractor stays inside its buffers.
MIN_SIDE = 33

#: Largest frame width or height a file may declare, in pixels. FFmpeg's image
#: allocator (behind PyAV's frames, libswscale and FFmpeg's own Y4M and raw
#: readers) refuses any picture whose ``(width + 128) * (height + 128)`` reaches
#: ``2**31 / 8`` (:data:`MAX_FRAME_AREA`), which makes 16384 the largest square
#: side it takes; the native engine's and libvmaf's ADM take at most 32768 a
#: side. 8K UHD (7680x4320) is well inside; the largest levels of H.264, HEVC
#: and AV1 allow about 35.7 million luma samples, 16384 at most a side.
MAX_FRAME_SIDE = 16384
#: Exclusive bound on ``(width + 128) * (height + 128)``, as FFmpeg's allocator.
MAX_FRAME_AREA = 2**31 // 8


def check_frame_size(width: int, height: int, where: str = "", *, path: str = "") -> None:
    """Refuse a declared frame size beyond :data:`MAX_FRAME_SIDE` or :data:`MAX_FRAME_AREA`.

    Called on the size a file's header (or the caller, for raw YUV) declares,
    before any frame buffer is allocated: a damaged or crafted header must not
    make the reader ask for gigabytes.

    Raises
    ------
    FrameSizeLimitError
        With ``width``, ``height``, ``max_side``, ``max_area`` and ``path``.
    """
    w, h = int(width), int(height)
    if max(w, h) <= MAX_FRAME_SIDE and (w + 128) * (h + 128) < MAX_FRAME_AREA:
        return
    prefix = f"{where}: " if where else ""
    raise FrameSizeLimitError(
        f"{prefix}frames of {w}x{h} pixels are larger than pyvmafneg decodes (at most "
        f"{MAX_FRAME_SIDE} pixels a side and (width + 128) x (height + 128) below "
        f"{MAX_FRAME_AREA}, as FFmpeg's image allocator); the header is damaged or the "
        "video is beyond what VMAF is scored on: scale it down first, e.g. "
        "ffmpeg -i IN -vf scale=7680:-2 OUT.y4m",
        path=path,
        width=w,
        height=h,
        max_side=MAX_FRAME_SIDE,
        max_area=MAX_FRAME_AREA,
    )


_FORMAT_ALIASES = {
    "420": "420",
    "yuv420p": "420",
    "i420": "420",
    "422": "422",
    "yuv422p": "422",
    "444": "444",
    "yuv444p": "444",
    "400": "400",
    "gray": "400",
    "grey": "400",
    "mono": "400",
    "y": "400",
}


def normalize_pixel_format(pixel_format: str | int) -> str:
    """Return the canonical name (``'420'``, ``'422'``, ``'444'`` or ``'400'``).

    Accepts the canonical names, the integers 420/422/444/400 and FFmpeg-style
    names such as ``'yuv420p'`` or ``'gray'``.
    """
    key = str(pixel_format).strip().lower()
    for suffix in ("10le", "12le", "16le", "10", "12", "16"):
        if key.startswith(("yuv", "gray")) and key.endswith(suffix) and key != suffix:
            key = key[: -len(suffix)]
            break
    try:
        return _FORMAT_ALIASES[key]
    except KeyError:
        raise FrameError(
            f"unknown pixel format {pixel_format!r}; use one of 420, 422, 444 or 400"
        ) from None


def chroma_shape(height: int, width: int, pixel_format: str) -> tuple[int, int] | None:
    """Shape ``(rows, columns)`` of each chroma plane, or None for 4:0:0.

    Odd luma sizes round up, as in FFmpeg and libvmaf.
    """
    fmt = normalize_pixel_format(pixel_format)
    if fmt == "400":
        return None
    if fmt == "420":
        return (height + 1) // 2, (width + 1) // 2
    if fmt == "422":
        return height, (width + 1) // 2
    return height, width


class _Skipped:
    """The type of :data:`SKIPPED`."""

    def __repr__(self) -> str:
        return "SKIPPED"


#: Stands in a sparse reading (:meth:`pyvmafneg.io.VideoSource.frames_where`) for a frame
#: that was decoded or passed over but never read into NumPy: the scaling and bit-depth
#: conversion of :func:`~pyvmafneg.io.prepare_pair` pass it on untouched. Never a frame.
SKIPPED = _Skipped()


def _dtype_for(bitdepth: int) -> np.dtype:
    return np.dtype(np.uint8) if bitdepth == 8 else np.dtype(np.uint16)


@dataclass(frozen=True, eq=False)
class Frame:
    """One planar YUV picture.

    Parameters
    ----------
    planes:
        ``(Y,)`` for 4:0:0 or ``(Y, U, V)`` otherwise; 2-D arrays, ``uint8``
        for 8-bit and ``uint16`` for 10/12/16-bit.
    bitdepth:
        Bits per sample: 8, 10, 12 or 16.
    pixel_format:
        ``'420'``, ``'422'``, ``'444'`` or ``'400'``.

    Notes
    -----
    Use :meth:`from_planes` or :func:`as_frame` to build one with the format
    inferred and everything validated.
    """

    planes: tuple[np.ndarray, ...]
    bitdepth: int
    pixel_format: str

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def luma(self) -> np.ndarray:
        """The Y plane (2-D, rows x columns)."""
        return self.planes[0]

    @property
    def height(self) -> int:
        """Luma height in pixels."""
        return int(self.planes[0].shape[0])

    @property
    def width(self) -> int:
        """Luma width in pixels."""
        return int(self.planes[0].shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        """Luma ``(height, width)``."""
        return self.height, self.width

    @classmethod
    def from_planes(
        cls,
        y: np.ndarray,
        u: np.ndarray | None = None,
        v: np.ndarray | None = None,
        *,
        bitdepth: int | None = None,
        pixel_format: str | None = None,
        check_range: bool = True,
    ) -> Frame:
        """Build a frame from planes, inferring the pixel format from shapes.

        ``bitdepth`` defaults to 8 for ``uint8`` planes; ``uint16`` planes
        must say whether they hold 10-, 12- or 16-bit samples. When
        ``check_range`` is true, samples above ``2**bitdepth - 1`` raise
        :class:`~pyvmafneg.errors.FrameError`.
        """
        y = _as_plane(y, "Y")
        if (u is None) != (v is None):
            raise FrameError("give both chroma planes (u and v) or neither (4:0:0 gray)")
        if bitdepth is None:
            if y.dtype == np.uint8:
                bitdepth = 8
            else:
                raise FrameError(
                    f"planes of dtype {y.dtype} need an explicit bitdepth (10, 12 or 16 for uint16)"
                )
        planes: tuple[np.ndarray, ...]
        if u is None:
            planes = (y,)
            inferred = "400"
        else:
            u = _as_plane(u, "U")
            v = _as_plane(v, "V")
            planes = (y, u, v)
            inferred = _infer_format(y.shape, u.shape, v.shape)
        fmt = inferred if pixel_format is None else normalize_pixel_format(pixel_format)
        frame = cls(planes, int(bitdepth), fmt)
        if check_range:
            frame.check_range()
        return frame

    def check_range(self) -> None:
        """Raise :class:`FrameError` if a sample exceeds ``2**bitdepth - 1``."""
        if self.bitdepth in (8, 16):
            return
        limit = (1 << self.bitdepth) - 1
        for name, plane in zip("YUV", self.planes, strict=False):
            peak = int(plane.max()) if plane.size else 0
            if peak > limit:
                raise FrameError(
                    f"{name} plane holds the value {peak}, above {limit}, the largest "
                    f"{self.bitdepth}-bit sample; pass the right bitdepth, or shift the "
                    "samples (e.g. >> 6 for MSB-aligned 10-bit P010 data)"
                )

    def describe(self) -> str:
        """Short text such as ``'576x324 yuv420p 10-bit'``."""
        return f"{self.width}x{self.height} {self.pixel_format} {self.bitdepth}-bit"


def _as_plane(plane: Any, name: str) -> np.ndarray:
    arr = np.asarray(plane)
    if arr.ndim != 2:
        raise FrameError(f"the {name} plane must be 2-D (rows, columns); got shape {arr.shape}")
    if arr.dtype not in (np.uint8, np.uint16):
        raise FrameError(
            f"the {name} plane has dtype {arr.dtype}; use uint8 for 8-bit or uint16 for "
            "10/12/16-bit samples (convert with .astype after scaling to the bit depth)"
        )
    return arr


def _infer_format(y: tuple[int, ...], u: tuple[int, ...], v: tuple[int, ...]) -> str:
    if u != v:
        raise FrameError(f"the U and V planes differ in shape: {u} vs {v}")
    h, w = y
    for fmt in ("420", "422", "444"):
        if chroma_shape(h, w, fmt) == tuple(u):
            return fmt
    raise FrameError(
        f"chroma planes of shape {u} fit no pixel format for a {w}x{h} luma plane; expected "
        f"{chroma_shape(h, w, '420')} (4:2:0), {chroma_shape(h, w, '422')} (4:2:2) or "
        f"{(h, w)} (4:4:4)"
    )


def _validate(frame: Frame) -> None:
    if frame.bitdepth not in BITDEPTHS:
        raise FrameError(f"bit depth {frame.bitdepth} is not supported; use 8, 10, 12 or 16")
    fmt = normalize_pixel_format(frame.pixel_format)
    if fmt != frame.pixel_format:
        object.__setattr__(frame, "pixel_format", fmt)
    planes = tuple(frame.planes)
    object.__setattr__(frame, "planes", planes)
    want = 1 if fmt == "400" else 3
    if len(planes) != want:
        raise FrameError(f"a {fmt} frame has {want} plane(s); got {len(planes)}")
    dtype = _dtype_for(frame.bitdepth)
    for name, plane in zip("YUV", planes, strict=False):
        if not isinstance(plane, np.ndarray) or plane.ndim != 2:
            raise FrameError(f"the {name} plane must be a 2-D NumPy array")
        if plane.dtype != dtype:
            raise FrameError(
                f"the {name} plane has dtype {plane.dtype} but {frame.bitdepth}-bit samples "
                f"are stored as {dtype}"
            )
    h, w = planes[0].shape
    if h < 1 or w < 1:
        raise FrameError(f"the Y plane is empty ({w}x{h})")
    cs = chroma_shape(h, w, fmt)
    if cs is not None:
        for name, plane in zip("UV", planes[1:], strict=False):
            if plane.shape != cs:
                raise FrameError(
                    f"the {name} plane is {plane.shape[1]}x{plane.shape[0]} but a {w}x{h} "
                    f"{fmt} frame needs {cs[1]}x{cs[0]} chroma"
                )


FrameLike = Frame | np.ndarray | Sequence[np.ndarray]


def as_frame(
    obj: FrameLike, *, bitdepth: int | None = None, pixel_format: str | None = None
) -> Frame:
    """Coerce a :class:`Frame`, a 2-D luma array or a ``(Y, U, V)`` sequence."""
    if isinstance(obj, Frame):
        if bitdepth is not None and bitdepth != obj.bitdepth:
            raise FrameMismatchError(
                f"frame is {obj.bitdepth}-bit but bitdepth={bitdepth} was requested"
            )
        return obj
    if isinstance(obj, np.ndarray):
        if obj.ndim == 2:
            return Frame.from_planes(obj, bitdepth=bitdepth, pixel_format=pixel_format)
        raise FrameError(
            f"a single array must be a 2-D luma plane; got shape {obj.shape}. Pass (Y, U, V) "
            "planes as a tuple for colour frames"
        )
    if isinstance(obj, Sequence) and not isinstance(obj, (str, bytes)):
        if len(obj) == 1:
            return Frame.from_planes(obj[0], bitdepth=bitdepth, pixel_format=pixel_format)
        if len(obj) == 3:
            return Frame.from_planes(
                obj[0], obj[1], obj[2], bitdepth=bitdepth, pixel_format=pixel_format
            )
        raise FrameError(f"a frame is 1 plane (gray) or 3 planes (Y, U, V); got {len(obj)}")
    raise FrameError(f"cannot use {_short_repr(obj)} as a frame; {FRAME_IS}")


#: What every frame-taking function accepts, said once for its errors.
FRAME_IS = (
    "a frame is a pyvmafneg Frame, a 2-D luma array (height, width) of uint8 or uint16, "
    "or a (Y, U, V) sequence of such arrays"
)


def _short_repr(obj: object) -> str:
    text = repr(obj)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"an object of type {type(obj).__name__} ({text})"


def check_pair(reference: Frame, distorted: Frame, index: int | None = None) -> None:
    """Raise :class:`FrameMismatchError` unless the two frames are scoreable together.

    Raises
    ------
    SizeMismatchError
        The frames differ in size.
    FormatMismatchError
        They differ in bit depth or pixel format.
    """
    where = "" if index is None else f" at frame {index}"
    if reference.shape != distorted.shape:
        raise SizeMismatchError(
            f"reference is {reference.width}x{reference.height} but distorted is "
            f"{distorted.width}x{distorted.height}{where}",
            advice="score with {scale} to scale it in-process, or scale the distorted video "
            "to the reference size first (e.g. ffmpeg -vf scale=W:H)",
            options={"scale": "bicubic"},
            reference_size=(reference.width, reference.height),
            distorted_size=(distorted.width, distorted.height),
            frame=index,
        )
    if (reference.pixel_format, reference.bitdepth) != (
        distorted.pixel_format,
        distorted.bitdepth,
    ):
        if reference.bitdepth != distorted.bitdepth:
            facts = (
                f"reference is {reference.bitdepth}-bit but distorted is {distorted.bitdepth}-bit"
            )
            advice = "score with {convert_bitdepth} to convert both in-process"
            options = {"convert_bitdepth": max(reference.bitdepth, distorted.bitdepth)}
        else:
            facts = (
                f"reference is {reference.pixel_format} but distorted is {distorted.pixel_format}"
            )
            advice = "convert one so both share a pixel format"
            options = {}
        raise FormatMismatchError(
            f"{facts}{where}",
            advice=advice,
            options=options,
            reference_format=(reference.pixel_format, reference.bitdepth),
            distorted_format=(distorted.pixel_format, distorted.bitdepth),
            frame=index,
        )


_END = object()


def iter_pairs(
    reference: Iterable[FrameLike], distorted: Iterable[FrameLike], frames: int | None = None
) -> Iterator[tuple[FrameLike, FrameLike]]:
    """Pair two clips lazily, frame by frame, up to ``frames`` pairs.

    Raises :class:`~pyvmafneg.errors.FrameMismatchError` when one clip ends
    before the other (unless ``frames`` stops first) or holds fewer than
    ``frames`` frames.
    """
    ref_it = iter(reference)
    dis_it = iter(distorted)
    done = 0
    while frames is None or done < frames:
        ref = next(ref_it, _END)
        dis = next(dis_it, _END)
        for role, item in (("reference", ref), ("distorted", dis)):
            if item is None:
                raise FrameError(f"frame {done} of the {role} clip is None; {FRAME_IS}")
        if ref is _END and dis is _END:
            break
        if ref is _END or dis is _END:
            shorter = "reference" if ref is _END else "distorted"
            raise FrameCountMismatchError(
                f"the {shorter} clip ended after {done} frames but the other goes on"
                if done
                else f"the {shorter} clip holds no frames but the other does",
                # no common prefix to score when one clip holds nothing
                advice="pass {frames} to score the common prefix" if done else "",
                options={"frames": done} if done else {},
                reference_frames=done if ref is _END else None,
                distorted_frames=done if dis is _END else None,
                common=done,
                requested=frames,
            )
        yield ref, dis  # type: ignore[misc]  # neither is _END nor None here
        done += 1
    if frames is not None and done < frames:
        raise FrameCountMismatchError(
            f"{frames} frames were asked for but the clips hold only {done}"
            if done
            else f"{frames} frames were asked for but the clips hold none",
            advice="pass {frames} or fewer" if done else "",
            options={"frames": done} if done else {},
            reference_frames=done,
            distorted_frames=done,
            common=done,
            requested=frames,
        )


class ClipChecker:
    """Validates the frame pairs of one clip, the same way for every backend.

    Each call coerces both sides with :func:`as_frame` (``bitdepth`` for bare
    ``uint16`` arrays) and checks that the pair matches, that samples fit
    the bit depth, that frames are at least :data:`MIN_SIDE` pixels a side,
    and that the clip keeps the size, pixel format and bit depth of its
    first frame (:attr:`geometry`).
    """

    def __init__(self, bitdepth: int | None = None) -> None:
        self.bitdepth = bitdepth
        self.geometry: tuple[int, int, int, str] | None = None

    def __call__(
        self, reference: FrameLike, distorted: FrameLike, index: int
    ) -> tuple[Frame, Frame]:
        """Return the pair as :class:`Frame` objects, or raise.

        Raises :class:`~pyvmafneg.errors.FrameError` for unusable frames and
        :class:`~pyvmafneg.errors.FrameMismatchError` for mismatches.
        """
        ref = as_frame(reference, bitdepth=self.bitdepth)
        dis = as_frame(distorted, bitdepth=self.bitdepth)
        check_pair(ref, dis, index)
        for frame, role in ((ref, "reference"), (dis, "distorted")):
            try:
                frame.check_range()  # out-of-range samples make every score meaningless
            except FrameError as exc:
                raise FrameError(f"{role} frame {index}: {exc}") from None
        if ref.width < MIN_SIDE or ref.height < MIN_SIDE:
            raise FrameError(
                f"frames are {ref.width}x{ref.height}; libvmaf needs at least "
                f"{MIN_SIDE}x{MIN_SIDE} pixels (smaller frames crash or compute undefined values "
                "inside its VIF/ADM extractors); upscale the clip first"
            )
        geometry = (ref.width, ref.height, ref.bitdepth, ref.pixel_format)
        if self.geometry is None:
            self.geometry = geometry
        elif geometry != self.geometry:
            w, h, b, f = self.geometry
            raise FrameMismatchError(
                f"frame {index} is {ref.describe()} but the clip started as {w}x{h} {f} "
                f"{b}-bit; every frame of a clip must share size, format and depth"
            )
        return ref, dis
