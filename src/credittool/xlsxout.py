"""Styled, safe, atomic xlsx output for county-sized tables (openpyxl, write-only).

Every text cell is written as a string cell, so "=cmd|' /C calc'!A0" typed as a name
stays text and can never run as a formula. IDs are text cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credittool.atomic import write_atomic



@dataclass
class SheetSpec:
    title: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    notes: Sequence[str] = ()  # lines written above the table (e.g. how a figure is computed)
    widths: dict[str, float] = field(default_factory=dict)  # column → width override


def _display_width(value: Any) -> int:
    s = value if isinstance(value, str) else ("" if value is None else str(value))
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def write_xlsx(target: Path, sheets: Sequence[SheetSpec]) -> None:
    """Write `sheets` to `target` atomically: header styled and frozen, filters on,
    widths fitted to the content (sampled), all text inert."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    def build(tmp: Path) -> None:
        wb = Workbook(write_only=True)
        fixed = dt.datetime(2000, 1, 1)
        wb.properties.created = fixed
        wb.properties.modified = fixed
        wb.properties.creator = "credittool"
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="DDEBF7")
        wrap = Alignment(vertical="center", wrap_text=False)
        for spec in sheets:
            ws = wb.create_sheet(spec.title[:31])
            rows = [list(r) for r in spec.rows]
            widths = [_display_width(c) for c in spec.columns]
            for r in rows[:2000]:
                for j, v in enumerate(r):
                    widths[j] = max(widths[j], _display_width(v))
            for j, col in enumerate(spec.columns):
                w = spec.widths.get(col, min(max(widths[j] + 2, 6), 60))
                ws.column_dimensions[get_column_letter(j + 1)].width = w
            header_row = len(spec.notes) + 1
            ws.freeze_panes = f"A{header_row + 1}"
            for line in spec.notes:
                ws.append([_text(ws, WriteOnlyCell, line)])
            head = []
            for col in spec.columns:
                c = _text(ws, WriteOnlyCell, col)
                c.font, c.fill, c.alignment = bold, fill, wrap
                head.append(c)
            ws.append(head)
            for r in rows:
                # only "=…" would become a formula; wrapping every cell costs 15% of the run
                ws.append([_text(ws, WriteOnlyCell, v) if isinstance(v, str) and v.startswith("=") else v
                           for v in r])
            last = get_column_letter(max(len(spec.columns), 1))
            ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(rows)}"
        wb.save(tmp)
        _fix_zip_times(tmp)

    write_atomic(target, build)


def _fix_zip_times(path: Path) -> None:
    """Rewrite the zip with fixed times: the same tables give the same bytes. openpyxl
    stamps each zip entry and docProps' modified time with the clock when saving."""
    import re
    import shutil
    import zipfile

    tmp = path.with_name(path.name + ".z")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", src.read(info))
                dst.writestr(fixed, data)
                continue
            with src.open(info) as fin, dst.open(fixed, "w") as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
    tmp.replace(path)


def _text(ws: Any, cell_cls: Any, value: str) -> Any:
    c = cell_cls(ws, value=value)
    c.data_type = "s"  # never a formula, whatever the first character
    return c
