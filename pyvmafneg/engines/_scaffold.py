"""What every streaming scorer shares: feed / flush / close, thread use, the Result.

:class:`StreamingScorer` holds the state machine (open -> flushed -> closed),
the frame count, the timing, the refusal of concurrent use and the
:class:`~pyvmafneg.results.Result` construction; an engine supplies three
hooks: :meth:`~StreamingScorer._score_pair`, :meth:`~StreamingScorer._finish`
and :meth:`~StreamingScorer._release`. :func:`build_result` is the one place
a :class:`~pyvmafneg.results.Result` is assembled from an engine's numbers
(the FFmpeg backend uses it too), :func:`drive` feeds two clips through a
scorer and :func:`score_clips` opens and lines up two clips before that.
:func:`tapping_pairs` shows a caller the pairs :func:`drive` feeds, as scored,
so that what else it measures of them needs no second reading of the clips.

Threads
-------
A scorer may be handed from one thread to another, but two threads may not
use it at once: frame order is feed order, so concurrent feeding has no
meaning. A :meth:`~StreamingScorer.feed` or :meth:`~StreamingScorer.flush`
made while another thread is inside one raises
:class:`~pyvmafneg.errors.ScorerStateError`; :meth:`~StreamingScorer.close`
waits for the call in progress to finish. Score clips in parallel with one
scorer per clip and thread (libvmaf releases the GIL while it scores).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import FrameError, OptionError, ScorerStateError
from ..io._frame import FrameLike, iter_pairs
from ..io._prepare import prepare_pair
from ..results._model_interval import ModelInterval
from ..results._result import Result
from ._models import ModelSpec, pick_pair
from ._options import ScoreOptions

__all__ = [
    "EngineOutput",
    "StreamingScorer",
    "build_result",
    "check_frames",
    "drive",
    "open_if_path",
    "score_clips",
    "tapping_pairs",
]

ProgressCallback = Callable[[int], None]
#: Shown each pair :func:`drive` feeds: ``tap(index, reference, distorted)``.
PairTap = Callable[[int, FrameLike, FrameLike], None]

_TAP: ContextVar[PairTap | None] = ContextVar("pyvmafneg_pair_tap", default=None)


@contextmanager
def tapping_pairs(tap: PairTap) -> Iterator[None]:
    """Show ``tap`` the pairs that runs on this thread feed to a scorer, within the block.

    ``tap(index, reference, distorted)`` is called after each pair is fed, in order
    (``index`` from 0 in each run), with the frames as scored: scaled, converted and
    offset as the run prepared them. The frames are the scorer's too: read them, never
    change them. Runs that feed no pairs in this thread (the FFmpeg backend, segments,
    the runs of :func:`pyvmafneg.score_many`, which run on threads of their own) show it
    nothing.
    """
    token = _TAP.set(tap)
    try:
        yield
    finally:
        _TAP.reset(token)


@dataclass
class EngineOutput:
    """An engine's numbers for one clip, before they become a Result.

    Attributes
    ----------
    frames:
        Indices of the scored frames (every ``subsample``-th).
    scores:
        Model name -> per-frame score.
    features:
        libvmaf feature name -> per-frame value.
    version:
        What computed them (e.g. libvmaf's version string).
    intervals:
        Model name -> its bootstrapped twin's per-frame outputs
        (:class:`~pyvmafneg.results.ModelInterval`), when asked for.
    """

    frames: Sequence[int] | np.ndarray
    scores: Mapping[str, Sequence[float] | np.ndarray]
    features: Mapping[str, Sequence[float] | np.ndarray] = field(default_factory=dict)
    version: str = ""
    intervals: Mapping[str, ModelInterval] = field(default_factory=dict)


def build_result(
    output: EngineOutput,
    specs: Sequence[ModelSpec],
    *,
    backend: str,
    clip: bool,
    elapsed: float | None = None,
) -> Result:
    """The :class:`~pyvmafneg.results.Result` of one run: the only place one is built.

    Parameters
    ----------
    output:
        The engine's per-frame numbers.
    specs:
        The models scored, in order; the default/NEG pair is picked from them.
    backend:
        The engine's name (``'libvmaf'``, ``'ffmpeg'``, ``'reference'``...).
    clip:
        Whether model scores were clipped to [0, 100].
    elapsed:
        Scoring time in seconds, for the frame rate; None when unknown.
    """
    default, neg = pick_pair(specs)
    n = len(output.frames)
    return Result(
        frames=output.frames,
        scores=dict(output.scores),
        features=dict(output.features),
        default_model=default,
        neg_model=neg,
        clipped=clip,
        backend=backend,
        version=output.version,
        models={s.name: s.describe() for s in specs},
        fps=n / elapsed if elapsed else None,
        model_intervals=dict(output.intervals),
    )


class StreamingScorer:
    """Base of the streaming scorers: ``feed`` pairs, ``flush`` a Result, ``close``.

    Subclasses set :attr:`backend`, call ``super().__init__(specs, clip=...)``
    and implement :meth:`_score_pair`, :meth:`_finish` and :meth:`_release`.
    Usable as a context manager (``close`` on exit). See the module notes for
    use from several threads.

    Attributes
    ----------
    specs:
        The resolved models, in order.
    clip:
        Whether model scores are clipped to [0, 100].
    """

    #: The engine's name in results (``Result.backend``).
    backend: str = ""

    def __init__(self, specs: Sequence[ModelSpec], *, clip: bool) -> None:
        self.specs = tuple(specs)
        self.clip = clip
        self._lock = threading.Lock()
        self._count = 0
        self._started: float | None = None
        self._result: Result | None = None
        self._closed = False

    # -- engine hooks -----------------------------------------------------------
    def _score_pair(self, reference: FrameLike, distorted: FrameLike, index: int) -> None:
        """Validate and score pair ``index``; raise without changing state on bad input."""
        raise NotImplementedError

    def _finish(self) -> EngineOutput:
        """Finish the clip (at least one pair was fed) and return its numbers."""
        raise NotImplementedError

    def _release(self) -> None:
        """Free the engine's resources; called once, by :meth:`close`."""

    # -- context manager ----------------------------------------------------------
    def __enter__(self) -> StreamingScorer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        if not self._lock.acquire(blocking=False):
            raise ScorerStateError(
                f"this {type(self).__name__} is in use by another thread; a scorer takes "
                "one clip's pairs in order, so give each thread its own scorer"
            )
        try:
            yield
        finally:
            self._lock.release()

    def _refuse_if_done(self) -> None:
        name = type(self).__name__
        if self._closed:
            raise ScorerStateError(f"this scorer is closed; create a new {name}")
        if self._result is not None:
            raise ScorerStateError(
                f"this scorer was already flushed; create a new {name} for another clip"
            )

    @property
    def frames_fed(self) -> int:
        """Number of pairs fed so far."""
        return self._count

    def feed(self, reference: FrameLike, distorted: FrameLike) -> int:
        """Score one pair; returns its frame index (0-based).

        Frames may be :class:`~pyvmafneg.io.Frame` objects, 2-D luma arrays
        or ``(Y, U, V)`` plane tuples.

        Raises
        ------
        FrameError
            An unusable frame.
        FrameMismatchError
            The pair, or the clip, does not match.
        ScorerStateError
            The scorer was flushed or closed, or another thread is using it.
        """
        with self._exclusive():
            self._refuse_if_done()
            if self._started is None:
                self._started = time.perf_counter()
            index = self._count
            self._score_pair(reference, distorted, index)
            self._count += 1
            return index

    def flush(self) -> Result:
        """Finish the clip and return its :class:`~pyvmafneg.results.Result`.

        Calling it again returns the same result.
        """
        with self._exclusive():
            if self._result is not None:
                return self._result
            if self._closed:
                raise ScorerStateError(f"this scorer is closed; create a new {type(self).__name__}")
            if self._count == 0:
                raise ScorerStateError("no frames were fed; feed at least one pair before flush()")
            output = self._finish()
            elapsed = time.perf_counter() - (self._started or time.perf_counter())
            self._result = build_result(
                output, self.specs, backend=self.backend, clip=self.clip, elapsed=elapsed
            )
            return self._result

    def close(self) -> None:
        """Release the engine's resources (the result, if any, stays available).

        Waits for a :meth:`feed` or :meth:`flush` running on another thread.
        """
        with self._lock:
            if not self._closed:
                self._closed = True
                self._release()


def open_if_path(clip: Any) -> Any:
    """Open a file name as a video (:func:`pyvmafneg.open_video`); pass anything else through."""
    if isinstance(clip, (str, bytes, os.PathLike)):
        from ..io._sources import open_video

        return open_video(os.fsdecode(clip))
    return clip


def check_frames(frames: int | None) -> None:
    """Refuse a ``frames`` limit below 1."""
    if frames is not None and (isinstance(frames, bool) or int(frames) < 1):
        raise OptionError(
            f"frames must be at least 1 (or None for every frame); got {frames}",
            option="frames",
            value=frames,
        )


def drive(
    scorer: StreamingScorer,
    reference: Iterable[FrameLike],
    distorted: Iterable[FrameLike],
    *,
    frames: int | None = None,
    progress: ProgressCallback | None = None,
) -> Result:
    """Feed two clips through ``scorer`` pair by pair, then flush and close it.

    ``frames`` limits the run to a common prefix; ``progress`` is called with
    the number of pairs done after each one (and a tap, :func:`tapping_pairs`,
    shown each pair before that).
    """
    tap = _TAP.get()
    with scorer:
        done = 0
        for done, (ref, dis) in enumerate(iter_pairs(reference, distorted, frames), start=1):
            scorer.feed(ref, dis)
            if tap is not None:
                tap(done - 1, ref, dis)
            if progress is not None:
                progress(done)
        if done == 0:
            raise FrameError(
                "no frame pairs to score: the clips are empty, or a frame-rate conversion to "
                "a rate too low for their length left no frame of them"
            )
        return scorer.flush()


def score_clips(
    make_scorer: Callable[[], StreamingScorer],
    reference: Any,
    distorted: Any,
    options: ScoreOptions,
) -> Result:
    """What each engine's ``score_*`` function does with two clips.

    Checks ``options.frames``, opens paths as videos, lines the clips up
    (:func:`~pyvmafneg.io.prepare_pair`: ``scale``, ``size``, ``offset``,
    ``bitdepth``, ``convert_bitdepth`` of ``options``) and feeds them through
    the scorer ``make_scorer()`` returns (:func:`drive`); the scorer is made
    only once the clips are ready.
    """
    check_frames(options.frames)
    pair = prepare_pair(
        open_if_path(reference),
        open_if_path(distorted),
        scale=options.scale,
        size=options.size,
        offset=options.offset,
        bitdepth=options.bitdepth,
        convert_bitdepth=options.convert_bitdepth,
    )
    return drive(
        make_scorer(),
        pair.reference,
        pair.distorted,
        frames=options.frames,
        progress=options.progress,
    )
