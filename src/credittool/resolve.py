"""Across all rows of a run: each unit's track, duplicates, identity conflicts, scores."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from credittool.diagnostics import Problem, Skipped
from credittool.extract import Record, shown
from credittool.fields import label
from credittool.rules.loader import TermRules
from credittool.scoring import Outcome, evaluate
from credittool.textnorm import match_key


@dataclass(slots=True)
class Entry:
    """A record that was accepted: the teacher's result in one course."""

    rec: Record
    track: str
    outcome: Outcome


@dataclass
class Resolution:
    entries: list[Entry]
    rejects: list[Problem]
    skipped: list[Skipped]
    notes: list[tuple[str, str]]  # (file, note)
    spot: list[Record] = field(default_factory=list)  # spot-test scores, checked against the draw later


def _place(r: Record) -> str:
    return f"{r.file}「{r.sheet}」第{r.row}行"


def _problem(r: Record, field: str, code: str, message: str, hint: str) -> Problem:
    return Problem(r.file, r.sheet, r.row, r.headers.get(field, label(field)), shown(r.raw.get(field, "")), code,
                   message, hint)


def resolve_tracks(records: list[Record], term: TermRules) -> tuple[dict[str, str], dict[str, Problem]]:
    """teacher ID → track id. In order: the term's only rule set; the teacher's own 培训类型
    cells; the unit listed in a rule set's `units`; the unit's 培训类型 cells; the only track
    whose courses include all of the unit's courses; the only track whose courses include all
    of the teacher's (a 中心校 with a kindergarten has teachers of two tracks). Anything else
    is an error that says how to resolve it, never a guess."""
    names = {t: rs.track.name for t, rs in term.by_track.items()}
    by_unit: dict[str, list[Record]] = defaultdict(list)
    by_teacher: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_unit[r.unit].append(r)
        by_teacher[r.id].append(r)
    tracks: dict[str, str] = {}
    errors: dict[str, Problem] = {}
    if len(term.by_track) == 1:
        only = next(iter(term.by_track))
        return {ident: only for ident in by_teacher}, errors

    unit_track: dict[str, str | None] = {}
    for unit, recs in by_unit.items():
        declared = term.units.get(match_key(unit))
        hints = {r.track_hint for r in recs if r.track_hint}
        if declared:
            unit_track[unit] = declared
        elif len(hints) == 1:
            unit_track[unit] = next(iter(hints))
        else:
            fitting = term.tracks_with({r.course_id for r in recs})
            unit_track[unit] = fitting[0] if len(fitting) == 1 and not hints else None

    for ident, recs in by_teacher.items():
        first = recs[0]
        hints = {r.track_hint for r in recs if r.track_hint}
        declared = term.units.get(match_key(first.unit))
        if len(hints) > 1:
            errors[ident] = _problem(first, "track", "E-TRACK-CONFLICT",
                                     "同一教师的培训类型写了多个值：" + "、".join(names[h] for h in sorted(hints)),
                                     "一位教师只属于一种培训类型（文本/网联/幼儿），请统一")
        elif hints and declared and hints != {declared}:
            errors[ident] = _problem(first, "track", "E-TRACK-CONFLICT",
                                     f"规则文件把「{first.unit}」列为{names[declared]}培训，表中却写了"
                                     f"{names[next(iter(hints))]}", "改正表中的培训类型，或改正规则文件的 units")
        elif hints:
            tracks[ident] = next(iter(hints))
        elif unit_track[first.unit] is not None:
            tracks[ident] = unit_track[first.unit]  # type: ignore[assignment]
        else:
            fitting = term.tracks_with({r.course_id for r in recs})
            if len(fitting) == 1:
                tracks[ident] = fitting[0]
                continue
            what = "、".join(names[t] for t in fitting) if fitting else "任何一种"
            errors[ident] = Problem(first.file, first.sheet, None, "培训类型", first.unit, "E-TRACK-AMBIGUOUS",
                                    f"无法确定「{first.unit}」{first.name}的培训类型：所报课程在{what}培训中都有",
                                    "在表中加「培训类型」列（文本/网联/幼儿），或在规则文件的 units 中列出该单位，"
                                    "或只给出一个规则文件")
    return tracks, errors


