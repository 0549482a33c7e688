"""The row checks of one data sheet, as a list run in a declared order.

Each check takes the sheet's columns (`SheetCells`) and a mask of the rows still open, and
returns the mask of the rows it decides with what it says about them. How they combine:

1. `SKIPS`, in order: a row one of them skips (空行, 合计行, …) is neither a record nor a
   reject, and the checks after it do not see it.
2. An unusable sheet (`SheetCells.error`) rejects every row left with its one problem.
   Otherwise every check of `ROW_CHECKS` sees every row left, so a rejected row gets all
   of its problems: in a row, in the order of the checks and, within one, of the columns.
3. The rows no check decided are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from credittool.diagnostics import Problem, RejectedRow, skip
from credittool.extract.cells import BLANK, Cell, shown
from credittool.extract.columns import SheetCells
from credittool.extract.sheets import another_training
from credittool.fields import MEASURE_FIELDS
from credittool.textnorm import REMARK, match_key

Mask = np.ndarray  # bool, one per row below the header
# The masks read `cell.problem is None` where `cell.ok` means the same: once per cell of a
# column, the property's call is most of the cost.
Check = Callable[[SheetCells, Mask], tuple[Mask, list]]

SPOT_BLANK = "抽测成绩未填（尚未测试）"
_TOTALS = ("合计", "总计", "小计", "总分", "平均")
_TOTALS_FIRST = frozenset(w[0] for w in _TOTALS)


def _mask(sc: SheetCells, flags: Iterable[bool]) -> Mask:
    return np.fromiter(flags, bool, len(sc))


def _where(sc: SheetCells, col: list[Cell], test: Callable[[Cell], bool]) -> Mask:
    """The rows whose cell passes `test`, asked once per distinct Cell: the rows of a column
    share the Cell of each distinct value (`normalize_column`), so most columns have a few
    dozen, and the rows are matched to them at C speed."""
    distinct = dict(zip(map(id, col), col))
    hits = {k for k, c in distinct.items() if test(c)}
    if not hits:
        return np.zeros(len(sc), bool)
    return np.fromiter(map(hits.__contains__, map(id, col)), bool, len(sc))


def _rows(mask: Mask) -> list[int]:
    """The row indexes a mask holds, in order."""
    return np.flatnonzero(mask).tolist()


def _flagged(sc: SheetCells, f: str) -> Mask:
    m = np.zeros(len(sc), bool)
    m[list(sc.flags.get(f, ()))] = True
    return m


def _blank(sc: SheetCells, f: str) -> Mask:
    """Blank and not flagged: an error cell reads as blank."""
    return _where(sc, sc.column(f), lambda c: c is BLANK) & ~_flagged(sc, f)


def _skips(sc: SheetCells, hit: Mask, reason: str) -> tuple[Mask, list[Problem]]:
    return hit, [skip(sc.file, sc.sheet.name, sc.first + i, reason) for i in _rows(hit)]


def blank_rows(sc: SheetCells, live: Mask) -> tuple[Mask, list[Problem]]:
    """No name, no ID and no measure: a blank row."""
    hit = live & _blank(sc, "name") & _blank(sc, "id")
    for f in MEASURE_FIELDS:
        if f in sc.cells and hit.any():
            hit &= _blank(sc, f)
    return _skips(sc, hit, "空行")


def totals_rows(sc: SheetCells, live: Mask) -> tuple[Mask, list[Problem]]:
    """A 合计/总计/… row under the table, told by its name, ID or first two cells."""
    return _skips(sc, live & _said_in_front(sc, totals_word), "合计行")


def totals_word(cell: object) -> bool:
    """A cell that says 合计/总计/小计/总分/平均: a totals row."""
    return isinstance(cell, str) and cell.lstrip()[:1] in _TOTALS_FIRST and match_key(cell).startswith(_TOTALS)


# a signature or note line under the table: 审核人：王校长, 园长签字：, 填表日期：…, 注：以上人员…
_FOOTER = re.compile(r"\s*([\u4e00-\u9fff]{0,4}(签字|签名|签章|盖章|负责人)|审核人?|审批人?|填表人?|制表人?|填报人?"
                     r"|统计人|联系人|联系电话|填表日期|制表日期|填报日期|注|说明|备注)\s*[：:]")


def footer_rows(sc: SheetCells, live: Mask) -> tuple[Mask, list[Problem]]:
    """A signature or note line under the table (审核人：…, 注：…), told by its name, ID or
    first two cells: not a teacher's row, so neither counted nor rejected."""
    return _skips(sc, live & _said_in_front(sc, _FOOTER.match), "表尾签名或说明行")


def _said_in_front(sc: SheetCells, says: Callable[[str], object]) -> Mask:
    """The rows whose name, ID or first two cells hold a text that `says`, among the texts
    that might (`_front_texts`)."""
    hit = np.zeros(len(sc), bool)
    hit[[i for i, texts in _front_texts(sc).items() if any(says(t) for t in texts)]] = True
    return hit


