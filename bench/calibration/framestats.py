"""Evidence from the decoded frames of every item of both suites (what a log does not carry).

For each scored item, with the frames paired as they were scored (a ladder rung
scaled back with its scaler):

``band_high``
    :func:`bands.band_energy_ratio`: energy of the finest band (luma minus its
    Gaussian blur, sigma 1) of the encode over the reference's.
``block{4,8,16}_ref``, ``block{4,8,16}_dis``
    :func:`blocking.blocking_ratios`: the block-edge ratio
    (mean squared luma step across the lines of a 4-, 8- or 16-pixel grid over that
    inside the blocks) of the reference and of the encode.
``proj*``, ``inv*``, ``corr*``, ``eratio*``, ``ref_fine_share``
    :func:`projection.projection_sums`: per band of a luma pyramid, the projection
    gain of the encode on the reference and its relatives (:func:`projection.stats`);
    the pooled sums are cached, the statistics derived on reading.
``integer_{vif,adm}_cap_share_scale{0..3}_egl_1``
    The native engine's cap shares per scale (pooled mean): the share of
    locations where VMAF-NEG's gain limit of 1 acts.

Cached as JSON in ``cache/framestats/band/``, ``cache/framestats/block/``,
``cache/framestats/caps/`` and ``cache/framestats/proj/`` (ignored by git), each
measured in its own pass (the cheaper first); ``calibrate.py`` reads them.
"""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bands  # noqa: E402
import blocking  # noqa: E402
import projection  # noqa: E402
import suite  # noqa: E402
import video  # noqa: E402

CACHE = HERE / "cache" / "framestats"


#: What each pass measures: ``band`` (the band-energy ratio), ``block`` (the block-edge
#: ratios), ``caps`` (the cap shares) or ``proj`` (the projection gains' pooled sums).
PASSES = ("band", "block", "caps", "proj")


def path_of(item_id: str, what: str) -> Path:
    return CACHE / what / f"{item_id}.json"


def _pair(item_id: str) -> tuple[Path, Path, str | None]:
    """Reference, clip and scaler of an item of either suite."""
    for it in video.items():
        if it.id == item_id:
            clip = video.CACHE / "clips" / f"{it.id}.mkv"
            return video.source_path(it.variant), clip, it.scaler or None
    for its in suite.items():
        if its.id == item_id:
            clip = suite.CACHE / "clips" / f"{its.id}{'.mkv' if its.encoder else '.y4m'}"
            return suite.source_path(its.source), clip, None
    raise KeyError(item_id)


def measure(ref: Path, clip: Path, scaler: str | None, what: str) -> dict[str, float]:
    import numpy as np

    import pyvmafneg

    options = {"scale": scaler} if scaler else {}
    if what == "band":
        return {"band_high": bands.band_energy_ratio(str(ref), str(clip), **options).ratio}
    if what == "block":
        out: dict[str, float] = {}
        for grid, b in blocking.blocking_ratios(
            str(ref), str(clip), grids=(4, 8, 16), **options
        ).items():
            out |= {f"block{grid}_ref": b.reference, f"block{grid}_dis": b.distorted}
        return out
    if what == "proj":
        sums = projection.projection_sums(str(ref), str(clip), **options)
        return {"proj_sums": sums.tolist()}  # type: ignore[dict-item]
    result = pyvmafneg.score(str(ref), str(clip), backend="native", clip=False, **options)
    return {k: float(np.mean(v)) for k, v in result.features.items() if "cap_share" in k}


def _work(item_id: str, what: str) -> str:
    try:
        os.nice(10)
    except OSError:
        pass
    dest = path_of(item_id, what)
    if dest.exists():
        return item_id
    ref, clip, scaler = _pair(item_id)
    if not clip.exists():
        return item_id
    values = measure(ref, clip, scaler, what)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    tmp.write_text(json.dumps(values, indent=1), encoding="utf-8")
    tmp.replace(dest)
    return item_id


def scored_ids() -> list[str]:
    """Items of both suites with a cached score, real video first (small variants first)."""
    vid = [i for i in video.items() if video.score_path(i.id).exists()]
    vid.sort(key=lambda i: video.variant(i.variant).width * video.variant(i.variant).height)
    still = [i.id for i in suite.items() if suite.score_path(i.id).exists()]
    return [i.id for i in vid] + still


def build(
    ids: list[str] | None = None,
    *,
    jobs: int = 2,
    passes: tuple[str, ...] = PASSES,
    quiet: bool = False,
) -> None:
    """Measure every scored item that the cache lacks, one pass after the other."""
    for what in passes:
        todo = [i for i in (scored_ids() if ids is None else ids) if not path_of(i, what).exists()]
        if not todo:
            continue
        if not quiet:
            print(f"framestats {what}: {len(todo)} items to measure", file=sys.stderr)
        with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(_work, i, what) for i in todo]
            for n, fut in enumerate(as_completed(futures), start=1):
                fut.result()
                if not quiet and (n % 20 == 0 or n == len(todo)):
                    print(f"framestats {what}: {n}/{len(todo)} done", file=sys.stderr)


def cached(item_id: str) -> dict[str, float]:
    """The item's measured values, both passes ({} when not measured)."""
    out: dict[str, float] = {}
    for what in PASSES:
        path = path_of(item_id, what)
        if path.exists():
            values = json.loads(path.read_text(encoding="utf-8"))
            if "proj_sums" in values:
                values = projection.stats(np.asarray(values.pop("proj_sums"), dtype=float))
            out |= values
    return out


if __name__ == "__main__":
    build(
        jobs=int(sys.argv[1]) if len(sys.argv) > 1 else 2,
        passes=tuple(sys.argv[2].split(",")) if len(sys.argv) > 2 else PASSES,
    )
