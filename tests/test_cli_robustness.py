"""Bad input as users give it: one clear line on stderr, exit status 2, never a traceback.

Each test names the input that used to misbehave (a traceback, a multi-line
usage dump, a crash in FFmpeg, a hang, a silent nonsense score or a long run
wasted on an unwritable output) and holds the message and exit code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pyvmafneg
from pyvmafneg import Scorer
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.engines._options import MAX_THREADS, available_cpus
from pyvmafneg.errors import (
    FrameError,
    InputFileError,
    LogFormatError,
    OptionError,
    OutputFileError,
    RawGeometryError,
    VmafNegError,
)
from pyvmafneg.io._frame import Frame
from pyvmafneg.io._rawyuv import write_yuv
from pyvmafneg.io._y4m import write_y4m
from pyvmafneg.results._plot import plot_result

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-frame 64x48 clip as Y4M (8- and 10-bit), a 32x32 one, and a log of the clip."""
    d = tmp_path_factory.mktemp("robust")
    ref = natural_clip("astronaut", frames=3, width=64, height=48)
    write_y4m(ref, d / "ref.y4m")
    write_y4m(natural_clip("astronaut", frames=2, width=32, height=32), d / "tiny.y4m")
    ten = natural_clip("astronaut", frames=3, width=64, height=48, bitdepth=10)
    write_y4m(ten, d / "ten.y4m")
    # 10-bit samples stored MSB-aligned (<< 6), as P010 data mislabelled as 10-bit.
    msb = [Frame(tuple(p << 6 for p in f.planes), 10, f.pixel_format) for f in ten]
    write_y4m(msb, d / "msb.y4m")
    ref_y4m = str(d / "ref.y4m")
    assert main(["score", "-r", ref_y4m, "-d", ref_y4m, "-q", "-o", str(d / "log.json")]) == 0
    (d / "adir").mkdir()
    return d


def _err_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The one line the CLI printed on stderr (fails if there are more)."""
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    return _err_line(capsys)


# -- usage errors: one line, not the whole usage text -----------------------------------


def test_usage_errors_are_one_line(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = str(media / "ref.y4m")
    line = _usage_error(["score", "-r", ref, "-d", ref, "--frames", "0"], capsys)
    assert line.startswith("pyvmafneg score: error: argument --frames: must be at least 1")
    assert line.endswith("(see pyvmafneg score --help)")
    line = _usage_error(["score", "-r", ref, "-d", ref, "--threads", "-1"], capsys)
    assert "argument --threads: must be at least 0; got -1" in line
    line = _usage_error(["check", str(media / "log.json"), "--threshold", "abc"], capsys)
    assert "invalid float value: 'abc'" in line
    line = _usage_error(["explain", "-r", ref, "-d", ref, "--gain-limit", "0.99"], capsys)
    assert "outside libvmaf's range [1.0, 100.0]" in line
    line = _usage_error(["demo", "--image", "nope"], capsys)
    assert "invalid choice: 'nope'" in line
    line = _usage_error(["nope"], capsys)
    assert line.startswith("pyvmafneg: error: argument COMMAND: invalid choice")


def test_multi_line_error_is_printed_as_one_line(
    media: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    false = shutil.which("false")
    if false is None:
        pytest.skip("no 'false' executable")
    ref = str(media / "ref.y4m")
    assert main(["score", "-r", ref, "-d", ref, "--backend", "ffmpeg", "--ffmpeg", false]) == 2
    line = _err_line(capsys)
    assert "FFmpeg failed (exit status 1)" in line and " | Command: " in line


# -- frames, threads and backends --------------------------------------------------------


def test_ffmpeg_backend_refuses_frames_libvmaf_cannot_take(
    media: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """FFmpeg's libvmaf filter segfaults at 16x16 and computes nonsense up to 32x32."""
    tiny = str(media / "tiny.y4m")
    assert main(["score", "-r", tiny, "-d", tiny, "--backend", "ffmpeg"]) == 2
    line = _err_line(capsys)
    assert "frames are 32x32; libvmaf needs at least 33x33 pixels" in line
    assert "upscale the clip first" in line


