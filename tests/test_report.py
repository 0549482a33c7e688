"""`credittool report`: rankings (R8), per-school summary, unstamped list (R9), the public copy.

A tiny county goes through the real pipeline (ingest → sample everyone → fill the scores →
ingest them back → report). Every expected number below is worked out by hand from it.

    school teacher  师德报告会  师德读本 exam/posts/blog → composite  教学技能 …              抽测
    甲校   甲一     是          80/6/90 → 83.0                        90/6/90 → 90.0           90
    甲校   甲二     是          70/5/60 → 67.0                        80/5/70 → 77.0           85
    乙校   乙一     是          90/5/80 → 87.0                        70/5/70 → 70.0           85
    乙校   乙二     是          60/5/50 → 57.0 (< 60: fails)          80/3/80 → 80.0 (3 posts) 70
    乙校   乙三     否 (fails)  75/6/75 → 75.0                        65/5/65 → 65.0           缺考
    丙校   丙一     是          85/6/95 → 88.0                        (no row: 缺少成绩)        87.5
    丁校   丁一     是          64/5/71 → 66.1                        61/5/62 → 61.3           51.7
    丁校   丁二     是          缺考/5/80 → fails, no composite       75/5/85 → 78.0           (blank)

(composite = 0.7 × exam + 0.3 × blog, R2; at least 5 posts, R3; pass mark 60.)
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import TEXT_H1, check_id, read_sheet, write_xlsx
from credittool.write import publish
from credittool.cli import app
from credittool.commands.ingest import ingest
from credittool.score.ranking import competition_ranks, half_up, rank_desc
from credittool.commands.report import make_report
from credittool.commands.sample import sample

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
PUBLISHED_ON = datetime.date(2009, 7, 15)
TERM_NAME = "2009年1—6月"
MEETING, READER, SKILLS = "桦甸市教师队伍建设师德报告会", "《中小学教师职业道德规范(2008年修订)培训读本》", "《教师的教学技能》"

# unit, name, attended, 师德读本 (exam, posts, blog), 教学技能 (exam, posts, blog) or None, spot score
TEACHERS = [
    ("甲校", "甲一", "是", (80, 6, 90), (90, 6, 90), 90),
    ("甲校", "甲二", "是", (70, 5, 60), (80, 5, 70), 85),
    ("乙校", "乙一", "是", (90, 5, 80), (70, 5, 70), 85),
    ("乙校", "乙二", "是", (60, 5, 50), (80, 3, 80), 70),
    ("乙校", "乙三", "否", (75, 6, 75), (65, 5, 65), "缺考"),
    ("丙校", "丙一", "是", (85, 6, 95), None, 87.5),
    ("丁校", "丁一", "是", (64, 5, 71), (61, 5, 62), 51.7),
    ("丁校", "丁二", "是", ("缺考", 5, 80), (75, 5, 85), None),
]
IDS = {name: check_id(f"22028219800101{i:03d}") for i, (_, name, *_) in enumerate(TEACHERS, 1)}


def write_county(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    head = ["姓名", "身份证号", "学校", "学科"]
    files = []
    for unit in dict.fromkeys(t[0] for t in TEACHERS):
        mine = [t for t in TEACHERS if t[0] == unit]
        sheets = {"师德报告会": [head + ["出勤"]] + [[n, IDS[n], u, "语文", a] for u, n, a, *_ in mine]}
        for sheet, k in (("师德读本", 3), ("教学技能", 4)):
            sheets[sheet] = [head + ["考试成绩", "博文篇数", "博文成绩"]] + [
                [t[1], IDS[t[1]], unit, "语文", *t[k]] for t in mine if t[k] is not None]
        files.append(write_xlsx(folder / f"{unit}.xlsx", sheets))
    return files


def fill_scores(sample_xlsx: Path, target: Path) -> Path:
    from openpyxl import load_workbook

    wb = load_workbook(sample_xlsx)
    ws = wb["抽测名单"]
    score = {t[1]: t[5] for t in TEACHERS}
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        row[head.index("抽测成绩")].value = score[row[head.index("姓名")].value]
    wb.save(target)
    return target


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workspace after the whole term: ingest, draw everyone, scores back, report."""
    root = tmp_path_factory.mktemp("county")
    ws = root / "ws"
    ingest(write_county(root / "in"), rules=[TEXT_H1], workspace=ws)
    drawn = sample(workspace=ws, rate="1", seed="1")
    assert len(drawn.members) == 8
    ingest([fill_scores(drawn.path, root / "抽测成绩.xlsx")], rules=[TEXT_H1], workspace=ws)
    make_report(workspace=ws, partial=True, published_on=PUBLISHED_ON)  # 丁二's score is not in yet
    return ws


