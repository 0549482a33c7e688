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
# 2017-2018学年, 2017－18学年度, 2017/2018学年, 2016.9-2017.7学年, 16-17学年 (full-width folded first)
_SCHOOL_YEAR = re.compile(rf"(?<!\d)(20\d{{2}}|\d{{2}}){_MONTH}{_DASH}(20\d{{2}}|\d{{2}}){_MONTH}\s*学年")
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


def _mentions(text: str, calendar: bool) -> list[tuple[str, set[int]]]:
    """The years `text` names, each with the school years it can be of, by their first year:
    2017-2018学年 → {2017}; 2017年 → {2016, 2017} (the spring or the autumn of 2017)."""
    text = _DOCUMENT.sub("", unicodedata.normalize("NFKC", text))
    text = _CHINESE_YEAR.sub(lambda m: m[0].translate(_CHINESE_DIGITS), text)
    found = []
    for m in _SCHOOL_YEAR.finditer(text):
        a, b = (int(g) if len(g) == 4 else 2000 + int(g) for g in (m[1], m[2]))
        if b == a + 1:
            found.append((m[0], {a}))
    if calendar:
        rest = _SCHOOL_YEAR.sub("", text)
        found += [(m[0], _half(int(m[1]), rest[m.end():])) for m in _CALENDAR_YEAR.finditer(rest)]
    return found


_AUTUMN = re.compile(r"\s*(秋|下半年|(9|10|11|12|九|十|十一|十二)\s*月)")
_SPRING = re.compile(r"\s*(春|上半年|([1-7]|一|二|三|四|五|六|七)\s*月)")


def _half(y: int, after: str) -> set[int]:
    """The school years calendar year `y` may be of, by what follows it: 2017年秋季 and
    2017年9月 begin 2017-18, 2017年春 and 2017年3月 end 2016-17, 2017年 alone either."""
    if _AUTUMN.match(after):
        return {y}
    if _SPRING.match(after):
        return {y - 1}
    return {y - 1, y}


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
_HALF = re.compile(r"\s*(上半年|下半年|(\d{1,2})\s*月)")


def term_months(term_name: str) -> tuple[int, range] | None:
    """The calendar year and months a term of courses names: 2009年1—6月 → (2009, 1 … 6)."""
    m = _TERM_MONTHS.search(unicodedata.normalize("NFKC", term_name))
    return None if m is None else (int(m[1]), range(int(m[2]), int(m[3]) + 1))


def other_months(file: str, titles: list[Title], term_name: str) -> list[Problem]:
    """For a term of courses named by its months (2009年1—6月): each file name or first title
    row that names another year, or another half of it (2008年…, 2009年下半年…, 2009年9月…)."""
    span = term_months(term_name)
    if span is None:
        return []
    year, months = span
    found = []
    for t in titles:
        if not t.first:
            continue
        text = _DOCUMENT.sub("", unicodedata.normalize("NFKC", t.text))
        for m in _CALENDAR_YEAR.finditer(text):
            half = _HALF.match(text, m.end())
            named = range(1, 7) if half and half[1] == "上半年" else range(7, 13) if half and half[1] == "下半年" \
                else range(int(half[2]), int(half[2]) + 1) if half and half[2] else None
            if int(m[1]) != year or (named is not None and not set(named) & set(months)):
                where = "文件名" if t.row is None else "标题"
                shown = m[0] + (half[1] if half else "")
                found.append(Problem(file, t.sheet, t.row or None, "", t.text, "E-TERM-YEAR",
                                     f"{where}写的是「{shown}」，不是 {term_name}"))
                break
    return found
