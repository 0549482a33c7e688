"""Build the term's certificate register and rejects list from the ledger, and write them."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from credittool.certify import CourseResult, stamp
from credittool.rules.loader import TermRules
from credittool.xlsxout import SheetSpec, write_xlsx

REGISTER_COLUMNS = ["学期", "单位", "姓名", "身份证号", "学科", "培训类型", "课程", "必修/选修", "综合成绩",
                    "结果", "学时", "学分", "原因", "来源文件", "工作表", "行号"]
SUMMARY_COLUMNS = ["学期", "单位", "姓名", "身份证号", "培训类型", "合计学时", "合计学分", "验印", "原因"]
REJECT_COLUMNS = ["文件", "工作表", "行号", "列", "原值", "原因", "处理办法", "代码"]
SKIP_COLUMNS = ["文件", "工作表", "行号", "原因"]


def _num(x: float) -> float | int:
    """Hours and credits as Excel numbers: 15 not 15.0, 1.5 stays 1.5."""
    d = Decimal(str(round(x, 2)))
    return int(d) if d == d.to_integral() else float(d)


@dataclass
class RegisterStats:
    teachers: int
    entries: int
    passed: int
    stamped: int


def refresh_stamps(con: sqlite3.Connection, term: TermRules) -> None:
    """Recompute every teacher's stamp (R9) of the term from the ledger's entries. Call it
    inside the transaction that changed the entries, so the two never disagree; `report`
    reads the stamps from the ledger and so needs no rules files."""
    per_teacher: dict[str, list] = defaultdict(list)
    for ident, unit, name, track, cid, ok, reason, hours, credits in con.execute(
            """SELECT e.id_number, e.unit, e.name, e.track, e.course_id, e.passed, e.reason, e.hours, e.credits
               FROM entries e JOIN files f USING (file_id) WHERE e.term = ? AND f.active = 1""", (term.term_id,)):
        per_teacher[ident].append((unit, name, track, CourseResult(cid, bool(ok), reason, Decimal(str(hours)),
                                                                     Decimal(str(credits)))))
    rows = []
    for ident, items in per_teacher.items():
        unit, name, track, _ = items[0]
        st = stamp(track, [i[3] for i in items], term)
        rows.append((term.term_id, ident, unit, name, track, int(st.stamped), float(st.hours), float(st.credits),
                     "；".join(st.reasons)))
    con.execute("DELETE FROM stamps WHERE term=?", (term.term_id,))
    con.executemany("INSERT INTO stamps VALUES (?,?,?,?,?,?,?,?,?)", rows)


def build_register(con: sqlite3.Connection, term: TermRules) -> tuple[list[SheetSpec], RegisterStats]:
    rows = con.execute(
        """SELECT e.unit, e.name, e.id_number, e.subject, e.track, e.course_id, e.composite, e.passed,
                  e.hours, e.credits, e.reason, f.name, e.sheet, e.row
           FROM entries e JOIN files f USING (file_id)
           WHERE e.term = ? AND f.active = 1""", (term.term_id,)).fetchall()
    order = {}
    for rs in term.by_track.values():
        for i, c in enumerate(rs.courses):
            order.setdefault(c.id, i)
    rows.sort(key=lambda r: (r[0], r[2], order.get(r[5], 99), r[5]))
    track_names = {t: rs.track.name for t, rs in term.by_track.items()}
    reg_rows = []
    for unit, name, ident, subject, track, cid, comp, ok, hours, credits, reason, fname, sheet, rown in rows:
        course = term.by_track[track].course(cid) or term.course_named(cid)
        reg_rows.append([term.term_name, unit, name, ident, subject, track_names.get(track, track), course.name,
                         "必修" if course.required else "选修", float(comp) if comp is not None else None,
                         "合格" if ok else "不合格", _num(hours), _num(credits), reason, fname, sheet, rown])
    summary = [[term.term_name, unit, name, ident, track_names.get(track, track), _num(hours), _num(credits),
                "是" if stamped else "否", reasons]
               for unit, ident, name, track, stamped, hours, credits, reasons in con.execute(
                   """SELECT unit, id_number, name, track, stamped, hours, credits, reasons FROM stamps
                      WHERE term = ? ORDER BY unit, id_number""", (term.term_id,))]
    sheets = [SheetSpec("证书登记表", REGISTER_COLUMNS, reg_rows, widths={"原因": 40}),
              SheetSpec("学分汇总", SUMMARY_COLUMNS, summary, widths={"原因": 60})]
    stats = RegisterStats(len(summary), len(reg_rows), sum(1 for r in rows if r[7]), sum(1 for r in summary if r[7] == "是"))
    return sheets, stats


def build_rejects(con: sqlite3.Connection, term_id: str) -> list[SheetSpec]:
    rej = con.execute(
        """SELECT f.name, r.sheet, r.row, r.col, r.value, r.message, r.hint, r.code
           FROM rejects r JOIN files f USING (file_id) WHERE f.term = ? AND f.active = 1
           ORDER BY f.name, r.sheet, r.row IS NOT NULL, r.row, r.rowid""", (term_id,)).fetchall()
    skip = con.execute(
        """SELECT f.name, s.sheet, s.row, s.reason FROM skipped s JOIN files f USING (file_id)
           WHERE f.term = ? AND f.active = 1 ORDER BY f.name, s.sheet, s.row""", (term_id,)).fetchall()
    return [SheetSpec("未接受的行", REJECT_COLUMNS, [list(r) for r in rej], widths={"原因": 60, "处理办法": 50}),
            SheetSpec("跳过的行", SKIP_COLUMNS, [list(r) for r in skip], widths={"原因": 50})]


def write_outputs(con: sqlite3.Connection, term: TermRules, out_dir: Path) -> RegisterStats:
    sheets, stats = build_register(con, term)
    write_xlsx(out_dir / "register.xlsx", sheets)
    write_xlsx(out_dir / "rejects.xlsx", build_rejects(con, term.term_id))
    return stats
