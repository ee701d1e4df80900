"""The NumPy reference backend against libvmaf 3.2.0, computed at test time.

Every clip is a natural photograph from scikit-image panned (camera motion,
so ``integer_motion2`` is non-zero) and distorted the ways the issue lists:
x264 encodes (FFmpeg from imageio-ffmpeg), blur, noise, down-up scaling,
unsharp masks, histogram equalisation and contrast changes, at 8 and 10 bit
(plus 12- and 16-bit, 4:2:2/4:4:4/4:0:0 and an odd size). Each is scored by
libvmaf through the binding (``pyvmafneg.score``) and by the reference
(``score_reference``): both logs must have the same keys, and every per-frame
feature must be the same double (``integer_aim``, ``integer_adm3``,
``integer_motion3`` and the motion SAD included).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import ndimage
from skimage.transform import resize

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo import _enhance as enhance
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.demo._encode import x264_roundtrip
from pyvmafneg.engines._models import ModelSpec
from pyvmafneg.engines._paths import kernel_for_cpumask
from pyvmafneg.engines.reference import ReferenceScorer, score_reference
from pyvmafneg.errors import (
    FrameError,
    FrameMismatchError,
    GainLimitError,
    ModelError,
    ScorerStateError,
)
from pyvmafneg.io._frame import Frame
from pyvmafneg.io._rawyuv import write_yuv
from pyvmafneg.results._result import Result

REPO = Path(__file__).resolve().parents[1]

#: Within quantisation, a capped feature may exceed 1 by this much: ADM's noise
#: floor makes identical pictures score 1.0000033 (measured capped maximum on
#: these clips: VIF 1.0 exactly, adm2 0.9999967, adm_scale0 1.0000148).
PARITY_SLACK = 2e-5

# -- distortions -----------------------------------------------------------------------

Edit = Callable[[list[Frame]], list[Frame]]


def _plane_op(fn: Callable[[np.ndarray, int], np.ndarray]) -> Edit:
    def op(plane: np.ndarray, *, bitdepth: int) -> np.ndarray:
        out = fn(plane.astype(np.float64), bitdepth)
        return np.clip(np.rint(out), 0, (1 << bitdepth) - 1).astype(plane.dtype)

    return lambda frames: enhance.apply_to_frames(frames, op)


def _noise(sigma: float) -> Edit:
    def edit(frames: list[Frame]) -> list[Frame]:
        rng = np.random.default_rng(7)
        return _plane_op(lambda x, b: x + rng.normal(0.0, sigma * (1 << (b - 8)), x.shape))(frames)

    return edit


def _down_up(factor: float) -> Edit:
    def fn(x: np.ndarray, b: int) -> np.ndarray:
        h, w = x.shape
        small = resize(x, (round(h * factor), round(w * factor)), order=3, anti_aliasing=True)
        return resize(small, (h, w), order=3)

    return _plane_op(fn)


def _enh(name: str, **params: float) -> Edit:
    return lambda frames: enhance.apply_to_frames(frames, name, **params)


DISTORTIONS: dict[str, Edit] = {
    "x264": lambda frames: x264_roundtrip(frames, crf=32, preset="ultrafast").frames,
    "blur": _plane_op(lambda x, b: ndimage.gaussian_filter(x, 1.2)),
    "noise": _noise(4.0),
    "downup": _down_up(0.5),
    "unsharp": _enh("unsharp", sigma=1.5, amount=1.5),
    "histeq": _enh("histeq"),
    "contrast": _enh("contrast", gain=1.25),
}
ENHANCEMENTS = ("unsharp", "histeq", "contrast")

#: Photographs per bit depth: every distortion is applied to each.
IMAGES = {8: ("astronaut", "coffee"), 10: ("chelsea", "rocket")}
CASES = [(d, b, image) for b in IMAGES for d in DISTORTIONS for image in IMAGES[b]]


@functools.cache
def _clip(
    image: str,
    bitdepth: int,
    fmt: str = "420",
    width: int = 176,
    height: int = 144,
    frames: int = 4,
) -> tuple[Frame, ...]:
    return tuple(
        natural_clip(
            image,
            frames=frames,
            width=width,
            height=height,
            bitdepth=bitdepth,
            pixel_format=fmt,
            pan=(2.5, 1.5),
            zoom=0.01,
        )
    )


@functools.cache
def _scored(
    distortion: str, bitdepth: int, image: str
) -> tuple[list[Frame], list[Frame], Result, Result]:
    """(ref, dis, libvmaf result, reference result), default pair, unclipped."""
    ref = list(_clip(image, bitdepth, frames=5))
    dis = DISTORTIONS[distortion](ref)
    lib = pyvmafneg.score(ref, dis, clip=False, backend="libvmaf")
    refr = score_reference(ref, dis, clip=False)
    return ref, dis, lib, refr


#: Features libvmaf writes that no v0.6.1 model reads; the reference writes them too.
UNREAD = ("integer_aim", "integer_adm3", "integer_motion3", "VMAF_integer_feature_motion_sad_score")


def assert_bit_exact(lib: Result, ref: Result) -> None:
    assert ref.backend == "reference" and lib.backend == "libvmaf"
    assert list(ref.frames) == list(lib.frames)
    assert set(ref.scores) == set(lib.scores)
    assert set(ref.features) == set(lib.features)
    for key, values in ref.features.items():
        assert np.array_equal(values, lib.features[key]), (
            f"{key}: reference {values.tolist()} != libvmaf {lib.features[key].tolist()}"
        )
    for key, values in ref.scores.items():
        diff = float(np.abs(values - lib.scores[key]).max())
        assert diff <= 1e-9, f"{key}: |reference - libvmaf| = {diff:g}"


# -- bit-exactness ---------------------------------------------------------------------


@pytest.mark.parametrize(("distortion", "bitdepth", "image"), CASES)
def test_every_feature_equals_libvmaf(distortion: str, bitdepth: int, image: str) -> None:
    ref, dis, lib, refr = _scored(distortion, bitdepth, image)
    assert refr.features["integer_motion2"][1:].min() > 1.0  # the clip really moves
    assert "integer_adm2_egl_1" in refr.features and "integer_vif_scale3_egl_1" in refr.features
    assert {*UNREAD, "integer_aim_egl_1", "integer_adm3_egl_1"} <= set(refr.features)
    assert_bit_exact(lib, refr)
    assert (refr["integer_aim"] > 0).all() and (refr["integer_motion3"] > 1.0).all()


@pytest.mark.parametrize(
    ("image", "bitdepth", "fmt", "width", "height", "distortion"),
    [
        ("coffee", 12, "444", 176, 144, "unsharp"),
        ("rocket", 16, "422", 176, 144, "noise"),
        ("retina", 8, "400", 191, 143, "contrast"),  # odd size, gray
        ("camera", 10, "420", 352, 288, "downup"),
    ],
)
def test_other_depths_formats_and_sizes(image, bitdepth, fmt, width, height, distortion):
    ref = list(_clip(image, bitdepth, fmt, width, height, frames=3))
    dis = DISTORTIONS[distortion](ref)
    assert_bit_exact(
        pyvmafneg.score(ref, dis, clip=False, backend="libvmaf"),
        score_reference(ref, dis, clip=False),
    )


def test_overloads_4k_subsample_clip_and_transform() -> None:
    ref = list(_clip("astronaut", 8))
    dis = DISTORTIONS["unsharp"](ref)
    models = [
        "vmaf_v0.6.1:name=plain",
        "vmaf_v0.6.1:name=mixed:vif_enhn_gain_limit=1.5:adm_enhn_gain_limit=3",
        ModelSpec("vmaf_4k_v0.6.1neg", name="k4neg"),
        ModelSpec("vmaf_4k_v0.6.1", name="k4"),
        "vmaf_v0.6.1neg:name=neg:vif_enhn_gain_limit=100",
    ]
    for kwargs in ({"subsample": 2}, {"clip": True, "transform": True}):
        lib = pyvmafneg.score(ref, dis, models, backend="libvmaf", **kwargs)
        refr = score_reference(ref, dis, models, **kwargs)
        assert_bit_exact(lib, refr)
        assert {"integer_vif_scale0_egl_1.5", "integer_adm2_egl_3"} <= set(refr.features)
    assert list(refr.frames) == [0, 1, 2, 3]
    assert refr.scores["plain"].max() == 100.0  # clipped, and above 100 before clipping
    assert (refr.default_model, refr.neg_model) == ("plain", "k4neg")


def test_non_integer_adm_limit_exact_on_simd_and_c_paths() -> None:
    """libvmaf's vector decoupling rounds rst * egl to nearest, its C code truncates.

    The reference follows the path it is given: libvmaf's default dispatch with
    ``cpumask=0`` and its C code with ``cpumask=0xffff``, exactly on both; the
    two paths really differ on this clip.
    """
    ref = list(_clip("chelsea", 8, frames=3))
    dis = DISTORTIONS["unsharp"](ref)
    models = ["vmaf_v0.6.1:name=x:adm_enhn_gain_limit=1.5:vif_enhn_gain_limit=1.25"]
    results = {}
    for cpumask in (0, 0xFFFF):  # 0: every SIMD level; 0xffff: none
        with pyvmafneg.Scorer(models, clip=False, cpumask=cpumask) as scorer:
            for r, d in zip(ref, dis, strict=True):
                scorer.feed(r, d)
            results[cpumask] = scorer.flush()
        assert_bit_exact(
            results[cpumask], score_reference(ref, dis, models, clip=False, cpumask=cpumask)
        )
    if kernel_for_cpumask(0) != "c":
        key = "integer_adm_scale0_egl_1.5"
        assert not np.array_equal(results[0][key], results[0xFFFF][key])


def test_luma_only_any_chroma() -> None:
    clip = list(_clip("astronaut", 8, frames=3))
    dis = DISTORTIONS["blur"](clip)
    base = score_reference(clip, dis)
    gray = score_reference([f.luma for f in clip], [f.luma for f in dis])
    odd_chroma = [Frame((f.luma, f.planes[2], f.planes[1]), 8, "420") for f in dis]
    swapped = score_reference(clip, odd_chroma)
    for other in (gray, swapped):
        for key in base.keys():
            assert np.array_equal(base[key], other[key]), key


# -- the same interface as the libvmaf scorer ------------------------------------------


def test_streaming_interface_matches_scorer() -> None:
    ref = list(_clip("astronaut", 8))
    dis = DISTORTIONS["noise"](ref)
    with ReferenceScorer(clip=False) as scorer, pyvmafneg.Scorer(clip=False) as lib:
        for i, (r, d) in enumerate(zip(ref, dis, strict=True)):
            assert scorer.feed(r, d) == lib.feed(r, d) == i
        assert scorer.frames_fed == lib.frames_fed == len(ref)
        result = scorer.flush()
        assert scorer.flush() is result
        assert_bit_exact(lib.flush(), result)
        with pytest.raises(ScorerStateError):
            scorer.feed(ref[0], dis[0])
    assert result.version.startswith("3.2.0") and result.fps is not None
    assert result.models["vmaf_neg"] == "vmaf_neg = vmaf_v0.6.1neg"
    with pytest.raises(ScorerStateError), ReferenceScorer() as empty:
        empty.flush()


def _bad_inputs() -> dict[str, tuple[object, object, type[Exception]]]:
    small = np.full((32, 40), 100, np.uint8)
    ok = np.full((48, 48), 100, np.uint8)
    return {
        "too small": (small, small, FrameError),
        "float plane": (ok.astype(np.float32), ok, FrameError),
        "sizes differ": (ok, np.full((48, 50), 100, np.uint8), FrameMismatchError),
        "depths differ": (
            Frame.from_planes(ok),
            Frame.from_planes(ok.astype(np.uint16) * 4, bitdepth=10),
            FrameMismatchError,
        ),
        # Built directly, so only the scorers' own check sees the 10-bit overflow.
        "samples above 10 bits": (
            Frame((ok.astype(np.uint16) << 6,), 10, "400"),
            Frame((ok.astype(np.uint16) << 6,), 10, "400"),
            FrameError,
        ),
    }


@pytest.mark.parametrize("case", list(_bad_inputs()))
def test_bad_frames_raise_the_same_errors_as_libvmaf(case: str) -> None:
    ref, dis, error = _bad_inputs()[case]
    for make in (ReferenceScorer, pyvmafneg.Scorer):
        with make() as scorer, pytest.raises(error):  # type: ignore[operator]
            scorer.feed(ref, dis)


def test_clip_changes_and_length_mismatch() -> None:
    a = np.full((48, 48), 90, np.uint8)
    b = np.full((64, 48), 90, np.uint8)
    with ReferenceScorer() as scorer:
        scorer.feed(a, a)
        with pytest.raises(FrameMismatchError, match="clip started"):
            scorer.feed(b, b)
    with pytest.raises(FrameMismatchError, match="distorted clip ended after 2"):
        score_reference([a, a, a], [a, a])
    assert len(score_reference([a, a, a], [a, a], frames=2)) == 2
    with pytest.raises(FrameMismatchError, match="hold only 3"):
        score_reference([a] * 3, [a] * 3, frames=5)


def test_model_errors(tmp_path: Path) -> None:
    for model, expected in (
        ("vmaf_v0.6.1:egl=0.5", GainLimitError),
        ("nonexistent_model", ModelError),
    ):
        with pytest.raises(expected):
            ReferenceScorer([model])
        with pytest.raises(expected):
            pyvmafneg.Scorer([model])
    # libvmaf scores VMAF v1 (cambi, speed_chroma, adm3, motion3); the reference says so.
    with pytest.raises(ModelError, match="score it with backend='libvmaf'") as info:
        ReferenceScorer(["vmaf_v1.0.16_3d0h"])
    assert (info.value.model, info.value.options) == ("vmaf_v1.0.16_3d0h", {"backend": "libvmaf"})
    doc = json.loads((REPO / "pyvmafneg/model_files/vmaf_v0.6.1.json").read_text())
    doc["model_dict"]["feature_names"][0] = "VMAF_feature_adm2_score"  # float ADM
    path = tmp_path / "float_adm.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="VMAF_feature_adm2_score"):
        ReferenceScorer([str(path)])


def test_custom_json_model_with_its_own_gain_limits(tmp_path: Path) -> None:
    doc = json.loads((REPO / "pyvmafneg/model_files/vmaf_v0.6.1.json").read_text())
    doc["model_dict"]["feature_opts_dicts"] = [{"adm_enhn_gain_limit": 2.0}, {}] + [
        {"vif_enhn_gain_limit": 1.5}
    ] * 4
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(doc))
    ref = list(_clip("astronaut", 8, frames=3))
    dis = DISTORTIONS["contrast"](ref)
    models = [f"{path}:name=custom", "vmaf_v0.6.1:name=vmaf"]
    lib = pyvmafneg.score(ref, dis, models, clip=False, backend="libvmaf")
    refr = score_reference(ref, dis, models, clip=False)
    assert_bit_exact(lib, refr)
    assert "integer_adm2_egl_2" in refr.features


def test_json_model_reading_adm3_and_motion3(tmp_path: Path) -> None:
    """A model may read the features v0.6.1 leaves unread, at default options."""
    doc = json.loads((REPO / "pyvmafneg/model_files/vmaf_v0.6.1.json").read_text())
    names = doc["model_dict"]["feature_names"]
    names[0], names[1] = "VMAF_integer_feature_adm3_score", "VMAF_integer_feature_motion3_score"
    doc["model_dict"]["feature_opts_dicts"] = [{"adm_enhn_gain_limit": 1.0}] + [{}] * 5
    path = tmp_path / "adm3_motion3.json"
    path.write_text(json.dumps(doc))
    ref = list(_clip("astronaut", 8, frames=3))
    dis = DISTORTIONS["unsharp"](ref)
    models = [f"{path}:name=v3"]
    lib = pyvmafneg.score(ref, dis, models, clip=False, backend="libvmaf")
    refr = score_reference(ref, dis, models, clip=False)
    assert_bit_exact(lib, refr)
    assert "integer_adm3_egl_1" in refr.features and "integer_adm2" not in refr.features


def test_cpumask_reproduces_each_libvmaf_code_path() -> None:
    """Sharpened edges drive ADM's masking terms past int16 in libvmaf's C code only."""
    clip = list(_clip("camera", 8, "420", 282, 150, frames=2))
    dis = _enh("unsharp", sigma=1.5, amount=3.5)(clip)
    assert ReferenceScorer(cpumask=0xFFFF).kernel == "c"
    results = {}
    for cpumask in (0, 0xFFFF):
        with pyvmafneg.Scorer(clip=False, cpumask=cpumask) as scorer:
            for r, d in zip(clip, dis, strict=True):
                scorer.feed(r, d)
            lib = scorer.flush()
        results[cpumask] = score_reference(clip, dis, clip=False, cpumask=cpumask)
        assert_bit_exact(lib, results[cpumask])
    if ReferenceScorer().kernel != "c":  # x86 with AVX2 or AVX-512: the paths differ here
        assert not np.array_equal(results[0]["integer_aim"], results[0xFFFF]["integer_aim"])


@pytest.mark.slow
def test_memory_stays_constant_over_the_clip() -> None:
    base = _clip("astronaut", 8, frames=1)[0]

    def frames(n: int):
        for i in range(n):
            luma = np.roll(base.luma, (i, 2 * i), axis=(0, 1))
            yield luma, enhance.unsharp_mask(luma, amount=1.0)

    def peak(n: int) -> tuple[int, int]:
        tracemalloc.start()
        with ReferenceScorer() as scorer:
            for r, d in frames(n):
                scorer.feed(r, d)
            result = scorer.flush()
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top, len(result.features) + len(result.scores)

    (short, series), (long, _) = peak(4), peak(40)
    # Per-frame numbers only: 36 more frames of each series at <= 64 bytes a number
    # (a float object and its list slot), plus 32 KiB of slack. One kept plane per
    # frame would add 25 KB a frame.
    budget = 32 * 1024 + 36 * series * 64
    assert long - short < budget, (short, long, budget)


def test_reference_never_loads_libvmaf() -> None:
    """An independent witness: the reference modules import no binding and map no libvmaf."""
    for path in (REPO / "pyvmafneg/reference").glob("*.py"):
        text = path.read_text()
        for forbidden in (
            "..libvmaf",
            "..scorer",
            "pyvmafneg.engines.libvmaf._binding",
            "pyvmafneg.engines.libvmaf._scorer",
            "import cffi",
            "from cffi",
        ):
            assert forbidden not in text, f"{path.name} imports {forbidden}"
    if not Path("/proc/self/maps").exists():
        pytest.skip("needs /proc to list the shared libraries a process maps")
    code = (
        "import numpy as np\n"
        "from pyvmafneg.engines.reference import score_reference\n"
        "a = np.tile(np.arange(64, dtype=np.uint8), (48, 1))\n"
        "r = score_reference([a, a], [a, a // 2 * 2])\n"
        "assert r.backend == 'reference'\n"
        "maps = open('/proc/self/maps').read()\n"
        "print('libvmaf' in maps)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert out.stdout.strip() == "False"


# -- the CLI ---------------------------------------------------------------------------


@pytest.mark.parametrize(("bitdepth", "fmt"), [(8, "420"), (10, "422")])
def test_cli_reference_log_matches_libvmaf_log(tmp_path: Path, bitdepth: int, fmt: str) -> None:
    ref = list(_clip("rocket", bitdepth, fmt, frames=3))
    dis = DISTORTIONS["unsharp"](ref)
    write_yuv(ref, tmp_path / "ref.yuv")
    write_yuv(dis, tmp_path / "dis.yuv")
    logs = {}
    for backend in ("libvmaf", "reference"):
        out = tmp_path / f"{backend}.json"
        rc = main(
            [
                "score",
                "-r",
                str(tmp_path / "ref.yuv"),
                "-d",
                str(tmp_path / "dis.yuv"),
                "-w",
                "176",
                "-H",
                "144",
                "-p",
                fmt,
                "-b",
                str(bitdepth),
                "--no-clip",
                "--backend",
                backend,
                "-o",
                str(out),
                "-q",
                "--subsample",
                "1",
            ]
        )
        assert rc == 0
        logs[backend] = json.loads(out.read_text())
    lib, refr = logs["libvmaf"], logs["reference"]
    assert refr["pyvmafneg"]["backend"] == "reference"
    assert len(refr["frames"]) == len(lib["frames"]) == 3
    lib_keys = set(lib["frames"][0]["metrics"])
    assert set(UNREAD) <= lib_keys
    assert set(refr["frames"][0]["metrics"]) == lib_keys
    assert set(refr["pooled_metrics"]) == set(lib["pooled_metrics"])
    for f_ref, f_lib in zip(refr["frames"], lib["frames"], strict=True):
        assert f_ref["frameNum"] == f_lib["frameNum"]
        for key, value in f_ref["metrics"].items():
            # Same doubles, same printing: the logs agree digit for digit.
            assert value == f_lib["metrics"][key], key


# -- the cap, frame by frame -----------------------------------------------------------

VIF = [f"integer_vif_scale{s}" for s in range(4)]


@pytest.mark.parametrize(("distortion", "bitdepth", "image"), CASES)
def test_limit_one_never_exceeds_uncapped_or_parity(distortion, bitdepth, image) -> None:
    _, _, lib, refr = _scored(distortion, bitdepth, image)
    for res in (refr, lib):
        for key in [*VIF, "integer_adm2"]:
            capped, free = res[f"{key}_egl_1"], res[key]
            assert (capped <= free).all(), (key, capped - free)
            assert (capped <= 1.0 + PARITY_SLACK).all(), (key, capped.max())


@pytest.mark.parametrize(
    ("distortion", "bitdepth", "image"), [c for c in CASES if c[0] in ENHANCEMENTS]
)
def test_enhancement_capped_strictly_lower(distortion: str, bitdepth: int, image: str) -> None:
    _, _, lib, refr = _scored(distortion, bitdepth, image)
    for key in [*VIF, "integer_adm2"]:
        assert (refr[f"{key}_egl_1"] < refr[key]).all(), key
    assert (refr["vmaf_neg"] < refr["vmaf"] - 1.0).all()
    assert (lib["vmaf_neg"] < lib["vmaf"] - 1.0).all()


@pytest.mark.parametrize("bitdepth", [8, 10])
@pytest.mark.parametrize("factor", [0.6, 0.4])
def test_contrast_reduction_vif_identical_adm_within_rounding(bitdepth: int, factor: float):
    """No local gain above 1: VIF's capped and uncapped scores are the same doubles.

    ADM's are not quite: libvmaf restores a coefficient as t exactly when
    uncapped but as round(k * o) with the Q15 gain k = t/o when capped at 1,
    so a few LSBs move into the additive term wherever rounding (or the
    quantised picture's noise at tiny coefficients) lifts the ratio over 1.
    Measured: |adm2 - adm2_egl_1| <= 1.75e-5, VMAF - VMAF-NEG <= 0.0033
    (1.47e-5 on the identical picture).
    """
    ref = list(_clip(IMAGES[bitdepth][0], bitdepth, frames=3))
    dis = _enh("contrast", gain=factor)(ref)
    refr = score_reference(ref, dis, clip=False)
    lib = pyvmafneg.score(ref, dis, clip=False, backend="libvmaf")
    assert_bit_exact(lib, refr)
    for key in VIF:
        assert np.array_equal(refr[f"{key}_egl_1"], refr[key]), key
    assert np.abs(refr["integer_adm2_egl_1"] - refr["integer_adm2"]).max() <= 5e-5
    gap = refr["vmaf"] - refr["vmaf_neg"]
    assert (gap >= 0).all() and gap.max() <= 0.01


def test_identical_pictures_adm_rounding_bound() -> None:
    ref = list(_clip("astronaut", 8, frames=2))
    refr = score_reference(ref, ref, clip=False)
    for key in VIF:
        assert np.array_equal(refr[key], refr[f"{key}_egl_1"])
    assert ((refr["integer_adm2"] > 1.0) & (refr["integer_adm2"] < 1.00001)).all()
    # Measured: 1.47e-5 (astronaut), the same Q15 rounding as in contrast reduction.
    assert 0 < float((refr["integer_adm2"] - refr["integer_adm2_egl_1"]).max()) <= 5e-5


@functools.cache
def _sharpened_pair() -> tuple[Frame, Frame, Frame, Frame]:
    clip = list(_clip("chelsea", 8, frames=2))
    dis = DISTORTIONS["unsharp"](clip)
    return clip[0], dis[0], clip[1], dis[1]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    vif=st.lists(st.integers(100, 10_000), min_size=2, max_size=2, unique=True),
    adm=st.lists(st.integers(1, 100), min_size=2, max_size=2, unique=True),
)
def test_raising_the_limit_never_lowers_a_feature(vif: list[int], adm: list[int]) -> None:
    """Limits drawn over [1, 100] (VIF to 0.01; ADM whole numbers, exact on libvmaf's SIMD)."""
    v_lo, v_hi = sorted(v / 100 for v in vif)
    a_lo, a_hi = sorted(float(a) for a in adm)
    models = [
        ModelSpec("vmaf_v0.6.1", name="lo", vif_gain_limit=v_lo, adm_gain_limit=a_lo),
        ModelSpec("vmaf_v0.6.1", name="hi", vif_gain_limit=v_hi, adm_gain_limit=a_hi),
    ]
    r0, d0, r1, d1 = _sharpened_pair()
    refr = score_reference([r0, r1], [d0, d1], models, clip=False)
    assert_bit_exact(
        pyvmafneg.score([r0, r1], [d0, d1], models, clip=False, backend="libvmaf"), refr
    )

    def key(base: str, limit: float) -> str:
        return f"integer_{base}" + ("" if limit == 100.0 else f"_egl_{limit:g}")

    for s in range(4):
        lo, hi = refr[key(f"vif_scale{s}", v_lo)], refr[key(f"vif_scale{s}", v_hi)]
        assert (lo <= hi).all(), (s, v_lo, v_hi)
    for base in ("adm2", "adm3", *(f"adm_scale{s}" for s in range(4))):
        assert (refr[key(base, a_lo)] <= refr[key(base, a_hi)]).all(), (base, a_lo, a_hi)
    # A looser cap leaves more of the enhancement restored, less of it additive.
    assert (refr[key("aim", a_lo)] >= refr[key("aim", a_hi)]).all(), (a_lo, a_hi)
