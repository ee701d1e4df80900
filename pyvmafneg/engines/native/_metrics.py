"""PSNR, float SSIM and MS-SSIM in the native pass: which requests the engine takes, and
their values.

libvmaf's ``psnr``, ``float_ssim`` and ``float_ms_ssim`` extractors are computed by the
engine in the same per-frame call as VIF, ADM and motion (``csrc/psnr.c``,
``csrc/ssim.c``, ``csrc/ms_ssim.c``; docs/internals-metrics.md). The engine takes a
request when it knows every option given, with a value libvmaf would accept:

``psnr``
    ``enable_chroma``, ``enable_mse``, ``enable_apsnr``, ``reduced_hbd_peak``
    (``true``/``false``) and ``min_sse`` (a number >= 0). ``psnr_y`` (and
    ``psnr_cb``, ``psnr_cr`` for colour frames with chroma enabled), ``mse_*``
    with ``enable_mse``. ``enable_apsnr`` adds only a whole-clip aggregate,
    which results do not carry, so it changes no per-frame value.
``float_ssim``
    ``enable_lcs``, ``enable_db``, ``clip_db`` (``true``/``false``) and
    ``scale`` (0..10). ``float_ssim`` (in dB with ``enable_db``) and, with
    ``enable_lcs``, ``float_ssim_l``, ``float_ssim_c``, ``float_ssim_s``.
``float_ms_ssim``
    ``enable_lcs``, ``enable_db``, ``clip_db`` (``true``/``false``).
    ``float_ms_ssim`` (in dB with ``enable_db``) and, with ``enable_lcs``,
    ``float_ms_ssim_l_scale0`` .. ``float_ms_ssim_s_scale4`` (the means of l, c
    and s at each of the five scales).

Anything else (other extractors, unknown options or values, a second request
of the same extractor) is left to libvmaf.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from .._features import FeatureSpec
from ._kernels import METRIC_KEYS, MS_SSIM_KEYS, MetricSettings

__all__ = ["NativeMetrics", "split_features"]

_BOOL: Final[dict[str, bool]] = {"true": True, "false": False}
_PSNR_BOOLS: Final[frozenset[str]] = frozenset(
    {"enable_chroma", "enable_mse", "enable_apsnr", "reduced_hbd_peak"}
)
_SSIM_BOOLS: Final[frozenset[str]] = frozenset({"enable_lcs", "enable_db", "clip_db"})
#: The extractors the engine computes.
NATIVE_EXTRACTORS: Final[tuple[str, ...]] = ("psnr", "float_ssim", "float_ms_ssim")
_COL: Final[dict[str, int]] = {k: i for i, k in enumerate(METRIC_KEYS)}


def _log10(x: float) -> float:
    """C's log10 (the same libm as ``math.log10``), -inf at 0."""
    return math.log10(x) if x > 0 else -math.inf


def _ceil(x: float) -> float:
    return float(math.ceil(x)) if math.isfinite(x) else x


def _db_max(
    options: dict[str, bool | float | int], bitdepth: int, width: int, height: int
) -> float | None:
    """The dB ceiling of an SSIM extractor's ``enable_db`` (None: values stay as they are):
    infinite, or with ``clip_db`` the dB of half a squared step per frame."""
    if not options.get("enable_db"):
        return None
    if not options.get("clip_db"):
        return math.inf
    peak = (1 << bitdepth) - 1
    mse = 0.5 / (width * height)
    return _ceil(10.0 * _log10(float(peak * peak) / mse))


def _to_db(value: float, db_max: float) -> float:
    """libvmaf's ``min(-10 log10(1 - value), db_max)``: ``db_max`` where the logarithm is
    infinite or not a number (value 1 or more, NaN)."""
    return min(-10.0 * math.log10(1 - value), db_max) if value < 1 else db_max


def _options(spec: FeatureSpec) -> dict[str, bool | float | int] | None:
    """The request's options as values, or None when the engine does not take it."""
    out: dict[str, bool | float | int] = {}
    bools = _PSNR_BOOLS if spec.extractor == "psnr" else _SSIM_BOOLS
    for key, text in spec.options:
        if key in out:
            return None
        if key in bools:
            if text not in _BOOL:
                return None
            out[key] = _BOOL[text]
        elif spec.extractor == "psnr" and key == "min_sse":
            try:
                value = float(text)
            except ValueError:
                return None
            if not math.isfinite(value) or value < 0:
                return None
            out[key] = value
        elif spec.extractor == "float_ssim" and key == "scale":
            if not text.isdigit() or not 0 <= int(text) <= 10:
                return None
            out[key] = int(text)
        else:
            return None
    return out


