"""Builders for the formats openpyxl cannot write, by hand from their specs: xlsb (MS-XLSB
BIFF12 records), OLE2 compound files (MS-CFB) holding an encrypted package (MS-OFFCRYPTO)
or an xls stream with FILEPASS, bare BIFF2–BIFF4 streams, and an encrypted ods manifest.

Each builder writes one file and returns its path."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from conftest import check_id

HEAD = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
ID = [check_id(f"2202821980010{i:04d}") for i in range(20)]
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# --- xlsb ---------------------------------------------------------------------------------

def record(typ: int, body: bytes = b"") -> bytes:
    """A BIFF12 record: type in 1–2 bytes, size in 1–4 bytes, 7 bits each (MS-XLSB 2.1.4)."""
    head = bytes([typ]) if typ < 0x80 else bytes([(typ & 0x7F) | 0x80, typ >> 7])
    size, out = len(body), bytearray()
    while True:
        out.append((size & 0x7F) | (0x80 if size > 0x7F else 0))
        size >>= 7
        if not size:
            break
    return head + bytes(out) + body


def wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def row_header(row: int, hidden: bool = False) -> bytes:
    # rw, ixfe, miyRw, two flag bytes (fDyZero = 0x10 in the second), ccolspan
    return record(0x00, struct.pack("<IIHBBBI", row, 0, 300, 0, 0x10 if hidden else 0, 0, 0))


def cell(col: int, value) -> bytes:
    style = struct.pack("<I", col) + b"\0\0\0\0"
    if isinstance(value, str):
        return record(0x06, style + wide(value))  # BrtCellSt
    if isinstance(value, tuple):  # ("error", code)
        return record(0x03, style + bytes([value[1]]))  # BrtCellError
    return record(0x05, style + struct.pack("<d", float(value)))  # BrtCellReal


def sheet_bin(rows: dict[int, list[tuple[int, object]]], dim: tuple[int, int, int, int] = (0, 0, 0, 0),
              hidden: tuple[int, ...] = ()) -> bytes:
    """rows: 0-based row → [(0-based column, value)]."""
    out = record(0x81) + record(0x94, struct.pack("<IIII", *dim)) + record(0x91)
    for r in sorted(rows):
        out += row_header(r, r in hidden) + b"".join(cell(c, v) for c, v in rows[r])
    return out + record(0x92) + record(0x82)


def xlsb(path: Path, sheet: bytes, name: str = "教学技能") -> Path:
    bundle = struct.pack("<II", 0, 1) + wide("rId1") + wide(name)
    workbook = record(0x83) + record(0x8F) + record(0x9C, bundle) + record(0x90) + record(0x84)
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.bin"/></Relationships>')
    root = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.bin"/></Relationships>')
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled'
             '.main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"'
             '/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", root)
        z.writestr("xl/workbook.bin", workbook)
        z.writestr("xl/_rels/workbook.bin.rels", rels)
        z.writestr("xl/worksheets/sheet1.bin", sheet)
    return path


def school_xlsb(path: Path, rows: int = 3) -> Path:
    data = {0: list(enumerate(HEAD))}
    for i in range(rows):
        data[i + 1] = list(enumerate([f"教师{i}", ID[i], 70, 5, 70]))
    return xlsb(path, sheet_bin(data, (0, rows, 0, 4)))


# --- OLE2 compound files ----------------------------------------------------------------------

_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def compound(streams: dict[str, bytes]) -> bytes:
    """A version 3 compound file (512-byte sectors): sector 0 the FAT, 1 the directory, then
    each stream padded to at least the 4096-byte cutoff, so that no mini stream is needed."""
    assert len(streams) <= 3
    sectors, fat = [], [_FATSECT, _END]
    entries = [_dir_entry("Root Entry", 5, _END, 0, child=1 if streams else _NOSTREAM)]
    for i, (name, data) in enumerate(streams.items()):
        data = data.ljust(4096, b"\0")
        n = -(-len(data) // 512)
        start = 2 + len(sectors)
        fat += [start + k + 1 for k in range(n - 1)] + [_END]
        sectors += [data[k * 512:(k + 1) * 512].ljust(512, b"\0") for k in range(n)]
        right = i + 2 if i + 1 < len(streams) else _NOSTREAM
        entries.append(_dir_entry(name, 2, start, len(data), right=right))
    assert len(fat) <= 128
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<I", 0) + struct.pack("<108I", *[_FREE] * 108))
    fat_sector = struct.pack("<128I", *(fat + [_FREE] * (128 - len(fat))))
    directory = b"".join(entries).ljust(512, b"\0")
    return header + fat_sector + directory + b"".join(sectors)


def _dir_entry(name: str, typ: int, start: int, size: int, child: int = _NOSTREAM, right: int = _NOSTREAM) -> bytes:
    raw = (name + "\0").encode("utf-16-le")
    return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), typ, 1) + struct.pack("<III", _NOSTREAM, right, child)
            + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size))


def encrypted_xlsx(path: Path) -> Path:
    """What Excel writes for 「用密码进行加密」: an OLE2 file holding EncryptionInfo (agile,
    version 4.4) and the encrypted zip as EncryptedPackage (MS-OFFCRYPTO 2.3.4.10)."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0" encoding="UTF-8"?><encryption/>'
    package = struct.pack("<Q", 5000) + bytes((i * 151 + 7) % 256 for i in range(5008))
    path.write_bytes(compound({"EncryptionInfo": info, "EncryptedPackage": package}))
    return path


