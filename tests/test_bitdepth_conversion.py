"""Converting bit depth on request: in-process libswscale against FFmpeg's ``format`` filter.

The oracle is the command people write by hand: FFmpeg's
``format=yuv420p10le`` in front of its ``libvmaf`` filter, run at test time
on an 8-bit reference and a 10-bit encode of it. PyAV's wheel and
imageio-ffmpeg's FFmpeg carry the same libswscale release, so the converted
pixels are asserted identical; the per-frame scores are held to 1e-6, the
rounding of FFmpeg's log, which prints six decimals.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from media_helpers import BOTH_MODELS, ffmpeg, run_graph, series, to_y4m

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.io import open_video, prepare_pair
from pyvmafneg.io._prepare import convert_frames
from pyvmafneg.io._rawyuv import read_yuv

#: FFmpeg's log prints %.6f: scores agree to its last printed digit.
LOG_ROUNDING = 1e-6
NATIVE = importlib.util.find_spec("pyvmafneg.engines.native._engine") is not None


def ffmpeg_converted_vmaf(ref: Path, dis: Path, out: Path, pix_fmt: str) -> dict:
    """FFmpeg's format + libvmaf path, written by hand (distorted first)."""
    graph = (
        f"[0:v]setpts=PTS-STARTPTS,format={pix_fmt}[d];"
        f"[1:v]setpts=PTS-STARTPTS,format={pix_fmt}[r];"
        f"[d][r]libvmaf=model='{BOTH_MODELS}':log_fmt=json:log_path={out.name}"
    )
    run_graph(ref, dis, out, graph)
    return json.loads(out.read_text())


@pytest.fixture(scope="module", params=["libx264", "libx265"])
def mixed(request, tmp_path_factory) -> tuple[Path, Path]:
    """An 8-bit Y4M reference and a 10-bit encode of it."""
    tmp = tmp_path_factory.mktemp("depth")
    ref = to_y4m(natural_clip("coffee", frames=4, width=176, height=144), tmp / "ref.y4m")
    out = tmp / f"{request.param}.mkv"
    extra = ["-x265-params", "log-level=error"] if request.param == "libx265" else []
    ffmpeg(
        "-i", str(ref), "-c:v", request.param, "-preset", "ultrafast", "-crf", "30",
        "-pix_fmt", "yuv420p10le", *extra, str(out),
    )  # fmt: skip
    assert open_video(out).bitdepth == 10
    return ref, out


def test_without_the_option_differing_depths_are_refused(mixed, capsys):
    ref, enc = mixed
    with pytest.raises(pyvmafneg.FormatMismatchError) as info:
        pyvmafneg.score(ref, enc, backend="libvmaf")
    assert info.value.reference_format == ("420", 8)
    assert info.value.distorted_format == ("420", 10)
    assert "convert_bitdepth=10" in str(info.value)
    with pytest.raises(pyvmafneg.FormatMismatchError):
        pyvmafneg.score(ref, enc, backend="ffmpeg")
    assert main(["score", "-r", str(ref), "-d", str(enc)]) == 2
    err = capsys.readouterr().err
    assert "8-bit" in err and "10-bit" in err and "--convert-bitdepth 10" in err
    assert "convert_bitdepth" not in err


def test_converted_scores_equal_ffmpeg_format_and_libvmaf(tmp_path, mixed):
    ref, enc = mixed
    log = ffmpeg_converted_vmaf(ref, enc, tmp_path / "ff.json", "yuv420p10le")
    assert len(log["frames"]) == 4
    for backend in ("libvmaf", "ffmpeg", *(["native"] if NATIVE else [])):
        result = pyvmafneg.score(
            open_video(ref), open_video(enc), backend=backend, convert_bitdepth=10
        )
        assert len(result) == 4
        for key in ("vmaf", "vmaf_neg", "integer_adm2", "integer_vif_scale0", "integer_motion2"):
            if key not in result.keys():
                continue
            diff = np.abs(result[key] - series(log, key)).max()
            assert diff <= LOG_ROUNDING, f"{backend} {key}: max diff {diff:.3g}"


def test_scaled_and_converted_in_one_call_as_ffmpeg_does(tmp_path, mixed):
    """A 10-bit encode at half size: scaled and converted back to 8 bits together."""
    ref, enc = mixed
    big = to_y4m(natural_clip("coffee", frames=4, width=352, height=288), tmp_path / "big.y4m")
    ours = pyvmafneg.score(big, enc, backend="libvmaf", convert_bitdepth=8)
    theirs = pyvmafneg.score(big, enc, backend="ffmpeg", convert_bitdepth=8)
    assert np.abs(ours["vmaf"] - theirs["vmaf"]).max() <= LOG_ROUNDING
    assert np.abs(ours["vmaf_neg"] - theirs["vmaf_neg"]).max() <= LOG_ROUNDING


@pytest.mark.parametrize(("src", "dst"), [(8, 10), (10, 8), (8, 12), (12, 10)])
def test_converted_pixels_equal_ffmpeg_format_filter(tmp_path, src, dst):
    frames = natural_clip("rocket", frames=2, width=96, height=64, bitdepth=src)
    path = to_y4m(frames, tmp_path / "src.y4m")
    pix = "yuv420p" if dst == 8 else f"yuv420p{dst}le"
    out = tmp_path / "converted.yuv"
    ffmpeg("-i", str(path), "-vf", f"format={pix}", "-f", "rawvideo", str(out))
    theirs = list(read_yuv(out, 96, 64, "420", dst))
    ours = list(convert_frames(frames, dst))
    assert len(ours) == len(theirs) == 2
    for a, b in zip(ours, theirs, strict=True):
        assert a.describe() == b.describe()
        for pa, pb in zip(a.planes, b.planes, strict=True):
            np.testing.assert_array_equal(pa, pb)


def test_eight_to_ten_bits_multiplies_by_four():
    frames = natural_clip("coffee", frames=1, width=64, height=48)
    (out,) = convert_frames(frames, 10)
    for a, b in zip(out.planes, frames[0].planes, strict=True):
        np.testing.assert_array_equal(a, b.astype(np.uint16) * 4)


def test_prepare_pair_says_what_it_converted(mixed):
    ref, enc = mixed
    pair = prepare_pair(open_video(ref), open_video(enc), convert_bitdepth=10)
    assert pair.converted == {"reference": (8, 10)}
    assert pair.describe() == ["reference converted from 8-bit to 10-bit (libswscale)"]
    first = next(iter(pair.reference))
    assert first.bitdepth == 10


def test_cli_convert_bitdepth_matches_api(mixed, tmp_path, capsys):
    ref, enc = mixed
    out = tmp_path / "log.json"
    code = main(["score", "-r", str(ref), "-d", str(enc), "--convert-bitdepth", "10",
                 "--backend", "libvmaf", "-o", str(out)])  # fmt: skip
    assert code == 0
    assert "reference converted from 8-bit to 10-bit" in capsys.readouterr().err
    api = pyvmafneg.score(ref, enc, backend="libvmaf", convert_bitdepth=10)
    logged = pyvmafneg.read_log(out)
    assert np.abs(logged.metrics["vmaf"] - api["vmaf"]).max() <= LOG_ROUNDING


@pytest.mark.parametrize("bad", [9, 0, "ten", True])
def test_bad_depth_is_refused(mixed, bad):
    ref, enc = mixed
    with pytest.raises(pyvmafneg.OptionError) as info:
        pyvmafneg.score(ref, enc, backend="libvmaf", convert_bitdepth=bad)
    assert info.value.option == "convert_bitdepth"
