"""One ingest run into the ledger, in one transaction (db.transaction: BEGIN IMMEDIATE), so a
killed run leaves the ledger as it was and two runs at once queue. Set-based: one INSERT per
table for the whole run. A file's bytes already in the ledger are not counted twice
(filerecords.py); a file under a new name for a unit's course replaces that unit's rows.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from credittool.diagnostics import Problem, RejectedRow, note
from credittool.extract.rows import FileResult
from credittool.ledger.db import LEDGER_CLASH, bulk_entries, has_entries, now as ledger_now, transaction
from credittool.ledger.filerecords import FileSummary, Recorded, record_files, retire
from credittool.ledger.listednames import demote_misnamed
from credittool.ledger.spotscores import REJECT_CODES, SpotRun
from credittool.ledger.stamps import refresh_stamps
from credittool.ledger.terms import commit_rules
from credittool.ledger import absences, certificates, slips, verdicts
from credittool.ledger.closing import refuse_if_closed
from credittool.resolve import missing
from credittool.resolve.identity import not_as_listed
from credittool.resolve.run import Entries, Resolution
from credittool.resolve.table import Table
from credittool.rules.loader import TermRules

# rejects found against the ledger rather than in the files
LATE_CODES = frozenset({LEDGER_CLASH}) | REJECT_CODES


@dataclass
class Committed:
    replaced: int  # ledger rows replaced by the run's files
    late: list[Problem]  # rows rejected against the ledger: an ID already there, a spot score for someone not drawn
    # when the term had no entries before and every entry of the run went in, the run's file
    # ids (the register is then the run's entries: see earlyparts.py); otherwise None
    whole: frozenset[int] | None
    files: dict[str, FileSummary]  # file name → what became of it
    certificates: certificates.Synced = field(default_factory=certificates.Synced)  # issued ones kept in step
    notes: list[Problem] = field(default_factory=list)  # a school's workbook that replaced one of another name


@dataclass
class _Findings:
    """The run's findings across files (resolve's), by file name."""
    rejects: dict[str, list[Problem]]
    refused: dict[str, list[RejectedRow]]
    skipped: dict[str, list[Problem]]

    @classmethod
    def of(cls, res: Resolution) -> _Findings:
        rejects: dict[str, list[Problem]] = defaultdict(list)
        for p in res.rejects:
            rejects[p.file].append(p)
        skipped: dict[str, list[Problem]] = defaultdict(list)
        for s in res.skipped:
            skipped[s.file].append(s)
        return cls(rejects, missing.by_file(res.rejected_rows), skipped)


def commit_run(con: sqlite3.Connection, term: TermRules, fresh: list[tuple[FileResult, str]],
               res: Resolution) -> Committed:
    """Write one run (the files not yet in the ledger, with their sha256, and what resolve
    made of them) in one transaction."""
    term_id = term.term_id
    now = ledger_now()
    spot_run = SpotRun(res.spot)
    found = _Findings.of(res)
    out = Committed(0, [], None, {})
    with transaction(con):
        refuse_if_closed(con, term.year)  # closed by another process since the files were read
        commit_rules(con, term)
        prior_entries = has_entries(con, term_id)
        spot_run.snapshot(con, term_id)  # before record_files retires replaced files' scores
        rec = record_files(con, term_id, fresh, now)
        out.replaced = rec.replaced
        out.files = {name: FileSummary(name, "未改动") for name in rec.unchanged}
        file_rejects = {fr.name: [fr.error] if fr.error is not None else fr.rejects + found.rejects[fr.name]
                        for fr, _ in fresh if fr.name in rec.fids}
        entries, entry_fid, sheet_fid = _file_ids(res.entries, rec)
        con.executemany("INSERT OR REPLACE INTO sheet_columns VALUES (?,?,?,?,?)",
                        [(int(f), s.name, fld, s.headers.get(fld, fld), col)
                         for s, f in zip(res.entries.table.sheets, sheet_fid.tolist()) if f >= 0
                         for fld, col in s.columns.items()])
        if prior_entries and term.programmes is None:
            # a school's file renamed replaces its unit's rows; a programme's rosters may be
            # split (by 学段, by month) over many files of one unit, so there only a file of
            # the same name replaces (filerecords.py)
            out.replaced += _replace_renamed(con, term_id, entries, entry_fid, rec, now, out.notes)
        if term.programmes is not None and _has_staff(con, term_id):
            out.replaced += _replace_workbooks(con, term_id, res.entries.table, res.staff, sheet_fid, rec, now, out.notes)
        staff = _drop_staff_conflicts(con, term_id, res.entries.table, res.staff, sheet_fid, file_rejects)
        if prior_entries and term.programmes is not None:  # the staff list's names, also of earlier runs' rows
            out.notes += demote_misnamed(con, term_id, res.entries.table, staff, sheet_fid)
        if prior_entries or (term.programmes is not None and _has_staff(con, term_id)):
            entries, entry_fid = _drop_ledger_conflicts(con, term_id, entries, entry_fid, file_rejects,
                                                        programmes=term.programmes is not None)
        with bulk_entries(con, len(entries)):
            _insert_entries(con, term_id, entries, entry_fid)
        verdicts.store_staff(con, term_id, res.entries.table, staff, sheet_fid)
        staff_fid = sheet_fid[res.entries.table.sheet[staff]]
        kept = np.concatenate([entry_fid, staff_fid[staff_fid >= 0]])
        accepted = dict(zip(*np.unique(kept, return_counts=True))) if len(kept) else {}
        for fr, _ in fresh:
            if fr.name in rec.fids:
                out.files[fr.name] = _commit_file(con, term_id, fr, rec, file_rejects[fr.name], found, spot_run,
                                                  int(accepted.get(rec.fids[fr.name], 0)))
        said = {id(p) for p in res.rejects}  # resolve's own (one against the ledger's staff list) are said already
        out.late = [p for fr, _ in fresh if fr.name in rec.fids for p in file_rejects[fr.name]
                    if p.code in LATE_CODES and id(p) not in said]
        if term.by_track:
            refresh_stamps(con, term, None if prior_entries else entries)  # a first load: the term is the run
        verdicts.refresh_verdicts(con, term_id)  # a programme term: the year's verdicts
        out.notes += slips.staff_slips(con, term_id, rec.fids.values())  # a roster ID a slip from a listed one
        out.certificates = certificates.sync_issued(con, term_id, now)  # once issued, they follow the stamps or verdicts
        if rec.changed:  # a file recorded (not one still unreadable): the workbooks and the reports are behind
            verdicts.bump_shown(con, term_id)
    if not prior_entries and len(entries) == len(res.entries) and len(rec.fids) == len(fresh):
        out.whole = frozenset(rec.fids.values())
    return out


def _file_ids(entries: Entries, rec: Recorded) -> tuple[Entries, np.ndarray, np.ndarray]:
    """The run's entries with the file_id of each, and each sheet's file_id (-1: a file
    another run committed meanwhile, whose entries are left out)."""
    sheet_fid = np.array([rec.fids.get(s.file, -1) for s in entries.table.sheets], dtype=np.int64)
    entry_fid = sheet_fid[entries.sheet] if len(entries) else np.zeros(0, np.int64)
    return entries.take(entry_fid >= 0), entry_fid[entry_fid >= 0], sheet_fid


def _commit_file(con: sqlite3.Connection, term_id: str, fr: FileResult, rec: Recorded, rejects: list[Problem],
                 found: _Findings, spot_run: SpotRun, accepted: int) -> FileSummary:
    """One file's spot scores, rejects, skipped rows and whom its rejected rows were about;
    its counts, which must add up to the rows it has (conservation)."""
    fid = rec.fids[fr.name]
    skipped = fr.skipped + found.skipped[fr.name]
    spot = spot_run.commit(con, term_id, fid, fr, skipped, rejects)
    verdicts.store_research(con, term_id, fid, fr.research)
    con.executemany("INSERT INTO rejects VALUES (?,?,?,?,?,?,?,?)",
                    [(fid, p.sheet, p.row, p.column, p.value, p.code, p.message, p.hint) for p in rejects])
    con.executemany("INSERT INTO skipped VALUES (?,?,?,?)", [(fid, s.sheet, s.row, s.message) for s in skipped])
    absences.store(con, fid, fr.rejected_rows + found.refused[fr.name], rejects, fr.unimported)
    rejected_rows = {(p.sheet, p.row) for p in rejects if p.row is not None}
    status = "替换" if rec.retired[fr.name] else "再次核对" if fr.name in rec.reread else "新导入"
    s = FileSummary(fr.name, "无法读取" if fr.error else status,
                    fr.rows_read, accepted + (spot.kept if spot else 0) + len(fr.research), len(rejected_rows), len(skipped),
                    spot=spot, problem=fr.error)
    if fr.error is None and s.rows_read != s.accepted + s.rejected + s.skipped:
        raise AssertionError(f"conservation broken for {fr.name}: read {s.rows_read} != accepted {s.accepted}"
                             f" + rejected {s.rejected} + skipped {s.skipped}")
    con.execute("UPDATE files SET accepted=?, rejected=?, skipped=? WHERE file_id=?",
                (s.accepted, s.rejected, s.skipped, fid))
    return s


def _insert_entries(con: sqlite3.Connection, term_id: str, entries: Entries, entry_fid: np.ndarray,
                    chunk: int = 200_000) -> None:
    """All entries of the run, in slices (a province's four million rows as Python tuples
    at once would take gigabytes), in the register's order (unit, ID, course): the sheets
    and the unit-by-unit counts then read the table front to back."""
    sheet_name = np.array([s.name for s in entries.table.sheets], dtype=object)
    order = np.lexsort(tuple(entries.ranks(c) for c in ("course_id", "id", "unit")))
    for a in range(0, len(entries), chunk):
        part = order[a:a + chunk]
        e = entries.take(part)
        con.executemany(
            "INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            zip(itertools.repeat(term_id), entry_fid[part].tolist(), sheet_name[e.sheet].tolist(),
                e.row.tolist(), *(e.column(c).tolist() for c in ("unit", "name", "id", "subject", "stage")),
                e.track.tolist(), e.column("course_id").tolist(), e.composite_text(), e.passed.tolist(),
                e.eligible.tolist(), e.hours.tolist(), e.credits.tolist(), e.reason.tolist(), e.inputs.tolist()))


def _replace_renamed(con: sqlite3.Connection, term_id: str, entries: Entries, entry_fid: np.ndarray,
                     rec: Recorded, now: str, notes: list[Problem]) -> int:
    """`_replace_units` for the entries of the run's files that retired no file of their name;
    each such file that replaced rows shows 替换, with a note naming the files it replaced."""
    names = {fid: name for name, fid in rec.fids.items() if not rec.retired[name] and name not in rec.reread}
    mine = np.isin(entry_fid, np.array(list(names), dtype=np.int64))
    replaced, olds = _replace_units(con, term_id, entries.take(mine), entry_fid[mine], now)
    for fid, old in sorted(olds.items()):
        rec.retired[names[fid]] += sorted(old)
        listed = "、".join(f"「{n}」" for (n,) in con.execute(
            f"SELECT name FROM files WHERE file_id IN ({','.join('?' * len(old))}) ORDER BY name", sorted(old)))
        notes.append(note(names[fid], f"替换了台账中{listed}里同一单位同一课程的记录"))
    return replaced


def _replace_units(con: sqlite3.Connection, term_id: str, entries: Entries, entry_fid: np.ndarray,
                   now: str) -> tuple[int, dict[int, set[int]]]:
    """A file under a new name for the same unit and course replaces the entries an earlier
    run left (the school renamed its corrected file), and the rows of them it had rejected
    (they are no one's problem now). `entries` are those of such files only: a file that
    replaced its namesake replaced just that file, and two files of one run for one unit (two
    campuses) are both kept. The rows replaced, and for each new file the files it replaced."""
    if not len(entries):
        return 0, {}
    new = pd.DataFrame({"unit": entries.column("unit"), "course": entries.column("course_id"), "fid": entry_fid})
    first_fid = new.drop_duplicates(["unit", "course"]).set_index(["unit", "course"])["fid"].to_dict()
    replaced, olds = 0, defaultdict(set)
    for unit, cid, old_id, k in con.execute(
            """SELECT unit, course_id, file_id, SUM(n) FROM (
                   SELECT unit, course_id, file_id, COUNT(*) AS n FROM entries WHERE term = ?1 GROUP BY 1, 2, 3
                   UNION ALL SELECT r.unit, r.course_id, r.file_id, 0 FROM rejected_rows r JOIN files f USING (file_id)
                             WHERE f.term = ?1 AND f.active = 1 GROUP BY 1, 2, 3)
               GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""", (term_id,)).fetchall():
        fid = first_fid.get((unit, cid))
        if fid is None or old_id == fid:
            continue
        con.execute("DELETE FROM entries WHERE term=? AND unit=? AND course_id=? AND file_id=?",
                    (term_id, unit, cid, old_id))
        con.execute("""DELETE FROM rejects WHERE file_id = ?1 AND (sheet, row) IN
                       (SELECT sheet, row FROM rejected_rows WHERE file_id = ?1 AND unit = ?2 AND course_id = ?3)""",
                    (old_id, unit, cid))
        con.execute("DELETE FROM rejected_rows WHERE file_id = ? AND unit = ? AND course_id = ?", (old_id, unit, cid))
        con.execute("INSERT INTO replacements VALUES (?,?,?,?,?,?,?)", (term_id, unit, cid, old_id, int(fid), k, now))
        replaced += k
        olds[int(fid)].add(old_id)
    return replaced, olds


def _replace_workbooks(con: sqlite3.Connection, term_id: str, t: Table, staff: np.ndarray, sheet_fid: np.ndarray,
                       rec: Recorded, now: str, notes: list[Problem]) -> int:
    """A school's workbook is the file with its unit's staff list (教师名册). A file of this
    run that retired no file of its name and lists the staff of one unit replaces the
    ledger's earlier files whose staff lists are of that unit alone and share at least half
    their teachers with it: the school's corrected workbook under a new name (张店区第七中学
    （更正）.xlsx), whose unchanged rows would otherwise clash with the old one's; a supplement
    (补报) of a few teachers replaces nothing. Rosters, which list no staff, replace only by
    name. The old file is then superseded: its bytes, sent again, are not read while the new
    one stands (filerecords.superseded), so that the two kept in one folder do not take turns."""
    rows = staff[sheet_fid[t.sheet[staff]] >= 0] if len(staff) else staff
    listed = pd.DataFrame({"fid": sheet_fid[t.sheet[rows]], "unit": t.col["unit"][rows], "id": t.col["id"][rows]})
    run_fids = set(rec.fids.values())
    renamed = {fid: name for name, fid in rec.fids.items() if not rec.retired[name] and name not in rec.reread}
    replaced = 0
    for fid, mine in listed.groupby("fid"):
        if int(fid) not in renamed or mine["unit"].nunique() != 1:
            continue
        unit, ids = mine["unit"].iloc[0], set(mine["id"])
        for old_id, old_name in con.execute(
                """SELECT s.file_id, f.name FROM staff s JOIN files f USING (file_id) WHERE s.term = ? AND f.active = 1
                   GROUP BY s.file_id HAVING MIN(s.unit) = ? AND MAX(s.unit) = ? ORDER BY s.file_id""",
                (term_id, unit, unit)).fetchall():
            old_ids = {i for (i,) in con.execute("SELECT id_number FROM staff WHERE file_id = ?", (old_id,))}
            if old_id in run_fids or 2 * len(old_ids & ids) < len(old_ids):
                continue
            replaced += retire(con, term_id, old_id, int(fid), now)
            con.execute("INSERT INTO supersessions VALUES (?,?,?,?)", (term_id, old_id, int(fid), now))
            rec.retired[renamed[int(fid)]].append(old_id)
            notes.append(note(renamed[int(fid)], f"替换了台账中的「{old_name}」：两者是同一单位（{unit}）的教师名册所在的文件"))
    return replaced


def _drop_ledger_conflicts(con: sqlite3.Connection, term_id: str, entries: Entries, entry_fid: np.ndarray,
                           file_rejects: dict[str, list[Problem]], programmes: bool = False) -> tuple[Entries, np.ndarray]:
    """An ID already in the ledger from another unit (not for programme rosters:
    resolve/identity.py) or under another name, or with this course already, is a
    conflict: the new row is rejected, naming the ledger's row."""
    hits = _ledger_conflicts(con, term_id, entries, units=not programmes)
    hint = "核对身份证号；要更正已登记的记录，改好原文件（{}）后以原文件名重新导入（同名文件替换旧文件）" if programmes \
        else "核对身份证号；确属更正请重新导入该校完整文件"
    if not hits:
        return entries, entry_fid
    for k, (unit, name, cid, fname, sheet, row) in sorted(hits.items()):
        r = entries.table.record(int(entries.rows[k]))
        if cid is None:  # the staff list's row: the teacher's name is the one it writes
            file_rejects[r.file].append(not_as_listed(r, name, f"{fname}「{sheet}」第{row}行", LEDGER_CLASH))
            continue
        if (cid, name) == (r.course_id, r.name) and (programmes or unit == r.unit):
            what = "同一项目已登记" if programmes else "同一课程已登记"
        else:
            what = f"已登记为「{unit}」的「{name}」"
        file_rejects[r.file].append(
            Problem(r.file, r.sheet, r.row, r.headers.get("id", "身份证号"), r.id, LEDGER_CLASH,
                    f"该身份证号{what}（{fname}「{sheet}」第{row}行）", hint.format(fname)))
    keep = np.ones(len(entries), dtype=bool)
    keep[list(hits)] = False
    return entries.take(keep), entry_fid[keep]


