"""The year's standards (达标), per teacher, from the hours they have. Pure: no I/O.

R12, R15, R17. Over a school year a teacher has hours in each programme (the rows passed),
and each programme belongs to a category. `judge` then works out, in this order:

1. the hours of each category, as recorded;
2. make-up (补训): a make-up programme's hours count toward another category's minimum
   only up to that category's shortfall, in the order the rules list them; the part
   that counted is shown;
3. the total: each category's hours, a capped category counted at most its cap. Make-up
   hours are in the total once, in their own category;
4. the verdict, 达标 when every standard holds, with every reason that fails and its
   numbers: 「面对面培训 18/24 学时，差 6 学时」, 「省网络全员研修未完成」, 「合计 68/72 学时」.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

from credittool.rules.programmes import ProgrammeSet, Standards
from credittool.rules.schema import dec

ZERO = Decimal(0)


@dataclass(frozen=True)
class Verdict:
    hours: dict[str, Decimal]  # category id → hours, as recorded (every category of the rules)
    made_up: dict[str, Decimal]  # make-up programme id → its hours counted toward its category's minimum
    total: Decimal  # after the caps
    credits: Decimal  # the total's credits (R1: hours / 10 unless the rules say otherwise)
    met: bool
    reasons: tuple[str, ...]
    missed: tuple[str, ...] = ()  # the keys (`standard_labels`) of the standards missed, as `reasons`


def number(d: Decimal | int) -> int | float:
    """A figure as a spreadsheet cell takes it: 24, not 24.0; 17.5 as a float."""
    d = Decimal(d)
    return int(d) if d == d.to_integral_value() else float(d)


def show(hours: Decimal) -> str:
    """Hours as a clerk writes them: 24, 17.5 (never 24.0 or 2.4E+1)."""
    return format(hours.normalize(), "f")


def judge(hours: Mapping[str, Decimal], passed: Collection[str], rules: ProgrammeSet,
          adjusted: Mapping[str, Decimal] | None = None) -> Verdict:
    """`hours`: programme id → the teacher's hours in it over the year (rows passed);
    `passed`: the programmes of which the teacher passed at least one row; `adjusted`:
    category id → hours added (or taken off) by late corrections (ledger/closing.py)."""
    by_category = {c.id: ZERO for c in rules.categories}
    for pid, h in hours.items():
        by_category[rules.by_id[pid].category] += h
    for cid, h in (adjusted or {}).items():
        if cid in by_category:
            by_category[cid] = max(by_category[cid] + h, ZERO)
    s = rules.standards
    made_up = _made_up(hours, by_category, s)
    total = sum((_capped(h, c, s) for c, h in by_category.items()), ZERO)
    missed = _reasons(by_category, made_up, total, passed, rules)
    return Verdict(by_category, made_up, total, total * rules.exact_credits_per_hour, not missed,
                   tuple(text for _, text in missed), tuple(key for key, _ in missed))


def _made_up(hours: Mapping[str, Decimal], by_category: Mapping[str, Decimal], s: Standards) -> dict[str, Decimal]:
    """Each make-up programme's hours that count toward its category's minimum: no more
    than what is still short once the category's own hours and earlier make-ups count."""
    minimum = s.exact_minimums
    have = dict(by_category)
    made_up: dict[str, Decimal] = {}
    for m in s.make_up:
        part = min(hours.get(m.programme, ZERO), max(minimum[m.toward] - have[m.toward], ZERO))
        if part > 0:
            made_up[m.programme] = part
            have[m.toward] += part
    return made_up


def _capped(h: Decimal, category: str, s: Standards) -> Decimal:
    cap = s.exact_caps.get(category)
    return h if cap is None else min(h, cap)


def _reasons(by_category: Mapping[str, Decimal], made_up: Mapping[str, Decimal], total: Decimal,
             passed: Collection[str], rules: ProgrammeSet) -> list[tuple[str, str]]:
    """(key, reason) of each standard missed, in the order of `standard_labels`."""
    s, names = rules.standards, rules.category_names
    reasons = []
    for m in s.minimums:
        parts = [(rules.by_id[u.programme].name, made_up[u.programme]) for u in s.make_up
                 if u.toward == m.category and u.programme in made_up]
        have, need = by_category[m.category] + sum((h for _, h in parts), ZERO), s.exact_minimums[m.category]
        if have < need:
            inc = "".join(f"（含{name} {show(h)} 学时）" for name, h in parts)
            reasons.append((f"minimum:{m.category}",
                            f"{names[m.category]} {show(have)}/{show(need)} 学时{inc}，差 {show(need - have)} 学时"))
    reasons += [(f"required:{r.programme}", f"{rules.by_id[r.programme].name}未完成")
                for r in s.required if r.programme not in passed]
    if s.exact_total is not None and total < s.exact_total:
        reasons.append(("total", f"合计 {show(total)}/{show(s.exact_total)} 学时"))
    return reasons


def standard_heads(rules: ProgrammeSet) -> list[str]:
    """`standard_labels`' standards by a short name each, for a narrow table: the category,
    the programme, 合计."""
    s, names = rules.standards, rules.category_names
    return ([names[m.category] for m in s.minimums] + [rules.by_id[r.programme].name for r in s.required]
            + (["合计"] if s.total is not None else []))


def standard_labels(rules: ProgrammeSet) -> list[tuple[str, str]]:
    """(key, label) of each standard a teacher can miss, for the count of those who miss it:
    「面对面培训不足 24 学时」, 「省网络全员研修未完成」, 「合计不足 72 学时」."""
    s, names = rules.standards, rules.category_names
    out = [(f"minimum:{m.category}", f"{names[m.category]}不足 {show(dec(m.hours))} 学时") for m in s.minimums]
    out += [(f"required:{r.programme}", f"{rules.by_id[r.programme].name}未完成") for r in s.required]
    if s.total is not None:
        out.append(("total", f"合计不足 {show(dec(s.total.hours))} 学时"))
    return out


def describe(rules: ProgrammeSet) -> list[str]:
    """The standards as sentences for `check`; each value the rules mark assumed says so."""
    s, names, name = rules.standards, rules.category_names, {p.id: p.name for p in rules.programmes}

    def marked(text: str, assumed: bool) -> str:
        return text + ("（假定，待确认）" if assumed else "")

    out = [marked(f"{names[m.category]} ≥ {show(dec(m.hours))} 学时", m.assumed) for m in s.minimums]
    out += [marked(f"{name[u.programme]}计入{names[u.toward]}，以差额为限", u.assumed) for u in s.make_up]
    out += [marked(f"{name[r.programme]}须完成", r.assumed) for r in s.required]
    if s.total is not None:
        out.append(marked(f"合计 ≥ {show(dec(s.total.hours))} 学时", s.total.assumed))
    out += [marked(f"{names[c.category]}至多计入合计 {show(dec(c.hours))} 学时", c.assumed) for c in s.caps]
    return out
