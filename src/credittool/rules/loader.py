"""Load rules files and folders into a RuleBook, collecting every problem.

A file whose name starts with `_` is a base: it is never a ruleset on its own, but a
ruleset may name it in `base:` and use its top-level keys. A key the ruleset writes
itself replaces the base's key as a whole (no deep merge, so what applies is visible
by reading two files top to bottom).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from credittool.rules.schema import Course, Ruleset
from credittool.rules.yamlsafe import YamlDoc, YamlProblem, format_path, load_yaml
from credittool.textnorm import match_key

RulesProblem = YamlProblem  # file, line, key path, message


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

    def course_named(self, course_id: str) -> Course:
        for rs in self.by_track.values():
            course = rs.course(course_id)
            if course is not None:
                return course
        raise KeyError(course_id)

    def tracks_with(self, course_ids: set[str]) -> list[str]:
        return sorted(t for t, rs in self.by_track.items() if course_ids <= {c.id for c in rs.courses})


@dataclass
class RuleBook:
    files: list[str]
    terms: dict[str, TermRules]
    problems: list[RulesProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _expand(paths: list[Path]) -> tuple[list[Path], list[RulesProblem]]:
    files, problems = [], []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml") and not f.name.startswith("_"))
            if not found:
                problems.append(RulesProblem(str(p), 1, "(folder)", "no rules files (*.yaml) in this folder"))
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            problems.append(RulesProblem(str(p), 1, "(file)", "no such file or folder"))
    return files, problems


def _load_one(path: Path) -> tuple[Ruleset | None, YamlDoc | None, list[RulesProblem]]:
    doc, problems = load_yaml(path)
    if doc is None:
        return None, None, problems
    if not isinstance(doc.data, dict):
        return None, doc, problems + [RulesProblem(doc.file, 1, "(top)", "a rules file is a mapping of keys")]
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
            problems.append(RulesProblem(doc.file, doc.line_of(("base",)), "base", f"cannot read base {base_path}"))
    try:
        return Ruleset.model_validate(data), doc, problems
    except ValidationError as exc:
        seen: set[tuple[str, int, str, str]] = set()
        dup_ids = _duplicate_course_ids(data, origin.get("courses", doc))
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if loc and loc[-1] in ("int", "float"):
                # the strict number union reports once per member; say it once, plainly
                loc = loc[:-1]
                msg = f"must be a number, not {err['input']!r}"
            if dup_ids and not loc:  # said below, at the line of the duplicate
                msg = "; ".join(part for part in msg.split("; ") if not part.startswith("duplicate course id"))
                if not msg:
                    continue
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling; see rules/README.md for the keys)"
            elif err["type"] == "missing":
                msg = "required key is missing"
            src = origin.get(loc[0], doc) if loc else doc
            item = (src.file, src.line_of(loc), format_path(loc), msg)
            if item not in seen:
                seen.add(item)
                problems.append(RulesProblem(*item))
        problems += dup_ids
        return None, doc, problems


def _duplicate_course_ids(data: dict, doc: YamlDoc) -> list[RulesProblem]:
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
            out.append(RulesProblem(doc.file, doc.line_of(("courses", i, "id")), f"courses[{i}].id",
                                    f"duplicate course id(s): {cid} (first at courses[{first[cid]}])"))
        first.setdefault(cid, i)
    return out


def _index(table: dict[str, str], key: str, value: str, what: str, where: str, problems: list[RulesProblem]) -> None:
    k = match_key(key)
    if not k:
        return
    old = table.get(k)
    if old is not None and old != value:
        problems.append(RulesProblem(where, 1, what, f"'{key}' means both '{old}' and '{value}'; each name may mean one thing"))
    table[k] = value


def load_rules(paths: list[Path]) -> RuleBook:
    files, problems = _expand([Path(p) for p in paths])
    loaded: list[tuple[str, Ruleset, YamlDoc]] = []
    for f in files:
        rs, doc, probs = _load_one(f)
        problems += probs
        if rs is not None and doc is not None:
            loaded.append((str(f), rs, doc))
    terms: dict[str, TermRules] = {}
    for fname, rs, doc in loaded:
        tr = terms.setdefault(rs.term.id, TermRules(rs.term.id, rs.term.name, {}, {}))
        if rs.track.id in tr.by_track:
            problems.append(RulesProblem(fname, doc.line_of(("track",)), "track",
                                         f"term {rs.term.id} track {rs.track.id} is already defined in "
                                         f"{tr.sources[rs.track.id]}; give each term and track one file"))
            continue
        if tr.term_name != rs.term.name:
            problems.append(RulesProblem(fname, doc.line_of(("term", "name")), "term.name",
                                         f"term {rs.term.id} is named '{tr.term_name}' in another file"))
        tr.by_track[rs.track.id] = rs
        tr.sources[rs.track.id] = fname
        if rs.publisher is not None:
            if tr.publisher is not None and tr.publisher != rs.publisher.issuer:
                problems.append(RulesProblem(fname, doc.line_of(("publisher", "issuer")), "publisher.issuer",
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
    for tr in terms.values():
        both = tr.yes & tr.no
        if both:
            problems.append(RulesProblem(tr.sources[next(iter(tr.sources))], 1, "yes_no_words",
                                         f"{sorted(both)} is a yes word in one file and a no word in another"))
        # the same course id must mean the same course in every track of a term
        seen: dict[str, tuple[str, Course]] = {}
        for track, rs in tr.by_track.items():
            for c in rs.courses:
                if c.id in seen and (seen[c.id][1].name, seen[c.id][1].hours) != (c.name, c.hours):
                    problems.append(RulesProblem(tr.sources[track], 1, f"courses.{c.id}",
                                                 f"course {c.id} has a different name or hours in {seen[c.id][0]}"))
                seen.setdefault(c.id, (tr.sources[track], c))
    if not files and not problems:
        problems.append(RulesProblem("(rules)", 1, "(none)", "no rules files given"))
    return RuleBook([str(f) for f in files], terms, problems)
