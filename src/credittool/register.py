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
    exact: dict[float, Decimal] = {}  # hours and credits take a handful of values: convert each once
    for ident, unit, name, track, cid, ok, reason, hours, credits in con.execute(
            """SELECT e.id_number, e.unit, e.name, e.track, e.course_id, e.passed, e.reason, e.hours, e.credits
               FROM entries e JOIN files f USING (file_id) WHERE e.term = ? AND f.active = 1""", (term.term_id,)):
        h = exact[hours] if hours in exact else exact.setdefault(hours, Decimal(str(hours)))
        c = exact[credits] if credits in exact else exact.setdefault(credits, Decimal(str(credits)))
        per_teacher[ident].append((unit, name, track, CourseResult(cid, bool(ok), reason, h, c)))
    rows = []
    for ident, items in per_teacher.items():
        unit, name, track, _ = items[0]
        st = stamp(track, [i[3] for i in items], term)
        rows.append((term.term_id, ident, unit, name, track, int(st.stamped), float(st.hours), float(st.credits),
                     "；".join(st.reasons)))
    con.execute("DELETE FROM stamps WHERE term=?", (term.term_id,))
    con.executemany("INSERT INTO stamps VALUES (?,?,?,?,?,?,?,?,?)", rows)


def build_register(con: sqlite3.Connection, term: TermRules) -> tuple[list[SheetSpec], RegisterStats]:
    """The register's two sheets, straight from the ledger in the order a clerk reads them:
    by unit, then teacher, then the course's place in the track's rules."""
    reg_rows = con.execute(
        """SELECT t.name, e.unit, e.name, e.id_number, e.subject, tc.track_name, c.name,
                  CASE tc.required WHEN 1 THEN '必修' ELSE '选修' END, CAST(e.composite AS REAL),
                  CASE e.passed WHEN 1 THEN '合格' ELSE '不合格' END, e.hours, e.credits, e.reason,
                  f.name, e.sheet, e.row
           FROM entries e JOIN files f USING (file_id) JOIN terms t ON t.term = e.term
                JOIN courses c ON c.term = e.term AND c.course_id = e.course_id
                JOIN track_courses tc ON tc.term = e.term AND tc.track = e.track AND tc.course_id = e.course_id
           WHERE e.term = ? AND f.active = 1
           ORDER BY e.unit, e.id_number, tc.position, e.course_id""", (term.term_id,)).fetchall()
    summary = con.execute(
        """SELECT t.name, s.unit, s.name, s.id_number, tn.track_name, s.hours, s.credits,
                  CASE s.stamped WHEN 1 THEN '是' ELSE '否' END, s.reasons
           FROM stamps s JOIN terms t ON t.term = s.term
                JOIN (SELECT DISTINCT term, track, track_name FROM track_courses) tn
                  ON tn.term = s.term AND tn.track = s.track
           WHERE s.term = ? ORDER BY s.unit, s.id_number""", (term.term_id,)).fetchall()
    sheets = [SheetSpec("证书登记表", REGISTER_COLUMNS, reg_rows, widths={"原因": 40}),
              SheetSpec("学分汇总", SUMMARY_COLUMNS, summary, widths={"原因": 60})]
    stats = RegisterStats(len(summary), len(reg_rows), sum(1 for r in reg_rows if r[9] == "合格"),
                          sum(1 for r in summary if r[7] == "是"))
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
