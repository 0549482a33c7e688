"""The command line's app: its Chinese group, the options every command shares, and how a
command runs its library call (cli.py and cli_record.py register the commands on it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from credittool import __version__
from credittool.clizh import ZhGroup
from credittool.errors import CredittoolError, RulesInvalid

app = typer.Typer(
    name="credittool",
    cls=ZhGroup,  # help and usage errors in Chinese (clizh.py)
    help="继续教育学时学分登记工具：导入各校成绩表，按规则计算学时学分，生成证书登记表。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: long Chinese lines have no spaces to wrap at, and rich cuts them off
)

T = TypeVar("T")

WorkspaceOpt = Annotated[Path, typer.Option(
    "--workspace", "-w", metavar="<文件夹>", help="工作目录：台账 ledger.sqlite 与输出 out/<学期>/ 所在处。", show_default=True)]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"credittool {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="显示版本号后退出。")] = False) -> None:
    """继续教育学时学分登记工具。"""


def call_and_render(call: Callable[[], T], render: Callable[[T], None]) -> T:
    """A command's library call, its user's mistakes as a message and an exit code (never a
    traceback), its result rendered."""
    try:
        result = call()
    except CredittoolError as exc:
        raise fail(exc) from None
    render(result)
    return result


def fail(exc: CredittoolError) -> typer.Exit:
    from credittool import console

    if isinstance(exc, RulesInvalid):
        console.rules_problems(exc.problems)
    console.error(exc.message, exc.hint)
    return typer.Exit(exc.exit_code)