def biff8_stream(*records: tuple[int, bytes]) -> bytes:
    return b"".join(struct.pack("<HH", t, len(b)) + b for t, b in records)


def xls_filepass(path: Path) -> Path:
    """A BIFF8 workbook whose globals carry FILEPASS (RC4, MS-XLS 2.4.117): every record after
    it is encrypted, here as the bytes of a far cell record would look decrypted wrongly."""
    bof = struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0006)
    filepass = struct.pack("<HHH", 1, 1, 1) + bytes(48)
    garbage = biff8_stream((0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0)),
                           (0x0203, struct.pack("<HHHd", 65535, 255, 0, 1.0)))
    stream = biff8_stream((0x0809, bof), (0x002F, filepass)) + garbage + biff8_stream((0x000A, b""))
    path.write_bytes(compound({"Workbook": stream}))
    return path


def biff_old(path: Path, bof_id: int) -> Path:
    """A bare BIFF2/3/4 worksheet stream (no OLE2 container), as Excel 2.x–4.0 saved it."""
    body = struct.pack("<HH", 0x0000 if bof_id == 0x0009 else 0x0000, 0x0010) + (b"" if bof_id == 0x0009 else b"\0\0")
    label = struct.pack("<HHBBBB", 0, 0, 0, 0, 0, 2) + b"ab"  # BIFF2 LABEL A1 = "ab"
    path.write_bytes(struct.pack("<HH", bof_id, len(body)) + body + struct.pack("<HH", 0x0004, len(label)) + label
                     + struct.pack("<HH", 0x000A, 0))
    return path


def encrypted_ods(path: Path) -> Path:
    """An ods saved with a password: the zip is plain, each part is encrypted (Blowfish/AES)
    and META-INF/manifest.xml says so with <manifest:encryption-data>."""
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="2000">'
                '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA">'
                '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/>'
                '<manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:iteration-count="1024" '
                'manifest:salt="AAAA"/></manifest:encryption-data></manifest:file-entry></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", bytes((i * 97 + 13) % 256 for i in range(2000)), zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


# --- hostile: what made calamine allocate without bound -------------------------------------

def far_xlsb(path: Path) -> Path:
    """5 KB: A1 and ALL100000, 100 million cells for calamine (3.9 GiB, 10 s on main)."""
    return xlsb(path, sheet_bin({0: [(0, "姓名")], 99_999: [(999, 1)]}))


def sst_reserve(path: Path) -> Path:
    """uniqueCount="100000000000": calamine reserves 2.4 TB before reading one string."""
    import hostile_files as H

    sst = f'<sst xmlns="{H.MAIN}" count="1" uniqueCount="100000000000"><si><t>姓名</t></si></sst>'
    return H.handmade_xlsx(path, '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', extra={"xl/sharedStrings.xml": sst})


def workbook_elsewhere(path: Path) -> Path:
    """The far corner again, in a workbook that _rels/.rels puts in q/ rather than xl/."""
    import hostile_files as H

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", H.CONTENT_TYPES)
        z.writestr("_rels/.rels", H.ROOT_RELS.replace("xl/workbook.xml", "q/workbook.xml"))
        z.writestr("q/workbook.xml", H.workbook_xml())
        z.writestr("q/_rels/workbook.xml.rels", H.WORKBOOK_RELS.replace("worksheets/sheet1.xml", "s.xml"))
        z.writestr("q/s.xml", H.sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>'
                                          '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    return path


def preflight_in_chunks(path: Path, chunk: int):
    """preflight(path) with every unpacked part fed to the scanners `chunk` bytes at a time;
    None when it refuses the file as damaged, the one refusal a range test allows."""
    from hypothesis import event

    import credittool.read.preflight.zipped as P
    from credittool.read.preflight import preflight
    from credittool.read.readers import ReadError

    saved, P._CHUNK = P._CHUNK, chunk
    try:
        return preflight(path)
    except ReadError as exc:
        assert exc.code == "E-FILE-CORRUPT", exc.message
        event("refused as corrupt")
        return None
    finally:
        P._CHUNK = saved
