"""Extra metrics computed in the same pass as VMAF: PSNR, SSIM, MS-SSIM, CIEDE2000, CAMBI.

libvmaf carries feature extractors beyond the ones its models use. A feature
is named as on the command line of libvmaf's own tool, optionally followed by
extractor options in libvmaf's syntax::

    psnr                     # psnr_y, psnr_cb, psnr_cr
    ssim                     # float_ssim
    ms_ssim                  # float_ms_ssim
    ciede                    # ciede2000
    cambi:full_ref=true      # cambi, cambi_full_reference, cambi_source
    psnr_hvs                 # psnr_hvs_y, psnr_hvs_cb, psnr_hvs_cr, psnr_hvs

Values appear per frame in :attr:`pyvmafneg.Result.features` and the logs
under libvmaf's own names. :func:`parse_feature` is the one place that maps
a name to an extractor, for the in-process binding and FFmpeg's filter alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import FeatureError

__all__ = [
    "FEATURES",
    "FeatureSpec",
    "ffmpeg_feature_option",
    "refuse_features",
    "resolve_features",
]

#: Feature names accepted -> libvmaf's extractor name.
FEATURES: dict[str, str] = {
    "psnr": "psnr",
    "ssim": "float_ssim",
    "ms_ssim": "float_ms_ssim",
    "ciede": "ciede",
    "cambi": "cambi",
    "psnr_hvs": "psnr_hvs",
    "float_ssim": "float_ssim",
    "float_ms_ssim": "float_ms_ssim",
}

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VALUE = re.compile(r"^[A-Za-z0-9_.+-]+$")


@dataclass(frozen=True)
class FeatureSpec:
    """One extra feature extractor and its options.

    Attributes
    ----------
    name:
        The name as given (e.g. ``'ssim'``).
    extractor:
        libvmaf's extractor name (e.g. ``'float_ssim'``).
    options:
        ``(key, value)`` extractor options, in the order given.
    """

    name: str
    extractor: str
    options: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        """E.g. ``'cambi:full_ref=true'``."""
        return ":".join([self.extractor, *(f"{k}={v}" for k, v in self.options)])


def parse_feature(text: str | FeatureSpec) -> FeatureSpec:
    """Parse ``'name'`` or ``'name:key=value:key=value'``.

    Raises
    ------
    FeatureError
        Unknown name, or an option that is not ``key=value`` with plain
        characters (letters, digits, ``_ . + -``).
    """
    if isinstance(text, FeatureSpec):
        return text
    raw = str(text).strip()
    name, *opts = raw.split(":")
    key = name.strip().lower()
    if key not in FEATURES:
        raise FeatureError(
            f"unknown feature {name!r}; use one of {', '.join(FEATURES)} (with libvmaf "
            "options as name:key=value, e.g. 'cambi:full_ref=true')",
            feature=raw,
            known=tuple(FEATURES),
        )
    options = []
    for opt in opts:
        k, sep, v = opt.partition("=")
        k, v = k.strip(), v.strip()
        if not sep or not _KEY.match(k) or not _VALUE.match(v):
            raise FeatureError(
                f"feature option {opt!r} in {raw!r} is not key=value (letters, digits, "
                "'_', '.', '+', '-'), e.g. 'cambi:full_ref=true'",
                feature=raw,
                known=tuple(FEATURES),
            )
        options.append((k, v))
    return FeatureSpec(key, FEATURES[key], tuple(options))


def resolve_features(
    features: Iterable[str | FeatureSpec] | str | FeatureSpec | None,
) -> list[FeatureSpec]:
    """Parse a feature list (None: none), dropping repeats of the same extractor and options."""
    if features is None:
        return []
    if isinstance(features, (str, FeatureSpec)):
        features = [features]
    out: list[FeatureSpec] = []
    for item in features:
        spec = parse_feature(item)
        if all((s.extractor, s.options) != (spec.extractor, spec.options) for s in out):
            out.append(spec)
    return out


def ffmpeg_feature_option(specs: Iterable[FeatureSpec]) -> str:
    """FFmpeg's libvmaf ``feature`` value: ``name=psnr|name=cambi\\:full_ref=true``."""
    parts = []
    for spec in specs:
        opts = [f"name={spec.extractor}", *(f"{k}={v}" for k, v in spec.options)]
        parts.append("\\:".join(opts))
    return "|".join(parts)


def refuse_features(features: object, backend: str) -> None:
    """Raise :class:`FeatureError` when a backend without extra extractors is given some."""
    specs = resolve_features(features)  # type: ignore[arg-type]
    if specs:
        raise FeatureError(
            f"the {backend} backend computes the VMAF models only, not "
            f"{', '.join(s.describe() for s in specs)}; score extra features with the "
            "'libvmaf' or 'ffmpeg' backend",
            feature=specs[0].describe(),
            known=tuple(FEATURES),
            backend=backend,
        )
