"""Each teacher's track (文本 / 网联 / 幼儿): which rule set scores their rows.

In order: the term's only rule set; the teacher's own 培训类型 cells; the unit listed in a
rule set's `units`; the unit's 培训类型 cells; the only track whose courses include all of
the unit's courses; the only track whose courses include all of the teacher's (a 中心校
with a kindergarten has teachers of two tracks). Anything else is an error that says how
to resolve it, never a guess. One ID is one unit by now (identity.py).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from credittool.diagnostics import Problem
from credittool.resolve.table import RowProblems, Table, first_of_groups, row_problem
from credittool.rules.loader import TermRules
from credittool.textnorm import match_key

# per ID code: the problem that says why the teacher's track cannot be decided
TrackErrors = dict[int, Problem]


def resolve_tracks(t: Table, rows: np.ndarray, id_code: np.ndarray,
                   term: TermRules) -> tuple[np.ndarray, RowProblems]:
    """Track id of each row (None where it cannot be decided) and, for each row of a
    teacher whose track cannot be decided, the problem that says why."""
    track = np.full(len(t), None, dtype=object)
    if len(term.by_track) == 1:
        track[rows] = next(iter(term.by_track))
        return track, []
    hint = t.col["track_hint"][rows]
    has_hint = hint != None  # noqa: E711 - elementwise on an object column
    ids = id_code[rows]
    unit_track = _unit_tracks(t, rows, term, has_hint)
    by_teacher, errors, undecided = _teacher_tracks(t, rows[first_of_groups(ids)], id_code, term, unit_track,
                                                    _sets(ids[has_hint], hint[has_hint]))
    if undecided:
        _by_courses(t, rows, id_code, term, undecided, by_teacher, errors)
    if by_teacher:  # a teacher not decided stays None (reindex would give NaN, which is not None)
        decided = pd.Series(by_teacher, dtype=object).reindex(ids)
        track[rows] = decided.where(decided.notna(), None).to_numpy()
    return track, _per_row(t, rows, id_code, errors)


def _sets(keys: np.ndarray, vals: np.ndarray) -> dict:
    """key → the set of values it is seen with."""
    out: dict = defaultdict(set)
    for k, v in pd.DataFrame({"k": keys, "v": vals}).drop_duplicates().itertuples(index=False):
        out[k].add(v)
    return out


def _names(term: TermRules) -> dict[str, str]:
    return {tid: rs.track.name for tid, rs in term.by_track.items()}


def _unit_tracks(t: Table, rows: np.ndarray, term: TermRules, has_hint: np.ndarray) -> dict[str, str | None]:
    """Per unit: the track its rows are of, when the rules or its rows decide it."""
    unit, hint = t.col["unit"][rows], t.col["track_hint"][rows]
    unit_hints = _sets(unit[has_hint], hint[has_hint])
    unit_track: dict[str, str | None] = {}
    for u, cs in _sets(unit, t.col["course_id"][rows]).items():
        declared = term.units.get(match_key(u))
        hints = unit_hints.get(u, set())
        if declared:
            unit_track[u] = declared
        elif len(hints) == 1:
            unit_track[u] = next(iter(hints))
        else:
            fitting = term.tracks_with(cs)
            unit_track[u] = fitting[0] if len(fitting) == 1 and not hints else None
    return unit_track


def _teacher_tracks(t: Table, first: np.ndarray, id_code: np.ndarray, term: TermRules,
                    unit_track: dict[str, str | None],
                    teacher_hints: dict) -> tuple[dict[int, str], TrackErrors, list[int]]:
    """From each teacher's first row: their track when their own cells or their unit decide
    it, the conflicts, and the rows of teachers still undecided."""
    names = _names(term)
    by_teacher: dict[int, str] = {}
    errors: TrackErrors = {}
    undecided: list[int] = []
    for i in first.tolist():
        ident, u = id_code[i], t.col["unit"][i]
        hints = teacher_hints.get(ident, set())
        declared = term.units.get(match_key(u))
        if len(hints) > 1:
            errors[ident] = row_problem(t.record(i), "track", "E-TRACK-CONFLICT",
                                        "同一教师的培训类型写了多个值：" + "、".join(names[h] for h in sorted(hints)),
                                        "一位教师只属于一种培训类型（文本/网联/幼儿），请统一")
        elif hints and declared and hints != {declared}:
            errors[ident] = row_problem(t.record(i), "track", "E-TRACK-CONFLICT",
                                        f"规则文件把「{u}」列为{names[declared]}培训，表中却写了"
                                        f"{names[next(iter(hints))]}", "改正表中的培训类型，或改正规则文件的 units")
        elif hints:
            by_teacher[ident] = next(iter(hints))
        elif unit_track[u] is not None:
            by_teacher[ident] = unit_track[u]  # type: ignore[assignment]
        else:
            undecided.append(i)
    return by_teacher, errors, undecided


def _by_courses(t: Table, rows: np.ndarray, id_code: np.ndarray, term: TermRules, undecided: list[int],
                by_teacher: dict[int, str], errors: TrackErrors) -> None:
    """The undecided teachers: the only track whose courses include all of theirs, or an
    error that says how to decide it."""
    names = _names(term)
    ids = id_code[rows]
    mine = rows[np.isin(ids, list(set(id_code[undecided].tolist())))]
    teacher_courses = _sets(id_code[mine], t.col["course_id"][mine])
    for i in undecided:
        ident = id_code[i]
        fitting = term.tracks_with(teacher_courses[ident])
        if len(fitting) == 1:
            by_teacher[ident] = fitting[0]
            continue
        r = t.record(i)
        what = "、".join(names[x] for x in fitting) if fitting else "任何一种"
        errors[ident] = Problem(r.file, r.sheet, None, "培训类型", r.unit, "E-TRACK-AMBIGUOUS",
                                f"无法确定「{r.unit}」{r.name}的培训类型：所报课程在{what}培训中都有",
                                "在表中加「培训类型」列（文本/网联/幼儿），或在规则文件的 units 中列出该单位，"
                                "或只给出一个规则文件")


def _per_row(t: Table, rows: np.ndarray, id_code: np.ndarray, errors: TrackErrors) -> RowProblems:
    """The problem of a teacher's track, once for each of their rows."""
    out = []
    for i in rows[np.isin(id_code[rows], list(errors))]:
        e = errors[id_code[i]]
        r = t.record(i)
        out.append((i, [e.placed(r.file, r.sheet, r.row, e.column, e.value)]))
    return out