def out(ws: Path) -> Path:
    return ws / "out" / "2009-h1"


def table(path: Path, sheet: str) -> tuple[list[str], list[list], list[str]]:
    """(notes above the table, header, rows) of a sheet whose table follows some note lines."""
    from openpyxl import load_workbook

    rows = [list(r) for r in load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True)]
    first = {"个人排名": "名次", "团体排名": "名次"}.get(sheet, "单位")
    h = next(i for i, r in enumerate(rows) if r and r[0] == first)
    notes = [r[0] for r in rows[:h]]
    return notes, rows[h], [r + [None] * (len(rows[h]) - len(r)) for r in rows[h + 1:]]


# ---- the rankings (R8) ---------------------------------------------------------------------

def test_individual_ranking_by_hand(county: Path) -> None:
    notes, head, rows = table(out(county) / "report.xlsx", "个人排名")
    assert head == ["名次", "单位", "姓名", "抽测成绩"]
    # 90 > 87.5 > 85 = 85 > 70 > 51.7: ranks 1, 2, 3, 3, 5, 6; the tie in (unit, name) order
    # (乙校 before 甲校: code-point order, as the register sorts units); 缺考 last, no rank;
    # 丁二 has no score yet: not listed
    assert rows == [[1, "甲校", "甲一", 90], [2, "丙校", "丙一", 87.5], [3, "乙校", "乙一", 85],
                    [3, "甲校", "甲二", 85], [5, "乙校", "乙二", 70], [6, "丁校", "丁一", 51.7],
                    [None, "乙校", "乙三", "缺考"]]
    assert any("抽中 8 人：已登记成绩 6 人，缺考 1 人；另有 1 人尚无成绩（未填 1 人）" in n for n in notes)


def test_school_ranking_by_hand(county: Path) -> None:
    notes, head, rows = table(out(county) / "report.xlsx", "团体排名")
    assert head == ["名次", "单位", "抽测人数", "平均成绩", "备注"]
    # 丙校 87.5/1 = 87.5; 甲校 (90+85)/2 = 87.5: equal, both 1st, then 3rd.
    # 丁校 51.7/1 = 51.7 (丁二 not tested yet: left out, and said so); 乙校 (85+70+0)/3 = 51.666…
    # (缺考 = 0): both show 51.7, but the exact means rank 丁校 3rd and 乙校 4th
    assert rows == [[1, "丙校", 1, 87.5, None], [1, "甲校", 2, 87.5, None], [3, "丁校", 1, 51.7, "成绩未齐"],
                    [4, "乙校", 3, 51.7, None]]
    assert "缺考按 0 分计入" in notes[0] and "四舍五入保留一位小数" in notes[0] and "未取整的平均值" in notes[0]


def test_competition_ranks_hand_worked() -> None:
    assert competition_ranks([90, 85, 85, 70]) == [1, 2, 2, 4]
    assert competition_ranks([5, 5, 5]) == [1, 1, 1]
    assert competition_ranks([]) == []
    with pytest.raises(ValueError):
        competition_ranks([1, 2])


def test_half_up_and_exact_means() -> None:
    assert half_up(Fraction(155, 3)) == Decimal("51.7")  # 51.666…
    assert half_up(Decimal("69.65")) == Decimal("69.7")  # half even would give 69.6
    assert half_up(Fraction(175, 2)) == Decimal("87.5")
    assert half_up(0) == Decimal("0.0") and str(half_up(90)) == "90.0"
    assert half_up(Decimal("-0.25")) == Decimal("-0.3")


