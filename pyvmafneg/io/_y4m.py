"""YUV4MPEG2 (``.y4m``) files: header parsing, a streaming reader and a writer.

A Y4M file is one text header line, ``YUV4MPEG2`` followed by space-separated
tags, then frames, each a ``FRAME`` line (optionally with parameters) and the
raw planes Y, U, V packed without padding. Tags read here:

* ``W`` width and ``H`` height in pixels (required);
* ``F`` frame rate as ``num:den`` (e.g. ``F30000:1001``);
* ``I`` interlacing: ``p`` progressive (``?`` unknown is read as progressive);
  ``t``, ``b`` and ``m`` (interlaced) are rejected;
* ``A`` pixel aspect ratio ``num:den``;
* ``C`` colour space: ``420jpeg``, ``420mpeg2``, ``420paldv``, ``420``, ``422``,
  ``444``, ``mono`` and the high-bit-depth forms ``420p10``, ``422p12``,
  ``444p16``, ``mono10`` ...; ``444alpha`` is read with the alpha plane
  skipped; 4:1:1, 4:4:0 and 9-bit layouts are rejected;
* ``X`` comments; ``XCOLORRANGE=FULL`` / ``LIMITED`` sets the colour range.

Samples above 8 bits are two bytes little-endian, LSB-aligned (as FFmpeg
writes them). Reading holds one frame in memory at a time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .._outputs import atomic_file
from ..errors import InputFileError, OptionError, TruncatedInputError
from ._frame import (
    SKIPPED,
    Frame,
    _Skipped,
    check_frame_size,
    chroma_shape,
    normalize_pixel_format,
)

__all__ = [
    "Y4MInfo",
    "count_y4m_frames",
    "is_y4m",
    "read_y4m",
    "read_y4m_header",
    "read_y4m_sparse",
    "write_y4m",
]

#: The first bytes of every Y4M file.
MAGIC = b"YUV4MPEG2"

#: Longest header (or FRAME line) accepted, in bytes.
MAX_LINE = 8192

_COLORSPACES: dict[str, tuple[str, int]] = {
    "420jpeg": ("420", 8),
    "420mpeg2": ("420", 8),
    "420paldv": ("420", 8),
    "420": ("420", 8),
    "422": ("422", 8),
    "444": ("444", 8),
    "444alpha": ("444", 8),
    "mono": ("400", 8),
}
for _bits in (10, 12, 16):
    for _fmt in ("420", "422", "444"):
        _COLORSPACES[f"{_fmt}p{_bits}"] = (_fmt, _bits)
    _COLORSPACES[f"mono{_bits}"] = ("400", _bits)

_WRITE_TAGS: dict[tuple[str, int], str] = {
    ("420", 8): "C420jpeg XYSCSS=420JPEG",
    ("422", 8): "C422 XYSCSS=422",
    ("444", 8): "C444 XYSCSS=444",
    ("400", 8): "Cmono",
}
for _bits in (10, 12, 16):
    for _fmt in ("420", "422", "444"):
        _WRITE_TAGS[(_fmt, _bits)] = f"C{_fmt}p{_bits} XYSCSS={_fmt}P{_bits}"
    _WRITE_TAGS[("400", _bits)] = f"Cmono{_bits}"


@dataclass(frozen=True)
class Y4MInfo:
    """What a Y4M header says.

    Attributes
    ----------
    width, height:
        Luma size in pixels.
    pixel_format:
        ``'420'``, ``'422'``, ``'444'`` or ``'400'``.
    bitdepth:
        8, 10, 12 or 16 bits per sample.
    fps:
        Frame rate (frames per second) as a fraction, None when absent.
    color_range:
        ``'full'`` or ``'limited'`` from ``XCOLORRANGE``, None when absent.
    colorspace:
        The ``C`` tag as written (``'420jpeg'`` when absent, the default).
    aspect:
        Pixel aspect ratio ``(num, den)``, None when absent or unknown (0:0).
    header_size:
        Bytes of the header line including its newline.
    frame_size:
        Bytes of one frame's planes (without the ``FRAME`` line).
    comments:
        The ``X`` tags without their ``X``.
    field_order:
        ``'progressive'`` (``Ip`` or no ``I`` tag), ``'tff'`` (``It``) or
        ``'bff'`` (``Ib``); interlaced headers are read only on request.
    """

    width: int
    height: int
    pixel_format: str
    bitdepth: int
    fps: Fraction | None = None
    color_range: str | None = None
    colorspace: str = "420jpeg"
    aspect: tuple[int, int] | None = None
    header_size: int = 0
    frame_size: int = 0
    comments: tuple[str, ...] = field(default_factory=tuple)
    field_order: str = "progressive"

    @property
    def has_alpha(self) -> bool:
        """True for ``C444alpha`` (a fourth, alpha plane follows V and is skipped)."""
        return self.colorspace == "444alpha"

    def plane_shapes(self) -> list[tuple[int, int]]:
        """``(rows, columns)`` of each stored plane, alpha included."""
        shapes = [(self.height, self.width)]
        cs = chroma_shape(self.height, self.width, self.pixel_format)
        if cs is not None:
            shapes += [cs, cs]
        if self.has_alpha:
            shapes.append((self.height, self.width))
        return shapes


def is_y4m(path: str | os.PathLike[str]) -> bool:
    """True when the file starts with the ``YUV4MPEG2`` magic and a space."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC) + 1) == MAGIC + b" "
    except OSError:
        return False


