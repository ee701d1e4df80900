"""compare scores the pairs of one reference together, and still stores, resumes and retries
each pair on its own.

A group decodes its reference once and, on the native engine, computes the
reference's share of the filtering once per frame; every stored row must equal
the row the pair gets scored alone, as doubles (the rows are what the store
holds, written with Python's exact float repr).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyvmafneg.comparison._batch import (
    group_key,
    group_tasks,
    plan,
    run_comparison,
    score_group,
    score_pair,
)
from pyvmafneg.comparison._manifest import load_manifest
from pyvmafneg.demo._sample_comparison import build_sample_comparison
from pyvmafneg.engines.libvmaf._binding import library_info

pytest.importorskip("pyvmafneg.engines.native._engine", reason="the native engine is not built")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_comparison(tmp_path_factory.mktemp("sample"), ladder=False, frames=6)


@pytest.fixture(scope="module")
def tasks(sample: Path):
    return plan(load_manifest(sample), libvmaf_version=library_info().version)


def _same_row(a: dict, b: dict) -> None:
    a, b = dict(a), dict(b)
    a.pop("seconds"), b.pop("seconds")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_pairs_group_by_their_reference(tasks) -> None:
    sources = {t.row["source"] for t in tasks}
    groups = group_tasks(tasks)
    assert len(groups) == len(sources)
    for group in groups:
        assert len({t.reference[0] for t in group}) == 1
        assert len({group_key(t) for t in group}) == 1
    # with more workers than sources, groups are split so every worker has one
    split = group_tasks(tasks, workers=2 * len(sources))
    assert len(split) >= 2 * len(sources)
    assert sorted(t.key for g in split for t in g) == sorted(t.key for t in tasks)
    # pairs with other options or broadcast steps do not join a group
    import dataclasses

    other = dataclasses.replace(tasks[0], frames=3, key="other")
    crop = dataclasses.replace(tasks[1], broadcast={"crop": "8:8:0:0"}, key="crop")
    keys = {group_key(t) for t in (tasks[0], other, crop)}
    assert len(keys) == 3


def test_grouped_rows_equal_the_pairs_scored_alone(tasks, monkeypatch) -> None:
    from pyvmafneg.engines.native import _group

    made: list[_group.ReferenceGroup] = []
    init = _group.ReferenceGroup.__init__

    def spy(self, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(_group.ReferenceGroup, "__init__", spy)
    group = group_tasks(tasks)[0]
    assert len(group) >= 4
    grouped = score_group(group)
    # the native runs scored their frames together (all but each run's first frame)
    assert made[0].shared_frames == len(group) * (grouped[0]["frames"] - 1)
    assert [r["key"] for r in grouped] == [t.key for t in group]
    for task, row in zip(group, grouped, strict=True):
        assert row["status"] == "ok", row["error"]
        _same_row(row, score_pair(task))


def test_a_failing_pair_fails_alone_in_its_group(tasks, tmp_path: Path) -> None:
    import dataclasses

    group = group_tasks(tasks)[0][:3]
    broken = tmp_path / "broken.mkv"
    broken.write_bytes(b"not a video\n" * 8)
    bad = dataclasses.replace(group[1], encode=(str(broken), {}, None), key="broken")
    rows = score_group([group[0], bad, group[2]])
    assert [r["status"] for r in rows] == ["ok", "error", "ok"]
    assert rows[1]["error"] == score_pair(bad)["error"]
    _same_row(rows[0], score_pair(group[0]))
    _same_row(rows[2], score_pair(group[2]))


def test_resumed_run_redoes_only_the_missing_pairs(sample: Path, tmp_path: Path) -> None:
    store = tmp_path / "results.jsonl"
    # the fewest BD bootstrap replicates allowed: this test examines the store, not the intervals
    first = run_comparison(sample, store=store, workers=1, progress=False, replicates=100)
    rows = [json.loads(line) for line in store.read_text().splitlines()]
    assert first.scored == len(rows)
    # an interrupted run: half of one source's pairs and all of another's never stored
    by_source: dict[str, list[dict]] = {}
    for row in rows:
        by_source.setdefault(row["source"], []).append(row)
    one, two, *_ = by_source.values()
    lost = {r["key"] for r in one[: len(one) // 2]} | {r["key"] for r in two}
    store.write_text("".join(json.dumps(r) + "\n" for r in rows if r["key"] not in lost))
    again = run_comparison(sample, store=store, workers=1, progress=False, replicates=100)
    assert again.scored == len(lost)
    redone = [json.loads(line) for line in store.read_text().splitlines()]
    assert len(redone) == len(rows) and {r["key"] for r in redone} == {r["key"] for r in rows}
    original = {r["key"]: r for r in rows}
    for row in redone:
        if row["key"] in lost:
            _same_row(row, original[row["key"]])
