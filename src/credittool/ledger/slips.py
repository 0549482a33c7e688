"""A programme row whose ID is on no staff list of the year, while a teacher of its name is
listed under an ID one slip away (a digit mistyped, two neighbours swapped, each with a valid
check digit): most likely that teacher, whose hours would otherwise go to a person who does
not exist (held-out round 5). Said as a warning (W-ID-NEAR), nothing refused; found against
the ledger, so a roster sent after the school's workbook, or one writing the school its own
way, is looked at too. resolve/identity.py's `near_ids` finds such pairs within one run."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from credittool.diagnostics import Problem, Severity
from credittool.ids import NEAR_ID, one_slip
from credittool.ledger import verdicts


def staff_slips(con: sqlite3.Connection, term_id: str, fids: Iterable[int]) -> list[Problem]:
    """For the entries of files `fids` of programme term `term_id`: a warning for each row
    whose ID no staff list of the year has, where the staff lists have its name under an ID
    one slip from it."""
    year = verdicts.year_of(con, term_id)
    fids = list(fids)
    if year is None or not fids:
        return []
    terms = verdicts.year_terms(con, year)
    marks = ",".join("?" * len(terms))
    unlisted = con.execute(
        f"""SELECT e.name, e.id_number, f.name, e.sheet, e.row, e.course_id FROM entries e JOIN files f USING (file_id)
            WHERE e.term = ? AND e.file_id IN ({",".join("?" * len(fids))})
              AND NOT EXISTS (SELECT 1 FROM staff s JOIN files g USING (file_id)
                              WHERE s.term IN ({marks}) AND s.id_number = e.id_number AND g.active = 1)
            ORDER BY f.name, e.sheet, e.row""", (term_id, *fids, *terms)).fetchall()
    found = []
    for name, ident, fname, sheet, row, _ in unlisted:
        for listed, unit, lfile, lsheet, lrow in con.execute(
                f"""SELECT s.id_number, s.unit, g.name, s.sheet, s.row FROM staff s JOIN files g USING (file_id)
                    WHERE s.name = ? AND s.term IN ({marks}) AND g.active = 1 ORDER BY g.name, s.row""",
                (name, *terms)):
            if one_slip(listed[:17], ident[:17]):
                found.append(Problem(
                    fname, sheet, row, "身份证号", ident, NEAR_ID,
                    f"「{name}」的身份证号 {ident} 不在本学年的任何教师名册上，而「{unit}」的名册上有一位「{name}」，"
                    f"身份证号 {listed}（{lfile}「{lsheet}」第{lrow}行），只差一位：现按两人登记",
                    "若是同一位教师，改正这一行的身份证号后重新导入该文件", Severity.WARNING))
                break
    return found
