"""The labelled suite: honest and enhanced encodes of four natural clips, scored by libvmaf.

Every item is made with imageio-ffmpeg's FFmpeg and scored in-process by libvmaf
(default VMAF and VMAF-NEG, unclipped, every elementary feature kept). Items
are cached on disk under ``bench/calibration/cache/`` (ignored by git): a rerun
only makes what is missing, so the calibration can be rebuilt cheaply.

Sources
    24-frame 576x324 clips panning (and zooming) across four scikit-image
    photographs, from :func:`pyvmafneg.demo.natural_clip` (deterministic).
Honest items
    Five encoders (libx264, libx265, libaom-av1, libsvtav1, libvpx-vp9) at
    four rates each; Gaussian blur, noise (fixed seed) and down/up scaling,
    each stored losslessly and before libx264.
Enhanced items
    Unsharp masks of three radii and several amounts, CAS, contrast, gamma,
    saturation and histogram equalisation (FFmpeg filters), each before
    libx264 and libsvtav1 at three rates. Each is labelled by ``lift``: how
    many points the enhancement moved pooled default VMAF (unclipped) against
    the same encode without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CACHE = HERE / "cache"

FRAMES = 24
WIDTH, HEIGHT = 576, 324
FPS = 25

#: Source name -> (scikit-image photograph, pan per frame (dx, dy), zoom per frame).
SOURCES: dict[str, tuple[str, tuple[float, float], float]] = {
    "astronaut": ("astronaut", (3.0, 1.5), 0.0),
    "coffee": ("coffee", (-2.5, 1.0), 0.004),
    "chelsea": ("chelsea", (2.0, -1.5), 0.0),
    "rocket": ("rocket", (0.0, 2.5), 0.003),
}

#: Encoder -> (FFmpeg options before the rate, rate option, four rates best to worst).
ENCODERS: dict[str, tuple[list[str], str, tuple[int, ...]]] = {
    "libx264": (["-c:v", "libx264", "-preset", "medium"], "-crf", (18, 25, 32, 39)),
    "libx265": (
        ["-c:v", "libx265", "-preset", "fast", "-x265-params", "log-level=error"],
        "-crf",
        (18, 25, 32, 39),
    ),
    "libaom-av1": (
        ["-c:v", "libaom-av1", "-cpu-used", "6", "-b:v", "0", "-row-mt", "0"],
        "-crf",
        (20, 32, 44, 56),
    ),
    "libsvtav1": (["-c:v", "libsvtav1", "-preset", "8"], "-crf", (20, 32, 44, 56)),
    "libvpx-vp9": (
        ["-c:v", "libvpx-vp9", "-b:v", "0", "-deadline", "good", "-cpu-used", "4"],
        "-crf",
        (20, 32, 44, 56),
    ),
}

#: Honest processing without an encoder's rate control: kind -> [(strength label, filter)].
DEGRADATIONS: dict[str, list[tuple[str, str]]] = {
    "blur": [("0.7", "gblur=sigma=0.7"), ("1.5", "gblur=sigma=1.5")],
    "noise": [("4", "noise=c0s=4:c0f=t:all_seed=1234"), ("10", "noise=c0s=10:c0f=t:all_seed=1234")],
    "scale": [
        ("0.75", "scale=432:244:flags=bicubic,scale=576:324:flags=bicubic"),
        ("0.5", "scale=288:162:flags=bicubic,scale=576:324:flags=bicubic"),
    ],
}

#: Enhancements (FFmpeg filters applied before encoding): kind -> [(strength label, filter)].
ENHANCEMENTS: dict[str, list[tuple[str, str]]] = {
    "unsharp_r3": [(a, f"unsharp=lx=3:ly=3:la={a}") for a in ("0.5", "1.0", "1.5")],
    "unsharp_r5": [(a, f"unsharp=lx=5:ly=5:la={a}") for a in ("0.25", "0.5", "1.0")],
    "unsharp_r7": [(a, f"unsharp=lx=7:ly=7:la={a}") for a in ("0.5", "1.0")],
    "cas": [(s, f"cas=strength={s}") for s in ("0.3", "0.6", "1.0")],
    "contrast": [(c, f"eq=contrast={c}") for c in ("1.1", "1.25")],
    "gamma": [(g, f"eq=gamma={g}") for g in ("0.85", "1.2")],
    "saturation": [("1.5", "eq=saturation=1.5")],
    "histeq": [(s, f"histeq=strength={s}") for s in ("0.1", "0.3")],
}

#: Encoders that carry the enhanced items, and which of their four rates.
ENHANCED_ENCODERS: tuple[str, ...] = ("libx264", "libsvtav1")
ENHANCED_RATES: tuple[int, ...] = (0, 1, 2)


@dataclass(frozen=True)
class Item:
    """One scored clip of the suite."""

    id: str
    source: str
    honest: bool
    kind: str  # encoder name for plain encodes, else the processing kind
    strength: str = ""
    encoder: str = ""
    rate: int | None = None
    filter: str = ""
    base: str = ""  # id of the same encode without the enhancement
    extra: dict[str, str] = field(default_factory=dict)


def items() -> list[Item]:
    """Every item of the suite, in a fixed order."""
    out: list[Item] = []
    for src in SOURCES:
        for enc, (_, _, rates) in ENCODERS.items():
            for r in rates:
                out.append(Item(f"{src}.{enc}.{r}", src, True, enc, encoder=enc, rate=r))
        for kind, variants in DEGRADATIONS.items():
            for strength, filt in variants:
                out.append(
                    Item(f"{src}.{kind}-{strength}.raw", src, True, kind, strength, filter=filt)
                )
                out.append(
                    Item(
                        f"{src}.{kind}-{strength}.libx264.25",
                        src,
                        True,
                        kind,
                        strength,
                        encoder="libx264",
                        rate=25,
                        filter=filt,
                    )
                )
        for kind, variants in ENHANCEMENTS.items():
            for strength, filt in variants:
                for enc in ENHANCED_ENCODERS:
                    rates = ENCODERS[enc][2]
                    for idx in ENHANCED_RATES:
                        r = rates[idx]
                        out.append(
                            Item(
                                f"{src}.{kind}-{strength}.{enc}.{r}",
                                src,
                                False,
                                kind,
                                strength,
                                encoder=enc,
                                rate=r,
                                filter=filt,
                                base=f"{src}.{enc}.{r}",
                            )
                        )
    return out


def ffmpeg() -> str:
    """The FFmpeg the package uses (see :func:`pyvmafneg.engines._ffmpeg.find_ffmpeg`)."""
    from pyvmafneg.engines._ffmpeg import find_ffmpeg

    return find_ffmpeg()


def source_path(name: str, cache: Path = CACHE) -> Path:
    """The source clip as Y4M, made on first use."""
    path = cache / "sources" / f"{name}.y4m"
    if not path.exists():
        from pyvmafneg.demo import natural_clip
        from pyvmafneg.io import write_y4m

        image, pan, zoom = SOURCES[name]
        frames = natural_clip(image, frames=FRAMES, width=WIDTH, height=HEIGHT, pan=pan, zoom=zoom)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.y4m")
        write_y4m(frames, tmp, fps=FPS)
        tmp.replace(path)
    return path


def _make(item: Item, cache: Path) -> Path:
    """Encode (or filter) one item; return the path of the clip to score."""
    ref = source_path(item.source, cache)
    suffix = ".mkv" if item.encoder else ".y4m"
    out = cache / "clips" / f"{item.id}{suffix}"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".part" + suffix)
    cmd = [ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(ref)]
    if item.filter:
        cmd += ["-vf", item.filter]
    if item.encoder:
        opts, rate_opt, _ = ENCODERS[item.encoder]
        cmd += [*opts, rate_opt, str(item.rate), "-pix_fmt", "yuv420p", "-threads", "1", "-an"]
        cmd += [str(tmp)]
    else:
        cmd += ["-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", str(tmp)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=900)
    tmp.replace(out)
    return out


def score_path(item_id: str, cache: Path = CACHE) -> Path:
    """Where an item's libvmaf log (pyvmafneg JSON, unclipped) is cached."""
    return cache / "scores" / f"{item_id}.json"


