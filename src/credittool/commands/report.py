"""`credittool report` as a library call: the ledger → out/<term>/report.xlsx, and the
publication copy out/<term>/publish/ (see publish.py) once spot-test results exist.

report.xlsx sheets: 个人排名 and 团体排名 (R8), 单位汇总 (with a native bar chart of 验印率),
未验印名单 (R9: every unstamped teacher with every reason).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from credittool.write import outputs

from credittool.write import publish
from credittool.ledger import verdicts
from credittool.ledger.db import generation, mark_written
from credittool.ledger.report import Report, UnitSummary, build_report
from credittool.ledger.terms import choose_ledger_term, open_ledger, publisher as recorded_publisher
from credittool.score.research import NO_RESEARCH
from credittool.score.standards import standard_heads, standard_labels
from credittool.write.xlsxout import BarChartSpec, SheetSpec, write_xlsx
from credittool.stages import collector_paused

REPORT_NAME = outputs.REPORT
PUBLISH_DIR = "publish"
UNSTAMPED_COLUMNS = ("单位", "姓名", "身份证号", "原因")
SUMMARY_NOTE = ("参训人数 = 学分汇总中的教师数；验印率 = 验印人数 ÷ 参训人数。每门课程：合格率 = 合格人数 ÷ "
                "该校有该课程成绩的人数；平均综合成绩 = 有综合成绩者（出勤类课程、缺考、免考没有综合成绩）的平均值，"
                "四舍五入保留一位小数；该校无该课程成绩时留空。学时合计、学分合计 = 已记入证书的学时、学分（R10）。")
UNSTAMPED_NOTE = "R9：任何一项考核不合格（或缺少必修课程成绩），不予年度继续教育证书登记验印。原因列出该教师的全部未通过项。"


@dataclass
class YearReportResult:
    """`credittool report` of a programme term: the year's standards (R12–R17)."""

    term_id: str
    term_name: str
    year: str
    units: list[verdicts.UnitStanding]
    total: verdicts.UnitStanding
    labels: list[str]  # the standards, as 单位达标 heads their counts
    heads: list[str]  # the same, shorter (面对面培训, 省网络全员研修, 合计), for the terminal
    path: Path  # report.xlsx


@dataclass
class ReportResult:
    report: Report
    path: Path  # report.xlsx
    published: list[Path]  # publish/index.html and publish/排名.xlsx; empty when withheld
    publish_dir: Path
    stale_publish: bool  # not published now, but an earlier publish/ is still there (left untouched)
    withheld: str | None = None  # why publish/ was not written, and what to do


@collector_paused()
def make_report(*, workspace: Path, term: str | None = None, partial: bool = False, publisher: str | None = None,
                published_on: dt.date | None = None, draw: int | None = None) -> ReportResult | YearReportResult:
    """Compute the report from the ledger and write report.xlsx, and publish/ once every drawn
    teacher has a result (`partial`: before, saying so on the page). The page names the
    issuer (`publisher`, else the rules' `publisher:` recorded at ingest) and the date of
    publication (`published_on`, else SOURCE_DATE_EPOCH's day, else today)."""
    con = open_ledger(workspace)
    try:
        term_id, term_name = choose_ledger_term(con, term)
        outputs.refresh(con, term_id, workspace / "out" / term_id)  # a killed ingest left them behind the ledger
        gen = generation(con, term_id)  # what the report shows: a later change makes it stale
        if verdicts.year_of(con, term_id) is not None:
            result = year_report(con, term_id, term_name, workspace / "out" / term_id / REPORT_NAME)
            mark_written(con, term_id, gen, "reported")
            return result
        rep = build_report(con, term_id, term_name, draw)
        recorded = recorded_publisher(con, term_id)
    finally:
        con.close()
    out_dir = workspace / "out" / term_id
    path = out_dir / REPORT_NAME
    write_xlsx(path, report_sheets(rep))
    con = open_ledger(workspace)
    try:
        mark_written(con, term_id, gen, "reported")
    finally:
        con.close()
    pub_dir = out_dir / PUBLISH_DIR
    issuer = publisher or recorded
    withheld = _withheld(rep, partial, issuer)
    published: list[Path] = []
    if withheld is None and issuer:
        masthead = publish.Masthead(issuer, _chinese_date(published_on or _today()), partial and not rep.spot.complete)
        published = publish.write(publish.from_report(rep, masthead), pub_dir)
    stale = not published and any((pub_dir / n).exists() for n in publish.FILE_NAMES)
    return ReportResult(rep, path, published, pub_dir, stale, withheld)


