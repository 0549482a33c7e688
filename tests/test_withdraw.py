"""`credittool withdraw`: a file ingested into a term by mistake is taken back out (held-out
round 4: a differently named wrong file could not be removed). Its rows leave the ledger in
one transaction, the year's verdicts (R12, R15, R17) or the term's stamps (R9) are worked
out again, issued certificates follow (R20), and the workbooks are rewritten; its bytes are
not read again until the withdrawal is undone.

The year below, with the shipped Zhangdian rules (面对面培训 ≥ 24, 省网络全员研修 passed,
合计 ≥ 72, 校本研修 counting at most 24):
- 张三: 全员学科研修 24 + 省网络全员研修 30 + 校本培训 24 = 78: 达标.
- 李四: 全员学科研修 14 + 省网络全员研修 30 + 校本培训 24 = 68: 面对面培训 14/24, 合计 68/72.
  With the wrong file's 班主任培训 10 (passed): 面对面培训 24 and 合计 78: 达标.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import RULES, check_id, write_xlsx
from credittool.cli import app
from credittool.commands.certificates import issue
from credittool.commands.closeyear import close
from credittool.commands.ingest import ingest
from credittool.commands.withdraw import undo, withdraw
from credittool.errors import UsageError

A = check_id("37030319800101001")  # 张三
B = check_id("37030319800101002")  # 李四
TERM = "2018-19-s1"
ROOT = Path(__file__).resolve().parents[1]


def year_files(folder: Path) -> list[Path]:
    folder.mkdir(exist_ok=True)
    school = write_xlsx(folder / "实验中学.xlsx", {
        "教师名册": [["姓名", "身份证号", "人事关系所在单位"], ["张三", A, "实验中学"], ["李四", B, "实验中学"]],
        "校本培训": [["姓名", "身份证号", "学时"], ["张三", A, 24], ["李四", B, 24]]})
    subject = write_xlsx(folder / "全员学科研修.xlsx", {"全员学科研修": [
        ["姓名", "身份证号", "单位", "学时"], ["张三", A, "实验中学", 24], ["李四", B, "实验中学", 14]]})
    platform = folder / "省平台导出.csv"
    with platform.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["姓名", "身份证号", "项目名称", "学时", "考核结果"])
        w.writerows([["张三", A, "省网络全员研修", 30, "合格"], ["李四", B, "省网络全员研修", 30, "合格"]])
    return [school, subject, platform]


def wrong_file(folder: Path, hours: int = 10) -> Path:
    folder.mkdir(exist_ok=True)
    return write_xlsx(folder / "班主任培训名单.xlsx", {"班主任培训": [
        ["姓名", "身份证号", "单位", "学时", "考核结果"], ["李四", B, "实验中学", hours, "合格"]]})


def sent(tmp_path: Path) -> list[Path]:
    """The files the fixture ingested, as they are (written again, an xlsx has new bytes)."""
    return [*sorted((tmp_path / "in").iterdir()), tmp_path / "wrong" / "班主任培训名单.xlsx"]


def verdict(ws: Path, ident: str) -> tuple[str, int, str]:
    con = sqlite3.connect(ws / "ledger.sqlite")
    try:
        return con.execute("SELECT total, met, reasons FROM verdicts WHERE year = '2018-19' AND id_number = ?",
                           (ident,)).fetchone()
    finally:
        con.close()


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ingest(year_files(tmp_path / "in"), rules=[RULES], workspace=ws, term=TERM)
    assert verdict(ws, B) == ("68", 0, "面对面培训 14/24 学时，差 10 学时；合计 68/72 学时")
    ingest([wrong_file(tmp_path / "wrong")], rules=[RULES], workspace=ws, term=TERM)
    assert verdict(ws, B) == ("78", 1, "")
    return ws


def test_r17_withdrawing_the_wrong_file_takes_its_hours_out_of_the_years_verdict(ws: Path) -> None:
    w = withdraw("班主任培训名单.xlsx", rules=[RULES], workspace=ws, term=TERM, reason="误收").withdrawn
    assert (w.rows, w.lost, w.gained) == (1, [("李四", B)], [])
    assert verdict(ws, B) == ("68", 0, "面对面培训 14/24 学时，差 10 学时；合计 68/72 学时")
    assert verdict(ws, A) == ("78", 1, "")  # 张三 had nothing in it
    con = sqlite3.connect(ws / "ledger.sqlite")
    assert con.execute("SELECT name, rows, reason, undone_at FROM withdrawals").fetchall() == [
        ("班主任培训名单.xlsx", 1, "误收", None)]
    assert con.execute("SELECT COUNT(*) FROM entries WHERE course_id = 'head-teacher'").fetchone() == (0,)
    con.close()
    # the register no longer lists its row
    from openpyxl import load_workbook
    wb = load_workbook(ws / "out" / TERM / "register.xlsx", read_only=True)
    assert not any("班主任培训名单.xlsx" in str(c) for r in wb.worksheets[0].iter_rows(values_only=True) for c in r)


def test_r20_a_certificate_issued_on_the_wrong_file_is_revoked(ws: Path) -> None:
    issue(workspace=ws, year="2018-19")
    w = withdraw("班主任培训名单.xlsx", rules=[RULES], workspace=ws, term=TERM).withdrawn
    assert (w.certificates.issued, w.certificates.revoked) == (0, 1)
    con = sqlite3.connect(ws / "ledger.sqlite")
    assert con.execute("SELECT id_number, revoked_at IS NOT NULL FROM certificates ORDER BY id_number").fetchall() == [
        (A, 0), (B, 1)]
    con.close()


def test_the_same_bytes_are_not_read_again_until_undone_and_a_changed_file_is_read(ws: Path, tmp_path: Path) -> None:
    withdraw("班主任培训名单.xlsx", rules=[RULES], workspace=ws, term=TERM)
    again = ingest(sent(tmp_path), rules=[RULES], workspace=ws, term=TERM)
    assert [f.status for f in again.files] == ["未改动", "未改动", "未改动", "已撤回"]
    assert "--undo" in again.files[3].notes[0] and verdict(ws, B)[1] == 0
    assert undo("班主任培训名单.xlsx", workspace=ws, term=TERM).name == "班主任培训名单.xlsx"
    back = ingest(sent(tmp_path)[-1:], rules=[RULES], workspace=ws, term=TERM)
    assert [f.status for f in back.files] == ["新导入"] and verdict(ws, B) == ("78", 1, "")
    # withdrawn again, then the school sends it corrected (李四 6 hours): new bytes, read at once
    withdraw("班主任培训名单.xlsx", rules=[RULES], workspace=ws, term=TERM)
    fixed = ingest([wrong_file(tmp_path / "wrong", hours=6)], rules=[RULES], workspace=ws, term=TERM)
    assert [f.status for f in fixed.files] == ["新导入"]
    assert verdict(ws, B) == ("74", 0, "面对面培训 20/24 学时，差 4 学时")  # 14 + 6 + 30 + 24


def test_what_cannot_be_withdrawn_is_said(ws: Path) -> None:
    with pytest.raises(UsageError) as exc:
        withdraw("第二中学.xlsx", rules=[RULES], workspace=ws, term=TERM)
    assert "没有文件「第二中学.xlsx」" in exc.value.message and "班主任培训名单.xlsx" in exc.value.hint
    with pytest.raises(UsageError) as exc:
        withdraw("班主任培训名单.xlsx", rules=[], workspace=ws, term=TERM)
    assert "--rules" in exc.value.message
    with pytest.raises(UsageError) as exc:
        undo("实验中学.xlsx", workspace=ws, term=TERM)
    assert "没有撤回过文件「实验中学.xlsx」" in exc.value.message
    # given as the path it was ingested from, then again once withdrawn
    assert withdraw(str(Path("收表") / "wrong" / "班主任培训名单.xlsx"), rules=[RULES], workspace=ws,
                    term=TERM).withdrawn.name == "班主任培训名单.xlsx"
    with pytest.raises(UsageError) as exc:
        withdraw("班主任培训名单.xlsx", rules=[RULES], workspace=ws, term=TERM)
    assert exc.value.message == "「班主任培训名单.xlsx」已从 2018-19-s1 学期撤回" and "--undo" in exc.value.hint
    issue(workspace=ws, year="2018-19")
    close(workspace=ws, year="2018-19")
    with pytest.raises(UsageError) as exc:
        withdraw("实验中学.xlsx", rules=[RULES], workspace=ws, term=TERM)
    assert "已于" in exc.value.message and "结账" in exc.value.message
    with pytest.raises(UsageError) as exc:  # its next ingest would be refused: said now
        undo("班主任培训名单.xlsx", workspace=ws, term=TERM)
    assert "结账" in exc.value.message


def test_r9_a_course_terms_file_withdrawn_takes_its_teachers_stamps_with_it(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    folder = ROOT / "samples" / "county-2009-h1"
    ingest([folder], rules=[RULES], workspace=ws, term="2009-h1")
    con = sqlite3.connect(ws / "ledger.sqlite")
    (fid,) = con.execute("SELECT file_id FROM files WHERE name LIKE '%第一中学.xlsx'").fetchone()
    name = con.execute("SELECT name FROM files WHERE file_id = ?", (fid,)).fetchone()[0]
    own = {i for (i,) in con.execute("SELECT DISTINCT id_number FROM entries WHERE file_id = ?", (fid,))}
    stamped = {i for (i,) in con.execute("SELECT id_number FROM stamps WHERE stamped = 1")}
    con.close()
    w = withdraw(name, rules=[RULES], workspace=ws, term="2009-h1").withdrawn
    # every teacher of a school is in its file alone: its stamped teachers lose their stamp
    assert {i for _, i in w.lost} == own & stamped and own & stamped
    con = sqlite3.connect(ws / "ledger.sqlite")
    assert not {i for (i,) in con.execute("SELECT id_number FROM stamps")} & own
    con.close()


def test_on_the_command_line(ws: Path) -> None:
    r = CliRunner().invoke(app, ["withdraw", "班主任培训名单.xlsx", "--rules", str(RULES), "--term", TERM,
                                 "-w", str(ws), "--reason", "误收"])
    assert r.exit_code == 0, r.output
    assert "已从 2018-19-s1 学期撤回「班主任培训名单.xlsx」" in r.output and "不再达标 1 人：李四（…" in r.output
    r = CliRunner().invoke(app, ["withdraw", "班主任培训名单.xlsx", "--term", TERM, "-w", str(ws), "--undo"])
    assert r.exit_code == 0 and "已取消撤回" in r.output
    r = CliRunner().invoke(app, ["withdraw", "无此文件.xlsx", "--rules", str(RULES), "--term", TERM, "-w", str(ws)])
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_a_report_written_before_a_change_to_its_term_is_said_to_be_out_of_date(ws: Path, tmp_path: Path) -> None:
    """Held-out round 4: report.xlsx showed the old verdicts after a correcting ingest, unsaid."""
    from credittool.commands.closeyear import adjust
    from credittool.commands.report import make_report

    report = ws / "out" / TERM / "report.xlsx"
    make_report(workspace=ws, term=TERM)
    same = ingest(sent(tmp_path), rules=[RULES], workspace=ws, term=TERM)
    assert same.stale == []  # nothing changed
    assert withdraw("班主任培训名单.xlsx", rules=[RULES], workspace=ws, term=TERM).stale == [report]
    make_report(workspace=ws, term=TERM)
    assert adjust(workspace=ws, who=B, year="2018-19", category="面对面培训", hours="10", reason="补登").stale == [report]
    make_report(workspace=ws, term=TERM)
    assert ingest([wrong_file(tmp_path / "wrong", hours=6)], rules=[RULES], workspace=ws, term=TERM).stale == [report]
    r = CliRunner().invoke(app, ["ingest", str(wrong_file(tmp_path / "wrong", hours=7)), "--rules", str(RULES),
                                 "--term", TERM, "-w", str(ws)])
    assert "report.xlsx 是在这次改动之前写的，已过时：运行 credittool report --term 2018-19-s1 重写" in r.output.replace("\n", "")


def test_a_file_that_still_cannot_be_read_does_not_make_the_report_out_of_date(ws: Path, tmp_path: Path) -> None:
    """Held-out round 7: an empty 空白.xlsx in the folder is read again each run (无法读取);
    sent again unchanged it changed nothing, yet the run said report.xlsx was out of date."""
    from credittool.commands.report import make_report

    (tmp_path / "wrong" / "空白.xlsx").write_bytes(b"")
    first = ingest(sent(tmp_path) + [tmp_path / "wrong" / "空白.xlsx"], rules=[RULES], workspace=ws, term=TERM)
    assert [f.status for f in first.files if f.name == "空白.xlsx"] == ["无法读取"]
    make_report(workspace=ws, term=TERM)
    again = ingest(sent(tmp_path) + [tmp_path / "wrong" / "空白.xlsx"], rules=[RULES], workspace=ws, term=TERM)
    assert [f.status for f in again.files if f.name == "空白.xlsx"] == ["无法读取"]
    assert again.stale == []
    (tmp_path / "wrong" / "空白.xlsx").write_bytes(b"PK\x03\x04 broken")  # other bytes: a new file, read
    assert ingest(sent(tmp_path) + [tmp_path / "wrong" / "空白.xlsx"], rules=[RULES], workspace=ws,
                  term=TERM).stale == [ws / "out" / TERM / "report.xlsx"]


def test_the_second_terms_ingest_rewrites_the_first_terms_register_and_flags_its_report(ws: Path, tmp_path: Path) -> None:
    """Held-out round 7: each term's 学分汇总 and 学分达标 show the school year's verdicts
    (R17). 李四 has 68 in 2018-19-s1 (the fixture's wrong file withdrawn here); a spring
    全员学科研修 roster of 10 in 2018-19-s2 (the two lines the tool's own hint gives) makes
    面对面培训 14 + 10 = 24 and 合计 78: 达标. The first term's register.xlsx said 否 until
    rewritten, and its report.xlsx was not said to be out of date."""
    import openpyxl

    from credittool.commands.report import make_report

    withdraw("班主任培训名单.xlsx", rules=[RULES], workspace=ws, term=TERM)
    make_report(workspace=ws, term=TERM)
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "zhangdian-2018-19-s2.yaml").write_text(
        "base: zhangdian-2018-19-s1.yaml\nterm: {id: 2018-19-s2, name: 2018-2019学年第二学期, year: 2018-19}\n",
        encoding="utf-8")
    (tmp_path / "s2").mkdir()
    spring = write_xlsx(tmp_path / "s2" / "春季全员学科研修.xlsx", {"全员学科研修": [
        ["姓名", "身份证号", "单位", "学时"], ["李四", B, "实验中学", 10]]})
    r = ingest([spring], rules=[rules], workspace=ws, term="2018-19-s2")
    first = ws / "out" / TERM
    assert (r.registers, r.stale) == ([first / "register.xlsx"], [first / "report.xlsx"])
    rows = openpyxl.load_workbook(first / "register.xlsx")["学分汇总"].iter_rows(values_only=True)
    li = next(row for row in rows if row[3] == B)
    assert (li[0], li[-4], li[-2]) == ("2018-19学年", 78, "是")
    again = ingest([spring], rules=[rules], workspace=ws, term="2018-19-s2")  # nothing changed: nothing said
    assert (again.registers, again.stale) == ([], [first / "report.xlsx"])


def test_withdrawing_a_renamed_correction_gives_back_the_rows_it_replaced(tmp_path: Path) -> None:
    """Held-out round 5: in a term of courses, 甲校（更正）.xlsx replaced 甲校.xlsx's rows of
    教学技能 (same school, same course); withdrawn, it left 甲校 with none, and 甲校.xlsx sent
    again said 未改动. Now the next ingest reads 甲校.xlsx again (再次核对) and its rows are back."""
    from conftest import TEXT_H1

    head = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
    ids = [check_id(f"220282198001{i:05d}") for i in range(3)]
    (tmp_path / "in").mkdir()
    old = write_xlsx(tmp_path / "in" / "甲校.xlsx", {"教学技能": [head, *([f"教师{i}", ids[i], 70, 5, 70] for i in range(3))]})
    ws = tmp_path / "ws"
    ingest([old], rules=[TEXT_H1], workspace=ws)
    fix = write_xlsx(tmp_path / "甲校（更正）.xlsx", {"教学技能": [head, ["教师0", ids[0], 80, 5, 70]]})
    rep = ingest([fix], rules=[TEXT_H1], workspace=ws)
    # held-out round 6: it showed 新导入 and named no file; now 替换, naming the file replaced
    assert rep.replaced == 3 and [f.status for f in rep.files] == ["替换"]
    assert rep.files[0].notes == ["替换了台账中「甲校.xlsx」里同一单位同一课程的记录"]

    def rows() -> int:
        con = sqlite3.connect(ws / "ledger.sqlite")
        try:
            return con.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
        finally:
            con.close()

    assert rows() == 1
    w = withdraw("甲校（更正）.xlsx", rules=[TEXT_H1], workspace=ws).withdrawn
    assert w.restored == [("甲校.xlsx", 3)] and rows() == 0
    back = ingest([old], rules=[TEXT_H1], workspace=ws)
    assert [f.status for f in back.files] == ["再次核对"] and rows() == 3
    assert [f.status for f in ingest([old], rules=[TEXT_H1], workspace=ws).files] == ["未改动"]


def test_r9_a_renamed_correction_takes_the_old_files_rejected_rows_of_that_course_with_it(tmp_path: Path) -> None:
    """Held-out round 6: 陈玉兰's 验印 reason still cited the replaced file's rejected row. 教师1's
    教学技能 score 「abc」 was rejected in 甲校.xlsx; 甲校（更正）.xlsx writes 70: her stamp reason
    and rejects.xlsx no longer name the old row."""
    from conftest import TEXT_H1

    head = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
    ids = [check_id(f"220282198001{i:05d}") for i in range(2)]
    ws = tmp_path / "ws"
    old = write_xlsx(tmp_path / "甲校.xlsx", {"教学技能": [head, ["教师0", ids[0], 70, 5, 70], ["教师1", ids[1], "abc", 5, 70]]})
    assert [p.row for p in ingest([old], rules=[TEXT_H1], workspace=ws).rejects] == [3]
    fix = write_xlsx(tmp_path / "甲校（更正）.xlsx", {"教学技能": [head, ["教师0", ids[0], 70, 5, 70], ["教师1", ids[1], 70, 5, 70]]})
    assert not ingest([fix], rules=[TEXT_H1], workspace=ws).rejects
    con = sqlite3.connect(ws / "ledger.sqlite")
    reasons = dict(con.execute("SELECT id_number, reasons FROM stamps").fetchall())
    assert con.execute("SELECT COUNT(*) FROM rejects").fetchone() == (0,)
    con.close()
    assert "甲校.xlsx" not in reasons[ids[1]]


def test_a_replaced_files_name_is_not_taken_for_a_live_file_of_that_base_name(tmp_path: Path) -> None:
    """Held-out round 6: with 实验中学.xlsx (replaced) at the top and 更正/实验中学.xlsx in force,
    withdraw 实验中学.xlsx took the live 更正/实验中学.xlsx, unsaid. The very name is a replaced
    file: said so, and the live one is withdrawn by its own name."""
    def school(path: Path, hours: int) -> Path:
        return write_xlsx(path, {"教师名册": [["姓名", "身份证号", "人事关系所在单位"], ["张三", A, "实验中学"], ["李四", B, "实验中学"]],
                                 "校本培训": [["姓名", "身份证号", "学时"], ["张三", A, hours], ["李四", B, 24]]})

    (tmp_path / "in" / "更正").mkdir(parents=True)
    ws = tmp_path / "ws"
    ingest([school(tmp_path / "in" / "实验中学.xlsx", 20)], rules=[RULES], workspace=ws, term=TERM)
    school(tmp_path / "in" / "更正" / "实验中学.xlsx", 24)
    rep = ingest([tmp_path / "in"], rules=[RULES], workspace=ws, term=TERM)
    assert {f.name: f.status for f in rep.files} == {"实验中学.xlsx": "未改动", "更正/实验中学.xlsx": "替换"}
    with pytest.raises(UsageError) as exc:
        withdraw("实验中学.xlsx", rules=[RULES], workspace=ws, term=TERM)
    assert "已被替换" in exc.value.message
    assert withdraw("更正/实验中学.xlsx", rules=[RULES], workspace=ws, term=TERM).withdrawn.name == "更正/实验中学.xlsx"
