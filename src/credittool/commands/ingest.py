"""`credittool ingest` as a library call: files → ledger → register (STYLE principle 1)."""

from __future__ import annotations

import importlib
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from credittool.diagnostics import HOURS_CREDITS, BySeverity, Problem, Severity, note
from credittool.errors import NothingToDo, RulesInvalid, UsageError
from credittool.extract.cells import Vocabulary
from credittool.extract.rows import FileResult
from credittool.extract.workers import extract_many
from credittool.extract.yearnamed import other_months, other_years
from credittool.ids import NEAR_ID
from credittool.ledger.certificates import Synced
from credittool.ledger.closing import refuse_if_closed
from credittool.ledger.db import LEDGER_NAME, connect, has_entries, known_files
from credittool.ledger.listednames import listed_names
from credittool.ledger.terms import meant
from credittool.ledger.filerecords import FileSummary, in_other_terms, superseded, withdrawn as withdrawn_files
from credittool.read.inputs import scan_inputs
from credittool.read.limits import FileLimits
from credittool.rules.loader import RuleBook, TermRules, load_rules
from credittool.stages import Clock, Progress, collector_paused

if TYPE_CHECKING:  # the later stages (pandas …) are imported while the files are read: `_later_stages`
    from credittool.ledger.commit import Committed
    from credittool.resolve.run import Resolution
    from credittool.write.register import RegisterStats

LATER_STAGES = ("credittool.resolve.run", "credittool.ledger.commit", "credittool.write.earlyparts",
                "credittool.write.outputs", "credittool.commands.certificates")


def _later_stages() -> None:
    """The modules of resolve, commit and write, imported in the parent while the workers
    read the files: the workers, forked before, do without them, and the run does not wait
    for pandas before the first file is read."""
    for m in LATER_STAGES:
        importlib.import_module(m)


@dataclass
class IngestReport(BySeverity):
    term_id: str
    term_name: str
    out_dir: Path
    files: list[FileSummary]
    problems: list[Problem]  # every one of the run: rejects, warnings, notes, skipped rows, files not read
    stats: RegisterStats
    replaced: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # phase → wall seconds (bench/ prints them)
    certificates: Synced = field(default_factory=Synced)  # issued certificates kept in step by this run
    republished: list[Path] = field(default_factory=list)  # certificates.xlsx and the verification page, rewritten
    stale: list[Path] = field(default_factory=list)  # report.xlsx written before this run changed the term
    registers: list[Path] = field(default_factory=list)  # the year's other terms' register.xlsx, rewritten

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def nothing_ingested(self) -> bool:
        """No row accepted and no file already in the ledger: the run achieved nothing."""
        return self.accepted == 0 and not any(f.status in ("未改动", "已撤回", "已被替换") for f in self.files)

    @property
    def slips(self) -> list[Problem]:
        """What was accepted but needs a look: one name in one unit under two IDs a digit apart
        (two people now), a file byte for byte one of another term's, a row whose 学时 and 学分
        disagree."""
        return [p for p in self.warnings if p.code in (NEAR_ID, OTHER_TERM, HOURS_CREDITS)]

    @property
    def unreadable(self) -> list[FileSummary]:
        """The files that need a look: they could not be read, and are read again next run."""
        return [f for f in self.files if f.status == "无法读取"]


def choose_term(book: RuleBook, term: str | None) -> TermRules:
    """The term whose files are read: the one named, or the rules' only term."""
    if term is not None:
        if term not in book.terms:
            raise UsageError(f"规则中没有学期 {term}", meant(term, book.terms) + "可选学期：" + "、".join(sorted(book.terms))
                             + _sibling_hint(book, term))
        return _with_courses(book.terms[term])
    if len(book.terms) == 1:
        return _with_courses(next(iter(book.terms.values())))
    raise UsageError("规则文件涉及多个学期：" + "、".join(sorted(book.terms)), "用 --term 指定学期，例如 --term "
                     + sorted(book.terms)[0])


