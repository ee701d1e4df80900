"""The FFmpeg backend agrees with the in-process backend per frame (6-decimal logs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from media_helpers import FFMPEG, H, W, clip, encode, sharpen, to_y4m, to_yuv

from pyvmafneg import score
from pyvmafneg.cli import main
from pyvmafneg.engines._ffmpeg import build_command, model_option, score_ffmpeg
from pyvmafneg.engines._models import DEFAULT_MODELS, ModelSpec, parse_model
from pyvmafneg.engines.reference import default_kernel, score_reference
from pyvmafneg.engines.reference._adm import FFMPEG_AVX2_KERNEL
from pyvmafneg.errors import FFmpegError, FrameCountMismatchError, FrameMismatchError
from pyvmafneg.io._sources import open_video
from pyvmafneg.results._logs import read_log
from pyvmafneg.results._result import Result

#: Logs print 6 decimals: a correctly rounded value is within half a unit of the 6th.
LOG_PRECISION = 5e-7 + 1e-9


def assert_agree(ffm: Result, inproc: Result) -> float:
    """Every score and feature agrees to the log's precision; returns the largest difference."""
    np.testing.assert_array_equal(ffm.frames, inproc.frames)
    assert set(ffm.scores) == set(inproc.scores)
    assert (ffm.default_model, ffm.neg_model) == (inproc.default_model, inproc.neg_model)
    worst = 0.0
    for key in inproc.keys():
        diff = float(np.max(np.abs(ffm[key] - inproc[key])))
        assert diff <= LOG_PRECISION, f"{key}: ffmpeg and libvmaf differ by {diff}"
        worst = max(worst, diff)
    return worst


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("ffm")
    ref = clip(6)
    out = {
        "ref_y4m": to_y4m(ref, d / "ref.y4m"),
        "ref_yuv": to_yuv(ref, d / "ref.yuv"),
        "sharp_yuv": to_yuv(sharpen(ref), d / "sharp.yuv"),
    }
    out["dis_mkv"] = encode(out["ref_y4m"], d / "dis.mkv", crf=34)
    return out


def test_command_shape(media: dict[str, Path]) -> None:
    ref = open_video(media["ref_yuv"], width=W, height=H)
    dis = open_video(media["dis_mkv"])
    cmd = build_command(ref, dis, DEFAULT_MODELS, ffmpeg="ffmpeg", threads=3, sync="pts")
    inputs = [cmd[i + 1] for i, a in enumerate(cmd) if a == "-i"]
    assert inputs == [str(media["dis_mkv"]), str(media["ref_yuv"])]  # distorted first
    raw_at = cmd.index(str(media["ref_yuv"]))
    assert cmd[raw_at - 7 : raw_at] == [
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-s",
        "176x144",
        "-i",
    ]
    graph = cmd[cmd.index("-filter_complex") + 1]
    assert "model='version=vmaf_v0.6.1\\:name=vmaf|version=vmaf_v0.6.1neg\\:name=vmaf_neg'" in graph
    assert graph.count("setpts=PTS-STARTPTS") == 2
    assert "n_threads=3" in graph and "repeatlast=0" in graph and "shortest=1" in graph
    assert graph.index("[dis][ref]libvmaf") > 0
    assert model_option([parse_model("vmaf_v0.6.1:name=capped:egl=1.2")], clip=False) == (
        "version=vmaf_v0.6.1\\:name=capped\\:vif.vif_enhn_gain_limit=1.2"
        "\\:adm.adm_enhn_gain_limit=1.2\\:disable_clip=true"
    )


def test_raw_and_container_inputs_agree_with_in_process(media: dict[str, Path]) -> None:
    geo = dict(width=W, height=H)
    done: list[int] = []
    ffm = score_ffmpeg(
        open_video(media["ref_yuv"], **geo), open_video(media["dis_mkv"]), progress=done.append
    )
    inproc = score(
        open_video(media["ref_yuv"], **geo), open_video(media["dis_mkv"]), backend="libvmaf"
    )
    assert ffm.backend == "ffmpeg" and len(ffm) == 6
    assert done and done[-1] == 6
    assert 50 < ffm.pooled().mean < 99
    assert_agree(ffm, inproc)


def test_unclipped_sharpened_agrees_including_scores_above_100(media: dict[str, Path]) -> None:
    geo = dict(width=W, height=H)
    ref, dis = media["ref_yuv"], media["sharp_yuv"]
    ffm = score_ffmpeg(open_video(ref, **geo), open_video(dis, **geo), clip=False, threads=2)
    inproc = score(open_video(ref, **geo), open_video(dis, **geo), clip=False, backend="libvmaf")
    assert ffm.frames_above("vmaf").size > 0  # the order of inputs matters here
    assert_agree(ffm, inproc)


