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

pytest.importorskip("pyvmafneg.engines.native._engine", reason="the native engine is not built")


@pytest.fixture(scope="module")
def clip():
    ref = natural_clip("astronaut", frames=3, width=320, height=192)
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