def _sibling_hint(book: RuleBook, term: str) -> str:
    """For another term of a school year the rules know (2018-19-s2 beside 2018-19-s1): how
    to write its file in two lines, taking the known term's programmes and standards."""
    year = term.rsplit("-", 1)[0]
    known = next((t for t in sorted(book.terms) if t.rsplit("-", 1)[0] == year and book.terms[t].year == year), None)
    if known is None:
        return ""
    ps = book.terms[known].programmes
    base = ps.base if ps is not None and ps.base else Path(book.terms[known].programme_source).name  # one level
    return (f"。若 {term} 是 {year} 学年的另一个学期，在 {base} 旁新建一个规则文件，写两行："
            f"base: {base} 与 term: {{id: {term}, name: …, year: {year}}}")


def _with_courses(term: TermRules) -> TermRules:
    """A term is read against its courses or its programmes. One with both is not read yet:
    say so rather than mix a course term's stamps (R9) with a year's standards (R12–R17)."""
    if term.by_track and term.programmes is not None:
        raise UsageError(f"学期 {term.term_id}（{term.term_name}）的规则既有课程又有培训项目；这一版还不能在同一学期同时导入两者",
                         "把课程和项目放在不同学期的规则文件中")
    return term


def vocabulary(term: TermRules) -> Vocabulary:
    return Vocabulary(term.status, term.yes, term.no)


def load_book(rules: list[Path]) -> RuleBook:
    book = load_rules(rules)
    if not book.ok:
        raise RulesInvalid(book.problems)
    return book


def load_term(rules: list[Path], term: str | None) -> TermRules:
    return choose_term(load_book(rules), term)


def other_year_files(results: list[FileResult], term: TermRules, book: RuleBook) -> list[Problem]:
    """A problem for each file of a term of programmes whose name or table title names
    another school year (2017-2018学年… read with --term 2016-17-s1)."""
    if term.year is None:  # a term of courses: the months its name names (2009年1—6月)
        courses = "、".join(t for t in sorted(book.terms) if book.terms[t].year is None and t != term.term_id)
        hint = f"若该文件属于另一个学期，用那个学期导入（规则中其他的课程学期：{courses or '（无）'}）；" \
               "若确属本学期，改正其中的年份，或导入时加 --any-year"
        return [replace(p, hint=hint) for fr in results if fr.error is None
                for p in other_months(fr.name, fr.titles, term.term_name)]
    by_first = {int(t.year[:4]): t.term_id for t in book.terms.values() if t.year is not None}
    problems = []
    for fr in results:
        for p, firsts in other_years(fr.name, fr.titles, term.year) if fr.error is None else ():
            known = [by_first[y] for y in sorted(firsts) if y in by_first]
            other = f"用该学年的学期导入（--term {' 或 '.join(known)}）" if known else "先写好该学年的规则再导入"
            problems.append(replace(p, hint=f"若该文件属于另一个学年，{other}；若确属 {term.year} 学年，改正其中的年份，"
                                            "或导入时加 --any-year"))
    return problems


def refuse_other_years(fresh: list[tuple[FileResult, str]], term: TermRules, book: RuleBook) -> None:
    """Stop before the ledger is touched when a file names another school year: files are
    replaced by name within a term, and a folder of another year would replace this term's."""
    found = other_year_files([fr for fr, _ in fresh], term, book)
    if found:
        shown = "".join(f"\n  • {p.where}：{p.message}" for p in found[:8])
        more = f"\n  …另有 {len(found) - 8} 处（全部：credittool check <同一文件夹> --rules … --term {term.term_id}）" \
            if len(found) > 8 else ""
        files = len({p.file for p in found})
        raise UsageError(f"{files} 个文件写的是另一个{'学年' if term.year else '学期'}，不是 --term {term.term_id} 的 "
                         f"{term.year + ' 学年' if term.year else term.term_name}；"
                         f"为免替换本学期同名的文件，这次没有导入任何文件：{shown}{more}", found[0].hint)


