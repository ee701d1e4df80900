"""``pyvmafneg info``: which libvmaf is loaded, its version and models; the native engine."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="show which libvmaf is loaded and its version")
    p.add_argument("--libvmaf", metavar="PATH", help="load this libvmaf shared library")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .._version import package_version
    from ..engines._models import BUILTIN_MODELS
    from ..engines.libvmaf._binding import ENV_VAR, library_info
    from ..engines.native._kernels import ENV_SIMD

    info = library_info(args.libvmaf)
    native = _native_status()
    if args.json:
        print(
            json.dumps(
                {
                    "pyvmafneg": package_version(),
                    "libvmaf_version": info.version,
                    "libvmaf_path": info.path,
                    "libvmaf_source": info.source,
                    "builtin_models": list(BUILTIN_MODELS),
                    "native_built": native[0],
                    "native_simd": native[1],
                },
                indent=2,
            )
        )
        return 0
    print(f"pyvmafneg {package_version()}")
    print(f"libvmaf   {info.version}")
    print(f"loaded    {info.path}")
    print(f"found via {info.source} (override with --libvmaf PATH or {ENV_VAR})")
    print(f"models    {', '.join(BUILTIN_MODELS)}")
    if native[0]:
        print(f"native    built, {native[1]} kernels (force another with {ENV_SIMD}=c|avx2|avx512)")
    else:
        print(f"native    not built: {native[2]}")
    return 0


def _native_status() -> tuple[bool, str | None, str | None]:
    """(built, SIMD level, why not built) of the native engine."""
    from ..engines.native import available, simd_level
    from ..engines.native._kernels import _load
    from ..errors import BackendUnavailableError

    if available():
        return True, simd_level(), None
    try:
        _load()
    except BackendUnavailableError as exc:
        return False, None, str(exc)
    return False, None, None  # pragma: no cover
