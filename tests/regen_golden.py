"""Regenerate tests/golden/ from the shipped samples (the county's term, the district's year,
and the five years of the cycle sample). Run on purpose, then review `git diff`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden_util import (CYCLE_GOLDEN, DISTRICT_GOLDEN, GOLDEN, rendered_all, rendered_cycle,  # noqa: E402
                         rendered_district)

if __name__ == "__main__":
    for golden, render in ((GOLDEN, rendered_all), (DISTRICT_GOLDEN, rendered_district), (CYCLE_GOLDEN, rendered_cycle)):
        with tempfile.TemporaryDirectory() as tmp:
            files = render(Path(tmp) / "ws")
        golden.mkdir(parents=True, exist_ok=True)
        for old in golden.iterdir():
            old.unlink()
        for name, text in files.items():
            (golden / name).write_text(text, encoding="utf-8")
            print(f"wrote {golden / name} ({text.count(chr(10))} lines)")
