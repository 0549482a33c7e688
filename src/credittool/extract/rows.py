"""One input file → candidate records, rejects and skipped rows, with provenance.

Nothing here knows about tracks or scoring; it only turns cells into canonical values
and says, for every data row, whether it became a record, a reject or a skip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credittool.diagnostics import Problem, RejectedRow, Unimported, note, warning
from credittool.extract.cells import Vocabulary, shown
from credittool.extract.checks import SPOT_BLANK, run_checks
from credittool.extract.columns import ROW_COLUMNS, Rows, SheetCells, append_rows, sheet_cells
from credittool.extract.research import Project, research_rows
from credittool.extract.sheets import OWN_NOTE_SHEETS, unimported
from credittool.extract.tables import Layout, columns_seen, find_header
from credittool.extract.yearnamed import Title, sheet_titles
from credittool.read.readers import ReadError, Sheet, Workbook, read_workbook
from credittool.fields import PROJECT_FIELD
from credittool.rules.loader import TermRules
from credittool.runtable import check_rows
from credittool.score.sampling import info_pairs

# what other stages take from here (`Rows`, `shown` and `SPOT_BLANK` are defined beside the
# code that makes them)
__all__ = ["ROW_COLUMNS", "SPOT_BLANK", "FileResult", "Record", "Rows", "SheetInfo", "extract_file", "shown"]


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
    written: tuple[str, ...] = ()  # every column's header as written, known or not

    @property
    def columns_seen(self) -> str:
        """「现有列：…」 of a message: the sheet's headers as written, the unknown ones too."""
        return columns_seen(self.written or tuple(self.headers.values()))

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
    staff: bool = False  # a staff list (教师名册, R16): identity only, the people the standards apply to
    columns: dict[str, int] = field(default_factory=dict)  # field → its column's 0-based index (`explain` names it)
    written: tuple[str, ...] = ()  # every column's header as written, known or not (for messages)


@dataclass
class FileResult:
    path: Path
    name: str
    sheets: list[SheetInfo] = field(default_factory=list)  # indexed by the rows' "sheet" column
    rows: Rows = field(default_factory=Rows)
    rejects: list[Problem] = field(default_factory=list)
    rejected_rows: list[RejectedRow] = field(default_factory=list)  # whom each rejected row was about
    skipped: list[Problem] = field(default_factory=list)
    unimported: list[Unimported] = field(default_factory=list)  # sheets read but not imported
    notes: list[Problem] = field(default_factory=list)  # severity note
    warnings: list[Problem] = field(default_factory=list)  # worth more than a note: a course's sheet not imported
    rows_read: int = 0
    error: Problem | None = None  # the whole file could not be used
    sha256: str = ""
    known: bool = False  # these bytes are in the ledger already: not read
    spot_params: dict[str, str] = field(default_factory=dict)  # the 抽样说明 sheet of a filled-in sample.xlsx
    research: list[Project] = field(default_factory=list)  # a 课题 list's projects (R14)
    titles: list[Title] = field(default_factory=list)  # its name and its tables' titles: which year it says


def extract_file(path: Path, term: TermRules, vocab: Vocabulary, course_opt: str | None = None,
                 display: str | None = None) -> FileResult:
    name = display or path.name
    res = FileResult(path, name)
    try:
        wb: Workbook = read_workbook(path)
    except ReadError as exc:
        res.error = exc.at(name)
        return res
    res.notes += [note(name, n) for n in wb.notes]
    res.titles.append(Title("", None, path.stem))
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
        res.titles += sheet_titles(sheet, layout.header_index)
        if PROJECT_FIELD in layout.columns:  # a 课题 list: rows about a school, not a teacher
            _extract_research(res, sheet, layout)
            continue
        _extract_sheet(res, sheet, layout, term, vocab, course_opt)
    for sheet in wb.hidden:
        _not_imported(res, unimported(res.name, sheet, find_header(sheet, term.headers), term, hidden=True), term)
    if data_sheets == 0 and res.error is None:
        res.error = Problem(name, "", None, "", "", "E-NO-HEADER",
                            "没有一个工作表能找到表头（需有 姓名、身份证号 等列）",
                            "检查表头文字；可识别的列名见 rules/README.md")
    check_rows(res.rows)  # the run table as declared, where it leaves extract
    return res


def _not_imported(res: FileResult, u: Unimported | None, term: TermRules) -> None:
    if u is not None:
        res.unimported.append(u)
        # named like a course of the term: most likely its results, a warning rather than a note
        if u.course_id:
            res.warnings.append(warning(res.name, u.message(term), u.sheet))
        else:
            res.notes.append(note(res.name, u.message(term), u.sheet))


def _extract_sheet(res: FileResult, sheet: Sheet, layout: Layout, term: TermRules, vocab: Vocabulary,
                   course_opt: str | None) -> None:
    """One data sheet's rows into `res`: each skipped, rejected or accepted by the checks."""
    sc = sheet_cells(res.name, sheet, layout, term, vocab, course_opt, res.path.stem)
    res.rows_read += len(sc)
    res.sheets.append(SheetInfo(res.name, sheet.name, layout.headers, frozenset(layout.columns), sc.spot, sc.staff,
                                dict(layout.columns), layout.written))
    v = run_checks(sc)
    res.skipped += v.skipped
    res.rejects += v.rejects
    res.rejected_rows += v.rejected_rows
    res.notes += _accepted_notes(sc, v.accepted)
    append_rows(res.rows, sc, len(res.sheets) - 1, v.accepted)


def _extract_research(res: FileResult, sheet: Sheet, layout: Layout) -> None:
    rr = research_rows(res.name, sheet, layout, res.path.stem)
    res.rows_read += rr.read
    res.research += rr.projects
    res.skipped += rr.skipped
    res.rejects += rr.rejects


def _accepted_notes(sc: SheetCells, accepted: list[int]) -> list[Problem]:
    """What the clerk is told about rows accepted as they stand: an ID number corrected, and
    rows hidden by a filter or by hand."""
    ids = sc.cells["id"] if accepted else []
    notes = [note(sc.file, f"{sc.sheet.name} 第{sc.first + i}行：{ids[i].note}", sc.sheet.name, sc.first + i)
             for i in accepted if ids[i].note]
    hidden = [sc.first + i for i in accepted if sc.first + i in sc.sheet.hidden_rows]
    if hidden:
        notes.append(note(sc.file, f"工作表「{sc.sheet.name}」第{_row_list(hidden)}行是隐藏行（筛选或手动隐藏），已导入",
                          sc.sheet.name))
    heads = {j: sc.layout.headers[f] for f, j in sc.layout.columns.items()}
    notes += [note(sc.file, f"工作表「{sc.sheet.name}」第{top}–{last}行的「{heads[c]}」是合并单元格，每行都按合并的值"
                            f"「{shown(value)}」读取", sc.sheet.name, top)
              for c, top, last, value in sc.filled if c in heads]
    return notes


def _row_list(rows: list[int]) -> str:
    """[3, 4, 5, 9] → "3–5、9"."""
    parts, start = [], rows[0]
    for a, b in zip(rows, rows[1:] + [None]):
        if b != a + 1:
            parts.append(str(start) if start == a else f"{start}–{a}")
            start = b
    return "、".join(parts)