@collector_paused()
def ingest(paths: list[Path], *, rules: list[Path], workspace: Path, term: str | None = None,
           course: str | None = None, on_file: Callable[[str], None] | None = None,
           limits: FileLimits = FileLimits(), on_progress: Progress | None = None,
           any_year: bool = False) -> IngestReport:
    """Ingest school spreadsheets into the ledger and rebuild the term's register.

    `on_progress(stage, done, total)` hears each file read ("read") and the start of each
    later stage ("resolve", "commit", "write"; done = total = 0), then "done".
    Raises RulesInvalid (bad rules), UsageError (bad arguments, a file of another school year
    unless `any_year`), NothingToDo (no usable file).
    """
    clock = Clock(on_progress)
    book = load_book(rules)
    term_rules = choose_term(book, term)
    vocab = vocabulary(term_rules)
    out_dir = workspace / "out" / term_rules.term_id
    inputs = scan_inputs(paths, exclude=workspace / "out")
    files = inputs.files
    if not files:
        raise NothingToDo("没有找到可导入的表格文件", "支持 .xlsx .xls .ods .csv；检查路径")
    known, passed_over, first_load, listed = _ledger_before(workspace, term_rules)
    summaries: dict[str, FileSummary] = {}
    labels = _display_names(files)
    clock.lap("prepare")
    fresh, same_bytes = _triage(extract_many([(f, labels[f]) for f in files], term_rules, vocab, course,
                                             clock.reading(on_file, len(files)), known | set(passed_over), limits,
                                             meanwhile=_later_stages), summaries, passed_over)
    clock.lap("extract")
    if not any_year:
        refuse_other_years(fresh, term_rules, book)
    from credittool.resolve.run import resolve  # imported while the files were read

    res = resolve([fr for fr, _ in fresh], term_rules, listed)
    clock.lap("resolve")
    committed, notes, stats, stale, republished, registers = _commit_and_write(workspace, term_rules, fresh, res, first_load,
                                                                    same_bytes, summaries, clock)
    return IngestReport(term_rules.term_id, term_rules.term_name, out_dir, [summaries[labels[f]] for f in files],
                        _problems(fresh, res, committed, notes) + inputs.not_read, stats, committed.replaced,
                        clock.laps, committed.certificates, republished, stale, registers)


def _commit_and_write(workspace: Path, term: TermRules, fresh: list[tuple[FileResult, str]], res: Resolution,
                      first_load: bool, same_bytes: list[Problem], summaries: dict[str, FileSummary],
                      clock: Clock) -> tuple[Committed, list[Problem], RegisterStats, list[Path], list[Path], list[Path]]:
    """The run into the ledger in one transaction, then the term's workbooks; the notes of the
    run, the workbooks' figures, the reports now stale, the certificate files rewritten and
    the registers of the year's other terms rewritten (they show the year's verdicts)."""
    from credittool.commands.certificates import republish
    from credittool.ledger.commit import commit_run
    from credittool.write import earlyparts
    from credittool.ledger.verdicts import terms_shown_with
    from credittool.write.outputs import refresh_shown, write_outputs

    out_dir = workspace / "out" / term.term_id
    # a province's first load: the register's parts are written during the commit
    early = earlyparts.start(res.entries, term, out_dir) if first_load and term.by_track else None
    try:
        con = connect(workspace / LEDGER_NAME)
        try:
            elsewhere = in_other_terms(con, term.term_id, [sha for _, sha in fresh])
            committed = commit_run(con, term, fresh, res)
            committed.notes += [_copied(fr.name, *elsewhere[sha], term.term_id) for fr, sha in fresh if sha in elsewhere]
            said = {(w.file, w.sheet, w.row) for w in res.warnings}  # a slip the run itself showed is said once
            committed.notes = [n for n in committed.notes if (n.file, n.sheet, n.row) not in said]
            summaries.update(committed.files)
            if early is not None:
                early.confirm(committed.whole)
            res.entries = None  # in the ledger now: free the run's rows before the register is written
            clock.lap("commit")
            notes = same_bytes + [n for fr, _ in fresh for n in fr.notes] + res.notes + committed.notes
            for n in notes:
                if n.severity is Severity.NOTE and n.file in summaries:  # a warning is said on its own (.slips)
                    summaries[n.file].notes.append(n.message)  # (a note on a ledger file not in this run: in .problems)
            stats = write_outputs(con, term, out_dir, early)
            registers, stale = refresh_shown(con, workspace, terms_shown_with(con, term.term_id))
        finally:
            con.close()
        republished = republish(workspace, committed.certificates)
        clock.lap("write")
    finally:
        if early is not None:
            early.close()
    return committed, notes, stats, stale, republished, registers


OTHER_TERM = "W-OTHER-TERM"


