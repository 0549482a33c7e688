"""Certificate numbers and their verification (R20): issued to every teacher who meets the
year's standards (R17; the shipped Zhangdian rules), stable, revoked never deleted, a
correction under a new number; codes that carry no ID number and cannot be forged; the
static verification page, in headless Chromium where it is installed.

Each teacher's year below: 全员学科研修 + 省网络全员研修 (passed) + min(校本, 24); 达标 when
面对面培训 ≥ 24 and the total ≥ 72.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import RULES, check_id, write_xlsx
from credittool.cli import app
from credittool.commands.certificates import issue, verify
from credittool.commands.ingest import ingest
from credittool.ledger.certificates import Certificate, code_of, normal_code
from credittool.write.verifypage import PAGE_NAME, mask_name

A = check_id("37030319800101001")  # 张三: 24 + 30 + 24 = 78, 达标
B = check_id("37030319800101002")  # 李四: 24 + 30 + 18 = 72, 达标 (exactly)
C = check_id("37030319800101003")  # 王小五: 20 + 30 + 24 = 74, but 面对面培训 20 < 24
TERM = "2018-19-s1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def year_files(folder: Path, school_based: dict[str, int]) -> list[Path]:
    """The year of 实验中学's three teachers; `school_based`: each one's 校本培训 hours."""
    folder.mkdir(exist_ok=True)
    people = (("张三", A, 24), ("李四", B, 24), ("王小五", C, 20))
    school = write_xlsx(folder / "实验中学.xlsx", {
        "教师名册": [["姓名", "身份证号", "人事关系所在单位"], *([n, i, "实验中学"] for n, i, _ in people)],
        "校本培训": [["姓名", "身份证号", "学时"], *([n, i, school_based[i]] for n, i, _ in people)]})
    subject = write_xlsx(folder / "全员学科研修.xlsx", {"全员学科研修": [["姓名", "身份证号", "单位", "学时"],
                                                                 *([n, i, "实验中学", h] for n, i, h in people)]})
    platform = folder / "省平台导出.csv"
    with platform.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["姓名", "身份证号", "项目名称", "学时", "考核结果"])
        for n, i, _ in people:
            w.writerow([n, i, "省网络全员研修", 30, "合格"])
    return [school, subject, platform]


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    ingest(year_files(tmp_path / "in", {A: 24, B: 18, C: 24}), rules=[RULES], workspace=tmp_path / "ws", term=TERM)
    return tmp_path / "ws"


def holders(ws: Path) -> list[tuple]:
    con = sqlite3.connect(ws / "ledger.sqlite")
    try:
        return con.execute("SELECT number, id_number, hours, revoked_at IS NOT NULL, revoked_why FROM certificates"
                           " ORDER BY number").fetchall()
    finally:
        con.close()


def test_r20_every_teacher_meeting_the_years_standards_gets_a_number_once(ws: Path) -> None:
    r = issue(workspace=ws)
    assert (r.periods, r.issued, r.revoked, r.valid) == ([("year", "2018-19")], 2, 0, 2)
    assert holders(ws) == [("2018-19-000001", A, "78", 0, None), ("2018-19-000002", B, "72", 0, None)]
    again = issue(workspace=ws)  # re-running changes nothing
    assert (again.issued, again.revoked) == (0, 0) and len(holders(ws)) == 2


def test_r20_a_correction_revokes_and_renumbers_and_a_withdrawn_basis_is_revoked_never_deleted(ws: Path,
                                                                                            tmp_path: Path) -> None:
    issue(workspace=ws)
    # the school's corrected workbook (same name replaces it): 李四's 校本 18 → 20 (total 74),
    # 张三's 24 → 10 (total 64: no longer 达标)
    ingest(year_files(tmp_path / "fix", {A: 10, B: 20, C: 24}), rules=[RULES], workspace=ws, term=TERM)
    assert holders(ws) == [
        ("2018-19-000001", A, "78", 1, "依据已撤回（验印或达标已不成立）"),
        ("2018-19-000002", B, "72", 1, "更正：学时、单位或姓名已改"),
        ("2018-19-000003", B, "74", 0, None)]  # a new number, never a reused one
    assert verify(workspace=ws, text="2018-19-000001").status == "已撤销"


def test_r20_codes_carry_nothing_of_the_id_and_a_forged_or_altered_one_fails(ws: Path) -> None:
    issue(workspace=ws)
    number, _, _, _, _ = holders(ws)[0]
    cert = verify(workspace=ws, text=number)
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", cert.code)
    assert verify(workspace=ws, text=cert.code.lower().replace("-", " ")).number == number  # as a clerk types it
    altered = cert.code[:-1] + ("A" if cert.code[-1] != "A" else "B")
    assert verify(workspace=ws, text=altered) is None
    assert verify(workspace=ws, text=code_of(b"another office's key".ljust(32), number)) is None  # forged
    assert normal_code("ABCD-EFGH-IJK") == ""  # 11 characters: not a code
    # a row altered in the ledger (its code swapped for a made-up one) does not verify either
    con = sqlite3.connect(ws / "ledger.sqlite")
    con.execute("UPDATE certificates SET code = 'AAAA-BBBB-CCCC' WHERE number = ?", (number,))
    con.commit()
    con.close()
    assert verify(workspace=ws, text="AAAA-BBBB-CCCC") is None


def test_no_id_number_appears_in_publish(ws: Path) -> None:
    r = issue(workspace=ws)
    text = "".join(p.read_text(encoding="utf-8") for p in r.page.parent.iterdir())
    assert r.page.name == PAGE_NAME
    assert not re.search(r"\d{15,}", text) and not any(i[:14] in text for i in (A, B, C))
    assert "张*" in text and "李*" in text and "张三" not in text  # masked names only
    con = sqlite3.connect(ws / "ledger.sqlite")
    codes = [c for (c,) in con.execute("SELECT code FROM certificates")]
    con.close()
    assert codes and not any(c in text for c in codes)  # nor the codes themselves: only their hashes


def test_the_page_holds_no_run_of_digits_whatever_the_codes_hash_to(tmp_path: Path) -> None:
    """SHA-256("ABAA-AAAA-AAAA") in hex is cb049f12df33e47a2e53717197988505418b0…: 17 digits
    in a row, which a check of a publication for ID numbers (15 or more digits) flags. The
    page writes each hex digit 0–f as a letter a–p instead."""
    from credittool.write.verifypage import page_key, render

    code = "ABAA-AAAA-AAAA"
    assert re.search(r"\d{15,}", hashlib.sha256(code.encode()).hexdigest())
    assert page_key(code).startswith("mlaejpbcnpddoehkcofdhbhbjhjiifaf")  # cb049f12df33e47a2e53717197988505: c→m b→l 0→a …
    cert = Certificate("2018-19-000001", code, "year", "2018-19", A, "张三", "一中", "72", "7.2",
                       "2019-07-01", None, None)
    page = render([cert])
    assert not re.search(r"\d{15,}", page) and page_key(code) in page and code not in page


def test_mask_name() -> None:
    assert [mask_name(n) for n in ("张三", "王小五", "欧阳小明", "李")] == ["张*", "王*五", "欧**明", "李"]


def test_verify_on_the_command_line(ws: Path) -> None:
    issue(workspace=ws)
    code = verify(workspace=ws, text="2018-19-000001").code
    ok = CliRunner().invoke(app, ["verify", code, "-w", str(ws)])
    assert ok.exit_code == 0 and "证书真实有效" in ok.output and "张*" in ok.output and A not in ok.output
    bad = CliRunner().invoke(app, ["verify", "ZZZZ-ZZZZ-ZZZZ", "-w", str(ws)])
    assert bad.exit_code == 1 and "查无此证" in bad.output


def _page_result(page: Path, code: str, profile: Path) -> str:
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom",
                           page.as_uri() + "#" + code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "</html>" in done.stdout, done.stderr[-2000:]
    found = re.search(r'<div id="result"[^>]*>.*?</div>', done.stdout, re.S)
    assert found, done.stdout[-2000:]
    return found.group(0)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_chromium_the_page_finds_a_real_code_and_refuses_a_forged_one(ws: Path, tmp_path: Path) -> None:
    r = issue(workspace=ws)
    code = verify(workspace=ws, text="2018-19-000002").code
    real = _page_result(r.page, code.lower(), tmp_path / "chromium")
    assert 'class="ok"' in real and "证书真实有效" in real and "李*" in real and "2018-19学年达标" in real and "72" in real
    forged = _page_result(r.page, code[:-1] + ("A" if code[-1] != "A" else "B"), tmp_path / "chromium")
    assert 'class="bad"' in forged and "查无此证" in forged


def test_a_lost_key_is_said_and_never_silently_replaced(ws: Path) -> None:
    from credittool.errors import UsageError
    from credittool.ledger.certificates import KEY_NAME

    issue(workspace=ws)
    (ws / KEY_NAME).unlink()
    with pytest.raises(UsageError) as e:
        verify(workspace=ws, text="2018-19-000001")
    assert KEY_NAME in e.value.message and "从备份恢复" in e.value.hint
    with pytest.raises(UsageError):
        issue(workspace=ws)
    assert not (ws / KEY_NAME).exists()
