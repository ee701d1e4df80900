"""Codec comparisons: batch scoring (local and Dask), the result store, BD-rate flags.

The sample comparison is built by the test from photographs inside
scikit-image and encoded with the FFmpeg that imageio-ffmpeg ships: three
sources, two libx264 settings (plain, pre-sharpened), four CRFs each.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import default_sigint

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.comparison._analysis import AVERAGE, to_text
from pyvmafneg.comparison._batch import run_comparison
from pyvmafneg.comparison._manifest import load_manifest
from pyvmafneg.demo._sample_comparison import (
    LADDER_CRFS,
    SAMPLE_CRFS,
    SAMPLE_SOURCES,
    build_sample_comparison,
)
from pyvmafneg.errors import ManifestError, ResultStoreError
from pyvmafneg.results._store import ResultStore

#: Pairs scored: two settings at every CRF and the ladder's half-size rung, per source.
N_PAIRS = len(SAMPLE_SOURCES) * (2 * len(SAMPLE_CRFS) + len(LADDER_CRFS))
#: Manifest entries: the ladder lists the plain encodes again as its full-size rung.
N_ENCODES = N_PAIRS + len(SAMPLE_SOURCES) * len(SAMPLE_CRFS)
#: Bootstrap replicates of the BD intervals (the fewest allowed) in the runs whose tests
#: examine the batch (store, reuse, failures, interruption, schedulers), not the intervals:
#: the BD analysis, not the scoring, takes most of a run of the sample.
FEW = 100


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample comparison (references, encodes, manifest), built once."""
    return build_sample_comparison(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def scored(sample: Path, tmp_path_factory: pytest.TempPathFactory):
    """The sample scored once on this machine with two worker processes."""
    store = tmp_path_factory.mktemp("store") / "results.jsonl"
    return run_comparison(sample, store=store, workers=2, progress=False)


def _numbers(comparison) -> dict:
    rows = {
        (r.source, r.series, r.point): (r.scores, r.gap, r.bitrate_kbps, r.status)
        for r in comparison.rows
    }
    bd = {(e.source, e.test, e.metric): (e.bd_rate, e.bd_quality) for e in comparison.bd}
    return {"rows": rows, "bd": bd}


def test_sample_manifest_lists_every_pair(sample: Path) -> None:
    manifest = load_manifest(sample)
    assert len(manifest.encodes) == N_ENCODES
    assert manifest.series == ["x264 plain", "x264 sharpened", "x264 ladder"]
    assert manifest.anchor == "x264 plain"
    assert set(manifest.references) == set(SAMPLE_SOURCES)


def test_default_favours_sharpening_neg_does_not(scored) -> None:
    c = scored.comparison
    assert scored.scored == N_PAIRS and scored.failed == 0
    assert all(r.ok for r in c.rows)
    # The pre-sharpened setting spends more bits at every CRF...
    for source in c.sources:
        for crf in SAMPLE_CRFS:
            plain = next(
                r
                for r in c.rows
                if (r.source, r.setting, r.point) == (source, "plain", f"crf{crf}")
            )
            sharp = next(
                r
                for r in c.rows
                if (r.source, r.setting, r.point) == (source, "sharpened", f"crf{crf}")
            )
            assert sharp.bitrate_kbps > plain.bitrate_kbps
            assert sharp.gap > plain.gap
    # ...yet default VMAF says it saves bits, and VMAF-NEG says it costs bits.
    for source in [*c.sources, AVERAGE]:
        d = c.entry(source, "x264 sharpened", "vmaf")
        n = c.entry(source, "x264 sharpened", "vmaf_neg")
        assert d.bd_rate < 0 < n.bd_rate, source
        assert d.bd_quality > 0 > n.bd_quality, source
    flips = c.flips()
    assert {f.source for f in flips} == {*c.sources, AVERAGE}
    assert any(f.kind == "bd_gap" and f.source == AVERAGE for f in c.flags)
    # Honest encodes sit in the usual default - NEG band; no flag on them.
    plain_gaps = [r.gap for r in c.rows if r.setting == "plain"]
    assert 0 < min(plain_gaps) and max(plain_gaps) < 3.5
    assert not any(f.kind == "encode_gap" and f.series == "x264 plain" for f in c.flags)


def test_rows_match_a_direct_score(scored, sample: Path) -> None:
    """A batch row holds what pyvmafneg.score gives for the same pair."""
    row = next(r for r in scored.comparison.rows if r.setting == "sharpened")
    direct = pyvmafneg.score(row.reference, row.file, backend="libvmaf")
    assert row.scores["vmaf"] == direct.pooled("vmaf").mean
    assert row.scores["vmaf_neg"] == direct.pooled("vmaf_neg").mean
    assert row.gap == direct.pooled_gap
    assert row.frames == len(direct.frames)
    seconds = row.frames / row.fps
    assert row.bitrate_kbps == pytest.approx(os.path.getsize(row.file) * 8 / 1000 / seconds)


def test_report_flags_the_flip(scored, tmp_path: Path) -> None:
    report = pytest.importorskip("pyvmafneg.comparison._report")
    index = report.write_report(scored.comparison, tmp_path / "report")
    page = index.read_text()
    assert "x264 sharpened" in page and "winner" in page.lower()
    assert scored.comparison.provenance["libvmaf"].split()[0] in page


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_numbers(scored, sample: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        outcome = run_comparison(
            sample, store=tmp_path / "dask.jsonl", scheduler=cluster.scheduler_address,
            progress=False, replicates=FEW,
        )  # fmt: skip
    assert outcome.scored == N_PAIRS and outcome.failed == 0
    assert _numbers(outcome.comparison) == _numbers(scored.comparison)
    assert "dask.distributed" in outcome.comparison.provenance


@pytest.mark.slow
def test_rerun_skips_finished_pairs(scored, sample: Path, tmp_path: Path) -> None:
    store = tmp_path / "results.jsonl"
    shutil.copy(scored.store, store)
    again = run_comparison(sample, store=store, workers=1, progress=False, replicates=FEW)
    assert (again.scored, again.reused) == (0, N_ENCODES)
    assert _numbers(again.comparison) == _numbers(scored.comparison)


@pytest.mark.slow
def test_keys_follow_content_not_names(scored, sample: Path, tmp_path: Path) -> None:
    """Moved files are reused; a changed file or model is scored again."""
    moved = tmp_path / "moved"
    shutil.copytree(sample.parent, moved)
    store = moved / "results.jsonl"
    shutil.copy(scored.store, store)
    manifest = moved / "comparison.toml"
    moved_run = run_comparison(manifest, store=store, workers=1, progress=False, replicates=FEW)
    assert moved_run.scored == 0
    # Content, not names, is the key: an encode replaced by a copy of another encode of
    # the same source is a pair already scored; a file never seen is scored, alone.
    target = moved / "encodes" / "coffee-plain-crf28.mkv"
    shutil.copy(moved / "encodes" / "coffee-plain-crf32.mkv", target)
    same = run_comparison(manifest, store=store, workers=1, progress=False, replicates=FEW)
    assert same.scored == 0
    row = next(r for r in same.comparison.rows if r.file == str(target))
    twin = next(r for r in same.comparison.rows if r.file.endswith("coffee-plain-crf32.mkv"))
    assert (row.scores, row.point) == (twin.scores, "crf28")
    shutil.copy(moved / "encodes" / "astronaut-plain-crf28.mkv", target)
    redo = run_comparison(manifest, store=store, workers=1, progress=False, replicates=FEW)
    assert redo.scored == 1
    # A different model set changes every key.
    text = manifest.read_text().replace(
        "[comparison]",
        '[comparison]\nmodels = ["vmaf_v0.6.1", "vmaf_v0.6.1neg", "vmaf_v0.6.1:egl=1.5"]',
    )
    manifest.write_text(text)
    third = run_comparison(manifest, store=store, workers=2, progress=False, replicates=FEW)
    assert third.scored == N_PAIRS
    c = third.comparison
    assert c.metrics == [
        "vmaf_v0.6.1",
        "vmaf_v0.6.1neg",
        "vmaf_v0.6.1_vif_egl_1.5_adm_egl_1.5",
        "psnr_y",
        "float_ssim",
    ]
    assert (c.default_metric, c.neg_metric) == ("vmaf_v0.6.1", "vmaf_v0.6.1neg")
    assert c.flips()


def _store_lines(path: Path) -> list[str]:
    try:
        return [line for line in path.read_text().split("\n") if line]
    except FileNotFoundError:
        return []


@pytest.mark.slow
def test_killed_run_loses_only_pairs_in_flight(sample: Path, tmp_path: Path) -> None:
    store = tmp_path / "results.jsonl"
    cmd = [
        sys.executable, "-m", "pyvmafneg", "compare", str(sample), "--store", str(store),
        "--workers", "1", "--quiet", "--replicates", str(FEW),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(_store_lines(store)) < 6 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    before = {json.loads(line)["key"] for line in _store_lines(store) if line.endswith("}")}
    assert 6 <= len(before) < N_PAIRS, "the run finished before it could be killed"
    out = subprocess.run([*cmd, "--json"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 1, out.stderr  # the sample is flagged
    run = json.loads(out.stdout)["run"]
    assert run["reused"] == len(before) + N_ENCODES - N_PAIRS
    assert run["scored"] == N_PAIRS - len(before)
    keys = [json.loads(line)["key"] for line in store.read_text().splitlines()]
    assert len(keys) == len(set(keys)) == N_PAIRS, "a pair was scored twice"


@pytest.mark.slow
def test_failing_pair_is_recorded_and_others_go_on(sample: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(sample.parent, work)
    broken = work / "encodes" / "chelsea-sharpened-crf32.mkv"
    broken.write_bytes(b"this is not a video\n" * 10)
    store = work / "results.jsonl"
    code = main(["compare", str(work / "comparison.toml"), "--store", str(store), "--quiet",
                 "--workers", "2", "--replicates", str(FEW)])  # fmt: skip
    assert code == 2
    rows = [json.loads(line) for line in store.read_text().splitlines()]
    assert len(rows) == N_PAIRS
    bad = [r for r in rows if r["status"] != "ok"]
    assert len(bad) == 1 and bad[0]["file"] == str(broken)
    assert "InputFileError" in bad[0]["error"] or "DecodeError" in bad[0]["error"]
    # The curve with a hole is reported, not a crash; the other sources still compare.
    c = run_comparison(work / "comparison.toml", store=store, workers=1, progress=False,
                       replicates=FEW, retry_failed=False).comparison  # fmt: skip
    assert any(f.kind == "curve" and f.source == "chelsea" for f in c.flags)
    assert c.entry("chelsea", "x264 sharpened", "vmaf").bd_rate is None
    assert c.entry("coffee", "x264 sharpened", "vmaf").bd_rate is not None
    avg = c.entry(AVERAGE, "x264 sharpened", "vmaf")
    assert avg.sources == 2 and "2 of 3" in avg.problem
    # Mend the file: the rerun scores that pair only.
    shutil.copy(sample.parent / "encodes" / broken.name, broken)
    again = run_comparison(
        work / "comparison.toml", store=store, workers=1, progress=False, replicates=FEW
    )
    assert again.scored == 1 and again.failed == 0


def test_store_repairs_a_torn_tail_and_refuses_a_second_writer(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"key": "a", "status": "ok"}\n{"key": "b", "sta')
    store = ResultStore(path)
    assert [r["key"] for r in store.rows()] == ["a"]
    with store:
        store.append({"key": "c", "status": "ok"})
        with pytest.raises(ResultStoreError, match="another run"):
            ResultStore(path).__enter__()
    assert path.read_text() == '{"key": "a", "status": "ok"}\n{"key":"c","status":"ok"}\n'


@pytest.mark.slow
def test_cli_compare_text_csv_and_report(scored, sample: Path, tmp_path: Path, capsys) -> None:
    store = tmp_path / "results.jsonl"
    shutil.copy(scored.store, store)
    csv_path = tmp_path / "table.csv"
    code = main(["compare", str(sample), "--store", str(store), "--csv", str(csv_path),
                 "--report", str(tmp_path / "rep")])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "[winner_flip] on average" in out and f"reused {N_ENCODES}" in out
    lines = csv_path.read_text().splitlines()
    assert len(lines) == N_ENCODES + 1 and lines[0].startswith("source,codec,setting,point")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[[reference]]\nname='a'\nfile='missing.y4m'\n", "does not exist"),
        ("this is = not = toml", "not valid TOML"),
        ("[[encode]]\nreference='a'\ncodec='x'\nfile='x.mkv'\n", "no references"),
        ("[comparison]\nbd_method='linear'\n", "unknown|bd_method"),
        ("[comparison]\nspeed=1\n", "unknown \\[comparison\\] key"),
    ],
)
def test_bad_manifests(tmp_path: Path, text: str, match: str, capsys) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(ManifestError, match=match):
        load_manifest(path)
    assert main(["compare", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err


def test_manifest_entry_errors(sample: Path, tmp_path: Path) -> None:
    base = sample.parent
    ref = "[[reference]]\nname='c'\nfile='refs/chelsea.y4m'\n"
    enc = "[[encode]]\nreference='{r}'\ncodec='x264'\nsetting='p'\npoint='{p}'\nfile='{f}'\n"
    cases = [
        (ref + enc.format(r="nope", p="a", f="encodes/chelsea-plain-crf24.mkv"), "not listed"),
        (ref + 2 * enc.format(r="c", p="a", f="encodes/chelsea-plain-crf24.mkv"), "listed twice"),
        (
            ref
            + "[comparison]\nanchor='x265 fast'\n"
            + enc.format(r="c", p="a", f="encodes/chelsea-plain-crf24.mkv"),
            "anchor",
        ),
        ("[[reference]]\nname='r'\nfile='raw.yuv'\n", "raw YUV"),
        (
            ref
            + "[comparison]\nmodels=['vmaf_v9']\n"
            + enc.format(r="c", p="a", f="encodes/chelsea-plain-crf24.mkv"),
            "unknown model",
        ),
    ]
    (base / "raw.yuv").write_bytes(bytes(64 * 64 * 3 // 2))
    for text, match in cases:
        path = base / "bad.toml"
        path.write_text(text)
        with pytest.raises(ManifestError, match=match):
            load_manifest(path)


def test_cli_needs_a_manifest_or_sample(capsys) -> None:
    assert main(["compare"]) == 2
    assert "--sample" in capsys.readouterr().err


@pytest.mark.slow
def test_progress_lines_name_each_pair(sample: Path, tmp_path: Path) -> None:
    import io

    from pyvmafneg.comparison._batch import BatchProgress

    stream = io.StringIO()
    bar = BatchProgress(N_PAIRS, stream=stream)
    run_comparison(sample, store=tmp_path / "p.jsonl", workers=2, progress=bar, replicates=FEW)
    lines = stream.getvalue().splitlines()
    assert len(lines) == N_PAIRS
    assert lines[-1].startswith(f"[pairs {N_PAIRS}/{N_PAIRS}")
    assert "frames/s" in lines[0] and "ETA" in lines[0]


def test_hashes_are_remembered_until_a_file_changes(tmp_path: Path, monkeypatch) -> None:
    import pyvmafneg.results._store as store_module

    calls: list[str] = []
    real = store_module.file_hash
    monkeypatch.setattr(store_module, "file_hash", lambda p: calls.append(p) or real(p))
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"one")
    b.write_bytes(b"two")
    cache = store_module.HashCache(tmp_path / "h.json")
    first = (cache(a), cache(b), cache(a))
    cache.save()
    assert len(calls) == 2 and first[0] == first[2] == real(a)
    again = store_module.HashCache(tmp_path / "h.json")
    assert (again(a), again(b)) == first[:2] and len(calls) == 2
    b.write_bytes(b"three")
    assert again(b) != first[1] and len(calls) == 3
    (tmp_path / "h.json").write_text("{damaged")
    assert store_module.HashCache(tmp_path / "h.json")(a) == first[0]


@pytest.mark.slow
def test_dask_local_scheduler_option(scored, sample: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    outcome = run_comparison(
        sample,
        store=tmp_path / "local.jsonl",
        scheduler="local",
        workers=2,
        progress=False,
        replicates=FEW,
    )
    assert _numbers(outcome.comparison) == _numbers(scored.comparison)


def test_unreachable_scheduler_is_a_clear_error(sample: Path, tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("distributed")
    import pyvmafneg._dask as dask_helper

    monkeypatch.setattr(dask_helper, "DASK_CONNECT_TIMEOUT", 1.0)
    with pytest.raises(pyvmafneg.SchedulerError, match="cannot reach the Dask scheduler"):
        run_comparison(sample, store=tmp_path / "x.jsonl", scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "x.jsonl").exists() or not (tmp_path / "x.jsonl").read_text()


@pytest.mark.slow
def test_cli_sample_builds_and_compares(tmp_path: Path, capsys) -> None:
    """``compare --sample DIR`` twice: the second run rebuilds the same bytes and scores nothing."""
    argv = ["compare", "--sample", str(tmp_path / "s"), "--quiet", "--json", "--workers", "2"]
    argv += ["--replicates", str(FEW)]
    code = main(argv)
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["run"]["scored"] == N_PAIRS
    assert any(f["kind"] == "winner_flip" and f["source"] == AVERAGE for f in data["flags"])
    store = tmp_path / "s" / "comparison.results.jsonl"
    lines = _store_lines(store)
    assert len(lines) == N_PAIRS
    assert main(argv) == 1
    again = json.loads(capsys.readouterr().out)
    assert (again["run"]["scored"], again["run"]["reused"]) == (0, N_ENCODES)
    assert again["rows"] == data["rows"]
    assert _store_lines(store) == lines
    assert sorted(p.name for p in store.parent.glob("*.results.jsonl*")) == [
        "comparison.results.jsonl",
        "comparison.results.jsonl.hashes.json",
    ]


@pytest.mark.slow
def test_rebuilt_sample_is_the_same_bytes_and_scores_nothing(tmp_path: Path) -> None:
    """Encodes are written bit-exactly, so a rebuilt sample keeps its content keys."""
    small = {"sources": ["coffee"], "frames": 3, "width": 96, "height": 64}
    manifest = build_sample_comparison(tmp_path / "s", **small)
    before = {p: p.read_bytes() for p in sorted((tmp_path / "s").rglob("*.*"))}
    store = tmp_path / "store.jsonl"
    first = run_comparison(manifest, store=store, workers=1, progress=False, replicates=FEW)
    pairs = len(SAMPLE_CRFS) * 2 + len(LADDER_CRFS)
    assert (first.scored, first.reused) == (pairs, len(SAMPLE_CRFS))
    lines = _store_lines(store)
    assert build_sample_comparison(tmp_path / "s", **small) == manifest
    assert {p: p.read_bytes() for p in before} == before
    again = run_comparison(manifest, store=store, workers=1, progress=False, replicates=FEW)
    assert (again.scored, again.reused) == (0, pairs + len(SAMPLE_CRFS))
    assert _store_lines(store) == lines
    assert not list(tmp_path.glob("*.lock")), "the store leaves no lock file behind"


def test_default_and_neg_are_always_scored() -> None:
    from pyvmafneg.comparison._manifest import gap_pair, with_default_pair
    from pyvmafneg.engines._models import resolve_models

    def names(models: list[str]) -> tuple[list[str], tuple]:
        specs = with_default_pair(resolve_models(models))
        return [s.name for s in specs], gap_pair(specs)

    partial = "vmaf_v0.6.1_vif_egl_1.5_adm_egl_1.5"
    assert names(["vmaf_v0.6.1:egl=1.5"]) == (["vmaf", "vmaf_neg", partial], ("vmaf", "vmaf_neg"))
    pair_4k = ["vmaf_4k_v0.6.1", "vmaf_4k_v0.6.1neg"]
    assert names(pair_4k) == (pair_4k, tuple(pair_4k))
    assert names(["vmaf_v0.6.1neg"])[1] == ("vmaf", "vmaf_v0.6.1neg")


@pytest.mark.slow
def test_cli_extra_model(scored, sample: Path, tmp_path: Path, capsys) -> None:
    store = tmp_path / "results.jsonl"
    code = main(["compare", str(sample), "--store", str(store), "--quiet", "--json",
                 "--model", "vmaf_v0.6.1:egl=1.2", "--workers", "2",
                 "--replicates", str(FEW)])  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    extra = "vmaf_v0.6.1_vif_egl_1.2_adm_egl_1.2"
    assert data["metrics"] == ["vmaf", "vmaf_neg", extra, "psnr_y", "float_ssim"]
    # Adding a model does not change the default and NEG numbers.
    ours = {(r["source"], r["setting"], r["point"]): r["scores"] for r in data["rows"]}
    for r in scored.comparison.rows:
        got = ours[(r.source, r.setting, r.point)]
        assert (got["vmaf"], got["vmaf_neg"]) == (r.scores["vmaf"], r.scores["vmaf_neg"])


@pytest.mark.slow
def test_ctrl_c_keeps_finished_pairs_and_says_how_to_go_on(sample: Path, tmp_path: Path) -> None:
    store = tmp_path / "results.jsonl"
    cmd = [sys.executable, "-m", "pyvmafneg", "compare", str(sample), "--store", str(store),
           "--workers", "2", "--replicates", str(FEW)]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=default_sigint,
    )
    deadline = time.monotonic() + 120
    while not _store_lines(store) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    kept = len(_store_lines(store))
    assert 1 <= kept < N_PAIRS
    again = run_comparison(sample, store=store, workers=2, progress=False, replicates=FEW)
    assert (again.reused, again.scored) == (kept + N_ENCODES - N_PAIRS, N_PAIRS - kept)


def test_encode_shorter_than_its_reference(sample: Path, tmp_path: Path) -> None:
    """A frame-count mismatch fails that pair with advice; frames = N scores a prefix."""
    from pyvmafneg.demo._encode import x264_roundtrip
    from pyvmafneg.io._sources import open_video

    base = sample.parent
    ref = base / "refs" / "coffee.y4m"
    frames = list(open_video(ref))[:8]
    short = tmp_path / "short.mkv"
    x264_roundtrip(frames, crf=28, fps=24, keep=short)
    entry = (
        f"[[reference]]\nname='coffee'\nfile='{ref}'\n"
        f"[[encode]]\nreference='coffee'\ncodec='x264'\nsetting='cut'\nfile='{short}'\n"
    )
    manifest = tmp_path / "m.toml"
    manifest.write_text(entry)
    row = run_comparison(manifest, workers=1, progress=False).comparison.rows[0]
    assert row.status == "error"
    assert row.error.startswith("FrameCountMismatchError: the distorted clip ended after 8")
    assert "pass frames = 8 in this [[encode]] entry to score the common prefix" in row.error
    manifest.write_text(entry + "frames = 8\n")
    row = run_comparison(manifest, workers=1, progress=False).comparison.rows[0]
    assert row.ok and row.frames == 8
    direct = pyvmafneg.score(open_video(ref), open_video(short), frames=8, backend="libvmaf")
    assert row.scores["vmaf_neg"] == direct.pooled("vmaf_neg").mean
    assert row.bitrate_kbps == pytest.approx(short.stat().st_size * 8 / 1000 / (8 / 24))


def _sample_digest(sample: Path) -> str:
    """First 16 hex digits of the sha256 over the sample's encodes (names and bytes)."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted((sample.parent / "encodes").glob("*.mkv")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _numbers_of(line: str) -> list[float]:
    return [float(v.rstrip("%")) for v in re.findall(r"[+-]\d+\.\d+%?", line)]


def test_readme_sample_figures_match_a_fresh_run(scored, sample: Path) -> None:
    """The sample output the README quotes: its numbers where the encodes are the same bytes.

    libx264's output differs between CPUs, so elsewhere only what does not
    depend on it is compared: the rows, the flags and the sign of each figure.
    """
    root = Path(__file__).resolve().parent.parent
    docs = [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
    pattern = r"<!-- sample encodes sha256 ([0-9a-f]+) -->\n```\n(.*?)```"
    found = [m.groups() for d in docs for m in re.finditer(pattern, d.read_text(), re.S)]
    assert len(found) >= 2, "the README and the tutorial quote the sample, with its digest"
    fresh = to_text(scored.comparison).splitlines()
    for digest, block in found:
        same_bytes = digest == _sample_digest(sample)
        rows = [line for line in block.splitlines() if re.match(r"^\w[\w ]{13} x264 ", line)]
        for line in rows:
            (mine,) = [f for f in fresh if f.startswith(line[:37])]
            quoted = _numbers_of(line)
            now = _numbers_of(mine)[: len(quoted)]
            if same_bytes:
                assert quoted == now, (line, mine)
            else:
                assert [v < 0 for v in quoted] == [v < 0 for v in now], (line, mine)
        for line in block.splitlines():
            if line.startswith("  ["):
                kind_and_where = line.split(":")[0]
                assert [f for f in fresh if f.startswith(kind_and_where)], line
            if (line.startswith("  [") or line.startswith("  chelsea: ")) and same_bytes:
                assert line in fresh, line


def test_sample_ladder_is_compared_by_its_hull(scored) -> None:
    """The sample's two-rung ladder: a hull per source and metric, BD against the anchor."""
    c = scored.comparison
    for source in SAMPLE_SOURCES:
        assert c.resolutions(source, "x264 ladder") == ["320x192", "160x96"]
        for metric in c.metrics:
            hull = c.hull(source, "x264 ladder", metric)
            assert hull is not None and len(hull.encodes) >= 2
            assert len(c.bd_curve(source, "x264 ladder", metric)) >= 4
        assert c.entry(source, "x264 ladder", "vmaf").bd_rate is not None
    assert not c.is_ladder(SAMPLE_SOURCES[0], "x264 plain")


def test_sample_flip_is_resolved_by_its_intervals(scored) -> None:
    """The sample's flip holds beyond frame and source noise: intervals on opposite sides of 0."""
    from pyvmafneg.comparison._analysis import AVERAGE, flip_resolved

    c = scored.comparison
    d = c.entry(AVERAGE, "x264 sharpened", "vmaf")
    n = c.entry(AVERAGE, "x264 sharpened", "vmaf_neg")
    assert d.has_interval and n.has_interval and d.replicates >= 270
    assert d.bd_rate_low <= d.bd_rate <= d.bd_rate_high
    assert n.bd_rate_low <= n.bd_rate <= n.bd_rate_high
    assert flip_resolved(d, n)
    assert AVERAGE in [f.source for f in c.flips() if f.series == "x264 sharpened"]
    assert not [f for f in c.flags if f.kind == "flip_unresolved"]
    # the ladder is compared by its hull, rebuilt in every replicate
    for source in SAMPLE_SOURCES:
        assert c.entry(source, "x264 ladder", "vmaf_neg").has_interval


def test_interval_options_reach_the_bd_intervals(scored, sample: Path, tmp_path: Path) -> None:
    """replicates and level are the comparison's: a narrower level gives a narrower interval."""

    store = tmp_path / "results.jsonl"
    shutil.copy(scored.store, store)
    again = run_comparison(
        sample, store=store, workers=1, progress=False, replicates=120, level=0.5
    )
    assert again.scored == 0
    wide = scored.comparison.entry(AVERAGE, "x264 sharpened", "vmaf_neg")
    narrow = again.comparison.entry(AVERAGE, "x264 sharpened", "vmaf_neg")
    assert (narrow.level, wide.level) == (0.5, 0.95)
    assert 100 <= narrow.replicates <= 120 < wide.replicates
    assert narrow.bd_rate == wide.bd_rate  # the point estimate does not depend on them
    assert narrow.bd_rate_high - narrow.bd_rate_low < wide.bd_rate_high - wide.bd_rate_low


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--replicates", "99"], "100 to 1000000 bootstrap replicates are needed"),
        # 10**20 ended in NumPy's "Maximum allowed dimension exceeded" traceback
        (["--replicates", str(10**20)], "got 100000000000000000000"),
        (["--interval-level", "1"], "the intervals' level must be in (0, 1); got 1.0"),
    ],
)
def test_cli_refuses_interval_options_before_building_anything(
    tmp_path: Path, capsys, flags: list[str], words: str
) -> None:
    folder = tmp_path / "sample"
    assert main(["compare", "--sample", str(folder), *flags]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1
    assert not folder.exists()
