"""Series with infinite frames: PSNR-HVS of identical chroma planes is +inf in libvmaf.

A luma-only blur leaves the chroma planes identical; libvmaf (scored here, at test time)
writes +inf for their PSNR-HVS on every frame. Pooling and every summary of such a series
must say inf, not NaN, and raise no NumPy warning.
"""

from __future__ import annotations

import ast
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from helpers import blur
from media_helpers import clip, to_y4m

import pyvmafneg
from pyvmafneg import Scorer
from pyvmafneg._outputs import finite_or_none, json_text
from pyvmafneg.cli import main
from pyvmafneg.comparison._analysis import EncodeRow, analyse
from pyvmafneg.comparison._report import write_report
from pyvmafneg.demo._clips import map_frames
from pyvmafneg.io._sources import open_video
from pyvmafneg.results import block_bootstrap, block_length
from pyvmafneg.results._logs import read_log, to_xml, write_log
from pyvmafneg.results._result import PERCENTILES, format_text, format_value, percentile, pool

INF = math.inf


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    d = tmp_path_factory.mktemp("inf")
    ref = clip(3)
    ref_y4m = to_y4m(ref, d / "ref.y4m")
    dis_y4m = to_y4m(map_frames(ref, lambda p: blur(p, 1.2)), d / "dis.y4m")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = pyvmafneg.score(ref_y4m, dis_y4m, features=["psnr_hvs"], backend="libvmaf")
    return ref_y4m, dis_y4m, result


def test_percentiles_of_finite_series_are_numpys() -> None:
    rng = np.random.default_rng(3)
    for n in (1, 2, 3, 24, 101):
        x = rng.normal(80.0, 10.0, n)
        for q in (*PERCENTILES, 0.0, 37.5, 99.0, 100.0):
            assert percentile(x, q) == np.percentile(x, q), (n, q)


@pytest.mark.filterwarnings("error")
def test_percentiles_with_infinities() -> None:
    assert [percentile([INF] * 4, q) for q in (0.0, 1.0, 50.0, 100.0)] == [INF] * 4
    # ranks between finite frames interpolate as NumPy does; a rank reaching +inf is +inf
    x = np.array([30.0, 40.0, INF])
    assert percentile(x, 25.0) == np.percentile(x[:2], 50.0) == 35.0
    assert percentile(x, 50.0) == 40.0 and percentile(x, 50.1) == INF
    assert percentile([-INF, -INF, 3.0], 50.0) == -INF and percentile([-INF, 3.0], 50.0) == -INF
    assert math.isnan(percentile([-INF, INF], 50.0))
    assert math.isnan(percentile([1.0, math.nan, INF], 5.0))
    p = pool([INF, INF, INF])
    assert (p.mean, p.harmonic_mean, p.min, p.max, p.p1, p.p5, p.p50) == (INF,) * 7
    assert math.isnan(pool([-INF, INF]).mean)
    # a bootstrap interval: replicates that draw the +inf frame have a mean of +inf
    series = np.array([70.0, 71.0, 72.0, INF, 74.0, 75.0])
    i = block_bootstrap(series)
    assert i.block == 1 and block_length(series) == 1
    assert i.estimate == INF and i.high == INF and 70.0 < i.low < 75.0


@pytest.mark.filterwarnings("error")
def test_identical_chroma_pools_as_inf(pair: tuple) -> None:
    *_, result = pair
    for key in ("psnr_hvs_cb", "psnr_hvs_cr"):
        assert np.all(result[key] == INF), key  # libvmaf's own output
        p = result.pooled(key)
        assert (p.mean, p.harmonic_mean, p.min, p.max, p.p1, p.p5, p.p50) == (INF,) * 7
        i = result.interval(key)  # the bootstrap of the pooled mean
        assert (i.estimate, i.low, i.high) == (INF, INF, INF)
    y = result["psnr_hvs_y"]
    assert np.all(np.isfinite(y))
    assert result.pooled("psnr_hvs_y").p5 == np.percentile(y, 5.0)
    text = result.summary()
    line = next(s for s in text.splitlines() if s.strip().startswith("psnr_hvs_cb:"))
    assert line.split()[1:] == ["mean", "inf", "min", "inf", "p5", "inf", "max", "inf"]
    assert "nan" not in text
    # the JSON log stays JSON: non-finite numbers are null, as in libvmaf's logs
    log = json.loads(result.to_json())
    assert log["pooled_metrics"]["psnr_hvs_cb"] == dict.fromkeys(
        ("min", "max", "mean", "harmonic_mean")
    )
    assert all(f["metrics"]["psnr_hvs_cr"] is None for f in log["frames"])
    assert 'name="psnr_hvs_cb"' in to_xml(result)
    assert "psnr_hvs_cb" in result._repr_html_()


