"""A province's 证书登记表 parts, written while the ledger commits.

At province scale the register (four million rows, four files) costs as much as the
commit, and the commit keeps one core busy while the other waits. When a run brings the
term's only entries (a first load), the register is a function of the run's own entries,
so a helper process writes register-1.xlsx … from them during the commit, into a staging
folder. `register.write_outputs` keeps them only after checking, under a read snapshot of
the committed ledger, that the ledger holds exactly this run's files and that its plan of
the parts (units, offsets, row counts) is the helper's; otherwise, or if the helper failed
or ran past its deadline, the parts are written from the ledger as always.

The helper is a fresh interpreter (`python -m credittool.write.earlyparts STAGING`), not a fork:
a forked child shares the run's pages, and every page the commit then writes is copied, a
gigabyte at province scale. It gets the run as integer codes and the distinct values
(`_payload`), and computes the rows `registerrows._REGISTER_ROWS` selects, in its order.
tests/test_early_parts.py shows the files are byte for byte those of the ledger path.
"""

from __future__ import annotations

import itertools
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from credittool.ledger import terms
from credittool.write import register
from credittool.owners import die_with_parent, left_behind, owner_tag
from credittool.resolve.table import Entries, object_array, pair_codes, str_ranks
from credittool.rules.loader import TermRules
from credittool.write.xlsxout import write_xlsx

# generous: the helper writes about a million rows in 10 s, in step with the commit
DEADLINE_S, DEADLINE_S_PER_ROW = 300.0, 60e-6
_POLL_S = 0.05
STAGING_PREFIX, STALE_S = ".register-parts-", 24 * 3600.0
_RUN, _PLAN, _DONE = "run.pickle", "plan.pickle", "done"


@dataclass
class EarlyParts:
    """The helper writing the parts, and what it planned."""
    process: subprocess.Popen
    staging: Path
    deadline: float  # time.monotonic() past which the helper is given up on
    files: frozenset[int] | None = None  # the run's file_ids, once the commit says it wrote every entry
    _plan: list[tuple[register.Slice, int]] | None = field(default=None, repr=False)
    _planned: bool = field(default=False, repr=False)

    def confirm(self, file_ids: frozenset[int] | None) -> None:
        """After the commit: the run's file ids if the ledger now holds the run's entries and
        nothing else of the term; None if it does not (the parts will come from the ledger)."""
        self.files = file_ids

    def plan(self) -> list[tuple[register.Slice, int]] | None:
        """The helper's parts: (rows of the register, rows of their units) each; None if it failed."""
        if not self._planned:
            self._planned = True
            if self._arrived(_PLAN):
                with open(self.staging / _PLAN, "rb") as f:
                    self._plan = pickle.load(f)  # written by our own helper into our private folder
        return self._plan

    def wait(self) -> list[Path] | None:
        """The written parts, in order, once the helper is done; None if it failed."""
        plan = self.plan()
        if plan is None or not self._arrived(_DONE):
            return None
        try:
            if self.process.wait(max(self.deadline - time.monotonic(), 1.0)) != 0:
                return None
        except subprocess.TimeoutExpired:
            return None
        return [self.staging / f"register-{i}.xlsx" for i in range(1, len(plan) + 1)]

    def _arrived(self, name: str) -> bool:
        """Wait for the helper's file `name`; False if the helper ended without it (a
        writer's panic, the OOM killer) or is past its deadline (it must not hang the ingest)."""
        path = self.staging / name
        while not path.exists():
            if self.process.poll() is not None:
                return path.exists()
            if time.monotonic() >= self.deadline:
                return False
            time.sleep(_POLL_S)
        return True

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        shutil.rmtree(self.staging, ignore_errors=True)


