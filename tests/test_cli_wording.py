"""What the command line says about itself: help that is true, lines that line up."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from media_helpers import clip, encode, to_y4m

import pyvmafneg
from pyvmafneg.engines._ffmpeg import ffmpeg_version, find_ffmpeg


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyvmafneg", *argv], capture_output=True, text=True, timeout=600
    )


def help_text(*command: str) -> str:
    proc = cli(*command, "--help")
    assert proc.returncode == 0, proc.stderr
    return re.sub(r"\s+", " ", proc.stdout)


def test_help_says_what_the_commands_do() -> None:
    check = help_text("check")
    assert "frames above their own ceiling marked" in check and "above 100 marked" not in check
    demo = help_text("demo")
    assert "(libvmaf in-process)" not in demo and "native one where it is built" in demo
    explain = help_text("explain")
    assert "--engine native, the compiled engine" in explain
    top = help_text()
    assert "where the enhancement-gain cap bites (NumPy reference)" not in top
    info = help_text("info")
    assert "Show which libvmaf shared library is loaded" in info and "FFmpeg" in info
    assert "egl=X for both limits" in help_text("score")


def test_compare_description_is_paragraphs_of_short_lines() -> None:
    proc = cli("compare", "--help")
    head = proc.stdout.split("\n\n")
    assert max(len(line) for line in proc.stdout.splitlines()) <= 100
    assert any(p.startswith("Exit status: 0 clean") for p in head)


def test_info_names_the_ffmpeg_in_use() -> None:
    proc = cli("info")
    assert proc.returncode == 0, proc.stderr
    exe = find_ffmpeg()
    line = ffmpeg_version(exe).removesuffix(f" ({exe})")
    assert f"ffmpeg    {line}" in proc.stdout and exe in proc.stdout
    assert f'"ffmpeg_path": "{exe}"' in cli("info", "--json").stdout


def test_long_model_names_keep_the_columns() -> None:
    frames = clip(2)
    models = ["vmaf_v0.6.1:name=vmaf", "vmaf_v0.6.1neg:name=vmaf_neg"]
    models.append("vmaf_v0.6.1:name=a_model_name_longer_than_sixteen:egl=1.5")
    text = pyvmafneg.score(frames, frames, models).summary()
    labelled = [line for line in text.splitlines() if "interval:" not in line]
    assert len({line.index(":") for line in labelled}) == 1, text


def test_explain_says_nothing_but_the_error_on_a_frame_count_mismatch(tmp_path) -> None:
    frames = clip(6)
    ref = to_y4m(frames, tmp_path / "ref.y4m")
    short = encode(to_y4m(frames[:4], tmp_path / "s.y4m"), tmp_path / "short.mkv")
    proc = cli("explain", "-r", str(ref), "-d", str(short))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "ended after 4 frames" in proc.stderr


@pytest.mark.parametrize("engine", ["reference", "native"])
def test_explain_still_reports_a_matching_pair(tmp_path, engine: str) -> None:
    frames = clip(3)
    ref = to_y4m(frames, tmp_path / "ref.y4m")
    enc = encode(ref, tmp_path / "enc.mkv")
    proc = cli("explain", "-r", str(ref), "-d", str(enc), "--engine", engine)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("frame ") >= 3
