"""Closing a year and late corrections (issue 15, item 7), worked by hand with the shipped
Zhangdian rules: a year's total is 面对面培训 + 网络研修 + min(校本, 24), 达标 when 面对面培训 ≥ 24,
省网络全员研修 is passed and the total ≥ 72 (R12, R17).

张三 in 2017-18: 全员学科研修 18 + 省网络全员研修 30 + 校本 24 = 72, but 面对面培训 18 < 24: 未达标.
李四 in 2017-18: 24 + 30 + 24 = 78: 达标. The year is closed; then 张三's 班主任培训 of 2017-18
(6 学时) turns up late: it is recorded in 2018-19, where 张三 has 20 + 30 + 24 = 74 with 面对面培训
20 < 24, which the 6 make 26: 达标, total 80.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import RULES, check_id, write_xlsx
from credittool.cli import app
from credittool.commands.card import make_card, make_explain
from credittool.commands.certificates import issue
from credittool.commands.closeyear import adjust, close
from credittool.commands.cyclereport import make_cycle_report
from credittool.commands.ingest import ingest
from credittool.errors import UsageError

A = check_id("37030319800101001")  # 张三
B = check_id("37030319800101002")  # 李四


def year_files(folder: Path, f2f: dict[str, int]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    people = (("张三", A), ("李四", B))
    write_xlsx(folder / "实验中学.xlsx", {
        "教师名册": [["姓名", "身份证号", "人事关系所在单位"], *([n, i, "实验中学"] for n, i in people)],
        "校本培训": [["姓名", "身份证号", "学时"], *([n, i, 24] for n, i in people)]})
    write_xlsx(folder / "全员学科研修.xlsx", {"全员学科研修": [["姓名", "身份证号", "单位", "学时"],
                                                          *([n, i, "实验中学", f2f[i]] for n, i in people)]})
    with (folder / "省平台导出.csv").open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["姓名", "身份证号", "项目名称", "学时", "考核结果"])
        for n, i in people:
            w.writerow([n, i, "省网络全员研修", 30, "合格"])
    return folder


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    w = tmp_path / "ws"
    ingest([year_files(tmp_path / "2017-18", {A: 18, B: 24})], rules=[RULES], workspace=w, term="2017-18-s1")
    ingest([year_files(tmp_path / "2018-19", {A: 20, B: 24})], rules=[RULES], workspace=w, term="2018-19-s1")
    return w


def verdict(ws: Path, year: str, ident: str) -> tuple:
    con = sqlite3.connect(ws / "ledger.sqlite")
    try:
        return con.execute("SELECT total, met, reasons FROM verdicts WHERE year = ? AND id_number = ?",
                           (year, ident)).fetchone()
    finally:
        con.close()


def test_closing_a_year_freezes_it_and_refuses_ingest(ws: Path, tmp_path: Path) -> None:
    r = close(workspace=ws, year="2017-18", reason="2017-18 学年学分登记完毕")
    assert (r.certificates.issued, r.valid) == (1, 1)  # 李四's certificate, issued as the year closes
    before = verdict(ws, "2017-18", A)
    with pytest.raises(UsageError) as e:  # a corrected file for the closed year
        ingest([year_files(tmp_path / "fix", {A: 24, B: 24})], rules=[RULES], workspace=ws, term="2017-18-s1")
    assert e.value.message.startswith("2017-18 学年已于 ") and "结账" in e.value.message
    assert "credittool adjust" in e.value.hint and "--for-year 2017-18" in e.value.hint and "记入 2018-19 学年" in e.value.hint
    assert verdict(ws, "2017-18", A) == before == ("72", 0, "面对面培训 18/24 学时，差 6 学时")
    with pytest.raises(UsageError, match="已于 .* 结账"):
        close(workspace=ws, year="2017-18")


def test_a_late_correction_counts_in_the_next_open_year_with_its_reason(ws: Path) -> None:
    close(workspace=ws, year="2017-18")
    assert verdict(ws, "2018-19", A) == ("74", 0, "面对面培训 20/24 学时，差 4 学时")
    a = adjust(workspace=ws, who=A, year="2018-19", category="面对面培训", hours="6",
               reason="2017-18 班主任培训名单迟报", for_year="2017-18").adjustment
    assert (a.adj_id, a.category, a.hours) == (1, "face-to-face", 6)
    assert verdict(ws, "2018-19", A) == ("80", 1, "")  # 20 + 6 = 26 ≥ 24; 26 + 30 + 24 = 80
    assert verdict(ws, "2017-18", A) == ("72", 0, "面对面培训 18/24 学时，差 6 学时")  # never rewritten
    c = make_card(ws, A).cards[0]
    adj = [e for e in c.entries if e.result == "调整"]
    assert [(e.term, e.what, e.category, e.hours) for e in adj] == [
        ("2018-19-s1", "调整：2017-18 班主任培训名单迟报（更正 2017-18 学年）", "面对面培训", 6)]
    assert adj[0].source.startswith("credittool adjust 第1号（")
    # the cycle counts it once: 72 + 80
    assert make_cycle_report(workspace=ws, cycle="2016-2020").at_risk[0].state.hours == 152
    steps = {s.title.split("（")[0]: s for s in make_explain(ws, A).steps}
    assert steps["2018-19学年 调整第1号"].arithmetic == "面对面培训 +6 学时：2017-18 班主任培训名单迟报"
    assert steps["2018-19学年 面对面培训 ≥ 24 学时"].arithmetic == "全员学科研修 20 + 调整第1号 6 = 26 ≥ 24"


def test_an_adjustment_into_a_closed_year_or_without_a_reason_is_refused(ws: Path) -> None:
    close(workspace=ws, year="2017-18")
    with pytest.raises(UsageError, match="2017-18 学年已于"):
        adjust(workspace=ws, who=A, year="2017-18", category="面对面培训", hours="6", reason="x")
    with pytest.raises(UsageError, match="调整必须写明原因"):
        adjust(workspace=ws, who=A, year="2018-19", category="面对面培训", hours="6", reason=" ")
    with pytest.raises(UsageError, match="没有类别「面授」"):
        adjust(workspace=ws, who=A, year="2018-19", category="面授", hours="6", reason="x")
    with pytest.raises(UsageError, match="不是有效的学时"):
        adjust(workspace=ws, who=A, year="2018-19", category="面对面培训", hours="六", reason="x")


def test_an_adjustment_that_would_not_be_a_correction_is_refused(ws: Path) -> None:
    """张三 has 20 学时 of 面对面培训 in 2018-19: no more can be taken off; the same
    correction twice is one correction; --for-year names an earlier school year."""
    with pytest.raises(UsageError) as e:
        adjust(workspace=ws, who=A, year="2018-19", category="面对面培训", hours="-500", reason="x")
    assert e.value.message == "扣减 500 学时超过了该教师 2018-19 学年「面对面培训」现有的 20 学时"
    adjust(workspace=ws, who=A, year="2018-19", category="面对面培训", hours="-20", reason="重复登记")
    with pytest.raises(UsageError, match="已有一模一样的调整：第1号"):
        adjust(workspace=ws, who=A, year="2018-19", category="面对面培训", hours="-20", reason="重复登记")
    for bad, said in (("2018-19", "不早于"), ("2030-31", "不早于"), ("2017-19", "不是学年"), ("2017", "不是学年")):
        with pytest.raises(UsageError, match=said):
            adjust(workspace=ws, who=A, year="2018-19", category="面对面培训", hours="6", reason="迟报", for_year=bad)
    assert verdict(ws, "2018-19", A) == ("54", 0, "面对面培训 0/24 学时，差 24 学时；合计 54/72 学时")


def test_a_closed_years_certificates_stay_and_a_later_years_follow_the_correction(ws: Path) -> None:
    issue(workspace=ws)
    con = sqlite3.connect(ws / "ledger.sqlite")
    first = con.execute("SELECT number, id_number FROM certificates ORDER BY number").fetchall()
    con.close()
    assert first == [("2017-18-000001", B), ("2018-19-000001", B)]
    close(workspace=ws, year="2017-18")
    adjust(workspace=ws, who=A, year="2018-19", category="面对面培训", hours="6", reason="迟报", for_year="2017-18")
    con = sqlite3.connect(ws / "ledger.sqlite")
    now = con.execute("SELECT number, id_number, revoked_at IS NULL FROM certificates ORDER BY number").fetchall()
    con.close()
    assert now == [("2017-18-000001", B, 1), ("2018-19-000001", B, 1), ("2018-19-000002", A, 1)]
    # the office's list and the public page followed: 张三's new certificate is on both
    page = (ws / "out" / "publish" / "证书核验.html").read_text(encoding="utf-8")
    listing = [r[0].value for r in load_workbook(ws / "out" / "certificates.xlsx").active.iter_rows(min_row=3)]
    assert "2018-19-000002" in listing and len([n for n in listing if n]) == 3 and "共收录证书 3 份" in page


def test_close_and_adjust_on_the_command_line(ws: Path) -> None:
    res = CliRunner().invoke(app, ["close", "--year", "2017-18", "-w", str(ws)])
    assert res.exit_code == 0 and "2017-18 学年已结账" in res.output, res.output
    res = CliRunner().invoke(app, ["adjust", "张三", "--year", "2018-19", "--category", "面对面培训", "--hours", "6",
                                   "--reason", "迟报", "--for-year", "2017-18", "-w", str(ws)])
    assert res.exit_code == 0 and "已记入调整第 1 号：张三（实验中学）2018-19 学年 面对面培训 +6 学时（更正 2017-18 学年）" in res.output
    res = CliRunner().invoke(app, ["card", "张三", "--as-of", "2017-18-s1", "-w", str(ws)])
    assert res.exit_code == 0 and "调整" not in res.output  # as of the closed year: before the correction


def test_an_ingest_that_changes_issued_certificates_rewrites_the_published_list_and_page(ws: Path, tmp_path: Path) -> None:
    """2018-19's certificates are issued (李四's); 张三's corrected 全员学科研修 (24) makes him
    达标 (24 + 30 + 24 = 78): his certificate is issued by the ingest, and the page says so."""
    issue(workspace=ws, year="2018-19")
    page = ws / "out" / "publish" / "证书核验.html"
    assert "共收录证书 1 份" in page.read_text(encoding="utf-8")
    rep = ingest([year_files(tmp_path / "2018-19", {A: 24, B: 24})], rules=[RULES], workspace=ws, term="2018-19-s1")
    assert (rep.certificates.issued, rep.certificates.revoked) == (1, 0)
    assert rep.republished == [ws / "out" / "certificates.xlsx", page]
    assert "共收录证书 2 份" in page.read_text(encoding="utf-8")


def test_an_adjustment_rewrites_the_years_register_so_its_summary_shows_the_new_verdict(ws: Path) -> None:
    """张三 2018-19: 74 未达标 in 学分汇总; +6 面对面培训 → 80 达标, in the register at once."""
    register = ws / "out" / "2018-19-s1" / "register.xlsx"

    def row() -> tuple:
        sheet = load_workbook(register, read_only=True)["学分汇总"]
        return next(r for r in sheet.iter_rows(values_only=True) if A in r)

    assert "否" in row()
    r = adjust(workspace=ws, who=A, year="2018-19", category="面对面培训", hours="6", reason="迟报")
    assert r.registers == [register] and r.republished == [] and "是" in row() and 80 in row()
