"""Read school files in worker processes: both cores at once, and a parser that aborts
(a Rust panic or a failed huge allocation ends the process, not with a Python exception)
takes down only its worker, never the run."""

from __future__ import annotations

import gc
import hashlib
import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from credittool.cells import Vocabulary
from credittool.diagnostics import Problem
from credittool.extract import FileResult, extract_file
from credittool.rules.loader import TermRules

Job = tuple[Path, str]  # (path, display name)


def _context() -> mp.context.BaseContext:
    # fork starts a worker in milliseconds with everything already imported
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


_KNOWN: frozenset[str] = frozenset()  # sha256 of the files already in the ledger (set per worker)


def sha256_of(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _start(known: frozenset[str]) -> None:
    """Worker start: a parser's panic message (Rust prints it, with a backtrace when
    RUST_BACKTRACE is set) is no use to a clerk; the file's problem is reported as data."""
    global _KNOWN
    _KNOWN = known
    gc.freeze()  # what the worker inherited is never garbage: collections skip it
    os.environ["RUST_BACKTRACE"] = "0"
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _job(path: Path, name: str, term: TermRules, vocab: Vocabulary, course: str | None) -> FileResult:
    """Hash the file (in the worker: both cores, and overlapped with reading); read it unless
    the ledger has these bytes already."""
    sha = sha256_of(path)
    if sha in _KNOWN:
        return FileResult(path, name, sha256=sha, known=True)
    gc.disable()  # a file's cells make no cycles worth collecting mid-file: 5-9% faster
    try:
        res = extract_file(path, term, vocab, course, name)
    finally:
        gc.enable()
    res.sha256 = sha
    return res


def _crashed(path: Path, name: str, why: str) -> FileResult:
    res = FileResult(path, name, sha256=sha256_of(path))
    res.error = Problem(name, "", None, "", "", "E-FILE-CRASH",
                        f"读取该文件时解析程序异常退出（{why}），文件可能已损坏或含有异常内容",
                        "在 Excel/WPS 中打开，另存为新的 .xlsx 后再导入")
    return res


def _batch(jobs: list[Job], term: TermRules, vocab: Vocabulary, course: str | None) -> list[FileResult]:
    return [_job(p, name, term, vocab, course) for p, name in jobs]


BATCH_MAX = 16  # files per task at province scale: the pool's per-task cost is paid per batch


def _batches(jobs: list[Job], workers: int) -> list[list[Job]]:
    """Jobs in batches small enough that both workers stay busy to the end (at least eight
    batches per worker), and never more than BATCH_MAX files."""
    size = max(1, min(BATCH_MAX, len(jobs) // (8 * workers)))
    return [jobs[i:i + size] for i in range(0, len(jobs), size)]


def _run_pool(jobs: list[Job], workers: int, term: TermRules, vocab: Vocabulary, course: str | None,
              known: frozenset[str], results: dict[Path, FileResult],
              on_done: Callable[[str], None] | None) -> list[Job]:
    """Run jobs in one pool; fill `results`; return the jobs lost because the pool broke."""
    lost: list[Job] = []
    with ProcessPoolExecutor(workers, mp_context=_context(), initializer=_start, initargs=(known,)) as pool:
        futures = {pool.submit(_batch, batch, term, vocab, course): batch for batch in _batches(jobs, workers)}
        for fut in as_completed(futures):
            batch = futures[fut]
            try:
                done = fut.result()
            except BrokenProcessPool:
                lost.extend(batch)
                continue
            for (p, name), res in zip(batch, done, strict=True):
                results[p] = res
                if on_done:
                    on_done(name)
    return lost


def extract_many(jobs: list[Job], term: TermRules, vocab: Vocabulary, course: str | None,
                 on_done: Callable[[str], None] | None = None, known: frozenset[str] = frozenset()) -> list[FileResult]:
    """extract_file for every job, in worker processes, except files whose sha256 is in
    `known` (returned with .known set); results in the order of `jobs`."""
    if not jobs:
        return []
    results: dict[Path, FileResult] = {}
    lost = _run_pool(jobs, max(1, min(os.cpu_count() or 1, 2, len(jobs))), term, vocab, course, known, results,
                     on_done)
    for job in sorted(lost):  # a broken pool loses every unfinished batch: retry each file alone to find the culprit
        if _run_pool([job], 1, term, vocab, course, known, results, on_done):
            results[job[0]] = _crashed(job[0], job[1], "worker died")
            if on_done:
                on_done(job[1])
    return [results[p] for p, _ in jobs]
