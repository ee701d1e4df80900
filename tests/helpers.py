"""Test helpers: an FFmpeg libvmaf oracle and simple enhancement/degradation filters.

The oracle and ``unsharp``/``blur`` are kept independent of the package's own
FFmpeg backend and enhancement module, so tests hold the package against an
outside witness. :func:`distort` makes test inputs for the engines with the
package's own enhancements (what a user scores).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
from scipy import ndimage

from pyvmafneg.demo._enhance import contrast_stretch, unsharp_mask
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


def quantise(x: np.ndarray, bitdepth: int) -> np.ndarray:
    """Round to whole code values, clip to ``[0, 2**bitdepth - 1]``, as uint8 or uint16."""
    peak = (1 << bitdepth) - 1
    return np.clip(np.rint(x), 0, peak).astype(np.uint8 if bitdepth == 8 else np.uint16)


def distort(plane: np.ndarray, kind: str, bitdepth: int, seed: int = 0) -> np.ndarray:
    """Enhancements (unsharp, contrast) and codec-like losses (blur, noise, quantisation)."""
    x = plane.astype(np.float64)
    scale = (1 << bitdepth) / 256.0
    if kind == "unsharp":
        return unsharp_mask(plane, bitdepth=bitdepth, sigma=1.5, amount=1.5)
    if kind == "contrast":
        return contrast_stretch(plane, bitdepth=bitdepth, gain=1.25)
    if kind == "blur":
        return quantise(ndimage.gaussian_filter(x, 1.2), bitdepth)
    if kind == "noise":
        rng = np.random.default_rng(seed)
        return quantise(x + rng.normal(0.0, 4.0 * scale, x.shape), bitdepth)
    if kind == "quant":
        step = 12.0 * scale
        return quantise(np.round(x / step) * step, bitdepth)
    raise ValueError(kind)


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


def default_sigint() -> None:
    """``preexec_fn`` for a child that is sent Ctrl-C: SIGINT at its default action.

    A shell starts background jobs with SIGINT ignored and children inherit
    that; Python then installs no KeyboardInterrupt handler, so a test that
    sends SIGINT would see the child go on instead of stopping.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
