"""Generate the sample district 张店区 (Zibo, Shandong), school year 2018-19, term 1
(term id 2018-19-s1), read with rules/zhangdian-2018-19-s1.yaml.

    python samples/generate_zhangdian.py

Writes into samples/district-2018-19/:

- one workbook per school, ``<school>.xlsx``, with two sheets: 教师名册 (the staff list:
  姓名, 身份证号, 人事关系所在单位, 学科, 学段; every teacher of the school) and 校本培训 (a few
  schools call it 校本研修: 姓名, 身份证号, 学时; attendance-based, no result column);
- the rosters of the organising departments, one file each: 全员学科研修 in four files by
  学段, the eight "83281" programmes (新教师三年联训 … 合作学习种子教师培训) with a result
  column, identified by sheet name, title row, file name or a 培训项目 column;
- 省平台导出_省网络全员研修.csv, the province platform's export (GB18030);
- 网络补训名单.xlsx, the online make-up of teachers short of 24 face-to-face hours;
- MESSES.md: every injected mess by file, sheet, 1-based row and column, with its
  expected outcome, and the expected verdicts of the year;

and samples/district-2018-19.truth.csv.gz, the clean value of every data row written (gzip:
the plain CSV is 3 MB).
5,263 teachers (the plan's figure) in 75 schools. Fixed seed and fixed timestamps:
re-running gives byte-identical files. Nothing is imported from samples/generate.py; the
xlsx files are made byte-stable the same way (fixed workbook properties, the zip rewritten
with fixed entry times).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import stablexlsx, synth  # noqa: E402

SEED = 2018
OUT = ROOT / "samples" / "district-2018-19"
TRUTH = ROOT / "samples" / "district-2018-19.truth.csv.gz"
FIXED_DT = dt.datetime(2019, 1, 18, 9, 0, 0)
P = "张店区"
N_TEACHERS = 5263  # "组织全区5263名教师参加了2018年“互联网+教师专业发展工程”" (plan, item 9)
# Zibo (淄博市, 3703xx): 张店区 mostly, then the other districts and counties.
AREA_CODES = (370303, 370302, 370304, 370305, 370306, 370321, 370322, 370323)
AREA_WEIGHTS = (0.74, 0.06, 0.04, 0.04, 0.04, 0.04, 0.02, 0.02)
CSV_NAME = "省平台导出_省网络全员研修.csv"

# programme id → (name, category, attendance_based), as in the rules file
PROGRAMMES = {
    "subject-training": ("全员学科研修", "face-to-face", True),
    "new-teacher": ("新教师三年联训", "face-to-face", False),
    "head-teacher": ("班主任培训", "face-to-face", False),
    "backbone": ("学科骨干教师培训", "face-to-face", False),
    "research-backbone": ("科研骨干培训", "face-to-face", False),
    "group-leader": ("初中教研组长培训", "face-to-face", False),
    "middle-manager": ("中层干部培训", "face-to-face", False),
    "principal": ("校长培训", "face-to-face", False),
    "seed-teacher": ("合作学习种子教师培训", "face-to-face", False),
    "province-online": ("省网络全员研修", "online", False),
    "makeup-online": ("网络补训", "online", True),
    "school-based": ("校本培训", "school-based", True),
}
# the generator's reading of the standards (the rules' values)
MIN_F2F, TOTAL_MIN, SB_CAP = 24, 72, 24
# hours a "83281" programme awards (8-40) and its share of 不合格
PROG_HOURS = {
    "new-teacher": (16, 20, 24, 32), "head-teacher": (12, 16, 20, 24, 30), "backbone": (16, 24, 32, 40),
    "research-backbone": (8, 12, 16), "group-leader": (8, 12, 16), "middle-manager": (16, 24, 32),
    "principal": (24, 32, 40), "seed-teacher": (12, 18, 24),
}
FAIL_RATE = 0.04
# teachers at the edge of the total (R15): (province 学时 passed, 校本 学时; 0 = not listed),
# each with 全员学科研修 24 and nothing else: total = 24 + province + min(校本, 24)
EDGE_TOTALS = ((30, 18), (30, 17), (40, 8), (40, 7), (48, 0), (47, 0), (26, 22), (26, 21),
               (24, 30), (23, 36), (36, 12), (36, 11))
N_NOBODY = 8  # on a staff list, in no roster

# --- the district: schools and teachers ---------------------------------------------------

HIGH = ["第二中学", "第八中学", "第十四中学"]
MIDDLE = (["实验中学"] + [f"第{synth.chinese_numeral(k)}中学" for k in (3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 15, 16, 17,
                                                                     18, 19)]
          + ["铝城第一中学", "铝城第二中学", "马尚中学", "傅家中学", "沣水中学", "中埠中学", "湖田中学", "房镇中学"])
PRIMARY = ["实验小学", "铁山小学", "傅家实验小学", "中心路小学", "凯瑞小学", "科苑小学", "祥瑞园小学", "重庆路小学",
           "人民西路小学", "金晶小学", "北京路小学", "莲池小学", "和平小学", "东方小学", "齐悦小学", "世纪小学",
           "杏园小学", "东二路小学", "五里小学", "兴学街小学", "湖田小学", "南定小学", "马尚小学", "沣水小学",
           "中埠小学", "房镇小学", "四宝山小学", "卫固小学", "王舍小学", "大张小学", "华润小学", "花园小学",
           "公园小学", "潘南小学", "体育场小学", "丰水小学"]
KINDER = ["实验幼儿园", "第二实验幼儿园", "中心路幼儿园", "科苑幼儿园", "马尚中心幼儿园", "傅家中心幼儿园",
          "湖田中心幼儿园", "沣水中心幼儿园", "房镇中心幼儿园", "南定中心幼儿园", "中埠中心幼儿园", "四宝山中心幼儿园"]
MEAN_SIZE = {"高中": 165, "初中": 92, "小学": 66, "幼儿园": 27}


@dataclass
class School:
    name: str
    stage: str
    n: int = 0
    start: int = 0  # index of its first teacher
    title: bool = False  # a title row above each sheet's header
    gap: bool = False  # a blank row between the title and the header
    sb_sheet: str = "校本培训"
    order: int = 0  # column layout template (0-2)

    @property
    def short(self) -> str:
        return self.name[len(P):]

    @property
    def file(self) -> str:
        return self.name + ".xlsx"


def make_schools(rng: np.random.Generator) -> list[School]:
    """75 schools whose sizes add up to exactly N_TEACHERS (largest remainder)."""
    specs = [(n, s) for s, names in (("高中", HIGH), ("初中", MIDDLE), ("小学", PRIMARY), ("幼儿园", KINDER))
             for n in names]
    weight = np.array([MEAN_SIZE[s] for _, s in specs]) * rng.uniform(0.65, 1.35, len(specs))
    quota = weight / weight.sum() * N_TEACHERS
    sizes = np.floor(quota).astype(int)
    for k in np.argsort(-(quota - sizes), kind="stable")[:N_TEACHERS - sizes.sum()]:
        sizes[k] += 1
    schools, start = [], 0
    for i, ((name, stage), n) in enumerate(zip(specs, sizes.tolist())):
        schools.append(School(P + name, stage, n, start, title=i % 3 == 0, gap=i % 6 == 3,
                              sb_sheet="校本研修" if i % 9 == 4 else "校本培训", order=i % 3))
        start += n
    return schools


def make_teachers(rng: np.random.Generator, schools: list[School]) -> dict:
    """id, name, stage, subject, school (index), born (year) for each teacher."""
    stages = np.concatenate([np.full(sc.n, sc.stage) for sc in schools])
    # teachers in 2018 are 22 to 60
    t = synth.make_teachers(rng, stages, area_codes=AREA_CODES, area_weights=AREA_WEIGHTS,
                            birth_start="1958-09-01", birth_end="1996-08-31")
    t["id"] = [str(x) for x in t["id"]]
    t["name"] = [str(x) for x in t["name"]]
    t["stage"] = [str(x) for x in t["stage"]]
    t["subject"] = [str(x) for x in t["subject"]]
    t["school"] = np.concatenate([np.full(sc.n, i) for i, sc in enumerate(schools)])
    t["born"] = np.array([int(x[6:10]) for x in t["id"]])
    return t


# --- records: who has which hours ---------------------------------------------------------

@dataclass
class Rec:
    """One teacher's row in one programme, as the organiser meant it (clean)."""

    t: int
    prog: str  # programme id; for the unknown-programme mess, the name written
    hours: int
    result: bool | None  # None: attendance-based, no result
    tags: list = field(default_factory=list)  # cell messes carried into the row
    note: str = ""
    written: dict = field(default_factory=dict)  # field → the cell a mess writes instead


