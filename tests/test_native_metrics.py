"""PSNR, float SSIM and MS-SSIM in the native pass against libvmaf 3.2.0's extractors, as
doubles.

libvmaf's ``psnr``, ``float_ssim`` and ``float_ms_ssim`` run through the binding at test
time on the same frames; the engine's values must be the same doubles at every bit depth,
kernel level, option and frame size tried (odd sizes, automatic and explicit SSIM scales,
MS-SSIM's smallest size), on the calling thread and on worker threads.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import distort

import pyvmafneg
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.errors import FeatureError, FrameError, LibvmafError
from pyvmafneg.io._frame import Frame

pytest.importorskip("pyvmafneg.engines.native._engine", reason="the native engine is not built")

from pyvmafneg.engines._features import resolve_features  # noqa: E402
from pyvmafneg.engines.native import _kernels, available_levels  # noqa: E402
from pyvmafneg.engines.native._metrics import split_features  # noqa: E402

LEVELS = available_levels()
PSNR_KEYS = ("psnr_y", "psnr_cb", "psnr_cr")


def clip_pair(
    width: int, height: int, bitdepth: int, kind: str = "blur", fmt: str = "420", frames: int = 3
) -> tuple[list[Frame], list[Frame]]:
    """A natural clip and a distorted copy (every plane distorted; frame 1 left identical)."""
    ref = natural_clip(
        "astronaut",
        frames=frames,
        width=width,
        height=height,
        bitdepth=bitdepth,
        pixel_format=fmt,
    )
    dis = []
    for i, f in enumerate(ref):
        planes = f.planes if i == 1 else tuple(distort(p, kind, bitdepth, seed=i) for p in f.planes)
        dis.append(Frame(tuple(planes), bitdepth, fmt))
    return ref, dis


def libvmaf_features(ref, dis, features) -> dict[str, list[float]]:
    res = pyvmafneg.score(ref, dis, backend="libvmaf", features=features, threads=0)
    return {k: list(map(float, v)) for k, v in res.features.items()}


def native_features(ref, dis, features, threads=0) -> pyvmafneg.Result:
    return pyvmafneg.score(ref, dis, backend="native", features=features, threads=threads)


def assert_same(want: dict[str, list[float]], got: pyvmafneg.Result, keys) -> None:
    for key in keys:
        assert key in want, key
        assert list(map(float, got.features[key])) == want[key], key


@pytest.mark.parametrize("bitdepth", [8, 10, 12, 16])
@pytest.mark.parametrize(("width", "height"), [(71, 45), (176, 144)])
def test_psnr_and_ssim_equal_libvmaf(bitdepth, width, height, monkeypatch) -> None:
    ref, dis = clip_pair(width, height, bitdepth)
    features = ["psnr:enable_mse=true", "float_ssim:enable_lcs=true"]
    want = libvmaf_features(ref, dis, features)
    keys = (
        *PSNR_KEYS,
        "mse_y",
        "mse_cb",
        "mse_cr",
        "float_ssim",
        "float_ssim_l",
        "float_ssim_c",
        "float_ssim_s",
    )
    assert want["psnr_y"][1] == 6 * bitdepth + 12  # identical frames: the ceiling
    for simd in LEVELS:
        monkeypatch.setenv(_kernels.ENV_SIMD, simd)
        got = native_features(ref, dis, features)
        assert got.backend == "native"
        assert_same(want, got, keys)
        # the models' scores are those of a run without the metrics
        plain = pyvmafneg.score(ref, dis, backend="native", threads=0)
        for name in plain.scores:
            np.testing.assert_array_equal(got.scores[name], plain.scores[name])


@pytest.mark.parametrize(
    ("fmt", "width", "height"), [("444", 41, 37), ("422", 45, 33), ("420", 45, 33), ("400", 40, 36)]
)
def test_psnr_pixel_formats(fmt, width, height) -> None:
    ref, dis = clip_pair(width, height, 10, kind="noise", fmt=fmt)
    want = libvmaf_features(ref, dis, ["psnr"])
    got = native_features(ref, dis, ["psnr"])
    keys = ("psnr_y",) if fmt == "400" else PSNR_KEYS
    assert_same(want, got, keys)
    assert set(got.features) >= set(keys)
    if fmt == "400":
        assert "psnr_cb" not in got.features


@pytest.mark.parametrize(
    "option",
    [
        "psnr:enable_chroma=false",
        "psnr:reduced_hbd_peak=true",
        "psnr:min_sse=0.5",
        "psnr:min_sse=3:reduced_hbd_peak=true:enable_apsnr=true",
    ],
)
@pytest.mark.parametrize("bitdepth", [8, 12])
def test_psnr_options(option, bitdepth) -> None:
    ref, dis = clip_pair(49, 35, bitdepth, kind="quant")
    want = libvmaf_features(ref, dis, [option])
    got = native_features(ref, dis, [option])
    keys = [k for k in want if k.startswith(("psnr", "mse"))]
    assert keys
    assert_same(want, got, keys)
    assert sorted(k for k in got.features if k.startswith(("psnr", "mse"))) == sorted(keys)


@pytest.mark.parametrize(
    ("option", "width", "height", "bitdepth"),
    [
        ("float_ssim:scale=2", 71, 45, 8),  # odd width and height, averaged by 2
        ("float_ssim:scale=3", 101, 70, 10),
        ("float_ssim:scale=4", 97, 81, 16),
        ("float_ssim:enable_db=true", 40, 36, 8),
        ("float_ssim:enable_db=true:clip_db=true", 40, 36, 12),
        ("ssim", 397, 385, 8),  # automatic scale 2 (min side / 256 rounds to 2)
    ],
)
def test_ssim_options_and_scales(option, width, height, bitdepth, monkeypatch) -> None:
    ref, dis = clip_pair(width, height, bitdepth, kind="unsharp", frames=2)
    want = libvmaf_features(ref, dis, [option])
    keys = [k for k in want if k.startswith("float_ssim")]
    for simd in LEVELS:
        monkeypatch.setenv(_kernels.ENV_SIMD, simd)
        assert_same(want, native_features(ref, dis, [option]), keys)


#: Widths whose window positions (width - 10) leave every remainder of the vector
#: bodies (four positions with AVX2, eight with AVX-512) and cross the portable body's
#: 64-position blocks. libvmaf scores frames of 33 samples a side or more, and refuses
#: widths 33-36 and 65-68 (its ADM reads past the rows): those are held to the portable
#: level only.
TAIL_WIDTHS = (11, 12, 14, 17, 33, 36, *range(37, 45), 66, 74, 75, 81, 139)


@pytest.mark.parametrize("bitdepth", [8, 10, 12, 16])
def test_ssim_vector_tails_equal_portable_and_libvmaf(bitdepth) -> None:
    rng = np.random.default_rng(bitdepth)
    dt = np.uint8 if bitdepth == 8 else np.uint16
    peak = (1 << bitdepth) - 1
    keys = ("float_ssim", "float_ssim_l", "float_ssim_c", "float_ssim_s")
    for width in TAIL_WIDTHS:
        height = (11 if width < 33 else 33) + width % 5
        base = rng.integers(0, peak + 1, (height, width))
        noise = rng.integers(-(peak // 9), peak // 9 + 1, base.shape)
        ref = np.array(base, dtype=dt)
        dis = np.array(np.clip(base + noise, 0, peak), dtype=dt)
        want = _kernels.float_ssim(ref, dis, bitdepth, 1, "c")
        for simd in LEVELS:
            got = _kernels.float_ssim(ref, dis, bitdepth, 1, simd)
            assert got.tolist() == want.tolist(), (width, simd)
        if width >= 37 and not 65 <= width <= 68:  # libvmaf's own values for the same planes
            frames = [Frame((p,), bitdepth, "400") for p in (ref, dis)]
            lv = libvmaf_features([frames[0]], [frames[1]], ["float_ssim:enable_lcs=true"])
            assert [lv[k][0] for k in keys] == want.tolist(), width


def test_identical_frames_ssim_db_clipped() -> None:
    ref, _ = clip_pair(40, 36, 8, frames=2)
    want = libvmaf_features(ref, ref, ["float_ssim:enable_db=true:clip_db=true"])
    got = native_features(ref, ref, ["float_ssim:enable_db=true:clip_db=true"])
    assert_same(want, got, ["float_ssim"])
    assert np.isfinite(want["float_ssim"]).all()


def test_threads_and_subsample_equal_calling_thread() -> None:
    ref, dis = clip_pair(71, 45, 10, kind="noise", frames=5)
    features = ["psnr", "ssim"]
    one = native_features(ref, dis, features)
    many = native_features(ref, dis, features, threads=2)
    for key in (*PSNR_KEYS, "float_ssim"):
        np.testing.assert_array_equal(one.features[key], many.features[key])
    want = pyvmafneg.score(ref, dis, backend="libvmaf", features=features, subsample=2, threads=0)
    got = pyvmafneg.score(ref, dis, backend="native", features=features, subsample=2, threads=2)
    np.testing.assert_array_equal(got.frames, want.frames)
    for key in (*PSNR_KEYS, "float_ssim"):
        np.testing.assert_array_equal(got.features[key], want.features[key])


def test_checked_kernels_equal_frame_call() -> None:
    ref, dis = clip_pair(45, 33, 8, frames=1)
    r, d = ref[0].luma, dis[0].luma
    p, m, sse = _kernels.psnr(r, d, 8, 65025.0, 60.0)
    e = r.astype(np.int64) - d.astype(np.int64)
    assert sse == int((e * e).sum())
    assert m == sse / r.size
    want = libvmaf_features(ref, dis, ["psnr", "float_ssim:enable_lcs=true"])
    assert p == want["psnr_y"][0]
    assert _kernels.float_ssim(r, d, 8).tolist() == [
        want[k][0] for k in ("float_ssim", "float_ssim_l", "float_ssim_c", "float_ssim_s")
    ]
    # strided views are read through their strides
    wide = np.zeros((33, 60), np.uint8)
    wide[:, :45] = d
    assert _kernels.psnr(r, wide[:, :45], 8, 65025.0, 60.0)[2] == sse


def test_split_features() -> None:
    native, rest = split_features(
        resolve_features(["psnr", "ssim:scale=3", "cambi", "ms_ssim", "ciede"])
    )
    assert [s.extractor for s in native] == ["psnr", "float_ssim", "float_ms_ssim"]
    assert [s.extractor for s in rest] == ["cambi", "ciede"]
    # values libvmaf would refuse, and two requests of one extractor, are refused before
    # any engine runs
    for text in (
        "psnr:enable_chroma=yes",
        "psnr:min_sse=-1",
        "ssim:scale=11",
        "ssim:foo=1",
        ["psnr", "psnr:enable_mse=true"],
    ):
        with pytest.raises(FeatureError):
            resolve_features(text if isinstance(text, list) else [text])


def test_native_backend_refuses_other_features_and_small_frames() -> None:
    ref, dis = clip_pair(40, 36, 8, frames=1)
    with pytest.raises(FeatureError, match="cambi"):
        pyvmafneg.score(ref, dis, backend="native", features=["psnr", "cambi"])
    with pytest.raises(FrameError, match="SSIM"):
        pyvmafneg.score(ref, dis, backend="native", features=["float_ssim:scale=4"])


MS_SSIM_LCS = tuple(_kernels.MS_SSIM_KEYS)


@pytest.mark.parametrize("bitdepth", [8, 10, 12, 16])
@pytest.mark.parametrize(
    ("width", "height"),
    [(176, 176), (181, 177), (191, 212)],  # the smallest size libvmaf takes, odd sizes
)
def test_ms_ssim_equals_libvmaf(bitdepth, width, height, monkeypatch) -> None:
    ref, dis = clip_pair(width, height, bitdepth, kind="unsharp", frames=2)
    features = ["ms_ssim:enable_lcs=true"]
    want = libvmaf_features(ref, dis, features)
    assert sorted(k for k in want if "ms_ssim" in k) == sorted(MS_SSIM_LCS)
    assert want["float_ms_ssim"][0] < 1  # a distorted frame (frame 1 is left identical)
    for simd in LEVELS:
        monkeypatch.setenv(_kernels.ENV_SIMD, simd)
        got = native_features(ref, dis, features)
        assert got.backend == "native"
        assert_same(want, got, MS_SSIM_LCS)
    # by default libvmaf reports float_ms_ssim alone, and so does the engine
    default = libvmaf_features(ref, dis, ["ms_ssim"])
    got = native_features(ref, dis, ["ms_ssim"])
    assert [k for k in default if "ms_ssim" in k] == ["float_ms_ssim"]
    assert [k for k in got.features if "ms_ssim" in k] == ["float_ms_ssim"]
    assert_same(default, got, ["float_ms_ssim"])


def test_ms_ssim_kernel_levels_equal_libvmaf_on_noise() -> None:
    """Random planes at every depth: each level's 16 values are libvmaf's."""
    rng = np.random.default_rng(3)
    for bitdepth, (height, width) in ((8, (179, 201)), (10, (176, 183)), (16, (185, 176))):
        dt = np.uint8 if bitdepth == 8 else np.uint16
        peak = (1 << bitdepth) - 1
        base = rng.integers(0, peak + 1, (height, width))
        ref = np.array(base, dtype=dt)
        noise = rng.integers(-(peak // 7), peak // 7 + 1, base.shape)
        dis = np.array(np.clip(base + noise, 0, peak), dtype=dt)
        frames = [Frame((p,), bitdepth, "400") for p in (ref, dis)]
        lv = libvmaf_features([frames[0]], [frames[1]], ["ms_ssim:enable_lcs=true"])
        want = [lv[k][0] for k in MS_SSIM_LCS]
        for simd in LEVELS:
            assert _kernels.float_ms_ssim(ref, dis, bitdepth, simd).tolist() == want, simd


def test_ms_ssim_decimation_tails_equal_portable_and_libvmaf() -> None:
    """Sixteen consecutive widths: the decimation's vector bodies (eight and four outputs)
    meet every remainder of the outputs away from the edges, at each scale."""
    rng = np.random.default_rng(5)
    for width in range(176, 192):
        height = 176 + width % 3
        base = rng.integers(0, 256, (height, width))
        ref = np.array(base, dtype=np.uint8)
        dis = np.array(np.clip(base + rng.integers(-20, 21, base.shape), 0, 255), np.uint8)
        want = _kernels.float_ms_ssim(ref, dis, 8, "c")
        for simd in LEVELS:
            assert _kernels.float_ms_ssim(ref, dis, 8, simd).tolist() == want.tolist(), simd
        frames = [Frame((p,), 8, "400") for p in (ref, dis)]
        lv = libvmaf_features([frames[0]], [frames[1]], ["ms_ssim:enable_lcs=true"])
        assert [lv[k][0] for k in MS_SSIM_LCS] == want.tolist(), width


@pytest.mark.parametrize(
    ("option", "bitdepth"),
    [
        ("ms_ssim:enable_db=true", 8),
        ("ms_ssim:enable_db=true:clip_db=true", 12),
        ("ms_ssim:clip_db=true:enable_lcs=true", 10),  # clip_db without enable_db: no change
        ("float_ms_ssim:enable_lcs=false:enable_db=false", 16),
    ],
)
def test_ms_ssim_options(option, bitdepth) -> None:
    ref, dis = clip_pair(177, 176, bitdepth, kind="noise", frames=2)
    want = libvmaf_features(ref, dis, [option])
    got = native_features(ref, dis, [option])
    keys = [k for k in want if "ms_ssim" in k]
    assert keys and sorted(keys) == sorted(k for k in got.features if "ms_ssim" in k)
    assert_same(want, got, keys)


def test_identical_frames_ms_ssim_db_clipped() -> None:
    ref, _ = clip_pair(176, 180, 10, frames=1)
    for option in ("ms_ssim:enable_db=true:clip_db=true", "ms_ssim"):
        want = libvmaf_features(ref, ref, [option])
        got = native_features(ref, ref, [option])
        assert_same(want, got, ["float_ms_ssim"])
    assert want["float_ms_ssim"] == [1.0]


@pytest.mark.parametrize(("width", "height"), [(175, 176), (176, 175), (40, 36)])
def test_ms_ssim_refuses_what_libvmaf_refuses(width, height) -> None:
    ref, dis = clip_pair(width, height, 8, frames=1)
    with pytest.raises(LibvmafError):  # libvmaf's extractor fails on the frame
        pyvmafneg.score(ref, dis, backend="libvmaf", features=["ms_ssim"], threads=0)
    for backend in ("native", None):  # the default run computes it on the engine
        with pytest.raises(FrameError, match="MS-SSIM needs at least 176 samples a side"):
            pyvmafneg.score(ref, dis, backend=backend, features=["ms_ssim"], threads=0)
    with pytest.raises(FrameError, match="MS-SSIM"):
        _kernels.float_ms_ssim(ref[0].luma, dis[0].luma, 8)


def test_ms_ssim_in_shared_run_and_threads() -> None:
    """A run that also asks libvmaf for CIEDE: MS-SSIM stays on the engine, as on threads."""
    ref, dis = clip_pair(176, 180, 8, kind="quant", frames=3)
    features = ["ms_ssim", "ciede", "ssim"]
    want = libvmaf_features(ref, dis, features)
    shared = pyvmafneg.score(ref, dis, features=features, threads=2)
    assert shared.engines["float_ms_ssim"] == "native"
    assert shared.engines["ciede2000"] == "libvmaf"
    assert_same(want, shared, ["float_ms_ssim", "float_ssim", "ciede2000"])
