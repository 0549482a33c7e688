"""xlsx sheets: the used range as calamine will compute it, and the cells it reads as blank
(error values, formulas never calculated) and the hidden rows."""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from credittool.read.preflight.core import (Limits, Preflight, SheetScan, balanced, check_extent, NS_PREFIX, TagStream,
                                       within)
from credittool.read.formats import ReadError

# One regex hit per row start, row end or whole cell, with the cell's first children
# (formula, value) captured, so that Python touches each cell once. Attributes can hold
# neither < nor > in a file that Excel or WPS writes.
_XLSX_TOKEN = re.compile(
    rb"<(?:(/" + NS_PREFIX + rb"row\s*>)"  # 1: </row>
    rb"|" + NS_PREFIX + rb"row(?=[\s/>])([^<>]{0,4096})>"  # 2: <row …>
    rb"|" + NS_PREFIX + rb"c(?=[\s/>])"
    rb"""(?:\s+r="([A-Za-z]{1,8})([0-9]{1,12})")?"""  # 3, 4: r as the first attribute (Excel, WPS)
    rb"([^<>]{0,4096})>"  # 5: the rest of the attributes
    rb"(?:\s*(<" + NS_PREFIX + rb"f(?=[\s/>])[^<>]{0,4096}(?:/>|>[^<]{0,65536}</" + NS_PREFIX + rb"f\s*>)))?"  # 6: formula
    # 7-9: the value (<v> or <is>, its attributes, its text); 10: an immediate </c>
    rb"(?:\s*(?:<" + NS_PREFIX + rb"(v|is)(?=[\s/>])([^<>]{0,1024})>([^<]{0,256})|(</" + NS_PREFIX + rb"c\s*>)))?"
    rb")")
_XLSX_START = re.compile(rb"<" + NS_PREFIX + rb"(?:row|c)(?=[\s/>])")
_FAST_CELL = re.compile(rb'<c r="([A-Z]{1,8})([0-9]{1,12})"[^<>]{0,4096}>')
_FAST_ROW = re.compile(rb'<row r="([0-9]{1,12})"([^<>]{0,4096})>')
_FAST_FORMULA = re.compile(
    rb'<c r="([A-Z]{1,8})([0-9]{1,12})"([^<>]{0,4096})>\s*(<f(?=[\s/>])[^<>]{0,4096}(?:/>|>[^<]{0,65536}</f>))'
    rb'(?:\s*(<v(?=[\s/>])[^<>]{0,1024}>)([^<]{0,256}))?')
# a common-form cell tag holding "e" or 'e' (from r's closing quote on): only then can its t be "e"
_ERROR_TAG = re.compile(rb'<c r="[A-Z]{1,8}[0-9]{1,12}(?="[^<>]{0,4096}>)[^<>]*?(?:"e"|\'e\')')
_FAST_ERROR = re.compile(rb'<c r="([A-Z]{1,8})([0-9]{1,12})"([^<>]{0,4096}\bt\s*=\s*["\']e["\'][^<>]{0,4096})>'
                         rb'\s*<v>([^<]{0,256})')


def _count_starts(region: bytes) -> int:
    """Row and cell start tags, however written (a prefix, a tab, no attributes). Where
    every `<c` but `<col` and every `<row` is followed by a space and no `:c` or `:row` can
    be a prefixed tag (the common form), substring counts give the number; otherwise one
    regex pass."""
    cells, rows = region.count(b"<c "), region.count(b"<row ")
    if region.count(b"<c") == cells + region.count(b"<col") and region.count(b"<row") == rows \
            and b":c" not in region and b":row" not in region:
        return cells + rows
    return len(_XLSX_START.findall(region))


_ATTR = {k: re.compile(rb"""(?:^|\s)""" + k + rb"""\s*=\s*(["'])(.*?)\1""", re.S) for k in (b"r", b"t", b"hidden")}
_REF = re.compile(rb"([A-Za-z]+)([0-9]+)")
_ROWREF = re.compile(rb"[A-Za-z]*([0-9]+)")


def _attr(attrs: bytes, key: bytes) -> bytes | None:
    if key not in attrs:
        return None
    m = _ATTR[key].search(attrs)
    return m.group(2) if m else None


_COLS: dict[bytes, int] = {}


def _col_number(letters: bytes) -> int:
    n = _COLS.get(letters)
    if n is None:
        n = 0
        for ch in letters.upper():
            n = n * 26 + ch - 64
        n -= 1
        if len(_COLS) < 100_000:
            _COLS[letters] = n
    return n


# cells, rows, min row, max row, min column, max column, hidden rows, formulas, errors
Form = tuple[int, int, int, int, int, int, list[int], bool, bool]


