"""A school's 课题 list (R14): one row per research project, with its school and the level
or award it reached. Its rows are about a school, not a teacher: they carry no ID and go to
the ledger's `research` table, not through resolve. Every row read is accounted for: a
project (accepted), a blank or totals row (skipped), or a row without a title (rejected)."""

from __future__ import annotations

from dataclasses import dataclass, field

from credittool.diagnostics import Problem, skip
from credittool.extract.cells import is_blank, shown, text
from credittool.extract.checks import totals_word
from credittool.extract.columns import filled_down
from credittool.extract.tables import Layout
from credittool.fields import label
from credittool.read.readers import Sheet


@dataclass(frozen=True, slots=True)
class Project:
    sheet: str
    row: int
    unit: str
    title: str
    level: str  # the 级别/获奖情况 cell, '' when blank


@dataclass
class ResearchRows:
    projects: list[Project] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    rejects: list[Problem] = field(default_factory=list)
    read: int = 0


def research_rows(file: str, sheet: Sheet, layout: Layout, default_unit: str) -> ResearchRows:
    """The projects below the header of a 课题 sheet; a row without 单位 is of the file's school."""
    out = ResearchRows()
    cols = layout.columns
    first = sheet.first_row + layout.header_index + 1
    rows, _ = filled_down(sheet, first)  # a school merged down over its projects names each
    for i, r in enumerate(rows):
        rown = first + i
        raw = {f: (r[j] if j < len(r) else None) for f, j in cols.items()}
        out.read += 1
        if all(is_blank(v) for v in raw.values()):
            out.skipped.append(skip(file, sheet.name, rown, "空行"))
            continue
        if any(totals_word(v) for v in (*raw.values(), *r[:2])):  # 合计 in a mapped cell or the first two
            out.skipped.append(skip(file, sheet.name, rown, "合计行"))
            continue
        cells = {f: text(v, layout.headers[f]) for f, v in raw.items()}
        bad = [(f, c.problem) for f, c in cells.items() if c.problem is not None]
        if not bad and cells["project"].value is None:
            out.rejects.append(Problem(file, sheet.name, rown, layout.headers["project"], "", "E-PROJECT-BLANK",
                                       f"{label('project')}为空", "补填课题名称，或删去这一行"))
            continue
        if bad:
            out.rejects += [p.placed(file, sheet.name, rown, layout.headers[f], shown(raw[f])) for f, p in bad]
            continue
        unit = cells["unit"].value if "unit" in cells and cells["unit"].value else default_unit
        level = cells["project_level"].value if "project_level" in cells else None
        out.projects.append(Project(sheet.name, rown, unit, cells["project"].value, level or ""))
    return out
