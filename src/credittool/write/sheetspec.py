"""What a sheet of an output is (SheetSpec: its table, notes, totals, chart and printing) and
how it is laid out (column widths, the heights of wrapped rows and notes, the chart's size):
the same for whichever writer writes it (xlsxout.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from credittool.write import pagesetup


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


WIDTH_SAMPLE = 500  # rows that column widths are fitted to


def display_width(value: Any) -> int:
    s = value if isinstance(value, str) else ("" if value is None else str(value))
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)



def header_lines(spec: SheetSpec, widths: Sequence[float]) -> int:
    """Lines of the tallest wrapped header cell (1 unless `wrap_header`)."""
    if not spec.wrap_header:
        return 1
    return max([1] + [-(-display_width(c) // max(int(w) - 1, 1)) for c, w in zip(spec.columns, widths)])


def row_heights(spec: SheetSpec, widths: Sequence[float], rows: Iterable[Sequence[Any]] | None,
                 first_row: int) -> dict[int, float]:
    """Heights of the rows whose wrapped text takes more than one line (keyed by sheet row,
    counted like `first_row`): no viewer grows a row for wrapped text by itself."""
    cols = [j for j, c in enumerate(spec.columns) if c in spec.wrap]
    if spec.row_height is not None:
        return {first_row + i: spec.row_height for i, _ in enumerate(rows or ())}
    if not cols:
        return {}
    texts = ((v,) for v in spec.wrap_values) if spec.wrap_values is not None \
        else (tuple([r[j] for j in cols]) for r in rows or ())
    # the height of each distinct set of texts, worked out once: a long sheet's wrapped
    # cells repeat (学分汇总's reasons). Texts only: 1, 1.0 and True are equal keys but
    # not the same text.
    memo: dict[tuple, float | None] = {}
    out = {}
    for i, values in enumerate(texts):
        try:
            height = memo.get(values, _UNSEEN)
        except TypeError:  # a value that cannot be a key (not a text, so never kept)
            height = _UNSEEN
        if height is _UNSEEN:
            lines = max(pagesetup.text_lines(v, widths[j]) for v, j in zip(values, cols))
            height = pagesetup.row_points(lines) if lines > 1 else None
            if all(v is None or type(v) is str for v in values):
                memo[values] = height
        if height is not None:
            out[first_row + i] = height
    return out


_UNSEEN = object()


def widths_of(spec: SheetSpec, rows: list[Sequence[Any]], sample: int = WIDTH_SAMPLE) -> list[float]:
    widths = [display_width(c) for c in spec.columns]
    for r in rows[:sample]:
        for j, v in enumerate(r):
            widths[j] = max(widths[j], display_width(v))
    return [spec.widths.get(col, min(max(widths[j] + 2, 6), 60)) for j, col in enumerate(spec.columns)]


def note_height(line: str, span: float) -> float | None:
    """The height of a `wrap_notes` line merged across a table `span` wide (the sum of its
    column widths), in points; None where it fits on one line."""
    n = -(-display_width(line) * 11 // (10 * max(int(span) - 2, 1)))  # 10% slack
    return 15 * n + 2 if n > 1 else None


def chart_height(n: int) -> float:
    return max(7.5, 0.7 * n + 3)  # cm: a bar per row


CHART_WIDTH = 22  # cm
