"""Errors as the command line says them: the library's facts, advice in flags.

Library errors name the options their advice refers to by Python keyword
(:attr:`pyvmafneg.errors.VmafNegError.options`); :func:`flag` names each as
the flag that sets it, and :func:`render` turns an error into the one line
the CLI prints.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..errors import ManifestError, MissingDependencyError, UnstableWidthError, VmafNegError

__all__ = ["flag", "render"]


def _valued(name: str, placeholder: str) -> Callable[[Any], str]:
    """A flag taking a value: ``--frames 4``; ``--frames N`` when the user must choose."""
    return lambda v: f"{name} {placeholder}" if v is ... else f"{name} {v}"


def _path_or_default(name: str) -> Callable[[Any], str]:
    """A flag whose absence means the default: ``None`` says to leave it out."""
    return lambda v: f"leave out {name}" if v is None else (name if v is ... else f"{name} {v}")


_TRANSFORM = {None: "model", True: "on", False: "off"}

#: Python keyword -> how the flag that sets it is written for a value.
_FLAGS: dict[str, Callable[[Any], str]] = {
    "frames": _valued("--frames", "N"),
    "backend": _valued("--backend", "NAME"),
    "threads": _valued("--threads", "N"),
    "subsample": _valued("--subsample", "N"),
    "clip": lambda v: "--no-clip" if v is False else "leave out --no-clip",
    "transform": lambda v: f"--transform {_TRANSFORM.get(v, 'model')}",
    "ffmpeg": _path_or_default("--ffmpeg"),
    "library": _path_or_default("--libvmaf"),
    "width": _valued("--width", "W"),
    "height": _valued("--height", "H"),
    "pixel_format": _valued("--pixel-format", "FMT"),
    "bitdepth": _valued("--bitdepth", "BITS"),
    "default_key": _valued("--default-key", "KEY"),
    "neg_key": _valued("--neg-key", "KEY"),
    "neg_log": _valued("--neg-log", "N"),
    "store": _valued("--store", "PATH"),
    "workers": _valued("--workers", "N"),
    "rehash": lambda v: "--rehash",
    "scheduler": _path_or_default("--scheduler"),
    "gain_limit": _valued("--gain-limit", "X"),
    "scale": lambda v: "--scale none" if v is None else _valued("--scale", "NAME")(v),
    "size": lambda v: _valued("--size", "WxH")(v if v in (None, ...) else "x".join(map(str, v))),
    "offset": _valued("--offset", "N"),
    "sync": lambda v: "--sync",
    "convert_bitdepth": _valued("--convert-bitdepth", "BITS"),
    "segments": _valued("--segments", "N"),
    "segment_frames": _valued("--segment-frames", "K"),
    "level": _valued("--interval-level", "P"),
    "replicates": _valued("--replicates", "N"),
    "model_intervals": lambda v: "--model-intervals" if v else "leave out --model-intervals",
}


def flag(name: str, value: Any) -> str:
    """The command-line words for option ``name`` set to ``value`` (``--frames 4``)."""
    render_flag = _FLAGS.get(name)
    if render_flag is None:  # an option without a flag: say it as a model/option setting
        return f"{name}={value}"
    return render_flag(value)


def render(exc: VmafNegError, args: argparse.Namespace | None = None) -> str:
    """The error as the CLI reports it, before joining to one line.

    ``args`` (the parsed command line) lets advice name the flags in use,
    e.g. which option asked for a figure when matplotlib is missing.
    """
    if isinstance(exc, UnstableWidthError):
        # The exact libvmaf code path (a CPU mask) cannot be chosen from the command line.
        return f"{exc.message}; crop or pad the frames to another width (37 to 64, or 69 and up)"
    text = exc.describe(flag)
    if isinstance(exc, ManifestError):
        text += " (the format: pyvmafneg compare --help)"
    if isinstance(exc, MissingDependencyError) and args is not None:
        asked = [f"--{name}" for name in ("plot", "maps") if getattr(args, name, None)]
        if getattr(args, "command", None) == "demo":
            text += ", or run the demo with --no-figures"
        elif asked:
            text += f", or leave out {' and '.join(asked)}"
    return text
