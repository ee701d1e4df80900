"""The check's frame evidence: the projection gain per band, and how it weighs the gap rule.

Clips are made and encoded at test time (176x144, 24 frames, the FFmpeg imageio-ffmpeg
ships); libvmaf's scores are computed at test time. Nothing of an x264 encode is hard-coded.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from media_helpers import clip, encode, sharpen, to_y4m

from pyvmafneg import score
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import map_frames
from pyvmafneg.errors import FrameCountMismatchError
from pyvmafneg.io._sources import open_video
from pyvmafneg.results._logs import write_log
from pyvmafneg.verdict import _rule
from pyvmafneg.verdict._check import check
from pyvmafneg.verdict._projection import (
    BANDS,
    LEVELS,
    Projection,
    band_gains,
    frame_sums,
    measure_projection,
)

FRAMES = 24  # the calibration's shortest clips: inside the operating range


def _stretch(frames: list, gain: float = 1.25) -> list:
    """A contrast stretch of the luma about mid-grey."""

    def stretch(y: np.ndarray) -> np.ndarray:
        out = (y.astype(np.float64) - 128.0) * gain + 128.0
        return np.clip(np.rint(out), 0, 255).astype(y.dtype)

    return map_frames(frames, stretch)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("frames")
    ref = clip(FRAMES)
    ref_y4m = to_y4m(ref, d / "ref.y4m")
    return {
        "ref": ref_y4m,
        "honest": encode(ref_y4m, d / "honest.mkv", crf=30),
        "sharpened": encode(to_y4m(sharpen(ref, 1.5), d / "sharp.y4m"), d / "sharp.mkv", crf=23),
        # milder sharpening before a lower rate: a gap beyond honest encodes, no frame above
        # its own ceiling
        "mild": encode(to_y4m(sharpen(ref, 0.6), d / "mild.y4m"), d / "mild.mkv", crf=33),
        "stretched": encode(to_y4m(_stretch(ref), d / "stretch.y4m"), d / "stretch.mkv", crf=23),
        "short": encode(to_y4m(ref[:12], d / "short.y4m"), d / "short.mkv", crf=30),
    }


@pytest.fixture(scope="module")
def results(clips: dict[str, Path]) -> dict:
    """libvmaf's scores of each encode, computed here (clipped, libvmaf's default)."""
    return {
        name: score(open_video(clips["ref"]), open_video(clips[name]))
        for name in ("honest", "sharpened", "stretched", "mild")
    }


def _codes(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.code for e in report.evidence]


def test_a_scaled_copy_has_the_gain_of_its_scale_in_every_band() -> None:
    rng = np.random.default_rng(7)
    ref = rng.integers(16, 200, size=(144, 176)).astype(np.float64)
    gains = band_gains(frame_sums(ref, ref * 1.2, 8))
    assert set(gains) == set(BANDS)
    for key, value in gains.items():
        assert value == pytest.approx(1.2, abs=1e-6), key
    same = band_gains(frame_sums(ref, ref, 8))
    assert all(v == pytest.approx(1.0, abs=1e-12) for v in same.values())
    # 10-bit samples are measured in 8-bit units: the same gains
    ten = band_gains(frame_sums(ref * 4, ref * 4.8, 10))
    assert all(v == pytest.approx(1.2, abs=1e-6) for v in ten.values())


def test_the_pooled_gain_is_the_sum_over_frames(clips: dict[str, Path]) -> None:
    proj = measure_projection(clips["ref"], clips["honest"])
    assert proj.frames == FRAMES and proj.size == (176, 144)
    assert proj.sums.shape == (LEVELS + 1, 9)
    refs = list(open_video(clips["ref"]))
    encs = list(open_video(clips["honest"]))
    total = sum(frame_sums(r.luma, e.luma, 8) for r, e in zip(refs, encs, strict=True))
    np.testing.assert_allclose(proj.sums, total, rtol=1e-12)
    # an honest encode keeps at most about all of the reference's detail
    assert all(v < 1.01 for v in proj.gains.values()), proj.gains


def test_a_sharpened_encode_is_flagged_with_the_band_that_fired(
    clips: dict[str, Path], results: dict
) -> None:
    report = check(results["sharpened"], videos=(clips["ref"], clips["sharpened"]))
    assert report.grade == "flagged" and report.bands is not None
    fired = [b.key for b in report.bands.fired]
    assert fired and set(fired) <= {"proje0", "proje1", "proj2", "proj3"}
    detail = next(e for e in report.evidence if e.code == "detail_gain")
    top = detail.numbers["band"]
    assert top in fired
    assert BANDS[str(top)][2] in detail.message and "sharpening" in detail.message
    band = next(b for b in report.bands.bands if b.key == top)
    assert band.gain > band.envelope + band.margin
    assert "frame evidence: projection gain per band over 24 frame pairs" in report.to_text()
    assert "every quality level" in report.to_text()
    assert "frame evidence not available" not in report.to_text()


def test_an_honest_encode_is_not_flagged(clips: dict[str, Path], results: dict) -> None:
    report = check(results["honest"], videos=(clips["ref"], clips["honest"]))
    assert report.grade in ("clean", "borderline", "uncalibrated")
    assert report.bands is not None and not report.bands.fired
    assert "detail_gain" not in _codes(report)
    assert report.as_dict()["frame_evidence"]["frames"] == FRAMES


def test_a_contrast_stretch_fires_the_low_pass_band(clips: dict[str, Path], results: dict) -> None:
    report = check(results["stretched"], videos=(clips["ref"], clips["stretched"]))
    assert report.bands is not None
    low = next(b for b in report.bands.bands if b.key == "projlow")
    assert low.fired and low.gain == pytest.approx(1.25, abs=0.05)
    detail = next(e for e in report.evidence if e.code == "detail_gain")
    assert "contrast stretch" in detail.message and report.grade == "flagged"


def test_a_gap_beyond_honest_encodes_without_detail_is_borderline(
    clips: dict[str, Path], results: dict
) -> None:
    """The weighing, given a real gap excess (mild sharpening before a lower rate, scored
    here) and real frame evidence that shows no band above its honest envelope (the honest
    encode's own gains, measured here): what blocking or noise earns looks like this."""
    mild = results["mild"]
    alone = check(mild)  # logs alone: the gap rule
    assert alone.rule is not None and alone.rule.fired, "the mild encode's gap must fire"
    assert "above_ceiling" not in _codes(alone) and alone.grade == "flagged"
    honest = measure_projection(clips["ref"], clips["honest"])
    bands = _rule.assess_bands(honest.gains, alone.rule.neg_level, honest.frames)
    assert not bands.above_envelope
    weighed = check(mild, projection=honest)
    assert _codes(weighed) == ["excess_unconfirmed"] and weighed.grade == "borderline"
    assert weighed.exit_code == 0 and check(mild, projection=honest, strict=True).exit_code == 1
    e = weighed.evidence[0]
    assert e.level == "borderline"
    assert f"the default model credits {alone.rule.gap:.2f} points that NEG caps" in e.message
    assert "keeps no more of the reference's detail than honest encodes do" in e.message
    assert "blocking or noise can earn this credit" in e.message
    close = bands.closest
    assert close is not None and f"gain {close.gain:.3f} against {close.envelope:.3f}" in e.message
    assert "no band keeps more of the reference's detail" in weighed.verdict


def test_the_gap_flag_stands_with_a_band_above_its_envelope(
    clips: dict[str, Path], results: dict
) -> None:
    report = check(results["mild"], videos=(clips["ref"], clips["mild"]))
    assert report.bands is not None and report.bands.above_envelope
    excess = next(e for e in report.evidence if e.code == "excess")
    assert excess.level == "flag" and report.grade == "flagged"
    assert "sharpening" in excess.message
    for b in report.bands.above_envelope:
        assert f"gain {b.gain:.3f} against the honest limit {b.envelope:.3f}" in excess.message


def test_logs_alone_keep_the_gap_rule_and_say_the_frames_were_not_measured(
    results: dict,
) -> None:
    for name in ("honest", "mild"):
        alone = check(results[name])
        assert alone.bands is None
        assert any(n.startswith("frame evidence not available") for n in alone.notes)
        assert "frame_evidence" in alone.as_dict() and alone.as_dict()["frame_evidence"] is None
        # the plain gap rule measures nothing of the frames, given them or not
        plain = check(results[name], threshold=3.25)
        assert not any("frame evidence" in n for n in plain.notes)
    alone = check(results["mild"])
    excess = next(e for e in alone.evidence if e.code == "excess")
    assert excess.level == "flag" and "frame evidence, which tells them apart" in excess.message


def test_videos_that_are_not_the_scored_pair_are_refused(
    clips: dict[str, Path], results: dict
) -> None:
    with pytest.raises(FrameCountMismatchError, match="the videos do not pair with the scores"):
        check(results["honest"], videos=(clips["ref"], clips["short"]))


def test_check_cli_with_videos(
    clips: dict[str, Path],
    results: dict,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = write_log(results["sharpened"], tmp_path / "sharp.json")
    ref, enc = str(clips["ref"]), str(clips["sharpened"])
    code = main(["check", str(log), "--reference", ref, "--distorted", enc, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and "detail_gain" in [f["code"] for f in report["flags"]]
    assert report["frame_evidence"]["frames"] == FRAMES
    # mismatched videos: one line, exit 2
    code = main(["check", str(log), "--reference", ref, "--distorted", str(clips["short"])])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len([x for x in err if not x.startswith("pyvmafneg check: read")]) == 1
    assert "the videos do not pair with the scores" in err[-1]
    # one video without the other: one line, exit 2
    code = main(["check", str(log), "--reference", ref])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--reference and --distorted go together" in err[0]


def test_score_check_gathers_the_frame_evidence(
    clips: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    ref = str(clips["ref"])
    code = main(["score", "-r", ref, "-d", str(clips["stretched"]), "--check", "--json", "-q"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["frame_evidence"]["bands"]["projlow"]["fired"] is True
    code = main(["score", "-r", ref, "-d", str(clips["honest"]), "--check", "-q"])
    out = capsys.readouterr().out
    assert code == 0 and "frame evidence: projection gain per band over 24 frame pairs" in out


def test_a_precomputed_projection_equals_the_videos(clips: dict[str, Path], results: dict) -> None:
    proj = measure_projection(clips["ref"], clips["stretched"])
    a = check(results["stretched"], videos=(clips["ref"], clips["stretched"]))
    b = check(results["stretched"], projection=Projection(proj.sums, proj.frames, proj.size))
    assert a.grade == b.grade and _codes(a) == _codes(b)


def test_a_subsampled_run_measures_the_frames_it_scored(clips: dict[str, Path]) -> None:
    from pyvmafneg.verdict._check import _frame_evidence

    result = score(open_video(clips["ref"]), open_video(clips["honest"]), subsample=2)
    assert list(result.frames) == list(range(0, FRAMES, 2))
    found = _frame_evidence(result, (clips["ref"], clips["honest"]), "bicubic")
    pairs = zip(open_video(clips["ref"]), open_video(clips["honest"]), strict=True)
    sums = [frame_sums(r.luma, e.luma, 8) for r, e in pairs]
    assert found.frames == FRAMES // 2
    np.testing.assert_allclose(found.sums, sum(sums[0::2]), rtol=1e-12)
    # 12 scored frames: outside the calibrated range, the check says so and flags nothing
    assert check(result, videos=(clips["ref"], clips["honest"])).grade == "uncalibrated"
