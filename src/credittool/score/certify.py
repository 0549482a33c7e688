"""The annual stamp (验印), per teacher, from their course results. Pure: no I/O.

R9: failing any one assessment means no stamp. So a teacher is stamped iff every
required course of their track has a result and is passed, and no course they took
(required or elective) is failed. A required course with no accepted row counts as
not passed (原因: 缺少成绩), unless a row of it was rejected (原因: 成绩行未被接受, naming the
row): the clerk then fixes that row rather than chasing a result never sent. Which rows are
whose is decided in ledger/absences.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the report's imports stay light
    from credittool.rules.loader import TermRules


# kinds of a course's absence (ledger/absences.py decides them)
REJECTED = "rejected"  # a row of it was not accepted
UNIMPORTED = "unimported"  # the sheet that held it was not imported
REJECTED_MARK = "成绩行未被接受"


@dataclass(frozen=True)
class CourseResult:
    course_id: str
    passed: bool
    reason: str
    hours: Decimal
    credits: Decimal


@dataclass(frozen=True)
class Stamp:
    stamped: bool
    hours: Decimal
    credits: Decimal
    reasons: tuple[str, ...]


def stamp(track: str, results: Iterable[CourseResult], term: TermRules,
          absent: Mapping[str, tuple[str, str]] | None = None) -> Stamp:
    """`absent`: course id → (REJECTED or UNIMPORTED, where) for a course without an
    accepted row."""
    rs = term.by_track[track]
    absent = absent or {}
    by_course = {r.course_id: r for r in results}
    reasons: list[str] = []
    for course in rs.courses:  # rules order keeps the reasons stable
        r = by_course.get(course.id)
        if r is None:
            if course.required:
                reasons.append(_missing(course.name, absent.get(course.id)))
        elif not r.passed:
            reasons.append(f"不合格：{course.name}" + (f"（{r.reason}）" if r.reason else ""))
    hours = sum((r.hours for r in by_course.values()), Decimal(0))
    credits = sum((r.credits for r in by_course.values()), Decimal(0))
    return Stamp(not reasons, hours, credits, tuple(reasons))


def _missing(course: str, why: tuple[str, str] | None) -> str:
    if why is None:
        return f"缺少成绩：{course}"
    kind, where = why
    if kind == REJECTED:
        return f"{REJECTED_MARK}：{course}（{where}）"
    return f"缺少成绩：{course}（{where}）"
