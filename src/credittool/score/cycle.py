"""A teacher's five-year cycle (周期) from their years' verdicts: R15, R19. Pure: no I/O.

Each school year of the cycle comes as the year's own verdict (score/standards.py): its
total after the caps, its hours per category, and the standards it missed. `follow` then
goes through the years in order, up to the year the record is read as of:

1. a year's own surplus is its total above its minimum (the standards' `total`);
2. the surplus first repays what the teacher owes (学分借贷), oldest first;
3. what is left of it, up to `carry_forward.hours`, counts toward the next year's minimum
   (结转), and only that year's: carried hours are not carried again;
4. a year short of its minimum even with what was carried in, and short of nothing else,
   is lent the shortfall (「经学分借贷，视为达标」) when the teacher then owes no more than
   `borrowing.hours`; otherwise it stays 未达标;
5. the cycle's hours are the sum of the years' totals, less what is still owed at the
   cycle's end (an unpaid loan counts against the cycle). Carried hours are never counted
   twice: carrying changes which years are met, not the sum.

The pace: by the end of the k-th of n years a teacher should have k/n of the cycle's hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from credittool.rules.programmes import Cycle
from credittool.rules.schema import dec
from credittool.score.standards import show

ZERO = Decimal(0)
CARRIED = "经结转，视为达标"
LENT = "经学分借贷，视为达标"
TOTAL_KEY = "total"  # score/standards.py: the key of the year's total minimum among `missed`


class YearIn(NamedTuple):  # a tuple: a city's quarter of a million are made per report
    """One school year of the teacher's, as the year's verdict gives it."""

    year: str
    total: Decimal  # after the caps
    by_category: Mapping[str, Decimal]
    minimum: Decimal | None  # the year's total minimum (standards.total); None: none declared
    missed: tuple[str, ...]  # the keys of the standards missed (score/standards.py)


class YearOut(NamedTuple):
    year: str
    recorded: bool  # False: the ledger holds nothing of the teacher that year (0 学时)
    total: Decimal
    carried_in: Decimal
    borrowed: Decimal  # lent this year
    repaid: Decimal  # of what was owed, from this year's surplus
    carried_out: Decimal
    owed: Decimal  # after this year
    met: bool  # the year's standards, once carried and lent hours count
    how: str  # CARRIED, LENT or ""

    @property
    def notes(self) -> list[str]:
        """What the cycle did with the year, in words: 结转入 8，借贷 10，还贷 8，尚欠 2 …"""
        figures = (("结转入", self.carried_in), ("借贷", self.borrowed), ("还贷", self.repaid),
                   ("结转出", self.carried_out), ("尚欠", self.owed))
        return [f"{what} {show(v)}" for what, v in figures if v] + ([] if self.recorded else ["无记录"])


@dataclass(frozen=True)
class CycleState:
    cycle: Cycle
    as_of: str  # the last year followed
    years: tuple[YearOut, ...]
    earned: Decimal  # the years' totals summed
    owed: Decimal  # still owed after the last year followed
    unpaid: Decimal  # owed at the cycle's end (only once its last year is followed)
    by_category: dict[str, Decimal]  # summed over the years
    category_short: dict[str, Decimal]  # cycle minimum's category → hours still missing
    expected: Decimal  # the pace: what the years followed should have reached
    hours: Decimal  # the cycle's hours: the years' totals, less a loan unpaid at the cycle's end
    missing: Decimal  # the cycle's hours short of its minimum
    behind: Decimal  # how far the teacher is behind the pace (0: on it)
    years_left: int
    status: str  # 已完成, 未完成 (the cycle over), 落后 or 进度正常

    @property
    def per_year_needed(self) -> Decimal:
        """The hours still missing, spread over the years left (all of them, in the last)."""
        return self.missing / max(self.years_left, 1)

    @property
    def done(self) -> bool:
        return self.status == "已完成"


def _status(missing: Decimal, short: Mapping[str, Decimal], years_left: int, behind: Decimal) -> str:
    if not missing and not any(short.values()):
        return "已完成"
    if not years_left:
        return "未完成"
    return "落后" if behind else "进度正常"


def follow(cycle: Cycle, years: Mapping[str, YearIn], as_of: str, absent_minimum: Decimal | None = None
           ) -> CycleState:
    """The cycle followed from its first year through `as_of`. A year absent from `years`
    (the ledger holds nothing of the teacher then) counts 0 学时, short of `absent_minimum`,
    else of the minimum the teacher's other years have."""
    all_years = cycle.years
    if as_of not in all_years:
        raise ValueError(f"{as_of} is not a year of cycle {cycle.id}")
    span = all_years[:all_years.index(as_of) + 1]
    cycle_hours, carry_cap, lend_cap = cycle.exact
    known_minimum = absent_minimum if absent_minimum is not None else next(
        (y.minimum for y in years.values() if y.minimum is not None), None)
    out: list[YearOut] = []
    carried_in = owed = ZERO
    by_category: dict[str, Decimal] = {}
    for name in span:
        y = years.get(name)
        recorded = y is not None
        if y is None:  # nothing that year: 0 学时, short of the minimum the other years have
            y = YearIn(name, ZERO, {}, known_minimum, (TOTAL_KEY,) if known_minimum else ())
        for c, h in y.by_category.items():
            by_category[c] = by_category.get(c, ZERO) + h
        minimum = y.minimum if y.minimum is not None else ZERO
        surplus = max(y.total - minimum, ZERO)
        repaid = min(owed, surplus)
        owed -= repaid
        carried_out = min(surplus - repaid, carry_cap)
        met, how, borrowed = not y.missed, "", ZERO
        if not met and y.missed == (TOTAL_KEY,):  # short of the total only
            short = minimum - y.total - carried_in
            if short <= 0:
                met, how = True, CARRIED
            elif lend_cap and owed + short <= lend_cap:
                met, how, borrowed = True, LENT, short
                owed += short
        out.append(YearOut(name, recorded, y.total, carried_in, borrowed, repaid, carried_out, owed, met, how))
        carried_in = carried_out
    earned = sum((y.total for y in out), ZERO)
    unpaid = owed if span[-1] == all_years[-1] else ZERO
    short = {m.category: max(dec(m.hours) - by_category.get(m.category, ZERO), ZERO) for m in cycle.minimums} \
        if cycle.minimums else {}
    expected = cycle_hours * len(span) / len(all_years)
    hours = earned - unpaid
    missing, behind, left = max(cycle_hours - hours, ZERO), max(expected - hours, ZERO), len(all_years) - len(span)
    return CycleState(cycle, as_of, tuple(out), earned, owed, unpaid, by_category, short, expected, hours, missing,
                      behind, left, _status(missing, short, left, behind))


def describe(cycle: Cycle, category_names: Mapping[str, str]) -> list[str]:
    """The cycle as sentences for `check`; what the rules mark assumed says so."""
    first, last = cycle.years[0], cycle.years[-1]
    lines = [f"{cycle.name}（{first} 至 {last} 学年）合计 ≥ {show(dec(cycle.hours))} 学时"
             + ("（假定，待确认）" if cycle.assumed else "")]
    lines += [f"周期内{category_names[m.category]} ≥ {show(dec(m.hours))} 学时" + ("（假定，待确认）" if m.assumed else "")
              for m in cycle.minimums]
    c, b = cycle.carry_forward, cycle.borrowing
    lines.append("不结转" if c is None else f"学年合计超出最低学时的部分计入下一学年，至多 {show(dec(c.hours))} 学时"
                 + ("（假定，待确认）" if c.assumed else ""))
    lines.append("不借贷" if b is None else f"学年合计不足时可借贷差额（「{LENT}」），欠借至多 {show(dec(b.hours))} 学时，"
                 "以后各学年超出部分先还；周期末未还清的从周期学时中扣除" + ("（假定，待确认）" if b.assumed else ""))
    return lines
