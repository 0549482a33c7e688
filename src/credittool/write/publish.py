"""The publication copy of the spot-test rankings (R8: 以个人及团体两种方式按成绩降幂排列在网上发布).

PIPL: publish the minimum. A name appears only with its school and score; no ID number,
ever. Every table is cut down to an explicit allow-list of columns (`allowed`), so a column
added to the report rows later can never leak here by accident; and any run of 15 or more
digits left in a value (an ID typed into a name cell) is masked with `ids.mask_id`.

Outputs in out/<term>/publish/: index.html (one static page: inline CSS, no scripts, no
external assets; readable on a phone and printable) and 排名.xlsx (the same two tables).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from credittool.atomic import write_atomic
from credittool.ids import mask_id
from credittool.ledger.report import PERSON_RULE, SCHOOL_RULE, Report, SpotState, spot_notes
from credittool.write.xlsxout import SheetSpec, write_xlsx

PERSON_COLUMNS = ("名次", "单位", "姓名", "抽测成绩")  # the allow-list of 个人排名
SCHOOL_COLUMNS = ("名次", "单位", "抽测人数", "平均成绩", "备注")  # the allow-list of 团体排名
HTML_NAME, XLSX_NAME = "index.html", "排名.xlsx"
FILE_NAMES = (HTML_NAME, XLSX_NAME)
_NUMERIC = {"名次", "抽测成绩", "抽测人数", "平均成绩"}  # right-aligned in the page
_LONG_DIGITS = re.compile(r"\d{15,}[\dXx]*")


INCOMPLETE = "成绩未齐"  # 团体排名's 备注 of a drawn school with teachers still to score
# the public page's sentences: what a reader needs, no rule codes, nothing meant for the clerk
PUBLIC_PERSON_RULE = ("按抽测成绩从高到低排列；成绩相同名次相同，其后名次顺延（如 1、2、2、4），"
                      "同分者按单位、姓名排列。缺考者列在最后，不排名次。")
PUBLIC_SCHOOL_RULE = ("单位平均成绩 = 该校被抽测教师的成绩之和 ÷ 人数，缺考按 0 分计入；按平均成绩从高到低排列，"
                      "相同者名次相同、其后顺延；平均成绩四舍五入保留一位小数。")


@dataclass(frozen=True)
class Masthead:
    """Who publishes, for which term, on which day: the head of the public copy."""
    issuer: str
    published_on: str  # e.g. 2009年7月15日
    partial: bool = False  # published before every score was in (--partial)

    def lines(self, term_name: str) -> list[str]:
        return [f"发布单位：{self.issuer}　学期：{term_name}　发布日期：{self.published_on}"]


@dataclass(frozen=True)
class Publication:
    term_name: str
    people: list[list[Any]]  # rows of PERSON_COLUMNS
    schools: list[list[Any]]  # rows of SCHOOL_COLUMNS
    person_notes: tuple[str, ...]
    school_notes: tuple[str, ...]
    head: tuple[str, ...] = ()  # the masthead's lines (the public copy only)

    @property
    def title(self) -> str:
        return f"{self.term_name} 抽测成绩排名"


def _cell(value: Any) -> Any:
    """A published value: a Decimal as an Excel number, text with any ID-like digits masked."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str):
        return _LONG_DIGITS.sub(lambda m: mask_id(m.group()), value)
    return value


