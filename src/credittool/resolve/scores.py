"""Each row's result in its course (R1–R10), on whole columns.

A plain result (every input there, no status word, the exam open to the teacher) is decided
on whole columns with exact integer arithmetic (`_plain_results`); any other row goes to
`scoring.evaluate`, once per distinct input, since it is a pure function: a province's four
million rows take a few hundred thousand calls. Both give what `evaluate` gives (tested,
tests/test_score_columns.py), and both take their reason texts from `scoring`.

Both read the measured values as the Table's codes (`Table.value_codes`, `status_codes`,
`has_column`: made once per run, indexed here by the rows scored), and score's result is
`Entries`, checked as `runtable.ENTRIES_AT_SCORE` declares it.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

import numpy as np
import pandas as pd

from credittool.diagnostics import Problem
from credittool.extract.rows import Record
from credittool.fields import label
from credittool.resolve.table import (Entries, RowProblems, Table, codes, factorize, first_of_groups, group_codes,
                                      object_array, pair_codes, row_problem)
from credittool.rules.loader import TermRules
from credittool.rules.schema import Course, Minimum, Rounding
from credittool.runtable import check_entries
from credittool.score.scoring import NOT_ATTENDED, below_pass_mark, evaluate, met, reason_text, short_of


class _Results:
    """The results being decided for the rows scored, aligned with them."""

    def __init__(self, n: int) -> None:
        self.composite = np.full(n, None, dtype=object)
        self.passed, self.eligible = np.zeros(n, np.int64), np.ones(n, np.int64)
        self.hours, self.credits = np.zeros(n, np.float64), np.zeros(n, np.float64)
        self.reason = np.full(n, "", dtype=object)
        self.done = np.zeros(n, bool)


def score(t: Table, rows: np.ndarray, track: np.ndarray, term: TermRules) -> tuple[Entries, RowProblems]:
    """Score every row of `rows` in its track: the accepted results, and the rows rejected
    (their course is not in their track, or a value they need is blank)."""
    res = _Results(len(rows))
    course, courses = t.coded("course_id")
    pair, pairs = pair_codes(factorize(track[rows]), (course[rows], courses))
    for key, pos in pd.Series(pair).groupby(pair, sort=False).indices.items():
        tid, cid = pairs[key]
        rs = term.by_track[tid]
        course = rs.course(cid)
        if course is None:
            continue
        decided, ok, text, why = _plain_results(course, rs.pass_mark_of(course), rs.rounding, t, rows[pos])
        hit, won = pos[decided], pos[decided & ok]
        res.composite[hit], res.reason[hit], res.done[hit] = text[decided], why[decided], True
        res.passed[won], res.hours[won], res.credits[won] = 1, float(course.hours), float(course.credit_value)
    problems = _evaluated(t, rows, track, term, res)
    keep = np.flatnonzero(res.done)
    kept = rows[keep]
    entries = Entries(t, kept, track=track[kept], composite=res.composite[keep], passed=res.passed[keep],
                      eligible=res.eligible[keep], hours=res.hours[keep], credits=res.credits[keep],
                      reason=res.reason[keep], inputs=inputs_text(t, kept))
    t.drop_measure_codes()
    check_entries(entries)  # the run table as declared, where it leaves score
    return entries, problems


def _evaluated(t: Table, rows: np.ndarray, track: np.ndarray, term: TermRules, res: _Results) -> RowProblems:
    """The rows not decided on columns, through `evaluate` once per distinct input: (track,
    course, every measured value and status, which columns the sheet has)."""
    problems: RowProblems = []
    rest = np.flatnonzero(~res.done)
    if not len(rest):
        return problems
    at = rows[rest]
    sheet_columns = codes(object_array([s.present for s in t.sheets]))
    key_cols = [codes(track[at]), t.coded("course_id")[0][at], sheet_columns[t.sheet[at]]]
    key_cols += [t.value_codes(f)[0][at] for f in sorted(t.values)]
    key_cols += [t.status_codes(f)[0][at] for f in sorted(t.statuses)]
    g = group_codes(key_cols)
    results = [_evaluate_one(t.record(i), track[i], term) for i in rows[rest[first_of_groups(g)]].tolist()]
    for p, k in zip(rest.tolist(), g.tolist()):
        out, why = results[k]
        if out is None:
            problems.append((int(rows[p]), why(t.record(int(rows[p])))))
            continue
        res.composite[p] = out.composite
        res.passed[p], res.eligible[p] = int(out.passed), int(out.eligible)
        res.hours[p], res.credits[p] = float(out.hours), float(out.credits)
        res.reason[p] = reason_text(out.reasons)
        res.done[p] = True
    return problems


def _met(t: Table, m: Minimum, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows `at`: whether `m`'s field can be judged (it is there, or it is optional
    and the sheet has no such column), and whether it is met (`scoring.met`; an optional
    field without a column is met)."""
    c, u = t.value_codes(m.field)
    met_u = np.array([met(v, m.exact_min) for v in u] + [False], dtype=bool)
    there = c[at] >= 0
    is_met = met_u[c[at]]  # code -1 picks the trailing False
    if m.optional:
        absent = ~t.has_column(m.field)[at]
        there |= absent
        is_met |= absent
    return there, is_met


