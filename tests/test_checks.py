"""The row checks of extract (`extract/checks.py`): a declared list, run in order, that
decides every row of a sheet, so a row with several faults gets all of them, a skipped row
none, and every row read is skipped, rejected or accepted exactly once."""

from __future__ import annotations

from pathlib import Path

from conftest import TEXT_H1, check_id, write_xlsx
from credittool.commands.ingest import load_term, vocabulary
from credittool.extract import checks
from credittool.extract.rows import FileResult, extract_file

TERM = load_term([TEXT_H1], None)
ID = [check_id(f"2202821980010{i:04d}") for i in range(10)]
HEAD = ["姓名", "身份证号", "课程", "培训类型", "考试成绩", "博文篇数", "博文成绩"]


def _extract(path: Path) -> FileResult:
    return extract_file(path, TERM, vocabulary(TERM))


def test_the_checks_are_declared_in_order() -> None:
    # a note line (注：…) or a 合计 in an unread column (序号) is told as such before it would read as blank
    assert checks.SKIPS == (checks.footer_rows, checks.totals_rows, checks.section_rows, checks.blank_rows,
                            checks.repeated_headers, checks.unfilled_spot_scores)
    assert checks.ROW_CHECKS == (checks.unusable_cells, checks.blank_names_and_ids, checks.unknown_courses,
                                 checks.unknown_tracks)


def test_a_row_gets_every_problem_it_has_in_check_then_column_order(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "甲校.xlsx", {"成绩": [
        HEAD,
        ["张一", ID[0], "教学技能", "", 70, 5, 70],
        ["", ID[1], "英语", "火星", "abc", -1, 70],  # four checks find something
        [None, None, None, None, None, None, None],
        ["合计", None, None, None, 70, 5, 70],
    ]})
    res = _extract(path)
    assert [(p.row, p.code, p.column) for p in res.rejects] == [
        (3, "E-SCORE-TEXT", "考试成绩"), (3, "E-COUNT-RANGE", "博文篇数"), (3, "E-NAME-BLANK", "姓名"),
        (3, "E-COURSE-UNKNOWN", "课程"), (3, "E-TRACK-UNKNOWN", "培训类型")]
    assert [(r.row, r.id, r.course_id) for r in res.rejected_rows] == [(3, ID[1], "")]
    assert [(s.row, s.message) for s in res.skipped] == [(4, "空行"), (5, "合计行")]
    assert res.rows.cols["row"] == [2] and res.rows.cols["course_id"] == ["teaching-skills"]
    assert res.rows_read == len(res.rows) + len(res.rejected_rows) + len(res.skipped)


def test_an_unusable_sheet_rejects_each_row_with_its_one_problem(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "甲校.xlsx", {"教学技能": [
        ["姓名", "考试成绩", "博文成绩"],  # no 身份证号 column
        ["张一", "abc", 70],  # its bad score is not reported: the sheet's problem is the row's
        [None, None, None],
        ["李二", 80, 70],
    ]})
    res = _extract(path)
    assert [(p.row, p.code) for p in res.rejects] == [(2, "E-COLUMN-MISSING"), (4, "E-COLUMN-MISSING")]
    assert [(s.row, s.message) for s in res.skipped] == [(3, "空行")]
    assert [(r.row, r.name, r.course_id) for r in res.rejected_rows] == [(2, "张一", "teaching-skills"),
                                                                         (4, "李二", "teaching-skills")]
    assert len(res.rows) == 0


def test_an_unfilled_spot_score_is_skipped_and_a_filled_one_kept(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "甲校.xlsx", {"抽测名单": [
        ["姓名", "身份证号", "抽测成绩"],
        ["张一", ID[0], 88],
        ["李二", ID[1], None],
        ["王三", ID[2], "九十"],
    ]})
    res = _extract(path)
    assert [(s.row, s.message) for s in res.skipped] == [(3, checks.SPOT_BLANK)]
    assert [(p.row, p.code) for p in res.rejects] == [(4, "E-SCORE-TEXT")]
    assert res.rows.cols["row"] == [2] and res.sheets[0].spot


def test_a_section_heading_between_two_tables_is_skipped_and_a_name_without_id_is_not(tmp_path: Path) -> None:
    """Held-out round 4: 「二、补报」 in the 姓名 column between two tables was E-ID-BLANK. A
    heading is a row whose one cell opens with a Chinese numeral and 、, a bracketed number or
    第…部分, with no ID; 王五 alone, with no ID, is still a teacher's row to fix."""
    path = write_xlsx(tmp_path / "甲校.xlsx", {"教学技能": [
        ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"],
        ["一、正常报名", None, None, None, None],
        ["张一", ID[0], 70, 5, 70],
        ["二、补报", None, None, None, None],
        ["李二", ID[1], 80, 5, 70],
        ["（三）缓考人员", None, None, None, None],
        ["第四部分 其他", None, None, None, None],
        ["王五", None, None, None, None],
        ["二、补报", None, 80, None, None],  # a heading has no score: this row is rejected
    ]})
    res = _extract(path)
    assert [(s.row, s.message) for s in res.skipped] == [(2, "分节标题行"), (4, "分节标题行"), (6, "分节标题行"),
                                                         (7, "分节标题行")]
    assert sorted({(p.row, p.code) for p in res.rejects if p.code == "E-ID-BLANK"}) == [(8, "E-ID-BLANK"), (9, "E-ID-BLANK")]
    assert res.rows.cols["row"] == [3, 5]


def test_a_section_heading_in_the_id_or_number_column_is_skipped_as_one(tmp_path: Path) -> None:
    """Held-out round 5: with 身份证号 first, 「二、补报」 there was E-ID-FORMAT + E-NAME-BLANK;
    in the 序号 column it was skipped as a blank row; 「2.补报」 and 「附：补报名单」 were E-ID-BLANK."""
    path = write_xlsx(tmp_path / "甲校.xlsx", {"教学技能": [
        ["序号", "身份证号", "姓名", "考试成绩", "博文篇数", "博文成绩"],
        [1, ID[0], "张一", 70, 5, 70],
        [None, "二、补报", None, None, None, None],
        ["（三）缓考", None, None, None, None, None],
        [None, None, "2.补报", None, None, None],
        [None, None, "附：补报名单", None, None, None],
        [2, ID[1], "李二", 80, 5, 70],
        [None, None, "三、其他", None, None, "（含借调）"],  # round 6: a remark in the last column
        [None, None, "四、其他", None, None, "借调人员"],  # a text that is no remark: a row to look at
    ]})
    res = _extract(path)
    assert [(s.row, s.message) for s in res.skipped] == [(r, "分节标题行") for r in (3, 4, 5, 6, 8)]
    assert {p.row for p in res.rejects} == {9} and res.rows.cols["row"] == [2, 7]
