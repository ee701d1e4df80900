"""``pyvmafneg info``: the libvmaf and FFmpeg in use, their versions; the native engine."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "info",
        help="show which libvmaf and FFmpeg are used, and their versions",
        description="Show which libvmaf shared library is loaded (its path, version and how it "
        "was found) and its built-in models, which FFmpeg executable the ffmpeg backend and the "
        "encodes of demo and compare run (its path and version; files are decoded in-process "
        "by PyAV), and whether the native engine is built and with which SIMD kernels.",
    )
    p.add_argument("--libvmaf", metavar="PATH", help="load this libvmaf shared library")
    p.add_argument("--ffmpeg", metavar="PATH", help="describe this FFmpeg executable")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .._version import package_version
    from ..engines._ffmpeg import ENV_VAR as FFMPEG_ENV
    from ..engines._models import BUILTIN_MODELS
    from ..engines.libvmaf._binding import ENV_VAR, library_info
    from ..engines.native._kernels import ENV_SIMD

    info = library_info(args.libvmaf)
    native = _native_status()
    ffmpeg_path, ffmpeg_line = _ffmpeg_status(args.ffmpeg)
    if args.json:
        from .._outputs import json_text  # not at import: the parser stays light

        print(
            json_text(
                {
                    "pyvmafneg": package_version(),
                    "libvmaf_version": info.version,
                    "libvmaf_path": info.path,
                    "libvmaf_source": info.source,
                    "builtin_models": list(BUILTIN_MODELS),
                    "ffmpeg_path": ffmpeg_path,
                    "ffmpeg_version": ffmpeg_line,
                    "native_built": native[0],
                    "native_simd": native[1],
                },
            )
        )
        return 0
    print(f"pyvmafneg {package_version()}")
    print(f"libvmaf   {info.version}")
    print(f"loaded    {info.path}")
    print(f"found via {info.source} (override with --libvmaf PATH or {ENV_VAR})")
    print(f"models    {', '.join(BUILTIN_MODELS)}")
    print(f"ffmpeg    {ffmpeg_line}")
    print(f"          {ffmpeg_path or 'not found'} (override with --ffmpeg PATH or {FFMPEG_ENV})")
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


def _ffmpeg_status(path: str | None) -> tuple[str | None, str]:
    """(path, version line) of the FFmpeg the package runs, or (None, why not)."""
    from ..engines._ffmpeg import ffmpeg_version, find_ffmpeg
    from ..errors import FFmpegError
    from ._advice import flag

    try:
        exe = find_ffmpeg(path)
        line = ffmpeg_version(exe)
    except FFmpegError as exc:
        return None, f"unavailable: {exc.describe(flag)}"
    return exe, line.removesuffix(f" ({exe})")
