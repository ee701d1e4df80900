"""``pyvmafneg check``: the enhancement-gain gate on existing VMAF logs.

Exit codes: 0 clean, borderline or uncalibrated, 1 flagged, 2 unusable input
(bad, truncated or empty logs, logs that do not match, scores no model can
produce, default and NEG logs of different model families, a baseline of other
frames or another source, non-VMAF files).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from .._defaults import (
    DEFAULT_BORDERLINE,
    DEFAULT_INTERVAL_LEVEL,
    DEFAULT_REPLICATES,
    DEFAULT_SCALER,
    DEFAULT_THRESHOLD,
)
from ._advice import flag
from .common import add_geometry_arguments, ignored_geometry, open_input

if TYPE_CHECKING:
    from ..io._sources import VideoSource
    from ..results._result import Result
    from ..verdict._check import CheckReport
    from ..verdict._projection import Projection


def add_gate_options(p: argparse.ArgumentParser) -> None:
    """Options shared by ``check`` and ``score --check``."""
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="POINTS",
        help="use the plain gap rule: flag a pooled gap (default - NEG, unclipped when the "
        "features allow) above this many points, whatever the quality (e.g. "
        f"{DEFAULT_THRESHOLD:g}); default: the calibrated rule, which flags a gap beyond what "
        "honest encodes of the same quality show and grades clips outside its calibrated "
        "range 'uncalibrated' (docs/calibration.md)",
    )
    p.add_argument(
        "--borderline",
        type=float,
        default=DEFAULT_BORDERLINE,
        metavar="POINTS",
        help=f"with --threshold, call a pooled gap above this (and not above --threshold) "
        f"borderline (default {DEFAULT_BORDERLINE:g})",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 on a borderline verdict too (default: 0 clean or borderline, 1 flagged)",
    )
    p.add_argument(
        "--floor",
        type=float,
        metavar="POINTS",
        help="also flag a pooled (mean) NEG score below this",
    )
    p.add_argument(
        "--per-frame", action="store_true", help="list every frame's gap in the text report"
    )
    p.add_argument(
        "--interval-level",
        type=float,
        default=DEFAULT_INTERVAL_LEVEL,
        metavar="P",
        help="coverage of the reported intervals of both pooled scores and the gap, in (0, 1) "
        "(default 0.95; a block bootstrap over frames, reported only: the grade does not use it)",
    )
    p.add_argument(
        "--replicates",
        type=int,
        default=DEFAULT_REPLICATES,
        metavar="N",
        help="bootstrap replicates of those intervals, 100 to 1000000 "
        f"(default {DEFAULT_REPLICATES})",
    )
    p.add_argument(
        "--plot",
        metavar="PNG",
        help="draw default and NEG per frame, gap shaded, frames above their own ceiling "
        "marked (needs matplotlib)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="check VMAF logs for enhancement gain (a CI gate: exit 0 clean/borderline/"
        "uncalibrated, 1 flagged)",
        description="Read libvmaf logs (JSON, XML or CSV from the vmaf tool, FFmpeg's libvmaf "
        "filter or pyvmafneg) or ffmpeg-quality-metrics logs (JSON or CSV, one VMAF model per "
        "run) holding default VMAF and VMAF-NEG, in one log or one model per log, and grade "
        "them clean, borderline, uncalibrated or flagged with the evidence that fired: the gap "
        "(default - NEG) against what honest encodes of the same quality show, frames above "
        "their own ceiling, where the credit comes from. Says on stderr which tool wrote each "
        "log. Exit status: 0 clean, uncalibrated or borderline (1 with --strict), 1 flagged, 2 "
        "unusable input (including scores no model can produce and logs of different model "
        "families).",
    )
    p.add_argument("logs", nargs="+", metavar="LOG", help="one log with both models, or two logs")
    add_gate_options(p)
    p.add_argument("--json", action="store_true", help="print the report as JSON (for machines)")
    p.add_argument("--default-key", metavar="KEY", help="metric name of the default model score")
    p.add_argument("--neg-key", metavar="KEY", help="metric name of the NEG model score")
    p.add_argument(
        "--baseline",
        metavar="LOG",
        help="a log of another encode of the same frames of the same source (with psnr_y and "
        "float_ssim, as this one): report a possible residual gain when NEG rises while PSNR-Y "
        "and SSIM fall",
    )
    p.add_argument(
        "--neg-log",
        type=int,
        choices=[1, 2],
        help="with two logs, which one holds NEG (default: detected from names and features)",
    )
    p.add_argument(
        "--reference",
        metavar="VIDEO",
        help="the reference video the log scored (with --distorted): adds the frame evidence, "
        "how much of the reference's detail the encode keeps per band, which tells sharpening "
        "and contrast from blocking and noise (about 6 ms per 720p frame, on at most 48 frames "
        "spread evenly); raw YUV videos take --width/--height (and --pixel-format/--bitdepth) "
        "as in score",
    )
    p.add_argument(
        "--distorted", metavar="VIDEO", help="the encode the log scored (with --reference)"
    )
    add_geometry_arguments(p)
    p.add_argument(
        "--scale",
        default=DEFAULT_SCALER,
        metavar="ALGORITHM",
        help="with --reference/--distorted of different sizes, the scaler the log was scored "
        f"with (default {DEFAULT_SCALER}, as pyvmafneg score)",
    )
    p.set_defaults(func=run)


def emit(
    result: Result,
    args: argparse.Namespace,
    *,
    clipped: bool | None | str = "auto",
    sources: list[str] | None = None,
    as_json: bool = False,
    baseline: Result | None = None,
    videos: tuple[str | VideoSource, str | VideoSource] | None = None,
    projection: Projection | None = None,
) -> CheckReport:
    """Run the checker on ``result``, print the report and draw the plot if asked."""
    from ..verdict._check import check

    report = check(
        result,
        threshold=args.threshold,
        borderline=args.borderline,
        floor=args.floor,
        clipped=clipped,  # type: ignore[arg-type]
        strict=args.strict,
        sources=sources or [],
        baseline=baseline,
        name_option=flag,
        level=args.interval_level,
        replicates=args.replicates,
        videos=videos,
        scale=None if getattr(args, "scale", None) == "none" else getattr(args, "scale", None),
        projection=projection,
    )
    if args.plot:
        draw_plot(result, report, args)
    if as_json:
        sys.stdout.write(report.to_json())
    else:
        print(report.to_text(per_frame=args.per_frame))
    return report


def draw_plot(result: Result, report: CheckReport, args: argparse.Namespace) -> None:
    """Draw ``--plot`` with the frames' own ceilings from the check's ``report``."""
    from ..results._plot import plot_result

    path = plot_result(
        result,
        args.plot,
        threshold=report.threshold if report.rule is None else report.rule.threshold,
        ceiling=report.ceiling,
        ceiling_margin=report.ceiling_margin,
    )
    print(f"plot written to {path}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from ..errors import LogFormatError, OptionError
    from ..results._logs import load_logs

    if bool(args.reference) != bool(args.distorted):
        raise OptionError(
            "--reference and --distorted go together: give both videos the log scored, or neither"
        )
    given = [k for k in ("width", "height", "pixel_format", "bitdepth") if getattr(args, k)]
    if given and not args.reference:
        flags = "/".join(f"--{k.replace('_', '-')}" for k in given)
        raise OptionError(
            f"{flags} describe raw YUV videos: give them with --reference and --distorted"
        )
    if len(args.logs) > 2:
        raise LogFormatError(
            f"{len(args.logs)} logs were given; give one log holding both models, or two "
            "logs (default and NEG)"
        )
    if args.plot:
        from ..results._plot import check_plot_path

        check_plot_path(args.plot)
    loaded = load_logs(
        args.logs, default_key=args.default_key, neg_key=args.neg_key, neg_log=args.neg_log
    )
    for line in loaded.describe():
        print(f"pyvmafneg check: read {line}", file=sys.stderr)
    sources = list(dict.fromkeys(str(p) for p in args.logs))
    baseline = None
    if args.baseline:
        baseline = load_logs([args.baseline]).result
    report = emit(
        loaded.result,
        args,
        clipped=loaded.clipped,
        sources=sources,
        as_json=args.json,
        baseline=baseline,
        videos=_open_videos(args),
    )
    return report.exit_code


def _open_videos(args: argparse.Namespace) -> tuple[VideoSource, VideoSource] | None:
    """The videos of ``--reference``/``--distorted``, raw YUV with the geometry flags as
    ``score`` opens them; None without them. Doubts and ignored flags are warned on stderr."""

    def warn(text: str) -> None:
        print(f"pyvmafneg check: warning: {text}", file=sys.stderr)

    if not args.reference:
        return None
    ref = open_input(args, args.reference, doubt=warn)
    dis = open_input(args, args.distorted, doubt=warn)
    for text in ignored_geometry(args, ref, dis):
        warn(text)
    return ref, dis
