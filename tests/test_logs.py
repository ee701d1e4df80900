"""Reading libvmaf logs (vmaf tool, FFmpeg, this package) in JSON, XML and CSV."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from media_helpers import clip, ffmpeg_vmaf_log, sharpen, to_y4m

from pyvmafneg import Scorer
from pyvmafneg.cli import main
from pyvmafneg.engines._ffmpeg import score_ffmpeg
from pyvmafneg.engines._models import ModelSpec
from pyvmafneg.errors import LogFormatError
from pyvmafneg.io._sources import open_video
from pyvmafneg.results._logs import is_model_key, load_logs, looks_neg, read_log, to_xml, write_log
from pyvmafneg.results._result import pool

HALF_UNIT = 5e-7 + 1e-9  # logs print 6 decimals


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("logs")
    ref = clip(5)
    return to_y4m(ref, d / "ref.y4m"), to_y4m(sharpen(ref, 1.0), d / "dis.y4m")


def _libvmaf_logs(pair: tuple[Path, Path], out: Path, models=None, clip_scores=True):  # type: ignore[no-untyped-def]
    """Score in-process and let libvmaf write its own logs (the vmaf tool's format)."""
    ref, dis = pair
    with Scorer(models, clip=clip_scores) as scorer:
        for r, d in zip(open_video(ref), open_video(dis), strict=True):
            scorer.feed(r, d)
        result = scorer.flush()
        paths = {}
        for fmt in ("json", "xml", "csv"):
            paths[fmt] = out / f"libvmaf.{fmt}"
            scorer.write_libvmaf_log(str(paths[fmt]), fmt)
    return result, paths


@pytest.mark.parametrize("fmt", ["json", "xml", "csv"])
def test_vmaf_tool_logs_hold_the_in_process_numbers(
    tmp_path: Path, pair: tuple[Path, Path], fmt: str
) -> None:
    result, paths = _libvmaf_logs(pair, tmp_path, clip_scores=False)
    log = read_log(paths[fmt])
    assert log.format == fmt and log.model_keys == ["vmaf", "vmaf_neg"]
    assert log.clipped is False  # scores above 100 prove it
    np.testing.assert_array_equal(log.frames, result.frames)
    for key in result.keys():
        assert np.max(np.abs(log.metrics[key] - result[key])) <= HALF_UNIT, key
    if fmt != "csv":
        assert log.version == "3.2.0"
        p = pool(result["vmaf"])
        assert abs(log.pooled["vmaf"]["mean"] - p.mean) <= HALF_UNIT
        assert abs(log.pooled["vmaf"]["harmonic_mean"] - p.harmonic_mean) <= HALF_UNIT
    loaded = load_logs([paths[fmt]])
    assert (loaded.result.default_model, loaded.result.neg_model) == ("vmaf", "vmaf_neg")
    assert abs(loaded.result.pooled_gap - result.pooled_gap) <= 2 * HALF_UNIT


@pytest.mark.parametrize("fmt", ["json", "xml", "csv"])
def test_ffmpeg_logs_in_every_format_agree(
    tmp_path: Path, pair: tuple[Path, Path], fmt: str
) -> None:
    kept = tmp_path / f"ffmpeg.{fmt}"
    res = score_ffmpeg(*pair, log_path=kept, log_fmt=fmt)
    loaded = load_logs([kept])
    assert loaded.clipped is None  # FFmpeg's log does not say
    for key in res.keys():
        np.testing.assert_array_equal(loaded.result[key], res[key], err_msg=key)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv"])
def test_our_logs_round_trip(tmp_path: Path, pair: tuple[Path, Path], fmt: str) -> None:
    result, _ = _libvmaf_logs(pair, tmp_path, clip_scores=False)
    result.clipped = False
    path = write_log(result, tmp_path / f"ours.{fmt}")
    back = load_logs([path])
    assert back.clipped is False
    assert (back.result.default_model, back.result.neg_model) == ("vmaf", "vmaf_neg")
    for key in result.keys():
        assert np.max(np.abs(back.result[key] - result[key])) <= HALF_UNIT, key


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_libvmaf_logs_saved_again_as_wide_unicode_read_alike(
    tmp_path: Path, pair: tuple[Path, Path], encoding: str
) -> None:
    # A log saved again by a Windows editor as "Unicode" was called binary, not a VMAF log.
    _, logs = _libvmaf_logs(pair, tmp_path)
    for fmt, path in logs.items():
        text = path.read_text(encoding="utf-8")
        bom = "\ufeff" if encoding == "utf-16-be" else ""  # the others write their own
        wide = tmp_path / f"wide.{fmt}"
        wide.write_bytes((bom + text).encode(encoding))
        back, original = read_log(wide), read_log(path)
        assert back.model_keys == original.model_keys == ["vmaf", "vmaf_neg"]
        assert np.array_equal(back.frames, original.frames)
        assert back.metrics.keys() == original.metrics.keys()
        for key, values in original.metrics.items():
            assert np.array_equal(back.metrics[key], values), (fmt, key)


def test_our_logs_record_clipping_and_roles(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    models = [ModelSpec("vmaf_v0.6.1", name="plain"), ModelSpec("vmaf_v0.6.1neg", name="capped")]
    result, _ = _libvmaf_logs(pair, tmp_path, models=models)
    for fmt in ("json", "xml"):
        path = write_log(result, tmp_path / f"roles.{fmt}")
        back = load_logs([path])
        assert back.clipped is True
        assert (back.result.default_model, back.result.neg_model) == ("plain", "capped")
    # libvmaf's own log has the same names but no roles: the user must say.
    _, paths = _libvmaf_logs(pair, tmp_path, models=models)
    with pytest.raises(
        LogFormatError, match="holds no VMAF model scores.*default_key= / neg_key="
    ) as info:
        load_logs([paths["json"]])
    assert info.value.options == {"default_key": ..., "neg_key": ...}
    assert {"plain", "capped", "integer_adm2"} <= set(info.value.keys)
    loaded = load_logs([paths["json"]], default_key="plain", neg_key="capped")
    assert loaded.result.pooled_gap > 0


def test_one_model_per_log_detected_from_features(
    tmp_path: Path, pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    both = score_ffmpeg(*pair)
    # No name= option: FFmpeg calls both models 'vmaf'; only the _egl_1 features tell.
    default = ffmpeg_vmaf_log(pair, tmp_path / "default.json", "version=vmaf_v0.6.1")
    neg = ffmpeg_vmaf_log(pair, tmp_path / "neg.xml", "version=vmaf_v0.6.1neg", "xml")
    assert read_log(default).model_keys == read_log(neg).model_keys == ["vmaf"]
    for order in ([default, neg], [neg, default]):
        loaded = load_logs(order)
        assert (loaded.default_source, loaded.neg_source) == (str(default), str(neg))
        assert (loaded.result.default_model, loaded.result.neg_model) == ("vmaf", "vmaf_neg")
        np.testing.assert_array_equal(loaded.result["vmaf"], both["vmaf"])
        np.testing.assert_array_equal(loaded.result["vmaf_neg"], both["vmaf_neg"])
    # Saying it explicitly wins over detection.
    swapped = load_logs([default, neg], neg_log=1)
    assert swapped.neg_source == str(default)
    assert main(["check", str(neg), str(default), "--json"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    assert abs(report["gap"]["overall"] - both.pooled_gap) <= 1e-6


def test_one_model_per_log_detected_from_names(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    logs = []
    for version in ("vmaf_v0.6.1", "vmaf_v0.6.1neg"):
        (tmp_path / version).mkdir()
        models = [ModelSpec(version, name=version)]
        _, paths = _libvmaf_logs(pair, tmp_path / version, models=models)
        logs.append(paths["csv"])
    loaded = load_logs(list(reversed(logs)))
    assert (loaded.result.default_model, loaded.result.neg_model) == (
        "vmaf_v0.6.1",
        "vmaf_v0.6.1neg",
    )
    assert loaded.neg_source == str(logs[1])


def test_name_rules() -> None:
    for name in ("vmaf", "vmaf_neg", "vmaf_v0.6.1neg", "vmaf_4k_v0.6.1", "VMAF_score"):
        assert is_model_key(name), name
    for name in (
        "integer_adm2",
        "integer_vif_scale0_egl_1",
        "VMAF_integer_feature_motion_sad_score",
        "psnr_y",
        "vmaf_bagging",
        "vmaf_ci_p95_lo",
        "float_ssim",
    ):
        assert not is_model_key(name), name
    assert looks_neg("vmaf_neg") and looks_neg("vmaf_v0.6.1neg")
    assert looks_neg("vmaf_v0.6.1_vif_egl_1_adm_egl_1")
    assert not looks_neg("vmaf") and not looks_neg("vmaf_v0.6.1_vif_egl_1.2")


def test_legacy_flat_json_layout(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    result, paths = _libvmaf_logs(pair, tmp_path)
    modern = json.loads(paths["json"].read_text())
    flat = {
        "version": "1.5.3",
        "frames": [
            {
                "frameNum": f["frameNum"],
                "VMAF_score": f["metrics"]["vmaf"],
                "VMAF_neg_score": f["metrics"]["vmaf_neg"],
                "adm2": f["metrics"]["integer_adm2"],
            }
            for f in modern["frames"]
        ],
    }
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(flat))
    loaded = load_logs([path])
    assert (loaded.result.default_model, loaded.result.neg_model) == ("vmaf", "VMAF_neg_score")
    assert np.max(np.abs(loaded.result["vmaf"] - result["vmaf"])) <= HALF_UNIT


# -- malformed input: message and exit code ------------------------------------


@pytest.fixture(scope="module")
def good_logs(tmp_path_factory: pytest.TempPathFactory, pair: tuple[Path, Path]) -> dict[str, str]:
    d = tmp_path_factory.mktemp("good")
    _, paths = _libvmaf_logs(pair, d)
    return {fmt: p.read_text() for fmt, p in paths.items()}


def _cases(good: dict[str, str]) -> dict[str, tuple[str, str]]:
    j, x, c = good["json"], good["xml"], good["csv"]
    empty_frames = json.loads(j)
    empty_frames["frames"] = []
    bad_value = json.loads(j)
    bad_value["frames"][1]["metrics"]["vmaf"] = "high"
    missing = json.loads(j)
    del missing["frames"][2]["metrics"]["vmaf_neg"]
    null_score = json.loads(j)
    null_score["frames"][3]["metrics"]["vmaf_neg"] = None
    c_inf = [line.split(",") for line in c.splitlines()]
    c_inf[2][c_inf[0].index("vmaf")] = "inf"  # was called "no score (null/NaN)"
    c_lines = c.splitlines()
    return {
        "empty": ("", "is empty"),
        "blank": ("  \n\n", "is empty"),
        "truncated_json": (j[: len(j) // 2], "is not valid JSON"),
        "truncated_xml": (x[: len(x) // 2], "is not well-formed XML"),
        "truncated_csv": ("\n".join(c_lines[:-1] + [c_lines[-1][:40]]), "fields but the header"),
        "non_vmaf_json": ('{"streams": [], "format": {}}', "is JSON but not a VMAF log"),
        "json_list": ("[1, 2, 3]", "its top level is a list"),
        "no_frames_json": (json.dumps(empty_frames), "log with no frames"),
        "no_frames_xml": ('<VMAF version="3"><frames></frames></VMAF>', "log with no frames"),
        "no_frames_csv": (c_lines[0] + "\n", "log with no frames"),
        "other_xml": ("<html><body/></html>", "root element is <html>"),
        "text": ("hello world\nthis is not a log\n", "header does not start with 'Frame'"),
        "bad_value": (json.dumps(bad_value), "frame 1: vmaf is 'high', not a number"),
        "missing_metric": (json.dumps(missing), "frame 2 lacks vmaf_neg"),
        "null_score": (json.dumps(null_score), "has no score (null/NaN) at frame 3"),
        "inf_score": ("\n".join(map(",".join, c_inf)), "has an infinite score (inf) at frame 1"),
        "no_models": (
            json.dumps({"frames": [{"frameNum": 0, "metrics": {"psnr_y": 40.0}}]}),
            "holds no VMAF model scores",
        ),
    }


CASES = [
    "empty",
    "blank",
    "truncated_json",
    "truncated_xml",
    "truncated_csv",
    "non_vmaf_json",
    "json_list",
    "no_frames_json",
    "no_frames_xml",
    "no_frames_csv",
    "other_xml",
    "text",
    "bad_value",
    "missing_metric",
    "null_score",
    "inf_score",
    "no_models",
]


@pytest.mark.parametrize("case", CASES)
def test_malformed_logs_exit_2_with_a_clear_message(
    tmp_path: Path,
    good_logs: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    text, message = _cases(good_logs)[case]
    path = tmp_path / f"{case}.log"
    path.write_text(text)
    with pytest.raises(LogFormatError) as err:
        load_logs([path])
    assert message in str(err.value) and path.name in str(err.value)
    assert main(["check", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("pyvmafneg check: error: ") and message in captured.err
    assert main(["check", str(path), "--json"]) == 2


def test_other_unusable_inputs_exit_2(
    tmp_path: Path,
    good_logs: dict[str, str],
    pair: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    full = tmp_path / "full.json"
    full.write_text(good_logs["json"])
    shorter = json.loads(good_logs["json"])
    shorter["frames"] = shorter["frames"][:3]
    short = tmp_path / "short.json"
    short.write_text(json.dumps(shorter))
    default = ffmpeg_vmaf_log(pair, tmp_path / "d.json", "version=vmaf_v0.6.1")
    shortened = json.loads(default.read_text())
    shortened["frames"] = shortened["frames"][:3]
    default_short = tmp_path / "d_short.json"
    default_short.write_text(json.dumps(shortened))
    neg = ffmpeg_vmaf_log(pair, tmp_path / "n.json", "version=vmaf_v0.6.1neg")
    two_defaults = ffmpeg_vmaf_log(
        pair,
        tmp_path / "two.json",
        "version=vmaf_v0.6.1\\:name=vmaf|version=vmaf_4k_v0.6.1\\:name=vmaf_4k",
    )
    cases = [
        ([str(default_short), str(neg)], "has 3 frames but"),
        ([str(default), str(default)], "cannot tell which log is NEG"),
        ([str(default)], "holds one model ('vmaf', which looks like default)"),
        ([str(neg)], "which looks like NEG"),
        ([str(pair[0])], "is binary, not a VMAF log"),
        ([str(tmp_path / "nope.json")], "does not exist"),
        ([str(full), str(full), str(full)], "3 logs were given"),
        ([str(full), "--default-key", "vmaf_x"], "has no metric 'vmaf_x'"),
        ([str(full), "--neg-log", "2"], "--neg-log 2 needs two logs"),
        ([str(two_defaults)], "pass --default-key KEY and --neg-key KEY"),
    ]
    for args, message in cases:
        assert main(["check", *args]) == 2, args
        assert message in capsys.readouterr().err, (args, message)


def test_xml_writer_layout(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    result, paths = _libvmaf_logs(pair, tmp_path)
    to_xml(result, tmp_path / "x.xml")
    ours = read_log(tmp_path / "x.xml")
    theirs = read_log(paths["xml"])
    assert list(ours.metrics) == list(theirs.metrics)
    for key in theirs.metrics:
        assert np.max(np.abs(ours.metrics[key] - theirs.metrics[key])) <= 2 * HALF_UNIT
    assert ours.pooled["vmaf"].keys() == theirs.pooled["vmaf"].keys()
