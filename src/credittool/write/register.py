"""Build the term's certificate register and rejects list from the ledger, and write them."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from credittool.resolve import missing
from credittool.score.certify import CourseResult, stamp
from credittool.rules.loader import TermRules
from credittool.write.rejects import build_rejects
from credittool.write.xlsxout import SheetSpec, write_xlsx

REGISTER_COLUMNS = ["学期", "单位", "姓名", "身份证号", "学科", "培训类型", "课程", "必修/选修", "综合成绩",
                    "结果", "学时", "学分", "原因", "来源文件", "工作表", "行号"]
SUMMARY_COLUMNS = ["学期", "单位", "姓名", "身份证号", "培训类型", "合计学时", "合计学分", "验印", "原因"]
SHEET_ROW_LIMIT = 1_048_576  # rows in one Excel sheet, the header included
_ZERO = Decimal(0)
TRACK_ORDER = ("text", "online", "kindergarten")  # 文本, 网联, 幼儿: the order of the seed's annexes


def rules_rows(term: TermRules) -> tuple[list[tuple], list[tuple]]:
    """The term's rows of the ledger's `courses` (term, id, name, hours, position) and
    `track_courses` (term, track, track name, course id, required, position) tables, which
    the register joins. A course id in several tracks takes its first track's name."""
    courses: dict[str, tuple] = {}
    for _, rs in sorted(term.by_track.items(), key=lambda kv: TRACK_ORDER.index(kv[0])):
        for c in rs.courses:
            courses.setdefault(c.id, (term.term_id, c.id, c.name, float(c.hours), len(courses)))
    tracks = [(term.term_id, t, rs.track.name, c.id, int(c.required), i)
              for t, rs in term.by_track.items() for i, c in enumerate(rs.courses)]
    return list(courses.values()), tracks


def publisher_key(term_id: str) -> str:
    """The ledger's `meta` key of the term's publisher (rules `publisher.issuer`), for `report`."""
    return f"publisher:{term_id}"


def rules_meta(term: TermRules) -> list[tuple[str, str]]:
    return [(publisher_key(term.term_id), term.publisher)] if term.publisher else []


@dataclass
class RegisterStats:
    teachers: int
    entries: int
    passed: int
    stamped: int
    parts: int = 0  # register-1.xlsx … register-N.xlsx, when 证书登记表 is past one sheet
    early: bool = False  # the parts came from earlyparts (written during the commit)
    warnings: list[str] = field(default_factory=list)  # for the screen (missing.warnings)


# Per teacher: the sums, and what R9 is decided from, one (course, passed, reason) triple per
# course as JSON (any text round-trips, unlike a separator). A passed course's reason never
# reaches the stamp, so it is left out: teachers who passed the same courses share a pattern.
# A teacher has one unit and name in a term (ingest rejects an ID under another); MIN() picks
# the value deterministically, as it does the track.
_STAMP_INPUTS = """
    SELECT e.id_number, MIN(e.unit), MIN(e.name), MIN(e.track), SUM(e.hours), SUM(e.credits),
           json_group_array(json_array(e.course_id, e.passed, CASE e.passed WHEN 1 THEN '' ELSE e.reason END))
    FROM entries e JOIN files f USING (file_id) WHERE e.term = ? AND f.active = 1
    GROUP BY e.id_number"""


def refresh_stamps(con: sqlite3.Connection, term: TermRules) -> None:
    """Recompute every teacher's stamp (R9) of the term from the ledger's entries. Call it
    inside the transaction that changed the entries, so the two never disagree; `report`
    reads the stamps from the ledger and so needs no rules files. SQL sums each teacher's
    entries; `certify.stamp` runs once per distinct pattern of results, not once per teacher."""
    outcome = _stamp_memo(term)
    absent = missing.absences(con, term.term_id)

    def rows() -> Iterator[tuple]:
        for ident, unit, name, track, hours, credits, pattern in con.execute(_stamp_inputs(con, term.term_id),
                                                                             (term.term_id,)):
            stamped, reasons = outcome(track, pattern, absent.get(ident))
            yield term.term_id, ident, unit, name, track, stamped, _sum_value(hours), _sum_value(credits), reasons

    con.execute("DELETE FROM stamps WHERE term=?", (term.term_id,))
    con.executemany("INSERT INTO stamps VALUES (?,?,?,?,?,?,?,?,?)", rows())


