"""Each programme row's result (R1, R13): the hours its roster writes, or the programme's
fixed hours, awarded when the row is passed.

Passed: the result column's word (the rules' `result_words`); a blank result, or no result
column, counts as passed only where the programme is attendance-based. A row above the
programme's `max_hours`, a passed row without hours, and a row without a result where one
is needed are rejected with the value seen. Like scores.py, each distinct input (programme,
hours, result, whether the sheet has a result column) is decided once, and the rows take
their result by code.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from decimal import Decimal

import numpy as np

from credittool.diagnostics import HOURS_CREDITS, Problem, Severity
from credittool.extract.rows import Record
from credittool.fields import label
from credittool.resolve.table import RowProblems, Table, first_of_groups, group_codes
from credittool.rules.programmes import Programme, ProgrammeSet
from credittool.score.standards import show

NOT_PASSED = "考核未通过"


@dataclass(frozen=True)
class Outcome:
    """A programme row's result, or the problems that reject it (`problems` not empty)."""

    passed: bool = False
    hours: Decimal = Decimal(0)
    credits: Decimal = Decimal(0)
    reason: str = ""
    problems: tuple[tuple[str, str, str, str], ...] = ()  # (field, code, message, hint)
    disagrees: str = ""  # the row's 学分 is not its 学时 × credits_per_hour: said, the 学时 count


def outcome(p: Programme, hours: Decimal | None, result: bool | None, has_result: bool, has_hours: bool,
            credits_per_hour: Decimal, credits: Decimal | None = None) -> Outcome:
    """One row of programme `p`: `hours` and `result` as the cells give them (None: blank),
    `has_result`/`has_hours`: whether the sheet has those columns. A roster that gives 学分
    and no 学时 (`credits`, a platform's export) has hours = credits / credits_per_hour (R1)."""
    problems = []
    field = "hours"
    if hours is None and credits is not None:
        field, hours = "credits", _canonical(credits / credits_per_hour)
    if hours is not None and hours > p.exact_max_hours:
        said = f"学分 {credits}（即 {hours} 学时）" if field == "credits" else f"学时 {hours} "
        problems.append((field, "E-HOURS-MAX", f"{said}超过项目「{p.name}」每行上限 {p.max_hours} 学时",
                         "核对学时（是否多打了一位数字）"))
    if result is None and not p.attendance_based:
        problems.append(_missing("result", has_result, p))
    passed = bool(result) if result is not None else p.attendance_based
    awarded = p.exact_fixed_hours if p.exact_fixed_hours is not None else hours
    if awarded is None and passed:
        problems.append(_missing("hours", has_hours, p))
    if problems:
        return Outcome(problems=tuple(problems))
    if not passed:
        return Outcome(reason=NOT_PASSED)
    return Outcome(True, awarded, awarded * credits_per_hour, disagrees=_disagreement(field, hours, credits, credits_per_hour))


def _disagreement(field: str, hours: Decimal | None, credits: Decimal | None, per_hour: Decimal) -> str:
    """Where a row gives both 学时 and 学分 and they disagree by more than a tenth's rounding
    (12.5 学时 may be written 1.2 or 1.3 学分): what to say. R1: 学分 = 学时 × credits_per_hour."""
    if field != "hours" or hours is None or credits is None or abs(hours * per_hour - credits) <= Decimal("0.05"):
        return ""
    return f"学时 {hours} 与学分 {credits} 不符（按每学时 {per_hour} 学分，{hours} 学时应为 {_canonical(hours * per_hour)} 学分）"


def _canonical(d: Decimal) -> Decimal:
    """3 学分 / 0.1 is 30 学时, not 3E+1."""
    return Decimal(int(d)) if d == d.to_integral_value() else d.normalize()


def _missing(field: str, has_column: bool, p: Programme) -> tuple[str, str, str, str]:
    if has_column:
        return (field, "E-VALUE-BLANK", f"{label(field)}为空（项目{p.name}需要）",
                "补填" + ("；合格填「合格」，不合格填「不合格」" if field == "result" else "学时数"))
    return (field, "E-COLUMN-MISSING", f"工作表缺少「{label(field)}」列（项目{p.name}需要）", "加上该列")


@dataclass
class Results:
    """The results of the programme rows scored, aligned with them; `done` is False where the
    row is rejected."""

    passed: np.ndarray
    hours: np.ndarray
    credits: np.ndarray
    reason: np.ndarray
    category: np.ndarray
    done: np.ndarray
    warnings: list[Problem] = dc_field(default_factory=list)  # accepted, but 学时 and 学分 disagree


def score_programmes(t: Table, rows: np.ndarray, ps: ProgrammeSet) -> tuple[Results, RowProblems]:
    """Score the programme rows `rows` (of the Table): their results, and the rows rejected."""
    n = len(rows)
    res = Results(np.zeros(n, np.int64), np.zeros(n, np.float64), np.zeros(n, np.float64),
                  np.full(n, "", dtype=object), np.full(n, "", dtype=object), np.zeros(n, bool))
    problems: RowProblems = []
    if not n:
        return res, problems
    has_result = t.has_column("result")[rows]
    has_hours = t.has_column("hours")[rows] | t.has_column("credits")[rows]
    g = group_codes([t.coded("course_id")[0][rows], t.value_codes("hours")[0][rows], t.value_codes("credits")[0][rows],
                     t.value_codes("result")[0][rows], has_result.astype(np.int64), has_hours.astype(np.int64)])
    hours, credits, result = (t.values.get(f) for f in ("hours", "credits", "result"))

    def at(col: np.ndarray | None, i: int) -> object:
        return None if col is None else col[i]

    outs = [outcome(ps.by_id[t.col["course_id"][rows[k]]], at(hours, rows[k]), at(result, rows[k]), bool(has_result[k]),
                    bool(has_hours[k]), ps.exact_credits_per_hour, at(credits, rows[k]))
            for k in first_of_groups(g).tolist()]
    for k, c in enumerate(g.tolist()):
        o = outs[c]
        if o.problems:
            problems.append((int(rows[k]), _problems(t.record(int(rows[k])), o)))
            continue
        res.passed[k], res.hours[k], res.credits[k], res.reason[k] = int(o.passed), float(o.hours), \
            float(o.credits), o.reason
        res.done[k] = True
        if o.disagrees:
            r = t.record(int(rows[k]))
            res.warnings.append(Problem(r.file, r.sheet, r.row, r.headers.get("hours", label("hours")), show(o.hours),
                                        HOURS_CREDITS, f"{o.disagrees}：按学时计 {show(o.hours)} 学时",
                                        "核对该行的学时与学分；学时有误就改正后重新导入该文件", Severity.WARNING))
    res.category[:] = [ps.by_id[c].category for c in t.col["course_id"][rows].tolist()]
    return res, problems


def _problems(r: Record, o: Outcome) -> list[Problem]:
    out = []
    for field, code, message, hint in o.problems:
        if code == "E-COLUMN-MISSING":
            out.append(Problem(r.file, r.sheet, r.row, label(field), "", code, message,
                               hint + "；现有列：" + r.columns_seen))
        else:
            value = r.values.get(field)
            out.append(Problem(r.file, r.sheet, r.row, r.headers.get(field, label(field)),
                               "" if value is None else str(value), code, message, hint))
    return out
