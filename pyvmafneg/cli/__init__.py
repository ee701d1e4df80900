"""Command line: argument parsing and printing only; every decision lives below.

Each subcommand is a module in this package with ``register(subparsers)``,
which adds its parser and sets ``func`` to a callable taking the parsed
arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from ..errors import VmafNegError

__all__ = ["COMMANDS", "build_parser", "main"]

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("score", "check", "compare", "explain", "demo", "info")

#: Exit code for unusable input or a failed run.
EXIT_ERROR = 2
#: Exit code after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130
#: Exit code when stdout's reader went away (128 + SIGPIPE), as shells report it.
EXIT_BROKEN_PIPE = 141
#: Ended by SIGTERM (128 + 15), after the same cleanup as Ctrl-C.
EXIT_TERMINATED = 143


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so it unwinds as Ctrl-C does (workers stopped)."""


class _TerminateAsInterrupt:
    """While active, SIGTERM raises :class:`_Terminated` (when its handler is the default)."""

    def __init__(self) -> None:
        self.fired = False
        self._before: Any = None

    def _handle(self, signum: int, frame: Any) -> None:
        self.fired = True
        raise _Terminated()

    def __enter__(self) -> _TerminateAsInterrupt:
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
                self._before = signal.signal(signal.SIGTERM, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        import signal

        if self._before is not None:
            signal.signal(signal.SIGTERM, self._before)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def one_line(text: str) -> str:
    """``text`` with its lines joined by `` | ``, so an error is always one line."""
    return " | ".join(line.strip() for line in str(text).splitlines() if line.strip())


class _Version(argparse.Action):
    """``--version``: looks the version up only when asked (the look-up is slow)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> NoReturn:
        from .._version import package_version

        # as argparse's own --help and --version: a closed or full stdout is no error
        parser._print_message(f"pyvmafneg {package_version()}\n", sys.stdout)
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The ``pyvmafneg`` argument parser with every available subcommand.

    Building it imports no scoring machinery (no NumPy, CFFI, PyAV, SciPy or
    scikit-image): each subcommand imports what it needs when it runs.
    """
    parser = _Parser(
        prog="pyvmafneg",
        description="VMAF and VMAF-NEG in one pass, equal to libvmaf's numbers; see how much of "
        "a score is credit VMAF-NEG caps (the default - NEG gap), the credit enhancement earns.",
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.endswith(f"cli.{name}"):
                continue  # subcommand not available in this build
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pyvmafneg`` console script; returns the exit code.

    SIGTERM ends a command as Ctrl-C does (workers stopped, nothing
    half-written), with exit code 143.
    """
    _hold_standard_streams()
    _print_file_names_as_they_are()
    with _TerminateAsInterrupt() as term:
        code = _main(argv)
    return EXIT_TERMINATED if term.fired else code


def _hold_standard_streams() -> None:
    """Open the null device on stdin, stdout or stderr where the caller closed it (``>&-``).

    Otherwise the first file the run opens takes that descriptor: prints and
    FFmpeg's output would land in a log being written, and ``sys.stdout`` is None.
    """
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            if getattr(sys, name) is None:
                setattr(sys, name, open(fd, mode, closefd=False))


def _print_file_names_as_they_are() -> None:
    """Let stdout print a file name that is not valid UTF-8 (a Latin-1 name on Linux) as its
    own bytes, as ``ls`` does, instead of failing with UnicodeEncodeError."""
    out = sys.stdout
    if getattr(out, "errors", None) == "strict" and hasattr(out, "reconfigure"):
        out.reconfigure(errors="surrogateescape")


def _main(argv: Sequence[str] | None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("pyvmafneg: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    where = f"pyvmafneg {args.command}"
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not as a warning at exit
        return code
    except BrokenPipeError:
        # Whoever read stdout stopped (e.g. `| head`): end quietly, as `cat` does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except VmafNegError as exc:
        from ._advice import render

        print(f"{where}: error: {one_line(render(exc, args))}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # a file the run reads or writes, named by the message
        print(f"{where}: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except MemoryError:
        # only commands that take --frames can be told to use it
        advice = (
            "use fewer or smaller frames (--frames N)"
            if hasattr(args, "frames")
            else ("give smaller inputs or run where more memory is free")
        )
        print(f"{where}: error: out of memory; {advice}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt as exc:
        if isinstance(exc, _Terminated):
            print(f"{where}: terminated", file=sys.stderr)
            return EXIT_TERMINATED
        print(f"{where}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
