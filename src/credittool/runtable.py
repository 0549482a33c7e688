"""The run table, declared: the columns a run's rows have where they leave a stage, and the
check that they are what is declared (pandera's idea, without pandera).

Two boundaries are declared. At extract's exit, one file's accepted rows (`extract.Rows`):
the row columns `ROW_COLUMNS`, then each measure field's values and each score field's
status words. In between, resolve concatenates the files' Rows into the run's
`resolve.Table` and codes its columns once. At score's exit, the accepted results
(`resolve.Entries`), aligned with the run's Table: `Entries` holds exactly the result
columns declared here (`ENTRY_RESULTS`), so a column added to `ENTRIES_AT_SCORE` is held,
taken and checked with no other edit. A value has one type per stage; the composite is a
Decimal until it is written, and only the xlsx writer makes it a float.

A violation is a bug, not a clerk's mistake, so it raises `RunTableError` (an
AssertionError) naming the stage, the column, what is declared and the first value that is
not. The checks pass over each column once at C speed (`set(map(type, col))`, a dtype
comparison); only a failing column is searched for its first offending position.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from credittool.fields import FIELDS, MEASURE_FIELDS, Kind

NoneType = type(None)
# what a reader hands over for a cell (calamine's types; CSV gives str)
RAW_CELL = (str, int, float, bool, dt.datetime, dt.date, dt.time, dt.timedelta)


class RunTableError(AssertionError):
    """The rows leaving a stage are not as declared: a programming error."""


@dataclass(frozen=True)
class Column:
    """One declared column. `dtype`: a numpy column's dtype; None for a column of Python
    objects (a list, or a numpy object column when `dtype` is object), whose elements are
    of the `types` given (exact types: a bool is no int), or None where `nullable`."""

    name: str
    types: tuple[type, ...]
    nullable: bool
    meaning: str
    dtype: np.dtype | None = None

    def shown(self) -> str:
        if self.dtype is not None and self.dtype != object:
            return str(self.dtype)
        names = " / ".join(t.__name__ for t in self.types)
        return names + (" / None" if self.nullable else " (not None)")


def _objects(name: str, types: tuple[type, ...], nullable: bool, meaning: str, numpy: bool = False) -> Column:
    return Column(name, types, nullable, meaning, np.dtype(object) if numpy else None)


# At extract's exit: one file's accepted rows, Python lists (they pickle and concatenate fast)
ROWS_AT_EXTRACT: tuple[Column, ...] = (
    _objects("sheet", (int,), False, "the row's sheet: an index into the FileResult's sheets"),
    _objects("row", (int,), False, "Excel row number in its sheet"),
    _objects("unit", (str,), False, "the school: the 单位 cell, else the file's name"),
    _objects("name", (str,), False, "the teacher's name, normalised"),
    _objects("id", (str,), False, "the resident ID number, canonical (GB 11643)"),
    _objects("subject", (str,), False, "学科, '' when blank"),
    _objects("stage", (str,), False, "学段, '' when blank"),
    _objects("course_id", (str,), False, "the course id, '' when the row names no known course"),
    _objects("track_hint", (str,), True, "the track id the row's 培训类型 cell names"),
    _objects("raw_id", RAW_CELL, True, "the ID cell as read, where it differs from `id`"),
    _objects("raw_course", RAW_CELL, True, "the 课程 cell as read, for messages"),
    _objects("raw_track", RAW_CELL, True, "the 培训类型 cell as read, for messages"),
)
ROW_COLUMNS = tuple(c.name for c in ROWS_AT_EXTRACT)

# a measure field's values, by its kind: exact numbers and 是/否
_VALUE_TYPES: dict[Kind, tuple[type, ...]] = {Kind.SCORE: (Decimal,), Kind.COUNT: (Decimal,),
                                              Kind.COUNT_OR_YESNO: (Decimal, bool), Kind.YESNO: (bool,),
                                              Kind.HOURS: (Decimal,), Kind.RESULT: (bool,)}


def value_column(field: str) -> Column:
    """A measure field's values in `Rows.values`: None where blank or a status word."""
    return _objects(field, _VALUE_TYPES[FIELDS[field][0]], True, f"{field}: the value, None when blank")


