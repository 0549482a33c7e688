"""OLE2 compound files (MS-CFB), as legacy .xls and password-protected Office files use
them: the directory and the named streams. Every FAT chain is walked with a bound, so a
loop ends, and a size no file could hold is refused."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from credittool.read.preflight.core import corrupt

_ENDCHAIN = 0xFFFFFFFE


class Compound:
    def __init__(self, data: bytes, fmt: str = "xls"):
        if len(data) < 512:
            raise corrupt(fmt, "文件头不完整")
        shift, mshift = struct.unpack_from("<HH", data, 0x1E)
        if not 7 <= shift <= 16 or not 2 <= mshift <= shift:
            raise corrupt(fmt, "文件头已损坏")
        self.data, self.fmt, self.shift = data, fmt, shift
        self.ssize, self.msize = 1 << shift, 1 << mshift
        self.n_sectors = -(-(len(data) - self.ssize) // self.ssize)  # sector s is at (s + 1) * sector size
        first_dir, = struct.unpack_from("<I", data, 0x30)
        self.cutoff, self.first_minifat, _, first_difat, n_difat = struct.unpack_from("<IIIII", data, 0x38)
        self.fat = self._fat(first_difat, n_difat)
        directory = self.read_chain(first_dir)
        if len(directory) % 128:  # a cut-off last sector: calamine would panic on the short entry
            raise corrupt(fmt, "目录不完整（文件被截断）")
        self.entries = [directory[i:i + 128] for i in range(0, len(directory) - 127, 128)]
        if not self.entries:
            raise corrupt(fmt, "没有目录")
        self._mini: tuple[bytes, list[int]] | None = None

    def sector(self, s: int) -> bytes:
        if s >= self.n_sectors:
            raise corrupt(self.fmt, f"扇区 {s} 超出文件")
        off = (s + 1) * self.ssize
        return self.data[off:off + self.ssize]  # the last one may be short

    def _fat(self, first_difat: int, n_difat: int) -> list[int]:
        ssize = self.ssize
        fat_sectors = list(struct.unpack_from("<109I", self.data, 0x4C))
        s, seen = first_difat, 0
        while s < _ENDCHAIN - 1 and seen < n_difat and seen < self.n_sectors:
            vals = struct.unpack(f"<{ssize // 4}I", self.sector(s).ljust(ssize, b"\0"))
            fat_sectors += vals[:-1]
            s, seen = vals[-1], seen + 1
        fat: list[int] = []
        for fs in fat_sectors:
            if fs < _ENDCHAIN - 1:
                fat += struct.unpack(f"<{ssize // 4}I", self.sector(fs).ljust(ssize, b"\0"))
        return fat

    def _chain(self, start: int, table: list[int], limit: int) -> Iterator[int]:
        s, n = start, 0
        while s < len(table) and n <= limit:
            yield s
            s, n = table[s], n + 1
        if n > limit:
            raise corrupt(self.fmt, "扇区链成环")

    def read_chain(self, start: int, size: int | None = None) -> bytes:
        out = bytearray()
        for s in self._chain(start, self.fat, self.n_sectors):
            out += self.sector(s)
            if size is not None and len(out) >= size:
                break
        return bytes(out if size is None else out[:size])

    def streams(self) -> Iterator[tuple[str, bytes]]:
        """(name, directory entry) of every stream."""
        for e in self.entries:
            nlen, typ = struct.unpack_from("<HB", e, 64)
            if typ == 2 and 2 <= nlen <= 64:
                yield e[:nlen - 2].decode("utf-16-le", "replace"), e

    def names(self) -> set[str]:
        return {name for name, _ in self.streams()}

    def read(self, entry: bytes) -> bytes:
        name = entry[:struct.unpack_from("<H", entry, 64)[0] - 2].decode("utf-16-le", "replace")
        start, size = struct.unpack_from("<IQ", entry, 116)
        size &= 0xFFFFFFFF if self.shift == 9 else 0xFFFFFFFFFFFFFFFF
        if size > len(self.data):
            raise corrupt(self.fmt, f"流「{name}」记录的大小 {size} 不可能")
        if size >= self.cutoff:
            return self.read_chain(start, size)
        ministream, minifat = self._ministream()
        out = bytearray()
        for ms in self._chain(start, minifat, len(ministream) // self.msize + 1):
            out += ministream[ms * self.msize:(ms + 1) * self.msize]
            if len(out) >= size:
                break
        return bytes(out[:size])

    def _ministream(self) -> tuple[bytes, list[int]]:
        if self._mini is None:
            rstart, rsize = struct.unpack_from("<IQ", self.entries[0], 116)
            ministream = self.read_chain(rstart, min(rsize, len(self.data)))
            b = self.read_chain(self.first_minifat)
            self._mini = ministream, list(struct.unpack(f"<{len(b) // 4}I", b)) if b else []
        return self._mini