def test_absurd_thread_counts_are_refused(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """100000 threads used to hang for good inside vmaf_close."""
    ref = str(media / "ref.y4m")
    for backend in ("libvmaf", "ffmpeg"):
        argv = ["score", "-r", ref, "-d", ref, "--threads", "100000", "--backend", backend]
        assert main(argv) == 2
        line = _err_line(capsys)
        assert f"threads must be between 0 and {MAX_THREADS}; got 100000" in line
    with pytest.raises(OptionError, match="threads must be between 0"):
        Scorer(threads=-1)
    with pytest.raises(OptionError, match=r"subsample must be >= 1"):
        Scorer(subsample=0)
    with pytest.raises(OptionError, match="must be integers"):
        Scorer(threads="many")  # type: ignore[arg-type]
    assert issubclass(OptionError, ValueError)


def test_threads_beyond_the_cpus_are_not_started() -> None:
    """Each libvmaf worker costs memory (about 75 MB at 1080p); scores do not change."""
    from pyvmafneg.engines.libvmaf._binding import Context

    clip = natural_clip("astronaut", frames=3, width=64, height=48)
    context = Context(pyvmafneg.DEFAULT_MODELS, threads=64, clip=True)
    try:
        assert context.threads == min(64, available_cpus())
    finally:
        context.close()
    with Scorer(threads=64) as scorer:
        for frame in clip:
            scorer.feed(frame, frame)
        many = scorer.flush()
    one = pyvmafneg.score(clip, clip, backend="libvmaf")
    np.testing.assert_array_equal(many.scores["vmaf_neg"], one.scores["vmaf_neg"])


def test_out_of_range_samples_are_refused(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Y4M of MSB-aligned 10-bit data scored 123 against itself; now it is refused."""
    assert main(["score", "-r", str(media / "ten.y4m"), "-d", str(media / "msb.y4m")]) == 2
    line = _err_line(capsys)
    assert "msb.y4m', frame 0: Y plane holds the value" in line
    assert "above 1023" in line and ">> 6 for MSB-aligned" in line
    ten = natural_clip("astronaut", frames=1, width=64, height=48, bitdepth=10)[0]
    bad = Frame(tuple(p << 6 for p in ten.planes), 10, "420")  # built without from_planes
    with Scorer() as scorer, pytest.raises(FrameError, match="distorted frame 0: Y plane"):
        scorer.feed(ten, bad)


def test_score_api_bad_arguments(media: Path) -> None:
    clip = natural_clip("astronaut", frames=2, width=64, height=48)
    # Self-describing files may be given by name; raw YUV needs its geometry.
    by_name = pyvmafneg.score(str(media / "ref.y4m"), media / "ref.y4m", backend="libvmaf")
    assert len(by_name) > 0 and by_name.pooled_gap < 0.01
    raw = media / "clip.yuv"
    write_yuv(clip, raw)
    with pytest.raises(RawGeometryError, match=r"give its size \(width=, height=\)") as info:
        pyvmafneg.score(str(raw), str(raw), backend="libvmaf")
    assert isinstance(info.value, InputFileError) and info.value.path == str(raw)
    with pytest.raises(OptionError, match="frames must be at least 1"):
        pyvmafneg.score(clip, clip, frames=0, backend="libvmaf")
    with pytest.raises(VmafNegError, match="3 frames were asked for .* pass frames=2 or fewer"):
        pyvmafneg.score(clip, clip, frames=3, backend="libvmaf")


def test_geometry_flags_on_y4m_warn(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = str(media / "ref.y4m")
    assert main(["score", "-r", ref, "-d", ref, "-w", "1920", "-H", "1080"]) == 0
    line = _err_line(capsys)
    assert "warning: --width/--height describe raw YUV only and were ignored" in line
    assert "64x48 420 8-bit" in line


# -- logs ----------------------------------------------------------------------------------


def test_damaged_logs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert main(["check", str(deep)]) == 2
    assert "nested too deeply to be a VMAF log" in _err_line(capsys)
    big = tmp_path / "big.csv"
    big.write_text("Frame,vmaf,vmaf_neg\n0," + "9" * 200_000 + ",1\n")
    assert main(["check", str(big)]) == 2
    assert "malformed CSV" in (line := _err_line(capsys)) and "re-run the scoring" in line


# -- outputs: checked before the run, with the reason --------------------------------------


def test_outputs_are_checked_before_scoring(
    media: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = str(media / "ref.y4m")
    cases = [
        (["-o", str(tmp_path / "no" / "log.json")], "its directory", "does not exist"),
        (["-o", str(tmp_path / "log.txt")], "unknown log format 'txt'", "*.json, *.xml or *.csv"),
        (["-o", str(media / "adir")], "is a directory", "give a file name"),
        (["-o", str(media / "ref.y4m" / "log.json")], "is not a directory", "another path"),
        (["--plot", str(tmp_path / "gap.xyz")], "ends in '.xyz'", "name it *.png"),
        (["--plot", str(tmp_path / "no" / "gap.png")], "its directory", "does not exist"),
        (["-o", ref, "--format", "json"], "is the reference video", "give another path"),
    ]
    for extra, what, advice in cases:
        assert main(["score", "-r", ref, "-d", ref, *extra]) == 2
        out = capsys.readouterr()
        assert out.out == ""  # nothing was scored
        lines = out.err.splitlines()
        assert len(lines) == 1 and what in lines[0] and advice in lines[0], (extra, lines)
    assert main(["check", str(media / "log.json"), "--plot", str(tmp_path / "gap")]) == 2
    assert "has no suffix" in _err_line(capsys)
    with pytest.raises(OutputFileError, match="ends in '.xyz'"):
        plot_result(
            pyvmafneg.score(*[natural_clip("camera", frames=1)] * 2, backend="libvmaf"),
            tmp_path / "p.xyz",
        )
    with pytest.raises(LogFormatError, match="unknown log format 'txt'"):
        pyvmafneg.score(*[natural_clip("camera", frames=1)] * 2, backend="libvmaf").write(
            tmp_path / "log.txt"
        )


def test_output_directories(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref, file = str(media / "ref.y4m"), str(media / "ref.y4m")
    assert main(["explain", "-r", ref, "-d", ref, "--maps", file]) == 2
    assert "--maps directory" in (line := _err_line(capsys)) and "is a file" in line
    assert main(["demo", "--out", file, "--quiet"]) == 2
    assert "is a file, not a directory" in _err_line(capsys)
    assert main(["demo", "--out", file + "/sub", "--quiet"]) == 2
    assert "is a file, not a directory; choose another path" in _err_line(capsys)


def test_demo_options_checked_first(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad CRF used to fail after the clip was built; a huge clip ran out of memory."""
    out = str(media / "demo-out")
    assert main(["demo", "--out", out, "--crf", "60"]) == 2
    assert "the CRF must be in [0, 51]" in _err_line(capsys)
    assert main(["demo", "--out", out, "--frames", "100000000"]) == 2
    assert "at most 1000 (every version is held in memory)" in _err_line(capsys)
    assert not os.path.exists(out)


# -- permissions (root reads everything, so drop that capability where needed) ------------


def _run_without_override(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pyvmafneg", *argv]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot be tested")
        cmd = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *cmd]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def test_permission_problems(media: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked.y4m"
    shutil.copyfile(media / "ref.y4m", locked)
    locked.chmod(0)
    shutil.copyfile(media / "log.json", tmp_path / "locked.json")
    (tmp_path / "locked.json").chmod(0)
    readonly = tmp_path / "ro"
    readonly.mkdir()
    ref = str(media / "ref.y4m")
    try:
        readonly.chmod(0o555)
        p = _run_without_override(["score", "-r", ref, "-d", "locked.y4m"], tmp_path)
        assert p.returncode == 2, p.stderr
        assert p.stderr.strip().splitlines() == [
            "pyvmafneg score: error: cannot read 'locked.y4m': Permission denied; check its "
            "permissions (e.g. chmod +r) or copy it somewhere readable"
        ]
        p = _run_without_override(["check", "locked.json"], tmp_path)
        assert p.returncode == 2 and "cannot read 'locked.json': Permission denied" in p.stderr
        p = _run_without_override(["score", "-r", ref, "-d", ref, "-o", "ro/log.json"], tmp_path)
        assert p.returncode == 2 and p.stdout == ""
        assert "cannot write --output 'ro/log.json': permission denied" in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1
    finally:
        readonly.chmod(0o755)


def test_undecodable_container(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Matroska file whose frame data is garbage: headers parse, frame 0 does not decode."""
    from media_helpers import encode

    mkv = encode(media / "ref.y4m", media / "enc.mkv")
    data = bytearray(mkv.read_bytes())
    start = data.index(bytes.fromhex("1F43B675")) + 32  # inside the first cluster's packets
    data[start:] = b"\x5a" * (len(data) - start)
    damaged = media / "damaged.mkv"
    damaged.write_bytes(bytes(data))
    assert main(["score", "-r", str(media / "ref.y4m"), "-d", str(damaged)]) == 2
    line = _err_line(capsys)
    assert "damaged.mkv': decoding failed at frame 0" in line
    assert "re-create it" in line


def test_closed_stdout_ends_quietly(media: Path) -> None:
    """`pyvmafneg ... | head` used to end in a BrokenPipeError traceback."""
    ref = str(media / "ref.y4m")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyvmafneg", "explain", "-r", ref, "-d", ref],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert err == ""


@pytest.mark.parametrize(
    "given",
    [["--interval-level", "0.5"], ["--replicates", "0"], ["--strict"], ["--threshold", "3"]],
)
def test_check_settings_without_check_are_refused(
    given: list[str], media: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # They were ignored: the summary went on printing 95% intervals from 2000 replicates.
    ref = str(media / "ref.y4m")
    assert main(["score", "-r", ref, "-d", ref, "-q", *given]) == 2
    line = _err_line(capsys)
    assert given[0] in line and "--check" in line


@pytest.mark.parametrize("crop", ["1:1:0:0", "64:1:0:0", "1:48"])
def test_a_crop_below_one_chroma_sample_is_refused(
    crop: str, media: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # FFmpeg's crop filter refused the graph, and PyAV's ArgumentError came out as a traceback.
    ref = str(media / "ref.y4m")
    assert main(["score", "-r", ref, "-d", ref, "-q", "--crop", crop]) == 2
    assert "chroma sample" in _err_line(capsys)


def test_no_frame_pairs_left_is_a_frame_error(
    media: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One frame per 1000 s keeps none of 3 frames at 25 fps; the message used to be the
    # streaming scorer's "feed at least one pair before flush()", which no caller had called.
    ref = str(media / "ref.y4m")
    assert main(["score", "-r", ref, "-d", ref, "-q", "--fps", "1/1000"]) == 2
    line = _err_line(capsys)
    assert "no frame pairs to score" in line and "flush" not in line
    with pytest.raises(FrameError, match="no frame pairs to score"):
        pyvmafneg.score([], [])


def test_a_closed_stdout_is_held_on_the_null_device(media: Path, tmp_path: Path) -> None:
    # `pyvmafneg score ... >&-`: sys.stdout was None (an AttributeError traceback at the
    # end), and the log being written could take descriptor 1.
    ref = str(media / "ref.y4m")
    log = tmp_path / "log.json"
    done = subprocess.run(
        [sys.executable, "-m", "pyvmafneg", "score", "-r", ref, "-d", ref, "-q", "-o", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.close(1),
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert len(json.loads(log.read_text())["frames"]) == 3


def test_version_into_a_closed_pipe_ends_quietly() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyvmafneg", "--version"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    assert proc.stderr.read() == b""
    assert proc.wait(timeout=60) == 0


def test_out_of_memory_advice_names_only_flags_the_command_has(tmp_path: Path) -> None:
    # check was told to pass --frames N, a flag only score and explain take.
    log = tmp_path / "huge.json"
    with open(log, "wb") as fh:
        fh.truncate(256 << 20)  # sparse: 256 MiB to read, no disk used
    script = (
        "import resource, sys\n"
        "from pyvmafneg.cli import main\n"
        "import pyvmafneg.results._logs, pyvmafneg.verdict._check\n"
        "with open('/proc/self/status') as fh:\n"
        "    vm = next(int(l.split()[1]) for l in fh if l.startswith('VmSize')) * 1024\n"
        "resource.setrlimit(resource.RLIMIT_AS, (vm + (64 << 20), resource.RLIM_INFINITY))\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "check", str(log)],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "out of memory" in line and "--frames" not in line


def test_a_clip_with_no_frames_left_gets_no_advice_to_pass_frames_0(
    media: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A reference at 10**9 fps converted to 25 fps keeps none of its frames; the error
    # advised --frames 0, which the command refuses (and frames=0 from Python).
    data = (media / "ref.y4m").read_bytes()
    fast = tmp_path / "fast.y4m"
    fast.write_bytes(data.replace(b" F25:1 ", b" F1000000000:1 ", 1))
    ref = str(media / "ref.y4m")
    assert main(["score", "-r", str(fast), "-d", ref, "-q", "--fps", "25"]) == 2
    line = _err_line(capsys)
    assert "reference clip holds no frames" in line and "--frames" not in line
    with pytest.raises(FrameError) as exc:
        pyvmafneg.score([], natural_clip("astronaut", frames=2, width=64, height=48))
    assert "holds no frames" in str(exc.value) and "frames=0" not in str(exc.value)


def test_a_rate_conversion_of_a_clip_without_a_rate_speaks_no_python(
    media: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The command line printed the keyword: "fps=25 converts the reference clip's ...".
    rateless = tmp_path / "rateless.y4m"
    rateless.write_bytes((media / "ref.y4m").read_bytes().replace(b" F25:1 ", b" ", 1))
    ref = str(media / "ref.y4m")
    assert main(["score", "-r", str(rateless), "-d", ref, "-q", "--fps", "25"]) == 2
    line = _err_line(capsys)
    assert "does not record one" in line and "fps=" not in line


def test_explain_on_frames_of_two_sizes_advises_no_scale_flag(media: Path, tmp_path: Path) -> None:
    """explain takes no --scale; its advice used to name it ('score with --scale bicubic')."""
    from pyvmafneg.engines.reference._explain import explain_frames
    from pyvmafneg.errors import SizeMismatchError
    from pyvmafneg.io import open_video

    wide = tmp_path / "wide.y4m"
    write_y4m(natural_clip("astronaut", frames=2, width=80, height=48), wide)
    ref = str(media / "ref.y4m")
    for engine in ("reference", "native"):
        run = subprocess.run(
            [sys.executable, "-m", "pyvmafneg", "explain", "-r", ref, "-d", str(wide)]
            + ["--engine", engine],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 2, run.stderr
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, lines
        assert "is 64x48 but distorted" in lines[0] and "is 80x48" in lines[0]
        assert "--scale" not in lines[0] and "Traceback" not in lines[0]
        assert "ffmpeg -i DIST -vf scale=64:48:flags=bicubic" in lines[0]
    # From Python, the advice names what a caller of explain_frames can do.
    with pytest.raises(SizeMismatchError) as err:
        list(explain_frames(open_video(ref), open_video(wide)))
    assert err.value.options == {}
    assert "scale='bicubic'" not in str(err.value)
    assert "pyvmafneg.io.scale_frames(frames, 64, 48)" in str(err.value)
    assert (err.value.reference_size, err.value.distorted_size) == ((64, 48), (80, 48))


def test_a_dangling_or_looping_input_link_is_named_as_such(
    media: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken or looping symbolic link used to be reported as 'does not exist'."""
    ref = str(media / "ref.y4m")
    dangling = tmp_path / "dangling.y4m"
    dangling.symlink_to("gone.y4m")
    chain = tmp_path / "chain.y4m"
    chain.symlink_to(dangling)
    (tmp_path / "loop_a").symlink_to(tmp_path / "loop_b")
    (tmp_path / "loop_b").symlink_to(tmp_path / "loop_a")
    gone = str(tmp_path / "gone.y4m")
    broken = f"is a broken symbolic link: it points to 'gone.y4m' ({gone!r}), which does not"
    cases = [
        (["score", "-r", str(dangling), "-d", ref, "-q"], broken),
        (["check", str(dangling)], broken),
        (["score", "-r", ref, "-d", ref, "-q", "--model", str(dangling)], broken),
        (["explain", "-r", ref, "-d", str(chain)], f"a link to {gone!r}, which does not exist"),
        (
            ["score", "-r", ref, "-d", str(tmp_path / "loop_a"), "-q"],
            f"is a loop of symbolic links: it points to {str(tmp_path / 'loop_b')!r}",
        ),
    ]
    for argv, expected in cases:
        assert main(argv) == 2
        line = _err_line(capsys)
        assert expected in line, line
        assert "does not exist" not in line.replace("which does not exist", "")
    with pytest.raises(InputFileError, match="broken symbolic link") as err:
        pyvmafneg.open_video(dangling)
    assert err.value.path == str(dangling)


def _gone(pid: int) -> bool:
    """True when process ``pid`` has ended (a zombie waiting for its reaper counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_a_hanging_ffmpeg_is_stopped_with_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The version query of a hanging wrapper timed out but left the wrapper's child running."""
    import time

    from pyvmafneg.engines import _ffmpeg
    from pyvmafneg.errors import FFmpegError

    script = tmp_path / "ffmpeg"
    pids = tmp_path / "pids"
    script.write_text(f"#!/bin/sh\nsleep 60 &\necho $! >> {pids}\nsleep 60\n")
    script.chmod(0o755)

    def children_stopped() -> None:
        started = [int(p) for p in pids.read_text().split()]
        deadline = time.monotonic() + 2.0
        while not all(_gone(p) for p in started) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert all(_gone(p) for p in started), started
        pids.unlink()

    begun = time.monotonic()
    with pytest.raises(FFmpegError, match=r"did not answer within 0.3 s; it was stopped"):
        _ffmpeg.ffmpeg_version(script, timeout=0.3)
    assert time.monotonic() - begun < 5
    children_stopped()
    monkeypatch.setattr(_ffmpeg, "VERSION_TIMEOUT", 0.3)
    assert main(["info", "--ffmpeg", str(script)]) == 0
    out = capsys.readouterr().out
    assert "did not answer within 0.3 s" in out, out
    children_stopped()
