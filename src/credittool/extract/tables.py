"""Find the header row of a sheet and map its columns onto canonical fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from credittool.fields import PROJECT_FIELD
from credittool.read.readers import Sheet
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


_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")  # 身份\n证号, wrapped to fit the column: 身份证号 in messages


def _mapped(row: list, headers: dict[str, str]) -> dict[str, list[tuple[int, str]]]:
    found: dict[str, list[tuple[int, str]]] = {}
    for j, cell in enumerate(row):
        if isinstance(cell, str) and cell.strip():
            fld = header_field(cell, headers)
            if fld is not None:
                found.setdefault(fld, []).append((j, _LINE_BREAKS.sub("", clean_text(cell))))
    return found


def _blank(row: list, j: int | None) -> bool:
    return j is None or j >= len(row) or row[j] is None or (isinstance(row[j], str) and not row[j].strip())


def find_header(sheet: Sheet, headers: dict[str, str]) -> Layout | None:
    """The first row, among the first few, that names at least two known fields
    including 姓名 or 身份证号 (or, for a 课题 list, 课题名称). A second header row below it (成绩 merged over 考试成绩 |
    博文成绩, with 姓名 and 身份证号 merged down) refines the columns it names."""
    rows = sheet.rows
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = _mapped(row, headers)
        if len(found) < 2 or ("name" not in found and "id" not in found and PROJECT_FIELD not in found):
            continue
        first = {f: cols[0] for f, cols in found.items()}
        sub = _mapped(rows[i + 1], headers) if i + 1 < len(rows) else {}
        name_col = first.get("name", (None,))[0]
        id_col = first.get("id", (None,))[0]
        if sub and _blank(rows[i + 1], name_col) and _blank(rows[i + 1], id_col) \
                and not any(isinstance(c, (int, float)) and not isinstance(c, bool) for c in rows[i + 1]):
            taken = {j for cols in sub.values() for j, _ in cols}
            found = {f: [c for c in cols if c[0] not in taken] for f, cols in found.items()}
            found = {f: cols for f, cols in found.items() if cols}
            for f, cols in sub.items():
                found.setdefault(f, []).extend(cols)
            i += 1
        return Layout(
            header_index=i,
            columns={f: cols[0][0] for f, cols in found.items()},
            headers={f: cols[0][1] for f, cols in found.items()},
            duplicates={f: [h for _, h in cols] for f, cols in found.items() if len(cols) > 1},
        )
    return None
