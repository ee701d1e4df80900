"""Same-content honest twins: libx264 encodes of every calibration source at a grid of CRFs.

For each source of the still suite and each variant of the real-video suite, the
reference is encoded honestly with :data:`TWIN_ENCODER` at every CRF of :data:`TWIN_CRFS`,
scored by libvmaf (default and NEG, unclipped) and measured by the projection gain
(``projection.py``). The twins of one source give *that content's* honest curve: the pooled
gap and each band's projection gain as functions of the pooled NEG level. ``twineval.py``
takes an item's statistic minus the curve's value at the item's NEG (the *twin excess*) and
evaluates it as evidence (docs/calibration.md, *The same-content twin, evaluated*). The
settings of :data:`MATCHED` give twins with the settings of the suites' other libx264
encodes, for the settings-matched variant evaluated there.

Cached as JSON in ``cache/twins/<group>.[<setting>.]<crf>.json`` (ignored by git), the
block-edge ratios in ``<...>.block.json``, the clips in ``cache/twins/clips/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import suite  # noqa: E402
import video  # noqa: E402

CACHE = HERE / "cache" / "twins"
#: The twin's encoder settings (FFmpeg options before the CRF).
TWIN_ENCODER: tuple[str, ...] = ("-c:v", "libx264", "-preset", "veryfast")
#: Twins with the settings of the suites' other libx264 encodes (the settings an x264 stream
#: records about itself), for the settings-matched variant: name -> (options, suite).
MATCHED: dict[str, tuple[tuple[str, ...], str]] = {
    "ultrafast": (("-c:v", "libx264", "-preset", "ultrafast"), "video"),
    "ssim": (("-c:v", "libx264", "-preset", "veryfast", "-tune", "ssim"), "video"),
    "medium": (("-c:v", "libx264", "-preset", "medium"), "still"),
}
#: The CRFs of the twin grid (best to worst).
TWIN_CRFS: tuple[int, ...] = (18, 23, 27, 31, 35, 38, 41, 45, 48, 51)


def groups() -> list[str]:
    """Twin groups: the still sources and the real-video variants available here."""
    return list(suite.SOURCES) + [s.variant for s in video.available()]


def reference(group: str) -> tuple[Path, int]:
    """The group's reference clip and bit depth."""
    if group in suite.SOURCES:
        return suite.source_path(group), 8
    return video.source_path(group), video.variant(group).bits


def path_of(group: str, crf: int, setting: str = "veryfast") -> Path:
    infix = "" if setting == "veryfast" else f"{setting}."
    return CACHE / f"{group}.{infix}{crf}.json"


def _options(setting: str) -> tuple[str, ...]:
    return TWIN_ENCODER if setting == "veryfast" else MATCHED[setting][0]


def setting_groups(setting: str) -> list[str]:
    """The groups a setting's twins are made for."""
    if setting == "veryfast":
        return groups()
    still = MATCHED[setting][1] == "still"
    return [g for g in groups() if (g in suite.SOURCES) == still]


