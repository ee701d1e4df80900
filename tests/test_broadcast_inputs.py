"""Broadcast inputs: deinterlacing, frame-rate conversion and cropping against FFmpeg's filters.

The oracle is the pipeline a user writes by hand: FFmpeg's own ``bwdif``,
``yadif``, ``fps`` and ``crop`` filters run on the command line at test time
(lossless FFV1 output), then scored by pyvmafneg. The in-process path (PyAV's
filter graph) must give the same frames, so the same scores as doubles.
Clips are tiny (320x180, a dozen frames) so the FFmpeg runs stay cheap.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from media_helpers import FFMPEG, assert_same_scores, ffmpeg, series, to_y4m

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.errors import InputFileError, OptionError
from pyvmafneg.io import open_video
from pyvmafneg.io._conform import check_crop, check_fps, conform_pair

W, H = 320, 180
X264 = ("-c:v", "libx264", "-preset", "ultrafast", "-threads", "1")


def by_hand(src: Path, out: Path, vf: str) -> Path:
    """``ffmpeg -i SRC -vf VF`` to lossless FFV1, one output frame per filtered frame."""
    ffmpeg("-i", str(src), "-vf", vf, "-fps_mode", "passthrough", "-c:v", "ffv1", str(out))
    return out


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 50p source, its 25i interlaced master, 25p and 50p encodes, a letterboxed encode."""
    d = tmp_path_factory.mktemp("broadcast")
    src = to_y4m(natural_clip("astronaut", frames=12, width=W, height=H), d / "src50.y4m", fps=50)
    m = {"src50": src}
    m["i25"] = d / "i25.mkv"  # top field first, coded interlaced
    ffmpeg(
        "-i", str(src), "-vf", "tinterlace=mode=interleave_top,setfield=tff", *X264,
        "-crf", "18", "-flags", "+ildct+ilme", "-x264-params", "tff=1", str(m["i25"]),
    )  # fmt: skip
    m["b25"] = d / "b25.mkv"  # bottom field first
    ffmpeg(
        "-i", str(src), "-vf", "tinterlace=mode=interleave_bottom,setfield=bff", *X264,
        "-crf", "18", "-flags", "+ildct+ilme", "-x264-params", "bff=1", str(m["b25"]),
    )  # fmt: skip
    m["y4m_i25"] = d / "i25.y4m"  # an interlaced Y4M master (header: It)
    ffmpeg(
        "-i", str(src), "-vf", "tinterlace=mode=interleave_top,setfield=tff",
        "-strict", "-1", str(m["y4m_i25"]),
    )  # fmt: skip
    m["p25"] = d / "p25.mkv"  # a progressive 25p encode
    ffmpeg("-i", str(src), "-vf", "fps=25", *X264, "-crf", "32", str(m["p25"]))
    m["s50"] = d / "s50.mkv"  # the 50p source as a near-lossless mezzanine
    ffmpeg("-i", str(src), *X264, "-crf", "12", str(m["s50"]))
    m["lb"] = d / "letterbox.mkv"  # 320x240 with black bars of 30 lines
    ffmpeg("-i", str(src), "-vf", "pad=320:240:0:30", *X264, "-crf", "30", str(m["lb"]))
    return m


def score(ref: object, dis: object, **kw: object) -> pyvmafneg.Result:
    return pyvmafneg.score(ref, dis, backend="libvmaf", threads=0, **kw)


def test_field_order_is_read_from_the_stream(media: dict[str, Path]) -> None:
    assert open_video(media["i25"]).field_order == "tff"
    assert open_video(media["b25"]).field_order == "bff"
    assert open_video(media["p25"]).field_order == "progressive"


@pytest.mark.parametrize("master", ["i25", "b25"])
def test_auto_deinterlaces_an_interlaced_master_as_bwdif_by_hand(
    tmp_path: Path, media: dict[str, Path], master: str, caplog: pytest.LogCaptureFixture
) -> None:
    hand = by_hand(media[master], tmp_path / "deint.mkv", "bwdif=mode=send_frame")
    expected = score(hand, media["p25"], deinterlace="off")
    with caplog.at_level(logging.INFO, logger="pyvmafneg"):
        got = score(media[master], media["p25"])  # deinterlace="auto" is the default
    assert_same_scores(got, expected)
    order = "top" if master == "i25" else "bottom"
    assert f"reference deinterlaced with bwdif (interlaced, {order} field first)" in caplog.text
    assert "distorted deinterlaced" not in caplog.text
    # Off scores the woven fields as stored: a different (lower) number.
    woven = score(media[master], media["p25"], deinterlace="off")
    assert woven.pooled("vmaf").mean < got.pooled("vmaf").mean


