"""``pyvmafneg score``: score a distorted video against its reference."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import backend_names
from .._defaults import (
    DEFAULT_BORDERLINE,
    DEFAULT_INTERVAL_LEVEL,
    DEFAULT_REPLICATES,
    GAIN_LIMIT_RANGE,
    LOG_FORMATS,
)
from ..errors import LogFormatError, OutputFileError
from ._advice import flag
from .check import add_gate_options, draw_plot, emit
from .common import (
    add_input_arguments,
    add_prepare_arguments,
    count,
    ignored_geometry,
    open_input,
)

if TYPE_CHECKING:  # the scoring machinery is imported when the command runs
    from .. import Result, VideoSource
    from ._progress import Progress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score",
        help="score DISTORTED against REFERENCE with default VMAF and VMAF-NEG",
        description="Score a distorted video against its reference. Inputs may be Y4M, raw "
        "YUV (give --width/--height) or anything FFmpeg decodes (mp4, mkv, webm, ivf ...). "
        "With no --model, scores vmaf_v0.6.1 (as 'vmaf') and vmaf_v0.6.1neg (as 'vmaf_neg') "
        "in one pass and reports the gap between them. With --check, exits 0 clean / 1 "
        "flagged like 'pyvmafneg check'.",
    )
    add_input_arguments(p, many=True)
    p.add_argument(
        "-m",
        "--model",
        action="append",
        metavar="MODEL",
        help="model to score with, repeatable: a built-in name or JSON path, optionally "
        "followed by :name=KEY, :vif_enhn_gain_limit=X, :adm_enhn_gain_limit=X, or :egl=X "
        "for both limits at once (X in "
        f"[{GAIN_LIMIT_RANGE[0]:g},{GAIN_LIMIT_RANGE[1]:g}]; e.g. vmaf_v0.6.1:egl=1.5). "
        "Default: vmaf_v0.6.1:name=vmaf and vmaf_v0.6.1neg:name=vmaf_neg",
    )
    p.add_argument(
        "--feature",
        action="append",
        metavar="NAME",
        help="also compute this libvmaf metric in the same pass, repeatable: psnr, ssim, "
        "ms_ssim, ciede, cambi, psnr_hvs, with libvmaf options as NAME:KEY=VALUE (e.g. "
        "cambi:full_ref=true); pooled in the report, per frame in the log",
    )
    p.add_argument(
        "--backend",
        choices=backend_names(),
        default=None,
        help="libvmaf in-process, FFmpeg's libvmaf filter, the NumPy reference, or the native "
        "engine (libvmaf's numbers, NEG from the same filtering pass). Default: native when it "
        "is built and no --libvmaf is given: it computes what it can (v0.6.1 models, psnr, ssim, "
        "ms_ssim) and libvmaf the rest in the same pass; "
        "--segments choose the same way",
    )
    p.add_argument(
        "--ffmpeg",
        metavar="PATH",
        help="FFmpeg executable for --backend ffmpeg (default: imageio-ffmpeg's)",
    )
    p.add_argument(
        "--threads",
        type=count(0),
        default=None,
        help="libvmaf worker threads (default: the CPUs this process may use, at most 8; "
        "0 scores on the calling thread; with --segments, per worker, and at least one)",
    )
    p.add_argument(
        "--subsample", type=count(1), default=1, help="score every N-th frame (default 1)"
    )
    p.add_argument(
        "--no-clip",
        action="store_true",
        help="do not clip scores at 100 (every frame can then be tested against its own ceiling)",
    )
    p.add_argument(
        "--transform",
        choices=["model", "on", "off"],
        default="model",
        help="score transform: the model's own setting (default), forced on, or off",
    )
    p.add_argument(
        "--frames",
        type=count(1),
        metavar="N",
        help="score only the first N frames of both videos (the common prefix when their "
        "lengths differ)",
    )
    add_prepare_arguments(p)
    bc = p.add_argument_group(
        "broadcast inputs",
        "interlaced sources, other frame rates and letterboxed encodes, filtered in-process "
        "with FFmpeg's own filters (bwdif/yadif, fps, crop) as a hand-written -vf would",
    )
    bc.add_argument(
        "--deinterlace",
        choices=["auto", "off", "bwdif", "yadif"],
        default="auto",
        help="auto (default): deinterlace with bwdif each video whose stream is interlaced, "
        "in its field order; bwdif or yadif: deinterlace both videos with that filter; "
        "off: score the frames as stored",
    )
    bc.add_argument(
        "--fps",
        default="off",
        metavar="auto|off|N/D",
        help="frame-rate conversion with FFmpeg's fps filter (frames dropped or repeated): auto "
        "converts the reference to the distorted rate when they differ by a simple ratio "
        "(50 and 25, 59.94 and 29.97); N/D converts both to that rate; off (default) pairs "
        "frames by position",
    )
    bc.add_argument(
        "--crop",
        metavar="W:H:X:Y|detect",
        help="crop the distorted video (a letterboxed encode) to W x H at X,Y before scaling, "
        "as FFmpeg's crop filter; detect: the window FFmpeg's cropdetect finds in the whole "
        "video (read once more for it)",
    )
    p.add_argument(
        "--model-intervals",
        action="store_true",
        help="also score each model's bootstrapped twin (vmaf_b_v0.6.3, its NEG twin for "
        "vmaf_neg) and print its 95%% interval: the model's own uncertainty, from 20 SVMs "
        "trained on resamples of its training data",
    )
    p.add_argument("-o", "--output", metavar="PATH", help="write the per-frame log here")
    p.add_argument(
        "--output-dir",
        metavar="DIR",
        help="with several -d: write each encode's log here, named after its file "
        "(ENCODE.json, or --format's suffix)",
    )
    p.add_argument(
        "--format",
        choices=list(LOG_FORMATS),
        help="log format (default: from the output's suffix, else json)",
    )
    p.add_argument("--libvmaf", metavar="PATH", help="use this libvmaf shared library")
    p.add_argument(
        "--check",
        action="store_true",
        help="run the enhancement-gain check on the scores (exit 1 when flagged)",
    )
    add_gate_options(p)
    p.add_argument(
        "--json",
        action="store_true",
        help="print JSON on stdout: the check report with --check, else the per-frame log",
    )
    seg = p.add_argument_group(
        "segments",
        "score one long pair as contiguous frame ranges in parallel; the stitched result "
        "equals one uninterrupted run, frame for frame",
    )
    split = seg.add_mutually_exclusive_group()
    split.add_argument(
        "--segments", type=count(1), metavar="N", help="split the title into N segments"
    )
    split.add_argument(
        "--segment-frames", type=count(1), metavar="K", help="split into segments of K frames"
    )
    seg.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run segments on Dask: tcp://HOST:PORT of a running scheduler, or 'local' for a "
        "LocalCluster (default: worker processes on this machine)",
    )
    seg.add_argument(
        "--workers",
        type=count(1),
        metavar="N",
        help="parallel segments on this machine, or the LocalCluster size (default: one per CPU)",
    )
    seg.add_argument(
        "--store",
        metavar="PATH",
        help="result store of finished segments, reused when a run is repeated or resumed "
        "(default: segments.jsonl in $XDG_CACHE_HOME/pyvmafneg or ~/.cache/pyvmafneg)",
    )
    seg.add_argument(
        "--no-store", action="store_true", help="keep no finished segments (no resuming)"
    )
    seg.add_argument(
        "--rehash",
        action="store_true",
        help="hash the inputs' whole content again instead of trusting the store's hash cache",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or warnings")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Word the flags as :func:`pyvmafneg.score` keywords, score, word the result."""
    from .. import parse_model, score
    from .._score import default_segment_store
    from ._progress import Progress

    models = [parse_model(m) for m in args.model] if args.model else None
    refuse_conflicts(args)
    if args.store is not None:  # a store given by name: its folder must exist, as for a log
        from .._outputs import check_output_file

        check_output_file(args.store, "--store")
    if args.check:  # the check's interval settings, before anything is scored
        from ..results._intervals import check_bootstrap

        check_bootstrap(args.interval_level, args.replicates)
    if len(args.distorted) > 1 or args.output_dir:
        return _run_many(args, models)
    args.distorted = args.distorted[0]
    check_outputs(args)
    segmented = bool(args.segments or args.segment_frames)
    # Interlaced Y4M is opened when it will be deinterlaced (in one pass or in segments).
    interlaced = args.deinterlace != "off"
    ref = _open(args, args.reference, interlaced=interlaced)
    dis = _open(args, args.distorted, interlaced=interlaced)
    if not args.quiet:
        for text in ignored_geometry(args, ref, dis):
            print(f"pyvmafneg score: warning: {text}", file=sys.stderr)
    converted = args.fps != "off"  # the scored frames are not the file's
    total = args.frames if args.frames is not None or converted else ref.frame_count
    bar = Progress(total, enabled=False if args.quiet else None)
    if bar.enabled and total is None and not converted:
        # Matroska/WebM do not record a length: count packets so the bar has an ETA.
        bar.total = ref.count_frames()
    store = args.store  # a store given without segments is refused by pyvmafneg.score
    if segmented:
        store = None if args.no_store else (args.store or default_segment_store())
    report = _SegmentReport(args, bar, store)
    tap = _evidence_tap(args, ref, dis, segmented)
    try:
        with _said_by_the_library(args), _gathering(tap):
            result = score(
                ref,
                dis,
                models,
                **_run_options(args, bar),
                library=args.libvmaf,
                ffmpeg=args.ffmpeg,
                segments=args.segments,
                segment_frames=args.segment_frames,
                scheduler=args.scheduler,
                workers=args.workers,
                store=store,
                rehash=args.rehash,
                on_segment=report.segment if segmented else None,
                on_run=report.run if segmented else None,
                sync=args.sync,
                deinterlace=args.deinterlace,
                fps=args.fps,
                crop=args.crop,
                model_intervals=args.model_intervals,
            )
    finally:
        bar.close()
    return _finish(result, args, tap)


