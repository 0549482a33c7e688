"""Benchmark `credittool ingest` alone: rows per second and peak memory.

    python bench/ingest.py --scale county|city|province [--format xlsx|csv] [--data DIR]

Generates the data with bench/generate.py when DIR (default /tmp/credittool-bench/<scale>)
is missing, then runs the ingest in a fresh child process (bench/run.py's `stage`), so that
its peak memory is the ingest's own (with its workers and helper). bench/run.py measures the whole term against the floor.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import INGEST, RULES, ensure_data, parse_ingest, print_phases, stage  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=("county", "city", "province"), default="county")
    ap.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    ap.add_argument("--data", type=Path, help="input folder (default /tmp/credittool-bench/<scale>[-csv])")
    args = ap.parse_args()
    data = ensure_data(args.scale, args.format, args.data)
    with tempfile.TemporaryDirectory(prefix="credittool-bench-ws-") as ws:
        out, wall, peak = stage(INGEST, str(data), str(RULES), ws)
    rows, phases = parse_ingest(out)
    print(f"{'stage':<10} {'rows':>10} {'wall s':>8} {'rows/s':>10} {'peak MiB':>9}")
    print(f"{'ingest':<10} {rows:>10} {wall:>8.2f} {rows / wall:>10,.0f} {peak:>9.0f}")
    print_phases(phases)


if __name__ == "__main__":
    main()
