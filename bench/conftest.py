"""Fixtures of the benchmarks: one test clip per size, built once per session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from benchkit import Media, make_media


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Media]:
    """``media(size)``: the clip of that size (raw reference, x264 distorted), made on first use."""
    made: dict[str, Media] = {}

    def get(size: str) -> Media:
        if size not in made:
            made[size] = make_media(size, tmp_path_factory.mktemp(f"media-{size}"))
        return made[size]

    return get
