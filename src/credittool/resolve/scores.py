"""Each row's result in its course (R1–R10), on whole columns.

A plain result (every input there, no status word, the exam open to the teacher) is decided
on whole columns with exact integer arithmetic (`_plain_results`); any other row goes to
`scoring.evaluate`, once per distinct input, since it is a pure function: a province's four
million rows take a few hundred thousand calls. Both give what `evaluate` gives (tested,
tests/test_score_columns.py), and both take their reason texts from `scoring`.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

import numpy as np
import pandas as pd

from credittool.diagnostics import Problem
from credittool.extract.rows import Record
from credittool.fields import FIELDS, label
from credittool.resolve.table import (Entries, RowProblems, Table, codes, factorize, first_of_groups, group_codes,
                                      object_array, pair_codes, row_problem)
from credittool.rules.loader import TermRules
from credittool.rules.schema import Course, Minimum, Rounding
from credittool.runtable import check_entries
from credittool.score.scoring import NOT_ATTENDED, below_pass_mark, evaluate, met, reason_text, short_of


class _Columns:
    """The measured values of some rows, coded once: per field the codes of its values
    (None = -1) with their distinct values, the codes of its statuses, and whether each
    row's sheet has the field's column."""

    def __init__(self, t: Table, rows: np.ndarray) -> None:
        self.values = {f: factorize(v[rows], FIELDS[f][0]) for f, v in sorted(t.values.items())}
        self.statuses = {f: factorize(v[rows]) for f, v in sorted(t.statuses.items())}
        self._sheet, self._sheets = t.sheet[rows], t.sheets
        self._present: dict[str, np.ndarray] = {}
        self.n = len(rows)

    def present(self, f: str) -> np.ndarray:
        """Whether each row's sheet has a column for `f` (made when first asked)."""
        if f not in self._present:
            self._present[f] = np.array([f in s.present for s in self._sheets], dtype=bool)[self._sheet]
        return self._present[f]

    def value(self, f: str) -> tuple[np.ndarray, list]:
        return self.values.get(f, (np.full(self.n, -1, np.int64), []))

    def no_status(self, f: str) -> np.ndarray:
        c = self.statuses.get(f)
        return np.ones(self.n, bool) if c is None else c[0] < 0


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
    cols = _Columns(t, rows)
    res = _Results(len(rows))
    pair, pairs = pair_codes(track[rows], t.col["course_id"][rows])
    for key, pos in pd.Series(pair).groupby(pair, sort=False).indices.items():
        tid, cid = pairs[key]
        rs = term.by_track[tid]
        course = rs.course(cid)
        if course is None:
            continue
        decided, ok, text, why = _plain_results(course, rs.pass_mark_of(course), rs.rounding, cols, pos)
        hit, won = pos[decided], pos[decided & ok]
        res.composite[hit], res.reason[hit], res.done[hit] = text[decided], why[decided], True
        res.passed[won], res.hours[won], res.credits[won] = 1, float(course.hours), float(course.credit_value)
    problems = _evaluated(t, rows, track, term, cols, res)
    keep = np.flatnonzero(res.done)
    kept = rows[keep]
    entries = Entries(t, kept, track[kept], res.composite[keep], res.passed[keep], res.eligible[keep],
                      res.hours[keep], res.credits[keep], res.reason[keep], _inputs(cols, keep))
    check_entries(entries)  # the run table as declared, where it leaves score
    return entries, problems


def _evaluated(t: Table, rows: np.ndarray, track: np.ndarray, term: TermRules, cols: _Columns,
               res: _Results) -> RowProblems:
    """The rows not decided on columns, through `evaluate` once per distinct input: (track,
    course, every measured value and status, which columns the sheet has)."""
    problems: RowProblems = []
    rest = np.flatnonzero(~res.done)
    if not len(rest):
        return problems
    key_cols = [codes(track[rows][rest]), codes(t.col["course_id"][rows][rest]),
                codes(object_array([s.present for s in t.sheets]))[t.sheet[rows][rest]]]
    key_cols += [c[rest] for c, _ in cols.values.values()] + [c[rest] for c, _ in cols.statuses.values()]
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


