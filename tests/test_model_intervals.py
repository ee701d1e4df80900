"""Per-model intervals: the bootstrapped collection vmaf_b_v0.6.3 and its NEG twin.

Every oracle is libvmaf 3.2.0's own model-collection API, called at test
time through the binding (``vmaf_score_pooled_model_collection`` and the
per-frame outputs it stores): the native engine's outputs must equal
libvmaf's as doubles, per frame and pooled. The clips are natural-content
pans from scikit-image's photographs, the distorted one blurred or
sharpened (sharpening is where the NEG twin parts from the default one).
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources

import numpy as np
import pytest
from scipy import ndimage

import pyvmafneg
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.engines._collection import CollectionSpec, collections_for
from pyvmafneg.engines._models import resolve_models
from pyvmafneg.engines.libvmaf._binding import Context
from pyvmafneg.errors import ModelError, OptionError, UnsupportedOptionError
from pyvmafneg.io._frame import Frame

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

FRAMES = 5
OUTPUTS = ("score", "bagging", "stddev", "low", "high")


def _edit(frames: list[Frame], kind: str) -> list[Frame]:
    out = []
    for f in frames:
        y = f.luma.astype(np.float64)
        if kind == "sharpen":
            y = y + 1.5 * (y - ndimage.gaussian_filter(y, 1.0))
        else:
            y = ndimage.gaussian_filter(y, 1.2)
        y = np.clip(np.rint(y), 0, 255).astype(np.uint8)
        out.append(Frame((y, *f.planes[1:]), bitdepth=8, pixel_format=f.pixel_format))
    return out


@pytest.fixture(scope="module", params=["sharpen", "blur"])
def pair(request: pytest.FixtureRequest) -> tuple[list[Frame], list[Frame]]:
    ref = natural_clip("astronaut", frames=FRAMES, width=192, height=144)
    return ref, _edit(ref, request.param)


def _libvmaf(ref, dis, collections, *, clip=True, from_file=None):  # type: ignore[no-untyped-def]
    """libvmaf's per-frame and pooled outputs of each collection, at test time."""
    ctx = Context(resolve_models(None), threads=0, clip=clip, collections=())
    try:
        from pyvmafneg.engines.libvmaf import _binding

        for cspec in collections:
            loaded = _binding._LoadedCollection(ctx.lib, cspec, ctx._flags, from_file=from_file)
            ctx._collections.append(loaded)
            lib = ctx.lib.lib
            ctx.lib.check(lib.vmaf_use_features_from_model(ctx._ctx, loaded.model), "use")
            ctx.lib.check(lib.vmaf_use_features_from_model_collection(ctx._ctx, loaded.ptr), "use")
        for r, d in zip(ref, dis, strict=True):
            ctx.read(r, d)
        ctx.flush()
        return {c.model: ctx.collection_outputs(c.model) for c in collections}
    finally:
        ctx.close()


def test_neg_file_is_the_collection_with_the_neg_gain_limits() -> None:
    files = resources.files("pyvmafneg").joinpath("model_files")
    base = json.loads(files.joinpath("vmaf_b_v0.6.3.json").read_text("utf-8"))
    neg = json.loads(files.joinpath("vmaf_b_v0.6.3neg.json").read_text("utf-8"))
    single = json.loads(files.joinpath("vmaf_v0.6.1neg.json").read_text("utf-8"))
    opts = single["model_dict"]["feature_opts_dicts"]
    assert list(base) == list(neg) == [str(i) for i in range(21)]
    for key in base:
        member = json.loads(json.dumps(neg[key]))
        assert member["model_dict"].pop("feature_opts_dicts") == opts
        assert member == base[key]


def test_twins_of_the_default_pair() -> None:
    twins = collections_for(resolve_models(None))
    assert twins == (CollectionSpec("vmaf", 100.0, 100.0), CollectionSpec("vmaf_neg", 1.0, 1.0))
    assert [t.describe() for t in twins] == ["vmaf_b_v0.6.3", "vmaf_b_v0.6.3neg"]
    overload = collections_for(resolve_models(["vmaf_v0.6.1:egl=1.2"]))
    assert overload[0].describe().endswith("(vif_enhn_gain_limit=1.2, adm_enhn_gain_limit=1.2)")
    with pytest.raises(ModelError, match="bootstrapped collection"):
        collections_for(resolve_models(["vmaf_4k_v0.6.1"]))


