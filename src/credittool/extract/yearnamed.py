"""The school year a file says it is of: in its name, a sheet's name, or the title above a
table (2017-2018学年…, 2017-18学年…, 2017年…). Files are replaced by name within a term, so
a folder of one year ingested under another year's --term would silently replace that
term's files of the same names; a file that names another year stops the ingest instead
(`ingest --any-year` reads it all the same).

How strongly a text says it: a school year (2017-2018学年, 2016.9-2017.7学年, 16-17学年,
二〇一七—二〇一八学年) is said wherever it is written, the sheet's name and every row above
its header included; a calendar year (2017年) only in the file's name and a table's first
title row, and it fits the school year it may begin or end (2017年: 2016-17 or 2017-18). A
text that names the term's own school year is of it, whatever else it mentions (…（含补报
2016-2017学年）); a cohort (2015级, 2015届, 2015年入职) and a document cited in 《…》 name none.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from credittool.diagnostics import Problem
from credittool.read.readers import Sheet

_DASH = r"\s*[-—–~～至到/]\s*"
_MONTH = r"(?:\s*[.．]\s*\d{1,2})?"  # 2016.9-2017.7学年: the months of the year's bounds
# 2017-2018学年, 2017－18学年度, 2017/2018学年, 2016.9-2017.7学年, 16-17学年, 2017-2018年度,
# 2017-2018第一学期 (full-width folded first); and, with no word after it, 2017-2018 or
# 2017.9-2018.7 (four digits each, the second year the next; not 2016—2020, a cycle)
_SCHOOL_YEAR = re.compile(rf"(?<!\d)(20\d{{2}}|\d{{2}})({_MONTH}){_DASH}(20\d{{2}}|\d{{2}})({_MONTH})"
                          r"\s*(?:学年度?\s*(?:(第[一二]|[上下])学期)?|年度|(第[一二]|[上下])?学期|年|(?![\d年]))")
# 2016—2020年: a span of years (a cycle), which names no one year
_SPAN = re.compile(r"(?<!\d)(20\d{2})\s*[-—–~～至到]\s*(20\d{2})\s*年")
_SEMESTER = {"第一": 1, "上": 1, "第二": 2, "下": 2}
# 2017年, 2017年度; not the 2018 of 2017-2018学年 (no 年 right after it), nor a cohort
_CALENDAR_YEAR = re.compile(r"(?<!\d)(20\d{2})\s*年(?!\s*(?:入职|入编|招聘|新入职|毕业|修订|版|颁布|印发))")
_DOCUMENT = re.compile(r"《[^》]*》|“[^”]*”|\"[^\"]*\"")  # a document's title cited: its year is its own
_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_CHINESE_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}")


@dataclass(frozen=True, slots=True)
class Title:
    """A text that may say which year a file is of: the file's name (sheet "" and row None),
    a sheet's name (row 0), or a row above a sheet's table; `first`: the file's name or a
    table's first title row, where a calendar year counts too."""

    sheet: str
    row: int | None
    text: str
    first: bool = True


def sheet_titles(sheet: Sheet, header_index: int) -> list[Title]:
    """A sheet's name and the rows above its header that have text, the first of them its title."""
    out = [Title(sheet.name, 0, sheet.name, first=False)]
    for i, row in enumerate(sheet.rows[:header_index]):
        texts = [c.strip() for c in row if isinstance(c, str) and c.strip()]
        if texts:
            out.append(Title(sheet.name, i + 1, " ".join(texts), first=len(out) == 1))
    return out


def _fold(text: str) -> str:
    """`text` as the year patterns read it: full-width folded, a cited document's year taken
    out, 二〇一七 written 2017."""
    text = _DOCUMENT.sub("", unicodedata.normalize("NFKC", text))
    return _CHINESE_YEAR.sub(lambda m: m[0].translate(_CHINESE_DIGITS), text)


def _mentions(text: str, calendar: bool) -> list[tuple[str, set[int]]]:
    """The years `text` names, each with the school years it can be of, by their first year:
    2017-2018学年 → {2017}; 2017年 → {2016, 2017} (the spring or the autumn of 2017); 2017年秋季
    or 2017年9月 → {2017} (it begins 2017-18); 2017年春 or 2017年3月 → {2016} (it ends 2016-17)."""
    text = _fold(text)
    found = [(shown, {a}) for shown, a, _ in _school_years(text)]
    if calendar:
        # shown with the half or months that decide it: 「2017年秋季」, not 「2017年」 (which may be of it)
        for _, shown, y, months in _calendar_months(_SPAN.sub("", _SCHOOL_YEAR.sub("", text))):
            spring, autumn = months is not None and max(months) <= 7, months is not None and min(months) >= 7
            found.append((shown, {y - 1} if spring else {y} if autumn else {y - 1, y}))
    return found


