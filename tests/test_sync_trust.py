"""When the offset search can be trusted, and when a frame-count mismatch points to it.

An x264 encode that lost its first 3 frames: the frame-count error suggests the
search (``sync``) instead of a common prefix, and the search finds 3. Two
unrelated clips: the search's confidence is below ``MIN_SYNC_CONFIDENCE`` and it
is refused. With ``convert_bitdepth`` the search compares converted frames.
Scores are libvmaf's at test time on explicitly sliced frames.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from media_helpers import to_y4m, x264_pair

import pyvmafneg
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.errors import FrameCountMismatchError, OptionError, SyncUncertainError
from pyvmafneg.io import find_offset
from pyvmafneg.io._prepare import convert_frames
from pyvmafneg.io._sync import MIN_SYNC_CONFIDENCE

N = 18
LOST = 3


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("synctrust")
    ref, ref_path, dis = x264_pair(tmp, N)
    late = to_y4m(dis[LOST:], tmp / "late.y4m")  # the encode lost its first 3 frames
    other = to_y4m(natural_clip("coffee", frames=N, width=176, height=144), tmp / "other.y4m")
    return tmp, ref, dis, ref_path, late, other


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyvmafneg", *argv], capture_output=True, text=True, timeout=300
    )


def test_mismatch_suggests_sync_and_sync_finds_the_lost_frames(clips) -> None:
    _, ref, dis, ref_path, late, _ = clips
    with pytest.raises(FrameCountMismatchError) as info:
        pyvmafneg.score(ref_path, late, backend="libvmaf")
    exc = info.value
    assert exc.suggested_offset == -LOST
    assert "sync=True" in str(exc) and f"offset={-LOST}" in str(exc)
    assert "frames=" not in str(exc)
    got = pyvmafneg.score(ref_path, late, backend="libvmaf", sync=True)
    want = pyvmafneg.score(ref[LOST:], dis[LOST:], backend="libvmaf")
    np.testing.assert_array_equal(got["vmaf_neg"], want["vmaf_neg"])
    proc = cli("score", "-r", str(ref_path), "-d", str(late), "-q")
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert err.count("\n") == 0 and "--sync" in err and f"--offset {-LOST}" in err
    assert "--frames" not in err


def test_unrelated_clips_are_refused(clips) -> None:
    _, _, _, ref_path, _, other = clips
    found = find_offset(ref_path, other)
    assert found.confidence < MIN_SYNC_CONFIDENCE
    with pytest.raises(SyncUncertainError) as info:
        pyvmafneg.score(ref_path, other, sync=True)
    assert info.value.confidence == found.confidence and info.value.limit == MIN_SYNC_CONFIDENCE
    proc = cli("score", "-r", str(ref_path), "-d", str(other), "--sync", "-q")
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert err.count("\n") == 0 and "cannot be trusted" in err and "--offset N" in err


def test_unrelated_clips_of_different_lengths_keep_the_prefix_advice(clips, tmp_path) -> None:
    _, _, _, ref_path, _, _ = clips
    short_other = to_y4m(
        natural_clip("coffee", frames=N - 2, width=176, height=144), tmp_path / "o.y4m"
    )
    with pytest.raises(FrameCountMismatchError) as info:
        pyvmafneg.score(ref_path, short_other, backend="libvmaf")
    assert info.value.suggested_offset is None and "frames=" in str(info.value)


def test_sync_searches_after_converting_the_bit_depth(clips, tmp_path) -> None:
    _, ref, dis, ref_path, _, _ = clips
    late10 = to_y4m(list(convert_frames(dis[LOST:], 10)), tmp_path / "late10.y4m")
    found = find_offset(ref_path, late10, convert_bitdepth=10)
    assert found.offset == -LOST and found.confidence >= MIN_SYNC_CONFIDENCE
    assert found.psnr > 30
    got = pyvmafneg.score(ref_path, late10, backend="libvmaf", sync=True, convert_bitdepth=10)
    want = pyvmafneg.score(
        ref[LOST:], list(convert_frames(dis[LOST:], 10)), backend="libvmaf", convert_bitdepth=10
    )
    np.testing.assert_array_equal(got["vmaf_neg"], want["vmaf_neg"])


def test_sync_and_offset_exclude_each_other(clips) -> None:
    _, _, _, ref_path, late, _ = clips
    with pytest.raises(OptionError, match="not both"):
        pyvmafneg.score(ref_path, late, sync=True, offset=-3)
