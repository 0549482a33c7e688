"""R14: a school's research projects (课题) in its year-end evaluation. Pure: no I/O.

Each project's level is told by the words of its 级别/获奖情况 cell, the rules' levels tried
highest first; a school's weight is the highest of its projects', and a school without a
project has none (0, 没有进行课题研究). The project that decided it is named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from credittool.rules.programmes import Research
from credittool.rules.schema import dec
from credittool.textnorm import match_key


@dataclass(frozen=True)
class Weight:
    weight: Decimal
    why: str  # 「《课题》（获奖情况）：市级以上优秀成果」, or why none


NO_RESEARCH = Weight(Decimal(0), "没有课题")


def level_of(text: str, research: Research) -> tuple[Decimal, str]:
    """(weight, level name) of one project's 级别/获奖情况 text."""
    key = match_key(text or "")
    for level in research.levels:
        if any(match_key(w) in key for w in level.words) and \
                (not level.with_any or any(match_key(w) in key for w in level.with_any)):
            return dec(level.weight), level.name
    return dec(research.unawarded_weight), "未获奖" + ("（按规则假定）" if research.assumed else "")


def school_weight(projects: Iterable[tuple[str, str]], research: Research) -> Weight:
    """A school's weight from its (title, 级别/获奖情况) projects: the highest, the first
    project reaching it named; none at all: NO_RESEARCH."""
    best: Weight | None = None
    for title, text in projects:
        weight, level = level_of(text, research)
        if best is None or weight > best.weight:
            shown = f"（{text}）" if text else ""
            best = Weight(weight, f"{_titled(title)}{shown}：{level}")
    return best or NO_RESEARCH


def _titled(title: str) -> str:
    """A project's title in 《》 once: 《作业设计》 as written, 作业设计 bracketed; a title that
    only begins or ends with a bracketed work (《2016年版课程标准》下的作业设计) is shown as written,
    in 「」, not bracketed again into unbalanced 《…》》."""
    t = title.strip()
    if t.startswith("《") and t.endswith("》") and t.count("《") == 1 and t.count("》") == 1:
        return t
    return f"「{t}」" if "《" in t or "》" in t else f"《{t}》"
