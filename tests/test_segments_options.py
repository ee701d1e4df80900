"""Segments with the options of one pass: offset, scale, size, bit depth, features, subsample.

The oracle is one uninterrupted libvmaf run of the same pair with the same
option, computed here; the stitched result must equal it as doubles (frame
numbers, every score and feature). Clips are short Y4M files written at test
time; segments run in this process (``workers=1``) except where the worker
processes themselves are under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from media_helpers import assert_same_scores, clip, to_y4m

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import map_frames, natural_clip
from pyvmafneg.io import Frame, scale_frames
from pyvmafneg.segments import score_segments

N = 12


def _blur(frames: list[Frame]) -> list[Frame]:
    from scipy import ndimage

    def soften(y: np.ndarray) -> np.ndarray:
        return np.rint(ndimage.gaussian_filter(y.astype(np.float64), 0.8)).astype(y.dtype)

    return map_frames(frames, soften)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("segopts")
    ref = clip(N)
    dis = _blur(ref)
    lead = clip(3, image="coffee")  # frames that belong to neither clip
    small = list(scale_frames(dis, 88, 72, scale="area"))
    ten = natural_clip("astronaut", frames=N, width=176, height=144, bitdepth=10)
    return {
        "ref": to_y4m(ref, root / "ref.y4m"),
        "dis": to_y4m(dis, root / "dis.y4m"),
        # The distorted stream starts 3 frames early: offset 3 drops them.
        "early": to_y4m(lead + dis, root / "early.y4m"),
        # The reference starts 3 frames early: offset -3.
        "ref_early": to_y4m(lead + ref, root / "ref_early.y4m"),
        "small": to_y4m(small, root / "small.y4m"),
        "ref_8bit": to_y4m(natural_clip("astronaut", frames=N), root / "ref8.y4m"),
        "dis_10bit": to_y4m(_blur(ten), root / "dis10.y4m"),
    }


@pytest.fixture(scope="module")
def banded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A moving noisy gradient and a quantised copy (banding: CAMBI above 0)."""
    root = tmp_path_factory.mktemp("segbands")
    rng = np.random.default_rng(1)
    w, h = 320, 240
    refs, diss = [], []
    for i in range(8):
        x = np.linspace(60 + 2 * i, 90 - i, w)[None, :] + np.linspace(0, 6 + i, h)[:, None]
        y = np.clip(np.rint(x + rng.normal(0, 0.8, x.shape)), 0, 255).astype(np.uint8)
        step = 2 + i % 3
        q = (np.floor(x / step) * step).astype(np.uint8)
        c = np.full((h // 2, w // 2), 128, np.uint8)
        refs.append(Frame((y, c, c), 8, "420"))
        diss.append(Frame((q, c, c), 8, "420"))
    return to_y4m(refs, root / "ref.y4m"), to_y4m(diss, root / "dis.y4m")


def _both(ref: Path, dis: Path, segments: int = 3, workers: int = 1, **options):
    one = pyvmafneg.score(ref, dis, threads=0, **options)
    seg = score_segments(ref, dis, segments=segments, workers=workers, **options).result
    return one, seg


@pytest.mark.parametrize(("ref", "dis", "offset"), [("ref", "early", 3), ("ref_early", "dis", -3)])
def test_offset_equals_one_pass(files, ref, dis, offset) -> None:
    one, seg = _both(files[ref], files[dis], offset=offset)
    assert len(one) == N
    assert_same_scores(one, seg)
    plain = pyvmafneg.score(files["ref"], files["dis"], threads=0)
    assert_same_scores(plain, seg)  # the offset paired the same frames as the trimmed files


@pytest.mark.parametrize("options", [{}, {"scale": "lanczos"}, {"size": (128, 96)}])
def test_scaling_equals_one_pass(files, options) -> None:
    one, seg = _both(files["ref"], files["small"], **options)
    assert len(one) == N
    assert_same_scores(one, seg)


def test_display_size_scales_both_in_segments(files) -> None:
    one, seg = _both(files["ref"], files["dis"], size=(256, 208), segments=4)
    assert_same_scores(one, seg)
    unscaled = pyvmafneg.score(files["ref"], files["dis"], threads=0)
    assert not np.array_equal(unscaled["vmaf"], seg["vmaf"])
    assert seg["vmaf"].max() < 100


def test_bitdepth_conversion_equals_one_pass(files) -> None:
    one, seg = _both(files["ref_8bit"], files["dis_10bit"], convert_bitdepth=10)
    assert_same_scores(one, seg)


def test_frame_local_features_equal_one_pass(banded) -> None:
    features = ["psnr", "ssim", "ms_ssim", "ciede", "psnr_hvs", "cambi:full_ref=true"]
    one, seg = _both(*banded, segments=3, features=features)
    assert_same_scores(one, seg)
    for key in ("psnr_y", "float_ssim", "float_ms_ssim", "ciede2000", "psnr_hvs", "cambi"):
        assert key in seg.features, key
    assert seg["cambi"].min() > 0, "the banded clip must give CAMBI something to measure"


@pytest.mark.parametrize(("subsample", "segment_frames"), [(2, 5), (3, 4), (5, 2)])
def test_subsample_equals_one_pass(files, subsample, segment_frames) -> None:
    one = pyvmafneg.score(files["ref"], files["dis"], threads=0, subsample=subsample)
    run = score_segments(
        files["ref"], files["dis"], segment_frames=segment_frames, workers=1, subsample=subsample
    )
    np.testing.assert_array_equal(one.frames, np.arange(0, N, subsample))
    assert_same_scores(one, run.result)


def test_options_in_worker_processes_and_from_the_store(files, tmp_path) -> None:
    options = {"offset": 3, "size": (128, 96), "features": ["psnr"], "subsample": 2}
    one = pyvmafneg.score(files["ref"], files["early"], threads=0, **options)
    store = tmp_path / "store.jsonl"
    first = score_segments(
        files["ref"], files["early"], segments=3, workers=2, store=store, **options
    )
    assert_same_scores(one, first.result)
    again = score_segments(
        files["ref"], files["early"], segments=3, workers=1, store=store, **options
    )
    assert again.reused == [0, 1, 2] and not again.scored
    assert_same_scores(one, again.result)
    other = score_segments(
        files["ref"], files["early"], segments=3, workers=1, store=store, offset=3
    )
    assert other.scored == [0, 1, 2], "other options must not reuse these segments"


def test_cli_segments_take_offset_size_and_features(files, tmp_path, capsys) -> None:
    out_one, out_seg = tmp_path / "one.json", tmp_path / "seg.json"
    base = ["score", "-r", str(files["ref"]), "-d", str(files["early"]), "-q",
            "--backend", "libvmaf", "--threads", "0", "--offset", "3", "--size", "128x96",
            "--feature", "psnr", "--subsample", "2"]  # fmt: skip
    assert main([*base, "-o", str(out_one)]) == 0
    assert main([*base, "--segments", "2", "--workers", "1", "--no-store", "-o", str(out_seg)]) == 0
    capsys.readouterr()
    a, b = pyvmafneg.read_log(out_one), pyvmafneg.read_log(out_seg)
    np.testing.assert_array_equal(a.frames, b.frames)
    for key in ("vmaf", "vmaf_neg", "psnr_y"):
        np.testing.assert_array_equal(a.metrics[key], b.metrics[key])


def test_still_refused(files) -> None:
    with pytest.raises(pyvmafneg.OptionError, match="library"):
        pyvmafneg.score(files["ref"], files["dis"], segments=2, library="libvmaf.so")
    with pytest.raises(pyvmafneg.FeatureError):
        score_segments(files["ref"], files["dis"], segments=2, backend="reference", features="psnr")
    with pytest.raises(pyvmafneg.OptionError, match="subsample"):
        score_segments(files["ref"], files["dis"], segments=2, subsample=0)
