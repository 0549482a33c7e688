"""A teacher's 学分卡 and the cycle report in the terminal (`card`, `cards`, `report --cycle`), and
what `close`, `adjust` and `withdraw` did."""

from __future__ import annotations

from decimal import Decimal

from rich.markup import escape
from rich.table import Table

from credittool.console import certificates_followed, console, other_registers, rewritten, stale_reports
from credittool.rules.schema import dec
from credittool.score.standards import show


def card_summary(result) -> None:  # noqa: ANN001 - commands.card.CardResult
    """A teacher's card in the terminal: who, the moves, each year, the cycle; then the files."""
    (c,) = result.cards
    t = c.teacher
    console.print(f"[bold]{escape(t.name)}[/bold]　{t.id_number}　{escape(t.unit)}", highlight=False)
    for m in c.moves:
        console.print(f"  调动：{m.move}", highlight=False)
    table = Table(title="学习记录", header_style="bold")
    for col in ("学期", "课程或项目", "类别", "学时", "结果", "来源"):
        table.add_column(col, justify="right" if col == "学时" else "left", overflow="fold")  # nothing cut off
    for e in c.entries:
        table.add_row(e.term, console.folded(escape(e.what)), e.category, show(e.hours), e.result,
                      console.folded(escape(e.source)))
    console.print(table)
    for ln in c.terms:
        if ln.stamp is not None:
            console.print(f"  {ln.term} 验印：{'是' if ln.stamp[0] else '否'}" + (f"（{ln.stamp[1]}）" if ln.stamp[1] else ""),
                          highlight=False)
    if c.years:
        yt = Table(title="学年汇总", header_style="bold")
        for col in ("学年", *c.categories, "合计", "达标", "原因"):
            yt.add_column(col, overflow="fold")
        how = {y.year: y.how for y in c.cycle.years} if c.cycle is not None else {}
        for y in c.years:
            yt.add_row(y.year, *(show(y.hours.get(k, Decimal(0))) for k in c.categories), show(y.total),
                       ("是" if y.met else "否") + (f"（{how[y.year]}）" if how.get(y.year) else ""),
                       console.folded("；".join(filter(None, [y.reasons, *(f"{p}计入 {show(h)} 学时"
                                                                          for p, h in y.made_up.items())]))))
        console.print(yt)
    cy = c.cycle
    if cy is not None:
        console.print(f"周期 {cy.cycle.name}：截至 {cy.as_of} 学年 {show(cy.hours)}/{show(dec(cy.cycle.hours))} 学时，"
                      f"应达 {show(cy.expected)}，尚差 {show(cy.missing)}，剩 {cy.years_left} 年 —— {cy.status}", highlight=False)
        for y in cy.years:
            if y.notes:
                console.print(f"  {y.year}：{'，'.join(y.notes)}" + (f"（{y.how}）" if y.how else ""), highlight=False)
        if cy.unpaid:
            console.print(f"  周期末借贷未还 {show(cy.unpaid)} 学时，已从周期学时中扣除", highlight=False)
    console.print(f"已写出：{result.html}\n　　　　{result.xlsx}", highlight=False)


def cards_summary(result) -> None:  # noqa: ANN001 - commands.card.CardResult
    behind = sum(1 for c in result.cards if c.cycle is not None and c.cycle.status in ("落后", "未完成"))
    console.print(f"{result.unit}：{len(result.cards)} 位教师的学分卡" + (f"，其中周期进度落后或未完成 {behind} 人" if behind else ""),
                  highlight=False)
    console.print(f"已写出：{result.html}\n　　　　{result.xlsx}", highlight=False)


def cycle_report_summary(result, top: int = 10) -> None:  # noqa: ANN001 - commands.cyclereport.CycleReportResult
    cr, t = result.rules, result.total
    console.print(f"{cr.cycle.name}，截至 {cr.as_of} 学年：{t.teachers} 位教师，已完成 {t.done}，进度正常 {t.on_pace}，"
                  f"落后 {t.behind}（尚差合计 {show(t.missing)} 学时）", highlight=False)
    if cr.absent_years:
        console.print(f"[bold yellow]注意：[/]台账中没有 {'、'.join(cr.absent_years)} 学年的记录，这些学年人人按 0 学时计；"
                      "导入该学年的名册与项目名单（credittool ingest … --term <该学年的学期>）后重新生成。", highlight=False)
    if result.at_risk:
        table = Table(title=f"落后名单（前 {min(top, len(result.at_risk))} 位，按每年需从多到少）", header_style="bold")
        for col in ("单位", "姓名", "已获", "应达", "尚差", "剩余学年", "每年需"):
            table.add_column(col, justify="left" if col in ("单位", "姓名") else "right")
        for r in result.at_risk[:top]:
            s = r.state
            table.add_row(escape(r.unit), escape(r.name), show(s.hours), show(s.expected), show(s.missing),
                          str(s.years_left), show(s.per_year_needed.quantize(Decimal("0.1")).normalize()))
        console.print(table)
    console.print(f"已写出：{result.path}（单位进度、落后名单）\n　　　　{result.detail}（周期明细：每位教师）\n"
                  "落后名单与周期明细含身份证号，仅供培训部门使用，请勿公开。", highlight=False)


