"""The annual stamp (验印), per teacher, from their course results. Pure: no I/O.

R9: failing any one assessment means no stamp. So a teacher is stamped iff every
required course of their track has a result and is passed, and no course they took
(required or elective) is failed. A required course with no accepted row counts as
not passed (原因: 缺少成绩).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from credittool.rules.loader import TermRules


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


def stamp(track: str, results: Iterable[CourseResult], term: TermRules) -> Stamp:
    rs = term.by_track[track]
    by_course = {r.course_id: r for r in results}
    reasons: list[str] = []
    for course in rs.courses:  # rules order keeps the reasons stable
        r = by_course.get(course.id)
        if r is None:
            if course.required:
                reasons.append(f"缺少成绩：{course.name}")
        elif not r.passed:
            reasons.append(f"不合格：{course.name}" + (f"（{r.reason}）" if r.reason else ""))
    hours = sum((r.hours for r in by_course.values()), Decimal(0))
    credits = sum((r.credits for r in by_course.values()), Decimal(0))
    return Stamp(not reasons, hours, credits, tuple(reasons))
