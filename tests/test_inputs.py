"""The folder scan: every format the reader reads is read, the formats it names are handed to
it (to be named), and every other file in an input folder is listed once, with why
(issue 11 item 4, issue 12 item 5). Also the text a clerk sees for a cell (issue 11 item 8)
and text that cleaning would turn into a formula (issue 12 item 7), end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import crafted_formats as C
import hostile_files as H
from conftest import TEXT_H1, check_id, write_xlsx
from credittool.commands.check import check
from credittool.cli import app
from credittool.commands.ingest import ingest
from credittool.read.inputs import scan_inputs

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})


def test_a_folder_reads_every_format_calamine_reads_and_hands_on_the_named_ones(tmp_path: Path) -> None:
    d = tmp_path / "收表"
    d.mkdir()
    school = H.school(d / "一中.xlsx")
    for name in ("二中.xlsm", "三中.xltx", "四中.xltm", "五中.et", "六中.ett"):
        shutil.copy(school, d / name)
    C.school_xlsb(d / "七中.xlsb")
    (d / "八中.fods").write_text("<?xml version='1.0'?><office:document/>", encoding="utf-8")
    assert sorted(f.name for f in scan_inputs([d]).files) == sorted(
        ["一中.xlsx", "二中.xlsm", "三中.xltx", "四中.xltm", "五中.et", "六中.ett", "七中.xlsb", "八中.fods"])


def test_every_file_not_read_is_listed_once_with_why(tmp_path: Path) -> None:
    d = tmp_path / "收表"
    (d / "子目录").mkdir(parents=True)
    (d / ".git").mkdir()
    H.school(d / "一中.xlsx")
    for name in ("说明.docx", "~$一中.xlsx", ".DS_Store", "子目录/照片.jpg", ".git/a", ".git/b", ".~lock.一中.xlsx#"):
        (d / name).write_bytes(b"x")
    scan = scan_inputs([d])
    assert [f.name for f in scan.files] == ["一中.xlsx"]
    assert [(p.file, p.code, p.message) for p in scan.not_read] == [
        ("收表/.DS_Store", "N-FILE-HIDDEN", "隐藏文件"),
        ("收表/.git", "N-FILE-HIDDEN", "隐藏文件夹，其中的文件未读取"),
        ("收表/.~lock.一中.xlsx#", "N-FILE-LOCK", "Office 临时文件（打开表格时自动生成，不是数据）"),
        ("收表/~$一中.xlsx", "N-FILE-LOCK", "Office 临时文件（打开表格时自动生成，不是数据）"),
        ("收表/子目录/照片.jpg", "N-FILE-FORMAT", "不是表格文件"),
        ("收表/说明.docx", "N-FILE-FORMAT", "不是表格文件"),
    ]


def test_a_backup_folder_inside_an_input_folder_is_listed_not_read_unless_named(tmp_path: Path) -> None:
    """收表/备份 holds an old copy of 一中's file: read beside the new one, each of its rows
    would clash. It is listed with why; named on the command line, it is read."""
    d = tmp_path / "收表"
    (d / "备份").mkdir(parents=True)
    (d / "Backup").mkdir()
    H.school(d / "一中.xlsx")
    shutil.copy(d / "一中.xlsx", d / "备份" / "一中.xlsx")
    shutil.copy(d / "一中.xlsx", d / "Backup" / "一中.xlsx")
    scan = scan_inputs([d])
    assert [f.name for f in scan.files] == ["一中.xlsx"]
    assert [(p.file, p.code) for p in scan.not_read] == [("收表/Backup", "N-FILE-BACKUP"), ("收表/备份", "N-FILE-BACKUP")]
    assert "旧版本与新版本一起导入会互相冲突" in scan.not_read[1].message and "备份" in scan.not_read[1].hint
    assert [f.name for f in scan_inputs([d / "备份"]).files] == ["一中.xlsx"]


def test_our_own_outputs_are_listed_as_such_not_read(tmp_path: Path) -> None:
    H.school(tmp_path / "一中.xlsx")
    ingest([tmp_path / "一中.xlsx"], rules=[TEXT_H1], workspace=tmp_path)
    scan = scan_inputs([tmp_path], exclude=tmp_path / "out")
    assert [f.name for f in scan.files] == ["一中.xlsx"]
    assert {(p.file, p.code) for p in scan.not_read} == {
        (f"{tmp_path.name}/out", "N-FILE-OUTPUT"), (f"{tmp_path.name}/ledger.sqlite", "N-FILE-FORMAT")}


def test_ingest_of_a_folder_says_what_it_did_not_read(tmp_path: Path) -> None:
    d = tmp_path / "收表"
    d.mkdir()
    H.school(d / "一中.xlsx")
    shutil.copy(d / "一中.xlsx", d / "二中.et")
    (d / "说明.docx").write_bytes(b"PK")
    (d / "~$一中.xlsx").write_bytes(b"x")
    res = runner.invoke(app, ["ingest", str(d), "--rules", str(TEXT_H1), "--workspace", str(tmp_path / "ws")])
    assert res.exit_code == 0, res.output
    assert "二中.et" in res.output and "新导入" in res.output  # the WPS file is read
    assert "未读取的文件（2 个）" in res.output
    assert "收表/说明.docx：不是表格文件" in res.output
    assert "收表/~$一中.xlsx：Office 临时文件" in res.output


def test_the_ingest_report_carries_the_files_not_read_from_its_one_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import credittool.read.inputs as inputs_module

    d = tmp_path / "收表"
    d.mkdir()
    H.school(d / "一中.xlsx")
    (d / "说明.docx").write_bytes(b"PK")
    walks = []
    real_walk = inputs_module.os.walk
    monkeypatch.setattr(inputs_module.os, "walk", lambda *a, **k: walks.append(a) or real_walk(*a, **k))
    res = runner.invoke(app, ["ingest", str(d), "--rules", str(TEXT_H1), "--workspace", str(tmp_path / "ws")])
    assert res.exit_code == 0, res.output
    assert "收表/说明.docx：不是表格文件" in res.output
    assert len(walks) == 1  # the command line shows what the ingest found, it does not look again
    report = ingest([d], rules=[TEXT_H1], workspace=tmp_path / "ws")
    assert [(p.file, p.code) for p in report.not_read] == [("收表/说明.docx", "N-FILE-FORMAT")]


def test_check_returns_the_files_not_read_as_data(tmp_path: Path) -> None:
    d = tmp_path / "收表"
    d.mkdir()
    H.school(d / "一中.xlsx")
    (d / "说明.pdf").write_bytes(b"%PDF")
    result = check([d], rules=[TEXT_H1])
    assert result.files_checked == 1
    assert [(p.file, p.code, p.message) for p in result.not_read] == [("收表/说明.pdf", "N-FILE-FORMAT", "不是表格文件")]
    assert result.as_json()["not_read"][0]["message"] == "不是表格文件"


def test_a_flat_ods_in_a_folder_is_refused_by_name(tmp_path: Path) -> None:
    d = tmp_path / "收表"
    d.mkdir()
    H.school(d / "一中.xlsx")
    (d / "二中.fods").write_text('<?xml version="1.0"?><office:document office:mimetype="application/vnd.oasis.'
                                 'opendocument.spreadsheet"/>', encoding="utf-8")
    report = ingest([d], rules=[TEXT_H1], workspace=tmp_path / "ws")
    (error,) = [p for p in report.rejects if p.file == "二中.fods"]
    assert error.code == "E-FILE-FORMAT" and "Flat ODS" in error.message


# --- cells as the clerk sees them, and text that is never a formula -------------------------

def test_a_numeric_id_is_shown_as_excel_shows_it(tmp_path: Path) -> None:
    """220282197904286001 typed into a General cell: Excel keeps 15 digits (…286000) and shows
    2.20282E+17; the double nearest, …286016, is in no view of the cell."""
    path = write_xlsx(tmp_path / "一中.xlsx", {"教学技能": [H.HEAD, ["张三", 220282197904286001, 70, 5, 70],
                                                           ["李四", 22028219790428, 70, 5, 70]]})
    report = ingest([path], rules=[TEXT_H1], workspace=tmp_path / "ws")
    shown = {p.row: p.value for p in report.rejects if p.code == "E-ID-NUMERIC"}
    assert shown == {2: "2.20282E+17 / 220282197904286000", 3: "2.20282E+13 / 22028219790428"}


def test_text_that_cleaning_turns_into_a_formula_is_rejected(tmp_path: Path) -> None:
    ids = [check_id(f"2202821980010{i:04d}") for i in range(5)]
    rows = [["姓名", "身份证号", "单位", "学科", "考试成绩", "博文篇数", "博文成绩"],
            ["\t=2+2", ids[0], "一中", "语文", 70, 5, 70],
            ["张三", ids[1], " =4+4", "语文", 70, 5, 70],
            ["李四", ids[2], "一中", "＝5+5", 70, 5, 70],
            ["@王五", ids[3], "一中", "语文", 70, 5, 70],
            ["赵-六", ids[4], "一中", "语文", 70, 5, 70]]
    report = ingest([write_xlsx(tmp_path / "一中.xlsx", {"教学技能": rows})], rules=[TEXT_H1], workspace=tmp_path / "ws")
    got = {(p.row, p.column, p.value, p.code) for p in report.rejects}
    assert got == {(2, "姓名", "\t=2+2", "E-TEXT-FORMULA"), (3, "单位", " =4+4", "E-TEXT-FORMULA"),
                   (4, "学科", "＝5+5", "E-TEXT-FORMULA"), (5, "姓名", "@王五", "E-TEXT-FORMULA")}
    assert report.accepted == 1  # 赵-六: a hyphen inside a name is a name


def test_a_file_named_twice_or_also_within_a_folder_named_is_read_once(tmp_path: Path) -> None:
    d = tmp_path / "收表"
    d.mkdir()
    H.school(d / "一中.xlsx")
    H.school(d / "二中.xlsx")
    scan = scan_inputs([d / "一中.xlsx", d, tmp_path / "收表" / ".." / "收表" / "一中.xlsx"])
    assert [f.name for f in scan.files] == ["一中.xlsx", "二中.xlsx"]
