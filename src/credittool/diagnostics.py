"""Diagnostics are data (STYLE principle 2): every problem carries its place and a hint.

`Problem` is the one shape of everything an ingest or a rules check has to say: a refused
cell, row, file or rule (error), a warning, a note, and a row passed over (skip). Its
`severity` says which; `rule` points at the rules file's line and key when a rule fired.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from enum import Enum


class Severity(str, Enum):
    """How much a problem weighs, and the word it shows as (where one is shown)."""

    ERROR = "error"  # the row, file or rule is refused
    WARNING = "warning"  # nothing refused, but likely a mistake the clerk must look at
    NOTE = "note"  # worth telling, nothing refused
    SKIP = "skip"  # a row passed over: blank, a totals row, an exact duplicate

    @property
    def word(self) -> str:
        return _WORDS[self]


_WORDS = {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.NOTE: "提示", Severity.SKIP: "跳过"}


@dataclass(frozen=True, slots=True)
class RuleRef:
    """Where the rule that fired is written."""

    file: str  # the rules file
    line: int | None  # 1-based; None when the problem is the file itself (missing, unreadable)
    path: str  # the key path, e.g. courses[1].hours; "" for the whole file

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file  # a missing file has no line


# the fields a data problem has always shown as (check --json, the problem list): kept so
_DATA_FIELDS = ("file", "sheet", "row", "column", "value", "code", "message", "hint")


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
    severity: Severity = Severity.ERROR
    rule: RuleRef | None = None

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

    def placed(self, file: str, sheet: str = "", row: int | None = None, column: str = "", value: str = "") -> Problem:
        """This problem at a place: a cell's or a file's problem is found before its place is known."""
        return replace(self, file=file, sheet=sheet, row=row, column=column, value=value)

    def as_dict(self) -> dict:
        """The data problem as check --json and the problem list have always shown it."""
        return {k: getattr(self, k) for k in _DATA_FIELDS}

    def rule_dict(self) -> dict:
        """A rules file's problem as check --json shows it: file, line, key path, message."""
        rule = self.rule or RuleRef("", None, "")
        return {"file": rule.file, "line": rule.line, "path": rule.path, "message": self.message}


def unplaced(code: str, message: str, hint: str = "") -> Problem:
    """A problem whose place is added later (see Problem.placed): a cell's, a file's."""
    return Problem("", "", None, "", "", code, message, hint)


def rules_problem(file: str, line: int | None, path: str, message: str) -> Problem:
    """A mistake in a rules file: no data cell, the rule's place instead."""
    return Problem("", "", None, "", "", "E-RULES", message, rule=RuleRef(file, line, path))


def skip(file: str, sheet: str, row: int, reason: str) -> Problem:
    """A row passed over (blank, totals, an exact duplicate); its reason is the message."""
    return Problem(file, sheet, row, "", "", "S-SKIPPED", reason, severity=Severity.SKIP)


def note(file: str, message: str, sheet: str = "", row: int | None = None) -> Problem:
    """Something worth telling about a file; nothing refused. The message says the place itself."""
    return Problem(file, sheet, row, "", "", "N-NOTE", message, severity=Severity.NOTE)


def warning(file: str, message: str, sheet: str = "") -> Problem:
    """Nothing refused, but likely a mistake: a sheet named like a course was not imported."""
    return Problem(file, sheet, None, "", "", "W-WARNING", message, severity=Severity.WARNING)


def of(problems: list[Problem], severity: Severity) -> list[Problem]:
    return [p for p in problems if p.severity is severity]


HOURS_CREDITS = "W-HOURS-CREDITS"  # a row's 学时 and 学分 disagree; its 学时 count (resolve/programmes.py)
NOT_READ_CODE = "N-FILE-"  # the codes of read/inputs.py's notes on files it did not read


class BySeverity:
    """What a run's one list of problems (`self.problems`) holds, selected by severity."""

    problems: list[Problem]

    @property
    def rejects(self) -> list[Problem]:
        return of(self.problems, Severity.ERROR)

    @property
    def warnings(self) -> list[Problem]:
        return of(self.problems, Severity.WARNING)

    @property
    def notes(self) -> list[Problem]:
        return of(self.problems, Severity.NOTE)

    @property
    def skipped(self) -> list[Problem]:
        return of(self.problems, Severity.SKIP)

    @property
    def not_read(self) -> list[Problem]:
        """The files in an input folder that were not read, with why (read/inputs.py)."""
        return [p for p in self.notes if p.code.startswith(NOT_READ_CODE)]


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
            return self.warning(term.name_of(self.course_id))
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