def _copied(name: str, term: str, there: str, this_term: str) -> Problem:
    return Problem(name, "", None, "", "", OTHER_TERM, f"「{name}」与 {term} 学期已导入的「{there}」内容完全相同",
                   f"若放错了学期的文件夹，用 credittool withdraw {name} --rules … --term {this_term} 撤回", Severity.WARNING)


def _ledger_before(workspace: Path, term: TermRules
                   ) -> tuple[frozenset[str], dict[str, tuple[str, str]], bool, dict[str, tuple[str, str]]]:
    """Before any file is read: the year is open; the bytes the term has (not read again);
    those it passes over, each with its status and why (withdrawn, or a school workbook
    replaced by one of another name that still stands); whether the term has no entries yet;
    in a term of programmes, the names its staff lists write (ID → name, place)."""
    con = connect(workspace / LEDGER_NAME)
    try:
        refuse_if_closed(con, term.year)
        passed_over = {sha: ("已撤回", f"这份文件（「{name}」）已于 {at[:10]} 从本学期撤回，没有读取；确要再导入，"
                                     f"先 credittool withdraw {name} --term {term.term_id} --undo")
                       for sha, (name, at) in withdrawn_files(con, term.term_id).items()}
        passed_over |= {sha: ("已被替换", f"这份文件（「{old}」）已被同一单位的「{new}」替换，没有读取；"
                                       f"要改回这份，先 credittool withdraw {new} --rules … --term {term.term_id}")
                        for sha, (old, new) in superseded(con, term.term_id).items()}
        listed = listed_names(con, term.term_id) if term.programmes is not None else {}
        return frozenset(known_files(con, term.term_id)), passed_over, not has_entries(con, term.term_id), listed
    finally:
        con.close()  # reopened for the commit: no connection is open while workers fork


def _problems(fresh: list[tuple[FileResult, str]], res: Resolution, committed: Committed,
              notes: list[Problem]) -> list[Problem]:
    """Every problem of the run, in the order the report lists them: rejects, files not read,
    warnings and notes, skipped rows."""
    problems = [p for fr, _ in fresh for p in fr.rejects] + res.rejects + committed.late
    problems += [fr.error for fr, _ in fresh if fr.error is not None]
    problems += [w for fr, _ in fresh for w in fr.warnings] + res.warnings + notes
    return problems + [s for fr, _ in fresh for s in fr.skipped] + res.skipped


def _triage(results: list[FileResult], summaries: dict[str, FileSummary], passed_over: dict[str, tuple[str, str]]
            ) -> tuple[list[tuple[FileResult, str]], list[Problem]]:
    """The files this run brings: not those the ledger has (未改动) or passes over (已撤回,
    已被替换: with a note saying why and how to undo it), nor a second copy of a file of this
    run (重复, with a note saying of which; if its bytes could not be read, both copies need a look)."""
    fresh: list[tuple[FileResult, str]] = []
    same_bytes: list[Problem] = []
    first: dict[str, str] = {}  # sha256 → the name of the run's first file with these bytes
    for fr in results:
        if fr.known and fr.sha256 in passed_over:
            status, why = passed_over[fr.sha256]
            summaries[fr.name] = FileSummary(fr.name, status)
            same_bytes.append(note(fr.name, why))
        elif fr.known:
            summaries[fr.name] = FileSummary(fr.name, "未改动")
        elif fr.sha256 in first:
            if fr.error is None:
                summaries[fr.name] = FileSummary(fr.name, "重复")
                same_bytes.append(note(fr.name, f"与「{first[fr.sha256]}」内容相同，只计一次"))
            else:
                summaries[fr.name] = FileSummary(fr.name, "无法读取", problem=fr.error)
        else:
            first[fr.sha256] = fr.name
            fresh.append((fr, fr.sha256))
    return fresh, same_bytes


def _display_names(files: list[Path]) -> dict[Path, str]:
    """Short names for messages: the file name, or a relative path where names repeat."""
    counts = Counter(f.name for f in files)
    if all(c == 1 for c in counts.values()):
        return {f: f.name for f in files}
    base = Path(os.path.commonpath([f.resolve().parent for f in files]))
    return {f: str(f.resolve().relative_to(base)) for f in files}