def ffmpeg_adm_kernel() -> str:
    """The ADM path of FFmpeg's libvmaf build on this CPU, as a reference kernel name.

    imageio-ffmpeg's libvmaf (another build than PyAV's 3.2.0) takes the same
    paths except on a CPU with AVX2 and no AVX-512, where its scale-0 AVX2
    decoupling rounds non-integer ADM gain limits in whole 8-column steps
    (``FFMPEG_AVX2_KERNEL``; docs/reference.md).
    """
    kernel = default_kernel()
    return FFMPEG_AVX2_KERNEL if kernel == "avx2" else kernel


def test_ten_bit_y4m_and_gain_limit_models_agree(tmp_path: Path) -> None:
    ref = clip(5, bitdepth=10, pixel_format="422")
    dis = sharpen(ref, 0.7)
    r = to_y4m(ref, tmp_path / "r.y4m")
    d = to_y4m(dis, tmp_path / "d.y4m")
    models = [
        parse_model("vmaf_v0.6.1:name=vmaf"),
        parse_model("vmaf_v0.6.1neg:name=vmaf_neg"),
        parse_model("vmaf_v0.6.1:name=capped:vif_enhn_gain_limit=1.1:adm_enhn_gain_limit=1.1"),
    ]
    ffm = score_ffmpeg(r, d, models, clip=False)
    inproc = score(open_video(r), open_video(d), models, clip=False, backend="libvmaf")
    assert "integer_adm2_egl_1.1" in ffm.features
    # Each side against the libvmaf build it runs: FFmpeg's against the reference
    # taking that build's ADM path, every key; PyAV's libvmaf against FFmpeg on
    # every key, except (on an AVX2-only CPU) those of the non-integer ADM limit.
    own = score_reference(
        open_video(r), open_video(d), models, clip=False, kernel=ffmpeg_adm_kernel()
    )
    assert_agree(ffm, own)
    same_path = ffmpeg_adm_kernel() == default_kernel()
    keys = [
        k for k in inproc.keys() if same_path or not (k == "capped" or "adm" in k and "egl" in k)
    ]
    for key in keys:
        diff = float(np.max(np.abs(ffm[key] - inproc[key])))
        assert diff <= LOG_PRECISION, f"{key}: ffmpeg and libvmaf differ by {diff}"


def test_ffmpeg_libvmaf_build_rounds_adm_limits_in_whole_avx2_steps(tmp_path: Path) -> None:
    """On an AVX2-only CPU the in-process libvmaf is not FFmpeg's oracle for a
    non-integer ADM limit: the reference taking PyAV's path misses FFmpeg's log
    where the one taking FFmpeg's path meets it."""
    if default_kernel() != "avx2":
        pytest.skip("both libvmaf builds take the same ADM path on this CPU")
    ref = clip(5)
    dis = sharpen(ref, 0.5)
    r = to_y4m(ref, tmp_path / "r.y4m")
    d = to_y4m(dis, tmp_path / "d.y4m")
    models = [parse_model("vmaf_v0.6.1:name=capped:adm_enhn_gain_limit=1.2")]
    ffm = score_ffmpeg(r, d, models, clip=False)
    pyav = score(open_video(r), open_video(d), models, clip=False, backend="libvmaf")
    pyav_path = score_reference(open_video(r), open_video(d), models, clip=False)
    own = score_reference(
        open_video(r), open_video(d), models, clip=False, kernel=FFMPEG_AVX2_KERNEL
    )
    np.testing.assert_array_equal(pyav["capped"], pyav_path["capped"])
    assert_agree(ffm, own)
    assert float(np.max(np.abs(ffm["capped"] - pyav["capped"]))) > 10 * LOG_PRECISION


def test_different_frame_rates_do_not_drift_or_repeat(tmp_path: Path) -> None:
    frames = clip(6)
    ref = to_y4m(frames, tmp_path / "r.y4m", fps=25)
    dis = to_y4m(sharpen(frames, 0.5), tmp_path / "d.y4m", fps=30)
    ffm = score_ffmpeg(ref, dis)
    inproc = score(open_video(ref), open_video(dis), backend="libvmaf")
    assert_agree(ffm, inproc)


