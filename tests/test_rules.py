"""Rules files: the shipped Huadian 2009 rule sets, and every way a rules file can be wrong.

Error cases are written to tmp_path with rules/_huadian-2009-common.yaml copied beside them
(they use `base:`), then loaded with the real `load_rules`. Line numbers are computed from the
text written, never typed in by hand.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from credittool.diagnostics import Problem
from credittool.rules.loader import RuleBook, load_rules
from credittool.rules.schema import Course
from credittool.rules.yamlsafe import load_yaml
from credittool.textnorm import match_key

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
BASE = "_huadian-2009-common.yaml"
D = Decimal


# --- the shipped rules ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return load_rules([RULES])


def test_shipped_rules_load_without_problems(book: RuleBook) -> None:
    assert book.problems == []
    assert book.ok
    # the base is not a ruleset of its own
    assert sorted(Path(f).name for f in book.files) == [
        "huadian-2009-h1-kindergarten.yaml", "huadian-2009-h1-online.yaml", "huadian-2009-h1-text.yaml",
        "huadian-2009-h2-kindergarten.yaml", "huadian-2009-h2-online.yaml", "huadian-2009-h2-text.yaml",
        "zhangdian-2016-17-s1.yaml", "zhangdian-2017-18-s1.yaml", "zhangdian-2018-19-s1.yaml",
        "zhangdian-2019-20-s1.yaml", "zhangdian-2020-21-s1.yaml"]


def test_shipped_rules_have_two_terms_of_three_tracks(book: RuleBook) -> None:
    # then Zhangdian's programmes, a term a year of the cycle 2016-2020
    assert sorted(book.terms) == ["2009-h1", "2009-h2", "2016-17-s1", "2017-18-s1", "2018-19-s1", "2019-20-s1",
                                  "2020-21-s1"]
    for term in (book.terms["2009-h1"], book.terms["2009-h2"]):
        assert sorted(term.by_track) == ["kindergarten", "online", "text"]
        assert term.programmes is None
    assert book.terms["2009-h1"].term_name == "2009年1—6月"
    assert book.terms["2009-h2"].term_name == "2009年7—12月"


@pytest.mark.parametrize(("term", "track", "cid", "hours", "credits"), [
    ("2009-h1", "text", "ethics-meeting", "5", "0.5"),  # R5 师德报告会 5学时 0.5学分
    ("2009-h1", "text", "ethics-reader", "15", "1.5"),  # R5 读本 15/1.5
    ("2009-h1", "text", "teaching-skills", "15", "1.5"),  # R5 《教师的教学技能》 15/1.5
    ("2009-h1", "kindergarten", "ethics-reader", "15", "1.5"),
    ("2009-h1", "kindergarten", "theme-activity", "20", "2"),  # R5 《主题活动幼儿成长》 20/2
    ("2009-h2", "text", "open-class", "15", "1.5"),  # R5 《教师怎样上好公开课》 15/1.5
    ("2009-h2", "text", "lesson-review", "15", "1.5"),  # R5 《新课程听课评课与优秀案例解析》 15/1.5
])
def test_r5_r1_shipped_hours_and_credits(book: RuleBook, term: str, track: str, cid: str,
                                         hours: str, credits: str) -> None:
    course = book.terms[term].by_track[track].course(cid)
    assert course is not None
    assert D(str(course.hours)) == D(hours)
    assert course.credit_value == D(credits)
    assert course.required is True


def test_r5_ethics_meeting_is_attendance_only(book: RuleBook) -> None:
    course = book.terms["2009-h1"].by_track["text"].course("ethics-meeting")
    assert course.attendance_only is True
    assert course.components == ()


def test_r1_every_shipped_course_credit_is_hours_over_ten(book: RuleBook) -> None:
    n = 0
    for term in (book.terms["2009-h1"], book.terms["2009-h2"]):
        for rs in term.by_track.values():
            for c in rs.courses:
                assert c.credit_value * 10 == D(str(c.hours)), c.id
                if c.components:
                    assert sum(D(str(x.weight)) for x in c.components) == 1, c.id
                n += 1
    assert n == 13  # 3 + 3 + 2 (h1) and 2 + 2 + 1 (h2)


def test_r2_r3_text_ethics_reader_is_70_30_with_five_posts(book: RuleBook) -> None:
    rs = book.terms["2009-h1"].by_track["text"]
    c = rs.course("ethics-reader")
    assert [(x.field, D(str(x.weight))) for x in c.components] == [("exam", D("0.7")), ("blog_score", D("0.3"))]
    assert [(m.field, m.min, m.optional) for m in c.minimums] == [("blog_posts", 5, False)]
    assert c.exam_prerequisites == ()
    assert rs.pass_mark_of(c) == D(60)
    assert (rs.rounding.places, rs.rounding.mode) == (1, "half_up")


def test_r4_kindergarten_ethics_reader_is_50_50(book: RuleBook) -> None:
    c = book.terms["2009-h1"].by_track["kindergarten"].course("ethics-reader")
    assert [(x.field, D(str(x.weight))) for x in c.components] == [("kg_assessment", D("0.5")),
                                                                    ("city_exam", D("0.5"))]
    assert c.minimums == ()


def test_r6_online_courses_have_exam_prerequisites(book: RuleBook) -> None:
    for term in (book.terms["2009-h1"], book.terms["2009-h2"]):
        for c in term.by_track["online"].courses:
            assert [(m.field, m.min) for m in c.exam_prerequisites] == [
                ("hours_done", 15), ("homework", 1), ("forum_posts", 3)], c.id
            assert [(m.field, m.min, m.optional) for m in c.minimums] == [("blog_posts", 5, True)], c.id


def test_shipped_vocabulary(book: RuleBook) -> None:
    t = book.terms["2009-h1"]
    assert t.status[match_key("缺考")] == "absent"
    assert t.status[match_key("免考")] == "exempt"
    assert t.status[match_key("补考")] == "resit"
    assert t.status[match_key("缓考")] == "deferred"
    assert match_key("是") in t.yes and match_key("否") in t.no
    assert t.headers[match_key("身份证号码")] == "id"
    assert t.headers[match_key("博文篇数")] == "blog_posts"
    assert t.courses[match_key("《教师的教学技能》")] == "teaching-skills"
    assert t.courses[match_key("师德读本")] == "ethics-reader"
    assert t.tracks[match_key("幼儿园")] == "kindergarten"


# --- writing rules files in tmp_path -------------------------------------------------------------

GOOD = """\
base: _huadian-2009-common.yaml
term: {id: 2099-h1, name: 测试学期}
track: {id: text, name: 文本}
courses:
  - id: meeting
    name: 报告会
    required: true
    hours: 5
    attendance_only: true
  - id: reader
    name: 读本
    required: true
    hours: 15
    components:
      - {field: exam, weight: 0.7}
      - {field: blog_score, weight: 0.3}
    minimums:
      - {field: blog_posts, min: 5}
