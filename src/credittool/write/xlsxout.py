"""Styled, safe, atomic xlsx output.

Every workbook is written by rustpy-xlsxwriter, a Rust writer that streams a table of any
length: it sets the floor of a province's term close, and of a city's year report. What it
cannot do itself is done to its file afterwards, in the one pass that also takes the clock
out of the zip (zipstamp.py):
- a chart (BarChartSpec): it places a chart of the right size, whose part is replaced by
  the one xlsxchart.py builds (data labels, number formats, axes, cached values);
- totals rows (合计): written after the table in bold, and the filter's range ends above
  them, so that sorting or filtering the table leaves them where they are;
- the doubled last row it writes when that row has a height or a format of its own.
Every text cell is a string cell, so "=cmd|' /C calc'!A0" typed as a name stays text and
can never run as a formula, and IDs are text cells.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from credittool.atomic import write_atomic
from credittool.write import pagesetup
from credittool.write.sheetspec import (CHART_WIDTH, WIDTH_SAMPLE, BarChartSpec, SheetSpec, chart_height,
                                        header_lines, note_height, row_heights, widths_of)
from credittool.write.xlsxchart import chart_xml
from credittool.write.zipstamp import drop_doubled_last_row, fix_zip_times

__all__ = ["BarChartSpec", "SheetSpec", "write_xlsx"]

PX_PER_CM = 96 / 2.54  # the writer sizes a chart in pixels at 96 dpi


def write_xlsx(target: Path, sheets: Sequence[SheetSpec]) -> None:
    """Write `sheets` to `target` atomically: header styled and frozen, filters on,
    widths fitted to the content (sampled), all text inert, same tables → same bytes."""
    write_atomic(target, lambda tmp: _write(tmp, sheets))


class _Formats:
    """The cell formats every sheet of a workbook shares."""

    def __init__(self, rx: Any) -> None:
        self.header = rx.Format().set_bold().set_background_color("#DDEBF7")
        self.wrapped_header = rx.Format().set_bold().set_background_color("#DDEBF7").set_text_wrap() \
            .set_align("vcenter")
        self.wrapped_note = rx.Format().set_text_wrap().set_align("top")
        self.bold = rx.Format().set_bold()
        self.rx = rx


@dataclass
class _Laid:
    """One sheet as the writer takes it: its records, and its entry in each of the writer's
    per-sheet arguments (`write_worksheets`' keywords)."""
    title: str
    records: Iterable[dict[str, Any]]
    args: dict[str, Any]
    header_row: int  # 1-based
    written: list[int]  # data rows written (counted as the writer takes them), totals included
    rows: list[Sequence[Any]] = field(default_factory=list)  # the table, where a chart is drawn of it
    totals: int = 0  # rows of totals after the table


def _write(tmp: Path, sheets: Sequence[SheetSpec]) -> None:
    import rustpy_xlsxwriter as rx

    formats = _Formats(rx)
    laid = [_lay_out(spec, formats) for spec in sheets]
    args: dict[str, dict[str, Any]] = {}
    for sheet in laid:
        for name, value in sheet.args.items():
            args.setdefault(name, {})[sheet.title] = value
    rx.write_worksheets([(s.title, s.records) for s in laid], str(tmp), **args)
    fix_zip_times(tmp, _repairs(sheets, laid))


def _lay_out(spec: SheetSpec, formats: _Formats) -> _Laid:
    title, cols, n = spec.title[:31], list(spec.columns), len(spec.notes)
    rows = iter(spec.body())
    first = list(islice(rows, WIDTH_SAMPLE))  # widths are fitted to these; the rest stream through
    # the row heights of wrapped text need every row first (unless given `wrap_values`), and
    # totals and a chart need the table's length: such a sheet is held in memory
    held = bool((spec.wrap and spec.wrap_values is None) or spec.row_height or spec.totals or spec.chart)
    rest = list(rows) if held else []
    table = first + rest
    totals = [list(r) for r in spec.totals]
    widths = widths_of(spec, first + totals, len(first) + len(totals))
    heights = row_heights(spec, widths, table, n + 1)
    lines = header_lines(spec, widths)
    if lines > 1:  # viewers do not grow a wrapped header
        heights[n] = 15 * lines + 3
    merges = []
    for i, line in enumerate(spec.notes):
        merges.append((i, 0, i, max(len(cols) - 1, 1), line) + ((formats.wrapped_note,) if spec.wrap_notes else ()))
        h = note_height(line, sum(widths)) if spec.wrap_notes else None
        if h is not None:
            heights[i] = h
    written = [0]
    records = _records(cols, chain(first, rest, rows, totals), written) if first or totals else [dict.fromkeys(cols)]
    args = {"freeze_panes": {"row": n + 1, "col": 0}, "header_row": n, "merge_ranges": merges,
            "column_widths": widths, "autofilter": True, "row_heights": heights,
            "header_format": formats.wrapped_header if spec.wrap_header else formats.header,
            "page_setup": pagesetup.rust_page(spec.footer_title, spec.landscape, n,
                                              pagesetup.print_span(cols, spec.print_columns), spec.gridlines),
            "column_formats": _column_formats(formats.rx, spec)}
    below = n + 1 + len(table)  # 0-based: the first row after the table (held whole where totals or a chart use it)
    if totals:
        args["row_formats"] = {below + k: formats.bold for k in range(len(totals))}
    if spec.chart is not None and table:
        args["charts"] = [_placeholder(spec.chart, below + len(totals) + 1, len(table))]
    return _Laid(title, records, args, n + 1, written, table if spec.chart else [], len(totals))


def _placeholder(chart: BarChartSpec, row: int, n: int) -> dict[str, Any]:
    """The writer's own chart, at the place and of the size of ours, which replaces it."""
    return {"type": "bar" if chart.horizontal else "column", "series": [chart.values],
            "categories": chart.categories, "row": row, "col": 0, "legend": False,
            "width": round(CHART_WIDTH * PX_PER_CM), "height": round(chart_height(n) * PX_PER_CM)}


def _column_formats(rx: Any, spec: SheetSpec) -> dict[str, Any]:
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


Repair = Callable[[bytes], bytes]


def _repairs(sheets: Sequence[SheetSpec], laid: Sequence[_Laid]) -> dict[str, Repair]:
    """What is done to the parts of the written file (zipstamp.fix_zip_times), by part name."""
    out: dict[str, Repair] = {}
    sheet_fixes: dict[str, list[Repair]] = {}
    book_fixes: list[Repair] = []
    charts = 0
    for i, (spec, sheet) in enumerate(zip(sheets, laid), 1):
        part = f"xl/worksheets/sheet{i}.xml"
        last = sheet.header_row + max(sheet.written[0], 1)  # the last row written, 1-based
        if last - 1 in sheet.args["row_heights"] or last - 1 in sheet.args.get("row_formats", {}):
            sheet_fixes.setdefault(part, []).append(drop_doubled_last_row)
        if sheet.totals:
            sheet_fixes.setdefault(part, []).append(_filter_ending(rb'(<autoFilter ref="[A-Z]+\d+:[A-Z]+)\d+', last - sheet.totals))
            book_fixes.append(_filter_ending(rb'(<definedName name="_xlnm\._FilterDatabase" localSheetId="%d"[^>]*>[^<]*\$)\d+'
                                             % (i - 1), last - sheet.totals))
        if "charts" in sheet.args:
            charts += 1
            xml = chart_xml(spec, sheet.rows, sheet.header_row)
            out[f"xl/charts/chart{charts}.xml"] = lambda _, xml=xml: xml
    out |= {part: _then(fixes) for part, fixes in sheet_fixes.items()}
    if book_fixes:
        out["xl/workbook.xml"] = _then(book_fixes)
    return out


def _filter_ending(pattern: bytes, last: int) -> Repair:
    """A repair that ends the range `pattern` matches (its last row number follows the
    match's group 1) at row `last`: the filter covers the table, not the totals below it."""
    where = re.compile(pattern)

    def repair(xml: bytes) -> bytes:
        fixed, n = where.subn(lambda m: m.group(1) + str(last).encode(), xml, count=1)
        if n != 1:  # the writer's XML changed: better no file than a filter over the totals
            raise RuntimeError(f"xlsx: no filter range to end at row {last} ({pattern!r})")
        return fixed
    return repair


def _then(fixes: list[Repair]) -> Repair:
    def repair(xml: bytes) -> bytes:
        for fix in fixes:
            xml = fix(xml)
        return xml
    return repair
