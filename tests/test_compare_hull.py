"""Ladders compared as the industry compares them: convex hulls across resolutions.

A four-rung ladder (full, 2/3, 1/2 and 1/3 of a 384x216 source, each scaled
down with bicubic, two CRFs per rung) for libx264 and libx265, one series per
codec, scored through the manifest. The hull and the BD values between hulls
are checked against an independent computation made here: the rung
interpolation written out again, the hull by brute force over every point
(no point that a single other point or a mix of two others beats), and the
BD values by the ``bjontegaard`` package. Scores come from libvmaf at test
time (x264 output differs between CPUs).
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import random

import numpy as np
import pytest
from media_helpers import ffmpeg, to_y4m

from pyvmafneg.cli import main
from pyvmafneg.comparison import run_comparison
from pyvmafneg.comparison._analysis import EncodeRow, analyse, to_text
from pyvmafneg.comparison._hull import hull_indices
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.errors import LadderError, ManifestError

W, H = 384, 216
RUNGS = {"216p": (384, 216), "144p": (256, 144), "108p": (192, 108), "72p": (128, 72)}
CRFS = (26, 32)
METRICS = ("vmaf", "vmaf_neg", "psnr_y", "float_ssim")
CODECS = {"x264": "libx264", "x265": "libx265"}

#: BD bootstrap replicates (the fewest allowed): these tests examine hulls, ladders and
#: outputs, not the intervals (tests/test_compare.py and test_compare_intervals.py do).
FEW = 100


# -- the independent computation --------------------------------------------------------


def brute_force_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points that no other point, and no mix of two other points, beats or equals."""
    keep = []
    for i, (rp, sp) in enumerate(points):
        others = [q for j, q in enumerate(points) if j != i]
        beaten = any(rq <= rp and sq >= sp for rq, sq in others)
        for (ra, sa), (rb, sb) in itertools.combinations(others, 2):
            if beaten:
                break
            (ra, sa), (rb, sb) = sorted([(ra, sa), (rb, sb)])
            if ra < rp < rb:
                chord = sa + (sb - sa) * (rp - ra) / (rb - ra)
                beaten = chord >= sp
        if not beaten:
            keep.append((rp, sp))
    return sorted(keep)


def rung_points(points: list[tuple[float, float]], pieces: int = 8) -> list[tuple[float, float]]:
    """A rung's points with 7 points linear in (log10 rate, score) between neighbours."""
    pts = sorted(points)
    out = []
    for (r0, s0), (r1, s1) in zip(pts, pts[1:], strict=False):
        t = np.arange(pieces) / pieces
        rates = 10 ** (np.log10(r0) + t * (np.log10(r1) - np.log10(r0)))
        out += list(zip(rates.tolist(), (s0 + t * (s1 - s0)).tolist(), strict=True))
    return out + pts[-1:]


def independent_curve(rows, series: str, metric: str) -> list[tuple[float, float]]:
    """Every rung interpolated, pooled, and the brute-force hull of them all."""
    pooled = []
    for res in {r.resolution for r in rows if r.series == series}:
        rung = [r for r in rows if r.series == series and r.resolution == res]
        pooled += rung_points([(r.bitrate_kbps, r.scores[metric]) for r in rung])
    return brute_force_hull(pooled)


# -- media ---------------------------------------------------------------------------------


def _ladder_manifest(tmp, ref, entries, anchor="x264 ladder"):
    lines = [
        f'[comparison]\nanchor = "{anchor}"\n',
        f'[[reference]]\nname = "cat"\nfile = "{ref.name}"\n',
    ]
    for codec, setting, point, name in entries:
        lines.append(
            f'[[encode]]\nreference = "cat"\ncodec = "{codec}"\nsetting = "{setting}"\n'
            f'point = "{point}"\nfile = "{name}"\n'
        )
    manifest = tmp / f"{anchor.replace(' ', '_')}.toml"
    manifest.write_text("\n".join(lines))
    return manifest


def _encode(ref, out, size, crf, codec, pre=""):
    extra = ["-x265-params", "log-level=error"] if codec == "libx265" else []
    ffmpeg("-i", str(ref), "-vf", f"{pre}scale={size[0]}:{size[1]}:flags=bicubic",
           "-c:v", codec, "-preset", "ultrafast", "-crf", str(crf), *extra, str(out))  # fmt: skip