def _ratio(value: str, tag: str, where: str) -> tuple[int, int]:
    num, sep, den = value.partition(":")
    try:
        if not sep:
            raise ValueError
        n, d = int(num), int(den)
        if n < 0 or d < 0:
            raise ValueError
    except ValueError:
        raise InputFileError(
            f"{where}: the Y4M tag {tag}{value} is malformed; it must be two non-negative "
            f"integers such as {tag}25:1"
        ) from None
    return n, d


def parse_header(
    line: bytes, where: str = "<y4m>", *, interlaced: bool = False, path: str = ""
) -> Y4MInfo:
    """Parse a Y4M header line (with or without its newline).

    Raises :class:`~pyvmafneg.errors.InputFileError` naming ``where`` for a
    missing magic or size, malformed tags, interlaced video (unless
    ``interlaced``: ``It`` and ``Ib`` are then read, to be deinterlaced;
    mixed ``Im`` stays refused) and colour spaces libvmaf cannot score;
    :class:`~pyvmafneg.errors.FrameSizeLimitError` (with ``path``) for frames
    beyond :data:`~pyvmafneg.io._frame.MAX_FRAME_SIDE`, before anything is
    allocated.
    """
    text = line.rstrip(b"\n").decode("ascii", errors="replace")
    tokens = text.split(" ")
    if tokens[0] != MAGIC.decode():
        raise InputFileError(f"{where} is not a Y4M file: it does not start with 'YUV4MPEG2 '")
    width = height = None
    fps: Fraction | None = None
    aspect: tuple[int, int] | None = None
    colorspace = "420jpeg"
    color_range: str | None = None
    comments: list[str] = []
    field_order = "progressive"
    for tok in tokens[1:]:
        if not tok:
            continue
        tag, value = tok[0], tok[1:]
        if tag in "WH":
            try:
                size = int(value)
                if size < 1:
                    raise ValueError
            except ValueError:
                raise InputFileError(
                    f"{where}: the Y4M size tag {tok!r} is not a positive integer; the header "
                    "is damaged: re-create the file"
                ) from None
            if tag == "W":
                width = size
            else:
                height = size
        elif tag == "F":
            n, d = _ratio(value, "F", where)
            fps = Fraction(n, d) if n and d else None
        elif tag == "A":
            n, d = _ratio(value, "A", where)
            aspect = (n, d) if n and d else None
        elif tag == "I":
            if interlaced and value in ("t", "b"):
                field_order = {"t": "tff", "b": "bff"}[value]
            elif value in ("t", "b", "m"):
                kind = {"t": "top field first", "b": "bottom field first", "m": "mixed"}[value]
                raise InputFileError(
                    f"{where} is interlaced (I{value}, {kind}); VMAF scores progressive "
                    "frames: deinterlace first, e.g. ffmpeg -i IN -vf bwdif=mode=send_frame "
                    "-strict -1 OUT.y4m"
                )
            elif value not in ("p", "?"):
                raise InputFileError(
                    f"{where}: unknown Y4M interlacing tag I{value}; expected Ip (progressive): "
                    "the header is damaged, re-create the file"
                )
        elif tag == "C":
            colorspace = value
        elif tag == "X":
            comments.append(value)
            key, _, val = value.partition("=")
            if key.upper() == "COLORRANGE":
                if val.upper() == "FULL":
                    color_range = "full"
                elif val.upper() == "LIMITED":
                    color_range = "limited"
        # Other tags are reserved by the format; ignore them as players do.
    if width is None or height is None:
        raise InputFileError(
            f"{where}: the Y4M header has no {'W' if width is None else 'H'} (size) tag; the "
            "header is damaged: re-create the file"
        )
    check_frame_size(width, height, where, path=path)
    if colorspace not in _COLORSPACES:
        if colorspace in ("411", "440") or colorspace.endswith("p9") or colorspace == "mono9":
            why = "a chroma layout or bit depth libvmaf does not score"
        else:
            why = "an unknown chroma layout"
        raise InputFileError(
            f"{where}: the Y4M colour space C{colorspace} is {why}; supported: "
            "420 (jpeg/mpeg2/paldv), 422, 444, mono and their p10/p12/p16 forms. Convert "
            "first, e.g. ffmpeg -i IN -pix_fmt yuv420p OUT.y4m"
        )
    fmt, bits = _COLORSPACES[colorspace]
    info = Y4MInfo(
        width=width,
        height=height,
        pixel_format=fmt,
        bitdepth=bits,
        fps=fps,
        color_range=color_range,
        colorspace=colorspace,
        aspect=aspect,
        header_size=len(line) if line.endswith(b"\n") else len(line) + 1,
        comments=tuple(comments),
        field_order=field_order,
    )
    itemsize = 1 if bits == 8 else 2
    frame_size = sum(r * c for r, c in info.plane_shapes()) * itemsize
    return replace(info, frame_size=frame_size)


