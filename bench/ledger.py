"""The ledger's layout options, replayed on a real ledger's rows (the README's commit table).

    python bench/ledger.py WORKSPACE/ledger.sqlite [--rules bench/rules/bench-text.yaml]

Takes the entries and stamps of an existing ledger (e.g. one a province ingest left with
`bench/ingest.py`'s workspace kept, or any clerk's ledger copied aside) and times, each
option against the one before it, in fresh files beside /tmp:
1. the entries inserted in file order with the key declared inline (UNIQUE in the table, as
   before `entries_key`), against the key as an index of its own built after the rows,
   which are inserted in the register's order (unit, ID, course);
2. a million stamps inserted with 学分汇总's index kept up to date, against it built after;
3. the stamps' inputs (`stamps._STAMP_INPUTS`) read through the key, against a scan of the
   table and a sort (`+e.term`), on the given ledger itself.

With --tried, instead, the options tried on 2026-12-03 (the README's speed section; of them only
the covering index of 6 was kept), each pair alternated three times:
4. the entries' three indexes built with SQLite's sorter threads (`PRAGMA threads = 2`)
   against without;
5. a million entries inserted with the foreign key to files checked, against unchecked;
6. the stamps inserted by ID (as the ingest does) against in 学分汇总's order (unit, ID), and
   against by ID with 学分汇总's columns in its index (`stamps_sheet`, kept), each then read
   as 学分汇总 reads them (`registerrows.rows`, `summary_reasons` and `units`).

With --narrow, the issue's narrower entries table (measured 2026-12-06, not built), each pair
alternated twice:
7. the entries as today (18 columns, the register's order, three indexes built after),
   against a teachers table (one row per teacher and term: term, ID, name, unit) and
   entries of 15 columns holding the teacher's integer code in place of term, ID, name and
   unit, with the indexes the same queries would need (the key on (teacher, course), the
   teachers' on (term, ID) and (term, unit, ID), the files'); insert, indexes and COMMIT;
   then, through a view named `entries` over the two, the register's unit counts and a
   quarter of its rows (`registerrows`), against the same reads of today's table.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from credittool.commands.ingest import load_term  # noqa: E402
from credittool.ledger import absences, db, registerrows, stamps  # noqa: E402


def _fresh(folder: str, name: str, big_cache: bool) -> sqlite3.Connection:
    """A new ledger file as `db.connect` opens one; `big_cache`: the page cache
    `db.bulk_entries` gives a big load (the stamps are refreshed after it, with the default)."""
    con = sqlite3.connect(Path(folder) / name, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    if big_cache:
        con.execute("PRAGMA cache_size = -262144")
    return con


def _timed(con: sqlite3.Connection, create: list[str], rows: list, insert: str, after: list[str],
           first: tuple[str, list] | None = None) -> str:
    """Create, then in one transaction: the `first` rows (another table's), the rows, the
    `after` statements (indexes), COMMIT; each timed."""
    for stmt in create:
        con.execute(stmt)
    t = time.perf_counter()
    con.execute("BEGIN")
    head = ""
    if first is not None:
        con.executemany(*first)
        head = f"{first[0].split()[2]} {time.perf_counter() - t:.1f} s, "
    ti = time.perf_counter()
    for a in range(0, len(rows), 200_000):
        con.executemany(insert, rows[a:a + 200_000])
    t1 = time.perf_counter()
    for stmt in after:
        con.execute(stmt)
    t2 = time.perf_counter()
    con.execute("COMMIT")
    t3 = time.perf_counter()
    return head + f"insert {t1 - ti:.1f} s, indexes {t2 - t1:.1f} s, commit {t3 - t2:.1f} s, in all {t3 - t:.1f} s"


def entries_layouts(src: sqlite3.Connection, folder: str) -> None:
    (table,) = src.execute("SELECT sql FROM sqlite_master WHERE name = 'entries'").fetchone()
    table = table.replace("REFERENCES files(file_id)", "")  # the files table is not copied
    inline = re.sub(r"\)\s*$", ",\n    UNIQUE(term, id_number, course_id)\n)", table)
    insert = "INSERT INTO entries VALUES (" + ",".join("?" * 18) + ")"
    rows = src.execute("SELECT * FROM entries ORDER BY file_id, rowid").fetchall()
    print(f"entries, {len(rows):,} rows")
    print("  key inline, file order:       ", _timed(_fresh(folder, "a.sqlite", True), [inline], rows, insert,
                                                      list(db._ENTRY_INDEXES[1:])))
    rows.sort(key=lambda r: (r[0], r[4], r[6], r[10]))  # term, unit, id_number, course_id
    print("  key built after, unit order:  ", _timed(_fresh(folder, "b.sqlite", True), [table], rows, insert,
                                                      list(db._ENTRY_INDEXES)))


def stamp_index(src: sqlite3.Connection, folder: str) -> None:
    (table,) = src.execute("SELECT sql FROM sqlite_master WHERE name = 'stamps'").fetchone()
    rows = src.execute("SELECT * FROM stamps ORDER BY term, id_number").fetchall()
    insert = "INSERT INTO stamps VALUES (?,?,?,?,?,?,?,?,?)"
    print(f"stamps, {len(rows):,} rows")
    print("  index kept up to date:        ", _timed(_fresh(folder, "c.sqlite", False), [table, *db.STAMP_INDEXES],
                                                      rows, insert, []))
    print("  index built after:            ", _timed(_fresh(folder, "d.sqlite", False), [table], rows, insert,
                                                      list(db.STAMP_INDEXES)))


def stamp_inputs(src: sqlite3.Connection, rules: Path) -> None:
    term = load_term([rules], None)
    absent = absences.absences(src, term.term_id)
    plain = stamps._STAMP_INPUTS
    texts = {"through the key": plain, "scan and sort": plain.replace("WHERE e.term = ?", "WHERE +e.term = ?")}
    (term_rows,) = src.execute("SELECT COUNT(*) FROM entries WHERE term = ?", (term.term_id,)).fetchone()
    for _ in range(3):
        for label, sql in texts.items():
            stamps._stamp_inputs = lambda con, term_rows, sql=sql: sql  # noqa: B023 - bound by the default
            t = time.perf_counter()
            n = sum(1 for _ in stamps._ledger_stamps(src, term, absent, term_rows))
            print(f"  stamps' inputs {label}: {n:,} teachers, {time.perf_counter() - t:.2f} s")


def _files_without_indexes(src: sqlite3.Connection, con: sqlite3.Connection) -> None:
    """Into a fresh ledger's open transaction: the source's files (the entries' foreign key
    points there), and the entries' indexes dropped (built after the rows, as for a big load)."""
    files = src.execute("SELECT * FROM files").fetchall()
    con.executemany(f"INSERT INTO files VALUES ({','.join('?' * len(files[0]))})", files)
    for stmt in db._ENTRY_INDEXES:
        con.execute("DROP INDEX " + db.index_name(stmt))


def _entries_copy(src: sqlite3.Connection, folder: str, name: str) -> sqlite3.Connection:
    """A fresh ledger (our schema) holding the source's files and entries, in the register's
    order, without the entries' indexes."""
    con = db.connect(Path(folder) / name)
    con.execute("PRAGMA cache_size = -262144")
    con.execute("BEGIN")
    _files_without_indexes(src, con)
    rows = src.execute("SELECT * FROM entries ORDER BY term, unit, id_number, course_id").fetchall()
    con.executemany("INSERT INTO entries VALUES (" + ",".join("?" * 18) + ")", rows)
    con.execute("COMMIT")
    return con


def index_threads(src: sqlite3.Connection, folder: str) -> None:
    con = _entries_copy(src, folder, "e.sqlite")
    for _ in range(3):
        for threads in (0, 2):
            con.execute(f"PRAGMA threads = {threads}")
            con.execute("BEGIN")
            t = time.perf_counter()
            for stmt in db._ENTRY_INDEXES:
                con.execute(stmt)
            print(f"  entries' indexes, PRAGMA threads = {threads}: {time.perf_counter() - t:.2f} s")
            con.execute("ROLLBACK")
    con.close()


def foreign_key(src: sqlite3.Connection, folder: str) -> None:
    rows = src.execute("SELECT * FROM entries LIMIT 1000000").fetchall()
    for _ in range(3):
        for fk in ("ON", "OFF"):
            con = db.connect(Path(folder) / f"f{fk}.sqlite")
            con.execute(f"PRAGMA foreign_keys = {fk}")  # outside a transaction, where it takes effect
            con.execute("BEGIN")
            _files_without_indexes(src, con)
            t = time.perf_counter()
            con.executemany("INSERT INTO entries VALUES (" + ",".join("?" * 18) + ")", rows)
            print(f"  {len(rows):,} entries inserted, foreign key {fk}: {time.perf_counter() - t:.2f} s")
            con.execute("ROLLBACK")
            con.close()


def stamp_order(src: sqlite3.Connection, folder: str) -> None:
    term = src.execute("SELECT term FROM stamps GROUP BY term ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
    by_id = src.execute("SELECT * FROM stamps WHERE term = ? ORDER BY id_number", (term,)).fetchall()
    # (rows in the order inserted, the index 学分汇总 reads through)
    narrow = "CREATE INDEX stamps_sheet ON stamps(term, unit, id_number)"  # stamps_unit until 2026-12-03
    orders = {"by ID": (by_id, narrow), "by unit, ID": (sorted(by_id, key=lambda r: (r[2], r[1])), narrow),
              "by ID, the index holding 学分汇总's columns": (by_id, db.STAMP_INDEXES[0])}
    shown = {t: src.execute(f"SELECT * FROM {t} WHERE term = ?", (term,)).fetchall() for t in ("terms", "track_courses")}
    first, last, n = src.execute("SELECT MIN(unit), MAX(unit), COUNT(*) FROM stamps WHERE term = ?", (term,)).fetchone()
    for _ in range(3):
        for label, (rows, index) in orders.items():
            con = db.connect(Path(folder) / "s.sqlite")
            con.execute("PRAGMA cache_size = -262144")
            con.execute("BEGIN")
            for t, rs in shown.items():
                con.executemany(f"INSERT INTO {t} VALUES ({','.join('?' * len(rs[0]))})", rs)
            con.execute("DROP INDEX " + db.index_name(db.STAMP_INDEXES[0]))  # built after
            t0 = time.perf_counter()
            con.executemany("INSERT INTO stamps VALUES (?,?,?,?,?,?,?,?,?)", rows)
            con.execute(index)
            con.execute("COMMIT")
            t1 = time.perf_counter()
            read = sum(1 for _ in registerrows.rows(con, term, "summary", first, last, n, 0))
            t2 = time.perf_counter()
            sum(1 for _ in registerrows.summary_reasons(con, term, first, last, n, 0))
            t3 = time.perf_counter()
            registerrows.units(con, term, "summary")
            t4 = time.perf_counter()
            print(f"  {len(rows):,} stamps {label}: insert and index {t1 - t0:.2f} s, 学分汇总's {read:,} rows "
                  f"{t2 - t1:.2f} s, its reasons {t3 - t2:.2f} s, its units {t4 - t3:.2f} s")
            con.close()
            for p in Path(folder).glob("s.sqlite*"):
                p.unlink()


_NARROW = ["""CREATE TABLE teachers(teacher INTEGER PRIMARY KEY, term TEXT NOT NULL, id_number TEXT NOT NULL,
                                   name TEXT NOT NULL, unit TEXT NOT NULL)""",
           """CREATE TABLE entry_rows(teacher INTEGER NOT NULL REFERENCES teachers(teacher), file_id INTEGER NOT NULL,
               sheet TEXT NOT NULL, row INTEGER NOT NULL, subject TEXT NOT NULL, stage TEXT NOT NULL,
               track TEXT NOT NULL, course_id TEXT NOT NULL, composite TEXT, passed INTEGER NOT NULL,
               eligible INTEGER NOT NULL, hours REAL NOT NULL, credits REAL NOT NULL, reason TEXT NOT NULL,
               inputs TEXT NOT NULL)""",
           # today's columns, so that the ledger's queries read it unchanged
           """CREATE VIEW entries AS SELECT t.term, e.file_id, e.sheet, e.row, t.unit, t.name, t.id_number, e.subject,
               e.stage, e.track, e.course_id, e.composite, e.passed, e.eligible, e.hours, e.credits, e.reason, e.inputs
               FROM entry_rows e JOIN teachers t ON t.teacher = e.teacher"""]
_NARROW_INDEXES = ["CREATE UNIQUE INDEX teachers_id ON teachers(term, id_number)",
                   "CREATE INDEX teachers_unit ON teachers(term, unit, id_number)",
                   "CREATE UNIQUE INDEX entries_key ON entry_rows(teacher, course_id)",
                   "CREATE INDEX entries_file ON entry_rows(file_id)"]
_READ_TABLES = ("files", "terms", "courses", "track_courses")  # what the register's queries join


def _copy_tables(src: sqlite3.Connection, con: sqlite3.Connection) -> None:
    for t in _READ_TABLES:
        (sql,) = src.execute("SELECT sql FROM sqlite_master WHERE name = ?", (t,)).fetchone()
        con.execute(sql)
        rows = src.execute(f"SELECT * FROM {t}").fetchall()
        con.executemany(f"INSERT INTO {t} VALUES ({','.join('?' * len(rows[0]))})", rows)


def _reads(con: sqlite3.Connection, term: str) -> str:
    """The register's reads as the write phase makes them (`registerrows`): the units' counts,
    then the rows of the first quarter of the units."""
    t = time.perf_counter()
    units = registerrows.units(con, term, "register")
    t1 = time.perf_counter()
    first, last = units[0][0], units[len(units) // 4][0]
    n = sum(1 for _ in registerrows.rows(con, term, "register", first, last, 10**9, 0))
    return f"unit counts {t1 - t:.1f} s, {n:,} rows {time.perf_counter() - t1:.1f} s"


def _narrowed(rows: list) -> tuple[list, list]:
    """Today's entry rows (in the register's order) as teachers and 15-column entries; the
    teachers numbered in that order, so that both tables are inserted in key order."""
    teachers: dict[tuple, int] = {}
    narrow = []
    for r in rows:
        key = (r[0], r[6], r[5], r[4])  # term, id_number, name, unit
        code = teachers.get(key)
        if code is None:
            code = teachers[key] = len(teachers) + 1
        narrow.append((code, r[1], r[2], r[3], *r[7:]))
    return [(code, *key) for key, code in teachers.items()], narrow


def narrow_entries(src: sqlite3.Connection, folder: str) -> None:
    (table,) = src.execute("SELECT sql FROM sqlite_master WHERE name = 'entries'").fetchone()
    table = table.replace("REFERENCES files(file_id)", "")  # the files table is not copied
    rows = src.execute("SELECT * FROM entries ORDER BY term, unit, id_number, course_id").fetchall()
    teachers, narrow = _narrowed(rows)
    print(f"entries, {len(rows):,} rows of {len(teachers):,} teachers")
    for _ in range(2):
        for name in ("today", "narrow"):
            for p in Path(folder).glob("n.sqlite*"):
                p.unlink()
            con = _fresh(folder, "n.sqlite", True)
            if name == "today":
                got = _timed(con, [table], rows, "INSERT INTO entries VALUES (" + ",".join("?" * 18) + ")",
                             list(db._ENTRY_INDEXES))
            else:
                got = _timed(con, _NARROW, narrow, "INSERT INTO entry_rows VALUES (" + ",".join("?" * 15) + ")",
                             _NARROW_INDEXES, first=("INSERT INTO teachers VALUES (?,?,?,?,?)", teachers))
            print(f"  {name}: {got}, {sum(p.stat().st_size for p in Path(folder).glob('n.sqlite*')) / 2**20:,.0f} MiB")
            _copy_tables(src, con)
            print(f"    reads: {_reads(con, rows[0][0])}")
            con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ledger", type=Path)
    ap.add_argument("--rules", type=Path, default=ROOT / "bench" / "rules" / "bench-text.yaml")
    ap.add_argument("--tried", action="store_true", help="only the options tried on 2026-12-03 (4-6)")
    ap.add_argument("--narrow", action="store_true", help="only the narrower entries table (7)")
    args = ap.parse_args()
    src = sqlite3.connect(f"file:{args.ledger}?mode=ro", uri=True)
    if args.narrow:
        with tempfile.TemporaryDirectory(prefix="credittool-bench-ledger-") as folder:
            narrow_entries(src, folder)
        return
    if args.tried:
        with tempfile.TemporaryDirectory(prefix="credittool-bench-ledger-") as folder:
            for option in (index_threads, foreign_key, stamp_order):
                print(option.__name__)
                option(src, folder)
        return
    with tempfile.TemporaryDirectory(prefix="credittool-bench-ledger-") as folder:
        entries_layouts(src, folder)
        stamp_index(src, folder)
    stamp_inputs(src, args.rules)


if __name__ == "__main__":
    main()
