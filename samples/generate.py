"""Generate the shipped sample county: 桦甸市, term 2009 first half (2009年1—6月).

    python samples/generate.py

Writes one spreadsheet per school into samples/county-2009-h1/ (xlsx, two CSVs and
one legacy .xls), plus MESSES.md there (every injected mess by file, sheet and
1-based row) and samples/county-2009-h1.truth.csv (the clean value of every data
row written). Fixed seed and fixed timestamps: re-running gives byte-identical files.
Tracks and courses follow DOMAIN.md R2-R6; the messes are the ones clerks make.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import stablexlsx, synth  # noqa: E402

SEED = 2009
OUT = ROOT / "samples" / "county-2009-h1"
TRUTH = ROOT / "samples" / "county-2009-h1.truth.csv"
FIXED_DT = dt.datetime(2009, 6, 30, 9, 0, 0)
COUNTY = "桦甸市"
TERM_TITLE = "2009年上半年继续教育成绩登记表"

# Canonical course titles (R5 and the 2009 online plan), keyed for this script.
COURSES = {
    "report": "师德报告会",
    "reader": "《中小学教师职业道德规范(2008年修订)培训读本》",
    "skills": "《教师的教学技能》",
    "seminar": "《新课程校本研究与课堂教学研讨范例(上)》",
    "design": "《备好课——教学设计》",
    "theme": "《主题活动幼儿成长》",
}
TRACK_COURSES = {
    "文本": ("report", "reader", "skills"),
    "网联": ("reader", "seminar", "design"),
    "幼儿": ("reader", "theme"),
}
ONLINE_FIELDS = ("hours", "homework", "posts", "exam", "blog_count")
# The generator's own reading of R6, stated in MESSES.md: eligible iff all three hold.
MIN_HOURS, MIN_HOMEWORK, MIN_POSTS = 15, 1, 3
SCORE_FIELDS = ("exam", "blog_score", "inner", "city")
EXAM_FIELDS = ("exam", "city")


def course_fields(track: str, course: str) -> tuple[str, ...]:
    if track == "文本":
        return ("attend",) if course == "report" else ("exam", "blog_count", "blog_score")
    if track == "网联":
        return ONLINE_FIELDS
    return ("inner", "city") if course == "reader" else ("exam",)


# --- the county: one spec per school --------------------------------------------------

@dataclass
class School:
    name: str
    track: str
    stage: str
    n: int
    layout: str  # "a": one sheet per course; "b": one sheet with a 课程 column
    spell: dict  # course key -> text used by this school
    fmt: str = "xlsx"  # xlsx | csv-utf8 | csv-gb18030 | xls
    titles: int = 0
    blank: bool = False  # blank row just above the header
    id_col: str = "身份证号"
    unit_col: str = "学校"
    subject_col: str = "学科"
    stage_col: bool = False
    type_col: bool = False
    course_col: str = "课程"
    order: int = 1  # column order template
    attend: tuple = ("出勤", "是", "否")
    homework: str = "count"  # count | yesno
    kg: tuple = ("园内考核成绩", "统考成绩")
    sheet: str = "Sheet1"  # layout b sheet name
    by_course: bool = False  # layout b rows grouped by course instead of by teacher
    totals: tuple = ()  # course keys (layout a) or ("*",) (layout b) with a 合计 row
    blanks: tuple = ()  # same, with blank rows in the middle
    hidden: bool = False  # hidden junk sheet "Sheet3"

    @property
    def ext(self) -> str:
        return {"xlsx": ".xlsx", "xls": ".xls"}.get(self.fmt, ".csv")

    @property
    def file(self) -> str:
        return self.name + self.ext


R_FULL, R_SHORT, R_NORM = COURSES["reader"], "师德读本", "中小学教师职业道德规范"
S_FULL, S_SHORT = COURSES["skills"], "教学技能"
SEM_FULL, SEM_SHORT = COURSES["seminar"], "研讨范例(上)"
D_FULL, D_SHORT = COURSES["design"], "备好课"
T_FULL, T_SHORT = COURSES["theme"], "主题活动幼儿成长"


def _text(reader, skills):
    return {"report": "师德报告会", "reader": reader, "skills": skills}


def _online(reader, seminar, design):
    return {"reader": reader, "seminar": seminar, "design": design}


def _kg(reader, theme):
    return {"reader": reader, "theme": theme}


P = "桦甸市"
SCHOOLS = [
    # 文本 track (12)
    School(P + "第二中学", "文本", "高中", 48, "a", _text(R_FULL, S_FULL), titles=2,
           stage_col=True, totals=("reader",), hidden=True),
    School(P + "第三中学", "文本", "初中", 42, "b", _text(R_SHORT, S_SHORT), titles=3, blank=True,
           type_col=True, attend=("参加情况", "参加", "缺席"), sheet="成绩登记"),
    School(P + "第五中学", "文本", "初中", 36, "a", _text(R_NORM, S_SHORT), titles=1,
           id_col="身份证号码", unit_col="单位", subject_col="任教学科", order=2,
           attend=("是否参加", "√", "×")),
    School(P + "第六中学", "文本", "初中", 30, "b", _text(R_SHORT, S_FULL), course_col="课程名称",
           blanks=("*",), by_course=True),
    School(P + "实验小学", "文本", "小学", 45, "b", _text(R_FULL, S_SHORT), titles=2, blank=True,
           id_col="证件号码", unit_col="工作单位", type_col=True,
           attend=("参加情况", "参加", "缺席"), totals=("*",), sheet="实验小学"),
    School(P + "第二实验小学", "文本", "小学", 38, "a", _text(R_SHORT, S_FULL), titles=2,
           stage_col=True, order=3, attend=("是否参加", "是", "否"), hidden=True),
    School(P + "红石镇中心校", "文本", "小学", 26, "b", _text(R_NORM, S_SHORT), titles=1,
           attend=("出勤", "√", "×"), order=2),
    School(P + "夹皮沟镇中心校", "文本", "小学", 22, "a", _text(R_FULL, S_SHORT), titles=3,
           blanks=("skills",)),
    School(P + "二道甸子镇中心校", "文本", "小学", 24, "b", _text(R_SHORT, S_SHORT), titles=1,
           blank=True, type_col=True, attend=("参加情况", "参加", "缺席"), by_course=True),
    School(P + "八道河子镇中心校", "文本", "小学", 18, "a", _text(R_SHORT, S_SHORT), fmt="xls",
           titles=1),
    School(P + "常山镇中心校", "文本", "小学", 20, "b", _text(R_NORM, S_FULL), fmt="csv-utf8",
           attend=("是否参加", "是", "否")),
    School(P + "公吉乡中心校", "文本", "小学", 14, "a", _text(R_FULL, S_FULL), id_col="证件号码",
           attend=("出勤", "√", "×"), totals=("report", "skills")),
    # 网联 track (8)
    School(P + "第一中学", "网联", "高中", 55, "a", _online(R_FULL, SEM_FULL, D_FULL), titles=2,
           stage_col=True),
    School(P + "第四中学", "网联", "初中", 40, "b", _online(R_SHORT, SEM_SHORT, D_SHORT), titles=1,
           type_col=True, homework="yesno", totals=("*",)),
    School(P + "实验中学", "网联", "初中", 44, "a", _online(R_NORM, SEM_SHORT, D_FULL), titles=3,
           blank=True, unit_col="单位", subject_col="任教学科", order=2),
    School(P + "第三实验小学", "网联", "小学", 35, "b", _online(R_FULL, SEM_FULL, D_SHORT), titles=2,
           course_col="课程名称", blanks=("*",), sheet="网联成绩"),
    School(P + "金沙镇中心校", "网联", "小学", 24, "a", _online(R_SHORT, SEM_FULL, D_SHORT), titles=1,
           homework="yesno", id_col="身份证号码", order=3),
    School(P + "横道河子乡中心校", "网联", "小学", 16, "b", _online(R_NORM, SEM_SHORT, D_FULL),
           by_course=True),
    School(P + "桦郊乡中心校", "网联", "小学", 22, "b", _online(R_SHORT, SEM_SHORT, D_SHORT),
           fmt="csv-gb18030", unit_col="单位"),
    School(P + "北台子乡中心校", "网联", "小学", 18, "b", _online(R_NORM, SEM_FULL, D_FULL), titles=1,
           homework="yesno", subject_col="任教学科", stage_col=True),
    # 幼儿 track (4)
    School(P + "第一实验幼儿园", "幼儿", "幼儿园", 30, "a", _kg(R_FULL, T_FULL), titles=2,
           type_col=True),
    School(P + "第二实验幼儿园", "幼儿", "幼儿园", 26, "b", _kg(R_SHORT, T_SHORT), titles=1,
           kg=("园本考核成绩", "市统考成绩"), unit_col="单位"),
    School(P + "机关幼儿园", "幼儿", "幼儿园", 18, "a", _kg(R_NORM, T_SHORT),
           kg=("园本考核成绩", "市统考成绩"), totals=("theme",), order=2),
    School(P + "红石镇中心幼儿园", "幼儿", "幼儿园", 12, "b", _kg(R_FULL, T_FULL), titles=2,
           blank=True, course_col="课程名称", by_course=True),
]


# --- records: one per teacher and course, clean values --------------------------------

@dataclass
class Record:
    school: School
    t: int  # index into the teachers table
    course: str
    v: dict  # canonical field -> clean value (float/int/bool/str status)
    notes: list = field(default_factory=list)  # expected outcomes that are data, not messes


def make_records(rng, teachers) -> list[Record]:
    recs: list[Record] = []
    start = 0
    for sc in SCHOOLS:
        idx = np.arange(start, start + sc.n)
        start += sc.n
        courses = TRACK_COURSES[sc.track]
        n = sc.n
        # Which teachers are short of blog posts in which course (R3).
        short_rate = 0.05 if sc.track == "文本" else 0.03
        short_teacher = rng.random(n) < short_rate
        short_course = rng.integers(0, 2, size=n)  # 0 = first scored course, 1 = both
        for ci, course in enumerate(courses):
            scored_pos = ci - (1 if sc.track == "文本" else 0)
            exam = synth.make_scores(rng, n)
            blog_ok = synth.make_scores(rng, n, fail_rate=0.02, mean=84)
            blog_low = np.floor(rng.uniform(30, 60, n))
            blogs = synth.make_blog_counts(rng, n)
            hours = synth.make_hours(rng, n)
            hw_short = rng.random(n) < 0.03
            homework = np.where(hw_short, 0, rng.choice([2, 3, 4, 5, 5, 5, 5], n))
            posts_short = rng.random(n) < 0.03
            posts = np.where(posts_short, rng.integers(0, MIN_POSTS, n), rng.integers(3, 11, n))
            attend = rng.random(n) >= 0.03
            inner = synth.make_scores(rng, n, fail_rate=0.04, mean=85)
            for k in range(n):
                v: dict = {}
                notes: list = []
                short = short_teacher[k] and (scored_pos == 0 or short_course[k] == 1)
                for f in course_fields(sc.track, course):
                    if f == "attend":
                        v[f] = bool(attend[k])
                        if not attend[k]:
                            notes.append("absent from report meeting")
                    elif f == "exam":
                        v[f] = float(exam[k])
                    elif f == "blog_count":
                        v[f] = int(rng.integers(0, 5)) if short and scored_pos >= 0 else int(blogs[k])
                        if v[f] < 5:
                            notes.append(f"blog posts {v[f]} < 5 (R3)")
                    elif f == "blog_score":
                        v[f] = float(blog_low[k]) if v["blog_count"] < 5 else float(blog_ok[k])
                    elif f == "hours":
                        v[f] = float(hours[k])
                    elif f == "homework":
                        v[f] = int(homework[k])
                    elif f == "posts":
                        v[f] = int(posts[k])
                    elif f == "inner":
                        v[f] = float(inner[k])
                    elif f == "city":
                        v[f] = float(exam[k])
                if sc.track == "网联":
                    why = []
                    if v["hours"] < MIN_HOURS:
                        why.append(f"hours {v['hours']:g} < {MIN_HOURS}")
                    if v["homework"] < MIN_HOMEWORK:
                        why.append(f"homework {v['homework']} < {MIN_HOMEWORK}")
                    if v["posts"] < MIN_POSTS:
                        why.append(f"posts {v['posts']} < {MIN_POSTS}")
                    if why:
                        v["exam"] = "缺考"
                        notes.append("not eligible for exam (R6): " + ", ".join(why))
                for f in SCORE_FIELDS:
                    if isinstance(v.get(f), float) and v[f] < 60:
                        notes.append(f"{f} {synth.format_score(v[f])} < 60")
                recs.append(Record(sc, int(idx[k]), course, v, notes))
    return recs


# --- sheet model ----------------------------------------------------------------------

@dataclass(eq=False)
class Row:
    kind: str  # title | blank | header | data | total | junk
    cells: list
    rec: Record | None = None
    tags: list = field(default_factory=list)  # messes on this row
    src: Row | None = None  # for a duplicate: the row it copies


@dataclass(eq=False)
class Sheet:
    name: str
    rows: list
    header: list
    merges: list = field(default_factory=list)  # (row index, ncols) merged title rows
    hidden: bool = False

    fields: list = field(default_factory=list)  # canonical field per column

    def rownum(self, row: Row) -> int:
        return next(i for i, r in enumerate(self.rows) if r is row) + 1


FIELD_HEADERS = {
    "exam": "考试成绩", "blog_count": "博文篇数", "blog_score": "博文成绩",
    "hours": "已修学时", "homework": "作业", "posts": "论坛发帖",
}


def header_for(sc: School, f: str) -> str:
    if f == "attend":
        return sc.attend[0]
    if f == "inner":
        return sc.kg[0]
    if f == "city":
        return sc.kg[1]
    return {"seq": "序号", "name": "姓名", "id": sc.id_col, "unit": sc.unit_col,
            "subject": sc.subject_col, "stage": "学段", "type": "培训类型",
            "course": sc.course_col}.get(f) or FIELD_HEADERS[f]


def id_fields(sc: School, with_course: bool) -> list[str]:
    extra = (["stage"] if sc.stage_col else []) + (["type"] if sc.type_col else [])
    extra += ["course"] if with_course else []
    if sc.order == 2:
        return ["seq", "unit", "name", "subject", "id"] + extra
    if sc.order == 3:
        return ["seq", "name", "id", "subject"] + extra + ["unit"]
    return ["seq", "name", "id", "unit", "subject"] + extra


def value_fields(sc: School, courses) -> list[str]:
    out: list[str] = []
    for c in courses:
        for f in course_fields(sc.track, c):
            if f not in out:
                out.append(f)
    return out


def cell_value(sc: School, f: str, rec: Record, teachers, seq: int):
    tv = rec.v
    if f == "seq":
        return seq
    if f == "name":
        return str(teachers["name"][rec.t])
    if f == "id":
        return str(teachers["id"][rec.t])
    if f == "unit":
        return sc.name
    if f == "subject":
        return str(teachers["subject"][rec.t])
    if f == "stage":
        return str(teachers["stage"][rec.t])
    if f == "type":
        return sc.track
    if f == "course":
        return sc.spell[rec.course]
    if f not in tv:
        return None
    val = tv[f]
    if f == "attend":
        return sc.attend[1] if val else sc.attend[2]
    if f == "homework" and sc.homework == "yesno":
        return "是" if val >= MIN_HOMEWORK else "否"
    if isinstance(val, float):
        return int(val) if val.is_integer() else val
    return val


def title_rows(sc: School, ncols: int, course_text: str | None, rng) -> tuple[list[Row], list]:
    rows, merges = [], []
    if sc.titles >= 1:
        what = f"{course_text}成绩登记表" if course_text else "继续教育成绩登记表"
        rows.append(Row("title", [f"{sc.name}2009年上半年{what}"] + [None] * (ncols - 1)))
        merges.append((0, ncols))
    if sc.titles >= 2:
        filler = str(synth.make_names(rng, 1)[0])
        day = int(rng.integers(20, 31))
        rows.append(Row("title", [f"填表人：{filler}", None, None,
                                  f"日期：2009年6月{day}日"] + [None] * (ncols - 4)))
    if sc.titles >= 3:
        rows.append(Row("title", [f"单位（盖章）：{sc.name}"] + [None] * (ncols - 1)))
        merges.append((2, ncols))
    if sc.blank:
        rows.append(Row("blank", [None] * ncols))
    return rows, merges


def build_sheets(sc: School, recs: list[Record], teachers, rng) -> list[Sheet]:
    courses = TRACK_COURSES[sc.track]
    sheets = []
    if sc.layout == "a":
        for c in courses:
            fields = id_fields(sc, False) + value_fields(sc, [c])
            rows, merges = title_rows(sc, len(fields), sc.spell[c], rng)
            sh = Sheet(sc.spell[c], rows, [header_for(sc, f) for f in fields], merges)
            sh.fields = fields
            rows.append(Row("header", list(sh.header)))
            for seq, r in enumerate((r for r in recs if r.course == c), 1):
                rows.append(Row("data", [cell_value(sc, f, r, teachers, seq) for f in fields], r))
            sheets.append(sh)
    else:
        fields = id_fields(sc, True) + value_fields(sc, courses)
        rows, merges = title_rows(sc, len(fields), None, rng)
        name = sc.sheet if sc.fmt.startswith("xls") else "-"  # a CSV has no sheet name
        sh = Sheet(name, rows, [header_for(sc, f) for f in fields], merges)
        sh.fields = fields
        rows.append(Row("header", list(sh.header)))
        order = sorted(recs, key=lambda r: (courses.index(r.course), r.t)) if sc.by_course else recs
        for seq, r in enumerate(order, 1):
            rows.append(Row("data", [cell_value(sc, f, r, teachers, seq) for f in fields], r))
        sheets.append(sh)
    return sheets


# --- messes -----------------------------------------------------------------------------

@dataclass
class Mess:
    kind: str
    sheet: Sheet
    row: Row
    col: str  # header text, or "" for a whole row
    written: str
    note: str
    school: School


def _fmt(v) -> str:
    if v is None:
        return "(empty)"
    if isinstance(v, str):
        return repr(v)
    return f"{v} (number cell)"


class Injector:
    def __init__(self, rng, layout: dict):
        self.rng = rng
        self.layout = layout  # school name -> list[Sheet]
        self.log: list[Mess] = []

    def data_rows(self, pred=lambda sc, sh, row: True):
        out = []
        for sc in SCHOOLS:
            for sh in self.layout[sc.name]:
                for row in sh.rows:
                    if row.kind == "data" and pred(sc, sh, row):
                        out.append((sc, sh, row))
        return out

    def pick(self, cands, k, *, spread=True):
        """k candidates, preferring rows without a mess yet; deterministic."""
        if spread:
            fresh = [c for c in cands if not c[2].tags]
            cands = fresh if len(fresh) >= k else cands
        if len(cands) < k:
            raise RuntimeError(f"only {len(cands)} candidates for {k} messes")
        ix = self.rng.choice(len(cands), size=k, replace=False)
        return [cands[i] for i in sorted(ix)]

    def set_cell(self, kind, sc, sh, row, f, value, note):
        j = sh.fields.index(f)
        row.cells[j] = value
        row.tags.append(kind)
        self.log.append(Mess(kind, sh, row, sh.header[j], _fmt(value), note, sc))

    def row_mess(self, kind, sc, sh, row, note):
        row.tags.append(kind)
        self.log.append(Mess(kind, sh, row, "", "", note, sc))

    # ids
    def ids(self, teachers):
        excel = lambda sc, sh, r: sc.fmt in ("xlsx", "xls")  # noqa: E731
        rows = self.data_rows(excel)
        n_num = round(0.01 * len(rows))
        digit_end = [c for c in rows if c[2].cells[c[1].fields.index("id")][-1].isdigit()]
        for sc, sh, row in self.pick(digit_end, n_num):
            true = row.cells[sh.fields.index("id")]
            # Excel keeps 15 significant digits of a typed number: the last 3 become 0.
            typed = int(true[:15]) * 1000
            self.set_cell("id-numeric", sc, sh, row, "id", typed,
                          f"true {true}; python-calamine reads {float(typed)!r}; last 3 digits lost")
        x_end = self.data_rows(lambda sc, sh, r: str(r.cells[sh.fields.index("id")]).endswith("X"))
        for sc, sh, row in self.pick(x_end, 4):
            true = row.cells[sh.fields.index("id")]
            self.set_cell("id-lowercase-x", sc, sh, row, "id", true[:-1] + "x", f"true {true}")
        for sc, sh, row in self.pick(self.data_rows(), 3):
            true = row.cells[sh.fields.index("id")]
            self.set_cell("id-fullwidth", sc, sh, row, "id", synth.to_fullwidth(true), f"true {true}")
        pads = [" {}", "{} ", "  {} ", "{}  ", " {}", "{}\u3000"]
        for (sc, sh, row), pad in zip(self.pick(self.data_rows(), len(pads)), pads):
            true = row.cells[sh.fields.index("id")]
            self.set_cell("id-spaces", sc, sh, row, "id", pad.format(true), f"true {true}")
        # wrong check digit: three different teachers, one row each (a typo)
        seen, cands = set(), []
        for c in self.data_rows():
            if c[2].rec.t not in seen:
                seen.add(c[2].rec.t)
                cands.append(c)
        for sc, sh, row in self.pick(cands, 3):
            true = row.cells[sh.fields.index("id")]
            self.set_cell("id-bad-check", sc, sh, row, "id", synth.wrong_check_id(true),
                          f"true {true}; check digit should be {true[-1]}")

    # scores
    def score_cells(self, fields, *, excel_only=False):
        out = []
        for sc, sh, row in self.data_rows():
            if excel_only and sc.fmt not in ("xlsx", "xls"):
                continue
            for f in fields:
                if f in sh.fields and isinstance(row.cells[sh.fields.index(f)], (int, float)):
                    out.append((sc, sh, row, f))
        return out

    def pick_cells(self, cands, k):
        fresh = [c for c in cands if not c[2].tags]
        cands = fresh if len(fresh) >= k else cands
        ix = self.rng.choice(len(cands), size=k, replace=False)
        return [cands[i] for i in sorted(ix)]

    def scores(self):
        def val(sh, row, f):
            return row.cells[sh.fields.index(f)]

        for sc, sh, row, f in self.pick_cells(self.score_cells(SCORE_FIELDS, excel_only=True), 16):
            v = val(sh, row, f)
            self.set_cell("score-text", sc, sh, row, f, synth.format_score(v),
                          f"number typed as text; true {v}")
        for sc, sh, row, f in self.pick_cells(self.score_cells(SCORE_FIELDS), 6):
            v = val(sh, row, f)
            self.set_cell("score-spaces", sc, sh, row, f, f" {synth.format_score(v)} ", f"true {v}")
        for sc, sh, row, f in self.pick_cells(self.score_cells(SCORE_FIELDS), 4):
            v = val(sh, row, f)
            self.set_cell("score-fullwidth", sc, sh, row, f, synth.to_fullwidth(synth.format_score(v)),
                          f"true {v}")
        exams = self.score_cells(EXAM_FIELDS)
        for sc, sh, row, f in self.pick_cells(exams, round(0.02 * len(exams))):
            self.set_cell("score-absent", sc, sh, row, f, "缺考", "absent from the exam: course failed")
            row.rec.v[f] = "缺考"
        for sc, sh, row, f in self.pick_cells(self.score_cells(EXAM_FIELDS), 2):
            self.set_cell("score-exempt", sc, sh, row, f, "免考", "exempt; rules decide what it means")
            row.rec.v[f] = "免考"
        for sc, sh, row, f in self.pick_cells(self.score_cells(("exam",)), 2):
            self.set_cell("score-unit", sc, sh, row, f, "20分",
                          f"invalid (unit in cell); true {val(sh, row, f)}")
            row.rec.v[f] = "invalid"
        for sc, sh, row, f in self.pick_cells(self.score_cells(("exam",)), 1):
            self.set_cell("score-out-of-range", sc, sh, row, f, 105,
                          f"invalid (> 100); true {val(sh, row, f)}")
            row.rec.v[f] = "invalid"

    # rows and sheets
    def structure(self, teachers):
        by_name = {sc.name: sc for sc in SCHOOLS}
        for sc in SCHOOLS:
            for sh in self.layout[sc.name]:
                key = "*" if sc.layout == "b" else next(k for k, t in sc.spell.items() if t == sh.name)
                if key in sc.blanks:
                    data = [r for r in sh.rows if r.kind == "data"]
                    for at, n in ((len(data) // 3, 1), (2 * len(data) // 3, 2)):
                        pos = sh.rows.index(data[at])
                        for _ in range(n):
                            blank = Row("blank", [None] * len(sh.header))
                            sh.rows.insert(pos, blank)
                            self.row_mess("blank-row", sc, sh, blank, "blank row inside the data")
                if key in sc.totals:
                    self.total_row(sc, sh)
        # duplicates: two exact copies and one conflicting copy
        plans = [("第三中学", None, "dup-exact", 1), ("第五中学", "skills", "dup-exact", None),
                 ("第一中学", "reader", "dup-conflict", None)]
        for short, course, kind, gap in plans:
            sc = by_name[P + short]
            sh = self.layout[sc.name][0] if course is None else next(
                s for s in self.layout[sc.name] if s.name == sc.spell[course])
            data = [r for r in sh.rows if r.kind == "data" and not r.tags]
            if kind == "dup-conflict":
                j = sh.fields.index("exam")
                data = [r for r in data if isinstance(r.cells[j], (int, float))]
            src = data[int(self.rng.integers(0, len(data) - 1))]
            copy = Row("data", list(src.cells), src.rec)
            note = f"exact copy of row {{src}} ({teachers['name'][src.rec.t]}, {COURSES[src.rec.course]})"
            if kind == "dup-conflict":
                j = sh.fields.index("exam")
                old = src.cells[j]
                new = round(old + 7 if old < 90 else old - 12, 1)
                copy.cells[j] = new
                note = (f"same teacher and course as row {{src}} "
                        f"({teachers['name'][src.rec.t]}, {COURSES[src.rec.course]}) "
                        f"but 考试成绩 {new} vs {old}")
            if gap == 1:
                sh.rows.insert(sh.rows.index(src) + 1, copy)
            else:
                last = max(i for i, r in enumerate(sh.rows) if r.kind in ("data", "blank"))
                sh.rows.insert(last + 1, copy)
            src.tags.append(kind + "-source")
            copy.tags.append(kind)
            self.log.append(Mess(kind, sh, copy, "", "", note, sc))
            copy.src = src
        # a name that starts with "=": a text cell that would read as a formula, rejected
        # (E-TEXT-FORMULA: a name is never a formula)
        sc = by_name[P + "红石镇中心校"]
        sh = self.layout[sc.name][0]
        data = [r for r in sh.rows if r.kind == "data" and not r.tags]
        row = data[int(self.rng.integers(0, len(data)))]
        true = row.cells[sh.fields.index("name")]
        # every row of that teacher, so the name is consistent: every row is rejected
        for other in [r for r in sh.rows if r.kind == "data" and r.rec is not None and r.rec.t == row.rec.t]:
            self.set_cell("name-equals", sc, sh, other, "name", "=" + true,
                          f"true {true}; reads as a formula, rejected E-TEXT-FORMULA (all rows of this teacher)")
        # hidden junk sheets
        for sc in SCHOOLS:
            if sc.hidden:
                junk = Sheet("Sheet3", [
                    Row("junk", ["临时", None, "=不要删"]),
                    Row("junk", [None, 12, "abc"]),
                    Row("junk", ["王老师", "220282", 3.5]),
                ], [], hidden=True)
                junk.fields = []
                self.layout[sc.name].append(junk)
                self.log.append(Mess("hidden-sheet", junk, junk.rows[0], "", "",
                                     "hidden sheet 'Sheet3' with junk (3 rows)", sc))

    def total_row(self, sc, sh):
        data = [r for r in sh.rows if r.kind == "data"]
        cells = [None] * len(sh.header)
        cells[0] = "合计"
        cells[sh.fields.index("name")] = f"{len(data)}人"
        for f in ("exam", "inner", "city", "blog_count"):
            if f in sh.fields:
                j = sh.fields.index(f)
                nums = [r.cells[j] for r in data if isinstance(r.cells[j], (int, float))]
                cells[j] = round(float(sum(nums)), 1)
                break
        row = Row("total", cells)
        sh.rows.append(row)
        self.row_mess("total-row", sc, sh, row, "合计 (totals) row at the bottom")


# --- writers ----------------------------------------------------------------------------

def write_xlsx(path: Path, sheets: list[Sheet]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        ws = wb.create_sheet(sh.name)
        for r, row in enumerate(sh.rows, 1):
            stablexlsx.write_row(ws, r, row.cells, bold=row.kind == "header")
        for r0, ncols in sh.merges:
            ws.merge_cells(start_row=r0 + 1, start_column=1, end_row=r0 + 1, end_column=ncols)
            ws.cell(r0 + 1, 1).alignment = Alignment(horizontal="center")
            ws.cell(r0 + 1, 1).font = Font(bold=True, size=14)
        if sh.header:
            for j, h in enumerate(sh.header, 1):
                width = 21 if "号" in h and "序" not in h else (18 if h in ("学校", "单位", "工作单位") else 10)
                ws.column_dimensions[get_column_letter(j)].width = width
        if sh.hidden:
            ws.sheet_state = "hidden"
    stablexlsx.save(wb, path, FIXED_DT, "桦甸市教师进修学校培训部")


def write_xls(path: Path, sheets: list[Sheet]) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    bold = xlwt.easyxf("font: bold on")
    for sh in sheets:
        ws = wb.add_sheet(sh.name)
        merged = {r0: ncols for r0, ncols in sh.merges}
        for r, row in enumerate(sh.rows):
            if r in merged:
                ws.write_merge(r, r, 0, merged[r] - 1, row.cells[0], bold)
                continue
            for c, v in enumerate(row.cells):
                if v is not None:
                    ws.write(r, c, v, bold if row.kind == "header" else xlwt.Style.default_style)
        if sh.hidden:
            ws.visibility = 1
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


def csv_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return synth.format_score(v)
    return str(v)


def write_csv(path: Path, sheets: list[Sheet], encoding: str) -> None:
    (sh,) = sheets
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in sh.rows:
        w.writerow([csv_text(v) for v in row.cells])
    path.write_bytes(buf.getvalue().encode(encoding))


# --- reports ----------------------------------------------------------------------------

KIND_TEXT = {
    "id-numeric": "ID typed as a number: numeric cell holding the first 15 digits then 000, "
                  "as Excel stores it (shows 2.20282E+17)",
    "id-lowercase-x": "ID check character typed as lowercase x",
    "id-fullwidth": "ID typed with full-width digits (０-９)",
    "id-spaces": "ID with leading/trailing spaces (one with an ideographic space U+3000)",
    "id-bad-check": "ID with a wrong check digit (typo; reject)",
    "score-text": "score typed as text (e.g. '85'), xlsx/xls only",
    "score-spaces": "score text with spaces (' 90 ')",
    "score-fullwidth": "score typed with full-width digits ('８５')",
    "score-absent": "缺考 (absent) in an exam cell",
    "score-exempt": "免考 (exempt) in an exam cell",
    "score-unit": "'20分' (unit in the cell): invalid",
    "score-out-of-range": "105: above 100, invalid",
    "name-equals": "name starting with '=' (text cell)",
    "dup-exact": "exact duplicate row",
    "dup-conflict": "conflicting duplicate (same teacher and course, different 考试成绩)",
    "blank-row": "blank row in the middle of the data",
    "total-row": "合计 totals row at the bottom",
    "hidden-sheet": "hidden sheet 'Sheet3' with junk",
}


def header_row(sh: Sheet) -> int:
    return next(i for i, r in enumerate(sh.rows) if r.kind == "header") + 1


VALUE_COLS = ("attend", "exam", "blog_count", "blog_score", "hours", "homework", "posts", "inner", "city")


def write_reports(layout, teachers, log: list[Mess], recs: list[Record]) -> dict:
    lines: list[str] = []
    add = lines.append
    all_data = [(sc, sh, r) for sc in SCHOOLS for sh in layout[sc.name]
                for r in sh.rows if r.kind == "data"]
    n_messy = sum(1 for _, _, r in all_data if any(not t.endswith("-source") for t in r.tags))
    n_data = len(all_data)
    add(f"{COUNTY} 2009年上半年 (2009年1—6月) sample county: messes and expected outcomes")
    add("Generated by samples/generate.py (seed %d). Do not edit; re-run the script." % SEED)
    add("")
    add("Row numbers are 1-based spreadsheet rows including title rows (CSV: 1-based line")
    add("numbers, the header is line 1). Columns are named by this file's header text.")
    add("Clean values of every data row: samples/county-2009-h1.truth.csv.")
    add("")
    add("Generator assumptions the rules may or may not share:")
    add(f"- online (网联) exam eligibility (R6): 已修学时 >= {MIN_HOURS}, 作业 >= {MIN_HOMEWORK} "
        f"(or 是), 论坛发帖 >= {MIN_POSTS}; a teacher who is not eligible has 考试成绩 缺考.")
    add("- 作业 is a count of 5 assignments (0 when not done), or 是/否 where the school records")
    add("  only done/not done.")
    add("- 博文成绩 is below 60 whenever 博文篇数 < 5 (R3).")
    add("")
    add("== Schools ==")
    add("file | track | format | layout | sheet: header row, data rows | teachers | notes")
    for sc in SCHOOLS:
        parts = []
        for sh in layout[sc.name]:
            if sh.hidden:
                parts.append(f"{sh.name}: hidden junk")
            else:
                nd = sum(r.kind == "data" for r in sh.rows)
                parts.append(f"{sh.name}: header row {header_row(sh)}, {nd} data rows")
        notes = [f"id col {sc.id_col}", f"unit col {sc.unit_col}", f"subject col {sc.subject_col}"]
        if sc.layout == "b":
            notes.append(f"course col {sc.course_col}")
        if sc.stage_col:
            notes.append("has 学段")
        if sc.type_col:
            notes.append("has 培训类型")
        if sc.track == "文本":
            notes.append(f"attendance {sc.attend[0]} {sc.attend[1]}/{sc.attend[2]}")
        if sc.track == "网联":
            notes.append("作业 " + ("是/否" if sc.homework == "yesno" else "count"))
        if sc.track == "幼儿":
            notes.append(f"{sc.kg[0]} + {sc.kg[1]}")
        notes.append("courses " + " / ".join(sc.spell[c] for c in TRACK_COURSES[sc.track]))
        fmt = {"csv-utf8": "csv UTF-8 with BOM", "csv-gb18030": "csv GB18030"}.get(sc.fmt, sc.fmt)
        add(f"{sc.file} | {sc.track} | {fmt} | {sc.layout} | {'; '.join(parts)} | {sc.n} | "
            f"{', '.join(notes)}")
    add("")
    tracks = {t: [sc for sc in SCHOOLS if sc.track == t] for t in TRACK_COURSES}
    add("== Totals ==")
    for t, scs in tracks.items():
        add(f"{t}: {len(scs)} schools, {sum(s.n for s in scs)} teachers, "
            f"{sum(s.n for s in scs) * len(TRACK_COURSES[t])} teacher-course results")
    add(f"all: {len(SCHOOLS)} schools, {sum(s.n for s in SCHOOLS)} teachers, {len(recs)} teacher-course "
        f"results, {n_data} data rows written (includes {sum(1 for m in log if m.kind.startswith('dup'))} "
        f"duplicate rows)")
    add(f"data rows with a mess: {n_messy} ({100 * n_messy / n_data:.1f}%); clean: "
        f"{100 * (n_data - n_messy) / n_data:.1f}%")
    add("")
    add("== Messes injected ==")
    add("Each line: file | sheet | row | column | written | note")
    for kind, text in KIND_TEXT.items():
        ms = [m for m in log if m.kind == kind]
        add("")
        add(f"[{kind}] {len(ms)}: {text}")
        for m in sorted(ms, key=lambda m: (SCHOOLS.index(m.school), layout[m.school.name].index(m.sheet),
                                           m.sheet.rownum(m.row))):
            note = m.note
            if "{src}" in note:
                note = note.format(src=m.sheet.rownum(m.row.src))
            add(f"  {m.school.file} | {m.sheet.name} | {m.sheet.rownum(m.row)} | {m.col or '-'} | "
                f"{m.written or '-'} | {note}")
    add("")
    add("== Expected outcomes that are data, not messes ==")
    where = {}
    for sc, sh, r in all_data:
        where.setdefault(id(r.rec), (sc, sh, r))
    groups = {
        "not eligible for exam (R6)": "not eligible",
        "blog posts < 5 (R3)": "blog posts",
        "absent from 师德报告会 (attendance no)": "absent from report",
    }
    for title, key in groups.items():
        hits = [(rec, n) for rec in recs for n in rec.notes if n.startswith(key)]
        add("")
        add(f"[{title}] {len(hits)}")
        for rec, n in hits:
            sc, sh, r = where[id(rec)]
            add(f"  {sc.file} | {sh.name} | {sh.rownum(r)} | {teachers['name'][rec.t]} | "
                f"{teachers['id'][rec.t]} | {COURSES[rec.course]} | {n}")
    low = sum(1 for rec in recs for n in rec.notes if "< 60" in n)
    add("")
    add(f"[scores below 60] {low} score cells below 60 (see truth.csv)")
    (OUT / "MESSES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # truth: one line per data row written, with clean canonical values
    cols = ["file", "sheet", "row", "id", "name", "school", "subject", "stage", "track", "course",
            *VALUE_COLS, "messes", "notes"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for sc, sh, r in all_data:
        rec = r.rec
        v = dict(rec.v)
        if "dup-conflict" in r.tags:
            v["exam"] = r.cells[sh.fields.index("exam")]
        vals = []
        for f in VALUE_COLS:
            x = v.get(f)
            if isinstance(x, bool):
                x = "yes" if x else "no"
            elif isinstance(x, float):
                x = synth.format_score(x)
            vals.append("" if x is None else x)
        w.writerow([sc.file, sh.name, sh.rownum(r), teachers["id"][rec.t], teachers["name"][rec.t], sc.name,
                    teachers["subject"][rec.t], teachers["stage"][rec.t], sc.track, COURSES[rec.course],
                    *vals, ";".join(r.tags), ";".join(rec.notes)])
    TRUTH.write_text(buf.getvalue(), encoding="utf-8")
    return {"data_rows": n_data, "messy": n_messy}


# --- main -------------------------------------------------------------------------------

def main() -> None:
    try:
        import xlwt  # noqa: F401
    except ImportError:
        # The .xls school becomes .xlsx: the output then differs from the committed samples.
        print("warning: xlwt is not installed (pip install xlwt); writing the .xls school as .xlsx",
              file=sys.stderr)
        for sc in SCHOOLS:
            if sc.fmt == "xls":
                sc.fmt = "xlsx"
    rng = np.random.default_rng(SEED)
    stages = np.concatenate([np.full(sc.n, sc.stage) for sc in SCHOOLS])
    # Teachers born 1960-1986 (a subset of synth's range): no 12-year-old teachers in 2009.
    teachers = synth.make_teachers(rng, stages, birth_end="1986-12-31")
    recs = make_records(rng, teachers)
    layout = {}
    for sc in SCHOOLS:
        mine = [r for r in recs if r.school is sc]
        layout[sc.name] = build_sheets(sc, mine, teachers, rng)
    inj = Injector(rng, layout)
    inj.structure(teachers)
    inj.ids(teachers)
    inj.scores()

    OUT.mkdir(parents=True, exist_ok=True)
    for p in OUT.iterdir():
        if p.suffix in (".xlsx", ".xls", ".csv", ".md"):
            p.unlink()
    for sc in SCHOOLS:
        path = OUT / sc.file
        if sc.fmt == "xlsx":
            write_xlsx(path, layout[sc.name])
        elif sc.fmt == "xls":
            write_xls(path, layout[sc.name])
        else:
            write_csv(path, layout[sc.name], "utf-8-sig" if sc.fmt == "csv-utf8" else "gb18030")
    stats = write_reports(layout, teachers, inj.log, recs)
    size = sum(p.stat().st_size for p in OUT.iterdir()) + TRUTH.stat().st_size
    print(f"wrote {len(SCHOOLS)} school files to {OUT.relative_to(ROOT)} "
          f"({sum(sc.n for sc in SCHOOLS)} teachers, {stats['data_rows']} data rows, "
          f"{stats['messy']} with a mess, {len(inj.log)} mess entries, {size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
