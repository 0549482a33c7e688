"""The README's layout table names every module (STYLE: docs that are tested, as
sqlite-utils' test_docs.py does): a new module without a line there fails here."""

from __future__ import annotations

import re

from conftest import ROOT


def _layout_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Layout", 1)[1].split("\n## ", 1)[0]


def test_every_module_is_in_the_readme_layout_table() -> None:
    table = _layout_table()
    named = set(re.findall(r"[\w]+\.py", table))
    src = ROOT / "src" / "credittool"
    modules = {p.name for p in src.rglob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    assert modules - named == set(), "modules missing from the README's layout table"


def test_the_layout_table_names_no_module_that_is_gone() -> None:
    table = _layout_table()
    src = ROOT / "src" / "credittool"
    modules = {p.name for p in src.rglob("*.py")}
    listed = {m for m in re.findall(r"`src/credittool/[\w/]*?([\w]+\.py)`", table)}
    assert listed - modules == set(), "the README's layout table names modules that do not exist"
