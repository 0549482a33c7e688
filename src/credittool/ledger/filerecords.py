"""The ledger's record of each input file, inside an ingest's transaction: which files a
run adds, which earlier files they retire, and which bytes the ledger already has.

A file is known (未改动 next time) only once its rows are committed. A file that could not
be read is recorded with its error, so that rejects.xlsx lists it, but it is not known: it
is read again on every run, and it retires nothing (a broken corrected file must not wipe
the school's earlier rows).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from credittool.ledger.db import UNREPLACED, UNSETTLED

if TYPE_CHECKING:  # annotations only: the report's imports stay light
    from credittool.diagnostics import Problem
    from credittool.extract.rows import FileResult
    from credittool.ledger.spotscores import SpotCounts


@dataclass
class FileSummary:
    name: str
    # 新导入 / 未改动 / 替换 / 无法读取 / 重复 (the same bytes as another file of this run) / 再次核对 (read
    # again: some of its rows clashed with the ledger last time) / 已撤回 (withdrawn: not read) /
    # 已被替换 (a school's workbook replaced by one of another name: not read)
    status: str
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    spot: SpotCounts | None = None  # a filled-in 抽测名单: its spot-test scores
    problem: Problem | None = None  # why it could not be read (status 无法读取)


def withdrawn(con: sqlite3.Connection, term_id: str) -> dict[str, tuple[str, str]]:
    """sha256 → (name, when) of the term's files withdrawn (ledger/withdrawals.py) and not
    undone: their bytes are not read again."""
    return {sha: (name, at) for sha, name, at in con.execute(
        "SELECT sha256, name, at FROM withdrawals WHERE term = ? AND undone_at IS NULL ORDER BY withdrawal_id",
        (term_id,))}


def superseded(con: sqlite3.Connection, term_id: str) -> dict[str, tuple[str, str]]:
    """sha256 → (its name, the name of the file in force in its place) of the term's school
    workbooks replaced by one of another name that is not withdrawn: not read again. So with
    更正 then 第二次更正 both the original and the first correction are passed over; withdraw
    第二次更正 and the first correction is read again, the original still replaced by it."""
    rows = con.execute(
        """SELECT o.file_id, o.sha256, o.name, s.new_file_id, n.name, n.active FROM supersessions s
           JOIN files o ON o.file_id = s.old_file_id JOIN files n ON n.file_id = s.new_file_id
           WHERE s.term = ? AND o.active = 0
             AND s.new_file_id NOT IN (SELECT file_id FROM withdrawals WHERE undone_at IS NULL)
           ORDER BY s.rowid""", (term_id,)).fetchall()
    by = {old: (new, name, active) for old, _, _, new, name, active in rows}  # the latest replacement of each
    out = {}
    for old, sha, name, *_ in rows:
        new, new_name, active = by[old]
        for _ in range(len(by)):  # to the file in force at the end of the chain
            if active or new not in by:
                break
            new, new_name, active = by[new]
        out[sha] = (name, new_name)
    return out


def in_other_terms(con: sqlite3.Connection, term_id: str, shas: list[str]) -> dict[str, tuple[str, str]]:
    """sha256 → (term, name) for the bytes among `shas` that another term has: most likely a
    file put in the wrong term's folder (a file sent again is rarely byte for byte the same)."""
    con.execute("CREATE TEMP TABLE IF NOT EXISTS _shas(sha TEXT PRIMARY KEY)")
    con.execute("DELETE FROM _shas")
    con.executemany("INSERT OR IGNORE INTO _shas VALUES (?)", ((s,) for s in shas))
    return {sha: (term, name) for sha, term, name in con.execute(
        "SELECT f.sha256, MIN(f.term), MIN(f.name) FROM files f JOIN _shas ON _shas.sha = f.sha256"
        " WHERE f.term <> ? AND f.error IS NULL GROUP BY f.sha256", (term_id,))}


@dataclass
class Recorded:
    fids: dict[str, int] = field(default_factory=dict)  # file name → its file_id
    retired: dict[str, list[int]] = field(default_factory=dict)  # file name → the same-name files it replaces
    unchanged: list[str] = field(default_factory=list)  # committed by a concurrent run while we read
    replaced: int = 0  # ledger rows retired with their files
    # files the ledger had, active, and read again: some of their rows clashed with the ledger
    # (db.LEDGER_CLASH), and they are checked again until those rows are fixed
    reread: set[str] = field(default_factory=set)
    # files sent again that still cannot be read, for the same reason: the term is as it was
    unreadable_again: set[str] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        """Whether the run changed the term: a file recorded other than one still unreadable."""
        return any(name not in self.unreadable_again for name in self.fids)


