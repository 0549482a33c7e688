"""The county spot test (R7): a reproducible, verifiable 10% draw per unit. No randomness
outside the seed: anyone can redo the draw from the published seed and population.

The draw, stratum by stratum (by default a stratum is a unit, 各单位10%):
1. k = rate × size rounded half up (四舍五入), at least `min_per_group` when the stratum is
   not empty, never more than its size.
2. The stratum's key is SHA-256(seed "\\n" stratum). Each teacher's ticket is
   SHA-256(key || ID); the k teachers with the smallest tickets are drawn.
So the draw depends only on the seed, the stratum's name and the IDs in it: the order of
input files and rows changes nothing, and adding a school does not reshuffle the others.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

STRATA_FIELDS = {"单位": "unit", "unit": "unit", "学校": "unit", "学科": "subject", "subject": "subject"}
NO_SUBJECT = "（未填学科）"


@dataclass(frozen=True, order=True)
class Member:
    stratum: str
    id: str
    unit: str
    name: str
    subject: str


def stratum_count(size: int, rate: Decimal, min_per_group: int) -> int:
    """R7: rate × size, 四舍五入, at least min_per_group in a non-empty stratum, at most size."""
    if size <= 0:
        return 0
    k = int((rate * size).quantize(Decimal(1), ROUND_HALF_UP))
    return min(size, max(k, min_per_group))


def stratum_key(seed: str, stratum: str) -> bytes:
    return hashlib.sha256(f"{seed}\n{stratum}".encode()).digest()


def ticket(key: bytes, ident: str) -> str:
    return hashlib.sha256(key + ident.encode()).hexdigest()


def draw_stratum(seed: str, stratum: str, members: Iterable[Member], k: int) -> list[Member]:
    key = stratum_key(seed, stratum)
    ranked = sorted(members, key=lambda m: (ticket(key, m.id), m.id))
    return sorted(ranked[:k])


def draw(population: dict[str, list[Member]], seed: str, rate: Decimal, min_per_group: int) -> dict[str, list[Member]]:
    return {s: draw_stratum(seed, s, ms, stratum_count(len(ms), rate, min_per_group))
            for s, ms in sorted(population.items())}


def population_hash(population: dict[str, list[Member]]) -> str:
    h = hashlib.sha256()
    for s in sorted(population):
        for m in sorted(population[s]):
            h.update(f"{s}\t{m.id}\n".encode())
    return h.hexdigest()


def new_seed() -> str:
    """A fresh seed a person can read out and type back: 8 digits."""
    return f"{secrets.randbelow(10**8):08d}"


def parse_by(by: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in by.replace("，", ",").split(",") if p.strip())
    fields = tuple(STRATA_FIELDS.get(p, "") for p in parts)
    if not parts or "" in fields or "unit" not in fields or len(set(fields)) != len(fields):
        raise ValueError(by)
    return fields


def stratum_name(fields: tuple[str, ...], unit: str, subject: str) -> str:
    return "/".join(unit if f == "unit" else (subject or NO_SUBJECT) for f in fields)


def info_pairs(rows: Iterable[Sequence[object]]) -> dict[str, str]:
    """The "key：value" lines of a 抽样说明 sheet (first column), as written by `sample`."""
    info = {}
    for row in rows:
        cell = row[0] if row else None
        if isinstance(cell, str) and "：" in cell:
            k, v = cell.split("：", 1)
            info[k.strip()] = v.strip()
    return info
