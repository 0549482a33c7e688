"""Course results (R1–R10) from `credittool.score.scoring`: every example worked out by hand.

The courses are the shipped Huadian 2009 ones (rules/*.yaml, loaded by the real loader):
- text ethics-reader / teaching-skills: 0.7 exam + 0.3 blog_score, blog_posts ≥ 5 (R2, R3)
- text ethics-meeting: attendance only, 5 h (R5)
- kindergarten ethics-reader: 0.5 kg_assessment + 0.5 city_exam (R4); theme-activity: exam, 20 h
- online ethics-reader: exam, prerequisites hours_done ≥ 15, homework ≥ 1, forum_posts ≥ 3 (R6),
  blog_posts ≥ 5 only where the column exists (optional)
Pass mark 60, rounding half up to one decimal.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credittool.extract import cells
from credittool.extract.cells import Vocabulary
from credittool.rules.loader import load_rules
from credittool.rules.schema import Course, Rounding, Ruleset
from credittool.score.scoring import Outcome, evaluate, round_score, weighted

ROOT = Path(__file__).resolve().parents[1]
D = Decimal
ZERO = D(0)
HALF_UP = Rounding.model_validate({"places": 1, "mode": "half_up"})
HALF_EVEN = Rounding.model_validate({"places": 1, "mode": "half_even"})

_BOOK = load_rules([ROOT / "rules"])
assert _BOOK.ok, _BOOK.problems
H1 = _BOOK.terms["2009-h1"]
TEXT: Ruleset = H1.by_track["text"]
ONLINE: Ruleset = H1.by_track["online"]
KG: Ruleset = H1.by_track["kindergarten"]


def run(rs: Ruleset, course_id: str, values: dict[str, Any], statuses: dict[str, str] | None = None,
        present: set[str] | None = None, rounding: Rounding | None = None) -> Outcome:
    """Evaluate as the ingest does; by default every given field's column exists in the sheet."""
    course = rs.course(course_id)
    assert course is not None, course_id
    statuses = statuses or {}
    cols = frozenset(present if present is not None else set(values) | set(statuses))
    return evaluate(course, rs.pass_mark_of(course), rounding or rs.rounding, values, statuses, cols)


def assert_fail(o: Outcome) -> None:
    # R10: nothing is awarded on a fail
    assert o.passed is False
    assert o.hours == ZERO and o.credits == ZERO


def assert_pass(o: Outcome, hours: str, credits: str) -> None:
    assert o.passed is True
    assert o.hours == D(hours) and o.credits == D(credits)
    assert o.missing == ()


def test_shipped_rounding_is_half_up_one_place() -> None:
    assert TEXT.rounding == HALF_UP
    assert TEXT.pass_mark_of(TEXT.course("ethics-reader")) == D(60)


# --- R1 / R5 / R10: hours and credits awarded on a pass ------------------------------------


def test_r5_r1_ethics_meeting_attended_gets_5_hours_half_credit() -> None:
    # R5: 师德报告会 is passed by attending; R1: 5学时 / 10 = 0.5学分
    o = run(TEXT, "ethics-meeting", {"attendance": True})
    assert_pass(o, "5", "0.5")
    assert o.composite is None
    assert o.reasons == ()


def test_r5_ethics_meeting_not_attended_fails() -> None:
    o = run(TEXT, "ethics-meeting", {"attendance": False})
    assert_fail(o)
    assert o.composite is None
    assert any("未参加" in r for r in o.reasons)
    assert o.missing == ()


def test_r5_ethics_meeting_attendance_blank_is_missing() -> None:
    o = run(TEXT, "ethics-meeting", {}, present={"attendance"})
    assert_fail(o)
    assert o.missing == ("attendance",)


def test_r1_15_hours_is_1_5_credits() -> None:
    # R2: 0.7·80 + 0.3·70 = 56 + 21 = 77.0 ≥ 60 → pass; R1: 15 h → 1.5 credits
    o = run(TEXT, "teaching-skills", {"exam": D(80), "blog_score": D(70), "blog_posts": D(6)})
    assert o.composite == D("77.0")
    assert_pass(o, "15", "1.5")


