"""An ingest's progress on stderr: the stage, its count and the time left (cli.py's ingest)."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task
from rich.text import Text

from credittool.console import err_console

STAGE_LABELS = {"read": "读取", "resolve": "计算", "commit": "写入台账", "write": "写出"}
PLAIN_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal


def _clock_text(seconds: float) -> str:
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def stage_text(stage: str, done: int, total: int, elapsed: float) -> str:
    """「读取 312/700 个文件（预计还需 0:12）」, or 「写入台账…（已用 0:03）」 for a stage without a count."""
    label = STAGE_LABELS.get(stage, stage)
    if stage != "read" or not total:
        return f"{label}…（已用 {_clock_text(elapsed)}）"
    text = f"{label} {done:,}/{total:,} 个文件"
    if 0 < done < total:  # the rate so far; a file of each school is much like another
        text += f"（预计还需 {_clock_text(elapsed / done * (total - done))}）"
    return text


class _StageColumn(ProgressColumn):
    """The stage with its count and ETA (stage_text): one wording on a terminal and in a log."""

    def render(self, task: Task) -> Text:
        f = task.fields
        return Text(stage_text(f.get("stage", "read"), f.get("done", 0), f.get("count", 0), task.elapsed or 0.0))


class IngestProgress:
    """Progress of an ingest on stderr: a rich bar on a terminal (the count while files are read,
    then a moving bar for each later stage, so it never looks frozen); otherwise a plain line at
    most every PLAIN_EVERY seconds. Called as on_progress(stage, done, total)."""

    def __init__(self, out: Console | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out or err_console
        self.clock = clock
        self.started = self.last = clock()  # of the current stage; the ETA is that stage's rate
        self.stage = "read"
        self.progress: Progress | None = None

    def __enter__(self) -> IngestProgress:
        if self.out.is_terminal:
            self.progress = Progress(BarColumn(), _StageColumn(), console=self.out, transient=True)
            self.task = self.progress.add_task("", total=None, stage="read", done=0, count=0)
            self.progress.start()
        return self

    def _bar(self, stage: str, done: int, total: int, new_stage: bool) -> None:
        assert self.progress is not None
        if new_stage:  # a task per stage: its elapsed time is the stage's
            self.progress.update(self.task, visible=False)
            # without a total, rich moves the bar back and forth: never frozen in a long stage
            self.task = self.progress.add_task("", total=total or None, stage=stage, done=done, count=total)
        self.progress.update(self.task, total=total or None, completed=done, done=done, count=total)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "done":
            return
        now, new_stage = self.clock(), stage != self.stage
        if new_stage:
            self.stage, self.started = stage, now
        if self.progress is not None:
            self._bar(stage, done, total, new_stage)
            return
        if now - self.last >= PLAIN_EVERY:
            self.last = now
            self.out.print(stage_text(stage, done, total, now - self.started), highlight=False, markup=False)