@pytest.fixture(scope="module")
def ladder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hull")
    ref = to_y4m(natural_clip("chelsea", frames=4, width=W, height=H), tmp / "ref.y4m")
    entries = []
    for codec, lib in CODECS.items():
        for rung, size in RUNGS.items():
            for crf in CRFS:
                name = f"{codec}-{rung}-{crf}.mkv"
                _encode(ref, tmp / name, size, crf, lib)
                entries.append((codec, "ladder", f"{rung}_{crf}", name))
    manifest = _ladder_manifest(tmp, ref, entries)
    outcome = run_comparison(
        manifest, store=tmp / "store.jsonl", workers=1, progress=False, replicates=FEW
    )
    return tmp, ref, manifest, outcome


# -- the hull itself ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_hull_equals_brute_force_on_random_points(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 14)
    pts = [(rng.choice([100, 150, 200, 300]) * rng.random() + 1, rng.randint(0, 20) * 5.0)]
    pts += [(round(rng.uniform(50, 2000), 1), round(rng.uniform(20, 99), 1)) for _ in range(n)]
    pts = list(dict.fromkeys(pts))  # identical points: the brute force would drop both
    got = sorted(pts[i] for i in hull_indices(pts))
    assert got == brute_force_hull(pts)


def test_hull_drops_points_on_a_chord_and_ties():
    pts = [(100, 50.0), (200, 60.0), (300, 70.0), (300, 65.0), (400, 70.0)]
    # (200, 60) lies on the chord from (100, 50) to (300, 70); (300, 65) and (400, 70) lose.
    assert hull_indices(pts) == [0, 2]


# -- the ladder of the issue -------------------------------------------------------------


def test_every_rung_knows_its_resolution(ladder):
    _, _, _, outcome = ladder
    rows = outcome.comparison.rows
    assert all(r.ok for r in rows), [r.error for r in rows if not r.ok]
    sizes = {f"{w}x{h}" for w, h in RUNGS.values()}
    assert {r.resolution for r in rows} == sizes
    assert all((r.width, r.height) == (W, H) for r in rows)  # scored at the source size
    assert outcome.comparison.is_ladder("cat", "x264 ladder")


def test_bd_between_hulls_under_all_four_metrics_matches_an_independent_computation(ladder):
    bjontegaard = pytest.importorskip("bjontegaard")
    _, _, _, outcome = ladder
    c = outcome.comparison
    assert list(c.metrics) == list(METRICS)
    for metric in METRICS:
        a = independent_curve(c.rows, "x264 ladder", metric)
        t = independent_curve(c.rows, "x265 ladder", metric)
        np.testing.assert_allclose(c.bd_curve("cat", "x264 ladder", metric), a, rtol=1e-12)
        np.testing.assert_allclose(c.bd_curve("cat", "x265 ladder", metric), t, rtol=1e-12)
        e = c.entry("cat", "x265 ladder", metric)
        assert e is not None and e.bd_rate is not None and e.bd_quality is not None, e
        args = ([p[0] for p in a], [p[1] for p in a], [p[0] for p in t], [p[1] for p in t])
        want_rate = bjontegaard.bd_rate(
            *args, method="pchip", min_overlap=0, require_matching_points=False
        )
        want_quality = bjontegaard.bd_psnr(
            *args, method="pchip", min_overlap=0, require_matching_points=False
        )
        assert e.bd_rate == pytest.approx(want_rate, rel=1e-6, abs=1e-6), metric
        assert e.bd_quality == pytest.approx(want_quality, rel=1e-6, abs=1e-6), metric
        # The encodes on the hull are the brute-force hull of the encodes alone.
        for series in ("x264 ladder", "x265 ladder"):
            h = c.hull("cat", series, metric)
            pts = [(r.bitrate_kbps, r.scores[metric]) for r in c.rows if r.series == series]
            assert sorted(h.points) == brute_force_hull(pts)


def test_plain_ladder_has_no_hull_shift(ladder):
    _, _, _, outcome = ladder
    c = outcome.comparison
    assert not [f for f in c.flags if f.kind == "hull_shift"]
    assert c.hull_shifts == []
    for series in ("x264 ladder", "x265 ladder"):
        assert c.hull("cat", series, "vmaf").encodes == c.hull("cat", series, "vmaf_neg").encodes


