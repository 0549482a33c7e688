"""`credittool close` and `credittool adjust` as library calls (issue 15, item 7): a school
year closed, its verdicts and certificate numbers frozen; a late correction recorded as an
adjustment in an open year, with its reason (ledger/closing.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from credittool.commands.certificates import republish
from credittool.ledger import closing, record
from credittool.ledger.certificates import Synced
from credittool.ledger.db import transaction
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
    republished: list[Path] = field(default_factory=list)


def close(*, workspace: Path, year: str, reason: str = "") -> CloseResult:
    con = open_ledger(workspace)
    try:
        with transaction(con):
            synced, valid = closing.close_year(con, year, reason, _now())
    finally:
        con.close()
    return CloseResult(year, synced, valid, _republished(workspace, synced))


def adjust(*, workspace: Path, who: str, year: str, category: str, hours: str, reason: str,
           for_year: str = "") -> AdjustResult:
    con = open_ledger(workspace)
    try:
        teacher = record.one_teacher(con, who)
        with transaction(con):
            a = closing.adjust(con, teacher.id_number, year, category, hours, reason, for_year, _now())
    finally:
        con.close()
    synced = a.certificates or Synced()
    return AdjustResult(a, synced, _republished(workspace, synced))


def _republished(workspace: Path, synced: Synced) -> list[Path]:
    return republish(workspace) if synced.issued or synced.revoked else []


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")
