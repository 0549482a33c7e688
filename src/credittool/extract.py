"""One input file → candidate records, rejects and skipped rows, with provenance.

Nothing here knows about tracks or scoring; it only turns cells into canonical values
and says, for every data row, whether it became a record, a reject or a skip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credittool.cells import Cell, Vocabulary, is_blank, normalize
from credittool.diagnostics import Problem, Skipped
from credittool.fields import FIELDS, MEASURE_FIELDS, label
from credittool.preflight import col_letters
from credittool.readers import ReadError, Sheet, Workbook, read_workbook
from credittool.rules.loader import TermRules
from credittool.tables import Layout, find_header
from credittool.textnorm import match_key

_TOTALS = ("合计", "总计", "小计", "总分", "平均")
_OWN_NOTE_SHEETS = {"抽样说明"}  # the parameters sheet of our own sample.xlsx: no table to read


@dataclass(slots=True)
class Record:
    """One accepted-so-far data row: a teacher's result in one course."""

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


@dataclass
class FileResult:
    path: Path
    name: str
    records: list[Record] = field(default_factory=list)
    rejects: list[Problem] = field(default_factory=list)
    rejected_rows: set[tuple[str, int]] = field(default_factory=set)  # (sheet, row)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows_read: int = 0
    error: Problem | None = None  # the whole file could not be used

    def reject(self, p: Problem) -> None:
        self.rejects.append(p)
        if p.row is not None:
            self.rejected_rows.add((p.sheet, p.row))


def shown(raw: Any) -> str:
    """A cell as text for a message: what the clerk will find in the file."""
    return _show(raw)


def _show(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float):
        # as Excel shows it (15 significant digits), so the clerk finds the cell
        return f"{float(f'{raw:.15g}'):.0f}" if raw.is_integer() else repr(raw)
    return str(raw)


_TOTALS_FIRST = frozenset(w[0] for w in _TOTALS)


def _is_totals(row: list[Any], layout: Layout) -> bool:
    cells = [row[j] for j in (layout.columns.get("name"), layout.columns.get("id"), 0, 1)
             if j is not None and j < len(row)]
    # a cheap look at the first character before the full normalisation
    return any(isinstance(c, str) and c.lstrip()[:1] in _TOTALS_FIRST and match_key(c).startswith(_TOTALS)
               for c in cells)


def _sheet_course(sheet: Sheet, term: TermRules, course_opt: str | None) -> str | None:
    cid = term.courses.get(match_key(sheet.name))
    if cid is None and course_opt:
        cid = term.courses.get(match_key(course_opt))
    return cid


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
        if layout is None:
            if sheet.name not in _OWN_NOTE_SHEETS and any(not is_blank(c) for r in sheet.rows for c in r):
                res.notes.append(f"工作表「{sheet.name}」找不到表头（需有 姓名、身份证号 等列），未导入")
            continue
        data_sheets += 1
        _extract_sheet(res, sheet, layout, term, vocab, course_opt)
    if data_sheets == 0 and res.error is None:
        res.error = Problem(name, "", None, "", "", "E-NO-HEADER",
                            "没有一个工作表能找到表头（需有 姓名、身份证号 等列）",
                            "检查表头文字；可识别的列名见 rules/README.md")
    return res


