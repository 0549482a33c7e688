"""Limits, what preflight returns, and the messages and byte-level XML helpers that the
format scanners (zipped, xlsx, ods, xls) share."""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from credittool.read.formats import ReadError

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 200 * MiB  # the file as mailed
    csv_bytes: int = 50 * MiB  # a CSV is held as text and Python strings: ~8× its size
    zip_entries: int = 10_000  # a school's workbook has a few dozen parts
    zip_total: int = 1 * GiB  # all parts unpacked
    zip_ratio: int = 200  # unpacked : packed, for a part larger than zip_ratio_floor
    zip_ratio_floor: int = 1 * MiB
    # used range of a sheet: calamine holds ~32 bytes per cell of it, to_python 8 more;
    # 5 M cells ≈ 200 MB. A county's biggest real sheet is well under 1 M cells.
    cells: int = 5_000_000
    columns: int = 1000
    # shared strings: calamine reserves the declared count up front and keeps every one
    # (~24 bytes each before its text); a sheet holds at most one per cell
    strings: int = 5_000_000


LIMITS = Limits()


@dataclass
class SheetScan:
    """What preflight saw in one sheet. Rows are Excel row numbers (1-based), columns
    0-based indexes, as in `readers.Sheet`."""

    name: str
    part: str  # zip part or stream it came from
    min_row: int = 0  # 0 = no cell with a value
    max_row: int = 0
    min_col: int = -1
    max_col: int = -1
    cell_flags: dict[tuple[int, int], str] = field(default_factory=dict)  # "error:#N/A" / "formula-no-value"
    hidden_rows: set[int] = field(default_factory=set)

    @property
    def height(self) -> int:
        return self.max_row - self.min_row + 1 if self.max_row else 0

    @property
    def width(self) -> int:
        return self.max_col - self.min_col + 1 if self.max_col >= 0 else 0

    def add(self, row: int, col: int) -> None:
        if not self.max_row:
            self.min_row = self.max_row = row
            self.min_col = self.max_col = col
            return
        self.min_row, self.max_row = min(self.min_row, row), max(self.max_row, row)
        self.min_col, self.max_col = min(self.min_col, col), max(self.max_col, col)


@dataclass
class Preflight:
    path: Path
    format: str  # xlsx / ods / xls / csv / html / binary (formats.sniff)
    size: int
    data: bytes = field(repr=False, default=b"")  # the bytes checked; parse these, not the path again
    sheets: dict[str, SheetScan] = field(default_factory=dict)  # by sheet name as the parser names it


def human_size(n: int) -> str:
    for unit, k in (("GB", GiB), ("MB", MiB), ("KB", KiB)):
        if n >= k:
            v = n / k
            return f"{v:.1f} {unit}" if v < 10 and v != int(v) else f"{v:.0f} {unit}"
    return f"{n} 字节"


def check_limit(value: int, limit: int, what: str, code: str, hint: str, unpacked: bool = False) -> None:
    if value > limit:
        verb = "解压后" if unpacked else ""
        raise ReadError(f"{what}{verb} {human_size(value)}，超过上限 {human_size(limit)}", hint, code)


def corrupt(fmt: str, exc: BaseException | str) -> ReadError:
    """A damaged file. The why is Chinese: an exception's own (English) text is not shown."""
    why = exc if isinstance(exc, str) else "文件结构无法解析"
    return ReadError(f"文件已损坏或不是有效的 {fmt} 文件（{why}）", "在 Excel/WPS 中打开并另存为 .xlsx", "E-FILE-CORRUPT")


_OS_ERRORS = {errno.ENOENT: "文件不存在（可能已被移走或改名）", errno.EACCES: "没有读取这个文件的权限",
              errno.EPERM: "没有读取这个文件的权限", errno.EISDIR: "这是文件夹，不是文件",
              errno.EBUSY: "文件正被其他程序占用", errno.ENAMETOOLONG: "文件名太长", errno.EIO: "读取磁盘出错"}


def os_error(exc: OSError) -> ReadError:
    """A file that cannot be opened, in Chinese (never the system's English strerror)."""
    why = _OS_ERRORS.get(exc.errno, f"系统错误 {exc.errno}" if exc.errno else "系统错误")
    return ReadError(f"无法读取文件：{why}", "检查文件是否存在、是否被其他程序占用，关闭它后再导入", "E-FILE-READ")


