"""Run-option checks every engine shares: thread counts, subsampling, unstable widths.

Below the engines, so the FFmpeg backend checks its options without loading
the libvmaf binding (and with it cffi).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from .._defaults import DEFAULT_SCALER
from ..errors import OptionError, UnstableWidthError

__all__ = [
    "DEFAULT_THREADS_CAP",
    "MAX_THREADS",
    "UNSTABLE_WIDTHS",
    "VECTOR_CPUMASK",
    "VECTOR_MISMATCH_WIDTHS",
    "VECTOR_MISMATCH_WIDTHS_AVX2",
    "ScoreOptions",
    "available_cpus",
    "check_stable_width",
    "check_threads",
    "exact_cpumask",
    "mismatch_widths",
    "scalar_rule_cpumask",
]

#: Most libvmaf worker threads accepted. libvmaf starts every thread up front; far
#: beyond the machine's cores that only costs memory, and once the system refuses
#: a thread libvmaf waits forever for it when the context is closed.
MAX_THREADS = 1024

#: Frame widths (pixels) at which libvmaf 3.2's vectorised ADM wavelet (AVX2,
#: AVX-512) reads past the end of a row into memory it never wrote, so the
#: scores change from run to run (found by scoring every width from 33 to 300
#: repeatedly; heights are unaffected). libvmaf's scalar code is exact there.
UNSTABLE_WIDTHS: frozenset[int] = frozenset((*range(33, 37), *range(65, 69)))

#: libvmaf ``cpumask`` bits that switch off its AVX2 and AVX-512 code paths.
VECTOR_CPUMASK = 0x38

#: Frame widths (pixels) at which libvmaf 3.2.0's vectorised ADM (AVX2 and
#: AVX-512 alike) gives scores that are repeatable but differ from its own
#: scalar code, by up to about 0.07 in ``integer_adm2``. Its scalar code, FFmpeg's
#: ``libvmaf`` filter, the native engine and the NumPy reference all agree with
#: each other there. Found by scoring every width from 37 to 1399 (and 1400 to
#: 4099 where ``width % 32`` is 1 to 16) at three heights and two images, with
#: and without :data:`VECTOR_CPUMASK`; heights and content do not move the set.
VECTOR_MISMATCH_WIDTHS: frozenset[int] = frozenset(
    w
    for lo, hi in (
        (69, 72), (97, 100), (129, 144), (161, 164), (193, 200), (225, 228), (257, 272),
        (289, 292), (321, 328), (353, 356), (385, 392), (417, 420), (449, 456), (481, 484),
        (513, 520),
    )
    for w in range(lo, hi + 1)
)  # fmt: skip


#: The same for libvmaf's AVX2 code, which it runs on a CPU with AVX2 and no
#: AVX-512: every width of :data:`VECTOR_MISMATCH_WIDTHS` and more. Found by scoring
#: every width from 37 to 4099 with the vector code on (``cpumask=0x20``) and off
#: (:data:`VECTOR_CPUMASK`) on an AMD EPYC (AVX2, no AVX-512), on two contents
#: (high and low contrast): the same set on both, none above 532.
VECTOR_MISMATCH_WIDTHS_AVX2: frozenset[int] = VECTOR_MISMATCH_WIDTHS | frozenset(
    w
    for lo, hi in (
        (37, 40), (49, 52), (69, 84), (97, 104), (113, 116), (129, 148), (161, 168),
        (177, 180), (193, 212), (225, 232), (241, 244), (257, 276), (289, 296), (305, 308),
        (321, 340), (353, 360), (369, 372), (385, 392), (401, 404), (417, 424), (433, 436),
        (449, 456), (465, 468), (481, 488), (497, 500), (513, 520), (529, 532),
    )
    for w in range(lo, hi + 1)
)  # fmt: skip


@dataclass(frozen=True)
class ScoreOptions:
    """The keywords every scoring backend takes, gathered once per run.

    A scoring function binds its common keywords here and hands the record
    down: the streaming scorer takes :meth:`scorer_keywords`, the lining up
    of the two clips (:func:`~pyvmafneg.engines._scaffold.score_clips`) the
    rest, and :meth:`keywords` gives them back to a backend's scoring
    function. The meaning of each is that of :func:`pyvmafneg.score`.

    Attributes
    ----------
    subsample:
        Score every N-th frame, N >= 1.
    clip:
        Clip model scores to [0, 100].
    transform:
        Force the model's score transform on or off; None keeps the model's.
    bitdepth:
        Bit depth of frames given as bare ``uint16`` arrays.
    frames:
        Score only the first N >= 1 frames of both clips; None scores all.
    progress:
        Called with the number of frames done.
    scale:
        The libswscale scaler bringing the distorted clip to the reference
        size; None refuses differing sizes.
    size:
        ``(width, height)`` both clips are scaled to, or None.
    offset:
        Distorted frames dropped before pairing (negative: reference frames).
    convert_bitdepth:
        The bit depth both clips are converted to where theirs differ, or None.
    """

    subsample: int = 1
    clip: bool = True
    transform: bool | None = None
    bitdepth: int | None = None
    frames: int | None = None
    progress: Callable[[int], None] | None = None
    scale: str | None = DEFAULT_SCALER
    size: tuple[int, int] | str | None = None
    offset: int = 0
    convert_bitdepth: int | None = None

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> ScoreOptions:
        """The record of a scoring function's arguments, given as its ``locals()``.

        Called first thing in the function, while its local names are its
        parameters; the function declares every field as a keyword, with the
        field's default (the tests hold each scoring function to that).
        """
        return cls(**{f.name: arguments[f.name] for f in fields(cls)})

    def keywords(self) -> dict[str, Any]:
        """Every option as keywords of a backend's scoring function."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def scorer_keywords(self) -> dict[str, Any]:
        """The options a streaming scorer takes: ``subsample``, ``clip``,
        ``transform`` and ``bitdepth``."""
        return {
            "subsample": self.subsample,
            "clip": self.clip,
            "transform": self.transform,
            "bitdepth": self.bitdepth,
        }


