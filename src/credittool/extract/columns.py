"""One data sheet's rows as columns: each mapped column's cells normalised, what preflight
flagged, and each row's course and track, worked out here once for the checks and for the
columns kept; then the accepted rows appended to the file's `Rows`.

Each distinct (type, value) of a column is normalised once, and the rows share the Cell
objects (immutable, so sharing is safe).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from credittool.diagnostics import Problem
from credittool.extract.cells import BLANK, Cell, Vocabulary, is_blank, normalize
from credittool.extract.sheets import known_name, named_by_sheet, named_from_outside, named_within, whole_sheet_error
from credittool.extract.tables import Layout
from credittool.fields import FIELDS, MEASURE_FIELDS, Kind, kind_of
from credittool.read.preflight import col_letters
from credittool.read.readers import Sheet
from credittool.rules.loader import TermRules
from credittool.runtable import ROW_COLUMNS
from credittool.textnorm import without_remarks


class Rows:
    """Accepted-so-far rows of one file as columns: lists pickle and concatenate fast, and
    equal values share one object (each sheet normalises a distinct cell once). What each
    column holds is declared in runtable.py (`ROWS_AT_EXTRACT`) and checked there."""

    def __init__(self) -> None:
        self.cols: dict[str, list] = {c: [] for c in ROW_COLUMNS}
        self.values: dict[str, list] = {}  # measure field → value (Decimal / bool) or None
        self.statuses: dict[str, list] = {}  # score field → status kind or None

    def __len__(self) -> int:
        return len(self.cols["row"])

    def column(self, store: dict[str, list], f: str) -> list:
        col = store.get(f)
        if col is None:
            col = store[f] = [None] * len(self)
        return col


@dataclass
class SheetCells:
    """The rows below one sheet's header, column by column: what every row check reads."""

    file: str
    sheet: Sheet
    layout: Layout
    term: TermRules
    rows: list[list[Any]]  # the rows as read
    first: int  # Excel row number of rows[0]
    raw: dict[str, list]  # field → its cells as read
    cells: dict[str, list[Cell]]  # field → its cells normalised
    flags: dict[str, dict[int, Problem]]  # field → row index → the error value or uncalculated formula there
    course: list[str | None]  # each row's course: its 课程 cell's when usable, else the sheet's
    hint: list[str | None]  # the track each row's 培训类型 cell names, if any
    spot: bool  # the filled-in list from `credittool sample`: spot-test scores (R7, R8)
    staff: bool  # a staff list (教师名册): the teachers the year's standards apply to (R16)
    error: Problem | None  # what makes every row unusable
    default_unit: str  # a row without 单位 is of the school that sent the file
    filled: list[tuple[int, int, int, Any]] = field(default_factory=list)  # merged cells filled down: filled_down
    memo: dict[str, Any] = field(default_factory=dict)  # what a check works out once per sheet for others

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, f: str) -> list[Cell]:
        """A field's cells; all blank when the sheet has no such column."""
        col = self.cells.get(f)
        return col if col is not None else [BLANK] * len(self.rows)


