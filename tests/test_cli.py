"""The command line: exit codes, messages, help. Rich's width is pinned for stable output."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import RULES, TEXT_H1, check_id, write_xlsx
from credittool.cli import app

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_every_command_and_option_has_help() -> None:
    import typer.main

    group = typer.main.get_command(app)
    assert run("--help").exit_code == 0
    assert set(group.commands) >= {"ingest", "check"}
    for name, command in group.commands.items():
        assert command.help, f"{name} has no help"
        res = run(name, "--help")
        assert res.exit_code == 0
        for param in command.params:
            assert getattr(param, "help", None), f"{name} {param.name} has no help"
            if param.name != "help":
                assert param.opts[0].lstrip("-").split("-")[0] in res.output or param.name.upper() in res.output


def test_check_shipped_rules_ok() -> None:
    res = run("check", "--rules", RULES)
    assert res.exit_code == 0, res.output
    assert "规则文件 6 个，均无错误" in res.output


def test_check_weights_summing_to_0_9_names_file_line_and_course(tmp_path: Path) -> None:
    text = TEXT_H1.read_text(encoding="utf-8").replace("weight: 0.3}", "weight: 0.2}", 1)
    (tmp_path / "_huadian-2009-common.yaml").write_text(
        (RULES / "_huadian-2009-common.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.strip() == "- id: ethics-reader")
    res = run("check", "--rules", bad)
    assert res.exit_code == 2
    out = " ".join(res.output.split())
    assert f"{bad}:{line}" in out
    assert "ethics-reader" in out and "0.9" in out


def test_ingest_bad_rules_exit_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "r.yaml"
    bad.write_text("pass_mark: 060\n", encoding="utf-8")
    data = write_xlsx(tmp_path / "a.xlsx", {"教学技能": [["姓名", "身份证号"], ["张三", check_id("22028219800101001")]]})
    res = run("ingest", data, "--rules", bad, "--workspace", tmp_path / "ws")
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert "pass_mark" in res.output and "060" in res.output


def test_ingest_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    res = run("ingest", tmp_path / "nope", "--rules", TEXT_H1, "--workspace", tmp_path)
    assert res.exit_code == 2
    assert "找不到输入" in res.output and "Traceback" not in res.output


def test_ingest_nothing_accepted_exits_1(tmp_path: Path) -> None:
    data = write_xlsx(tmp_path / "a.xlsx", {"教学技能": [
        ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"], ["张三", 220282198001010010, 80, 5, 80]]})
    res = run("ingest", data, "--rules", TEXT_H1, "--workspace", tmp_path / "ws")
    assert res.exit_code == 1
    assert "E-ID-NUMERIC" in res.output and "没有任何一行被接受" in res.output


def test_ingest_rejects_alone_exit_0_unless_strict(tmp_path: Path) -> None:
    head = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
    data = write_xlsx(tmp_path / "a.xlsx", {"教学技能": [
        head, ["张三", check_id("22028219800101001"), 80, 5, 80], ["李四", check_id("22028219800101002"), "20分", 5, 80]]})
    res = run("ingest", data, "--rules", TEXT_H1, "--workspace", tmp_path / "ws")
    assert res.exit_code == 0, res.output
    assert "register.xlsx" in res.output and "E-SCORE-TEXT" in res.output
    res = run("ingest", data, "--rules", TEXT_H1, "--workspace", tmp_path / "ws2", "--strict")
    assert res.exit_code == 1 and "--strict" in res.output


def test_check_data_writes_nothing_and_reports_problems(tmp_path: Path) -> None:
    head = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
    data = write_xlsx(tmp_path / "a.xlsx", {"教学技能": [head, ["张三", "220282198001010011", 80, 5, 80]]})
    before = sorted(tmp_path.rglob("*"))
    res = run("check", data, "--rules", TEXT_H1, "--json")
    assert res.exit_code == 1
    import json

    out = json.loads(res.output)
    assert [p["code"] for p in out["problems"]] == ["E-ID-CHECKSUM"]
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize("args", [["--version"], ["-h"]])
def test_version_and_unknown_flag(args: list[str]) -> None:
    res = run(*args)
    if args == ["--version"]:
        assert res.exit_code == 0 and "credittool" in res.output
    else:
        assert res.exit_code == 2  # unknown option: typer's usage error, not a traceback


def test_sample_cli_draws_prints_seed_and_verify_exit_codes(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    head = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
    rows = [head] + [[f"教师{i}", check_id(f"220282198001{i:05d}"), 70, 5, 70] for i in range(30)]
    data = write_xlsx(tmp_path / "甲校.xlsx", {"教学技能": rows})
    ws = tmp_path / "ws"
    assert run("ingest", data, "--rules", TEXT_H1, "--workspace", ws).exit_code == 0
    res = run("sample", "--rate", "0.1", "--workspace", ws)
    assert res.exit_code == 0, res.output
    assert "种子" in res.output and "新生成" in res.output and "甲校" in res.output
    out = ws / "out" / "2009-h1" / "sample.xlsx"
    ok = run("sample", "--verify", out, "--workspace", ws)
    assert ok.exit_code == 0 and "一致" in ok.output
    wb = load_workbook(out)
    wb["抽测名单"].delete_rows(2)  # a name struck off by hand
    wb.save(out)
    bad = run("sample", "--verify", out, "--workspace", ws)
    assert bad.exit_code == 1 and "不一致" in bad.output and "名单中缺少" in bad.output


def test_sample_cli_errors_are_one_line(tmp_path: Path) -> None:
    res = run("sample", "--workspace", tmp_path)
    assert res.exit_code == 2 and "没有台账" in res.output and "Traceback" not in res.output
    res = run("sample", "--by", "年级", "--workspace", tmp_path)
    assert res.exit_code == 2 and "--by" in res.output


def test_many_files_list_only_those_that_need_a_look(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A province sends thousands of files: the table names the ones with rejects, counts the rest.
    from credittool import console

    monkeypatch.setattr(console, "FILES_SHOWN", 3)
    head = ["姓名", "身份证号", "课程", "考试成绩", "博文篇数", "博文成绩"]
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(5):
        ident = check_id(f"2202821980010{k:04d}")
        write_xlsx(folder / f"学校{k}.xlsx", {"成绩": [head, [f"教师{k}", ident, "教学技能", 80, 6, 50]]})
    write_xlsx(folder / "学校9.xlsx", {"成绩": [head, ["错误", check_id("22028219800109999"), "教学技能", "八十", 6, 50]]})
    res = run("ingest", folder, "--rules", TEXT_H1, "--workspace", tmp_path / "ws")
    assert res.exit_code == 0, res.output
    assert "学校9.xlsx" in res.output and "学校0.xlsx" not in res.output  # the file with a reject is named
    assert "…另有 5 个文件" in res.output and "新导入 6" in res.output
    assert "合计（6 个文件）" in res.output
