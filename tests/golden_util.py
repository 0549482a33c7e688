"""Golden files for the shipped samples: run the main job, render outputs as CSV text.

Regenerate only on purpose: `.venv/bin/python tests/regen_golden.py`, then review the diff.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "county-2009-h1"
GOLDEN = ROOT / "tests" / "golden" / "2009-h1"
TERM = "2009-h1"
# output workbook → sheets to compare
OUTPUTS = {"register.xlsx": ("证书登记表", "学分汇总"), "rejects.xlsx": ("未接受的行", "跳过的行")}


def run_samples(workspace: Path) -> Path:
    from credittool.ingest import ingest

    ingest([SAMPLES], rules=[ROOT / "rules"], workspace=workspace, term=TERM)
    return workspace / "out" / TERM


def sheet_csv(path: Path, sheet: str) -> str:
    from openpyxl import load_workbook

    ws = load_workbook(path, read_only=True)[sheet]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for row in ws.iter_rows(values_only=True):
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def rendered(out_dir: Path) -> dict[str, str]:
    return {f"{Path(book).stem}-{sheet}.csv": sheet_csv(out_dir / book, sheet)
            for book, sheets in OUTPUTS.items() for sheet in sheets}
