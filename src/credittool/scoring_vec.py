"""Course results for a whole frame at once: `scoring.evaluate`, vectorised (R1–R10).

`evaluate_frame` gives, row for row, exactly what `evaluate` gives (same composite Decimal,
same pass/eligible decision, same reason and missing text), in the same order of evaluation
(scoring.py's docstring): attendance-only → exam prerequisites (R6) → status words → blanks →
composite (R2, R4) rounded once → minimums (R3) → hours and credits on a pass (R10, R1).

How it stays exact without a Python call per row:
- A score column is decoded once per *distinct* value: each Decimal is turned into its text
  (str(d) reproduces d exactly), the texts are factorised, and each distinct text is turned
  into an integer numerator at the common scale 10^S (S = the most decimals any score in the
  components has, at most `_MAX_PLACES`).
- The composite is Σ Wᵢ·Xᵢ in int64, Wᵢ = weight·10^DW (exact: weights are YAML numbers with
  a few decimals), rounded half up / half even by integer division to the policy's places.
  Bounds are checked so that no int64 overflows and so that `evaluate`'s own Decimal
  arithmetic (28 significant digits) is exact on the same rows — so the two agree.
- A count is only ever compared with a minimum: an elementwise Decimal comparison (C speed).
- Rows the fast path does not cover — a value of an unexpected type (int, float, text, a
  numpy bool), a negative or non-finite score, a score with more than `_MAX_PLACES` decimals
  or too large for int64 — are handed to `evaluate` itself, one call per such row.
- Reason texts are built only for the rows that need them, from the rows' own objects with
  scoring's own formatting (`_fmt`), so "博文篇数 4，少于 5" reads exactly as evaluate writes it.

Frame contract: one row per teacher; a column per measure field the course uses holding the
canonical value from `credittool.cells` (Decimal, bool, or None/NaN for a blank), an optional
`<field>_status` column (None or absent/exempt/resit/deferred), and an optional boolean
`present_<field>` column that overrides `present` for that row (a missing value there falls
back to `present`). A cell is blank when it is None, NaN, pd.NA or NaT; a Decimal NaN is a
value (as it would be in evaluate's `values`), and goes to `evaluate`.

One deliberate difference: a *minimum* (R3, not a prerequisite) on a yes/no field (homework
written 是/否) that is 否 makes `evaluate` raise AttributeError (its message formats the value
as a number); here the reason reads "作业 否，少于 1", as the prerequisite message does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation, localcontext
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from credittool.fields import label
from credittool.rules.schema import Course, Minimum, Rounding, dec
from credittool.scoring import _STATUS_TEXT, _fmt, evaluate

OUTPUT_COLUMNS = ("composite", "passed", "eligible", "hours", "credits", "reasons", "missing")
ZERO = Decimal(0)
_MAX_PLACES = 6  # a score with more decimals than this goes to `evaluate`
_INT_BOUND = 1 << 62  # every integer on the fast path stays below this (int64 headroom)
_MAX_SCALE = 18  # 10^18 < 2^62: the largest power of ten used as a divisor
# str() of the nulls pd.isna knows (None, NaN, pd.NA, NaT); never the text of a Decimal ('NaN')
_NULL_TEXTS = frozenset({"None", "nan", "<NA>", "NaT"})


# --- decoding one column -------------------------------------------------------------------


@dataclass
class _Column:
    """One measure field over all rows: its objects and what the fast path knows of them."""

    obj: np.ndarray  # the cells as Python objects
    has: np.ndarray  # non-blank (the field is in evaluate's `values`)
    isdec: np.ndarray  # holds a Decimal
    isbool: np.ndarray  # holds a bool (是/否)
    bad: np.ndarray  # non-blank, but not a type the fast path handles
    # score columns: the Decimal cells factorised by their exact text (−1: not a Decimal),
    # and per distinct text its exact numerator (see _numerator)
    codes: np.ndarray | None = None
    nums: list[tuple[int, int] | None] | None = None


def _objects(frame: pd.DataFrame, name: str) -> np.ndarray | None:
    if name not in frame.columns:
        return None
    return frame[name].to_numpy(dtype=object)


def _is_null(x: Any) -> bool:
    """A blank cell: None, NaN, pd.NA, NaT (as pd.isna), but a Decimal is always a value."""
    return not isinstance(x, Decimal) and bool(pd.api.types.is_scalar(x) and pd.isna(x))


def _nulls(col: np.ndarray) -> np.ndarray:
    """_is_null over an object array."""
    if _infer(col) in ("empty", "string", "boolean"):
        return pd.isna(col)  # no Decimal among them: pd.isna means _is_null, and cannot raise
    isdec = np.fromiter(map(type, col), dtype=object, count=len(col)) == Decimal
    out = np.zeros(len(col), dtype=bool)
    out[~isdec] = pd.isna(col[~isdec])
    return out


def _infer(col: np.ndarray) -> str:
    """pandas' inferred type of the non-null cells (None, NaN, NA, NaT and a Decimal NaN skipped)."""
    try:
        return infer_dtype(col, skipna=True)
    except InvalidOperation:  # a signalling NaN
        return "mixed"


