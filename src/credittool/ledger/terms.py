"""The term's rules as the ledger keeps them (`terms`, `courses`, `track_courses`, the
publisher in `meta`), so that `report` and the register need no rules files, and the
look-ups of them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from credittool.errors import UsageError
from credittool.ledger import verdicts
from credittool.ledger.db import LEDGER_NAME, connect
from credittool.textnorm import match_key

if TYPE_CHECKING:  # annotations only: the report's imports stay light
    from credittool.rules.loader import TermRules
    from credittool.rules.schema import Ruleset

TRACK_ORDER = ("text", "online", "kindergarten")  # 文本, 网联, 幼儿: the order of the seed's annexes


def rules_rows(term: TermRules) -> tuple[list[tuple], list[tuple]]:
    """The term's rows of the ledger's `courses` (term, id, name, hours, position) and
    `track_courses` (term, track, track name, course id, required, position) tables, which
    the register joins. A course id in several tracks takes its first track's name."""
    courses: dict[str, tuple] = {}
    for _, rs in sorted(term.by_track.items(), key=lambda kv: TRACK_ORDER.index(kv[0])):
        for c in rs.courses:
            courses.setdefault(c.id, (term.term_id, c.id, c.name, float(c.hours), len(courses)))
    tracks = [(term.term_id, t, rs.track.name, c.id, int(c.required), i)
              for t, rs in term.by_track.items() for i, c in enumerate(rs.courses)]
    return list(courses.values()), tracks


def publisher_key(term_id: str) -> str:
    """The ledger's `meta` key of the term's publisher (rules `publisher.issuer`), for `report`."""
    return f"publisher:{term_id}"


def rules_meta(term: TermRules) -> list[tuple[str, str]]:
    """The publisher, where each rule is written (`explain`), and each track's courses as
    the rules file gives them (`explain` shows a composite's arithmetic from them)."""
    meta = [(publisher_key(term.term_id), term.publisher)] if term.publisher else []
    meta.append((f"rulelines:{term.term_id}", json.dumps(term.rule_lines, ensure_ascii=False, sort_keys=True)))
    return meta + [(f"ruleset:{term.term_id}:{t}", rs.model_dump_json()) for t, rs in sorted(term.by_track.items())]


def rule_lines(con: sqlite3.Connection, term_id: str) -> dict[str, str]:
    """Where each rule of the term is written, as the term's last ingest read them."""
    row = con.execute("SELECT value FROM meta WHERE key=?", (f"rulelines:{term_id}",)).fetchone()
    return json.loads(row[0]) if row else {}


def ruleset(con: sqlite3.Connection, term_id: str, track: str) -> Ruleset | None:
    """A course term's track as its last ingest read it; None before this was kept."""
    from credittool.rules.schema import Ruleset as Model

    row = con.execute("SELECT value FROM meta WHERE key=?", (f"ruleset:{term_id}:{track}",)).fetchone()
    return Model.model_validate_json(row[0]) if row else None


def commit_rules(con: sqlite3.Connection, term: TermRules) -> None:
    """Inside a commit: the term's name, courses, tracks and publisher, and its programmes
    (ledger/verdicts.py)."""
    con.execute("INSERT OR REPLACE INTO terms VALUES (?,?)", (term.term_id, term.term_name))
    courses, tracks = rules_rows(term)
    p_courses, p_tracks, p_meta = verdicts.rules_rows(term)
    con.executemany("INSERT OR REPLACE INTO courses VALUES (?,?,?,?,?)", courses + p_courses)
    con.executemany("INSERT OR REPLACE INTO track_courses VALUES (?,?,?,?,?,?)", tracks + p_tracks)
    con.executemany("INSERT OR REPLACE INTO meta VALUES (?,?)", rules_meta(term) + p_meta)


def term_name(con: sqlite3.Connection, term_id: str) -> str:
    (name,) = con.execute("SELECT name FROM terms WHERE term=?", (term_id,)).fetchone()
    return name


def open_ledger(workspace: Path) -> sqlite3.Connection:
    path = workspace / LEDGER_NAME
    if not path.exists():
        raise UsageError(f"工作目录 {workspace} 里没有台账 {LEDGER_NAME}", "先用 credittool ingest 导入成绩")
    return connect(path)


def meant(term: str, known: Iterable[str]) -> str:
    """For a term not known: 「是不是 --term 2017-18-s1？」 when it is the start of known ones
    (a school year, 2017-18, given for its term), else ""."""
    like = [t for t in sorted(known) if t.startswith(f"{term}-")]
    return f"是不是 --term {' 或 '.join(like)}？" if like else ""


def choose_ledger_term(con: sqlite3.Connection, term: str | None) -> tuple[str, str]:
    terms = dict(con.execute("SELECT term, name FROM terms ORDER BY term").fetchall())
    if term is not None:
        if term not in terms:
            raise UsageError(f"台账中没有学期 {term}", meant(term, terms) + "台账中的学期：" + ("、".join(terms) or "（无）"))
        return term, terms[term]
    if len(terms) == 1:
        return next(iter(terms.items()))
    if not terms:
        raise UsageError("台账是空的", "先用 credittool ingest 导入成绩")
    raise UsageError("台账中有多个学期：" + "、".join(terms), "用 --term 指定学期")


def resolve_course(con: sqlite3.Connection, term: str, course: str | None) -> str | None:
    if course is None:
        return None
    key = match_key(course)
    for cid, name in con.execute("SELECT course_id, name FROM courses WHERE term=?", (term,)):
        if key in (match_key(cid), match_key(name)):
            return cid
    names = [n for (n,) in con.execute("SELECT name FROM courses WHERE term=?", (term,))]
    raise UsageError(f"本学期没有课程「{course}」", "可选课程：" + "、".join(names))


def publisher(con: sqlite3.Connection, term_id: str) -> str | None:
    """The term's publisher as the rules gave it at the last ingest (`publisher_key`), if any."""
    recorded = con.execute("SELECT value FROM meta WHERE key=?", (publisher_key(term_id),)).fetchone()
    return recorded[0] if recorded else None