def read_y4m_header(path: str | os.PathLike[str], *, interlaced: bool = False) -> Y4MInfo:
    """Read and parse the header of a Y4M file (``interlaced``: see :func:`parse_header`)."""
    where = repr(os.fspath(path))
    with open(path, "rb") as fh:
        line = fh.readline(MAX_LINE)
    if not line:
        raise InputFileError(f"{where} is empty (0 bytes); re-create it or give another file")
    if not line.endswith(b"\n"):
        if line.startswith(MAGIC):
            raise TruncatedInputError(
                f"{where}: the Y4M header line does not end (no newline in its first "
                f"{MAX_LINE} bytes); the file is truncated or not Y4M"
            )
    return parse_header(line, where, interlaced=interlaced, path=os.fspath(path))


def _frame_line(fh: BinaryIO, where: str, index: int) -> bytes | None:
    """Read one ``FRAME`` line; None at a clean end of file."""
    line = fh.readline(MAX_LINE)
    if not line:
        return None
    if not line.startswith(b"FRAME") or (len(line) > 5 and line[5:6] not in (b" ", b"\n")):
        raise InputFileError(
            f"{where}: expected a FRAME header for frame {index} but found "
            f"{line[:16]!r}; the file is corrupt or its header's size/colour space is wrong: "
            "re-create it, or correct the W, H and C tags of its header"
        )
    if not line.endswith(b"\n"):
        raise TruncatedInputError(f"{where} ends inside the FRAME header of frame {index}")
    return line


def count_y4m_frames(path: str | os.PathLike[str], info: Y4MInfo | None = None) -> int:
    """Number of frames, found by walking the ``FRAME`` lines without reading planes.

    Raises :class:`~pyvmafneg.errors.TruncatedInputError` when the last frame
    is cut short, naming the frame.
    """
    info = info or read_y4m_header(path)
    where = repr(os.fspath(path))
    size = os.path.getsize(path)
    n = 0
    with open(path, "rb") as fh:
        fh.seek(info.header_size)
        while True:
            line = _frame_line(fh, where, n)
            if line is None:
                return n
            end = fh.tell() + info.frame_size
            if end > size:
                raise TruncatedInputError(
                    f"{where} ends inside frame {n}: {size - fh.tell()} of {info.frame_size} "
                    f"bytes are present; the file is truncated after {n} complete frames: "
                    "re-create it (or cut it to its complete frames)"
                )
            fh.seek(end)
            n += 1


def read_y4m(
    path: str | os.PathLike[str],
    *,
    info: Y4MInfo | None = None,
    check_range: bool = False,
) -> Iterator[Frame]:
    """Yield the frames of a Y4M file, one at a time (constant memory).

    ``check_range`` verifies that 10/12-bit samples fit their bit depth.
    Errors name the file and the frame.
    """
    info = info or read_y4m_header(path)
    return _iter_y4m(Path(path), info, check_range)


def read_y4m_sparse(
    path: str | os.PathLike[str],
    keep: Callable[[int], bool],
    *,
    info: Y4MInfo | None = None,
    check_range: bool = False,
) -> Iterator[Frame | _Skipped]:
    """:func:`read_y4m`, with :data:`~pyvmafneg.io._frame.SKIPPED` in place of each frame whose
    index ``keep`` rejects (its ``FRAME`` line is read, its samples passed over unread)."""
    info = info or read_y4m_header(path)
    return _iter_y4m(Path(path), info, check_range, keep=keep)


