"""Reading files in worker processes, in batches: every file read once, in order, and a file
whose parser kills its worker costs only that file (E-FILE-CRASH), not its batch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credittool.extract import workers
from credittool.commands.ingest import load_term, vocabulary
from golden_util import ROOT, SAMPLES, TERM


@given(st.integers(0, 500), st.integers(1, 2))
def test_batches_cover_every_job_once_in_order(n: int, n_workers: int) -> None:
    jobs = [(Path(f"f{i}.xlsx"), f"f{i}.xlsx") for i in range(n)]
    batches = workers._batches(jobs, n_workers)
    assert [j for b in batches for j in b] == jobs
    assert all(1 <= len(b) <= workers.BATCH_MAX for b in batches)
    if n >= 8 * n_workers * workers.BATCH_MAX:
        assert len(batches[0]) == workers.BATCH_MAX  # a province: full batches
    else:
        assert len(batches) >= min(n, 8 * n_workers)  # enough batches to keep both workers busy


def test_a_worker_killed_mid_batch_loses_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sample = sorted(SAMPLES.glob("*.xlsx"))[0]
    jobs = []
    for i in range(40):  # 40 files: batches of 2 (40 // 16), so the culprit shares its batch
        p = tmp_path / f"学校{i:02d}.xlsx"
        shutil.copyfile(sample, p)
        jobs.append((p, p.name))
    assert len(workers._batches(jobs, 2)[0]) > 1
    culprit = jobs[17][0]
    real = workers.extract_file

    def dies_on_culprit(path: Path, *args, **kwargs):  # runs in the forked worker
        if path == culprit:
            os._exit(1)  # as a parser's abort does: no exception, the process is gone
        return real(path, *args, **kwargs)

    monkeypatch.setattr(workers, "extract_file", dies_on_culprit)
    term = load_term([ROOT / "rules"], TERM)
    vocab = vocabulary(term)
    done = []
    results = workers.extract_many(jobs, term, vocab, None, on_done=done.append)
    assert [r.path for r in results] == [p for p, _ in jobs]
    assert sorted(done) == sorted(name for _, name in jobs)  # each file reported once
    assert results[17].error is not None and results[17].error.code == "E-FILE-CRASH"
    want = real(sample, term, vocab, None, sample.name)
    for r in results[:17] + results[18:]:
        assert r.error is None and r.rows_read == want.rows_read > 0
        assert r.rows.cols["id"] == want.rows.cols["id"]




@pytest.mark.parametrize("was_on", [True, False])
def test_the_cycle_collector_pauses_for_each_command_and_is_left_as_it_was(was_on: bool, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """check, ingest, sample and report run with it off (stages.collector_paused), whatever it was."""
    import gc

    from credittool.commands import check, report, sample
    from credittool.commands.ingest import ingest

    seen: dict[str, list[bool]] = {"check": [], "ingest": [], "sample": [], "report": []}
    for name, module in (("check", check), ("sample", sample), ("report", report)):
        def writes(*args, real=module.write_xlsx, name=name, **kwargs):  # noqa: ANN002, ANN003, ANN202
            seen[name].append(gc.isenabled())
            return real(*args, **kwargs)
        monkeypatch.setattr(module, "write_xlsx", writes)
    (gc.enable if was_on else gc.disable)()
    try:
        check.check([SAMPLES], rules=[ROOT / "rules"], term=TERM, out=tmp_path / "问题.xlsx")
        assert gc.isenabled() is was_on
        files = ingest([SAMPLES], rules=[ROOT / "rules"], workspace=tmp_path, term=TERM,
                       on_file=lambda _: seen["ingest"].append(gc.isenabled())).files
        assert gc.isenabled() is was_on
        sample.sample(workspace=tmp_path, rate="0.1", seed="2009")
        assert gc.isenabled() is was_on
        report.make_report(workspace=tmp_path, term=TERM, partial=True)
        assert gc.isenabled() is was_on
    finally:
        gc.enable()
    assert len(seen["ingest"]) == len(files) > 3 and seen["check"] and seen["sample"] and seen["report"], seen
    assert not any(v for got in seen.values() for v in got), seen
