"""The run's table: every file's accepted-so-far rows as numpy columns (`Table`), and the
accepted course results aligned with it (`Entries`). From resolve to the ledger a run's rows
take these two shapes; the register of a first load (earlyparts.py) gets their codes.

Every step works on whole columns through integer codes (equal values share a code, None
is -1), which the Table makes once per run over all its rows: `coded` for a row column (ID,
name, unit, course, …), kept for the run; `value_codes` and `status_codes` for a measure
field and `has_column` (whether a row's sheet has a field's column), kept until scoring is
done. A step indexes them with its own rows rather than coding again. `Entries` holds the
result columns that `runtable.ENTRIES_AT_SCORE` declares; `Entries.coded` gives the codes
of any of its columns (a row column's are the Table's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from credittool.diagnostics import Problem
from credittool.extract.rows import FileResult, Record, SheetInfo, shown
from credittool.fields import FIELDS, Kind, label
from credittool.runtable import ENTRY_RESULTS, ROW_COLUMNS

# (row, its problems) for each row a step rejects, the row an index into the Table
RowProblems = list[tuple[int, list[Problem]]]
# (codes, distinct values) of a column: equal values share a code, None is -1
Coded = tuple[np.ndarray, list]


class Table:
    """The accepted-so-far rows of every file of a run, as numpy columns."""

    def __init__(self, results: list[FileResult]) -> None:
        self.sheets: list[SheetInfo] = []
        lists: dict[str, list] = {c: [] for c in ROW_COLUMNS}
        values: dict[str, list] = {}
        statuses: dict[str, list] = {}
        sheet_idx: list[np.ndarray] = []
        n = 0
        for fr in results:
            rows = fr.rows
            k = len(rows)
            sheet_idx.append(np.asarray(rows.cols["sheet"], dtype=np.int32) + len(self.sheets))
            self.sheets.extend(fr.sheets)
            for c in ROW_COLUMNS[1:]:
                lists[c].extend(rows.cols[c])
            for out, src in ((values, rows.values), (statuses, rows.statuses)):
                for f, col in src.items():
                    if f not in out:  # a field first seen in this file: None for the rows before
                        out[f] = [None] * n
                    out[f].extend(col)
                for col in out.values():  # a field this file lacks stays None
                    col.extend([None] * (n + k - len(col)))
            n += k
        self.n = n
        self.sheet = np.concatenate(sheet_idx) if sheet_idx else np.zeros(0, np.int32)
        self.row = np.asarray(lists.pop("row"), dtype=np.int64)
        self.col = {c: object_array(v) for c, v in lists.items() if c != "sheet"}
        self.values = {f: object_array(v) for f, v in values.items()}
        self.statuses = {f: object_array(v) for f, v in statuses.items()}
        self.spot = np.array([s.spot for s in self.sheets], dtype=bool)[self.sheet] if n else np.zeros(0, bool)
        self.staff = np.array([s.staff for s in self.sheets], dtype=bool)[self.sheet] if n else np.zeros(0, bool)
        self._codes: dict[tuple[str, str], Coded] = {}
        self._ranks: dict[str, np.ndarray] = {}
        self._has: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return self.n

    def coded(self, column: str) -> Coded:
        """`factorize` of a row column: resolve codes the IDs, names and units, the ledger
        and the register of a first load (earlyparts.py) reuse the codes."""
        return self._coded("col", column)

    def ranks(self, column: str) -> np.ndarray:
        """The place in str order (`str_ranks`) of each of `coded(column)`'s distinct values,
        made once: the ledger's insert and a first load's stamps both sort by ID."""
        if column not in self._ranks:
            self._ranks[column] = str_ranks(self.coded(column)[1])
        return self._ranks[column]

    def value_codes(self, field: str) -> Coded:
        """`factorize` of a measure field's values by the field's Kind (作业 may hold both
        True and 1); a field no file of the run has is None (-1) throughout."""
        return self._coded("values", field)

    def status_codes(self, field: str) -> Coded:
        """`factorize` of a score field's status words, as `value_codes`."""
        return self._coded("statuses", field)

    def has_column(self, field: str) -> np.ndarray:
        """Whether each row's sheet has a column for `field`."""
        if field not in self._has:
            self._has[field] = np.array([field in s.present for s in self.sheets], dtype=bool)[self.sheet]
        return self._has[field]

    def drop_measure_codes(self) -> None:
        """Forget the codes of values and statuses: only scoring reads them, and a province's
        would otherwise stay in memory through the commit."""
        self._codes = {k: v for k, v in self._codes.items() if k[0] == "col"}
        self._has.clear()

    def _coded(self, store: str, name: str) -> Coded:
        """Codes over all the run's rows, made once, as int32 (half the memory of pandas')."""
        key = (store, name)
        if key not in self._codes:
            column = getattr(self, store)[name] if store == "col" else getattr(self, store).get(name)
            if column is None:
                self._codes[key] = np.full(self.n, -1, np.int32), []
            else:
                c, u = factorize(column, FIELDS[name][0] if store == "values" else None)
                self._codes[key] = c.astype(np.int32), u
        return self._codes[key]

    def raw_id(self, i: int) -> object:
        """Row i's ID cell as the file has it (the ID itself when it was written canonically)."""
        raw = self.col["raw_id"][i]
        return raw if raw is not None else self.col["id"][i]

    def record(self, i: int) -> Record:
        """Row i as an object, for a message about it."""
        s = self.sheets[self.sheet[i]]
        c = self.col
        raw = {"id": self.raw_id(i), "course": c["raw_course"][i], "track": c["raw_track"][i]}
        return Record(
            file=s.file, sheet=s.name, row=int(self.row[i]), unit=c["unit"][i], name=c["name"][i], id=c["id"][i],
            subject=c["subject"][i], stage=c["stage"][i], course_id=c["course_id"][i], track_hint=c["track_hint"][i],
            values={f: v[i] for f, v in self.values.items() if v[i] is not None},
            statuses={f: v[i] for f, v in self.statuses.items() if v[i] is not None},
            present=s.present, raw={k: v for k, v in raw.items() if v is not None}, headers=s.headers, spot=s.spot,
            written=s.written)


