"""Bad input, from Python and from the command line, case by case.

Every case is run twice: through the Python API, where it must raise one
specific :class:`~pyvmafneg.errors.VmafNegError` subclass (the exact class,
not merely a subclass) whose message says what to do, and through
``pyvmafneg score``, which must print exactly that advice as one line on
stderr and exit with status 2. Inputs that reach libvmaf or FFmpeg's
decoders, where a mistake could crash the process, run in a child process
with a timeout.

Raw files that are too long, and clips of unequal length, are handled as
README's Errors section says: a raw file whose size is not a whole number of
frames is an error (:class:`~pyvmafneg.errors.TruncatedInputError`: the
geometry given is probably wrong, so every frame would be misread), even
when ``--frames N`` asks for a common prefix; a reference with more whole
frames than the distorted clip is a
:class:`~pyvmafneg.errors.FrameMismatchError` unless ``--frames N``
(``frames=N``) asks for the common prefix.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from helpers import system_libvmaf
from media_helpers import encode, ffmpeg

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.engines._models import ModelSpec
from pyvmafneg.engines._options import UNSTABLE_WIDTHS, VECTOR_CPUMASK
from pyvmafneg.engines.libvmaf._binding import ENV_VAR
from pyvmafneg.engines.reference import score_reference
from pyvmafneg.errors import (
    DecodeError,
    FormatMismatchError,
    FrameCountMismatchError,
    FrameError,
    FrameMismatchError,
    GainLimitError,
    InputFileError,
    LibvmafNotFoundError,
    ModelError,
    SizeMismatchError,
    TruncatedInputError,
    UnstableWidthError,
    VmafNegError,
)
from pyvmafneg.io._frame import Frame
from pyvmafneg.io._rawyuv import write_yuv
from pyvmafneg.io._sources import open_video
from pyvmafneg.io._y4m import write_y4m

REPO = Path(__file__).resolve().parent.parent
W, H = 64, 48
RAW_FLAGS = ["-w", str(W), "-H", str(H)]
RAW_GEOMETRY = {"width": W, "height": H}
FRAME_BYTES = W * H * 3 // 2


def _raises_exactly(cls: type[VmafNegError], call: Callable[[], Any], *fragments: str) -> str:
    """Run ``call``; it must raise exactly ``cls`` with every fragment in its message."""
    with pytest.raises(VmafNegError) as info:
        call()
    assert type(info.value) is cls, f"{type(info.value).__name__}: {info.value}"
    text = str(info.value)
    for fragment in fragments:
        assert fragment in text, (fragment, text)
    return text


def _cli_fails(capsys: pytest.CaptureFixture[str], argv: list[str], *fragments: str) -> str:
    """``pyvmafneg ARGV`` exits 2 with one line on stderr holding every fragment."""
    code = main(argv)
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code == 2, (code, captured.err)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"pyvmafneg {argv[0]}: error: "), lines[0]
    assert "Traceback" not in captured.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def _run(args: list[str], *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python3 ARGS`` from the repository in a child process (crash- and hang-proof)."""
    full = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=full, timeout=120, cwd=REPO
    )


def _cli_child_fails(argv: list[str], *fragments: str, env: dict[str, str] | None = None) -> str:
    """``python3 -m pyvmafneg ARGV`` in a child: exit 2, one stderr line, no crash."""
    proc = _run(["-m", "pyvmafneg", *argv], env=env)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("pyvmafneg "), lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def _packets(path: Path) -> list[tuple[int, int]]:
    with av.open(str(path)) as container:
        return [(p.pos, p.size) for p in container.demux(video=0) if p.size]