def _iter_y4m(
    path: Path,
    info: Y4MInfo,
    check_range: bool,
    *,
    offset: int = 0,
    first_index: int = 0,
    keep: Callable[[int], bool] | None = None,
) -> Iterator[Any]:
    """Yield frames from the ``FRAME`` line at ``offset`` (frame ``first_index``) on
    (:data:`~pyvmafneg.io._frame.SKIPPED` for those ``keep`` rejects)."""
    where = repr(os.fspath(path))
    dtype = np.dtype(np.uint8) if info.bitdepth == 8 else np.dtype("<u2")
    shapes = info.plane_shapes()
    nplanes = 1 if info.pixel_format == "400" else 3
    with open(path, "rb") as fh:
        fh.seek(offset or info.header_size)
        index = first_index
        while True:
            if _frame_line(fh, where, index) is None:
                return
            if keep is not None and not keep(index):
                if fh.tell() + info.frame_size > os.fstat(fh.fileno()).st_size:
                    raise TruncatedInputError(
                        f"{where} ends inside frame {index}; the file is truncated or changed "
                        "while it was read"
                    )
                fh.seek(info.frame_size, os.SEEK_CUR)
                yield SKIPPED
                index += 1
                continue
            # A header may claim any size: never ask for more bytes than the file holds.
            left = max(0, os.fstat(fh.fileno()).st_size - fh.tell())
            buf = fh.read(min(info.frame_size, left))
            if len(buf) != info.frame_size:
                raise TruncatedInputError(
                    f"{where} ends inside frame {index} ({len(buf)} of {info.frame_size} "
                    f"bytes); the file is truncated or changed while it was read"
                )
            planes = []
            offset = 0
            for shape in shapes[:nplanes]:
                count = shape[0] * shape[1]
                plane = np.frombuffer(buf, dtype=dtype, count=count, offset=offset)
                offset += count * dtype.itemsize
                planes.append(plane.reshape(shape).astype(dtype.newbyteorder("="), copy=False))
            frame = Frame(tuple(planes), info.bitdepth, info.pixel_format)
            if check_range:
                try:
                    frame.check_range()
                except Exception as exc:
                    raise InputFileError(f"{where}, frame {index}: {exc}") from exc
            yield frame
            index += 1


def write_y4m(
    frames: Iterable[Frame],
    path: str | os.PathLike[str],
    *,
    fps: Fraction | tuple[int, int] | float = Fraction(25, 1),
    color_range: str | None = None,
) -> int:
    """Write frames as a progressive Y4M file; returns the number written.

    ``fps`` is frames per second (a fraction, ``(num, den)`` or a float);
    ``color_range`` (``'full'``/``'limited'``) is recorded as ``XCOLORRANGE``.
    Every frame must share the first frame's size, pixel format and bit depth.
    """
    if isinstance(fps, tuple):
        rate = Fraction(*fps)
    else:
        rate = Fraction(fps).limit_denominator(1001000)
    count = 0
    first: Frame | None = None
    with atomic_file(path, "the Y4M file") as fh:
        for frame in frames:
            if first is None:
                first = frame
                fmt = normalize_pixel_format(frame.pixel_format)
                tags = [
                    "YUV4MPEG2",
                    f"W{frame.width}",
                    f"H{frame.height}",
                    f"F{rate.numerator}:{rate.denominator}",
                    "Ip",
                    "A1:1",
                    _WRITE_TAGS[(fmt, frame.bitdepth)],
                ]
                if color_range is not None:
                    if color_range not in ("full", "limited"):
                        raise OptionError("color_range must be 'full', 'limited' or None")
                    tags.append(f"XCOLORRANGE={color_range.upper()}")
                fh.write((" ".join(tags) + "\n").encode("ascii"))
            elif (frame.shape, frame.pixel_format, frame.bitdepth) != (
                first.shape,
                first.pixel_format,
                first.bitdepth,
            ):
                raise InputFileError(
                    f"frame {count} is {frame.describe()} but the Y4M file was started as "
                    f"{first.describe()}; every frame must match"
                )
            fh.write(b"FRAME\n")
            for plane in frame.planes:
                data = plane if frame.bitdepth == 8 else plane.astype("<u2", copy=False)
                fh.write(np.ascontiguousarray(data).tobytes())
            count += 1
    return count
