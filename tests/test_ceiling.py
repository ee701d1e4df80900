"""The frames' own ceiling against libvmaf: the reference scored against itself, unclipped."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from media_helpers import BOTH_MODELS, clip, encode, ffmpeg_vmaf_log, sharpen, to_y4m

from pyvmafneg import score
from pyvmafneg.cli import main
from pyvmafneg.io._sources import open_video
from pyvmafneg.results._logs import load_logs, read_log
from pyvmafneg.results._result import Result
from pyvmafneg.verdict._ceiling import (
    CeilingUnavailable,
    ceiling_model,
    ceiling_of,
    find_motion,
    frame_ceilings,
)
from pyvmafneg.verdict._check import check

MODELS = [
    "vmaf_v0.6.1:name=v061",
    "vmaf_v0.6.1neg:name=v061neg",
    "vmaf_4k_v0.6.1:name=v4k",
    "vmaf_4k_v0.6.1neg:name=v4kneg",
    "vmaf_v0.6.1:name=egl12:vif_enhn_gain_limit=1.2:adm_enhn_gain_limit=1.5",
]


@pytest.fixture(scope="module")
def reference() -> list:
    # A 12-frame pan and zoom: motion2 differs from frame to frame.
    from pyvmafneg.demo import natural_clip

    return natural_clip("coffee", frames=12, width=256, height=160, pan=(2.5, 1.0), zoom=0.01)


@pytest.fixture(scope="module")
def self_scores(reference: list) -> Result:
    return score(reference, reference, MODELS, clip=False)


@pytest.mark.parametrize(
    ("key", "family"),
    [
        ("v061", "vmaf_v0.6.1"),
        ("v061neg", "vmaf_v0.6.1"),
        ("v4k", "vmaf_4k_v0.6.1"),
        ("v4kneg", "vmaf_4k_v0.6.1"),
        ("egl12", "vmaf_v0.6.1"),
    ],
)
def test_ceiling_matches_libvmaf_self_score(self_scores: Result, key: str, family: str) -> None:
    motion = self_scores["integer_motion2"]
    assert np.count_nonzero(motion > 1.0) >= 10  # the clip moves
    source, assumed = ceiling_model(self_scores.models[key])
    assert (source, assumed) == (family, False)
    ceiling = frame_ceilings(source, motion)
    np.testing.assert_allclose(self_scores.scores[key], ceiling, rtol=0, atol=0.01)
    # The ceiling moves with motion by far more than the tolerance.
    assert ceiling.max() - ceiling.min() > 1.0


def test_model_names_and_v1() -> None:
    assert ceiling_model("vmaf") == ("vmaf_v0.6.1", True)
    assert ceiling_model("vmaf_neg = vmaf_v0.6.1neg (vif_enhn_gain_limit=1.2)") == (
        "vmaf_v0.6.1",
        False,
    )
    assert ceiling_model("vmaf_4k_v0.6.1neg") == ("vmaf_4k_v0.6.1", False)
    with pytest.raises(CeilingUnavailable, match="adm3 and motion3"):
        ceiling_model("vmaf_v1.0.16_3d0h")
    with pytest.raises(CeilingUnavailable, match="no motion2"):
        ceiling_of("vmaf", {"integer_adm2": np.ones(3)})
    assert find_motion({"motion2": np.ones(2), "adm2": np.ones(2)}) == "motion2"


def test_json_model_file(self_scores: Result, tmp_path: Path) -> None:
    from importlib import resources

    text = resources.files("pyvmafneg").joinpath("model_files", "vmaf_4k_v0.6.1.json").read_text()
    path = tmp_path / "my_model.json"
    path.write_text(text)
    assert ceiling_model(str(path)) == (str(path), False)
    np.testing.assert_allclose(
        frame_ceilings(str(path), self_scores["integer_motion2"]),
        self_scores.scores["v4k"],
        atol=0.01,
    )
    data = json.loads(text)
    data["model_dict"]["feature_names"][1] = "VMAF_integer_feature_motion3_score"
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(data))
    with pytest.raises(CeilingUnavailable, match="motion3"):
        ceiling_model(str(odd))


def test_self_score_above_100_is_not_flagged(reference: list) -> None:
    result = score(reference, reference, clip=False)
    report = check(result, threshold=100)
    assert report.frames_above_100.size > 0  # honest, yet above 100
    assert report.frames_above_ceiling.size == 0 and not report.flagged
    assert report.ceiling_excess is not None
    assert np.abs(report.ceiling_excess).max() <= 0.01
    assert any("above 100" in n for n in report.notes)


def test_frames_below_their_ceiling_report_no_negative_excess(reference: list) -> None:
    """Below the ceiling the report says how close the scores came, not a negative excess."""
    from helpers import blur

    from pyvmafneg.demo._clips import map_frames

    result = score(reference, map_frames(reference, lambda p: blur(p, 1.5)), clip=False)
    report = check(result)
    assert report.frames_above_ceiling.size == 0 and report.max_excess < 0
    text = report.to_text()
    assert f"no excess; closest {-report.max_excess:.3f} points below it" in text
    assert "largest excess -" not in text


@pytest.fixture(scope="module")
def sharpened_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("ceiling")
    ref = clip(8)
    ref_y4m = to_y4m(ref, d / "ref.y4m")
    return ref_y4m, encode(to_y4m(sharpen(ref, 1.5), d / "sharp.y4m"), d / "sharp.mkv", crf=18)


@pytest.mark.parametrize("clipped", [False, True])
def test_sharpened_frames_above_own_ceiling(
    sharpened_pair: tuple[Path, Path], tmp_path: Path, clipped: bool
) -> None:
    """FFmpeg's libvmaf scores the encode and the reference against itself; check agrees."""
    ref, dis = sharpened_pair
    model = (
        BOTH_MODELS
        if clipped
        else BOTH_MODELS.replace("name=vmaf", "disable_clip=true\\:name=vmaf")
    )
    own = read_log(ffmpeg_vmaf_log((ref, ref), tmp_path / "self.json", model))
    log_path = ffmpeg_vmaf_log((ref, dis), tmp_path / "sharp.json", model)
    loaded = load_logs([log_path])
    report = check(loaded.result, clipped=loaded.clipped, threshold=100)
    expected = loaded.result.frames[loaded.result.scores["vmaf"] > own.metrics["vmaf"] + 0.05]
    assert expected.size > 0
    np.testing.assert_array_equal(report.frames_above_ceiling, expected)
    assert report.flagged and [f.code for f in report.flags] == ["above_ceiling"]
    assert report.ceiling is not None
    np.testing.assert_allclose(report.ceiling, own.metrics["vmaf"], atol=0.01)