def _decode(frame: pd.DataFrame, field: str, n: int, score: bool = False) -> _Column:
    obj = _objects(frame, field)
    none = np.zeros(n, dtype=bool)
    if obj is None:  # no column at all: blank everywhere
        return _Column(np.full(n, None, dtype=object), none, none, none, none)
    kind = _infer(obj)
    if kind == "empty":
        return _Column(obj, none, none, none, none)
    if kind == "decimal" and score:
        # every cell is a Decimal or a null: their texts tell them apart, and give the value
        codes, uniques = pd.factorize(np.frompyfunc(str, 1, 1)(obj))
        nulls = np.array([u in _NULL_TEXTS for u in uniques], dtype=bool)
        nums = [None if u in _NULL_TEXTS else _numerator(Decimal(u)) for u in uniques]
        blank = nulls[codes]
        return _Column(obj, ~blank, ~blank, none, none, np.where(blank, -1, codes), nums)
    if kind in ("decimal", "boolean"):
        try:
            blank = pd.isna(obj)
        except InvalidOperation:  # a signalling NaN: look at each cell
            return _decode_cells(obj, n, score)
        bad = none
        if kind == "decimal" and blank.any():  # pd.isna calls a Decimal NaN blank; evaluate, a value
            idx = np.flatnonzero(blank)
            nan = np.fromiter((isinstance(x, Decimal) for x in obj[idx]), dtype=bool, count=len(idx))
            if nan.any():
                blank = blank.copy()
                blank[idx[nan]] = False
                bad = np.zeros(n, dtype=bool)
                bad[idx[nan]] = True
        isdec, isbool = (~blank, none) if kind == "decimal" else (none, ~blank)
        col = _Column(obj, ~blank, isdec, isbool, bad)
    else:
        col = _decode_cells(obj, n, score)
    if score:
        col.codes, col.nums = _score_codes(col)
    return col


def _decode_cells(obj: np.ndarray, n: int, score: bool) -> _Column:
    """The general case: the type of each cell."""
    types = np.fromiter(map(type, obj), dtype=object, count=n)
    isdec = types == Decimal
    isbool = types == bool
    other = ~(isdec | isbool)
    blank = np.zeros(n, dtype=bool)
    if other.any():
        blank[other] = pd.isna(obj[other])  # no Decimal among them: pd.isna cannot raise
    return _Column(obj, ~blank, isdec, isbool, other & ~blank)


def _bool_values(col: _Column) -> np.ndarray:
    """The bool cells as a bool array (False elsewhere)."""
    out = np.zeros(len(col.obj), dtype=bool)
    if col.isbool.any():
        out[col.isbool] = col.obj[col.isbool].astype(bool)
    return out


