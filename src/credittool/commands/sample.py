"""`credittool sample` and `sample --verify` as library calls (R7)."""

from __future__ import annotations

import os
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from credittool import __version__

from credittool.ledger import draws, verdicts
from credittool.ledger.draws import Draw, load_population
from credittool.ledger.terms import choose_ledger_term, open_ledger, resolve_course
from credittool.errors import CredittoolError, UsageError
from credittool.ledger.db import transaction
from credittool.score.sampling import (Member, draw, info_pairs, parse_by, population_hash,
                                 stratum_count)
from credittool.write.xlsxout import SheetSpec, write_xlsx
from credittool.stages import collector_paused

LIST_SHEET, INFO_SHEET = "抽测名单", "抽样说明"
# the test room's score sheet: 序号 … 签名 print (one page wide); the ID, which `sample
# --verify` and the ingest of the filled file read, stays in the file outside the print area
LIST_COLUMNS = ["序号", "单位", "姓名", "学科", "抽测成绩", "签名", "身份证号"]
LIST_PRINTED = ("序号", "签名")
ALGORITHM = ("每层独立抽取：应抽人数 = 抽样率 × 该层人数，四舍五入，非空层至少“每层至少”人、至多全层；"
             "层密钥 = SHA-256(种子 + 换行 + 层名)，每位教师的签号 = SHA-256(层密钥 + 身份证号)（十六进制），"
             "签号最小的若干人抽中。结果只取决于种子、层名与层内身份证号，与文件和行的顺序无关。")
KEYS = {"term": "学期", "rate": "抽样率", "seed": "种子", "by": "分层", "min": "每层至少", "course": "课程",
        "hash": "人员指纹(SHA-256)", "draw": draws.DRAW_KEY, "population": "抽样总体人数", "drawn": "抽中人数"}


@dataclass
class Stratum:
    name: str
    size: int
    drawn: int


@dataclass
class SampleReport:
    term: str
    term_name: str
    seed: str
    seed_was_given: bool
    rate: Decimal
    draw_id: int
    strata: list[Stratum]
    members: list[Member]
    path: Path
    seq: int = 1  # the term's 1st, 2nd … draw
    reason: str = ""
    earlier: list[Draw] = field(default_factory=list)  # the term's earlier draws, their files untouched

    @property
    def population(self) -> int:
        return sum(s.size for s in self.strata)


@dataclass
class VerifyReport:
    path: Path
    matches: bool
    draw_id: int
    seed: str
    added: list[tuple[str, str, str]] = field(default_factory=list)  # (unit, name, id) in the file, not in the draw
    removed: list[tuple[str, str, str]] = field(default_factory=list)  # drawn, missing from the file
    problems: list[str] = field(default_factory=list)


RATE_EXAMPLE = "例如 --rate 0.1、--rate 10% 或 --rate 10（都是 10%）"


def parse_rate(rate: str | float) -> Decimal:
    """0.1, 10% and 10 are all 10%: a number over 1 and up to 100 is a percent."""
    text = unicodedata.normalize("NFKC", str(rate)).strip()  # full-width １０％ too
    percent = text.endswith("%")
    try:
        r = Decimal(text[:-1].strip() if percent else text)
    except InvalidOperation:
        raise UsageError(f"抽样率 {rate} 不是数字", RATE_EXAMPLE) from None
    if not r.is_finite():
        raise UsageError(f"抽样率 {rate} 不是数字", RATE_EXAMPLE)
    if percent or r > 1:
        r = (r / 100).normalize()
    if r <= 0:
        raise UsageError(f"抽样率 {rate} 不行：抽样率须大于 0，否则一个人也抽不到（R7 为各单位 10%）", RATE_EXAMPLE)
    if r > 1:
        raise UsageError(f"抽样率 {rate} 超过了 100%", RATE_EXAMPLE)
    return r


