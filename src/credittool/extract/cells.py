"""Cell-level normalisation: one raw cell (with its real type) → a canonical value.

Each function returns a `Cell`: the value, or a Problem (code, message, hint; its place is
added when a row is checked, since a cell is normalised once per distinct value per column). The type
of the raw cell is decided on before anything is turned into text (a numeric ID cell
must never be mistaken for a text one).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field as dc_field
from decimal import Decimal, InvalidOperation
from typing import Any

from credittool.diagnostics import Problem, unplaced
from credittool.fields import Kind
from credittool.ids import normalize_id
from credittool.textnorm import REMARK, clean_text, match_key

_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_FORMULA_START = "=+-@"  # what spreadsheet programs read as the start of a formula


@dataclass(frozen=True, slots=True)
class Cell:
    value: Any = None  # canonical value; None = blank
    status: str | None = None  # absent / exempt / resit / deferred, for score cells
    problem: Problem | None = None  # why the cell cannot be used (not yet placed)
    note: str = ""  # a change worth telling the clerk about (accepted)

    @property
    def ok(self) -> bool:
        return self.problem is None


BLANK = Cell()


def _bad(code: str, message: str, hint: str) -> Cell:
    return Cell(problem=unplaced(code, message, hint))


@dataclass(frozen=True)
class Vocabulary:
    status: dict[str, str]  # match key → status kind
    yes: frozenset[str]
    no: frozenset[str]
    # the cells already normalised with these words, per (field, heading), for the fields
    # whose values recur from file to file (`columns.normalize_column`); each worker fills
    # its own copy
    seen: dict[tuple[str, str], tuple[dict, dict]] = dc_field(default_factory=dict, compare=False, repr=False)


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and clean_text(raw) == ""


def _number(raw: Any) -> Decimal | None:
    """A Decimal from a numeric cell or a plain numeric text, else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return None
        return Decimal(int(raw)) if raw.is_integer() else Decimal(repr(raw))  # 88.0 from Excel is 88
    if isinstance(raw, str):
        text = clean_text(raw).replace(" ", "")
        if "," in text:  # 1,200 as Excel groups thousands; 8,5 (a decimal comma?) is no number
            if not _GROUPED.match(text):
                return None
            text = text.replace(",", "")
        if _NUMBER.match(text):
            try:
                return _canonical(Decimal(text))
            except InvalidOperation:  # pragma: no cover - regex guards this
                return None
    return None


def _canonical(d: Decimal) -> Decimal:
    """One spelling per number: "88.50" is 88.5 and "88.0" is 88, as Excel would show them,
    so equal values are equal text too (duplicates, the ledger's inputs)."""
    if d == d.to_integral_value():
        return Decimal(int(d))
    return d.normalize()


def _show(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return f"{raw:.0f}"
    return raw if isinstance(raw, str) else str(raw)


def shown(raw: Any) -> str:
    """A cell as text for a message (原值): what the clerk will find in the file. A whole
    number Excel shows as it does, to 15 significant digits; past 11 digits Excel's
    General format shows it in scientific notation, so both forms are given
    (2.20282E+17 / 220282197904286000: the cell, then the formula bar)."""
    if raw is None:
        return ""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw) and float(raw).is_integer():
        full = str(int(Decimal(f"{float(raw):.15g}")))
        if len(full.lstrip("-")) <= 11:
            return full
        exp = f"{abs(float(raw)):E}".split("E")[1]  # "+17"
        digits = 11 - 2 - (1 + len(exp)) - (raw < 0)  # 11 characters: d.dddddE+17
        mantissa, _, _ = f"{float(raw):.{digits}E}".partition("E")
        return f"{mantissa.rstrip('0').rstrip('.')}E{exp} / {full}"
    if isinstance(raw, float):
        return repr(raw)
    return str(raw)


