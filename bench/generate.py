"""Generate benchmark inputs for credittool: clean-ish school files at three scales.

    python bench/generate.py --scale county|city|province --format xlsx|csv [--out DIR] [--seed N]

county: 5,000 teachers in ~70 school files; city: 50,000 in ~700; province: 1,000,000
teachers in 100 county folders (DIR/县NNN/学校.xlsx), ~14,000 files. Each teacher has
4 text-track course rows (DOMAIN.md R5): 师德报告会 (attendance in 出勤), 师德读本,
教学技能, 《教师怎样上好公开课》 (scores). One sheet per file, header on row 1 (layout b),
IDs as text cells. 0.5% of rows carry a mess: 缺考 in 考试成绩, or a lowercase x in the ID.

Output goes only where --out says (default /tmp/credittool-bench/<scale>); never commit it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import synth  # noqa: E402

HEADER = ["姓名", "身份证号", "学校", "学科", "课程", "出勤", "考试成绩", "博文篇数", "博文成绩"]
COURSES = ["师德报告会", "师德读本", "教学技能", "《教师怎样上好公开课》"]
SCALES = {  # teachers, schools per folder, folders
    "county": (5_000, 70, 0),
    "city": (50_000, 700, 0),
    "province": (1_000_000, 140, 100),
}
MESS_RATE = 0.005
SCHOOLS_PER_TASK = 20
FIXED_DT = dt.datetime(2009, 6, 30, 9, 0, 0)

TOWN_A = "红金永新兴太东长富胜团和建光向朝前白黑青松桦柳杨榆双三五八九"
TOWN_B = "石沙安华隆平升青民利结山河岭沟台甸屯桥湖泉源林岗家"


@dataclass(frozen=True)
class School:
    folder: str  # "" for a flat output directory
    name: str
    stage: str
    start: int  # first teacher index into the global ID array
    n: int

    @property
    def unit(self) -> str:
        """The 学校 cell: names repeat across counties (every county has a 第一中学), so a
        province's files name the county too, as its platform would."""
        return f"{self.folder}{self.name}"


def school_names(rng: np.random.Generator, k: int) -> list[tuple[str, str]]:
    """k (name, stage) pairs, unique within one folder."""
    towns = [a + b for a in TOWN_A for b in TOWN_B]
    order = rng.permutation(len(towns))
    town_iter = iter(towns[i] for i in order)
    numbered = {"高中": 0, "初中": 0, "小学": 0}
    out = []
    stages = rng.choice(["高中", "初中", "小学"], size=k, p=[0.07, 0.23, 0.70])
    styles = rng.random(k)
    for stage, style in zip(stages, styles):
        stage = str(stage)
        town = next(town_iter, None) if style >= 0.45 else None
        if stage == "高中" or town is None:
            numbered[stage] += 1
            suffix = {"高中": "高级中学", "初中": "中学", "小学": "小学"}[stage]
            name = f"第{synth.chinese_numeral(numbered[stage])}{suffix}"
        elif stage == "初中":
            name = f"{town}镇中学"
        else:
            name = f"{town}{'镇' if style < 0.85 else '乡'}中心校"
        out.append((name, stage))
    return out


def plan(scale: str, seed: int) -> tuple[list[School], np.ndarray]:
    """Schools with their sizes, and one unique ID per teacher (drawn in one go)."""
    total, per_folder, folders = SCALES[scale]
    rng = np.random.default_rng(seed)
    ids = synth.make_ids(rng, total)
    names = [f"县{i:03d}" for i in range(1, folders + 1)] if folders else [""]
    per_folder_teachers = total // len(names)
    schools: list[School] = []
    start = 0
    for fi, folder in enumerate(names):
        n_here = per_folder_teachers if fi < len(names) - 1 else total - start
        jitter = int(rng.integers(-per_folder // 10, per_folder // 10 + 1)) if folders else 0
        k = per_folder + jitter
        w = rng.lognormal(0.0, 0.6, k)
        sizes = 5 + rng.multinomial(n_here - 5 * k, w / w.sum())
        for (name, stage), size in zip(school_names(rng, k), sizes):
            schools.append(School(folder, name, stage, start, int(size)))
            start += int(size)
    assert start == total
    return schools, ids


# --- one task: a run of schools, written by one worker process --------------------------

def school_rows(rng: np.random.Generator, sc: School, ids: np.ndarray):
    """Column arrays for the school's 4 * n rows (teacher-major); and the mess counts."""
    n = sc.n
    names = synth.make_names(rng, n)
    subjects = synth.make_subjects(rng, np.full(n, sc.stage))
    scored = 3 * n
    exam = synth.make_scores(rng, scored).astype(object)
    blog_n = synth.make_blog_counts(rng, scored, short_rate=0.03)
    blog = np.where(blog_n < 5, np.floor(rng.uniform(30, 60, scored)),
                    synth.make_scores(rng, scored, fail_rate=0.02, mean=84))
    absent = rng.random(scored) < MESS_RATE
    exam[absent] = "缺考"
    attend = np.where(rng.random(n) < 0.03, "否", "是")
    idv = np.repeat(ids, 4).astype(object)
    # About 1 ID in 11 ends in X; 11 * MESS_RATE of those keeps lowercase x near MESS_RATE of rows.
    lower = (rng.random(4 * n) < 11 * MESS_RATE) & np.char.endswith(np.repeat(ids, 4), "X")
    idv[lower] = [s[:-1] + "x" for s in idv[lower]]
    return {
        "name": np.repeat(names, 4), "id": idv, "subject": np.repeat(subjects, 4),
        "attend": attend, "exam": exam.reshape(n, 3), "blog_n": blog_n.reshape(n, 3),
        "blog": blog.reshape(n, 3),
    }, int(absent.sum()), int(lower.sum())


def _num(x: float):
    return int(x) if float(x).is_integer() else float(x)


def write_xlsx(path: Path, sc: School, cols) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"created": FIXED_DT, "author": "credittool bench"})
    ws = wb.add_worksheet("Sheet1")
    ws.write_row(0, 0, HEADER)
    s, num = ws.write_string, ws.write_number
    r = 1
    for t in range(sc.n):
        for c in range(4):
            i = 4 * t + c
            s(r, 0, cols["name"][i])
            s(r, 1, cols["id"][i])
            s(r, 2, sc.unit)
            s(r, 3, cols["subject"][i])
            s(r, 4, COURSES[c])
            if c == 0:
                s(r, 5, cols["attend"][t])
            else:
                e = cols["exam"][t, c - 1]
                s(r, 6, e) if isinstance(e, str) else num(r, 6, _num(e))
                num(r, 7, int(cols["blog_n"][t, c - 1]))
                num(r, 8, _num(cols["blog"][t, c - 1]))
            r += 1
    wb.close()


