"""Measure the candidate enhancement-gain rules on the labelled suite; write docs/calibration.md.

Run from the repository root::

    python bench/calibration/calibrate.py

It makes and scores whatever the suite's cache lacks (about 10 minutes on two
cores the first time, at ``nice 10``; seconds afterwards), then, for every
candidate rule, counts false flags on the honest encodes and detections of
the enhanced ones by how much the enhancement lifted default VMAF, with
leave-one-source-out cross-validation of each rule's threshold, and the
shipped default verdict by enhancement kind and strength.

Each item is checked twice, as a user would have it: with scores clipped at
100 (libvmaf's default) and unclipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import suite  # noqa: E402

from pyvmafneg.errors import BackendUnavailableError  # noqa: E402
from pyvmafneg.results._logs import load_logs  # noqa: E402
from pyvmafneg.results._result import Result  # noqa: E402
from pyvmafneg.verdict import _check  # noqa: E402

ROOT = HERE.parent.parent
DOC = ROOT / "docs" / "calibration.md"
#: Lift (points of default VMAF) from which an enhancement must be detected.
STRONG = 3.0


@dataclass
class Row:
    """The numbers of one item under both clippings."""

    item: suite.Item
    default: float  # pooled default VMAF, unclipped
    lift: float | None = None
    stats: dict[str, float] | None = None
    grade_clipped: str = ""
    grade_unclipped: str = ""
    native: dict[str, float] | None = None


def _clipped(result: Result) -> Result:
    scores = {k: np.clip(v, 0.0, 100.0) for k, v in result.scores.items()}
    return replace(result, scores=scores, clipped=True)


def measure(item: suite.Item) -> Row:
    """Check one item clipped and unclipped; collect every rule's statistic."""
    result = load_logs([suite.score_path(item.id)]).result
    clipped = _clipped(result)
    rep_u = _check.check(result)
    rep_c = _check.check(clipped)
    gap_c = clipped.gap
    stats = {
        "gap_clipped": rep_c.overall_gap,
        "gap_unclipped": rep_u.overall_gap,
        "frame_gap_clipped": float(gap_c.max()),
        "frame_gap_p90_clipped": float(np.percentile(gap_c, 90)),
        "excess_clipped": rep_c.max_excess,
        "excess_unclipped": rep_u.max_excess,
        "credit": rep_c.tested_gap,
        "credit_frame": float(rep_c.credit.total.max()) if rep_c.credit else np.nan,
        "credit_adm": float(rep_c.credit.adm.mean()) if rep_c.credit else np.nan,
        "credit_vif": float(rep_c.credit.vif.mean()) if rep_c.credit else np.nan,
    }
    return Row(
        item=item,
        default=float(result.scores["vmaf"].mean()),
        stats=stats,
        grade_clipped=rep_c.grade,
        grade_unclipped=rep_u.grade,
        native=_native_stats(item),
    )


#: Candidate rules: name -> (statistic, thresholds tried, fixed threshold or None).
RULES: dict[str, tuple[str, tuple[float, ...]]] = {
    "pooled gap, clipped scores": ("gap_clipped", (2.5, 3.0, 3.25, 3.5, 4.0)),
    "pooled gap, unclipped scores": ("gap_unclipped", (2.5, 3.0, 3.25, 3.5, 4.0)),
    "largest frame gap, clipped": ("frame_gap_clipped", (4.0, 5.0, 6.0)),
    "90th-percentile frame gap, clipped": ("frame_gap_p90_clipped", (3.0, 4.0, 5.0)),
    "own ceiling, clipped scores": ("excess_clipped", (0.05,)),
    "own ceiling, unclipped scores": ("excess_unclipped", (0.05,)),
    "credit: unclipped gap from features": ("credit", (2.5, 3.0, 3.25, 3.5, 4.0)),
    "credit source: ADM part": ("credit_adm", (2.0, 2.4, 3.0)),
    "credit source: VIF part": ("credit_vif", (0.75, 1.0, 1.5)),
}


def _pct(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100.0 * hits / total:.1f} %)" if total else "-"


def _zero_fp(values: list[float]) -> float:
    """The smallest threshold (2 decimals, rounded up) that flags none of ``values``."""
    top = max(v for v in values if np.isfinite(v))
    return float(np.floor(top * 100.0 + 1.0) / 100.0)