def _stamp_inputs(con: sqlite3.Connection, term_id: str) -> str:
    """`_STAMP_INPUTS`, read the faster way. By the unique index (term, id_number, …) each
    row is a random read of the table; when the term is most of the ledger, reading the table
    in order and sorting is twice as fast (a province: 6 s instead of 13). `+e.term` keeps
    SQLite off the index. Either way the same groups come out; only the order of a
    pattern's items may differ, which `certify.stamp` ignores (see `_stamp_memo`)."""
    (term_rows,) = con.execute("SELECT COUNT(*) FROM entries WHERE term = ?", (term_id,)).fetchone()
    (all_rows,) = con.execute("SELECT COUNT(*) FROM entries").fetchone()
    return _STAMP_INPUTS.replace("WHERE e.term = ?", "WHERE +e.term = ?") if 2 * term_rows > all_rows \
        else _STAMP_INPUTS


def _sum_value(total: float) -> float:
    """A SQL sum of REAL hours as the exact decimal sum would store it. Hours and credits are
    given to a few decimal places (R1), but a float sum drifts (1.2 + 1.2 + 1.2 is
    3.5999999999999996); rounding to 6 places lands on the float nearest the exact decimal
    sum, which is what summing Decimals and storing float() gave."""
    return round(total, 6)


def _stamp_memo(term: TermRules) -> Callable[..., tuple[int, str]]:
    """(track, pattern[, absent]) → (stamped, reasons), computed by `certify.stamp` (the one
    home of R9) once per distinct pattern (and for each teacher whose absences name rows). SQLite 3.40 has no ORDER BY inside an aggregate, so a pattern's
    order is unspecified; that is harmless: `stamp` takes the results as a set (keyed by
    course, reasons in the rules' order), so the same results in another order give the same
    stamp, at worst from a second call."""
    memo: dict[tuple[str, str], tuple[int, str]] = {}

    def compute(track: str, pattern: str, absent: missing.Absent | None) -> tuple[int, str]:
        st = stamp(track, [CourseResult(cid, bool(ok), reason, _ZERO, _ZERO)
                           for cid, ok, reason in json.loads(pattern)], term, absent)
        return int(st.stamped), "；".join(st.reasons)

    def outcome(track: str, pattern: str, absent: missing.Absent | None = None) -> tuple[int, str]:
        if absent:  # reasons that name this teacher's own rows: not shared
            return compute(track, pattern, absent)
        if (track, pattern) not in memo:
            memo[track, pattern] = compute(track, pattern, None)
        return memo[track, pattern]

    return outcome


_REGISTER_FROM = """
    FROM entries e JOIN files f USING (file_id) JOIN terms t ON t.term = e.term
         JOIN courses c ON c.term = e.term AND c.course_id = e.course_id
         JOIN track_courses tc ON tc.term = e.term AND tc.track = e.track AND tc.course_id = e.course_id
    WHERE e.term = ? AND f.active = 1"""
_REGISTER_ROWS = """
    SELECT t.name, e.unit, e.name, e.id_number, e.subject, tc.track_name, c.name,
           CASE tc.required WHEN 1 THEN '必修' ELSE '选修' END, CAST(e.composite AS REAL),
           CASE e.passed WHEN 1 THEN '合格' ELSE '不合格' END, e.hours, e.credits, e.reason,
           f.name, e.sheet, e.row""" + _REGISTER_FROM + """ AND e.unit BETWEEN ? AND ?
    ORDER BY e.unit, e.id_number, tc.position, e.course_id LIMIT ? OFFSET ?"""
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


@dataclass(frozen=True)
class Slice:
    """Rows `offset` … `offset + count` (in register order) of the units first … last."""
    first: str
    last: str
    offset: int
    count: int


def sheet_slices(units: Sequence[tuple[str, int]], capacity: int) -> list[Slice]:
    """Pack units (in order, with their row counts) into sheets of at most `capacity` rows,
    each unit whole; a unit longer than a sheet alone is split mid-unit, never truncated."""
    slices: list[Slice] = []
    current: Slice | None = None  # the sheet being filled
    for unit, n in units:
        if current is not None and current.count + n > capacity:
            slices.append(current)
            current = None
        done = 0
        while n - done > capacity:  # only a unit bigger than a whole sheet
            slices.append(Slice(unit, unit, done, capacity))
            done += capacity
        current = Slice(unit, unit, done, n - done) if current is None \
            else Slice(current.first, unit, current.offset, current.count + n)
    return slices + ([current] if current is not None else [])


@dataclass(frozen=True)
class PlannedSheet:
    title: str
    table: str  # "register" or "summary"
    part: Slice | None  # None: the table is empty
    rows: int  # the rows the ledger had in the part's units when it was planned


