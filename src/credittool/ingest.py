"""`credittool ingest` as a library call: files → ledger → register (STYLE principle 1)."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from credittool import earlyparts, missing
from credittool.cells import Vocabulary
from credittool.diagnostics import Problem, Skipped
from credittool.errors import NothingToDo, RulesInvalid, UsageError
from credittool.extract import FileResult, Record
from credittool.workers import extract_many
from credittool.ledger import bulk_entries, connect, transaction
from credittool.readers import SUFFIXES
from credittool.register import RegisterStats, refresh_stamps, rules_rows, write_outputs
from credittool.resolve import Entries, Resolution, resolve
from credittool.rules.loader import RuleBook, TermRules, load_rules

LEDGER_NAME = "ledger.sqlite"


@dataclass
class FileSummary:
    name: str
    status: str  # 新导入 / 未改动 / 替换 / 无法读取
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    term_id: str
    term_name: str
    out_dir: Path
    files: list[FileSummary]
    rejects: list[Problem]
    stats: RegisterStats
    replaced: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # phase → wall seconds (bench/ prints them)

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def nothing_ingested(self) -> bool:
        """No row accepted and no file already in the ledger: the run achieved nothing."""
        return self.accepted == 0 and not any(f.status == "未改动" for f in self.files)


def collect_inputs(paths: list[Path], exclude: Path | None = None) -> list[Path]:
    """Input files under `paths`, sorted, without Office lock files (~$x.xlsx) or our own outputs."""
    found: list[Path] = []
    for p in paths:
        if not p.exists():
            raise UsageError(f"找不到输入：{p}", "检查路径拼写")
        if not p.is_dir():
            found.append(p)  # named explicitly: taken as is (even our own sample.xlsx)
            continue
        for f in sorted(p.rglob("*")):
            if not f.is_file() or f.name.startswith(("~$", ".")) or f.suffix.lower() not in SUFFIXES:
                continue
            if exclude is not None and exclude.resolve() in f.resolve().parents:
                continue  # our own outputs inside a folder being ingested
            found.append(f)
    return found


def choose_term(book: RuleBook, term: str | None) -> TermRules:
    if term is not None:
        if term not in book.terms:
            raise UsageError(f"规则中没有学期 {term}", "可选学期：" + "、".join(sorted(book.terms)))
        return book.terms[term]
    if len(book.terms) == 1:
        return next(iter(book.terms.values()))
    raise UsageError("规则文件涉及多个学期：" + "、".join(sorted(book.terms)), "用 --term 指定学期，例如 --term "
                     + sorted(book.terms)[0])


def vocabulary(term: TermRules) -> Vocabulary:
    return Vocabulary(term.status, term.yes, term.no)


def load_term(rules: list[Path], term: str | None) -> TermRules:
    book = load_rules(rules)
    if not book.ok:
        raise RulesInvalid(book.problems)
    return choose_term(book, term)


def ingest(paths: list[Path], *, rules: list[Path], workspace: Path, term: str | None = None,
           course: str | None = None, on_file: Callable[[str], None] | None = None) -> IngestReport:
    """Ingest school spreadsheets into the ledger and rebuild the term's register.

    Raises RulesInvalid (bad rules), UsageError (bad arguments), NothingToDo (no usable file).
    """
    clock = _Clock()
    term_rules = load_term(rules, term)
    vocab = vocabulary(term_rules)
    out_dir = workspace / "out" / term_rules.term_id
    files = collect_inputs(paths, exclude=workspace / "out")
    if not files:
        raise NothingToDo("没有找到可导入的表格文件", "支持 .xlsx .xls .ods .csv；检查路径")
    con = connect(workspace / LEDGER_NAME)
    try:
        known = {sha for (sha,) in con.execute("SELECT sha256 FROM files WHERE term = ? AND active = 1",
                                               (term_rules.term_id,))}
        first_load = not con.execute("SELECT 1 FROM entries WHERE term = ? LIMIT 1", (term_rules.term_id,)).fetchone()
    finally:
        con.close()  # reopened for the commit: no connection is open while workers fork
    summaries: dict[str, FileSummary] = {}
    labels = _display_names(files)
    clock.lap("prepare")
    fresh: list[tuple[FileResult, str]] = []
    for fr in extract_many([(f, labels[f]) for f in files], term_rules, vocab, course, on_file, frozenset(known)):
        if fr.known or fr.sha256 in known:  # in the ledger, or the same bytes twice in this run: count once
            summaries[fr.name] = FileSummary(fr.name, "未改动")
            continue
        known.add(fr.sha256)
        fresh.append((fr, fr.sha256))
    clock.lap("extract")
    res = resolve([fr for fr, _ in fresh], term_rules)
    clock.lap("resolve")
    # a province's first load: the register's parts are written during the commit
    early = earlyparts.start(res.entries, term_rules, out_dir) if first_load else None
    try:
        con = connect(workspace / LEDGER_NAME)
        try:
            replaced, late_rejects, whole = _commit(con, term_rules, fresh, res, summaries)
            if early is not None:
                early.confirm(whole)
            res.entries = None  # in the ledger now: free the run's rows before the register is written
            clock.lap("commit")
            for fr, _ in fresh:
                summaries[fr.name].notes.extend(fr.notes)
            for fname, note in res.notes:
                summaries[fname].notes.append(note)
            stats = write_outputs(con, term_rules, out_dir, early)
            clock.lap("write")
        finally:
            con.close()
    finally:
        if early is not None:
            early.close()
    all_rejects = [p for fr, _ in fresh for p in fr.rejects] + res.rejects + late_rejects
    all_rejects += [fr.error for fr, _ in fresh if fr.error is not None]
    return IngestReport(term_rules.term_id, term_rules.term_name, out_dir,
                        [summaries[labels[f]] for f in files], all_rejects, stats, replaced, clock.laps)


class _Clock:
    """Wall time per phase."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.t = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.laps[phase] = now - self.t
        self.t = now


