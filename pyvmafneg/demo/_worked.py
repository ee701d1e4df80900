"""The worked comparison: default VMAF rewards enhancement, VMAF-NEG does not.

:func:`run_demo` builds a short clip with real camera motion from a natural
photograph that ships inside scikit-image, makes five versions of it, all
encoded with libx264 at the same CRF:

========== =================================================================
baseline   the clip as it is, encoded (the faithful version)
sharpen    unsharp mask, then encoded ("sharpen before encoding", in the
           style of an encoder tuned for VMAF)
heavy      strong unsharp mask, then encoded
histeq     global histogram equalisation, then encoded
contrast   contrast stretch around mid-grey, then encoded
========== =================================================================

Each is scored with real libvmaf against the untouched clip: default VMAF
(clipped and unclipped) and VMAF-NEG, in one pass per clipping mode. The
result is a :class:`DemoReport`: table rows, the two rankings, a verdict, and
the **cap curve**, the credit VIF and ADM give a pure contrast gain as it
grows, for the default feature (enhancement gain limit 100) and the NEG
feature (limit 1). Optionally the outputs (table, JSON, per-variant libvmaf
logs, the encoded streams and PNG figures) are written to a directory.

Nothing here needs the network: the image, libvmaf (from PyAV) and FFmpeg
(from imageio-ffmpeg) are all installed packages.
"""

from __future__ import annotations

import os
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from .._defaults import DEMO_IMAGE, DEMO_MAX_FRAMES, DEMO_OUT
from .._optional import matplotlib_agg
from .._outputs import check_output_dir, json_text, make_output_dir, save_figure, write_file
from ..engines._registry import score
from ..errors import OptionError
from ..io._frame import Frame
from ..io._y4m import write_y4m
from ..results._result import Result
from . import _enhance as enhance
from ._clips import natural_clip
from ._encode import x264_roundtrip

__all__ = [
    "FPS",
    "HONEST_GAP",
    "REFERENCE_FILE",
    "CapCurve",
    "DemoReport",
    "DemoRow",
    "cap_curve",
    "run_demo",
]

