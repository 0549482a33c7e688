"""The annual stamp (验印, R9) from course results; hours and credits awarded only on a pass (R10).

Results are produced by `scoring.evaluate` on the shipped Huadian 2009 rules, so the hours in
them are what was actually awarded. 2009-h1 text track, all required:
  ethics-meeting 5 h / 0.5, ethics-reader 15 h / 1.5, teaching-skills 15 h / 1.5 (R5, R1).
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from credittool.score.certify import CourseResult, stamp
from credittool.rules.loader import TermRules, load_rules
from credittool.score.scoring import evaluate

ROOT = Path(__file__).resolve().parents[1]
D = Decimal

_BOOK = load_rules([ROOT / "rules"])
assert _BOOK.ok, _BOOK.problems
H1 = _BOOK.terms["2009-h1"]
H2 = _BOOK.terms["2009-h2"]


def result(term: TermRules, track: str, course_id: str, values: dict[str, Any],
           statuses: dict[str, str] | None = None) -> CourseResult:
    rs = term.by_track[track]
    course = rs.course(course_id)
    statuses = statuses or {}
    o = evaluate(course, rs.pass_mark_of(course), rs.rounding, values, statuses,
                 frozenset(values) | frozenset(statuses))
    assert o.missing == ()
    return CourseResult(course_id, o.passed, "；".join(o.reasons), o.hours, o.credits)


# text track results, worked by hand
MEETING_OK = ("ethics-meeting", {"attendance": True})  # R5: attended → 5 h
MEETING_NO = ("ethics-meeting", {"attendance": False})  # R5: not attended → 0
# R2: 0.7·80 + 0.3·70 = 56 + 21 = 77.0 → pass, 15 h
READER_OK = ("ethics-reader", {"exam": D(80), "blog_score": D(70), "blog_posts": D(5)})
# R2: 0.7·90 + 0.3·80 = 63 + 24 = 87.0 → pass, 15 h
SKILLS_OK = ("teaching-skills", {"exam": D(90), "blog_score": D(80), "blog_posts": D(6)})
# R3: 0.7·90 + 0.3·90 = 90.0 but 3 posts < 5 → fail
SKILLS_R3 = ("teaching-skills", {"exam": D(90), "blog_score": D(90), "blog_posts": D(3)})


def text(*items: tuple[str, dict[str, Any]], term: TermRules = H1) -> list[CourseResult]:
    return [result(term, "text", cid, vals) for cid, vals in items]


def test_r9_all_required_passed_is_stamped() -> None:
    s = stamp("text", text(MEETING_OK, READER_OK, SKILLS_OK), H1)
    assert s.stamped is True
    assert s.reasons == ()
    # R10/R1: 5 + 15 + 15 = 35 h; 0.5 + 1.5 + 1.5 = 3.5 credits
    assert s.hours == D(35)
    assert s.credits == D("3.5")


def test_r9_result_order_does_not_matter() -> None:
    s = stamp("text", text(SKILLS_OK, MEETING_OK, READER_OK), H1)
    assert s.stamped is True and s.hours == D(35)


def test_r9_missing_required_course_blocks_stamp() -> None:
    s = stamp("text", text(MEETING_OK, READER_OK), H1)
    assert s.stamped is False
    assert len(s.reasons) == 1
    assert "缺少成绩" in s.reasons[0]
    assert "《教师的教学技能》" in s.reasons[0]
    # what was awarded still counts: 5 + 15 = 20 h, 0.5 + 1.5 = 2.0 credits
    assert s.hours == D(20) and s.credits == D("2.0")


def test_r9_no_results_at_all() -> None:
    s = stamp("text", [], H1)
    assert s.stamped is False
    assert len(s.reasons) == 3
    assert all("缺少成绩" in r for r in s.reasons)
    assert s.hours == D(0) and s.credits == D(0)


def test_r9_failed_required_course_blocks_stamp_and_says_why() -> None:
    s = stamp("text", text(MEETING_OK, READER_OK, SKILLS_R3), H1)
    assert s.stamped is False
    assert len(s.reasons) == 1
    assert s.reasons[0].startswith("不合格：《教师的教学技能》")
    assert "博文篇数 3，少于 5" in s.reasons[0]
    # R10: the failed course adds nothing: 5 + 15 = 20 h, 2.0 credits
    assert s.hours == D(20) and s.credits == D("2.0")


def test_r9_absent_from_exam_blocks_stamp() -> None:
    rs = [*text(MEETING_OK, READER_OK),
          result(H1, "text", "teaching-skills", {"blog_score": D(80), "blog_posts": D(5)}, {"exam": "absent"})]
    s = stamp("text", rs, H1)
    assert s.stamped is False
    assert s.reasons == ("不合格：《教师的教学技能》（缺考）",)
    assert s.hours == D(20)


def test_r9_attendance_course_not_attended_blocks_stamp() -> None:
    s = stamp("text", text(MEETING_NO, READER_OK, SKILLS_OK), H1)
    assert s.stamped is False
    assert "桦甸市教师队伍建设师德报告会" in s.reasons[0] and "未参加" in s.reasons[0]
    # 15 + 15 = 30 h; 1.5 + 1.5 = 3.0 credits
    assert s.hours == D(30) and s.credits == D("3.0")


def test_r9_reasons_follow_rules_order() -> None:
    # meeting failed, reader missing, skills failed → three reasons in the rules file's order
    s = stamp("text", text(SKILLS_R3, MEETING_NO), H1)
    assert [r.split("：")[0] for r in s.reasons] == ["不合格", "缺少成绩", "不合格"]
    assert "报告会" in s.reasons[0] and "职业道德规范" in s.reasons[1] and "教学技能" in s.reasons[2]
    assert s.hours == D(0) and s.credits == D(0)


def test_r9_failed_course_without_reason_has_no_empty_brackets() -> None:
    rs = [*text(MEETING_OK, READER_OK), CourseResult("teaching-skills", False, "", D(0), D(0))]
    s = stamp("text", rs, H1)
    assert s.reasons == ("不合格：《教师的教学技能》",)


def test_r9_kindergarten_track() -> None:
    # R4: 0.5·80 + 0.5·60 = 70.0 → 15 h; theme-activity exam 65 → 65.0 → 20 h; 35 h, 3.5 credits
    rs = [result(H1, "kindergarten", "ethics-reader", {"kg_assessment": D(80), "city_exam": D(60)}),
          result(H1, "kindergarten", "theme-activity", {"exam": D(65)})]
    s = stamp("kindergarten", rs, H1)
    assert s.stamped is True
    assert s.hours == D(35) and s.credits == D("3.5")


def test_r9_online_track_not_eligible_blocks_stamp() -> None:
    ok = {"hours_done": D(15), "homework": True, "forum_posts": D(3)}
    rs = [result(H2, "online", "school-research-2", {**ok, "exam": D(75)}),
          result(H2, "online", "teaching-strategy", {**ok, "forum_posts": D(1), "exam": D(99)})]
    s = stamp("online", rs, H2)
    assert s.stamped is False
    assert "《上好课——教学策略》" in s.reasons[0] and "未达报考条件" in s.reasons[0]
    assert s.hours == D(15) and s.credits == D("1.5")


# --- electives: a rules file with one elective beside the required courses --------------------


@pytest.fixture()
def with_elective(tmp_path: Path) -> TermRules:
    shutil.copy(ROOT / "rules" / "_huadian-2009-common.yaml", tmp_path)
    (tmp_path / "elective.yaml").write_text("""\