"""


def write(tmp_path: Path, text: str, name: str = "test-rules.yaml") -> Path:
    shutil.copy(RULES / BASE, tmp_path / BASE)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line that equals `needle` once stripped on the right."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if line.rstrip() == needle]
    assert len(hits) >= nth, (needle, hits)
    return hits[nth - 1]


def problems_at(book: RuleBook, path_prefix: str) -> list[Problem]:
    return [p for p in book.problems if p.rule.path.startswith(path_prefix)]


def test_good_template_loads(tmp_path: Path) -> None:
    # positive control: every error case below changes this text in one place
    book = load_rules([write(tmp_path, GOOD)])
    assert book.problems == []
    rs = book.terms["2099-h1"].by_track["text"]
    assert rs.pass_mark == 60  # from the base
    assert rs.course("reader").credit_value == D("1.5")


def test_weights_summing_to_0_9_point_at_the_course_item(tmp_path: Path) -> None:
    text = GOOD.replace("{field: blog_score, weight: 0.3}", "{field: blog_score, weight: 0.2}")
    path = write(tmp_path, text)
    book = load_rules([path])
    assert book.terms == {}
    assert len(book.problems) == 1
    p = book.problems[0]
    assert p.rule.file == str(path)
    assert p.rule.line == line_of(text, "  - id: reader")  # the course's list item (line 10)
    assert p.rule.line == 10
    assert p.rule.path == "courses[1]"
    assert "reader" in p.message
    assert "0.9" in p.message


def test_duplicate_yaml_key_names_key_and_both_lines(tmp_path: Path) -> None:
    text = GOOD.replace("track: {id: text, name: 文本}\n",
                        "track: {id: text, name: 文本}\npass_mark: 60\n") + "pass_mark: 50\n"
    path = write(tmp_path, text)
    first, second = line_of(text, "pass_mark: 60"), line_of(text, "pass_mark: 50")
    book = load_rules([path])
    dup = [p for p in book.problems if "重复" in p.message and "键" in p.message]
    assert len(dup) == 1
    assert dup[0].rule.file == str(path)
    assert dup[0].rule.line == second
    assert "pass_mark" in dup[0].message
    assert f"第 {first} 行" in dup[0].message
    assert not book.ok  # never "last one wins" silently


def test_duplicate_nested_key(tmp_path: Path) -> None:
    text = GOOD.replace("    hours: 15\n", "    hours: 15\n    hours: 20\n")
    book = load_rules([write(tmp_path, text)])
    dup = [p for p in book.problems if "键 hours 重复" in p.message]
    assert len(dup) == 1
    assert dup[0].rule.path == "courses[1].hours"
    assert dup[0].rule.line == line_of(text, "    hours: 20")
    assert f"第 {line_of(text, '    hours: 15')} 行" in dup[0].message


@pytest.mark.parametrize("raw", ["060", "0x3C", "0o74", "6e1", "1_0", '"60"', ".inf", "sixty"])
def test_pass_mark_that_is_not_a_plain_decimal_number_is_a_problem(tmp_path: Path, raw: str) -> None:
    # YAML 1.1 would read 060 as 48 (octal), 0x3C as 60 and 1_0 as 10; here each is an error
    text = GOOD.replace("track: {id: text, name: 文本}\n", f"track: {{id: text, name: 文本}}\npass_mark: {raw}\n")
    path = write(tmp_path, text)
    book = load_rules([path])
    assert book.terms == {}  # not silently 48 or 60
    pm = problems_at(book, "pass_mark")
    assert len(pm) == 1
    assert pm[0].rule.file == str(path)
    assert pm[0].rule.line == line_of(text, f"pass_mark: {raw}")
    assert "必须是数字" in pm[0].message


def test_strict_yaml_reads_060_as_text(tmp_path: Path) -> None:
    path = write(tmp_path, "a: 060\nb: 60\nc: 59.5\nd: -0\ne: no\nf: false\ng: ~\n")
    doc, problems = load_yaml(path)
    assert problems == []
    assert doc.data == {"a": "060", "b": 60, "c": 59.5, "d": 0, "e": "no", "f": False, "g": None}
    assert type(doc.data["b"]) is int and type(doc.data["f"]) is bool
    assert doc.lines[("e",)] == 5


def test_plain_pass_mark_is_read_as_written(tmp_path: Path) -> None:
    text = GOOD.replace("track: {id: text, name: 文本}\n", "track: {id: text, name: 文本}\npass_mark: 59.5\n")
    book = load_rules([write(tmp_path, text)])
    assert book.ok
    rs = book.terms["2099-h1"].by_track["text"]
    assert rs.pass_mark_of(rs.course("reader")) == D("59.5")  # written here, so the base's 60 is replaced


@pytest.mark.parametrize("raw", ["no", "yes", "off", "on", "N", "y", '"true"', "1"])
def test_required_yaml11_booleans_are_a_problem(tmp_path: Path, raw: str) -> None:
    text = GOOD.replace("    required: true\n    hours: 15", f"    required: {raw}\n    hours: 15")
    path = write(tmp_path, text)
    book = load_rules([path])
    assert book.terms == {}  # not silently False / True
    req = problems_at(book, "courses[1].required")
    assert len(req) == 1
    assert req[0].rule.file == str(path)
    assert req[0].rule.line == line_of(text, f"    required: {raw}")
    assert "true 或 false" in req[0].message


def test_required_false_is_an_elective(tmp_path: Path) -> None:
    text = GOOD.replace("    required: true\n    hours: 15", "    required: false\n    hours: 15")
    book = load_rules([write(tmp_path, text)])
    assert book.ok
    assert book.terms["2099-h1"].by_track["text"].course("reader").required is False


def test_unknown_key_in_course(tmp_path: Path) -> None:
    text = GOOD.replace("    hours: 15\n", "    hours: 15\n    weigths: 1\n")
    path = write(tmp_path, text)
    book = load_rules([path])
    assert book.terms == {}
    assert len(book.problems) == 1
    p = book.problems[0]
    assert p.rule.path == "courses[1].weigths"
    assert p.rule.line == line_of(text, "    weigths: 1")
    assert "未知的键 weigths" in p.message


def test_unknown_top_level_key(tmp_path: Path) -> None:
    text = GOOD + "pass_marks: 60\n"
    book = load_rules([write(tmp_path, text)])
    assert [(p.rule.path, p.rule.line) for p in book.problems] == [("pass_marks", line_of(text, "pass_marks: 60"))]
    assert "未知的键 pass_marks，是否应为 pass_mark？" == book.problems[0].message


def test_duplicate_course_id(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: meeting\n", "  - id: reader\n")
    path = write(tmp_path, text)
    book = load_rules([path])
    assert book.terms == {}
    dup = [p for p in book.problems if "课程 id 重复" in p.message]
    assert dup, book.problems
    assert all(p.rule.file == str(path) and "reader" in p.message for p in dup)
    # one of them points at the second `- id: reader` (line 10), not only at the top of the file
    second = line_of(text, "  - id: reader", nth=2)
    assert second == 10
    assert any(p.rule.line == second and p.rule.path == "courses[1].id" for p in dup)


def test_duplicate_course_id_is_reported_once(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: meeting\n", "  - id: reader\n")
    book = load_rules([write(tmp_path, text)])
    assert len([p for p in book.problems if "课程 id 重复" in p.message]) == 1


def test_r1_credits_not_hours_over_ten(tmp_path: Path) -> None:
    # hours 15 → credits must be 15 / 10 = 1.5; 2 is an error naming R1
    text = GOOD.replace("    hours: 15\n", "    hours: 15\n    credits: 2\n")
    path = write(tmp_path, text)
    book = load_rules([path])
    assert book.terms == {}
    assert len(book.problems) == 1
    p = book.problems[0]
    assert p.rule.line == line_of(text, "  - id: reader")
    assert "reader" in p.message and "R1" in p.message and "1.5" in p.message


def test_r1_credits_equal_to_hours_over_ten_are_accepted(tmp_path: Path) -> None:
    text = GOOD.replace("    hours: 15\n", "    hours: 15\n    credits: 1.5\n")
    book = load_rules([write(tmp_path, text)])
    assert book.ok
    assert book.terms["2099-h1"].by_track["text"].course("reader").credit_value == D("1.5")


def test_r1_course_model_directly() -> None:
    base = {"id": "c", "name": "C", "required": True, "components": [{"field": "exam", "weight": 1}]}
    assert Course.model_validate({**base, "hours": 20}).credit_value == D(2)  # 20 / 10 = 2
    assert Course.model_validate({**base, "hours": 5}).credit_value == D("0.5")  # 5 / 10 = 0.5
    with pytest.raises(ValidationError, match="R1"):
        Course.model_validate({**base, "hours": 20, "credits": 20})
    with pytest.raises(ValidationError, match="最多一位小数"):
        Course.model_validate({**base, "hours": 15.25})
    with pytest.raises(ValidationError, match="权重之和为 0.9"):
        Course.model_validate({**base, "hours": 15, "components": [{"field": "exam", "weight": 0.6},
                                                                   {"field": "blog_score", "weight": 0.3}]})
    with pytest.raises(ValidationError, match="不是成绩字段"):
        Course.model_validate({**base, "hours": 15, "components": [{"field": "blog_posts", "weight": 1}]})
    with pytest.raises(ValidationError, match="不能有 components"):
        Course.model_validate({**base, "hours": 5, "attendance_only": True})


def test_anchor_is_rejected(tmp_path: Path) -> None:
    text = GOOD.replace("term: {id: 2099-h1, name: 测试学期}", "term: &t {id: 2099-h1, name: 测试学期}")
    path = write(tmp_path, text)
    book = load_rules([path])
    assert book.terms == {}
    assert len(book.problems) == 1
    p = book.problems[0]
    assert p.rule.file == str(path)
    assert p.rule.line == line_of(text, "term: &t {id: 2099-h1, name: 测试学期}")
    assert "锚点和别名" in p.message


def test_alias_is_rejected(tmp_path: Path) -> None:
    # an alias to the base's key would bypass the one-level `base:` override rule
    text = GOOD.replace("      - {field: blog_posts, min: 5}", "      - *posts")
    path = write(tmp_path, text)
    book = load_rules([path])
    assert book.terms == {}
    assert len(book.problems) == 1
    assert book.problems[0].rule.line == line_of(text, "      - *posts")
    assert "锚点和别名" in book.problems[0].message


def test_merge_key_with_alias_is_rejected(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: meeting\n    name: 报告会\n", "  - &m\n    id: meeting\n    name: 报告会\n") \
        + "  - <<: *m\n    id: meeting2\n"
    book = load_rules([write(tmp_path, text)])
    assert book.terms == {}
    assert any("锚点和别名" in p.message for p in book.problems)


def test_several_mistakes_in_one_file_are_all_reported(tmp_path: Path) -> None:
    text = """\
