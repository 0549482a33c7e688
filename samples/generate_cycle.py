"""Generate a small 张店区-style district over the five school years of the cycle 2016-2020
(2016-17 … 2020-21), with teachers joining, leaving and transferring between schools.

    python samples/generate_cycle.py

Writes:

- samples/cycle-2016-2020/<year>/ for each year 2016-17 … 2020-21, read with
  rules/zhangdian-<year>-s1.yaml (term <year>-s1):
  - ``<school>.xlsx`` for each of 8 schools: 教师名册 (姓名, 身份证号, 人事关系所在单位, 学科,
    学段; every teacher of the school that year) and 校本培训 (姓名, 身份证号, 学时);
  - ``<year>学年全员学科研修学时.xlsx`` (姓名, 身份证号, 单位, 学时);
  - two or three of the eight "83281" programmes as rosters with a 考核结果 column, the
    programme told by the sheet's or the file's name;
  - 省平台导出_省网络全员研修.csv, the province platform's export (GB18030);
  - 网络补训名单.xlsx (姓名, 身份证号, 单位, 学时), the online make-up of face-to-face hours;
- samples/cycle-2016-2020/README.md: the files, how to ingest them, every transfer, every
  mess with its expected outcome, and hand-checkable teachers worked out in words;
- samples/cycle-2016-2020.truth.csv: the expected verdict of every teacher in every year on a
  staff list, and of every teacher over the cycle.

The cells, sheets, workbooks, the one-year judge and the ID/name making come from
samples/generate_zhangdian.py (imported, not copied). Fixed seed and fixed timestamps per
year: re-running gives byte-identical files.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import sys
import time
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))

import generate_zhangdian as zd  # noqa: E402
from tools import synth  # noqa: E402

SEED = 2016
OUT = ROOT / "samples" / "cycle-2016-2020"
TRUTH = ROOT / "samples" / "cycle-2016-2020.truth.csv"
YEARS = ("2016-17", "2017-18", "2018-19", "2019-20", "2020-21")
CYCLE = "2016-2020"
CYCLE_HOURS = 360
# every file of a year is stamped at the end of that school year
STAMPS = {y: dt.datetime(2017 + k, 7, 8, 9, 0, 0) for k, y in enumerate(YEARS)}

# (name without 张店区, 学段, teachers in 2016-17): 360 in all
SCHOOLS = (("实验小学", "小学", 32), ("铁山小学", "小学", 30), ("中心路小学", "小学", 30),
           ("实验中学", "初中", 44), ("第七中学", "初中", 40), ("马尚中学", "初中", 38),
           ("第二中学", "高中", 70), ("第八中学", "高中", 76))
JOIN_RATE, LEAVE_RATE, N_TRANSFERS = 0.04, 0.03, 12
WEAK_RATE = 0.06  # teachers who often fall short: some of them miss the cycle's 360

# ordinary teachers' hours (drawn each year)
SUBJECT_FULL, SUBJECT_SHORT = (24, 24, 28, 30, 32, 36, 40), (12, 16, 18, 20, 22)
SB_FULL, SB_LOW = (20, 24, 24, 28, 30, 32, 36, 40), (8, 12, 16)
PROVINCE_PASS, PROVINCE_FAIL = 50, (12, 20, 26, 35)
# (ordinary, weak) probabilities
P_SUBJECT_MISSING, P_SUBJECT_SHORT = (0.02, 0.15), (0.12, 0.45)
P_SB_MISSING, P_SB_LOW = (0.04, 0.30), (0.08, 0.30)
P_PROVINCE_MISSING, P_PROVINCE_FAIL = (0.015, 0.10), (0.025, 0.25)

# the "83281" programmes each year runs, and who is on their rosters
YEAR_PROGRAMMES = {
    "2016-17": ("new-teacher", "head-teacher"),
    "2017-18": ("backbone", "research-backbone", "group-leader"),
    "2018-19": ("new-teacher", "middle-manager"),
    "2019-20": ("head-teacher", "seed-teacher", "principal"),
    "2020-21": ("new-teacher", "backbone"),
}
# each year's roster files of those programmes: file → [(sheet, programme)], how it is told
ROSTER_FILES = {
    "2016-17": [("2016年新教师三年联训考核.xlsx", [("Sheet1", "new-teacher")], "file name"),
                ("德育科2016年报表.xlsx", [("班主任培训", "head-teacher")], "sheet name")],
    "2017-18": [("2017年学科骨干教师培训名单.xlsx", [("Sheet1", "backbone")], "file name"),
                ("培训部项目考核.xlsx", [("科研骨干培训", "research-backbone"), ("初中教研组长培训", "group-leader")],
                 "sheet name")],
    "2018-19": [("2018年新教师三年联训考核.xlsx", [("Sheet1", "new-teacher")], "file name"),
                ("2018年中层干部培训名单.xlsx", [("Sheet1", "middle-manager")], "file name")],
    "2019-20": [("德育科2019年报表.xlsx", [("班主任培训", "head-teacher")], "sheet name"),
                ("合作学习种子教师培训.xlsx", [("Sheet1", "seed-teacher")], "file name"),
                ("2019年校长培训名单.xlsx", [("Sheet1", "principal")], "file name")],
    "2020-21": [("2020年新教师三年联训考核.xlsx", [("Sheet1", "new-teacher")], "file name"),
                ("骨干教师培训结业名单.xlsx", [("学科骨干教师培训", "backbone")], "sheet name")],
}
ROSTER_LAYOUTS = (
    (["序号", "姓名", "身份证号", "单位", "学时", "考核结果"], ["seq", "name", "id", "unit", "hours", "result"]),
    (["姓名", "身份证号", "工作单位", "培训学时", "考核结果"], ["name", "id", "unit", "hours", "result"]),
)
PLAIN_LAYOUT = (["姓名", "身份证号", "单位", "学时"], ["name", "id", "unit", "hours"])
DEPT = {"new-teacher": "进修学校培训部", "head-teacher": "区教育局德育科", "backbone": "进修学校培训部",
        "research-backbone": "进修学校科研中心", "group-leader": "进修学校初中部", "middle-manager": "进修学校培训部",
        "principal": "进修学校培训部", "seed-teacher": "进修学校小学部"}

# --- designated teachers: their rows, year by year ------------------------------------------

Plan = list[tuple[str, int, bool | None]]  # (programme, 学时, result; None: attendance-based)


def base(subject: int, province: int, sb: int, *more: tuple[str, int, bool | None],
         province_ok: bool = True) -> Plan:
    """A designated teacher's rows of one year: 全员学科研修, 省网络全员研修 and 校本培训, and
    any `more` (83281 programmes, 网络补训)."""
    return [("subject-training", subject, None), ("province-online", province, province_ok),
            ("school-based", sb, None), *more]


CASES: dict[str, dict[str, Plan]] = {
    # 74 + 72 + 70 + 82 + 62 = 360: the cycle met exactly, two of its years not
    "exact-360": {"2016-17": base(24, 30, 20), "2017-18": base(24, 30, 18), "2018-19": base(24, 30, 16),
                  "2019-20": base(16, 30, 26, ("head-teacher", 12, True)), "2020-21": base(24, 30, 8)},
    # 78 + 72 + 72 + 66 + 71 = 359: one hour short of the cycle
    "cycle-359": {"2016-17": base(24, 30, 30), "2017-18": base(20, 30, 18, ("makeup-online", 4, None)),
                  "2018-19": base(24, 30, 18), "2019-20": base(24, 30, 12), "2020-21": base(24, 30, 17)},
    # joins in 2018-19: 118 + 102 + 114 = 334 in three years
    "join-2018-19": {"2018-19": base(24, 50, 20, ("new-teacher", 24, True)), "2019-20": base(28, 50, 28),
                     "2020-21": base(24, 50, 24, ("new-teacher", 16, True))},
    # on leave in 2017-18 (on no list that year): 106 + 98 + 100 + 98 = 402
    "on-leave-2017-18": {"2016-17": base(32, 50, 24), "2018-19": base(24, 50, 36), "2019-20": base(30, 50, 20),
                         "2020-21": base(24, 50, 24)},
    # 2016-17 misses only the total (70: a 班主任培训 不合格 awards nothing)
    "only-total": {"2016-17": base(28, 30, 12, ("head-teacher", 20, False)), "2017-18": base(30, 50, 24),
                   "2018-19": base(24, 50, 28), "2019-20": base(32, 50, 24), "2020-21": base(24, 50, 20)},
    # moves 小学 → 小学 in 2018-19; that year's rows all name the new school
    "transfer-once": {"2016-17": base(28, 50, 24), "2017-18": base(24, 50, 30),
                      "2018-19": base(24, 50, 20, ("middle-manager", 16, True)), "2019-20": base(24, 50, 24),
                      "2020-21": base(28, 50, 24)},
    # moves 初中 → 初中 in 2017-18 and again in 2019-20; 2019-20 fails 省网络全员研修
    "transfer-twice": {"2016-17": base(24, 50, 18), "2017-18": base(20, 50, 24, ("group-leader", 12, True)),
                       "2018-19": base(16, 50, 20, ("makeup-online", 10, None)),
                       "2019-20": base(24, 26, 24, province_ok=False), "2020-21": base(30, 50, 24)},
}
CASE_TEXT = {
    "exact-360": "exactly 360 学时 over the cycle (two of its years 未达标: only the total missed)",
    "cycle-359": "359 学时 over the cycle: one short (2017-18 made up by 网络补训)",
    "join-2018-19": "joins in 2018-19: three years only, 未完成 at the cycle's end",
    "on-leave-2017-18": "on leave in 2017-18: on no list that year, back in 2018-19",
    "only-total": "2016-17 misses only the total (面对面培训 and 省网络全员研修 met)",
    "transfer-once": "transfers once, in 2018-19: the cycle's hours come from both schools",
    "transfer-twice": "transfers twice (2017-18 and 2019-20)",
}
CASE_MOVES = {"transfer-once": {"2018-19"}, "transfer-twice": {"2017-18", "2019-20"}}
CASE_STAGE = {"transfer-once": "小学", "transfer-twice": "初中"}

# --- the year's messes: (kind, programme) ---------------------------------------------------

MESS_PLAN = {
    "2016-17": [("id-lower-x", "subject-training"), ("hours-fullwidth", "school-based"),
                ("id-impossible:checksum", "province-online"), ("hours-too-many", "subject-training")],
    "2017-18": [("id-lower-x", "province-online"), ("hours-fullwidth", "subject-training"),
                ("id-impossible:short", "school-based"), ("hours-too-many", "school-based")],
    "2018-19": [("id-lower-x", "school-based"), ("hours-fullwidth", "new-teacher"),
                ("id-impossible:letter", "subject-training"), ("hours-too-many", "subject-training")],
    "2019-20": [("id-lower-x", "subject-training"), ("hours-fullwidth", "makeup-online"),
                ("id-impossible:checksum", "head-teacher"), ("hours-too-many", "school-based")],
    "2020-21": [("id-lower-x", "province-online"), ("hours-fullwidth", "school-based"),
                ("id-impossible:long", "school-based"), ("hours-too-many", "subject-training")],
}
# tag → (field written, what was written, expected outcome); rejecting tags name the code
MESS_TEXT = {
    "id-lower-x": ("id", "身份证号 ending in a lowercase x", "accepted: the ID read with X"),
    "hours-fullwidth": ("hours", "学时 in full-width digits (a text cell)", "accepted as the number"),
    "id-impossible:checksum": ("id", "身份证号 with a wrong check digit", "row rejected, E-ID-CHECKSUM"),
    "id-impossible:short": ("id", "身份证号 with a digit left out (17 characters)", "row rejected, E-ID-FORMAT"),
    "id-impossible:letter": ("id", "身份证号 with the letter O typed for a 0", "row rejected, E-ID-FORMAT"),
    "id-impossible:long": ("id", "身份证号 with a digit typed twice (19 characters)", "row rejected, E-ID-FORMAT"),
    "hours-too-many": ("hours", "学时 30 typed as 300", "row rejected, E-HOURS-MAX (above max_hours 100)"),
}
REJECTING = {k for k, (_, _, outcome) in MESS_TEXT.items() if "rejected" in outcome}


# --- the district over the years ------------------------------------------------------------

@dataclass
class Teacher:
    gid: int  # index into District.teachers
    id: str
    name: str
    stage: str
    subject: str
    born: int
    joined: int  # index of the first year on a staff list (0: on the staff in 2016-17)
    weak: bool = False
    case: str = ""  # a key of CASES, "" for an ordinary teacher


@dataclass
class District:
    schools: list[tuple[str, str]]  # (full name, 学段)
    teachers: list[Teacher]
    where: list[dict[int, int]] = field(default_factory=list)  # per year: gid → school index
    joins: list[list[int]] = field(default_factory=list)
    leaves: list[list[int]] = field(default_factory=list)
    transfers: list[list[tuple[int, int, int]]] = field(default_factory=list)  # (gid, from, to)

    def case(self, key: str) -> Teacher:
        return next(t for t in self.teachers if t.case == key)


def new_teachers(rng: np.random.Generator, stages: list[str], joined: int, first_gid: int, born: tuple[str, str],
                 weak: np.ndarray) -> list[Teacher]:
    """Teachers of the given 学段 (IDs and names from tools/synth.py, as the one-year district)."""
    t = synth.make_teachers(rng, np.array(stages), area_codes=zd.AREA_CODES, area_weights=zd.AREA_WEIGHTS,
                            birth_start=born[0], birth_end=born[1])
    return [Teacher(first_gid + k, str(t["id"][k]), str(t["name"][k]), stages[k], str(t["subject"][k]),
                    int(str(t["id"][k])[6:10]), joined, bool(weak[k])) for k in range(len(stages))]


def ordinary(d: District, where: dict[int, int], exclude: Collection[int] = ()) -> list[int]:
    """The teachers of `where` who are not designated (CASES), nor in `exclude`."""
    return sorted(g for g in where if not d.teachers[g].case and g not in exclude)


def make_district(rng: np.random.Generator) -> District:
    schools = [(zd.P + name, stage) for name, stage, _ in SCHOOLS]
    home = [i for i, (_, _, n) in enumerate(SCHOOLS) for _ in range(n)]
    stages = [schools[i][1] for i in home]
    teachers = new_teachers(rng, stages, 0, 0, ("1957-09-01", "1994-08-31"), rng.random(len(home)) < WEAK_RATE)
    d = District(schools, teachers, where=[dict(enumerate(home))])
    # designated teachers among the staff of 2016-17: not new, not weak
    taken: set[int] = set()
    for key in CASES:
        if key == "join-2018-19":
            continue
        stage = CASE_STAGE.get(key)
        pool = [t.gid for t in teachers if 1970 <= t.born <= 1988 and t.gid not in taken
                and (stage is None or t.stage == stage)]
        g = zd.pick(rng, pool, 1)[0]
        teachers[g].case, teachers[g].weak = key, False
        taken.add(g)
    away = d.case("on-leave-2017-18")
    d.joins, d.leaves, d.transfers = [[]], [[]], [[]]  # nobody joins, leaves or moves into the first year
    for k in range(1, len(YEARS)):
        prev = d.where[k - 1]
        cur = dict(prev)
        if k == 1:
            del cur[away.gid]  # on leave: on no list this year
        if k == 2:
            cur[away.gid] = d.where[0][away.gid]
        leaves = leavers(rng, d, cur, round(LEAVE_RATE * len(prev)))
        for g in leaves:
            del cur[g]
        moves = transfers(rng, d, k, cur)
        for g, _, to in moves:
            cur[g] = to
        joins = joiners(rng, d, k, cur, round(JOIN_RATE * len(prev)))
        d.where.append(cur)
        d.joins.append(joins)
        d.leaves.append(leaves)
        d.transfers.append(moves)
    return d


def leavers(rng: np.random.Generator, d: District, cur: dict[int, int], n: int) -> list[int]:
    """Who leaves the district this year: ordinary teachers, the oldest most often (retiring)."""
    pool = ordinary(d, cur)
    weight = np.array([4.0 if d.teachers[g].born <= 1958 else 1.0 for g in pool])
    return sorted(int(g) for g in rng.choice(pool, size=n, replace=False, p=weight / weight.sum()))


def transfers(rng: np.random.Generator, d: District, k: int, cur: dict[int, int]) -> list[tuple[int, int, int]]:
    """N_TRANSFERS moves to another school of the same 学段, the designated ones included."""
    moved_before = {g for year in d.transfers for g, _, _ in year}
    due = [d.case(key).gid for key, years in CASE_MOVES.items() if YEARS[k] in years]
    fresh = [g for g in ordinary(d, cur, moved_before) if d.teachers[g].joined < k]
    chosen = sorted(due + zd.pick(rng, fresh, N_TRANSFERS - len(due)))
    moves = []
    for g in chosen:
        here = cur[g]
        been = {w[g] for w in d.where if g in w}  # a second move goes to a third school
        others = [i for i, (_, st) in enumerate(d.schools) if st == d.schools[here][1] and i not in been]
        moves.append((g, here, int(others[int(rng.integers(0, len(others)))])))
    return moves


def joiners(rng: np.random.Generator, d: District, k: int, cur: dict[int, int], n: int) -> list[int]:
    """n new teachers, young, placed in schools in proportion to their first-year size; in
    2018-19 the first of them is the designated joiner."""
    sizes = np.array([s for _, _, s in SCHOOLS], dtype=float)
    where = sorted(int(i) for i in rng.choice(len(SCHOOLS), size=n, p=sizes / sizes.sum()))
    first = len(d.teachers)
    born = ("1990-09-01", f"{1995 + k}-08-31")
    made = new_teachers(rng, [d.schools[i][1] for i in where], k, first, born, np.zeros(n, dtype=bool))
    if YEARS[k] == "2018-19":
        made[0].case = "join-2018-19"
    known = {t.id for t in d.teachers}
    if any(t.id in known for t in made):
        raise RuntimeError("a new teacher's ID is already taken: change SEED")
    d.teachers += made
    for t, i in zip(made, where):
        cur[t.gid] = i
    return [t.gid for t in made]


# --- one year: the teachers on a staff list, their rows, the files ---------------------------

@dataclass
class Mess:
    kind: str
    rec: zd.Rec
    file: str = ""
    sheet: str = ""
    row: int = 0
    column: str = ""
    written: str = ""


@dataclass
class Year:
    k: int
    label: str
    gids: list[int]  # local index (a Rec's t) → gid
    T: dict  # as generate_zhangdian's: id, name, stage, subject, school, born; by local index
    schools: list[zd.School]
    recs: dict[str, list[zd.Rec]] = field(default_factory=dict)
    messes: list[Mess] = field(default_factory=list)
    titles: list[tuple[str, str]] = field(default_factory=list)  # (file, sheet) with a title row
    files: list[zd.File] = field(default_factory=list)
    verdicts: list[zd.Verdict] = field(default_factory=list)

    @property
    def long(self) -> str:
        return f"{2016 + self.k}-{2017 + self.k}学年"

    @property
    def dir(self) -> Path:
        return OUT / self.label


def year_view(d: District, k: int) -> Year:
    """The teachers of year k by school (staff-list order), as generate_zhangdian's T and School."""
    where = d.where[k]
    gids = sorted(where, key=lambda g: (where[g], g))
    ts = [d.teachers[g] for g in gids]
    T = {"id": [t.id for t in ts], "name": [t.name for t in ts], "stage": [t.stage for t in ts],
         "subject": [t.subject for t in ts], "school": np.array([where[g] for g in gids]),
         "born": np.array([t.born for t in ts])}
    schools, start = [], 0
    titled = (3 * k + 1) % len(d.schools)  # one school a year puts a title row above its headers
    for i, (name, stage) in enumerate(d.schools):
        n = sum(1 for g in gids if where[g] == i)
        schools.append(zd.School(name, stage, n, start, title=i == titled))
        start += n
    return Year(k, YEARS[k], gids, T, schools)