def _display_names(files: list[Path]) -> dict[Path, str]:
    """Short names for messages: the file name, or a relative path where names repeat."""
    counts = Counter(f.name for f in files)
    if all(c == 1 for c in counts.values()):
        return {f: f.name for f in files}
    base = Path(os.path.commonpath([f.resolve().parent for f in files]))
    return {f: str(f.resolve().relative_to(base)) for f in files}


def _commit(con, term: TermRules, fresh: list[tuple[FileResult, str]], res: Resolution,
            summaries: dict[str, FileSummary]) -> tuple[int, list[Problem], frozenset[int] | None]:
    """Write one run in one transaction, set-based: one INSERT per table for the whole run.
    Returns the number of ledger rows replaced, the rows rejected against the ledger (an
    ID already there, a spot score for someone not drawn), and, when the term had no
    entries before and every entry of the run went in, the run's file ids (the register
    is then the run's entries: see earlyparts.py)."""
    term_id = term.term_id
    now = dt.datetime.now().isoformat(timespec="seconds")
    by_file_spot: dict[str, list[Record]] = defaultdict(list)
    for r in res.spot:
        by_file_spot[r.file].append(r)
    by_file_rejects: dict[str, list[Problem]] = defaultdict(list)
    for p in res.rejects:
        by_file_rejects[p.file].append(p)
    by_file_refused = missing.by_file(res.rejected_rows)
    by_file_skipped: dict[str, list[Skipped]] = defaultdict(list)
    for s in res.skipped:
        by_file_skipped[s.file].append(s)
    late: list[Problem] = []
    replaced_total = 0
    with transaction(con):
        _commit_rules(con, term)
        prior_entries = con.execute("SELECT 1 FROM entries WHERE term=? LIMIT 1", (term_id,)).fetchone() is not None
        active = {}
        for fid, name, sha in con.execute("SELECT file_id, name, sha256 FROM files WHERE term=? AND active=1",
                                          (term_id,)):
            active.setdefault(name, []).append(fid)
            active.setdefault(("sha", sha), []).append(fid)
        fids: dict[str, int] = {}  # file name → its new file_id
        retired: dict[str, list[int]] = {}  # file name → the same-name files it replaces
        file_rejects: dict[str, list[Problem]] = {}
        for fr, sha in fresh:
            # a concurrent run may have committed the same bytes while we were reading
            if ("sha", sha) in active:
                summaries[fr.name] = FileSummary(fr.name, "未改动")
                continue
            cur = con.execute(
                "INSERT INTO files(term, sha256, name, path, ingested_at, rows_read, accepted, rejected, skipped)"
                " VALUES (?,?,?,?,?,?,?,?,?)", (term_id, sha, fr.name, str(fr.path), now, fr.rows_read, 0, 0, 0))
            fids[fr.name] = cur.lastrowid
            retired[fr.name] = active.get(fr.name, [])
            file_rejects[fr.name] = [fr.error] if fr.error is not None else fr.rejects + by_file_rejects[fr.name]
        # the same file name for the term: the school sent a corrected file; retire the old one
        for name, olds in retired.items():
            for old_id in olds:
                for unit, cid, k in con.execute("SELECT unit, course_id, COUNT(*) FROM entries WHERE file_id=?"
                                                " GROUP BY unit, course_id", (old_id,)).fetchall():
                    con.execute("INSERT INTO replacements VALUES (?,?,?,?,?,?,?)",
                                (term_id, unit, cid, old_id, fids[name], k, now))
                    replaced_total += k
                con.execute("DELETE FROM entries WHERE file_id=?", (old_id,))
                con.execute("DELETE FROM spot_scores WHERE file_id=?", (old_id,))
                con.execute("UPDATE files SET active=0 WHERE file_id=?", (old_id,))
        entries = res.entries
        sheets = entries.table.sheets
        sheet_fid = np.array([fids.get(s.file, -1) for s in sheets], dtype=np.int64)
        entry_fid = sheet_fid[entries.sheet] if len(entries) else np.zeros(0, np.int64)
        entries = entries.take(entry_fid >= 0)  # files another run committed meanwhile are out
        entry_fid = entry_fid[entry_fid >= 0]
        if prior_entries:
            renamed = np.array([fid for name, fid in fids.items() if not retired[name]], dtype=np.int64)
            replaced_total += _replace_units(con, term_id, entries.take(np.isin(entry_fid, renamed)),
                                             entry_fid[np.isin(entry_fid, renamed)], now)
            entries, entry_fid = _drop_ledger_conflicts(con, term_id, entries, entry_fid, file_rejects)
        with bulk_entries(con, len(entries)):
            _insert_entries(con, term_id, entries, entry_fid)
        accepted = dict(zip(*np.unique(entry_fid, return_counts=True))) if len(entry_fid) else {}
        for fr, _ in fresh:
            if fr.name not in fids:
                continue
            fid = fids[fr.name]
            fr_rejects = file_rejects[fr.name]
            spot_kept = _commit_spot(con, term_id, fid, by_file_spot.get(fr.name, []), fr_rejects)
            fr_skipped = fr.skipped + by_file_skipped[fr.name]
            con.executemany("INSERT INTO rejects VALUES (?,?,?,?,?,?,?,?)",
                            [(fid, p.sheet, p.row, p.column, p.value, p.code, p.message, p.hint) for p in fr_rejects])
            con.executemany("INSERT INTO skipped VALUES (?,?,?,?)", [(fid, s.sheet, s.row, s.reason) for s in fr_skipped])
            missing.store(con, fid, fr.rejected_rows + by_file_refused[fr.name], fr_rejects, fr.unimported)
            late += [p for p in fr_rejects if p.code in _LATE_CODES]
            rejected_rows = {(p.sheet, p.row) for p in fr_rejects if p.row is not None}
            s = FileSummary(fr.name, "无法读取" if fr.error else ("替换" if retired[fr.name] else "新导入"),
                            fr.rows_read, int(accepted.get(fid, 0)) + spot_kept, len(rejected_rows), len(fr_skipped))
            if fr.error is None and s.rows_read != s.accepted + s.rejected + s.skipped:
                raise AssertionError(f"conservation broken for {fr.name}: read {s.rows_read} != accepted {s.accepted}"
                                     f" + rejected {s.rejected} + skipped {s.skipped}")
            con.execute("UPDATE files SET accepted=?, rejected=?, skipped=? WHERE file_id=?",
                        (s.accepted, s.rejected, s.skipped, fid))
            summaries[fr.name] = s
        refresh_stamps(con, term)
    whole = not prior_entries and len(entries) == len(res.entries) and len(fids) == len(fresh)
    return replaced_total, late, frozenset(fids.values()) if whole else None


