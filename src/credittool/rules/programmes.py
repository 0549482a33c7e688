"""The rules language for programmes (项目) and the year's standards: R12, R13, R15, R17.

A programme file declares a term of a school year (学年), the categories (类别) hours are
counted in, the programmes that award hours, and the standards every teacher is held to
over the year. Categories are data, never code. Each standard may say `assumed: true`:
a value the source gives no number for, shown as 假定 until the office confirms it.

The models are strict and frozen like those of schema.py. Cross-references (a programme's
category, a standard's programme) are checked by `ProgrammeSet`, each at its own key path
(`Misreferenced`), so the loader can name the line.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cached_property
from typing import Annotated

from pydantic import Field, StrictBool, model_validator

from credittool.rules.schema import FieldName, Number, StrictModel, Term, Text, YesNoWords, dec

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
Hours = Annotated[Number, Field(ge=0, le=1000)]
KeyPath = tuple[str | int, ...]


class Misreferenced(ValueError):
    """The rules' cross-references that do not hold, each at the key path it is written at."""

    def __init__(self, items: list[tuple[KeyPath, str]]) -> None:
        super().__init__("；".join(msg for _, msg in items))
        self.items = items


SCHOOL_YEAR = r"^[0-9]{4}-[0-9]{2}$"  # 2018-19: the 2018-2019学年


def is_school_year(text: str) -> bool:
    """2018-19, and not 2018-20: a year and the next one's last two digits."""
    return re.fullmatch(SCHOOL_YEAR[1:-1], text) is not None and (int(text[:4]) + 1) % 100 == int(text[5:])


class YearTerm(Term):
    """A term of a school year: the standards are checked over every term of the year."""
    year: Annotated[str, Field(pattern=SCHOOL_YEAR)]


class Category(StrictModel):
    id: Id
    name: Text  # 面对面培训, 网络研修, 校本研修


