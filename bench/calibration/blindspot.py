"""Baseline-free evidence for mild enhancement before low-rate encodes, measured on decoded frames.

For honest and enhanced encodes whose pooled NEG is below ``LOW`` (where the
verdict's gap does not separate them), compares the decoded encode with its
reference where an encode should have lost detail:

``band_high``
    Energy of the finest band (luma minus its Gaussian blur, sigma 1) of the
    encode over that of the reference: an honest low-rate encode loses it
    (ratio below 1), sharpening puts some back.
``band_mid``
    The same for the band between Gaussian blurs of sigma 1 and 3 (what
    unsharp masks of radius 3-5 lift and what survives a low-rate encode).
``contrast``
    Mean local standard deviation (7x7) of the encode over that of the
    reference, over the locations where the reference is most detailed (its
    top quartile of local standard deviation).

Results are cached as JSON in ``cache/blindspot/``. Only the small variants
are measured (compute budget); ``calibrate.py`` reports what separates at zero
false flags.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from scipy import ndimage

from pyvmafneg.io._sources import open_video

HERE = Path(__file__).resolve().parent
CACHE = HERE / "cache" / "blindspot"
#: Pooled NEG (points) below which items are measured.
LOW = 75.0
#: Variants measured (the real-video variants below 640x360 and the stills).
VARIANTS = ("carphone", "bikes", "cockatoo-360", "still")
STATISTICS = ("band_high", "band_mid", "contrast")


def _luma(path: Path) -> list[np.ndarray]:
    frames = []
    for f in open_video(str(path)):
        y = np.asarray(f.planes[0], dtype=np.float64)
        frames.append(y / (4.0 if f.bitdepth == 10 else 1.0))
    return frames


def measure(ref: Path, dis: Path) -> dict[str, float]:
    """The three statistics of ``dis`` against ``ref`` (dimensionless ratios)."""
    rs, ds = _luma(ref), _luma(dis)
    if ds and ds[0].shape != rs[0].shape:
        zoom = (rs[0].shape[0] / ds[0].shape[0], rs[0].shape[1] / ds[0].shape[1])
        ds = [ndimage.zoom(d, zoom, order=3) for d in ds]
    acc = {k: [0.0, 0.0] for k in STATISTICS}
    for r, d in zip(rs, ds, strict=False):
        d = d[: r.shape[0], : r.shape[1]]
        for img, slot in ((r, 0), (d, 1)):
            b1 = ndimage.gaussian_filter(img, 1.0)
            b3 = ndimage.gaussian_filter(img, 3.0)
            acc["band_high"][slot] += float(np.mean((img - b1) ** 2))
            acc["band_mid"][slot] += float(np.mean((b1 - b3) ** 2))
        mean_r = ndimage.uniform_filter(r, 7)
        sd_r = np.sqrt(np.maximum(ndimage.uniform_filter(r * r, 7) - mean_r**2, 0.0))
        mean_d = ndimage.uniform_filter(d, 7)
        sd_d = np.sqrt(np.maximum(ndimage.uniform_filter(d * d, 7) - mean_d**2, 0.0))
        top = sd_r >= np.quantile(sd_r, 0.75)
        acc["contrast"][0] += float(sd_r[top].mean())
        acc["contrast"][1] += float(sd_d[top].mean())
    return {k: v[1] / v[0] if v[0] > 0 else float("nan") for k, v in acc.items()}


def cached(item_id: str, ref: Path, dis: Path) -> dict[str, float]:
    path = CACHE / f"{item_id}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    try:
        os.nice(0)
    except OSError:
        pass
    values = measure(ref, dis)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps(values), encoding="utf-8")
    tmp.replace(path)
    return values