@collector_paused()
def sample(*, workspace: Path, rate: str | float = "0.1", term: str | None = None, by: str = "单位",
           seed: str | None = None, min_per_group: int = 1, course: str | None = None,
           redraw: bool = False, reason: str | None = None) -> SampleReport:
    """Draw the spot-test list, record it in the ledger and write out/<term>/sample.xlsx; a term
    that has a draw already gets another only with `redraw` and a `reason`, in sample-N.xlsx."""
    from credittool.score.sampling import new_seed

    r = parse_rate(rate)
    if min_per_group < 0:
        raise UsageError("--min-per-group 不能为负数")
    try:
        fields = parse_by(by)
    except ValueError:
        raise UsageError(f"--by {by} 无法识别", "用 单位 或 单位,学科") from None
    reason = " ".join((reason or "").split())
    con = open_ledger(workspace)
    try:
        term_id, term_name = choose_ledger_term(con, term)
        if verdicts.year_of(con, term_id) is not None:
            raise UsageError(f"学期 {term_id}（{term_name}）是培训项目学期，没有考试课程：县级抽测（R7）只抽考试课程的教师",
                             f"项目学期用 credittool report --term {term_id} 查看学年达标情况")
        out_dir = workspace / "out" / term_id
        _next_draw(con, term_id, out_dir, redraw, reason)  # refuse before the work; checked again below
        course_id = resolve_course(con, term_id, course)
        population = load_population(con, term_id, fields, course_id)
        if not population:
            raise CredittoolError("没有可抽测的教师（台账中没有符合报考条件的教师）",
                                  "检查导入结果；网联培训须达到学时、作业、论坛要求（R6）")
        given = seed is not None
        seed = seed if given else new_seed()
        drawn = draw(population, seed, r, min_per_group)
        members = [m for s in sorted(drawn) for m in drawn[s]]
        strata = [Stratum(s, len(population[s]), len(drawn[s])) for s in sorted(population)]
        params = {"term": term_id, "seed": seed, "rate": r, "fields": fields, "min": min_per_group,
                  "course": course_id, "hash": population_hash(population), "reason": reason}
        with transaction(con):  # the file is written inside: no draw is recorded without its list
            seq, path, earlier = _next_draw(con, term_id, out_dir, redraw, reason)
            draw_id = draws.record(con, params, seq, path.name, sum(s.size for s in strata), members)
            _write_new(path, _list_sheets(params | {"term": f"{term_id}（{term_name}）", "term_name": term_name}, draw_id, seq, strata,
                                          members))
    finally:
        con.close()
    return SampleReport(term_id, term_name, seed, given, r, draw_id, strata, members, path, seq, reason, earlier)


def _next_draw(con: sqlite3.Connection, term: str, out_dir: Path, redraw: bool,
               reason: str) -> tuple[int, Path, list[Draw]]:
    """The next draw's number and file; refused when the term has a draw and this is no
    --redraw with a --reason, or when that file exists (it may hold scores)."""
    earlier = draws.term_draws(con, term)
    seq = max((d.seq for d in earlier), default=0) + 1
    path = out_dir / draws.file_name(seq)
    if earlier and not redraw:
        raise UsageError(f"学期 {term} 已经抽过样，抽测名单不会被覆盖：{draws.listing(earlier)}",
                         f"继续用原名单填写并导入成绩即可；确需重新抽样，加 --redraw --reason \"重抽原因\"，"
                         f"新名单写入 {path.name}，原名单保留不动")
    if earlier and not reason:
        raise UsageError("重新抽样须说明原因（记入台账和新名单的「抽样说明」）",
                         f"加 --reason \"原因\"，例如 --redraw --reason \"补报了二中的教师\"；新名单写入 {path.name}")
    if path.exists() and path.stat().st_size > 0:
        raise _taken(path)
    return seq, path, earlier


def _taken(path: Path) -> UsageError:
    return UsageError(f"{path} 已存在（可能已填了成绩），不会覆盖它",
                      "它不是台账中记录的抽样；先把它移到别处或改名，再运行 credittool sample")


def _list_sheets(p: dict, draw_id: int, seq: int, strata: list[Stratum], members: list[Member]) -> list[SheetSpec]:
    r, min_per_group = p["rate"], p["min"]
    info = {KEYS["term"]: p["term"], KEYS["rate"]: str(r), KEYS["seed"]: p["seed"],
            KEYS["by"]: ",".join("单位" if f == "unit" else "学科" for f in p["fields"]),
            KEYS["min"]: str(min_per_group), KEYS["course"]: p["course"] or "（全部课程）",
            KEYS["hash"]: p["hash"], KEYS["draw"]: str(draw_id),
            KEYS["population"]: str(sum(s.size for s in strata)), KEYS["drawn"]: str(len(members)),
            "取整规则": "四舍五入（ROUND_HALF_UP）", "算法": ALGORITHM,
            "工具版本": f"credittool {__version__}"}
    if seq > 1:  # a redraw says which it is and why; a first draw's sheet stays as it was
        info |= {"本学期第几次抽样": f"第 {seq} 次（{draws.file_name(seq)}）", "重抽原因": p["reason"]}
    return [
        SheetSpec(LIST_SHEET, LIST_COLUMNS,
                  [[i, m.unit, m.name, m.subject, None, None, m.id] for i, m in enumerate(members, 1)],
                  widths={"序号": 6, "抽测成绩": 16, "签名": 14}, formats={"抽测成绩": "0.0"},
                  print_columns=LIST_PRINTED, print_title=f"{LIST_SHEET}　{p['term_name']}",
                  row_height=22.5, gridlines=True),  # a form: room to write a score and sign (30 px)
        SheetSpec(INFO_SHEET, ["层", "人数", "应抽人数", "抽中人数"],
                  [[s.name, s.size, stratum_count(s.size, r, min_per_group), s.drawn] for s in strata],
                  notes=[f"{k}：{v}" for k, v in info.items()], widths={"层": 30}),
    ]


