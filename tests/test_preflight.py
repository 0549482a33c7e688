"""preflight: the limits, and the used-range scan that must never see less than calamine.

The central property: for any sheet XML calamine can read, the range preflight computes
contains the range calamine allocates. Hypothesis writes the sheets (explicit and implicit
positions, `<row/>`, namespace prefixes, `r` not first, single quotes, empty cells), kept
small so that calamine can read them in this process.

Every test here runs twice: with the compiled common-form scanner (xlsxscan.c) and with
the Python one; the compiled run skips where it was not built.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import crafted_formats as C
import hostile_files as H
from conftest import write_xlsx
from credittool.read.preflight import Limits, SheetScan, col_letters, human_size, preflight
from credittool.read.preflight.xlsx import XlsxSheetScanner
from credittool.read.preflight import xlsx as xlsx_scan
from credittool.read.readers import ReadError, read_workbook


@pytest.fixture(scope="module", autouse=True, params=["compiled", "python"])
def route(request):
    """The xlsx common form scanned by xlsxscan.c, or by the regexes: both must pass every test."""
    if request.param == "compiled" and xlsx_scan.COMPILED is None:
        pytest.skip("xlsxscan was not built (no compiler at install)")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(xlsx_scan, "common_form",
                   xlsx_scan.COMPILED if request.param == "compiled" else xlsx_scan.common_form_python)
        yield request.param


def refused(path: Path, limits: Limits = Limits()) -> ReadError:
    with pytest.raises(ReadError) as exc:
        read_workbook(path, limits)
    return exc.value


# --- limits: each names the limit, the value seen and what to do ---------------------------

def test_file_size_limit(tmp_path: Path) -> None:
    e = refused(H.school(tmp_path / "a.xlsx"), Limits(file_bytes=1000))
    assert e.code == "E-FILE-SIZE"
    assert e.message.startswith("文件 ") and "超过上限 1000 字节" in e.message
    assert "拆分" in e.hint


class _Shrunk(type(Path())):
    """A path whose stat says the file is smaller than it is: it grew after stat was read."""

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        st = super().stat(follow_symlinks=follow_symlinks)
        return os.stat_result((*st[:6], 10, *st[7:]))


def test_a_file_that_grew_after_stat_is_read_whole_and_still_limited(tmp_path: Path) -> None:
    path = H.school(tmp_path / "a.xlsx")
    size = path.stat().st_size
    assert preflight(_Shrunk(path)).size == size  # every byte, not the 10 that stat said
    e = refused(_Shrunk(path), Limits(file_bytes=1000))
    assert e.code == "E-FILE-SIZE" and "超过上限 1000 字节" in e.message


def test_unpacked_total_limit(tmp_path: Path) -> None:
    e = refused(H.school(tmp_path / "a.xlsx"), Limits(zip_total=10_000))
    assert e.code == "E-ZIP-TOTAL"
    assert "解压后" in e.message and "超过上限 9.8 KB" in e.message


def test_ratio_limit_applies_only_above_the_floor(tmp_path: Path) -> None:
    path = H.handmade_xlsx(tmp_path / "a.xlsx", "<row><c><v>1</v></c></row>" * 50_000)  # 1.3 MB → a few KB
    assert refused(path).code == "E-ZIP-RATIO"
    read_workbook(path, Limits(zip_ratio_floor=2 << 20))  # below the floor: a small part may pack well


def test_cell_budget_and_column_limit(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", {"教学技能": [[i * j for j in range(12)] for i in range(30)]})
    e = refused(path, Limits(cells=300))
    assert (e.code, e.message) == ("E-SHEET-BBOX", "工作表「教学技能」用到的区域是 A1:L30（30 行 × 12 列，共 360 格），"
                                                   "超过上限 300 格")
    e = refused(path, Limits(columns=10))
    assert e.code == "E-SHEET-BBOX" and "最右到第 12 列，超过上限 10 列" in e.message
    read_workbook(path, Limits(cells=360, columns=12))


def test_csv_limits_and_damage(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text("姓名," * 20 + "\n", encoding="utf-8")
    e = refused(wide, Limits(columns=10))
    assert e.code == "E-SHEET-BBOX" and "第 1 行有 21 列" in e.message
    huge = tmp_path / "huge.csv"
    huge.write_text('姓名,"' + "x" * 200_000 + '"\n', encoding="utf-8")
    assert refused(huge).code == "E-FILE-CORRUPT"
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b"\xff\xfe\x41")  # UTF-16 BOM and half a character
    assert refused(odd).code == "E-FILE-ENCODING"
    assert refused(huge, Limits(csv_bytes=1000)).code == "E-FILE-SIZE"


def test_dtd_found_past_the_first_kilobyte_and_in_any_case(tmp_path: Path) -> None:
    for prolog in (f"<!-- {'x' * 5000} --><!DOCTYPE worksheet>", "<!doctype worksheet>", '<!ENTITY x "y">'):
        path = H.handmade_xlsx(tmp_path / "a.xlsx", sheet_prolog=prolog)
        assert refused(path).code == "E-XML-DTD"


def test_a_tag_hiding_its_reference_behind_a_quoted_angle_bracket_is_refused(tmp_path: Path) -> None:
    path = H.handmade_xlsx(tmp_path / "a.xlsx", '<row r="1"><c foo=">" r="XFD1048576"><v>1</v></c></row>')
    e = refused(path)
    assert e.code == "E-FILE-CORRUPT" and "无法解析的标签" in e.message


def test_lying_dimension_is_ignored(tmp_path: Path) -> None:
    xml = (f'<worksheet xmlns="{H.MAIN}"><dimension ref="A1:B2"/><sheetData><row r="1">{H.inline("A1", "x")}</row>'
           f'<row r="9"><c r="ZZ9"><v>1</v></c></row></sheetData></worksheet>')
    e = refused(H.handmade_xlsx(tmp_path / "a.xlsx", sheet_bytes=xml.encode()), Limits(columns=100))
    assert "A1:ZZ9" in e.message


def test_xls_far_corner_and_names(tmp_path: Path) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("教学技能")
    ws.write(0, 0, "姓名")
    ws.write(65535, 255, "x")
    wb.save(str(tmp_path / "far.xls"))
    e = refused(tmp_path / "far.xls")
    assert e.code == "E-SHEET-BBOX" and "A1:IV65536" in e.message and "教学技能" in e.message
    pf = preflight(H.xls_with_errors(tmp_path / "e.xls"))
    assert list(pf.sheets) == ["教学技能"]
    assert pf.sheets["教学技能"].cell_flags == {(3, 2): "error:#N/A"}


def test_xls_garbage_after_the_header_is_corrupt_not_a_crash(tmp_path: Path) -> None:
    data = bytearray(H.xls_with_errors(tmp_path / "e.xls").read_bytes())
    data[0x30:0x34] = b"\xff\xff\xff\x7f"  # directory starts in a sector that does not exist
    (tmp_path / "bad.xls").write_bytes(bytes(data))
    assert refused(tmp_path / "bad.xls").code == "E-FILE-CORRUPT"


def test_ods_rows_and_flags_line_up_with_calamine(tmp_path: Path) -> None:
    blank = ('<table:table-row table:number-rows-repeated="2">'
             '<table:table-cell table:number-columns-repeated="3"/></table:table-row>')
    err = ('<table:table-cell table:formula="of:=1/0" office:value-type="float" office:value="0" '
           'calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>')
    rows = (blank + f"<table:table-row><table:table-cell/>{H.ods_cell('姓名')}{H.ods_cell('分数')}</table:table-row>"
            f"<table:table-row><table:table-cell/>{H.ods_cell('a')}{err}</table:table-row>"
            f'<table:table-row table:visibility="collapse"><table:table-cell/>{H.ods_cell("b")}'
            '<table:table-cell table:formula="of:=NA()"/></table:table-row>')
    wb = read_workbook(H.ods(tmp_path / "a.ods", rows))
    (sh,) = wb.sheets
    assert (sh.first_row, sh.first_col) == (3, 1)
    assert sh.rows[1] == ["a", 0.0]  # calamine's view of the error cell: the number 0
    assert sh.cell_flags == {(4, 2): "error:#DIV/0!", (5, 2): "formula-no-value"}
    assert sh.hidden_rows == {5}


def test_helpers() -> None:
    assert [col_letters(c) for c in (0, 25, 26, 701, 702, 16383)] == ["A", "Z", "AA", "ZZ", "AAA", "XFD"]
    assert [human_size(n) for n in (999, 2048, 3 << 20, int(3.2 * (1 << 30)))] == ["999 字节", "2 KB", "3 MB", "3.2 GB"]


# --- the used range, against calamine ----------------------------------------------------------

REFS = st.tuples(st.integers(1, 40), st.integers(0, 29))


@st.composite
def sheet_xml(draw) -> str:
    """Sheet XML in the forms writers use and some they should not: rows with and without
    r, <row/>, cells with r first, later or absent, quotes ' or ", lower-case refs, empty
    and self-closing cells, formulas, errors, inline strings; optionally all prefixed x:."""
    p = draw(st.sampled_from(["", "x:"]))
    out = []
    for _ in range(draw(st.integers(0, 8))):
        row_r = draw(st.none() | st.integers(1, 40))
        hidden = ' hidden="1"' if draw(st.booleans()) and draw(st.booleans()) else ""
        rattr = f' r="{row_r}"' if row_r else ""
        if draw(st.integers(0, 9)) == 0:
            out.append(f"<{p}row{rattr}{hidden}/>")
            continue
        cells = []
        for _ in range(draw(st.integers(0, 5))):
            ref = draw(st.none() | REFS)
            q = draw(st.sampled_from(['"', "'"]))
            r = ""
            if ref is not None:
                letters = col_letters(ref[1])
                letters = letters.lower() if draw(st.integers(0, 5)) == 0 else letters
                r = f" r={q}{letters}{ref[0]}{q}"
            first = draw(st.booleans())
            attrs = (r + ' s="1"') if first else (' s="1"' + r)
            kind = draw(st.sampled_from(
                ["v", "empty", "selfclose", "formula", "formula-v", "error", "inline", "str-empty"]))
            body = {"v": f"<{p}v>{draw(st.integers(0, 99))}</{p}v>", "empty": "", "formula": f"<{p}f>1+1</{p}f>",
                    "formula-v": f"<{p}f>1+1</{p}f><{p}v>2</{p}v>", "error": f"<{p}v>#N/A</{p}v>",
                    "inline": f"<{p}is><{p}t>x</{p}t></{p}is>", "str-empty": f"<{p}f>\"\"</{p}f><{p}v></{p}v>",
                    "selfclose": None}[kind]
            t = {"error": ' t="e"', "inline": ' t="inlineStr"', "str-empty": ' t="str"'}.get(kind, "")
            cells.append(f"<{p}c{attrs}{t}/>" if body is None else f"<{p}c{attrs}{t}>{body}</{p}c>")
        out.append(f"<{p}row{rattr}{hidden}>{''.join(cells)}</{p}row>")
    xmlns = f' xmlns:x="{H.MAIN}"' if p else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet xmlns="{H.MAIN}"{xmlns}><{p}sheetData>'
            + "".join(out) + f"</{p}sheetData></{p}worksheet>")


def _calamine_range(path: Path):
    import python_calamine as pc

    try:
        book = pc.CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_name("教学技能")
        return sheet.start, sheet.end
    except Exception:
        return None  # calamine refuses it: nothing is allocated


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(xml=sheet_xml(), chunk=st.sampled_from([1 << 20, 1 << 20, 5, 17, 64]))
def test_preflight_range_contains_calamines(xml: str, chunk: int, tmp_path: Path) -> None:
    """Whatever the chunking of the unpacked stream (regions cut at any place)."""
    path = H.handmade_xlsx(tmp_path / "a.xlsx", sheet_bytes=xml.encode())
    got = _calamine_range(path)
    pf = C.preflight_in_chunks(path, chunk)
    if pf is None:
        return
    if got is None or got[0] is None:
        event("calamine reads nothing")
        return
    event("compared with calamine")
    (r0, c0), (r1, c1) = got
    scan = pf.sheets["教学技能"]
    assert scan.max_row, xml
    assert scan.min_row <= r0 + 1 and scan.max_row >= r1 + 1, (scan, got, xml)
    assert scan.min_col <= c0 and scan.max_col >= c1, (scan, got, xml)


def _scan(xml: bytes, chunk: int) -> SheetScan:
    return _scan_pieces([xml[i:i + chunk] for i in range(0, len(xml), chunk)])


def _scan_pieces(pieces: list[bytes]) -> SheetScan:
    from credittool.read.preflight import Preflight

    scan = SheetScan("S", "part")
    s = XlsxSheetScanner(scan, "part", Preflight(Path("x"), "xlsx", 0), Limits())
    for piece in pieces:
        s.feed(piece)
    s.close()
    return scan


def test_row_ends_where_no_start_tag_is_near_still_count() -> None:
    """A region with no row or cell start tag (one cut after 64 KiB of other tags) may hold
    `</row>`s, each a row to calamine (nested rows too): missed, a million of them there hide a
    used range of a million rows × 1000 columns."""
    other = b'<x a="0123456789abcdef"/>' * 3000  # 75 KB without a start tag
    pieces = [b'<row r="1"><c r="ALL1"><v>1</v></c></row>' + b"<row>" * 3 + other, other + b"</row>" * 3 + other,
              b"<row><c><v>2</v></c></row>"]
    for scan in (_scan_pieces(pieces), _scan_pieces([b"".join(pieces)])):
        assert (scan.min_row, scan.max_row, scan.min_col, scan.max_col) == (1, 5, 0, 999)


@settings(max_examples=150, deadline=None)
@given(xml=sheet_xml(), chunk=st.integers(1, 64))
def test_chunk_boundaries_change_nothing_seen(xml: str, chunk: int) -> None:
    """A value split across chunks (<v>#N/ + A</v>) is still read whole."""
    whole, pieces = _scan(xml.encode(), 1 << 20), _scan(xml.encode(), chunk)
    assert pieces.cell_flags == whole.cell_flags
    assert pieces.hidden_rows == whole.hidden_rows


def test_openpyxl_file_range_and_flags_exactly(tmp_path: Path) -> None:
    pf = preflight(H.error_cells(tmp_path / "a.xlsx"))
    scan = pf.sheets["教学技能"]
    assert (scan.min_row, scan.max_row, scan.min_col, scan.max_col) == (1, 6, 0, 4)
    assert scan.cell_flags == {(3, 2): "error:#N/A", (4, 4): "error:#DIV/0!", (5, 2): "formula-no-value",
                               (6, 0): "formula-no-value"}


def test_every_zip_part_is_checked_not_only_named_sheets(tmp_path: Path) -> None:
    """A sheet part no workbook.xml names is still scanned (calamine may find it another way)."""
    path = H.handmade_xlsx(tmp_path / "a.xlsx", extra={
        "xl/worksheets/sheet9.xml": H.sheet_xml('<row r="1"><c r="XFD1"><v>1</v></c></row>')})
    assert refused(path).code == "E-SHEET-BBOX"
    with zipfile.ZipFile(path) as z:
        assert len(z.namelist()) == 6


TAG_SOUP = st.lists(st.sampled_from(
    ['<c r="A1">', "<c>", "<c/>", "<c\t", "<c\n", '<x:c r="A1">', "<col ", "<cols>", "<cfRule ", "<colBreaks>",
     '<row r="1">', "<row>", "<row/>", "<row\r", "<x:row>", "<rowBreaks>", "<conditionalFormatting>", "a:c", "x:row",
     "<v>1</v>", "</c>", "</row>", "<", "c", "row", " ", ":"]), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(xml=sheet_xml() | TAG_SOUP)
def test_start_tag_count_is_the_regex_count(xml: str) -> None:
    """The substring shortcut of the start-tag count gives the full pattern's count, in
    the common form and in every other (tabs, prefixes, <col>, <rowBreaks>, near misses)."""
    region = xml.encode()
    assert xlsx_scan._count_starts(region) == len(xlsx_scan._XLSX_START.findall(region))


# --- the compiled common-form scanner: the same answer as the Python one on every input ----------

compiled = pytest.mark.skipif(xlsx_scan.COMPILED is None, reason="xlsxscan was not built (no compiler at install)")


_LETTERS = st.sampled_from(["A", "B", "Z", "AB", "XFD", "ZZZZZZZZ"])
_DIGITS = st.sampled_from(["1", "2", "3", "9", "40", "0", "00", "007", "999999999999"])
_HIDDEN = ["", ' hidden="1"', " hidden='true'", ' hidden="0"', ' hidden = "1"', ' hidden="1', ' xhidden="1"',
           '\thidden="true"', 'hidden="1"', ' hidden="0" hidden="1"', ' hidden="true\n"', ' hidden=1 hidden="1"',
           ' hidden="1\' hidden="true"', ' hiddenx="1"', ' spans="1:3" hidden="true"', ' hidden',
           '\rhidden="1"', '\x0bhidden="1"', ' hidden\x0c=\r"true"', ' hidden=\x0b"1"', '\x0chidden="1"']
_CELL_ATTRS = ["", "", ' t="e"', " t='e'", ' s="1" t="e"', ' t="s"', ' t="e\'', " t= 'e'", ' s="1"', ' x="e"',
               'e" s="1"', ' t="inlineStr"']
# near misses: start tags not in the common form, and text that looks like one
_NEAR = ['<c r="a1">', '<c r="Ab1">', '<c r="AAAAAAAAA1">', '<c r="A1000000000000">', '<c r="A">', '<c r="1">',
         "<c r='A1'>", '<c\tr="A1">', '<c  r="A1">', '<x:c r="A1">', '<c s="1" r="A1">', '<c r ="A1">', "<c>",
         "<c/>", '<row r="A3">', '<row r="">', '<row r="1000000000000">', "<row r='1'>", "<row>", "<row/>",
         "<x:row>", '<row\tr="1">', "<c", "<row", "<_:c>", "<a.b-c:row >", "<ROW r=\"1\">", '<c r="A1"',
         '<C r="A1">', "<C>", "<Row>", "<c\r", "<c\x0b", "<c\x0c", "<row\n", "<row\x0b", "<row\x0c", "<1:c >",
         "<x1_.-:c\t", "<-:row>", "<:c >"]
_OTHER = ["<v>1</v>", "<v>#N/A</v>", "</c>", "</row>", "<f>1+1</f>", "<f/>", "<family>", "<is><t>x</t></is>",
          '<col min="1"/>', "<cols>", "<cfRule>", "<rowBreaks>", "<a:b:c >", "a:c", "x:row", '"e"', "'e'", "<", ">"]


@st.composite
def _tag(draw) -> str:
    """One piece of a region: mostly a row or cell start tag in the common form (attributes
    at and past the 4096-byte limit, r="A0", hidden written every way), then values, end
    tags, `<col`, and now and then a near miss."""
    kind = draw(st.integers(0, 19))
    pad = " " * draw(st.sampled_from([0] * 12 + [4095, 4096, 4097]))
    close = draw(st.sampled_from([">", ">", ">", "/>"]))
    if kind < 7:
        return f'<c r="{draw(_LETTERS)}{draw(_DIGITS)}"{draw(st.sampled_from(_CELL_ATTRS))}{pad}{close}'
    if kind < 10:
        return f'<row r="{draw(_DIGITS)}"{draw(st.sampled_from(_HIDDEN))}{pad}{close}'
    if kind < 18:
        return draw(st.sampled_from(_OTHER))
    return draw(st.sampled_from(_NEAR))


REGIONS = st.lists(_tag(), max_size=30).map("".join).map(str.encode) | st.binary(max_size=200)


@compiled
@settings(max_examples=750, deadline=None)  # run once per route: twice, other examples each time
@given(region=REGIONS, cut=st.integers(0, 1 << 16))
def test_compiled_common_form_is_the_pythons(region: bytes, cut: int) -> None:
    """Counts, extent, hidden rows and the formula and error hints, on whole regions and on
    regions cut anywhere (a tag cut in two)."""
    for part in (region, region[: cut % (len(region) + 1)]):
        form = xlsx_scan.common_form_python(part)
        assert xlsx_scan.COMPILED(part) == form, part
        event("not the common form" if form is None else "rows or cells" if form[0] or form[1] else "nothing")
        for i, what in ((0, "cells"), (6, "hidden rows"), (7, "<f"), (8, "an error tag")):
            if form is not None and form[i]:
                event(what)


@compiled
@settings(max_examples=100, deadline=None)
@given(xml=sheet_xml(), chunk=st.integers(1, 200))
def test_compiled_and_python_routes_scan_alike(xml: str, chunk: int) -> None:
    """The whole sheet scan, chunked anywhere: the same extent, flags and hidden rows, or the same refusal."""
    def outcome(common_form):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(xlsx_scan, "common_form", common_form)
            try:
                scan = _scan(xml.encode(), chunk)
            except ReadError as exc:
                return exc.code, exc.message
            return (scan.min_row, scan.max_row, scan.min_col, scan.max_col), scan.cell_flags, scan.hidden_rows

    assert outcome(xlsx_scan.COMPILED) == outcome(xlsx_scan.common_form_python)


def test_pure_preflight_switch() -> None:
    """CREDITTOOL_PURE_PREFLIGHT=1 at import switches the compiled scanner off."""
    probe = "from credittool.read.preflight import xlsx; print(xlsx.common_form is xlsx.common_form_python)"
    env = {**os.environ, "CREDITTOOL_PURE_PREFLIGHT": "1"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