# rejects found against the ledger rather than in the files
_LATE_CODES = frozenset({"E-ID-LEDGER", "E-SPOT-NO-DRAW", "E-SPOT-NOT-DRAWN", "E-SPOT-NAME"})


def _commit_rules(con, term: TermRules) -> None:
    """The term's courses and tracks, for `report` (which needs no rules files)."""
    con.execute("INSERT OR REPLACE INTO terms VALUES (?,?)", (term.term_id, term.term_name))
    courses, tracks = rules_rows(term)
    con.executemany("INSERT OR REPLACE INTO courses VALUES (?,?,?,?,?)", courses)
    con.executemany("INSERT OR REPLACE INTO track_courses VALUES (?,?,?,?,?,?)", tracks)


def _insert_entries(con, term_id: str, entries: Entries, entry_fid: np.ndarray, chunk: int = 200_000) -> None:
    """All entries of the run, in slices (a province's four million rows as Python tuples
    at once would take gigabytes)."""
    sheet_name = np.array([s.name for s in entries.table.sheets], dtype=object)
    for a in range(0, len(entries), chunk):
        e = entries.take(np.arange(a, min(a + chunk, len(entries))))
        con.executemany(
            "INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            zip(itertools.repeat(term_id), entry_fid[a:a + chunk].tolist(), sheet_name[e.sheet].tolist(),
                e.row.tolist(), *(e.column(c).tolist() for c in ("unit", "name", "id", "subject", "stage")),
                e.track.tolist(), e.column("course_id").tolist(), e.composite.tolist(), e.passed.tolist(),
                e.eligible.tolist(), e.hours.tolist(), e.credits.tolist(), e.reason.tolist(), e.inputs.tolist()))


