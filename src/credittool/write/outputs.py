"""The term's workbooks (register.xlsx, its parts, rejects.xlsx) kept in step with the ledger.

Every ingest commit bumps the term's generation in the ledger (ledger.bump_generation);
after the workbooks are written, the ledger records which generation they show. A run
killed between its commit and its workbooks leaves them behind the ledger: the next ingest
writes them anyway, and `report` notices and rewrites them.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from credittool.write import register
from credittool.ledger import filerecords
from credittool.ledger.db import generation, mark_written
from credittool.write.register import RegisterStats, StagedParts

if TYPE_CHECKING:  # annotations only: the report's imports stay light
    from credittool.rules.loader import TermRules

WORKBOOKS = ("register.xlsx", "rejects.xlsx")


@contextmanager
def _one_writer(out_dir: Path) -> Iterator[None]:
    """Writers of one term's workbooks take turns (a lock on the folder), so the generation
    recorded last is that of the files left on disk."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def write_outputs(con: sqlite3.Connection, term: TermRules | LedgerTerm, out_dir: Path,
                  early: StagedParts | None = None) -> RegisterStats:
    """register.write_outputs, and the generation the workbooks now show recorded."""
    with _one_writer(out_dir):
        gen = generation(con, term.term_id)  # what is committed now; the files show at least this
        stats = register.write_outputs(con, term, out_dir, early)
        mark_written(con, term.term_id, gen)
    return stats


def stale(con: sqlite3.Connection, term_id: str, out_dir: Path) -> bool:
    """The ledger moved on since the workbooks were written, or one of them is missing."""
    if generation(con, term_id, "written") < generation(con, term_id):
        return True
    return filerecords.has_files(con, term_id) and not all((out_dir / name).exists() for name in WORKBOOKS)


REPORT = "report.xlsx"  # written by `credittool report`, from the ledger as it stood then


def stale_reports(con: sqlite3.Connection, workspace: Path, terms: list[str]) -> list[Path]:
    """The terms' report.xlsx written before the ledger's last change to their term: a
    correcting ingest, a withdrawal or an adjustment has made them out of date."""
    return [workspace / "out" / t / REPORT for t in terms if (workspace / "out" / t / REPORT).exists()
            and generation(con, t, "reported") < generation(con, t)]


def refresh_shown(con: sqlite3.Connection, workspace: Path, terms: list[str]) -> tuple[list[Path], list[Path]]:
    """After a change the workbooks of `terms` show (ledger.verdicts.terms_shown_with): each
    register.xlsx written and now behind, rewritten; and their report.xlsx now out of date."""
    rewritten = [workspace / "out" / t / "register.xlsx" for t in terms
                 if (workspace / "out" / t / "register.xlsx").exists() and refresh(con, t, workspace / "out" / t)]
    return rewritten, stale_reports(con, workspace, terms)


@dataclass(frozen=True)
class LedgerTerm:
    """A term known from the ledger alone: register.write_outputs reads only its id."""
    term_id: str


def refresh(con: sqlite3.Connection, term_id: str, out_dir: Path) -> bool:
    """Rewrite the workbooks if they are behind the ledger; True if they were."""
    if not stale(con, term_id, out_dir):
        return False
    write_outputs(con, LedgerTerm(term_id), out_dir)
    return True