def pick(rng, pool, k: int) -> list[int]:
    pool = np.asarray(pool)
    if len(pool) < k:
        raise RuntimeError(f"only {len(pool)} candidates for {k}")
    return sorted(int(x) for x in rng.choice(pool, size=k, replace=False))


def choose_roles(rng, T: dict, schools: list[School], free: np.ndarray) -> dict[str, list[int]]:
    """Who is on each "83281" roster; `free` marks the teachers who may be on any."""
    n, born, stage = len(T["id"]), T["born"], np.array(T["stage"])
    idx = np.arange(n)
    roles: dict[str, list[int]] = {}
    principals = [pick(rng, idx[free & (T["school"] == i) & (born <= 1976)], 1)[0] for i in range(len(schools))]
    big = sorted(range(len(schools)), key=lambda i: -schools[i].n)[:126 - len(schools)]
    deputies = [pick(rng, idx[free & (T["school"] == i) & (born <= 1980) & ~np.isin(idx, principals)], 1)[0]
                for i in big]
    roles["principal"] = sorted(principals + deputies)
    taken = np.isin(idx, roles["principal"])
    roles["new-teacher"] = pick(rng, idx[free & (born >= 1992) & ~taken], 150)
    new = np.isin(idx, roles["new-teacher"])
    roles["middle-manager"] = pick(rng, idx[free & (born <= 1985) & ~taken], 181)
    taken |= np.isin(idx, roles["middle-manager"])
    roles["head-teacher"] = pick(rng, idx[free & (stage != "幼儿园") & ~taken & (born <= 1994)], 400)
    roles["backbone"] = pick(rng, idx[free & (born >= 1968) & (born <= 1988) & ~new], 209)
    roles["research-backbone"] = pick(rng, idx[free & (born <= 1985) & ~new], 62)
    roles["group-leader"] = pick(rng, idx[free & (stage == "初中") & (born <= 1988) & ~new], 120)
    labs = [i for i, sc in enumerate(schools) if sc.stage in ("小学", "初中")]
    seeds = []
    for i in pick(rng, labs, 9):  # "以9所实验学校为基地，…45名“种子教师”"
        seeds += pick(rng, idx[free & (T["school"] == i) & ~new], 5)
    roles["seed-teacher"] = sorted(seeds)
    return roles


def assessed(rng, prog: str, who: list[int]) -> list[Rec]:
    hours = rng.choice(PROG_HOURS[prog], size=len(who))
    ok = rng.random(len(who)) >= FAIL_RATE
    return [Rec(t, prog, int(h), bool(p)) for t, h, p in zip(who, hours.tolist(), ok.tolist())]


def base_records(rng, T: dict, nobody: list[int], edge: list[int]) -> dict[str, list[Rec]]:
    """全员学科研修, 校本培训 and 省网络全员研修 for everyone but `nobody`; `edge` as EDGE_TOTALS."""
    n = len(T["id"])
    out: dict[str, list[Rec]] = {"subject-training": [], "school-based": [], "province-online": []}
    short = rng.random(n) < 0.14
    st_hours = np.where(short, rng.choice([16, 18, 20, 22], n), rng.choice([24, 24, 28, 30, 32, 32, 36, 40], n))
    st_missing = rng.random(n) < 0.015
    sb_low = rng.random(n) < 0.08
    sb_hours = np.where(sb_low, rng.choice([8, 12, 16], n), rng.choice([20, 24, 24, 28, 30, 32, 36, 40], n))
    sb_missing = rng.random(n) < 0.05
    u = rng.random(n)
    fail_hours = rng.choice([12, 20, 26, 35], n)
    special = dict(zip(edge, EDGE_TOTALS))
    for t in range(n):
        if t in nobody:
            continue
        if t in special:
            prov, sb = special[t]
            out["subject-training"].append(Rec(t, "subject-training", 24, None))
            out["province-online"].append(Rec(t, "province-online", prov, True))
            if sb:
                out["school-based"].append(Rec(t, "school-based", sb, None))
            continue
        if not st_missing[t]:
            out["subject-training"].append(Rec(t, "subject-training", int(st_hours[t]), None))
        if not sb_missing[t]:
            out["school-based"].append(Rec(t, "school-based", int(sb_hours[t]), None))
        if u[t] >= 0.015:  # 1.5% never appear in the platform's export
            failed = u[t] < 0.035
            out["province-online"].append(Rec(t, "province-online", int(fail_hours[t]) if failed else 50, not failed))
    return out


def passed(rec: Rec) -> bool:
    return rec.result if rec.result is not None else PROGRAMMES[rec.prog][2]


def makeup_records(rng, recs: dict[str, list[Rec]], skip: set[int]) -> list[Rec]:
    """网络补训 for teachers short of 24 face-to-face hours (the clean rosters): 15% not
    listed; of the others about a quarter not enough, the rest the shortfall or more."""
    f2f: dict[int, int] = defaultdict(int)
    for prog, rs in recs.items():
        if PROGRAMMES[prog][1] == "face-to-face":
            for r in rs:
                f2f[r.t] += r.hours if passed(r) else 0
    teachers = {r.t for r in recs["school-based"] + recs["province-online"] + recs["subject-training"]}
    out = []
    for t in sorted(teachers - skip):
        gap = MIN_F2F - f2f.get(t, 0)
        if gap <= 0 or rng.random() < 0.15:
            continue
        if gap >= 4 and rng.random() < 0.25:
            h = gap - int(rng.choice([2, 3]))
        else:
            h = gap + int(rng.choice([0, 0, 0, 2, 4, 8]))
        out.append(Rec(t, "makeup-online", h, None))
    return out


