"""score_many and ``score -d ... -d ...``: one reference read once for several encodes.

Each encode's result must equal its own single run (``pyvmafneg.score``) as
doubles, for paths, opened videos and frame lists, with an encode at another
resolution scaled as a single run scales it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from media_helpers import clip, encode, sharpen, to_y4m

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.errors import FrameCountMismatchError, FrameError, OptionError
from pyvmafneg.io._broadcast import Broadcast, BroadcastAborted

pytest.importorskip("pyvmafneg.engines.native._engine", reason="the native engine is not built")

FEATURES = ["psnr", "ssim"]


def assert_same(a: pyvmafneg.Result, b: pyvmafneg.Result) -> None:
    np.testing.assert_array_equal(a.frames, b.frames)
    assert list(a.scores) == list(b.scores) and sorted(a.features) == sorted(b.features)
    for key in b.keys():
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("many")
    frames = clip(5, width=96, height=64)
    ref = to_y4m(frames, folder / "ref.y4m")
    sharp = to_y4m(sharpen(frames), folder / "sharp.y4m")
    low = encode(ref, folder / "low.mkv", crf=40)
    small = to_y4m(clip(5, width=64, height=48), folder / "small.y4m")  # scaled to 96x64
    return ref, [sharp, low, small]


def test_paths_each_equal_their_single_run(files) -> None:
    ref, encodes = files
    results = pyvmafneg.score_many(ref, encodes, features=FEATURES, threads=0)
    assert len(results) == len(encodes)
    for enc, got in zip(encodes, results, strict=True):
        assert got.backend == "native"
        assert_same(got, pyvmafneg.score(ref, enc, features=FEATURES, threads=0))


def test_opened_videos_and_frame_lists(files) -> None:
    ref, encodes = files
    frames = list(pyvmafneg.open_video(ref))
    lists = [list(pyvmafneg.open_video(e)) for e in encodes[:2]]
    seen: list[int] = []
    got = pyvmafneg.score_many(
        pyvmafneg.open_video(ref),
        [pyvmafneg.open_video(encodes[0]), lists[1]],
        ["vmaf_v0.6.1neg"],
        threads=2,
        progress=seen.append,
    )
    assert seen == sorted(seen) and seen[-1] == len(frames)
    assert_same(got[0], pyvmafneg.score(frames, lists[0], ["vmaf_v0.6.1neg"], threads=0))
    assert_same(got[1], pyvmafneg.score(frames, lists[1], ["vmaf_v0.6.1neg"], threads=0))
    # a reference given as a one-shot generator is read once for both
    gen = (f for f in frames)
    again = pyvmafneg.score_many(gen, lists, ["vmaf_v0.6.1neg"], threads=0)
    for a, b in zip(again, got, strict=True):
        assert_same(a, b)


def test_other_backends_and_keywords(files) -> None:
    ref, encodes = files
    got = pyvmafneg.score_many(ref, encodes[:2], backend="libvmaf", frames=3, threads=0)
    for enc, res in zip(encodes[:2], got, strict=True):
        assert res.backend == "libvmaf" and len(res) == 3
        assert_same(res, pyvmafneg.score(ref, enc, backend="libvmaf", frames=3, threads=0))


def test_errors_name_the_encode_and_stop_the_others(files, tmp_path) -> None:
    ref, encodes = files
    with pytest.raises(OptionError):
        pyvmafneg.score_many(ref, [])
    with pytest.raises(OptionError, match="segments"):
        pyvmafneg.score_many(ref, encodes, segments=2)
    bad = [np.zeros((8, 8), np.uint8)] * 5  # too small for VIF
    with pytest.raises(FrameError):
        pyvmafneg.score_many(ref, [encodes[0], bad], threads=0)


def test_broadcast_reads_the_source_once_and_bounds_the_lag() -> None:
    reads: list[int] = []

    def source():
        for i in range(20):
            reads.append(i)
            yield i

    b = Broadcast(source(), 2, lag=3)
    first, second = b.view(0), b.view(1)
    assert [next(first) for _ in range(3)] == [0, 1, 2]
    assert reads == [0, 1, 2]  # the first view may not run further ahead of the second
    assert [next(second) for _ in range(6)] == list(range(6))
    assert reads == list(range(6))  # frames 0..2 came from the buffer
    b.done(0)  # the first consumer stops: the second no longer waits for it
    assert list(second) == list(range(6, 20))
    assert reads == list(range(20))
    aborted = Broadcast(source(), 2)
    view = aborted.view(0)
    next(view)
    aborted.abort()
    with pytest.raises(BroadcastAborted):
        next(view)


def test_cli_many_encodes_one_log_each(files, tmp_path, capsys) -> None:
    ref, encodes = files
    out = tmp_path / "logs"
    argv = ["score", "-r", str(ref), "--threads", "0", "--output-dir", str(out)]
    for enc in encodes:
        argv += ["-d", str(enc)]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(encodes)
    for enc, line in zip(encodes, lines, strict=True):
        log = out / f"{enc.stem}.json"
        assert line.startswith(f"{enc}: 5 frames (native)") and str(log) in line
        want = pyvmafneg.score(ref, enc, threads=0)
        data = json.loads(log.read_text())
        got = [f["metrics"]["vmaf_neg"] for f in data["frames"]]
        np.testing.assert_allclose(got, want.scores["vmaf_neg"], atol=5e-7)  # %.6f in logs
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{e.stem}.json" for e in encodes)
    # one -d keeps the one-encode command; --output with several is refused in one line
    argv = ["score", "-r", str(ref), "-d", str(encodes[0]), "-d", str(encodes[1]), "-o", "x.json"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--output-dir" in err


@pytest.fixture
def groups(monkeypatch) -> list:
    """Every ReferenceGroup score_many makes, to read what it scored together."""
    from pyvmafneg.engines.native import _group

    made: list[_group.ReferenceGroup] = []
    init = _group.ReferenceGroup.__init__

    def spy(self, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(_group.ReferenceGroup, "__init__", spy)
    return made


@pytest.mark.parametrize("threads", [0, 2])
def test_native_runs_share_the_reference_and_equal_their_single_runs(files, groups, threads):
    """The native runs score their frames together (the reference's filtering once a frame),
    the encode at another resolution too (its scaled planes are what is compared); each
    result still equals its single run as doubles."""
    ref, encodes = files
    results = pyvmafneg.score_many(ref, encodes, features=FEATURES, threads=threads)
    (group,) = groups
    if threads == 0:  # every frame after the first (checked alone) of every encode
        assert group.shared_frames == 4 * len(encodes)
    for enc, got in zip(encodes, results, strict=True):
        assert_same(got, pyvmafneg.score(ref, enc, features=FEATURES, threads=0))


@pytest.fixture(scope="module")
def files10(tmp_path_factory) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("many10")
    frames = clip(4, width=80, height=48, bitdepth=10)
    ref = to_y4m(frames, folder / "ref10.y4m")
    sharp = to_y4m(sharpen(frames), folder / "sharp10.y4m")
    low = encode(ref, folder / "low10.mkv", crf=36, pix_fmt="yuv420p10le")
    big = to_y4m(clip(4, width=96, height=64, bitdepth=10), folder / "big10.y4m")
    return ref, [sharp, low, big]


def test_ten_bit_encodes_share_the_reference(files10, groups) -> None:
    ref, encodes = files10
    results = pyvmafneg.score_many(ref, encodes, features=FEATURES, threads=0)
    assert groups[0].shared_frames == 3 * len(encodes)
    for enc, got in zip(encodes, results, strict=True):
        assert got.backend == "native"
        assert_same(got, pyvmafneg.score(ref, enc, features=FEATURES, threads=0))


def test_encodes_of_another_length_or_offset_fall_back_cleanly(files, groups) -> None:
    """Runs scored with an offset still equal their single runs; a run that fails part-way
    stops the others and nobody waits for it."""
    ref, encodes = files
    got = pyvmafneg.score_many(ref, encodes[:2], frames=3, offset=1, threads=0)
    for enc, res in zip(encodes[:2], got, strict=True):
        assert_same(res, pyvmafneg.score(ref, enc, frames=3, offset=1, threads=0))
    # a run that fails part-way leaves the group: the others are stopped, none waits for it
    short = list(pyvmafneg.open_video(encodes[0]))[:2]
    with pytest.raises(FrameCountMismatchError):
        pyvmafneg.score_many(ref, [encodes[1], short, encodes[0]], threads=0)