def test_r1_20_hours_is_2_credits() -> None:
    # kindergarten 《主题活动幼儿成长》: exam × 1 = 75 → 75.0 pass; R1: 20 h → 2 credits
    o = run(KG, "theme-activity", {"exam": D(75)})
    assert o.composite == D("75.0")
    assert_pass(o, "20", "2")


# --- R2: text track 70 % exam + 30 % blog --------------------------------------------------


def test_r2_exam_80_blog_50_is_71() -> None:
    # R2: 0.7·80 + 0.3·50 = 56 + 15 = 71.0 → 合格
    o = run(TEXT, "ethics-reader", {"exam": D(80), "blog_score": D(50), "blog_posts": D(5)})
    assert o.composite == D("71.0") and str(o.composite) == "71.0"
    assert_pass(o, "15", "1.5")
    assert o.reasons == ()


def test_r2_weighted_composite_not_the_exam_decides() -> None:
    # R2: 0.7·50 + 0.3·90 = 35 + 27 = 62.0 → 合格 although the exam alone is below 60
    o = run(TEXT, "ethics-reader", {"exam": D(50), "blog_score": D(90), "blog_posts": D(8)})
    assert o.composite == D("62.0")
    assert_pass(o, "15", "1.5")


def test_r2_composite_below_pass_mark_fails() -> None:
    # R2: 0.7·55 + 0.3·60 = 38.5 + 18 = 56.5 < 60 → 不合格
    o = run(TEXT, "ethics-reader", {"exam": D(55), "blog_score": D(60), "blog_posts": D(5)})
    assert_fail(o)
    assert o.composite == D("56.5")
    assert o.reasons == ("综合成绩 56.5 低于 60",)
    assert o.eligible is True


# --- R3: at least 5 blog posts --------------------------------------------------------------


def test_r3_four_posts_fail_despite_high_composite() -> None:
    # R2: 0.7·95 + 0.3·95 = 66.5 + 28.5 = 95.0 ≥ 60, but R3: 4 posts < 5 → 不合格, composite shown
    o = run(TEXT, "ethics-reader", {"exam": D(95), "blog_score": D(95), "blog_posts": D(4)})
    assert_fail(o)
    assert o.composite == D("95.0")
    assert len(o.reasons) == 1
    assert "博文篇数" in o.reasons[0] and "4" in o.reasons[0] and "少于 5" in o.reasons[0]


def test_r3_exactly_five_posts_is_enough() -> None:
    # R3: 不少于5篇 → 5 passes; 0.7·60 + 0.3·60 = 42 + 18 = 60.0
    o = run(TEXT, "ethics-reader", {"exam": D(60), "blog_score": D(60), "blog_posts": D(5)})
    assert o.composite == D("60.0")
    assert_pass(o, "15", "1.5")


def test_r3_float_count_from_excel_is_shown_plainly() -> None:
    # a numeric cell 4.0 → Decimal('4.0'); the reason says 4, not 4.0
    o = run(TEXT, "ethics-reader", {"exam": D(90), "blog_score": D(90), "blog_posts": D("4.0")})
    assert_fail(o)
    assert o.reasons == ("博文篇数 4，少于 5",)


def test_r2_r3_both_reasons_are_given() -> None:
    # 0.7·50 + 0.3·40 = 35 + 12 = 47.0 < 60, and 2 posts < 5: both reasons, composite shown
    o = run(TEXT, "ethics-reader", {"exam": D(50), "blog_score": D(40), "blog_posts": D(2)})
    assert_fail(o)
    assert o.composite == D("47.0")
    assert o.reasons == ("综合成绩 47.0 低于 60", "博文篇数 2，少于 5")


# --- R4: kindergarten 50/50 -----------------------------------------------------------------


def test_r4_kindergarten_half_and_half_pass() -> None:
    # R4: 0.5·80 + 0.5·41 = 40 + 20.5 = 60.5 → 合格 (no blog-post minimum on this course)
    o = run(KG, "ethics-reader", {"kg_assessment": D(80), "city_exam": D(41)})
    assert o.composite == D("60.5")
    assert_pass(o, "15", "1.5")