def all_records(rng, T: dict, schools: list[School]) -> tuple[dict[str, list[Rec]], list[int], list[int]]:
    """Every programme's records, and the protected teachers (nobody, edge)."""
    n = len(T["id"])
    special = pick(rng, np.arange(n), N_NOBODY + len(EDGE_TOTALS))
    order = rng.permutation(len(special))
    nobody = sorted(special[k] for k in order[:N_NOBODY])
    edge = sorted(special[k] for k in order[N_NOBODY:])
    free = ~np.isin(np.arange(n), special)
    recs = base_records(rng, T, nobody, edge)
    for prog, who in choose_roles(rng, T, schools, free).items():
        recs[prog] = assessed(rng, prog, who)
    force_twelve(rng, T, recs, set(special))
    recs["makeup-online"] = makeup_records(rng, recs, set(special))
    return recs, nobody, edge


def force_twelve(rng, T: dict, recs: dict[str, list[Rec]], protected: set[int]) -> None:
    """Two 全员学科研修 rows whose 学时 a clerk wrote 12学时 and １２ (小学 and 初中): set
    before the make-up list is drawn up, as the district reads them as 12."""
    for stage, tag in (("小学", "hours-unit"), ("初中", "hours-fullwidth")):
        cands = [r for r in recs["subject-training"] if T["stage"][r.t] == stage and r.t not in protected]
        r = cands[int(rng.integers(0, len(cands)))]
        r.hours, r.tags, r.note = 12, [tag], "true 12"
        r.written["hours"] = "12学时" if tag == "hours-unit" else synth.to_fullwidth("12")


# --- cell messes, on the records ----------------------------------------------------------

class CellMesses:
    """Messes written into one cell of a record's row (IDs, 学时, results, names), and two
    rows of a programme the rules do not know. `protected` teachers are never touched; a
    teacher gets at most one cell mess."""

    def __init__(self, rng, T: dict, recs: dict[str, list[Rec]], protected: set[int]):
        self.rng, self.T, self.recs = rng, T, recs
        self.used = set(protected)

    def pick(self, prog: str, k: int, pred=lambda r: True) -> list[Rec]:
        cands = [r for r in self.recs[prog] if not r.tags and r.t not in self.used and pred(r)]
        if len(cands) < k:
            raise RuntimeError(f"only {len(cands)} {prog} rows for {k} messes")
        out = [cands[i] for i in sorted(self.rng.choice(len(cands), size=k, replace=False).tolist())]
        self.used.update(r.t for r in out)
        return out

    def mark(self, r: Rec, tag: str, f: str, value, note: str) -> None:
        r.tags.append(tag)
        r.written[f] = value
        r.note = note

    def ids(self) -> None:
        digit = lambda r: self.T["id"][r.t][-1].isdigit()  # noqa: E731
        primary = lambda r: digit(r) and self.T["stage"][r.t] == "小学"  # noqa: E731
        for r in self.pick("subject-training", 2, primary) + self.pick("middle-manager", 1, digit):
            true = self.T["id"][r.t]
            typed = int(true[:15]) * 1000  # Excel keeps 15 significant digits of a typed number
            self.mark(r, "id-numeric", "id", typed, f"true {true}; a number cell, last 3 digits lost")
        for r in self.pick("backbone", 1) + self.pick("head-teacher", 1):
            true = self.T["id"][r.t]
            self.mark(r, "id-bad-check", "id", synth.wrong_check_id(true),
                      f"true {true}; check digit should be {true[-1]}")

    def hours(self) -> None:
        for r in self.pick("school-based", 1) + self.pick("makeup-online", 1):
            self.mark(r, "hours-unit", "hours", f"{r.hours}学时", f"true {r.hours}")
        for r in self.pick("school-based", 1) + self.pick("principal", 1):
            self.mark(r, "hours-fullwidth", "hours", synth.to_fullwidth(str(r.hours)), f"true {r.hours}")
        high = lambda r: self.T["stage"][r.t] == "高中" and r.hours == 32  # noqa: E731
        for r in self.pick("head-teacher", 1, lambda r: r.hours == 30) + self.pick("subject-training", 1, high):
            self.mark(r, "hours-too-many", "hours", r.hours * 10,
                      f"typo for {r.hours}; above the programme's 100 a row")

    def results(self) -> None:
        ok = lambda r: r.result  # noqa: E731
        for r in self.pick("middle-manager", 1, ok) + self.pick("new-teacher", 1, ok):
            self.mark(r, "result-blank", "result", None, "passed in truth; the cell left empty")
        for prog, word, passed_ in (("principal", "已结业", True), ("middle-manager", "√", True),
                                    ("head-teacher", "通过", True), ("middle-manager", "×", False)):
            (r,) = self.pick(prog, 1, lambda r, p=passed_: r.result is p)
            self.mark(r, "result-word", "result", word, "passed" if passed_ else "not passed")

    def names(self) -> None:
        two = lambda r: len(self.T["name"][r.t]) == 2  # noqa: E731
        kinder = lambda r: two(r) and self.T["stage"][r.t] == "幼儿园"  # noqa: E731
        chosen = [(self.pick("subject-training", 1, kinder)[0], "  "),
                  (self.pick("province-online", 1, two)[0], "\u3000"),
                  (self.pick("head-teacher", 1, two)[0], " "),
                  (self.pick("school-based", 1, two)[0], "   ")]
        for r, pad in chosen:
            name = self.T["name"][r.t]
            self.mark(r, "name-padded", "name", name[0] + pad + name[1], f"true {name}")

    def unknown_programme(self) -> None:
        """Two rows of 书法培训 in the combined file, for teachers who are on it already."""
        for r in self.pick("seed-teacher", 1) + self.pick("backbone", 1):
            extra = Rec(r.t, "书法培训", 16, True, ["programme-unknown"], "not a programme of the rules")
            extra.written["course"] = "书法培训"
            self.recs.setdefault("书法培训", []).append(extra)


def cell_messes(rng, T: dict, recs: dict[str, list[Rec]], protected: set[int]) -> None:
    m = CellMesses(rng, T, recs, protected)
    m.ids()
    m.hours()
    m.results()
    m.names()
    m.unknown_programme()


# --- sheets and files ---------------------------------------------------------------------

@dataclass
class Row:
    kind: str  # title | gap | header | data | blank | total
    cells: list
    rec: Rec | None = None
    tags: list = field(default_factory=list)
    note: str = ""
    src: "Row | None" = None  # the row a duplicate copies


@dataclass
class Sheet:
    name: str
    header: list[str]
    fields: list[str]
    rows: list[Row]
    prog: str = ""  # the programme of every row ("" for a staff list or a 培训项目 sheet)
    staff: bool = False
    how: str = ""  # how the tool can tell the programme

    def data(self) -> list[Row]:
        return [r for r in self.rows if r.kind == "data"]

    def rownum(self, row: Row) -> int:
        return next(i for i, r in enumerate(self.rows, 1) if r is row)

    def header_row(self) -> int:
        return next(i for i, r in enumerate(self.rows, 1) if r.kind == "header")


