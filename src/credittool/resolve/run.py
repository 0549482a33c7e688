"""Across all rows of a run: duplicates, identity conflicts, each teacher's track, scores.

The rows of a run are a `Table` of columns (table.py). Every step works on whole columns
(hashing with pandas, indexing with numpy); Python touches only the few rows a message is
written about (as `Record` views) and each *distinct* scoring input once (scores.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from credittool.diagnostics import Problem, RejectedRow
from credittool.extract.rows import FileResult, Record
from credittool.resolve import missing
from credittool.resolve.identity import Refusals, duplicates, id_conflicts, near_ids
from credittool.resolve.programmes import score_programmes
from credittool.resolve.scores import inputs_text, score
from credittool.resolve.table import Entries, RowProblems, Table
from credittool.resolve.tracks import resolve_tracks
from credittool.rules.loader import TermRules
from credittool.rules.programmes import ProgrammeSet
from credittool.runtable import check_entries


@dataclass
class Resolution:
    entries: Entries | None  # None once committed
    rejects: list[Problem]
    skipped: list[Problem]
    notes: list[Problem]  # severity note
    warnings: list[Problem] = field(default_factory=list)  # nothing refused: one name under two near IDs
    spot: list[Record] = field(default_factory=list)  # spot-test scores, checked against the draw later
    rejected_rows: list[RejectedRow] = field(default_factory=list)  # whom the rows rejected here were about
    staff: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # staff-list rows kept (Table indexes)


def resolve(results: list[FileResult], term: TermRules,
            listed: Mapping[str, tuple[str, str]] = MappingProxyType({})) -> Resolution:
    """The run's accepted results, its rejects and skipped rows, and the spot-test scores.
    `listed`: the names the ledger's staff lists of the term write (ID → name, place)."""
    t = Table(results)
    for fr in results:  # the table holds the rows now
        fr.rows = type(fr.rows)()
    out = Refusals()
    id_code = t.coded("id")[0].astype(np.int64)  # int64: keys below multiply it
    keep = duplicates(t, id_code, out, "项目" if term.programmes is not None else "课程")  # 1. exact duplicates count once
    spot = [t.record(i) for i in np.flatnonzero(keep & t.spot)]
    keep &= ~t.spot
    keep &= ~id_conflicts(t, id_code, keep, out, term.programmes is None, listed)  # 2. one ID is one person
    warnings = near_ids(t, id_code, keep)  # and one person one ID: a slip of one digit is said
    staff = np.flatnonzero(keep & t.staff)  # the teachers the year's standards apply to (R16)
    keep &= ~t.staff
    clean = np.flatnonzero(keep)
    of_programme = _of_programme(t, clean, term)
    courses, programmes = clean[~of_programme], clean[of_programme]
    track, late = resolve_tracks(t, courses, id_code, term) if term.by_track \
        else (np.full(len(t), None, dtype=object), [])  # 3. each teacher's track
    scored = courses[track[courses] != None]  # noqa: E711 - elementwise on an object column
    entries, score_rejects = score(t, scored, track, term)  # 4. each result (R1–R10)
    if len(programmes):  # R13: the hours of each programme row passed
        done, programme_rejects, disagree = programme_entries(t, programmes, term.programmes)
        entries, score_rejects = entries.concat(done), score_rejects + programme_rejects
        warnings += disagree
    for i, probs in _by_teacher(late + score_rejects, clean, id_code):
        out.rejects.extend(probs)
        out.rows.append(i)
    return Resolution(entries, out.rejects, out.skipped, out.notes, warnings, spot, missing.rows_of(t, out.rows), staff)


def _of_programme(t: Table, rows: np.ndarray, term: TermRules) -> np.ndarray:
    """Which of `rows` are programme rows rather than course rows."""
    if term.programmes is None:
        return np.zeros(len(rows), bool)
    c, u = t.coded("course_id")
    return np.array([v in term.programmes.by_id for v in u] + [False], dtype=bool)[c[rows]]


def programme_entries(t: Table, rows: np.ndarray, ps: ProgrammeSet
                      ) -> tuple[Entries, RowProblems, list[Problem]]:
    """The programme rows' accepted results as entries (their track is their category), the
    rows rejected, and the warnings about rows accepted (学时 and 学分 that disagree)."""
    res, problems = score_programmes(t, rows, ps)
    done = rows[res.done]
    k = len(done)
    entries = Entries(t, done, track=res.category[res.done], composite=np.full(k, None, dtype=object),
                      passed=res.passed[res.done], eligible=np.ones(k, np.int64), hours=res.hours[res.done],
                      credits=res.credits[res.done], reason=res.reason[res.done], inputs=inputs_text(t, done))
    check_entries(entries)
    return entries, problems, res.warnings


def _by_teacher(late: RowProblems, clean: np.ndarray, id_code: np.ndarray) -> RowProblems:
    """Rows rejected by steps 3 and 4, teacher by teacher in the order the teachers first
    appear, each teacher's in row order."""
    if late:
        first_seen = dict(zip(id_code[clean][::-1].tolist(), clean[::-1].tolist()))
        late.sort(key=lambda x: (first_seen[id_code[x[0]]], x[0]))
    return late
