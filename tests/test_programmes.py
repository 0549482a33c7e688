"""Programmes (项目) and the year's standards: the shipped Zhangdian file, every way a
programme file can be wrong, and `judge` on cases worked out by hand (R1, R12, R13, R15, R17).

Error cases are written to tmp_path and loaded with the real `load_rules`; line numbers are
computed from the text written.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credittool.commands.check import check
from credittool.commands.ingest import choose_term
from credittool.errors import UsageError
from credittool.rules.loader import RuleBook, load_rules
from credittool.rules.programmes import ProgrammeSet
from credittool.score.standards import describe, judge, show
from credittool.textnorm import match_key

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
ZHANGDIAN = RULES / "zhangdian-2018-19-s1.yaml"
SEED = ROOT.parent / "shared" / "seeds" / "002_83523da73abcd89f.txt"
HUADIAN_SEED = ROOT.parent / "shared" / "seeds" / "000_ca28007254388582.txt"
D = Decimal


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return load_rules([RULES])


@pytest.fixture(scope="module")
def zd(book: RuleBook) -> ProgrammeSet:
    ps = book.terms["2018-19-s1"].programmes
    assert ps is not None
    return ps


# --- the shipped file -------------------------------------------------------------------------


def test_zhangdian_term_is_a_year_of_programmes_beside_huadian(book: RuleBook, zd: ProgrammeSet) -> None:
    assert book.problems == []
    term = book.terms["2018-19-s1"]
    assert (term.term_name, term.year) == ("2018-2019学年第一学期", "2018-19")
    assert term.by_track == {}  # no exam courses this term
    assert [c.name for c in zd.categories] == ["面对面培训", "网络研修", "校本研修"]
    # R13: the district's subject training, the eight programmes of the 83281 system, the
    # province's online training, its make-up and school-based training
    assert [p.name for p in zd.programmes] == [
        "全员学科研修", "新教师三年联训", "班主任培训", "学科骨干教师培训", "科研骨干培训", "初中教研组长培训",
        "中层干部培训", "校长培训", "合作学习种子教师培训", "省网络全员研修", "网络补训", "校本培训"]
    cat = {p.name: zd.category_names[p.category] for p in zd.programmes}
    assert {n for n, c in cat.items() if c == "面对面培训"} == {
        "全员学科研修", "新教师三年联训", "班主任培训", "学科骨干教师培训", "科研骨干培训", "初中教研组长培训",
        "中层干部培训", "校长培训", "合作学习种子教师培训"}
    assert (cat["省网络全员研修"], cat["网络补训"], cat["校本培训"]) == ("网络研修", "网络研修", "校本研修")
    assert all(p.max_hours == 100 for p in zd.programmes)
    assert {p.name for p in zd.programmes if p.attendance_based} == {"全员学科研修", "网络补训", "校本培训"}
    assert zd.exact_credits_per_hour == D("0.1")  # R1


@pytest.mark.parametrize(("alias", "pid"), [
    ("省级网络研修", "province-online"), ("互联网+教师专业发展工程", "province-online"),
    ("“互联网+教师专业发展工程”", "province-online"), ("新教师培训", "new-teacher"), ("骨干教师培训", "backbone"),
    ("校本研修", "school-based"), ("学科备课会", "subject-training"), ("片区研修", "subject-training"),
    ("班主任培训", "head-teacher"), ("网络补训", "makeup-online"),
])
def test_programme_aliases(book: RuleBook, alias: str, pid: str) -> None:
    assert book.terms["2018-19-s1"].programme_names[match_key(alias)] == pid


def test_r17_shipped_standards_and_which_are_assumed(zd: ProgrammeSet) -> None:
    assert describe(zd) == [
        "面对面培训 ≥ 24 学时（假定，待确认）",  # the plan: 人人达标, no number
        "网络补训计入面对面培训，以差额为限",  # R12: the plan says 面对面培训与网络补训相结合
        "省网络全员研修须完成",  # 确保人人完成省级研修任务
        "合计 ≥ 72 学时（假定，待确认）",  # R15: 360 over five years, evenly
        "校本研修至多计入合计 24 学时（假定，待确认）",
    ]


def _quotes(text: str) -> list[str]:
    """The "…" quotations of a rules file's comments, a quotation continued over comment lines joined."""
    comments = "".join(line.split("#", 1)[1].strip() for line in text.splitlines() if "#" in line)
    return re.findall(r'"([^"]+)"', comments)