@dataclass
class File:
    name: str
    sheets: list[Sheet]
    dept: str  # who sends it

    @property
    def is_csv(self) -> bool:
        return self.name.endswith(".csv")


@dataclass
class Ctx:
    """What a roster writes in its cells: the teachers, how it spells a school, its result words."""

    T: dict
    schools: list[School]
    short_units: bool = False
    words: tuple[str, str] = ("合格", "不合格")
    course: dict = field(default_factory=dict)  # programme id → text in a 培训项目 column
    duty: dict = field(default_factory=dict)  # teacher → 职务


def cell(f: str, rec: Rec, seq: int, ctx: Ctx):
    if f in rec.written:
        return rec.written[f]
    t, T = rec.t, ctx.T
    school = ctx.schools[int(T["school"][t])]
    value = {
        "seq": seq, "name": T["name"][t], "id": T["id"][t], "home_unit": school.name,
        "unit": school.short if ctx.short_units else school.name, "subject": T["subject"][t],
        "stage": T["stage"][t], "hours": rec.hours, "duty": ctx.duty.get(t, ""),
    }.get(f)
    if f == "course":
        value = ctx.course.get(rec.prog, PROGRAMMES.get(rec.prog, (rec.prog,))[0])
    if f == "result":
        value = None if rec.result is None else ctx.words[0 if rec.result else 1]
    return value


def make_sheet(name: str, layout: tuple[list[str], list[str]], recs: list[Rec], ctx: Ctx, *, titles=(),
               gap=False, prog="", staff=False, how="") -> Sheet:
    header, fields = layout
    rows = [Row("title", [t] + [None] * (len(header) - 1)) for t in titles]
    if gap:
        rows.append(Row("gap", [None] * len(header)))
    rows.append(Row("header", list(header)))
    for k, rec in enumerate(recs, 1):
        rows.append(Row("data", [cell(f, rec, k, ctx) for f in fields], rec, list(rec.tags), rec.note))
    return Sheet(name, header, fields, rows, prog, staff, how)


STAFF_LAYOUTS = [
    (["姓名", "身份证号", "人事关系所在单位", "学科", "学段"], ["name", "id", "home_unit", "subject", "stage"]),
    (["序号", "姓名", "身份证号", "人事关系所在单位", "学科", "学段"], ["seq", "name", "id", "home_unit", "subject", "stage"]),
    (["身份证号", "姓名", "学段", "任教学科", "人事关系所在单位"], ["id", "name", "stage", "subject", "home_unit"]),
]
SB_LAYOUTS = [
    (["姓名", "身份证号", "学时"], ["name", "id", "hours"]),
    (["序号", "姓名", "身份证号", "学时"], ["seq", "name", "id", "hours"]),
    (["身份证号", "姓名", "认定学时"], ["id", "name", "hours"]),
]
TERM_TEXT = "2018-2019学年第一学期"


def school_files(T: dict, schools: list[School], sb: list[Rec]) -> list[File]:
    ctx = Ctx(T, schools)
    by_school: dict[int, list[Rec]] = defaultdict(list)
    for r in sb:
        by_school[int(T["school"][r.t])].append(r)
    files = []
    for i, sc in enumerate(schools):
        staff = [Rec(t, "", 0, None) for t in range(sc.start, sc.start + sc.n)]
        titles = [f"{sc.name}{TERM_TEXT}教师名册"] if sc.title else []
        roll = make_sheet("教师名册", STAFF_LAYOUTS[sc.order], staff, ctx, titles=titles, gap=sc.gap and sc.title,
                          staff=True, how="identity columns only")
        titles = [f"{sc.name}{TERM_TEXT}{sc.sb_sheet}学时登记表"] if sc.title else []
        own = make_sheet(sc.sb_sheet, SB_LAYOUTS[sc.order], by_school[i], ctx, titles=titles, gap=sc.gap and sc.title,
                         prog="school-based", how="sheet name")
        files.append(File(sc.file, [roll, own], sc.name))
    return files


SUBJECT_HEAD = (["序号", "姓名", "身份证号", "单位", "学科", "学时"], ["seq", "name", "id", "unit", "subject", "hours"])
SUBJECT_FILES = (  # 学段, file, sheet, title, header layout, how the programme is told
    ("小学", "全员学科研修（小学）.xlsx", "Sheet1", None, SUBJECT_HEAD, "file name"),
    ("初中", "初中部研修学时（2018秋）.xlsx", "全员学科研修", None,
     (["姓名", "身份证号", "单位", "学科", "学时"], ["name", "id", "unit", "subject", "hours"]), "sheet name"),
    ("高中", "高中部研修学时统计.xlsx", "Sheet1", f"{TERM_TEXT}教师全员学科研修学时统计（高中）",
     (["序号", "教师姓名", "身份证号", "学校", "任教学科", "学时数"], ["seq", "name", "id", "unit", "subject", "hours"]),
     "title row"),
    ("幼儿园", "幼儿园片区研修.xlsx", "Sheet1", None, SUBJECT_HEAD, "file name (alias 片区研修)"),
)


def subject_files(T: dict, schools: list[School], recs: list[Rec]) -> list[File]:
    ctx = Ctx(T, schools)
    out = []
    for stage, fname, sheet, title, layout, how in SUBJECT_FILES:
        mine = [r for r in recs if T["stage"][r.t] == stage]
        sh = make_sheet(sheet, layout, mine, ctx, titles=[title] if title else [], prog="subject-training", how=how)
        out.append(File(fname, [sh], "进修学校" + stage + "部"))
    return out


MANAGER_DUTIES = ("教导主任", "德育主任", "教科室主任", "办公室主任", "总务主任", "年级主任")


def duties(rng, T: dict, recs: dict[str, list[Rec]]) -> dict[int, str]:
    """职务 of the principals (the first of a school 校长, a second 副校长) and middle managers."""
    out: dict[int, str] = {}
    seen: set[int] = set()
    for r in recs["principal"]:
        s = int(T["school"][r.t])
        out[r.t] = "副校长" if s in seen else "校长"
        seen.add(s)
    for r in recs["middle-manager"]:
        out[r.t] = str(rng.choice(MANAGER_DUTIES))
    return out


def spell_courses(rng, recs: list[Rec], main: dict[str, str], alt: dict[str, str]) -> None:
    """The programme as each row's 培训项目 cell spells it: mostly `main`, one row in eight
    `alt` (a mess's own text stays)."""
    for r in recs:
        text = (alt if rng.random() < 0.125 else main).get(r.prog, r.prog)
        r.written.setdefault("course", text)


