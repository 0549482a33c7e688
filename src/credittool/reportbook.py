"""`credittool report` as a library call: the ledger → out/<term>/report.xlsx, and the
publication copy out/<term>/publish/ (see publish.py) once spot-test results exist.

report.xlsx sheets: 个人排名 and 团体排名 (R8), 单位汇总 (with a native bar chart of 验印率),
未验印名单 (R9: every unstamped teacher with every reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from credittool import outputs, publish
from credittool.report import Report, UnitSummary, build_report
from credittool.spottest import choose_ledger_term, open_ledger
from credittool.xlsxout import BarChartSpec, SheetSpec, write_xlsx

REPORT_NAME = "report.xlsx"
PUBLISH_DIR = "publish"
UNSTAMPED_COLUMNS = ("单位", "姓名", "身份证号", "原因")
SUMMARY_NOTE = ("参训人数 = 学分汇总中的教师数；验印率 = 验印人数 ÷ 参训人数。每门课程：合格率 = 合格人数 ÷ "
                "该校有该课程成绩的人数；平均综合成绩 = 有综合成绩者（出勤类课程、缺考、免考没有综合成绩）的平均值，"
                "四舍五入保留一位小数；该校无该课程成绩时留空。学时合计、学分合计 = 已记入证书的学时、学分（R10）。")
UNSTAMPED_NOTE = "R9：任何一项考核不合格（或缺少必修课程成绩），不予年度继续教育证书登记验印。原因列出该教师的全部未通过项。"


@dataclass
class ReportResult:
    report: Report
    path: Path  # report.xlsx
    published: list[Path]  # publish/index.html and publish/排名.xlsx; empty while no spot results
    publish_dir: Path
    stale_publish: bool  # no results now, but an earlier publish/ is still there (left untouched)


def make_report(*, workspace: Path, term: str | None = None) -> ReportResult:
    """Compute the report from the ledger and write report.xlsx (and publish/ when there are results)."""
    con = open_ledger(workspace)
    try:
        term_id, term_name = choose_ledger_term(con, term)
        outputs.refresh(con, term_id, workspace / "out" / term_id)  # a killed ingest left them behind the ledger
        rep = build_report(con, term_id, term_name)
    finally:
        con.close()
    out_dir = workspace / "out" / term_id
    path = out_dir / REPORT_NAME
    write_xlsx(path, report_sheets(rep))
    pub_dir = out_dir / PUBLISH_DIR
    published: list[Path] = []
    if rep.spot.has_results:  # nothing to publish before the first spot-test result
        published = publish.write(publish.from_report(rep), pub_dir)
    stale = not published and any((pub_dir / n).exists() for n in publish.FILE_NAMES)
    return ReportResult(rep, path, published, pub_dir, stale)


def _num(x: Decimal | Fraction | None) -> int | float | None:
    """An Excel number: 85 not 85.0; a rate stays its exact float (shown through 0.0%)."""
    if x is None:
        return None
    if isinstance(x, Fraction):
        return float(x)
    return int(x) if x == x.to_integral_value() else float(x)


def summary_columns(rep: Report) -> list[str]:
    cols = ["单位", "参训人数", "验印人数", "验印率"]
    for _, name in rep.courses:
        cols += [f"{name}合格率", f"{name}平均综合成绩"]
    return cols + ["学时合计", "学分合计"]


def _summary_row(u: UnitSummary) -> list:
    row: list = [u.unit, u.teachers, u.stamped, _num(u.stamp_rate)]
    for st in u.courses:
        row += [None, None] if st is None else [_num(st.pass_rate), _num(st.mean_composite)]
    return row + [_num(u.hours), _num(u.credits)]


def report_sheets(rep: Report) -> list[SheetSpec]:
    cols = summary_columns(rep)
    rates = {c: "0.0%" for c in cols if c.endswith("率")}
    means = {c: "0.0" for c in cols if c.endswith("平均综合成绩")}
    pub = publish.from_report(rep)
    return [
        *publish.sheets(pub),  # the rankings: the same allow-listed columns as the public copy
        SheetSpec("单位汇总", cols, [_summary_row(u) for u in rep.units], notes=[SUMMARY_NOTE],
                  formats=rates | means, totals=[_summary_row(rep.total)] if rep.units else [],
                  chart=BarChartSpec("各单位验印率", "单位", "验印率", number_format="0%",
                                     label_format="0.0%", max_value=1),
                  widths={"验印率": 9} | {c: 14 for c in cols[4:-2]}, wrap_header=True, wrap_notes=True, fit_width=True),
        SheetSpec("未验印名单", UNSTAMPED_COLUMNS,
                  [[u.unit, u.name, u.id_number, u.reasons] for u in rep.unstamped],
                  notes=[UNSTAMPED_NOTE, f"共 {len(rep.unstamped)} 人。"], widths={"原因": 80},
                  wrap_notes=True, fit_width=True),
    ]
