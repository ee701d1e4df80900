"""A finished comparison as data frames, and in a notebook.

:func:`load` opens a comparison without scoring anything: from its manifest
(the rows of its result store that belong to the manifest's encodes, analysed
with the manifest's anchor, BD method and thresholds) or from a result store
alone (every stored encode, analysed with the defaults). The tables of
:meth:`Comparison.to_pandas` are plain columns of what the text table, the
JSON and the CSV report.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from .._optional import pandas_module
from ..errors import ManifestError, OptionError
from ..results._html import figure_html, table_html
from ..results._store import HashCache, ResultStore
from ._analysis import AVERAGE, Comparison, EncodeRow, analyse
from ._batch import default_store_path, plan
from ._manifest import gap_pair, load_manifest

__all__ = ["TABLES", "comparison_frame", "comparison_html", "load"]

#: The tables :meth:`Comparison.to_pandas` gives.
TABLES: tuple[str, ...] = ("encodes", "bd", "flags")


def load(
    store_or_manifest: str | os.PathLike[str], *, store: str | os.PathLike[str] | None = None
) -> Comparison:
    """Open a finished comparison from its manifest (``.toml``) or its result store (``.jsonl``).

    Parameters
    ----------
    store_or_manifest:
        A comparison manifest: its encodes are looked up in its result store
        (``store``, default the one :func:`run_comparison` writes beside it)
        by content, as :func:`run_comparison` looks them up (files are hashed
        unless the store's hash cache knows them), and analysed with the
        manifest's settings; encodes not in the store are left out. Or a
        result store: every pair in it once, under the labels it was stored
        with, the anchor being the first series stored (a pair that a manifest
        lists in two series is stored once: open the manifest to get those
        series back).
    store:
        The result store of a manifest, when not the default.

    Returns
    -------
    Comparison
        As :func:`run_comparison` would return it, without scoring anything;
        ``provenance`` names the files it was loaded from.

    Raises
    ------
    ManifestError
        The manifest cannot be read, or no encode of it is in the store.
    """
    path = Path(store_or_manifest)
    if path.suffix.lower() == ".toml":
        manifest = load_manifest(path)
        store_path = os.fspath(store) if store is not None else default_store_path(manifest.path)
        # The manifest's pairs, keyed by content as run_comparison keys them; labels
        # come from the manifest (one stored pair may serve two series).
        from ..engines.libvmaf._binding import library_info

        hasher = HashCache(store_path + ".hashes.json")
        tasks = plan(manifest, libvmaf_version=library_info().version, hasher=hasher)
        stored = ResultStore(store_path).latest()
        rows = [
            EncodeRow.from_dict(dict(stored[task.key], **task.row))
            for task in tasks
            if task.key in stored
        ]
        if not rows:
            raise ManifestError(
                f"no encode of {str(path)!r} is in the result store {store_path!r}; "
                "score the comparison first (pyvmafneg.comparison.run_comparison)"
            )
        default, neg = gap_pair(manifest.models)
        return analyse(
            rows,
            anchor=manifest.anchor,
            method=manifest.bd_method,
            bd_gap_threshold=manifest.bd_gap_threshold,
            gap_threshold=manifest.gap_threshold,
            default_metric=default,
            neg_metric=neg,
            provenance={"manifest": str(path), "store": store_path},
        )
    newest_by_key = ResultStore(path).latest()
    if not newest_by_key:
        raise ManifestError(f"the result store {str(path)!r} holds no scored encode")
    rows = [EncodeRow.from_dict(row) for row in newest_by_key.values()]
    return analyse(rows, provenance={"store": str(path)})


def comparison_frame(comparison: Comparison, table: str = "encodes") -> Any:
    """One of the comparison's tables as a ``pandas.DataFrame``.

    ``'encodes'``: one row per encode (labels, bitrate, status, the verdict,
    the gap and one column per pooled score); ``'bd'``: one row per BD entry
    (source or ``'all sources'``, test series, metric, BD-rate in percent,
    BD-quality in points, why a value is missing, and their bootstrap
    intervals); ``'flags'``: one row per flag.
    """
    pd = pandas_module("Comparison.to_pandas()")
    if table == "encodes":
        records = []
        for r in comparison.rows:
            record: dict[str, Any] = {
                "source": r.source,
                "series": r.series,
                "codec": r.codec,
                "setting": r.setting,
                "point": r.point,
                "bitrate_kbps": r.bitrate_kbps,
                "status": r.status,
                "verdict": r.verdict,
                "gap": r.gap,
                "max_frame_gap": r.max_frame_gap,
                "frames": r.frames,
            }
            record.update({metric: r.scores.get(metric) for metric in comparison.metrics})
            record["error"] = r.error
            records.append(record)
        return pd.DataFrame.from_records(records)
    if table == "bd":
        columns = ["source", "anchor", "test", "metric", "bd_rate", "bd_quality"]
        columns += ["sources", "problem", "bd_rate_low", "bd_rate_high"]
        columns += ["bd_quality_low", "bd_quality_high", "level", "replicates"]
        records = [{c: getattr(e, c) for c in columns} for e in comparison.bd]
        return pd.DataFrame.from_records(records, columns=columns)
    if table == "flags":
        records = [f.as_dict() for f in comparison.flags]
        return pd.DataFrame.from_records(records, columns=["kind", "source", "series", "message"])
    raise OptionError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}%"


def comparison_html(comparison: Comparison) -> str:
    """The notebook view: the averaged BD table, the flags, and the curves of the first source."""
    averaged = [e for e in comparison.bd if e.source == AVERAGE]
    tests = list(dict.fromkeys(e.test for e in averaged))
    header = ["test series", *(f"BD-rate {m}" for m in comparison.metrics)]
    rows = []
    for test in tests:
        row: list[Any] = [test]
        for metric in comparison.metrics:
            entry = comparison.entry(AVERAGE, test, metric)
            row.append(_rate(None if entry is None else entry.bd_rate))
        rows.append(row)
    parts = [
        f"<p><b>Comparison</b>: {len(comparison.rows)} encodes, {len(comparison.sources)} "
        f"sources, anchor {html.escape(comparison.anchor)} ({html.escape(comparison.method)})</p>",
        table_html(header, rows, caption=f"BD-rate against the anchor, {AVERAGE}"),
    ]
    if comparison.flags:
        parts.append(
            table_html(["flag", "message"], [[f.kind, f.message] for f in comparison.flags])
        )
    if comparison.sources:
        from ._report import rd_figure

        source = comparison.sources[0]
        parts.append(figure_html(lambda: rd_figure(comparison, source)))
    return "\n".join(p for p in parts if p)
