"""Scaling a pair to one size: in-process libswscale (PyAV) against FFmpeg's ``scale`` filter.

The oracle is the command people write by hand: FFmpeg's
``scale=W:H:flags=NAME`` in front of its ``libvmaf`` filter, run at test
time. PyAV's wheel and imageio-ffmpeg's FFmpeg carry the same libswscale
release, so the scaled pixels are asserted identical (tolerance 0); the
per-frame scores are then held to 1e-6, the rounding of FFmpeg's log, which
prints six decimals.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from media_helpers import BOTH_MODELS, encode, ffmpeg, run_graph, series, to_y4m

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.io import SCALERS, open_video, prepare_pair, scale_frame
from pyvmafneg.io._rawyuv import ffmpeg_pix_fmt, read_yuv

#: FFmpeg's log prints %.6f: scores agree to its last printed digit.
LOG_ROUNDING = 1e-6


def ffmpeg_scaled_vmaf(
    ref: Path,
    dis: Path,
    out: Path,
    *,
    width: int,
    height: int,
    flags: str = "bicubic",
    scale_reference: bool = False,
    extra: str = "",
) -> dict:
    """FFmpeg's scale + libvmaf path, written by hand: distorted first, scaled to WxH."""
    scale = f"scale={width}:{height}:flags={flags}"
    graph = (
        f"[0:v]setpts=PTS-STARTPTS,{scale}[d];"
        f"[1:v]setpts=PTS-STARTPTS{',' + scale if scale_reference else ''}[r];"
        f"[d][r]libvmaf=model='{BOTH_MODELS}':log_fmt=json:log_path={out.name}{extra}"
    )
    run_graph(ref, dis, out, graph)
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def ladder(tmp_path_factory) -> tuple[Path, Path]:
    """A 352x288 reference and a 176x144 x264 encode of it (a ladder rung)."""
    tmp = tmp_path_factory.mktemp("ladder")
    ref = to_y4m(natural_clip("coffee", frames=4, width=352, height=288), tmp / "ref.y4m")
    small = tmp / "small.y4m"
    ffmpeg("-i", str(ref), "-vf", "scale=176:144", "-strict", "-1", str(small))
    return ref, encode(small, tmp / "rung.mkv", crf=32)


@pytest.mark.parametrize("bitdepth", [8, 10])
@pytest.mark.parametrize("name", list(SCALERS))
def test_scaled_pixels_equal_ffmpeg_scale_filter(tmp_path, name, bitdepth):
    frames = natural_clip("rocket", frames=2, width=150, height=86, bitdepth=bitdepth)
    src = to_y4m(frames, tmp_path / "src.y4m")
    pix = ffmpeg_pix_fmt("420", bitdepth)
    out = tmp_path / "scaled.yuv"
    ffmpeg(
        "-i", str(src), "-vf", f"scale=352:198:flags={name}", "-f", "rawvideo", "-pix_fmt",
        pix, str(out),
    )  # fmt: skip
    theirs = list(read_yuv(out, 352, 198, "420", bitdepth))
    for frame, want in zip(frames, theirs, strict=True):
        ours = scale_frame(frame, 352, 198, scale=name)
        assert ours.describe() == want.describe()
        for a, b in zip(ours.planes, want.planes, strict=True):
            np.testing.assert_array_equal(a, b)


def test_ladder_rung_matches_ffmpeg_scale_and_libvmaf(tmp_path, ladder):
    ref, rung = ladder
    log = ffmpeg_scaled_vmaf(ref, rung, tmp_path / "ff.json", width=352, height=288)
    for backend in ("libvmaf", "ffmpeg"):
        result = pyvmafneg.score(open_video(ref), open_video(rung), backend=backend, threads=0)
        assert len(result) == len(log["frames"]) == 4
        for key in ("vmaf", "vmaf_neg", "integer_adm2", "integer_vif_scale0"):
            diff = np.abs(result[key] - series(log, key)).max()
            assert diff <= LOG_ROUNDING, f"{backend} {key}: max diff {diff:.3g}"


@pytest.mark.parametrize("name", ["lanczos", "neighbor", "area"])
def test_other_scalers_match_ffmpeg(tmp_path, ladder, name):
    ref, rung = ladder
    log = ffmpeg_scaled_vmaf(ref, rung, tmp_path / "ff.json", width=352, height=288, flags=name)
    result = pyvmafneg.score(ref, rung, scale=name, backend="libvmaf")
    assert np.abs(result["vmaf"] - series(log, "vmaf")).max() <= LOG_ROUNDING
    bicubic = pyvmafneg.score(ref, rung, backend="libvmaf")
    assert not np.array_equal(result["vmaf"], bicubic["vmaf"]), "the algorithm must matter"


