"""Every text the command line shows is Chinese (issue 11, item 7).

Walks the help of the app and of every command and the error paths (usage errors, rules
mistakes of every kind the schema raises, missing paths), and checks that no output holds an
English sentence: a run of two or more English words, or one of the words typer, click or
pydantic print, outside the allowed tokens (option names, codes like E-XXX, paths and file
names, rules keys and values, `credittool`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import RULES, TEXT_H1
from credittool.cli import app
from credittool.fields import FIELDS
from credittool.rules import schema
from credittool.rules.loader import load_rules

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"})

_TOKENS = re.compile(r"""
      --?[A-Za-z][\w-]*                        # option names
    | \bE-[A-Z0-9-]+                           # problem codes
    | [\w.~<>\u4e00-\u9fff-]*/[\w./<>~\u4e00-\u9fff-]*   # paths: rules/, out/<学期>/sample.xlsx
    | [\w\u4e00-\u9fff-]+\.(?:yaml|yml|xlsx|xls|ods|csv|sqlite|html|json|md)\b   # file names
    | \[\d+\]                                  # key paths' indexes: courses[1]
    | \bcredittool\b
""", re.X)
# words typer, click and pydantic print; one alone is already a leak
_LEAKS = {"usage", "error", "options", "arguments", "commands", "missing", "invalid", "required", "default",
          "show", "try", "input", "field", "value", "should", "such", "traceback", "aborted", "mean", "got"}


def _identifiers() -> set[str]:
    """Rules keys and their fixed values: identifiers a message may name."""
    words = {"shell", "tab", "yaml", "utf", "json", "excel", "wps", "true", "false", "id", "xlsx", "xls", "ods",
             "xlsm", "xlsb", "xltx", "xltm", "et", "fods",  # spreadsheet formats, named by their extensions
             "csv", "sqlite", "html"}
    for model in (schema.Ruleset, schema.Course, schema.Term, schema.Track, schema.Rounding, schema.Component,
                  schema.Minimum, schema.YesNoWords):
        words |= set(model.model_fields)
    words |= set(FIELDS) | {"text", "online", "kindergarten", "half_up", "half_even", "absent", "exempt", "resit",
                            "deferred", "ingest", "sample", "check", "report", "card", "cards", "explain", "close",
                            "adjust", "certificates", "verify"}  # the commands, named in help and hints
    return {w.lower() for w in words}


_ALLOWED = _identifiers()
_LEAKS -= _ALLOWED  # `required` is also a rules key


def english_in(text: str) -> list[str]:
    """English left in `text` once the allowed tokens are taken out."""
    rest = _TOKENS.sub(" ", text)
    words = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[A-Za-z]{2,}", rest)
             if "_" not in m.group() and m.group().lower() not in _ALLOWED or m.group().lower() in _LEAKS]
    found = [w for _, _, w in words if w.lower() in _LEAKS]
    for (_, end, a), (start, _, b) in zip(words, words[1:]):
        if re.fullmatch(r"[\s,.'\"():;!?<>\[\]|-]+", rest[end:start]):
            found.append(f"{a} {b}")
    return found


def assert_chinese(output: str) -> None:
    assert output.strip(), "no output"
    assert not english_in(output), f"English in output: {english_in(output)}\n{output}"


def test_the_checker_finds_typer_click_and_pydantic_texts() -> None:
    for leak in ("Usage: credittool [OPTIONS]", "Error: Missing option '--rules' / '-r'.",
                 "Show this message and exit.", "No such command 'ingst'. Did you mean 'ingest'?",
                 "-r, --rules <list[Path]>", "--top <int range>", "Tuple should have at least 1 item",
                 "required key is missing", "No such file or directory", "CalamineError: Cannot detect file format"):
        assert english_in(leak), leak
    assert not english_in("错误：缺少选项 --rules / -r（必填）。见 rules/README.md 与 out/2009-h1/sample.xlsx，E-ID-NUMERIC")
    assert not english_in("未知的键 hour，是否应为 hours？ courses[1].exam_prerequisites")


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich's width pinned, so a message is never wrapped mid-sentence in captured output."""
    from rich.console import Console

    from credittool import console

    monkeypatch.setattr(console, "console", Console(width=200, no_color=True))
    monkeypatch.setattr(console, "err_console", Console(width=200, no_color=True, stderr=True))


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _commands() -> list[str]:
    import typer.main

    return list(typer.main.get_command(app).commands)


@pytest.mark.parametrize("args", [[], ["--help"]] + [[c, "--help"] for c in _commands()])
def test_help_is_chinese(args: list[str]) -> None:
    res = run(*args)
    assert res.exit_code in (0, 2)  # no arguments: the help, exit 2 as click does
    assert "用法：credittool" in res.output and "选项：" in res.output
    assert_chinese(res.output)


