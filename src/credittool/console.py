"""Terminal rendering with rich. Only the CLI imports this module."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.errors import MarkupError
from rich.markup import escape
from rich.table import Table

from credittool.console_wrap import Folded
from credittool.diagnostics import Problem



class _Console(Console):
    """A console that never fails on a cell's text: what a spreadsheet wrote ([/], [red]…) is
    escaped where it is printed, and any text that still is not valid markup is shown as
    written rather than raising (held-out round 7: a cell 「[/]」 gave a traceback). Its
    messages break between Chinese characters too, not only at spaces (console_wrap.py)."""

    def render_str(self, text: str, **kwargs):  # noqa: ANN003, ANN201 - rich's own signature
        try:
            return super().render_str(text, **kwargs)
        except MarkupError:
            return super().render_str(text, **{**kwargs, "markup": False})

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """As rich's, but a message given as one string breaks between Chinese characters
        too, not only at spaces (console_wrap.py)."""
        if len(objects) == 1 and isinstance(objects[0], str) and not kwargs.get("soft_wrap") and "end" not in kwargs:
            objects = (self.folded(objects[0], **{k: kwargs[k] for k in ("emoji", "markup", "highlight") if k in kwargs}),)
        super().print(*objects, **kwargs)

    def folded(self, text: str, **kwargs: Any) -> Folded:
        """`text` (markup) as a renderable that breaks between Chinese characters too."""
        return Folded(self.render_str(text, **kwargs))


console = _Console()
err_console = _Console(stderr=True)
VALUE_SHOWN = 60  # characters of a cell's value in the terminal; rejects.xlsx has it whole

MAX_SHOWN = 15
FILES_SHOWN = 30  # more input files than this: the table lists only those that need a look


def error(message: str, hint: str = "") -> None:
    err_console.print(f"[bold red]错误：[/]{escape(message)}", highlight=False)
    if hint:
        err_console.print(f"  [yellow]怎么办：[/]{escape(hint)}", highlight=False)


def rules_problems(problems: Sequence) -> None:
    err_console.print(f"[bold red]规则文件有 {len(problems):,} 处错误：[/]")
    for p in problems:
        key = f"[cyan]{escape(p.rule.path)}[/]：" if p.rule.path else ""
        err_console.print(f"  • {escape(p.rule.where)}  {key}{escape(p.message)}", highlight=False)


def problems_table(problems: Sequence[Problem], title: str) -> None:
    if not problems:
        return
    counts = Counter(p.code for p in problems)
    console.print(f"[bold]{title}[/]：" + "，".join(f"{code} {n}" for code, n in counts.most_common()), highlight=False)
    table = Table(show_lines=False, header_style="bold", box=None, padding=(0, 1))
    table.add_column("位置", overflow="fold", ratio=3)
    table.add_column("原值", overflow="fold", ratio=2, max_width=20)  # an ID number fits; the reason gets the room
    table.add_column("原因 → 怎么办", overflow="fold", ratio=5)
    for p in problems[:MAX_SHOWN]:
        message = escape(_short(p.message))
        table.add_row(console.folded(escape(p.where)), console.folded(escape(_short(p.value, VALUE_SHOWN))),
                      console.folded(f"{message} [yellow]→ {escape(p.hint)}[/]" if p.hint else message))
    console.print(table)
    if len(problems) > MAX_SHOWN:
        console.print(f"  …另有 {len(problems) - MAX_SHOWN:,} 条", highlight=False)


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
        style = "red" if f.status == "无法读取" else ("dim" if f.status in ("未改动", "重复", "已撤回", "已被替换") else "")
        table.add_row(escape(f.name), f.status, f"{f.rows_read:,}", f"{f.accepted:,}", f"{f.rejected:,}", f"{f.skipped:,}",
                      style=style)
    if len(shown) < len(files):
        listed = {id(f) for f in shown}
        by_status = Counter(f.status for f in files if id(f) not in listed)
        table.add_row(f"…另有 {len(files) - len(shown):,} 个文件", "、".join(f"{k} {n:,}" for k, n in by_status.items()),
                      "", "", "", "", style="dim")
    table.add_row(f"合计（{len(files):,} 个文件）", "", f"{sum(f.rows_read for f in files):,}", f"{report.accepted:,}",
                  f"{report.rejected:,}", f"{sum(f.skipped for f in files):,}", style="bold")
    console.print(table)
    problems_table(report.rejects, f"本次未接受 {len(report.rejects):,} 处（全部见 rejects.xlsx）")
    files_to_fix(report)
    for w in report.stats.warnings:  # the term's sheets not imported, results rejected (not missing)
        console.print(f"[bold yellow]警告：[/]{escape(w)}", highlight=False)
    for p in report.slips:
        console.print(f"[bold yellow]警告：[/]{escape(p.message)}；{escape(p.hint)}", highlight=False)
    notes = [(f.name, n) for f in report.files for n in f.notes]
    if notes:
        console.print("[bold]提示：[/]")
        for name, n in notes[:MAX_SHOWN]:
            console.print(f"  • {escape(name)}：{escape(n)}", highlight=False)
        if len(notes) > MAX_SHOWN:
            console.print(f"  …另有 {len(notes) - MAX_SHOWN:,} 条提示", highlight=False)
    _spot_counts(report.files)
    s = report.stats
    if report.replaced:
        console.print(f"替换了台账中的 {report.replaced:,} 条旧记录（同名文件、同校同课程的新文件或同一单位教师名册的新文件）。", highlight=False)
    if s.standards:
        console.print(f"本学期台账：{s.entries:,} 条项目记录，合格 {s.passed:,} 条；本学年 {s.teachers:,} 名教师，"
                      f"达标 {s.stamped:,} 人，未达标 {s.teachers - s.stamped:,} 人。", highlight=False)
    else:
        console.print(f"本学期台账：{s.teachers:,} 名教师，{s.entries:,} 条课程成绩，合格 {s.passed:,} 条，"
                      f"验印 {s.stamped:,} 人，未验印 {s.teachers - s.stamped:,} 人。", highlight=False)
    if s.parts:
        console.print(f"证书登记表超过 Excel 单表行数上限，按单位分为 {s.parts} 个文件："
                      f"{report.out_dir / 'register-1.xlsx'} … register-{s.parts}.xlsx；学分汇总在 register.xlsx。",
                      highlight=False)
    console.print(f"已写出：{report.out_dir / 'register.xlsx'}、{report.out_dir / 'rejects.xlsx'}", highlight=False)
    certificates_followed(report.certificates)
    other_registers(report.registers)
    rewritten(report.republished)
    stale_reports(report.stale)


def certificates_followed(changed) -> None:  # noqa: ANN001 - ledger.certificates.Synced
    """What a command's change did to the certificates already issued."""
    if changed.issued or changed.revoked:
        console.print(f"已发证书随之更新：新发 {changed.issued} 份，撤销 {changed.revoked} 份。", highlight=False)


