"""``pyvmafneg score``: score a distorted video against its reference."""

from __future__ import annotations

import argparse
import sys

from ..errors import FrameMismatchError
from ..models import parse_model
from ..progress import Progress
from ..result import Result
from ..sources import VideoSource, open_video


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score",
        help="score DISTORTED against REFERENCE with default VMAF and VMAF-NEG",
        description="Score a distorted video against its reference. With no --model, scores "
        "vmaf_v0.6.1 (as 'vmaf') and vmaf_v0.6.1neg (as 'vmaf_neg') in one pass and reports "
        "the gap between them.",
    )
    p.add_argument("-r", "--reference", required=True, metavar="REF", help="reference video")
    p.add_argument("-d", "--distorted", required=True, metavar="DIST", help="distorted video")
    p.add_argument("-w", "--width", type=int, help="frame width (raw YUV input)")
    p.add_argument("-H", "--height", type=int, help="frame height (raw YUV input)")
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
    p.add_argument(
        "-m",
        "--model",
        action="append",
        metavar="MODEL",
        help="model to score with, repeatable: a built-in name or JSON path, optionally "
        "followed by :name=KEY, :vif_enhn_gain_limit=X, :adm_enhn_gain_limit=X (X in [1,100]). "
        "Default: vmaf_v0.6.1:name=vmaf and vmaf_v0.6.1neg:name=vmaf_neg",
    )
    p.add_argument("--threads", type=int, default=0, help="libvmaf worker threads (default 0)")
    p.add_argument("--subsample", type=int, default=1, help="score every N-th frame (default 1)")
    p.add_argument(
        "--no-clip", action="store_true", help="do not clip scores at 100 (shows enhancement)"
    )
    p.add_argument(
        "--transform",
        choices=["model", "on", "off"],
        default="model",
        help="score transform: the model's own setting (default), forced on, or off",
    )
    p.add_argument("--frames", type=int, help="score only the first N frames of both videos")
    p.add_argument("-o", "--output", metavar="PATH", help="write the per-frame log here")
    p.add_argument(
        "--format",
        choices=["json", "csv"],
        help="log format (default: from the output's suffix, else json)",
    )
    p.add_argument("--libvmaf", metavar="PATH", help="use this libvmaf shared library")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _open_pair(args: argparse.Namespace) -> tuple[VideoSource, VideoSource]:
    geometry = dict(
        width=args.width, height=args.height, pixel_format=args.pixel_format,
        bitdepth=args.bitdepth,
    )
    ref = open_video(args.reference, **geometry)
    dis = open_video(args.distorted, **geometry)
    if (ref.width, ref.height) != (dis.width, dis.height):
        raise FrameMismatchError(
            f"reference is {ref.width}x{ref.height} but distorted is {dis.width}x{dis.height}; "
            f"scale the distorted video to the reference size first, e.g. ffmpeg -i DIST "
            f"-vf scale={ref.width}:{ref.height} ..."
        )
    if ref.bitdepth != dis.bitdepth or ref.pixel_format != dis.pixel_format:
        raise FrameMismatchError(
            f"reference is {ref.pixel_format} {ref.bitdepth}-bit but distorted is "
            f"{dis.pixel_format} {dis.bitdepth}-bit; convert one to match the other"
        )
    if args.frames is None and None not in (ref.frame_count, dis.frame_count):
        if ref.frame_count != dis.frame_count:
            raise FrameMismatchError(
                f"reference has {ref.frame_count} frames but distorted has {dis.frame_count}; "
                f"pass --frames {min(ref.frame_count, dis.frame_count)} to score the common "
                "prefix"
            )
    return ref, dis


def run(args: argparse.Namespace) -> int:
    from ..scorer import score

    models = [parse_model(m) for m in args.model] if args.model else None
    ref, dis = _open_pair(args)
    total = args.frames if args.frames is not None else ref.frame_count
    bar = Progress(total, enabled=False if args.quiet else None)
    transform = {"model": None, "on": True, "off": False}[args.transform]
    try:
        result = score(
            ref,
            dis,
            models,
            threads=args.threads,
            subsample=args.subsample,
            clip=not args.no_clip,
            transform=transform,
            library=args.libvmaf,
            frames=args.frames,
            progress=bar,
        )
    finally:
        bar.close()
    _finish(result, args)
    return 0


def _finish(result: Result, args: argparse.Namespace) -> None:
    if args.output:
        path = result.write(args.output, args.format)
        print(f"log written to {path}", file=sys.stderr)
    print(f"{len(result)} frames scored")
    print(result.summary())
