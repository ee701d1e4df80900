"""Y4M reader and writer: header tags, FFmpeg interoperability, scores, errors."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from media_helpers import H, W, clip, decode_to_yuv, ffmpeg, sharpen, to_y4m, to_yuv

from pyvmafneg import score
from pyvmafneg.cli import main
from pyvmafneg.errors import InputFileError, TruncatedInputError
from pyvmafneg.io._sources import open_video
from pyvmafneg.io._y4m import count_y4m_frames, read_y4m, read_y4m_header, write_y4m


def _planes_equal(a, b) -> None:  # type: ignore[no-untyped-def]
    assert len(a) == len(b)
    for fa, fb in zip(a, b, strict=True):
        assert (fa.pixel_format, fa.bitdepth) == (fb.pixel_format, fb.bitdepth)
        for pa, pb in zip(fa.planes, fb.planes, strict=True):
            np.testing.assert_array_equal(pa, pb)


@pytest.mark.parametrize(
    ("fmt", "bits", "tag"),
    [
        ("420", 8, "C420jpeg"),
        ("420", 10, "C420p10"),
        ("422", 12, "C422p12"),
        ("444", 8, "C444"),
        ("444", 16, "C444p16"),
        ("400", 8, "Cmono"),
        ("400", 10, "Cmono10"),
    ],
)
def test_round_trip_keeps_every_sample(tmp_path: Path, fmt: str, bits: int, tag: str) -> None:
    frames = clip(3, bitdepth=bits, pixel_format=fmt, width=34, height=22)
    path = to_y4m(frames, tmp_path / "c.y4m", fps=(30000, 1001), color_range="limited")
    info = read_y4m_header(path)
    assert tag in path.read_bytes().split(b"\n", 1)[0].decode()
    assert (info.width, info.height, info.pixel_format, info.bitdepth) == (34, 22, fmt, bits)
    assert info.fps == Fraction(30000, 1001)
    assert info.color_range == "limited"
    assert count_y4m_frames(path) == 3
    _planes_equal(list(read_y4m(path)), frames)


@pytest.mark.parametrize(("bits", "pix_fmt"), [(8, "yuv420p"), (10, "yuv420p10le")])
def test_ffmpeg_reads_our_y4m_and_we_read_ffmpegs(tmp_path: Path, bits: int, pix_fmt: str) -> None:
    frames = clip(4, bitdepth=bits)
    ours = to_y4m(frames, tmp_path / "ours.y4m")
    raw = decode_to_yuv(ours, tmp_path / "ffmpeg.yuv", "420", bits)
    assert raw.read_bytes() == to_yuv(frames, tmp_path / "ours.yuv").read_bytes()
    theirs = tmp_path / "theirs.y4m"
    ffmpeg(
        "-f",
        "rawvideo",
        "-pix_fmt",
        pix_fmt,
        "-s",
        f"{W}x{H}",
        "-r",
        "24",
        "-i",
        str(raw),
        "-strict",
        "-1",
        str(theirs),
    )
    src = open_video(theirs)
    assert (src.kind, src.bitdepth, src.frame_count, src.fps) == ("y4m", bits, 4, 24.0)
    _planes_equal(list(src), frames)


@pytest.mark.parametrize("bits", [8, 10])
def test_y4m_pair_scores_identically_to_raw_yuv(tmp_path: Path, bits: int) -> None:
    ref = clip(5, bitdepth=bits)
    dis = sharpen(ref, 0.8)
    y4m = score(
        open_video(to_y4m(ref, tmp_path / "r.y4m")),
        open_video(to_y4m(dis, tmp_path / "d.y4m")),
        clip=False,
    )
    geo = dict(width=W, height=H, pixel_format="420", bitdepth=bits)
    raw = score(
        open_video(to_yuv(ref, tmp_path / "r.yuv"), **geo),
        open_video(to_yuv(dis, tmp_path / "d.yuv"), **geo),
        clip=False,
    )
    assert len(y4m) == 5
    assert y4m.pooled_gap > 0.5  # the clip really differs, so equality means something
    for key in raw.keys():
        np.testing.assert_array_equal(y4m[key], raw[key], err_msg=key)


def test_frame_parameters_and_colour_range(tmp_path: Path) -> None:
    frames = clip(2, width=16, height=16)
    body = b"".join(b"FRAME Ixyz\n" + b"".join(p.tobytes() for p in f.planes) for f in frames)
    path = tmp_path / "p.y4m"
    path.write_bytes(b"YUV4MPEG2 W16 H16 F25:1 I? A0:0 C420mpeg2 XCOLORRANGE=FULL\n" + body)
    src = open_video(path)
    assert (src.frame_count, src.color_range, src.fps) == (2, "full", 25.0)
    _planes_equal(list(src), frames)


def _y4m_with_header(tmp_path: Path, header: bytes, frame_bytes: int = 16 * 16 * 3 // 2) -> Path:
    path = tmp_path / "bad.y4m"
    path.write_bytes(header + b"FRAME\n" + bytes(frame_bytes))
    return path


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"YUV4MPEG2 W16 H16 F25:1 It C420jpeg\n", "is interlaced (It, top field first)"),
        (b"YUV4MPEG2 W16 H16 F25:1 Ib\n", "is interlaced (Ib, bottom field first)"),
        (b"YUV4MPEG2 W16 H16 Im\n", "is interlaced (Im, mixed)"),
        (b"YUV4MPEG2 W16 H16 C411\n", "C411 is a chroma layout or bit depth libvmaf does not"),
        (b"YUV4MPEG2 W16 H16 C420p9\n", "C420p9 is a chroma layout or bit depth"),
        (b"YUV4MPEG2 W16 H16 Cfoo\n", "Cfoo is an unknown chroma layout"),
        (b"YUV4MPEG2 W16 F25:1\n", "has no H (size) tag"),
        (b"YUV4MPEG2 Wabc H16\n", "size tag 'Wabc' is not a positive integer"),
        (b"YUV4MPEG2 W16 H16 F25\n", "tag F25 is malformed"),
        (b"YUV4MPEG2 W16 H16 Ix\n", "unknown Y4M interlacing tag Ix"),
    ],
)
def test_bad_headers_are_refused_with_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], header: bytes, message: str
) -> None:
    path = _y4m_with_header(tmp_path, header)
    with pytest.raises(InputFileError, match="bad.y4m") as err:
        open_video(path)
    assert message in str(err.value)
    good = to_y4m(clip(1, width=16, height=16), tmp_path / "good.y4m")
    # Interlaced headers are read when deinterlaced (the default, --deinterlace auto).
    off = ["--deinterlace", "off"] if "is interlaced (I" in message else []
    assert main(["score", "-r", str(good), "-d", str(path), "-q", *off]) == 2
    assert message in capsys.readouterr().err


def test_truncated_y4m_names_the_frame(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = to_y4m(clip(3, width=16, height=16), tmp_path / "t.y4m")
    data = path.read_bytes()
    path.write_bytes(data[:-100])
    with pytest.raises(TruncatedInputError, match=r"ends inside frame 2: 284 of 384 bytes"):
        open_video(path)
    ref = to_y4m(clip(3, width=16, height=16), tmp_path / "r.y4m")
    assert main(["score", "-r", str(ref), "-d", str(path), "-q"]) == 2
    err = capsys.readouterr().err
    assert "ends inside frame 2" in err and "truncated after 2 complete frames" in err
    # Streaming straight from the reader yields the complete frames, then stops loudly.
    frames = []
    with pytest.raises(TruncatedInputError, match="ends inside frame 2"):
        for f in read_y4m(path):
            frames.append(f)
    assert len(frames) == 2


def test_garbage_between_frames_and_empty_files(tmp_path: Path) -> None:
    path = to_y4m(clip(2, width=16, height=16), tmp_path / "g.y4m")
    data = path.read_bytes()
    path.write_bytes(data + b"JUNK" * 20)
    with pytest.raises(InputFileError, match=r"expected a FRAME header for frame 2 but found"):
        open_video(path)
    header_only = tmp_path / "h.y4m"
    header_only.write_bytes(b"YUV4MPEG2 W16 H16\n")
    with pytest.raises(InputFileError, match="a header but no frames"):
        open_video(header_only)
    no_newline = tmp_path / "n.y4m"
    no_newline.write_bytes(b"YUV4MPEG2 W16 H16" + b" " * 9000)
    with pytest.raises(TruncatedInputError, match="header line does not end"):
        open_video(no_newline)


def test_writer_refuses_a_clip_that_changes_size(tmp_path: Path) -> None:
    frames = clip(1, width=16, height=16) + clip(1, width=32, height=16)
    with pytest.raises(InputFileError, match="frame 1 is 32x16"):
        write_y4m(frames, tmp_path / "x.y4m")
