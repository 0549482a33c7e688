"""Builders for hostile and broken input files, written by hand where openpyxl cannot.

Each builder writes one file and returns its path. Nothing big is held in memory: the zip
bomb's 300 MB sheet is written in a stream.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from conftest import check_id, write_xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/xl/workbook.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                 '<Override PartName="/xl/worksheets/sheet1.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
             'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
             'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
             'Target="xl/workbook.xml"/></Relationships>')
WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
                 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                 'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                 'Target="worksheets/sheet1.xml"/></Relationships>')


def workbook_xml(sheet: str = "教学技能", prolog: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<workbook xmlns="{MAIN}" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>')


def sheet_xml(sheet_data: str, prolog: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">'
            f"<sheetData>{sheet_data}</sheetData></worksheet>")


def handmade_xlsx(path: Path, sheet_data: str = "", *, sheet: str = "教学技能", sheet_prolog: str = "",
                  workbook_prolog: str = "", extra: dict[str, str | bytes] | None = None,
                  sheet_bytes: bytes | None = None) -> Path:
    """A minimal xlsx whose single sheet XML is written as given."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", workbook_xml(sheet, workbook_prolog))
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_bytes or sheet_xml(sheet_data, sheet_prolog))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


# --- the hostile files ---------------------------------------------------------------

def far_corner(path: Path) -> Path:
    """A1 and XFD1048576: 4.8 KB that makes calamine allocate 512 GiB and abort."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "教学技能"
    ws["A1"] = "姓名"
    ws["XFD1048576"] = "x"
    wb.save(path)
    return path


def zip_bomb(path: Path, rows: int = 11_000_000) -> Path:
    """A sheet of ~300 MB of identical rows, written in a stream; it packs to ~0.7 MB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", workbook_xml())
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            block = b"<row><c><v>1</v></c></row>" * 10_000
            for _ in range(rows // 10_000):
                f.write(block)
            f.write(b"</sheetData></worksheet>")
    return path


def lying_zip(path: Path) -> Path:
    """A 20 MB sheet whose zip directory says it is 1,000 bytes (and so passes the ratio
    check): patch the declared size in the local header and the central directory."""
    handmade_xlsx(path, "<row><c><v>1</v></c></row>" * 800_000)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 1000)  # local header: uncompressed size
    cd = _central_entry(bytes(data), "xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, cd + 24, 1000)
    path.write_bytes(bytes(data))
    return path


def _central_entry(data: bytes, name: str) -> int:
    pos = 0
    target = name.encode()
    while True:
        pos = data.index(b"PK\x01\x02", pos)
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + n] == target:
            return pos
        pos += 4


BILLION_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                            for i in range(1, 10))
                  + "]>")


