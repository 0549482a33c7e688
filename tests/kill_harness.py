"""SIGKILL an ingest and look at what it left: the ledger (all of the run or none), the
workbooks (whole or absent), its processes (none alive) and its temp files (none after the
next run). Used by tests/test_crash.py and bench/kill.py (a city's ingest killed at ten
moments)."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ("register.xlsx", "rejects.xlsx")


def command(inputs: Path, rules: Path, workspace: Path) -> list[str]:
    return [sys.executable, "-m", "credittool", "ingest", str(inputs), "--rules", str(rules),
            "--workspace", str(workspace)]


def run(inputs: Path, rules: Path, workspace: Path) -> float:
    start = time.monotonic()
    p = subprocess.run(command(inputs, rules, workspace), capture_output=True, text=True, cwd=ROOT, timeout=900)
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


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_after_kill(ws: Path, files: int, entries: int, term: str = "2009-h1") -> str:
    """The invariants right after a SIGKILL; returns which state the kill left."""
    db = ws / "ledger.sqlite"
    state = "no ledger yet"
    if db.exists():
        con = sqlite3.connect(db)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            if con.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'files'").fetchone()[0] == 0:
                return "ledger file made, killed before its schema was committed"  # the next run makes it
            got = (con.execute("SELECT COUNT(*) FROM files").fetchone()[0],
                   con.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
            mismatched = con.execute(
                "SELECT f.name, f.accepted, COUNT(e.file_id) FROM files f LEFT JOIN entries e USING (file_id)"
                " GROUP BY f.file_id HAVING f.accepted <> COUNT(e.file_id)").fetchall()
        finally:
            con.close()
        assert mismatched == []
        assert got in ((0, 0), (files, entries)), got
        state = "ledger committed" if got[0] else "ledger empty"
    out = ws / "out" / term
    for name in OUTPUTS:
        if (out / name).exists():
            workbook_values(out / name)  # opens: whole, not half-written
            state += f", {name}"
    return state


def leftovers(ws: Path) -> list[str]:
    """Temp files and staging folders in the workspace's outputs."""
    out = ws / "out"
    if not out.is_dir():
        return []
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.name.endswith(".tmp")
                  or p.name.startswith(".register-parts"))


def descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    kids = {int(c) for c in f.read().split()}
                todo.extend(kids - found)
                found |= kids
        except (OSError, ValueError):
            continue
    return found


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a reaper."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat[stat.rindex(b")") + 2:].split()[0] not in (b"Z", b"X")


@dataclass
class Kill:
    at: float  # seconds after the start
    children: set[int] = field(default_factory=set)  # every descendant seen before the kill
    survivors: list[int] = field(default_factory=list)  # of those, alive 3 s after it


def kill_when(cmd: list[str], ready, timeout: float = 900) -> Kill | None:
    """Start `cmd`, SIGKILL it once `ready(elapsed)` is true (polled every few ms, watching
    its descendants meanwhile); None if it finished first. Any survivor is killed too,
    after being recorded, so that a failing check leaves no process behind."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    start, seen = time.monotonic(), set()
    try:
        while p.poll() is None:
            seen |= descendants(p.pid)
            if ready(time.monotonic() - start):
                at = time.monotonic() - start
                p.send_signal(signal.SIGKILL)
                p.wait(timeout=60)
                break
            if time.monotonic() - start > timeout:
                raise TimeoutError(cmd)
            time.sleep(0.002)
        else:
            return None
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    deadline = time.monotonic() + 3
    while any(alive(c) for c in seen) and time.monotonic() < deadline:
        time.sleep(0.02)
    kill = Kill(at, seen, [c for c in seen if alive(c)])
    for c in kill.survivors:
        os.kill(c, signal.SIGKILL)
    return kill


def after(delay: float):
    return lambda elapsed: elapsed >= delay


def temp_file_appears(ws: Path, prefix: str, term: str = "2009-h1"):
    out = ws / "out" / term
    return lambda elapsed: out.is_dir() and any(n.startswith(prefix) for n in os.listdir(out))
