"""The term's rules as the ledger keeps them (`terms`, `courses`, `track_courses`, the
publisher in `meta`), so that `report` and the register need no rules files, and the
look-ups of them."""

from __future__ import annotations

import sqlite3

from credittool.rules.loader import TermRules

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
    return [(publisher_key(term.term_id), term.publisher)] if term.publisher else []


def commit_rules(con: sqlite3.Connection, term: TermRules) -> None:
    """Inside a commit: the term's name, courses, tracks and publisher."""
    con.execute("INSERT OR REPLACE INTO terms VALUES (?,?)", (term.term_id, term.term_name))
    courses, tracks = rules_rows(term)
    con.executemany("INSERT OR REPLACE INTO courses VALUES (?,?,?,?,?)", courses)
    con.executemany("INSERT OR REPLACE INTO track_courses VALUES (?,?,?,?,?,?)", tracks)
    con.executemany("INSERT OR REPLACE INTO meta VALUES (?,?)", rules_meta(term))


def term_name(con: sqlite3.Connection, term_id: str) -> str:
    (name,) = con.execute("SELECT name FROM terms WHERE term=?", (term_id,)).fetchone()
    return name