def common_form_python(region: bytes) -> Form | None:
    """None unless the region is in the common form: every row and cell start tag is
    `<row r="1" …>` or `<c r="A1" …>`. Then (cells, rows, min and max row of the cells, min
    and max column, the rows marked hidden, whether `<f` occurs, whether a cell tag holds
    "e" or 'e'). xlsxscan.c computes the same in one pass; this is the route where it was
    not built, and its reference."""
    cells = _FAST_CELL.findall(region)
    rows = _FAST_ROW.findall(region)
    if len(cells) + len(rows) != _count_starts(region):
        return None
    hidden = [int(r) for r, attrs in rows if _attr(attrs, b"hidden") in (b"1", b"true")] \
        if b"hidden" in region else []
    formulas = b"<f" in region
    if not cells:
        return 0, len(rows), 0, 0, 0, 0, hidden, formulas, False
    errors = (b'"e"' in region or b"'e'" in region) and _ERROR_TAG.search(region) is not None
    letters, digits = zip(*cells)  # the distinct values are few: a sheet's rows and columns
    nums = [int(d) for d in set(digits)]
    cols = [_col_number(x) for x in set(letters)]
    return len(cells), len(rows), min(nums), max(nums), min(cols), max(cols), hidden, formulas, errors


def _compiled() -> Callable[[bytes], Form | None] | None:
    """xlsxscan.common_form, where a compiler built it at install and
    CREDITTOOL_PURE_PREFLIGHT=1 does not switch it off."""
    if os.environ.get("CREDITTOOL_PURE_PREFLIGHT") == "1":
        return None
    try:
        from credittool.read.preflight.xlsxscan import common_form as compiled
    except ImportError:
        return None
    return compiled


COMPILED = _compiled()
common_form = COMPILED or common_form_python  # the one switch: tests set it to either


class XlsxSheetScanner:
    """Cell positions as calamine computes them (xlsx/cells_reader.rs): a cell's `r` sets its
    position and the next column; a cell without `r` takes the current row and column;
    `<row r>` sets the row, `</row>` moves to the next one. A cell with no child element is
    empty and does not count, as calamine skips empty cells. A row or cell start tag this
    scanner cannot read is refused rather than skipped, so nothing reaches calamine unseen."""

    def __init__(self, scan: SheetScan, part: str, pf: Preflight, limits: Limits):
        self.scan, self.part, self.limits = scan, part, limits
        self.stream = TagStream(_XLSX_START)
        self.row, self.col = 0, 0  # calamine's 0-based row_index / col_index
        self.seen = 0  # cells with a value

    def feed(self, chunk: bytes, final: bool = False) -> None:
        for region in self.stream.regions(chunk, final):
            self._tokens(region)

    def close(self) -> None:
        self.feed(b"", final=True)
        check_extent(self.scan, self.limits)

    def _refuse(self) -> ReadError:
        return ReadError(f"工作表「{self.scan.name}」的内部 XML（{self.part}）有无法解析的标签",
                         "在 Excel/WPS 中打开并另存为 .xlsx", "E-FILE-CORRUPT")

    def _tokens(self, region: bytes) -> None:
        if not self._fast(region):
            self._exact(region)

    def _fast(self, region: bytes) -> bool:
        """The common form (Excel, WPS, openpyxl, LibreOffice): every cell's first attribute
        is r="A1", no namespace prefixes. Then the extent is max/min over the refs, found
        in one pass (`common_form`); only cells with a formula or an error go through Python."""
        form = common_form(region)
        if form is None:
            return False
        cells, rows, lo, hi, min_col, max_col, hidden, formulas, errors = form
        if not cells and not rows:
            return False  # no start tag, but maybe </row>s (a stretch of other tags): the exact pass counts them
        scan = self.scan
        scan.hidden_rows.update(hidden)
        if cells:
            if lo < 1:
                return False  # r="A0": let the exact path decide
            trial = SheetScan(scan.name, scan.part, scan.min_row, scan.max_row, scan.min_col, scan.max_col)
            trial.add(lo, min_col)
            trial.add(hi, max_col)
            if not within(trial, self.limits) or self.seen + cells > self.limits.cells:
                return False  # this bound counts empty cells too: let the exact pass decide
            scan.add(lo, min_col)
            scan.add(hi, max_col)
            self.seen += cells
            if formulas:
                for letters_, digits, attrs, f, vtag, vtext in _FAST_FORMULA.findall(region):
                    self._flag(int(digits), _col_number(letters_), attrs, f, b"v" if vtag else None, vtag[2:-1],
                               vtext, scan.cell_flags)
            if errors:
                for letters_, digits, attrs, vtext in _FAST_ERROR.findall(region):
                    if _attr(attrs, b"t") == b"e":
                        self._flag(int(digits), _col_number(letters_), attrs, None, b"v", b"", vtext,
                                   scan.cell_flags)
        # where an implicit cell after this region would land: replay exactly from the row end
        # before the last row start (</row> resets the column, <row r> sets the row), or the
        # whole region if it has none (a tiny region, or one inside a giant row)
        last = region.rfind(b"<row ")
        start = region.rfind(b"</row>", 0, last) if last > 0 else -1
        self._exact(region[max(start, 0):], replay=True)
        return True

    def _check_seen(self) -> None:
        if self.seen > self.limits.cells:
            raise ReadError(f"工作表「{self.scan.name}」有超过 {self.limits.cells:,} 个非空单元格，超过上限",
                            "把文件拆分后再导入", "E-SHEET-BBOX")

    def _exact(self, region: bytes, replay: bool = False) -> None:
        scan, flags = self.scan, self.scan.cell_flags
        starts = 0
        row, col = self.row, self.col
        rows: list[int] = []
        cols: set[int] = set()
        for m in _XLSX_TOKEN.finditer(region):
            rowclose, rowattrs, letters, digits, attrs, f, vtag, vattrs, vtext, cclose = m.groups()
            if rowclose:
                row, col = row + 1, 0
                continue
            starts += 1
            if rowattrs is not None:
                if not balanced(rowattrs):
                    raise self._refuse()
                r = _attr(rowattrs, b"r")
                rm = _ROWREF.fullmatch(r) if r is not None else None
                if rm and int(rm.group(1)) > 0:  # calamine's get_row reads the digits, ignores letters
                    row = int(rm.group(1)) - 1
                if b"hidden" in rowattrs and _attr(rowattrs, b"hidden") in (b"1", b"true"):
                    scan.hidden_rows.add(row + 1)
                if rowattrs.rstrip().endswith(b"/"):  # <row/> is <row></row> to calamine
                    row, col = row + 1, 0
                continue
            if not balanced(attrs):
                raise self._refuse()
            if letters is not None:
                pos_r, pos_c = int(digits) - 1, _col_number(letters)
                col = pos_c + 1
            else:
                pos_r, pos_c = row, col
                ref = _attr(attrs, b"r")
                refm = _REF.fullmatch(ref) if ref is not None else None
                if refm and int(refm.group(2)) > 0:
                    pos_r, pos_c = int(refm.group(2)) - 1, _col_number(refm.group(1))
                col = pos_c + 1
            if f is None and (cclose or attrs.endswith(b"/")):
                continue  # no child: an empty cell, skipped by calamine (any other child counts)
            if pos_r < 0:
                continue  # r="A0": calamine fails on it
            rows.append(pos_r)
            cols.add(pos_c)
            if f is not None or (vtag == b"v" and b"t=" in attrs):
                self._flag(pos_r + 1, pos_c, attrs, f, vtag, vattrs, vtext, flags)
        if starts != _count_starts(region):
            raise self._refuse()
        self.row, self.col = row, col
        if rows:
            scan.add(min(rows) + 1, min(cols))
            scan.add(max(rows) + 1, max(cols))
            self.seen += 0 if replay else len(rows)
            check_extent(scan, self.limits)  # refuse a runaway sheet now, not after reading all of it
            self._check_seen()  # many cells in one place (the same r again and again)

    @staticmethod
    def _flag(row: int, col: int, attrs: bytes, f: bytes | None, vtag: bytes | None, vattrs: bytes | None,
              vtext: bytes | None, flags: dict) -> None:
        t = _attr(attrs, b"t")
        has_v = vtag == b"v"
        text = vtext.strip() if has_v and vtext is not None and not vattrs.rstrip().endswith(b"/") else b""
        if t == b"e" and text:
            flags[(row, col)] = "error:" + text.decode("utf-8", "replace")
        elif f is not None and not text and not (t == b"str" and has_v):
            # openpyxl writes <f>NA()</f><v/>; Excel's "" result is t="str" with <v></v>
            flags[(row, col)] = "formula-no-value"