def _met(col: _Column, minimum: Decimal) -> tuple[np.ndarray, np.ndarray]:
    """(met, bad): scoring._met per row — a bool is its own answer, a Decimal is ≥ minimum.

    Rows where the comparison itself would fail (a Decimal NaN) are reported bad.
    """
    n = len(col.obj)
    met = _bool_values(col)
    bad = np.zeros(n, dtype=bool)
    if col.isdec.any():
        sub = col.obj if col.isdec.all() else col.obj[col.isdec]
        try:
            got = sub >= minimum
        except InvalidOperation:  # a NaN among them: compare the others one by one
            nan = np.fromiter((x.is_nan() for x in sub), dtype=bool, count=len(sub))
            got = np.zeros(len(sub), dtype=bool)
            got[~nan] = sub[~nan] >= minimum
            bad[np.flatnonzero(col.isdec)[nan]] = True
        met[col.isdec] = np.asarray(got, dtype=bool)
    return met, bad


def _numerator(v: Decimal) -> tuple[int, int] | None:
    """(c, k) with v = c / 10^k exactly and k minimal; None if v is not finite or is negative."""
    if not v.is_finite() or v < 0:
        return None
    _sign, digits, exp = v.as_tuple()
    c = int("".join(map(str, digits))) if digits else 0
    assert isinstance(exp, int)
    if exp >= 0:
        return c * 10**exp, 0
    while exp < 0 and c % 10 == 0:
        c //= 10
        exp += 1
    return c, -exp


def _score_codes(col: _Column) -> tuple[np.ndarray, list[tuple[int, int] | None]]:
    """Factorise the Decimal cells by their exact text: (code per row, −1 elsewhere; numerators)."""
    n = len(col.obj)
    codes = np.full(n, -1, dtype=np.int64)
    if not col.isdec.any():
        return codes, []
    sub = col.obj if col.isdec.all() else col.obj[col.isdec]
    texts = np.frompyfunc(Decimal.__str__, 1, 1)(sub)
    sub_codes, uniques = pd.factorize(texts)
    codes[col.isdec] = sub_codes
    return codes, [_numerator(Decimal(t)) for t in uniques]


# --- small vectorised helpers ----------------------------------------------------------------


def _join(pieces: Iterable[tuple[np.ndarray, str | np.ndarray]], idx: np.ndarray, sep: str) -> np.ndarray:
    """For rows `idx`: the texts of the pieces whose mask is set there, joined by `sep`."""
    out = np.full(len(idx), "", dtype=object)
    for mask, text in pieces:
        m = mask[idx]
        if not m.any():
            continue
        t = text if isinstance(text, str) else text[idx[m]]
        cur = out[m]
        out[m] = np.where(cur != "", cur + sep + t, t)
    return out


def _round_div(num: np.ndarray, q: int, mode: str) -> np.ndarray:
    """num / q rounded to an integer, num ≥ 0, q a power of ten ≥ 10."""
    half = q // 2
    if mode == "half_up":
        return (num + half) // q
    d, r = np.divmod(num, q)
    return d + ((r > half) | ((r == half) & (d % 2 == 1)))


def _present(frame: pd.DataFrame, field: str, present: frozenset[str], n: int) -> np.ndarray:
    default = field in present
    col = _objects(frame, "present_" + field)
    if col is None:
        return np.full(n, default, dtype=bool)
    nulls = _nulls(col)
    out = np.full(n, default, dtype=bool)
    out[~nulls] = col[~nulls].astype(bool)
    return out


def _statuses(frame: pd.DataFrame, field: str, n: int) -> np.ndarray | None:
    """The status cells as an object array (None where there is none), or None if all blank."""
    col = _objects(frame, field + "_status")
    if col is None or _infer(col) == "empty":
        return None
    nulls = _nulls(col)
    if nulls.all():
        return None
    out = np.full(n, None, dtype=object)
    out[~nulls] = col[~nulls]
    return out


def _value_texts(values: np.ndarray) -> np.ndarray:
    """How each count reads in a reason: scoring's `_fmt` (是/否 for a yes/no value).

    Formatted once per distinct text: str(d) gives d back exactly (4.50 stays 4.50), and
    str(True) / str(False) cannot be the text of a Decimal.
    """
    codes, uniques = pd.factorize(np.frompyfunc(str, 1, 1)(values))
    words = {"True": "是", "False": "否"}
    shown = np.array([words.get(u) or _fmt(Decimal(u)) for u in uniques] or [""], dtype=object)
    return shown[codes]