def _native_stats(item: suite.Item) -> dict[str, float] | None:
    path = suite.native_path(item.id)
    if not path.exists():
        return None
    shares = json.loads(path.read_text(encoding="utf-8"))
    vif = [shares[f"integer_vif_cap_share_scale{s}_egl_1"] for s in range(4)]
    adm = [shares[f"integer_adm_cap_share_scale{s}_egl_1"] for s in range(4)]
    return {
        "cap_vif0": vif[0],
        "cap_vif": float(np.mean(vif)),
        "cap_adm": float(np.mean(adm)),
    }


#: Cap-share rules (native engine): name -> (statistic, thresholds tried).
NATIVE_RULES: dict[str, tuple[str, tuple[float, ...]]] = {
    "VIF scale-0 cap share": ("cap_vif0", (0.15, 0.2, 0.25)),
    "VIF cap share, mean of scales": ("cap_vif", (0.35, 0.4, 0.45)),
    "ADM cap share, mean of scales": ("cap_adm", (0.08, 0.1, 0.12)),
}


def native_table(rows: list[Row]) -> str:
    """Cap-share rules on the items the native engine scored."""
    have = [r for r in rows if r.native is not None]
    if not have:
        return ""
    honest = [r for r in have if r.item.honest]
    enhanced = [r for r in have if not r.item.honest and r.lift is not None]
    strong = [r for r in enhanced if r.lift >= STRONG]  # type: ignore[operator]
    missed = [r for r in strong if r.grade_clipped != "flagged"]
    out = ["", "## Cap shares (native engine)\n"]
    out.append(
        f"The native engine reports, per scale, the share of locations where NEG's caps act. "
        f"Scored on every honest item ({len(honest)}) and the enhanced encodes at libx264 CRF "
        f"32 ({len(enhanced)}, {len(strong)} with lift >= {STRONG:g}), where enhancement is "
        f"hardest to see; the last column counts the enhanced encodes with lift >= "
        f"{STRONG:g} that the default verdict leaves unflagged ({len(missed)}).\n"
    )
    out.append(
        f"| rule | threshold | false flags (honest) | detected, lift >= {STRONG:g} | "
        "default verdict's misses caught |"
    )
    out.append("|---|---|---|---|---|")
    for name, (key, tried) in NATIVE_RULES.items():
        zero = _zero_fp([r.native[key] for r in honest])  # type: ignore[index]
        for t in sorted(set(tried) | {zero}):
            label = f"{t:g}" + (" (zero-FP)" if t == zero else "")
            fp = sum(r.native[key] > t for r in honest)  # type: ignore[index]
            det = sum(r.native[key] > t for r in strong)  # type: ignore[index]
            caught = sum(r.native[key] > t for r in missed)  # type: ignore[index]
            out.append(
                f"| {name} | {label} | {fp}/{len(honest)} | {_pct(det, len(strong))} | "
                f"{caught}/{len(missed)} |"
            )
    return "\n".join(out) + "\n"


