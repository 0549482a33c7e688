"""Legacy .xls: the OLE2 compound file's Workbook stream, walked BIFF record by record for
each sheet's used range, error cells and hidden rows."""

from __future__ import annotations

import struct
from credittool.read.preflight.cfb import Compound
from credittool.read.preflight.core import Limits, Preflight, SheetScan, check_extent, password_error
from credittool.read.formats import ReadError

BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
                0x2A: "#N/A", 0x2B: "#GETTING_DATA"}
# cell records: row u16, col u16 first. BLANK (0x0201) and MULBLANK (0x00BE) hold nothing
# and calamine skips them, as it skips empty xlsx cells.
_BIFF_CELLS = {0x0203, 0x0204, 0x00FD, 0x027E, 0x0205, 0x0006, 0x00D6, 0x00BD}


def check_xls(pf: Preflight, limits: Limits) -> None:
    cfb = Compound(pf.data)
    names = {n.lower() for n in cfb.names()}
    if "encryptedpackage" in names or "encryptioninfo" in names:  # MS-OFFCRYPTO: an encrypted xlsx/xlsb
        raise password_error("Office 加密包 EncryptedPackage")
    for name, entry in cfb.streams():
        if name.lower() in ("workbook", "book"):  # every entry so named, as a crafted file may hold two
            _scan_biff(cfb.read(entry), name, pf, limits)


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
                check_extent(scan, limits)
            if stack:
                stack.pop()
        elif rtype == 0x002F:  # FILEPASS: every record after it is encrypted (RC4 or XOR)
            raise password_error("xls 文件中有 FILEPASS 加密记录")
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
                    scan.cell_flags[(row + 1, col)] = f"error:{BIFF_ERRORS.get(body[6], '#?')}"
                elif rtype == 0x0006 and len(body) >= 14 and body[12:14] == b"\xff\xff" and body[6] == 2:
                    scan.cell_flags[(row + 1, col)] = f"error:{BIFF_ERRORS.get(body[8], '#?')}"
                cells += 1
                if cells > limits.cells:
                    raise ReadError(f"工作表「{scan.name}」有超过 {limits.cells:,} 个单元格，超过上限",
                                    "把文件拆分后再导入", "E-SHEET-BBOX")
                if cells & 0xFFFF == 0:
                    check_extent(scan, limits)
    for scan in stack:
        if scan is not None:
            check_extent(scan, limits)


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
