"""Every file the package writes: checked before the work, written whole or not at all.

A scoring run can take minutes; a log, plot or map directory that cannot be
written should fail at once, with the reason, not after the run
(:func:`check_output_file`, :func:`check_output_dir`).

Then every file is written by :func:`atomic_file` (or :func:`write_file`,
:func:`save_figure`): into a temporary file beside the target, flushed and
forced to disk, then renamed over the target. A failure at any point (a
full disk, a kill) leaves the previous file at that path as it was and no
partial file; a full disk raises :class:`~pyvmafneg.errors.DiskFullError`
naming the path and the space left.

Every JSON text the package writes (logs, reports, ``--json`` output) is
valid JSON: a non-finite number (+inf, -inf, NaN) is written as ``null``, as
libvmaf writes it in its own JSON logs (:func:`finite_or_none`,
:func:`json_text`).

One rule for directories: the package creates the one file or directory it
is asked to write, never the directories above it. ``log.json`` in a
missing folder, or a map directory inside a missing folder, is refused
before the work starts.
"""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .errors import DiskFullError, OutputFileError

__all__ = [
    "atomic_file",
    "check_output_dir",
    "check_output_file",
    "finite_or_none",
    "json_ready",
    "json_text",
    "make_output_dir",
    "real_path",
    "save_figure",
    "write_error",
    "write_file",
]

#: How text files write a file name that is not valid in their encoding (bytes a file
#: system allows, e.g. Latin-1 names on Linux): its own bytes, as the file system has them.
_TEXT_ERRORS = "surrogateescape"
#: errno values that mean "no space left" (a full disk or an exhausted quota).
_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


def finite_or_none(value: float) -> float | None:
    """``value`` as a float, or None when it is +inf, -inf or NaN (JSON has no such numbers).

    libvmaf's JSON logs write these as ``null``; so does every JSON text this
    package writes.
    """
    number = float(value)
    return number if math.isfinite(number) else None


def json_ready(obj: Any) -> Any:
    """A copy of ``obj`` with every non-finite float (Python or NumPy) replaced by None.

    Mappings, lists and tuples are copied (tuples become lists); NumPy
    scalars and arrays become Python numbers and lists. Other values are
    returned as they are. NumPy is not imported here: its values can only
    exist once something else has imported it (the command line's parser
    stays free of it).
    """
    return _ready(obj, sys.modules.get("numpy"))


def _ready(obj: Any, np: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: _ready(v, np) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_ready(v, np) for v in obj]
    if isinstance(obj, float):
        return finite_or_none(obj)
    if np is not None:
        if isinstance(obj, np.ndarray):
            return _ready(obj.tolist(), np)
        if isinstance(obj, np.floating):
            return finite_or_none(obj)
        if isinstance(obj, np.generic):
            return obj.item()
    return obj


def json_text(
    obj: Any, *, indent: int | None = 2, ensure_ascii: bool = True, sort_keys: bool = False
) -> str:
    """``obj`` as JSON text that every JSON parser accepts: non-finite numbers as ``null``.

    :func:`json.dumps` alone would write ``Infinity`` and ``NaN``, which are
    not JSON; this never does (``allow_nan=False`` guards it).
    """
    return json.dumps(
        json_ready(obj),
        indent=indent,
        ensure_ascii=ensure_ascii,
        sort_keys=sort_keys,
        allow_nan=False,
    )


def _empty(path: str | os.PathLike[str], what: str) -> None:
    if os.fspath(path) == "":
        raise OutputFileError(f"{what} was given as an empty path; give a file name", path="")


def real_path(path: str | os.PathLike[str]) -> Path:
    """``path`` absolute, its symbolic links followed; a link loop is left as it is (no error).

    For telling whether an output is one of the inputs: :meth:`pathlib.Path.resolve`
    raises on a loop of links (RuntimeError before Python 3.13).
    """
    try:
        return Path(path).resolve()
    except (RuntimeError, OSError):
        return Path(os.path.abspath(path))


