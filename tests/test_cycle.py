"""The five-year cycle (R15) with carry-forward and borrowing (R19): `follow` on cases worked
out by hand, the cycle in the rules (every way it can be wrong, at its line), and properties.

Every year below has a total minimum of 72 学时 (R15's 360 over five years, evenly), as the
shipped Zhangdian standards do, unless a case says otherwise.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credittool.rules.loader import load_rules
from credittool.rules.programmes import Cycle
from credittool.score.cycle import CARRIED, LENT, YearIn, follow

D = Decimal
YEARS = ("2016-17", "2017-18", "2018-19", "2019-20", "2020-21")
RULES = Path(__file__).resolve().parents[1] / "rules"


def cycle(carry: int | None = None, lend: int | None = None, **extra: object) -> Cycle:
    return Cycle.model_validate({"id": "2016-2020", "name": "2016—2020年继续教育周期", "hours": 360,
                                 **({"carry_forward": {"hours": carry}} if carry else {}),
                                 **({"borrowing": {"hours": lend}} if lend else {}), **extra})


def year(name: str, total: int | str, *missed: str, f2f: int | str = 24) -> YearIn:
    """A year's verdict with `total` 学时; short of the total minimum of 72 when below it,
    and of whatever else `missed` names."""
    t = D(total)
    keys = tuple(missed) + (("total",) if t < 72 else ())
    return YearIn(name, t, {"face-to-face": D(f2f), "other": t - D(f2f)}, D(72), keys)


def record(*totals: int | str) -> dict[str, YearIn]:
    return {y: year(y, t) for y, t in zip(YEARS, totals)}


def test_the_cycle_is_its_five_school_years() -> None:
    assert cycle().years == YEARS
    assert Cycle.model_validate({"id": "2021-2025", "name": "x", "hours": 360}).years[-1] == "2025-26"


# --- no carry-forward, no borrowing (the shipped Zhangdian cycle) -------------------------------


def test_r15_three_years_in_a_teacher_behind_the_pace() -> None:
    # 80 + 72 + 60 = 212; the pace after 3 of 5 years is 360 × 3/5 = 216: 4 behind.
    # Still missing 360 − 212 = 148 over the 2 years left: 74 a year.
    s = follow(cycle(), record(80, 72, 60), "2018-19")
    assert (s.earned, s.hours, s.expected, s.behind, s.missing) == (212, 212, 216, 4, 148)
    assert (s.years_left, s.per_year_needed, s.status) == (2, 74, "落后")
    assert [y.met for y in s.years] == [True, True, False]
    assert all(y.how == "" and y.carried_out == 0 for y in s.years)  # 80's surplus of 8 goes nowhere


def test_r15_on_pace_and_done() -> None:
    on = follow(cycle(), record(80, 72, 72), "2018-19")  # 224 ≥ 216
    assert (on.behind, on.status) == (0, "进度正常")
    done = follow(cycle(), record(100, 100, 100, 60), "2019-20")  # 360 in four years
    assert (done.hours, done.missing, done.status) == (360, 0, "已完成")


def test_r15_the_last_year_short_leaves_the_cycle_unfinished() -> None:
    s = follow(cycle(), record(72, 72, 72, 72, 71), "2020-21")  # 359
    assert (s.hours, s.missing, s.years_left, s.per_year_needed, s.status) == (359, 1, 0, 1, "未完成")


def test_a_year_with_nothing_in_the_ledger_counts_zero_and_misses_its_minimum() -> None:
    years = {"2016-17": year("2016-17", 80), "2018-19": year("2018-19", 80)}
    s = follow(cycle(), years, "2018-19")
    mid = s.years[1]
    assert (mid.year, mid.recorded, mid.total, mid.met) == ("2017-18", False, 0, False)
    assert (s.earned, s.behind) == (160, 56)  # 216 − 160


def test_r15_cycle_category_minimums_are_summed_over_the_years() -> None:
    c = cycle(minimums=[{"category": "face-to-face", "hours": 120}])
    years = {y: year(y, 80, f2f=20) for y in YEARS}  # 400 in all, 面对面 5 × 20 = 100 of 120
    s = follow(c, years, "2020-21")
    assert (s.hours, s.by_category["face-to-face"], s.category_short) == (400, 100, {"face-to-face": 20})
    assert (s.done, s.status) == (False, "未完成")


# --- carry-forward (R19) --------------------------------------------------------------------------


def test_r19_surplus_carried_to_next_year_up_to_the_cap() -> None:
    # 100: 28 above 72, 20 of it carried (the cap). 60 + 20 = 80 ≥ 72: met by the carry.
    s = follow(cycle(carry=20), record(100, 60, 72), "2018-19")
    y1, y2, y3 = s.years
    assert (y1.carried_out, y2.carried_in, y2.met, y2.how) == (20, 20, True, CARRIED)
    # what was carried is not carried again: 60 has no surplus of its own
    assert (y2.carried_out, y3.carried_in) == (0, 0)
    assert s.earned == 232  # carrying moves no hours: the sum is the years' totals


def test_r19_carry_short_of_the_shortfall_leaves_the_year_unmet() -> None:
    s = follow(cycle(carry=20), record(80, 60), "2017-18")  # carries 8; 60 + 8 = 68 < 72
    assert (s.years[1].carried_in, s.years[1].met, s.years[1].how) == (8, False, "")


def test_r19_carry_covers_the_total_only_never_another_standard() -> None:
    years = {"2016-17": year("2016-17", 100), "2017-18": year("2017-18", 60, "minimum:face-to-face", f2f=10)}
    s = follow(cycle(carry=20), years, "2017-18")
    assert (s.years[1].met, s.years[1].how) == (False, "")


# --- borrowing (学分借贷, R19) --------------------------------------------------------------------


def test_r19_a_loan_lent_and_repaid_from_the_next_years_surplus() -> None:
    # 62: short 10 ≤ 12, lent → 「经学分借贷，视为达标」, owes 10.
    # 80: surplus 8 repays 8, owes 2. 76: surplus 4 repays 2, owes 0; the other 2 go nowhere.
    s = follow(cycle(lend=12), record(62, 80, 76), "2018-19")
    y1, y2, y3 = s.years
    assert (y1.met, y1.how, y1.borrowed, y1.owed) == (True, LENT, 10, 10)
    assert (y2.repaid, y2.owed, y3.repaid, y3.owed, s.owed) == (8, 2, 2, 0, 0)
    assert (s.earned, s.unpaid, s.hours) == (218, 0, 218)


def test_r19_a_shortfall_above_the_loan_limit_is_not_lent() -> None:
    s = follow(cycle(lend=12), record(58), "2016-17")  # short 14 > 12
    assert (s.years[0].met, s.years[0].borrowed, s.owed) == (False, 0, 0)


def test_r19_no_more_than_the_limit_is_owed_at_a_time() -> None:
    # 64: lent 8. 66: short 6, but 8 + 6 = 14 > 12 owed: not lent, and 66 has no surplus to repay.
    s = follow(cycle(lend=12), record(64, 66), "2017-18")
    assert [(y.met, y.borrowed, y.owed) for y in s.years] == [(True, 8, 8), (False, 0, 8)]


def test_r19_a_loan_unpaid_at_the_cycles_end_counts_against_the_cycle() -> None:
    # 90 + 72 + 72 + 72 + 62 = 368 earned; the last year is lent 10 and nothing is left to
    # repay it: 368 − 10 = 358 < 360.
    s = follow(cycle(lend=12), record(90, 72, 72, 72, 62), "2020-21")
    assert (s.years[-1].how, s.earned, s.unpaid, s.hours, s.missing, s.status) == (LENT, 368, 10, 358, 2, "未完成")


def test_r19_a_loan_still_owed_before_the_cycles_end_is_not_yet_unpaid() -> None:
    s = follow(cycle(lend=12), record(72, 72, 72, 62), "2019-20")
    assert (s.owed, s.unpaid, s.hours) == (10, 0, 278)


def test_r19_repay_first_then_carry_what_is_left() -> None:
    # 62: lent 10. 90: surplus 18 repays 10, carries 8. 66 + 8 = 74 ≥ 72: met by the carry.
    s = follow(cycle(carry=20, lend=12), record(62, 90, 66), "2018-19")
    y1, y2, y3 = s.years
    assert (y1.how, y2.repaid, y2.carried_out, y3.carried_in, y3.how, s.owed) == (LENT, 10, 8, 8, CARRIED, 0)


def test_r19_carry_and_a_loan_together_make_up_one_shortfall() -> None:
    # 76 carries 4; 60 + 4 = 64, short 8: lent 8.
    s = follow(cycle(carry=20, lend=12), record(76, 60), "2017-18")
    assert (s.years[1].carried_in, s.years[1].borrowed, s.years[1].how) == (4, 8, LENT)


# --- properties -----------------------------------------------------------------------------------

totals = st.lists(st.integers(0, 150), min_size=1, max_size=5)
caps = st.one_of(st.none(), st.integers(1, 40))


@settings(max_examples=300, deadline=None)
@given(totals, caps, caps)
def test_hours_are_conserved_and_loans_balance(ts: list[int], carry: int | None, lend: int | None) -> None:
    s = follow(cycle(carry, lend), record(*ts), YEARS[len(ts) - 1])
    assert s.earned == sum(ts)  # carrying and lending move no hours
    assert sum(y.borrowed for y in s.years) == sum(y.repaid for y in s.years) + s.owed
    assert all(y.owed <= (lend or 0) and y.carried_out <= (carry or 0) for y in s.years)
    for y, t in zip(s.years, ts):
        assert y.met == (t >= 72 or y.how in (CARRIED, LENT))
        assert y.carried_out <= max(t - 72, 0)  # only a year's own surplus is carried
    assert s.hours == sum(ts) - (s.owed if len(ts) == 5 else 0)


@settings(max_examples=200, deadline=None)
@given(totals)
def test_more_allowance_never_unmeets_a_year(ts: list[int]) -> None:
    plain = follow(cycle(), record(*ts), YEARS[len(ts) - 1])
    both = follow(cycle(carry=20, lend=12), record(*ts), YEARS[len(ts) - 1])
    assert all(b.met for p, b in zip(plain.years, both.years) if p.met)


# --- the cycle in the rules ----------------------------------------------------------------------


def test_the_shipped_zhangdian_cycle_is_2016_2020_of_360_hours_assumed() -> None:
    book = load_rules([RULES])
    assert book.problems == []
    c = book.terms["2018-19-s1"].programmes.cycle
    assert (c.id, c.hours, c.years, c.assumed) == ("2016-2020", 360, YEARS, True)
    assert (c.carry_forward, c.borrowing) == (None, None)


RULE_TEXT = (RULES / "zhangdian-2018-19-s1.yaml").read_text(encoding="utf-8")


def _problems(tmp_path: Path, *edits: tuple[str, str]) -> list[tuple[str, str]]:
    """The shipped Zhangdian file with each (old, new) of `edits` made, loaded: its problems."""
    text = RULE_TEXT
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "z.yaml"
    path.write_text(text, encoding="utf-8")
    return [(p.rule.path, p.message) for p in load_rules([path]).problems]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  id: 2016-2020\n", "  id: 2019-2023\n", ("term.year", "学年 2018-19 不在周期 2019-2023（2019-20 至 2023-24）之内")),
    ("  id: 2016-2020\n", "  id: 2020-2016\n", ("cycle", "周期 2020-2016：末年应在首年之后，至多十年（例如 2016-2020）")),
    ("  hours: 360\n", "  hours: 360\n  minimums:\n    - {category: face, hours: 120}\n",
     ("cycle.minimums[0].category", "类别 face 未在 categories 中声明（已声明：face-to-face、online、school-based）")),
])
def test_a_wrong_cycle_is_named_at_its_key(tmp_path: Path, old: str, new: str, expected: tuple[str, str]) -> None:
    assert _problems(tmp_path, (old, new)) == [expected]


def test_carrying_forward_needs_a_years_total_minimum(tmp_path: Path) -> None:
    assert _problems(tmp_path, ("  hours: 360\n", "  hours: 360\n  carry_forward: {hours: 20}\n"),
                     ("  total: {hours: 72, assumed: true}\n", "")) == [
        ("cycle.carry_forward", "cycle.carry_forward 以学年合计最低学时为准：standards 须写 total")]


def test_check_describes_the_cycle() -> None:
    from credittool.score.cycle import describe

    assert describe(cycle(), {}) == ["2016—2020年继续教育周期（2016-17 至 2020-21 学年）合计 ≥ 360 学时", "不结转", "不借贷"]
    c = cycle(carry=20, lend=12, minimums=[{"category": "f2f", "hours": 120, "assumed": True}])
    assert describe(c, {"f2f": "面对面培训"})[1:] == [
        "周期内面对面培训 ≥ 120 学时（假定，待确认）", "学年合计超出最低学时的部分计入下一学年，至多 20 学时",
        "学年合计不足时可借贷差额（「经学分借贷，视为达标」），欠借至多 12 学时，以后各学年超出部分先还；周期末未还清的从周期学时中扣除"]
