"""``pyvmafneg score`` on raw YUV: same numbers as the API and as FFmpeg, clean errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import blur, ffmpeg_libvmaf, unsharp

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import map_frames, natural_clip
from pyvmafneg.io._rawyuv import write_yuv


@pytest.fixture(scope="module", params=[(8, "420"), (10, "422")])
def raw_pair(request, tmp_path_factory):
    bitdepth, fmt = request.param
    tmp = tmp_path_factory.mktemp(f"raw{bitdepth}")
    ref = natural_clip(
        "rocket", frames=4, width=176, height=144, bitdepth=bitdepth, pixel_format=fmt
    )
    dis = map_frames(ref, lambda p: unsharp(blur(p, 0.7), 1.5, bitdepth=bitdepth))
    write_yuv(ref, tmp / "ref.yuv")
    write_yuv(dis, tmp / "dis.yuv")
    return tmp, ref, dis, bitdepth, fmt


def _score_args(tmp, fmt, bitdepth, width=176):
    """``score`` arguments for the fixture's raw pair (short flags)."""
    return (
        f"score -r {tmp / 'ref.yuv'} -d {tmp / 'dis.yuv'} -w {width} -H 144 -p {fmt} "
        f"-b {bitdepth} -q"
    ).split()


def test_cli_equals_api_and_ffmpeg(raw_pair, capsys):
    tmp, ref, dis, bitdepth, fmt = raw_pair
    out = tmp / "log.json"
    # The long flag names, as the README writes them.
    rc = main(
        f"score --reference {tmp / 'ref.yuv'} --distorted {tmp / 'dis.yuv'} --width 176 "
        f"--height 144 --pixel-format {fmt} --bitdepth {bitdepth} --output {out} --quiet".split()
    )
    assert rc == 0
    printed = capsys.readouterr().out
    assert "vmaf_neg" in printed and "gap" in printed
    log = json.loads(out.read_text())
    api = pyvmafneg.score(ref, dis, backend="libvmaf")
    ff = ffmpeg_libvmaf(tmp, ref, dis)
    for key in ("vmaf", "vmaf_neg"):
        cli_vals = np.array([f["metrics"][key] for f in log["frames"]])
        ff_vals = np.array([f["metrics"][key] for f in ff["frames"]])
        assert np.abs(cli_vals - api.scores[key]).max() <= 5e-7
        assert np.abs(cli_vals - ff_vals).max() <= 1e-6


def test_cli_models_and_options(raw_pair, tmp_path, capsys):
    tmp, ref, dis, bitdepth, fmt = raw_pair
    out = tmp_path / "log.csv"
    rc = main(
        [
            *_score_args(tmp, fmt, bitdepth),
            "--no-clip",
            "--threads=2",
            "--model=vmaf_v0.6.1:name=plain",
            "--model=vmaf_v0.6.1:name=capped:vif_enhn_gain_limit=1.0:adm_enhn_gain_limit=1.0",
            "--subsample=2",
            f"--output={out}",
        ]
    )
    assert rc == 0
    header = out.read_text().splitlines()[0].split(",")
    assert "plain" in header and "capped" in header and "integer_adm2_egl_1" in header
    assert len(out.read_text().splitlines()) == 1 + 2  # frames 0 and 2


@pytest.mark.parametrize(
    ("width", "extra", "message"),
    [
        (176, ["--model", "vmaf_v7"], "unknown model 'vmaf_v7'"),
        (176, ["--model", "vmaf_v0.6.1:vif_enhn_gain_limit=0.5"], "outside libvmaf's range"),
        (175, [], "bytes left over"),  # a width that does not divide the file
    ],
)
def test_cli_errors_are_one_line(raw_pair, capsys, width, extra, message):
    tmp, _, _, bitdepth, fmt = raw_pair
    args = [*_score_args(tmp, fmt, bitdepth, width=width), *extra]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_frame_count_mismatch(tmp_path, capsys):
    ref = natural_clip("coffee", frames=3, width=64, height=48)
    write_yuv(ref, tmp_path / "ref.yuv")
    write_yuv(ref[:2], tmp_path / "dis.yuv")
    base = [
        "score",
        "-r",
        str(tmp_path / "ref.yuv"),
        "-d",
        str(tmp_path / "dis.yuv"),
        "-w",
        "64",
        "-H",
        "48",
        "-q",
    ]
    assert main(base) == 2
    assert "--frames 2" in capsys.readouterr().err
    assert main([*base, "--frames", "2"]) == 0


def test_cli_raw_needs_size(tmp_path, capsys):
    ref = natural_clip("coffee", frames=1, width=64, height=48)
    write_yuv(ref, tmp_path / "a.yuv")
    assert main(["score", "-r", str(tmp_path / "a.yuv"), "-d", str(tmp_path / "a.yuv")]) == 2
    assert "give its size (--width W, --height H)" in capsys.readouterr().err


def test_cli_missing_file(capsys):
    assert (
        main(["score", "-r", "/nonexistent.yuv", "-d", "/nonexistent.yuv", "-w", "64", "-H", "48"])
        == 2
    )
    assert "does not exist" in capsys.readouterr().err


def test_python_dash_m(tmp_path):
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "pyvmafneg", "--version"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and out.stdout.startswith("pyvmafneg ")


@pytest.mark.parametrize(
    ("flags", "keywords", "words"),
    [
        # scoring in segments takes neither a libvmaf library nor an FFmpeg executable
        (["--segments", "2", "--libvmaf", "/no/libvmaf.so"],
         {"segments": 2, "library": "/no/libvmaf.so"}, "leave out --libvmaf"),
        (["--segment-frames", "2", "--ffmpeg", "/no/ffmpeg"],
         {"segment_frames": 2, "ffmpeg": "/no/ffmpeg"}, "leave out --ffmpeg"),
        # and the options of segments mean nothing without them
        (["--workers", "2"], {"workers": 2}, "give --segments N or --segment-frames K"),
        (["--scheduler", "local"], {"scheduler": "local"}, "give --segments N"),
        (["--store", "s.jsonl"], {"store": "s.jsonl"}, "give --segments N"),
    ],
)  # fmt: skip
def test_cli_refuses_what_the_api_refuses(raw_pair, capsys, flags, keywords, words):
    """``score`` hands its flags to pyvmafneg.score, which refuses the same combinations."""
    tmp, ref, dis, bitdepth, fmt = raw_pair
    opened = [
        pyvmafneg.open_video(tmp / name, width=176, height=144, pixel_format=fmt, bitdepth=bitdepth)
        for name in ("ref.yuv", "dis.yuv")
    ]
    with pytest.raises(pyvmafneg.OptionError) as info:
        pyvmafneg.score(*opened, **keywords)
    capsys.readouterr()
    assert main([*_score_args(tmp, fmt, bitdepth), *flags]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err
    assert info.value.message in err[0]  # the same facts, worded for flags
