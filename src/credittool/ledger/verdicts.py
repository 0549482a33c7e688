"""A programme term in the ledger (R12–R17): its rules as the ledger keeps them, its staff
lists, and each teacher's verdict over the school year (`verdicts`), recomputed inside the
transaction that changed any term of the year, so that `report` needs no rules files.

Who is judged: everyone on a staff list of the year, and everyone with an entry in it. A
teacher's unit is the staff list's (the unit holding the personnel relation), else the
least of their entries' units, as MIN() picks it.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

from credittool.ledger.absences import digits_agree
from credittool.ledger.db import bump_generation
from credittool.rules.programmes import ProgrammeSet
from credittool.score.research import Weight, school_weight
from credittool.score.standards import Verdict, judge, number, show

if TYPE_CHECKING:  # annotations only: the report's and the card's imports stay light
    import numpy as np

    from credittool.extract.research import Project
    from credittool.resolve.table import Table
    from credittool.rules.loader import TermRules


def _key(what: str, term_id: str) -> str:
    return f"{what}:{term_id}"


def rules_rows(term: TermRules) -> tuple[list[tuple], list[tuple], list[tuple[str, str]]]:
    """The term's programmes as rows of the ledger's `courses` (term, id, name, hours,
    position) and `track_courses` (term, category id, category name, programme id, required,
    position) tables, which the register joins (a programme row's track is its category),
    and the `meta` rows that keep the year and the whole programme file for `report`."""
    ps = term.programmes
    if ps is None:
        return [], [], []
    required = {r.programme for r in ps.standards.required}
    courses = [(term.term_id, p.id, p.name, float(p.fixed_hours or 0), i) for i, p in enumerate(ps.programmes)]
    tracks = [(term.term_id, p.category, ps.category_names[p.category], p.id, int(p.id in required), i)
              for i, p in enumerate(ps.programmes)]
    meta = [(_key("year", term.term_id), ps.term.year), (_key("programmes", term.term_id), ps.model_dump_json())]
    return courses, tracks, meta


def year_of(con: sqlite3.Connection, term_id: str) -> str | None:
    """The school year of a programme term in the ledger; None for a course term."""
    row = con.execute("SELECT value FROM meta WHERE key=?", (_key("year", term_id),)).fetchone()
    return row[0] if row else None


def programme_set(con: sqlite3.Connection, term_id: str) -> ProgrammeSet:
    """The programme file of a term as it was at its last ingest."""
    (text,) = con.execute("SELECT value FROM meta WHERE key=?", (_key("programmes", term_id),)).fetchone()
    return ProgrammeSet.model_validate_json(text)


def ledger_years(con: sqlite3.Connection) -> list[str]:
    """The school years of the ledger's programme terms, in order."""
    return sorted({v for (v,) in con.execute("SELECT value FROM meta WHERE key LIKE 'year:%'")})


def year_terms(con: sqlite3.Connection, year: str) -> list[str]:
    return [k.split(":", 1)[1] for (k,) in con.execute(
        "SELECT key FROM meta WHERE key LIKE 'year:%' AND value=? ORDER BY key", (year,))]


def terms_shown_with(con: sqlite3.Connection, term_id: str) -> list[str]:
    """The terms whose workbooks show what a change to `term_id` changes: in a term of
    programmes every term of its school year (each register's 学分汇总 and report's 学分达标
    show the year's verdicts); a term of courses alone."""
    year = year_of(con, term_id)
    return year_terms(con, year) if year is not None else [term_id]


def bump_shown(con: sqlite3.Connection, term_id: str) -> None:
    """Inside a transaction: `term_id` changed; the workbooks of `terms_shown_with` it are behind."""
    for t in terms_shown_with(con, term_id):
        bump_generation(con, t)


def store_staff(con: sqlite3.Connection, term_id: str, t: Table, rows: np.ndarray, fid_of_sheet: np.ndarray) -> None:
    """The run's staff-list rows kept (`rows`, of the Table); a sheet's file_id is -1 where
    another run committed the file meanwhile."""
    import numpy as np

    fid = fid_of_sheet[t.sheet[rows]] if len(rows) else np.zeros(0, np.int64)
    mine = rows[fid >= 0]
    sheet_name = [s.name for s in t.sheets]
    c = t.col
    con.executemany("INSERT INTO staff VALUES (?,?,?,?,?,?,?,?,?)",
                    [(term_id, int(f), sheet_name[t.sheet[i]], int(t.row[i]), c["id"][i], c["name"][i], c["unit"][i],
                      c["subject"][i], c["stage"][i]) for i, f in zip(mine.tolist(), fid[fid >= 0].tolist())])


def store_research(con: sqlite3.Connection, term_id: str, fid: int, projects: list[Project]) -> None:
    """A file's 课题 list (R14)."""
    con.executemany("INSERT INTO research VALUES (?,?,?,?,?,?,?)",
                    [(term_id, fid, p.sheet, p.row, p.unit, p.title, p.level) for p in projects])


def research_weights(con: sqlite3.Connection, term_id: str) -> dict[str, Weight]:
    """Each school's 课题 weight over the year of `term_id` (R14), by its rules; empty when
    they declare none."""
    ps = programme_set(con, term_id)
    if ps.research is None:
        return {}
    terms = year_terms(con, ps.term.year)
    projects: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for unit, title, level in con.execute(
            f"""SELECT r.unit, r.title, r.level FROM research r JOIN files f USING (file_id)
                WHERE r.term IN ({",".join("?" * len(terms))}) AND f.active = 1
                ORDER BY r.unit, f.name, r.sheet, r.row""", terms):
        projects[unit].append((title, level))
    return {unit: school_weight(p, ps.research) for unit, p in projects.items()}


@lru_cache(maxsize=4096)  # a year's sums take few values: 24, 50, 17.5 …
def exact(x: float) -> Decimal:
    """A sum of hours as the ledger's REAL gives it, back to the decimal it is (rosters give
    hours to a decimal place or two)."""
    return Decimal(f"{x:.4f}").normalize() + 0


_JSON = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False), its encoder made once