def role_pools(d: District, y: Year) -> dict[str, tuple[list[int], int]]:
    """Each 83281 programme: the ordinary teachers who may be on its roster, and how many are."""
    n = len(y.gids)
    ts = [d.teachers[g] for g in y.gids]
    free = [t for t in range(n) if not ts[t].case]
    new = {t for t in free if y.k - ts[t].joined <= 2 and (ts[t].joined > 0 or ts[t].born >= 1993)}
    seasoned = [t for t in free if t not in new]

    def by_born(lo: int, hi: int) -> list[int]:
        return [t for t in seasoned if lo <= ts[t].born <= hi]

    middle = [t for t in by_born(1900, 1988) if ts[t].stage == "初中"]
    return {"new-teacher": (sorted(new), len(new)), "head-teacher": (by_born(1900, 1993), round(0.15 * n)),
            "backbone": (by_born(1968, 1988), round(0.08 * n)), "research-backbone": (by_born(1900, 1985), 14),
            "group-leader": (middle, 9), "middle-manager": (by_born(1900, 1985), round(0.06 * n)),
            "principal": (by_born(1900, 1976), 12), "seed-teacher": ([t for t in seasoned if ts[t].stage != "高中"], 10)}


def draw(rng: np.random.Generator, weak: np.ndarray, p: tuple[float, float]) -> np.ndarray:
    """One Bernoulli draw per teacher, at p[0] (ordinary) or p[1] (weak)."""
    return rng.random(len(weak)) < np.where(weak, p[1], p[0])


