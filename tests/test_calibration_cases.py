"""Cases the calibrated verdict must get right, from files in the repository (nothing fetched).

ffmpeg-quality-metrics' own test pair (``tests/data/ffmpeg-quality-metrics``, MIT,
copied with its licence): a 3-frame 854x480 encode against its 1280x720
reference, scored as that tool scores it (the encode scaled bicubic to the
reference size). Default VMAF is about 14 and the gap about 8.7 points; nothing
suggests enhancement (a very-low-rate upscaled rung), and it must not be flagged.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from media_helpers import FFMPEG

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.results import load_logs
from pyvmafneg.verdict import _rule
from pyvmafneg.verdict._check import check

DATA = Path(__file__).parent / "data" / "ffmpeg-quality-metrics"
REF, DIS = DATA / "ref-1280x720.mkv", DATA / "dist-854x480.mkv"


@pytest.fixture(scope="module")
def in_process() -> pyvmafneg.Result:
    return pyvmafneg.score(str(REF), str(DIS), scale="bicubic")


def test_fqm_pair_in_process_is_not_flagged(in_process: pyvmafneg.Result) -> None:
    result = in_process
    assert len(result) == 3
    report = check(result)
    # The gap tested is libvmaf's own, recomputed unclipped (nothing is near 100 here).
    assert report.tested_gap == pytest.approx(result.pooled_gap, abs=0.01)
    assert report.tested_gap > 5.0 and report.default.mean < 30.0
    # Outside the calibrated range (3 frames, NEG far below the lowest calibrated level):
    # graded so, with the reasons, not flagged.
    assert report.grade == "uncalibrated" and report.exit_code == 0
    assert report.rule is not None and len(report.rule.outside) == 2
    assert f"{_rule.MIN_FRAMES} frames" in " ".join(report.rule.outside)
    assert report.neg.mean < _rule.MIN_NEG
    assert not report.flags
    # The plain gap rule would flag it: that is why it is not the default.
    assert check(result, threshold=3.25).grade == "flagged"


def test_fqm_pair_scored_by_ffmpeg_quality_metrics_is_not_flagged(
    in_process: pyvmafneg.Result, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ffmpeg_quality_metrics")
    logs = []
    for name, extra in (("default", ()), ("neg", ("--vmaf-model-path", "vmaf_v0.6.1neg.json"))):
        out = tmp_path / f"{name}.json"
        cmd = [sys.executable, "-m", "ffmpeg_quality_metrics", str(DIS), str(REF)]
        cmd += ["--ffmpeg-path", FFMPEG, "--no-summary", "-m", "vmaf", "-o", str(out), *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        logs.append(out)
    # The tool's scores are libvmaf's on the bicubic-scaled encode (six decimals printed).
    loaded = load_logs(logs).result
    np.testing.assert_allclose(
        loaded.scores[str(loaded.default_model)], in_process.scores["vmaf"], atol=2e-6
    )
    code = main(["check", str(logs[0]), str(logs[1]), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["verdict"] == "uncalibrated"
    assert report["flags"] == [] and not report["rule"]["calibrated"]
