"""What one input file may cost the machine: its worker's address space and its wall time.

Kept apart from workers.py so that the command line can show the defaults without
importing the readers."""

from __future__ import annotations

import os
from dataclasses import dataclass

GIB = 1 << 30
# A normal worker peaks near 0.4 GiB of address space (the inherited interpreter with pandas
# and numpy, about 0.2 GiB, plus a file): 1.5 GiB leaves a big school's file room to spare.
DEFAULT_MEMORY = 3 * GIB // 2
DEFAULT_SECONDS = 120.0
MIN_MEMORY = GIB // 2  # below this a worker cannot even hold the interpreter it inherits


@dataclass(frozen=True)
class FileLimits:
    """What one file may cost: address space of its worker (bytes; 0: no cap) and wall time."""
    memory: int = DEFAULT_MEMORY
    seconds: float = DEFAULT_SECONDS


def parse_size(text: str) -> int:
    """'1.5G', '1536M', '2g', '800MB' → bytes; '0' → 0 (no cap). ValueError if not a size."""
    t = text.strip().upper().removesuffix("B").removesuffix("I")
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    scale = units.get(t[-1:], None)
    number = float(t[:-1] if scale else t)
    if not 0 <= number < float("inf"):
        raise ValueError(text)
    return int(number * (scale or GIB))  # a bare number is GiB: "2" is 2 GiB


def file_limits(seconds: float | None, memory: str | None) -> FileLimits:
    """The limits from the command line's --file-timeout and --file-memory (None: default)."""
    from credittool.errors import UsageError

    try:
        cap = DEFAULT_MEMORY if memory is None else parse_size(memory)
    except ValueError:
        raise UsageError(f"--file-memory 的值 {memory} 不是内存大小", "例如 --file-memory 3G 或 --file-memory 2048M；0 表示不限") from None
    if 0 < cap < MIN_MEMORY:
        raise UsageError(f"--file-memory {memory} 太小：读取进程本身就需要约 0.4 GiB", "至少给 512M，例如 --file-memory 2G")
    return FileLimits(cap, DEFAULT_SECONDS if seconds is None else seconds)


def show_size(n: int) -> str:
    return "不限" if n <= 0 else (f"{n / GIB:.3g} GiB" if n >= GIB else f"{n / (1 << 20):.3g} MiB")


def machine() -> dict[str, int]:
    """This machine's memory (bytes) and cores, beside which the limits are set."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = 0
    return {"memory": memory, "cores": os.cpu_count() or 1}
