"""Video sources: open a file of any supported kind and yield frames lazily.

:func:`open_video` detects the kind from the file itself:

* ``'y4m'``: starts with the ``YUV4MPEG2`` magic (size, format, bit depth,
  frame rate and colour range come from its header);
* ``'raw'``: planar YUV named ``*.yuv`` (also ``.raw``/``.bin``), which needs
  its size, pixel format and bit depth from the caller;
* ``'container'``: anything else, decoded in-process by PyAV (mp4, mkv,
  webm, ivf, ...) at the stream's own bit depth and subsampling.

Readers know nothing of scoring. :func:`match_sources` checks that two
sources can be scored together and returns the warnings worth printing.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .._outputs import missing
from ..errors import (
    FormatMismatchError,
    FrameCountMismatchError,
    InputFileError,
    OptionError,
    RawGeometryError,
    RawLayoutWarning,
    SizeMismatchError,
)
from ._frame import SKIPPED, Frame, _Skipped, normalize_pixel_format
from ._rawyuv import count_frames, layout_warning, read_yuv, read_yuv_sparse

__all__ = [
    "VideoSource",
    "detect_kind",
    "known_frame_count",
    "match_sources",
    "open_video",
]

#: File name endings read as raw planar YUV.
RAW_EXTENSIONS: tuple[str, ...] = (".yuv", ".raw", ".bin")


@dataclass
class VideoSource:
    """An opened video: its geometry, timing and a lazy frame iterator.

    Attributes
    ----------
    path, kind:
        The file and its kind: ``'raw'``, ``'y4m'`` or ``'container'``.
    width, height:
        Luma size in pixels.
    pixel_format, bitdepth:
        ``'420'``/``'422'``/``'444'``/``'400'`` and 8/10/12/16 bits.
    frame_count:
        Frames in the file; None when it cannot be known without decoding.
    fps:
        Frames per second; None when the file does not say (raw YUV).
    color_range:
        ``'full'`` or ``'limited'``; None when the file does not say.
    codec:
        The decoder's name for containers (e.g. ``'h264'``), else ``''``.
    field_order:
        ``'progressive'``, ``'tff'`` or ``'bff'`` (interlaced, top or bottom
        field first), from the stream or the Y4M header; None when the file
        does not say (raw YUV).
    """

    path: str
    kind: str
    width: int
    height: int
    pixel_format: str
    bitdepth: int
    frame_count: int | None = None
    fps: float | None = None
    color_range: str | None = None
    codec: str = ""
    field_order: str | None = None
    _frames: Iterator[Frame] | None = field(default=None, repr=False)
    #: Makes the sparse reading of :meth:`frames_where` (None: the frames are filtered).
    _sparse: Callable[[Callable[[int], bool]], Iterator[Any]] | None = field(
        default=None, repr=False
    )

    def __iter__(self) -> Iterator[Frame]:
        if self._frames is None:
            raise InputFileError(
                f"{self.path!r} has already been read once; open it again", path=self.path
            )
        frames, self._frames, self._sparse = self._frames, None, None
        return frames

    def frames_where(self, keep: Callable[[int], bool]) -> Iterator[Frame | _Skipped]:
        """The frames, with :data:`~pyvmafneg.io._frame.SKIPPED` in place of each frame whose
        index (0-based) ``keep`` rejects; reads the source as iterating it does (once).

        A rejected frame is never read into NumPy: a container's is decoded (the next
        frames may need it) but neither converted nor copied, a raw or Y4M file's bytes
        are passed over. A source that is filtered as it is read (deinterlaced, cropped,
        converted in frame rate) yields every frame and drops the rejected ones after.
        """
        sparse = self._sparse
        frames = iter(self)
        if sparse is not None:
            return sparse(keep)
        return (f if keep(i) else SKIPPED for i, f in enumerate(frames))

    def count_frames(self) -> int | None:
        """``frame_count``, or for a container that does not record it, its packets counted.

        Matroska, WebM, IVF ... store no count: the file is demultiplexed
        without decoding, one packet per frame. None when it cannot be known.
        """
        return known_frame_count(self)

    def describe(self) -> str:
        """E.g. ``'176x144 420 8-bit, 8 frames, 25 fps'``."""
        n = "?" if self.frame_count is None else str(self.frame_count)
        text = f"{self.width}x{self.height} {self.pixel_format} {self.bitdepth}-bit, {n} frames"
        if self.fps:
            text += f", {self.fps:g} fps"
        return text


def detect_kind(path: str | os.PathLike[str]) -> str:
    """``'y4m'`` (by its magic), ``'raw'`` (by extension) or ``'container'``."""
    from ._y4m import is_y4m

    if is_y4m(path):
        return "y4m"
    if os.fspath(path).lower().endswith(RAW_EXTENSIONS):
        return "raw"
    return "container"


def open_video(
    path: str | os.PathLike[str],
    *,
    width: int | None = None,
    height: int | None = None,
    pixel_format: str | None = None,
    bitdepth: int | None = None,
    kind: str | None = None,
    interlaced: bool = False,
) -> VideoSource:
    """Open a video file for reading frames.

    Raw YUV needs ``width`` and ``height``; its ``pixel_format`` defaults to
    420 and ``bitdepth`` to 8. For Y4M and containers the geometry comes
    from the file and these arguments are ignored. ``kind`` forces
    ``'raw'``, ``'y4m'`` or ``'container'`` instead of detecting it.
    ``interlaced`` opens a Y4M file whose header says it is interlaced
    (``It``, ``Ib``), to be deinterlaced (its ``field_order`` says which);
    without it such a file is refused.

    Raises :class:`~pyvmafneg.errors.InputFileError` (or its subclasses) for
    missing, empty, truncated or undecodable files.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InputFileError(f"{path!r} {missing(path)}", path=path)
    if os.path.isdir(path):
        raise InputFileError(f"{path!r} is a directory, not a video file", path=path)
    if os.path.getsize(path) == 0:
        raise InputFileError(
            f"{path!r} is empty (0 bytes): the run that wrote it failed or has not finished; "
            "re-create it or give another file",
            path=path,
        )
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputFileError(
            f"cannot read {path!r}: {exc.strerror or exc}; check its permissions "
            "(e.g. chmod +r) or copy it somewhere readable",
            path=path,
        ) from None
    if kind is None:
        kind = detect_kind(path)
        if kind != "y4m" and path.lower().endswith(".y4m"):
            raise InputFileError(
                f"{path!r} is named .y4m but does not start with the Y4M header 'YUV4MPEG2 "
                "W.. H..'; the header is missing or damaged: re-create the file (e.g. ffmpeg "
                "-i SOURCE -strict -1 OUT.y4m)",
                path=path,
            )
    if kind == "raw":
        return _open_raw(path, width, height, pixel_format, bitdepth)
    if kind == "y4m":
        return _open_y4m(path, interlaced)
    if kind == "container":
        return _open_container(path)
    raise InputFileError(f"unknown input kind {kind!r}; use 'raw', 'y4m' or 'container'")


