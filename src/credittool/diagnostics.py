"""Diagnostics are data (STYLE principle 2): every problem carries its place and a hint."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    sheet: str
    row: int | None  # Excel row number (1-based); None for a file- or sheet-level problem
    column: str  # the header as written in the file, or the field's label
    value: str  # the value seen, as text
    code: str  # stable code, e.g. E-ID-NUMERIC
    message: str  # what is wrong (Chinese, for the clerk)
    hint: str = ""  # what to do

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"「{self.sheet}」")
        if self.row:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"[{self.column}]")
        return " ".join(parts)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Skipped:
    file: str
    sheet: str
    row: int
    reason: str