def _met(cols: _Columns, m: Minimum, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows of `pos`: whether `m`'s field can be judged (it is there, or it is optional
    and the sheet has no such column), and whether it is met (`scoring.met`; an optional
    field without a column is met)."""
    c, u = cols.value(m.field)
    met_u = np.array([met(v, m.exact_min) for v in u] + [False], dtype=bool)
    there = c[pos] >= 0
    is_met = met_u[c[pos]]  # code -1 picks the trailing False
    if m.optional:
        absent = ~cols.present(m.field)[pos]
        there |= absent
        is_met |= absent
    return there, is_met


def _attended(cols: _Columns, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """R5, for rows of `pos`: decided where 是/否 is written; passed iff 是."""
    n = len(pos)
    text, why = np.full(n, None, dtype=object), np.full(n, "", dtype=object)
    c, u = cols.value("attendance")
    decided = np.array([isinstance(v, bool) for v in u] + [False], dtype=bool)[c[pos]]
    yes = np.array([v is True for v in u] + [False], dtype=bool)[c[pos]]
    why[decided & ~yes] = NOT_ATTENDED
    return decided, yes, text, why


def _plain_results(course: Course, pass_mark: Decimal, rounding: Rounding, cols: _Columns,
                   pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For rows of `pos`: which are decided here, which of those pass, their composite as
    (a Decimal) and their reason, as `scoring.evaluate` gives them. Decided: attended or not
    (R5, 是/否); or every prerequisite (R6) met, every component a number without a
    status word and every minimum (R3) there, so that the result is Σ weight × score (R2,
    R4), rounded once, against the pass mark, and the minimums. Others: `evaluate`."""
    if course.attendance_only:
        return _attended(cols, pos)
    n = len(pos)
    text, why = np.full(n, None, dtype=object), np.full(n, "", dtype=object)
    decided = np.ones(n, bool)
    for m in course.exam_prerequisites:
        decided &= _met(cols, m, pos)[1]
    places = [max((-v.as_tuple().exponent for v in cols.value(c.field)[1] if isinstance(v, Decimal)), default=0)
              for c in course.components]
    p = max(places, default=0)
    q = max(-c.exact_weight.as_tuple().exponent for c in course.components)
    if p + q > 12:  # beyond int64 head-room for exact sums: let evaluate do it
        return np.zeros(n, bool), np.zeros(n, bool), text, why
    total = np.zeros(n, np.int64)
    for c in course.components:
        codes_, u = cols.value(c.field)
        number = np.array([isinstance(v, Decimal) for v in u] + [False], dtype=bool)
        scaled = np.array([int(v.scaleb(p)) if isinstance(v, Decimal) else 0 for v in u] + [0], dtype=np.int64)
        decided &= number[codes_[pos]] & cols.no_status(c.field)[pos]
        total += int(c.exact_weight.scaleb(q)) * scaled[codes_[pos]]
    short: list[tuple[np.ndarray, np.ndarray]] = []  # per minimum: rows short of it, and what it says
    for m in course.minimums:
        there, is_met = _met(cols, m, pos)
        decided &= there
        c, u = cols.value(m.field)
        says = object_array([short_of(m, v) for v in u] + [""])
        short.append((~is_met, says[c[pos]]))
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


def _inputs(cols: _Columns, keep: np.ndarray) -> np.ndarray:
    """The `inputs` text of each kept row, built once per distinct combination."""
    fields = sorted(set(cols.values) | set(cols.statuses))
    parts, key_cols = [], []
    for f in fields:  # field names are no prefix of one another: sorted parts are in field order
        if f in cols.values:
            c, u = cols.values[f]
            parts.append((c, [f"{f}={'是' if v is True else '否' if v is False else v}" for v in u]))
            key_cols.append(c[keep])
        if f in cols.statuses:
            c, u = cols.statuses[f]
            parts.append((c, [f"{f}=!{v}" for v in u]))
            key_cols.append(c[keep])
    if not len(keep):
        return np.zeros(0, dtype=object)
    g = group_codes(key_cols) if key_cols else np.zeros(len(keep), np.int64)
    texts = []
    for i in keep[first_of_groups(g)].tolist():
        texts.append(";".join(sorted(u[c[i]] for c, u in parts if c[i] >= 0)))
    return np.array(texts, dtype=object)[g] if texts else np.full(len(keep), "", dtype=object)


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
                                         "加上该列；现有列：" + "、".join(rec.headers.values())))
            return probs
        return None, blanks
    return out, None