#: Image used by default: a low-contrast photograph, where enhancement pays most.
DEFAULT_IMAGE = DEMO_IMAGE
#: Output directory used by the command line when none is given.
DEFAULT_OUT = DEMO_OUT
#: Longest clip the demo builds (it holds every version in memory).
MAX_FRAMES = DEMO_MAX_FRAMES
#: Frame rate of the clip, its Y4M file and its encodes (frames per second).
FPS = 25
#: The reference clip, as Y4M, in the output directory.
REFERENCE_FILE = "reference.y4m"
#: Resolution of the per-frame and cap-curve figures (dots per inch): sharp when zoomed.
FIGURE_DPI = 200
#: Largest default-NEG gap (points) read as the usual honest spread.
HONEST_GAP = 3.0
#: A gap above this many points, with default up and NEG down against the baseline (the
#: same encode without the processing), means the default score rides on enhancement.
LARGE_GAP = 10.0
#: Contrast gains of the cap curve (1.0 = parity).
CAP_GAINS: tuple[float, ...] = tuple(np.round(np.arange(0.6, 1.41, 0.05), 2).tolist())
#: Features drawn on the cap curve: (libvmaf name, label).
CAP_FEATURES: tuple[tuple[str, str], ...] = (
    ("integer_vif_scale1", "VIF scale 1"),
    ("integer_adm2", "ADM2"),
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class VariantSpec:
    """One version of the clip: an enhancement (or none) applied before encoding.

    Attributes
    ----------
    key:
        Short identifier (file names, rankings).
    label:
        Text of the table's first column.
    recipe:
        What was done, in words, with parameters.
    prepare:
        Frames in, enhanced frames out (identity for the baseline).
    """

    key: str
    label: str
    recipe: str
    prepare: Callable[[list[Frame]], list[Frame]]


def _unchanged(frames: list[Frame]) -> list[Frame]:
    return frames


def demo_variants(crf: float = 23.0) -> tuple[VariantSpec, ...]:
    """The five versions of the worked comparison, baseline first.

    Enhancements act on luma only; every version is then encoded at ``crf``.
    """
    enc = f"x264 CRF {crf:g}"
    apply = enhance.apply_to_frames
    return (
        VariantSpec("baseline", f"{enc} (baseline)", f"no processing, {enc}", _unchanged),
        VariantSpec(
            "sharpen",
            f"sharpen + {enc}",
            f"unsharp mask sigma 1 px, amount 1.5, then {enc}",
            partial(apply, operation="unsharp", sigma=1.0, amount=1.5),
        ),
        VariantSpec(
            "heavy",
            f"heavy sharpen + {enc}",
            f"unsharp mask sigma 1.5 px, amount 3, then {enc}",
            partial(apply, operation="unsharp", sigma=1.5, amount=3.0),
        ),
        VariantSpec(
            "histeq",
            f"hist. equalise + {enc}",
            f"global histogram equalisation into [16, 235], then {enc}",
            partial(apply, operation="histeq"),
        ),
        VariantSpec(
            "contrast",
            f"contrast x1.2 + {enc}",
            f"contrast stretch, gain 1.2 around mid-grey, then {enc}",
            partial(apply, operation="contrast", gain=1.2),
        ),
    )


@dataclass(frozen=True)
class DemoRow:
    """Scores of one version, pooled as arithmetic means over frames.

    ``vmaf``/``vmaf_neg`` are clipped to [0, 100] per frame as libvmaf does by
    default; the ``*_unclipped`` fields come from a second run without
    clipping. ``gap`` is ``vmaf - vmaf_neg`` (clipped, as reported);
    ``gap_unclipped`` the same without clipping.
    """

    key: str
    label: str
    recipe: str
    kbps: float
    vmaf: float
    vmaf_unclipped: float
    vmaf_neg: float
    vmaf_neg_unclipped: float
    frames_above_100: int
    per_frame_vmaf: np.ndarray
    per_frame_neg: np.ndarray
    meaning: str = ""

    @property
    def gap(self) -> float:
        """Default minus NEG, clipped scores (points)."""
        return self.vmaf - self.vmaf_neg

    @property
    def gap_unclipped(self) -> float:
        """Default minus NEG without clipping (points)."""
        return self.vmaf_unclipped - self.vmaf_neg_unclipped

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "key": self.key,
            "label": self.label,
            "recipe": self.recipe,
            "kbps": self.kbps,
            "vmaf": self.vmaf,
            "vmaf_unclipped": self.vmaf_unclipped,
            "vmaf_neg": self.vmaf_neg,
            "vmaf_neg_unclipped": self.vmaf_neg_unclipped,
            "gap": self.gap,
            "gap_unclipped": self.gap_unclipped,
            "frames_above_100": self.frames_above_100,
            "meaning": self.meaning,
            "per_frame_vmaf_unclipped": [float(v) for v in self.per_frame_vmaf],
            "per_frame_vmaf_neg_unclipped": [float(v) for v in self.per_frame_neg],
        }


@dataclass(frozen=True)
class CapCurve:
    """Feature credit against contrast gain, default (limit 100) vs NEG (limit 1).

    Attributes
    ----------
    gains:
        Contrast gains applied to the clip (1 = parity), ascending.
    default, neg:
        libvmaf feature name -> pooled mean per gain; ``neg`` holds the
        ``*_egl_1`` twin of each feature under the same key.
    vmaf, vmaf_neg:
        Pooled unclipped model scores per gain.
    cap_fraction:
        Fraction of VIF scale-1 locations where the NEG cap acts, per gain,
        from the NumPy reference (:func:`pyvmafneg.engines.reference.vif_explain`),
        or None when the reference is not available.
    """

    gains: np.ndarray
    default: dict[str, np.ndarray]
    neg: dict[str, np.ndarray]
    vmaf: np.ndarray
    vmaf_neg: np.ndarray
    cap_fraction: np.ndarray | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out: dict[str, Any] = {
            "gains": [float(g) for g in self.gains],
            "default": {k: [float(x) for x in v] for k, v in self.default.items()},
            "neg": {f"{k}_egl_1": [float(x) for x in v] for k, v in self.neg.items()},
            "vmaf_unclipped": [float(x) for x in self.vmaf],
            "vmaf_neg_unclipped": [float(x) for x in self.vmaf_neg],
        }
        if self.cap_fraction is not None:
            out["vif_scale1_cap_fraction"] = [float(x) for x in self.cap_fraction]
        return out