def _cut_inside_packet(src: Path, out: Path, index: int, keep: float = 0.5) -> Path:
    """Copy ``src`` up to a ``keep`` fraction into its video packet ``index``: cut mid-stream."""
    pos, size = _packets(src)[index]
    out.write_bytes(src.read_bytes()[: pos + int(size * keep)])
    return out


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6-frame 64x48 clip as Y4M, raw YUV, x264 in MKV/MP4/Annex B, and audio files."""
    d = tmp_path_factory.mktemp("hardening-inputs")
    frames = natural_clip("astronaut", frames=6, width=W, height=H)
    write_y4m(frames, d / "ref.y4m")
    write_yuv(frames, d / "ref.yuv")
    write_yuv(frames[:4], d / "short.yuv")
    write_y4m(natural_clip("astronaut", frames=6, width=W + 2, height=H), d / "wide.y4m")
    write_y4m(
        natural_clip("astronaut", frames=6, width=W, height=H, pixel_format="444"), d / "f444.y4m"
    )
    write_y4m(natural_clip("astronaut", frames=6, width=W, height=H, bitdepth=10), d / "ten.y4m")
    encode(d / "ref.y4m", d / "enc.mkv")
    encode(d / "ref.y4m", d / "enc.mp4")
    encode(d / "ref.y4m", d / "fast.mp4", extra=("-movflags", "+faststart"))
    encode(d / "ref.y4m", d / "enc.h264", extra=("-f", "h264"))
    ffmpeg("-f", "lavfi", "-i", "sine=duration=0.2", str(d / "audio.wav"))
    ffmpeg("-f", "lavfi", "-i", "sine=duration=0.2", "-c:a", "aac", str(d / "audio.mp4"))
    return d


# -- one bad file ----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A damaged distorted file: how to make it and what both front ends must say."""

    name: str
    make: Callable[[Path], Path]
    error: type[VmafNegError]
    fragments: tuple[str, ...]
    raw: bool = False
    geometry: dict[str, int] = field(default_factory=dict)
    api_only: tuple[str, ...] = ()
    cli_only: tuple[str, ...] = ()
    cli_flags: tuple[str, ...] = ()


def _write(name: str, data: Callable[[Path], bytes]) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        path = d / name
        path.write_bytes(data(d))
        return path

    return make


def _y4m_with_header(header: bytes) -> Callable[[Path], bytes]:
    def data(d: Path) -> bytes:
        original = (d / "ref.y4m").read_bytes()
        return header + original[original.index(b"\n") + 1 :]

    return data


def _ref_yuv(d: Path) -> bytes:
    return (d / "ref.yuv").read_bytes()


