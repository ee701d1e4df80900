"""``check LOG --reference REF --distorted ENC`` with raw YUV videos: score's geometry flags.

A 24-frame 176x144 10-bit pan and its luma-blurred copy, written both as Y4M and as raw YUV; the
log is libvmaf's scores of the pair, computed here. The frame evidence measured from the
raw files (given -w/-H/-p/-b, as ``score`` takes them) equals the one measured from the
Y4M files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import blur
from media_helpers import H, W, clip, to_y4m, to_yuv

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.cli.check import register as register_check
from pyvmafneg.cli.score import register as register_score
from pyvmafneg.demo._clips import map_frames
from pyvmafneg.results._logs import write_log

FRAMES = 24  # the calibration's shortest clips: the frame evidence applies


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("checkraw")
    ref = clip(FRAMES, bitdepth=10)
    dis = map_frames(ref, lambda p: blur(p, 1.0))
    ref_y4m, dis_y4m = to_y4m(ref, d / "ref.y4m"), to_y4m(dis, d / "dis.y4m")
    result = pyvmafneg.score(ref_y4m, dis_y4m, backend="libvmaf")
    return {
        "ref_y4m": ref_y4m,
        "dis_y4m": dis_y4m,
        "ref": to_yuv(ref, d / "ref.yuv"),
        "dis": to_yuv(dis, d / "dis.yuv"),
        "log": write_log(result, d / "log.json"),
    }


def _check(files: dict[str, Path], ref: str, dis: str, *extra: str) -> list[str]:
    log = str(files["log"])
    return ["check", log, "--reference", str(files[ref]), "--distorted", str(files[dis]), *extra]


def test_raw_videos_give_the_frame_evidence_of_their_y4m(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_check(files, "ref_y4m", "dis_y4m", "--json")) == 0
    want = json.loads(capsys.readouterr().out)
    assert want["frame_evidence"]["frames"] == FRAMES
    geometry = ["-w", str(W), "--height", str(H), "-p", "420", "--bitdepth", "10"]
    assert main(_check(files, "ref", "dis", "--json", *geometry)) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == want
    assert "warning" not in err


def test_raw_videos_without_their_geometry_are_refused_in_one_line(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_check(files, "ref", "dis")) == 2
    err = [x for x in capsys.readouterr().err.splitlines() if "check: read" not in x]
    assert len(err) == 1 and "--width" in err[0] and "--height" in err[0]


def test_geometry_flags_need_the_videos_and_are_ignored_for_y4m(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(files["log"]), "-w", str(W), "-H", str(H)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--width/--height describe raw YUV videos" in err[0]
    assert main(_check(files, "ref_y4m", "dis_y4m", "-b", "8")) == 0
    err = capsys.readouterr().err
    assert "pyvmafneg check: warning: --bitdepth describe raw YUV only and were ignored" in err


def test_check_and_score_share_one_definition_of_the_geometry_flags() -> None:
    import argparse

    def geometry(register) -> list[tuple]:  # type: ignore[no-untyped-def]
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers())
        (sub,) = parser._subparsers._group_actions[0].choices.values()  # type: ignore[union-attr]
        wanted = {"width", "height", "pixel_format", "bitdepth"}
        return [
            (a.option_strings, a.type.__name__ if a.type else None, a.choices, a.help)
            for a in sub._actions
            if a.dest in wanted
        ]

    assert len(geometry(register_check)) == 4
    assert geometry(register_check) == geometry(register_score)
