"""The column path of `resolve.scores.score` gives exactly what `scoring.evaluate` gives, row by row.

`resolve.scores.score` decides plain results (passes, and failures on the composite or a minimum)
on whole numpy columns with exact integer arithmetic (`_plain_results`) and sends every other row to `evaluate` once per distinct input. For every
row handed to `resolve`, the stored result must be the one `evaluate` gives for that row
(composite text, passed, eligible, hours, credits, reasons joined with "；"), and a row whose
outcome has `missing` must be rejected with one E-VALUE-BLANK / E-COLUMN-MISSING per field.

Rules: every shipped rule file (rules/*.yaml, each on its own and each term with its three
tracks), plus copies in a temporary folder whose `rounding:` (places 0/1/2, half_up /
half_even), `pass_mark:` (60.5, 59.95, 61) or weights (0.667/0.333, 0.25/0.75) are changed.
Rows are built directly as `FileResult` columns (as `extract` leaves them): several sheets
whose `present` sets differ (a sheet may lack any column, optional or not), and inputs that
repeat across rows and sheets, so the column path, the distinct-input grouping and the
rejects are all exercised by one `resolve` call.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import credittool.resolve.scores as scores_mod
from credittool.extract.rows import ROW_COLUMNS, FileResult, SheetInfo
from credittool.fields import FIELDS, Kind, label
from credittool.commands.ingest import load_term
from credittool.resolve.run import Resolution, resolve
from credittool.rules.loader import TermRules
from credittool.rules.schema import Course, Ruleset
from credittool.score.scoring import Outcome, evaluate

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
BASE = RULES / "_huadian-2009-common.yaml"
TRACK_FILES = sorted(RULES.glob("huadian-*.yaml"))  # the course files (one term × one track each)
D = Decimal
STATUS_KINDS = ("absent", "exempt", "resit", "deferred")
IDENTITY = frozenset({"name", "id", "unit", "course"})


# --- rules: shipped, and copies with other rounding / pass marks / weights ------------------

# Changes appended to (or substituted into) a copy of each track file, per variant folder.
# Every track of a term gets its own policy, so one multi-track run mixes them.
_EDITS: dict[str, dict[str, tuple[str, list[tuple[str, str]]]]] = {
    # variant: track → (text appended, [(old, new) substitutions])
    "A": {"text": ("rounding: {places: 2, mode: half_even}\n", []),
          "online": ("rounding: {places: 0, mode: half_up}\n", []),
          "kindergarten": ("rounding: {places: 1, mode: half_even}\n", [])},
    "B": {"text": ("rounding: {places: 0, mode: half_even}\npass_mark: 60.5\n", []),
          "online": ("rounding: {places: 2, mode: half_even}\npass_mark: 59.95\n", []),
          "kindergarten": ("rounding: {places: 0, mode: half_up}\npass_mark: 61\n", [])},
    "C": {"text": ("rounding: {places: 1, mode: half_even}\n",
                   [("weight: 0.7}", "weight: 0.667}"), ("weight: 0.3}", "weight: 0.333}")]),
          "online": ("rounding: {places: 1, mode: half_even}\npass_mark: 59.95\n", []),
          "kindergarten": ("rounding: {places: 2, mode: half_up}\n",
                           [("{field: kg_assessment, weight: 0.5}", "{field: kg_assessment, weight: 0.25}"),
                            ("{field: city_exam, weight: 0.5}", "{field: city_exam, weight: 0.75}")])},
}


def _track_of(path: Path) -> str:
    return path.stem.rsplit("-", 1)[1]


def _edited_copy(folder: Path, variant: str) -> Path:
    """rules/ copied into `folder`, each track file changed as `_EDITS[variant]` says."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(BASE, folder / BASE.name)
    for f in TRACK_FILES:
        extra, subs = _EDITS[variant][_track_of(f)]
        text = f.read_text(encoding="utf-8")
        for old, new in subs:  # where the file has that component
            text = text.replace(old, new)
        (folder / f.name).write_text(text.rstrip("\n") + "\n" + extra, encoding="utf-8")
    return folder


# shipped single files (single-track TermRules), shipped terms (three tracks, track from the
# row's 培训类型 hint), edited terms (three tracks, three policies)
VARIANTS = ([f"file:{f.name}" for f in TRACK_FILES]
            + [f"term:{v}:{t}" for v in ("shipped", "A", "B", "C") for t in ("2009-h1", "2009-h2")])


@pytest.fixture(scope="module")
def rule_cache() -> dict[str, TermRules]:
    """Rule sets loaded once per module (hypothesis runs each test many times)."""
    return {}


def _load(name: str, cache: dict[str, TermRules], tmp: pytest.TempPathFactory) -> TermRules:
    if name not in cache:
        kind, *rest = name.split(":")
        if kind == "file":
            cache[name] = load_term([RULES / rest[0]], None)
        else:
            variant, term = rest
            folder = RULES if variant == "shipped" else _edited_copy(tmp.mktemp(f"rules-{variant}"), variant)
            cache[name] = load_term([folder], term)
    return cache[name]


