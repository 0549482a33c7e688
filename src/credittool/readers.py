"""Read one input file into sheets of typed cells, without guessing at types.

xlsx / xls / ods go through python-calamine, which returns each cell's real type
(float for a numeric cell, str for text). CSV is decoded BOM first, then strict UTF-8,
then GB18030: GB18030 bytes never decode as UTF-8, but most UTF-8 text also decodes,
wrongly and silently, as GB18030, so the order matters. Never GBK.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    first_row: int = 1  # Excel row number of rows[0]
    first_col: int = 0  # column index of rows[i][0]


@dataclass
class Workbook:
    path: Path
    format: str
    sheets: list[Sheet] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth telling, not errors


class ReadError(Exception):
    """A file that cannot be read at all. The message says what to do."""

    def __init__(self, message: str, hint: str = "", code: str = "E-FILE"):
        super().__init__(message)
        self.message, self.hint, self.code = message, hint, code


def sniff(path: Path, head: bytes) -> str:
    """The file's real format from its first bytes (the name can lie)."""
    if head.startswith(b"PK\x03\x04"):
        return "ods" if b"mimetypeapplication/vnd.oasis.opendocument" in head[:120] else "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml", b"<meta")):
        return "html"
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "csv"


def decode_csv(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "UTF-8 (BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError as exc:
        raise ReadError(f"无法识别文本编码（第 {exc.start} 字节）", "在 Excel/WPS 中另存为 .xlsx 或 UTF-8 CSV",
                        "E-FILE-ENCODING") from None


def _read_csv(path: Path, data: bytes) -> Workbook:
    text, encoding = decode_csv(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    wb = Workbook(path, "csv", [Sheet(path.stem, rows)])
    if encoding == "GB18030":
        wb.notes.append("CSV 按 GB18030 编码读取")
    return wb


def _read_calamine(path: Path, fmt: str) -> Workbook:
    import python_calamine as pc

    try:
        book = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise ReadError("文件有密码保护", "去掉密码后另存，再导入", "E-FILE-PASSWORD") from None
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise ReadError(f"文件已损坏或不是有效的 {fmt} 文件（{type(exc).__name__}: {exc}）",
                        "在 Excel/WPS 中打开并另存为 .xlsx", "E-FILE-CORRUPT") from None
    wb = Workbook(path, fmt)
    for meta in book.sheets_metadata:
        if str(meta.visible) != str(pc.SheetVisibleEnum.Visible):
            wb.notes.append(f"隐藏工作表「{meta.name}」未导入")
            continue
        if str(meta.typ) != str(pc.SheetTypeEnum.WorkSheet):
            continue
        try:
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python()
        except Exception as exc:
            raise ReadError(f"工作表「{meta.name}」无法读取（{type(exc).__name__}: {exc}）",
                            "在 Excel/WPS 中打开并另存为 .xlsx", "E-FILE-CORRUPT") from None
        start = sheet.start or (0, 0)
        wb.sheets.append(Sheet(meta.name, rows, first_row=start[0] + 1, first_col=start[1]))
    book.close()
    return wb


def read_workbook(path: Path) -> Workbook:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"无法读取文件：{exc.strerror}", "检查文件是否存在、是否被其他程序占用", "E-FILE-READ") from None
    fmt = sniff(path, data[:8192])
    if fmt == "html":
        raise ReadError("这是网页（HTML）文件，只是扩展名为表格", "在 Excel/WPS 中打开，另存为 .xlsx 后再导入", "E-FILE-HTML")
    if fmt == "binary":
        raise ReadError("不是表格文件", "只导入 .xlsx .xls .ods .csv", "E-FILE-FORMAT")
    if fmt == "csv":
        if path.suffix.lower() != ".csv":
            raise ReadError(f"扩展名是 {path.suffix}，内容却不是该格式", "在 Excel/WPS 中打开并另存为 .xlsx",
                            "E-FILE-FORMAT")
        return _read_csv(path, data)
    return _read_calamine(path, fmt)
