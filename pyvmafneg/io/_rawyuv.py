"""Raw planar YUV files: streaming reader and writer.

A raw YUV file is frames back to back, each frame its Y plane then U then V,
rows packed with no padding; samples are one byte (8-bit) or two bytes
little-endian (10/12/16-bit, LSB-aligned, as FFmpeg's ``yuv420p10le``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .._outputs import atomic_file
from ..errors import InputFileError, TruncatedInputError
from ._frame import Frame, chroma_shape, normalize_pixel_format

__all__ = ["count_frames", "ffmpeg_pix_fmt", "frame_size", "read_yuv", "write_yuv"]


def frame_size(width: int, height: int, pixel_format: str, bitdepth: int) -> int:
    """Bytes one frame occupies in a raw planar file."""
    fmt = normalize_pixel_format(pixel_format)
    bytes_per = 1 if bitdepth == 8 else 2
    n = width * height
    cs = chroma_shape(height, width, fmt)
    if cs is not None:
        n += 2 * cs[0] * cs[1]
    return n * bytes_per


def ffmpeg_pix_fmt(pixel_format: str, bitdepth: int) -> str:
    """FFmpeg's name for a layout, e.g. ``('420', 10) -> 'yuv420p10le'``."""
    fmt = normalize_pixel_format(pixel_format)
    base = "gray" if fmt == "400" else f"yuv{fmt}p"
    return base if bitdepth == 8 else f"{base}{bitdepth}le"


def _check_geometry(width: int, height: int, bitdepth: int) -> None:
    if int(width) < 1 or int(height) < 1:
        raise InputFileError(f"frame size must be positive; got {width}x{height}")
    if bitdepth not in (8, 10, 12, 16):
        raise InputFileError(f"bit depth {bitdepth} is not supported; use 8, 10, 12 or 16")


def count_frames(
    path: str | os.PathLike[str], width: int, height: int, pixel_format: str, bitdepth: int
) -> int:
    """Number of whole frames in a raw file.

    Raises :class:`TruncatedInputError` when the size is not a whole number of
    frames, saying how many bytes are left over.
    """
    _check_geometry(width, height, bitdepth)
    size = os.path.getsize(path)
    per = frame_size(width, height, pixel_format, bitdepth)
    n, rest = divmod(size, per)
    if rest:
        raise TruncatedInputError(
            f"{os.fspath(path)!r} is {size} bytes: {n} whole {width}x{height} "
            f"{normalize_pixel_format(pixel_format)} {bitdepth}-bit frames of {per} bytes and "
            f"{rest} bytes left over; check the size, pixel format and bit depth"
        )
    return n


def read_yuv(
    path: str | os.PathLike[str],
    width: int,
    height: int,
    pixel_format: str = "420",
    bitdepth: int = 8,
    *,
    check_range: bool = True,
) -> Iterator[Frame]:
    """Yield frames from a raw planar YUV file, one at a time.

    Memory holds one frame at a time. The file size is checked up front, so a
    truncated file fails before any frame is scored.
    """
    fmt = normalize_pixel_format(pixel_format)
    n = count_frames(path, width, height, fmt, bitdepth)
    if n == 0:
        raise InputFileError(
            f"{os.fspath(path)!r} is empty: it holds no frames; re-create it or give another file"
        )
    return _iter_frames(Path(path), n, width, height, fmt, bitdepth, check_range)


def _iter_frames(
    path: Path,
    n: int,
    width: int,
    height: int,
    fmt: str,
    bitdepth: int,
    check_range: bool,
    *,
    offset: int = 0,
    first_index: int = 0,
) -> Iterator[Frame]:
    """Yield ``n`` frames starting ``offset`` bytes into the file (frame ``first_index``)."""
    dtype = np.dtype(np.uint8) if bitdepth == 8 else np.dtype("<u2")
    cs = chroma_shape(height, width, fmt)
    shapes = [(height, width)] + ([cs, cs] if cs is not None else [])
    per = frame_size(width, height, fmt, bitdepth)
    with open(path, "rb") as fh:
        fh.seek(offset)
        for index in range(first_index, first_index + n):
            buf = _read_exact(fh, per, path, index)
            planes = []
            at = 0
            for shape in shapes:
                count = shape[0] * shape[1]
                plane = np.frombuffer(buf, dtype=dtype, count=count, offset=at)
                at += count * dtype.itemsize
                planes.append(plane.reshape(shape).astype(dtype.newbyteorder("="), copy=False))
            frame = Frame(tuple(planes), bitdepth, fmt)
            if check_range:
                try:
                    frame.check_range()
                except Exception as exc:
                    raise InputFileError(f"{os.fspath(path)!r}, frame {index}: {exc}") from exc
            yield frame


def _read_exact(fh: BinaryIO, size: int, path: Path, index: int) -> bytes:
    buf = fh.read(size)
    if len(buf) != size:
        raise TruncatedInputError(
            f"{os.fspath(path)!r} ended inside frame {index} ({len(buf)} of {size} bytes); "
            "the file changed while it was read or is truncated"
        )
    return buf


def write_yuv(frames: Iterable[Frame], path: str | os.PathLike[str]) -> int:
    """Write frames to a raw planar file (little-endian above 8 bits); returns the count."""
    count = 0
    with atomic_file(path, "the raw YUV file") as fh:
        for frame in frames:
            for plane in frame.planes:
                data = plane if frame.bitdepth == 8 else plane.astype("<u2", copy=False)
                fh.write(np.ascontiguousarray(data).tobytes())
            count += 1
    return count