def test_r4_kindergarten_half_and_half_fail() -> None:
    # R4: 0.5·70 + 0.5·49.8 = 35 + 24.9 = 59.9 < 60 → 不合格
    o = run(KG, "ethics-reader", {"kg_assessment": D(70), "city_exam": D("49.8")})
    assert_fail(o)
    assert o.composite == D("59.9")
    assert "综合成绩 59.9 低于 60" in o.reasons


def test_r4_kindergarten_city_exam_blank_is_missing() -> None:
    o = run(KG, "ethics-reader", {"kg_assessment": D(80)}, present={"kg_assessment", "city_exam"})
    assert_fail(o)
    assert o.missing == ("city_exam",)
    assert o.composite is None


# --- R6: online exam prerequisites ------------------------------------------------------------

ONLINE_OK = {"hours_done": D(15), "homework": True, "forum_posts": D(3)}


def test_r6_all_prerequisites_met_exam_decides() -> None:
    # prerequisites at their minimums (15 h, homework 是, 3 posts); exam 70 × 1 = 70.0 → 合格.
    # No 博文篇数 column in the sheet → the optional R3 minimum is not required.
    o = run(ONLINE, "ethics-reader", {**ONLINE_OK, "exam": D(70)})
    assert o.eligible is True
    assert o.composite == D("70.0")
    assert_pass(o, "15", "1.5")


def test_r6_hours_short_not_eligible_no_composite() -> None:
    # 10 h < 15 h → may not register for the exam → fails even with exam 90 (R6)
    o = run(ONLINE, "ethics-reader", {**ONLINE_OK, "hours_done": D(10), "exam": D(90)})
    assert_fail(o)
    assert o.eligible is False
    assert o.composite is None
    assert len(o.reasons) == 1
    assert o.reasons[0].startswith("未达报考条件")
    assert "已修学时 10 未达到 15" in o.reasons[0]


def test_r6_homework_false_counts_as_not_done() -> None:
    o = run(ONLINE, "ethics-reader", {**ONLINE_OK, "homework": False, "exam": D(90)})
    assert_fail(o)
    assert o.eligible is False and o.composite is None
    assert "作业 否 未达到 1" in o.reasons[0]


def test_r6_homework_true_counts_as_done() -> None:
    # homework 是 (True) meets min 1; exam 61 → 61.0 → 合格
    o = run(ONLINE, "ethics-reader", {**ONLINE_OK, "homework": True, "exam": D(61)})
    assert o.eligible is True
    assert_pass(o, "15", "1.5")


def test_r6_homework_as_count() -> None:
    ok = run(ONLINE, "ethics-reader", {**ONLINE_OK, "homework": D(2), "exam": D(61)})
    assert ok.passed is True
    no = run(ONLINE, "ethics-reader", {**ONLINE_OK, "homework": D(0), "exam": D(61)})
    assert_fail(no)
    assert no.eligible is False
    assert "作业 0 未达到 1" in no.reasons[0]


def test_r6_every_unmet_prerequisite_is_listed() -> None:
    o = run(ONLINE, "ethics-reader", {"hours_done": D(12), "homework": False, "forum_posts": D(2),
                                      "exam": D(80)})
    assert_fail(o)
    assert o.eligible is False
    assert o.reasons == ("未达报考条件：已修学时 12 未达到 15，作业 否 未达到 1，论坛发帖 2 未达到 3",)


def test_r6_unmet_prerequisite_wins_over_blank_one() -> None:
    # forum posts blank, but hours already fail R6: a fail, not a rejected row
    o = run(ONLINE, "ethics-reader", {"hours_done": D(5), "homework": True, "exam": D(80)},
            present={"hours_done", "homework", "forum_posts", "exam"})
    assert_fail(o)
    assert o.eligible is False
    assert o.missing == ()


def test_r6_blank_prerequisite_is_missing() -> None:
    o = run(ONLINE, "ethics-reader", {"homework": True, "forum_posts": D(3), "exam": D(80)},
            present={"hours_done", "homework", "forum_posts", "exam"})
    assert_fail(o)
    assert o.missing == ("hours_done",)