CASES = [
    # raw YUV
    Case(
        "raw_empty",
        _write("empty.yuv", lambda d: b""),
        InputFileError,
        ("empty.yuv' is empty (0 bytes)", "re-create it or give another file"),
        raw=True,
    ),
    Case(
        "raw_shorter_than_one_frame",
        _write("tiny.yuv", lambda d: _ref_yuv(d)[:1000]),
        TruncatedInputError,
        ("0 whole 64x48 420 8-bit frames of 4608 bytes and 1000 bytes left over",),
        raw=True,
    ),
    Case(
        "raw_truncated_mid_frame",
        _write("cut.yuv", lambda d: _ref_yuv(d)[:-1000]),
        TruncatedInputError,
        ("5 whole 64x48", f"{FRAME_BYTES - 1000} bytes left over", "check the size"),
        raw=True,
    ),
    Case(
        "raw_oversized_trailing_bytes",
        _write("over.yuv", lambda d: _ref_yuv(d) + b"\x80" * 100),
        TruncatedInputError,
        ("6 whole 64x48", "100 bytes left over", "check the size, pixel format and bit depth"),
        raw=True,
    ),
    Case(
        "raw_wrong_width",
        _write("same.yuv", _ref_yuv),
        TruncatedInputError,
        ("5 whole 65x48 420 8-bit frames", "check the size, pixel format and bit depth"),
        raw=True,
        geometry={"width": 65},
    ),
    Case(
        "raw_wrong_pixel_format",
        _write("same.yuv", _ref_yuv),
        TruncatedInputError,
        ("4 whole 64x48 422 8-bit frames", "check the size, pixel format and bit depth"),
        raw=True,
        geometry={"pixel_format": 422},
    ),
    Case(
        "raw_wrong_bitdepth",
        _write("same.yuv", _ref_yuv),
        InputFileError,
        ("frame 0: Y plane holds the value", "above 1023", "pass the right bitdepth"),
        raw=True,
        geometry={"bitdepth": 10},
    ),
    # Y4M
    Case(
        "y4m_missing_header",
        _write("nohead.y4m", lambda d: (d / "ref.y4m").read_bytes().split(b"\n", 1)[1]),
        InputFileError,
        ("named .y4m but does not start with the Y4M header", "re-create the file"),
    ),
    Case(
        "y4m_corrupt_size_tag",
        _write("corrupt.y4m", _y4m_with_header(b"YUV4MPEG2 W6\xff4 H48 F25:1 Ip C420jpeg\n")),
        InputFileError,
        ("the Y4M size tag", "is not a positive integer", "re-create the file"),
    ),
    Case(
        "y4m_header_size_disagrees_with_data",
        _write("wrongsize.y4m", _y4m_with_header(b"YUV4MPEG2 W66 H48 F25:1 Ip C420jpeg\n")),
        InputFileError,
        ("expected a FRAME header for frame 1", "correct the W, H and C tags"),
    ),
    Case(
        "y4m_header_only",
        _write("headonly.y4m", lambda d: b"YUV4MPEG2 W64 H48 F25:1 Ip C420jpeg\n"),
        InputFileError,
        ("a header but no frames", "re-create it"),
    ),
    Case(
        "y4m_chroma_440",
        _write("c440.y4m", _y4m_with_header(b"YUV4MPEG2 W64 H48 F25:1 Ip C440\n")),
        InputFileError,
        ("C440 is a chroma layout or bit depth libvmaf does not score", "-pix_fmt yuv420p"),
    ),
    Case(
        "y4m_9_bit",
        _write("c9.y4m", _y4m_with_header(b"YUV4MPEG2 W64 H48 F25:1 Ip C444p9\n")),
        InputFileError,
        ("C444p9 is a chroma layout or bit depth libvmaf does not score", "Convert first"),
    ),
    Case(
        "y4m_interlaced_top_first",
        _write("top.y4m", _y4m_with_header(b"YUV4MPEG2 W64 H48 F25:1 It C420jpeg\n")),
        InputFileError,
        ("is interlaced (It, top field first)", "deinterlace first"),
        cli_flags=("--deinterlace", "off"),  # the command line deinterlaces it by default
    ),
    Case(
        "y4m_interlaced_bottom_first",
        _write("bottom.y4m", _y4m_with_header(b"YUV4MPEG2 W64 H48 F25:1 Ib C420jpeg\n")),
        InputFileError,
        ("is interlaced (Ib, bottom field first)", "deinterlace first"),
        cli_flags=("--deinterlace", "off"),  # the command line deinterlaces it by default
    ),
    # encoded files that are not video, or are cut mid-stream
    Case(
        "not_video_wav",
        lambda d: d / "audio.wav",
        InputFileError,
        ("audio.wav' has no video stream", "give the video file"),
    ),
    Case(
        "not_video_audio_only_mp4",
        lambda d: d / "audio.mp4",
        InputFileError,
        ("audio.mp4' has no video stream", "give the video file"),
    ),
    Case(
        "not_video_text",
        _write("notes.mp4", lambda d: b"these are notes, not a video\n" * 20),
        InputFileError,
        ("FFmpeg (PyAV) does not recognise it", "not a video: re-create it"),
    ),
    Case(
        "mp4_index_at_end_cut",
        lambda d: _cut_inside_packet(d / "enc.mp4", d / "cut_index.mp4", 3),
        InputFileError,
        ("does not recognise it", "damaged, truncated or not a video: re-create it"),
    ),
    Case(
        "mp4_faststart_cut_mid_stream",
        lambda d: _cut_inside_packet(d / "fast.mp4", d / "cut_fast.mp4", 3),
        DecodeError,
        ("the container promises 6 frames but only 3 could be decoded",),
        api_only=("score the frames present with frames=3",),
        cli_only=("score the frames present with --frames 3",),
    ),
    Case(
        "mkv_cut_inside_first_frame",
        lambda d: _cut_inside_packet(d / "enc.mkv", d / "cut_first.mkv", 0),
        InputFileError,
        ("has a video stream but no decodable frame", "truncated or damaged: re-create it"),
    ),
    Case(
        "mkv_cut_mid_stream",
        lambda d: _cut_inside_packet(d / "enc.mkv", d / "cut_mid.mkv", 3),
        DecodeError,
        ("recorded duration implies about 6 frames but it ended after 3", "truncated"),
        api_only=("score the frames present with frames=3",),
        cli_only=("score the frames present with --frames 3",),
    ),
    Case(
        "h264_cut_inside_first_frame",
        lambda d: _cut_inside_packet(d / "enc.h264", d / "cut_first.h264", 0, keep=0.9),
        DecodeError,
        ("frame 0 is corrupt", "re-create the file"),
    ),
    Case(
        "h264_cut_mid_stream",
        lambda d: _cut_inside_packet(d / "enc.h264", d / "cut_mid.h264", 3),
        DecodeError,
        ("frame 3 is corrupt",),
        api_only=("score the 3 frames before it with frames=3",),
        cli_only=("score the 3 frames before it with --frames 3",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_file(media: Path, capsys: pytest.CaptureFixture[str], case: Case) -> None:
    """One damaged distorted file: a specific error from Python, one line from the CLI."""
    bad = case.make(media)
    reference = media / ("ref.yuv" if case.raw else "ref.y4m")
    geometry = {**RAW_GEOMETRY, **case.geometry} if case.raw else {}

    def api() -> None:
        pyvmafneg.score(
            open_video(reference, **geometry), open_video(bad, **geometry), backend="libvmaf"
        )

    text = _raises_exactly(case.error, api, *case.fragments, *case.api_only)
    assert "--frames 0" not in text
    flags = RAW_FLAGS + [f"--{k.replace('_', '-')}={v}" for k, v in case.geometry.items()]
    argv = ["score", "-r", str(reference), "-d", str(bad), "-q", *(flags if case.raw else [])]
    argv += case.cli_flags
    _cli_fails(capsys, argv, *case.fragments, *case.cli_only)


# -- pairs that do not fit together -----------------------------------------------------


def test_longer_reference_needs_frames(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """6 whole reference frames against 4: an error unless the common prefix is asked for.

    Both counts are known from the file sizes, so the library refuses the pair
    before any frame is scored, naming both, whichever backend would score it
    and from the command line alike.
    """
    ref, short = media / "ref.yuv", media / "short.yuv"
    done: list[int] = []

    def api(frames: int | None = None, backend: str = "libvmaf") -> pyvmafneg.Result:
        return pyvmafneg.score(
            open_video(ref, **RAW_GEOMETRY),
            open_video(short, **RAW_GEOMETRY),
            frames=frames,
            backend=backend,
            progress=done.append,
        )

    fragments = ("ref.yuv' has 6 frames but distorted", "short.yuv' has 4", "pass frames=4")
    for backend in ("libvmaf", "reference"):
        _raises_exactly(FrameCountMismatchError, lambda b=backend: api(backend=b), *fragments)
    assert done == []  # refused before any frame pair was scored
    with pytest.raises(FrameCountMismatchError) as info:
        api()
    facts = info.value
    assert (facts.reference_frames, facts.distorted_frames) == (6, 4)
    assert (facts.common, facts.requested, facts.options) == (4, None, {"frames": 4})
    assert len(api(frames=4)) == 4
    argv = ["score", "-r", str(ref), "-d", str(short), "-q", *RAW_FLAGS]
    _cli_fails(capsys, argv, "has 6 frames but distorted", "pass --frames 4")
    assert main([*argv, "--frames", "4"]) == 0
    assert "4 frames scored" in capsys.readouterr().out


def test_oversized_and_longer_reference_is_refused(
    media: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Trailing bytes are refused even when --frames asks for a prefix the files share.

    A size that is not a whole number of frames means the geometry given is
    most likely wrong, so every frame would be misread: no prefix is scored.
    """
    over = media / "over_long.yuv"
    over.write_bytes((media / "ref.yuv").read_bytes() + b"\x10" * 100)
    short = media / "short.yuv"
    fragments = ("over_long.yuv' is", "6 whole 64x48", "100 bytes left over", "check the size")
    for frames in (None, 4):

        def api(frames: int | None = frames) -> None:
            pyvmafneg.score(
                open_video(over, **RAW_GEOMETRY),
                open_video(short, **RAW_GEOMETRY),
                frames=frames,
                backend="libvmaf",
            )

        _raises_exactly(TruncatedInputError, api, *fragments)
        extra = [] if frames is None else ["--frames", str(frames)]
        argv = ["score", "-r", str(over), "-d", str(short), "-q", *RAW_FLAGS, *extra]
        _cli_fails(capsys, argv, *fragments)


@pytest.mark.parametrize(
    ("other", "error", "api_fragments", "cli_fragments"),
    [
        (
            "wide.y4m",
            SizeMismatchError,
            ("reference is 64x48 but distorted is 66x48", "scale the distorted video"),
            ("is 64x48 but distorted", "is 66x48", "-vf scale=64:48"),
        ),
        (
            "f444.y4m",
            FormatMismatchError,
            ("reference is 420 but distorted is 444", "convert one so both share a pixel format"),
            ("reference is 420 8-bit but distorted is 444 8-bit", "-pix_fmt yuv420p"),
        ),
        (
            "ten.y4m",
            FormatMismatchError,
            ("8-bit but distorted is 10-bit", "score with convert_bitdepth=10 to convert both"),
            (
                "reference is 420 8-bit but distorted is 420 10-bit",
                "--convert-bitdepth 10",
                "-pix_fmt yuv420p",
            ),
        ),
    ],
    ids=["size", "pixel_format", "bitdepth"],
)
def test_mismatched_pair(
    media: Path,
    capsys: pytest.CaptureFixture[str],
    other: str,
    error: type[FrameMismatchError],
    api_fragments: tuple[str, ...],
    cli_fragments: tuple[str, ...],
) -> None:
    ref, dis = media / "ref.y4m", media / other
    # Without a scaling algorithm differing sizes are refused (by default they are scaled).
    _raises_exactly(
        error, lambda: pyvmafneg.score(ref, dis, scale=None, backend="libvmaf"), *api_fragments
    )
    argv = ["score", "-r", str(ref), "-d", str(dis), "-q", "--scale", "none"]
    _cli_fails(capsys, argv, *cli_fragments)


# -- models and gain limits -------------------------------------------------------------


def test_unknown_model_name(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = natural_clip("astronaut", frames=1, width=W, height=H)
    for name in ("vmaf_v9", "vmaf_v0.6.1_neg", "VMAF_V0.6.1"):
        _raises_exactly(
            ModelError,
            lambda name=name: pyvmafneg.score(clip, clip, [name], backend="libvmaf"),
            f"unknown model {name!r}",
            "built-in models are: vmaf_v0.6.1",
            "or give a path to a JSON model",
        )
        ref = str(media / "ref.y4m")
        _cli_fails(capsys, ["score", "-r", ref, "-d", ref, "-q", "-m", name], f"{name!r}")


def _damaged_models(d: Path) -> dict[str, Path]:
    """Model files libvmaf loads without complaint and then crashes on, and plainly bad ones."""
    good = json.loads((REPO / "pyvmafneg" / "model_files" / "vmaf_v0.6.1.json").read_text())
    svm = good["model_dict"]["model"]
    variants: dict[str, Any] = {}
    for name, change in {
        "no_svm": lambda m: m.pop("model"),
        "svm_without_rho": lambda m: m.update(
            model="\n".join(x for x in svm.split("\n") if not x.startswith("rho"))
        ),
        "svm_garbage": lambda m: m.update(model="garbage"),
        "short_slopes": lambda m: m.update(slopes=[1.0]),
        "no_feature_names": lambda m: m.pop("feature_names"),
    }.items():
        doc = json.loads(json.dumps(good))
        change(doc["model_dict"])
        variants[name] = json.dumps(doc)
    text = json.dumps(good)
    variants["truncated"] = text[: len(text) // 2]
    variants["not_json"] = "\x00\x01binary" * 50
    variants["empty"] = ""
    paths = {}
    for name, content in variants.items():
        path = d / f"{name}.json"
        path.write_text(content)
        paths[name] = path
    (d / "folder.json").mkdir(exist_ok=True)
    paths["directory"] = d / "folder.json"
    return paths


@pytest.mark.slow
def test_unreadable_model_json_is_refused_before_libvmaf_sees_it(media: Path) -> None:
    """libvmaf 3.2 segfaults scoring a model without its libsvm part or its rho; never again.

    Both front ends run in a child process, so a regression shows as a failed
    test (with the child's exit status) instead of taking the test run down.
    """
    models = _damaged_models(media)
    ref = str(media / "ref.y4m")
    script = textwrap.dedent(
        """
        import json, sys
        import pyvmafneg
        from pyvmafneg.demo._clips import natural_clip
        clip = natural_clip("astronaut", frames=2, width=64, height=48)
        out = {}
        for path in sys.argv[1:]:
            try:
                pyvmafneg.score(clip, clip, [path])
                out[path] = ["ok", ""]
            except pyvmafneg.VmafNegError as exc:
                out[path] = [type(exc).__name__, str(exc)]
        print(json.dumps(out))
        """
    )
    proc = _run(["-c", script, *map(str, models.values())])
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    results = json.loads(proc.stdout)
    for name, path in models.items():
        kind, message = results[str(path)]
        assert kind == "ModelError", (name, kind, message)
        if name == "directory":
            assert "is a directory; give the path of a libvmaf JSON model file" in message
        else:
            assert "is not a readable libvmaf JSON model" in message, (name, message)
            assert "give a model file from libvmaf's model/ directory" in message, (name, message)
    for name in ("no_svm", "svm_without_rho", "truncated"):
        _cli_child_fails(
            ["score", "-r", ref, "-d", ref, "-q", "-m", str(models[name])],
            "is not a readable libvmaf JSON model",
            "give a model file",
        )


@pytest.mark.parametrize(
    "option",
    [
        "vif_enhn_gain_limit=0.5",
        "adm_enhn_gain_limit=0.999",
        "egl=100.5",
        "egl=nan",
        "vif_egl=inf",
        "adm_egl=-1",
        "egl=abc",
    ],
)
def test_gain_limit_outside_libvmaf_range(
    media: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    clip = natural_clip("astronaut", frames=1, width=W, height=H)
    model = f"vmaf_v0.6.1:{option}"
    advice = "[1.0, 100.0]"
    _raises_exactly(
        GainLimitError, lambda: pyvmafneg.score(clip, clip, [model], backend="libvmaf"), advice
    )
    _raises_exactly(GainLimitError, lambda: pyvmafneg.Scorer([model]), advice)
    ref = str(media / "ref.y4m")
    _cli_fails(capsys, ["score", "-r", ref, "-d", ref, "-q", "-m", model], advice)


@pytest.mark.parametrize("limit", [0.0, 0.99999, 100.00001, float("nan"), float("inf"), -5])
def test_gain_limit_in_a_model_spec(limit: float) -> None:
    for key in ("vif_gain_limit", "adm_gain_limit"):
        _raises_exactly(
            GainLimitError,
            lambda key=key: ModelSpec("vmaf_v0.6.1", **{key: limit}),
            "outside libvmaf's range [1.0, 100.0]",
            "1.0 caps enhancement at parity",
        )


def test_gain_limits_are_stored_as_floats() -> None:
    """A limit given as text or a NumPy number is kept as a float, and scores as one."""
    spec = ModelSpec("vmaf_v0.6.1", vif_gain_limit="1.5", adm_gain_limit=np.float32(1.25))  # type: ignore[arg-type]
    assert type(spec.vif_gain_limit) is float and spec.vif_gain_limit == 1.5
    assert type(spec.adm_gain_limit) is float and spec.adm_gain_limit == 1.25
    assert spec.name == "vmaf_v0.6.1_vif_egl_1.5_adm_egl_1.25"
    clip = natural_clip("astronaut", frames=2, width=W, height=H)
    as_text = pyvmafneg.score(clip, clip, [spec], backend="libvmaf")
    as_float = pyvmafneg.score(
        clip, clip, ["vmaf_v0.6.1:vif_egl=1.5:adm_egl=1.25"], backend="libvmaf"
    )
    np.testing.assert_array_equal(as_text[spec.name], as_float[spec.name])


# -- frames at libvmaf's lower size limit -----------------------------------------------

_SIZES = [
    (16, 16), (32, 32), (32, 33), (33, 32), (33, 33), (32, 200), (200, 32), (33, 200),
    (36, 33), (37, 33), (64, 40), (65, 40), (68, 40), (69, 40),
]  # fmt: skip
_LAYOUTS = [("420", 8), ("422", 10), ("444", 12), ("400", 8), ("420", 16)]


def test_size_limit_from_python() -> None:
    """Below 33 pixels in either dimension, or 33-36 and 65-68 wide: FrameError; else scores.

    Runs in a child process: were the check to let a 16x16 frame through,
    libvmaf would crash.
    """
    script = textwrap.dedent(
        """
        import json, sys
        import numpy as np
        import pyvmafneg
        from pyvmafneg.io._frame import Frame, chroma_shape
        out = []
        for w, h, fmt, bits in json.loads(sys.argv[1]):
            dtype = np.uint8 if bits == 8 else np.uint16
            rng = np.random.default_rng(w * 1000 + h)
            y = rng.integers(16, 200, (h, w)).astype(dtype)
            cs = chroma_shape(h, w, fmt)
            planes = (y,) if cs is None else (y, np.full(cs, 128, dtype), np.full(cs, 128, dtype))
            frame = Frame(planes, bits, fmt)
            try:
                result = pyvmafneg.score([frame, frame], [frame, frame], backend="libvmaf")
                out.append(["ok", float(result.pooled("vmaf_neg").mean)])
            except pyvmafneg.VmafNegError as exc:
                out.append([type(exc).__name__, str(exc)])
        print(json.dumps(out))
        """
    )
    matrix = [(w, h, fmt, bits) for w, h in _SIZES for fmt, bits in _LAYOUTS]
    proc = _run(["-c", script, json.dumps(matrix)])
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    for (w, h, fmt, bits), (kind, detail) in zip(matrix, json.loads(proc.stdout), strict=True):
        where = f"{w}x{h} {fmt} {bits}-bit"
        if w >= 33 and h >= 33 and w in UNSTABLE_WIDTHS:
            assert kind == "UnstableWidthError", (where, kind, detail)
            assert "scores change from run to run" in detail, where
            assert "score with cpumask=0x38" in detail, where
        elif w >= 33 and h >= 33:
            assert kind == "ok" and 0.0 <= detail <= 100.0, (where, kind, detail)
        else:
            assert kind == "FrameError", (where, kind, detail)
            assert f"frames are {w}x{h}; libvmaf needs at least 33x33 pixels" in detail, where
            assert "upscale the clip first" in detail, where


def test_size_limit_in_process_frame_error() -> None:
    """The same refusal in-process, with the exact class, for bare arrays too."""
    for w, h in ((32, 33), (33, 32), (16, 16)):
        luma = np.zeros((h, w), np.uint8)
        _raises_exactly(
            FrameError,
            lambda luma=luma: pyvmafneg.score([luma], [luma], backend="libvmaf"),
            f"frames are {w}x{h}; libvmaf needs at least 33x33",
            "upscale the clip first",
        )
    ok = np.zeros((33, 37), np.uint8)
    assert len(pyvmafneg.score([ok], [ok], backend="libvmaf")) == 1


def test_unstable_widths_score_exactly_with_the_scalar_code() -> None:
    """33-36 and 65-68 wide: refused with the vector code on; exact and stable without it."""
    for width in (33, 36, 65, 68):
        clip = natural_clip("astronaut", frames=3, width=width, height=48)
        dis = [Frame(tuple(p // 4 * 4 for p in f.planes), 8, "420") for f in clip]
        text = _raises_exactly(
            UnstableWidthError,
            lambda clip=clip, dis=dis: pyvmafneg.score(clip, dis, backend="libvmaf"),
            f"frames are {width} pixels wide",
            "crop or pad the frames to another width",
        )
        assert "score with cpumask=0x38" in text
        with pytest.raises(UnstableWidthError) as info:
            pyvmafneg.score(clip, dis, backend="libvmaf")
        assert (info.value.width, info.value.exact_cpumask) == (width, VECTOR_CPUMASK)
        runs = []
        for _ in range(3):
            with pyvmafneg.Scorer(cpumask=VECTOR_CPUMASK) as scorer:
                for r, d in zip(clip, dis, strict=True):
                    scorer.feed(r, d)
                runs.append(scorer.flush())
        for other in runs[1:]:
            for key in ("vmaf", "vmaf_neg"):
                np.testing.assert_array_equal(other[key], runs[0][key])
        ref = score_reference(clip, dis, cpumask=VECTOR_CPUMASK)
        np.testing.assert_array_equal(runs[0]["vmaf_neg"], ref["vmaf_neg"])


@pytest.mark.slow
def test_size_limit_from_the_command_line(tmp_path: Path) -> None:
    """32 in either dimension exits 2 with one line; 33x33 scores. Each run is a child."""
    for w, h in ((32, 33), (33, 32), (16, 16), (37, 33), (34, 40)):
        path = tmp_path / f"{w}x{h}.y4m"
        write_y4m(natural_clip("camera", frames=2, width=max(w, 16), height=max(h, 16)), path)
        argv = ["score", "-r", str(path), "-d", str(path), "-q", "--backend", "libvmaf"]
        if w >= 33 and h >= 33 and w in UNSTABLE_WIDTHS:
            _cli_child_fails(argv, f"frames are {w} pixels wide", "crop or pad the frames")
        elif w >= 33 and h >= 33:
            proc = _run(["-m", "pyvmafneg", *argv])
            assert proc.returncode == 0, proc.stderr
            assert "2 frames scored" in proc.stdout
        else:
            _cli_child_fails(
                argv,
                f"frames are {w}x{h}; libvmaf needs at least 33x33 pixels",
                "upscale the clip first",
            )


# -- libvmaf not found ------------------------------------------------------------------


def test_libvmaf_not_found(media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = str(media / "ref.y4m")
    clip = natural_clip("astronaut", frames=1, width=W, height=H)
    missing = "/nonexistent/libvmaf.so.3"
    _raises_exactly(
        LibvmafNotFoundError,
        lambda: pyvmafneg.score(clip, clip, library=missing, backend="libvmaf"),
        "does not exist",
        "give the path of a libvmaf shared library",
    )
    _raises_exactly(
        LibvmafNotFoundError,
        lambda: pyvmafneg.Scorer(library=ref),
        "could not load libvmaf from",
        "give the path of a libvmaf shared library",
    )
    base = ["score", "-r", ref, "-d", ref, "-q"]
    _cli_fails(capsys, [*base, "--libvmaf", missing], "does not exist", "give the path")
    _cli_fails(capsys, [*base, "--libvmaf", ref], "could not load libvmaf", "leave out --libvmaf")
    _cli_child_fails(
        base,
        f"{ENV_VAR}='/nope/libvmaf.so' names no file",
        "unset it",
        env={ENV_VAR: "/nope/libvmaf.so"},
    )


def test_no_libvmaf_anywhere_from_the_command_line(media: Path) -> None:
    """With no system copy and PyAV's hidden, `score` says how to get libvmaf, in one line."""
    if system_libvmaf():
        pytest.skip(f"the system's loader finds {system_libvmaf()}")
    ref = str(media / "ref.y4m")
    script = textwrap.dedent(
        """
        import importlib.util, sys
        real = importlib.util.find_spec
        importlib.util.find_spec = lambda n, *a: None if n == "av" else real(n, *a)
        from pyvmafneg.cli import main
        sys.exit(main(sys.argv[1:]))
        """
    )
    argv = ["score", "-r", ref, "-d", ref, "-q", "--backend", "libvmaf"]
    proc = _run(["-c", script, *argv], env={ENV_VAR: ""})
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert "no libvmaf shared library found" in lines[0]
    assert "pip install 'av>=19'" in lines[0] and ENV_VAR in lines[0]


@pytest.mark.parametrize("model", ["vmaf_v1.0.16_3d0h_2160", "vmaf_v1.0.16_hfr_3d0h_2160"])
def test_prescaled_chroma_models_refuse_small_frames_instead_of_crashing(model: str) -> None:
    """libvmaf 3.2 reads out of bounds on these models below 318 (4:2:0); run in a child."""
    script = textwrap.dedent(
        f"""
        import pyvmafneg
        from pyvmafneg.demo._clips import natural_clip
        for width, height, fmt in ((316, 320, "420"), (320, 317, "420"), (300, 320, "422")):
            clip = natural_clip("astronaut", frames=2, width=width, height=height,
                                pixel_format=fmt)
            try:
                pyvmafneg.score(clip, clip, ["{model}"], threads=0)
            except pyvmafneg.FrameError as exc:
                print("refused", width, height, fmt, "318x" in str(exc) or "318x159" in str(exc))
        clip = natural_clip("astronaut", frames=2, width=318, height=318)
        print("scored", float(pyvmafneg.score(clip, clip, ["{model}"])["{model}"][1]) > 90)
        """
    )
    proc = _run(["-c", script])
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert proc.stdout.split("\n")[:4] == [
        "refused 316 320 420 True",
        "refused 320 317 420 True",
        "refused 300 320 422 True",
        "scored True",
    ], proc.stdout