def test_an_interlaced_y4m_header_is_read_and_deinterlaced_on_request(
    tmp_path: Path, media: dict[str, Path]
) -> None:
    path = media["y4m_i25"]
    assert b" It " in path.read_bytes()[:80]
    with pytest.raises(InputFileError, match=r"is interlaced \(It, top field first\)"):
        open_video(path)
    assert open_video(path, interlaced=True).field_order == "tff"
    hand = by_hand(path, tmp_path / "deint.mkv", "bwdif=mode=send_frame")
    expected = score(hand, media["p25"], deinterlace="off")
    assert_same_scores(score(path, media["p25"]), expected)
    assert_same_scores(score(open_video(path, interlaced=True), media["p25"]), expected)
    with pytest.raises(InputFileError, match="is interlaced"):
        score(path, media["p25"], deinterlace="off")


def test_yadif_on_both_clips_equals_yadif_by_hand(tmp_path: Path, media: dict[str, Path]) -> None:
    ref = by_hand(media["i25"], tmp_path / "r.mkv", "yadif=mode=send_frame")
    # The progressive encode carries no field flags: the filter runs top field first.
    dis = by_hand(media["p25"], tmp_path / "d.mkv", "yadif=mode=send_frame:parity=tff")
    expected = score(ref, dis, deinterlace="off")
    assert_same_scores(score(media["i25"], media["p25"], deinterlace="yadif"), expected)