def resolve(records: list[Record], term: TermRules) -> Resolution:
    rejects: list[Problem] = []
    skipped: list[Skipped] = []
    notes: list[tuple[str, str]] = []

    # 1. exact duplicates count once; conflicting ones are all rejected, naming each place
    groups: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for r in records:
        groups[(r.id, "spot" if r.spot else r.course_id)].append(r)
    kept: list[Record] = []
    for (_, course_id), recs in groups.items():
        if len(recs) == 1:
            kept.append(recs[0])
            continue
        if len({r.signature() for r in recs}) == 1:
            kept.append(recs[0])
            for r in recs[1:]:
                skipped.append(Skipped(r.file, r.sheet, r.row, f"与{_place(recs[0])}完全重复，只计一次"))
                same_file = r.file == recs[0].file
                first = f"「{recs[0].sheet}」第{recs[0].row}行" if same_file else _place(recs[0])
                notes.append((r.file, f"「{r.sheet}」第{r.row}行与{first}完全重复，只计一次"))
            continue
        places = "；".join(_place(r) for r in recs)
        for r in recs:
            rejects.append(_problem(r, "id", "E-DUP-CONFLICT",
                                    f"同一教师同一课程有 {len(recs)} 行且内容不同：{places}",
                                    "删去错误的一行后重新导入该文件"))

    spot = [r for r in kept if r.spot]
    kept = [r for r in kept if not r.spot]

    # 2. one ID is one person in one unit
    by_id: dict[str, list[Record]] = defaultdict(list)
    for r in kept:
        by_id[r.id].append(r)
    clean: list[Record] = []
    for ident, recs in by_id.items():
        names = {r.name for r in recs}
        units = {r.unit for r in recs}
        if len(names) > 1 or len(units) > 1:
            what = ("姓名不同：" + "、".join(sorted(names))) if len(names) > 1 else ("单位不同：" + "、".join(sorted(units)))
            places = "；".join(_place(r) for r in recs)
            for r in recs:
                rejects.append(_problem(r, "id", "E-ID-CONFLICT", f"同一身份证号{what}（{places}）",
                                        "核对身份证号与姓名、单位，改正后重新导入"))
            continue
        clean.extend(recs)

    # 3. each unit's track
    tracks, errors = resolve_tracks(clean, term)
    entries: list[Entry] = []
    for r in clean:
        if r.id in errors:
            e = errors[r.id]
            rejects.append(Problem(r.file, r.sheet, r.row, e.column, e.value, e.code, e.message, e.hint))
            continue
        track = tracks[r.id]
        rs = term.by_track[track]
        course = rs.course(r.course_id)
        if course is None:
            rejects.append(_problem(r, "course", "E-COURSE-TRACK",
                                    f"课程「{term.course_named(r.course_id).name}」不属于{rs.track.name}培训",
                                    f"核对课程，或核对「{r.unit}」的培训类型"))
            continue
        # 4. the score (R1–R10)
        out = evaluate(course, rs.pass_mark_of(course), rs.rounding, r.values, r.statuses, r.present)
        if out.missing:
            for f in out.missing:
                if f in r.present:
                    rejects.append(_problem(r, f, "E-VALUE-BLANK", f"{label(f)}为空（课程{course.name}需要）",
                                            "补填；缺考请填「缺考」，免考请填「免考」"))
                else:
                    rejects.append(Problem(r.file, r.sheet, r.row, label(f), "", "E-COLUMN-MISSING",
                                           f"工作表缺少「{label(f)}」列（课程{course.name}需要）",
                                           "加上该列；现有列：" + "、".join(r.headers.values())))
            continue
        entries.append(Entry(r, track, out))
    return Resolution(entries, rejects, skipped, notes, spot)
