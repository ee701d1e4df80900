"""Resume from a result store: key each segment by content and options, reuse finished rows."""

from __future__ import annotations

import os
from typing import Any

from ..io._sources import VideoSource
from ..results._store import HashCache, pair_key
from ._plan import SegmentTask
from ._segment import INTERVAL_OUTPUTS

__all__ = ["default_store", "key_tasks", "row_fits"]

#: File name of the default segment store inside the cache directory.
STORE_NAME = "segments.jsonl"


def default_store() -> str:
    """Where finished segments are kept unless told otherwise: the user's cache directory.

    ``$XDG_CACHE_HOME/pyvmafneg/segments.jsonl``, or
    ``~/.cache/pyvmafneg/segments.jsonl`` when ``XDG_CACHE_HOME`` is unset or
    not an absolute path (as the XDG base directory rules say). Rows are keyed
    by content, so one store serves every title; its hash cache sits beside it.
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pyvmafneg", STORE_NAME)


def key_tasks(
    tasks: list[SegmentTask],
    reference: VideoSource,
    distorted: VideoSource,
    *,
    frames: int,
    version: str,
    hasher: HashCache,
    offset: int = 0,
    scaled: bool = False,
) -> list[SegmentTask]:
    from dataclasses import replace

    from ..io._ranges import raw_geometry

    model_ids = [
        spec.describe() + (f" sha256={hasher(spec.source)}" if spec.is_path else "")
        for spec in tasks[0].models
    ]
    ref_hash, dis_hash = hasher(reference.path), hasher(distorted.path)
    base = {
        "what": "segment",
        "libvmaf": version,
        "backend": tasks[0].backend,
        "clip": tasks[0].clip,
        "transform": tasks[0].transform,
        "reference_raw": raw_geometry(reference),
        "encode_raw": raw_geometry(distorted),
        "title_frames": frames,
    }
    task = tasks[0]
    chosen = {
        "offset": offset,
        "scale": task.scale if scaled else None,
        "size": list(task.size) if task.size else None,
        "features": list(task.features),
        "convert_bitdepth": task.convert_bitdepth,
        "subsample": task.subsample,
        "filters": [list(f) for f in task.filters],
        "model_intervals": "bootstrapped twins" if task.model_intervals else None,
    }
    # Only options in use enter the key, so stores written before they existed still match.
    base |= {k: v for k, v in chosen.items() if v not in (None, 0, [], 1)}
    return [
        replace(
            t, key=pair_key(ref_hash, dis_hash, model_ids, {**base, "range": [t.start, t.stop]})
        )
        for t in tasks
    ]


def row_fits(row: dict[str, Any], task: SegmentTask) -> bool:
    """Is a stored row a complete result of this segment (else it is scored again)?"""
    n = len(task.scored)
    try:
        return (
            row.get("kind") == "segment"
            and (row["start"], row["stop"]) == (task.start, task.stop)
            and row.get("frames", task.scored) == task.scored
            and bool(row["scores"])
            and all(len(v) == n for part in ("scores", "features") for v in row[part].values())
            and (
                not task.model_intervals
                or (
                    bool(row["intervals"])
                    and all(
                        len(row["intervals"][m][k]) == n
                        for m in row["intervals"]
                        for k in INTERVAL_OUTPUTS
                    )
                )
            )
        )
    except (KeyError, TypeError, AttributeError):
        return False
