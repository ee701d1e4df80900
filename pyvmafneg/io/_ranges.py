"""Exact frame ranges: read frames ``start .. stop-1`` of a video without the ones before.

:func:`locate_ranges` looks at a file once and returns, for each requested
range, a small picklable :class:`FrameRange` that another process (or
machine) opens with :func:`open_range`:

* raw YUV: the byte offset of the first frame (``start * frame size``);
* Y4M: the byte offset of the first ``FRAME`` line, found by walking the
  ``FRAME`` lines once (they may carry parameters, so sizes can differ);
* containers (mp4, mkv, webm, ivf ...): a :class:`SeekPlan`. The file is
  demultiplexed once, without decoding, to learn every packet's
  presentation timestamp (pts). Frame ``i`` is the packet with the
  ``i``-th smallest pts, which is the order a decoder returns frames in. A
  range is read by seeking to a keyframe from which every frame of the range
  decodes, decoding forward, discarding frames whose pts comes before the
  range and keeping exactly the range's timestamps. Frames are never counted
  from where a seek happened to land.

The keyframe is the last one, in decode order, whose pts is at or before the
range's first pts and that follows every packet displayed at or after it;
in an open GOP this steps over a keyframe whose leading pictures (decoded
after it, shown before it, predicted from the previous GOP) belong to the
range. After the seek the first packet is checked: when the demuxer landed
on a later packet, the seek is retried at the keyframe's decode timestamp
and then from the start of the file. Variable frame rate needs nothing
special: frames are found by their own timestamps. Streams whose packets
carry no or repeated timestamps are read from the start and counted, which
is exact but slower.
"""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate
from typing import Any

from ..errors import DecodeError, InputFileError, OptionError
from ._frame import Frame
from ._sources import VideoSource

__all__ = [
    "FrameRange",
    "index_container",
    "locate_ranges",
    "open_range",
]


@dataclass(frozen=True)
class ContainerIndex:
    """Timing of a container's first video stream, from one demultiplexing pass.

    Attributes
    ----------
    pts:
        Presentation timestamps (stream time base) of the packets in decode
        order; None when a packet carries none.
    dts:
        Decode timestamps, same order (None when the container stores none).
    pos:
        Byte positions in the file, same order (-1 when unknown).
    keyframe:
        Whether each packet starts a keyframe.
    """

    pts: tuple[int | None, ...]
    dts: tuple[int | None, ...]
    pos: tuple[int, ...]
    keyframe: tuple[bool, ...]

    @property
    def frames(self) -> int:
        """Number of frames (one per packet)."""
        return len(self.pts)

    @property
    def timestamped(self) -> bool:
        """True when every packet has its own, distinct pts."""
        return None not in self.pts and len(set(self.pts)) == len(self.pts)

    def display_pts(self) -> list[int]:
        """Timestamps in display order: frame ``i`` has the ``i``-th."""
        return list(self._shown)

    @cached_property
    def _shown(self) -> list[int]:
        return sorted(p for p in self.pts if p is not None)

    @cached_property
    def _before_max(self) -> list[int]:
        """Element ``k + 1``: the largest pts of packets ``0..k`` (element 0: below any pts)."""
        return [-(2**63), *accumulate((p for p in self.pts if p is not None), max)]

    @cached_property
    def _keys(self) -> list[int]:
        """Decode-order numbers of the keyframe packets."""
        return [k for k, key in enumerate(self.keyframe) if key]


@dataclass(frozen=True)
class SeekPlan:
    """How to reach one range of a container exactly (plain data, picklable).

    ``wanted`` lists the range's timestamps in display order. ``seek_to``
    holds timestamps to hand the demuxer, tried in order; the first packet
    after a seek must be a keyframe no later in decode order than the chosen
    keyframe (``key_pos`` / ``key_dts`` / ``key_pts`` identify it). With
    ``count_from_start`` set, the stream has no usable timestamps and is
    read from the beginning, skipping ``skip`` frames.
    """

    wanted: tuple[int, ...] = ()
    seek_to: tuple[int, ...] = ()
    key_pts: int | None = None
    key_dts: int | None = None
    key_pos: int = -1
    count_from_start: bool = False
    skip: int = 0
    take: int = 0


