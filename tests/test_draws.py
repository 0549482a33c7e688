"""Issue 11: a spot-test draw is never overwritten; a redraw is asked for, numbered and recorded;
scores go to the draw whose list they were filled in; the report ranks the draw with scores.
Issue 10 (parts): --rate 10% / 10 are 10%, --rate 0 is refused; ingesting a filled list counts
the scores registered, replaced and left blank.

The county is test_report's (8 teachers in 甲乙丙丁校, hand-worked there). Draw 1 takes everyone
(rate 1); draw 2 takes half of each school, rounded half up (R7): 甲校 2 → 1, 乙校 3 → 1.5 → 2,
丙校 1 → 0.5 → 1, 丁校 2 → 1, so 5 teachers.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import TEXT_H1
from credittool.cli import app
from credittool.errors import UsageError
from credittool.commands.ingest import ingest
from credittool.commands.report import make_report
from credittool.commands.sample import parse_rate, sample, verify
from test_report import IDS, TEACHERS, write_county

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
SCORES = {t[1]: t[5] for t in TEACHERS}  # draw 1's scores, as test_report works them out
# draw 1 ranked by hand (test_report): 90 > 87.5 > 85 = 85 > 70 > 51.7, 缺考 last without a rank
DRAW_1_RANKING = [(1, "甲一"), (2, "丙一"), (3, "乙一"), (3, "甲二"), (5, "乙二"), (6, "丁一"), (None, "乙三")]


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def fill(listed: Path, target: Path, scores: dict[str, object]) -> Path:
    """The clerk's work: scores typed into 抽测成绩 by name; other rows stay blank."""
    from openpyxl import load_workbook

    wb = load_workbook(listed)
    sheet = wb["抽测名单"]
    head = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        row[head.index("抽测成绩")].value = scores.get(row[head.index("姓名")].value)
    wb.save(target)
    return target


