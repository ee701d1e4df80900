"""The in-process libvmaf scorer: behaviour, frame layouts, models and options."""

from __future__ import annotations

import os

import numpy as np
import pytest
from helpers import blur, ffmpeg_libvmaf, unsharp

import pyvmafneg
from pyvmafneg import ModelSpec, Scorer
from pyvmafneg.demo._clips import map_frames, natural_clip


def test_identical_pair_default_equals_neg(clip8):
    """ref vs ref: NEG equals default up to ADM's fixed-point rounding.

    With identical input the only place the cap can act is where libvmaf's
    integer decouple rounds a restored coefficient one step past the
    original; measured gap on these clips is about 0.003 points.
    """
    result = pyvmafneg.score(clip8, clip8, backend="libvmaf")
    gap = np.abs(result.gap)
    assert gap.max() < 0.01, f"identity gap {gap.max():.5f}"
    for s in range(4):
        np.testing.assert_array_equal(
            result[f"integer_vif_scale{s}"], result[f"integer_vif_scale{s}_egl_1"]
        )


def test_sharpened_neg_below_default(clip8, sharpened8):
    result = pyvmafneg.score(clip8, sharpened8, backend="libvmaf")
    assert np.all(result.scores["vmaf_neg"] < result.scores["vmaf"])
    assert result.pooled_gap > 3.0, f"gap {result.pooled_gap:.2f}"


def test_unclipped_sharpened_above_100_only_by_default(clip8, sharpened8):
    result = pyvmafneg.score(clip8, sharpened8, clip=False, backend="libvmaf")
    default, neg = result.scores["vmaf"], result.scores["vmaf_neg"]
    assert default.max() > 100.0, f"default max {default.max():.2f}"
    assert neg.max() < 100.0, f"NEG max {neg.max():.2f}"
    clipped = pyvmafneg.score(clip8, sharpened8, clip=True, backend="libvmaf")
    assert clipped.scores["vmaf"].max() <= 100.0
    np.testing.assert_array_equal(clipped.scores["vmaf_neg"], neg)


def test_blur_gap_small(clip8, blurred8):
    result = pyvmafneg.score(clip8, blurred8, backend="libvmaf")
    assert 0.0 <= result.pooled_gap < 3.0, f"blur gap {result.pooled_gap:.3f}"


def test_feature_names_and_motion(clip8, blurred8):
    result = pyvmafneg.score(clip8, blurred8, backend="libvmaf")
    for name in (
        "integer_adm2",
        "integer_adm_scale0",
        "integer_adm_scale3",
        "integer_motion2",
        "integer_vif_scale0",
        "integer_vif_scale3",
        "integer_adm2_egl_1",
        "integer_vif_scale0_egl_1",
        "integer_adm_scale2_egl_1",
    ):
        assert name in result.features, name
    motion = result["integer_motion2"]
    assert motion[0] == 0.0 and np.all(motion[1:] > 0.5), motion


def test_result_matches_libvmaf_own_log(tmp_path, clip8, sharpened8):
    """Our JSON log carries the numbers libvmaf's own writer prints."""
    import json

    with Scorer(clip=False) as scorer:
        for r, d in zip(clip8, sharpened8, strict=True):
            scorer.feed(r, d)
        result = scorer.flush()
        scorer.write_libvmaf_log(str(tmp_path / "libvmaf.json"))
    theirs = json.loads((tmp_path / "libvmaf.json").read_text())
    ours = json.loads(result.to_json())
    assert len(ours["frames"]) == len(theirs["frames"])
    for a, b in zip(ours["frames"], theirs["frames"], strict=True):
        assert a["frameNum"] == b["frameNum"]
        for key, value in b["metrics"].items():
            assert a["metrics"][key] == value, (key, a["metrics"][key], value)
    for key, pooled in theirs["pooled_metrics"].items():
        for stat in ("min", "max", "mean", "harmonic_mean"):
            assert ours["pooled_metrics"][key][stat] == pytest.approx(pooled[stat], abs=1e-6)


