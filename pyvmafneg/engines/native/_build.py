"""cffi API-mode build of the native engine: ``pyvmafneg.engines.native._engine``.

Run by ``setup.py`` (``cffi_modules``) at install. The C sources are every
``csrc/*.c``; the declarations bound are every ``csrc/include/*.h`` (plain C
that cffi's ``cdef`` parses: no macros, no includes). SIMD kernels are
compiled once per level with gcc ``target`` pragmas and chosen at run time,
so one build serves every x86-64 CPU (see ``docs/architecture.md``, "The C
engine").

The engine needs gcc or clang (GCC attributes, builtins and vector
extensions); with another compiler the build stops with a message saying so
and ``setup.py`` installs the package without the engine. The engine's own
sources compile with ``-Wall -Wextra -Werror``: a warning fails the build.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from cffi import FFI

ROOT = Path(__file__).resolve().parents[3]
CSRC = ROOT / "csrc"
HEADERS = sorted((CSRC / "include").glob("*.h"))
SOURCES = sorted(CSRC.glob("*.c"))


def _source_stamp() -> str:
    """The stamp of ``csrc/`` (``_stamp.py``, loaded by path: the package is not importable yet)."""
    spec = importlib.util.spec_from_file_location(
        "_vn_stamp", Path(__file__).with_name("_stamp.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.source_stamp(CSRC))


#: Extra compiler flags, e.g. ``-fsanitize=address,undefined`` for the sanitizer test.
EXTRA_CFLAGS = os.environ.get("PYVMAFNEG_NATIVE_CFLAGS", "").split()

#: Flags of every translation unit: exact IEEE arithmetic (no contraction into fused
#: multiply-adds), and warnings as errors.
CFLAGS = (
    "-O3",
    "-std=c11",
    "-ffp-contract=off",
    "-fno-strict-aliasing",
    "-Wall",
    "-Wextra",
    "-Werror",
)

ffibuilder = FFI()
ffibuilder.cdef("\n".join(h.read_text() for h in HEADERS))
ffibuilder.set_source(
    "pyvmafneg.engines.native._engine",
    # the module cffi generates is compiled with the same flags: it sees only the headers
    "\n".join(f'#include "{h.name}"' for h in HEADERS),
    sources=[str(s.relative_to(ROOT)) for s in SOURCES],
    # kernels written once and included per SIMD level, and the headers: a change to
    # any of them rebuilds the engine
    depends=[str(d.relative_to(ROOT)) for d in sorted({*CSRC.rglob("*.inc"), *CSRC.rglob("*.h")})],
    include_dirs=[str(CSRC / "include"), str(CSRC)],
    # the loader compares it with the sources beside the package (an unbuilt change)
    define_macros=[("VN_SOURCE_STAMP", f'"{_source_stamp()}"')],
    extra_compile_args=[*CFLAGS, *EXTRA_CFLAGS],
    libraries=["m"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