def split_features(
    specs: Iterable[FeatureSpec],
) -> tuple[list[FeatureSpec], list[FeatureSpec]]:
    """Split feature requests into those the engine computes and those left to libvmaf."""
    specs = list(specs)
    native, rest = [], []
    for spec in specs:
        same = sum(s.extractor == spec.extractor for s in specs)
        if spec.extractor in NATIVE_EXTRACTORS and same == 1 and _options(spec) is not None:
            native.append(spec)
        else:
            rest.append(spec)
    return native, rest


@dataclass(frozen=True)
class NativeMetrics:
    """The PSNR, SSIM and MS-SSIM requests of one clip, fixed at its first frame.

    Built by :meth:`for_clip` from the requests the engine takes and the
    clip's geometry, as libvmaf's extractors set themselves up.
    """

    settings: MetricSettings
    psnr_keys: tuple[str, ...]
    ssim_keys: tuple[str, ...]
    ssim_db_max: float | None
    ms_ssim_keys: tuple[str, ...] = ()
    ms_ssim_db_max: float | None = None

    @classmethod
    def for_clip(
        cls,
        specs: Sequence[FeatureSpec],
        *,
        bitdepth: int,
        pixel_format: str,
        width: int,
        height: int,
    ) -> NativeMetrics:
        """Settings and output names for ``specs`` on ``width`` x ``height`` frames."""
        psnr = next((s for s in specs if s.extractor == "psnr"), None)
        ssim = next((s for s in specs if s.extractor == "float_ssim"), None)
        ms_ssim = next((s for s in specs if s.extractor == "float_ms_ssim"), None)
        planes, peak_sq, psnr_max = 0, 65025.0, (0.0, 0.0, 0.0)
        psnr_keys: tuple[str, ...] = ()
        if psnr is not None:
            o = _options(psnr) or {}
            chroma = bool(o.get("enable_chroma", True)) and pixel_format != "400"
            planes = 3 if chroma else 1
            peak = (255 << (bitdepth - 8)) if o.get("reduced_hbd_peak") else (1 << bitdepth) - 1
            # 8-bit planes divide by 255^2 whatever the peak; deeper ones by the peak squared
            peak_sq = 65025.0 if bitdepth == 8 else float(peak * peak)
            min_sse = float(o.get("min_sse", 0.0))
            ceilings = []
            for i in range(3):
                if min_sse != 0.0:
                    ss_hor = pixel_format != "444"
                    ss_ver = pixel_format == "420"
                    n = (width // 2 if i and ss_hor else width) * (
                        height // 2 if i and ss_ver else height
                    )
                    mse = min_sse / n if n else math.inf
                    ceilings.append(_ceil(10.0 * _log10(float(peak * peak) / mse)))
                else:
                    ceilings.append(float(6 * bitdepth + 12))
            psnr_max = (ceilings[0], ceilings[1], ceilings[2])
            names = ("y", "cb", "cr")[:planes]
            psnr_keys = tuple(f"psnr_{p}" for p in names)
            if o.get("enable_mse"):
                psnr_keys += tuple(f"mse_{p}" for p in names)
        ssim_keys: tuple[str, ...] = ()
        db_max: float | None = None
        scale = 0
        if ssim is not None:
            o = _options(ssim) or {}
            scale = int(o.get("scale", 0))
            ssim_keys = ("float_ssim",)
            if o.get("enable_lcs"):
                ssim_keys += ("float_ssim_l", "float_ssim_c", "float_ssim_s")
            db_max = _db_max(o, bitdepth, width, height)
        ms_keys: tuple[str, ...] = ()
        ms_db_max: float | None = None
        if ms_ssim is not None:
            o = _options(ms_ssim) or {}
            ms_keys = MS_SSIM_KEYS if o.get("enable_lcs") else MS_SSIM_KEYS[:1]
            ms_db_max = _db_max(o, bitdepth, width, height)
        settings = MetricSettings(
            psnr_planes=planes,
            psnr_peak_sq=peak_sq,
            psnr_max=psnr_max,
            ssim=ssim is not None,
            ssim_scale=scale,
            ms_ssim=ms_ssim is not None,
        )
        return cls(settings, psnr_keys, ssim_keys, db_max, ms_keys, ms_db_max)

    @property
    def keys(self) -> tuple[str, ...]:
        """Result feature names these requests produce, in libvmaf's order."""
        return self.psnr_keys + self.ssim_keys + self.ms_ssim_keys

    def columns(self, values: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
        """Per-frame feature columns from the rows' metric values (``METRIC_KEYS`` order)."""
        out = {key: values[:, _COL[key]] for key in self.psnr_keys}
        for key in self.ssim_keys + self.ms_ssim_keys:
            col = values[:, _COL[key]]
            db_max = {"float_ssim": self.ssim_db_max, "float_ms_ssim": self.ms_ssim_db_max}.get(key)
            if db_max is not None:
                col = np.array([_to_db(v, db_max) for v in col], dtype=np.float64)
            out[key] = col
        return out
