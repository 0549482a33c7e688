"""Legacy .xls: the OLE2 compound file's Workbook stream, walked BIFF record by record for
each sheet's used range, error cells and hidden rows."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from credittool.preflight.core import Limits, Preflight, SheetScan, _check_extent, _corrupt
from credittool.readers import ReadError

_ENDCHAIN = 0xFFFFFFFE
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
                0x2A: "#N/A", 0x2B: "#GETTING_DATA"}
# cell records: row u16, col u16 first. BLANK (0x0201) and MULBLANK (0x00BE) hold nothing
# and calamine skips them, as it skips empty xlsx cells.
_BIFF_CELLS = {0x0203, 0x0204, 0x00FD, 0x027E, 0x0205, 0x0006, 0x00D6, 0x00BD}


def check_xls(pf: Preflight, limits: Limits) -> None:
    for name, stream in _cfb_streams(pf.data, ("workbook", "book")):
        _scan_biff(stream, name, pf, limits)


def _cfb_streams(data: bytes, wanted: tuple[str, ...]) -> Iterator[tuple[str, bytes]]:
    """The named streams of an OLE2 compound file (every entry so named, as a crafted file
    may hold two). Each FAT chain is walked with a bound, so a loop ends."""
    if len(data) < 512:
        raise _corrupt("xls", "文件头不完整")
    shift, mshift = struct.unpack_from("<HH", data, 0x1E)
    if not 7 <= shift <= 16 or not 2 <= mshift <= shift:
        raise _corrupt("xls", "文件头已损坏")
    ssize, msize = 1 << shift, 1 << mshift
    n_sectors = -(-(len(data) - ssize) // ssize)  # sector s is at (s + 1) * sector size
    first_dir, = struct.unpack_from("<I", data, 0x30)
    cutoff, first_minifat, _, first_difat, n_difat = struct.unpack_from("<IIIII", data, 0x38)

    def sector(s: int) -> bytes:
        if s >= n_sectors:
            raise _corrupt("xls", f"扇区 {s} 超出文件")
        off = (s + 1) * ssize
        return data[off:off + ssize]  # the last one may be short

    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    s, seen = first_difat, 0
    while s < _ENDCHAIN - 1 and seen < n_difat and seen < n_sectors:
        vals = struct.unpack(f"<{ssize // 4}I", sector(s).ljust(ssize, b"\0"))
        fat_sectors += vals[:-1]
        s, seen = vals[-1], seen + 1
    fat: list[int] = []
    for fs in fat_sectors:
        if fs >= _ENDCHAIN - 1:
            continue
        fat += struct.unpack(f"<{ssize // 4}I", sector(fs).ljust(ssize, b"\0"))

    def chain(start: int, table: list[int], limit: int) -> Iterator[int]:
        s, n = start, 0
        while s < len(table) and n <= limit:
            yield s
            s, n = table[s], n + 1
        if n > limit:
            raise _corrupt("xls", "扇区链成环")

    def read_chain(start: int, size: int | None = None) -> bytes:
        out = bytearray()
        for s in chain(start, fat, n_sectors):
            out += sector(s)
            if size is not None and len(out) >= size:
                break
        return bytes(out if size is None else out[:size])

    directory = read_chain(first_dir)
    if len(directory) % 128:  # a cut-off last sector: calamine would panic on the short entry
        raise _corrupt("xls", "目录不完整（文件被截断）")
    entries = [directory[i:i + 128] for i in range(0, len(directory) - 127, 128)]
    if not entries:
        raise _corrupt("xls", "没有目录")
    root = entries[0]
    ministream = None
    minifat: list[int] | None = None
    for e in entries:
        nlen, typ = struct.unpack_from("<HB", e, 64)
        if typ != 2 or not 2 <= nlen <= 64:
            continue
        name = e[:nlen - 2].decode("utf-16-le", "replace")
        if name.lower() not in wanted:
            continue
        start, size = struct.unpack_from("<IQ", e, 116)
        size &= 0xFFFFFFFF if shift == 9 else 0xFFFFFFFFFFFFFFFF
        if size > len(data):
            raise _corrupt("xls", f"流「{name}」记录的大小 {size} 不可能")
        if size < cutoff:
            if ministream is None:
                rstart, rsize = struct.unpack_from("<IQ", root, 116)
                ministream = read_chain(rstart, min(rsize, len(data)))
                minifat = list(struct.unpack(f"<{len(b) // 4}I", b)) if (b := read_chain(first_minifat)) else []
            out = bytearray()
            for ms in chain(start, minifat or [], len(ministream) // msize + 1):
                out += ministream[ms * msize:(ms + 1) * msize]
                if len(out) >= size:
                    break
            yield name, bytes(out[:size])
        else:
            yield name, read_chain(start, size)


def _scan_biff(stream: bytes, part: str, pf: Preflight, limits: Limits) -> None:
    """Walk the BIFF records: BOUNDSHEET gives each sheet's name and where its substream
    starts; in a sheet, every cell record starts with its row and column."""
    names: dict[int, str] = {}
    stack: list[SheetScan | None] = []  # substreams nest (a chart inside a sheet)
    biff8, codepage, cells = True, "cp1252", 0
    pos, n = 0, len(stream)
    while pos + 4 <= n:
        rtype, rlen = struct.unpack_from("<HH", stream, pos)
        here, body = pos, stream[pos + 4:pos + 4 + rlen]
        pos += 4 + rlen
        scan = stack[-1] if stack else None
        if rtype in (0x0809, 0x0409, 0x0209, 0x0009):  # BOF
            vers, dt = struct.unpack_from("<HH", body) if len(body) >= 4 else (0, 0)
            if not stack and not names:
                biff8 = vers == 0x0600
            scan = None
            if here in names or dt in (0x0010, 0x0040):
                scan = SheetScan(names.get(here, f"#{here}"), part)
                pf.sheets.setdefault(scan.name, scan)
            stack.append(scan)
        elif rtype == 0x000A:  # EOF
            if scan is not None:
                _check_extent(scan, limits)
            if stack:
                stack.pop()
        elif rtype == 0x0042 and len(body) >= 2:  # CODEPAGE, for BIFF5 sheet names
            cp = struct.unpack_from("<H", body)[0]
            codepage = {1200: "utf-16-le", 936: "gbk"}.get(cp, f"cp{cp}")
        elif rtype == 0x0085 and len(body) >= 8:  # BOUNDSHEET
            names[struct.unpack_from("<I", body)[0]] = _sheet_name(body[6:], biff8, codepage)
        elif scan is not None and len(body) >= 4:
            row, col = struct.unpack_from("<HH", body)
            if rtype == 0x0208 and len(body) >= 14:  # ROW: fDyZero = hidden
                if body[12] & 0x20:
                    scan.hidden_rows.add(row + 1)
            elif rtype in _BIFF_CELLS:
                scan.add(row + 1, col)
                if rtype == 0x00BD and len(body) >= 6:  # MULRK: colLast at the end
                    scan.add(row + 1, struct.unpack_from("<H", body, len(body) - 2)[0])
                if rtype == 0x0205 and len(body) >= 8 and body[7] == 1:  # BOOLERR holding an error
                    scan.cell_flags[(row + 1, col)] = f"error:{_BIFF_ERRORS.get(body[6], '#?')}"
                elif rtype == 0x0006 and len(body) >= 14 and body[12:14] == b"\xff\xff" and body[6] == 2:
                    scan.cell_flags[(row + 1, col)] = f"error:{_BIFF_ERRORS.get(body[8], '#?')}"
                cells += 1
                if cells > limits.cells:
                    raise ReadError(f"工作表「{scan.name}」有超过 {limits.cells:,} 个单元格，超过上限",
                                    "把文件拆分后再导入", "E-SHEET-BBOX")
                if cells & 0xFFFF == 0:
                    _check_extent(scan, limits)
    for scan in stack:
        if scan is not None:
            _check_extent(scan, limits)


def _sheet_name(b: bytes, biff8: bool, codepage: str) -> str:
    if len(b) < 2:
        return ""
    cch = b[0]
    try:
        if biff8:  # ShortXLUnicodeString: flags byte, then UTF-16LE or Latin-1
            return b[2:2 + 2 * cch].decode("utf-16-le") if b[1] & 1 else b[2:2 + cch].decode("latin-1")
        return b[1:1 + cch].decode(codepage)
    except (UnicodeDecodeError, LookupError):
        return b[1:1 + cch].decode("latin-1")
