"""A teacher's record across years (R11, R15, R18): three school years of the shipped
Zhangdian rules (rules/zhangdian-2016-17-s1.yaml … 2018-19) ingested into one workspace, a
teacher moving school between years, one missing a year, and the 学分卡 of each worked out by
hand: the year's total is 面对面培训 + 网络研修 + min(校本研修, 24) (R17), the cycle 2016-2020
asks 360 over five years, so after three years the pace is 360 × 3/5 = 216 (R15).
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import RULES, check_id, write_xlsx
from credittool.commands.card import make_card, make_cards
from credittool.commands.ingest import ingest
from credittool.errors import UsageError

A = check_id("37030319800101001")  # 张三: 实验中学, then 第二中学 from 2017-18
B = check_id("37030319800101002")  # 李四: 实验中学; nothing in 2017-18
C = check_id("37030319800101003")  # 王五 at 实验中学
D = check_id("37030319800101004")  # 王五 at 第二中学: the same name
STAFF = ["姓名", "身份证号", "人事关系所在单位", "学科"]
YEARS = ("2016-17", "2017-18", "2018-19")


def school(folder: Path, unit: str, staff: list[tuple[str, str]], school_based: dict[str, int]) -> None:
    names = {i: n for n, i in staff}
    write_xlsx(folder / f"{unit}.xlsx", {
        "教师名册": [STAFF, *([n, i, unit, "语文"] for n, i in staff)],
        "校本培训": [["姓名", "身份证号", "学时"], *([names[i], i, h] for i, h in school_based.items())]})


def rosters(folder: Path, rows: list[tuple[str, str, str, int, int]]) -> None:
    """(name, ID, unit, 全员学科研修 hours, 省网络全员研修 hours passed) per teacher."""
    write_xlsx(folder / "全员学科研修.xlsx", {"全员学科研修": [["姓名", "身份证号", "单位", "学时"],
                                                          *([n, i, u, f] for n, i, u, f, _ in rows if f)]})
    with (folder / "省平台导出.csv").open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["姓名", "身份证号", "所在单位", "项目名称", "学时", "考核结果"])
        for n, i, u, _, p in rows:
            w.writerow([n, i, u, "省网络全员研修", p, "合格"])


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("years")
    data = {y: root / y for y in YEARS}
    for d in data.values():
        d.mkdir()
    # 2016-17. 张三: 24 + 30 + 20 = 74 达标. 李四: 24 + 30 + 17 = 71, short of 72 only.
    school(data["2016-17"], "实验中学", [("张三", A), ("李四", B), ("王五", C)], {A: 20, B: 17, C: 24})
    school(data["2016-17"], "第二中学", [("王五", D)], {D: 24})
    rosters(data["2016-17"], [("张三", A, "实验中学", 24, 30), ("李四", B, "实验中学", 24, 30),
                              ("王五", C, "实验中学", 24, 30), ("王五", D, "第二中学", 24, 30)])
    # 2017-18. 张三 moves to 第二中学: 30 + 30 + min(30, 24) = 84. 李四 is on no list.
    school(data["2017-18"], "实验中学", [("王五", C)], {C: 24})
    school(data["2017-18"], "第二中学", [("张三", A), ("王五", D)], {A: 30, D: 24})
    rosters(data["2017-18"], [("张三", A, "第二中学", 30, 30), ("王五", C, "实验中学", 24, 30),
                              ("王五", D, "第二中学", 24, 30)])
    # 2018-19. 张三: 18 + 30 + 24 = 72, but 面对面培训 18 < 24. 李四 back: 26 + 30 + 24 = 80.
    school(data["2018-19"], "实验中学", [("李四", B), ("王五", C)], {B: 24, C: 24})
    school(data["2018-19"], "第二中学", [("张三", A), ("王五", D)], {A: 24, D: 24})
    rosters(data["2018-19"], [("张三", A, "第二中学", 18, 30), ("李四", B, "实验中学", 26, 30),
                              ("王五", C, "实验中学", 24, 30), ("王五", D, "第二中学", 24, 30)])
    workspace = root / "ws"
    for y in YEARS:
        rep = ingest([data[y]], rules=[RULES], workspace=workspace, term=f"{y}-s1")
        # R18: a teacher who moved between years is no ID conflict
        assert not rep.rejects, [(p.file, p.row, p.code, p.message) for p in rep.rejects]
    return workspace


def test_r18_a_move_between_years_keeps_every_entry_and_is_recorded(ws: Path) -> None:
    c = make_card(ws, A).cards[0]
    assert (c.teacher.name, c.teacher.unit) == ("张三", "第二中学")
    assert [(t.term, t.unit, t.moved_from) for t in c.terms] == [
        ("2016-17-s1", "实验中学", None), ("2017-18-s1", "第二中学", "实验中学"), ("2018-19-s1", "第二中学", None)]
    assert [(e.term, e.what, e.hours) for e in c.entries] == [
        ("2016-17-s1", "全员学科研修", 24), ("2016-17-s1", "省网络全员研修", 30), ("2016-17-s1", "校本培训", 20),
        ("2017-18-s1", "全员学科研修", 30), ("2017-18-s1", "省网络全员研修", 30), ("2017-18-s1", "校本培训", 30),
        ("2018-19-s1", "全员学科研修", 18), ("2018-19-s1", "省网络全员研修", 30), ("2018-19-s1", "校本培训", 24)]
    first = c.entries[0]
    assert (first.category, first.file, first.sheet, first.row) == ("面对面培训", "全员学科研修.xlsx", "全员学科研修", 2)


def test_r17_r15_yearly_totals_and_the_cycle_worked_by_hand(ws: Path) -> None:
    c = make_card(ws, A).cards[0]
    # 74, 84 (校本 30 capped at 24), 72 with 面对面培训 18 < 24
    assert [(y.year, y.unit, y.total, y.met) for y in c.years] == [
        ("2016-17", "实验中学", 74, True), ("2017-18", "第二中学", 84, True), ("2018-19", "第二中学", 72, False)]
    assert c.years[1].hours == {"面对面培训": 30, "网络研修": 30, "校本研修": 30}  # as recorded
    assert c.years[2].reasons == "面对面培训 18/24 学时，差 6 学时"
    cy = c.cycle
    # 230 after 3 of 5 years: on the pace of 216; 360 − 230 = 130 over 2 years: 65 a year
    assert (cy.cycle.id, cy.as_of, cy.hours, cy.expected, cy.behind) == ("2016-2020", "2018-19", 230, 216, 0)
    assert (cy.missing, cy.years_left, cy.per_year_needed, cy.status) == (130, 2, 65, "进度正常")


def test_r15_a_year_missing_from_the_ledger_counts_nothing_toward_the_cycle(ws: Path) -> None:
    c = make_card(ws, B).cards[0]
    assert [(y.year, y.total, y.met) for y in c.years] == [("2016-17", 71, False), ("2018-19", 80, True)]
    cy = c.cycle
    assert [(y.year, y.recorded, y.total) for y in cy.years] == [
        ("2016-17", True, 71), ("2017-18", False, 0), ("2018-19", True, 80)]
    assert (cy.hours, cy.behind, cy.status) == (151, 65, "落后")  # 216 − 151


def test_as_of_an_earlier_year_reads_the_ledger_as_it_stood_then(ws: Path) -> None:
    r = make_card(ws, A, year="2016-17")
    assert r.html.name == f"学分卡_张三_{A[-4:]}_截至2016-17-s1.html"  # beside the full card, not over it
    c = r.cards[0]
    assert [t.term for t in c.terms] == ["2016-17-s1"] and c.teacher.unit == "第二中学"
    assert (c.cycle.as_of, c.cycle.hours, c.cycle.expected, c.cycle.status) == ("2016-17", 74, 72, "进度正常")
    assert make_card(ws, A, term="2017-18-s1").cards[0].cycle.hours == 158


def test_a_name_of_several_teachers_lists_them_and_asks_for_the_id(ws: Path) -> None:
    with pytest.raises(UsageError) as e:
        make_card(ws, "王五")
    assert e.value.message == f"姓名「王五」对应 2 位教师：王五（实验中学，身份证号 {C}）；王五（第二中学，身份证号 {D}）"
    assert e.value.hint == "请改用身份证号指定其中一位"
    assert make_card(ws, D.lower()).cards[0].teacher.unit == "第二中学"  # an ID typed with a lower-case x


def test_nobody_by_that_name_or_id_is_a_clear_error(ws: Path) -> None:
    with pytest.raises(UsageError, match="台账中没有身份证号或姓名为「赵六」的教师"):
        make_card(ws, "赵六")


def test_the_card_page_and_workbook(ws: Path, tmp_path: Path) -> None:
    r = make_card(ws, A, out=tmp_path)
    assert (r.html.name, r.xlsx.name) == (f"学分卡_张三_{A[-4:]}.html", f"学分卡_张三_{A[-4:]}.xlsx")
    page = r.html.read_text(encoding="utf-8")
    assert "@page{size:A4" in page and page.count('<section class="card">') == 1
    assert "2017-18-s1 起由「实验中学」调入「第二中学」" in page
    assert "全员学科研修.xlsx「全员学科研修」第2行" in page and A in page
    wb = load_workbook(r.xlsx, read_only=True)
    assert wb.sheetnames == ["学习记录", "学年汇总", "周期"]
    years = list(wb["学年汇总"].iter_rows(values_only=True))
    assert years[0][:9] == ("姓名", "身份证号", "学年", "单位", "面对面培训", "网络研修", "校本研修", "补训计入", "合计学时")
    assert [(r[2], r[3], r[8], r[10]) for r in years[1:]] == [
        ("2016-17学年", "实验中学", 74, "是"), ("2017-18学年", "第二中学", 84, "是"), ("2018-19学年", "第二中学", 72, "否")]
    (head, row) = list(wb["周期"].iter_rows(values_only=True))
    got = dict(zip(head, row))
    assert (got["已获学时"], got["周期要求"], got["应达进度"], got["尚差"], got["每年需"], got["状态"]) == (
        230, 360, 216, 130, 65, "进度正常")
    wb.close()


def test_cards_of_a_unit_one_page_each_by_the_unit_of_the_last_term(ws: Path, tmp_path: Path) -> None:
    r = make_cards(ws, "实验中学", out=tmp_path)
    assert [c.teacher.id_number for c in r.cards] == [B, C]  # 张三 has moved away
    assert r.html.read_text(encoding="utf-8").count('<section class="card">') == 2
    then = make_cards(ws, "实验中学", year="2016-17", out=tmp_path)
    assert [c.teacher.id_number for c in then.cards] == [A, B, C]
    with pytest.raises(UsageError) as e:
        make_cards(ws, "实验", out=tmp_path)
    assert e.value.hint == "是否指：实验中学"


def test_hours_on_the_cards_are_the_ledgers(ws: Path) -> None:
    """Nothing counted twice across years: the cards' entries sum to the ledger's."""
    import sqlite3

    con = sqlite3.connect(ws / "ledger.sqlite")
    (ledger,) = con.execute("SELECT SUM(hours) FROM entries").fetchone()
    con.close()
    cards = sum(e.hours for i in (A, B, C, D) for e in make_card(ws, i).cards[0].entries)
    assert cards == Decimal(str(ledger)) == 24 + 30 + 20 + 24 + 30 + 17 + 24 + 30 + 24 + 24 + 30 + 24 \
        + 30 + 30 + 30 + 24 + 30 + 24 + 24 + 30 + 24 + 18 + 30 + 24 + 26 + 30 + 24 + 24 + 30 + 24 + 24 + 30 + 24


def test_a_name_is_looked_up_as_the_name_cells_are_read(ws: Path) -> None:
    """Held-out round 7: a staff list writes 「欧阳 明华」, read as 欧阳明华; `card "欧阳 明华"`
    found nobody. The query is cleaned as a name cell is: inner spaces (half- or full-width)
    and a mark beside the name (张三*, 张三（女）) go."""
    from credittool.ledger import record
    from credittool.ledger.db import connect

    con = connect(ws / "ledger.sqlite")
    try:
        for typed in ("张三", "张 三", "张\u3000三", " 张三* ", "张三（女）"):
            assert [t.id_number for t in record.find_teachers(con, typed)] == [A], typed
    finally:
        con.close()


def test_explain_of_a_cycle_under_way_says_what_the_shortfall_is_short_of(ws: Path) -> None:
    """R15: 张三 has 230 of 360 after 3 of 5 years; on pace (216), and 130 short of the cycle."""
    from credittool.ledger import record
    from credittool.ledger.db import connect
    from credittool.ledger.explain import explain

    con = connect(ws / "ledger.sqlite")
    try:
        last = explain(con, record.one_teacher(con, A)).steps[-1].arithmetic
    finally:
        con.close()
    assert last.endswith("= 230；应达进度 360 × 3/5 = 216；距周期要求 360 尚差 130，剩 2 年")


def test_card_on_the_command_line(ws: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from credittool.cli import app

    res = CliRunner().invoke(app, ["card", "张三", "-w", str(ws), "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "调动：2017-18-s1 起由「实验中学」调入「第二中学」" in res.output
    assert re.search(r"230/360 学时，应达 216，尚差 130，剩 2 年 —— 进度正常", res.output.replace("\n", ""))
    res = CliRunner().invoke(app, ["card", "王五", "-w", str(ws)])
    assert res.exit_code == 2 and "请改用身份证号指定其中一位" in res.output and "Traceback" not in res.output


def test_r18_within_a_term_one_id_on_two_units_staff_lists_is_a_conflict(tmp_path: Path) -> None:
    """Between terms a changed unit is a move; within one it is refused, naming the row the
    ledger has, also when the second list comes in a later run."""
    for d, unit in (("a", "实验中学"), ("b", "第二中学")):
        (tmp_path / d).mkdir()
        write_xlsx(tmp_path / d / f"{unit}.xlsx", {"教师名册": [STAFF, ["张三", A, unit, "语文"]]})
    ws = tmp_path / "ws"
    assert not ingest([tmp_path / "a"], rules=[RULES], workspace=ws, term="2018-19-s1").rejects
    rep = ingest([tmp_path / "b"], rules=[RULES], workspace=ws, term="2018-19-s1")
    assert [(p.file, p.row, p.code, p.message) for p in rep.rejects] == [
        ("第二中学.xlsx", 2, "E-ID-LEDGER", "该身份证号本学期已在「实验中学」的名册上登记为「张三」（实验中学.xlsx「教师名册」第2行）")]
    assert make_card(ws, A).cards[0].terms[0].unit == "实验中学"
    # the hint names the file to correct first; done so, the transfer goes through
    assert "从「实验中学.xlsx」的名册删去该行、以原文件名「实验中学.xlsx」重新导入，再重新导入本文件" in rep.rejects[0].hint
    write_xlsx(tmp_path / "a" / "实验中学.xlsx", {"教师名册": [STAFF, ["李四", B, "实验中学", "数学"]]})
    ingest([tmp_path / "a"], rules=[RULES], workspace=ws, term="2018-19-s1")
    again = ingest([tmp_path / "b"], rules=[RULES], workspace=ws, term="2018-19-s1")
    assert not again.rejects and [f.status for f in again.files] == ["再次核对"]
    assert make_card(ws, A).cards[0].terms[0].unit == "第二中学"


# --- report --cycle (R15) ----------------------------------------------------------------------


def test_r15_cycle_report_units_and_the_at_risk_list_worked_by_hand(ws: Path) -> None:
    from credittool.commands.cyclereport import make_cycle_report

    r = make_cycle_report(workspace=ws, cycle="2016-2020")
    # 王五 (both): 24 + 30 + 24 = 78 a year, 234 ≥ 216. 张三 230 ≥ 216. 李四 151 < 216.
    # A teacher's unit is their last year's: 张三 answers to 第二中学.
    got = {u.unit: (u.teachers, u.done, u.on_pace, u.behind, u.missing) for u in r.units}
    assert got == {"实验中学": (2, 0, 1, 1, 209 + 126), "第二中学": (2, 0, 2, 0, 130 + 126)}
    assert (r.total.teachers, r.total.behind, r.total.missing) == (4, 1, 209 + 126 + 130 + 126)
    # 李四: 360 − 151 = 209 over 2 years left: 104.5 a year
    assert [(t.name, t.state.missing, t.state.per_year_needed) for t in r.at_risk] == [("李四", 209, Decimal("104.5"))]
    assert r.rules.absent_years == []
    wb = load_workbook(r.path, read_only=True)
    assert wb.sheetnames == ["单位进度", "落后名单"]
    assert load_workbook(r.detail, read_only=True).sheetnames == ["周期明细"]
    rows = [row for row in wb["落后名单"].iter_rows(values_only=True) if row[0] == "实验中学"]
    assert rows == [("实验中学", "李四", B, 151, 0, 0, 151, 216, 65, 209, 2, 104.5, "落后", "2018-19")]
    notes = [row[0] for row in wb["落后名单"].iter_rows(max_row=2, values_only=True)]
    assert notes[1] == "共 1 人。含身份证号，仅供培训部门使用，请勿公开。"  # an internal list, said on it
    wb.close()


def test_r15_the_at_risk_list_says_who_has_no_record_in_the_year_read(ws: Path) -> None:
    """Held-out round 4: a teacher on no list of the year read was in 落后名单 unmarked. As of
    2017-18 the pace is 360 × 2/5 = 144; 李四 (on no list in 2017-18) has 71 of 2016-17 alone:
    behind, the last year with a record of hers 2016-17."""
    from credittool.commands.cyclereport import make_cycle_report

    r = make_cycle_report(workspace=ws, cycle="2016-2020", year="2017-18")
    assert [(t.name, t.state.hours, t.last_year) for t in r.at_risk] == [("李四", 71, "2016-17")]
    wb = load_workbook(r.path, read_only=True)
    (row,) = [row for row in wb["落后名单"].iter_rows(values_only=True) if row[0] == "实验中学"]
    assert row[-1] == "2016-17" and "最后有记录学年早于 2017-18 的" in next(wb["落后名单"].iter_rows(values_only=True))[0]
    wb.close()


def test_r15_cycle_report_as_of_a_year_and_an_unknown_cycle(ws: Path) -> None:
    from credittool.commands.cyclereport import make_cycle_report

    latest = make_cycle_report(workspace=ws, cycle="2016-2020")
    before = latest.path.read_bytes()
    r = make_cycle_report(workspace=ws, cycle="2016-2020", year="2016-17")  # pace 72: 李四's 71 is behind
    assert ([t.name for t in r.at_risk], r.total.on_pace) == (["李四"], 3)
    # as of a year asked for: files of their own, the latest report left as it was
    assert (r.path.name, r.detail.name) == ("report_截至2016-17.xlsx", "detail_截至2016-17.xlsx")
    assert r.path.parent == latest.path.parent and latest.path.read_bytes() == before
    assert make_cycle_report(workspace=ws, cycle="2016-2020", as_of="2016-17-s1").path == r.path
    with pytest.raises(UsageError) as e:
        make_cycle_report(workspace=ws, cycle="2021-2025")
    assert (e.value.message, e.value.hint) == ("台账中没有周期 2021-2025 的学年", "台账中的周期：2016-2020")
    for year, said in (("abc", "--year abc 不是学年"), ("2025-26", "2025-26 学年不在周期 2016-2020（2016-17 至 2020-21 学年）内"),
                       ("2015-16", "2015-16 学年不在周期 2016-2020（2016-17 至 2020-21 学年）内")):
        with pytest.raises(UsageError) as e:  # never the whole cycle's report in silence
            make_cycle_report(workspace=ws, cycle="2016-2020", year=year)
        assert e.value.message == said


def test_r15_a_cycle_year_the_ledger_lacks_counts_zero_for_everyone_and_says_so(tmp_path: Path) -> None:
    from credittool.commands.cyclereport import make_cycle_report

    d = tmp_path / "in"
    d.mkdir()
    school(d, "实验中学", [("张三", A)], {A: 24})
    rosters(d, [("张三", A, "实验中学", 24, 30)])
    ingest([d], rules=[RULES], workspace=tmp_path / "ws", term="2017-18-s1")
    r = make_cycle_report(workspace=tmp_path / "ws", cycle="2016-2020")
    assert (r.rules.absent_years, r.at_risk[0].state.hours, r.at_risk[0].state.expected) == (["2016-17"], 78, 144)


def test_r9_r10_a_course_terms_card_the_huadian_sample(tmp_path: Path) -> None:
    """包强丰 (samples/county-2009-h1.truth.csv, row 30 of each sheet of 桦甸市第二中学.xlsx):
    absent from 师德报告会; 《职业道德规范》 0.7 × 83 + 0.3 × 75 = 80.6 (R2), 15 学时 (R10);
    《教学技能》 0.7 × 50 + 0.3 × 76 = 57.8 < 60: not stamped (R9), with both reasons."""
    ws = tmp_path / "ws"
    ingest([RULES.parent / "samples" / "county-2009-h1"], rules=[RULES], workspace=ws, term="2009-h1")
    c = make_card(ws, "220202196108102351", out=tmp_path).cards[0]
    assert [(e.what[:6], e.category, e.hours, e.result, e.row) for e in c.entries] == [
        ("桦甸市教师队", "文本", 0, "不合格", 30), ("《中小学教师", "文本", 15, "80.6 合格", 30), ("《教师的教学", "文本", 0, "57.8 不合格", 30)]
    (t,) = c.terms
    assert (t.term, t.unit, t.year, t.stamp[0]) == ("2009-h1", "桦甸市第二中学", None, False)
    assert "《教师的教学技能》（综合成绩 57.8 低于 60）" in t.stamp[1] and "未参加" in t.stamp[1]
    assert (c.years, c.cycle) == ((), None)  # a course term: no year's standards, no cycle declared


def test_r2_r9_explain_a_course_terms_results_with_the_arithmetic(tmp_path: Path) -> None:
    """包强丰 again: each composite as the weights on the row's values (R2: 0.7 exam + 0.3 blog),
    each value at its cell, each course at its rules line, and the stamp refused by R9."""
    from credittool.commands.card import make_explain

    ws = tmp_path / "ws"
    ingest([RULES.parent / "samples" / "county-2009-h1"], rules=[RULES], workspace=ws, term="2009-h1")
    e = make_explain(ws, "220202196108102351")
    meeting, reader, skills, stamp = e.steps
    assert reader.arithmetic == "0.7 × 83 + 0.3 × 75 = 80.6 ≥ 60 → 合格"
    assert skills.arithmetic == "0.7 × 50 + 0.3 × 76 = 57.8 < 60 → 不合格"
    assert [(i.what, i.value) for i in skills.inputs] == [("考试成绩", "50"), ("博文成绩", "76"), ("博文篇数", "11")]
    assert skills.inputs[0].where.startswith("桦甸市第二中学.xlsx「《教师的教学技能》」第30行 ")
    assert meeting.arithmetic == "出勤即合格：出勤「否」→ 不合格"
    path, line = skills.rule.split("；")[0].rsplit(":", 1)
    assert Path(path).read_text(encoding="utf-8").splitlines()[int(line) - 1].strip() == "- id: teaching-skills"
    assert (stamp.outcome, stamp.rule[:2]) == ("不验印", "R9")


def test_r19_loans_and_carries_declared_in_the_rules_through_ingest_to_the_card(tmp_path: Path) -> None:
    """The shipped Zhangdian files with borrowing (12) and carry-forward (20) declared in the
    2018-19 file, which the other years take as their base. 张三: 2016-17 24 + 30 + 8 = 62,
    short of 72 only: lent 10 (视为达标). 2017-18 24 + 30 + min(26, 24) = 78: its surplus 6
    repays 6, 4 still owed. 2018-19 40 + 30 + 24 = 94: its surplus 22 repays 4 and carries
    min(22 − 4, 20) = 18."""
    import shutil

    from credittool.score.cycle import LENT

    rules = tmp_path / "rules"
    rules.mkdir()
    for f in RULES.glob("zhangdian-*.yaml"):
        shutil.copy(f, rules / f.name)
    z = rules / "zhangdian-2018-19-s1.yaml"
    z.write_text(z.read_text(encoding="utf-8").replace(
        "  hours: 360\n", "  hours: 360\n  borrowing: {hours: 12}\n  carry_forward: {hours: 20}\n"), encoding="utf-8")
    ws = tmp_path / "ws"
    for year, (f2f, sb) in {"2016-17": (24, 8), "2017-18": (24, 26), "2018-19": (40, 24)}.items():
        d = tmp_path / year
        d.mkdir()
        school(d, "实验中学", [("张三", A)], {A: sb})
        rosters(d, [("张三", A, "实验中学", f2f, 30)])
        assert not ingest([d], rules=[rules], workspace=ws, term=f"{year}-s1").rejects
    c = make_card(ws, A).cards[0]
    assert [(y.year, y.total, y.met) for y in c.years] == [("2016-17", 62, False), ("2017-18", 78, True),
                                                           ("2018-19", 94, True)]  # each year judged alone
    cy = c.cycle
    assert [(y.how, y.borrowed, y.repaid, y.owed, y.carried_out) for y in cy.years] == [
        (LENT, 10, 0, 10, 0), ("", 0, 6, 4, 0), ("", 0, 4, 0, 18)]
    assert (cy.earned, cy.unpaid, cy.hours) == (234, 0, 234)
    from typer.testing import CliRunner

    from credittool.cli import app

    out = CliRunner().invoke(app, ["card", A, "-w", str(ws), "-o", str(tmp_path)]).output
    assert "2016-17：借贷 10，尚欠 10（经学分借贷，视为达标）" in out and "2018-19：还贷 4，结转出 18" in out


teacher_year = st.tuples(st.sampled_from((None, "实验中学", "第二中学")), st.integers(0, 60), st.integers(0, 40))


@settings(max_examples=10, deadline=None)
@given(st.lists(st.lists(teacher_year, min_size=2, max_size=2), min_size=3, max_size=3))
def test_hours_are_conserved_and_counted_once_across_years_and_moves(plan: list[list[tuple]]) -> None:
    """Three teachers over two years, each year at one of two schools or on no list, with
    random hours: the cards' entries sum to the ledger's and to what was sent, each year's
    total is 面对面 + 30 + min(校本, 24) (R17), and the cycle sums the years once (R15)."""
    import sqlite3
    import tempfile

    people = (("张三", A), ("李四", B), ("王五", C))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sent = Decimal(0)
        for k, year in enumerate(("2016-17", "2017-18")):
            d = root / year
            d.mkdir()
            here = [(n, i, *plan[j][k]) for j, (n, i) in enumerate(people) if plan[j][k][0] is not None]
            for unit in ("实验中学", "第二中学"):
                staff = [(n, i) for n, i, u, _, _ in here if u == unit]
                if staff:
                    school(d, unit, staff, {i: sb for n, i, u, _, sb in here if u == unit and sb})
            if here:
                rosters(d, [(n, i, u, f2f, 30) for n, i, u, f2f, _ in here])
                ingest([d], rules=[RULES], workspace=root / "ws", term=f"{year}-s1")
            sent += sum(Decimal(f2f + 30 + sb) for _, _, _, f2f, sb in here)
        if not (root / "ws").exists():
            return
        con = sqlite3.connect(root / "ws" / "ledger.sqlite")
        (ledger,) = con.execute("SELECT COALESCE(SUM(hours), 0) FROM entries").fetchone()
        con.close()
        cards = []
        for j, (_, ident) in enumerate(people):
            if all(plan[j][k][0] is None for k in range(2)):
                continue
            c = make_card(root / "ws", ident, out=root / "cards").cards[0]
            cards.append(c)
            want = {y: f2f + 30 + min(sb, 24) for y, (u, f2f, sb) in zip(("2016-17", "2017-18"), plan[j]) if u}
            assert {y.year: y.total for y in c.years} == want
            assert c.cycle.earned == sum(want.values())
            (first, _, _), (then, _, _) = plan[j]
            moved = first is not None and then is not None and first != then
            assert [m.unit for m in c.moves] == ([then] if moved else [])  # R18: a move, never two people
        assert sum(e.hours for c in cards for e in c.entries) == Decimal(str(ledger)) == sent


def test_a_second_term_of_a_year_as_the_hint_says_and_the_year_summed_over_both(tmp_path: Path) -> None:
    """2016-17-s2 is not shipped: the error says how to write its file; written so, the
    year's verdict sums both terms (R17: 张三 24 face-to-face in s1, 20 + 30 + 24 in s2 → 98)."""
    import shutil

    ws = tmp_path / "ws"
    (tmp_path / "s1").mkdir()
    school(tmp_path / "s1", "实验中学", [("张三", A)], {})
    rosters(tmp_path / "s1", [("张三", A, "实验中学", 24, 0)])
    with pytest.raises(UsageError) as e:
        ingest([tmp_path / "s1"], rules=[RULES], workspace=ws, term="2016-17-s2")
    assert e.value.hint.endswith("写两行：base: zhangdian-2018-19-s1.yaml 与 term: {id: 2016-17-s2, name: …, year: 2016-17}")
    rules = tmp_path / "rules"
    rules.mkdir()
    for f in RULES.glob("zhangdian-*.yaml"):
        shutil.copy(f, rules / f.name)
    (rules / "zhangdian-2016-17-s2.yaml").write_text(
        "base: zhangdian-2018-19-s1.yaml\nterm: {id: 2016-17-s2, name: 2016-2017学年第二学期, year: 2016-17}\n",
        encoding="utf-8")
    (tmp_path / "s2").mkdir()
    school(tmp_path / "s2", "实验中学", [("张三", A)], {A: 24})
    rosters(tmp_path / "s2", [("张三", A, "实验中学", 20, 30)])
    ingest([tmp_path / "s1"], rules=[rules], workspace=ws, term="2016-17-s1")
    ingest([tmp_path / "s2"], rules=[rules], workspace=ws, term="2016-17-s2")
    c = make_card(ws, A, out=tmp_path).cards[0]
    assert [t.term for t in c.terms] == ["2016-17-s1", "2016-17-s2"]
    assert [(y.year, y.hours["面对面培训"], y.total, y.met) for y in c.years] == [("2016-17", 44, 98, True)]


