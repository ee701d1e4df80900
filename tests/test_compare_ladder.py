"""A ladder comparison from the manifest alone, with PSNR-Y and SSIM beside VMAF.

Rungs at half the reference size are scaled in the pipeline (bicubic, as
``score(..., scale='bicubic')``); every pair also gets libvmaf's PSNR-Y and
SSIM, whose BD-rates are checked against the independent ``bjontegaard``
package on the same curves.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from media_helpers import ffmpeg, to_y4m

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.comparison import run_comparison
from pyvmafneg.demo._clips import natural_clip

CRFS = (22, 28, 34, 40)

#: BD bootstrap replicates (the fewest allowed): these tests examine hulls, ladders and
#: outputs, not the intervals (tests/test_compare.py and test_compare_intervals.py do).
FEW = 100


@pytest.fixture(scope="module")
def ladder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ladder")
    ref = to_y4m(natural_clip("chelsea", frames=4, width=256, height=192), tmp / "ref.y4m")
    lines = [
        '[comparison]\nanchor = "x264 full"\n',
        '[[reference]]\nname = "cat"\nfile = "ref.y4m"\n',
    ]
    for setting, size in (("full", "256:192"), ("half", "128:96")):
        for crf in CRFS:
            out = tmp / f"{setting}-{crf}.mkv"
            ffmpeg("-i", str(ref), "-vf", f"scale={size}", "-c:v", "libx264", "-preset",
                   "ultrafast", "-crf", str(crf), str(out))  # fmt: skip
            lines.append(
                f'[[encode]]\nreference = "cat"\ncodec = "x264"\nsetting = "{setting}"\n'
                f'point = "crf{crf}"\nfile = "{out.name}"\n'
            )
    manifest = tmp / "ladder.toml"
    manifest.write_text("\n".join(lines))
    outcome = run_comparison(
        manifest, store=tmp / "store.jsonl", workers=1, progress=False, replicates=FEW
    )
    return tmp, ref, manifest, outcome


def test_rungs_are_scaled_and_scored_like_score(ladder):
    tmp, ref, _, outcome = ladder
    rows = outcome.comparison.rows
    assert all(r.ok for r in rows), [r.error for r in rows if not r.ok]
    for r in rows:
        want = pyvmafneg.score(ref, r.file, features=["psnr", "ssim"], threads=0, backend="libvmaf")
        for key in ("vmaf", "vmaf_neg", "psnr_y", "float_ssim"):
            assert r.scores[key] == pytest.approx(want.pooled(key).mean, abs=1e-9), key
        assert (r.width, r.height) == (256, 192)


def test_bd_rates_under_psnr_and_ssim_match_bjontegaard(ladder):
    bjontegaard = pytest.importorskip("bjontegaard")
    _, _, _, outcome = ladder
    c = outcome.comparison
    assert c.metrics == ["vmaf", "vmaf_neg", "psnr_y", "float_ssim"]
    for metric in ("psnr_y", "float_ssim", "vmaf"):
        a = c.curve("cat", "x264 full", metric)
        t = c.curve("cat", "x264 half", metric)
        entry = c.entry("cat", "x264 half", metric)
        assert entry is not None and entry.bd_rate is not None, entry
        want = bjontegaard.bd_rate(
            [p[0] for p in a], [p[1] for p in a], [p[0] for p in t], [p[1] for p in t],
            method="pchip", min_overlap=0,
        )  # fmt: skip
        assert entry.bd_rate == pytest.approx(want, rel=1e-6, abs=1e-6), metric


@pytest.mark.slow
def test_outputs_carry_psnr_and_ssim(ladder, tmp_path, capsys):
    tmp, _, manifest, _ = ladder
    report = tmp_path / "report"
    csv_path = tmp_path / "rows.csv"
    argv = ["compare", str(manifest), "--store", str(tmp / "store.jsonl"), "--quiet"]
    code = main([*argv, "--report", str(report), "--csv", str(csv_path)])
    text = capsys.readouterr().out
    assert code in (0, 1)
    assert "BD-rate psnr_y" in text and "BD-rate float_ssim" in text
    header = csv_path.read_text().splitlines()[0].split(",")
    assert "psnr_y" in header and "float_ssim" in header
    page = next(report.glob("*.html")).read_text()
    assert "BD-rate under PSNR-Y and SSIM" in page and "BD-rate PSNR-Y (%)" in page
    assert main([*argv, "--json"]) in (0, 1)
    data = json.loads(capsys.readouterr().out)
    assert {e["metric"] for e in data["bd"]} >= {"psnr_y", "float_ssim"}


def test_manifest_scale_per_encode_and_refusal(ladder, tmp_path):
    tmp, ref, manifest, _ = ladder
    text = (
        manifest.read_text()
        .replace(
            'point = "crf22"\nfile = "half-22.mkv"',
            'point = "crf22"\nfile = "half-22.mkv"\nscale = "lanczos"',
        )
        .replace("[comparison]\n", '[comparison]\nscale = "none"\n')
    )
    for name in ("half-22.mkv", "full-22.mkv", "half-28.mkv", "ref.y4m"):
        (tmp_path / name).write_bytes((tmp / name).read_bytes())
    edited = tmp_path / "edited.toml"
    edited.write_text(text.split("[[encode]]")[0] + "[[encode]]" + "[[encode]]".join(
        part for part in text.split("[[encode]]")[1:]
        if any(n in part for n in ("half-22.mkv", "full-22.mkv", "half-28.mkv"))
    ))  # fmt: skip
    outcome = run_comparison(
        edited, store=tmp_path / "s.jsonl", workers=1, progress=False, replicates=FEW
    )
    rows = {r.point + r.setting: r for r in outcome.comparison.rows}
    assert rows["crf22half"].ok  # its own scale wins over the comparison's "none"
    want = pyvmafneg.score(ref, tmp / "half-22.mkv", scale="lanczos", backend="libvmaf")
    assert rows["crf22half"].scores["vmaf"] == pytest.approx(want.pooled("vmaf").mean, abs=1e-9)
    assert not rows["crf28half"].ok and "128x96" in rows["crf28half"].error
    assert rows["crf22full"].ok
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('scale = "none"', 'scale = "cubic"'))
    with pytest.raises(pyvmafneg.errors.ManifestError, match="cubic"):
        run_comparison(bad, store=tmp_path / "b.jsonl", workers=1, progress=False)
    assert not (tmp_path / "b.jsonl").exists()


def test_rd_figure_has_psnr_and_ssim_panels(ladder):
    pytest.importorskip("matplotlib")
    from pyvmafneg.comparison._report import draw_rd_curves

    _, _, _, outcome = ladder
    png = draw_rd_curves(outcome.comparison, "cat")
    from io import BytesIO

    import matplotlib.image as mpimg

    image = mpimg.imread(BytesIO(png), format="png")
    height, width = image.shape[:2]
    assert height > width * 0.6, "four panels in two rows"
    assert np.asarray(image).size