def password_error(how: str) -> ReadError:
    """Every password-protected workbook, however it is encrypted, gets this one code."""
    return ReadError(f"文件有密码保护，去掉密码后另存为 .xlsx（{how}）",
                     "在 Excel/WPS 中输入密码打开，「文件→信息→保护工作簿→用密码进行加密」清空密码，另存为 .xlsx 后再导入",
                     "E-FILE-PASSWORD")


def col_letters(col: int) -> str:
    """0 → A, 16383 → XFD."""
    s = ""
    col += 1
    while col > 0:
        col, r = divmod(col - 1, 26)
        s = chr(65 + r) + s
    return s


def within(scan: SheetScan, limits: Limits) -> bool:
    return not scan.max_row or (scan.max_col < limits.columns and scan.height * scan.width <= limits.cells)


def check_extent(scan: SheetScan, limits: Limits) -> None:
    """Refuse a sheet whose used range the parser could not hold."""
    if within(scan, limits):
        return
    where = f"{col_letters(scan.min_col)}{scan.min_row}:{col_letters(scan.max_col)}{scan.max_row}"
    size = f"{scan.height:,} 行 × {scan.width:,} 列"
    hint = "删除表格右侧和下方多余的行和列（选中后「删除」，不是「清除内容」），保存后再导入"
    if scan.max_col >= limits.columns:
        raise ReadError(f"工作表「{scan.name}」用到的区域是 {where}（{size}），最右到第 {scan.max_col + 1:,} 列，"
                        f"超过上限 {limits.columns:,} 列", hint, "E-SHEET-BBOX")
    raise ReadError(f"工作表「{scan.name}」用到的区域是 {where}（{size}，共 {scan.height * scan.width:,} 格），"
                    f"超过上限 {limits.cells:,} 格", hint, "E-SHEET-BBOX")


# --- reading XML as bytes --------------------------------------------------------------

NS_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix: calamine matches local names
_BALANCED = re.compile(rb"""(?:[^"']|"[^"]*"|'[^']*')*""")


def balanced(attrs: bytes) -> bool:
    if b"'" not in attrs and attrs.count(b'"') % 2 == 0:
        return True
    return _BALANCED.fullmatch(attrs) is not None


def attr_any(attrs: bytes, key: bytes) -> bytes | None:
    m = re.search(rb"(?:^|\s)" + re.escape(key) + rb"""\s*=\s*(["'])(.*?)\1""", attrs, re.S)
    return m.group(2) if m else None


def relationships(rels_xml: bytes) -> dict[bytes, bytes]:
    """A .rels part's Id → Target, as bytes (namespace prefixes allowed, as calamine allows)."""
    rels = {}
    for m in re.finditer(rb"<" + NS_PREFIX + rb"Relationship\s([^<>]*)>", rels_xml):
        rid, target = attr_any(m.group(1), b"Id"), attr_any(m.group(1), b"Target")
        if rid is not None and target is not None:
            rels[rid] = target
    return rels


class TagStream:
    """Feed chunks; get regions to tokenise. A region ends just before the last `start`
    tag seen (a row or cell), so a cell (`<c …><v>12` + `3</v></c>`) is never cut in two."""

    def __init__(self, start: re.Pattern) -> None:
        self.carry, self.start = b"", start

    def regions(self, chunk: bytes, final: bool = False) -> Iterator[bytes]:
        buf = self.carry + chunk
        if final:
            self.carry = b""
            yield buf
            return
        cut, lo, pos = -1, max(0, len(buf) - 64 * KiB), len(buf)
        while pos > lo:  # back from the end, '<' by '<', to the last start tag
            pos = buf.rfind(b"<", lo, pos)
            if pos < 0:
                break
            if self.start.match(buf, pos):
                cut = pos
                break
        if cut < 0:  # no tag start near the end: cut at the last '<', or not at all
            cut = buf.rfind(b"<")
            if cut < 0 or len(buf) - cut > 64 * KiB:
                cut = len(buf)
        self.carry = buf[cut:]
        yield buf[:cut]
