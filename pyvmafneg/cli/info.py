"""``pyvmafneg info``: which libvmaf is loaded, its version and models."""

from __future__ import annotations

import argparse
import json

from ..engines._models import BUILTIN_MODELS
from ..engines.libvmaf._binding import ENV_VAR, library_info


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="show which libvmaf is loaded and its version")
    p.add_argument("--libvmaf", metavar="PATH", help="load this libvmaf shared library")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import __version__

    info = library_info(args.libvmaf)
    if args.json:
        print(
            json.dumps(
                {
                    "pyvmafneg": __version__,
                    "libvmaf_version": info.version,
                    "libvmaf_path": info.path,
                    "libvmaf_source": info.source,
                    "builtin_models": list(BUILTIN_MODELS),
                },
                indent=2,
            )
        )
        return 0
    print(f"pyvmafneg {__version__}")
    print(f"libvmaf   {info.version}")
    print(f"loaded    {info.path}")
    print(f"found via {info.source} (override with --libvmaf PATH or {ENV_VAR})")
    print(f"models    {', '.join(BUILTIN_MODELS)}")
    return 0