def _front_texts(sc: SheetCells) -> dict[int, list[str]]:
    """Row index → the texts of its name, ID or first two cells that may be a totals or
    footer word: beginning with a character a totals word begins with, or with a colon near
    their start (a name never has one). One look at those columns per sheet, for both checks."""
    if "front" not in sc.memo:
        at = [j for j in {sc.layout.columns.get("name"), sc.layout.columns.get("id"), 0, 1} if j is not None]
        front: dict[int, list[str]] = {}
        for j in at:
            for i in [i for i, r in enumerate(sc.rows) if j < len(r) and isinstance(r[j], str)
                      and (r[j].lstrip()[:1] in _TOTALS_FIRST or "：" in r[j][:10] or ":" in r[j][:10])]:
                front.setdefault(i, []).append(sc.rows[i][j])
        sc.memo["front"] = front
    return sc.memo["front"]


def repeated_headers(sc: SheetCells, live: Mask) -> tuple[Mask, list[Problem]]:
    """The header written again below (a list printed page by page): its 姓名 and its other
    mapped cells say what the header says."""
    cols, heads = sc.layout.columns, sc.layout.headers
    j = cols.get("name", cols.get("id"))
    if j is None:
        return np.zeros(len(sc), bool), []
    key = match_key(heads["name" if "name" in cols else "id"])
    first = key[:1]
    hit = np.zeros(len(sc), bool)
    for i in [i for i, r in enumerate(sc.rows) if j < len(r) and isinstance(r[j], str) and r[j].lstrip()[:1] == first]:
        r = sc.rows[i]
        said = [match_key(r[c]) == match_key(heads[f]) for f, c in cols.items() if c < len(r) and isinstance(r[c], str)]
        hit[i] = match_key(r[j]) == key and sum(said) >= min(2, len(cols))
    return _skips(sc, hit & live, "重复的表头行")


def unfilled_spot_scores(sc: SheetCells, live: Mask) -> tuple[Mask, list[Problem]]:
    """A teacher of the spot-test list whose score is not filled in yet (R7)."""
    if not sc.spot or sc.error is not None:
        return np.zeros(len(sc), bool), []
    return _skips(sc, live & _blank(sc, "spot_score"), SPOT_BLANK)


# a heading between two tables of one sheet: 二、补报名单, （一）在编教师, 2.补报, 附：补报名单,
# 第二部分 (a name has none of these)
_SECTION = re.compile(r"\s*([一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]"
                      r"|\d{1,2}\s*[、.．]\s*[\u4e00-\u9fff]|附\s*[：:]|第[一二三四五六七八九十\d]{1,3}(部分|批|类|组))")


_REMARK_ONLY = re.compile(rf"\s*{REMARK}\s*")


def section_rows(sc: SheetCells, live: Mask) -> tuple[Mask, list[Problem]]:
    """A section heading between two tables of one sheet (二、补报), wherever it is written
    (the 序号, 姓名 or 身份证号 column, merged or not): the row's first text, the others only
    remarks in brackets, and no name or no ID; neither a teacher's row nor a reject. Only rows
    short of a name or an ID are looked at."""
    short = np.zeros(len(sc), bool)
    for f in ("name", "id"):  # a sheet without the column has no row to look at for it
        if f in sc.layout.columns:
            short |= _blank(sc, f)
    hit = live & short
    for i in _rows(hit):
        texts = [c for c in sc.rows[i] if not (c is None or (isinstance(c, str) and not c.strip()))]
        hit[i] = bool(texts) and all(isinstance(c, str) for c in texts) and _SECTION.match(texts[0]) is not None \
            and all(_REMARK_ONLY.fullmatch(c) for c in texts[1:])  # 三、其他 with （含借调） in 备注
    return _skips(sc, hit, "分节标题行")


SKIPS: tuple[Check, ...] = (footer_rows, totals_rows, section_rows, blank_rows, repeated_headers, unfilled_spot_scores)


def unusable_cells(sc: SheetCells, live: Mask) -> tuple[Mask, list[Problem]]:
    """A flagged cell (error value, uncalculated formula) or one that cannot be normalised."""
    hit, found = np.zeros(len(sc), bool), []
    for f, col in sc.cells.items():
        bad = live & (_where(sc, col, lambda c: c.problem is not None) | _flagged(sc, f))
        for i in _rows(bad):
            flag = sc.flags[f].get(i)  # a flagged cell's own problem comes first
            found.append(flag or col[i].problem.placed(sc.file, sc.sheet.name, sc.first + i, sc.layout.headers[f],
                                                       shown(sc.raw[f][i])))
        hit |= bad
    return hit, found


