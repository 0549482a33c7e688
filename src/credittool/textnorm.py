"""Text normalisation shared by header, course and vocabulary matching."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and BOM characters that survive copy-paste from web systems.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Characters that carry no meaning when matching a course or header name:
# book-title marks, brackets, quotes, dashes, dots, colons and all white space.
# a remark in brackets, innermost: （网联）, (女), 【2018】
REMARK = r"[（(【\[［〔][^（()）【】\[\]［］〔〕]*[）)】\]］〕]"
_MATCH_NOISE = re.compile(r"[\s《》〈〉<>「」『』\"'“”‘’()（）\[\]【】\-—–―_·・.。,，:：;；!！?？、/\\]+")


def clean_text(value: str) -> str:
    """NFKC (full-width → half-width), drop invisible characters, trim."""
    if value.isascii():  # NFKC leaves ASCII as it is, and no invisible character is ASCII
        return value.strip()
    return unicodedata.normalize("NFKC", value).translate(_INVISIBLE).strip()


def match_key(value: str) -> str:
    """Key under which two spellings of one name compare equal.

    《教师的教学技能》, 教师的教学技能 and ＜教师的 教学技能＞ all give the same key.
    """
    return _MATCH_NOISE.sub("", clean_text(value)).casefold()


_TRAILING_REMARKS = re.compile(rf"(\s*{REMARK})+\s*$")


def without_remarks(text: str) -> str:
    """`text` without the remarks in brackets at its end: 张店区第七中学（更正）(2) is
    张店区第七中学; a text that is all remark stays as it is."""
    return _TRAILING_REMARKS.sub("", text) or text
