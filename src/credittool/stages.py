"""Wall time per ingest phase, the progress the command line shows (stage, done, total), and
the cycle collector paused while a command works."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Progress = Callable[[str, int, int], None]  # (stage, done, total)
_NEXT_STAGE = {"extract": "resolve", "resolve": "commit", "commit": "write", "write": "done"}


class Clock:
    """Wall time per phase; the end of a phase is the start of the next stage the CLI shows."""

    def __init__(self, on_progress: Progress | None = None) -> None:
        self.laps: dict[str, float] = {}
        self.t = time.perf_counter()
        self.on_progress = on_progress

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.laps[phase] = now - self.t
        self.t = now
        if self.on_progress is not None and phase in _NEXT_STAGE:
            self.on_progress(_NEXT_STAGE[phase], 0, 0)

    def reading(self, on_file: Callable[[str], None] | None, total: int) -> Callable[[str], None] | None:
        """The per-file callback for the workers: on_file, and a count of files read."""
        if self.on_progress is None:
            return on_file
        tell, done = self.on_progress, 0
        tell("read", 0, total)

        def file_done(name: str) -> None:
            nonlocal done
            done += 1
            if on_file is not None:
                on_file(name)
            tell("read", done, total)
        return file_done


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a command's work (check, ingest, sample, report),
    and left after as it was. Their rows are long lists and object arrays that make no
    cycles, and every full collection would walk them all again (in an ingest, while the
    files are read, on a core the workers need). Used as a decorator, the function's locals
    are gone before it is switched back on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