@pytest.mark.slow
def test_text_html_json_csv_carry_the_hull_bd_and_the_ladder(ladder, tmp_path, capsys):
    tmp, _, manifest, outcome = ladder
    c = outcome.comparison
    argv = ["compare", str(manifest), "--store", str(tmp / "store.jsonl"), "--quiet",
            "--ladder-targets", "200,400,800,1600", "--ladder-quality", "80,90"]  # fmt: skip
    csv_path = tmp_path / "rows.csv"
    code = main([*argv, "--report", str(tmp_path / "rep"), "--csv", str(csv_path)])
    text = capsys.readouterr().out
    assert code in (0, 1)
    for metric in METRICS:
        e = c.entry("cat", "x265 ladder", metric)
        assert f"{e.bd_rate:+.2f}%" in text, metric
    assert "convex hulls of ladders" in text and "ladder suggestion" in text
    assert "n/a%" not in text
    bd_rows = list(csv.DictReader((tmp_path / "rows.bd.csv").open()))
    for metric in METRICS:
        row = next(r for r in bd_rows if r["source"] == "cat" and r["metric"] == metric)
        assert row["curve"] == "hull"
        assert float(row["bd_rate_percent"]) == c.entry("cat", "x265 ladder", metric).bd_rate
    picks = list(csv.DictReader((tmp_path / "rows.ladder.csv").open()))
    assert len(picks) == 2 * 2 * (4 + 2)  # series x models x targets
    rows = list(csv.DictReader(csv_path.open()))
    assert {r["resolution"] for r in rows} == {f"{w}x{h}" for w, h in RUNGS.values()}
    assert {r["hull_vmaf"] for r in rows} == {"yes", "no"}
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "Ladders: convex hulls under both models" in page and "Ladder suggestion" in page
    assert _rate(c.entry("cat", "x265 ladder", "vmaf").bd_rate) in page
    assert main([*argv, "--json"]) in (0, 1)
    data = json.loads(capsys.readouterr().out)
    assert {(h["series"], h["metric"]) for h in data["hulls"]} == {
        (s, m) for s in ("x264 ladder", "x265 ladder") for m in METRICS
    }
    bd = {e["metric"]: e["bd_rate"] for e in data["bd"] if e["source"] == "cat"}
    assert bd == {m: c.entry("cat", "x265 ladder", m).bd_rate for m in METRICS}
    assert len(data["ladder"]) == 24


def _rate(value: float) -> str:
    return f"{value:+.2f} %" if abs(value) < 1 else f"{value:+.1f} %"


def test_ladder_pick_is_the_nearest_hull_encode(ladder):
    _, _, _, outcome = ladder
    c = outcome.comparison
    picks = c.suggest_ladder([250], [85])
    for p in picks:
        h = c.hull(p.source, p.series, p.metric)
        if p.unit == "kbps":
            best = min(h.points, key=lambda q: abs(math.log(q[0] / 250)))
        else:
            best = min(h.points, key=lambda q: abs(q[1] - 85))
        assert (p.kbps, p.score) == best


def test_sharpened_low_rungs_move_the_default_hull_not_the_neg_hull(ladder, tmp_path):
    """Pre-sharpening every rung below the top lifts default VMAF onto other rungs."""
    tmp, ref, _, plain = ladder
    entries = []
    for rung, size in RUNGS.items():
        for crf in CRFS:
            name = f"x264-{rung}-{crf}.mkv"
            if rung != "216p":
                name = f"sharp-{rung}-{crf}.mkv"
                _encode(ref, tmp / name, size, crf, "libx264", pre="unsharp=5:5:1.5,")
            entries.append(("x264", "sharp-low", f"{rung}_{crf}", name))
    manifest = _ladder_manifest(tmp, ref, entries, anchor="x264 sharp-low")
    c = run_comparison(
        manifest, store=tmp / "store.jsonl", workers=1, progress=False, replicates=FEW
    ).comparison
    p = plain.comparison
    before = {m: p.hull("cat", "x264 ladder", m).encodes for m in ("vmaf", "vmaf_neg")}
    after = {m: c.hull("cat", "x264 sharp-low", m).encodes for m in ("vmaf", "vmaf_neg")}
    assert after["vmaf"] != before["vmaf"], (before, after)
    assert after["vmaf_neg"] == before["vmaf_neg"], (before, after)
    flags = [f for f in c.flags if f.kind == "hull_shift"]
    assert len(flags) == 1 and flags[0].series == "x264 sharp-low"
    (shift,) = c.hull_shifts
    assert shift.default_hull == after["vmaf"] and shift.neg_hull == after["vmaf_neg"]
    assert shift.choices
    rows = {r.point: r for r in c.rows}
    for ch in shift.choices:
        # Each model's pick is the best hull encode it can afford at that rate ...
        for model, pick in (("vmaf", ch["default_pick"]), ("vmaf_neg", ch["neg_pick"])):
            h = c.hull("cat", "x264 sharp-low", model)
            affordable = [q for q in h.points if q[0] <= ch["kbps"]] or h.points[:1]
            r = rows[pick.split(" at ")[0]]
            assert (r.bitrate_kbps, r.scores[model]) == max(affordable)
        # ... and the cost is stated in the other model's terms.
        d = rows[ch["default_pick"].split(" at ")[0]]
        n = rows[ch["neg_pick"].split(" at ")[0]]
        assert ch["default_pick_neg"] == d.scores["vmaf_neg"]
        assert ch["neg_pick_neg"] == n.scores["vmaf_neg"]
    first = shift.choices[0]
    assert f"at {first['kbps']:.0f} kbps default VMAF picks {first['default_pick']}" in (
        flags[0].message
    )
    assert f"VMAF-NEG picks {first['neg_pick']}" in flags[0].message
    assert "hull_shift" in {f.kind for f in c.flags}
    text = to_text(c)
    assert "hull shift, cat: x264 sharp-low:" in text
    # The report lists the ladder's encodes and shades the rungs on one model's hull only.
    from pyvmafneg.comparison._report import render_html

    page = render_html(c, figures={})
    changed = set(shift.default_hull) ^ set(shift.neg_hull)
    assert page.count('<tr class="shift">') == len(changed) > 0
    assert "Hull shift" in page and first["default_pick"] in page


