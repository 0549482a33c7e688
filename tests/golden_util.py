"""Golden files for the shipped samples: run the main job, render outputs as CSV text.

Regenerate only on purpose: `.venv/bin/python tests/regen_golden.py`, then review the diff.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "county-2009-h1"
GOLDEN = ROOT / "tests" / "golden" / "2009-h1"
TERM = "2009-h1"
# output workbook → sheets to compare
OUTPUTS = {"register.xlsx": ("证书登记表", "学分汇总"), "rejects.xlsx": ("未接受的行", "跳过的行", "未导入的工作表")}


def run_samples(workspace: Path) -> Path:
    from credittool.commands.ingest import ingest

    ingest([SAMPLES], rules=[ROOT / "rules"], workspace=workspace, term=TERM)
    return workspace / "out" / TERM


def sheet_csv(path: Path, sheet: str) -> str:
    from openpyxl import load_workbook

    ws = load_workbook(path, read_only=True)[sheet]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for row in ws.iter_rows(values_only=True):
        # values, not how a writer spells them: 15 and 15.0 are the same number of hours
        w.writerow(["" if v is None else (int(v) if isinstance(v, float) and v.is_integer() else v) for v in row])
    return buf.getvalue()


def rendered(out_dir: Path) -> dict[str, str]:
    return {f"{Path(book).stem}-{sheet}.csv": sheet_csv(out_dir / book, sheet)
            for book, sheets in OUTPUTS.items() for sheet in sheets}


# ---- the report: after the ingest above, a spot test drawn and scored deterministically ----

REPORT_SHEETS = ("个人排名", "团体排名", "单位汇总（文本）", "单位汇总（网联）", "单位汇总（幼儿）", "未验印名单")
SPOT_SEED = "2009"


def fill_spot_scores(sample_xlsx: Path, target: Path) -> Path:
    """The drawn list with made-up scores: data row i scores 60 + (7i mod 40); every 11th row
    is left blank (not tested yet), every other 9th row is 缺考."""
    from openpyxl import load_workbook

    wb = load_workbook(sample_xlsx)
    ws = wb["抽测名单"]
    col = [c.value for c in ws[1]].index("抽测成绩") + 1
    for i in range(1, ws.max_row):
        ws.cell(i + 1, col).value = None if i % 11 == 0 else "缺考" if i % 9 == 0 else 60 + (i * 7) % 40
    wb.save(target)
    return target


def run_report_samples(workspace: Path) -> Path:
    """After run_samples: draw (fixed seed), fill and ingest the scores, write the report."""
    from credittool.commands.ingest import ingest
    from credittool.commands.report import make_report
    from credittool.commands.sample import sample

    drawn = sample(workspace=workspace, seed=SPOT_SEED)
    filled = fill_spot_scores(drawn.path, workspace / "抽测成绩.xlsx")
    ingest([filled], rules=[ROOT / "rules"], workspace=workspace, term=TERM)
    return make_report(workspace=workspace, term=TERM).path


def rendered_report(report_xlsx: Path) -> dict[str, str]:
    return {f"report-{sheet}.csv": sheet_csv(report_xlsx, sheet) for sheet in REPORT_SHEETS}


def rendered_all(workspace: Path) -> dict[str, str]:
    """Every golden file: ingest's outputs as ingest left them, then the report's sheets."""
    files = rendered(run_samples(workspace))
    files.update(rendered_report(run_report_samples(workspace)))
    return files


# ---- the sample district's year (issue 14): ingest, then the year's report --------------

DISTRICT = ROOT / "samples" / "district-2018-19"
DISTRICT_TRUTH = ROOT / "samples" / "district-2018-19.truth.csv.gz"  # gzip: the plain CSV is 3 MB
DISTRICT_GOLDEN = ROOT / "tests" / "golden" / "2018-19-s1"
DISTRICT_TERM = "2018-19-s1"
# 证书登记表 (17,000 rows) is checked row by row by the oracle (test_district.py), and the
# report's 学分达标 is 学分汇总 without its 学年 column: neither is kept as a golden file
DISTRICT_OUTPUTS = {"register.xlsx": ("学分汇总",), "rejects.xlsx": ("未接受的行", "跳过的行", "未导入的工作表")}
DISTRICT_REPORT_SHEETS = ("单位达标",)


def run_district(workspace: Path) -> Path:
    from credittool.commands.ingest import ingest

    ingest([DISTRICT], rules=[ROOT / "rules"], workspace=workspace, term=DISTRICT_TERM)
    return workspace / "out" / DISTRICT_TERM


def rendered_district(workspace: Path) -> dict[str, str]:
    """The district's golden files: ingest's outputs, then the year's report."""
    from credittool.commands.report import make_report

    out = run_district(workspace)
    files = {f"{Path(book).stem}-{sheet}.csv": sheet_csv(out / book, sheet)
             for book, sheets in DISTRICT_OUTPUTS.items() for sheet in sheets}
    path = make_report(workspace=workspace, term=DISTRICT_TERM).path
    files.update({f"report-{sheet}.csv": sheet_csv(path, sheet) for sheet in DISTRICT_REPORT_SHEETS})
    return files