def _replace_units(con, term_id: str, entries: Entries, entry_fid: np.ndarray, now: str) -> int:
    """A file under a new name for the same unit and course replaces the entries an earlier
    run left (the school renamed its corrected file). `entries` are those of such files only:
    a file that replaced its namesake replaced just that file, and two files of one run for
    one unit (two campuses) are both kept."""
    if not len(entries):
        return 0
    new = pd.DataFrame({"unit": entries.column("unit"), "course": entries.column("course_id"), "fid": entry_fid})
    first_fid = new.drop_duplicates(["unit", "course"]).set_index(["unit", "course"])["fid"].to_dict()
    replaced = 0
    for unit, cid, old_id, k in con.execute(
            "SELECT unit, course_id, file_id, COUNT(*) FROM entries WHERE term=? GROUP BY unit, course_id, file_id"
            " ORDER BY unit, course_id, file_id", (term_id,)).fetchall():
        fid = first_fid.get((unit, cid))
        if fid is None:
            continue
        con.execute("DELETE FROM entries WHERE term=? AND unit=? AND course_id=? AND file_id=?",
                    (term_id, unit, cid, old_id))
        con.execute("INSERT INTO replacements VALUES (?,?,?,?,?,?,?)", (term_id, unit, cid, old_id, int(fid), k, now))
        replaced += k
    return replaced