def other_registers(paths) -> None:  # noqa: ANN001 - list[Path]
    """The register.xlsx of the year's other terms, rewritten: they show the year's verdicts."""
    if paths:
        console.print("本学年的达标结论随之改变，已重写：" + "、".join(str(p) for p in paths), highlight=False)


def rewritten(paths) -> None:  # noqa: ANN001 - list[Path]: certificates.xlsx and the verification page
    if paths:
        console.print("已重写：" + "、".join(str(p) for p in paths) + "（核验页若已上网发布，请重新发布）", highlight=False)


def stale_reports(paths) -> None:  # noqa: ANN001 - list[Path]: report.xlsx written before this change
    """The term reports this command has made out of date, and how to bring them up to date."""
    for p in paths:
        term = p.parent.name
        console.print(f"[bold yellow]警告：[/]{p} 是在这次改动之前写的，已过时：运行 credittool report --term {term} 重写", highlight=False)


def not_read(items: Sequence[Problem]) -> None:
    """The files in an input folder that were not read, each once, with why."""
    if not items:
        return
    console.print(f"[bold]未读取的文件（{len(items)} 个）：[/]", highlight=False)
    for p in items[:MAX_SHOWN]:
        console.print(f"  • {escape(p.file)}：{escape(p.message)}", highlight=False)
    if len(items) > MAX_SHOWN:
        console.print(f"  …另有 {len(items) - MAX_SHOWN} 个", highlight=False)


def _spot_counts(files) -> None:  # noqa: ANN001 - FileSummary list
    """One line per filled-in 抽测名单: how many of its scores were registered, replaced, left blank."""
    for f in files:
        c = f.spot
        if c is not None and c.draw is None:
            console.print(f"抽测成绩 · {f.name}：无法确定属于哪一次抽样，一个也未登记（原因见上表或 rejects.xlsx）。",
                          highlight=False)
        elif c is not None:
            console.print(f"抽测成绩 · {f.name} → {c.draw}：新登记 {c.registered} 个，替换 {c.replaced} 个，"
                          f"未变 {c.unchanged} 个，空白（尚未测试）{c.blank} 个。", highlight=False)


def files_to_fix(report) -> None:  # noqa: ANN001 - IngestReport
    """The files that could not be read, each with why and what to do: they fail the run
    until fixed or removed."""
    bad = report.unreadable
    if not bad:
        return
    console.print(f"[bold red]需要处理的文件（{len(bad)} 个，无法读取，每次导入都会重新读取）：[/]", highlight=False)
    for f in bad[:MAX_SHOWN]:
        p = f.problem
        console.print(f"  • {escape(f.name)}：{p.code} {escape(p.message)}" + (f" [yellow]→ {escape(p.hint)}[/]" if p.hint else "")
                      if p is not None else f"  • {escape(f.name)}", highlight=False)
    if len(bad) > MAX_SHOWN:
        console.print(f"  …另有 {len(bad) - MAX_SHOWN} 个（全部见 rejects.xlsx）", highlight=False)


