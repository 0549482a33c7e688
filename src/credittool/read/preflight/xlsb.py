"""xlsb (Excel binary workbook): the sheet parts are BIFF12 record streams (MS-XLSB 2.1.4).
calamine (xlsb/cells_reader.rs) skips to the dimension record BrtWsDim (0x94), then to
BrtBeginSheetData (0x91), then reads rows (BrtRowHdr, 0x00, sets the row) and cells (0x02–
0x0B, each starting with its column) to BrtEndSheetData (0x92). The scan here reads every
row and cell record of the part, wherever it is, so that it sees at least what any version
of that walk reads; BrtWsDim is checked for its size and never trusted for the extent
(calamine only reserves from it, and at most 100,000 cells).

A record's type is 1–2 bytes and its size 1–4 bytes, 7 bits each; only the first bytes of
a body are ever needed, so a large record is skipped, not held."""

from __future__ import annotations

import html
import struct
import zipfile
from collections.abc import Callable, Iterator

from credittool.read.preflight.core import Limits, Preflight, SheetScan, check_extent, corrupt, relationships
from credittool.read.preflight.xls import BIFF_ERRORS
from credittool.read.formats import ReadError

_CELLS = frozenset(range(0x02, 0x0C))  # BrtCellRk … BrtFmlaError; BrtCellBlank (0x01) holds nothing


class _Records:
    """BIFF12 records from a part's chunks: (type, the body's first bytes, the body's size)."""

    def __init__(self, head: int = 16) -> None:
        self.carry, self.skip, self.head = b"", 0, head  # head: bytes of each body kept

    def feed(self, chunk: bytes) -> Iterator[tuple[int, bytes, int]]:
        if self.skip:
            k = min(self.skip, len(chunk))
            self.skip, chunk = self.skip - k, chunk[k:]
            if self.skip:
                return
        buf = self.carry + chunk if self.carry else chunk
        pos, n = 0, len(buf)
        while pos < n:
            start, p = pos, pos
            typ = buf[p]
            p += 1
            if typ & 0x80:
                if p >= n:
                    break
                typ = (typ & 0x7F) | ((buf[p] & 0x7F) << 7)
                p += 1
            size, shift = 0, 0
            for _ in range(4):
                if p >= n:
                    size = -1
                    break
                b = buf[p]
                p += 1
                size |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    break
            head = min(size, self.head)
            if size < 0 or p + head > n:
                pos = start
                break
            yield typ, buf[p:p + head], size
            pos = p + size
        if pos > n:
            self.carry, self.skip = b"", pos - n
        else:
            self.carry = buf[pos:]


class XlsbSheetScanner:
    def __init__(self, scan: SheetScan, part: str, limits: Limits):
        self.scan, self.part, self.limits = scan, part, limits
        self.records = _Records()
        self.row, self.seen = 0, 0
        # a BrtBeginSheetData since the last row record: a reader starting there is on row 0
        self.row0 = True

    def feed(self, chunk: bytes) -> None:
        for typ, body, size in self.records.feed(chunk):
            if typ in _CELLS:
                self._cell(typ, body)
            elif typ == 0x0000:  # BrtRowHdr
                if len(body) < 4:
                    raise self._corrupt("行记录不完整")
                self.row, self.row0 = struct.unpack_from("<I", body)[0], False
                if len(body) >= 12 and body[11] & 0x10:  # fDyZero: the row is hidden
                    self.scan.hidden_rows.add(self.row + 1)
            elif typ == 0x0091:
                self.row0 = True
            elif typ == 0x0094 and size < 16:  # calamine slices 16 bytes of it
                raise self._corrupt("维度记录 BrtWsDim 不完整")

    def _cell(self, typ: int, body: bytes) -> None:
        if len(body) < 9:  # column, style, then the value: calamine would read another record's bytes
            raise self._corrupt("单元格记录不完整")
        col = struct.unpack_from("<I", body)[0]
        scan = self.scan
        scan.add(self.row + 1, col)
        if self.row0:
            scan.add(1, col)
        if typ in (0x03, 0x0B):  # BrtCellError, BrtFmlaError (calamine skips the latter: a blank)
            scan.cell_flags[(self.row + 1, col)] = f"error:{BIFF_ERRORS.get(body[8], '#?')}"
        self.seen += 1
        if self.seen & 0xFFFF == 0:
            check_extent(scan, self.limits)
            if self.seen > self.limits.cells:
                raise ReadError(f"工作表「{scan.name}」有超过 {self.limits.cells:,} 个单元格，超过上限",
                                "把文件拆分后再导入", "E-SHEET-BBOX")

    def close(self) -> None:
        check_extent(self.scan, self.limits)

    def _corrupt(self, why: str) -> ReadError:
        return corrupt("xlsb", f"工作表「{self.scan.name}」（{self.part}）的{why}")


