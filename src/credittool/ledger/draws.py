"""A term's spot-test draws in the ledger (R7, issue 11): each is numbered within its term
and keeps its own file (sample.xlsx, sample-2.xlsx …), which is never overwritten; the
scores of a filled list go to the draw it came from; a report uses the draw with scores.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass

from credittool import __version__
from credittool.errors import UsageError
from credittool.ledger import db
from credittool.score.sampling import Member, stratum_name

FIRST_FILE = "sample.xlsx"
DRAW_KEY = "抽样编号"  # in the 抽样说明 sheet: the ledger's draw_id (what `sample --verify` looks up)


@dataclass(frozen=True)
class Draw:
    draw_id: int
    seq: int  # the term's 1st, 2nd … draw
    file: str | None  # None: a draw whose file an older version overwrote
    reason: str
    drawn: int
    results: int  # spot-test results registered for it (a score or a status such as 缺考)

    @property
    def label(self) -> str:
        return f"第 {self.seq} 次抽样（{self.file or '名单文件已被旧版本覆盖'}）"


def file_name(seq: int) -> str:
    return FIRST_FILE if seq == 1 else f"sample-{seq}.xlsx"


def term_draws(con: sqlite3.Connection, term: str) -> list[Draw]:
    """The term's draws, oldest first, each with its count of registered results."""
    return [Draw(*row) for row in con.execute(
        """SELECT d.draw_id, d.seq, d.file, d.reason, d.drawn,
                  (SELECT COUNT(*) FROM spot_scores s JOIN files f USING(file_id)
                   WHERE s.draw_id = d.draw_id AND f.active = 1
                     AND (s.score IS NOT NULL OR s.status IS NOT NULL))
           FROM draws d WHERE d.term = ? ORDER BY d.seq""", (term,))]


def listing(draws: list[Draw]) -> str:
    return "；".join(f"{d.label}，抽中 {d.drawn} 人，已登记成绩 {d.results} 个" for d in draws) or "（无）"


def for_report(con: sqlite3.Connection, term: str, seq: int | None) -> tuple[Draw | None, str]:
    """The draw whose scores the report ranks, and a sentence saying which when the term has
    several. Never a draw without scores while another has some; two with scores need `seq`."""
    draws = term_draws(con, term)
    if not draws:
        if seq is not None:
            raise UsageError(f"本学期还没有抽样，没有第 {seq} 次抽样", "先运行 credittool sample")
        return None, ""
    if seq is not None:
        chosen = next((d for d in draws if d.seq == seq), None)
        if chosen is None:
            raise UsageError(f"本学期没有第 {seq} 次抽样", "本学期的抽样：" + listing(draws))
        return chosen, (f"按 --draw {seq}，排名使用{chosen.label}的抽测成绩。" if len(draws) > 1 else "")
    scored = [d for d in draws if d.results]
    if len(scored) > 1:
        raise UsageError(f"本学期有 {len(scored)} 次抽样都已登记抽测成绩，无法确定排名用哪一次："
                         + listing(scored), f"用 --draw N 指定是第几次抽样，例如 credittool report --draw {scored[0].seq}")
    if len(draws) == 1:
        return draws[0], ""
    if not scored:
        return draws[-1], f"本学期共有 {len(draws)} 次抽样，都还没有登记成绩；以下按最新的{draws[-1].label}。"
    others = "、".join(d.label for d in draws if d is not scored[0])
    return scored[0], (f"本学期共有 {len(draws)} 次抽样；排名使用已登记成绩的{scored[0].label}，"
                       f"{others}尚无成绩。")


def for_scores(con: sqlite3.Connection, term: str, params: dict[str, str]) -> Draw | tuple[str, str, str]:
    """The draw a filled-in list belongs to: the 抽样编号 in its 抽样说明 sheet; a list without
    that sheet only when the term has a single draw. Else why not: (code, message, hint)."""
    draws = term_draws(con, term)
    if not draws:
        return "E-SPOT-NO-DRAW", "本学期还没有抽样，不能登记抽测成绩", "先运行 credittool sample"
    given = params.get(DRAW_KEY)
    if given is None:
        if len(draws) == 1:
            return draws[0]
        return ("E-SPOT-WHICH-DRAW",
                f"本学期有 {len(draws)} 次抽样，此文件没有「抽样说明」工作表（抽样编号），无法确定成绩属于哪一次",
                "在 credittool sample 写出的那份名单（sample.xlsx 或 sample-N.xlsx）里填写成绩，保留「抽样说明」工作表")
    chosen = next((d for d in draws if str(d.draw_id) == given), None)
    if chosen is None:
        return ("E-SPOT-WHICH-DRAW", f"此文件「抽样说明」中的抽样编号 {given} 不是本学期的抽样",
                "核对文件是否属于本学期；本学期的抽样：" + listing(draws))
    return chosen


def load_population(con: sqlite3.Connection, term: str, fields: tuple[str, ...],
                    course_id: str | None) -> dict[str, list[Member]]:
    """Teachers of the term who may sit the exam (R6, R7): with a course, those eligible in
    that course; otherwise those with an accepted result and eligible in every course."""
    if course_id:
        sql = """SELECT e.id_number, e.unit, e.name, e.subject FROM entries e JOIN files f USING(file_id)
                 WHERE e.term=? AND f.active=1 AND e.course_id=? AND e.eligible=1"""
        rows = con.execute(sql, (term, course_id)).fetchall()
    else:
        sql = """SELECT e.id_number, MIN(e.unit), MIN(e.name), MIN(e.subject) FROM entries e JOIN files f USING(file_id)
                 WHERE e.term=? AND f.active=1 GROUP BY e.id_number HAVING MIN(e.eligible)=1"""
        rows = con.execute(sql, (term,)).fetchall()
    pop: dict[str, list[Member]] = defaultdict(list)
    for ident, unit, name, subject in rows:
        s = stratum_name(fields, unit, subject)
        pop[s].append(Member(s, ident, unit, name, subject))
    return dict(pop)


def record(con: sqlite3.Connection, p: dict, seq: int, file: str, population: int,
           members: list[Member]) -> int:
    """A new draw of `p["term"]` (seed, rate, strata, course, the population's hash and size),
    numbered `seq` and written to `file`, with its members; its draw_id."""
    cur = con.execute(
        "INSERT INTO draws(term, seed, rate, strata_by, min_per_group, course_id, population_hash,"
        " population, drawn, tool_version, created_at, seq, file, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (p["term"], p["seed"], str(p["rate"]), ",".join(p["fields"]), p["min"], p["course"] or "", p["hash"],
         population, len(members), __version__, db.now(),
         seq, file, p["reason"]))
    con.executemany("INSERT INTO draw_members VALUES (?,?,?,?,?,?)",
                    [(cur.lastrowid, m.stratum, m.id, m.unit, m.name, m.subject) for m in members])
    return cur.lastrowid


def parameters(con: sqlite3.Connection, draw_id: int) -> tuple | None:
    """What a draw was made from, to re-derive it: (term, seed, rate, strata_by,
    min_per_group, course_id, population_hash); None if the ledger has no such draw."""
    return con.execute("SELECT term, seed, rate, strata_by, min_per_group, course_id, population_hash"
                       " FROM draws WHERE draw_id=?", (draw_id,)).fetchone()