def score(raw: Any, vocab: Vocabulary, label: str) -> Cell:
    if is_blank(raw):
        return BLANK
    if isinstance(raw, str):
        status = vocab.status.get(match_key(raw))
        if status is not None:
            return Cell(status=status)
    n = _number(raw)
    if n is None:
        return _dated(raw, label) or _bad("E-SCORE-TEXT", f"{label}「{_show(raw)}」不是数字",
                                          "只填 0–100 的数字，或缺考/免考/补考/缓考")
    if not 0 <= n <= 100:
        return _bad("E-SCORE-RANGE", f"{label} {_show(raw)} 超出 0–100", "核对后改正")
    return Cell(value=n)  # exact: the composite is rounded once, by the rules' policy


def count(raw: Any, vocab: Vocabulary, label: str, allow_yesno: bool = False) -> Cell:
    if is_blank(raw):
        return BLANK
    if allow_yesno and isinstance(raw, str):
        k = match_key(raw)
        if k in vocab.yes:
            return Cell(value=True)
        if k in vocab.no:
            return Cell(value=False)
    n = _number(raw)
    if n is None and isinstance(raw, str):  # 15学时, 5篇, 3次: the number with its unit
        text_ = clean_text(raw).replace(" ", "")
        bare = _COUNT_UNIT.sub("", text_)
        n = _number(bare) if bare != text_ else None
    if n is None:
        hint = "只填数字" + ("，或 是/否" if allow_yesno else "")
        return _dated(raw, label) or _bad("E-COUNT-TEXT", f"{label}「{_show(raw)}」不是数字", hint)
    if n < 0:
        return _bad("E-COUNT-RANGE", f"{label} {_show(raw)} 不能为负数", "核对后改正")
    return Cell(value=n)


_EXCEL_EPOCH = dt.date(1899, 12, 31)  # serial 1 is 1900-01-01; Excel also counts a 1900-02-29 that never was


def _dated(raw: Any, label: str) -> Cell | None:
    """A number in a cell formatted as a date or a time: Excel shows 24 as 1900-01-24, and
    the reader gets the date. Said as such, with the number it was where that is clear."""
    if not isinstance(raw, (dt.date, dt.time, dt.timedelta)):
        return None
    day = raw.date() if isinstance(raw, dt.datetime) and raw.time() == dt.time() else raw
    was = ""
    if type(day) is dt.date and day.year < 1902:  # a small number shown as a date of 1900 or 1901
        n = (day - _EXCEL_EPOCH).days + (day >= dt.date(1900, 3, 1))
        was = f"，原数字可能是 {n}" + (" 或 60" if n == 59 else "")  # 60 is Excel's 1900-02-29, read as the 28th
    return _bad("E-CELL-DATE", f"{label}「{_show(raw)}」是日期或时间格式的单元格{was}",
                "把这一列的单元格格式设为「常规」，核对数字后重新导入")


