"""Command line: argument parsing and printing only; every decision lives below.

Each subcommand is a module in this package with ``register(subparsers)``,
which adds its parser and sets ``func`` to a callable taking the parsed
arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ..errors import VmafNegError

__all__ = ["main", "build_parser", "COMMANDS"]

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("score", "check", "explain", "demo", "info")

#: Exit code for unusable input or a failed run.
EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    """The ``pyvmafneg`` argument parser with every available subcommand."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="pyvmafneg",
        description="VMAF and VMAF-NEG with libvmaf in-process; see how much of a score "
        "comes from enhancement (the default - NEG gap).",
    )
    parser.add_argument("--version", action="version", version=f"pyvmafneg {__version__}")
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
    """Entry point of the ``pyvmafneg`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return int(args.func(args) or 0)
    except VmafNegError as exc:
        print(f"pyvmafneg {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"pyvmafneg {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"pyvmafneg {args.command}: interrupted", file=sys.stderr)
        return 130
