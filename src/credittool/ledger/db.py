"""The ledger: a SQLite file in the workspace holding every accepted row with provenance.

One ingest is one `BEGIN IMMEDIATE` transaction under WAL with a busy timeout, so two
ingests at once queue instead of failing, and a killed ingest leaves the ledger as it was.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LEDGER_NAME = "ledger.sqlite"  # in the workspace
# 2: draws numbered per term with their file and reason; spot scores per draw
# 3: staff lists, research projects and the year's verdicts (programme terms, R12–R17)
# 4: certificates (R20); each sheet's columns (`explain` names a value's cell); adjustments
SCHEMA_VERSION = 4

BULK_MIN_ROWS = 100_000  # below this, updating the indexes row by row costs next to nothing
# The entries table's indexes, its key among them (one result per teacher and course of a
# term): `bulk_entries` drops and rebuilds them around a big load.
_ENTRY_INDEXES = ("CREATE UNIQUE INDEX IF NOT EXISTS entries_key ON entries(term, id_number, course_id)",
                  "CREATE INDEX IF NOT EXISTS entries_unit ON entries(term, unit, course_id)",
                  "CREATE INDEX IF NOT EXISTS entries_file ON entries(file_id)")
# 学分汇总's order, holding the columns the sheet and the report read in it (a covering
# index: no random read of the table per teacher); for `stamps.refresh_stamps` to drop and
# rebuild around a big refresh
STAMP_INDEXES = ("CREATE INDEX IF NOT EXISTS stamps_sheet ON stamps(term, unit, id_number, name, track, stamped, "
                 "hours, credits, reasons)",)

_SCHEMA_TEXT = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files(
    file_id INTEGER PRIMARY KEY,
    term TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    error TEXT,  -- the code of why the file could not be read, NULL when its rows are in
    UNIQUE(term, sha256)
);
CREATE TABLE IF NOT EXISTS entries(
    term TEXT NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(file_id),
    sheet TEXT NOT NULL,
    row INTEGER NOT NULL,
    unit TEXT NOT NULL,
    name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    subject TEXT NOT NULL,
    stage TEXT NOT NULL,
    track TEXT NOT NULL,
    course_id TEXT NOT NULL,
    composite TEXT,
    passed INTEGER NOT NULL,
    eligible INTEGER NOT NULL,
    hours REAL NOT NULL,
    credits REAL NOT NULL,
    reason TEXT NOT NULL,
    inputs TEXT NOT NULL  -- what the result was computed from (resolve/: the run's inputs column)
);
{entry_indexes};
CREATE TABLE IF NOT EXISTS rejects(
    file_id INTEGER NOT NULL REFERENCES files(file_id),
    sheet TEXT NOT NULL, row INTEGER, col TEXT NOT NULL, value TEXT NOT NULL,
    code TEXT NOT NULL, message TEXT NOT NULL, hint TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rejects_file ON rejects(file_id);
CREATE TABLE IF NOT EXISTS skipped(
    file_id INTEGER NOT NULL REFERENCES files(file_id),
    sheet TEXT NOT NULL, row INTEGER NOT NULL, reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS skipped_file ON skipped(file_id);
-- whom each rejected row was about (ledger/absences.py): a later run and `report` can say that a
-- teacher's result was rejected, not missing. And the sheets read but not imported.
CREATE TABLE IF NOT EXISTS rejected_rows(
    file_id INTEGER NOT NULL REFERENCES files(file_id),
    sheet TEXT NOT NULL, row INTEGER NOT NULL, id_number TEXT, raw_id TEXT NOT NULL,
    unit TEXT NOT NULL, name TEXT NOT NULL, course_id TEXT NOT NULL, codes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rejected_rows_file ON rejected_rows(file_id);
CREATE TABLE IF NOT EXISTS unimported_sheets(
    file_id INTEGER NOT NULL REFERENCES files(file_id),
    sheet TEXT NOT NULL, rows INTEGER NOT NULL, hidden INTEGER NOT NULL, course_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS unimported_sheets_file ON unimported_sheets(file_id);
CREATE TABLE IF NOT EXISTS terms(term TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS courses(
    term TEXT NOT NULL, course_id TEXT NOT NULL, name TEXT NOT NULL, hours REAL NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(term, course_id)
);
CREATE TABLE IF NOT EXISTS track_courses(
    term TEXT NOT NULL, track TEXT NOT NULL, track_name TEXT NOT NULL, course_id TEXT NOT NULL,
    required INTEGER NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY(term, track, course_id)
);
CREATE TABLE IF NOT EXISTS stamps(
    term TEXT NOT NULL, id_number TEXT NOT NULL, unit TEXT NOT NULL, name TEXT NOT NULL, track TEXT NOT NULL,
    stamped INTEGER NOT NULL, hours REAL NOT NULL, credits REAL NOT NULL, reasons TEXT NOT NULL,
    PRIMARY KEY(term, id_number)
);
{stamp_indexes};
CREATE TABLE IF NOT EXISTS draws(
    draw_id INTEGER PRIMARY KEY,
    term TEXT NOT NULL,
    seed TEXT NOT NULL,
    rate TEXT NOT NULL,
    strata_by TEXT NOT NULL,
    min_per_group INTEGER NOT NULL,
    course_id TEXT NOT NULL,
    population_hash TEXT NOT NULL,
    population INTEGER NOT NULL,
    drawn INTEGER NOT NULL,
    tool_version TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,  -- the term's 1st, 2nd … draw
    file TEXT,  -- sample.xlsx, sample-2.xlsx … (NULL: overwritten by a version before 2)
    reason TEXT NOT NULL DEFAULT ''  -- why it was drawn again (--reason)
);
CREATE TABLE IF NOT EXISTS draw_members(
    draw_id INTEGER NOT NULL REFERENCES draws(draw_id),
    stratum TEXT NOT NULL,
    id_number TEXT NOT NULL,
    unit TEXT NOT NULL,
    name TEXT NOT NULL,
    subject TEXT NOT NULL,
    UNIQUE(draw_id, id_number)
);
CREATE TABLE IF NOT EXISTS spot_scores(
    term TEXT NOT NULL,
    draw_id INTEGER NOT NULL REFERENCES draws(draw_id),
    id_number TEXT NOT NULL,
    unit TEXT NOT NULL,
    name TEXT NOT NULL,
    score TEXT,
    status TEXT,
    file_id INTEGER NOT NULL REFERENCES files(file_id),
    sheet TEXT NOT NULL,
    row INTEGER NOT NULL,
    UNIQUE(draw_id, id_number)
);
-- the staff lists (教师名册) of programme terms: the teachers the year's standards apply to,
-- each with the unit that holds their personnel relation (R16)
CREATE TABLE IF NOT EXISTS staff(
    term TEXT NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(file_id),
    sheet TEXT NOT NULL, row INTEGER NOT NULL,
    id_number TEXT NOT NULL, name TEXT NOT NULL, unit TEXT NOT NULL, subject TEXT NOT NULL, stage TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS staff_term ON staff(term, id_number);
CREATE INDEX IF NOT EXISTS staff_file ON staff(file_id);
CREATE INDEX IF NOT EXISTS staff_name ON staff(name);  -- `card 姓名` (ledger/record.py)
-- each school's research projects (课题, R14), from its 课题 list
CREATE TABLE IF NOT EXISTS research(
    term TEXT NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(file_id),
    sheet TEXT NOT NULL, row INTEGER NOT NULL,
    unit TEXT NOT NULL, title TEXT NOT NULL, level TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS research_file ON research(file_id);
-- each teacher's verdict over a school year (ledger/verdicts.py), recomputed in the
-- transaction that changed any term of the year
CREATE TABLE IF NOT EXISTS verdicts(
    year TEXT NOT NULL, id_number TEXT NOT NULL, unit TEXT NOT NULL, name TEXT NOT NULL,
    hours TEXT NOT NULL,  -- JSON: category id → hours, as recorded
    made_up TEXT NOT NULL,  -- JSON: make-up programme id → its hours counted toward a minimum
    total TEXT NOT NULL, credits TEXT NOT NULL, met INTEGER NOT NULL, reasons TEXT NOT NULL,
    missed TEXT NOT NULL,  -- JSON: the keys of the standards missed (score/standards.py standard_labels)
    PRIMARY KEY(year, id_number)
);
CREATE INDEX IF NOT EXISTS verdicts_name ON verdicts(name);
-- certificate numbers (ledger/certificates.py, R20): never deleted, never renumbered
CREATE TABLE IF NOT EXISTS certificates(
    number TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,  -- 'term': stamped (验印, R9), 'year': the year's standards met (R17)
    period TEXT NOT NULL, id_number TEXT NOT NULL, name TEXT NOT NULL, unit TEXT NOT NULL,
    hours TEXT NOT NULL, credits TEXT NOT NULL, issued_at TEXT NOT NULL,
    revoked_at TEXT, revoked_why TEXT
);
CREATE INDEX IF NOT EXISTS certificates_holder ON certificates(kind, period, id_number);
-- the columns of each sheet of a committed file: field → its header and 0-based column
CREATE TABLE IF NOT EXISTS sheet_columns(
    file_id INTEGER NOT NULL REFERENCES files(file_id),
    sheet TEXT NOT NULL, field TEXT NOT NULL, header TEXT NOT NULL, col INTEGER NOT NULL,
    PRIMARY KEY(file_id, sheet, field)
);
-- late corrections, counted in an open year (ledger/closing.py): never deleted
CREATE TABLE IF NOT EXISTS adjustments(
    adj_id INTEGER PRIMARY KEY, year TEXT NOT NULL, id_number TEXT NOT NULL, name TEXT NOT NULL, unit TEXT NOT NULL,
    category TEXT NOT NULL, hours TEXT NOT NULL, reason TEXT NOT NULL, for_year TEXT NOT NULL, at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS adjustments_holder ON adjustments(year, id_number);
-- files taken back out of a term (ledger/withdrawals.py): their bytes are not read again in
-- the term while the withdrawal stands (undone_at NULL)
CREATE TABLE IF NOT EXISTS withdrawals(
    withdrawal_id INTEGER PRIMARY KEY, term TEXT NOT NULL, file_id INTEGER NOT NULL REFERENCES files(file_id),
    name TEXT NOT NULL, sha256 TEXT NOT NULL, rows INTEGER NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL,
    undone_at TEXT
);
-- a school's workbook replaced by one of another name (ledger/commit.py): the old one's bytes
-- are not read again while the new one stands
CREATE TABLE IF NOT EXISTS supersessions(
    term TEXT NOT NULL, old_file_id INTEGER NOT NULL REFERENCES files(file_id),
    new_file_id INTEGER NOT NULL REFERENCES files(file_id), at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS replacements(
    term TEXT NOT NULL, unit TEXT NOT NULL, course_id TEXT NOT NULL,
    old_file_id INTEGER NOT NULL, new_file_id INTEGER NOT NULL, rows_replaced INTEGER NOT NULL,
    at TEXT NOT NULL
);
"""
_SCHEMA = _SCHEMA_TEXT.replace("{entry_indexes}", ";\n".join(_ENTRY_INDEXES)).replace(
    "{stamp_indexes}", ";\n".join(STAMP_INDEXES))


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=60, isolation_level=None)  # we issue BEGIN ourselves
    con.execute("PRAGMA busy_timeout = 60000")
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    con.execute("PRAGMA foreign_keys = ON")
    with transaction(con):
        _key_out_of_entries(con)
        con.execute("DROP INDEX IF EXISTS stamps_unit")  # the narrower stamps_sheet of an older ledger
        for stmt in _SCHEMA.split(";"):
            if stmt.strip():
                con.execute(stmt)
        con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        (version,) = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if int(version) < 2:
            _migrate_to_2(con)
        if int(version) < 4:  # 3 and 4 only add tables, which the schema above has just made
            con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
        con.execute("CREATE UNIQUE INDEX IF NOT EXISTS draws_seq ON draws(term, seq)")
        _add_file_error(con)
    return con


