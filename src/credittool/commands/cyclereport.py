"""`credittool report --cycle 2016-2020` as a library call: every teacher's five-year cycle
(R15, R19) from the ledger → out/cycle-<id>/report.xlsx; as of an earlier year asked for,
out/cycle-<id>/report_截至<学年>.xlsx, so that the cycle's latest report stays.

report.xlsx: 单位进度 (per unit: teachers done, on the pace, behind; the hours still missing,
in all and per category of the cycle's minimums; a chart of the share behind) and 落后名单
(the at-risk list: every teacher behind the pace or short at the cycle's end, with the hours
a year they need, most needed first). detail.xlsx: 周期明细, every teacher, a plain table
written by the fast writer (a city's fifty thousand rows through openpyxl took seconds).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from credittool.atomic import as_of_part
from credittool.errors import UsageError
from credittool.ledger import verdicts
from credittool.ledger.cycles import CycleRules, TeacherCycle, cycle_rules, teacher_cycles
from credittool.ledger.terms import open_ledger
from credittool.rules.schema import dec
from credittool.score.standards import number, show
from credittool.write.xlsxout import BarChartSpec, SheetSpec, write_xlsx

REPORT_STEM, DETAIL_STEM = "report", "detail"  # .xlsx
BEHIND = ("落后", "未完成")
DETAIL_COLUMNS = ("单位", "姓名", "身份证号", "已获学时", "尚欠借贷", "借贷未还", "周期学时", "应达进度", "落后", "尚差", "剩余学年", "每年需", "状态",
                  "最后有记录学年")


@dataclass
class UnitProgress:
    unit: str
    teachers: int = 0
    done: int = 0
    on_pace: int = 0
    behind: int = 0  # behind the pace, or short at the cycle's end
    missing: Decimal = Decimal(0)  # hours still missing, summed over its teachers
    category_missing: dict[str, Decimal] = field(default_factory=dict)

    @property
    def behind_rate(self) -> Fraction | None:
        return Fraction(self.behind, self.teachers) if self.teachers else None

    def add(self, t: TeacherCycle) -> None:
        s = t.state
        self.teachers += 1
        if s.done:
            self.done += 1
        elif s.status in BEHIND:
            self.behind += 1
        else:
            self.on_pace += 1
        self.missing += s.missing
        for c, h in s.category_short.items():
            self.category_missing[c] = self.category_missing.get(c, Decimal(0)) + h


@dataclass
class CycleReportResult:
    rules: CycleRules
    units: list[UnitProgress]
    total: UnitProgress
    at_risk: list[TeacherCycle]
    path: Path  # report.xlsx
    detail: Path  # detail.xlsx


def make_cycle_report(*, workspace: Path, cycle: str, year: str | None = None, as_of: str | None = None
                      ) -> CycleReportResult:
    """The cycle as of `year`, or of the year of term `as_of` (None: the ledger's last)."""
    con = open_ledger(workspace)
    try:
        if as_of is not None:
            if year is not None:
                raise UsageError("--year 与 --as-of 只能给一个", "按学年用 --year，按学期用 --as-of")
            year = verdicts.year_of(con, as_of)
            if year is None:
                raise UsageError(f"台账中没有培训项目学期 {as_of}", "--as-of 写一个培训项目学期，例如 2018-19-s1")
        cr = cycle_rules(con, cycle, year)
        teachers = list(teacher_cycles(con, cr))
    finally:
        con.close()
    units: dict[str, UnitProgress] = defaultdict(lambda: UnitProgress(""))
    total = UnitProgress("合计")
    for t in teachers:
        u = units[t.unit]
        u.unit = t.unit
        u.add(t)
        total.add(t)
    # most hours a year needed first; then the most missing; then by unit and ID
    at_risk = sorted((t for t in teachers if t.state.status in BEHIND),
                     key=lambda t: (-t.state.per_year_needed, -t.state.missing, t.unit, t.id_number))
    folder = workspace / "out" / f"cycle-{cr.cycle.id}"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = as_of_part(None if year is None else cr.as_of)  # as of a year asked for: files of their own
    path, detail_path = (folder / f"{stem}{suffix}.xlsx" for stem in (REPORT_STEM, DETAIL_STEM))
    result = CycleReportResult(cr, [units[k] for k in sorted(units)], total, at_risk, path, detail_path)
    report, detail = _sheets(result, teachers)
    write_xlsx(result.path, report)
    write_xlsx(result.detail, [detail])
    return result


def _detail(t: TeacherCycle) -> list:
    """A teacher's row: numbers as floats (a sheet shows 151.0 as 151; fifty thousand rows
    are not worth the integer test of `number`)."""
    s = t.state
    return [t.unit, t.name, t.id_number, float(s.earned), float(s.owed), float(s.unpaid), float(s.hours),
            float(s.expected), float(s.behind), float(s.missing), s.years_left,
            float(s.per_year_needed.quantize(Decimal("0.1"))), s.status, t.last_year]


def _sheets(r: CycleReportResult, teachers: list[TeacherCycle]) -> tuple[list[SheetSpec], SheetSpec]:
    cy, cr = r.rules.cycle, r.rules
    names = cr.rules.category_names
    cats = [m.category for m in cy.minimums]
    done_years = cy.years.index(cr.as_of) + 1
    title = f"{cy.name}　截至{cr.as_of}学年"
    pace = (f"{cy.name}（{cy.years[0]} 至 {cy.years[-1]} 学年）要求 {show(dec(cy.hours))} 学时（R15）。截至 {cr.as_of} 学年，"
            f"已过 {done_years} 年：应达进度 = {show(dec(cy.hours))} × {done_years}/{len(cy.years)} = "
            f"{show(dec(cy.hours) * done_years / len(cy.years))} 学时。已获学时 = 各学年合计学时（封顶后）之和"
            "；尚欠借贷 = 学分借贷（R19）中还未归还的学时；周期学时 = 已获学时减去周期末仍未归还的借贷学时。")
    unit_cols = ["单位", "教师数", "已完成", "进度正常", "落后", "落后比例", "尚差学时合计", *(f"{names[c]}尚差" for c in cats)]

    def unit_row(u: UnitProgress) -> list:
        return [u.unit, u.teachers, u.done, u.on_pace, u.behind, None if u.behind_rate is None else float(u.behind_rate),
                number(u.missing), *(number(u.category_missing.get(c, 0)) for c in cats)]

    absent = (f"台账中没有 {'、'.join(cr.absent_years)} 学年的记录：这些学年人人按 0 学时计；导入该学年的名册与项目名单后重新生成。"
              if cr.absent_years else "")
    need_note = ("落后：已获学时低于应达进度（末学年：未达周期要求）。每年需 = 尚差 ÷ 剩余学年（末学年：尚差本身），"
                 f"按每年需从多到少排列。最后有记录学年早于 {cr.as_of} 的，该学年的台账中没有其记录（调出、退休……），"
                 "是否仍须完成本周期请核实。")
    return [
        SheetSpec("单位进度", unit_cols, [unit_row(u) for u in r.units], notes=[pace, *filter(None, [absent])], formats={"落后比例": "0.0%"},
                  totals=[unit_row(r.total)] if r.units else [],
                  chart=BarChartSpec("各单位落后比例", "单位", "落后比例", number_format="0%", label_format="0.0%", max_value=1),
                  wrap_header=True, wrap_notes=True, landscape=True, print_title=f"单位进度　{title}"),
        SheetSpec("落后名单", DETAIL_COLUMNS, [_detail(t) for t in r.at_risk], notes=[need_note, f"共 {len(r.at_risk)} 人。含身份证号，仅供培训部门使用，请勿公开。"],
                  wrap_notes=True, landscape=True, print_title=f"落后名单　{title}"),
    ], SheetSpec("周期明细", DETAIL_COLUMNS, (_detail(t) for t in teachers), landscape=True, print_title=f"周期明细　{title}")