def _gathering(tap: Any) -> AbstractContextManager[Any]:
    if tap is None:
        return nullcontext()  # no NumPy for a run without the check
    from ..verdict._projection import gathering

    return gathering(tap)


def _converted(args: argparse.Namespace) -> list[str]:
    """The flags that make the scored frames other than the files' frames paired plainly."""
    return [
        flag
        for flag, on in (
            ("--sync", args.sync),
            ("--fps", args.fps != "off"),
            ("--crop", args.crop),
            ("--deinterlace", args.deinterlace in ("bwdif", "yadif")),
        )
        if on
    ]


def _evidence_tap(
    args: argparse.Namespace, ref: VideoSource, dis: VideoSource, segmented: bool
) -> Any:
    """What gathers the check's frame evidence while the pair is scored (from the frames as
    scored), or None where it does not: no check with the calibrated rule, segments, frames
    other than the files' (the evidence is then not gathered), or what
    :func:`~pyvmafneg.verdict._projection.evidence_tap` refuses. Where the run shows the
    tap no pairs (FFmpeg), the evidence is measured from the videos after it, as without."""
    from ..verdict._projection import evidence_tap

    if not args.check or args.threshold is not None or segmented or _converted(args):
        return None
    return evidence_tap(
        ref, dis, frames=args.frames, offset=args.offset or 0, subsample=args.subsample or 1
    )