def score_item(
    item: Any, dest: Path, ref: Path, make: Callable[[], Path], threads: int, **options: Any
) -> str:
    """Make an item's clip with ``make()``, score it against ``ref`` unclipped, cache the log.

    Shared by both suites: the log (pyvmafneg JSON) goes to ``dest`` and the item's
    description with the clip's size in bytes beside it (``.meta.json``).
    """
    import pyvmafneg

    try:
        os.nice(10)
    except OSError:
        pass
    if dest.exists():
        return str(item.id)
    clip = make()
    result = pyvmafneg.score(str(ref), str(clip), clip=False, threads=threads, **options)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    result.to_json(tmp)
    tmp.replace(dest)
    meta = dest.with_suffix(".meta.json")
    meta.write_text(
        json.dumps({**asdict(item), "bytes": clip.stat().st_size}, indent=1), encoding="utf-8"
    )
    return str(item.id)


def _work(item: Item, cache: Path) -> str:
    return score_item(
        item,
        score_path(item.id, cache),
        source_path(item.source, cache),
        lambda: _make(item, cache),
        threads=0,
    )


def native_path(item_id: str, cache: Path = CACHE) -> Path:
    """Where an item's pooled cap shares from the native engine are cached."""
    return cache / "native" / f"{item_id}.json"