def test_every_quote_in_the_zhangdian_file_is_a_seed_verbatim() -> None:
    """The Zhangdian plan's, but R14's 课题 weights, which come from the Huadian plan."""
    zhangdian = SEED.read_text(encoding="utf-8").replace("\n", "")
    huadian = HUADIAN_SEED.read_text(encoding="utf-8").replace("\n", "")
    quotes = _quotes(ZHANGDIAN.read_text(encoding="utf-8"))
    assert len(quotes) >= 12
    for q in quotes:
        for part in filter(None, (p.strip() for p in q.split("…"))):
            assert part in zhangdian or part in huadian, part
    r14 = "课题纳入年末督导评估中,设一定的权重分"
    assert any(r14 in q for q in quotes) and r14 in huadian


@pytest.mark.parametrize("sentence", [
    "面对面培训与网络补训相结合,确保区域内教师“面对面培训”人人达标。",  # R12, item 17
    "确保人人完成省级研修任务。",  # the province's online training, item 17
    "“2研”:教师全员学科研修和省网络全员研修。",  # item 14
    "8项教师培训,即新教师三年联训、班主任培训、学科骨干教师培训、科研骨干培训、",  # item 14 (R13)
    "组织全区5263名教师参加了2018年“互联网+教师专业发展工程”的报名和网络研修。",  # item 9
    "继续做好每五年一轮的中小学班主任培训工作。",  # item 16
])
def test_the_seed_sentences_on_programmes_and_standards_are_quoted(sentence: str) -> None:
    assert sentence in SEED.read_text(encoding="utf-8")
    assert any(sentence.rstrip("、") in q for q in _quotes(ZHANGDIAN.read_text(encoding="utf-8"))), sentence


def test_check_lists_programmes_and_standards(book: RuleBook) -> None:
    term = next(t for t in check([], rules=[RULES]).terms if t["id"] == "2018-19-s1")
    assert term["year"] == "2018-19" and term["courses"] == []
    rows = {p["name"]: p for p in term["programmes"]}
    assert rows["网络补训"] == {"id": "makeup-online", "name": "网络补训", "category": "网络研修", "max_hours": "100",
                            "hours": "按名册", "passing": "出勤即合格"}
    assert rows["省网络全员研修"]["passing"] == "看结果（合格、结业…）"
    assert term["standards"][0] == "面对面培训 ≥ 24 学时（假定，待确认）"


def test_a_term_of_courses_and_programmes_both_is_not_read_yet(tmp_path: Path) -> None:
    text = (RULES / "huadian-2009-h1-text.yaml").read_text(encoding="utf-8")
    (tmp_path / "_huadian-2009-common.yaml").write_text((RULES / "_huadian-2009-common.yaml").read_text("utf-8"), "utf-8")
    (tmp_path / "c.yaml").write_text(text, "utf-8")
    (tmp_path / "p.yaml").write_text(GOOD.replace("{id: 2099-s1, name: 2099学年第一学期,", "{id: 2009-h1, name: 2009年1—6月,"),
                                     "utf-8")
    book = load_rules([tmp_path])
    assert book.problems == [], [p.message for p in book.problems]
    with pytest.raises(UsageError) as exc:
        choose_term(book, "2009-h1")
    assert "既有课程又有培训项目" in exc.value.message


def test_a_programme_file_needs_the_name_and_id_headers_and_distinct_result_words(tmp_path: Path) -> None:
    book = load(tmp_path, GOOD.replace("  name: [姓名]\n", "").replace("  no: [不合格]", "  no: [不合格, 合格]"))
    messages = [p.message for p in book.problems]
    assert any("fields 必须给出 name 的表头名称" in m for m in messages), messages
    assert any("合格 既表示合格又表示不合格" in m for m in messages), messages


# --- a programme file that is wrong: every mistake at its line ---------------------------------

