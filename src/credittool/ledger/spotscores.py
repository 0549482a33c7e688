"""Spot-test scores (R7, R8) from a filled-in 抽测名单 into the ledger, for the draw the list
came from (draws.for_scores), counted the way the clerk asks: how many registered, replaced,
unchanged, left blank."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass

from credittool.ledger import draws
from credittool.diagnostics import Problem
from credittool.extract.rows import SPOT_BLANK, FileResult, Record

REJECT_CODES = frozenset({"E-SPOT-NO-DRAW", "E-SPOT-WHICH-DRAW", "E-SPOT-NOT-DRAWN", "E-SPOT-NAME"})

Snapshot = dict[tuple[int, str], tuple[str | None, str | None]]  # (draw_id, ID) → (score, status)


@dataclass(frozen=True)
class SpotCounts:
    """One filled-in list's scores: `registered` had no result before, `replaced` had another."""
    draw: str | None  # the draw's label, 第 1 次抽样（sample.xlsx）; None: no draw could be told
    registered: int = 0
    replaced: int = 0
    unchanged: int = 0
    blank: int = 0  # rows left blank: not yet tested

    @property
    def kept(self) -> int:
        return self.registered + self.replaced + self.unchanged


class SpotRun:
    """One ingest's spot-score rows, by file, and the term's results before the run."""

    def __init__(self, records: list[Record]) -> None:
        self.by_file: dict[str, list[Record]] = defaultdict(list)
        for r in records:
            self.by_file[r.file].append(r)
        self.prior: Snapshot = {}

    def snapshot(self, con: sqlite3.Connection, term: str) -> None:
        """Taken before the run retires replaced files, whose scores it deletes."""
        if self.by_file:
            self.prior = {(d, i): (s, st) for d, i, s, st in con.execute(
                "SELECT draw_id, id_number, score, status FROM spot_scores WHERE term=?", (term,))}

    def commit(self, con: sqlite3.Connection, term: str, file_id: int, fr: FileResult, skipped: list[Problem],
               rejects: list[Problem]) -> SpotCounts | None:
        blank = sum(k.message == SPOT_BLANK for k in skipped)
        return commit_scores(con, term, file_id, self.by_file.get(fr.name, []), blank, fr.spot_params, self.prior,
                             rejects)


def commit_scores(con: sqlite3.Connection, term: str, file_id: int, records: list[Record], blank: int,
                  params: dict[str, str], prior: Snapshot, rejects: list[Problem]) -> SpotCounts | None:
    """Write the scores of one file; rows that cannot be taken go to `rejects`. None: no spot rows."""
    if not records and not blank:
        return None
    chosen = draws.for_scores(con, term, params)
    if not isinstance(chosen, draws.Draw):
        code, message, hint = chosen
        rejects.extend(Problem(r.file, r.sheet, r.row, r.headers.get("id", "身份证号"), r.id, code, message, hint)
                       for r in records)
        return SpotCounts(None, blank=blank)
    members = {i: (u, n) for i, u, n in con.execute(
        "SELECT id_number, unit, name FROM draw_members WHERE draw_id=?", (chosen.draw_id,))}
    counts = {"registered": 0, "replaced": 0, "unchanged": 0}
    for r in records:
        if r.id not in members:
            rejects.append(Problem(r.file, r.sheet, r.row, r.headers.get("id", "身份证号"), r.id, "E-SPOT-NOT-DRAWN",
                                   f"{r.name} 不在{chosen.label}的名单中，不能登记抽测成绩",
                                   "核对身份证号；只登记被抽中教师的成绩"))
            continue
        if members[r.id][1] != r.name:
            rejects.append(Problem(r.file, r.sheet, r.row, r.headers.get("name", "姓名"), r.name, "E-SPOT-NAME",
                                   f"抽样名单中该身份证号的姓名是 {members[r.id][1]}", "核对姓名与身份证号"))
            continue
        score = r.values.get("spot_score")
        new = (None if score is None else str(score), r.statuses.get("spot_score"))
        key = (chosen.draw_id, r.id)
        before = con.execute("SELECT score, status FROM spot_scores WHERE draw_id=? AND id_number=?", key).fetchone()
        before = tuple(before) if before is not None else prior.get(key)
        counts["registered" if before is None else "unchanged" if before == new else "replaced"] += 1
        con.execute("DELETE FROM spot_scores WHERE draw_id=? AND id_number=?", key)
        con.execute("INSERT INTO spot_scores VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (term, chosen.draw_id, r.id, members[r.id][0], r.name, *new, file_id, r.sheet, r.row))
    return SpotCounts(chosen.label, blank=blank, **counts)