@dataclass(frozen=True)
class FrameRange:
    """Frames ``start .. stop-1`` of one file and how to reach them (picklable).

    ``raw`` is the raw-YUV geometry (``width``, ``height``, ``pixel_format``,
    ``bitdepth``) and is empty for self-describing files; ``offset`` is the
    byte offset of the first frame for raw YUV and Y4M; ``seek`` is the
    :class:`SeekPlan` of a container.
    """

    path: str
    kind: str
    start: int
    stop: int
    raw: dict[str, Any] = field(default_factory=dict)
    offset: int = 0
    seek: SeekPlan | None = None

    @property
    def frames(self) -> int:
        """Number of frames in the range."""
        return self.stop - self.start


def index_container(path: str | os.PathLike[str]) -> ContainerIndex:
    """Demultiplex a container's first video stream (no decoding) and list its packets."""
    from ._decode import _open

    path = os.fspath(path)
    container = _open(path)
    pts: list[int | None] = []
    dts: list[int | None] = []
    pos: list[int] = []
    key: list[bool] = []
    try:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            if not packet.size:
                continue
            pts.append(None if packet.pts is None else int(packet.pts))
            dts.append(None if packet.dts is None else int(packet.dts))
            pos.append(-1 if packet.pos is None else int(packet.pos))
            key.append(bool(packet.is_keyframe))
    except Exception as exc:  # av.error.FFmpegError: a damaged file
        raise DecodeError(
            f"{path!r}: reading packets failed after {len(pts)} frames: {exc}"
        ) from None
    finally:
        container.close()
    return ContainerIndex(tuple(pts), tuple(dts), tuple(pos), tuple(key))


def plan_seek(index: ContainerIndex, start: int, stop: int) -> SeekPlan:
    """The :class:`SeekPlan` of frames ``start .. stop-1`` of an indexed container.

    Takes O(log n) time after the first call on an index (the display order,
    running maximum and keyframe list are computed once per index).
    """
    if not 0 <= start < stop <= index.frames:
        raise OptionError(f"frames {start}..{stop - 1} are outside 0..{index.frames - 1}")
    if not index.timestamped:
        return SeekPlan(count_from_start=True, skip=start, take=stop - start)
    shown = index._shown
    first = shown[start]
    wanted = tuple(shown[start:stop])
    # Packets 0..m-1 are the ones after which nothing shown at or after `first` was
    # decoded yet (before_max is non-decreasing); the keyframe is the last of them
    # whose own pts is not after `first`.
    m = bisect_left(index._before_max, first)
    keys = index._keys
    at = bisect_right(keys, m - 1) - 1
    while at >= 0 and index.pts[keys[at]] > first:  # type: ignore[operator]
        at -= 1
    chosen = keys[at] if at >= 0 else None
    if chosen is None or chosen == 0:
        return SeekPlan(wanted=wanted, take=stop - start)
    pts = index.pts[chosen]
    dts = index.dts[chosen]
    seek_to = [pts] if dts is None or dts == pts else [pts, dts]
    return SeekPlan(
        wanted=wanted,
        seek_to=tuple(seek_to),  # type: ignore[arg-type]
        key_pts=pts,
        key_dts=dts,
        key_pos=index.pos[chosen],
        take=stop - start,
    )


def _y4m_offsets(source: VideoSource, starts: Sequence[int]) -> dict[int, int]:
    """Byte offsets of the ``FRAME`` lines of the given frames, by walking the file once."""
    from ._y4m import _frame_line, read_y4m_header

    info = read_y4m_header(source.path, interlaced=True)  # the title was opened to check it
    where = repr(source.path)
    wanted = set(starts)
    out: dict[int, int] = {}
    last = max(wanted)
    with open(source.path, "rb") as fh:
        fh.seek(info.header_size)
        index = 0
        while index <= last:
            at = fh.tell()
            if _frame_line(fh, where, index) is None:
                break
            if index in wanted:
                out[index] = at
            fh.seek(info.frame_size, os.SEEK_CUR)
            index += 1
    missing = sorted(wanted - set(out))
    if missing:
        raise InputFileError(f"{where} has no frame {missing[0]}; it holds {index} frames")
    return out


