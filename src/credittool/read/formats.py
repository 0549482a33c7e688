"""A file's real format, told from its first bytes (the name can lie), the spreadsheet
formats refused by name, and `ReadError`, the one error a reader raises. Nothing here
parses: both preflight and the readers build on it."""

from __future__ import annotations

import codecs
import struct
from pathlib import Path

from credittool.diagnostics import Problem, unplaced

# what a folder scan reads: every format calamine reads (WPS .et/.ett included), and CSV
SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xlsb", ".xls", ".xlt", ".et", ".ett", ".ods", ".csv")
# spreadsheets we cannot read: a folder scan still hands them to the reader, which names the format
NAMED_FORMATS = {".fods": "Flat ODS（.fods，单个 XML 文件的表格）", ".ots": "ODS 模板（.ots）",
                 ".numbers": "Apple Numbers 表格（.numbers）", ".sxc": "OpenOffice 1.x 表格（.sxc）",
                 ".wk1": "Lotus 1-2-3 表格", ".wk3": "Lotus 1-2-3 表格", ".wk4": "Lotus 1-2-3 表格",
                 ".wks": "Lotus/Works 表格", ".123": "Lotus 1-2-3 表格", ".dbf": "dBase 数据表（.dbf）"}


class ReadError(Exception):
    """A file that cannot be read at all. The message says what to do. Its `problem` is the
    file-level Problem, without the file's name: the reader does not know how it is shown."""

    def __init__(self, message: str, hint: str = "", code: str = "E-FILE"):
        super().__init__(message)
        self.problem = unplaced(code, message, hint)

    message = property(lambda self: self.problem.message)
    hint = property(lambda self: self.problem.hint)
    code = property(lambda self: self.problem.code)

    def at(self, file: str) -> Problem:
        """The problem, in the file as messages name it."""
        return self.problem.placed(file)


ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
OLD_BIFF = {0x0009: "BIFF2", 0x0209: "BIFF3", 0x0409: "BIFF4"}  # BOF record ids before BIFF5


def sniff(path: Path, head: bytes) -> str:
    """The file's real format from its first bytes (the name can lie). The zip formats are
    told apart further by preflight (xlsx or xlsb: by the workbook part)."""
    if head.startswith(b"PK\x03\x04"):
        if b"mimetypeapplication/vnd.oasis.opendocument" not in head[:120]:
            return "xlsx"
        mime = head[38:38 + len(ODS_MIME) + 9]  # the stored mimetype part's text
        return "ots" if mime.startswith(ODS_MIME + b"-template") else "ods"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if len(head) >= 8:
        rtype, rlen, _, dt = struct.unpack_from("<HHHH", head)
        if rtype in OLD_BIFF and 4 <= rlen <= 16 and dt in (0x0010, 0x0020, 0x0040, 0x0100):
            return "xls-old"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith(b"<?xml") and b"office:document" in lowered and ODS_MIME in lowered:
        return "fods"
    if lowered.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml", b"<meta")):
        return "html"
    if b"\x00" in head[:4096] and not head.startswith(WIDEBOMS) \
            and wide_encoding(head[:4096]) is None:
        return "binary"
    return "csv"


BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
         (b"\xef\xbb\xbf", "utf-8", "UTF-8 (BOM)"), (b"\xff\xfe", "utf-16-le", "UTF-16"),
         (b"\xfe\xff", "utf-16-be", "UTF-16"))
WIDEBOMS = tuple(bom for bom, codec, _ in BOMS if codec != "utf-8")


def wide_encoding(head: bytes) -> str | None:
    """UTF-32 or UTF-16 text without a BOM, told by where its zero bytes fall (a CSV always
    has ASCII commas and line ends, whose high bytes are zero); None if it is not that."""
    n = len(head) - len(head) % 4
    if n < 4 or b"\x00" not in head[:n]:
        return None
    if not any(head[3:n:4]) and max(head[2:n:4]) <= 0x10:
        codec = "utf-32-le"
    elif not any(head[0:n:4]) and max(head[1:n:4]) <= 0x10:
        codec = "utf-32-be"
    else:
        even, odd = head[0:n:2].count(0), head[1:n:2].count(0)
        codec = "utf-16-le" if odd > even else "utf-16-be"
    try:
        text = codecs.getincrementaldecoder(codec)().decode(head[:n], final=False)
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        return None
    return codec
