"""The staff list writes a teacher's name, also against rows an earlier run accepted.

rules/README.md, "One person": where a staff list (教师名册) has an ID, its name is the
teacher's, and only the rows that write another name are rejected, so that a misspelt
roster row never takes a teacher off the verdicts (R17, R18). A roster sent before the
school's workbook had its rows accepted under the misspelt name, and then the school's own
rows, which write the listed name, clashed with them (held-out round 7: 贺晓凯 for 贺凯;
the verdict went from 74 to 30 学时 by the order the files came). So when a run brings or
the ledger has a staff list, the term's earlier entries writing its IDs with another name
are taken out and become that file's rejected rows (E-ID-LEDGER), as if they had come after
it; that file is then read again at every ingest until the row is fixed (db.UNSETTLED), and
so are the files whose rows had clashed with the misspelt ones.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import numpy as np

from credittool.diagnostics import Problem, note
from credittool.fields import label
from credittool.ids import misnamed
from credittool.ledger.db import LEDGER_CLASH

if TYPE_CHECKING:
    from credittool.resolve.table import Table

_MISNAMED = """
    SELECT e.rowid, e.file_id, f.name, e.sheet, e.row, e.unit, e.name, e.id_number, e.course_id,
           l.name, l.place, l.file, COALESCE(c.header, ?2)
    FROM _listed l CROSS JOIN entries e ON e.term = ?1 AND e.id_number = l.id JOIN files f USING (file_id)
    LEFT JOIN sheet_columns c ON c.file_id = e.file_id AND c.sheet = e.sheet AND c.field = 'name'
    WHERE f.active = 1 AND e.name <> l.name
    ORDER BY f.name, e.sheet, e.row"""


def demote_misnamed(con: sqlite3.Connection, term_id: str, t: Table, staff: np.ndarray,
                    sheet_fid: np.ndarray) -> list[Problem]:
    """Inside the commit, before the run's entries go in: the term's entries whose ID a staff
    list (the run's rows `staff` of `t`, or the ledger's) writes with another name are
    rejected; a note on the staff list's file for each."""
    _listed(con, term_id, t, staff, sheet_fid)
    hits = con.execute(_MISNAMED, (term_id, label("name"))).fetchall()
    notes = []
    for rowid, fid, fname, sheet, row, unit, name, ident, cid, listed, place, lfile, column in hits:
        p = misnamed(fname, sheet, row, column, name, listed, place, LEDGER_CLASH)
        con.execute("DELETE FROM entries WHERE rowid = ?", (rowid,))
        con.execute("INSERT INTO rejects VALUES (?,?,?,?,?,?,?,?)",
                    (fid, sheet, row, p.column, p.value, p.code, p.message, p.hint))
        con.execute("INSERT INTO rejected_rows VALUES (?,?,?,?,?,?,?,?,?)",
                    (fid, sheet, row, ident, ident, unit, name, cid, LEDGER_CLASH))
        con.execute("UPDATE files SET accepted = accepted - 1, rejected = rejected + 1 WHERE file_id = ?", (fid,))
        notes.append(note(lfile, f"教师名册（{place}）写的姓名是「{listed}」：已登记的「{fname}」「{sheet}」第{row}行"
                                 f"写作「{name}」，改为未接受（见 rejects.xlsx）；因与它冲突而未接受的行，下次导入时再次核对"))
    return notes


def _listed(con: sqlite3.Connection, term_id: str, t: Table, staff: np.ndarray, sheet_fid: np.ndarray) -> None:
    """The temp table `_listed` (ID, listed name, its place, its file): the run's staff rows
    (those of files this run recorded), then the ledger's of the term."""
    con.execute("CREATE TEMP TABLE IF NOT EXISTS _listed(id TEXT PRIMARY KEY, name TEXT, place TEXT, file TEXT)")
    con.execute("DELETE FROM _listed")
    rows = staff[sheet_fid[t.sheet[staff]] >= 0] if len(staff) else staff
    con.executemany("INSERT OR IGNORE INTO _listed VALUES (?,?,?,?)",
                    ((t.col["id"][i], t.col["name"][i], f"{s.file}「{s.name}」第{int(t.row[i])}行", s.file)
                     for i in rows.tolist() for s in (t.sheets[t.sheet[i]],)))
    con.execute("INSERT OR IGNORE INTO _listed " + _LEDGER_LISTED, (term_id,))


_LEDGER_LISTED = """SELECT s.id_number, s.name, f.name || '「' || s.sheet || '」第' || s.row || '行', f.name
                    FROM staff s JOIN files f USING (file_id) WHERE s.term = ? AND f.active = 1
                    ORDER BY f.name, s.sheet, s.row"""


def listed_names(con: sqlite3.Connection, term_id: str) -> dict[str, tuple[str, str]]:
    """ID → the name the term's staff lists in the ledger write and where (the first place)."""
    out: dict[str, tuple[str, str]] = {}
    for ident, name, place, _ in con.execute(_LEDGER_LISTED, (term_id,)):
        out.setdefault(ident, (name, place))
    return out
