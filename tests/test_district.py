"""The shipped sample district's year (samples/district-2018-19), end to end: golden outputs,
and an independent oracle over every row the generator wrote.

The oracle works each teacher's year out from the generator's truth file with DOMAIN R12,
R13, R15 and R17 written out plainly here (not through credittool.score.standards), and
R14's weights from the truth file's own column, so that a mistake in the pipeline and one
in the rules code cannot hide each other.
"""

from __future__ import annotations

import csv
import gzip
import json
import sqlite3
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from golden_util import DISTRICT_GOLDEN, DISTRICT_TRUTH, assert_golden, rendered_district

REJECTED = {"id-numeric": "E-ID-NUMERIC", "id-bad-check": "E-ID-CHECKSUM", "hours-too-many": "E-HOURS-MAX",
            "result-blank": "E-VALUE-BLANK", "programme-unknown": "E-COURSE-UNKNOWN",
            "dup-conflict": "E-DUP-CONFLICT", "project-title-blank": "E-PROJECT-BLANK"}
SKIPPED = {"dup-exact", "totals-row", "blank-row"}
ATTENDANCE = {"subject-training", "makeup-online", "school-based"}  # R13: some attendance-based
FACE_TO_FACE = {"subject-training", "new-teacher", "head-teacher", "backbone", "research-backbone", "group-leader",
                "middle-manager", "principal", "seed-teacher"}
ONLINE = {"province-online", "makeup-online"}
MIN_F2F, TOTAL, SCHOOL_CAP = Decimal(24), Decimal(72), Decimal(24)  # R17


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    ws = tmp_path_factory.mktemp("district") / "ws"
    return rendered_district(ws), ws / "ledger.sqlite"


