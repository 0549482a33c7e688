"""Every spreadsheet format is either read or named (issue 12 items 1 and 5, issue 11 item 7).

The files are built by hand from their specs (tests/crafted_formats.py)."""

from __future__ import annotations

import codecs
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import crafted_formats as C
import hostile_files as H
from credittool.read.preflight import Limits, preflight
from credittool.read.preflight.xlsb import _Records
from credittool.read.preflight.xlsx import SharedStringsCounter
from credittool.read.readers import ReadError, read_workbook


def refused(path: Path, limits: Limits = Limits()) -> ReadError:
    with pytest.raises(ReadError) as exc:
        read_workbook(path, limits)
    return exc.value


def refused_before_parsing(path: Path) -> ReadError:
    """For a file calamine would abort the process on: only preflight sees it here (the whole
    read, in a subprocess, is in test_hostile)."""
    with pytest.raises(ReadError) as exc:
        preflight(path)
    return exc.value


# --- xlsb: the used range from its records ----------------------------------------------------

def test_xlsb_far_cell_is_refused_by_its_used_range(tmp_path: Path) -> None:
    """A1 and ALL100000 (column 1,000, row 100,000): 100 million cells for calamine to allocate."""
    path = C.xlsb(tmp_path / "a.xlsb", C.sheet_bin({0: [(0, "姓名")], 99_999: [(999, 1)]}))
    e = refused_before_parsing(path)
    assert (e.code, e.message) == ("E-SHEET-BBOX", "工作表「教学技能」用到的区域是 A1:ALL100000（100,000 行 × 1,000 列，"
                                                   "共 100,000,000 格），超过上限 5,000,000 格")
    assert "删除表格右侧和下方多余的行和列" in e.hint


def test_xlsb_renamed_xlsx_is_scanned_as_xlsb(tmp_path: Path) -> None:
    path = C.xlsb(tmp_path / "a.xlsx", C.sheet_bin({0: [(0, "姓名")], 99_999: [(999, 1)]}))
    assert refused_before_parsing(path).code == "E-SHEET-BBOX"


def test_xlsb_range_hidden_rows_and_error_cells_match_what_calamine_reads(tmp_path: Path) -> None:
    rows = {1: [(1, "姓名"), (2, "身份证号")], 2: [(1, "张三"), (2, ("error", 0x2A))], 4: [(3, 7)]}
    path = C.xlsb(tmp_path / "a.xlsb", C.sheet_bin(rows, dim=(0, 0, 0, 0), hidden=(2,)))
    scan = preflight(path).sheets["教学技能"]
    # B2:D5 by hand: rows 1, 2, 4 (0-based) are Excel rows 2, 3, 5; columns 1-3 are B-D
    assert (scan.min_row, scan.max_row, scan.min_col, scan.max_col) == (2, 5, 1, 3)
    assert scan.hidden_rows == {3}
    assert scan.cell_flags == {(3, 2): "error:#N/A"}
    wb = read_workbook(path)
    assert wb.format == "xlsb"
    sheet = wb.sheets[0]
    assert (sheet.first_row, sheet.first_col) == (2, 1)
    assert sheet.rows[1][:1] == ["张三"] and sheet.cell_flags == {(3, 2): "error:#N/A"} and sheet.hidden_rows == {3}


def test_xlsb_cells_outside_the_sheet_data_still_count(tmp_path: Path) -> None:
    """Whatever record order a crafted part uses, the scan sees at least what calamine reads:
    a cell after a second BrtBeginSheetData, with no row record since, is on row 1."""
    sheet = (C.record(0x81) + C.record(0x94, bytes(16)) + C.record(0x91) + C.row_header(500) + C.cell(0, 1)
             + C.record(0x91) + C.cell(3, 2) + C.record(0x92))
    scan = preflight(C.xlsb(tmp_path / "a.xlsb", sheet)).sheets["教学技能"]
    assert (scan.min_row, scan.max_row, scan.min_col, scan.max_col) == (1, 501, 0, 3)


