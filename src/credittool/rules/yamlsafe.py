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

from credittool.diagnostics import Problem, rules_problem

MAX_RULES_BYTES = 1 << 20  # a rules file is a few KB; 1 MiB is plenty

Path_ = tuple[str | int, ...]


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
                problem="规则文件中不能用锚点和别名（&名称、*名称）；请把内容直接写出",
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
             problems: list[Problem]) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int)):
                problems.append(rules_problem(doc.file, key_node.start_mark.line + 1, _fmt(path),
                                            f"键 {key!r} 必须是文字"))
                continue
            key = str(key)
            if key in out:
                problems.append(rules_problem(
                    doc.file, key_node.start_mark.line + 1, _fmt(path + (key,)),
                    f"键 {key} 重复（第一次在第 {doc.lines[path + (key,)]} 行）；每个键只能出现一次"))
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
    return out or "（顶层）"


format_path = _fmt


# PyYAML's most common complaints, said in Chinese; any other one gets the general sentence
_SYNTAX = {
    "mapping values are not allowed here": "这里不能有冒号：冒号后要有空格，或值中的冒号要加引号",
    "could not find expected ':'": "缺少冒号（键: 值）",
    "found character '\\t' that cannot start any token": "用了制表符（Tab）缩进；YAML 只能用空格缩进",
    "expected <block end>, but found '<block mapping start>'": "缩进不一致：同一层的键要对齐",
    "found undefined alias": "规则文件中不能用别名（*名称）",
}


def _syntax_message(exc: yaml.MarkedYAMLError, mark: yaml.Mark | None) -> str:
    problem = str(exc.problem or "")
    if any("\u4e00" <= ch <= "\u9fff" for ch in problem):  # ours (the anchor rule): already Chinese
        return problem
    where = f"第 {mark.column + 1} 列附近" if mark else ""
    return f"YAML 格式错误{('：' + where) if where else ''}，{_SYNTAX.get(problem, '检查缩进、冒号和引号')}"


def _os_message(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "找不到这个文件；检查路径"
    if isinstance(exc, PermissionError):
        return "没有读取这个文件的权限"
    if isinstance(exc, IsADirectoryError):
        return "这是文件夹，不是规则文件"
    return f"读不了这个文件（系统错误 {exc.errno}）"


def load_yaml(path: Path) -> tuple[YamlDoc | None, list[Problem]]:
    """Read one YAML file. Returns the document and every problem found."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_RULES_BYTES:
            return None, [rules_problem(name, None, "",
                                      f"文件有 {size:,} 字节；规则文件最多 {MAX_RULES_BYTES:,} 字节")]
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [rules_problem(name, None, "", "规则文件必须以 UTF-8 编码保存（在编辑器中「另存为 UTF-8」）")]
    except OSError as exc:
        return None, [rules_problem(name, None, "", _os_message(exc))]
    loader = _StrictLoader(text)
    doc = YamlDoc(name, None)
    problems: list[Problem] = []
    try:
        node = loader.get_single_node()
        if node is not None:
            doc.data = _convert(node, loader, doc, (), problems)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, [rules_problem(name, line, "", _syntax_message(exc, mark))]
    except yaml.YAMLError:
        return None, [rules_problem(name, None, "", "不是有效的 YAML 文件")]
    finally:
        loader.dispose()
    return doc, problems