def _yes_or_no(raw: Any, vocab: Vocabulary) -> bool | None:
    """A non-blank cell as 是 (True) or 否 (False): a bool, 1 or 0 (a number, or text as a
    CSV gives it), or one of the vocabulary's words; None when it is none of these."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    k = match_key(str(raw))
    if k in _ONE_ZERO:
        return _ONE_ZERO[k]
    return True if k in vocab.yes else False if k in vocab.no else None


_ONE_ZERO = {"1": True, "0": False}  # as match keys: full-width １ and ０ too


def yesno(raw: Any, vocab: Vocabulary, label: str) -> Cell:
    if is_blank(raw):
        return BLANK
    value = _yes_or_no(raw, vocab)
    if value is not None:
        return Cell(value=value)
    if vocab.status.get(match_key(str(raw))) == "absent":
        return Cell(value=False)
    return _bad("E-YESNO", f"{label}「{_show(raw)}」无法识别", "填 是/否（或 参加/缺席、√/×）")


_HOURS_UNIT = re.compile(r"(学时|课时|小时|h|H)$")
_COUNT_UNIT = re.compile(r"(学时|课时|小时|篇|次|个|条)$")  # what a count or 已修学时 is written with
_CREDITS_UNIT = re.compile(r"(学分)$")


def hours(raw: Any, vocab: Vocabulary, label: str, credits: bool = False) -> Cell:
    """A programme row's hours (R13): a non-negative number, also written 12学时 or, full
    width, １２ (clean_text makes that 12); its credits (`credits`) as 1.2 or 1.2学分."""
    unit, word = (_CREDITS_UNIT, "学分") if credits else (_HOURS_UNIT, "学时")
    if isinstance(raw, str):
        text_ = clean_text(raw).replace(" ", "")
        if unit.search(text_) and _NUMBER.match(unit.sub("", text_)):
            raw = unit.sub("", text_)
    cell = count(raw, vocab, label)
    if cell.problem is not None and cell.problem.code == "E-COUNT-TEXT":
        comma = isinstance(raw, str) and "," in clean_text(raw)
        return _bad("E-HOURS-TEXT", f"{label}「{_show(raw)}」不是{word}数",
                    "小数点请用「.」，如 12.5" if comma else f"只填数字，如 12 或 12{word}")
    return cell


def result(raw: Any, vocab: Vocabulary, label: str) -> Cell:
    """A programme row's result: the rules' words for passed (合格, 结业, 通过, 是, √) and
    not passed (不合格, 未结业, 否, ×); 1 and 0 as 是 and 否."""
    if is_blank(raw):
        return BLANK
    value = _yes_or_no(raw, vocab)
    if value is not None:
        return Cell(value=value)
    return _bad("E-RESULT", f"{label}「{_show(raw)}」无法识别", "填 合格/不合格（或 结业/未结业、通过、是/否、√/×）")


# what a list adds after a teacher's name: a star, a note in brackets (（女）, (借调))
_NAME_MARKS = re.compile(rf"([*＊※★☆#△▲]+|{REMARK})+$")


def text(raw: Any, label: str, is_name: bool = False) -> Cell:
    if is_blank(raw):
        return BLANK
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    value = clean_text(str(raw))
    if is_name and _CJK.search(value):
        value = re.sub(r"\s+", "", value)  # 张  三 (padded to align in Excel) is 张三
        value = _NAME_MARKS.sub("", value) or value  # 王强*, 赵敏（女）: a mark beside the name, not of it
    else:
        value = re.sub(r"\s+", " ", value)
    if value[:1] in _FORMULA_START and value:
        # cleaning made it look like a formula (\t=2+2, full-width ＝): a name, unit or subject
        # never is one (OWASP's CSV-injection rule), and the clerk must see it, not us guess
        return _bad("E-TEXT-FORMULA", f"{label}「{value}」以「{value[0]}」开头，像公式，不像{label}",
                    f"删去开头的「{value[0]}」（以及前面的空格、制表符），保存后再导入")
    return Cell(value=value)


def ident(raw: Any) -> Cell:
    if is_blank(raw):
        return BLANK
    r = normalize_id(raw)
    if r.value is None:
        return BLANK if r.problem.code == "E-ID-BLANK" else Cell(problem=r.problem)
    return Cell(value=r.value, note=r.note)


def normalize(kind: Kind, raw: Any, vocab: Vocabulary, label: str, field: str = "") -> Cell:
    """Dispatch one cell to the normaliser of its field's kind."""
    if kind is Kind.SCORE:
        return score(raw, vocab, label)
    if kind is Kind.COUNT:
        return count(raw, vocab, label)
    if kind is Kind.COUNT_OR_YESNO:
        return count(raw, vocab, label, allow_yesno=True)
    if kind is Kind.YESNO:
        return yesno(raw, vocab, label)
    if kind is Kind.ID:
        return ident(raw)
    if kind is Kind.HOURS:
        return hours(raw, vocab, label, credits=field == "credits")
    if kind is Kind.RESULT:
        return result(raw, vocab, label)
    return text(raw, label, is_name=field == "name")