@pytest.mark.filterwarnings("error")
def test_score_command_prints_inf_without_a_warning(
    pair: tuple, capfd: pytest.CaptureFixture[str]
) -> None:
    ref, dis, _ = pair
    args = ["score", "-r", str(ref), "-d", str(dis), "-q", "--feature", "psnr_hvs"]
    code = main([*args, "--backend", "libvmaf"])
    out, err = capfd.readouterr()
    assert code == 0 and err == "", err
    line = next(s for s in out.splitlines() if s.strip().startswith("psnr_hvs_cr:"))
    assert "p5      inf" in line and "nan" not in out
    code = main([*args, "--json"])
    out, err = capfd.readouterr()
    assert code == 0 and err == ""
    assert json.loads(out)["pooled_metrics"]["psnr_hvs_cr"]["mean"] is None


def _strict_json(text: str) -> object:
    """Parse as JSON proper: ``NaN``, ``Infinity`` and ``-Infinity`` are not JSON."""

    def refuse(token: str) -> object:
        raise AssertionError(f"{token} in JSON output")

    return json.loads(text, parse_constant=refuse)


def _inf_rows(result: pyvmafneg.Result) -> list[EncodeRow]:
    """Two encodes whose pooled and per-frame scores carry libvmaf's +inf, unfiltered."""
    keys = ["vmaf", "vmaf_neg", "psnr_hvs_cb"]
    return [
        EncodeRow(
            source="s",
            codec="enc",
            setting="a",
            point=f"p{i}",
            bitrate_kbps=rate,
            scores={k: result.pooled(k).mean + i for k in keys},
            pooled={k: result.pooled(k).as_dict() for k in keys},
            frame_scores={k: [float(v) for v in result[k]] for k in keys},
            gap=result.pooled_gap,
        )
        for i, rate in enumerate((300.0, 600.0))
    ]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_every_json_writer_writes_json_with_null_for_inf(pair: tuple, tmp_path: Path) -> None:
    *_, result = pair
    raw = result.to_dict()  # the dict carries libvmaf's +inf as floats
    assert raw["frames"][0]["metrics"]["psnr_hvs_cb"] == INF
    with pytest.raises(ValueError):
        json.dumps(raw, allow_nan=False)
    # the score log (Result.to_json, write_log)
    log = _strict_json(result.to_json())
    assert log["frames"][0]["metrics"]["psnr_hvs_cb"] is None  # type: ignore[index]
    write_log(result, tmp_path / "log.json")
    _strict_json((tmp_path / "log.json").read_text())
    # the helper every other writer (compare --json, explain --json, demo.json) goes through
    data = _strict_json(json_text(raw))
    assert data["frames"][1]["metrics"]["psnr_hvs_cr"] is None  # type: ignore[index]
    assert data["frames"][1]["metrics"]["vmaf"] == result["vmaf"][1]  # type: ignore[index]
    assert finite_or_none(np.float32("inf")) is None and finite_or_none(2.5) == 2.5
    mixed = {"a": (np.array([INF, -INF, math.nan, 1.5]), np.float32(-INF), np.int64(3))}
    assert json_text(mixed, indent=None) == '{"a": [[null, null, null, 1.5], null, 3]}'
    # the check report
    report = pyvmafneg.check(result)
    assert _strict_json(report.to_json())["verdict"] == report.grade  # type: ignore[index]
    # the comparison report's comparison.json, from rows that keep the +inf
    comparison = analyse(_inf_rows(result))
    assert "Infinity" in json.dumps(comparison.as_dict())
    index = write_report(comparison, tmp_path / "report")
    saved = _strict_json((index.parent / "comparison.json").read_text())
    row = saved["rows"][0]  # type: ignore[index]
    assert row["pooled"]["psnr_hvs_cb"]["mean"] is None
    assert row["frame_scores"]["psnr_hvs_cb"] == [None] * len(result)


