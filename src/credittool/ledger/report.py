"""The term's report, computed from the ledger alone (no rules files): spot-test rankings
by individual and by school (R8), per-school summaries, and who is not stamped and why (R9).

Only reads the ledger, in one read transaction (a consistent snapshot while an ingest may
be running). Writing is done by `reportbook` (report.xlsx) and `publish` (the public copy).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from credittool.ledger import draws
from credittool.ledger.terms import TRACK_ORDER
from credittool.errors import CredittoolError
from credittool.rules.schema import STATUS_WORDS
from credittool.score.ranking import exact_mean, half_up, rank_desc, ratio

ABSENT = STATUS_WORDS["absent"]
# spot-test statuses that are not a result yet: the teacher is left out of the rankings
PENDING_STATUS = {k: w for k, w in STATUS_WORDS.items() if k != "absent"}


@dataclass(frozen=True)
class Person:
    """One line of 个人排名. `score` is None for a teacher marked 缺考 (listed last, no rank)."""
    rank: int | None
    unit: str
    name: str
    id_number: str
    score: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        # carries the ID for internal use; every table is cut down by an allow-list (publish.py)
        return {"名次": self.rank, "单位": self.unit, "姓名": self.name, "身份证号": self.id_number,
                "抽测成绩": ABSENT if self.score is None else self.score}


@dataclass(frozen=True)
class School:
    """One line of 团体排名 (R8: by group). `mean` is exact; `shown` is what is published."""
    rank: int
    unit: str
    tested: int  # drawn teachers of the school with a result (缺考 included)
    absent: int
    mean: Fraction

    @property
    def shown(self) -> Decimal:
        return half_up(self.mean)

    def as_dict(self) -> dict[str, Any]:
        return {"名次": self.rank, "单位": self.unit, "抽测人数": self.tested, "缺考人数": self.absent,
                "平均成绩": self.shown}


@dataclass(frozen=True)
class CourseStat:
    entries: int  # teachers with an accepted result in the course
    passed: int
    composites: tuple[Decimal, ...]  # the non-NULL composites

    @property
    def pass_rate(self) -> Fraction | None:
        return ratio(self.passed, self.entries)

    @property
    def mean_composite(self) -> Decimal | None:
        return half_up(exact_mean(self.composites)) if self.composites else None


@dataclass(frozen=True)
class UnitSummary:
    unit: str
    teachers: int
    stamped: int
    hours: Decimal
    credits: Decimal
    courses: tuple[CourseStat | None, ...]  # in Report.courses order; None: no entries in that course

    @property
    def stamp_rate(self) -> Fraction | None:
        return ratio(self.stamped, self.teachers)


@dataclass(frozen=True)
class TrackSummary:
    """单位汇总 of one track (文本 / 网联 / 幼儿): only its teachers and its courses, since a
    school's teachers take their own track's courses; a block is narrow enough to print."""
    track: str
    name: str
    courses: tuple[tuple[str, str], ...]  # (course_id, name) with entries in this track
    units: tuple[UnitSummary, ...]
    total: UnitSummary


@dataclass(frozen=True)
class Unstamped:
    unit: str
    name: str
    id_number: str
    reasons: str  # R9: every reason, joined by "；" as in the register's 学分汇总


@dataclass(frozen=True)
class SpotState:
    draw_id: int | None  # the draw whose scores are used (draws.for_report)
    drawn: int = 0
    scored: int = 0
    absent: int = 0
    pending: dict[str, int] = field(default_factory=dict)  # 未填 / 免考 / 补考 / 缓考 → count
    drawn_units: tuple[str, ...] = ()  # every school of the draw, in order
    missing: dict[str, int] = field(default_factory=dict)  # school → drawn teachers still to score (未填, 补考, 缓考)
    seq: int | None = None  # the term's 1st, 2nd … draw
    choice: str = ""  # which draw, said when the term has several

    @property
    def has_results(self) -> bool:
        return bool(self.scored or self.absent)

    @property
    def waiting(self) -> int:
        return sum(self.pending.values())

    @property
    def complete(self) -> bool:
        """Every drawn teacher has a final result (a score, 缺考 or 免考)."""
        return self.has_results and not self.missing


@dataclass(frozen=True)
class Report:
    term: str
    term_name: str
    courses: tuple[tuple[str, str], ...]  # (course_id, name) with entries, in courses.position order
    people: tuple[Person, ...]
    schools: tuple[School, ...]
    units: tuple[UnitSummary, ...]
    total: UnitSummary
    unstamped: tuple[Unstamped, ...]
    spot: SpotState
    tracks: tuple[TrackSummary, ...] = ()


def build_report(con: sqlite3.Connection, term: str, term_name: str, draw: int | None = None) -> Report:
    """`draw`: the term's draw to rank (1 = sample.xlsx, N = sample-N.xlsx); by default the one
    with scores (draws.for_report)."""
    con.execute("BEGIN")  # one snapshot for every query below
    try:
        _check_stamps(con, term)
        chosen, choice = draws.for_report(con, term, draw)
        courses = _courses(con, term)
        results = _results(con, term)
        units, total, unstamped = _summaries(con, term, courses, results)
        tracks = _track_summaries(con, term, courses, results)
        people, schools, spot = _rankings(con, term, chosen, choice)
    finally:
        con.execute("COMMIT")
    return Report(term, term_name, courses, people, schools, units, total, unstamped, spot, tracks)


def _check_stamps(con: sqlite3.Connection, term: str) -> None:
    """The stamps are recomputed after each ingest; a ledger written before they existed
    (or an ingest stopped between its two steps) has stamps that miss the current entries."""
    teachers, stamps, matched = con.execute(
        """WITH t AS (SELECT DISTINCT e.id_number FROM entries e JOIN files f USING(file_id)
                      WHERE e.term=?1 AND f.active=1)
           SELECT (SELECT COUNT(*) FROM t), (SELECT COUNT(*) FROM stamps WHERE term=?1),
                  (SELECT COUNT(*) FROM stamps WHERE term=?1 AND id_number IN t)""", (term,)).fetchone()
    if not teachers == stamps == matched:
        raise CredittoolError(f"台账中的验印结果与成绩记录不一致（{teachers} 名教师有成绩，验印结果 {stamps} 条）",
                              "重新运行一次 credittool ingest（用已导入的文件即可，不会重复计数），再运行 report")


def _courses(con: sqlite3.Connection, term: str) -> tuple[tuple[str, str], ...]:
    return tuple(con.execute(
        """SELECT c.course_id, c.name FROM courses c WHERE c.term=? AND EXISTS (
               SELECT 1 FROM entries e JOIN files f USING(file_id)
               WHERE e.term=c.term AND e.course_id=c.course_id AND f.active=1)
           ORDER BY c.position, c.course_id""", (term,)).fetchall())


Results = dict[tuple[str, str, str], list[tuple[int, str | None]]]  # (track, unit, course) → (passed, composite)


def _results(con: sqlite3.Connection, term: str) -> Results:
    results: Results = defaultdict(list)
    for track, unit, cid, passed, comp in con.execute(
            """SELECT e.track, e.unit, e.course_id, e.passed, e.composite FROM entries e JOIN files f USING(file_id)
               WHERE e.term=? AND f.active=1""", (term,)):
        results[(track, unit, cid)].append((passed, comp))
    return results


def _summaries(con: sqlite3.Connection, term: str, courses: tuple[tuple[str, str], ...], results: Results
               ) -> tuple[tuple[UnitSummary, ...], UnitSummary, tuple[Unstamped, ...]]:
    stamps = con.execute("SELECT unit, name, id_number, stamped, hours, credits, reasons FROM stamps"
                         " WHERE term=? ORDER BY unit, id_number", (term,)).fetchall()
    per_course: dict[tuple[str, str], list[tuple[int, str | None]]] = defaultdict(list)
    for (_, unit, cid), rs in results.items():
        per_course[(unit, cid)] += rs
    by_unit: dict[str, list[tuple]] = defaultdict(list)
    for row in stamps:
        by_unit[row[0]].append(row)

    def summary(label: str, rows: list[tuple], keys: list[tuple[str, str]]) -> UnitSummary:
        return _unit_summary(label, [r[3:6] for r in rows], [
            [r for unit, c in keys if c == cid for r in per_course.get((unit, c), [])] for cid, _ in courses])

    units = tuple(summary(u, rows, [(u, cid) for cid, _ in courses]) for u, rows in sorted(by_unit.items()))
    total = summary("合计", list(stamps), sorted(per_course))
    # R9: a teacher is not stamped for every reason recorded at ingest, all of them listed
    unstamped = tuple(Unstamped(unit, name, ident, reasons)
                      for unit, name, ident, stamped, _, _, reasons in stamps if not stamped)
    return units, total, unstamped


def _unit_summary(label: str, teachers: list[tuple], results: list[list[tuple[int, str | None]]]) -> UnitSummary:
    """One line of 单位汇总: `teachers` as (stamped, hours, credits), and per course the
    (passed, composite) of each result."""
    stats = tuple(CourseStat(len(rs), sum(p for p, _ in rs), tuple(Decimal(c) for _, c in rs if c is not None))
                  if rs else None for rs in results)
    return UnitSummary(label, len(teachers), sum(t[0] for t in teachers),
                       sum((Decimal(str(t[1])) for t in teachers), Decimal(0)),
                       sum((Decimal(str(t[2])) for t in teachers), Decimal(0)), stats)


def _track_summaries(con: sqlite3.Connection, term: str, courses: tuple[tuple[str, str], ...], results: Results
                     ) -> tuple[TrackSummary, ...]:
    """单位汇总 per track: a teacher counts in their track's block, a course in the blocks of
    the tracks that have results in it."""
    names = dict(con.execute("SELECT DISTINCT track, track_name FROM track_courses WHERE term=?", (term,)))
    teachers: dict[tuple[str, str], list[tuple]] = defaultdict(list)  # (track, unit) → (stamped, hours, credits)
    for track, unit, *rest in con.execute("SELECT track, unit, stamped, hours, credits FROM stamps WHERE term=?"
                                          " ORDER BY unit, id_number", (term,)):
        teachers[(track, unit)].append(tuple(rest))
    taken = {(t, cid) for t, _, cid in results}
    blocks = []
    for track in sorted({t for t, _ in teachers}, key=lambda t: ((TRACK_ORDER + (t,)).index(t), t)):
        mine = tuple(c for c in courses if (track, c[0]) in taken)
        units = sorted(u for t, u in teachers if t == track)
        rows = tuple(_unit_summary(u, teachers[(track, u)], [results.get((track, u, cid), []) for cid, _ in mine])
                     for u in units)
        total = _unit_summary("合计", [t for u in units for t in teachers[(track, u)]],
                              [[r for u in units for r in results.get((track, u, cid), [])] for cid, _ in mine])
        blocks.append(TrackSummary(track, names.get(track, track), mine, rows, total))
    return tuple(blocks)


def _rankings(con: sqlite3.Connection, term: str, chosen: draws.Draw | None,
              choice: str) -> tuple[tuple[Person, ...], tuple[School, ...], SpotState]:
    if chosen is None:
        return (), (), SpotState(None)
    draw_id = chosen.draw_id
    members = con.execute("SELECT id_number, unit, name FROM draw_members WHERE draw_id=?", (draw_id,)).fetchall()
    results = {ident: (score, status) for ident, score, status in con.execute(
        """SELECT s.id_number, s.score, s.status FROM spot_scores s JOIN files f USING(file_id)
           WHERE s.term=? AND s.draw_id=? AND f.active=1""", (term, draw_id))}
    scored, absent, pending, missing = [], [], defaultdict(int), defaultdict(int)
    for ident, unit, name in members:
        score, status = results.get(ident, (None, None))
        if score is not None:
            scored.append(Person(None, unit, name, ident, Decimal(score)))
        elif status == "absent":
            absent.append(Person(None, unit, name, ident, None))
        else:
            pending[PENDING_STATUS.get(status or "", "未填")] += 1
            missing[unit] += status != "exempt"  # 免考 is final: no score will come
    order = lambda p: (p.unit, p.name, p.id_number)  # noqa: E731 - stable order among equal scores
    ranked = [Person(rank, p.unit, p.name, p.id_number, p.score)
              for rank, p in rank_desc(scored, lambda p: p.score, order)]
    people = tuple(ranked + sorted(absent, key=order))  # 缺考: listed after the ranked, no rank
    # R8 by group: the school's score is the mean over its drawn teachers with a result,
    # 缺考 counting as 0 so that absence is never rewarded; ranked on the exact mean
    by_unit: dict[str, list[Decimal]] = defaultdict(list)
    absent_by_unit: dict[str, int] = defaultdict(int)
    for p in people:
        by_unit[p.unit].append(p.score if p.score is not None else Decimal(0))
        absent_by_unit[p.unit] += p.score is None
    means = [(unit, len(vals), exact_mean(vals)) for unit, vals in by_unit.items()]
    schools = tuple(School(rank, unit, n, absent_by_unit[unit], mean)
                    for rank, (unit, n, mean) in rank_desc(means, lambda m: m[2], lambda m: (m[0],)))
    spot = SpotState(draw_id, len(members), len(scored), len(absent), dict(sorted(pending.items())),
                     tuple(sorted({unit for _, unit, _ in members})),
                     {u: n for u, n in sorted(missing.items()) if n}, chosen.seq, choice)
    return people, schools, spot


# ---- the sentences that explain each table (shown above it, in report.xlsx and publish/) ----

WAITING = "抽测成绩尚未登记：排名待抽测成绩导入后生成（填好 sample.xlsx 的「抽测成绩」后用 credittool ingest 导入）。"
PERSON_RULE = ("按抽测成绩从高到低排列（R8）；成绩相同名次相同，其后名次顺延跳过（如 1、2、2、4），"
               "同分者按单位、姓名排列。缺考者列在最后，不排名次。")
SCHOOL_RULE = ("单位平均成绩 = 该校被抽中且已有抽测结果的教师的抽测成绩之和 ÷ 人数，缺考按 0 分计入"
               "（缺考不会抬高平均成绩），尚未登记成绩者不计入；按平均成绩从高到低排列（R8），"
               "名次按未取整的平均值排定，相同者名次相同、其后顺延（如 1、2、2、4），同名次按单位名称排列；"
               "平均成绩四舍五入保留一位小数显示。")


def spot_notes(spot: SpotState) -> list[str]:
    """Counts only (never a seed, name or ID): safe for the public copy too."""
    if spot.draw_id is None:
        return [WAITING, "本学期还没有抽样（credittool sample）。"]
    choice = [spot.choice] if spot.choice else []
    if not spot.has_results:
        return [WAITING, *choice]
    line = f"第 {spot.seq} 次抽样共抽中 {spot.drawn} 人：已登记成绩 {spot.scored} 人，缺考 {spot.absent} 人"
    if spot.waiting:
        why = "，".join(f"{k} {n} 人" for k, n in spot.pending.items())
        line += f"；另有 {spot.waiting} 人尚无成绩（{why}），未列入排名，成绩登记后重新生成即可"
    return [line + "。", *choice]
