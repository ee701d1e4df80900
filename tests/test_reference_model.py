"""NumPy reference motion (SAD, motion2, motion3) and the libvmaf SVM models.

Expected values are from docs/internals.md, "Models" and "Test vectors" (model
constants, and libvmaf 3.2.0 from PyAV 19.0.2 with clip disabled, printed there
with 10 significant digits).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from test_reference_vif import DISTORTIONS, doc_dis, doc_ref, natural_planes

from pyvmafneg.engines._motion import MotionScores, motion_blend
from pyvmafneg.engines.reference import (
    BUNDLED_MODELS,
    Motion2,
    VmafModel,
    load_model,
    model_from_dict,
    motion2_scores,
    motion_sad,
    vif_features,
)
from pyvmafneg.engines.reference._motion import Motion, motion_scores
from pyvmafneg.errors import ModelError, ScorerStateError

MODELS_DIR = Path(__file__).resolve().parent.parent / "pyvmafneg" / "model_files"
V061_FEATURES = (
    "VMAF_integer_feature_adm2_score",
    "VMAF_integer_feature_motion2_score",
    "VMAF_integer_feature_vif_scale0_score",
    "VMAF_integer_feature_vif_scale1_score",
    "VMAF_integer_feature_vif_scale2_score",
    "VMAF_integer_feature_vif_scale3_score",
)

# docs/internals.md, "Test vectors", frames t = 0, 1, 2.
DOC_MOTION2 = ["0", "8.874804526", "8.889764111"]
DOC_ADM2 = {
    "enh": ["0.9461362727", "0.9585554669", "0.9465404131"],
    "mild": ["0.8306134855", "0.8360206333", "0.8329968978"],
}
DOC_ADM2_EGL1 = {
    "enh": ["0.8350157753", "0.8339781711", "0.8356949057"],
    "mild": ["0.8287075955", "0.8353574971", "0.832085506"],
}
DOC_VMAF = {
    "enh": ["103.6484935", "115.3490721", "112.7394281"],
    "mild": ["63.35914797", "72.99404648", "72.38897429"],
}
DOC_VMAF_NEG = {
    "enh": ["63.76508822", "72.26225188", "72.56455839"],
    "mild": ["62.86087876", "72.74060689", "72.08972911"],
}


# --------------------------------------------------------------------------
# motion2
# --------------------------------------------------------------------------


def test_motion2_doc_vectors() -> None:
    refs = [doc_ref(t) for t in range(3)]
    assert [f"{m:.10g}" for m in motion2_scores(refs, 8)] == DOC_MOTION2


def test_motion2_stream_matches_list_and_finalises_at_flush() -> None:
    refs = natural_planes(8, n=5)
    stream = Motion2(8)
    assert stream.push(refs[0]) == [(0, 0.0)]
    assert stream.push(refs[1]) == []  # frame 1 waits for frame 2
    sads = [motion_sad(refs[i - 1], refs[i], 8) for i in range(1, 5)]
    out = []
    for i in range(2, 5):
        out += stream.push(refs[i])
    assert out == [
        (1, min(sads[0], sads[1])),
        (2, min(sads[1], sads[2])),
        (3, min(sads[2], sads[3])),
    ]
    assert stream.flush() == [(4, sads[3])]
    assert stream.flush() == []
    assert stream.frames_pushed == 5
    assert motion2_scores(refs, 8) == [0.0, *(v for _, v in out), sads[3]]
    with pytest.raises(ScorerStateError, match="flushed"):
        stream.push(refs[0])


@pytest.mark.parametrize("n", [1, 2])
def test_motion2_short_clips(n: int) -> None:
    refs = natural_planes(10, n=n)
    expected = [0.0] if n == 1 else [0.0, motion_sad(refs[0], refs[1], 10)]
    assert motion2_scores(refs, 10) == expected
    assert motion2_scores(iter(refs), 10) == expected  # any iterable


def test_motion2_static_clip_is_zero() -> None:
    frame = natural_planes(8, n=1)[0]
    assert motion2_scores([frame, frame.copy(), frame.copy()], 8) == [0.0, 0.0, 0.0]


def test_motion2_stream_keeps_its_own_copy() -> None:
    a, b, c = natural_planes(8, n=3)
    buf = a.copy()
    stream = Motion2(8)
    stream.push(buf)
    buf[:] = b  # caller reuses its buffer
    stream.push(buf)
    buf[:] = c
    stream.push(buf)
    assert [v for _, v in stream.flush()] == [motion2_scores([a, b, c], 8)[2]]


def test_motion2_validation() -> None:
    stream = Motion2(8)
    stream.push(np.zeros((20, 30), np.uint8))
    with pytest.raises(ValueError, match="shape"):
        stream.push(np.zeros((20, 31), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        stream.push(np.zeros((20, 30), np.uint16))
    with pytest.raises(ValueError, match="bitdepth"):
        Motion2(4)
    with pytest.raises(ValueError, match="does not fit in 12 bits"):
        motion2_scores([np.full((8, 8), 4096, np.uint16)], 12)
    with pytest.raises(ValueError, match=">= 3"):
        motion2_scores([np.zeros((2, 8), np.uint8)], 8)
    with pytest.raises(ValueError, match="same shape"):
        motion_sad(np.zeros((8, 8), np.uint8), np.zeros((8, 9), np.uint8), 8)


# --------------------------------------------------------------------------
# SAD and motion3
# --------------------------------------------------------------------------


def _panned(shifts: list[int], bitdepth: int = 8) -> list[np.ndarray]:
    """One picture moved sideways by ``shifts`` pixels: large and small SADs at will."""
    base = natural_planes(bitdepth, n=1)[0]
    return [np.ascontiguousarray(np.roll(base, s, axis=1)) for s in shifts]


def test_motion_stream_sad_motion2_motion3() -> None:
    refs = _panned([0, 6, 7, 7, 20])  # SADs: large, small, zero, large
    sads = [motion_sad(refs[i - 1], refs[i], 8) for i in range(1, 5)]
    assert sads[0] > sads[1] > sads[2] == 0.0 < sads[3]
    stream = Motion(8)
    assert stream.push(refs[0]) == []  # frame 0's motion3 needs the first SAD
    out = stream.push(refs[1])
    # Frame 0 takes motion3 from sad_1 itself, not from motion2_1 = min(sad_1, sad_2).
    assert out == [(0, MotionScores(0.0, 0.0, sads[0]))]
    for plane in refs[2:]:
        out += stream.push(plane)
    out += stream.flush()
    assert stream.flush() == [] and stream.frames_pushed == 5
    assert [i for i, _ in out] == [0, 1, 2, 3, 4]
    scores = [m for _, m in out]
    assert [m.sad for m in scores] == [0.0, *sads]
    assert [m.motion2 for m in scores] == motion2_scores(refs, 8)
    assert [m.motion3 for m in scores] == [sads[0], *(m.motion2 for m in scores[1:])]
    assert motion_scores(iter(refs), 8) == scores
    with pytest.raises(ScorerStateError, match="flushed"):
        stream.push(refs[0])


@pytest.mark.parametrize("n", [1, 2])
def test_motion_short_clips(n: int) -> None:
    refs = _panned([0, 3][:n], bitdepth=10)
    if n == 1:
        assert motion_scores(refs, 10) == [MotionScores(0.0, 0.0, 0.0)]
    else:
        sad = motion_sad(refs[0], refs[1], 10)
        assert motion_scores(refs, 10) == [
            MotionScores(0.0, 0.0, sad),
            MotionScores(sad, sad, sad),
        ]


def test_motion_blend_defaults_are_identity() -> None:
    for m in (0.0, 3.25, 40.0, 123.456789, 10000.0):
        assert motion_blend(m) == m
    assert motion_blend(100.0, factor=0.5, offset=40.0) == 70.0
    assert motion_blend(10.0, factor=0.5, offset=40.0) == 10.0


@pytest.mark.parametrize(
    ("shifts", "bitdepth"),
    [([0], 8), ([0, 3], 8), ([0, 6, 7], 10), ([0, 6, 7, 7, 20], 8)],
)
def test_motion_scores_equal_libvmaf(shifts: list[int], bitdepth: int) -> None:
    score = _libvmaf_score()
    refs = _panned(shifts, bitdepth)
    lib = score(refs, refs, bitdepth=bitdepth)
    ours = motion_scores(refs, bitdepth)
    assert [m.sad for m in ours] == list(lib["VMAF_integer_feature_motion_sad_score"])
    assert [m.motion2 for m in ours] == list(lib["integer_motion2"])
    assert [m.motion3 for m in ours] == list(lib["integer_motion3"])


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from([8, 10]).flatmap(
        lambda b: st.tuples(
            st.just(b),
            arrays(
                np.uint8 if b == 8 else np.uint16,
                st.tuples(st.integers(3, 24), st.integers(3, 24)),
                elements=st.integers(0, (1 << b) - 1),
            ),
        )
    ),
    st.integers(0, 3),
)
def test_property_motion_sad_basics(case, shift: int) -> None:
    """SAD is >= 0, zero for a static frame, and the 5-tap blur of a constant is that constant."""
    bitdepth, frame = case
    moved = np.roll(frame, shift, axis=1)
    sad = motion_sad(frame, moved, bitdepth)
    assert sad >= 0.0
    assert motion_sad(frame, frame, bitdepth) == 0.0
    const_a = np.full(frame.shape, 7, frame.dtype)
    const_b = np.full(frame.shape, 3, frame.dtype)
    # D = 4 everywhere: blurring keeps 4 (taps sum to 1), scaled to 8-bit levels.
    assert motion_sad(const_a, const_b, bitdepth) == 4.0 / (1 << (bitdepth - 8))


# --------------------------------------------------------------------------
# model loading
# --------------------------------------------------------------------------


def test_bundled_models_and_license_shipped() -> None:
    for name in BUNDLED_MODELS:
        assert (MODELS_DIR / f"{name}.json").is_file()
    assert "BSD-2-Clause-Patent" in (MODELS_DIR / "LICENSE").read_text()
    readme = (MODELS_DIR / "README.md").read_text()
    assert "BSD-2-Clause-Patent" in readme and "Netflix" in readme


def test_bundled_models_identical_to_source() -> None:
    try:
        import ffmpeg_quality_metrics
    except ImportError:  # pragma: no cover
        pytest.skip("ffmpeg_quality_metrics not installed")
    src = Path(ffmpeg_quality_metrics.__file__).parent / "vmaf_models"
    for name in [*(f"{n}.json" for n in BUNDLED_MODELS), "LICENSE"]:
        assert (MODELS_DIR / name).read_bytes() == (src / name).read_bytes()


def test_v061_constants_from_doc() -> None:
    m = load_model("vmaf_v0.6.1")
    assert m.feature_names == V061_FEATURES
    assert m.norm_type == "linear_rescale"
    assert (m.slope, m.intercept) == (0.012020766332648465, -0.3092981927591963)
    assert m.feature_slopes[0] == 2.8098077502505414
    assert m.feature_intercepts[-1] == -1.083428597549764
    assert (m.svm.svm_type, m.svm.gamma, m.svm.rho, m.svm.n_sv) == ("nu_svr", 0.04, -1.33133, 211)
    assert m.svm.support.shape == (211, 6)
    assert m.clip == (0.0, 100.0)
    assert not m.transform.enabled  # off unless asked for
    assert (m.transform.p0, m.transform.p1, m.transform.p2) == (1.70674692, 1.72643844, -0.00705305)
    assert m.transform.out_gte_in and not m.transform.out_lte_in
    assert (m.vif_gain_limit, m.adm_gain_limit) == (100.0, 100.0)

    k4 = load_model("vmaf_4k_v0.6.1")
    assert (k4.svm.n_sv, k4.svm.rho, k4.svm.gamma) == (262, -2.30449, 0.04)
    assert k4.slope == 0.012388059998472608
    assert not k4.transform.enabled and k4.transform.p0 is None


def test_neg_model_differs_only_by_gain_limits() -> None:
    m, n = load_model("vmaf_v0.6.1"), load_model("vmaf_v0.6.1neg")
    assert (n.vif_gain_limit, n.adm_gain_limit) == (1.0, 1.0)
    assert n.feature_opts[0] == {"adm_enhn_gain_limit": 1.0}
    assert n.feature_opts[1] == {}
    assert all(o == {"vif_enhn_gain_limit": 1.0} for o in n.feature_opts[2:])
    assert all(o == {} for o in m.feature_opts)
    for attr in ("feature_names", "slope", "intercept", "feature_slopes", "feature_intercepts"):
        assert getattr(m, attr) == getattr(n, attr)
    assert np.array_equal(m.svm.support, n.svm.support)
    assert np.array_equal(m.svm.coef, n.svm.coef)
    assert m.svm.rho == n.svm.rho


def test_load_from_path_and_flags(tmp_path: Path) -> None:
    path = tmp_path / "copy.json"
    path.write_bytes((MODELS_DIR / "vmaf_v0.6.1.json").read_bytes())
    m = load_model(path, disable_clip=True, enable_transform=True)
    assert m.name == "copy" and m.clip is None and m.transform.enabled


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d.pop("model_dict"), "model_dict"),
        (lambda d: d["model_dict"].update(model_type="BOOTSTRAP_LIBSVMNUSVR"), "model_type"),
        (lambda d: d["model_dict"].update(norm_type="clip_0to1"), "norm_type"),
        (lambda d: d["model_dict"]["slopes"].pop(), "slopes"),
        (
            lambda d: d["model_dict"].update(
                model=d["model_dict"]["model"].replace("rbf", "linear")
            ),
            "kernel_type",
        ),
        (
            lambda d: d["model_dict"].update(
                model=d["model_dict"]["model"].replace("total_sv 211", "total_sv 212")
            ),
            "212",
        ),
    ],
)
def test_invalid_models(mutate, match: str) -> None:
    data = json.loads((MODELS_DIR / "vmaf_v0.6.1.json").read_text())
    mutate(data)
    with pytest.raises(ValueError, match=match):
        model_from_dict(data)


def test_load_model_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="neither a bundled model"):
        load_model("vmaf_v9")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_model(bad)


# --------------------------------------------------------------------------
# prediction
# --------------------------------------------------------------------------


def _tiny_model(**extra) -> VmafModel:
    """Two features, two sparse support vectors, no normalisation."""
    svm = "\n".join(
        [
            "svm_type nu_svr",
            "kernel_type rbf",
            "gamma 0.5",
            "nr_class 2",
            "total_sv 2",
            "rho 0.25",
            "SV",
            "2 1:1.0 ",
            "-1 2:2.0 ",
            "",
        ]
    )
    md = {
        "model_type": "LIBSVMNUSVR",
        "norm_type": "none",
        "feature_names": ["fa", "fb"],
        "model": svm,
        **extra,
    }
    return model_from_dict({"model_dict": md}, name="tiny")


def test_sparse_support_vectors_and_rbf() -> None:
    m = _tiny_model()
    x = (0.5, 1.5)
    expected = (
        2 * math.exp(-0.5 * ((0.5 - 1.0) ** 2 + 1.5**2))
        - 1 * math.exp(-0.5 * (0.5**2 + (1.5 - 2.0) ** 2))
        - 0.25
    )
    assert m.predict({"fa": 0.5, "fb": 1.5, "unused": 9.0}) == expected
    assert m.predict(x) == expected
    with pytest.raises(ValueError, match="missing"):
        m.predict({"fa": 0.5})
    with pytest.raises(ValueError, match="2 features"):
        m.predict([1.0])


def test_transform_knots_and_rectification() -> None:
    st_ = {"knots": [[0.0, 0.0], [1.0, 2.0], [3.0, 3.0]], "out_lte_in": "true", "enabled": True}
    t = _tiny_model(score_transform=st_).transform
    assert t.enabled
    assert t.apply(0.5) == 0.5  # knot value 1.0 > input: out_lte_in keeps the input
    assert t.apply(2.0) == 2.0  # 2.5 clamped to 2.0
    assert t.apply(5.0) == 4.0  # last segment extended (slope 0.5): 4.0 <= 5.0
    assert t.apply(-1.0) == -2.0  # first segment extended below the range
    poly = _tiny_model(score_transform={"p0": 1.0, "p2": 2.0}).transform
    assert not poly.enabled  # not enabled by the JSON
    assert poly.apply(3.0) == 1.0 + 2.0 * 3.0 * 3.0


def test_transform_and_clip_flags() -> None:
    feats = dict(zip(V061_FEATURES, [1.0, 4.0, 0.9, 1.0, 1.0, 1.0], strict=True))
    raw = load_model("vmaf_v0.6.1", disable_clip=True).predict(feats)
    t = load_model("vmaf_v0.6.1", disable_clip=True, enable_transform=True).predict(feats)
    poly = 1.70674692 + 1.72643844 * raw + -0.00705305 * raw * raw
    assert t == max(poly, raw)
    assert load_model("vmaf_v0.6.1").predict(feats) == min(max(raw, 0.0), 100.0)
    clipped_t = load_model("vmaf_v0.6.1", enable_transform=True).predict(feats)
    assert clipped_t == min(max(t, 0.0), 100.0)


def _doc_vector(kind: str, t: int, neg: bool, adm2: float) -> list[float]:
    ref = doc_ref(t)
    vif = vif_features(ref, doc_dis(kind, t), 8, gain_limit=1.0 if neg else 100.0)
    motion = motion2_scores([doc_ref(i) for i in range(3)], 8)[t]
    return [adm2, motion, *(vif[f"vif_scale{s}"] for s in range(4))]


@pytest.mark.parametrize("kind", ["enh", "mild"])
@pytest.mark.parametrize("t", [0, 1, 2])
def test_doc_vmaf_vectors(kind: str, t: int) -> None:
    """vif/motion from the reference, adm2 from docs/internals.md (10 digits) => ~1e-8 off."""
    vmaf = load_model("vmaf_v0.6.1", disable_clip=True)
    neg = load_model("vmaf_v0.6.1neg", disable_clip=True)
    got = vmaf.predict(_doc_vector(kind, t, False, float(DOC_ADM2[kind][t])))
    got_neg = neg.predict(_doc_vector(kind, t, True, float(DOC_ADM2_EGL1[kind][t])))
    assert got == pytest.approx(float(DOC_VMAF[kind][t]), abs=1e-7)
    assert got_neg == pytest.approx(float(DOC_VMAF_NEG[kind][t]), abs=1e-7)


@pytest.mark.parametrize("kind", ["enh", "mild"])
def test_doc_vmaf_vectors_full_reference_chain(kind: str) -> None:
    """With the reference ADM too, all 10 printed digits match."""
    from pyvmafneg.engines import reference

    try:
        adm_features = reference.adm_features
    except AttributeError:  # pragma: no cover
        pytest.skip("reference ADM not available")
    vmaf = load_model("vmaf_v0.6.1", disable_clip=True)
    neg = load_model("vmaf_v0.6.1neg", disable_clip=True)
    for t in range(3):
        ref, dis = doc_ref(t), doc_dis(kind, t)
        adm2 = adm_features(ref, dis, 8)["adm2"]
        adm2_1 = adm_features(ref, dis, 8, 1.0)["adm2"]
        assert f"{vmaf.predict(_doc_vector(kind, t, False, adm2)):.10g}" == DOC_VMAF[kind][t]
        assert f"{neg.predict(_doc_vector(kind, t, True, adm2_1)):.10g}" == DOC_VMAF_NEG[kind][t]


def test_doc_identical_frames_vmaf() -> None:
    """ref == dis at t=0: adm2 = 1.0000033210506423, motion2 = 0 => vmaf 97.428744780554."""
    ref = doc_ref(0)
    vif = vif_features(ref, ref, 8)
    feats = [1.0000033210506423, 0.0, *(vif[f"vif_scale{s}"] for s in range(4))]
    assert f"{load_model('vmaf_v0.6.1').predict(feats):.14g}" == "97.428744780554"


# --------------------------------------------------------------------------
# against libvmaf, when the binding is importable
# --------------------------------------------------------------------------


def _libvmaf_score():
    try:
        import pyvmafneg
        from pyvmafneg import score

        pyvmafneg.load_library()
    except Exception as exc:  # pragma: no cover - environment dependent
        pytest.skip(f"libvmaf binding unavailable: {exc}")
    return score


@pytest.mark.parametrize("bitdepth", [8, 10])
@pytest.mark.parametrize("kind", ["sharpen", "blur"])
def test_motion_and_models_equal_libvmaf(bitdepth: int, kind: str) -> None:
    score = _libvmaf_score()
    refs = natural_planes(bitdepth, n=4)
    diss = [DISTORTIONS[kind](r, bitdepth) for r in refs]
    clipped = score(refs, diss, bitdepth=bitdepth)
    unclipped = score(refs, diss, bitdepth=bitdepth, clip=False)

    assert motion2_scores(refs, bitdepth) == list(clipped["integer_motion2"])

    models = {
        (name, clip): load_model(version, disable_clip=not clip)
        for name, version in (("vmaf", "vmaf_v0.6.1"), ("vmaf_neg", "vmaf_v0.6.1neg"))
        for clip in (True, False)
    }
    for i in range(len(refs)):
        for (name, clip), model in models.items():
            result = clipped if clip else unclipped
            suffix = "_egl_1" if name == "vmaf_neg" else ""
            feats = [
                result[f"integer_adm2{suffix}"][i],
                result["integer_motion2"][i],
                *(result[f"integer_vif_scale{s}{suffix}"][i] for s in range(4)),
            ]
            assert model.predict(feats) == result[name][i], (name, clip, i)


@pytest.mark.parametrize("name", ["vmaf_v0.6.1", "vmaf_v0.6.1neg", "vmaf_4k_v0.6.1"])
@pytest.mark.parametrize("transform", [False, True])
def test_predict_rows_equals_predict_as_doubles(name: str, transform: bool) -> None:
    # the batched prediction the native engine uses: every row as predict() scores it
    rng = np.random.default_rng(7)
    rows = np.column_stack(
        [
            rng.uniform(0.3, 1.05, 64),  # adm2
            rng.uniform(0.0, 25.0, 64),  # motion2
            rng.uniform(0.0, 1.1, 64),  # vif scales
            rng.uniform(0.2, 1.1, 64),
            rng.uniform(0.3, 1.1, 64),
            rng.uniform(0.4, 1.1, 64),
        ]
    )
    rows[0] = [1.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    for clip in (False, True):
        m = load_model(name, disable_clip=not clip, enable_transform=transform)
        assert len(m.feature_names) == rows.shape[1]
        got = m.predict_rows(rows, chunk=10)
        assert got == [m.predict(row) for row in rows.tolist()]
    with pytest.raises(ModelError):
        m.predict_rows(rows[:, :3])