def _loops(path: Path) -> bool:
    try:
        path.resolve()
    except (RuntimeError, OSError):
        return True
    return False


def missing(path: str | os.PathLike[str]) -> str:
    """Why ``path`` cannot be opened though it was named: the words after its name.

    ``'does not exist'``; for a symbolic link whose target is missing, that it
    is a broken link and the target it names; for a loop of links, that it is
    a loop and the link it names.
    """
    name = os.fspath(path)
    if not os.path.islink(name):
        return "does not exist"
    target = os.readlink(name)
    full = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(name)), target))
    shown = repr(target) if full == target else f"{target!r} ({full!r})"
    if _loops(Path(name)):
        return f"is a loop of symbolic links: it points to {shown}, which leads back to it"
    end = os.path.realpath(name)  # the missing end of a chain of links
    if end != full:
        shown += f", a link to {end!r}"
    return f"is a broken symbolic link: it points to {shown}, which does not exist"


def check_output_file(path: str | os.PathLike[str], what: str = "output") -> Path:
    """Check that the file ``path`` can be created or overwritten; returns it as a Path.

    Its directory must exist and be writable, and ``path`` must be neither
    empty nor a directory. ``what`` names the output in the message (e.g.
    ``'the log'``).
    """
    _empty(path, what)
    out = Path(path)
    if out.is_dir():
        raise OutputFileError(
            f"{what} {str(out)!r} is a directory; give a file name inside it", path=str(out)
        )
    if out.is_symlink() and not out.exists() and _loops(out):
        raise OutputFileError(
            f"{what} {str(out)!r} is a symbolic link that leads back to itself; remove the "
            "link or choose another path",
            path=str(out),
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
    """Check that the directory ``path`` exists and is writable, or can be created.

    As for a file, the directory above it must exist: ``path`` itself is
    created (by :func:`make_output_dir`), never its parents.
    """
    _empty(path, what)
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise OutputFileError(
            f"{what} {str(out)!r} is a file, not a directory; give a directory path "
            "(it is created if missing)",
            path=str(out),
        )
    base = out if out.is_dir() else out.absolute().parent
    if base.exists() and not base.is_dir():
        raise OutputFileError(
            f"cannot create {what} {str(out)!r}: {str(base)!r} is a file, not a directory; "
            "choose another path",
            path=str(out),
        )
    if not base.is_dir():
        raise OutputFileError(
            f"cannot create {what} {str(out)!r}: the directory above it, {str(base)!r}, does "
            "not exist; create it first or choose another path",
            path=str(out),
        )
    if not os.access(base, os.W_OK | os.X_OK):
        raise OutputFileError(
            f"cannot write {what} {str(out)!r}: permission denied on {str(base)!r}; choose a "
            "directory you can write to",
            path=str(out),
        )
    return out


def make_output_dir(path: str | os.PathLike[str], what: str = "output directory") -> Path:
    """Create the directory ``path`` if missing (not its parents; see the module notes)."""
    out = check_output_dir(path, what)
    try:
        out.mkdir(exist_ok=True)
    except OSError as exc:
        raise write_error(exc, out, what) from None
    return out


def _size(n: int) -> str:
    """Bytes in words: ``'0 bytes'``, ``'12.0 KiB'``, ``'3.4 GiB'``."""
    if n < 1024:
        return f"{n} bytes"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def write_error(exc: OSError, path: str | os.PathLike[str], what: str) -> OutputFileError:
    """The error to raise for ``exc`` met while writing ``path``: one line, the facts in it.

    A full disk (``ENOSPC``, ``EDQUOT``) gives :class:`~pyvmafneg.errors.DiskFullError`
    with the bytes still free on the path's file system.
    """
    where = str(path)
    if exc.errno in _NO_SPACE:
        try:
            free = shutil.disk_usage(Path(where).absolute().parent).free
        except OSError:
            free = -1
        left = f"{_size(free)} free" if free >= 0 else "free space unknown"
        return DiskFullError(
            f"cannot write {what} {where!r}: its file system is full ({left}); "
            "the previous file, if any, is unchanged",
            advice="free some space or choose another place",
            path=where,
            free=free,
        )
    return OutputFileError(
        f"cannot write {what} {where!r}: {exc.strerror or exc}; the previous file, if any, "
        "is unchanged",
        path=where,
    )


def _new_file_mode(target: Path) -> int:
    """The permission bits the file gets: the old file's, else what ``open`` would give."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


@contextmanager
def atomic_file(
    path: str | os.PathLike[str],
    what: str = "output",
    *,
    text: bool = False,
    encoding: str = "utf-8",
    newline: str | None = None,
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it replaces ``path`` atomically.

    The body writes to the file object yielded (binary, or text with
    ``text=True``). When the body ends, the file is flushed, forced to disk
    (``fsync``) and renamed over ``path``; if the body or any of those steps
    fails, the temporary file is removed and ``path`` keeps its old content.
    A symbolic link stays a link: the file it points to is the one replaced.
    An existing pipe or device (a FIFO, ``/dev/null``, ``/dev/stdout`` on a
    pipe or terminal) is written into directly, as there is no file to replace.

    Raises
    ------
    DiskFullError
        The file system is full (the message names the path and the free space).
    OutputFileError
        Any other failure to write (permissions, a missing directory ...).
    """
    _empty(path, what)
    out = Path(path)
    if _is_special(out):
        # A pipe, a device (/dev/null, a terminal) or a socket: there is no file to
        # replace, and renaming over it would put a regular file in its place.
        with _write_through(out, what, text=text, encoding=encoding, newline=newline) as fh:
            yield fh
        return
    if out.is_symlink():
        # Replace the file the link points to; the link stays a link.
        out = Path(os.path.realpath(out))
    folder = out.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise write_error(exc, out, what) from None
    try:
        mode = "w" if text else "wb"
        with os.fdopen(
            fd,
            mode,
            encoding=encoding if text else None,
            errors=_TEXT_ERRORS if text else None,
            newline=newline,
        ) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _new_file_mode(out))
        os.replace(tmp, out)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, OutputFileError):
            raise write_error(exc, out, what) from None
        raise
    _sync_dir(folder)


