"""Read one file with credittool.read.readers in a fresh process and print the outcome as JSON.

Run by the hostile-file tests as a subprocess, so that a guard that fails (calamine
aborting the process, or eating memory) fails one test instead of killing the runner, and
so that the time and peak memory of reading that one file can be measured.
"""

import json
import sys
from pathlib import Path

from credittool.read.readers import ReadError, read_workbook

try:
    wb = read_workbook(Path(sys.argv[1]))
except ReadError as exc:
    print(json.dumps({"code": exc.code, "message": exc.message, "hint": exc.hint}, ensure_ascii=False))
else:
    print(json.dumps({"code": None, "sheets": [s.name for s in wb.sheets], "notes": wb.notes,
                      "flags": {s.name: {f"{r},{c}": v for (r, c), v in s.cell_flags.items()} for s in wb.sheets},
                      "hidden": {s.name: sorted(s.hidden_rows) for s in wb.sheets}}, ensure_ascii=False))