base: _huadian-2009-common.yaml
term: {id: 2099-h1, name: 测试学期}
track: {id: text, name: 文本}
pass_mark: 060
courses:
  - id: meeting
    name: 报告会
    required: no
    hours: 5
    attendance_only: true
  - id: reader
    name: 读本
    required: true
    hours: 15
    components:
      - {field: exam, weight: 0.6}
      - {field: blog_score, weight: 0.3}
  - id: skills
    name: 技能
    required: true
    hours: 15
    colour: red
    components:
      - {field: exam, weight: 1}
"""
    path = write(tmp_path, text)
    book = load_rules([path])
    assert book.terms == {}
    assert len(book.problems) >= 4
    assert all(p.rule.file == str(path) for p in book.problems)
    got = {p.rule.path: p for p in book.problems}
    assert got["pass_mark"].rule.line == line_of(text, "pass_mark: 060")
    assert got["courses[0].required"].rule.line == line_of(text, "    required: no")
    assert got["courses[1]"].rule.line == line_of(text, "  - id: reader")
    assert "0.9" in got["courses[1]"].message
    assert got["courses[2].colour"].rule.line == line_of(text, "    colour: red")
    assert "未知的键 colour" in got["courses[2].colour"].message


def test_duplicate_course_id_is_reported_beside_other_mistakes(tmp_path: Path) -> None:
    # a field error (required: no) must not hide the duplicate id until it is fixed
    text = GOOD.replace("  - id: meeting\n", "  - id: reader\n").replace(
        "    required: true\n    hours: 5", "    required: no\n    hours: 5")
    book = load_rules([write(tmp_path, text)])
    got = {p.rule.path: p for p in book.problems}
    assert "true 或 false" in got["courses[0].required"].message
    assert got["courses[0].required"].rule.line == line_of(text, "    required: no")
    assert "课程 id 重复" in got["courses[1].id"].message and "reader" in got["courses[1].id"].message
    assert got["courses[1].id"].rule.line == line_of(text, "  - id: reader", nth=2)


def test_ruleset_replaces_base_key_as_a_whole(tmp_path: Path) -> None:
    # writing status_words here replaces the base's list entirely (no deep merge)
    text = GOOD + "status_words: {缺考: absent}\n"
    book = load_rules([write(tmp_path, text)])
    assert book.ok
    status = book.terms["2099-h1"].status
    assert status == {match_key("缺考"): "absent"}


def test_course_field_without_header_aliases(tmp_path: Path) -> None:
    # `fields` written here replaces the base's; it lacks blog_score, which course reader uses
    text = GOOD + "fields: {name: [姓名], id: [身份证号], exam: [成绩], blog_posts: [博文篇数]}\n"
    book = load_rules([write(tmp_path, text)])
    assert book.terms == {}
    assert any("blog_score" in p.message and "reader" in p.message for p in book.problems)


def test_problem_in_a_key_taken_from_the_base_points_at_the_base_file(tmp_path: Path) -> None:
    # a base of our own whose pass_mark is 060: the problem is in the base, at the base's line
    base_text = (RULES / BASE).read_text(encoding="utf-8").replace("pass_mark: 60\n", "pass_mark: 060\n")
    (tmp_path / "_mybase.yaml").write_text(base_text, encoding="utf-8")
    path = write(tmp_path, GOOD.replace(f"base: {BASE}", "base: _mybase.yaml"))
    book = load_rules([path])
    assert book.terms == {}
    pm = problems_at(book, "pass_mark")
    assert len(pm) == 1
    assert pm[0].rule.file == str(tmp_path / "_mybase.yaml")
    assert pm[0].rule.line == line_of(base_text, "pass_mark: 060")


def test_same_term_and_track_twice(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD.replace("id: meeting", "id: meeting-b"), "b.yaml")
    book = load_rules([tmp_path])
    clash = [p for p in book.problems if "已在" in p.message]
    assert len(clash) == 1
    assert clash[0].rule.file.endswith("b.yaml") and "a.yaml" in clash[0].message


def test_missing_base_file_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "nobase.yaml"
    path.write_text(GOOD, encoding="utf-8")  # base not copied beside it
    book = load_rules([path])
    assert book.terms == {}
    base = [p for p in book.problems if p.rule.file == str(tmp_path / BASE)]
    assert len(base) == 1 and "找不到" in base[0].message


def test_no_such_path_and_empty_folder(tmp_path: Path) -> None:
    book = load_rules([tmp_path / "nope.yaml"])
    assert [p.message for p in book.problems] == ["找不到这个规则文件或文件夹；检查路径（例如 rules/）"]
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(RULES / BASE, empty / BASE)  # a base alone is not a ruleset
    book = load_rules([empty])
    assert len(book.problems) == 1 and "没有规则文件" in book.problems[0].message