# --- the engine ------------------------------------------------------------------------------


def evaluate_frame(course: Course, pass_mark: Decimal, rounding: Rounding, frame: pd.DataFrame,
                   present: frozenset[str]) -> pd.DataFrame:
    """`evaluate` for every row of `frame` (see the module docstring for the frame's columns)."""
    n = len(frame)
    hours, credits = dec(course.hours), course.credit_value

    composite = np.full(n, None, dtype=object)
    passed = np.zeros(n, dtype=bool)
    eligible = np.ones(n, dtype=bool)
    reasons = np.full(n, "", dtype=object)
    missing = np.full(n, "", dtype=object)
    fallback = np.zeros(n, dtype=bool)

    if n == 0:
        pass
    elif course.attendance_only:  # R5
        col = _decode(frame, "attendance", n)
        attended = _bool_values(col)
        fallback = col.bad | col.isdec  # evaluate reads anything else by its truth value
        ok = ~fallback
        missing[ok & ~col.has] = "attendance"
        passed = ok & col.has & attended
        reasons[ok & col.has & ~attended] = "未参加"
    else:
        fallback = _scored(course, pass_mark, rounding, frame, present, n,
                           composite, passed, eligible, reasons, missing)

    if fallback.any():
        _by_evaluate(course, pass_mark, rounding, frame, present, np.flatnonzero(fallback),
                     composite, passed, eligible, reasons, missing)

    hours_out = np.full(n, ZERO, dtype=object)
    credits_out = np.full(n, ZERO, dtype=object)
    hours_out[passed] = hours
    credits_out[passed] = credits
    return pd.DataFrame({
        "composite": pd.Series(composite, index=frame.index, dtype=object),
        "passed": pd.Series(passed, index=frame.index, dtype=bool),
        "eligible": pd.Series(eligible, index=frame.index, dtype=bool),
        "hours": pd.Series(hours_out, index=frame.index, dtype=object),
        "credits": pd.Series(credits_out, index=frame.index, dtype=object),
        "reasons": pd.Series(reasons, index=frame.index, dtype=object),
        "missing": pd.Series(missing, index=frame.index, dtype=object),
    }, index=frame.index)