def test_log_without_motion_says_so(
    sharpened_pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, dis = sharpened_pair
    log = read_log(ffmpeg_vmaf_log((ref, dis), tmp_path / "full.json"))
    path = tmp_path / "bare.csv"
    lines = ["Frame,vmaf,vmaf_neg"]
    for i, num in enumerate(log.frames):
        lines.append(f"{num},{log.metrics['vmaf'][i]:.6f},{log.metrics['vmaf_neg'][i]:.6f}")
    path.write_text("\n".join(lines) + "\n")
    main(["check", str(path), "--json", "--threshold", "100"])
    report = json.loads(capsys.readouterr().out)
    assert report["ceiling"]["max_excess"] is None
    assert "no motion2" in report["ceiling"]["note"]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv"])
def test_libvmafs_own_logs_carry_what_the_ceiling_needs(
    sharpened_pair: tuple[Path, Path], tmp_path: Path, fmt: str
) -> None:
    """libvmaf's own log writer (the vmaf tool's format): ceiling and credit as in-process."""
    from pyvmafneg.engines.libvmaf._scorer import Scorer

    ref, dis = sharpened_pair
    with Scorer(clip=False) as scorer:
        for r, d in zip(open_video(ref), open_video(dis), strict=True):
            scorer.feed(r, d)
        direct = scorer.flush()
        path = tmp_path / f"own.{fmt}"
        scorer.write_libvmaf_log(str(path), fmt)
    expected = check(direct)
    got = check(load_logs([path]).result)
    assert got.ceiling is not None and got.credit is not None and expected.credit is not None
    np.testing.assert_allclose(got.ceiling, expected.ceiling, atol=1e-4)  # type: ignore[arg-type]
    assert got.tested_gap == pytest.approx(expected.tested_gap, abs=1e-4)
    np.testing.assert_array_equal(got.frames_above_ceiling, expected.frames_above_ceiling)
    assert got.grade == expected.grade == "flagged"


def test_ffmpeg_quality_metrics_logs(sharpened_pair: tuple[Path, Path], tmp_path: Path) -> None:
    """Two ffmpeg-quality-metrics logs (default and NEG runs): ceiling and credit as in-process."""
    import subprocess
    import sys

    pytest.importorskip("ffmpeg_quality_metrics")
    from media_helpers import FFMPEG

    ref, dis = sharpened_pair
    for name, extra in (("default", ()), ("neg", ("--vmaf-model-path", "vmaf_v0.6.1neg.json"))):
        cmd = [sys.executable, "-m", "ffmpeg_quality_metrics", str(dis), str(ref)]
        cmd += ["--ffmpeg-path", FFMPEG, "--no-summary", "-o", str(tmp_path / f"{name}.json")]
        proc = subprocess.run([*cmd, "-m", "vmaf", *extra], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    loaded = load_logs([tmp_path / "default.json", tmp_path / "neg.json"])
    expected = check(score(open_video(ref), open_video(dis)))
    got = check(loaded.result, clipped=loaded.clipped)
    assert got.ceiling is not None and got.credit is not None
    np.testing.assert_allclose(got.ceiling, expected.ceiling, atol=1e-4)  # type: ignore[arg-type]
    assert got.tested_gap == pytest.approx(expected.tested_gap, abs=1e-4)
    assert [e.code for e in got.evidence] == [e.code for e in expected.evidence]


@pytest.mark.parametrize("clip_scores", [False, True])
def test_predict_many_matches_libvmaf(sharpened_pair: tuple[Path, Path], clip_scores: bool) -> None:
    """The vectorised SVM the check uses gives libvmaf's scores, as the frame-by-frame one does."""
    from pyvmafneg.engines._svm import load_model

    ref, dis = sharpened_pair
    result = score(open_video(ref), open_video(dis), clip=clip_scores)
    model = load_model("vmaf_v0.6.1", disable_clip=not clip_scores)
    names = ["integer_adm2", "integer_motion2"] + [f"integer_vif_scale{s}" for s in range(4)]
    x = np.column_stack([result[k] for k in names])
    many = model.predict_many(x, chunk=3)  # several blocks
    np.testing.assert_allclose(many, [model.predict(row) for row in x.tolist()], rtol=0, atol=1e-9)
    np.testing.assert_allclose(many, result.scores["vmaf"], rtol=0, atol=1e-6)
    assert (many > 100).any() != clip_scores
    with pytest.raises(ValueError, match="rows of 6 features"):
        model.predict_many(x[:, :5])
