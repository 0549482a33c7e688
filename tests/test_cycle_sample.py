"""The oracle over the five-year sample (samples/cycle-2016-2020, issue 15): its five school
years ingested in order into one workspace with the shipped rules, then every teacher's
学分卡 against samples/cycle-2016-2020.truth.csv, which the generator worked out from what it
wrote by the rules (R12, R15, R17, R18): each year's hours per category, 网络补训 counted, total
and 达标, the unit and its changes between years, and the cycle's hours and outcome.
"""

from __future__ import annotations

import csv
import re
import shutil
import sqlite3
import subprocess
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import RULES
from credittool.commands.cyclereport import make_cycle_report
from credittool.commands.ingest import ingest
from credittool.ledger import record
from credittool.ledger.db import connect

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "cycle-2016-2020"
TRUTH = ROOT / "samples" / "cycle-2016-2020.truth.csv"
YEARS = ("2016-17", "2017-18", "2018-19", "2019-20", "2020-21")


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = tmp_path_factory.mktemp("cycle") / "ws"
    for y in YEARS:
        rep = ingest([SAMPLE / y], rules=[RULES], workspace=workspace, term=f"{y}-s1")
        # the year's two messes meant to be rejected (README.md), and no move taken for a conflict
        assert sorted(p.code for p in rep.rejects if p.code != "E-ID-LEDGER") == sorted(
            p.code for p in rep.rejects) and len({(p.file, p.row) for p in rep.rejects}) == 2, \
            [(p.file, p.row, p.code, p.message) for p in rep.rejects]
    return workspace


@pytest.fixture(scope="module")
def truth() -> tuple[dict[str, dict[str, dict]], dict[str, dict]]:
    years: dict[str, dict[str, dict]] = defaultdict(dict)
    cycle: dict[str, dict] = {}
    with TRUTH.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["year"] == "2016-2020":
                cycle[row["id_number"]] = row
            else:
                years[row["id_number"]][row["year"]] = row
    return years, cycle


@pytest.fixture(scope="module")
def cards(ws: Path, truth) -> dict[str, record.Card]:  # noqa: ANN001
    con = connect(ws / "ledger.sqlite")
    try:
        return {i: record.card(con, record.one_teacher(con, i)) for i in truth[1]}
    finally:
        con.close()


def test_every_year_of_every_card_is_the_truths(cards, truth) -> None:  # noqa: ANN001
    years, _ = truth
    compared = 0
    for ident, c in cards.items():
        got = {y.year: y for y in c.years}
        assert set(got) == set(years[ident]), ident
        for year, t in years[ident].items():
            y = got[year]
            assert (y.unit, y.hours["面对面培训"], y.hours["网络研修"], y.hours["校本研修"], sum(y.made_up.values(), Decimal(0)),
                    y.total, y.credits, "是" if y.met else "否") == (
                t["unit"], Decimal(t["face_to_face"]), Decimal(t["online"]), Decimal(t["school_based"]),
                Decimal(t["made_up"]), Decimal(t["total"]), Decimal(t["credits"]), t["met"]), (ident, year)
            compared += 1
    assert compared == 1832  # 360 + 362 + 366 + 370 + 374 teacher-years


def test_r15_every_cycle_total_and_outcome_is_the_truths(cards, truth) -> None:  # noqa: ANN001
    _, cycle = truth
    for ident, t in cycle.items():
        cy = cards[ident].cycle
        assert (cy.as_of, cy.hours, cy.years_left) == ("2020-21", Decimal(t["total"]), 0), ident
        assert cy.status == ("已完成" if t["met"] == "是" else "未完成"), ident
    assert sum(1 for t in cycle.values() if t["met"] == "是") == 333


def test_r18_moves_are_the_unit_changes_between_years(cards, truth) -> None:  # noqa: ANN001
    years, _ = truth
    moved = 0
    for ident, c in cards.items():
        units = [years[ident][y]["unit"] for y in YEARS if y in years[ident]]
        expected = [(b, a) for a, b in zip(units, units[1:]) if a != b]
        assert [(m.unit, m.moved_from) for m in c.moves] == expected, ident
        moved += len(expected)
    assert moved == 48  # 12 a year from 2017-18
    twice = cards["37030319710304071X"]  # 于琴思 (README): 马尚中学 → 实验中学 → 第七中学
    assert [(m.term, m.unit) for m in twice.moves] == [("2017-18-s1", "张店区实验中学"), ("2019-20-s1", "张店区第七中学")]


def test_r15_the_cycle_report_at_the_end_lists_exactly_those_short(ws: Path, truth) -> None:  # noqa: ANN001
    _, cycle = truth
    r = make_cycle_report(workspace=ws, cycle="2016-2020")
    assert sorted(t.id_number for t in r.at_risk) == sorted(i for i, t in cycle.items() if t["met"] == "否")
    assert (r.total.teachers, r.total.done, r.total.behind) == (418, 333, 85)
    per_unit = defaultdict(lambda: [0, 0])
    for t in cycle.values():
        per_unit[t["unit"]][0] += 1
        per_unit[t["unit"]][1] += t["met"] == "是"
    assert {u.unit: [u.teachers, u.done] for u in r.units} == dict(per_unit)
    needs = [t.state.per_year_needed for t in r.at_risk]
    assert needs == sorted(needs, reverse=True)  # most needed first