def test_display_size_scales_both(tmp_path, ladder):
    ref, rung = ladder
    log = ffmpeg_scaled_vmaf(
        ref, rung, tmp_path / "ff.json", width=256, height=208, scale_reference=True
    )
    for backend in ("libvmaf", "ffmpeg"):
        result = pyvmafneg.score(
            open_video(ref), open_video(rung), backend=backend, size=(256, 208)
        )
        assert np.abs(result["vmaf"] - series(log, "vmaf")).max() <= LOG_ROUNDING, backend


def test_prepare_pair_is_lazy_and_says_what_it_did(ladder):
    ref, rung = ladder
    pair = prepare_pair(open_video(ref), open_video(rung))
    assert pair.plan is not None
    assert pair.plan.describe() == "distorted 176x144 -> 352x288 (bicubic, libswscale)"
    first = next(iter(pair.distorted))
    assert first.shape == (288, 352)
    same = prepare_pair(open_video(ref), open_video(ref))
    assert same.plan is None


def test_scale_none_refuses_differing_sizes(ladder):
    ref, rung = ladder
    with pytest.raises(pyvmafneg.FrameMismatchError, match="352x288"):
        pyvmafneg.score(ref, rung, scale=None, backend="libvmaf")
    with pytest.raises(pyvmafneg.FrameMismatchError):
        pyvmafneg.score(ref, rung, scale="none", backend="libvmaf")


def test_unknown_scaler_is_refused_with_facts(ladder):
    ref, rung = ladder
    with pytest.raises(pyvmafneg.ScalerError) as info:
        pyvmafneg.score(ref, rung, scale="cubic", backend="libvmaf")
    assert info.value.scaler == "cubic"
    assert "bicubic" in info.value.known
    with pytest.raises(pyvmafneg.ScalerError):
        pyvmafneg.score(ref, rung, scale=None, size=(100, 100), backend="libvmaf")
    with pytest.raises(pyvmafneg.ScalerError):
        pyvmafneg.score(ref, rung, size=(0, 100), backend="libvmaf")


def test_cli_scores_a_rung_in_one_command(tmp_path, ladder, capsys):
    ref, rung = ladder
    out = tmp_path / "ours.json"
    code = main(["score", "-r", str(ref), "-d", str(rung), "-o", str(out)])
    assert code == 0
    err = capsys.readouterr().err
    assert "scaled distorted 176x144 -> 352x288 (bicubic, libswscale)" in err
    ours = json.loads(out.read_text())
    log = ffmpeg_scaled_vmaf(ref, rung, tmp_path / "ff.json", width=352, height=288)
    assert np.abs(series(ours, "vmaf") - series(log, "vmaf")).max() <= LOG_ROUNDING


def test_cli_bad_scaler_and_refusal_are_one_line(tmp_path, ladder, capsys):
    ref, rung = ladder
    assert main(["score", "-r", str(ref), "-d", str(rung), "--scale", "none"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "352x288" in err
    out = tmp_path / "never.json"
    with pytest.raises(SystemExit) as info:
        main(["score", "-r", str(ref), "-d", str(rung), "--size", "12by3", "-o", str(out)])
    assert info.value.code == 2
    assert not out.exists()


@pytest.mark.slow
def test_1080p_reference_and_540p_x264_rung(tmp_path):
    """The ladder rung of the issue: a 960x540 x264 encode of a 1920x1080 reference."""
    ref = to_y4m(natural_clip("astronaut", frames=3, width=1920, height=1080), tmp_path / "r.y4m")
    rung = tmp_path / "rung.mkv"
    ffmpeg(
        "-i", str(ref), "-vf", "scale=960:540", "-c:v", "libx264", "-preset", "veryfast",
        "-crf", "30", str(rung),
    )  # fmt: skip
    out = tmp_path / "ours.json"
    assert main(["score", "-r", str(ref), "-d", str(rung), "-o", str(out), "-q"]) == 0
    log = ffmpeg_scaled_vmaf(ref, rung, tmp_path / "ff.json", width=1920, height=1080)
    ours = json.loads(out.read_text())
    for key in ("vmaf", "vmaf_neg"):
        diff = np.abs(series(ours, key) - series(log, key)).max()
        assert diff <= LOG_ROUNDING, f"{key}: max diff {diff:.3g}"


def test_threads_default_to_the_cpus_this_process_may_use():
    import os

    from pyvmafneg.engines._options import DEFAULT_THREADS_CAP, check_threads

    cpus = len(os.sched_getaffinity(0))
    want = 0 if cpus == 1 else min(cpus, DEFAULT_THREADS_CAP)
    assert check_threads(None) == (want, 1)
    assert check_threads(0) == (0, 1)
