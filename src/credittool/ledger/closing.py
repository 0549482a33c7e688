"""Closing a school year (结账), and late corrections as adjustments (issue 15, item 7).

`close_year` freezes a year: its certificates are issued or brought in step one last time,
and from then on no ingest into any term of the year is taken (`refuse_if_closed`, checked
before the files are read and again inside the commit's transaction). A correction that
comes later is recorded with `adjust` in an open year: hours in a category, with the reason
and the closed year it is for. It counts toward that open year's verdict as any hours of
the category do, is shown on the card, and never rewrites the closed year.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from credittool.errors import UsageError
from credittool.ledger import certificates, verdicts
from credittool.rules.programmes import is_school_year


@dataclass(frozen=True)
class Adjustment:
    adj_id: int
    year: str  # the open year it counts in
    id_number: str
    name: str
    unit: str
    category: str  # category id
    hours: Decimal
    reason: str
    for_year: str  # the closed year it corrects ('' when none)
    at: str
    category_name: str = ""
    certificates: certificates.Synced | None = None  # when just recorded: the issued certificates kept in step


def closed(con: sqlite3.Connection, year: str) -> dict | None:
    """{at, reason} when `year` is closed; None while it is open."""
    row = con.execute("SELECT value FROM meta WHERE key = ?", (f"closed:{year}",)).fetchone()
    return json.loads(row[0]) if row else None


def next_open_year(con: sqlite3.Connection, year: str) -> str | None:
    return next((y for y in verdicts.ledger_years(con) if y > year and closed(con, y) is None), None)


def refuse_if_closed(con: sqlite3.Connection, year: str | None) -> None:
    """An ingest into a closed year is refused, saying what to do instead."""
    if year is None:
        return
    done = closed(con, year)
    if done is None:
        return
    later = next_open_year(con, year)
    where = f"记入 {later} 学年" if later else "记入下一个学年（先导入该学年的名册）"
    raise UsageError(f"{year} 学年已于 {done['at'][:10]} 结账（credittool close），不再接受导入，其达标结论与证书编号已冻结",
                     f"迟到的更正用 credittool adjust <身份证号> --year <未结账学年> --category <类别> --hours <学时> "
                     f"--reason <原因> --for-year {year}，{where}")


def close_year(con: sqlite3.Connection, year: str, reason: str, now: str) -> tuple[certificates.Synced, int]:
    """Inside a transaction: the year's certificates in step one last time, then the year
    closed; what changed, and how many of its certificates are in force (frozen now)."""
    years = verdicts.ledger_years(con)
    if year not in years:
        raise UsageError(f"台账中没有 {year} 学年", "台账中的学年：" + ("、".join(years) or "（无）"))
    if closed(con, year) is not None:
        raise UsageError(f"{year} 学年已于 {closed(con, year)['at'][:10]} 结账", "结账只做一次；迟到的更正用 credittool adjust")
    synced = certificates.sync_period(con, "year", year, now)
    con.execute("INSERT INTO meta VALUES (?, ?)", (f"closed:{year}", json.dumps({"at": now, "reason": reason},
                                                                               ensure_ascii=False)))
    (valid,) = con.execute("SELECT COUNT(*) FROM certificates WHERE kind = 'year' AND period = ? AND revoked_at IS NULL",
                           (year,)).fetchone()
    return synced, valid


def adjust(con: sqlite3.Connection, ident: str, year: str, category: str, hours: str, reason: str, for_year: str,
           now: str) -> Adjustment:
    """Inside a transaction: a late correction of `ident`'s hours, counted in open `year`."""
    terms = verdicts.year_terms(con, year)
    if not terms:
        raise UsageError(f"台账中没有 {year} 学年", "调整记入一个已导入名册的未结账学年")
    refuse_if_closed(con, year)
    ps = verdicts.programme_set(con, terms[-1])
    cid = next((c.id for c in ps.categories if category in (c.id, c.name)), None)
    if cid is None:
        raise UsageError(f"{year} 学年的规则中没有类别「{category}」", "可选类别：" + "、".join(c.name for c in ps.categories))
    try:
        h = Decimal(hours)
    except InvalidOperation:
        h = Decimal("NaN")
    if not h.is_finite() or h == 0 or abs(h) > 1000:
        raise UsageError(f"--hours {hours} 不是有效的学时", "写成数字，如 6 或 -6（扣减），绝对值不超过 1000")
    if not reason.strip():
        raise UsageError("调整必须写明原因", "用 --reason 写明，例如 --reason \"2018-19 班主任培训名单迟报\"")
    _check_for_year(for_year, year)
    who = con.execute("SELECT unit, name, hours FROM verdicts WHERE year = ? AND id_number = ?", (year, ident)).fetchone()
    if who is None:
        raise UsageError(f"{year} 学年没有身份证号为 {ident} 的教师", "调整记入该教师在名册上的学年")
    same = con.execute("SELECT adj_id, at FROM adjustments WHERE year = ? AND id_number = ? AND category = ? AND hours = ?"
                       " AND reason = ? AND for_year = ?", (year, ident, cid, str(h), reason.strip(), for_year)).fetchone()
    if same is not None:
        raise UsageError(f"已有一模一样的调整：第{same[0]}号（{same[1][:10]}），不再重复记入",
                         "确要再记一次，在 --reason 中写明与第{}号的区别".format(same[0]))
    have = Decimal(json.loads(who[2]).get(cid, "0"))  # the category's hours now, earlier adjustments in
    if have + h < 0:
        raise UsageError(f"扣减 {-h} 学时超过了该教师 {year} 学年「{ps.category_names[cid]}」现有的 {have} 学时",
                         f"核对 --hours：最多扣减 {have}")
    cur = con.execute("INSERT INTO adjustments(year, id_number, name, unit, category, hours, reason, for_year, at)"
                      " VALUES (?,?,?,?,?,?,?,?,?)", (year, ident, who[1], who[0], cid, str(h), reason.strip(),
                                                      for_year, now))
    verdicts.refresh_verdicts(con, terms[-1])
    verdicts.bump_shown(con, terms[-1])  # each term's register shows the year's verdicts: now behind
    return Adjustment(cur.lastrowid, year, ident, who[1], who[0], cid, h, reason.strip(), for_year, now,
                      ps.category_names[cid], certificates.sync_issued(con, terms[-1], now))


def _check_for_year(for_year: str, year: str) -> None:
    """--for-year names the earlier school year the correction is of (2017-18 for one counted
    in 2018-19): never this year or a later one."""
    if not for_year:
        return
    if not is_school_year(for_year):
        raise UsageError(f"--for-year {for_year} 不是学年", "写成 2017-18 这样的学年")
    if for_year >= year:
        raise UsageError(f"--for-year {for_year} 不早于调整记入的 {year} 学年",
                         "--for-year 写被更正的更早学年；更正本学年的学时不必写 --for-year")


def adjustments(con: sqlite3.Connection, year: str, ident: str | None = None) -> list[Adjustment]:
    sql = "SELECT * FROM adjustments WHERE year = ?" + (" AND id_number = ?" if ident else "") + " ORDER BY adj_id"
    return [Adjustment(a, y, i, n, u, c, Decimal(h), r, f, at)
            for a, y, i, n, u, c, h, r, f, at in con.execute(sql, (year, ident) if ident else (year,))]
