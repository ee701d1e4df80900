"""The result store: one JSON line per scored pair (or segment), written as it finishes.

Each row is keyed by :func:`pair_key`: SHA-256 content hashes of the
reference and the encode, the models (with the content hash of any model
file), the scoring options and the libvmaf version. A rerun skips every pair
whose key already has a scored row, so renaming or moving files costs
nothing, and changing a file, a model, an option or libvmaf rescores exactly
what it affects.

Rows are appended and flushed to disk one at a time (``fsync``), so a run
that is killed loses only the pairs in flight. A torn last line (the process
died mid-write) is ignored when read and cut off before the next append. An
advisory lock on the store file stops two runs from writing it at once.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from typing import IO, Any

from .._outputs import json_text, write_error, write_file
from ..errors import ResultStoreError

__all__ = ["HashCache", "ResultStore", "file_hash", "pair_key", "refuse_foreign_store"]

_CHUNK = 1 << 20
#: Bytes read from each end of a file for the cheap content check of :class:`HashCache`.
PROBE_BYTES = 64 << 10
#: How every row starts (a JSON object with sorted keys): a file that starts otherwise is
#: not a result store.
_ROW_START = b'{"'


def file_hash(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, hex (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise ResultStoreError(f"cannot read {os.fspath(path)!r} to hash it: {exc}") from None
    return digest.hexdigest()


def _probe(path: str, size: int) -> str:
    """SHA-256 (hex) of a file's first and last :data:`PROBE_BYTES` bytes: a cheap content check."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            digest.update(fh.read(PROBE_BYTES))
            if size > PROBE_BYTES:
                fh.seek(max(PROBE_BYTES, size - PROBE_BYTES))
                digest.update(fh.read(PROBE_BYTES))
    except OSError as exc:
        raise ResultStoreError(f"cannot read {path!r} to hash it: {exc}") from None
    return digest.hexdigest()


class HashCache:
    """SHA-256 of files, remembered across runs while a file is unchanged.

    A rerun of a large comparison then reads no file again unless it
    changed. The cache lives in a JSON file (normally beside the result
    store); a missing or damaged cache file only costs re-hashing.

    A file counts as unchanged when its path, size, inode, modification time
    and status-change time (``ctime``, which a rewrite sets even when the
    modification time is put back) are as remembered and the SHA-256 of its
    first and last :data:`PROBE_BYTES` bytes matches: a cheap check, about
    128 KiB read per file. ``rehash=True`` hashes every file in full again.

    Parameters
    ----------
    path:
        The cache file, or None to remember hashes for this process only.
    rehash:
        Ignore what the cache remembers: hash every file's whole content
        once each (the new hashes are remembered).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, rehash: bool = False) -> None:
        self.rehash = bool(rehash)
        self._fresh: set[str] = set()  # hashed in full by this object
        self.path = None if path is None else os.fspath(path)
        self._entries: dict[str, dict[str, Any]] = {}
        self._dirty = False
        if self.path is not None:
            try:
                with open(self.path, encoding="utf-8") as fh:
                    data = json.load(fh)
                if isinstance(data, dict):
                    self._entries = {k: v for k, v in data.items() if isinstance(v, dict)}
            except (OSError, ValueError):
                pass

    def __call__(self, path: str | os.PathLike[str]) -> str:
        """The file's SHA-256 (hex), from the cache when the file is unchanged."""
        full = os.path.abspath(os.fspath(path))
        try:
            st = os.stat(full)
        except OSError as exc:
            raise ResultStoreError(f"cannot read {full!r} to hash it: {exc}") from None
        stamp: dict[str, Any] = {
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "ctime_ns": st.st_ctime_ns,
            "inode": st.st_ino,
        }
        stale = self.rehash and full not in self._fresh
        entry = None if stale else self._entries.get(full)
        if entry is not None and all(entry.get(k) == v for k, v in stamp.items()):
            digest = entry.get("sha256")
            if (
                isinstance(digest, str)
                and len(digest) == 64
                and entry.get("probe") == _probe(full, st.st_size)
            ):
                return digest
        digest = file_hash(full)
        self._entries[full] = {**stamp, "probe": _probe(full, st.st_size), "sha256": digest}
        self._fresh.add(full)
        self._dirty = True
        return digest

    def save(self) -> None:
        """Write the cache file (atomically); a failure is ignored, it is only a cache."""
        if self.path is None or not self._dirty:
            return
        try:
            # Beside the store, whose folder the store creates too (the first run's cache).
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            text = json_text(self._entries, indent=None, sort_keys=True)
            write_file(self.path, text, "the hash cache")
            self._dirty = False
        except OSError:  # OutputFileError included
            pass