@given(st.lists(st.integers(0, 100), max_size=40))
def test_rank_is_one_plus_number_strictly_better(scores: list[int]) -> None:
    ranked = rank_desc(list(enumerate(scores)), lambda it: it[1], lambda it: (it[0],))
    for rank, (_, s) in ranked:
        assert rank == 1 + sum(x > s for x in scores)
    assert [s for _, (_, s) in ranked] == sorted(scores, reverse=True)


# ---- 单位汇总 and 未验印名单 ------------------------------------------------------------------

def test_unit_summary_by_hand(county: Path) -> None:
    notes, head, rows = table(out(county) / "report.xlsx", "单位汇总")
    assert head == ["单位", "参训人数", "验印人数", "验印率",
                    f"{MEETING}合格率", f"{MEETING}平均综合成绩", f"{READER}合格率", f"{READER}平均综合成绩",
                    f"{SKILLS}合格率", f"{SKILLS}平均综合成绩", "学时合计", "学分合计"]
    assert rows == [
        # 丁校: 读本 1/2 passed, only 丁一 has a composite (丁二 缺考); 技能 (61.3+78.0)/2 = 69.65 → 69.7
        ["丁校", 2, 1, 0.5, 1, None, 0.5, 66.1, 1, 69.7, 55, 5.5],
        ["丙校", 1, 0, 0, 1, None, 1, 88, None, None, 20, 2],  # no 教学技能 row: blank, not 0%
        # 乙校: 读本 (87+57+75)/3 = 73.0, 2 of 3 passed; 技能 (70+80+65)/3 = 71.666… → 71.7, 2 of 3
        ["乙校", 3, 1, pytest.approx(1 / 3), pytest.approx(2 / 3), None, pytest.approx(2 / 3), 73,
         pytest.approx(2 / 3), 71.7, 70, 7],
        ["甲校", 2, 2, 1, 1, None, 1, 75, 1, 83.5, 70, 7],  # (83+67)/2, (90+77)/2
        # every composite of the county: 523.1/7 = 74.73 → 74.7; 521.3/7 = 74.47 → 74.5
        ["合计", 8, 4, 0.5, 7 / 8, None, 6 / 8, 74.7, pytest.approx(6 / 7), 74.5, 215, 21.5],
    ]
    assert "合格率 = 合格人数 ÷" in notes[0]


def test_rates_are_percentage_cells(county: Path) -> None:
    from openpyxl import load_workbook

    ws = load_workbook(out(county) / "report.xlsx")["单位汇总"]
    assert ws["D3"].value == 0.5 and ws["D3"].number_format == "0.0%"  # 丁校 验印率
    assert ws["H3"].number_format == "0.0"  # 平均综合成绩


def test_unstamped_list_matches_the_register(county: Path) -> None:
    notes, head, rows = table(out(county) / "report.xlsx", "未验印名单")
    assert head == ["单位", "姓名", "身份证号", "原因"]
    register = [r for r in read_sheet(out(county) / "register.xlsx", "学分汇总") if r["验印"] == "否"]
    assert [[r["单位"], r["姓名"], r["身份证号"], r["原因"]] for r in register] == rows
    reasons = {r[1]: r[3] for r in rows}
    assert set(reasons) == {"乙二", "乙三", "丙一", "丁二"}
    # R9: every reason a teacher was not stamped
    assert reasons["乙二"] == f"不合格：{READER}（综合成绩 57.0 低于 60）；不合格：{SKILLS}（博文篇数 3，少于 5）"
    assert reasons["乙三"] == f"不合格：{MEETING}（未参加）"
    assert reasons["丙一"] == f"缺少成绩：{SKILLS}"
    assert reasons["丁二"] == f"不合格：{READER}（缺考）"
    assert rows[0][2] == IDS[rows[0][1]]  # the internal list keeps the full ID (text cell)
    assert "共 4 人。" in notes


