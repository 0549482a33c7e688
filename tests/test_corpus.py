"""Peers' spreadsheets (issue 12): every file under $CREDITTOOL_CORPUS is checked and ingested
alone, each in a forked child process, and must end cleanly.

The corpus is other projects' published test data (readers' fixtures, fuzz and crash files),
gathered by hand and never committed; the test skips when the variable is unset. For each
file it asserts:

- no traceback, and no exception escaping the command;
- `check` and `ingest` exit 0, or 1 with a message that says why;
- the worker limits held: the ingest's process tree stayed under the memory cap (plus the
  parent's own size) and the file took less than the per-file timeout (plus start-up);
- conservation: rows read = accepted + rejected + skipped + rows of sheets not imported, from
  `check --json` alone.

Set CREDITTOOL_CORPUS_REPORT=path.json to keep the per-file results (the figures by format).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import resource
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from conftest import ROOT

CORPUS = os.environ.get("CREDITTOOL_CORPUS")
pytestmark = pytest.mark.skipif(not CORPUS, reason="CREDITTOOL_CORPUS 未设置：同行测试文件语料不随项目分发")

SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".xltx", ".xltm", ".et", ".ods", ".fods", ".csv"}
TERM = "2009-h1"
TIMEOUT_S = 20  # per file, passed to the workers as --file-timeout
MEMORY = "1G"  # per file, --file-memory: small, so that the test shows the cap holds
START_UP_S = 30  # the child's own work around the file: rules, ledger, writing the outputs


def _files() -> list[Path]:
    return sorted(p for p in Path(CORPUS).rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def _one(path: str) -> dict:
    """check --json and ingest of one file, in a forked child; what the test asserts on."""
    from typer.testing import CliRunner

    from credittool.cli import app

    runner = CliRunner()
    limits = ["--file-timeout", str(TIMEOUT_S), "--file-memory", MEMORY]
    rules = ["--rules", str(ROOT / "rules"), "--term", TERM]
    with tempfile.TemporaryDirectory() as ws:
        t0 = time.monotonic()
        chk = runner.invoke(app, ["check", path, *rules, *limits, "--json"])
        ing = runner.invoke(app, ["ingest", path, *rules, *limits, "--workspace", ws, "--allow-unreadable"])
        wall = time.monotonic() - t0
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # the workers, at most
    out = {"path": path, "wall": wall, "children_rss": children,
           "check_exit": chk.exit_code, "ingest_exit": ing.exit_code,
           "check_exc": _exc(chk), "ingest_exc": _exc(ing),
           "traceback": "Traceback" in chk.output + ing.output,
           "ingest_tail": ing.output[-400:]}
    try:
        data = json.loads(chk.stdout)
        out["rows"] = data.get("rows")
        out["codes"] = sorted({p["code"] for p in data.get("problems", [])})
    except ValueError:
        out["rows"], out["codes"] = None, []
    return out


def _in_child(path: str) -> dict:
    """_one(path) in a forked child (not a pool's daemon: the ingest starts workers of its own)."""
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_send, args=(path, send))
    child.start()
    send.close()
    try:
        out = recv.recv() if recv.poll(2 * TIMEOUT_S + START_UP_S + 60) else None
    except EOFError:
        out = None
    child.join(5)
    if child.is_alive():
        child.kill()
        child.join()
    return out or {"path": path, "wall": float("inf"), "children_rss": 0, "check_exit": child.exitcode,
                   "ingest_exit": child.exitcode, "check_exc": f"child ended without a result ({child.exitcode})",
                   "ingest_exc": None, "traceback": False, "ingest_tail": "", "rows": None, "codes": []}


def _send(path: str, conn) -> None:  # noqa: ANN001 - multiprocessing Connection
    conn.send(_one(path))
    conn.close()


def _exc(result) -> str | None:  # noqa: ANN001 - click Result
    e = result.exception
    return None if e is None or isinstance(e, SystemExit) else f"{type(e).__name__}: {e}"


def test_peer_corpus_ends_cleanly_within_limits_and_conserves_rows():
    files = _files()
    assert files, f"{CORPUS} 中没有表格文件"
    with ThreadPoolExecutor(2) as pool:  # two files at a time, each in its own forked child
        results = list(pool.map(_in_child, [str(f) for f in files]))
    failures = []
    cap = 1024 ** 3 + 600 * 1024 ** 2  # the cap plus what a forked worker inherits and the allocator keeps
    for r in results:
        why = []
        if r["traceback"] or r["check_exc"] or r["ingest_exc"]:
            why.append(f"exception {r['check_exc'] or r['ingest_exc']}")
        if r["check_exit"] not in (0, 1) or r["ingest_exit"] not in (0, 1):
            why.append(f"exit check={r['check_exit']} ingest={r['ingest_exit']}")
        if r["ingest_exit"] == 1 and not r["ingest_tail"].strip():
            why.append("exit 1 without a message")
        if r["wall"] > 2 * TIMEOUT_S + START_UP_S:
            why.append(f"took {r['wall']:.0f} s")
        if r["children_rss"] > cap:
            why.append(f"worker peak {r['children_rss'] / 2**20:.0f} MiB")
        rows = r["rows"]
        if rows is None:
            why.append("check --json gave no JSON")
        elif rows["read"] != rows["accepted"] + rows["rejected"] + rows["skipped"] + rows["unimported"]:
            why.append(f"rows not conserved: {rows}")
        if why:
            failures.append(f"{r['path']}: {'; '.join(why)}")
    _report(results)
    assert not failures, f"{len(failures)} of {len(results)} files:\n" + "\n".join(failures[:50])


def _report(results: list[dict]) -> None:
    """Figures by format, to $CREDITTOOL_CORPUS_REPORT (JSON) and the captured output."""
    by = defaultdict(Counter)
    for r in results:
        fmt = Path(r["path"]).suffix.lower()
        c = by[fmt]
        c["files"] += 1
        c["ingested" if r["ingest_exit"] == 0 and (r["rows"] or {}).get("accepted") else "nothing accepted"] += 1
        for code in r["codes"]:
            if code.startswith("E-FILE") or code.startswith("E-SHEET"):
                c[code] += 1
    table = {fmt: dict(c) for fmt, c in sorted(by.items())}
    print(json.dumps(table, ensure_ascii=False, indent=1))
    target = os.environ.get("CREDITTOOL_CORPUS_REPORT")
    if target:
        Path(target).write_text(json.dumps({"by_format": table, "files": results}, ensure_ascii=False, indent=1))
