"""Processes and what they leave: a child process dies with its parent, and a temporary
file or folder names its writer (`<pid>-<start>` in its name), so that one whose writer is
gone is known at once for what a killed run left behind."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

_OWNER = re.compile(r"[.-](\d+)-(\d+)\.[^.]*\.tmp$")  # ...<pid>-<start>.<random>.tmp


def _start_time(pid: int) -> int | None:
    """When process `pid` started (clock ticks since boot, Linux); None if there is no such
    process, 0 where /proc is not there to say."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except FileNotFoundError:
        return None
    except OSError:
        return 0
    fields = stat[stat.rindex(b")") + 2:].split()  # after "pid (comm) "; comm may hold spaces
    return None if fields[0] in (b"Z", b"X") else int(fields[19])  # a zombie writes nothing


def owner_tag() -> str:
    """`<pid>-<start>` of this process, for the names of its temporary files."""
    pid = os.getpid()
    return f"{pid}-{_start_time(pid) or 0}"


def owner_alive(name: str) -> bool | None:
    """Whether the writer named in a temp file's name still runs; None if the name has none."""
    m = _OWNER.search(name)
    if m is None:
        return None
    pid, start = int(m.group(1)), int(m.group(2))
    now = _start_time(pid)
    if now is None:
        return False
    if now == 0 or start == 0:  # no /proc: a live pid is taken for the writer
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True
    return now == start


def left_behind(path: Path, max_age: float) -> bool:
    """A temp file or folder of a run that is gone: its writer is dead, or (no writer in
    its name) it is older than `max_age`."""
    alive = owner_alive(path.name)
    if alive is not None:
        return not alive
    return time.time() - path.stat().st_mtime > max_age


def die_with_parent(parent: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux); if the parent
    is already gone, go now."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # elsewhere a worker still ends when its pipe to the parent closes
    if os.getppid() != parent:
        os._exit(0)
