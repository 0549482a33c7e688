"""Which sheets of a workbook are imported, and what a whole sheet decides for its rows:
the course its name names, what makes every row unusable, and, for a sheet read but not
imported (hidden, or no header found), how many rows it holds (so that every row read is
accounted for: issue 12)."""

from __future__ import annotations

import re

from credittool.extract.cells import is_blank
from credittool.diagnostics import Problem, Unimported
from credittool.fields import label
from credittool.read.readers import Sheet
from credittool.rules.loader import TermRules
from credittool.extract.tables import Layout, columns_seen
from credittool.textnorm import REMARK, match_key

OWN_NOTE_SHEETS = {"抽样说明"}  # the parameters sheet of our own sample.xlsx: no table to read


def named_by_sheet(sheet: Sheet, layout: Layout, term: TermRules) -> str | None:
    """The course or programme a sheet names itself: its name, else (programmes) the one
    programme its name names (2018班主任培训), else a title row above its header that names
    exactly one known programme."""
    cid = known_name(sheet.name, term.row_names)
    if cid is None and term.programme_names:
        titles = [c for r in sheet.rows[:layout.header_index] for c in r if isinstance(c, str)]
        cid = named_within([sheet.name], term.programme_names) or named_within(titles, term.programme_names)
    return cid


def named_from_outside(file_stem: str, term: TermRules, course_opt: str | None) -> str | None:
    """For a sheet that names nothing itself: the programme the file's name names, else the
    course or programme of --course."""
    cid = named_within([file_stem], term.programme_names) if term.programme_names else None
    if cid is None and course_opt:
        cid = term.row_names.get(match_key(course_opt))
    return cid


# words that make a text about another training when they follow a programme's name:
# 省网络全员研修辅导员培训 trains the province programme's tutors, 新教师三年联训指导教师培训
# the new teachers' mentors; neither is the programme itself (R13)
TRAINING_WORDS = ("培训", "研修", "联训", "轮训", "进修", "研训")


def named_within(texts: list[str], names: dict[str, str]) -> str | None:
    """The one id that `names` (match key → id) names within `texts` (a title, a file's
    name), a longer name winning over one it contains (学科骨干教师培训 over 骨干教师培训);
    None when none or more than one is named. A name followed by another training's word
    (`TRAINING_WORDS`) does not name its programme: 2018年班主任培训名单 names 班主任培训,
    省网络全员研修辅导员培训 names nothing. A remark in brackets is read only when the rest
    names none."""
    bare = [_BRACKETED.sub("", t) for t in texts]  # a remark in brackets first set aside
    return (_named_by(bare, names) if bare != texts else None) or _named_by(texts, names)


def known_name(text: str, names: dict[str, str]) -> str | None:
    """The id `names` (match key → id) gives `text`, or, failing that, the text without a
    remark in brackets at its end: 师德读本（网联） is 师德读本, while a name whose own brackets
    are inside it (…规范(2008年修订)培训读本) is matched whole first."""
    found = names.get(match_key(text))
    if found is None and (bare := _TRAILING_REMARK.sub("", text)) != text:
        found = names.get(match_key(bare))
    return found


_TRAILING_REMARK = re.compile(rf"\s*{REMARK}\s*$")
# 2018年网络补训学员名单（依托省网络全员研修平台）: the title names 网络补训; its remark, another
_BRACKETED = re.compile(REMARK)


def _named_by(texts: list[str], names: dict[str, str]) -> str | None:
    keys = [match_key(t) for t in texts]
    found = {k for k in names if any(_names(k, t) for t in keys)}
    found = {k for k in found if not any(k != o and k in o for o in found)}
    ids = {names[k] for k in found}
    return ids.pop() if len(ids) == 1 else None


def _names(name: str, text: str) -> bool:
    at = text.find(name)
    while at >= 0:
        if not any(w in text[at + len(name):] for w in TRAINING_WORDS):
            return True
        at = text.find(name, at + 1)
    return False


def another_training(text: str, names: dict[str, str]) -> tuple[str, str] | None:
    """For a text that names no programme: (the programme name it holds, the words after
    it that make it another training), to say why; None when it holds none so followed."""
    key = match_key(text)
    for name in sorted(names, key=len, reverse=True):
        at = key.find(name)
        if at >= 0 and any(w in key[at + len(name):] for w in TRAINING_WORDS):
            return name, key[at + len(name):]
    return None


def whole_sheet_error(file: str, sheet: str, layout: Layout, course_known: bool,
                      term: TermRules | None = None) -> Problem | None:
    """What makes every row of a sheet unusable, if anything."""
    cols = layout.columns
    if layout.duplicates:
        f, hs = next(iter(layout.duplicates.items()))
        return Problem(file, sheet, None, "、".join(hs), "", "E-HEADER-DUP",
                       f"{len(hs)} 列都表示「{label(f)}」，无法确定用哪一列",
                       "删除或改名多余的列；若是左右并排的两个表，把右边的表移到下方或另一个工作表")
    if not course_known and term is not None and term.programmes is not None:
        return Problem(file, sheet, None, "", sheet, "E-COURSE-UNKNOWN",
                       f"无法确定培训项目：工作表名「{sheet}」、表头上方的标题和文件名都不是已知项目，表中也没有「项目」列",
                       "把工作表改名为项目名，或加「项目」列，或用 --course 指定；已知项目："
                       + "、".join(p.name for p in term.programmes.programmes))
    if not course_known:
        return Problem(file, sheet, None, "", sheet, "E-COURSE-UNKNOWN",
                       f"无法确定课程：工作表名「{sheet}」不是已知课程，表中也没有「课程」列",
                       "把工作表改名为课程名，或加「课程」列，或用 --course 指定")
    for f, what in (("id", "身份证号列（身份证号是每位教师的唯一标识）"), ("name", "姓名列")):
        if f not in cols:
            return Problem(file, sheet, None, label(f), "", "E-COLUMN-MISSING", f"工作表没有{what}",
                           f"加上「{label(f)}」列；现有列：" + columns_seen(layout.written or tuple(layout.headers.values())))
    return None


def unimported(file: str, sheet: Sheet, layout: Layout | None, term: TermRules, hidden: bool) -> Unimported | None:
    """A sheet read but not imported, with its non-blank rows below the header (all of them
    when there is no header); None for an empty sheet without a header."""
    below = sheet.rows if layout is None else sheet.rows[layout.header_index + 1:]
    rows = sum(1 for r in below if any(not is_blank(c) for c in r))
    if rows == 0 and layout is None:
        return None
    return Unimported(file, sheet.name, rows, hidden, term.row_names.get(match_key(sheet.name)) or "")