def issue_summary(result) -> None:  # noqa: ANN001 - commands.certificates.IssueResult
    console.print(f"证书：新发 {result.issued} 份，撤销 {result.revoked} 份；台账中有效证书共 {result.valid} 份。", highlight=False)
    console.print(f"已写出：{result.listing}（含身份证号，内部用）\n　　　　{result.page}（可公开）", highlight=False)


def verify_summary(text: str, cert) -> None:  # noqa: ANN001 - ledger.certificates.Certificate | None
    from credittool.write.verifypage import mask_name

    if cert is None:
        console.print(f"[bold red]查无此证：[/]「{escape(text)}」不是本台账签发的证书编号或核验码。", highlight=False)
        return
    head = "[bold green]证书真实有效。[/]" if cert.revoked_at is None else f"[bold yellow]此证书已撤销[/]（{cert.revoked_at}：{cert.revoked_why}）。"
    console.print(head, highlight=False)
    for k, v in (("证书编号", cert.number), ("证明事项", cert.what), ("姓名", mask_name(cert.name)), ("单位", cert.unit),
                 ("学时", cert.hours), ("学分", cert.credits), ("签发时间", cert.issued_at)):
        console.print(f"  {k}：{escape(v)}", highlight=False)


def explain_summary(expl) -> None:  # noqa: ANN001 - ledger.explain.Explanation
    for line in expl.lines():
        console.print(escape(line), highlight=False, soft_wrap=True)


def close_summary(result) -> None:  # noqa: ANN001 - commands.closeyear.CloseResult
    c = result.certificates
    console.print(f"{result.year} 学年已结账：达标结论与证书编号已冻结（有效证书 {result.valid} 份；本次新发 {c.issued}，撤销 {c.revoked}）。"
                  "此后导入该学年会被拒绝，迟到的更正用 credittool adjust。", highlight=False, soft_wrap=True)
    rewritten(result.republished)


def adjust_summary(result) -> None:  # noqa: ANN001 - commands.closeyear.AdjustResult
    a = result.adjustment
    target = f"（更正 {a.for_year} 学年）" if a.for_year else ""
    console.print(f"已记入调整第 {a.adj_id} 号：{escape(a.name)}（{escape(a.unit)}）{a.year} 学年 {a.category_name} "
                  f"{'+' if a.hours > 0 else ''}{show(a.hours)} 学时{target}，原因：{escape(a.reason)}。"
                  "该学年的达标结论已重算。", highlight=False, soft_wrap=True)
    certificates_followed(result.certificates)
    if result.registers:
        console.print("已重写：" + "、".join(str(p) for p in result.registers), highlight=False)
    rewritten(result.republished)
    stale_reports(result.stale)


def withdraw_summary(result) -> None:  # noqa: ANN001 - commands.withdraw.WithdrawResult
    w = result.withdrawn
    console.print(f"已从 {w.term_id} 学期撤回「{escape(w.name)}」：台账中它的 {w.rows:,} 条记录已移除。", highlight=False)
    what = "达标" if w.standards else "验印"
    for label, people in ((f"不再{what}", w.lost), (f"改为{what}", w.gained)):
        if people:
            shown = "、".join(f"{escape(n)}（…{i[-4:]}）" for n, i in people[:10])
            console.print(f"  {label} {len(people):,} 人：{shown}" + (" …" if len(people) > 10 else ""), highlight=False)
    for name, n in w.restored:
        console.print(f"  它曾替换「{escape(name)}」的 {n:,} 条记录：下次导入「{escape(name)}」时重新读取，这些记录随之恢复。",
                      highlight=False)
    certificates_followed(w.certificates)
    console.print("已重写：" + "、".join(str(p) for p in result.workbooks), highlight=False)
    other_registers(result.registers)
    rewritten(result.republished)
    stale_reports(result.stale)
    console.print("再导入同一份文件会跳过（已撤回）；改过内容的同名文件照常导入。", highlight=False)


def undo_summary(result) -> None:  # noqa: ANN001 - commands.withdraw.UndoResult
    console.print(f"已取消撤回 {result.term_id} 学期的「{escape(result.name)}」：下次导入这份文件时重新读取。", highlight=False)
