"""Extra libvmaf metrics in the same pass: equal to libvmaf's own extractors run by FFmpeg.

The oracle is FFmpeg's ``libvmaf`` filter with its ``feature=`` option, run at
test time on the same files. FFmpeg's log prints six decimals, so values are
held to 1e-6.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import blur
from media_helpers import BOTH_MODELS, run_graph, series, to_y4m

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import map_frames, natural_clip
from pyvmafneg.io import open_video

LOG_ROUNDING = 1e-6

#: Feature as given -> the series libvmaf writes for it.
OUTPUTS = {
    "psnr": ("psnr_y", "psnr_cb", "psnr_cr"),
    "ssim": ("float_ssim",),
    "ms_ssim": ("float_ms_ssim",),
    "ciede": ("ciede2000",),
    "cambi": ("cambi",),
    "cambi:full_ref=true": ("cambi", "cambi_source", "cambi_full_reference"),
    "psnr_hvs": ("psnr_hvs_y", "psnr_hvs_cb", "psnr_hvs_cr", "psnr_hvs"),
}
EXTRACTOR = {"ssim": "float_ssim", "ms_ssim": "float_ms_ssim"}


def ffmpeg_feature_log(ref, dis, out, features: list[str]) -> dict:
    """FFmpeg's libvmaf filter with feature=, written by hand (distorted first)."""
    parts = []
    for feature in features:
        name, *opts = feature.split(":")
        parts.append("\\:".join([f"name={EXTRACTOR.get(name, name)}", *opts]))
    graph = (
        "[0:v]setpts=PTS-STARTPTS[d];[1:v]setpts=PTS-STARTPTS[r];"
        f"[d][r]libvmaf=model='{BOTH_MODELS}':feature='{'|'.join(parts)}':log_fmt=json:"
        f"log_path={out.name}"
    )
    run_graph(ref, dis, out, graph)
    return json.loads(out.read_text())


def assert_same(ours: np.ndarray, want: np.ndarray, what: str) -> None:
    """Equal to the log's rounding, and NaN (null in the log) exactly where the log has it."""
    assert np.array_equal(np.isnan(want), ~np.isfinite(ours)), what
    ok = np.isfinite(want)
    diff = np.abs(ours[ok] - want[ok]).max(initial=0.0)
    assert diff <= LOG_ROUNDING, f"{what}: max diff {diff:.3g}"


@pytest.fixture(scope="module", params=[8, 10], ids=["8bit", "10bit"])
def files(request, tmp_path_factory):
    bitdepth = request.param
    tmp = tmp_path_factory.mktemp(f"features{bitdepth}")
    ref = natural_clip("coffee", frames=3, width=256, height=192, bitdepth=bitdepth)
    dis = map_frames(ref, lambda p: blur(p, 1.2))
    return tmp, to_y4m(ref, tmp / "ref.y4m"), to_y4m(dis, tmp / "dis.y4m")


@pytest.mark.parametrize("feature", list(OUTPUTS))
def test_feature_equals_libvmaf_extractor_through_ffmpeg(files, feature):
    tmp, ref, dis = files
    log = ffmpeg_feature_log(ref, dis, tmp / f"{feature.replace(':', '_')}.json", [feature])
    ours = pyvmafneg.score(ref, dis, features=[feature], threads=0, backend="libvmaf")
    assert np.all(np.isfinite(series(log, OUTPUTS[feature][0])))
    for key in OUTPUTS[feature]:
        assert_same(ours.features[key], series(log, key), key)
    # VMAF itself is unchanged by the extra extractors.
    assert np.abs(ours["vmaf_neg"] - series(log, "vmaf_neg")).max() <= LOG_ROUNDING


def test_all_features_in_one_pass_on_both_backends(files):
    tmp, ref, dis = files
    features = ["psnr", "ssim", "ms_ssim", "ciede", "cambi:full_ref=true", "psnr_hvs"]
    log = ffmpeg_feature_log(ref, dis, tmp / "all.json", features)
    results = [
        pyvmafneg.score(open_video(ref), open_video(dis), backend="libvmaf", features=features),
        pyvmafneg.score(open_video(ref), open_video(dis), backend="ffmpeg", features=features),
    ]
    for result in results:
        for key in {k for f in features for k in OUTPUTS[f]}:
            assert_same(result.features[key], series(log, key), f"{result.backend} {key}")


def test_report_and_logs_carry_the_metrics(files, tmp_path):
    _, ref, dis = files
    result = pyvmafneg.score(ref, dis, features=["psnr", "ssim"], backend="libvmaf")
    text = result.summary()
    mean_psnr = result.pooled("psnr_y").mean
    assert f"psnr_y: mean {mean_psnr:8.4f}" in text
    assert "float_ssim: mean" in text
    for fmt in ("json", "csv", "xml"):
        path = pyvmafneg.results.write_log(result, tmp_path / f"log.{fmt}")
        back = pyvmafneg.read_log(path)
        np.testing.assert_allclose(back.metrics["psnr_y"], result["psnr_y"], atol=5e-7)
        assert "float_ssim" in back.features


def test_cli_feature_flag(files, tmp_path, capsys):
    _, ref, dis = files
    out = tmp_path / "cli.json"
    argv = ["score", "-r", str(ref), "-d", str(dis), "--feature", "psnr", "--feature", "ssim"]
    assert main([*argv, "-o", str(out), "-q"]) == 0
    text = capsys.readouterr().out
    assert "psnr_y: mean" in text and "float_ssim: mean" in text
    frames = json.loads(out.read_text())["frames"]
    assert {"psnr_y", "psnr_cb", "psnr_cr", "float_ssim"} <= set(frames[0]["metrics"])


def test_bad_features_are_refused_with_facts(files, tmp_path, capsys):
    _, ref, dis = files
    with pytest.raises(pyvmafneg.FeatureError) as info:
        pyvmafneg.score(ref, dis, features=["vmaf_ssim"], backend="libvmaf")
    assert info.value.feature == "vmaf_ssim" and "ms_ssim" in info.value.known
    with pytest.raises(pyvmafneg.FeatureError, match="key=value"):
        pyvmafneg.score(ref, dis, features=["cambi:full_ref"], backend="libvmaf")
    for backend, feature in (("reference", "psnr"), ("native", "ciede")):
        with pytest.raises(pyvmafneg.FeatureError) as info:
            pyvmafneg.score(ref, dis, backend=backend, features=[feature])
        assert info.value.backend == backend
    out = tmp_path / "never.json"
    argv = ["score", "-r", str(ref), "-d", str(dis), "--feature", "psrn", "-o", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "psrn" in err
    assert not out.exists()
