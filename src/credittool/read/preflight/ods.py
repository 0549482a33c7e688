"""ods content.xml: rows and cells with their repeat counts expanded arithmetically."""

from __future__ import annotations

import html
import re

from credittool.read.preflight.core import Limits, Preflight, SheetScan, attr_any, balanced, check_extent, TagStream
from credittool.read.formats import ReadError

_ODS_TOKEN = re.compile(
    rb"<(/?)(table:table|table:table-row|table:table-cell|table:covered-table-cell|text:p)(?=[\s/>])"
    rb"([^<>]{0,8192})>([^<]{0,256})")
_ODS_START = re.compile(rb"<(?:table:table-row|table:table-cell|table:covered-table-cell)(?=[\s/>])")


class OdsScanner:
    """content.xml: rows and cells with `number-rows-repeated` / `number-columns-repeated`
    expanded arithmetically. A cell holds something if it has a value type or any child."""

    def __init__(self, part: str, pf: Preflight, limits: Limits):
        self.part, self.pf, self.limits = part, pf, limits
        self.stream = TagStream(_ODS_START)
        self.scan: SheetScan | None = None
        self.row = 0  # 0-based row index of the current row in the current table
        self.row_rep = 1
        self.col = 0
        self.cell: list | None = None  # [col, repeat, has_content, error?, formula?, text]

    def feed(self, chunk: bytes, final: bool = False) -> None:
        for region in self.stream.regions(chunk, final):
            starts = 0
            for m in _ODS_TOKEN.finditer(region):
                close, tag, attrs, text = m.groups()
                if not close:
                    if tag != b"table:table" and tag != b"text:p":
                        starts += 1
                    if not balanced(attrs):
                        raise ReadError(f"文件内部 XML（{self.part}）有无法解析的标签", "在 WPS/LibreOffice 中打开并另存为 .xlsx",
                                        "E-FILE-CORRUPT")
                self._token(close, tag, attrs, text)
            if starts != len(_ODS_START.findall(region)):
                raise ReadError(f"文件内部 XML（{self.part}）有无法解析的标签", "在 WPS/LibreOffice 中打开并另存为 .xlsx",
                                "E-FILE-CORRUPT")

    def close(self) -> None:
        self.feed(b"", final=True)
        self._end_table()

    def _token(self, close: bytes, tag: bytes, attrs: bytes, text: bytes) -> None:
        selfclose = attrs.rstrip().endswith(b"/")
        if tag == b"table:table":
            if close:
                self._end_table()
            else:
                self._end_table()
                name = attr_any(attrs, b"table:name") or b""
                self.scan = SheetScan(html.unescape(name.decode("utf-8", "replace")), self.part)
                self.pf.sheets.setdefault(self.scan.name, self.scan)
                self.row = 0
            return
        if self.scan is None:
            return
        if tag == b"table:table-row":
            if close:
                self._end_row()
                return
            self._end_cell()
            self.row_rep = _repeat(attrs, b"table:number-rows-repeated")
            self.col = 0
            if attr_any(attrs, b"table:visibility") in (b"collapse", b"filter"):
                for r in range(self.row, self.row + min(self.row_rep, 1000)):
                    self.scan.hidden_rows.add(r + 1)
            if selfclose:
                self._end_row()
            return
        if tag == b"text:p":
            if not close and self.cell is not None:
                self.cell[2] = True
                if text.strip() and not self.cell[5]:
                    self.cell[5] = text.strip()
            return
        # a cell
        if close:
            self._end_cell()
            return
        self._end_cell()
        rep = _repeat(attrs, b"table:number-columns-repeated")
        vt = attr_any(attrs, b"office:value-type")
        calc = attr_any(attrs, b"calcext:value-type")
        formula = attr_any(attrs, b"table:formula") is not None
        self.cell = [self.col, rep, vt is not None, calc == b"error", formula and vt is None, b""]
        self.col += rep
        if selfclose:
            self._end_cell()

    def _end_cell(self) -> None:
        cell, self.cell = self.cell, None
        if cell is None or self.scan is None:
            return
        col, rep, has, error, no_value, text = cell
        if not has and not error and not no_value:
            return
        self.scan.add(self.row + 1, col)
        self.scan.add(self.row + self.row_rep, col + rep - 1)
        check_extent(self.scan, self.limits)
        if error or no_value:
            flag = f"error:{text.decode('utf-8', 'replace')}" if error else "formula-no-value"
            for r in range(self.row, self.row + min(self.row_rep, 100)):
                for c in range(col, col + min(rep, 100)):
                    self.scan.cell_flags[(r + 1, c)] = flag

    def _end_row(self) -> None:
        self._end_cell()
        self.row += self.row_rep
        self.row_rep = 1
        self.col = 0

    def _end_table(self) -> None:
        self._end_cell()
        if self.scan is not None:
            check_extent(self.scan, self.limits)
        self.scan = None


def _repeat(attrs: bytes, key: bytes) -> int:
    v = attr_any(attrs, key)
    return int(v) if v is not None and v.isdigit() and int(v) > 0 else 1
