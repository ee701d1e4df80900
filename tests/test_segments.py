"""Segment-parallel scoring: exact frame ranges, exact stitching, resuming, bad input.

Every oracle is computed here: frame ranges against a full decode of the same
file, stitched results against one uninterrupted libvmaf run of the same pair.
Streams are encoded at test time with imageio-ffmpeg's FFmpeg (libx264 with
B-frames and open GOPs, libx265, libvpx-vp9, libaom-av1) from natural clips.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest
from helpers import default_sigint
from media_helpers import clip, decode_to_yuv, ffmpeg, to_y4m, to_yuv

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.io import open_video
from pyvmafneg.io._ranges import index_container, locate_ranges, open_range, plan_seek
from pyvmafneg.results._logs import write_log
from pyvmafneg.segments import plan_ranges, score_segments
from pyvmafneg.segments._dask import _file_facts, check_workers

GOP = ["-g", "12", "-keyint_min", "12", "-sc_threshold", "0"]
X264 = ["-x264-params", "open-gop=1:keyint=12:min-keyint=12:scenecut=0:b-adapt=0"]
CODECS = {
    "x264.mkv": ["-c:v", "libx264", "-preset", "veryfast", "-bf", "3", *X264],
    "x264.mp4": ["-c:v", "libx264", "-preset", "veryfast", "-bf", "3", *X264],
    "x265.mkv": [
        "-c:v", "libx265", "-x265-params",
        "keyint=12:min-keyint=12:open-gop=1:bframes=3:scenecut=0:log-level=error",
    ],
    "vp9.webm": ["-c:v", "libvpx-vp9", *GOP, "-b:v", "300k", "-deadline", "realtime",
                 "-cpu-used", "8"],
    "av1.mkv": ["-c:v", "libaom-av1", *GOP, "-b:v", "300k", "-usage", "realtime",
                "-cpu-used", "8"],
    "annexb.h264": ["-c:v", "libx264", "-preset", "veryfast", "-bf", "3", *X264],
    "vfr.mkv": ["-vf", "settb=1/1000,setpts='N*40+gte(N,9)*13+gte(N,21)*7'",
                "-fps_mode", "passthrough", "-enc_time_base", "1:1000",
                "-c:v", "libx264", "-preset", "veryfast", "-bf", "3", *X264],
}  # fmt: skip
N_SMALL = 30


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 176x144 30-frame reference (Y4M and raw) and its encodes, one per codec."""
    root = tmp_path_factory.mktemp("segsmall")
    frames = clip(N_SMALL)
    files = {
        "ref.y4m": to_y4m(frames, root / "ref.y4m"),
        "ref.yuv": to_yuv(frames, root / "ref.yuv"),
    }
    for name, args in CODECS.items():
        ffmpeg("-i", str(files["ref.y4m"]), *args, str(root / name))
        files[name] = root / name
    return files


