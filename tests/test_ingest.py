"""End-to-end ingest on a small workbook whose every result is worked out by hand."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conftest import RULES, TEXT_H1, check_id, read_sheet, write_xlsx
from credittool.errors import RulesInvalid, UsageError
from credittool.commands.ingest import ingest

ID_A = check_id("22028219800101001")
ID_B = check_id("22028219810202002")
ID_C = check_id("22028219820303006")  # ends in X; written below in lower case
ID_D = check_id("22028219830404004")
HEADER = ["序号", "姓名", "身份证号", "学校", "课程", "出勤", "考试成绩", "博文篇数", "博文成绩"]


def school_rows() -> list[list]:
    return [
        ["测试中学2009年上半年继续教育成绩登记表"],  # title row
        [],
        HEADER,
        [1, "张三", ID_A, "测试中学", "师德报告会", "是", None, None, None],
        [2, "张三", ID_A, "测试中学", "师德读本", None, 80, 6, 50],
        [3, "张三", ID_A, "测试中学", "《教师的教学技能》", None, "85.5", 5, 90],
        [4, "李四", ID_B, "测试中学", "师德报告会", "否", None, None, None],
        [5, "李四", ID_B, "测试中学", "中小学教师职业道德规范", None, "缺考", 5, 70],
        [6, "李四", ID_B, "测试中学", "教学技能", None, "５７", 5, 67],
        [7, "王 五", ID_C.lower(), "测试中学", "师德报告会", "√", None, None, None],
        [8, "王 五", ID_C.lower(), "测试中学", "师德读本", None, 90, 3, 80],
        [9, "赵六", int(ID_D[:17]), "测试中学", "教学技能", None, 70, 5, 70],  # numeric ID cell
        [10, "钱七", check_id("22028219840505005"), "测试中学", "教学技能", None, "20分", 5, 70],
        ["合计", None, None, None, None, None, None, None, None],
    ]


@pytest.fixture
def school(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "测试中学.xlsx", {"成绩": school_rows()})


def by_key(rows: list[dict], *keys: str) -> dict:
    return {tuple(r[k] for k in keys): r for r in rows}


def test_register_matches_hand_worked_results(school: Path, workspace: Path) -> None:
    report = ingest([school], rules=[TEXT_H1], workspace=workspace)
    reg = workspace / "out" / "2009-h1" / "register.xlsx"
    rows = by_key(read_sheet(reg, "证书登记表"), "身份证号", "课程")
    meeting, reader, skills = "桦甸市教师队伍建设师德报告会", "《中小学教师职业道德规范(2008年修订)培训读本》", "《教师的教学技能》"

    # R5: attended the ethics report meeting → 5 学时, 0.5 学分 (R1)
    r = rows[(ID_A, meeting)]
    assert (r["结果"], r["学时"], r["学分"], r["综合成绩"]) == ("合格", 5, 0.5, None)
    # R2: 0.7×80 + 0.3×50 = 56 + 15 = 71.0 ≥ 60, 6 posts ≥ 5 (R3) → 15 学时 1.5 学分 (R10)
    r = rows[(ID_A, reader)]
    assert (r["综合成绩"], r["结果"], r["学时"], r["学分"]) == (71.0, "合格", 15, 1.5)
    # R2: 0.7×85.5 + 0.3×90 = 59.85 + 27 = 86.85 → half up → 86.9
    assert rows[(ID_A, skills)]["综合成绩"] == 86.9
    # R5: 否 → not attended → 不合格, no hours
    r = rows[(ID_B, meeting)]
    assert (r["结果"], r["学时"], r["原因"]) == ("不合格", 0, "未参加")
    # 缺考 → fails (an absent teacher fails), no composite
    r = rows[(ID_B, reader)]
    assert (r["结果"], r["综合成绩"], r["原因"]) == ("不合格", None, "缺考")
    # full-width ５７: 0.7×57 + 0.3×67 = 39.9 + 20.1 = 60.0 → exactly the pass mark → 合格
    r = rows[(ID_B, skills)]
    assert (r["综合成绩"], r["结果"]) == (60.0, "合格")
    # R3: 0.7×90 + 0.3×80 = 63 + 24 = 87.0, but 3 posts < 5 → 不合格; lower-case x normalised
    r = rows[(ID_C, reader)]
    assert (r["综合成绩"], r["结果"], r["学时"]) == (87.0, "不合格", 0)
    assert "博文篇数 3" in r["原因"]
    assert r["姓名"] == "王五"  # spaces padded into a Chinese name are dropped

    summary = {r["身份证号"]: r for r in read_sheet(reg, "学分汇总")}
    assert (summary[ID_A]["合计学时"], summary[ID_A]["合计学分"], summary[ID_A]["验印"]) == (35, 3.5, "是")
    # R9: any failed assessment → no stamp; reasons name each course
    assert summary[ID_B]["验印"] == "否"
    assert "师德报告会" in summary[ID_B]["原因"] and "缺考" in summary[ID_B]["原因"]
    assert summary[ID_B]["合计学时"] == 15  # only 教学技能 was passed
    # a required course with no accepted row → 缺少成绩
    assert summary[ID_C]["验印"] == "否" and f"缺少成绩：{skills}" in summary[ID_C]["原因"]

    # conservation: 11 data rows = 8 accepted + 2 rejected + 1 skipped (合计)
    f = report.files[0]
    assert (f.rows_read, f.accepted, f.rejected, f.skipped) == (11, 8, 2, 1)
    rejects = read_sheet(workspace / "out" / "2009-h1" / "rejects.xlsx", "未接受的行")
    codes = {(r["行号"], r["代码"]) for r in rejects}
    assert codes == {(12, "E-ID-NUMERIC"), (13, "E-SCORE-TEXT")}
    bad = next(r for r in rejects if r["代码"] == "E-SCORE-TEXT")
    assert (bad["文件"], bad["工作表"], bad["列"], bad["原值"]) == ("测试中学.xlsx", "成绩", "考试成绩", "20分")


def test_reingest_same_file_changes_nothing(school: Path, workspace: Path) -> None:
    ingest([school], rules=[TEXT_H1], workspace=workspace)
    first = (workspace / "out" / "2009-h1" / "register.xlsx").read_bytes()
    report = ingest([school], rules=[TEXT_H1], workspace=workspace)
    assert report.files[0].status == "未改动"
    con = sqlite3.connect(workspace / "ledger.sqlite")
    assert con.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 8
    assert con.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 1
    # deterministic output: the same ledger gives a byte-identical register
    assert (workspace / "out" / "2009-h1" / "register.xlsx").read_bytes() == first


def test_corrected_file_replaces_the_schools_entries(tmp_path: Path, workspace: Path) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    rows = school_rows()
    v1 = write_xlsx(tmp_path / "v1" / "测试中学.xlsx", {"成绩": rows})
    ingest([v1], rules=[TEXT_H1], workspace=workspace)
    rows[7][6] = 75  # 李四's 师德读本 was 缺考; the school corrects it to 75
    v2 = write_xlsx(tmp_path / "v2" / "测试中学.xlsx", {"成绩": rows})
    report = ingest([v2], rules=[TEXT_H1], workspace=workspace)
    assert report.files[0].status == "替换" and report.replaced == 8
    con = sqlite3.connect(workspace / "ledger.sqlite")
    assert con.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 8
    # 0.7×75 + 0.3×70 = 52.5 + 21 = 73.5
    assert con.execute("SELECT composite, passed FROM entries WHERE id_number=? AND course_id='ethics-reader'",
                       (ID_B,)).fetchone() == ("73.5", 1)
    assert con.execute("SELECT COUNT(*) FROM replacements").fetchone()[0] == 3  # one per (unit, course)
    assert con.execute("SELECT COUNT(*) FROM files WHERE active=1").fetchone()[0] == 1


def test_course_from_sheet_name_and_hidden_sheet_ignored(tmp_path: Path, workspace: Path) -> None:
    head = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
    path = write_xlsx(tmp_path / "乙校.xlsx", {
        "教学技能": [head, ["张三", ID_A, 60, 5, 60]],
        "Sheet3": [head, ["垃圾", "x", "y", None, None]],
    }, hidden=("Sheet3",))
    report = ingest([path], rules=[TEXT_H1], workspace=workspace)
    assert report.accepted == 1
    assert any("隐藏工作表「Sheet3」" in n for n in report.files[0].notes)
    con = sqlite3.connect(workspace / "ledger.sqlite")
    # no unit column: the unit is the file's name
    assert con.execute("SELECT unit, course_id FROM entries").fetchone() == ("乙校", "teaching-skills")


def test_exact_duplicate_counts_once_conflicting_is_rejected(tmp_path: Path, workspace: Path) -> None:
    head = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
    path = write_xlsx(tmp_path / "丙校.xlsx", {"教学技能": [
        head, ["张三", ID_A, 60, 5, 60], ["张三", ID_A, 60, 5, 60],  # exact duplicate
        ["李四", ID_B, 70, 5, 60], ["李四", ID_B, 71, 5, 60],  # conflicting
    ]})
    report = ingest([path], rules=[TEXT_H1], workspace=workspace)
    f = report.files[0]
    assert (f.rows_read, f.accepted, f.rejected, f.skipped) == (4, 1, 2, 1)
    conflict = [p for p in report.rejects if p.code == "E-DUP-CONFLICT"]
    assert {p.row for p in conflict} == {4, 5}
    assert "第4行" in conflict[0].message and "第5行" in conflict[0].message


def test_ambiguous_track_is_an_error_not_a_guess(tmp_path: Path, workspace: Path) -> None:
    # the ethics reader is in all three tracks of 2009-h1: with all rules given, a school
    # that only sent that course cannot be placed
    head = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
    path = write_xlsx(tmp_path / "丁校.xlsx", {"师德读本": [head, ["张三", ID_A, 80, 5, 80]]})
    report = ingest([path], rules=[RULES], workspace=workspace, term="2009-h1")
    assert report.accepted == 0 and report.nothing_ingested
    (p,) = report.rejects
    assert p.code == "E-TRACK-AMBIGUOUS" and "培训类型" in p.hint


def test_an_undecided_track_beside_a_decided_school_is_rejected_not_a_crash(tmp_path: Path, workspace: Path) -> None:
    """The same school as above, in one run with a school whose track its courses decide
    (教学技能 is 文本's alone, R4): 丁校's row is rejected as above, 戊校's is scored."""
    head = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
    ambiguous = write_xlsx(tmp_path / "丁校.xlsx", {"师德读本": [head, ["张三", ID_A, 80, 5, 80]]})
    decided = write_xlsx(tmp_path / "戊校.xlsx", {"教学技能": [head, ["李四", ID_B, 80, 5, 80]]})
    report = ingest([ambiguous, decided], rules=[RULES], workspace=workspace, term="2009-h1")
    assert [(p.file, p.code) for p in report.rejects] == [("丁校.xlsx", "E-TRACK-AMBIGUOUS")]
    con = sqlite3.connect(workspace / "ledger.sqlite")
    assert con.execute("SELECT id_number, track, course_id FROM entries").fetchall() == [(ID_B, "text", "teaching-skills")]
    con.close()
    # a 培训类型 column resolves it
    path2 = write_xlsx(tmp_path / "戊校.xlsx", {"师德读本": [head + ["培训类型"], ["张三", ID_A, 80, 5, 80, "文本"]]})
    report = ingest([path2], rules=[RULES], workspace=workspace, term="2009-h1")
    assert report.accepted == 1


def test_several_terms_need_term_option(school: Path, workspace: Path) -> None:
    with pytest.raises(UsageError) as exc:
        ingest([school], rules=[RULES], workspace=workspace)
    assert "--term" in exc.value.hint


def test_invalid_rules_raise_with_every_problem(tmp_path: Path, school: Path, workspace: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("term: {id: t1, name: x}\nfoo: 1\n", encoding="utf-8")
    with pytest.raises(RulesInvalid) as exc:
        ingest([school], rules=[bad], workspace=workspace)
    paths = {p.rule.path for p in exc.value.problems}
    assert {"foo", "track", "courses"} <= paths


def test_id_already_in_ledger_under_another_unit_is_rejected(tmp_path: Path, workspace: Path) -> None:
    head = ["姓名", "身份证号", "学校", "考试成绩", "博文篇数", "博文成绩"]
    a = write_xlsx(tmp_path / "甲校.xlsx", {"教学技能": [head, ["张三", ID_A, "甲校", 80, 5, 80]]})
    b = write_xlsx(tmp_path / "乙校.xlsx", {"教学技能": [head, ["张三", ID_A, "乙校", 70, 5, 70],
                                                          ["李四", ID_B, "乙校", 70, 5, 70]]})
    ingest([a], rules=[TEXT_H1], workspace=workspace)
    report = ingest([b], rules=[TEXT_H1], workspace=workspace)  # a later run: checked against the ledger
    (p,) = report.rejects
    assert (p.code, p.file, p.row) == ("E-ID-LEDGER", "乙校.xlsx", 2)
    assert "甲校.xlsx" in p.message and "第2行" in p.message
    f = report.files[0]
    assert (f.rows_read, f.accepted, f.rejected) == (2, 1, 1)
    con = sqlite3.connect(workspace / "ledger.sqlite")
    assert con.execute("SELECT unit FROM entries WHERE id_number=?", (ID_A,)).fetchall() == [("甲校",)]


def test_school_with_a_kindergarten_has_teachers_of_two_tracks(tmp_path: Path, workspace: Path) -> None:
    # a 中心校 with its own kindergarten class: no track covers all of the school's courses,
    # so each teacher is placed by their own courses (文本: 教学技能; 幼儿: 主题活动幼儿成长)
    head = ["姓名", "身份证号", "学校", "课程", "考试成绩", "博文篇数", "博文成绩", "园内考核成绩", "统考成绩"]
    path = write_xlsx(tmp_path / "红石镇中心校.xlsx", {"成绩": [
        head,
        ["张三", ID_A, "红石镇中心校", "教学技能", 80, 5, 80, None, None],
        ["张三", ID_A, "红石镇中心校", "师德读本", 80, 5, 80, None, None],
        ["李四", ID_B, "红石镇中心校", "主题活动幼儿成长", 75, None, None, None, None],
        ["李四", ID_B, "红石镇中心校", "师德读本", None, None, None, 80, 70],
    ]})
    report = ingest([path], rules=[RULES], workspace=workspace, term="2009-h1")
    assert report.rejected == 0
    con = sqlite3.connect(workspace / "ledger.sqlite")
    got = dict(con.execute("SELECT id_number || course_id, track || ':' || composite FROM entries").fetchall())
    # R2 for the text teacher: 0.7×80 + 0.3×80 = 80.0; R4 for the kindergarten one: 0.5×80 + 0.5×70 = 75.0
    assert got == {ID_A + "teaching-skills": "text:80.0", ID_A + "ethics-reader": "text:80.0",
                   ID_B + "theme-activity": "kindergarten:75.0", ID_B + "ethics-reader": "kindergarten:75.0"}


def test_stale_temp_files_of_killed_runs_are_cleared(tmp_path: Path) -> None:
    import os
    import time

    from credittool.atomic import write_atomic

    target = tmp_path / "register.xlsx"
    old = tmp_path / ".register.xlsx.abc123.tmp"
    young = tmp_path / ".register.xlsx.def456.tmp"
    old.write_bytes(b"x")
    young.write_bytes(b"y")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    write_atomic(target, lambda p: p.write_bytes(b"new"))
    assert target.read_bytes() == b"new" and not old.exists() and young.exists()
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)


def test_two_row_header_with_merged_parent(tmp_path: Path, workspace: Path) -> None:
    # 成绩 merged over 考试成绩 | 博文篇数 | 博文成绩; 姓名 and 身份证号 merged down two rows
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "教学技能"
    ws.append(["测试小学继续教育成绩表"])
    ws.append(["姓名", "身份证号", "成绩", None, None])
    ws.append([None, None, "考试成绩", "博文篇数", "博文成绩"])
    ws.append(["张三", ID_A, 80, 6, 50])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:E2")
    path = tmp_path / "测试小学.xlsx"
    wb.save(path)
    report = ingest([path], rules=[TEXT_H1], workspace=workspace)
    f = report.files[0]
    assert (f.rows_read, f.accepted, f.rejected) == (1, 1, 0), report.rejects
    con = sqlite3.connect(workspace / "ledger.sqlite")
    # R2: 0.7×80 + 0.3×50 = 71.0
    assert con.execute("SELECT composite FROM entries").fetchone() == ("71.0",)


def test_two_row_header_whose_lower_row_names_no_field(tmp_path: Path, workspace: Path) -> None:
    """rules/README.md, "Merged cells": 姓名, 身份证号, 学校 and 出勤 merged down over both header
    rows, 备注 over 时间 | 地点. On screen the lower row is the header's second row (姓名 …
    时间 | 地点), not a row of the table: two rows read, none skipped. R5: 出勤 是 passes, 否 fails."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "师德报告会"
    for row in (["姓名", "身份证号", "学校", "出勤", "备注", None], [None] * 4 + ["时间", "地点"],
                ["张三", ID_A, "测试小学", "是", "3月", "本校"], ["李四", ID_B, "测试小学", "否", None, None]):
        ws.append(row)
    for cells in ("A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:F1"):
        ws.merge_cells(cells)
    path = tmp_path / "测试小学.xlsx"
    wb.save(path)
    report = ingest([path], rules=[TEXT_H1], workspace=workspace)
    f = report.files[0]
    assert (f.rows_read, f.accepted, f.rejected, f.skipped) == (2, 2, 0, 0), report.rejects
    con = sqlite3.connect(workspace / "ledger.sqlite")
    assert con.execute("SELECT name, passed FROM entries ORDER BY row").fetchall() == [("张三", 1), ("李四", 0)]


def test_ods_file_from_libreoffice(workspace: Path) -> None:
    # tests/fixtures/己校.ods was saved by LibreOffice (soffice --convert-to ods) from a workbook
    # with a title row, a 缺考 and an ID typed as a number
    fixture = Path(__file__).parent / "fixtures" / "己校.ods"
    report = ingest([fixture], rules=[TEXT_H1], workspace=workspace)
    f = report.files[0]
    assert (f.rows_read, f.accepted, f.rejected, f.skipped) == (3, 2, 1, 0)
    assert [p.code for p in report.rejects] == ["E-ID-NUMERIC"]
    con = sqlite3.connect(workspace / "ledger.sqlite")
    # R2: 0.7×80 + 0.3×50 = 71.0; 缺考 → fails with no composite
    assert con.execute("SELECT name, composite, passed FROM entries ORDER BY row").fetchall() == [
        ("张三", "71.0", 1), ("李四", None, 0)]


def test_two_files_of_one_unit_in_one_run_are_both_kept(tmp_path: Path, workspace: Path) -> None:
    # A school may send its teachers in two files (two campuses). Replacement by (unit, course)
    # applies to what an earlier run left, never to another file of the same run.
    head = ["姓名", "身份证号", "学校", "课程", "考试成绩", "博文篇数", "博文成绩"]
    a = write_xlsx(tmp_path / "测试中学东校区.xlsx", {"成绩": [head, ["张三", ID_A, "测试中学", "教学技能", 80, 6, 50]]})
    b = write_xlsx(tmp_path / "测试中学西校区.xlsx", {"成绩": [head, ["李四", ID_B, "测试中学", "教学技能", 90, 5, 70]]})
    report = ingest([a, b], rules=[TEXT_H1], workspace=workspace)
    assert [f.accepted for f in report.files] == [1, 1] and report.replaced == 0
    con = sqlite3.connect(workspace / "ledger.sqlite")
    # 0.7×80 + 0.3×50 = 71.0; 0.7×90 + 0.3×70 = 84.0 (R2)
    assert sorted(con.execute("SELECT id_number, composite FROM entries")) == sorted([(ID_A, "71.0"), (ID_B, "84.0")])
    # a later run with the east campus's corrected file replaces only what that file brought
    (tmp_path / "v2").mkdir()
    a2 = write_xlsx(tmp_path / "v2" / "测试中学东校区.xlsx", {"成绩": [head, ["张三", ID_A, "测试中学", "教学技能", 90, 6, 50]]})
    report = ingest([a2], rules=[TEXT_H1], workspace=workspace)
    assert report.files[0].status == "替换" and report.replaced == 1
    # 0.7×90 + 0.3×50 = 78.0
    assert sorted(con.execute("SELECT id_number, composite FROM entries")) == sorted([(ID_A, "78.0"), (ID_B, "84.0")])


def test_big_first_load_rebuilds_the_indexes(school: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # ledger.bulk_entries drops the secondary indexes for a load bigger than the table and
    # builds them again in the same transaction: the ledger ends with every index and row.
    from credittool.ledger import db as ledger

    monkeypatch.setattr(ledger, "BULK_MIN_ROWS", 0)
    ingest([school], rules=[TEXT_H1], workspace=workspace)
    con = sqlite3.connect(workspace / "ledger.sqlite")
    names = {r[1] for r in con.execute("PRAGMA index_list(entries)")}
    assert {"entries_key", "entries_unit", "entries_file"} <= names
    assert con.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 8  # as in the hand-worked test
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):  # the key, dropped and built again, holds
        con.execute("INSERT INTO entries SELECT * FROM entries LIMIT 1")
    # the stamps' index too (学分汇总's order), dropped and built again around their refresh
    assert "stamps_sheet" in {r[1] for r in con.execute("PRAGMA index_list(stamps)")}
    assert con.execute("SELECT COUNT(*) FROM stamps").fetchone()[0] == \
        con.execute("SELECT COUNT(DISTINCT id_number) FROM entries").fetchone()[0]
    plan = " ".join(r[3] for r in con.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM stamps WHERE term='2009-h1' AND unit='测试中学' ORDER BY id_number"))
    assert "COVERING INDEX stamps_sheet" in plan  # 学分汇总's columns are in it: the table is not read
    plan = " ".join(r[3] for r in con.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM entries WHERE term='2009-h1' AND unit='测试中学' AND course_id='x'"))
    assert "entries_unit" in plan



def test_an_older_ledgers_stamps_index_gives_way_to_the_covering_one(tmp_path: Path) -> None:
    # until 2026-12-03 学分汇总's order was the index stamps_unit (term, unit, id_number): a
    # ledger that has it loses it when opened and gains stamps_sheet, which holds the columns too
    from credittool.ledger import db as ledger

    path = tmp_path / "ledger.sqlite"
    con = ledger.connect(path)
    con.execute("DROP INDEX stamps_sheet")
    con.execute("CREATE INDEX stamps_unit ON stamps(term, unit, id_number)")
    con.execute("INSERT INTO stamps VALUES ('t', '220282198503150018', '甲校', '张三', 'text', 1, 15.0, 1.5, '')")
    con.close()
    con = ledger.connect(path)
    assert {r[1] for r in con.execute("PRAGMA index_list(stamps)")} == {"stamps_sheet", "sqlite_autoindex_stamps_1"}
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT unit, name FROM stamps WHERE term = 't'").fetchall() == [("甲校", "张三")]

def test_same_bytes_twice_in_one_run_count_once(school: Path, tmp_path: Path, workspace: Path) -> None:
    # The workers hash each file; a copy of a file already read in this run changes nothing,
    # and says so: 重复, not 未改动 (the ledger had neither copy before the run).
    (tmp_path / "copy").mkdir()
    copy = tmp_path / "copy" / "测试中学-副本.xlsx"
    copy.write_bytes(school.read_bytes())
    report = ingest([school, copy], rules=[TEXT_H1], workspace=workspace)
    assert [f.status for f in report.files] == ["新导入", "重复"]
    assert report.files[1].notes == ["与「测试中学.xlsx」内容相同，只计一次"]
    # the note is one of the run's problems too, of severity note, placed at the copy
    same = [p for p in report.notes if p.file == "测试中学-副本.xlsx"]
    assert [(p.message, p.severity.value) for p in same] == [("与「测试中学.xlsx」内容相同，只计一次", "note")]
    assert report.files[0].accepted == 8 and report.files[1].accepted == 0  # as in the hand-worked test
    con = sqlite3.connect(workspace / "ledger.sqlite")
    assert con.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 8
    assert con.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 1


def test_ledger_inputs_say_what_each_result_was_computed_from(school: Path, workspace: Path) -> None:
    # Each entry keeps its measured inputs as `field=value` (`field=!status` for a status
    # word), the fields in sorted order, joined by ";"; blank cells say nothing. Worked
    # from the school's cells by hand.
    ingest([school], rules=[TEXT_H1], workspace=workspace)
    con = sqlite3.connect(workspace / "ledger.sqlite")
    got = dict(((i, r), inputs) for i, r, inputs in con.execute("SELECT id_number, row, inputs FROM entries"))
    assert got[(ID_A, 4)] == "attendance=是"  # row 1: 是
    assert got[(ID_A, 5)] == "blog_posts=6;blog_score=50;exam=80"  # row 2: 80, 6, 50
    assert got[(ID_A, 6)] == "blog_posts=5;blog_score=90;exam=85.5"  # row 3: the text "85.5"
    assert got[(ID_B, 7)] == "attendance=否"  # row 4: 否
    assert got[(ID_B, 8)] == "blog_posts=5;blog_score=70;exam=!absent"  # row 5: 缺考, a status word
    assert got[(ID_B, 9)] == "blog_posts=5;blog_score=67;exam=57"  # row 6: full-width ５７


def test_a_sheet_named_for_its_course_with_a_remark_in_brackets_is_that_course(tmp_path: Path, workspace: Path) -> None:
    """教学技能（文本） is the 教学技能 sheet; the course's own name is tried whole first."""
    head = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
    path = write_xlsx(tmp_path / "己校.xlsx", {"教学技能（文本）": [head, ["张三", ID_A, 80, 5, 80]]})
    report = ingest([path], rules=[TEXT_H1], workspace=workspace)
    assert report.accepted == 1 and not report.rejects
    con = sqlite3.connect(workspace / "ledger.sqlite")
    assert con.execute("SELECT course_id FROM entries").fetchall() == [("teaching-skills",)]
    con.close()