def _is_special(path: Path) -> bool:
    """Whether ``path`` exists (through links) as something other than a file or directory."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextmanager
def _write_through(
    path: Path, what: str, *, text: bool, encoding: str, newline: str | None
) -> Iterator[IO[Any]]:
    """Open the pipe or device ``path`` for writing and flush it at the end of the body."""
    try:
        if text:
            fh: IO[Any] = open(path, "w", encoding=encoding, errors=_TEXT_ERRORS, newline=newline)
        else:
            fh = open(path, "wb")
    except OSError as exc:
        raise write_error(exc, path, what) from None
    try:
        with fh:
            yield fh
            fh.flush()
    except OSError as exc:
        if isinstance(exc, OutputFileError):
            raise
        raise write_error(exc, path, what) from None


def _sync_dir(folder: Path) -> None:
    """Force a directory's entries (the rename) to disk; where this is not possible, skip it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_file(path: str | os.PathLike[str], data: str | bytes, what: str = "output") -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` with :func:`atomic_file`."""
    text = isinstance(data, str)
    with atomic_file(path, what, text=text) as fh:
        fh.write(data)
    return Path(path)


def save_figure(
    fig: Any, path: str | os.PathLike[str], what: str = "figure", **kwargs: Any
) -> Path:
    """Save a matplotlib figure to ``path`` with :func:`atomic_file`.

    The format is the suffix's (``png`` without one); ``kwargs`` go to
    ``savefig`` (``dpi`` ...).
    """
    fmt = Path(path).suffix.lstrip(".").lower() or "png"
    with atomic_file(path, what) as fh:
        fig.savefig(fh, format=fmt, **kwargs)
    return Path(path)
