"""Certificate numbers (证书编号, R20): one for every teacher stamped for a course term
(验印, R9), and one for every teacher who meets a school year's standards (R17).

- A number is `<term or year>-<seq>` (2009-h1-000001, 2018-19-000001), given in ID order
  when first issued, and never given again: re-issuing changes nothing, a certificate
  whose basis is withdrawn is marked 已撤销 (never deleted), and a corrected one (other
  hours, unit or name) is revoked and issued anew under the next number.
- Its verification code (核验码) is HMAC-SHA256 of the number under the workspace's secret
  key (`KEY_NAME`), the first 60 bits in base32: `ABCD-EFGH-IJKL`. It carries nothing of
  the ID number, and without the key no one can make one that verifies.

Certificates are issued by `credittool certificates`, an act of the office once a term's
results are final; from then on every ingest into that term or year keeps them in step,
inside its transaction (`sync_period`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from credittool.atomic import write_atomic
from credittool.errors import UsageError
from credittool.ledger import verdicts
from credittool.ledger.db import path_of
from credittool.ledger.verdicts import exact
from credittool.score.standards import show

KEY_NAME = "certificate.key"  # in the workspace, beside the ledger: 32 random bytes, owner-only
REVOKED = "已撤销"
VALID = "有效"
_CODE_CHARS = re.compile(r"[^A-Z2-7]")


@dataclass(frozen=True)
class Certificate:
    number: str
    code: str
    kind: str  # "term": stamped (验印); "year": the year's standards met (达标)
    period: str  # the term id, or the school year
    id_number: str
    name: str
    unit: str
    hours: str
    credits: str
    issued_at: str
    revoked_at: str | None
    revoked_why: str | None

    @property
    def status(self) -> str:
        return VALID if self.revoked_at is None else REVOKED

    @property
    def what(self) -> str:
        """What it certifies, in words."""
        return f"{self.period}学年达标" if self.kind == "year" else f"{self.period}学期继续教育证书验印"


@dataclass
class Synced:
    issued: int = 0
    revoked: int = 0


def key_of(con: sqlite3.Connection) -> bytes:
    """The workspace's secret key, made on first use (owner-only file, written atomically).
    Once certificates are issued under it, a lost key is an error, never silently replaced:
    a new key would make every code issued so far fail."""
    path = Path(path_of(con)).parent / KEY_NAME
    if not path.exists() and con.execute("SELECT 1 FROM certificates LIMIT 1").fetchone() is not None:
        raise UsageError(f"工作目录中没有证书密钥 {KEY_NAME}，而台账中已有证书：没有它，已发的核验码都无法核对",
                         f"从备份恢复 {KEY_NAME}（与 ledger.sqlite 放在同一文件夹）后重试")
    if not path.exists():
        key = secrets.token_bytes(32)

        def put(tmp: Path) -> None:
            tmp.write_bytes(key.hex().encode())
            os.chmod(tmp, 0o600)

        write_atomic(path, put)
    return bytes.fromhex(path.read_text().strip())


def code_of(key: bytes, number: str) -> str:
    text = base64.b32encode(hmac.digest(key, number.encode(), hashlib.sha256)).decode()[:12]
    return f"{text[:4]}-{text[4:8]}-{text[8:]}"


def normal_code(text: str) -> str:
    """A code as typed (lower case, spaces, no dashes) in its canonical form, or '' when it
    cannot be one."""
    chars = _CODE_CHARS.sub("", text.upper().replace("-", ""))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}" if len(chars) == 12 else ""


def _basis(con: sqlite3.Connection, kind: str, period: str) -> dict[str, tuple[str, str, str, str]]:
    """ID → (name, unit, hours, credits) of everyone the period certifies now."""
    if kind == "term":
        rows = con.execute("SELECT id_number, name, unit, hours, credits FROM stamps WHERE term = ? AND stamped = 1",
                           (period,))
        return {i: (n, u, _text(h), _text(c)) for i, n, u, h, c in rows}
    rows = con.execute("SELECT id_number, name, unit, total, credits FROM verdicts WHERE year = ? AND met = 1", (period,))
    return {i: (n, u, h, c) for i, n, u, h, c in rows}


def _text(x: float) -> str:
    return show(exact(x))


def periods(con: sqlite3.Connection) -> list[tuple[str, str]]:
    """(kind, period) of everything the ledger can certify: its course terms, its years."""
    out: list[tuple[str, str]] = []
    years: list[str] = []
    for (t,) in con.execute("SELECT term FROM terms ORDER BY term"):
        y = verdicts.year_of(con, t)
        if y is None:
            out.append(("term", t))
        elif y not in years:
            years.append(y)
    return out + [("year", y) for y in years]


def issued_periods(con: sqlite3.Connection) -> set[tuple[str, str]]:
    return set(con.execute("SELECT DISTINCT kind, period FROM certificates"))


def sync_period(con: sqlite3.Connection, kind: str, period: str, now: str) -> Synced:
    """Inside a transaction: the period's certificates in step with its stamps or verdicts."""
    basis = _basis(con, kind, period)
    active = {i: (num, (n, u, h, c)) for num, i, n, u, h, c in con.execute(
        "SELECT number, id_number, name, unit, hours, credits FROM certificates"
        " WHERE kind = ? AND period = ? AND revoked_at IS NULL", (kind, period))}
    out = Synced()
    revoke = [(now, "依据已撤回（验印或达标已不成立）", num) for i, (num, _) in active.items() if i not in basis]
    revoke += [(now, "更正：学时、单位或姓名已改", num) for i, (num, held) in active.items()
               if i in basis and basis[i] != held]
    con.executemany("UPDATE certificates SET revoked_at = ?, revoked_why = ? WHERE number = ?", revoke)
    out.revoked = len(revoke)
    still = {i for i, (_, held) in active.items() if basis.get(i) == held}
    new = sorted(i for i in basis if i not in still)
    if new:
        key = key_of(con)
        (last,) = con.execute("SELECT COUNT(*) FROM certificates WHERE kind = ? AND period = ?", (kind, period)).fetchone()
        rows = []
        for k, ident in enumerate(new, last + 1):
            number = f"{period}-{k:06d}"
            rows.append((number, code_of(key, number), kind, period, ident, *basis[ident], now, None, None))
        con.executemany("INSERT INTO certificates VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        out.issued = len(rows)
    return out


def sync_issued(con: sqlite3.Connection, term_id: str, now: str) -> Synced:
    """After a commit into `term_id`: its period's certificates kept in step, if issued;
    how many were issued and revoked."""
    year = verdicts.year_of(con, term_id)
    kind, period = ("term", term_id) if year is None else ("year", year)
    if (kind, period) in issued_periods(con):
        return sync_period(con, kind, period, now)
    return Synced()


def find(con: sqlite3.Connection, text: str) -> Certificate | None:
    """The certificate of number or code `text`; its code checked against the key (a row
    altered in the ledger does not verify)."""
    code = normal_code(text)
    row = con.execute("SELECT * FROM certificates WHERE number = ? OR code = ?", (text.strip(), code)).fetchone()
    if row is None:
        return None
    cert = Certificate(*row)
    if not hmac.compare_digest(code_of(key_of(con), cert.number), cert.code):
        return None
    return cert


def all_certificates(con: sqlite3.Connection, only: Iterable[tuple[str, str]] | None = None) -> list[Certificate]:
    rows = con.execute("SELECT * FROM certificates ORDER BY period, number").fetchall()
    certs = [Certificate(*r) for r in rows]
    if only is not None:
        keep = set(only)
        certs = [c for c in certs if (c.kind, c.period) in keep]
    return certs
