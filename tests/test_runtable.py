"""The declared run table (runtable.py): real extracted files and a real resolve pass its
checks, and each kind of violation fails with a message naming the stage, the column, what
is declared and the first offending value."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from credittool import runtable
from credittool.commands.ingest import load_term, vocabulary
from credittool.extract import columns
from credittool.extract.rows import FileResult, extract_file
from credittool.resolve.run import resolve
from credittool.resolve.table import Entries
from credittool.runtable import RunTableError, check_entries, check_rows
from golden_util import ROOT, SAMPLES, TERM


@pytest.fixture(scope="module")
def extracted() -> list[FileResult]:
    term = load_term([ROOT / "rules"], TERM)
    vocab = vocabulary(term)
    return [extract_file(p, term, vocab) for p in sorted(SAMPLES.iterdir()) if p.suffix != ".md"]


@pytest.fixture(scope="module")
def entries(extracted: list[FileResult]) -> Entries:
    res = resolve(copy.deepcopy(extracted), load_term([ROOT / "rules"], TERM))
    assert res.entries is not None and len(res.entries) > 1000
    return res.entries


@pytest.fixture
def rows(extracted: list[FileResult]):  # noqa: ANN201 - a file's Rows, to spoil
    fr = max(extracted, key=lambda fr: len(fr.rows))
    return copy.deepcopy(fr.rows)


def fails(check, value, *parts: str) -> None:  # noqa: ANN001
    with pytest.raises(RunTableError) as info:
        check(value)
    for p in parts:
        assert p in str(info.value), str(info.value)


def test_row_columns_are_declared_in_one_place() -> None:
    assert columns.ROW_COLUMNS is runtable.ROW_COLUMNS
    assert runtable.ROW_COLUMNS == tuple(c.name for c in runtable.ROWS_AT_EXTRACT)
    assert issubclass(RunTableError, AssertionError)  # a bug, not a clerk's mistake


def test_every_sample_file_passes_at_extracts_exit(extracted: list[FileResult]) -> None:
    with_rows = [fr for fr in extracted if len(fr.rows)]
    assert len(with_rows) > 10
    for fr in extracted:
        check_rows(fr.rows)
    seen = {type(v) for fr in with_rows for col in fr.rows.values.values() for v in col}
    assert {Decimal, bool} <= seen  # the measure values are exact numbers and 是/否


def test_a_real_resolve_passes_at_scores_exit(entries: Entries) -> None:
    check_entries(entries)
    assert set(map(type, entries.composite)) == {Decimal, type(None)}  # text only in the ledger


def test_entries_hold_the_declared_results_and_take_keeps_them_all(entries: Entries) -> None:
    assert set(vars(entries)) == {"table", "rows", *runtable.ENTRY_RESULTS}
    assert ("rows", *runtable.ENTRY_RESULTS) == tuple(c.name for c in runtable.ENTRIES_AT_SCORE)
    part = entries.take(np.arange(3, 9))
    check_entries(part)
    for c in ("rows", *runtable.ENTRY_RESULTS):
        assert getattr(part, c).tolist() == getattr(entries, c)[3:9].tolist()
    with pytest.raises(TypeError, match="Entries takes the results"):
        Entries(entries.table, entries.rows, passed=entries.passed)


def test_a_missing_row_column_fails(rows) -> None:  # noqa: ANN001
    del rows.cols["id"]
    fails(check_rows, rows, "extract: column 'id' is missing", "columns: sheet, row, unit, name, subject")


def test_a_row_column_of_the_wrong_length_fails(rows) -> None:  # noqa: ANN001
    rows.cols["unit"].append("桦甸市实验小学")
    n = len(rows.cols["row"])
    fails(check_rows, rows, f"extract: column 'unit' has {n + 1} values, the table {n} rows")


def test_a_float_in_the_id_column_fails(rows) -> None:  # noqa: ANN001
    rows.cols["id"][3] = 2.2024198501011234e17
    fails(check_rows, rows, "extract: column 'id' is declared str (not None); row 3 holds float 2.2024")


def test_a_none_in_a_column_not_nullable_fails(rows) -> None:  # noqa: ANN001
    rows.cols["name"][5] = None
    fails(check_rows, rows, "extract: column 'name' is declared str (not None); row 5 holds NoneType None")


def test_a_bool_is_no_int(rows) -> None:  # noqa: ANN001
    rows.cols["row"][0] = True
    fails(check_rows, rows, "column 'row' is declared int (not None); row 0 holds bool True")


def test_a_measure_value_of_the_wrong_type_fails(rows) -> None:  # noqa: ANN001
    field = next(f for f in rows.values if runtable.value_column(f).types == (Decimal,))
    rows.values[field][2] = 85.5
    fails(check_rows, rows, f"extract: column '{field}' is declared Decimal / None; row 2 holds float 85.5")


def test_a_status_store_of_a_field_not_scored_fails(rows) -> None:  # noqa: ANN001
    rows.statuses["attendance"] = [None] * len(rows)
    fails(check_rows, rows, "extract: ['attendance'] are not measure fields of this store")


def test_a_missing_entries_column_fails(entries: Entries) -> None:
    e = copy.copy(entries)
    del e.reason
    fails(check_entries, e, "score: column 'reason' is missing")


def test_an_entries_column_of_the_wrong_length_fails(entries: Entries) -> None:
    e = copy.copy(entries)
    e.hours = e.hours[:-1]
    fails(check_entries, e, f"score: column 'hours' has {len(e) - 1} values, the table {len(e)} rows")


def test_a_wrong_numpy_dtype_fails(entries: Entries) -> None:
    e = copy.copy(entries)
    e.passed = e.passed.astype(np.float64)
    fails(check_entries, e, "score: column 'passed' is declared a 1-d int64 numpy column, holds ndarray of float64")
    e = copy.copy(entries)
    e.track = e.track.tolist()
    fails(check_entries, e, "score: column 'track' is declared a 1-d object numpy column, holds list")


def test_a_wrong_element_type_in_an_object_column_fails(entries: Entries) -> None:
    e = copy.copy(entries)
    e.composite = e.composite.copy()
    e.composite[7] = 85.5
    fails(check_entries, e, "score: column 'composite' is declared Decimal / None; row 7 holds float 85.5")
    e.composite[7] = "85.5"  # the ledger's text, before it is the ledger's
    fails(check_entries, e, "score: column 'composite' is declared Decimal / None; row 7 holds str '85.5'")


def test_a_none_in_an_entries_column_not_nullable_fails(entries: Entries) -> None:
    e = copy.copy(entries)
    e.reason = e.reason.copy()
    e.reason[0] = None
    fails(check_entries, e, "score: column 'reason' is declared str (not None); row 0 holds NoneType None")


def test_a_row_outside_the_table_fails(entries: Entries) -> None:
    e = copy.copy(entries)
    e.rows = e.rows.copy()
    e.rows[-1] = len(e.table)
    fails(check_entries, e, "score: column 'rows' holds an index outside the run's Table")


def test_the_extract_check_runs_where_a_file_leaves_extract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from credittool.extract import rows as rows_module

    seen = []
    monkeypatch.setattr(rows_module, "check_rows", seen.append)
    term = load_term([ROOT / "rules"], TERM)
    fr = extract_file(next(p for p in sorted(SAMPLES.iterdir()) if p.suffix == ".xlsx"), term, vocabulary(term))
    assert seen == [fr.rows]


def test_the_score_check_runs_where_score_returns(extracted: list[FileResult], monkeypatch: pytest.MonkeyPatch) -> None:
    from credittool.resolve import scores

    seen = []
    monkeypatch.setattr(scores, "check_entries", seen.append)
    res = resolve(copy.deepcopy(extracted), load_term([ROOT / "rules"], TERM))
    assert seen == [res.entries]


def test_the_writers_float_is_sqlites_cast_for_every_composite() -> None:
    """The register once selected CAST(composite AS REAL); now the xlsx writer makes the float,
    from the ledger's text (float(text)) or, for earlyparts, from the Decimal. All three agree
    for every composite the rules can produce: 0 … 100 at every rounding the schema allows
    (the finest, 0.01, is 10,001 values), each as `round_score` makes it."""
    import sqlite3

    from pydantic import ValidationError

    from credittool.rules.schema import Rounding
    from credittool.score.scoring import round_score

    allowed = []
    for places in range(6):
        try:
            allowed.append(Rounding(places=places))
        except ValidationError:
            pass
    assert [r.places for r in allowed] == [0, 1, 2]
    composites = [round_score(Decimal(k).scaleb(-r.places), r) for r in allowed for k in range(100 * 10 ** r.places + 1)]
    texts = [str(d) for d in composites]
    assert len(texts) == 101 + 1001 + 10_001 and texts[-1] == "100.00"
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (i INTEGER PRIMARY KEY, composite TEXT)")  # as entries.composite
    con.executemany("INSERT INTO t VALUES (?, ?)", enumerate(texts))
    cast = [x for (x,) in con.execute("SELECT CAST(composite AS REAL) FROM t ORDER BY i")]
    assert cast == [float(t) for t in texts] == [float(d) for d in composites]
    assert [type(x) for x in cast] == [float] * len(texts)


def test_the_ledgers_text_is_each_decimals_own(entries: Entries) -> None:
    """Equal composites of different places keep their own text (80.0 is not 80.00)."""
    e = copy.copy(entries)
    a = Decimal("80.0")
    e.composite = np.array([a, Decimal("80.00"), None, a, Decimal("7")], dtype=object)
    assert e.composite_text() == ["80.0", "80.00", None, "80.0", "7"]
    assert entries.composite_text() == [None if c is None else str(c) for c in entries.composite]
