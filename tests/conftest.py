"""Shared fixtures: natural clips with motion made from images shipped in scikit-image."""

from __future__ import annotations

import pytest
from helpers import blur, unsharp

from pyvmafneg.demo._clips import map_frames, natural_clip
from pyvmafneg.io._frame import Frame


@pytest.fixture(scope="session")
def clip8() -> list[Frame]:
    """8-bit 4:2:0 352x288, 5 frames panning across the astronaut photo."""
    return natural_clip("astronaut", frames=5, width=352, height=288)


@pytest.fixture(scope="session")
def sharpened8(clip8: list[Frame]) -> list[Frame]:
    return map_frames(clip8, lambda p: unsharp(p, 2.0))


@pytest.fixture(scope="session")
def blurred8(clip8: list[Frame]) -> list[Frame]:
    return map_frames(clip8, blur)
