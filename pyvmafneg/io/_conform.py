"""Broadcast inputs: deinterlacing, frame-rate conversion and cropping before scoring.

Each step runs the frames of an opened video through an FFmpeg filter graph
in-process (PyAV's ``av.filter.Graph``), so a clip comes out exactly as the
same filter chain written by hand on the FFmpeg command line would make it:

* **Deinterlacing** (``deinterlace``): ``bwdif`` or ``yadif`` in
  ``mode=send_frame`` (one progressive frame per interlaced frame, the frame
  rate kept), with the field order (``parity``) the stream records.
  ``'auto'`` deinterlaces with ``bwdif`` each clip whose stream says it is
  interlaced (and nothing else); ``'bwdif'`` or ``'yadif'`` deinterlaces
  both clips with that filter, as a user who runs it on both inputs would;
  ``'off'`` scores the frames as stored.
* **Frame-rate conversion** (``fps``): FFmpeg's ``fps`` filter (rounding
  ``near``, starting at the first frame), which drops or repeats frames.
  ``'auto'`` converts the reference to the distorted clip's rate when the two
  rates differ by a simple ratio (both terms at most :data:`MAX_RATIO_TERM`,
  e.g. 50 -> 25, 59.94 -> 29.97, 24 -> 60); ``'N/D'`` converts both clips
  to that rate; ``'off'`` (default) pairs frames by position.
* **Cropping** (``crop='W:H:X:Y'``): FFmpeg's ``crop`` filter on the
  distorted clip (a letterboxed or pillarboxed encode), before any scaling.

The chain on one clip is ``bwdif -> crop -> fps`` (the order a hand-written
``-vf`` would take). Frames go in as they were decoded (planes copied, never
converted through RGB), with the clip's own frame rate as time base.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import OptionError
from ._frame import Frame
from ._rawyuv import ffmpeg_pix_fmt
from ._sources import VideoSource

__all__ = [
    "DEINTERLACERS",
    "ConformedPair",
    "Crop",
    "check_crop",
    "check_deinterlace",
    "check_fps",
    "conform_pair",
    "detect_crop",
    "filter_frames",
    "filtered_source",
]

#: Deinterlacing filters (FFmpeg's), in the order ``'auto'`` prefers them.
DEINTERLACERS: tuple[str, ...] = ("bwdif", "yadif")

#: Largest numerator or denominator of a rate ratio ``'auto'`` converts (5/2: 60 vs 24).
MAX_RATIO_TERM = 5

#: Largest rate accepted, frames per second.
MAX_FPS = 1000

log = logging.getLogger("pyvmafneg")


def check_deinterlace(value: str | None) -> str:
    """``'auto'``, ``'off'``, ``'bwdif'`` or ``'yadif'`` (None is ``'off'``).

    Raises
    ------
    OptionError
        Any other value.
    """
    if value is None or value is False:
        return "off"
    name = str(value).strip().lower()
    if name not in ("auto", "off", *DEINTERLACERS):
        raise OptionError(
            f"deinterlace must be 'auto', 'off', 'bwdif' or 'yadif'; got {value!r}",
            option="deinterlace",
            value=value,
        )
    return name


def check_fps(value: str | Fraction | int | None) -> str | Fraction:
    """``'auto'``, ``'off'`` or a rate as a Fraction from ``'N/D'``, ``'N'`` or a number.

    Raises
    ------
    OptionError
        Not a positive rate of at most :data:`MAX_FPS` frames per second.
    """
    if value is None or value is False:
        return "off"
    if isinstance(value, str) and value.strip().lower() in ("auto", "off"):
        return value.strip().lower()
    try:
        if isinstance(value, bool):
            raise ValueError
        rate = Fraction(value.strip()) if isinstance(value, str) else Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError):
        rate = Fraction(-1)
    if rate <= 0 or rate > MAX_FPS:
        raise OptionError(
            f"fps must be 'auto', 'off' or a rate in frames per second as 'N/D' or 'N' "
            f"(above 0, at most {MAX_FPS}); got {value!r}",
            option="fps",
            value=value,
        )
    return rate


@dataclass(frozen=True)
class Crop:
    """A crop rectangle in pixels: ``width`` x ``height`` at ``(x, y)`` from the top left."""

    width: int
    height: int
    x: int
    y: int

    def ffmpeg_filter(self) -> str:
        """FFmpeg's ``crop`` filter for this rectangle."""
        return f"crop={self.width}:{self.height}:{self.x}:{self.y}"


#: ``crop='detect'``: the window FFmpeg's ``cropdetect`` finds (see :func:`detect_crop`).
DETECT = Crop(0, 0, -1, -1)


