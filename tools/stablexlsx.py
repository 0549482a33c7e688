"""Save an openpyxl workbook byte-identically on every run, for the generated samples:
fixed workbook properties, and the zip rewritten with fixed entry times and modes."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any


def save(wb: Any, path: Path, when: dt.datetime, author: str) -> None:
    """Write `wb` (an openpyxl Workbook) to `path`, stamped `when` and by `author`."""
    from openpyxl.writer.excel import ExcelWriter

    wb.properties.creator = author
    wb.properties.lastModifiedBy = author
    wb.properties.created = when
    wb.properties.modified = when
    buf = io.BytesIO()
    # ExcelWriter directly: save_workbook would stamp "modified" with the current time.
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)).save()
    path.write_bytes(stable_zip(buf.getvalue(), when.timetuple()[:6]))


def stable_zip(data: bytes, date_time: tuple[int, ...]) -> bytes:
    """The zip `data` rewritten with every entry at `date_time`, mode 644, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def write_row(ws: Any, r: int, cells: list[Any], bold: bool = False) -> None:
    """Row `r` (1-based) of an openpyxl worksheet: text stays text (an ID, "=张三" is never a
    formula), None leaves the cell out, `bold` for a header row."""
    from openpyxl.styles import Font

    for c, v in enumerate(cells, 1):
        if v is None:
            continue
        cell = ws.cell(r, c)
        cell.value = v
        if isinstance(v, str):
            cell.data_type = "s"
        if bold:
            cell.font = Font(bold=True)
