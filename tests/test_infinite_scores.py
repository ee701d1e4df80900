"""Series with infinite frames: PSNR-HVS of identical chroma planes is +inf in libvmaf.

A luma-only blur leaves the chroma planes identical; libvmaf (scored here, at test time)
writes +inf for their PSNR-HVS on every frame. Pooling and every summary of such a series
must say inf, not NaN, and raise no NumPy warning.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from helpers import blur
from media_helpers import clip, to_y4m

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import map_frames
from pyvmafneg.results import block_bootstrap, block_length
from pyvmafneg.results._logs import to_xml
from pyvmafneg.results._result import PERCENTILES, percentile, pool

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
