"""The spot-test draw (R7): count rule, reproducibility, eligibility, verification, scores back."""

from __future__ import annotations

import random
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import RULES, TEXT_H1, check_id, read_sheet, write_xlsx
from credittool.errors import UsageError
from credittool.commands.ingest import ingest
from credittool.score.sampling import Member, draw, draw_stratum, stratum_count
from credittool.commands.sample import sample, verify

D = Decimal


# ---- the count rule: rate × size, 四舍五入, at least min_per_group, at most size ----------

@pytest.mark.parametrize("size, rate, minimum, expected", [
    (5, "0.1", 1, 1),    # 0.5 → half up → 1 (pandas' frac=0.1 would give this school nobody)
    (14, "0.1", 1, 1),   # 1.4 → 1
    (15, "0.1", 1, 2),   # 1.5 → 2 (四舍五入, not banker's 2)
    (25, "0.1", 1, 3),   # 2.5 → 3 (half even would give 2)
    (3, "0.1", 1, 1),    # 0.3 → 0, raised to the minimum 1
    (3, "0.1", 0, 0),    # 0.3 → 0, no minimum
    (1, "0.1", 2, 1),    # minimum 2, but never more than the stratum
    (0, "0.1", 1, 0),    # an empty stratum draws nobody
    (48, "0.1", 1, 5),   # 4.8 → 5
    (703, "0.1", 1, 70),  # 70.3 → 70
])
def test_count_rule_hand_worked(size: int, rate: str, minimum: int, expected: int) -> None:
    assert stratum_count(size, D(rate), minimum) == expected


@settings(max_examples=200)
@given(size=st.integers(0, 5000), rate=st.decimals("0.01", "1", places=2), minimum=st.integers(0, 5))
def test_count_rule_properties(size: int, rate: Decimal, minimum: int) -> None:
    k = stratum_count(size, rate, minimum)
    assert 0 <= k <= size
    if size:
        assert k >= min(size, minimum)
        exact = rate * size
        half_up = int(exact) + (1 if exact - int(exact) >= D("0.5") else 0)
        assert k == min(size, max(minimum, half_up))


def _members(stratum: str, ids: list[str]) -> list[Member]:
    return [Member(stratum, i, stratum, f"教师{i[-4:]}", "语文") for i in ids]


@settings(max_examples=100)
@given(ids=st.lists(st.from_regex(r"\d{17}[0-9X]", fullmatch=True), min_size=1, max_size=60, unique=True),
       seed=st.text(min_size=1, max_size=8), k=st.integers(0, 60), shuffle_seed=st.integers())
def test_draw_depends_only_on_seed_stratum_and_ids(ids: list[str], seed: str, k: int, shuffle_seed: int) -> None:
    k = min(k, len(ids))
    a = draw_stratum(seed, "甲校", _members("甲校", ids), k)
    shuffled = ids[:]
    random.Random(shuffle_seed).shuffle(shuffled)
    assert draw_stratum(seed, "甲校", _members("甲校", shuffled), k) == a
    assert len(a) == k and len({m.id for m in a}) == k


def test_adding_a_school_does_not_reshuffle_the_others() -> None:
    pop = {"甲校": _members("甲校", [f"2202821980010{i:05d}" for i in range(40)]),
           "乙校": _members("乙校", [f"2202821981010{i:05d}" for i in range(30)])}
    before = draw(pop, "2009", D("0.1"), 1)
    pop["丙校"] = _members("丙校", [f"2202821982010{i:05d}" for i in range(25)])
    after = draw(pop, "2009", D("0.1"), 1)
    assert after["甲校"] == before["甲校"] and after["乙校"] == before["乙校"]
    assert len(after["丙校"]) == 3  # 2.5 → 3


# ---- end to end on a small county ---------------------------------------------------------

HEAD = ["姓名", "身份证号", "学校", "学科", "考试成绩", "博文篇数", "博文成绩"]