def _has_staff(con: sqlite3.Connection, term_id: str) -> bool:
    return con.execute("SELECT 1 FROM staff WHERE term = ? LIMIT 1", (term_id,)).fetchone() is not None


def _drop_staff_conflicts(con: sqlite3.Connection, term_id: str, t: Table, rows: np.ndarray, sheet_fid: np.ndarray,
                          file_rejects: dict[str, list[Problem]]) -> np.ndarray:
    """R18: within a term a teacher is on one unit's staff list. A staff-list row whose ID
    the ledger already has on another unit's list of the term, or under another name, is
    rejected naming that row (between terms it is a move: ledger/record.py). Rows of a file
    another run committed meanwhile (file_id -1) are left to that run."""
    rows = rows[sheet_fid[t.sheet[rows]] >= 0] if len(rows) else rows
    if not len(rows) or not _has_staff(con, term_id):
        return rows
    c = t.col
    con.execute("CREATE TEMP TABLE IF NOT EXISTS _staff_new(k INTEGER PRIMARY KEY, id TEXT, unit TEXT, name TEXT)")
    con.execute("DELETE FROM _staff_new")
    con.executemany("INSERT INTO _staff_new VALUES (?,?,?,?)",
                    ((k, c["id"][i], c["unit"][i], c["name"][i]) for k, i in enumerate(rows.tolist())))
    hits: dict[int, tuple] = {}
    for k, *hit in con.execute(
            """SELECT n.k, s.unit, s.name, f.name, s.sheet, s.row
               FROM _staff_new n CROSS JOIN staff s ON s.term = ? AND s.id_number = n.id JOIN files f USING (file_id)
               WHERE f.active = 1 AND (s.unit <> n.unit OR s.name <> n.name)
               ORDER BY n.k, f.name, s.sheet, s.row""", (term_id,)):
        hits.setdefault(k, tuple(hit))
    for k, (unit, name, fname, sheet, row) in sorted(hits.items()):
        r = t.record(int(rows[k]))
        file_rejects[r.file].append(
            Problem(r.file, r.sheet, r.row, r.headers.get("id", "身份证号"), r.id, LEDGER_CLASH,
                    f"该身份证号本学期已在「{unit}」的名册上登记为「{name}」（{fname}「{sheet}」第{row}行）",
                    f"同一学期一位教师只在一个单位的名册上：核对身份证号；确属调入，从「{fname}」的名册删去该行、"
                    f"以原文件名「{fname}」重新导入，再重新导入本文件"))
    keep = np.ones(len(rows), dtype=bool)
    keep[list(hits)] = False
    return rows[keep]