def test_r15_cycle_report_hours_missing_per_category_where_the_cycle_sets_minimums(ws: Path, tmp_path: Path) -> None:
    """The three years above, as if the cycle asked 面对面培训 ≥ 100 over five years: 张三 has
    24 + 30 + 18 = 72 (28 short), 李四 24 + 26 = 50 (50 short), each 王五 24 × 3 = 72 (28 short).
    The rules are read from the ledger, so the minimum goes in the ledger's copy of them."""
    import json
    import shutil
    import sqlite3

    from credittool.commands.cyclereport import make_cycle_report

    copy = tmp_path / "ws"
    shutil.copytree(ws, copy)
    con = sqlite3.connect(copy / "ledger.sqlite")
    (key, text), = con.execute("SELECT key, value FROM meta WHERE key = 'programmes:2018-19-s1'").fetchall()
    ps = json.loads(text)
    ps["cycle"]["minimums"] = [{"category": "face-to-face", "hours": 100}]
    con.execute("UPDATE meta SET value = ? WHERE key = ?", (json.dumps(ps, ensure_ascii=False), key))
    con.commit()
    con.close()
    r = make_cycle_report(workspace=copy, cycle="2016-2020")
    assert {u.unit: u.category_missing for u in r.units} == {"实验中学": {"face-to-face": 50 + 28},
                                                            "第二中学": {"face-to-face": 28 + 28}}
    head = next(load_workbook(r.path, read_only=True)["单位进度"].iter_rows(min_row=2, max_row=2, values_only=True))
    assert head[-1] == "面对面培训尚差"