def check_crop(value: str | Crop | Iterable[int] | None) -> Crop | None:
    """A :class:`Crop` from ``'W:H:X:Y'`` (``'W:H'``: centred); ``'detect'``: :data:`DETECT`.

    Raises
    ------
    OptionError
        Not two or four non-negative integers with a positive width and height.
    """
    if value is None or isinstance(value, Crop):
        return value
    if isinstance(value, str) and value.strip().lower() == "detect":
        return DETECT
    try:
        parts = value.split(":") if isinstance(value, str) else list(value)
        nums = [int(str(p).strip()) for p in parts]
        if len(nums) == 2:
            nums += [-1, -1]
        if len(nums) != 4 or nums[0] < 1 or nums[1] < 1 or min(nums[2:]) < -1:
            raise ValueError
        if (nums[2] < 0) != (nums[3] < 0):
            raise ValueError
    except (TypeError, ValueError, AttributeError):
        raise OptionError(
            f"crop must be 'W:H:X:Y' (or 'W:H', centred, or 'detect') in whole pixels, with a "
            f"positive width and height; got {value!r}",
            option="crop",
            value=value,
        ) from None
    return Crop(*nums)


def _fits(crop: Crop, src: VideoSource) -> Crop:
    """The crop placed on ``src`` (centred when no position is given), or OptionError."""
    x, y = crop.x, crop.y
    if x < 0:
        x, y = (src.width - crop.width) // 2, (src.height - crop.height) // 2
    if x < 0 or y < 0 or x + crop.width > src.width or y + crop.height > src.height:
        raise OptionError(
            f"crop {crop.width}:{crop.height}:{crop.x}:{crop.y} reaches outside the distorted "
            f"clip's {src.width}x{src.height} frame",
            option="crop",
            value=f"{crop.width}:{crop.height}:{crop.x}:{crop.y}",
        )
    # FFmpeg's crop filter rounds the size down to whole chroma samples; below one it fails.
    unit = (2 if src.pixel_format in ("420", "422") else 1, 2 if src.pixel_format == "420" else 1)
    if crop.width < unit[0] or crop.height < unit[1]:
        raise OptionError(
            f"crop {crop.width}:{crop.height}:{crop.x}:{crop.y} is smaller than one chroma "
            f"sample of the distorted clip's {src.pixel_format} layout ({unit[0]}x{unit[1]} "
            "pixels), which FFmpeg's crop filter cannot cut",
            option="crop",
            value=f"{crop.width}:{crop.height}:{crop.x}:{crop.y}",
        )
    return Crop(crop.width, crop.height, x, y)


def _rate(src: VideoSource) -> Fraction | None:
    if not src.fps:
        return None
    return Fraction(src.fps).limit_denominator(1001000)


def _simple_ratio(a: Fraction, b: Fraction) -> bool:
    ratio = a / b
    return ratio != 1 and max(ratio.numerator, ratio.denominator) <= MAX_RATIO_TERM


def _rate_text(rate: Fraction) -> str:
    return str(rate.numerator) if rate.denominator == 1 else f"{float(rate):.6g}"


def filter_frames(
    frames: Iterable[Frame], graph: str, rate: Fraction, *, first: Frame | None = None
) -> Iterator[Frame]:
    """Run a clip's frames through an FFmpeg filter chain ``graph`` (e.g. ``'fps=25'``).

    ``rate`` (frames per second) gives the input timestamps (frame ``n`` at
    ``n / rate`` seconds). Frames come out in the input's pixel format and
    bit depth; the chain may change their size and number.
    """
    it = iter(frames)
    head = first if first is not None else next(it, None)
    if head is None:
        return
    dtype = np.dtype(np.uint8 if head.bitdepth == 8 else np.uint16)
    for out in _run_graph(head, it, graph, rate):
        planes = tuple(_plane(p, dtype) for p in out.planes[: len(head.planes)])
        yield Frame(planes, head.bitdepth, head.pixel_format)


def _run_graph(head: Frame, rest: Iterator[Frame], graph: str, rate: Fraction) -> Iterator[Any]:
    """The PyAV frames ``graph`` makes of ``head`` and the frames after it."""
    import itertools

    import av.filter

    pix_fmt = ffmpeg_pix_fmt(head.pixel_format, head.bitdepth)
    tb = 1 / Fraction(rate)
    g = av.filter.Graph()
    src = g.add_buffer(
        width=head.width, height=head.height, format=pix_fmt, time_base=tb, name="in"
    )
    node = src
    for part in graph.split(","):
        name, _, args = part.partition("=")
        nxt = g.add(name, args or None)
        node.link_to(nxt)
        node = nxt
    sink = g.add("buffersink")
    node.link_to(sink)
    g.configure()
    dtype = np.dtype(np.uint8 if head.bitdepth == 8 else np.uint16)

    def pull() -> Iterator[Any]:
        while True:
            try:
                yield sink.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return

    for index, frame in enumerate(itertools.chain((head,), rest)):
        vf = av.VideoFrame(frame.width, frame.height, pix_fmt)
        for plane, data in zip(vf.planes, frame.planes, strict=True):
            _plane_view(plane, dtype)[:] = data
        vf.pts = index
        vf.time_base = tb
        vf.duration = 1
        src.push(vf)
        yield from pull()
    src.push(None)
    yield from pull()