class Programme(StrictModel):
    """A programme that awards hours (R13): the hours written on its roster's row, when the
    row is passed, or `fixed_hours` whatever the row says."""

    id: Id
    name: Text
    aliases: tuple[Text, ...] = ()
    category: Id
    max_hours: Annotated[Number, Field(gt=0, le=1000)]  # the most one row may award; above: rejected
    attendance_based: StrictBool = False  # a blank result, or no result column, counts as passed
    fixed_hours: Annotated[Number, Field(gt=0, le=1000)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Programme:
        problems = []
        for key in ("max_hours", "fixed_hours"):
            v = getattr(self, key)
            if v is not None and dec(v) != dec(v).quantize(Decimal("0.1")):
                problems.append(f"{key} {v} 最多一位小数")
        if self.fixed_hours is not None and dec(self.fixed_hours) > self.exact_max_hours:
            problems.append(f"fixed_hours {self.fixed_hours} 超过 max_hours {self.max_hours}")
        if problems:
            raise ValueError(f"项目 {self.id}：" + "；".join(problems))
        return self

    @cached_property
    def exact_max_hours(self) -> Decimal:
        return dec(self.max_hours)

    @cached_property
    def exact_fixed_hours(self) -> Decimal | None:
        return None if self.fixed_hours is None else dec(self.fixed_hours)



class CategoryMinimum(StrictModel):
    """R12, R17: at least `hours` in a category over the year."""
    category: Id
    hours: Hours
    assumed: StrictBool = False


class MakeUp(StrictModel):
    """R12: a programme's hours count toward another category's minimum, only up to the
    shortfall (网络补训 toward 面对面培训)."""
    programme: Id
    toward: Id
    assumed: StrictBool = False


class RequiredProgramme(StrictModel):
    """A programme every teacher must pass in the year (省网络全员研修)."""
    programme: Id
    assumed: StrictBool = False


class TotalMinimum(StrictModel):
    """R15, R17: at least `hours` in all over the year, after the caps."""
    hours: Hours
    assumed: StrictBool = False


class CategoryCap(StrictModel):
    """A category counts at most `hours` toward the total."""
    category: Id
    hours: Hours
    assumed: StrictBool = False


class Standards(StrictModel):
    minimums: tuple[CategoryMinimum, ...] = ()
    make_up: tuple[MakeUp, ...] = ()
    required: tuple[RequiredProgramme, ...] = ()
    total: TotalMinimum | None = None
    caps: tuple[CategoryCap, ...] = ()

    # the hours as exact decimals, made once (score/standards.py judges every teacher by them);
    # a category has one minimum and one cap at most (validated below)
    @cached_property
    def exact_minimums(self) -> dict[str, Decimal]:
        return {m.category: dec(m.hours) for m in self.minimums}

    @cached_property
    def exact_caps(self) -> dict[str, Decimal]:
        return {c.category: dec(c.hours) for c in self.caps}  # one cap a category (validated)

    @cached_property
    def exact_total(self) -> Decimal | None:
        return None if self.total is None else dec(self.total.hours)


class ResearchLevel(StrictModel):
    """A level of a school's research result (R14), told by words in its 级别/获奖情况 cell."""
    name: Text  # 市级以上优秀成果, 县级奖励
    weight: Annotated[Number, Field(ge=0, le=1)]
    words: tuple[Text, ...] = Field(min_length=1)  # the level: 市级, 省级 …
    # and, when given, one of these too: a result, not a project merely registered (区级立项)
    with_any: tuple[Text, ...] = ()


class Research(StrictModel):
    """R14: each school's 课题 weight in the year-end evaluation, the highest level any of its
    projects reached; a project at no level counts `unawarded_weight`."""
    levels: tuple[ResearchLevel, ...] = Field(min_length=1)  # highest first: the first that matches decides
    unawarded_weight: Annotated[Number, Field(ge=0, le=1)] = 0
    assumed: StrictBool = False  # unawarded_weight: the source says nothing of a project without an award


class Allowance(StrictModel):
    """R19: at most `hours` carried forward, or owed, at a time."""
    hours: Annotated[Number, Field(gt=0, le=1000)]
    assumed: StrictBool = False


class Cycle(StrictModel):
    """R15, R19: the cycle (周期) the school years belong to, `2016-2020` holding the years
    2016-17 … 2020-21, and what a teacher must have over it.

    - `hours`: at least this many in all over the cycle (360), the sum of the years' totals
      (after each year's caps), less a loan still owed at its end;
    - `minimums`: at least so many in a category over the cycle;
    - `carry_forward`: a year's own hours above its total minimum count toward the next
      year's, at most `hours` of them (once: what is carried is not carried again);
    - `borrowing` (学分借贷): a year short of its total minimum, and of nothing else, is
      lent the shortfall against the years after (「经学分借贷，视为达标」), while no more than
      `hours` are owed at a time. A later year's own hours above its minimum repay it first.

    A year's minimum for both is its standards' `total`. score/cycle.py works it out.
    """
    id: Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{4}$")]
    name: Text  # 2016—2020年继续教育周期
    hours: Hours
    minimums: tuple[CategoryMinimum, ...] = ()
    carry_forward: Allowance | None = None
    borrowing: Allowance | None = None
    assumed: StrictBool = False  # the cycle's years: the source names the cycle, not its years

    @model_validator(mode="after")
    def _span(self) -> Cycle:
        first, last = self.first, self.last
        if not 0 <= last - first <= 9:
            raise ValueError(f"周期 {self.id}：末年应在首年之后，至多十年（例如 2016-2020）")
        return self

    @property
    def first(self) -> int:
        return int(self.id[:4])

    @property
    def last(self) -> int:
        return int(self.id[5:])

    @cached_property
    def years(self) -> tuple[str, ...]:
        """The school years of the cycle: 2016-17 … 2020-21."""
        return tuple(school_year(y) for y in range(self.first, self.last + 1))

    @cached_property
    def exact(self) -> tuple[Decimal, Decimal, Decimal]:
        """(hours, carry-forward cap, borrowing cap) as exact decimals, 0 where not declared."""
        return (dec(self.hours), dec(self.carry_forward.hours) if self.carry_forward else Decimal(0),
                dec(self.borrowing.hours) if self.borrowing else Decimal(0))


def school_year(first: int) -> str:
    """The school year that starts in `first`: 2018 → 2018-19."""
    return f"{first}-{(first + 1) % 100:02d}"


class ProgrammeSet(StrictModel):
    """One term's programme file."""

    base: Text | None = None  # a shared file whose top-level keys this one may use
    term: YearTerm
    categories: tuple[Category, ...] = Field(min_length=1)
    programmes: tuple[Programme, ...] = Field(min_length=1)
    standards: Standards = Standards()
    # the roster and staff-list headers, as for courses; `course` is the column naming the
    # programme (项目, 培训项目, 项目名称, 课程)
    fields: dict[FieldName, tuple[Text, ...]]
    result_words: YesNoWords  # yes: passed (合格, 结业 …); no: not passed (不合格, 未结业 …)
    research: Research | None = None  # R14: the schools' 课题 weights
    cycle: Cycle | None = None  # R15, R19: the cycle the year belongs to
    credits_per_hour: Annotated[Number, Field(gt=0, le=1)] = 0.1  # R1: credits are hours / 10

    @model_validator(mode="after")
    def _check(self) -> ProgrammeSet:
        items = _duplicates(self) + _references(self)
        if items:
            raise Misreferenced(items)
        return self

    @cached_property
    def by_id(self) -> dict[str, Programme]:
        return {p.id: p for p in self.programmes}

    @cached_property
    def category_names(self) -> dict[str, str]:
        return {c.id: c.name for c in self.categories}

    @cached_property
    def exact_credits_per_hour(self) -> Decimal:
        return dec(self.credits_per_hour)


def _duplicates(ps: ProgrammeSet) -> list[tuple[KeyPath, str]]:
    items: list[tuple[KeyPath, str]] = []
    for need in ("name", "id"):
        if need not in ps.fields:
            items.append((("fields",), f"fields 必须给出 {need} 的表头名称"))
    for w in sorted(set(ps.result_words.yes) & set(ps.result_words.no)):
        items.append((("result_words",), f"result_words：{w} 既表示合格又表示不合格"))
    if ps.research is not None:
        for need in ("project", "project_level"):
            if need not in ps.fields:
                items.append((("fields",), f"写了 research（课题），fields 必须给出 {need} 的表头名称"))
    for key, what, ids in (("categories", "类别", [c.id for c in ps.categories]),
                           ("programmes", "项目", [p.id for p in ps.programmes])):
        first: dict[str, int] = {}
        for i, x in enumerate(ids):
            if x in first:
                items.append(((key, i, "id"), f"{what} id 重复：{x}（第一次在 {key}[{first[x]}]）"))
            first.setdefault(x, i)
    s = ps.standards
    for key, ids in (("minimums", [m.category for m in s.minimums]), ("caps", [c.category for c in s.caps]),
                     ("make_up", [m.programme for m in s.make_up]), ("required", [r.programme for r in s.required])):
        seen: set[str] = set()
        for i, x in enumerate(ids):
            if x in seen:
                items.append((("standards", key, i), f"standards.{key} 中 {x} 写了两次"))
            seen.add(x)
    return items


def _references(ps: ProgrammeSet) -> list[tuple[KeyPath, str]]:
    """Every category and programme named is declared; a make-up goes toward a category
    with a minimum, from a programme of another category."""
    cats = {c.id for c in ps.categories}
    progs = {p.id: p for p in ps.programmes}
    known_c, known_p = "、".join(sorted(cats)), "、".join(sorted(progs))
    items: list[tuple[KeyPath, str]] = []

    def category(path: KeyPath, cid: str) -> None:
        if cid not in cats:
            items.append((path, f"类别 {cid} 未在 categories 中声明（已声明：{known_c}）"))

    def programme(path: KeyPath, pid: str) -> None:
        if pid not in progs:
            items.append((path, f"项目 {pid} 未在 programmes 中声明（已声明：{known_p}）"))

    for i, p in enumerate(ps.programmes):
        category(("programmes", i, "category"), p.category)
    s = ps.standards
    for i, m in enumerate(s.minimums):
        category(("standards", "minimums", i, "category"), m.category)
    for i, c in enumerate(s.caps):
        category(("standards", "caps", i, "category"), c.category)
    for i, r in enumerate(s.required):
        programme(("standards", "required", i, "programme"), r.programme)
    if ps.cycle is not None:
        items += _cycle_references(ps, ps.cycle, cats)
    with_minimum = {m.category for m in s.minimums}
    for i, m in enumerate(s.make_up):
        programme(("standards", "make_up", i, "programme"), m.programme)
        category(("standards", "make_up", i, "toward"), m.toward)
        if m.toward in cats and m.toward not in with_minimum:
            items.append((("standards", "make_up", i, "toward"),
                          f"补训计入的类别 {m.toward} 没有最低学时要求（standards.minimums），无差额可补"))
        if m.programme in progs and progs[m.programme].category == m.toward:
            items.append((("standards", "make_up", i, "programme"),
                          f"项目 {m.programme} 本身就属于类别 {m.toward}，不是补训"))
    return items


def _cycle_references(ps: ProgrammeSet, cy: Cycle, cats: set[str]) -> list[tuple[KeyPath, str]]:
    """The term's year is one of the cycle's; a cycle minimum's category is declared, once;
    carrying and lending need a year's total minimum."""
    items: list[tuple[KeyPath, str]] = []
    if ps.term.year not in cy.years:
        items.append((("term", "year"), f"学年 {ps.term.year} 不在周期 {cy.id}（{cy.years[0]} 至 {cy.years[-1]}）之内"))
    seen: set[str] = set()
    for i, m in enumerate(cy.minimums):
        if m.category not in cats:
            items.append((("cycle", "minimums", i, "category"),
                          f"类别 {m.category} 未在 categories 中声明（已声明：{'、'.join(sorted(cats))}）"))
        elif m.category in seen:
            items.append((("cycle", "minimums", i), f"cycle.minimums 中 {m.category} 写了两次"))
        seen.add(m.category)
    for key in ("carry_forward", "borrowing"):
        if getattr(cy, key) is not None and ps.standards.total is None:
            items.append((("cycle", key), f"cycle.{key} 以学年合计最低学时为准：standards 须写 total"))
    return items