def blank_names_and_ids(sc: SheetCells, live: Mask) -> tuple[Mask, list[Problem]]:
    """A row that is not blank but has no name, or no ID number."""
    hit, found = np.zeros(len(sc), bool), []
    for f, code, msg in (("name", "E-NAME-BLANK", "姓名为空"), ("id", "E-ID-BLANK", "身份证号为空")):
        blank = live & _where(sc, sc.cells[f], lambda c: c.problem is None and c.value is None) & ~_flagged(sc, f)
        found += [Problem(sc.file, sc.sheet.name, sc.first + i, sc.layout.headers[f], "", code, msg,
                          "补填后重新导入") for i in _rows(blank)]
        hit |= blank
    return hit, found


def unknown_courses(sc: SheetCells, live: Mask) -> tuple[Mask, list[Problem]]:
    """A 课程 cell that names no course of the term."""
    if "course" not in sc.cells:
        return np.zeros(len(sc), bool), []
    col = sc.cells["course"]
    hit = live & _mask(sc, (c.problem is None and k is None for c, k in zip(col, sc.course))) & ~_flagged(sc, "course")
    term, header = sc.term, sc.layout.headers["course"]
    if term.programmes is not None:
        what, hint = "项目", "改为项目全称或规则中的简称；已知项目：" + "、".join(p.name for p in term.programmes.programmes)
    else:
        what, hint = "课程", "改为课程全称或规则中的简称（见 credittool check --rules 的课程表）"

    def says(v: str | None) -> str:
        if v is None and term.programmes is not None:  # and the sheet, its title and the file's name name none
            return "项目为空，工作表名、表头上方的标题和文件名也都不是已知项目"
        held = another_training(v or "", term.programme_names) if term.programmes is not None else None
        why = f"（含有「{held[0]}」，但其后的「{held[1]}」说明是另一项培训）" if held else ""
        return f"{what}「{v or ''}」不是 {term.term_id} 学期规则中的{what}{why}"

    return hit, [Problem(sc.file, sc.sheet.name, sc.first + i, header, col[i].value or "", "E-COURSE-UNKNOWN",
                         says(col[i].value), hint) for i in _rows(hit)]


def unknown_tracks(sc: SheetCells, live: Mask) -> tuple[Mask, list[Problem]]:
    """A 培训类型 cell that names no track of the term."""
    if "track" not in sc.cells:
        return np.zeros(len(sc), bool), []
    col = sc.cells["track"]
    hit = live & _mask(sc, (bool(c.value) and h is None for c, h in zip(col, sc.hint))) & ~_flagged(sc, "track")
    tracks = "/".join(rs.track.name for rs in sc.term.by_track.values())
    return hit, [Problem(sc.file, sc.sheet.name, sc.first + i, sc.layout.headers["track"], col[i].value,
                         "E-TRACK-UNKNOWN", f"培训类型「{col[i].value}」无法识别", "填 " + tracks)
                 for i in _rows(hit)]


ROW_CHECKS: tuple[Check, ...] = (unusable_cells, blank_names_and_ids, unknown_courses, unknown_tracks)


def unusable_sheet(sc: SheetCells, live: Mask) -> tuple[Mask, list[Problem]]:
    """Every row of a sheet that cannot be read (no 身份证号 column, no course, …)."""
    e = sc.error
    return live, [e.placed(sc.file, sc.sheet.name, sc.first + i, e.column, e.value) for i in _rows(live)]


@dataclass
class Verdicts:
    """What the checks decided for one sheet's rows; each list in row order."""

    skipped: list[Problem] = field(default_factory=list)
    rejects: list[Problem] = field(default_factory=list)
    rejected_rows: list[RejectedRow] = field(default_factory=list)  # whom each rejected row is about
    accepted: list[int] = field(default_factory=list)  # row indexes


def run_checks(sc: SheetCells) -> Verdicts:
    v = Verdicts()
    live = np.ones(len(sc), bool)
    for check in SKIPS:
        hit, found = check(sc, live)
        live &= ~hit
        v.skipped += found
    rejected = np.zeros(len(sc), bool)
    for check in (unusable_sheet,) if sc.error is not None else ROW_CHECKS:
        hit, found = check(sc, live)
        rejected |= hit
        v.rejects += found
    v.skipped.sort(key=lambda s: s.row)  # stable: within a row, the order of the checks
    v.rejects.sort(key=lambda p: p.row)
    v.rejected_rows = [_who(sc, i) for i in _rows(rejected)]
    v.accepted = _rows(live & ~rejected)
    return v


def _who(sc: SheetCells, i: int) -> RejectedRow:
    """Whom a rejected row is about, from whatever of its cells could be read."""
    def value(f: str) -> object:
        col = sc.cells.get(f)
        return col[i].value if col is not None and col[i].ok else None

    raw_id = sc.raw["id"][i] if "id" in sc.raw else None
    return RejectedRow(sc.file, sc.sheet.name, sc.first + i, value("id"), shown(raw_id),
                       value("home_unit") or value("unit") or sc.default_unit, value("name") or "", sc.course[i] or "")
