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

from credittool.write import pagesetup
from golden_util import TERM, run_report_samples, run_samples

OUTPUTS = ("register.xlsx", "rejects.xlsx", "sample.xlsx", "report.xlsx", "publish/排名.xlsx")
TERM_NAME = "2009年1—6月"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample county's outputs after the whole term: ingest, sample, scores, report."""
    import datetime

    from credittool.commands.report import make_report

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


def test_wrapped_lines_are_counted_as_libreoffice_breaks_them() -> None:
    lines = pagesetup.text_lines
    # a 12-wide column holds 89 - 6 = 83 pt: 7 CJK characters (11 pt); 校 keeps .xlsx with it
    assert lines("桦甸市二道甸子镇中心校.xlsx", 12) == 2
    assert lines("桦甸市二道甸子", 12) == 1 and lines("桦甸市二道甸子镇", 12) == 2
    # 19 wide: 132 pt; "2.20282E+17 / " is 89 pt, the 18 digits (126 pt) go to line 2; 18 wide
    # (125 pt) cannot hold the digits whole, so they break too: 3 lines
    assert lines("2.20282E+17 / 220282197904286000", 19) == 2
    assert lines("2.20282E+17 / 220282197904286000", 18) == 3
    assert lines(None, 5) == 1 and lines("", 5) == 1
    # no line starts with a closing mark or ends with an opening one
    assert pagesetup._pieces("末位（甲）。乙") == ["末", "位", "（甲）。", "乙"]


def test_a_repeated_wrapped_text_has_its_height_each_time_and_equal_values_of_other_types_their_own() -> None:
    from credittool.write.sheetspec import SheetSpec, row_heights

    # a 1-wide column holds 12 - 6 = 6 pt, less than one CJK character (11 pt), so a line
    # holds one character (11 pt at most): 缺考 takes 2 lines, "1.0" 3 (1, ".", 0: 7 + 4.5 >
    # 11), "True" 4; 1 fits. 1, 1.0 and True are equal in Python, and not the same text.
    rows = [(1,), (1.0,), (True,), ("1",), ("1.0",), ("缺考",), (None,), ("缺考",), (1,), (["1"],)]
    two, three, four = (pagesetup.row_points(n) for n in (2, 3, 4))
    assert (two, three, four) == (34, 50, 66)  # 16 pt a line, plus 2
    # sheet rows, the first at 2; a value that can be no key (a list, "['1']": 3 lines) too
    want = {3: three, 4: four, 6: three, 7: two, 9: two, 11: three}
    spec = SheetSpec("表", ["原因"], rows, wrap=("原因",))
    assert row_heights(spec, [1.0], rows, 2) == want
    # the same from a streamed sheet's values of its wrap column
    spec = SheetSpec("表", ["原因"], rows, wrap=("原因",), wrap_values=[r[0] for r in rows])
    assert row_heights(spec, [1.0], None, 2) == want


def _wrapped_rows_fit(ws) -> int:  # noqa: ANN001 - an openpyxl worksheet
    """Assert that every row is as tall as the lines of its wrapped cells; the rows checked."""
    head = next(i for i, row in enumerate(ws.iter_rows(values_only=True), 1) if row[1] is not None)
    widths, checked = column_widths(ws), 0
    for row in ws.iter_rows(min_row=head + 1):
        wrapped = [c for c in row if c.alignment.wrap_text and c.value is not None]
        need = max([1] + [pagesetup.text_lines(c.value, widths[c.column - 1]) for c in wrapped])
        height = ws.row_dimensions[row[0].row].height
        if need > 1:  # no viewer grows a row for wrapped text by itself: it would print over the next
            assert height is not None and height >= need * pagesetup.LINE_POINTS, (ws.title, row[0].row, height)
            checked += 1
        else:
            assert height is None, (ws.title, row[0].row, height)
    return checked


