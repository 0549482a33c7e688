"""The ledger → register path at province scale (R16), checked on the shipped sample county.

- stamps: `refresh_stamps` aggregates in SQL and calls the rule once per pattern of results;
  the oracle here calls `certify.stamp` per teacher on that teacher's entries, summing exact
  Decimals, as the code did before it had to scale.
- sheets: a register longer than an Excel sheet is split into numbered sheets of whole units,
  never truncated. `SHEET_ROW_LIMIT` is patched small; the oracle is the ledger's entries and
  the unsplit register of the same ledger.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from credittool.ledger import absences

from credittool.write import register
from credittool.score.certify import CourseResult, stamp
from credittool.ledger.db import transaction
from credittool.ledger import stamps
from credittool.ledger.stamps import refresh_stamps
from credittool.write.register import REGISTER_COLUMNS, SUMMARY_COLUMNS, sheet_slices, write_outputs
from credittool.rules.loader import TermRules, load_rules
from golden_util import ROOT, TERM, run_samples

_BOOK = load_rules([ROOT / "rules"])
assert _BOOK.ok, _BOOK.problems
H1 = _BOOK.terms[TERM]


@pytest.fixture(scope="module")
def sample_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("ws")
    run_samples(ws)
    return ws / "ledger.sqlite"


@pytest.fixture
def ledger(sample_ledger: Path, tmp_path: Path) -> sqlite3.Connection:
    """A private copy of the ingested sample ledger (tests may change it)."""
    path = tmp_path / "ledger.sqlite"
    shutil.copyfile(sample_ledger, path)
    con = sqlite3.connect(path, isolation_level=None)
    yield con
    con.close()


# ---- stamps -------------------------------------------------------------------------------

def oracle_stamps(con: sqlite3.Connection, term: TermRules) -> dict[str, tuple]:
    """id → (unit, name, track, stamped, hours, credits, reasons): `stamp` per teacher, exact sums."""
    per: dict[str, list] = defaultdict(list)
    for ident, unit, name, track, cid, ok, reason, hours, credits in con.execute(
            """SELECT e.id_number, e.unit, e.name, e.track, e.course_id, e.passed, e.reason, e.hours, e.credits
               FROM entries e JOIN files f USING (file_id) WHERE e.term = ? AND f.active = 1""", (term.term_id,)):
        per[ident].append(((unit, name, track),
                           CourseResult(cid, bool(ok), reason, Decimal(str(hours)), Decimal(str(credits)))))
    out = {}
    absent = absences.absences(con, term.term_id)  # rows rejected: named, not 缺少成绩
    for ident, items in per.items():
        (who,) = {w for w, _ in items}  # one unit, name and track per teacher
        s = stamp(who[2], [r for _, r in items], term, absent.get(ident))
        out[ident] = (*who, int(s.stamped), float(s.hours), float(s.credits), "；".join(s.reasons))
    return out


def refreshed(con: sqlite3.Connection) -> dict[str, tuple]:
    """Stamps as `refresh_stamps` leaves them in the ledger, in the oracle's shape."""
    con.execute("DELETE FROM stamps")
    with transaction(con):
        refresh_stamps(con, H1)
    return {r[0]: r[1:] for r in con.execute(
        "SELECT id_number, unit, name, track, stamped, hours, credits, reasons FROM stamps WHERE term = ?", (TERM,))}


def test_stamps_equal_the_rule_applied_per_teacher(ledger: sqlite3.Connection) -> None:
    want = oracle_stamps(ledger, H1)
    assert refreshed(ledger) == want
    # the sample exercises every branch of R9: stamped, failed, and a required course without
    # an accepted row (in the sample, always one whose row was rejected)
    reasons = [w[6] for w in want.values()]
    assert any(w[3] == 1 for w in want.values()) and any("不合格：" in r for r in reasons)
    assert any("成绩行未被接受：" in r for r in reasons)
    assert len({w[2] for w in want.values()}) == 3  # text, online, kindergarten


def test_stamps_are_the_same_read_either_way(ledger: sqlite3.Connection) -> None:
    """With the term most of the ledger the stamps' inputs are read by a table scan, with
    another term bigger by the unique index (`stamps._stamp_inputs`): the same stamps."""
    (term_rows,) = ledger.execute("SELECT COUNT(*) FROM entries WHERE term = ?", (TERM,)).fetchone()
    assert "+e.term" in stamps._stamp_inputs(ledger, term_rows)
    by_scan = refreshed(ledger)
    for k in range(2):  # another term, twice this one's size
        ledger.execute("""INSERT INTO entries SELECT 'other', file_id, sheet, row, unit, name, id_number || ?, subject,
                          stage, track, course_id, composite, passed, eligible, hours, credits, reason, inputs
                          FROM entries WHERE term = ?""", (str(k), TERM))
    assert "+e.term" not in stamps._stamp_inputs(ledger, term_rows)
    assert refreshed(ledger) == by_scan == oracle_stamps(ledger, H1)


