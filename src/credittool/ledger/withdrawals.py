"""A file taken back out of a term (`credittool withdraw`): one ingested by mistake (another
term's, another school's, a draft). In one transaction its rows leave the ledger, the term's
stamps (R9) or the year's verdicts (R17) are worked out again, and the certificates issued on
them follow. Its bytes are then not read again in the term (an ingest of the folder that
still holds it says 已撤回) until the withdrawal is undone; a changed file of the same name is
a new file and is read as any other. The files whose rows it had replaced are read again by
the next ingest that brings them (db.UNREPLACED), and their rows come back.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import PurePath

from credittool.errors import UsageError
from credittool.ledger import certificates, verdicts
from credittool.ledger.closing import refuse_if_closed
from credittool.ledger.filerecords import take_out
from credittool.ledger.stamps import refresh_stamps
from credittool.rules.loader import TermRules


@dataclass
class Withdrawn:
    term_id: str
    name: str
    rows: int  # the ledger rows that went: entries, staff-list rows, projects, spot scores
    at: str
    restored: list[tuple[str, int]] = field(default_factory=list)  # (file, rows) it had replaced: read again next time
    lost: list[tuple[str, str]] = field(default_factory=list)  # (name, ID) no longer stamped or meeting the standards
    gained: list[tuple[str, str]] = field(default_factory=list)  # now stamped or meeting them (a conflict gone)
    certificates: certificates.Synced = field(default_factory=certificates.Synced)
    standards: bool = False  # a term of programmes: the year's standards (else the term's 验印)


def withdraw(con: sqlite3.Connection, term: TermRules, name: str, reason: str, now: str) -> Withdrawn:
    """Inside a transaction: the term's active file `name` taken out, and what follows from it."""
    refuse_if_closed(con, term.year)
    fid, fname, sha = _active_file(con, term.term_id, name)
    before = _standing(con, term)
    restored = con.execute("SELECT f.name, SUM(p.rows_replaced) FROM replacements p JOIN files f ON f.file_id = p.old_file_id"
                           " WHERE p.new_file_id = ? GROUP BY f.name ORDER BY f.name", (fid,)).fetchall()
    rows = take_out(con, fid)
    con.execute("INSERT INTO withdrawals(term, file_id, name, sha256, rows, reason, at) VALUES (?,?,?,?,?,?,?)",
                (term.term_id, fid, fname, sha, rows, reason, now))
    if term.by_track:
        refresh_stamps(con, term)
    verdicts.refresh_verdicts(con, term.term_id)
    after = _standing(con, term)
    out = Withdrawn(term.term_id, fname, rows, now, restored, standards=term.programmes is not None)
    out.lost = sorted((n, i) for i, (n, ok) in before.items() if ok and not after.get(i, (n, False))[1])
    out.gained = sorted((n, i) for i, (n, ok) in after.items() if ok and not before.get(i, (n, False))[1])
    out.certificates = certificates.sync_issued(con, term.term_id, now)
    verdicts.bump_shown(con, term.term_id)
    return out


def undo(con: sqlite3.Connection, term_id: str, name: str, now: str) -> str:
    """Inside a transaction: the standing withdrawal of `name` in the term undone (its bytes
    are read again by the next ingest that brings them); the name as recorded."""
    refuse_if_closed(con, verdicts.year_of(con, term_id))  # its next ingest would be refused
    found = con.execute("SELECT withdrawal_id, name FROM withdrawals WHERE term = ? AND undone_at IS NULL"
                        " ORDER BY withdrawal_id", (term_id,)).fetchall()
    hits = _by_name(found, name)
    if not hits:
        listed = "、".join(n for _, n in found) or "（无）"
        raise UsageError(f"{term_id} 学期没有撤回过文件「{name}」", f"本学期撤回的文件：{listed}")
    con.executemany("UPDATE withdrawals SET undone_at = ? WHERE withdrawal_id = ?", [(now, w) for w, _ in hits])
    return hits[0][1]


def _active_file(con: sqlite3.Connection, term_id: str, name: str) -> tuple[int, str, str]:
    files = con.execute("SELECT file_id, name, sha256 FROM files WHERE term = ? AND active = 1 ORDER BY name",
                        (term_id,)).fetchall()
    hits = _by_name([(f, n) for f, n, _ in files], name)
    exact = con.execute("SELECT 1 FROM files WHERE term = ? AND name = ? AND active = 0", (term_id, name)).fetchone()
    if hits and hits[0][1] != name and exact is not None:
        hits = []  # the very name is a file withdrawn or replaced: said below, not another file taken for it
    if len(hits) == 1:
        fid = hits[0][0]
        return next(f for f in files if f[0] == fid)
    if hits:
        raise UsageError(f"{term_id} 学期有 {len(hits)} 个名为「{name}」的文件：" + "、".join(n for _, n in hits),
                         "写出文件在导入时的名字（含子文件夹）")
    gone = _by_name(con.execute("SELECT withdrawal_id, name FROM withdrawals WHERE term = ? AND undone_at IS NULL",
                                (term_id,)).fetchall(), name)
    if gone:
        raise UsageError(f"「{gone[0][1]}」已从 {term_id} 学期撤回", f"要取消撤回：credittool withdraw {gone[0][1]} --term {term_id} --undo")
    retired = _by_name(con.execute("SELECT file_id, name FROM files WHERE term = ? AND active = 0 AND error IS NULL"
                                   " ORDER BY name = ? DESC", (term_id, name)).fetchall(), name)
    if retired:
        raise UsageError(f"「{retired[0][1]}」已被替换（同名的新文件，或同一单位教师名册的新文件），它的记录已不在本学期的台账中",
                         "要撤回的是替换它的文件吗？导入结果与 rejects.xlsx 列出本学期现有的文件；"
                         "替换它的文件刚撤回的，先导入一次（它会重新读取），再撤回它")
    shown = "、".join(n for _, n, _ in files[:20]) + (f" …共 {len(files)} 个" if len(files) > 20 else "")
    raise UsageError(f"{term_id} 学期的台账中没有文件「{name}」", f"写出导入结果中的文件名；本学期的文件：{shown or '（无）'}")


def _by_name(rows: list[tuple[int, str]], name: str) -> list[tuple[int, str]]:
    """The rows whose name is `name`; else those whose name ends the path `name` (收表/第一批/
    甲校.xlsx for 第一批/甲校.xlsx, as the run named it); else those whose file name is its file name."""
    given = PurePath(name).parts
    return ([r for r in rows if r[1] == name]
            or [r for r in rows if given[-len(PurePath(r[1]).parts):] == PurePath(r[1]).parts]
            or [r for r in rows if PurePath(r[1]).name == PurePath(name).name])


def _standing(con: sqlite3.Connection, term: TermRules) -> dict[str, tuple[str, bool]]:
    """ID → (name, stamped this term or meeting this year's standards)."""
    if term.programmes is not None:
        sql, key = "SELECT id_number, name, met FROM verdicts WHERE year = ?", term.year
    else:
        sql, key = "SELECT id_number, name, stamped FROM stamps WHERE term = ?", term.term_id
    return {i: (n, bool(ok)) for i, n, ok in con.execute(sql, (key,))}
