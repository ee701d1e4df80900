"""``pyvmafneg explain``: where VMAF-NEG's gain cap bites, frame by frame."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from ..engines._models import GAIN_LIMIT_RANGE, check_gain_limit
from .common import add_input_arguments, count, open_pair


def _limit(text: str) -> float:
    try:
        return check_gain_limit(text, "--gain-limit")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    add_input_arguments(p)
    p.add_argument(
        "--gain-limit",
        type=_limit,
        default=1.0,
        metavar="X",
        help="the cap to examine, in [{:g}, {:g}] (default 1.0, VMAF-NEG's)".format(
            *GAIN_LIMIT_RANGE
        ),
    )
    p.add_argument("--frames", type=count(1), metavar="N", help="explain only the first N frames")
    p.add_argument(
        "--maps",
        metavar="DIR",
        help="save per-frame PNG maps (gain before/after the cap, cap mask) in DIR "
        "(needs matplotlib)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..engines.reference._explain import (
        explain_frames,
        format_frame,
        format_summary,
        summarize,
    )

    save = None
    if args.maps:
        from .._outputs import check_output_dir
        from ..verdict._capmaps import save_cap_maps

        check_output_dir(args.maps, "--maps directory")
        save = save_cap_maps
    ref, dis, warnings = open_pair(args)
    for text in warnings:
        print(f"pyvmafneg explain: warning: {text}", file=sys.stderr)
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