def _open_raw(
    path: str,
    width: int | None,
    height: int | None,
    pixel_format: str | None,
    bitdepth: int | None,
) -> VideoSource:
    if not width or not height:
        raise RawGeometryError(
            f"{path!r} is raw YUV, which does not record its size",
            advice="give its size ({width}, {height}) and, unless it is 8-bit 4:2:0, its "
            "{pixel_format} and {bitdepth}",
            options=dict.fromkeys(("width", "height", "pixel_format", "bitdepth"), ...),
            path=path,
        )
    fmt = normalize_pixel_format(pixel_format or "420")
    bd = int(bitdepth or 8)
    n = count_frames(path, width, height, fmt, bd)
    doubt = layout_warning(path, width, height, fmt, bd)
    if doubt is not None:
        warnings.warn(doubt, RawLayoutWarning, stacklevel=3)
    return VideoSource(
        path=path,
        kind="raw",
        width=width,
        height=height,
        pixel_format=fmt,
        bitdepth=bd,
        frame_count=n,
        _frames=read_yuv(path, width, height, fmt, bd),
        _sparse=lambda keep: read_yuv_sparse(path, keep, width, height, fmt, bd),
    )


def _open_y4m(path: str, interlaced: bool = False) -> VideoSource:
    from ._y4m import count_y4m_frames, read_y4m, read_y4m_header, read_y4m_sparse

    info = read_y4m_header(path, interlaced=interlaced)
    n = count_y4m_frames(path, info)
    if n == 0:
        raise InputFileError(
            f"{path!r} is a Y4M file with a header but no frames: the run that wrote it failed "
            "or has not finished; re-create it",
            path=path,
        )
    return VideoSource(
        path=path,
        kind="y4m",
        width=info.width,
        height=info.height,
        pixel_format=info.pixel_format,
        bitdepth=info.bitdepth,
        frame_count=n,
        fps=float(info.fps) if info.fps else None,
        color_range=info.color_range,
        field_order=info.field_order,
        _frames=read_y4m(path, info=info, check_range=True),
        _sparse=lambda keep: read_y4m_sparse(path, keep, info=info, check_range=True),
    )


