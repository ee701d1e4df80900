"""Every bad input raises a specific pyvmafneg error whose message says what to do."""

from __future__ import annotations

import numpy as np
import pytest

import pyvmafneg
from pyvmafneg import (
    FrameError,
    FrameMismatchError,
    GainLimitError,
    LibvmafError,
    ModelError,
    Scorer,
    ScorerStateError,
    TruncatedInputError,
    VmafNegError,
)
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.io._frame import Frame
from pyvmafneg.io._rawyuv import read_yuv, write_yuv


@pytest.fixture(scope="module")
def pair():
    clip = natural_clip("coffee", frames=2, width=64, height=48)
    return clip[0], clip[1]


def test_hierarchy():
    for exc in (
        FrameError,
        FrameMismatchError,
        GainLimitError,
        LibvmafError,
        ModelError,
        ScorerStateError,
        TruncatedInputError,
    ):
        assert issubclass(exc, VmafNegError)


def test_mismatched_shape(pair):
    other = natural_clip("coffee", frames=1, width=66, height=48)[0]
    with Scorer() as s, pytest.raises(FrameMismatchError, match="scale the distorted"):
        s.feed(pair[0], other)


def test_mismatched_bitdepth(pair):
    ten = natural_clip("coffee", frames=1, width=64, height=48, bitdepth=10)[0]
    with Scorer() as s, pytest.raises(FrameMismatchError, match="8-bit but distorted is 10-bit"):
        s.feed(pair[0], ten)


def test_mismatched_format(pair):
    f444 = natural_clip("coffee", frames=1, width=64, height=48, pixel_format="444")[0]
    with Scorer() as s, pytest.raises(FrameMismatchError, match="share a pixel format"):
        s.feed(pair[0], f444)


def test_geometry_change_mid_clip(pair):
    small = natural_clip("coffee", frames=2, width=48, height=48)
    with Scorer() as s:
        s.feed(*pair)
        with pytest.raises(FrameMismatchError, match="clip started as 64x48"):
            s.feed(small[0], small[1])


def test_wrong_dtype():
    with pytest.raises(FrameError, match="use uint8 for 8-bit or uint16"):
        Frame.from_planes(np.zeros((48, 64), np.float32))
    with pytest.raises(FrameError, match="need an explicit bitdepth"):
        Frame.from_planes(np.zeros((48, 64), np.uint16))
    with pytest.raises(FrameError, match="stored as uint16"):
        Frame((np.zeros((48, 64), np.uint8),), 10, "400")


def test_out_of_range_samples():
    plane = np.full((48, 64), 1023, np.uint16)
    plane[3, 4] = 1024
    with pytest.raises(FrameError, match="holds the value 1024, above 1023"):
        Frame.from_planes(plane, bitdepth=10)
    with pytest.raises(FrameError, match="above 1023"):
        pyvmafneg.score([plane], [plane], bitdepth=10, backend="libvmaf")


def test_bad_chroma_shapes():
    y = np.zeros((48, 64), np.uint8)
    with pytest.raises(FrameError, match="fit no pixel format"):
        Frame.from_planes(y, np.zeros((10, 10), np.uint8), np.zeros((10, 10), np.uint8))
    with pytest.raises(FrameError, match="both chroma planes"):
        Frame.from_planes(y, np.zeros((24, 32), np.uint8))


def test_too_small_for_libvmaf():
    tiny = np.zeros((16, 16), np.uint8)
    with pytest.raises(FrameError, match="at least 33x33"):
        pyvmafneg.score([tiny], [tiny], backend="libvmaf")


def test_truncated_raw_file(tmp_path, pair):
    path = tmp_path / "clip.yuv"
    write_yuv([pair[0], pair[1]], path)
    with open(path, "ab") as fh:
        fh.write(b"\0" * 100)
    with pytest.raises(TruncatedInputError, match="100 bytes left over"):
        read_yuv(path, 64, 48, "420", 8)


def test_unknown_model():
    with pytest.raises(ModelError, match="unknown model 'vmaf_v9'"):
        Scorer(["vmaf_v9"])
    with pytest.raises(ModelError, match="does not exist"):
        Scorer(["/nonexistent/model.json"])


def test_invalid_json_model(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a model"}')
    with pytest.raises(ModelError, match="not a readable libvmaf JSON model"):
        Scorer([str(bad)])


@pytest.mark.parametrize("limit", [0.5, 0.999, 100.5, float("nan"), -1])
def test_gain_limit_out_of_range(limit):
    with pytest.raises(GainLimitError, match=r"outside libvmaf's range \[1.0, 100.0\]"):
        pyvmafneg.ModelSpec("vmaf_v0.6.1", vif_gain_limit=limit)
    with pytest.raises(GainLimitError):
        pyvmafneg.parse_model(f"vmaf_v0.6.1:adm_enhn_gain_limit={limit}")


@pytest.mark.parametrize("limit", [1.0, 1.5, 100.0])
def test_gain_limit_in_range(limit):
    spec = pyvmafneg.parse_model(f"vmaf_v0.6.1:egl={limit}")
    assert spec.vif_gain_limit == spec.adm_gain_limit == limit


def test_feed_after_flush(pair):
    with Scorer() as s:
        s.feed(*pair)
        s.flush()
        with pytest.raises(ScorerStateError, match="already flushed"):
            s.feed(*pair)


def test_flush_without_frames():
    with Scorer() as s, pytest.raises(ScorerStateError, match="no frames were fed"):
        s.flush()


def test_feed_after_close(pair):
    s = Scorer()
    s.close()
    with pytest.raises(ScorerStateError, match="closed"):
        s.feed(*pair)


def test_libvmaf_return_code_becomes_libvmaf_error():
    """A real non-zero libvmaf status: VMAF v1 (speed_chroma) refuses a gray frame."""
    gray = natural_clip("camera", frames=2, width=96, height=64, pixel_format="400")
    with pytest.raises(LibvmafError, match=r"vmaf_read_pictures\(\) failed with -22") as info:
        pyvmafneg.score(gray, gray, ["vmaf_v1.0.16_3d0h"], threads=0, backend="libvmaf")
    assert info.value.code == -22
    assert "pick other models" in str(info.value)


def test_clip_length_mismatch(pair):
    with pytest.raises(FrameMismatchError, match="pass frames=1"):
        pyvmafneg.score([pair[0], pair[1]], [pair[0]], backend="libvmaf")
    result = pyvmafneg.score([pair[0], pair[1]], [pair[0]], frames=1, backend="libvmaf")
    assert len(result) == 1


def test_bad_options():
    with pytest.raises(ValueError, match="threads"):
        Scorer(threads=-1)
    with pytest.raises(ValueError, match="subsample"):
        Scorer(subsample=0)
