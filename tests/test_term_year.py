"""A file that says it is of another school year (its name, or the title above a table) stops
an ingest before the ledger is touched (held-out round 4): files are replaced by name within a
term, so the 2017-18 folder ingested with --term 2016-17-s1 would otherwise replace the
2016-17 files of the same names (张店区第七中学.xlsx …) with the next year's, and say rc 0."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import RULES, TEXT_H1, check_id, write_xlsx
from credittool.commands.check import check
from credittool.commands.ingest import ingest
from credittool.errors import UsageError
from credittool.extract.yearnamed import Title, other_years

ROOT = Path(__file__).resolve().parents[1]
CYCLE = ROOT / "samples" / "cycle-2016-2020"
A = check_id("37030319800101001")


def named(text: str, year: str = "2016-17") -> list[str]:
    """What other_years says of a file named `text`, read for the school year `year`."""
    return [p.message for p, _ in other_years("f.xlsx", [Title("", None, text)], year)]


@pytest.mark.parametrize("text", ["2016-2017学年全员学科研修学时", "２０１６－２０１７学年名册", "2016-17学年度校本培训",
                                  "2016年新教师三年联训考核", "2017年学科骨干教师培训名单", "德育科2017年3月报表",
                                  "2015级新教师", "依据《2015年继续教育规定》的校本培训", "张店区第七中学",
                                  "2015年入职教师培训", "“2015年”主题研修", "2017年春季学期", "2016年9月", "2016年秋",
                                  "实验中学2016-2017学年名册（含补报2015-2016学年）", "2016.9-2017.7学年", "16-17学年",
                                  "二〇一六—二〇一七学年", "2016—2020年继续教育周期", "16-17名单", "2016年-2017年"])
def test_texts_that_are_of_2016_17_or_name_no_year(text: str) -> None:
    # 2016年 may be the autumn of 2016-17, 2017年 its spring; 2015级 is a cohort, not a year;
    # a cited document's year is the document's
    assert named(text) == []


@pytest.mark.parametrize(("text", "seen"), [("2017-2018学年全员学科研修学时", "2017-2018学年"),
                                            ("2015-16学年校本培训", "2015-16学年"),
                                            ("2018年中层干部培训名单", "2018年"), ("2015年校长培训", "2015年"),
                                            ("2017.9-2018.7学年", "2017.9-2018.7学年"), ("2017/2018学年", "2017/2018学年"),
                                            ("17-18学年名册", "17-18学年"), ("二〇一七—二〇一八学年", "2017—2018学年"),
                                            ("2017年秋季", "2017年秋季"), ("2016年3月", "2016年3月"), ("2018年下半年培训", "2018年下半年"),
                                            ("2017-2018年度网络补训名单", "2017-2018年度"),
                                            ("2017-2018第一学期校本培训", "2017-2018第一学期"),
                                            ("2017.9-2018.7网络补训名单", "2017.9-2018.7"),
                                            ("2017-2018网络补训名单", "2017-2018")])
def test_texts_of_another_year_name_what_they_say(text: str, seen: str) -> None:
    # 2017年秋季 begins 2017-18, 2016年3月 ends 2015-16: neither is of 2016-17, and the message
    # quotes the half or month that decides it (「2017年」 alone may be the spring of 2016-17)
    assert named(text) == [f"文件名写的是「{seen}」，不是 2016-17 学年"]


def test_a_school_year_counts_in_a_sheets_name_and_any_row_above_its_header_a_calendar_year_in_its_title() -> None:
    titles = [Title("2017-2018学年", 0, "2017-2018学年", first=False), Title("名册", 1, "张店区第七中学", first=True),
              Title("名册", 2, "填报单位：第七中学 2017-2018学年", first=False),
              Title("名册", 3, "说明：依 2014年 的规定", first=False)]
    assert [(p.sheet, p.row, p.message) for p, _ in other_years("f.xlsx", titles, "2016-17")] == [
        ("2017-2018学年", None, "工作表名写的是「2017-2018学年」，不是 2016-17 学年"),
        ("名册", 2, "标题写的是「2017-2018学年」，不是 2016-17 学年")]  # a note's calendar year is not its title's


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_the_next_years_folder_under_this_years_term_changes_nothing_and_names_the_files(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ingest([CYCLE / "2016-17"], rules=[RULES], workspace=ws, term="2016-17-s1")
    con = sqlite3.connect(ws / "ledger.sqlite")
    before = con.execute("SELECT COUNT(*), SUM(hours) FROM entries").fetchone(), con.execute(
        "SELECT * FROM files ORDER BY 1").fetchall()
    outputs = _digest(ws / "out" / "2016-17-s1")
    with pytest.raises(UsageError) as exc:
        ingest([CYCLE / "2017-18"], rules=[RULES], workspace=ws, term="2016-17-s1")
    # two files say 2017-2018学年: one in its name, one in both its sheets' titles
    assert "2 个文件写的是另一个学年" in exc.value.message
    assert "2017-2018学年全员学科研修学时.xlsx：文件名写的是「2017-2018学年」" in exc.value.message
    assert "张店区第七中学.xlsx 「教师名册」 第1行：标题写的是「2017-2018学年」" in exc.value.message
    assert "--term 2017-18-s1" in exc.value.hint
    after = con.execute("SELECT COUNT(*), SUM(hours) FROM entries").fetchone(), con.execute(
        "SELECT * FROM files ORDER BY 1").fetchall()
    con.close()
    assert after == before and _digest(ws / "out" / "2016-17-s1") == outputs
    # and check, which writes nothing, lists the same three titles as problems
    found = [(p.file, p.sheet, p.row) for p in check([CYCLE / "2017-18"], rules=[RULES], term="2016-17-s1").rejects
             if p.code == "E-TERM-YEAR"]
    assert found == [("2017-2018学年全员学科研修学时.xlsx", "", None), ("张店区第七中学.xlsx", "教师名册", 1),
                     ("张店区第七中学.xlsx", "校本培训", 1)]


def test_a_stale_title_stops_the_ingest_until_its_year_is_corrected(tmp_path: Path) -> None:
    sheets = {"校本培训": [["实验中学2015-2016学年校本培训登记表"], ["姓名", "身份证号", "学时"], ["张三", A, 20]]}
    (tmp_path / "in").mkdir()
    f = write_xlsx(tmp_path / "in" / "实验中学.xlsx", sheets)
    with pytest.raises(UsageError) as exc:
        ingest([f], rules=[RULES], workspace=tmp_path / "ws", term="2016-17-s1")
    assert "「校本培训」 第1行：标题写的是「2015-2016学年」，不是 2016-17 学年" in exc.value.message
    assert "先写好该学年的规则" in exc.value.hint  # the rules have no 2015-16 term
    assert not (tmp_path / "ws" / "ledger.sqlite").exists() or sqlite3.connect(
        tmp_path / "ws" / "ledger.sqlite").execute("SELECT COUNT(*) FROM entries").fetchone() == (0,)
    assert "--any-year" in exc.value.hint
    # read as it is when the clerk says so …
    assert ingest([f], rules=[RULES], workspace=tmp_path / "ws", term="2016-17-s1", any_year=True).accepted == 1
    # … or once its title is corrected
    sheets["校本培训"][0] = ["实验中学2016-2017学年校本培训登记表"]
    write_xlsx(f, sheets)
    rep = ingest([f], rules=[RULES], workspace=tmp_path / "ws", term="2016-17-s1")
    assert rep.accepted == 1 and [x.status for x in rep.files] == ["替换"]


def test_a_course_term_reads_a_file_named_by_one_of_its_months(tmp_path: Path) -> None:
    src = next((ROOT / "samples" / "county-2009-h1").glob("*第一中学.xlsx"))
    f = tmp_path / "in" / f"{src.stem}（2009年6月）.xlsx"  # June: within 2009年1—6月
    f.parent.mkdir()
    shutil.copy(src, f)
    rep = ingest([f], rules=[TEXT_H1], workspace=tmp_path / "ws")
    assert rep.accepted > 0


def test_a_school_year_given_for_a_term_names_the_years_term(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as exc:
        ingest([CYCLE / "2017-18"], rules=[RULES], workspace=tmp_path / "ws", term="2017-18")
    assert exc.value.message == "规则中没有学期 2017-18" and exc.value.hint.startswith("是不是 --term 2017-18-s1？")
    assert not (tmp_path / "ws").exists()  # refused before the ledger is opened


def test_a_file_byte_for_byte_another_terms_is_warned_about(tmp_path: Path) -> None:
    """Held-out round 5: last year's files whose names and titles name no year went into this
    year unsaid, though the ledger had those very bytes under last year's term."""
    ws = tmp_path / "ws"
    ingest([CYCLE / "2017-18"], rules=[RULES], workspace=ws, term="2017-18-s1")
    school = CYCLE / "2017-18" / "张店区实验中学.xlsx"
    rep = ingest([school], rules=[RULES], workspace=ws, term="2016-17-s1")
    (w,) = rep.slips
    assert (w.file, w.code) == ("张店区实验中学.xlsx", "W-OTHER-TERM")
    assert w.message == "「张店区实验中学.xlsx」与 2017-18-s1 学期已导入的「张店区实验中学.xlsx」内容完全相同"
    assert "--term 2016-17-s1 撤回" in w.hint
    assert not any("内容完全相同" in n for f in rep.files for n in f.notes)  # said once, as a warning