def _migrate_to_2(con: sqlite3.Connection) -> None:
    """A version-1 ledger: every draw wrote sample.xlsx, so only each term's latest draw
    still has its file; spot scores were one per teacher and term, now one per draw."""
    for col in ("seq INTEGER NOT NULL DEFAULT 0", "file TEXT", "reason TEXT NOT NULL DEFAULT ''"):
        con.execute(f"ALTER TABLE draws ADD COLUMN {col}")
    con.execute("UPDATE draws SET seq = (SELECT COUNT(*) FROM draws d"
                " WHERE d.term = draws.term AND d.draw_id <= draws.draw_id)")
    con.execute("UPDATE draws SET file = 'sample.xlsx' WHERE draw_id IN (SELECT MAX(draw_id) FROM draws GROUP BY term)")
    _rebuild(con, "spot_scores")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def _rebuild(con: sqlite3.Connection, table: str) -> None:
    """`table` made again as the schema above declares it (so a migrated table cannot drift
    from a new one), its rows copied in their order; its indexes go with the old table."""
    create = _SCHEMA_TEXT.split(f"CREATE TABLE IF NOT EXISTS {table}(", 1)[1].split(");", 1)[0]
    con.execute(f"CREATE TABLE {table}_new({create})")
    con.execute(f"INSERT INTO {table}_new SELECT * FROM {table} ORDER BY rowid")
    con.execute(f"DROP TABLE {table}")
    con.execute(f"ALTER TABLE {table}_new RENAME TO {table}")