def write_csv(path: Path, sc: School, cols) -> None:
    fmt = synth.format_score
    lines = [",".join(HEADER)]
    for t in range(sc.n):
        for c in range(4):
            i = 4 * t + c
            head = f"{cols['name'][i]},{cols['id'][i]},{sc.unit},{cols['subject'][i]},{COURSES[c]}"
            if c == 0:
                lines.append(f"{head},{cols['attend'][t]},,,")
            else:
                e = cols["exam"][t, c - 1]
                e = e if isinstance(e, str) else fmt(e)
                lines.append(f"{head},,{e},{int(cols['blog_n'][t, c - 1])},{fmt(cols['blog'][t, c - 1])}")
    # UTF-8 with BOM, as Excel's "CSV UTF-8" saves it.
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")


def run_task(args) -> tuple[int, int, int, int]:
    task_no, schools, ids, out, fmt, seed = args
    rng = np.random.default_rng([seed, task_no])
    rows = absent = lower = 0
    for sc in schools:
        cols, a, lo = school_rows(rng, sc, ids[sc.start - schools[0].start:][: sc.n])
        folder = out / sc.folder if sc.folder else out
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{sc.name}.{fmt}"
        (write_xlsx if fmt == "xlsx" else write_csv)(path, sc, cols)
        rows += 4 * sc.n
        absent += a
        lower += lo
    return len(schools), rows, absent, lower


MARKER = ".credittool-bench"


def clear(out: Path) -> bool:
    """Empty a folder an earlier run wrote (it holds MARKER); refuse any other non-empty one."""
    if any(out.iterdir()) and not (out / MARKER).exists():
        return False
    for p in out.iterdir():
        if p.is_dir() and p.name.startswith("县"):
            shutil.rmtree(p)
        elif p.suffix in (".xlsx", ".csv"):
            p.unlink()
    (out / MARKER).write_text("written by bench/generate.py; safe to delete\n", encoding="utf-8")
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=SCALES, required=True)
    ap.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    ap.add_argument("--out", type=Path, help="output folder (default /tmp/credittool-bench/<scale>)")
    ap.add_argument("--seed", type=int, default=2009)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    a = ap.parse_args(argv)
    out = a.out or Path("/tmp/credittool-bench") / a.scale
    if a.format == "xlsx":
        try:
            import xlsxwriter  # noqa: F401
        except ImportError:
            print("Error: xlsxwriter is needed for xlsx: pip install xlsxwriter", file=sys.stderr)
            return 1
    out.mkdir(parents=True, exist_ok=True)
    if not clear(out):
        print(f"Error: {out} is not empty and was not written by this script; "
              "choose another --out or empty it", file=sys.stderr)
        return 1

    t0 = time.perf_counter()
    schools, ids = plan(a.scale, a.seed)
    t_plan = time.perf_counter() - t0
    tasks = []
    for k in range(0, len(schools), SCHOOLS_PER_TASK):
        chunk = schools[k: k + SCHOOLS_PER_TASK]
        lo, hi = chunk[0].start, chunk[-1].start + chunk[-1].n
        tasks.append((len(tasks), chunk, ids[lo:hi], out, a.format, a.seed))
    files = rows = absent = lower = 0
    with mp.get_context("fork").Pool(a.jobs) as pool:
        for f, r, ab, lo in pool.imap_unordered(run_task, tasks, chunksize=1):
            files, rows, absent, lower = files + f, rows + r, absent + ab, lower + lo
    secs = time.perf_counter() - t0
    print(f"wrote {files} {a.format} files, {rows:,} rows ({len(ids):,} teachers) to {out} "
          f"in {secs:.1f} s ({a.jobs} processes; planning {t_plan:.1f} s); "
          f"messes: {absent} 缺考, {lower} lowercase x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