def _work(group: str, crf: int, setting: str = "veryfast") -> str:
    import pyvmafneg
    from pyvmafneg.verdict._credit import credit_of
    from pyvmafneg.verdict._projection import measure_projection

    try:
        os.nice(10)
    except OSError:
        pass
    dest = path_of(group, crf, setting)
    if dest.exists():
        return dest.name
    ref, bits = reference(group)
    clip = CACHE / "clips" / f"{dest.stem}.mkv"
    clip.parent.mkdir(parents=True, exist_ok=True)
    if not clip.exists():
        tmp = clip.with_name(clip.stem + ".part.mkv")
        pix = "yuv420p10le" if bits == 10 else "yuv420p"
        cmd = [suite.ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
        cmd += ["-i", str(ref), *_options(setting), "-crf", str(crf), "-pix_fmt", pix]
        cmd += ["-threads", "1", "-an", str(tmp)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=900)
        tmp.replace(clip)
    result = pyvmafneg.score(str(ref), str(clip), clip=False, threads=1)
    c = credit_of("vmaf_v0.6.1", result.features)
    proj = measure_projection(str(ref), str(clip), scale=None)
    values = {
        "group": group,
        "crf": crf,
        "neg": float(np.mean(c.default - c.total)),
        "default": float(c.default.mean()),
        "gap": float(c.pooled),
        "bytes": clip.stat().st_size,
        "proj_sums": proj.sums.tolist(),
    }
    tmp_json = dest.with_suffix(".part")
    tmp_json.write_text(json.dumps(values, indent=1), encoding="utf-8")
    tmp_json.replace(dest)
    return dest.name


def block_path(group: str, crf: int) -> Path:
    return CACHE / f"{group}.{crf}.block.json"


def _block_work(group: str, crf: int) -> str:
    import blocking

    try:
        os.nice(10)
    except OSError:
        pass
    dest = block_path(group, crf)
    if dest.exists() or not path_of(group, crf).exists():
        return dest.name
    ref, _ = reference(group)
    clip = CACHE / "clips" / f"{group}.{crf}.mkv"
    out: dict[str, float] = {}
    ratios = blocking.blocking_ratios(str(ref), str(clip), scale=None, grids=(4, 8, 16))
    for grid, b in ratios.items():
        out |= {f"block{grid}_ref": b.reference, f"block{grid}_dis": b.distorted}
    tmp = dest.with_suffix(".part")
    tmp.write_text(json.dumps(out, indent=1), encoding="utf-8")
    tmp.replace(dest)
    return dest.name


def build_blocking(*, jobs: int = 2) -> None:
    """The block-edge ratios of every twin measured (a second pass, ``blocking.py``)."""
    todo = [(g, c) for g in groups() for c in TWIN_CRFS if not block_path(g, c).exists()]
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        for fut in as_completed([pool.submit(_block_work, g, c) for g, c in todo]):
            fut.result()


def cost(group: str, crf: int = 41) -> tuple[float, float, float, int, int, int] | None:
    """Seconds to make one twin of ``group`` afresh on one thread: (encode, score, projection),
    with the frame count and size; None when the group's reference is not here."""
    import tempfile
    import time

    import pyvmafneg
    from pyvmafneg.verdict._projection import measure_projection

    if group not in groups():
        return None
    ref, bits = reference(group)
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "twin.mkv"
        pix = "yuv420p10le" if bits == 10 else "yuv420p"
        cmd = [suite.ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
        cmd += ["-i", str(ref), *TWIN_ENCODER, "-crf", str(crf), "-pix_fmt", pix]
        cmd += ["-threads", "1", "-an", str(clip)]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, timeout=900)
        t1 = time.perf_counter()
        result = pyvmafneg.score(str(ref), str(clip), clip=False, threads=1)
        t2 = time.perf_counter()
        proj = measure_projection(str(ref), str(clip), scale=None)
        t3 = time.perf_counter()
    w, h = proj.size or (0, 0)
    del result
    return t1 - t0, t2 - t1, t3 - t2, proj.frames, w, h


def build(*, jobs: int = 2, quiet: bool = False) -> None:
    """Make, score and measure every twin the cache lacks (every setting)."""
    todo = [
        (g, c, s)
        for s in ("veryfast", *MATCHED)
        for g in setting_groups(s)
        for c in TWIN_CRFS
        if not path_of(g, c, s).exists()
    ]
    if not todo:
        return
    if not quiet:
        print(f"twins: {len(todo)} to make", file=sys.stderr)
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(_work, g, c, s) for g, c, s in todo]
        for n, fut in enumerate(as_completed(futures), start=1):
            fut.result()
            if not quiet and (n % 10 == 0 or n == len(todo)):
                print(f"twins: {n}/{len(todo)} done", file=sys.stderr)


def cached(group: str, setting: str = "veryfast") -> list[dict[str, object]]:
    """The group's twins measured so far, by NEG level (gains from :func:`band_gains`)."""
    from pyvmafneg.verdict._projection import band_gains

    out = []
    for crf in TWIN_CRFS:
        p = path_of(group, crf, setting)
        if p.exists():
            v = json.loads(p.read_text(encoding="utf-8"))
            v |= band_gains(np.asarray(v.pop("proj_sums"), dtype=float))
            b = block_path(group, crf)
            if b.exists():
                v |= json.loads(b.read_text(encoding="utf-8"))
            out.append(v)
    return sorted(out, key=lambda v: float(v["neg"]))  # type: ignore[arg-type]


if __name__ == "__main__":
    build(jobs=int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    build_blocking(jobs=int(sys.argv[1]) if len(sys.argv) > 1 else 2)