def billion_laughs(path: Path) -> Path:
    """Entity expansion in the shared strings, after a 10 KB comment (past any first-KB check)."""
    sst = (f'<?xml version="1.0"?><!-- {"x" * 10_000} -->{BILLION_LAUGHS}'
           f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    return handmade_xlsx(path, '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', extra={"xl/sharedStrings.xml": sst})


def xxe(path: Path) -> Path:
    return handmade_xlsx(path, '<row r="1">' + inline("A1", "姓名") + "</row>",
                         workbook_prolog='<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')


def utf16_part(path: Path) -> Path:
    """A sheet part in UTF-16: every byte-level check would read past it."""
    xml = sheet_xml('<row r="1">' + inline("A1", "姓名") + "</row>").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return handmade_xlsx(path, sheet_bytes=xml.encode("utf-16"))


def html_as_xls(path: Path) -> Path:
    path.write_text("<html><head><meta charset='utf-8'></head><body><table><tr><td>姓名</td><td>身份证号</td></tr>"
                    "</table></body></html>", encoding="utf-8")
    return path


def truncated_xlsx(path: Path) -> Path:
    school(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def damaged_part(path: Path) -> Path:
    """A complete zip whose sheet's deflate stream has a flipped byte: the CRC says so."""
    school(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    n, m = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + n + m
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def csv_named_xlsx(path: Path) -> Path:
    path.write_text("姓名,身份证号,考试成绩\n张三,%s,80\n" % check_id("22028219800101001"), encoding="utf-8")
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def many_entries(path: Path, n: int = 10_001) -> Path:
    handmade_xlsx(path, '<row r="1">' + inline("A1", "姓名") + "</row>",
                  extra={f"xl/media/x{i}.xml": "" for i in range(n - 5)})
    return path


# --- readable files with traps inside ----------------------------------------------------------

HEAD = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
ID = [check_id(f"2202821980010{i:04d}") for i in range(20)]


def school(path: Path, rows: int = 6) -> Path:
    return write_xlsx(path, {"教学技能": [HEAD] + [[f"教师{i}", ID[i], 70, 5, 70] for i in range(rows)]})


def error_cells(path: Path) -> Path:
    """Row 2 fine; row 3 a #N/A score, row 4 #DIV/0! in the blog score (both with cached
    values, as Excel writes them); row 5 a formula openpyxl wrote without a value; row 6
    the name itself is =VLOOKUP(…) never calculated, and nothing else: not a blank row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "教学技能"
    ws.append(HEAD)
    ws.append(["张一", ID[0], 70, 5, 70])
    ws.append(["张二", ID[1], "#N/A", 5, 70])
    ws.append(["张三", ID[2], 80, 5, "#DIV/0!"])
    ws.append(["张四", ID[3], "=B2*0", 5, 70])
    ws.append(["=VLOOKUP(B6,Sheet2!A:B,2,0)", None, None, None, None])
    assert ws["C3"].data_type == "e" and ws["C5"].data_type == "f"
    wb.save(path)
    return path


def hidden_rows(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "教学技能"
    ws.append(HEAD)
    for i in range(5):
        ws.append([f"教师{i}", ID[i], 70, 5, 70])
    for r in (3, 4, 6):
        ws.row_dimensions[r].hidden = True
    wb.save(path)
    return path


def spill_error(path: Path) -> Path:
    """#SPILL! (Excel 365): calamine cannot represent it and fails the whole sheet."""
    return handmade_xlsx(path, '<row r="1">' + inline("A1", "姓名") + inline("B1", "身份证号") + "</row>"
                         '<row r="2">' + inline("A2", "张三")
                         + '<c r="B2" t="e"><f>SORT(X1:X9)</f><v>#SPILL!</v></c></row>')


def xls_with_errors(path: Path) -> Path:
    """A legacy .xls: a BOOLERR #N/A score, and row 3 hidden."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("教学技能")
    for j, h in enumerate(HEAD):
        ws.write(0, j, h)
    for i in range(3):
        ws.write(i + 1, 0, f"教师{i}")
        ws.write(i + 1, 1, ID[i])
        ws.write(i + 1, 3, 5)
        ws.write(i + 1, 4, 70)
        if i == 1:
            ws.row(i + 1).set_cell_error(2, 0x2A)  # #N/A
        else:
            ws.write(i + 1, 2, 70)
    ws.row(3).hidden = True
    wb.save(str(path))
    return path


def ods(path: Path, table: str, name: str = "教学技能") -> Path:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
               f'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="{name}">'
               + table + "</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def ods_cell(text: str | int) -> str:
    if isinstance(text, int):
        return (f'<table:table-cell office:value-type="float" office:value="{text}">'
                f"<text:p>{text}</text:p></table:table-cell>")
    return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def ods_repeat_bomb(path: Path) -> Path:
    """One filled cell repeated across 16384 columns and a million rows: 17 G cells."""
    cell = ods_cell("x").replace("<table:table-cell ", '<table:table-cell table:number-columns-repeated="16384" ')
    return ods(path, f'<table:table-row table:number-rows-repeated="1048576">{cell}</table:table-row>')


def ods_with_errors(path: Path) -> Path:
    """LibreOffice writes an error cell as 0 with calcext:value-type="error": calamine reads 0."""
    err = ('<table:table-cell table:formula="of:=1/0" office:value-type="float" office:value="0" '
           'calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>')
    rows = ["".join(ods_cell(h) for h in HEAD),
            "".join(ods_cell(v) for v in ["教师0", ID[0], 70, 5, 70]),
            "".join(ods_cell(v) for v in ["教师1", ID[1]]) + err + ods_cell(5) + ods_cell(70)]
    return ods(path, "".join(f"<table:table-row>{r}</table:table-row>" for r in rows))
