"""Unit properties of the enhancement operations (pyvmafneg.demo._enhance)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyvmafneg.demo import _enhance as enhance
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.errors import FrameError
from pyvmafneg.io._frame import Frame

# (operation, strong parameters, neutral parameters)
OPS = [
    (enhance.unsharp_mask, {"sigma": 1.5, "amount": 2.0}, {"amount": 0.0}),
    (enhance.sharpen_kernel, {"strength": 1.0}, {"strength": 0.0}),
    (enhance.histogram_equalize, {"strength": 1.0}, {"strength": 0.0}),
    (enhance.contrast_stretch, {"gain": 1.5}, {"gain": 1.0}),
    (enhance.gamma, {"gamma": 0.6}, {"gamma": 1.0}),
]
OP_IDS = [op.__name__ for op, _, _ in OPS]


def natural_plane(bitdepth: int = 8, size: tuple[int, int] = (72, 96)) -> np.ndarray:
    """Luma of a natural photograph at the given bit depth."""
    h, w = size
    return natural_clip("astronaut", frames=1, width=w, height=h, bitdepth=bitdepth)[0].luma


def random_plane(rng: np.random.Generator, bitdepth: int, shape: tuple[int, int]) -> np.ndarray:
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    return rng.integers(0, 1 << bitdepth, size=shape, dtype=np.int64).astype(dtype)


@pytest.mark.parametrize("bitdepth", [8, 10, 12, 16])
@pytest.mark.parametrize(("op", "strong", "neutral"), OPS, ids=OP_IDS)
def test_dtype_shape_range_preserved(op, strong, neutral, bitdepth) -> None:
    plane = natural_plane(bitdepth)
    before = plane.copy()
    out = op(plane, bitdepth=bitdepth, **strong)
    assert out.dtype == plane.dtype
    assert out.shape == plane.shape
    assert int(out.max()) <= (1 << bitdepth) - 1
    assert out is not plane
    np.testing.assert_array_equal(plane, before)  # input untouched
    assert not np.array_equal(out, plane), f"{op.__name__}{strong} changed nothing"


@pytest.mark.parametrize("bitdepth", [8, 10, 12])
@pytest.mark.parametrize(("op", "strong", "neutral"), OPS, ids=OP_IDS)
def test_identity_at_neutral_strength(op, strong, neutral, bitdepth) -> None:
    plane = random_plane(np.random.default_rng(bitdepth), bitdepth, (40, 56))
    out = op(plane, bitdepth=bitdepth, **neutral)
    np.testing.assert_array_equal(out, plane)
    assert out is not plane


@pytest.mark.parametrize(("op", "strong", "neutral"), OPS, ids=OP_IDS)
def test_deterministic(op, strong, neutral) -> None:
    plane = natural_plane(10)
    a = op(plane, bitdepth=10, **strong)
    b = op(plane.copy(), bitdepth=10, **strong)
    np.testing.assert_array_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(
    bitdepth=st.sampled_from([8, 10, 12, 16]),
    rows=st.integers(1, 33),
    cols=st.integers(1, 33),
    seed=st.integers(0, 2**32 - 1),
    index=st.integers(0, len(OPS) - 1),
)
def test_any_plane_keeps_dtype_and_range(bitdepth, rows, cols, seed, index) -> None:
    op, strong, _ = OPS[index]
    plane = random_plane(np.random.default_rng(seed), bitdepth, (rows, cols))
    out = op(plane, bitdepth=bitdepth, **strong)
    assert out.dtype == plane.dtype and out.shape == plane.shape
    assert int(out.max()) <= (1 << bitdepth) - 1
    np.testing.assert_array_equal(op(plane, bitdepth=bitdepth, **strong), out)


@pytest.mark.parametrize("bitdepth", [10, 12])
@pytest.mark.parametrize(
    ("op", "params"),
    [
        (enhance.unsharp_mask, {"sigma": 1.0, "amount": 1.5}),
        (enhance.sharpen_kernel, {"strength": 0.5}),
        (enhance.contrast_stretch, {"gain": 1.2}),
        (enhance.gamma, {"gamma": 0.8}),
    ],
    ids=["unsharp", "kernel", "contrast", "gamma"],
)
def test_high_bitdepth_matches_scaled_8bit(op, params, bitdepth) -> None:
    """The same operation on ``x << k`` is ``(op(x)) << k`` up to rounding."""
    y8 = natural_plane(8)
    k = bitdepth - 8
    hi = op((y8.astype(np.uint16) << k), bitdepth=bitdepth, **params).astype(np.int64)
    lo = op(y8, **params).astype(np.int64) << k
    unclipped = (lo > 0) & (lo < (255 << k))
    diff = np.abs(hi - lo)[unclipped]
    assert diff.max() <= (1 << k), f"max difference {diff.max()} codes at {bitdepth}-bit"


def test_unsharp_detail_grows_with_amount() -> None:
    y = natural_plane(8)
    lap = [
        float(np.abs(np.diff(enhance.unsharp_mask(y, amount=a).astype(float), axis=1)).mean())
        for a in (0.0, 0.5, 1.0, 2.0)
    ]
    assert lap == sorted(lap) and lap[0] < lap[-1], lap


def test_unsharp_threshold_leaves_small_detail() -> None:
    flat = np.full((32, 32), 100, np.uint8)
    flat[::2, ::2] += 1  # detail of about one code value
    assert np.array_equal(enhance.unsharp_mask(flat, amount=3.0, threshold=2.0), flat)
    assert not np.array_equal(enhance.unsharp_mask(flat, amount=3.0), flat)


def test_sharpen_kernel_is_textbook_kernel() -> None:
    plane = np.zeros((5, 5), np.uint8)
    plane[2, 2] = 40
    plane += 50
    out = enhance.sharpen_kernel(plane, strength=1.0).astype(int)
    assert out[2, 2] == 5 * 90 - 4 * 50  # centre 90, four neighbours 50
    assert out[1, 2] == 50 - 40 and out[2, 1] == 50 - 40
    assert out[1, 1] == 50 and out[0, 0] == 50


@pytest.mark.parametrize("bitdepth", [8, 10])
def test_histogram_equalize_spans_legal_range_and_keeps_order(bitdepth) -> None:
    y = natural_plane(bitdepth)
    lo, hi = enhance.legal_range(bitdepth)
    out = enhance.histogram_equalize(y, bitdepth=bitdepth)
    assert int(out.min()) == lo and int(out.max()) == hi
    order = np.argsort(y.ravel(), kind="stable")
    assert np.all(np.diff(out.ravel()[order].astype(np.int64)) >= 0), "mapping not monotonic"
    full = enhance.histogram_equalize(y, bitdepth=bitdepth, legal=False)
    assert int(full.min()) == 0 and int(full.max()) == (1 << bitdepth) - 1
    # a flatter histogram: the equalised plane's deciles are closer to even spacing
    q = np.linspace(0.1, 0.9, 9)
    ideal = lo + (hi - lo) * q
    err_in = np.abs(np.quantile(y, q) - ideal).mean()
    err_out = np.abs(np.quantile(out, q) - ideal).mean()
    assert err_out < err_in / 4, (err_in, err_out)


def test_histogram_equalize_flat_plane_unchanged() -> None:
    flat = np.full((8, 8), 77, np.uint8)
    np.testing.assert_array_equal(enhance.histogram_equalize(flat), flat)


def test_histogram_equalize_strength_blends() -> None:
    y = natural_plane(8)
    full = enhance.histogram_equalize(y).astype(float)
    half = enhance.histogram_equalize(y, strength=0.5).astype(float)
    assert np.abs(half - 0.5 * (full + y)).max() <= 1.0


@pytest.mark.parametrize("bitdepth", [8, 10, 12])
def test_contrast_stretch_around_mid_grey(bitdepth) -> None:
    y = natural_plane(bitdepth)
    mid = 1 << (bitdepth - 1)
    up = enhance.contrast_stretch(y, bitdepth=bitdepth, gain=1.2)
    down = enhance.contrast_stretch(y, bitdepth=bitdepth, gain=0.8)
    assert up.astype(float).std() > y.astype(float).std() > down.astype(float).std()
    grey = np.full((4, 4), mid, y.dtype)
    np.testing.assert_array_equal(enhance.contrast_stretch(grey, bitdepth=bitdepth, gain=3), grey)
    pivot = enhance.contrast_stretch(grey, bitdepth=bitdepth, gain=2.0, pivot=mid // 2)
    assert int(pivot[0, 0]) == mid + mid // 2


@pytest.mark.parametrize("bitdepth", [8, 10])
def test_gamma_fixes_black_white_and_bends_midtones(bitdepth) -> None:
    lo, hi = enhance.legal_range(bitdepth)
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    ramp = np.arange(0, 1 << bitdepth, dtype=np.int64).astype(dtype).reshape(1, -1)
    bright = enhance.gamma(ramp, bitdepth=bitdepth, gamma=0.5).astype(int)
    dark = enhance.gamma(ramp, bitdepth=bitdepth, gamma=2.0).astype(int)
    r = ramp.astype(int)
    assert bright[0, lo] == lo and bright[0, hi] == hi and dark[0, lo] == lo and dark[0, hi] == hi
    inner = slice(lo + 1, hi)
    assert np.all(bright[0, inner] >= r[0, inner]) and np.all(dark[0, inner] <= r[0, inner])
    # outside the legal range samples pass through
    np.testing.assert_array_equal(bright[0, :lo], r[0, :lo])
    np.testing.assert_array_equal(bright[0, hi + 1 :], r[0, hi + 1 :])
    assert np.all(np.diff(bright[0]) >= 0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: enhance.unsharp_mask(np.zeros((4, 4), np.float32)), "dtype float32"),
        (lambda: enhance.unsharp_mask(np.zeros((4, 4, 3), np.uint8)), "2-D"),
        (lambda: enhance.unsharp_mask(np.zeros((0, 4), np.uint8)), "empty"),
        (lambda: enhance.unsharp_mask(np.zeros((4, 4), np.uint16)), "explicit bitdepth"),
        (lambda: enhance.unsharp_mask(np.zeros((4, 4), np.uint8), bitdepth=10), "uint8"),
        (lambda: enhance.unsharp_mask(np.zeros((4, 4), np.uint16), bitdepth=8), "10-, 12-"),
        (
            lambda: enhance.unsharp_mask(np.full((4, 4), 1024, np.uint16), bitdepth=10),
            "above 1023",
        ),
        (lambda: enhance.unsharp_mask(np.zeros((4, 4), np.uint8), amount=-1), ">= 0"),
        (lambda: enhance.unsharp_mask(np.zeros((4, 4), np.uint8), sigma=0), "sigma"),
        (lambda: enhance.unsharp_mask(np.zeros((4, 4), np.uint8), amount=np.nan), "finite"),
        (lambda: enhance.sharpen_kernel(np.zeros((4, 4), np.uint8), strength=-0.1), ">= 0"),
        (lambda: enhance.histogram_equalize(np.zeros((4, 4), np.uint8), strength=2), "[0, 1]"),
        (lambda: enhance.contrast_stretch(np.zeros((4, 4), np.uint8), gain=-1), ">= 0"),
        (lambda: enhance.gamma(np.zeros((4, 4), np.uint8), gamma=0), "> 0"),
    ],
)
def test_invalid_input_raises_frame_error(call, message) -> None:
    with pytest.raises(FrameError, match=message.replace("[", r"\[").replace("]", r"\]")):
        call()


def test_apply_to_frames_luma_only_by_default() -> None:
    frames = natural_clip("coffee", frames=2, width=48, height=32, bitdepth=10)
    copies = [tuple(p.copy() for p in f.planes) for f in frames]
    out = enhance.apply_to_frames(frames, "unsharp", amount=1.0)
    for f, o, c in zip(frames, out, copies, strict=True):
        assert isinstance(o, Frame) and o.bitdepth == 10 and o.pixel_format == "420"
        assert not np.array_equal(o.luma, f.luma)
        for k in (1, 2):
            np.testing.assert_array_equal(o.planes[k], f.planes[k])
            assert o.planes[k] is not f.planes[k]
        for p, cp in zip(f.planes, c, strict=True):  # inputs untouched
            np.testing.assert_array_equal(p, cp)
    both = enhance.apply_to_frames(frames, enhance.contrast_stretch, chroma=True, gain=1.5)
    assert not np.array_equal(both[0].planes[1], frames[0].planes[1])


def test_apply_to_frames_errors() -> None:
    frames = natural_clip("coffee", frames=1, width=32, height=32)
    with pytest.raises(FrameError, match="unknown enhancement"):
        enhance.apply_to_frames(frames, "posterize")
    with pytest.raises(FrameError, match="bit depth from each frame"):
        enhance.apply_to_frames(frames, "unsharp", bitdepth=8)
    with pytest.raises(FrameError, match="Frame objects"):
        enhance.apply_to_frames([np.zeros((4, 4), np.uint8)], "unsharp")  # type: ignore[list-item]


def test_operations_table_names_every_function() -> None:
    assert set(enhance.OPERATIONS.values()) == {op for op, _, _ in OPS}
