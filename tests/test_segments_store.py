"""Where segment stores live, how they notice changed inputs, and flags that do not fit.

Also: segments score on the default engine and write a plain run's log,
feature for feature.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import pyvmafneg
import pyvmafneg.results._store as store_module
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import map_frames, natural_clip
from pyvmafneg.io._y4m import write_y4m
from pyvmafneg.segments import default_store, score_segments


@pytest.fixture
def pair(tmp_path: Path) -> dict[str, Path]:
    ref = natural_clip("astronaut", frames=9, width=176, height=144)
    dis = map_frames(
        ref, lambda p: np.clip(p.astype(np.int16) * 9 // 8 - 8, 0, 255).astype(np.uint8)
    )
    root = tmp_path / "media"
    root.mkdir()
    write_y4m(ref, root / "ref.y4m")
    write_y4m(dis, root / "dis.y4m")
    return {"ref": root / "ref.y4m", "dis": root / "dis.y4m", "root": root}


def _log(path: Path) -> dict:
    data = json.loads(path.read_text())
    data.pop("fps")
    return data


# -- the default engine -----------------------------------------------------------------


def test_segments_write_a_plain_runs_log_on_the_default_engine(pair, tmp_path, capsys) -> None:
    base = ["score", "-r", str(pair["ref"]), "-d", str(pair["dis"]), "-q"]
    assert main([*base, "-o", str(tmp_path / "plain.json")]) == 0
    seg = [*base, "--segments", "3", "--workers", "1", "--no-store"]
    assert main([*seg, "-o", str(tmp_path / "seg.json")]) == 0
    plain, parts = _log(tmp_path / "plain.json"), _log(tmp_path / "seg.json")
    assert plain["pyvmafneg"]["backend"] == parts["pyvmafneg"]["backend"] == "native"
    assert plain == parts  # every feature (cap shares too), every frame, every pooled value
    names = plain["frames"][0]["metrics"]
    assert any("cap_share" in n for n in names)


def test_api_segments_pick_the_engine_a_plain_run_picks(pair) -> None:
    run = score_segments(pair["ref"], pair["dis"], segments=2, workers=1)
    plain = pyvmafneg.score(pair["ref"], pair["dis"])
    assert run.result.backend == plain.backend == "native"
    assert list(run.result.keys()) == list(plain.keys())
    for key in plain.keys():
        assert run.result[key].tobytes() == plain[key].tobytes(), key
    shared = score_segments(pair["ref"], pair["dis"], segments=2, workers=1, features="ciede")
    plain = pyvmafneg.score(pair["ref"], pair["dis"], features="ciede")
    assert shared.result.backend == plain.backend != "libvmaf"
    for key in plain.keys():
        assert shared.result[key].tobytes() == plain[key].tobytes(), key


# -- where the store lives --------------------------------------------------------------


def test_default_store_is_in_the_cache_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_store() == str(tmp_path / "xdg" / "pyvmafneg" / "segments.jsonl")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_store() == str(tmp_path / "home" / ".cache" / "pyvmafneg" / "segments.jsonl")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_store() == str(tmp_path / "home" / ".cache" / "pyvmafneg" / "segments.jsonl")


def test_cli_keeps_segments_in_the_cache_not_the_working_directory(
    pair, tmp_path, monkeypatch
) -> None:
    cache, work = tmp_path / "cache", tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.chdir(work)
    args = ["score", "-r", str(pair["ref"]), "-d", str(pair["dis"]), "--segments", "2"]
    assert main([*args, "--workers", "1", "-q"]) == 0
    assert list(work.iterdir()) == []
    assert sorted(p.name for p in (cache / "pyvmafneg").iterdir()) == [
        "segments.jsonl",
        "segments.jsonl.hashes.json",
    ]


# -- noticing changed inputs ------------------------------------------------------------


def _rewrite_in_place(path: Path) -> None:
    """Change bytes in the middle of ``path``, keeping its size, inode and mtime."""
    st = path.stat()
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4000] = bytes(255 - b for b in data[middle : middle + 4000])
    with open(path, "r+b") as fh:
        fh.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_ino, after.st_mtime_ns) == (
        st.st_size,
        st.st_ino,
        st.st_mtime_ns,
    )


def test_a_file_rewritten_in_place_is_scored_again(pair, tmp_path) -> None:
    store = tmp_path / "s.jsonl"
    first = score_segments(pair["ref"], pair["dis"], segments=3, workers=1, store=store)
    assert first.scored == [0, 1, 2]
    _rewrite_in_place(pair["dis"])
    again = score_segments(pair["ref"], pair["dis"], segments=3, workers=1, store=store)
    assert again.reused == [] and again.scored == [0, 1, 2]
    plain = pyvmafneg.score(pair["ref"], pair["dis"])
    assert again.result["vmaf"].tobytes() == plain["vmaf"].tobytes()


def test_rehash_reads_every_input_in_full(pair, tmp_path, monkeypatch) -> None:
    store = tmp_path / "s.jsonl"
    score_segments(pair["ref"], pair["dis"], segments=2, workers=1, store=store)
    calls: list[str] = []
    real = store_module.file_hash
    monkeypatch.setattr(store_module, "file_hash", lambda p: calls.append(p) or real(p))
    trusted = score_segments(pair["ref"], pair["dis"], segments=2, workers=1, store=store)
    assert calls == [] and trusted.reused == [0, 1]
    checked = score_segments(
        pair["ref"], pair["dis"], segments=2, workers=1, store=store, rehash=True
    )
    assert sorted(calls) == sorted([str(pair["ref"]), str(pair["dis"])])
    assert checked.reused == [0, 1]
    calls.clear()
    cli = ["score", "-r", str(pair["ref"]), "-d", str(pair["dis"]), "--segments", "2"]
    assert main([*cli, "--workers", "1", "--store", str(store), "--rehash", "-q"]) == 0
    assert len(calls) == 2


def test_hash_cache_notices_a_changed_head_or_tail(tmp_path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"a" * 200_000)
    cache = store_module.HashCache()
    first = cache(path)
    st = path.stat()
    with open(path, "r+b") as fh:
        fh.seek(199_000)
        fh.write(b"b")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cache(path) != first


# -- flags that do not fit --------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--segments", "2", "--store", "x.jsonl", "--no-store"], "--store and --no-store"),
        # the library's keywords, worded as flags (was "workers apply to ...")
        (["--workers", "2"], "--workers N applies to scoring in segments: give --segments N"),
        (["--store", "x.jsonl"], "--store PATH applies to scoring in segments"),
        (["--scheduler", "local"], "--scheduler applies to scoring in segments"),
        (["--no-store"], "--no-store applies to scoring in segments"),
        (["--rehash"], "--rehash applies to scoring in segments"),
        (["--segments", "2", "--libvmaf", "/usr/lib/libvmaf.so"], "leave out --libvmaf"),
        (["--segments", "2", "--ffmpeg", "ffmpeg"], "leave out --ffmpeg"),
    ],
)
def test_flags_that_do_not_fit_are_refused(pair, tmp_path, capsys, extra, words) -> None:
    args = ["score", "-r", str(pair["ref"]), "-d", str(pair["dis"]), *extra]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err
    assert not (tmp_path / "x.jsonl").exists()
