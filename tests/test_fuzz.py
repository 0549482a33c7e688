"""Fuzz `ingest` with messy school workbooks built by hypothesis (issue 5).

Each example is one file as a clerk might send it: xlsx (openpyxl) or CSV in UTF-8, UTF-8
with BOM, GB18030 or a wrong encoding; title rows, merged titles, blank rows, totals rows,
noise columns in any order; cells of every type (numbers, numeric text, full-width digits,
status words, blanks, booleans, dates); valid and invalid ID numbers. Whatever it holds:

- ingest raises nothing but CredittoolError;
- for every file, rows read = accepted + rejected + skipped;
- every ledger row has an 18-character ID with a valid check digit, a name, a known course;
- a file we wrote correctly is never called damaged or hostile by preflight.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import TEXT_H1
from credittool.errors import CredittoolError
from credittool.ids import check_char
from credittool.commands.ingest import ingest, load_term

EXAMPLES = 500
COURSES = set(load_term([TEXT_H1], None).courses.values())
ran: list[int] = []

# field → headers clerks write (some recognised, some not)
HEADERS = {
    "name": ["姓名", "教师姓名", "名字"],
    "id": ["身份证号", "身份证号码", "证件号码", "身份证"],
    "unit": ["学校", "单位", "工作单位"],
    "course": ["课程", "课程名称"],
    "attendance": ["出勤", "是否参加", "参加情况"],
    "exam": ["考试成绩", "考试成绩（70%）", "成绩"],
    "blog_posts": ["博文篇数", "博文数"],
    "blog_score": ["博文成绩", "博文成绩（30%）"],
    "track": ["培训类型"],
}
NOISE = ["序号", "备注", "电话", "性别", "", "学段", "任教学科"]
COURSE_TEXT = ["师德报告会", "师德读本", "教学技能", "《教师的教学技能》", "中小学教师职业道德规范", "英语", "", "教学 技能"]
SHEET_NAMES = ["教学技能", "师德读本", "师德报告会", "《教师的教学技能》", "教学技能", "师德读本", "Sheet1", "成绩"]
FULL = str.maketrans("0123456789", "０１２３４５６７８９")
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn")), max_size=8)


BODY = st.from_regex(r"22028219[5-9][0-9](0[1-9]|1[0-2])(0[1-9]|[12][0-9])[0-9]{3}", fullmatch=True)
GOOD_ID = BODY.map(lambda body: body + check_char(body))


@st.composite
def ident(draw):
    body = draw(BODY)
    good = body + check_char(body)
    kind = draw(st.sampled_from(
        ["good"] * 6 + ["bad-check", "short", "number", "lower", "full", "spaces", "15", "sci"]))
    return {
        "good": good,
        "bad-check": body + ("0" if check_char(body) != "0" else "1"),
        "short": good[:-1],
        "number": int(good[:15]) * 1000,
        "lower": good.lower(),
        "full": good.translate(FULL),
        "spaces": f" {good}\u3000",
        "15": good[:6] + good[8:17],
        "sci": "2.20282E+17",
    }[kind]


def score():
    return st.one_of(
        st.integers(-5, 120), st.floats(-1, 101, allow_nan=False), st.integers(0, 100).map(str),
        st.integers(0, 100).map(lambda n: str(n).translate(FULL)),
        st.sampled_from(["缺考", "免考", "补考", "缓考", "85分", " 90 ", ""]),
        st.none(), st.booleans(), st.just(dt.date(2009, 6, 1)), TEXT)


CELL = {
    "name": st.one_of(st.sampled_from(["张三", "李 四", "王五", "=赵六", "", " "]), st.none(), TEXT, st.integers(0, 9)),
    "id": ident(),
    "unit": st.sampled_from(["桦甸市第一中学", "", None, "第一中学"]),
    "course": st.sampled_from(COURSE_TEXT + [None]),
    "attendance": st.sampled_from(["是", "否", "√", "×", "参加", "缺席", "缺考", "", None, True, 1, "x"]),
    "exam": score(),
    "blog_posts": st.one_of(st.integers(-1, 9), st.sampled_from(["5", "五", "", None, 4.5])),
    "blog_score": score(),
    "track": st.sampled_from(["文本", "文本培训", "网联", "?", None]),
}

# what a careful clerk writes: most rows come from these
CLEAN = {
    "name": st.sampled_from(["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十"]),
    "id": GOOD_ID,
    "unit": st.sampled_from(["桦甸市第一中学", None]),
    "course": st.sampled_from(["师德报告会", "师德读本", "教学技能", "《教师的教学技能》"]),
    "attendance": st.sampled_from(["是", "否", "√"]),
    "exam": st.one_of(st.integers(0, 100), st.sampled_from(["缺考", "免考"])),
    "blog_posts": st.integers(0, 9),
    "blog_score": st.integers(0, 100),
    "track": st.sampled_from(["文本", None]),
}


@st.composite
def sheet(draw):
    fields = draw(st.lists(st.sampled_from(list(HEADERS)), min_size=1, max_size=7, unique=True))
    if draw(st.integers(0, 9)) > 0:  # mostly a usable header, for a course's score columns
        fields = list(dict.fromkeys(["name", "id", "exam", "blog_posts", "blog_score"] + fields))
    columns = [(f, draw(st.sampled_from(HEADERS[f]))) for f in fields]
    columns += [(None, h) for h in draw(st.lists(st.sampled_from(NOISE), max_size=2))]
    columns = draw(st.permutations(columns))
    rows: list[list] = []
    for _ in range(draw(st.integers(0, 3))):  # title rows
        rows.append([draw(st.sampled_from(["桦甸市2009年上半年继续教育成绩登记表", "填表人：", None]))])
    header_at = len(rows)
    rows.append([h for _, h in columns])
    messy = draw(st.integers(0, 3))  # 0: every row clean … 3: most rows messy
    people = draw(st.lists(st.one_of(*[st.fixed_dictionaries({f: CLEAN[f] for f in HEADERS})] * (4 - messy),
                                     st.fixed_dictionaries({f: CELL[f] for f in HEADERS})), min_size=1, max_size=25))
    for person in people:
        shape = draw(st.integers(0, 19))
        if shape == 0:
            rows.append([])  # blank row
        elif shape == 1:
            rows.append(["合计"] + [None] * (len(columns) - 1))
        elif shape == 2 and rows[header_at + 1:]:
            rows.append(list(rows[-1]))  # an exact duplicate
        row = [person[f] if f else draw(st.one_of(st.none(), TEXT, st.integers(0, 99))) for f, _ in columns]
        rows.append(row)
    return draw(st.sampled_from(SHEET_NAMES)), rows, header_at


@st.composite
def workbook(draw):
    fmt = draw(st.sampled_from(["xlsx"] * 5 + ["utf-8", "utf-8-sig", "gb18030", "wrong"]))
    n = draw(st.integers(1, 3)) if fmt == "xlsx" else 1
    sheets = [draw(sheet()) for _ in range(n)]
    merge = draw(st.booleans())
    wrong = draw(st.sampled_from(["utf-16-le", "latin-1-mojibake", "bytes"]))
    junk = draw(st.binary(max_size=64))
    return fmt, sheets, merge, wrong, junk


def _cell(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def write(path: Path, fmt: str, sheets, merge: bool, wrong: str, junk: bytes) -> Path:
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        wb.remove(wb.active)
        used = set()
        for name, rows, header_at in sheets:
            title = name if name not in used else f"{name}{len(used)}"
            used.add(title)
            ws = wb.create_sheet(title)
            for r in rows:
                ws.append(r)
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c.data_type in ("f", "e"):
                        c.data_type = "s"  # what the clerk typed, not a formula
            if merge and header_at > 0:
                ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(rows[header_at]), 2))
        path = path.with_suffix(".xlsx")
        wb.save(path)
        return path
    name, rows, _ = sheets[0]
    buf = io.StringIO()
    csv.writer(buf).writerows([[_cell(v) for v in r] for r in rows])
    text = buf.getvalue()
    path = path.with_suffix(".csv")
    if fmt == "wrong":
        data = {"utf-16-le": text.encode("utf-16-le"),
                "latin-1-mojibake": text.encode("utf-8").decode("latin-1").encode("utf-8"),
                "bytes": junk + text.encode("gb18030", "replace")}[wrong]
    else:
        data = text.encode(fmt, "replace")
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def counter():
    yield ran
    print(f"\nfuzz: {len(ran)} examples ran")
    assert len(ran) >= EXAMPLES, f"only {len(ran)} fuzz examples ran"


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                                 HealthCheck.function_scoped_fixture])
@given(book=workbook())
def test_ingest_survives_messy_workbooks(book, counter) -> None:
    counter.append(1)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        school = d / "in" / "桦甸市第一中学"
        school.parent.mkdir()
        path = write(school, *book)
        event(f"format {book[0]}")
        try:
            report = ingest([path], rules=[TEXT_H1], workspace=d / "ws")
        except CredittoolError as exc:
            event(f"refused: {type(exc).__name__}")
            return
        event("some rows accepted" if report.accepted else "no row accepted")
        event("some rows rejected" if report.rejected else "no row rejected")
        for f in report.files:
            if f.status != "无法读取":
                assert f.rows_read == f.accepted + f.rejected + f.skipped, f
        codes = {p.code for p in report.rejects}
        if book[0] != "wrong":
            assert not codes & {"E-FILE-CORRUPT", "E-SHEET-BBOX", "E-XML-DTD", "E-XML-ENCODING", "E-ZIP-RATIO",
                                "E-ZIP-TOTAL", "E-ZIP-ENTRIES", "E-FILE-ENCODING"}, report.rejects
        con = sqlite3.connect(d / "ws" / "ledger.sqlite")
        try:
            entries = con.execute("SELECT id_number, name, course_id FROM entries").fetchall()
        finally:
            con.close()
        assert len(entries) == report.accepted
        for ident_, name, course in entries:
            assert len(ident_) == 18 and ident_[17] == check_char(ident_[:17]), ident_
            assert name.strip(), entries
            assert course in COURSES


def test_mutated_sample_files_never_escape_as_anything_but_read_errors(tmp_path: Path) -> None:
    """2,000 mutants of the sample county's files (raw bytes, and XML edits re-packed with
    valid CRCs so that they reach calamine), read in a subprocess: none may abort it, raise
    anything but ReadError, or take long."""
    import json
    import os
    import subprocess
    import sys

    from conftest import ROOT

    env = {k: v for k, v in os.environ.items() if k != "RUST_BACKTRACE"}
    p = subprocess.run([sys.executable, str(Path(__file__).with_name("hostile_mutate.py")), "2009", "2000",
                        str(tmp_path)], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    result = json.loads(p.stdout)
    print(f"\nmutants: {result['outcomes']}; slowest {result['slowest']:.2f} s; "
          f"parser panics caught: {p.stderr.count('panicked')}")
    assert result["escaped"] == []
    assert result["slowest"] < 10
    assert result["outcomes"]["read"] > 200 and result["outcomes"]["E-FILE-CORRUPT"] > 200  # both paths exercised
