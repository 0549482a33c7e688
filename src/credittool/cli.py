"""The command line: parse options, call one library function, render the result.

pandas and openpyxl are never imported here (STYLE principle 1), so `--help` is instant.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from credittool.cliapp import WorkspaceOpt, app
from credittool.cliapp import fail as _fail
from credittool.clizh import ZhCommand, missing_option
from credittool.errors import CredittoolError, RulesInvalid, UsageError
from credittool.read.limits import DEFAULT_MEMORY, DEFAULT_SECONDS, file_limits, show_size

RulesOpt = Annotated[list[Path], typer.Option(
    "--rules", "-r", metavar="<规则>", help="规则文件或文件夹（可多次给出），例如 rules/ 或 rules/huadian-2009-h1-text.yaml。")]
TermOpt = Annotated[str | None, typer.Option(
    "--term", "-t", metavar="<学期>", help="学期编号，如 2009-h1。规则只含一个学期时可省略。")]
FileTimeoutOpt = Annotated[float | None, typer.Option(
    "--file-timeout", min=1, metavar="<秒>",
    help=f"读取单个文件的时间上限（秒，默认 {DEFAULT_SECONDS:g}）；超过的文件报 E-FILE-LIMIT，其余照常读取。")]
FileMemoryOpt = Annotated[str | None, typer.Option(
    "--file-memory", metavar="<大小>",
    help=f"读取单个文件的内存上限（默认 {show_size(DEFAULT_MEMORY)}，如 3G、2048M；0 不限）；超过的文件报 E-FILE-LIMIT。")]
LedgerTermOpt = Annotated[str | None, typer.Option(
    "--term", "-t", metavar="<学期>", help="学期编号，如 2009-h1。台账中只有一个学期时可省略。")]


@app.command(cls=ZhCommand)
def ingest(
    paths: Annotated[list[Path], typer.Argument(
        metavar="<成绩表>",         help="各校成绩表：文件或文件夹（.xlsx .xlsm .xlsb .xls .et .ods .csv 等）。", show_default=False)],
    rules: RulesOpt,
    workspace: WorkspaceOpt = Path("."),
    term: TermOpt = None,
    course: Annotated[str | None, typer.Option(
        "--course", "-c", metavar="<课程>", help="工作表既无「课程」列、表名也不是课程名时，用这个课程。")] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="有任何未接受的行就以非零状态退出（默认只有无法导入时才失败）。")] = False,
    allow_unreadable: Annotated[bool, typer.Option(
        "--allow-unreadable", help="有文件无法读取时仍以零状态退出（其余文件照常导入；默认以非零状态退出）。")] = False,
    any_year: Annotated[bool, typer.Option(
        "--any-year", help="不核对文件名、工作表名与标题中写的学年（文件确属本学期、只是写了别的年份时用）。")] = False,
    file_timeout: FileTimeoutOpt = None,
    file_memory: FileMemoryOpt = None,
) -> None:
    """导入成绩表，更新台账，生成证书登记表 register.xlsx 与未接受行清单 rejects.xlsx。

    同一文件重复导入不会重复计数；同名或同校同课程的新文件替换旧记录。
    """
    from credittool import console
    from credittool.commands.ingest import ingest as run_ingest
    from credittool.console_progress import IngestProgress

    try:
        with IngestProgress() as progress:
            report = run_ingest(paths, rules=rules, workspace=workspace, term=term, course=course,
                                on_progress=progress, limits=file_limits(file_timeout, file_memory), any_year=any_year)
    except CredittoolError as exc:
        raise _fail(exc) from None
    console.ingest_summary(report)
    console.not_read(report.not_read)
    if report.nothing_ingested:
        console.error("没有任何一行被接受", "按上面的原因（或 rejects.xlsx）改正后重新导入")
        raise typer.Exit(1)
    if report.unreadable and not allow_unreadable:
        console.error(f"有 {len(report.unreadable)} 个文件无法读取（见上面「需要处理的文件」）",
                      "改正或移走这些文件后重新导入；要先导入其余文件并以零状态退出，加 --allow-unreadable")
        raise typer.Exit(1)
    if strict and report.rejected:
        console.error(f"--strict：有 {report.rejected} 行未接受", "按 rejects.xlsx 改正后重新导入")
        raise typer.Exit(1)


@app.command(cls=ZhCommand)
def sample(
    rate: Annotated[str, typer.Option(
        "--rate", metavar="<比例>", help="抽样率：0.1、10% 或 10 都是 10%（R7）；大于 1、不超过 100 的数按百分数理解。")] = "0.1",
    term: LedgerTermOpt = None,
    by: Annotated[str, typer.Option("--by", metavar="<分层>", help="分层：单位（各单位10%），或 单位,学科（按学科教师比例）。")] = "单位",
    seed: Annotated[str | None, typer.Option(
        "--seed", metavar="<种子>", help="随机种子。省略时生成一个新种子，打印并记录；公布种子即可让任何人复核。")] = None,
    min_per_group: Annotated[int, typer.Option(
        "--min-per-group", metavar="<人数>", help="每层（非空时）至少抽几人。", min=0)] = 1,
    course: Annotated[str | None, typer.Option(
        "--course", "-c", metavar="<课程>", help="只从这门课程符合报考条件的教师中抽（默认：所有课程都符合条件的教师）。")] = None,
    workspace: WorkspaceOpt = Path("."),
    verify: Annotated[Path | None, typer.Option(
        "--verify", metavar="<sample.xlsx>", help="复核一份已生成的 sample.xlsx（或 sample-N.xlsx）：按台账与记录的种子重新抽取并比对，不一致时非零退出。")] = None,
    redraw: Annotated[bool, typer.Option(
        "--redraw", help="本学期已抽过样时重新抽样：新名单写入 sample-2.xlsx …，原名单保留不动；须同时给出 --reason。")] = False,
    reason: Annotated[str | None, typer.Option("--reason", metavar="<原因>", help="重新抽样的原因，记入台账和新名单。")] = None,
) -> None:
    """抽取县级抽测名单（R7），写出 out/<学期>/sample.xlsx，并记入台账。已有的抽测名单从不覆盖。

    每层人数 × 抽样率四舍五入；抽取只取决于种子、层名和层内身份证号，可复核。
    填好「抽测成绩」后用 credittool ingest 导入该文件即可登记抽测成绩。
    """
    from credittool import console
    from credittool.commands.sample import sample as run_sample
    from credittool.commands.sample import verify as run_verify

    try:
        if verify is not None:
            if not verify.is_file():
                raise UsageError(f"找不到要复核的抽测名单：{verify}", "检查路径，例如 out/2009-h1/sample.xlsx")
            result = run_verify(verify, workspace=workspace)
            console.verify_summary(result)
            raise typer.Exit(0 if result.matches else 1)
        report = run_sample(workspace=workspace, rate=rate, term=term, by=by, seed=seed,
                            min_per_group=min_per_group, course=course, redraw=redraw, reason=reason)
    except CredittoolError as exc:
        raise _fail(exc) from None
    console.sample_summary(report)


@app.command(cls=ZhCommand)
def check(
    paths: Annotated[list[Path] | None, typer.Argument(metavar="<成绩表>", help="要检查的成绩表（可省略，只检查规则）。", show_default=False)] = None,
    rules: RulesOpt = [],  # noqa: B006 - typer's default; required unless --limits
    term: TermOpt = None,
    course: Annotated[str | None, typer.Option("--course", "-c", metavar="<课程>", help="同 ingest 的 --course。")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出全部问题（便于其他程序处理）。")] = False,
    limits: Annotated[bool, typer.Option(
        "--limits", help="显示读取单个文件的内存与时间上限（及本机内存、核数）后退出。")] = False,
    file_timeout: FileTimeoutOpt = None,
    file_memory: FileMemoryOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", metavar="<问题清单.xlsx>", help="把全部问题写成表格（列同 rejects.xlsx），例如 problems.xlsx。")] = None,
) -> None:
    """检查规则文件（及成绩表），除 --out 外不写任何文件。

    退出状态：0 没有问题；1 成绩表有问题；2 规则文件或参数有误。
    """
    from credittool import console
    from credittool.commands.check import check as run_check
    from credittool.commands.check import limits_info

    try:
        file_lim = file_limits(file_timeout, file_memory)
        if limits:
            info = limits_info(file_lim)
            if as_json:
                typer.echo(json.dumps(info, ensure_ascii=False, indent=1))
            else:
                console.limits_summary(info)
            raise typer.Exit(0)
        if not rules:
            raise missing_option("rules")
        result = run_check(paths or [], rules=rules, term=term, course=course, limits=file_lim, out=out)
    except RulesInvalid as exc:
        if as_json:
            typer.echo(json.dumps({"rules_problems": [p.rule_dict() for p in exc.problems]}, ensure_ascii=False, indent=1))
            raise typer.Exit(exc.exit_code) from None
        raise _fail(exc) from None
    except CredittoolError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
    else:
        console.check_summary(result, out)
    raise typer.Exit(1 if result.rejects else 0)


@app.command(cls=ZhCommand)
def report(
    term: LedgerTermOpt = None,
    workspace: WorkspaceOpt = Path("."),
    top: Annotated[int, typer.Option("--top", min=1, metavar="<人数>", help="终端显示个人排名的前几名（同分并列者一并显示）。")] = 10,
    partial: Annotated[bool, typer.Option(
        "--partial", help="抽测成绩未登记齐时也生成公开发布稿（页面注明为部分结果，未齐的单位标「成绩未齐」）。")] = False,
    publisher: Annotated[str | None, typer.Option(
        "--publisher", metavar="<发布单位>", help="公开发布稿上的发布单位（默认：规则中的 publisher.issuer）。")] = None,
    date: Annotated[str | None, typer.Option(
        "--date", metavar="<日期>", help="公开发布稿上的发布日期，如 2009-07-15（默认：今天）。")] = None,
    draw: Annotated[int | None, typer.Option(
        "--draw", min=1, metavar="<第几次>", help="排名用本学期第几次抽样的成绩（1 = sample.xlsx，N = sample-N.xlsx）。"
                              "默认用已登记成绩的那次；几次都有成绩时须指定。")] = None,
    cycle: Annotated[str | None, typer.Option(
        "--cycle", metavar="<周期>", help="五年周期报告（R15），如 2016-2020：各单位进度与落后名单 → out/cycle-<周期>/report.xlsx。")] = None,
    year: Annotated[str | None, typer.Option(
        "--year", "-y", metavar="<学年>", help="与 --cycle 一起：截至哪个学年（含），如 2018-19，写到 report_截至2018-19.xlsx（不覆盖最新的 report.xlsx）；默认台账中周期内最后一个学年。")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", metavar="<学期>", help="与 --cycle 一起：截至哪个学期（含）所在的学年，如 2018-19-s1（文件名同 --year）。")] = None,
) -> None:
    """生成抽测成绩排名与单位汇总 out/<学期>/report.xlsx（R8、R9），及公开发布稿 publish/。

    report.xlsx：个人排名、团体排名、单位汇总（含验印率图）、未验印名单（含全部原因）。
    publish/：index.html 与 排名.xlsx，只含单位、姓名、成绩，不含身份证号；抽测成绩登记齐之前不生成（--partial 除外）。
    培训项目学期：学分达标与单位达标。--cycle：五年周期的单位进度、落后名单与周期明细。
    """
    if cycle is not None:
        from credittool.cli_record import cycle_report

        if term is not None:
            raise _fail(UsageError("--term 不与 --cycle 一起用", f"截至某学期用 --as-of，例如 --cycle {cycle} --as-of {term}"))
        cycle_report(workspace, cycle, year, as_of, top)
        return
    if year is not None or as_of is not None:
        raise _fail(UsageError("--year、--as-of 只与 --cycle 一起用", "学年报告用 --term 指定该学年的学期，例如 --term 2018-19-s1"))
    from credittool import console
    from credittool.commands.report import YearReportResult, make_report

    try:
        result = make_report(workspace=workspace, term=term, draw=draw, partial=partial, publisher=publisher,
                             published_on=_date(date))
    except CredittoolError as exc:
        raise _fail(exc) from None
    if isinstance(result, YearReportResult):  # a term of programmes: the year's standards
        console.year_report_summary(result)
    else:
        console.report_summary(result, top=top)


@app.command(cls=ZhCommand)
def withdraw(
    name: Annotated[str, typer.Argument(metavar="<文件名>", help="导入结果中列出的文件名，如 张店区第七中学.xlsx。",
                                        show_default=False)],
    rules: Annotated[list[Path] | None, typer.Option(
        "--rules", "-r", metavar="<规则>", help="规则文件或文件夹：撤回后按规则重算验印或达标（--undo 不需要）。")] = None,
    term: TermOpt = None,
    reason: Annotated[str, typer.Option("--reason", metavar="<原因>", help="撤回原因，记入台账。")] = "",
    undo: Annotated[bool, typer.Option("--undo", help="取消撤回：下次导入时重新读取这份文件。")] = False,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """撤回误导入的文件：从该学期的台账中移除它的全部记录，重算验印或达标，重写 register.xlsx 与 rejects.xlsx。

    此后再导入同一份文件（内容未改）会跳过并标「已撤回」；改过内容的同名文件照常导入。
    """
    from credittool import console_record
    from credittool.cliapp import call_and_render
    from credittool.commands import withdraw as w

    if undo:
        call_and_render(lambda: w.undo(name, workspace=workspace, term=term), console_record.undo_summary)
    else:
        call_and_render(lambda: w.withdraw(name, rules=rules or [], workspace=workspace, term=term, reason=reason),
                        console_record.withdraw_summary)


def _date(text: str | None):  # noqa: ANN202 - datetime.date; imported lazily
    import datetime as dt

    from credittool.errors import UsageError

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _fail(UsageError(f"--date {text} 不是日期", "写成 年-月-日，例如 --date 2009-07-15")) from None


# the record's commands (card … verify), after report in the help; they use _run and the options above
from credittool import cli_record  # noqa: E402,F401


def main() -> None:
    """Run the command, then leave at once. Every output is written, renamed into place and
    closed, and every ledger connection is closed, before a command returns. What is left
    is the interpreter freeing a run's objects one by one, which the clerk would only wait
    for; mypy's command line leaves the same way."""
    try:
        app()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    except OSError as exc:  # the system refused a path no command foresaw (a full disk …): said, no traceback
        from credittool import console
        from credittool.errors import CannotWrite

        err = CannotWrite(exc.filename or "", exc, "读写")  # a read or a write: the error does not say
        console.error(err.message, err.hint)
        code = err.exit_code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # what sys.exit does with a message
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head): nothing more can be said
            pass
    os._exit(code or 0)
