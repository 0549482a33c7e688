"""Across all rows of a run: duplicates, identity conflicts, each teacher's track, scores.

The rows of a run are a `Table` of columns (table.py). Every step works on whole columns
(hashing with pandas, indexing with numpy); Python touches only the few rows a message is
written about (as `Record` views) and each *distinct* scoring input once (scores.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from credittool.diagnostics import Problem, RejectedRow
from credittool.extract.rows import FileResult, Record
from credittool.resolve import missing
from credittool.resolve.identity import Refusals, duplicates, id_conflicts
from credittool.resolve.scores import score
from credittool.resolve.table import Entries, RowProblems, Table
from credittool.resolve.tracks import resolve_tracks
from credittool.rules.loader import TermRules


@dataclass
class Resolution:
    entries: Entries | None  # None once committed
    rejects: list[Problem]
    skipped: list[Problem]
    notes: list[Problem]  # severity note
    spot: list[Record] = field(default_factory=list)  # spot-test scores, checked against the draw later
    rejected_rows: list[RejectedRow] = field(default_factory=list)  # whom the rows rejected here were about


def resolve(results: list[FileResult], term: TermRules) -> Resolution:
    """The run's accepted results, its rejects and skipped rows, and the spot-test scores."""
    t = Table(results)
    for fr in results:  # the table holds the rows now
        fr.rows = type(fr.rows)()
    out = Refusals()
    id_code = t.coded("id")[0].astype(np.int64)  # int64: keys below multiply it
    keep = duplicates(t, id_code, out)  # 1. exact duplicates count once
    spot = [t.record(i) for i in np.flatnonzero(keep & t.spot)]
    keep &= ~t.spot
    keep &= ~id_conflicts(t, id_code, keep, out)  # 2. one ID is one person in one unit
    clean = np.flatnonzero(keep)
    track, late = resolve_tracks(t, clean, id_code, term)  # 3. each teacher's track
    scored = clean[track[clean] != None]  # noqa: E711 - elementwise on an object column
    entries, score_rejects = score(t, scored, track, term)  # 4. each result (R1–R10)
    for i, probs in _by_teacher(late + score_rejects, clean, id_code):
        out.rejects.extend(probs)
        out.rows.append(i)
    return Resolution(entries, out.rejects, out.skipped, out.notes, spot, missing.rows_of(t, out.rows))


def _by_teacher(late: RowProblems, clean: np.ndarray, id_code: np.ndarray) -> RowProblems:
    """Rows rejected by steps 3 and 4, teacher by teacher in the order the teachers first
    appear, each teacher's in row order."""
    if late:
        first_seen = dict(zip(id_code[clean][::-1].tolist(), clean[::-1].tolist()))
        late.sort(key=lambda x: (first_seen[id_code[x[0]]], x[0]))
    return late