@pytest.fixture(scope="module")
def hd(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 1080p 36-frame raw YUV reference and its libx264 MKV (B-frames, open GOP of 12)."""
    root = tmp_path_factory.mktemp("seghd")
    small_ref = to_y4m(clip(36, width=240, height=136), root / "small.y4m")
    ref = root / "ref.yuv"
    ffmpeg("-i", str(small_ref), "-vf", "scale=1920:1080:flags=bicubic", "-f", "rawvideo",
           "-pix_fmt", "yuv420p", str(ref))  # fmt: skip
    mkv = root / "dist.mkv"
    ffmpeg("-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "1920x1080", "-r", "24", "-i", str(ref),
           "-crf", "32", *CODECS["x264.mkv"], str(mkv))  # fmt: skip
    return {"ref": ref, "mkv": mkv}


def _raw1080(path: Path):
    return open_video(path, width=1920, height=1080)


@pytest.fixture(scope="module")
def hd_plain(hd: dict[str, Path]) -> pyvmafneg.Result:
    """One uninterrupted run of the 1080p pair on the default engine (as segments): the oracle."""
    return pyvmafneg.score(_raw1080(hd["ref"]), open_video(hd["mkv"]))


def _frame_types(path: Path) -> str:
    with av.open(str(path)) as c:
        return "".join("?IPB"[int(f.pict_type)] for f in c.decode(video=0))


def _assert_same(a: pyvmafneg.Result, b: pyvmafneg.Result) -> None:
    """Identical frames, series (as doubles) and pooled statistics."""
    assert list(a.keys()) == list(b.keys())
    np.testing.assert_array_equal(a.frames, b.frames)
    for key in a.keys():
        assert a[key].tobytes() == b[key].tobytes(), key
        assert a.pooled(key) == b.pooled(key), key
    assert a.pooled_gap == b.pooled_gap


# -- exact frame ranges ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["ref.y4m", "ref.yuv", *CODECS])
def test_every_range_decodes_the_frames_of_a_full_decode(small: dict[str, Path], name: str) -> None:
    raw = {"width": 176, "height": 144} if name.endswith(".yuv") else {}
    full = list(open_video(small[name], **raw))
    assert len(full) == N_SMALL
    ranges = [(a, min(N_SMALL, a + n)) for a in range(N_SMALL) for n in (1, 3)]
    specs = locate_ranges(open_video(small[name], **raw), ranges)
    for spec in specs:
        got = list(open_range(spec))
        assert len(got) == spec.frames
        for i, frame in enumerate(got):
            want = full[spec.start + i]
            for p, q in zip(frame.planes, want.planes, strict=True):
                np.testing.assert_array_equal(p, q, err_msg=f"{name} frame {spec.start + i}")


@pytest.mark.parametrize("name", ["x264.mkv", "x264.mp4", "x265.mkv", "vp9.webm", "av1.mkv"])
def test_ranges_seek_to_a_keyframe_not_the_start(small: dict[str, Path], name: str) -> None:
    index = index_container(small[name])
    assert index.timestamped and index.frames == N_SMALL
    shown = index.display_pts()
    keys = [p for p, k in zip(index.pts, index.keyframe, strict=True) if k]
    assert len(keys) >= 3  # a keyframe every 12 frames
    for start in range(N_SMALL):
        plan = plan_seek(index, start, N_SMALL)
        if plan.seek_to:
            assert plan.key_pts <= shown[start]
    # A range starting at the third GOP's keyframe seeks straight to it.
    third = shown.index(keys[2])
    assert plan_seek(index, third, third + 1).key_pts == keys[2]


def test_open_gop_leading_frames_seek_to_the_keyframe_before(small: dict[str, Path]) -> None:
    """A B-frame decoded after a keyframe but shown before it starts from the earlier GOP."""
    index = index_container(small["x264.mkv"])
    shown = index.display_pts()
    pts = list(index.pts)
    leading = [
        (shown.index(p), k)
        for k, key in enumerate(pts)
        if index.keyframe[k] and k > 0
        for p in pts[k + 1 :]
        if p < key
    ]
    assert leading, "the x264 open-GOP stream has no leading pictures"
    frame, k = leading[0]
    plan = plan_seek(index, frame, frame + 1)
    assert plan.key_pts is None or plan.key_pts < pts[k]
    full = list(open_video(small["x264.mkv"]))
    (got,) = open_range(locate_ranges(open_video(small["x264.mkv"]), [(frame, frame + 1)])[0])
    np.testing.assert_array_equal(got.planes[0], full[frame].planes[0])


def test_a_stream_without_timestamps_is_counted_from_its_start(small: dict[str, Path]) -> None:
    index = index_container(small["annexb.h264"])
    assert not index.timestamped and index.frames == N_SMALL
    plan = plan_seek(index, 17, 20)
    assert plan.count_from_start and (plan.skip, plan.take) == (17, 3)
    run = score_segments(small["ref.y4m"], small["annexb.h264"], segments=3, workers=1)
    _assert_same(
        pyvmafneg.score(str(small["ref.y4m"]), str(small["annexb.h264"])),
        run.result,
    )


def test_variable_frame_rate_is_read_by_timestamp(small: dict[str, Path]) -> None:
    index = index_container(small["vfr.mkv"])
    gaps = np.diff(index.display_pts())
    assert len(set(gaps.tolist())) > 1  # the encode really is variable-rate
    run = score_segments(small["ref.y4m"], small["vfr.mkv"], segments=4, workers=1)
    _assert_same(pyvmafneg.score(str(small["ref.y4m"]), str(small["vfr.mkv"])), run.result)


# -- stitched results equal one run -----------------------------------------------------


def test_padding_is_what_makes_motion_exact(small: dict[str, Path]) -> None:
    """A range scored alone gets motion wrong at both ends; the stitched run does not."""
    plain = pyvmafneg.score(str(small["ref.y4m"]), str(small["x264.mkv"]))
    sad = plain["VMAF_integer_feature_motion_sad_score"]
    # A range ending where the next frame moves less: motion2 of its last frame must see it.
    stop = next(i for i in range(12, N_SMALL) if sad[i] < sad[i - 1])
    start = stop - 10
    (r,), (d,) = (
        locate_ranges(open_video(small[n]), [(start, stop)]) for n in ("ref.y4m", "x264.mkv")
    )
    alone = pyvmafneg.score(open_range(r), open_range(d), backend="libvmaf")
    assert alone["integer_motion2"][0] == 0.0 != plain["integer_motion2"][start]
    assert alone["integer_motion2"][-1] == sad[stop - 1] != plain["integer_motion2"][stop - 1]
    vif = plain["integer_vif_scale0"][start:stop]
    np.testing.assert_array_equal(alone["integer_vif_scale0"], vif)
    run = score_segments(
        small["ref.y4m"], small["x264.mkv"], segments=3, workers=1
    )  # edges at 10 and 20
    _assert_same(plain, run.result)


@pytest.mark.parametrize("name", ["x264.mp4", "x265.mkv", "vp9.webm", "av1.mkv"])
def test_segments_equal_one_run_for_every_codec(small: dict[str, Path], name: str) -> None:
    plain = pyvmafneg.score(str(small["ref.y4m"]), str(small[name]))
    run = score_segments(small["ref.y4m"], small[name], segment_frames=7, workers=1)
    _assert_same(plain, run.result)


def test_raw_yuv_segments_equal_one_run(small: dict[str, Path], tmp_path: Path) -> None:
    dist = decode_to_yuv(small["x264.mkv"], tmp_path / "dist.yuv")
    raw = {"width": 176, "height": 144}
    plain = pyvmafneg.score(open_video(small["ref.yuv"], **raw), open_video(dist, **raw))
    for n in (1, 2, 7, N_SMALL):
        run = score_segments(small["ref.yuv"], dist, segments=n, workers=1, raw=raw)
        _assert_same(plain, run.result)
        assert len(run.segments) == n


@pytest.mark.slow
def test_1080p_x264_mkv_segments_at_every_frame_type(hd, hd_plain) -> None:
    types = _frame_types(hd["mkv"])
    ranges = plan_ranges(36, segment_frames=5)
    starts = {types[a] for a, _ in ranges[1:]}
    ends = {types[b - 1] for _, b in ranges[:-1]}
    assert {"P", "B"} <= starts and {"I", "P", "B"} <= ends, (types, ranges)
    run = pyvmafneg.score(_raw1080(hd["ref"]), open_video(hd["mkv"]), segment_frames=5, workers=1)
    _assert_same(hd_plain, run)


@pytest.mark.slow
def test_1080p_segments_starting_on_keyframes(hd, hd_plain) -> None:
    types = _frame_types(hd["mkv"])
    ranges = plan_ranges(36, segment_frames=4)
    assert "I" in {types[a] for a, _ in ranges[1:]}
    run = score_segments(_raw1080(hd["ref"]), hd["mkv"], segment_frames=4, workers=1)
    _assert_same(hd_plain, run.result)


@pytest.mark.slow
def test_cli_segments_write_the_log_of_one_run(hd, hd_plain, tmp_path: Path, capsys) -> None:
    out = tmp_path / "seg.json"
    code = main([
        "score", "-r", str(hd["ref"]), "-d", str(hd["mkv"]), "-w", "1920", "-H", "1080",
        "--segments", "2", "--workers", "2", "--no-store", "-q", "-o", str(out),
    ])  # fmt: skip
    assert code == 0
    plain = write_log(hd_plain, tmp_path / "plain.json")
    a, b = json.loads(out.read_text()), json.loads(Path(plain).read_text())
    a.pop("fps"), b.pop("fps")
    assert a == b
    assert "36 frames scored" in capsys.readouterr().out


# -- resuming and workers that die ------------------------------------------------------


def _store_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text().splitlines(keepends=True) if x.endswith("\n")]


@pytest.mark.slow
def test_a_killed_run_resumes_with_the_unfinished_segments(hd, hd_plain, tmp_path: Path) -> None:
    store = tmp_path / "segments.jsonl"
    args = [
        sys.executable, "-m", "pyvmafneg", "score", "-r", str(hd["ref"]), "-d", str(hd["mkv"]),
        "-w", "1920", "-H", "1080", "--segments", "6", "--workers", "1", "--store", str(store),
    ]  # fmt: skip
    proc = subprocess.Popen([*args, "-q"], start_new_session=True)
    deadline = time.monotonic() + 120
    while not _store_rows(store) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = {r["segment"] for r in _store_rows(store)}
    assert 1 <= len(kept) < 6
    out = tmp_path / "resumed.json"
    done = subprocess.run([*args, "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"{6 - len(kept)} scored on this process, {len(kept)} reused" in done.stderr
    assert len(_store_rows(store)) == 6
    plain = json.loads(Path(write_log(hd_plain, tmp_path / "plain.json")).read_text())
    resumed = json.loads(out.read_text())
    plain.pop("fps"), resumed.pop("fps")
    assert resumed == plain
    # Resumed from the store, the same numbers come back without scoring anything.
    again = score_segments(_raw1080(hd["ref"]), hd["mkv"], segments=6, store=store, workers=1)
    assert again.reused == list(range(6)) and not again.scored
    _assert_same(hd_plain, again.result)


@pytest.mark.slow
def test_ctrl_c_stops_at_once_and_keeps_finished_segments(hd, tmp_path: Path) -> None:
    store = tmp_path / "segments.jsonl"
    args = [
        sys.executable, "-m", "pyvmafneg", "score", "-r", str(hd["ref"]), "-d", str(hd["mkv"]),
        "-w", "1920", "-H", "1080", "--segments", "3", "--workers", "2", "--store", str(store),
    ]  # fmt: skip
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint
    )
    deadline = time.monotonic() + 120
    while not _store_rows(store) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # the last segment has started by now
    proc.send_signal(signal.SIGINT)
    interrupted = time.monotonic()
    _, err = proc.communicate(timeout=60)
    waited = time.monotonic() - interrupted
    assert proc.returncode == 130, err
    assert "interrupted" in err
    kept = _store_rows(store)
    assert 1 <= len(kept) < 3
    # It did not wait for the segment started after the first finished (seconds here).
    assert waited < min(row["seconds"] for row in kept) / 4, (waited, kept)


def test_a_changed_option_rescores_instead_of_reusing(small, tmp_path: Path) -> None:
    store = tmp_path / "s.jsonl"
    first = score_segments(small["ref.y4m"], small["x264.mkv"], segments=3, store=store, workers=1)
    other = score_segments(
        small["ref.y4m"], small["x264.mkv"], segments=3, store=store, workers=1, clip=False
    )
    assert first.scored == [0, 1, 2] and other.scored == [0, 1, 2] and not other.reused
    # A damaged stored row (here: a frame missing) is scored again, not stitched.
    rows = [json.loads(line) for line in store.read_text().splitlines()]
    rows[-1]["scores"]["vmaf"].pop()
    store.write_text("".join(json.dumps(r) + "\n" for r in rows))
    again = score_segments(
        small["ref.y4m"], small["x264.mkv"], segments=3, store=store, workers=1, clip=False
    )
    assert again.scored == [2] and again.reused == [0, 1]
    prefix = score_segments(
        small["ref.y4m"], small["x264.mkv"], segments=3, store=store, workers=1, frames=20
    )
    assert prefix.scored == [0, 1, 2]  # the title's last frame changes the last segment
    one_run = pyvmafneg.score(str(small["ref.y4m"]), str(small["x264.mkv"]), frames=20)
    _assert_same(one_run, prefix.result)


@pytest.mark.slow
def test_a_dead_worker_has_its_segment_retried(hd, hd_plain) -> None:
    killed: list[int] = []

    def kill_one(row: dict) -> None:
        if not killed:
            for child in multiprocessing.active_children():
                if child.pid and child.is_alive():
                    os.kill(child.pid, signal.SIGKILL)
                    killed.append(child.pid)
                    break

    run = score_segments(_raw1080(hd["ref"]), hd["mkv"], segments=4, workers=2, on_segment=kill_one)
    assert killed
    assert run.retried, "no segment was reported as retried"
    for index, what in run.retried.items():
        a, b = run.segments[index]
        assert f"frames {a}..{b - 1}" in what
    _assert_same(hd_plain, run.result)


# -- Dask -------------------------------------------------------------------------------


@pytest.mark.slow
def test_local_cluster_of_four_workers_equals_one_run(small: dict[str, Path]) -> None:
    pytest.importorskip("distributed")
    plain = pyvmafneg.score(str(small["ref.y4m"]), str(small["x264.mkv"]))
    run = score_segments(
        small["ref.y4m"], small["x264.mkv"], segments=8, scheduler="local", workers=4
    )
    assert run.where == "Dask local"
    _assert_same(plain, run.result)


@pytest.mark.slow
def test_a_dead_dask_worker_is_reported_and_its_segment_rescheduled(hd, hd_plain) -> None:
    pytest.importorskip("distributed")
    killed: list[int] = []

    def kill_one(row: dict) -> None:
        if not killed:  # the LocalCluster's worker processes are children of this one
            for child in multiprocessing.active_children():
                if child.pid and child.is_alive():
                    os.kill(child.pid, signal.SIGKILL)
                    killed.append(child.pid)
                    break

    run = score_segments(
        _raw1080(hd["ref"]), hd["mkv"], segments=8, scheduler="local", workers=2,
        on_segment=kill_one,
    )  # fmt: skip
    assert killed
    assert run.retried, "no segment was reported as rescheduled"
    for index, what in run.retried.items():
        a, b = run.segments[index]
        assert f"frames {a}..{b - 1}" in what and "Dask worker" in what
    _assert_same(hd_plain, run.result)


def test_unreachable_scheduler_is_said_before_anything_is_written(
    small: dict[str, Path], tmp_path: Path, monkeypatch
) -> None:
    pytest.importorskip("distributed")
    import pyvmafneg._dask as dask_helper

    monkeypatch.setattr(dask_helper, "DASK_CONNECT_TIMEOUT", 1.0)
    with pytest.raises(pyvmafneg.SchedulerError, match="cannot reach the Dask scheduler") as err:
        score_segments(
            small["ref.y4m"], small["x264.mkv"], segments=2, scheduler="tcp://127.0.0.1:9",
            store=tmp_path / "s.jsonl",
        )  # fmt: skip
    assert err.value.address == "tcp://127.0.0.1:9"
    assert not (tmp_path / "s.jsonl").exists()


def test_worker_file_facts(small: dict[str, Path], tmp_path: Path) -> None:
    ref = str(small["ref.y4m"])
    size = os.path.getsize(ref)
    assert _file_facts([(ref, size)]) == []
    assert _file_facts([(ref, size + 1)]) == [
        (ref, f"{size} bytes where this machine has {size + 1}")
    ]
    missing = str(tmp_path / "gone.mkv")
    ((path, what),) = _file_facts([(missing, 10)])
    assert path == missing and "No such file" in what


class _ClusterSeeingOtherFiles:
    """A Dask client stand-in whose workers run ``fn`` on their own file system view."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def run(self, fn, facts):  # type: ignore[no-untyped-def]
        moved = [(str(self.root / Path(p).name), size) for p, size in facts]
        return {"tcp://10.0.0.7:4000": fn(moved), "tcp://10.0.0.8:4000": []}


def test_files_missing_on_a_worker_are_named_before_scoring(small, tmp_path: Path) -> None:
    with pytest.raises(pyvmafneg.WorkerFileError, match="tcp://10.0.0.7:4000") as err:
        check_workers(_ClusterSeeingOtherFiles(tmp_path), [str(small["ref.y4m"])])
    ((worker, path, what),) = err.value.problems
    assert worker == "tcp://10.0.0.7:4000" and path.endswith("ref.y4m") and what


# -- bad input --------------------------------------------------------------------------


def test_more_segments_than_frames(small: dict[str, Path]) -> None:
    with pytest.raises(pyvmafneg.SegmentError, match="only 30 frames") as err:
        score_segments(small["ref.y4m"], small["x264.mkv"], segments=31)
    assert (err.value.segments, err.value.frames) == (31, 30)
    with pytest.raises(pyvmafneg.SegmentError):
        plan_ranges(10, segments=2, segment_frames=5)
    assert plan_ranges(10, segment_frames=4) == [(0, 4), (4, 8), (8, 10)]
    assert plan_ranges(10, segments=3) == [(0, 4), (4, 7), (7, 10)]


def test_cli_refuses_bad_segment_options(small: dict[str, Path], capsys) -> None:
    base = ["score", "-r", str(small["ref.y4m"]), "-d", str(small["x264.mkv"]), "--no-store"]
    assert main([*base, "--segments", "31"]) == 2
    assert "only 30 frames" in capsys.readouterr().err
    assert main([*base, "--segments", "2", "--backend", "reference", "--feature", "psnr"]) == 2
    assert "computes the VMAF models only" in capsys.readouterr().err
    assert main([*base, "--segments", "2", "--backend", "ffmpeg"]) == 2
    assert "cannot score segments" in capsys.readouterr().err
    assert main([*base, "--scheduler", "local"]) == 2
    assert "--segments" in capsys.readouterr().err
