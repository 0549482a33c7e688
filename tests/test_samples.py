"""The shipped sample county, end to end: golden outputs, and an independent oracle.

The oracle recomputes every result from the generator's truth file with the DOMAIN rules
written out plainly here (not through credittool.score.scoring), so a mistake in the pipeline
and a mistake in the scoring code cannot hide each other.
"""

from __future__ import annotations

import csv
import sqlite3
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from golden_util import GOLDEN, ROOT, assert_golden, rendered_all, run_samples, same_values


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_samples(tmp_path_factory.mktemp("ws"))


def test_outputs_match_golden(tmp_path: Path) -> None:
    assert_golden(rendered_all(tmp_path), GOLDEN)  # ingest's outputs, then the spot test and the report on top


def test_the_golden_check_sees_values_not_spellings() -> None:
    golden = "单位,人数,合格率\n甲校,35,0.4285714285714285\n合计,35\n"
    # the same values, spelled by another writer: the shortest text of the double, the rows padded
    assert same_values("r.csv", "单位,人数,合格率\n甲校,35,0.42857142857142855\n合计,35,\n", golden)
    # a changed value, a changed name, a lost row, a cell that moved: each is seen
    assert not same_values("r.csv", "单位,人数,合格率\n甲校,35,0.4285714\n合计,35\n", golden)
    assert not same_values("r.csv", "单位,人数,合格率\n乙校,35,0.4285714285714285\n合计,35\n", golden)
    assert not same_values("r.csv", "单位,人数,合格率\n甲校,35,0.4285714285714285\n", golden)
    assert not same_values("r.csv", "单位,人数,合格率\n甲校,35,0.4285714285714285\n合计,,35\n", golden)
    assert not same_values("r.csv", "单位,人数,合格率\n甲校,36,0.4285714285714285\n合计,35\n", golden)
    assert not same_values("a.txt", "x \n", "x\n")  # text files: to the character


# ---- the oracle -------------------------------------------------------------------------

REJECTED = {"id-numeric": "E-ID-NUMERIC", "id-bad-check": "E-ID-CHECKSUM", "score-unit": "E-SCORE-TEXT",
            "score-out-of-range": "E-SCORE-RANGE", "dup-conflict": "E-DUP-CONFLICT",
            "dup-conflict-source": "E-DUP-CONFLICT",
            "name-equals": "E-TEXT-FORMULA"}  # issue 12 item 7: a name is never a formula (OWASP)
HOURS = {"师德报告会": 5, "《主题活动幼儿成长》": 20}  # R5; every other sample course is 15 学时


def half_up(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.1"), ROUND_HALF_UP)


def expected(t: dict) -> tuple[str | None, bool]:
    """(composite, passed) for one truth row, from DOMAIN R2–R6 and the shipped rule values."""
    d = lambda k: Decimal(t[k])  # noqa: E731
    course, track = t["course"], t["track"]
    if course == "师德报告会":  # R5: attendance only
        return None, t["attend"] == "yes"
    if track == "网联":  # R6: 已修学时 ≥ 15, 作业 ≥ 1, 论坛发帖 ≥ 3, else may not sit the exam
        if not (d("hours") >= 15 and d("homework") >= 1 and d("posts") >= 3):
            return None, False
    scores = [t[k] for k in ("exam", "blog_score", "inner", "city") if t[k]]
    if "缺考" in scores:  # an absent teacher fails
        return None, False
    if "免考" in scores:  # exempt: passed, hours awarded (shipped vocabulary)
        return None, True
    if track == "文本":  # R2: 70% exam + 30% blog; R3: at least 5 posts
        comp = half_up(Decimal("0.7") * d("exam") + Decimal("0.3") * d("blog_score"))
        return str(comp), comp >= 60 and d("blog_count") >= 5
    if track == "幼儿" and t["inner"]:  # R4: 50% kindergarten's own + 50% city exam
        comp = half_up(Decimal("0.5") * d("inner") + Decimal("0.5") * d("city"))
        return str(comp), comp >= 60
    comp = half_up(d("exam"))
    blog_ok = not t["blog_count"] or d("blog_count") >= 5  # optional R3 check for the online track
    return str(comp), comp >= 60 and blog_ok


def test_every_sample_row_is_where_the_rules_put_it(out_dir: Path) -> None:
    with open(ROOT / "samples" / "county-2009-h1.truth.csv", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    con = sqlite3.connect(out_dir.parents[1] / "ledger.sqlite")
    entries = {(r[0], r[1], r[2]): r[3:] for r in con.execute(
        "SELECT f.name, e.sheet, e.row, e.composite, e.passed, e.hours FROM entries e JOIN files f USING(file_id)")}
    rejects = {(r[0], r[1], r[2]): r[3] for r in con.execute(
        "SELECT f.name, r.sheet, r.row, r.code FROM rejects r JOIN files f USING(file_id)")}
    skipped = {(r[0], r[1], r[2]) for r in con.execute(
        "SELECT f.name, s.sheet, s.row FROM skipped s JOIN files f USING(file_id)")}
    # the teacher rows that share an ID with a rejected-for-conflict row are rejected too
    conflict_ids = {t["id"] for t in truth if t["messes"] in ("dup-conflict", "dup-conflict-source")}
    checked = 0
    for t in truth:
        sheet = t["sheet"] if t["sheet"] != "-" else Path(t["file"]).stem
        key = (t["file"], sheet, int(t["row"]))
        mess = t["messes"]
        if mess in REJECTED:
            assert rejects.get(key) == REJECTED[mess], (key, mess)
            continue
        if mess == "dup-exact":
            assert key in skipped, key
            continue
        assert key in entries, (key, mess, rejects.get(key))
        composite, passed, hours = entries[key]
        want_comp, want_pass = expected(t)
        assert (composite, bool(passed)) == (want_comp, want_pass), (key, t)
        assert hours == (HOURS.get(t["course"], 15) if want_pass else 0), key
        checked += 1
    assert checked > 1900
    assert not conflict_ids - {t["id"] for t in truth}
    # and nothing else was accepted: the ledger holds exactly the rows checked above
    assert len(entries) == checked
