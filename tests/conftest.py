"""Shared fixtures: paths and a builder for small, hand-made school workbooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
TEXT_H1 = RULES / "huadian-2009-h1-text.yaml"


def check_id(first17: str) -> str:
    from credittool.ids import check_char

    return first17 + check_char(first17)


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]], hidden: tuple[str, ...] = ()) -> Path:
    """Write rows as given: str stays a text cell, int/float a numeric cell."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.data_type == "f":
                    c.data_type = "s"  # a name like "=张三" is text, as a clerk typed it
        if name in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    return ws


def read_sheet(path: Path, sheet: str) -> list[dict[str, Any]]:
    """Rows of an output sheet as dicts keyed by its header row (the first row)."""
    from openpyxl import load_workbook

    ws = load_workbook(path, read_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    return [dict(zip(head, tuple(r) + (None,) * (len(head) - len(r)))) for r in rows[1:]]
