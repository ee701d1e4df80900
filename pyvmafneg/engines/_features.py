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

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import FeatureError

__all__ = [
    "EXTRACTOR_OPTIONS",
    "FEATURES",
    "WITHHELD_OPTIONS",
    "FeatureSpec",
    "OptionSpec",
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


@dataclass(frozen=True)
class OptionSpec:
    """One option an extractor declares: its type and accepted range.

    Attributes
    ----------
    kind:
        ``'bool'`` (``true`` or ``false``), ``'int'``, ``'float'`` or
        ``'choice'`` (one of ``choices``).
    low, high:
        Inclusive bounds of an ``int`` or ``float`` option (None: unbounded).
    choices:
        The values a ``choice`` option takes.
    """

    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def describe(self) -> str:
        """What a value must be, e.g. ``'an integer from 15 to 127'``."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        what = "an integer" if self.kind == "int" else "a finite number"
        if self.low is not None and self.high is not None:
            return f"{what} from {self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"{what} >= {self.low:g}"
        return what

    def check(self, value: str) -> bool:
        """Whether ``value`` (as text) is one this option takes."""
        if self.kind == "bool":
            return value in ("true", "false")
        if self.kind == "choice":
            return value in self.choices
        try:
            number = int(value) if self.kind == "int" else float(value)
        except ValueError:
            return False
        if not math.isfinite(number):
            return False
        return (self.low is None or number >= self.low) and (
            self.high is None or number <= self.high
        )


#: One row per option an extractor of libvmaf 3.2.0 declares, as its option
#: tables give them: extractor, option, kind (see :class:`OptionSpec`), inclusive
#: bounds of a number (None: unbounded) and the values of a choice.
_OPTION_ROWS: tuple[tuple[str, str, str, float | None, float | None, tuple[str, ...]], ...] = (
    # extractor        option                    kind      low      high     choices
    ("psnr",           "enable_chroma",          "bool",   None,    None,    ()),
    ("psnr",           "enable_mse",             "bool",   None,    None,    ()),
    ("psnr",           "enable_apsnr",           "bool",   None,    None,    ()),
    ("psnr",           "reduced_hbd_peak",       "bool",   None,    None,    ()),
    ("psnr",           "min_sse",                "float",  0.0,     None,    ()),
    ("float_ssim",     "enable_lcs",             "bool",   None,    None,    ()),
    ("float_ssim",     "enable_db",              "bool",   None,    None,    ()),
    ("float_ssim",     "clip_db",                "bool",   None,    None,    ()),
    ("float_ssim",     "scale",                  "int",    0,       10,      ()),
    ("float_ms_ssim",  "enable_lcs",             "bool",   None,    None,    ()),
    ("float_ms_ssim",  "enable_db",              "bool",   None,    None,    ()),
    ("float_ms_ssim",  "clip_db",                "bool",   None,    None,    ()),
    ("cambi",          "cambi_max_val",          "float",  0.0,     1000.0,  ()),
    ("cambi",          "enc_width",              "int",    180,     7680,    ()),
    ("cambi",          "enc_height",             "int",    150,     7680,    ()),
    ("cambi",          "enc_bitdepth",           "int",    6,       16,      ()),
    ("cambi",          "src_width",              "int",    320,     7680,    ()),
    ("cambi",          "src_height",             "int",    200,     4320,    ()),
    ("cambi",          "window_size",            "int",    15,      127,     ()),
    ("cambi",          "topk",                   "float",  0.0001,  1.0,     ()),
    ("cambi",          "cambi_topk",             "float",  0.0001,  1.0,     ()),
    ("cambi",          "tvi_threshold",          "float",  0.0001,  1.0,     ()),
    ("cambi",          "max_log_contrast",       "int",    0,       5,       ()),
    ("cambi",          "full_ref",               "bool",   None,    None,    ()),
    ("cambi",          "eotf",                   "choice", None,    None,    ("bt1886", "pq")),
    ("cambi",          "cambi_eotf",             "choice", None,    None,    ("bt1886", "pq")),
    ("cambi",          "cambi_high_res_speedup", "int",    0,       2160,    ()),
)  # fmt: skip


def _option_table(
    rows: Iterable[tuple[str, str, str, float | None, float | None, tuple[str, ...]]],
) -> dict[str, dict[str, OptionSpec]]:
    """Extractor -> option -> :class:`OptionSpec`, every extractor of :data:`FEATURES`
    present (those declaring no options with an empty table)."""
    table: dict[str, dict[str, OptionSpec]] = {extractor: {} for extractor in FEATURES.values()}
    for extractor, option, kind, low, high, choices in rows:
        table[extractor][option] = OptionSpec(kind, low, high, choices)
    return table


#: Options each extractor of libvmaf 3.2.0 declares (name -> type and range), from
#: the rows above. libvmaf parses integers with ``atoi`` and numbers with
#: ``atof`` (so ``3.5`` would silently become 3) and some bad values crash it;
#: every value is checked here first, strictly. Two declared options are not
#: offered (:data:`WITHHELD_OPTIONS`).
EXTRACTOR_OPTIONS: dict[str, dict[str, OptionSpec]] = _option_table(_OPTION_ROWS)

#: Declared options refused on purpose, with the reason given to the caller.
WITHHELD_OPTIONS: dict[tuple[str, str], str] = {
    ("cambi", "heatmaps_path"): "libvmaf would write heat-map files outside the run's outputs",
    ("cambi", "cambi_vis_lum_threshold"): (
        "libvmaf 3.2.0 crashes on values inside its own declared range (0 to 300 cd/m2), "
        "e.g. 100 with the other options at their defaults, or 11 with tvi_threshold=1 and "
        "max_log_contrast=5"
    ),
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
        _check_option(raw, FEATURES[key], k, v)
        if any(k == seen for seen, _ in options):
            raise FeatureError(
                f"feature option {k!r} is given twice in {raw!r}",
                feature=raw,
                known=tuple(FEATURES),
            )
        options.append((k, v))
    return FeatureSpec(key, FEATURES[key], tuple(options))


def _check_option(raw: str, extractor: str, key: str, value: str) -> None:
    """Raise :class:`FeatureError` unless ``extractor`` declares ``key`` and takes ``value``."""
    declared = EXTRACTOR_OPTIONS[extractor]
    withheld = WITHHELD_OPTIONS.get((extractor, key))
    spec = declared.get(key)
    if withheld is not None:
        problem = f"{extractor} option {key} is not offered: {withheld}"
    elif spec is None:
        takes = f"it takes {', '.join(sorted(declared))}" if declared else "it takes no options"
        problem = f"{extractor} has no option {key!r}; {takes}"
    elif not spec.check(value):
        problem = f"{extractor} option {key} must be {spec.describe()}, got {value!r}"
    else:
        return
    raise FeatureError(
        f"feature {raw!r}: {problem}",
        feature=raw,
        known=tuple(FEATURES),
        option=key,
        value=value,
    )


def resolve_features(
    features: Iterable[str | FeatureSpec] | str | FeatureSpec | None,
) -> list[FeatureSpec]:
    """Parse a feature list (None: none), dropping exact repeats.

    Raises
    ------
    FeatureError
        A feature is malformed (see :func:`parse_feature`), or one extractor is
        asked for twice with different options: libvmaf would compute it once
        and keep one set of values under the same names.
    """
    if features is None:
        return []
    if isinstance(features, (str, FeatureSpec)):
        features = [features]
    out: list[FeatureSpec] = []
    for item in features:
        spec = parse_feature(item)
        if isinstance(item, FeatureSpec):
            for key, value in spec.options:
                _check_option(spec.describe(), spec.extractor, key, value)
        same = [s for s in out if s.extractor == spec.extractor]
        if not same:
            out.append(spec)
        elif same[0].options != spec.options:
            raise FeatureError(
                f"{spec.extractor} is asked for twice, as {same[0].describe()!r} and "
                f"{spec.describe()!r}; give it once, with all its options",
                feature=spec.describe(),
                known=tuple(FEATURES),
            )
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