def _extract_sheet(res: FileResult, sheet: Sheet, layout: Layout, term: TermRules, vocab: Vocabulary,
                   course_opt: str | None) -> None:
    name = res.name
    first = sheet.first_row + layout.header_index + 1
    rows = sheet.rows[layout.header_index + 1:]
    res.rows_read += len(rows)
    cols = layout.columns

    def where(i: int) -> int:
        return first + i

    sheet_error: Problem | None = None
    if layout.duplicates:
        f, hs = next(iter(layout.duplicates.items()))
        sheet_error = Problem(name, sheet.name, None, "、".join(hs), "", "E-HEADER-DUP",
                              f"{len(hs)} 列都表示「{label(f)}」，无法确定用哪一列", "删除或改名多余的列")
    course_col = "course" in cols
    sheet_course = None if course_col else _sheet_course(sheet, term, course_opt)
    # the filled-in list from `credittool sample`: scores of the county spot test (R7, R8)
    spot = not course_col and sheet_course is None and "spot_score" in cols \
        and not any(f in cols for f in MEASURE_FIELDS if f != "spot_score")
    if sheet_error is None and not course_col and sheet_course is None and not spot:
        sheet_error = Problem(name, sheet.name, None, "", sheet.name, "E-COURSE-UNKNOWN",
                              f"无法确定课程：工作表名「{sheet.name}」不是已知课程，表中也没有「课程」列",
                              "把工作表改名为课程名，或加「课程」列，或用 --course 指定")
    if sheet_error is None and "id" not in cols:
        sheet_error = Problem(name, sheet.name, None, "身份证号", "", "E-COLUMN-MISSING",
                              "工作表没有身份证号列（身份证号是每位教师的唯一标识）",
                              "加上「身份证号」列；现有列：" + "、".join(layout.headers.values()))
    if sheet_error is None and "name" not in cols:
        sheet_error = Problem(name, sheet.name, None, "姓名", "", "E-COLUMN-MISSING", "工作表没有姓名列",
                              "加上「姓名」列；现有列：" + "、".join(layout.headers.values()))

    present = frozenset(cols)
    # Cells are immutable and most values repeat (scores, units, courses, one teacher's ID and
    # name on each course row): normalise each distinct (field, type, value) once per sheet
    memo: dict[tuple[str, type, Any], Cell] = {}
    course_memo: dict[str | None, str | None] = {}
    default_unit = res.path.stem
    hidden_accepted: list[int] = []
    for i, row in enumerate(rows):
        rown = where(i)
        cells = {f: (row[j] if j < len(row) else None) for f, j in cols.items()}
        # an error cell or a formula never calculated reads as blank: it is not blank
        flagged = _flagged(name, sheet, rown, layout) if sheet.cell_flags else {}
        ident_blank = is_blank(cells.get("name")) and is_blank(cells.get("id")) and not ({"name", "id"} & set(flagged))
        if ident_blank and all(is_blank(cells.get(f)) and f not in flagged for f in MEASURE_FIELDS):
            res.skipped.append(Skipped(name, sheet.name, rown, "空行"))
            continue
        if _is_totals(row, layout):
            res.skipped.append(Skipped(name, sheet.name, rown, "合计行"))
            continue
        if spot and sheet_error is None and is_blank(cells.get("spot_score")) and "spot_score" not in flagged:
            res.skipped.append(Skipped(name, sheet.name, rown, "抽测成绩未填（尚未测试）"))
            continue
        if sheet_error is not None:
            res.reject(Problem(name, sheet.name, rown, sheet_error.column, sheet_error.value, sheet_error.code,
                               sheet_error.message, sheet_error.hint))
            continue
        norm: dict[str, Cell] = {}
        bad = False
        for f, raw in cells.items():
            if f in flagged:
                res.reject(flagged[f])
                norm[f] = Cell(code="E-CELL-ERROR")
                bad = True
                continue
            c = _normalized(memo, f, raw, vocab, layout.headers[f])
            if not c.ok:
                res.reject(Problem(name, sheet.name, rown, layout.headers[f], _show(raw), c.code or "E-CELL",
                                   c.message, c.hint))
                bad = True
            norm[f] = c
        for f, code, msg in (("name", "E-NAME-BLANK", "姓名为空"), ("id", "E-ID-BLANK", "身份证号为空")):
            if norm[f].ok and norm[f].value is None:
                res.reject(Problem(name, sheet.name, rown, layout.headers[f], "", code, msg, "补填后重新导入"))
                bad = True
        course_id = sheet_course
        if course_col and norm["course"].ok:
            ctext = norm["course"].value
            if ctext not in course_memo:
                course_memo[ctext] = term.courses.get(match_key(ctext)) if ctext else sheet_course
            course_id = course_memo[ctext]
            if course_id is None:
                res.reject(Problem(name, sheet.name, rown, layout.headers["course"], ctext or "", "E-COURSE-UNKNOWN",
                                   f"课程「{ctext or ''}」不是 {term.term_id} 学期规则中的课程",
                                   "改为课程全称或规则中的简称（见 credittool check --rules 的课程表）"))
                bad = True
        track_hint = None
        if "track" in cols and norm["track"].value:
            track_hint = term.tracks.get(match_key(norm["track"].value))
            if track_hint is None:
                res.reject(Problem(name, sheet.name, rown, layout.headers["track"], norm["track"].value,
                                   "E-TRACK-UNKNOWN", f"培训类型「{norm['track'].value}」无法识别",
                                   "填 " + "/".join(rs.track.name for rs in term.by_track.values())))
                bad = True
        if bad:
            continue
        id_note = norm["id"].note
        if id_note:
            res.notes.append(f"{sheet.name} 第{rown}行：{id_note}")
        if rown in sheet.hidden_rows:
            hidden_accepted.append(rown)
        res.records.append(Record(
            file=name, sheet=sheet.name, row=rown,
            unit=(norm["unit"].value if "unit" in norm and norm["unit"].value else default_unit),
            name=norm["name"].value, id=norm["id"].value,
            subject=norm["subject"].value or "" if "subject" in norm else "",
            stage=norm["stage"].value or "" if "stage" in norm else "",
            course_id=course_id or "", track_hint=track_hint,
            values={f: c.value for f, c in norm.items() if f in MEASURE_FIELDS and c.value is not None},
            statuses={f: c.status for f, c in norm.items() if c.status},
            present=present,
            raw=cells,
            headers=layout.headers,
            spot=spot,
        ))
    if hidden_accepted:
        res.notes.append(f"工作表「{sheet.name}」第{_row_list(hidden_accepted)}行是隐藏行（筛选或手动隐藏），已导入")


def _normalized(memo: dict, field: str, raw: Any, vocab: Vocabulary, header: str) -> Cell:
    try:
        key = (field, type(raw), raw)
        c = memo.get(key)
    except TypeError:  # an unhashable cell value: normalise it without the memo
        return normalize(FIELDS[field][0], raw, vocab, header, field)
    if c is None:
        c = memo[key] = normalize(FIELDS[field][0], raw, vocab, header, field)
    return c


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