def test_pooling_matches_libvmaf_score_pooled(clip8, sharpened8):
    """Our pooled mean/harmonic/min/max equal libvmaf's vmaf_score_pooled."""
    from pyvmafneg.engines.libvmaf._binding import Context

    ctx = Context(pyvmafneg.DEFAULT_MODELS, clip=False)
    try:
        for r, d in zip(clip8, sharpened8, strict=True):
            ctx.read(r, d)
        ctx.flush()
        ours = pyvmafneg.pool(ctx.model_scores("vmaf"))
        for method in ("min", "max", "mean", "harmonic_mean"):
            theirs = ctx.libvmaf_pooled("vmaf", method)
            assert getattr(ours, method) == pytest.approx(theirs, rel=1e-12), method
    finally:
        ctx.close()


def test_threads_give_identical_scores(clip8, sharpened8):
    serial = pyvmafneg.score(clip8, sharpened8, backend="libvmaf")
    threaded = pyvmafneg.score(clip8, sharpened8, threads=2, backend="libvmaf")
    for key in serial.keys():
        np.testing.assert_array_equal(serial[key], threaded[key], err_msg=key)


def test_subsample(clip8, blurred8):
    full = pyvmafneg.score(clip8, blurred8, backend="libvmaf")
    sub = pyvmafneg.score(clip8, blurred8, subsample=2, backend="libvmaf")
    assert list(sub.frames) == [0, 2, 4]
    np.testing.assert_array_equal(sub.scores["vmaf"], full.scores["vmaf"][::2])


def test_gain_limit_overloads_order_features(clip8, sharpened8):
    """Raising the limit never lowers a feature; 1.0 via overload equals the NEG model."""
    specs = [
        ModelSpec("vmaf_v0.6.1", name="default"),
        ModelSpec("vmaf_v0.6.1", name="egl1", vif_gain_limit=1.0, adm_gain_limit=1.0),
        ModelSpec("vmaf_v0.6.1", name="egl1_2", vif_gain_limit=1.2, adm_gain_limit=1.2),
        ModelSpec("vmaf_v0.6.1neg", name="neg"),
    ]
    result = pyvmafneg.score(clip8, sharpened8, specs, clip=False, backend="libvmaf")
    np.testing.assert_array_equal(result.scores["egl1"], result.scores["neg"])
    assert np.all(result.scores["egl1"] <= result.scores["egl1_2"])
    assert np.all(result.scores["egl1_2"] <= result.scores["default"])
    assert "integer_adm2_egl_1.2" in result.features
    assert "integer_vif_scale1_egl_1.2" in result.features
    assert result.default_model == "default" and result.neg_model == "egl1"


def test_repeated_model_names_get_unique_keys(clip8, blurred8):
    result = pyvmafneg.score(
        clip8[:2],
        blurred8[:2],
        ["vmaf_v0.6.1", "vmaf_v0.6.1:vif_enhn_gain_limit=1"],
        backend="libvmaf",
    )
    assert set(result.scores) == {"vmaf_v0.6.1", "vmaf_v0.6.1_vif_egl_1"}
    same = pyvmafneg.score(
        clip8[:2],
        blurred8[:2],
        [ModelSpec("vmaf_v0.6.1neg", name="x"), ModelSpec("vmaf_v0.6.1", name="x")],
        clip=False,
        backend="libvmaf",
    )
    assert set(same.scores) == {"x", "x_2"}
    # The two differ: libvmaf did not hand back the first model's cached scores.
    assert not np.array_equal(same.scores["x"], same.scores["x_2"])


