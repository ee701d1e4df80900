"""Logs that cannot support a verdict are refused: one line, exit 2, no verdict."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from media_helpers import clip, encode, ffmpeg_vmaf_log, to_y4m

from pyvmafneg import score
from pyvmafneg.cli import main
from pyvmafneg.errors import (
    BaselineMismatchError,
    LogFormatError,
    ModelFamilyError,
    ScoreRangeError,
    VmafNegError,
)
from pyvmafneg.io._sources import open_video
from pyvmafneg.results._logs import load_logs
from pyvmafneg.verdict._check import check
from pyvmafneg.verdict._inputs import score_range


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("refusals")
    ref = to_y4m(clip(6), d / "ref.y4m")
    enc = encode(ref, d / "enc.mkv", crf=35)
    other_ref = to_y4m(clip(6, image="coffee"), d / "other.y4m")
    other = encode(other_ref, d / "other.mkv", crf=35)
    return {
        "ref": ref,
        "enc": enc,
        "both": ffmpeg_vmaf_log((ref, enc), d / "both.json"),
        "k4": ffmpeg_vmaf_log((ref, enc), d / "k4.json", "version=vmaf_4k_v0.6.1\\:name=vmaf"),
        "hd_neg": ffmpeg_vmaf_log(
            (ref, enc), d / "neg.json", "version=vmaf_v0.6.1neg\\:name=vmaf_neg"
        ),
        "other_source": ffmpeg_vmaf_log((other_ref, other), d / "other.json"),
        "dir": d,
    }


def _one_line_exit_2(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(["check", *args])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.out == ""  # no verdict
    errors = [ln for ln in captured.err.splitlines() if ln.startswith("pyvmafneg check: error:")]
    assert len(errors) == 1 and "Traceback" not in captured.err
    return errors[0]


def _edit(src: Path, dest: Path, frame: int, key: str, value: float | str) -> Path:
    log = json.loads(src.read_text())
    log["frames"][frame]["metrics"][key] = value
    dest.write_text(json.dumps(log).replace('"INF"', "1e999"))
    return dest


def test_4k_default_log_with_hd_neg_log_is_refused(
    logs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    line = _one_line_exit_2(capsys, str(logs["k4"]), str(logs["hd_neg"]))
    assert "vmaf_4k_v0.6.1" in line and "vmaf_v0.6.1" in line
    with pytest.raises(ModelFamilyError) as info:
        check(load_logs([logs["k4"], logs["hd_neg"]]).result)
    assert info.value.default_model == "vmaf_4k_v0.6.1"
    assert info.value.neg_model == "vmaf_v0.6.1"
    # The matched pair (same family) is judged.
    assert check(load_logs([logs["both"]]).result).grade in ("clean", "uncalibrated")


def test_logs_of_different_frame_counts_are_refused(
    logs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    log = json.loads(logs["hd_neg"].read_text())
    log["frames"] = log["frames"][:-1]
    short = logs["dir"] / "neg_short.json"
    short.write_text(json.dumps(log))
    line = _one_line_exit_2(capsys, str(logs["both"]), str(short))
    assert "6 frames" in line and "5" in line
    with pytest.raises(LogFormatError):
        load_logs([logs["both"], short])


@pytest.mark.parametrize(
    ("key", "value"),
    [("vmaf", -5000.0), ("vmaf_neg", -5000.0), ("vmaf", 1e308), ("vmaf_neg", 1e308)],
)
def test_scores_no_model_can_produce_are_refused(
    logs: dict[str, Path], capsys: pytest.CaptureFixture[str], key: str, value: float
) -> None:
    bad = _edit(logs["both"], logs["dir"] / f"bad_{key}_{value:g}.json", 3, key, value)
    line = _one_line_exit_2(capsys, str(bad))
    assert "frame 3" in line and "outside what vmaf_v0.6.1 can produce" in line
    with pytest.raises(ScoreRangeError) as info:
        check(load_logs([bad]).result)
    low, high = score_range("vmaf_v0.6.1")
    assert info.value.key == key and info.value.frame == 3 and info.value.value == value
    assert (info.value.low, info.value.high) == (low, high)
    assert low < 0.0 and high > 100.0  # the range holds every score libvmaf gave here


def test_score_range_comes_from_the_model_file() -> None:
    low, high = score_range("vmaf_v0.6.1")
    # Wider than clipped scores, far narrower than the SVM's coefficient sum (about 3.4e4).
    assert -200.0 < low < -20.0 and 150.0 < high < 500.0
    assert score_range("vmaf_v0.6.1neg") == (low, high)  # one SVM
    assert score_range("vmaf_4k_v0.6.1") != (low, high)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinite_scores_are_refused(logs: dict[str, Path], value: float) -> None:
    result = load_logs([logs["both"]]).result
    scores = {k: v.copy() for k, v in result.scores.items()}
    scores["vmaf_neg"][2] = value
    with pytest.raises(ScoreRangeError) as info:
        check(replace(result, scores=scores))
    assert info.value.frame == 2 and info.value.key == "vmaf_neg"
    assert info.value.low is None  # no range is needed to refuse it


def test_a_log_with_an_infinite_score_exits_2(
    logs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _edit(logs["both"], logs["dir"] / "inf.json", 1, "vmaf", "INF")
    line = _one_line_exit_2(capsys, str(bad))
    assert "frame 1" in line


def test_baseline_of_another_length_is_refused(
    logs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    log = json.loads(logs["both"].read_text())
    log["frames"] = log["frames"][:4]
    short = logs["dir"] / "baseline_short.json"
    short.write_text(json.dumps(log))
    line = _one_line_exit_2(capsys, str(logs["both"]), "--baseline", str(short))
    assert "4 frames" in line and "6" in line
    with pytest.raises(BaselineMismatchError) as info:
        check(load_logs([logs["both"]]).result, baseline=load_logs([short]).result)
    assert (info.value.frames, info.value.baseline_frames) == (6, 4)


def test_baseline_of_another_source_is_refused(
    logs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    line = _one_line_exit_2(capsys, str(logs["both"]), "--baseline", str(logs["other_source"]))
    assert "another clip" in line
    with pytest.raises(BaselineMismatchError) as info:
        check(load_logs([logs["both"]]).result, baseline=load_logs([logs["other_source"]]).result)
    assert info.value.frame == 1  # frame 0 has no motion in either clip
    # Another encode of the same source is accepted.
    same = score(open_video(logs["ref"]), open_video(logs["enc"]), features=["psnr", "float_ssim"])
    assert check(same, baseline=same).grade in ("clean", "uncalibrated")


def test_refusals_are_vmafneg_errors() -> None:
    for cls in (ScoreRangeError, ModelFamilyError, BaselineMismatchError):
        assert issubclass(cls, VmafNegError) and issubclass(cls, ValueError)
    assert np.isfinite(score_range("vmaf_v0.6.1")).all()
