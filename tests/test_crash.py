"""SIGKILL an ingest at random moments (issue 5: an interrupted run leaves the ledger and
the outputs as they were, or fully updated).

`python -m credittool ingest` runs on 40 school files in a subprocess and is killed after
a seeded random delay spread over the length of an uninterrupted run, and once more the
moment the register's temp file appears. After each kill:

- the SQLite file passes `PRAGMA integrity_check`;
- the ledger holds none of the run or all of it, and each file's `accepted` count equals
  its rows in `entries`;
- register.xlsx and rejects.xlsx are absent or whole (openpyxl opens them): never half-written;

and no process of the run is left alive (workers die with it); then a normal re-run
finishes, leaves the same ledger and register as a run that was never interrupted, and no
temp file (a dead writer's is removed at once).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

import kill_harness as kh
from conftest import TEXT_H1, check_id, write_xlsx
from kill_harness import OUTPUTS, snapshot, workbook_values

SCHOOLS, TEACHERS = 40, 40
HEAD = ["姓名", "身份证号", "出勤", "考试成绩", "博文篇数", "博文成绩"]


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
    return kh.command(county, TEXT_H1, workspace)


def run(county: Path, workspace: Path) -> float:
    return kh.run(county, TEXT_H1, workspace)


@pytest.fixture(scope="module")
def baseline(county: Path, tmp_path_factory) -> dict:
    ws = tmp_path_factory.mktemp("baseline")
    seconds = run(county, ws)
    out = ws / "out" / "2009-h1"
    return {"seconds": seconds, "ledger": snapshot(ws / "ledger.sqlite"),
            "outputs": {name: workbook_values(out / name) for name in OUTPUTS}}


def check_after_kill(ws: Path, baseline: dict) -> str:
    return kh.check_after_kill(ws, SCHOOLS, len(baseline["ledger"]["entries"]))


def kill_after(county: Path, ws: Path, delay: float) -> None:
    kill = kh.kill_when(command(county, ws), kh.after(delay))
    assert kill is None or kill.survivors == [], f"processes outlived the killed run: {kill.survivors}"


def kill_while_writing_register(county: Path, ws: Path) -> bool:
    """SIGKILL the moment the register's temp file exists: the worst time for the output."""
    kill = kh.kill_when(command(county, ws), kh.temp_file_appears(ws, ".register.xlsx."))
    assert kill is None or kill.survivors == [], f"processes outlived the killed run: {kill.survivors}"
    return kill is not None


def recover_and_compare(county: Path, ws: Path, baseline: dict) -> None:
    run(county, ws)
    assert snapshot(ws / "ledger.sqlite") == baseline["ledger"]
    out = ws / "out" / "2009-h1"
    for name in OUTPUTS:
        assert workbook_values(out / name) == baseline["outputs"][name], name
    assert kh.leftovers(ws) == []  # a killed run's temp files are gone after the next one


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
    assert leftovers, "the killed writer's temp file stays behind until the next run"
    recover_and_compare(county, ws, baseline)  # which removes it at once: its writer is dead


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