def test_other_builtin_models_match_ffmpeg(tmp_path):
    """Every other built-in model, in one pass, gives FFmpeg's libvmaf filter's scores.

    640x360: the two ``vmaf_v1.0.16*_3d0h_2160`` models refuse frames under
    318x318 (4:2:0), where libvmaf 3.2 would crash.
    """
    ref = natural_clip("coffee", frames=3, width=640, height=360)
    dis = map_frames(ref, lambda y: blur(y, 1.2))
    others = [m for m in pyvmafneg.BUILTIN_MODELS if m not in ("vmaf_v0.6.1", "vmaf_v0.6.1neg")]
    names = {model: f"m{k}" for k, model in enumerate(others)}
    result = pyvmafneg.score(
        ref, dis, [f"{model}:name={name}" for model, name in names.items()], backend="libvmaf"
    )
    log = ffmpeg_libvmaf(
        tmp_path,
        ref,
        dis,
        models="|".join(f"version={model}\\:name={name}" for model, name in names.items()),
    )
    assert len(log["frames"]) == len(result) == 3
    for model, name in names.items():
        theirs = np.array([frame["metrics"][name] for frame in log["frames"]])
        np.testing.assert_allclose(result.scores[name], theirs, rtol=0, atol=1e-6, err_msg=model)
    assert len({float(result.scores[name][0]) for name in names.values()}) > 4, "models differ"


def test_json_model_path(clip8, blurred8):
    from importlib import resources

    path = resources.files("pyvmafneg").joinpath("model_files", "vmaf_v0.6.1neg.json")
    if not path.is_file():
        pytest.skip("package model data not present")
    by_path = pyvmafneg.score(clip8[:3], blurred8[:3], [f"{path}:name=fromfile"], backend="libvmaf")
    builtin = pyvmafneg.score(
        clip8[:3], blurred8[:3], ["vmaf_v0.6.1neg:name=fromfile"], backend="libvmaf"
    )
    np.testing.assert_allclose(by_path.scores["fromfile"], builtin.scores["fromfile"], atol=1e-9)


@pytest.mark.parametrize("bitdepth", [12, 16])
def test_high_bitdepths(bitdepth):
    ref = natural_clip("coffee", frames=3, width=160, height=128, bitdepth=bitdepth)
    dis = map_frames(ref, lambda p: unsharp(p, 1.5, bitdepth=bitdepth))
    result = pyvmafneg.score(ref, dis, clip=False, backend="libvmaf")
    assert np.all(result.scores["vmaf"] > result.scores["vmaf_neg"])
    # Same content at 8 bits scores nearly the same (features work in 8-bit units).
    ref8 = natural_clip("coffee", frames=3, width=160, height=128, bitdepth=8)
    dis8 = map_frames(ref8, lambda p: unsharp(p, 1.5))
    r8 = pyvmafneg.score(ref8, dis8, clip=False, backend="libvmaf")
    assert abs(r8.pooled("vmaf").mean - result.pooled("vmaf").mean) < 3.0


def test_gray_and_odd_sizes():
    ref = natural_clip("camera", frames=3, width=161, height=97, pixel_format="400")
    dis = map_frames(ref, blur)
    assert ref[0].pixel_format == "400" and len(ref[0].planes) == 1
    r = pyvmafneg.score(ref, dis, backend="libvmaf")
    colour = natural_clip("camera", frames=3, width=161, height=97, pixel_format="420")
    r420 = pyvmafneg.score(colour, map_frames(colour, blur), backend="libvmaf")
    # Features use luma only, so gray and 4:2:0 with the same luma score alike.
    np.testing.assert_array_equal(r.scores["vmaf"], r420.scores["vmaf"])


def test_bare_arrays_views_and_padded_strides(clip8, blurred8):
    """Non-contiguous views and padded rows are copied correctly."""
    expected = pyvmafneg.score(
        [f.luma for f in clip8[:3]], [f.luma for f in blurred8[:3]], backend="libvmaf"
    )
    padded_ref, padded_dis = [], []
    for r, d in zip(clip8[:3], blurred8[:3], strict=True):
        big_r = np.zeros((r.height + 3, r.width + 37), np.uint8)
        big_r[1:-2, 5:-32] = r.luma
        padded_ref.append(big_r[1:-2, 5:-32])  # padded stride, offset start
        big_d = np.zeros((d.height * 2, d.width * 2), np.uint8)
        big_d[::2, ::2] = d.luma
        padded_dis.append(big_d[::2, ::2])  # non-contiguous (step 2) view
    assert not padded_dis[0].flags.c_contiguous
    got = pyvmafneg.score(padded_ref, padded_dis, backend="libvmaf")
    np.testing.assert_array_equal(got.scores["vmaf"], expected.scores["vmaf"])
    np.testing.assert_array_equal(got.scores["vmaf_neg"], expected.scores["vmaf_neg"])


