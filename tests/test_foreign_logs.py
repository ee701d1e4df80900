"""Logs of other tools: ffmpeg-quality-metrics JSON and CSV, written at test time.

ffmpeg-quality-metrics runs FFmpeg's libvmaf filter with one model per run
(here imageio-ffmpeg's FFmpeg; it warns that ffprobe is missing, which does
not matter). Its default run and its ``vmaf_v0.6.1neg`` run make two logs,
read like two libvmaf logs; their scores equal in-process libvmaf on the same
files to the six decimals the tool prints.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from media_helpers import FFMPEG, encode, to_y4m

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.results import load_logs

pytest.importorskip("ffmpeg_quality_metrics")

#: The tool prints six decimals.
LOG_ROUNDING = 1e-6


def fqm(dis, ref, out, *args: str) -> None:
    """Run ffmpeg-quality-metrics (its module entry point) with imageio-ffmpeg's FFmpeg."""
    cmd = [sys.executable, "-m", "ffmpeg_quality_metrics", str(dis), str(ref)]
    cmd += ["--ffmpeg-path", FFMPEG, "--no-summary", "-o", str(out), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 0


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fqm")
    ref = to_y4m(natural_clip("astronaut", frames=5, width=176, height=144), tmp / "ref.y4m")
    dis = encode(ref, tmp / "dis.mkv", crf=34)
    fqm(dis, ref, tmp / "default.json", "-m", "vmaf", "psnr", "ssim")
    fqm(dis, ref, tmp / "neg.json", "-m", "vmaf", "--vmaf-model-path", "vmaf_v0.6.1neg.json")
    fqm(dis, ref, tmp / "default.csv", "-m", "vmaf", "psnr", "-of", "csv")
    neg_args = ("-m", "vmaf", "--vmaf-model-path", "vmaf_v0.6.1neg.json", "-of", "csv")
    fqm(dis, ref, tmp / "neg.csv", *neg_args)
    fqm(dis, ref, tmp / "psnr_only.json", "-m", "psnr", "ssim")
    return tmp, ref, dis


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_two_fqm_logs_read_like_two_libvmaf_logs(logs, fmt):
    tmp, ref, dis = logs
    loaded = load_logs([tmp / f"neg.{fmt}", tmp / f"default.{fmt}"])  # order does not matter
    for log in loaded.logs:
        assert log.tool == "ffmpeg-quality-metrics"
        assert log.format == fmt
    ours = pyvmafneg.score(ref, dis, backend="libvmaf")
    result = loaded.result
    np.testing.assert_array_equal(result.frames, np.arange(5))  # its n counts from 1
    assert (result.default_model, result.neg_model) == ("vmaf", "vmaf_neg")
    for key in ("vmaf", "vmaf_neg"):
        diff = np.abs(result.scores[key] - ours.scores[key]).max()
        assert diff <= LOG_ROUNDING, f"{key}: max diff {diff:.3g}"
    assert loaded.neg_source.endswith(f"neg.{fmt}")


def test_fqm_psnr_and_ssim_columns_are_kept(logs):
    tmp, _, _ = logs
    log = pyvmafneg.read_log(tmp / "default.json")
    assert {"psnr_y", "ssim_y", "integer_adm2"} <= set(log.features)
    assert log.model_keys == ["vmaf"]
    assert log.describe() == "ffmpeg-quality-metrics JSON, 5 frames, model vmaf"


def test_check_reads_fqm_logs_and_says_which_tool(logs, capsys):
    tmp, ref, dis = logs
    code = main(["check", str(tmp / "default.json"), str(tmp / "neg.json")])
    captured = capsys.readouterr()
    assert "read " + str(tmp / "default.json") + ": ffmpeg-quality-metrics JSON" in captured.err
    want = pyvmafneg.check(pyvmafneg.score(ref, dis, backend="libvmaf"))
    assert code == want.exit_code
    gap = load_logs([tmp / "default.json", tmp / "neg.json"]).result.pooled_gap
    assert abs(gap - pyvmafneg.score(ref, dis, backend="libvmaf").pooled_gap) <= LOG_ROUNDING


def test_fqm_log_without_vmaf_is_refused_with_facts(logs, capsys):
    tmp, _, _ = logs
    path = tmp / "psnr_only.json"
    with pytest.raises(pyvmafneg.NoVmafScoresError) as info:
        pyvmafneg.read_log(path)
    assert info.value.tool == "ffmpeg-quality-metrics"
    assert "psnr_y" in info.value.metrics and "ssim_y" in info.value.metrics
    assert isinstance(info.value, pyvmafneg.LogFormatError)
    assert main(["check", str(path), str(tmp / "neg.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "without VMAF scores" in err


def test_damaged_fqm_csv_is_refused(logs, tmp_path):
    tmp, _, _ = logs
    lines = (tmp / "default.csv").read_text().splitlines()
    cut = tmp_path / "cut.csv"
    cut.write_text("\n".join([*lines[:3], lines[3][:20]]) + "\n")
    with pytest.raises(pyvmafneg.LogFormatError, match="fields but the header has"):
        pyvmafneg.read_log(cut)