def start(entries: Entries | None, term: TermRules, out_dir: Path) -> EarlyParts | None:
    """Start the helper if the run alone fills more than one sheet."""
    if entries is None or len(entries) <= register.SHEET_ROW_LIMIT - 1:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(out_dir)
    # private (0700); named for this process, so a killed run's folder is known at once
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{owner_tag()}.", suffix=".tmp", dir=out_dir))
    try:
        with open(staging / _RUN, "wb") as f:
            pickle.dump(_payload(entries, term), f, protocol=pickle.HIGHEST_PROTOCOL)
        package_root = str(Path(__file__).resolve().parents[2])  # src/
        env = {**os.environ, "RUST_BACKTRACE": "0",
               "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        proc = subprocess.Popen(helper_command(staging), env=env, preexec_fn=partial(die_with_parent, os.getpid()),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return EarlyParts(proc, staging, time.monotonic() + DEADLINE_S + len(entries) * DEADLINE_S_PER_ROW)


def _remove_stale_staging(out_dir: Path) -> None:
    """Staging folders left by an ingest that was killed (its helper dies with it, but
    nobody removes the folder): at once when the folder names a process that is gone; a
    folder without one (an older version's) once a day old, far past any run's deadline.
    On Windows the dot does not hide such a folder from the clerk."""
    for p in out_dir.glob(STAGING_PREFIX + "*"):
        try:
            if p.is_dir() and left_behind(p, STALE_S):
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            continue


def helper_command(staging: Path) -> list[str]:
    return [sys.executable, "-m", "credittool.write.earlyparts", str(staging)]


def _payload(entries: Entries, term: TermRules) -> dict[str, Any]:
    """The run's entries as integer codes per row and the distinct values they stand for:
    what the register shows of each entry, a few hundred bytes of objects per distinct
    value instead of per row."""
    sheets = entries.table.sheets
    _, tracks = terms.rules_rows(term)
    course_name = {cid: name for _, cid, name, _, _ in terms.rules_rows(term)[0]}
    placed = {(track, cid): (track_name, required, position)
              for _, track, track_name, cid, required, position in tracks}
    pair, pairs = pair_codes(entries.coded("track"), entries.coded("course_id"))
    if any(p not in placed for p in pairs):  # the SQL joins would drop such rows; ingest makes none
        raise ValueError("an entry's course is not a course of its track")
    out: dict[str, Any] = {
        "term_name": term.term_name,
        "sheet_row_limit": register.SHEET_ROW_LIMIT,  # the parent's (tests make it small)
        "pair": pair.astype(np.int32),
        "pair_track_name": [placed[p][0] for p in pairs],
        "pair_required": ["必修" if placed[p][1] else "选修" for p in pairs],
        "pair_position": [placed[p][2] for p in pairs],
        "pair_course_id": [c for _, c in pairs],
        "pair_course": [course_name[c] for _, c in pairs],
        "passed": entries.passed.astype(np.int8),
        "sheet": entries.sheet.astype(np.int32),
        "row": entries.row,
        "file_names": [s.file for s in sheets],
        "sheet_names": [s.name for s in sheets],
    }
    for col in ("unit", "name", "id", "subject", "composite", "reason", "hours", "credits"):
        out[col], out[col + "s"] = entries.coded(col)  # the row columns' codes are the run's (Table.coded)
    return out


class RunRegister:
    """The run's entries as rows of 证书登记表: the columns `_REGISTER_ROWS` selects, in its
    order (unit, ID, the course's place in its track, course id), sorting on the ranks of
    the distinct values (`str_ranks`); rows are made a chunk at a time."""

    def __init__(self, p: dict[str, Any]) -> None:
        self.p = p
        position = np.asarray(p["pair_position"], dtype=np.int64)
        self.order = np.lexsort((str_ranks(p["pair_course_id"])[p["pair"]], position[p["pair"]],
                                 str_ranks(p["ids"])[p["id"]], str_ranks(p["units"])[p["unit"]]))
        counts = np.bincount(p["unit"], minlength=len(p["units"])).tolist()
        self.units = [(u, n) for u, n in sorted(zip(p["units"], counts)) if n]
        # a value for each code; code -1 (None) picks the None appended at the end
        # the composite stays a Decimal: the sheet's `convert` makes it the float the ledger path writes
        self.values = {c: object_array(list(p[c + "s"]) + [None])
                       for c in ("unit", "name", "id", "subject", "composite", "reason")}
        self.values.update({c: object_array(p[c]) for c in ("pair_track_name", "pair_course", "pair_required",
                                                             "file_names", "sheet_names")})
        self.numbers = {c: np.asarray(p[c + "s"], dtype=np.float64) for c in ("hours", "credits")}

    def rows(self, start: int, count: int, chunk: int = 20_000) -> Iterator[tuple]:
        """Rows start … start + count of the register, as `_REGISTER_ROWS` gives them."""
        for a in range(start, start + count, chunk):
            yield from self._chunk(self.order[a:min(a + chunk, start + count)])

    def _chunk(self, idx: np.ndarray) -> Iterator[tuple]:
        p, v = self.p, self.values

        def col(name: str, code: str | None = None) -> list:
            return v[name][p[code or name][idx]].tolist()

        pair, sheet = p["pair"][idx], p["sheet"][idx]
        return zip(itertools.repeat(p["term_name"]), col("unit"), col("name"), col("id"), col("subject"),
                   v["pair_track_name"][pair].tolist(), v["pair_course"][pair].tolist(),
                   v["pair_required"][pair].tolist(), col("composite"),
                   np.where(p["passed"][idx] == 1, "合格", "不合格").tolist(),
                   self.numbers["hours"][p["hours"][idx]].tolist(),
                   self.numbers["credits"][p["credits"][idx]].tolist(), col("reason"),
                   v["file_names"][sheet].tolist(), v["sheet_names"][sheet].tolist(), p["row"][idx].tolist())


def write_parts(staging: Path) -> None:
    """The helper: plan the parts, say the plan, write each part, say done."""
    with open(staging / _RUN, "rb") as f:
        payload = pickle.load(f)  # written by the ingest into its private staging folder
    (staging / _RUN).unlink()
    register.SHEET_ROW_LIMIT = payload["sheet_row_limit"]  # this process plans as the ingest does
    reg = RunRegister(payload)
    sheets = register.table_sheets("证书登记表", "register", [(u, n, 0) for u, n in reg.units])
    _say(staging / _PLAN, [(s.part, s.rows) for s in sheets])
    starts = dict(zip([u for u, _ in reg.units], np.cumsum([0] + [n for _, n in reg.units[:-1]]).tolist()))
    for i, sheet in enumerate(sheets, 1):
        assert sheet.part is not None
        a = starts[sheet.part.first] + sheet.part.offset
        write_xlsx(staging / f"register-{i}.xlsx",
                   [register.table_spec("证书登记表", "register", reg.rows(a, sheet.part.count), payload["term_name"])])
    _say(staging / _DONE, None)


def _say(path: Path, message: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        pickle.dump(message, f)
    os.replace(tmp, path)


if __name__ == "__main__":
    write_parts(Path(sys.argv[1]))