def sheet_cells(file: str, sheet: Sheet, layout: Layout, term: TermRules, vocab: Vocabulary,
                course_opt: str | None, file_stem: str) -> SheetCells:
    """A row without 单位 is of the school that sent the file, named by `file_stem` less a
    remark at its end (张店区第七中学（更正）), which may also name a roster's programme
    (`named_from_outside`)."""
    default_unit = without_remarks(file_stem)
    cols = layout.columns
    first = sheet.first_row + layout.header_index + 1
    rows, filled = filled_down(sheet, first)
    course_col = "course" in cols
    # what the sheet names (its name, a title), else its file or --course: a course column's
    # rows take the courses they name; a 项目 column's blank cells fall back to this
    named = None if course_col and term.programmes is None else named_by_sheet(sheet, layout, term)
    # a sheet of identity columns only that names no programme itself: a staff list (教师名册, R16)
    staff = term.programmes is not None and not course_col and named is None \
        and not any(f in cols for f in MEASURE_FIELDS)
    if named is None and not staff and not (course_col and term.programmes is None):
        named = named_from_outside(file_stem, term, course_opt)
    sheet_course = None if course_col else named
    spot = not course_col and sheet_course is None and "spot_score" in cols \
        and not any(f in cols for f in MEASURE_FIELDS if f != "spot_score")
    error = whole_sheet_error(file, sheet.name, layout, course_col or sheet_course is not None or spot or staff, term)
    raw = {f: [r[j] if j < len(r) else None for r in rows] for f, j in cols.items()}
    cells = {f: normalize_column(f, raws, vocab, layout.headers[f]) for f, raws in raw.items()}
    flags = _flags(file, sheet, layout, first, len(rows))
    if course_col and error is None:
        course = _looked_up(cells["course"], flags["course"], term.row_names, term.programme_names)
        if term.programmes is not None:  # a blank 项目 cell: the programme the sheet or file names
            course = [named if c is BLANK and i not in flags["course"] else k
                      for i, (c, k) in enumerate(zip(cells["course"], course))]
    else:  # the sheet's course; an unusable sheet's rows are about it too, whatever their cells say
        course = [sheet_course] * len(rows)
    hint = _looked_up(cells["track"], flags["track"], term.tracks) if "track" in cols else [None] * len(rows)
    return SheetCells(file, sheet, layout, term, rows, first, raw, cells, flags, course, hint, spot, staff, error,
                      default_unit, filled)


def filled_down(sheet: Sheet, first: int) -> tuple[list[list[Any]], list[tuple[int, int, int, Any]]]:
    """The rows from Excel row `first` (the first below the header), each cell of a merged
    column range there holding the range's value: a unit, or a teacher's name and ID, merged
    down over the rows they apply to counts for each of those rows, as it reads on screen.
    Left alone: merges that begin above `first` (the header's own), merges across columns,
    and rows blank but for the merge (they stay blank rows). Also (column index, first row,
    last row, value) of each range filled, to tell the clerk."""
    rows = sheet.rows[first - sheet.first_row:]
    spans = [m for m in sheet.merged if m[0] >= first and m[2] > m[0] and m[1] == m[3]]
    if not spans:
        return rows, []
    rows = [list(r) for r in rows]
    filled = []
    for top, col, bottom, _ in sorted(spans):
        r0, c = top - first, col - sheet.first_col
        if r0 >= len(rows) or not 0 <= c < len(rows[r0]) or is_blank(value := rows[r0][c]):
            continue
        last = top
        for k in range(r0 + 1, min(bottom - first + 1, len(rows))):
            row = rows[k]
            if c < len(row) and is_blank(row[c]) and any(not is_blank(v) for v in row):
                row[c] = value
                last = first + k
        if last > top:
            filled.append((c, top, last, value))
    return rows, filled


def _looked_up(col: list[Cell], flagged: dict[int, Problem], names: dict[str, str],
               within: dict[str, str] | None = None) -> list[str | None]:
    """What each usable, non-blank cell names among `names` (a match key → id), else the one
    programme of `within` its text names (2018年班主任培训); None elsewhere."""
    memo: dict[Any, str | None] = {}

    def named(cell: Cell) -> str | None:
        text = cell.value
        if text not in memo:
            memo[text] = (known_name(text, names) or (named_within([text], within) if within else None)) \
                if text else None
        return memo[text]

    return [None if i in flagged else named(c) for i, c in enumerate(col)]


SEEN_MAX = 10_000  # distinct cells a vocabulary keeps per field and heading


def normalize_column(field: str, raws: list, vocab: Vocabulary, header: str) -> list[Cell]:
    """Each raw cell of one column as a Cell; each distinct (type, value) normalised once
    (1, 1.0 and True are equal in Python but not the same cell, hence the type), and, for
    the fields whose values recur (`_seen`), once for all the files a process reads."""
    kind = FIELDS[field][0]
    texts, others = _seen(vocab, field, header, kind)  # most cells are text: keyed by the string alone
    out = []
    for raw in raws:
        if type(raw) is str:
            c = texts.get(raw)
            if c is None:
                c = texts[raw] = normalize(kind, raw, vocab, header, field)
        else:
            key = (type(raw), raw)
            c = others.get(key)
            if c is None:
                c = others[key] = normalize(kind, raw, vocab, header, field)
        out.append(c)
    return out