def year_records(rng: np.random.Generator, d: District, y: Year) -> None:
    """The year's rows: random for ordinary teachers, as planned for the designated ones; the
    网络补训 list drawn on the clean rows (before any mess), as generate_zhangdian does."""
    n = len(y.gids)
    ts = [d.teachers[g] for g in y.gids]
    weak = np.array([t.weak for t in ts])
    st_missing, st_short = draw(rng, weak, P_SUBJECT_MISSING), draw(rng, weak, P_SUBJECT_SHORT)
    st_hours = np.where(st_short, rng.choice(SUBJECT_SHORT, n), rng.choice(SUBJECT_FULL, n))
    sb_missing, sb_low = draw(rng, weak, P_SB_MISSING), draw(rng, weak, P_SB_LOW)
    sb_hours = np.where(sb_low, rng.choice(SB_LOW, n), rng.choice(SB_FULL, n))
    pr_missing, pr_fail = draw(rng, weak, P_PROVINCE_MISSING), draw(rng, weak, P_PROVINCE_FAIL)
    pr_hours = rng.choice(PROVINCE_FAIL, n)
    recs: dict[str, list[zd.Rec]] = {"subject-training": [], "school-based": [], "province-online": []}
    for t in range(n):
        if ts[t].case:
            continue
        if not st_missing[t]:
            recs["subject-training"].append(zd.Rec(t, "subject-training", int(st_hours[t]), None))
        if not sb_missing[t]:
            recs["school-based"].append(zd.Rec(t, "school-based", int(sb_hours[t]), None))
        if not pr_missing[t]:
            failed = bool(pr_fail[t])
            recs["province-online"].append(
                zd.Rec(t, "province-online", int(pr_hours[t]) if failed else PROVINCE_PASS, not failed))
    pools = role_pools(d, y)
    for prog in YEAR_PROGRAMMES[y.label]:
        pool, k = pools[prog]
        recs[prog] = zd.assessed(rng, prog, zd.pick(rng, pool, k))
    special = [t for t in range(n) if ts[t].case]
    recs["makeup-online"] = zd.makeup_records(rng, recs, set(special))
    for t in special:
        for prog, hours, result in CASES[ts[t].case].get(y.label, []):
            recs[prog].append(zd.Rec(t, prog, hours, result))
    for rs in recs.values():
        rs.sort(key=lambda r: r.t)
    y.recs = recs


