"""Terminal rendering with rich. Only the CLI imports this module."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from credittool.diagnostics import Problem

console = Console()
err_console = Console(stderr=True)

MAX_SHOWN = 15
FILES_SHOWN = 30  # more input files than this: the table lists only those that need a look


def error(message: str, hint: str = "") -> None:
    err_console.print(f"[bold red]错误：[/]{message}", highlight=False)
    if hint:
        err_console.print(f"  [yellow]怎么办：[/]{hint}", highlight=False)


def rules_problems(problems: Sequence) -> None:
    err_console.print(f"[bold red]规则文件有 {len(problems)} 处错误：[/]")
    for p in problems:
        err_console.print(f"  • {p.file}:{p.line}  [cyan]{p.path}[/]: {p.message}", highlight=False)


def problems_table(problems: Sequence[Problem], title: str) -> None:
    if not problems:
        return
    counts = Counter(p.code for p in problems)
    console.print(f"[bold]{title}[/]：" + "，".join(f"{code} {n}" for code, n in counts.most_common()), highlight=False)
    table = Table(show_lines=False, header_style="bold", box=None, padding=(0, 1))
    table.add_column("位置", overflow="fold", ratio=3)
    table.add_column("原值", overflow="fold", ratio=2)
    table.add_column("原因 → 怎么办", overflow="fold", ratio=5)
    for p in problems[:MAX_SHOWN]:
        table.add_row(p.where, p.value, f"{_short(p.message)} [yellow]→ {p.hint}[/]" if p.hint else _short(p.message))
    console.print(table)
    if len(problems) > MAX_SHOWN:
        console.print(f"  …另有 {len(problems) - MAX_SHOWN} 条", highlight=False)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ingest_summary(report) -> None:  # noqa: ANN001 - IngestReport; avoid importing the pipeline here
    table = Table(title=f"导入结果 · {report.term_name}（{report.term_id}）", header_style="bold")
    for col, just in (("文件", "left"), ("状态", "left"), ("读入行", "right"), ("接受", "right"),
                      ("未接受", "right"), ("跳过", "right")):
        table.add_column(col, justify=just)
    files = report.files
    # a county's files fit on a screen; of a province's thousands, those that need a look
    shown = files if len(files) <= FILES_SHOWN else \
        [f for f in files if f.status in ("无法读取", "替换") or f.rejected][:FILES_SHOWN]
    for f in shown:
        style = "red" if f.status == "无法读取" else ("dim" if f.status == "未改动" else "")
        table.add_row(f.name, f.status, str(f.rows_read), str(f.accepted), str(f.rejected), str(f.skipped),
                      style=style)
    if len(shown) < len(files):
        by_status = Counter(f.status for f in files)
        table.add_row(f"…另有 {len(files) - len(shown):,} 个文件", "、".join(f"{k} {n:,}" for k, n in by_status.items()),
                      "", "", "", "", style="dim")
    table.add_row(f"合计（{len(files):,} 个文件）", "", f"{sum(f.rows_read for f in files):,}", f"{report.accepted:,}",
                  f"{report.rejected:,}", f"{sum(f.skipped for f in files):,}", style="bold")
    console.print(table)
    problems_table(report.rejects, f"本次未接受 {len(report.rejects)} 处（全部见 rejects.xlsx）")
    for w in report.stats.warnings:  # the term's sheets not imported, results rejected (not missing)
        console.print(f"[bold yellow]警告：[/]{w}", highlight=False)
    notes = [(f.name, n) for f in report.files for n in f.notes]
    if notes:
        console.print("[bold]提示：[/]")
        for name, n in notes[:MAX_SHOWN]:
            console.print(f"  • {name}：{n}", highlight=False)
        if len(notes) > MAX_SHOWN:
            console.print(f"  …另有 {len(notes) - MAX_SHOWN} 条提示", highlight=False)
    s = report.stats
    if report.replaced:
        console.print(f"替换了台账中的 {report.replaced} 条旧记录（同名文件或同校同课程的新文件）。", highlight=False)
    console.print(f"本学期台账：{s.teachers} 名教师，{s.entries} 条课程成绩，合格 {s.passed} 条，"
                  f"验印 {s.stamped} 人，未验印 {s.teachers - s.stamped} 人。", highlight=False)
    if s.parts:
        console.print(f"证书登记表超过 Excel 单表行数上限，按单位分为 {s.parts} 个文件："
                      f"{report.out_dir / 'register-1.xlsx'} … register-{s.parts}.xlsx；学分汇总在 register.xlsx。",
                      highlight=False)
    console.print(f"已写出：{report.out_dir / 'register.xlsx'}、{report.out_dir / 'rejects.xlsx'}", highlight=False)


def check_summary(result) -> None:  # noqa: ANN001 - CheckResult
    for term in result.terms:
        table = Table(title=f"规则 · {term['name']}（{term['id']}）", header_style="bold")
        for col in ("培训类型", "课程", "必修", "学时", "学分", "评分"):
            table.add_column(col)
        for c in term["courses"]:
            table.add_row(c["track"], c["name"], "是" if c["required"] else "否", c["hours"], c["credits"], c["scoring"])
        console.print(table)
    console.print(f"规则文件 {len(result.rules_files)} 个，均无错误。", highlight=False)
    if result.files_checked:
        problems_table(result.problems, f"成绩表问题（共 {len(result.problems)} 条）")
        console.print(f"检查了 {result.files_checked} 个文件，{result.rows_read} 行："
                      f"可接受 {result.accepted}，有问题 {len(result.problems)} 处。未写任何文件。", highlight=False)


def sample_summary(report) -> None:  # noqa: ANN001 - SampleReport
    table = Table(title=f"抽测抽样 · {report.term_name}（{report.term}）",
                  header_style="bold")
    for col, just in (("层", "left"), ("人数", "right"), ("抽中", "right")):
        table.add_column(col, justify=just)
    for s in report.strata:
        table.add_row(s.name, str(s.size), str(s.drawn))
    table.add_row("合计", str(report.population), str(len(report.members)), style="bold")
    console.print(table)
    how = "（指定）" if report.seed_was_given else "（新生成，已记录；公布它即可让任何人复核）"
    console.print(f"抽样率 {report.rate}，种子 [bold]{report.seed}[/]{how}，第 {report.draw_id} 次抽样。", highlight=False)
    console.print(f"已写出：{report.path}　填好「抽测成绩」后用 credittool ingest 导入。", highlight=False)
    if report.orphaned_scores:
        console.print(f"[yellow]注意：[/]本学期已登记了 {report.orphaned_scores} 个旧抽样名单的抽测成绩；"
                      "报告只使用最新一次抽样的成绩。若不是有意重抽，请以旧名单为准，不要公布新名单。", highlight=False)


def verify_summary(result) -> None:  # noqa: ANN001 - VerifyReport
    if result.matches:
        console.print(f"[bold green]一致[/]：{result.path} 与第 {result.draw_id} 次抽样（种子 {result.seed}）重新推导的名单相同。",
                      highlight=False)
        return
    console.print(f"[bold red]不一致[/]：{result.path} 与第 {result.draw_id} 次抽样（种子 {result.seed}）重新推导的名单不同。",
                  highlight=False)
    for p in result.problems:
        console.print(f"  • {p}", highlight=False)
    for title, rows in (("名单中多出（不应抽中）", result.added), ("名单中缺少（应抽中）", result.removed)):
        if rows:
            console.print(f"  {title}：", highlight=False)
            for unit, name, ident in rows:
                console.print(f"    {unit}　{name}　{ident}", highlight=False)


def report_summary(result, top: int = 10) -> None:  # noqa: ANN001 - ReportResult
    """Top `top` places of 个人排名 (ties at the edge included), the per-school summary, the paths."""
    from credittool.ranking import half_up
    from credittool.report import spot_notes

    rep = result.report
    for line in spot_notes(rep.spot):
        console.print(line, highlight=False)
    if rep.spot.has_results:
        table = Table(title=f"个人排名 · 前 {top} 名 · {rep.term_name}", header_style="bold")
        for col, just in (("名次", "right"), ("单位", "left"), ("姓名", "left"), ("抽测成绩", "right")):
            table.add_column(col, justify=just)
        for p in rep.people:
            if p.rank is not None and p.rank <= top:
                table.add_row(str(p.rank), p.unit, p.name, _plain(p.score))
        console.print(table)
    table = Table(title=f"单位汇总 · {rep.term_name}（{rep.term}）", header_style="bold")
    for col, just in (("单位", "left"), ("参训", "right"), ("验印", "right"), ("验印率", "right")):
        table.add_column(col, justify=just)
    for u in (*rep.units, rep.total):
        rate = "" if u.stamp_rate is None else f"{half_up(u.stamp_rate * 100)}%"  # as report.xlsx shows it
        table.add_row(u.unit, str(u.teachers), str(u.stamped), rate, style="bold" if u is rep.total else "")
    console.print(table)
    console.print(f"未验印 {len(rep.unstamped)} 人（原因见 report.xlsx「未验印名单」）。", highlight=False)
    console.print(f"已写出：{result.path}", highlight=False)
    if result.published:
        console.print("公开发布用（不含身份证号）：" + "、".join(str(p) for p in result.published), highlight=False)
    else:
        console.print(f"未写出公开发布稿 {result.publish_dir}：抽测成绩尚未登记。", highlight=False)
        if result.stale_publish:
            console.print(f"[yellow]注意：[/]{result.publish_dir} 中是此前生成的排名，已过期，请勿发布。", highlight=False)


def _plain(d) -> str:  # noqa: ANN001 - Decimal
    return format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