def _key_out_of_entries(con: sqlite3.Connection) -> None:
    """A ledger whose entries table declares its key inline (UNIQUE in the table, as before
    the key became `entries_key`): rebuilt without it, since an inline key cannot be dropped
    for a big load and built once; the schema then makes the indexes."""
    row = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'entries'").fetchone()
    if row is not None and "UNIQUE(term, id_number, course_id)" in row[0]:
        _rebuild(con, "entries")


def _add_file_error(con: sqlite3.Connection) -> None:
    """A ledger made before files.error: an unreadable file is one with no rows whose only
    record is a file-level problem (no sheet, no row)."""
    if any(r[1] == "error" for r in con.execute("PRAGMA table_info(files)")):
        return
    con.execute("ALTER TABLE files ADD COLUMN error TEXT")
    con.execute("""UPDATE files SET error = (SELECT r.code FROM rejects r WHERE r.file_id = files.file_id
                                               AND r.sheet = '' AND r.row IS NULL LIMIT 1)
                   WHERE rows_read = 0 AND accepted = 0""")


# a reject found against the ledger rather than in the file: the clash may be resolved since (the
# ledger's row corrected or removed), so such a file's bytes are read again, not taken as known
LEDGER_CLASH = "E-ID-LEDGER"
UNSETTLED = f"NOT EXISTS (SELECT 1 FROM rejects r WHERE r.file_id = files.file_id AND r.code = '{LEDGER_CLASH}')"