def test_bundled_files_score_as_libvmafs_builtin_collection(pair) -> None:  # type: ignore[no-untyped-def]
    ref, dis = pair
    twins = collections_for(resolve_models(None))
    builtin = _libvmaf(ref, dis, twins, from_file=False)  # built in, limits overloaded
    bundled = _libvmaf(ref, dis, twins, from_file=True)  # the bundled JSON files
    for model in ("vmaf", "vmaf_neg"):
        (b_frames, b_pooled), (f_frames, f_pooled) = builtin[model], bundled[model]
        assert b_pooled == f_pooled
        for key in OUTPUTS:
            np.testing.assert_array_equal(b_frames[key], f_frames[key])


@pytest.mark.parametrize("clip", [True, False])
def test_native_equals_libvmaf_collection_as_doubles(pair, clip: bool) -> None:  # type: ignore[no-untyped-def]
    ref, dis = pair
    twins = collections_for(resolve_models(None))
    oracle = _libvmaf(ref, dis, twins, clip=clip)
    native = pyvmafneg.score(ref, dis, backend="native", model_intervals=True, clip=clip)
    binding = pyvmafneg.score(ref, dis, backend="libvmaf", model_intervals=True, clip=clip)
    assert set(native.model_intervals) == {"vmaf", "vmaf_neg"}
    for model in ("vmaf", "vmaf_neg"):
        frames, pooled = oracle[model]
        for result in (native, binding):
            mi = result.model_intervals[model]
            for key in OUTPUTS:
                np.testing.assert_array_equal(getattr(mi, key), frames[key], err_msg=key)
            ours = mi.pooled()
            for key in ("bagging", "stddev", "low", "high"):
                assert ours[key] == pooled[key], key
        # the interval brackets the bagging score; it has width wherever the clip at 100
        # does not hold (a sharpened clip's default scores sit at 100: no width, stddev 0)
        mi = native.model_intervals[model]
        assert np.all(mi.low <= mi.bagging) and np.all(mi.bagging <= mi.high)
        free = mi.high < 100.0
        assert np.all(mi.high[free] > mi.low[free]) and np.all(mi.stddev[free] > 0)
        if clip:
            assert np.all(mi.stddev[mi.low >= 100.0] == 0.0)
    if not clip:
        assert np.all(native.model_intervals["vmaf"].high > native.model_intervals["vmaf"].low)
    assert native.model_intervals["vmaf"].collection == "vmaf_b_v0.6.3"
    assert native.model_intervals["vmaf_neg"].collection == "vmaf_b_v0.6.3neg"


def test_gain_limit_overload_twin_native_equals_libvmaf(pair) -> None:  # type: ignore[no-untyped-def]
    ref, dis = pair
    models = ["vmaf_v0.6.1:name=mid:egl=1.3"]
    native = pyvmafneg.score(ref, dis, models, backend="native", model_intervals=True)
    binding = pyvmafneg.score(ref, dis, models, backend="libvmaf", model_intervals=True)
    for key in OUTPUTS:
        np.testing.assert_array_equal(
            getattr(native.model_intervals["mid"], key),
            getattr(binding.model_intervals["mid"], key),
        )


def test_result_outputs_and_refusals(pair) -> None:  # type: ignore[no-untyped-def]
    ref, dis = pair
    result = pyvmafneg.score(ref, dis, model_intervals=True)
    summary = result.summary()
    assert "vmaf_neg model: vmaf_b_v0.6.3neg bagging" in summary
    page = result._repr_html_()
    high = result.model_intervals["vmaf_neg"].pooled()["high"]
    assert "<td>vmaf_b_v0.6.3neg</td>" in page and f"<td>{high:.4f}</td>" in page
    extras = result.to_dict()["pyvmafneg"]["model_intervals"]
    assert extras["vmaf"]["pooled"] == result.model_intervals["vmaf"].pooled()
    assert extras["vmaf_neg"]["collection"] == "vmaf_b_v0.6.3neg"
    # the twins' per-frame series are not features of the result
    assert not [k for k in result.features if "vmaf_b" in k or "bagging" in k]
    plain = pyvmafneg.score(ref, dis, backend="libvmaf")
    assert plain.model_intervals == {}
    assert sorted(plain.features) == sorted(
        pyvmafneg.score(ref, dis, backend="libvmaf", model_intervals=True).features
    )
    with pytest.raises(UnsupportedOptionError, match="model_intervals"):
        pyvmafneg.score(ref, dis, backend="reference", model_intervals=True)
    with pytest.raises(ModelError, match="bootstrapped collection"):
        pyvmafneg.score(ref, dis, ["vmaf_4k_v0.6.1"], model_intervals=True)


