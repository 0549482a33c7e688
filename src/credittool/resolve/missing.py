"""Whom a rejected row of a run is about, so that the ledger (ledger/absences.py, which
says how a teacher is matched) can tell a teacher's missing result from a rejected one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from credittool.diagnostics import RejectedRow
from credittool.extract.rows import shown
from credittool.resolve.table import Table


def rows_of(table: Table, rows: list[int]) -> list[RejectedRow]:
    """Whom each of these rows of a run's table is about (their IDs are valid: extract
    rejected the others)."""
    c = table.col
    out = []
    for i in rows:
        s = table.sheets[table.sheet[i]]
        out.append(RejectedRow(s.file, s.name, int(table.row[i]), c["id"][i], shown(table.raw_id(i)), c["unit"][i],
                               c["name"][i], c["course_id"][i]))
    return out


def by_file(rows: Iterable[RejectedRow]) -> dict[str, list[RejectedRow]]:
    out: dict[str, list[RejectedRow]] = defaultdict(list)
    for r in rows:
        out[r.file].append(r)
    return out
