"""Resident ID numbers (身份证号, GB 11643-1999): normalisation and check digit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import mul

from credittool.diagnostics import Problem, unplaced
from credittool.textnorm import clean_text

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")
_SCI = re.compile(r"^\d(\.\d+)?E\+?\d+$")


_ZEROS = ord("0") * sum(_WEIGHTS)
_PLAIN18 = re.compile(r"[0-9]{17}[0-9X]")  # as typed: nothing for clean_text to change


def check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits (any Unicode decimal digits,
    as the patterns' \\d accepts; ASCII ones summed on their bytes)."""
    if first17.isascii():
        return _CHECK[(sum(map(mul, first17.encode(), _WEIGHTS)) - _ZEROS) % 11]
    return _CHECK[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


@dataclass(frozen=True, slots=True)
class IdResult:
    value: str | None  # the normalised 18-character ID, or None when rejected
    problem: Problem | None = None  # why it was rejected (placed by the caller)
    note: str = ""  # what was changed, when accepted


_TEXT_HINT = "把该列单元格格式设为「文本」后重新录入身份证号"


def normalize_id(raw: object) -> IdResult:
    """Normalise one ID cell as read from the file (type matters).

    A numeric cell is always rejected: Excel keeps only 15 significant digits, so the
    number may already be damaged even when its check digit happens to pass.
    """
    if raw is None or raw == "":
        return IdResult(None, unplaced("E-ID-BLANK", "身份证号为空", "补填身份证号"))
    if isinstance(raw, bool) or isinstance(raw, (int, float)):
        return IdResult(None, unplaced("E-ID-NUMERIC", "身份证号存成了数字，Excel 只保留 15 位有效数字，号码可能已损坏",
                                       _TEXT_HINT))
    if not isinstance(raw, str):
        return IdResult(None, unplaced("E-ID-FORMAT", f"身份证号不是文本（{type(raw).__name__}）", _TEXT_HINT))
    text = raw if _PLAIN18.fullmatch(raw) else clean_text(raw).lstrip("'").replace(" ", "").upper()
    if _SCI.match(text):
        return IdResult(None, unplaced("E-ID-NUMERIC", "身份证号是科学计数法（E+），号码已损坏", _TEXT_HINT))
    if _ID15.fullmatch(text):
        first17 = text[:6] + "19" + text[6:]
        upgraded = first17 + check_char(first17)
        return IdResult(upgraded, note=f"15 位旧身份证号已升为 18 位：{upgraded}")
    if not _ID18.fullmatch(text):
        return IdResult(None, unplaced("E-ID-FORMAT", f"身份证号应为 18 位（17 位数字加 1 位数字或 X），实为 {len(text)} 个字符",
                                       "核对后重新录入"))
    expected = check_char(text[:17])
    if text[17] != expected:
        return IdResult(None, unplaced("E-ID-CHECKSUM", f"身份证号校验位错误：末位应为 {expected}，实为 {text[17]}",
                                       "核对身份证原件后改正"))
    return IdResult(text)


def mask_id(value: str) -> str:
    """Mask an ID for anything meant for publication: keep the first 6 and the last 2."""
    return value[:6] + "*" * (len(value) - 8) + value[-2:] if len(value) > 8 else "*" * len(value)


NEAR_ID = "W-ID-NEAR"  # one name in one unit under two IDs one slip apart (resolve/identity.py)


def misnamed(file: str, sheet: str, row: int, column: str, name: str, listed: str, place: str, code: str) -> Problem:
    """The problem of a row at `file`「sheet」`row` writing `name` in `column` for an ID the
    staff list at `place` writes `listed`."""
    return Problem(file, sheet, row, column, name, code,
                   f"同一身份证号在教师名册（{place}）中的姓名是「{listed}」，此行写作「{name}」",
                   f"是这位教师就把姓名改成「{listed}」，不是就改正身份证号；改正后重新导入该文件")


def one_slip(a: str, b: str) -> bool:
    """Two digit strings of one length (two IDs' first 17 digits) that differ in one place,
    or by two neighbours swapped: most likely one number mistyped."""
    diff = [k for k, (x, y) in enumerate(zip(a, b)) if x != y]
    return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                              and a[diff[1]] == b[diff[0]])