@pytest.mark.parametrize(("args", "expected"), [
    (["ingst"], "错误：没有「ingst」这个命令。是否应为 ingest？"),
    (["foo"], "错误：没有「foo」这个命令。可用的命令：ingest、sample、check、report、withdraw、card、cards、explain、close、adjust、certificates、verify。"),
    (["check"], "错误：缺少选项 --rules / -r（必填）。"),
    (["ingest", "--rules", RULES], "错误：缺少参数 <成绩表>（必填）。"),
    (["report", "--top", "0"], "错误：选项 --top 的值无效：不能小于 1，现在是 “0”"),
    (["report", "--top", "十"], "错误：选项 --top 的值无效：必须是整数，现在是 “十”"),
    (["sample", "--min-per-group", "1.5"], "错误：选项 --min-per-group 的值无效：必须是整数，现在是 “1.5”"),
    (["ingest", "--rul", "x"], "错误：没有 --rul 这个选项。是否应为 --rules？"),
    (["-h"], "错误：没有 -h 这个选项。用 --help 查看可用的选项。"),
    (["check", "--rules", RULES, "--json=yes"], "错误：选项 --json 是开关，不带值。"),
    (["ingest", "x.xlsx", "--rules"], "错误：选项 --rules 后面要给一个值。"),
    (["report", "extra"], "错误：多余的参数：extra（这个命令不接受它们）。"),
])
def test_usage_errors_are_chinese_and_name_the_mistake(args: list[str], expected: str) -> None:
    res = run(*args)
    assert res.exit_code == 2
    assert expected in res.output.splitlines(), res.output
    assert_chinese(res.output)


def test_usage_error_shows_the_chinese_usage_line() -> None:
    res = run("check")
    assert res.output.splitlines()[:2] == ["用法：credittool check [选项] [<成绩表>...]",
                                           "用 credittool check --help 查看帮助。"]


# ---- rules files -------------------------------------------------------------------------------