def test_no_wrapped_row_prints_over_the_next(county: Path) -> None:
    rejects = load_workbook(county / "rejects.xlsx")
    checked = {ws.title: _wrapped_rows_fit(ws) for ws in rejects.worksheets}
    checked["学分汇总"] = _wrapped_rows_fit(load_workbook(county / "register.xlsx")["学分汇总"])
    assert checked["未接受的行"] > 20 and checked["跳过的行"] > 3 and checked["学分汇总"] > 20, checked
    ws = rejects["未接受的行"]
    head = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[head.index("行号")].value == 40
               and r[0].value == "桦甸市二道甸子镇中心校.xlsx")
    value = row[head.index("原值")]
    # by hand (widths 12, 19, 28, 23): the file name and 原值 take 2 lines (see above), the
    # reason 2 (195 pt a line), the hint 2 (把…「文本」 154 pt, 后 does not fit): 2 × 16 + 2 pt
    assert value.value == "2.20282E+17 / 220282197904286000" and value.alignment.wrap_text
    assert abs(ws.row_dimensions[value.row].height - 34) < 0.75  # whole pixels (0.75 pt)


def test_spot_list_is_a_score_sheet_without_the_id(county: Path) -> None:
    ws = load_workbook(county / "sample.xlsx")["抽测名单"]
    head = [c.value for c in ws[1]]
    assert head == ["序号", "单位", "姓名", "学科", "抽测成绩", "签名", "身份证号"]
    assert ws.print_area.split("!")[1].startswith("$A$1:$F$")  # G, the ID, does not print
    assert int(ws.column_dimensions["E"].width) == 16 and int(ws.column_dimensions["F"].width) == 14
    assert [r[0] for r in ws.iter_rows(min_row=2, max_row=4, values_only=True)] == [1, 2, 3]
    # a form for the test room: the grid prints, and each row has room to write in
    assert ws.print_options.gridLines and ws.row_dimensions[2].height == 22.5 == ws.row_dimensions[ws.max_row].height


@pytest.mark.parametrize("name", ["report.xlsx", "rejects.xlsx"])
def test_sheets_fit_at_nine_points_or_more(county: Path, name: str) -> None:
    """The estimate of the scale fit-to-width gives (LibreOffice's column widths), in whole
    percent as LibreOffice sets it."""
    wb = load_workbook(county / name)
    for ws in wb.worksheets:
        landscape = ws.page_setup.orientation == "landscape"
        percent = int(pagesetup.fit_scale(column_widths(ws), landscape) * 100)
        assert percent / 100 * pagesetup.FONT_PT >= 9, ws.title


def column_widths(ws) -> list[float]:  # noqa: ANN001 - an openpyxl worksheet
    """Each column's width as the writer was given it: without Excel's 0.71 of padding, and a
    run of equal columns (one <col min max>, under its first letter) counted for each."""
    out = [0.0] * ws.max_column
    for dim in ws.column_dimensions.values():
        for j in range(dim.min, min(dim.max, ws.max_column) + 1):
            out[j - 1] = float(int(dim.width))
    return out


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


def sheet_pages(pdf: Path, wb) -> dict[str, list[int]]:  # noqa: ANN001 - an openpyxl workbook
    """The pages each sheet printed on, from the footer 「<title> 第 N 页 共 M 页」 each page
    carries; every page must show the sheet's whole header row (one page wide, repeated)."""
    out: dict[str, list[int]] = {ws.title: [] for ws in wb.worksheets}
    heads = {ws.title: [c.value for c in ws[1]] for ws in wb.worksheets}
    for n in range(1, pages(pdf) + 1):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        footer = next(line for line in reversed(text.splitlines()) if re.search(r"第\s*\d+\s*页", line))
        title = footer.split()[0]
        assert title in out and all(h in text for h in heads[title]), (n, footer)
        out[title].append(n)
    return out


needs_office = pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdfinfo")),
                                  reason="LibreOffice (soffice) and poppler-utils are not installed")


