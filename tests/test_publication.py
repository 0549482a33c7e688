"""publish/ never leaves out a school silently (issue 11, item 6), carries no internal wording,
and names its issuer, term and date; where Chromium is installed, the page's DOM is checked.

The tiny county of test_report.py (8 teachers, 4 schools), every teacher drawn (rate 1).
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import TEXT_H1
from credittool.commands.ingest import ingest
from credittool.commands.report import make_report
from credittool.rules.loader import load_rules
from credittool.commands.sample import sample
from test_report import IDS, TEACHERS, TERM_NAME, write_county

DAY = datetime.date(2009, 7, 15)
HEAD = f"发布单位：桦甸市教师进修学校培训部　学期：{TERM_NAME}　发布日期：2009年7月15日"


def term(tmp_path: Path, scores: dict[str, object]) -> Path:
    """Ingest, draw everyone, fill in `scores` (name → score; others left blank), ingest them."""
    from openpyxl import load_workbook

    ws = tmp_path / "ws"
    ingest(write_county(tmp_path / "in"), rules=[TEXT_H1], workspace=ws)
    drawn = sample(workspace=ws, rate="1", seed="1")
    wb = load_workbook(drawn.path)
    sheet = wb["抽测名单"]
    head = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        row[head.index("抽测成绩")].value = scores.get(row[head.index("姓名")].value)
    wb.save(tmp_path / "filled.xlsx")
    ingest([tmp_path / "filled.xlsx"], rules=[TEXT_H1], workspace=ws)
    return ws


ALL = {t[1]: t[5] for t in TEACHERS} | {"丁二": 60}  # every drawn teacher has a result
PUBLISH = Path("out") / "2009-h1" / "publish"


def test_nothing_is_published_while_scores_are_missing(tmp_path: Path) -> None:
    ws = term(tmp_path, ALL | {"丁二": None, "丙一": None})
    res = make_report(workspace=ws, published_on=DAY)
    assert res.published == [] and not (ws / PUBLISH).exists()
    assert "还有 2 人的抽测成绩未登记（丁校 1 人、丙校 1 人）" in res.withheld and "--partial" in res.withheld


def test_partial_lists_every_drawn_school_and_says_so(tmp_path: Path) -> None:
    ws = term(tmp_path, ALL | {"丁二": None, "丙一": None})  # 丙校's only teacher has no score yet
    res = make_report(workspace=ws, partial=True, published_on=DAY)
    assert res.withheld is None and len(res.published) == 2
    page = (ws / PUBLISH / "index.html").read_text(encoding="utf-8")
    assert "本名单为部分结果：尚有 2 人的成绩未登记" in page
    schools = page[page.index('id="schools"'):]
    # by hand: 甲校 (90+85)/2 = 87.5; 丁校 51.7 (丁二 missing); 乙校 (85+70+0)/3 = 51.7, 4th on
    # the exact mean; 丙校 no result at all: listed last, no rank, 成绩未齐
    rows = re.findall(r"<tr[^>]*><td[^>]*>([^<]*)</td><td>([^<]*)</td><td[^>]*>([^<]*)</td>"
                      r"<td[^>]*>([^<]*)</td><td>([^<]*)</td></tr>", schools)
    assert rows == [("1", "甲校", "2", "87.5", ""), ("2", "丁校", "1", "51.7", "成绩未齐"),
                    ("3", "乙校", "3", "51.7", ""), ("", "丙校", "0", "", "成绩未齐")]


def test_complete_scores_publish_without_partial_and_without_the_warning(tmp_path: Path) -> None:
    ws = term(tmp_path, ALL)
    res = make_report(workspace=ws, published_on=DAY)
    page = (ws / PUBLISH / "index.html").read_text(encoding="utf-8")
    assert res.withheld is None and "部分结果" not in page and "成绩未齐" not in page
    assert "本次共抽测 8 人：已有成绩 7 人，缺考 1 人。" in page


def test_public_copy_has_no_internal_wording(tmp_path: Path) -> None:
    ws = term(tmp_path, ALL | {"丁二": None})
    make_report(workspace=ws, partial=True, published_on=DAY)
    page = (ws / PUBLISH / "index.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(ws / PUBLISH / "排名.xlsx") as z:
        book = "".join(z.read(n).decode("utf-8")
                       for n in z.namelist() if n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml")
    for text in (page, book):
        for internal in ("R8", "（R", "credittool", "导入", "重新生成", "sample.xlsx", "种子"):
            assert internal not in text, internal
        assert not re.search(r"\d{15,}", text) and not any(i in text for i in IDS.values())
    internal_notes = (ws / "out" / "2009-h1" / "report.xlsx")
    with zipfile.ZipFile(internal_notes) as z:  # the office's own copy keeps the rule and the next step
        assert "R8" in "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def test_issuer_term_and_date_head_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = term(tmp_path, ALL)
    make_report(workspace=ws, published_on=DAY)  # the issuer from the rules' publisher: entry
    page = (ws / PUBLISH / "index.html").read_text(encoding="utf-8")
    assert f'<p class="note">{HEAD}</p>' in page
    from openpyxl import load_workbook

    for sheet in load_workbook(ws / PUBLISH / "排名.xlsx").worksheets:
        assert sheet["A1"].value == HEAD
    first = (ws / PUBLISH / "index.html").read_bytes()
    make_report(workspace=ws, published_on=DAY)
    assert (ws / PUBLISH / "index.html").read_bytes() == first  # a given date: the same bytes
    make_report(workspace=ws, published_on=DAY, publisher="华甸市教育局")
    assert "发布单位：华甸市教育局　" in (ws / PUBLISH / "index.html").read_text(encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1247616000")  # 2009-07-15 00:00 UTC
    make_report(workspace=ws)
    assert HEAD in (ws / PUBLISH / "index.html").read_text(encoding="utf-8")


def test_rules_publisher_is_one_per_term(tmp_path: Path) -> None:
    text = TEXT_H1.read_text(encoding="utf-8").replace("base: _huadian-2009-common.yaml",
                                                       f"base: {TEXT_H1.parent / '_huadian-2009-common.yaml'}")
    mine = tmp_path / "mine.yaml"
    mine.write_text(text.replace("track: {id: text", "publisher: {issuer: 别的单位}\ntrack: {id: online")
                    .replace("aliases: [文本培训]", "aliases: [网联培训]"), encoding="utf-8")
    book = load_rules([TEXT_H1, mine])
    assert any(p.rule.path == "publisher.issuer" and "another file" in p.message for p in book.problems), book.problems
    typo = tmp_path / "typo.yaml"
    typo.write_text(text.replace("track: {id: text", "publisher: {isuer: 某}\ntrack: {id: text"), encoding="utf-8")
    assert any(p.rule.path.startswith("publisher") for p in load_rules([typo]).problems)
    assert load_rules([TEXT_H1]).terms["2009-h1"].publisher == "桦甸市教师进修学校培训部"


# ---- Chromium (skipped where it is not installed) ----------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_chromium_renders_every_drawn_school_and_no_id(tmp_path: Path) -> None:
    ws = term(tmp_path, ALL | {"丙一": None})
    make_report(workspace=ws, partial=True, published_on=DAY)
    page = ws / PUBLISH / "index.html"
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={tmp_path / 'chromium'}", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    dom = done.stdout
    assert done.returncode == 0 and "</html>" in dom, done.stderr[-2000:]
    schools = dom[dom.index('id="schools"'):]
    for unit in sorted({t[0] for t in TEACHERS}):  # every drawn school, 丙校 (no score yet) included
        assert f"<td>{unit}</td>" in schools, unit
    assert "成绩未齐" in schools and HEAD in dom
    assert not re.search(r"\d{15,}", dom) and not any(i in dom or i[:-1] in dom for i in IDS.values())
