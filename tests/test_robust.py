"""The run's robustness (issue 12 items 1-4, issue 11 item 3): per-file memory and time
limits, a crashed file read again, exit codes that tell the truth, and a killed run that
leaves nothing behind."""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT, TEXT_H1, check_id, read_sheet, write_xlsx
from kill_harness import alive, descendants
from credittool import atomic
from credittool.extract import workers
from credittool.cli import app
from credittool.commands.ingest import ingest, load_term, vocabulary

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
HEAD = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]


def school(path: Path, base: int, n: int, valid: bool = True) -> Path:
    """n teachers of 教学技能, all passing: 70×0.7 + 70×0.3 = 70 ≥ 60 (R2), 5 posts (R3).
    With valid=False every ID lacks a digit, so every row is rejected."""
    rows = [HEAD] + [[f"教师{base + i}", check_id(f"220282198001{base + i:05d}")[:None if valid else 17], 70, 5, 70]
                     for i in range(n)]
    return write_xlsx(path, {"教学技能": rows})


def broken(path: Path) -> Path:
    path.write_bytes(b"PK\x03\x04 this is no workbook" * 10)
    return path


def run(*args) -> object:
    return runner.invoke(app, [str(a) for a in args])


def entries_by_unit(ws: Path) -> dict[str, int]:
    con = sqlite3.connect(ws / "ledger.sqlite")
    try:
        return dict(con.execute("SELECT unit, COUNT(*) FROM entries GROUP BY unit").fetchall())
    finally:
        con.close()


# --- item 2: a crash never loses a file ---------------------------------------------------

def test_a_file_whose_worker_died_is_read_again_next_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = school(tmp_path / "甲校.xlsx", 0, 30), school(tmp_path / "乙校.xlsx", 100, 20)
    ws = tmp_path / "ws"
    real = workers.extract_file

    def dies_on_a(path: Path, *args, **kwargs):  # runs in the forked worker
        if path == a:
            os._exit(1)  # as the OOM killer or a parser's abort: no exception, the process is gone
        return real(path, *args, **kwargs)

    monkeypatch.setattr(workers, "extract_file", dies_on_a)
    first = ingest([a, b], rules=[TEXT_H1], workspace=ws)
    assert [(f.name, f.status) for f in first.files] == [("甲校.xlsx", "无法读取"), ("乙校.xlsx", "新导入")]
    assert first.files[0].problem.code == "E-FILE-CRASH"
    assert entries_by_unit(ws) == {"乙校": 20}
    monkeypatch.setattr(workers, "extract_file", real)  # the cause was transient
    second = ingest([a, b], rules=[TEXT_H1], workspace=ws)
    assert [(f.name, f.status, f.accepted) for f in second.files] == [("甲校.xlsx", "新导入", 30), ("乙校.xlsx", "未改动", 0)]
    assert entries_by_unit(ws) == {"甲校": 30, "乙校": 20}
    rejects = read_sheet(ws / "out" / "2009-h1" / "rejects.xlsx", "未接受的行")
    assert "E-FILE-CRASH" not in {r["代码"] for r in rejects}  # the old error went with the re-read


def test_a_broken_corrected_file_keeps_the_schools_rows(tmp_path: Path) -> None:
    """A school's new file with the same name that cannot be read retires nothing."""
    ws = tmp_path / "ws"
    path = school(tmp_path / "甲校.xlsx", 0, 12)
    assert ingest([path], rules=[TEXT_H1], workspace=ws).files[0].status == "新导入"
    broken(path)
    rep = ingest([path], rules=[TEXT_H1], workspace=ws)
    assert rep.files[0].status == "无法读取"
    assert entries_by_unit(ws) == {"甲校": 12}
    school(path, 0, 14)  # fixed: now it replaces the old file, and its error is gone
    rep = ingest([path], rules=[TEXT_H1], workspace=ws)
    assert (rep.files[0].status, rep.files[0].accepted) == ("替换", 14)
    assert entries_by_unit(ws) == {"甲校": 14}
    rejects = read_sheet(ws / "out" / "2009-h1" / "rejects.xlsx", "未接受的行")
    assert [r for r in rejects if r["文件"] == "甲校.xlsx"] == []


# --- item 3 (and issue 11 item 3): exit codes tell the truth ------------------------------