# ---- the workbook: chart, determinism ------------------------------------------------------

def test_chart_references_the_school_rows(county: Path) -> None:
    from openpyxl import load_workbook

    path = out(county) / "report.xlsx"
    assert load_workbook(path)["单位汇总"]._charts  # openpyxl reads it back
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/charts/chart1.xml").decode()
    # one note line, the header on row 2, four schools on rows 3–6; the 合计 row 7 left out
    assert "'单位汇总'!$A$3:$A$6" in xml and "<strRef>" in xml
    assert "'单位汇总'!$D$3:$D$6" in xml
    assert "各单位验印率" in xml and "丙校" in xml  # title, and the cached labels


def test_each_chart_is_its_sheets_and_the_filters_stop_above_the_totals(tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from credittool.write.xlsxout import BarChartSpec, SheetSpec, write_xlsx as write_book

    def sheet(title: str, units: list[tuple[str, float]]) -> SheetSpec:
        return SheetSpec(title, ["单位", "率"], [list(u) for u in units], notes=["说明：一行很长的说明文字。" * 6],
                         formats={"率": "0.0%"}, totals=[["合计", 0.5]], wrap_notes=True,
                         chart=BarChartSpec(f"{title}图", "单位", "率", number_format="0%"))

    path = tmp_path / "two.xlsx"
    write_book(path, [sheet("一", [("甲校", 0.25), ("乙校", 0.75)]), sheet("二", [("丙校", 1.0)])])
    with zipfile.ZipFile(path) as z:
        charts = [z.read(f"xl/charts/chart{i}.xml").decode() for i in (1, 2)]
        book = z.read("xl/workbook.xml").decode()
    # the note on row 1, the header on row 2: the first sheet's schools on rows 3–4, 合计 on 5
    assert "'一'!$A$3:$A$4" in charts[0] and "'一'!$B$3:$B$4" in charts[0] and "一图" in charts[0]
    assert "'二'!$B$3<" in charts[1] and "二图" in charts[1] and "丙校" in charts[1]  # cached label
    assert re.search(r'_FilterDatabase" localSheetId="0"[^>]*>[^<]*\$A\$2:\$B\$4<', book)
    assert re.search(r'_FilterDatabase" localSheetId="1"[^>]*>[^<]*\$A\$2:\$B\$3<', book)
    wb = load_workbook(path)
    one, two = wb["一"], wb["二"]
    assert one.auto_filter.ref == "A2:B4" and two.auto_filter.ref == "A2:B3"
    assert [c.value for c in one[5]] == ["合计", 0.5] and one["A5"].font.b and one["B5"].number_format == "0.0%"
    assert one.max_row == 5 and "A1:B1" in one.merged_cells and one.row_dimensions[1].height > 15  # wrapped
    assert one["A1"].alignment.wrap_text and one._charts and two._charts


def test_same_ledger_same_bytes(county: Path) -> None:
    paths = [out(county) / "report.xlsx", out(county) / "publish" / "index.html", out(county) / "publish" / "排名.xlsx"]
    before = [p.read_bytes() for p in paths]
    make_report(workspace=county)
    assert [p.read_bytes() for p in paths] == before


# ---- the public copy: minimum data, no ID numbers -------------------------------------------

LONG_DIGITS = re.compile(r"\d{15,}")


def test_publish_has_no_id_numbers(county: Path) -> None:
    folder = out(county) / "publish"
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "排名.xlsx"]
    page = (folder / "index.html").read_bytes()
    texts = {"index.html": page.decode("utf-8")}
    with zipfile.ZipFile(folder / "排名.xlsx") as z:
        texts |= {n: z.read(n).decode("utf-8") for n in z.namelist()}
    for name, text in texts.items():
        assert not LONG_DIGITS.search(text), name
        assert not any(i in text or i[:-1] in text for i in IDS.values()), name
    assert "甲一" in texts["index.html"] and "丙校" in texts["index.html"]


