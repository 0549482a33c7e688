"""The parts of a split register written during the commit (earlyparts.py, R16).

The oracle is the ledger path: the same ingest with the early writer switched off writes
every part from SQL (`register._REGISTER_ROWS`). Output files are deterministic, so the two
must be equal byte for byte. `SHEET_ROW_LIMIT` is patched small so that the shipped sample
county (1,997 course rows) needs several parts, including units split mid-unit.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from credittool.write import earlyparts

from credittool.write import register
from credittool.commands.ingest import IngestReport, ingest
from golden_util import ROOT, SAMPLES, TERM
from test_register_scale import read_book


def run(ws: Path, paths: list[Path] | None = None, rules: Path = ROOT / "rules") -> IngestReport:
    return ingest(paths or [SAMPLES], rules=[rules], workspace=ws, term=TERM)


def rules_with_elective(tmp_path: Path) -> Path:
    """The shipped rules with 《教师的教学技能》 of the text track made an elective, so that
    the register has both 必修 and 选修 rows."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    text = rules / "huadian-2009-h1-text.yaml"
    old = "    name: 《教师的教学技能》\n    aliases: [教学技能, 教师教学技能]\n    required: true\n"
    assert old in text.read_text(encoding="utf-8")
    text.write_text(text.read_text(encoding="utf-8").replace(old, old.replace("true", "false")), encoding="utf-8")
    return rules


def outputs(ws: Path) -> dict[str, bytes]:
    out = ws / "out" / TERM
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging folder left behind
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def no_early(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(earlyparts, "start", lambda *a, **k: None)


@pytest.mark.parametrize("limit", [400, 10])  # 10: every unit is longer than a sheet
def test_early_parts_are_the_ledger_parts_byte_for_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        limit: int) -> None:
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", limit)
    rules = rules_with_elective(tmp_path)
    early = run(tmp_path / "early", rules=rules)
    assert early.stats.early and early.stats.parts >= 2
    got = outputs(tmp_path / "early")
    no_early(monkeypatch)
    ledger = run(tmp_path / "ledger", rules=rules)
    assert not ledger.stats.early and ledger.stats == early.stats.__class__(**{**vars(early.stats), "early": False})
    assert got == outputs(tmp_path / "ledger")
    # the parts cover what the register must show: both kinds of course, failures with their
    # reasons, blank composites (attendance-only courses)
    rows = [r for i in range(1, early.stats.parts + 1)
            for r in read_book(tmp_path / "early" / "out" / TERM / f"register-{i}.xlsx")["证书登记表"][1:]]
    col = {c: register.REGISTER_COLUMNS.index(c) for c in ("必修/选修", "综合成绩", "结果", "原因")}
    assert {r[col["必修/选修"]] for r in rows} == {"必修", "选修"}
    assert {r[col["结果"]] for r in rows} == {"合格", "不合格"}
    assert any(r[col["原因"]] for r in rows) and any(r[col["综合成绩"]] in ("", None) for r in rows)
    assert len(rows) == early.stats.entries


