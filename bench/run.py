"""Benchmark the term: ingest + sample + report, against the I/O floor and the naive script.

    python bench/run.py --scale county|city|province [--format xlsx|csv] [--data DIR] [--naive-share F]

Each stage runs in a fresh child process, so its wall time and peak memory are its own
(the process tree's summed PSS, sampled; see `stage`). The I/O floor is the fastest reader over the same
files (python-calamine, every cell of every sheet) plus the fastest writer over a table of
the register's size (rustpy-xlsxwriter if installed, else xlsxwriter, else openpyxl
write-only). The naive script is what a user would write: pandas.read_excel (openpyxl) of
every file, concat, DataFrame.to_excel (openpyxl). At province scale the naive script takes
tens of minutes, so by default it runs on a share of the files and is scaled up linearly
(said so in the output).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "bench" / "rules" / "bench-text.yaml"
PY = sys.executable

INGEST = """
import sys
from pathlib import Path
from credittool.commands.ingest import ingest
import json
r = ingest([Path(sys.argv[1])], rules=[Path(sys.argv[2])], workspace=Path(sys.argv[3]))
print(sum(f.rows_read for f in r.files), json.dumps(r.timings))
"""
SAMPLE = """
import sys
from pathlib import Path
from credittool.commands.sample import sample
r = sample(workspace=Path(sys.argv[1]), rate="0.1", seed="2009")
print(len(r.members))
"""
REPORT = """
import sys
from pathlib import Path
from credittool.commands.report import make_report
make_report(workspace=Path(sys.argv[1]), term=None)
print(0)
"""
FLOOR_READ = """
import sys
from pathlib import Path
import python_calamine as pc
files = [p for p in sorted(Path(sys.argv[1]).rglob('*')) if p.suffix in ('.xlsx', '.xls', '.ods')]
cells = 0
for p in files:
    wb = pc.CalamineWorkbook.from_path(str(p))
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python():
            cells += len(row)
csvs = [p for p in sorted(Path(sys.argv[1]).rglob('*.csv'))]
for p in csvs:
    cells += sum(line.count(',') + 1 for line in p.read_text(encoding='utf-8-sig').splitlines())
print(cells)
"""
FLOOR_WRITE = """
import sys
import rustpy_xlsxwriter as rx
n = int(sys.argv[1]); out = sys.argv[2]
row = ['2009年1—6月', '桦甸市第一中学', '张三', '22028219850315001X', '语文', '文本', '《教师的教学技能》', '必修',
       71.5, '合格', 15, 1.5, '', 'a.xlsx', 'Sheet1', 12]
cols = ['学期', '单位', '姓名', '身份证号', '学科', '培训类型', '课程', '必修/选修', '综合成绩', '结果', '学时', '学分',
        '原因', '来源文件', '工作表', '行号']
