"""Across all rows of a run: duplicates, identity conflicts, each teacher's track, scores.

The rows of a run are a `Table` of columns. Every step works on whole columns (hashing
with pandas, indexing with numpy); Python touches only the few rows a message is written
about (as `Record` views) and each *distinct* scoring input once, since `scoring.evaluate`
is a pure function: a province's four million rows take a few hundred thousand calls.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

import numpy as np
import pandas as pd

from credittool.resolve import missing
from credittool.diagnostics import Problem, RejectedRow, Skipped
from credittool.extract.rows import ROW_COLUMNS, FileResult, Record, SheetInfo, shown
from credittool.fields import FIELDS, Kind, label
from credittool.rules.loader import TermRules
from credittool.rules.schema import Course, Rounding, dec
from credittool.score.scoring import evaluate, fmt
from credittool.textnorm import match_key


class Table:
    """The accepted-so-far rows of every file of a run, as numpy columns."""

    def __init__(self, results: list[FileResult]) -> None:
        self.sheets: list[SheetInfo] = []
        lists: dict[str, list] = {c: [] for c in ROW_COLUMNS}
        values: dict[str, list] = {}
        statuses: dict[str, list] = {}
        sheet_idx: list[np.ndarray] = []
        n = 0
        for fr in results:
            rows = fr.rows
            k = len(rows)
            sheet_idx.append(np.asarray(rows.cols["sheet"], dtype=np.int32) + len(self.sheets))
            self.sheets.extend(fr.sheets)
            for c in ROW_COLUMNS[1:]:
                lists[c].extend(rows.cols[c])
            for out, src in ((values, rows.values), (statuses, rows.statuses)):
                for f, col in src.items():
                    if f not in out:  # a field first seen in this file: None for the rows before
                        out[f] = [None] * n
                    out[f].extend(col)
                for col in out.values():  # a field this file lacks stays None
                    col.extend([None] * (n + k - len(col)))
            n += k
        self.n = n
        self.sheet = np.concatenate(sheet_idx) if sheet_idx else np.zeros(0, np.int32)
        self.row = np.asarray(lists.pop("row"), dtype=np.int64)
        self.col = {c: object_array(v) for c, v in lists.items() if c != "sheet"}
        self.values = {f: object_array(v) for f, v in values.items()}
        self.statuses = {f: object_array(v) for f, v in statuses.items()}
        self.spot = np.array([s.spot for s in self.sheets], dtype=bool)[self.sheet] if n else np.zeros(0, bool)
        self._coded: dict[str, tuple[np.ndarray, list]] = {}

    def __len__(self) -> int:
        return self.n

    def coded(self, column: str) -> tuple[np.ndarray, list]:
        """`factorize` of a row column, made once, codes as int32 (kept for the run: half the
        memory): resolve codes the IDs, names and units, and the register of a first load
        (earlyparts.py) reuses the codes."""
        if column not in self._coded:
            c, u = factorize(self.col[column])
            self._coded[column] = (c.astype(np.int32), u)
        return self._coded[column]

    def record(self, i: int) -> Record:
        """Row i as an object, for a message about it."""
        s = self.sheets[self.sheet[i]]
        c = self.col
        raw = {"id": c["raw_id"][i] if c["raw_id"][i] is not None else c["id"][i],
               "course": c["raw_course"][i], "track": c["raw_track"][i]}
        return Record(
            file=s.file, sheet=s.name, row=int(self.row[i]), unit=c["unit"][i], name=c["name"][i], id=c["id"][i],
            subject=c["subject"][i], stage=c["stage"][i], course_id=c["course_id"][i], track_hint=c["track_hint"][i],
            values={f: v[i] for f, v in self.values.items() if v[i] is not None},
            statuses={f: v[i] for f, v in self.statuses.items() if v[i] is not None},
            present=s.present, raw={k: v for k, v in raw.items() if v is not None}, headers=s.headers, spot=s.spot)


def object_array(values: list) -> np.ndarray:
    """A 1-d object array of `values` (np.array would make tuples into a second dimension)."""
    a = np.empty(len(values), dtype=object)
    a[:] = values
    return a


def codes(values: np.ndarray, kind: Kind | None = None) -> np.ndarray:
    """Integer codes of an object column: equal values share a code, None is -1."""
    return factorize(values, kind)[0]


def factorize(values: np.ndarray, kind: Kind | None = None) -> tuple[np.ndarray, list]:
    """(codes, distinct values): equal values share a code, None is -1. True and 1 are
    equal in Python, so a column that may hold both (作业: 是/否 or a count) is coded by
    (type, value). Decimals are canonical (cells.py), so equal means the same text."""
    if kind is Kind.COUNT_OR_YESNO and len({type(v) for v in values} - {type(None)}) > 1:
        c, u = pd.factorize(object_array([None if v is None else (type(v), v) for v in values]), use_na_sentinel=True)
        return c, [v for _, v in u]
    c, u = pd.factorize(values, use_na_sentinel=True)
    return c, list(u)


def str_ranks(values: list[str]) -> np.ndarray:
    """Each of the distinct `values`' place in str order, which is SQLite's BINARY order
    (code points; UTF-8 keeps their order)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    rank = np.empty(len(values), np.int64)
    rank[order] = np.arange(len(values))
    return rank


