"""Raw planar YUV files: streaming reader and writer.

A raw YUV file is frames back to back, each frame its Y plane then U then V,
rows packed with no padding; samples are one byte (8-bit) or two bytes
little-endian (10/12/16-bit, LSB-aligned, as FFmpeg's ``yuv420p10le``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .._outputs import atomic_file
from ..errors import InputFileError, TruncatedInputError
from ._frame import (
    SKIPPED,
    Frame,
    _Skipped,
    check_frame_size,
    chroma_shape,
    normalize_pixel_format,
)

__all__ = [
    "count_frames",
    "ffmpeg_pix_fmt",
    "fitting_layouts",
    "frame_size",
    "layout_warning",
    "read_yuv",
    "read_yuv_sparse",
    "write_yuv",
]

#: Chroma layouts a raw file may hold, compared when its size fits several.
_LAYOUTS = ("420", "422", "444", "400")
#: Frames read to judge a layout.
_PROBE_FRAMES = 3
#: How much rougher (row-to-row against column-to-column change) the chosen
#: layout's planes must be than another fitting layout's for a warning.
ROUGHNESS_MARGIN = 1.5


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


def _check_geometry(width: int, height: int, bitdepth: int, path: str = "") -> None:
    if int(width) < 1 or int(height) < 1:
        raise InputFileError(f"frame size must be positive; got {width}x{height}")
    check_frame_size(width, height, repr(path) if path else "", path=path)
    if bitdepth not in (8, 10, 12, 16):
        raise InputFileError(f"bit depth {bitdepth} is not supported; use 8, 10, 12 or 16")


def count_frames(
    path: str | os.PathLike[str], width: int, height: int, pixel_format: str, bitdepth: int
) -> int:
    """Number of whole frames in a raw file.

    Raises :class:`TruncatedInputError` when the size is not a whole number of
    frames, saying how many bytes are left over.
    """
    _check_geometry(width, height, bitdepth, os.fspath(path))
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


def read_yuv_sparse(
    path: str | os.PathLike[str],
    keep: Callable[[int], bool],
    width: int,
    height: int,
    pixel_format: str = "420",
    bitdepth: int = 8,
    *,
    check_range: bool = True,
) -> Iterator[Frame | _Skipped]:
    """:func:`read_yuv`, with :data:`~pyvmafneg.io._frame.SKIPPED` in place of each frame whose
    index ``keep`` rejects (its bytes passed over unread)."""
    fmt = normalize_pixel_format(pixel_format)
    n = count_frames(path, width, height, fmt, bitdepth)
    return _iter_frames(Path(path), n, width, height, fmt, bitdepth, check_range, keep=keep)


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
    keep: Callable[[int], bool] | None = None,
) -> Iterator[Any]:
    """Yield ``n`` frames starting ``offset`` bytes into the file (frame ``first_index``;
    :data:`~pyvmafneg.io._frame.SKIPPED` for those ``keep`` rejects)."""
    dtype = np.dtype(np.uint8) if bitdepth == 8 else np.dtype("<u2")
    cs = chroma_shape(height, width, fmt)
    shapes = [(height, width)] + ([cs, cs] if cs is not None else [])
    per = frame_size(width, height, fmt, bitdepth)
    with open(path, "rb") as fh:
        fh.seek(offset)
        for index in range(first_index, first_index + n):
            if keep is not None and not keep(index):
                fh.seek(per, os.SEEK_CUR)  # the size was checked when the file was opened
                yield SKIPPED
                continue
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


def fitting_layouts(
    path: str | os.PathLike[str], width: int, height: int, bitdepth: int
) -> list[str]:
    """The chroma layouts whose frames divide the file's size into whole frames (>= 1)."""
    size = os.path.getsize(path)
    out = []
    for fmt in _LAYOUTS:
        per = frame_size(width, height, fmt, bitdepth)
        if size >= per and size % per == 0:
            out.append(fmt)
    return out


def _roughness(
    path: str | os.PathLike[str], width: int, height: int, fmt: str, bitdepth: int
) -> float:
    """Row-to-row change over column-to-column change in the first frames' planes.

    Read with the right layout, every plane is a picture: neighbouring rows
    differ about as much as neighbouring columns. Read with a wrong one, plane
    boundaries fall mid-row, so "rows" of a plane jump between unrelated
    samples (halves of other rows, another plane): the ratio rises.
    """
    n = min(_PROBE_FRAMES, os.path.getsize(path) // frame_size(width, height, fmt, bitdepth))
    vertical = horizontal = 0.0
    for frame in _iter_frames(Path(path), n, width, height, fmt, bitdepth, False):
        for plane in frame.planes:
            p = plane.astype(np.float64)
            if p.shape[0] > 1:
                vertical += float(np.abs(np.diff(p, axis=0)).mean())
            if p.shape[1] > 1:
                horizontal += float(np.abs(np.diff(p, axis=1)).mean())
    return vertical / horizontal if horizontal > 0 else (np.inf if vertical > 0 else 1.0)


def layout_warning(
    path: str | os.PathLike[str], width: int, height: int, pixel_format: str, bitdepth: int
) -> str | None:
    """A warning when another chroma layout fits the file and reads as a clearly better picture.

    Only where the file's size is a whole number of frames for more than one
    layout (4:2:0, 4:2:2, 4:4:4, 4:0:0 at this size and bit depth): each is
    read for its first frames, and the roughness of its planes (row-to-row
    change over column-to-column change) compared. A warning naming the
    layouts that read :data:`ROUGHNESS_MARGIN` times smoother than
    ``pixel_format`` is returned; else None. It tells 4:2:0, 4:2:2 and
    4:4:4 apart, not 4:4:4 from 4:0:0 (three gray frames per 4:4:4 frame
    read just as smoothly).
    """
    fmt = normalize_pixel_format(pixel_format)
    fits = fitting_layouts(path, width, height, bitdepth)
    if fmt not in fits or len(fits) < 2:
        return None
    rough = {f: _roughness(path, width, height, f, bitdepth) for f in fits}
    better = sorted(
        (f for f in fits if f != fmt and rough[fmt] > ROUGHNESS_MARGIN * rough[f]),
        key=lambda f: rough[f],
    )
    if not better:
        return None
    size = os.path.getsize(path)

    def frames(f: str) -> int:
        return size // frame_size(width, height, f, bitdepth)

    others = " or ".join(f"{f} ({frames(f)} frames)" for f in better)
    return (
        f"{os.fspath(path)!r} was read as {fmt} ({frames(fmt)} frames), but its size also fits "
        f"{others}, as which its planes look like pictures (row-to-row change "
        f"{rough[better[0]]:.2f} of column-to-column, against {rough[fmt]:.2f} as {fmt}); "
        "check the pixel format"
    )
