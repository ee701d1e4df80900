"""Test helpers: an FFmpeg libvmaf oracle and simple enhancement/degradation filters.

Kept independent of the package's own FFmpeg backend and enhancement module, so
tests hold the package against an outside witness.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
from scipy import ndimage

from pyvmafneg.io._frame import Frame
from pyvmafneg.io._rawyuv import ffmpeg_pix_fmt, write_yuv


def ffmpeg_exe() -> str:
    """The FFmpeg the package itself runs (the same search order), as the tests' oracle."""
    from pyvmafneg.engines._ffmpeg import find_ffmpeg

    return find_ffmpeg()


def unsharp(plane: np.ndarray, amount: float, sigma: float = 1.5, bitdepth: int = 8) -> np.ndarray:
    """Unsharp mask used to make enhanced test clips (independent of pyvmafneg.demo)."""
    x = plane.astype(np.float64)
    blurred = ndimage.gaussian_filter(x, sigma)
    peak = (1 << bitdepth) - 1
    return np.clip(np.rint(x + amount * (x - blurred)), 0, peak).astype(plane.dtype)


def blur(plane: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    return np.rint(ndimage.gaussian_filter(plane.astype(np.float64), sigma)).astype(plane.dtype)


def ffmpeg_libvmaf(
    tmp: Path,
    ref: list[Frame],
    dis: list[Frame],
    *,
    clip: bool = True,
    models: str | None = None,
) -> dict:
    """Score with FFmpeg's libvmaf filter (distorted first), return the parsed JSON log."""
    f = ref[0]
    pix = ffmpeg_pix_fmt(f.pixel_format, f.bitdepth)
    write_yuv(ref, tmp / "ref.yuv")
    write_yuv(dis, tmp / "dis.yuv")
    flag = "" if clip else "\\:disable_clip=true"
    if models is None:
        models = (
            f"version=vmaf_v0.6.1\\:name=vmaf{flag}|version=vmaf_v0.6.1neg\\:name=vmaf_neg{flag}"
        )
    log = tmp / "ffmpeg.json"
    size = f"{f.width}x{f.height}"
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        pix,
        "-s",
        size,
        "-i",
        str(tmp / "dis.yuv"),
        "-f",
        "rawvideo",
        "-pix_fmt",
        pix,
        "-s",
        size,
        "-i",
        str(tmp / "ref.yuv"),
        "-lavfi",
        f"[0:v]setpts=PTS-STARTPTS[d];[1:v]setpts=PTS-STARTPTS[r];"
        f"[d][r]libvmaf=log_fmt=json:log_path={log}:model='{models}'",
        "-f",
        "null",
        "-",
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    return json.loads(log.read_text())


def system_libvmaf() -> str | None:
    """Name of a libvmaf the system's loader finds (outside PyAV's wheel), or None."""
    import ctypes

    for name in ("libvmaf.so.3", "libvmaf.so", "libvmaf.3.dylib", "libvmaf.dylib", "vmaf.dll"):
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return name
    return None
