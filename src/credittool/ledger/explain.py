"""Why a teacher's results are what they are (`credittool explain`): for every course or
programme result, each term's stamp (验印, R9), each of the year's standards (R12, R15, R17)
and the cycle (R15, R19), the inputs with their source cells, the rule that decided (rules
file:line) and the arithmetic, in the words a clerk would use on the phone.

The figures are the ledger's own: a year's arithmetic is `score.standards.judge` on the
teacher's entries, as the verdict was made; a composite is the course's weights on the
values the row gave, as `score.scoring` made it.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from credittool.fields import FIELDS, label
from credittool.ledger import terms as ledger_terms
from credittool.ledger import verdicts
from credittool.ledger.record import Card, Teacher, card
from credittool.ledger.verdicts import exact
from credittool.rules.programmes import CategoryMinimum, ProgrammeSet
from credittool.rules.schema import STATUS_WORDS, dec
from credittool.score.scoring import REASON_SEPARATOR
from credittool.score.standards import Verdict, judge, show

NOT_KEPT = "（未记录：该学期在旧版本导入，重新导入即有）"
RESULT_WORDS = {"是": "合格", "否": "不合格"}  # a result as the ledger keeps it (是/否), as a roster says it


@dataclass(frozen=True)
class Input:
    what: str  # the field: 学时, 考试成绩 …
    value: str  # as the ledger keeps it (a result word as 是/否)
    where: str  # 文件「表」第N行 D列「学时」


@dataclass(frozen=True)
class Step:
    title: str
    inputs: tuple[Input, ...]
    rule: str  # rules file:line, or the DOMAIN rule where the code decides (R9)
    arithmetic: str
    outcome: str

    def lines(self) -> list[str]:
        out = [f"■ {self.title}：{self.outcome}"]
        out += [f"    {i.what} {i.value}　← {i.where}" for i in self.inputs]
        out += [f"    计算：{self.arithmetic}", f"    规则：{self.rule}"]
        return out


@dataclass(frozen=True)
class Explanation:
    teacher: Teacher
    card: Card
    steps: tuple[Step, ...]

    def lines(self) -> list[str]:
        t = self.teacher
        head = [f"{t.name}（身份证号 {t.id_number}，{t.unit}）"]
        head += [f"调动：{m.move}" for m in self.card.moves]
        return head + [ln for s in self.steps for ln in ["", *s.lines()]]


def column_letter(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        out = chr(65 + r) + out
    return out


def _inputs(text: str) -> dict[str, str]:
    return dict(kv.split("=", 1) for kv in text.split(";") if "=" in kv)


def explain(con: sqlite3.Connection, teacher: Teacher, as_of: str | None = None) -> Explanation:
    c = card(con, teacher, as_of)
    steps: list[Step] = []
    terms = [t.term for t in c.terms]
    by_year: dict[str, list[str]] = defaultdict(list)
    for t in c.terms:
        if t.year is not None:
            by_year[t.year].append(t.term)
    rows_of: dict[str, list[_Row]] = {}
    for term in terms:
        lines = ledger_terms.rule_lines(con, term)
        rows = rows_of[term] = _rows(con, term, teacher.id_number)
        year = verdicts.year_of(con, term)
        ps = verdicts.programme_set(con, term) if year is not None else None
        for r in rows:
            steps.append(_programme_step(r, ps, lines) if ps is not None else _course_step(con, r, lines))
        stamp = next(t.stamp for t in c.terms if t.term == term)
        if stamp is not None:
            steps.append(_stamp_step(term, rows, stamp))
        if year is not None and term == by_year[year][-1]:
            steps += _year_steps(con, year, [r for t in by_year[year] for r in rows_of[t]], teacher.id_number, ps, lines)
    if c.cycle is not None:
        steps.append(_cycle_step(c, ledger_terms.rule_lines(con, terms[-1]) if terms else {}))
    return Explanation(teacher, c, tuple(steps))


@dataclass(frozen=True)
class _Row:
    term: str
    course_id: str
    what: str
    track: str
    passed: bool
    hours: Decimal
    composite: str | None
    reason: str
    values: dict[str, str]
    place: str  # 文件「表」第N行
    columns: dict[str, tuple[str, int]]  # field → (header, column)

    def input_list(self, fields: list[str] | None = None) -> tuple[Input, ...]:
        out = []
        for f in fields if fields is not None else list(self.values):
            if f not in self.values:
                continue
            header, col = self.columns.get(f, (label(f) if f in FIELDS else f, -1))
            cell = f" {column_letter(col)}列「{header}」" if col >= 0 else f"「{header}」列{NOT_KEPT}"
            v = self.values[f]  # a status word is kept as !absent …: shown as the clerk wrote it, 缺考 …
            shown = STATUS_WORDS.get(v[1:], v) if v.startswith("!") else v
            out.append(Input(label(f) if f in FIELDS else f, shown, self.place + cell))
        return tuple(out)


def _rows(con: sqlite3.Connection, term: str, ident: str) -> list[_Row]:
    out = []
    for cid, what, track, passed, hours, composite, reason, inputs, fid, fname, sheet, row in con.execute(
            """SELECT e.course_id, COALESCE(c.name, e.course_id), e.track, e.passed, e.hours, e.composite, e.reason,
                      e.inputs, e.file_id, f.name, e.sheet, e.row
               FROM entries e JOIN files f USING (file_id)
               LEFT JOIN courses c ON c.term = e.term AND c.course_id = e.course_id
               WHERE e.term = ? AND e.id_number = ? AND f.active = 1
               ORDER BY COALESCE(c.position, 0), e.course_id, f.name, e.sheet, e.row""", (term, ident)):
        cols = {f: (h, col) for f, h, col in con.execute(
            "SELECT field, header, col FROM sheet_columns WHERE file_id = ? AND sheet = ?", (fid, sheet))}
        values = _inputs(inputs)
        if "result" in values:
            values["result"] = RESULT_WORDS.get(values["result"], values["result"])
        out.append(_Row(term, cid, what, track, bool(passed), exact(hours), composite, reason, values,
                        f"{fname}「{sheet}」第{row}行", cols))
    return out


def _line(lines: dict[str, str], key: str) -> str:
    return lines.get(key) or f"规则行{NOT_KEPT}"


def _programme_step(r: _Row, ps: ProgrammeSet, lines: dict[str, str]) -> Step:
    p = ps.by_id.get(r.course_id)
    title = f"{r.term} {r.what}（{ps.category_names.get(p.category, '') if p else ''}）"
    result = r.values.get("result")
    if not r.passed:
        why = f"考核结果「{result}」" if result is not None else (r.reason or "不合格")
        return Step(title, r.input_list(["hours", "credits", "result"]), _line(lines, f"programme:{r.course_id}"),
                    f"{why} → 不计学时", "不计")
    how = "出勤即合格（出勤类项目）" if result is None else f"考核结果「{result}」"
    fixed = p is not None and p.fixed_hours is not None
    amount = f"按项目定额 {show(r.hours)} 学时" if fixed else f"计名册所写 {show(r.hours)} 学时"
    if not fixed and "hours" not in r.values and "credits" in r.values:  # a platform's 学分 alone (R1)
        amount = f"名册写学分 {r.values['credits']}，÷ {show(ps.exact_credits_per_hour)} 学分/学时 = {show(r.hours)} 学时"
    if p is not None and not fixed:
        amount += f"（每行至多 {show(p.exact_max_hours)}）"
    return Step(title, r.input_list(["hours", "credits", "result"]), _line(lines, f"programme:{r.course_id}"),
                f"{how}，{amount}", f"{show(r.hours)} 学时")


def _course_step(con: sqlite3.Connection, r: _Row, lines: dict[str, str]) -> Step:
    rs = ledger_terms.ruleset(con, r.term, r.track)
    course = rs.course(r.course_id) if rs is not None else None
    title = f"{r.term} {r.what}"
    rule = _line(lines, f"course:{r.track}:{r.course_id}")
    outcome = f"合格，{show(r.hours)} 学时" if r.passed else "不合格"
    if course is None:
        return Step(title, r.input_list(), rule, r.reason or ("合格" if r.passed else "不合格"), outcome)
    if course.attendance_only:  # R5
        return Step(title, r.input_list(["attendance"]), rule,
                    f"出勤即合格：出勤「{r.values.get('attendance', '')}」→ {'合格' if r.passed else '不合格'}", outcome)
    parts = [c for c in course.components if c.field in r.values]
    mark = course.exact_pass_mark if course.exact_pass_mark is not None else rs.exact_pass_mark
    if r.composite is not None and len(parts) == len(course.components):
        sums = " + ".join(f"{show(c.exact_weight)} × {r.values[c.field]}" for c in course.components)
        arith = f"{sums} = {r.composite} {'≥' if Decimal(r.composite) >= mark else '<'} {show(mark)}"
        others = [x for x in r.reason.split(REASON_SEPARATOR) if x and not x.startswith("综合成绩")]  # R3: minimums
        if others:
            arith += "；" + "；".join(others)
        arith += " → " + ("合格" if r.passed else "不合格")
    else:
        arith = r.reason or ("合格" if r.passed else "不合格")
    fields = [*(c.field for c in course.components), *(m.field for m in course.minimums),
              *(m.field for m in course.exam_prerequisites)]
    return Step(title, r.input_list(list(dict.fromkeys(fields))), rule + f"；合格线 {_line(lines, f'pass_mark:{r.track}')}",
                arith, outcome)


def _stamp_step(term: str, rows: list[_Row], stamp: tuple[bool, str]) -> Step:
    stamped, reasons = stamp
    failed = [r.what for r in rows if not r.passed]
    arith = f"{len(rows)} 项成绩，{len(rows) - len(failed)} 项合格" + (f"，不合格：{'、'.join(failed)}" if failed else "")
    if reasons:
        arith += f"（{reasons}）"
    return Step(f"{term} 年度证书验印", (), "R9：任何一项考核不合格（或缺少必修课程成绩），不予验印（score/certify.py）",
                arith + (" → 予以验印" if stamped else " → 不予验印"), "验印" if stamped else "不验印")


def _year_steps(con: sqlite3.Connection, year: str, rows: list[_Row], ident: str, ps: ProgrammeSet,
                lines: dict[str, str]) -> list[Step]:
    """The year's standards, each as the verdict applied it (the year's last term's rules),
    from the teacher's rows of every term of the year."""
    hours: dict[str, Decimal] = defaultdict(Decimal)
    passed: dict[str, list[str]] = defaultdict(list)  # programme → the places of its rows passed
    for r in rows:
        if r.passed and r.course_id in ps.by_id:
            hours[r.course_id] += r.hours
            passed[r.course_id].append(r.place)
    s, names = ps.standards, ps.category_names
    adjusted: dict[str, Decimal] = defaultdict(Decimal)
    steps = []
    by_cat: dict[str, list[str]] = defaultdict(list)
    for pid, h in sorted(hours.items(), key=lambda kv: list(ps.by_id).index(kv[0])):
        by_cat[ps.by_id[pid].category].append(f"{ps.by_id[pid].name} {show(h)}")
    for adj_id, cid, h, reason, for_year, at in con.execute(
            "SELECT adj_id, category, hours, reason, for_year, at FROM adjustments WHERE year = ? AND id_number = ?"
            " ORDER BY adj_id", (year, ident)):
        adjusted[cid] += Decimal(h)
        by_cat[cid].append(f"调整第{adj_id}号 {h}")
        target = f"，更正 {for_year} 学年" if for_year else ""
        steps.append(Step(f"{year}学年 调整第{adj_id}号（{at[:10]}{target}）", (), "用 credittool adjust 录入的迟到更正",
                          f"{names.get(cid, cid)} {'+' if Decimal(h) > 0 else ''}{h} 学时：{reason}", f"{h} 学时"))
    v = judge(dict(hours), set(passed), ps, adjusted)
    steps += [_minimum_step(year, m, v, hours, by_cat, ps, lines) for m in s.minimums]
    for q in s.required:
        name = ps.by_id[q.programme].name
        ok = q.programme in passed
        seen = f"有合格记录（{'、'.join(passed[q.programme])}）" if ok else "本学年没有合格记录（见上面该项目各行，或 rejects.xlsx）"
        steps.append(Step(f"{year}学年 {name}须完成", (), _line(lines, f"required:{q.programme}"), f"{name}{seen}",
                          "达标" if ok else "未完成"))
    if s.total is not None:
        caps = {c.category: dec(c.hours) for c in s.caps}
        parts = []
        for c in ps.categories:
            h = v.hours[c.id]
            parts.append(f"{c.name} min({show(h)}, {show(caps[c.id])})" if c.id in caps and h > caps[c.id]
                         else f"{c.name} {show(h)}")
        need = dec(s.total.hours)
        rule = _line(lines, "total") + "".join(f"；上限 {_line(lines, f'cap:{c}')}" for c in caps)
        steps.append(Step(f"{year}学年 合计 ≥ {show(need)} 学时", (), rule,
                          f"{' + '.join(parts)} = {show(v.total)} {'≥' if v.total >= need else '<'} {show(need)}",
                          "达标" if v.total >= need else f"未达标，差 {show(need - v.total)} 学时"))
    steps.append(Step(f"{year}学年 结论", (), "以上各项均达到即达标（R17）",
                      "；".join(v.reasons) or "各项均达到", "达标" if v.met else "未达标"))
    return steps


