"""Styled, safe, atomic xlsx output.

Plain tables (the register, rejects, the spot-test list) go through rustpy-xlsxwriter, a
Rust writer faster than openpyxl: it sets the floor of a province's term close. Sheets with
charts, number formats, totals rows or print settings (the report) go through openpyxl.
Either way every text cell is a string cell, so "=cmd|' /C calc'!A0" typed as a name stays
text and can never run as a formula, and IDs are text cells.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from credittool.write import pagesetup
from credittool.write.zipstamp import fix_zip_times
from credittool.atomic import write_atomic


@dataclass
class BarChartSpec:
    """A native bar chart of one column of the table against another, placed below the
    table. It references the cells (and caches their values), so Excel, WPS and LibreOffice
    all draw it; the totals rows are left out."""
    title: str
    categories: str  # column of labels, e.g. 单位
    values: str  # column of numbers, e.g. 验印率
    number_format: str = "General"  # of the value axis, e.g. "0%"
    label_format: str | None = None  # of the data labels on the bars; None: as the axis
    max_value: float | None = None  # value axis maximum (e.g. 1 for a rate); None: automatic
    horizontal: bool = True  # long school names read along horizontal bars


@dataclass
class SheetSpec:
    title: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    notes: Sequence[str] = ()  # lines written above the table (e.g. how a figure is computed)
    widths: dict[str, float] = field(default_factory=dict)  # column → width override
    formats: dict[str, str] = field(default_factory=dict)  # column → number format of its numbers, e.g. "0.0%"
    # column → what its values (not None) become in the sheet (the register's Decimal composite: a float)
    convert: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    totals: Sequence[Sequence[Any]] = ()  # bold rows after the table, outside the filter (合计)
    chart: BarChartSpec | None = None
    wrap_header: bool = False  # header text wraps (long headers in narrow columns: set `widths`)
    wrap_notes: bool = False  # each note line merged across the table's width and wrapped
    wrap: Sequence[str] = ()  # columns whose cells wrap (long reasons) instead of running on
    # a streamed table's values of its (one) wrap column, in row order, read again for the
    # row heights, which the writers need before the rows; None: taken from `rows`
    wrap_values: Iterable[Any] | None = None
    # printing (pagesetup.py): every sheet prints one page wide with its header row repeated
    landscape: bool = False
    print_columns: tuple[str, str] | None = None  # first and last column printed; None: all
    print_title: str | None = None  # the footer's title; None: the sheet's title
    row_height: float | None = None  # of every data row, in points (room to write by hand)
    gridlines: bool = False  # print the cell grid (a form to fill in)

    @property
    def footer_title(self) -> str:
        return self.print_title or self.title

    def body(self) -> Iterable[Sequence[Any]]:
        """The rows as written: `convert` applied."""
        at = [(j, self.convert[c]) for j, c in enumerate(self.columns) if c in self.convert]
        def converted(rows: Iterable[Sequence[Any]]) -> Iterator[list[Any]]:
            for r in rows:
                r = list(r)
                for j, f in at:
                    if r[j] is not None:
                        r[j] = f(r[j])
                yield r
        return converted(self.rows) if at else self.rows


_WIDTH_SAMPLE = 500  # rows that column widths are fitted to


def _display_width(value: Any) -> int:
    s = value if isinstance(value, str) else ("" if value is None else str(value))
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _is_plain(spec: SheetSpec) -> bool:
    return not (spec.chart or spec.totals or spec.wrap_notes)


def _header_lines(spec: SheetSpec, widths: Sequence[float]) -> int:
    """Lines of the tallest wrapped header cell (1 unless `wrap_header`)."""
    if not spec.wrap_header:
        return 1
    return max([1] + [-(-_display_width(c) // max(int(w) - 1, 1)) for c, w in zip(spec.columns, widths)])


def _row_heights(spec: SheetSpec, widths: Sequence[float], rows: Iterable[Sequence[Any]] | None,
                 first_row: int) -> dict[int, float]:
    """Heights of the rows whose wrapped text takes more than one line (keyed by sheet row,
    counted like `first_row`): no viewer grows a row for wrapped text by itself."""
    cols = [j for j, c in enumerate(spec.columns) if c in spec.wrap]
    if spec.row_height is not None:
        return {first_row + i: spec.row_height for i, _ in enumerate(rows or ())}
    if not cols:
        return {}
    texts = ([v] for v in spec.wrap_values) if spec.wrap_values is not None \
        else ([r[j] for j in cols] for r in rows or ())
    out = {}
    for i, values in enumerate(texts):
        lines = max(pagesetup.text_lines(v, widths[j]) for v, j in zip(values, cols))
        if lines > 1:
            out[first_row + i] = pagesetup.row_points(lines)
    return out


def _widths(spec: SheetSpec, rows: list[Sequence[Any]], sample: int = _WIDTH_SAMPLE) -> list[float]:
    widths = [_display_width(c) for c in spec.columns]
    for r in rows[:sample]:
        for j, v in enumerate(r):
            widths[j] = max(widths[j], _display_width(v))
    return [spec.widths.get(col, min(max(widths[j] + 2, 6), 60)) for j, col in enumerate(spec.columns)]


def write_xlsx(target: Path, sheets: Sequence[SheetSpec]) -> None:
    """Write `sheets` to `target` atomically: header styled and frozen, filters on,
    widths fitted to the content (sampled), all text inert, same tables → same bytes."""
    if all(_is_plain(s) for s in sheets):
        try:
            import rustpy_xlsxwriter  # noqa: F401
        except ImportError:  # pragma: no cover - a platform without its wheel: openpyxl does it, slower
            pass
        else:
            write_atomic(target, lambda tmp: _write_fast(tmp, sheets))
            return
    _write_openpyxl(target, sheets)


def _write_fast(tmp: Path, sheets: Sequence[SheetSpec]) -> None:
    import rustpy_xlsxwriter as rx

    header = rx.Format().set_bold().set_background_color("#DDEBF7")
    wrapped = rx.Format().set_bold().set_background_color("#DDEBF7").set_text_wrap().set_align("vcenter")
    data, freeze, head_row, merges, widths, filters, pages, formats = [], {}, {}, {}, {}, {}, {}, {}
    heads, heights, counts = {}, {}, {}
    for spec in sheets:
        title = spec.title[:31]
        rows = iter(spec.body())
        first = list(islice(rows, _WIDTH_SAMPLE))  # widths are fitted to these; the rest stream through
        # the row heights of wrapped text need every row first, unless given `wrap_values`
        rest = list(rows) if (spec.wrap and spec.wrap_values is None) or spec.row_height else []
        cols = list(spec.columns)
        counts[title] = written = [0]
        data.append((title, _records(cols, chain(first, rest, rows), written) if first else [dict.fromkeys(cols)]))
        n = len(spec.notes)
        freeze[title] = {"row": n + 1, "col": 0}
        head_row[title] = n
        merges[title] = [(i, 0, i, max(len(cols) - 1, 1), line) for i, line in enumerate(spec.notes)]
        widths[title] = _widths(spec, first)
        lines = _header_lines(spec, widths[title])
        heads[title] = wrapped if spec.wrap_header else header
        heights[title] = {n: 15 * lines + 3} if lines > 1 else {}  # viewers do not grow a wrapped header
        heights[title] |= _row_heights(spec, widths[title], first + rest, n + 1)
        filters[title] = True
        pages[title] = pagesetup.rust_page(spec.footer_title, spec.landscape, n,
                                           pagesetup.print_span(cols, spec.print_columns), spec.gridlines)
        formats[title] = _rust_formats(rx, spec)
    rx.write_worksheets(data, str(tmp), freeze_panes=freeze, header_row=head_row, merge_ranges=merges,
                        column_widths=widths, autofilter=filters, header_format=heads, row_heights=heights,
                        page_setup=pages, column_formats=formats)
    # the writer doubles the last row's <row> element when that row has a height of its own
    doubled = [f"xl/worksheets/sheet{i}.xml" for i, (title, _) in enumerate(data, 1)
               if heights[title] and max(heights[title]) == head_row[title] + max(counts[title][0], 1)]
    fix_zip_times(tmp, doubled)


def _rust_formats(rx: Any, spec: SheetSpec) -> dict[str, Any]:
    """Number formats and wrapping of whole columns (the data cells; the header keeps its own)."""
    out = {}
    for col in spec.columns:
        if col in spec.formats or col in spec.wrap:
            f = rx.Format()
            if col in spec.formats:
                f = f.set_num_format(spec.formats[col])
            if col in spec.wrap:
                f = f.set_text_wrap()  # bottom-aligned, as the row's other cells
            out[col] = f
    return out


def _records(cols: list[str], rows: Iterable[Sequence[Any]], written: list[int]) -> Iterator[dict[str, Any]]:
    """Rows as the writer's dicts, one at a time: rustpy-xlsxwriter consumes a generator
    lazily, so a province's register never sits in memory. `written[0]` counts them."""
    for r in rows:
        written[0] += 1
        yield dict(zip(cols, r))


