"""A teacher's record across terms and years (学分卡, R11, R18): every entry with its
source, their unit each term and the moves between units, each term's stamp (验印, R9),
each year's verdict (R17) and the five-year cycle (R15, R19).

Every look-up goes through an index keyed by term or year and 身份证号 (entries_key,
staff_term, the stamps' and verdicts' keys): one teacher's card reads a few rows per term,
never the ledger's whole tables.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from decimal import Decimal

from credittool.errors import UsageError
from credittool.extract import cells
from credittool.ids import check_char, normalize_id
from credittool.ledger import verdicts
from credittool.ledger.verdicts import exact
from credittool.rules.programmes import ProgrammeSet
from credittool.rules.schema import dec
from credittool.ledger.cycles import year_in
from credittool.score.cycle import CycleState, follow
from credittool.textnorm import clean_text, match_key

_LOOKS_LIKE_ID = re.compile(r"^[0-9０-９]{6,}[0-9０-９xXｘＸ]?$")


@dataclass(frozen=True)
class Teacher:
    id_number: str
    name: str
    unit: str  # in the latest term the ledger has them in


@dataclass(frozen=True)
class Entry:
    """One accepted row: a course result or a programme's hours."""

    term: str
    what: str  # the course or programme
    category: str  # its track (文本, 网联 …) or its category (面对面培训 …)
    hours: Decimal
    credits: Decimal
    passed: bool
    result: str  # 合格 or 不合格, after the composite score (综合成绩) where there is one: 「57.8 不合格」
    unit: str  # as the row gives it
    file: str
    sheet: str
    row: int  # 0: not a row of a file (an adjustment: `file` says which)

    @property
    def source(self) -> str:
        return f"{self.file}「{self.sheet}」第{self.row}行" if self.row else self.file


@dataclass(frozen=True)
class TermLine:
    term: str
    name: str
    year: str | None  # the school year of a programme term; None for a course term
    unit: str  # the staff list's (人事关系所在单位), else the entries'
    moved_from: str | None  # the unit of the teacher's previous term, when it differs
    stamp: tuple[bool, str] | None  # a course term's 验印 (stamped, reasons); None: none

    @property
    def move(self) -> str:
        """The move this term records, in words; '' when none."""
        return f"{self.term} 起由「{self.moved_from}」调入「{self.unit}」" if self.moved_from else ""


@dataclass(frozen=True)
class YearLine:
    year: str
    unit: str
    hours: dict[str, Decimal]  # category name → hours, as recorded
    made_up: dict[str, Decimal]  # make-up programme name → its hours counted toward a minimum
    total: Decimal
    credits: Decimal
    met: bool
    reasons: str


@dataclass(frozen=True)
class Card:
    teacher: Teacher
    terms: tuple[TermLine, ...]
    entries: tuple[Entry, ...]
    years: tuple[YearLine, ...]
    cycle: CycleState | None
    category_names: dict[str, str]  # category id → name, in the rules' order (the last year's rules)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.category_names.values())

    @property
    def moves(self) -> list[TermLine]:
        return [t for t in self.terms if t.moved_from is not None]


def find_teachers(con: sqlite3.Connection, who: str) -> list[Teacher]:
    """The teachers `who` names: an ID number (as a clerk types it: lower-case x, full-width
    digits), or a name. Empty when the ledger has nobody of that ID or name."""
    text = clean_text(who).strip()
    if _LOOKS_LIKE_ID.match(text):
        ident = normalize_id(text).value or text.upper()
        return [t for t in [_teacher(con, ident)] if t is not None]
    name = cells.text(text, "姓名", is_name=True).value or text  # 「欧阳 明华」 as the name cells are read: 欧阳明华
    ids = sorted({i for (i,) in con.execute(
        "SELECT id_number FROM stamps WHERE name = ? UNION SELECT id_number FROM verdicts WHERE name = ?"
        " UNION SELECT id_number FROM staff WHERE name = ?", (name, name, name))})
    return [t for t in map(lambda i: _teacher(con, i), ids) if t is not None]


def one_teacher(con: sqlite3.Connection, who: str) -> Teacher:
    """The one teacher `who` names; a clear error when nobody, or several, match."""
    found = find_teachers(con, who)
    if not found:
        raise UsageError(f"台账中没有身份证号或姓名为「{who}」的教师{_not_accepted(con, who)}",
                         "核对身份证号（18 位）或姓名；姓名须与名册上写的完全一致")
    if len(found) > 1:
        listed = "；".join(f"{t.name}（{t.unit}，身份证号 {t.id_number}）" for t in found)
        raise UsageError(f"姓名「{who}」对应 {len(found)} 位教师：{listed}", "请改用身份证号指定其中一位")
    return found[0]


