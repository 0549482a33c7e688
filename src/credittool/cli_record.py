"""The command line's commands of the record across years (issue 15): card, cards, explain,
close, adjust, certificates, verify, and `report --cycle`. Registered on cli.py's app, in
the order the help lists them; like cli.py, they import no pandas or openpyxl."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from credittool.cliapp import WorkspaceOpt, app, call_and_render
from credittool.clizh import ZhCommand

AsOfTermOpt = Annotated[str | None, typer.Option(
    "--term", "--as-of", "-t", metavar="<学期>", help="截至哪个学期（含）；默认台账中的全部学期。")]
AsOfYearOpt = Annotated[str | None, typer.Option(
    "--year", "-y", metavar="<学年>", help="截至哪个学年（含），如 2018-19；与 --term 只给一个。")]
CardOutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", metavar="<文件夹>", help="学分卡写到哪里（默认 工作目录/out/学分卡/）。")]


@app.command(cls=ZhCommand)
def card(
    who: Annotated[str, typer.Argument(metavar="<身份证号或姓名>", help="教师的身份证号（18 位），或姓名（重名时列出各人，请改用身份证号）。",
                                       show_default=False)],
    term: AsOfTermOpt = None,
    year: AsOfYearOpt = None,
    workspace: WorkspaceOpt = Path("."),
    out: CardOutOpt = None,
) -> None:
    """一位教师的学分卡（R11）：历年每条学习记录及其来源、各学年达标情况与五年周期进度。

    写出可打印的 A4 页面 学分卡_<姓名>_<身份证号后4位>.html 与同名 .xlsx（截至某学期时文件名末尾加 _截至<学期>）。学分卡含身份证号，勿公开。
    """
    from credittool import console_record
    from credittool.commands.card import make_card

    call_and_render(lambda: make_card(workspace, who, term=term, year=year, out=out), console_record.card_summary)


@app.command(cls=ZhCommand)
def cards(
    unit: Annotated[str, typer.Option("--unit", "-u", metavar="<单位>", help="单位名称，与名册上写的一致。")],
    term: AsOfTermOpt = None,
    year: AsOfYearOpt = None,
    workspace: WorkspaceOpt = Path("."),
    out: CardOutOpt = None,
) -> None:
    """一个单位全部教师的学分卡，合为一个可打印文件（每人一页）：学分卡_<单位>.html 与 .xlsx。

    教师的单位取其最近一个学期的名册（人事关系所在单位），无名册时取成绩表上的单位。
    """
    from credittool import console_record
    from credittool.commands.card import make_cards

    call_and_render(lambda: make_cards(workspace, unit, term=term, year=year, out=out), console_record.cards_summary)


@app.command(cls=ZhCommand)
def explain(
    who: Annotated[str, typer.Argument(metavar="<身份证号或姓名>", help="教师的身份证号（18 位），或姓名（重名时请改用身份证号）。",
                                       show_default=False)],
    term: AsOfTermOpt = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """说明一位教师每项结果的由来：每条成绩与项目学时、每学期验印（R9）、学年各项标准与五年周期，
    各列出所依据的原始单元格（文件、工作表、行、列、值）、起决定作用的规则（规则文件:行）与算式。"""
    from credittool import console_record
    from credittool.commands.card import make_explain

    call_and_render(lambda: make_explain(workspace, who, term=term), console_record.explain_summary)


@app.command(cls=ZhCommand)
def close(
    year: Annotated[str, typer.Option("--year", "-y", metavar="<学年>", help="要结账的学年，如 2018-19。")],
    reason: Annotated[str, typer.Option("--reason", metavar="<说明>", help="结账说明，记入台账。")] = "",
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """学年结账：冻结该学年的达标结论与证书编号（先发齐证书）。

    此后导入该学年任何学期都会被拒绝；迟到的更正用 credittool adjust 记入下一个未结账学年。
    """
    from credittool import console_record
    from credittool.commands.closeyear import close as run_close

    call_and_render(lambda: run_close(workspace=workspace, year=year, reason=reason), console_record.close_summary)


@app.command(cls=ZhCommand)
def adjust(
    who: Annotated[str, typer.Argument(metavar="<身份证号或姓名>", help="要调整的教师。", show_default=False)],
    year: Annotated[str, typer.Option("--year", "-y", metavar="<学年>", help="记入哪个（未结账的）学年，如 2019-20。")],
    category: Annotated[str, typer.Option("--category", metavar="<类别>", help="记入的类别，如 面对面培训。")],
    hours: Annotated[str, typer.Option("--hours", metavar="<学时>", help="增加的学时（负数为扣减），如 6 或 -6。")],
    reason: Annotated[str, typer.Option("--reason", metavar="<原因>", help="调整原因，必填，记入台账并显示在学分卡上。")],
    for_year: Annotated[str, typer.Option("--for-year", metavar="<学年>", help="所更正的（已结账）学年，如 2018-19。")] = "",
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """迟到的更正：把学时作为调整记入一个未结账学年（注明原因与所更正的学年），从不改写已结账的学年。"""
    from credittool import console_record
    from credittool.commands.closeyear import adjust as run_adjust

    call_and_render(lambda: run_adjust(workspace=workspace, who=who, year=year, category=category, hours=hours, reason=reason,
                            for_year=for_year), console_record.adjust_summary)


@app.command(cls=ZhCommand)
def certificates(
    term: Annotated[str | None, typer.Option("--term", "-t", metavar="<学期>", help="只发这个课程学期（验印）的证书。")] = None,
    year: Annotated[str | None, typer.Option("--year", "-y", metavar="<学年>", help="只发这个学年（达标）的证书，如 2018-19。")] = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """为验印的教师（R9）与学年达标的教师（R17）发证书编号与核验码（R20）。

    编号一经发出不再改变、不再复用；之后每次导入都随之更新：依据不再成立的证书标「已撤销」，
    更正后的发新编号。写出 out/certificates.xlsx（含身份证号，内部用）与 out/publish/证书核验.html（可公开，不含身份证号）。
    """
    from credittool import console_record
    from credittool.commands.certificates import issue

    call_and_render(lambda: issue(workspace=workspace, term=term, year=year), console_record.issue_summary)


@app.command(cls=ZhCommand)
def verify(
    code: Annotated[str, typer.Argument(metavar="<编号或核验码>", help="证书编号（如 2009-h1-000001）或核验码（如 ABCD-EFGH-IJKL）。",
                                        show_default=False)],
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """核验一份证书是否由本台账签发，以及它证明什么。退出状态：0 真实有效；1 查无此证或已撤销。"""
    from credittool import console_record
    from credittool.commands.certificates import verify as run_verify

    cert = call_and_render(lambda: run_verify(workspace=workspace, text=code), lambda c: console_record.verify_summary(code, c))
    raise typer.Exit(0 if cert is not None and cert.revoked_at is None else 1)


def cycle_report(workspace: Path, cycle: str, year: str | None, as_of: str | None, top: int) -> None:
    from credittool import console_record
    from credittool.commands.cyclereport import make_cycle_report

    call_and_render(lambda: make_cycle_report(workspace=workspace, cycle=cycle, year=year, as_of=as_of),
         lambda result: console_record.cycle_report_summary(result, top=top))
