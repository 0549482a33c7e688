"""`credittool card`, `cards` and `explain` as library calls: a teacher's 学分卡 (R11), or
every card of a unit, from the ledger → out/学分卡/ (an A4 page each, and a workbook); and
why each of a teacher's results is what it is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from credittool.atomic import as_of_part, file_part
from credittool.errors import CannotWrite, UsageError
from credittool.ledger import record
from credittool.ledger.explain import Explanation, explain
from credittool.ledger.record import Card
from credittool.ledger.terms import open_ledger
from credittool.write import card as card_out

CARD_DIR = "学分卡"  # under the workspace's out/


@dataclass
class CardResult:
    cards: list[Card]
    html: Path
    xlsx: Path
    unit: str | None = None  # `cards --unit`


def _out(workspace: Path, out: Path | None) -> Path:
    folder = out if out is not None else workspace / "out" / CARD_DIR
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"输出位置 {folder} 是一个文件，不是文件夹", "用 --out 指定一个文件夹（不存在时会新建）")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CannotWrite(folder, exc) from None
    return folder


def make_card(workspace: Path, who: str, term: str | None = None, year: str | None = None,
              out: Path | None = None) -> CardResult:
    con = open_ledger(workspace)
    try:
        as_of = record.as_of_term(con, term, year)
        teacher = record.one_teacher(con, who)
        c = record.card(con, teacher, as_of)
    finally:
        con.close()
    folder = _out(workspace, out)
    stem = f"学分卡_{file_part(teacher.name)}_{teacher.id_number[-4:]}{as_of_part(as_of)}"
    result = CardResult([c], folder / f"{stem}.html", folder / f"{stem}.xlsx")
    card_out.write(result.cards, f"{teacher.name}的学分卡", result.html, result.xlsx)
    return result


def make_cards(workspace: Path, unit: str, term: str | None = None, year: str | None = None,
               out: Path | None = None) -> CardResult:
    """Every card of the teachers whose unit, in the last term they are in up to the one
    read as of, is `unit`."""
    con = open_ledger(workspace)
    try:
        as_of = record.as_of_term(con, term, year)
        name, ids = record.unit_teachers(con, unit, as_of)
        cards = [record.card(con, t, as_of) for t in (record.one_teacher(con, i) for i in ids)]
    finally:
        con.close()
    folder = _out(workspace, out)
    stem = f"学分卡_{file_part(name)}{as_of_part(as_of)}"
    result = CardResult(cards, folder / f"{stem}.html", folder / f"{stem}.xlsx", unit=name)
    card_out.write(cards, f"{name}学分卡", result.html, result.xlsx)
    return result


def make_explain(workspace: Path, who: str, term: str | None = None) -> Explanation:
    """Why the teacher's results are what they are, up to `term` (None: every term)."""
    con = open_ledger(workspace)
    try:
        as_of = record.as_of_term(con, term, None)
        return explain(con, record.one_teacher(con, who), as_of)
    finally:
        con.close()