# -- a series at one resolution behaves as before ----------------------------------------


def _rows(series_points, resolution=None, fps=25.0):
    return [
        EncodeRow(source="a", codec="x", setting=s, point=p, bitrate_kbps=r, fps=fps,
                  scores={"vmaf": v, "vmaf_neg": v - 1}, resolution=res or resolution)
        for s, p, r, v, res in series_points
    ]  # fmt: skip


def test_single_resolution_series_keeps_every_point():
    pts = [("a", f"p{i}", r, v, "64x64") for i, (r, v) in enumerate(
        [(100, 50.0), (200, 80.0), (300, 82.0), (400, 95.0)])]  # fmt: skip
    pts += [("b", p, r * 0.9, v, "64x64") for _, p, r, v, _ in [*pts]]
    c = analyse(_rows(pts))
    assert c.hulls == [] and not c.is_ladder("a", "x a")
    assert c.bd_curve("a", "x a", "vmaf") == c.curve("a", "x a", "vmaf")
    assert c.entry("a", "x b", "vmaf").bd_rate == pytest.approx(-10.0)


def test_series_dominated_but_one_point_is_na_with_the_reason():
    good = [("a", f"p{i}", r, v, "64x64") for i, (r, v) in enumerate(
        [(100, 50.0), (200, 60.0), (300, 70.0), (400, 80.0)])]  # fmt: skip
    bad = [("b", "top", 90.0, 99.0, "64x64"), ("b", "low1", 150.0, 60.0, "32x32"),
           ("b", "low2", 300.0, 70.0, "32x32"), ("b", "low3", 500.0, 90.0, "64x64")]  # fmt: skip
    c = analyse(_rows([*good, *bad]))
    e = c.entry("a", "x b", "vmaf")
    assert e.bd_rate is None
    assert "is one point" in e.problem and "dominated by top at 64x64" in e.problem
    assert "n/a%" not in to_text(c)


def test_hull_with_too_few_points_is_na():
    good = [("a", f"p{i}", r, v, "64x64") for i, (r, v) in enumerate(
        [(100, 50.0), (200, 60.0), (300, 70.0), (400, 80.0)])]  # fmt: skip
    two = [("b", "hi", 300.0, 80.0, "64x64"), ("b", "lo", 100.0, 50.0, "32x32")]
    c = analyse(_rows([*good, *two]))
    e = c.entry("a", "x b", "vmaf")
    assert e.bd_rate is None and "has 2 point(s)" in e.problem and "need at least 4" in e.problem