# a file some of whose rows a later file replaced, and that later file withdrawn: read again,
# so that its replaced rows come back (ledger/withdrawals.py)
UNREPLACED = """NOT EXISTS (SELECT 1 FROM replacements p JOIN withdrawals w ON w.file_id = p.new_file_id
                               WHERE p.old_file_id = files.file_id AND w.undone_at IS NULL)"""


def known_files(con: sqlite3.Connection, term: str) -> set[str]:
    """sha256 of the term's files whose rows are in the ledger. A file that could not be
    read is not known: it is read again on every run until it is fixed or removed; nor is
    one with a row that clashed with the ledger (UNSETTLED): the clash may be resolved by
    the time it is sent again; nor one whose replaced rows a withdrawal gave back (UNREPLACED)."""
    return {sha for (sha,) in con.execute(
        f"SELECT sha256 FROM files WHERE term = ? AND active = 1 AND error IS NULL AND {UNSETTLED} AND {UNREPLACED}",
        (term,))}


def has_entries(con: sqlite3.Connection, term: str) -> bool:
    return con.execute("SELECT 1 FROM entries WHERE term = ? LIMIT 1", (term,)).fetchone() is not None


def generation(con: sqlite3.Connection, term: str, key: str = "generation") -> int:
    """How many commits changed the term (key "generation"), or which of them the term's
    workbooks were last written from (key "written"), or its report.xlsx (key "reported")."""
    row = con.execute("SELECT value FROM meta WHERE key = ?", (f"{key}:{term}",)).fetchone()
    return int(row[0]) if row else 0


