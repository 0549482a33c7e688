"""The XML of a sheet's bar chart (BarChartSpec), built with openpyxl's chart model.

rustpy-xlsxwriter, which writes every workbook (xlsxout.py), draws charts but takes no data
labels, number formats or axis settings, and caches only the last value of a streamed
column. So it places a chart of the right size where ours goes, and its chart part is then
replaced by this one: openpyxl's, saved in a workbook of one empty sheet named as ours, so
that its cell references name our sheet. The series cover the table's rows, not its totals,
and carry a cache of their values and labels, so a viewer that does not recalculate
(some WPS and phone viewers) still draws the bars and the names.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

from credittool.write.sheetspec import CHART_WIDTH, SheetSpec, chart_height

CHART_PART = "xl/charts/chart1.xml"  # the chart of a workbook of one sheet with one chart


def chart_xml(spec: SheetSpec, rows: Sequence[Sequence[Any]], header_row: int) -> bytes:
    """The chart part of `spec`'s chart over `rows`, the table below the (1-based)
    `header_row` of the sheet."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.title[:31])
    ws.add_chart(_bar_chart(ws, spec, rows, header_row), "A1")
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        return z.read(CHART_PART)


def _bar_chart(ws: Any, spec: SheetSpec, rows: Sequence[Sequence[Any]], header_row: int) -> Any:
    from openpyxl.chart import BarChart, Reference, Series
    from openpyxl.chart.data_source import AxDataSource, NumData, NumVal, StrData, StrRef, StrVal
    from openpyxl.chart.label import DataLabelList

    c = spec.chart
    assert c is not None
    ci, vi = spec.columns.index(c.categories) + 1, spec.columns.index(c.values) + 1
    first, last, n = header_row + 1, header_row + len(rows), len(rows)
    chart = BarChart()
    chart.type = "bar" if c.horizontal else "col"
    chart.title = c.title
    chart.legend = None  # one series: its name is the title
    chart.gapWidth = 60
    ser = Series(Reference(ws, min_col=vi, min_row=first, max_row=last), title=c.values)
    # categories are text (strRef, not openpyxl's default numRef)
    labels = ["" if r[ci - 1] is None else str(r[ci - 1]) for r in rows]
    ser.cat = AxDataSource(strRef=StrRef(
        f=str(Reference(ws, min_col=ci, min_row=first, max_row=last)),
        strCache=StrData(ptCount=n, pt=[StrVal(idx=i, v=v) for i, v in enumerate(labels)])))
    ser.val.numRef.numCache = NumData(formatCode=c.number_format, ptCount=n, pt=[
        NumVal(idx=i, v=r[vi - 1]) for i, r in enumerate(rows) if isinstance(r[vi - 1], (int, float))])
    ser.dLbls = DataLabelList(numFmt=c.label_format or c.number_format, showVal=True, showLegendKey=False,
                              showCatName=False, showSerName=False, showPercent=False, showBubbleSize=False)
    chart.series.append(ser)
    # openpyxl leaves <c:delete> out, and Excel then hides both axes
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.number_format = c.number_format
    chart.y_axis.scaling.min = 0
    if c.max_value is not None:
        chart.y_axis.scaling.max = c.max_value
    if c.horizontal:  # first row of the table at the top, value axis along the bottom
        chart.x_axis.axPos, chart.y_axis.axPos = "l", "b"
        chart.x_axis.scaling.orientation = "maxMin"
        chart.y_axis.crosses = "max"
    else:
        chart.x_axis.axPos, chart.y_axis.axPos = "b", "l"
    chart.width = CHART_WIDTH
    chart.height = chart_height(n)
    return chart