def combined_file(rng, T: dict, schools: list[School], recs: dict[str, list[Rec]]) -> File:
    """区教研室培训汇总.xlsx: one sheet, a 培训项目 column naming the programme of each row."""
    rows = recs["new-teacher"] + recs["backbone"] + recs["seed-teacher"] + recs["书法培训"]
    spell_courses(rng, rows, {"new-teacher": "新教师培训", "backbone": "骨干教师培训", "seed-teacher": "合作学习种子教师培训"},
                  {"new-teacher": "新教师三年联训", "backbone": "学科骨干教师培训", "seed-teacher": "种子教师培训"})
    layout = (["序号", "培训项目", "姓名", "身份证号", "所在学校", "学时", "考核结果"],
              ["seq", "course", "name", "id", "unit", "hours", "result"])
    sh = make_sheet("汇总", layout, rows, Ctx(T, schools), how="培训项目 column")
    return File("区教研室培训汇总.xlsx", [sh], "区教研室")


def roster_files(rng, T: dict, schools: list[School], recs: dict[str, list[Rec]]) -> list[File]:
    duty = duties(rng, T, recs)
    head = make_sheet("Sheet1", (["序号", "姓名", "身份证号码", "学校", "学时", "考核结果"],
                                 ["seq", "name", "id", "unit", "hours", "result"]),
                      recs["head-teacher"], Ctx(T, schools, short_units=True),
                      titles=["2018年张店区班主任培训考核结果", "填报单位：区教育局德育科　　填报日期：2019年1月10日"],
                      prog="head-teacher", how="title row")
    tick = Ctx(T, schools, words=("√", "×"))
    layout = (["姓名", "身份证号", "工作单位", "培训学时", "是否合格"], ["name", "id", "unit", "hours", "result"])
    research = make_sheet("科研骨干培训", layout, recs["research-backbone"], tick, prog="research-backbone", how="sheet name")
    leaders = make_sheet("教研组长培训", layout, recs["group-leader"], tick, prog="group-leader",
                         how="sheet name (alias 教研组长培训)")
    principal = make_sheet("Sheet1", (["姓名", "身份证号", "单位", "职务", "学时", "结业情况"],
                                      ["name", "id", "unit", "duty", "hours", "result"]),
                           recs["principal"], Ctx(T, schools, words=("结业", "未结业"), duty=duty),
                           prog="principal", how="file name")
    managers = make_sheet("Sheet1", (["序号", "姓名", "证件号码", "单位名称", "职务", "获得学时", "考核结果"],
                                     ["seq", "name", "id", "unit", "duty", "hours", "result"]),
                          recs["middle-manager"], Ctx(T, schools, duty=duty), prog="middle-manager", how="file name")
    makeup = make_sheet("Sheet1", (["序号", "姓名", "身份证号", "单位", "学时"], ["seq", "name", "id", "unit", "hours"]),
                        recs["makeup-online"], Ctx(T, schools), prog="makeup-online", how="file name")
    return [File("德育科2018年报表.xlsx", [head], "区教育局德育科"),
            File("培训部项目考核.xlsx", [research, leaders], "进修学校培训部"),
            File("2018年校长培训名单.xlsx", [principal], "进修学校培训部"),
            File("2018年中层干部培训名单.xlsx", [managers], "进修学校培训部"),
            combined_file(rng, T, schools, recs),
            File("网络补训名单.xlsx", [makeup], "进修学校信息中心")]


def province_file(T: dict, schools: list[School], recs: list[Rec]) -> File:
    layout = (["序号", "姓名", "身份证号", "所在单位", "项目名称", "学时", "考核结果"],
              ["seq", "name", "id", "unit", "course", "hours", "result"])
    ctx = Ctx(T, schools, course={"province-online": "互联网+教师专业发展工程"})
    sh = make_sheet(Path(CSV_NAME).stem, layout, recs, ctx, prog="province-online",
                    how="项目名称 column (alias 互联网+教师专业发展工程)")
    return File(CSV_NAME, [sh], "省平台")


# --- row messes, on the sheets --------------------------------------------------------------

class RowMesses:
    """Whole-row messes: duplicates, blank rows, 合计 rows. Sources are clean rows of
    teachers who are not protected."""

    def __init__(self, rng, files: list[File], protected: set[int]):
        self.rng, self.protected = rng, protected
        self.by_name = {f.name: f for f in files}

    def sheet(self, fname: str, k: int = 0) -> Sheet:
        return self.by_name[fname].sheets[k]

    def source(self, sh: Sheet) -> Row:
        cands = [r for r in sh.data() if not r.tags and r.rec.t not in self.protected]
        return cands[int(self.rng.integers(0, len(cands)))]

    def end(self, sh: Sheet) -> int:
        return max(i for i, r in enumerate(sh.rows) if r.kind in ("data", "blank")) + 1

    def dup_exact(self, sh: Sheet, adjacent: bool) -> None:
        src = self.source(sh)
        copy = Row("data", list(src.cells), src.rec, ["dup-exact"], src=src)
        if sh.fields[0] == "seq" and not adjacent:  # a second export of the same row: next 序号
            copy.cells[0] = len(sh.data()) + 1
        sh.rows.insert(sh.rows.index(src) + 1 if adjacent else self.end(sh), copy)
        src.tags.append("dup-exact-source")

    def dup_conflict(self, sh: Sheet) -> None:
        src = self.source(sh)
        j = sh.fields.index("hours")
        old = src.rec.hours
        rec = Rec(src.rec.t, src.rec.prog, old + 8 if old <= 24 else old - 8, src.rec.result)
        copy = Row("data", list(src.cells), rec, ["dup-conflict"], src=src)
        copy.cells[j] = rec.hours
        if sh.fields[0] == "seq":
            copy.cells[0] = len(sh.data()) + 1
        sh.rows.insert(self.end(sh), copy)
        src.tags.append("dup-conflict")
        src.src = copy

    def blanks(self, sh: Sheet, plan=((3, 1), (3 / 2, 2))) -> None:
        data = sh.data()
        for div, n in plan:
            at = sh.rows.index(data[int(len(data) / div)])
            for _ in range(n):
                sh.rows.insert(at, Row("blank", [None] * len(sh.header), tags=["blank-row"]))

    def total(self, sh: Sheet) -> None:
        data = sh.data()
        cells = [None] * len(sh.header)
        cells[0] = "合计"
        if sh.fields[0] != "name":
            cells[sh.fields.index("name")] = f"{len(data)}人"
        cells[sh.fields.index("hours")] = sum(r.rec.hours for r in data)
        sh.rows.append(Row("total", cells, tags=["totals-row"]))


def row_messes(rng, files: list[File], schools: list[School], protected: set[int]) -> None:
    m = RowMesses(rng, files, protected)
    m.dup_exact(m.sheet("2018年校长培训名单.xlsx"), adjacent=True)
    m.dup_exact(m.sheet(CSV_NAME), adjacent=False)
    plain = [sc for sc in schools if sc.order == 0 and sc.stage == "小学"]
    m.dup_exact(m.sheet(plain[2].file, 1), adjacent=True)
    m.dup_conflict(m.sheet("初中部研修学时（2018秋）.xlsx"))
    m.dup_conflict(m.sheet("网络补训名单.xlsx"))
    m.blanks(m.sheet("全员学科研修（小学）.xlsx"))
    m.blanks(m.sheet("德育科2018年报表.xlsx"), plan=((2, 1),))
    with_seq = [sc for sc in schools if sc.order == 1 and sc.stage == "初中"]
    for sh in (m.sheet("网络补训名单.xlsx"), m.sheet("2018年中层干部培训名单.xlsx"),
               m.sheet(plain[5].file, 1), m.sheet(with_seq[1].file, 1)):
        m.total(sh)


