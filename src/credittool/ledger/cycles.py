"""Every teacher's five-year cycle from the ledger's verdicts (R15, R19), for
`credittool report --cycle`: one query over the cycle's years, read in ID order, and
score/cycle.py's `follow` once per teacher.

A teacher's unit is that of their last verdict in the cycle (the unit answering for them).
The rules are those of the last programme term of the cycle read as of; each year's total
minimum is that year's own rules'.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal

from credittool.errors import UsageError
from credittool.ledger import verdicts
from credittool.rules.programmes import Cycle, ProgrammeSet, is_school_year
from credittool.rules.schema import dec
from credittool.score.cycle import CycleState, YearIn, follow


@dataclass(frozen=True)
class CycleRules:
    cycle: Cycle
    rules: ProgrammeSet  # the last term's, as of which the cycle is read
    as_of: str  # that term's year
    minimums: dict[str, Decimal | None]  # year → its total minimum, for the years the ledger has

    @property
    def absent_years(self) -> list[str]:
        """The cycle's years up to `as_of` the ledger has no term of: everyone's 0 there."""
        return [y for y in self.cycle.years if y <= self.as_of and y not in self.minimums]


@dataclass(frozen=True)
class TeacherCycle:
    id_number: str
    name: str
    unit: str
    state: CycleState
    last_year: str = ""  # the last year of the cycle read with a verdict of theirs: before as-of, they left the lists


def cycle_rules(con: sqlite3.Connection, cycle_id: str, as_of_year: str | None = None) -> CycleRules:
    """The cycle `cycle_id` as the ledger's programme terms declare it, read as of the
    last of its years in the ledger up to `as_of_year` (None: the last)."""
    if as_of_year is not None and not is_school_year(as_of_year):
        raise UsageError(f"--year {as_of_year} 不是学年", "写成 2018-19 这样的学年")
    terms = [t for (t,) in con.execute("SELECT term FROM terms ORDER BY term")]
    mine: list[tuple[str, str, ProgrammeSet]] = []  # (year, term, rules) of the cycle's terms
    declared: dict[str, Cycle] = {}
    for t in terms:
        year = verdicts.year_of(con, t)
        if year is None:
            continue
        ps = verdicts.programme_set(con, t)
        if ps.cycle is not None:
            declared[ps.cycle.id] = ps.cycle
            if ps.cycle.id == cycle_id and (as_of_year is None or year <= as_of_year):
                mine.append((year, t, ps))
    named = declared.get(cycle_id)
    if named is not None and as_of_year is not None and as_of_year not in named.years:
        raise UsageError(f"{as_of_year} 学年不在周期 {cycle_id}（{named.years[0]} 至 {named.years[-1]} 学年）内",
                         "--year 写周期内的学年，例如 " + named.years[-1])
    if not mine:
        raise UsageError(f"台账中没有周期 {cycle_id} 的学年" + (f"（截至 {as_of_year}）" if as_of_year else ""),
                         "台账中的周期：" + ("、".join(sorted(declared)) or "（无：规则中没有写 cycle）"))
    mine.sort()
    year, _, ps = mine[-1]
    minimums = {}
    for y, _, p in mine:  # each year's last term's rules
        minimums[y] = dec(p.standards.total.hours) if p.standards.total is not None else None
    return CycleRules(ps.cycle, ps, year, minimums)  # type: ignore[arg-type]


def year_in(year: str, hours: str | None, total: str, missed: str, minimum: Decimal | None) -> YearIn:
    """A year's verdict row (its JSON columns as the ledger keeps them) as the cycle reads it;
    `hours` None: the categories are not needed (a cycle without category minimums)."""
    by_category = {} if hours is None else {c: Decimal(v) for c, v in json.loads(hours).items()}
    return YearIn(year, Decimal(total), by_category, minimum, _missed(missed))


@lru_cache(maxsize=1024)
def _missed(text: str) -> tuple[str, ...]:
    """A verdict's `missed` column: a handful of distinct texts among a city's rows."""
    return tuple(json.loads(text))


def teacher_cycles(con: sqlite3.Connection, cr: CycleRules) -> Iterator[TeacherCycle]:
    """Every teacher with a verdict in the cycle's years up to its as-of year, in ID order."""
    years = [y for y in cr.cycle.years if y <= cr.as_of and y in cr.minimums]
    marks = ",".join("?" * len(years))
    hours = "hours" if cr.cycle.minimums else "NULL"  # the categories only where the cycle sets minimums
    rows = con.execute(f"""SELECT id_number, year, unit, name, {hours}, total, missed FROM verdicts
                           WHERE year IN ({marks}) ORDER BY id_number, year""", years)
    ident, ins, last = None, {}, ("", "", "")
    for i, year, unit, name, hours, total, missed in rows:
        if i != ident:
            if ident is not None:
                yield TeacherCycle(ident, last[1], last[0], follow(cr.cycle, ins, cr.as_of), last[2])
            ident, ins = i, {}
        ins[year] = year_in(year, hours, total, missed, cr.minimums[year])
        last = (unit, name, year)
    if ident is not None:
        yield TeacherCycle(ident, last[1], last[0], follow(cr.cycle, ins, cr.as_of), last[2])