def impossible_id(true: str, how: str) -> str:
    """An ID no person has: a wrong check digit, a digit dropped or doubled, O for 0."""
    if how == "checksum":
        return synth.wrong_check_id(true)
    if how == "short":
        return true[:10] + true[11:]
    if how == "long":
        return true[:10] + true[10] + true[10:]
    j = true.index("0", 6)
    return true[:j] + "O" + true[j + 1:]


def mess_fits(kind: str, r: zd.Rec, ident: str) -> bool:
    """Whether a mess of `kind` can be written into row `r` (of the teacher with ID `ident`)."""
    if kind == "id-lower-x":
        return ident.endswith("X")
    if kind == "hours-too-many":
        return r.hours == 30  # typed 300
    return kind != "id-impossible:letter" or "0" in ident[6:]


def year_messes(rng: np.random.Generator, d: District, y: Year) -> None:
    """The year's cell messes (MESS_PLAN), each on a row of a different ordinary teacher."""
    used: set[int] = set()
    for kind, prog in MESS_PLAN[y.label]:
        cands = [r for r in y.recs[prog] if not r.tags and r.t not in used and not d.teachers[y.gids[r.t]].case
                 and mess_fits(kind, r, y.T["id"][r.t])]
        if not cands:
            raise RuntimeError(f"{y.label}: no {prog} row for {kind}")
        r = cands[int(rng.integers(0, len(cands)))]
        used.add(r.t)
        f, _, _ = MESS_TEXT[kind]
        true = y.T["id"][r.t]
        value: object
        if kind == "id-lower-x":
            value = true.lower()
        elif kind == "hours-fullwidth":
            value = synth.to_fullwidth(str(r.hours))
        elif kind == "hours-too-many":
            value = r.hours * 10
        else:
            value = impossible_id(true, kind.split(":")[1])
        r.tags.append(kind)
        r.written[f] = value
        y.messes.append(Mess(kind, r, written=str(value)))


