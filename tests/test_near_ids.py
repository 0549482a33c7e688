"""One name in one unit under two ID numbers a slip apart (held-out round 4: a teacher's ID
typed with one digit wrong, and a valid check digit, became two 罗琳 in one school, unsaid).
Both rows are accepted, each ID being well-formed; the ingest and `check` warn, naming both
places, so the clerk can correct the wrong one."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import RULES, check_id, write_xlsx
from credittool.commands.check import check
from credittool.commands.ingest import ingest
from credittool.ids import one_slip
from credittool.resolve.identity import NEAR_ID

TERM = "2018-19-s1"
LUO = check_id("37030319800101234")  # 罗琳 on the staff list
TYPO = check_id("37030319800101284")  # one digit off: 3 → 8, its own check digit
SWAP = check_id("37030319800101243")  # 3 and 4 swapped
OTHER = check_id("37030319850612234")  # another 罗琳: born 1985-06-12
STAFF = ["姓名", "身份证号", "人事关系所在单位"]


@pytest.mark.parametrize(("a", "b", "near"), [(LUO, TYPO, True), (LUO, SWAP, True), (LUO, OTHER, False),
                                              ("37030319800101234", "37030319800101234", False),
                                              ("37030319800101234", "37030319810101235", False)])
def test_a_slip_is_one_digit_or_two_neighbours_swapped_in_the_first_17(a: str, b: str, near: bool) -> None:
    # the 18th digit is the check digit, which follows the others: it is not compared
    assert one_slip(a[:17], b[:17]) is near


def test_one_name_in_one_unit_under_ids_a_digit_apart_is_warned_and_both_are_kept(tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "实验中学.xlsx", {
        "教师名册": [STAFF, ["罗琳", LUO, "实验中学"], ["罗琳", OTHER, "实验中学"]],
        "校本培训": [["姓名", "身份证号", "学时"], ["罗琳", TYPO, 24], ["罗琳", OTHER, 20]]})
    rep = ingest([f], rules=[RULES], workspace=tmp_path / "ws", term=TERM)
    assert rep.accepted == 4 and not rep.rejects
    (w,) = rep.slips  # the staff list's 罗琳 and the mistyped row; the 1985 罗琳 is another person
    assert (w.code, w.sheet, w.row, w.value) == (NEAR_ID, "校本培训", 2, TYPO)
    assert f"{LUO}（实验中学.xlsx「教师名册」第2行）与 {TYPO}（实验中学.xlsx「校本培训」第2行）" in w.message
    assert [p.code for p in check([f], rules=[RULES], term=TERM).warnings] == [NEAR_ID]


def test_the_same_name_in_two_units_is_not_a_slip(tmp_path: Path) -> None:
    a = write_xlsx(tmp_path / "实验中学.xlsx", {"教师名册": [STAFF, ["罗琳", LUO, "实验中学"]]})
    b = write_xlsx(tmp_path / "第二中学.xlsx", {"教师名册": [STAFF, ["罗琳", TYPO, "第二中学"]]})
    assert ingest([a, b], rules=[RULES], workspace=tmp_path / "ws", term=TERM).slips == []


def _bad_check(ident: str) -> str:
    """`ident` with another check character: fails GB 11643's check."""
    return ident[:17] + ("0" if ident[17] != "0" else "1")


def test_a_row_refused_for_its_check_digit_is_named_in_the_teachers_verdict_and_by_card(tmp_path: Path) -> None:
    """R17: 罗琳's 校本培训 row wrote her ID with a wrong check digit (rejected), a second row
    with one body digit mistyped (rejected too, the check digit no longer fits): her year has
    0 hours, and the verdict says that two rows were not accepted, which. 王五's row typed
    as a number (15 significant digits kept) is hers; a row with another's digits is nobody's."""
    from credittool.commands.card import make_card
    from credittool.errors import UsageError

    bad, slip = _bad_check(LUO), LUO[:10] + "9" + LUO[11:]
    wang = check_id("37030319900101111")
    f = write_xlsx(tmp_path / "实验中学.xlsx", {
        "教师名册": [STAFF, ["罗琳", LUO, "实验中学"], ["王五", wang, "实验中学"]],
        "校本培训": [["姓名", "身份证号", "学时"], ["罗琳", bad, 24], ["罗琳", slip, 12], ["王五", _bad_check(OTHER), 8],
                     ["王五", float(wang[:15] + "000"), 6]]})  # typed as a number: Excel keeps 15 digits
    ws = tmp_path / "ws"
    rep = ingest([f], rules=[RULES], workspace=ws, term=TERM)
    assert {p.row for p in rep.rejects} == {2, 3, 4, 5}
    import sqlite3
    con = sqlite3.connect(ws / "ledger.sqlite")
    reasons = dict(con.execute("SELECT id_number, reasons FROM verdicts").fetchall())
    con.close()
    assert reasons[LUO].endswith("另有 2 行未被接受（实验中学.xlsx「校本培训」第2行、实验中学.xlsx「校本培训」第3行），见 rejects.xlsx")
    # 王五's row typed as a number is hers (her 17 digits within its rounding); the row of OTHER's digits is nobody's
    assert reasons[wang].endswith("另有 1 行未被接受（实验中学.xlsx「校本培训」第5行），见 rejects.xlsx")
    with pytest.raises(UsageError) as exc:
        make_card(ws, bad)
    assert "写着这个号码的行未被接受（实验中学.xlsx「校本培训」第2行" in exc.value.message
    with pytest.raises(UsageError) as exc:
        make_card(ws, _bad_check(wang))
    assert "校验位不对" in exc.value.message


def test_a_roster_id_a_slip_from_a_listed_teachers_is_warned_across_runs_and_spellings(tmp_path: Path) -> None:
    """Held-out round 5: a roster sent after the school's workbook, or writing the school its
    own way (第七中学 for 张店区第七中学), put 罗琳's hours under a mistyped ID, a 5,265th teacher,
    unsaid. Against the staff lists: her name is listed under an ID one slip away."""
    ws = tmp_path / "ws"
    school = write_xlsx(tmp_path / "张店区第七中学.xlsx", {"教师名册": [STAFF, ["罗琳", LUO, "张店区第七中学"],
                                                                     ["罗琳", OTHER, "张店区第七中学"]]})
    assert ingest([school], rules=[RULES], workspace=ws, term=TERM).slips == []
    roster = write_xlsx(tmp_path / "2018年班主任培训名单.xlsx", {"班主任培训": [
        ["姓名", "身份证号", "单位", "学时", "考核结果"], ["罗琳", SWAP, "第七中学", 20, "合格"],
        ["罗琳", OTHER, "第七中学", 20, "合格"]]})  # the 1985 罗琳 is listed as written: nothing to say
    rep = ingest([roster], rules=[RULES], workspace=ws, term=TERM)
    (w,) = rep.slips
    assert (w.file, w.row, w.value, w.code) == ("2018年班主任培训名单.xlsx", 2, SWAP, NEAR_ID)
    assert f"身份证号 {LUO}（张店区第七中学.xlsx「教师名册」第2行），只差一位" in w.message