def test_r6_eligible_but_absent_is_quekao() -> None:
    o = run(ONLINE, "ethics-reader", ONLINE_OK, statuses={"exam": "absent"})
    assert_fail(o)
    assert o.eligible is True
    assert o.reasons == ("缺考",)


def test_r3_online_optional_blog_minimum_applies_when_column_exists() -> None:
    # column 博文篇数 present with 4 → fails R3 after the composite 88.0 is computed
    o = run(ONLINE, "ethics-reader", {**ONLINE_OK, "exam": D(88), "blog_posts": D(4)})
    assert_fail(o)
    assert o.eligible is True
    assert o.composite == D("88.0")
    assert o.reasons == ("博文篇数 4，少于 5",)


def test_optional_minimum_column_present_but_blank_is_missing() -> None:
    o = run(ONLINE, "ethics-reader", {**ONLINE_OK, "exam": D(88)},
            present={*ONLINE_OK, "exam", "blog_posts"})
    assert_fail(o)
    assert o.missing == ("blog_posts",)


def test_optional_minimum_column_absent_is_not_required() -> None:
    o = run(ONLINE, "ethics-reader", {**ONLINE_OK, "exam": D(88)}, present={*ONLINE_OK, "exam"})
    assert o.missing == ()
    assert_pass(o, "15", "1.5")


# --- status words -----------------------------------------------------------------------------

TEXT_OK = {"blog_score": D(90), "blog_posts": D(6)}


def test_absent_fails_with_quekao() -> None:
    o = run(TEXT, "ethics-reader", TEXT_OK, statuses={"exam": "absent"})
    assert_fail(o)
    assert o.composite is None
    assert o.reasons == ("缺考",)
    assert o.missing == ()


def test_exempt_passes_with_hours() -> None:
    o = run(TEXT, "ethics-reader", TEXT_OK, statuses={"exam": "exempt"})
    assert_pass(o, "15", "1.5")
    assert o.composite is None
    assert o.reasons == ("免考",)


def test_exempt_kindergarten_20_hours() -> None:
    o = run(KG, "theme-activity", {}, statuses={"exam": "exempt"})
    assert_pass(o, "20", "2")


@pytest.mark.parametrize(("kind", "word"), [("resit", "补考"), ("deferred", "缓考")])
def test_resit_and_deferred_fail_until_the_score_arrives(kind: str, word: str) -> None:
    o = run(TEXT, "ethics-reader", TEXT_OK, statuses={"exam": kind})
    assert_fail(o)
    assert o.composite is None
    assert len(o.reasons) == 1 and word in o.reasons[0]


def test_absent_in_any_component_beats_exempt_in_another() -> None:
    o = run(TEXT, "ethics-reader", {"blog_posts": D(6)}, statuses={"exam": "exempt", "blog_score": "absent"})
    assert_fail(o)
    assert o.reasons == ("缺考",)


def test_status_in_a_non_component_field_is_ignored() -> None:
    # a 缺考 in the spot-test column does not touch the course grade: 0.7·80 + 0.3·80 = 80.0
    o = run(TEXT, "ethics-reader", {"exam": D(80), "blog_score": D(80), "blog_posts": D(5)},
            statuses={"spot_score": "absent"})
    assert o.composite == D("80.0")
    assert_pass(o, "15", "1.5")


# --- missing values ---------------------------------------------------------------------------


def test_blank_component_is_missing_not_zero() -> None:
    o = run(TEXT, "ethics-reader", {"exam": D(80), "blog_posts": D(5)},
            present={"exam", "blog_score", "blog_posts"})
    assert_fail(o)
    assert o.missing == ("blog_score",)
    assert o.composite is None
    assert o.reasons == ()


def test_blank_required_minimum_is_missing() -> None:
    # text blog_posts is not optional: blank → the row cannot be judged
    o = run(TEXT, "ethics-reader", {"exam": D(80), "blog_score": D(80)},
            present={"exam", "blog_score", "blog_posts"})
    assert_fail(o)
    assert o.missing == ("blog_posts",)


