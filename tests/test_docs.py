"""The README's layout table names every module (STYLE: docs that are tested, as
sqlite-utils' test_docs.py does): a new module without a line there fails here, and so does
a line naming a module that is gone.

A row's first cell names its place (`src/credittool/ledger/`, or files in one folder); every
`name.py` in the row is a module of that folder."""

from __future__ import annotations

import re

from conftest import ROOT

SRC = ROOT / "src" / "credittool"


def _layout_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Layout", 1)[1].split("\n## ", 1)[0]


def _listed() -> set[str]:
    """Every module the table names, as a path under src/credittool/."""
    listed = set()
    for row in _layout_table().splitlines():
        cells = row.split("|")
        first = re.match(r"\s*`src/credittool/([\w/]*)", cells[1]) if len(cells) > 2 else None
        if first is None:
            continue
        place = first.group(1)
        folder = place[: place.rfind("/") + 1]  # "" for src/credittool/cli.py, "ledger/" for src/credittool/ledger/
        for name in re.findall(r"`(?:src/credittool/[\w/]*?)?(\w+\.py)`", row):
            listed.add(folder + name)
    return listed


def _modules() -> set[str]:
    return {p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py") if p.name not in ("__init__.py", "__main__.py")}


def test_every_module_is_in_the_readme_layout_table() -> None:
    assert _modules() - _listed() == set(), "modules missing from the README's layout table"


def test_the_layout_table_names_no_module_that_is_gone() -> None:
    assert _listed() - _modules() == set(), "the README's layout table names modules that do not exist"
