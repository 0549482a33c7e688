"""Build the term's certificate register and rejects list from the ledger, and write them."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TYPE_CHECKING

from credittool.ledger import absences, db, filerecords, registerrows, terms, verdicts
from credittool.write.rejects import build_rejects
from credittool.write.xlsxout import SheetSpec, write_xlsx

if TYPE_CHECKING:  # annotations only: the report's imports stay light
    from credittool.rules.loader import TermRules

REGISTER_COLUMNS = ["学期", "单位", "姓名", "身份证号", "学科", "培训类型", "课程", "必修/选修", "综合成绩",
                    "结果", "学时", "学分", "原因", "来源文件", "工作表", "行号"]
# a programme term's 证书登记表: 类别 for 培训类型, and no 综合成绩
PROGRAMME_HEAD = {"培训类型": "类别"}
SUMMARY_COLUMNS = ["学期", "单位", "姓名", "身份证号", "培训类型", "合计学时", "合计学分", "验印", "原因"]
SHEET_ROW_LIMIT = 1_048_576  # rows in one Excel sheet, the header included


@dataclass
class RegisterStats:
    teachers: int
    entries: int
    passed: int
    stamped: int  # stamped (R9), or, where `standards`, 达标 for the year (R12–R17)
    standards: bool = False  # a programme term: 学分汇总 is the year's verdicts
    parts: int = 0  # register-1.xlsx … register-N.xlsx, when 证书登记表 is past one sheet
    early: bool = False  # the parts came from earlyparts (written during the commit)
    warnings: list[str] = field(default_factory=list)  # for the screen (ledger.absences.warnings)


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


def table_spec(title: str, table: str, rows: Iterable[Sequence[Any]], term_name: str,
               reasons: Iterable[str | None] | None = None, columns: list[str] | None = None) -> SheetSpec:
    """The sheet of the register ("register": 证书登记表) or of 学分汇总 ("summary"), as it
    shows and prints. The printout leaves out 学期 (it is in the footer's title) and the
    source columns (for the clerk on screen), so that a page is one page wide at ≥ 9 pt:
    landscape, 学分汇总 portrait with its long reasons wrapped (`reasons`: that
    column again, for the row heights)."""
    if table == "register":
        return SheetSpec(title, columns or REGISTER_COLUMNS, rows, widths={"培训类型": 6, "必修/选修": 6, "综合成绩": 6,
                                                                 "学时": 5, "学分": 5, "原因": 24},
                         formats={"综合成绩": "0.0"}, convert={"综合成绩": float}, wrap_header=True, landscape=True,
                         print_columns=("单位", "原因"), print_title=f"{title}　{term_name}")
    if table == "verdicts":  # a programme term's 学分汇总: the year's verdicts (R12–R17)
        numbers = [c for c in columns or () if c not in ("学年", "单位", "姓名", "身份证号", "是否达标", "原因")]
        return SheetSpec(title, columns or [], rows, widths={**dict.fromkeys(numbers, 6), "是否达标": 5, "原因": 36},
                         wrap=("原因",), wrap_values=reasons, wrap_header=True, print_columns=("单位", "原因"),
                         landscape=True, print_title=f"{title}　{term_name}")
    return SheetSpec(title, SUMMARY_COLUMNS, rows, widths={"培训类型": 6, "合计学时": 6, "合计学分": 6, "原因": 40},
                     wrap=("原因",), wrap_values=reasons, wrap_header=True, print_columns=("单位", "原因"), print_title=f"{title}　{term_name}")


def _plan(con: sqlite3.Connection, term_id: str) -> _Plan:
    reg_units = registerrows.units(con, term_id, "register")
    summary = "verdicts" if verdicts.year_of(con, term_id) else "summary"
    sum_units = registerrows.units(con, term_id, summary)
    stats = RegisterStats(sum(n for _, n, _ in sum_units), sum(n for _, n, _ in reg_units),
                          sum(k for _, _, k in reg_units), sum(k for _, _, k in sum_units), standards=summary == "verdicts")
    return _Plan(table_sheets("证书登记表", "register", reg_units), table_sheets("学分汇总", summary, sum_units),
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
    s = sheet.part
    name = terms.term_name(con, term_id)
    if verdicts.year_of(con, term_id):  # a programme term: 类别 for 培训类型, the year's verdicts
        ps = verdicts.programme_set(con, term_id)
        if sheet.table == "verdicts":
            rows = [] if s is None else verdicts.verdict_rows(con, term_id, s.first, s.last, s.count, s.offset)
            return table_spec(sheet.title, "verdicts", rows, name, [r[-1] for r in rows], verdicts.verdict_columns(ps))
        columns = [PROGRAMME_HEAD.get(c, c) for c in REGISTER_COLUMNS if c != "综合成绩"]
    else:
        columns = None
    # a programme row has no composite: the column goes (columns not None), and the page is narrower
    rows = [] if s is None else registerrows.rows(con, term_id, sheet.table, s.first, s.last, s.count, s.offset,
                                                  composite=columns is None)
    reasons = None
    if sheet.table == "summary":  # one narrow column read twice, not the sheet held in memory
        reasons = [] if s is None else registerrows.summary_reasons(con, term_id, s.first, s.last, s.count, s.offset)
    return table_spec(sheet.title, sheet.table, rows, name, reasons, columns)


class _Moved(Exception):
    """The ledger changed between planning the register and reading a part of it."""


def _write_part(ledger: str, term_id: str, target: Path, sheets: list[PlannedSheet]) -> None:
    """Write one file of a split register from a connection of its own (a worker process),
    after checking that the ledger still holds what the part was planned from."""
    con = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=60, isolation_level=None)
    try:
        con.execute("BEGIN")
        for sheet in sheets:
            if sheet.part is not None and sheet.rows != registerrows.count(con, term_id, sheet.table,
                                                                           sheet.part.first, sheet.part.last):
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
    plan.stats.warnings = absences.warnings(con, term.term_id)
    return plan.stats


def _early_fits(con: sqlite3.Connection, term_id: str, plan: _Plan, early: StagedParts) -> bool:
    """Whether the early parts are this register's: the ledger holds the run's files and no
    other of the term, and the helper planned the same parts."""
    if early.files is None:
        return False
    return filerecords.active_file_ids(con, term_id) == early.files and early.plan() == [(s.part, s.rows) for s in plan.register]


def _write_parts(con: sqlite3.Connection, term_id: str, parts: list[tuple[Path, list[PlannedSheet]]]) -> bool:
    """Write each part in a worker process (fork: nothing to import). False if the ledger
    moved under a part; a crashed worker's exception propagates."""
    import gc
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ledger = db.path_of(con)
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
