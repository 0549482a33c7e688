"""The package's shape (issue 13): its imports form no cycle, no module imports another's
private (underscore) names, and functions and modules stay small enough to read.

The imports are read from the source with `ast`, so an import inside a function or under
`if TYPE_CHECKING:` counts too: a cycle hidden that way is still a cycle for the reader.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from conftest import ROOT

SRC = ROOT / "src"
PACKAGE = SRC / "credittool"
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400
# The binary preflight parsers walk record formats field by field (MS-XLS, MS-XLSB, MS-CFB);
# the issue exempts them from the function limit.
BINARY_PARSERS = {"credittool.read.preflight.xls", "credittool.read.preflight.xlsb", "credittool.read.preflight.cfb"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[tuple[str, str]]:
    """(module imported, name imported from it or "") for every import in the module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ""
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                if f"{base}.{alias.name}" in MODULES:  # `from package import module`
                    yield f"{base}.{alias.name}", ""
                else:
                    yield base, alias.name


def _graph() -> dict[str, set[str]]:
    return {name: {target for target, _ in _imports(name, path) if target in MODULES and target != name}
            for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for succ in edges:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_package_has_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_no_module_imports_another_modules_private_names() -> None:
    private = sorted(f"{name} imports {target}.{imported}" for name, path in MODULES.items()
                     for target, imported in _imports(name, path)
                     if target in MODULES and target != name and imported.startswith("_")
                     and not (imported.startswith("__") and imported.endswith("__")))
    assert private == []


def _module_aliases(tree: ast.AST) -> dict[str, str]:
    """The names under which a module's imports bind our other modules (`from credittool.write
    import register` binds `register`)."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update({alias.asname: alias.name for alias in node.names if alias.asname and alias.name in MODULES})
        elif isinstance(node, ast.ImportFrom) and node.module:
            aliases.update({alias.asname or alias.name: f"{node.module}.{alias.name}" for alias in node.names
                            if f"{node.module}.{alias.name}" in MODULES})
    return aliases


def test_no_module_reads_another_modules_private_names() -> None:
    """`register._table_sheets(...)` is the same debt as importing `_table_sheets`."""
    private = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = _module_aliases(tree)
        private += [f"{name} reads {aliases[node.value.id]}.{node.attr}" for node in ast.walk(tree)
                    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and aliases.get(node.value.id, name) != name
                    and node.attr.startswith("_") and not node.attr.startswith("__")]
    assert private == []


def test_ledger_sql_lives_in_ledger() -> None:
    """Every query and every write of the ledger is a function in ledger/ (issue 13); other
    stages call those. A transaction's own BEGIN/COMMIT may stand where the snapshot is taken."""
    sql = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA)\s")
    found = sorted(f"{name}:{node.lineno}" for name, path in MODULES.items() if not name.startswith("credittool.ledger")
                   for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                   if isinstance(node, ast.Constant) and isinstance(node.value, str) and sql.search(node.value))
    assert found == []


def test_no_module_is_over_400_lines() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()}
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def test_no_function_is_over_60_lines() -> None:
    long = {}
    for name, path in MODULES.items():
        if name in BINARY_PARSERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{name}.{node.name}"] = lines
    assert long == {}
