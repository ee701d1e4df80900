"""Finding the frame offset between two clips: :func:`find_offset`.

A distorted stream that starts a few frames late or early (a dropped or
duplicated leading frame, a different trim) pairs every frame with the wrong
one. :func:`find_offset` tries every offset in a window and keeps the one
whose pairs have the highest PSNR of the luma (Y) plane, computed from the
mean squared error over all compared pairs::

    PSNR-Y = 10 log10(peak^2 / MSE),   peak = 2**bitdepth - 1

When the sizes differ, the distorted frames are scaled to the reference size
first, as for scoring (:func:`~pyvmafneg.io.prepare_pair`); with
``convert_bitdepth`` both clips are converted first, so samples of one scale
are compared.

The confidence is ``1 - MSE(best) / MSE(runner-up)``. Below
:data:`MIN_SYNC_CONFIDENCE` (0.5: the runner-up's error less than twice the
best's) the answer cannot be trusted, as for two unrelated clips or a still
scene: :func:`check_sync` refuses it (:class:`~pyvmafneg.errors.SyncUncertainError`)
and the caller must give the offset.

The offset follows :func:`pyvmafneg.score`'s ``offset``: ``N > 0`` drops the
first ``N`` distorted frames, ``N < 0`` the first ``-N`` reference frames.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._defaults import DEFAULT_SCALER
from ..errors import FrameCountMismatchError, SyncError, SyncUncertainError, VmafNegError
from ._frame import Frame, FrameLike, as_frame
from ._prepare import (
    check_bitdepth,
    check_scaler,
    check_size,
    convert_frames,
    plan_scaling,
    scale_frames,
)
from ._sources import VideoSource, open_video

__all__ = [
    "DEFAULT_SYNC_FRAMES",
    "DEFAULT_SYNC_WINDOW",
    "MIN_SYNC_CONFIDENCE",
    "SyncResult",
    "check_sync",
    "find_offset",
    "suggest_sync",
]

#: Largest offset tried either way, in frames.
DEFAULT_SYNC_WINDOW = 12
#: Frame pairs compared at each offset (from the start of the offset clips).
DEFAULT_SYNC_FRAMES = 48
#: Lowest confidence at which a found offset is used: the runner-up offset's mean
#: squared error must be at least twice the best one's.
MIN_SYNC_CONFIDENCE = 0.5
#: Frame pairs the quick search behind a frame-count mismatch compares.
QUICK_SYNC_FRAMES = 16
#: How much better (PSNR-Y, dB) the quick search's offset must fit than none for
#: a frame-count mismatch to suggest the offset search.
CLEARLY_BETTER_DB = 3.0


@dataclass(frozen=True)
class SyncResult:
    """The offset that best aligns two clips, and how sure the search is.

    Attributes
    ----------
    offset:
        Frames to drop: ``> 0`` from the distorted clip, ``< 0`` from the
        reference (pass it as ``offset=`` to :func:`pyvmafneg.score`).
    psnr:
        PSNR-Y in dB at that offset (``inf`` for identical luma).
    confidence:
        ``1 - MSE(best) / MSE(runner-up)``, in [0, 1]: 0 when another
        offset fits as well, 0.9 when the runner-up's mean squared error is
        ten times the best's. 1.0 when only the best offset matches exactly.
    runner_up:
        The second-best offset (None when only one offset could be compared).
    runner_up_psnr:
        Its PSNR-Y in dB (``nan`` when there is none).
    pairs:
        Frame pairs compared at the chosen offset.
    psnr_by_offset:
        Every offset tried -> its PSNR-Y in dB.
    """

    offset: int
    psnr: float
    confidence: float
    runner_up: int | None
    runner_up_psnr: float
    pairs: int
    psnr_by_offset: dict[int, float] = field(default_factory=dict)

    def describe(self) -> str:
        """One line: the offset, what it means, and how sure the search is."""
        if self.offset > 0:
            what = f"the first {self.offset} distorted frames dropped"
        elif self.offset < 0:
            what = f"the first {-self.offset} reference frames dropped"
        else:
            what = "the clips start together"
        text = (
            f"offset {self.offset:+d} ({what}): PSNR-Y {self.psnr:.2f} dB over {self.pairs} pairs"
        )
        if self.runner_up is not None:
            text += f", next best {self.runner_up:+d} at {self.runner_up_psnr:.2f} dB"
        return f"{text}; confidence {self.confidence:.2f}"


def _read(clip: Any, count: int, bitdepth: int | None) -> list[Frame]:
    if isinstance(clip, VideoSource):
        clip = open_video(
            clip.path,
            width=clip.width,
            height=clip.height,
            pixel_format=clip.pixel_format,
            bitdepth=clip.bitdepth,
            kind=clip.kind,
        )
    elif isinstance(clip, (str, bytes, os.PathLike)):
        clip = open_video(os.fsdecode(clip))
    out: list[Frame] = []
    for frame in clip:
        if len(out) == count:
            break
        out.append(as_frame(frame, bitdepth=bitdepth))
    return out


def _mse(a: np.ndarray, b: np.ndarray) -> float:
    d = a.astype(np.float64) - b.astype(np.float64)
    flat = d.ravel()
    return float(flat @ flat) / flat.size


def find_offset(
    reference: str | os.PathLike[str] | VideoSource | Iterable[FrameLike],
    distorted: str | os.PathLike[str] | VideoSource | Iterable[FrameLike],
    *,
    window: int = DEFAULT_SYNC_WINDOW,
    frames: int = DEFAULT_SYNC_FRAMES,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | str | None = None,
    bitdepth: int | None = None,
    convert_bitdepth: int | None = None,
) -> SyncResult:
    """Find the frame offset that maximises PSNR-Y between two clips.

    Parameters
    ----------
    reference, distorted:
        Paths, opened videos (re-opened from their file, so they stay
        unread) or iterables of frames.
    window:
        Largest offset tried either way, in frames (>= 0); offsets
        ``-window .. +window`` are compared.
    frames:
        Frame pairs compared at each offset (>= 1), from the start of the
        offset clips; fewer when a clip is shorter.
    scale, size:
        How to bring differing sizes to one, as for :func:`pyvmafneg.score`.
    bitdepth:
        How to read bare ``uint16`` arrays.
    convert_bitdepth:
        Convert both clips to this many bits first, as scoring does; clips
        of different bit depths are refused without it.

    Returns
    -------
    SyncResult
        The best offset (ties go to the smallest ``|offset|``), its PSNR-Y and a
        confidence.

    Raises
    ------
    SyncError
        Bad window or frame count, clips of different bit depths without
        ``convert_bitdepth``, or no offset in the window leaves a pair of
        frames to compare.
    """
    window, frames = int(window), int(frames)
    if window < 0 or frames < 1:
        raise SyncError(
            f"the offset search needs window >= 0 and frames >= 1; got window={window}, "
            f"frames={frames}",
            window=window,
            frames=frames,
        )
    check_scaler(scale)
    check_size(size)
    depth = check_bitdepth(convert_bitdepth)
    need = frames + window
    ref = _read(reference, need, bitdepth)
    dis = _read(distorted, need, bitdepth)
    if depth is not None:
        ref, dis = list(convert_frames(ref, depth)), list(convert_frames(dis, depth))
    if ref and dis and ref[0].bitdepth != dis[0].bitdepth:
        raise SyncError(
            f"the reference is {ref[0].bitdepth}-bit but the distorted clip "
            f"{dis[0].bitdepth}-bit; their samples cannot be compared",
            advice="search with {convert_bitdepth} to convert both first",
            options={"convert_bitdepth": max(ref[0].bitdepth, dis[0].bitdepth)},
            window=window,
            frames=frames,
            reference_frames=len(ref),
            distorted_frames=len(dis),
        )
    if ref and dis:
        plan = plan_scaling(ref[0].shape[::-1], dis[0].shape[::-1], scale=scale, size=size)
        if plan is not None:
            if plan.scales_reference:
                ref = list(scale_frames(ref, plan.width, plan.height, scale=plan.scaler))
            if plan.scales_distorted:
                dis = list(scale_frames(dis, plan.width, plan.height, scale=plan.scaler))
        if ref[0].shape != dis[0].shape:
            raise SyncError(
                f"the reference is {ref[0].width}x{ref[0].height} but the distorted clip is "
                f"{dis[0].width}x{dis[0].height} and scale is None; frames of different sizes "
                "cannot be compared",
                window=window,
                frames=frames,
                reference_frames=len(ref),
                distorted_frames=len(dis),
            )
    peak = float((1 << (ref[0].bitdepth if ref else 8)) - 1)
    mse_by_offset: dict[int, float] = {}
    pairs_by_offset: dict[int, int] = {}
    cache: dict[tuple[int, int], float] = {}
    for offset in sorted(range(-window, window + 1), key=lambda o: (abs(o), -o)):
        r0, d0 = max(-offset, 0), max(offset, 0)
        n = min(frames, len(ref) - r0, len(dis) - d0)
        if n < 1:
            continue
        total = 0.0
        for i in range(n):
            key = (r0 + i, d0 + i)
            if key not in cache:
                cache[key] = _mse(ref[key[0]].luma, dis[key[1]].luma)
            total += cache[key]
        mse_by_offset[offset] = total / n
        pairs_by_offset[offset] = n
    if not mse_by_offset:
        raise SyncError(
            f"no offset within +-{window} frames leaves a pair to compare: the reference "
            f"yielded {len(ref)} frames and the distorted clip {len(dis)}",
            window=window,
            frames=frames,
            reference_frames=len(ref),
            distorted_frames=len(dis),
        )

    def psnr(mse: float) -> float:
        return math.inf if mse == 0 else 10.0 * math.log10(peak * peak / mse)

    ranked = sorted(mse_by_offset, key=lambda o: (mse_by_offset[o], abs(o), -o))
    best = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    if runner is None:
        confidence = 0.0
    else:
        mse_best, mse_next = mse_by_offset[best], mse_by_offset[runner]
        confidence = 0.0 if mse_next == 0 else 1.0 - mse_best / mse_next
    return SyncResult(
        offset=best,
        psnr=psnr(mse_by_offset[best]),
        confidence=float(confidence),
        runner_up=runner,
        runner_up_psnr=math.nan if runner is None else psnr(mse_by_offset[runner]),
        pairs=pairs_by_offset[best],
        psnr_by_offset={o: psnr(m) for o, m in sorted(mse_by_offset.items())},
    )


def check_sync(found: SyncResult, *, limit: float = MIN_SYNC_CONFIDENCE) -> SyncResult:
    """Return ``found`` if its confidence reaches ``limit``, else refuse it.

    Raises
    ------
    SyncUncertainError
        The best offset fits hardly better than the runner-up (two unrelated
        clips, a still scene, a window that misses the real offset): its
        answer cannot be trusted, and the caller must give the offset.
    """
    if found.confidence >= limit:
        return found
    raise SyncUncertainError(
        f"the offset search cannot be trusted: {found.describe()}, below the "
        f"{limit:.2f} it needs (the clips may be unrelated or nearly still)",
        advice="give the offset yourself with {offset} if you know it",
        options={"offset": ...},
        offset=found.offset,
        confidence=found.confidence,
        limit=limit,
    )


def suggest_sync(
    exc: FrameCountMismatchError,
    reference: Any,
    distorted: Any,
    *,
    offset: int = 0,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | str | None = None,
    convert_bitdepth: int | None = None,
) -> FrameCountMismatchError:
    """``exc``, or the same error advising the offset search where it finds a clear answer.

    A quick search (:data:`QUICK_SYNC_FRAMES` pairs, offsets within
    :data:`DEFAULT_SYNC_WINDOW`) runs on clips that can be read again (paths
    or opened videos) when no offset was given. Where it finds an offset
    other than 0 with confidence at least :data:`MIN_SYNC_CONFIDENCE` that fits
    :data:`CLEARLY_BETTER_DB` better than none, the advice is the search
    (``sync``) and that offset, instead of scoring a common prefix.
    """
    reopenable = (str, os.PathLike, VideoSource)
    if offset or not (isinstance(reference, reopenable) and isinstance(distorted, reopenable)):
        return exc
    try:
        found = find_offset(
            reference,
            distorted,
            frames=QUICK_SYNC_FRAMES,
            scale=scale,
            size=size,
            convert_bitdepth=convert_bitdepth,
        )
    except (VmafNegError, OSError, ValueError):
        return exc
    unshifted = found.psnr_by_offset.get(0, -math.inf)
    if (
        found.offset == 0
        or found.confidence < MIN_SYNC_CONFIDENCE
        or not found.psnr >= unshifted + CLEARLY_BETTER_DB
    ):
        return exc
    new = FrameCountMismatchError(
        f"{exc.message}; the clips line up best {abs(found.offset)} frames apart "
        f"({found.describe()}; {unshifted:.2f} dB unshifted)",
        advice="let {sync} find the offset, or pass {offset}",
        options={"sync": True, "offset": found.offset},
        reference_frames=exc.reference_frames,
        distorted_frames=exc.distorted_frames,
        common=exc.common,
        requested=exc.requested,
        suggested_offset=found.offset,
    )
    return new
