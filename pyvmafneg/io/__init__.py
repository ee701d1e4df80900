"""Inputs: the frame type and readers that yield frames lazily.

Readers know nothing of scoring. :class:`Frame` holds the planes of one
picture (luma and optional chroma, ``uint8`` or ``uint16``);
:func:`open_video` opens raw YUV, Y4M or anything PyAV decodes as a
:class:`VideoSource`; :func:`prepare_pair` scales a pair to one size and
offsets one clip, lazily, for every engine.
"""

from ._frame import BITDEPTHS, PIXEL_FORMATS, Frame, FrameLike, as_frame
from ._prepare import (
    DEFAULT_SCALER,
    SCALERS,
    PreparedPair,
    ScalePlan,
    plan_scaling,
    prepare_pair,
    scale_frame,
    scale_frames,
)
from ._rawyuv import read_yuv, write_yuv
from ._sources import VideoSource, open_video
from ._sync import SyncResult, find_offset
from ._y4m import read_y4m, write_y4m

__all__ = [
    "BITDEPTHS",
    "DEFAULT_SCALER",
    "PIXEL_FORMATS",
    "SCALERS",
    "Frame",
    "FrameLike",
    "PreparedPair",
    "ScalePlan",
    "SyncResult",
    "VideoSource",
    "as_frame",
    "find_offset",
    "open_video",
    "plan_scaling",
    "prepare_pair",
    "read_y4m",
    "read_yuv",
    "scale_frame",
    "scale_frames",
    "write_y4m",
    "write_yuv",
]