def _minimum_step(year: str, m: CategoryMinimum, v: Verdict, hours: dict[str, Decimal], by_cat: dict[str, list[str]],
                  ps: ProgrammeSet, lines: dict[str, str]) -> Step:
    """A category's minimum (R12, R17), with the make-up counted up to the shortfall."""
    need, have = dec(m.hours), v.hours[m.category]
    parts = by_cat[m.category] or ["0"]
    arith = " + ".join(parts) + (f" = {show(have)}" if len(parts) > 1 else "")
    rule = _line(lines, f"minimum:{m.category}")
    for u in ps.standards.make_up:
        if u.toward == m.category and u.programme in v.made_up:
            counted = v.made_up[u.programme]
            arith += (f"；差 {show(need - have)}，{ps.by_id[u.programme].name} {show(hours[u.programme])} "
                      f"以差额为限计入 {show(counted)} → {show(have + counted)}")
            have += counted
            rule += f"；补训 {_line(lines, f'make_up:{u.programme}')}"
    ok = have >= need
    return Step(f"{year}学年 {ps.category_names[m.category]} ≥ {show(need)} 学时", (), rule,
                f"{arith} {'≥' if ok else '<'} {show(need)}", "达标" if ok else f"未达标，差 {show(need - have)} 学时")


def _cycle_step(c: Card, lines: dict[str, str]) -> Step:
    cy = c.cycle
    assert cy is not None
    parts = [f"{y.year} {show(y.total)}" + ("（无记录）" if not y.recorded else "") for y in cy.years]
    arith = " + ".join(parts) + f" = {show(cy.earned)}"
    if cy.unpaid:
        arith += f"，借贷未还 {show(cy.unpaid)}，计 {show(cy.hours)}"
    notes = [f"{y.year}{y.how}" for y in cy.years if y.how]
    if notes:
        arith += "（" + "；".join(notes) + "）"
    total = show(dec(cy.cycle.hours))
    if cy.years_left:
        arith += (f"；应达进度 {total} × {len(cy.years)}/{len(cy.cycle.years)} = {show(cy.expected)}；"
                  f"距周期要求 {total} 尚差 {show(cy.missing)}，剩 {cy.years_left} 年")
    else:
        arith += f" {'≥' if not cy.missing else '<'} {total}"
    rule = _line(lines, "cycle")
    for key in ("carry_forward", "borrowing"):
        if getattr(cy.cycle, key) is not None:
            rule += f"；{_line(lines, f'cycle.{key}')}"
    return Step(f"{cy.cycle.name}（截至 {cy.as_of} 学年）", (), rule, arith, cy.status)
