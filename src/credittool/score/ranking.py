"""Ranking arithmetic for the published spot-test results (R8). Pure: no I/O.

- Descending by score; equal scores share a rank and the next rank skips (1, 2, 2, 4:
  standard competition ranking, the usual 名次 of a Chinese results list).
- Means are exact (fractions): a school is ranked on its exact mean, and only the shown
  value is rounded, half up (四舍五入), so two schools shown as 51.7 may rank 3 and 4.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

T = TypeVar("T")
Number = Decimal | Fraction | int


def competition_ranks(scores: Sequence[Number]) -> list[int]:
    """Ranks of `scores`, which must already be in descending order: 1, 2, 2, 4."""
    ranks: list[int] = []
    for i, s in enumerate(scores):
        if i and s > scores[i - 1]:
            raise ValueError("scores must be in descending order")
        ranks.append(ranks[-1] if i and s == scores[i - 1] else i + 1)
    return ranks


def rank_desc(items: Iterable[T], score: Callable[[T], Number],
              tiebreak: Callable[[T], tuple]) -> list[tuple[int, T]]:
    """Items by descending score, ties in `tiebreak` order, each with its competition rank."""
    ordered = sorted(items, key=lambda it: (-Fraction(score(it)), tiebreak(it)))
    return list(zip(competition_ranks([Fraction(score(it)) for it in ordered]), ordered))


def exact_mean(values: Iterable[Number]) -> Fraction:
    vals = [Fraction(v) for v in values]
    if not vals:
        raise ValueError("mean of nothing")
    return sum(vals, Fraction(0)) / len(vals)


def half_up(value: Number, places: int = 1) -> Decimal:
    """Round half up (四舍五入, away from zero) to `places` decimals, from the exact value."""
    q = Fraction(value) * 10 ** places
    n = (abs(q) + Fraction(1, 2)).__floor__()
    return Decimal(n if q >= 0 else -n).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def ratio(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None
