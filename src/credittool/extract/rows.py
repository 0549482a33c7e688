"""One input file → candidate records, rejects and skipped rows, with provenance.

Nothing here knows about tracks or scoring; it only turns cells into canonical values
and says, for every data row, whether it became a record, a reject or a skip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credittool.extract.cells import BLANK, Cell, Vocabulary, normalize
from credittool.extract.cells import shown as cells_shown
from credittool.diagnostics import Problem, RejectedRow, Skipped, Unimported
from credittool.fields import FIELDS, MEASURE_FIELDS, Kind, kind_of
from credittool.read.preflight import col_letters
from credittool.read.readers import ReadError, Sheet, Workbook, read_workbook
from credittool.rules.loader import TermRules
from credittool.score.sampling import info_pairs
from credittool.extract.sheets import OWN_NOTE_SHEETS, course_of_sheet, unimported, whole_sheet_error
from credittool.extract.tables import Layout, find_header
from credittool.textnorm import match_key

_TOTALS = ("合计", "总计", "小计", "总分", "平均")
SPOT_BLANK = "抽测成绩未填（尚未测试）"


@dataclass(slots=True)
class Record:
    """One data row as an object, for messages about it: a teacher's result in one course.
    Rows travel and are resolved as columns (`Rows`, `resolve.Table`); a Record is made
    only for the few rows a message is written about."""

    file: str
    sheet: str
    row: int
    unit: str
    name: str
    id: str
    subject: str
    stage: str
    course_id: str
    track_hint: str | None  # track id named in the row's 培训类型 column
    values: dict[str, Any]  # measure field → Decimal / bool
    statuses: dict[str, str]  # score field → status kind
    present: frozenset[str]  # fields whose column the sheet has
    raw: dict[str, Any]  # field → the cell as read, for messages (show with `shown`)
    headers: dict[str, str]  # field → header as written
    spot: bool = False  # a spot-test score row (抽测名单) rather than a course result

    def signature(self) -> tuple:
        """What an exact duplicate shares."""
        return (self.unit, self.name, self.id, self.course_id,
                tuple(sorted((k, str(v)) for k, v in self.values.items())), tuple(sorted(self.statuses.items())))


@dataclass(frozen=True, slots=True)
class SheetInfo:
    """What every row of one data sheet shares."""

    file: str
    name: str
    headers: dict[str, str]  # field → header as written
    present: frozenset[str]  # fields whose column the sheet has
    spot: bool  # the filled-in 抽测名单 of `credittool sample`


# Columns of `Rows`, besides the measure fields' values and statuses
ROW_COLUMNS = ("sheet", "row", "unit", "name", "id", "subject", "stage", "course_id", "track_hint",
               "raw_id", "raw_course", "raw_track")


class Rows:
    """Accepted-so-far rows of one file as columns: lists pickle and concatenate fast, and
    equal values share one object (each sheet normalises a distinct cell once)."""

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
class FileResult:
    path: Path
    name: str
    sheets: list[SheetInfo] = field(default_factory=list)  # indexed by the rows' "sheet" column
    rows: Rows = field(default_factory=Rows)
    rejects: list[Problem] = field(default_factory=list)
    rejected_rows: list[RejectedRow] = field(default_factory=list)  # whom each rejected row was about
    skipped: list[Skipped] = field(default_factory=list)
    unimported: list[Unimported] = field(default_factory=list)  # sheets read but not imported
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # worth more than a note: a course's sheet not imported
    rows_read: int = 0
    error: Problem | None = None  # the whole file could not be used
    sha256: str = ""
    known: bool = False  # these bytes are in the ledger already: not read
    spot_params: dict[str, str] = field(default_factory=dict)  # the 抽样说明 sheet of a filled-in sample.xlsx

    def reject(self, p: Problem) -> None:
        self.rejects.append(p)


def shown(raw: Any) -> str:
    """A cell as text for a message: what the clerk will find in the file."""
    return _show(raw)


_show = cells_shown  # as Excel shows the cell, so the clerk finds it


_TOTALS_FIRST = frozenset(w[0] for w in _TOTALS)


def _is_totals(row: list[Any], layout: Layout) -> bool:
    cells = [row[j] for j in (layout.columns.get("name"), layout.columns.get("id"), 0, 1)
             if j is not None and j < len(row)]
    # a cheap look at the first character before the full normalisation
    return any(isinstance(c, str) and c.lstrip()[:1] in _TOTALS_FIRST and match_key(c).startswith(_TOTALS)
               for c in cells)


def extract_file(path: Path, term: TermRules, vocab: Vocabulary, course_opt: str | None = None,
                 display: str | None = None) -> FileResult:
    name = display or path.name
    res = FileResult(path, name)
    try:
        wb: Workbook = read_workbook(path)
    except ReadError as exc:
        res.error = Problem(name, "", None, "", "", exc.code, exc.message, exc.hint)
        return res
    res.notes.extend(wb.notes)
    data_sheets = 0
    for sheet in wb.sheets:
        layout = find_header(sheet, term.headers)
        if sheet.name in OWN_NOTE_SHEETS:
            res.spot_params = info_pairs(sheet.rows)  # which draw the scores belong to
        if layout is None:
            if sheet.name not in OWN_NOTE_SHEETS:
                _not_imported(res, unimported(res.name, sheet, None, term, hidden=False), term)
            continue
        data_sheets += 1
        _extract_sheet(res, sheet, layout, term, vocab, course_opt)
    for sheet in wb.hidden:
        _not_imported(res, unimported(res.name, sheet, find_header(sheet, term.headers), term, hidden=True), term)
    if data_sheets == 0 and res.error is None:
        res.error = Problem(name, "", None, "", "", "E-NO-HEADER",
                            "没有一个工作表能找到表头（需有 姓名、身份证号 等列）",
                            "检查表头文字；可识别的列名见 rules/README.md")
    return res


def _not_imported(res: FileResult, u: Unimported | None, term: TermRules) -> None:
    if u is not None:
        res.unimported.append(u)
        # named like a course of the term: most likely its results, a warning rather than a note
        (res.warnings if u.course_id else res.notes).append(u.message(term))


def _extract_sheet(res: FileResult, sheet: Sheet, layout: Layout, term: TermRules, vocab: Vocabulary,
                   course_opt: str | None) -> None:
    name = res.name
    first = sheet.first_row + layout.header_index + 1
    rows = sheet.rows[layout.header_index + 1:]
    res.rows_read += len(rows)
    cols = layout.columns

    course_col = "course" in cols
    sheet_course = None if course_col else course_of_sheet(sheet, term, course_opt)
    # the filled-in list from `credittool sample`: scores of the county spot test (R7, R8)
    spot = not course_col and sheet_course is None and "spot_score" in cols \
        and not any(f in cols for f in MEASURE_FIELDS if f != "spot_score")
    sheet_error = whole_sheet_error(name, sheet.name, layout, course_col or sheet_course is not None or spot)

    # Column by column: each distinct (type, value) of a column is normalised once, and the
    # rows share the Cell objects (immutable, so sharing is safe).
    fields = list(cols)
    raw_cols = [[r[j] if j < len(r) else None for r in rows] for j in cols.values()]
    cell_cols = [_normalize_column(f, raws, vocab, layout.headers[f]) for f, raws in zip(fields, raw_cols)]
    pos = {f: k for k, f in enumerate(fields)}
    measure_pos = [pos[f] for f in MEASURE_FIELDS if f in pos]
    p_name, p_id, p_unit = pos.get("name"), pos.get("id"), pos.get("unit")
    p_subject, p_stage, p_course, p_track = pos.get("subject"), pos.get("stage"), pos.get("course"), pos.get("track")
    p_spot = pos.get("spot_score")
    bad_cells: set[int] = set()  # row indexes holding a cell that cannot be used
    for col in cell_cols:
        flags = [c.code is not None for c in col]
        if any(flags):
            bad_cells.update(i for i, b in enumerate(flags) if b)

    si = len(res.sheets)
    res.sheets.append(SheetInfo(name, sheet.name, layout.headers, frozenset(cols), spot))
    out = res.rows
    c_sheet, c_row, c_unit, c_name, c_id, c_subject, c_stage, c_course, c_hint, c_raw_id, c_raw_course, c_raw_track = (
        out.cols[c] for c in ROW_COLUMNS)
    measure_out = [(k, out.column(out.values, fields[k]),
                    out.column(out.statuses, fields[k]) if kind_of(fields[k]) is Kind.SCORE else None)
                   for k in measure_pos]
    mine = {id(col) for _, v, st in measure_out for col in (v, st) if col is not None}
    all_value_cols = [col for col in (*out.values.values(), *out.statuses.values()) if id(col) not in mine]
    # rows that may be a totals row (合计 …): a cheap look at whole columns first
    maybe_totals = set()
    for j in {layout.columns.get("name"), layout.columns.get("id"), 0, 1} - {None}:
        maybe_totals.update(i for i, r in enumerate(rows) if j < len(r) and isinstance(r[j], str)
                            and r[j].lstrip()[:1] in _TOTALS_FIRST)
    course_memo: dict[str | None, str | None] = {}
    hint_memo: dict[str, str | None] = {}

    def course_of(cell: Cell) -> str | None:
        ctext = cell.value
        if ctext not in course_memo:
            course_memo[ctext] = term.courses.get(match_key(ctext)) if ctext else sheet_course
        return course_memo[ctext]

    def hint_of(cell: Cell) -> str | None:
        ttext = cell.value
        if ttext not in hint_memo:
            hint_memo[ttext] = term.tracks.get(match_key(ttext))
        return hint_memo[ttext]

    n = len(rows)
    default_unit = res.path.stem
    courses = [course_of(c) for c in cell_cols[p_course]] if p_course is not None else None
    hints = [hint_of(c) if c.value else None for c in cell_cols[p_track]] if p_track is not None else None
    # Rows that may be skipped, rejected or noted go row by row below; every other row (nearly
    # all) is accepted as it stands and taken column by column.
    if sheet_error is not None or p_id is None or p_name is None:
        special = set(range(n))
    else:
        special = bad_cells | maybe_totals
        special.update(r - first for r, _ in sheet.cell_flags if 0 <= r - first < n)
        special.update(r - first for r in sheet.hidden_rows if 0 <= r - first < n)
        for k in (p_id, p_name):
            special.update(i for i, c in enumerate(cell_cols[k]) if c.value is None)
        special.update(i for i, c in enumerate(cell_cols[p_id]) if c.note)
        if spot:
            special.update(i for i, c in enumerate(cell_cols[p_spot]) if c is BLANK)
        if courses is not None:
            special.update(i for i, c in enumerate(courses) if c is None)
        if hints is not None:
            special.update(i for i, (h, c) in enumerate(zip(hints, cell_cols[p_track])) if h is None and c.value)
    hidden_accepted: list[int] = []
    has_flags = bool(sheet.cell_flags)
    taken: dict[int, tuple[str | None, str | None]] = {}  # special rows accepted → (course, track hint)
    for i in sorted(special):
        row, cs, rown = rows[i], [col[i] for col in cell_cols], first + i
        # an error cell or a formula never calculated reads as blank: it is not blank
        flagged = _flagged(name, sheet, rown, layout) if has_flags else {}
        if (p_id is None or cs[p_id] is BLANK) and (p_name is None or cs[p_name] is BLANK) \
                and "name" not in flagged and "id" not in flagged \
                and all(cs[k] is BLANK and fields[k] not in flagged for k in measure_pos):
            res.skipped.append(Skipped(name, sheet.name, rown, "空行"))
            continue
        if i in maybe_totals and _is_totals(row, layout):
            res.skipped.append(Skipped(name, sheet.name, rown, "合计行"))
            continue
        if spot and sheet_error is None and cs[p_spot] is BLANK and "spot_score" not in flagged:
            res.skipped.append(Skipped(name, sheet.name, rown, SPOT_BLANK))
            continue
        if sheet_error is not None:
            res.reject(Problem(name, sheet.name, rown, sheet_error.column, sheet_error.value, sheet_error.code,
                               sheet_error.message, sheet_error.hint))
            res.rejected_rows.append(_who(name, sheet.name, rown, cs, pos, raw_cols[p_id][i] if p_id is not None
                                          else None, sheet_course, default_unit))
            continue
        bad = False
        if flagged or i in bad_cells:
            for k, f in enumerate(fields):
                c = cs[k]
                if f in flagged:
                    res.reject(flagged[f])
                    bad = True
                elif not c.ok:
                    res.reject(Problem(name, sheet.name, rown, layout.headers[f], _show(raw_cols[k][i]),
                                       c.code or "E-CELL", c.message, c.hint))
                    bad = True
        name_cell, id_cell = cs[p_name], cs[p_id]
        for f, cell, code, msg in (("name", name_cell, "E-NAME-BLANK", "姓名为空"),
                                   ("id", id_cell, "E-ID-BLANK", "身份证号为空")):
            if cell.ok and cell.value is None and f not in flagged:
                res.reject(Problem(name, sheet.name, rown, layout.headers[f], "", code, msg, "补填后重新导入"))
                bad = True
        course_id = sheet_course
        if p_course is not None and cs[p_course].ok and "course" not in flagged:
            course_id = courses[i]
            if course_id is None:
                ctext = cs[p_course].value
                res.reject(Problem(name, sheet.name, rown, layout.headers["course"], ctext or "", "E-COURSE-UNKNOWN",
                                   f"课程「{ctext or ''}」不是 {term.term_id} 学期规则中的课程",
                                   "改为课程全称或规则中的简称（见 credittool check --rules 的课程表）"))
                bad = True
        track_hint = None
        if p_track is not None and cs[p_track].value and "track" not in flagged:
            track_hint = hints[i]
            if track_hint is None:
                ttext = cs[p_track].value
                res.reject(Problem(name, sheet.name, rown, layout.headers["track"], ttext,
                                   "E-TRACK-UNKNOWN", f"培训类型「{ttext}」无法识别",
                                   "填 " + "/".join(rs.track.name for rs in term.by_track.values())))
                bad = True
        if bad:
            res.rejected_rows.append(_who(name, sheet.name, rown, cs, pos, raw_cols[p_id][i], course_id, default_unit))
            continue
        if id_cell.note:
            res.notes.append(f"{sheet.name} 第{rown}行：{id_cell.note}")
        if rown in sheet.hidden_rows:
            hidden_accepted.append(rown)
        taken[i] = (course_id, track_hint)

    # the accepted rows, in order, column by column
    keep = [i for i in range(n) if i not in special or i in taken] if special else range(n)
    c_sheet.extend([si] * len(keep))
    c_row.extend(first + i for i in keep)

    def values(k: int | None, default: Any = None) -> list:
        if k is None:
            return [default] * len(keep)
        col = cell_cols[k]
        return [col[i].value for i in keep]

    c_unit.extend(u or default_unit for u in values(p_unit))
    c_name.extend(values(p_name))
    ids = values(p_id)
    c_id.extend(ids)
    c_subject.extend(v or "" for v in values(p_subject, ""))
    c_stage.extend(v or "" for v in values(p_stage, ""))
    if courses is None:
        c_course.extend(taken[i][0] or "" if i in taken else sheet_course or "" for i in keep)
    else:
        c_course.extend(taken[i][0] or "" if i in taken else courses[i] or "" for i in keep)
    if hints is None:
        c_hint.extend([None] * len(keep))
    else:
        c_hint.extend(taken[i][1] if i in taken else hints[i] for i in keep)
    raw_ids = raw_cols[p_id] if p_id is not None else [None] * n
    c_raw_id.extend(None if raw_ids[i] == ident else raw_ids[i] for i, ident in zip(keep, ids))  # only where it differs
    # as read, for messages (the cell's shared value where equal: a province's rows would
    # otherwise hold millions of equal strings, one per cell read)
    for k, out_col in ((p_course, c_raw_course), (p_track, c_raw_track)):
        if k is None:
            out_col.extend([None] * len(keep))
        else:
            raws, col = raw_cols[k], cell_cols[k]
            out_col.extend(_shared(raws[i], col[i]) for i in keep)
    for k, vcol, scol in measure_out:
        col = cell_cols[k]
        vcol.extend(col[i].value for i in keep)
        if scol is not None:
            scol.extend(col[i].status for i in keep)
    for col in all_value_cols:  # a field this sheet lacks stays None
        col.extend([None] * (len(c_row) - len(col)))
    if hidden_accepted:
        res.notes.append(f"工作表「{sheet.name}」第{_row_list(hidden_accepted)}行是隐藏行（筛选或手动隐藏），已导入")


def _who(file: str, sheet: str, rown: int, cs: list[Cell], pos: dict[str, int], raw_id: Any,
         course_id: str | None, default_unit: str) -> RejectedRow:
    """Whom a rejected row is about, from whatever of its cells could be read."""
    def value(f: str) -> Any:
        k = pos.get(f)
        return cs[k].value if k is not None and cs[k].ok else None

    return RejectedRow(file, sheet, rown, value("id"), _show(raw_id), value("unit") or default_unit,
                       value("name") or "", course_id or "")


def _shared(raw: Any, cell: Cell) -> Any:
    """The raw cell, or the cell's value (one object per distinct value) where they are equal."""
    return cell.value if raw == cell.value else raw