@needs_office
def test_libreoffice_prints_the_sample_county(county: Path, tmp_path: Path) -> None:
    pdfs = {name: _pdf(county / name, tmp_path) for name in OUTPUTS}
    counts = {name: pages(pdf) for name, pdf in pdfs.items()}
    assert counts["register.xlsx"] <= 60, counts  # was 276, 4 of 16 columns a page
    assert counts["sample.xlsx"] <= 3, counts
    for name in ("sample.xlsx", "report.xlsx", "publish/排名.xlsx", "rejects.xlsx"):
        assert cjk_points(pdfs[name]) >= 8.9, name  # 9 pt, within the PDF's rounding
    # each sheet starts a page of its own: 未接受的行 (30 rows) on 2, the others on 1
    per_sheet = sheet_pages(pdfs["rejects.xlsx"], load_workbook(county / "rejects.xlsx"))
    assert list(per_sheet) == ["未接受的行", "跳过的行", "未导入的工作表"], per_sheet
    assert len(per_sheet["未接受的行"]) <= 2 and len(per_sheet["跳过的行"]) == len(per_sheet["未导入的工作表"]) == 1, \
        per_sheet  # 未接受的行: 3 pages with the old widths once each row is as tall as its lines
    for title, numbers in per_sheet.items():
        # LibreOffice sets a whole percent: 82% is 9.02 pt, 8.995 as the PDF rounds glyph widths
        assert min(cjk_points(pdfs["rejects.xlsx"], n, n) for n in numbers) >= 8.99, title


def test_unit_summary_is_one_block_per_track(county: Path) -> None:
    """Each school's line in its track's block is its line of the one wide table (worked out by
    hand in test_report.py), with the other tracks' courses (always blank for it) left out."""
    from credittool.ledger.report import build_report
    from credittool.ledger.terms import open_ledger

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


def _row_numbers(path: Path) -> dict[str, list[int]]:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {n: [int(r) for r in re.findall(rb'<row r="(\d+)"', z.read(n))]
                for n in z.namelist() if n.startswith("xl/worksheets/sheet")}


def test_every_sheet_numbers_its_rows_once_and_in_order(county: Path) -> None:
    # two <row> elements with one number are not a valid sheet: Excel offers to repair the
    # file. rustpy-xlsxwriter 0.8 wrote the last row twice when it had a height of its own
    # (学分汇总, 未接受的行 and the 抽测名单 all end on such a row in the sample county).
    for name in OUTPUTS:
        for sheet, rows in _row_numbers(county / name).items():
            assert rows == sorted(set(rows)), f"{name}:{sheet}"


def test_a_doubled_last_row_is_dropped_and_nothing_else() -> None:
    from credittool.write.zipstamp import drop_doubled_last_row

    doubled = (b'<sheetData><row r="1"><c r="A1"/></row><row r="2" ht="30" customHeight="1"><c r="A2"/></row>'
               b'<row r="2" ht="30" customHeight="1"/></sheetData>')
    assert drop_doubled_last_row(doubled) == (b'<sheetData><row r="1"><c r="A1"/></row>'
                                              b'<row r="2" ht="30" customHeight="1"><c r="A2"/></row></sheetData>')
    beyond = b'<sheetData><row r="1"><c r="A1"/></row><row r="3" ht="20"/></sheetData>'  # a height past the data
    assert drop_doubled_last_row(beyond) == beyond
    plain = b'<sheetData><row r="1"><c r="A1"/></row><row r="2"><c r="A2"/></row></sheetData>'
    assert drop_doubled_last_row(plain) == plain



def test_a_long_part_is_deflated_in_pieces_into_one_stream() -> None:
    import zlib

    from credittool.write.zipstamp import deflate

    xml = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>' % (i, i, b"x" * (i % 97))
                   for i in range(1, 20_000))
    whole = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert deflate(xml) == whole.compress(xml) + whole.flush()  # one piece: the same bytes as before
    pieces = deflate(xml, chunk=100_000)  # 14 pieces
    inflate = zlib.decompressobj(-15)
    assert inflate.decompress(pieces) == xml and inflate.eof and not inflate.unused_data
    assert len(pieces) < len(deflate(xml)) * 1.01  # primed with the window before it, each piece compresses as well
    assert deflate(b"") == zlib.compress(b"", 6, -15)


