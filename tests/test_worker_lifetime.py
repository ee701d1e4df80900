"""Worker processes end with the process that started them, however it ends.

Each command runs in its own session (so its process group holds it, its
workers, the fork server and the resource tracker); the test kills only the
command's own process and then expects the whole group to be gone within a
few seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyvmafneg.demo._clips import map_frames, natural_clip
from pyvmafneg.io._y4m import write_y4m

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")

#: Seconds the group may take to end after its leader was killed.
GRACE = 8.0


def _group(pgid: int) -> list[tuple[int, str]]:
    """``(pid, command line)`` of every live (non-zombie) process in the group."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append((int(entry), cmd.strip()))
    return found


@pytest.fixture(scope="module")
def title(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("lifetime")
    # The segmented title is scored by the NumPy reference engine (about 10 frames
    # a second per worker here), so its segments are still being scored when the
    # parent is killed on a fast quiet machine too; with the native engine the
    # whole run can end within the second the test waits, and a SIGTERM then
    # meets a process that has already restored the default handler.
    long = natural_clip("astronaut", frames=120, width=640, height=360)
    write_y4m(long, root / "ref.y4m")
    write_y4m(map_frames(long, lambda p: (p // 4) * 4), root / "dis.y4m")
    # The comparison (six pairs on two workers) takes several seconds after its
    # workers start, so it too is still scoring when it is killed. Its reference is
    # the title's first 96 frames (rendering frames of a pan is what this fixture
    # spends its time on).
    ref = long[:96]
    del long
    write_y4m(ref, root / "ref96.y4m")
    for point in range(3):  # pairs are keyed by content: each encode its own file
        step = 2 * (point + 1)
        write_y4m(map_frames(ref, lambda p, s=step: (p // s) * s), root / f"dis{point}.y4m")
    lines = [
        '[comparison]\nanchor = "a plain"\n',
        '[[reference]]\nname = "r"\nfile = "ref96.y4m"\n',
    ]
    for setting in ("plain", "coarse"):
        for point in range(3):
            lines.append(
                f'[[encode]]\nreference = "r"\ncodec = "a"\nsetting = "{setting}"\n'
                f'point = "p{point}"\nfile = "dis{point}.y4m"\nbitrate_kbps = {100 * (point + 1)}\n'
            )
    (root / "comparison.toml").write_text("\n".join(lines))
    return {"root": root, "ref": root / "ref.y4m", "dis": root / "dis.y4m"}


def _start(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pyvmafneg", *args],
        cwd=cwd,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for_workers(proc: subprocess.Popen[bytes], at_least: int) -> None:
    """Wait until the group has the command and ``at_least`` more processes."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the command ended before its workers started: {proc.stderr.read()!r}")
        if len(_group(proc.pid)) >= 1 + at_least:
            time.sleep(1.0)  # let them start scoring
            return
        time.sleep(0.1)
    pytest.fail("the workers never started")


def _assert_group_ends(pgid: int) -> None:
    deadline = time.monotonic() + GRACE
    left = _group(pgid)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = _group(pgid)
    if left:
        os.killpg(pgid, signal.SIGKILL)
    assert not left, f"still running {GRACE:g} s after their parent was killed: {left}"


def _commands(title: dict[str, Path]) -> dict[str, list[str]]:
    segments = ["score", "-r", str(title["ref"]), "-d", str(title["dis"]), "--segments", "2"]
    return {
        "score --segments": [
            *segments,
            "--backend",
            "reference",
            "--workers",
            "2",
            "--no-store",
            "-q",
        ],
        "compare": [
            str(title["root"] / "comparison.toml"),
            "--workers",
            "2",
            "--quiet",
            "--store",
            str(title["root"] / "store.jsonl"),
        ],  # fmt: skip
    }


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("command", ["score --segments", "compare"])
def test_workers_end_with_their_parent(
    title: dict[str, Path], command: str, how: signal.Signals
) -> None:
    args = _commands(title)[command]
    if command == "compare":
        args = ["compare", *args]
        (title["root"] / "store.jsonl").unlink(missing_ok=True)
    proc = _start(args, title["root"])
    try:
        # Workers, the resource tracker and (for segments) the fork server.
        _wait_for_workers(proc, at_least=4 if command == "score --segments" else 3)
        assert proc.poll() is None, "the command finished before it could be killed"
        os.kill(proc.pid, how)
        code = proc.wait(timeout=60)
        _assert_group_ends(proc.pid)
        if how == signal.SIGTERM:
            # The same cleanup as Ctrl-C: a message and the conventional code, no traceback.
            err = proc.stderr.read().decode()
            assert code == 128 + signal.SIGTERM, err
            assert "Traceback" not in err, err
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


@pytest.mark.slow
def test_a_stopped_dask_local_cluster_run_is_one_line(title: dict[str, Path]) -> None:
    # Shutting the cluster down printed its warnings (tasks cancelled, workers still
    # alive, killed) around the command's own line.
    pytest.importorskip("distributed")
    args = [*_commands(title)["score --segments"], "--scheduler", "local"]
    proc = _start(args, title["root"])
    try:
        _wait_for_workers(proc, at_least=2)
        time.sleep(5)  # past the cluster's start: its workers are scoring
        assert proc.poll() is None, "the command finished before it could be stopped"
        os.kill(proc.pid, signal.SIGTERM)
        code = proc.wait(timeout=60)
        _assert_group_ends(proc.pid)
        err = [line for line in proc.stderr.read().decode().splitlines() if line.strip()]
        assert (code, err) == (143, ["pyvmafneg score: terminated"]), "\n".join(err)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