def test_a_course_terms_files_are_held_to_the_months_its_name_names(tmp_path: Path) -> None:
    """The county's term is 2009年1—6月 (rules/huadian-2009-h1-*.yaml): its files' titles say
    2009年上半年. Read with --term 2009-h2 (2009年7—12月), every file says another half; a file
    named 2008年下半年… says another year. A course's name citing a revision (2008年修订) names none."""
    county = ROOT / "samples" / "county-2009-h1"
    with pytest.raises(UsageError) as exc:
        ingest([county], rules=[RULES], workspace=tmp_path / "h2", term="2009-h2")
    assert "个文件写的是另一个学期，不是 --term 2009-h2 的 2009年7—12月" in exc.value.message
    assert "标题写的是「2009年上半年」，不是 2009年7—12月" in exc.value.message and "2009-h1" in exc.value.hint
    (tmp_path / "in").mkdir()
    shutil.copy(next(county.glob("*第五中学.xlsx")), tmp_path / "in" / "2008年下半年桦甸市第五中学.xlsx")
    with pytest.raises(UsageError) as exc:
        ingest([tmp_path / "in"], rules=[RULES], workspace=tmp_path / "h1", term="2009-h1")
    assert "文件名写的是「2008年下半年」，不是 2009年1—6月" in exc.value.message
    assert ingest([county], rules=[RULES], workspace=tmp_path / "h1", term="2009-h1").accepted > 0