def test_xlsb_short_dimension_or_cell_record_is_damage(tmp_path: Path) -> None:
    short_dim = C.record(0x81) + C.record(0x94, bytes(8)) + C.record(0x91) + C.record(0x92)
    e = refused(C.xlsb(tmp_path / "a.xlsb", short_dim))
    assert e.code == "E-FILE-CORRUPT" and "BrtWsDim" in e.message
    short_cell = C.record(0x94, bytes(16)) + C.record(0x91) + C.row_header(0) + C.record(0x05, bytes(4))
    assert refused(C.xlsb(tmp_path / "b.xlsb", short_cell)).code == "E-FILE-CORRUPT"


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_xlsb_records_cut_anywhere_read_the_same(chunk: int) -> None:
    data = (C.record(0x94, bytes(range(16))) + C.record(0x1A5, b"x" * 300) + C.row_header(70_000)
            + C.cell(5, "长" * 100))
    records = _Records()
    got = [r for k in range(0, len(data), chunk) for r in records.feed(data[k:k + chunk])]
    assert got == [(0x94, bytes(range(16)), 16), (0x1A5, b"x" * 16, 300),
                   (0x00, struct.pack("<IIHBBBI", 70_000, 0, 300, 0, 0, 0, 0)[:16], 17),
                   (0x06, (struct.pack("<I", 5) + bytes(4) + C.wide("长" * 100))[:16], 212)]


def test_xlsb_school_is_read(tmp_path: Path) -> None:
    wb = read_workbook(C.school_xlsb(tmp_path / "a.xlsb", rows=2))
    assert wb.sheets[0].rows == [C.HEAD, ["教师0", C.ID[0], 70.0, 5.0, 70.0], ["教师1", C.ID[1], 70.0, 5.0, 70.0]]


# --- shared strings: calamine reserves the declared count --------------------------------------

def test_declared_shared_string_count_is_refused_before_calamine_reserves_it(tmp_path: Path) -> None:
    sst = f'<sst xmlns="{H.MAIN}" count="1" uniqueCount="100000000000"><si><t>x</t></si></sst>'
    path = H.handmade_xlsx(tmp_path / "a.xlsx", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
                           extra={"xl/sharedStrings.xml": sst})
    e = refused_before_parsing(path)
    assert (e.code, e.message) == ("E-SHEET-STRINGS", "文件内部「xl/sharedStrings.xml」声明 100,000,000,000 个共享字符串，"
                                                      "超过上限 5,000,000 个")


@pytest.mark.parametrize("chunk", [1, 5, 4096])
def test_shared_strings_present_are_counted_across_chunks(chunk: int) -> None:
    xml = b'<sst uniqueCount="2">' + b"<si><t>a</t></si><x:si><t>b</t></x:si><si/><sig/>" + b"</sst>"
    counter = SharedStringsCounter("xl/sharedStrings.xml", Limits(strings=3))
    for k in range(0, len(xml), chunk):
        counter.feed(xml[k:k + chunk])
    assert counter.count == 3  # <si>, <x:si>, <si/>; not <sig/>
    with pytest.raises(ReadError) as exc:
        counter = SharedStringsCounter("xl/sharedStrings.xml", Limits(strings=2))
        for k in range(0, len(xml), chunk):
            counter.feed(xml[k:k + chunk])
    assert exc.value.code == "E-SHEET-STRINGS" and "实有 3 个" in exc.value.message


def test_xlsb_shared_strings_are_counted(tmp_path: Path) -> None:
    path = C.school_xlsb(tmp_path / "a.xlsb")
    sst = C.record(0x9F, struct.pack("<II", 4, 4)) + b"".join(C.record(0x13, b"\0" + C.wide(s)) for s in "abcd")
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/sharedStrings.bin", sst)
    assert refused(path, Limits(strings=3)).code == "E-SHEET-STRINGS"
    read_workbook(path, Limits(strings=4))


# --- the workbook where calamine finds it ------------------------------------------------------

def test_a_workbook_outside_xl_is_scanned_where_calamine_finds_it(tmp_path: Path) -> None:
    """_rels/.rels may put the workbook in any folder; calamine follows it, so does the scan."""
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", H.CONTENT_TYPES)
        z.writestr("_rels/.rels", H.ROOT_RELS.replace("xl/workbook.xml", "q/workbook.xml"))
        z.writestr("q/workbook.xml", H.workbook_xml())
        z.writestr("q/_rels/workbook.xml.rels", H.WORKBOOK_RELS.replace("worksheets/sheet1.xml", "s.xml"))
        z.writestr("q/s.xml", H.sheet_xml('<row r="1"><c r="A1"><v>1</v></c><c r="AAA9000"><v>1</v></c></row>'))
    e = refused_before_parsing(path)
    assert e.code == "E-SHEET-BBOX" and "A1:AAA9000" in e.message


# --- parts nothing parses may hold anything ----------------------------------------------------

