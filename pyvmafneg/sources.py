"""Video sources: open a file of any supported kind and yield frames lazily.

:func:`open_video` detects the kind from the file (raw planar YUV needs its
size, pixel format and bit depth). Readers know nothing of scoring.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from .errors import InputFileError
from .frame import Frame, normalize_pixel_format
from .rawyuv import count_frames, read_yuv

__all__ = ["VideoSource", "open_video", "detect_kind"]


@dataclass
class VideoSource:
    """An opened video: its geometry and a lazy frame iterator.

    ``frame_count`` is None when it cannot be known without decoding;
    ``fps`` and ``color_range`` are None when the file does not say.
    """

    path: str
    kind: str
    width: int
    height: int
    pixel_format: str
    bitdepth: int
    frame_count: int | None = None
    fps: float | None = None
    color_range: str | None = None
    _frames: Iterator[Frame] | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[Frame]:
        if self._frames is None:
            raise InputFileError(f"{self.path!r} has already been read once; open it again")
        frames, self._frames = self._frames, None
        return frames

    def describe(self) -> str:
        n = "?" if self.frame_count is None else str(self.frame_count)
        return f"{self.width}x{self.height} {self.pixel_format} {self.bitdepth}-bit, {n} frames"


def detect_kind(path: str | os.PathLike[str]) -> str:
    """``'raw'`` for raw planar YUV (by extension), else ``'container'``."""
    name = os.fspath(path).lower()
    if name.endswith((".yuv", ".raw", ".bin")):
        return "raw"
    return "container"


def open_video(
    path: str | os.PathLike[str],
    *,
    width: int | None = None,
    height: int | None = None,
    pixel_format: str | None = None,
    bitdepth: int | None = None,
) -> VideoSource:
    """Open a video file for reading frames.

    Raw YUV (``.yuv``) needs ``width``, ``height``; ``pixel_format``
    defaults to 420 and ``bitdepth`` to 8.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InputFileError(f"{path!r} does not exist")
    if os.path.isdir(path):
        raise InputFileError(f"{path!r} is a directory, not a video file")
    kind = detect_kind(path)
    if kind == "raw":
        if not width or not height:
            raise InputFileError(
                f"{path!r} is raw YUV: give its size with --width and --height (and "
                "--pixel-format / --bitdepth unless it is 8-bit 4:2:0)"
            )
        fmt = normalize_pixel_format(pixel_format or "420")
        bd = int(bitdepth or 8)
        n = count_frames(path, width, height, fmt, bd)
        return VideoSource(
            path=path, kind="raw", width=width, height=height, pixel_format=fmt, bitdepth=bd,
            frame_count=n, _frames=read_yuv(path, width, height, fmt, bd),
        )
    raise InputFileError(
        f"cannot read {path!r}: only raw planar YUV (.yuv) is supported by this build"
    )