def _drop_ledger_conflicts(con, term_id: str, entries: Entries, entry_fid: np.ndarray,
                           file_rejects: dict[str, list[Problem]]) -> tuple[Entries, np.ndarray]:
    """An ID already in the ledger from another unit or under another name, or with this
    course already, is a conflict: the new row is rejected, naming the ledger's row."""
    hits = _ledger_conflicts(con, term_id, entries)
    if not hits:
        return entries, entry_fid
    for k, (unit, name, cid, fname, sheet, row) in sorted(hits.items()):
        r = entries.table.record(int(entries.rows[k]))
        what = "同一课程已登记" if (cid, unit, name) == (r.course_id, r.unit, r.name) else f"已登记为「{unit}」的「{name}」"
        file_rejects[r.file].append(
            Problem(r.file, r.sheet, r.row, r.headers.get("id", "身份证号"), r.id, "E-ID-LEDGER",
                    f"该身份证号{what}（{fname}「{sheet}」第{row}行）", "核对身份证号；确属更正请重新导入该校完整文件"))
    keep = np.ones(len(entries), dtype=bool)
    keep[list(hits)] = False
    return entries.take(keep), entry_fid[keep]


def _commit_spot(con, term_id: str, file_id: int, records: list[Record], rejects: list[Problem]) -> int:
    """Spot-test scores (R7, R8) from a filled-in 抽测名单: only for teachers of the term's
    latest draw. A newer score for a teacher replaces the older one. Returns how many landed."""
    if not records:
        return 0
    latest = con.execute("SELECT MAX(draw_id) FROM draws WHERE term=?", (term_id,)).fetchone()[0]
    members = {} if latest is None else {
        i: (u, n) for i, u, n in con.execute("SELECT id_number, unit, name FROM draw_members WHERE draw_id=?",
                                             (latest,))}
    kept = 0
    for r in records:
        col = r.headers.get("id", "身份证号")
        if latest is None:
            rejects.append(Problem(r.file, r.sheet, r.row, col, r.id, "E-SPOT-NO-DRAW", "本学期还没有抽样，不能登记抽测成绩",
                                   "先运行 credittool sample"))
        elif r.id not in members:
            rejects.append(Problem(r.file, r.sheet, r.row, col, r.id, "E-SPOT-NOT-DRAWN",
                                   f"{r.name} 不在第 {latest} 次抽样的名单中，不能登记抽测成绩",
                                   "核对身份证号；只登记被抽中教师的成绩"))
        elif members[r.id][1] != r.name:
            rejects.append(Problem(r.file, r.sheet, r.row, r.headers.get("name", "姓名"), r.name, "E-SPOT-NAME",
                                   f"抽样名单中该身份证号的姓名是 {members[r.id][1]}", "核对姓名与身份证号"))
        else:
            score = r.values.get("spot_score")
            con.execute("DELETE FROM spot_scores WHERE term=? AND id_number=?", (term_id, r.id))
            con.execute("INSERT INTO spot_scores VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (term_id, latest, r.id, members[r.id][0], r.name, None if score is None else str(score),
                         r.statuses.get("spot_score"), file_id, r.sheet, r.row))
            kept += 1
    return kept


def _ledger_conflicts(con, term_id: str, entries: Entries) -> dict[int, tuple]:
    """Index into `entries` → the ledger row it clashes with: the same ID and course already
    there, or the same ID under another unit or name. One set-based query, not one per row."""
    if not len(entries):
        return {}
    con.execute("CREATE TEMP TABLE IF NOT EXISTS _new(k INTEGER PRIMARY KEY, id TEXT, course TEXT, unit TEXT, name TEXT)")
    con.execute("DELETE FROM _new")
    con.executemany("INSERT INTO _new VALUES (?,?,?,?,?)",
                    zip(range(len(entries)), *(entries.column(c).tolist() for c in ("id", "course_id", "unit", "name"))))
    hits: dict[int, tuple] = {}
    # CROSS JOIN keeps _new as the outer loop, so each new row is one index lookup in entries
    for k, *hit in con.execute(
            """SELECT n.k, e.unit, e.name, e.course_id, f.name, e.sheet, e.row
               FROM _new n CROSS JOIN entries e ON e.term = ? AND e.id_number = n.id JOIN files f USING (file_id)
               WHERE e.course_id = n.course OR e.unit <> n.unit OR e.name <> n.name
               ORDER BY n.k, f.name, e.sheet, e.row""", (term_id,)):
        hits.setdefault(k, tuple(hit))
    return hits
