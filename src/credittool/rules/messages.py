"""Chinese sentences for pydantic's error types, from each error's type and context.

Used for rules files (rules/loader.py) and for command-line values (typer checks them with
pydantic). pydantic's own English `msg` is never shown.
"""

from __future__ import annotations

import re
from typing import Any

_KINDS = {"int": "整数", "float": "数", "str": "文本", "bool": " true 或 false", "dict": "一组「键: 值」",
          "list": "列表（- 开头的各行，或 [a, b]）", "tuple": "列表（- 开头的各行，或 [a, b]）"}


def shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"“{value}”"
    return text if len(text) <= 60 else text[:59] + "…"


def _bounds(ctx: dict) -> str | None:
    for key, word in (("gt", "必须大于"), ("ge", "不能小于"), ("lt", "必须小于"), ("le", "不能大于")):
        if key in ctx:
            return f"{word} {ctx[key]}"
    return None


def error_message(err: dict) -> str:
    """One pydantic error (an item of ValidationError.errors()) as a Chinese sentence."""
    kind, ctx, value = err.get("type", ""), err.get("ctx") or {}, err.get("input")
    if kind == "missing":
        return "缺少必填的键"
    if kind == "extra_forbidden":
        return "未知的键（检查拼写；可用的键见 rules/README.md）"
    if kind == "value_error":
        return str(ctx.get("error", "取值无效"))  # our validators' own (Chinese) text
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{_bounds(ctx)}，现在是 {shown(value)}"
    if kind in ("too_short", "string_too_short"):
        return f"至少要有 {ctx.get('min_length', 1)} 项" if kind == "too_short" else "不能为空"
    if kind in ("too_long", "string_too_long"):
        return f"至多 {ctx.get('max_length')} 项" if kind == "too_long" else f"至多 {ctx.get('max_length')} 个字符"
    if kind == "string_pattern_mismatch":
        return f"格式不对：{shown(value)}（须符合 {ctx.get('pattern', '')}）"
    if kind in ("literal_error", "enum"):
        # pydantic lists the allowed values quoted: "'text', 'online' or 'kindergarten'"
        allowed = "、".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return f"不能是 {shown(value)}，只能是 {allowed} 之一"
    if kind in ("int_parsing", "int_from_float"):
        return f"必须是整数，现在是 {shown(value)}"
    if kind in ("float_parsing", "decimal_parsing"):
        return f"必须是数字，现在是 {shown(value)}"
    if kind == "bool_parsing":
        return f"必须是 true 或 false，现在是 {shown(value)}"
    if kind.endswith("_type"):
        want = _KINDS.get(kind.removesuffix("_type"), "另一种类型")
        if kind in ("model_type", "model_attributes_type", "dataclass_type"):
            want = _KINDS["dict"]
        return f"必须是{want}，现在是 {shown(value)}"
    if kind in ("path_type", "path_not_file", "path_not_directory"):
        return f"不是可用的路径：{shown(value)}"
    return f"取值无效：{shown(value)}（{kind}）"


def value_message(cause: BaseException) -> str:
    """A command-line value's error: the first pydantic error, in Chinese."""
    errors = getattr(cause, "errors", None)
    if callable(errors):
        items = errors()
        if items:
            return error_message(items[0])
    return "取值无效"