def test_required_minimum_column_absent_is_still_missing() -> None:
    o = run(TEXT, "ethics-reader", {"exam": D(80), "blog_score": D(80)}, present={"exam", "blog_score"})
    assert o.missing == ("blog_posts",)


def test_all_blank_lists_every_missing_field() -> None:
    o = run(TEXT, "ethics-reader", {}, present={"exam", "blog_score", "blog_posts"})
    assert set(o.missing) == {"exam", "blog_score", "blog_posts"}
    assert_fail(o)


# --- rounding at the pass mark -----------------------------------------------------------------


def test_rounding_59_95_rounds_up_to_60_and_passes() -> None:
    # R2: 0.7·50.5 + 0.3·82 = 35.35 + 24.6 = 59.95 → half up → 60.0 ≥ 60 → 合格
    o = run(TEXT, "ethics-reader", {"exam": D("50.5"), "blog_score": D(82), "blog_posts": D(5)})
    assert o.composite == D("60.0") and str(o.composite) == "60.0"
    assert_pass(o, "15", "1.5")


def test_rounding_59_94_rounds_down_to_59_9_and_fails() -> None:
    # R2: 0.7·50.5 + 0.3·81.97 = 35.35 + 24.591 = 59.941 → 59.9 < 60 → 不合格; shown as 59.9, never 60.0
    o = run(TEXT, "ethics-reader", {"exam": D("50.5"), "blog_score": D("81.97"), "blog_posts": D(5)})
    assert_fail(o)
    assert o.composite == D("59.9") and str(o.composite) == "59.9"
    assert o.reasons == ("综合成绩 59.9 低于 60",)


@pytest.mark.parametrize(("exam", "composite", "passed"), [
    ("59.95", "60.0", True),  # 1·59.95 = 59.95 → 60.0
    ("59.94", "59.9", False),  # 1·59.94 = 59.94 → 59.9
    ("59.99", "60.0", True),
    ("59.90", "59.9", False),
    ("60", "60.0", True),
])
def test_exam_only_course_rounding_boundary(exam: str, composite: str, passed: bool) -> None:
    o = run(KG, "theme-activity", {"exam": D(exam)})
    assert o.composite == D(composite)
    assert o.passed is passed
    assert o.hours == (D(20) if passed else ZERO)
    assert o.credits == (D(2) if passed else ZERO)


def test_round_score_half_up_vs_half_even() -> None:
    # 60.05: half up → 60.1; half even → 60.0 (0 is even)
    assert round_score(D("60.05"), HALF_UP) == D("60.1")
    assert round_score(D("60.05"), HALF_EVEN) == D("60.0")
    # 59.85: half up → 59.9; half even → 59.8
    assert round_score(D("59.85"), HALF_UP) == D("59.9")
    assert round_score(D("59.85"), HALF_EVEN) == D("59.8")
    # 59.95: both → 60.0 (the digit before is 9, odd, so half even also goes up)
    assert round_score(D("59.95"), HALF_EVEN) == D("60.0")
    # not a tie: 59.851 → 59.9 under both
    assert round_score(D("59.851"), HALF_EVEN) == D("59.9")
    # places 0: 60.5 → 61 / 60; places 2: 59.945 → 59.95 / 59.94
    r0u, r0e = Rounding(places=0, mode="half_up"), Rounding(places=0, mode="half_even")
    assert round_score(D("60.5"), r0u) == D(61) and round_score(D("60.5"), r0e) == D(60)
    r2u, r2e = Rounding(places=2, mode="half_up"), Rounding(places=2, mode="half_even")
    assert round_score(D("59.945"), r2u) == D("59.95") and round_score(D("59.945"), r2e) == D("59.94")