def test_an_unreadable_file_fails_every_run_until_fixed(tmp_path: Path) -> None:
    folder = tmp_path / "收表"
    folder.mkdir()
    school(folder / "甲校.xlsx", 0, 10)
    bad = broken(folder / "乙校.xlsx")
    ws = tmp_path / "ws"
    for _ in range(2):  # the second run re-reads it: 无法读取 again, never 未改动
        res = run("ingest", folder, "--rules", TEXT_H1, "--workspace", ws)
        assert res.exit_code == 1, res.output
        assert "乙校.xlsx" in res.output and "无法读取" in res.output and "未改动" not in res.output.split("甲校")[0]
        assert "需要处理的文件（1 个" in res.output and "--allow-unreadable" in res.output
    assert entries_by_unit(ws) == {"甲校": 10}
    res = run("ingest", folder, "--rules", TEXT_H1, "--workspace", ws, "--allow-unreadable")
    assert res.exit_code == 0, res.output
    assert "需要处理的文件（1 个" in res.output
    school(bad, 100, 5)
    res = run("ingest", folder, "--rules", TEXT_H1, "--workspace", ws)
    assert res.exit_code == 0, res.output
    assert entries_by_unit(ws) == {"甲校": 10, "乙校": 5}


def test_two_copies_of_an_unreadable_file_fail(tmp_path: Path) -> None:
    folder = tmp_path / "收表"
    (folder / "副本").mkdir(parents=True)
    broken(folder / "乙校.xlsx")
    broken(folder / "副本" / "乙校.xlsx")
    res = run("ingest", folder, "--rules", TEXT_H1, "--workspace", tmp_path / "ws")
    assert res.exit_code == 1, res.output
    assert "没有任何一行被接受" in res.output
    assert "需要处理的文件（2 个" in res.output


def test_a_second_copy_on_an_empty_workspace_is_not_unchanged(tmp_path: Path) -> None:
    """Two copies of a file whose every row is rejected: nothing is ingested, so exit 1;
    the copy is 重复 (the ledger had neither), not 未改动."""
    folder = tmp_path / "收表"
    (folder / "副本").mkdir(parents=True)
    school(folder / "丙校.xlsx", 0, 4, valid=False)
    (folder / "副本" / "丙校.xlsx").write_bytes((folder / "丙校.xlsx").read_bytes())
    ws = tmp_path / "ws"
    res = run("ingest", folder, "--rules", TEXT_H1, "--workspace", ws)
    assert res.exit_code == 1, res.output
    assert "没有任何一行被接受" in res.output and "重复" in res.output
    rep = ingest([folder], rules=[TEXT_H1], workspace=tmp_path / "ws2")
    assert [f.status for f in rep.files] == ["新导入", "重复"]
    assert rep.nothing_ingested


# --- item 1: memory and time limits per file ----------------------------------------------

def _jobs(tmp_path: Path, n: int) -> list[tuple[Path, str]]:
    return [(school(tmp_path / f"学校{i}.xlsx", 100 * i, 3), f"学校{i}.xlsx") for i in range(n)]


