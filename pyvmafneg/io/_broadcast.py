"""One clip read once and handed to several consumers: :class:`Broadcast`.

A reference scored against many encodes is decoded once: each consumer (one
scoring run per encode, on its own thread) iterates its own :meth:`view`,
and every frame is read from the source once, kept while some view still has
to reach it, and dropped when all have passed it. Views that run ahead wait
for the slowest (at most ``lag`` frames apart), so memory stays bounded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["Broadcast", "BroadcastAborted"]


class BroadcastAborted(Exception):
    """Raised in a view when the broadcast was aborted (another consumer failed)."""


class Broadcast:
    """Read ``source`` once for several consumers, each iterating one :meth:`view`.

    Parameters
    ----------
    source:
        Any iterable of frames (an opened video, a list, a generator).
    consumers:
        Number of views that will be made (>= 1).
    lag:
        Most frames a view may run ahead of the slowest view still reading.
    """

    def __init__(self, source: Iterable[Any], consumers: int, *, lag: int = 8) -> None:
        self._source: Iterator[Any] | None = None
        self._iterable = source
        self._cond = threading.Condition()
        self._buffer: dict[int, Any] = {}
        self._positions = [0] * consumers
        self._active = [True] * consumers
        self._end: int | None = None
        self._error: BaseException | None = None
        self._aborted = False
        self._reading = False
        self._lag = max(1, int(lag))
        #: Frames read from the source so far.
        self.frames_read = 0

    def view(self, index: int) -> Iterator[Any]:
        """The frames of the source, in order, for consumer ``index``."""
        try:
            i = 0
            while True:
                frame = self._get(index, i)
                if frame is _END:
                    return
                yield frame
                i += 1
        finally:
            self.done(index)

    def done(self, index: int) -> None:
        """Consumer ``index`` reads no more (finished or failed): stop waiting for it."""
        with self._cond:
            if self._active[index]:
                self._active[index] = False
                self._trim()
                self._cond.notify_all()

    def abort(self) -> None:
        """Make every view raise :class:`BroadcastAborted` at its next frame."""
        with self._cond:
            self._aborted = True
            self._buffer.clear()
            self._cond.notify_all()

    def _slowest(self) -> int:
        active = [p for p, a in zip(self._positions, self._active, strict=True) if a]
        return min(active) if active else self.frames_read

    def _trim(self) -> None:
        low = self._slowest()
        for k in [k for k in self._buffer if k < low]:
            del self._buffer[k]

    def _get(self, index: int, i: int) -> Any:
        with self._cond:
            while True:
                if self._aborted:
                    raise BroadcastAborted("another consumer of this clip failed")
                if i in self._buffer:
                    frame = self._buffer[i]
                    self._positions[index] = i + 1
                    self._trim()
                    self._cond.notify_all()
                    return frame
                if self._end is not None and i >= self._end:
                    if self._error is not None:
                        raise self._error
                    return _END
                if i == self.frames_read and not self._reading and i - self._slowest() < self._lag:
                    self._reading = True
                    break
                self._cond.wait()
        # read one frame outside the lock (decoding takes time)
        try:
            if self._source is None:
                self._source = iter(self._iterable)
            frame = next(self._source)
        except StopIteration:
            frame = _END
        except BaseException as exc:  # handed to every view that reaches this frame
            frame = _END
            with self._cond:
                self._error = exc
        with self._cond:
            self._reading = False
            if frame is _END:
                self._end = self.frames_read
            else:
                self._buffer[self.frames_read] = frame
                self.frames_read += 1
            self._cond.notify_all()
        return self._get(index, i)


_END = object()