def test_fps_auto_converts_a_50p_source_to_its_25p_encode(
    tmp_path: Path, media: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    hand = by_hand(media["s50"], tmp_path / "s25.mkv", "fps=25")
    expected = score(hand, media["p25"])
    with caplog.at_level(logging.INFO, logger="pyvmafneg"):
        got = score(media["s50"], media["p25"], fps="auto")
    assert_same_scores(got, expected)
    assert len(got) == 6
    assert "reference converted from 50 to 25 fps (frames dropped" in caplog.text
    assert_same_scores(score(media["s50"], media["p25"], fps="25/1"), expected)


@pytest.mark.parametrize("rate", ["30000/1001", "60"])
def test_fps_to_a_given_rate_equals_the_fps_filter(
    tmp_path: Path, media: dict[str, Path], rate: str
) -> None:
    ref = by_hand(media["s50"], tmp_path / "r.mkv", f"fps={rate}")
    dis = by_hand(media["src50"], tmp_path / "d.mkv", f"fps={rate}")
    got = conform_pair(open_video(media["s50"]), open_video(media["src50"]), fps=rate)
    mine = list(got.reference)
    theirs = list(open_video(ref))
    assert len(mine) == len(theirs) == len(list(open_video(dis)))
    for a, b in zip(mine, theirs, strict=True):
        for pa, pb in zip(a.planes, b.planes, strict=True):
            np.testing.assert_array_equal(pa, pb)


def test_crop_scores_a_letterboxed_encode_as_crop_by_hand(
    tmp_path: Path, media: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    hand = by_hand(media["lb"], tmp_path / "cropped.mkv", "crop=320:180:0:30")
    expected = score(media["src50"], hand)
    with caplog.at_level(logging.INFO, logger="pyvmafneg"):
        got = score(media["src50"], media["lb"], crop="320:180:0:30")
    assert_same_scores(got, expected)
    assert "distorted cropped to 320x180 at (0, 30) from 320x240" in caplog.text
    # Uncropped, the bars would be scaled into the picture: not the same number.
    assert score(media["src50"], media["lb"]).pooled("vmaf").mean < got.pooled("vmaf").mean


def test_crop_detect_equals_cropdetect_then_crop_by_hand(
    tmp_path: Path, media: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    proc = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostdin", "-i", str(media["lb"]), "-vf", "cropdetect"]
        + ["-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    window = re.findall(r"crop=(\d+:\d+:\d+:\d+)", proc.stderr)[-1]
    hand = by_hand(media["lb"], tmp_path / "cropped.mkv", f"crop={window}")
    expected = score(media["src50"], hand)
    with caplog.at_level(logging.INFO, logger="pyvmafneg"):
        got = score(media["src50"], media["lb"], crop="detect")
    assert_same_scores(got, expected)
    assert f"distorted crop window detected with FFmpeg's cropdetect: {window}" in caplog.text


def test_a_comparison_manifest_takes_the_steps(tmp_path: Path, media: dict[str, Path]) -> None:
    from pyvmafneg.comparison._batch import run_comparison

    manifest = tmp_path / "m.toml"
    manifest.write_text(
        f"[comparison]\nconvert_fps = 'auto'\n"
        f"[[reference]]\nname = 'src'\nfile = '{media['s50']}'\n"
        f"[[encode]]\nreference = 'src'\ncodec = 'x264'\npoint = 'p25'\n"
        f"file = '{media['p25']}'\n"
        f"[[encode]]\nreference = 'src'\ncodec = 'x264'\nsetting = 'bars'\npoint = 'lb'\n"
        f"file = '{media['lb']}'\nconvert_fps = 'off'\ncrop = '320:180:0:30'\n"
    )
    store = tmp_path / "store.jsonl"
    outcome = run_comparison(manifest, store=store, workers=1, progress=False)
    rows = {r.point: r for r in outcome.comparison.rows}
    expected = {
        "p25": score(media["s50"], media["p25"], fps="auto"),
        "lb": score(media["s50"], media["lb"], crop="320:180:0:30"),
    }
    for point, result in expected.items():
        assert rows[point].status == "ok"
        for key in ("vmaf", "vmaf_neg"):
            assert rows[point].scores[key] == result.pooled(key).mean
    bad = tmp_path / "bad.toml"
    bad.write_text(manifest.read_text().replace("'320:180:0:30'", "'320:300:0:0'", 1))
    again = run_comparison(bad, store=store, workers=1, progress=False)
    assert (again.reused, again.failed) == (1, 1)  # the window is part of the pair's key
    failed = {r.point: r for r in again.comparison.rows}["lb"]
    assert failed.status == "error" and "reaches outside" in failed.error
    bad.write_text(manifest.read_text().replace("'auto'", "'often'", 1))
    with pytest.raises(pyvmafneg.errors.ManifestError, match="convert_fps: fps must be"):
        run_comparison(bad, store=store, workers=1, progress=False)


def test_the_ffmpeg_backend_scores_the_filtered_frames(media: dict[str, Path]) -> None:
    expected = score(media["src50"], media["lb"], crop="320:180:0:30")
    got = pyvmafneg.score(media["src50"], media["lb"], backend="ffmpeg", crop="320:180:0:30")
    for key in ("vmaf", "vmaf_neg"):
        np.testing.assert_allclose(got[key], expected[key], atol=1e-6, rtol=0)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"deinterlace": "weave"}, "deinterlace must be 'auto', 'off', 'bwdif' or 'yadif'"),
        ({"fps": "fast"}, "fps must be 'auto', 'off' or a rate"),
        ({"fps": "25/0"}, "fps must be 'auto', 'off' or a rate"),
        ({"crop": "320:180"}, None),
        ({"crop": "320x180"}, "crop must be 'W:H:X:Y'"),
        ({"crop": "320:200:0:50"}, "reaches outside the distorted clip's 320x240 frame"),
    ],
)
def test_bad_values_raise_option_error(media: dict[str, Path], kw: dict, match: str | None) -> None:
    if match is None:  # 'W:H' is centred, as FFmpeg centres it
        got = conform_pair(open_video(media["src50"]), open_video(media["lb"]), **kw)
        assert got.filters["distorted"] == "crop=320:180:0:30"
        return
    with pytest.raises(OptionError, match=match) as err:
        score(media["src50"], media["lb"], **kw)
    assert err.value.option == next(iter(kw))


def test_checks() -> None:
    assert check_fps("30000/1001").denominator == 1001
    assert check_fps(None) == "off"
    assert check_crop("10:20:2:4").ffmpeg_filter() == "crop=10:20:2:4"
    with pytest.raises(OptionError):
        check_fps(True)


def test_frames_refuse_explicit_steps_and_segments_too(media: dict[str, Path]) -> None:
    frames = list(open_video(media["src50"]))
    with pytest.raises(OptionError, match="crop apply to videos"):
        score(frames, frames, crop="16:16:0:0")
    with pytest.raises(OptionError, match="fps cannot be combined with scoring in segments: a"):
        pyvmafneg.score(media["s50"], media["p25"], fps="auto", segments=2)


