"""An HTML report of a codec comparison: default VMAF and VMAF-NEG side by side.

:func:`write_report` writes a directory that opens in any browser, offline:

- ``index.html``: one self-contained page (CSS inline, figures embedded as
  PNG data URIs, no JavaScript, nothing fetched from the network) with

  1. a summary: the anchor, each test series' average BD-rate under default
     VMAF and under VMAF-NEG side by side, and a callout for every winner
     flip and every default-vs-NEG BD-rate gap;
  2. rate-quality curves per source, a default VMAF panel and a VMAF-NEG
     panel on one y range, bitrate on a log axis;
  3. the BD table per source and averaged, flips highlighted, missing values
     shown as ``n/a`` with the reason;
  4. every encode with its scores, gap and status;
  5. every flag, grouped by kind;
  6. provenance: models, options, versions, BD method and thresholds.

- ``rd_<source>.png``: the same figures as image files;
- ``comparison.json``: :meth:`~pyvmafneg.comparison._analysis.Comparison.as_dict`.

matplotlib is optional (``pip install 'pyvmafneg[plot]'``): without it the
page is still written, without figures, and says so.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .._optional import matplotlib_agg
from .._outputs import json_text, make_output_dir, write_file
from ..errors import MissingDependencyError, OptionError
from ._analysis import AVERAGE, BDEntry, Comparison, EncodeRow, Flag

__all__ = ["draw_rd_curves", "rd_figure", "render_html", "write_report"]

#: Colour of the anchor's curve; test series cycle through :data:`_COLOURS`.
_ANCHOR_COLOUR = "#222222"
_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
_MARKERS = ("o", "^", "D", "v", "P", "X", "<", ">", "h", "*")

#: Flag kinds in the order the page lists them, with a heading and what they mean.
_KINDS: dict[str, tuple[str, str]] = {
    "winner_flip": (
        "Winner flips",
        "Default VMAF and VMAF-NEG disagree on which series needs fewer bits for the same "
        "quality, and their BD-rate intervals exclude zero on opposite sides: the default "
        "ranking rests on credit for gains above the reference that VMAF-NEG caps "
        "(enhancement earns such credit; so do some honest low-rate encodes: see each "
        "encode's check).",
    ),
    "flip_unresolved": (
        "Unresolved winner flips",
        "Default VMAF and VMAF-NEG lean to different winners, but a BD-rate's bootstrap "
        "interval (over frames and sources) reaches across zero: the ranking is not resolved "
        "by these frames and sources.",
    ),
    "bd_gap": (
        "Default vs NEG BD-rate gaps",
        "The BD-rate under VMAF-NEG differs from the BD-rate under default VMAF by more than "
        "the threshold: part of the default gain is credit that VMAF-NEG caps, not fidelity.",
    ),
    "hull_shift": (
        "Ladder hulls that differ between the models",
        "In a ladder (a series spanning resolutions), default VMAF and VMAF-NEG put different "
        "encodes on the convex hull, so a per-title ladder tuned on default VMAF would send "
        "other rungs at some bitrates than fidelity would choose.",
    ),
    "curve": (
        "Curves that could not be used",
        "A BD value needs at least four scored, monotonic rate points per curve and "
        "overlapping curves; these were left out, and the reason is given.",
    ),
    "encode_gap": (
        "Encodes with a large default − NEG gap",
        "The enhancement-gain check flagged these encodes (without a check: their pooled "
        "default − NEG gap is above the threshold). Each flag says what it measured and "
        "names enhancement only where its evidence fired: frames above their own ceiling, "
        "or a gap or fine detail beyond what honest encodes of the same quality show.",
    ),
}

_CSS = """
:root { --muted: #5f6368; --line: #d5d8dc; --flip: #f9d0cb; --flip-edge: #c0392b;
  --gap: #ffe8a8; --gap-edge: #b7791f; --high: #ffd7a1; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: #1b1b1b; margin: 0 auto; max-width: 1200px; padding: 24px 28px 48px; }
h1 { font-size: 1.6em; margin: 0 0 .25em; }
h2 { font-size: 1.3em; border-bottom: 2px solid var(--line); padding-bottom: .2em;
  margin: 2.2em 0 .6em; }
h3 { font-size: 1.05em; margin: 1.4em 0 .4em; }
p { margin: .4em 0 .8em; }
.sub, .muted { color: var(--muted); }
nav { margin: .6em 0 1.2em; font-size: .92em; }
nav a { margin-right: 1.1em; color: #1a5fb4; text-decoration: none; }
nav a:hover { text-decoration: underline; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
.callout { border-left: 6px solid; border-radius: 4px; padding: .65em 1em; margin: .6em 0; }
.callout.flip { background: #fdecea; border-color: var(--flip-edge); }
.callout.gap { background: #fff6e0; border-color: var(--gap-edge); }
.callout.ok { background: #eaf6ec; border-color: #2e7d32; }
.callout.note { background: #eef3fa; border-color: #4a6fa5; }
.tag { display: inline-block; font-weight: 700; font-size: .78em; letter-spacing: .04em;
  text-transform: uppercase; color: #fff; padding: .1em .5em; border-radius: 3px;
  margin-right: .6em; vertical-align: .1em; }
.callout.flip .tag, .tag.flip { background: var(--flip-edge); }
.callout.gap .tag, .tag.gap { background: var(--gap-edge); }
.scroll { overflow-x: auto; margin: .4em 0 .8em; }
table { border-collapse: collapse; font-size: .9em; }
th, td { border: 1px solid var(--line); padding: .3em .6em; vertical-align: top; }
thead th { background: #f1f3f4; font-weight: 600; text-align: center; vertical-align: middle; }
td[title] { cursor: help; }
table.bd td.num[title], table.summary td.num[title] { text-decoration: underline dotted #9aa0a6; }
thead th.series { font-size: 1.05em; }
th.grp, td.grp { border-left: 2px solid #9aa0a6; }
tbody th { text-align: left; font-weight: 600; background: #fafafa; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fbfbfb; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.flip { background: var(--flip); box-shadow: inset 0 0 0 2px var(--flip-edge);
  font-weight: 700; }
td.gap { background: var(--gap); box-shadow: inset 0 0 0 2px var(--gap-edge); }
td.high { background: var(--high); font-weight: 700; }
tr.avg th, tr.avg td { font-weight: 700; border-top: 3px double #888; }
.na { color: #80868b; font-style: italic; text-decoration: underline dotted; cursor: help; }
tr.failed td, tr.failed th { background: #fff1f1; }
tr.shift td { background: var(--gap); }
td.error { color: #8a1c1c; white-space: normal; min-width: 16em; }
.legend { font-size: .86em; color: #3c4043; margin: .3em 0 1em; }
.legend .item { display: inline-block; margin-right: 1.6em; }
.legend span.key { display: inline-block; width: 2.2em; height: 1em; vertical-align: -.15em;
  margin-right: .4em; border-radius: 2px; }
.callout ul { margin: .35em 0 .1em; padding-left: 1.3em; }
.key.flip { background: var(--flip); box-shadow: inset 0 0 0 2px var(--flip-edge); }
.key.gap { background: var(--gap); box-shadow: inset 0 0 0 2px var(--gap-edge); }
.key.high { background: var(--high); }
.dot { display: inline-block; width: .75em; height: .75em; border-radius: 50%;
  margin-right: .45em; vertical-align: -.02em; }
figure { margin: .8em 0 1.6em; }
figure img { max-width: 100%; height: auto; border: 1px solid #e3e3e3; }
figcaption { color: var(--muted); font-size: .88em; margin-top: .2em; }
ul.flags li, ul.notes li { margin: .2em 0; }
ul.notes { font-size: .9em; }
footer { margin-top: 3em; color: var(--muted); font-size: .85em; border-top: 1px solid var(--line);
  padding-top: .6em; }
@media print { .scroll { overflow: visible; } h2 { break-after: avoid; } }
""".strip()


# -- small helpers ------------------------------------------------------------


def _e(value: object) -> str:
    """HTML-escape any value for text and attribute use."""
    return html.escape(str(value), quote=True)


def _fmt_rate(value: float) -> str:
    """A BD-rate in percent, signed; two decimals below 1 %, else one."""
    return f"{value:+.2f} %" if abs(value) < 1 else f"{value:+.1f} %"


def _fmt_points(value: float, decimals: int = 2) -> str:
    return f"{value:+.{decimals}f}"


def _fmt_kbps(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def _fmt_score(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.2f}"


def _pair(comparison: Comparison) -> list[str]:
    """The metrics shown side by side: default and NEG (or the first two there are)."""
    shown = [
        m for m in (comparison.default_metric, comparison.neg_metric) if m in comparison.metrics
    ]
    return shown or list(comparison.metrics[:2])


#: Labels of the older metrics every comparison scores beside VMAF.
_CLASSIC_LABELS: dict[str, str] = {"psnr_y": "PSNR-Y", "float_ssim": "SSIM"}


def _classic(comparison: Comparison) -> list[str]:
    """PSNR-Y and SSIM, where the comparison has them."""
    return [m for m in _CLASSIC_LABELS if m in comparison.metrics]


def _metric_label(comparison: Comparison, metric: str, *, short: bool = False) -> str:
    """``'default VMAF'``/``'VMAF-NEG'`` (``'default'``/``'NEG'`` if short), else the name."""
    if metric == comparison.default_metric:
        return "default" if short else "default VMAF"
    if metric == comparison.neg_metric:
        return "NEG" if short else "VMAF-NEG"
    return _CLASSIC_LABELS.get(metric, metric)


def _colours(comparison: Comparison) -> dict[str, str]:
    """One colour per series, the same in every figure and table."""
    colours = {}
    for i, name in enumerate(s for s in comparison.series if s != comparison.anchor):
        colours[name] = _COLOURS[i % len(_COLOURS)]
    colours[comparison.anchor] = _ANCHOR_COLOUR
    return colours


def _figure_names(comparison: Comparison) -> dict[str, str]:
    """``rd_<source>.png`` per source: safe file names, unique even on case-blind disks."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for source in comparison.sources:
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", source).strip("._-")[:80] or "source"
        name, i = f"rd_{base}.png", 2
        while name.lower() in used:
            name, i = f"rd_{base}_{i}.png", i + 1
        used.add(name.lower())
        names[source] = name
    return names


def _flag_keys(comparison: Comparison, kind: str) -> set[tuple[str | None, str | None]]:
    return {(f.source, f.series) for f in comparison.flags if f.kind == kind}


def _point_label(row: EncodeRow) -> str:
    return row.point or (Path(row.file).name if row.file else "")


# -- figures --------------------------------------------------------------------


def _mpl_text(text: str) -> str:
    """Text shown literally by matplotlib: no mathtext, not hidden from legends."""
    text = text.replace("$", r"\$")
    return " " + text if text.startswith("_") else text


def _kbps_tick(value: float, _pos: object = None) -> str:
    if value >= 10_000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def _log_subs(low: float, high: float) -> tuple[float, ...]:
    """Where to put labelled ticks on a log axis spanning ``low``..``high``."""
    span = math.log10(high / low) if low > 0 and high > low else 0.0
    if span <= 0.8:
        return (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0)
    if span <= 1.6:
        return (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
    if span <= 3.0:
        return (1.0, 2.0, 5.0)
    return (1.0,)


def draw_rd_curves(comparison: Comparison, source: str, *, dpi: int = 100) -> bytes:
    """Rate-quality curves of every series for one source, as PNG bytes.

    Two panels, default VMAF on the left and VMAF-NEG on the right, share
    one y range; bitrate (kbps) is on a log x axis. Each series has one
    colour and marker in both panels (the anchor is dark grey), and the
    legend gives each test series' BD-rate against the anchor under that
    panel's model.

    Parameters
    ----------
    comparison:
        The analysed comparison.
    source:
        One of ``comparison.sources``.
    dpi:
        Resolution of the PNG (the figure is 11 x 4.3 inches).

    Returns
    -------
    bytes
        A PNG image.

    Raises
    ------
    MissingDependencyError
        matplotlib is not installed.
    OptionError
        ``source`` is not a source of the comparison.
    """
    fig = rd_figure(comparison, source, dpi=dpi)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def rd_figure(comparison: Comparison, source: str, *, dpi: int = 100) -> Any:
    """The rate-quality figure of :func:`draw_rd_curves`, as a matplotlib ``Figure``.

    Drawn on matplotlib's Agg canvas (no pyplot state); in a notebook it shows
    as a cell's value, and ``fig.savefig(path)`` writes it. Raises as
    :func:`draw_rd_curves`.
    """
    if source not in comparison.sources:
        raise OptionError(
            f"{source!r} is not a source of this comparison; sources are: "
            f"{', '.join(repr(s) for s in comparison.sources)}"
        )
    Figure, Canvas = matplotlib_agg("the report's rate-quality figures")
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    pair = _pair(comparison)
    metrics = [*pair, *_classic(comparison)]
    panels = max(1, len(metrics))
    cols = min(panels, 2)
    rows = (panels + cols - 1) // cols
    fig = Figure(figsize=(5.5 * cols, 4.3 * rows))
    Canvas(fig)
    axes = list(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[1 : len(pair)]:
        ax.sharey(axes[0])  # default and NEG on one score range
    for ax in axes[panels:]:
        ax.set_visible(False)
    colours = _colours(comparison)
    series = comparison.series
    rates = [
        kbps
        for m in metrics
        for s in series
        for kbps, _ in comparison.curve(source, s, m)
        if kbps > 0
    ]
    for ax, metric in zip(axes, metrics, strict=False):
        drawn = False
        for i, name in enumerate(series):
            points = [(x, y) for x, y in comparison.curve(source, name, metric) if x > 0]
            if not points:
                continue
            if name == comparison.anchor:
                note = "anchor"
            else:
                entry = comparison.entry(source, name, metric)
                note = (
                    f"BD-rate {_fmt_rate(entry.bd_rate)}"
                    if entry is not None and entry.bd_rate is not None
                    else "BD-rate n/a"
                )
            marker = "s" if name == comparison.anchor else _MARKERS[i % len(_MARKERS)]
            hull = comparison.hull(source, name, metric)
            if hull is not None:
                # A ladder: every encode as a point, its convex hull as the line, and the
                # rungs on one model's hull but not the other's ringed.
                ax.scatter(
                    [p[0] for p in points], [p[1] for p in points], marker=marker, s=16,
                    color=colours[name], alpha=0.45, linewidths=0,
                )  # fmt: skip
                points = [(x, y) for x, y in hull.points if x > 0]
                note += ", convex hull"
                changed = _changed_rungs(comparison, source, name)
                ringed = [
                    pt for pt, enc in zip(hull.points, hull.encodes, strict=True) if enc in changed
                ]
                if ringed:
                    ax.scatter(
                        [p[0] for p in ringed], [p[1] for p in ringed], s=110,
                        facecolors="none", edgecolors="#c0392b", linewidths=1.6, zorder=5,
                    )  # fmt: skip
            ax.plot(
                [p[0] for p in points],
                [p[1] for p in points],
                marker=marker,
                ms=5,
                lw=2.0 if name == comparison.anchor else 1.6,
                color=colours[name],
                label=_mpl_text(f"{name} ({note})"),
            )
            drawn = True
        label = _metric_label(comparison, metric)
        ax.set_title(_mpl_text(f"{label} ({metric})"), fontsize=11)
        ax.set_xlabel("bitrate (kbps, log scale)", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3, which="both")
        if drawn:
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(base=10, subs=_log_subs(min(rates), max(rates))))
            ax.xaxis.set_major_formatter(FuncFormatter(_kbps_tick))
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.legend(fontsize=8, loc="lower right", framealpha=0.85)
        else:
            ax.text(
                0.5,
                0.5,
                "no scored encodes",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="0.4",
            )
    for ax, metric in zip(axes, metrics, strict=False):
        unit = {"psnr_y": "pooled PSNR-Y (dB)", "float_ssim": "pooled SSIM"}
        ax.set_ylabel(unit.get(metric, "pooled score"), fontsize=9)
    fig.suptitle(_mpl_text(f"{source}: rate-quality curves"), fontsize=12)
    fig.tight_layout()
    fig.set_dpi(dpi)
    return fig


def _changed_rungs(comparison: Comparison, source: str, series: str) -> set[str]:
    """Point labels on the hull under one of default VMAF and VMAF-NEG but not the other."""
    for shift in comparison.hull_shifts:
        if (shift.source, shift.series) == (source, series):
            return set(shift.default_hull) ^ set(shift.neg_hull)
    return set()


def _draw_all(comparison: Comparison) -> tuple[dict[str, bytes], str | None]:
    """Figures per source, or none and the reason (matplotlib missing)."""
    try:
        return {s: draw_rd_curves(comparison, s) for s in comparison.sources}, None
    except MissingDependencyError as exc:
        return {}, str(exc)


# -- page sections ----------------------------------------------------------------


def _swatch(colour: str) -> str:
    return f'<span class="dot" style="background:{_e(colour)}"></span>'


def _series_cell(name: str, colours: Mapping[str, str], tag: str = "th") -> str:
    return f"<{tag}>{_swatch(colours.get(name, '#999'))}{_e(name)}</{tag}>"


def _na(reason: str | None, extra_class: str = "") -> str:
    cls = f"num {extra_class}".strip()
    title = _e(reason or "not computed")
    return f'<td class="{cls}"><span class="na" title="{title}">n/a</span></td>'


def _value_cell(text: str, classes: Sequence[str] = (), title: str | None = None) -> str:
    cls = " ".join(["num", *classes])
    attr = f' title="{_e(title)}"' if title else ""
    return f'<td class="{cls}"{attr}>{_e(text)}</td>'


def _level_of(comparison: Comparison) -> str:
    level = next((e.level for e in comparison.bd if e.level), 0.95)
    return f"{100 * level:g} %"


def _interval_of(entry: BDEntry, kind: str) -> str:
    """`` [-15.1, -10.2]``: the bootstrap interval of a BD-rate or BD-quality, or ``''``."""
    low, high = (
        (entry.bd_rate_low, entry.bd_rate_high)
        if kind == "rate"
        else (entry.bd_quality_low, entry.bd_quality_high)
    )
    if low is None or high is None:
        return ""
    digits = ".1f" if kind == "rate" else ".2f"
    return f" [{low:+{digits}}, {high:+{digits}}]"


def _ordered(flags: Sequence[Flag], comparison: Comparison) -> list[Flag]:
    """Averaged flags first, then in source order."""
    order = {s: i for i, s in enumerate([AVERAGE, *comparison.sources])}
    return sorted(flags, key=lambda f: order.get(f.source or "", len(order)))


def _mean_of(comparison: Comparison, entry: BDEntry) -> str:
    """`` (k of n sources)`` for a mean over fewer than all sources, else ``''``."""
    total = len(comparison.sources)
    if entry.source == AVERAGE and 0 < entry.sources < total:
        return f" ({entry.sources} of {total} sources)"
    return ""


def _summary(comparison: Comparison, colours: Mapping[str, str]) -> list[str]:
    metrics = _pair(comparison)
    tests = [s for s in comparison.series if s != comparison.anchor]
    rows = comparison.rows
    failed = sum(not r.ok for r in rows)
    out = ['<section id="summary">', "<h2>Summary</h2>"]
    out.append(
        f"<p>Anchor: {_swatch(colours[comparison.anchor])}<strong>{_e(comparison.anchor)}"
        f"</strong>. {len(comparison.sources)} source(s), {len(comparison.series)} series, "
        f"{len(rows)} encode(s)"
        + (f", <strong>{failed} failed</strong>" if failed else "")
        + f". BD-rates use {_e(comparison.method)} interpolation; negative = fewer bits than "
        "the anchor for the same quality.</p>"
    )
    flips = _ordered(comparison.flips(), comparison)
    gaps = _ordered([f for f in comparison.flags if f.kind == "bd_gap"], comparison)
    for kind, label, flags in (("flip", "Winner flip", flips), ("gap", "BD-rate gap", gaps)):
        for test in dict.fromkeys(f.series for f in flags):
            mine = [f for f in flags if f.series == test]
            name = f"{_swatch(colours.get(test or '', '#999'))}{_e(test or '')}"
            out.append(
                f'<div class="callout {kind}"><span class="tag">{label}</span>'
                f"<strong>{name} vs {_e(comparison.anchor)}</strong><ul>"
                + "".join(f"<li>{_e(f.message)}</li>" for f in mine)
                + "</ul></div>"
            )
    if not flips and not gaps and tests and len(metrics) == 2:
        out.append(
            '<div class="callout ok">Default VMAF and VMAF-NEG pick the same winner everywhere, '
            "and no BD-rate differs between them by more than "
            f"{comparison.bd_gap_threshold:g} points.</div>"
        )
    counts = {k: sum(f.kind == k for f in comparison.flags) for k in ("curve", "encode_gap")}
    notes = []
    if counts["curve"]:
        notes.append(f"{counts['curve']} curve problem(s) left values out")
    if counts["encode_gap"]:
        notes.append(f"{counts['encode_gap']} flag(s) for encodes with a large default − NEG gap")
    if notes:
        out.append(
            f'<p class="muted">Also: {_e("; ".join(notes))} (see <a href="#flags">Flags</a>).</p>'
        )
    if not tests:
        out.append("<p>Only one series: there is nothing to compare with the anchor.</p>")
        out.append("</section>")
        return out
    flip_keys = _flag_keys(comparison, "winner_flip")
    gap_keys = _flag_keys(comparison, "bd_gap")
    out.append(f"<h3>Average BD-rate against {_e(comparison.anchor)} (over all sources)</h3>")
    out.append('<div class="scroll"><table class="summary"><thead><tr><th>Series</th>')
    for m in metrics:
        out.append(f'<th class="num">BD-rate, {_e(_metric_label(comparison, m))}</th>')
    if len(metrics) == 2:
        out.append('<th class="num">Δ NEG − default (points)</th>')
    out.append("<th>Verdict</th></tr></thead><tbody>")
    for test in tests:
        entries = [comparison.entry(AVERAGE, test, m) for m in metrics]
        flip = (AVERAGE, test) in flip_keys
        cells = [_series_cell(test, colours)]
        for e in entries:
            if e is None or e.bd_rate is None:
                cells.append(_na(e.problem if e else None))
            else:
                text = _fmt_rate(e.bd_rate) + _mean_of(comparison, e) + _interval_of(e, "rate")
                cells.append(_value_cell(text, ["flip"] if flip else [], e.problem))
        values = [e.bd_rate if e else None for e in entries]
        if len(metrics) == 2:
            if values[0] is not None and values[1] is not None:
                gap = (AVERAGE, test) in gap_keys
                cells.append(_value_cell(f"{values[1] - values[0]:+.1f}", ["gap"] if gap else []))
            else:
                cells.append(_na("needs both BD-rates"))
        cells.append(f"<td>{_e(_verdict(comparison, test, metrics, values, flip))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    out.append(_legend(comparison))
    out.append("</section>")
    return out


def _verdict(
    comparison: Comparison,
    test: str,
    metrics: Sequence[str],
    values: Sequence[float | None],
    flip: bool,
) -> str:
    known = [(m, v) for m, v in zip(metrics, values, strict=True) if v is not None]
    if not known:
        return "not computed (see the BD table)"
    if flip:
        parts = [
            f"{_metric_label(comparison, m)} favours {test if v < 0 else comparison.anchor}"
            for m, v in known
        ]
        return "WINNER FLIPS: " + ", ".join(parts)
    better = known[0][1] < 0
    under = "both models" if len(known) == 2 else _metric_label(comparison, known[0][0])
    text = f"{'better' if better else 'worse'} than the anchor under {under}"
    if len(known) == 2 and abs(known[1][1] - known[0][1]) > comparison.bd_gap_threshold:
        text += f", but the BD-rates differ by more than {comparison.bd_gap_threshold:g} points"
    return text


def _classic_bd_table(comparison: Comparison, colours: Mapping[str, str]) -> list[str]:
    """BD-rate and BD-quality under PSNR-Y and SSIM, beside the VMAF table."""
    metrics = _classic(comparison)
    tests = [s for s in comparison.series if s != comparison.anchor]
    if not metrics or not tests:
        return []
    out = [
        '<section id="bd-classic">',
        "<h2>BD-rate under PSNR-Y and SSIM</h2>",
        f"<p>The same series against the anchor <strong>{_e(comparison.anchor)}</strong> under "
        "libvmaf's PSNR of the luma (dB) and SSIM, scored in the same pass as VMAF.</p>",
        '<div class="scroll"><table class="bd"><thead><tr><th>Source</th><th>Test series</th>',
    ]
    for m in metrics:
        label = _metric_label(comparison, m)
        unit = "dB" if m == "psnr_y" else "SSIM"
        out.append(f'<th class="num">BD-rate {_e(label)} (%)</th>')
        out.append(f'<th class="num">BD-{_e(label)} ({unit})</th>')
    out.append("</tr></thead><tbody>")
    for test in tests:
        for source in [*comparison.sources, AVERAGE]:
            avg = source == AVERAGE
            cells = [
                f"<th>{_e(f'{AVERAGE} (mean)' if avg else source)}</th>",
                f"<td>{_swatch(colours[test])}{_e(test)}</td>",
            ]
            for m in metrics:
                e = comparison.entry(source, test, m)
                for kind in ("rate", "quality"):
                    value = None if e is None else (e.bd_rate if kind == "rate" else e.bd_quality)
                    if value is None:
                        cells.append(_na(e.problem if e and e.problem else "not computed"))
                    elif kind == "rate":
                        cells.append(_value_cell(_fmt_rate(value), []))
                    else:
                        digits = ".2f" if m == "psnr_y" else ".4f"
                        cells.append(_value_cell(f"{value:+{digits}}", []))
            row_class = ' class="avg"' if avg else ""
            out.append(f"<tr{row_class}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div></section>")
    return out


def _legend(comparison: Comparison) -> str:
    items = [
        '<span class="key flip"></span>winner flip: default VMAF and VMAF-NEG disagree on the '
        "sign of the BD-rate (which series wins), with intervals that exclude zero on opposite "
        "sides",
        f"[low, high]: {_level_of(comparison)} bootstrap interval over frames (and over sources "
        "for the mean)",
        '<span class="key gap"></span>BD-rate gap: the NEG and default BD-rates differ by more '
        f"than {comparison.bd_gap_threshold:g} points",
        '<span class="na">n/a</span>: not computed; hover for the reason, also listed below',
    ]
    return '<p class="legend">' + "".join(f'<span class="item">{i}</span>' for i in items) + "</p>"


def _curves(
    comparison: Comparison,
    figures: Mapping[str, bytes],
    reason: str | None,
    files: Mapping[str, str] | None,
) -> list[str]:
    metrics = _pair(comparison)
    out = ['<section id="curves">', "<h2>Rate-quality curves</h2>"]
    if reason is not None:
        out.append(
            '<div class="callout note"><strong>Figures are not included.</strong> '
            f"{_e(reason)}. Every number is in the tables below.</div>"
        )
        out.append("</section>")
        return out
    metrics = [*metrics, *_classic(comparison)]
    panels = " | ".join(_metric_label(comparison, m) for m in metrics)
    out.append(
        f"<p>One figure per source: {_e(panels)}; the two VMAF panels share one score range, "
        "bitrate on a log axis. Each series keeps its colour in every panel; the anchor is dark "
        "grey. The legend gives each series' BD-rate against the anchor under that panel's "
        "metric. PSNR-Y and SSIM never reward added sharpness or contrast, so a series that wins "
        "under default VMAF but not under them is another sign of enhancement.</p>"
    )
    for source in comparison.sources:
        png = figures.get(source)
        if png is None:
            out.append(f'<h3>{_e(source)}</h3><p class="muted">No figure for this source.</p>')
            continue
        data = base64.b64encode(png).decode("ascii")
        caption = f"{source}: {panels}"
        if files and source in files:
            caption += f" (also saved as {files[source]})"
        out.append(
            f'<figure><img src="data:image/png;base64,{data}" '
            f'alt="{_e(f"Rate-quality curves of {source}: {panels}")}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>"
        )
    out.append("</section>")
    return out


def _bd_table(comparison: Comparison, colours: Mapping[str, str]) -> list[str]:
    metrics = _pair(comparison)
    tests = [s for s in comparison.series if s != comparison.anchor]
    out = ['<section id="bd">', "<h2>BD-rate table</h2>"]
    if not tests:
        out.append("<p>Only one series: no BD values.</p></section>")
        return out
    both = len(metrics) == 2
    out.append(
        f"<p>Each test series against the anchor <strong>{_e(comparison.anchor)}</strong>, per "
        "source and averaged over sources (last row). BD-rate: percent bitrate change at equal "
        "quality (negative = saves bits). BD-VMAF: score change at equal bitrate, in points."
        + (" Δ = BD-rate under VMAF-NEG − BD-rate under default VMAF." if both else "")
        + (
            " Ladders (series spanning resolutions) are compared by their convex hulls, one "
            'per metric (see <a href="#ladders">Ladders</a>).'
            if comparison.hulls
            else ""
        )
        + "</p>"
    )
    columns: list[tuple[str, str, str | None]] = [("rate", "BD-rate", m) for m in metrics]
    if both:
        columns.append(("diff", "Δ", None))
    columns += [("quality", "BD-VMAF", m) for m in metrics]
    flip_keys = _flag_keys(comparison, "winner_flip")
    gap_keys = _flag_keys(comparison, "bd_gap")
    out.append('<div class="scroll"><table class="bd"><thead><tr><th rowspan="3">Source</th>')
    for test in tests:
        out.append(
            f'<th colspan="{len(columns)}" class="series grp">'
            f"{_swatch(colours[test])}{_e(test)}</th>"
        )
    out.append("</tr><tr>")
    span = len(metrics)
    for _ in tests:
        out.append(f'<th colspan="{span}" class="grp">BD-rate (%)</th>')
        if both:
            out.append('<th rowspan="2" title="BD-rate NEG − BD-rate default">Δ (points)</th>')
        out.append(f'<th colspan="{span}">BD-VMAF (points)</th>')
    out.append("</tr><tr>")
    for _ in tests:
        for i, name in enumerate(m for _, _, m in columns if m is not None):
            grp = " grp" if i == 0 else ""
            label = _metric_label(comparison, name, short=True)
            out.append(f'<th class="num{grp}">{_e(label)}</th>')
    out.append("</tr></thead><tbody>")
    missing: dict[tuple[str, str, str], list[str]] = {}
    notes: list[str] = []
    for source in [*comparison.sources, AVERAGE]:
        avg = source == AVERAGE
        label = f"{AVERAGE} (mean)" if avg else source
        cells = [f"<th>{_e(label)}</th>"]
        for test in tests:
            entries: dict[str, BDEntry | None] = {
                m: comparison.entry(source, test, m) for m in metrics
            }
            flip = (source, test) in flip_keys
            first = len(cells)
            for kind, _, metric in columns:
                if kind == "diff":
                    d, n = (entries[m] for m in metrics)
                    if d and n and d.bd_rate is not None and n.bd_rate is not None:
                        gap = (source, test) in gap_keys
                        cells.append(
                            _value_cell(f"{n.bd_rate - d.bd_rate:+.1f}", ["gap"] if gap else [])
                        )
                    else:
                        cells.append(_na("needs both BD-rates"))
                    continue
                e = entries[metric] if metric else None
                value = None if e is None else (e.bd_rate if kind == "rate" else e.bd_quality)
                if value is None:
                    reason = e.problem if e and e.problem else "not computed"
                    cells.append(_na(reason))
                    missing.setdefault((source, test, reason), [])
                    if metric and metric not in missing[(source, test, reason)]:
                        missing[(source, test, reason)].append(metric)
                    continue
                text = _fmt_rate(value) if kind == "rate" else _fmt_points(value)
                if e is not None and kind == "rate":
                    text += _mean_of(comparison, e)
                if e is not None:
                    text += _interval_of(e, kind)
                classes = ["flip"] if flip and kind == "rate" else []
                cells.append(_value_cell(text, classes, e.problem if e else None))
                if e is not None and e.problem and kind == "rate":
                    note = f"{label}, {test}, {_metric_label(comparison, e.metric)}: {e.problem}"
                    notes.append(note)
            cells[first] = cells[first].replace('<td class="', '<td class="grp ', 1)
        row_class = ' class="avg"' if avg else ""
        out.append(f"<tr{row_class}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    out.append(_legend(comparison))
    if missing:
        out.append('<h3>Values not computed</h3><ul class="notes">')
        for (source, test, reason), ms in missing.items():
            where = f"{AVERAGE} (mean)" if source == AVERAGE else source
            which = ", ".join(_metric_label(comparison, m) for m in ms)
            out.append(
                f"<li><strong>{_e(where)}</strong>, {_e(test)}"
                + (f" ({_e(which)})" if which else "")
                + f": {_e(reason)}</li>"
            )
        out.append("</ul>")
    if notes:
        out.append('<h3>Notes</h3><ul class="notes">')
        out.extend(f"<li>{_e(n)}</li>" for n in notes)
        out.append("</ul>")
    out.append("</section>")
    return out


def _ladders(comparison: Comparison, colours: Mapping[str, str]) -> list[str]:
    """Every ladder's encodes with their place on the hull under each model; shifts; picks."""
    c = comparison
    ladders = [(s, t) for s in c.sources for t in c.series if c.is_ladder(s, t)]
    if not ladders and not c.ladder:
        return []
    d, n = c.default_metric, c.neg_metric
    out = ['<section id="ladders">', "<h2>Ladders: convex hulls under both models</h2>"]
    out.append(
        "<p>A series whose encodes come at several resolutions is a ladder. Its curve is the "
        "convex hull of its points: the encodes no other encode, and no mix of two others, "
        "beats (bitrate on a linear axis, as in AOM's common test conditions for adaptive "
        "streaming); BD-rates of a ladder are taken between hulls. ✓ marks an encode on the "
        "hull under that model; a shaded row is on one model's hull only: the rung the two "
        "models would send differs there. In the figures, the hull is the line, every encode a "
        "dot, and such rungs are ringed in red.</p>"
    )
    for source, series in ladders:
        changed = _changed_rungs(c, source, series)
        hulls = {m: c.hull(source, series, m) for m in (d, n) if m is not None}
        out.append(f"<h3>{_e(source)}: {_swatch(colours.get(series, '#999'))}{_e(series)}</h3>")
        out.append('<div class="scroll"><table class="ladder"><thead><tr>')
        heads = ["Point", "Resolution", "kbps"]
        for m in hulls:
            heads += [_metric_label(c, m), f"hull, {_metric_label(c, m, short=True)}"]
        out.append("".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr></thead><tbody>")
        rows = sorted(
            (r for r in c.rows if r.source == source and r.series == series and r.ok),
            key=lambda r: r.bitrate_kbps if r.bitrate_kbps is not None else math.inf,
        )
        for r in rows:
            cells = [f"<td>{_e(_point_label(r))}</td>", f"<td>{_e(r.resolution or '')}</td>"]
            cells.append(_value_cell("" if r.bitrate_kbps is None else _fmt_kbps(r.bitrate_kbps)))
            for m, h in hulls.items():
                cells.append(_value_cell(_fmt_score(r.scores.get(m))))
                on = h is not None and r.point in h.encodes
                cells.append(f'<td class="num">{"✓" if on else ""}</td>')
            cls = ' class="shift"' if r.point in changed else ""
            out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
        out.append("</tbody></table></div>")
        for shift in c.hull_shifts:
            if (shift.source, shift.series) != (source, series):
                continue
            items = [
                f"at {ch['kbps']:.0f} kbps default VMAF picks {ch['default_pick']}, VMAF-NEG "
                f"picks {ch['neg_pick']}: under VMAF-NEG {ch['default_pick_neg']:.2f} vs "
                f"{ch['neg_pick_neg']:.2f}, under default VMAF {ch['default_pick_default']:.2f} "
                f"vs {ch['neg_pick_default']:.2f}"
                for ch in shift.choices
            ] or ["the hulls differ, but no bitrate picks a different encode"]
            out.append(
                '<div class="callout gap"><span class="tag">Hull shift</span><ul>'
                + "".join(f"<li>{_e(i)}</li>" for i in items)
                + "</ul></div>"
            )
    if c.ladder:
        out.append("<h3>Ladder suggestion</h3>")
        out.append(
            "<p>Per source and series, the hull encode nearest each target (bitrates on a "
            "log axis; scores under the model named), under each model.</p>"
        )
        out.append('<div class="scroll"><table class="ladder"><thead><tr>')
        heads = ["Source", "Series", "Target", "Model", "Point", "Resolution", "kbps", "Score"]
        out.append("".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr></thead><tbody>")
        for p in c.ladder:
            target = f"{p.target:g} kbps" if p.unit == "kbps" else f"score {p.target:g}"
            out.append(
                "<tr>"
                + f"<td>{_e(p.source)}</td>"
                + _series_cell(p.series, colours, "td")
                + _value_cell(target)
                + f"<td>{_e(_metric_label(c, p.metric))}</td>"
                + f"<td>{_e(p.point or 'n/a')}</td><td>{_e(p.resolution or '')}</td>"
                + _value_cell("n/a" if p.kbps is None else _fmt_kbps(p.kbps))
                + _value_cell(_fmt_score(p.score))
                + "</tr>"
            )
        out.append("</tbody></table></div>")
    out.append("</section>")
    return out


def _encodes(comparison: Comparison, colours: Mapping[str, str]) -> list[str]:
    metrics = list(comparison.metrics)
    threshold = comparison.gap_threshold
    order_s = {s: i for i, s in enumerate(comparison.sources)}
    order_t = {s: i for i, s in enumerate(comparison.series)}
    rows = sorted(
        comparison.rows,
        key=lambda r: (
            order_s[r.source],
            order_t[r.series],
            r.bitrate_kbps if r.bitrate_kbps is not None else math.inf,
        ),
    )
    out = ['<section id="encodes">', "<h2>Encodes</h2>"]
    out.append(
        "<p>Every encode with its pooled (mean) scores. Gap = default − NEG in VMAF points; "
        "max frame gap = the largest per-frame gap. Hover a bitrate to see whether it was "
        "given or measured from the file size, and a point for its file.</p>"
    )
    out.append('<div class="scroll"><table class="encodes"><thead><tr>')
    heads = ["Source", "Series", "Point", "kbps"]
    heads += [f"{_metric_label(comparison, m)}" for m in metrics]
    heads += ["Gap", "Max frame gap", "Status"]
    out.append("".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr></thead><tbody>")
    high_count = 0
    for r in rows:
        cells = [f"<td>{_e(r.source)}</td>", _series_cell(r.series, colours, "td")]
        title = f' title="{_e(r.file)}"' if r.file else ""
        cells.append(f"<td{title}>{_e(_point_label(r))}</td>")
        if r.bitrate_kbps is None:
            cells.append(_na("no bitrate"))
        else:
            how = "from file size" if r.bitrate_from == "file size" else "given"
            cells.append(_value_cell(_fmt_kbps(r.bitrate_kbps), title=how))
        for m in metrics:
            cells.append(_value_cell(_fmt_score(r.scores.get(m)) if r.ok else ""))
        high = r.ok and (
            r.verdict == "flagged"
            or (r.verdict is None and r.gap is not None and threshold is not None)
            and r.gap > threshold  # type: ignore[operator]
        )
        high_count += high
        gap = "" if not r.ok else _fmt_score(r.gap)
        cells.append(_value_cell(gap, ["high"] if high else []))
        cells.append(_value_cell("" if not r.ok else _fmt_score(r.max_frame_gap)))
        if r.ok and r.verdict:
            cells.append(f'<td title="enhancement-gain check">ok, {_e(r.verdict)}</td>')
        elif r.ok:
            cells.append("<td>ok</td>")
        else:
            cells.append(
                f'<td class="error"><strong>{_e(r.status)}</strong>: {_e(r.error or "")}</td>'
            )
        row_class = "" if r.ok else ' class="failed"'
        out.append(f"<tr{row_class}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    failed = "Failed encodes are shaded red with their error; they are left out of the curves."
    out.append(
        f'<p class="legend"><span class="item"><span class="key high"></span>flagged by '
        f"the enhancement-gain check, or without a check a gap above {threshold:g} points "
        f'({high_count} encode(s))</span><span class="item">{failed}</span></p>'
    )
    out.append("</section>")
    return out


def _flags(comparison: Comparison) -> list[str]:
    out = ['<section id="flags">', f"<h2>Flags ({len(comparison.flags)})</h2>"]
    kinds = list(_KINDS) + [k for k in dict.fromkeys(f.kind for f in comparison.flags)]
    for kind in dict.fromkeys(kinds):
        flags = _ordered([f for f in comparison.flags if f.kind == kind], comparison)
        heading, explain = _KINDS.get(kind, (kind, ""))
        out.append(f"<h3>{_e(heading)} ({len(flags)})</h3>")
        if explain:
            out.append(f'<p class="muted">{_e(explain)}</p>')
        if not flags:
            out.append("<p>None.</p>")
            continue
        tag = {"winner_flip": "flip", "bd_gap": "gap"}.get(kind)
        out.append('<ul class="flags">')
        for f in flags:
            mark = f'<span class="tag {tag}">{"flip" if tag == "flip" else "gap"}</span>'
            out.append(f"<li>{mark if tag else ''}{_e(f.message)}</li>")
        out.append("</ul>")
    out.append("</section>")
    return out


def _provenance(comparison: Comparison) -> list[str]:
    threshold = comparison.gap_threshold
    settings: list[tuple[str, str]] = [
        ("anchor", comparison.anchor),
        ("metrics", ", ".join(comparison.metrics) or "none"),
        ("default model", comparison.default_metric or "none"),
        ("NEG model", comparison.neg_metric or "none"),
        (
            "BD method",
            {
                "pchip": "pchip: piecewise cubic Hermite interpolation on log bitrate",
                "cubic": "cubic: third-order polynomial fit on log bitrate (VCEG-M33)",
            }.get(comparison.method, comparison.method),
        ),
        ("BD-rate gap threshold", f"{comparison.bd_gap_threshold:g} percentage points"),
    ]
    settings.append(("encode gap threshold", f"{threshold:g} VMAF points"))
    out = ['<section id="provenance">', "<h2>Provenance</h2>", "<h3>Analysis</h3>"]
    out.append('<div class="scroll"><table class="kv"><tbody>')
    out.extend(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in settings)
    out.append("</tbody></table></div>")
    out.append("<h3>What produced the numbers</h3>")
    if comparison.provenance:
        out.append('<div class="scroll"><table class="kv"><tbody>')
        out.extend(
            f"<tr><th>{_e(k)}</th><td><code>{_e(v)}</code></td></tr>"
            for k, v in comparison.provenance.items()
        )
        out.append("</tbody></table></div>")
    else:
        out.append("<p>No provenance was recorded with this comparison.</p>")
    out.append("</section>")
    return out


def _page(
    comparison: Comparison,
    figures: Mapping[str, bytes],
    *,
    title: str | None,
    reason: str | None,
    files: Mapping[str, str] | None = None,
) -> str:
    from .._version import package_version

    title = title or f"Codec comparison against {comparison.anchor}: default VMAF vs VMAF-NEG"
    colours = _colours(comparison)
    ladders = _ladders(comparison, colours)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="pyvmafneg {_e(package_version())}">',
        f"<title>{_e(title)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        f"<header><h1>{_e(title)}</h1>",
        '<p class="sub">BD-rates and scores under default VMAF and VMAF-NEG side by side. '
        "Where they disagree, the default score credits gains above the reference that "
        "VMAF-NEG caps (enhancement earns such credit) rather than fidelity.</p>",
        '<nav><a href="#summary">Summary</a><a href="#curves">RD curves</a>'
        '<a href="#bd">BD table</a>'
        + ('<a href="#ladders">Ladders</a>' if ladders else "")
        + '<a href="#encodes">Encodes</a><a href="#flags">Flags</a>'
        '<a href="#provenance">Provenance</a></nav></header>',
        "<main>",
        *_summary(comparison, colours),
        *_curves(comparison, figures, reason, files),
        *_bd_table(comparison, colours),
        *_classic_bd_table(comparison, colours),
        *ladders,
        *_encodes(comparison, colours),
        *_flags(comparison),
        *_provenance(comparison),
        "</main>",
        f"<footer>Written by pyvmafneg {_e(package_version())}.</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


# -- public API ---------------------------------------------------------------------


def render_html(
    comparison: Comparison,
    figures: Mapping[str, bytes] | None = None,
    *,
    title: str | None = None,
) -> str:
    """The report page as one self-contained HTML5 string.

    Parameters
    ----------
    comparison:
        The analysed comparison (see :func:`pyvmafneg.comparison._analysis.analyse`).
    figures:
        PNG bytes per source name (as :func:`draw_rd_curves` makes them),
        embedded as data URIs. None draws them here; without matplotlib the
        page is rendered without figures and says so. An empty mapping
        renders no figures.
    title:
        Page title; default names the anchor.

    Returns
    -------
    str
        The HTML document. Every string taken from the data is escaped.
    """
    reason = None
    if figures is None:
        figures, reason = _draw_all(comparison)
    return _page(comparison, figures, title=title, reason=reason)


def write_report(
    comparison: Comparison,
    directory: str | os.PathLike[str],
    *,
    title: str | None = None,
) -> Path:
    """Write the report directory: ``index.html``, ``rd_<source>.png``, ``comparison.json``.

    ``index.html`` is self-contained (figures embedded as base64 PNG data
    URIs, CSS inline, no JavaScript, no network); the same figures are also
    written as PNG files, one per source, and ``comparison.json`` holds
    :meth:`~pyvmafneg.comparison._analysis.Comparison.as_dict`. Without matplotlib the
    page is written without figures and says why.

    Parameters
    ----------
    comparison:
        The analysed comparison.
    directory:
        Where to write; created if missing (the directory above it must exist). Existing files of
        the same names are overwritten.
    title:
        Page title; default names the anchor.

    Returns
    -------
    Path
        The path of ``index.html``.

    Raises
    ------
    OutputFileError
        The directory cannot be created or written.
    """
    out = make_output_dir(directory, "the report directory")
    figures, reason = _draw_all(comparison)
    files = _figure_names(comparison)
    page = _page(comparison, figures, title=title, reason=reason, files=files)
    index = out / "index.html"
    for source, png in figures.items():
        write_file(out / files[source], png, "the report's figure")
    data = json_text(comparison.as_dict(), ensure_ascii=False) + "\n"
    write_file(out / "comparison.json", data, "the report's data")
    write_file(index, page, "the report")
    return index
