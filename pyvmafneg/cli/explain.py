"""``pyvmafneg explain``: where VMAF-NEG's gain cap bites, frame by frame."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from ..models import check_gain_limit
from ..sources import match_sources, open_video


def _limit(text: str) -> float:
    try:
        return check_gain_limit(text, "--gain-limit")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="show, frame by frame, where the enhancement-gain cap bites (NumPy reference)",
        description="For each frame, report with the NumPy reference of libvmaf's features "
        "the share of locations where the gain cap bit (per VIF scale; per ADM scale and "
        "band), every VIF and ADM feature without and with the cap from the same pass, and "
        "the VMAF each implies (v0.6.1, unclipped; capped at 1.0 that is VMAF-NEG). With "
        "--maps, also save per-frame PNG maps of the gain before and after the cap.",
    )
    p.add_argument("-r", "--reference", required=True, metavar="REF", help="reference video")
    p.add_argument("-d", "--distorted", required=True, metavar="DIST", help="distorted video")
    p.add_argument("-w", "--width", type=_count, help="frame width (raw YUV input)")
    p.add_argument("-H", "--height", type=_count, help="frame height (raw YUV input)")
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
        "--gain-limit",
        type=_limit,
        default=1.0,
        metavar="X",
        help="the cap to examine, in [1, 100] (default 1.0, VMAF-NEG's)",
    )
    p.add_argument(
        "--frames", type=_count, metavar="N", help="explain only the first N frames"
    )
    p.add_argument(
        "--maps",
        metavar="DIR",
        help="save per-frame PNG maps (gain before/after the cap, cap mask) in DIR "
        "(needs matplotlib)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..reference.explain import (
        explain_frames,
        format_frame,
        format_summary,
        summarize,
    )

    geometry = dict(
        width=args.width, height=args.height, pixel_format=args.pixel_format,
        bitdepth=args.bitdepth,
    )
    ref = open_video(args.reference, **geometry)
    dis = open_video(args.distorted, **geometry)
    for text in match_sources(ref, dis, frames=args.frames):
        print(f"pyvmafneg explain: warning: {text}", file=sys.stderr)
    save = None
    if args.maps:
        from ..capmaps import save_cap_maps

        save = save_cap_maps
    caps = []
    for cap in explain_frames(
        ref, dis, gain_limit=args.gain_limit, frames=args.frames, keep_maps=save is not None
    ):
        if save is not None:
            for path in save(cap, args.maps):
                print(f"map written to {path}", file=sys.stderr)
        if not args.json:
            print(format_frame(cap))
        caps.append(dataclasses.replace(cap, vif_maps=None, adm_maps=None))
    summary = summarize(caps)
    if args.json:
        doc = {
            "gain_limit": args.gain_limit,
            "model": caps[0].model,
            "clipped": caps[0].clipped,
            "frames": [c.as_dict() for c in caps],
            "summary": summary.as_dict(),
        }
        print(json.dumps(doc, indent=2))
    else:
        print(format_summary(summary))
    return 0
