"""Offsets between clips: ``offset=N`` pairs the right frames, ``find_offset`` finds N.

The oracle for ``offset`` is libvmaf on explicitly sliced frames (in-process,
exact) and FFmpeg's libvmaf filter on the same sliced files (to its log's six
decimals). The sync test removes ``k`` leading frames from one side of an
x264-encoded pair and asks :func:`pyvmafneg.find_offset` to recover ``-k``.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from media_helpers import ffmpeg_vmaf_log, to_y4m, x264_pair

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.io import open_video

N = 18


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """A moving 176x144 reference (Y4M) and its decoded x264 encode, as frames and files."""
    tmp = tmp_path_factory.mktemp("offsets")
    ref, _, dis = x264_pair(tmp, N)
    assert len(dis) == N
    return tmp, ref, dis


@pytest.mark.parametrize("k", range(-5, 6))
def test_find_offset_recovers_removed_leading_frames(pair, k):
    _, ref, dis = pair
    # k > 0: the distorted stream lost its first k frames; k < 0: the reference did.
    ref_k, dis_k = (ref, dis[k:]) if k >= 0 else (ref[-k:], dis)
    found = pyvmafneg.find_offset(ref_k, dis_k)
    assert found.offset == -k, found.describe()
    assert found.confidence > 0.5, found.describe()
    assert found.psnr > 30
    assert set(found.psnr_by_offset) == set(range(-12, 13))


def test_offset_scores_the_right_pairs(pair):
    tmp, ref, dis = pair
    for offset in (3, -2):
        got = pyvmafneg.score(ref, dis, offset=offset, frames=N - 3, backend="libvmaf")
        if offset > 0:
            want = pyvmafneg.score(ref, dis[offset:], frames=N - 3, backend="libvmaf")
        else:
            want = pyvmafneg.score(ref[-offset:], dis, frames=N - 3, backend="libvmaf")
        np.testing.assert_array_equal(got.frames, want.frames)
        for key in ("vmaf", "vmaf_neg", "integer_motion2"):
            np.testing.assert_array_equal(got[key], want[key], err_msg=key)


def test_ffmpeg_and_cli_offsets_match_libvmaf_on_sliced_files(pair, capsys):
    tmp, ref, dis = pair
    k = 4
    # Files whose frames are the explicit slice: the reference without its first k frames.
    sliced_ref = to_y4m(ref[k:], tmp / "sliced_ref.y4m")
    dis_path = to_y4m(dis[: N - k], tmp / "dis_prefix.y4m")
    full_dis = to_y4m(dis, tmp / "dis_full.y4m")
    oracle = json.loads(ffmpeg_vmaf_log((sliced_ref, dis_path), tmp / "oracle.json").read_text())
    want = np.array([f["metrics"]["vmaf_neg"] for f in oracle["frames"]])
    ref_path = tmp / "ref.y4m"
    got = pyvmafneg.score(
        open_video(ref_path), open_video(full_dis), backend="ffmpeg", offset=-k, frames=N - k
    )
    assert np.abs(got["vmaf_neg"] - want).max() <= 1e-6
    out = tmp / "cli.json"
    argv = ["score", "-r", str(ref_path), "-d", str(full_dis), "--offset", str(-k)]
    assert main([*argv, "--frames", str(N - k), "-o", str(out)]) == 0
    assert "offset -4: the first 4 reference frames dropped" in capsys.readouterr().err
    cli = np.array([f["metrics"]["vmaf_neg"] for f in json.loads(out.read_text())["frames"]])
    assert np.abs(cli - want).max() <= 1e-6


def test_cli_sync_prints_and_scores_from_the_offset(pair, capsys):
    tmp, ref, dis = pair
    late = to_y4m(dis[3:], tmp / "late.y4m")
    out = tmp / "sync.json"
    argv = ["score", "-r", str(tmp / "ref.y4m"), "-d", str(late), "--sync", "-o", str(out)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "sync: offset -3 (the first 3 reference frames dropped)" in err
    assert "confidence" in err
    want = pyvmafneg.score(ref[3:], dis[3:], backend="libvmaf")
    got = [f["metrics"]["vmaf"] for f in json.loads(out.read_text())["frames"]]
    np.testing.assert_allclose(got, want["vmaf"], atol=1e-6)


def test_score_sync_scores_from_the_offset_it_finds_and_says_it(pair, caplog):
    """``score(..., sync=True)``: the command line's ``--sync`` is this call."""
    tmp, ref, dis = pair
    late = to_y4m(dis[3:], tmp / "late_api.y4m")
    with caplog.at_level(logging.INFO, logger="pyvmafneg"):
        got = pyvmafneg.score(str(tmp / "ref.y4m"), str(late), sync=True, backend="libvmaf")
    found = [r.sync for r in caplog.records if hasattr(r, "sync")]
    assert [f.offset for f in found] == [-3], caplog.text
    assert "sync: offset -3 (the first 3 reference frames dropped)" in caplog.text
    want = pyvmafneg.score(ref[3:], dis[3:], backend="libvmaf")
    np.testing.assert_array_equal(got["vmaf"], want["vmaf"])
    np.testing.assert_array_equal(got["vmaf_neg"], want["vmaf_neg"])
    with pytest.raises(pyvmafneg.OptionError, match="both set the offset"):
        pyvmafneg.score(str(tmp / "ref.y4m"), str(late), sync=True, offset=2)
    with pytest.raises(pyvmafneg.OptionError, match="path or an opened video"):
        pyvmafneg.score(ref, dis, sync=True)


def test_offset_larger_than_a_clip_is_refused(pair, capsys):
    tmp, ref, dis = pair
    with pytest.raises(pyvmafneg.OffsetError) as info:
        pyvmafneg.score(ref, dis, offset=N, backend="libvmaf")
    assert info.value.offset == N
    with pytest.raises(pyvmafneg.OffsetError):
        pyvmafneg.score(ref, dis, offset=-N - 1, backend="libvmaf")
    ref_path = str(tmp / "ref.y4m")
    out = tmp / "never.json"
    assert main(["score", "-r", ref_path, "-d", ref_path, "--offset", "30", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "holds 18" in err
    assert not out.exists()


def test_sync_window_without_overlap_is_refused(pair):
    _, ref, dis = pair
    with pytest.raises(pyvmafneg.SyncError) as info:
        pyvmafneg.find_offset(ref[:2], dis[:0], window=1)
    assert info.value.reference_frames == 2 and info.value.distorted_frames == 0
    with pytest.raises(pyvmafneg.SyncError):
        pyvmafneg.find_offset(ref, dis, window=-1)


def test_find_offset_on_files_of_different_sizes(tmp_path, pair):
    """Scaled frames when sizes differ: a half-size encode two frames late."""
    tmp, ref, dis = pair
    small = tmp_path / "small.y4m"
    from media_helpers import ffmpeg

    ffmpeg("-i", str(tmp / "ref.y4m"), "-vf", "select=gte(n\\,2),scale=88:72", "-strict", "-1",
           "-fps_mode", "passthrough", str(small))  # fmt: skip
    found = pyvmafneg.find_offset(tmp / "ref.y4m", small)
    assert found.offset == -2, found.describe()