def _write_openpyxl(target: Path, sheets: Sequence[SheetSpec]) -> None:
    write_atomic(target, lambda tmp: _save_openpyxl(tmp, sheets))


def _save_openpyxl(tmp: Path, sheets: Sequence[SheetSpec]) -> None:
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    fixed = dt.datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "credittool"
    styles = _Styles()
    for spec in sheets:
        _openpyxl_sheet(wb, spec, styles)
    wb.save(tmp)
    fix_zip_times(tmp)


class _Styles:
    """The openpyxl styles every sheet of a workbook shares."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        self.bold = Font(bold=True)
        self.fill = PatternFill("solid", fgColor="DDEBF7")
        self.header = Alignment(vertical="center", wrap_text=False)
        self.wrapped_header = Alignment(vertical="center", wrap_text=True)
        self.wrapped_note = Alignment(vertical="top", wrap_text=True)
        self.wrapped = Alignment(wrap_text=True)  # a wrap column's cells (one object: openpyxl hashes each)


def _openpyxl_sheet(wb: Any, spec: SheetSpec, styles: _Styles) -> None:
    """One sheet, in the order a write-only sheet needs: its sizes and page setup, then its
    rows top to bottom, then the filter and the chart."""
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(spec.title[:31])
    rows = [list(r) for r in spec.body()]
    totals = [list(r) for r in spec.totals]
    header_row = len(spec.notes) + 1
    widths = _openpyxl_layout(ws, spec, rows, totals, header_row)
    _append_notes(ws, spec, sum(widths), styles)
    _append_header(ws, spec, styles)
    _append_body(ws, spec, rows, totals, styles)
    last = get_column_letter(max(len(spec.columns), 1))
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(rows)}"
    if spec.chart is not None and rows:
        ws.add_chart(_bar_chart(ws, spec, rows, header_row), f"A{header_row + len(rows) + len(totals) + 2}")


def _openpyxl_layout(ws: Any, spec: SheetSpec, rows: list[list[Any]], totals: list[list[Any]],
                     header_row: int) -> list[float]:
    """Column widths, the heights of wrapped rows, the frozen header and the page setup
    (before the first row: a write-only sheet writes its sheetPr, fitToPage, with it).
    Returns the column widths."""
    from openpyxl.utils import get_column_letter

    col_widths = _widths(spec, rows + totals, 2000)
    for j, w in enumerate(col_widths):
        ws.column_dimensions[get_column_letter(j + 1)].width = w
    lines = _header_lines(spec, col_widths)
    if lines > 1:  # LibreOffice does not grow a wrapped row by itself
        ws.row_dimensions[header_row].height = 15 * lines + 3
    for i, h in _row_heights(spec, col_widths, rows, header_row + 1).items():
        ws.row_dimensions[i].height = h
    ws.freeze_panes = f"A{header_row + 1}"
    below = _chart_rows(spec, len(rows))  # the chart below the table prints too
    pagesetup.openpyxl_page(ws, spec.footer_title, spec.landscape, header_row,
                            pagesetup.print_span(list(spec.columns), spec.print_columns),
                            header_row + len(rows) + len(totals) + below, spec.gridlines)
    return [ws.column_dimensions[get_column_letter(j + 1)].width for j in range(len(spec.columns))]


def _append_notes(ws: Any, spec: SheetSpec, span: float, styles: _Styles) -> None:
    """The lines above the table; with `wrap_notes`, each merged across the table's `span`
    (its width) and as tall as its wrapped text."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    last = get_column_letter(max(len(spec.columns), 1))
    for i, line in enumerate(spec.notes, 1):
        c = _text(ws, WriteOnlyCell, line)
        if spec.wrap_notes:
            c.alignment = styles.wrapped_note
            ws.merged_cells.add(f"A{i}:{last}{i}")
            n = -(-_display_width(line) * 11 // (10 * max(int(span) - 2, 1)))  # 10% slack
            if n > 1:
                ws.row_dimensions[i].height = 15 * n + 2
        ws.append([c])


def _append_header(ws: Any, spec: SheetSpec, styles: _Styles) -> None:
    from openpyxl.cell import WriteOnlyCell

    head = []
    for col in spec.columns:
        c = _text(ws, WriteOnlyCell, col)
        c.font, c.fill = styles.bold, styles.fill
        c.alignment = styles.wrapped_header if spec.wrap_header else styles.header
        head.append(c)
    ws.append(head)


def _append_body(ws: Any, spec: SheetSpec, rows: list[list[Any]], totals: list[list[Any]], styles: _Styles) -> None:
    """The table's rows, then its totals rows in bold."""
    from openpyxl.cell import WriteOnlyCell

    fmt = {j: spec.formats[c] for j, c in enumerate(spec.columns) if c in spec.formats}
    wraps = {j for j, c in enumerate(spec.columns) if c in spec.wrap}
    for r in rows:
        if fmt or wraps:
            ws.append(_styled(ws, WriteOnlyCell, r, fmt, wrap=wraps, wrapped=styles.wrapped))
            continue
        # only "=…" would become a formula: the other values need no cell object each
        ws.append([_text(ws, WriteOnlyCell, v) if isinstance(v, str) and v.startswith("=") else v for v in r])
    for r in totals:
        ws.append(_styled(ws, WriteOnlyCell, r, fmt, styles.bold))


def _text(ws: Any, cell_cls: Any, value: str) -> Any:
    c = cell_cls(ws, value=value)
    c.data_type = "s"  # never a formula, whatever the first character
    return c


def _styled(ws: Any, cell_cls: Any, row: Sequence[Any], fmt: dict[int, str], font: Any = None,
            wrap: set[int] = frozenset(), wrapped: Any = None) -> list[Any]:  # type: ignore[assignment]
    """A row with number formats on the numbers of `fmt`'s columns (and a font on every cell,
    and the text of the `wrap` columns wrapped: alignment `wrapped`)."""
    out: list[Any] = []
    for j, v in enumerate(row):
        if font is None and j not in fmt and j not in wrap and not (isinstance(v, str) and v.startswith("=")):
            out.append(v)  # an unstyled cell needs no cell object (only "=…" would become a formula)
            continue
        c = _text(ws, cell_cls, v) if isinstance(v, str) else cell_cls(ws, value=v)
        if j in fmt and isinstance(v, (int, float)) and not isinstance(v, bool):
            c.number_format = fmt[j]
        if font is not None:
            c.font = font
        if j in wrap:
            c.alignment = wrapped
        out.append(c)
    return out


def _chart_height(n: int) -> float:
    return max(7.5, 0.7 * n + 3)  # cm: a bar per row


def _chart_rows(spec: SheetSpec, n: int) -> int:
    """Sheet rows the chart covers (15 pt = 0.53 cm a row), with the gap above it."""
    return 0 if spec.chart is None or not n else int(_chart_height(n) / 0.53) + 3


def _bar_chart(ws: Any, spec: SheetSpec, rows: list[list[Any]], header_row: int) -> Any:
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
    # categories are text (strRef, not openpyxl's default numRef); both carry a cache of the
    # values, so a viewer that does not recalculate still draws the bars and the names
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
    chart.width = 22  # cm
    chart.height = _chart_height(n)
    return chart
