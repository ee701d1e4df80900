"""Fit the calibrated rule (honest envelope, margin, operating range) and report it held out.

Used by ``calibrate.py``; reads the cached logs of the still-image suite
(``suite.py``) and the real-video suite (``video.py``).

The rule's statistic is the pooled gap recomputed unclipped from the features,
compared with the *honest envelope*: the largest gap honest encodes of the
fitting sources showed at the same pooled NEG level or a higher one (knots
every 10 points, each the largest honest gap within 10 points of it, then
made non-increasing in NEG; linear between knots).
The rule flags a gap above the envelope plus a fixed margin (``MARGIN``); the
held-out sources (``HELD_OUT``, never used to fit) say how far below that their
honest items stay, and leave-one-source-out over the fitting sources says how
far above the envelope a source unlike the others can go.

The band-energy rule (the finest band's energy ratio of the decoded frames,
``framestats.py``, against its own honest envelope by NEG level, made
non-decreasing in NEG, with a leave-one-source-out margin) is fitted the same
way and evaluated beside it; it is not shipped (docs/calibration.md says why).
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import framestats  # noqa: E402
import suite  # noqa: E402
import video  # noqa: E402

from pyvmafneg.results._logs import load_logs  # noqa: E402
from pyvmafneg.results._result import Result  # noqa: E402
from pyvmafneg.verdict import _check, _rule  # noqa: E402
from pyvmafneg.verdict._credit import credit_of, lookup  # noqa: E402
from pyvmafneg.verdict._projection import Projection  # noqa: E402

ROOT = HERE.parent.parent
RULE_FILE = ROOT / "pyvmafneg" / "verdict" / "_rule.py"
#: Sources the rule never sees while it is fitted (reported as held out).
HELD_OUT: tuple[str, ...] = ("bbb", "cockatoo")
#: Lift (points of default VMAF) from which an enhancement must be detected.
STRONG = 3.0
#: Knots of the envelope (pooled NEG level, points) and the half-width of each knot's window.
STEP = 10.0
#: Candidate lower ends of the operating range (pooled NEG, points).
MIN_NEG_CANDIDATES: tuple[float, ...] = (0.0, 20.0, 30.0, 40.0, 50.0, 60.0)
#: The lower end shipped (chosen from the table of candidates, see docs/calibration.md).
MIN_NEG = 30.0
#: Fewest frames of a calibrated clip (the suites' clips have 24, 40 and 48 frames).
MIN_FRAMES = 24
#: Points above the envelope before the rule flags.
MARGIN = 0.5
#: Candidate lower ends of the band-energy rule's range (pooled NEG, points); the rule is
#: evaluated (fitted like the gap rule, reported held out), not shipped.
BAND_MIN_NEG_CANDIDATES: tuple[float, ...] = (0.0, 10.0, 20.0, 30.0)
#: The lower end the band-energy rule is reported at in the tables that take one.
BAND_MIN_NEG = 10.0
#: The band-energy rule's margin: the largest leave-one-source-out excess of the fitting
#: sources' honest items, rounded up to the next BAND_MARGIN_STEP, and at least one step.
BAND_MARGIN_STEP = 0.05
#: The blocking evidence (``blocking.py``, needs the decoded frames; evaluated, not shipped):
#: grid (pixels) and the margin added to the envelope of the fitting sources' enhanced items.
BLOCK_GRID = 8
BLOCK_MARGIN = 0.5


@dataclass
class Row:
    """One item of either suite with the statistics the rule and the tables need."""

    id: str
    source: str
    variant: str
    honest: bool
    kind: str
    strength: str
    encoder: str
    rate: int | None
    base: str
    frames: int
    width: int
    height: int
    bits: int
    gap: float = math.nan  # pooled gap recomputed unclipped (points)
    gap_clipped: float = math.nan  # pooled gap of the clipped scores as given
    neg: float = math.nan  # pooled NEG recomputed unclipped (points)
    default: float = math.nan  # pooled default recomputed unclipped (points)
    adm: float = math.nan
    vif: float = math.nan
    d_adm2: float = math.nan
    frame_max: float = math.nan
    band: float = math.nan  # finest band's energy ratio, encode over reference (frames)
    block_ref: float = math.nan  # block-edge ratio of the reference (frames)
    block_dis: float = math.nan  # block-edge ratio of the encode (frames)
    lift: float | None = None
    grade_clipped: str = ""
    grade_unclipped: str = ""
    evidence: tuple[str, ...] = ()  # codes of the flags raised (clipped scores)
    log_clipped: str = ""  # the shipped verdict from the log alone (no frame evidence)
    log_unclipped: str = ""
    log_evidence: tuple[str, ...] = ()
    plain_clipped: str = ""  # the former default (plain gap rule at 3.25)
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def block(self) -> float:
        """Blocking excess: block-edge ratio of the encode minus the reference's."""
        return self.block_dis - self.block_ref

    @property
    def still(self) -> bool:
        return self.variant == "still"

    @property
    def strong(self) -> bool:
        return not self.honest and self.lift is not None and self.lift >= STRONG


