"""A codec comparison's numbers: scored encodes, BD-rates under each model, flags.

:func:`analyse` turns scored encodes (:class:`EncodeRow`, one per
reference/encode pair, as :mod:`pyvmafneg.comparison._batch` produces them) into a
:class:`Comparison`: rate-quality curves per source and series (a series is
one codec with one setting), Bjøntegaard deltas of every series against the
anchor under default VMAF and under VMAF-NEG side by side, averaged over
sources, and the flags a codec evaluator must not miss:

- ``winner_flip``: default VMAF and VMAF-NEG disagree on which series wins,
  i.e. the ranking rests on credit VMAF-NEG caps: the BD-rates' bootstrap intervals
  (:mod:`pyvmafneg.comparison._bdinterval`) exclude zero on opposite sides
  (:func:`flip_resolved`); without per-frame scores, the signs of the
  BD-rates differ;
- ``flip_unresolved``: the BD-rates' signs differ but an interval reaches
  across zero: the ranking is not resolved (not gating);
- ``bd_gap``: the default-vs-NEG BD-rate difference exceeds a threshold;
- ``curve``: a curve cannot be used (fewer than four points, not monotonic,
  failed encodes, no overlap); the message says why, nothing crashes;
- ``encode_gap``: one encode's pooled default − NEG gap is above the
  enhancement-gain checker's threshold;
- ``hull_shift``: in a ladder (a series whose encodes span resolutions),
  default VMAF and VMAF-NEG put different encodes on the convex hull, so
  they would send different rungs at some bitrate.

A series whose encodes come at more than one resolution is a ladder: its
curve is the convex hull of its points (:mod:`pyvmafneg.comparison._hull`),
and BD-rates are taken between hulls. A series at one resolution keeps all
its points.

Example
-------
>>> rows = [
...     EncodeRow(source="a", codec="x264", setting=s, point=f"crf{c}", file=f"{s}{c}.mkv",
...               reference="a.y4m", bitrate_kbps=r, scores={"vmaf": v, "vmaf_neg": n})
...     for s, c, r, v, n in [
...         ("plain", 20, 900, 95, 93), ("plain", 24, 600, 91, 89),
...         ("plain", 28, 400, 86, 84), ("plain", 32, 250, 80, 78),
...         ("sharp", 20, 950, 99, 90), ("sharp", 24, 640, 96, 86),
...         ("sharp", 28, 430, 92, 81), ("sharp", 32, 270, 87, 75)]
... ]
>>> comparison = analyse(rows, anchor="x264 plain")
>>> for flag in comparison.flips():
...     print(flag.message)  # doctest: +NORMALIZE_WHITESPACE
on a: default VMAF picks 'x264 sharp' (BD-rate ...) but VMAF-NEG picks 'x264 plain' ...
on average: default VMAF picks 'x264 sharp' ...
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, cast

from .._defaults import DEFAULT_BD_REPLICATES
from ..errors import OptionError

__all__ = [
    "AVERAGE",
    "GATING_FLAGS",
    "BDEntry",
    "Comparison",
    "EncodeRow",
    "Flag",
    "Hull",
    "HullShift",
    "LadderPick",
    "analyse",
    "flip_resolved",
    "rung_label",
    "series_name",
    "to_bd_csv",
    "to_csv",
    "to_ladder_csv",
    "to_text",
]

#: The ``source`` of BD entries averaged over every source.
AVERAGE = "all sources"


def series_name(codec: str, setting: str) -> str:
    """The label of a series: ``'<codec> <setting>'`` (e.g. ``'x264 sharpened'``)."""
    return f"{codec} {setting}".strip()


@dataclass
class EncodeRow:
    """One encode scored against its reference.

    Attributes
    ----------
    source:
        Name of the reference (the source the encode was made from).
    codec, setting:
        Codec/encoder label and setting label from the manifest; together
        they name the series (:attr:`series`).
    point:
        Label of this rate point within the series (e.g. ``'crf28'``).
    file, reference:
        Paths of the encode and of its reference.
    bitrate_kbps:
        Bitrate in kilobits per second (given, or file size / duration).
    bitrate_from:
        ``'given'`` or ``'file size'``.
    scores:
        Pooled (arithmetic mean) score per model name, e.g. ``{'vmaf': 93.1,
        'vmaf_neg': 91.6}``; empty when scoring failed.
    gap:
        Pooled default − NEG gap in VMAF points (None without both models).
    max_frame_gap:
        Largest per-frame default − NEG gap.
    check:
        The enhancement-gain check of this encode
        (:meth:`pyvmafneg.CheckReport.as_dict` without per-frame rows), or
        None without both models.
    pooled:
        Per model: ``mean``, ``harmonic_mean``, ``min``, ``max``, ``p1``,
        ``p5``, ``p50`` of the per-frame scores.
    frames, width, height, fps:
        What was scored (``width`` x ``height`` is the size scored at).
    resolution:
        The encode's own coded size, ``'WxH'`` (a rung of a ladder), or None
        when unknown.
    status:
        ``'ok'`` or ``'error'``.
    error:
        The error message when ``status == 'error'``.
    key:
        Content key of the pair in the result store.
    seconds:
        Wall time spent scoring the pair.
    frame_scores:
        Per model (the keys of :attr:`scores`): the per-frame scores whose mean
        is the pooled score, kept for the comparison's bootstrap intervals
        (empty in rows stored before they were kept: such rows get no interval).
    """

    source: str
    codec: str
    setting: str
    point: str = ""
    file: str = ""
    reference: str = ""
    bitrate_kbps: float | None = None
    bitrate_from: str = "given"
    scores: dict[str, float] = field(default_factory=dict)
    gap: float | None = None
    max_frame_gap: float | None = None
    check: dict[str, Any] | None = None
    pooled: dict[str, dict[str, float | None]] = field(default_factory=dict)
    frames: int | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    resolution: str | None = None
    status: str = "ok"
    error: str | None = None
    key: str = ""
    seconds: float | None = None
    frame_scores: dict[str, list[float]] = field(default_factory=dict)

    @property
    def series(self) -> str:
        """``'<codec> <setting>'``."""
        return series_name(self.codec, self.setting)

    @property
    def ok(self) -> bool:
        """True when the pair was scored."""
        return self.status == "ok"

    @property
    def verdict(self) -> str | None:
        """The check's verdict (``clean``, ``borderline``, ``flagged``), or None."""
        return None if not self.check else str(self.check.get("verdict"))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (the row format of the store and of JSON output)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EncodeRow:
        """Inverse of :meth:`as_dict`; unknown keys are ignored."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class BDEntry:
    """Bjøntegaard deltas of one test series against the anchor, under one model.

    Attributes
    ----------
    source:
        Source name, or :data:`AVERAGE` for the mean over sources.
    anchor, test:
        Series names.
    metric:
        Model name (e.g. ``'vmaf'`` or ``'vmaf_neg'``).
    bd_rate:
        Percent bitrate change of ``test`` at equal quality (negative = test
        saves bits); None when it could not be computed.
    bd_quality:
        Score change of ``test`` at equal bitrate, in score points.
    problem:
        Why a value is missing (plain English), else None.
    sources:
        For :data:`AVERAGE` entries: how many sources the mean covers.
    bd_rate_low, bd_rate_high:
        Bootstrap interval of :attr:`bd_rate` (percent) at :attr:`level`, over
        frames and, for :data:`AVERAGE` entries, over sources
        (:mod:`pyvmafneg.comparison._bdinterval`); None without per-frame scores.
    bd_quality_low, bd_quality_high:
        The same for :attr:`bd_quality` (score points).
    level:
        Coverage aimed at by the intervals, e.g. 0.95 (None without interval).
    replicates:
        Bootstrap replicates the interval rests on (0 without interval).
    """

    source: str
    anchor: str
    test: str
    metric: str
    bd_rate: float | None
    bd_quality: float | None
    problem: str | None = None
    sources: int = 1
    bd_rate_low: float | None = None
    bd_rate_high: float | None = None
    bd_quality_low: float | None = None
    bd_quality_high: float | None = None
    level: float | None = None
    replicates: int = 0

    @property
    def has_interval(self) -> bool:
        """True when :attr:`bd_rate` has a bootstrap interval."""
        return self.bd_rate_low is not None and self.bd_rate_high is not None


@dataclass(frozen=True)
class Flag:
    """Something in a comparison a reader must look at.

    ``kind`` is one of ``winner_flip``, ``flip_unresolved``, ``bd_gap``, ``curve``, ``encode_gap``,
    ``residual_gain`` (a hint, not gating).
    """

    kind: str
    message: str
    source: str | None = None
    series: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """Plain dict."""
        return asdict(self)


@dataclass(frozen=True)
class Hull:
    """The convex hull of one ladder (source and series) under one metric.

    Attributes
    ----------
    source, series, metric:
        Where it belongs.
    encodes:
        Point labels of the encodes on the hull, by rising rate.
    resolutions:
        Their coded sizes (``'WxH'``), same order.
    points:
        Their ``(kbps, score)``.
    curve:
        The ``(kbps, score)`` points BD uses: the hull of every rung's
        interpolated points (see :func:`pyvmafneg.comparison._hull.ladder_curve`).
    dominated:
        Point labels of the scored encodes not on the hull.
    """

    source: str
    series: str
    metric: str
    encodes: list[str]
    resolutions: list[str]
    points: list[tuple[float, float]]
    curve: list[tuple[float, float]]
    dominated: list[str]


@dataclass(frozen=True)
class HullShift:
    """Where default VMAF and VMAF-NEG would send different rungs of one ladder.

    Attributes
    ----------
    source, series:
        The ladder.
    default_hull, neg_hull:
        Point labels on the hull under each model, by rising rate.
    choices:
        One dict per bitrate (a rate of a hull encode under either model)
        where the two models pick different encodes: ``kbps``, the encode
        each picks (``default_pick``, ``neg_pick``, labels with resolution),
        and the cost in the other model's terms: ``default_pick_neg`` and
        ``neg_pick_neg`` (both picks' VMAF-NEG scores), ``default_pick_default``
        and ``neg_pick_default`` (their default VMAF scores).
    """

    source: str
    series: str
    default_hull: list[str]
    neg_hull: list[str]
    choices: list[dict[str, Any]]


@dataclass(frozen=True)
class LadderPick:
    """The hull encode of one ladder nearest one target, under one model.

    Attributes
    ----------
    source, series, metric:
        The ladder and the model whose hull the encode is taken from.
    target, unit:
        The target and its unit: ``'kbps'`` (nearest on a log-rate axis) or
        ``'score'`` (nearest score under ``metric``).
    point, resolution, kbps, score:
        The encode picked (None when the ladder has no hull under ``metric``).
    """

    source: str
    series: str
    metric: str
    target: float
    unit: str
    point: str | None
    resolution: str | None
    kbps: float | None
    score: float | None


@dataclass
class Comparison:
    """A whole comparison: scored encodes, BD table, flags, provenance.

    Attributes
    ----------
    rows:
        Every encode, scored or failed.
    bd:
        BD entries per source and averaged (:data:`AVERAGE`), for every test
        series against :attr:`anchor` and every metric in :attr:`metrics`.
    flags:
        See the module docstring.
    anchor:
        The series every other one is compared with.
    metrics:
        Model names compared (default first, then NEG, then any others).
    default_metric, neg_metric:
        Names of the default and NEG models among :attr:`metrics` (None if absent).
    method:
        Interpolation used for BD: ``'pchip'`` or ``'cubic'``.
    bd_gap_threshold:
        BD-rate difference (percentage points) above which ``bd_gap`` is flagged.
    gap_threshold:
        Pooled default − NEG gap (VMAF points) above which an encode is flagged.
    provenance:
        Models, options and versions (pyvmafneg, libvmaf, FFmpeg, ...) that
        produced every number.
    hulls:
        The convex hull of every ladder (a source's series spanning
        resolutions) under every metric.
    hull_shifts:
        Ladders whose hull differs between default VMAF and VMAF-NEG.
    ladder:
        Per-title ladder suggestion, filled by :meth:`suggest_ladder`.
    """

    rows: list[EncodeRow]
    bd: list[BDEntry]
    flags: list[Flag]
    anchor: str
    metrics: list[str]
    default_metric: str | None = "vmaf"
    neg_metric: str | None = "vmaf_neg"
    method: str = "pchip"
    bd_gap_threshold: float = 5.0
    gap_threshold: float = 3.5
    provenance: dict[str, str] = field(default_factory=dict)
    hulls: list[Hull] = field(default_factory=list)
    hull_shifts: list[HullShift] = field(default_factory=list)
    ladder: list[LadderPick] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        """Source names in manifest order."""
        return list(dict.fromkeys(r.source for r in self.rows))

    @property
    def series(self) -> list[str]:
        """Series names in manifest order (the anchor first)."""
        names = list(dict.fromkeys(r.series for r in self.rows))
        if self.anchor in names:
            names.remove(self.anchor)
            names.insert(0, self.anchor)
        return names

    def curve(self, source: str, series: str, metric: str) -> list[tuple[float, float]]:
        """(kbps, score) points of one curve, sorted by bitrate (scored encodes only)."""
        points = [
            (r.bitrate_kbps, r.scores[metric])
            for r in self.rows
            if r.source == source
            and r.series == series
            and r.ok
            and r.bitrate_kbps is not None
            and metric in r.scores
        ]
        return sorted(points)

    def resolutions(self, source: str, series: str) -> list[str]:
        """Coded sizes (``'WxH'``) of the scored encodes of one series of one source."""
        return list(
            dict.fromkeys(
                r.resolution
                for r in self.rows
                if r.source == source and r.series == series and r.ok and r.resolution
            )
        )

    def is_ladder(self, source: str, series: str) -> bool:
        """True when the series' scored encodes of this source span resolutions."""
        return len(self.resolutions(source, series)) > 1

    def hull(self, source: str, series: str, metric: str) -> Hull | None:
        """The convex hull of a ladder under one metric (None if not a ladder)."""
        for h in self.hulls:
            if (h.source, h.series, h.metric) == (source, series, metric):
                return h
        return None

    def bd_curve(self, source: str, series: str, metric: str) -> list[tuple[float, float]]:
        """The curve BD uses: a ladder's hull curve, else every point (:meth:`curve`)."""
        h = self.hull(source, series, metric)
        return list(h.curve) if h is not None else self.curve(source, series, metric)

    def suggest_ladder(
        self,
        kbps: Sequence[float] = (),
        scores: Sequence[float] = (),
    ) -> list[LadderPick]:
        """Per source and series, the hull encode nearest each target, under each model.

        Parameters
        ----------
        kbps:
            Bitrate targets in kbps (> 0): the hull encode nearest each on a
            log-rate axis.
        scores:
            Quality targets in score points (e.g. VMAF 80, 90, 95): the hull
            encode whose score under each model is nearest.

        Returns
        -------
        list of LadderPick
            Also kept as :attr:`ladder`. Series at one resolution use all
            their points as their hull.

        Raises
        ------
        OptionError
            A target that is not a finite number (rates: > 0).
        """
        from ._hull import hull_indices, pick_nearest_quality, pick_nearest_rate

        for value in kbps:
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise OptionError(f"ladder bitrate targets must be numbers > 0 kbps; got {value!r}")
        for value in scores:
            if not (isinstance(value, (int, float)) and math.isfinite(value)):
                raise OptionError(f"ladder quality targets must be finite numbers; got {value!r}")
        models = [m for m in (self.default_metric, self.neg_metric) if m is not None]
        picks: list[LadderPick] = []
        for source in self.sources:
            for series in self.series:
                for metric in models:
                    rows = _curve_rows(self, source, series, metric)
                    pts = [(r.bitrate_kbps, r.scores[metric]) for r in rows]
                    hull = [rows[i] for i in hull_indices(pts)]  # type: ignore[arg-type]
                    hpts = [(r.bitrate_kbps, r.scores[metric]) for r in hull]
                    for unit, targets in (("kbps", kbps), ("score", scores)):
                        pick = pick_nearest_rate if unit == "kbps" else pick_nearest_quality
                        for target in targets:
                            r = None  # no points on the curve: the target is listed, unmatched
                            if hull:
                                r = hull[pick(hpts, float(target))]  # type: ignore[arg-type]
                            picks.append(
                                LadderPick(
                                    source,
                                    series,
                                    metric,
                                    float(target),
                                    unit,
                                    None if r is None else r.point,
                                    None if r is None else r.resolution,
                                    None if r is None else r.bitrate_kbps,
                                    None if r is None else r.scores[metric],
                                )  # fmt: skip
                            )
        self.ladder = picks
        return picks

    def entry(self, source: str, test: str, metric: str) -> BDEntry | None:
        """The BD entry of ``test`` vs the anchor for one source (or :data:`AVERAGE`)."""
        for e in self.bd:
            if e.source == source and e.test == test and e.metric == metric:
                return e
        return None

    def flips(self) -> list[Flag]:
        """The ``winner_flip`` flags."""
        return [f for f in self.flags if f.kind == "winner_flip"]

    def to_pandas(self, table: str = "encodes") -> Any:
        """A table of the comparison as a ``pandas.DataFrame`` (pandas is optional).

        ``table`` is ``'encodes'`` (one row per encode, one column per pooled
        score), ``'bd'`` (one row per BD entry) or ``'flags'``; see
        :func:`pyvmafneg.comparison.load` to open a finished comparison.
        """
        from ._frames import comparison_frame

        return comparison_frame(self, table)

    def _repr_html_(self) -> str:
        """Notebook view: averaged BD-rates, the flags and one source's RD curves."""
        from ._frames import comparison_html

        return comparison_html(self)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict of everything."""
        return {
            "anchor": self.anchor,
            "metrics": self.metrics,
            "default_metric": self.default_metric,
            "neg_metric": self.neg_metric,
            "method": self.method,
            "bd_gap_threshold": self.bd_gap_threshold,
            "gap_threshold": self.gap_threshold,
            "provenance": self.provenance,
            "rows": [r.as_dict() for r in self.rows],
            "bd": [asdict(e) for e in self.bd],
            "flags": [f.as_dict() for f in self.flags],
            "hulls": [asdict(h) for h in self.hulls],
            "hull_shifts": [asdict(h) for h in self.hull_shifts],
            "ladder": [asdict(p) for p in self.ladder],
        }


#: Series of the older metrics scored beside VMAF, listed last and in this order.
CLASSIC_SERIES: tuple[str, ...] = ("psnr_y", "float_ssim")


def _order_metrics(rows: Sequence[EncodeRow], default: str | None, neg: str | None) -> list[str]:
    seen = list(dict.fromkeys(k for r in rows for k in r.scores))
    first = [m for m in (default, neg) if m is not None and m in seen]
    last = [m for m in CLASSIC_SERIES if m in seen]
    return first + [m for m in seen if m not in first and m not in last] + last


def _curve_rows(c: Comparison, source: str, series: str, metric: str) -> list[EncodeRow]:
    """Scored encodes of one curve with a bitrate and a score under ``metric``, by rate."""
    rows = [
        r
        for r in c.rows
        if r.source == source
        and r.series == series
        and r.ok
        and r.bitrate_kbps is not None
        and r.scores.get(metric) is not None
    ]
    return sorted(rows, key=lambda r: (r.bitrate_kbps, -r.scores[metric]))  # type: ignore[operator]


def rung_label(row: EncodeRow) -> str:
    """An encode named as a rung: ``'crf26 at 426x240'`` (or its point label alone)."""
    label = row.point or row.file
    return f"{label} at {row.resolution}" if row.resolution else label


def _check_frame_rates(rows: Sequence[EncodeRow]) -> None:
    """Refuse a series of one source whose encodes come at different frame rates."""
    from ..errors import LadderError

    groups: dict[tuple[str, str], list[EncodeRow]] = {}
    for r in rows:
        if r.ok and r.fps:
            groups.setdefault((r.source, r.series), []).append(r)
    for (source, series), members in groups.items():
        rates = sorted({round(float(r.fps), 6) for r in members})  # type: ignore[arg-type]
        if rates[-1] > rates[0] * (1 + 1e-3):
            shown = ", ".join(
                f"{rung_label(r)} {float(r.fps):g} fps"  # type: ignore[arg-type]
                for r in members
                if round(float(r.fps), 6) in (rates[0], rates[-1])  # type: ignore[arg-type]
            )
            raise LadderError(
                f"{source}: the encodes of series {series!r} come at different frame rates "
                f"({shown}); the rate points of one series must share a frame rate, or their "
                "bitrates and scores do not compare",
                advice="give each frame rate its own setting (series), or re-encode at one rate",
                source=source,
                series=series,
            )


def _build_hulls(c: Comparison) -> None:
    """The convex hull of every ladder (series spanning resolutions) under every metric."""
    from ._hull import hull_indices, ladder_curve

    for source in c.sources:
        for series in c.series:
            if not c.is_ladder(source, series):
                continue
            for metric in c.metrics:
                rows = _curve_rows(c, source, series, metric)
                pts = [(r.bitrate_kbps, r.scores[metric]) for r in rows]
                on = hull_indices(pts)  # type: ignore[arg-type]
                rungs: dict[str, list[tuple[float, float]]] = {}
                for r in rows:
                    rungs.setdefault(r.resolution or "", []).append(
                        (r.bitrate_kbps, r.scores[metric])  # type: ignore[arg-type]
                    )
                c.hulls.append(
                    Hull(
                        source=source,
                        series=series,
                        metric=metric,
                        encodes=[rows[i].point for i in on],
                        resolutions=[rows[i].resolution or "" for i in on],
                        points=[pts[i] for i in on],  # type: ignore[misc]
                        curve=ladder_curve(list(rungs.values())),
                        dominated=[r.point for i, r in enumerate(rows) if i not in on],
                    )
                )


def _hull_problem(c: Comparison, source: str, series: str, metric: str) -> str | None:
    """Why a ladder's hull cannot give a BD value (fewer than four points), or None."""
    h = c.hull(source, series, metric)
    if h is None or len(h.curve) >= 4:
        return None
    if len(h.encodes) == 1 and h.dominated:
        return (
            f"{series}: the convex hull across resolutions is one point: every other encode "
            f"({', '.join(h.dominated)}) is dominated by {h.encodes[0]} at {h.resolutions[0]}; "
            "BD-rate and BD-quality need at least 4 hull points"
        )
    return (
        f"{series}: the convex hull across resolutions has {len(h.curve)} point(s) "
        f"({len(h.encodes)} encode(s): {', '.join(h.encodes) or 'none'}); BD-rate and "
        "BD-quality need at least 4"
    )


def _flag_hull_shifts(c: Comparison) -> None:
    """``hull_shift``: default VMAF and VMAF-NEG would send different rungs of a ladder."""
    from ._hull import pick_at_rate

    d, n = c.default_metric, c.neg_metric
    if d is None or n is None:
        return
    for source in c.sources:
        for series in c.series:
            hd, hn = c.hull(source, series, d), c.hull(source, series, n)
            if hd is None or hn is None or not hd.encodes or not hn.encodes:
                continue
            if list(hd.encodes) == list(hn.encodes):
                continue
            rows = {
                r.point: r for r in c.rows if r.source == source and r.series == series and r.ok
            }
            choices: list[dict[str, Any]] = []
            for kbps in sorted({p[0] for p in (*hd.points, *hn.points)}):
                pd = rows[hd.encodes[pick_at_rate(hd.points, kbps)]]
                pn = rows[hn.encodes[pick_at_rate(hn.points, kbps)]]
                if pd.point == pn.point:
                    continue
                choices.append(
                    {
                        "kbps": kbps,
                        "default_pick": rung_label(pd),
                        "neg_pick": rung_label(pn),
                        "default_pick_kbps": pd.bitrate_kbps,
                        "neg_pick_kbps": pn.bitrate_kbps,
                        "default_pick_default": pd.scores.get(d),
                        "neg_pick_default": pn.scores.get(d),
                        "default_pick_neg": pd.scores.get(n),
                        "neg_pick_neg": pn.scores.get(n),
                    }
                )
            shift = HullShift(source, series, list(hd.encodes), list(hn.encodes), choices)
            c.hull_shifts.append(shift)
            if choices:
                first = choices[0]
                more = f" (and at {len(choices) - 1} more rate(s))" if len(choices) > 1 else ""
                loss = first["neg_pick_neg"] - first["default_pick_neg"]
                gain = first["default_pick_default"] - first["neg_pick_default"]
                message = (
                    f"{source}: {series}: at {first['kbps']:.0f} kbps default VMAF picks "
                    f"{first['default_pick']} but VMAF-NEG picks {first['neg_pick']}{more}; "
                    f"the default's pick scores {first['default_pick_neg']:.2f} under VMAF-NEG, "
                    f"{loss:.2f} below NEG's pick, which scores {gain:.2f} below the default's "
                    "pick under default VMAF: the default hull rests on credit that VMAF-NEG caps"
                )
            else:
                message = (
                    f"{source}: {series}: the convex hull under default VMAF "
                    f"({', '.join(hd.encodes)}) differs from the hull under VMAF-NEG "
                    f"({', '.join(hn.encodes)}), though no bitrate picks a different encode"
                )
            c.flags.append(Flag("hull_shift", message, source, series))


#: Flag codes of the check whose evidence points to enhancement (not a large gap alone).
ENHANCEMENT_EVIDENCE = frozenset({"above_ceiling", "excess", "band_energy", "residual_gain"})


def _cause(hits: list[EncodeRow]) -> str:
    """What the flagged encodes' evidence says of the cause, naming enhancement only where
    evidence for it fired (frames above their own ceiling, a gap or fine detail beyond
    honest encodes of the same quality)."""
    pointed = [
        r.point for r in hits
        if r.check and {e["code"] for e in r.check.get("flags", [])} & ENHANCEMENT_EVIDENCE
    ]  # fmt: skip
    gap_only = "a large gap only, which honest very-low-rate encodes and upscaled rungs reach too"
    if len(pointed) == len(hits):
        return "the evidence points to enhancement that default VMAF rewards"
    if pointed:
        return (
            f"for {', '.join(pointed)} the evidence points to enhancement; the others show "
            f"{gap_only}"
        )
    return f"{gap_only}: not by itself a sign of enhancement"


def analyse(
    rows: Iterable[EncodeRow],
    *,
    anchor: str | None = None,
    method: str = "pchip",
    bd_gap_threshold: float = 5.0,
    gap_threshold: float = 3.5,
    default_metric: str | None = "vmaf",
    neg_metric: str | None = "vmaf_neg",
    provenance: Mapping[str, str] | None = None,
    replicates: int = DEFAULT_BD_REPLICATES,
    level: float = 0.95,
) -> Comparison:
    """BD-rates of every series against the anchor, per source and averaged, with flags.

    Parameters
    ----------
    rows:
        Scored (and failed) encodes.
    anchor:
        Series name (``'<codec> <setting>'``) to compare against; default:
        the first series in ``rows``.
    method:
        ``'pchip'`` (piecewise cubic Hermite on log-rate, current practice)
        or ``'cubic'`` (the classic VCEG-M33 polynomial fit).
    bd_gap_threshold:
        Flag ``bd_gap`` when default and NEG BD-rates differ by more than
        this many percentage points (>= 0).
    gap_threshold:
        Flag ``encode_gap`` when an encode's pooled default − NEG gap exceeds
        this many VMAF points (honest encodes sit at about 1 to 3).
    default_metric, neg_metric:
        Model names of default VMAF and VMAF-NEG in the rows' scores.
    provenance:
        Stored as is on the result.
    replicates, level:
        Bootstrap replicates (>= 100) and coverage (in (0, 1)) of the BD
        intervals, over frames and sources
        (:mod:`pyvmafneg.comparison._bdinterval`); rows without per-frame
        scores get no interval.

    Raises
    ------
    OptionError
        Unknown method, unknown anchor, negative thresholds, no rows.
    """
    from ._bdrate import BDRateError, Method, bd_quality, bd_rate, check_curve

    rows = list(rows)
    if not rows:
        raise OptionError("nothing to analyse: the comparison has no encodes")
    if method not in ("pchip", "cubic"):
        raise OptionError(f"unknown BD interpolation {method!r}; use 'pchip' or 'cubic'")
    bd_method = cast(Method, method)
    for name, value in (("bd_gap_threshold", bd_gap_threshold), ("gap_threshold", gap_threshold)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise OptionError(f"{name} must be a finite number >= 0; got {value!r}")
    all_series = list(dict.fromkeys(r.series for r in rows))
    if anchor is None:
        anchor = all_series[0]
    elif anchor not in all_series:
        raise OptionError(
            f"anchor {anchor!r} is not a series of this comparison; "
            f"series are: {', '.join(repr(s) for s in all_series)}"
        )
    _check_frame_rates(rows)
    metrics = _order_metrics(rows, default_metric, neg_metric)
    comparison = Comparison(
        rows=rows,
        bd=[],
        flags=[],
        anchor=anchor,
        metrics=metrics,
        default_metric=default_metric if default_metric in metrics else None,
        neg_metric=neg_metric if neg_metric in metrics else None,
        method=method,
        bd_gap_threshold=float(bd_gap_threshold),
        gap_threshold=float(gap_threshold),
        provenance=dict(provenance or {}),
    )
    _build_hulls(comparison)
    flags = comparison.flags
    high: dict[tuple[str, str], list[EncodeRow]] = {}
    for r in rows:
        if not r.ok:
            flags.append(
                Flag(
                    "curve",
                    f"{r.source}: {r.series} {r.point or r.file} failed and is left out: {r.error}",
                    r.source,
                    r.series,
                )
            )
        elif r.verdict == "flagged" or (
            r.verdict is None and r.gap is not None and r.gap > gap_threshold
        ):
            high.setdefault((r.source, r.series), []).append(r)
    for (source, series), hits in high.items():
        total = sum(1 for r in rows if (r.source, r.series) == (source, series) and r.ok)
        gaps = sorted(r.gap for r in hits)  # type: ignore[type-var]
        span = f"{gaps[0]:.2f}" if len(gaps) == 1 else f"{gaps[0]:.2f} to {gaps[-1]:.2f}"
        why = sorted({e["code"] for r in hits if r.check for e in r.check.get("flags", [])})
        points = ", ".join(r.point for r in hits)
        if why:
            what = (
                f"{len(hits)} of {total} encodes are flagged by the enhancement-gain check "
                f"({', '.join(why)}; default - NEG gap {span}; {points})"
            )
        else:
            what = (
                f"{len(hits)} of {total} encodes have a pooled default - NEG gap above "
                f"{gap_threshold:g} points ({span}; {points}; not checked)"
            )
        flags.append(
            Flag("encode_gap", f"{source}: {series}: {what}: {_cause(hits)}", source, series)
        )
    tests = [s for s in comparison.series if s != anchor]
    reported: set[tuple[str, str]] = set()
    for metric in metrics:
        for test in tests:
            per_source: list[BDEntry] = []
            for source in comparison.sources:
                a = comparison.bd_curve(source, anchor, metric)
                t = comparison.bd_curve(source, test, metric)
                problem = None
                rate = quality = None
                if not a or not t:
                    missing = anchor if not a else test
                    problem = f"no scored encodes of {missing!r} for this source"
                else:
                    problem = _hull_problem(comparison, source, anchor, metric) or _hull_problem(
                        comparison, source, test, metric
                    )
                if problem is None and a and t:
                    for name, pts in ((anchor, a), (test, t)):
                        check = check_curve([p[0] for p in pts], [p[1] for p in pts])
                        if not check.ok:
                            problem = f"{name}: " + "; ".join(check.problems)
                            break
                    if problem is None:
                        curves = (
                            [p[0] for p in a],
                            [p[1] for p in a],
                            [p[0] for p in t],
                            [p[1] for p in t],
                        )
                        try:
                            rate = bd_rate(*curves, method=bd_method)
                            quality = bd_quality(*curves, method=bd_method)
                        except BDRateError as exc:
                            problem = str(exc)
                if problem is not None and (source, problem) not in reported:
                    reported.add((source, problem))
                    flags.append(
                        Flag(
                            "curve",
                            f"{source}: {metric} BD of {test!r} vs {anchor!r} not computed: "
                            f"{problem}",
                            source,
                            test,
                        )
                    )
                per_source.append(
                    BDEntry(source, anchor, test, metric, rate, quality, problem or None)
                )
            comparison.bd.extend(per_source)
            usable = [e for e in per_source if e.bd_rate is not None]
            if usable:
                mean_rate = sum(e.bd_rate for e in usable) / len(usable)  # type: ignore[misc]
                mean_q = sum(e.bd_quality for e in usable) / len(usable)  # type: ignore[misc]
                note = None
                if len(usable) < len(per_source):
                    note = f"mean over {len(usable)} of {len(per_source)} sources"
                comparison.bd.append(
                    BDEntry(AVERAGE, anchor, test, metric, mean_rate, mean_q, note, len(usable))
                )
            else:
                comparison.bd.append(
                    BDEntry(
                        AVERAGE, anchor, test, metric, None, None, "no source has usable curves", 0
                    )
                )
    from ._bdinterval import _check, with_intervals

    _check(level, replicates)
    with_intervals(comparison, replicates=replicates, level=float(level))
    _flag_default_vs_neg(comparison, tests)
    _flag_hull_shifts(comparison)
    if neg_metric is not None:
        _flag_residual_gain(comparison, neg_metric)
    kinds = ("winner_flip", "flip_unresolved", "bd_gap", "hull_shift", "encode_gap", "curve")
    order = {kind: i for i, kind in enumerate(kinds)}
    comparison.flags.sort(key=lambda f: order.get(f.kind, len(order)))
    return comparison


#: Largest bitrate difference (as a ratio) between an encode and the anchor encode
#: it is held against for the residual-gain hint.
RESIDUAL_RATE_TOLERANCE = 0.10


def _flag_residual_gain(comparison: Comparison, neg: str) -> None:
    """Add ``residual_gain`` hints: against the anchor encode of the same source at a
    similar bitrate, NEG rises while PSNR-Y and SSIM fall."""
    from ..verdict._check import residual_gain_from_means

    def usable(r: EncodeRow) -> bool:
        return (
            r.ok
            and r.bitrate_kbps is not None
            and r.bitrate_kbps > 0
            and r.scores.get(neg) is not None
            and r.scores.get("psnr_y") is not None
            and r.scores.get("float_ssim") is not None
        )

    hits: dict[tuple[str, str], list[str]] = {}
    for source in comparison.sources:
        anchors = [
            r for r in comparison.rows if r.source == source and r.series == comparison.anchor
        ]
        anchors = [r for r in anchors if usable(r)]
        for r in comparison.rows:
            if r.source != source or r.series == comparison.anchor or not usable(r) or not anchors:
                continue
            base = min(anchors, key=lambda a: abs(math.log(a.bitrate_kbps / r.bitrate_kbps)))  # type: ignore[operator]
            if abs(base.bitrate_kbps / r.bitrate_kbps - 1.0) > RESIDUAL_RATE_TOLERANCE:  # type: ignore[operator]
                continue
            hint = residual_gain_from_means(
                neg=(r.scores[neg], base.scores[neg]),  # type: ignore[arg-type]
                psnr_y=(r.scores["psnr_y"], base.scores["psnr_y"]),  # type: ignore[arg-type]
                ssim=(r.scores["float_ssim"], base.scores["float_ssim"]),  # type: ignore[arg-type]
                neg_model=neg,
            )
            if hint:
                n = hint.numbers  # type: ignore[union-attr]
                hits.setdefault((source, r.series), []).append(
                    f"{r.point or r.file} vs {base.point or base.file} ({neg} "
                    f"{n['neg_change']:+.2f}, PSNR-Y {n['psnr_y_change_db']:+.2f} dB, SSIM "
                    f"{n['ssim_change']:+.4f})"
                )
    for (source, series), points in hits.items():
        comparison.flags.append(
            Flag(
                "residual_gain",
                f"{source}: {series}: against {comparison.anchor!r} at a similar bitrate, "
                f"{neg} rises while PSNR-Y and SSIM fall: {'; '.join(points)}. A hint, not "
                "proof: NEG caps enhancement gain but is not un-gameable",
                source,
                series,
            )
        )


def _flag_default_vs_neg(comparison: Comparison, tests: Sequence[str]) -> None:
    """Add ``winner_flip`` and ``bd_gap`` flags comparing default and NEG BD-rates."""
    d, n = comparison.default_metric, comparison.neg_metric
    if d is None or n is None:
        return
    for test in tests:
        for source in [*comparison.sources, AVERAGE]:
            ed, en = comparison.entry(source, test, d), comparison.entry(source, test, n)
            if ed is None or en is None or ed.bd_rate is None or en.bd_rate is None:
                continue
            where = "on average" if source == AVERAGE else f"on {source}"
            if (ed.bd_rate < 0) != (en.bd_rate < 0):
                winner_d = test if ed.bd_rate < 0 else comparison.anchor
                winner_n = test if en.bd_rate < 0 else comparison.anchor
                if not (ed.has_interval and en.has_interval):
                    comparison.flags.append(
                        Flag(
                            "winner_flip",
                            f"{where}: default VMAF picks {winner_d!r} (BD-rate "
                            f"{ed.bd_rate:+.1f} %) but VMAF-NEG picks {winner_n!r} (BD-rate "
                            f"{en.bd_rate:+.1f} %): the default ranking rests on credit that "
                            "VMAF-NEG caps",
                            source,
                            test,
                        )
                    )
                elif flip_resolved(ed, en):
                    comparison.flags.append(
                        Flag(
                            "winner_flip",
                            f"{where}: default VMAF picks {winner_d!r} (BD-rate "
                            f"{_with_interval(ed)}) but VMAF-NEG picks {winner_n!r} (BD-rate "
                            f"{_with_interval(en)}); the {_level(ed)} intervals exclude zero on "
                            "opposite sides: the default ranking rests on credit that VMAF-NEG "
                            "caps",
                            source,
                            test,
                        )
                    )
                else:
                    comparison.flags.append(
                        Flag(
                            "flip_unresolved",
                            f"{where}: default VMAF leans to {winner_d!r} (BD-rate "
                            f"{_with_interval(ed)}) and VMAF-NEG to {winner_n!r} (BD-rate "
                            f"{_with_interval(en)}), but an interval reaches across zero: the "
                            "ranking is not resolved (more frames or sources would tell)",
                            source,
                            test,
                        )
                    )
            diff = en.bd_rate - ed.bd_rate
            if abs(diff) > comparison.bd_gap_threshold:
                comparison.flags.append(
                    Flag(
                        "bd_gap",
                        f"{where}: {test!r} vs {comparison.anchor!r}: BD-rate {ed.bd_rate:+.1f} % "
                        f"under default VMAF, {en.bd_rate:+.1f} % under VMAF-NEG "
                        f"(differ by {abs(diff):.1f} points > {comparison.bd_gap_threshold:g})",
                        source,
                        test,
                    )
                )


def flip_resolved(default: BDEntry, neg: BDEntry) -> bool:
    """True when the BD-rate intervals under the two models exclude zero on opposite sides.

    That is: one interval lies wholly below zero (that model's winner is the
    test series) and the other wholly above zero (that model's winner is the
    anchor). The two intervals then cannot overlap, and each model's ranking
    is itself resolved. False when either entry has no interval.
    """
    if not (default.has_interval and neg.has_interval):
        return False
    d_lo, d_hi = default.bd_rate_low, default.bd_rate_high
    n_lo, n_hi = neg.bd_rate_low, neg.bd_rate_high
    return (d_hi < 0 < n_lo) or (n_hi < 0 < d_lo)  # type: ignore[operator]


def _with_interval(e: BDEntry) -> str:
    """``'+21.6 % [+15.0, +28.1]'``."""
    return f"{e.bd_rate:+.1f} % [{e.bd_rate_low:+.1f}, {e.bd_rate_high:+.1f}]"


def _level(e: BDEntry) -> str:
    return f"{100 * (e.level or 0.95):g} %"


#: Flag kinds that make ``pyvmafneg compare`` exit with status 1.
GATING_FLAGS: tuple[str, ...] = ("winner_flip", "bd_gap", "hull_shift", "encode_gap")


def _fmt(value: float | None, spec: str, na: str = "n/a") -> str:
    return na if value is None else format(value, spec)


def to_text(comparison: Comparison) -> str:
    """The comparison as plain text: encodes, BD table, flags."""
    c = comparison
    metrics = c.metrics
    lines = [f"{len(c.rows)} encodes of {len(c.sources)} source(s); anchor: {c.anchor!r}", ""]
    head = f"{'source':<12} {'series':<22} {'point':<8} {'kbps':>8}"
    head += "".join(f" {m[:10]:>10}" for m in metrics) + f" {'gap':>6} {'max gap':>7}"
    head += f" {'verdict':<10}"
    lines += [head, "-" * len(head)]
    for r in c.rows:
        line = f"{r.source[:12]:<12} {r.series[:22]:<22} {r.point[:8]:<8} "
        line += f"{_fmt(r.bitrate_kbps, '8.1f', '     n/a')}"
        if not r.ok:
            lines.append(f"{line}  FAILED: {r.error}")
            continue
        line += "".join(f" {_fmt(r.scores.get(m), '10.2f', '       n/a')}" for m in metrics)
        line += f" {_fmt(r.gap, '6.2f', '   n/a')} {_fmt(r.max_frame_gap, '7.2f', '    n/a')}"
        line += f" {r.verdict or 'n/a':<10}"
        lines.append(line)
    tests = [s for s in c.series if s != c.anchor]
    if tests:
        lines += [
            "",
            f"BD-rate (% bits at equal quality, {c.method}) and BD-quality (points) vs "
            f"{c.anchor!r}; negative BD-rate = fewer bits",
        ]
        head = f"{'source':<14} {'test series':<22}"
        for m in metrics:
            head += f" {('BD-rate ' + m)[:18]:>18} {('BD-' + m)[:14]:>14}"
        lines += [head, "-" * len(head)]
        total = len(c.sources)
        for test in tests:
            for source in [*c.sources, AVERAGE]:
                label = source
                if source == AVERAGE:
                    counts = {e.sources for m in metrics if (e := c.entry(source, test, m))}
                    if counts and max(counts) < total:
                        label = f"mean of {max(counts)}/{total}"
                line = f"{label[:14]:<14} {test[:22]:<22}"
                for m in metrics:
                    e = c.entry(source, test, m)
                    rate = _fmt(None if e is None else e.bd_rate, "+17.2f", "")
                    if e is not None and e.bd_rate is not None:
                        if source == AVERAGE and 0 < e.sources < total:
                            rate = f"{e.bd_rate:+.2f}% ({e.sources}/{total})"
                        else:
                            rate += "%"
                    line += f" {rate or 'n/a':>18}"
                    digits = "+14.4f" if m == "float_ssim" else "+14.2f"
                    bd_q = None if e is None else e.bd_quality
                    line += f" {_fmt(bd_q, digits, '           n/a')}"
                lines.append(line)
                spans = [c.entry(source, test, m) for m in metrics]
                if any(e is not None and e.has_interval for e in spans):
                    level = next(e.level for e in spans if e is not None and e.level)
                    line = f"{'':<14} {f'{100 * level:g} % interval':>22}"
                    for m, e in zip(metrics, spans, strict=True):
                        digits = ".4f" if m == "float_ssim" else ".2f"
                        rate = quality = ""
                        if e is not None and e.has_interval:
                            rate = f"[{e.bd_rate_low:+.1f}, {e.bd_rate_high:+.1f}]"
                        if e is not None and e.bd_quality_low is not None:
                            low, high = e.bd_quality_low, e.bd_quality_high
                            quality = f"[{low:+{digits}}, {high:+{digits}}]"
                        line += f" {rate:>18} {quality:>14}"
                    lines.append(line.rstrip())
        if any(c.is_ladder(s, t) for s in c.sources for t in c.series):
            lines.append("ladders (series spanning resolutions) are compared by their convex hulls")
        if len(c.sources) > 1:
            lines.append(
                f"'{AVERAGE}' is the mean over the sources with a value; (k/{total}) marks a "
                "mean over fewer than all"
            )
        if any(e.has_interval for e in c.bd):
            lines.append(
                "intervals: percentile bootstrap over frames (moving blocks) and, for the "
                "mean, over sources"
            )
    lines += _ladder_text(c)
    if c.flags:
        lines += ["", "flags:"]
        lines += [f"  [{f.kind}] {f.message}" for f in c.flags]
    else:
        lines += ["", "no flags: default VMAF and VMAF-NEG agree"]
    return "\n".join(lines)


def _ladder_text(c: Comparison) -> list[str]:
    """The hulls of every ladder, the hull shifts and the ladder suggestion, as text."""
    lines: list[str] = []
    if c.hulls:
        lines += ["", "convex hulls of ladders (encodes on the hull, by rising bitrate):"]
        for h in c.hulls:
            on = ", ".join(
                f"{p} {res} ({kbps:.0f} kbps, {score:.2f})"
                for p, res, (kbps, score) in zip(h.encodes, h.resolutions, h.points, strict=True)
            )
            lines.append(f"  {h.source}: {h.series}: {h.metric}: {on or 'none'}")
    for shift in c.hull_shifts:
        lines += ["", f"hull shift, {shift.source}: {shift.series}:"]
        lines.append(f"  hull under default VMAF: {', '.join(shift.default_hull)}")
        lines.append(f"  hull under VMAF-NEG:     {', '.join(shift.neg_hull)}")
        for ch in shift.choices:
            lines.append(
                f"  at {ch['kbps']:.0f} kbps default VMAF picks {ch['default_pick']}, "
                f"VMAF-NEG picks {ch['neg_pick']}: under VMAF-NEG "
                f"{ch['default_pick_neg']:.2f} vs {ch['neg_pick_neg']:.2f}, under default "
                f"{ch['default_pick_default']:.2f} vs {ch['neg_pick_default']:.2f}"
            )
    if c.ladder:
        lines += [
            "",
            "ladder suggestion: the hull encode nearest each target, under each model",
            f"{'source':<12} {'series':<22} {'target':>12} {'model':<10} {'point':<10} "
            f"{'resolution':<11} {'kbps':>8} {'score':>7}",
        ]
        lines.append("-" * len(lines[-1]))
        for p in c.ladder:
            target = f"{p.target:g} kbps" if p.unit == "kbps" else f"score {p.target:g}"
            lines.append(
                f"{p.source[:12]:<12} {p.series[:22]:<22} {target:>12} {p.metric[:10]:<10} "
                f"{(p.point or 'n/a')[:10]:<10} {(p.resolution or 'n/a'):<11} "
                f"{_fmt(p.kbps, '8.1f', '     n/a')} {_fmt(p.score, '7.2f', '    n/a')}"
            )
    return lines


def to_csv(comparison: Comparison) -> str:
    """One CSV row per encode: labels, bitrate, pooled score per model, gap, status.

    The last columns give the encode's coded ``resolution`` and, per metric,
    ``hull_<metric>``: ``yes``/``no`` whether it is on its ladder's convex
    hull (empty for a series at one resolution).
    """
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    metrics = comparison.metrics
    writer.writerow(
        ["source", "codec", "setting", "point", "file", "bitrate_kbps", "bitrate_from", "frames"]
        + metrics
        + ["gap", "max_frame_gap", "status", "error", "key", "verdict", "resolution"]
        + [f"hull_{m}" for m in metrics]
    )
    for r in comparison.rows:
        on_hull = []
        for m in metrics:
            h = comparison.hull(r.source, r.series, m)
            on_hull.append("" if h is None else ("yes" if r.point in h.encodes else "no"))
        writer.writerow(
            [r.source, r.codec, r.setting, r.point, r.file, r.bitrate_kbps, r.bitrate_from]
            + [r.frames]
            + [r.scores.get(m) for m in metrics]
            + [r.gap, r.max_frame_gap, r.status, r.error or "", r.key, r.verdict or ""]
            + [r.resolution or ""]
            + on_hull
        )
    return out.getvalue()


def to_bd_csv(comparison: Comparison) -> str:
    """One CSV row per BD entry: source, anchor, test, metric, BD-rate, BD-quality, why not.

    The last columns hold the bootstrap intervals of BD-rate and BD-quality,
    their level and replicate count (empty without per-frame scores).

    ``curve`` says what was compared: ``hull`` when either series is a ladder
    (BD between convex hulls), else ``points``; ``sources`` is how many
    sources a mean over :data:`AVERAGE` covers.
    """
    import csv
    import io

    c = comparison
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["source", "anchor", "test", "metric", "bd_rate_percent", "bd_quality", "curve"]
        + ["sources", "problem"]
        + ["bd_rate_low", "bd_rate_high", "bd_quality_low", "bd_quality_high", "level"]
        + ["replicates"]
    )
    for e in c.bd:
        sources = c.sources if e.source == AVERAGE else [e.source]
        hull = any(c.is_ladder(s, t) for s in sources for t in (e.anchor, e.test))
        writer.writerow(
            [e.source, e.anchor, e.test, e.metric, e.bd_rate, e.bd_quality]
            + ["hull" if hull else "points", e.sources, e.problem or ""]
            + [e.bd_rate_low, e.bd_rate_high, e.bd_quality_low, e.bd_quality_high, e.level]
            + [e.replicates]
        )
    return out.getvalue()


def to_ladder_csv(comparison: Comparison) -> str:
    """One CSV row per ladder pick (:meth:`Comparison.suggest_ladder`)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["source", "series", "metric", "target", "unit", "point", "resolution", "kbps", "score"]
    )
    for p in comparison.ladder:
        writer.writerow(
            [p.source, p.series, p.metric, p.target, p.unit, p.point or "", p.resolution or ""]
            + [p.kbps, p.score]
        )
    return out.getvalue()