def _scored(course: Course, pass_mark: Decimal, rounding: Rounding, frame: pd.DataFrame,
            present: frozenset[str], n: int, composite: np.ndarray, passed: np.ndarray,
            eligible: np.ndarray, reasons: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Fill the outputs for a scored course; return the rows left to `evaluate`."""
    comps, mins, prereqs = course.components, course.minimums, course.exam_prerequisites
    counted = list(dict.fromkeys(m.field for m in (*prereqs, *mins)))
    cols = {c.field: _decode(frame, c.field, n, score=True) for c in comps}
    cols |= {f: _decode(frame, f, n) for f in counted if f not in cols}
    pres = {m.field: _present(frame, m.field, present, n) for m in (*prereqs, *mins) if m.optional}

    fallback = np.zeros(n, dtype=bool)
    for f, col in cols.items():
        fallback |= col.bad
    met: dict[tuple[str, Decimal], np.ndarray] = {}
    for m in (*prereqs, *mins):
        key = (m.field, dec(m.min))
        if key not in met:
            met[key], bad = _met(cols[m.field], key[1])
            fallback |= bad

    def is_met(m: Minimum) -> np.ndarray:
        return met[(m.field, dec(m.min))]

    def blank_needed(m: Minimum) -> np.ndarray:  # blank, and not excused by an absent column
        blank = ~cols[m.field].has
        return blank & pres[m.field] if m.optional else blank

    # 2. exam prerequisites (R6)
    unmet = {i: cols[r.field].has & ~is_met(r) for i, r in enumerate(prereqs)}
    miss = {i: blank_needed(r) for i, r in enumerate(prereqs)}
    any_unmet = np.zeros(n, dtype=bool)
    any_miss = np.zeros(n, dtype=bool)
    for i in range(len(prereqs)):
        any_unmet |= unmet[i]
        any_miss |= miss[i]
    open_ = ~fallback  # rows not decided yet
    rows = np.flatnonzero(open_ & any_unmet)
    if len(rows):
        pieces = []
        for i, r in enumerate(prereqs):
            text = np.empty(n, dtype=object)
            at = rows[unmet[i][rows]]
            mn = _fmt(dec(r.min))
            text[at] = f"{label(r.field)} " + _value_texts(cols[r.field].obj[at]) + f" 未达到 {mn}"
            pieces.append((unmet[i], text))
        reasons[rows] = "未达报考条件：" + _join(pieces, rows, "，")
        eligible[rows] = False
    rows = np.flatnonzero(open_ & any_miss & ~any_unmet)
    if len(rows):
        missing[rows] = _join(((miss[i], r.field) for i, r in enumerate(prereqs)), rows, ",")
    open_ &= ~(any_unmet | any_miss)

    # 3. a status word in any component
    kinds = [s for c in comps if (s := _statuses(frame, c.field, n)) is not None]
    if kinds:
        has_status = np.zeros(n, dtype=bool)
        for s in kinds:
            has_status |= s != None  # noqa: E711 - elementwise
        rows = np.flatnonzero(open_ & has_status)
        if len(rows):
            words = np.full(len(rows), "免考", dtype=object)  # all exempt (or unknown words, as evaluate)
            decided = np.zeros(len(rows), dtype=bool)
            for kind in ("absent", "resit", "deferred"):
                hit = np.zeros(len(rows), dtype=bool)
                for s in kinds:
                    hit |= s[rows] == kind
                hit &= ~decided
                words[hit] = "缺考" if kind == "absent" else _STATUS_TEXT[kind]
                decided |= hit
            reasons[rows] = words
            passed[rows] = ~decided
            open_[rows] = False

    # 4. blanks: components, then minimums not excused
    blanks = [(~cols[c.field].has, c.field) for c in comps] + [(blank_needed(m), m.field) for m in mins]
    any_blank = np.zeros(n, dtype=bool)
    for mask, _ in blanks:
        any_blank |= mask
    rows = np.flatnonzero(open_ & any_blank)
    if len(rows):
        missing[rows] = _join(blanks, rows, ",")
    open_ &= ~any_blank

    # composite (R2, R4): Σ Wᵢ·Xᵢ on integers, then one rounding
    todo = np.flatnonzero(open_)
    if not len(todo):
        return fallback
    q_scaled, gone = _composites(course, rounding, cols, todo)
    if gone.any():
        fallback[todo[gone]] = True
        open_[todo[gone]] = False
        todo, q_scaled = todo[~gone], q_scaled[~gone]
    if not pass_mark.is_finite():  # evaluate decides what a NaN pass mark means
        fallback[todo] = True
        return fallback
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, 60)
        threshold = int(pass_mark.scaleb(rounding.places).to_integral_value(ROUND_CEILING))
    threshold = min(max(threshold, -_INT_BOUND), _INT_BOUND)
    codes, uniq = pd.factorize(q_scaled)
    objs = np.empty(len(uniq), dtype=object)
    objs[:] = [Decimal(int(q)).scaleb(-rounding.places) for q in uniq]
    composite[todo] = objs[codes]
    below = q_scaled < threshold

    # 5. minimums (R3)
    fails = [(below, None)] + [(cols[m.field].has[todo] & ~is_met(m)[todo], m) for m in mins]
    failed = np.zeros(len(todo), dtype=bool)
    for mask, _ in fails:
        failed |= mask
    passed[todo] = ~failed
    if failed.any():
        rows = todo[failed]
        pm = _fmt(pass_mark)
        pieces = []
        below_text = np.array([f"综合成绩 {d} 低于 {pm}" for d in objs], dtype=object)
        text = np.empty(n, dtype=object)
        text[todo] = below_text[codes]
        pieces.append((_scatter(n, todo, below), text))
        for mask, m in fails[1:]:
            text = np.empty(n, dtype=object)
            at = todo[mask]
            mn = _fmt(dec(m.min))
            text[at] = f"{label(m.field)} " + _value_texts(cols[m.field].obj[at]) + f"，少于 {mn}"
            pieces.append((_scatter(n, todo, mask), text))
        reasons[rows] = _join(pieces, rows, "；")
    return fallback


def _scatter(n: int, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[idx] = values
    return out


def _composites(course: Course, rounding: Rounding, cols: dict[str, _Column],
                rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rounded composite × 10^places (int64) for `rows`, and which rows it cannot give."""
    weights = [dec(c.weight) for c in course.components]
    dw = max(_numerator(w)[1] for w in weights)  # type: ignore[index]
    big_w = [int(w.scaleb(dw)) for w in weights]
    decoded = []
    s = 0
    for c in course.components:
        col = cols[c.field]
        codes, nums = col.codes, col.nums
        assert codes is not None and nums is not None
        decoded.append((codes[rows], nums))
        s = max([s] + [k for num in nums if num is not None and (k := num[1]) <= _MAX_PLACES])
    gone = np.zeros(len(rows), dtype=bool)
    if dw + s > _MAX_SCALE:  # absurdly precise weights: leave it all to evaluate
        gone[:] = True
        return np.zeros(len(rows), dtype=np.int64), gone
    limit = _INT_BOUND // sum(big_w)  # Σ Wᵢ·Xᵢ < 2^62 whenever every Xᵢ ≤ limit
    total = np.zeros(len(rows), dtype=np.int64)
    for (codes, nums), w in zip(decoded, big_w, strict=True):
        table = np.zeros(len(nums) + 1, dtype=np.int64)
        usable = np.zeros(len(nums) + 1, dtype=bool)
        for j, num in enumerate(nums):
            if num is not None and num[1] <= s:
                x = num[0] * 10 ** (s - num[1])
                if x <= limit:
                    table[j], usable[j] = x, True
        gone |= ~usable[codes]  # code −1 (not a Decimal: cannot happen on open rows) is unusable
        total += w * table[codes]
    e, p = dw + s, rounding.places
    if e <= p:
        scaled = total * 10 ** (p - e)
        if 10 ** (p - e) > 1 and (total > _INT_BOUND // 10 ** (p - e)).any():
            gone |= total > _INT_BOUND // 10 ** (p - e)
    else:
        scaled = _round_div(total, 10 ** (e - p), rounding.mode)
    return scaled, gone


# --- rows the fast path leaves to the reference -----------------------------------------------


def _by_evaluate(course: Course, pass_mark: Decimal, rounding: Rounding, frame: pd.DataFrame,
                 present: frozenset[str], rows: np.ndarray, composite: np.ndarray, passed: np.ndarray,
                 eligible: np.ndarray, reasons: np.ndarray, missing: np.ndarray) -> None:
    fields = _fields(course)
    values = {f: c[rows] for f in fields if (c := _objects(frame, f)) is not None}
    statuses = {f: c[rows] for f in fields if (c := _objects(frame, f + "_status")) is not None}
    flags = {f: c[rows] for f in fields if (c := _objects(frame, "present_" + f)) is not None}
    for j, i in enumerate(rows):
        vals = {f: v[j] for f, v in values.items() if not _is_null(v[j])}
        sts = {f: s[j] for f, s in statuses.items() if not _is_null(s[j])}
        here = set(present)
        for f, flag in flags.items():
            if not _is_null(flag[j]):
                (here.add if bool(flag[j]) else here.discard)(f)
        o = evaluate(course, pass_mark, rounding, vals, sts, frozenset(here))
        composite[i], passed[i], eligible[i] = o.composite, o.passed, o.eligible
        reasons[i], missing[i] = "；".join(o.reasons), ",".join(o.missing)


def _fields(course: Course) -> Sequence[str]:
    if course.attendance_only:
        return ("attendance",)
    parts = (*course.components, *course.minimums, *course.exam_prerequisites)
    return tuple(dict.fromkeys(p.field for p in parts))