def tables(rows: list[Row]) -> str:
    honest = [r for r in rows if r.item.honest]
    enhanced = [r for r in rows if not r.item.honest and r.lift is not None]
    strong = [r for r in enhanced if r.lift >= STRONG]  # type: ignore[operator]
    mid = [r for r in enhanced if 1.0 <= r.lift < STRONG]  # type: ignore[operator]
    sources = list(suite.SOURCES)
    out: list[str] = []
    out.append(
        f"Suite: {len(honest)} honest items, {len(enhanced)} enhanced encodes "
        f"({len(strong)} whose enhancement lifted default VMAF by {STRONG:g} points or more, "
        f"{len(mid)} by 1 to {STRONG:g}), {len(sources)} sources.\n"
    )
    out.append("## Candidate rules\n")
    out.append(
        "A rule flags when its statistic is above the threshold. *Zero-FP* is the smallest "
        "threshold that flags no honest item. Cross-validation: for each source held out, "
        "the zero-FP threshold of the other three sources is applied to it; false flags "
        "and detections are summed over the four folds.\n"
    )
    out.append(
        f"| rule | threshold | false flags (honest) | detected, lift >= {STRONG:g} | "
        f"detected, lift 1-{STRONG:g} | cross-validated false flags | cross-validated "
        f"detection, lift >= {STRONG:g} |"
    )
    out.append("|---|---|---|---|---|---|---|")
    for name, (key, tried) in RULES.items():

        def fires(r: Row, t: float, key: str = key) -> bool:
            v = r.stats[key]  # type: ignore[index]
            return bool(np.isfinite(v) and v > t)

        zero = _zero_fp([r.stats[key] for r in honest])  # type: ignore[index]
        fixed = key.startswith("excess")
        cv_fp = cv_det = 0
        if not fixed:
            for held in sources:
                train = [r.stats[key] for r in honest if r.item.source != held]  # type: ignore[index]
                t = _zero_fp(train)
                cv_fp += sum(fires(r, t) for r in honest if r.item.source == held)
                cv_det += sum(fires(r, t) for r in strong if r.item.source == held)
        thresholds = sorted(set(tried) | ({zero} if not fixed else set()))
        for t in thresholds:
            label = f"{t:g}" + (" (zero-FP)" if t == zero and not fixed else "")
            cv = ("-", "-")
            if t == zero and not fixed:
                cv = (str(cv_fp), _pct(cv_det, len(strong)))
            out.append(
                f"| {name} | {label} | {sum(fires(r, t) for r in honest)}/{len(honest)} | "
                f"{_pct(sum(fires(r, t) for r in strong), len(strong))} | "
                f"{_pct(sum(fires(r, t) for r in mid), len(mid))} | {cv[0]} | {cv[1]} |"
            )
    out.append("")
    out.append("## The shipped default verdict\n")
    out.append(
        f"`pyvmafneg.check` with its defaults (gap threshold {_check.DEFAULT_THRESHOLD:g} "
        f"points on the gap recomputed unclipped from the features, own-ceiling margin "
        f"{_check.DEFAULT_CEILING_MARGIN:g}; borderline above a pooled gap of "
        f"{_check.DEFAULT_BORDERLINE:g} or a frame gap of {_check.DEFAULT_FRAME_THRESHOLD:g}).\n"
    )
    for label, attr in (
        ("clipped scores", "grade_clipped"),
        ("unclipped scores", "grade_unclipped"),
    ):
        counts = defaultdict(int)
        for r in honest:
            counts[getattr(r, attr)] += 1
        det = sum(getattr(r, attr) == "flagged" for r in strong)
        det_mid = sum(getattr(r, attr) == "flagged" for r in mid)
        out.append(
            f"- {label}: honest items flagged {counts['flagged']}/{len(honest)} (borderline "
            f"{counts['borderline']}, clean {counts['clean']}); enhanced with lift >= "
            f"{STRONG:g} flagged {_pct(det, len(strong))}; lift 1-{STRONG:g} flagged "
            f"{_pct(det_mid, len(mid))}"
        )
    out.append("")
    out.append("### By enhancement kind and strength (clipped scores)\n")
    out.append(
        "| enhancement | strength | encodes | lift (mean, min-max) | lift >= 3 | flagged | "
        "flagged of lift >= 3 | borderline |"
    )
    out.append("|---|---|---|---|---|---|---|---|")
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in enhanced:
        groups[(r.item.kind, r.item.strength)].append(r)
    for (kind, strength), members in groups.items():
        lifts = np.array([r.lift for r in members])
        big = [r for r in members if r.lift >= STRONG]  # type: ignore[operator]
        out.append(
            f"| {kind} | {strength} | {len(members)} | {lifts.mean():+.2f} "
            f"({lifts.min():+.2f} to {lifts.max():+.2f}) | {len(big)} | "
            f"{sum(r.grade_clipped == 'flagged' for r in members)} | "
            f"{sum(r.grade_clipped == 'flagged' for r in big)}/{len(big)} | "
            f"{sum(r.grade_clipped == 'borderline' for r in members)} |"
        )
    out.append("")
    out.append("### Honest items by kind (clipped scores)\n")
    out.append(
        "| kind | items | largest pooled gap (unclipped) | largest frame gap | largest "
        "ceiling excess (unclipped) | flagged | borderline |"
    )
    out.append("|---|---|---|---|---|---|---|")
    hgroups: dict[str, list[Row]] = defaultdict(list)
    for r in honest:
        hgroups[r.item.kind if r.item.encoder == r.item.kind else f"{r.item.kind}"].append(r)
    for kind, members in hgroups.items():
        out.append(
            f"| {kind} | {len(members)} | "
            f"{max(r.stats['credit'] for r in members):.2f} | "  # type: ignore[index]
            f"{max(r.stats['credit_frame'] for r in members):.2f} | "  # type: ignore[index]
            f"{max(r.stats['excess_unclipped'] for r in members):+.2f} | "  # type: ignore[index]
            f"{sum(r.grade_clipped == 'flagged' for r in members)} | "
            f"{sum(r.grade_clipped == 'borderline' for r in members)} |"
        )
    missed = [r for r in strong if r.grade_clipped != "flagged"]
    if missed:
        out.append("")
        out.append(f"### Enhanced encodes with lift >= {STRONG:g} not flagged\n")
        for r in missed:
            out.append(
                f"- `{r.item.id}`: lift {r.lift:+.2f}, gap {r.stats['credit']:.2f}, "  # type: ignore[index]
                f"verdict {r.grade_clipped}"
            )
    return "\n".join(out) + "\n"