@pytest.mark.parametrize("backend", ["native", "libvmaf"])
def test_segments_and_score_many_give_one_passs_model_intervals(tmp_path, backend: str) -> None:  # type: ignore[no-untyped-def]
    from media_helpers import to_y4m

    ref = natural_clip("astronaut", frames=6, width=96, height=64)
    a = to_y4m(ref, tmp_path / "a.y4m")
    b = to_y4m(_edit(ref, "blur"), tmp_path / "b.y4m")
    one = pyvmafneg.score(a, b, backend=backend, model_intervals=True)
    store, runs = tmp_path / "store.jsonl", []
    for _ in range(2):
        seg = pyvmafneg.score(
            a,
            b,
            backend=backend,
            model_intervals=True,
            segments=3,
            workers=1,
            store=store,
            on_run=runs.append,
        )
        for model in ("vmaf", "vmaf_neg"):
            for key in OUTPUTS:
                np.testing.assert_array_equal(
                    getattr(seg.model_intervals[model], key),
                    getattr(one.model_intervals[model], key),
                )
            assert seg.model_intervals[model].collection == one.model_intervals[model].collection
    assert [len(r.reused) for r in runs] == [0, 3]
    # rows stored without the twins are not reused for a run that asks for them
    plain = pyvmafneg.score(a, b, backend=backend, segments=3, workers=1, store=tmp_path / "p")
    assert plain.model_intervals == {}
    again = pyvmafneg.score(
        a, b, backend=backend, segments=3, workers=1, store=tmp_path / "p", model_intervals=True
    )
    assert set(again.model_intervals) == {"vmaf", "vmaf_neg"}
    many = pyvmafneg.score_many(a, [b, b], backend=backend, model_intervals=True)
    for r in many:
        np.testing.assert_array_equal(
            r.model_intervals["vmaf_neg"].high, one.model_intervals["vmaf_neg"].high
        )
    with pytest.raises(OptionError, match="gives no model intervals"):
        pyvmafneg.score(a, b, backend="reference", model_intervals=True, segments=2)


def test_cli_prints_model_intervals(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from media_helpers import to_y4m

    ref = natural_clip("astronaut", frames=4, width=96, height=64)
    a = to_y4m(ref, tmp_path / "a.y4m")
    b = to_y4m(_edit(ref, "sharpen"), tmp_path / "b.y4m")
    out = tmp_path / "log.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyvmafneg",
            "score",
            "-r",
            str(a),
            "-d",
            str(b),
            "--model-intervals",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    expected = pyvmafneg.score(a, b, model_intervals=True)
    p = expected.model_intervals["vmaf_neg"].pooled()
    assert f"vmaf_b_v0.6.3neg bagging {p['bagging']:8.4f}" in run.stdout
    log = json.loads(out.read_text())
    assert log["pyvmafneg"]["model_intervals"]["vmaf_neg"]["pooled"]["high"] == pytest.approx(
        p["high"], abs=1e-6
    )


def test_a_libvmaf_log_with_the_twins_is_checked_on_its_own_models(tmp_path, pair) -> None:  # type: ignore[no-untyped-def]
    from pyvmafneg.engines.libvmaf import Scorer, live_objects
    from pyvmafneg.results import load_logs

    ref, dis = pair
    before = live_objects()
    with Scorer(model_intervals=True, threads=0) as scorer:
        for r, d in zip(ref, dis, strict=True):
            scorer.feed(r, d)
        result = scorer.flush()
        scorer.write_libvmaf_log(str(tmp_path / "log.json"))
    assert live_objects() == before  # the collections are freed with the scorer
    logged = json.loads((tmp_path / "log.json").read_text())["frames"][0]["metrics"]
    assert "vmaf_neg__vmaf_b_v0.6.3_0020" in logged and "vmaf_neg__vmaf_b_v0.6.3_bagging" in logged
    loaded = load_logs([tmp_path / "log.json"])
    assert (loaded.result.default_model, loaded.result.neg_model) == ("vmaf", "vmaf_neg")
    assert pyvmafneg.check(loaded.result).grade == pyvmafneg.check(result).grade