def filtered_source(source: VideoSource, graph: str, width: int, height: int) -> VideoSource:
    """``source`` with its frames run through the chain ``graph``, as :func:`conform_pair` does.

    ``width`` and ``height`` are the size the chain makes (a crop's); the
    frame count is kept (deinterlacing in ``send_frame`` mode and cropping
    make one frame of each). Used where a clip is read by frame ranges.
    """
    own = _rate(source) or Fraction(25)
    progressive = graph.startswith(DEINTERLACERS)
    return replace(
        source,
        _frames=filter_frames(iter(source), graph, own),
        width=width,
        height=height,
        field_order="progressive" if progressive else source.field_order,
    )


def detect_crop(source: VideoSource, ffmpeg: str) -> Crop:
    """The window FFmpeg's ``cropdetect`` filter finds in a whole clip (its defaults).

    ``cropdetect`` (``limit=24/255``, ``round=16``, ``skip=2``) widens its
    window over every frame it sees; the window it reports after the clip's
    last frame is returned. The clip's file is read by the FFmpeg executable
    ``ffmpeg`` (PyAV's libraries carry no ``cropdetect``), as
    ``ffmpeg -i CLIP -vf cropdetect -f null -`` reads it.

    Raises
    ------
    OptionError
        FFmpeg reports no window (a clip of 2 frames or fewer: ``cropdetect``
        skips the first 2).
    FFmpegError
        FFmpeg fails on the file.
    """
    import re
    import subprocess

    from ..errors import FFmpegError

    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info"]
    if source.kind == "raw":
        cmd += ["-f", "rawvideo", "-video_size", f"{source.width}x{source.height}"]
        cmd += ["-pix_fmt", ffmpeg_pix_fmt(source.pixel_format, source.bitdepth)]
    cmd += ["-i", source.path, "-map", "0:v:0", "-vf", "cropdetect", "-f", "null", "-"]
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise FFmpegError(f"FFmpeg's cropdetect failed on {source.path!r}: {last}")
    found = re.findall(r"crop=(\d+):(\d+):(\d+):(\d+)", proc.stderr)
    if not found:
        raise OptionError(
            f"crop='detect' found no window in {source.path!r}: FFmpeg's cropdetect skips the "
            "first 2 frames and reports from the 3rd on",
            advice="give the window as {crop}",
            options={"crop": "W:H:X:Y"},
            option="crop",
            value="detect",
        )
    w, h, x, y = (int(v) for v in found[-1])
    return Crop(w, h, x, y)


def _plane_view(plane: Any, dtype: np.dtype) -> np.ndarray:
    itemsize = dtype.itemsize
    rows, cols = int(plane.height), int(plane.width)
    stride = int(plane.line_size) // itemsize
    return np.frombuffer(plane, dtype=dtype, count=rows * stride).reshape(rows, stride)[:, :cols]


def _plane(plane: Any, dtype: np.dtype) -> np.ndarray:
    return _plane_view(plane, dtype).copy()


@dataclass
class ConformedPair:
    """Two opened videos after deinterlacing, frame-rate conversion and cropping.

    Attributes
    ----------
    reference, distorted:
        The clips, as :class:`~pyvmafneg.io.VideoSource` objects whose frames
        pass through the filters (the originals when nothing applies).
    filters:
        Role -> the FFmpeg filter chain applied (absent when none).
    notes:
        One line per step taken, in words.
    """

    reference: VideoSource
    distorted: VideoSource
    filters: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def for_backend(self, backend: str | None) -> tuple[Any, Any]:
        """The two clips as ``backend`` takes them.

        FFmpeg's backend reads the files of opened videos itself, so a
        filtered clip reaches it as frames; every other engine takes the
        sources as they are.
        """
        if backend != "ffmpeg":
            return self.reference, self.distorted
        ref = iter(self.reference) if "reference" in self.filters else self.reference
        dis = iter(self.distorted) if "distorted" in self.filters else self.distorted
        return ref, dis