def raw_geometry(source: VideoSource) -> dict[str, Any]:
    """The ``open_video`` keywords that describe a raw YUV source (empty otherwise)."""
    if source.kind != "raw":
        return {}
    return {
        "width": source.width,
        "height": source.height,
        "pixel_format": source.pixel_format,
        "bitdepth": source.bitdepth,
    }


def locate_ranges(
    source: VideoSource,
    ranges: Sequence[tuple[int, int]],
    *,
    index: ContainerIndex | None = None,
) -> list[FrameRange]:
    """One :class:`FrameRange` per ``(start, stop)`` of ``source``, reading the file once.

    ``index`` reuses a container's :class:`ContainerIndex` when it is known.
    """
    raw = raw_geometry(source)
    path = os.path.abspath(source.path)
    if source.kind == "raw":
        from ._rawyuv import frame_size

        per = frame_size(source.width, source.height, source.pixel_format, source.bitdepth)
        return [FrameRange(path, "raw", a, b, raw, offset=a * per) for a, b in ranges]
    if source.kind == "y4m":
        offsets = _y4m_offsets(source, [a for a, _ in ranges])
        return [FrameRange(path, "y4m", a, b, offset=offsets[a]) for a, b in ranges]
    idx = index if index is not None else index_container(path)
    return [FrameRange(path, "container", a, b, seek=plan_seek(idx, a, b)) for a, b in ranges]


def open_range(spec: FrameRange) -> VideoSource:
    """Open one :class:`FrameRange` as a :class:`VideoSource` of exactly its frames."""
    from ._sources import open_video

    if spec.kind == "container":
        from ._decode import probe

        info = probe(spec.path)  # decodes the first frame once, to learn the output format
        return VideoSource(
            path=spec.path,
            kind="container",
            width=info.width,
            height=info.height,
            pixel_format=info.pixel_format,
            bitdepth=info.bitdepth,
            frame_count=spec.frames,
            fps=info.fps,
            color_range=info.color_range,
            codec=info.codec,
            _frames=_read_container(spec, info),
        )
    # an interlaced Y4M reaches a range only to be deinterlaced (the title was opened so)
    interlaced = spec.kind == "y4m"
    whole = open_video(spec.path, kind=spec.kind, interlaced=interlaced, **spec.raw)
    whole._frames = None  # the whole-file reader is not used
    frames = _read_raw(whole, spec) if spec.kind == "raw" else _read_y4m(whole, spec)
    return VideoSource(
        path=whole.path,
        kind=whole.kind,
        width=whole.width,
        height=whole.height,
        pixel_format=whole.pixel_format,
        bitdepth=whole.bitdepth,
        frame_count=spec.frames,
        fps=whole.fps,
        color_range=whole.color_range,
        _frames=frames,
    )


def _read_raw(whole: VideoSource, spec: FrameRange) -> Iterator[Frame]:
    from pathlib import Path

    from ._rawyuv import _iter_frames

    return _iter_frames(
        Path(spec.path),
        spec.frames,
        whole.width,
        whole.height,
        whole.pixel_format,
        whole.bitdepth,
        True,
        offset=spec.offset,
        first_index=spec.start,
    )


def _read_y4m(whole: VideoSource, spec: FrameRange) -> Iterator[Frame]:
    from pathlib import Path

    from ._y4m import _iter_y4m, read_y4m_header

    info = read_y4m_header(spec.path, interlaced=True)
    frames = _iter_y4m(Path(spec.path), info, True, offset=spec.offset, first_index=spec.start)
    return _take(frames, spec.frames)


def _take(frames: Iterator[Frame], n: int) -> Iterator[Frame]:
    for i, frame in enumerate(frames):
        if i == n:
            break
        yield frame
    else:
        return
    frames.close()  # type: ignore[attr-defined]


