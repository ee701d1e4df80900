"""The enhancement-gain checker: flags, verdicts, exit codes, reports and plots."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from media_helpers import BOTH_MODELS, clip, encode, ffmpeg_vmaf_log, sharpen, to_y4m

from pyvmafneg import score
from pyvmafneg.cli import main
from pyvmafneg.errors import MissingDependencyError, ModelError
from pyvmafneg.io._sources import open_video
from pyvmafneg.results._logs import read_log
from pyvmafneg.verdict._check import check


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("check")
    ref = clip(24)
    ref_y4m = to_y4m(ref, d / "ref.y4m")
    sharp_y4m = to_y4m(sharpen(ref, 1.5), d / "sharp.y4m")
    return {
        "ref": ref_y4m,
        # An honest encode: compression only.
        "compressed": encode(ref_y4m, d / "compressed.mkv", crf=30),
        # Sharpened before a light encode: the enhancement default VMAF rewards.
        "sharpened": encode(sharp_y4m, d / "sharpened.mkv", crf=23),
    }


@pytest.fixture(scope="module")
def ffmpeg_logs(clips: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict:
    d = tmp_path_factory.mktemp("ffmpeg_logs")
    out = {}
    for name in ("compressed", "sharpened"):
        out[name] = ffmpeg_vmaf_log((clips["ref"], clips[name]), d / f"{name}.json")
    unclipped = BOTH_MODELS.replace("name=vmaf", "disable_clip=true\\:name=vmaf")
    out["sharpened_unclipped"] = ffmpeg_vmaf_log(
        (clips["ref"], clips["sharpened"]), d / "sharpened_unclipped.xml", unclipped, "xml"
    )
    return out


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_ffmpeg_log_sharpened_flagged_compressed_clean(
    ffmpeg_logs: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = {}
    for name, expected in (("compressed", 0), ("sharpened", 1)):
        path = ffmpeg_logs[name]
        code, out, err = _run(capsys, "check", str(path), "--json")
        assert code == expected, (name, out, err)
        report = json.loads(out)
        reports[name] = report
        assert report["exit_code"] == expected
        assert report["verdict"] == ("clean" if expected == 0 else "flagged")
        # The report reproduces the pooled numbers FFmpeg's log carries.
        log = json.loads(path.read_text())
        for model in ("vmaf", "vmaf_neg"):
            for stat in ("mean", "min", "harmonic_mean"):
                assert (
                    abs(report["pooled"][model][stat] - log["pooled_metrics"][model][stat]) <= 1e-6
                )
        gaps = [f["metrics"]["vmaf"] - f["metrics"]["vmaf_neg"] for f in log["frames"]]
        np.testing.assert_allclose([g["gap"] for g in report["per_frame"]], gaps, atol=1e-6)
        for model in ("vmaf", "vmaf_neg"):
            np.testing.assert_allclose(
                [g[model] for g in report["per_frame"]],
                [f["metrics"][model] for f in log["frames"]],
                atol=1e-9,
            )
        # Text report: the last line is the verdict; --per-frame lists every frame.
        code, out, _ = _run(capsys, "check", str(path), "--per-frame")
        assert code == expected
        first = log["frames"][0]["metrics"]
        assert f"{first['vmaf']:10.3f}  {first['vmaf_neg']:10.3f}" in out
        assert out.strip().splitlines()[-1].startswith("CLEAN:" if expected == 0 else "FLAGGED:")
    assert reports["compressed"]["gap"]["overall"] <= 3.0 < reports["sharpened"]["gap"]["overall"]
    # Sharpened before a light encode: above the frames' own ceiling as well.
    assert [f["code"] for f in reports["sharpened"]["flags"]] == ["excess", "above_ceiling"]
    assert reports["sharpened"]["ceiling"]["frames_above"]
    assert reports["compressed"]["ceiling"]["max_excess"] < 0
    assert reports["compressed"]["flags"] == []
    # FFmpeg's log does not record clipping: the report says so.
    assert reports["sharpened"]["clipped"] is None
    assert any(
        "does not record whether scores were clipped" in n for n in reports["sharpened"]["notes"]
    )


def test_frames_above_100_are_information_only(
    ffmpeg_logs: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ffmpeg_logs["sharpened_unclipped"]
    code, out, _ = _run(capsys, "check", str(path), "--json")
    report = json.loads(out)
    log = read_log(path)
    above = log.frames[log.metrics["vmaf"] > 100].tolist()
    assert code == 1 and above
    assert report["clipped"] is False
    assert report["frames_above_100"] == above
    assert [f["code"] for f in report["flags"]] == ["excess", "above_ceiling"]
    assert any("above 100" in n for n in report["notes"])
    # Even with a huge threshold the own-ceiling flag alone fails the gate.
    code, out, _ = _run(capsys, "check", str(path), "--threshold", "1000")
    assert code == 1
    n_above = len(report["ceiling"]["frames_above"])
    assert f"FLAGGED: gap {report['gap']['overall']:.2f} points; {n_above}/24 frames above" in out


def test_threshold_and_floor(ffmpeg_logs: dict, capsys: pytest.CaptureFixture[str]) -> None:
    sharpened, compressed = str(ffmpeg_logs["sharpened"]), str(ffmpeg_logs["compressed"])
    code, out, _ = _run(capsys, "check", compressed, "--threshold", "0")
    assert code == 1 and out.strip().splitlines()[-1].startswith("FLAGGED: gap")
    code, out, _ = _run(capsys, "check", sharpened, "--threshold", "1000")
    assert code == 1 and "FLAGGED: gap" in out and "own ceiling" in out
    neg_mean = read_log(compressed).metrics["vmaf_neg"].mean()
    code, out, _ = _run(capsys, "check", compressed, "--floor", f"{neg_mean + 0.5:.3f}", "--json")
    report = json.loads(out)
    assert code == 1 and [f["code"] for f in report["flags"]] == ["neg_floor"]
    assert f"< floor {neg_mean + 0.5:.2f}" in report["verdict_line"]
    code, _, _ = _run(capsys, "check", compressed, "--floor", f"{neg_mean - 0.5:.3f}")
    assert code == 0


def test_score_check_in_process(
    clips: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = str(clips["ref"])
    code, out, _ = _run(capsys, "score", "-r", ref, "-d", str(clips["compressed"]), "--check", "-q")
    assert code == 0 and out.strip().splitlines()[-1].startswith("CLEAN:")
    assert "scores are clipped at 100: frames whose own ceiling is above 100" in out
    log = tmp_path / "sharp.json"
    code, out, _ = _run(
        capsys,
        "score",
        "-r",
        ref,
        "-d",
        str(clips["sharpened"]),
        "--check",
        "--no-clip",
        "--json",
        "-q",
        "-o",
        str(log),
    )
    report = json.loads(out)
    assert code == 1 and report["clipped"] is False
    # score --check has both videos: the frame evidence (a band beyond honest encodes) fires too
    assert [f["code"] for f in report["flags"]] == ["excess", "detail_gain", "above_ceiling"]
    assert report["frame_evidence"]["frames"] == 24
    direct = score(open_video(clips["ref"]), open_video(clips["sharpened"]), clip=False)
    assert abs(report["gap"]["overall"] - direct.pooled_gap) <= 1e-6
    # The log written by the same run checks the same way, and knows it is unclipped.
    code, out, _ = _run(capsys, "check", str(log), "--json")
    again = json.loads(out)
    assert code == 1 and again["clipped"] is False
    assert abs(again["gap"]["overall"] - report["gap"]["overall"]) <= 1e-6


def test_check_function_directly(clips: dict[str, Path]) -> None:
    result = score(open_video(clips["ref"]), open_video(clips["compressed"]))
    report = check(result, threshold=0.0)
    assert report.flagged and report.exit_code == 1
    assert report.overall_gap == pytest.approx(result.pooled_gap, abs=1e-9)
    assert report.default.p5 <= report.default.mean and report.neg.p1 <= report.neg.mean
    assert "\n" not in report.verdict
    assert len(report.largest_gaps(3)) == 3
    assert check(result, threshold=50).exit_code == 0
    with pytest.raises(ModelError, match="gap threshold must be a number >= 0"):
        check(result, threshold=-1)
    only_default = score(open_video(clips["ref"]), open_video(clips["compressed"]), ["vmaf_v0.6.1"])
    with pytest.raises(ModelError, match="needs a default and a NEG model"):
        check(only_default)


def test_plots(
    ffmpeg_logs: dict,
    clips: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    png = tmp_path / "gap.png"
    code, _, err = _run(
        capsys, "check", str(ffmpeg_logs["sharpened_unclipped"]), "--plot", str(png)
    )
    assert code == 1 and "plot written to" in err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    png2 = tmp_path / "score.png"
    code, _, _ = _run(
        capsys,
        "score",
        "-r",
        str(clips["ref"]),
        "-d",
        str(clips["compressed"]),
        "-q",
        "--plot",
        str(png2),
    )
    assert code == 0 and png2.exists()
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    from pyvmafneg.results._plot import plot_result

    with pytest.raises(MissingDependencyError, match="pip install 'pyvmafneg\\[plot\\]'"):
        plot_result(score(open_video(clips["ref"]), open_video(clips["compressed"])), png)
    code, _, err = _run(capsys, "check", str(ffmpeg_logs["sharpened"]), "--plot", str(png))
    assert code == 2 and "plots need matplotlib" in err


def test_plot_marks_the_frames_above_their_own_ceiling(
    ffmpeg_logs: dict,
    clips: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """check --plot and score --plot hand the plot the check's ceilings; it marks its frames."""
    import pyvmafneg.results._plot as plot_module
    from pyvmafneg.results._plot import ceiling_marks

    drawn: list[tuple] = []
    real = plot_module.plot_result

    def recording(result, path, **kw):  # type: ignore[no-untyped-def]
        drawn.append((result, kw))
        return real(result, path, **kw)  # the real drawing, written to disk

    monkeypatch.setattr(plot_module, "plot_result", recording)
    log = ffmpeg_logs["sharpened_unclipped"]
    png = tmp_path / "check.png"
    assert main(["check", str(log), "--plot", str(png)]) == 1
    capsys.readouterr()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = tmp_path / "score.svg"
    argv = ["score", "-r", str(clips["ref"]), "-d", str(clips["sharpened"]), "--no-clip"]
    assert main([*argv, "-q", "--plot", str(out)]) == 0
    assert out.read_text().lstrip().startswith("<?xml")
    from pyvmafneg.results._logs import load_logs

    loaded = load_logs([log])
    reports = [check(loaded.result, clipped=loaded.clipped), check(drawn[1][0])]
    assert len(drawn) == 2
    for (result, kw), report in zip(drawn, reports, strict=True):
        assert report.ceiling is not None
        np.testing.assert_array_equal(kw["ceiling"], report.ceiling)
        assert kw["ceiling_margin"] == report.ceiling_margin
        marked = result.frames[ceiling_marks(result, kw["ceiling"], kw["ceiling_margin"])]
        assert marked.size > 0, "the sharpened encode must exceed its ceiling somewhere"
        np.testing.assert_array_equal(marked, report.frames_above_ceiling)


def test_ceiling_marks_refuses_a_misaligned_ceiling(clips: dict[str, Path]) -> None:
    from pyvmafneg.results._plot import ceiling_marks

    result = score(open_video(clips["ref"]), open_video(clips["compressed"]), clip=False)
    assert not ceiling_marks(result, None).any()
    with pytest.raises(ModelError, match="one finite value per frame"):
        ceiling_marks(result, np.ones(len(result) + 1))
    report = check(result)
    np.testing.assert_array_equal(
        result.frames[ceiling_marks(result, report.ceiling, report.ceiling_margin)],
        report.frames_above_ceiling,
    )
