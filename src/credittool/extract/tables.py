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
    written: tuple[str, ...] = ()  # every column's header as written, known or not (for messages)


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
    博文成绩, with 姓名 and 身份证号 merged down) refines the columns it names; a first header row above
    it (姓名 merged down beside 证件信息 over 身份证号 | 人事关系所在单位) gives the fields of the
    columns that are blank in it. Each row is read as on screen (`_on_screen`): 姓名 merged down
    over both header rows names its column in each, so the lower row with 身份证号 is a header
    by itself."""
    rows = sheet.rows
    screen = _on_screen(sheet, HEADER_SCAN_ROWS + 1)
    for i, row in enumerate(screen[:HEADER_SCAN_ROWS]):
        found = _mapped(row, headers)
        if len(found) < 2 or ("name" not in found and "id" not in found and PROJECT_FIELD not in found):
            continue
        used = [row]
        if i > 0 and (more := _with_above(found, screen[i - 1], row, headers)) != found:
            found, used = more, [screen[i - 1], row]
        first = {f: cols[0] for f, cols in found.items()}
        sub = _mapped(screen[i + 1], headers) if i + 1 < len(screen) else {}
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
            used.append(screen[i])
        return Layout(
            header_index=i,
            columns={f: cols[0][0] for f, cols in found.items()},
            headers={f: cols[0][1] for f, cols in found.items()},
            duplicates={f: [h for _, h in cols] for f, cols in found.items() if len(cols) > 1},
            written=_written(used),
        )
    return None


def _on_screen(sheet: Sheet, n: int) -> list[list]:
    """The sheet's first `n` rows as they read on screen: a cell merged down shows its value in
    every row it covers (序号 and 姓名 merged down over a two-row header are in both), where
    the file stores it in the top row only. rules/README.md, "Merged cells"."""
    rows = sheet.rows[:n]
    spans = [m for m in sheet.merged if m[2] > m[0] and 0 <= m[0] - sheet.first_row < len(rows)]
    if not spans:
        return rows
    rows = [list(r) for r in rows]
    for top, left, bottom, _ in spans:
        r0, c = top - sheet.first_row, left - sheet.first_col
        if c < 0 or _blank(rows[r0], c):
            continue
        for row in rows[r0 + 1:bottom - sheet.first_row + 1]:
            row.extend([None] * (c + 1 - len(row)))
            if _blank(row, c):
                row[c] = rows[r0][c]
    return rows


def _with_above(found: dict[str, list[tuple[int, str]]], above: list, row: list,
                headers: dict[str, str]) -> dict[str, list[tuple[int, str]]]:
    """The header row's fields and, of the row above, those it names in columns blank in the
    header row that the header row does not name itself: merged down over both rows in a file
    that keeps no merges (a CSV saved from such a sheet); `_on_screen` reads those it keeps."""
    extra = {f: [c for c in cols if _blank(row, c[0])] for f, cols in _mapped(above, headers).items() if f not in found}
    return found | {f: cols for f, cols in extra.items() if cols}


def _written(rows: list[list]) -> tuple[str, ...]:
    """Each column's header as the clerk reads it, left to right: of the header rows, the
    lowest cell written in it (身份证号 under 证件信息)."""
    out: list[str] = []
    for j in range(max(map(len, rows))):
        texts = [_LINE_BREAKS.sub("", clean_text(r[j])) for r in rows if not _blank(r, j) and isinstance(r[j], str)]
        if texts and texts[-1] and texts[-1] not in out:
            out.append(texts[-1])
    return tuple(out)


COLUMNS_SHOWN = 12


def columns_seen(written: tuple[str, ...]) -> str:
    """The headers a message lists after 「现有列：」, as written, the first `COLUMNS_SHOWN`."""
    return "、".join(written[:COLUMNS_SHOWN]) + (f" 等 {len(written)} 列" if len(written) > COLUMNS_SHOWN else "") or "（无）"
