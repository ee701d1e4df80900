"""Short test clips with real motion, made from natural images that ship offline.

scikit-image's wheel carries natural photographs (``astronaut``, ``coffee``,
``chelsea``, ``rocket``, ``stereo_motorcycle``...). :func:`natural_clip` turns one
into a YUV clip by moving a crop window across it (pan) and optionally
narrowing it (zoom), so consecutive frames differ the way camera motion makes
them differ and VMAF's motion feature is non-zero.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage

from .._defaults import DEMO_IMAGES
from ..errors import InputFileError, OptionError
from ..io._frame import Frame, chroma_shape, normalize_pixel_format

__all__ = [
    "IMAGES",
    "map_frames",
    "natural_clip",
]

#: Images usable by name (all ship inside scikit-image).
IMAGES: tuple[str, ...] = DEMO_IMAGES


def load_image(name: str) -> np.ndarray:
    """RGB float image in [0, 1], shape (rows, columns, 3), from ``skimage.data``."""
    from skimage import data

    if name not in IMAGES:
        raise InputFileError(f"unknown image {name!r}; choose one of {', '.join(IMAGES)}")
    loaded = getattr(data, name)()
    if isinstance(loaded, tuple):  # stereo pairs: take the left view
        loaded = loaded[0]
    img = np.asarray(loaded, dtype=np.float64)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    img = img[:, :, :3]
    return img / (255.0 if img.max() > 1.0 else 1.0)


def rgb_to_yuv(
    rgb: np.ndarray, *, bitdepth: int = 8, pixel_format: str = "420"
) -> tuple[np.ndarray, ...]:
    """BT.709 limited-range YUV planes from RGB in [0, 1].

    Luma lies in [16, 235] and chroma in [16, 240] (scaled by ``2**(b-8)``);
    chroma is subsampled by averaging (odd sizes: the last row/column is
    averaged with itself).
    """
    fmt = normalize_pixel_format(pixel_format)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    scale = float(1 << (bitdepth - 8))
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    luma = np.clip(np.rint((16 + 219 * y) * scale), 16 * scale, 235 * scale).astype(dtype)
    if fmt == "400":
        return (luma,)
    u = (b - y) / 1.8556
    v = (r - y) / 1.5748
    h, w = luma.shape
    ch, cw = chroma_shape(h, w, fmt)  # type: ignore[misc]
    planes = [luma]
    for c in (u, v):
        if fmt in ("420", "422"):
            c = np.pad(c, ((0, 0), (0, (-w) % 2)), mode="edge")
            c = 0.5 * (c[:, 0::2] + c[:, 1::2])
        if fmt == "420":
            c = np.pad(c, ((0, (-h) % 2), (0, 0)), mode="edge")
            c = 0.5 * (c[0::2] + c[1::2])
        c = np.clip(np.rint((128 + 224 * c) * scale), 16 * scale, 240 * scale).astype(dtype)
        assert c.shape == (ch, cw)
        planes.append(c)
    return tuple(planes)


def natural_clip(
    image: str = "astronaut",
    *,
    frames: int = 8,
    width: int = 352,
    height: int = 288,
    bitdepth: int = 8,
    pixel_format: str = "420",
    pan: tuple[float, float] = (3.0, 1.5),
    zoom: float = 0.0,
) -> list[Frame]:
    """A clip of ``frames`` frames panning (and zooming) across a natural image.

    Parameters
    ----------
    image:
        Name from :data:`IMAGES`.
    frames:
        Number of frames (>= 1).
    width, height:
        Frame size in pixels (any size >= 16, odd sizes included).
    bitdepth:
        8, 10, 12 or 16.
    pixel_format:
        ``'420'``, ``'422'``, ``'444'`` or ``'400'``.
    pan:
        Crop-window motion per frame in source pixels ``(dx, dy)``; sub-pixel
        motion is rendered with cubic interpolation.
    zoom:
        Fractional shrink of the crop window per frame (0.01 = 1 % closer
        each frame).

    Returns
    -------
    list of Frame
        Deterministic: the same arguments always give the same samples.
    """
    if frames < 1:
        raise OptionError("a clip needs at least one frame")
    if width < 16 or height < 16:
        raise OptionError(f"frames must be at least 16x16; got {width}x{height}")
    rgb = load_image(image)
    src_h, src_w = rgb.shape[:2]
    travel_x = abs(pan[0]) * (frames - 1)
    travel_y = abs(pan[1]) * (frames - 1)
    # Scale the source so the moving window always stays inside it.
    factor = max((width + travel_x + 8) / src_w, (height + travel_y + 8) / src_h)
    if factor > 1.0:
        rgb = ndimage.zoom(rgb, (factor, factor, 1), order=3, mode="nearest").clip(0, 1)
    src_h, src_w = rgb.shape[:2]
    out: list[Frame] = []
    x0 = (src_w - width - travel_x) / 2
    y0 = (src_h - height - travel_y) / 2
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    for t in range(frames):
        s = 1.0 / (1.0 + zoom * t)
        cx = x0 + (t * pan[0] if pan[0] >= 0 else travel_x + t * pan[0])
        cy = y0 + (t * pan[1] if pan[1] >= 0 else travel_y + t * pan[1])
        mx, my = cx + width / 2, cy + height / 2
        coords = [my + (yy - height / 2) * s, mx + (xx - width / 2) * s]
        chans = [
            ndimage.map_coordinates(rgb[..., c], coords, order=3, mode="nearest") for c in range(3)
        ]
        frame_rgb = np.clip(np.stack(chans, axis=-1), 0.0, 1.0)
        planes = rgb_to_yuv(frame_rgb, bitdepth=bitdepth, pixel_format=pixel_format)
        out.append(Frame(planes, bitdepth, normalize_pixel_format(pixel_format)))
    return out


def map_frames(
    frames: list[Frame], func: Callable[[np.ndarray], np.ndarray], *, luma_only: bool = True
) -> list[Frame]:
    """Apply ``func`` to the luma (or every) plane of each frame; new frames out."""
    result = []
    for f in frames:
        planes = [func(f.planes[0])]
        for p in f.planes[1:]:
            planes.append(p.copy() if luma_only else func(p))
        result.append(Frame(tuple(planes), f.bitdepth, f.pixel_format))
    return result
