"""Opening real inputs: containers decoded by PyAV, kind detection, validation."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from media_helpers import (
    H,
    W,
    assert_same_scores,
    clip,
    decode_to_yuv,
    encode,
    ffmpeg,
    to_y4m,
    to_yuv,
)

from pyvmafneg import score
from pyvmafneg.cli import main
from pyvmafneg.errors import DecodeError, FrameMismatchError, InputFileError
from pyvmafneg.io._decode import layout_of
from pyvmafneg.io._sources import detect_kind, match_sources, open_video


@pytest.fixture(scope="module")
def ref_y4m(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return to_y4m(clip(6), tmp_path_factory.mktemp("src") / "ref.y4m")


@pytest.mark.parametrize(
    ("suffix", "pix_fmt", "fmt", "bits"),
    [
        (".mkv", "yuv420p", "420", 8),
        (".mp4", "yuv420p", "420", 8),
        (".mp4", "yuv420p10le", "420", 10),
        (".mkv", "yuv444p", "444", 8),
    ],
)
def test_encoded_file_scores_like_its_decoded_raw_yuv(
    tmp_path: Path, ref_y4m: Path, suffix: str, pix_fmt: str, fmt: str, bits: int
) -> None:
    src = ref_y4m
    if (fmt, bits) != ("420", 8):
        src = to_y4m(clip(6, bitdepth=bits, pixel_format=fmt), tmp_path / "ref.y4m")
    encoded = encode(src, tmp_path / f"dis{suffix}", crf=32, pix_fmt=pix_fmt)
    raw = decode_to_yuv(encoded, tmp_path / "dis.yuv", fmt, bits)
    video = open_video(encoded)
    assert (video.kind, video.pixel_format, video.bitdepth) == ("container", fmt, bits)
    assert (video.width, video.height, video.fps) == (W, H, 25.0)
    geo = dict(width=W, height=H, pixel_format=fmt, bitdepth=bits)
    # Same frames: every decoded plane equals FFmpeg's own decode (padding cropped).
    decoded = list(video)
    raw_frames = list(open_video(raw, **geo))
    assert len(decoded) == len(raw_frames) == 6
    for a, b in zip(decoded, raw_frames, strict=True):
        for pa, pb in zip(a.planes, b.planes, strict=True):
            np.testing.assert_array_equal(pa, pb)
    # Same numbers.
    direct = score(open_video(src), open_video(encoded))
    via_raw = score(open_video(src), open_video(raw, **geo))
    assert direct.pooled().mean < 99  # a real encode, not a copy
    assert_same_scores(direct, via_raw)


def test_cli_scores_a_container_directly(
    tmp_path: Path, ref_y4m: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    encoded = encode(ref_y4m, tmp_path / "dis.mkv", crf=30)
    out = tmp_path / "log.json"
    argv = ["score", "-r", str(ref_y4m), "-d", str(encoded), "-o", str(out), "-q"]
    assert main([*argv, "--backend", "libvmaf"]) == 0
    printed = capsys.readouterr()
    assert "6 frames scored (libvmaf)" in printed.out
    assert "\r" not in printed.err  # no progress bar when stderr is not a terminal
    direct = score(open_video(ref_y4m), open_video(encoded))
    from pyvmafneg.results._logs import read_log

    log = read_log(out)
    np.testing.assert_allclose(log.metrics["vmaf_neg"], direct["vmaf_neg"], atol=5e-7)


def test_detect_kind(tmp_path: Path, ref_y4m: Path) -> None:
    misnamed = tmp_path / "actually_y4m.yuv"
    misnamed.write_bytes(ref_y4m.read_bytes())
    assert detect_kind(misnamed) == "y4m"
    assert detect_kind(ref_y4m) == "y4m"
    raw = to_yuv(clip(1), tmp_path / "a.yuv")
    assert detect_kind(raw) == "raw"
    assert detect_kind(tmp_path / "b.mkv") == "container"


def test_layout_names() -> None:
    assert layout_of("yuv420p10le") == ("420", 10, None)
    assert layout_of("yuvj422p") == ("422", 8, None)
    assert layout_of("gray12le") == ("400", 12, None)
    assert layout_of("yuva444p") == ("444", 8, None)
    assert layout_of("nv12") == ("420", 8, "yuv420p")
    assert layout_of("p010le") == ("420", 10, "yuv420p10le")
    assert layout_of("yuv444p16be") == ("444", 16, "yuv444p16le")
    with pytest.raises(InputFileError, match="9-bit"):
        layout_of("yuv420p9le")
    with pytest.raises(InputFileError, match="rgb24, which is not planar YUV"):
        layout_of("rgb24")


def test_rgb_container_is_refused_with_advice(tmp_path: Path, ref_y4m: Path) -> None:
    rgb = tmp_path / "rgb.mkv"
    ffmpeg("-i", str(ref_y4m), "-frames:v", "2", "-pix_fmt", "rgb24", "-c:v", "ffv1", str(rgb))
    with pytest.raises(
        InputFileError, match=r"rgb\.mkv.*decodes to \w+, which is not planar YUV.*-pix_fmt yuv420p"
    ):
        open_video(rgb)


def _corrupt_keyframe(src: Path, out: Path, index: int) -> None:
    with av.open(str(src)) as container:
        packets = [(p.pos, p.size) for p in container.demux(video=0) if p.size]
    pos, size = packets[index]
    data = bytearray(src.read_bytes())
    data[pos + size // 4 : pos + size] = bytes(size - size // 4)
    out.write_bytes(bytes(data))


def test_decode_error_names_file_and_frame(
    tmp_path: Path, ref_y4m: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = encode(ref_y4m, tmp_path / "good.mkv", crf=23, extra=("-g", "3"))
    bad = tmp_path / "bad.mkv"
    _corrupt_keyframe(good, bad, 3)
    with pytest.raises(DecodeError, match=r"bad\.mkv'?: frame 3 is corrupt"):
        list(open_video(bad))
    assert main(["score", "-r", str(ref_y4m), "-d", str(bad), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "frame 3 is corrupt" in err and "--frames 3" in err
    # The frames before the damage can be scored.
    assert main(["score", "-r", str(ref_y4m), "-d", str(bad), "-q", "--frames", "3"]) == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.mp4", "is empty (0 bytes)"),
        (b"\x00\x01garbage" * 300, "junk.mp4", "FFmpeg (PyAV) does not recognise it"),
        (None, "missing.mkv", "does not exist"),
        (b"\x10" * 100, "raw.yuv", "is raw YUV, which does not record its size; give its size ("),
    ],
)
def test_unreadable_inputs(
    tmp_path: Path,
    ref_y4m: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    name: str,
    message: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputFileError) as err:
        open_video(path)
    assert message in str(err.value) and name in str(err.value)
    assert main(["score", "-r", str(ref_y4m), "-d", str(path), "-q"]) == 2
    err_text = capsys.readouterr().err
    assert message in err_text and "Traceback" not in err_text


def test_resolution_mismatch_suggests_scaling(
    tmp_path: Path, ref_y4m: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = to_y4m(clip(6, width=160, height=96), tmp_path / "small.y4m")
    with pytest.raises(FrameMismatchError, match=r"is 176x144 but distorted .* is 160x96"):
        match_sources(open_video(ref_y4m), open_video(small))
    argv = ["score", "-r", str(ref_y4m), "-d", str(small), "-q", "--scale", "none"]
    assert main(argv) == 2
    assert "scale=176:144" in capsys.readouterr().err


def test_bitdepth_mismatch(tmp_path: Path, ref_y4m: Path) -> None:
    ten = to_y4m(clip(6, bitdepth=10), tmp_path / "ten.y4m")
    with pytest.raises(FrameMismatchError, match="8-bit but distorted is 420 10-bit"):
        match_sources(open_video(ref_y4m), open_video(ten))


def test_frame_count_mismatch_and_common_prefix(
    tmp_path: Path, ref_y4m: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short = to_y4m(clip(6)[:4], tmp_path / "short.y4m")
    with pytest.raises(FrameMismatchError, match="has 6 frames but distorted .* has 4"):
        match_sources(open_video(ref_y4m), open_video(short))
    assert main(["score", "-r", str(ref_y4m), "-d", str(short), "-q"]) == 2
    assert "pass --frames 4" in capsys.readouterr().err
    assert main(["score", "-r", str(ref_y4m), "-d", str(short), "-q", "--frames", "4"]) == 0
    assert "4 frames scored" in capsys.readouterr().out
    assert main(["score", "-r", str(ref_y4m), "-d", str(short), "-q", "--frames", "5"]) == 2
    assert "holds only 4" in capsys.readouterr().err
    prefix = score(open_video(ref_y4m), open_video(short), frames=4)
    alone = score(list(open_video(ref_y4m))[:4], open_video(short))
    assert_same_scores(prefix, alone)


def test_unknown_length_container_mismatch_is_caught(
    tmp_path: Path, ref_y4m: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short = encode(to_y4m(clip(6)[:4], tmp_path / "s.y4m"), tmp_path / "short.mkv")
    assert open_video(short).frame_count is None  # Matroska does not record it
    assert main(["score", "-r", str(ref_y4m), "-d", str(short), "-q"]) == 2
    assert "pass --frames 4" in capsys.readouterr().err


def test_rate_and_range_differences_warn(
    tmp_path: Path, ref_y4m: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = clip(6)
    other = to_y4m(frames, tmp_path / "other.y4m", fps=30, color_range="full")
    ref = to_y4m(frames, tmp_path / "ref.y4m", fps=25, color_range="limited")
    warnings = match_sources(open_video(ref), open_video(other))
    assert len(warnings) == 2
    assert "25 fps but distorted at 30 fps" in warnings[0]
    assert "limited-range but distorted is full-range" in warnings[1]
    assert main(["score", "-r", str(ref), "-d", str(other)]) == 0
    err = capsys.readouterr().err
    assert err.count("pyvmafneg score: warning:") == 2
    assert main(["score", "-r", str(ref), "-d", str(other), "--quiet"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert match_sources(open_video(ref_y4m), open_video(ref_y4m)) == []
