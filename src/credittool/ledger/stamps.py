"""Every teacher's stamp (验印, R9) of a term, kept in the ledger's `stamps` table: recomputed
from the entries inside the transaction that changed them, so that `report` reads the stamps
and needs no rules files."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import repeat

import numpy as np
import pandas as pd

from credittool.ledger import absences, db
from credittool.resolve.table import Coded, Entries
from credittool.rules.loader import TermRules
from credittool.score.certify import CourseResult, stamp

_ZERO = Decimal(0)

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


def refresh_stamps(con: sqlite3.Connection, term: TermRules, run: Entries | None = None) -> None:
    """Recompute every teacher's stamp (R9) of the term. Call it inside the transaction that
    changed the entries, so the two never disagree; `report` reads the stamps from the ledger
    and so needs no rules files. `run`: the entries just inserted, when they are the term's
    whole content (a first load); the stamps are then computed from them instead of read
    back from the ledger (the same rows either way: tests/test_register_scale.py)."""
    absent = absences.absences(con, term.term_id)
    con.execute("DELETE FROM stamps WHERE term=?", (term.term_id,))
    (kept,) = con.execute("SELECT COUNT(*) FROM stamps").fetchone()  # the other terms'
    (entries,) = (len(run),) if run is not None else \
        con.execute("SELECT COUNT(*) FROM entries WHERE term=?", (term.term_id,)).fetchone()  # `run` is the term's
    # a teacher has an entry or more: a term of many entries may bring many stamps
    with db.built_after(con, db.STAMP_INDEXES, entries > max(kept, db.BULK_MIN_ROWS)):
        con.executemany("INSERT INTO stamps VALUES (?,?,?,?,?,?,?,?,?)",
                        _ledger_stamps(con, term, absent, entries) if run is None else _run_stamps(term, run, absent))


def _ledger_stamps(con: sqlite3.Connection, term: TermRules, absent: dict[str, absences.Absent],
                   term_rows: int) -> Iterator[tuple]:
    """The stamps rows from the ledger's entries (`term_rows` of them in the term): SQL sums
    each teacher's entries; `certify.stamp` runs once per distinct pattern of results, not
    once per teacher."""
    outcome = _stamp_memo(term)
    sql = _stamp_inputs(con, term_rows)
    for ident, unit, name, track, hours, credits, pattern in con.execute(sql, (term.term_id,)):
        stamped, reasons = outcome(track, pattern, absent.get(ident))
        yield term.term_id, ident, unit, name, track, stamped, _sum_value(hours), _sum_value(credits), reasons


def _run_stamps(term: TermRules, run: Entries, absent: dict[str, absences.Absent]) -> Iterator[tuple]:
    """The stamps rows `_ledger_stamps` gives once `run` is the term's entries, in the same
    order (by ID), computed on columns: the teachers' sums and MIN()s, and `certify.stamp`
    once per distinct (track, results), as there."""
    tid, ids = _sorted_codes(run, "id")
    code, triples = _triples(run)
    order = np.lexsort((code, tid))  # by teacher, then triple
    starts = np.flatnonzero(np.r_[True, tid[order][1:] != tid[order][:-1]]) if len(tid) else np.zeros(0, np.int64)
    unit, name, track = (_least(run.coded(c), order, starts) for c in ("unit", "name", "track"))
    grid, pattern = _patterns(tid, code, order, starts, len(triples))

    def outcome(t: int, why: absences.Absent | None) -> tuple[int, str]:
        return _outcome(term, track[t], [triples[c] for c in grid[t] if c >= 0], why)

    key, first = _factor(pd.factorize(track)[0].astype(np.int64) * (len(ids) + 1) + pattern)
    done = [outcome(t, None) for t in first.tolist()]
    stamped = [done[k][0] for k in key.tolist()]
    reasons = [done[k][1] for k in key.tolist()]
    for t in pd.Index(ids).get_indexer(list(absent)).tolist():
        if t >= 0:  # reasons that name this teacher's own rows: not shared
            stamped[t], reasons[t] = outcome(t, absent[ids[t]])
    sums = (_sum_values(np.bincount(tid, weights=w, minlength=len(ids))) for w in (run.hours, run.credits))
    return zip(repeat(term.term_id), ids.tolist(), unit.tolist(), name.tolist(), track.tolist(), stamped,
               *sums, reasons)


def _sorted_codes(run: Entries, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A text column's codes renumbered 0 … k-1 in str order (code points, as SQLite's
    BINARY compares them: `Table.ranks`) of the k values these rows hold (the run's
    distinct values may include some they do not), and those values in that order."""
    codes, distinct = run.coded(column)
    held = np.zeros(len(distinct), dtype=bool)
    held[codes] = True
    present = np.flatnonzero(held)
    present = present[np.argsort(run.table.ranks(column)[present], kind="stable")]
    renumber = np.zeros(len(distinct), dtype=np.int64)
    renumber[present] = np.arange(len(present))
    return renumber[codes], np.asarray(distinct, dtype=object)[present]


