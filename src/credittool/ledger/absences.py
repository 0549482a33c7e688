"""Why a teacher has no accepted result in a course, kept in the ledger per file: a row of
theirs was rejected, or the sheet that held it was not imported, so that every later stamp
(R9), `report` and the terminal can say so instead of 「缺少成绩」. resolve/missing.py says
whom a rejected row of a run is about; this module stores that and reads it back.

Which teacher a rejected row is about (it only ever changes the reason's text, never a
stamp, hours or credits: the course has no accepted result either way):
- the row's ID is valid: that teacher, when the row's name is also theirs (an ID typed
  wrong may be someone else's, R18);
- the ID is not usable (typed as a number, wrong check digit, blank …): the one teacher of
  the term with the row's unit and name, when there is exactly one, and when the ID cell's
  first 17 digits, if it has them, are within rounding of theirs (Excel keeps 15
  significant digits of a number, so the last 3 of an ID typed as a number are lost) or
  one slip from them (a digit mistyped, two neighbours swapped);
- otherwise nobody: the row stays in rejects.xlsx and the teacher's reason says 缺少成绩.
A teacher with no accepted row at all in the term has no track and is in no summary; their
rows are in rejects.xlsx.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from credittool.diagnostics import Problem, RejectedRow, Unimported
from credittool.ids import one_slip
from credittool.score.certify import REJECTED, REJECTED_MARK, UNIMPORTED

_PLACES_SHOWN = 3
_DIGITS_SLACK = 100  # in the first 17 digits: the rounding of a number kept to 15 significant digits

# course id → (REJECTED or UNIMPORTED, where the clerk looks)
Absent = dict[str, tuple[str, str]]


def store(con: sqlite3.Connection, file_id: int, rows: list[RejectedRow], problems: list[Problem],
          unimported: list[Unimported]) -> None:
    """A file's rejected rows (with the codes of their problems) and unimported sheets."""
    codes: dict[tuple[str, int], list[str]] = defaultdict(list)
    for p in problems:
        if p.row is not None and p.code not in codes[p.sheet, p.row]:
            codes[p.sheet, p.row].append(p.code)
    con.executemany("INSERT INTO rejected_rows VALUES (?,?,?,?,?,?,?,?,?)",
                    [(file_id, r.sheet, r.row, r.id, r.raw_id, r.unit, r.name, r.course_id,
                      "、".join(codes[r.sheet, r.row])) for r in rows if codes.get((r.sheet, r.row))])
    con.executemany("INSERT INTO unimported_sheets VALUES (?,?,?,?,?)",
                    [(file_id, u.sheet, u.rows, int(u.hidden), u.course_id) for u in unimported])


_BY_ID = """
    SELECT r.id_number, r.course_id, f.name, r.sheet, r.row, r.codes
    FROM rejected_rows r JOIN files f USING (file_id)
    WHERE f.term = ?1 AND f.active = 1 AND r.course_id <> '' AND r.id_number IS NOT NULL
      AND EXISTS (SELECT 1 FROM entries e JOIN files g USING (file_id)
                  WHERE e.term = ?1 AND e.id_number = r.id_number AND e.name = r.name AND g.active = 1)
    ORDER BY f.name, r.sheet, r.row"""
_BY_NAME = """
    SELECT (SELECT group_concat(DISTINCT e.id_number) FROM entries e JOIN files g USING (file_id)
            WHERE e.term = ?1 AND e.unit = r.unit AND e.name = r.name AND g.active = 1),
           r.raw_id, r.course_id, f.name, r.sheet, r.row, r.codes
    FROM rejected_rows r JOIN files f USING (file_id)
    WHERE f.term = ?1 AND f.active = 1 AND r.course_id <> '' AND r.id_number IS NULL AND r.name <> ''
    ORDER BY f.name, r.sheet, r.row"""
_UNIMPORTED = """
    SELECT DISTINCT e.id_number, u.course_id, f.name, u.sheet, u.hidden
    FROM unimported_sheets u JOIN files f USING (file_id) JOIN entries e ON e.file_id = u.file_id
    WHERE f.term = ? AND f.active = 1 AND u.course_id <> ''
    ORDER BY e.id_number, f.name, u.sheet"""


def absences(con: sqlite3.Connection, term_id: str) -> dict[str, Absent]:
    """Per teacher (ID) who has accepted entries in the term: why a course may have none."""
    places: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for ident, cid, fname, sheet, row, codes in con.execute(_BY_ID, (term_id,)):
        places[ident][cid].append(_place(fname, sheet, row, codes))
    for ids, raw_id, cid, fname, sheet, row, codes in con.execute(_BY_NAME, (term_id,)):
        candidates = ids.split(",") if ids else []
        if len(candidates) == 1 and digits_agree(raw_id, candidates[0]):
            places[candidates[0]][cid].append(_place(fname, sheet, row, codes))
    out: dict[str, Absent] = {ident: {cid: (REJECTED, _joined(ps)) for cid, ps in by_course.items()}
                              for ident, by_course in places.items()}
    for ident, cid, fname, sheet, hidden in con.execute(_UNIMPORTED, (term_id,)):
        why = "隐藏，未导入" if hidden else "找不到表头，未导入"
        out.setdefault(ident, {}).setdefault(cid, (UNIMPORTED, f"{fname} 的工作表「{sheet}」{why}"))
    return out


def _place(fname: str, sheet: str, row: int, codes: str) -> str:
    return f"{fname}「{sheet}」第{row}行，{codes}"


def _joined(places: list[str]) -> str:
    shown = "；".join(places[:_PLACES_SHOWN])
    more = f"；另有 {len(places) - _PLACES_SHOWN} 行" if len(places) > _PLACES_SHOWN else ""
    return f"{shown}{more}；见 rejects.xlsx"


def digits_agree(raw_id: str, ident: str) -> bool:
    """An unusable ID cell does not contradict the teacher's ID: where both have 17 leading
    digits, they are within the rounding of a number kept to 15 significant digits, or one
    slip apart (a digit mistyped, two neighbours swapped: the check digit then fails). A number
    is shown as Excel shows it, "2.20282E+17 / 220282197904286000": the digits are the last part."""
    a, b = raw_id.rpartition(" / ")[2][:17], ident[:17]
    if len(a) < 17 or not (a.isdigit() and b.isdigit()):
        return True
    return abs(int(a) - int(b)) <= _DIGITS_SLACK or one_slip(a, b)  # rounding, or one digit mistyped


def warnings(con: sqlite3.Connection, term_id: str) -> list[str]:
    """What the clerk must see on the screen, from the ledger: sheets named like a course of
    the term that were not imported, and how many teachers lack a result only because their
    row was rejected."""
    out = []
    for fname, sheet, rows, hidden, cname in con.execute(
            """SELECT f.name, u.sheet, u.rows, u.hidden, c.name FROM unimported_sheets u JOIN files f USING (file_id)
               JOIN courses c ON c.term = f.term AND c.course_id = u.course_id
               WHERE f.term = ? AND f.active = 1 ORDER BY f.name, u.sheet""", (term_id,)):
        out.append(Unimported(fname, sheet, rows, bool(hidden)).warning(cname))
    (n,) = con.execute("SELECT COUNT(*) FROM stamps WHERE term = ? AND reasons LIKE ?",
                       (term_id, f"%{REJECTED_MARK}%")).fetchone()
    if n:
        out.append(f"{n} 名教师未验印是因为必修课程的成绩行未被接受（不是没有交成绩）："
                   "改正 rejects.xlsx「未接受的行」中这些行后重新导入")
    return out