def _clipped(result: Result) -> Result:
    scores = {k: np.clip(v, 0.0, 100.0) for k, v in result.scores.items()}
    return replace(result, scores=scores, clipped=True)


def _measure(row: Row, path: Path) -> Row:
    result = load_logs([path]).result
    c = credit_of("vmaf_v0.6.1", result.features)
    clipped = _clipped(result)
    row.frames = len(result.frames)  # as scored (a source may be shorter than the suite asks)
    row.gap = c.pooled
    row.default = float(c.default.mean())
    row.neg = float(np.mean(c.default - c.total))
    row.adm = float(c.adm.mean())
    row.vif = float(c.vif.mean())
    row.frame_max = float(c.total.max())
    row.extra["frame_p90"] = float(np.percentile(c.total, 90))
    row.extra["frame_sd"] = float(np.std(c.total))
    u, k = lookup(result.features, "adm2"), lookup(result.features, "adm2_egl_1")
    row.d_adm2 = float(np.mean(u - k))  # type: ignore[operator]
    row.extra |= {f"diff_{name}": v for name, v in c.feature_diffs.items()}
    row.gap_clipped = float(clipped.pooled_gap)
    stats = framestats.cached(row.id)
    row.band = float(stats.get("band_high", math.nan))
    row.block_ref = float(stats.get(f"block{BLOCK_GRID}_ref", math.nan))
    row.block_dis = float(stats.get(f"block{BLOCK_GRID}_dis", math.nan))
    row.extra |= {k: v for k, v in stats.items() if k != "band_high"}
    return row


def path_of(r: Row) -> Path:
    return suite.score_path(r.id) if r.still else video.score_path(r.id)


def projection_of(r: Row) -> Projection | None:
    """The item's pooled projection sums (``framestats.py``'s cache), None when not measured."""
    path = framestats.path_of(r.id, "proj")
    if not path.exists():
        return None
    sums = np.asarray(json.loads(path.read_text(encoding="utf-8"))["proj_sums"], dtype=float)
    return Projection(sums, r.frames, (r.width, r.height))


def grade(all_rows: list[Row]) -> None:
    """The shipped verdict of every row, clipped and unclipped, with the frame evidence
    (``grade_*``, what ``check`` given the videos says) and without it (``log_*``, what
    ``check`` given logs alone says), the codes of the flags raised, and the former plain
    rule."""
    for r in all_rows:
        result = load_logs([path_of(r)]).result
        clipped = _clipped(result)
        proj = projection_of(r)
        # The grade does not depend on the intervals: the fewest replicates check() takes.
        report = _check.check(clipped, replicates=100, projection=proj)
        r.grade_clipped = report.grade
        r.evidence = tuple(e.code for e in report.flags)
        r.grade_unclipped = _check.check(result, replicates=100, projection=proj).grade
        log_report = _check.check(clipped, replicates=100)
        r.log_clipped = log_report.grade
        r.log_evidence = tuple(e.code for e in log_report.flags)
        r.log_unclipped = _check.check(result, replicates=100).grade
        r.plain_clipped = _check.check(clipped, threshold=3.25, replicates=100).grade


def rows() -> list[Row]:
    """Every scored item of both suites (what the caches hold)."""
    out: list[Row] = []
    for it in suite.items():
        path = suite.score_path(it.id)
        if path.exists():
            r = Row(
                it.id, it.source, "still", it.honest, it.kind, it.strength, it.encoder,
                it.rate, it.base, suite.FRAMES, suite.WIDTH, suite.HEIGHT, 8,
            )  # fmt: skip
            out.append(_measure(r, path))
    for it in video.items():
        path = video.score_path(it.id)
        if path.exists():
            src = video.variant(it.variant)
            r = Row(
                it.id, it.source, it.variant, it.honest, it.kind, it.strength, it.encoder,
                it.rate, it.base, video.FRAMES, src.width, src.height, src.bits,
            )  # fmt: skip
            out.append(_measure(r, path))
    by_id = {r.id: r for r in out}
    for r in out:
        base = by_id.get(r.base)
        if base is not None:
            r.lift = r.default - base.default
    return out


# -- fitting -------------------------------------------------------------------