def _read_container(spec: FrameRange, info: Any) -> Iterator[Frame]:
    from ._decode import _decode, _open

    plan = spec.seek
    assert plan is not None
    if plan.count_from_start:
        frames = _decode(spec.path, info, True, False)
        for _ in range(plan.skip):
            next(frames)
        return _take(frames, plan.take)
    return _decode_range(spec, info, _open)


def _landed(plan: SeekPlan, packet: Any) -> bool:
    """Did a seek land on a keyframe at or before the plan's keyframe in decode order?"""
    if not packet.is_keyframe:
        return False
    if plan.key_pos >= 0 and packet.pos is not None and packet.pos >= 0:
        return int(packet.pos) <= plan.key_pos
    if plan.key_dts is not None and packet.dts is not None:
        return int(packet.dts) <= plan.key_dts
    return packet.pts is not None and int(packet.pts) == plan.key_pts


def _seeked_packets(spec: FrameRange, opener: Any) -> tuple[Any, Iterator[Any]]:
    """Open the file, seek per the plan, return ``(container, packets from the keyframe)``."""
    plan = spec.seek
    assert plan is not None
    for target in (*plan.seek_to, None):
        container = opener(spec.path)
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if target is None:
            return container, container.demux(stream)
        try:
            container.seek(target, backward=True, any_frame=False, stream=stream)
        except Exception:  # noqa: BLE001 - a demuxer that cannot seek: try the next way
            container.close()
            continue
        packets = container.demux(stream)
        first = next(packets, None)
        if first is not None and first.size and _landed(plan, first):
            return container, _chain(first, packets)
        container.close()
    raise AssertionError("unreachable: reading from the start always succeeds")


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _decode_range(spec: FrameRange, info: Any, opener: Any) -> Iterator[Frame]:
    import av

    from ._decode import _frame_layout, _planes

    plan = spec.seek
    assert plan is not None
    wanted = plan.wanted
    first, last = wanted[0], wanted[-1]
    count = 1 if info.pixel_format == "400" else 3
    container, packets = _seeked_packets(spec, opener)
    stream = container.streams.video[0]
    got = 0
    try:
        for packet in packets:
            try:
                decoded = stream.decode(packet)
            except av.error.FFmpegError as exc:
                raise DecodeError(
                    f"{spec.path!r}: decoding failed near frame {spec.start + got}: "
                    f"{exc.strerror or exc}; the file is damaged: re-create it"
                ) from None
            for frame in decoded:
                pts = frame.pts
                if pts is None or pts < first:
                    continue  # before the range (or a leading picture of the keyframe)
                index = spec.start + got
                if got >= len(wanted) or pts != wanted[got]:
                    expected = wanted[got] if got < len(wanted) else None
                    raise DecodeError(
                        f"{spec.path!r}: the decoder returned a frame at timestamp {pts} where "
                        f"frame {index} (timestamp {expected}) was expected; frames are missing "
                        "or out of order in this stream: re-create the file"
                    )
                if frame.is_corrupt:
                    raise DecodeError(
                        f"{spec.path!r}: frame {index} is corrupt (the decoder concealed "
                        "missing or damaged data); re-create the file"
                    )
                fmt, bits, convert = _frame_layout(frame, info, spec.path, index)
                if convert is not None:
                    frame = frame.reformat(format=convert)
                yield Frame(_planes(frame, count, bits), bits, fmt)
                got += 1
                if pts == last:
                    return
        raise DecodeError(
            f"{spec.path!r}: only {got} of frames {spec.start}..{spec.stop - 1} could be "
            f"decoded (the stream ended before timestamp {wanted[got]}); the file is truncated "
            "or damaged: re-create it"
        )
    finally:
        container.close()


def split_evenly(frames: int, segments: int) -> list[tuple[int, int]]:
    """``segments`` contiguous ``(start, stop)`` ranges covering ``frames`` frames.

    The first ``frames % segments`` ranges get one frame more.
    """
    base, extra = divmod(frames, segments)
    bounds = [0]
    for i in range(segments):
        bounds.append(bounds[-1] + base + (1 if i < extra else 0))
    return list(zip(bounds[:-1], bounds[1:], strict=True))