@dataclass
class _Plan:
    register: list[PlannedSheet]
    summary: list[PlannedSheet]
    stats: RegisterStats


_TABLES = {"register": (REGISTER_COLUMNS, _REGISTER_ROWS, _REGISTER_FROM),
           "summary": (SUMMARY_COLUMNS, _SUMMARY_ROWS, _SUMMARY_FROM)}


def table_spec(title: str, table: str, rows: Iterable[Sequence[Any]], term_name: str,
               reasons: Iterable[str | None] | None = None) -> SheetSpec:
    """The sheet of the register ("register": 证书登记表) or of 学分汇总 ("summary"), as it
    shows and prints. The printout leaves out 学期 (it is in the footer's title) and the
    source columns (for the clerk on screen), so that a page is one page wide at ≥ 9 pt:
    landscape, 学分汇总 portrait with its long reasons wrapped (`reasons`: that
    column again, for the row heights)."""
    if table == "register":
        return SheetSpec(title, REGISTER_COLUMNS, rows, widths={"培训类型": 6, "必修/选修": 6, "综合成绩": 6,
                                                                 "学时": 5, "学分": 5, "原因": 24},
                         formats={"综合成绩": "0.0"}, wrap_header=True, landscape=True,
                         print_columns=("单位", "原因"), print_title=f"{title}　{term_name}")
    return SheetSpec(title, SUMMARY_COLUMNS, rows, widths={"培训类型": 6, "合计学时": 6, "合计学分": 6, "原因": 40},
                     wrap=("原因",), wrap_values=reasons, wrap_header=True, print_columns=("单位", "原因"), print_title=f"{title}　{term_name}")


def _plan(con: sqlite3.Connection, term_id: str) -> _Plan:
    reg_units = con.execute(_REGISTER_UNITS, (term_id,)).fetchall()
    sum_units = con.execute(_SUMMARY_UNITS, (term_id,)).fetchall()
    stats = RegisterStats(sum(n for _, n, _ in sum_units), sum(n for _, n, _ in reg_units),
                          sum(k for _, _, k in reg_units), sum(k for _, _, k in sum_units))
    return _Plan(table_sheets("证书登记表", "register", reg_units), table_sheets("学分汇总", "summary", sum_units),
                 stats)


def table_sheets(title: str, table: str, units: Sequence[tuple[str, int, int]]) -> list[PlannedSheet]:
    """One sheet named `title`, or `title`1, 2, … when the rows do not fit in one."""
    counts = dict((u, n) for u, n, _ in units)
    slices = sheet_slices([(u, n) for u, n, _ in units], SHEET_ROW_LIMIT - 1)  # 1: the header row
    if not slices:
        return [PlannedSheet(title, table, None, 0)]
    names = [title] if len(slices) == 1 else [f"{title}{i}" for i in range(1, len(slices) + 1)]
    return [PlannedSheet(name, table, s, sum(n for u, n in counts.items() if s.first <= u <= s.last))
            for name, s in zip(names, slices)]


def _spec(con: sqlite3.Connection, term_id: str, sheet: PlannedSheet) -> SheetSpec:
    _, sql, _ = _TABLES[sheet.table]
    s = sheet.part
    rows = [] if s is None else con.execute(sql, (term_id, s.first, s.last, s.count, s.offset))
    (term_name,) = con.execute("SELECT name FROM terms WHERE term=?", (term_id,)).fetchone()
    reasons = None
    if sheet.table == "summary":  # one narrow column read twice, not the sheet held in memory
        reasons = [] if s is None else (r for (r,) in con.execute(
            _SUMMARY_REASONS, (term_id, s.first, s.last, s.count, s.offset)))
    return table_spec(sheet.title, sheet.table, rows, term_name, reasons)


class _Moved(Exception):
    """The ledger changed between planning the register and reading a part of it."""


def _write_part(ledger: str, term_id: str, target: Path, sheets: list[PlannedSheet]) -> None:
    """Write one file of a split register from a connection of its own (a worker process),
    after checking that the ledger still holds what the part was planned from."""
    con = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=60, isolation_level=None)
    try:
        con.execute("BEGIN")
        for sheet in sheets:
            if sheet.part is not None:
                _, _, frm = _TABLES[sheet.table]
                unit = "e.unit" if sheet.table == "register" else "s.unit"
                (n,) = con.execute(f"SELECT COUNT(*) {frm} AND {unit} BETWEEN ? AND ?",
                                   (term_id, sheet.part.first, sheet.part.last)).fetchone()
                if n != sheet.rows:
                    raise _Moved(target.name)
        write_xlsx(target, [_spec(con, term_id, sheet) for sheet in sheets])
        con.execute("COMMIT")
    finally:
        con.close()


