"""A ready-made codec comparison to try ``pyvmafneg compare`` on, built offline.

:func:`build_sample_comparison` makes short clips with camera motion from
photographs that ship with scikit-image, encodes each with libx264 (the
FFmpeg that imageio-ffmpeg ships) at several CRFs in two settings, and writes
the references (Y4M), the encodes (Matroska) and a ``comparison.toml``
manifest:

- ``x264 plain``: the clip as it is;
- ``x264 sharpened``: the clip pre-sharpened with an unsharp mask, the kind of
  enhancement that default VMAF rewards and VMAF-NEG does not;
- ``x264 ladder``: a small two-rung ladder, the ``plain`` encodes at full size
  and the clip scaled down to half size (bicubic) at two more CRFs; the
  comparison scales the low rung back up and compares the ladder by its
  convex hull.

Every encode runs libx264 on one thread: its output then does not depend on
how many cores the machine has (it may still differ between CPUs).

Example
-------
>>> from pyvmafneg.demo import build_sample_comparison                      # doctest: +SKIP
>>> manifest = build_sample_comparison("sample")                       # doctest: +SKIP
>>> # then: python3 -m pyvmafneg compare sample/comparison.toml --report sample/report
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .._outputs import make_output_dir, write_file
from ..errors import OptionError

__all__ = ["LADDER_CRFS", "SAMPLE_CRFS", "SAMPLE_SOURCES", "build_sample_comparison"]

#: Photographs (scikit-image names) the sample sources are made from.
SAMPLE_SOURCES: tuple[str, ...] = ("chelsea", "coffee", "astronaut")
#: libx264 CRFs of the four rate points.
SAMPLE_CRFS: tuple[int, ...] = (24, 28, 32, 36)
#: libx264 CRFs of the ladder's half-size rung.
LADDER_CRFS: tuple[int, ...] = (28, 36)
#: Unsharp mask of the sharpened setting: blur radius (px) and amount.
SHARPEN = {"sigma": 1.0, "amount": 1.5}


def build_sample_comparison(
    directory: str | os.PathLike[str],
    *,
    sources: Sequence[str] = SAMPLE_SOURCES,
    crfs: Sequence[float] = SAMPLE_CRFS,
    frames: int = 12,
    width: int = 320,
    height: int = 192,
    fps: int = 24,
    preset: str = "veryfast",
    ladder: bool = True,
) -> Path:
    """Write references, encodes and a manifest into ``directory``; return the manifest.

    Parameters
    ----------
    directory:
        Folder to write into (created if missing); existing sample files in
        it are overwritten.
    sources:
        scikit-image photograph names (see :data:`pyvmafneg.demo._clips.IMAGES`).
    crfs:
        libx264 CRFs, 0 to 51, one rate point each (at least four for BD-rate).
    frames, width, height, fps:
        Clip length (frames), size (pixels, even) and frame rate.
    preset:
        libx264 preset.
    ladder:
        Also write the ``x264 ladder`` series (the plain encodes plus a
        half-size rung at :data:`LADDER_CRFS`).

    Raises
    ------
    OptionError
        Bad sizes, counts or CRFs.
    OutputFileError
        ``directory`` cannot be written.
    FFmpegError
        FFmpeg with libx264 is missing or fails.
    """
    from ..io._prepare import scale_frames
    from ..io._y4m import write_y4m
    from ._clips import IMAGES, natural_clip
    from ._encode import x264_roundtrip
    from ._enhance import apply_to_frames

    if not sources:
        raise OptionError("give at least one source image")
    unknown = [s for s in sources if s not in IMAGES]
    if unknown:
        raise OptionError(f"unknown image(s) {unknown}; choose from {', '.join(IMAGES)}")
    if frames < 2 or width < 64 or height < 64 or width % 2 or height % 2:
        raise OptionError("use at least 2 frames and an even size of at least 64x64")
    if not crfs or any(not 0 <= c <= 51 for c in crfs):
        raise OptionError(f"CRFs must be in [0, 51]; got {list(crfs)}")
    out = make_output_dir(directory, "the sample's directory")
    make_output_dir(out / "refs", "the sample's reference directory")
    make_output_dir(out / "encodes", "the sample's encode directory")
    settings = {
        "plain": lambda clip: clip,
        "sharpened": lambda clip: apply_to_frames(clip, "unsharp", **SHARPEN),
    }
    lines = [
        "# A sample comparison: two libx264 settings, one pre-sharpened, and a two-rung",
        "# ladder, over three sources.",
        "# Made by pyvmafneg.demo._sample_comparison.build_sample_comparison.",
        "",
        "[comparison]",
        'anchor = "x264 plain"',
        "",
    ]
    for name in sources:
        clip = natural_clip(
            name, frames=frames, width=width, height=height, pan=(2.0, 1.0), zoom=0.004
        )
        write_y4m(clip, out / "refs" / f"{name}.y4m", fps=fps)
        lines += ["[[reference]]", f'name = "{name}"', f'file = "refs/{name}.y4m"', ""]
        plain: list[str] = []
        for setting, prepare in settings.items():
            prepared = prepare(clip)
            for crf in crfs:
                rel = f"encodes/{name}-{setting}-crf{crf:g}.mkv"
                x264_roundtrip(prepared, crf=crf, preset=preset, fps=fps, threads=1, keep=out / rel)
                lines += _entry(name, setting, f"crf{crf:g}", rel)
                if setting == "plain":
                    plain.append(rel)
        if ladder:
            # The ladder: the plain encodes are its full-size rung; a half-size rung joins.
            for crf, rel in zip(crfs, plain, strict=True):
                lines += _entry(name, "ladder", f"{height}p_crf{crf:g}", rel)
            low = list(scale_frames(clip, width // 2, height // 2, scale="bicubic"))
            for crf in LADDER_CRFS:
                rel = f"encodes/{name}-ladder-{height // 2}p-crf{crf:g}.mkv"
                x264_roundtrip(low, crf=crf, preset=preset, fps=fps, threads=1, keep=out / rel)
                lines += _entry(name, "ladder", f"{height // 2}p_crf{crf:g}", rel)
    manifest = out / "comparison.toml"
    write_file(manifest, "\n".join(lines), "the sample's manifest")
    return manifest


def _entry(source: str, setting: str, point: str, rel: str) -> list[str]:
    """The manifest lines of one x264 encode."""
    return [
        "[[encode]]",
        f'reference = "{source}"',
        'codec = "x264"',
        f'setting = "{setting}"',
        f'point = "{point}"',
        f'file = "{rel}"',
        "",
    ]
