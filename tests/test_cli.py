"""The command line: exit codes, messages, help. Rich's width is pinned for stable output."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT, RULES, TEXT_H1, check_id, read_sheet, write_xlsx
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
            if param.param_type_name == "argument":  # shown by its metavar, with its help
                assert param.help[:12] in res.output
            elif param.name != "help":
                assert param.opts[0] in res.output


def test_check_shipped_rules_ok() -> None:
    res = run("check", "--rules", RULES)
    assert res.exit_code == 0, res.output
    assert "规则文件 11 个，均无错误" in res.output  # Huadian 7, Zhangdian one a year of the cycle 2016-2020
    # the Zhangdian programme file: its programmes and the year's standards, assumptions marked
    assert "培训项目 · 2018-2019学年第一学期（2018-19-s1，2018-19学年）" in res.output
    assert "  · 面对面培训 ≥ 24 学时（假定，待确认）\n" in res.output


def test_check_of_one_term_shows_that_terms_rules_alone() -> None:
    res = run("check", "--rules", RULES, "--term", "2018-19-s1")
    assert res.exit_code == 0, res.output
    assert "培训项目 · 2018-2019学年第一学期（2018-19-s1，2018-19学年）" in res.output
    assert "2009-h1" not in res.output and "2017-18-s1" not in res.output


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
    assert "…另有 5 个文件" in res.output and "新导入 5" in res.output  # the 5 not listed, by status
    assert "合计（6 个文件）" in res.output


# ---- check: its exit code, the whole problem list (issue 11, item 10) ----------------------------

def _bad_ids(tmp_path: Path, n: int) -> Path:
    """n teachers whose ID numbers fail the GB 11643 check digit: one problem each."""
    head = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
    first17 = [f"2202821980010{k:04d}" for k in range(n)]
    wrong = [f + ("0" if check_id(f)[-1] != "0" else "1") for f in first17]
    return write_xlsx(tmp_path / "a.xlsx", {"教学技能": [head, *[[f"教师{k}", w, 80, 5, 80] for k, w in enumerate(wrong)]]})


def test_check_explains_its_exit_code(tmp_path: Path) -> None:
    res = run("check", _bad_ids(tmp_path, 1), "--rules", TEXT_H1)
    assert res.exit_code == 1
    assert "退出状态 1：成绩表有 1 处问题（0 表示没有问题，2 表示规则文件或参数有误）。" in res.output
    res = run("check", "--rules", TEXT_H1)
    assert res.exit_code == 0 and "退出状态 0：没有问题。" in res.output


def test_check_out_writes_every_problem_to_a_workbook(tmp_path: Path) -> None:
    data = _bad_ids(tmp_path, 16)
    target = tmp_path / "out" / "problems.xlsx"
    res = run("check", data, "--rules", TEXT_H1, "--out", target)
    assert res.exit_code == 1, res.output
    rows = read_sheet(target, "问题清单")
    # one row per teacher, in row order, with the columns of rejects.xlsx
    assert [(r["文件"], r["工作表"], r["行号"], r["代码"]) for r in rows] == \
        [("a.xlsx", "教学技能", k + 2, "E-ID-CHECKSUM") for k in range(16)]
    assert f"问题清单（16 条）已写出：{target}" in " ".join(res.output.split())


def test_check_showing_only_the_first_15_points_to_json_and_out(tmp_path: Path) -> None:
    res = run("check", _bad_ids(tmp_path, 16), "--rules", TEXT_H1)
    out = " ".join(res.output.split())
    assert "…另有 1 条" in out
    assert "上面只列出前 15 条。全部问题：加 --out problems.xlsx 写成表格，或加 --json 输出给其他程序。" in out
    few = run("check", _bad_ids(tmp_path, 15), "--rules", TEXT_H1)
    assert "只列出前" not in few.output


# ---- progress (issue 11, item 9) ---------------------------------------------------------------

def test_stage_text_counts_files_and_estimates_the_time_left() -> None:
    from credittool.console_progress import stage_text

    # 312 files in 31.2 s: 0.1 s a file, 388 to go → 38.8 s, shown as 0:39
    assert stage_text("read", 312, 700, 31.2) == "读取 312/700 个文件（预计还需 0:39）"
    assert stage_text("read", 1_200, 1_200, 60.0) == "读取 1,200/1,200 个文件"
    assert stage_text("commit", 0, 0, 3.4) == "写入台账…（已用 0:03）"
    assert stage_text("write", 0, 0, 3_725) == "写出…（已用 1:02:05）"


def test_ingest_reports_every_stage_in_order(tmp_path: Path) -> None:
    from credittool.commands.ingest import ingest

    head = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
    (tmp_path / "in").mkdir()
    for k in range(2):
        write_xlsx(tmp_path / "in" / f"{k}校.xlsx", {"教学技能": [head, [f"教师{k}", check_id(f"2202821980010{k:04d}"), 80, 5, 80]]})
    seen: list[tuple[str, int, int]] = []
    ingest([tmp_path / "in"], rules=[TEXT_H1], workspace=tmp_path / "ws", on_progress=lambda *a: seen.append(a))
    assert seen == [("read", 0, 2), ("read", 1, 2), ("read", 2, 2), ("resolve", 0, 0), ("commit", 0, 0),
                    ("write", 0, 0), ("done", 0, 0)]


def test_progress_without_a_terminal_prints_a_line_at_most_every_5_seconds() -> None:
    from io import StringIO

    from rich.console import Console

    from credittool.console_progress import IngestProgress

    now = [0.0]
    buf = StringIO()
    with IngestProgress(Console(file=buf, force_terminal=False, width=100), clock=lambda: now[0]) as progress:
        for t, event in [(0, ("read", 0, 10)), (1, ("read", 1, 10)), (6, ("read", 5, 10)), (7, ("read", 6, 10)),
                         (9, ("resolve", 0, 0)), (12, ("commit", 0, 0)), (13, ("write", 0, 0)), (14, ("done", 0, 0))]:
            now[0] = t
            progress(*event)
    # at 6 s: 5 files in 6 s, 5 to go → 6 s; at 12 s: the commit has just begun
    assert buf.getvalue().splitlines() == ["读取 5/10 个文件（预计还需 0:06）", "写入台账…（已用 0:00）"]


def test_progress_on_a_terminal_shows_the_count_then_each_later_stage() -> None:
    from io import StringIO

    from rich.console import Console

    from credittool.console_progress import IngestProgress

    buf = StringIO()
    seen = []
    with IngestProgress(Console(file=buf, force_terminal=True, width=100, color_system=None)) as progress:
        for event in [("read", 0, 3), ("read", 3, 3), ("resolve", 0, 0), ("commit", 0, 0), ("write", 0, 0)]:
            progress(*event)
            progress.progress.refresh()
            seen.append(buf.getvalue())
            buf.seek(0)
            buf.truncate()
    assert "读取 3/3 个文件" in seen[1]
    assert [label in text for label, text in zip(("计算…", "写入台账…", "写出…"), seen[2:])] == [True, True, True]
    assert [t.total for t in progress.progress.tasks] == [3, None, None, None]  # later: rich's moving bar


# ---- report: the next steps in the order of the term's work; number formats ---------------------

def test_report_hints_follow_the_workflow(tmp_path: Path) -> None:
    head = ["姓名", "身份证号", "考试成绩", "博文篇数", "博文成绩"]
    data = write_xlsx(tmp_path / "甲校.xlsx", {"教学技能": [head, ["张三", check_id("22028219800101001"), 80, 5, 80]]})
    ws = tmp_path / "ws"
    assert run("ingest", data, "--rules", TEXT_H1, "--workspace", ws).exit_code == 0
    lines = run("report", "--workspace", ws).output.splitlines()
    written = next(i for i, line in enumerate(lines) if line.startswith("已写出："))
    steps = [next(i for i, line in enumerate(lines) if needle in line)
             for needle in ("credittool sample", "填好「抽测成绩」", "credittool ingest out/2009-h1/sample.xlsx",
                            "credittool report")]
    assert written < steps[0] < steps[1] < steps[2] < steps[3]  # sample → fill in → ingest → report
    assert [lines[i].split(".")[0].strip() for i in steps] == ["1", "2", "3", "4"]


def test_scores_show_one_decimal_rounded_half_up() -> None:
    from decimal import Decimal

    from credittool.console import score_text

    assert [score_text(Decimal(v)) for v in ("85", "87.25", "59.95", "100")] == ["85.0", "87.3", "60.0", "100.0"]


def test_terminal_counts_have_thousands_separators(tmp_path: Path) -> None:
    rows = ["姓名,身份证号,考试成绩,博文篇数,博文成绩"]
    rows += [f"教师{k},{check_id(f'2202821980{k:07d}')},80,5,80" for k in range(1_200)]
    (tmp_path / "甲校-教学技能.csv").write_text("\n".join(rows), encoding="utf-8")
    res = run("ingest", tmp_path / "甲校-教学技能.csv", "--rules", TEXT_H1, "--course", "教学技能",
              "--workspace", tmp_path / "ws")
    assert res.exit_code == 0, res.output
    assert "1,200 名教师，1,200 条课程成绩" in res.output
    total = next(line for line in res.output.splitlines() if "合计（1 个文件）" in line)
    assert [c.strip() for c in total.strip("│ ").split("│")][2:4] == ["1,200", "1,200"]  # 读入行, 接受


# ---- the README's step-by-step, run as written -------------------------------------------------

def _readme_steps() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## The term, step by step"):text.index("- **Inputs**")]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_step_by_step_runs_as_written(tmp_path: Path) -> None:
    import subprocess

    steps = _readme_steps()
    assert steps[0].startswith("scripts/setup")  # the .venv this test already runs in
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    (tmp_path / "samples").symlink_to(ROOT / "samples")
    (tmp_path / "rules").symlink_to(ROOT / "rules")
    codes = []
    for line in steps[1:]:
        if line.startswith("scripts/"):  # setup (the district's year begins with it too), or
            continue  # demo-year and demo-cycle, which are setup and the commands that follow them
        if "once 抽测成绩 is filled in" in line:
            _fill_in_spot_scores(tmp_path / "out" / "2009-h1" / "sample.xlsx")  # the clerk's part
        codes.append(subprocess.run(["bash", "-c", line], cwd=tmp_path, capture_output=True, timeout=120).returncode)
    # the sample county's files have problems on purpose: check says so with 1, and ingest goes on;
    # then the district's year: its ingest and its report; then the five years of the cycle
    # sample, a teacher's card by ID and by name, a unit's cards, the cycle report, certificates
    assert codes == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert (tmp_path / "out" / "problems.xlsx").is_file()
    assert (tmp_path / "out" / "2009-h1" / "publish" / "index.html").is_file()  # rankings: the scores are in
    assert (tmp_path / "out" / "2018-19-s1" / "report.xlsx").is_file()  # 学分达标, 单位达标
    cycle = tmp_path / "cycle" / "out"  # the five-year sample's workspace
    assert (cycle / "学分卡" / "学分卡_于琴思_071X.html").is_file() and (cycle / "学分卡" / "学分卡_王梅_0855_截至2018-19-s1.xlsx").is_file()
    assert (cycle / "学分卡" / "学分卡_张店区第八中学.xlsx").is_file()
    assert (cycle / "cycle-2016-2020" / "report.xlsx").is_file()
    assert (cycle / "publish" / "证书核验.html").is_file()  # the certificates, then verify's exit 0
    con = sqlite3.connect(tmp_path / "cycle" / "ledger.sqlite")  # the year closed, then the late correction
    assert con.execute("SELECT COUNT(*) FROM meta WHERE key = 'closed:2019-20'").fetchone() == (1,)
    assert con.execute("SELECT total, met FROM verdicts WHERE year = '2020-21' AND id_number = '370303197701089898'"
                       ).fetchone() == ("72", 1)  # 蒋琴: 71 + 1 = 72 (samples/cycle-2016-2020/README.md)
    con.close()


def _fill_in_spot_scores(path: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["抽测名单"]
    col = [c.value for c in ws[1]].index("抽测成绩") + 1
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col, 80)
    wb.save(path)


# ---- scripts/setup -----------------------------------------------------------------------------

def test_setup_rebuilds_a_venv_of_an_unsupported_python(tmp_path: Path) -> None:
    import shutil
    import subprocess

    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "setup", tmp_path / "scripts" / "setup")
    old = tmp_path / ".venv" / "bin"
    old.mkdir(parents=True)
    (old / "python").write_text("#!/bin/sh\nexit 1\n")  # a Python 3.8 answers the version check with 1
    (old / "python").chmod(0o755)
    (tmp_path / ".venv" / "stale").write_text("")
    # a stand-in python3: passes the version check; `-m venv` makes a .venv whose pip calls are logged
    fake = tmp_path / "python3"
    fake.write_text('#!/bin/sh\nif [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$3/bin"; '
                    'printf \'#!/bin/sh\\necho "$@" >> pip.log\\n\' > "$3/bin/python"; chmod +x "$3/bin/python"; fi\n')
    fake.chmod(0o755)
    res = subprocess.run(["bash", "scripts/setup"], cwd=tmp_path, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "PYTHON": str(fake)})
    assert res.returncode == 0, res.stderr
    assert "提示：.venv 是用不受支持（或已不存在）的 Python 建的，正在删除并用" in res.stderr
    assert not (tmp_path / ".venv" / "stale").exists()
    assert "-e .[test]" in (tmp_path / "pip.log").read_text()


# ---- shell completion; help stays fast ---------------------------------------------------------

def test_shell_completion_is_offered_and_its_script_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "--install-completion" in run("--help").output
    # typer otherwise asks the process tree for the shell, and a test run started in the
    # background (or by a CI runner) has none: the shell is named instead, as a user can
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    res = run("--show-completion", "bash")
    assert res.exit_code == 0 and "_credittool_completion()" in res.output, (res.output, repr(res.exception))


def test_help_imports_nothing_heavy() -> None:
    # `credittool --help` must stay quick (≤ 0.15 s): none of the big libraries may load for it
    import subprocess
    import sys

    code = ("import sys\nfrom credittool.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'numpy', 'pydantic', 'rich', 'openpyxl', 'yaml') if m in sys.modules),"
            " file=sys.stderr)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.stderr.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(("command", "code", "out", "err"), [
    ("print('已写出：register.xlsx')", 0, "已写出：register.xlsx\n", ""),  # all of it, through a pipe
    ("sys.exit(2)", 2, "", ""),
    ("sys.exit('错误：没有台账')", 1, "", "错误：没有台账\n"),  # as sys.exit says a message
    ("sys.exit(None)", 0, "", ""),
    ("open('/nonexistent-dir/x.xlsx', 'w')", 1, "",  # what the system refused, said: no traceback
     "错误：无法读写 /nonexistent-dir/x.xlsx：路径不存在\n  怎么办：检查这个路径：它应是可以写入的文件夹（用 --out 或 --workspace 换一个），磁盘也不能已满\n"),
])
def test_main_leaves_with_the_commands_exit_code_and_everything_said(command: str, code: int, out: str,
                                                                     err: str) -> None:
    # main() leaves through os._exit, past the interpreter's teardown: what a command printed
    # must still reach a pipe, and its exit code the shell
    import subprocess
    import sys

    script = f"import sys\nfrom credittool import cli\ncli.app = lambda: {command}\ncli.main()\nprint('never')"
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (res.returncode, res.stdout, res.stderr.replace("\n", "")) == (code, out, err.replace("\n", ""))  # rich wraps


def test_a_cell_that_looks_like_terminal_markup_is_shown_as_written(tmp_path: Path) -> None:
    """Held-out round 7 (after): a 学时 cell 「[/]」 made the terminal's table raise
    rich's MarkupError, a traceback for a user's cell. Every cell's text is shown as written:
    「[/]」, 「[red]12」 and a name 「李[/b]四」; a 学时 200 characters long is cut short on
    screen (rejects.xlsx keeps it whole)."""
    a, b = check_id("11010119900307123"), check_id("11010119900307124")
    (tmp_path / "in").mkdir()
    write_xlsx(tmp_path / "in" / "班主任培训.xlsx", {"班主任培训": [
        ["姓名", "身份证号", "学时", "考核结果"], ["张三", a, "[/]", "合格"], ["李[/b]四", b, "[red]12", "合格"],
        ["王五", check_id("11010119900307125"), "约" * 200, "合格"]]})
    r = run("ingest", str(tmp_path / "in"), "--rules", str(RULES / "zhangdian-2018-19-s1.yaml"),
            "--term", "2018-19-s1", "-w", str(tmp_path / "ws"))
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    flat = r.output.replace("\n", "").replace(" ", "")
    assert "学时「[/]」不是学时数" in flat and "学时「[red]12」不是学时数" in flat
    assert "约" * 200 not in flat and "约" * 50 in flat