def mismatch_widths(kernel: str | None = None) -> frozenset[int]:
    """Widths at which libvmaf's vector ADM ``kernel`` disagrees with its scalar code.

    ``kernel`` is ``'avx512'``, ``'avx2'`` or ``'c'`` (no vector code: the
    empty set); None is the one libvmaf dispatches to on this CPU.
    """
    if kernel is None:
        from ._paths import default_kernel  # _paths builds on this module

        kernel = default_kernel()
    if kernel == "avx2":
        return VECTOR_MISMATCH_WIDTHS_AVX2
    if kernel == "avx512":
        return VECTOR_MISMATCH_WIDTHS
    return frozenset()


def exact_cpumask(width: int, cpumask: int) -> int:
    """The libvmaf ``cpumask`` that scores frames ``width`` pixels wide exactly.

    Where the vector ADM libvmaf runs on this CPU disagrees with its scalar
    code (:func:`mismatch_widths`: :data:`VECTOR_MISMATCH_WIDTHS` for AVX-512,
    :data:`VECTOR_MISMATCH_WIDTHS_AVX2` for AVX2) and the caller left the
    mask at 0 (every code path on), the scalar code is chosen
    (:data:`VECTOR_CPUMASK`); any other mask is returned as given.
    """
    if cpumask == 0 and width in mismatch_widths():
        return VECTOR_CPUMASK
    return cpumask


def scalar_rule_cpumask(width: int, cpumask: int) -> int:
    """The libvmaf path an engine other than libvmaf reproduces at ``width``.

    As :func:`exact_cpumask`, and also the scalar code at
    :data:`UNSTABLE_WIDTHS`: there libvmaf's vector ADM reads memory it never
    wrote, so its only repeatable result is the scalar one (the libvmaf
    engine refuses those widths unless the vector code is switched off; an
    engine that does not read past the row can simply follow the scalar code).
    """
    if cpumask == 0 and width in UNSTABLE_WIDTHS:
        return VECTOR_CPUMASK
    return exact_cpumask(width, cpumask)


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


#: Most worker threads started when the caller does not say: each libvmaf worker
#: keeps its own feature buffers (tens of MB at 1080p), and past about eight the
#: gain from more workers is small next to the memory they take.
DEFAULT_THREADS_CAP = 8


def default_threads() -> int:
    """Workers used by default: the CPUs this process may use, at most
    :data:`DEFAULT_THREADS_CAP` (0, scoring on the calling thread, on one CPU)."""
    cpus = available_cpus()
    return 0 if cpus <= 1 else min(cpus, DEFAULT_THREADS_CAP)


def check_threads(threads: int | None, subsample: int = 1) -> tuple[int, int]:
    """Validate the worker thread count and subsampling; returns them as ints.

    ``threads=None`` means :func:`default_threads`; 0 scores on the calling
    thread.

    Raises :class:`~pyvmafneg.errors.OptionError` for a negative or
    non-integer thread count, more than :data:`MAX_THREADS` threads, or a
    subsampling step below 1.
    """
    if threads is None:
        threads = default_threads()
    try:
        n, step = int(threads), int(subsample)
    except (TypeError, ValueError):
        raise OptionError(
            f"threads and subsample must be integers; got threads={threads!r}, "
            f"subsample={subsample!r}"
        ) from None
    cores = available_cpus()
    if not 0 <= n <= MAX_THREADS:
        raise OptionError(
            f"threads must be between 0 and {MAX_THREADS}; got {n}. libvmaf gains nothing "
            f"from more threads than cores, and this machine has {cores}",
            option="threads",
            value=threads,
        )
    if step < 1:
        raise OptionError(
            f"subsample must be >= 1 (1 scores every frame); got {step}",
            option="subsample",
            value=subsample,
        )
    return n, step


def check_stable_width(width: int, cpumask: int | None = 0) -> None:
    """Refuse widths where libvmaf's vectorised ADM code gives run-to-run varying scores.

    Parameters
    ----------
    width:
        Frame width in pixels.
    cpumask:
        The libvmaf CPU mask of the run, or None when it cannot be set (as in
        FFmpeg's filter); a mask that switches off AVX2 and AVX-512
        (:data:`VECTOR_CPUMASK`) makes these widths exact and is allowed.

    Raises
    ------
    UnstableWidthError
        ``width`` is in :data:`UNSTABLE_WIDTHS` and the vector code is on.
    """
    if width not in UNSTABLE_WIDTHS:
        return
    if cpumask is not None and cpumask & VECTOR_CPUMASK == VECTOR_CPUMASK:
        return
    advice = "crop or pad the frames to another width (37 to 64, or 69 and up)"
    if cpumask is not None:
        advice += (
            f", or score with cpumask={VECTOR_CPUMASK:#x} to use libvmaf's exact scalar code "
            "(slower)"
        )
    raise UnstableWidthError(
        f"frames are {width} pixels wide; at widths 33-36 and 65-68 libvmaf's vectorised ADM "
        "code reads past the end of each row, so its scores change from run to run",
        advice=advice,
        width=width,
        exact_cpumask=None if cpumask is None else VECTOR_CPUMASK,
    )
