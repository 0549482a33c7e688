"""Zip containers (xlsx, ods): the directory's counts and ratios, then every part unpacked
here with its real size and CRC checked, no DTD in any XML part, and each sheet part
handed to its format's scanner."""

from __future__ import annotations

import html
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from credittool.read.preflight.core import (MiB, Limits, Preflight, SheetScan, attr_any, corrupt, check_limit, NS_PREFIX,
                                       human_size, password_error, relationships)
from credittool.read.preflight.ods import OdsScanner
from credittool.read.preflight.xlsb import xlsb_scanners
from credittool.read.preflight.xlsx import SharedStringsCounter, XlsxSheetScanner
from credittool.read.formats import ReadError

_CHUNK = 1 * MiB


def check_zip(pf: Preflight, limits: Limits) -> None:
    infos = _zip_infos(pf, limits)
    view = memoryview(pf.data)
    names = {i.filename.lower() for i in infos}
    if pf.format == "ods":
        _check_ods_encryption(view, infos, pf, limits)
        scanners = _ods_scanners(pf, limits)
    elif "xl/workbook.bin" in names and "xl/workbook.xml" not in names:
        pf.format = "xlsb"
        scanners = xlsb_scanners(view, infos, pf, limits, _read_part)
    else:
        scanners = _xlsx_scanners(view, infos, pf, limits)
    for info in infos:
        # every part is unpacked (its real size and CRC checked); the parts the parser reads
        # are scanned too: a part nothing parses may hold anything (customXml in UTF-16, binaries)
        made = scanners.get(info.filename.lower())
        parts = made(info.filename) if made else []
        for chunk in _unpack(view, info, pf.format, limits):
            for s in parts:
                s.feed(chunk)
        for s in parts:
            s.close()