def _school_years(text: str) -> list[tuple[str, int, int | None]]:
    """(as written, first year, 1 or 2 for its first or second 学期 or None) of each school year
    `text` names (folded). Two-digit years (16-17) count only with a word after them (学年 …)."""
    found = []
    for m in _SCHOOL_YEAR.finditer(text):
        bare = not m[0].rstrip().endswith(("学年", "学年度", "年度", "学期"))
        if bare and (len(m[1]) < 4 or len(m[3]) < 4):
            continue
        a, b = (int(g) if len(g) == 4 else 2000 + int(g) for g in (m[1], m[3]))
        if b == a + 1:
            found.append((m[0].strip(), a, _SEMESTER.get(m[5] or m[6] or "")))
    return found


def other_years(file: str, titles: list[Title], year: str) -> list[tuple[Problem, set[int]]]:
    """For each of a file's titles that names a year other than the school year `year`
    (2016-17) and not that year itself, a problem and the first years of the school years it
    may be of instead: 2017-2018学年 ({2017}) or 2018年 ({2017, 2018}) is not of 2016-17;
    2017年 may be."""
    first = int(year[:4])
    found = []
    for t in titles:
        said = _mentions(t.text, calendar=t.first)
        if any(firsts == {first} for _, firsts in said):
            continue  # it names this year: whatever else it mentions is a remark
        seen = next(((shown, firsts) for shown, firsts in said if first not in firsts), None)
        if seen is not None:
            where = "文件名" if t.row is None else "工作表名" if t.row == 0 else "标题"
            found.append((Problem(file, t.sheet, t.row or None, "", t.text, "E-TERM-YEAR",
                                  f"{where}写的是「{seen[0]}」，不是 {year} 学年"), seen[1]))
    return found


_TERM_MONTHS = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*[-—–~～至到]\s*(\d{1,2})\s*月")
# what may follow 2009年: 上半年, 下半年, 春季, 秋, 7月, 九月, 7—12月
_MONTH_WORD = r"\d{1,2}|十[一二]?|[一二三四五六七八九]"
_HALF = re.compile(rf"\s*(上半年|下半年|春季?|秋季?|({_MONTH_WORD})\s*(?:[-—–~～至到]\s*({_MONTH_WORD}))?\s*月)")
_HALVES = {"上半年": range(1, 7), "春": range(1, 7), "春季": range(1, 7),
           "下半年": range(7, 13), "秋": range(7, 13), "秋季": range(7, 13)}
_CHINESE_MONTHS = {w: i for i, w in enumerate("一二三四五六七八九十", 1)} | {"十一": 11, "十二": 12}


def _month(word: str) -> int:
    return int(word) if word.isdigit() else _CHINESE_MONTHS[word]


def _calendar_months(text: str) -> list[tuple[str, str, int, range | None]]:
    """(the year as written, it with what follows it, the year, the months it names or None
    for the whole year) of each calendar year `text` (folded) names: 2009年7—12月 → (2009年,
    2009年7—12月, 2009, 7 … 12)."""
    found = []
    for m in _CALENDAR_YEAR.finditer(text):
        half = _HALF.match(text, m.end())
        if half is None:
            found.append((m[0], m[0], int(m[1]), None))
        elif half[2]:
            found.append((m[0], m[0] + half[1], int(m[1]), range(_month(half[2]), _month(half[3] or half[2]) + 1)))
        else:
            found.append((m[0], m[0] + half[1], int(m[1]), _HALVES[half[1]]))
    return found


def term_months(term_name: str) -> tuple[int, range] | None:
    """The calendar year and months a term of courses names: 2009年1—6月 → (2009, 1 … 6)."""
    m = _TERM_MONTHS.search(unicodedata.normalize("NFKC", term_name))
    return None if m is None else (int(m[1]), range(int(m[2]), int(m[3]) + 1))


def other_months(file: str, titles: list[Title], term_name: str) -> list[Problem]:
    """For a term of courses named by its months (2009年1—6月): each file name or first title
    row that names another year, or another half of it (2008年…, 2009年下半年…, 2009年7—12月…,
    2009-2010学年第一学期…: the autumn of 2009; 2008-2009学年第二学期 is the spring of 2009)."""
    span = term_months(term_name)
    if span is None:
        return []
    year, months = span
    found = []
    for t in titles:
        if not t.first:
            continue
        text = _fold(t.text)
        said = [(shown, [(y, ms)]) for _, shown, y, ms in _calendar_months(_SPAN.sub("", _SCHOOL_YEAR.sub("", text)))]
        said += [(shown, [(a, range(9, 13))] if sem == 1 else [(a + 1, range(1, 8))] if sem == 2
                  else [(a, range(9, 13)), (a + 1, range(1, 8))]) for shown, a, sem in _school_years(text)]
        for shown, spans in said:
            if not any(y == year and (ms is None or set(ms) & set(months)) for y, ms in spans):
                where = "文件名" if t.row is None else "标题"
                found.append(Problem(file, t.sheet, t.row or None, "", t.text, "E-TERM-YEAR",
                                     f"{where}写的是「{shown}」，不是 {term_name}"))
                break
    return found
