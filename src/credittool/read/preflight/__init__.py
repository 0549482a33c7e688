"""Look at an input file before any parser does, and refuse what could crash, hang or
exhaust the machine (issue 5: a file mailed in by anyone is untrusted input).

python-calamine trusts the file. A 4.6 KB xlsx with cells A1 and XFD1048576 makes it
allocate rows × columns (512 GiB) and abort the whole process, with no Python exception;
a 0.7 MB zip can hold a 300 MB sheet. So before calamine opens anything:

- size: the file itself (`Limits.file_bytes`), and for CSV `Limits.csv_bytes`;
- zip containers (xlsx, ods): number of parts, total unpacked size, each part's
  compression ratio, all from the zip directory; then every part is unpacked here, in a
  stream, checking that its real size and CRC match the directory (a lying directory is
  refused, since calamine's zip reader does not stop at the declared size);
- XML: no DOCTYPE or ENTITY declaration and no UTF-16/UTF-32 in the parts the parser
  reads (workbook, its relationships, sheets, shared strings, styles; ods content.xml and
  styles.xml), as every check here reads bytes as ASCII; parts nothing parses (customXml,
  printer settings) may hold anything, as Office writes them;
- shared strings: no more than `Limits.strings`, declared (`uniqueCount`, which calamine
  reserves room for up front) or present;
- passwords: an OLE2 file holding an `EncryptedPackage` (an encrypted xlsx/xlsb), a BIFF
  `FILEPASS` record, an ods whose manifest has `encryption-data`, or an encrypted zip
  entry are all E-FILE-PASSWORD;
- sheets: the real used range (min/max row and column of the cells that hold something,
  found the way calamine finds them, `r` attributes and implicit positions alike) must stay
  within `Limits.cells` and `Limits.columns`; `<dimension>` is never trusted, and the
  workbook is found where `_rels/.rels` puts it, as calamine finds it. xls files
  (OLE2/BIFF8) and xlsb sheets (BIFF12) are walked record by record for the same; ods
  `number-*-repeated` is expanded arithmetically.

While streaming a sheet it also notes what the parser would hide: error cells (#N/A,
#DIV/0!, read as blank by calamine), formulas without a cached value (blank too), and
hidden rows. `readers.read_workbook` attaches them to each `Sheet`.

core.py holds the limits, the results and the messages; zipped.py the zip container and
XML checks; cfb.py the OLE2 container; xlsx.py, xlsb.py, ods.py and xls.py each format's
sheet scan.
"""

from __future__ import annotations

from pathlib import Path

from credittool.read.preflight.core import (LIMITS, Limits, Preflight, SheetScan, corrupt, check_limit, col_letters,
                                       human_size, os_error)
from credittool.read.formats import ReadError, sniff

__all__ = ["LIMITS", "Limits", "Preflight", "SheetScan", "col_letters", "human_size", "preflight"]


def preflight(path: Path, limits: Limits = LIMITS) -> Preflight:
    """Check `path` against `limits`; raise ReadError (with a stable code) on the first
    limit exceeded. Never lets another exception out."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise os_error(exc) from None
    if size == 0:
        raise ReadError("文件是空的（0 字节）", "请学校重新导出或另存后再发", "E-FILE-EMPTY")
    check_limit(size, limits.file_bytes, "文件", "E-FILE-SIZE", "把文件拆分（每校一个文件），或删除图片和多余的工作表后另存")
    try:
        with open(path, "rb") as f:
            # read what stat said (a read of the whole limit would allocate it each time),
            # then anything the file has grown by since, up to the limit
            data = f.read(size + 1)
            if len(data) > size:
                data += f.read(limits.file_bytes + 1 - len(data))
    except OSError as exc:
        raise os_error(exc) from None
    check_limit(len(data), limits.file_bytes, "文件", "E-FILE-SIZE", "把文件拆分，或删除图片和多余的工作表后另存")
    pf = Preflight(path, sniff(path, data[:8192]), len(data), data)
    try:
        if pf.format in ("xlsx", "ods"):
            from credittool.read.preflight.zipped import check_zip

            check_zip(pf, limits)
        elif pf.format == "xls":
            from credittool.read.preflight.xls import check_xls

            check_xls(pf, limits)
        elif pf.format == "csv":
            check_limit(len(data), limits.csv_bytes, "CSV 文件", "E-FILE-SIZE", "另存为 .xlsx，或按学校拆分后再导入")
    except ReadError:
        raise
    except Exception as exc:  # anything else a damaged file provokes is still "damaged"
        raise corrupt(pf.format, exc) from None
    return pf