def _zip_infos(pf: Preflight, limits: Limits) -> list[zipfile.ZipInfo]:
    """The directory, checked part by part against the limits before anything is unpacked."""
    _check_zip_directory(pf.data, limits)
    try:
        infos = zipfile.ZipFile(io.BytesIO(pf.data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, NotImplementedError):
        raise corrupt(pf.format, "不是完整的压缩包") from None
    if len(infos) > limits.zip_entries:
        raise _entries_error(len(infos), limits)
    total = sum(i.file_size for i in infos)
    check_limit(total, limits.zip_total, "文件", "E-ZIP-TOTAL", "把文件拆分，或删除多余的工作表和图片后另存", unpacked=True)
    for i in infos:
        if i.flag_bits & 0x1:
            raise password_error(f"压缩包内「{i.filename}」被加密")
        if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ReadError(f"文件内部「{i.filename}」用了不常见的压缩方式（{i.compress_type}）",
                            "在 Excel/WPS 中打开并另存为 .xlsx", "E-ZIP-METHOD")
        if i.file_size > limits.zip_ratio_floor and i.file_size > limits.zip_ratio * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            raise ReadError(f"文件内部「{i.filename}」压缩比 {ratio:,}:1（{human_size(i.compress_size)} 解压后 "
                            f"{human_size(i.file_size)}），超过上限 {limits.zip_ratio}:1，像是「压缩炸弹」",
                            "不要导入；请学校在 Excel/WPS 中打开、另存为新文件后再发", "E-ZIP-RATIO")
    return infos


Scanners = dict[str, Callable[[str], list]]  # lower-cased part name → the scanners of that part


def _ods_scanners(pf: Preflight, limits: Limits) -> Scanners:
    return {"content.xml": lambda part: [_DtdScanner(part), OdsScanner(part, pf, limits)],
            "styles.xml": lambda part: [_DtdScanner(part)]}


def _check_ods_encryption(view: memoryview, infos: list[zipfile.ZipInfo], pf: Preflight, limits: Limits) -> None:
    """ODF encrypts each part itself (the zip is plain); the manifest says which, as calamine checks."""
    manifest = _read_part(view, infos, "META-INF/manifest.xml", pf.format, limits) or b""
    if _ODF_ENCRYPTED.search(manifest):
        raise password_error("ODS 加密（manifest 中有 encryption-data）")


_ODF_ENCRYPTED = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?encryption-data(?=[\s/>])")


def _xlsx_scanners(view: memoryview, infos: list[zipfile.ZipInfo], pf: Preflight, limits: Limits) -> Scanners:
    xl, sheet_parts = _xlsx_sheet_parts(view, infos, pf, limits)
    scanners: Scanners = {}
    for name in ("_rels/.rels", f"{xl}_rels/workbook.xml.rels", f"{xl}workbook.xml", f"{xl}styles.xml",
                 "xl/_rels/workbook.xml.rels", "xl/workbook.xml", "xl/styles.xml"):
        scanners[name.lower()] = lambda part: [_DtdScanner(part)]
    for name in {f"{xl}sharedstrings.xml", "xl/sharedstrings.xml"}:
        scanners[name.lower()] = lambda part: [_DtdScanner(part), SharedStringsCounter(part, limits)]
    for name, scan in sheet_parts.items():
        scanners[name] = lambda part, scan=scan: [_DtdScanner(part), XlsxSheetScanner(scan, part, pf, limits)]
    return scanners


def _entries_error(n: int, limits: Limits) -> ReadError:
    return ReadError(f"文件内部有 {n:,} 个部件，超过上限 {limits.zip_entries:,} 个（正常的表格只有几十个）",
                     "在 Excel/WPS 中打开并另存为 .xlsx", "E-ZIP-ENTRIES")


def _check_zip_directory(data: bytes, limits: Limits) -> None:
    """Count the parts from the end-of-directory record, before zipfile builds an object
    for each (a 200 MB zip can list millions)."""
    k = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if k < 0 or k + 22 > len(data):
        return  # zipfile will say the file is damaged
    count, cd_size = struct.unpack_from("<HI", data, k + 10)
    loc = k - 20
    if (count == 0xFFFF or cd_size == 0xFFFFFFFF) and loc >= 0 and data[loc:loc + 4] == b"PK\x06\x07":
        (off64,) = struct.unpack_from("<Q", data, loc + 8)
        if off64 + 56 <= len(data) and data[off64:off64 + 4] == b"PK\x06\x06":
            count, cd_size = struct.unpack_from("<QQ", data, off64 + 32)
    if count > limits.zip_entries:
        raise _entries_error(count, limits)
    if cd_size > limits.zip_entries * 1024:  # ~1 KB per entry is already generous
        raise _entries_error(cd_size // 46, limits)  # 46 bytes: the smallest directory entry


def _unpack(view: memoryview, info: zipfile.ZipInfo, fmt: str, limits: Limits) -> Iterator[bytes]:
    """The part's bytes, unpacked here from the raw stream with every size checked: never
    more than the directory declares, and exactly that much, with the right CRC."""
    off = info.header_offset
    if off + 30 > len(view) or view[off:off + 4] != b"PK\x03\x04":
        raise corrupt(fmt, f"压缩包内「{info.filename}」的位置不对")
    n, m = struct.unpack_from("<HH", view, off + 26)
    start = off + 30 + n + m
    end = start + info.compress_size
    if end > len(view):
        raise corrupt(fmt, f"压缩包内「{info.filename}」不完整（文件被截断）")
    produced, crc = 0, 0
    if info.compress_type == zipfile.ZIP_STORED:
        for pos in range(start, end, _CHUNK):
            out = bytes(view[pos:min(pos + _CHUNK, end)])
            produced += len(out)
            crc = zlib.crc32(out, crc)
            yield out
        eof = True
    else:
        d = zlib.decompressobj(-15)
        pos = start
        while True:
            buf, pos = _next_input(d, view, pos, end)
            if buf is None:
                buf = b""  # flush what the decompressor still holds
            try:
                out = d.decompress(buf, _CHUNK)
            except zlib.error:
                raise corrupt(fmt, f"压缩包内「{info.filename}」解压失败（数据已损坏）") from None
            produced += len(out)
            if produced > info.file_size:
                _oversize(d, view, pos, end, produced, info, fmt, limits)
            crc = zlib.crc32(out, crc)
            if out:
                yield out
            if d.eof or (not out and not len(buf)):
                break
        eof = d.eof
    if not eof or produced != info.file_size or crc != info.CRC:
        raise corrupt(fmt, f"压缩包内「{info.filename}」内容与记录不符（文件被截断或改动）")


def _next_input(d: Any, view: memoryview, pos: int, end: int) -> tuple[bytes | memoryview | None, int]:
    """What to feed the decompressor next, and where the raw stream then stands: its
    unconsumed tail first, else the next chunk of the stream; None when both are used up."""
    if d.unconsumed_tail:
        return d.unconsumed_tail, pos
    if pos < end:
        buf = view[pos:min(pos + _CHUNK, end)]
        return buf, pos + len(buf)
    return None, pos


def _oversize(d, view: memoryview, pos: int, end: int, produced: int, info: zipfile.ZipInfo, fmt: str,
              limits: Limits) -> None:
    """The part unpacks to more than the directory says: a forged directory hiding a bomb,
    or damaged data. Unpack on, discarding, to at most the ratio limit, to tell which."""
    cap = max(limits.zip_ratio * max(info.compress_size, 1), limits.zip_ratio_floor)
    try:
        while produced <= cap and not d.eof:
            buf, pos = _next_input(d, view, pos, end)
            if buf is None:
                break
            produced += len(d.decompress(buf, _CHUNK))
    except zlib.error:
        produced = 0  # damaged
    if produced > cap:
        raise ReadError(f"文件内部「{info.filename}」记录的大小是 {human_size(info.file_size)}，实际解压后超过 "
                        f"{human_size(cap)}（压缩比超过 {limits.zip_ratio}:1）：压缩包目录是伪造的，像是「压缩炸弹」",
                        "不要导入；请学校在 Excel/WPS 中打开、另存为新文件后再发", "E-ZIP-RATIO")
    raise corrupt(fmt, f"压缩包内「{info.filename}」内容与记录不符（文件被截断或改动）")


def _read_part(view: memoryview, infos: list[zipfile.ZipInfo], name: str, fmt: str, limits: Limits,
               xml: bool = True) -> bytes | None:
    """A small part by name, matched case-insensitively as calamine matches it (first one)."""
    for info in infos:
        if info.filename.lower() == name.lower():
            if info.file_size > 64 * MiB:
                raise corrupt(fmt, f"「{info.filename}」大得不正常（{human_size(info.file_size)}）")
            buf = b"".join(_unpack(view, info, fmt, limits))
            if xml:
                _DtdScanner(info.filename).feed(buf)
            return buf
    return None


_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']\s*(utf-?16|utf-?32|ucs-?[24])""", re.IGNORECASE)


class _DtdScanner:
    """No DOCTYPE or ENTITY declaration anywhere in a part, and an ASCII-compatible
    encoding (every check here reads bytes as ASCII)."""

    def __init__(self, part: str):
        self.part, self.tail, self.first = part, b"", True

    def feed(self, chunk: bytes) -> None:
        if self.first:
            self.first = False
            head = chunk[:512]
            if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:64] or _ENCODING.match(head):
                raise ReadError(f"文件内部「{self.part}」是 UTF-16/UTF-32 编码的 XML（Excel/WPS 不会这样保存）",
                                "在 Excel/WPS 中打开并另存为 .xlsx", "E-XML-ENCODING")
        buf = self.tail + chunk
        m = _DTD.search(buf)
        if m:
            what = m.group(1).decode().upper()
            raise ReadError(f"文件内部「{self.part}」含有 XML {what} 声明（正常的表格不会有，可能是恶意文件：XXE/实体炸弹）",
                            "不要导入；请学校用 Excel/WPS 重新另存为 .xlsx 后再发", "E-XML-DTD")
        self.tail = buf[-32:]

    def close(self) -> None:
        pass


def _xl_folder(view: memoryview, infos: list[zipfile.ZipInfo], fmt: str, limits: Limits) -> str:
    """The workbook's folder, from _rels/.rels' officeDocument target, as calamine finds it
    (a workbook need not be in xl/)."""
    rels = _read_part(view, infos, "_rels/.rels", fmt, limits) or b""
    for m in re.finditer(rb"<" + NS_PREFIX + rb"Relationship\s([^<>]*)>", rels):
        typ, target = attr_any(m.group(1), b"Type"), attr_any(m.group(1), b"Target")
        if typ is not None and target is not None and typ.endswith(b"/relationships/officeDocument"):
            t = html.unescape(target.decode("utf-8", "replace"))
            return t[:t.rfind("/") + 1].lstrip("/")
    return "xl/"


def _xlsx_sheet_parts(view: memoryview, infos: list[zipfile.ZipInfo], pf: Preflight,
                      limits: Limits) -> tuple[str, dict[str, SheetScan]]:
    """The workbook folder, and the sheet parts (lower-cased part name → scan), named as
    calamine will name the sheets: the workbook's <sheet name r:id> through its rels, with
    the target resolved as calamine resolves it (both the current rule and the older one,
    xl/ first). Every part in a sheet folder is scanned too, named or not."""
    xl = _xl_folder(view, infos, pf.format, limits)
    wb = _read_part(view, infos, f"{xl}workbook.xml", pf.format, limits) or b""
    rels_xml = _read_part(view, infos, f"{xl}_rels/workbook.xml.rels", pf.format, limits) or b""
    rels = relationships(rels_xml)
    parts: dict[str, SheetScan] = {}
    for m in re.finditer(rb"<" + NS_PREFIX + rb"sheet\s([^<>]*)>", wb):
        attrs = m.group(1)
        name = attr_any(attrs, b"name")
        rid = attr_any(attrs, b"r:id") or attr_any(attrs, b"relationships:id")
        if name is None or rid is None or rid not in rels:
            continue
        target = rels[rid].decode("utf-8", "replace")
        sheet_name = html.unescape(name.decode("utf-8", "replace"))
        for path in _targets(xl, target):
            scan = pf.sheets.setdefault(sheet_name, SheetScan(sheet_name, path))
            parts.setdefault(path.lower(), scan)
    for info in infos:
        n = info.filename.lower()
        if n.endswith(".xml") and any(f in n for f in _SHEET_FOLDERS):
            parts.setdefault(n, SheetScan(info.filename, info.filename))
    return xl, parts


_SHEET_FOLDERS = ("worksheets/", "dialogsheets/", "macrosheets/")


def _targets(xl: str, target: str) -> set[str]:
    if target.startswith("/"):
        return {target[1:]}
    old = target if target.startswith("xl/") else f"xl/{target}"  # python-calamine's calamine, before xl_path
    return {f"{xl}{target}", old}