class Entries:
    """The accepted course results of a run: `rows` (indexes into the Table) and, aligned
    with them, a numpy column for each result `runtable.ENTRIES_AT_SCORE` declares, as an
    attribute (`entries.passed`, `entries.composite`, …; the declaration says what each
    holds). A result column added to the declaration travels through `take` and the check
    at score's exit with no other edit here."""

    def __init__(self, table: Table, rows: np.ndarray, **results: np.ndarray) -> None:
        if sorted(results) != sorted(ENTRY_RESULTS):
            raise TypeError(f"Entries takes the results {', '.join(ENTRY_RESULTS)}, not {', '.join(results)}")
        self.table, self.rows = table, rows
        self.__dict__.update(results)  # plain attributes: copy.copy and del work on them as on any

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> np.ndarray: ...  # the declared results, for a type checker

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, keep: np.ndarray) -> Entries:
        """The entries `keep` selects (a mask or indexes), every column alike."""
        return Entries(self.table, self.rows[keep], **{c: getattr(self, c)[keep] for c in ENTRY_RESULTS})

    def concat(self, other: Entries) -> Entries:
        """These entries, then `other`'s (of the same Table)."""
        return Entries(self.table, np.concatenate([self.rows, other.rows]),
                       **{c: np.concatenate([getattr(self, c), getattr(other, c)]) for c in ENTRY_RESULTS})

    def coded(self, name: str) -> Coded:
        """Codes (int32) of a column of these entries: a Table row column's are the Table's
        (`Table.coded`, whose distinct values are the whole run's), a result column's are
        made here."""
        if name in ENTRY_RESULTS:
            c, u = factorize(getattr(self, name))
            return c.astype(np.int32), u
        c, u = self.table.coded(name)
        return c[self.rows], u

    def ranks(self, name: str) -> np.ndarray:
        """Each entry's value of a Table row column as its place in str order among the
        run's distinct values (`Table.ranks`): a sort key."""
        return self.table.ranks(name)[self.coded(name)[0]]

    def column(self, name: str) -> np.ndarray:
        """A row column of the Table (unit, id, course_id, …) for these entries."""
        return self.table.col[name][self.rows]

    def composite_text(self) -> list[str | None]:
        """The composites as the ledger stores them: the canonical text of each Decimal, made
        once per Decimal object (scoring shares one among the rows of a result), so that the
        rows share their text too. By object, not by value: 80.0 and 80.00 are equal."""
        col = self.composite.tolist()
        text = {i: None if c is None else str(c) for i, c in {id(c): c for c in col}.items()}
        return [text[id(c)] for c in col]

    @property
    def sheet(self) -> np.ndarray:
        return self.table.sheet[self.rows]

    @property
    def row(self) -> np.ndarray:
        return self.table.row[self.rows]