def refuse_foreign_store(path: str | os.PathLike[str]) -> None:
    """Raise ResultStoreError when ``path`` holds something else than a store (a video, a
    manifest, a log): appending rows to it, or cutting its "torn" tail, would destroy it.

    A missing or empty file is a new store; one that cannot be read is left for the
    store's own opening to report.
    """
    where = os.fspath(path)
    try:
        with open(where, "rb") as fh:
            head = fh.read(len(_ROW_START))
    except OSError:
        return
    if head and head != _ROW_START:
        raise ResultStoreError(
            f"{where!r} is not a result store (its first bytes are {head!r}, not a JSON "
            "row); writing rows to it would damage it",
            advice="give the path of a result store, or of a new file, with {store}",
            options={"store": ...},
            path=where,
        )


def pair_key(
    reference_hash: str, encode_hash: str, models: list[str], options: Mapping[str, Any]
) -> str:
    """Key of one scored pair: a SHA-256 over content hashes, models and options.

    ``options`` must hold everything else that changes the numbers (libvmaf
    version, subsample, raw geometry ...); it is serialised with sorted keys.
    """
    blob = json.dumps(
        {"reference": reference_hash, "encode": encode_hash, "models": models, **options},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode()).hexdigest()


class ResultStore:
    """A JSON-lines file of scored pairs, safe against kills and double runs.

    Use as a context manager: entering takes the lock and repairs a torn
    tail; :meth:`append` writes one row durably.

    Parameters
    ----------
    path:
        The ``.jsonl`` file (created with its folder if missing).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._fh: IO[str] | None = None
        self._lock: IO[bytes] | None = None

    # -- reading -----------------------------------------------------------
    def rows(self) -> Iterator[dict[str, Any]]:
        """Every complete row, oldest first (a torn or foreign line is skipped)."""
        try:
            fh = open(self.path, encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise ResultStoreError(
                f"cannot read result store {self.path!r}: {exc}", path=self.path
            ) from None
        with fh:
            for line in fh:
                if not line.endswith("\n"):
                    break  # torn by a killed run
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(row, dict) and isinstance(row.get("key"), str):
                    yield row

    def latest(self) -> dict[str, dict[str, Any]]:
        """The newest row per key."""
        return {row["key"]: row for row in self.rows()}

    # -- writing -----------------------------------------------------------
    def __enter__(self) -> ResultStore:
        folder = os.path.dirname(os.path.abspath(self.path))
        try:
            os.makedirs(folder, exist_ok=True)
            # The lock is taken on the store file itself: no lock file is left behind.
            self._lock = open(self.path, "ab")
        except OSError as exc:
            raise ResultStoreError(
                f"cannot create the result store {self.path!r}: {exc.strerror or exc}",
                advice="choose a writable place with {store}",
                options={"store": ...},
                path=self.path,
            ) from None
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            self._lock = None
            raise ResultStoreError(
                f"another run is writing {self.path!r}",
                advice="wait for it to finish or use another {store}",
                options={"store": ...},
                path=self.path,
            ) from None
        try:
            refuse_foreign_store(self.path)
        except ResultStoreError:
            self.__exit__()
            raise
        try:
            self._repair_tail()
            self._fh = open(self.path, "a", encoding="utf-8")
        except OSError as exc:
            self.__exit__()
            raise ResultStoreError(
                f"cannot write the result store {self.path!r}: {exc.strerror or exc}",
                path=self.path,
            ) from None
        return self

    def _repair_tail(self) -> None:
        """Cut a torn last line (from a killed run) so appends start on a fresh line."""
        try:
            size = os.path.getsize(self.path)
        except FileNotFoundError:
            return
        if size == 0:
            return
        with open(self.path, "rb+") as fh:
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return
            # Find the last newline, reading backwards in chunks.
            end = size
            keep = 0
            while end > 0:
                start = max(0, end - _CHUNK)
                fh.seek(start)
                block = fh.read(end - start)
                at = block.rfind(b"\n")
                if at >= 0:
                    keep = start + at + 1
                    break
                end = start
            fh.truncate(keep)

    def append(self, row: Mapping[str, Any]) -> None:
        """Write one row and force it to disk."""
        if self._fh is None:
            raise ResultStoreError("the result store is not open; use it in a with block")
        line = json.dumps(row, sort_keys=True, allow_nan=False, separators=(",", ":"))
        try:
            self._fh.write(line + "\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise write_error(exc, self.path, "the result store") from None
            raise ResultStoreError(
                f"cannot write to the result store {self.path!r}: {exc.strerror or exc}",
                path=self.path,
            ) from None

    def __exit__(self, *exc: Any) -> None:
        if self._fh is not None:
            fh, self._fh = self._fh, None
            try:
                fh.close()
            except OSError:
                # Only a row whose append already failed (and said so) can still be
                # buffered: flushing it again would hide that error behind a bare errno.
                pass
        if self._lock is not None:
            try:
                fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
            finally:
                self._lock.close()
                self._lock = None