def limits_summary(info: dict) -> None:
    console.print(f"读取单个文件的上限：内存 {info['file_memory_text']}（--file-memory），"
                  f"时间 {info['file_timeout_s']:g} 秒（--file-timeout）。", highlight=False)
    console.print(f"本机：内存 {info['machine_memory_text']}，{info['cores']} 核；同时读取 {info['workers']} 个文件。",
                  highlight=False)
    console.print("超过上限的文件报 E-FILE-LIMIT，其余文件照常读取；ingest 与 check 都可用上面两个选项提高上限。",
                  highlight=False)


def programmes_summary(term: dict) -> None:
    """A term's programmes and the year's standards, as `check` shows them."""
    table = Table(title=f"培训项目 · {term['name']}（{term['id']}，{term['year']}学年）", header_style="bold")
    for col in ("项目", "类别", "学时", "每行至多", "合格"):
        table.add_column(col)
    for p in term["programmes"]:
        table.add_row(p["name"], p["category"], p["hours"], p["max_hours"], p["passing"])
    console.print(table)
    console.print("学年达标标准：" + ("" if term["standards"] else "（未规定）"), highlight=False)
    for line in term["standards"]:
        console.print(f"  · {line}", highlight=False)
    if term.get("cycle"):
        console.print("周期：", highlight=False)
        for line in term["cycle"]:
            console.print(f"  · {line}", highlight=False)


def check_summary(result, out=None) -> None:  # noqa: ANN001 - CheckResult, Path | None
    for term in result.terms:
        table = Table(title=f"规则 · {term['name']}（{term['id']}）", header_style="bold")
        for col in ("培训类型", "课程", "必修", "学时", "学分", "评分"):
            table.add_column(col)
        for c in term["courses"]:
            table.add_row(c["track"], c["name"], "是" if c["required"] else "否", c["hours"], c["credits"], c["scoring"])
        if term["courses"]:
            console.print(table)
        if "programmes" in term:
            programmes_summary(term)
    console.print(f"规则文件 {len(result.rules_files)} 个，均无错误。", highlight=False)
    rejects = result.rejects
    n = len(rejects)
    if result.files_checked:
        problems_table(rejects, f"成绩表问题（共 {n:,} 条）")
        for w in result.warnings[:MAX_SHOWN]:  # nothing refused: a course's sheet not imported, two near IDs
            console.print(f"[bold yellow]警告：[/]{escape(w.where)}：{escape(w.message)}", highlight=False)
        not_read(result.not_read)
        console.print(f"检查了 {result.files_checked:,} 个文件，{result.rows_read:,} 行："
                      f"可接受 {result.accepted:,}，有问题 {n:,} 处。", highlight=False)
    if out is not None:
        console.print(f"问题清单（{n:,} 条）已写出：{out}；除此之外未写任何文件。", highlight=False)
    else:
        if n > MAX_SHOWN:
            console.print(f"上面只列出前 {MAX_SHOWN} 条。全部问题：加 --out problems.xlsx 写成表格，"
                          "或加 --json 输出给其他程序。", highlight=False)
        console.print("未写任何文件。", highlight=False)
    console.print(f"退出状态 1：成绩表有 {n:,} 处问题（0 表示没有问题，2 表示规则文件或参数有误）。" if n else
                  "退出状态 0：没有问题。", highlight=False)