def pair_codes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, list[tuple]]:
    """Codes of the (a, b) pairs of two object columns (e.g. track and course id), and the
    distinct pairs."""
    ac, au = factorize(a)
    bc, bu = factorize(b)
    k = max(len(bu), 1)
    codes_, distinct = factorize(ac * k + bc)
    return codes_, [(au[v // k], bu[v % k]) for v in distinct]


def group_codes(columns: list[np.ndarray]) -> np.ndarray:
    """One code per distinct combination of the given integer code columns, numbered in
    order of first appearance."""
    if not columns:
        return np.zeros(0, np.int64)
    frame = pd.DataFrame({str(k): c for k, c in enumerate(columns)})
    return frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()


def first_of_groups(g: np.ndarray) -> np.ndarray:
    """Index of the first row of each group code 0..k-1 (codes numbered by first appearance)."""
    return np.flatnonzero(~pd.Series(g).duplicated().to_numpy())


@dataclass
class Entries:
    """The accepted course results of a run, as columns aligned with `rows` (indexes into
    the Table)."""

    table: Table
    rows: np.ndarray
    track: np.ndarray
    composite: np.ndarray  # str or None
    passed: np.ndarray
    eligible: np.ndarray
    hours: np.ndarray
    credits: np.ndarray
    reason: np.ndarray
    inputs: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, keep: np.ndarray) -> Entries:
        return Entries(self.table, self.rows[keep], self.track[keep], self.composite[keep], self.passed[keep],
                       self.eligible[keep], self.hours[keep], self.credits[keep], self.reason[keep],
                       self.inputs[keep])

    def column(self, name: str) -> np.ndarray:
        return self.table.col[name][self.rows]

    @property
    def sheet(self) -> np.ndarray:
        return self.table.sheet[self.rows]

    @property
    def row(self) -> np.ndarray:
        return self.table.row[self.rows]


@dataclass
class Resolution:
    entries: Entries | None  # None once committed
    rejects: list[Problem]
    skipped: list[Skipped]
    notes: list[tuple[str, str]]  # (file, note)
    spot: list[Record] = field(default_factory=list)  # spot-test scores, checked against the draw later
    rejected_rows: list[RejectedRow] = field(default_factory=list)  # whom the rows rejected here were about


def _place(r: Record) -> str:
    return f"{r.file}「{r.sheet}」第{r.row}行"


def _problem(r: Record, field: str, code: str, message: str, hint: str) -> Problem:
    return Problem(r.file, r.sheet, r.row, r.headers.get(field, label(field)), shown(r.raw.get(field, "")), code,
                   message, hint)


def _groups(key: np.ndarray, rows: np.ndarray) -> list[list[int]]:
    """Rows (indexes) grouped by key, groups in order of first appearance."""
    out: dict[object, list[int]] = {}
    for k, i in zip(key[rows].tolist(), rows.tolist()):
        out.setdefault(k, []).append(i)
    return list(out.values())


def resolve(results: list[FileResult], term: TermRules) -> Resolution:
    t = Table(results)
    for fr in results:  # the table holds the rows now
        fr.rows = type(fr.rows)()
    rejects: list[Problem] = []
    skipped: list[Skipped] = []
    notes: list[tuple[str, str]] = []
    id_code = t.coded("id")[0].astype(np.int64)  # int64: keys below multiply it

    # 1. exact duplicates count once; conflicting ones are all rejected, naming each place
    course_code = codes(np.where(t.spot, "\x00spot", t.col["course_id"]).astype(object))
    key = id_code * (int(course_code.max(initial=0)) + 1) + course_code
    in_dup = pd.Series(key).duplicated(keep=False).to_numpy()
    keep = ~in_dup
    refused: list[int] = []  # rows rejected below, in order
    for group in _groups(key, np.flatnonzero(in_dup)):
        recs = [t.record(i) for i in group]
        if len({r.signature() for r in recs}) == 1:
            keep[group[0]] = True
            for r in recs[1:]:
                skipped.append(Skipped(r.file, r.sheet, r.row, f"与{_place(recs[0])}完全重复，只计一次"))
                first = f"「{recs[0].sheet}」第{recs[0].row}行" if r.file == recs[0].file else _place(recs[0])
                notes.append((r.file, f"「{r.sheet}」第{r.row}行与{first}完全重复，只计一次"))
            continue
        places = "；".join(_place(r) for r in recs)
        refused += group
        for r in recs:
            rejects.append(_problem(r, "id", "E-DUP-CONFLICT", f"同一教师同一课程有 {len(recs)} 行且内容不同：{places}",
                                    "删去错误的一行后重新导入该文件"))
    spot = [t.record(i) for i in np.flatnonzero(keep & t.spot)]
    keep &= ~t.spot

    # 2. one ID is one person in one unit
    kept = np.flatnonzero(keep)
    pairs = pd.DataFrame({"id": id_code[kept], "name": t.coded("name")[0][kept],
                          "unit": t.coded("unit")[0][kept]}).drop_duplicates()
    bad_ids = pairs["id"][pairs["id"].duplicated()].unique()
    clash = keep & np.isin(id_code, bad_ids)
    for group in _groups(id_code, np.flatnonzero(clash)):
        recs = [t.record(i) for i in group]
        refused += group
        names = {r.name for r in recs}
        units = {r.unit for r in recs}
        what = ("姓名不同：" + "、".join(sorted(names))) if len(names) > 1 else ("单位不同：" + "、".join(sorted(units)))
        places = "；".join(_place(r) for r in recs)
        for r in recs:
            rejects.append(_problem(r, "id", "E-ID-CONFLICT", f"同一身份证号{what}（{places}）",
                                    "核对身份证号与姓名、单位，改正后重新导入"))
    keep &= ~clash

    # 3. each teacher's track; 4. the score (R1–R10). Rows rejected here are reported
    # teacher by teacher, in the order the teachers first appear.
    clean = np.flatnonzero(keep)
    track, track_errors = resolve_tracks(t, clean, id_code, term)
    late: list[tuple[int, list[Problem]]] = []
    for i in clean[np.isin(id_code[clean], list(track_errors))]:
        e = track_errors[id_code[i]]
        r = t.record(i)
        late.append((i, [Problem(r.file, r.sheet, r.row, e.column, e.value, e.code, e.message, e.hint)]))
    scored = clean[track[clean] != None]  # noqa: E711 - elementwise on an object column
    entries, score_rejects = _score(t, scored, track, term)
    late += score_rejects
    if late:
        first_seen = dict(zip(id_code[clean][::-1].tolist(), clean[::-1].tolist()))
        late.sort(key=lambda x: (first_seen[id_code[x[0]]], x[0]))
    for i, probs in late:
        rejects.extend(probs)
        refused.append(i)
    return Resolution(entries, rejects, skipped, notes, spot, missing.rows_of(t, refused))



def resolve_tracks(t: Table, rows: np.ndarray, id_code: np.ndarray,
                   term: TermRules) -> tuple[np.ndarray, dict[int, Problem]]:
    """Track id of each row (None where it cannot be decided) and, per ID code, the problem
    that says why not. In order: the term's only rule set; the teacher's own 培训类型 cells;
    the unit listed in a rule set's `units`; the unit's 培训类型 cells; the only track whose
    courses include all of the unit's courses; the only track whose courses include all of
    the teacher's (a 中心校 with a kindergarten has teachers of two tracks). Anything else
    is an error that says how to resolve it, never a guess. One ID is one unit by now."""
    track = np.full(len(t), None, dtype=object)
    if len(term.by_track) == 1:
        track[rows] = next(iter(term.by_track))
        return track, {}
    names = {tid: rs.track.name for tid, rs in term.by_track.items()}
    unit, course, hint = (t.col[c][rows] for c in ("unit", "course_id", "track_hint"))
    has_hint = hint != None  # noqa: E711

    def sets(keys: np.ndarray, vals: np.ndarray) -> dict:
        out: dict = defaultdict(set)
        for k, v in pd.DataFrame({"k": keys, "v": vals}).drop_duplicates().itertuples(index=False):
            out[k].add(v)
        return out

    unit_hints = sets(unit[has_hint], hint[has_hint])
    unit_courses = sets(unit, course)
    unit_track: dict[str, str | None] = {}
    for u, cs in unit_courses.items():
        declared = term.units.get(match_key(u))
        hints = unit_hints.get(u, set())
        if declared:
            unit_track[u] = declared
        elif len(hints) == 1:
            unit_track[u] = next(iter(hints))
        else:
            fitting = term.tracks_with(cs)
            unit_track[u] = fitting[0] if len(fitting) == 1 and not hints else None

    ids = id_code[rows]
    teacher_hints = sets(ids[has_hint], hint[has_hint])
    first = rows[first_of_groups(ids)]  # each teacher's first row
    by_teacher: dict[int, str] = {}
    errors: dict[int, Problem] = {}
    undecided: list[int] = []
    for i in first.tolist():
        ident, u = id_code[i], t.col["unit"][i]
        hints = teacher_hints.get(ident, set())
        declared = term.units.get(match_key(u))
        if len(hints) > 1:
            errors[ident] = _problem(t.record(i), "track", "E-TRACK-CONFLICT",
                                     "同一教师的培训类型写了多个值：" + "、".join(names[h] for h in sorted(hints)),
                                     "一位教师只属于一种培训类型（文本/网联/幼儿），请统一")
        elif hints and declared and hints != {declared}:
            errors[ident] = _problem(t.record(i), "track", "E-TRACK-CONFLICT",
                                     f"规则文件把「{u}」列为{names[declared]}培训，表中却写了"
                                     f"{names[next(iter(hints))]}", "改正表中的培训类型，或改正规则文件的 units")
        elif hints:
            by_teacher[ident] = next(iter(hints))
        elif unit_track[u] is not None:
            by_teacher[ident] = unit_track[u]  # type: ignore[assignment]
        else:
            undecided.append(i)
    if undecided:
        wanted = set(id_code[undecided].tolist())
        mine = rows[np.isin(ids, list(wanted))]
        teacher_courses = sets(id_code[mine], t.col["course_id"][mine])
        for i in undecided:
            ident = id_code[i]
            fitting = term.tracks_with(teacher_courses[ident])
            if len(fitting) == 1:
                by_teacher[ident] = fitting[0]
                continue
            r = t.record(i)
            what = "、".join(names[x] for x in fitting) if fitting else "任何一种"
            errors[ident] = Problem(r.file, r.sheet, None, "培训类型", r.unit, "E-TRACK-AMBIGUOUS",
                                    f"无法确定「{r.unit}」{r.name}的培训类型：所报课程在{what}培训中都有",
                                    "在表中加「培训类型」列（文本/网联/幼儿），或在规则文件的 units 中列出该单位，"
                                    "或只给出一个规则文件")
    if by_teacher:
        decided = pd.Series(by_teacher, dtype=object)
        track[rows] = decided.reindex(ids).to_numpy()
    return track, errors


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


def _score(t: Table, rows: np.ndarray, track: np.ndarray,
           term: TermRules) -> tuple[Entries, list[tuple[int, list[Problem]]]]:
    """Score every row. A plain result (every input there, no status word, the exam open to
    the teacher) is decided on whole columns with exact integer arithmetic (`_plain_results`);
    any other row goes to `scoring.evaluate`, once per distinct input: (track, course,
    every measured value and status, which columns the sheet has). Both give what
    `evaluate` gives (tested)."""
    n = len(rows)
    cols = _Columns(t, rows)
    composite = np.full(n, None, dtype=object)
    passed, eligible = np.zeros(n, np.int64), np.ones(n, np.int64)
    hours, credits = np.zeros(n, np.float64), np.zeros(n, np.float64)
    reason = np.full(n, "", dtype=object)
    done = np.zeros(n, bool)
    pair, pairs = pair_codes(track[rows], t.col["course_id"][rows])
    for key, pos in pd.Series(pair).groupby(pair, sort=False).indices.items():
        tid, cid = pairs[key]
        rs = term.by_track[tid]
        course = rs.course(cid)
        if course is None:
            continue
        decided, ok, text, why = _plain_results(course, rs.pass_mark_of(course), rs.rounding, cols, pos)
        hit, won = pos[decided], pos[decided & ok]
        composite[hit], reason[hit], done[hit] = text[decided], why[decided], True
        passed[won], hours[won], credits[won] = 1, float(course.hours), float(course.credit_value)

    problems: list[tuple[int, list[Problem]]] = []
    rest = np.flatnonzero(~done)
    if len(rest):
        key_cols = [codes(track[rows][rest]), codes(t.col["course_id"][rows][rest]),
                    codes(object_array([s.present for s in t.sheets]))[t.sheet[rows][rest]]]
        key_cols += [c[rest] for c, _ in cols.values.values()] + [c[rest] for c, _ in cols.statuses.values()]
        g = group_codes(key_cols)
        results = [_evaluate_one(t.record(i), track[i], term) for i in rows[rest[first_of_groups(g)]].tolist()]
        ok = np.array([out is not None for out, _ in results], dtype=bool)
        for p, k in zip(rest.tolist(), g.tolist()):
            out, why = results[k]
            if out is None:
                problems.append((int(rows[p]), why(t.record(int(rows[p])))))
                continue
            composite[p] = None if out.composite is None else str(out.composite)
            passed[p], eligible[p] = int(out.passed), int(out.eligible)
            hours[p], credits[p] = float(out.hours), float(out.credits)
            reason[p] = "；".join(out.reasons)
            done[p] = True
    keep = np.flatnonzero(done)
    kept = rows[keep]
    entries = Entries(t, kept, track[kept], composite[keep], passed[keep], eligible[keep], hours[keep],
                      credits[keep], reason[keep], _inputs(cols, keep))
    return entries, problems


def _met(cols: _Columns, f: str, minimum: Decimal, optional: bool,
         pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows of `pos`: whether `f` can be judged (it is there, or it is optional and the
    sheet has no such column), and whether it is met (at least `minimum`; 是 counts as met,
    否 not; an optional field without a column is met)."""
    c, u = cols.value(f)
    met_u = np.array([v if isinstance(v, bool) else v >= minimum for v in u] + [False], dtype=bool)
    there = c[pos] >= 0
    met = met_u[c[pos]]  # code -1 picks the trailing False
    if optional:
        absent = ~cols.present(f)[pos]
        there |= absent
        met |= absent
    return there, met


def _plain_results(course: Course, pass_mark: Decimal, rounding: Rounding, cols: _Columns,
                   pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For rows of `pos`: which are decided here, which of those pass, their composite as
    text and their reason, as `scoring.evaluate` gives them. Decided: attended or not
    (R5, 是/否); or every prerequisite (R6) met, every component a number without a
    status word and every minimum (R3) there, so that the result is Σ weight × score (R2,
    R4), rounded once, against the pass mark, and the minimums. Others: `evaluate`."""
    n = len(pos)
    text, why = np.full(n, None, dtype=object), np.full(n, "", dtype=object)
    if course.attendance_only:
        c, u = cols.value("attendance")
        decided = np.array([isinstance(v, bool) for v in u] + [False], dtype=bool)[c[pos]]
        yes = np.array([v is True for v in u] + [False], dtype=bool)[c[pos]]
        why[decided & ~yes] = "未参加"
        return decided, yes, text, why
    decided = np.ones(n, bool)
    for m in course.exam_prerequisites:
        decided &= _met(cols, m.field, dec(m.min), m.optional, pos)[1]
    places = [max((-v.as_tuple().exponent for v in cols.value(c.field)[1] if isinstance(v, Decimal)), default=0)
              for c in course.components]
    p = max(places, default=0)
    q = max(-dec(c.weight).as_tuple().exponent for c in course.components)
    if p + q > 12:  # beyond int64 head-room for exact sums: let evaluate do it
        return np.zeros(n, bool), np.zeros(n, bool), text, why
    total = np.zeros(n, np.int64)
    for c in course.components:
        codes_, u = cols.value(c.field)
        number = np.array([isinstance(v, Decimal) for v in u] + [False], dtype=bool)
        scaled = np.array([int(v.scaleb(p)) if isinstance(v, Decimal) else 0 for v in u] + [0], dtype=np.int64)
        decided &= number[codes_[pos]] & cols.no_status(c.field)[pos]
        total += int(dec(c.weight).scaleb(q)) * scaled[codes_[pos]]
    short: list[tuple[np.ndarray, np.ndarray]] = []  # per minimum: rows short of it, and what it says
    for m in course.minimums:
        there, met = _met(cols, m.field, dec(m.min), m.optional, pos)
        decided &= there
        c, u = cols.value(m.field)
        says = object_array([f"{label(m.field)} {fmt(v)}，少于 {fmt(dec(m.min))}" for v in u] + [""])
        short.append((~met, says[c[pos]]))
    r = rounding.places
    if p + q <= r:
        rounded = total * 10 ** (r - p - q)
    else:
        d = 10 ** (p + q - r)
        whole, rem = np.divmod(total, d)
        up = 2 * rem > d if rounding.mode == "half_even" else 2 * rem >= d
        if rounding.mode == "half_even":
            up |= (2 * rem == d) & (whole % 2 == 1)
        rounded = whole + up
    threshold = int(pass_mark.scaleb(r).to_integral_value(rounding=ROUND_CEILING))
    low = rounded < threshold
    ok = ~low
    for miss, _ in short:
        ok &= ~miss
    distinct, inverse = np.unique(rounded[decided], return_inverse=True)
    text[decided] = object_array([str(Decimal(int(v)).scaleb(-r)) for v in distinct])[inverse]
    for i in np.flatnonzero(decided & ~ok).tolist():  # the failures only: a few per cent of rows
        parts = [f"综合成绩 {text[i]} 低于 {fmt(pass_mark)}"] if low[i] else []
        why[i] = "；".join(parts + [says[i] for miss, says in short if miss[i]])
    return decided, ok, text, why


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
            return [_problem(rec, "course", "E-COURSE-TRACK",
                             f"课程「{term.course_named(rec.course_id).name}」不属于{rs.track.name}培训",
                             f"核对课程，或核对「{rec.unit}」的培训类型")]
        return None, wrong_track
    out = evaluate(course, rs.pass_mark_of(course), rs.rounding, r.values, r.statuses, r.present)
    if out.missing:
        def blanks(rec: Record) -> list[Problem]:
            probs = []
            for f in out.missing:
                if f in rec.present:
                    probs.append(_problem(rec, f, "E-VALUE-BLANK", f"{label(f)}为空（课程{course.name}需要）",
                                          "补填；缺考请填「缺考」，免考请填「免考」"))
                else:
                    probs.append(Problem(rec.file, rec.sheet, rec.row, label(f), "", "E-COLUMN-MISSING",
                                         f"工作表缺少「{label(f)}」列（课程{course.name}需要）",
                                         "加上该列；现有列：" + "、".join(rec.headers.values())))
            return probs
        return None, blanks
    return out, None