# --- expected outcomes ----------------------------------------------------------------------

REJECTED = {"id-numeric": "E-ID-NUMERIC", "id-bad-check": "E-ID-CHECKSUM", "hours-too-many": "E-HOURS-MAX",
            "result-blank": "E-VALUE-BLANK", "programme-unknown": "E-COURSE-UNKNOWN", "dup-conflict": "E-DUP-CONFLICT"}
SKIPPED = {"dup-exact": "完全重复，只计一次", "totals-row": "合计行", "blank-row": "空行"}
KIND_TEXT = {  # tag → (what was written, expected outcome)
    "id-numeric": ("ID typed as a number: a numeric cell holding the first 15 digits then 000, as Excel keeps it",
                   "row rejected, E-ID-NUMERIC"),
    "id-bad-check": ("ID with a wrong check digit (synth.wrong_check_id)", "row rejected, E-ID-CHECKSUM"),
    "hours-unit": ("学时 written with its unit, e.g. '12学时' (a text cell)", "accepted as the number (12)"),
    "hours-fullwidth": ("学时 written in full-width digits, e.g. '１２' (a text cell)", "accepted as the number (12)"),
    "hours-too-many": ("学时 typo above the programme's max_hours 100 (300, 320)", "row rejected, E-HOURS-MAX"),
    "result-blank": ("考核结果 left empty in a programme that is not attendance-based", "row rejected, E-VALUE-BLANK"),
    "result-word": ("考核结果 in another of the rules' words than the roster's own (已结业, √, 通过, ×)",
                    "accepted: 已结业/√/通过 passed, × not passed"),
    "name-padded": ("two-character name padded with spaces to align (张  三; one with U+3000)",
                    "accepted, the name without the spaces"),
    "programme-unknown": ("培训项目 书法培训, not a programme of the rules", "row rejected, E-COURSE-UNKNOWN"),
    "dup-exact": ("exact duplicate of another row of the same roster (序号 aside)",
                  "skipped (完全重复，只计一次); the first row counts once"),
    "dup-conflict": ("same teacher and programme in two rows with different 学时 (both rows listed)",
                     "both rows rejected, E-DUP-CONFLICT"),
    "totals-row": ("合计 row under the table", "skipped (合计行)"),
    "blank-row": ("blank row inside the data", "skipped (空行)"),
}
TAG_FIELD = {"id-numeric": "id", "id-bad-check": "id", "hours-unit": "hours", "hours-fullwidth": "hours",
             "hours-too-many": "hours", "result-blank": "result", "result-word": "result", "name-padded": "name",
             "programme-unknown": "course"}


def counts(row: Row) -> bool:
    """Whether a data row's record reaches the ledger as an entry."""
    return not any(t in REJECTED or t in SKIPPED for t in row.tags)


@dataclass
class Verdict:
    hours: dict  # category → hours
    made_up: int
    total: int
    missed: list  # keys as the tool's: minimum:face-to-face, required:province-online, total


def judge(by_prog: dict[str, int], passed_: set[str]) -> Verdict:
    """The rules' standards, as the generator reads them (see MESSES.md)."""
    cat = {"face-to-face": 0, "online": 0, "school-based": 0}
    for p, h in by_prog.items():
        cat[PROGRAMMES[p][1]] += h
    f2f = cat["face-to-face"]
    made = min(by_prog.get("makeup-online", 0), max(MIN_F2F - f2f, 0))
    total = f2f + cat["online"] + min(cat["school-based"], SB_CAP)
    missed = []
    if f2f + made < MIN_F2F:
        missed.append("minimum:face-to-face")
    if "province-online" not in passed_:
        missed.append("required:province-online")
    if total < TOTAL_MIN:
        missed.append("total")
    return Verdict(cat, made, total, missed)


def expected_verdicts(files: list[File], n: int) -> list[Verdict]:
    by_prog: list[dict[str, int]] = [defaultdict(int) for _ in range(n)]
    passed_: list[set[str]] = [set() for _ in range(n)]
    for f in files:
        for sh in f.sheets:
            for row in sh.data():
                rec = row.rec
                if sh.staff or not counts(row) or rec.prog not in PROGRAMMES or not passed(rec):
                    continue
                by_prog[rec.t][rec.prog] += rec.hours
                passed_[rec.t].add(rec.prog)
    return [judge(by_prog[t], passed_[t]) for t in range(n)]


# --- writers ----------------------------------------------------------------------------------

def column_width(h: str) -> int:
    if "号" in h and "序" not in h:
        return 21
    return 22 if ("单位" in h or "学校" in h or h in ("培训项目", "项目名称")) else 10


def write_xlsx(path: Path, sheets: list[Sheet], creator: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        ws = wb.create_sheet(sh.name)
        for r, row in enumerate(sh.rows, 1):
            stablexlsx.write_row(ws, r, row.cells, bold=row.kind == "header")
            if row.kind == "title":
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(sh.header))
                ws.cell(r, 1).alignment = Alignment(horizontal="center")
                ws.cell(r, 1).font = Font(bold=True, size=14 if r == 1 else 11)
        for j, h in enumerate(sh.header, 1):
            ws.column_dimensions[get_column_letter(j)].width = column_width(h)
    stablexlsx.save(wb, path, FIXED_DT, creator)


def write_csv(path: Path, sh: Sheet) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in sh.rows:
        w.writerow(["" if v is None else str(v) for v in row.cells])
    path.write_bytes(buf.getvalue().encode("gb18030"))


def write_files(files: list[File]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for p in OUT.iterdir():
        if p.suffix in (".xlsx", ".csv", ".md"):
            p.unlink()
    for f in files:
        if f.is_csv:
            write_csv(OUT / f.name, f.sheets[0])
        else:
            write_xlsx(OUT / f.name, f.sheets, f.dept)


def truth_rows(files: list[File], T: dict, schools: list[School]):
    """One line per data, blank or 合计 row written (the rows the tool reads below a header)."""
    for f in files:
        for sh in f.sheets:
            for i, row in enumerate(sh.rows, 1):
                if row.kind not in ("data", "blank", "total"):
                    continue
                tags = ";".join(t for t in row.tags if not t.endswith("-source"))
                kind = "staff" if sh.staff else "roster"
                if row.kind != "data":
                    yield [f.name, sh.name, i, kind, sh.prog, "", "", "", "", "", tags]
                    continue
                rec, t = row.rec, row.rec.t
                unit = schools[int(T["school"][t])].name
                if sh.staff:
                    yield [f.name, sh.name, i, kind, "", T["id"][t], T["name"][t], unit, "", "", tags]
                    continue
                blank = rec.result is None or "result-blank" in row.tags
                result = "blank" if blank else ("passed" if rec.result else "failed")
                yield [f.name, sh.name, i, kind, rec.prog, T["id"][t], T["name"][t], unit, rec.hours, result, tags]


def write_truth(files: list[File], T: dict, schools: list[School], projects: list[list]) -> int:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["file", "sheet", "row", "kind", "programme", "id", "name", "unit", "hours", "result", "messes"])
    n = 0
    for line in (*truth_rows(files, T, schools), *projects):
        w.writerow(line)
        n += 1
    TRUTH.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), mtime=0))  # mtime 0: the same bytes each run
    return n