CYCLE = ROOT / "samples" / "cycle-2016-2020"
CYCLE_GOLDEN = ROOT / "tests" / "golden" / "cycle-2016-2020"
CYCLE_YEARS = ("2016-17", "2017-18", "2018-19", "2019-20", "2020-21")
# 于琴思: moved twice; 蒋琴: 359 over the cycle, a year met through 网络补训 (samples/cycle-2016-2020/README.md)
CYCLE_TEACHERS = ("37030319710304071X", "370303197701089898")


def run_cycle(workspace: Path) -> Path:
    from credittool.commands.ingest import ingest

    for y in CYCLE_YEARS:
        ingest([CYCLE / y], rules=[ROOT / "rules"], workspace=workspace, term=f"{y}-s1")
    return workspace / "ledger.sqlite"


def rendered_cycle(workspace: Path) -> dict[str, str]:
    """The five-year sample's golden files: `explain` and the 学分卡 page of CYCLE_TEACHERS,
    the rules' paths shown from the repository's root."""
    from credittool.ledger import record
    from credittool.ledger.db import connect
    from credittool.ledger.explain import explain
    from credittool.write.card import render_html

    con = connect(run_cycle(workspace))
    files = {}
    try:
        for ident in CYCLE_TEACHERS:
            e = explain(con, record.one_teacher(con, ident))
            files[f"explain-{ident}.txt"] = "\n".join(e.lines()).replace(f"{ROOT}/", "") + "\n"
            files[f"card-{ident}.html"] = render_html([e.card], f"{e.teacher.name}的学分卡")
    finally:
        con.close()
    return files


def same_values(name: str, text: str, want: str) -> bool:
    """A rendered sheet holds the golden one's values: every text and integer to the
    character, every fraction to within Excel's precision (15 significant digits), and a
    row's trailing empty cells not counted. Writers spell the same sheet differently:
    openpyxl wrote 15/35 as 0.4285714285714285 (16 digits), rustpy-xlsxwriter writes
    0.42857142857142855 (the shortest text of the double), and a reader pads a row to the
    sheet's width or not, as the sheet declares it. Other files (text, HTML) are compared
    to the character."""
    if text == want or not name.endswith(".csv"):
        return text == want

    def rows(csv_text: str) -> list[list[str]]:
        out = []
        for row in csv.reader(io.StringIO(csv_text)):
            while row and row[-1] == "":
                row.pop()
            out.append(row)
        return out
    got, expected = rows(text), rows(want)
    return len(got) == len(expected) and all(
        len(a) == len(b) and all(_same_cell(x, y) for x, y in zip(a, b)) for a, b in zip(got, expected))


def _same_cell(a: str, b: str) -> bool:
    if a == b:
        return True
    if "." not in a + b:
        return False  # text or integers: to the character
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=1e-15)


def assert_golden(got: dict[str, str], golden: Path) -> None:
    """The rendered outputs `got` hold the values of the golden files of `golden`
    (`same_values`)."""
    import pytest

    assert sorted(got) == sorted(p.name for p in golden.iterdir() if p.is_file()), "run tests/regen_golden.py"
    for name, text in got.items():
        want = (golden / name).read_text(encoding="utf-8")
        if not same_values(name, text, want):
            diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True), f"golden/{name}",
                                                f"now/{name}", n=1))
            pytest.fail(f"{name} differs from golden (regenerate on purpose with tests/regen_golden.py):\n"
                        + diff[:6000])