def test_half_even_policy_decides_on_its_own_rounding() -> None:
    # pass mark 60.1, exam-only course, exam 60.05:
    #   half up   → 60.1 ≥ 60.1 → 合格
    #   half even → 60.0 < 60.1 → 不合格, shown as 60.0
    course = KG.course("theme-activity")
    up = evaluate(course, D("60.1"), HALF_UP, {"exam": D("60.05")}, {}, frozenset({"exam"}))
    even = evaluate(course, D("60.1"), HALF_EVEN, {"exam": D("60.05")}, {}, frozenset({"exam"}))
    assert up.passed is True and up.composite == D("60.1")
    assert even.passed is False and even.composite == D("60.0")
    assert even.reasons == ("综合成绩 60.0 低于 60.1",)
    assert_fail(even)


def test_half_even_kindergarten_composite() -> None:
    # R4: 0.5·60 + 0.5·59.7 = 30 + 29.85 = 59.85 → half even → 59.8; half up → 59.9; both fail
    vals = {"kg_assessment": D(60), "city_exam": D("59.7")}
    assert run(KG, "ethics-reader", vals, rounding=HALF_EVEN).composite == D("59.8")
    assert run(KG, "ethics-reader", vals, rounding=HALF_UP).composite == D("59.9")


def test_weighted_is_exact_decimal_arithmetic() -> None:
    # 0.7·85.33 + 0.3·77.77 = 59.731 + 23.331 = 83.062 → 83.1 (binary floats would drift)
    assert weighted([D("85.33"), D("77.77")], [D("0.7"), D("0.3")], HALF_UP) == D("83.1")
    # 0.1 + 0.2 + 0.7 weights on 100 = exactly 100.0
    assert weighted([D(100)] * 3, [D("0.1"), D("0.2"), D("0.7")], HALF_UP) == D("100.0")


def test_weighted_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError):
        weighted([D(80)], [D("0.7"), D("0.3")], HALF_UP)


def test_course_pass_mark_overrides_the_rulesets() -> None:
    course = Course.model_validate({"id": "x", "name": "X", "required": True, "hours": 15, "pass_mark": 70,
                                    "components": [{"field": "exam", "weight": 1}]})
    assert TEXT.pass_mark_of(course) == D(70)
    # 69.95 → 70.0 ≥ 70 → pass; 69.9 → 69.9 < 70 → fail
    assert evaluate(course, D(70), HALF_UP, {"exam": D("69.95")}, {}, frozenset({"exam"})).passed is True
    assert evaluate(course, D(70), HALF_UP, {"exam": D("69.9")}, {}, frozenset({"exam"})).passed is False


def test_score_is_rounded_once_from_cell_to_decision() -> None:
    # a school's formula cell holds 59.945. Rounded once, half up to one place:
    #   1·59.945 = 59.945 → 59.9 < 60 → 不合格
    # (pre-rounding the cell to 59.95 and then the composite to 60.0 would wrongly pass it)
    vocab = Vocabulary(H1.status, H1.yes, H1.no)
    cell = cells.score(59.945, vocab, "考试成绩")
    assert cell.ok
    o = run(KG, "theme-activity", {"exam": cell.value})
    assert o.composite == D("59.9")
    assert_fail(o)


def test_half_even_policy_applies_to_raw_cells_too() -> None:
    # R4 with cells 60 and "59.70": 0.5·60 + 0.5·59.70 = 30 + 29.85 = 59.85 → half even → 59.8
    vocab = Vocabulary(H1.status, H1.yes, H1.no)
    vals = {"kg_assessment": cells.score(60, vocab, "园内考核成绩").value,
            "city_exam": cells.score("59.70", vocab, "统考成绩").value}
    o = run(KG, "ethics-reader", vals, rounding=HALF_EVEN)
    assert o.composite == D("59.8")
    assert_fail(o)


# --- properties ---------------------------------------------------------------------------------

WEIGHT_SETS = [("1",), ("0.7", "0.3"), ("0.3", "0.7"), ("0.5", "0.5"), ("0.6", "0.4"),
               ("0.2", "0.3", "0.5"), ("0.25", "0.25", "0.5"), ("0.1", "0.2", "0.3", "0.4")]
SCORE_FIELDS = ["exam", "blog_score", "kg_assessment", "city_exam"]
score_2dp = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