# --- MESSES.md ----------------------------------------------------------------------------------

def shown(v) -> str:
    if v is None:
        return "(empty)"
    if isinstance(v, str):
        return repr(v)
    return f"{v} (number cell)"


def intro_lines() -> list[str]:
    return [
        "张店区 2018-2019学年第一学期 (term 2018-19-s1) sample district: messes and expected outcomes",
        f"Generated by samples/generate_zhangdian.py (seed {SEED}). Do not edit; re-run the script.",
        "Read with: credittool ingest samples/district-2018-19 --rules rules --term 2018-19-s1",
        "(rules/zhangdian-2018-19-s1.yaml).",
        "",
        "Row numbers are 1-based spreadsheet rows including title rows (CSV: 1-based line",
        "numbers, the header is line 1). Columns are named by the file's header text.",
        "Clean values of every data row: samples/district-2018-19.truth.csv.gz (staff rows have no",
        "programme, 学时 or result there; result `blank` = no result column, or an empty cell).",
        "",
        "Generator assumptions the rules may or may not share:",
        f"- the year's standards as the rules give them: 面对面培训 >= {MIN_F2F} 学时, 网络补训 counting toward",
        "  it only up to the shortfall; 省网络全员研修 passed; total >= 72 学时 with 校本研修 counted at",
        f"  most {SB_CAP}; 网络补训's hours are in the total in full (category 网络研修).",
        "- a row counts only when passed: a result word of the rules, or, for the attendance-based",
        "  programmes (全员学科研修, 网络补训, 校本培训), no result at all.",
        "- a teacher's unit is the 教师名册's 人事关系所在单位; rosters write the school in their own",
        "  way (德育科 without the 张店区 prefix), which the tool must not hold against the row.",
        "- 网络补训名单 lists the teachers short of 24 face-to-face hours in the clean rosters (before",
        "  any mess): about 15% of them are not on it, a quarter of the rest have less than their",
        "  shortfall, the others the shortfall or up to 8 more. A teacher whose roster row is",
        "  rejected by a mess may so be short with no make-up.",
        "- the province platform's 学时 is 50 for a pass; 不合格 rows have fewer; a few teachers",
        "  (the total's edge cases below) passed with fewer than 50.",
        "- 全员学科研修 16-40 学时 (14% of teachers below 24), 校本培训 mostly 20-40, the 83281",
        f"  programmes 8-40 with {FAIL_RATE:.0%} 不合格; 1.5% of teachers are on no 全员学科研修 roster, 5% on",
        "  no 校本培训 sheet and 1.5% not in the platform's export.",
        "",
    ]


def file_lines(files: list[File]) -> list[str]:
    lines = ["== Files ==",
             "file | sent by | sheet: header row, data rows, programme (how the tool tells it) | columns"]
    for f in files:
        parts = []
        for sh in f.sheets:
            what = "staff list" if sh.staff else (sh.prog or "per row")
            parts.append(f"{sh.name}: header row {sh.header_row()}, {len(sh.data())} data rows, {what} ({sh.how})")
        cols = " / ".join("、".join(sh.header) for sh in f.sheets)
        lines.append(f"{f.name} | {f.dept} | {'; '.join(parts)} | {cols}")
    return lines + [""]


def total_lines(files: list[File], schools: list[School], n_truth: int) -> list[str]:
    rows = [(f, sh, r) for f in files for sh in f.sheets for r in sh.rows if r.kind in ("data", "blank", "total")]
    by_prog = Counter("staff" if sh.staff else (r.rec.prog if r.rec else sh.prog) for f, sh, r in rows)
    messy = sum(1 for *_, r in rows if any(not t.endswith("-source") for t in r.tags))
    stages = Counter(sc.stage for sc in schools)
    teachers = Counter()
    for sc in schools:
        teachers[sc.stage] += sc.n
    lines = ["== Totals ==",
             f"schools: {len(schools)} ({', '.join(f'{s} {stages[s]}' for s in MEAN_SIZE)}); teachers: "
             f"{sum(sc.n for sc in schools)} ({', '.join(f'{s} {teachers[s]}' for s in MEAN_SIZE)})",
             f"files: {len(files)} ({sum(1 for f in files if f.is_csv)} csv); rows below a header: {n_truth} "
             f"(truth.csv lines), of which {messy} carry a mess ({100 * messy / n_truth:.2f}%)",
             "rows by programme: " + ", ".join(f"{k} {v}" for k, v in sorted(by_prog.items()))]
    return lines + [""]


def mess_lines(files: list[File]) -> list[str]:
    lines = ["== Messes injected ==", "Each line: file | sheet | row | column | written | note"]
    for kind, (what, outcome) in KIND_TEXT.items():
        hits = [(f, sh, r) for f in files for sh in f.sheets for r in sh.rows if kind in r.tags]
        lines += ["", f"[{kind}] {len(hits)}: {what}.", f"  expected: {outcome}"]
        for f, sh, r in hits:
            fld = TAG_FIELD.get(kind)
            j = sh.fields.index(fld) if fld else None
            col, written = (sh.header[j], shown(r.cells[j])) if fld else ("-", "-")
            note = r.note
            if kind.startswith("dup") and r.src is not None:
                other = "exact copy of" if kind == "dup-exact" else "same teacher and programme as"
                note = f"{other} row {sh.rownum(r.src)}; 学时 {r.rec.hours}"
            elif kind.startswith("dup"):
                note = f"学时 {r.rec.hours}"
            lines.append(f"  {f.name} | {sh.name} | {sh.rownum(r)} | {col} | {written} | {note}")
    return lines + [""]


REASON_TEXT = {"minimum:face-to-face": "面对面培训不足 24 学时", "required:province-online": "省网络全员研修未完成",
               "total": "合计不足 72 学时"}


def edge_line(t: int, v: Verdict, T: dict, schools: list[School]) -> str:
    h = v.hours
    outcome = "met" if not v.missed else "not met: " + ", ".join(REASON_TEXT[k] for k in v.missed)
    return (f"  {schools[int(T['school'][t])].name} | {T['name'][t]} | {T['id'][t]} | "
            f"{h['face-to-face']} / {h['online']} / {h['school-based']} | {v.total} | {outcome}")


