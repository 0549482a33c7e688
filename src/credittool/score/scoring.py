"""Course results (R1–R10), as pure functions with exact decimal arithmetic. No I/O.

Order of evaluation for one teacher × course (documented in rules/README.md):
1. attendance-only course (R5): passed iff attended.
2. exam prerequisites (R6): any unmet → not eligible to sit the exam → fail, no composite
   (checked first: an ineligible teacher's 缺考 is the consequence, not the cause).
3. a status word in any component: 缺考 → fail; 补考/缓考 → fail until the score arrives;
   免考 → pass (hours awarded).
4. composite = Σ weight × score (R2, R4), rounded once by the declared policy; the pass
   decision is made on that rounded value, which is the one shown.
5. minimums (R3): any unmet → fail, composite still shown.
6. hours and credits are awarded only on a pass (R10); credits = hours / 10 (R1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

from credittool.fields import label
from credittool.rules.schema import Course, Minimum, Rounding

_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}
_STATUS_TEXT = {"absent": "缺考", "exempt": "免考", "resit": "待补考", "deferred": "缓考"}
ZERO = Decimal(0)

# The reason texts, written here only: `resolve/scores.py` decides the plain results on
# whole columns and must say exactly what `evaluate` says.
NOT_ATTENDED = "未参加"  # R5
REASON_SEPARATOR = "；"  # between the reasons of one result, as stored and shown


def below_pass_mark(composite: Decimal | str, pass_mark: Decimal) -> str:
    """R2/R4: the rounded composite (or its text) is below the pass mark."""
    return f"综合成绩 {composite} 低于 {fmt(pass_mark)}"


def short_of(minimum: Minimum, value: Decimal | bool) -> str:
    """R3: a minimum to pass is not met."""
    return f"{label(minimum.field)} {fmt(value)}，少于 {fmt(minimum.exact_min)}"


def not_eligible(minimum: Minimum, value: Decimal | bool) -> str:
    """R6: one exam prerequisite not met."""
    return f"{label(minimum.field)} {fmt(value)} 未达到 {fmt(minimum.exact_min)}"


def reason_text(reasons: tuple[str, ...] | list[str]) -> str:
    return REASON_SEPARATOR.join(reasons)


@dataclass(frozen=True, slots=True)
class Outcome:
    composite: Decimal | None
    passed: bool
    hours: Decimal
    credits: Decimal
    reasons: tuple[str, ...] = ()
    eligible: bool = True  # may sit the exam (R6); only eligible teachers are spot-tested (R7)
    missing: tuple[str, ...] = field(default=())  # fields needed but blank: the row is rejected


def round_score(value: Decimal, rounding: Rounding) -> Decimal:
    return value.quantize(rounding.quantum, _MODES[rounding.mode])


def weighted(scores: list[Decimal], weights: list[Decimal], rounding: Rounding) -> Decimal:
    """R2/R4: Σ wᵢ·sᵢ, exact, then one rounding."""
    return round_score(sum((w * s for w, s in zip(weights, scores, strict=True)), ZERO), rounding)


def fmt(d: Decimal | bool) -> str:
    """A value as a reason shows it: 是/否, integers without a decimal point."""
    if isinstance(d, bool):  # homework written as 是/否
        return "是" if d else "否"
    return format(d.normalize(), "f") if d == d.to_integral() else format(d, "f")


def met(value: Any, minimum: Decimal) -> bool:
    """Whether a count reaches a minimum (R3, R6); 是 counts as met, 否 not."""
    if isinstance(value, bool):  # homework written as 是/否
        return value
    return value >= minimum


def evaluate(course: Course, pass_mark: Decimal, rounding: Rounding, values: dict[str, Any],
             statuses: dict[str, str], present: frozenset[str]) -> Outcome:
    """Result of one teacher in one course.

    values: field → canonical value (Decimal, bool) for non-blank cells;
    statuses: field → status kind for score cells holding a status word;
    present: fields whose column exists in the sheet (optional minimums need it).
    """
    hours, credits = course.exact_hours, course.credit_value

    def fail(*reasons: str, composite: Decimal | None = None, eligible: bool = True) -> Outcome:
        return Outcome(composite, False, ZERO, ZERO, reasons, eligible)

    if course.attendance_only:  # R5
        if "attendance" not in values:
            return Outcome(None, False, ZERO, ZERO, missing=("attendance",))
        return Outcome(None, True, hours, credits) if values["attendance"] else fail(NOT_ATTENDED)

    missing = []
    for req in course.exam_prerequisites:
        if req.field not in values and not (req.optional and req.field not in present):
            missing.append(req.field)
    unmet = [not_eligible(r, v) for r in course.exam_prerequisites
             if (v := values.get(r.field)) is not None and not met(v, r.exact_min)]
    if missing and not unmet:
        return Outcome(None, False, ZERO, ZERO, missing=tuple(missing))
    if unmet:  # R6: may not register for the exam
        return fail("未达报考条件：" + "，".join(unmet), eligible=False)

    parts = [statuses[c.field] for c in course.components if c.field in statuses]
    if parts:
        if "absent" in parts:
            return fail("缺考")
        for kind in ("resit", "deferred"):
            if kind in parts:
                return fail(_STATUS_TEXT[kind])
        return Outcome(None, True, hours, credits, ("免考",))

    blank = [c.field for c in course.components if c.field not in values]
    blank += [m.field for m in course.minimums
              if m.field not in values and not (m.optional and m.field not in present)]
    if blank:
        return Outcome(None, False, ZERO, ZERO, missing=tuple(blank))

    composite = weighted([values[c.field] for c in course.components],
                         [c.exact_weight for c in course.components], rounding)
    reasons = []
    if composite < pass_mark:
        reasons.append(below_pass_mark(composite, pass_mark))
    for m in course.minimums:  # R3
        v = values.get(m.field)
        if v is not None and not met(v, m.exact_min):
            reasons.append(short_of(m, v))
    if reasons:
        return fail(*reasons, composite=composite)
    return Outcome(composite, True, hours, credits)
