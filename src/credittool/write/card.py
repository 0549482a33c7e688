"""学分卡 (R11) on paper and in a workbook: one teacher a printed A4 page, every entry with
its source, the years' verdicts and the cycle (R15, R19).

The page is for the teacher and the office, not for publication: it shows the ID number
in full. Every value is HTML-escaped; the same card gives the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from credittool.atomic import write_atomic
from credittool.ledger.record import Card, YearLine
from credittool.score.cycle import CycleState
from credittool.score.standards import number, show
from credittool.write.xlsxout import SheetSpec, write_xlsx

ENTRY_COLUMNS = ("姓名", "身份证号", "学期", "单位", "课程或项目", "类别", "学时", "学分", "结果", "来源文件", "工作表", "行")
CYCLE_COLUMNS = ("姓名", "身份证号", "周期", "截至学年", "已获学时", "借贷未还", "周期学时", "周期要求", "应达进度", "落后",
                 "尚差", "剩余学年", "每年需", "状态")


def year_how(card: Card, year: str) -> str:
    """How the cycle counts the year: 经结转/经学分借贷，视为达标, or nothing."""
    if card.cycle is None:
        return ""
    return next((y.how for y in card.cycle.years if y.year == year), "")


def year_columns(categories: Sequence[str]) -> tuple[str, ...]:
    return ("姓名", "身份证号", "学年", "单位", *categories, "补训计入", "合计学时", "合计学分", "是否达标", "周期内认定", "原因")


def _year_row(card: Card, y: YearLine) -> list[Any]:
    t = card.teacher
    made_up = "；".join(f"{p} {show(h)}" for p, h in y.made_up.items())
    return [t.name, t.id_number, f"{y.year}学年", y.unit, *(number(y.hours.get(c, Decimal(0))) for c in card.categories),
            made_up, number(y.total), number(y.credits), "是" if y.met else "否", year_how(card, y.year), y.reasons]


def cycle_values(c: CycleState) -> list[Any]:
    """CYCLE_COLUMNS[2:] of a cycle."""
    return [c.cycle.name, f"{c.as_of}学年", number(c.earned), number(c.unpaid), number(c.hours),
            number(Decimal(str(c.cycle.hours))), number(c.expected), number(c.behind), number(c.missing),
            c.years_left, number(c.per_year_needed.quantize(Decimal("0.1"))), c.status]


def sheets(cards: Sequence[Card], title: str) -> list[SheetSpec]:
    entries = [[c.teacher.name, c.teacher.id_number, e.term, e.unit, e.what, e.category, number(e.hours),
                number(e.credits), e.result, e.file, e.sheet, e.row] for c in cards for e in c.entries]
    categories = cards[0].categories if cards else ()
    years = [_year_row(c, y) for c in cards for y in c.years]
    cycles = [[c.teacher.name, c.teacher.id_number, *cycle_values(c.cycle)] for c in cards if c.cycle is not None]
    out = [SheetSpec("学习记录", ENTRY_COLUMNS, entries, print_title=f"学习记录　{title}", landscape=True)]
    if years:
        out.append(SheetSpec("学年汇总", year_columns(categories), years, wrap=("原因",), widths={"原因": 40},
                             print_title=f"学年汇总　{title}", landscape=True))
    if cycles:
        out.append(SheetSpec("周期", CYCLE_COLUMNS, cycles, print_title=f"周期　{title}", landscape=True))
    return out


def write(cards: Sequence[Card], title: str, html_path: Path, xlsx_path: Path) -> None:
    """The cards as one printable page each (`html_path`) and as a workbook, each atomically."""
    def put(tmp: Path) -> None:
        tmp.write_bytes(render_html(cards, title).encode("utf-8"))

    write_atomic(html_path, put)
    write_xlsx(xlsx_path, sheets(cards, title))


# ---- the page -------------------------------------------------------------------------------

_CSS = """
*{box-sizing:border-box}
body{margin:0 auto;max-width:60rem;padding:1rem;color:#111;background:#fff;
font:14px/1.45 system-ui,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
h1{font-size:1.35rem;text-align:center;margin:.25rem 0 .75rem}
h2{font-size:1.05rem;margin:1rem 0 .35rem}
table{width:100%;border-collapse:collapse;margin-bottom:.5rem}
th,td{border:1px solid #999;padding:.2rem .3rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
thead th{background:#eef3fa;white-space:nowrap}
td.nw{white-space:nowrap}
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.who th{width:8em;background:#f6f6f6;white-space:nowrap}
.no{color:#a00}
.src{font-size:.85em;color:#444}
section.card{break-after:page;page-break-after:always}
section.card:last-child{break-after:auto;page-break-after:auto}
footer{font-size:.8rem;color:#555;margin-top:.5rem}
@page{size:A4;margin:10mm}
@media print{body{max-width:none;padding:0;font-size:8.5pt;line-height:1.3}h1{font-size:12pt;margin:0 0 3pt}
h2{font-size:9pt;margin:4pt 0 2pt}th,td{padding:1px 3px}table{margin-bottom:2pt}footer{margin-top:2pt}
thead{display:table-header-group}tr{break-inside:avoid}}
"""


def _e(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = show(value)
    return html.escape(str(value), quote=True)


FOOTER = "学分卡由台账生成：每条记录注明来源文件、工作表与行。本页含身份证号，仅供教师本人与培训部门使用，请勿公开。"
_NOWRAP = ("学期", "学年", "类别", "结果", "达标", "验印")
_SMALL = ("来源",)  # long: smaller, so that a teacher's five years print on one A4 page


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[str] = ()) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    if not rows:
        return f'<table><thead><tr>{head}</tr></thead><tbody><tr><td colspan="{len(columns)}">（无）</td></tr></tbody></table>'
    cls = [" class=num" if c in numeric else " class=nw" if c in _NOWRAP else " class=src" if c in _SMALL else ""
           for c in columns]
    body = "\n".join("<tr>" + "".join(f"<td{k}>{_e(v)}</td>" for k, v in zip(cls, r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def _card_html(card: Card) -> str:  # noqa: C901 - a page of sections, each a few lines
    t = card.teacher
    moves = "；".join(m.move for m in card.moves) or "无"
    who = (f'<table class="who"><tr><th>姓名</th><td>{_e(t.name)}</td><th>身份证号</th><td>{_e(t.id_number)}</td></tr>'
           f'<tr><th>现单位</th><td>{_e(t.unit)}</td><th>调动</th><td>{_e(moves)}</td></tr></table>')
    entries = _table(("学期", "课程或项目", "类别", "学时", "学分", "结果", "来源"), [
        (e.term, e.what, e.category, e.hours, e.credits, e.result, e.source) for e in card.entries],
        numeric=("学时", "学分"))
    parts = ["<h1>继续教育学分卡</h1>", who, "<h2>学习记录</h2>", entries]
    stamps = [(ln.term, ln.unit, "是" if ln.stamp[0] else "否", ln.stamp[1]) for ln in card.terms if ln.stamp is not None]
    if stamps:
        parts += ["<h2>学期验印（R9）</h2>", _table(("学期", "单位", "验印", "原因"), stamps)]
    if card.years:
        cols = ("学年", "单位", *card.categories, "合计学时", "合计学分", "达标", "原因")
        rows = [(f"{y.year}", y.unit, *(y.hours.get(c, Decimal(0)) for c in card.categories), y.total, y.credits,
                 ("是" if y.met else "否") + (f"（{year_how(card, y.year)}）" if year_how(card, y.year) else ""),
                 "；".join(filter(None, [y.reasons, "；".join(f"{p}计入 {show(h)} 学时" for p, h in y.made_up.items())])))
                for y in card.years]
        parts += ["<h2>学年汇总</h2>", _table(cols, rows, numeric=(*card.categories, "合计学时", "合计学分"))]
    if card.cycle is not None:
        parts += ["<h2>周期</h2>", _cycle_html(card.cycle, card.category_names)]
    parts.append(f"<footer>{FOOTER}</footer>")  # on every page: a card is printed one teacher a sheet
    return '<section class="card">\n' + "\n".join(parts) + "\n</section>"


def _cycle_html(c: CycleState, names: dict[str, str]) -> str:
    rows = [("周期", f"{c.cycle.name}（{c.cycle.years[0]} 至 {c.cycle.years[-1]} 学年，要求 {show(Decimal(str(c.cycle.hours)))} 学时）"),
            ("截至", f"{c.as_of}学年（已过 {len(c.years)} 年，剩 {c.years_left} 年）"),
            ("已获学时", f"{show(c.earned)}" + (f"，借贷未还 {show(c.unpaid)}，计 {show(c.hours)}" if c.unpaid else "")),
            ("应达进度", f"{show(c.expected)}（{show(Decimal(str(c.cycle.hours)))} × {len(c.years)}/{len(c.cycle.years)}）"),
            ("落后", show(c.behind)), ("尚差", show(c.missing))]
    if c.years_left and c.missing:
        rows.append(("每年需", f"{show(c.per_year_needed.quantize(Decimal('0.1')).normalize())} 学时"))
    for y in c.years:
        if y.notes:
            rows.append((f"{y.year}学年", "，".join(y.notes)))
    short = [f"{names.get(k, k)} 尚差 {show(v)}" for k, v in c.category_short.items() if v]
    if short:
        rows.append(("类别", "；".join(short)))
    rows.append(("状态", c.status))
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f'<table class="who">{body}</table>'


def render_html(cards: Sequence[Card], title: str) -> str:
    pages = "\n".join(_card_html(c) for c in cards)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
{pages}
</body>
</html>
"""
