"""The HTML comparison report: sections, highlights, escaping, figures, no-matplotlib path.

The comparison is synthetic: scores are a straight line in log bitrate, so
BD-rates are known. ``x264 sharpened`` is credited with 30 % more bitrate
under default VMAF and 20 % less under VMAF-NEG (a winner flip and a BD
gap); ``x265 plain`` saves bits under both; on ``coffee`` it has only three
rate points, so its BD values there are missing; one anchor encode failed.
"""

from __future__ import annotations

import base64
import json
import math
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pyvmafneg.comparison._analysis import AVERAGE, Comparison, EncodeRow, analyse
from pyvmafneg.comparison._report import draw_rd_curves, render_html, write_report
from pyvmafneg.errors import MissingDependencyError, OptionError, OutputFileError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
PROVENANCE = {
    "models": "vmaf_v0.6.1, vmaf_v0.6.1neg",
    "libvmaf": "3.2.0",
    "FFmpeg": "6.1.1",
    "pyvmafneg": "0.1.0",
    "date": "2025-01-01T12:00:00+00:00",
    "encode gap threshold": "3.5 VMAF points",
}


def _q(kbps: float) -> float:
    return 20.0 + 25.0 * math.log10(kbps)


def _rows(sharp: str = "sharpened", source_b: str = "coffee") -> list[EncodeRow]:
    rows = []
    for source, x265_points in (("chelsea", 4), (source_b, 3)):
        for i, (crf, kbps) in enumerate(zip((36, 32, 28, 24), (250, 400, 600, 900), strict=True)):
            d, n = _q(kbps), _q(kbps) - 1.5
            rows.append(
                EncodeRow(
                    source,
                    "x264",
                    "plain",
                    f"crf{crf}",
                    f"{source}/p{crf}.mkv",
                    "",
                    kbps,
                    scores={"vmaf": d, "vmaf_neg": n},
                    gap=d - n,
                    max_frame_gap=2.0,
                )
            )
            s = kbps * 1.05
            d, n = _q(s * 1.3), _q(s * 0.8) - 1.5
            rows.append(
                EncodeRow(
                    source,
                    "x264",
                    sharp,
                    f"crf{crf}",
                    "",
                    "",
                    s,
                    scores={"vmaf": d, "vmaf_neg": n},
                    gap=d - n,
                    max_frame_gap=d - n + 2,
                )
            )
            if i < x265_points:
                h = kbps * 0.9
                d, n = _q(h * 1.4), _q(h * 1.4) - 1.3
                rows.append(
                    EncodeRow(
                        source,
                        "x265",
                        "plain",
                        f"crf{crf}",
                        "",
                        "",
                        h,
                        scores={"vmaf": d, "vmaf_neg": n},
                        gap=d - n,
                        max_frame_gap=1.9,
                    )
                )
    rows.append(
        EncodeRow(
            "chelsea",
            "x264",
            "plain",
            "crf40",
            "chelsea/p40.mkv",
            "",
            None,
            status="error",
            error="cannot decode frame 3: truncated file",
        )
    )
    return rows


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return analyse(_rows(), anchor="x264 plain", provenance=PROVENANCE)


@pytest.fixture(scope="module")
def page(comparison: Comparison) -> str:
    return render_html(comparison, figures={})