def test_hours_are_conserved_the_cards_sum_to_the_ledger(ws: Path, cards) -> None:  # noqa: ANN001
    con = sqlite3.connect(ws / "ledger.sqlite")
    (ledger,) = con.execute("SELECT SUM(e.hours) FROM entries e JOIN files f USING (file_id) WHERE f.active = 1").fetchone()
    (n,) = con.execute("SELECT COUNT(*) FROM entries e JOIN files f USING (file_id) WHERE f.active = 1").fetchone()
    con.close()
    assert sum(len(c.entries) for c in cards.values()) == n  # no entry on two cards, none on none
    assert sum(e.hours for c in cards.values() for e in c.entries) == Decimal(str(ledger))


# --- explain (item 4): the source cell and the rules line of every verdict ----------------------

HAND_CHECKED = ("370303198301220855", "370303197701089898", "370303199708028149", "370303198703108399",
                "370321198809059129", "370303198107116392", "37030319710304071X")  # README.md's teachers
KEY_AT_LINE = {"programme": "id: {}", "minimum": "category: {}", "required": "programme: {}", "total": "total:",
               "cycle": "cycle:"}


def test_explain_names_the_source_cell_and_the_rules_line_of_every_verdict(ws: Path, truth) -> None:  # noqa: ANN001
    from credittool.ledger.explain import explain

    years, cycle = truth
    con = connect(ws / "ledger.sqlite")
    try:
        for ident in HAND_CHECKED:
            e = explain(con, record.one_teacher(con, ident))
            for s in e.steps:
                for i in s.inputs:  # every input: file, sheet, row and its column by letter and header
                    assert re.search(r"「.+」第\d+行 [A-Z]+列「.+」$", i.where), (ident, s.title, i)
                cited = re.findall(r"([^；\s]+\.yaml):(\d+)", s.rule)
                assert cited or s.rule.startswith(("R9", "以上各项")), (ident, s.title, s.rule)
                for path, line in cited:  # the line cited is the rule's own
                    text = Path(path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
                    assert text.strip() and not text.lstrip().startswith("#"), (path, line)
            totals = {s.title.split("学年")[0]: s.arithmetic for s in e.steps if "学年 合计" in s.title}
            for year, t in years[ident].items():  # the arithmetic ends in the verdict's total
                assert re.search(rf"= {t['total']} [<≥]", totals[year]), (ident, year, totals[year])
            assert f"= {cycle[ident]['total']}" in e.steps[-1].arithmetic
    finally:
        con.close()


def test_explain_cites_each_programme_and_standard_at_its_own_line(ws: Path) -> None:
    from credittool.ledger.explain import explain

    con = connect(ws / "ledger.sqlite")
    try:
        e = explain(con, record.one_teacher(con, "370303197701089898"))  # 蒋琴: a make-up year
    finally:
        con.close()
    rules = (ROOT / "rules" / "zhangdian-2018-19-s1.yaml").read_text(encoding="utf-8").splitlines()

    def at(step_title: str) -> str:
        step = next(s for s in e.steps if s.title.startswith(step_title))
        path, line = re.findall(r"([^；\s]+\.yaml):(\d+)", step.rule)[0]
        return rules[int(line) - 1].strip()

    assert at("2016-17-s1 全员学科研修") == "- id: subject-training"
    assert at("2016-17学年 面对面培训") == "- {category: face-to-face, hours: 24, assumed: true}"
    assert at("2016-17学年 省网络全员研修须完成") == "- {programme: province-online}"
    assert at("2016-17学年 合计") == "total: {hours: 72, assumed: true}"
    assert at("2016—2020年继续教育周期") == "cycle:"
    makeup = next(s for s in e.steps if s.title == "2017-18学年 面对面培训 ≥ 24 学时")
    # R12: 全员学科研修 20, short 4; 网络补训 4 counts up to the shortfall
    assert makeup.arithmetic == "全员学科研修 20；差 4，网络补训 4 以差额为限计入 4 → 24 ≥ 24"
    assert rules[int(re.findall(r"\.yaml:(\d+)", makeup.rule)[1]) - 1].strip() == \
        "- {programme: makeup-online, toward: face-to-face}"


def test_golden_explain_and_card_of_the_samples_teachers(tmp_path: Path) -> None:
    from golden_util import CYCLE_GOLDEN, assert_golden, rendered_cycle

    assert_golden(rendered_cycle(tmp_path / "ws"), CYCLE_GOLDEN)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None or shutil.which("pdfinfo") is None, reason="Chromium or pdfinfo is not installed")
def test_chromium_prints_a_units_cards_one_teacher_an_a4_page(ws: Path, tmp_path: Path) -> None:
    from credittool.commands.card import make_cards

    r = make_cards(ws, "张店区第八中学", out=tmp_path)
    pdf = tmp_path / "cards.pdf"
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={tmp_path / 'chromium'}", "--no-pdf-header-footer",
                           f"--print-to-pdf={pdf}", r.html.as_uri()], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and pdf.is_file(), done.stderr[-2000:]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:.*\(A4\)", info), info
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(r.cards) == 97
