"""Benchmark the record across years (issue 15): `card` on a province's ledger, `report
--cycle` on a city's.

    python bench/record.py [--scale province|city|both] [--keep DIR]

Builds a ledger of `scale` teachers (province: 1,000,000; city: 52,630) over the five school
years of the cycle 2016-2020, with the real schema and the shipped Zhangdian rules of each
year (rules/zhangdian-<year>-s1.yaml), written straight into the tables: per teacher and
year a staff-list row, three entries (全员学科研修, 省网络全员研修, 校本培训) and the year's
verdict; one teacher in 40 moves school each year. Building is not what is measured (it
takes minutes at province scale; --keep reuses a built ledger). Then, each in a fresh child
process (bench/run.py's `stage`: wall time and peak memory of the whole process):
- province: `card <身份证号>` and `card <姓名>` as the CLI runs them (import, look-up, the HTML
  page and the workbook written), and the look-up alone (`record.card`) for 200 IDs drawn
  at random: median and slowest;
- city: `report --cycle 2016-2020`, the whole command.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import scale_args, stage  # noqa: E402
from tools import synth  # noqa: E402

YEARS = ("2016-17", "2017-18", "2018-19", "2019-20", "2020-21")
SCALES = {"province": 1_000_000, "city": 52_630}
UNIQUE_NAME = "欧阳测试"  # teacher 0's name, so that a card by name finds one teacher

CLI = """
import sys
from credittool.cli import app
sys.argv = ["credittool", *sys.argv[1:]]
try:
    app()
except SystemExit as e:
    assert not e.code, e.code
print("ok")
"""
LOOKUPS = """
import json, sys, time
from pathlib import Path
from credittool.ledger import record
from credittool.ledger.db import connect
con = connect(Path(sys.argv[1]))
times = []
for ident in json.loads(sys.argv[2]):
    t = time.perf_counter()
    c = record.card(con, record.one_teacher(con, ident))
    times.append(time.perf_counter() - t)
    assert len(c.years) == 5, ident
print(json.dumps(times))
"""


def build(path: Path, n: int, seed: int = 2016) -> list[str]:
    """The ledger at `path`; the teachers' IDs."""
    from credittool.commands.ingest import load_term
    from credittool.ledger import db, terms

    rng = np.random.default_rng(seed)
    ids = synth.make_ids(rng, n).tolist()
    names = synth.make_names(rng, n).tolist()
    names[0] = UNIQUE_NAME
    n_units = max(n // 75, 1)
    unit = rng.integers(0, n_units, n)
    con = db.connect(path)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -1048576")
    staff_idx = ("CREATE INDEX IF NOT EXISTS staff_term ON staff(term, id_number)",
                 "CREATE INDEX IF NOT EXISTS staff_file ON staff(file_id)")
    with db.transaction(con), db.built_after(con, db._ENTRY_INDEXES + staff_idx, True):
        for k, year in enumerate(YEARS):
            term = f"{year}-s1"
            tr = load_term([ROOT / "rules" / f"zhangdian-{year}-s1.yaml"], term)
            terms.commit_rules(con, tr)
            con.execute("INSERT INTO files VALUES (?,?,?,?,?,?,?,?,?,?,1,NULL)",
                        (k + 1, term, f"{k:064x}", f"{year}.xlsx", f"/data/{year}.xlsx", "2020-07-01T00:00:00",
                         4 * n, 4 * n, 0, 0))
            if k:
                moving = rng.random(n) < 1 / 40
                unit[moving] = rng.integers(0, n_units, int(moving.sum()))
            units = [f"第{u}学校" for u in unit.tolist()]
            f2f = rng.integers(12, 41, n).tolist()
            sb = rng.integers(8, 41, n).tolist()
            con.executemany("INSERT INTO staff VALUES (?,?,?,?,?,?,?,?,?)",
                            ((term, k + 1, "教师名册", r + 2, ids[r], names[r], units[r], "语文", "小学") for r in range(n)))

            def rows(r: int, term: str = term, k: int = k, units: list = units, f2f: list = f2f, sb: list = sb):
                for cid, track, h, sheet in (("subject-training", "face-to-face", f2f[r], "全员学科研修"),
                                             ("province-online", "online", 50, "省网络全员研修"),
                                             ("school-based", "school-based", sb[r], "校本培训")):
                    yield (term, k + 1, sheet, r + 2, units[r], names[r], ids[r], "", "", track, cid, None, 1, 1,
                           float(h), h / 10, "", f"hours={h}")

            con.executemany("INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                            (t for r in range(n) for t in rows(r)))

            def verdict(r: int, year: str = year, units: list = units, f2f: list = f2f, sb: list = sb) -> tuple:
                total = f2f[r] + 50 + min(sb[r], 24)
                missed = (["minimum:face-to-face"] if f2f[r] < 24 else []) + (["total"] if total < 72 else [])
                return (year, ids[r], units[r], names[r],
                        json.dumps({"face-to-face": str(f2f[r]), "online": "50", "school-based": str(sb[r])}), "{}",
                        str(total), str(total / 10), int(not missed), "", json.dumps(missed))

            con.executemany("INSERT INTO verdicts VALUES (?,?,?,?,?,?,?,?,?,?,?)", (verdict(r) for r in range(n)))
            print(f"  built {year}", flush=True)
    con.execute("ANALYZE")
    con.close()
    return ids


def main() -> None:
    args, scales = scale_args(__doc__, SCALES, **{"--keep": dict(
        type=Path, help="a folder to build the ledgers in and keep (reused when there)")})
    with tempfile.TemporaryDirectory(prefix="credittool-record-") as tmp:
        for scale in scales:
            ws = (args.keep or Path(tmp)) / f"record-{scale}"
            ledger = ws / "ledger.sqlite"
            n = SCALES[scale]
            t = time.perf_counter()
            if ledger.exists():
                rng = np.random.default_rng(2016)
                ids = synth.make_ids(rng, n).tolist()
                print(f"{scale}: {n:,} teachers × 5 years, ledger reused ({ledger.stat().st_size / 2**30:.1f} GiB)")
            else:
                print(f"{scale}: building {n:,} teachers × 5 years …", flush=True)
                ids = build(ledger, n)
                print(f"  built in {time.perf_counter() - t:.0f} s ({ledger.stat().st_size / 2**30:.1f} GiB)")
            out = Path(tmp) / f"cards-{scale}"
            if scale == "province":
                pick = np.random.default_rng(7).choice(n, 200, replace=False).tolist()
                times = json.loads(stage(LOOKUPS, str(ledger), json.dumps([ids[i] for i in pick]))[0])
                print(f"  look-up alone (record.card), 200 IDs: median {statistics.median(times) * 1000:.1f} ms, "
                      f"slowest {max(times) * 1000:.1f} ms")
                for what, who in (("身份证号", ids[pick[0]]), ("姓名", UNIQUE_NAME)):
                    _, wall, mib = stage(CLI, "card", who, "-w", str(ws), "-o", str(out))
                    print(f"  card <{what}>, whole process: {wall:.2f} s, {mib:.0f} MiB")
            else:
                _, wall, mib = stage(CLI, "report", "--cycle", "2016-2020", "-w", str(ws))
                print(f"  report --cycle 2016-2020, whole process: {wall:.2f} s, {mib:.0f} MiB")
    print(f"python: {sys.executable}")


if __name__ == "__main__":
    main()
