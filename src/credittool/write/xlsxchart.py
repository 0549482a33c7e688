"""The XML of a sheet's bar chart (BarChartSpec): the chart part (DrawingML, ECMA-376 Part 1,
§21.2) that rustpy-xlsxwriter's is replaced by.

rustpy-xlsxwriter, which writes every workbook (xlsxout.py), draws charts but takes no data
labels, number formats or axis settings, and caches only the last value of a streamed
column. So it places a chart of the right size where ours goes, and its chart part is then
replaced by this one. The series cover the table's rows, not its totals, and carry a cache
of their values and labels, so a viewer that does not recalculate (some WPS and phone
viewers) still draws the bars and the names.

The part is the one openpyxl's chart model writes for this chart, element for element
(tests/test_printing.py holds the two equal); it is written here from a template because
importing openpyxl for it cost `report` a fifth of a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from credittool.write.sheetspec import SheetSpec

CHART_PART = "xl/charts/chart1.xml"  # the chart of a workbook of one sheet with one chart
_NS = ('xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
       'xmlns="http://schemas.openxmlformats.org/drawingml/2006/chart"')
_OFF = "".join(f'<{k} val="0" />' for k in ("showLegendKey",)) + '<showVal val="1" />' + "".join(
    f'<{k} val="0" />' for k in ("showCatName", "showSerName", "showPercent", "showBubbleSize"))


def chart_xml(spec: SheetSpec, rows: Sequence[Sequence[Any]], header_row: int) -> bytes:
    """The chart part of `spec`'s chart over `rows`, the table below the (1-based)
    `header_row` of the sheet."""
    c = spec.chart
    assert c is not None
    ci, vi = spec.columns.index(c.categories), spec.columns.index(c.values)
    first, last, n = header_row + 1, header_row + len(rows), len(rows)
    sheet = "'" + spec.title[:31].replace("'", "''") + "'"
    labels = "".join(f'<pt idx="{i}"><v>{escape(str(r[ci]))}</v></pt>' if r[ci] is not None else f'<pt idx="{i}"><v /></pt>'
                     for i, r in enumerate(rows))
    values = "".join(f'<pt idx="{i}"><v>{_number(r[vi])}</v></pt>' for i, r in enumerate(rows) if _is_number(r[vi]))
    fmt, label_fmt = quoteattr(c.number_format), quoteattr(c.label_format or c.number_format)
    cat_at, val_at, order, crosses = ("l", "b", "maxMin", '<crosses val="max" />') if c.horizontal else ("b", "l", "minMax", "")
    top = f'<max val="{_number(c.max_value)}" />' if c.max_value is not None else ""
    return (
        f"<chartSpace {_NS}><chart><title><tx><rich><a:bodyPr /><a:p><a:pPr><a:defRPr /></a:pPr><a:r>"
        f"<a:t>{escape(c.title)}</a:t></a:r></a:p></rich></tx></title><plotArea><barChart>"
        f'<barDir val="{"bar" if c.horizontal else "col"}" /><grouping val="clustered" /><ser><idx val="0" />'
        f'<order val="0" /><tx><v>{escape(c.values)}</v></tx><spPr><a:ln><a:prstDash val="solid" /></a:ln></spPr>'
        f"<dLbls><numFmt formatCode={label_fmt} />{_OFF}</dLbls>"
        f"<cat><strRef><f>{escape(sheet)}!{_range(ci, first, last)}</f><strCache>"
        f'<ptCount val="{n}" />{labels}</strCache></strRef></cat>'
        f"<val><numRef><f>{escape(sheet)}!{_range(vi, first, last)}</f><numCache><formatCode>{escape(c.number_format)}"
        f'</formatCode><ptCount val="{n}" />{values}</numCache></numRef></val></ser><gapWidth val="60" />'
        f'<axId val="10" /><axId val="100" /></barChart><catAx><axId val="10" /><scaling><orientation val="{order}" />'
        f'</scaling><delete val="0" /><axPos val="{cat_at}" /><majorTickMark val="none" /><minorTickMark val="none" />'
        f'<crossAx val="100" /><lblOffset val="100" /></catAx><valAx><axId val="100" /><scaling>'
        f'<orientation val="minMax" />{top}<min val="0" /></scaling><delete val="0" /><axPos val="{val_at}" />'
        f"<majorGridlines /><numFmt formatCode={fmt} sourceLinked=\"0\" />"
        f'<majorTickMark val="none" /><minorTickMark val="none" /><crossAx val="10" />{crosses}</valAx></plotArea>'
        f'<plotVisOnly val="1" /><dispBlanksAs val="gap" /></chart></chartSpace>').encode()


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _number(v: float) -> str:
    """A number as the part writes it: 16 significant digits, 0.0 as 0 (openpyxl's safe_string)."""
    return "%.16g" % v


def _range(col: int, first: int, last: int) -> str:
    """$D$3:$D$72 for the 0-based column 3 and rows 3 … 72; $D$3 for row 3 alone."""
    letters, k = "", col + 1
    while k:
        k, r = divmod(k - 1, 26)
        letters = chr(65 + r) + letters
    return f"${letters}${first}" + ("" if first == last else f":${letters}${last}")