def allowed(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> list[list[Any]]:
    """Rows as lists of exactly `columns`, in that order: every other key is dropped."""
    return [[_cell(row.get(c)) for c in columns] for row in rows]


def build(term_name: str, people: Iterable[Mapping[str, Any]], schools: Iterable[Mapping[str, Any]],
          person_notes: Sequence[str] = (), school_notes: Sequence[str] = (), head: Sequence[str] = ()
          ) -> Publication:
    return Publication(_cell(term_name), allowed(people, PERSON_COLUMNS), allowed(schools, SCHOOL_COLUMNS),
                       tuple(_cell(n) for n in person_notes), tuple(_cell(n) for n in school_notes),
                       tuple(_cell(n) for n in head))


def school_rows(rep: Report) -> list[dict[str, Any]]:
    """Every drawn school: the ranked ones, 「成绩未齐」 where teachers are still to score, and
    after them, unranked, the schools with no result yet, so that none is left out silently."""
    if not rep.spot.has_results:
        return []  # the rankings wait for the first result (the notes say so)
    rows = [s.as_dict() | {"备注": INCOMPLETE if s.unit in rep.spot.missing else None} for s in rep.schools]
    ranked = {s.unit for s in rep.schools}
    return rows + [{"名次": None, "单位": u, "抽测人数": 0, "平均成绩": None, "备注": INCOMPLETE}
                   for u in rep.spot.drawn_units if u not in ranked]


def public_counts(spot: SpotState, partial: bool) -> list[str]:
    """Counts only (never a seed, name or ID)."""
    line = f"本次共抽测 {spot.drawn} 人：已有成绩 {spot.scored} 人，缺考 {spot.absent} 人"
    exempt = spot.pending.get("免考", 0)
    line += f"，免考 {exempt} 人。" if exempt else "。"
    if not partial:
        return [line]
    left = sum(spot.missing.values())
    return [line, f"本名单为部分结果：尚有 {left} 人的成绩未登记，标「{INCOMPLETE}」的单位的平均成绩不是最终结果。"]


def from_report(rep: Report, masthead: Masthead | None = None) -> Publication:
    """The rankings: for report.xlsx (internal: the rule codes, what the clerk does next), or,
    given a `masthead`, the public copy (publish/)."""
    if masthead is None:
        notes = spot_notes(rep.spot)
        return build(rep.term_name, [p.as_dict() for p in rep.people], school_rows(rep),
                     [PERSON_RULE, *notes], [SCHOOL_RULE, *notes])
    notes = public_counts(rep.spot, masthead.partial)
    head = masthead.lines(rep.term_name)
    return build(rep.term_name, [p.as_dict() for p in rep.people], school_rows(rep),
                 [*head, PUBLIC_PERSON_RULE, *notes], [*head, PUBLIC_SCHOOL_RULE, *notes], head)


def sheets(pub: Publication) -> list[SheetSpec]:
    return [SheetSpec("个人排名", PERSON_COLUMNS, pub.people, notes=pub.person_notes, formats={"抽测成绩": "0.0"},
                      wrap_notes=True, print_title=f"个人排名　{pub.term_name}"),
            SheetSpec("团体排名", SCHOOL_COLUMNS, pub.schools, notes=pub.school_notes, formats={"平均成绩": "0.0"},
                      wrap_notes=True, print_title=f"团体排名　{pub.term_name}")]


def write(pub: Publication, folder: Path) -> list[Path]:
    """Write index.html and 排名.xlsx into `folder`, each atomically."""
    page = folder / HTML_NAME

    def put(tmp: Path) -> None:
        tmp.write_bytes(render_html(pub).encode("utf-8"))
        tmp.chmod(0o644)  # the temp file is created 0600; a page to publish is world-readable

    write_atomic(page, put)
    book = folder / XLSX_NAME
    write_xlsx(book, sheets(pub))
    return [page, book]


# ---- the page -------------------------------------------------------------------------------

_CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0 auto;max-width:46rem;padding:1rem .75rem 2rem;color:#1b1b1b;background:#fff;line-height:1.5;
font:16px/1.5 system-ui,-apple-system,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
h1{font-size:1.4rem;margin:.5rem 0 .75rem}
h2{font-size:1.15rem;margin:1.75rem 0 .5rem}
nav a{margin-right:1.25em}
p.note{font-size:.875rem;color:#444;margin:.25rem 0 .5rem}
table{width:100%;border-collapse:collapse;font-size:.95rem}
th,td{padding:.45rem .4rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top;
overflow-wrap:anywhere;word-break:break-word}
thead th{background:#eef3fa;border-bottom:2px solid #9bb3d3;font-weight:600}
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
tr.absent td{color:#666}
.empty{color:#666;text-align:center}
footer{margin-top:2rem;font-size:.8rem;color:#666}
@media (max-width:420px){body{padding:.75rem .5rem 1.5rem;font-size:15px}th,td{padding:.4rem .25rem}}
@page{size:A4;margin:15mm}
@media print{body{max-width:none;padding:0;font-size:10.5pt}nav{display:none}
thead{display:table-header-group}tr{break-inside:avoid}thead th{background:none}
#schools{break-before:page}a{color:inherit;text-decoration:none}}
"""


def _e(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        value = f"{value:g}"
    return html.escape(str(value), quote=True)


def _table(columns: Sequence[str], rows: list[list[Any]], formats: Mapping[str, str] | None = None) -> str:
    formats = formats or {}
    head = "".join(f'<th scope="col"{" class=num" if c in _NUMERIC else ""}>{_e(c)}</th>' for c in columns)
    if not rows:
        return (f"<table><thead><tr>{head}</tr></thead><tbody><tr><td class=empty colspan={len(columns)}>"
                "暂无</td></tr></tbody></table>")
    body = []
    for r in rows:
        cls = ' class=absent' if r[0] is None else ""  # a person with no rank: 缺考
        cells = []
        for c, v in zip(columns, r):
            text = format(v, formats[c]) if c in formats and isinstance(v, (int, float)) else _e(v)
            cells.append(f'<td{" class=num" if c in _NUMERIC else ""}>{text}</td>')
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>"


def render_html(pub: Publication) -> str:
    """The whole page. Every value is HTML-escaped; the same input gives the same bytes."""
    notes = lambda ns: "".join(f'<p class="note">{_e(n)}</p>\n' for n in ns)  # noqa: E731
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(pub.title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{_e(pub.title)}</h1>
{notes(pub.head)}<nav><a href="#people">个人排名</a><a href="#schools">团体排名</a></nav>
</header>
<main>
<section id="people">
<h2>个人排名</h2>
{notes(n for n in pub.person_notes if n not in pub.head)}{_table(PERSON_COLUMNS, pub.people, {"抽测成绩": ".1f"})}
</section>
<section id="schools">
<h2>团体排名</h2>
{notes(n for n in pub.school_notes if n not in pub.head)}{_table(SCHOOL_COLUMNS, pub.schools, {"平均成绩": ".1f"})}
</section>
</main>
<footer>县级抽测成绩以个人及团体两种方式按成绩从高到低排列发布。本页只列单位、姓名与成绩。</footer>
</body>
</html>
"""
