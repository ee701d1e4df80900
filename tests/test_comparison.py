"""BD analysis of a comparison: flags for flips, BD gaps, unusable curves, high gaps.

These rows are hand-made curves (no scoring), to reach the cases a real
comparison rarely shows: three-point curves, scores that fall as the rate
rises, curves that do not overlap, failed encodes.
"""

from __future__ import annotations

import pytest

from pyvmafneg.comparison._analysis import AVERAGE, EncodeRow, analyse, to_csv, to_text
from pyvmafneg.comparison._bdrate import bd_rate
from pyvmafneg.errors import OptionError

RATES = [250.0, 400.0, 600.0, 900.0]


def _curve(source: str, setting: str, rates, vmaf, neg, **extra) -> list[EncodeRow]:
    return [
        EncodeRow(
            source=source,
            codec="enc",
            setting=setting,
            point=f"p{i}",
            bitrate_kbps=r,
            scores={"vmaf": v, "vmaf_neg": n},
            gap=v - n,
            **extra,
        )
        for i, (r, v, n) in enumerate(zip(rates, vmaf, neg, strict=True))
    ]


def _honest(source: str = "s") -> list[EncodeRow]:
    return _curve(source, "a", RATES, [80, 86, 91, 95], [78.5, 84.5, 89.5, 93.5])


def test_no_flags_when_both_models_agree() -> None:
    rows = _honest() + _curve(
        "s", "b", [r * 0.9 for r in RATES], [80, 86, 91, 95], [78.5, 84.5, 89.5, 93.5]
    )
    c = analyse(rows)
    assert c.anchor == "enc a"
    assert c.flags == []
    for metric in ("vmaf", "vmaf_neg"):
        assert c.entry("s", "enc b", metric).bd_rate == pytest.approx(-10.0)
        assert c.entry(AVERAGE, "enc b", metric).bd_rate == pytest.approx(-10.0)
    assert "no flags" in to_text(c)


def test_flip_and_bd_gap_are_flagged() -> None:
    rows = _honest() + _curve(
        "s",
        "b",
        RATES,
        [83, 89, 94, 97],
        [76, 82, 87, 91],
    )
    c = analyse(rows, bd_gap_threshold=5)
    d, n = c.entry("s", "enc b", "vmaf"), c.entry("s", "enc b", "vmaf_neg")
    # The entries are plain bd_rate calls on the curves.
    assert d.bd_rate == bd_rate(RATES, [80, 86, 91, 95], RATES, [83, 89, 94, 97])
    assert d.bd_rate < 0 < n.bd_rate
    kinds = [f.kind for f in c.flags]
    assert kinds.count("winner_flip") == 2  # the source and the average
    assert kinds.count("bd_gap") == 2
    assert kinds.count("encode_gap") == 1  # one flag for the whole curve
    assert "4 of 4 encodes" in next(f.message for f in c.flags if f.kind == "encode_gap")
    assert kinds.index("winner_flip") < kinds.index("encode_gap")
    # A higher threshold drops the bd_gap flags but not the flip.
    c2 = analyse(rows, bd_gap_threshold=1000)
    assert [f.kind for f in c2.flags].count("bd_gap") == 0 and c2.flips()


@pytest.mark.parametrize(
    ("rates", "vmaf", "reason"),
    [
        (RATES[:3], [80, 86, 91], "at least 4"),
        (RATES, [80, 86, 84, 95], "not monotonic"),
        ([5000, 6000, 7000, 8000], [97, 98, 99, 99.5], "overlap"),
    ],
)
def test_unusable_curves_are_explained_not_fatal(rates, vmaf, reason) -> None:
    rows = _honest("s1") + _honest("s2")
    rows += _curve("s1", "b", rates, vmaf, [v - 1 for v in vmaf])
    rows += _curve("s2", "b", [r * 0.8 for r in RATES], [80, 86, 91, 95], [79, 85, 90, 94])
    c = analyse(rows)
    bad = c.entry("s1", "enc b", "vmaf")
    assert bad.bd_rate is None and bad.bd_quality is None
    assert reason in bad.problem
    assert any(f.kind == "curve" and f.source == "s1" and reason in f.message for f in c.flags)
    # The other source still counts; the average says it covers one of two.
    good = c.entry("s2", "enc b", "vmaf")
    assert good.bd_rate == pytest.approx(-20.0)
    avg = c.entry(AVERAGE, "enc b", "vmaf")
    assert avg.bd_rate == pytest.approx(-20.0) and avg.sources == 1
    assert "1 of 2" in avg.problem
    text = to_text(c)
    assert "n/a" in text and reason in text