def bump_generation(con: sqlite3.Connection, term: str) -> int:
    """Inside a commit's transaction: the term changed; the workbooks are now behind."""
    new = generation(con, term) + 1
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"generation:{term}", str(new)))
    return new


def mark_written(con: sqlite3.Connection, term: str, gen: int, key: str = "written") -> None:
    """The term's workbooks (key "written") or its report (key "reported") show generation `gen`."""
    with transaction(con):
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"{key}:{term}", str(gen)))


@contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE: take the write lock up front, so a read-then-write run waits
    for another writer instead of failing with SQLITE_BUSY half-way."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")


@contextmanager
def bulk_entries(con: sqlite3.Connection, new_rows: int) -> Iterator[None]:
    """Around inserting `new_rows` entries inside a transaction: a page cache that holds the
    unique index of a big load (up to 256 MiB), and, when the new rows outnumber those
    already there (a first, big ingest), the indexes dropped and built once at the end,
    sorted, instead of updated row by row (the key too: building it checks it, and a
    duplicate fails the transaction as an insert would)."""
    (old_rows,) = con.execute("SELECT COUNT(*) FROM entries").fetchone()
    rebuild = new_rows > max(old_rows, BULK_MIN_ROWS)
    (cache,) = con.execute("PRAGMA cache_size").fetchone()
    if new_rows > BULK_MIN_ROWS:  # the unique index of a big load fits in memory
        con.execute(f"PRAGMA cache_size = {-min(256, 64 + new_rows // 16_000) * 1024}")
    try:
        with built_after(con, _ENTRY_INDEXES, rebuild):
            yield
    finally:
        con.execute(f"PRAGMA cache_size = {cache}")


@contextmanager
def built_after(con: sqlite3.Connection, indexes: tuple[str, ...], rebuild: bool) -> Iterator[None]:
    """With `rebuild`, the `indexes` (their CREATE statements) dropped before the block and
    built once after it, sorted, instead of updated row by row: the same indexes either way.
    A unique index built after checks its rows then, and a duplicate fails the transaction
    as an insert would have."""
    if rebuild:
        for stmt in indexes:
            con.execute("DROP INDEX IF EXISTS " + index_name(stmt))
    yield
    if rebuild:
        for stmt in indexes:
            con.execute(stmt)


def index_name(create: str) -> str:
    """The name of the index a `CREATE … INDEX IF NOT EXISTS name ON …` statement makes."""
    return create.split(" IF NOT EXISTS ", 1)[1].split(" ", 1)[0]


def now() -> str:
    """The time a ledger row records (created_at, issued_at, …): local, to the second, ISO 8601."""
    return dt.datetime.now().isoformat(timespec="seconds")


def path_of(con: sqlite3.Connection) -> str:
    """The ledger file a connection has open, for a worker process to open it again."""
    return con.execute("PRAGMA database_list").fetchone()[2]