def refresh_verdicts(con: sqlite3.Connection, term_id: str) -> None:
    """Recompute the verdicts of the school year of programme term `term_id`, over every
    term of that year in the ledger, by the standards of `term_id`'s rules."""
    year = year_of(con, term_id)
    if year is None:
        return
    ps = programme_set(con, term_id)
    terms = year_terms(con, year)
    marks = ",".join("?" * len(terms))
    hours: dict[str, dict[str, Decimal]] = defaultdict(dict)  # only the programmes passed
    who: dict[str, tuple[str, str]] = {}
    for ident, pid, h, ok, unit, name in con.execute(
            f"""SELECT e.id_number, e.course_id, SUM(e.hours), MAX(e.passed), MIN(e.unit), MIN(e.name)
                FROM entries e JOIN files f USING (file_id)
                WHERE e.term IN ({marks}) AND f.active = 1 GROUP BY e.id_number, e.course_id
                ORDER BY e.id_number, e.course_id""", terms):
        if pid not in ps.by_id:  # a programme of another term's rules this year's rules do not name
            continue
        if ok:
            hours[ident][pid] = exact(h)
        who[ident] = min(who.get(ident, (unit, name)), (unit, name))
    for ident, unit, name in con.execute(
            f"""SELECT s.id_number, MIN(s.unit), MIN(s.name) FROM staff s JOIN files f USING (file_id)
                WHERE s.term IN ({marks}) AND f.active = 1 GROUP BY s.id_number""", terms):
        who[ident] = (unit, name)  # the staff list's unit: where the personnel relation is
    adjusted: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for ident, unit, name, cid, h in con.execute(
            "SELECT id_number, unit, name, category, hours FROM adjustments WHERE year = ? ORDER BY adj_id", (year,)):
        adjusted[ident][cid] += Decimal(h)  # late corrections (ledger/closing.py)
        who.setdefault(ident, (unit, name))
    refused = _refused(con, terms, who)
    con.execute("DELETE FROM verdicts WHERE year=?", (year,))
    rows = []
    judged: dict[tuple, tuple] = {}
    for ident in sorted(who):
        h, a = hours.get(ident, {}), adjusted.get(ident)
        key = (tuple(h.items()), tuple(a.items()) if a else ())
        if (cells := judged.get(key)) is None:
            cells = judged[key] = _verdict_cells(judge(h, h.keys(), ps, a))
        *figures, met, reasons, missed = cells
        if not met and ident in refused:
            reasons = f"{reasons}；{refused[ident]}" if reasons else refused[ident]
        rows.append((year, ident, *who[ident], *figures, met, reasons, missed))
    con.executemany("INSERT INTO verdicts VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)


def _verdict_cells(v: Verdict) -> tuple:
    """A verdict as the `verdicts` table keeps it, from `hours` to `missed`. Teachers with the
    same hours share it: the 5,263 teachers of the bench's district have 2,333 distinct sets."""
    return (_JSON({c: show(h) for c, h in v.hours.items()}), _JSON({p: show(h) for p, h in v.made_up.items()}),
            show(v.total), show(v.credits), int(v.met), "；".join(v.reasons), json.dumps(v.missed))


VERDICTS_FROM = " FROM verdicts v WHERE v.year = (SELECT value FROM meta WHERE key = 'year:' || ?)"
VERDICT_UNITS = "SELECT v.unit, COUNT(*), SUM(v.met = 1)" + VERDICTS_FROM + " GROUP BY v.unit ORDER BY v.unit"
VERDICT_ROWS = ("SELECT v.unit, v.name, v.id_number, v.hours, v.made_up, v.total, v.credits, v.met, v.reasons"
                + VERDICTS_FROM + " AND v.unit BETWEEN ? AND ? ORDER BY v.unit, v.id_number LIMIT ? OFFSET ?")


def _refused(con: sqlite3.Connection, terms: list[str], who: dict[str, tuple[str, str]],
             shown: int = 2) -> dict[str, str]:
    """ID → what a verdict adds for a teacher some of whose rows of the year were not
    accepted: the rows may be what is missing (「另有 1 行未被接受（德育科.xlsx「Sheet1」第234行），见 rejects.xlsx」).
    A row whose ID is not usable (a wrong check digit, typed as a number …) is the teacher's
    when exactly one teacher of the year has its name and an ID its 17 digits agree with
    (absences.digits_agree: within a number's rounding, or one slip)."""
    places: dict[str, list[str]] = defaultdict(list)
    by_name: dict[str, list[str]] = defaultdict(list)
    for ident, (_, name) in who.items():
        by_name[name].append(ident)
    for ident, raw, name, fname, sheet, row in con.execute(
            f"""SELECT r.id_number, r.raw_id, r.name, f.name, r.sheet, r.row FROM rejected_rows r JOIN files f USING (file_id)
                WHERE f.term IN ({",".join("?" * len(terms))}) AND f.active = 1
                  AND (r.id_number IS NOT NULL OR r.name <> '')
                ORDER BY f.name, r.sheet, r.row""", terms):
        if ident is None and len(raw.rpartition(" / ")[2].strip()) >= 17:  # 17 digits or more, as typed or as a number
            near = [i for i in by_name.get(name, ()) if digits_agree(raw, i)]
            ident = near[0] if len(near) == 1 else None
        if ident is not None:
            places[ident].append(f"{fname}「{sheet}」第{row}行")
    return {i: f"另有 {len(p)} 行未被接受（{'、'.join(p[:shown])}{'等' if len(p) > shown else ''}），见 rejects.xlsx"
            for i, p in places.items()}


def verdict_columns(ps: ProgrammeSet) -> list[str]:
    """学分汇总 of a programme term: the hours of each category, the make-up counted, the
    total after the caps (R12, R17)."""
    made_up = [f"{ps.by_id[m.programme].name}计入{ps.category_names[m.toward]}" for m in ps.standards.make_up]
    return ["学年", "单位", "姓名", "身份证号", *(c.name for c in ps.categories), *made_up,
            "合计学时", "合计学分", "是否达标", "原因"]


def verdict_rows(con: sqlite3.Connection, term_id: str, first: str = "", last: str = "\U0010ffff", limit: int = -1,
                 offset: int = 0) -> list[tuple]:
    """Rows `offset` … `offset + limit` (-1: all) of the units first … last of the year's
    verdicts, as `verdict_columns` heads them."""
    ps = programme_set(con, term_id)
    year = f"{ps.term.year}学年"
    cats, made = [c.id for c in ps.categories], [u.programme for u in ps.standards.make_up]
    figures: dict[tuple, tuple] = {}  # teachers share their hours: each distinct set parsed once

    def numbers(hours: str, made_up: str, total: str, credits: str) -> tuple:
        h, m = json.loads(hours), json.loads(made_up)
        return (*(_number(h.get(c, "0")) for c in cats), *(_number(m.get(p, "0")) for p in made),
                _number(total), _number(credits))

    out = []
    for unit, name, ident, *key, met, reasons in con.execute(VERDICT_ROWS, (term_id, first, last, limit, offset)):
        key = tuple(key)
        if (got := figures.get(key)) is None:
            got = figures[key] = numbers(*key)
        out.append((year, unit, name, ident, *got, "是" if met else "否", reasons))
    return out


@dataclass(frozen=True)
class UnitStanding:
    """One 人事关系所在单位's teachers against the year's standards (单位达标)."""

    unit: str
    teachers: int
    met: int
    missed: tuple[int, ...]  # per standard of `standard_labels`: how many teachers miss it

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.met, self.teachers) if self.teachers else None


def unit_standings(con: sqlite3.Connection, term_id: str, keys: list[str]) -> tuple[list[UnitStanding], UnitStanding]:
    """Each unit's standing, in unit order, and the year's in all."""
    counts: dict[str, list[int]] = {}
    for unit, met, missed in con.execute(
            "SELECT v.unit, v.met, v.missed" + VERDICTS_FROM + " ORDER BY v.unit, v.id_number", (term_id,)):
        c = counts.setdefault(unit, [0, 0] + [0] * len(keys))
        c[0] += 1
        c[1] += met
        for k in json.loads(missed):
            if k in keys:  # a standard of another term's rules of the year is not counted here
                c[2 + keys.index(k)] += 1
    units = [UnitStanding(u, c[0], c[1], tuple(c[2:])) for u, c in counts.items()]
    total = UnitStanding("合计", sum(u.teachers for u in units), sum(u.met for u in units),
                         tuple(sum(u.missed[i] for u in units) for i in range(len(keys))))
    return units, total


@lru_cache(maxsize=4096)  # a year's figures take few values: 24, 30, 17.5 …
def _number(text: str) -> int | float:
    return number(Decimal(text))