def _level_maxima(
    pts: list[tuple[float, float]], min_neg: float
) -> tuple[np.ndarray, np.ndarray | None]:
    """Levels every STEP from ``min_neg`` to 100 and, per level, the largest value of the
    (NEG, value) points within STEP of it; a level without points nearby takes the larger of
    its neighbours (then the largest of all). None for the values when no level has points."""
    levels = np.arange(min_neg, 100.0 + 1e-9, STEP)
    values = np.array(
        [max((v for n, v in pts if abs(n - lv) <= STEP), default=math.nan) for lv in levels]
    )
    if np.isnan(values).all():
        return levels, None
    for i in np.flatnonzero(np.isnan(values)):
        values[i] = np.nanmax(values[max(0, i - 1) : i + 2])
    return levels, np.where(np.isnan(values), np.nanmax(values), values)


def fit_envelope(honest: list[Row], min_neg: float) -> tuple[tuple[float, float], ...]:
    """Knots (NEG level, largest honest gap within STEP of it) from ``min_neg`` to 100."""
    pts = [(r.neg, r.gap) for r in honest if r.neg >= min_neg - STEP]
    levels, values = _level_maxima(pts, min_neg)
    if values is None:
        return ((min_neg, 0.0), (100.0, 0.0))
    # Non-increasing in NEG: no lower quality level is held to a smaller gap than a higher one
    # (honest data thins out at low levels; a dip there is a lack of data, not a law).
    values = np.maximum.accumulate(values[::-1])[::-1]
    return tuple((float(lv), round(float(v), 3)) for lv, v in zip(levels, values, strict=True))


def fit_block_envelope(
    enhanced: list[Row], min_neg: float, get: Callable[[Row], float] = lambda r: r.block
) -> tuple[tuple[float, float], ...]:
    """Knots (NEG level, largest blocking excess of enhanced items within STEP of it) from
    ``min_neg`` to 100: a level without enhanced items nearby takes the larger of its
    neighbours, then the knots are made non-increasing in NEG (no lower quality level is held
    to less blocking than a higher one: blocking grows as the rate falls), rounded up."""
    pts = [(r.neg, get(r)) for r in enhanced if math.isfinite(get(r))]
    levels, values = _level_maxima(pts, min_neg)
    if values is None:
        return ((min_neg, math.inf), (100.0, math.inf))
    values = np.maximum.accumulate(values[::-1])[::-1]
    return _rounded_up(levels, values)


def fit_band_envelope(honest: list[Row], min_neg: float) -> tuple[tuple[float, float], ...]:
    """Knots (NEG level, largest honest band-energy ratio within STEP of it) from ``min_neg``
    to 100, made non-decreasing in NEG: no higher quality level is held to a smaller ratio
    than a lower one (an encode of higher quality keeps at least as much detail)."""
    pts = [(r.neg, r.band) for r in honest if math.isfinite(r.band) and r.neg >= min_neg - STEP]
    levels, values = _level_maxima(pts, min_neg)
    if values is None:
        return ((min_neg, math.inf), (100.0, math.inf))
    return _rounded_up(levels, np.maximum.accumulate(values))


def _rounded_up(levels: np.ndarray, values: np.ndarray) -> tuple[tuple[float, float], ...]:
    """Knots rounded up to 1e-3: the envelope never falls below an item it was fitted on."""
    return tuple(
        (float(lv), math.ceil(float(v) * 1000.0) / 1000.0)
        for lv, v in zip(levels, values, strict=True)
    )


def envelope_at(knots: tuple[tuple[float, float], ...], neg: float) -> float:
    return float(np.interp(neg, [k[0] for k in knots], [k[1] for k in knots]))


def in_range(r: Row, min_neg: float) -> bool:
    return r.neg >= min_neg and r.frames >= MIN_FRAMES


def loso(fit: list[Row], min_neg: float) -> dict[str, float]:
    """Leave-one-source-out: the largest excess of each left-out source's honest items."""
    worst: dict[str, float] = {}
    for src in sorted({r.source for r in fit}):
        train = [r for r in fit if r.honest and r.source != src]
        knots = fit_envelope(train, min_neg)
        held = [r for r in fit if r.honest and r.source == src and in_range(r, min_neg)]
        worst[src] = max((r.gap - envelope_at(knots, r.neg) for r in held), default=-math.inf)
    return worst


def band_loso(fit: list[Row], min_neg: float) -> dict[str, float]:
    """Leave-one-source-out for the band-energy envelope (largest excess of each source)."""
    worst: dict[str, float] = {}
    for src in sorted({r.source for r in fit}):
        train = [r for r in fit if r.honest and r.source != src]
        knots = fit_band_envelope(train, min_neg)
        held = [
            r for r in fit
            if r.honest and r.source == src and in_range(r, min_neg) and math.isfinite(r.band)
        ]  # fmt: skip
        worst[src] = max((r.band - envelope_at(knots, r.neg) for r in held), default=-math.inf)
    return worst


def band_margin(worst: dict[str, float]) -> float:
    top = max((v for v in worst.values() if math.isfinite(v)), default=0.0)
    steps = max(1, math.ceil(top / BAND_MARGIN_STEP - 1e-9))
    return round(steps * BAND_MARGIN_STEP, 3)


