"""Byte-stable xlsx files: an xlsx is a zip, and its writers stamp the clock into it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

_FIXED_DOS_TIME = (0, (0 << 9) | (1 << 5) | 1)  # (time, date) fields of 1980-01-01 00:00:00
_CORE = "docProps/core.xml"


def fix_zip_times(path: Path, repairs: Mapping[str, Callable[[bytes], bytes]] | None = None) -> None:
    """Make the file a function of its tables: the writers stamp the zip entries and
    docProps' created/modified with the clock. Every entry's compressed bytes are copied
    as they are (re-deflating a province's sheet XML would cost seconds); only core.xml is
    rewritten, and every entry gets a fixed time. The parts named in `repairs` are
    rewritten too, each as its function returns it (xlsxout.py: e.g. a sheet without the
    second <row> element rustpy-xlsxwriter 0.8 writes when the last data row has a height of
    its own, see `drop_doubled_last_row`); a part named there that the file lacks is an error."""
    import struct
    import zipfile
    import zlib

    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        core = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", z.read(_CORE)) \
            if _CORE in z.NameToInfo else None
        missing = sorted(set(repairs or {}) - set(z.NameToInfo))
        if missing:
            raise RuntimeError(f"xlsx: the written file has no {', '.join(missing)} to repair")
        repaired = {name: repair(z.read(name)) for name, repair in (repairs or {}).items()}
    if any(i.file_size >= 0xFFFFFFFF or i.compress_size >= 0xFFFFFFFF or i.header_offset >= 0xFFFFFFFF
           for i in infos):
        return  # zip64: leave the file as written (correct, only not byte-stable)
    tmp = path.with_name(path.name + ".z")
    central = []
    with open(path, "rb") as src, open(tmp, "wb") as dst:
        for info in infos:
            name = info.filename.encode("utf-8")
            flags = 0x800 if any(b > 127 for b in name) else 0
            new = core if info.filename == _CORE else repaired.get(info.filename)
            if new is not None:
                data, crc, size, method = deflate(new), zlib.crc32(new), len(new), zipfile.ZIP_DEFLATED
            else:
                src.seek(info.header_offset)
                head = src.read(30)
                n, m = struct.unpack("<HH", head[26:30])
                src.seek(info.header_offset + 30 + n + m)
                data = src.read(info.compress_size)
                crc, size, method = info.CRC, info.file_size, info.compress_type
            offset = dst.tell()
            dst.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, *_FIXED_DOS_TIME, crc, len(data),
                                  size, len(name), 0) + name)
            dst.write(data)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, method, *_FIXED_DOS_TIME,
                                       crc, len(data), size, len(name), 0, 0, 0, 0, 0, offset) + name)
        start = dst.tell()
        for entry in central:
            dst.write(entry)
        dst.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), dst.tell() - start, start, 0))
    tmp.replace(path)


DEFLATE_CHUNK = 16 << 20  # bytes of a part compressed as one piece
_WINDOW = 32 << 10  # deflate's window: what a piece may refer back to


def deflate(data: bytes, chunk: int | None = None) -> bytes:
    """`data` as a raw deflate stream (level 6, as the writer's own parts). A part longer
    than `chunk` (学分汇总 of a province, half a gigabyte of XML) is compressed in pieces on
    two threads, each primed with the 32 KiB before it and ended on a byte boundary (a sync
    flush), as pigz does: one valid stream, a few bytes a piece longer than the single one.
    A part of one piece comes out exactly as compressing it whole."""
    import zlib
    from concurrent.futures import ThreadPoolExecutor

    chunk = chunk or DEFLATE_CHUNK
    view = memoryview(data)

    def piece(a: int) -> bytes:
        comp = zlib.compressobj(6, zlib.DEFLATED, -15, zdict=view[max(a - _WINDOW, 0):a]) if a \
            else zlib.compressobj(6, zlib.DEFLATED, -15)
        out = comp.compress(view[a:a + chunk])
        return out + (comp.flush() if a + chunk >= len(data) else comp.flush(zlib.Z_SYNC_FLUSH))

    if len(data) <= chunk:
        return piece(0)
    with ThreadPoolExecutor(2) as pool:  # zlib lets go of the GIL while it compresses
        return b"".join(pool.map(piece, range(0, len(data), chunk)))


_LAST_TWO_ROWS = re.compile(rb'<row r="(\d+)"[^>]*>(?:(?!<row ).)*(<row r="(\d+)"[^>]*/>)</sheetData>', re.S)


def drop_doubled_last_row(sheet: bytes) -> bytes:
    """The sheet XML without a last, empty <row> element that repeats the row number of the
    one before it: two rows with one number are not a valid sheet (Excel repairs the file).
    Only the tail is searched; a sheet without the doubled row comes back unchanged."""
    tail_at = max(sheet.rfind(b"<row ", 0, max(sheet.rfind(b"<row "), 0)), 0)
    m = _LAST_TWO_ROWS.search(sheet, tail_at)
    if m is None or m.group(1) != m.group(3):
        return sheet
    return sheet[:m.start(2)] + sheet[m.end(2):]
