"""Benchmark `credittool ingest`: rows per second and peak memory.

    python bench/ingest.py --scale county|city|province [--format xlsx|csv] [--data DIR]

Generates the data with bench/generate.py when DIR (default /tmp/credittool-bench/<scale>)
is missing, then runs the ingest in a fresh child process, so that its peak RSS is the
ingest's own, and prints one table row per stage.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "bench" / "rules" / "bench-text.yaml"

_CHILD = """
import json, sys, time
from pathlib import Path
from credittool.ingest import ingest
t = time.perf_counter()
r = ingest([Path(sys.argv[1])], rules=[Path(sys.argv[2])], workspace=Path(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - t, "files": len(r.files),
                  "rows": sum(f.rows_read for f in r.files), "accepted": r.accepted, "rejected": r.rejected}))
"""


def run_child(code: str, *args: str) -> tuple[dict, float, float]:
    """Run `code` in a fresh interpreter; return its JSON line, wall seconds and peak RSS (MiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        sys.exit(f"child failed:\n{out.stderr[-3000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all children so far; the first child is this one
    return json.loads(out.stdout.strip().splitlines()[-1]), wall, max(peak, before) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=("county", "city", "province"), default="county")
    ap.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    ap.add_argument("--data", type=Path, help="input folder (default /tmp/credittool-bench/<scale>[-csv])")
    args = ap.parse_args()
    data = args.data or Path("/tmp/credittool-bench") / (args.scale + ("-csv" if args.format == "csv" else ""))
    if not data.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--scale", args.scale,
                        "--format", args.format, "--out", str(data)], check=True)
    with tempfile.TemporaryDirectory(prefix="credittool-bench-ws-") as ws:
        stats, wall, peak = run_child(_CHILD, str(data), str(RULES), ws)
    rows = stats["rows"]
    print(f"{'stage':<10} {'files':>7} {'rows':>10} {'wall s':>8} {'rows/s':>10} {'peak MiB':>9}")
    print(f"{'ingest':<10} {stats['files']:>7} {rows:>10} {wall:>8.2f} {rows / wall:>10,.0f} {peak:>9.0f}")
    print(f"accepted {stats['accepted']}, rejected {stats['rejected']}; in-process ingest time {stats['seconds']:.2f} s")


if __name__ == "__main__":
    main()