_SST = re.compile(rb"<" + NS_PREFIX + rb"sst(?=[\s/>])([^<>]{0,8192})>")
_SI = re.compile(rb"<" + NS_PREFIX + rb"si(?=[\s/>])")
_UNIQUE = re.compile(rb"""(?:^|\s)uniqueCount\s*=\s*["']\+?0*([0-9]{1,30})["']""")


class SharedStringsCounter:
    """sharedStrings.xml: calamine reserves room for `uniqueCount` strings before reading one
    (uniqueCount="100000000000" aborts the process), then holds every <si>. Both are counted
    against `Limits.strings`."""

    def __init__(self, part: str, limits: Limits):
        self.part, self.limits = part, limits
        self.tail, self.count, self.head_seen = b"", 0, False

    def feed(self, chunk: bytes) -> None:
        buf = self.tail + chunk
        if not self.head_seen:
            m = _SST.search(buf)
            if m:
                self.head_seen = True
                u = _UNIQUE.search(m.group(1))
                if u:
                    self._check(int(u.group(1)), "声明")
        # a tag cut at the chunk's end is counted once: what the tail alone held was counted before
        self.count += len(_SI.findall(buf)) - len(_SI.findall(self.tail))
        self._check(self.count, "实有")
        self.tail = buf[-64:]

    def close(self) -> None:
        pass

    def _check(self, n: int, how: str) -> None:
        if n > self.limits.strings:
            raise ReadError(f"文件内部「{self.part}」{how} {n:,} 个共享字符串，超过上限 {self.limits.strings:,} 个",
                            "不要导入；请学校在 Excel/WPS 中打开、另存为新文件后再发", "E-SHEET-STRINGS")