def test_rule_runs_once_per_distinct_pattern(ledger: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def counting(track: str, results: Any, term: TermRules, absent: Any = None) -> Any:
        results = list(results)
        calls.append((track, frozenset((r.course_id, r.passed, "" if r.passed else r.reason) for r in results),
                      frozenset((absent or {}).items())))
        return stamp(track, results, term, absent)

    monkeypatch.setattr(stamps, "stamp", counting)
    refreshed(ledger)
    patterns = defaultdict(set)
    for ident, track, cid, ok, reason in ledger.execute(
            """SELECT e.id_number, e.track, e.course_id, e.passed, e.reason FROM entries e
               JOIN files f USING (file_id) WHERE e.term = ? AND f.active = 1""", (TERM,)):
        patterns[ident, track].add((cid, bool(ok), "" if ok else reason))
    # a teacher whose absences name their own rows (ledger/absences.py) is a pattern of their own
    absent = absences.absences(ledger, TERM)
    distinct = {(track, frozenset(p), frozenset(absent.get(ident, {}).items())) for (ident, track), p in patterns.items()}
    assert len(calls) == len(set(calls)) == len(distinct) < len(patterns)
    assert set(calls) == distinct


def test_float_sums_store_the_exact_decimal_sum(ledger: sqlite3.Connection) -> None:
    # 12 hours give 1.2 credits; 1.2 + 1.2 + 1.2 as floats is 3.5999999999999996
    ledger.execute("UPDATE entries SET hours = 12, credits = 1.2 WHERE passed = 1")
    want = oracle_stamps(ledger, H1)
    assert refreshed(ledger) == want
    naive = dict(ledger.execute("SELECT e.id_number, SUM(e.credits) FROM entries e JOIN files f USING (file_id)"
                                " WHERE e.term = ? AND f.active = 1 GROUP BY e.id_number", (TERM,)))
    assert any(naive[i] != w[5] for i, w in want.items())  # the drift that rounding removes


def _stamps_table(con: sqlite3.Connection) -> list[tuple]:
    return con.execute("SELECT rowid, * FROM stamps WHERE term = ? ORDER BY rowid", (TERM,)).fetchall()


@pytest.mark.parametrize("drift", [False, True])
def test_stamps_from_the_run_equal_those_from_the_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         drift: bool) -> None:
    """A first load computes the stamps from the run's own rows (`_run_stamps`); read back
    from the ledger (`_ledger_stamps`) in the same transaction they are the same rows, in the
    same order, and the oracle's. `drift`: sums whose floats drift (as in the test above)."""
    from credittool.ledger import commit

    seen = []

    def both(con: sqlite3.Connection, term: TermRules, run: Any = None) -> None:
        if run is not None and drift:
            run.hours[run.passed == 1], run.credits[run.passed == 1] = 12.0, 1.2
            con.execute("UPDATE entries SET hours = 12, credits = 1.2 WHERE passed = 1")
        refresh_stamps(con, term, run)
        if run is not None:
            from_run = _stamps_table(con)
            refresh_stamps(con, term)
            seen.append((from_run, _stamps_table(con), oracle_stamps(con, term)))
            assert list(stamps._run_stamps(term, run.take(np.zeros(len(run), dtype=bool)), {})) == []
            # the run's codes name every teacher of its rows; one whose rows are all left out
            # (rejected) gets no stamp, and the others' are as before
            full = list(stamps._run_stamps(term, run, {}))
            gone = full[len(full) // 2][1]
            assert list(stamps._run_stamps(term, run.take(run.column("id") != gone), {})) == \
                [r for r in full if r[1] != gone]

    monkeypatch.setattr(commit, "refresh_stamps", both)
    run_samples(tmp_path)
    ((from_run, from_ledger, want),) = seen  # the samples are one first load
    assert from_run == from_ledger
    assert {r[2]: r[3:] for r in from_run} == {k: (v[0], v[1], v[2], v[3], v[4], v[5], v[6]) for k, v in want.items()}
    assert {r[6] for r in from_run} == {0, 1}


# ---- splitting into sheets ----------------------------------------------------------------

def read_book(path: Path) -> dict[str, list[list[Any]]]:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def write_register(con: sqlite3.Connection, out: Path) -> dict[str, list[list[Any]]]:
    """The register's sheets, as one book: a split register's files register-1.xlsx, … (each a
    sheet 证书登记表) as 证书登记表1, …, then register.xlsx's own sheets."""
    write_outputs(con, H1, out)
    book = read_book(out / "register.xlsx")
    parts = sorted(out.glob("register-*.xlsx"), key=lambda p: int(p.stem.split("-")[1]))
    if not parts:
        return book
    assert "证书登记表" not in book and "证书登记表1" not in book  # the course rows are in the parts only
    assert [p.name for p in parts] == [f"register-{i}.xlsx" for i in range(1, len(parts) + 1)]
    split = {}
    for i, part in enumerate(parts, 1):
        sheets = read_book(part)
        assert list(sheets) == ["证书登记表"]
        split[f"证书登记表{i}"] = sheets["证书登记表"]
    return split | book


def ledger_entries(con: sqlite3.Connection) -> Counter:
    """(file, sheet, row, id, course name) of every active entry: what the register must list."""
    return Counter(con.execute(
        """SELECT f.name, e.sheet, e.row, e.id_number, c.name FROM entries e JOIN files f USING (file_id)
           JOIN courses c ON c.term = e.term AND c.course_id = e.course_id WHERE e.term = ? AND f.active = 1""",
        (TERM,)))


def entry_keys(rows: list[list[Any]]) -> list[tuple]:
    col = {c: REGISTER_COLUMNS.index(c) for c in ("来源文件", "工作表", "行号", "身份证号", "课程")}
    return [(r[col["来源文件"]], r[col["工作表"]], int(r[col["行号"]]), r[col["身份证号"]], r[col["课程"]])
            for r in rows]


def check_split(book: dict[str, list[list[Any]]], name: str, columns: list[str], whole: list[list[Any]],
                limit: int) -> list[list[list[Any]]]:
    """The sheets `name`1, 2, … : each a header and ≤ limit rows, together the unsplit table."""
    sheets = [rows for title, rows in book.items() if title.startswith(name)]
    assert len(sheets) >= 2
    assert [t for t in book if t.startswith(name)] == [f"{name}{i}" for i in range(1, len(sheets) + 1)]
    assert list(book)[0].startswith("证书登记表") and list(book)[-1].startswith("学分汇总")  # in that order
    assert sorted(book, key=lambda t: not t.startswith("证书登记表")) == list(book)
    for rows in sheets:
        assert rows[0] == columns and 1 < len(rows) <= limit
    assert [r for rows in sheets for r in rows[1:]] == whole  # same rows, same order, none lost
    return [rows[1:] for rows in sheets]


def units_of(rows: list[list[Any]]) -> list[str]:
    return [r[1] for r in rows]  # 单位 is the second column of both tables


def test_register_split_into_sheets_of_whole_units(ledger: sqlite3.Connection, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    whole = write_register(ledger, tmp_path / "whole")
    assert list(whole) == ["证书登记表", "学分汇总"]  # not split: the names as always
    reg, summ = whole["证书登记表"][1:], whole["学分汇总"][1:]
    biggest = max(Counter(units_of(reg)).values())
    limit = biggest + 1  # the header row: every unit fits on a sheet, the register does not
    assert len(reg) + 1 > limit and len(summ) + 1 > limit
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", limit)
    book = write_register(ledger, tmp_path / "split")
    for name, columns, rows in (("证书登记表", REGISTER_COLUMNS, reg), ("学分汇总", SUMMARY_COLUMNS, summ)):
        parts = check_split(book, name, columns, rows, limit)
        seen = [set(units_of(p)) for p in parts]
        assert sum(len(s) for s in seen) == len(set().union(*seen))  # no unit on two sheets
        # greedy packing: the next sheet's first unit would not have fitted on this one
        for p, nxt in zip(parts, parts[1:]):
            assert len(p) + units_of(nxt).count(units_of(nxt)[0]) > limit - 1
    registered = [k for t, rows in book.items() if t.startswith("证书登记表") for k in entry_keys(rows[1:])]
    assert Counter(registered) == ledger_entries(ledger) and max(Counter(registered).values()) == 1


def test_unit_larger_than_a_sheet_is_split_not_truncated(ledger: sqlite3.Connection, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    whole = write_register(ledger, tmp_path / "whole")
    reg, summ = whole["证书登记表"][1:], whole["学分汇总"][1:]
    limit = 10
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", limit)
    book = write_register(ledger, tmp_path / "split")
    for name, columns, rows in (("证书登记表", REGISTER_COLUMNS, reg), ("学分汇总", SUMMARY_COLUMNS, summ)):
        per_unit = Counter(units_of(rows))
        assert min(per_unit.values()) > limit - 1  # every unit is bigger than a sheet here
        parts = check_split(book, name, columns, rows, limit)
        # a unit starts on a fresh sheet and fills whole sheets: only its last sheet may be short
        starts = Counter(p[0][1] for p in parts)
        assert all(starts[u] == -(-n // (limit - 1)) for u, n in per_unit.items())
    registered = [k for t, rows in book.items() if t.startswith("证书登记表") for k in entry_keys(rows[1:])]
    assert Counter(registered) == ledger_entries(ledger) and max(Counter(registered).values()) == 1


def test_register_stats_count_the_ledger(ledger: sqlite3.Connection, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", 50)  # the counts do not depend on the sheets
    stats = write_outputs(ledger, H1, tmp_path)
    book = write_register(ledger, tmp_path)
    reg = [r for t, rows in book.items() if t.startswith("证书登记表") for r in rows[1:]]
    summ = [r for t, rows in book.items() if t.startswith("学分汇总") for r in rows[1:]]
    assert (stats.entries, stats.passed) == (len(reg), sum(r[9] == "合格" for r in reg))
    assert (stats.teachers, stats.stamped) == (len(summ), sum(r[7] == "是" for r in summ))


def test_register_is_one_state_of_the_ledger(ledger: sqlite3.Connection, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Another ingest committing after the rows were counted lands in the next register, whole,
    instead of pushing one of this register's rows past its sheet's LIMIT."""
    before = ledger_entries(ledger)
    path = ledger.execute("PRAGMA database_list").fetchone()[2]
    real = register.sheet_slices

    def commit_meanwhile(units: Any, capacity: int) -> Any:
        other = sqlite3.connect(path, isolation_level=None)  # (called per table: the second one adds nothing)
        other.execute("""INSERT OR IGNORE INTO entries SELECT term, file_id, sheet, row, unit, name, 'X' || id_number, subject,
                         stage, track, course_id, composite, passed, eligible, hours, credits, reason, inputs
                         FROM entries ORDER BY unit LIMIT 1""")
        other.close()
        return real(units, capacity)

    monkeypatch.setattr(register, "sheet_slices", commit_meanwhile)
    stats = write_outputs(ledger, H1, tmp_path)
    registered = entry_keys(read_book(tmp_path / "register.xlsx")["证书登记表"][1:])
    assert Counter(registered) == before and stats.entries == len(registered)
    assert ledger_entries(ledger) != before  # the other commit did land


# ---- packing, as a property ---------------------------------------------------------------

@given(st.lists(st.integers(1, 30), max_size=30), st.integers(1, 25))
def test_slices_cover_every_row_once_in_order(sizes: list[int], capacity: int) -> None:
    units = [(f"u{i:02d}", n) for i, n in enumerate(sizes)]
    rows = [(u, k) for u, n in units for k in range(n)]  # the register, one (unit, index) per row
    slices = sheet_slices(units, capacity)
    got = []
    for s in slices:
        in_range = [r for r in rows if s.first <= r[0] <= s.last]
        got.extend(in_range[s.offset:s.offset + s.count])  # what LIMIT count OFFSET offset selects
        assert 0 < s.count <= capacity and len(in_range[s.offset:s.offset + s.count]) == s.count
    assert got == rows
    for u, n in units:  # a unit spans sheets only when it alone is bigger than a sheet
        spans = sum(s.first <= u <= s.last for s in slices)
        assert spans == 1 or (n > capacity and spans == -(-n // capacity))


def test_split_register_written_again_when_the_ledger_moves(ledger: sqlite3.Connection, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The parts of a split register are written by worker processes, each from its own
    connection: one that finds the ledger changed since the plan makes the whole register
    planned and written again, so no row is lost past a part's LIMIT."""
    path = ledger.execute("PRAGMA database_list").fetchone()[2]
    real = register._plan
    calls = []

    def commit_after_first_plan(con: sqlite3.Connection, term_id: str) -> Any:
        plan = real(con, term_id)
        if not calls:
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("""INSERT INTO entries SELECT term, file_id, sheet, row, unit, name, 'X' || id_number, subject,
                             stage, track, course_id, composite, passed, eligible, hours, credits, reason, inputs
                             FROM entries ORDER BY unit LIMIT 3""")
            other.close()
        calls.append(plan)
        return plan

    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", 60)
    monkeypatch.setattr(register, "_plan", commit_after_first_plan)
    stats = write_outputs(ledger, H1, tmp_path)
    assert len(calls) == 2  # planned again after a worker saw the new rows
    book = write_register(ledger, tmp_path)
    registered = [k for t, rows in book.items() if t.startswith("证书登记表") for k in entry_keys(rows[1:])]
    assert Counter(registered) == ledger_entries(ledger) and stats.entries == len(registered)


def test_parts_of_a_longer_register_are_removed(ledger: sqlite3.Connection, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", 60)
    stats = write_outputs(ledger, H1, tmp_path)
    assert stats.parts == len(list(tmp_path.glob("register-*.xlsx"))) >= 2  # what the clerk is told
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", 1_048_576)
    assert write_outputs(ledger, H1, tmp_path).parts == 0
    assert not list(tmp_path.glob("register-*.xlsx"))  # one workbook again: no stale part misleads
    assert list(read_book(tmp_path / "register.xlsx")) == ["证书登记表", "学分汇总"]