def _withheld(rep: Report, partial: bool, issuer: str | None) -> str | None:
    if not rep.spot.has_results:  # nothing to publish before the first spot-test result
        return "抽测成绩尚未登记。"
    if not rep.spot.complete and not partial:
        left = "、".join(f"{u} {n} 人" for u, n in rep.spot.missing.items())
        return (f"还有 {sum(rep.spot.missing.values())} 人的抽测成绩未登记（{left}），不发布不全的排名。"
                "成绩登记齐后重新运行 credittool report；要先发布部分结果，加 --partial（页面上会注明）。")
    if not issuer:
        return "不知道发布单位：在规则中写 publisher: {issuer: …} 后重新导入，或用 --publisher 指定。"
    return None


def _today() -> dt.date:
    """The day of publication: SOURCE_DATE_EPOCH's (reproducible builds' convention), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


def _chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _num(x: Decimal | Fraction | None) -> int | float | None:
    """An Excel number: 85 not 85.0; a rate stays its exact float (shown through 0.0%)."""
    if x is None:
        return None
    if isinstance(x, Fraction):
        return float(x)
    return int(x) if x == x.to_integral_value() else float(x)


def summary_columns(courses: Sequence[tuple[str, str]]) -> list[str]:
    cols = ["单位", "参训人数", "验印人数", "验印率"]
    for _, name in courses:
        cols += [f"{name}合格率", f"{name}平均综合成绩"]
    return cols + ["学时合计", "学分合计"]


def _summary_row(u: UnitSummary) -> list:
    row: list = [u.unit, u.teachers, u.stamped, _num(u.stamp_rate)]
    for st in u.courses:
        row += [None, None] if st is None else [_num(st.pass_rate), _num(st.mean_composite)]
    return row + [_num(u.hours), _num(u.credits)]


def summary_sheets(rep: Report) -> list[SheetSpec]:
    """单位汇总, one sheet per track (单位汇总（文本）…) when the term has several: each school
    has only its own track's courses, so a block carries only those and prints at ≥ 9 pt."""
    blocks = [(t.name, t.courses, t.units, t.total) for t in rep.tracks] or [("", (), (), rep.total)]
    out = []
    for name, courses, units, total in blocks:
        title = "单位汇总" if len(blocks) == 1 else f"单位汇总（{name}）"
        cols = summary_columns(courses)
        rates = {c: "0.0%" for c in cols if c.endswith("率")}
        means = {c: "0.0" for c in cols if c.endswith("平均综合成绩")}
        narrow = {"参训人数": 6, "验印人数": 6, "验印率": 7, "学时合计": 7, "学分合计": 7} | {c: 9 for c in cols[4:-2]}
        out.append(SheetSpec(title, cols, [_summary_row(u) for u in units], notes=[SUMMARY_NOTE],
                             formats=rates | means, totals=[_summary_row(total)] if units else [],
                             chart=BarChartSpec("各单位验印率", "单位", "验印率", number_format="0%",
                                                label_format="0.0%", max_value=1),
                             widths=narrow, wrap_header=True, wrap_notes=True, landscape=True,
                             print_title=f"{title}　{rep.term_name}"))
    return out


