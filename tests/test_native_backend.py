"""The native engine against the NumPy reference and libvmaf 3.2.0, as doubles.

Three witnesses: the compiled engine at every kernel level this CPU runs, the
NumPy reference and libvmaf itself through the binding, all computed at test
time on natural clips with motion under enhancement and codec distortions.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from helpers import distort

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import map_frames, natural_clip
from pyvmafneg.demo._encode import x264_roundtrip
from pyvmafneg.demo._enhance import unsharp_mask
from pyvmafneg.engines.reference import score_reference
from pyvmafneg.engines.reference._motion import motion_sad
from pyvmafneg.engines.reference._vif import vif_explain, vif_features_multi
from pyvmafneg.errors import BackendUnavailableError, FrameError, ModelError, OptionError
from pyvmafneg.io._rawyuv import write_yuv

pytest.importorskip("pyvmafneg.engines.native._engine", reason="the native engine is not built")

from pyvmafneg.engines.native import (  # noqa: E402
    NativeScorer,
    _kernels,  # noqa: E402
    available_levels,
    cap_share_key,
    score_native,
)

LEVELS = available_levels()
MODELS = [
    "vmaf_v0.6.1:name=vmaf",
    "vmaf_v0.6.1neg:name=vmaf_neg",
    "vmaf_v0.6.1:name=v13:vif_enhn_gain_limit=1.3:adm_enhn_gain_limit=2",
]


def assert_equal_results(a: pyvmafneg.Result, b: pyvmafneg.Result, keys=None) -> None:
    """Same frames and the same doubles for every key of ``b`` (or ``keys``)."""
    np.testing.assert_array_equal(a.frames, b.frames)
    for key in keys if keys is not None else b.keys():
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


# --------------------------------------------------------------------------- kernels


@pytest.mark.parametrize(
    ("kind", "width", "height", "bitdepth"),
    [
        ("unsharp", 176, 144, 8),
        ("contrast", 101, 57, 8),
        ("blur", 97, 75, 10),
        ("noise", 64, 48, 12),
        ("quant", 130, 77, 16),
        ("unsharp", 16, 16, 10),
        ("contrast", 17, 31, 16),
        ("noise", 33, 19, 9),
    ],
)
@pytest.mark.parametrize("simd", LEVELS)
def test_vif_kernel_equals_reference(kind, width, height, bitdepth, simd):
    clip = natural_clip(
        "astronaut",
        frames=1,
        width=width,
        height=height,
        bitdepth=max(bitdepth, 10) if bitdepth > 8 else 8,
    )
    ref = clip[0].luma
    if bitdepth not in (8, 10, 12, 16):
        ref = (ref >> 1).astype(np.uint16)  # 9-bit samples
    dis = distort(ref, kind, bitdepth)
    limits = (100.0, 1.0, 1.3, 37.5)
    scores, capped, locations = _kernels.vif(ref, dis, bitdepth, limits, simd)
    expect = vif_features_multi(ref, dis, bitdepth, limits)
    for i, g in enumerate(limits):
        assert scores[i].tolist() == [expect[g][f"vif_scale{s}"] for s in range(4)], g
    explain = vif_explain(ref, dis, bitdepth, 1.0)
    assert (capped[1] / locations).tolist() == list(explain.cap_fraction)
    assert [int(m.size) for m in explain.used] == locations.tolist()


def test_vif_kernel_strided_views_and_separate_strides():
    rng = np.random.default_rng(3)
    big = natural_clip("rocket", frames=1, width=120, height=90, bitdepth=10)[0].luma
    ref = big[5:80, 3:100]
    dis = np.asfortranarray(distort(big, "unsharp", 10)[2:77, 10:107])  # a copy is made
    wide = np.zeros((75, 131), np.uint16)
    wide[:, :97] = rng.integers(0, 1024, (75, 97))
    other = wide[:, :97]
    for d in (dis, other):
        got = _kernels.vif(ref, d, 10, (100.0, 1.0))[0]
        expect = vif_features_multi(np.ascontiguousarray(ref), np.ascontiguousarray(d), 10)
        assert got.tolist() == [
            [expect[g][f"vif_scale{s}"] for s in range(4)] for g in (100.0, 1.0)
        ]


@pytest.mark.parametrize("bitdepth", [8, 10, 12, 16])
@pytest.mark.parametrize(("width", "height"), [(3, 3), (17, 29), (353, 287)])
def test_motion_kernel_equals_reference(bitdepth, width, height):
    clip = natural_clip(
        "astronaut",
        frames=3,
        width=width if width >= 16 else 16,
        height=height if height >= 16 else 16,
        bitdepth=bitdepth,
        pan=(7.0, 3.0),
    )
    a, b = clip[0].luma[:height, :width], clip[2].luma[:height, :width]
    assert _kernels.motion_sad(a, b, bitdepth) == motion_sad(
        np.ascontiguousarray(a), np.ascontiguousarray(b), bitdepth
    )
    rng = np.random.default_rng(bitdepth)
    x = rng.integers(0, 1 << bitdepth, (height, width)).astype(a.dtype)
    y = rng.integers(0, 1 << bitdepth, (height, width)).astype(a.dtype)
    assert _kernels.motion_sad(x, y, bitdepth) == motion_sad(x, y, bitdepth)


def test_kernel_argument_checks():
    a = np.zeros((20, 20), np.uint8)
    with pytest.raises(ValueError, match="dtype"):
        _kernels.vif(a.astype(np.uint16), a, 8, (100.0,))
    with pytest.raises(ValueError, match="same shape"):
        _kernels.vif(a, a[:, :19], 8, (100.0,))
    with pytest.raises(ValueError, match=">= 16"):
        _kernels.vif(a[:15], a[:15], 8, (100.0,))
    with pytest.raises(ValueError, match=r"\[1, 100\]"):
        _kernels.vif(a, a, 8, (0.5,))
    with pytest.raises(ValueError, match="2-D"):
        _kernels.motion_sad(a[0], a[0], 8)
    with pytest.raises(OptionError, match="kernel level"):
        _kernels.vif(a, a, 8, (100.0,), simd="sse9")


# --------------------------------------------------------------------------- whole clips


@pytest.mark.parametrize(
    ("bitdepth", "fmt", "width", "height", "kind"),
    [
        (8, "420", 176, 144, "unsharp"),
        (8, "444", 95, 75, "contrast"),
        (10, "422", 121, 77, "blur"),
        (12, "400", 64, 49, "noise"),
        (16, "420", 101, 57, "quant"),
        (10, "444", 39, 41, "unsharp"),
    ],
)
def test_native_equals_libvmaf_and_reference(bitdepth, fmt, width, height, kind):
    # Widths such as 69-72, 97-100 and 129-144 are avoided: there libvmaf 3.2.0's vector ADM
    # disagrees with its own C code (which the reference and the engine equal).
    ref = natural_clip(
        "astronaut", frames=5, width=width, height=height, bitdepth=bitdepth, pixel_format=fmt
    )
    dis = map_frames(ref, lambda p: distort(p, kind, bitdepth))
    lib = pyvmafneg.score(ref, dis, MODELS, backend="libvmaf")
    ours = pyvmafneg.score(ref, dis, MODELS, backend="native")
    assert ours.backend == "native"
    assert_equal_results(ours, lib)  # every libvmaf key, model scores included
    assert_equal_results(ours, score_reference(ref, dis, MODELS))
    extra = set(ours.keys()) - set(lib.keys())
    assert extra == {
        cap_share_key(s, g, x) for x in ("vif", "adm") for g in (100.0, 1.0) for s in range(4)
    } | {cap_share_key(s, 1.3) for s in range(4)} | {cap_share_key(s, 2.0, "adm") for s in range(4)}


@pytest.mark.parametrize("bitdepth", [8, 10])
def test_native_equals_libvmaf_on_x264(bitdepth):
    ref = natural_clip("rocket", frames=6, width=157, height=91, bitdepth=bitdepth)
    dis = x264_roundtrip(ref, crf=35, preset="ultrafast").frames
    lib = pyvmafneg.score(ref, dis, backend="libvmaf")
    assert_equal_results(pyvmafneg.score(ref, dis, backend="native"), lib)
    # mild sharpening before the encode
    sharp = map_frames(ref, lambda p: unsharp_mask(p, bitdepth=bitdepth, sigma=1.0, amount=0.6))
    dis2 = x264_roundtrip(sharp, crf=30, preset="ultrafast").frames
    assert_equal_results(
        pyvmafneg.score(ref, dis2, backend="native"), pyvmafneg.score(ref, dis2, backend="libvmaf")
    )


def test_every_level_threads_and_subsample_agree():
    ref = natural_clip("astronaut", frames=7, width=120, height=68, bitdepth=10)
    dis = map_frames(ref, lambda p: distort(p, "unsharp", 10))
    base = score_native(ref, dis, simd="c")
    for simd in LEVELS:
        for threads in (0, 1, 2):
            assert_equal_results(score_native(ref, dis, simd=simd, threads=threads), base)
    lib = pyvmafneg.score(ref, dis, subsample=3, backend="libvmaf")
    assert_equal_results(score_native(ref, dis, subsample=3, threads=2), lib)


def test_env_var_forces_the_level(monkeypatch):
    monkeypatch.setenv(_kernels.ENV_SIMD, "c")
    assert NativeScorer().simd == "c"
    monkeypatch.setenv(_kernels.ENV_SIMD, "mmx")
    with pytest.raises(OptionError, match=_kernels.ENV_SIMD):
        NativeScorer()


def test_cap_shares_follow_enhancement():
    ref = natural_clip("astronaut", frames=2, width=176, height=144)
    plain = score_native(ref, map_frames(ref, lambda p: distort(p, "blur", 8)))
    sharp = score_native(ref, map_frames(ref, lambda p: distort(p, "unsharp", 8)))
    for s in range(4):
        key = cap_share_key(s, 1.0)
        assert sharp[key].min() > plain[key].max()
        assert (sharp[cap_share_key(s, 100.0)] == 0).all()
    one = sharp["integer_vif_cap_share_scale0_egl_1"][0]
    explain = vif_explain(ref[0].luma, distort(ref[0].luma, "unsharp", 8), 8, 1.0)
    assert one == explain.cap_fraction[0]


def test_refuses_models_it_does_not_compute():
    with pytest.raises(ModelError, match="backend='libvmaf'"):
        NativeScorer(["vmaf_v1.0.16_3d0h"])
    ref = natural_clip("astronaut", frames=1, width=40, height=40)
    with pytest.raises(ModelError, match="native backend"):
        pyvmafneg.score(ref, ref, "vmaf_v1.0.16_3d0h", backend="native")


def test_bad_frames_raise_frame_errors():
    ref = natural_clip("astronaut", frames=1, width=40, height=40)
    with NativeScorer() as scorer:
        with pytest.raises(FrameError):
            scorer.feed(ref[0].luma[:20, :20], ref[0].luma[:20, :20])


@pytest.mark.slow
def test_unbuilt_engine_says_how_to_build(tmp_path):
    # A Python where the extension module cannot be imported.
    code = (
        "import sys; sys.modules['pyvmafneg.engines.native._engine'] = None\n"
        "import pyvmafneg\n"
        "from pyvmafneg.errors import BackendUnavailableError\n"
        "from pyvmafneg.demo._clips import natural_clip\n"
        "ref = natural_clip('astronaut', frames=1, width=40, height=40)\n"
        "try:\n"
        "    pyvmafneg.score(ref, ref, backend='native')\n"
        "except BackendUnavailableError as exc:\n"
        "    print('REFUSED', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "REFUSED the native engine is not built" in out.stdout
    assert "pip install -e ." in out.stdout and "backend='libvmaf'" in out.stdout
    assert issubclass(BackendUnavailableError, pyvmafneg.VmafNegError)


def test_cli_native_backend_equals_libvmaf(tmp_path, capsys):
    ref = natural_clip("rocket", frames=4, width=91, height=61, bitdepth=10, pixel_format="422")
    dis = map_frames(ref, lambda p: distort(p, "contrast", 10))
    write_yuv(ref, tmp_path / "ref.yuv")
    write_yuv(dis, tmp_path / "dis.yuv")
    logs = {}
    for backend in ("native", "libvmaf"):
        out = tmp_path / f"{backend}.json"
        rc = main(
            f"score -r {tmp_path / 'ref.yuv'} -d {tmp_path / 'dis.yuv'} -w 91 -H 61 -p 422 -b 10 "
            f"--backend {backend} --threads 2 -o {out} -q".split()
        )
        assert rc == 0
        logs[backend] = json.loads(out.read_text())
    capsys.readouterr()
    for a, b in zip(logs["native"]["frames"], logs["libvmaf"]["frames"], strict=True):
        for key, value in b["metrics"].items():
            assert a["metrics"][key] == value, key
        assert "integer_vif_cap_share_scale0_egl_1" in a["metrics"]


def test_info_names_the_simd_level(capsys):
    assert main(["info"]) == 0
    assert f"native    built, {_kernels.simd_level()} kernels" in capsys.readouterr().out


def test_native_is_the_default_for_the_models_it_computes(monkeypatch):
    from pyvmafneg.engines._registry import default_backend

    ref = natural_clip("astronaut", frames=2, width=64, height=48)
    assert pyvmafneg.score(ref, ref).backend == "native"
    assert default_backend(["vmaf_4k_v0.6.1neg", "vmaf_v0.6.1:vif_enhn_gain_limit=1.5"]) == "native"
    assert default_backend(["vmaf_v1.0.16_3d0h"]) == "libvmaf"
    assert default_backend(None, libvmaf_only=True) == "libvmaf"
    # PSNR and SSIM are computed by the engine in the same pass
    assert pyvmafneg.score(ref, ref, features=["psnr", "ssim"]).backend == "native"
    assert default_backend(None, features=["psnr", "ssim:scale=2"]) == "native"
    assert pyvmafneg.score(ref, ref, cpumask=0x38).backend == "libvmaf"
    monkeypatch.setenv("PYVMAFNEG_LIBVMAF", "/some/libvmaf.so")
    assert default_backend() == "libvmaf"
