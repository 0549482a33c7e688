"""Who a row is about, across all files of a run: exact duplicates count once, conflicting
ones are all rejected naming each place, and one ID is one person in one unit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from credittool.diagnostics import Problem, Severity, note, skip
from credittool.extract.rows import Record
from credittool.fields import label
from credittool.ids import NEAR_ID, misnamed, one_slip
from credittool.ledger.db import LEDGER_CLASH
from credittool.resolve.table import Table, codes, groups, row_problem


@dataclass
class Refusals:
    """What the steps decided about the rows they did not keep."""

    rejects: list[Problem] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the rejected rows (Table indexes), in order
    skipped: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # severity note


def _place(r: Record) -> str:
    return f"{r.file}「{r.sheet}」第{r.row}行"


def duplicates(t: Table, id_code: np.ndarray, out: Refusals, what: str = "课程") -> np.ndarray:
    """Which rows to keep: one of each set of exact duplicates (teacher × course, teacher ×
    spot test, or teacher on the staff lists), none of a set that differs. `what`: 课程, or
    项目 for a term of programmes, as the message names it."""
    course_code = codes(np.where(t.spot, "\x00spot", np.where(t.staff, "\x00staff", t.col["course_id"])).astype(object))
    key = id_code * (int(course_code.max(initial=0)) + 1) + course_code
    in_dup = pd.Series(key).duplicated(keep=False).to_numpy()
    keep = ~in_dup
    for group in groups(key, np.flatnonzero(in_dup)):
        recs = [t.record(i) for i in group]
        if len({r.signature() for r in recs}) == 1:
            keep[group[0]] = True
            for r in recs[1:]:
                how = _how_alike(r, recs[0])
                out.skipped.append(skip(r.file, r.sheet, r.row, f"与{_place(recs[0])}{how}，只计一次"))
                first = f"「{recs[0].sheet}」第{recs[0].row}行" if r.file == recs[0].file else _place(recs[0])
                out.notes.append(note(r.file, f"「{r.sheet}」第{r.row}行与{first}{how}，只计一次", r.sheet, r.row))
            continue
        places = "；".join(_place(r) for r in recs)
        out.rows += group
        on_staff = t.staff[group[0]]
        where = "在教师名册中" if on_staff else f"同一{what}"
        hint = "同一学期一位教师只在一个单位的名册上：核对身份证号；确属调动，从原单位名册删去该行后重新导入" if on_staff \
            else "删去错误的一行后重新导入该文件"
        for r in recs:
            out.rejects.append(row_problem(r, "id", "E-DUP-CONFLICT", f"同一教师{where}有 {len(recs)} 行且内容不同：{places}",
                                           hint))
    return keep


def _how_alike(r: Record, first: Record) -> str:
    """「完全重复」, or, where the rows differ only in what a result does not depend on (学科,
    学段: a teacher of two subjects listed twice), which that is."""
    differ = [f"{label(f)}「{getattr(first, f)}」与「{getattr(r, f)}」" for f in ("subject", "stage")
              if getattr(r, f) != getattr(first, f)]
    return f"是同一教师的同样内容（仅{'、'.join(differ)}不同）" if differ else "完全重复"


def id_conflicts(t: Table, id_code: np.ndarray, keep: np.ndarray, out: Refusals, units: bool = True,
                 listed: Mapping[str, tuple[str, str]] = MappingProxyType({})) -> np.ndarray:
    """The kept rows whose ID is written with more than one name or (`units`) unit: all
    rejected. Programme rosters come from many organisers, who may write a teacher's school
    differently: there only the name must agree, and the unit is the staff list's (R16).
    Where the staff list (教师名册) writes the ID with one name, that name is the teacher's:
    only the rows that write another are rejected, so that one misspelt roster row does not
    take a teacher on the staff list out of the year's verdicts (R17). A staff list an
    earlier run put in the ledger counts the same (`listed`: ID → its name and place there),
    and the rows writing another name clash with the ledger (E-ID-LEDGER), as they would
    alone."""
    kept = np.flatnonzero(keep)
    unit = t.coded("unit")[0][kept] if units else np.zeros(len(kept), np.int32)
    pairs = pd.DataFrame({"id": id_code[kept], "name": t.coded("name")[0][kept], "unit": unit}).drop_duplicates()
    bad_ids = pairs["id"][pairs["id"].duplicated()].unique()
    clash = keep & np.isin(id_code, bad_ids)
    for group in groups(id_code, np.flatnonzero(clash)):
        recs = [t.record(i) for i in group]
        staff = {r.name: (_place(r), "E-ID-CONFLICT") for i, r in zip(group, recs) if t.staff[i]}
        if not staff and recs[0].id in listed:
            staff = {listed[recs[0].id][0]: (listed[recs[0].id][1], LEDGER_CLASH)}
        if not units and len(staff) == 1:
            (name, (place, code)), = staff.items()
            for i, r in zip(group, recs):
                if r.name == name:
                    clash[i] = False
                    continue
                out.rows.append(i)
                out.rejects.append(not_as_listed(r, name, place, code))
            continue
        out.rows += group
        names = {r.name for r in recs}
        units_seen = {r.unit for r in recs}
        by_name = len(names) > 1
        what = ("姓名不同：" + "、".join(sorted(names))) if by_name else ("单位不同：" + "、".join(sorted(units_seen)))
        places = "；".join(f"{_place(r)}写作「{r.name if by_name else r.unit}」" for r in recs)
        for r in recs:
            out.rejects.append(row_problem(r, "id", "E-ID-CONFLICT", f"同一身份证号{what}（{places}）",
                                           "核对身份证号与姓名、单位，改正后重新导入"))
    return clash


def not_as_listed(r: Record, listed: str, place: str, code: str) -> Problem:
    """Row `r` writes a staff-listed ID with another name than `listed`, the staff list's at
    `place`: the problem, at the row's 姓名 cell."""
    return misnamed(r.file, r.sheet, r.row, r.headers.get("name", label("name")), r.name, listed, place, code)



def near_ids(t: Table, id_code: np.ndarray, keep: np.ndarray) -> list[Problem]:
    """Warnings, nothing refused: one name in one unit under two ID numbers whose first 17
    digits differ in one digit or by two neighbours swapped. Each passes its check digit, so
    each row is accepted, but they are most likely one teacher with one ID mistyped, who
    would otherwise show as two people with half the hours each."""
    kept = np.flatnonzero(keep)
    triples = pd.DataFrame({"unit": t.coded("unit")[0][kept], "name": t.coded("name")[0][kept],
                            "id": id_code[kept], "i": kept}).drop_duplicates(["unit", "name", "id"])
    shared = triples[triples.duplicated(["unit", "name"], keep=False)]
    unit, name, rows = (shared[c].to_numpy(np.int64) for c in ("unit", "name", "i"))
    ids = t.col["id"]
    found = []
    for group in groups(unit * (int(name.max(initial=0)) + 1) + name, np.arange(len(shared))):
        for k, i in enumerate(rows[group]):
            for j in rows[group][k + 1:]:
                if one_slip(ids[i][:17], ids[j][:17]):
                    a, b = t.record(int(i)), t.record(int(j))
                    found.append(Problem(b.file, b.sheet, b.row, b.headers.get("id", label("id")), b.id, NEAR_ID,
                                         f"「{b.unit}」的「{b.name}」有两个只差一位的身份证号：{a.id}（{_place(a)}）与 "
                                         f"{b.id}（{_place(b)}），现按两人登记",
                                         "若是同一位教师，改正写错的那个身份证号后重新导入该文件", Severity.WARNING))
    return found
