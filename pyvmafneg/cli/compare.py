"""``pyvmafneg compare``: score a codec comparison, BD-rates under default and NEG, report.

Exit codes: 0 clean; 1 flagged (the winner flips between default VMAF and
VMAF-NEG, their BD-rates differ by more than the threshold, or an encode's
gap is above the threshold); 2 unusable input or pairs that failed to score.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .._defaults import DEFAULT_BD_REPLICATES
from .common import count

MANIFEST_HELP = """\
manifest format (TOML; paths relative to the manifest's folder):

  [comparison]                     # optional
  anchor = "x264 plain"            # series (codec + setting) to compare against
  models = ["vmaf_v0.6.1:egl=1.5"]  # more models; default VMAF and VMAF-NEG are always scored
  bd_method = "pchip"              # or "cubic" (VCEG-M33)
  scale = "bicubic"                # encodes of another size are scaled to their reference's
                                   # (lanczos, bilinear, neighbor, spline, area; "none" refuses)
  # size = "1920x1080"             # score every pair at this display size

  [[reference]]
  name = "chelsea"
  file = "refs/chelsea.y4m"        # raw .yuv: also width, height, pixel_format, bitdepth, fps

  [[encode]]
  reference = "chelsea"
  codec = "x264"
  setting = "plain"
  point = "crf28"
  file = "enc/chelsea-plain-crf28.mkv"
  # bitrate_kbps = 812.5           # default: file size * 8 / duration
  # frames = 240                  # score only the first 240 frames of both
  # scale = "lanczos"              # this encode's own scale (and size)
  # resolution = "854x480"         # checked against the file (read from it if left out)

PSNR-Y and SSIM are scored in the same pass, with BD-rates beside VMAF's.

Ladders: a series whose encodes come at several resolutions (rungs scaled back to the
reference) is compared by its convex hull; the hull under default VMAF and under VMAF-NEG
are shown side by side (hull_shift when they differ). --ladder-targets 200,400,800 lists the
hull encode nearest each bitrate under each model; --ladder-quality 80,90,95 each score.

Results are stored as each pair finishes (MANIFEST.results.jsonl by default); a rerun
skips pairs already scored. Try it: pyvmafneg compare --sample DIR --report DIR/report
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="score a codec comparison (manifest) in parallel; BD-rates under default and NEG",
        description=(
            "Score every encode of a comparison manifest against its reference with default\n"
            "VMAF and VMAF-NEG, PSNR-Y and SSIM: in parallel on this machine, or on a Dask\n"
            "cluster; encodes at another resolution are scaled to their reference's.\n"
            "\n"
            "Results are stored as they finish, so a rerun resumes. Then the BD-rate and\n"
            "BD-quality of every series against the anchor are computed under each metric,\n"
            "and rankings that rest on credit VMAF-NEG caps are flagged.\n"
            "\n"
            "Exit status: 0 clean, 1 flagged, 2 unusable input or failed pairs."
        ),
        epilog=MANIFEST_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("manifest", nargs="?", metavar="MANIFEST", help="comparison manifest (.toml)")
    p.add_argument(
        "--sample",
        metavar="DIR",
        help="build the sample comparison (3 sources x 2 x264 settings x 4 CRFs, and a "
        "two-rung ladder, from images shipped with scikit-image) in DIR and compare it",
    )
    p.add_argument("--store", metavar="JSONL", help="result store (default: next to the manifest)")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="score on a Dask cluster: tcp://host:port of a running scheduler, or 'local' "
        "for a LocalCluster on this machine (needs dask[distributed])",
    )
    p.add_argument(
        "--workers",
        type=count(1),
        metavar="N",
        help="pairs scored at once on this machine (default: one per CPU; 1 = in this process)",
    )
    p.add_argument(
        "--anchor", metavar="SERIES", help="series to compare against, e.g. 'x264 plain'"
    )
    p.add_argument(
        "--bd-method",
        choices=["pchip", "cubic"],
        help="BD interpolation: pchip (default, current practice) or cubic (VCEG-M33)",
    )
    p.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="MODEL",
        help="also score this model (repeatable; e.g. vmaf_v0.6.1:egl=1.5); default VMAF and "
        "VMAF-NEG are always scored",
    )
    p.add_argument("--report", metavar="DIR", help="write an HTML report with RD curves into DIR")
    p.add_argument(
        "--ladder-targets",
        metavar="KBPS,...",
        help="per source and series, the hull encode nearest each bitrate (kbps) under each "
        "model, e.g. 200,400,800,1600",
    )
    p.add_argument(
        "--ladder-quality",
        metavar="SCORE,...",
        help="per source and series, the hull encode whose score is nearest each target "
        "under each model, e.g. 80,90,95",
    )
    p.add_argument(
        "--csv",
        metavar="PATH",
        help="write one CSV row per encode to PATH, the BD table beside it (PATH's stem + "
        ".bd.csv) and, with --ladder-targets/--ladder-quality, the ladder (.ladder.csv)",
    )
    p.add_argument(
        "--interval-level",
        type=float,
        default=0.95,
        metavar="P",
        help="coverage of the BD-rate and BD-quality intervals, in (0, 1) (default 0.95; a "
        "bootstrap over frames and sources; a winner flip is reported only where the intervals "
        "under the two models do not overlap)",
    )
    p.add_argument(
        "--replicates",
        type=int,
        default=DEFAULT_BD_REPLICATES,
        metavar="N",
        help="bootstrap replicates of those intervals, 100 to 1000000 "
        f"(default {DEFAULT_BD_REPLICATES})",
    )
    p.add_argument("--json", action="store_true", help="print everything as JSON (for machines)")
    p.add_argument(
        "--no-retry", action="store_true", help="keep stored failures instead of retrying them"
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def _targets(text: str | None, flag: str) -> list[float]:
    """Comma-separated numbers of a --ladder-* flag."""
    from ..errors import OptionError

    if not text:
        return []
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise OptionError(
            f"{flag} takes comma-separated numbers, e.g. 200,400,800; got {text!r}"
        ) from None


def _sibling(path: str, suffix: str) -> str:
    """``rows.csv`` -> ``rows.bd.csv``."""
    import os

    stem, ext = os.path.splitext(path)
    return f"{stem}{suffix}{ext or '.csv'}"


def _refuse_inputs_as_outputs(args: argparse.Namespace, path: str) -> Any:
    """The manifest at ``path``, loaded; refuses a --csv file that is one of its inputs
    (the manifest, a video, the store), which writing the CSV would destroy."""
    from .._outputs import real_path
    from ..comparison._batch import default_store_path
    from ..comparison._manifest import load_manifest
    from ..errors import OutputFileError

    manifest = load_manifest(path)
    if not args.csv:
        return manifest
    inputs = {real_path(manifest.path): "the manifest"}
    inputs[real_path(args.store or default_store_path(manifest.path))] = "the result store"
    for name, clip in manifest.references.items():
        inputs.setdefault(real_path(clip.file), f"the video of reference {name!r}")
    for enc in manifest.encodes:
        inputs.setdefault(real_path(enc.clip.file), f"the encode {enc.series} {enc.point}")
    for out in (args.csv, _sibling(args.csv, ".bd"), _sibling(args.csv, ".ladder")):
        role = inputs.get(real_path(out))
        if role is not None:
            raise OutputFileError(
                f"--csv writes {out!r}, which is {role}; writing there would destroy it: "
                "give another path",
                path=out,
            )
    return manifest


def run(args: argparse.Namespace) -> int:
    from .._outputs import check_output_dir, check_output_file, json_text, write_file
    from ..comparison._analysis import GATING_FLAGS, to_csv, to_text
    from ..comparison._batch import run_comparison
    from ..errors import OptionError

    if bool(args.manifest) == bool(args.sample):
        raise OptionError("give a MANIFEST, or --sample DIR to build and compare the sample")
    kbps = _targets(args.ladder_targets, "--ladder-targets")
    quality = _targets(args.ladder_quality, "--ladder-quality")
    if args.csv is not None:
        check_output_file(args.csv, "--csv")
    if args.store is not None:
        check_output_file(args.store, "--store")
    if args.report is not None:
        check_output_dir(args.report, "--report folder")
    from ..results._intervals import check_bootstrap

    check_bootstrap(args.interval_level, args.replicates, default_replicates=DEFAULT_BD_REPLICATES)
    manifest = args.manifest
    if args.sample:
        from ..demo._sample_comparison import build_sample_comparison

        if not args.quiet:
            print(f"building the sample comparison in {args.sample} ...", file=sys.stderr)
        manifest = build_sample_comparison(args.sample)
    manifest = _refuse_inputs_as_outputs(args, manifest)
    try:
        outcome = run_comparison(
            manifest,
            store=args.store,
            scheduler=args.scheduler,
            workers=args.workers,
            anchor=args.anchor,
            method=args.bd_method,
            models=args.model,
            retry_failed=not args.no_retry,
            progress=not args.quiet,
            replicates=args.replicates,
            level=args.interval_level,
        )
    except KeyboardInterrupt:
        print(
            "pyvmafneg compare: interrupted; every finished pair is kept in the store, so "
            "running the same command again scores only the rest",
            file=sys.stderr,
        )
        return 130
    comparison = outcome.comparison
    if kbps or quality:
        comparison.suggest_ladder(kbps, quality)
    if args.csv:
        from ..comparison._analysis import to_bd_csv, to_ladder_csv

        write_file(args.csv, to_csv(comparison), "the CSV")
        write_file(_sibling(args.csv, ".bd"), to_bd_csv(comparison), "the BD CSV")
        if comparison.ladder:
            write_file(_sibling(args.csv, ".ladder"), to_ladder_csv(comparison), "the ladder CSV")
    report_path = None
    if args.report:
        from ..comparison._report import write_report

        report_path = write_report(comparison, args.report)
    if args.json:
        data = comparison.as_dict()
        data["run"] = {
            "scored": outcome.scored,
            "reused": outcome.reused,
            "failed": outcome.failed,
            "store": outcome.store,
            "seconds": round(outcome.seconds, 3),
        }
        sys.stdout.write(json_text(data) + "\n")
    else:
        print(to_text(comparison))
        print()
        print(
            f"scored {outcome.scored} pair(s), reused {outcome.reused} from {outcome.store} "
            f"in {outcome.seconds:.1f} s"
        )
        if report_path is not None:
            print(f"report: {report_path}")
    failed = [r for r in comparison.rows if not r.ok]
    if failed:
        print(
            f"pyvmafneg compare: {len(failed)} pair(s) failed (see FAILED rows); fix them and "
            "rerun: finished pairs are kept",
            file=sys.stderr,
        )
        return 2
    return 1 if any(f.kind in GATING_FLAGS for f in comparison.flags) else 0