def report_sheets(rep: Report) -> list[SheetSpec]:
    pub = publish.from_report(rep)
    return [
        *publish.sheets(pub),  # the rankings: the same allow-listed columns as the public copy
        *summary_sheets(rep),
        SheetSpec("未验印名单", UNSTAMPED_COLUMNS,
                  [[u.unit, u.name, u.id_number, u.reasons] for u in rep.unstamped],
                  notes=[UNSTAMPED_NOTE, f"共 {len(rep.unstamped)} 人。"], widths={"原因": 60}, wrap=("原因",),
                  wrap_notes=True, landscape=True, print_title=f"未验印名单　{rep.term_name}"),
    ]


STANDING_NOTE = ("教师数 = 本学年教师名册上的教师与有项目记录的教师；单位为人事关系所在单位（教师名册所写，无名册时取项目名单所写）。"
                 "达标率 = 达标人数 ÷ 教师数。其后各列是未达到该项标准的人数（一人可未达多项）。"
                 "课题权重分（R14）：该校课题中最高的一项——市级以上优秀成果 1，县（区）级奖励 0.5，没有课题 0；课题依据是决定它的那项课题。")
VERDICT_NOTE = ("R12、R15、R17：面对面培训学时不足的，网络补训学时以差额为限计入；校本研修计入合计有上限；"
                "省网络全员研修须完成。原因列出该教师未达到的全部标准及其数字。")


def year_report(con: sqlite3.Connection, term_id: str, term_name: str, path: Path) -> YearReportResult:
    """report.xlsx of a programme term: 学分达标 (each teacher's verdict over the year) and
    单位达标 (each unit's 达标率 and what its teachers still lack, with a chart)."""
    ps = verdicts.programme_set(con, term_id)
    standards = standard_labels(ps)
    keys, labels = zip(*standards) if standards else ((), ())
    units, total = verdicts.unit_standings(con, term_id, list(keys))
    weights = verdicts.research_weights(con, term_id) if ps.research is not None else None
    if weights:  # a school with projects but no teacher of the year still has its weight
        have = {u.unit for u in units}
        units = sorted(units + [verdicts.UnitStanding(u, 0, 0, (0,) * len(keys)) for u in weights if u not in have],
                       key=lambda u: u.unit)
    rows = [r[1:] for r in verdicts.verdict_rows(con, term_id)]  # 学年 is in the title
    columns = verdicts.verdict_columns(ps)[1:]
    numbers = [c for c in columns if c not in ("单位", "姓名", "身份证号", "是否达标", "原因")]
    title = f"{ps.term.year}学年　{term_name}"
    standing_cols = ["单位", "教师数", "达标人数", "达标率", *(f"{lb}（人）" for lb in labels)]
    standing_cols += ["课题权重分", "课题依据"] if weights is not None else []

    def standing(u: verdicts.UnitStanding) -> list:
        row = [u.unit, u.teachers, u.met, _num(u.rate), *u.missed]
        if weights is not None and u is not total:  # R14: the level that decided it
            w = weights.get(u.unit, NO_RESEARCH)
            row += [_num(w.weight), w.why]
        return row

    write_xlsx(path, [
        SheetSpec("学分达标", columns, rows, notes=[VERDICT_NOTE],
                  widths={"单位": 22, "姓名": 8, **dict.fromkeys(numbers, 6), "是否达标": 5, "原因": 34},
                  wrap=("原因",), wrap_header=True, wrap_notes=True, landscape=True, print_title=f"学分达标　{title}"),
        SheetSpec("单位达标", standing_cols, [standing(u) for u in units], notes=[STANDING_NOTE],
                  formats={"达标率": "0.0%"}, totals=[standing(total)] if units else [],
                  chart=BarChartSpec("各单位达标率", "单位", "达标率", number_format="0%", label_format="0.0%",
                                     max_value=1),
                  widths={**{c: 8 for c in standing_cols[1:]}, "课题依据": 40}, wrap=("课题依据",),
                  wrap_header=True, wrap_notes=True, landscape=True,
                  print_title=f"单位达标　{title}"),
    ])
    return YearReportResult(term_id, term_name, ps.term.year, units, total, list(labels), standard_heads(ps), path)