@contextlib.contextmanager
def zd_year(y: Year) -> Iterator[None]:
    """generate_zhangdian's titles and workbook stamps for this year (its module constants)."""
    saved = zd.TERM_TEXT, zd.FIXED_DT
    zd.TERM_TEXT, zd.FIXED_DT = y.long, STAMPS[y.label]
    try:
        yield
    finally:
        zd.TERM_TEXT, zd.FIXED_DT = saved


def year_files(y: Year) -> None:
    """Every file of the year, as generate_zhangdian's File/Sheet (written by its writers)."""
    ctx = zd.Ctx(y.T, y.schools)
    with zd_year(y):
        files = zd.school_files(y.T, y.schools, y.recs["school-based"])
    titled = y.k % 2 == 0  # 2016-17, 2018-19 and 2020-21 put a title row above the header
    title = [f"{y.long}教师全员学科研修学时统计"] if titled else []
    sh = zd.make_sheet("Sheet1", PLAIN_LAYOUT, y.recs["subject-training"], ctx, titles=title,
                       prog="subject-training", how="title row" if titled else "file name")
    files.append(zd.File(f"{y.long}全员学科研修学时.xlsx", [sh], "进修学校研训部"))
    for k, (fname, sheets, how) in enumerate(ROSTER_FILES[y.label]):
        made = [zd.make_sheet(name, ROSTER_LAYOUTS[k % 2], y.recs[prog], ctx, prog=prog, how=how)
                for name, prog in sheets]
        files.append(zd.File(fname, made, DEPT[sheets[0][1]]))
    files.append(zd.province_file(y.T, y.schools, y.recs["province-online"]))
    makeup = zd.make_sheet("Sheet1", PLAIN_LAYOUT, y.recs["makeup-online"], ctx, prog="makeup-online",
                           how="file name")
    files.append(zd.File("网络补训名单.xlsx", [makeup], "进修学校信息中心"))
    y.files = files
    y.titles = [(f.name, s.name) for f in files for s in f.sheets if s.rows[0].kind == "title"]
    for m in y.messes:  # where each mess landed
        m.file, m.sheet, m.row = next((f.name, s.name, i) for f in files for s in f.sheets
                                      for i, row in enumerate(s.rows, 1) if row.rec is m.rec)
        sheet = next(s for f in files for s in f.sheets if s.name == m.sheet and f.name == m.file)
        m.column = sheet.header[sheet.fields.index(MESS_TEXT[m.kind][0])]


