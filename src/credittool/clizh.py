"""The command line's own texts in Chinese: help layout and usage errors.

Typer's vendored click writes its help headings, option notes and error messages in English
(and mostly without gettext), so the group and command classes here render help records and
usage errors themselves, from the parameters and the exception's data, never from its text.
Imported by cli.py only; rich and pydantic are not imported here, so `--help` stays fast.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Sequence
from difflib import get_close_matches
from pathlib import Path
from typing import Any, get_args, get_origin

from typer import _click
from typer._click import exceptions as cx
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import Abort

OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."
_TYPE_NAMES = {Path: "路径", str: "文本", int: "整数", float: "数", bool: "是否"}
# texts of the parameters typer and click add by themselves
_BUILTIN_HELP = {
    "help": "显示本帮助后退出。",
    "install_completion": "为当前的 shell 安装命令补全（按 Tab 补全命令和选项），重开终端后生效。",
    "show_completion": "显示当前 shell 的补全脚本，可复制后自行安装。",
}


def _metavar(param: Any) -> str:
    if param.metavar:
        return param.metavar
    desc = param.type_descriptor
    if desc.is_choice:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices or ())
    ann = desc.annotation
    if get_origin(ann) in (list, tuple):
        ann = get_args(ann)[0]
    return f"<{_TYPE_NAMES.get(ann, '值')}>"


def _range(param: Any) -> str:
    lo, hi = getattr(param, "min", None), getattr(param, "max", None)
    if lo is None and hi is None:  # typer before 0.29: the bounds are the click type's (IntRange)
        lo, hi = getattr(param.type, "min", None), getattr(param.type, "max", None)
    if lo is not None and hi is not None:
        return f"{lo}–{hi}"
    if lo is not None:
        return f"≥ {lo}"
    return f"≤ {hi}" if hi is not None else ""


def _default(param: Any, ctx: _click.Context) -> str:
    if not param.show_default or param.required or getattr(param, "is_flag", False):
        return ""
    if isinstance(param.show_default, str):
        return param.show_default
    value = param._extract_default_help_str(ctx=ctx)
    if value is None or value == () or value == [] or callable(value):
        return ""
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(getattr(value, "value", value))


def option_names(param: Any) -> str:
    """`-r, --rules` as help and errors show an option."""
    return ", ".join(sorted(param.opts, key=len))


def _help_record(param: Any, ctx: _click.Context) -> tuple[str, str] | None:
    if getattr(param, "hidden", False):
        return None
    if param.param_type_name == "argument":
        name = _metavar(param) + ("..." if param.nargs != 1 else "")
    else:
        name = option_names(param)
        if not (param.is_flag or param.count):
            name += " " + _metavar(param) + ("..." if param.multiple else "")
    notes = []
    if default := _default(param, ctx):
        notes.append(f"默认：{default}")
    if limits := _range(param):
        notes.append(f"取值 {limits}")
    if param.required:
        notes.append("必填")
    text = _BUILTIN_HELP.get(param.name or "", param.help or "")
    return name, (f"{text}  [{'；'.join(notes)}]" if notes else text)


def _usage_pieces(command: _click.Command, ctx: _click.Context) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if param.param_type_name == "argument":
            shown = _metavar(param) + ("..." if param.nargs != 1 else "")
            pieces.append(shown if param.required else f"[{shown}]")
    return pieces


def _width(text: str) -> int:
    """Columns a text takes in a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_NO_LINE_START = set("。，、；：？！）」』》】")  # closing punctuation stays at the end of its line


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` columns: Chinese breaks between any two characters, a run of
    Latin letters, digits or an option name is never cut (click's wrapper breaks only at spaces)."""
    lines, line = [], ""
    for token in re.findall(r"[!-~]+|\s+|.", text):
        if line and _width(line + token.rstrip()) > width and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = ""
        if line or not token.isspace():
            line += token
    return [*lines, line.rstrip()] if line.strip() else lines


def _unwrap(paragraph: str) -> str:
    """A docstring paragraph as one line: lines are joined with a space only between Latin text."""
    out = ""
    for line in (ln.strip() for ln in paragraph.splitlines()):
        out += (" " if out and out[-1].isascii() and line[:1].isascii() else "") + line
    return out


class _ZhFormatter(_click.HelpFormatter):
    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        paragraphs = [_unwrap(p) for p in re.split(r"\n\s*\n", text) if p.strip()]
        self.write("\n\n".join("\n".join(indent + ln for ln in _wrap(p, self.width - len(indent)))
                               for p in paragraphs) + "\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first = min(max(_width(term) for term, _ in rows), col_max)
        at = self.current_indent + first + col_spacing
        for term, text in rows:
            self.write(" " * self.current_indent + term)
            lines = _wrap(text, max(self.width - at, 20)) or [""]
            if _width(term) > first:  # too long to share a line with its text
                self.write("\n" + " " * at)
            else:
                self.write(" " * (first - _width(term) + col_spacing))
            self.write(("\n" + " " * at).join(lines) + "\n")


class _ZhContext(_click.Context):
    formatter_class = _ZhFormatter


class _ZhHelp:
    """Help text in Chinese: the usage line, the headings and each parameter's notes."""

    context_class = _ZhContext

    def format_usage(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        pieces = _usage_pieces(self, ctx)  # type: ignore[arg-type]
        if isinstance(self, TyperGroup):
            pieces.append(self.subcommand_metavar)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="用法：")

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        records: dict[str, list[tuple[str, str]]] = {"argument": [], "option": []}
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            rec = _help_record(param, ctx)
            if rec is not None:
                records[param.param_type_name].append(rec)
        for kind, title in (("argument", "参数"), ("option", "选项")):
            if records[kind]:
                with formatter.section(title):
                    formatter.write_dl(records[kind])
        if isinstance(self, TyperGroup):
            rows = [(name, cmd.get_short_help_str(formatter.width)) for name in self.list_commands(ctx)
                    if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
            if rows:
                with formatter.section("命令"):
                    formatter.write_dl(rows)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        """As click's main, but a usage error is shown in Chinese (show_usage_error)."""
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)  # type: ignore[misc]
        except cx.ClickException as exc:
            if not standalone_mode:
                raise
            show_usage_error(exc)
            sys.exit(exc.exit_code)
        except Abort:
            if not standalone_mode:
                raise
            _click.echo("已中止。", err=True)
            sys.exit(1)
        if not standalone_mode:
            return rv
        # without standalone mode typer returns an Exit's code; commands here return None
        sys.exit(rv if isinstance(rv, int) else 0)


def missing_option(name: str) -> cx.MissingParameter:
    """The usage error click gives for a required option, for one that is required only
    sometimes (check's --rules, unless --limits)."""
    from typer._click.globals import get_current_context

    ctx = get_current_context()
    return cx.MissingParameter(ctx=ctx, param=next(p for p in ctx.command.params if p.name == name))


class ZhCommand(_ZhHelp, TyperCommand):
    allow_extra_args = True  # reported below in Chinese, not by click

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "options_metavar": OPTIONS_METAVAR})

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        rest = _with_context(super().parse_args, ctx, args)
        if rest and not ctx.resilient_parsing:
            raise cx.UsageError(f"多余的参数：{' '.join(rest)}（这个命令不接受它们）。", ctx)
        return rest


class ZhGroup(_ZhHelp, TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "options_metavar": OPTIONS_METAVAR,
                                   "subcommand_metavar": SUBCOMMAND_METAVAR})

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        return _with_context(super().parse_args, ctx, args)

    def resolve_command(self, ctx: _click.Context, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name = args[0]
        if self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            if name.startswith("-"):
                self.parse_args(ctx, args)  # an unknown option: click reports it (NoSuchOption)
            near = get_close_matches(name, list(self.commands))
            tail = f"是否应为 {near[0]}？" if near else f"可用的命令：{'、'.join(self.commands)}。"
            raise cx.UsageError(f"没有「{name}」这个命令。{tail}", ctx)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: _click.Context) -> Any:
        if not ctx._protected_args and not self.invoke_without_command:
            raise cx.UsageError(f"缺少命令。可用的命令：{'、'.join(self.commands)}。", ctx)
        return super().invoke(ctx)


def _with_context(parse: Any, ctx: _click.Context, args: list[str]) -> list[str]:
    """click's parser raises some usage errors without the context; attach it, so the error
    can show the usage line and name the parameter."""
    try:
        return parse(ctx, args)
    except cx.UsageError as exc:
        if exc.ctx is None:
            exc.ctx, exc.cmd = ctx, ctx.command
        raise


def _param_of(exc: cx.ClickException, option: str) -> Any:
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return None
    return next((p for p in ctx.command.get_params(ctx) if option in (*p.opts, *p.secondary_opts)), None)


def _param_label(param: Any) -> str:
    if param.param_type_name == "argument":
        return f"参数 {_metavar(param)}"
    return f"选项 {' / '.join(sorted(param.opts, key=len, reverse=True))}"


def usage_message(exc: cx.ClickException) -> str:
    """The Chinese sentence for a usage error, built from what the exception carries."""
    if isinstance(exc, cx.MissingParameter) and exc.param is not None:
        return f"缺少{_param_label(exc.param)}（必填）。"
    if isinstance(exc, cx.BadParameter) and exc.param is not None:
        from credittool.rules.messages import value_message

        why = value_message(exc.__cause__) if exc.__cause__ is not None else _click_value(exc.message, exc.param)
        return f"{_param_label(exc.param)} 的值无效：{why}"
    if isinstance(exc, cx.NoSuchOption):
        near = f"是否应为 {'、'.join(sorted(exc.possibilities))}？" if exc.possibilities else "用 --help 查看可用的选项。"
        return f"没有 {exc.option_name} 这个选项。{near}"
    if isinstance(exc, cx.BadOptionUsage):
        param = _param_of(exc, exc.option_name)
        if param is not None and (param.is_flag or param.count):
            return f"选项 {exc.option_name} 是开关，不带值。"
        return f"选项 {exc.option_name} 后面要给一个值。"
    if isinstance(exc, cx.BadArgumentUsage):
        return "参数个数不对。"
    return exc.message  # our own UsageErrors (above) are already Chinese


_NOT_A = {"integer": "必须是整数", "int range": "必须是整数", "float": "必须是数字", "float range": "必须是数字",
          "boolean": "必须是 true 或 false"}


def _click_value(message: str, param: Any) -> str:
    """click's own (English) value errors in Chinese, where typer checks a value with click's
    types rather than pydantic (typer before 0.29): 「'十' is not a valid integer.」,
    「0 is not in the range x>=1.」, 「9 is not in the range 1<=x<=5.」."""
    from credittool.rules.messages import shown

    if m := re.match(r"^'?(.*?)'? is not a valid (integer|int range|float range|float|boolean)", message):
        return f"{_NOT_A[m[2]]}，现在是 {shown(m[1])}"
    m = re.match(r"^(.*) is not in the range (\S+?)\.?$", message)
    if m is None:
        return message
    value, span = m[1], m[2]  # click writes x>=1, x<5 or 1<=x<=5
    lo = re.search(r"^([-\d.]+)(<=|<)x|^x(>=|>)([-\d.]+)$", span)
    hi = re.search(r"x(<=|<)([-\d.]+)$", span)
    low, low_open = (lo[1], lo[2] == "<") if lo and lo[1] else ((lo[4], lo[3] == ">") if lo else (None, False))
    try:
        below = low is not None and (float(value) <= float(low) if low_open else float(value) < float(low))
    except ValueError:
        below = False
    if below or hi is None:
        bound = f"必须大于 {low}" if low_open else f"不能小于 {low}"
    else:
        bound = f"必须小于 {hi[2]}" if hi[1] == "<" else f"不能大于 {hi[2]}"
    return f"{bound}，现在是 {shown(value)}"


def show_usage_error(exc: cx.ClickException) -> None:
    if isinstance(exc, cx.NoArgsIsHelpError):
        _click.echo(exc.format_message(), err=True)  # the help itself
        return
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        _click.echo(ctx.get_usage(), err=True)
        _click.echo(f"用 {ctx.command_path} --help 查看帮助。\n", err=True)
    _click.echo(f"错误：{usage_message(exc)}", err=True)