def test_frame_objects_and_plane_tuples_agree(clip8, blurred8):
    a = pyvmafneg.score(clip8[:2], blurred8[:2], backend="libvmaf")
    b = pyvmafneg.score(
        [f.planes for f in clip8[:2]], [f.planes for f in blurred8[:2]], backend="libvmaf"
    )
    np.testing.assert_array_equal(a.scores["vmaf"], b.scores["vmaf"])


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
@pytest.mark.parametrize("threads", [0, 2])
def test_streaming_memory_is_bounded(threads):
    """Feeding 300 more 640x360 pairs (~100 MB of frames) grows RSS by < 16 MB.

    Frames are copied into libvmaf and released; with threads libvmaf draws
    pictures from a fixed pool, so a fast producer cannot queue the clip.
    """
    ref = natural_clip("astronaut", frames=2, width=640, height=360)
    with Scorer(threads=threads) as scorer:
        for _ in range(20):
            scorer.feed(ref[0], ref[1])
        before = _rss_bytes()
        for _ in range(300):
            scorer.feed(ref[0], ref[1])
        grown = _rss_bytes() - before
        scorer.flush()
    assert grown < 16 * 2**20, f"RSS grew by {grown / 2**20:.1f} MB over 300 frames"


def test_result_gap_and_pooling(clip8, sharpened8):
    result = pyvmafneg.score(clip8, sharpened8, clip=False, backend="libvmaf")
    gap = result.gap
    np.testing.assert_allclose(gap, result.scores["vmaf"] - result.scores["vmaf_neg"])
    assert result.pooled_gap == pytest.approx(
        result.pooled("vmaf").mean - result.pooled("vmaf_neg").mean, abs=1e-9
    )
    p = result.pooled("vmaf_neg")
    assert p.min <= p.p1 <= p.p5 <= p.p50 <= p.max
    assert p.harmonic_mean <= p.mean
    assert list(result.frames_above("vmaf")) == list(result.frames[result.scores["vmaf"] > 100])


def test_csv_output(tmp_path, clip8, blurred8):
    import csv

    result = pyvmafneg.score(clip8[:3], blurred8[:3], backend="libvmaf")
    path = result.write(tmp_path / "log.csv")
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == 3
    assert float(rows[1]["vmaf_neg"]) == pytest.approx(result.scores["vmaf_neg"][1], abs=1e-6)
    assert rows[2]["Frame"] == "2"


def test_gil_is_released_while_libvmaf_works(clip8):
    """Python threads keep running while libvmaf scores a frame.

    A worker scores 1408x1152 pairs with libvmaf on its own thread
    (``threads=0``) while the main thread spins. Were the GIL held during
    libvmaf calls, the main thread could not run (so it would use no CPU)
    while the worker scores; released, both threads run and share the CPU
    time. Counted in CPU time, not wall time, so a busy machine cannot fake
    or hide it.
    """
    import threading
    import time

    big = [np.tile(f.luma, (4, 4)) for f in clip8[:2]]
    done = threading.Event()

    def work() -> None:
        with Scorer(threads=0) as scorer:
            for i in range(8):
                scorer.feed(big[i % 2], big[(i + 1) % 2])
            scorer.flush()
        done.set()

    worker = threading.Thread(target=work)
    process0, main0 = time.process_time(), time.thread_time()
    worker.start()
    while not done.is_set():
        pass
    main_cpu = time.thread_time() - main0
    worker.join()
    worker_cpu = time.process_time() - process0 - main_cpu
    assert worker_cpu > 0.1, f"scoring too fast to tell ({worker_cpu:.3f} s of CPU)"
    assert main_cpu > 0.3 * worker_cpu, (
        f"main thread ran {main_cpu:.3f} s of CPU against {worker_cpu:.3f} s"
    )
