"""Every file the package writes is written whole or not at all; one rule for directories.

A full disk is simulated two ways: a write that raises ``OSError(ENOSPC)``
after some bytes (every writer), and a real 64 KiB tmpfs filled to the
brim (where this machine lets the tests mount one).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

import pyvmafneg
from pyvmafneg import _outputs
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.errors import DiskFullError, OutputFileError
from pyvmafneg.io._rawyuv import write_yuv
from pyvmafneg.io._y4m import write_y4m
from pyvmafneg.results._logs import write_log
from pyvmafneg.results._plot import plot_result
from pyvmafneg.results._store import HashCache, ResultStore


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("outputs")
    ref = natural_clip("astronaut", frames=3, width=96, height=64)
    write_y4m(ref, root / "ref.y4m")
    return {"ref": root / "ref.y4m", "frames": ref}  # type: ignore[dict-item]


@pytest.fixture(scope="module")
def result(pair: dict[str, Path]) -> pyvmafneg.Result:
    return pyvmafneg.score(pair["ref"], pair["ref"])


class _FillingFile:
    """A file object that takes ``room`` bytes, then raises ENOSPC as a full disk does."""

    def __init__(self, fh, room: int) -> None:  # type: ignore[no-untyped-def]
        self._fh = fh
        self._room = room

    def write(self, data):  # type: ignore[no-untyped-def]
        if len(data) > self._room:
            self._fh.write(data[: self._room])
            self._room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._fh.write(data)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._fh, name)

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        self._fh.close()


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file the package opens for writing fills up after 100 bytes."""
    real = os.fdopen

    def fdopen(fd, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        fh = real(fd, mode, *args, **kwargs)
        return _FillingFile(fh, 100) if "w" in mode else fh

    monkeypatch.setattr(_outputs.os, "fdopen", fdopen)


def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


WRITERS = {
    "json log": lambda r, p: r.to_json(p),
    "csv log": lambda r, p: r.to_csv(p),
    "xml log": lambda r, p: write_log(r, p, "xml"),
    "plot": lambda r, p: plot_result(r, p),
    "y4m": lambda r, p: write_y4m(natural_clip("coffee", frames=2, width=64, height=48), p),
    "raw yuv": lambda r, p: write_yuv(natural_clip("coffee", frames=2, width=64, height=48), p),
}
SUFFIX = {"json log": ".json", "csv log": ".csv", "xml log": ".xml", "plot": ".png"}


@pytest.mark.parametrize("name", WRITERS)
def test_a_full_disk_keeps_the_previous_file_and_says_so(
    name: str, result: pyvmafneg.Result, tmp_path: Path, full_disk: None
) -> None:
    if name == "plot":
        pytest.importorskip("matplotlib")
    path = tmp_path / f"out{SUFFIX.get(name, '.bin')}"
    path.write_bytes(b"the previous file\n")
    with pytest.raises(DiskFullError) as err:
        WRITERS[name](result, path)
    assert path.read_bytes() == b"the previous file\n"
    assert _leftovers(tmp_path, {path.name}) == []
    free = shutil.disk_usage(tmp_path).free
    assert err.value.path == str(path)
    assert abs(err.value.free - free) < 64 << 20
    assert str(path) in str(err.value) and "free" in str(err.value)
    assert "\n" not in str(err.value)


def test_a_failed_write_leaves_no_new_file(tmp_path: Path, full_disk: None) -> None:
    with pytest.raises(DiskFullError):
        _outputs.write_file(tmp_path / "new.json", "x" * 1000)
    assert list(tmp_path.iterdir()) == []


def test_a_write_keeps_an_existing_files_permissions(tmp_path: Path) -> None:
    path = tmp_path / "log.json"
    path.write_text("{}")
    path.chmod(0o640)
    _outputs.write_file(path, "[]")
    assert path.read_text() == "[]" and (path.stat().st_mode & 0o777) == 0o640
    fresh = _outputs.write_file(tmp_path / "fresh.json", "[]")
    mask = os.umask(0)
    os.umask(mask)
    assert (fresh.stat().st_mode & 0o777) == 0o666 & ~mask


def test_cli_log_on_a_full_disk_is_one_line_exit_2(
    pair: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], full_disk: None
) -> None:
    log = tmp_path / "log.json"
    log.write_text('{"previous": true}\n')
    rc = main(["score", "-r", str(pair["ref"]), "-d", str(pair["ref"]), "-o", str(log), "-q"])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(log) in err[0] and "full" in err[0] and "free" in err[0]
    assert json.loads(log.read_text()) == {"previous": True}
    assert _leftovers(tmp_path, {"log.json"}) == []


def test_result_store_on_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ResultStore(tmp_path / "s.jsonl")
    with store:
        store.append({"key": "a", "v": 1})

        def no_room(fd: int) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "fsync", no_room)
        with pytest.raises(DiskFullError, match="s.jsonl"):
            store.append({"key": "b", "v": 2})
    monkeypatch.undo()
    assert store.latest()["a"]["v"] == 1


