"""Checks that an output path can be written, made before the work that fills it.

A scoring run can take minutes; a log, plot or map directory that cannot be
written should fail at once, with the reason, not after the run. Both checks
raise :class:`~pyvmafneg.errors.OutputFileError`.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import OutputFileError

__all__ = ["check_output_dir", "check_output_file"]


def _existing_ancestor(path: Path) -> Path:
    """The nearest directory above ``path`` (or ``path`` itself) that exists."""
    here = path
    while not here.exists() and here != here.parent:
        here = here.parent
    return here


def check_output_file(path: str | os.PathLike[str], what: str = "output") -> Path:
    """Check that the file ``path`` can be created or overwritten; returns it as a Path.

    Its directory must exist and be writable, and ``path`` must not be a
    directory. ``what`` names the output in the message (e.g. ``'the log'``).
    """
    out = Path(path)
    if out.is_dir():
        raise OutputFileError(
            f"{what} {str(out)!r} is a directory; give a file name inside it", path=str(out)
        )
    parent = out.parent
    if not parent.is_dir():
        why = "is not a directory" if parent.exists() else "does not exist"
        raise OutputFileError(
            f"cannot write {what} {str(out)!r}: its directory {str(parent)!r} {why}; "
            "create the directory first or choose another path",
            path=str(out),
        )
    target = out if out.exists() else parent
    if not os.access(target, os.W_OK):
        raise OutputFileError(
            f"cannot write {what} {str(out)!r}: permission denied; choose a path in a "
            "directory you can write to",
            path=str(out),
        )
    return out


def check_output_dir(path: str | os.PathLike[str], what: str = "output directory") -> Path:
    """Check that the directory ``path`` exists and is writable, or can be created."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise OutputFileError(
            f"{what} {str(out)!r} is a file, not a directory; give a directory path "
            "(it is created if missing)",
            path=str(out),
        )
    base = _existing_ancestor(out)
    if not base.is_dir():
        raise OutputFileError(
            f"cannot create {what} {str(out)!r}: {str(base)!r} is a file, not a directory; "
            "choose another path",
            path=str(out),
        )
    if not os.access(base, os.W_OK | os.X_OK):
        raise OutputFileError(
            f"cannot write {what} {str(out)!r}: permission denied on {str(base)!r}; choose a "
            "directory you can write to",
            path=str(out),
        )
    return out
