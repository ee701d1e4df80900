"""A small progress bar on stderr: frames done, fps, ETA.

Shown only when stderr is a terminal (and not ``quiet``), so logs and CI
output stay clean.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Progress of a run of ``total`` frames (None when unknown).

    Call the instance with the number of frames done; call :meth:`close` at
    the end. ``enabled=None`` means "only if the stream is a terminal".
    """

    def __init__(
        self,
        total: int | None,
        *,
        label: str = "scoring",
        stream: TextIO | None = None,
        enabled: bool | None = None,
        min_interval: float = 0.1,
    ) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.min_interval = min_interval
        self.start = time.perf_counter()
        self._last = 0.0
        self.done = 0
        self._drawn = False

    def __call__(self, done: int) -> None:
        self.done = done
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last < self.min_interval and done != self.total:
            return
        self._last = now
        self.stream.write("\r" + self.line(now))
        self.stream.flush()
        self._drawn = True

    def line(self, now: float | None = None) -> str:
        """The bar's text, e.g. ``scoring [#####.....] 50/100 24.1 fps ETA 0:02``."""
        now = time.perf_counter() if now is None else now
        elapsed = max(now - self.start, 1e-9)
        fps = self.done / elapsed
        if self.total:
            frac = min(self.done / self.total, 1.0)
            filled = int(frac * 24)
            bar = "#" * filled + "." * (24 - filled)
            remaining = (self.total - self.done) / fps if fps > 0 else 0.0
            eta = f"ETA {int(remaining // 60)}:{int(remaining % 60):02d}"
            return f"{self.label} [{bar}] {self.done}/{self.total} {fps:5.1f} fps {eta}"
        return f"{self.label} {self.done} frames {fps:5.1f} fps"

    def close(self) -> None:
        """End the bar's line."""
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