def test_a_file_over_the_memory_cap_is_e_file_limit_and_the_others_read(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _jobs(tmp_path, 6)
    hog, aborts = jobs[2][0], jobs[4][0]
    real = workers.extract_file

    def greedy(path: Path, *args, **kwargs):  # in the worker
        if path == hog:
            return bytearray(2 << 30)  # 2 GiB under a 1.5 GiB cap: MemoryError
        if path == aborts:
            import faulthandler

            faulthandler.disable()  # pytest's; its dump is noise here
            os.abort()  # a native allocation refused under the cap ends the process so
        res = real(path, *args, **kwargs)
        res.notes.append(str(resource.getrlimit(resource.RLIMIT_AS)[0]))
        return res

    monkeypatch.setattr(workers, "extract_file", greedy)
    from credittool.read.limits import FileLimits

    term = load_term([TEXT_H1], None)
    results = workers.extract_many(jobs, term, vocabulary(term), None, limits=FileLimits(memory=3 << 29))
    codes = [r.error.code if r.error else None for r in results]
    assert codes == [None, None, "E-FILE-LIMIT", None, "E-FILE-LIMIT", None]
    assert "内存" in results[2].error.message and "--file-memory" in results[2].error.hint
    caps = {r.notes[-1] for r in results if r.error is None}
    assert caps == {str(3 << 29)}  # every worker ran under the cap
    assert all(r.rows_read == 3 for r in results if r.error is None)


def test_a_file_over_the_time_limit_is_e_file_limit_and_the_others_read(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _jobs(tmp_path, 5)
    slow = jobs[1][0]
    real = workers.extract_file

    def hangs(path: Path, *args, **kwargs):
        if path == slow:
            time.sleep(60)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(workers, "extract_file", hangs)
    from credittool.read.limits import FileLimits

    term = load_term([TEXT_H1], None)
    start = time.monotonic()
    results = workers.extract_many(jobs, term, vocabulary(term), None, limits=FileLimits(seconds=1.5))
    assert time.monotonic() - start < 15
    assert [r.error.code if r.error else None for r in results] == [None, "E-FILE-LIMIT", None, None, None]
    assert "1.5 秒" in results[1].error.message and "--file-timeout" in results[1].error.hint
    assert all(r.rows_read == 3 for r in results if r.error is None)


def test_limits_options_and_check_limits() -> None:
    from credittool.read.limits import parse_size

    assert parse_size("1.5G") == 3 << 29 and parse_size("2048M") == 2 << 30 and parse_size("800MB") == 800 << 20
    assert parse_size("3GiB") == 3 << 30 and parse_size("0") == 0
    res = run("check", "--limits", "--file-memory", "3G", "--file-timeout", "600")
    assert res.exit_code == 0, res.output
    assert "内存 3 GiB" in res.output and "时间 600 秒" in res.output and "本机" in res.output
    res = run("check", "--limits")
    assert "内存 1.5 GiB" in res.output and "时间 120 秒" in res.output
    res = run("check", "--limits", "--file-memory", "很多")
    assert res.exit_code == 2 and "不是内存大小" in res.output
    res = run("check", "--limits", "--file-memory", "100M")
    assert res.exit_code == 2 and "太小" in res.output


def test_ingest_passes_the_limits_to_its_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = school(tmp_path / "甲校.xlsx", 0, 3)
    real = workers.extract_file

    def slow(p: Path, *args, **kwargs):
        time.sleep(5)
        return real(p, *args, **kwargs)

    monkeypatch.setattr(workers, "extract_file", slow)
    res = run("ingest", path, "--rules", TEXT_H1, "--workspace", tmp_path / "ws", "--file-timeout", "1")
    assert res.exit_code == 1, res.output
    assert "E-FILE-LIMIT" in res.output and "1 秒" in res.output


# --- item 4: a killed run leaves nothing behind -------------------------------------------

def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    jobs = _jobs(tmp_path, 4)
    script = tmp_path / "reader.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from credittool.extract import workers
        from credittool.commands.ingest import load_term, vocabulary
        workers.extract_file = lambda *a, **k: time.sleep(600)
        term = load_term([Path({str(TEXT_H1)!r})], None)
        print("reading", flush=True)
        workers.extract_many({[(str(p), n) for p, n in jobs]!r}, term, vocabulary(term), None)
    """))
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert p.stdout.readline() == b"reading\n"
        deadline = time.monotonic() + 20
        while len(kids := descendants(p.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(kids) == 2, kids
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    deadline = time.monotonic() + 5
    while any(alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphans = [k for k in kids if alive(k)]
    for k in orphans:  # a failing run must not leave them either
        os.kill(k, signal.SIGKILL)
    assert orphans == []


def test_a_dead_writers_temp_file_is_removed_at_once(tmp_path: Path) -> None:
    target = tmp_path / "out" / "register.xlsx"
    pid = os.fork()
    if pid == 0:  # a writer killed between its temp file and its os.replace
        with atomic.atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            os._exit(0)
    os.waitpid(pid, 0)
    (left,) = [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]
    assert f".{pid}-" in left.name
    mine = target.parent / f".register.xlsx.{atomic.owner_tag()}.abcdefgh.tmp"  # a live writer's: kept
    mine.write_bytes(b"busy")
    atomic.write_atomic(target, lambda p: p.write_bytes(b"whole"))
    assert sorted(p.name for p in target.parent.iterdir()) == sorted(["register.xlsx", mine.name])
    assert target.read_bytes() == b"whole"


def test_report_rewrites_workbooks_left_behind_the_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kill between the commit and the workbooks: `report` notices and rewrites them."""
    from credittool.commands.report import make_report
    from credittool.write import outputs

    ws = tmp_path / "ws"
    ingest([school(tmp_path / "甲校.xlsx", 0, 6)], rules=[TEXT_H1], workspace=ws)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the run stops right after its commit

    monkeypatch.setattr(outputs, "write_outputs", killed)  # the ingest imports it when it writes
    with pytest.raises(KeyboardInterrupt):
        ingest([school(tmp_path / "乙校.xlsx", 100, 4)], rules=[TEXT_H1], workspace=ws)
    monkeypatch.undo()
    register = ws / "out" / "2009-h1" / "register.xlsx"
    assert {r["单位"] for r in read_sheet(register, "证书登记表")} == {"甲校"}  # behind the ledger
    make_report(workspace=ws)
    rows = read_sheet(register, "证书登记表")
    assert sorted((r["单位"], r["姓名"]) for r in rows) == sorted(
        [("甲校", f"教师{i}") for i in range(6)] + [("乙校", f"教师{100 + i}") for i in range(4)])
    before = register.stat().st_mtime_ns
    make_report(workspace=ws)
    assert register.stat().st_mtime_ns == before  # up to date now: not rewritten


def test_an_older_ledger_gets_its_entries_key_as_an_index(tmp_path: Path) -> None:
    """A ledger whose entries table declared UNIQUE(term, id_number, course_id) inline is
    rebuilt at the next open: the same rows in the same order, the key now the index
    entries_key (which a big load can drop and build once), still refusing a second result
    for a teacher and course, and the next ingest gives the same register."""
    from credittool.ledger.db import connect

    ws = tmp_path / "ws"
    files = [school(tmp_path / "甲校.xlsx", 0, 3), school(tmp_path / "乙校.xlsx", 100, 4)]
    ingest(files, rules=[TEXT_H1], workspace=ws)
    register = ws / "out" / "2009-h1" / "register.xlsx"
    before = read_sheet(register, "证书登记表")
    con = sqlite3.connect(ws / "ledger.sqlite")
    rows = con.execute("SELECT rowid, * FROM entries ORDER BY rowid").fetchall()
    assert len(rows) == 7
    (sql,) = con.execute("SELECT sql FROM sqlite_master WHERE name = 'entries'").fetchone()
    old = sql.replace("CREATE TABLE entries(", "CREATE TABLE entries_old(").rstrip().removesuffix(")") \
        + ",\n    UNIQUE(term, id_number, course_id)\n)"
    con.executescript(f"""PRAGMA foreign_keys = OFF; {old};
        INSERT INTO entries_old SELECT * FROM entries ORDER BY rowid; DROP TABLE entries;
        ALTER TABLE entries_old RENAME TO entries;""")
    con.close()
    con = connect(ws / "ledger.sqlite")
    try:
        (sql,) = con.execute("SELECT sql FROM sqlite_master WHERE name = 'entries'").fetchone()
        assert "UNIQUE" not in sql
        assert con.execute("SELECT rowid, * FROM entries ORDER BY rowid").fetchall() == rows
        indexes = {n for (n,) in con.execute(
            "SELECT name FROM sqlite_master WHERE tbl_name = 'entries' AND type = 'index'")}
        assert indexes == {"entries_key", "entries_unit", "entries_file"}
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            con.execute("INSERT INTO entries SELECT * FROM entries LIMIT 1")
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        con.close()
    ingest(files + [school(tmp_path / "丙校.xlsx", 200, 2)], rules=[TEXT_H1], workspace=ws)
    after = read_sheet(register, "证书登记表")
    assert [r for r in after if r["单位"] != "丙校"] == before and len(after) == len(before) + 2


def test_an_older_ledger_learns_which_files_were_unreadable(tmp_path: Path) -> None:
    """A ledger written before files.error: its unreadable files are read again."""
    from credittool.ledger.db import connect, known_files

    ws = tmp_path / "ws"
    good = school(tmp_path / "甲校.xlsx", 0, 3)
    bad = broken(tmp_path / "乙校.xlsx")
    ingest([good, bad], rules=[TEXT_H1], workspace=ws)
    con = sqlite3.connect(ws / "ledger.sqlite")
    con.execute("ALTER TABLE files DROP COLUMN error")
    con.commit()
    con.close()
    con = connect(ws / "ledger.sqlite")
    try:
        assert known_files(con, "2009-h1") == {workers.sha256_of(good)}
    finally:
        con.close()