limit = 1_048_575  # rows under the header in one sheet
sheets = [(f'证书登记表{k + 1}', (dict(zip(cols, row)) for _ in range(min(limit, n - k * limit))))
          for k in range(max(1, -(-n // limit)))]
rx.write_worksheets(sheets, out)
print('rustpy-xlsxwriter')
"""
NAIVE = """
import sys
from pathlib import Path
import pandas as pd
files = [p for p in sorted(Path(sys.argv[1]).rglob('*')) if p.suffix in ('.xlsx', '.csv')]
share = float(sys.argv[3])
files = files[: max(1, round(len(files) * share))]
frames = [pd.read_excel(p, engine='openpyxl', dtype=str) if p.suffix == '.xlsx' else pd.read_csv(p, dtype=str)
          for p in files]
df = pd.concat(frames)
df.to_excel(sys.argv[2], engine='openpyxl', index=False)
print(len(df))
"""


def scale_args(doc: str, scales: dict, **extra: dict) -> tuple[argparse.Namespace, list[str]]:
    """The command line of a benchmark run at one scale of `scales` or all ("both"), with
    `extra` options (name → add_argument's keywords); the scales chosen."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=(*scales, "both"), default="both")
    for name, kw in extra.items():
        ap.add_argument(name, **kw)
    args = ap.parse_args()
    return args, list(scales) if args.scale == "both" else [args.scale]


def stage(code: str, *args: str) -> tuple[str, float, float]:
    """Run code in a child Python; see `child`."""
    return child([PY, "-c", code, *args])


def command(*args: str) -> tuple[str, float, float]:
    """Run `credittool <args>` as the clerk does, in a child; see `child`."""
    return child([PY, "-m", "credittool", *args])


def child(argv: list[str]) -> tuple[str, float, float]:
    """Run argv; return its last stdout line, wall seconds and peak memory MiB:
    of the child's whole process tree (its workers and helpers too), the sum of their
    proportional set sizes sampled twice a second (Linux), or at least the largest single
    process's peak RSS (os.wait4). Output goes to temp files, so a chatty child cannot block."""
    import threading

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True)
        done, peak = threading.Event(), [0.0]

        def sample() -> None:
            while not done.wait(0.5):
                peak[0] = max(peak[0], tree_pss_mib(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit(f"stage failed:\n{err.read()[-3000:]}")
        return (out.read().strip().splitlines() or [""])[-1], wall, max(peak[0], usage.ru_maxrss / 1024)


def tree_pss_mib(pid: int) -> float:
    """Proportional set size of `pid` and its descendants in MiB (shared pages counted once
    over the tree); 0 where /proc cannot tell."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total / 1024


def progress(name: str, wall: float, rss: float) -> None:
    """A stage's figures as soon as it ends (a province run takes minutes)."""
    print(f"  … {name}: {wall:.2f} s, {rss:.0f} MiB", flush=True)


def parse_ingest(out: str) -> tuple[int, dict[str, float]]:
    """The INGEST stage's last line: rows read, then its phases as JSON."""
    rows, phases = out.split(" ", 1)
    return int(rows), json.loads(phases)


def print_phases(phases: dict[str, float]) -> None:
    """Where the ingest's wall time went (credittool.commands.ingest.IngestReport.timings)."""
    for phase, secs in phases.items():
        print(f"  {phase:<26} {secs:>9.2f}")


def ensure_data(scale: str, fmt: str, data: Path | None) -> Path:
    """The input folder, generated by bench/generate.py the first time."""
    data = data or Path("/tmp/credittool-bench") / (scale + ("-csv" if fmt == "csv" else ""))
    if not data.exists():
        subprocess.run([PY, str(ROOT / "bench" / "generate.py"), "--scale", scale, "--format", fmt,
                        "--out", str(data)], check=True)
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=("county", "city", "province"), default="county")
    ap.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    ap.add_argument("--data", type=Path)
    ap.add_argument("--naive-share", type=float, help="share of files the naive script reads (default: all below"
                    " province, 0.05 at province)")
    args = ap.parse_args()
    data = ensure_data(args.scale, args.format, args.data)
    share = args.naive_share or (0.05 if args.scale == "province" else 1.0)
    rows_table = []
    print(f"scale {args.scale}, {args.format}, from {data}", flush=True)
    with tempfile.TemporaryDirectory(prefix="credittool-bench-") as tmp:
        ws = Path(tmp) / "ws"
        out, wall, rss = stage(INGEST, str(data), str(RULES), str(ws))
        rows, phases = parse_ingest(out)
        progress("ingest", wall, rss)
        rows_table.append(("ingest", rows, wall, rss))
        out, wall, rss = stage(SAMPLE, str(ws))
        progress("sample", wall, rss)
        rows_table.append(("sample", rows, wall, rss))
        out, wall, rss = stage(REPORT, str(ws))
        progress("report", wall, rss)
        rows_table.append(("report", rows, wall, rss))
        out, r_wall, r_rss = stage(FLOOR_READ, str(data))
        progress("floor read", r_wall, r_rss)
        writer, w_wall, w_rss = stage(FLOOR_WRITE, str(rows), str(Path(tmp) / "floor.xlsx"))
        progress("floor write", w_wall, w_rss)
        n_out, n_wall, n_rss = stage(NAIVE, str(data), str(Path(tmp) / "naive.xlsx"), str(share))
        progress("naive", n_wall, n_rss)
    naive_full = n_wall / share
    print(f"scale {args.scale}, {args.format}, {rows:,} result rows from {data}")
    print(f"{'stage':<28} {'wall s':>9} {'rows/s':>11} {'peak MiB':>9}")
    for name, n, wall, rss in rows_table:
        print(f"{name:<28} {wall:>9.2f} {n / wall:>11,.0f} {rss:>9.0f}")
        if name == "ingest":
            print_phases(phases)
    ingest_wall = rows_table[0][2]
    total = sum(r[2] for r in rows_table)
    print(f"{'ingest+sample+report':<28} {total:>9.2f}")
    print(f"{'floor: calamine read':<28} {r_wall:>9.2f} {rows / r_wall:>11,.0f} {r_rss:>9.0f}")
    print(f"{'floor: ' + writer + ' write':<28} {w_wall:>9.2f} {rows / w_wall:>11,.0f} {w_rss:>9.0f}")
    label = "naive pandas+openpyxl" + (f" (x{1 / share:.0f} of {share:.0%})" if share < 1 else "")
    print(f"{label:<28} {naive_full:>9.2f} {rows / naive_full:>11,.0f} {n_rss:>9.0f}")
    floor = r_wall + w_wall
    print(f"ratio naive / ingest: {naive_full / ingest_wall:.1f}x (target >= 10x); "
          f"ingest / floor: {ingest_wall / floor:.2f}x (target <= 1.5x)")
    print(json.dumps({"scale": args.scale, "rows": rows, "ingest_phases": {k: round(v, 2) for k, v in phases.items()},
                      "stages": {n: [round(w, 2), round(r)] for n, _, w, r in rows_table},
                      "floor_read": round(r_wall, 2), "floor_write": round(w_wall, 2), "writer": writer,
                      "naive": round(naive_full, 2)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
