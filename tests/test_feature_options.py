"""Extractor options are checked against libvmaf 3.2.0's declared options before libvmaf sees them.

libvmaf crashes (a segmentation fault, no message) on some bad option values
and silently ignores unknown ones; every value is checked here first. Each
declared option's bounds are tried on real libvmaf at test time: a value at
either bound is accepted and scores, one just outside is refused with facts.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from helpers import blur
from media_helpers import to_y4m

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo._clips import map_frames, natural_clip
from pyvmafneg.engines._features import EXTRACTOR_OPTIONS, FEATURES, resolve_features

HOSTILE = [
    "cambi:full_ref=maybe",
    "psnr:enable_chroma=maybe",
    "ssim:scale=abc",
    "ssim:scale=3.5",
    "psnr:min_sse=foo",
    "psnr:min_sse=-1",
    "psnr:min_sse=inf",
    "cambi:window_size=3",
    "cambi:window_size=-5",
    "cambi:tvi_threshold=1e999",
    "cambi:tvi_threshold=nan",
    "cambi:eotf=hlg",
    "cambi:heatmaps_path=x",
    "cambi:cambi_vis_lum_threshold=100",
    "psnr:foo=bar",
    "ciede:scale=1",
    "psnr:enable_chroma=true:enable_chroma=false",
]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("featopts")
    ref = natural_clip("coffee", frames=2, width=256, height=192)
    dis = map_frames(ref, lambda p: blur(p, 1.2))
    return to_y4m(ref, tmp / "ref.y4m"), to_y4m(dis, tmp / "dis.y4m")


@pytest.mark.parametrize("feature", HOSTILE)
def test_hostile_option_is_refused_with_facts(feature: str) -> None:
    with pytest.raises(pyvmafneg.FeatureError) as info:
        resolve_features([feature])
    assert info.value.feature == feature
    key = feature.split(":")[1].split("=")[0]
    assert info.value.option == key and repr(key) in str(info.value) or key in str(info.value)


def _bound_values() -> list[tuple[str, str, str]]:
    alias = {v: k for k, v in FEATURES.items() if k != v}
    out = []
    for extractor, options in EXTRACTOR_OPTIONS.items():
        for key, spec in options.items():
            name = alias.get(extractor, extractor)
            if spec.kind == "bool":
                values = ["true", "false"]
            elif spec.kind == "choice":
                values = list(spec.choices)
            else:
                fmt = (lambda x: str(int(x))) if spec.kind == "int" else repr
                values = [fmt(b) for b in (spec.low, spec.high) if b is not None]
            out += [(name, key, v) for v in values]
    return out


def test_every_declared_option_is_accepted_by_libvmaf_at_its_bounds(pair) -> None:
    """The table is libvmaf's: each value it lets through, libvmaf takes and scores."""
    ref, dis = pair
    by_feature: dict[str, list[str]] = {}
    for name, key, value in _bound_values():
        by_feature.setdefault(name, []).append(f"{key}={value}")
    for name, opts in by_feature.items():
        for opt in opts:
            feature = f"{name}:{opt}"
            result = pyvmafneg.score(ref, dis, features=[feature], backend="libvmaf")
            extra = [k for k in result.features if not k.startswith(("integer_", "VMAF_"))]
            assert extra, feature
            assert all(np.all(np.isfinite(result[k])) for k in extra), feature


@pytest.mark.parametrize("feature", ["cambi:window_size=14", "cambi:window_size=128"])
def test_just_outside_the_bounds_is_refused(feature: str) -> None:
    with pytest.raises(pyvmafneg.FeatureError, match="integer from 15 to 127"):
        resolve_features([feature])


def test_second_feature_with_other_options_is_refused() -> None:
    with pytest.raises(pyvmafneg.FeatureError, match="asked for twice"):
        resolve_features(["psnr", "psnr:enable_chroma=false"])
    with pytest.raises(pyvmafneg.FeatureError, match="asked for twice"):
        resolve_features(["ssim", "float_ssim:scale=2"])
    assert len(resolve_features(["psnr", "psnr"])) == 1


@pytest.mark.parametrize("extra", [[], ["--segments", "2", "--workers", "1"]], ids=["one", "seg"])
@pytest.mark.parametrize("feature", ["cambi:window_size=3", "psnr:foo=bar"])
def test_cli_refuses_in_one_line_with_and_without_segments(
    pair, tmp_path, feature: str, extra: list[str]
) -> None:
    ref, dis = pair
    out = tmp_path / "never.json"
    argv = ["score", "-r", str(ref), "-d", str(dis), "--feature", feature, "-o", str(out), "-q"]
    proc = subprocess.run(
        [sys.executable, "-m", "pyvmafneg", *argv, *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert feature.split(":")[1].split("=")[0] in err
    assert not out.exists()


def test_cli_second_feature_refused(pair, capsys) -> None:
    ref, dis = pair
    argv = ["score", "-r", str(ref), "-d", str(dis), "--feature", "psnr"]
    assert main([*argv, "--feature", "psnr:enable_chroma=false", "-q"]) == 2
    assert "asked for twice" in capsys.readouterr().err


def test_withheld_options_say_why() -> None:
    with pytest.raises(pyvmafneg.FeatureError, match="crashes on values inside its own"):
        resolve_features(["cambi:cambi_vis_lum_threshold=100"])
    with pytest.raises(pyvmafneg.FeatureError, match="heat-map files"):
        resolve_features(["cambi:heatmaps_path=x"])
