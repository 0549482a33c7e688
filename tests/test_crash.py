"""SIGKILL an ingest at random moments (issue 5: an interrupted run leaves the ledger and
the outputs as they were, or fully updated).

`python -m credittool ingest` runs on 40 school files in a subprocess and is killed after
a seeded random delay spread over the length of an uninterrupted run, and once more the
moment the register's temp file appears. After each kill:

- the SQLite file passes `PRAGMA integrity_check`;
- the ledger holds none of the run or all of it, and each file's `accepted` count equals
  its rows in `entries`;
- register.xlsx and rejects.xlsx are absent or whole (openpyxl opens them): never half-written;

then a normal re-run finishes and leaves the same ledger and register as a run that was
never interrupted.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, TEXT_H1, check_id, write_xlsx

SCHOOLS, TEACHERS = 40, 40
HEAD = ["姓名", "身份证号", "出勤", "考试成绩", "博文篇数", "博文成绩"]
OUTPUTS = ("register.xlsx", "rejects.xlsx")


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("crash") / "收表"
    folder.mkdir()
    for s in range(SCHOOLS):
        sheets = {}
        for c, course in enumerate(("师德报告会", "师德读本", "教学技能")):
            rows = [HEAD] + [[f"教师{s}-{i}", check_id(f"2202821980{s:02d}{i:05d}"), "是", 55 + (i * 7 + s + c) % 45,
                              4 + i % 3, 60 + i % 40] for i in range(TEACHERS)]
            rows.append(["错号", "22028219800101001", "是", 80, 5, 80])  # a reject in every sheet
            sheets[course] = rows
        write_xlsx(folder / f"桦甸市第{s:02d}学校.xlsx", sheets)
    return folder


def command(county: Path, workspace: Path) -> list[str]:
    return [sys.executable, "-m", "credittool", "ingest", str(county), "--rules", str(TEXT_H1),
            "--workspace", str(workspace)]


def run(county: Path, workspace: Path) -> float:
    start = time.monotonic()
    p = subprocess.run(command(county, workspace), capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return time.monotonic() - start


def snapshot(db: Path) -> dict[str, list]:
    """The ledger's content without ids and times: what a rerun must reproduce."""
    con = sqlite3.connect(db)
    try:
        out = {"files": sorted(con.execute(
            "SELECT name, sha256, path, rows_read, accepted, rejected, skipped, active FROM files").fetchall())}
        for table in ("entries", "rejects", "skipped"):
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] != "file_id"]
            out[table] = sorted(con.execute(
                f"SELECT f.name, {', '.join('t.' + c for c in cols)} FROM {table} t JOIN files f USING (file_id)"
            ).fetchall(), key=repr)
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            out.setdefault(f"rows in {table}", con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        out.pop("rows in meta", None)
        return out
    finally:
        con.close()


def workbook_values(path: Path) -> dict[str, list]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


@pytest.fixture(scope="module")
def baseline(county: Path, tmp_path_factory) -> dict:
    ws = tmp_path_factory.mktemp("baseline")
    seconds = run(county, ws)
    out = ws / "out" / "2009-h1"
    return {"seconds": seconds, "ledger": snapshot(ws / "ledger.sqlite"),
            "outputs": {name: workbook_values(out / name) for name in OUTPUTS}}


def check_after_kill(ws: Path, baseline: dict) -> str:
    """The invariants right after a SIGKILL; returns which state the kill left."""
    db = ws / "ledger.sqlite"
    state = "no ledger yet"
    if db.exists():
        con = sqlite3.connect(db)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            files = con.execute("SELECT COUNT(*) FROM files").fetchone()[0]
            entries = con.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
            mismatched = con.execute(
                "SELECT f.name, f.accepted, COUNT(e.file_id) FROM files f LEFT JOIN entries e USING (file_id)"
                " GROUP BY f.file_id HAVING f.accepted <> COUNT(e.file_id)").fetchall()
        finally:
            con.close()
        assert mismatched == []
        assert (files, entries) in ((0, 0), (SCHOOLS, len(baseline["ledger"]["entries"]))), (files, entries)
        state = "ledger committed" if files else "ledger empty"
    out = ws / "out" / "2009-h1"
    for name in OUTPUTS:
        if (out / name).exists():
            workbook_values(out / name)  # opens: whole, not half-written
            state += f", {name}"
    return state


def kill_after(county: Path, ws: Path, delay: float) -> None:
    p = subprocess.Popen(command(county, ws), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)


def kill_while_writing_register(county: Path, ws: Path) -> bool:
    """SIGKILL the moment the register's temp file exists: the worst time for the output."""
    out = ws / "out" / "2009-h1"
    p = subprocess.Popen(command(county, ws), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        while p.poll() is None:
            if out.is_dir() and any(n.startswith(".register.xlsx.") for n in os.listdir(out)):
                p.send_signal(signal.SIGKILL)
                p.wait(timeout=60)
                return True
            time.sleep(0.0005)
        return False
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def recover_and_compare(county: Path, ws: Path, baseline: dict) -> None:
    run(county, ws)
    assert snapshot(ws / "ledger.sqlite") == baseline["ledger"]
    out = ws / "out" / "2009-h1"
    for name in OUTPUTS:
        assert workbook_values(out / name) == baseline["outputs"][name], name


def test_sigkill_at_random_moments_leaves_nothing_half_done(county: Path, baseline: dict, tmp_path: Path) -> None:
    rng = random.Random(2009)
    span = baseline["seconds"]
    # half anywhere, half in the last 40 % (commit and outputs come at the end)
    delays = sorted([rng.uniform(0.05, span) for _ in range(4)] + [rng.uniform(0.6 * span, span) for _ in range(4)])
    states = []
    for k, delay in enumerate(delays):
        ws = tmp_path / f"ws{k}"
        kill_after(county, ws, delay)
        states.append((round(delay, 2), check_after_kill(ws, baseline)))
        recover_and_compare(county, ws, baseline)
    print("\nkilled at (s, state):", states)
    # a kill during the output phase leaves the old outputs or the new ones; recorded above


def test_sigkill_while_the_register_is_being_written(county: Path, baseline: dict, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    if not kill_while_writing_register(county, ws):
        pytest.skip("the run finished before the register's temp file was seen")
    state = check_after_kill(ws, baseline)
    assert state.startswith("ledger committed"), state  # outputs are written after the commit
    assert not (ws / "out" / "2009-h1" / "register.xlsx").exists() or "register.xlsx" in state
    leftovers = sorted(n for n in os.listdir(ws / "out" / "2009-h1") if n.endswith(".tmp"))
    assert leftovers, "the killed writer's temp file stays behind (atomic.py cannot remove it)"
    recover_and_compare(county, ws, baseline)


def test_sigkill_during_a_rerun_keeps_the_previous_outputs_whole(county: Path, baseline: dict,
                                                                tmp_path: Path) -> None:
    """A second run over a complete workspace rewrites the outputs; killing it mid-write
    must leave the previous register, whole."""
    ws = tmp_path / "ws"
    run(county, ws)
    before = workbook_values(ws / "out" / "2009-h1" / "register.xlsx")
    if not kill_while_writing_register(county, ws):
        pytest.skip("the run finished before the register's temp file was seen")
    check_after_kill(ws, baseline)
    assert workbook_values(ws / "out" / "2009-h1" / "register.xlsx") == before