def _attended(t: Table, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """R5, for rows `at`: decided where 是/否 is written; passed iff 是."""
    n = len(at)
    text, why = np.full(n, None, dtype=object), np.full(n, "", dtype=object)
    c, u = t.value_codes("attendance")
    decided = np.array([isinstance(v, bool) for v in u] + [False], dtype=bool)[c[at]]
    yes = np.array([v is True for v in u] + [False], dtype=bool)[c[at]]
    why[decided & ~yes] = NOT_ATTENDED
    return decided, yes, text, why


def _plain_results(course: Course, pass_mark: Decimal, rounding: Rounding, t: Table,
                   at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For rows `at` (of the Table): which are decided here, which of those pass, their composite as
    (a Decimal) and their reason, as `scoring.evaluate` gives them. Decided: attended or not
    (R5, 是/否); or every prerequisite (R6) met, every component a number without a
    status word and every minimum (R3) there, so that the result is Σ weight × score (R2,
    R4), rounded once, against the pass mark, and the minimums. Others: `evaluate`."""
    if course.attendance_only:
        return _attended(t, at)
    n = len(at)
    text, why = np.full(n, None, dtype=object), np.full(n, "", dtype=object)
    decided = np.ones(n, bool)
    for m in course.exam_prerequisites:
        decided &= _met(t, m, at)[1]
    places = [max((-v.as_tuple().exponent for v in t.value_codes(c.field)[1] if isinstance(v, Decimal)), default=0)
              for c in course.components]
    p = max(places, default=0)
    q = max(-c.exact_weight.as_tuple().exponent for c in course.components)
    if p + q > 12:  # beyond int64 head-room for exact sums: let evaluate do it
        return np.zeros(n, bool), np.zeros(n, bool), text, why
    total = np.zeros(n, np.int64)
    for c in course.components:
        codes_, u = t.value_codes(c.field)
        number = np.array([isinstance(v, Decimal) for v in u] + [False], dtype=bool)
        scaled = np.array([int(v.scaleb(p)) if isinstance(v, Decimal) else 0 for v in u] + [0], dtype=np.int64)
        decided &= number[codes_[at]] & (t.status_codes(c.field)[0][at] < 0)
        total += int(c.exact_weight.scaleb(q)) * scaled[codes_[at]]
    short: list[tuple[np.ndarray, np.ndarray]] = []  # per minimum: rows short of it, and what it says
    for m in course.minimums:
        there, is_met = _met(t, m, at)
        decided &= there
        c, u = t.value_codes(m.field)
        says = object_array([short_of(m, v) for v in u] + [""])
        short.append((~is_met, says[c[at]]))
    r = rounding.places
    rounded = _rounded(total, p + q, rounding)
    low = rounded < int(pass_mark.scaleb(r).to_integral_value(rounding=ROUND_CEILING))
    ok = ~low
    for miss, _ in short:
        ok &= ~miss
    distinct, inverse = np.unique(rounded[decided], return_inverse=True)
    text[decided] = object_array([Decimal(int(v)).scaleb(-r) for v in distinct])[inverse]
    for i in np.flatnonzero(decided & ~ok).tolist():  # the failures only: a few per cent of rows
        parts = [below_pass_mark(text[i], pass_mark)] if low[i] else []
        why[i] = reason_text(parts + [says[i] for miss, says in short if miss[i]])
    return decided, ok, text, why


def _rounded(total: np.ndarray, scale: int, rounding: Rounding) -> np.ndarray:
    """Exact sums with `scale` decimal places, rounded once to the rules' places (R4), as
    integers with that many places."""
    r = rounding.places
    if scale <= r:
        return total * 10 ** (r - scale)
    d = 10 ** (scale - r)
    whole, rem = np.divmod(total, d)
    up = 2 * rem > d if rounding.mode == "half_even" else 2 * rem >= d
    if rounding.mode == "half_even":
        up |= (2 * rem == d) & (whole % 2 == 1)
    return whole + up


def inputs_text(t: Table, kept: np.ndarray) -> np.ndarray:
    """The `inputs` text of each kept row (of the Table), built once per distinct combination:
    its parts `field=value` (`field=!status` for a status word) joined by ";" in sorted order."""
    parts, key_cols = [], []
    # in field order, a field's status before its value: that is the parts' sorted order, as
    # no field name is a prefix of another and "!" sorts before any value's text
    for f in sorted(set(t.values) | set(t.statuses)):
        if f in t.statuses:
            c, u = t.status_codes(f)
            parts.append((c, [f"{f}=!{v}" for v in u]))
            key_cols.append(c[kept])
        if f in t.values:
            c, u = t.value_codes(f)
            parts.append((c, [f"{f}={'是' if v is True else '否' if v is False else v}" for v in u]))
            key_cols.append(c[kept])
    if not len(kept):
        return np.zeros(0, dtype=object)
    if not parts:
        return np.full(len(kept), "", dtype=object)
    g = group_codes(key_cols)
    firsts = kept[first_of_groups(g)]
    # each part's text for each combination ("" where the row has none: code -1 picks it)
    columns = [object_array(u + [""])[c[firsts]].tolist() for c, u in parts]
    texts = [";".join(filter(None, row)) for row in zip(*columns)]
    return object_array(texts)[g]


def _evaluate_one(r: Record, track: str, term: TermRules):
    """(outcome, None) for a row that scores; (None, problems-of(record)) for one that is
    rejected: its course is not in its track, or a value it needs is blank."""
    rs = term.by_track[track]
    course = rs.course(r.course_id)
    if course is None:
        def wrong_track(rec: Record) -> list[Problem]:
            return [row_problem(rec, "course", "E-COURSE-TRACK",
                                f"课程「{term.course_named(rec.course_id).name}」不属于{rs.track.name}培训",
                                f"核对课程，或核对「{rec.unit}」的培训类型")]
        return None, wrong_track
    out = evaluate(course, rs.pass_mark_of(course), rs.rounding, r.values, r.statuses, r.present)
    if out.missing:
        def blanks(rec: Record) -> list[Problem]:
            probs = []
            for f in out.missing:
                if f in rec.present:
                    probs.append(row_problem(rec, f, "E-VALUE-BLANK", f"{label(f)}为空（课程{course.name}需要）",
                                             "补填；缺考请填「缺考」，免考请填「免考」"))
                else:
                    probs.append(Problem(rec.file, rec.sheet, rec.row, label(f), "", "E-COLUMN-MISSING",
                                         f"工作表缺少「{label(f)}」列（课程{course.name}需要）",
                                         "加上该列；现有列：" + rec.columns_seen))
            return probs
        return None, blanks
    return out, None