def year_verdicts(y: Year) -> None:
    """The year's verdicts by generate_zhangdian's judge, from the rows that count: passed,
    and not rejected by a mess."""
    n = len(y.gids)
    by_prog: list[dict[str, int]] = [defaultdict(int) for _ in range(n)]
    passed: list[set[str]] = [set() for _ in range(n)]
    for prog, rs in y.recs.items():
        for r in rs:
            if REJECTING & set(r.tags) or not zd.passed(r):
                continue
            by_prog[r.t][prog] += r.hours
            passed[r.t].add(prog)
    y.verdicts = [zd.judge(by_prog[t], passed[t]) for t in range(n)]


def write_year(y: Year) -> None:
    y.dir.mkdir(parents=True, exist_ok=True)
    for p in y.dir.iterdir():
        if p.suffix in (".xlsx", ".csv"):
            p.unlink()
    with zd_year(y):
        for f in y.files:
            if f.is_csv:
                zd.write_csv(y.dir / f.name, f.sheets[0])
            else:
                zd.write_xlsx(y.dir / f.name, f.sheets, f.dept)


# --- the truth -------------------------------------------------------------------------------

def clerk(x: int | Decimal) -> str:
    """A number as a clerk writes it: 24, 17.5, 7.2 (never 24.0)."""
    return f"{Decimal(x).normalize():f}"


def credits(hours: int) -> str:
    return clerk(Decimal(hours) / 10)


def cycle_totals(d: District, years: list[Year]) -> dict[int, list[tuple[Year, int]]]:
    """gid → [(year, the year's total)] over the years the teacher is on a staff list."""
    out: dict[int, list[tuple[Year, int]]] = defaultdict(list)
    for y in years:
        for t, g in enumerate(y.gids):
            out[g].append((y, y.verdicts[t].total))
    return out


def truth_lines(d: District, years: list[Year]) -> Iterator[list[str]]:
    yield ["id_number", "name", "year", "unit", "face_to_face", "online", "school_based", "made_up", "total",
           "credits", "met"]
    per = cycle_totals(d, years)
    for g in sorted(per, key=lambda g: d.teachers[g].id):
        t = d.teachers[g]
        for y, _ in per[g]:
            v = y.verdicts[y.gids.index(g)]
            h = v.hours
            yield [t.id, t.name, y.label, y.schools[y.T["school"][y.gids.index(g)]].name,
                   clerk(h["face-to-face"]), clerk(h["online"]), clerk(h["school-based"]), clerk(v.made_up),
                   clerk(v.total), credits(v.total), "否" if v.missed else "是"]
        total = sum(x for _, x in per[g])
        last = per[g][-1][0]
        yield [t.id, t.name, CYCLE, last.schools[last.T["school"][last.gids.index(g)]].name, "", "", "", "",
               clerk(total), credits(total), "是" if total >= CYCLE_HOURS else "否"]


