"""Decode compressed video (mp4, mkv, webm, ivf, ...) in-process with PyAV.

Frames come out as planar YUV at the stream's own bit depth and chroma
subsampling: the decoder's planes are copied (cropping the line padding
FFmpeg adds), never converted through RGB. Semi-planar decoder output (NV12,
P010 ...) is de-interleaved losslessly into planar form; alpha planes are
dropped. RGB, palette and Bayer streams are refused with advice.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DecodeError, InputFileError
from ._frame import SKIPPED, Frame, _Skipped, check_frame_size

__all__ = [
    "ContainerInfo",
    "count_packets",
    "decode_frames",
    "decode_sparse",
    "layout_of",
    "probe",
]

#: Semi-planar and packed-chroma formats and the planar layout they convert to losslessly.
_SEMI_PLANAR: dict[str, str] = {
    "nv12": "yuv420p",
    "nv21": "yuv420p",
    "nv16": "yuv422p",
    "nv24": "yuv444p",
    "nv42": "yuv444p",
    "p010le": "yuv420p10le",
    "p010be": "yuv420p10le",
    "p012le": "yuv420p12le",
    "p016le": "yuv420p16le",
    "p210le": "yuv422p10le",
    "p212le": "yuv422p12le",
    "p216le": "yuv422p16le",
    "p410le": "yuv444p10le",
    "p412le": "yuv444p12le",
    "p416le": "yuv444p16le",
}

_PLANAR = re.compile(r"^(?:(yuvj?|yuva)(420|422|444)p|(gray))(\d+)?(le|be)?$")

_RANGES = {1: "limited", 2: "full"}


@dataclass(frozen=True)
class ContainerInfo:
    """Geometry and timing of a file's first video stream.

    ``frame_count`` is None when the container does not record it (e.g.
    Matroska); ``fps`` (frames per second) and ``color_range`` (``'full'``
    or ``'limited'``) are None when unknown. ``field_order`` is
    ``'progressive'``, ``'tff'`` (top field first), ``'bff'`` (bottom field
    first) or None (the stream does not say). ``expected_frames`` is what the
    stream's recorded duration implies at ``fps`` where no count is recorded
    (None when neither is known): decoding far fewer means a truncated file.
    """

    width: int
    height: int
    pixel_format: str
    bitdepth: int
    decoder_format: str
    codec: str
    frame_count: int | None
    fps: float | None
    color_range: str | None
    field_order: str | None = None
    expected_frames: int | None = None


def layout_of(format_name: str) -> tuple[str, int, str | None]:
    """``(pixel_format, bitdepth, convert_to)`` for an FFmpeg pixel format name.

    ``convert_to`` names a lossless planar target for semi-planar or
    big-endian formats and is None when planes can be copied as they are.
    Raises :class:`~pyvmafneg.errors.InputFileError` for formats VMAF cannot
    score without a colour conversion.
    """
    name = format_name.lower()
    if name in _SEMI_PLANAR:
        target = _SEMI_PLANAR[name]
        fmt, bits, _ = layout_of(target)
        return fmt, bits, target
    m = _PLANAR.match(name)
    if m:
        family, sub, gray, bits_text, endian = m.groups()
        bits = int(bits_text) if bits_text else 8
        fmt = "400" if gray else sub
        if bits in (8, 10, 12, 16):
            convert = None
            if endian == "be":
                base = "gray" if gray else f"yuv{sub}p"
                convert = f"{base}{bits}le"
            return fmt, bits, convert
        raise InputFileError(
            f"the video decodes to {format_name} ({bits}-bit); libvmaf scores 8, 10, 12 and "
            "16-bit video: convert first, e.g. ffmpeg -i IN -pix_fmt yuv420p10le -c:v ffv1 "
            "OUT.mkv"
        )
    raise InputFileError(
        f"the video decodes to {format_name}, which is not planar YUV (VMAF needs Y, U, V "
        "planes); convert first, e.g. ffmpeg -i IN -pix_fmt yuv420p -c:v ffv1 OUT.mkv"
    )


def _open(path: str) -> Any:
    import av

    try:
        container = av.open(path)
    except av.error.FFmpegError as exc:
        raise InputFileError(
            f"cannot read {path!r}: FFmpeg (PyAV) does not recognise it ({exc.strerror or exc}); "
            "it is damaged, truncated or not a video: re-create it. If it is raw planar YUV, "
            "name it *.yuv and give its width and height (and pixel format and bit depth)"
        ) from None
    if not container.streams.video:
        container.close()
        raise InputFileError(
            f"{path!r} has no video stream (only audio, subtitles or data); give the video file"
        )
    return container


def _prefix_advice(index: int) -> tuple[str, dict[str, int]]:
    """How to score the frames before a damaged one (nothing when the first is damaged)."""
    if index < 1:
        return "", {}
    return f", or score the {index} frame{'s' if index > 1 else ''} before it with {{frames}}", {
        "frames": index
    }


def _rate(stream: Any) -> float | None:
    for attr in ("average_rate", "guessed_rate", "base_rate"):
        rate = getattr(stream, attr, None)
        if rate:
            return float(rate)
    return None


def _duration_seconds(container: Any, stream: Any) -> float | None:
    """The video stream's recorded duration in seconds, or None when it does not say."""
    tag = str(stream.metadata.get("DURATION", ""))
    match = re.fullmatch(r"(\d+):(\d\d):(\d\d(?:\.\d+)?)", tag)
    if match:
        h, m, sec = match.groups()
        return int(h) * 3600 + int(m) * 60 + float(sec)
    if len(container.streams) == 1 and container.duration:
        return float(container.duration) / 1e6  # microseconds, this one stream's
    return None


