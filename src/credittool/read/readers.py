"""Read one input file into sheets of typed cells, without guessing at types.

Every file passes `preflight` first (size, zip bombs, XML entities, the real used range of
each sheet), since a hostile file can otherwise abort the process inside the parser. The
parser then reads the very bytes preflight checked, by their real format, whatever the
file's name says.

xlsx / xls / ods go through python-calamine, which returns each cell's real type
(float for a numeric cell, str for text). It reads error cells (#N/A) and formulas that
were never calculated as blank, so preflight's `cell_flags` say which blanks are really
errors, and `hidden_rows` which rows a filter or a clerk hid.

CSV is decoded BOM first (UTF-32 before UTF-16: the UTF-32 LE BOM starts with the UTF-16
LE one), then UTF-16/UTF-32 without a BOM (told by where the zero bytes fall), then strict
UTF-8, then GB18030: GB18030 bytes never decode as UTF-8, but most UTF-8 text also decodes,
wrongly and silently, as GB18030, so the order matters. Never GBK.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credittool.read.formats import BOMS, NAMED_FORMATS, SUFFIXES, ReadError, wide_encoding

from credittool.read.preflight import LIMITS, Limits, Preflight, SheetScan, col_letters, preflight
from credittool.read.preflight.core import password_error

@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    first_row: int = 1  # Excel row number of rows[0]
    first_col: int = 0  # column index of rows[i][0]
    # (Excel row number, column index) → "error:#N/A" or "formula-no-value": the cell reads
    # as blank in `rows`, but holds an error or a formula never calculated
    cell_flags: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)  # Excel row numbers hidden by a filter or by hand
    # merged cells as (top, left, bottom, right): Excel row numbers and column indexes; the
    # value is in the top left cell, the others read as blank
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass
class Workbook:
    path: Path
    format: str
    sheets: list[Sheet] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth telling, not errors
    hidden: list[Sheet] = field(default_factory=list)  # hidden sheets: read, never imported


def decode_csv(data: bytes) -> tuple[str, str]:
    for bom, codec, label in BOMS:
        if data.startswith(bom):
            return _decode(data, len(bom), codec), label
    wide = wide_encoding(data[:4096])
    if wide is not None:
        return _decode(data, 0, wide), wide[:6].upper()
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    return _decode(data, 0, "gb18030"), "GB18030"


def _decode(data: bytes, start: int, codec: str) -> str:
    try:
        return data[start:].decode(codec)
    except UnicodeDecodeError as exc:
        raise _encoding_error(exc.start + start) from None


def _encoding_error(at: int) -> ReadError:
    return ReadError(f"无法识别文本编码（第 {at} 字节）", "在 Excel/WPS 中另存为 .xlsx 或 UTF-8 CSV", "E-FILE-ENCODING")


def _read_csv(path: Path, data: bytes, limits: Limits) -> Workbook:
    text, encoding = decode_csv(data)
    try:
        dialect = csv.Sniffer().sniff(_table_start(text), delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[str]] = []
    cells = 0
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for r in reader:
            cells += len(r)
            if len(r) > limits.columns or cells > limits.cells:
                what = f"第 {reader.line_num} 行有 {len(r):,} 列，超过上限 {limits.columns:,} 列" \
                    if len(r) > limits.columns else f"超过 {limits.cells:,} 个单元格的上限"
                raise ReadError(f"CSV {what}", "删除多余的列，或按学校拆分后再导入", "E-SHEET-BBOX")
            rows.append(r)
    except csv.Error as exc:
        raise ReadError(f"CSV 第 {reader.line_num} 行无法解析（{_csv_why(exc)}）",
                        "在 Excel/WPS 中打开并另存为 .xlsx 或 UTF-8 CSV", "E-FILE-CORRUPT") from None
    wb = Workbook(path, "csv", [Sheet(path.stem, rows)])
    if encoding == "GB18030":
        wb.notes.append("CSV 按 GB18030 编码读取")
    return wb


def _table_start(text: str) -> str:
    """The text the delimiter is told from: its first 4 KiB from the first line that has
    one, past a title line (2018年网络补训名单) above a tab-separated table, as Excel's
    Unicode text export writes it; the sniffer would take the title's lone column."""
    head = text[:8192].splitlines()
    k = next((i for i, line in enumerate(head[:10]) if any(d in line for d in ",\t;")), 0)
    return "\n".join(head[k:])[:4096]


