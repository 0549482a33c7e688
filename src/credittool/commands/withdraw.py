"""`credittool withdraw` as a library call: a file ingested by mistake taken back out of its
term, the term's workbooks and any published certificates rewritten (ledger/withdrawals.py);
or, with `undo`, the withdrawal undone so that the next ingest reads the file again."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from credittool.commands.certificates import republish
from credittool.commands.ingest import load_term
from credittool.errors import UsageError
from credittool.ledger import withdrawals
from credittool.ledger.db import now, transaction
from credittool.ledger.terms import choose_ledger_term, open_ledger
from credittool.ledger.verdicts import terms_shown_with
from credittool.write.outputs import refresh_shown, write_outputs


@dataclass
class WithdrawResult:
    withdrawn: withdrawals.Withdrawn
    workbooks: list[Path]  # the term's register.xlsx and rejects.xlsx, rewritten
    republished: list[Path] = field(default_factory=list)  # certificates.xlsx and the verification page
    stale: list[Path] = field(default_factory=list)  # report.xlsx written before the withdrawal
    registers: list[Path] = field(default_factory=list)  # the year's other terms' register.xlsx, rewritten


@dataclass
class UndoResult:
    term_id: str
    name: str


def withdraw(name: str, *, rules: list[Path], workspace: Path, term: str | None = None,
             reason: str = "") -> WithdrawResult:
    if not rules:
        raise UsageError("撤回文件后要按规则重算验印或达标：请给出 --rules", f"例如 credittool withdraw {name} --rules rules/ --term <学期>")
    term_rules = load_term(rules, term)
    con = open_ledger(workspace)
    try:
        with transaction(con):
            w = withdrawals.withdraw(con, term_rules, name, reason, now())
        out_dir = workspace / "out" / term_rules.term_id
        write_outputs(con, term_rules, out_dir)
        registers, stale = refresh_shown(con, workspace, terms_shown_with(con, term_rules.term_id))
    finally:
        con.close()
    return WithdrawResult(w, [out_dir / "register.xlsx", out_dir / "rejects.xlsx"], republish(workspace, w.certificates),
                          stale, registers)


def undo(name: str, *, workspace: Path, term: str | None = None) -> UndoResult:
    con = open_ledger(workspace)
    try:
        term_id, _ = choose_ledger_term(con, term)
        with transaction(con):
            recorded = withdrawals.undo(con, term_id, name, now())
    finally:
        con.close()
    return UndoResult(term_id, recorded)
