"""`credittool ingest` as a library call: files → ledger → register (STYLE principle 1)."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from credittool.write import earlyparts

from credittool.resolve import missing
from credittool.extract.cells import Vocabulary
from credittool.diagnostics import Problem, Skipped
from credittool.errors import NothingToDo, RulesInvalid, UsageError
from credittool.extract.rows import FileResult
from credittool.read.limits import FileLimits
from credittool.extract.workers import extract_many
from credittool.ledger.filerecords import record_files
from credittool.ledger.db import bulk_entries, bump_generation, connect, known_files, transaction
from credittool.read.inputs import collect_inputs
from credittool.write.outputs import write_outputs
from credittool.write.register import RegisterStats, refresh_stamps, rules_meta, rules_rows
from credittool.resolve.run import Entries, Resolution, resolve
from credittool.rules.loader import RuleBook, TermRules, load_rules
from credittool.ledger.spotscores import REJECT_CODES, SpotCounts, SpotRun
from credittool.stages import Clock, Progress

LEDGER_NAME = "ledger.sqlite"


@dataclass
class FileSummary:
    name: str
    status: str  # 新导入 / 未改动 / 替换 / 无法读取 / 重复 (the same bytes as another file of this run)
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    spot: SpotCounts | None = None  # a filled-in 抽测名单: its spot-test scores
    problem: Problem | None = None  # why it could not be read (status 无法读取)


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

    @property
    def unreadable(self) -> list[FileSummary]:
        """The files that need a look: they could not be read, and are read again next run."""
        return [f for f in self.files if f.status == "无法读取"]


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
           course: str | None = None, on_file: Callable[[str], None] | None = None,
           limits: FileLimits = FileLimits(), on_progress: Progress | None = None) -> IngestReport:
    """Ingest school spreadsheets into the ledger and rebuild the term's register.

    `on_progress(stage, done, total)` hears each file read ("read") and the start of each
    later stage ("resolve", "commit", "write"; done = total = 0), then "done".
    Raises RulesInvalid (bad rules), UsageError (bad arguments), NothingToDo (no usable file).
    """
    clock = Clock(on_progress)
    term_rules = load_term(rules, term)
    vocab = vocabulary(term_rules)
    out_dir = workspace / "out" / term_rules.term_id
    files = collect_inputs(paths, exclude=workspace / "out")
    if not files:
        raise NothingToDo("没有找到可导入的表格文件", "支持 .xlsx .xls .ods .csv；检查路径")
    con = connect(workspace / LEDGER_NAME)
    try:
        known = known_files(con, term_rules.term_id)
        first_load = not con.execute("SELECT 1 FROM entries WHERE term = ? LIMIT 1", (term_rules.term_id,)).fetchone()
    finally:
        con.close()  # reopened for the commit: no connection is open while workers fork
    summaries: dict[str, FileSummary] = {}
    labels = _display_names(files)
    clock.lap("prepare")
    fresh = _triage(extract_many([(f, labels[f]) for f in files], term_rules, vocab, course,
                                 clock.reading(on_file, len(files)), frozenset(known), limits), summaries)
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


def _triage(results: list[FileResult], summaries: dict[str, FileSummary]) -> list[tuple[FileResult, str]]:
    """The files this run brings: not those the ledger has (未改动), nor a second copy of
    a file of this run (重复; if its bytes could not be read, both copies need a look)."""
    fresh: list[tuple[FileResult, str]] = []
    first: dict[str, str] = {}  # sha256 → the name of the run's first file with these bytes
    for fr in results:
        if fr.known:
            summaries[fr.name] = FileSummary(fr.name, "未改动")
        elif fr.sha256 in first:
            summaries[fr.name] = FileSummary(fr.name, "重复", notes=[f"与「{first[fr.sha256]}」内容相同，只计一次"]) \
                if fr.error is None else FileSummary(fr.name, "无法读取", problem=fr.error)
        else:
            first[fr.sha256] = fr.name
            fresh.append((fr, fr.sha256))
    return fresh


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
    spot_run = SpotRun(res.spot)
    by_file_rejects: dict[str, list[Problem]] = defaultdict(list)
    for p in res.rejects:
        by_file_rejects[p.file].append(p)
    by_file_refused = missing.by_file(res.rejected_rows)
    by_file_skipped: dict[str, list[Skipped]] = defaultdict(list)
    for s in res.skipped:
        by_file_skipped[s.file].append(s)
    late: list[Problem] = []
    with transaction(con):
        _commit_rules(con, term)
        prior_entries = con.execute("SELECT 1 FROM entries WHERE term=? LIMIT 1", (term_id,)).fetchone() is not None
        spot_run.snapshot(con, term_id)  # before record_files retires replaced files' scores
        rec = record_files(con, term_id, fresh, now)
        fids, retired, replaced_total = rec.fids, rec.retired, rec.replaced
        for name in rec.unchanged:
            summaries[name] = FileSummary(name, "未改动")
        file_rejects = {fr.name: [fr.error] if fr.error is not None else fr.rejects + by_file_rejects[fr.name]
                        for fr, _ in fresh if fr.name in fids}
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
            fr_skipped = fr.skipped + by_file_skipped[fr.name]
            spot = spot_run.commit(con, term_id, fid, fr, fr_skipped, fr_rejects)
            con.executemany("INSERT INTO rejects VALUES (?,?,?,?,?,?,?,?)",
                            [(fid, p.sheet, p.row, p.column, p.value, p.code, p.message, p.hint) for p in fr_rejects])
            con.executemany("INSERT INTO skipped VALUES (?,?,?,?)", [(fid, s.sheet, s.row, s.reason) for s in fr_skipped])
            missing.store(con, fid, fr.rejected_rows + by_file_refused[fr.name], fr_rejects, fr.unimported)
            late += [p for p in fr_rejects if p.code in _LATE_CODES]
            rejected_rows = {(p.sheet, p.row) for p in fr_rejects if p.row is not None}
            s = FileSummary(fr.name, "无法读取" if fr.error else ("替换" if retired[fr.name] else "新导入"),
                            fr.rows_read, int(accepted.get(fid, 0)) + (spot.kept if spot else 0), len(rejected_rows),
                            len(fr_skipped), spot=spot, problem=fr.error)
            if fr.error is None and s.rows_read != s.accepted + s.rejected + s.skipped:
                raise AssertionError(f"conservation broken for {fr.name}: read {s.rows_read} != accepted {s.accepted}"
                                     f" + rejected {s.rejected} + skipped {s.skipped}")
            con.execute("UPDATE files SET accepted=?, rejected=?, skipped=? WHERE file_id=?",
                        (s.accepted, s.rejected, s.skipped, fid))
            summaries[fr.name] = s
        refresh_stamps(con, term)
        bump_generation(con, term_id)
    whole = not prior_entries and len(entries) == len(res.entries) and len(fids) == len(fresh)
    return replaced_total, late, frozenset(fids.values()) if whole else None


# rejects found against the ledger rather than in the files
_LATE_CODES = frozenset({"E-ID-LEDGER"}) | REJECT_CODES


def _commit_rules(con, term: TermRules) -> None:
    """The term's courses and tracks, for `report` (which needs no rules files)."""
    con.execute("INSERT OR REPLACE INTO terms VALUES (?,?)", (term.term_id, term.term_name))
    courses, tracks = rules_rows(term)
    con.executemany("INSERT OR REPLACE INTO courses VALUES (?,?,?,?,?)", courses)
    con.executemany("INSERT OR REPLACE INTO track_courses VALUES (?,?,?,?,?,?)", tracks)
    con.executemany("INSERT OR REPLACE INTO meta VALUES (?,?)", rules_meta(term))


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