def test_utf16_custom_xml_and_binary_parts_do_not_refuse_a_valid_file(tmp_path: Path) -> None:
    """As Office writes them (calamine's pivots.xlsx, POI's 61034.xlsx / HsGetVal.xlsx)."""
    item = '<?xml version="1.0" encoding="UTF-16"?><b:Sources xmlns:b="x"/>'.encode("utf-16")
    path = H.handmade_xlsx(tmp_path / "a.xlsx", '<row r="1">' + H.inline("A1", "姓名") + "</row>", extra={
        "customXml/item1.xml": item, "xl/printerSettings/printerSettings1.bin": b"\xff\xfe\x00\x01" + bytes(200),
        "customXml/item2.xml": '<!DOCTYPE x><x/>'})
    assert read_workbook(path).sheets[0].rows == [["姓名"]]


def test_parsed_parts_are_still_checked(tmp_path: Path) -> None:
    styles = '<?xml version="1.0" encoding="UTF-16"?><styleSheet/>'.encode("utf-16")
    path = H.handmade_xlsx(tmp_path / "a.xlsx", extra={"xl/styles.xml": styles})
    assert refused(path).code == "E-XML-ENCODING"
    path = H.handmade_xlsx(tmp_path / "b.xlsx", extra={"xl/sharedStrings.xml": "<!DOCTYPE sst><sst/>"})
    assert refused(path).code == "E-XML-DTD"


# --- passwords ----------------------------------------------------------------------------------

PASSWORD = "文件有密码保护，去掉密码后另存为 .xlsx"


@pytest.mark.parametrize("build, name, how", [
    (C.encrypted_xlsx, "a.xlsx", "EncryptedPackage"),
    (C.encrypted_xlsx, "a.xlsb", "EncryptedPackage"),
    (C.xls_filepass, "a.xls", "FILEPASS"),
    (C.encrypted_ods, "a.ods", "encryption-data"),
])
def test_every_password_protected_file_says_so(build, name: str, how: str, tmp_path: Path) -> None:
    e = refused(build(tmp_path / name))
    assert e.code == "E-FILE-PASSWORD"
    assert e.message.startswith(PASSWORD) and how in e.message
    assert "清空密码" in e.hint


