"""``pyvmafneg demo``: the worked comparison, default VMAF vs VMAF-NEG, with figures."""

from __future__ import annotations

import argparse
import sys
import textwrap
import time

from .._defaults import DEMO_IMAGE, DEMO_IMAGES, DEMO_MAX_FRAMES, DEMO_OUT


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="show default VMAF rewarding sharpening and contrast, and VMAF-NEG refusing it",
        description="Build a short clip with camera motion from a photograph that ships with "
        "scikit-image, encode it with libx264 as it is and after sharpening, histogram "
        "equalisation and contrast stretching, score every version with default VMAF and "
        "VMAF-NEG (the default engine: the native one where it is built, else libvmaf "
        "in-process), print the comparison and write figures. No network.",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=DEMO_OUT,
        help=f"output directory, created if missing (default ./{DEMO_OUT})",
    )
    p.add_argument(
        "--frames",
        type=int,
        default=24,
        metavar="N",
        help=f"clip length, 2 to {DEMO_MAX_FRAMES} (default 24)",
    )
    p.add_argument(
        "--image",
        default=DEMO_IMAGE,
        choices=DEMO_IMAGES,
        metavar="NAME",
        help=f"scikit-image photograph: {', '.join(DEMO_IMAGES)} (default {DEMO_IMAGE})",
    )
    p.add_argument("--crf", type=float, default=23.0, help="libx264 CRF for every version (23)")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    p.add_argument(
        "-q", "--quiet", action="store_true", help="print only the table and the output path"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..demo._worked import REFERENCE_FILE, header, run_demo
    from ..engines.libvmaf._binding import available_cpus

    t0 = time.perf_counter()

    def say(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:5.1f}s] {msg}", file=sys.stderr, flush=True)

    report = run_demo(
        out_dir=args.out,
        image=args.image,
        frames=args.frames,
        crf=args.crf,
        figures=not args.no_figures,
        progress=None if args.quiet else say,
    )
    if not args.quiet:
        print(header(report))
        print()
    print(report.table())
    if not args.quiet:
        print()
        print(report.ranking_text())
        print()
        print(textwrap.fill(report.verdict(), width=100))
        print()
        pngs = [f for f in report.files if f.suffix == ".png"]
        if pngs:
            print("figures: " + ", ".join(str(f) for f in pngs))
        print(f"done in {report.elapsed:.1f} s on {available_cpus()} CPUs")
    print(f"outputs in {report.out_dir}")
    if not args.quiet and report.out_dir is not None:
        ref, stream = report.out_dir / REFERENCE_FILE, report.out_dir / "streams" / "sharpen.mkv"
        print(f"score an encode again: pyvmafneg score -r {ref} -d {stream}")
    return 0
