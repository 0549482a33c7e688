"""Every workbook prints on A4 (issue 11, item 2): page setup on every sheet, the 抽测名单 as a
one-page-wide score sheet without the ID, and, where LibreOffice is installed, the sample
county's PDFs: page counts (pdfinfo) and printed text size (pdftotext -bbox)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from credittool import pagesetup
from golden_util import TERM, run_report_samples, run_samples

OUTPUTS = ("register.xlsx", "rejects.xlsx", "sample.xlsx", "report.xlsx", "publish/排名.xlsx")
TERM_NAME = "2009年1—6月"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample county's outputs after the whole term: ingest, sample, scores, report."""
    import datetime

    from credittool.reportbook import make_report

    ws = tmp_path_factory.mktemp("print")
    run_samples(ws)
    run_report_samples(ws)
    make_report(workspace=ws, term=TERM, partial=True, published_on=datetime.date(2009, 7, 15))  # 5 not scored
    return ws / "out" / TERM


def test_every_sheet_has_its_page_setup(county: Path) -> None:
    for name in OUTPUTS:
        wb = load_workbook(county / name)
        for ws in wb.worksheets:
            where = f"{name}:{ws.title}"
            assert ws.page_setup.paperSize == pagesetup.A4, where
            assert ws.sheet_properties.pageSetUpPr.fitToPage, where
            assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) in ((1, 0), (None, 0)), where
            header = next(i for i, row in enumerate(ws.iter_rows(values_only=True), 1) if row[1] is not None)
            assert ws.print_title_rows.replace("$", "") == f"{header}:{header}", where  # the table's header row, every page
            assert ws.page_margins.left == pagesetup.MARGINS["left"], where
            assert ws.oddFooter.right.text == "第 &P 页 共 &N 页", where
            assert ws.oddFooter.left.text.startswith(ws.title), where


def test_register_prints_without_term_and_source_columns(county: Path) -> None:
    wb = load_workbook(county / "register.xlsx")
    reg, summary = wb["证书登记表"], wb["学分汇总"]
    # 学期 is in the footer, 来源文件 / 工作表 / 行号 are for the screen: columns B…M print
    assert reg.print_area.split("!")[1].startswith("$B$1:$M$")
    assert reg.oddFooter.left.text == f"证书登记表　{TERM_NAME}"
    assert reg.page_setup.orientation == "landscape"
    assert summary.print_area.split("!")[1].startswith("$B$1:$I$")
    head = [c.value for c in reg[1]]
    composite = head.index("综合成绩")
    scores = [r[composite] for r in reg.iter_rows(min_row=2) if isinstance(r[composite].value, float)]
    assert scores and all(c.number_format == "0.0" for c in scores)  # one decimal (item 10)


def test_wrapped_reasons_get_their_row_height(county: Path) -> None:
    ws = load_workbook(county / "register.xlsx")["学分汇总"]
    head = [c.value for c in ws[1]]
    col = head.index("原因")
    width = int(ws.column_dimensions["I"].width)  # the writer adds Excel's 0.71 of padding
    assert width == 40
    for row in ws.iter_rows(min_row=2):
        text = row[col].value or ""
        display = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
        lines = -(-display // int(width * 1.2))
        height = ws.row_dimensions[row[0].row].height
        # a 239-wide reason in a 40-wide column: 5 lines of 15 pt, by hand
        want = 15.0 * lines + 1 if lines > 1 else None
        # the writer stores heights in whole pixels (0.75 pt)
        assert (height is None) if want is None else abs(height - want) < 0.75, (text, height)


def test_spot_list_is_a_score_sheet_without_the_id(county: Path) -> None:
    ws = load_workbook(county / "sample.xlsx")["抽测名单"]
    head = [c.value for c in ws[1]]
    assert head == ["序号", "单位", "姓名", "学科", "抽测成绩", "签名", "身份证号"]
    assert ws.print_area.split("!")[1].startswith("$A$1:$F$")  # G, the ID, does not print
    assert int(ws.column_dimensions["E"].width) == 16 and int(ws.column_dimensions["F"].width) == 14
    assert [r[0] for r in ws.iter_rows(min_row=2, max_row=4, values_only=True)] == [1, 2, 3]
    # a form for the test room: the grid prints, and each row has room to write in
    assert ws.print_options.gridLines and ws.row_dimensions[2].height == 22.5 == ws.row_dimensions[ws.max_row].height


def test_report_sheets_fit_at_nine_points_or_more(county: Path) -> None:
    """The estimate of the scale fit-to-width gives (LibreOffice's column widths)."""
    wb = load_workbook(county / "report.xlsx")
    for ws in wb.worksheets:
        widths = [ws.column_dimensions[c].width for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:ws.max_column]]
        landscape = ws.page_setup.orientation == "landscape"
        assert pagesetup.fit_scale(widths, landscape) * pagesetup.FONT_PT >= 9, ws.title