def sample_summary(report) -> None:  # noqa: ANN001 - SampleReport
    table = Table(title=f"抽测抽样 · {report.term_name}（{report.term}）",
                  header_style="bold")
    for col, just in (("层", "left"), ("人数", "right"), ("抽中", "right")):
        table.add_column(col, justify=just)
    for s in report.strata:
        table.add_row(s.name, f"{s.size:,}", f"{s.drawn:,}")
    table.add_row("合计", f"{report.population:,}", f"{len(report.members):,}", style="bold")
    console.print(table)
    how = "（指定）" if report.seed_was_given else "（新生成，已记录；公布它即可让任何人复核）"
    console.print(f"抽样率 {report.rate}，种子 [bold]{report.seed}[/]{how}，本学期第 {report.seq} 次抽样。", highlight=False)
    console.print(f"已写出：{report.path}　填好「抽测成绩」后用 credittool ingest 导入。", highlight=False)
    if report.earlier:
        kept = "、".join(d.label for d in report.earlier)
        console.print(f"重新抽样，原因：{report.reason}。原有名单保留未动：{kept}。", highlight=False)
        console.print("credittool report 使用已登记成绩的那次抽样；几次抽样都登记了成绩时，用 report --draw N 指定。",
                      highlight=False)


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
    """The tables (top `top` places of 个人排名, ties at the edge included; the per-school summary),
    what was written, then what to do next, in the order of the term's work."""
    rep = result.report
    if rep.spot.has_results:
        _ranking_table(rep, top)
    _units_table(rep)
    console.print(f"已写出：{result.path}", highlight=False)
    console.print(f"未验印 {len(rep.unstamped):,} 人（原因见 report.xlsx「未验印名单」）。", highlight=False)
    if result.published:
        console.print("公开发布用（不含身份证号）：" + "、".join(str(p) for p in result.published), highlight=False)
    else:
        console.print(f"未写出公开发布稿 {result.publish_dir}：{result.withheld}", highlight=False)
        if result.stale_publish:
            console.print(f"[yellow]注意：[/]{result.publish_dir} 中是此前生成的排名，已过期，请勿发布。", highlight=False)
    for line in report_next_steps(rep.spot, rep.term):
        console.print(line, highlight=False)


def year_report_summary(result) -> None:  # noqa: ANN001 - YearReportResult
    """A programme term's report: each unit's 达标率 and what its teachers lack (R12–R17)."""
    from rich.table import Table

    t = Table(title=f"单位达标 · {result.year}学年（{result.term_name}）",
              caption="后几列：未达到该项标准的人数（" + "；".join(result.labels) + "）")
    t.add_column("单位", no_wrap=True)
    for col in ("教师数", "达标", "达标率", *result.heads):
        t.add_column(col, justify="right")
    for u in [*result.units, result.total]:
        rate = "" if u.rate is None else f"{float(u.rate):.1%}"
        t.add_row(u.unit, f"{u.teachers:,}", f"{u.met:,}", rate, *(f"{k:,}" for k in u.missed),
                  end_section=u is result.units[-1] if result.units else False)
    console.print(t)
    console.print(f"已写出：{result.path}（学分达标：每位教师的学时与原因；单位达标：含达标率图）", highlight=False)
    console.print(f"本学年未达标 {result.total.teachers - result.total.met:,} 人；"
                  "补交名册后重新 credittool ingest，再运行 credittool report。", highlight=False)


def report_next_steps(spot, term: str) -> list[str]:  # noqa: ANN001 - SpotState
    """What is left of the spot test, step by step in the order it is done (R7, R8)."""
    from credittool.ledger.report import spot_notes

    if spot.has_results:
        return spot_notes(spot)
    steps = [] if spot.draw_id is not None else [f"credittool sample --rate 0.1 --term {term} 抽取抽测名单"]
    steps += [f"抽测后在 out/{term}/sample.xlsx 填好「抽测成绩」",
              f"credittool ingest out/{term}/sample.xlsx --rules rules/ --term {term} 导入成绩",
              f"credittool report --term {term} 生成排名与公开发布稿"]
    head = "" if spot.draw_id is not None else "本学期还没有抽样，"
    return [f"{head}抽测成绩尚未登记：排名和公开发布稿待抽测成绩导入后生成。下一步："] + \
        [f"  {i}. {step}" for i, step in enumerate(steps, 1)]


def _ranking_table(rep, top: int) -> None:  # noqa: ANN001 - Report
    table = Table(title=f"个人排名 · 前 {top} 名 · {rep.term_name}", header_style="bold")
    for col, just in (("名次", "right"), ("单位", "left"), ("姓名", "left"), ("抽测成绩", "right")):
        table.add_column(col, justify=just)
    for p in rep.people:
        if p.rank is not None and p.rank <= top:
            table.add_row(f"{p.rank:,}", p.unit, p.name, score_text(p.score))
    console.print(table)


def _units_table(rep) -> None:  # noqa: ANN001 - Report
    from credittool.score.ranking import half_up

    table = Table(title=f"单位汇总 · {rep.term_name}（{rep.term}）", header_style="bold")
    for col, just in (("单位", "left"), ("参训", "right"), ("验印", "right"), ("验印率", "right")):
        table.add_column(col, justify=just)
    for u in (*rep.units, rep.total):
        rate = "" if u.stamp_rate is None else f"{half_up(u.stamp_rate * 100)}%"  # as report.xlsx shows it
        table.add_row(u.unit, f"{u.teachers:,}", f"{u.stamped:,}", rate, style="bold" if u is rep.total else "")
    console.print(table)


def score_text(score) -> str:  # noqa: ANN001 - Decimal
    """A score as the terminal shows it: one decimal, rounded half up (四舍五入), thousands separated."""
    from credittool.score.ranking import half_up

    return f"{half_up(score):,}"