def status_column(field: str) -> Column:
    """A score field's status words in `Rows.statuses` (absent / exempt / …), None where none."""
    return _objects(field, (str,), True, f"{field}: the status kind, None when a value or blank")


SCORE_FIELDS = frozenset(f for f in MEASURE_FIELDS if FIELDS[f][0] is Kind.SCORE)

# At score's exit: the accepted results, numpy columns aligned with `rows`
ENTRIES_AT_SCORE: tuple[Column, ...] = (
    Column("rows", (), False, "the result's row: an index into the run's Table", np.dtype(np.int64)),
    _objects("track", (str,), False, "the teacher's track id", numpy=True),
    _objects("composite", (Decimal,), True, "the rounded composite (R2, R4); None when there is none", numpy=True),
    Column("passed", (), False, "1 passed, 0 not", np.dtype(np.int64)),
    Column("eligible", (), False, "1 may sit the exam (R6), 0 not", np.dtype(np.int64)),
    Column("hours", (), False, "hours earned", np.dtype(np.float64)),
    Column("credits", (), False, "credits earned", np.dtype(np.float64)),
    _objects("reason", (str,), False, "why not passed, '' when passed", numpy=True),
    _objects("inputs", (str,), False, "the measured inputs, field=value;…", numpy=True),
)
# the result columns of `Entries`, beside its `rows`
ENTRY_RESULTS = tuple(c.name for c in ENTRIES_AT_SCORE if c.name != "rows")


def check_columns(stage: str, declared: Sequence[Column], columns: Mapping[str, Any], n: int | None = None) -> int:
    """Raise RunTableError unless every declared column is in `columns`, each with `n`
    values (None: as many as the first declared one) of what it declares; the rows."""
    missing = [c.name for c in declared if c.name not in columns]
    if missing:
        raise RunTableError(f"{stage}: column {missing[0]!r} is missing (columns: {', '.join(columns)})")
    if n is None:
        n = len(columns[declared[0].name]) if declared else 0
    for c in declared:
        _check(stage, c, columns[c.name], n)
    return n


def _check(stage: str, c: Column, col: Any, n: int) -> None:
    where = f"{stage}: column {c.name!r}"
    if len(col) != n:
        raise RunTableError(f"{where} has {len(col)} values, the table {n} rows")
    if c.dtype is not None:
        got = getattr(col, "dtype", None)
        if got != c.dtype or col.ndim != 1:
            raise RunTableError(f"{where} is declared a 1-d {c.dtype} numpy column, holds {type(col).__name__}"
                                + (f" of {got}, {col.ndim}-d" if got is not None else ""))
        if c.dtype != object:
            return
    allowed = set(c.types) | ({NoneType} if c.nullable else set())
    if set(map(type, col)) <= allowed:
        return
    i, v = next((i, v) for i, v in enumerate(col) if type(v) not in allowed)
    raise RunTableError(f"{where} is declared {c.shown()}; row {i} holds {type(v).__name__} {v!r}")


def check_rows(rows: Any) -> None:
    """Extract's exit: one file's `Rows` (its `cols`, `values` and `statuses`) as declared."""
    n = check_columns("extract", ROWS_AT_EXTRACT, rows.cols)
    for store, fields, make in ((rows.values, MEASURE_FIELDS, value_column),
                                (rows.statuses, SCORE_FIELDS, status_column)):
        unknown = set(store) - set(fields)
        if unknown:
            raise RunTableError(f"extract: {sorted(unknown)} are not measure fields of this store")
        check_columns("extract", [make(f) for f in store], store, n)


def check_entries(entries: Any) -> None:
    """Score's exit: the accepted results (`resolve.Entries`) as declared, their rows within
    the run's Table."""
    cols = {c.name: getattr(entries, c.name) for c in ENTRIES_AT_SCORE if hasattr(entries, c.name)}
    n = check_columns("score", ENTRIES_AT_SCORE, cols)
    if n and not 0 <= int(entries.rows.min()) <= int(entries.rows.max()) < len(entries.table):
        raise RunTableError("score: column 'rows' holds an index outside the run's Table")
