"""Every teacher's stamp (验印, R9) of a term, kept in the ledger's `stamps` table: recomputed
from the entries inside the transaction that changed them, so that `report` reads the stamps
and needs no rules files."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from decimal import Decimal

from credittool.ledger import absences
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


def refresh_stamps(con: sqlite3.Connection, term: TermRules) -> None:
    """Recompute every teacher's stamp (R9) of the term from the ledger's entries. Call it
    inside the transaction that changed the entries, so the two never disagree; `report`
    reads the stamps from the ledger and so needs no rules files. SQL sums each teacher's
    entries; `certify.stamp` runs once per distinct pattern of results, not once per teacher."""
    outcome = _stamp_memo(term)
    absent = absences.absences(con, term.term_id)

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
    in order and sorting is faster. `+e.term` keeps SQLite off the index. Either way the
    same groups come out; only the order of a pattern's items may differ, which
    `certify.stamp` ignores (see `_stamp_memo`)."""
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
    home of R9) once per distinct pattern (and for each teacher whose absences name rows).
    SQLite 3.40 has no ORDER BY inside an aggregate, so a pattern's order is unspecified; that is harmless: `stamp` takes the results as a set (keyed by
    course, reasons in the rules' order), so the same results in another order give the same
    stamp, at worst from a second call."""
    memo: dict[tuple[str, str], tuple[int, str]] = {}

    def compute(track: str, pattern: str, absent: absences.Absent | None) -> tuple[int, str]:
        st = stamp(track, [CourseResult(cid, bool(ok), reason, _ZERO, _ZERO)
                           for cid, ok, reason in json.loads(pattern)], term, absent)
        return int(st.stamped), "；".join(st.reasons)

    def outcome(track: str, pattern: str, absent: absences.Absent | None = None) -> tuple[int, str]:
        if absent:  # reasons that name this teacher's own rows: not shared
            return compute(track, pattern, absent)
        if (track, pattern) not in memo:
            memo[track, pattern] = compute(track, pattern, None)
        return memo[track, pattern]

    return outcome
