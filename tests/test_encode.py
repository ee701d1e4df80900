"""x264 round trips through the FFmpeg that imageio-ffmpeg ships."""

from __future__ import annotations

import numpy as np
import pytest

import pyvmafneg
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.demo._encode import roundtrip, x264_roundtrip
from pyvmafneg.engines._ffmpeg import find_ffmpeg
from pyvmafneg.errors import FFmpegError, FrameError, FrameMismatchError
from pyvmafneg.io._frame import Frame
from pyvmafneg.io._y4m import write_y4m


def psnr(a: list[Frame], b: list[Frame]) -> float:
    peak = (1 << a[0].bitdepth) - 1
    err = np.mean(
        [
            np.mean((x.luma.astype(float) - y.luma.astype(float)) ** 2)
            for x, y in zip(a, b, strict=True)
        ]
    )
    return float(10 * np.log10(peak**2 / err))


@pytest.mark.parametrize(
    ("pixel_format", "bitdepth"),
    [("420", 8), ("422", 8), ("444", 8), ("400", 8), ("420", 10)],
)
def test_roundtrip_keeps_geometry(pixel_format, bitdepth) -> None:
    clip = natural_clip(
        "coffee", frames=3, width=66, height=50, pixel_format=pixel_format, bitdepth=bitdepth
    )
    enc = x264_roundtrip(clip, crf=20, preset="ultrafast")
    assert len(enc.frames) == 3
    for src, out in zip(clip, enc.frames, strict=True):
        assert out.shape == src.shape
        assert out.bitdepth == src.bitdepth and out.pixel_format == src.pixel_format
        assert out.luma.dtype == src.luma.dtype
    value = psnr(clip, enc.frames)
    assert 30 < value < 80, f"luma PSNR {value:.2f} dB at CRF 20 is implausible"
    assert enc.size_bytes > 0 and enc.kbps > 0


def test_higher_crf_means_smaller_and_worse() -> None:
    clip = natural_clip("astronaut", frames=4, width=128, height=96)
    good = x264_roundtrip(clip, crf=18, preset="ultrafast")
    bad = x264_roundtrip(clip, crf=40, preset="ultrafast")
    assert bad.size_bytes < good.size_bytes, (good.size_bytes, bad.size_bytes)
    p_good, p_bad = psnr(clip, good.frames), psnr(clip, bad.frames)
    assert p_bad < p_good - 3, f"PSNR at CRF 18 {p_good:.2f} dB vs CRF 40 {p_bad:.2f} dB"


def test_roundtrip_is_deterministic_and_keeps_stream(tmp_path) -> None:
    clip = natural_clip("astronaut", frames=2, width=64, height=48)
    kept = tmp_path / "enc.mkv"
    a = x264_roundtrip(clip, crf=26, preset="veryfast", threads=1, keep=kept)
    b = roundtrip(clip, crf=26, preset="veryfast", threads=1)
    assert kept.stat().st_size == a.size_bytes
    for x, y in zip(a.frames, b, strict=True):
        for p, q in zip(x.planes, y.planes, strict=True):
            np.testing.assert_array_equal(p, q)


def test_tune_and_params_are_passed() -> None:
    clip = natural_clip("astronaut", frames=2, width=64, height=48)
    plain = x264_roundtrip(clip, crf=30, preset="ultrafast")
    lossless = x264_roundtrip(clip, crf=0, preset="ultrafast", tune="psnr", x264_params="qp=0")
    assert lossless.size_bytes > plain.size_bytes
    for x, y in zip(clip, lossless.frames, strict=True):
        np.testing.assert_array_equal(x.luma, y.luma)


@pytest.mark.parametrize("pixel_format", ["420", "422", "444", "400"])
def test_odd_sizes_are_padded_and_cropped(pixel_format) -> None:
    clip = natural_clip("astronaut", frames=2, width=33, height=25, pixel_format=pixel_format)
    out = roundtrip(clip, crf=12, preset="ultrafast")
    for src, dec in zip(clip, out, strict=True):
        assert [p.shape for p in dec.planes] == [p.shape for p in src.planes]
    value = psnr(clip, out)
    assert value > 35, f"luma PSNR {value:.2f} dB at CRF 12 on a 33x25 clip"


def test_failing_ffmpeg_raises_with_its_message(tmp_path) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho 'Unknown encoder libx264' >&2\nexit 3\n")
    fake.chmod(0o755)
    clip = natural_clip("astronaut", frames=1, width=32, height=32)
    with pytest.raises(FFmpegError, match="exit code 3(.|\n)*Unknown encoder libx264"):
        x264_roundtrip(clip, ffmpeg=fake)


def test_errors() -> None:
    clip = natural_clip("astronaut", frames=2, width=32, height=32)
    with pytest.raises(FrameError, match="empty"):
        x264_roundtrip([])
    with pytest.raises(FrameError, match="8- and 10-bit"):
        x264_roundtrip(natural_clip("astronaut", frames=1, width=32, height=32, bitdepth=12))
    with pytest.raises(FrameMismatchError, match="frame 1"):
        x264_roundtrip([clip[0], natural_clip("astronaut", frames=1, width=48, height=32)[0]])
    with pytest.raises(FFmpegError, match="preset"):
        x264_roundtrip(clip, preset="warp")
    with pytest.raises(FFmpegError, match="tune"):
        x264_roundtrip(clip, tune="vmaf")
    with pytest.raises(FFmpegError, match="crf"):
        x264_roundtrip(clip, crf=60)
    with pytest.raises(FFmpegError, match="'/nonexistent/ffmpeg' .given explicitly. not found"):
        x264_roundtrip(clip, ffmpeg="/nonexistent/ffmpeg")


def test_find_ffmpeg_env(monkeypatch, tmp_path) -> None:
    exe = find_ffmpeg()
    monkeypatch.setenv("PYVMAFNEG_FFMPEG", exe)
    assert find_ffmpeg() == exe
    monkeypatch.setenv("PYVMAFNEG_FFMPEG", "/nonexistent/ffmpeg")
    with pytest.raises(FFmpegError, match="PYVMAFNEG_FFMPEG"):
        find_ffmpeg()
    # Every caller goes through the same search: the encoder and the FFmpeg backend.
    frames = natural_clip("coffee", frames=2, width=64, height=48)
    with pytest.raises(FFmpegError, match="from PYVMAFNEG_FFMPEG"):
        x264_roundtrip(frames)
    write_y4m(frames, tmp_path / "clip.y4m")
    with pytest.raises(FFmpegError, match="from PYVMAFNEG_FFMPEG"):
        pyvmafneg.score(tmp_path / "clip.y4m", tmp_path / "clip.y4m", backend="ffmpeg")
    assert find_ffmpeg(exe) == exe  # an explicit executable wins over the variable
