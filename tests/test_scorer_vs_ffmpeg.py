"""In-process libvmaf equals FFmpeg's libvmaf filter on the same frames.

FFmpeg's log prints six decimals, so agreement is checked to 1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import blur, ffmpeg_libvmaf, unsharp

import pyvmafneg
from pyvmafneg.demo._clips import map_frames, natural_clip


def _ffmpeg_series(log: dict, key: str) -> np.ndarray:
    return np.array([fr["metrics"][key] for fr in log["frames"]])


@pytest.mark.parametrize(
    ("bitdepth", "pixel_format", "image"),
    [
        (8, "420", "astronaut"),
        (8, "422", "coffee"),
        (8, "444", "chelsea"),
        (10, "420", "rocket"),
        (10, "422", "astronaut"),
        (10, "444", "coffee"),
    ],
)
def test_matches_ffmpeg_per_frame(tmp_path, bitdepth, pixel_format, image):
    ref = natural_clip(
        image, frames=4, width=208, height=160, bitdepth=bitdepth, pixel_format=pixel_format
    )
    # A mix of detail loss and enhancement so both models move.
    dis = map_frames(ref, lambda p: unsharp(blur(p, 0.8), 1.2, bitdepth=bitdepth))
    # Unclipped, so the default model's numbers are not flattened at 100.
    result = pyvmafneg.score(ref, dis, clip=False, backend="libvmaf")
    log = ffmpeg_libvmaf(tmp_path, ref, dis, clip=False)
    assert len(log["frames"]) == len(result) == 4
    assert len(set(np.round(result.scores["vmaf"], 3))) == 4, "scores should differ per frame"
    for key in ("vmaf", "vmaf_neg"):
        theirs = _ffmpeg_series(log, key)
        diff = np.abs(result.scores[key] - theirs).max()
        assert diff <= 1e-6, f"{key}: max |in-process - ffmpeg| = {diff:.3g}"
    for key in ("integer_vif_scale1_egl_1", "integer_adm2_egl_1", "integer_motion2"):
        diff = np.abs(result[key] - _ffmpeg_series(log, key)).max()
        assert diff <= 1e-6, f"{key}: max diff {diff:.3g}"


def test_unclipped_matches_ffmpeg(tmp_path, clip8, sharpened8):
    result = pyvmafneg.score(clip8, sharpened8, clip=False, backend="libvmaf")
    log = ffmpeg_libvmaf(tmp_path, clip8, sharpened8, clip=False)
    theirs = _ffmpeg_series(log, "vmaf")
    assert theirs.max() > 100, "the sharpened clip should score above 100 unclipped"
    assert np.abs(result.scores["vmaf"] - theirs).max() <= 1e-6
    assert np.abs(result.scores["vmaf_neg"] - _ffmpeg_series(log, "vmaf_neg")).max() <= 1e-6


def test_score_transform_matches_ffmpeg(tmp_path, clip8, blurred8):
    """transform=True applies the model's polynomial, as FFmpeg's enable_transform does."""
    plain = pyvmafneg.score(clip8, blurred8, backend="libvmaf")
    result = pyvmafneg.score(clip8, blurred8, transform=True, backend="libvmaf")
    assert np.all(result.scores["vmaf"] >= plain.scores["vmaf"])
    assert np.any(result.scores["vmaf"] > plain.scores["vmaf"] + 1.0)
    models = (
        "version=vmaf_v0.6.1\\:name=vmaf\\:enable_transform=true|"
        "version=vmaf_v0.6.1neg\\:name=vmaf_neg\\:enable_transform=true"
    )
    log = ffmpeg_libvmaf(tmp_path, clip8, blurred8, models=models)
    for key in ("vmaf", "vmaf_neg"):
        diff = np.abs(result.scores[key] - _ffmpeg_series(log, key)).max()
        assert diff <= 1e-6, f"{key}: {diff:.3g}"