def _open_container(path: str) -> VideoSource:
    from ._decode import decode_frames, decode_sparse, probe

    info = probe(path)
    return VideoSource(
        path=path,
        kind="container",
        width=info.width,
        height=info.height,
        pixel_format=info.pixel_format,
        bitdepth=info.bitdepth,
        frame_count=info.frame_count,
        fps=info.fps,
        color_range=info.color_range,
        codec=info.codec,
        field_order=info.field_order,
        _frames=decode_frames(path, expect=info),
        _sparse=lambda keep: decode_sparse(path, keep, expect=info),
    )


def known_frame_count(source: VideoSource) -> int | None:
    """The source's frame count, counting container packets when not recorded.

    For containers that do not store a count (Matroska, WebM, IVF ...) this
    demultiplexes the file without decoding, one packet per frame.
    """
    if source.frame_count is not None:
        return source.frame_count
    if source.kind == "container":
        from ._decode import count_packets

        return count_packets(source.path) or None
    return None


def match_sources(
    reference: VideoSource,
    distorted: VideoSource,
    *,
    frames: int | None = None,
    scale: str | None = None,
    size: tuple[int, int] | str | None = None,
    offset: int = 0,
    convert_bitdepth: int | None = None,
    scalable: bool = True,
) -> list[str]:
    """Check that two sources can be scored together; return warnings.

    Raises :class:`~pyvmafneg.errors.FrameMismatchError` when sizes differ
    and ``scale`` is None (with a scaling algorithm, the distorted clip is
    scaled to the reference size, see :func:`~pyvmafneg.io.prepare_pair`),
    when pixel formats differ or bit depths differ without
    ``convert_bitdepth`` (the depth both are converted to), or when the frame counts left
    after ``offset`` differ and ``frames`` (score only the first N frames of
    both) is not given or asks for more frames than a file holds. Returns
    human-readable warnings for differing frame rates or colour ranges,
    which do not stop scoring. ``scalable=False`` (a caller that cannot
    scale, as explaining does) keeps the advice for differing sizes to
    scaling the video beforehand.
    """
    from ._prepare import check_bitdepth, offset_counts, plan_scaling

    ref, dis = reference, distorted
    plan = plan_scaling((ref.width, ref.height), (dis.width, dis.height), scale=scale, size=size)
    if plan is None and (ref.width, ref.height) != (dis.width, dis.height):
        manual = (
            "scale the distorted video to the reference size first, e.g. ffmpeg -i DIST "
            f"-vf scale={ref.width}:{ref.height}:flags=bicubic -c:v ffv1 scaled.mkv"
        )
        raise SizeMismatchError(
            f"reference {ref.path!r} is {ref.width}x{ref.height} but distorted {dis.path!r} "
            f"is {dis.width}x{dis.height}; VMAF compares the two pixel by pixel at one size",
            advice=f"score with {{scale}} to scale it in-process, or {manual}"
            if scalable
            else manual,
            options={"scale": "bicubic"} if scalable else None,
            reference_size=(ref.width, ref.height),
            distorted_size=(dis.width, dis.height),
        )
    depth = check_bitdepth(convert_bitdepth)
    if ref.pixel_format != dis.pixel_format or (depth is None and ref.bitdepth != dis.bitdepth):
        from ._rawyuv import ffmpeg_pix_fmt

        target = ffmpeg_pix_fmt(ref.pixel_format, ref.bitdepth)
        advice = (
            "convert the distorted video to match, e.g. ffmpeg -i DIST -pix_fmt "
            f"{target} -c:v ffv1 converted.mkv"
        )
        options: dict[str, Any] = {}
        if ref.pixel_format == dis.pixel_format:
            advice = "score with {convert_bitdepth} to convert both in-process, or " + advice
            options = {"convert_bitdepth": max(ref.bitdepth, dis.bitdepth)}
        raise FormatMismatchError(
            f"reference is {ref.pixel_format} {ref.bitdepth}-bit but distorted is "
            f"{dis.pixel_format} {dis.bitdepth}-bit",
            advice=advice,
            options=options,
            reference_format=(ref.pixel_format, ref.bitdepth),
            distorted_format=(dis.pixel_format, dis.bitdepth),
        )
    n_ref, n_dis = offset_counts(offset, ref.frame_count, dis.frame_count)
    after = f" after offset {offset}" if offset else ""
    counts = {"reference_frames": n_ref, "distorted_frames": n_dis}
    if frames is not None:
        if frames < 1:
            raise OptionError(
                f"frames must be at least 1 (or None for every frame); got {frames}",
                option="frames",
                value=frames,
            )
        for n, src, role in ((n_ref, ref, "reference"), (n_dis, dis, "distorted")):
            if n is not None and n < frames:
                known = [k for k in counts.values() if k is not None]
                raise FrameCountMismatchError(
                    f"{frames} frames were asked for but the {role} {src.path!r} holds only "
                    f"{n}{after}",
                    advice="pass {frames} or fewer",
                    options={"frames": n},
                    common=min(known),
                    requested=frames,
                    **counts,
                )
    elif None not in (n_ref, n_dis) and n_ref != n_dis:
        from ._sync import suggest_sync

        common = min(n_ref, n_dis)  # type: ignore[type-var]
        mismatch = FrameCountMismatchError(
            f"reference {ref.path!r} has {n_ref} frames but distorted "
            f"{dis.path!r} has {n_dis}{after}",
            advice="pass {frames} to score the common prefix (the first frames of both)",
            options={"frames": common},
            common=common,
            **counts,
        )
        raise suggest_sync(
            mismatch,
            ref,
            dis,
            offset=offset,
            scale=scale,
            size=size,
            convert_bitdepth=convert_bitdepth,
        )
    warnings = []
    if ref.fps and dis.fps and abs(ref.fps - dis.fps) > 1e-3 * max(ref.fps, dis.fps):
        warnings.append(
            f"reference runs at {ref.fps:g} fps but distorted at {dis.fps:g} fps; frames are "
            "paired by position (frame n with frame n), so make sure neither video was "
            "resampled in time"
        )
    if ref.color_range and dis.color_range and ref.color_range != dis.color_range:
        warnings.append(
            f"reference is {ref.color_range}-range but distorted is {dis.color_range}-range; "
            "VMAF compares sample values as stored, so a range mismatch lowers the score: "
            "convert one, e.g. ffmpeg -i DIST -vf scale=out_range="
            f"{'pc' if ref.color_range == 'full' else 'tv'} ..."
        )
    return warnings
