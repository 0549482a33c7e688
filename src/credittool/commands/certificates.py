"""`credittool certificates` and `credittool verify` as library calls (R20).

`certificates` issues the numbers of a term or a year (or of every one in the ledger), in
one transaction, and writes out/certificates.xlsx (for the office: numbers, codes and the
holders' ID numbers) and out/publish/证书核验.html (for anyone: no ID numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from credittool.errors import UsageError
from credittool.ledger import certificates as certs
from credittool.ledger.certificates import Certificate
from credittool.ledger.db import now as ledger_now, transaction
from credittool.ledger.terms import open_ledger
from credittool.write import verifypage
from credittool.write.xlsxout import SheetSpec, write_xlsx

LIST_NAME = "certificates.xlsx"
PUBLISH_DIR = "publish"
LIST_COLUMNS = ("证书编号", "核验码", "证明事项", "单位", "姓名", "身份证号", "学时", "学分", "状态", "签发时间", "撤销时间", "撤销原因")


@dataclass
class IssueResult:
    periods: list[tuple[str, str]]  # (kind, period) issued or kept in step now
    issued: int
    revoked: int
    valid: int  # certificates in force in the ledger, all periods
    listing: Path
    page: Path


def issue(*, workspace: Path, term: str | None = None, year: str | None = None) -> IssueResult:
    con = open_ledger(workspace)
    try:
        known = certs.periods(con)
        wanted = _wanted(known, term, year)
        now = ledger_now()
        certs.key_of(con)  # made now, or a lost one said before anything is written
        issued = revoked = 0
        with transaction(con):
            for kind, period in wanted:
                s = certs.sync_period(con, kind, period, now)
                issued, revoked = issued + s.issued, revoked + s.revoked
        every = certs.all_certificates(con)
    finally:
        con.close()
    listing, page = _write(workspace / "out", every)
    return IssueResult(wanted, issued, revoked, sum(c.status == certs.VALID for c in every), listing, page)


def republish(workspace: Path, changed: certs.Synced) -> list[Path]:
    """After a command that kept the issued certificates in step (an ingest, `adjust`,
    `close`) and `changed` some: the office's list and the public page rewritten from the
    ledger, if `certificates` ever wrote them, so that neither goes stale; the files written."""
    out = workspace / "out"
    if not (changed.issued or changed.revoked) or (
            not (out / LIST_NAME).exists() and not (out / PUBLISH_DIR / verifypage.PAGE_NAME).exists()):
        return []
    con = open_ledger(workspace)
    try:
        every = certs.all_certificates(con)
    finally:
        con.close()
    return list(_write(out, every))


def _write(out: Path, every: list[Certificate]) -> tuple[Path, Path]:
    listing = out / LIST_NAME
    write_xlsx(listing, [SheetSpec("证书编号", LIST_COLUMNS, [_row(c) for c in every],
                                   notes=["含身份证号，仅供培训部门使用。核验码可在 publish/证书核验.html 或 credittool verify 核对。"],
                                   wrap_notes=True, landscape=True)])
    return listing, verifypage.write(every, out / PUBLISH_DIR)


def _wanted(known: list[tuple[str, str]], term: str | None, year: str | None) -> list[tuple[str, str]]:
    if term is not None and year is not None:
        raise UsageError("--term 与 --year 只能给一个", "课程学期（验印）用 --term，学年达标用 --year")
    if term is not None:
        if ("term", term) not in known:
            terms = [p for k, p in known if k == "term"]
            raise UsageError(f"台账中没有课程学期 {term}（培训项目学期按学年发证，用 --year）",
                             "台账中的课程学期：" + ("、".join(terms) or "（无）"))
        return [("term", term)]
    if year is not None:
        if ("year", year) not in known:
            years = [p for k, p in known if k == "year"]
            raise UsageError(f"台账中没有 {year} 学年", "台账中的学年：" + ("、".join(years) or "（无）"))
        return [("year", year)]
    if not known:
        raise UsageError("台账是空的", "先用 credittool ingest 导入成绩")
    return known


def _row(c: Certificate) -> list:
    return [c.number, c.code, c.what, c.unit, c.name, c.id_number, c.hours, c.credits, c.status, c.issued_at,
            c.revoked_at, c.revoked_why]


def verify(*, workspace: Path, text: str) -> Certificate | None:
    """The certificate of number or code `text`, if the ledger issued it; None: not genuine."""
    con = open_ledger(workspace)
    try:
        return certs.find(con, text)
    finally:
        con.close()