def test_publish_workbook_has_just_the_two_rankings(county: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(out(county) / "publish" / "排名.xlsx")
    assert wb.sheetnames == ["个人排名", "团体排名"]
    _, head, rows = table(out(county) / "publish" / "排名.xlsx", "个人排名")
    assert head == ["名次", "单位", "姓名", "抽测成绩"] and rows[0] == [1, "甲校", "甲一", 90]


def test_page_is_static_chinese_and_phone_ready(county: Path) -> None:
    text = (out(county) / "publish" / "index.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in text
    assert '<meta charset="utf-8">' in text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert f"<title>{TERM_NAME} 抽测成绩排名</title>" in text
    assert "@media print" in text and "overflow-wrap:anywhere" in text and "table{width:100%" in text
    for banned in ("<script", "<link", "src=", "http:", "https:", "@import", "url("):
        assert banned not in text
    # the ranked rows, in order, and the school table
    assert text.index(">甲一<") < text.index(">丙一<") < text.index(">乙三<")
    assert "<td class=num>87.5</td>" in text and "<td class=num>51.7</td>" in text


def test_allow_list_drops_every_other_key(tmp_path: Path) -> None:
    ident = IDS["甲一"]
    people = [{"名次": 1, "单位": "甲校", "姓名": "甲一", "抽测成绩": Decimal("90"), "身份证号": ident,
               "手机号码": "13912345678"}]
    schools = [{"名次": 1, "单位": "甲校", "抽测人数": 1, "平均成绩": Decimal("90.0"), "身份证号": ident}]
    pub = publish.build(TERM_NAME, people, schools)
    assert pub.people == [[1, "甲校", "甲一", 90]] and pub.schools == [[1, "甲校", 1, 90, None]]
    paths = publish.write(pub, tmp_path / "publish")
    html = paths[0].read_text(encoding="utf-8")
    with zipfile.ZipFile(paths[1]) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist())
    for text in (html, xml):
        assert ident not in text and "身份证号" not in text
        assert "13912345678" not in text and "手机号码" not in text
    assert "<td class=num>90.0</td>" in html  # a school's mean always shows one decimal


def test_an_id_inside_an_allowed_value_is_masked() -> None:
    ident = IDS["甲一"]
    pub = publish.build(TERM_NAME, [{"名次": 1, "单位": "甲校", "姓名": f"甲一{ident}", "抽测成绩": 90}], [])
    assert pub.people[0][2] == "甲一220282**********" + ident[-2:]
    assert not LONG_DIGITS.search(publish.render_html(pub))


def test_every_value_is_html_escaped() -> None:
    evil = '<script>alert("x")</script>&'
    pub = publish.build(f"{TERM_NAME}<i>", [{"名次": 1, "单位": evil, "姓名": "<b>张三</b>", "抽测成绩": 90}],
                        [{"名次": 1, "单位": evil, "抽测人数": 1, "平均成绩": Decimal("90.0")}], ["注<br>"])
    text = publish.render_html(pub)
    assert "<script" not in text and "<b>" not in text and "<br>" not in text and "<i>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in text and "&lt;b&gt;张三&lt;/b&gt;" in text


# ---- before the spot-test scores, and the command line ----------------------------------------

def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("drawn", [False, True])
def test_no_scores_yet_still_reports_summaries(tmp_path: Path, drawn: bool) -> None:
    ws = tmp_path / "ws"
    ingest(write_county(tmp_path / "in"), rules=[TEXT_H1], workspace=ws)
    if drawn:
        sample(workspace=ws, rate="1", seed="1")
    res = run("report", "--workspace", ws)
    assert res.exit_code == 0, res.output
    assert "抽测成绩尚未登记" in res.output and "未写出公开发布稿" in res.output
    assert ("还没有抽样" in res.output) is not drawn
    path = out(ws) / "report.xlsx"
    for sheet in ("个人排名", "团体排名"):
        notes, _, rows = table(path, sheet)
        assert rows == [] and any(n.startswith("抽测成绩尚未登记") for n in notes)
    assert [r[0] for r in table(path, "单位汇总")[2]] == ["丁校", "丙校", "乙校", "甲校", "合计"]
    assert len(table(path, "未验印名单")[2]) == 4
    assert not (out(ws) / "publish").exists()


def test_a_new_draw_leaves_the_old_public_copy_alone_and_says_so(county: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(county, ws)
    page = out(ws) / "publish" / "index.html"
    before = page.read_bytes()
    sample(workspace=ws, rate="1", seed="2", redraw=True, reason="重抽")  # a new draw: its scores are not in yet
    res = run("report", "--workspace", ws, "--draw", "2")  # ranking draw 2: waiting for its scores
    assert res.exit_code == 0, res.output
    assert "抽测成绩尚未登记" in res.output and "已过期，请勿发布" in res.output
    assert page.read_bytes() == before


def test_exempt_and_resit_spot_results_wait_outside_the_ranking(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    ws = tmp_path / "ws"
    ingest(write_county(tmp_path / "in"), rules=[TEXT_H1], workspace=ws)
    drawn = sample(workspace=ws, rate="1", seed="1")
    wb = load_workbook(drawn.path)
    for row in wb["抽测名单"].iter_rows(min_row=2):
        row[4].value = {"甲一": 80, "甲二": "免考", "乙一": "补考"}.get(row[2].value)  # 抽测成绩, 姓名
    wb.save(tmp_path / "f.xlsx")
    ingest([tmp_path / "f.xlsx"], rules=[TEXT_H1], workspace=ws)
    rep = make_report(workspace=ws).report
    assert [(p.rank, p.name) for p in rep.people] == [(1, "甲一")]
    assert [(s.unit, s.tested, s.shown) for s in rep.schools] == [("甲校", 1, Decimal("80.0"))]
    assert rep.spot.pending == {"免考": 1, "补考": 1, "未填": 5}  # 8 drawn − 3 filled in


def test_cli_prints_top_n_and_the_school_summary(county: Path) -> None:
    res = run("report", "--workspace", county, "--top", "3", "--partial")
    assert res.exit_code == 0, res.output
    cells = [[c.strip() for c in line.strip("│ ").split("│")] for line in res.output.splitlines()
             if line.startswith("│")]
    # places 1–3 include both tied 3rds; 乙二 (5th) is not shown
    assert [c for c in cells if len(c) == 4 and c[0].isdigit() and c[1].endswith("校") and "%" not in c[3]] == [
        ["1", "甲校", "甲一", "90.0"], ["2", "丙校", "丙一", "87.5"], ["3", "乙校", "乙一", "85.0"],
        ["3", "甲校", "甲二", "85.0"]]  # scores with one decimal, as everywhere in the terminal
    assert [c for c in cells if c[-1].endswith("%")] == [
        ["丁校", "2", "1", "50.0%"], ["丙校", "1", "0", "0.0%"], ["乙校", "3", "1", "33.3%"],
        ["甲校", "2", "2", "100.0%"], ["合计", "8", "4", "50.0%"]]
    assert not LONG_DIGITS.search(res.output)
    assert "report.xlsx" in res.output and "index.html" in res.output and "排名.xlsx" in res.output


def test_cli_errors_are_one_clear_message(tmp_path: Path, county: Path) -> None:
    res = run("report", "--workspace", tmp_path / "nowhere")
    assert res.exit_code == 2 and "没有台账" in res.output and "Traceback" not in res.output
    res = run("report", "--workspace", county, "--term", "2010-h1")
    assert res.exit_code == 2 and "台账中没有学期 2010-h1" in res.output and "2009-h1" in res.output
    assert "Traceback" not in res.output


def test_stamps_out_of_step_with_the_entries_is_a_clear_error(county: Path, tmp_path: Path) -> None:
    import sqlite3

    ws = tmp_path / "ws"
    shutil.copytree(county, ws)
    con = sqlite3.connect(ws / "ledger.sqlite")
    with con:
        con.execute("DELETE FROM stamps")  # a ledger from before the stamps were kept
    con.close()
    res = run("report", "--workspace", ws)
    assert res.exit_code == 1 and "验印结果与成绩记录不一致" in res.output and "credittool ingest" in res.output
    assert "Traceback" not in res.output


# ---- LibreOffice (only where it is installed; CI has none) -----------------------------------

@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_the_report_to_pdf(county: Path, tmp_path: Path) -> None:
    profile = tmp_path / "lo-profile"  # a private profile: no clash with a running LibreOffice
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(out(county) / "report.xlsx")],
                   check=True, capture_output=True, timeout=240)
    pdf = tmp_path / "report.pdf"
    assert pdf.exists() and pdf.stat().st_size > 0
    assert pdf.read_bytes().startswith(b"%PDF")


def _openpyxl_chart(spec, rows, header_row: int) -> bytes:  # noqa: ANN001 - SheetSpec, rows
    """The reference: the chart part as openpyxl's chart model writes it (xlsxchart.py's
    template was made from it, and must stay equal to it)."""
    import io

    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference, Series
    from openpyxl.chart.data_source import AxDataSource, NumData, NumVal, StrData, StrRef, StrVal
    from openpyxl.chart.label import DataLabelList

    c = spec.chart
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.title[:31])
    ci, vi = spec.columns.index(c.categories) + 1, spec.columns.index(c.values) + 1
    first, last, n = header_row + 1, header_row + len(rows), len(rows)
    chart = BarChart()
    chart.type = "bar" if c.horizontal else "col"
    chart.title, chart.legend, chart.gapWidth = c.title, None, 60
    ser = Series(Reference(ws, min_col=vi, min_row=first, max_row=last), title=c.values)
    labels = ["" if r[ci - 1] is None else str(r[ci - 1]) for r in rows]
    ser.cat = AxDataSource(strRef=StrRef(f=str(Reference(ws, min_col=ci, min_row=first, max_row=last)), strCache=StrData(
        ptCount=n, pt=[StrVal(idx=i, v=v) for i, v in enumerate(labels)])))
    ser.val.numRef.numCache = NumData(formatCode=c.number_format, ptCount=n, pt=[
        NumVal(idx=i, v=r[vi - 1]) for i, r in enumerate(rows) if isinstance(r[vi - 1], (int, float))])
    ser.dLbls = DataLabelList(numFmt=c.label_format or c.number_format, showVal=True, showLegendKey=False,
                              showCatName=False, showSerName=False, showPercent=False, showBubbleSize=False)
    chart.series.append(ser)
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.y_axis.number_format = c.number_format
    chart.y_axis.scaling.min = 0
    if c.max_value is not None:
        chart.y_axis.scaling.max = c.max_value
    if c.horizontal:
        chart.x_axis.axPos, chart.y_axis.axPos = "l", "b"
        chart.x_axis.scaling.orientation = "maxMin"
        chart.y_axis.crosses = "max"
    else:
        chart.x_axis.axPos, chart.y_axis.axPos = "b", "l"
    ws.add_chart(chart, "A1")
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        return z.read("xl/charts/chart1.xml")


@pytest.mark.parametrize("horizontal", [True, False])
@pytest.mark.parametrize(("fmt", "label", "top"), [("0%", "0.0%", 1), ("General", None, None), ("0.0", None, 100.0)])
def test_the_chart_part_is_openpyxls_for_the_same_chart(horizontal: bool, fmt: str, label: str | None,
                                                        top: float | None) -> None:
    from credittool.write.sheetspec import BarChartSpec, SheetSpec
    from credittool.write.xlsxchart import chart_xml

    spec = SheetSpec("单位 A's & <B>", ["单位", "n", "率"], [], chart=BarChartSpec(
        "各单位 <达标> & 率", "单位", "率", number_format=fmt, label_format=label, max_value=top, horizontal=horizontal))
    rows = [["甲&<校>", 3, 0.41935483870967744], ["乙校", 2, 1], [None, 0, None], ["丙校", 1, "—"], ['"丁"', 5, 0.0]]
    assert chart_xml(spec, rows, 2) == _openpyxl_chart(spec, rows, 2)
    assert chart_xml(spec, [], 2) == _openpyxl_chart(spec, [], 2)