def _native_work(item: Item, cache: Path) -> str:
    import numpy as np

    import pyvmafneg

    try:
        os.nice(10)
    except OSError:
        pass
    dest = native_path(item.id, cache)
    if dest.exists():
        return item.id
    clip = _make(item, cache)
    result = pyvmafneg.score(
        str(source_path(item.source, cache)), str(clip), backend="native", clip=False
    )
    shares = {k: float(np.mean(v)) for k, v in result.features.items() if "cap_share" in k}
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    tmp.write_text(json.dumps(shares, indent=1), encoding="utf-8")
    tmp.replace(dest)
    return item.id


def run_pool(
    work: Callable[[Any, Path], str],
    missing: Sequence[Any],
    jobs: int,
    cache: Path,
    quiet: bool,
    label: str,
) -> None:
    """Run ``work(item, cache)`` for each missing item in ``jobs`` worker processes (both
    suites; ``label`` starts each progress line)."""
    if not missing:
        return
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(work, i, cache) for i in missing]
        for n, fut in enumerate(as_completed(futures), start=1):
            fut.result()
            if not quiet and (n % 20 == 0 or n == len(missing)):
                print(f"{label}{n}/{len(missing)} done", file=sys.stderr)


def native_items() -> list[Item]:
    """The items scored by the native engine too: every honest item and the enhanced
    encodes at libx264's middle rate (CRF 32), where enhancement is hardest to see."""
    return [i for i in items() if i.honest or (i.encoder == "libx264" and i.rate == 32)]


def build_native(*, jobs: int = 2, cache: Path = CACHE, quiet: bool = False) -> list[Item]:
    """Score :func:`native_items` with the native engine (cap shares); return them."""
    todo = native_items()
    missing = [i for i in todo if not native_path(i.id, cache).exists()]
    if missing and not quiet:
        print(f"suite: {len(missing)} items to score with the native engine", file=sys.stderr)
    run_pool(_native_work, missing, jobs, cache, quiet, "suite: native ")
    return todo


def build(
    selected: Iterable[Item] | None = None,
    *,
    jobs: int = 2,
    cache: Path = CACHE,
    quiet: bool = False,
) -> list[Item]:
    """Make and score every missing item (``jobs`` worker processes); return the items."""
    todo = list(items() if selected is None else selected)
    for name in {i.source for i in todo}:
        source_path(name, cache)
    missing = [i for i in todo if not score_path(i.id, cache).exists()]
    if missing and not quiet:
        print(f"suite: {len(missing)} of {len(todo)} items to make and score", file=sys.stderr)
    run_pool(_work, missing, jobs, cache, quiet, "suite: ")
    return todo


if __name__ == "__main__":
    build(jobs=int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    build_native(jobs=int(sys.argv[1]) if len(sys.argv) > 1 else 2)