def test_failed_encodes_leave_a_hole_and_a_flag() -> None:
    rows = _honest() + _curve("s", "b", RATES, [81, 87, 92, 96], [79, 85, 90, 94])
    rows[5].status, rows[5].error, rows[5].scores = "error", "DecodeError: cut short", {}
    c = analyse(rows)
    assert any(f.kind == "curve" and "cut short" in f.message for f in c.flags)
    assert c.entry("s", "enc b", "vmaf").bd_rate is None  # three points left
    assert "FAILED: DecodeError: cut short" in to_text(c)
    assert to_csv(c).count("\n") == len(rows) + 1


def test_options_are_checked() -> None:
    rows = _honest() + _curve("s", "b", RATES, [81, 87, 92, 96], [79, 85, 90, 94])
    with pytest.raises(OptionError, match="anchor 'x'"):
        analyse(rows, anchor="x")
    with pytest.raises(OptionError, match="pchip"):
        analyse(rows, method="linear")
    with pytest.raises(OptionError, match="bd_gap_threshold"):
        analyse(rows, bd_gap_threshold=float("nan"))
    with pytest.raises(OptionError, match="no encodes"):
        analyse([])
    cubic = analyse(rows, method="cubic", anchor="enc b")
    assert cubic.anchor == "enc b" and cubic.series == ["enc b", "enc a"]
    assert cubic.entry("s", "enc a", "vmaf").bd_rate > 0


def test_row_round_trip() -> None:
    row = _honest()[0]
    assert EncodeRow.from_dict({**row.as_dict(), "unknown": 1}) == row


def test_encode_gap_names_enhancement_only_where_its_evidence_fired() -> None:
    """A large gap alone is not called enhancement; a check's own-ceiling flag is."""
    gap_only = _curve("s", "b", RATES, [83, 89, 94, 97], [76, 82, 87, 91])
    msg = next(f.message for f in analyse(_honest() + gap_only).flags if f.kind == "encode_gap")
    assert "4 of 4 encodes have a pooled default - NEG gap above 3.5 points" in msg
    assert "points to enhancement" not in msg
    assert msg.endswith(
        "a large gap only, which honest very-low-rate encodes and upscaled rungs reach too: "
        "not by itself a sign of enhancement"
    )
    checked = _curve("s", "b", RATES, [83, 89, 94, 97], [76, 82, 87, 91])
    checked[0].check = {"verdict": "flagged", "flags": [{"code": "above_ceiling"}]}
    for r in checked[1:]:
        r.check = {"verdict": "flagged", "flags": [{"code": "gap"}]}
    msg = next(f.message for f in analyse(_honest() + checked).flags if f.kind == "encode_gap")
    assert "4 of 4 encodes are flagged by the enhancement-gain check (above_ceiling, gap; " in msg
    assert msg.endswith(
        "for p0 the evidence points to enhancement; the others show a large gap only, which "
        "honest very-low-rate encodes and upscaled rungs reach too"
    )
    for r in checked[1:]:
        r.check = {"verdict": "flagged", "flags": [{"code": "excess"}]}
    msg = next(f.message for f in analyse(_honest() + checked).flags if f.kind == "encode_gap")
    assert msg.endswith("the evidence points to enhancement that default VMAF rewards")