@dataclass
class Fit:
    min_neg: float
    knots: tuple[tuple[float, float], ...]
    margin: float
    loso: dict[str, float]
    band_min_neg: float = BAND_MIN_NEG
    band_knots: tuple[tuple[float, float], ...] = ()
    band_margin: float = math.inf
    band_loso: dict[str, float] = field(default_factory=dict)
    block_knots: tuple[tuple[float, float], ...] = ()
    block_margin: float = BLOCK_MARGIN

    def block_limit(self, neg: float) -> float:
        return envelope_at(self.block_knots, neg) + self.block_margin

    def block_fires(self, r: Row) -> bool:
        """The gap rule, with a gap excess put down to blocking above the limit (evaluated
        on the frames, not shipped)."""
        return self.gap_fires(r) and not (
            math.isfinite(r.block) and r.block > self.block_limit(r.neg)
        )

    def threshold(self, neg: float) -> float:
        return envelope_at(self.knots, neg) + self.margin

    def band_threshold(self, neg: float) -> float:
        return envelope_at(self.band_knots, neg) + self.band_margin

    def gap_fires(self, r: Row) -> bool:
        return in_range(r, self.min_neg) and r.gap > self.threshold(r.neg)

    def band_fires(self, r: Row) -> bool:
        return (
            in_range(r, self.band_min_neg)
            and math.isfinite(r.band)
            and r.band > self.band_threshold(r.neg)
        )

    def fires(self, r: Row) -> bool:
        """The shipped rule: the gap rule."""
        return self.gap_fires(r)

    def combined_fires(self, r: Row) -> bool:
        """The gap rule or the band-energy rule (evaluated on the frames, not shipped)."""
        return self.gap_fires(r) or self.band_fires(r)


def fit_rule(
    all_rows: list[Row], min_neg: float = MIN_NEG, band_min_neg: float = BAND_MIN_NEG
) -> Fit:
    fit = [r for r in all_rows if r.source not in HELD_OUT]
    honest = [r for r in fit if r.honest]
    worst = band_loso(fit, band_min_neg)
    return Fit(
        min_neg,
        fit_envelope(honest, min_neg),
        MARGIN,
        loso(fit, min_neg),
        band_min_neg,
        fit_band_envelope(honest, band_min_neg),
        band_margin(worst),
        worst,
        fit_block_envelope([r for r in fit if not r.honest], min_neg),
    )


# -- writing the shipped constants ---------------------------------------------------

_BLOCK = re.compile(r"(# -- calibrated: begin\n)(.*?)(# -- calibrated: end\n)", re.S)


#: A band's fit as the rule's constants take it: (knots, margin).
BandConstants = dict[str, tuple[tuple[tuple[float, float], ...], float]]


def constants_text(f: Fit, bands: BandConstants) -> str:
    knots = "".join(f"    ({a:g}, {b:.3f}),\n" for a, b in f.knots)
    band_knots = "".join(
        f"    {k!r}: (" + ", ".join(f"({a:g}, {b:.3f})" for a, b in kn) + "),\n"
        for k, (kn, _) in bands.items()
    )
    band_margins = "".join(f"    {k!r}: {m:g},\n" for k, (_, m) in bands.items())
    return (
        f"ENVELOPE: tuple[tuple[float, float], ...] = (\n{knots})\n"
        f"MARGIN = {f.margin:g}\n"
        f"MIN_NEG = {f.min_neg:g}\n"
        f"MIN_FRAMES = {MIN_FRAMES}\n"
        f"BAND_ENVELOPES: dict[str, tuple[tuple[float, float], ...]] = {{\n{band_knots}}}\n"
        f"BAND_MARGINS: dict[str, float] = {{\n{band_margins}}}\n"
    )


def shipped_matches(f: Fit, bands: BandConstants) -> bool:
    return (
        tuple(_rule.ENVELOPE) == f.knots
        and _rule.MARGIN == f.margin
        and _rule.MIN_NEG == f.min_neg
        and _rule.MIN_FRAMES == MIN_FRAMES
        and {k: (tuple(v), _rule.BAND_MARGINS.get(k)) for k, v in _rule.BAND_ENVELOPES.items()}
        == dict(bands)
    )


def write_constants(f: Fit, bands: BandConstants) -> None:
    """Rewrite the calibrated block of pyvmafneg/verdict/_rule.py."""
    text = RULE_FILE.read_text(encoding="utf-8")
    new, n = _BLOCK.subn(lambda m: m.group(1) + constants_text(f, bands) + m.group(3), text)
    if n != 1:
        raise SystemExit(f"{RULE_FILE}: no calibrated block")
    tmp = RULE_FILE.with_suffix(".tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(RULE_FILE)
