"""Plan a title's segments: frame ranges, the padded reads, one picklable task each.

How a segment stays exact
-------------------------
Every feature but motion is computed from one frame pair alone. Motion
(libvmaf's ``integer_motion``, see :mod:`pyvmafneg.engines.reference._motion`)
uses the reference frames around a frame:

* ``sad_i`` compares frame ``i`` with frame ``i-1`` (``sad_0 = 0``);
* ``motion2_i = min(sad_i, sad_{i+1})``, except ``motion2_0 = 0`` and, at the
  last frame ``N-1`` of the title, ``motion2_{N-1} = sad_{N-1}``;
* ``motion3_i`` is the blended ``motion2_i``; frame 0 takes the blended
  ``sad_1``.

The model scores of frame ``i`` depend on ``motion2_i``. So a segment owning
frames ``a .. b-1`` is scored over ``a-1 .. b`` (clamped to the title): with
frame ``a-1`` in front, ``sad_a`` is the title's; with frame ``b`` behind,
``motion2_{b-1} = min(sad_{b-1}, sad_b)`` is the title's; and a segment
that starts at 0 or ends at ``N`` meets the title's own first/last-frame
rules. libvmaf then computes every feature and model score of frames
``a .. b-1`` exactly as one uninterrupted run does; the values of the two
borrowed frames are dropped. Pooled scores are computed over the stitched
title, so they are the same doubles too. The price is up to two extra
frames scored per segment (see ``docs/segments.md``).

What else a segment can do exactly
----------------------------------
* ``offset``: title frame ``i`` pairs reference frame ``i + max(-offset, 0)``
  with distorted frame ``i + max(offset, 0)``, so each side's ranges are
  shifted by its own count of dropped frames; motion sees the title's frames
  only, as in one pass.
* ``scale``, ``size``, ``convert_bitdepth``: libswscale works on one frame
  at a time, so each segment prepares its frames with the same io wrappers
  (:func:`pyvmafneg.io.prepare_pair`) as one pass does.
* ``features``: every extra extractor offered (``psnr``, ``ssim``,
  ``ms_ssim``, ``ciede``, ``psnr_hvs``, ``cambi``) computes a frame from that
  pair alone in libvmaf 3.2 (CAMBI included: scored on a cut of a clip it
  gives the uncut clip's values, see ``tests/test_segments_options.py``).
* ``subsample=N``: libvmaf scores the pictures whose index in its own run
  is a multiple of ``N`` and shows every picture to motion. A segment's
  read therefore starts on a multiple of ``N`` (up to ``N - 1`` frames
  earlier than its first frame, read for motion only), so its own indices
  and the title's agree on which frames are scored.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._defaults import DEFAULT_SCALER
from ..engines._features import FeatureSpec
from ..engines._models import ModelSpec
from ..errors import OptionError, SegmentError
from ..io._conform import DEINTERLACERS
from ..io._ranges import FrameRange, locate_ranges, split_evenly
from ..io._sources import VideoSource, open_video

__all__ = ["BACKENDS", "FRAME_LOCAL_FEATURES", "SegmentTask", "plan_ranges", "plan_segments"]

#: Backends that can score a segment (they read frames, not whole files).
BACKENDS: tuple[str, ...] = ("native", "native+libvmaf", "libvmaf", "reference")
#: libvmaf extractors that compute a frame from that pair alone (checked by
#: scoring cuts of a clip against the whole clip), so segments take them.
FRAME_LOCAL_FEATURES: frozenset[str] = frozenset(
    {"psnr", "float_ssim", "float_ms_ssim", "ciede", "psnr_hvs", "cambi"}
)


@dataclass(frozen=True)
class SegmentTask:
    """One segment: frames ``start .. stop-1`` of the title and how to score them.

    ``reference`` and ``distorted`` are the padded ranges actually read
    (one frame more on each side where the title has one; with
    ``subsample``, from the title frame ``read_from``, a multiple of it), in
    each file's own frame numbers (shifted by an offset); plain data,
    picklable, so the task can run in another process or on another machine.
    """

    index: int
    start: int
    stop: int
    reference: FrameRange
    distorted: FrameRange
    models: tuple[ModelSpec, ...]
    backend: str
    threads: int
    clip: bool
    transform: bool | None
    key: str = ""
    scale: str | None = DEFAULT_SCALER
    size: tuple[int, int] | None = None
    features: tuple[str, ...] = ()
    convert_bitdepth: int | None = None
    subsample: int = 1
    read_from: int = 0
    filters: tuple[tuple[str, str, int, int], ...] = ()
    model_intervals: bool = False

    @property
    def frames(self) -> int:
        """Frames this segment contributes to the title."""
        return self.stop - self.start

    @property
    def scored(self) -> list[int]:
        """Title numbers of the frames of this segment that are scored (every ``subsample``-th)."""
        n = self.subsample
        return list(range(-(-self.start // n) * n, self.stop, n))


def as_source(clip: Any, raw: dict[str, Any], role: str) -> VideoSource:
    if isinstance(clip, VideoSource):
        return clip
    if isinstance(clip, (str, bytes, os.PathLike)):
        return open_video(os.fsdecode(clip), **raw)
    raise OptionError(
        f"scoring in segments reads the {role} video by frame ranges from its file; give a "
        f"path or an opened video (pyvmafneg.open_video), not {type(clip).__name__}"
    )


def plan_ranges(
    frames: int, *, segments: int | None = None, segment_frames: int | None = None
) -> list[tuple[int, int]]:
    """Split ``frames`` frames into contiguous ``(start, stop)`` ranges.

    Give exactly one of ``segments`` (that many ranges, lengths differing by
    at most one) or ``segment_frames`` (ranges of that many frames, the last
    one shorter). Raises :class:`~pyvmafneg.errors.SegmentError` when there
    are more segments than frames.
    """
    if (segments is None) == (segment_frames is None):
        raise SegmentError(
            "give either segments (how many) or segment_frames (how long), not both",
            segments=segments,
            segment_frames=segment_frames,
            frames=frames,
        )
    if segments is not None:
        if isinstance(segments, bool) or not isinstance(segments, int) or segments < 1:
            raise SegmentError(
                f"segments must be a whole number of at least 1; got {segments!r}",
                segments=segments,
                frames=frames,
            )
        if segments > frames:
            raise SegmentError(
                f"{segments} segments were asked for but the title has only {frames} frames; "
                f"use at most {frames} segments (one frame each)",
                segments=segments,
                frames=frames,
            )
        return split_evenly(frames, segments)
    assert segment_frames is not None
    length = segment_frames
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise SegmentError(
            f"segment_frames must be a whole number of at least 1; got {segment_frames!r}",
            segment_frames=segment_frames,
            frames=frames,
        )
    return [(a, min(a + segment_frames, frames)) for a in range(0, frames, segment_frames)]


def plan_segments(
    reference: VideoSource,
    distorted: VideoSource,
    ranges: Sequence[tuple[int, int]],
    *,
    frames: int,
    models: Sequence[ModelSpec],
    backend: str = "libvmaf",
    threads: int = 0,
    clip: bool = True,
    transform: bool | None = None,
    offset: int = 0,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | None = None,
    features: Sequence[FeatureSpec] = (),
    convert_bitdepth: int | None = None,
    subsample: int = 1,
    filters: tuple[tuple[str, str, int, int], ...] = (),
    model_intervals: bool = False,
) -> list[SegmentTask]:
    """One :class:`SegmentTask` per range, reading one frame more on each side the title has.

    With a deinterlacer in ``filters`` (role, FFmpeg chain, width, height),
    two frames more on each side: the borrowed frame is deinterlaced from
    its own neighbours, as in one pass.

    ``ranges`` and ``frames`` count title frames (after ``offset``); each
    side's read is shifted by the frames the offset drops from it. With
    ``subsample=N`` a read starts on a multiple of ``N``.
    """
    # A deinterlaced frame depends on its neighbours: the borrowed frames need theirs too.
    context = 2 if any(graph.startswith(DEINTERLACERS) for _, graph, *_ in filters) else 1
    padded = [(_read_from(a, subsample, context), min(frames, b + context)) for a, b in ranges]
    ref_shift, dis_shift = max(-offset, 0), max(offset, 0)
    refs = locate_ranges(reference, [(a + ref_shift, b + ref_shift) for a, b in padded])
    diss = locate_ranges(distorted, [(a + dis_shift, b + dis_shift) for a, b in padded])
    extra = tuple(f.describe() for f in features)
    return [
        SegmentTask(
            i,
            a,
            b,
            r,
            d,
            tuple(models),
            backend,
            threads,
            clip,
            transform,
            scale=scale,
            size=size,
            features=extra,
            convert_bitdepth=convert_bitdepth,
            subsample=subsample,
            read_from=read[0],
            filters=filters,
            model_intervals=model_intervals,
        )  # fmt: skip
        for i, ((a, b), read, r, d) in enumerate(zip(ranges, padded, refs, diss, strict=True))
    ]


def _read_from(start: int, subsample: int, context: int = 1) -> int:
    """Title frame a segment starting at ``start`` reads from.

    ``context`` frames before ``start`` (motion needs one; a deinterlaced
    one needs its own previous frame as well), moved back to a multiple of
    ``subsample`` so the segment scores the title's frames.
    """
    if start == 0:
        return 0
    return max(0, start - context) // subsample * subsample