def test_a_second_run_writes_the_parts_from_the_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With entries of the term already in the ledger the register is more than the run:
    no early writer is started."""
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", 400)
    files = sorted(SAMPLES.glob("*.xls*"))
    assert len(files) >= 2
    run(tmp_path / "ws", files[:1])
    started = []
    real = earlyparts.start
    monkeypatch.setattr(earlyparts, "start", lambda *a, **k: started.append(1) or real(*a, **k))
    second = run(tmp_path / "ws", files)
    assert not started and not second.stats.early and second.stats.parts >= 2
    no_early(monkeypatch)
    run(tmp_path / "oracle", files)
    assert outputs(tmp_path / "ws") == outputs(tmp_path / "oracle")


def helper(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    """Run `code` as the helper process instead (`staging` is the folder it must write to)."""
    monkeypatch.setattr(earlyparts, "helper_command",
                        lambda staging: [sys.executable, "-c", f"from pathlib import Path; staging = Path({str(staging)!r})\n"
                                         + textwrap.dedent(code)])


def fallback_equals_ledger_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    got = run(tmp_path / "fallback")
    assert not got.stats.early and got.stats.parts >= 2
    no_early(monkeypatch)
    run(tmp_path / "oracle")
    assert outputs(tmp_path / "fallback") == outputs(tmp_path / "oracle")


def test_a_helper_that_fails_leaves_the_parts_to_the_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capfd: pytest.CaptureFixture[str]) -> None:
    """A helper that dies (here: an exception; in life a writer's panic or the OOM killer)
    costs time, never a part, and shows the clerk no traceback."""
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", 400)
    helper(monkeypatch, "raise MemoryError('simulated')")
    fallback_equals_ledger_path(tmp_path, monkeypatch)
    assert "Traceback" not in capfd.readouterr().err


def test_a_helper_killed_midway_leaves_the_parts_to_the_ledger(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """It planned and wrote register-1.xlsx, then died: the parts all come from the ledger."""
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", 400)
    helper(monkeypatch, """
        import os
        from credittool.write import earlyparts
        real = earlyparts.write_xlsx
        def once(*args, **kwargs):
            real(*args, **kwargs)
            os._exit(9)
        earlyparts.write_xlsx = once
        earlyparts.write_parts(staging)
    """)
    fallback_equals_ledger_path(tmp_path, monkeypatch)


def test_a_helper_that_hangs_is_given_up_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", 400)
    monkeypatch.setattr(earlyparts, "DEADLINE_S", 3.0)
    helper(monkeypatch, "import time; time.sleep(3600)")
    t0 = time.monotonic()
    fallback_equals_ledger_path(tmp_path, monkeypatch)
    assert time.monotonic() - t0 < 60


def test_a_helper_that_hangs_after_planning_is_given_up_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", 400)
    monkeypatch.setattr(earlyparts, "DEADLINE_S", 5.0)
    helper(monkeypatch, """
        import time
        from credittool.write import earlyparts
        earlyparts.write_xlsx = lambda *args, **kwargs: time.sleep(3600)
        earlyparts.write_parts(staging)
    """)
    fallback_equals_ledger_path(tmp_path, monkeypatch)


def test_a_commit_by_another_ingest_meanwhile_discards_the_early_parts(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Another run's file landing between this run's commit and its register makes the
    ledger more than this run: the parts are written from the ledger, whole."""
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", 400)
    real = register._plan
    other_file: list[int] = []

    def commit_meanwhile(con: sqlite3.Connection, term_id: str) -> Any:
        if not other_file:
            path = con.execute("PRAGMA database_list").fetchone()[2]
            other = sqlite3.connect(path, isolation_level=None)
            cur = other.execute("INSERT INTO files(term, sha256, name, path, ingested_at, rows_read, accepted,"
                                " rejected, skipped) VALUES (?, 'x', '别的学校.xlsx', '-', '-', 1, 1, 0, 0)", (term_id,))
            other_file.append(cur.lastrowid)
            other.execute("""INSERT INTO entries SELECT term, ?, sheet, row, unit, name, 'X' || id_number, subject,
                             stage, track, course_id, composite, passed, eligible, hours, credits, reason, inputs
                             FROM entries ORDER BY unit LIMIT 3""", (other_file[0],))
            other.close()
        return real(con, term_id)

    monkeypatch.setattr(register, "_plan", commit_meanwhile)
    got = run(tmp_path / "ws")
    # the samples register 1,994 rows (the three of =华玉国 are E-TEXT-FORMULA), the other run 3
    assert not got.stats.early and got.stats.entries == 1994 + 3
    book = [r for i in range(1, got.stats.parts + 1)
            for r in read_book(tmp_path / "ws" / "out" / TERM / f"register-{i}.xlsx")["证书登记表"][1:]]
    assert len(book) == 1994 + 3 and sum(r[register.REGISTER_COLUMNS.index("来源文件")] == "别的学校.xlsx"
                                         for r in book) == 3


def test_staging_is_removed_when_the_run_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", 400)
    from credittool.ledger import commit

    def fails(*args: Any) -> Any:
        raise RuntimeError("simulated failure during the commit")

    monkeypatch.setattr(commit, "commit_run", fails)  # the ingest imports it when it commits
    with pytest.raises(RuntimeError):
        run(tmp_path / "ws")
    out = tmp_path / "ws" / "out" / TERM
    assert out.is_dir() and not list(out.iterdir())  # the helper was stopped, its folder removed
    shutil.rmtree(tmp_path / "ws")


def test_a_killed_runs_staging_folder_is_removed_a_day_later(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register, "SHEET_ROW_LIMIT", 400)
    out = tmp_path / "ws" / "out" / TERM
    old, recent = out / (earlyparts.STAGING_PREFIX + "old"), out / (earlyparts.STAGING_PREFIX + "recent")
    for d in (old, recent):
        d.mkdir(parents=True)
        (d / "register-1.xlsx").write_bytes(b"half written")
    day_ago = time.time() - earlyparts.STALE_S - 60
    os.utime(old, (day_ago, day_ago))
    got = run(tmp_path / "ws")
    assert got.stats.early
    assert not old.exists()  # a killed run's: removed
    assert recent.exists()  # maybe a live run's: left alone
