"""Hostile inputs to the library and the CLI: a specific error, one line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from media_helpers import clip, to_y4m

import pyvmafneg
from pyvmafneg.comparison import run_comparison
from pyvmafneg.errors import FrameError, OffsetError, OptionError, ScalerError

LUMA = np.full((40, 48), 90, np.uint8)
SHARP = np.full((40, 48), 92, np.uint8)


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("refusals")
    frames = clip(3)
    return to_y4m(frames, d / "r.y4m"), to_y4m(frames, d / "d.y4m")


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyvmafneg", *argv], capture_output=True, text=True, timeout=300
    )


def test_a_number_is_not_a_frame() -> None:
    with pytest.raises(FrameError, match="a frame is a pyvmafneg Frame, a 2-D luma array"):
        pyvmafneg.score([5], [5])


@pytest.mark.parametrize("kw", [{}, {"size": (64, 48)}, {"offset": 1}])
def test_a_none_frame_is_refused_not_taken_for_the_end(kw: dict) -> None:
    with pytest.raises(FrameError, match="None"):
        pyvmafneg.score([LUMA, None, LUMA], [SHARP, None, SHARP], **kw)
    with pytest.raises(FrameError, match="None"):
        pyvmafneg.score([None], [SHARP], **kw)


def test_progress_false_means_no_progress() -> None:
    quiet = pyvmafneg.score([LUMA, LUMA], [SHARP, SHARP], progress=False)
    plain = pyvmafneg.score([LUMA, LUMA], [SHARP, SHARP])
    np.testing.assert_array_equal(quiet["vmaf_neg"], plain["vmaf_neg"])
    seen: list[int] = []
    pyvmafneg.score([LUMA, LUMA], [SHARP, SHARP], progress=seen.append)
    assert seen == [1, 2]
    with pytest.raises(OptionError, match="progress must be a callable"):
        pyvmafneg.score([LUMA], [SHARP], progress=True)


def test_size_beyond_what_can_be_allocated(pair) -> None:
    with pytest.raises(ScalerError, match="larger than libswscale can allocate"):
        pyvmafneg.score(*pair, size=(99999, 99999))
    proc = cli("score", "-r", str(pair[0]), "-d", str(pair[1]), "--size", "99999x99999", "-q")
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in err and "99999x99999" in err


@pytest.mark.parametrize("offset", [2**63, -(2**63) - 1, 10**30])
def test_offset_beyond_any_clip(tmp_path, pair, offset: int) -> None:
    from pyvmafneg.demo._encode import x264_roundtrip
    from pyvmafneg.io import open_video

    mkv = tmp_path / "d.mkv"  # a container that does not tell its frame count up front
    x264_roundtrip(list(open_video(pair[1])), crf=30, fps=24, keep=mkv)
    with pytest.raises(OffsetError, match="beyond any clip"):
        pyvmafneg.score(pair[0], mkv, offset=offset)
    proc = cli("score", "-r", str(pair[0]), "-d", str(mkv), "--offset", str(offset), "-q")
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in err and "beyond any clip" in err


def test_manifest_size_too_large_gives_a_clear_reason(tmp_path, pair) -> None:
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        f"[[reference]]\nname='r'\nfile='{pair[0]}'\n"
        f"[[encode]]\nreference='r'\ncodec='x'\nsetting='a'\nfile='{pair[1]}'\n"
        "size = '99999x99999'\n"
    )
    with pytest.raises(pyvmafneg.VmafNegError, match="larger than libswscale can allocate"):
        run_comparison(manifest, workers=1, progress=False)
    proc = cli("compare", str(manifest), "--quiet")
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in err and "libswscale" in err
