"""The per-frame cap report (``pyvmafneg.engines.reference._explain``) and ``pyvmafneg explain``.

Every capped/uncapped feature and score in a report is held against libvmaf
(through the binding) on the same frames at test time: the uncapped features
against ``integer_*``, the capped ones against ``integer_*_egl_<limit>``, the
implied scores against ``vmaf`` and ``vmaf_neg`` (or a model overloaded with
the same limit).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest

import pyvmafneg
from pyvmafneg.cli import main
from pyvmafneg.demo import _enhance as enhance
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.engines.reference._explain import (
    FEATURES,
    FrameCap,
    explain_frames,
    explain_pair,
    format_frame,
    format_summary,
    summarize,
)
from pyvmafneg.errors import FrameError, FrameMismatchError, GainLimitError
from pyvmafneg.io._frame import Frame
from pyvmafneg.io._rawyuv import write_yuv
from pyvmafneg.io._y4m import write_y4m
from pyvmafneg.results._result import Result

EDITS = {
    "unsharp": {"operation": "unsharp", "sigma": 1.5, "amount": 1.5},
    "contrast": {"operation": "contrast", "gain": 1.25},
    "reduced": {"operation": "contrast", "gain": 0.5},
}


@functools.cache
def _case(edit: str, bitdepth: int) -> tuple[list[Frame], list[Frame], Result, list[FrameCap]]:
    image = "astronaut" if bitdepth == 8 else "coffee"
    ref = natural_clip(image, frames=3, width=176, height=144, bitdepth=bitdepth)
    params = dict(EDITS[edit])
    dis = enhance.apply_to_frames(ref, params.pop("operation"), **params)
    lib = pyvmafneg.score(ref, dis, clip=False, backend="libvmaf")
    caps = list(explain_frames(ref, dis, keep_maps=True))
    return ref, dis, lib, caps


def assert_report_matches(caps: list[FrameCap], lib: Result, neg_key: str = "vmaf_neg") -> None:
    assert [c.frame for c in caps] == list(lib.frames)
    for cap in caps:
        i = cap.frame
        assert cap.motion2 == lib["integer_motion2"][i]
        for key in FEATURES:
            assert cap.uncapped[key] == lib[key][i], key
            assert cap.capped[key] == lib[cap.capped_keys[key]][i], cap.capped_keys[key]
        assert abs(cap.vmaf - lib["vmaf"][i]) <= 1e-9
        assert abs(cap.vmaf_capped - lib[neg_key][i]) <= 1e-9


@pytest.mark.parametrize("bitdepth", [8, 10])
@pytest.mark.parametrize("edit", list(EDITS))
def test_report_equals_libvmaf(edit: str, bitdepth: int) -> None:
    _, _, lib, caps = _case(edit, bitdepth)
    assert_report_matches(caps, lib)


@pytest.mark.parametrize("bitdepth", [8, 10])
@pytest.mark.parametrize("edit", ["unsharp", "contrast"])
def test_enhancement_cap_bites_everywhere_it_should(edit: str, bitdepth: int) -> None:
    for cap in _case(edit, bitdepth)[3]:
        assert cap.bites
        assert all(f > 0 for f in cap.vif_fraction), cap.vif_fraction
        assert all(f > 0 for scale in cap.adm_fraction for f in scale), cap.adm_fraction
        assert cap.adm_fraction_total > 0
        for key in [*FEATURES[:4], "integer_adm2"]:
            assert cap.capped[key] < cap.uncapped[key], key
        assert cap.vmaf_drop > 1.0


@pytest.mark.parametrize("bitdepth", [8, 10])
def test_contrast_reduction_no_vif_gain_above_one(bitdepth: int) -> None:
    for cap in _case("reduced", bitdepth)[3]:
        assert cap.vif_fraction == (0.0, 0.0, 0.0, 0.0)
        assert cap.vif_maps is not None
        for s in range(4):
            assert np.nanmax(cap.vif_maps.gain[s]) < 1.0
            assert cap.capped[f"integer_vif_scale{s}"] == cap.uncapped[f"integer_vif_scale{s}"]
        # ADM still moves by Q15 rounding of the restoration gain (see test_reference_backend).
        assert 0 <= cap.uncapped["integer_adm2"] - cap.capped["integer_adm2"] <= 5e-5


def test_maps_are_consistent_with_the_fractions() -> None:
    for cap in _case("unsharp", 10)[3]:
        vif, adm = cap.vif_maps, cap.adm_maps
        assert vif is not None and adm is not None
        for s in range(4):
            g, gc, mask = vif.gain[s], vif.gain_capped[s], vif.cap_mask[s]
            used = ~np.isnan(g)
            assert np.array_equal(used, vif.used[s])
            assert np.array_equal(mask, used & (np.nan_to_num(g) > cap.gain_limit))
            assert np.array_equal(gc[used], np.minimum(g[used], cap.gain_limit))
            assert cap.vif_fraction[s] == mask.mean()
            for b, name in enumerate("hvd"):
                band = adm.band(s, name)
                top, bottom, left, right = band.roi
                changed = band.restored_uncapped != band.restored_capped
                assert np.array_equal(changed, band.cap_map)
                assert cap.adm_fraction[s][b] == changed[top:bottom, left:right].mean()
                # The cap only ever shrinks restored detail.
                assert (np.abs(band.restored_capped) <= np.abs(band.restored_uncapped)).all()


def test_other_gain_limit_matches_an_overloaded_libvmaf_model() -> None:
    ref, dis, _, _ = _case("unsharp", 8)
    models = ["vmaf_v0.6.1:name=vmaf", "vmaf_v0.6.1:name=egl2:egl=2"]
    lib = pyvmafneg.score(ref, dis, models, clip=False, backend="libvmaf")
    caps = list(explain_frames(ref, dis, gain_limit=2.0))
    assert all(c.vif_maps is None for c in caps)  # maps only on request
    assert caps[0].capped_keys["integer_adm2"] == "integer_adm2_egl_2"
    assert_report_matches(caps, lib, neg_key="egl2")


def test_single_pair_equals_the_streamed_frame() -> None:
    ref, dis, lib, caps = _case("contrast", 10)
    one = explain_pair(ref[1].luma, dis[1].luma, 10, motion2=caps[1].motion2, frame=1)
    assert one.as_dict() == caps[1].as_dict()
    clipped = explain_pair(
        ref[1].luma, dis[1].luma, 10, motion2=caps[1].motion2, clip=True, keep_maps=False
    )
    assert caps[1].vmaf > 100.0 and clipped.vmaf == 100.0
    assert clipped.vmaf_capped == min(100.0, caps[1].vmaf_capped)
    assert clipped.adm_maps is None and clipped.clipped


def test_streams_one_frame_ahead() -> None:
    ref, dis, _, _ = _case("unsharp", 8)
    read = []

    def source(frames: list[Frame]):
        for i, f in enumerate(frames):
            read.append(i)
            yield f

    it = explain_frames(source(ref), dis)
    assert next(it).frame == 0 and read == [0]  # frame 0's motion is 0 by definition
    assert next(it).frame == 1 and read == [0, 1, 2]  # frame 1's needs frame 2
    assert next(it).frame == 2 and read == [0, 1, 2]  # the last one's comes at the end
    assert next(it, None) is None


def test_summary_and_text() -> None:
    caps = _case("unsharp", 8)[3]
    summary = summarize(caps)
    assert summary.frames == 3 and summary.frames_bitten == 3
    assert summary.vmaf == pytest.approx(np.mean([c.vmaf for c in caps]))
    assert summary.vmaf_drop > 1.0
    text = format_frame(caps[1])
    assert "VMAF-NEG" in text and "vif_scale3" in text and "adm_scale0" in text
    assert f"{caps[1].vmaf:8.4f}" in text
    assert "3 frames, gain limit 1" in format_summary(summary)
    doc = json.loads(json.dumps(caps[1].as_dict()))
    assert doc["features"]["integer_adm2_egl_1"] == caps[1].capped["integer_adm2"]
    assert [v["cap_fraction"] for v in doc["vif"]] == list(caps[1].vif_fraction)


def test_errors() -> None:
    flat = np.full((48, 48), 100, np.uint8)
    with pytest.raises(GainLimitError):
        list(explain_frames([flat], [flat], gain_limit=0.5))
    with pytest.raises(FrameError):
        explain_pair(flat[:30], flat[:30], 8)
    with pytest.raises(FrameError):
        list(explain_frames([flat[:, :32]], [flat[:, :32]]))
    with pytest.raises(FrameMismatchError):
        list(explain_frames([flat, flat], [flat]))


# -- the CLI ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw_files(tmp_path_factory) -> tuple[Path, list[Frame], list[Frame], Result]:
    ref, dis, lib, _ = _case("unsharp", 10)
    tmp = tmp_path_factory.mktemp("explain")
    write_yuv(ref, tmp / "ref.yuv")
    write_yuv(dis, tmp / "dis.yuv")
    return tmp, ref, dis, lib


def _args(tmp: Path, *extra: str) -> list[str]:
    return [
        "explain",
        "-r",
        str(tmp / "ref.yuv"),
        "-d",
        str(tmp / "dis.yuv"),
        "-w",
        "176",
        "-H",
        "144",
        "-b",
        "10",
        *extra,
    ]


def test_cli_json_report(raw_files, capsys) -> None:
    tmp, _, _, lib = raw_files
    assert main(_args(tmp, "--json")) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["gain_limit"] == 1.0 and doc["clipped"] is False
    assert [f["frameNum"] for f in doc["frames"]] == [0, 1, 2]
    for frame in doc["frames"]:
        i = frame["frameNum"]
        assert abs(frame["vmaf"] - lib["vmaf"][i]) <= 1e-9
        assert abs(frame["vmaf_capped"] - lib["vmaf_neg"][i]) <= 1e-9
        for key, value in frame["features"].items():
            assert value == lib[key][i], key
        assert all(v["cap_fraction"] > 0 for v in frame["vif"])
    assert doc["summary"]["frames_bitten"] == 3


@pytest.mark.slow
def test_cli_text_and_maps(raw_files, tmp_path, capsys) -> None:
    tmp, _, _, _ = raw_files
    maps = tmp_path / "maps"
    assert main(_args(tmp, "--frames", "2", "--maps", str(maps), "--gain-limit", "1.5")) == 0
    captured = capsys.readouterr()
    assert captured.out.count("frame ") >= 2 and "VMAF at gain limit 1.5" in captured.out
    assert "2 frames, gain limit 1.5" in captured.out
    files = sorted(p.name for p in maps.iterdir())
    assert files == [
        "frame00000_adm.png",
        "frame00000_vif.png",
        "frame00001_adm.png",
        "frame00001_vif.png",
    ]
    for name in files:
        data = (maps / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert "map written to" in captured.err


def test_cli_reads_y4m(tmp_path, capsys) -> None:
    ref, dis, lib, _ = _case("contrast", 8)
    write_y4m(ref, tmp_path / "ref.y4m")
    write_y4m(dis, tmp_path / "dis.y4m")
    assert (
        main(
            ["explain", "-r", str(tmp_path / "ref.y4m"), "-d", str(tmp_path / "dis.y4m"), "--json"]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert [
        abs(f["vmaf_capped"] - lib["vmaf_neg"][f["frameNum"]]) <= 1e-9 for f in doc["frames"]
    ] == [True] * 3


def test_cli_errors(raw_files, capsys) -> None:
    tmp, _, _, _ = raw_files
    with pytest.raises(SystemExit) as exc:
        main(_args(tmp, "--gain-limit", "0.5"))
    assert exc.value.code == 2
    assert "outside libvmaf's range" in capsys.readouterr().err
    assert main(_args(tmp, "--frames", "9")) == 2
    assert "holds only 3" in capsys.readouterr().err


def test_cli_native_engine_reports_the_reference_cap_shares(raw_files, capsys) -> None:
    """explain --engine native: the engine's cap shares equal the reference's fractions."""
    pytest.importorskip("pyvmafneg.engines.native._engine", reason="native engine not built")
    tmp, _, _, lib = raw_files
    assert main(_args(tmp, "--json")) == 0
    reference = json.loads(capsys.readouterr().out)
    assert main(_args(tmp, "--json", "--engine", "native")) == 0
    native = json.loads(capsys.readouterr().out)
    assert native["engine"] == "native" and len(native["frames"]) == 3
    for want, got in zip(reference["frames"], native["frames"], strict=True):
        i = got["frameNum"]
        assert got["vmaf"] == lib["vmaf"][i] and got["vmaf_capped"] == lib["vmaf_neg"][i]
        assert got["vif_cap_share"] == [v["cap_fraction"] for v in want["vif"]]
        for s, scale in enumerate(want["adm"]["scales"]):
            bands = scale["cap_fraction"].values()
            assert got["adm_cap_share"][s] == pytest.approx(sum(bands) / 3, rel=1e-12, abs=0)
        for key, value in got["capped"].items():
            assert value == lib[f"{key}_egl_1"][i], key
    assert main(_args(tmp, "--engine", "native")) == 0
    text = capsys.readouterr().out
    assert "of locations" in text and "(native engine)" in text
    assert main(_args(tmp, "--engine", "native", "--maps", str(tmp / "maps"))) == 2
    assert "--maps needs --engine reference" in capsys.readouterr().err