def verdict_lines(verdicts: list[Verdict], T: dict, schools: list[School], edge: list[int],
                  nobody: list[int]) -> list[str]:
    met = sum(1 for v in verdicts if not v.missed)
    lines = ["== Expected verdicts of the school year 2018-19 ==",
             "As the generator works them out from the rows that count (clean rows, accepted messes,",
             "the first of each exact duplicate; never a rejected or skipped row).",
             f"teachers judged: {len(verdicts)}; met (达标): {met}; not met: {len(verdicts) - met}"]
    lines += [f"  {REASON_TEXT[k]}: {sum(1 for v in verdicts if k in v.missed)}" for k in REASON_TEXT]
    combos = Counter(" + ".join(REASON_TEXT[k] for k in v.missed) for v in verdicts if v.missed)
    lines += ["combinations of reasons:"]
    lines += [f"  {c}: {n}" for c, n in sorted(combos.items(), key=lambda x: (-x[1], x[0]))]
    lines += ["made up by 网络补训 (counted toward 面对面培训): "
              f"{sum(1 for v in verdicts if v.made_up)} teachers, {sum(v.made_up for v in verdicts)} 学时"]
    lines += ["", "[the total's edge] 全员学科研修 24 + 省网络全员研修 (passed) + 校本 (capped at 24):",
              "  unit | name | id | 面对面 / 网络 / 校本 | total | expected"]
    lines += [edge_line(t, verdicts[t], T, schools) for t in edge]
    lines += ["", "[on a staff list only] no row in any roster: every standard missed (0/24, 省网络全员研修未完成, 0/72)"]
    lines += [f"  {schools[int(T['school'][t])].file} | {T['name'][t]} | {T['id'][t]}" for t in nobody]
    return lines


def write_messes(files, verdicts, T, schools, edge, nobody, n_truth, project_lines) -> None:
    lines = intro_lines() + file_lines(files) + total_lines(files, schools, n_truth) + mess_lines(files)
    lines += verdict_lines(verdicts, T, schools, edge, nobody) + project_lines
    (OUT / "MESSES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- the 课题 list (R14) ------------------------------------------------------------------------

PROJECTS_FILE = "2018-2019学年各校课题统计.xlsx"
# (级别/获奖情况 as 科研中心 writes it, the weight the rules give it)
PROJECT_LEVELS = (("淄博市第六届教育科研优秀成果一等奖", 1), ("山东省基础教育教学成果奖二等奖", 1),
                  ("淄博市教育科研优秀成果三等奖", 1), ("区级二等奖", 0.5), ("区级优秀成果", 0.5),
                  ("区级立项", 0), ("市级规划课题（在研）", 0), ("", 0))
PROJECT_TOPICS = ("小组合作学习的实践研究", "初中作文分层教学", "小学数学思维可视化", "幼儿园区域活动指导策略",
                  "信息技术与学科融合的课堂实践", "校本课程开发与实施", "学困生转化的个案研究", "整本书阅读教学")


def project_rows(rng, schools: list[School]) -> tuple[list[list], list[list], list[str]]:
    """The 科研中心's list of every school's projects (about two in five schools have some):
    its rows as written, the truth lines (kind `project`: `name` is the 课题名称, `result` the
    级别/获奖情况, `hours` the weight the rules give it) and the MESSES.md lines."""
    rows = [["2018-2019学年各校课题统计"] + [None] * 3, ["序号", "学校", "课题名称", "获奖情况"]]
    truth, notes = [], []
    with_projects = [sc for sc in schools if rng.random() < 0.4]
    for sc in with_projects:
        for _ in range(int(rng.integers(1, 4))):
            level, weight = PROJECT_LEVELS[int(rng.integers(0, len(PROJECT_LEVELS)))]
            title = f"《{PROJECT_TOPICS[int(rng.integers(0, len(PROJECT_TOPICS)))]}》"
            rows.append([len(rows) - 1, sc.name, title, level or None])
            truth.append([PROJECTS_FILE, "课题", len(rows), "project", "", "", title, sc.name, weight, level, ""])
    k = int(rng.integers(3, len(rows) - 3))  # a row whose title was never filled in: rejected
    rows[k - 1][2] = None
    truth[k - 3][6], truth[k - 3][10] = "", "project-title-blank"
    notes.append(f"{PROJECTS_FILE} | 课题 | {k} | 课题名称 | (empty) | project-title-blank: rejected (E-PROJECT-BLANK)")
    rows.append(["合计", None, f"{len(rows) - 2}项", None])
    truth.append([PROJECTS_FILE, "课题", len(rows), "project", "", "", "", "", "", "", "totals-row"])
    notes.append(f"{PROJECTS_FILE} | 课题 | {len(rows)} | 序号 | '合计' | totals-row: skipped")
    return rows, truth, notes


def write_projects(rng, schools: list[School]) -> tuple[list[list], list[str]]:
    """The 课题 list into its workbook; its truth lines and MESSES.md lines."""
    from openpyxl import Workbook

    rows, truth, notes = project_rows(rng, schools)
    wb = Workbook()
    ws = wb.active
    ws.title = "课题"
    for r, cells in enumerate(rows, 1):
        stablexlsx.write_row(ws, r, cells, bold=r == 2)
    stablexlsx.save(wb, OUT / PROJECTS_FILE, FIXED_DT, "张店区教师进修学校科研中心")
    head = ["", f"== 课题 list (R14): {PROJECTS_FILE}, from 科研中心 ==",
            "One row per project: 学校, 课题名称, 获奖情况. A school's weight is its best project's:",
            "a city-level-or-above result 1, a district (county) award 0.5; 区级立项 and 在研 are no",
            "result (the rules' assumed 0); a school with no project 0 (没有课题).",
            f"schools with projects: {len({t[7] for t in truth if t[7]})}; projects: "
            f"{sum(1 for t in truth if t[6])}", "messes:"]
    return truth, head + [f"  {n}" for n in notes]


# --- main -----------------------------------------------------------------------------------------

def build(rng):
    schools = make_schools(rng)
    T = make_teachers(rng, schools)
    recs, nobody, edge = all_records(rng, T, schools)
    protected = set(nobody) | set(edge)
    cell_messes(rng, T, recs, protected)
    files = school_files(T, schools, recs["school-based"])
    files += subject_files(T, schools, recs["subject-training"])
    files += roster_files(rng, T, schools, recs)
    files.append(province_file(T, schools, recs["province-online"]))
    row_messes(rng, files, schools, protected)
    return schools, T, files, nobody, edge


def main() -> None:
    rng = np.random.default_rng(SEED)
    schools, T, files, nobody, edge = build(rng)
    write_files(files)
    # the 课题 list draws from a stream of its own: the files above stay as they were
    projects, project_lines = write_projects(np.random.default_rng([SEED, 14]), schools)
    n_truth = write_truth(files, T, schools, projects)
    verdicts = expected_verdicts(files, len(T["id"]))
    write_messes(files, verdicts, T, schools, edge, nobody, n_truth, project_lines)
    met = sum(1 for v in verdicts if not v.missed)
    size = sum(p.stat().st_size for p in OUT.iterdir()) + TRUTH.stat().st_size
    print(f"wrote {len(files)} files to {OUT.relative_to(ROOT)} ({len(schools)} schools, {len(T['id'])} teachers, "
          f"{n_truth} rows; expected {met} met, {len(verdicts) - met} not met; {size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
