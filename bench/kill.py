"""SIGKILL a city's ingest at ten moments; after each, no process of the run may be alive,
and the next run must leave no temp file and converge to a clean run's ledger and workbooks.

    python bench/kill.py [--scale city] [--data DIR] [--moments 10]

Six moments are spread evenly over the first 80% of an uninterrupted run's wall time; four
more are picked by what the run is doing: the commit under way (the ledger's WAL past
1 MiB), the register's temp file just created, the register just in place (the rejects not
yet written), and the rejects' temp file just created.
Prints one line per moment and exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

import kill_harness as kh  # noqa: E402
from run import RULES, ensure_data  # noqa: E402

TERM = "bench"  # bench/rules/bench-text.yaml


def clean(data: Path, ws: Path) -> dict:
    seconds = kh.run(data, RULES, ws)
    out = ws / "out" / TERM
    return {"seconds": seconds, "ledger": kh.snapshot(ws / "ledger.sqlite"),
            "outputs": {n: kh.digest(out / n) for n in kh.OUTPUTS}}


def committing(ws: Path):
    wal = ws / "ledger.sqlite-wal"
    return lambda elapsed: wal.exists() and wal.stat().st_size > 1 << 20


def moments(ws: Path, seconds: float, n: int) -> list[tuple[str, object]]:
    """n - 4 moments spread over the first 80% of a clean run (the machine's speed varies
    from run to run), then four picked by what the run is doing."""
    k_even = max(n - 4, 1)
    even = [(f"at {0.8 * seconds * (k + 0.5) / k_even:.2f} s", kh.after(0.8 * seconds * (k + 0.5) / k_even))
            for k in range(k_even)]
    events = [("in the commit", committing(ws)),
              ("register temp file", kh.temp_file_appears(ws, ".register.xlsx.", TERM)),
              ("register written, rejects not yet", kh.temp_file_appears(ws, "register.xlsx", TERM)),
              ("rejects temp file", kh.temp_file_appears(ws, ".rejects.xlsx.", TERM))]
    return (even + events)[:n] if n > 4 else even[:n]


def moment(data: Path, ws: Path, what: str, ready, base: dict) -> tuple[bool, str]:
    kill = kh.kill_when(kh.command(data, RULES, ws), ready)
    if kill is None:
        return True, f"{what}: the run finished first"
    state = kh.check_after_kill(ws, len(base["ledger"]["files"]), len(base["ledger"]["entries"]), TERM)
    left_at_kill = kh.leftovers(ws)
    kh.run(data, RULES, ws)
    same_ledger = kh.snapshot(ws / "ledger.sqlite") == base["ledger"]
    out = ws / "out" / TERM
    same_outputs = all(kh.digest(out / n) == base["outputs"][n] for n in kh.OUTPUTS)
    left = kh.leftovers(ws)
    ok = not kill.survivors and not left and same_ledger and same_outputs
    return ok, (f"{what}, killed at {kill.at:.2f} s: {state}; processes {len(kill.children)} seen, {len(kill.survivors)} left;"
                f" temp files {len(left_at_kill)} at the kill, {len(left)} after the next run;"
                f" ledger {'=' if same_ledger else '≠'} clean, workbooks {'=' if same_outputs else '≠'} clean")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=("county", "city", "province"), default="city")
    ap.add_argument("--data", type=Path)
    ap.add_argument("--moments", type=int, default=10)
    args = ap.parse_args()
    data = ensure_data(args.scale, "xlsx", args.data)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="credittool-kill-") as tmp:
        base = clean(data, Path(tmp) / "clean")
        print(f"clean run: {base['seconds']:.2f} s, {len(base['ledger']['entries']):,} entries", flush=True)
        for k in range(args.moments):
            ws = Path(tmp) / f"ws{k}"
            what, ready = moments(ws, base["seconds"], args.moments)[k]
            ok, line = moment(data, ws, what, ready, base)
            failed += not ok
            print(("ok   " if ok else "FAIL ") + line, flush=True)
    print(f"{args.moments - failed} of {args.moments} moments clean")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
