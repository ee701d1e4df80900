"""x264 encode/decode round trips of frame lists, through FFmpeg.

:func:`x264_roundtrip` writes frames as raw planar YUV, encodes them with
libx264 at a constant rate factor (CRF) using the FFmpeg executable that
``imageio-ffmpeg`` ships (or one given explicitly), decodes the bitstream back
to raw YUV and returns the decoded frames with the size of the bitstream. It
is a test and demo tool: small clips, temporary files, one process per step.

Supported layouts are those libx264 encodes: 8- and 10-bit 4:2:0, 4:2:2,
4:4:4 and gray (4:0:0). Odd frame sizes, which libx264 refuses for
subsampled chroma, are padded by repeating the last luma row/column before
encoding and cropped after decoding (the chroma planes already cover them).

Example
-------
>>> from pyvmafneg.demo._clips import natural_clip
>>> from pyvmafneg.demo._encode import roundtrip
>>> clip = natural_clip("astronaut", frames=4, width=176, height=144)
>>> decoded = roundtrip(clip, crf=30, preset="ultrafast")
>>> len(decoded), decoded[0].shape
(4, (144, 176))
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._outputs import atomic_file
from ..engines._ffmpeg import find_ffmpeg
from ..errors import FFmpegError, FrameError, FrameMismatchError
from ..io._frame import Frame
from ..io._rawyuv import ffmpeg_pix_fmt, read_yuv, write_yuv

__all__ = ["Encoded", "roundtrip", "x264_roundtrip"]

#: libx264 speed presets, fastest first.
PRESETS: tuple[str, ...] = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)

#: libx264 tunings accepted by ``tune=``.
TUNES: tuple[str, ...] = (
    "film",
    "animation",
    "grain",
    "stillimage",
    "psnr",
    "ssim",
    "fastdecode",
    "zerolatency",
)


@dataclass(frozen=True)
class Encoded:
    """The outcome of one encode/decode round trip.

    Attributes
    ----------
    frames:
        The decoded frames, same size, bit depth and pixel format as the input.
    size_bytes:
        Size of the encoded bitstream (Matroska container included).
    fps:
        Frame rate the bitstream was written with (for the bitrate).
    crf, preset:
        The libx264 settings used.
    """

    frames: list[Frame]
    size_bytes: int
    fps: float
    crf: float
    preset: str

    @property
    def kbps(self) -> float:
        """Average bitrate in kilobits per second at :attr:`fps`."""
        seconds = len(self.frames) / self.fps
        return self.size_bytes * 8 / 1000 / seconds


def _check_frames(frames: Sequence[Frame]) -> Frame:
    if len(frames) == 0:
        raise FrameError("nothing to encode: the frame list is empty")
    first = frames[0]
    for i, f in enumerate(frames):
        if not isinstance(f, Frame):
            raise FrameError(f"frame {i} is a {type(f).__name__}, not a pyvmafneg Frame")
        if (f.shape, f.bitdepth, f.pixel_format) != (
            first.shape,
            first.bitdepth,
            first.pixel_format,
        ):
            raise FrameMismatchError(
                f"frame {i} is {f.describe()} but frame 0 is {first.describe()}; a clip "
                "must keep one size and layout"
            )
    if first.bitdepth not in (8, 10):
        raise FrameError(
            f"libx264 encodes 8- and 10-bit video; these frames are {first.bitdepth}-bit"
        )
    return first


def _even_padding(frame: Frame) -> tuple[int, int]:
    """Rows and columns to add so libx264 accepts the luma size (0 or 1 each)."""
    fmt = frame.pixel_format
    rows = frame.height % 2 if fmt == "420" else 0
    cols = frame.width % 2 if fmt in ("420", "422") else 0
    return rows, cols


def _pad(frame: Frame, rows: int, cols: int) -> Frame:
    if not (rows or cols):
        return frame
    luma = np.pad(frame.luma, ((0, rows), (0, cols)), mode="edge")
    return Frame((luma, *frame.planes[1:]), frame.bitdepth, frame.pixel_format)


def _crop(frame: Frame, height: int, width: int) -> Frame:
    if frame.shape == (height, width):
        return frame
    luma = frame.luma[:height, :width]
    return Frame((luma, *frame.planes[1:]), frame.bitdepth, frame.pixel_format)


def _run(cmd: list[str], what: str, timeout: float) -> None:
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise FFmpegError(f"could not start FFmpeg ({cmd[0]}): {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise FFmpegError(f"FFmpeg {what} took longer than {timeout:g} s and was stopped") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-15:]
        raise FFmpegError(
            f"FFmpeg {what} failed with exit code {proc.returncode}:\n  "
            + "\n  ".join(tail)
            + f"\ncommand: {' '.join(cmd)}"
        )


def x264_roundtrip(
    frames: Sequence[Frame],
    *,
    crf: float = 23.0,
    preset: str = "veryfast",
    tune: str | None = None,
    fps: float = 25.0,
    x264_params: str | None = None,
    threads: int = 0,
    ffmpeg: str | os.PathLike[str] | None = None,
    keep: str | os.PathLike[str] | None = None,
    timeout: float = 300.0,
) -> Encoded:
    """Encode frames with libx264 at a CRF, decode them back; return both sides.

    Parameters
    ----------
    frames:
        Frames of one size and layout, 8- or 10-bit.
    crf:
        Constant rate factor, 0 (near lossless) to 51 (worst); 18 to 28 is
        the usual range, 23 libx264's default.
    preset:
        libx264 speed preset (:data:`PRESETS`); ``ultrafast``/``veryfast``
        keep tests quick.
    tune:
        Optional libx264 tuning (:data:`TUNES`), e.g. ``'psnr'`` to turn off
        psycho-visual optimisations.
    fps:
        Frame rate written into the stream (sets rate control and the bitrate).
    x264_params:
        Extra ``-x264-params`` string, e.g. ``'aq-mode=0:psy-rd=0'``.
    threads:
        Encoder threads (0 = libx264 decides).
    ffmpeg:
        FFmpeg executable; default: found by
        :func:`pyvmafneg.engines._ffmpeg.find_ffmpeg`.
    keep:
        If given, the encoded ``.mkv`` is copied to this path.
    timeout:
        Seconds allowed for each FFmpeg run.

    Returns
    -------
    Encoded
        Decoded frames and the bitstream size.

    Raises
    ------
    FFmpegError
        FFmpeg is missing, fails, or returns the wrong number of frames.
    FrameError
        The frames cannot be encoded by libx264 (empty, mixed, 12/16-bit).
    """
    first = _check_frames(frames)
    if preset not in PRESETS:
        raise FFmpegError(f"unknown libx264 preset {preset!r}; use one of {', '.join(PRESETS)}")
    if tune is not None and tune not in TUNES:
        raise FFmpegError(f"unknown libx264 tune {tune!r}; use one of {', '.join(TUNES)}")
    crf = float(crf)
    if not 0.0 <= crf <= 51.0:
        raise FFmpegError(f"crf must be in [0, 51]; got {crf:g}")
    if not fps > 0:
        raise FFmpegError(f"fps must be positive; got {fps}")
    exe = find_ffmpeg(ffmpeg)
    pix = ffmpeg_pix_fmt(first.pixel_format, first.bitdepth)
    pad_rows, pad_cols = _even_padding(first)
    coded_h, coded_w = first.height + pad_rows, first.width + pad_cols
    size = f"{coded_w}x{coded_h}"
    with tempfile.TemporaryDirectory(prefix="pyvmafneg-x264-") as tmp:
        src = Path(tmp) / "in.yuv"
        mkv = Path(tmp) / "enc.mkv"
        out = Path(tmp) / "out.yuv"
        write_yuv((_pad(f, pad_rows, pad_cols) for f in frames), src)
        enc = [
            exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", pix, "-s", size, "-r", f"{fps:g}", "-i", str(src),
            "-c:v", "libx264", "-preset", preset, "-crf", f"{crf:g}", "-pix_fmt", pix,
            "-threads", str(int(threads)),
        ]  # fmt: skip
        if tune:
            enc += ["-tune", tune]
        if x264_params:
            enc += ["-x264-params", x264_params]
        # Same frames and settings, same bytes: no random Matroska segment UID, no
        # date and no version strings in the container (content-keyed result
        # stores then recognise a rebuilt encode).
        enc += ["-fflags", "+bitexact", "-flags:v", "+bitexact", str(mkv)]
        _run(enc, "encode (libx264)", timeout)
        dec = [
            exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-i", str(mkv), "-f", "rawvideo", "-pix_fmt", pix, str(out),
        ]  # fmt: skip
        _run(dec, "decode", timeout)
        decoded = [
            _crop(f, first.height, first.width)
            for f in read_yuv(out, coded_w, coded_h, first.pixel_format, first.bitdepth)
        ]
        nbytes = mkv.stat().st_size
        if keep is not None:
            with open(mkv, "rb") as src, atomic_file(keep, "the encode") as dst:
                shutil.copyfileobj(src, dst)
    if len(decoded) != len(frames):
        raise FFmpegError(
            f"FFmpeg returned {len(decoded)} decoded frames for {len(frames)} encoded ones"
        )
    return Encoded(frames=decoded, size_bytes=nbytes, fps=float(fps), crf=crf, preset=preset)


def roundtrip(
    frames: Sequence[Frame],
    *,
    crf: float = 23.0,
    preset: str = "veryfast",
    **options: object,
) -> list[Frame]:
    """Decoded frames of :func:`x264_roundtrip` (same parameters)."""
    return x264_roundtrip(frames, crf=crf, preset=preset, **options).frames  # type: ignore[arg-type]
