"""Two ingests into one workspace at the same moment: both finish, nothing lost or doubled."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import TEXT_H1, check_id, write_xlsx

HEAD = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]


def _school(path: Path, base: int, n: int) -> Path:
    rows = [HEAD] + [[f"教师{base + i}", check_id(f"220282198001{base + i:05d}"), 70, 5, 70] for i in range(n)]
    return write_xlsx(path, {"教学技能": rows})


def test_two_concurrent_ingests_both_land(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    a = _school(tmp_path / "甲校.xlsx", 0, 300)
    b = _school(tmp_path / "乙校.xlsx", 1000, 300)
    cmd = [sys.executable, "-m", "credittool", "ingest", "--rules", str(TEXT_H1), "--workspace", str(ws)]
    procs = [subprocess.Popen(cmd + [str(p)], stdout=subprocess.PIPE, stderr=subprocess.PIPE) for p in (a, b, a)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    con = sqlite3.connect(ws / "ledger.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # 甲校 was ingested twice at once: it lands exactly once
    assert con.execute("SELECT unit, COUNT(*) FROM entries GROUP BY unit ORDER BY unit").fetchall() == [
        ("乙校", 300), ("甲校", 300)]
    assert con.execute("SELECT COUNT(*) FROM files").fetchone() == (2,)