def test_hash_cache_survives_a_full_disk(tmp_path: Path, full_disk: None) -> None:
    target = tmp_path / "data.bin"
    target.write_bytes(b"abc")
    cache = HashCache(tmp_path / "h.json")
    (tmp_path / "h.json").write_text("{}")
    cache(target)
    cache.save()  # only a cache: a failure is not an error
    assert (tmp_path / "h.json").read_text() == "{}"
    assert _leftovers(tmp_path, {"data.bin", "h.json"}) == []


# -- a real, small file system ----------------------------------------------------------


@pytest.fixture
def tiny_fs(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A 64 KiB tmpfs (needs the right to mount; skipped elsewhere)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_cli_log_on_a_really_full_file_system(
    pair: dict[str, Path], tiny_fs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tiny_fs / "log.json"
    assert main(["score", "-r", str(pair["ref"]), "-d", str(pair["ref"]), "-o", str(log)]) == 0
    before = log.read_bytes()
    with open(tiny_fs / "filler", "wb", buffering=0) as fh:  # fill what is left
        try:
            while True:
                fh.write(b"\0" * 1024)
        except OSError:
            pass
    capsys.readouterr()
    rc = main(["score", "-r", str(pair["ref"]), "-d", str(pair["ref"]), "-o", str(log), "-q"])
    assert rc == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert str(log) in line and "free" in line
    assert log.read_bytes() == before
    assert sorted(p.name for p in tiny_fs.iterdir()) == ["filler", "log.json"]


# -- one rule for directories -----------------------------------------------------------


def test_empty_output_path_is_refused(pair: dict[str, Path], capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["score", "-r", str(pair["ref"]), "-d", str(pair["ref"]), "-o", ""]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "empty" in line


def test_plot_with_empty_path_is_refused(pair: dict[str, Path], capsys) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    assert main(["score", "-r", str(pair["ref"]), "-d", str(pair["ref"]), "--plot", ""]) == 2
    assert "empty" in capsys.readouterr().err


@pytest.mark.parametrize("make", ["file", "dir"])
def test_outputs_in_a_missing_directory_are_refused_alike(make: str, tmp_path: Path) -> None:
    missing = tmp_path / f"missing-{uuid.uuid4().hex[:6]}"
    check = _outputs.check_output_file if make == "file" else _outputs.check_output_dir
    with pytest.raises(OutputFileError, match="does not exist"):
        check(missing / "out")
    assert not missing.exists()
    # The one thing named is created, never the directories above it.
    made = _outputs.make_output_dir(tmp_path / "maps")
    assert made.is_dir()


def test_explain_maps_in_a_missing_directory_is_refused(pair, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    maps = tmp_path / "nowhere" / "maps"
    ref = str(pair["ref"])
    assert main(["explain", "-r", ref, "-d", ref, "--frames", "1", "--maps", str(maps)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_demo_out_in_a_missing_directory_is_refused(tmp_path: Path) -> None:
    from pyvmafneg.demo._worked import run_demo

    with pytest.raises(OutputFileError, match="does not exist"):
        run_demo(out_dir=tmp_path / "nowhere" / "demo", frames=2)
    assert not (tmp_path / "nowhere").exists()


def test_writes_replace_whole_files(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    _outputs.write_file(path, "long content " * 100)
    _outputs.write_file(path, "short")
    assert path.read_text() == "short"


# -- every writer goes through the helper -----------------------------------------------

PACKAGE = Path(pyvmafneg.__file__).parent
#: Files allowed to open files for writing themselves: the helper, the append-only result
#: store (a row at a time, fsynced, a torn tail cut on the next open) and FFmpeg's
#: temporary inputs and error logs (in a temporary directory of their own).
OWN_WRITERS = {"_outputs.py", "results/_store.py", "engines/_ffmpeg.py"}


def test_every_file_is_written_through_the_helper() -> None:
    import re

    direct = re.compile(
        r"\.write_text\(|\.write_bytes\(|\bopen\([^)]*[\"'][wax]b?\+?[\"']|shutil\.copy(?!fileobj)"
        r"|\.savefig\((?!buffer\b|fh\b|buf\b)"
    )
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name in OWN_WRITERS:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#")[0]
            if direct.search(code) and "``" not in code:
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []


# -- targets that are not plain files ---------------------------------------------------


def test_a_log_written_to_a_pipe_goes_into_the_pipe(pair: dict[str, Path], tmp_path: Path) -> None:
    # As `-o /dev/stdout` or `-o /dev/null`: renaming a temporary file over a pipe or a
    # device would put a regular file in its place (in /dev too, for root).
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # lets the writer open it at once
    try:
        ref = str(pair["ref"])
        done = subprocess.run(
            [sys.executable, "-m", "pyvmafneg", "score", "-r", ref, "-d", ref, "-q"]
            + ["-o", str(fifo), "--format", "json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
        data = b""
        while chunk := os.read(reader, 1 << 16):
            data += chunk
    finally:
        os.close(reader)
    assert len(json.loads(data)["frames"]) == 3
    assert _leftovers(tmp_path, {"log.fifo"}) == []


def test_a_symbolic_link_stays_a_link_to_the_new_content(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real.name)
    _outputs.write_file(link, "new")
    assert link.is_symlink() and os.readlink(link) == real.name
    assert real.read_text() == "new"
    assert _leftovers(tmp_path, {"real.csv", "link.csv"}) == []


# -- the result store -------------------------------------------------------------------


def _one_pair_manifest(pair: dict[str, Path], folder: Path) -> Path:
    shutil.copy(pair["ref"], folder / "ref.y4m")
    manifest = folder / "m.toml"
    manifest.write_text(
        '[[reference]]\nname = "a"\nfile = "ref.y4m"\n\n[[encode]]\nreference = "a"\n'
        'codec = "c"\nsetting = "s"\npoint = "p"\nfile = "ref.y4m"\nbitrate_kbps = 100\n'
    )
    return manifest


def test_a_store_path_naming_another_file_is_refused_and_left_whole(
    pair: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Appending rows, or cutting a "torn" last line, would destroy a video or a manifest.
    manifest = _one_pair_manifest(pair, tmp_path)
    before = {p: p.read_bytes() for p in (manifest, tmp_path / "ref.y4m")}
    for store in before:
        rc = main(["compare", str(manifest), "--store", str(store), "--workers", "1", "--quiet"])
        assert rc == 2
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert "is not a result store" in line and "--store" in line
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(tmp_path.glob("*.hashes.json")) == []  # nor a hash cache left beside it


def test_a_store_row_too_large_for_the_file_size_limit_is_one_error(tmp_path: Path) -> None:
    # RLIMIT_FSIZE (ulimit -f): the failed row stays buffered, and closing the store used
    # to flush it again and raise a bare OSError in place of the store's own error.
    script = (
        "import resource, sys\n"
        "from pyvmafneg.errors import ResultStoreError\n"
        "from pyvmafneg.results._store import ResultStore\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "try:\n"
        "    with ResultStore(sys.argv[1]) as store:\n"
        "        store.append({'key': 'a', 'pad': 'x' * 10000})\n"
        "except ResultStoreError as exc:\n"
        "    print(type(exc).__name__, exc.path)\n"
    )
    store = tmp_path / "s.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", script, str(store)], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.split() == ["ResultStoreError", str(store)]


@pytest.mark.parametrize("csv", ["m.toml", "ref.y4m", "m.results.jsonl", "m.csv"])
def test_compare_csv_naming_an_input_is_refused_before_scoring(
    csv: str, pair: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # m.csv itself is new, but its BD table m.bd.csv is the file the manifest lists.
    manifest = _one_pair_manifest(pair, tmp_path)
    if csv == "m.csv":
        (tmp_path / "ref.y4m").rename(tmp_path / "m.bd.csv")
        manifest.write_text(manifest.read_text().replace("ref.y4m", "m.bd.csv"))
    (tmp_path / "m.results.jsonl").write_text("")
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    rc = main(["compare", str(manifest), "--csv", str(tmp_path / csv), "--workers", "1", "--quiet"])
    assert rc == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "--csv" in line and "would destroy it" in line
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize("command", ["score", "compare"])
def test_a_store_in_a_missing_directory_is_refused_as_a_log_is(
    command: str, pair: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The store used to make the missing folders (a mistyped path lost every resume).
    store = tmp_path / "missing" / "s.jsonl"
    ref = str(pair["ref"])
    argv = {
        "score": ["score", "-r", ref, "-d", ref, "--segments", "2", "--workers", "1", "-q"],
        "compare": ["compare", str(_one_pair_manifest(pair, tmp_path)), "--quiet"],
    }[command]
    assert main([*argv, "--store", str(store)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "--store" in line and "does not exist" in line
    assert not store.parent.exists()


def test_an_output_that_is_a_loop_of_links_is_refused(
    pair: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Comparing it with the inputs (Path.resolve) raised RuntimeError: a traceback.
    (tmp_path / "a.json").symlink_to("b.json")
    (tmp_path / "b.json").symlink_to("a.json")
    ref = str(pair["ref"])
    assert main(["score", "-r", ref, "-d", ref, "-q", "-o", str(tmp_path / "a.json")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "--output" in line and "symbolic link that leads back to itself" in line


def test_file_names_that_are_not_utf8_are_written_and_printed_as_their_bytes(
    pair: dict[str, Path], tmp_path: Path
) -> None:
    # A folder named in Latin-1 (valid on Linux): writing the CSV, then printing the store's
    # path on a strict UTF-8 stdout, raised UnicodeEncodeError.
    folder = tmp_path / os.fsdecode(b"caf\xe9")
    folder.mkdir()
    manifest = _one_pair_manifest(pair, folder)
    csv = tmp_path / "rows.csv"
    done = subprocess.run(
        [sys.executable, "-m", "pyvmafneg", "compare", str(manifest), "--csv", str(csv)]
        + ["--workers", "1", "--quiet"],
        capture_output=True,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),  # strict, as in a UTF-8 locale
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    assert b"Traceback" not in done.stderr
    assert os.fsencode(folder) + b"/ref.y4m" in csv.read_bytes()
    assert os.fsencode(folder) + b"/m.results.jsonl" in done.stdout