@pytest.mark.parametrize(
    ("ref", "dis", "flags", "kw"),
    [
        ("s50", "p25", ["--fps", "auto"], {"fps": "auto"}),
        ("src50", "lb", ["--crop", "320:180:0:30"], {"crop": "320:180:0:30"}),
        ("src50", "lb", ["--crop", "detect"], {"crop": "detect"}),
        ("i25", "p25", ["--deinterlace", "yadif"], {"deinterlace": "yadif"}),
        ("i25", "p25", [], {}),
        ("i25", "p25", ["--deinterlace", "off"], {"deinterlace": "off"}),
        ("y4m_i25", "p25", [], {}),
    ],
)
def test_cli_flags_equal_the_library(
    tmp_path: Path,
    media: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    ref: str,
    dis: str,
    flags: list[str],
    kw: dict,
) -> None:
    out = tmp_path / "log.json"
    argv = ["score", "-r", str(media[ref]), "-d", str(media[dis]), "--backend", "libvmaf"]
    assert main([*argv, "--threads", "0", *flags, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    expected = score(media[ref], media[dis], **kw)
    logged = json.loads(out.read_text())
    for key in ("vmaf", "vmaf_neg"):  # the log prints six decimals
        np.testing.assert_allclose(series(logged, key), expected[key], atol=1e-6, rtol=0)
    said = {
        "s50": "reference converted from 50 to 25 fps",
        "src50": "distorted cropped to 320x1",
        "i25": "reference deinterlaced with",
        "y4m_i25": "reference deinterlaced with bwdif (interlaced, top field first)",
    }[ref]
    assert (said in err) == (kw.get("deinterlace") != "off")


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--fps", "often"], "fps must be 'auto', 'off' or a rate"),
        (["--crop", "400:180:0:0"], "reaches outside the distorted clip's 320x180 frame"),
    ],
)
def test_cli_bad_values_are_one_line_exit_2(
    media: dict[str, Path], capsys: pytest.CaptureFixture[str], flags: list[str], words: str
) -> None:
    code = main(["score", "-r", str(media["s50"]), "-d", str(media["p25"]), *flags])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert words in err and "\n" not in err and "Traceback" not in err


def test_segments_deinterlace_an_interlaced_clip_too(media: dict[str, Path]) -> None:
    from pyvmafneg._score import _conform

    ref, dis = open_video(media["i25"]), open_video(media["p25"])
    _, _, pair = _conform(ref, dis, {}, segmented=True, sync=False)
    assert pair is not None
    assert pair.filters == {"reference": "bwdif=mode=send_frame:parity=tff:deint=all"}


# -- the steps with segments and with several encodes ---------------------------------------

#: One pass of libvmaf, in segments: three of four frames each, two worker processes.
SEGMENTS = {"segments": 3, "workers": 2}


@pytest.mark.parametrize("master", ["i25", "y4m_i25"])
def test_segments_deinterlace_as_bwdif_by_hand(
    tmp_path: Path, media: dict[str, Path], master: str
) -> None:
    hand = by_hand(media[master], tmp_path / "deint.mkv", "bwdif=mode=send_frame")
    expected = score(hand, media["p25"], deinterlace="off")
    got = pyvmafneg.score(media[master], media["p25"], backend="libvmaf", **SEGMENTS)
    assert_same_scores(got, expected)


def test_segments_yadif_on_both_and_crop_by_hand(tmp_path: Path, media: dict[str, Path]) -> None:
    ref = by_hand(media["i25"], tmp_path / "r.mkv", "yadif=mode=send_frame")
    dis = by_hand(media["p25"], tmp_path / "d.mkv", "yadif=mode=send_frame:parity=tff")
    expected = score(ref, dis, deinterlace="off")
    got = pyvmafneg.score(
        media["i25"], media["p25"], backend="libvmaf", deinterlace="yadif", **SEGMENTS
    )
    assert_same_scores(got, expected)
    hand = by_hand(media["lb"], tmp_path / "cropped.mkv", "crop=320:180:0:30")
    got = pyvmafneg.score(
        media["src50"], media["lb"], backend="libvmaf", crop="320:180:0:30", **SEGMENTS
    )
    assert_same_scores(got, score(media["src50"], hand))
    # cropdetect's window (320:176:0:32, rounded to 16): one pass equals it by hand (above)
    got = pyvmafneg.score(media["src50"], media["lb"], backend="libvmaf", crop="detect", **SEGMENTS)
    assert_same_scores(got, score(media["src50"], media["lb"], crop="detect"))