base: _huadian-2009-common.yaml
term: {id: 2099-h1, name: 测试学期}
track: {id: text, name: 文本}
courses:
  - id: core
    name: 《必修课》
    required: true
    hours: 15
    components:
      - {field: exam, weight: 1}
  - id: extra
    name: 《选修课》
    required: false
    hours: 10
    components:
      - {field: exam, weight: 1}
""", encoding="utf-8")
    book = load_rules([tmp_path])
    assert book.ok, book.problems
    return book.terms["2099-h1"]


def test_r9_elective_not_taken_does_not_block(with_elective: TermRules) -> None:
    s = stamp("text", [result(with_elective, "text", "core", {"exam": D(70)})], with_elective)
    assert s.stamped is True
    assert s.hours == D(15) and s.credits == D("1.5")


def test_r9_passed_elective_adds_its_hours(with_elective: TermRules) -> None:
    rs = [result(with_elective, "text", "core", {"exam": D(70)}),
          result(with_elective, "text", "extra", {"exam": D(60)})]  # 60.0 ≥ 60 → pass, 10 h
    s = stamp("text", rs, with_elective)
    assert s.stamped is True
    # 15 + 10 = 25 h; 1.5 + 1.0 = 2.5 credits (R1: 10 h → 1 credit)
    assert s.hours == D(25) and s.credits == D("2.5")


def test_r9_failed_elective_blocks_stamp(with_elective: TermRules) -> None:
    rs = [result(with_elective, "text", "core", {"exam": D(70)}),
          result(with_elective, "text", "extra", {"exam": D("59.94")})]  # 59.94 → 59.9 < 60 → fail
    s = stamp("text", rs, with_elective)
    assert s.stamped is False
    assert len(s.reasons) == 1
    assert "不合格" in s.reasons[0] and "《选修课》" in s.reasons[0] and "59.9" in s.reasons[0]
    # only the required course was awarded
    assert s.hours == D(15) and s.credits == D("1.5")
