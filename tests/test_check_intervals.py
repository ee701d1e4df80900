"""``check`` reports the block-bootstrap intervals of both pooled scores and of the gap.

The clip is scored with libvmaf at test time (a natural-content pan against
its sharpened copy); the intervals ``check`` reports must be exactly those
of :func:`pyvmafneg.results.block_bootstrap` on the same series (whose
statistics are checked on synthetic data with known answers in
``tests/test_intervals.py``), at the level and replicates asked for, in the
text report, the JSON report and from the command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.errors import OptionError
from pyvmafneg.io._frame import Frame
from pyvmafneg.results import block_bootstrap, load_logs
from pyvmafneg.verdict._check import check


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> tuple[pyvmafneg.Result, Path]:
    ref = natural_clip("chelsea", frames=12, width=160, height=120)
    dis = []
    for f in ref:
        y = f.luma.astype(np.float64)
        y = np.clip(np.rint(y + 1.2 * (y - ndimage.gaussian_filter(y, 1.0))), 0, 255)
        dis.append(Frame((y.astype(np.uint8), *f.planes[1:]), 8, f.pixel_format))
    result = pyvmafneg.score(ref, dis, backend="libvmaf", clip=False)
    log = tmp_path_factory.mktemp("check_intervals") / "log.json"
    result.write(log)
    return result, log


def test_report_intervals_are_the_block_bootstrap_of_its_series(scored) -> None:  # type: ignore[no-untyped-def]
    result, _ = scored
    report = check(result)
    assert set(report.intervals) == {"vmaf", "vmaf_neg", "gap"}
    for key in ("vmaf", "vmaf_neg"):
        assert report.intervals[key] == block_bootstrap(result.scores[key])
        assert report.intervals[key].estimate == report.intervals[key].estimate
    gaps = report.credit.total if report.credit is not None else result.gap
    assert report.intervals["gap"] == block_bootstrap(gaps)
    assert report.intervals["gap"].estimate == pytest.approx(report.tested_gap, abs=1e-9)
    g = report.intervals["gap"]
    assert g.low <= g.estimate <= g.high and g.level == 0.95 and g.replicates == 2000
    line = next(s for s in report.to_text().splitlines() if s.startswith("95% intervals"))
    d = report.intervals["vmaf"]
    assert f"vmaf [{d.low:.2f}, {d.high:.2f}]" in line
    assert f"tested gap [{g.low:+.2f}, {g.high:+.2f}]" in line
    assert f"blocks of {g.block}, 2000 replicates" in line
    data = report.as_dict()["intervals"]
    assert data["gap"]["low"] == round(g.low, 6) and data["gap"]["block"] == g.block
    # the grade does not depend on the intervals
    assert report.grade == check(result, level=0.5, replicates=100).grade


def test_level_and_replicates(scored) -> None:  # type: ignore[no-untyped-def]
    result, _ = scored
    report = check(result, level=0.8, replicates=300)
    assert report.intervals["vmaf_neg"] == block_bootstrap(
        result.scores["vmaf_neg"], level=0.8, replicates=300
    )
    assert report.to_text().count("80% intervals of the means") == 1
    narrow, wide = report.intervals["gap"], check(result, level=0.99).intervals["gap"]
    assert wide.low <= narrow.low and narrow.high <= wide.high
    for bad in (
        {"level": 1.0},
        {"level": 0.0},
        {"level": True},
        {"replicates": 99},
        {"replicates": 10**12},
    ):
        with pytest.raises(OptionError):
            check(result, **bad)  # type: ignore[arg-type]


def test_one_frame_has_no_interval(scored) -> None:  # type: ignore[no-untyped-def]
    result, _ = scored
    one = pyvmafneg.Result(
        frames=result.frames[:1],
        scores={k: v[:1] for k, v in result.scores.items()},
        features={k: v[:1] for k, v in result.features.items()},
        clipped=False,
        default_model="vmaf",
        neg_model="vmaf_neg",
    )
    report = check(one)
    assert report.intervals == {}
    assert "intervals of the means" not in report.to_text()
    assert report.as_dict()["intervals"] == {}


def test_cli_text_and_json(scored, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    result, log = scored
    code = main(["check", str(log)])
    out = capsys.readouterr().out
    expected = check(load_logs([str(log)]).result)
    g = expected.intervals["gap"]
    assert code in (0, 1)
    assert f"tested gap [{g.low:+.2f}, {g.high:+.2f}]" in out
    code = main(["check", str(log), "--json", "--interval-level", "0.9", "--replicates", "500"])
    data = json.loads(capsys.readouterr().out)["intervals"]
    ref = check(load_logs([str(log)]).result, level=0.9, replicates=500).intervals
    for key in ("vmaf", "vmaf_neg", "gap"):
        assert data[key]["level"] == 0.9 and data[key]["replicates"] == 500
        assert data[key]["low"] == round(ref[key].low, 6)
        assert data[key]["high"] == round(ref[key].high, 6)
    code = main(["check", str(log), "--interval-level", "1.5"])
    err = capsys.readouterr().err
    errors = [s for s in err.splitlines() if "error:" in s]
    assert code == 2 and len(errors) == 1 and "--interval-level 0.95" in errors[0]
    with pytest.raises(OptionError, match="level=0.95"):
        check(result, level=2.0)


def test_score_check_takes_the_interval_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pyvmafneg.io import write_y4m

    ref = natural_clip("chelsea", frames=6, width=96, height=64)
    write_y4m(ref, tmp_path / "a.y4m")
    write_y4m(ref[::-1], tmp_path / "b.y4m")
    argv = ["score", "-r", str(tmp_path / "a.y4m"), "-d", str(tmp_path / "b.y4m")]
    # refused before anything is scored
    code = main([*argv, "--check", "--replicates", "50", "--model-intervals"])
    captured = capsys.readouterr()
    assert code == 2 and "frames scored" not in captured.out
    assert "--replicates 2000" in captured.err
    code = main([*argv, "--check", "--interval-level", "0.8", "--model-intervals", "-q"])
    out = capsys.readouterr().out
    result = pyvmafneg.score(tmp_path / "a.y4m", tmp_path / "b.y4m", model_intervals=True)
    report = check(result, level=0.8)
    g = report.intervals["gap"]
    assert code == report.exit_code
    assert "80% intervals of the means: vmaf [" in out
    assert f"tested gap [{g.low:+.2f}, {g.high:+.2f}]" in out
    assert result._model_interval_lines()[1] in out