@pytest.fixture(scope="module")
def written(comparison: Comparison, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("matplotlib")
    return write_report(comparison, tmp_path_factory.mktemp("report") / "out", title="Test run")


class _Checker(HTMLParser):
    """Checks that tags balance and collects table cells and text per section."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.section = ""
        self.cells: dict[str, list[list[dict[str, str]]]] = {}
        self.text: dict[str, list[str]] = {}
        self.doctype = False
        self.titles: list[str] = []
        self._cell: dict[str, str] | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "section":
            self.section = a.get("id", "")
        if tag == "tr":
            self.cells.setdefault(self.section, []).append([])
        if tag in ("td", "th"):
            self._cell = {"tag": tag, "class": a.get("class", ""), "title": a.get("title", "")}
            self._cell["text"] = ""
            self.cells[self.section][-1].append(self._cell)
        if "title" in a and self._cell is not None:
            self._cell["title"] = self._cell["title"] or a["title"]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.errors.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"end tag of void element {tag}")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()
        if tag in ("td", "th"):
            self._cell = None
        if tag == "section":
            self.section = ""

    def handle_data(self, data: str) -> None:
        self.text.setdefault(self.section, []).append(data)
        if self._cell is not None:
            self._cell["text"] += data


def _parse(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.doctype, "no <!DOCTYPE html>"
    assert not checker.errors, checker.errors[:5]
    assert not checker.stack, f"unclosed: {checker.stack}"
    return checker


def _text(checker: _Checker, section: str) -> str:
    return re.sub(r"\s+", " ", "".join(checker.text.get(section, [])))


def _row(checker: _Checker, section: str, first: str) -> list[dict[str, str]]:
    for row in checker.cells[section]:
        if row and row[0]["text"] == first:
            return row
    raise AssertionError(f"no row {first!r} in {section}")


def test_page_is_valid_and_has_every_section(page: str) -> None:
    checker = _parse(page)
    assert page.startswith("<!DOCTYPE html>")
    for section in ("summary", "curves", "bd", "encodes", "flags", "provenance"):
        assert f'<section id="{section}">' in page
        assert f'href="#{section}"' in page
    # self-contained: nothing fetched, nothing run
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "x264 plain" in _text(checker, "summary")


def test_summary_shows_average_bd_rates_and_flip(comparison: Comparison, page: str) -> None:
    checker = _parse(page)
    d = comparison.entry(AVERAGE, "x264 sharpened", "vmaf")
    n = comparison.entry(AVERAGE, "x264 sharpened", "vmaf_neg")
    assert d is not None and n is not None and d.bd_rate is not None and n.bd_rate is not None
    assert d.bd_rate < 0 < n.bd_rate
    row = _row(checker, "summary", "x264 sharpened")
    assert row[1]["text"] == f"{d.bd_rate:+.1f} %" and "flip" in row[1]["class"].split()
    assert row[2]["text"] == f"{n.bd_rate:+.1f} %" and "flip" in row[2]["class"].split()
    assert "gap" in row[3]["class"].split()  # the difference is beyond the threshold
    assert "WINNER FLIPS" in row[4]["text"]
    honest = _row(checker, "summary", "x265 plain")
    assert not any("flip" in c["class"].split() for c in honest)
    # one loud callout per flagged series, listing every flip and gap message
    assert page.count('<div class="callout flip">') == 1
    assert page.count('<div class="callout gap">') == 1
    summary = _text(checker, "summary")
    for flag in comparison.flags:
        if flag.kind in ("winner_flip", "bd_gap"):
            assert flag.message in summary


def test_bd_table_highlights_flips_and_shows_na(comparison: Comparison, page: str) -> None:
    checker = _parse(page)
    rows = [r for r in checker.cells["bd"] if r and r[0]["tag"] == "th" and r[0]["text"]]
    assert [r[0]["text"] for r in rows[-3:]] == ["chelsea", "coffee", f"{AVERAGE} (mean)"]
    avg = _row(checker, "bd", f"{AVERAGE} (mean)")
    # columns per test series: rate default, rate NEG, diff, BD-VMAF default, BD-VMAF NEG
    sharp, x265 = avg[1:6], avg[6:11]
    assert ["flip" in c["class"].split() for c in sharp[:2]] == [True, True]
    assert not any("flip" in c["class"].split() for c in x265)
    assert "flip" in page and "winner flip:" in _text(checker, "bd")  # the legend
    e = comparison.entry("chelsea", "x264 sharpened", "vmaf_neg")
    assert e is not None and e.bd_quality is not None
    assert _row(checker, "bd", "chelsea")[5]["text"] == f"{e.bd_quality:+.2f}"
    # x265 on coffee has three points: n/a with the reason as a tooltip and listed below
    problem = comparison.entry("coffee", "x265 plain", "vmaf").problem
    assert problem and "3 points" in problem
    coffee = _row(checker, "bd", "coffee")[6:11]
    assert [c["text"] for c in coffee] == ["n/a"] * 5
    assert coffee[0]["title"] == problem
    assert f"coffee, x265 plain (default VMAF, VMAF-NEG): {problem}" in _text(checker, "bd")
    assert "mean over 1 of 2 sources" in _text(checker, "bd")


def test_encode_table_shows_errors_and_high_gaps(comparison: Comparison, page: str) -> None:
    checker = _parse(page)
    rows = [r for r in checker.cells["encodes"] if r and r[0]["tag"] == "td"]
    assert len(rows) == len(comparison.rows)
    failed = [r for r in rows if r[2]["text"] == "crf40"]
    assert failed[0][-1]["text"] == "error: cannot decode frame 3: truncated file"
    high = [r for r in rows if "high" in r[6]["class"].split()]
    above = [r for r in comparison.rows if r.gap is not None and r.gap > 3.5]
    assert len(high) == len(above) == 8
    assert {r[1]["text"] for r in high} == {"x264 sharpened"}
    assert "gap above 3.5 points" in _text(checker, "encodes")
    ok = next(r for r in rows if r[1]["text"] == "x265 plain")
    assert re.fullmatch(r"\d+\.\d\d", ok[4]["text"]) and ok[-1]["text"] == "ok"


def test_gap_threshold_follows_the_comparison() -> None:
    def highlighted(c: Comparison) -> int:
        checker = _parse(render_html(c, figures={}))
        cells = [r[6] for r in checker.cells["encodes"] if r and r[0]["tag"] == "td"]
        return sum("high" in cell["class"].split() for cell in cells)

    c = analyse(_rows(), anchor="x264 plain", gap_threshold=6.5)
    assert highlighted(c) == 8
    assert "gap above 6.5 points" in _text(_parse(render_html(c, figures={})), "encodes")
    assert highlighted(analyse(_rows(), anchor="x264 plain", gap_threshold=1000)) == 0


def test_flags_grouped_by_kind(comparison: Comparison, page: str) -> None:
    checker = _parse(page)
    text = _text(checker, "flags")
    counts = {k: sum(f.kind == k for f in comparison.flags) for k in ("winner_flip", "bd_gap")}
    counts |= {k: sum(f.kind == k for f in comparison.flags) for k in ("curve", "encode_gap")}
    assert f"Winner flips ({counts['winner_flip']})" in text
    assert f"Default vs NEG BD-rate gaps ({counts['bd_gap']})" in text
    assert f"Curves that could not be used ({counts['curve']})" in text
    assert f"Encodes with a large default − NEG gap ({counts['encode_gap']})" in text
    assert text.index("Winner flips") < text.index("Curves that could not be used")
    for flag in comparison.flags:
        assert flag.message in text


def test_provenance_shown(comparison: Comparison, page: str) -> None:
    text = _text(_parse(page), "provenance")
    for key, value in PROVENANCE.items():
        assert key in text and value in text
    assert "pchip" in text and "5 percentage points" in text


def test_strings_from_data_are_escaped() -> None:
    rows = _rows(sharp="<script>alert(1)</script> & co", source_b="a&b <i>")
    rows[-1].error = "<b>bad</b> & worse"
    c = analyse(rows, anchor="x264 plain", provenance={"<k>": "v & <w>"})
    page = render_html(c, figures={}, title="A & <B>")
    checker = _parse(page)
    assert "<script" not in page and "<i>" not in page and "<b>bad" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "a&amp;b &lt;i&gt;" in page and "&lt;b&gt;bad&lt;/b&gt; &amp; worse" in page
    assert "<title>A &amp; &lt;B&gt;</title>" in page
    assert "v & <w>" in _text(checker, "provenance")
    flip = _row(checker, "summary", "x264 <script>alert(1)</script> & co")
    assert "flip" in flip[1]["class"].split()


def test_write_report_embeds_and_writes_figures(comparison: Comparison, written: Path) -> None:
    out = written.parent
    assert written.name == "index.html" and out.name == "out"
    page = written.read_text(encoding="utf-8")
    _parse(page)
    assert "<title>Test run</title>" in page
    uris = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    files = sorted(out.glob("rd_*.png"))
    assert [f.name for f in files] == ["rd_chelsea.png", "rd_coffee.png"]
    assert len(uris) == 2
    for data, path in zip(uris, files, strict=True):
        png = path.read_bytes()
        assert png.startswith(PNG_MAGIC) and base64.b64decode(data) == png
        assert f"also saved as {path.name}" in page
    assert json.loads((out / "comparison.json").read_text(encoding="utf-8")) == json.loads(
        json.dumps(comparison.as_dict())
    )


def test_draw_rd_curves(comparison: Comparison) -> None:
    pytest.importorskip("matplotlib")
    png = draw_rd_curves(comparison, "coffee")
    assert png.startswith(PNG_MAGIC)
    with pytest.raises(OptionError, match="not a source"):
        draw_rd_curves(comparison, "nope")
    # labels are drawn literally: no mathtext from '$', no legend entry hidden by '_'
    rows = _rows(sharp="$_{x}", source_b="_$b")
    odd = analyse(rows, anchor="x264 plain")
    assert draw_rd_curves(odd, "_$b").startswith(PNG_MAGIC)


def test_figure_file_names_are_safe_and_unique(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    rows = [r for r in _rows() if r.series == "x264 plain"]
    for r in rows:
        r.source = "../a b" if r.source == "chelsea" else "../a_b"
    c = analyse(rows)
    write_report(c, tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["rd_a_b.png", "rd_a_b_2.png"]


def test_without_matplotlib(
    comparison: Comparison, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingDependencyError, match="pyvmafneg\\[plot\\]"):
        draw_rd_curves(comparison, "chelsea")
    index = write_report(comparison, tmp_path / "plain")
    page = index.read_text(encoding="utf-8")
    checker = _parse(page)
    assert "Figures are not included" in page and "matplotlib" in _text(checker, "curves")
    assert "data:image" not in page and not list(index.parent.glob("*.png"))
    assert (index.parent / "comparison.json").is_file()
    assert "Figures are not included" in render_html(comparison)


def test_unwritable_directory(comparison: Comparison, tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(OutputFileError, match="report directory.*not a directory"):
        write_report(comparison, blocker / "report")
    with pytest.raises(OutputFileError, match="is a file"):
        write_report(comparison, blocker)
