"""Load rules files and folders into a RuleBook, collecting every problem.

A file whose name starts with `_` is a base: it is never a ruleset on its own, but a
ruleset may name it in `base:` and use its top-level keys. A key the ruleset writes
itself replaces the base's key as a whole (no deep merge, so what applies is visible
by reading two files top to bottom).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from credittool.diagnostics import Problem, rules_problem
from credittool.rules.messages import error_message, shown
from credittool.rules.programmes import Misreferenced, ProgrammeSet
from credittool.rules.schema import Course, Ruleset
from credittool.rules.yamlsafe import YamlDoc, format_path, load_yaml
from credittool.textnorm import match_key

@dataclass(frozen=True)
class Origins:
    """Where each top-level key of a rules file was written: the file itself, or its base."""

    docs: dict[str, YamlDoc]
    default: YamlDoc

    def at(self, *path: str | int) -> str:
        """`file:line` of the key `path` (its deepest existing ancestor's line)."""
        doc = self.docs.get(str(path[0]), self.default)
        return f"{doc.file}:{doc.line_of(path)}"


@dataclass
class TermRules:
    """Everything that applies to one term: one ruleset per track, merged vocabularies."""

    term_id: str
    term_name: str
    by_track: dict[str, Ruleset]
    sources: dict[str, str]  # track → rules file
    headers: dict[str, str] = field(default_factory=dict)  # match key → field
    courses: dict[str, str] = field(default_factory=dict)  # match key → course id
    tracks: dict[str, str] = field(default_factory=dict)  # match key → track id
    units: dict[str, str] = field(default_factory=dict)  # match key → track id
    status: dict[str, str] = field(default_factory=dict)  # match key → status kind
    yes: frozenset[str] = frozenset()
    no: frozenset[str] = frozenset()
    publisher: str | None = None  # publisher.issuer, for the public copy of the rankings
    programmes: ProgrammeSet | None = None  # the term's programmes and the year's standards (R12–R17)
    programme_source: str = ""  # its rules file
    programme_names: dict[str, str] = field(default_factory=dict)  # match key → programme id
    # what decides a result → the rules' `file:line` it is written at, for `explain`: keys
    # course:<track>:<id>, pass_mark:<track>, programme:<id>, the standards' keys of
    # score/standards.py (minimum:<category>, required:<programme>, total), make_up:<programme>,
    # cap:<category>, result_words, cycle, cycle.carry_forward, cycle.borrowing
    rule_lines: dict[str, str] = field(default_factory=dict)

    @property
    def row_names(self) -> dict[str, str]:
        """What a row, a sheet or --course may name: a course or a programme (match key → id)."""
        return {**self.courses, **self.programme_names} if self.programme_names else self.courses

    @property
    def year(self) -> str | None:
        """The school year (学年) the term belongs to, when its rules declare programmes."""
        return None if self.programmes is None else self.programmes.term.year

    def course_named(self, course_id: str) -> Course:
        for rs in self.by_track.values():
            course = rs.course(course_id)
            if course is not None:
                return course
        raise KeyError(course_id)

    def name_of(self, row_id: str) -> str:
        """The name of the course or programme `row_id`."""
        if self.programmes is not None and row_id in self.programmes.by_id:
            return self.programmes.by_id[row_id].name
        return self.course_named(row_id).name

    def tracks_with(self, course_ids: set[str]) -> list[str]:
        return sorted(t for t, rs in self.by_track.items() if course_ids <= {c.id for c in rs.courses})


@dataclass
class RuleBook:
    files: list[str]
    terms: dict[str, TermRules]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _expand(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    files, problems = [], []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml") and not f.name.startswith("_"))
            if not found:
                problems.append(rules_problem(str(p), None, "", "这个文件夹里没有规则文件（*.yaml；以 _ 开头的是共用底稿，不单独算）"))
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            problems.append(rules_problem(str(p), None, "", "找不到这个规则文件或文件夹；检查路径（例如 rules/）"))
    return files, problems


def _load_one(path: Path) -> tuple[Ruleset | ProgrammeSet | None, YamlDoc | None, list[Problem], Origins | None]:
    rs, doc, problems, origin = _load_doc(path)
    return rs, doc, problems, None if doc is None else Origins(origin, doc)


def _load_doc(path: Path) -> tuple[Ruleset | ProgrammeSet | None, YamlDoc | None, list[Problem], dict[str, YamlDoc]]:
    doc, problems = load_yaml(path)
    if doc is None:
        return None, None, problems, {}
    if not isinstance(doc.data, dict):
        return None, doc, problems + [rules_problem(doc.file, 1, "", "规则文件应是一组「键: 值」（例如 term:、track:、courses:）")], {}
    data = dict(doc.data)
    origin: dict[str, YamlDoc] = {k: doc for k in data}
    base_name = data.get("base")
    if isinstance(base_name, str):
        base_path = path.parent / base_name
        base_doc, base_problems = load_yaml(base_path)
        problems += base_problems
        if base_doc is not None and isinstance(base_doc.data, dict):
            for key, value in base_doc.data.items():
                if key not in data:
                    data[key] = value
                    origin[key] = base_doc
        elif base_doc is None and not base_problems:
            problems.append(rules_problem(doc.file, doc.line_of(("base",)), "base", f"读不到 base 指定的共用底稿 {base_path}"))
    if "programmes" in data and "courses" in data:
        return None, doc, problems + [rules_problem(origin["programmes"].file, origin["programmes"].line_of(("programmes",)),
                                                    "programmes", "一个规则文件只写课程（courses）或只写培训项目（programmes），"
                                                    "不能两样都写；分成两个文件，写同一个 term")], origin
    model: type[Ruleset] | type[ProgrammeSet] = ProgrammeSet if "programmes" in data else Ruleset
    try:
        return model.model_validate(data), doc, problems, origin
    except ValidationError as exc:
        return None, doc, problems + _schema_problems(exc.errors(), data, doc, origin, model), origin


def _schema_problems(errors: list[dict], data: dict, doc: YamlDoc, origin: dict[str, YamlDoc],
                     model: type[BaseModel]) -> list[Problem]:
    """pydantic's errors as one Chinese problem each, at the line of the key (or of its parent)."""
    problems: list[Problem] = []
    seen: set[tuple] = set()
    dup_ids = _duplicate_course_ids(data, origin.get("courses", doc))
    for loc, msg in _typos_merged([item for err in errors for item in _located(err)], model):
        if dup_ids and not loc:  # said below, at the line of the duplicate
            msg = "；".join(part for part in msg.split("；") if not part.startswith("课程 id 重复"))
            if not msg:
                continue
        src = origin.get(loc[0], doc) if loc else doc
        item = (src.file, src.line_of(loc), format_path(loc), msg)
        if item not in seen:
            seen.add(item)
            problems.append(rules_problem(*item))
    return problems + dup_ids


def _located(err: dict) -> list[tuple[tuple, str, str]]:
    """(key path, error type, Chinese message) of one pydantic error; a model's
    cross-references that do not hold (`Misreferenced`) are one each, at their own keys."""
    loc = tuple(err["loc"])
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, Misreferenced):
        return [(loc + tuple(path), "value_error", msg) for path, msg in cause.items]
    if loc and loc[-1] in ("int", "float"):
        # the strict number union reports once per member; say it once, plainly
        return [(loc[:-1], "number", f"必须是数字，现在是 {shown(err['input'])}")]
    return [(loc, err["type"], error_message(err))]


def _typos_merged(items: list[tuple[tuple, str, str]], model: type[BaseModel]) -> list[tuple[tuple, str]]:
    """An unknown key beside a missing one it resembles is one mistake, a typo: say it once,
    with the key meant (「未知的键 hour，是否应为 hours？」)."""
    missing = {loc for loc, kind, _ in items if kind == "missing" and loc}
    used: set[tuple] = set()
    out = []
    for loc, kind, msg in items:
        if kind == "extra_forbidden" and loc:
            near = get_close_matches(str(loc[-1]), [str(m[-1]) for m in missing if m[:-1] == loc[:-1]], 1, 0.75)
            near = near or get_close_matches(str(loc[-1]), _keys_at(model, loc[:-1]), 1, 0.75)
            if near:
                used.add(loc[:-1] + (near[0],))
                msg = f"未知的键 {loc[-1]}，是否应为 {near[0]}？"
            else:
                msg = f"未知的键 {loc[-1]}（可用的键：{'、'.join(_keys_at(model, loc[:-1]))}；见 rules/README.md）"
        out.append((loc, kind, msg))
    return [(loc, msg) for loc, kind, msg in out if not (kind == "missing" and loc in used)]


def _keys_at(root: type[BaseModel], path: tuple) -> list[str]:
    """The keys the schema allows at `path` (a mapping of the rules file), in declared order."""
    model: Any = root
    for part in path:
        if isinstance(part, int):
            continue
        field_info = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field_info is None:
            return []
        model = _model_in(field_info.annotation)
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation like `tuple[Course, ...]` or `Rounding | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _duplicate_course_ids(data: dict, doc: YamlDoc) -> list[Problem]:
    """The schema reports duplicate course ids only once every field is valid; a file with
    other mistakes still hears about them now (every mistake at once)."""
    courses = data.get("courses")
    if not isinstance(courses, list):
        return []
    first: dict[str, int] = {}
    out = []
    for i, c in enumerate(courses):
        cid = c.get("id") if isinstance(c, dict) else None
        if not isinstance(cid, str):
            continue
        if cid in first:
            out.append(rules_problem(doc.file, doc.line_of(("courses", i, "id")), f"courses[{i}].id",
                                    f"课程 id 重复：{cid}（第一次在 courses[{first[cid]}]）"))
        first.setdefault(cid, i)
    return out


def _index(table: dict[str, str], key: str, value: str, what: str, where: str, problems: list[Problem]) -> None:
    k = match_key(key)
    if not k:
        return
    old = table.get(k)
    if old is not None and old != value:
        problems.append(rules_problem(where, 1, what, f"「{key}」既指 {old} 又指 {value}；一个名称只能指一样东西"))
    table[k] = value


def load_rules(paths: list[Path]) -> RuleBook:
    files, problems = _expand([Path(p) for p in paths])
    loaded: list[tuple[str, Ruleset | ProgrammeSet, YamlDoc, Origins]] = []
    for f in files:
        rs, doc, probs, origins = _load_one(f)
        problems += probs
        if rs is not None and doc is not None and origins is not None:
            loaded.append((str(f), rs, doc, origins))
    terms: dict[str, TermRules] = {}
    for fname, rs, doc, origins in loaded:
        tr = terms.setdefault(rs.term.id, TermRules(rs.term.id, rs.term.name, {}, {}))
        if tr.term_name != rs.term.name:
            problems.append(rules_problem(fname, doc.line_of(("term", "name")), "term.name",
                                         f"学期 {rs.term.id} 在另一个文件中名为「{tr.term_name}」，名称须一致"))
        if isinstance(rs, ProgrammeSet):
            _add_programmes(tr, rs, fname, doc, problems)
        else:
            _add_ruleset(tr, rs, fname, doc, problems)
        tr.rule_lines.update(_rule_lines(rs, origins))
    for tr in terms.values():
        _check_term(tr, problems)
    if not files and not problems:
        problems.append(rules_problem("（规则）", None, "", "没有给出规则文件；用 --rules rules/ 指定"))
    return RuleBook([str(f) for f in files], terms, problems)


def _add_ruleset(tr: TermRules, rs: Ruleset, fname: str, doc: YamlDoc, problems: list[Problem]) -> None:
    """One track's courses and vocabulary into its term."""
    if rs.track.id in tr.by_track:
        problems.append(rules_problem(fname, doc.line_of(("track",)), "track",
                                     f"学期 {rs.term.id} 的培训类型 {rs.track.id} 已在 {tr.sources[rs.track.id]} 中定义；"
                                     "每个学期的每个培训类型只写一个文件"))
        return
    tr.by_track[rs.track.id] = rs
    tr.sources[rs.track.id] = fname
    if rs.publisher is not None:
        if tr.publisher is not None and tr.publisher != rs.publisher.issuer:
            problems.append(rules_problem(fname, doc.line_of(("publisher", "issuer")), "publisher.issuer",
                                         f"term {rs.term.id} has publisher '{tr.publisher}' in another file"))
        tr.publisher = tr.publisher or rs.publisher.issuer
    for fld, aliases in rs.fields.items():
        for a in (fld, *aliases):
            _index(tr.headers, a, fld, "fields", fname, problems)
    for c in rs.courses:
        for a in (c.id, c.name, *c.aliases):
            _index(tr.courses, a, c.id, f"courses.{c.id}", fname, problems)
    for a in (rs.track.id, rs.track.name, *rs.track.aliases):
        _index(tr.tracks, a, rs.track.id, "track", fname, problems)
    for u in rs.units:
        _index(tr.units, u, rs.track.id, "units", fname, problems)
    for w, kind in rs.status_words.items():
        _index(tr.status, w, kind, "status_words", fname, problems)
    tr.yes = tr.yes | {match_key(w) for w in rs.yes_no_words.yes}
    tr.no = tr.no | {match_key(w) for w in rs.yes_no_words.no}


def _add_programmes(tr: TermRules, ps: ProgrammeSet, fname: str, doc: YamlDoc, problems: list[Problem]) -> None:
    """The term's programmes and standards: one programme file per term."""
    if tr.programmes is not None:
        problems.append(rules_problem(fname, doc.line_of(("programmes",)), "programmes",
                                     f"学期 {ps.term.id} 的培训项目已在 {tr.programme_source} 中定义；每个学期只写一个项目文件"))
        return
    tr.programmes, tr.programme_source = ps, fname
    for i, p in enumerate(ps.programmes):
        for a in (p.id, p.name, *p.aliases):
            _index(tr.programme_names, a, p.id, f"programmes[{i}]", fname, problems)
    for fld, aliases in ps.fields.items():
        for a in (fld, *aliases):
            _index(tr.headers, a, fld, "fields", fname, problems)
    tr.yes = tr.yes | {match_key(w) for w in ps.result_words.yes}
    tr.no = tr.no | {match_key(w) for w in ps.result_words.no}


def _rule_lines(rs: Ruleset | ProgrammeSet, at: Origins) -> dict[str, str]:
    """`TermRules.rule_lines` of one file."""
    if isinstance(rs, Ruleset):
        t = rs.track.id
        return {f"pass_mark:{t}": at.at("pass_mark"), **{f"course:{t}:{c.id}": at.at("courses", i)
                                                        for i, c in enumerate(rs.courses)}}
    s = rs.standards
    lines = {f"programme:{p.id}": at.at("programmes", i) for i, p in enumerate(rs.programmes)}
    lines |= {f"minimum:{m.category}": at.at("standards", "minimums", i) for i, m in enumerate(s.minimums)}
    lines |= {f"make_up:{m.programme}": at.at("standards", "make_up", i) for i, m in enumerate(s.make_up)}
    lines |= {f"required:{r.programme}": at.at("standards", "required", i) for i, r in enumerate(s.required)}
    lines |= {f"cap:{c.category}": at.at("standards", "caps", i) for i, c in enumerate(s.caps)}
    lines |= {"total": at.at("standards", "total"), "result_words": at.at("result_words")}
    if rs.cycle is not None:
        lines |= {"cycle": at.at("cycle"), "cycle.carry_forward": at.at("cycle", "carry_forward"),
                  "cycle.borrowing": at.at("cycle", "borrowing")}
    return lines


def _check_term(tr: TermRules, problems: list[Problem]) -> None:
    """What only the whole term shows: yes/no words and course ids that disagree between
    files, and a name that means both a course and a programme."""
    both = tr.yes & tr.no
    if both:
        problems.append(rules_problem(next(iter(tr.sources.values()), tr.programme_source), 1, "yes_no_words",
                                     f"{'、'.join(sorted(both))} 在一个文件中表示「是」，在另一个文件中表示「否」"))
    # the same course id must mean the same course in every track of a term
    seen: dict[str, tuple[str, Course]] = {}
    for track, rs in tr.by_track.items():
        for c in rs.courses:
            if c.id in seen and (seen[c.id][1].name, seen[c.id][1].hours) != (c.name, c.hours):
                problems.append(rules_problem(tr.sources[track], 1, f"courses.{c.id}",
                                             f"课程 {c.id} 在 {seen[c.id][0]} 中的名称或学时不同，须一致"))
            seen.setdefault(c.id, (tr.sources[track], c))
    for key in sorted(tr.programme_names.keys() & tr.courses.keys()):
        problems.append(rules_problem(tr.programme_source, 1, "programmes",
                                     f"「{key}」在学期 {tr.term_id} 中既是课程 {tr.courses[key]} 又是项目 "
                                     f"{tr.programme_names[key]}；一个名称只能指一样东西"))
