"""Benchmark a district's school year of programmes (issue 14): ingest + report.

    python bench/year.py [--scale district|city|both] [--data DIR]

district: 5,263 teachers in 70 schools (R16, the Zhangdian plan's figure); city: ten times
that. Each school sends one workbook with its 教师名册 and 校本培训 sheets; the district sends
a roster per programme (全员学科研修 in three files by 学段, the eight 83281 programmes, the
网络补训 list) and the province platform's export of 省网络全员研修 as one GB18030 CSV.
Clean files: the messes are the sample's (samples/district-2018-19/MESSES.md); this is
about speed. Rules: rules/zhangdian-2018-19-s1.yaml, term 2018-19-s1.

Each stage is the clerk's command, `credittool ingest` then `credittool report`, run in a
fresh child process (bench/run.py's `command`: wall time and peak memory of its process
tree); the rows read and the teachers who met the standards are then read from the ledger. With --scale both, the city's time per row over the
district's says whether the year scales linearly (1.0 is linear).
"""

from __future__ import annotations

import csv
import sqlite3
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import PY, command, scale_args  # noqa: E402
from tools import synth  # noqa: E402

RULES = ROOT / "rules" / "zhangdian-2018-19-s1.yaml"
TERM = "2018-19-s1"
SCALES = {"district": (5_263, 70), "city": (52_630, 700)}
PROGRAMMES = {  # the eight 83281 programmes: their share of the teachers
    "新教师三年联训": 0.03, "班主任培训": 0.08, "学科骨干教师培训": 0.04, "科研骨干培训": 0.012,
    "初中教研组长培训": 0.023, "中层干部培训": 0.034, "校长培训": 0.024, "合作学习种子教师培训": 0.009}
STAGES = ("小学", "初中", "高中")

def generate(scale: str, out: Path, seed: int = 2018) -> int:
    """The year's files into `out`; the rows written."""
    import xlsxwriter

    teachers, n_schools = SCALES[scale]
    rng = np.random.default_rng(seed)
    ids = synth.make_ids(rng, teachers)
    names = synth.make_names(rng, teachers)
    school = np.sort(rng.integers(0, n_schools, teachers))
    stage = np.array(STAGES)[school % 3]
    units = np.array([f"张店区第{synth.chinese_numeral(k + 1)}{'小学中学中学'[2 * (k % 3):2 * (k % 3) + 2]}"
                      for k in range(n_schools)])[school]
    out.mkdir(parents=True, exist_ok=True)
    rows = 0

    def book(path: Path, sheets: dict[str, tuple[list[str], list[list]]]) -> None:
        nonlocal rows
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        for title, (head, body) in sheets.items():
            ws = wb.add_worksheet(title)
            ws.write_row(0, 0, head)
            for r, row in enumerate(body, 1):
                ws.write_row(r, 0, row)
            rows += len(body)
        wb.close()

    for k in range(n_schools):
        mine = np.flatnonzero(school == k).tolist()
        book(out / f"{units[mine[0]]}.xlsx", {
            "教师名册": (["姓名", "身份证号", "人事关系所在单位", "学段"], [[names[i], ids[i], units[i], stage[i]] for i in mine]),
            "校本培训": (["姓名", "身份证号", "学时"], [[names[i], ids[i], int(rng.integers(16, 41))] for i in mine])})
    for st in STAGES:
        mine = np.flatnonzero(stage == st).tolist()
        book(out / f"全员学科研修（{st}）.xlsx", {"全员学科研修": (["姓名", "身份证号", "单位", "学时"], [
            [names[i], ids[i], units[i], int(rng.integers(12, 33))] for i in mine])})
    for programme, share in PROGRAMMES.items():
        mine = np.flatnonzero(rng.random(teachers) < share).tolist()
        book(out / f"{programme}.xlsx", {programme: (["姓名", "身份证号", "单位", "学时", "考核结果"], [
            [names[i], ids[i], units[i], int(rng.integers(8, 41)), "不合格" if rng.random() < 0.03 else "合格"]
            for i in mine])})
    mine = np.flatnonzero(rng.random(teachers) < 0.12).tolist()
    book(out / "网络补训名单.xlsx", {"网络补训": (["姓名", "身份证号", "单位", "学时"], [
        [names[i], ids[i], units[i], int(rng.integers(4, 13))] for i in mine])})
    with open(out / "省平台导出_省网络全员研修.csv", "w", encoding="gb18030", newline="") as f:
        w = csv.writer(f)
        w.writerow(["序号", "姓名", "身份证号", "所在单位", "项目名称", "学时", "考核结果"])
        for n, i in enumerate(np.flatnonzero(rng.random(teachers) < 0.98).tolist(), 1):
            w.writerow([n, names[i], ids[i], units[i], "省网络全员研修", 50, "合格" if rng.random() < 0.97 else "不合格"])
            rows += 1
    return rows


def measure(scale: str, data: Path) -> tuple[int, float, float, float, float, str]:
    """(rows read, ingest s, ingest MiB, report s, report MiB, teachers met)."""
    with tempfile.TemporaryDirectory(prefix="credittool-year-") as tmp:
        ws = Path(tmp) / "ws"
        _, i_wall, i_rss = command("ingest", str(data), "--rules", str(RULES), "--term", TERM, "--workspace", str(ws))
        _, r_wall, r_rss = command("report", "--term", TERM, "--workspace", str(ws))
        con = sqlite3.connect(ws / "ledger.sqlite")
        try:
            (rows,), = con.execute("SELECT sum(rows_read) FROM files WHERE term = ?", (TERM,))
            (teachers, met), = con.execute("SELECT count(*), sum(met) FROM verdicts")
        finally:
            con.close()
    return rows, i_wall, i_rss, r_wall, r_rss, f"{teachers} {met}"


def main() -> None:
    args, scales = scale_args(__doc__, SCALES, **{"--data": dict(
        type=Path, help="folder for the generated files (default /tmp/credittool-bench/year-<scale>)")})
    per_row = {}
    print(f"{'scale':<9} {'rows':>9} {'ingest s':>9} {'MiB':>6} {'report s':>9} {'MiB':>6} {'both s':>7} "
          f"{'µs/row':>7}  teachers, met")
    for scale in scales:
        data = args.data or Path("/tmp/credittool-bench") / f"year-{scale}"
        if not data.exists():
            generate(scale, data)
        rows, i_wall, i_rss, r_wall, r_rss, met = measure(scale, data)
        per_row[scale] = (i_wall + r_wall) / rows
        print(f"{scale:<9} {rows:>9,} {i_wall:>9.2f} {i_rss:>6.0f} {r_wall:>9.2f} {r_rss:>6.0f} {i_wall + r_wall:>7.2f} "
              f"{per_row[scale] * 1e6:>7.1f}  {met}", flush=True)
    if len(per_row) == 2:
        print(f"city / district time per row: {per_row['city'] / per_row['district']:.2f} (1.0 = linear)")
    print(f"python: {PY}")


if __name__ == "__main__":
    main()