def test_segments_store_keys_carry_the_steps(tmp_path: Path, media: dict[str, Path]) -> None:
    store = tmp_path / "store.jsonl"
    runs = []
    for deinterlace in ("bwdif", "yadif", "bwdif"):
        pyvmafneg.score(
            media["i25"],
            media["p25"],
            backend="libvmaf",
            deinterlace=deinterlace,
            store=store,
            on_run=runs.append,
            **SEGMENTS,
        )
    assert [len(r.reused) for r in runs] == [0, 0, 3]  # another chain is another key


def test_score_many_takes_the_steps_as_score_does(tmp_path: Path, media: dict[str, Path]) -> None:
    # fps='auto': each encode's own rate (the 25p encode converts the reference, the 50p not)
    hand = by_hand(media["s50"], tmp_path / "s25.mkv", "fps=25")
    got = pyvmafneg.score_many(
        media["s50"], [media["p25"], media["src50"]], backend="libvmaf", threads=0, fps="auto"
    )
    assert_same_scores(got[0], score(hand, media["p25"]))
    assert_same_scores(got[1], score(media["s50"], media["src50"]))
    # an interlaced master deinterlaced by default, as score() does
    hand = by_hand(media["i25"], tmp_path / "deint.mkv", "bwdif=mode=send_frame")
    got = pyvmafneg.score_many(
        media["i25"], [media["p25"], media["p25"]], backend="libvmaf", threads=0
    )
    expected = score(hand, media["p25"], deinterlace="off")
    for r in got:
        assert_same_scores(r, expected)
    # crop on every encode
    hand = by_hand(media["lb"], tmp_path / "cropped.mkv", "crop=320:180:0:30")
    got = pyvmafneg.score_many(
        media["src50"], [media["lb"], media["lb"]], backend="libvmaf", crop="320:180:0:30"
    )
    for r in got:
        assert_same_scores(r, score(media["src50"], hand))


def test_cli_several_encodes_take_the_steps(
    tmp_path: Path, media: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "logs"
    argv = ["score", "-r", str(media["s50"]), "-d", str(media["p25"]), "-d", str(media["src50"])]
    code = main([*argv, "--backend", "libvmaf", "--fps", "auto", "--output-dir", str(out)])
    assert code == 0, capsys.readouterr().err
    hand = by_hand(media["s50"], tmp_path / "s25.mkv", "fps=25")
    for name, expected in (
        ("p25", score(hand, media["p25"])),
        ("src50", score(media["s50"], media["src50"])),
    ):
        logged = json.loads((out / f"{name}.json").read_text())
        for key in ("vmaf", "vmaf_neg"):  # the log prints six decimals
            np.testing.assert_allclose(series(logged, key), expected[key], atol=1e-6, rtol=0)
    # an interlaced Y4M master, deinterlaced by default
    argv = ["score", "-r", str(media["y4m_i25"]), "-d", str(media["p25"])]
    code = main([*argv, "--backend", "libvmaf", "--output-dir", str(tmp_path / "y4m")])
    assert code == 0, capsys.readouterr().err
    hand = by_hand(media["y4m_i25"], tmp_path / "deint.mkv", "bwdif=mode=send_frame")
    expected = score(hand, media["p25"], deinterlace="off")
    logged = json.loads((tmp_path / "y4m" / "p25.json").read_text())
    np.testing.assert_allclose(series(logged, "vmaf_neg"), expected["vmaf_neg"], atol=1e-6, rtol=0)


@pytest.mark.parametrize("ref", ["y4m_i25", "i25"])
def test_check_of_an_interlaced_source_grades_without_frame_evidence(
    media: dict[str, Path], capsys: pytest.CaptureFixture[str], ref: str
) -> None:
    """score --check on an interlaced source deinterlaces to score, then grades the pair by
    its log alone (the frame evidence compares files' frames, not deinterlaced ones)."""
    code = main(["score", "-r", str(media[ref]), "-d", str(media["p25"]), "--check"])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert "frame evidence not gathered: an input is interlaced" in captured.err
    assert "frames scored" in captured.out and "error" not in captured.err
