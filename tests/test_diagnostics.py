"""The one Problem type: its severity, and where the rule that fired is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import hostile_files as H
from conftest import TEXT_H1, check_id, write_xlsx
from credittool.commands.check import check
from credittool.commands.ingest import ingest, load_term, vocabulary
from credittool.diagnostics import Problem, RuleRef, Severity, of, rules_problem, skip
from credittool.extract.rows import extract_file
from credittool.rules.loader import load_rules

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "rules" / "huadian-2009-h1-text.yaml"
BASE = ROOT / "rules" / "_huadian-2009-common.yaml"


def _typoed(tmp_path: Path) -> tuple[Path, int]:
    """The shipped text-track rules with `hours:` of the third course misspelt `hour:`."""
    shutil.copy(BASE, tmp_path / BASE.name)
    lines = SHIPPED.read_text(encoding="utf-8").splitlines(keepends=True)
    at = [i for i, line in enumerate(lines) if line == "    hours: 15\n"][1]
    lines[at] = "    hour: 15\n"
    path = tmp_path / SHIPPED.name
    path.write_text("".join(lines), encoding="utf-8")
    return path, at + 1


def test_a_typo_in_a_shipped_rules_file_is_an_error_at_its_line_and_key(tmp_path: Path) -> None:
    path, line = _typoed(tmp_path)
    [p] = load_rules([path]).problems
    assert p.severity is Severity.ERROR
    assert p.rule == RuleRef(str(path), line, "courses[2].hour")
    assert p.message == "未知的键 hour，是否应为 hours？"
    assert (p.file, p.sheet, p.row, p.column) == ("", "", None, "")  # no data cell: the rule is the place
    assert p.rule_dict() == {"file": str(path), "line": line, "path": "courses[2].hour", "message": p.message}


def test_a_missing_rules_file_has_a_rule_place_without_a_line(tmp_path: Path) -> None:
    [p] = load_rules([tmp_path / "nope.yaml"]).problems
    assert p.severity is Severity.ERROR and p.rule == RuleRef(str(tmp_path / "nope.yaml"), None, "")
    assert p.rule.where == str(tmp_path / "nope.yaml")


def test_a_data_problem_has_no_rule_and_keeps_its_json_shape() -> None:
    p = Problem("甲校.xlsx", "成绩", 3, "身份证号", "123", "E-ID-LENGTH", "位数不对", "核对")
    assert p.severity is Severity.ERROR and p.rule is None
    assert list(p.as_dict()) == ["file", "sheet", "row", "column", "value", "code", "message", "hint"]


def test_skipped_rows_are_problems_of_severity_skip(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "甲校.xlsx", {"教学技能": [
        ["姓名", "身份证号", "考试成绩", "博文成绩", "博文篇数"],
        ["张一", check_id("22028219800100000"), 80, 70, 5],
        [None, None, None, None, None],
        ["李二", check_id("22028219800100001"), 85, 75, 6],
    ]})
    term = load_term([TEXT_H1], None)
    res = extract_file(path, term, vocabulary(term))
    assert [(s.severity, s.row, s.message) for s in res.skipped] == [(Severity.SKIP, 3, "空行")]
    assert all(p.severity is Severity.ERROR for p in res.rejects)


def test_severities_select_and_show_their_word() -> None:
    ps = [skip("a.xlsx", "表", 4, "空行"), rules_problem("r.yaml", 2, "term", "错")]
    assert of(ps, Severity.SKIP) == ps[:1] and of(ps, Severity.ERROR) == ps[1:]
    assert [s.word for s in Severity] == ["错误", "警告", "提示", "跳过"]


def test_notes_are_problems_of_severity_note_at_their_sheet(tmp_path: Path) -> None:
    path = H.hidden_rows(tmp_path / "横道河子乡中心校.xlsx")
    term = load_term([TEXT_H1], None)
    res = extract_file(path, term, vocabulary(term))
    [n] = res.notes
    assert (n.severity, n.file, n.sheet) == (Severity.NOTE, path.name, "教学技能")
    assert n.message == "工作表「教学技能」第3–4、6行是隐藏行（筛选或手动隐藏），已导入"


def test_an_ingest_has_one_list_of_problems_selected_by_severity(tmp_path: Path) -> None:
    path = H.hidden_rows(tmp_path / "横道河子乡中心校.xlsx")
    report = ingest([path], rules=[TEXT_H1], workspace=tmp_path / "ws")
    assert [n.message for n in report.notes] == report.files[0].notes
    assert report.rejects == [p for p in report.problems if p.severity is Severity.ERROR]


def test_a_check_has_one_list_of_problems_selected_by_severity(tmp_path: Path) -> None:
    (tmp_path / "收表").mkdir()
    write_xlsx(tmp_path / "收表" / "甲校.xlsx", {"教学技能": [
        ["姓名", "身份证号", "考试成绩", "博文成绩", "博文篇数"],
        ["张一", check_id("22028219800100000"), 80, 70, 5],
        [None, None, None, None, None],
        ["李二", "123", 85, 75, 6],
    ]})
    (tmp_path / "收表" / "说明.pdf").write_bytes(b"%PDF")
    result = check([tmp_path / "收表"], rules=[TEXT_H1])
    assert {p.severity for p in result.problems} == {Severity.ERROR, Severity.SKIP, Severity.NOTE}
    assert [(p.row, p.code) for p in result.rejects] == [(4, "E-ID-FORMAT")]
    assert [(s.row, s.message) for s in result.skipped] == [(3, "空行")]
    assert [p.code for p in result.not_read] == ["N-FILE-FORMAT"]
