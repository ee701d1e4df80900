"""Frames larger than the package decodes are refused from the declared size, before allocating.

A Y4M header (or raw YUV geometry, or a container's stream parameters) can
declare any size; a crafted 100000x100000 file with sparse data once made the
reader ask for about 15 GB. The tests craft tiny files that declare huge frames
and run the command line under an address-space limit, so an attempt to
allocate would fail there rather than here.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pyvmafneg.errors import FrameSizeLimitError, InputFileError
from pyvmafneg.io import open_video, read_y4m, read_yuv
from pyvmafneg.io._frame import MAX_FRAME_AREA, MAX_FRAME_SIDE, check_frame_size

_HUGE = 100_000


def _sparse_y4m(path: Path, width: int, height: int) -> Path:
    """A Y4M whose header declares ``width`` x ``height`` with one sparse (unwritten) frame."""
    header = f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C420jpeg\n".encode()
    with open(path, "wb") as fh:
        fh.write(header + b"FRAME\n")
        fh.truncate(len(header) + 6 + width * height * 3 // 2)
    return path


def _limited(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run the CLI with at most 2 GiB of address space (an allocation of the frame fails)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))

    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pyvmafneg", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
        env=env,
    )


def test_the_limit_is_ffmpegs_and_takes_8k() -> None:
    check_frame_size(7680, 4320)
    check_frame_size(MAX_FRAME_SIDE, 8192)
    assert (MAX_FRAME_SIDE + 128) * (MAX_FRAME_SIDE + 128) >= MAX_FRAME_AREA
    for w, h in [(MAX_FRAME_SIDE + 1, 64), (64, MAX_FRAME_SIDE + 1), (16384, 16384)]:
        with pytest.raises(FrameSizeLimitError) as err:
            check_frame_size(w, h)
        assert (err.value.width, err.value.height) == (w, h)
        assert (err.value.max_side, err.value.max_area) == (MAX_FRAME_SIDE, MAX_FRAME_AREA)


def test_a_sparse_huge_y4m_is_refused_before_reading(tmp_path: Path) -> None:
    path = _sparse_y4m(tmp_path / "huge.y4m", _HUGE, _HUGE)
    for opener in (open_video, lambda p: next(iter(read_y4m(p)))):
        with pytest.raises(FrameSizeLimitError) as err:
            opener(path)
        e = err.value
        assert isinstance(e, InputFileError)
        assert (e.width, e.height, e.max_side) == (_HUGE, _HUGE, MAX_FRAME_SIDE)
        assert e.path == str(path)
        assert "100000x100000" in str(e)


def test_raw_yuv_geometry_beyond_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.yuv"
    with open(path, "wb") as fh:
        fh.truncate(_HUGE * 20_000 * 3 // 2)
    with pytest.raises(FrameSizeLimitError) as err:
        open_video(path, width=_HUGE, height=20_000)
    assert (err.value.width, err.value.height) == (_HUGE, 20_000)
    with pytest.raises(FrameSizeLimitError):
        next(iter(read_yuv(path, _HUGE, 20_000)))


def test_a_container_declaring_a_frame_beyond_the_limit_is_refused(tmp_path: Path) -> None:
    av = pytest.importorskip("av")
    w, h = MAX_FRAME_SIDE + 16, 16  # FFmpeg itself takes it: (w + 128)(h + 128) is small
    path = tmp_path / "wide.mkv"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("ffv1", rate=25)
        stream.width, stream.height, stream.pix_fmt = w, h, "gray"
        frame = av.VideoFrame.from_ndarray(np.zeros((h, w), np.uint8), format="gray")
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    with pytest.raises(FrameSizeLimitError) as err:
        open_video(path)
    assert (err.value.width, err.value.height, err.value.path) == (w, h, str(path))


def test_cli_refuses_huge_frames_in_one_line_without_allocating(tmp_path: Path) -> None:
    huge = _sparse_y4m(tmp_path / "huge.y4m", _HUGE, _HUGE)
    raw = tmp_path / "huge.yuv"
    with open(raw, "wb") as fh:
        fh.truncate(_HUGE * _HUGE * 3 // 2)
    for argv in (
        ["score", "-r", str(huge), "-d", str(huge), "-q"],
        ["score", "-r", str(raw), "-d", str(raw), "-w", str(_HUGE), "-H", str(_HUGE), "-q"],
    ):
        run = _limited(argv)
        assert run.returncode == 2, run.stderr
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, lines
        assert "100000x100000" in lines[0] and f"at most {MAX_FRAME_SIDE}" in lines[0]
        assert "MemoryError" not in lines[0] and "Traceback" not in lines[0]