def test_a_school_year_given_to_a_ledger_command_names_the_years_term(tmp_path: Path) -> None:
    from credittool.commands.report import make_report
    from credittool.commands.withdraw import undo

    ws = tmp_path / "ws"
    ingest([CYCLE / "2017-18"], rules=[RULES], workspace=ws, term="2017-18-s1")
    for call in (lambda: make_report(workspace=ws, term="2017-18"), lambda: undo("x.xlsx", workspace=ws, term="2017-18")):
        with pytest.raises(UsageError) as exc:
            call()
        assert exc.value.hint.startswith("是不是 --term 2017-18-s1？")


@pytest.mark.parametrize(("text", "stops"), [
    ("2009年上半年成绩登记表", False), ("2009年6月", False), ("2009年1月至6月", False), ("2008-2009学年第二学期", False),
    ("2008-2009学年", False), ("《规范(2008年修订)》读本", False), ("2009年7—12月", True), ("2009年7-12月", True),
    ("2009年秋季", True), ("2009年秋", True), ("2009-2010学年第一学期", True), ("2008-2009学年第一学期", True),
    ("2008年下半年", True), ("2010年上半年", True)])
def test_a_title_is_held_to_the_course_terms_months(text: str, stops: bool) -> None:
    """Held-out round 6: 2009年7—12月 (the 2009-h2 rules' own name), 2009年秋季 and
    2009-2010学年第一学期 went into 2009年1—6月. A school year's first 学期 is its autumn, its
    second the spring after; a school year alone may be either."""
    from credittool.extract.yearnamed import other_months

    assert bool(other_months("f.xlsx", [Title("", None, text)], "2009年1—6月")) is stops