def test_a_card_file_is_named_safely_whatever_the_name_and_unit_say(tmp_path: Path) -> None:
    """A name or unit written with / or .. makes no path: the files stay in the cards' folder."""
    f = write_xlsx(tmp_path / "铁山小学分校.xlsx", {"教师名册": [STAFF, ["王/../../逃逸", A, "铁山小学/分校", "语文"]]})
    ingest([f], rules=[RULES], workspace=tmp_path / "ws", term="2018-19-s1")
    one = make_card(tmp_path / "ws", A)
    assert one.html.parent == tmp_path / "ws" / "out" / "学分卡" and one.html.name == "学分卡_王_.._.._逃逸_0012.html"
    unit = make_cards(tmp_path / "ws", "铁山小学/分校")
    assert unit.xlsx.parent == one.html.parent and unit.xlsx.name == "学分卡_铁山小学_分校.xlsx"
    assert sorted(p.name for p in tmp_path.rglob("*.html")) == ["学分卡_王_.._.._逃逸_0012.html", "学分卡_铁山小学_分校.html"]


def test_a_card_asked_into_a_file_or_an_unwritable_place_is_told_not_a_traceback(ws: Path, tmp_path: Path) -> None:
    from credittool.errors import CannotWrite

    (tmp_path / "afile").write_text("x")
    with pytest.raises(UsageError) as e:
        make_card(ws, A, out=tmp_path / "afile")
    assert e.value.message.endswith("是一个文件，不是文件夹")
    with pytest.raises(CannotWrite) as w:
        make_card(ws, A, out=tmp_path / "afile" / "sub")
    assert w.value.message.endswith("路径中有一段是文件，不是文件夹")


def test_report_cycle_on_the_command_line_takes_no_term(ws: Path) -> None:
    from typer.testing import CliRunner

    from credittool.cli import app

    res = CliRunner().invoke(app, ["report", "--cycle", "2016-2020", "-w", str(ws)])
    assert res.exit_code == 0 and "落后名单与周期明细含身份证号" in res.output.replace("\n", ""), res.output
    res = CliRunner().invoke(app, ["report", "--cycle", "2016-2020", "--term", "2018-19-s1", "-w", str(ws)])
    assert res.exit_code == 2 and "--term 不与 --cycle 一起用" in res.output and "--as-of 2018-19-s1" in res.output
