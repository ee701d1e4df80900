"""One reference scored against several encodes at once: :class:`ReferenceGroup`.

Several :class:`~pyvmafneg.engines.native.NativeScorer` runs that read the
same reference (one thread each, as :func:`pyvmafneg.score_many` runs them)
join one group. Each run hands the group its frames (a frame, or a batch of
frames) instead of calling the engine itself; the group waits until every
run still behind that frame has handed it in too, then scores the frames
that share the reference's planes in one engine call per core
(``vn_frames_many``: the reference's filtering done once a call). A run whose
frames differ (another reference frame, another layout, the first frame of a
clip, which is checked in full) is scored on its own, as it would be without
the group, so every row equals the row of the run alone, as doubles.

A run waits only for the runs that have joined and are behind it, never for
one ahead of it or one that has left: the run furthest behind never waits,
so the group cannot deadlock; a run leaves when it ends, however it ends. A
run joins when it starts (:func:`joining`), before its first frame, so the
first runs wait for the later ones rather than race ahead of them alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _kernels

#: Frames as :meth:`_kernels.FrameKernels.run_batch` takes them.
Frames = Sequence[
    tuple[
        NDArray[np.unsignedinteger] | None,
        NDArray[np.unsignedinteger],
        NDArray[np.unsignedinteger],
        bool,
    ]
]


@dataclass(eq=False)
class _Entry:
    member: int
    key: tuple[int, ...]
    kernels: _kernels.FrameKernels
    frames: Frames
    bitdepth: int
    chroma: Sequence[_kernels.Chroma | None]
    chunk: list[_Entry] | None = None  # set on the entry whose thread scores the chunk
    rows: NDArray[np.float64] | None = None
    error: BaseException | None = None
    done: bool = False
    taken: bool = False
    others: list[_Entry] = field(default_factory=list)


class ReferenceGroup:
    """Runs scoring encodes against one reference, sharing its filtering frame by frame.

    Parameters
    ----------
    workers:
        Engine calls a round of frames is split into (each on the thread of one
        of its runs); default: the CPUs this process may run on.
    """

    def __init__(self, workers: int | None = None) -> None:
        if workers is None:
            workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        self.workers = max(1, int(workers))
        self._cond = threading.Condition()
        self._last: dict[int, int] = {}  # joined runs still scoring -> first frame handed in
        self._pending: dict[tuple[int, ...], list[_Entry]] = {}
        self._hooks: dict[int, Callable[[], None]] = {}
        self._next = 0
        #: Frames scored in engine calls shared with another run (for tests and figures).
        self.shared_frames = 0

    def join(self, before_wait: Callable[[], None] | None = None) -> int:
        """A new run's number; the others wait for it from now on, until it leaves.

        ``before_wait`` is called (without the group's lock, on whichever thread
        scores the run's frames) each time the run is about to wait for another.
        """
        with self._cond:
            self._next += 1
            self._last[self._next] = -1
            if before_wait is not None:
                self._hooks[self._next] = before_wait
            return self._next

    def leave(self, member: int) -> None:
        """Run ``member`` ended: nobody waits for it any more."""
        with self._cond:
            self._last.pop(member, None)
            self._hooks.pop(member, None)
            self._cond.notify_all()

    def _behind(self, member: int, first: int) -> bool:
        return any(m != member and last < first for m, last in self._last.items())

    def rows(
        self,
        member: int,
        kernels: _kernels.FrameKernels,
        key: tuple[int, ...],
        frames: Frames,
        bitdepth: int,
        chroma: Sequence[_kernels.Chroma | None],
    ) -> NDArray[np.float64]:
        """Rows of ``frames`` (frame numbers ``key``), equal to ``kernels.run_batch``'s."""
        entry = _Entry(member, key, kernels, frames, bitdepth, chroma)
        with self._cond:
            hook = self._hooks.get(member)
            if member in self._last:
                self._last[member] = max(self._last[member], key[0])
            self._pending.setdefault(key, []).append(entry)
            self._cond.notify_all()
            if not entry.taken and self._behind(member, key[0]) and hook is not None:
                self._cond.release()  # the hook may take other locks
                try:
                    hook()
                finally:
                    self._cond.acquire()
            while not entry.taken and self._behind(member, key[0]):
                self._cond.wait()
            if not entry.taken:
                self._take(self._pending.pop(key))
            self._cond.notify_all()
            while entry.chunk is None and not entry.done:
                self._cond.wait()
        if entry.chunk is not None:
            self._score(entry.chunk)
            with self._cond:
                for e in entry.chunk:
                    e.done = True
                self._cond.notify_all()
        with self._cond:
            while not entry.done:
                self._cond.wait()
        if entry.error is not None:
            raise entry.error
        assert entry.rows is not None
        return entry.rows

    def _take(self, entries: list[_Entry]) -> None:
        """Split a round into chunks, each scored on the thread of its first entry."""
        for e in entries:
            e.taken = True
        leader = entries[0]
        sig = leader.kernels.signature
        shared = [leader] if sig is not None else []
        alone = [] if sig is not None else [leader]
        for e in entries[1:]:
            same = (
                sig is not None
                and e.kernels.signature == sig
                and e.bitdepth == leader.bitdepth
                and all(
                    fa == fb and _same_plane(pa, pb) and _same_plane(ra, rb)
                    for (pa, ra, _, fa), (pb, rb, _, fb) in zip(
                        leader.frames, e.frames, strict=True
                    )
                )
            )
            (shared if same else alone).append(e)
        chunks: list[list[_Entry]] = [[e] for e in alone]
        if shared:
            # one call per worker, at least two runs a call (one run alone shares nothing)
            n = max(1, min(self.workers, len(shared) // 2))
            size = -(-len(shared) // n)
            chunks += [shared[i : i + size] for i in range(0, len(shared), size)]
        for chunk in chunks:
            chunk[0].chunk = chunk

    def _score(self, chunk: list[_Entry]) -> None:
        first = chunk[0]
        try:
            if len(chunk) == 1 or not all(
                e.kernels.fits(e.frames, e.bitdepth, e.chroma) for e in chunk
            ):
                raise _Alone
            frames = [
                (prev, ref, [e.frames[f][2] for e in chunk], features)
                for f, (prev, ref, _, features) in enumerate(first.frames)
            ]
            chroma = [[e.chroma[f] for e in chunk] for f in range(len(first.frames))]
            rows = first.kernels.run_many(frames, first.bitdepth, chroma)
            for i, e in enumerate(chunk):
                e.rows = np.ascontiguousarray(rows[:, i, :])
            with self._cond:
                self.shared_frames += len(first.frames) * len(chunk)
        except (_Alone, ValueError, MemoryError):
            for e in chunk:  # each on its own: its own rows, or its own error
                try:
                    e.rows = e.kernels.run_batch(e.frames, e.bitdepth, e.chroma)
                except BaseException as exc:
                    e.error = exc


class _Alone(Exception):
    """The chunk is scored one run at a time."""


def _same_plane(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return a is b or (a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b))


#: The group and run number of the run on this thread.
_CURRENT: ContextVar[tuple[ReferenceGroup, int] | None] = ContextVar(
    "pyvmafneg_reference_group", default=None
)


def current_group() -> tuple[ReferenceGroup, int] | None:
    """The group and run number of the run on this thread (None: it scores alone)."""
    return _CURRENT.get()


@contextmanager
def joining(
    group: ReferenceGroup | None, before_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """The native run started inside the block (on this thread) scores in ``group``.

    It joins on entry and leaves on exit, however the block ends. ``before_wait``
    is called (without the group's lock) each time the run is about to wait
    for another: a caller that holds the later runs back until this one has
    started lets them go there.
    """
    if group is None:
        yield
        return
    member = group.join(before_wait)
    token = _CURRENT.set((group, member))
    try:
        yield
    finally:
        _CURRENT.reset(token)
        group.leave(member)
