"""Atomic file output: a temp file in the same folder, fsync, then os.replace.

A temp file's name carries its writer: `.register.xlsx.<pid>-<start>.<random>.tmp`, with
the writer's process id and start time (the start tells a reused pid apart). A temp file
whose writer is no longer alive was left by a killed run and is removed at once.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from credittool.owners import left_behind, owner_tag


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')  # path separators, what Windows refuses, control characters


def file_part(text: str, limit: int = 60) -> str:
    """A text from the data (a teacher's name, a unit) made safe as part of a file name: a
    name like 王/../x never makes a path, nor one that Windows refuses."""
    return _UNSAFE.sub("_", text).strip(" .")[:limit] or "_"


def as_of_part(when: str | None) -> str:
    """The end of a file name read as of an earlier term or year (学分卡_张三_1234_截至2017-18-s1,
    report_截至2016-17): its own file, beside the latest rather than over it."""
    return "" if when is None else f"_截至{when}"


STALE_SECONDS = 3600  # a temp file without its writer in its name (an older version's) is this old: left by a kill


def _clear_stale(target: Path) -> None:
    """Remove temp files of earlier runs that were killed before their os.replace. A
    running writer's temp file is left alone."""
    for old in target.parent.glob(f".{target.name}.*.tmp"):
        try:
            if left_behind(old, STALE_SECONDS):
                old.unlink()
        except OSError:
            pass


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temp path beside `target`; on success it replaces `target` in one step,
    so a reader (or a crash) sees the old file or the new one, never half of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _clear_stale(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{owner_tag()}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; an output is an ordinary file
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, target)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_atomic(target: Path, writer: Callable[[Path], None]) -> None:
    with atomic_path(target) as tmp:
        writer(tmp)
