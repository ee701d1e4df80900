"""The native engine's source stamp: a hash of the C sources it was compiled from.

``_build.py`` compiles the stamp of ``csrc/`` into the engine
(``vn_source_stamp()``); in a source tree, the loader compares it with the stamp
of the sources beside it, so an engine left unbuilt after a change to ``csrc/``
is refused with advice to rebuild rather than called with the wrong layout.
Standard library only: the build loads this file by path, before the package
can be imported.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: What the stamp covers: every C source, header and included kernel under ``csrc/``.
PATTERNS = ("*.c", "*.h", "*.inc")


def source_stamp(csrc: Path) -> str:
    """16 hex digits of the SHA-256 over ``csrc``'s sources (relative path and bytes, sorted)."""
    digest = hashlib.sha256()
    files = sorted({p for pattern in PATTERNS for p in csrc.rglob(pattern)})
    for path in files:
        digest.update(path.relative_to(csrc).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
