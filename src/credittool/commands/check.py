"""`credittool check` as a library call: validate rules (and data) and write nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from credittool.diagnostics import BySeverity, Problem, Unimported
from credittool.errors import RulesInvalid
from credittool.extract.workers import extract_many
from credittool.fields import label
from credittool.read.limits import FileLimits, machine, show_size
from credittool.commands.ingest import choose_term, other_year_files, vocabulary
from credittool.read.inputs import scan_inputs
from credittool.write.rejects import REJECT_COLUMNS
from credittool.resolve.run import resolve
from credittool.rules.loader import TermRules, load_rules
from credittool.rules.schema import Course
from credittool.score.cycle import describe as describe_cycle
from credittool.score.standards import describe
from credittool.write.xlsxout import SheetSpec, write_xlsx
from credittool.stages import collector_paused


def _scoring(c: Course) -> str:
    if c.attendance_only:
        return "出勤即合格"
    parts = [" + ".join(f"{label(c2.field)}×{c2.weight}" for c2 in c.components)]
    parts += [f"{label(m.field)}≥{m.min}" + ("（有该列时）" if m.optional else "") for m in c.minimums]
    parts += [f"报考条件 {label(m.field)}≥{m.min}" for m in c.exam_prerequisites]
    return "；".join(parts)


def _term_info(t: TermRules) -> dict:
    """What `check` shows of a term: its courses, and its programmes and standards."""
    info: dict = {"id": t.term_id, "name": t.term_name, "courses": [
        {"track": rs.track.name, "id": c.id, "name": c.name, "required": c.required, "hours": str(c.hours),
         "credits": str(c.credit_value), "scoring": _scoring(c)} for rs in t.by_track.values() for c in rs.courses]}
    ps = t.programmes
    if ps is not None:
        info["year"] = ps.term.year
        info["programmes"] = [
            {"id": p.id, "name": p.name, "category": ps.category_names[p.category], "max_hours": str(p.max_hours),
             "hours": "按名册" if p.fixed_hours is None else str(p.fixed_hours),
             "passing": "出勤即合格" if p.attendance_based else "看结果（合格、结业…）"} for p in ps.programmes]
        info["standards"] = describe(ps)
        if ps.cycle is not None:
            info["cycle"] = describe_cycle(ps.cycle, ps.category_names)
    return info


@dataclass
class CheckResult(BySeverity):
    rules_files: list[str]
    terms: list[dict]
    # every problem: rejects, warnings, skipped rows, and (its only notes) the files not read
    problems: list[Problem] = field(default_factory=list)
    files_checked: int = 0
    rows_read: int = 0  # rows of the sheets that would be imported
    accepted: int = 0
    unimported: list[Unimported] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        """Rows with at least one problem (a row may have several: one per cell)."""
        return len({(p.file, p.sheet, p.row) for p in self.rejects if p.row is not None})

    def rows(self) -> dict[str, int]:
        """Conservation: read = accepted + rejected + skipped + unimported."""
        unimported = sum(u.rows for u in self.unimported)
        return {"read": self.rows_read + unimported, "accepted": self.accepted, "rejected": self.rejected_rows,
                "skipped": len(self.skipped), "unimported": unimported}

    def as_json(self) -> dict:
        return {"rules_files": self.rules_files, "terms": self.terms, "files_checked": self.files_checked,
                "rows_read": self.rows_read, "accepted": self.accepted, "rows": self.rows(),
                "problem_count": {"cells": len(self.rejects), "rows": self.rejected_rows},
                "problems": [p.as_dict() for p in self.rejects],
                "skipped": [{"file": s.file, "sheet": s.sheet, "row": s.row, "reason": s.message} for s in self.skipped],
                "unimported_sheets": [u.as_dict() for u in self.unimported], "warnings": [w.message for w in self.warnings],
                "not_read": [p.as_dict() for p in self.not_read]}


def write_problems(problems: list[Problem], target: Path) -> None:
    """The problem list as a workbook with the columns of rejects.xlsx, so a clerk can sort it."""
    rows = [[p.file, p.sheet, p.row, p.column, p.value, p.message, p.hint, p.code] for p in problems]
    target.parent.mkdir(parents=True, exist_ok=True)
    write_xlsx(target, [SheetSpec("问题清单", REJECT_COLUMNS, rows, widths={"原因": 60, "处理办法": 50})])


def limits_info(limits: FileLimits) -> dict:
    """`check --limits`: what one file may cost, beside what this machine has."""
    m = machine()
    return {"file_memory": limits.memory, "file_memory_text": show_size(limits.memory),
            "file_timeout_s": limits.seconds, "machine_memory": m["memory"],
            "machine_memory_text": show_size(m["memory"]), "cores": m["cores"], "workers": min(m["cores"], 2)}


@collector_paused()
def check(paths: list[Path], *, rules: list[Path], term: str | None = None, course: str | None = None,
          limits: FileLimits = FileLimits(), out: Path | None = None) -> CheckResult:
    """Validate the rules (and the files in `paths`); write nothing, except the problem list
    to `out` when it is given."""
    book = load_rules(rules)
    if not book.ok:
        raise RulesInvalid(book.problems)
    # the term the files are read against, or the one named: its rules alone are shown
    tr = choose_term(book, term) if paths or term is not None else None
    result = CheckResult(book.files, [_term_info(t) for t in ([tr] if tr is not None else book.terms.values())])
    if not paths:
        if out is not None:
            write_problems([], out)
        return result
    vocab = vocabulary(tr)
    inputs = scan_inputs(paths)
    files = inputs.files
    results = extract_many([(f, f.name) for f in files], tr, vocab, course, limits=limits)
    res = resolve(results, tr)
    result.files_checked = len(files)
    result.rows_read = sum(fr.rows_read for fr in results)
    result.accepted = len(res.entries) + len(res.spot) + len(res.staff) + sum(len(fr.research) for fr in results)
    # (spot-test scores, staff-list rows and a 课题 list's projects are accepted rows too)
    result.unimported = [u for fr in results for u in fr.unimported]
    result.problems = [fr.error for fr in results if fr.error] + other_year_files(results, tr, book)
    result.problems += [p for fr in results for p in fr.rejects] + res.rejects
    result.problems += [w for fr in results for w in fr.warnings] + res.warnings + inputs.not_read
    result.problems += [s for fr in results for s in fr.skipped] + res.skipped
    if out is not None:
        write_problems(result.rejects, out)
    return result