def _not_accepted(con: sqlite3.Connection, who: str) -> str:
    """Why an ID the clerk read off a sheet is not in the ledger: the rows that wrote it were
    rejected (a wrong check digit …), or it fails its check digit."""
    text = who.strip().upper()
    rows = con.execute("SELECT f.name, r.sheet, r.row, r.codes FROM rejected_rows r JOIN files f USING (file_id)"
                       " WHERE f.active = 1 AND upper(trim(r.raw_id)) = ? ORDER BY f.term, f.name, r.sheet, r.row LIMIT 3",
                       (text,)).fetchall()
    if rows:
        return "：写着这个号码的行未被接受（" + "；".join(f"{f}「{s}」第{r}行，{c}" for f, s, r, c in rows) + "），见 rejects.xlsx"
    if re.fullmatch(r"[0-9]{17}[0-9X]", text) and check_char(text[:17]) != text[17]:
        return "：这个号码的校验位不对，可能有一位输错了"
    return ""


def _terms(con: sqlite3.Connection) -> list[tuple[str, str]]:
    return con.execute("SELECT term, name FROM terms ORDER BY term").fetchall()


def _units(con: sqlite3.Connection, term: str, ident: str) -> tuple[str, str] | None:
    """(unit, name) of the teacher in `term`: the staff list's, else the least of the
    entries' (as the year's verdict takes it); None when the term has nothing of them."""
    row = con.execute("SELECT MIN(s.unit), MIN(s.name) FROM staff s JOIN files f USING (file_id)"
                      " WHERE s.term = ? AND s.id_number = ? AND f.active = 1", (term, ident)).fetchone()
    if row[0] is None:
        row = con.execute("SELECT MIN(e.unit), MIN(e.name) FROM entries e JOIN files f USING (file_id)"
                          " WHERE e.term = ? AND e.id_number = ? AND f.active = 1", (term, ident)).fetchone()
    return None if row[0] is None else (row[0], row[1])


def _teacher(con: sqlite3.Connection, ident: str) -> Teacher | None:
    for term, _ in reversed(_terms(con)):
        got = _units(con, term, ident)
        if got is not None:
            return Teacher(ident, got[1], got[0])
    return None


def card(con: sqlite3.Connection, teacher: Teacher, as_of: str | None = None) -> Card:
    """The teacher's card: every term up to and including `as_of` (a term id; None: all)."""
    terms = _terms(con)
    if as_of is not None:
        terms = terms[:[t for t, _ in terms].index(as_of) + 1]
    lines: list[TermLine] = []
    by_term: dict[str, list[Entry]] = {}
    previous = None
    programme_terms = [t for t, _ in terms if verdicts.year_of(con, t) is not None]
    for term, name in terms:
        got = _units(con, term, teacher.id_number)
        if got is None:
            continue
        unit = got[0]
        stamp = con.execute("SELECT stamped, reasons FROM stamps WHERE term = ? AND id_number = ?",
                            (term, teacher.id_number)).fetchone()
        lines.append(TermLine(term, name, verdicts.year_of(con, term), unit,
                              previous if previous not in (None, unit) else None,
                              None if stamp is None else (bool(stamp[0]), stamp[1])))
        previous = unit
        by_term[term] = _entries(con, term, teacher.id_number)
    last_of_year = {ln.year: ln.term for ln in lines if ln.year is not None}  # the teacher's last term of each year
    for year, term in last_of_year.items():  # a year's late corrections, after its last term's rows
        by_term[term] += _adjustments(con, term, year, teacher.id_number)
    entries = [e for ln in lines for e in by_term[ln.term]]
    years, cycle, categories = _years(con, teacher.id_number, lines, programme_terms[-1] if programme_terms else None)
    return Card(teacher, tuple(lines), tuple(entries), years, cycle, categories)


def _entries(con: sqlite3.Connection, term: str, ident: str) -> list[Entry]:
    rows = con.execute(
        """SELECT COALESCE(c.name, e.course_id), COALESCE(t.track_name, e.track), e.hours, e.credits, e.passed,
                  e.composite, e.unit, f.name, e.sheet, e.row
           FROM entries e JOIN files f USING (file_id)
           LEFT JOIN courses c ON c.term = e.term AND c.course_id = e.course_id
           LEFT JOIN track_courses t ON t.term = e.term AND t.track = e.track AND t.course_id = e.course_id
           WHERE e.term = ? AND e.id_number = ? AND f.active = 1
           ORDER BY COALESCE(c.position, 0), e.course_id, f.name, e.sheet, e.row""", (term, ident))
    return [Entry(term, what, cat, exact(h), exact(cr), bool(ok),
                  ("" if composite is None else f"{composite} ") + ("合格" if ok else "不合格"), unit, fname, sheet, row)
            for what, cat, h, cr, ok, composite, unit, fname, sheet, row in rows]