class StagedParts(Protocol):
    """Register parts written ahead of `write_outputs` (write/earlyparts.py's EarlyParts):
    the files they were written from, how they were cut, and the written files."""

    files: frozenset[int] | None

    def plan(self) -> list[tuple[Slice, int]] | None: ...

    def wait(self) -> list[Path] | None: ...


def write_outputs(con: sqlite3.Connection, term: TermRules, out_dir: Path,
                  early: StagedParts | None = None) -> RegisterStats:
    """register.xlsx (证书登记表 and 学分汇总) and rejects.xlsx. A register too long for one
    sheet goes to register-1.xlsx, register-2.xlsx, … (证书登记表, whole units each), with
    学分汇总 staying in register.xlsx; those files are written side by side on both cores,
    or taken from `early` (earlyparts.py) when it wrote them from what the ledger now holds."""
    staged: list[Path] | None = None
    with _snapshot(con):  # the sheets' row counts and their rows, from one state of the ledger
        plan = _plan(con, term.term_id)
        if len(plan.register) == 1:
            write_xlsx(out_dir / "register.xlsx",
                       [_spec(con, term.term_id, sheet) for sheet in plan.register + plan.summary])
        elif early is not None and _early_fits(con, term.term_id, plan, early):
            write_xlsx(out_dir / "register.xlsx", [_spec(con, term.term_id, sheet) for sheet in plan.summary])
            staged = early.wait()
    if staged is not None:
        for i, path in enumerate(staged, 1):
            os.replace(path, out_dir / f"register-{i}.xlsx")
    elif len(plan.register) > 1:
        parts = [(out_dir / "register.xlsx", plan.summary)]
        parts += [(out_dir / f"register-{i}.xlsx", [PlannedSheet("证书登记表", "register", sh.part, sh.rows)])
                  for i, sh in enumerate(plan.register, 1)]
        if not _write_parts(con, term.term_id, parts):
            return write_outputs(con, term, out_dir)  # another ingest committed meanwhile: plan again
    plan.stats.parts = len(plan.register) if len(plan.register) > 1 else 0
    plan.stats.early = staged is not None
    _remove_stale_parts(out_dir, plan.stats.parts)
    write_xlsx(out_dir / "rejects.xlsx", build_rejects(con, term.term_id))
    plan.stats.warnings = missing.warnings(con, term.term_id)
    return plan.stats


def _early_fits(con: sqlite3.Connection, term_id: str, plan: _Plan, early: StagedParts) -> bool:
    """Whether the early parts are this register's: the ledger holds the run's files and no
    other of the term, and the helper planned the same parts."""
    if early.files is None:
        return False
    active = frozenset(fid for (fid,) in con.execute("SELECT file_id FROM files WHERE term=? AND active=1",
                                                     (term_id,)))
    return active == early.files and early.plan() == [(s.part, s.rows) for s in plan.register]


def _write_parts(con: sqlite3.Connection, term_id: str, parts: list[tuple[Path, list[PlannedSheet]]]) -> bool:
    """Write each part in a worker process (fork: nothing to import). False if the ledger
    moved under a part; a crashed worker's exception propagates."""
    import gc
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ledger = con.execute("PRAGMA database_list").fetchone()[2]
    gc.freeze()  # the parent's objects stay shared with the workers, not copied page by page
    try:
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        from credittool.owners import die_with_parent

        # a killed run's part writers go with it, not wait on their queue forever
        with ProcessPoolExecutor(2, mp_context=ctx, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            futures = [pool.submit(_write_part, ledger, term_id, path, sheets) for path, sheets in parts]
            try:
                for f in futures:
                    f.result()
            except _Moved:
                return False
    finally:
        gc.unfreeze()
    return True


def _remove_stale_parts(out_dir: Path, keep: int) -> None:
    """register-N.xlsx left by an earlier, longer register."""
    for p in out_dir.glob("register-*.xlsx"):
        n = p.stem.removeprefix("register-")
        if n.isdigit() and int(n) > keep:
            p.unlink()


@contextmanager
def _snapshot(con: sqlite3.Connection) -> Iterator[None]:
    """A read transaction (WAL: other ingests still commit meanwhile). Without it a commit
    between counting a unit's rows and reading them would move rows past a sheet's LIMIT."""
    if con.in_transaction:
        yield
        return
    con.execute("BEGIN")
    try:
        yield
    finally:
        con.execute("COMMIT")
