"""The progress bar: drawn on a terminal, silent otherwise or with --quiet."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from media_helpers import clip, encode, to_y4m

from pyvmafneg.cli import main
from pyvmafneg.cli._progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_text_has_frames_fps_and_eta():
    stream = _Terminal()
    bar = Progress(10, stream=stream, min_interval=0.0)
    for done in range(1, 11):
        bar(done)
    bar.close()
    text = stream.getvalue()
    assert "10/10" in text and "fps" in text and "ETA" in text
    assert text.count("\r") == 10 and text.endswith("\n")


def test_bar_is_silent_off_a_terminal():
    stream = io.StringIO()
    bar = Progress(5, stream=stream)
    bar(3)
    bar.close()
    assert stream.getvalue() == ""
    assert not Progress(5, stream=_Terminal(), enabled=False).enabled


def test_unknown_total_counts_frames():
    stream = _Terminal()
    bar = Progress(None, stream=stream, min_interval=0.0)
    bar(4)
    assert "4 frames" in stream.getvalue()


@pytest.mark.parametrize("quiet", [False, True])
def test_score_cli_draws_bar_on_a_terminal(tmp_path: Path, monkeypatch, capsys, quiet):
    """A container of unknown length gets its frames counted for the ETA."""
    ref = to_y4m(clip(4), tmp_path / "ref.y4m")
    dis = encode(ref, tmp_path / "dis.mkv", crf=30)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    # The container as reference: its length is unknown until its packets are counted.
    args = ["score", "-r", str(dis), "-d", str(ref)] + (["-q"] if quiet else [])
    assert main(args) == 0
    drawn = terminal.getvalue()
    if quiet:
        assert "\r" not in drawn
    else:
        assert "\rscoring [" in drawn and "4/4" in drawn
    assert "4 frames scored" in capsys.readouterr().out