@dataclass
class DemoReport:
    """Everything the demo measured, and where it put its files."""

    image: str
    frames: int
    width: int
    height: int
    crf: float
    preset: str
    libvmaf_version: str
    rows: list[DemoRow]
    identity_vmaf: float
    identity_vmaf_unclipped: float
    identity_neg: float
    motion: float
    cap: CapCurve | None = None
    out_dir: Path | None = None
    files: list[Path] = field(default_factory=list)
    elapsed: float = 0.0

    # -- rankings ---------------------------------------------------------------
    def row(self, key: str) -> DemoRow:
        """The row of one version by key."""
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(f"no version {key!r}; have {[r.key for r in self.rows]}")

    @property
    def baseline(self) -> DemoRow:
        """The faithful encode."""
        return self.row("baseline")

    @property
    def ranking_default(self) -> list[str]:
        """Keys best first by default VMAF (clipped; ties broken unclipped)."""
        rows = sorted(self.rows, key=lambda r: (r.vmaf, r.vmaf_unclipped), reverse=True)
        return [r.key for r in rows]

    @property
    def ranking_neg(self) -> list[str]:
        """Keys best first by VMAF-NEG (clipped; ties broken unclipped)."""
        rows = sorted(self.rows, key=lambda r: (r.vmaf_neg, r.vmaf_neg_unclipped), reverse=True)
        return [r.key for r in rows]

    @property
    def flipped(self) -> bool:
        """True when default ranks an enhanced version first and NEG the baseline."""
        return self.ranking_default[0] != "baseline" and self.ranking_neg[0] == "baseline"

    # -- words --------------------------------------------------------------------
    def table(self) -> str:
        """The worked comparison as aligned text (scores are pooled means)."""
        width = max(len(r.label) for r in self.rows)
        head = (
            f"{'encode':<{width}} {'kbps':>5} {'default VMAF':>12} {'(no clip)':>9} "
            f"{'VMAF-NEG':>8} {'gap':>6} {'(no clip)':>9}  what the gap tells you"
        )
        lines = [head, "-" * len(head)]
        for r in self.rows:
            lines.append(
                f"{r.label:<{width}} {r.kbps:>5.0f} {r.vmaf:>12.2f} {r.vmaf_unclipped:>9.2f} "
                f"{r.vmaf_neg:>8.2f} {r.gap:>6.2f} {r.gap_unclipped:>9.2f}  {r.meaning}"
            )
        return "\n".join(lines)

    def ranking_text(self) -> str:
        """Two lines: each model's ranking, best first."""

        def fmt(keys: list[str]) -> str:
            return "  ".join(f"{i}. {k}" for i, k in enumerate(keys, 1))

        return (
            f"default VMAF ranks: {fmt(self.ranking_default)}\n"
            f"VMAF-NEG ranks:     {fmt(self.ranking_neg)}"
        )

    def verdict(self) -> str:
        """A short paragraph saying what the numbers show."""
        base = self.baseline
        rank_def = self.ranking_default.index("baseline") + 1
        n = len(self.rows)
        top = self.row(self.ranking_default[0])
        enhanced = [r for r in self.rows if r.key != "baseline"]
        above = [r for r in enhanced if r.vmaf_unclipped > base.vmaf_unclipped]
        below_neg = [r for r in enhanced if r.vmaf_neg < base.vmaf_neg]
        if self.flipped:
            first = (
                f"The ranking flips. Default VMAF puts '{top.key}' first "
                f"({top.vmaf:.2f}, {top.vmaf_unclipped:.2f} unclipped) and the faithful "
                f"baseline {_ordinal(rank_def)} of {n}; VMAF-NEG puts the baseline first "
                f"({base.vmaf_neg:.2f})."
            )
        else:
            first = (
                f"No full ranking flip on this clip: default VMAF ranks the baseline "
                f"{_ordinal(rank_def)} of {n} and VMAF-NEG ranks "
                f"'{self.ranking_neg[0]}' first."
            )
        extra_bits = [100.0 * (r.kbps / base.kbps - 1.0) for r in enhanced if base.kbps > 0]
        second = (
            f" {len(above)} of {len(enhanced)} enhanced versions score above the baseline "
            f"under default VMAF; {len(below_neg)} of {len(enhanced)} score below it under "
            f"VMAF-NEG. The baseline's own gap is {base.gap_unclipped:.2f} points, the honest "
            f"spread; the enhanced versions' gaps ({_span(r.gap for r in enhanced)} points "
            f"clipped, {_span(r.gap_unclipped for r in enhanced)} unclipped) are credit "
            "default VMAF gives for enhancement and VMAF-NEG refuses."
        )
        if extra_bits:
            second += (
                f" At the same CRF the enhanced versions also cost "
                f"{_span(extra_bits, '{:+.0f}')} % bits."
            )
        return first + second

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the whole report."""
        return {
            "image": self.image,
            "frames": self.frames,
            "width": self.width,
            "height": self.height,
            "crf": self.crf,
            "preset": self.preset,
            "libvmaf_version": self.libvmaf_version,
            "motion2_mean": self.motion,
            "identity": {
                "vmaf": self.identity_vmaf,
                "vmaf_unclipped": self.identity_vmaf_unclipped,
                "vmaf_neg": self.identity_neg,
            },
            "rows": [r.as_dict() for r in self.rows],
            "ranking_default": self.ranking_default,
            "ranking_neg": self.ranking_neg,
            "flipped": self.flipped,
            "verdict": self.verdict(),
            "cap_curve": None if self.cap is None else self.cap.as_dict(),
            "elapsed_seconds": self.elapsed,
        }


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _span(values: Any, fmt: str = "{:.1f}") -> str:
    vals = list(values)
    if not vals:
        return "none"
    return f"{fmt.format(min(vals))} to {fmt.format(max(vals))}"


def explain_gap(row: DemoRow, baseline: DemoRow) -> str:
    """What a row's gap says, in a few words, relative to the baseline.

    The gap judged is the unclipped one (clipping at 100 hides credit). Up to
    :data:`HONEST_GAP` points is the usual honest spread. Enhancement is named
    only with the baseline's evidence for it (default up while NEG falls against
    the same encode without the processing): above :data:`LARGE_GAP` the default
    number rides on it; in between, part of it does. Otherwise the gap is only
    said to be large (honest very-low-rate encodes reach large gaps too). The
    detail compares each model's score with the baseline's (unclipped default,
    clipped NEG).
    """
    gap = row.gap_unclipped
    if row.key == baseline.key:
        if gap <= HONEST_GAP:
            return "honest spread: trust the default number"
        return "large gap on the plain encode (low rates reach it honestly)"
    detail = (
        f"default {row.vmaf_unclipped - baseline.vmaf_unclipped:+.1f}, "
        f"NEG {row.vmaf_neg - baseline.vmaf_neg:+.1f} vs baseline"
    )
    if gap <= HONEST_GAP:
        return f"honest spread: {detail}"
    rewarded = row.vmaf_unclipped > baseline.vmaf_unclipped and row.vmaf_neg < baseline.vmaf_neg
    if not rewarded:
        return f"large gap, no sign of enhancement against the baseline: {detail}"
    if gap <= LARGE_GAP:
        return f"part enhancement credit: {detail}"
    return f"rides on enhancement: {detail}"


def _pooled(result: Result, key: str) -> float:
    return result.pooled(key).mean


def cap_curve(
    frames: Sequence[Frame],
    *,
    gains: Sequence[float] = CAP_GAINS,
    threads: int = 0,
    reference_introspection: bool = True,
) -> CapCurve:
    """Score pure contrast gains of ``frames`` against themselves.

    A contrast gain ``g`` scales every local contrast by ``g``: below parity
    (g < 1) both the default feature and its NEG twin lose credit equally;
    above parity the default feature gains credit while the NEG twin stays at
    (or, for ADM, below) its parity value. Each gain is scored with real
    libvmaf; ``reference_introspection`` adds where the VIF cap acts from the
    NumPy reference.
    """
    gains_arr = np.asarray(sorted(float(g) for g in gains), dtype=np.float64)
    ref = list(frames)
    default: dict[str, list[float]] = {name: [] for name, _ in CAP_FEATURES}
    neg: dict[str, list[float]] = {name: [] for name, _ in CAP_FEATURES}
    vmaf: list[float] = []
    vmaf_neg: list[float] = []
    fractions: list[float] = []
    from ..engines.reference import vif_explain

    for g in gains_arr:
        dis = enhance.apply_to_frames(ref, "contrast", gain=float(g))
        res = score(ref, dis, clip=False, threads=threads)
        for name, _ in CAP_FEATURES:
            default[name].append(_pooled(res, name))
            neg[name].append(_pooled(res, f"{name}_egl_1"))
        vmaf.append(_pooled(res, "vmaf"))
        vmaf_neg.append(_pooled(res, "vmaf_neg"))
        if reference_introspection:
            ex = vif_explain(ref[0].luma, dis[0].luma, ref[0].bitdepth, 1.0)
            fractions.append(float(ex.cap_fraction_of_used[1]))
    return CapCurve(
        gains=gains_arr,
        default={k: np.asarray(v) for k, v in default.items()},
        neg={k: np.asarray(v) for k, v in neg.items()},
        vmaf=np.asarray(vmaf),
        vmaf_neg=np.asarray(vmaf_neg),
        cap_fraction=np.asarray(fractions) if reference_introspection else None,
    )


def run_demo(
    *,
    out_dir: str | os.PathLike[str] | None = DEFAULT_OUT,
    image: str = DEFAULT_IMAGE,
    frames: int = 24,
    width: int = 384,
    height: int = 256,
    pan: tuple[float, float] = (2.0, 1.0),
    zoom: float = 0.002,
    crf: float = 23.0,
    preset: str = "veryfast",
    figures: bool = True,
    cap_frames: int = 3,
    threads: int | None = None,
    progress: Progress | None = None,
) -> DemoReport:
    """Run the worked comparison and (optionally) write its outputs.

    Parameters
    ----------
    out_dir:
        Directory for the reference clip (``reference.y4m``, 25 fps, the
        clip every version is scored against), ``table.txt``, ``demo.json``,
        per-version libvmaf logs (``logs/*.json``), encoded streams
        (``streams/*.mkv``) and figures (``*.png``); created if missing. None
        writes nothing.
    image:
        A natural image from :data:`pyvmafneg.demo._clips.IMAGES`.
    frames, width, height:
        Clip length and frame size (8-bit 4:2:0).
    pan, zoom:
        Camera motion per frame (pixels, fractional zoom), so VMAF's motion
        feature is non-zero.
    crf, preset:
        libx264 settings shared by every version.
    figures:
        Draw the PNG figures (needs matplotlib; needs ``out_dir``).
    cap_frames:
        Frames of the clip used for the cap curve (each gain is a scoring run).
    threads:
        libvmaf threads; default: up to 4, by CPU count.
    progress:
        Called with a short message before each step.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    if not 2 <= frames <= MAX_FRAMES:
        raise OptionError(
            f"the demo clip needs at least 2 frames (motion needs a previous frame) and at most "
            f"{MAX_FRAMES} (every version is held in memory); got {frames}"
        )
    if not 0.0 <= float(crf) <= 51.0:
        raise OptionError(f"the CRF must be in [0, 51] (libx264's range); got {crf:g}")
    nthreads = min(4, os.cpu_count() or 1) if threads is None else int(threads)
    out = None if out_dir is None else check_output_dir(out_dir, "the demo's output directory")
    if figures and out is not None:
        _figure(1, 1, 1, 1)  # fail now, not after the scoring, when matplotlib is missing
    if out is not None:
        make_output_dir(out, "the demo's output directory")
        make_output_dir(out / "logs", "the demo's log directory")
        make_output_dir(out / "streams", "the demo's stream directory")
    files: list[Path] = []

    say(f"building a {frames}-frame {width}x{height} clip from '{image}'")
    ref = natural_clip(image, frames=frames, width=width, height=height, pan=pan, zoom=zoom)
    if out is not None:  # the reference the encodes are scored against, to score them again
        write_y4m(ref, out / REFERENCE_FILE, fps=FPS)
        files.append(out / REFERENCE_FILE)
    ident = score(ref, ref, clip=False, threads=nthreads)
    ident_clipped = score(ref, ref, clip=True, threads=nthreads)

    rows: list[DemoRow] = []
    results: dict[str, Result] = {}
    first_frames: dict[str, Frame] = {}
    for spec in demo_variants(crf):
        say(f"{spec.key}: {spec.recipe}")
        keep = None if out is None else out / "streams" / f"{spec.key}.mkv"
        enc = x264_roundtrip(spec.prepare(ref), crf=crf, preset=preset, fps=FPS, keep=keep)
        if keep is not None:
            files.append(keep)
        clipped = score(ref, enc.frames, clip=True, threads=nthreads)
        unclipped = score(ref, enc.frames, clip=False, threads=nthreads)
        results[spec.key] = unclipped
        first_frames[spec.key] = enc.frames[0]
        rows.append(
            DemoRow(
                key=spec.key,
                label=spec.label,
                recipe=spec.recipe,
                kbps=enc.kbps,
                vmaf=_pooled(clipped, "vmaf"),
                vmaf_unclipped=_pooled(unclipped, "vmaf"),
                vmaf_neg=_pooled(clipped, "vmaf_neg"),
                vmaf_neg_unclipped=_pooled(unclipped, "vmaf_neg"),
                frames_above_100=int(unclipped.frames_above("vmaf").size),
                per_frame_vmaf=unclipped["vmaf"].copy(),
                per_frame_neg=unclipped["vmaf_neg"].copy(),
            )
        )
    base = rows[0]
    rows = [_with_meaning(r, base) for r in rows]

    n_cap = max(2, min(cap_frames, frames))
    say(f"cap curve: {len(CAP_GAINS)} contrast gains on {n_cap} frames")
    cap = cap_curve(ref[:n_cap], threads=nthreads)

    report = DemoReport(
        image=image,
        frames=frames,
        width=width,
        height=height,
        crf=float(crf),
        preset=preset,
        libvmaf_version=ident.version,
        rows=rows,
        identity_vmaf=_pooled(ident_clipped, "vmaf"),
        identity_vmaf_unclipped=_pooled(ident, "vmaf"),
        identity_neg=_pooled(ident_clipped, "vmaf_neg"),
        motion=_pooled(ident, "integer_motion2"),
        cap=cap,
        out_dir=out,
        files=files,
    )
    if out is not None:
        for key, res in results.items():
            files.append(res.write(out / "logs" / f"{key}.json"))
        if figures:
            say("drawing figures")
            files.extend(draw_figures(report, ref, first_frames, out))
        report.elapsed = time.perf_counter() - t0
        write_file(
            out / "table.txt",
            header(report)
            + "\n\n"
            + report.table()
            + "\n\n"
            + report.ranking_text()
            + "\n\n"
            + textwrap.fill(report.verdict(), width=100)
            + "\n",
            "the demo's table",
        )
        files.append(out / "table.txt")
        write_file(out / "demo.json", json_text(report.as_dict()) + "\n", "demo.json")
        files.append(out / "demo.json")
    report.elapsed = time.perf_counter() - t0
    return report


def _with_meaning(row: DemoRow, base: DemoRow) -> DemoRow:
    return replace(row, meaning=explain_gap(row, base))


def header(report: DemoReport) -> str:
    """Two lines describing the clip and the settings."""
    return (
        f"clip: '{report.image}' (scikit-image), {report.frames} frames "
        f"{report.width}x{report.height} 4:2:0 8-bit, camera pan/zoom "
        f"(mean motion2 {report.motion:.2f}); libx264 {report.preset} CRF {report.crf:g}; "
        f"libvmaf {report.libvmaf_version}\n"
        f"reference vs itself: default {report.identity_vmaf:.2f} "
        f"({report.identity_vmaf_unclipped:.2f} unclipped), VMAF-NEG {report.identity_neg:.2f}"
    )


# -- figures (matplotlib is imported only here) -----------------------------------

_DEFAULT_COLOUR = "#d62728"
_NEG_COLOUR = "#1f77b4"


def _figure(width: float, height: float, rows: int, cols: int) -> tuple[Any, np.ndarray]:
    """A matplotlib Figure on the Agg canvas (no pyplot state) and its axes grid."""
    Figure, FigureCanvasAgg = matplotlib_agg("the demo's figures")
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig, fig.subplots(rows, cols, squeeze=False)


def draw_figures(
    report: DemoReport,
    reference: Sequence[Frame],
    first_frames: dict[str, Frame],
    out_dir: str | os.PathLike[str],
) -> list[Path]:
    """Write ``per_frame.png``, ``cap_curve.png`` and ``variants.png``; return paths."""
    out = Path(out_dir)
    paths = [draw_per_frame(report, out / "per_frame.png")]
    if report.cap is not None:
        paths.append(draw_cap_curve(report.cap, out / "cap_curve.png"))
    paths.append(draw_variants(report, reference[0], first_frames, out / "variants.png"))
    return paths


def draw_per_frame(report: DemoReport, path: str | os.PathLike[str]) -> Path:
    """Per-frame default (unclipped) vs NEG for each version, plus pooled bars."""
    n = len(report.rows)
    cols = 3
    rows = (n + 1 + cols - 1) // cols
    fig, axes = _figure(11, 3.1 * rows, rows, cols)
    flat = axes.ravel()
    lo = min(min(float(r.per_frame_neg.min()) for r in report.rows), 90.0)
    hi = max(max(float(r.per_frame_vmaf.max()) for r in report.rows), 100.0)
    for ax, r in zip(flat, report.rows, strict=False):
        x = np.arange(r.per_frame_vmaf.size)
        ax.axhline(100, color="0.6", lw=0.8, ls=":")
        ax.plot(x, r.per_frame_vmaf, color=_DEFAULT_COLOUR, lw=1.6, label="default (no clip)")
        ax.plot(x, r.per_frame_neg, color=_NEG_COLOUR, lw=1.6, ls="--", label="VMAF-NEG")
        ax.fill_between(x, r.per_frame_neg, r.per_frame_vmaf, color=_DEFAULT_COLOUR, alpha=0.08)
        ax.set_title(f"{r.key}: gap {r.gap_unclipped:.1f} (no clip)", fontsize=10)
        ax.set_ylim(lo - 3, hi + 3)
        ax.set_xlabel("frame", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    flat[0].set_ylabel("score")
    flat[0].legend(fontsize=8, loc="lower right")
    ax = flat[n]
    keys = [r.key for r in report.rows]
    pos = np.arange(n)
    ax.bar(
        pos - 0.2,
        [r.vmaf_unclipped for r in report.rows],
        0.4,
        color=_DEFAULT_COLOUR,
        label="default (no clip)",
    )
    ax.bar(pos + 0.2, [r.vmaf_neg for r in report.rows], 0.4, color=_NEG_COLOUR, label="VMAF-NEG")
    ax.axhline(
        report.baseline.vmaf_neg,
        color=_NEG_COLOUR,
        lw=0.8,
        ls="--",
        label=f"baseline's VMAF-NEG ({report.baseline.vmaf_neg:.1f})",
    )
    ax.axhline(100, color="0.6", lw=0.8, ls=":")
    ax.set_xticks(pos, keys, fontsize=8, rotation=20)
    ax.set_title("pooled means", fontsize=10)
    ax.tick_params(labelsize=8)
    # Head room above the tallest bar holds the legend, so it covers no bar.
    top = max(max(r.vmaf_unclipped, r.vmaf_neg) for r in report.rows)
    ax.set_ylim(0, max(top, 100.0) * 1.45)
    ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    for extra in flat[n + 1 :]:
        extra.set_visible(False)
    fig.suptitle(
        f"default VMAF vs VMAF-NEG per frame: '{report.image}', libx264 CRF {report.crf:g}",
        fontsize=11,
    )
    fig.tight_layout()
    p = Path(path)
    save_figure(fig, p, "a demo figure", dpi=FIGURE_DPI)
    return p


def draw_cap_curve(cap: CapCurve, path: str | os.PathLike[str]) -> Path:
    """Feature credit against contrast gain, default vs NEG, one panel per feature."""
    panels = len(CAP_FEATURES) + (1 if cap.cap_fraction is not None else 0)
    fig, axes = _figure(3.6 * panels, 3.2, 1, panels)
    for ax, (name, label) in zip(axes[0], CAP_FEATURES, strict=False):
        ax.axvline(1.0, color="0.5", lw=0.8, ls=":")
        ax.axhline(1.0, color="0.5", lw=0.8, ls=":")
        ax.plot(
            cap.gains,
            cap.default[name],
            "o-",
            ms=3,
            color=_DEFAULT_COLOUR,
            label="default (limit 100)",
        )
        ax.plot(cap.gains, cap.neg[name], "s--", ms=3, color=_NEG_COLOUR, label="NEG (limit 1)")
        ax.set_title(f"{label}: {name} vs {name}_egl_1", fontsize=9)
        ax.set_xlabel("contrast gain (1 = parity)", fontsize=9)
        ax.set_ylabel("feature credit", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")  # the curves rise to the right
    if cap.cap_fraction is not None:
        ax = axes[0][-1]
        ax.axvline(1.0, color="0.5", lw=0.8, ls=":")
        ax.plot(
            cap.gains,
            100 * cap.cap_fraction,
            "^-",
            ms=3,
            color="0.25",
            label="VIF scale 1 at limit 1 (NEG)",
        )
        ax.legend(fontsize=8, loc="upper left")
        ax.set_title("where the VIF cap acts (scale 1)", fontsize=9)
        ax.set_xlabel("contrast gain (1 = parity)", fontsize=9)
        ax.set_ylabel("% of locations capped", fontsize=9)
        ax.set_ylim(-3, 103)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(
        "the cap curve: equal credit below parity; above it default keeps gaining, NEG does not",
        fontsize=10,
    )
    fig.tight_layout()
    p = Path(path)
    save_figure(fig, p, "a demo figure", dpi=FIGURE_DPI)
    return p


def draw_variants(
    report: DemoReport,
    reference: Frame,
    first_frames: dict[str, Frame],
    path: str | os.PathLike[str],
) -> Path:
    """Centre crop (half width and height) of frame 0's luma, reference and versions."""
    tiles = [("reference", reference, "")]
    for r in report.rows:
        if r.key in first_frames:
            tiles.append(
                (
                    r.key,
                    first_frames[r.key],
                    f"default {r.vmaf_unclipped:.1f} / NEG {r.vmaf_neg:.1f}",
                )
            )
    cols = 3
    rows = (len(tiles) + cols - 1) // cols
    h, w = reference.shape
    rows_c, cols_c = slice(h // 4, h // 4 + max(1, h // 2)), slice(w // 4, w // 4 + max(1, w // 2))
    fig, axes = _figure(3.4 * cols, rows * (3.4 * h / w + 0.6), rows, cols)
    top = (1 << reference.bitdepth) - 1
    for ax, (name, frame, note) in zip(axes.ravel(), tiles, strict=False):
        ax.imshow(
            frame.luma[rows_c, cols_c], cmap="gray", vmin=0, vmax=top, interpolation="nearest"
        )
        ax.set_title(name if not note else f"{name}\n{note}", fontsize=9)
        ax.axis("off")
    for extra in axes.ravel()[len(tiles) :]:
        extra.set_visible(False)
    fig.suptitle(
        "frame 0, centre crop of luma (scores: clip means, default unclipped)", fontsize=10
    )
    fig.tight_layout()
    p = Path(path)
    save_figure(fig, p, "a demo figure", dpi=85, pil_kwargs={"optimize": True})
    return p
