"""Read school files in worker processes: both cores at once, and a parser that aborts
(a Rust panic or a failed huge allocation ends the process, not with a Python exception)
takes down only its worker, never the run.

Each worker runs under an address-space cap (RLIMIT_AS) and each file under a wall-clock
limit (`FileLimits`); a file that breaks either is E-FILE-LIMIT, and the run goes on. A
worker sends each file's result as soon as it is read, so when a worker dies the parent
knows exactly which file it was on. Workers die with their parent: a parent-death signal
(Linux), and, everywhere, the end of their pipe to it.
"""

from __future__ import annotations

import faulthandler
import gc
import hashlib
import multiprocessing as mp
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

from credittool.extract.cells import Vocabulary
from credittool.diagnostics import Problem
from credittool.extract.rows import FileResult, extract_file
from credittool.read.limits import FileLimits, show_size
from credittool.owners import die_with_parent
from credittool.rules.loader import TermRules

Job = tuple[Path, str]  # (path, display name)

def _context() -> mp.context.BaseContext:
    # fork starts a worker in milliseconds with everything already imported
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


_KNOWN: frozenset[str] = frozenset()  # sha256 of the files already in the ledger (set per worker)


def sha256_of(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _cap_memory(limit: int) -> None:
    if limit <= 0:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _start(known: frozenset[str], limits: FileLimits, parent: int) -> None:
    """Worker start: a parser's panic message (Rust prints it, with a backtrace when
    RUST_BACKTRACE is set) is no use to a clerk; the file's problem is reported as data."""
    global _KNOWN
    _KNOWN = known
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    faulthandler.disable()
    gc.freeze()  # what the worker inherited is never garbage: collections skip it
    os.environ["RUST_BACKTRACE"] = "0"
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    _cap_memory(limits.memory)


def _job(path: Path, name: str, term: TermRules, vocab: Vocabulary, course: str | None,
         limits: FileLimits) -> FileResult:
    """Hash the file (in the worker: both cores, and overlapped with reading); read it unless
    the ledger has these bytes already."""
    sha = sha256_of(path)
    if sha in _KNOWN:
        return FileResult(path, name, sha256=sha, known=True)
    gc.disable()  # a file's cells make no cycles worth collecting mid-file: 5-9% faster
    try:
        res = extract_file(path, term, vocab, course, name)
    except MemoryError:
        res = over_limit(path, name, limits, "memory", sha)
    finally:
        gc.enable()
    res.sha256 = sha
    return res


def _serve(conn: Connection, others: list[Connection], known: frozenset[str], limits: FileLimits, parent: int,
           term: TermRules, vocab: Vocabulary, course: str | None) -> None:
    """A worker: read the batches the parent sends, one result per file, until told to stop
    or the parent is gone."""
    for c in others:
        c.close()  # the parent's ends: held here, they would keep a dead parent's pipes open
    _start(known, limits, parent)
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for path, name in batch:
            res = _job(path, name, term, vocab, course, limits)
            try:
                conn.send(res)
            except MemoryError:
                conn.send(over_limit(path, name, limits, "memory", res.sha256))
            except (BrokenPipeError, OSError):
                return


def over_limit(path: Path, name: str, limits: FileLimits, which: str, sha: str = "") -> FileResult:
    res = FileResult(path, name, sha256=sha or _sha_or_blank(path))
    if which == "time":
        what = f"读取该文件超过了单个文件的时间上限（{limits.seconds:g} 秒）"
        hint = f"把文件拆成几个较小的文件再导入；或用 --file-timeout 提高上限（例如 --file-timeout {limits.seconds * 4:g}）"
    else:
        what = f"读取该文件所需内存超过了单个文件的上限（{show_size(limits.memory)}）"
        hint = "把文件拆成几个较小的文件再导入；或用 --file-memory 提高上限（例如 --file-memory 3G，不要超过本机内存）"
    res.error = Problem(name, "", None, "", "", "E-FILE-LIMIT", what + "：文件对本机来说过大，或含有异常内容", hint)
    return res


def _crashed(path: Path, name: str, why: str) -> FileResult:
    res = FileResult(path, name, sha256=_sha_or_blank(path))
    res.error = Problem(name, "", None, "", "", "E-FILE-CRASH",
                        f"读取该文件时解析程序异常退出（{why}），文件可能已损坏或含有异常内容",
                        "在 Excel/WPS 中打开，另存为新的 .xlsx 后再导入")
    return res


def _sha_or_blank(path: Path) -> str:
    try:
        return sha256_of(path)
    except OSError:
        return ""


def _death(path: Path, name: str, exitcode: int | None, timed_out: bool, limits: FileLimits) -> FileResult:
    """What a worker's death while reading `path` says about the file."""
    if timed_out:
        return over_limit(path, name, limits, "time")
    # SIGKILL: the OOM killer; SIGABRT: a native allocation refused under the cap
    if exitcode in (-signal.SIGKILL, -signal.SIGABRT):
        return over_limit(path, name, limits, "memory")
    return _crashed(path, name, "读取进程意外结束" if exitcode is None else f"读取进程退出，状态 {exitcode}")


_GRACE_S = 0.5  # a worker past its file's time limit is killed after this much more
BATCH_MAX = 16  # files per task at province scale: the per-task cost is paid per batch


def _batches(jobs: list[Job], workers: int) -> list[list[Job]]:
    """Jobs in batches small enough that both workers stay busy to the end (at least eight
    batches per worker), and never more than BATCH_MAX files."""
    size = max(1, min(BATCH_MAX, len(jobs) // (8 * workers)))
    return [jobs[i:i + size] for i in range(0, len(jobs), size)]


@dataclass
class _Worker:
    proc: mp.process.BaseProcess
    conn: Connection
    pending: deque[Job] = field(default_factory=deque)  # sent, result not yet back
    since: float = 0.0  # when the file it is on began (the last result's arrival)
    timed_out: bool = False


class _Pool:
    """Worker processes fed batches over pipes, one result back per file."""

    def __init__(self, n: int, term: TermRules, vocab: Vocabulary, course: str | None, known: frozenset[str],
                 limits: FileLimits) -> None:
        self.args = (known, limits, os.getpid(), term, vocab, course)
        self.limits = limits
        self.ctx = _context()
        self.workers: list[_Worker] = []
        for _ in range(n):
            self.workers.append(self._spawn())

    def _spawn(self) -> _Worker:
        mine, theirs = self.ctx.Pipe()
        others = [w.conn for w in self.workers] + [mine]
        proc = self.ctx.Process(target=_serve, args=(theirs, others, *self.args), daemon=True)
        proc.start()
        theirs.close()  # only the worker holds its end: its death is an EOF here
        return _Worker(proc, mine)

    def replace(self, w: _Worker) -> None:
        w.conn.close()
        w.proc.join()
        self.workers[self.workers.index(w)] = self._spawn()

    def feed(self, queue: deque[list[Job]]) -> None:
        """A batch for every idle worker; an idle worker found dead (the OOM killer took it
        between files: no file to blame) is replaced first."""
        for i in range(len(self.workers)):
            if self.workers[i].pending or not queue:
                continue
            batch = queue.popleft()
            for _ in range(2):
                w = self.workers[i]
                if w.proc.is_alive():
                    try:
                        w.conn.send(batch)
                        w.pending.extend(batch)
                        w.since = time.monotonic()
                        break
                    except OSError:
                        pass
                self.replace(w)
            else:
                raise RuntimeError("worker processes cannot be started")

    def busy(self) -> list[_Worker]:
        return [w for w in self.workers if w.pending]

    def kill_overdue(self) -> float:
        """Kill workers past their file's time limit; the seconds until the next deadline."""
        now, nearest = time.monotonic(), self.limits.seconds + _GRACE_S
        for w in self.busy():
            left = w.since + self.limits.seconds + _GRACE_S - now
            if left <= 0 and not w.timed_out:
                w.timed_out = True
                w.proc.kill()
            nearest = min(nearest, max(left, 0.01))
        return nearest

    def close(self, kill: bool = False) -> None:
        """Stop the workers: told to, or killed (the run is failing: no file is waited for)."""
        for w in self.workers:
            if kill:
                w.proc.kill()
            else:
                try:
                    w.conn.send(None)
                except OSError:
                    pass
            w.conn.close()
        for w in self.workers:
            w.proc.join(timeout=5)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join()


def _collect(w: _Worker, results: dict[Path, FileResult],
             on_done: Callable[[str], None] | None) -> bool:
    """Take every result `w` has sent; False once it is dead (its current file is then
    recorded and the rest of its batch returned to the queue by the caller)."""
    try:
        while w.conn.poll():
            res = w.conn.recv()
            path, name = w.pending.popleft()
            results[path] = res
            w.since = time.monotonic()
            if on_done:
                on_done(name)
    except (EOFError, OSError):
        return False
    return w.proc.is_alive() or bool(w.conn.poll())


def extract_many(jobs: list[Job], term: TermRules, vocab: Vocabulary, course: str | None,
                 on_done: Callable[[str], None] | None = None, known: frozenset[str] = frozenset(),
                 limits: FileLimits = FileLimits(), meanwhile: Callable[[], None] | None = None) -> list[FileResult]:
    """extract_file for every job, in worker processes, except files whose sha256 is in
    `known` (returned with .known set); results in the order of `jobs`. A file that kills
    its worker or breaks `limits` comes back with its error; the other files are read.
    `meanwhile` runs once in this process as soon as the workers have their first files."""
    if not jobs:
        if meanwhile is not None:
            meanwhile()
        return []
    n = max(1, min(os.cpu_count() or 1, 2, len(jobs)))
    queue = deque(_batches(jobs, n))
    results: dict[Path, FileResult] = {}
    pool = _Pool(n, term, vocab, course, known, limits)
    try:
        pool.feed(queue)
        if meanwhile is not None:
            meanwhile()
        while queue or pool.busy():
            pool.feed(queue)
            busy = pool.busy()
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=pool.kill_overdue())
            for w in busy:
                if (w.conn in ready or w.proc.sentinel in ready) and not _collect(w, results, on_done):
                    _bury(pool, w, queue, results, on_done)
    except BaseException:
        pool.close(kill=True)
        raise
    pool.close()
    return [results[p] for p, _ in jobs]


def _bury(pool: _Pool, w: _Worker, queue: deque[list[Job]], results: dict[Path, FileResult],
          on_done: Callable[[str], None] | None) -> None:
    """A worker died: its current file gets the error its death says, the rest of its batch
    goes back to the front of the queue, and a fresh worker takes its place."""
    w.proc.join()
    if w.pending:
        path, name = w.pending.popleft()
        results[path] = _death(path, name, w.proc.exitcode, w.timed_out, pool.limits)
        if on_done:
            on_done(name)
    if w.pending:
        queue.appendleft(list(w.pending))
        w.pending.clear()
    pool.replace(w)
