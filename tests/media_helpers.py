"""Helpers shared by the input, FFmpeg-backend, log and checker tests.

Clips are small (176x144, a few frames) natural-image pans, written to
``tmp_path`` and encoded with the FFmpeg binary imageio-ffmpeg ships.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from scipy import ndimage

from pyvmafneg.demo._clips import map_frames, natural_clip
from pyvmafneg.engines._ffmpeg import find_ffmpeg
from pyvmafneg.io._frame import Frame
from pyvmafneg.io._rawyuv import ffmpeg_pix_fmt, read_yuv, write_yuv
from pyvmafneg.io._y4m import write_y4m

W, H = 176, 144
FFMPEG = find_ffmpeg()  # the FFmpeg the package runs, found the same way


def ffmpeg(*args: str) -> None:
    """Run FFmpeg quietly; fail the test with its stderr if it fails."""
    proc = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


def clip(
    frames: int = 6,
    *,
    bitdepth: int = 8,
    pixel_format: str = "420",
    image: str = "astronaut",
    width: int = W,
    height: int = H,
) -> list[Frame]:
    """A short natural clip with motion."""
    return natural_clip(
        image,
        frames=frames,
        width=width,
        height=height,
        bitdepth=bitdepth,
        pixel_format=pixel_format,
    )


def sharpen(frames: list[Frame], amount: float = 1.5) -> list[Frame]:
    """Unsharp-mask the luma (the enhancement VMAF-NEG is meant to catch)."""

    def unsharp(y: np.ndarray) -> np.ndarray:
        peak = 255 if y.dtype == np.uint8 else int(y.max()) | 1023
        f = y.astype(np.float64)
        out = f + amount * (f - ndimage.gaussian_filter(f, 1.0))
        return np.clip(np.rint(out), 0, peak).astype(y.dtype)

    return map_frames(frames, unsharp)


def to_y4m(frames: list[Frame], path: Path, **kw: object) -> Path:
    """Write frames as Y4M and return the path."""
    write_y4m(frames, path, **kw)  # type: ignore[arg-type]
    return path


def to_yuv(frames: list[Frame], path: Path) -> Path:
    """Write frames as raw planar YUV and return the path."""
    write_yuv(frames, path)
    return path


def encode(
    src: Path, out: Path, *, crf: int = 30, pix_fmt: str | None = None, extra: tuple[str, ...] = ()
) -> Path:
    """x264-encode a Y4M file (ultrafast) to ``out`` (.mkv or .mp4)."""
    args = ["-i", str(src), "-c:v", "libx264", "-preset", "ultrafast", "-crf", str(crf)]
    if pix_fmt:
        args += ["-pix_fmt", pix_fmt]
    ffmpeg(*args, *extra, str(out))
    return out


def decode_to_yuv(src: Path, out: Path, pixel_format: str = "420", bitdepth: int = 8) -> Path:
    """Decode any file to raw planar YUV with the FFmpeg command line."""
    ffmpeg(
        "-i",
        str(src),
        "-fps_mode",
        "passthrough",
        "-f",
        "rawvideo",
        "-pix_fmt",
        ffmpeg_pix_fmt(pixel_format, bitdepth),
        str(out),
    )
    return out


def x264_pair(tmp: Path, frames: int = 18) -> tuple[list[Frame], Path, list[Frame]]:
    """A moving 176x144 astronaut pan and its decoded x264 encode (CRF 30), for the sync tests.

    Returns the reference frames, the reference written as ``tmp/ref.y4m``, and
    the distorted frames decoded back from ``tmp/enc.mkv``.
    """
    ref = natural_clip("astronaut", frames=frames, width=W, height=H)
    ref_path = to_y4m(ref, tmp / "ref.y4m")
    mkv = encode(ref_path, tmp / "enc.mkv", crf=30)
    dis = list(read_yuv(decode_to_yuv(mkv, tmp / "dec.yuv"), W, H, "420", 8))
    return ref, ref_path, dis


#: The FFmpeg model option for both models in one pass, as the issue writes it.
BOTH_MODELS = "version=vmaf_v0.6.1\\:name=vmaf|version=vmaf_v0.6.1neg\\:name=vmaf_neg"


def ffmpeg_vmaf_log(
    pair: tuple[Path, Path], out: Path, model: str = BOTH_MODELS, fmt: str = "json"
) -> Path:
    """Run the FFmpeg libvmaf command people write by hand (distorted first) into ``out``.

    ``pair`` is (reference, distorted). FFmpeg runs in ``out``'s directory so
    ``log_path`` needs no escaping.
    """
    graph = (
        "[0:v]setpts=PTS-STARTPTS[d];[1:v]setpts=PTS-STARTPTS[r];"
        f"[d][r]libvmaf=model='{model}':log_fmt={fmt}:log_path={out.name}"
    )
    run_graph(*pair, out, graph)
    return out


def run_graph(ref: Path, dis: Path, out: Path, graph: str) -> None:
    """Run an FFmpeg filter graph on the inputs distorted (``[0:v]``), reference (``[1:v]``).

    FFmpeg runs in ``out``'s directory, so the graph names its log ``out.name``.
    """
    cmd = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(dis)]
    cmd += ["-i", str(ref), "-lavfi", graph, "-f", "null", "-"]
    proc = subprocess.run(cmd, cwd=out.parent, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def series(log: dict, key: str) -> np.ndarray:
    """A per-frame series of a libvmaf JSON log (its nulls, libvmaf's NaN or inf, as NaN)."""
    return np.array([fr["metrics"][key] for fr in log["frames"]], dtype=np.float64)


def assert_same_scores(a, b) -> None:  # type: ignore[no-untyped-def]
    """Two Results hold exactly the same frames, keys and numbers."""
    np.testing.assert_array_equal(a.frames, b.frames)
    assert sorted(a.keys()) == sorted(b.keys())
    for key in a.keys():
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


class ProjectionCounter:
    """Counts calls of the frame evidence's second reading of the videos
    (``pyvmafneg.verdict._projection.measure_projection``; the real one runs)."""

    def __init__(self) -> None:
        from pyvmafneg.verdict import _projection

        self.calls = 0
        self.real = _projection.measure_projection

    def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.calls += 1
        return self.real(*args, **kwargs)