def _ledger_conflicts(con: sqlite3.Connection, term_id: str, entries: Entries, units: bool) -> dict[int, tuple]:
    """Index into `entries` → the ledger row it clashes with: the same ID and course already
    there, or the same ID under another unit or name; for a programme row (not `units`),
    first the staff list's row that writes the ID with another name (its course None). One
    set-based query each, not one per row."""
    if not len(entries):
        return {}
    con.execute("CREATE TEMP TABLE IF NOT EXISTS _new(k INTEGER PRIMARY KEY, id TEXT, course TEXT, unit TEXT, name TEXT)")
    con.execute("DELETE FROM _new")
    con.executemany("INSERT INTO _new VALUES (?,?,?,?,?)",
                    zip(range(len(entries)), *(entries.column(c).tolist() for c in ("id", "course_id", "unit", "name"))))
    hits: dict[int, tuple] = {}
    if not units:  # a programme row: the term's staff list (教师名册) writes the teacher's name
        for k, *hit in con.execute(
                """SELECT n.k, s.unit, s.name, NULL, f.name, s.sheet, s.row
                   FROM _new n CROSS JOIN staff s ON s.term = ? AND s.id_number = n.id JOIN files f USING (file_id)
                   WHERE f.active = 1 AND s.name <> n.name ORDER BY n.k, f.name, s.sheet, s.row""", (term_id,)):
            hits.setdefault(k, tuple(hit))
    # CROSS JOIN keeps _new as the outer loop, so each new row is one index lookup in entries
    for k, *hit in con.execute(
            """SELECT n.k, e.unit, e.name, e.course_id, f.name, e.sheet, e.row
               FROM _new n CROSS JOIN entries e ON e.term = ? AND e.id_number = n.id JOIN files f USING (file_id)
               WHERE e.course_id = n.course OR (? AND e.unit <> n.unit) OR e.name <> n.name
               ORDER BY n.k, f.name, e.sheet, e.row""", (term_id, int(units))):
        hits.setdefault(k, tuple(hit))
    return hits