def test_csv_and_xml_logs_write_inf_as_libvmaf_does(pair: tuple, tmp_path: Path) -> None:
    """libvmaf's XML and CSV logs print every value with C's %.6f: +inf as ``inf``.

    libvmaf writes its own logs of the same clip here, at test time; ours write the
    infinite frames the same way, and the readers read back +inf, not NaN. The JSON
    log has no infinity: both write null, read back as NaN.
    """
    ref, dis, result = pair
    with Scorer(None, features=["psnr_hvs"]) as scorer:
        for r, d in zip(open_video(ref), open_video(dis), strict=True):
            scorer.feed(r, d)
        scorer.flush()
        for fmt in ("xml", "csv", "json"):
            scorer.write_libvmaf_log(str(tmp_path / f"libvmaf.{fmt}"), fmt)
    xml_libvmaf = (tmp_path / "libvmaf.xml").read_text()
    csv_libvmaf = (tmp_path / "libvmaf.csv").read_text()
    assert 'psnr_hvs_cb="inf"' in xml_libvmaf and 'mean="inf"' in xml_libvmaf
    ours_xml = to_xml(result)
    assert 'psnr_hvs_cb="inf"' in ours_xml and 'psnr_hvs_cr="inf"' in ours_xml
    assert '<metric name="psnr_hvs_cb" min="inf" max="inf" mean="inf" harmonic_mean="inf"' in (
        ours_xml
    )
    assert "nan" not in ours_xml
    column = csv_libvmaf.splitlines()[0].split(",").index("psnr_hvs_cb")
    assert {line.split(",")[column] for line in csv_libvmaf.splitlines()[1:]} == {"inf"}
    ours_csv = result.to_csv()
    column = ours_csv.splitlines()[0].split(",").index("psnr_hvs_cb")
    assert {line.split(",")[column] for line in ours_csv.splitlines()[1:]} == {"inf"}
    # round trip: what the writers write, the readers read back
    for fmt in ("xml", "csv", "json"):
        path = write_log(result, tmp_path / f"ours.{fmt}")
        for log in (read_log(path), read_log(tmp_path / f"libvmaf.{fmt}")):
            np.testing.assert_array_equal(log.frames, result.frames)
            for key in ("psnr_hvs_cb", "psnr_hvs_cr"):
                if fmt == "json":
                    assert np.all(np.isnan(log.metrics[key])), (fmt, key)
                else:
                    assert np.all(log.metrics[key] == INF), (fmt, key)
            y = log.metrics["psnr_hvs_y"]
            assert np.max(np.abs(y - result["psnr_hvs_y"])) <= 5e-7 + 1e-9
        pooled = read_log(path).pooled
        if fmt == "xml":
            assert pooled["psnr_hvs_cb"] == dict.fromkeys(
                ("min", "max", "mean", "harmonic_mean"), INF
            )
        elif fmt == "json":  # null pooled values are left out, as in libvmaf's JSON log
            assert (
                pooled["psnr_hvs_cb"]
                == {}
                == read_log(tmp_path / "libvmaf.json").pooled["psnr_hvs_cb"]
            )
    # -inf and NaN keep their own spelling, so inf and NaN no longer look alike
    assert format_text(-INF) == "-inf" and format_text(math.nan) == "nan"
    assert format_value(INF) is None and format_value(1e-7) == f"{1e-7:.16f}"


def test_every_json_dumps_of_the_package_refuses_nan() -> None:
    """No JSON the package writes can hold ``NaN`` or ``Infinity``.

    Every ``json.dumps`` call passes ``allow_nan=False`` (after
    :func:`~pyvmafneg._outputs.json_ready` has turned non-finite numbers into
    None), except the hash of a scored pair's options, which is hashed, not written.
    """
    package = Path(pyvmafneg.__file__).parent
    loose = set()
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("dumps", "dump")
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "json"
                ):
                    continue
                refused = any(
                    k.arg == "allow_nan"
                    and isinstance(k.value, ast.Constant)
                    and k.value.value is False
                    for k in node.keywords
                )
                if not refused:
                    loose.add(f"{path.relative_to(package)}:{func.name}")
    assert loose == {"results/_store.py:pair_key"}, loose  # hashed, never written
