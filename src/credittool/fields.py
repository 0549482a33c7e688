"""Canonical field names. Code knows only these; the rules map headers onto them."""

from __future__ import annotations

from enum import Enum


class Kind(str, Enum):
    TEXT = "text"  # free text (name, unit, subject …)
    ID = "id"  # resident ID number: cell type matters
    SCORE = "score"  # 0–100, or a status word (缺考 …)
    COUNT = "count"  # a non-negative number (posts, hours)
    COUNT_OR_YESNO = "count_or_yesno"  # a count, or 是/否 (homework)
    YESNO = "yesno"  # attendance: 是/否, 参加/缺席, √/×
    HOURS = "hours"  # a programme row's hours: 12, １２ or 12学时
    RESULT = "result"  # a programme row's result: 合格/结业/通过 or 不合格/未结业 (the rules' words)


# field → (kind, Chinese label used in messages and output headers)
FIELDS: dict[str, tuple[Kind, str]] = {
    "name": (Kind.TEXT, "姓名"),
    "id": (Kind.ID, "身份证号"),
    "unit": (Kind.TEXT, "单位"),
    "subject": (Kind.TEXT, "学科"),
    "stage": (Kind.TEXT, "学段"),
    "course": (Kind.TEXT, "课程"),
    "track": (Kind.TEXT, "培训类型"),
    "exam": (Kind.SCORE, "考试成绩"),
    "blog_posts": (Kind.COUNT, "博文篇数"),
    "blog_score": (Kind.SCORE, "博文成绩"),
    "attendance": (Kind.YESNO, "出勤"),
    "kg_assessment": (Kind.SCORE, "园内考核成绩"),
    "city_exam": (Kind.SCORE, "统考成绩"),
    "hours_done": (Kind.COUNT, "已修学时"),
    "homework": (Kind.COUNT_OR_YESNO, "作业"),
    "forum_posts": (Kind.COUNT, "论坛发帖"),
    "spot_score": (Kind.SCORE, "抽测成绩"),
    # programme rosters and staff lists (R13, R16)
    "home_unit": (Kind.TEXT, "人事关系所在单位"),
    "hours": (Kind.HOURS, "学时"),
    "credits": (Kind.HOURS, "学分"),  # where a roster gives 学分 and no 学时: hours = credits × 10 (R1)
    "result": (Kind.RESULT, "考核结果"),
    # a school's research projects (课题, R14): no teacher, one row per project
    "project": (Kind.TEXT, "课题名称"),
    "project_level": (Kind.TEXT, "级别/获奖情况"),
}

# Fields every data sheet must have for a row to be identified at all.
IDENTITY_FIELDS = ("name", "id")
# A 课题 list's rows are about a school, not a teacher: its header names this field instead.
PROJECT_FIELD = "project"
# Fields whose values are measured (scores, counts) rather than descriptive.
MEASURE_FIELDS = tuple(f for f, (k, _) in FIELDS.items() if k not in (Kind.TEXT, Kind.ID))


def kind_of(field: str) -> Kind:
    return FIELDS[field][0]


def label(field: str) -> str:
    return FIELDS[field][1]