def _csv_why(exc: csv.Error) -> str:
    """The csv module's (English) reason, in Chinese."""
    text = str(exc)
    if "field larger than field limit" in text:
        return f"有一格超过 {csv.field_size_limit():,} 个字符"
    if "NUL" in text:
        return "含有空字符（NUL），可能不是文本文件"
    if "new-line character" in text or "EOF" in text:
        return "引号没有配对，一格跨到了文件末尾"
    return "引号或分隔符不成对"


_CALAMINE_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"}
_SUFFIX_FORMAT = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xltx": "xlsx", ".xltm": "xlsx", ".xlsb": "xlsb", ".xls": "xls",
                  ".xlt": "xls", ".ods": "ods"}  # .et/.ett: WPS writes either xls or xlsx


def _read_calamine(pf: Preflight) -> Workbook:
    import python_calamine as pc

    fmt, path = pf.format, pf.path
    try:
        # the bytes preflight checked, by content: from_path would pick the parser by the
        # file's name, and a .xls that is really xlsx (WPS, web systems) would fail
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(pf.data))
    except pc.PasswordError:

        raise password_error("解析器发现加密") from None
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise _corrupt(fmt, exc) from None
    wb = Workbook(path, fmt)
    named = _SUFFIX_FORMAT.get(path.suffix.lower())
    if named is not None and named != fmt:
        wb.notes.append(f"扩展名是 {path.suffix}，内容其实是 {fmt} 文件，已按 {fmt} 读取")
    try:
        for meta in book.sheets_metadata:
            if str(meta.typ) != str(pc.SheetTypeEnum.WorkSheet):
                continue
            if str(meta.visible) != str(pc.SheetVisibleEnum.Visible):
                # read but not imported: its rows are counted and listed (extract.py)
                try:
                    wb.hidden.append(_sheet(book, meta.name, pf))
                except BaseException as exc:  # never imported anyway: its failure costs only its count
                    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                        raise
                    wb.notes.append(f"隐藏工作表「{meta.name}」无法读取，未导入")
                continue
            wb.sheets.append(_sheet(book, meta.name, pf))
    finally:
        book.close()
    return wb


def _sheet(book: Any, name: str, pf: Preflight) -> Sheet:
    scan = pf.sheets.get(name)
    try:
        sheet = book.get_sheet_by_name(name)
        rows = sheet.to_python()
        start = sheet.start or (0, 0)
    except Exception as exc:
        bad = _unreadable_error(scan)
        if bad is not None:
            raise ReadError(f"工作表「{name}」{bad[1]} 是错误值 {bad[0]}，整张表因此无法读取",
                            "改正该单元格的公式（或复制后「选择性粘贴→数值」），保存后再导入", "E-CELL-ERROR") from None
        raise ReadError(f"工作表「{name}」无法读取（{_why(exc)}）",
                        "在 Excel/WPS 中打开并另存为 .xlsx", "E-FILE-CORRUPT") from None
    try:
        merged = [(top + 1, left, bottom + 1, right) for (top, left), (bottom, right) in sheet.merged_cell_ranges or ()]
    except Exception:  # the merges only fill blanks (extract/columns.py): without them the cells still read
        merged = []
    sh = Sheet(name, rows, first_row=start[0] + 1, first_col=start[1],
               cell_flags=dict(scan.cell_flags) if scan else {},
               hidden_rows=set(scan.hidden_rows) if scan else set(), merged=merged)
    _cover_flags(sh)
    return sh


def _cover_flags(sheet: Sheet) -> None:
    """calamine's range holds only cells with a value, so a row whose only cell is a formula
    never calculated is not in it at all. Widen `rows` (with blanks) so that every flagged
    cell has its row and column there, and the row is counted, and rejected."""
    if not sheet.cell_flags:
        return
    rows_at = [r for r, _ in sheet.cell_flags]
    cols_at = [c for _, c in sheet.cell_flags]
    width = max((len(r) for r in sheet.rows), default=0)
    if not sheet.rows:
        sheet.first_row, sheet.first_col = min(rows_at), min(cols_at)
    top, left = min(sheet.first_row, *rows_at), min(sheet.first_col, *cols_at)
    bottom = max(sheet.first_row + len(sheet.rows) - 1, *rows_at)
    right = max(sheet.first_col + width - 1, *cols_at)
    if (top, left) == (sheet.first_row, sheet.first_col) and bottom == sheet.first_row + len(sheet.rows) - 1 \
            and right == sheet.first_col + width - 1:
        return
    pad_left, new_width = sheet.first_col - left, right - left + 1
    rows = [[""] * new_width for _ in range(sheet.first_row - top)]
    rows += [[""] * pad_left + list(r) + [""] * (new_width - pad_left - len(r)) for r in sheet.rows]
    rows += [[""] * new_width for _ in range(bottom - top + 1 - len(rows))]
    sheet.rows, sheet.first_row, sheet.first_col = rows, top, left