def write_truth(d: District, years: list[Year]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(truth_lines(d, years))
    TRUTH.write_bytes(buf.getvalue().encode("utf-8"))


# --- README.md -------------------------------------------------------------------------------

PROG_NAME = {p: name for p, (name, _, _) in zd.PROGRAMMES.items()}


def mask(name: str) -> str:
    """张*明: the first and last character, the middle starred (张* for a two-character name)."""
    return name[0] + "*" if len(name) == 2 else name[0] + "*" * (len(name) - 2) + name[-1]


def who(t: Teacher) -> str:
    return f"{mask(t.name)} (…{t.id[-4:]})"


def short(school: str) -> str:
    return school[len(zd.P):]


def worked(y: Year, t: int) -> str:
    """One teacher's year in words: the sum as the rules make it, and the verdict."""
    v = y.verdicts[t]
    parts, notes = [], []
    sb = 0
    order = {"face-to-face": 0, "online": 1, "school-based": 2}  # 面对面, then 网络, then 校本
    for prog in sorted(y.recs, key=lambda p: (order[zd.PROGRAMMES[p][1]], p not in ("subject-training", "province-online"), p)):
        for r in (r for r in y.recs[prog] if r.t == t):
            name = PROG_NAME[prog]
            if REJECTING & set(r.tags):
                notes.append(f"{name} row rejected: 0")
            elif not zd.passed(r):
                notes.append(f"{name} {r.hours} 不合格: 0")
            elif prog == "school-based":
                sb += r.hours
            else:
                parts.append(f"{name} {r.hours}")
    parts.append(f"校本 min({sb},{zd.SB_CAP})")
    text = " + ".join(parts) + f" = {clerk(v.total)}"
    if v.made_up:
        text += (f" (面对面 {clerk(v.hours['face-to-face'])} + 网络补训计入 {clerk(v.made_up)} = "
                 f"{clerk(v.hours['face-to-face'] + v.made_up)} ≥ {zd.MIN_F2F})")
    if notes:
        text += " (" + "; ".join(notes) + ")"
    verdict = "达标" if not v.missed else "未达标: " + ", ".join(zd.REASON_TEXT[k] for k in v.missed)
    return f"{text}; {verdict}"


def intro_lines(d: District, years: list[Year]) -> list[str]:
    stages = ", ".join(f"{short(n)} ({s})" for n, s in d.schools)
    return [
        "# 张店区 2016—2020年继续教育周期 · sample district over five school years",
        "",
        f"Generated by `samples/generate_cycle.py` (seed {SEED}). Do not edit; re-run `python "
        "samples/generate_cycle.py`.",
        "",
        "## 内容 (what it holds)",
        "",
        f"{len(d.schools)} schools of 张店区: {stages}; {len(years[0].gids)} teachers in 2016-17. Each later "
        f"year about {JOIN_RATE:.0%} new teachers join, about {LEAVE_RATE:.0%} leave and {N_TRANSFERS} transfer to "
        "another school of the same 学段 (their 人事关系所在单位 changes from that year on: they are on the new "
        "school's 教师名册, not the old one's). One folder per school year, each read with its own rules file "
        "(`rules/zhangdian-<year>-s1.yaml`, term `<year>-s1`; the 2018-19 programmes and standards every year):",
        "",
        "- `<school>.xlsx`: 教师名册 (姓名, 身份证号, 人事关系所在单位, 学科, 学段) and 校本培训 (姓名, 身份证号, 学时);",
        "- `<year>学年全员学科研修学时.xlsx`: 全员学科研修 (姓名, 身份证号, 单位, 学时);",
        "- two or three \"83281\" programmes a year, with 考核结果 (合格/不合格), told by the sheet's or the "
        "file's name;",
        f"- `{zd.CSV_NAME}`: the province platform's export, GB18030 (序号, 姓名, 身份证号, 所在单位, 项目名称, 学时, 考核结果);",
        "- `网络补训名单.xlsx`: 网络补训 (姓名, 身份证号, 单位, 学时), teachers short of 24 face-to-face hours.",
        "",
        "A roster's 单位 is the teacher's school that year. Every row of a year is consistent with that "
        "year's staff lists: a transferred teacher's rows of the year of the move all name the new school.",
        "",
        "## 导入 (how to ingest)",
        "",
        "All five years into one workspace, in order (from a directory of your own, not the repo):",
        "",
        "```sh",
        "for y in " + " ".join(YEARS) + "; do",
        "  credittool ingest samples/cycle-2016-2020/$y --rules rules/ --term $y-s1 -w /tmp/cycle-ws",
        "  credittool report --term $y-s1 -w /tmp/cycle-ws     # out/$y-s1/report.xlsx: 学分达标, 单位达标",
        "done",
        "```",
        "",
        "## 标准 (the standards the truth assumes)",
        "",
        f"Each year: 面对面培训 (全员学科研修 and the 83281 programmes, rows passed) ≥ {zd.MIN_F2F}, 网络补训 counting "
        "toward it only up to the shortfall; 省网络全员研修 passed; total ≥ 72 with 校本研修 capped at "
        f"{zd.SB_CAP} (网络补训's hours are in the total once, in 网络研修). Credits = hours / 10. A row counts only "
        "when passed (a 合格, or no result for the attendance-based 全员学科研修, 校本培训, 网络补训) and not rejected. "
        f"The cycle: {CYCLE_HOURS} 学时 = the sum of the years' totals (after the caps); no carry-forward, no "
        "borrowing.",
        "",
        f"`samples/cycle-2016-2020.truth.csv` (UTF-8): `id_number,name,year,unit,face_to_face,online,school_based,"
        "made_up,total,credits,met`, one row per teacher per year on a staff list (hours passed per category, "
        "校本 uncapped; `made_up` the 网络补训 counted toward 面对面培训; `total` after the cap; `met` 是/否), then one "
        f"row per teacher with `year` = `{CYCLE}`: `unit` the teacher's last unit, `total` the sum of the yearly "
        f"totals, `credits` total / 10, `met` 是 when ≥ {CYCLE_HOURS}; the hour columns blank.",
        "",
        "How the hours are drawn (ordinary teachers, each year):",
        "",
        f"- 全员学科研修 {min(SUBJECT_FULL)}-{max(SUBJECT_FULL)} 学时, about {P_SUBJECT_SHORT[0]:.0%} short "
        f"({min(SUBJECT_SHORT)}-{max(SUBJECT_SHORT)}), {P_SUBJECT_MISSING[0]:.0%} on no roster;",
        f"- 校本培训 mostly {min(SB_FULL)}-{max(SB_FULL)}, {P_SB_LOW[0]:.0%} low ({'/'.join(map(str, SB_LOW))}), "
        f"{P_SB_MISSING[0]:.0%} not on the school's sheet;",
        f"- 省网络全员研修 {PROVINCE_PASS} 学时 合格; {P_PROVINCE_FAIL[0]:.1%} 不合格 with fewer hours, "
        f"{P_PROVINCE_MISSING[0]:.1%} not in the export;",
        f"- the 83281 programmes 8-40 学时, {zd.FAIL_RATE:.0%} 不合格 (hours as samples/generate_zhangdian.py);",
        "- 网络补训名单 drawn on the clean rows, as the one-year district: about 15% of the teachers short of "
        "24 are not on it, a quarter of the others have less than their shortfall;",
        f"- about {WEAK_RATE:.0%} of the teachers are weak (far more often short, failed or missing): most "
        "of the full-cycle teachers who miss the 360 are among them.",
        "",
        "The teacher on leave in 2017-18 is counted neither as leaving nor as joining.",
        "",
    ]


def count_lines(d: District, years: list[Year]) -> list[str]:
    lines = ["## 人数 (counts per year)", "",
             "| year | teachers | joined | left | transferred | files | rows rejected | 达标 | 未达标 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for y in years:
        met = sum(1 for v in y.verdicts if not v.missed)
        rejected = sum(1 for m in y.messes if m.kind in REJECTING)
        lines.append(f"| {y.label} | {len(y.gids)} | {len(d.joins[y.k])} | {len(d.leaves[y.k])} | "
                     f"{len(d.transfers[y.k])} | {len(y.files)} | {rejected} | {met} | {len(y.verdicts) - met} |")
    per = cycle_totals(d, years)
    full = {g for g in per if len(per[g]) == len(YEARS)}
    done = {g for g in per if sum(x for _, x in per[g]) >= CYCLE_HOURS}
    lines += ["", f"Over the cycle: {len(per)} teachers, {len(done)} 已完成 (≥ {CYCLE_HOURS}), "
              f"{len(per) - len(done)} 未完成; of the {len(full)} on a staff list all five years, "
              f"{len(full & done)} 已完成 and {len(full - done)} 未完成. A teacher who leaves or joins during the "
              "cycle has only the years on a list (未完成 for most of them).", ""]
    return lines


def transfer_lines(d: District, years: list[Year]) -> list[str]:
    lines = ["## 调动 (every transfer)", "",
             "From that year on the teacher is on the new school's 教师名册 and every roster names the new school.", "",
             "| year | teacher | from | to |", "|---|---|---|---|"]
    for y in years:
        for g, a, b in d.transfers[y.k]:
            t = d.teachers[g]
            note = f" ({t.case})" if t.case else ""
            lines.append(f"| {y.label} | {who(t)}{note} | {d.schools[a][0]} | {d.schools[b][0]} |")
    return lines + [""]


def mess_lines(years: list[Year]) -> list[str]:
    lines = ["## 问题数据 (every deliberate mess)", "",
             "Rows are 1-based spreadsheet rows, title rows included (CSV: line numbers, the header is line 1). "
             "A rejected row awards nothing; the truth file already leaves it out.", "",
             "| year | file | sheet | row | column | written | mess | expected | the teacher's year |",
             "|---|---|---|---|---|---|---|---|---|"]
    for y in years:
        for m in y.messes:
            _, what, outcome = MESS_TEXT[m.kind]
            v = y.verdicts[m.rec.t]
            year = f"{who_local(y, m.rec.t)}: 合计 {clerk(v.total)}, {'达标' if not v.missed else '未达标'}"
            lines.append(f"| {y.label} | {m.file} | {m.sheet} | {m.row} | {m.column} | `{m.written}` | {what} | "
                         f"{outcome} | {year} |")
        for fname, sheet in y.titles:
            lines.append(f"| {y.label} | {fname} | {sheet} | 1 | - | title row | a title row above the header "
                         "(header on row 2) | the title row is not data; nothing rejected | - |")
    return lines + [""]


def who_local(y: Year, t: int) -> str:
    return f"{mask(y.T['name'][t])} (…{y.T['id'][t][-4:]})"


def hand_lines(d: District, years: list[Year]) -> list[str]:
    lines = ["## 手工核对 (hand-checkable teachers)", "",
             "Each year: the rows that count, summed as the rules do (校本 capped at 24), and the verdict.", ""]
    per = cycle_totals(d, years)
    for key, text in CASE_TEXT.items():
        t = d.case(key)
        lines += [f"### {who(t)}: {text}", ""]
        if key in CASE_MOVES:
            lines += ["In the year of each move every row of the teacher names the new school: 教师名册 and "
                      "校本培训 in the new school's workbook, 单位 of 全员学科研修 and the 83281 rosters, 所在单位 "
                      "of the province export. Each year's 单位 in 学分达标 is that year's school; the card "
                      "(`credittool card`) shows one teacher and the moves.", ""]
        for y in years:
            if t.gid not in y.gids:
                lines.append(f"- {y.label}: on no staff list (no record, 0)")
                continue
            lt = y.gids.index(t.gid)
            lines.append(f"- {y.label} ({short(y.schools[y.T['school'][lt]].name)}): {worked(y, lt)}")
        totals = [x for _, x in per[t.gid]]
        total = sum(totals)
        outcome = "已完成" if total >= CYCLE_HOURS else "未完成"
        lines += [f"- cycle {CYCLE}: {' + '.join(clerk(x) for x in totals)} = {clerk(total)} "
                  f"{'≥' if total >= CYCLE_HOURS else '<'} {CYCLE_HOURS}: {outcome}", ""]
    return lines


def write_readme(d: District, years: list[Year]) -> None:
    lines = intro_lines(d, years) + count_lines(d, years) + transfer_lines(d, years) + mess_lines(years)
    lines += hand_lines(d, years)
    (OUT / "README.md").write_text("\n".join(lines), encoding="utf-8")


# --- main ------------------------------------------------------------------------------------

def build() -> tuple[District, list[Year]]:
    rng = np.random.default_rng(SEED)
    d = make_district(rng)
    years = []
    for k in range(len(YEARS)):
        y = year_view(d, k)
        year_records(rng, d, y)
        year_messes(rng, d, y)
        year_files(y)
        year_verdicts(y)
        years.append(y)
    return d, years


def main() -> None:
    start = time.perf_counter()
    d, years = build()
    for y in years:
        write_year(y)
    write_truth(d, years)
    write_readme(d, years)
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {sum(len(y.files) for y in years)} files in {len(years)} years to {OUT.relative_to(ROOT)} "
          f"({size / 1024:.0f} KiB) and {TRUTH.relative_to(ROOT)} ({TRUTH.stat().st_size / 1024:.0f} KiB); "
          f"teachers per year {', '.join(str(len(y.gids)) for y in years)}; {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
