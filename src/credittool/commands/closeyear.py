"""`credittool close` and `credittool adjust` as library calls (issue 15, item 7): a school
year closed, its verdicts and certificate numbers frozen; a late correction recorded as an
adjustment in an open year, with its reason (ledger/closing.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from credittool.commands.certificates import republish
from credittool.ledger import closing, record, verdicts
from credittool.write import outputs
from credittool.ledger.certificates import Synced
from credittool.ledger.db import now, transaction
from credittool.ledger.terms import open_ledger


@dataclass
class CloseResult:
    year: str
    certificates: Synced
    valid: int  # the year's certificates in force, frozen now
    republished: list[Path] = field(default_factory=list)  # certificates.xlsx and the verification page


@dataclass
class AdjustResult:
    adjustment: closing.Adjustment
    certificates: Synced  # the year's issued certificates kept in step
    republished: list[Path] = field(default_factory=list)  # certificates.xlsx and the verification page
    stale: list[Path] = field(default_factory=list)  # the year's report.xlsx written before the adjustment
    registers: list[Path] = field(default_factory=list)  # the year's register.xlsx, rewritten


def close(*, workspace: Path, year: str, reason: str = "") -> CloseResult:
    con = open_ledger(workspace)
    try:
        with transaction(con):
            synced, valid = closing.close_year(con, year, reason, now())
    finally:
        con.close()
    return CloseResult(year, synced, valid, republish(workspace, synced))


def adjust(*, workspace: Path, who: str, year: str, category: str, hours: str, reason: str,
           for_year: str = "") -> AdjustResult:
    con = open_ledger(workspace)
    try:
        teacher = record.one_teacher(con, who)
        with transaction(con):
            a = closing.adjust(con, teacher.id_number, year, category, hours, reason, for_year, now())
    finally:
        con.close()
    synced = a.certificates or Synced()
    registers, stale = _registers(workspace, year)
    return AdjustResult(a, synced, republish(workspace, synced), stale, registers)


def _registers(workspace: Path, year: str) -> tuple[list[Path], list[Path]]:
    """The year's terms' register.xlsx, rewritten where one was written: its 学分汇总 shows
    the verdicts the adjustment changed (write/outputs.py keeps them in step); and their
    report.xlsx, now out of date."""
    con = open_ledger(workspace)
    try:
        return outputs.refresh_shown(con, workspace, verdicts.year_terms(con, year))
    finally:
        con.close()
