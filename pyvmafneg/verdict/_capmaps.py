"""Pictures of where the enhancement-gain cap acts: per-frame PNG maps.

:func:`save_cap_maps` draws a :class:`~pyvmafneg.engines.reference._explain.FrameCap`
(made with ``keep_maps=True``) as two images:

* ``frame00012_vif.png``: per VIF scale (columns), the local gain g before
  the cap, after the cap (``min(g, limit)``), and the mask of locations
  where the cap bit. Gain colours run from 0 (blue) through the limit
  (white) to twice the limit (red); blank where g does not enter the score.
* ``frame00012_adm.png``: per ADM scale (rows), the restored detail
  magnitude ``|h| + |v| + |d|`` before and after the cap (log scale) and the
  mask of coefficients the cap changed in any band, with the pooled window
  outlined.

matplotlib is an optional extra (``pip install pyvmafneg[plot]``), imported
only here and only when drawing; without it
:class:`~pyvmafneg.errors.MissingDependencyError` says what to install.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .._optional import matplotlib_agg
from .._outputs import make_output_dir, save_figure
from ..engines.reference._explain import FrameCap
from ..errors import OptionError

__all__ = ["save_cap_maps"]


def save_cap_maps(cap: FrameCap, directory: str | os.PathLike[str], *, dpi: int = 90) -> list[Path]:
    """Write the VIF and ADM cap maps of one frame as PNG files; return their paths.

    ``directory`` is created if missing (the directory above it must exist).
    Raises ValueError when ``cap`` was made without its maps (``keep_maps=False``).
    """
    if cap.vif_maps is None or cap.adm_maps is None:
        raise OptionError(f"frame {cap.frame} was explained without its maps; use keep_maps=True")
    out = make_output_dir(directory, "the map directory")
    Figure, Canvas = matplotlib_agg("cap maps")
    stem = f"frame{cap.frame:05d}"
    paths = [out / f"{stem}_vif.png", out / f"{stem}_adm.png"]
    save_figure(_draw_vif(cap, Figure, Canvas), paths[0], "the VIF map", dpi=dpi)
    save_figure(_draw_adm(cap, Figure, Canvas), paths[1], "the ADM map", dpi=dpi)
    return paths


def _draw_vif(cap: FrameCap, Figure: Any, Canvas: Any) -> Any:
    vif = cap.vif_maps
    assert vif is not None
    limit = cap.gain_limit
    fig = Figure(figsize=(13, 8.5))
    Canvas(fig)
    axes = fig.subplots(3, 4, squeeze=False)
    image = None
    for s in range(4):
        for row, (data, title) in enumerate(
            (
                (vif.gain[s], f"scale {s}: gain g"),
                (vif.gain_capped[s], f"scale {s}: min(g, {limit:g})"),
            )
        ):
            ax = axes[row, s]
            image = ax.imshow(
                np.ma.masked_invalid(data),
                cmap="coolwarm",
                vmin=0.0,
                vmax=2.0 * limit,
                interpolation="nearest",
            )
            ax.set_title(title, fontsize=9)
        ax = axes[2, s]
        ax.imshow(vif.cap_mask[s], cmap="Reds", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"cap acted: {100 * cap.vif_fraction[s]:.1f}% of locations", fontsize=9)
        for row in range(3):
            axes[row, s].set_xticks([])
            axes[row, s].set_yticks([])
    if image is not None:
        fig.colorbar(image, ax=axes[:2, :].ravel().tolist(), shrink=0.8, label="local VIF gain")
    fig.suptitle(
        f"frame {cap.frame}: VIF gain before/after the cap at {limit:g}; "
        f"VMAF {cap.vmaf:.2f}, capped {cap.vmaf_capped:.2f}",
        fontsize=11,
    )
    return fig


def _draw_adm(cap: FrameCap, Figure: Any, Canvas: Any) -> Any:
    adm = cap.adm_maps
    assert adm is not None
    fig = Figure(figsize=(10, 12))
    Canvas(fig)
    axes = fig.subplots(4, 3, squeeze=False)
    for s in range(4):
        bands = [adm.band(s, b) for b in ("h", "v", "d")]
        before = sum(np.abs(b.restored_uncapped.astype(np.float64)) for b in bands)
        after = sum(np.abs(b.restored_capped.astype(np.float64)) for b in bands)
        changed = np.logical_or.reduce([b.cap_map for b in bands])
        top_ = max(float(np.max(before)), 1.0)
        for col, (data, title) in enumerate(
            (
                (before, f"scale {s}: |restored| uncapped"),
                (after, f"scale {s}: |restored| capped"),
            )
        ):
            ax = axes[s, col]
            ax.imshow(
                np.log1p(data), cmap="magma", vmin=0.0, vmax=np.log1p(top_), interpolation="nearest"
            )
            ax.set_title(title, fontsize=9)
        ax = axes[s, 2]
        ax.imshow(changed, cmap="Reds", vmin=0, vmax=1, interpolation="nearest")
        top, bottom, left, right = bands[0].roi
        ax.add_patch(_rectangle(left, top, right - left, bottom - top))
        h, v, d = (100 * f for f in cap.adm_fraction[s])
        ax.set_title(f"cap acted: h {h:.1f}% v {v:.1f}% d {d:.1f}%", fontsize=9)
        for col in range(3):
            axes[s, col].set_xticks([])
            axes[s, col].set_yticks([])
    fig.suptitle(
        f"frame {cap.frame}: ADM restored detail before/after the cap at {cap.gain_limit:g}; "
        f"adm2 {cap.uncapped['integer_adm2']:.4f} -> {cap.capped['integer_adm2']:.4f}",
        fontsize=11,
    )
    return fig


def _rectangle(x: int, y: int, w: int, h: int) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.5, y - 0.5), w, h, fill=False, edgecolor="tab:green", lw=1.0)