def conform_pair(
    reference: VideoSource,
    distorted: VideoSource,
    *,
    deinterlace: str | None = "auto",
    fps: str | Fraction | int | None = "off",
    crop: str | Crop | Iterable[int] | None = None,
    ffmpeg: str | None = None,
    reference_frames: Iterable[Frame] | None = None,
) -> ConformedPair:
    """Deinterlace, convert the frame rate of and crop two opened videos (see the module notes).

    Nothing is read (except by ``crop='detect'``, which runs the FFmpeg
    executable ``ffmpeg`` over the distorted file, see :func:`detect_crop`):
    the returned sources filter their frames as they are iterated. Each step
    taken is logged on the ``pyvmafneg`` logger (INFO). ``reference_frames``
    are the reference's frames when they come from elsewhere than iterating
    ``reference`` (one decoding shared by several encodes); ``reference``
    then only describes them (rate, field order, size).

    Raises
    ------
    OptionError
        An unknown ``deinterlace``, an ``fps`` that is not a rate, a ``crop``
        that is malformed or reaches outside the distorted frame, or a rate
        conversion on a clip that does not record its frame rate.
    """
    mode = check_deinterlace(deinterlace)
    rate = check_fps(fps)
    box = check_crop(crop)
    chains: dict[str, list[str]] = {"reference": [], "distorted": []}
    notes: list[str] = []
    deinterlaced: set[str] = set()
    sources = {"reference": reference, "distorted": distorted}
    for role, src in sources.items():
        interlaced = src.field_order in ("tff", "bff")
        if mode == "off" or (mode == "auto" and not interlaced):
            continue
        name = "bwdif" if mode == "auto" else mode
        parity = src.field_order if interlaced else "tff"
        parity_word = {"tff": "top field first", "bff": "bottom field first"}[parity]
        why = "interlaced" if interlaced else "not flagged interlaced"
        chains[role].append(f"{name}=mode=send_frame:parity={parity}:deint=all")
        deinterlaced.add(role)
        notes.append(f"{role} deinterlaced with {name} ({why}, {parity_word})")
    if box is DETECT:
        if ffmpeg is None:
            raise OptionError(
                "crop='detect' runs FFmpeg's cropdetect, which needs the FFmpeg executable",
                option="crop",
                value="detect",
            )
        box = detect_crop(distorted, ffmpeg)
        notes.append(
            f"distorted crop window detected with FFmpeg's cropdetect: "
            f"{box.width}:{box.height}:{box.x}:{box.y}"
        )
    if box is not None:
        placed = _fits(box, distorted)
        chains["distorted"].append(placed.ffmpeg_filter())
        notes.append(
            f"distorted cropped to {placed.width}x{placed.height} at ({placed.x}, {placed.y}) "
            f"from {distorted.width}x{distorted.height}"
        )
    rates = {role: _rate(src) for role, src in sources.items()}
    targets: dict[str, Fraction] = {}
    if isinstance(rate, Fraction):
        for role, own in rates.items():
            if own is None:
                raise OptionError(
                    f"converting the frame rate to {_rate_text(rate)} needs the {role} clip's "
                    f"own rate, but {sources[role].path!r} does not record one",
                    option="fps",
                    value=str(rate),
                )
            if own != rate:
                targets[role] = rate
    elif rate == "auto":
        ref_rate, dis_rate = rates["reference"], rates["distorted"]
        if ref_rate and dis_rate and _simple_ratio(ref_rate, dis_rate):
            targets["reference"] = dis_rate
    for role, target in targets.items():
        own = rates[role]
        assert own is not None
        chains[role].append(f"fps={target.numerator}/{target.denominator}")
        verb = "dropped" if target < own else "repeated"
        notes.append(
            f"{role} converted from {_rate_text(own)} to {_rate_text(target)} fps "
            f"(frames {verb} as FFmpeg's fps filter does, rounding to the nearest)"
        )
    out = dict(sources)
    filters: dict[str, str] = {}
    for role, chain in chains.items():
        if not chain:
            continue
        src = sources[role]
        graph = ",".join(chain)
        filters[role] = graph
        own = rates[role] or Fraction(25)
        frames = reference_frames if role == "reference" and reference_frames is not None else src
        changes: dict[str, Any] = {
            "_frames": filter_frames(iter(frames), graph, own),
            "field_order": "progressive" if role in deinterlaced else src.field_order,
        }
        if role == "distorted" and box is not None:
            placed = _fits(box, src)
            changes.update(width=placed.width, height=placed.height)
        if role in targets:
            changes.update(fps=float(targets[role]), frame_count=None)
        out[role] = replace(src, **changes)
    for line in notes:
        log.info(line)
    return ConformedPair(out["reference"], out["distorted"], filters, notes)