def _rules(tmp_path: Path, text: str) -> Path:
    (tmp_path / "_huadian-2009-common.yaml").write_text(
        (RULES / "_huadian-2009-common.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = TEXT_H1.read_text(encoding="utf-8")


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_typod_key_is_one_message_with_the_nearest_key(tmp_path: Path) -> None:
    text = GOOD.replace("    hours: 15\n", "    hour: 15\n", 1)
    path = _rules(tmp_path, text)
    book = load_rules([path])
    at_course = [p for p in book.problems if p.rule.path.startswith("courses[")]
    assert [(p.rule.line, p.rule.path, p.message) for p in at_course] == [
        (_line(text, "    hour: 15"), f"courses[{_course_index(text)}].hour", "未知的键 hour，是否应为 hours？")]
    res = run("check", "--rules", path)
    assert res.exit_code == 2 and "未知的键 hour，是否应为 hours？" in res.output
    assert "缺少" not in res.output  # not a second message for the missing `hours`
    assert_chinese(res.output)


def _course_index(text: str) -> int:
    """Index in `courses:` of the course whose hours line was edited."""
    upto = text[: text.index("    hour: 15")]
    return upto.count("\n  - id:") - 1


def test_unknown_key_without_a_near_one_lists_the_keys(tmp_path: Path) -> None:
    path = _rules(tmp_path, GOOD + "colour: red\n")
    [p] = load_rules([path]).problems
    assert p.message.startswith("未知的键 colour（可用的键：base、term、track、pass_mark、")


def test_missing_rules_path_says_so_without_a_line_number(tmp_path: Path) -> None:
    res = run("check", "--rules", tmp_path / "nope.yaml")
    assert res.exit_code == 2
    assert f"  • {tmp_path / 'nope.yaml'}  找不到这个规则文件或文件夹；检查路径（例如 rules/）" in res.output
    assert "nope.yaml:" not in res.output  # no made-up line 1
    assert_chinese(res.output)


# Each edit makes the shipped text rules raise one kind of schema error; together they cover
# every kind the schema can raise (asserted below).
MISTAKES = {
    "missing": ("base: _huadian-2009-common.yaml\n", ""),
    "extra_forbidden": ("  - id: ethics-reader\n", "  - id: ethics-reader\n    colour: red\n"),
    "string_pattern_mismatch": ("  - id: ethics-reader\n", "  - id: 德育 读本\n"),
    "literal_error": ("track: {id: text,", "track: {id: txt,"),
    "string_too_short": ("    aliases: [师德读本,", "    aliases: ['', 师德读本,"),
    "number": ("  - id: ethics-reader\n", "  - id: ethics-reader\n    pass_mark: '60'\n"),
    "bool_type": ("  - id: ethics-reader\n", "  - id: ethics-reader\n    attendance_only: 'no'\n"),
    "greater_than": ("    hours: 15\n", "    hours: 0\n"),
    "less_than_equal": ("  - id: ethics-reader\n", "  - id: ethics-reader\n    pass_mark: 101\n"),
    "greater_than_equal": ("  - id: ethics-reader\n", "  - id: ethics-reader\n    pass_mark: -1\n"),
    "too_short": None,  # courses: []
    "tuple_type": ("    hours: 15\n    components:\n", "    hours: 15\n    components: 考试\n    x:\n"),
    "dict_type": None,  # status_words: [缺考]
    "model_type": None,  # term: 2009
    "value_error": ("weight: 0.3}", "weight: 0.2}"),
}


def _mistaken(kind: str) -> str:
    if kind == "too_short":
        return GOOD[: GOOD.index("courses:")] + "courses: []\n"
    if kind == "dict_type":
        return GOOD + "status_words: [缺考]\n"
    if kind == "model_type":
        return re.sub(r"term:.*\n(  .*\n)*", "term: 2009\n", GOOD, count=1)
    old, new = MISTAKES[kind]
    assert old in GOOD
    return GOOD.replace(old, new, 1)


@pytest.mark.parametrize("kind", list(MISTAKES))
def test_every_kind_of_rules_mistake_is_told_in_chinese(tmp_path: Path, kind: str) -> None:
    res = run("check", "--rules", _rules(tmp_path, _mistaken(kind)))
    assert res.exit_code == 2, res.output
    assert "规则文件有" in res.output
    assert_chinese(res.output)


def test_the_mistakes_cover_every_error_kind_the_schema_raises(tmp_path: Path) -> None:
    import yaml
    from pydantic import ValidationError

    kinds = set()
    for kind in MISTAKES:
        data = yaml.safe_load(_mistaken(kind))
        base = yaml.safe_load((RULES / "_huadian-2009-common.yaml").read_text(encoding="utf-8"))
        data = {**base, **data}
        with pytest.raises(ValidationError) as err:
            schema.Ruleset.model_validate(data)
        kinds |= {"number" if e["loc"][-1] in ("int", "float") else e["type"] for e in err.value.errors()}
    assert kinds >= set(MISTAKES)


@pytest.mark.parametrize(("text", "expected"), [
    ("term: {id: a\n", "YAML 格式错误"),
    ("a: 1\na: 2\n", "键 a 重复（第一次在第 1 行）；每个键只能出现一次"),
    ("a: &x 1\nb: *x\n", "规则文件中不能用锚点和别名"),
    ("- 1\n- 2\n", "规则文件应是一组「键: 值」"),
])
def test_yaml_mistakes_are_chinese(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    res = run("check", "--rules", path)
    assert res.exit_code == 2 and expected in res.output, res.output
    assert_chinese(res.output)


def test_rules_not_utf8_is_chinese(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_bytes("学期: 一\n".encode("gb18030"))
    res = run("check", "--rules", path)
    assert res.exit_code == 2 and "UTF-8" in res.output
    assert_chinese(res.output)


# ---- input paths, workspace, ledger --------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["ingest", "{tmp}/nope.xlsx", "--rules", TEXT_H1, "--workspace", "{tmp}"],
    ["check", "{tmp}/nope.xlsx", "--rules", TEXT_H1],
    ["sample", "--workspace", "{tmp}/no-such-folder"],
    ["report", "--workspace", "{tmp}/no-such-folder"],
    ["sample", "--verify", "{tmp}/nope.xlsx", "--workspace", "{tmp}"],
])
def test_missing_paths_are_chinese(tmp_path: Path, args: list[str]) -> None:
    res = run(*[str(a).replace("{tmp}", str(tmp_path)) for a in args])
    assert res.exit_code == 2, res.output
    assert "错误：" in res.output and "Traceback" not in res.output
    assert_chinese(res.output)


# ---- the help's layout: Chinese takes two columns ------------------------------------------------

def test_wrap_breaks_chinese_anywhere_but_never_inside_latin_or_before_closing_punctuation() -> None:
    from credittool.clizh import _wrap

    # widths: 抽样率， 8 + "0–1 " 4 = 12, 之 would make 14; 之间，例如 + " " = 11, "0.1" would make 14;
    # "0.1 即 10%（" = 12, R7 would make 14
    assert _wrap("抽样率，0–1 之间，例如 0.1 即 10%（R7）。", 12) == ["抽样率，0–1", "之间，例如", "0.1 即 10%（", "R7）。"]


def test_option_texts_line_up_although_chinese_metavars_are_double_width() -> None:
    import unicodedata

    def columns(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    lines = run("sample", "--help").output.splitlines()
    options = [ln for ln in lines[lines.index("选项：") + 1:] if ln.startswith("  -")]
    starts = {columns(re.match(r"\s*\S+(?: \S+)*?\s{2,}", ln).group()) for ln in options}
    assert len(options) == 11 and len(starts) == 1, "\n".join(options)
    assert not any(ln.strip().startswith(("。", "，", "）")) for ln in lines)


def test_an_options_bounds_are_in_its_help() -> None:
    res = run("report", "--help")
    flat = "".join(line.strip() for line in res.output.splitlines())  # the help wraps to the terminal
    assert "[默认：10；取值 ≥ 1]" in flat, res.output  # --top: at least 1