def _seen(vocab: Vocabulary, field: str, header: str, kind: Kind) -> tuple[dict[str, Cell],
                                                                          dict[tuple[type, Any], Cell]]:
    """Where normalize_column keeps the distinct cells it has normalised. Scores, counts,
    是/否 and the names of units, subjects and courses recur from file to file: for them, the
    vocabulary's pair for this field and heading (a cell's problem names its heading), until
    it holds SEEN_MAX cells. IDs and names rarely recur: a fresh pair for each column."""
    if kind is Kind.ID or field == "name":
        return {}, {}
    seen = vocab.seen.setdefault((field, header), ({}, {}))
    return seen if len(seen[0]) + len(seen[1]) < SEEN_MAX else ({}, {})


def _flags(file: str, sheet: Sheet, layout: Layout, first: int, n: int) -> dict[str, dict[int, Problem]]:
    """Mapped cells that preflight saw holding an error value or an uncalculated formula: an
    error cell or a formula never calculated reads as blank, and it is not blank."""
    out: dict[str, dict[int, Problem]] = {f: {} for f in layout.columns}
    field_at = {sheet.first_col + j: f for f, j in layout.columns.items()}
    for (rown, col), flag in sheet.cell_flags.items():
        f = field_at.get(col)
        if f is None or not 0 <= rown - first < n:
            continue
        ref = f"{col_letters(col)}{rown}"
        if flag.startswith("error:"):
            value, msg = flag[6:], f"单元格 {ref} 是错误值 {flag[6:]}"
        else:
            value, msg = "", f"单元格 {ref} 是公式，但没有计算结果（文件未在 Excel/WPS 中计算保存过）"
        out[f][rown - first] = Problem(file, sheet.name, rown, layout.headers[f], value, "E-CELL-ERROR", msg,
                                       "在 Excel/WPS 中打开、检查公式并保存后再导入")
    return out


def append_rows(out: Rows, sc: SheetCells, si: int, keep: list[int]) -> None:
    """The accepted rows `keep` (indexes, in order) of sheet number `si`, column by column."""
    # this sheet's measure columns first, so that a field first seen here starts as None for
    # the rows of the sheets before it
    measures = [(f, out.column(out.values, f), out.column(out.statuses, f) if kind_of(f) is Kind.SCORE else None)
                for f in MEASURE_FIELDS if f in sc.cells]
    mine = {id(col) for _, v, st in measures for col in (v, st) if col is not None}
    others = [col for col in (*out.values.values(), *out.statuses.values()) if id(col) not in mine]
    cols = out.cols

    def values(f: str, default: Any = None) -> list:
        col = sc.cells.get(f)
        return [default] * len(keep) if col is None else [col[i].value for i in keep]

    cols["sheet"].extend([si] * len(keep))
    cols["row"].extend([sc.first + i for i in keep])
    cols["unit"].extend([h or u or sc.default_unit for h, u in zip(values("home_unit"), values("unit"))]
                        if "home_unit" in sc.cells else [u or sc.default_unit for u in values("unit")])
    cols["name"].extend(values("name"))
    ids = values("id")
    cols["id"].extend(ids)
    cols["subject"].extend([v or "" for v in values("subject", "")])
    cols["stage"].extend([v or "" for v in values("stage", "")])
    cols["course_id"].extend([sc.course[i] or "" for i in keep])
    cols["track_hint"].extend([sc.hint[i] for i in keep])
    raw_ids = sc.raw.get("id") or [None] * len(sc)
    cols["raw_id"].extend([None if raw_ids[i] == ident else raw_ids[i] for i, ident in zip(keep, ids)])  # where it differs
    # as read, for messages (the cell's shared value where equal: a province's rows would
    # otherwise hold millions of equal strings, one per cell read)
    for f, name in (("course", "raw_course"), ("track", "raw_track")):
        if f not in sc.cells:
            cols[name].extend([None] * len(keep))
        else:
            raws, col = sc.raw[f], sc.cells[f]
            cols[name].extend([col[i].value if raws[i] == col[i].value else raws[i] for i in keep])
    for f, vcol, scol in measures:
        col = sc.cells[f]
        vcol.extend([col[i].value for i in keep])
        if scol is not None:
            scol.extend([col[i].status for i in keep])
    for col in others:  # a field this sheet lacks stays None
        col.extend([None] * (len(cols["row"]) - len(col)))