def _normalize_column(field: str, raws: list, vocab: Vocabulary, header: str) -> list[Cell]:
    """Each raw cell of one column as a Cell; each distinct (type, value) normalised once
    (1, 1.0 and True are equal in Python but not the same cell, hence the type)."""
    kind = FIELDS[field][0]
    texts: dict[str, Cell] = {}  # most cells are text: keyed by the string alone
    others: dict[tuple[type, Any], Cell] = {}
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


def _flagged(name: str, sheet: Sheet, rown: int, layout: Layout) -> dict[str, Problem]:
    """Mapped cells that preflight saw holding an error value or an uncalculated formula."""
    out = {}
    for f, j in layout.columns.items():
        flag = sheet.cell_flags.get((rown, sheet.first_col + j))
        if flag is None:
            continue
        ref = f"{col_letters(sheet.first_col + j)}{rown}"
        if flag.startswith("error:"):
            value, msg = flag[6:], f"单元格 {ref} 是错误值 {flag[6:]}"
        else:
            value, msg = "", f"单元格 {ref} 是公式，但没有计算结果（文件未在 Excel/WPS 中计算保存过）"
        out[f] = Problem(name, sheet.name, rown, layout.headers[f], value, "E-CELL-ERROR", msg,
                         "在 Excel/WPS 中打开、检查公式并保存后再导入")
    return out


def _row_list(rows: list[int]) -> str:
    """[3, 4, 5, 9] → "3–5、9"."""
    parts, start = [], rows[0]
    for a, b in zip(rows, rows[1:] + [None]):
        if b != a + 1:
            parts.append(str(start) if start == a else f"{start}–{a}")
            start = b
    return "、".join(parts)