def _least(coded: Coded, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per teacher (the runs of `order` that `starts` begin), the least of a column's
    values (`Entries.coded`), as MIN() picks it. A teacher has one unit and name (and track)
    but for a few."""
    codes, distinct = coded
    distinct = np.asarray(distinct, dtype=object)
    if not len(starts):
        return np.zeros(0, dtype=object)
    lo, hi = (f.reduceat(codes[order], starts) for f in (np.minimum, np.maximum))
    out = distinct[lo]
    ends = np.r_[starts[1:], len(order)]
    for t in np.flatnonzero(lo != hi).tolist():
        out[t] = min(distinct[codes[order[starts[t]:ends[t]]]].tolist())
    return out


def _factor(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of an integer column (equal values, equal codes), and for each code a row that has it."""
    codes, distinct = pd.factorize(values)
    some = np.empty(len(distinct), dtype=np.int64)
    some[codes] = np.arange(len(codes))
    return codes, some


def _triples(run: Entries) -> tuple[np.ndarray, list[tuple]]:
    """The (course, passed, reason) triple of `_STAMP_INPUTS` of each entry, as a code into
    the distinct triples; and those."""
    passed = run.passed.astype(np.int64)
    course, courses = run.coded("course_id")
    why, whys = pd.factorize(np.where(passed == 1, "", run.reason).astype(object))
    code, some = _factor((course.astype(np.int64) * 2 + passed) * (len(whys) + 1) + why)
    return code, [(courses[course[i]], int(passed[i]), whys[why[i]]) for i in some.tolist()]


def _patterns(tid: np.ndarray, code: np.ndarray, order: np.ndarray, starts: np.ndarray,
              triples: int) -> tuple[np.ndarray, np.ndarray]:
    """Per teacher a row of the codes of their triples, sorted and padded with -1 (`order`:
    by teacher, then code; `starts`: where each teacher begins), and a pattern number that
    teachers with the same set of triples share (equal rows)."""
    k = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    grid = np.full((len(starts), int(k.max(initial=0)) + 1), -1, dtype=np.int64)
    grid[tid[order], k] = code[order]
    pattern = np.zeros(len(grid), dtype=np.int64)
    for j in range(grid.shape[1]):  # a column at a time: the numbers stay below teachers × triples
        pattern = pd.factorize(pattern * (triples + 1) + grid[:, j] + 1)[0].astype(np.int64)
    return grid, pattern


def _stamp_inputs(con: sqlite3.Connection, term_rows: int) -> str:
    """`_STAMP_INPUTS`, read the faster way. By the unique index (term, id_number, …) each
    row is a random read of the table; when the term is most of the ledger, reading the table
    in order and sorting is faster. `+e.term` keeps SQLite off the index. Either way the
    same groups come out; only the order of a pattern's items may differ, which
    `certify.stamp` ignores (see `_stamp_memo`). `term_rows`: the term's entries, which
    the caller has counted."""
    (all_rows,) = con.execute("SELECT COUNT(*) FROM entries").fetchone()
    return _STAMP_INPUTS.replace("WHERE e.term = ?", "WHERE +e.term = ?") if 2 * term_rows > all_rows \
        else _STAMP_INPUTS


def _sum_value(total: float) -> float:
    """A SQL sum of REAL hours as the exact decimal sum would store it. Hours and credits are
    given to a few decimal places (R1), but a float sum drifts (1.2 + 1.2 + 1.2 is
    3.5999999999999996); rounding to 6 places lands on the float nearest the exact decimal
    sum, which is what summing Decimals and storing float() gave."""
    return round(total, 6)


def _sum_values(totals: np.ndarray) -> list[float]:
    """`_sum_value` of each of `totals`, worked out once per distinct total (teachers' sums
    of hours repeat: a million teachers have a few hundred)."""
    distinct, back = np.unique(totals, return_inverse=True)
    return np.array([_sum_value(x) for x in distinct.tolist()], dtype=np.float64)[back].tolist()


def _outcome(term: TermRules, track: str, results: list, absent: absences.Absent | None) -> tuple[int, str]:
    """(stamped, reasons) of one teacher's (course, passed, reason) results, by `certify.stamp`
    (the one home of R9)."""
    st = stamp(track, [CourseResult(cid, bool(ok), reason, _ZERO, _ZERO) for cid, ok, reason in results], term,
               absent)
    return int(st.stamped), "；".join(st.reasons)


def _stamp_memo(term: TermRules) -> Callable[..., tuple[int, str]]:
    """(track, pattern[, absent]) → (stamped, reasons), by `_outcome` once per distinct
    pattern (and for each teacher whose absences name rows).
    SQLite 3.40 has no ORDER BY inside an aggregate, so a pattern's order is unspecified; that is harmless: `stamp` takes the results as a set (keyed by
    course, reasons in the rules' order), so the same results in another order give the same
    stamp, at worst from a second call."""
    memo: dict[tuple[str, str], tuple[int, str]] = {}

    def outcome(track: str, pattern: str, absent: absences.Absent | None = None) -> tuple[int, str]:
        if absent:  # reasons that name this teacher's own rows: not shared
            return _outcome(term, track, json.loads(pattern), absent)
        if (track, pattern) not in memo:
            memo[track, pattern] = _outcome(term, track, json.loads(pattern), None)
        return memo[track, pattern]

    return outcome
