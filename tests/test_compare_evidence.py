"""compare's per-pair checks weigh the frame evidence, as ``check(result, videos=...)`` does.

Clips are made and x264-encoded at test time (176x144, 24 frames, the FFmpeg imageio-ffmpeg
ships); libvmaf's scores are computed at test time. Nothing of an x264 encode is hard-coded.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from media_helpers import ProjectionCounter, clip, encode, sharpen, to_y4m

import pyvmafneg
from pyvmafneg.comparison import _batch
from pyvmafneg.comparison._batch import run_comparison, stored_projection
from pyvmafneg.io._sources import open_video
from pyvmafneg.verdict import _projection
from pyvmafneg.verdict._check import check

FRAMES = 24


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("evidence")
    ref = clip(FRAMES)
    ref_y4m = to_y4m(ref, d / "ref.y4m")
    return {
        "ref": ref_y4m,
        "honest": encode(ref_y4m, d / "honest.mkv", crf=30),
        # mild sharpening before a lower rate: a gap beyond honest encodes (the rule fires)
        "mild": encode(to_y4m(sharpen(ref, 0.6), d / "mild.y4m"), d / "mild.mkv", crf=33),
    }


def _manifest(media: dict[str, Path], path: Path, extra: str = "") -> Path:
    text = f"[[reference]]\nname = 'grain'\nfile = '{media['ref']}'\n"
    for name in ("honest", "mild"):
        text += (
            f"[[encode]]\nreference = 'grain'\ncodec = 'x264'\nsetting = '{name}'\n"
            f"file = '{media[name]}'\n"
        )
    path.write_text(text + extra)
    return path


@pytest.fixture(scope="module")
def first(media: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple:
    d = tmp_path_factory.mktemp("store")
    manifest = _manifest(media, d / "m.toml")
    counter = ProjectionCounter()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_batch, "measure_projection", counter)
        outcome = run_comparison(manifest, workers=1, progress=False)
    return manifest, outcome, counter.calls


def _codes(check_dict: dict) -> list[str]:
    return [e["code"] for e in check_dict["evidence"]]


def test_a_pair_checks_as_check_with_its_videos(media: dict[str, Path], first: tuple) -> None:
    _, outcome, calls = first
    # the evidence was gathered as the pairs were scored: no second reading of the videos
    assert calls == 0 and outcome.scored == 2
    fired = []
    for row in outcome.comparison.rows:
        assert row.ok
        direct = pyvmafneg.score(open_video(media["ref"]), open_video(row.file))
        assert row.scores["vmaf_neg"] == direct.pooled("vmaf_neg").mean
        expected = check(direct, videos=(media["ref"], row.file))
        assert expected.bands is not None
        assert row.check["verdict"] == expected.grade == row.verdict
        assert _codes(row.check) == [e.code for e in expected.evidence]
        assert row.check["frame_evidence"] == expected.as_dict()["frame_evidence"]
        assert not any("frame evidence not" in n for n in row.check["notes"])
        fired.append(row.check["rule"]["fired"])
    # the mild encode's gap fires the rule: its grade is the one the bands weighed
    assert fired == [False, True]


def test_the_sums_are_stored_and_reused_on_resume(media: dict[str, Path], first: tuple) -> None:
    manifest, outcome, _ = first
    stored = [json.loads(line) for line in Path(outcome.store).read_text().splitlines()]
    for row in stored:
        found = stored_projection(row)
        assert found is not None and found.frames == FRAMES and found.size == (176, 144)
        direct = _projection.measure_projection(media["ref"], row["file"])
        np.testing.assert_array_equal(found.sums, direct.sums)  # NaN rows stored as None
    counter = ProjectionCounter()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_batch, "measure_projection", counter)
        again = run_comparison(manifest, workers=1, progress=False)
    assert counter.calls == 0 and again.scored == 0 and again.reused == 2
    assert [r.check for r in again.comparison.rows] == [r.check for r in outcome.comparison.rows]


def test_an_old_store_without_sums_still_loads(
    media: dict[str, Path], first: tuple, tmp_path: Path
) -> None:
    manifest, outcome, _ = first
    old = tmp_path / "old.results.jsonl"
    lines = []
    for line in Path(outcome.store).read_text().splitlines():
        row = json.loads(line)
        del row["projection"]
        lines.append(json.dumps(row))
    old.write_text("\n".join(lines) + "\n")
    counter = ProjectionCounter()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_batch, "measure_projection", counter)
        again = run_comparison(manifest, store=old, workers=1, progress=False)
    assert counter.calls == 0 and again.scored == 0
    for row, was in zip(again.comparison.rows, outcome.comparison.rows, strict=True):
        assert row.verdict == was.verdict and row.check["notes"][-1] == _batch.OLD_ROW
        assert not any(n.startswith("frame evidence not available") for n in row.check["notes"])
        assert stored_projection({"projection": None}) is None


def test_a_converted_pair_says_why_it_has_no_frame_evidence(
    media: dict[str, Path], tmp_path: Path
) -> None:
    manifest = _manifest(media, tmp_path / "m.toml", "[comparison]\ncrop = '176:144:0:0'\n")
    counter = ProjectionCounter()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_batch, "measure_projection", counter)
        outcome = run_comparison(manifest, workers=1, progress=False)
    assert counter.calls == 0
    for row in outcome.comparison.rows:
        assert row.ok and row.check["frame_evidence"] is None
        assert not any(n.startswith("frame evidence not available") for n in row.check["notes"])
        assert row.check["notes"][-1] == (
            "frame evidence not gathered: crop = '176:144:0:0' changes the frames scored; the "
            "check used the gap rule alone"
        )
        stored = json.loads(Path(outcome.store).read_text().splitlines()[0])
        assert stored["projection"] is None
