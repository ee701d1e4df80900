"""Data frames and notebook display of results, check reports and comparisons.

Every number is libvmaf's, computed here: the frames of ``to_pandas()`` must be
the result's own arrays (exact doubles), and a comparison loaded from its
manifest or its store must equal the one :func:`run_comparison` returned.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import pyvmafneg
from pyvmafneg.comparison import load, rd_figure, run_comparison
from pyvmafneg.demo import build_sample_comparison, map_frames, natural_clip, unsharp_mask
from pyvmafneg.results import figure_result

pd = pytest.importorskip("pandas")
matplotlib_figure = pytest.importorskip("matplotlib.figure")


@pytest.fixture(scope="module")
def sharpened_result():
    clip = natural_clip("astronaut", frames=5, width=176, height=144)
    dis = map_frames(clip, lambda y: unsharp_mask(y, amount=1.5))
    return pyvmafneg.score(clip, dis, clip=False, backend="libvmaf", features=["psnr"])


def test_result_to_pandas_is_one_row_per_frame_one_column_per_series(sharpened_result):
    result = sharpened_result
    frame = result.to_pandas()
    assert list(frame.columns) == result.keys()
    assert frame.index.name == "frame"
    assert frame.index.to_numpy().tolist() == result.frames.tolist()
    for key in result.keys():
        assert frame[key].to_numpy().tobytes() == result[key].tobytes()
    assert frame.attrs["default_model"] == "vmaf" and frame.attrs["neg_model"] == "vmaf_neg"
    gap = frame[frame.attrs["default_model"]] - frame[frame.attrs["neg_model"]]
    assert gap.to_numpy().tobytes() == result.gap.tobytes()
    assert frame["vmaf"].mean() == pytest.approx(result.pooled("vmaf").mean, rel=1e-15)


def test_result_html_has_the_pooled_table_and_the_plot(sharpened_result, monkeypatch):
    result = sharpened_result
    page = result._repr_html_()
    assert "<table>" in page and "data:image/png;base64," in page
    assert f"{result.pooled('vmaf_neg').mean:.4f}" in page
    assert f"{result.pooled_gap:+.4f}" in page
    assert "psnr_y" in page
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    bare = result._repr_html_()
    assert "<table>" in bare and "<img" not in bare


def test_without_pandas_to_pandas_says_what_to_install(sharpened_result, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(pyvmafneg.MissingDependencyError) as info:
        sharpened_result.to_pandas()
    assert info.value.package == "pandas" and info.value.extra == "pandas"
    assert "pyvmafneg[pandas]" in str(info.value)


def test_check_report_to_pandas_and_html(sharpened_result):
    report = pyvmafneg.check(sharpened_result)
    frame = report.to_pandas()
    assert frame.index.to_numpy().tolist() == report.frames.tolist()
    assert frame["vmaf"].to_numpy().tobytes() == report.default_scores.tobytes()
    assert frame["vmaf_neg"].to_numpy().tobytes() == report.neg_scores.tobytes()
    assert frame["gap"].to_numpy().tobytes() == report.gap.tobytes()
    assert report.ceiling is not None
    assert frame["ceiling"].to_numpy().tobytes() == report.ceiling.tobytes()
    above = frame.index[frame["above_ceiling"]].to_numpy()
    assert above.tolist() == sorted(report.frames_above_ceiling.tolist())
    assert frame.attrs["grade"] == report.grade == "flagged"
    page = report._repr_html_()
    assert report.verdict.split(":")[0] in page
    for evidence in report.evidence:
        assert evidence.code in page
    assert "data:image/png;base64," in page


def test_figure_functions_return_matplotlib_figures(sharpened_result, tmp_path):
    fig = figure_result(sharpened_result, threshold=3.25)
    assert isinstance(fig, matplotlib_figure.Figure)
    assert len(fig.axes) == 2
    line = fig.axes[0].lines[0]
    assert line.get_ydata().tolist() == sharpened_result["vmaf"].tolist()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    manifest = build_sample_comparison(folder, sources=["coffee"], frames=6)
    outcome = run_comparison(manifest, workers=1, progress=False)
    return manifest, outcome


@pytest.mark.slow
def test_comparison_loads_from_its_manifest_and_its_store(sample):
    manifest, outcome = sample
    ran = outcome.comparison
    loaded = load(manifest)
    assert loaded.anchor == ran.anchor
    assert [r.as_dict() for r in loaded.rows] == [r.as_dict() for r in ran.rows]
    assert loaded.bd == ran.bd
    assert [f.as_dict() for f in loaded.flags] == [f.as_dict() for f in ran.flags]
    # A store holds one row per scored pair (a pair listed in two series is stored once):
    # every pair comes back with the scores the run gave it.
    stored = load(outcome.store)
    by_key = {r.key: r for r in ran.rows}
    assert {r.key for r in stored.rows} == set(by_key)
    for row in stored.rows:
        assert row.scores == by_key[row.key].scores and row.gap == by_key[row.key].gap


@pytest.mark.slow
def test_comparison_tables(sample):
    _, outcome = sample
    comparison = outcome.comparison
    encodes = comparison.to_pandas()
    assert len(encodes) == len(comparison.rows)
    for metric in comparison.metrics:
        assert encodes[metric].tolist() == [r.scores[metric] for r in comparison.rows]
    assert encodes["verdict"].tolist() == [r.verdict for r in comparison.rows]
    bd = comparison.to_pandas("bd")
    assert len(bd) == len(comparison.bd)
    row = bd[(bd.source == "all sources") & (bd.metric == "vmaf_neg")].iloc[0]
    entry = comparison.entry("all sources", row.test, "vmaf_neg")
    assert row.bd_rate == entry.bd_rate and row.bd_quality == entry.bd_quality
    flags = comparison.to_pandas("flags")
    assert flags["kind"].tolist() == [f.kind for f in comparison.flags]
    with pytest.raises(pyvmafneg.OptionError, match="unknown table"):
        comparison.to_pandas("nonesuch")


@pytest.mark.slow
def test_comparison_html_and_figure(sample):
    _, outcome = sample
    comparison = outcome.comparison
    page = comparison._repr_html_()
    entry = comparison.entry("all sources", "x264 sharpened", "vmaf_neg")
    assert f"{entry.bd_rate:+.2f}%" in page
    assert "data:image/png;base64," in page
    fig = rd_figure(comparison, "coffee")
    assert isinstance(fig, matplotlib_figure.Figure)
    assert np.isfinite(entry.bd_rate)


def test_loading_a_store_without_the_encodes_says_so(tmp_path):
    with pytest.raises(pyvmafneg.ManifestError, match="holds no scored encode"):
        load(tmp_path / "empty.results.jsonl")