def _oracle(scores: list[Decimal], weights: tuple[str, ...], places: int) -> Decimal:
    """Independent of the code: integers in units of 1/10000, then half up by integer division."""
    n = sum(int(D(w) * 100) * int(s * 100) for w, s in zip(weights, scores))  # Σ w·s × 10⁴, exact
    q = 10 ** (4 - places)
    return D((n + q // 2) // q).scaleb(-places)  # n ≥ 0, so this is half up


@st.composite
def weighted_case(draw: st.DrawFn) -> tuple[tuple[str, ...], list[Decimal], int]:
    weights = draw(st.sampled_from(WEIGHT_SETS))
    scores = draw(st.lists(score_2dp, min_size=len(weights), max_size=len(weights)))
    places = draw(st.sampled_from([0, 1, 2]))
    return weights, scores, places


@settings(max_examples=200)
@given(weighted_case())
def test_weighted_equals_exact_formula_half_up(case: tuple[tuple[str, ...], list[Decimal], int]) -> None:
    weights, scores, places = case
    rounding = Rounding(places=places, mode="half_up")
    got = weighted(scores, [D(w) for w in weights], rounding)
    expected = _oracle(scores, weights, places)
    assert got == expected
    assert got.as_tuple().exponent == -places  # shown with exactly `places` decimals
    assert D(0) <= got <= D(100)


@settings(max_examples=200)
@given(weighted_case(), st.sampled_from([D(60), D("59.5"), D(0), D(100), D(75), D("60.1")]))
def test_pass_iff_rounded_composite_reaches_pass_mark(case: tuple[tuple[str, ...], list[Decimal], int],
                                                     pass_mark: Decimal) -> None:
    weights, scores, places = case
    fields = SCORE_FIELDS[:len(weights)]
    course = Course.model_validate({
        "id": "prop", "name": "P", "required": True, "hours": 15,
        "components": [{"field": f, "weight": float(w)} for f, w in zip(fields, weights)],
    })
    rounding = Rounding(places=places, mode="half_up")
    values = dict(zip(fields, scores))
    o = evaluate(course, pass_mark, rounding, values, {}, frozenset(fields))
    expected = _oracle(scores, weights, places)
    assert o.composite == expected  # the shown composite is the rounded one …
    assert o.passed is (expected >= pass_mark)  # … and the decision is made on it
    assert o.eligible is True and o.missing == ()
    if o.passed:  # R10 / R1
        assert (o.hours, o.credits) == (D(15), D("1.5"))
        assert o.reasons == ()
    else:
        assert (o.hours, o.credits) == (ZERO, ZERO)
        assert o.composite < pass_mark
        assert o.reasons == (f"综合成绩 {expected} 低于 {pass_mark.normalize():f}",)


@settings(max_examples=100)
@given(st.integers(min_value=1, max_value=10000))
def test_r1_credits_are_hours_over_ten(tenths: int) -> None:
    hours = D(tenths) / 10  # 0.1 … 1000 hours, at most one decimal
    course = Course.model_validate({"id": "h", "name": "H", "required": True, "hours": float(hours),
                                    "attendance_only": True})
    assert course.credit_value * 10 == hours
    o = evaluate(course, D(60), HALF_UP, {"attendance": True}, {}, frozenset({"attendance"}))
    assert (o.hours, o.credits) == (hours, hours / 10)


def test_yes_no_value_under_minimums_is_named_not_a_crash() -> None:
    # a rules file may require homework (作业) to pass, written 是/否 by the school
    from decimal import Decimal

    from credittool.rules.schema import Course, Rounding
    from credittool.score.scoring import evaluate

    course = Course.model_validate({"id": "c", "name": "课", "required": True, "hours": 15,
                                    "components": [{"field": "exam", "weight": 1}],
                                    "minimums": [{"field": "homework", "min": 1}]})
    out = evaluate(course, Decimal(60), Rounding(), {"exam": Decimal(80), "homework": False}, {},
                   frozenset({"exam", "homework"}))
    # 80 ≥ 60, but homework 否 → 不合格, composite still shown (R3-style minimum)
    assert (out.passed, out.composite, out.reasons) == (False, Decimal("80.0"), ("作业 否，少于 1",))