GOOD = """\
term: {id: 2099-s1, name: 2099学年第一学期, year: 2099-00}
categories:
  - {id: f2f, name: 面对面培训}
  - {id: web, name: 网络研修}
  - {id: school, name: 校本研修}
programmes:
  - id: subject
    name: 学科研修
    category: f2f
    attendance_based: true
    max_hours: 100
  - id: makeup
    name: 网络补训
    category: web
    max_hours: 100
  - id: province
    name: 省网络研修
    category: web
    max_hours: 50
  - id: school
    name: 校本培训
    category: school
    max_hours: 100
standards:
  minimums:
    - {category: f2f, hours: 24}
  make_up:
    - {programme: makeup, toward: f2f}
  required:
    - {programme: province}
  total: {hours: 72}
  caps:
    - {category: school, hours: 24}
fields:
  name: [姓名]
  id: [身份证号]
  unit: [单位]
  course: [项目]
  hours: [学时]
  result: [考核结果]
result_words:
  yes: [合格]
  no: [不合格]
"""


def load(tmp_path: Path, text: str) -> RuleBook:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rules([path])


def line_of(text: str, needle: str) -> int:
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if line.rstrip() == needle]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def only(book: RuleBook) -> tuple[int | None, str, str]:
    assert len(book.problems) == 1, [p.message for p in book.problems]
    p = book.problems[0]
    return p.rule.line, p.rule.path, p.message


@pytest.fixture()
def good(tmp_path: Path) -> ProgrammeSet:
    book = load(tmp_path, GOOD)
    assert book.problems == []  # positive control: each case below changes GOOD in one place
    ps = book.terms["2099-s1"].programmes
    assert ps is not None
    return ps


def test_a_programme_of_an_undeclared_category_is_named_at_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("    category: web\n    max_hours: 50", "    category: online\n    max_hours: 50")
    assert only(load(tmp_path, text)) == (line_of(text, "    category: online"), "programmes[2].category",
                                          "类别 online 未在 categories 中声明（已声明：f2f、school、web）")


def test_a_standard_naming_an_unknown_programme_is_named_at_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("{programme: province}", "{programme: provinse}")
    line, path, msg = only(load(tmp_path, text))
    assert (line, path) == (line_of(text, "    - {programme: provinse}"), "standards.required[0].programme")
    assert msg.startswith("项目 provinse 未在 programmes 中声明")


def test_a_make_up_toward_a_category_without_a_minimum_is_an_error(tmp_path: Path) -> None:
    text = GOOD.replace("{programme: makeup, toward: f2f}", "{programme: makeup, toward: school}")
    assert only(load(tmp_path, text))[2] == "补训计入的类别 school 没有最低学时要求（standards.minimums），无差额可补"


