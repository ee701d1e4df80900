"""Runs shared between the native engine and libvmaf: each computes its part in one pass.

The oracle is libvmaf computing the whole run (``backend='libvmaf'``) at test
time: every model score and feature of a shared run equals it as doubles, and
``Result.engines`` says which engine computed what.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import distort

import pyvmafneg
from pyvmafneg.demo._clips import map_frames, natural_clip
from pyvmafneg.engines._registry import SHARED_BACKEND, default_backend, split_engines
from pyvmafneg.io._frame import Frame

pytest.importorskip("pyvmafneg.engines.native._engine", reason="the native engine is not built")


@pytest.fixture(scope="module")
def clip():
    # odd sizes: the odd 4:2:0 chroma row and column reach libvmaf as in a libvmaf-only run
    ref = natural_clip("astronaut", frames=3, width=321, height=193)
    return ref, map_frames(ref, lambda p: distort(p, "blur", 8))


def assert_same(shared: pyvmafneg.Result, whole: pyvmafneg.Result) -> None:
    np.testing.assert_array_equal(shared.frames, whole.frames)
    assert list(shared.scores) == list(whole.scores)
    for key in whole.scores:
        np.testing.assert_array_equal(shared.scores[key], whole.scores[key], err_msg=key)
    for key in whole.features:
        np.testing.assert_array_equal(shared.features[key], whole.features[key], err_msg=key)


def test_extra_libvmaf_features_leave_the_rest_native(clip, tmp_path) -> None:
    ref, dis = clip
    features = ["psnr", "ssim", "ciede", "cambi"]
    shared = pyvmafneg.score(ref, dis, features=features, threads=0)
    whole = pyvmafneg.score(ref, dis, features=features, backend="libvmaf", threads=0)
    assert shared.backend == SHARED_BACKEND
    assert_same(shared, whole)
    assert shared.engines["vmaf_neg"] == shared.engines["psnr_y"] == "native"
    assert shared.engines["float_ssim"] == shared.engines["integer_adm2_egl_1"] == "native"
    assert shared.engines["ciede2000"] == shared.engines["cambi"] == "libvmaf"
    # the native engine's own features (cap shares) are kept
    assert "integer_vif_cap_share_scale0_egl_1" in shared.features
    log = json.loads(shared.to_json())
    assert log["pyvmafneg"]["backend"] == SHARED_BACKEND
    assert log["pyvmafneg"]["engines"]["cambi"] == "libvmaf"
    # threads on both sides give the same doubles
    threaded = pyvmafneg.score(ref, dis, features=features, threads=2)
    assert_same(threaded, whole)


def test_v1_models_go_to_libvmaf_the_v061_family_stays_native(clip) -> None:
    ref, dis = clip
    models = ["vmaf_v0.6.1neg", "vmaf_v1.0.16_3d0h"]
    shared = pyvmafneg.score(ref, dis, models, features=["psnr"], threads=0)
    whole = pyvmafneg.score(ref, dis, models, features=["psnr"], backend="libvmaf", threads=0)
    assert shared.backend == SHARED_BACKEND
    assert shared.engines["vmaf_v0.6.1neg"] == "native"
    assert shared.engines["vmaf_v1.0.16_3d0h"] == "libvmaf"
    assert shared.engines["psnr_y"] == "native"
    assert_same(shared, whole)


def test_only_runs_naming_libvmaf_go_wholly_to_it(clip) -> None:
    ref, dis = clip
    assert default_backend(None, features=["psnr", "ssim"]) == "native"
    assert default_backend(None, features=["cambi"]) == SHARED_BACKEND
    assert default_backend(["vmaf_v1.0.16_3d0h"]) == "libvmaf"  # nothing for the engine
    assert default_backend(None, features=["cambi"], libvmaf_only=True) == "libvmaf"
    assert pyvmafneg.score(ref, dis, features=["ciede"], cpumask=0x38).backend == "libvmaf"
    assert pyvmafneg.score(ref, dis, features=["ciede"], backend="libvmaf").engines == {}
    split = split_engines(None, ["psnr", "ms_ssim", "psnr_hvs"])
    assert [s.name for s in split.native_models] == ["vmaf", "vmaf_neg"]
    assert [f.extractor for f in split.native_features] == ["psnr", "float_ms_ssim"]
    assert [f.extractor for f in split.libvmaf_features] == ["psnr_hvs"]


def _coloured_clip(width: int, height: int, bitdepth: int, fmt: str) -> tuple[list, list]:
    ref = natural_clip(
        "coffee", frames=2, width=width, height=height, bitdepth=bitdepth, pixel_format=fmt
    )
    return ref, map_frames(ref, lambda p: distort(p, "blur", bitdepth), luma_only=False)


@pytest.mark.parametrize("size", [(177, 181), (176, 180)], ids=["odd", "even"])
@pytest.mark.parametrize("bitdepth", [8, 10])
@pytest.mark.parametrize("fmt", ["420", "422", "444"])
def test_shared_runs_equal_libvmaf_runs_at_odd_and_even_sizes(size, bitdepth, fmt) -> None:
    ref, dis = _coloured_clip(*size, bitdepth, fmt)
    features = ["psnr", "ssim", "ciede", "psnr_hvs"]
    shared = pyvmafneg.score(ref, dis, features=features, threads=0)
    assert shared.backend == SHARED_BACKEND
    assert shared.engines["ciede2000"] == shared.engines["psnr_hvs"] == "libvmaf"
    whole = pyvmafneg.score(ref, dis, features=features, backend="libvmaf", threads=0)
    assert_same(shared, whole)
    # libvmaf reads the same pictures again: the same doubles (no stray memory read)
    again = pyvmafneg.score(ref, dis, features=features, backend="libvmaf", threads=2)
    assert_same(again, whole)
    # the native engine's part of the run is what it computes alone
    native = pyvmafneg.score(ref, dis, features=["psnr", "ssim"], backend="native", threads=0)
    for key, values in native.scores.items():
        np.testing.assert_array_equal(shared.scores[key], values, err_msg=key)
    for key, values in native.features.items():
        np.testing.assert_array_equal(shared.features[key], values, err_msg=key)


def _nearest_444(frame: Frame) -> Frame:
    """A 4:2:0 frame's chroma repeated onto every luma sample (nearest neighbour)."""
    h, w = frame.shape
    up = [np.repeat(np.repeat(p, 2, axis=0), 2, axis=1)[:h, :w] for p in frame.planes[1:]]
    return Frame((frame.planes[0], *up), frame.bitdepth, "444")


@pytest.mark.parametrize("bitdepth", [8, 10])
def test_ciede_of_odd_420_frames_reads_their_last_chroma_row_and_column(bitdepth) -> None:
    # libvmaf's CIEDE repeats each 4:2:0 chroma sample over its 2x2 luma block; on a
    # 4:4:4 frame built that way it reads the planes as they are: the same doubles,
    # the last (odd) luma row and column taking the frame's own last chroma samples
    ref, dis = _coloured_clip(177, 181, bitdepth, "420")
    got = pyvmafneg.score(ref, dis, features=["ciede"], backend="libvmaf", threads=0)
    ref444 = [_nearest_444(f) for f in ref]
    dis444 = [_nearest_444(f) for f in dis]
    want = pyvmafneg.score(ref444, dis444, features=["ciede"], backend="libvmaf", threads=0)
    np.testing.assert_array_equal(got.features["ciede2000"], want.features["ciede2000"])