def _run_many(args: argparse.Namespace, models: list | None) -> int:
    """Several encodes against one reference (``score_many``): one log and one line each."""
    from .. import score_many
    from .._outputs import check_output_dir, check_output_file, make_output_dir, real_path
    from ..errors import OptionError

    alone = [
        flag
        for flag, given in (
            ("--output", args.output),
            ("--check", args.check),
            ("--plot", args.plot),
            ("--json", args.json),
            ("--segments", args.segments or args.segment_frames or args.scheduler),
            ("--sync", args.sync),
        )
        if given
    ]
    if alone:
        raise OptionError(
            f"{', '.join(alone)} score one encode; with several -d give --output-dir for the logs"
        )
    fmt = (args.format or "json").lower()
    if fmt not in LOG_FORMATS:
        raise LogFormatError(f"--format {fmt!r}: use json, xml or csv")
    outputs: list[Path | None] = [None] * len(args.distorted)
    if args.output_dir:
        out_dir = check_output_dir(args.output_dir, "--output-dir")
        outputs = [out_dir / f"{Path(d).stem}.{fmt}" for d in args.distorted]
        names = [p.name for p in outputs if p is not None]
        if len(set(names)) != len(names):
            raise OutputFileError(
                f"--output-dir: two encodes share a file name ({', '.join(names)}); their logs "
                "would overwrite each other"
            )
        inputs = {real_path(x) for x in (args.reference, *args.distorted)}
        for out in outputs:
            assert out is not None
            if real_path(out) in inputs:
                raise OutputFileError(f"{out} is one of the videos; writing there would destroy it")
            if out_dir.is_dir():
                check_output_file(str(out), "--output-dir")
    interlaced = args.deinterlace != "off"  # an interlaced Y4M is opened to be deinterlaced
    ref = _open(args, args.reference, interlaced=interlaced)
    encodes = [_open(args, d, interlaced=interlaced) for d in args.distorted]
    transform = {"model": None, "on": True, "off": False}[args.transform]
    results = score_many(
        ref,
        encodes,
        models,
        backend=args.backend,
        threads=args.threads,
        subsample=args.subsample,
        clip=not args.no_clip,
        transform=transform,
        frames=args.frames,
        scale=args.scale,
        size=args.size,
        offset=args.offset,
        features=args.feature,
        convert_bitdepth=args.convert_bitdepth,
        library=args.libvmaf,
        ffmpeg=args.ffmpeg,
        model_intervals=args.model_intervals,
        deinterlace=args.deinterlace,
        fps=args.fps,
        crop=args.crop,
    )
    from ..results._logs import write_log

    if args.output_dir:
        make_output_dir(args.output_dir, "--output-dir")
    for path, out, result in zip(args.distorted, outputs, results, strict=True):
        if out is not None:
            write_log(result, out, fmt)
        shown = [f"{k} {result.pooled(k).mean:.2f}" for k in result.scores]
        if result.has_gap:
            shown.append(f"gap {result.pooled_gap:+.2f}")
        where = f" -> {out}" if out is not None else ""
        print(f"{path}: {len(result)} frames ({result.backend}): {', '.join(shown)}{where}")
    return 0