def _unreadable_error(scan: SheetScan | None) -> tuple[str, str] | None:
    """An error value calamine cannot represent (#SPILL!, #CALC! …) fails the whole sheet:
    name it, so the clerk knows which cell to fix."""

    if scan is None:
        return None
    for (row, col), flag in sorted(scan.cell_flags.items()):
        if flag.startswith("error:") and flag[6:] not in _CALAMINE_ERRORS:
            return flag[6:], f"{col_letters(col)}{row}"
    return None


def _why(exc: BaseException) -> str:
    """The parser's failure in Chinese: its own text is English (「Cannot detect file format」)."""
    name, text = type(exc).__name__, str(exc)
    if "Cannot detect file format" in text:
        return "无法识别文件格式，文件可能已损坏"
    if name == "ZipError" or "zip" in text.lower():
        return "压缩包结构错误"
    if name == "XmlError" or "xml" in text.lower():
        return "内部 XML 无法解析"
    if name == "PanicException":
        return "解析器无法处理这个文件的内部结构"
    if isinstance(exc, MemoryError):
        return "内容太大，内存不足"
    return "文件内部结构无法解析"


def _corrupt(fmt: str, exc: BaseException) -> ReadError:
    return ReadError(f"文件已损坏或不是有效的 {fmt} 文件（{_why(exc)}）", "在 Excel/WPS 中打开并另存为 .xlsx", "E-FILE-CORRUPT")


def _unreadable_format(path: Path, fmt: str) -> ReadError | None:
    """A file whose content is no format we read, named as precisely as the bytes allow."""
    again = "在 Excel/WPS 中打开，另存为 .xlsx 后再导入"
    if fmt == "html":
        return ReadError("这是网页（HTML）文件，只是扩展名为表格", again, "E-FILE-HTML")
    if fmt == "xls-old":
        return ReadError("Excel 4.0 以前的旧格式（BIFF2–BIFF4），本工具不能读取", "请用 Excel/WPS 打开，另存为 .xlsx 后再导入",
                         "E-FILE-OLDXLS")
    if fmt == "fods":
        return ReadError(f"这是 {NAMED_FORMATS['.fods']}，本工具不能读取", "在 WPS/LibreOffice 中打开，另存为 .xlsx 后再导入",
                         "E-FILE-FORMAT")
    if fmt == "ots":
        return ReadError(f"这是 {NAMED_FORMATS['.ots']}，本工具不能读取", "在 WPS/LibreOffice 中打开，另存为 .xlsx 或 .ods 后再导入",
                         "E-FILE-FORMAT")
    named = NAMED_FORMATS.get(path.suffix.lower())
    if named is not None and fmt in ("binary", "xlsx", "csv"):  # by its name and not what we read
        return ReadError(f"这是 {named}，本工具不能读取", again, "E-FILE-FORMAT")
    if fmt == "binary" and path.suffix.lower() == ".csv":  # text by its name, not by its bytes
        return ReadError("文件含有空字符（NUL），不是纯文本的 CSV：可能已损坏，或是别的格式改了扩展名",
                         "在 Excel/WPS 中打开，另存为 .xlsx 或 UTF-8 CSV 后再导入", "E-FILE-FORMAT")
    if fmt == "binary":
        return ReadError("不是表格文件", "只导入 " + " ".join(SUFFIXES), "E-FILE-FORMAT")
    return None


def read_workbook(path: Path, limits: Limits | None = None) -> Workbook:
    """Read one input file. Raises ReadError, and only ReadError, whatever the file holds."""

    limits = limits or LIMITS
    pf = preflight(path, limits)
    fmt = pf.format
    refusal = _unreadable_format(path, fmt)
    if refusal is not None:
        raise refusal
    try:
        if fmt == "csv":
            if path.suffix.lower() != ".csv":
                raise ReadError(f"扩展名是 {path.suffix}，内容却是纯文本（CSV），不是该格式",
                                "把扩展名改为 .csv，或在 Excel/WPS 中打开并另存为 .xlsx", "E-FILE-FORMAT")
            return _read_csv(path, pf.data, limits)
        return _read_calamine(pf)
    except ReadError:
        raise
    except BaseException as exc:  # a parser's panic (pyo3 PanicException is a BaseException) included
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise _corrupt(fmt, exc) from None
