"""Defaults and fixed choices that the layers share with the command line.

Plain values, importable without NumPy, so that building the command line's
argument parsers stays cheap (``pyvmafneg --help`` imports no scoring
machinery). Each value belongs to the layer named in its comment, which
re-exports it; code outside ``cli/`` takes it from there.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_BORDERLINE",
    "DEFAULT_SCALER",
    "DEFAULT_THRESHOLD",
    "DEMO_IMAGE",
    "DEMO_IMAGES",
    "DEMO_MAX_FRAMES",
    "DEMO_OUT",
    "GAIN_LIMIT_RANGE",
    "LOG_FORMATS",
    "SCALERS",
]

#: libvmaf's accepted range for both enhancement gain limits, inclusive: the one
#: definition (:mod:`pyvmafneg.engines`).
GAIN_LIMIT_RANGE: tuple[float, float] = (1.0, 100.0)

#: Log formats :func:`pyvmafneg.results.write_log` writes and ``read_log`` reads.
LOG_FORMATS: tuple[str, ...] = ("json", "xml", "csv")

#: Default largest acceptable pooled gap, default minus NEG, in VMAF points
#: (:func:`pyvmafneg.check`; calibrated: above every honest encode of the suite,
#: whose largest was 3.17).
DEFAULT_THRESHOLD = 3.25
#: Pooled gap above which a clip is borderline, in VMAF points (:func:`pyvmafneg.check`).
DEFAULT_BORDERLINE = 2.5

#: Scaling algorithms (:mod:`pyvmafneg.io`): this package's name -> libswscale's
#: flag (PyAV's ``Interpolation`` member). FFmpeg's ``scale`` filter takes the
#: same names in ``flags=`` (``neighbor`` is libswscale's ``SWS_POINT``).
SCALERS: dict[str, str] = {
    "bicubic": "BICUBIC",
    "lanczos": "LANCZOS",
    "bilinear": "BILINEAR",
    "neighbor": "POINT",
    "spline": "SPLINE",
    "area": "AREA",
}
#: The scaling algorithm used when none is named (FFmpeg's ``scale`` filter default).
DEFAULT_SCALER = "bicubic"

#: Photographs the demo clips are made from, by name (all ship inside scikit-image;
#: :data:`pyvmafneg.demo.IMAGES`).
DEMO_IMAGES: tuple[str, ...] = (
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "stereo_motorcycle",
    "retina",
    "immunohistochemistry",
    "camera",
)
#: The demo's default photograph: a low-contrast one, where enhancement pays most.
DEMO_IMAGE = "chelsea"
#: Output directory of ``pyvmafneg demo`` when none is given.
DEMO_OUT = "pyvmafneg-demo"
#: Longest clip the demo builds, in frames (it holds every version in memory).
DEMO_MAX_FRAMES = 1000
#: Bootstrap replicates of a clip's intervals (pooled scores and the gap) by default.
DEFAULT_REPLICATES = 2000
#: Most bootstrap replicates taken (8 bytes each are held; beyond a million the reported
#: digits no longer move, and 10**12 would need terabytes).
MAX_REPLICATES = 1_000_000
#: Coverage of those intervals by default.
DEFAULT_INTERVAL_LEVEL = 0.95
#: Bootstrap replicates of a comparison's BD intervals by default (each recomputes every BD figure).
DEFAULT_BD_REPLICATES = 300
