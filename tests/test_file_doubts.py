"""Files that read without error but not as written: a raw layout that fits two ways, a cut MKV."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest
from media_helpers import encode, to_y4m

import pyvmafneg
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.errors import DecodeError, RawLayoutWarning
from pyvmafneg.io import open_video
from pyvmafneg.io._rawyuv import fitting_layouts, write_yuv

W, H = 176, 144


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyvmafneg", *argv], capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(("written", "asked"), [("420", "422"), ("422", "420"), ("444", "420")])
def test_raw_read_with_another_fitting_layout_warns(tmp_path, written: str, asked: str) -> None:
    path = tmp_path / "clip.yuv"
    write_yuv(natural_clip("coffee", frames=24, width=W, height=H, pixel_format=written), path)
    assert {written, asked} <= set(fitting_layouts(path, W, H, 8))
    with pytest.warns(RawLayoutWarning, match=f"read as {asked} .*also fits .*{written}"):
        open_video(path, width=W, height=H, pixel_format=asked)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RawLayoutWarning)
        source = open_video(path, width=W, height=H, pixel_format=written)
    assert source.frame_count == 24


def test_the_cli_warns_in_one_line_and_scores_as_asked(tmp_path) -> None:
    path = tmp_path / "clip.yuv"
    write_yuv(natural_clip("astronaut", frames=24, width=W, height=H), path)
    geometry = ["--width", str(W), "--height", str(H), "--pixel-format", "422"]
    proc = cli("score", "-r", str(path), "-d", str(path), *geometry, "--frames", "2")
    assert proc.returncode == 0, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if "warning" in x]
    assert len(lines) == 2 and all("also fits 420 (24 frames)" in x for x in lines)


def test_a_truncated_mkv_is_reported_as_truncated(tmp_path) -> None:
    frames = natural_clip("astronaut", frames=24, width=W, height=H)
    ref = to_y4m(frames, tmp_path / "ref.y4m")
    mkv = encode(ref, tmp_path / "full.mkv", crf=30)
    data = mkv.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DecodeError, match="truncated") as info:
        pyvmafneg.score(ref, cut, backend="libvmaf")
    assert info.value.path == str(cut) and 0 < info.value.decoded < 24
    proc = cli("score", "-r", str(ref), "-d", str(cut), "-q")
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert err.count("\n") == 0 and "truncated" in err and "ended after" in err
    assert "the distorted clip ended" not in err
    # the whole file still scores
    assert len(pyvmafneg.score(ref, mkv, backend="libvmaf")) == 24
