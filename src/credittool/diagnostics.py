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


@dataclass(frozen=True, slots=True)
class Unimported:
    """A sheet whose rows were read but not imported: hidden, or no header row found.
    Its rows are counted here so that every row read is accounted for."""

    file: str
    sheet: str
    rows: int  # non-blank rows below the header (all non-blank rows when there is none)
    hidden: bool  # else: no header row found
    course_id: str = ""  # the term's course the sheet's name names, if any

    @property
    def why(self) -> str:
        return "隐藏的工作表，未导入" if self.hidden else "找不到表头（需有 姓名、身份证号 等列），未导入"

    @property
    def what(self) -> str:
        """The sheet as a sentence names it."""
        return f"{self.file} 的{'隐藏' if self.hidden else ''}工作表「{self.sheet}」"

    def warning(self, course_name: str) -> str:
        """For a sheet named like a course of the term: most likely that course's results."""
        fix = "取消隐藏" if self.hidden else "补上表头（姓名、身份证号 等列）"
        how = "未导入" if self.hidden else "找不到表头，未导入"
        return (f"{self.what}{how}，它与本学期课程「{course_name}」同名，其中 {self.rows} 行成绩没有计入："
                f"{fix}后重新导入该文件")

    def message(self, term) -> str:  # noqa: ANN001 - TermRules; diagnostics imports nothing of ours
        """The warning (a sheet named like a course of the term) or the note."""
        if self.course_id:
            return self.warning(term.course_named(self.course_id).name)
        why = "未导入" if self.hidden else self.why
        return f"{'隐藏' if self.hidden else ''}工作表「{self.sheet}」{why}（{self.rows} 行，见 rejects.xlsx「未导入的工作表」）"

    def as_dict(self) -> dict:
        return {**asdict(self), "why": self.why}


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """Whom a rejected row was about, so that a teacher's missing result can say that the
    row was not accepted (see missing.py) instead of 缺少成绩."""

    file: str
    sheet: str
    row: int
    id: str | None  # the row's ID when it is a valid one, else None
    raw_id: str  # the ID cell as the clerk sees it
    unit: str
    name: str
    course_id: str  # "" when the row's course could not be told
