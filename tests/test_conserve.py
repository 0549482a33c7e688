"""Every row read is accounted for, and a rejected row is not a missing result.

Issue 12 item 6: the rows of a hidden sheet or of a sheet without a header are counted
(rejects.xlsx 「未导入的工作表」, `check --json`), and one named like a course is a warning.
Issue 11 item 5: a teacher whose row of a required course was rejected is told so (R9
reasons in 学分汇总, 未验印名单 and on the terminal), naming file, sheet, row and code.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import TEXT_H1, check_id, read_sheet, write_xlsx
from credittool.score.certify import CourseResult, stamp
from credittool.cli import app
from credittool.commands.ingest import ingest, load_term
from credittool.commands.report import make_report

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
MEETING, READER, SKILLS = "桦甸市教师队伍建设师德报告会", "《中小学教师职业道德规范(2008年修订)培训读本》", "《教师的教学技能》"
ID_A = check_id("22028219800101001")
ID_B = check_id("22028219810202002")
ID_C = check_id("22028219820303003")
ID_D = check_id("22028219830404004")
ID_E = check_id("22028219840505005")
SCORES = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def numeric(ident: str) -> int:
    """An 18-digit ID typed as a number (Excel keeps 15 significant digits of it)."""
    assert ident.isdigit()
    return int(ident)


# ---- issue 12 item 6: sheets that are not imported ----------------------------------------

def conserving_workbook(folder: Path) -> Path:
    """甲校.xlsx: a course sheet with 5 data rows (张三 accepted; 李四 an ID typed as a number:
    1 problem; 王五 two score cells that are not numbers: 2 problems; a blank row; a 合计 row),
    a hidden sheet named like the course 《教师的教学技能》 with 2 data rows below its header,
    and a sheet with 3 non-blank rows and no header."""
    return write_xlsx(folder / "甲校.xlsx", {
        "师德读本": [SCORES,
                 ["张三", ID_A, 80, 6, 50],
                 ["李四", numeric(ID_B), 70, 5, 70],
                 [],
                 ["王五", ID_C, "八十", 5, "七十"],
                 ["合计", None, None, None, None]],
        SKILLS: [SCORES, ["张三", ID_A, 90, 5, 90], ["李四", ID_B, 80, 5, 80]],
        "说明": [["填表说明"], ["成绩由各校填报"], [], ["联系人：教务处"]],
    }, hidden=(SKILLS,))


def test_check_json_conserves_rows_across_unimported_sheets(tmp_path: Path) -> None:
    book = conserving_workbook(tmp_path)
    res = run("check", book, "--rules", TEXT_H1, "--json")
    assert res.exit_code == 1  # rows were rejected
    out = json.loads(res.output)
    # read: 5 rows of 师德读本 + 2 of the hidden sheet + 3 non-blank of 说明 = 10
    # = 1 accepted + 2 rejected rows + 2 skipped (blank, 合计) + 5 in unimported sheets
    assert out["rows"] == {"read": 10, "accepted": 1, "rejected": 2, "skipped": 2, "unimported": 5}
    rows = out["rows"]
    assert rows["read"] == rows["accepted"] + rows["rejected"] + rows["skipped"] + rows["unimported"]
    # by cell: 1 (李四's ID) + 2 (王五's scores); by row: 2
    assert out["problem_count"] == {"cells": 3, "rows": 2}
    assert sorted((s["sheet"], s["row"], s["reason"]) for s in out["skipped"]) == [
        ("师德读本", 4, "空行"), ("师德读本", 6, "合计行")]
    sheets = {u["sheet"]: (u["rows"], u["hidden"], u["course_id"]) for u in out["unimported_sheets"]}
    assert sheets == {SKILLS: (2, True, "teaching-skills"), "说明": (3, False, "")}
    # named like a course of the term: a warning, not a note
    assert len(out["warnings"]) == 1
    assert f"隐藏工作表「{SKILLS}」" in out["warnings"][0] and "其中 2 行成绩没有计入" in out["warnings"][0]


def test_headerless_sheet_named_like_a_course_is_a_warning(tmp_path: Path) -> None:
    # 教学技能 without a header row (the clerk deleted it): its 2 rows are counted, and warned about
    book = write_xlsx(tmp_path / "丁校.xlsx", {
        "师德读本": [SCORES, ["张三", ID_A, 80, 6, 50]],
        "教学技能": [["张三", ID_A, 90, 5, 90], ["李四", ID_B, 80, 5, 80]],
    })
    out = json.loads(run("check", book, "--rules", TEXT_H1, "--json").output)
    assert out["rows"] == {"read": 3, "accepted": 1, "rejected": 0, "skipped": 0, "unimported": 2}
    assert out["warnings"] == [f"丁校.xlsx 的工作表「教学技能」找不到表头，未导入，它与本学期课程「{SKILLS}」同名，"
                               "其中 2 行成绩没有计入：补上表头（姓名、身份证号 等列）后重新导入该文件"]


def test_unimported_sheets_listed_in_rejects_and_warned_on_screen(tmp_path: Path) -> None:
    book = conserving_workbook(tmp_path)
    ws = tmp_path / "ws"
    res = run("ingest", book, "--rules", TEXT_H1, "--workspace", ws)
    assert res.exit_code == 0, res.output
    assert f"警告：甲校.xlsx 的隐藏工作表「{SKILLS}」未导入，它与本学期课程「{SKILLS}」同名，其中 2 行成绩没有计入" \
        in res.output.replace("\n", "")
    listed = read_sheet(ws / "out" / "2009-h1" / "rejects.xlsx", "未导入的工作表")
    assert [(r["文件"], r["工作表"], r["行数"], r["原因"], r["同名课程"]) for r in listed] == [
        ("甲校.xlsx", "说明", 3, "找不到表头（需有 姓名、身份证号 等列），未导入", None),
        ("甲校.xlsx", SKILLS, 2, "隐藏的工作表，未导入", SKILLS)]
    # 学分汇总: 张三's 教学技能 is missing, and the reason says where it went
    summary = {r["身份证号"]: r for r in read_sheet(ws / "out" / "2009-h1" / "register.xlsx", "学分汇总")}
    assert summary[ID_A]["原因"] == (f"缺少成绩：{MEETING}；"
                                    f"缺少成绩：{SKILLS}（甲校.xlsx 的工作表「{SKILLS}」隐藏，未导入）")


def test_ingest_summary_counts_match_when_a_file_has_only_unimported_rows(tmp_path: Path, workspace: Path) -> None:
    # a workbook whose only sheet has no header: the file cannot be used, and its 2 rows are listed
    book = write_xlsx(tmp_path / "乙校.xlsx", {"Sheet1": [["姓名"], ["张三"]]})
    ok = write_xlsx(tmp_path / "丙校.xlsx", {"师德读本": [SCORES, ["张三", ID_A, 80, 6, 50]]})
    ingest([book, ok], rules=[TEXT_H1], workspace=workspace)
    listed = read_sheet(workspace / "out" / "2009-h1" / "rejects.xlsx", "未导入的工作表")
    assert [(r["文件"], r["工作表"], r["行数"]) for r in listed] == [("乙校.xlsx", "Sheet1", 2)]


# ---- issue 11 item 5: rejected is not missing ---------------------------------------------

def school(folder: Path, skills_rows: list[list], name: str = "乙校.xlsx") -> Path:
    """Five teachers who attended the meeting and passed 师德读本; their 教学技能 rows as given."""
    head = ["姓名", "身份证号", "课程", "出勤", "考试成绩", "博文篇数", "博文成绩"]
    people = [("张三", ID_A), ("李四", ID_B), ("王五", ID_C), ("赵六", ID_D), ("钱七", ID_E)]
    rows = [head]
    for n, i in people:
        rows += [[n, i, "师德报告会", "是", None, None, None], [n, i, "师德读本", None, 80, 6, 50]]
    return write_xlsx(folder / name, {"成绩": rows + skills_rows})


SKILLS_ROWS = [
    ["张三", ID_A, "教学技能", None, "20分", 5, 70],  # row 12: valid ID, a score that is no number
    ["李四", numeric(ID_B), "教学技能", None, 70, 5, 70],  # row 13: ID typed as a number, digits agree
    ["王六", ID_C, "教学技能", None, "二十", 5, 70],  # row 14: 王五's ID under another name: not his
    ["赵六", numeric(ID_E), "教学技能", None, 70, 5, 70],  # row 15: 赵六, but the number is 钱七's ID
    ["钱七", ID_E, "教学技能", None, 70, 5, 70],  # row 16: accepted, 0.7×70 + 0.3×70 = 70 ≥ 60
]


def test_rejected_row_is_named_not_missing_in_summary_report_and_terminal(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    res = run("ingest", school(tmp_path, SKILLS_ROWS), "--rules", TEXT_H1, "--workspace", ws)
    assert res.exit_code == 0, res.output
    summary = {r["身份证号"]: r for r in read_sheet(ws / "out" / "2009-h1" / "register.xlsx", "学分汇总")}
    # 0.5 (meeting) + 1.5 (reader) hours/10 → 5 + 15 = 20 学时 each (R1, R5)
    assert summary[ID_A]["合计学时"] == 20 and summary[ID_A]["验印"] == "否"
    assert summary[ID_A]["原因"] == f"成绩行未被接受：{SKILLS}（乙校.xlsx「成绩」第12行，E-SCORE-TEXT；见 rejects.xlsx）"
    # unit (the file's name) and name single out 李四, and his ID agrees with the number's 15 digits
    assert summary[ID_B]["原因"] == f"成绩行未被接受：{SKILLS}（乙校.xlsx「成绩」第13行，E-ID-NUMERIC；见 rejects.xlsx）"
    # an ID under another name, or a number that is another teacher's ID: nobody's row
    assert summary[ID_C]["原因"] == f"缺少成绩：{SKILLS}"
    assert summary[ID_D]["原因"] == f"缺少成绩：{SKILLS}"
    assert summary[ID_E]["验印"] == "是" and summary[ID_E]["合计学时"] == 35
    # the terminal says how many teachers lack a result only because a row was rejected
    assert "警告：2 名教师未验印是因为必修课程的成绩行未被接受" in res.output

    reasons = {u.id_number: u.reasons for u in make_report(workspace=ws, term="2009-h1").report.unstamped}
    assert reasons[ID_A] == summary[ID_A]["原因"] and reasons[ID_B] == summary[ID_B]["原因"]


def test_ledger_keeps_rejected_rows_for_later_runs_until_corrected(tmp_path: Path, workspace: Path) -> None:
    ingest([school(tmp_path, SKILLS_ROWS)], rules=[TEXT_H1], workspace=workspace)
    # a later run with another school's file: the stamps are recomputed from the ledger alone
    other = write_xlsx(tmp_path / "丙校.xlsx", {"师德读本": [SCORES, ["孙八", check_id("22028219850606006"), 80, 6, 50]]})
    ingest([other], rules=[TEXT_H1], workspace=workspace)
    summary = {r["身份证号"]: r for r in read_sheet(workspace / "out" / "2009-h1" / "register.xlsx", "学分汇总")}
    assert summary[ID_A]["原因"].startswith(f"成绩行未被接受：{SKILLS}（乙校.xlsx「成绩」第12行")
    # the corrected file (same name) replaces the old one: 0.7×85 + 0.3×70 = 80.5 → passed, stamped
    fixed = [["张三", ID_A, "教学技能", None, 85, 5, 70]] + SKILLS_ROWS[1:]
    (tmp_path / "fixed").mkdir()
    ingest([school(tmp_path / "fixed", fixed)], rules=[TEXT_H1], workspace=workspace)
    summary = {r["身份证号"]: r for r in read_sheet(workspace / "out" / "2009-h1" / "register.xlsx", "学分汇总")}
    assert (summary[ID_A]["验印"], summary[ID_A]["合计学时"], summary[ID_A]["原因"]) == ("是", 35, None)
    assert summary[ID_B]["原因"].startswith(f"成绩行未被接受：{SKILLS}（乙校.xlsx「成绩」第13行")


def test_stamp_names_a_rejected_required_course() -> None:
    term = load_term([TEXT_H1], None)
    results = [CourseResult("ethics-meeting", True, "", 0, 0), CourseResult("ethics-reader", True, "", 0, 0)]
    st = stamp("text", results, term, {"teaching-skills": ("rejected", "甲校.xlsx「成绩」第5行，E-ID-NUMERIC")})
    assert not st.stamped and st.reasons == (f"成绩行未被接受：{SKILLS}（甲校.xlsx「成绩」第5行，E-ID-NUMERIC）",)
    # an absence noted for a course that has a result changes nothing
    done = results + [CourseResult("teaching-skills", True, "", 0, 0)]
    assert stamp("text", done, term, {"teaching-skills": ("rejected", "x")}).stamped


@pytest.mark.parametrize(("folder", "term"), [("district-2018-19", "2018-19-s1"), ("cycle-2016-2020/2017-18", "2017-18-s1")])
def test_check_accounts_for_every_row_of_a_programme_year(folder: str, term: str) -> None:
    """Held-out round 5: `check --json` left the staff lists' rows (教师名册) and a 课题 list's
    projects out of 接受, so its counts did not add up. read = accepted + rejected + skipped +
    unimported, and the rows accepted are those ingest accepts."""
    from credittool.commands.check import check

    root = Path(__file__).resolve().parents[1]
    rows = check([root / "samples" / folder], rules=[root / "rules"], term=term).rows()
    assert rows["read"] == rows["accepted"] + rows["rejected"] + rows["skipped"] + rows["unimported"]
    with tempfile.TemporaryDirectory() as tmp:
        rep = ingest([root / "samples" / folder], rules=[root / "rules"], workspace=Path(tmp), term=term)
    assert rows["accepted"] == rep.accepted