def _open(args: argparse.Namespace, path: str, *, interlaced: bool = False) -> VideoSource:
    """:func:`~.common.open_input`, a doubt about a raw file's layout printed as one line."""

    def doubt(text: str) -> None:
        if not args.quiet:
            print(f"pyvmafneg score: warning: {text}", file=sys.stderr)

    return open_input(args, path, doubt=doubt, interlaced=interlaced)


def _run_options(args: argparse.Namespace, bar: Progress) -> dict[str, Any]:
    """The keywords a whole run and a segmented one take alike, from the flags."""
    return {
        "backend": args.backend,
        "threads": args.threads,
        "subsample": args.subsample,
        "clip": not args.no_clip,
        "transform": {"model": None, "on": True, "off": False}[args.transform],
        "frames": args.frames,
        "progress": bar,
        "scale": args.scale,
        "size": args.size,
        "offset": args.offset,
        "features": args.feature,
        "convert_bitdepth": args.convert_bitdepth,
    }


@contextmanager
def _said_by_the_library(args: argparse.Namespace) -> Iterator[None]:
    """Print what :func:`pyvmafneg.score` says it does to the pair (its logger), one line each."""
    logger = logging.getLogger("pyvmafneg")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LibraryWords())
    if args.quiet:  # the offset --sync found is printed all the same
        handler.addFilter(lambda record: hasattr(record, "sync"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


class _LibraryWords(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        kind = "warning: " if record.levelno >= logging.WARNING else ""
        return f"pyvmafneg score: {kind}{record.getMessage()}"


class _SegmentReport:
    """Words a segmented run: one line per finished segment (where no bar is drawn), a summary."""

    def __init__(self, args: argparse.Namespace, bar: Progress, store: str | None) -> None:
        self.args, self.bar, self.store = args, bar, store
        self.started = time.perf_counter()
        self.done = [0, 0]  # frames done, frames scored in this run

    def segment(self, row: dict) -> None:
        frames = row["stop"] - row["start"]
        self.done[0] += frames
        if not row.get("reused"):
            self.done[1] += frames
        if self.args.quiet or self.bar.enabled:
            return
        where = "taken from the store"
        if not row.get("reused"):
            fps = self.done[1] / max(time.perf_counter() - self.started, 1e-9)
            where = f"scored on {row.get('worker')}, {fps:.1f} frames/s so far"
        total = f"/{self.bar.total}" if self.bar.total else ""
        print(
            f"segment {row['segment']} (frames {row['start']}..{row['stop'] - 1}) {where}; "
            f"{self.done[0]}{total} frames done",
            file=sys.stderr,
        )

    def run(self, run: Any) -> None:
        """The summary of a :class:`pyvmafneg.segments.SegmentRun`."""
        if self.args.quiet:
            return
        self.bar.close()
        text = f"{len(run.segments)} segments: {len(run.scored)} scored on {run.where}"
        if not run.scored:
            text = f"{len(run.segments)} segments: all"
        if run.reused:
            text += f"{', ' if run.scored else ' '}{len(run.reused)} reused from {self.store}"
        print(text, file=sys.stderr)
        for index, what in sorted(run.retried.items()):
            print(f"pyvmafneg score: segment {index}: {what}", file=sys.stderr)


def refuse_conflicts(args: argparse.Namespace) -> None:
    """Refuse flags that contradict each other, or that only the command line has.

    The rest (``--workers``/``--store`` without segments, ``--libvmaf`` or
    ``--ffmpeg`` with them) :func:`pyvmafneg.score` refuses itself.
    """
    from ..errors import OptionError

    if args.store is not None and args.no_store:
        raise OptionError("--store and --no-store contradict each other; give one of them")
    if not args.check:
        # The check's own settings: without --check they would be silently ignored (the
        # summary's intervals are 95% ones from the default replicates).
        ignored = [
            name
            for name, given in (
                ("--strict", args.strict),
                ("--per-frame", args.per_frame),
                ("--interval-level", args.interval_level != DEFAULT_INTERVAL_LEVEL),
                ("--replicates", args.replicates != DEFAULT_REPLICATES),
                # --plot marks the frames the check's rule flags
                ("--threshold", args.threshold is not None and not args.plot),
                ("--borderline", args.borderline != DEFAULT_BORDERLINE and not args.plot),
                ("--floor", args.floor is not None and not args.plot),
            )
            if given
        ]
        if ignored:
            raise OptionError(
                f"{', '.join(ignored)} set{'s' if len(ignored) == 1 else ''} up the "
                "enhancement-gain check; give --check as well, or leave "
                f"{'it' if len(ignored) == 1 else 'them'} out"
            )
    if not (args.segments or args.segment_frames):
        for flag, given in (("--no-store", args.no_store), ("--rehash", args.rehash)):
            if given:
                raise OptionError(
                    f"{flag} applies to scoring in segments; give --segments N or "
                    "--segment-frames K as well, or leave it out"
                )


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse a log or plot path that cannot be written before anything is scored."""
    from .._outputs import check_output_file, real_path
    from ..results._plot import check_plot_path

    for option, out in (("--output", args.output), ("--plot", args.plot)):
        for role, src in (("reference", args.reference), ("distorted", args.distorted)):
            if out and real_path(out) == real_path(src):
                raise OutputFileError(
                    f"{option} {out!r} is the {role} video; writing there would destroy it: "
                    "give another path"
                )
    if args.output is not None:
        fmt = (args.format or Path(args.output).suffix.lstrip(".") or "json").lower()
        if fmt not in LOG_FORMATS:
            raise LogFormatError(
                f"--output {args.output!r}: unknown log format {fmt!r}; name the file *.json, "
                "*.xml or *.csv, or say the format with --format"
            )
        check_output_file(args.output, "--output")
    if args.plot is not None:
        check_plot_path(args.plot)


def _frame_evidence(result: Result, args: argparse.Namespace, tap: Any = None) -> Any:
    """The check's frame evidence (projection gains) of the pair as scored, or None (said on
    stderr) when the scored frames are not the files' frames paired plainly.

    Gathered while the pair was scored where ``tap`` could (:func:`_evidence_tap`), else
    measured from the videos again (the same numbers)."""
    from ..verdict._projection import evidence_frames, measure_projection

    if args.threshold is not None:
        return None  # the plain gap rule does not use it
    converted = _converted(args)
    if converted:
        if not args.quiet:
            print(
                f"pyvmafneg score: frame evidence not gathered: {', '.join(converted)} changes "
                "the frames scored; the check uses the gap rule alone",
                file=sys.stderr,
            )
        return None
    gathered = None if tap is None else tap.projection(result.frames)
    if gathered is not None:
        return gathered
    interlaced = args.deinterlace != "off"  # opened as scored, to be told apart below
    ref = _open(args, args.reference, interlaced=interlaced)
    dis = _open(args, args.distorted, interlaced=interlaced)
    if {ref.field_order, dis.field_order} & {"tff", "bff"}:
        if not args.quiet:
            print(
                "pyvmafneg score: frame evidence not gathered: an input is interlaced; the "
                "check uses the gap rule alone",
                file=sys.stderr,
            )
        return None
    return measure_projection(
        ref,
        dis,
        scale=None if args.scale == "none" else args.scale,
        size=args.size,
        offset=args.offset or 0,
        convert_bitdepth=args.convert_bitdepth,
        only=evidence_frames(result.frames),  # frames scored, at most 48 spread evenly
    )


def _finish(result: Result, args: argparse.Namespace, tap: Any = None) -> int:
    from ..results._logs import write_log

    if args.output:
        path = write_log(result, args.output, args.format)
        print(f"log written to {path}", file=sys.stderr)
    if args.check:
        if not args.json:
            print(f"{len(result)} frames scored ({result.backend})")
            for line in result._model_interval_lines():
                print(line)
        report = emit(
            result,
            args,
            sources=[args.reference, args.distorted],
            as_json=args.json,
            projection=_frame_evidence(result, args, tap),
        )
        return report.exit_code
    if args.plot:
        from ..verdict._check import check

        report = check(
            result,
            threshold=args.threshold,
            borderline=args.borderline,
            floor=args.floor,
            sources=[args.reference, args.distorted],
            name_option=flag,
        )  # for the frames' own ceilings; the verdict is printed with --check only
        draw_plot(result, report, args)
    if args.json:
        sys.stdout.write(result.to_json())
        return 0
    print(f"{len(result)} frames scored ({result.backend})")
    print(result.summary(flag))
    return 0