@pytest.fixture(scope="module")
def truth() -> list[dict]:
    with gzip.open(DISTRICT_TRUTH, "rt", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_outputs_match_golden(run: tuple[dict[str, str], Path]) -> None:
    assert_golden(run[0], DISTRICT_GOLDEN)


def _ledger(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _passed(t: dict) -> bool:
    """R13: a result word of passing, or no result where the programme is attendance-based."""
    return t["result"] == "passed" or (t["result"] == "blank" and t["programme"] in ATTENDANCE)


def test_every_sample_row_is_where_the_rules_put_it(run: tuple[dict[str, str], Path], truth: list[dict]) -> None:
    _, db = run
    entries = {(f, s, r): (c, p, h) for f, s, r, c, p, h in _ledger(
        db, "SELECT f.name, e.sheet, e.row, e.course_id, e.passed, e.hours FROM entries e JOIN files f USING(file_id)")}
    staff = {(f, s, r): i for f, s, r, i in _ledger(
        db, "SELECT f.name, s.sheet, s.row, s.id_number FROM staff s JOIN files f USING(file_id)")}
    projects = {(f, s, r): (u, t) for f, s, r, u, t in _ledger(
        db, "SELECT f.name, p.sheet, p.row, p.unit, p.title FROM research p JOIN files f USING(file_id)")}
    rejects = defaultdict(set)
    for f, s, r, code in _ledger(db, "SELECT f.name, r.sheet, r.row, r.code FROM rejects r JOIN files f USING(file_id)"):
        rejects[(f, s, r)].add(code)
    skipped = {(f, s, r) for f, s, r in _ledger(
        db, "SELECT f.name, s.sheet, s.row FROM skipped s JOIN files f USING(file_id)")}
    kept = {"roster": 0, "staff": 0, "project": 0}
    for t in truth:
        key, mess = (t["file"], t["sheet"], int(t["row"])), t["messes"]
        if mess in REJECTED:
            assert REJECTED[mess] in rejects.get(key, set()), (key, mess, rejects.get(key))
        elif mess in SKIPPED:
            assert key in skipped, (key, mess)
        elif t["kind"] == "staff":
            assert staff.get(key) == t["id"], key
        elif t["kind"] == "project":
            assert projects.get(key) == (t["unit"], t["name"]), key
        else:  # a roster row: its hours when passed (R13), else none
            want = (t["programme"], int(_passed(t)), float(t["hours"]) if _passed(t) else 0.0)
            assert entries.get(key) == want, (key, t, entries.get(key), rejects.get(key))
        if mess not in REJECTED and mess not in SKIPPED:
            kept[t["kind"]] += 1
    # and nothing else was accepted: the ledger holds exactly the rows checked above
    assert (len(entries), len(staff), len(projects)) == (kept["roster"], kept["staff"], kept["project"])
    assert kept["staff"] == 5263  # R16: the plan's figure


def _expected_year(truth: list[dict]) -> dict[str, tuple[str, Decimal, Decimal, bool]]:
    """ID → (unit, make-up counted, total, met) from the rows that count, by R12, R15, R17."""
    hours: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    province: set[str] = set()
    unit = {}
    for t in truth:
        if t["kind"] == "staff":
            unit[t["id"]] = t["unit"]
        if t["kind"] != "roster" or t["messes"] in REJECTED or t["messes"] in SKIPPED or not _passed(t):
            continue
        hours[t["id"]][t["programme"]] += Decimal(t["hours"])
        province |= {t["id"]} if t["programme"] == "province-online" else set()
    out = {}
    for ident in unit:
        h = hours[ident]
        f2f = sum((v for p, v in h.items() if p in FACE_TO_FACE), Decimal(0))
        made_up = min(h["makeup-online"], max(MIN_F2F - f2f, Decimal(0)))  # R12: up to the shortfall
        online = sum((v for p, v in h.items() if p in ONLINE), Decimal(0))
        total = f2f + online + min(h["school-based"], SCHOOL_CAP)  # R17: 校本研修 at most 24 toward the total
        met = f2f + made_up >= MIN_F2F and ident in province and total >= TOTAL  # R15: 72 a year
        out[ident] = (unit[ident], made_up, total, met)
    return out


def test_every_teachers_year_is_as_the_rules_say(run: tuple[dict[str, str], Path], truth: list[dict]) -> None:
    _, db = run
    got = {i: (u, Decimal(json.loads(m).get("makeup-online", "0")), Decimal(t), bool(met))
           for i, u, m, t, met in _ledger(db, "SELECT id_number, unit, made_up, total, met FROM verdicts"
                                              " WHERE year = '2018-19'")}
    want = _expected_year(truth)
    assert len(got) == len(want) == 5263
    wrong = [(i, want[i], got.get(i)) for i in want if got.get(i) != want[i]]
    assert not wrong, wrong[:5]
    met = sum(1 for v in want.values() if v[3])
    assert 0 < met < len(want)  # the sample has both


def test_each_units_standing_and_research_weight(run: tuple[dict[str, str], Path], truth: list[dict]) -> None:
    """单位达标: each unit's 教师数 and 达标人数 from the oracle's verdicts; its 课题权重分 the best of
    its accepted projects' weights (R14), 0 without any."""
    got, _ = run
    rows = list(csv.reader(got["report-单位达标.csv"].splitlines()))
    head = next(r for r in rows if r and r[0] == "单位")
    table = {r[0]: dict(zip(head, r)) for r in rows[rows.index(head) + 1:] if r and r[0] != "合计"}
    year = _expected_year(truth)
    weight: dict[str, Decimal] = defaultdict(Decimal)
    for t in truth:
        if t["kind"] == "project" and t["messes"] not in REJECTED and t["messes"] not in SKIPPED:
            weight[t["unit"]] = max(weight[t["unit"]], Decimal(t["hours"]))
    for unit in {u for u, *_ in year.values()}:
        mine = [v for v in year.values() if v[0] == unit]
        row = table[unit]
        assert (int(row["教师数"]), int(row["达标人数"])) == (len(mine), sum(1 for v in mine if v[3])), unit
        assert Decimal(row["课题权重分"]) == weight[unit], (unit, row["课题依据"])
    assert any(w == 1 for w in weight.values()) and any(w == Decimal("0.5") for w in weight.values())
