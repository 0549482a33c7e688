"""A strict, safe YAML reader for rules files that remembers where every key stood.

PyYAML's safe_load is safe but lax: `060` loads as 48 (octal), `no` as False, and a
duplicate key silently keeps the last value. Rules decide who gets certified, so this
reader only knows YAML 1.2 core scalars (true/false, decimal numbers, null), refuses
duplicate keys, anchors and aliases, and caps the file size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_RULES_BYTES = 1 << 20  # a rules file is a few KB; 1 MiB is plenty

Path_ = tuple[str | int, ...]


@dataclass
class YamlProblem:
    file: str
    line: int
    path: str
    message: str


@dataclass
class YamlDoc:
    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)  # key path → 1-based line

    def line_of(self, path: Path_) -> int:
        """Line of the deepest existing ancestor of `path` (1 if none)."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core implicit types and no anchors or aliases."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML signature
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError(
                problem="anchors and aliases (&name, *name) are not allowed in rules files",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


_StrictLoader.yaml_implicit_resolvers = {}
for _tag, _regex, _first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    ("tag:yaml.org,2002:float", r"^[-+]?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+]?[0-9]+)?$", "-+0123456789"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
]:
    _StrictLoader.add_implicit_resolver(_tag, re.compile(_regex), list(_first))


def _convert(node: yaml.Node, loader: _StrictLoader, doc: YamlDoc, path: Path_,
             problems: list[YamlProblem]) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int)):
                problems.append(YamlProblem(doc.file, key_node.start_mark.line + 1, _fmt(path),
                                            f"key {key!r} must be text"))
                continue
            key = str(key)
            if key in out:
                problems.append(YamlProblem(
                    doc.file, key_node.start_mark.line + 1, _fmt(path + (key,)),
                    f"duplicate key '{key}' (first at line {doc.lines[path + (key,)]}); "
                    "each key may appear once"))
                continue
            doc.lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = _convert(value_node, loader, doc, path + (key,), problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, loader, doc, path + (i,), problems) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _fmt(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


format_path = _fmt


def load_yaml(path: Path) -> tuple[YamlDoc | None, list[YamlProblem]]:
    """Read one YAML file. Returns the document and every problem found."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_RULES_BYTES:
            return None, [YamlProblem(name, 1, "(file)",
                                      f"file is {size:,} bytes; a rules file may be at most {MAX_RULES_BYTES:,}")]
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [YamlProblem(name, 1, "(file)", "rules files must be saved as UTF-8")]
    except OSError as exc:
        return None, [YamlProblem(name, 1, "(file)", f"cannot read: {exc.strerror}")]
    loader = _StrictLoader(text)
    doc = YamlDoc(name, None)
    problems: list[YamlProblem] = []
    try:
        node = loader.get_single_node()
        if node is not None:
            doc.data = _convert(node, loader, doc, (), problems)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, [YamlProblem(name, line, "(syntax)", str(exc.problem or exc))]
    except yaml.YAMLError as exc:
        return None, [YamlProblem(name, 1, "(syntax)", str(exc))]
    finally:
        loader.dispose()
    return doc, problems