def test_cli_refuses_a_series_at_two_frame_rates_in_one_line(ladder, tmp_path, capsys):
    tmp, ref, _, _ = ladder
    fast = tmp_path / "fast.mkv"
    ffmpeg("-r", "30", "-i", str(ref), "-vf", "scale=128:72:flags=bicubic",
           "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", str(fast))  # fmt: skip
    (tmp_path / "slow.mkv").write_bytes((tmp / "x264-108p-26.mkv").read_bytes())
    (tmp_path / ref.name).write_bytes(ref.read_bytes())
    manifest = _ladder_manifest(
        tmp_path, tmp_path / ref.name,
        [("x264", "ladder", "slow", "slow.mkv"), ("x264", "ladder", "fast", "fast.mkv")],
    )  # fmt: skip
    code = main(["compare", str(manifest), "--store", str(tmp_path / "s.jsonl"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "different frame rates" in err and "30 fps" in err and "25 fps" in err


def test_one_series_at_two_frame_rates_is_refused():
    pts = [("a", "p1", 100.0, 50.0, "64x64"), ("a", "p2", 200.0, 60.0, "32x32")]
    rows = _rows(pts)
    rows[1].fps = 30.0
    with pytest.raises(LadderError, match="different frame rates") as info:
        analyse(rows)
    assert info.value.series == "x a" and "25 fps" in str(info.value)


def test_average_over_fewer_sources_says_so():
    base = [(100, 50.0), (200, 60.0), (300, 70.0), (400, 80.0)]
    rows = []
    for source in ("s1", "s2", "s3"):
        for i, (r, v) in enumerate(base):
            rows.append(EncodeRow(source, "x", "a", f"p{i}", bitrate_kbps=r,
                                  scores={"vmaf": v, "vmaf_neg": v}))  # fmt: skip
            if source == "s1":
                rows.append(EncodeRow(source, "x", "b", f"p{i}", bitrate_kbps=r * 0.8,
                                      scores={"vmaf": v, "vmaf_neg": v}))  # fmt: skip
    text = to_text(analyse(rows))
    assert "mean of 1/3" in text and "(1/3)" in text
    assert "n/a%" not in text and "n/a" in text


# -- bad input ----------------------------------------------------------------------------


def test_rung_larger_than_the_reference_is_refused(ladder, tmp_path):
    tmp, ref, _, _ = ladder
    big = tmp_path / "big.mkv"
    _encode(ref, big, (W * 2, H * 2), 30, "libx264")
    small = to_y4m(natural_clip("chelsea", frames=4, width=W, height=H), tmp_path / "ref.y4m")
    manifest = _ladder_manifest(tmp_path, small, [("x264", "ladder", "big", big.name)])
    outcome = run_comparison(manifest, store=tmp_path / "s.jsonl", workers=1, progress=False)
    row = outcome.comparison.rows[0]
    assert not row.ok and "LadderError" in row.error
    assert f"{2 * W}x{2 * H}, larger than its reference {W}x{H}" in row.error


def test_manifest_resolution_is_checked_against_the_file(ladder, tmp_path):
    tmp, ref, manifest, _ = ladder
    text = manifest.read_text().replace(
        'file = "x264-72p-26.mkv"', 'file = "x264-72p-26.mkv"\nresolution = "640x360"'
    )
    edited = tmp / "edited-resolution.toml"
    edited.write_text(text)
    outcome = run_comparison(
        edited, store=tmp_path / "s.jsonl", workers=1, progress=False, replicates=FEW
    )
    bad = [r for r in outcome.comparison.rows if not r.ok]
    assert [r.point for r in bad] == ["72p_26"]
    assert "resolution 640x360 but" in bad[0].error and "is 128x72" in bad[0].error


@pytest.mark.parametrize("table", ["encode", "reference"])
def test_unknown_keys_in_entries_are_refused(ladder, table):
    tmp, _, manifest, _ = ladder
    text = manifest.read_text().replace(f"[[{table}]]\n", f"[[{table}]]\nbitrate_kpbs = 5\n", 1)
    edited = tmp / f"typo-{table}.toml"
    edited.write_text(text)
    with pytest.raises(ManifestError, match=rf"unknown key 'bitrate_kpbs' in \[\[{table}\]\]"):
        run_comparison(edited, store=tmp / "never.jsonl", workers=1, progress=False)


def test_reference_that_is_a_directory_says_so(ladder, tmp_path):
    tmp, _, manifest, _ = ladder
    (tmp / "folder").mkdir(exist_ok=True)
    edited = tmp / "dir-ref.toml"
    edited.write_text(manifest.read_text().replace('file = "ref.y4m"', 'file = "folder"'))
    with pytest.raises(ManifestError, match="is a directory"):
        run_comparison(edited, store=tmp_path / "s.jsonl", workers=1, progress=False)
