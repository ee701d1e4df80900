"""Argument helpers shared by the subcommands that read a reference/distorted pair."""

from __future__ import annotations

import argparse
import warnings as warnings_module
from collections.abc import Callable
from typing import TYPE_CHECKING

from .._defaults import DEFAULT_SCALER, SCALERS
from ..errors import RawLayoutWarning

if TYPE_CHECKING:
    from ..io._sources import VideoSource

__all__ = [
    "add_geometry_arguments",
    "add_input_arguments",
    "add_prepare_arguments",
    "count",
    "display_size",
    "ignored_geometry",
    "open_input",
    "open_pair",
]


def count(minimum: int) -> Callable[[str], int]:
    """An argparse type for integers of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}; got {value}")
        return value

    parse.__name__ = "integer"
    return parse


def add_input_arguments(p: argparse.ArgumentParser, *, many: bool = False) -> None:
    """``-r/--reference``, ``-d/--distorted`` (repeatable with ``many``) and the raw-YUV
    geometry flags."""
    p.add_argument("-r", "--reference", required=True, metavar="REF", help="reference video")
    if many:
        p.add_argument(
            "-d",
            "--distorted",
            required=True,
            action="append",
            metavar="DIST",
            help="distorted video; repeat to score several encodes against one reference "
            "(decoded once), one log each in --output-dir",
        )
    else:
        p.add_argument("-d", "--distorted", required=True, metavar="DIST", help="distorted video")
    add_geometry_arguments(p)


def add_geometry_arguments(p: argparse.ArgumentParser) -> None:
    """``-w/--width``, ``-H/--height``, ``-p/--pixel-format`` and ``-b/--bitdepth``: the
    geometry of raw YUV inputs (:func:`open_input` reads them)."""
    p.add_argument("-w", "--width", type=count(1), help="frame width (raw YUV input)")
    p.add_argument("-H", "--height", type=count(1), help="frame height (raw YUV input)")
    p.add_argument(
        "-p",
        "--pixel-format",
        choices=["420", "422", "444", "400"],
        help="chroma layout (raw YUV input; default 420)",
    )
    p.add_argument(
        "-b",
        "--bitdepth",
        type=int,
        choices=[8, 10, 12, 16],
        help="bits per sample (raw YUV input; default 8; >8 is little-endian)",
    )


def display_size(text: str) -> tuple[int, int]:
    """An argparse type for ``WxH`` (positive pixels)."""
    try:
        w_text, h_text = text.lower().split("x")
        w, h = int(w_text), int(h_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1920x1080") from None
    if w < 1 or h < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be positive")
    return w, h


def add_prepare_arguments(p: argparse.ArgumentParser) -> None:
    """``--scale``, ``--size``, ``--convert-bitdepth`` and ``--offset``: how a pair is prepared."""
    p.add_argument(
        "--scale",
        choices=[*SCALERS, "none"],
        default=DEFAULT_SCALER,
        help="when the distorted size differs from the reference's, scale the distorted "
        f"to the reference size with libswscale using this algorithm (default "
        f"{DEFAULT_SCALER}, as FFmpeg's scale filter); none refuses differing sizes",
    )
    p.add_argument(
        "--size",
        type=display_size,
        metavar="WxH",
        help="score at this display size, scaling both videos (e.g. 1920x1080)",
    )
    p.add_argument(
        "--convert-bitdepth",
        type=int,
        choices=[8, 10, 12, 16],
        metavar="BITS",
        help="convert both videos to BITS bits (8, 10, 12 or 16) where their depths differ, "
        "with libswscale as FFmpeg's format=yuv420p10le does; without it, videos of "
        "different bit depths are refused",
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--offset",
        type=int,
        default=0,
        metavar="N",
        help="drop the first N distorted frames before pairing (negative: the first -N "
        "reference frames)",
    )
    group.add_argument(
        "--sync",
        action="store_true",
        help="find the offset first: the one in -12..+12 frames with the highest PSNR-Y over "
        "the first 48 frames (after --scale/--size and --convert-bitdepth); prints it and how "
        "sure the search is, and stops when it is not sure enough (confidence below 0.5)",
    )


def open_input(
    args: argparse.Namespace,
    path: str,
    *,
    doubt: Callable[[str], None],
    interlaced: bool = False,
) -> VideoSource:
    """:func:`pyvmafneg.open_video` with the raw-YUV geometry flags.

    A doubt about a raw file's layout (:class:`~pyvmafneg.errors.RawLayoutWarning`)
    goes to ``doubt`` as its text; any other warning is shown as Python shows it.
    """
    from .. import open_video

    with warnings_module.catch_warnings(record=True) as caught:
        warnings_module.simplefilter("always", RawLayoutWarning)
        source = open_video(
            path,
            width=args.width,
            height=args.height,
            pixel_format=args.pixel_format,
            bitdepth=args.bitdepth,
            interlaced=interlaced,
        )
    for w in caught:
        if issubclass(w.category, RawLayoutWarning):
            doubt(str(w.message))
        else:
            warnings_module.showwarning(w.message, w.category, w.filename, w.lineno)
    return source


def ignored_geometry(args: argparse.Namespace, ref: VideoSource, dis: VideoSource) -> list[str]:
    """A warning when raw-YUV geometry flags are given but neither input is raw YUV."""
    given = [
        f"--{k.replace('_', '-')}"
        for k in ("width", "height", "pixel_format", "bitdepth")
        if getattr(args, k) is not None
    ]
    if not given or "raw" in (ref.kind, dis.kind):
        return []
    return [
        f"{'/'.join(given)} describe raw YUV only and were ignored: both inputs carry their "
        f"own geometry ({ref.describe()})"
    ]


def open_pair(args: argparse.Namespace) -> tuple[VideoSource, VideoSource, list[str]]:
    """Open the reference and distorted inputs as ``score`` does (:func:`open_input`) and
    check that they pair; returns them and any warnings."""
    from ..io._sources import match_sources

    doubts: list[str] = []
    ref = open_input(args, args.reference, doubt=doubts.append)
    dis = open_input(args, args.distorted, doubt=doubts.append)
    warnings = doubts + match_sources(
        ref,
        dis,
        frames=getattr(args, "frames", None),
        scale=getattr(args, "scale", None),
        size=getattr(args, "size", None),
        offset=getattr(args, "offset", 0),
        convert_bitdepth=getattr(args, "convert_bitdepth", None),
        # advice names --scale only to a command that takes it
        scalable=hasattr(args, "scale"),
    )
    return ref, dis, warnings + ignored_geometry(args, ref, dis)