def _frames_from_duration(container: Any, stream: Any) -> int | None:
    seconds = _duration_seconds(container, stream)
    rate = _rate(stream)
    if not seconds or not rate:
        return None
    return round(seconds * rate)


#: Fewest frames missing against a recorded duration that count as truncation
#: (a fraction of the expected count; at least 2 frames), so rounding of a
#: duration or a variable frame rate is not taken for damage.
_SHORT_FRACTION = 0.05


def probe(path: str | os.PathLike[str]) -> ContainerInfo:
    """Open a file with PyAV and describe its first video stream.

    The first frame is decoded to learn the decoder's real output format;
    a size the stream's parameters declare beyond
    :data:`~pyvmafneg.io._frame.MAX_FRAME_SIDE` is refused first
    (:class:`~pyvmafneg.errors.FrameSizeLimitError`), and so is the first
    frame's.
    """
    path = os.fspath(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        declared = stream.codec_context
        if int(declared.width or 0) > 0 and int(declared.height or 0) > 0:
            check_frame_size(declared.width, declared.height, repr(path), path=path)
        first = None
        try:
            for frame in container.decode(stream):
                first = frame
                break
        except Exception as exc:  # av.error.FFmpegError and decoder failures
            raise DecodeError(
                f"{path!r}: decoding failed at frame 0: {exc}; the file is damaged or not "
                "what its name says",
                advice="re-create it (or re-encode it, e.g. ffmpeg -i IN -c:v ffv1 OUT.mkv)",
                path=path,
                decoded=0,
            ) from None
        if first is None:
            raise InputFileError(
                f"{path!r} has a video stream but no decodable frame; the file is truncated "
                "or damaged: re-create it"
            )
        check_frame_size(first.width, first.height, repr(path), path=path)
        fmt, bits, _ = _layout_for(path, first.format.name)
        rng = _RANGES.get(int(first.color_range or 0)) or _RANGES.get(
            int(stream.codec_context.color_range or 0)
        )
        if rng is None and first.format.name.startswith("yuvj"):
            rng = "full"
        return ContainerInfo(
            width=int(first.width),
            height=int(first.height),
            pixel_format=fmt,
            bitdepth=bits,
            decoder_format=first.format.name,
            codec=stream.codec_context.name,
            frame_count=int(stream.frames) or None,
            fps=_rate(stream),
            color_range=rng,
            field_order=_field_order(stream, first),
            expected_frames=None
            if int(stream.frames)
            else _frames_from_duration(container, stream),
        )
    finally:
        container.close()


#: FFmpeg's field orders (``AVFieldOrder``) by the field coded first: TT and TB are
#: top field first, BB and BT bottom field first; 1 is progressive, 0 unknown.
_FIELD_ORDERS = {1: "progressive", 2: "tff", 4: "tff", 3: "bff", 5: "bff"}


def _field_order(stream: Any, first: Any) -> str | None:
    """The stream's field order from the decoder, or from the first frame's interlace flag."""
    order = _FIELD_ORDERS.get(int(getattr(stream.codec_context, "field_order", 0) or 0))
    if order is None and getattr(first, "interlaced_frame", False):
        return "tff"  # interlaced, field order not recorded: FFmpeg's deinterlacers' default
    if order == "progressive" and getattr(first, "interlaced_frame", False):
        return "tff"
    return order


def _layout_for(path: str, name: str) -> tuple[str, int, str | None]:
    try:
        return layout_of(name)
    except InputFileError as exc:
        raise InputFileError(f"{path!r}: {exc}") from None


def _frame_layout(
    frame: Any, info: ContainerInfo, path: str, index: int, /, **facts: Any
) -> tuple[str, int, str | None]:
    """:func:`_layout_for` a decoded frame, refusing one unlike the stream's first.

    Raises :class:`~pyvmafneg.errors.DecodeError` with ``facts`` when frame
    ``index`` differs from ``info`` (the stream's) in size, format or bit depth.
    """
    name = frame.format.name
    fmt, bits, convert = _layout_for(path, name)
    if (frame.width, frame.height, fmt, bits) != (
        info.width,
        info.height,
        info.pixel_format,
        info.bitdepth,
    ):
        raise DecodeError(
            f"{path!r}: frame {index} is {frame.width}x{frame.height} {name} but the "
            f"stream started as {info.width}x{info.height} {info.decoder_format}; "
            "VMAF needs one size and format per clip",
            **facts,
        )
    return fmt, bits, convert


def count_packets(path: str | os.PathLike[str]) -> int:
    """Count the first video stream's packets without decoding (about its frame count).

    Used to check frame counts up front when the container does not record
    them; one packet holds one frame for the usual codecs (H.264, HEVC, AV1,
    VP9 superframes).
    """
    path = os.fspath(path)
    container = _open(path)
    n = 0
    try:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            if packet.size:
                n += 1
        return n
    except Exception as exc:
        raise DecodeError(
            f"{path!r}: reading packets failed after {n} frames: {exc}", path=path
        ) from None
    finally:
        container.close()


def _planes(frame: Any, count: int, bitdepth: int) -> tuple[np.ndarray, ...]:
    dtype = np.dtype(np.uint8) if bitdepth == 8 else np.dtype(np.uint16)
    out = []
    for plane in frame.planes[:count]:
        itemsize = dtype.itemsize
        rows = int(plane.height)
        cols = int(plane.width)
        stride = int(plane.line_size) // itemsize
        arr = np.frombuffer(plane, dtype=dtype, count=rows * stride).reshape(rows, stride)
        out.append(arr[:, :cols].copy())
    return tuple(out)


def decode_frames(
    path: str | os.PathLike[str],
    *,
    expect: ContainerInfo | None = None,
    threads: bool = True,
    allow_corrupt: bool = False,
) -> Iterator[Frame]:
    """Yield the frames of the first video stream as planar YUV :class:`Frame` objects.

    Parameters
    ----------
    expect:
        The stream's :class:`ContainerInfo` (from :func:`probe`); every frame
        must keep its size and format, otherwise
        :class:`~pyvmafneg.errors.DecodeError` names the frame that changed.
    threads:
        Let the decoder use frame/slice threads (the order of frames is kept).
    allow_corrupt:
        Keep frames the decoder marks corrupt (error-concealed); by default
        they raise :class:`~pyvmafneg.errors.DecodeError`, since a score of
        a concealed frame measures the damage, not the encoder.

    One decoded frame is held at a time.
    """
    path = os.fspath(path)
    info = expect or probe(path)
    return _decode(path, info, threads, allow_corrupt)


def decode_sparse(
    path: str | os.PathLike[str],
    keep: Callable[[int], bool],
    *,
    expect: ContainerInfo | None = None,
    threads: bool = True,
    allow_corrupt: bool = False,
) -> Iterator[Frame | _Skipped]:
    """:func:`decode_frames`, with :data:`~pyvmafneg.io._frame.SKIPPED` in place of each frame
    whose index ``keep`` rejects: such a frame is decoded (the next ones may need it) and
    checked as every frame is, but its planes are never converted nor copied into NumPy."""
    path = os.fspath(path)
    info = expect or probe(path)
    return _decode(path, info, threads, allow_corrupt, keep)


def _decode(
    path: str,
    info: ContainerInfo,
    threads: bool,
    allow_corrupt: bool,
    keep: Callable[[int], bool] | None = None,
) -> Iterator[Any]:
    import av

    container = _open(path)
    index = 0
    try:
        stream = container.streams.video[0]
        if threads:
            stream.thread_type = "AUTO"
        count = 1 if info.pixel_format == "400" else 3
        frames = container.decode(stream)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except av.error.FFmpegError as exc:
                raise DecodeError(
                    f"{path!r}: decoding failed at frame {index}: {exc.strerror or exc}; the "
                    "file is damaged",
                    advice="re-create it" + _prefix_advice(index)[0],
                    options=_prefix_advice(index)[1],
                    path=path,
                    decoded=index,
                ) from None
            if frame.is_corrupt and not allow_corrupt:
                raise DecodeError(
                    f"{path!r}: frame {index} is corrupt (the decoder concealed missing or "
                    "damaged data)",
                    advice="re-create the file" + _prefix_advice(index)[0],
                    options=_prefix_advice(index)[1],
                    path=path,
                    decoded=index,
                )
            fmt, bits, convert = _frame_layout(frame, info, path, index, path=path, decoded=index)
            if keep is not None and not keep(index):
                yield SKIPPED
                index += 1
                continue
            if convert is not None:
                frame = frame.reformat(format=convert)
            yield Frame(_planes(frame, count, bits), bits, fmt)
            index += 1
        if info.frame_count and index < info.frame_count:
            raise DecodeError(
                f"{path!r}: the container promises {info.frame_count} frames but only "
                f"{index} could be decoded; the file is truncated",
                advice="score the frames present with {frames}",
                options={"frames": index},
                path=path,
                decoded=index,
            )
        expected = info.expected_frames
        if (
            not info.frame_count
            and expected
            and expected - index >= max(2, _SHORT_FRACTION * expected)
        ):
            raise DecodeError(
                f"{path!r}: the stream's recorded duration implies about {expected} frames but "
                f"it ended after {index}; the file is truncated or damaged",
                advice="re-create it, or score the frames present with {frames}",
                options={"frames": index},
                path=path,
                decoded=index,
            )
    finally:
        container.close()