def test_a_duplicate_programme_id_names_the_first(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: school\n    name: 校本培训", "  - id: subject\n    name: 校本培训")
    line, path, msg = only(load(tmp_path, text))
    assert (path, msg) == ("programmes[3].id", "项目 id 重复：subject（第一次在 programmes[0]）")
    assert line == [i + 1 for i, ln in enumerate(text.splitlines()) if ln == "  - id: subject"][1]


def test_a_typo_of_a_programme_key_is_named_with_the_key_meant(tmp_path: Path) -> None:
    text = GOOD.replace("    max_hours: 50", "    max_hour: 50")
    assert only(load(tmp_path, text)) == (line_of(text, "    max_hour: 50"), "programmes[2].max_hour",
                                          "未知的键 max_hour，是否应为 max_hours？")


def test_hours_written_as_text_are_an_error(tmp_path: Path) -> None:
    text = GOOD.replace("total: {hours: 72}", 'total: {hours: "72"}')
    assert only(load(tmp_path, text))[1:] == ("standards.total.hours", "必须是数字，现在是 “72”")


def test_a_programme_file_needs_its_school_year(tmp_path: Path) -> None:
    text = GOOD.replace(", year: 2099-00}", "}")
    assert only(load(tmp_path, text))[1:] == ("term.year", "缺少必填的键")


def test_fixed_hours_above_the_row_maximum_are_an_error(tmp_path: Path) -> None:
    text = GOOD.replace("    max_hours: 50", "    max_hours: 50\n    fixed_hours: 60")
    assert only(load(tmp_path, text))[2] == "项目 province：fixed_hours 60 超过 max_hours 50"


def test_courses_and_programmes_in_one_file_are_refused(tmp_path: Path) -> None:
    text = GOOD + "courses: []\n"
    line, path, msg = only(load(tmp_path, text))
    assert (line, path) == (line_of(text, "programmes:"), "programmes")
    assert msg.startswith("一个规则文件只写课程（courses）或只写培训项目（programmes）")


def test_a_name_that_is_a_course_and_a_programme_of_one_term_is_an_error(tmp_path: Path) -> None:
    # the Huadian 2009-h1 text track beside a programme file of the same term naming a course
    huadian = (RULES / "huadian-2009-h1-text.yaml").read_text(encoding="utf-8")
    (tmp_path / "_huadian-2009-common.yaml").write_text(
        (RULES / "_huadian-2009-common.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "a.yaml").write_text(huadian, encoding="utf-8")
    text = GOOD.replace("{id: 2099-s1, name: 2099学年第一学期,", "{id: 2009-h1, name: 2009年1—6月,").replace(
        "    name: 学科研修", "    name: 学科研修\n    aliases: [教学技能]")
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    book = load_rules([tmp_path])
    assert [p.message for p in book.problems] == [
        "「教学技能」在学期 2009-h1 中既是课程 teaching-skills 又是项目 subject；一个名称只能指一样东西"]


# --- the year's verdict, worked out by hand -----------------------------------------------------


def test_r12_make_up_counts_only_up_to_the_shortfall(good: ProgrammeSet) -> None:
    # 面对面 18 of 24: short 6. 网络补训 10 → 6 count toward 面对面, all 10 stay in the total.
    v = judge({"subject": D(18), "makeup": D(10), "province": D(30), "school": D(20)},
              {"subject", "makeup", "province", "school"}, good)
    assert v.hours == {"f2f": D(18), "web": D(40), "school": D(20)}
    assert v.made_up == {"makeup": D(6)}
    assert v.total == D(78)  # 18 + 40 + 20
    assert v.credits == D("7.8")  # R1
    assert (v.met, v.reasons) == (True, ())


def test_r12_make_up_short_of_the_shortfall_is_shown_in_the_reason(good: ProgrammeSet) -> None:
    v = judge({"subject": D(18), "makeup": D(4), "province": D(30), "school": D(24)},
              {"subject", "makeup", "province", "school"}, good)
    assert v.made_up == {"makeup": D(4)}
    assert v.reasons == ("面对面培训 22/24 学时（含网络补训 4 学时），差 2 学时",)  # total 18 + 34 + 24 = 76 ≥ 72


def test_r12_no_shortfall_no_make_up(good: ProgrammeSet) -> None:
    v = judge({"subject": D(30), "makeup": D(10), "province": D(40)}, {"subject", "makeup", "province"}, good)
    assert v.made_up == {}
    assert (v.total, v.met) == (D(80), True)


def test_r17_the_cap_limits_school_based_hours_in_the_total(good: ProgrammeSet) -> None:
    # 校本 60 counts 24: total 24 + 20 + 24 = 68 < 72, though the hours sum to 104
    v = judge({"subject": D(24), "province": D(20), "school": D(60)}, {"subject", "province", "school"}, good)
    assert v.hours["school"] == D(60)
    assert v.total == D(68)
    assert v.reasons == ("合计 68/72 学时",)


@pytest.mark.parametrize(("province", "met"), [(D(28), True), (D(27), False)])
def test_r15_exactly_72_passes_and_71_fails(good: ProgrammeSet, province: Decimal, met: bool) -> None:
    # 24 face-to-face + 28 province online + 20 school-based = 72; with 27 online hours, 71
    v = judge({"subject": D(24), "province": province, "school": D(20)}, {"subject", "province", "school"}, good)
    assert v.total == province + 44
    assert v.met is met
    assert v.reasons == (() if met else ("合计 71/72 学时",))


def test_r17_a_teacher_with_nothing_misses_every_standard_with_its_numbers(zd: ProgrammeSet) -> None:
    # a staff-list teacher with no accepted row anywhere (R17: everyone on the list is held to them)
    v = judge({}, set(), zd)
    assert v.hours == {"face-to-face": D(0), "online": D(0), "school-based": D(0)}
    assert (v.total, v.met) == (D(0), False)
    assert v.reasons == ("面对面培训 0/24 学时，差 24 学时", "省网络全员研修未完成", "合计 0/72 学时")
    assert v.missed == ("minimum:face-to-face", "required:province-online", "total")


def test_r17_the_shipped_standards_on_a_typical_year(zd: ProgrammeSet) -> None:
    # 全员学科研修 12 + 班主任培训 6 = 18 face-to-face; 网络补训 8 → 6 count; 省网络全员研修 30 passed;
    # 校本培训 30 → 24 count. Total 18 + 38 + 24 = 80 ≥ 72; 面对面 18 + 6 = 24 ≥ 24.
    v = judge({"subject-training": D(12), "head-teacher": D(6), "makeup-online": D(8), "province-online": D(30),
               "school-based": D(30)}, {"subject-training", "head-teacher", "makeup-online", "province-online",
                                        "school-based"}, zd)
    assert v.made_up == {"makeup-online": D(6)}
    assert (v.total, v.credits, v.met) == (D(80), D("8.0"), True)


def test_r17_a_required_programme_not_passed_fails_whatever_the_hours(zd: ProgrammeSet) -> None:
    v = judge({"subject-training": D(40), "school-based": D(40), "province-online": D(0)},
              {"subject-training", "school-based"}, zd)
    assert v.reasons == ("省网络全员研修未完成", "合计 64/72 学时")  # 40 + 0 + 24


def test_hours_are_shown_as_a_clerk_writes_them() -> None:
    assert [show(D(x)) for x in ("24", "24.0", "17.5", "1E+2", "0.50")] == ["24", "24", "17.5", "100", "0.5"]


# --- properties -------------------------------------------------------------------------------

HOURS = st.decimals(min_value=0, max_value=100, places=1, allow_nan=False, allow_infinity=False)
PROGRAMMES = ("subject", "makeup", "province", "school")


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(PROGRAMMES), HOURS), st.sets(st.sampled_from(PROGRAMMES)),
       st.randoms(use_true_random=False))
def test_make_up_never_counts_more_than_the_shortfall_and_order_does_not_matter(
        tmp_path_factory: pytest.TempPathFactory, hours: dict, passed: set, rnd) -> None:  # noqa: ANN001
    ps = _good(tmp_path_factory)
    v = judge(hours, passed, ps)
    counted = v.made_up.get("makeup", D(0))
    assert counted <= hours.get("makeup", D(0))
    assert counted <= max(D(24) - hours.get("subject", D(0)), D(0))  # R12: up to the shortfall
    assert v.total <= sum(hours.values(), D(0))
    items = list(hours.items())
    rnd.shuffle(items)
    assert judge(dict(items), sorted(passed, reverse=True), ps) == v


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(PROGRAMMES), HOURS), st.sampled_from(PROGRAMMES), HOURS)
def test_more_hours_never_turn_a_met_standard_into_a_missed_one(
        tmp_path_factory: pytest.TempPathFactory, hours: dict, more: str, extra: Decimal) -> None:
    ps = _good(tmp_path_factory)
    passed = set(hours)
    before = judge(hours, passed, ps)
    after = judge({**hours, more: hours.get(more, D(0)) + extra}, passed | {more}, ps)
    assert after.total >= before.total
    assert len(after.reasons) <= len(before.reasons)
    if before.met:
        assert after.met


_CACHE: dict[str, ProgrammeSet] = {}


def _good(factory: pytest.TempPathFactory) -> ProgrammeSet:
    if "good" not in _CACHE:
        book = load(factory.mktemp("good"), GOOD)
        _CACHE["good"] = book.terms["2099-s1"].programmes  # type: ignore[assignment]
    return _CACHE["good"]
