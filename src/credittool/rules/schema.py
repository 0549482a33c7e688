"""The rules language: strict, frozen pydantic models (STYLE principle 5).

Every number that decides a result is a strict number: `pass_mark: "60"` is an error,
not a string that happens to parse. Each model keeps the exact decimals of its numbers
(`exact_*`, made once per model: scoring reads them for every row).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, field_validator, model_validator

from credittool.fields import FIELDS, Kind

Number = StrictInt | StrictFloat
Text = Annotated[str, Field(min_length=1)]
FieldName = Literal[tuple(FIELDS)]  # type: ignore[valid-type]
StatusKind = Literal["absent", "exempt", "resit", "deferred"]
STATUS_WORDS = {"absent": "缺考", "exempt": "免考", "resit": "补考", "deferred": "缓考"}  # as the clerk reads them


def dec(value: float | int) -> Decimal:
    """Exact decimal of a YAML number as written (0.7 → Decimal('0.7'))."""
    return Decimal(str(value))


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Term(StrictModel):
    id: Annotated[str, Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z_.-]*$")]
    name: Text


class Track(StrictModel):
    id: Literal["text", "online", "kindergarten"]
    name: Text  # 文本 / 网联 / 幼儿
    aliases: tuple[Text, ...] = ()


class Publisher(StrictModel):
    """Who issues the published spot-test results (R8): printed on the public page."""
    issuer: Text  # e.g. 桦甸市教师进修学校培训部


class Rounding(StrictModel):
    places: Annotated[StrictInt, Field(ge=0, le=2)] = 1
    mode: Literal["half_up", "half_even"] = "half_up"

    @cached_property
    def quantum(self) -> Decimal:
        """The step a composite is rounded to: 1, 0.1 or 0.01."""
        return Decimal(1).scaleb(-self.places)


class Component(StrictModel):
    """One weighted part of a course grade (R2, R4)."""

    field: FieldName
    weight: Annotated[Number, Field(gt=0, le=1)]

    @field_validator("field")
    @classmethod
    def _is_score(cls, v: str) -> str:
        if FIELDS[v][0] is not Kind.SCORE:
            raise ValueError(f"{v} 不是成绩字段；components 只能用成绩字段")
        return v

    @cached_property
    def exact_weight(self) -> Decimal:
        return dec(self.weight)


class Minimum(StrictModel):
    """A minimum count: R3 blog posts, R6 hours / homework / forum posts."""

    field: FieldName
    min: Annotated[Number, Field(ge=0)]
    # optional: checked only when the sheet has the column at all
    optional: StrictBool = False

    @field_validator("field")
    @classmethod
    def _is_count(cls, v: str) -> str:
        if FIELDS[v][0] not in (Kind.COUNT, Kind.COUNT_OR_YESNO):
            raise ValueError(f"{v} 不是计数字段；最低要求只能用于计数字段")
        return v

    @cached_property
    def exact_min(self) -> Decimal:
        return dec(self.min)


class Course(StrictModel):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: Text
    aliases: tuple[Text, ...] = ()
    required: StrictBool
    hours: Annotated[Number, Field(gt=0, le=1000)]
    credits: Annotated[Number, Field(gt=0)] | None = None  # R1: hours / 10 when omitted
    attendance_only: StrictBool = False  # R5: 师德报告会 is passed by attending
    components: tuple[Component, ...] = ()
    minimums: tuple[Minimum, ...] = ()  # R3: needed to pass
    exam_prerequisites: tuple[Minimum, ...] = ()  # R6: needed to sit the exam at all
    pass_mark: Annotated[Number, Field(ge=0, le=100)] | None = None  # overrides the ruleset's

    @model_validator(mode="after")
    def _check(self) -> Course:
        problems = []
        if self.exact_hours != self.exact_hours.quantize(Decimal("0.1")):
            problems.append(f"学时 hours {self.hours} 最多一位小数")
        if self.credits is not None and dec(self.credits) != self.exact_hours / 10:
            problems.append(f"学分 credits {self.credits} ≠ 学时/10 = {self.exact_hours / 10}（R1）；省略 credits 即按学时折算")
        if self.attendance_only and self.components:
            problems.append("出勤即合格（attendance_only）的课程不能有 components")
        if not self.attendance_only:
            if not self.components:
                problems.append("计分的课程要有 components（或写 attendance_only: true）")
            total = sum((c.exact_weight for c in self.components), Decimal(0))
            if self.components and total != 1:
                parts = " + ".join(f"{c.field} {c.weight}" for c in self.components)
                problems.append(f"权重之和为 {total}，须为 1（{parts}）")
            seen = [c.field for c in self.components]
            if len(set(seen)) != len(seen):
                problems.append("components 中有字段出现了两次")
        if problems:
            raise ValueError(f"课程 {self.id}：" + "；".join(problems))
        return self

    @cached_property
    def exact_hours(self) -> Decimal:
        return dec(self.hours)

    @cached_property
    def credit_value(self) -> Decimal:
        return dec(self.credits) if self.credits is not None else self.exact_hours / 10

    @cached_property
    def exact_pass_mark(self) -> Decimal | None:
        return None if self.pass_mark is None else dec(self.pass_mark)


class YesNoWords(StrictModel):
    yes: tuple[Text, ...]
    no: tuple[Text, ...]


class Ruleset(StrictModel):
    """One term × one track: the courses a teacher of that track must take."""

    base: Text | None = None  # a shared file whose top-level keys this one may use
    term: Term
    track: Track
    pass_mark: Annotated[Number, Field(ge=0, le=100)] = 60
    rounding: Rounding = Rounding()
    status_words: dict[Text, StatusKind]
    yes_no_words: YesNoWords
    fields: dict[FieldName, tuple[Text, ...]]
    units: tuple[Text, ...] = ()  # schools known to belong to this track
    publisher: Publisher | None = None  # the issuer of the public copy (the same in every file of a term)
    courses: tuple[Course, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Ruleset:
        problems = []
        ids = [c.id for c in self.courses]
        dups = sorted({i for i in ids if ids.count(i) > 1})
        if dups:
            problems.append(f"课程 id 重复：{'、'.join(dups)}")
        for need in ("name", "id"):
            if need not in self.fields:
                problems.append(f"fields 必须给出 {need} 的表头名称")
        for course in self.courses:
            for part in (*course.components, *course.minimums, *course.exam_prerequisites):
                if part.field not in self.fields:
                    problems.append(f"课程 {course.id} 用到字段 {part.field}，但 fields 中没有它的表头名称")
            if course.attendance_only and "attendance" not in self.fields:
                problems.append(f"课程 {course.id} 是出勤即合格（attendance_only），但 fields 中没有 attendance")
        clash = set(self.yes_no_words.yes) & set(self.yes_no_words.no)
        if clash:
            problems.append(f"yes_no_words：{'、'.join(sorted(clash))} 既表示「是」又表示「否」")
        if problems:
            raise ValueError("；".join(problems))
        return self

    def course(self, course_id: str) -> Course | None:
        return next((c for c in self.courses if c.id == course_id), None)

    @cached_property
    def exact_pass_mark(self) -> Decimal:
        return dec(self.pass_mark)

    def pass_mark_of(self, course: Course) -> Decimal:
        own = course.exact_pass_mark
        return own if own is not None else self.exact_pass_mark
