"""The check's frame evidence read sparsely, and gathered in the scoring pass.

A long clip's evidence (48 of its frames) is the evidence of those frames taken out
explicitly, bit for bit; the frames not measured are never read into NumPy. ``score
--check`` and ``compare`` gather the evidence from the frames as scored: the report is the
one the second reading of the videos gives, for a plain, a scaled and a 10-bit pair.
Clips are made and x264-encoded at test time (176x144, the FFmpeg imageio-ffmpeg ships);
libvmaf's scores are computed at test time. Nothing of an x264 encode is hard-coded.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from media_helpers import ProjectionCounter, clip, encode, to_y4m, to_yuv

from pyvmafneg import score
from pyvmafneg.cli import main
from pyvmafneg.cli import score as score_command
from pyvmafneg.io._frame import SKIPPED
from pyvmafneg.io._prepare import scale_frame
from pyvmafneg.io._sources import open_video
from pyvmafneg.verdict import _projection
from pyvmafneg.verdict._check import check
from pyvmafneg.verdict._projection import (
    LEVELS,
    EvidenceTap,
    evidence_frames,
    evidence_tap,
    frame_sums,
    gathering,
    measure_projection,
)

FRAMES = 60  # more than the 48 the evidence measures


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("passes")
    ref = clip(FRAMES)
    ref_y4m = to_y4m(ref, d / "ref.y4m")
    ten_y4m = to_y4m(clip(FRAMES, bitdepth=10), d / "ten.y4m")
    return {
        "ref": ref_y4m,
        "ref_yuv": to_yuv(ref, d / "ref.yuv"),
        "plain": encode(ref_y4m, d / "plain.mkv", crf=30),
        # a ladder rung: encoded at another resolution, scaled back when scored
        "scaled": encode(ref_y4m, d / "scaled.mp4", crf=26, extra=("-vf", "scale=128:96")),
        "ten_ref": ten_y4m,
        "ten": encode(ten_y4m, d / "ten.mkv", crf=28, pix_fmt="yuv420p10le"),
    }


#: name -> (reference key, encode key).
PAIRS = {"plain": ("ref", "plain"), "scaled": ("ref", "scaled"), "ten": ("ten_ref", "ten")}


@pytest.mark.parametrize("kind", ["ref", "ref_yuv", "plain"])
def test_a_sparse_reading_keeps_the_frames_asked_for_and_skips_the_rest(
    media: dict[str, Path], kind: str
) -> None:
    def opened():  # type: ignore[no-untyped-def]
        return open_video(media[kind], width=176, height=144)

    keep = set(evidence_frames(range(FRAMES), most=7))
    every = list(opened())
    sparse = list(opened().frames_where(lambda i: i in keep))
    assert len(sparse) == len(every) == FRAMES
    for i, (whole, got) in enumerate(zip(every, sparse, strict=True)):
        if i not in keep:
            assert got is SKIPPED
            continue
        assert got is not SKIPPED and got.bitdepth == whole.bitdepth
        for a, b in zip(whole.planes, got.planes, strict=True):
            np.testing.assert_array_equal(a, b)


def _explicit(ref: Path, enc: Path, picks: list[int]) -> np.ndarray:
    """The evidence of ``picks`` from every frame read, the encode scaled to the reference's
    size frame by frame: the sums added in the order measure_projection adds them."""
    refs, encs = list(open_video(ref)), list(open_video(enc))
    total = np.zeros((LEVELS + 1, 9))
    for i in picks:
        r, e = refs[i], encs[i]
        if e.shape != r.shape:
            e = scale_frame(e, r.width, r.height, scale="bicubic")
        total += frame_sums(r.luma, e.luma, r.bitdepth)
    return total


@pytest.mark.parametrize("pair", list(PAIRS))
def test_a_long_clips_evidence_is_that_of_its_selected_frames(
    media: dict[str, Path], pair: str
) -> None:
    ref, enc = (media[k] for k in PAIRS[pair])
    picks = evidence_frames(range(FRAMES))
    assert len(picks) == 48 and picks[-1] == FRAMES - 1
    found = measure_projection(ref, enc, only=picks)
    assert found.frames == 48 and found.pairs == FRAMES and found.size == (176, 144)
    np.testing.assert_array_equal(found.sums, _explicit(ref, enc, picks))  # bit for bit


def test_pairs_not_measured_are_never_scaled(
    media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyvmafneg.io import _prepare

    calls = [0]
    real = _prepare._Scaler.__call__

    def counted(self, frame):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return real(self, frame)

    monkeypatch.setattr(_prepare._Scaler, "__call__", counted)
    picks = [0, 17, 40]
    measure_projection(media["ref"], media["scaled"], only=picks)
    assert calls[0] == len(picks)  # 41 frames decoded, 3 scaled


def _cli(ref: Path, enc: Path, *extra: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["score", "-r", str(ref), "-d", str(enc), "--json", "--check", *extra])
    assert code in (0, 1)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("pair", list(PAIRS))
@pytest.mark.parametrize("extra", [(), ("--subsample", "2"), ("--offset", "1", "--frames", "50")])
def test_score_check_says_what_the_second_reading_says(
    media: dict[str, Path], pair: str, extra: tuple[str, ...]
) -> None:
    ref, enc = (media[k] for k in PAIRS[pair])
    counter = ProjectionCounter()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_projection, "measure_projection", counter)
        one_pass = _cli(ref, enc, *extra)
        assert counter.calls == 0  # gathered as the pair was scored
        mp.setattr(score_command, "_evidence_tap", lambda *a: None)
        two_passes = _cli(ref, enc, *extra)
        assert counter.calls == 1  # read again from the videos
    assert one_pass["frame_evidence"] is not None
    assert one_pass == two_passes


@pytest.mark.parametrize("pair", list(PAIRS))
def test_a_run_scored_with_a_tap_checks_as_check_with_its_videos(
    media: dict[str, Path], pair: str
) -> None:
    ref, enc = (media[k] for k in PAIRS[pair])
    tap = evidence_tap(open_video(ref), open_video(enc))
    assert tap is not None and tap.only == evidence_frames(range(FRAMES))
    with gathering(tap):
        result = score(open_video(ref), open_video(enc))
    gathered = tap.projection(result.frames)
    assert gathered is not None
    again = measure_projection(ref, enc, only=evidence_frames(result.frames))
    np.testing.assert_array_equal(gathered.sums, again.sums)
    assert (gathered.frames, gathered.size, gathered.pairs) == (
        again.frames,
        again.size,
        again.pairs,
    )
    assert (
        check(result, projection=gathered).as_dict() == check(result, videos=(ref, enc)).as_dict()
    )


def test_a_tap_that_did_not_see_the_run_it_planned_for_gives_nothing(
    media: dict[str, Path],
) -> None:
    planned = EvidenceTap(evidence_frames(range(FRAMES - 4)))  # a wrong count
    with gathering(planned):
        result = score(open_video(media["ref"]), open_video(media["plain"]))
    assert planned.projection(result.frames) is None
    unseen = EvidenceTap(evidence_frames(range(FRAMES)))  # not shown the run
    result = score(open_video(media["ref"]), open_video(media["plain"]))
    assert unseen.projection(result.frames) is None
    # a run that feeds no pairs in this process (FFmpeg) shows the tap nothing
    ffmpeg = EvidenceTap(evidence_frames(range(FRAMES)))
    with gathering(ffmpeg):
        result = score(str(media["ref"]), str(media["plain"]), backend="ffmpeg")
    assert ffmpeg.projection(result.frames) is None