def record_files(con: sqlite3.Connection, term_id: str, fresh: Sequence[tuple[FileResult, str]], now: str) -> Recorded:
    """A record for every fresh file, and the same-name files they replace retired."""
    by_name: dict[str, list[int]] = {}
    readable: set[str] = set()
    for fid, name, sha, settled in con.execute(
            f"SELECT file_id, name, sha256, error IS NULL AND {UNSETTLED} AND {UNREPLACED} FROM files"
            " WHERE term=? AND active=1",
            (term_id,)):
        by_name.setdefault(name, []).append(fid)
        if settled:
            readable.add(sha)
    out = Recorded()
    for fr, sha in fresh:
        if sha in readable:  # a concurrent run committed the same bytes while we were reading
            out.unchanged.append(fr.name)
            continue
        fid, again, same_error = _file_id(con, term_id, fr, sha, now)
        out.fids[fr.name] = fid
        if again:
            out.reread.add(fr.name)
        if same_error:
            out.unreadable_again.add(fr.name)
        out.retired[fr.name] = [] if fr.error is not None else [f for f in by_name.get(fr.name, []) if f != fid]
    for name, olds in out.retired.items():
        for old_id in olds:
            out.replaced += retire(con, term_id, old_id, out.fids[name], now)
    return out


def _file_id(con: sqlite3.Connection, term_id: str, fr: FileResult, sha: str, now: str) -> tuple[int, bool, bool]:
    """A new record, or the one these bytes already have (they could not be read last time,
    were retired by a later file and are sent again, or clashed with the ledger): its old
    findings go. And whether the record was active and readable (read again, not new), and
    whether it was active and unreadable for the reason it still is."""
    code = fr.error.code if fr.error is not None else None
    row = con.execute("SELECT file_id, active = 1 AND error IS NULL, active = 1 AND error IS ? FROM files"
                      " WHERE term=? AND sha256=?", (code, term_id, sha)).fetchone()
    if row is None:
        return con.execute(
            "INSERT INTO files(term, sha256, name, path, ingested_at, rows_read, accepted, rejected, skipped, error)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (term_id, sha, fr.name, str(fr.path), now, fr.rows_read, 0, 0, 0, code)).lastrowid, False, False
    fid, again, same = row
    for table in ("rejects", "skipped", "entries", "spot_scores", "staff", "research", "rejected_rows",
                  "unimported_sheets", "sheet_columns"):
        con.execute(f"DELETE FROM {table} WHERE file_id=?", (fid,))
    # its rows replaced by a file since withdrawn come back now: that replacement no longer holds
    con.execute("DELETE FROM replacements WHERE old_file_id = ? AND new_file_id IN"
                " (SELECT file_id FROM withdrawals WHERE undone_at IS NULL)", (fid,))
    con.execute("UPDATE files SET name=?, path=?, ingested_at=?, rows_read=?, accepted=0, rejected=0, skipped=0,"
                " active=1, error=? WHERE file_id=?", (fr.name, str(fr.path), now, fr.rows_read, code, fid))
    return fid, bool(again), bool(same) and code is not None


def retire(con: sqlite3.Connection, term_id: str, old_id: int, new_id: int, now: str) -> int:
    """File `new_id` replaces `old_id` (the same name, or the same unit's staff list): the
    school sent a corrected file; the old one's rows go, the replacement recorded."""
    replaced = 0
    for unit, cid, k in con.execute("SELECT unit, course_id, COUNT(*) FROM entries WHERE file_id=?"
                                    " GROUP BY unit, course_id", (old_id,)).fetchall():
        con.execute("INSERT INTO replacements VALUES (?,?,?,?,?,?,?)", (term_id, unit, cid, old_id, new_id, k, now))
        replaced += k
    take_out(con, old_id)
    return replaced


def take_out(con: sqlite3.Connection, fid: int) -> int:
    """A file's rows out of the term (replaced by a newer file, or withdrawn): its entries,
    spot scores, staff-list rows and projects go, and the file is no longer active; its
    rejects stay with it, for its history. How many rows went."""
    gone = 0
    for table in ("entries", "spot_scores", "staff", "research"):
        gone += con.execute(f"DELETE FROM {table} WHERE file_id=?", (fid,)).rowcount
    con.execute("UPDATE files SET active=0 WHERE file_id=?", (fid,))
    return gone


def active_file_ids(con: sqlite3.Connection, term_id: str) -> frozenset[int]:
    """The files whose rows are the term's now (a replaced or retired file is not active)."""
    return frozenset(fid for (fid,) in con.execute("SELECT file_id FROM files WHERE term=? AND active=1", (term_id,)))


def has_files(con: sqlite3.Connection, term_id: str) -> bool:
    """Whether any file of the term was ever ingested (read, unreadable or retired)."""
    return con.execute("SELECT 1 FROM files WHERE term=? LIMIT 1", (term_id,)).fetchone() is not None
