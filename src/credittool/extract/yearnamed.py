"""The school year a file says it is of: in its name, or in the title above a table
(2017-2018学年…, 2017-18学年…, 2017年…). Files are replaced by name within a term, so a
folder of one year ingested under another year's --term would silently replace that term's
files of the same names; a file that names another year stops the ingest instead."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from credittool.diagnostics import Problem
from credittool.read.readers import Sheet

# 2017-2018学年, 2017－18学年度, 2017至2018学年 (full-width forms are folded first)
_SCHOOL_YEAR = re.compile(r"(?<!\d)(20\d{2})\s*[-—–~～至到]\s*(20\d{2}|\d{2})\s*学年")
# 2017年, 2017年度; not 2017级 (a cohort), nor the 2018 of 2017-2018学年 (no 年 right after it)
_CALENDAR_YEAR = re.compile(r"(?<!\d)(20\d{2})\s*年")
_DOCUMENT = re.compile(r"《[^》]*》")  # a document's title cited in a title: its year is its own


@dataclass(frozen=True, slots=True)
class Title:
    """A text that may say which year a file is of: the file's name (sheet "" and row None)
    or the title row above a sheet's table."""

    sheet: str
    row: int | None
    text: str


def sheet_title(sheet: Sheet, header_index: int) -> Title | None:
    """The first row above the header that has text: a sheet's title, if it has one."""
    for i, row in enumerate(sheet.rows[:header_index]):
        texts = [c.strip() for c in row if isinstance(c, str) and c.strip()]
        if texts:
            return Title(sheet.name, i + 1, " ".join(texts))
    return None


def _mentions(text: str) -> list[tuple[str, set[int]]]:
    """The years `text` names, each with the school years it can be of, by their first year:
    2017-2018学年 → {2017}; 2017年 → {2016, 2017} (the spring or the autumn of 2017)."""
    text = _DOCUMENT.sub("", unicodedata.normalize("NFKC", text))
    found = [(m[0], {int(m[1])}) for m in _SCHOOL_YEAR.finditer(text) if int(m[2]) % 100 == (int(m[1]) + 1) % 100]
    found += [(m[0], {int(m[1]) - 1, int(m[1])}) for m in _CALENDAR_YEAR.finditer(_SCHOOL_YEAR.sub("", text))]
    return found


def other_years(file: str, titles: list[Title], year: str) -> list[tuple[Problem, set[int]]]:
    """For each of a file's titles that names a year other than the school year `year`
    (2016-17), a problem and the first years of the school years it may be of instead:
    2017-2018学年 ({2017}) or 2018年 ({2017, 2018}) is not of 2016-17; 2017年 may be."""
    first = int(year[:4])
    found = []
    for t in titles:
        seen = next(((shown, firsts) for shown, firsts in _mentions(t.text) if first not in firsts), None)
        if seen is not None:
            where = "文件名" if t.row is None else "标题"
            found.append((Problem(file, t.sheet, t.row, "", t.text, "E-TERM-YEAR",
                                  f"{where}写的是「{seen[0]}」，不是 {year} 学年"), seen[1]))
    return found