def _write_new(path: Path, sheets: list[SheetSpec]) -> None:
    """Write a list that must not replace any file: the name is taken first (O_EXCL), so a
    file that appears meanwhile is never overwritten. A placeholder left by a killed run is
    empty, and `_next_draw` lets it be reused."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        if path.stat().st_size > 0:
            raise _taken(path) from None
    else:
        os.close(fd)
    try:
        write_xlsx(path, sheets)
    except BaseException:
        if path.exists() and path.stat().st_size == 0:
            path.unlink()
        raise


def _read_info(path: Path) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    from credittool.read.readers import ReadError, read_workbook

    try:
        wb = read_workbook(path)
    except ReadError as exc:
        raise UsageError(f"{path} 无法读取：{exc.message}", exc.hint) from None
    sheets = {s.name: s for s in wb.sheets}
    if INFO_SHEET not in sheets or LIST_SHEET not in sheets:
        raise UsageError(f"{path} 不是 credittool sample 生成的抽测名单（缺少「{LIST_SHEET}」或「{INFO_SHEET}」工作表）")
    info = info_pairs(sheets[INFO_SHEET].rows)
    rows = sheets[LIST_SHEET].rows
    listed = []
    if rows:
        head = [str(c).strip() for c in rows[0]]
        iu, iname, iid = (head.index(c) if c in head else -1 for c in ("单位", "姓名", "身份证号"))
        for r in rows[1:]:
            if iid >= 0 and iid < len(r) and r[iid] not in (None, ""):
                listed.append((str(r[iu]) if iu >= 0 else "", str(r[iname]) if iname >= 0 else "", str(r[iid]).strip()))
    return info, listed


def verify(path: Path, *, workspace: Path) -> VerifyReport:
    """Re-derive the draw from the ledger and the seed recorded in `path`; compare the lists."""
    info, listed = _read_info(path)
    try:
        draw_id = int(info[KEYS["draw"]])
        seed = info[KEYS["seed"]]
        rate = parse_rate(info[KEYS["rate"]])
        fields = parse_by(info[KEYS["by"]])
        min_per_group = int(info[KEYS["min"]])
        course = info[KEYS["course"]]
    except (KeyError, ValueError) as exc:
        raise UsageError(f"{path} 的「{INFO_SHEET}」缺少或改动了参数（{exc}）", "用 credittool sample 重新生成") from None
    con = open_ledger(workspace)
    try:
        rec = draws.parameters(con, draw_id)
        if rec is None:
            raise UsageError(f"台账中没有第 {draw_id} 次抽样", "确认 --workspace 指向抽样时的工作目录")
        term, r_seed, r_rate, r_by, r_min, r_course, r_hash = rec
        problems = []
        shown = {"种子": (seed, r_seed), "抽样率": (str(rate), r_rate), "分层": (",".join(fields), r_by),
                 "每层至少": (str(min_per_group), str(r_min)),
                 "课程": (course if course != "（全部课程）" else "", r_course)}
        for label, (in_file, in_ledger) in shown.items():
            if in_file != in_ledger:
                problems.append(f"{label}与台账记录不符：文件中为 {in_file or '（空）'}，台账中为 {in_ledger or '（空）'}")
        population = load_population(con, term, tuple(r_by.split(",")), r_course or None)
        if population_hash(population) != r_hash:
            problems.append("台账中的抽样总体自抽样以来有变化（又导入或替换了文件），重新推导的名单可能不同")
        expected = {m.id: m for ms in draw(population, r_seed, Decimal(r_rate), r_min).values() for m in ms}
    finally:
        con.close()
    in_file = {ident: (unit, name, ident) for unit, name, ident in listed}
    added = sorted(v for k, v in in_file.items() if k not in expected)
    removed = sorted((m.unit, m.name, m.id) for k, m in expected.items() if k not in in_file)
    if len(listed) != len(in_file):
        problems.append("名单中有重复的身份证号")
    matches = not added and not removed and not problems
    return VerifyReport(path, matches, draw_id, r_seed, added, removed, problems)