def test_a_part_deflated_in_pieces_reads_as_before(county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    from credittool.write import zipstamp

    copy = tmp_path / "register.xlsx"
    shutil.copy(county / "register.xlsx", copy)
    monkeypatch.setattr(zipstamp, "DEFLATE_CHUNK", 4096)
    zipstamp.fix_zip_times(copy, {"xl/worksheets/sheet2.xml": lambda xml: xml})  # 学分汇总, rewritten
    with zipfile.ZipFile(copy) as z:
        assert z.testzip() is None  # every part's CRC and size as its header says
        assert z.getinfo("xl/worksheets/sheet2.xml").file_size > 10 * 4096
    before, after = load_workbook(county / "register.xlsx", read_only=True), load_workbook(copy, read_only=True)
    assert [list(ws.values) for ws in after] == [list(ws.values) for ws in before]

# ---- the sample district's year (issue 14) -----------------------------------------------------

DISTRICT_OUTPUTS = ("register.xlsx", "report.xlsx")


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample district's outputs: ingest, then the year's report."""
    from credittool.commands.report import make_report
    from golden_util import DISTRICT_TERM, run_district

    ws = tmp_path_factory.mktemp("print-district")
    out = run_district(ws)
    make_report(workspace=ws, term=DISTRICT_TERM)
    return out


def test_the_districts_sheets_have_their_page_setup_and_fit_at_nine_points(district: Path) -> None:
    for name in DISTRICT_OUTPUTS:
        wb = load_workbook(district / name)
        for ws in wb.worksheets:
            where = f"{name}:{ws.title}"
            assert ws.page_setup.paperSize == pagesetup.A4 and ws.sheet_properties.pageSetUpPr.fitToPage, where
            assert ws.oddFooter.right.text == "第 &P 页 共 &N 页" and ws.oddFooter.left.text.startswith(ws.title), where
            if name == "register.xlsx" and ws.title == "证书登记表":
                continue  # as the county's (not checked there either): a wide listing, landscape at some 8 pt
            landscape = ws.page_setup.orientation == "landscape"
            widths = _printed(ws, column_widths(ws))
            assert int(pagesetup.fit_scale(widths, landscape) * 100) / 100 * pagesetup.FONT_PT >= 9, where
    wb = load_workbook(district / "report.xlsx")
    assert wb.sheetnames == ["学分达标", "单位达标"] and wb["单位达标"]._charts  # the 达标率 chart
    # every reason readable: each wrapped row as tall as its lines
    assert _wrapped_rows_fit(load_workbook(district / "register.xlsx")["学分汇总"]) > 100
    assert _wrapped_rows_fit(wb["学分达标"]) > 100


def _printed(ws, widths: list[float]) -> list[float]:  # noqa: ANN001 - an openpyxl worksheet
    """The widths of the columns a sheet prints (its print area's), all where it has none."""
    from openpyxl.utils import column_index_from_string

    if not ws.print_area:
        return widths
    first, last = re.findall(r"\$([A-Z]+)\$", ws.print_area.split("!")[1])[:2]
    return widths[column_index_from_string(first) - 1:column_index_from_string(last)]


@needs_office
def test_libreoffice_prints_the_districts_report(district: Path, tmp_path: Path) -> None:
    pdf = _pdf(district / "report.xlsx", tmp_path)
    footers = []
    for n in range(1, pages(pdf) + 1):  # each page's footer: 「<sheet> …　第 N 页 共 M 页」
        text = subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        footers.append(next(line for line in reversed(text.splitlines()) if re.search(r"第\s*\d+\s*页", line)))
    # 学分达标: 5,263 teachers, some 40 a page, first; then 单位达标: 75 units and the chart below them
    first = [n for n, f in enumerate(footers) if "单位达标" in f][0]
    assert all("学分达标" in f for f in footers[:first]) and 60 < first < 200, (first, footers[0])
    assert "单位达标" in footers[-1] and len(footers) - first <= 8, len(footers) - first
    # the tables at 9 pt or more (the chart's labels are LibreOffice's own, 8.9 pt here)
    assert cjk_points(pdf, 1, first + 1) >= 8.9