def test_column_points_match_libreoffice_measure() -> None:
    # measured: a 9-character column is 68 pt wide, a 20-character one 145 pt
    assert pagesetup.column_points(9) == 68 and pagesetup.column_points(20) == 145
    assert pagesetup.footer("A&B") == "&LA&&B&R第 &P 页 共 &N 页"


# ---- LibreOffice (skipped where it is not installed) -------------------------------------------

_WORD = re.compile(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)<')


def _pdf(xlsx: Path, out: Path) -> Path:
    profile = out / "lo-profile"  # a private profile: no clash with a running LibreOffice
    done = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                           "pdf", "--outdir", str(out), str(xlsx)], capture_output=True, text=True, timeout=300)
    pdf = out / (xlsx.stem + ".pdf")
    assert done.returncode == 0 and pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), done.stderr
    return pdf


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def cjk_points(pdf: Path, first: int = 1, last: int = 0) -> float:
    """The smallest printed size of CJK text: a CJK glyph is one em wide, so a word of n CJK
    characters w points wide is set in w / n points."""
    args = ["pdftotext", "-bbox", "-f", str(first)] + (["-l", str(last)] if last else []) + [str(pdf), "-"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    sizes = [(float(b) - float(a)) / len(t) for a, b, t in _WORD.findall(out)
             if len(t) >= 2 and all(ord(ch) > 0x2E80 for ch in t)]
    return min(sizes)


needs_office = pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdfinfo")),
                                  reason="LibreOffice (soffice) and poppler-utils are not installed")


@needs_office
def test_libreoffice_prints_the_sample_county(county: Path, tmp_path: Path) -> None:
    pdfs = {name: _pdf(county / name, tmp_path) for name in OUTPUTS}
    counts = {name: pages(pdf) for name, pdf in pdfs.items()}
    assert counts["register.xlsx"] <= 60, counts  # was 276, 4 of 16 columns a page
    assert counts["rejects.xlsx"] <= 3, counts
    assert counts["sample.xlsx"] <= 3, counts
    for name in ("sample.xlsx", "report.xlsx", "publish/排名.xlsx", "rejects.xlsx"):
        assert cjk_points(pdfs[name]) >= 8.9, name  # 9 pt, within the PDF's rounding


def test_unit_summary_is_one_block_per_track(county: Path) -> None:
    """Each school's line in its track's block is its line of the one wide table (worked out by
    hand in test_report.py), with the other tracks' courses (always blank for it) left out."""
    from credittool.report import build_report
    from credittool.spottest import open_ledger

    con = open_ledger(county.parents[1])
    try:
        rep = build_report(con, TERM, TERM_NAME)
    finally:
        con.close()
    assert [t.name for t in rep.tracks] == ["文本", "网联", "幼儿"]
    wide = {u.unit: u for u in rep.units}
    index = {cid: i for i, (cid, _) in enumerate(rep.courses)}
    for block in rep.tracks:
        assert len(block.courses) < len(rep.courses)
        for u in block.units:
            whole = wide[u.unit]
            assert (u.teachers, u.stamped, u.hours, u.credits) == (whole.teachers, whole.stamped, whole.hours,
                                                                  whole.credits)
            assert list(u.courses) == [whole.courses[index[cid]] for cid, _ in block.courses]
            left_out = set(index) - {cid for cid, _ in block.courses}
            assert all(whole.courses[index[cid]] is None for cid in left_out)
        assert block.total.teachers == sum(u.teachers for u in block.units)
    assert sum(t.total.teachers for t in rep.tracks) == rep.total.teachers
    sheets = load_workbook(county / "report.xlsx").sheetnames
    assert sheets == ["个人排名", "团体排名", "单位汇总（文本）", "单位汇总（网联）", "单位汇总（幼儿）", "未验印名单"]