def test_prefix_and_subsample(tmp_path: Path, media: dict[str, Path]) -> None:
    short = to_y4m(sharpen(clip(6)[:4], 0.5), tmp_path / "short.y4m")
    with pytest.raises(FrameCountMismatchError, match="pass frames=4") as info:
        score_ffmpeg(media["ref_y4m"], short)
    counts = (info.value.reference_frames, info.value.distorted_frames, info.value.common)
    assert counts == (6, 4, 4)
    ffm = score_ffmpeg(media["ref_y4m"], short, frames=4, subsample=2)
    inproc = score(
        open_video(media["ref_y4m"]), open_video(short), frames=4, subsample=2, backend="libvmaf"
    )
    np.testing.assert_array_equal(ffm.frames, [0, 2])
    assert_agree(ffm, inproc)


def test_unknown_length_containers_are_counted(tmp_path: Path, media: dict[str, Path]) -> None:
    short = encode(to_y4m(clip(6)[:4], tmp_path / "s.y4m"), tmp_path / "short.mkv")
    with pytest.raises(FrameMismatchError, match="has 6 frames but distorted .* has 4"):
        score_ffmpeg(media["ref_y4m"], short)


def test_log_is_kept_in_the_format_asked(tmp_path: Path, media: dict[str, Path]) -> None:
    kept = tmp_path / "ffmpeg.xml"
    ffm = score_ffmpeg(media["ref_y4m"], media["dis_mkv"], log_path=kept, log_fmt="xml")
    log = read_log(kept)
    assert log.format == "xml" and log.model_keys == ["vmaf", "vmaf_neg"]
    np.testing.assert_array_equal(log.metrics["vmaf"], ffm["vmaf"])


def test_cli_backend_ffmpeg(
    tmp_path: Path, media: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "o.json"
    args = ["score", "-r", str(media["ref_y4m"]), "-d", str(media["dis_mkv"]), "-q"]
    assert main([*args, "--backend", "ffmpeg", "--ffmpeg", FFMPEG, "-o", str(out)]) == 0
    assert "6 frames scored (ffmpeg)" in capsys.readouterr().out
    inproc = score(open_video(media["ref_y4m"]), open_video(media["dis_mkv"]), backend="libvmaf")
    np.testing.assert_allclose(read_log(out).metrics["vmaf"], inproc["vmaf"], atol=LOG_PRECISION)


def test_failures_are_clear(
    tmp_path: Path, media: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    ref, dis = media["ref_y4m"], media["dis_mkv"]
    with pytest.raises(FFmpegError, match="'/no/such/ffmpeg' .given explicitly. not found"):
        score_ffmpeg(ref, dis, ffmpeg="/no/such/ffmpeg")
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"not": "a model"}')
    with pytest.raises(
        FFmpegError, match=r"(?s)FFmpeg failed \(exit status .*FFmpeg said:\n.+"
    ) as e:
        score_ffmpeg(ref, dis, [parse_model(f"{bogus}:name=bogus")])
    assert "dis.mkv" in str(e.value) and f"model0.json is a copy of {bogus}" in str(e.value)
    twelve = to_y4m(clip(2, bitdepth=12), tmp_path / "t.y4m")
    with pytest.raises(FFmpegError, match="12-bit, but FFmpeg's libvmaf filter takes only 8-"):
        score_ffmpeg(twelve, twelve)
    with pytest.raises(FFmpegError, match="model name 'a:b' contains :"):
        model_option([ModelSpec("vmaf_v0.6.1", name="a:b")])
    args = ["score", "-r", str(ref), "-d", str(dis), "-q", "--backend", "ffmpeg"]
    assert main([*args, "--ffmpeg", "/no/such/ffmpeg"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pyvmafneg score: error: FFmpeg executable") and "Traceback" not in err


@pytest.mark.parametrize("bits", [8, 10])
def test_gray_input_agrees(tmp_path: Path, bits: int) -> None:
    ref = clip(4, pixel_format="400", bitdepth=bits)
    r = to_y4m(ref, tmp_path / "r.y4m")
    d = to_y4m(sharpen(ref, 0.7), tmp_path / "d.y4m")
    ffm = score_ffmpeg(r, d, clip=False)
    inproc = score(open_video(r), open_video(d), clip=False, backend="libvmaf")
    assert_agree(ffm, inproc)


def test_differing_colour_ranges_are_not_converted(tmp_path: Path) -> None:
    frames = clip(4)
    r = to_y4m(frames, tmp_path / "r.y4m", color_range="limited")
    d = to_y4m(sharpen(frames, 0.7), tmp_path / "d.y4m", color_range="full")
    ffm = score_ffmpeg(r, d, clip=False)
    inproc = score(open_video(r), open_video(d), clip=False, backend="libvmaf")
    assert_agree(ffm, inproc)
