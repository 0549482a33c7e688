"""Find the header row of a sheet and map its columns onto canonical fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from credittool.readers import Sheet
from credittool.textnorm import clean_text, match_key

HEADER_SCAN_ROWS = 30  # title rows, notes and blank rows above the header
_BRACKETED = re.compile(r"[（(\[【].*?[）)\]】]")  # 考试成绩（70%） is 考试成绩


def header_field(cell: str, headers: dict[str, str]) -> str | None:
    fld = headers.get(match_key(cell))
    if fld is None and _BRACKETED.search(cell):
        fld = headers.get(match_key(_BRACKETED.sub("", cell)))
    return fld


@dataclass
class Layout:
    header_index: int  # index into sheet.rows
    columns: dict[str, int]  # field → column index in the row
    headers: dict[str, str]  # field → header text as written
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # field → headers that all map to it


def find_header(sheet: Sheet, headers: dict[str, str]) -> Layout | None:
    """The first row, among the first few, that names at least two known fields
    including 姓名 or 身份证号."""
    for i, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        found: dict[str, list[tuple[int, str]]] = {}
        for j, cell in enumerate(row):
            if isinstance(cell, str) and cell.strip():
                fld = header_field(cell, headers)
                if fld is not None:
                    found.setdefault(fld, []).append((j, clean_text(cell)))
        if len(found) >= 2 and ("name" in found or "id" in found):
            return Layout(
                header_index=i,
                columns={f: cols[0][0] for f, cols in found.items()},
                headers={f: cols[0][1] for f, cols in found.items()},
                duplicates={f: [h for _, h in cols] for f, cols in found.items() if len(cols) > 1},
            )
    return None
