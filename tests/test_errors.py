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
from pyvmafneg.errors import FrameRejectedError
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
    with pytest.raises(FrameRejectedError, match=r"vmaf_read_pictures\(\) returned -22") as info:
        pyvmafneg.score(gray, gray, ["vmaf_v1.0.16_3d0h"], threads=0, backend="libvmaf")
    error = info.value
    assert isinstance(error, LibvmafError) and isinstance(error, FrameError)
    assert (error.code, error.function) == (-22, "vmaf_read_pictures")
    assert (error.width, error.height, error.pixel_format, error.bitdepth) == (96, 64, "400", 8)
    assert (error.index, error.models, error.features) == (0, ("vmaf_v1.0.16_3d0h",), ())
    # the v1 hint applies here: the run has a v1 model and the frames are 4:0:0
    assert "VMAF v1 models (vmaf_v1.0.16_3d0h) need colour frames" in error.advice
    assert "pick other models" in str(error)


def test_small_colour_frames_for_v1_models_get_the_v1_hint():
    clip = natural_clip("coffee", frames=1, width=200, height=200)
    with pytest.raises(FrameRejectedError) as info:
        pyvmafneg.score(clip, clip, ["vmaf_v1.0.16_3d0h"], threads=0, backend="libvmaf")
    error = info.value
    assert error.code == -22 and (error.width, error.height) == (200, 200)
    assert error.models == ("vmaf_v1.0.16_3d0h",) and error.features == ()
    assert "refuses VMAF v1 models (vmaf_v1.0.16_3d0h) on small frames" in error.advice
    assert "colour" not in error.advice


def test_small_frames_for_libvmaf_ms_ssim_name_what_was_asked():
    """libvmaf's MS-SSIM refuses a 175-sample side: no v1 model, so no v1 hint."""
    clip = natural_clip("coffee", frames=1, width=175, height=176)
    with pytest.raises(FrameRejectedError) as info:
        pyvmafneg.score(clip, clip, features=["ms_ssim"], threads=0, backend="libvmaf")
    error = info.value
    assert (error.width, error.height, error.pixel_format, error.index) == (175, 176, "420", 0)
    assert error.models == ("vmaf_v0.6.1", "vmaf_v0.6.1neg")
    assert error.features == ("float_ms_ssim",)
    assert error.code != 0 and error.function == "vmaf_read_pictures"
    assert f"returned {error.code}" in error.message
    assert "175x176 420 8-bit" in error.message and "float_ms_ssim" in error.message
    assert "MS-SSIM needs at least 176 samples a side (the frames have 175)" in error.advice
    assert "VMAF v1" not in str(error) and "colour" not in str(error)
    assert "--" not in str(error)  # library messages name no command-line flags


@pytest.mark.parametrize("backend", [None, "libvmaf"])
def test_cambi_refusing_a_frame_names_cambi_and_the_size(backend):
    """CAMBI refuses 177x181 frames (-22), in a shared run as in a libvmaf-only one."""
    clip = natural_clip("coffee", frames=1, width=177, height=181)
    with pytest.raises(FrameRejectedError) as info:
        pyvmafneg.score(clip, clip, features=["psnr", "cambi"], threads=0, backend=backend)
    error = info.value
    assert error.code == -22 and error.function == "vmaf_read_pictures"
    assert (error.width, error.height, error.bitdepth) == (177, 181, 8)
    # the shared run leaves the models and PSNR to the native engine: libvmaf ran CAMBI only
    want = (
        ((), ("cambi",))
        if backend is None
        else (("vmaf_v0.6.1", "vmaf_v0.6.1neg"), ("psnr", "cambi"))
    )
    assert (error.models, error.features) == want
    assert "returned -22 (Invalid argument)" in error.message
    assert "177x181 420 8-bit" in error.message and "cambi" in error.message
    assert "VMAF v1" not in str(error) and "MS-SSIM" not in str(error)
    assert "--" not in str(error)


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