def _adjustments(con: sqlite3.Connection, term: str, year: str, ident: str) -> list[Entry]:
    """The year's late corrections of the teacher (ledger/closing.py), as entries of its last term."""
    rows = con.execute("SELECT adj_id, unit, category, hours, reason, for_year, at FROM adjustments"
                       " WHERE year = ? AND id_number = ? ORDER BY adj_id", (year, ident)).fetchall()
    if not rows:
        return []
    ps = verdicts.programme_set(con, term)
    out = []
    for adj_id, unit, cid, hours, reason, for_year, at in rows:
        h = Decimal(hours)
        what = f"调整：{reason}" + (f"（更正 {for_year} 学年）" if for_year else "")
        out.append(Entry(term, what, ps.category_names.get(cid, cid), h, h * ps.exact_credits_per_hour, True, "调整", unit,
                         f"credittool adjust 第{adj_id}号（{at[:10]}）", "", 0))
    return out


def _years(con: sqlite3.Connection, ident: str, lines: list[TermLine], last_term: str | None
           ) -> tuple[tuple[YearLine, ...], CycleState | None, dict[str, str]]:
    """The teacher's years (their verdicts), and the cycle as of the year of `last_term`,
    the ledger's last programme term read, by its rules."""
    if last_term is None:
        return (), None, {}
    last_ps = verdicts.programme_set(con, last_term)
    names = last_ps.category_names
    year_terms: dict[str, str] = {}
    for t in lines:
        if t.year is not None:
            year_terms[t.year] = t.term  # the year's last term the teacher is in
    out, ins = [], {}
    for year, term in sorted(year_terms.items()):
        row = con.execute("SELECT unit, hours, made_up, total, credits, met, reasons, missed FROM verdicts"
                          " WHERE year = ? AND id_number = ?", (year, ident)).fetchone()
        if row is None:
            continue
        unit, hours, made_up, total, credits, met, reasons, missed = row
        ps = last_ps if term == last_term else verdicts.programme_set(con, term)
        h = {c: Decimal(v) for c, v in json.loads(hours).items()}
        out.append(YearLine(year, unit, {ps.category_names.get(c, c): v for c, v in h.items()},
                            {_programme_name(ps, p): Decimal(v) for p, v in json.loads(made_up).items()},
                            Decimal(total), Decimal(credits), bool(met), reasons))
        minimum = dec(ps.standards.total.hours) if ps.standards.total is not None else None
        ins[year] = year_in(year, hours, total, missed, minimum)
    cy = last_ps.cycle
    cycle = follow(cy, ins, last_ps.term.year) if cy is not None and last_ps.term.year in cy.years else None
    return tuple(out), cycle, dict(names)


def _programme_name(ps: ProgrammeSet, pid: str) -> str:
    return ps.by_id[pid].name if pid in ps.by_id else pid


def as_of_term(con: sqlite3.Connection, term: str | None, year: str | None) -> str | None:
    """The term a card is read as of: `term`, or the last term of `year`; None: the latest."""
    terms = [t for t, _ in _terms(con)]
    if term is not None and year is not None:
        raise UsageError("--term 与 --year 只能给一个", "按学期看用 --term，按学年看用 --year")
    if term is not None:
        if term not in terms:
            raise UsageError(f"台账中没有学期 {term}", "台账中的学期：" + ("、".join(terms) or "（无）"))
        return term
    if year is not None:
        mine = [t for t in terms if verdicts.year_of(con, t) == year]
        if not mine:
            years = verdicts.ledger_years(con)
            raise UsageError(f"台账中没有 {year} 学年", "台账中的学年：" + ("、".join(years) or "（无）"))
        return mine[-1]
    return None


def unit_teachers(con: sqlite3.Connection, unit: str, as_of: str | None) -> tuple[str, list[str]]:
    """The unit as the ledger spells it, and its teachers' IDs (in ID order): each teacher's
    unit is their staff list's, else their entries', in the last term they are in."""
    terms = [t for t, _ in _terms(con)]
    if as_of is not None:
        terms = terms[:terms.index(as_of) + 1]
    latest: dict[str, str] = {}
    for term in terms:
        for ident, u in con.execute(
                """SELECT e.id_number, MIN(e.unit) FROM entries e JOIN files f USING (file_id)
                   WHERE e.term = ? AND f.active = 1 GROUP BY e.id_number""", (term,)):
            latest[ident] = u
        for ident, u in con.execute(
                """SELECT s.id_number, MIN(s.unit) FROM staff s JOIN files f USING (file_id)
                   WHERE s.term = ? AND f.active = 1 GROUP BY s.id_number""", (term,)):
            latest[ident] = u  # the staff list's unit, over the entries' of the same term
    units = sorted(set(latest.values()))
    key = match_key(unit)
    named = next((u for u in units if match_key(u) == key), None)
    if named is None:
        close = [u for u in units if key and key in match_key(u)]
        raise UsageError(f"台账中没有单位「{unit}」",
                         ("是否指：" + "、".join(close[:10])) if close else "单位名称须与名册上写的一致；用 credittool report 查看各单位")
    return named, sorted(i for i, u in latest.items() if u == named)
