"""The graded verdict: evidence and its numbers against libvmaf, exit codes, --strict."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from media_helpers import clip, encode, sharpen, to_y4m

from pyvmafneg import score
from pyvmafneg.cli import main
from pyvmafneg.io._sources import open_video
from pyvmafneg.results._result import Result
from pyvmafneg.verdict._check import check


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("verdict")
    ref = clip(24)
    ref_y4m = to_y4m(ref, d / "ref.y4m")
    return {
        "ref": ref_y4m,
        "honest": encode(ref_y4m, d / "honest.mkv", crf=30),
        "sharp": encode(to_y4m(sharpen(ref, 1.5), d / "sharp.y4m"), d / "sharp.mkv", crf=18),
    }


def _scores(pair: dict[str, Path], name: str, clip_: bool) -> Result:
    return score(open_video(pair["ref"]), open_video(pair[name]), clip=clip_)


def test_sharpened_flagged_with_numbers_from_libvmaf(pair: dict[str, Path]) -> None:
    unclipped = _scores(pair, "sharp", False)
    clipped = _scores(pair, "sharp", True)
    assert clipped.scores["vmaf"].max() == 100.0  # clipping hides part of the gap
    report = check(clipped)
    assert report.grade == "flagged" and report.exit_code == 1
    codes = [e.code for e in report.evidence]
    assert codes[:2] == ["excess", "above_ceiling"]
    gap = report.evidence[0]
    # The gap tested is libvmaf's unclipped gap, recomputed from the clipped run's features.
    assert report.tested_gap == pytest.approx(unclipped.pooled_gap, abs=0.01)
    assert gap.numbers["gap"] == pytest.approx(unclipped.pooled_gap, abs=0.01)
    assert gap.numbers["gap_as_given"] == pytest.approx(clipped.pooled_gap, abs=1e-9)
    assert report.tested_gap > report.overall_gap + 0.1
    expected = unclipped.frames[unclipped.gap > report.rule.threshold]
    assert sorted(gap.frames) == sorted(int(f) for f in expected)
    # Where the credit comes from: capping one feature family removes part of the gap.
    assert report.credit is not None
    for part in ("adm_credit", "vif_credit"):
        assert 0 < gap.numbers[part] < report.tested_gap + 0.01  # type: ignore[operator]
    np.testing.assert_allclose(
        [gap.numbers[f"diff_{k}"] for k in ("adm2", "vif_scale0")],
        [
            float(np.mean(clipped[f"integer_{k}"] - clipped[f"integer_{k}_egl_1"]))
            for k in ("adm2", "vif_scale0")
        ],
        atol=1e-12,
    )
    data = report.as_dict()
    assert data["verdict"] == "flagged" and data["evidence"][0]["code"] == "excess"
    np.testing.assert_allclose(
        [f["gap_unclipped"] for f in data["per_frame"]], unclipped.gap, atol=0.01
    )
    assert report.verdict.startswith(
        f"FLAGGED: gap {report.tested_gap:.2f} > {report.rule.threshold:.2f} points"
    )
    # The words say what was measured, and name the cause the evidence supports.
    assert gap.message.startswith(f"vmaf credits {report.tested_gap:.2f} points that vmaf_neg caps")
    assert f"capping ADM alone removes {gap.numbers['adm_credit']:.2f}" in gap.message
    assert "Likely cause: enhancement" in gap.message
    # ... and how sure it is, with the honest encodes that reached the same excess.
    assert "How sure:" in gap.message and "libx264 ultrafast encodes of noisy" in gap.message
    # The plain gap rule names no cause: honest low-rate encodes reach large gaps too.
    plain = check(clipped, threshold=3.25)
    assert plain.evidence[0].code == "gap" and "Likely cause" not in plain.evidence[0].message
    assert "does not tell enhancement from honest encodes" in plain.evidence[0].message


def test_honest_clean_and_borderline_limits(pair: dict[str, Path]) -> None:
    result = _scores(pair, "honest", True)
    report = check(result)
    assert report.grade == "clean" and report.exit_code == 0 and report.evidence == []
    g = report.tested_gap
    near = check(result, threshold=g + 0.5, borderline=g - 0.5)
    assert near.grade == "borderline" and near.exit_code == 0
    assert [e.code for e in near.evidence] == ["gap_near"]
    assert near.evidence[0].numbers["gap"] == pytest.approx(g)
    assert near.verdict.startswith(f"BORDERLINE: gap {g:.2f} points; near the threshold")
    strict = check(result, threshold=g + 0.5, borderline=g - 0.5, strict=True)
    assert strict.exit_code == 1
    top = float(report.credit.total.max())  # type: ignore[union-attr]
    # The calibrated rule does not use per-frame gaps; the plain rule does.
    assert check(result, frame_threshold=top - 1e-6).evidence == []
    frames = check(result, threshold=g + 0.5, borderline=g + 0.5, frame_threshold=top - 1e-6)
    assert [e.code for e in frames.evidence] == ["frame_gap"]
    assert frames.evidence[0].frames == (int(result.frames[np.argmax(report.credit.total)]),)  # type: ignore[union-attr]


def test_cli_strict_and_exit_codes(
    pair: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "honest.json"
    code = main(["score", "-r", str(pair["ref"]), "-d", str(pair["honest"]), "-q", "-o", str(log)])
    assert code == 0
    capsys.readouterr()
    g = check(_scores(pair, "honest", True)).tested_gap
    args = ["check", str(log), "--threshold", f"{g + 0.5:.3f}", "--borderline", f"{g - 0.5:.3f}"]
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "borderline" and report["exit_code"] == 0
    assert main([*args, "--strict"]) == 1
    out = capsys.readouterr().out
    assert "borderline gap_near:" in out and out.strip().splitlines()[-1].startswith("BORDERLINE")
    # score --check gives the same report.
    code = main(
        ["score", "-r", str(pair["ref"]), "-d", str(pair["honest"]), "-q", "--check", "--json",
         "--threshold", f"{g + 0.5:.3f}", "--borderline", f"{g - 0.5:.3f}", "--strict"]
    )  # fmt: skip
    again = json.loads(capsys.readouterr().out)
    assert code == 1 and again["verdict"] == "borderline"
    # The log holds features to six decimals.
    assert again["gap"]["tested"] == pytest.approx(report["gap"]["tested"], abs=1e-4)


def test_other_model_under_a_plain_name_is_identified_from_its_features(
    pair: dict[str, Path],
) -> None:
    """4K scores logged as 'vmaf': the logged features say which model made them."""
    four_k = score(
        open_video(pair["ref"]),
        open_video(pair["honest"]),
        ["vmaf_4k_v0.6.1:name=vmaf", "vmaf_4k_v0.6.1neg:name=vmaf_neg"],
    )
    assert four_k.scores["vmaf"].max() < 100.0
    as_log = replace(four_k, models={}, backend="log")
    report = check(as_log)
    # The credit is the 4K model's, recomputed as libvmaf computed it.
    assert report.credit is not None and report.ceiling_model == "vmaf_4k_v0.6.1"
    np.testing.assert_allclose(report.credit.default, four_k.scores["vmaf"], atol=0.01)
    assert report.tested_gap == pytest.approx(four_k.pooled_gap, abs=0.01)
    # The calibration covers vmaf_v0.6.1 only: the verdict says so instead of guessing.
    assert report.rule is not None and not report.rule.calibrated
    assert "vmaf_4k_v0.6.1" in report.rule.outside[0]
    assert report.grade == "uncalibrated" and report.exit_code == 0
    # Told another model file, the check takes it (the scores then disagree with it).
    told = check(as_log, ceiling_model="vmaf_v0.6.1")
    assert told.credit is None
    assert any("not those of vmaf_v0.6.1" in n for n in told.notes)
    # Every frame clipped: nothing to confirm the model by, and the report says so.
    flat = replace(as_log, scores={k: np.full(len(four_k), 100.0) for k in four_k.scores})
    assert any("is taken to be vmaf_v0.6.1" in n for n in check(flat).notes)


def _blur(sigma: float):  # type: ignore[no-untyped-def]
    from scipy import ndimage

    def run(y: np.ndarray) -> np.ndarray:
        out = ndimage.gaussian_filter(y.astype(np.float64), sigma)
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)

    return run


@pytest.fixture(scope="module")
def fidelity_runs() -> dict[str, Result]:
    """A blurred baseline and two sharpened candidates, scored with PSNR and SSIM."""
    from pyvmafneg.demo import map_frames, natural_clip, unsharp_mask

    ref = natural_clip("astronaut", frames=6, width=176, height=144)
    runs = {"baseline": map_frames(ref, _blur(0.7))}
    for amount in (0.3, 1.0):
        runs[f"sharp{amount}"] = map_frames(ref, lambda y, a=amount: unsharp_mask(y, amount=a))
    return {k: score(ref, v, features=["psnr", "ssim"]) for k, v in runs.items()}


@pytest.mark.parametrize("name", ["sharp0.3", "sharp1.0"])
def test_residual_gain_hint(fidelity_runs: dict[str, Result], name: str) -> None:
    base, run = fidelity_runs["baseline"], fidelity_runs[name]
    d_neg = run["vmaf_neg"].mean() - base["vmaf_neg"].mean()
    d_psnr = run["psnr_y"].mean() - base["psnr_y"].mean()
    d_ssim = run["float_ssim"].mean() - base["float_ssim"].mean()
    report = check(run, baseline=base)
    hints = [e for e in report.evidence if e.code == "residual_gain"]
    assert bool(hints) == (d_neg > 0 and d_psnr < 0 and d_ssim < 0)
    if name == "sharp1.0":  # strong sharpening: NEG up, both fidelity measures down
        (hint,) = hints
        assert hint.level == "borderline" and "hint, not proof" in hint.message
        assert hint.numbers["neg_change"] == pytest.approx(d_neg, abs=1e-9)
        assert hint.numbers["psnr_y_change_db"] == pytest.approx(d_psnr, abs=1e-9)
        assert hint.numbers["ssim_change"] == pytest.approx(d_ssim, abs=1e-12)
    else:  # mild sharpening: PSNR-Y rises against the blurred baseline, no hint
        assert d_psnr > 0 and not hints
    # Without PSNR/SSIM in both runs, the report says it could not test.
    bare = replace(base, features={k: v for k, v in base.features.items() if "psnr" not in k})
    assert any("psnr_y is not in both runs" in n for n in check(run, baseline=bare).notes)


def test_residual_gain_in_compare_analysis(fidelity_runs: dict[str, Result]) -> None:
    from pyvmafneg.comparison._analysis import EncodeRow, analyse

    def row(name: str, series: str, kbps: float) -> EncodeRow:
        r = fidelity_runs[name]
        return EncodeRow(
            source="astro",
            codec="x",
            setting=series,
            point=name,
            bitrate_kbps=kbps,
            scores={m: float(r[m].mean()) for m in ("vmaf", "vmaf_neg", "psnr_y", "float_ssim")},
        )

    rows = [row("baseline", "plain", 1000.0), row("sharp1.0", "sharp", 1050.0)]
    comparison = analyse(rows, anchor="x plain")
    (flag,) = [f for f in comparison.flags if f.kind == "residual_gain"]
    assert flag.series == "x sharp" and "not proof" in flag.message
    # Bitrates 30 % apart are not compared.
    rows[1].bitrate_kbps = 1300.0
    assert not [f for f in analyse(rows, anchor="x plain").flags if f.kind == "residual_gain"]


def test_cli_check_baseline(
    fidelity_runs: dict[str, Result], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, run = tmp_path / "base.json", tmp_path / "run.json"
    fidelity_runs["baseline"].write(base)
    fidelity_runs["sharp1.0"].write(run)
    assert main(["check", str(run), "--baseline", str(base), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [e["code"] for e in report["evidence"]][-1] == "residual_gain"


def test_neg_side_with_other_gain_limits_is_tested_as_given(pair: dict[str, Path]) -> None:
    """A NEG side at gain limit 1.2 is not what the _egl_1 features give: the gap stays as given."""
    models = [
        "vmaf_v0.6.1:name=vmaf",
        "vmaf_v0.6.1neg:name=neg1",
        "vmaf_v0.6.1:name=vmaf_neg:egl=1.2",
    ]
    result = score(open_video(pair["ref"]), open_video(pair["honest"]), models)
    result = replace(
        result, neg_model="vmaf_neg", scores={k: result.scores[k] for k in ("vmaf", "vmaf_neg")}
    )
    report = check(result)
    assert report.credit is None
    assert report.tested_gap == pytest.approx(result.pooled_gap, abs=1e-12)
    assert any("other gain limits" in n for n in report.notes)