def term_ws(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ingest(write_county(tmp_path / "in"), rules=[TEXT_H1], workspace=ws)
    return ws


def scored_draw_1(tmp_path: Path) -> tuple[Path, Path]:
    """Draw 1 of everyone, filled in place in out/2009-h1/sample.xlsx (as the clerk does) and ingested."""
    ws = term_ws(tmp_path)
    drawn = sample(workspace=ws, rate="1", seed="1")
    ingest([fill(drawn.path, drawn.path, SCORES)], rules=[TEXT_H1], workspace=ws)
    return ws, drawn.path


def draws_rows(ws: Path) -> list[tuple]:
    con = sqlite3.connect(ws / "ledger.sqlite")
    try:
        return con.execute("SELECT seq, file, reason, drawn FROM draws ORDER BY draw_id").fetchall()
    finally:
        con.close()


def ranking(ws: Path, draw: int | None = None) -> list[tuple]:
    return [(p.rank, p.name) for p in make_report(workspace=ws, draw=draw).report.people]


# ---- 11.1: a second `sample` is refused; the filled list is untouched ------------------------

def test_second_sample_is_refused_and_the_filled_list_stays(tmp_path: Path) -> None:
    ws, first = scored_draw_1(tmp_path)
    before = first.read_bytes()
    with pytest.raises(UsageError, match="已经抽过样") as exc:
        sample(workspace=ws, rate="0.1")
    assert "--redraw --reason" in exc.value.hint and "sample-2.xlsx" in exc.value.hint
    assert "已登记成绩 7 个" in exc.value.message  # 7 results: 6 scores and one 缺考
    res = run("sample", "--rate", "0.1", "--workspace", ws)
    assert res.exit_code == 2 and "已经抽过样" in res.output and "原名单保留不动" in res.output
    assert "Traceback" not in res.output
    assert first.read_bytes() == before
    assert not (first.parent / "sample-2.xlsx").exists()
    assert draws_rows(ws) == [(1, "sample.xlsx", "", 8)]
    assert ranking(ws) == DRAW_1_RANKING  # the scores are all still there


def test_redraw_asks_for_the_reason(tmp_path: Path) -> None:
    ws, first = scored_draw_1(tmp_path)
    with pytest.raises(UsageError, match="须说明原因"):
        sample(workspace=ws, rate="0.5", redraw=True)
    with pytest.raises(UsageError, match="须说明原因"):
        sample(workspace=ws, rate="0.5", redraw=True, reason="   ")
    res = run("sample", "--redraw", "--workspace", ws)
    assert res.exit_code == 2 and "--reason" in res.output
    assert draws_rows(ws) == [(1, "sample.xlsx", "", 8)]


def test_redraw_writes_sample_2_records_it_and_both_verify(tmp_path: Path) -> None:
    ws, first = scored_draw_1(tmp_path)
    before = first.read_bytes()
    res = run("sample", "--rate", "0.5", "--seed", "2", "--redraw", "--reason", "补报了二中的教师", "--workspace", ws)
    assert res.exit_code == 0, res.output
    assert "sample-2.xlsx" in res.output and "原有名单保留未动：第 1 次抽样（sample.xlsx）" in res.output
    second = first.parent / "sample-2.xlsx"
    assert first.read_bytes() == before
    assert draws_rows(ws) == [(1, "sample.xlsx", "", 8), (2, "sample-2.xlsx", "补报了二中的教师", 5)]
    from openpyxl import load_workbook

    notes = [r[0] for r in load_workbook(second, read_only=True)["抽样说明"].iter_rows(values_only=True)]
    assert "重抽原因：补报了二中的教师" in notes and "本学期第几次抽样：第 2 次（sample-2.xlsx）" in notes
    for listed in (first, second):  # the filled first list too: scores do not disturb --verify
        assert verify(listed, workspace=ws).matches
        ok = run("sample", "--verify", listed, "--workspace", ws)
        assert ok.exit_code == 0 and "一致" in ok.output
    third = sample(workspace=ws, rate="0.5", seed="3", redraw=True, reason="再抽一次")
    assert third.path.name == "sample-3.xlsx" and third.seq == 3
    assert [d.seq for d in third.earlier] == [1, 2]


def test_an_existing_list_is_never_overwritten_even_by_a_fresh_ledger(tmp_path: Path) -> None:
    ws, first = scored_draw_1(tmp_path)
    before = first.read_bytes()
    for name in ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"):
        (ws / name).unlink(missing_ok=True)
    ingest(write_county(tmp_path / "in"), rules=[TEXT_H1], workspace=ws)  # a new ledger: no draw in it
    with pytest.raises(UsageError, match="已存在"):
        sample(workspace=ws, rate="1", seed="9")
    assert first.read_bytes() == before
    assert draws_rows(ws) == []


# ---- 11.2: the report ranks the draw with scores, or the one named ---------------------------

def test_report_keeps_the_scored_draw_and_says_so(tmp_path: Path) -> None:
    ws, _ = scored_draw_1(tmp_path)
    sample(workspace=ws, rate="0.5", seed="2", redraw=True, reason="重抽")  # no scores yet
    result = make_report(workspace=ws)
    assert [(p.rank, p.name) for p in result.report.people] == DRAW_1_RANKING
    assert result.report.spot.seq == 1
    note = "本学期共有 2 次抽样；排名使用已登记成绩的第 1 次抽样（sample.xlsx），第 2 次抽样（sample-2.xlsx）尚无成绩。"
    assert result.report.spot.choice == note
    res = run("report", "--workspace", ws)
    assert res.exit_code == 0 and note in res.output


def test_two_scored_draws_need_draw_n(tmp_path: Path) -> None:
    ws, first = scored_draw_1(tmp_path)
    second = sample(workspace=ws, rate="0.5", seed="2", redraw=True, reason="重抽")
    # every teacher of draw 2 is in draw 1 too: scoring draw 2 must not touch draw 1's scores
    names = [m.name for m in second.members]
    assert len(names) == 5 and set(names) <= set(SCORES)
    ingest([fill(second.path, second.path, dict.fromkeys(names, 60))], rules=[TEXT_H1], workspace=ws)
    with pytest.raises(UsageError, match="都已登记抽测成绩") as exc:
        make_report(workspace=ws)
    assert "--draw" in exc.value.hint
    res = run("report", "--workspace", ws)
    assert res.exit_code == 2 and "--draw" in res.output and "Traceback" not in res.output
    assert ranking(ws, draw=1) == DRAW_1_RANKING
    assert ranking(ws, draw=2) == [(1, n) for n in sorted(names, key=lambda n: (next(t[0] for t in TEACHERS
                                                                                     if t[1] == n), n))]
    assert run("report", "--workspace", ws, "--draw", "2").exit_code == 0
    with pytest.raises(UsageError, match="没有第 3 次抽样"):
        make_report(workspace=ws, draw=3)


def test_scores_go_to_the_draw_of_the_list_they_were_filled_in(tmp_path: Path) -> None:
    ws = term_ws(tmp_path)
    drawn = sample(workspace=ws, rate="1", seed="1")
    ingest([fill(drawn.path, drawn.path, {"甲一": 90})], rules=[TEXT_H1], workspace=ws)
    sample(workspace=ws, rate="0.5", seed="2", redraw=True, reason="重抽")
    # the rest of draw 1's scores come in after the redraw: still draw 1's, none rejected
    rep = ingest([fill(drawn.path, drawn.path, SCORES)], rules=[TEXT_H1], workspace=ws)
    assert rep.rejects == []
    assert ranking(ws) == DRAW_1_RANKING


def test_a_list_without_its_info_sheet_is_refused_when_the_term_has_two_draws(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    ws, first = scored_draw_1(tmp_path)
    sample(workspace=ws, rate="0.5", seed="2", redraw=True, reason="重抽")
    wb = load_workbook(first)
    del wb["抽样说明"]
    wb.save(tmp_path / "抄录的名单.xlsx")
    rep = ingest([tmp_path / "抄录的名单.xlsx"], rules=[TEXT_H1], workspace=ws)
    assert [p.code for p in rep.rejects] == ["E-SPOT-WHICH-DRAW"] * 7
    assert "保留「抽样说明」工作表" in rep.rejects[0].hint
    assert (rep.files[0].spot.draw, rep.files[0].spot.kept) == (None, 0)


# ---- the ledger: a version-1 ledger is migrated --------------------------------------------

V1_TABLES = """
CREATE TABLE draws_v1(draw_id INTEGER PRIMARY KEY, term TEXT NOT NULL, seed TEXT NOT NULL, rate TEXT NOT NULL,
    strata_by TEXT NOT NULL, min_per_group INTEGER NOT NULL, course_id TEXT NOT NULL,
    population_hash TEXT NOT NULL, population INTEGER NOT NULL, drawn INTEGER NOT NULL,
    tool_version TEXT NOT NULL, created_at TEXT NOT NULL);
INSERT INTO draws_v1 SELECT draw_id, term, seed, rate, strata_by, min_per_group, course_id, population_hash,
    population, drawn, tool_version, created_at FROM draws;
CREATE TABLE spot_scores_v1(term TEXT NOT NULL, draw_id INTEGER NOT NULL REFERENCES draws(draw_id),
    id_number TEXT NOT NULL, unit TEXT NOT NULL, name TEXT NOT NULL, score TEXT, status TEXT,
    file_id INTEGER NOT NULL REFERENCES files(file_id), sheet TEXT NOT NULL, row INTEGER NOT NULL,
    UNIQUE(term, id_number));
INSERT INTO spot_scores_v1 SELECT * FROM spot_scores;
DROP INDEX draws_seq; DROP TABLE spot_scores; DROP TABLE draws;
ALTER TABLE draws_v1 RENAME TO draws; ALTER TABLE spot_scores_v1 RENAME TO spot_scores;
UPDATE meta SET value = '1' WHERE key = 'schema_version';
"""


def test_a_version_1_ledger_is_migrated(tmp_path: Path) -> None:
    # version 1: each draw overwrote sample.xlsx, so draw 1's list is gone and draw 2's is sample.xlsx
    ws = term_ws(tmp_path)
    sample(workspace=ws, rate="1", seed="1")
    second = sample(workspace=ws, rate="0.5", seed="2", redraw=True, reason="重抽")
    ingest([fill(second.path, tmp_path / "f.xlsx", dict.fromkeys([m.name for m in second.members], 60))],
           rules=[TEXT_H1], workspace=ws)
    con = sqlite3.connect(ws / "ledger.sqlite")
    con.execute("PRAGMA foreign_keys = OFF")
    con.executescript(V1_TABLES)
    con.close()
    result = make_report(workspace=ws)  # opening the ledger migrates it
    assert result.report.spot.seq == 2 and result.report.spot.scored == 5
    assert "第 1 次抽样（名单文件已被旧版本覆盖）尚无成绩" in result.report.spot.choice
    assert draws_rows(ws) == [(1, None, "", 8), (2, "sample.xlsx", "", 5)]
    con = sqlite3.connect(ws / "ledger.sqlite")
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("4",)
    assert con.execute("SELECT COUNT(*) FROM spot_scores WHERE draw_id=2 AND score='60'").fetchone() == (5,)
    # scores are one per draw now: the same teacher may have a score in draw 1 too
    con.execute("INSERT INTO spot_scores SELECT term, 1, id_number, unit, name, '70', NULL, file_id, sheet, row"
                " FROM spot_scores WHERE draw_id=2")
    con.commit()
    con.close()
    third = sample(workspace=ws, rate="1", seed="3", redraw=True, reason="迁移后重抽")
    assert third.path.name == "sample-3.xlsx"


# ---- 10: the rate, and the counts after ingesting a filled list ------------------------------

@pytest.mark.parametrize("given, expected", [
    ("0.1", "0.1"), ("10%", "0.1"), ("10", "0.1"), ("１０％", "0.1"), (" 10 % ", "0.1"), ("12.5", "0.125"),
    ("0.5%", "0.005"), ("100", "1"), ("100%", "1"), ("1", "1"), ("1.5", "0.015"),
])
def test_rate_forms(given: str, expected: str) -> None:
    assert parse_rate(given) == Decimal(expected)


@pytest.mark.parametrize("given, message", [
    ("0", "须大于 0"), ("0%", "须大于 0"), ("-5", "须大于 0"), ("150", "超过了 100%"), ("101%", "超过了 100%"),
    ("十", "不是数字"), ("nan", "不是数字"), ("", "不是数字"),
])
def test_bad_rates_are_refused(given: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as exc:
        parse_rate(given)
    assert "--rate 10%" in exc.value.hint


def test_rate_as_percent_on_the_command_line(tmp_path: Path) -> None:
    ws = term_ws(tmp_path)
    res = run("sample", "--rate", "0", "--workspace", ws)
    assert res.exit_code == 2 and "须大于 0" in res.output and "Traceback" not in res.output
    res = run("sample", "--rate", "50%", "--seed", "2", "--workspace", ws)
    assert res.exit_code == 0, res.output
    assert "抽样率 0.5" in res.output and draws_rows(ws)[0][3] == 5  # 1 + 2 + 1 + 1, as rate 0.5 gives


def test_ingest_counts_registered_replaced_unchanged_and_blank(tmp_path: Path) -> None:
    ws = term_ws(tmp_path)
    drawn = sample(workspace=ws, rate="1", seed="1")
    first = {"甲一": 90, "甲二": 85, "乙一": 85, "乙三": "缺考"}
    rep = ingest([fill(drawn.path, drawn.path, first)], rules=[TEXT_H1], workspace=ws)
    c = rep.files[0].spot
    assert (c.draw, c.registered, c.replaced, c.unchanged, c.blank) == ("第 1 次抽样（sample.xlsx）", 4, 0, 0, 4)
    # the same list again, one score corrected and one more entered: a replacement of the file
    res = run("ingest", fill(drawn.path, drawn.path, first | {"甲二": 88, "丙一": 87.5}), "--rules", TEXT_H1,
              "--workspace", ws)
    assert res.exit_code == 0, res.output
    assert "抽测成绩 · sample.xlsx → 第 1 次抽样（sample.xlsx）：新登记 1 个，替换 1 个，未变 3 个，空白（尚未测试）3 个。" \
        in res.output
    con = sqlite3.connect(ws / "ledger.sqlite")
    assert con.execute("SELECT score FROM spot_scores WHERE name='甲二'").fetchall() == [("88",)]
    con.close()


def test_a_list_naming_a_draw_the_ledger_lacks_is_refused(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    ws = term_ws(tmp_path)
    drawn = sample(workspace=ws, rate="1", seed="1")
    wb = load_workbook(drawn.path)
    info = wb["抽样说明"]
    cell = next(c for row in info.iter_rows() for c in row if str(c.value).startswith("抽样编号："))
    cell.value = "抽样编号：99"  # a list from another workspace's ledger
    wb.save(tmp_path / "别处的名单.xlsx")
    rep = ingest([fill(tmp_path / "别处的名单.xlsx", tmp_path / "别处的名单.xlsx", {"甲一": 90})], rules=[TEXT_H1],
                 workspace=ws)
    assert [(p.code, p.value) for p in rep.rejects] == [("E-SPOT-WHICH-DRAW", IDS["甲一"])]
    assert "抽样编号 99 不是本学期的抽样" in rep.rejects[0].message
    assert "第 1 次抽样（sample.xlsx）" in rep.rejects[0].hint


def test_an_empty_placeholder_left_by_a_killed_draw_is_reused(tmp_path: Path) -> None:
    ws = term_ws(tmp_path)
    target = ws / "out" / "2009-h1" / "sample.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.touch()  # the name a killed `sample` had taken: empty, no scores in it
    drawn = sample(workspace=ws, rate="1", seed="1")
    assert drawn.path == target and len(drawn.members) == 8 and verify(target, workspace=ws).matches
