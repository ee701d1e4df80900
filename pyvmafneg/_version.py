"""The package version, read from the installed metadata (written once, in pyproject.toml)."""

from __future__ import annotations

from functools import cache

__all__ = ["package_version"]


@cache
def package_version() -> str:
    """pyvmafneg's version, e.g. ``'0.1.0'``; ``'0+unknown'`` in a never-installed tree."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pyvmafneg")
    except PackageNotFoundError:
        return "0+unknown"