class XlsbStringsCounter:
    """sharedStrings.bin: every BrtSSTItem (0x13) is a string calamine keeps."""

    def __init__(self, part: str, limits: Limits):
        self.part, self.limits = part, limits
        self.records, self.count = _Records(), 0

    def feed(self, chunk: bytes) -> None:
        for typ, _, _ in self.records.feed(chunk):
            if typ == 0x0013:
                self.count += 1
        if self.count > self.limits.strings:
            raise ReadError(f"文件内部「{self.part}」有超过 {self.limits.strings:,} 个共享字符串，超过上限",
                            "不要导入；请学校在 Excel/WPS 中打开、另存为新文件后再发", "E-SHEET-STRINGS")

    def close(self) -> None:
        pass


ReadPart = Callable[..., "bytes | None"]  # zipped._read_part


def xlsb_scanners(view: memoryview, infos: list[zipfile.ZipInfo], pf: Preflight, limits: Limits,
                  read_part: ReadPart) -> dict[str, Callable[[str], list]]:
    """Scanners by lower-cased part name: each sheet named in xl/workbook.bin (BrtBundleSh,
    0x9C: state, tab id, relationship id, name) through xl/_rels/workbook.bin.rels, every
    other part in a sheet folder, and the shared strings."""
    wb = read_part(view, infos, "xl/workbook.bin", pf.format, limits, False) or b""
    rels_xml = read_part(view, infos, "xl/_rels/workbook.bin.rels", pf.format, limits) or b""
    rels = {html.unescape(rid.decode("utf-8", "replace")): html.unescape(target.decode("utf-8", "replace"))
            for rid, target in relationships(rels_xml).items()}
    parts: dict[str, SheetScan] = {}
    for rid, name in _bundles(wb):
        if rid in rels:
            path = f"xl/{rels[rid]}"
            scan = pf.sheets.setdefault(name, SheetScan(name, path))
            parts.setdefault(path.lower(), scan)
    for info in infos:
        n = info.filename.lower()
        if n.endswith(".bin") and n.startswith(("xl/worksheets/", "xl/dialogsheets/", "xl/macrosheets/")):
            parts.setdefault(n, SheetScan(info.filename, info.filename))
    scanners: dict[str, Callable[[str], list]] = {
        "xl/sharedstrings.bin": lambda part: [XlsbStringsCounter(part, limits)]}
    for n, scan in parts.items():
        scanners[n] = lambda part, scan=scan: [XlsbSheetScanner(scan, part, limits)]
    return scanners


def _bundles(wb: bytes) -> Iterator[tuple[str, str]]:
    """(relationship id, sheet name) of each BrtBundleSh in workbook.bin."""
    for typ, body, _ in _Records(head=4096).feed(wb):
        if typ == 0x009C and len(body) >= 12:
            rid, k = _wide(body, 8)
            name, _ = _wide(body, k)
            if rid is not None and name is not None:
                yield rid, name


def _wide(body: bytes, at: int) -> tuple[str | None, int]:
    """An XLWideString (u32 character count, then UTF-16 LE) at `at`; None for a null one."""
    if at + 4 > len(body):
        return None, at
    cch = struct.unpack_from("<I", body, at)[0]
    if cch == 0xFFFFFFFF or at + 4 + 2 * cch > len(body):
        return None, at + 4
    return body[at + 4:at + 4 + 2 * cch].decode("utf-16-le", "replace"), at + 4 + 2 * cch
