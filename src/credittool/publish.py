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
from credittool.report import PERSON_RULE, SCHOOL_RULE, Report, spot_notes
from credittool.xlsxout import SheetSpec, write_xlsx

PERSON_COLUMNS = ("名次", "单位", "姓名", "抽测成绩")  # the allow-list of 个人排名
SCHOOL_COLUMNS = ("名次", "单位", "抽测人数", "平均成绩")  # the allow-list of 团体排名
HTML_NAME, XLSX_NAME = "index.html", "排名.xlsx"
FILE_NAMES = (HTML_NAME, XLSX_NAME)
_NUMERIC = {"名次", "抽测成绩", "抽测人数", "平均成绩"}  # right-aligned in the page
_LONG_DIGITS = re.compile(r"\d{15,}[\dXx]*")


@dataclass(frozen=True)
class Publication:
    term_name: str
    people: list[list[Any]]  # rows of PERSON_COLUMNS
    schools: list[list[Any]]  # rows of SCHOOL_COLUMNS
    person_notes: tuple[str, ...]
    school_notes: tuple[str, ...]

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
          person_notes: Sequence[str] = (), school_notes: Sequence[str] = ()) -> Publication:
    return Publication(_cell(term_name), allowed(people, PERSON_COLUMNS), allowed(schools, SCHOOL_COLUMNS),
                       tuple(_cell(n) for n in person_notes), tuple(_cell(n) for n in school_notes))


def from_report(rep: Report) -> Publication:
    notes = spot_notes(rep.spot)
    return build(rep.term_name, [p.as_dict() for p in rep.people], [s.as_dict() for s in rep.schools],
                 [PERSON_RULE, *notes], [SCHOOL_RULE, *notes])


def sheets(pub: Publication) -> list[SheetSpec]:
    return [SheetSpec("个人排名", PERSON_COLUMNS, pub.people, notes=pub.person_notes, wrap_notes=True),
            SheetSpec("团体排名", SCHOOL_COLUMNS, pub.schools, notes=pub.school_notes, formats={"平均成绩": "0.0"},
                      wrap_notes=True)]


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
<nav><a href="#people">个人排名</a><a href="#schools">团体排名</a></nav>
</header>
<main>
<section id="people">
<h2>个人排名</h2>
{notes(pub.person_notes)}{_table(PERSON_COLUMNS, pub.people)}
</section>
<section id="schools">
<h2>团体排名</h2>
{notes(pub.school_notes)}{_table(SCHOOL_COLUMNS, pub.schools, {"平均成绩": ".1f"})}
</section>
</main>
<footer>县级抽测成绩以个人及团体两种方式按成绩从高到低排列发布。本页只列单位、姓名与成绩。</footer>
</body>
</html>
"""