def test_an_encrypted_zip_entry_says_password_too(tmp_path: Path) -> None:
    path = H.school(tmp_path / "a.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    data[info.header_offset + 6] |= 1  # general purpose flag bit 0: encrypted
    cd = data.find(b"PK\x01\x02")
    while cd >= 0:  # the central directory entry of that part
        n = struct.unpack_from("<H", data, cd + 28)[0]
        if data[cd + 46:cd + 46 + n] == b"xl/worksheets/sheet1.xml":
            data[cd + 8] |= 1
        cd = data.find(b"PK\x01\x02", cd + 4)
    path.write_bytes(bytes(data))
    e = refused(path)
    assert e.code == "E-FILE-PASSWORD" and e.message.startswith(PASSWORD)


# --- old and unreadable formats, named ---------------------------------------------------------

@pytest.mark.parametrize("bof", [0x0009, 0x0209, 0x0409])
def test_biff2_to_biff4_xls_is_named_as_the_old_format(bof: int, tmp_path: Path) -> None:
    e = refused(C.biff_old(tmp_path / "a.xls", bof))
    assert e.code == "E-FILE-OLDXLS"
    assert "Excel 4.0 以前的旧格式" in e.message and "不是表格文件" not in e.message
    assert "另存为 .xlsx" in e.hint


def test_flat_ods_and_ods_template_are_named(tmp_path: Path) -> None:
    fods = tmp_path / "a.fods"
    fods.write_text('<?xml version="1.0" encoding="UTF-8"?><office:document xmlns:office="urn:oasis:names:tc:'
                    'opendocument:xmlns:office:1.0" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'
                    "<office:body/></office:document>", encoding="utf-8")
    e = refused(fods)
    assert e.code == "E-FILE-FORMAT" and "Flat ODS" in e.message and "网页" not in e.message
    ots = tmp_path / "a.ots"
    with zipfile.ZipFile(ots, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet-template", zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>")
    e = refused(ots)
    assert e.code == "E-FILE-FORMAT" and "ODS 模板" in e.message


# --- CSV in UTF-16 and UTF-32 -----------------------------------------------------------------

ROWS = [["姓名", "身份证号", "考试成绩"], ["张三", C.ID[0], "80"], ["𠀀李", C.ID[1], "缺考"]]  # 𠀀: beyond the BMP


@pytest.mark.parametrize("codec, bom", [
    ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-32-le", codecs.BOM_UTF32_LE),
    ("utf-32-be", codecs.BOM_UTF32_BE), ("utf-16-le", b""), ("utf-16-be", b""), ("utf-32-le", b""),
    ("utf-32-be", b"")])
def test_csv_in_utf16_and_utf32_with_or_without_bom_is_decoded(codec: str, bom: bytes, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(bom + "\r\n".join(",".join(r) for r in ROWS).encode(codec) + "\r\n".encode(codec))
    assert read_workbook(path).sheets[0].rows == ROWS


def test_binary_with_zero_bytes_is_still_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(bytes(range(256)) * 4)
    e = refused(path)  # named .csv: said so, not "not a table" with a list that names .csv
    assert (e.code, e.message) == ("E-FILE-FORMAT", "文件含有空字符（NUL），不是纯文本的 CSV：可能已损坏，或是别的格式改了扩展名")
    path.rename(tmp_path / "a.dat")
    assert refused(tmp_path / "a.dat").message == "不是表格文件"


# --- file errors are Chinese -------------------------------------------------------------------

def test_a_file_calamine_cannot_detect_is_refused_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    e = refused(path)
    assert e.code == "E-FILE-CORRUPT"
    assert "Cannot detect" not in e.message and "Error" not in e.message and "无法识别文件格式" in e.message


def test_a_missing_file_is_refused_in_chinese(tmp_path: Path) -> None:
    e = refused(tmp_path / "走了.xlsx")
    assert (e.code, e.message) == ("E-FILE-READ", "无法读取文件：文件不存在（可能已被移走或改名）")


def test_a_broken_zip_is_refused_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    e = refused(path)
    assert e.code == "E-FILE-CORRUPT" and "不是完整的压缩包" in e.message
    assert not any(w in e.message for w in ("File is not", "zip file", "Error"))


def test_a_csv_the_csv_module_cannot_parse_is_refused_in_chinese(tmp_path: Path) -> None:
    huge = tmp_path / "a.csv"
    huge.write_text('姓名,"' + "x" * 200_000 + '"\n', encoding="utf-8")
    e = refused(huge)
    assert (e.code, e.message) == ("E-FILE-CORRUPT", "CSV 第 1 行无法解析（有一格超过 131,072 个字符）")


# --- the xlsb scan never sees less than calamine ------------------------------------------------

@st.composite
def xlsb_sheet(draw) -> bytes:
    """Records in any order a crafted part may use: dimension, sheet-data starts and ends, row
    headers, cells of every kind (blank, RK, error, bool, real, string, formula), skipped blocks."""
    out = C.record(0x81)
    if draw(st.integers(0, 4)):  # mostly the start calamine needs, then anything
        out += C.record(0x94, bytes(16)) + C.record(0x91)
    ops = draw(st.lists(st.sampled_from(["dim", "data", "end", "row", "cell", "cell", "cell", "blank", "rk", "err",
                                         "view", "fmla"]), max_size=30))
    for op in ops:
        col = draw(st.integers(0, 40))
        if op == "dim":
            out += C.record(0x94, struct.pack("<IIII", *draw(st.tuples(*[st.integers(0, 60)] * 4))))
        elif op == "data":
            out += C.record(0x91)
        elif op == "end":
            out += C.record(0x92)
        elif op == "row":
            out += C.row_header(draw(st.integers(0, 60)))
        elif op == "cell":
            out += C.cell(col, draw(st.one_of(st.integers(0, 9), st.just("字"))))
        elif op == "blank":
            out += C.record(0x01, struct.pack("<II", col, 0))
        elif op == "rk":
            out += C.record(0x02, struct.pack("<III", col, 0, 2 | (5 << 2)))
        elif op == "err":
            out += C.record(0x03, struct.pack("<II", col, 0) + bytes([0x07]))
        elif op == "view":
            out += C.record(0x85) + C.record(0x91) + C.cell(col, 1) + C.record(0x86)
        else:
            out += C.record(0x09, struct.pack("<II", col, 0) + struct.pack("<d", 1.0) + b"\0\0" + bytes(4))
    return out + C.record(0x92) + C.record(0x82)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=xlsb_sheet(), chunk=st.sampled_from([1 << 20, 3, 16]))
def test_xlsb_scan_contains_calamines_range(sheet: bytes, chunk: int, tmp_path: Path) -> None:
    import python_calamine as pc

    path = C.xlsb(tmp_path / "a.xlsb", sheet)
    try:
        got = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("教学技能")
        got = (got.start, got.end)
    except Exception:
        got = None  # calamine refuses it: nothing is allocated
    pf = C.preflight_in_chunks(path, chunk)
    if pf is None:
        return
    scan = pf.sheets["教学技能"]
    if got is None or got[0] is None:
        event("calamine reads nothing")
        return
    event("compared with calamine")
    (r0, c0), (r1, c1) = got
    assert scan.min_row <= r0 + 1 and scan.max_row >= r1 + 1, (scan, got)
    assert scan.min_col <= c0 and scan.max_col >= c1, (scan, got)