def test_variants_load_and_differ(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each shipped file loads on its own (its `_` base is read through `base:`), and the
    edited copies really carry the rounding / pass mark / weights they are meant to."""
    cache: dict[str, TermRules] = {}
    for f in TRACK_FILES:
        t = _load(f"file:{f.name}", cache, tmp_path_factory)
        assert list(t.by_track) == [_track_of(f)]
        rs = t.by_track[_track_of(f)]
        assert (rs.rounding.places, rs.rounding.mode, rs.pass_mark) == (1, "half_up", 60)  # from the base
    a = _load("term:A:2009-h1", cache, tmp_path_factory)
    assert (a.by_track["text"].rounding.places, a.by_track["text"].rounding.mode) == (2, "half_even")
    assert (a.by_track["online"].rounding.places, a.by_track["online"].rounding.mode) == (0, "half_up")
    b = _load("term:B:2009-h2", cache, tmp_path_factory)
    assert b.by_track["online"].pass_mark_of(b.by_track["online"].courses[0]) == D("59.95")
    assert b.by_track["kindergarten"].pass_mark == 61
    c = _load("term:C:2009-h1", cache, tmp_path_factory)
    w = [D(str(x.weight)) for x in c.by_track["text"].course("ethics-reader").components]
    assert w == [D("0.667"), D("0.333")]
    w = [D(str(x.weight)) for x in c.by_track["kindergarten"].course("ethics-reader").components]
    assert w == [D("0.25"), D("0.75")]
    assert c.by_track["kindergarten"].course("theme-activity").components[0].weight == 1
    modes = {(rs.rounding.places, rs.rounding.mode) for v in "ABC" for t in ("2009-h1", "2009-h2")
             for rs in _load(f"term:{v}:{t}", cache, tmp_path_factory).by_track.values()}
    assert modes >= {(p, m) for p in (0, 1, 2) for m in ("half_up", "half_even")} - {(1, "half_up")}


# --- building rows as extract leaves them -------------------------------------------------


@dataclass
class Row:
    ident: str
    file: str
    sheet: str
    row: int
    track: str
    course: str
    values: dict[str, Any]  # non-blank values only
    statuses: dict[str, str]
    present: frozenset[str]


@dataclass
class Book:
    """Rows as `FileResult` columns: one or more files, each with sheets of its own."""

    n_files: int = 1
    files: list[FileResult] = field(default_factory=list)
    sheets: list[tuple[int, int, frozenset[str]]] = field(default_factory=list)  # (file, index in file, present)
    rows: list[Row] = field(default_factory=list)
    next_row: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.files = [FileResult(path=Path(f"school{k}.xlsx"), name=f"school{k}.xlsx") for k in range(self.n_files)]

    def sheet(self, present: frozenset[str], file: int = 0) -> int:
        fr = self.files[file]
        present = frozenset(present | IDENTITY)
        fr.sheets.append(SheetInfo(fr.name, f"S{len(self.sheets)}", {f: label(f) for f in sorted(present)},
                                   present, spot=False))
        self.sheets.append((file, len(fr.sheets) - 1, present))
        return len(self.sheets) - 1

    def add(self, sheet: int, track: str | None, course: str, values: dict[str, Any],
            statuses: dict[str, str] | None = None, hint: str | None = None) -> Row:
        file, local, present = self.sheets[sheet]
        statuses = statuses or {}
        assert set(values) <= present and set(statuses) <= present, "a value needs its column"
        assert not set(values) & set(statuses), "a cell holds a value or a status word"
        fr = self.files[file]
        excel_row = self.next_row.get(sheet, 2)
        self.next_row[sheet] = excel_row + 1
        ident = f"T{len(self.rows):06d}"
        cols = {"sheet": local, "row": excel_row, "unit": f"U{sheet % 3}", "name": f"N{ident}", "id": ident,
                "subject": "", "stage": "", "course_id": course, "track_hint": hint,
                "raw_id": None, "raw_course": None, "raw_track": None}
        n = len(fr.rows)
        for f in values:  # a new field's column starts as None for the rows before
            fr.rows.column(fr.rows.values, f)
        for f in statuses:
            fr.rows.column(fr.rows.statuses, f)
        for c in ROW_COLUMNS:
            fr.rows.cols[c].append(cols[c])
        for f, col in fr.rows.values.items():
            col.append(values.get(f))
        for f, col in fr.rows.statuses.items():
            col.append(statuses.get(f))
        for col in (*fr.rows.values.values(), *fr.rows.statuses.values()):
            assert len(col) == n + 1
        r = Row(ident, fr.name, fr.sheets[local].name, excel_row, track or "", course, dict(values),
                dict(statuses), present)
        self.rows.append(r)
        return r


def expected(term: TermRules, r: Row) -> Outcome:
    rs = term.by_track[r.track]
    course = rs.course(r.course)
    assert course is not None
    return evaluate(course, rs.pass_mark_of(course), rs.rounding, dict(r.values), dict(r.statuses), r.present)


def check(term: TermRules, book: Book, res: Resolution) -> int:
    """Every row's stored result is what `evaluate` gives for it; returns the number of
    accepted rows. Mismatches are collected and reported together (inputs, expected, got)."""
    e = res.entries
    ids = e.column("id").tolist()
    at = {ident: k for k, ident in enumerate(ids)}
    assert len(at) == len(ids), "one entry per teacher × course"
    rejects: dict[tuple[str, str, int | None], list] = defaultdict(list)
    for p in res.rejects:
        rejects[(p.file, p.sheet, p.row)].append((p.code, p.column))
    assert res.skipped == [] and res.notes == []
    bad: list[str] = []
    accepted = 0
    for r in book.rows:
        out = expected(term, r)
        got_rejects = rejects.pop((r.file, r.sheet, r.row), [])
        where = (f"{r.file}「{r.sheet}」row {r.row} track={r.track} course={r.course} values={r.values} "
                 f"statuses={r.statuses} present={sorted(r.present - IDENTITY)}")
        if out.missing:
            want = [("E-VALUE-BLANK" if f in r.present else "E-COLUMN-MISSING", label(f)) for f in out.missing]
            if r.ident in at or got_rejects != want:
                bad.append(f"{where}: expected rejected {want}, got entry={r.ident in at} rejects={got_rejects}")
            continue
        accepted += 1
        if got_rejects or r.ident not in at:
            bad.append(f"{where}: expected {out}, got rejects={got_rejects}, entry={r.ident in at}")
            continue
        k = at[r.ident]
        # the inputs the ledger keeps: field=value (是/否 for yes/no), field=!status, sorted, joined by ";"
        inputs = ";".join(sorted([f"{f}={'是' if v is True else '否' if v is False else v}"
                                  for f, v in r.values.items() if v is not None]
                                 + [f"{f}=!{st_}" for f, st_ in r.statuses.items()]))
        want_t = (None if out.composite is None else str(out.composite), out.passed, out.eligible,
                  float(out.hours), float(out.credits), "；".join(out.reasons), r.track, r.course, inputs)
        got_t = (_text(e.composite[k]), bool(e.passed[k]), bool(e.eligible[k]), float(e.hours[k]), float(e.credits[k]),
                 e.reason[k], e.track[k], e.column("course_id")[k], e.inputs[k])
        assert e.passed[k] in (0, 1) and e.eligible[k] in (0, 1)
        if want_t != got_t:
            bad.append(f"{where}: expected {want_t}, got {got_t}")
    assert not rejects, f"rejects for rows not given: {dict(rejects)}"
    assert not bad, f"{len(bad)} mismatch(es):\n" + "\n".join(bad[:10])
    assert len(ids) == accepted
    return accepted


@dataclass(frozen=True)
class Call:
    """One call the scoring made to `evaluate`."""

    course: Any
    pass_mark: Decimal
    rounding: Any
    values: dict
    statuses: dict
    present: frozenset[str]

    def key(self) -> tuple:
        return (id(self.course), self.pass_mark, self.rounding,
                tuple(sorted((f, type(v), v) for f, v in self.values.items())),
                tuple(sorted(self.statuses.items())), self.present)

    def outcome(self) -> Outcome:
        return evaluate(self.course, self.pass_mark, self.rounding, self.values, self.statuses, self.present)


def run(term: TermRules, book: Book) -> tuple[Resolution, list[Call]]:
    """resolve(), recording each call the scoring makes to `evaluate`."""
    calls: list[Call] = []

    def spy(course, pass_mark, rounding, values, statuses, present):  # noqa: ANN001, ANN202
        calls.append(Call(course, pass_mark, rounding, dict(values), dict(statuses), present))
        return evaluate(course, pass_mark, rounding, values, statuses, present)

    with mock.patch.object(scores_mod, "evaluate", spy):
        res = resolve(book.files, term)
    return res, calls


def _text(d: Decimal | None) -> str | None:
    """An entry's composite as the ledger stores it; in Entries it is a Decimal (runtable.py)."""
    assert d is None or type(d) is Decimal, repr(d)
    return None if d is None else str(d)


def is_plain(o: Outcome, course: Course) -> bool:
    """What `_plain_results` decides on columns: attended or not (R5); or a composite reached
    (R6 met, no status word, nothing blank), whether it passes or not."""
    if course.attendance_only:
        return not o.missing
    return o.composite is not None


# --- hypothesis: many rows, every course of every rule set -------------------------------


def _canon(d: Decimal) -> Decimal:
    """As cells.py spells a number: integers as Decimal(int), no trailing zeros."""
    return Decimal(int(d)) if d == d.to_integral_value() else d.normalize()


def _places(d: Decimal) -> int:
    return max(0, -d.as_tuple().exponent)


# floats as Excel stores them, read with repr (cells._number): too many places for int64,
# so the whole course goes to evaluate
LONG = [D(repr(59.949999999999996)), D(repr(60.050000000000004)), D(repr(0.1 + 0.2)), D(repr(72.35000000000001))]


def _near(pm: Decimal, places: int) -> list[Decimal]:
    """Scores at and around the rounding boundary of the pass mark (≤ 3 places, 0–100)."""
    half, step = D(5).scaleb(-(places + 1)), D(1).scaleb(-places)
    out = set()
    for centre in (pm - half, pm, pm + half, pm - step, pm - step - half, pm + step):
        for off in ("0", "0.001", "-0.001", "0.01", "-0.01", "0.0001", "-0.0001"):
            v = _canon(centre + D(off))
            if 0 <= v <= 100 and _places(v) <= 3:
                out.add(v)
    return sorted(out | {D(0), D(100)})


def _score_numbers(near: list[Decimal], digits: int = 3) -> st.SearchStrategy[Decimal]:
    return st.one_of(
        st.integers(0, 100).map(Decimal),
        st.integers(1, digits).flatmap(lambda k: st.integers(0, 100 * 10 ** k).map(lambda n: _canon(D(n).scaleb(-k)))),
        st.sampled_from(near),
        st.sampled_from([D(0), D(100), D("59.5"), D("60.5"), D("99.999"), D("0.001")]),
    )


def _counts(mins: list[Decimal]) -> list[Decimal]:
    out = {D(0), D(1), D(2)}
    for m in mins:
        for off in ("0", "1", "-1", "0.5", "-0.5", "-0.1", "0.1", "10"):
            v = _canon(m + D(off))
            if v >= 0:
                out.add(v)
    return sorted(out)


@dataclass
class Pools:
    """What one track's cells may hold."""

    track: str
    rs: Ruleset
    fields: list[str]  # measure fields this track's sheets may have
    near: list[Decimal]
    counts: dict[str, list[Decimal]]


def _pools(term: TermRules) -> dict[str, Pools]:
    out = {}
    for tid, rs in term.by_track.items():
        used: set[str] = set()
        mins: dict[str, list[Decimal]] = defaultdict(list)
        for c in rs.courses:
            if c.attendance_only:
                used.add("attendance")
            used.update(x.field for x in c.components)
            for m in (*c.minimums, *c.exam_prerequisites):
                used.add(m.field)
                mins[m.field].append(D(str(m.min)))
        pms = {rs.pass_mark_of(c) for c in rs.courses}
        assert len(pms) == 1
        near = _near(next(iter(pms)), rs.rounding.places)
        out[tid] = Pools(tid, rs, sorted(used), near, {f: _counts(mins.get(f, [])) for f in used})
    return out


@st.composite
def _template(draw: st.DrawFn, pools: dict[str, Pools], digits: int, long_ok: bool) -> tuple[str, str, dict, dict]:
    """(track, course, values, statuses) of one teacher's row, before its sheet drops the
    columns it lacks. Modes: random cells; a plain pass (every condition drawn met); the
    components all at (or one step off) a value next to the rounding boundary."""
    p = draw(st.sampled_from(sorted(pools.values(), key=lambda x: x.track)))
    course = draw(st.sampled_from(p.rs.courses))
    mode = draw(st.sampled_from(["random", "random", "plain", "boundary"]))
    numbers = _score_numbers(p.near, digits)
    if long_ok:
        numbers = st.one_of(numbers, st.sampled_from(LONG))
    comps = {c.field for c in course.components}
    needs = {m.field: D(str(m.min)) for m in (*course.minimums, *course.exam_prerequisites)}
    values: dict[str, Any] = {}
    statuses: dict[str, str] = {}
    if mode == "boundary" and comps:
        t = draw(st.sampled_from(p.near))
        order = [c.field for c in course.components]
        for f in order:
            values[f] = t
        j = draw(st.integers(0, len(order) - 1))
        off = draw(st.sampled_from(["0", "0.001", "-0.001", "0.01", "-0.01", "0.1", "-0.1"]))
        v = _canon(t + D(off))
        if 0 <= v <= 100:
            values[order[j]] = v
    for f in p.fields:
        if f in values:
            continue
        kind = FIELDS[f][0]
        if mode != "random" and (f in needs or f in comps or f == "attendance"):
            # plain / boundary: every condition met (still a number that may fail the mark)
            if kind is Kind.YESNO:
                values[f] = True
            elif f in comps:
                values[f] = draw(st.one_of(st.integers(int(p.rs.pass_mark), 100).map(Decimal), numbers))
            else:
                met = [v for v in p.counts[f] if v >= needs.get(f, D(0))]
                opts: list[Any] = met + ([True] if kind is Kind.COUNT_OR_YESNO else [])
                values[f] = draw(st.sampled_from(opts))
            continue
        what = draw(st.sampled_from(["value"] * 5 + ["blank"] + (["status"] * 2 if kind is Kind.SCORE else [])))
        if what == "blank":
            continue
        if what == "status":
            statuses[f] = draw(st.sampled_from(STATUS_KINDS))
        elif kind is Kind.SCORE:
            values[f] = draw(numbers)
        elif kind is Kind.YESNO:
            values[f] = draw(st.booleans())
        elif kind is Kind.COUNT_OR_YESNO:
            values[f] = draw(st.one_of(st.booleans(), st.sampled_from(p.counts[f])))
        else:
            values[f] = draw(st.one_of(st.sampled_from(p.counts[f]), st.integers(0, 40).map(Decimal)))
    return p.track, course.id, values, statuses


@pytest.mark.parametrize("variant", VARIANTS)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_columns_equal_evaluate(variant: str, data: st.DataObject, rule_cache: dict[str, TermRules],
                                tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every row of one resolve() call (20–250 rows, 1–2 files, 1–4 sheets with differing
    columns, inputs repeated across rows and sheets) is stored as `evaluate` says, or
    rejected with the codes `evaluate`'s `missing` calls for; `evaluate` is called at most
    once per distinct input, and never for a plain pass (those are decided on columns)."""
    term = _load(variant, rule_cache, tmp_path_factory)
    pools = _pools(term)
    multi = len(term.by_track) > 1
    all_fields = sorted({f for p in pools.values() for f in p.fields})
    # most runs: scores with ≤ 3 places; some: up to 6 / 11 / 12 places (the int64 sums reach
    # 10^(places + weight places) ≤ 10^12, beyond which a course goes to evaluate), or floats
    # read with 15+ places
    digits = data.draw(st.sampled_from([3, 3, 3, 3, 6, 11, 12]), label="score places up to")
    long_ok = data.draw(st.integers(0, 4), label="long decimals allowed") == 0
    book = Book(n_files=data.draw(st.integers(1, 2), label="files"))
    n_sheets = data.draw(st.integers(1, 4), label="sheets")
    for s in range(n_sheets):
        # the first sheet has every column; others may lack any (optional or not)
        drop = set() if s == 0 else data.draw(st.sets(st.sampled_from(all_fields), max_size=3), label="dropped")
        book.sheet(frozenset(set(all_fields) - drop), file=s % book.n_files)
    templates = data.draw(st.lists(_template(pools, digits, long_ok), min_size=3, max_size=40), label="inputs")
    if data.draw(st.booleans(), label="homework twins"):
        # 是/否 and the counts 1/0 are equal in Python but not the same input (作业 否 vs 作业 0)
        for track, course, values, statuses in list(templates):
            hw = values.get("homework")
            if hw is not None and (isinstance(hw, bool) or hw in (0, 1)):
                twin = D(int(hw)) if isinstance(hw, bool) else hw == 1
                templates.append((track, course, {**values, "homework": twin}, statuses))
    n_rows = data.draw(st.integers(20, 250), label="rows")
    picks = data.draw(st.lists(st.tuples(st.integers(0, len(templates) - 1), st.integers(0, n_sheets - 1)),
                               min_size=n_rows, max_size=n_rows), label="rows (input, sheet)")
    for ti, si in picks:
        track, course, values, statuses = templates[ti]
        present = book.sheets[si][2]
        book.add(si, track, course, {f: v for f, v in values.items() if f in present},
                 {f: s for f, s in statuses.items() if f in present}, hint=track if multi else None)

    res, calls = run(term, book)
    accepted = check(term, book, res)

    outcomes = [expected(term, r) for r in book.rows]
    distinct = {(r.track, r.course, tuple(sorted((f, type(v), v) for f, v in r.values.items())),
                 tuple(sorted(r.statuses.items())), r.present) for r in book.rows}
    keys = [c.key() for c in calls]
    assert len(keys) == len(set(keys)), "evaluate called twice for one input"
    assert len(calls) <= len(distinct)
    # the column path is skipped for a course whose exact sums would need more than 12
    # decimal places (scores' places over the whole run + the weights' places)
    places: dict[str, int] = defaultdict(int)
    for r in book.rows:
        for f, v in r.values.items():
            if isinstance(v, Decimal):
                places[f] = max(places[f], _places(v))
    on_columns = {id(c) for rs in term.by_track.values() for c in rs.courses
                  if c.attendance_only or max(places[x.field] for x in c.components)
                  + max(_places(D(str(x.weight))) for x in c.components) <= 12}
    plain_inputs = [c for c in calls if id(c.course) in on_columns and is_plain(c.outcome(), c.course)]
    assert not plain_inputs, f"plain results sent to evaluate: {plain_inputs[:3]}"
    plain = [o for o, r in zip(outcomes, book.rows)
             if id(course := term.by_track[r.track].course(r.course)) in on_columns and is_plain(o, course)]
    event(f"plain passes decided on columns: {'some' if any(o.passed for o in plain) else 'none'}")
    event(f"plain failures decided on columns: {'some' if any(not o.passed for o in plain) else 'none'}")
    whole = len(on_columns) < sum(len(rs.courses) for rs in term.by_track.values())
    event(f"courses sent whole to evaluate (> 12 places): {'some' if whole else 'none'}")
    event(f"rejected rows: {'some' if accepted < len(book.rows) else 'none'}")


def test_every_course_of_every_rule_file_is_covered(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The variants above reach every course of every shipped file, in its own track."""
    cache: dict[str, TermRules] = {}
    seen = set()
    for v in VARIANTS:
        term = _load(v, cache, tmp_path_factory)
        for rs in term.by_track.values():
            seen.update((term.term_id, rs.track.id, c.id) for c in rs.courses)
    for f in TRACK_FILES:
        t = load_term([f], None)
        for rs in t.by_track.values():
            for c in rs.courses:
                assert (t.term_id, rs.track.id, c.id) in seen


# --- hand-worked cases --------------------------------------------------------------------


@dataclass
class Case:
    why: str  # the rule and the arithmetic
    course: str
    values: dict[str, Any]
    composite: str | None = None
    passed: bool | None = None  # None: the row is rejected
    reason: str = ""
    eligible: bool = True
    statuses: dict[str, str] = field(default_factory=dict)
    drop: frozenset[str] = frozenset()  # columns the sheet lacks
    rejects: tuple[tuple[str, str], ...] = ()  # (code, field) when rejected


# text 2009-h1: ethics-reader / teaching-skills 0.7 exam + 0.3 blog_score, blog_posts ≥ 5 (R2, R3);
# ethics-meeting attendance only, 5 h (R5). Pass mark 60, half_up to 1 place (the shipped base).
TEXT_CASES = [
    Case("R2: 0.7×59.93 + 0.3×60 = 41.951 + 18 = 59.951 → 60.0 ≥ 60 passes", "ethics-reader",
         {"exam": D("59.93"), "blog_score": D(60), "blog_posts": D(5)}, "60.0", True),
    Case("R2: 0.7×59.95 + 0.3×59.95 = 59.95 exactly → 60.0 half_up ≥ 60 passes", "ethics-reader",
         {"exam": D("59.95"), "blog_score": D("59.95"), "blog_posts": D(5)}, "60.0", True),
    Case("R2: 0.7×59.92 + 0.3×60 = 41.944 + 18 = 59.944 → 59.9 < 60 fails", "teaching-skills",
         {"exam": D("59.92"), "blog_score": D(60), "blog_posts": D(6)}, "59.9", False, "综合成绩 59.9 低于 60"),
    Case("R2: 0.7×59.949 + 0.3×59.949 = 59.949 → 59.9 < 60 fails (rounded once, not 59.95 → 60.0)",
         "ethics-reader", {"exam": D("59.949"), "blog_score": D("59.949"), "blog_posts": D(5)}, "59.9", False,
         "综合成绩 59.9 低于 60"),
    Case("R2: 0.7×60.07 + 0.3×60 = 42.049 + 18 = 60.049 → 60.0 passes", "ethics-reader",
         {"exam": D("60.07"), "blog_score": D(60), "blog_posts": D(5)}, "60.0", True),
    Case("R2: 0.7×60.05 + 0.3×60.05 = 60.05 → 60.1 half_up", "ethics-reader",
         {"exam": D("60.05"), "blog_score": D("60.05"), "blog_posts": D(5)}, "60.1", True),
    Case("R2: 0.7×85.5 + 0.3×3 = 59.85 + 0.9 = 60.75 → 60.8 half_up", "ethics-reader",
         {"exam": D("85.5"), "blog_score": D(3), "blog_posts": D(5)}, "60.8", True),
    Case("R2: 0.7×100 + 0.3×0 = 70.0 passes", "ethics-reader",
         {"exam": D(100), "blog_score": D(0), "blog_posts": D(9)}, "70.0", True),
    Case("R2: 0.7×0 + 0.3×100 = 30.0 fails", "ethics-reader",
         {"exam": D(0), "blog_score": D(100), "blog_posts": D(9)}, "30.0", False, "综合成绩 30.0 低于 60"),
    Case("R3: 0.7×90 + 0.3×90 = 90.0 but 4 posts < 5 fails, composite shown", "ethics-reader",
         {"exam": D(90), "blog_score": D(90), "blog_posts": D(4)}, "90.0", False, "博文篇数 4，少于 5"),
    Case("R3: 4.5 posts < 5 fails", "teaching-skills",
         {"exam": D(90), "blog_score": D(90), "blog_posts": D("4.5")}, "90.0", False, "博文篇数 4.5，少于 5"),
    Case("R2+R3: 59.944 → 59.9 and 4 posts: both reasons", "ethics-reader",
         {"exam": D("59.92"), "blog_score": D(60), "blog_posts": D(4)}, "59.9", False,
         "综合成绩 59.9 低于 60；博文篇数 4，少于 5"),
    Case("status: 缺考 in the exam fails, no composite", "ethics-reader",
         {"blog_score": D(90), "blog_posts": D(5)}, None, False, "缺考", statuses={"exam": "absent"}),
    Case("status: 免考 passes with hours, no composite", "ethics-reader",
         {"blog_score": D(90), "blog_posts": D(5)}, None, True, "免考", statuses={"exam": "exempt"}),
    Case("status: 补考 fails until the score arrives", "teaching-skills",
         {"exam": D(90), "blog_posts": D(5)}, None, False, "待补考", statuses={"blog_score": "resit"}),
    Case("status: 缺考 wins over 免考", "teaching-skills", {"blog_posts": D(5)}, None, False, "缺考",
         statuses={"exam": "exempt", "blog_score": "absent"}),
    Case("blank blog score: rejected", "ethics-reader", {"exam": D(90), "blog_posts": D(5)},
         rejects=(("E-VALUE-BLANK", "blog_score"),)),
    Case("no 博文篇数 column (not optional for text): rejected", "ethics-reader",
         {"exam": D(90), "blog_score": D(90)}, drop=frozenset({"blog_posts"}),
         rejects=(("E-COLUMN-MISSING", "blog_posts"),)),
    Case("blank exam and blog score, no posts column: one problem per field", "teaching-skills", {},
         drop=frozenset({"blog_posts"}),
         rejects=(("E-VALUE-BLANK", "exam"), ("E-VALUE-BLANK", "blog_score"), ("E-COLUMN-MISSING", "blog_posts"))),
    Case("R5: attended → 5 h, 0.5 credits", "ethics-meeting", {"attendance": True}, None, True),
    Case("R5: not attended fails", "ethics-meeting", {"attendance": False}, None, False, "未参加"),
    Case("R5: attendance blank: rejected", "ethics-meeting", {}, rejects=(("E-VALUE-BLANK", "attendance"),)),
]

# online 2009-h1: exam only; hours_done ≥ 15, homework ≥ 1 (or 是), forum_posts ≥ 3 (R6);
# blog_posts ≥ 5 only where the sheet has the column (R3, optional).
ONLINE_CASES = [
    Case("R6 met (homework 是), exam 60 → 60.0 passes", "ethics-reader",
         {"hours_done": D(15), "homework": True, "forum_posts": D(3), "exam": D(60)}, "60.0", True,
         drop=frozenset({"blog_posts"})),
    Case("R6 met (homework 2), exam 59.95 → 60.0 passes", "school-research-1",
         {"hours_done": D(20), "homework": D(2), "forum_posts": D(3), "exam": D("59.95")}, "60.0", True,
         drop=frozenset({"blog_posts"})),
    Case("R6: homework 否 → not eligible, no composite", "ethics-reader",
         {"hours_done": D(15), "homework": False, "forum_posts": D(3), "exam": D(90)}, None, False,
         "未达报考条件：作业 否 未达到 1", eligible=False, drop=frozenset({"blog_posts"})),
    Case("R6: homework 0 (a count, not 否; else as the case above) → named 0", "ethics-reader",
         {"hours_done": D(15), "homework": D(0), "forum_posts": D(3), "exam": D(90)}, None, False,
         "未达报考条件：作业 0 未达到 1", eligible=False, drop=frozenset({"blog_posts"})),
    Case("R6: homework 0 and 14.5 hours → not eligible, both named", "lesson-design",
         {"hours_done": D("14.5"), "homework": D(0), "forum_posts": D(3), "exam": D(90)}, None, False,
         "未达报考条件：已修学时 14.5 未达到 15，作业 0 未达到 1", eligible=False, drop=frozenset({"blog_posts"})),
    Case("R6 before status: unmet prerequisite and 缺考 → 未达报考条件", "ethics-reader",
         {"hours_done": D(15), "homework": True, "forum_posts": D(2)}, None, False,
         "未达报考条件：论坛发帖 2 未达到 3", eligible=False, statuses={"exam": "absent"},
         drop=frozenset({"blog_posts"})),
    Case("R6 met, 缺考 → fails, still eligible", "ethics-reader",
         {"hours_done": D(15), "homework": True, "forum_posts": D(3)}, None, False, "缺考",
         statuses={"exam": "absent"}, drop=frozenset({"blog_posts"})),
    Case("R3 optional: posts column there, 4 posts → fails, composite shown", "ethics-reader",
         {"hours_done": D(15), "homework": True, "forum_posts": D(3), "exam": D(75), "blog_posts": D(4)},
         "75.0", False, "博文篇数 4，少于 5"),
    Case("R3 optional: posts column there but blank → rejected", "ethics-reader",
         {"hours_done": D(15), "homework": True, "forum_posts": D(3), "exam": D(75)},
         rejects=(("E-VALUE-BLANK", "blog_posts"),)),
    Case("R3 optional, no posts column: exam 55 → 55.0 fails (same values as the next case)", "ethics-reader",
         {"hours_done": D(15), "homework": True, "forum_posts": D(3), "exam": D(55)}, "55.0", False,
         "综合成绩 55.0 低于 60", drop=frozenset({"blog_posts"})),
    Case("R3 optional, posts column there but blank: same values → rejected", "ethics-reader",
         {"hours_done": D(15), "homework": True, "forum_posts": D(3), "exam": D(55)},
         rejects=(("E-VALUE-BLANK", "blog_posts"),)),
    Case("R6: forum_posts column missing (not optional) → rejected", "ethics-reader",
         {"hours_done": D(15), "homework": True, "exam": D(75)}, drop=frozenset({"forum_posts", "blog_posts"}),
         rejects=(("E-COLUMN-MISSING", "forum_posts"),)),
]

# kindergarten 2009-h1: ethics-reader 0.5 kg_assessment + 0.5 city_exam (R4); theme-activity exam, 20 h
KG_CASES = [
    Case("R4: 0.5×59.9 + 0.5×60 = 59.95 → 60.0 half_up passes", "ethics-reader",
         {"kg_assessment": D("59.9"), "city_exam": D(60)}, "60.0", True),
    Case("R4: 0.5×59.9 + 0.5×59.98 = 59.94 → 59.9 fails", "ethics-reader",
         {"kg_assessment": D("59.9"), "city_exam": D("59.98")}, "59.9", False, "综合成绩 59.9 低于 60"),
    Case("exam 59.94 → 59.9 fails", "theme-activity", {"exam": D("59.94")}, "59.9", False, "综合成绩 59.9 低于 60"),
    Case("exam 100 → 100.0, 20 h, 2 credits", "theme-activity", {"exam": D(100)}, "100.0", True),
]

# the text ethics-reader under other policies (edited copies): (rounding, pass mark) → cases
POLICY_CASES = {
    ("{places: 1, mode: half_even}", None): [
        Case("half_even: 59.95 → 60.0 (9 is odd) passes", "ethics-reader",
             {"exam": D("59.95"), "blog_score": D("59.95"), "blog_posts": D(5)}, "60.0", True),
        Case("half_even: 60.25 → 60.2 (half_up would give 60.3)", "ethics-reader",
             {"exam": D("60.25"), "blog_score": D("60.25"), "blog_posts": D(5)}, "60.2", True),
        Case("half_even: 0.7×60.3 + 0.3×60 = 60.21 → 60.2", "ethics-reader",
             {"exam": D("60.3"), "blog_score": D(60), "blog_posts": D(5)}, "60.2", True),
        Case("half_even: 59.85 → 59.8 fails", "ethics-reader",
             {"exam": D("59.85"), "blog_score": D("59.85"), "blog_posts": D(5)}, "59.8", False,
             "综合成绩 59.8 低于 60"),
    ],
    ("{places: 0, mode: half_even}", "61"): [
        Case("places 0, half_even, pass mark 61: 60.5 → 60 < 61 fails", "ethics-reader",
             {"exam": D("60.5"), "blog_score": D("60.5"), "blog_posts": D(5)}, "60", False, "综合成绩 60 低于 61"),
        Case("places 0, half_even: 61.5 → 62 passes", "ethics-reader",
             {"exam": D("61.5"), "blog_score": D("61.5"), "blog_posts": D(5)}, "62", True),
        Case("places 0, half_even: 0.7×61 + 0.3×60 = 60.7 → 61 passes", "ethics-reader",
             {"exam": D(61), "blog_score": D(60), "blog_posts": D(5)}, "61", True),
    ],
    ("{places: 0, mode: half_up}", "61"): [
        Case("places 0, half_up, pass mark 61: 60.5 → 61 passes", "ethics-reader",
             {"exam": D("60.5"), "blog_score": D("60.5"), "blog_posts": D(5)}, "61", True),
        Case("places 0, half_up: 0.7×60.71 + 0.3×60 = 60.497 → 60 fails", "ethics-reader",
             {"exam": D("60.71"), "blog_score": D(60), "blog_posts": D(5)}, "60", False, "综合成绩 60 低于 61"),
    ],
    ("{places: 2, mode: half_up}", None): [
        Case("places 2, half_up: 0.7×59.993 + 0.3×60 = 59.9951 → 60.00 passes", "ethics-reader",
             {"exam": D("59.993"), "blog_score": D(60), "blog_posts": D(5)}, "60.00", True),
        Case("places 2, half_up: 60.125 → 60.13", "ethics-reader",
             {"exam": D("60.125"), "blog_score": D("60.125"), "blog_posts": D(5)}, "60.13", True),
        Case("places 2: 0.7×59.992 + 0.3×60 = 59.9944 → 59.99 fails", "ethics-reader",
             {"exam": D("59.992"), "blog_score": D(60), "blog_posts": D(5)}, "59.99", False,
             "综合成绩 59.99 低于 60"),
    ],
    ("{places: 2, mode: half_even}", "59.95"): [
        Case("places 2, half_even: 60.125 → 60.12", "ethics-reader",
             {"exam": D("60.125"), "blog_score": D("60.125"), "blog_posts": D(5)}, "60.12", True),
        Case("pass mark 59.95, places 2: 59.95 passes", "ethics-reader",
             {"exam": D("59.95"), "blog_score": D("59.95"), "blog_posts": D(5)}, "59.95", True),
        Case("pass mark 59.95: 0.7×59.94 + 0.3×59.96 = 59.946 → 59.95 (half_even: 4|6) passes", "ethics-reader",
             {"exam": D("59.94"), "blog_score": D("59.96"), "blog_posts": D(5)}, "59.95", True),
        Case("pass mark 59.95: 59.9449 → 59.94 fails", "ethics-reader",
             {"exam": D("59.9449"), "blog_score": D("59.9449"), "blog_posts": D(5)}, "59.94", False,
             "综合成绩 59.94 低于 59.95"),
    ],
}


def _single(tmp: Path, rounding: str, pass_mark: str | None) -> TermRules:
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copy(BASE, tmp / BASE.name)
    text = (RULES / "huadian-2009-h1-text.yaml").read_text(encoding="utf-8").rstrip("\n")
    text += f"\nrounding: {rounding}\n" + (f"pass_mark: {pass_mark}\n" if pass_mark else "")
    path = tmp / "huadian-2009-h1-text.yaml"
    path.write_text(text, encoding="utf-8")
    return load_term([path], None)


def _run_cases(term: TermRules, cases: list[Case], hours: dict[str, str]) -> None:
    rs = next(iter(term.by_track.values()))
    fields = sorted({f for c in rs.courses
                     for f in ([x.field for x in (*c.components, *c.minimums, *c.exam_prerequisites)]
                               + (["attendance"] if c.attendance_only else []))})
    book = Book()
    sheets: dict[frozenset[str], int] = {}
    rows = []
    for i, case in enumerate(cases):
        drop = case.drop
        if drop not in sheets:
            sheets[drop] = book.sheet(frozenset(set(fields) - drop))
        # each case twice: the second copy must get the first one's result (one evaluate call)
        for _ in range(2):
            rows.append((case, book.add(sheets[drop], rs.track.id, case.course, case.values, case.statuses)))
    res, calls = run(term, book)
    check(term, book, res)  # agrees with evaluate row by row …
    e = res.entries
    at = {ident: k for k, ident in enumerate(e.column("id").tolist())}
    codes = defaultdict(list)
    for p in res.rejects:
        codes[(p.sheet, p.row)].append((p.code, p.column))
    for case, r in rows:  # … and with the arithmetic worked out by hand
        if case.passed is None:
            assert r.ident not in at, case.why
            assert codes[(r.sheet, r.row)] == [(c, label(f)) for c, f in case.rejects], case.why
            continue
        k = at[r.ident]
        h = D(hours[case.course]) if case.passed else D(0)
        got = (_text(e.composite[k]), bool(e.passed[k]), bool(e.eligible[k]), e.reason[k], e.hours[k], e.credits[k])
        assert got == (case.composite, case.passed, case.eligible, case.reason, float(h), float(h / 10)), case.why
    # plain results (attended or not; a composite reached, pass or fail) never reach
    # evaluate; every other distinct input reaches it once
    def plain(c: Case) -> bool:
        return c.passed is not None if rs.course(c.course).attendance_only else c.composite is not None

    keys = [c.key() for c in calls]
    assert len(keys) == len(set(keys)) == sum(1 for c in cases if not plain(c))


H1_TEXT_HOURS = {"ethics-meeting": "5", "ethics-reader": "15", "teaching-skills": "15"}


def test_hand_worked_text_h1() -> None:
    _run_cases(load_term([RULES / "huadian-2009-h1-text.yaml"], None), TEXT_CASES, H1_TEXT_HOURS)


def test_hand_worked_online_h1() -> None:
    _run_cases(load_term([RULES / "huadian-2009-h1-online.yaml"], None), ONLINE_CASES,
               {"ethics-reader": "15", "school-research-1": "15", "lesson-design": "15"})


def test_hand_worked_kindergarten_h1() -> None:
    _run_cases(load_term([RULES / "huadian-2009-h1-kindergarten.yaml"], None), KG_CASES,
               {"ethics-reader": "15", "theme-activity": "20"})


@pytest.mark.parametrize("policy", list(POLICY_CASES), ids=lambda p: f"{p[0]}-pm{p[1]}")
def test_hand_worked_rounding_policies(policy: tuple[str, str | None], tmp_path: Path) -> None:
    rounding, pass_mark = policy
    term = _single(tmp_path / "rules", rounding, pass_mark)
    rs = term.by_track["text"]
    assert f"{{places: {rs.rounding.places}, mode: {rs.rounding.mode}}}" == rounding
    assert rs.pass_mark_of(rs.course("ethics-reader")) == D(pass_mark or 60)
    _run_cases(term, POLICY_CASES[policy], H1_TEXT_HOURS)


def test_long_decimals_go_to_evaluate_and_still_agree() -> None:
    """A score read from a float with 15 places (59.949999999999996) is beyond the exact int64
    sums: the course's rows all go to evaluate, and still agree with it (59.9 fails)."""
    term = load_term([RULES / "huadian-2009-h1-text.yaml"], None)
    book = Book()
    s = book.sheet(frozenset({"exam", "blog_score", "blog_posts", "attendance"}))
    for exam in (D("59.949999999999996"), D(80), D("59.95")):
        book.add(s, "text", "ethics-reader", {"exam": exam, "blog_score": exam, "blog_posts": D(5)})
    book.add(s, "text", "ethics-meeting", {"attendance": True})
    res, calls = run(term, book)
    check(term, book, res)
    assert [_text(c) for c in res.entries.composite] == ["59.9", "80.0", "60.0", None]
    assert len(calls) == 3  # the three ethics-reader rows; the meeting is a plain pass on columns
