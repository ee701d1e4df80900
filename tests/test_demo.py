"""The worked-comparison demo, run small with real libvmaf and libx264.

Measured (libvmaf 3.2.0, chelsea, 8 frames 384x256, x264 veryfast CRF 23):
baseline default 92.69 / NEG 91.51 (gap 1.17); every enhanced version scores
104.4 to 158.5 unclipped default and 10.2 to 86.9 NEG, so default ranks the
baseline last and NEG ranks it first, by 4.7 points over the next (sharpen).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo._worked import HONEST_GAP, DemoReport, run_demo

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> DemoReport:
    out = tmp_path_factory.mktemp("demo")
    return run_demo(out_dir=out, frames=8, threads=2)


def _scores(report: DemoReport) -> str:
    return "; ".join(
        f"{r.key}: default {r.vmaf:.2f} ({r.vmaf_unclipped:.2f}) NEG {r.vmaf_neg:.2f}"
        for r in report.rows
    )


def test_ranking_flips(report: DemoReport) -> None:
    msg = _scores(report)
    assert report.flipped, msg
    assert report.ranking_neg[0] == "baseline", msg
    assert report.ranking_default[-1] == "baseline", msg
    base = report.baseline
    for r in report.rows[1:]:
        assert r.vmaf_unclipped > base.vmaf_unclipped, msg
        assert r.vmaf_neg < base.vmaf_neg, msg
        assert r.gap_unclipped > HONEST_GAP > base.gap_unclipped, msg
    assert "flips" in report.verdict()


def test_rows_are_consistent(report: DemoReport) -> None:
    assert [r.key for r in report.rows] == ["baseline", "sharpen", "heavy", "histeq", "contrast"]
    for r in report.rows:
        assert 0.0 <= r.vmaf <= 100.0 and 0.0 <= r.vmaf_neg <= 100.0
        assert r.vmaf <= r.vmaf_unclipped + 1e-9
        assert r.per_frame_vmaf.shape == (8,) and r.per_frame_neg.shape == (8,)
        assert r.frames_above_100 == int((r.per_frame_vmaf > 100).sum())
        assert r.kbps > 0 and r.meaning
    # sharpening costs bits at the same CRF
    assert report.row("sharpen").kbps > report.baseline.kbps
    assert report.identity_vmaf_unclipped > report.baseline.vmaf_unclipped
    assert report.motion > 1.0, "the clip should move"


def test_table_text(report: DemoReport) -> None:
    table = report.table()
    lines = table.splitlines()
    assert "default VMAF" in lines[0] and "VMAF-NEG" in lines[0] and "gap" in lines[0]
    assert "what the gap tells you" in lines[0]
    assert len(lines) == 2 + len(report.rows)
    base = report.baseline
    assert f"{base.vmaf:.2f}" in lines[2] and f"{base.vmaf_neg:.2f}" in lines[2]
    assert "honest" in lines[2]
    assert all("rides on enhancement" in line for line in lines[3:]), table


def test_outputs_written(report: DemoReport) -> None:
    out = report.out_dir
    assert out is not None
    for name in ("per_frame.png", "cap_curve.png", "variants.png"):
        path = out / name
        assert path.read_bytes()[:8] == PNG_MAGIC, name
        assert path.stat().st_size > 5_000, name
    for name in ("per_frame.png", "cap_curve.png"):  # sharp when zoomed: 200 dpi
        header = (out / name).read_bytes()[16:24]  # IHDR: width, height (big-endian)
        width, height = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")
        assert width >= 2000 and height >= 600, (name, width, height)
    data = json.loads((out / "demo.json").read_text())
    assert data["flipped"] is True
    assert data["ranking_neg"][0] == "baseline"
    assert len(data["rows"]) == 5
    assert "ranks" in (out / "table.txt").read_text()
    for key in ("baseline", "sharpen", "heavy", "histeq", "contrast"):
        log = json.loads((out / "logs" / f"{key}.json").read_text())
        assert len(log["frames"]) == 8
        assert (out / "streams" / f"{key}.mkv").stat().st_size > 0


def test_cap_curve_in_report(report: DemoReport) -> None:
    cap = report.cap
    assert cap is not None
    g = cap.gains
    vif_d, vif_n = cap.default["integer_vif_scale1"], cap.neg["integer_vif_scale1"]
    assert np.abs(vif_d[g < 1] - vif_n[g < 1]).max() < 1e-3
    assert (vif_d[g > 1] > 1.0).all() and (vif_n[g > 1] <= 1.0 + 1e-3).all()
    assert (cap.vmaf[g > 1] > cap.vmaf_neg[g > 1] + 3).all()
    if cap.cap_fraction is not None:  # with the NumPy reference importable
        assert (cap.cap_fraction[g < 1] < 0.05).all() and (cap.cap_fraction[g > 1] > 0.9).all()


@pytest.mark.slow
def test_cli_demo(tmp_path, capsys) -> None:
    out = tmp_path / "cli-demo"
    code = main(["demo", "--out", str(out), "--frames", "4", "--no-figures", "--quiet"])
    assert code == 0
    text = capsys.readouterr().out
    assert "VMAF-NEG" in text and "(baseline)" in text
    assert f"outputs in {out}" in text
    assert (out / "reference.y4m").exists()
    assert not list(out.glob("*.png"))
    assert (out / "demo.json").exists()


def test_readme_score_command_on_the_demo_output(report: DemoReport, capsys) -> None:
    """The demo keeps its reference; scoring a kept encode again gives the demo's numbers."""
    out = report.out_dir
    assert out is not None
    ref, stream = out / "reference.y4m", out / "streams" / "sharpen.mkv"
    assert ref in report.files and stream in report.files
    assert main(["score", "-r", str(ref), "-d", str(stream), "--quiet"]) == 0
    text = capsys.readouterr().out
    row = report.row("sharpen")
    assert f"vmaf: mean {row.vmaf:8.4f}" in text, text
    assert f"vmaf_neg: mean {row.vmaf_neg:8.4f}" in text, text
    again = pyvmafneg.score(str(ref), str(stream), clip=False, backend="libvmaf")
    np.testing.assert_array_equal(again["vmaf"], row.per_frame_vmaf)
    np.testing.assert_array_equal(again["vmaf_neg"], row.per_frame_neg)


def test_cli_rejects_too_few_frames(tmp_path, capsys) -> None:
    code = main(["demo", "--out", str(tmp_path / "x"), "--frames", "1", "--quiet"])
    assert code == 2
    assert "at least 2" in capsys.readouterr().err
