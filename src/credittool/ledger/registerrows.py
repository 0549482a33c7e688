"""The rows of the term's workbooks as the ledger holds them, in the order they show: the
register (证书登记表, table "register": one row per entry), 学分汇总 ("summary": one row per
teacher, from the stamps) and the rejects list. The register reads a table unit by unit
(`units`, then `rows` of a range of units), so that a sheet holds whole units."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from credittool.ledger import verdicts

_REGISTER_FROM = """
    FROM entries e JOIN files f USING (file_id) JOIN terms t ON t.term = e.term
         JOIN courses c ON c.term = e.term AND c.course_id = e.course_id
         JOIN track_courses tc ON tc.term = e.term AND tc.track = e.track AND tc.course_id = e.course_id
    WHERE e.term = ? AND f.active = 1"""
_REGISTER_ROWS = """
    SELECT t.name, e.unit, e.name, e.id_number, e.subject, tc.track_name, c.name,
           CASE tc.required WHEN 1 THEN '必修' ELSE '选修' END, e.composite,
           CASE e.passed WHEN 1 THEN '合格' ELSE '不合格' END, e.hours, e.credits, e.reason,
           f.name, e.sheet, e.row""" + _REGISTER_FROM + """ AND e.unit BETWEEN ? AND ?
    ORDER BY e.unit, e.id_number, tc.position, e.course_id LIMIT ? OFFSET ?"""
# a programme term's register: a programme row has no composite, and the sheet no such column
_PROGRAMME_ROWS = _REGISTER_ROWS.replace(" e.composite,", "", 1)
_REGISTER_UNITS = "SELECT e.unit, COUNT(*), SUM(e.passed = 1)" + _REGISTER_FROM + " GROUP BY e.unit ORDER BY e.unit"
_SUMMARY_FROM = """
    FROM stamps s JOIN terms t ON t.term = s.term
         JOIN (SELECT DISTINCT term, track, track_name FROM track_courses) tn
           ON tn.term = s.term AND tn.track = s.track
    WHERE s.term = ?"""
_SUMMARY_ROWS = """
    SELECT t.name, s.unit, s.name, s.id_number, tn.track_name, s.hours, s.credits,
           CASE s.stamped WHEN 1 THEN '是' ELSE '否' END, s.reasons""" + _SUMMARY_FROM + """ AND s.unit BETWEEN ? AND ?
    ORDER BY s.unit, s.id_number LIMIT ? OFFSET ?"""
_SUMMARY_REASONS = "SELECT s.reasons" + _SUMMARY_ROWS[_SUMMARY_ROWS.index(_SUMMARY_FROM):]
_SUMMARY_UNITS = "SELECT s.unit, COUNT(*), SUM(s.stamped = 1)" + _SUMMARY_FROM + " GROUP BY s.unit ORDER BY s.unit"
_TABLES = {"register": (_REGISTER_UNITS, _REGISTER_ROWS, _REGISTER_FROM, "e.unit"),
           "summary": (_SUMMARY_UNITS, _SUMMARY_ROWS, _SUMMARY_FROM, "s.unit"),
           # a programme term's 学分汇总: the year's verdicts (its rows: verdicts.verdict_rows)
           "verdicts": (verdicts.VERDICT_UNITS, verdicts.VERDICT_ROWS, verdicts.VERDICTS_FROM, "v.unit")}


def units(con: sqlite3.Connection, term_id: str, table: str) -> list[tuple[str, int, int]]:
    """The table's units in order, each with its rows and how many of them passed (register)
    or were stamped (summary)."""
    return con.execute(_TABLES[table][0], (term_id,)).fetchall()


def count(con: sqlite3.Connection, term_id: str, table: str, first: str, last: str) -> int:
    """The table's rows of the units first … last."""
    _, _, frm, unit = _TABLES[table]
    (n,) = con.execute(f"SELECT COUNT(*) {frm} AND {unit} BETWEEN ? AND ?", (term_id, first, last)).fetchone()
    return n


def rows(con: sqlite3.Connection, term_id: str, table: str, first: str, last: str, limit: int,
         offset: int, composite: bool = True) -> Iterable[tuple]:
    """Rows `offset` … `offset + limit` of the units first … last, as the sheet shows them
    (the register without its 综合成绩 column where not `composite`); a cursor, read as the
    sheet is written."""
    sql = _TABLES[table][1] if composite or table != "register" else _PROGRAMME_ROWS
    return con.execute(sql, (term_id, first, last, limit, offset))


def summary_reasons(con: sqlite3.Connection, term_id: str, first: str, last: str, limit: int,
                    offset: int) -> Iterator[str]:
    """The 原因 column of the same rows of 学分汇总."""
    return (r for (r,) in con.execute(_SUMMARY_REASONS, (term_id, first, last, limit, offset)))


def rejects(con: sqlite3.Connection, term_id: str) -> list[tuple]:
    """(file, sheet, row, column, value, message, hint, code) of the term's active files."""
    return con.execute(
        """SELECT f.name, r.sheet, r.row, r.col, r.value, r.message, r.hint, r.code
           FROM rejects r JOIN files f USING (file_id) WHERE f.term = ? AND f.active = 1
           ORDER BY f.name, r.sheet, r.row IS NOT NULL, r.row, r.rowid""", (term_id,)).fetchall()


def skipped(con: sqlite3.Connection, term_id: str) -> list[tuple]:
    """(file, sheet, row, reason) of the term's active files."""
    return con.execute(
        """SELECT f.name, s.sheet, s.row, s.reason FROM skipped s JOIN files f USING (file_id)
           WHERE f.term = ? AND f.active = 1 ORDER BY f.name, s.sheet, s.row""", (term_id,)).fetchall()


def unimported_sheets(con: sqlite3.Connection, term_id: str) -> list[tuple]:
    """(file, sheet, rows, hidden, the name of the course it names or '') of the term's active files."""
    return con.execute(
        """SELECT f.name, u.sheet, u.rows, u.hidden, COALESCE(c.name, '')
           FROM unimported_sheets u JOIN files f USING (file_id)
           LEFT JOIN courses c ON c.term = f.term AND c.course_id = u.course_id
           WHERE f.term = ? AND f.active = 1 ORDER BY f.name, u.rowid""", (term_id,)).fetchall()