def county(folder: Path, sizes: dict[str, int]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files, n = [], 0
    for school, size in sizes.items():
        rows = [HEAD]
        for _ in range(size):
            n += 1
            rows.append([f"教师{n}", check_id(f"2202821980{n:07d}"), school, "语文" if n % 2 else "数学", 75, 6, 80])
        files.append(write_xlsx(folder / f"{school}.xlsx", {"教学技能": rows}))
    return files


SIZES = {"一中": 48, "二中": 15, "三小": 5, "四小": 25}


def drawn_ids(path: Path) -> list[str]:
    return [r["身份证号"] for r in read_sheet(path, "抽测名单")]


def test_sample_counts_per_school_follow_rounding(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ingest(county(tmp_path / "in", SIZES), rules=[TEXT_H1], workspace=ws)
    rep = sample(workspace=ws, rate="0.1", seed="20091201")
    # 4.8 → 5, 1.5 → 2, 0.5 → 1, 2.5 → 3 (四舍五入)
    assert {s.name: (s.size, s.drawn) for s in rep.strata} == {"一中": (48, 5), "二中": (15, 2), "三小": (5, 1),
                                                              "四小": (25, 3)}
    listed = read_sheet(rep.path, "抽测名单")
    assert len(listed) == 11 and all(r["抽测成绩"] is None for r in listed)
    assert list(listed[0]) == ["序号", "单位", "姓名", "学科", "抽测成绩", "签名", "身份证号"]


def test_same_seed_same_list_after_renaming_reordering_reingesting(tmp_path: Path) -> None:
    files = county(tmp_path / "a", SIZES)
    ingest(files, rules=[TEXT_H1], workspace=tmp_path / "ws1")
    first = drawn_ids(sample(workspace=tmp_path / "ws1", seed="42").path)
    # renamed and given in reverse order, into a fresh ledger
    other = tmp_path / "b"
    other.mkdir()
    renamed = []
    for i, f in enumerate(reversed(files)):
        renamed.append(other / f"第{i}份-{f.name}")
        shutil.copy(f, renamed[-1])
    ingest(renamed, rules=[TEXT_H1], workspace=tmp_path / "ws2")
    assert sorted(drawn_ids(sample(workspace=tmp_path / "ws2", seed="42").path)) == sorted(first)
    # re-ingesting the same files changes nothing (a second draw of the term is a redraw)
    ingest(files, rules=[TEXT_H1], workspace=tmp_path / "ws1")
    again = sample(workspace=tmp_path / "ws1", seed="42", redraw=True, reason="复核")
    assert again.path.name == "sample-2.xlsx" and drawn_ids(again.path) == first
    # a different seed gives a different list
    assert drawn_ids(sample(workspace=tmp_path / "ws1", seed="43", redraw=True, reason="换种子").path) != first


def test_without_seed_a_fresh_one_is_recorded(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ingest(county(tmp_path / "in", {"一中": 20}), rules=[TEXT_H1], workspace=ws)
    rep = sample(workspace=ws)
    assert not rep.seed_was_given and rep.seed.isdigit()
    con = sqlite3.connect(ws / "ledger.sqlite")
    assert con.execute("SELECT seed, drawn FROM draws").fetchall() == [(rep.seed, 2)]
    assert verify(rep.path, workspace=ws).matches


def test_only_eligible_online_teachers_are_drawn(tmp_path: Path, workspace: Path) -> None:
    # R6: 已修学时 < 15 → may not sit the exam → never drawn (R7)
    head = ["姓名", "身份证号", "培训类型", "已修学时", "作业", "论坛发帖", "考试成绩"]
    rows = [head] + [[f"教师{i}", check_id(f"22028219800{i:06d}"), "网联", 20 if i % 2 else 10, 3, 5,
                      80 if i % 2 else "缺考"] for i in range(40)]
    path = write_xlsx(tmp_path / "网联校.xlsx", {"备好课": rows})
    ingest([path], rules=[RULES], workspace=workspace, term="2009-h1")
    rep = sample(workspace=workspace, rate="1", seed="1")  # draw everyone who may be drawn
    assert rep.population == 20
    eligible = {check_id(f"22028219800{i:06d}") for i in range(40) if i % 2}
    assert set(drawn_ids(rep.path)) == eligible


def test_hand_edited_list_fails_verify(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    ws = tmp_path / "ws"
    ingest(county(tmp_path / "in", SIZES), rules=[TEXT_H1], workspace=ws)
    rep = sample(workspace=ws, seed="7")
    assert verify(rep.path, workspace=ws).matches
    wb = load_workbook(rep.path)
    sheet = wb["抽测名单"]
    swapped_out = sheet.cell(2, 7).value  # 身份证号: the last column, outside the print area
    in_list = set(drawn_ids(rep.path))
    friend = next(check_id(f"2202821980{n:07d}") for n in range(1, 94) if check_id(f"2202821980{n:07d}") not in in_list)
    sheet.cell(2, 7).value = friend
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    res = verify(edited, workspace=ws)
    assert not res.matches
    assert [a[2] for a in res.added] == [friend]
    assert [r[2] for r in res.removed] == [swapped_out]


def test_bad_rate_and_empty_ledger_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="没有台账"):
        sample(workspace=tmp_path)
    ws = tmp_path / "ws"
    ingest(county(tmp_path / "in", {"一中": 3}), rules=[TEXT_H1], workspace=ws)
    with pytest.raises(UsageError, match="须大于 0"):
        sample(workspace=ws, rate="0")
    with pytest.raises(UsageError, match="超过了 100%"):
        sample(workspace=ws, rate="150")
    assert not (ws / "out" / "2009-h1" / "sample.xlsx").exists()


def test_spot_scores_come_back(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    ws = tmp_path / "ws"
    ingest(county(tmp_path / "in", SIZES), rules=[TEXT_H1], workspace=ws)
    rep = sample(workspace=ws, seed="99")
    wb = load_workbook(rep.path)
    sheet = wb["抽测名单"]
    sheet.cell(2, 5).value = 88
    sheet.cell(3, 5).value = "缺考"
    # row 4 left blank: not yet tested; and someone who was not drawn
    outsider = next(check_id(f"2202821980{n:07d}") for n in range(1, 94)
                    if check_id(f"2202821980{n:07d}") not in set(drawn_ids(rep.path)))
    sheet.append([99, "一中", "外人", "语文", 90, None, outsider])
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    report = ingest([filled], rules=[TEXT_H1], workspace=ws)
    f = report.files[0]
    assert (f.rows_read, f.accepted, f.rejected, f.skipped) == (12, 2, 1, 9)
    assert [p.code for p in report.rejects] == ["E-SPOT-NOT-DRAWN"]
    con = sqlite3.connect(ws / "ledger.sqlite")
    got = con.execute("SELECT id_number, score, status FROM spot_scores ORDER BY row").fetchall()
    assert got == [(sheet.cell(2, 7).value, "88", None), (sheet.cell(3, 7).value, None, "absent")]
    # idempotent
    again = ingest([filled], rules=[TEXT_H1], workspace=ws)
    assert again.files[0].status == "未改动"
    assert con.execute("SELECT COUNT(*) FROM spot_scores").fetchone() == (2,)