def row_problem(r: Record, field: str, code: str, message: str, hint: str) -> Problem:
    """A problem about one field of row `r`, at the cell the clerk must fix."""
    return Problem(r.file, r.sheet, r.row, r.headers.get(field, label(field)), shown(r.raw.get(field, "")), code,
                   message, hint)


def object_array(values: list) -> np.ndarray:
    """A 1-d object array of the list `values`, each element as it is (np.array would make
    tuples into a second dimension; assigning the list to an empty array's slice does not,
    but is several times slower on Decimals)."""
    return np.fromiter(values, dtype=object, count=len(values))


def codes(values: np.ndarray, kind: Kind | None = None) -> np.ndarray:
    """Integer codes of an object column: equal values share a code, None is -1."""
    return factorize(values, kind)[0]


def factorize(values: np.ndarray, kind: Kind | None = None) -> tuple[np.ndarray, list]:
    """(codes, distinct values): equal values share a code, None is -1. True and 1 are
    equal in Python, so a column that may hold both (作业: 是/否 or a count) is coded by
    (type, value). Decimals are canonical (cells.py), so equal means the same text."""
    if kind is Kind.COUNT_OR_YESNO and len({type(v) for v in values} - {type(None)}) > 1:
        c, u = pd.factorize(object_array([None if v is None else (type(v), v) for v in values]), use_na_sentinel=True)
        return c, [v for _, v in u]
    c, u = pd.factorize(values, use_na_sentinel=True)
    return c, list(u)


def str_ranks(values: list[str]) -> np.ndarray:
    """Each of the distinct `values`' place in str order, which is SQLite's BINARY order
    (code points; UTF-8 keeps their order)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    rank = np.empty(len(values), np.int64)
    rank[order] = np.arange(len(values))
    return rank


def pair_codes(a: Coded, b: Coded) -> tuple[np.ndarray, list[tuple]]:
    """Codes of the (a, b) pairs of two coded columns (e.g. track and course id), and the
    distinct pairs."""
    (ac, au), (bc, bu) = a, b
    k = max(len(bu), 1)
    codes_, distinct = factorize(ac.astype(np.int64) * k + bc)
    return codes_, [(au[v // k], bu[v % k]) for v in distinct]


def group_codes(columns: list[np.ndarray]) -> np.ndarray:
    """One code per distinct combination of the given integer code columns, numbered in
    order of first appearance."""
    if not columns:
        return np.zeros(0, np.int64)
    frame = pd.DataFrame({str(k): c for k, c in enumerate(columns)})
    return frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()


def first_of_groups(g: np.ndarray) -> np.ndarray:
    """Index of the first row of each group code 0..k-1 (codes numbered by first appearance)."""
    return np.flatnonzero(~pd.Series(g).duplicated().to_numpy())


def groups(key: np.ndarray, rows: np.ndarray) -> list[list[int]]:
    """Rows (indexes) grouped by key, groups in order of first appearance."""
    out: dict[object, list[int]] = {}
    for k, i in zip(key[rows].tolist(), rows.tolist()):
        out.setdefault(k, []).append(i)
    return list(out.values())