HEADER = """# Calibration of the enhancement-gain verdict

The thresholds of `pyvmafneg check` were chosen on a labelled suite made in
`bench/calibration/`; this page is written by

```sh
python bench/calibration/calibrate.py
```

(from the repository root; it encodes and scores what its cache lacks, about
10 minutes on two cores the first time, then seconds).

**The suite.** Four 24-frame 576x324 clips with camera motion (pans and zooms
over scikit-image's `astronaut`, `coffee`, `chelsea` and `rocket`, from
`pyvmafneg.demo.natural_clip`). Honest items: libx264, libx265, libaom-av1,
libsvtav1 and libvpx-vp9 at four rates each (CRF 18/25/32/39 for the first
two, 20/32/44/56 for the others), and Gaussian blur, noise (fixed seed) and
down/up scaling, each kept losslessly and before libx264 CRF 25. Enhanced
items: unsharp masks of three radii and several amounts, CAS, contrast,
gamma, saturation and histogram equalisation (FFmpeg filters), each before
libx264 and libsvtav1 at their three best rates. Each enhanced encode is
labelled by its *lift*: pooled default VMAF (unclipped) minus that of the
same encode without the enhancement. All scoring is libvmaf 3.2.0
in-process (default VMAF and VMAF-NEG, every feature logged).

**What it shows.** The plain pooled gap of clipped scores misses much of the
enhancement, because clipping at 100 hides the default score exactly where
enhancement lifts it most. Recomputed unclipped from the logged uncapped and
capped VIF/ADM features, the gap separates honest from enhanced encodes
best; the own-ceiling test flags no honest item by construction and catches
enhancement of near-transparent encodes, but not of low-rate ones, whose
frames stay far below their ceiling. The largest honest gaps come from the
lowest rates of the AV1 and VP9 encoders on detailed content (about 3.2
points), which is why the default threshold sits at 3.25 and why mild
sharpening before a low-rate encode (gaps of 2.6-2.9) stays *borderline*:
that is the residual blind spot of NEG, a cap and not a cure. The margin is
thin: cross-validated across sources, a threshold fitted on three sources
flags one honest encode of the fourth (the lowest-rate libaom encode of
`coffee`), so honest gaps of detailed content at very low rates can reach
the threshold; such encodes are rarely the ones a comparison is about.
Where the credit comes from separates as well as the gap itself (the part
that capping ADM removes carries most of it), but how many locations the caps
touch does not: the native engine's cap shares are as high on honest noisy or
low-rate encodes as on sharpened ones (last table). The default rule is
therefore the pooled gap, recomputed unclipped from the features, plus the
own-ceiling test; both flag no honest item of the suite.

"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--out", default=str(DOC), help="Markdown file to write")
    args = p.parse_args(argv)
    items = suite.build(jobs=args.jobs)
    try:
        suite.build_native(jobs=args.jobs)
    except BackendUnavailableError as exc:  # the native extension is not built
        print(f"calibrate: no cap shares ({exc})", file=sys.stderr)
    rows = {i.id: measure(i) for i in items}
    for row in rows.values():
        if row.item.base:
            row.lift = row.default - rows[row.item.base].default
    text = HEADER + tables(list(rows.values())) + native_table(list(rows.values()))
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
