"""Regenerate tests/golden/ from the shipped samples (the county's term and the district's
year). Run on purpose, then review `git diff`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden_util import DISTRICT_GOLDEN, GOLDEN, rendered_all, rendered_district  # noqa: E402

if __name__ == "__main__":
    for golden, render in ((GOLDEN, rendered_all), (DISTRICT_GOLDEN, rendered_district)):
        with tempfile.TemporaryDirectory() as tmp:
            files = render(Path(tmp) / "ws")
        golden.mkdir(parents=True, exist_ok=True)
        for old in golden.glob("*.csv"):
            old.unlink()
        for name, text in files.items():
            (golden / name).write_text(text, encoding="utf-8")
            print(f"wrote {golden / name} ({text.count(chr(10))} lines)")
