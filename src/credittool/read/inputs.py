"""The input files a command reads: files named one by one are taken as they are; a folder
is walked, and every file in it that is not read is listed once, with why (no silent skips).

A folder's spreadsheets are every format the reader reads (`formats.SUFFIXES`: WPS .et
and .xlsm included, as when named one by one) and the spreadsheet formats it names when it
refuses them (`formats.NAMED_FORMATS`, such as .fods), so that the clerk hears about those
too."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from credittool.diagnostics import Problem, Severity
from credittool.errors import UsageError
from credittool.read.formats import NAMED_FORMATS, SUFFIXES

_TAKEN = frozenset(SUFFIXES) | frozenset(NAMED_FORMATS)


@dataclass
class InputScan:
    files: list[Path] = field(default_factory=list)
    not_read: list[Problem] = field(default_factory=list)  # one per file (or folder) not read, with why


def scan_inputs(paths: list[Path], exclude: Path | None = None) -> InputScan:
    """Input files under `paths`, sorted within each folder; Office lock files (~$x.xlsx),
    hidden files, other files, backup folders (`BACKUP_DIRS`) and our own outputs
    (`exclude`) are listed in `not_read`."""
    scan = InputScan()
    skip_dir = exclude.resolve() if exclude is not None and exclude.is_dir() else None
    for p in paths:
        if not p.exists():
            raise UsageError(f"找不到输入：{p}", "检查路径拼写")
        if not p.is_dir():
            scan.files.append(p)  # named explicitly: taken as is (even our own sample.xlsx)
            continue
        found: list[Path] = []
        for folder, dirs, names in os.walk(p):
            here = Path(folder)
            for d in sorted(dirs):
                why = _dir_not_read(here / d, skip_dir)
                if why is not None:
                    dirs.remove(d)
                    scan.not_read.append(_note(p, here / d, *why))
            for name in names:
                f = here / name
                why = _file_not_read(f)
                if why is None:
                    found.append(f)
                else:
                    scan.not_read.append(_note(p, f, *why))
        scan.files.extend(sorted(found))
    first: dict[Path, Path] = {}  # a file named twice, or also inside a folder named: read once
    for f in scan.files:
        first.setdefault(f.resolve(), f)
    scan.files = list(first.values())
    scan.not_read.sort(key=lambda n: n.file)
    return scan


def _dir_not_read(d: Path, skip_dir: Path | None) -> tuple[str, str, str] | None:
    if d.name.startswith("."):
        return "N-FILE-HIDDEN", "隐藏文件夹，其中的文件未读取", "要导入其中的表格，把它们移到普通文件夹"
    if skip_dir is not None and d.resolve() == skip_dir:
        return "N-FILE-OUTPUT", "本工具的输出文件夹，未读取", ""
    if d.name.lower() in BACKUP_DIRS:
        return ("N-FILE-BACKUP", "备份文件夹，其中的文件未读取：旧版本与新版本一起导入会互相冲突",
                f"确要导入其中的表格，在命令中直接写出该文件或文件夹（如 {d}）")
    return None


# a folder of old copies inside an input folder: read with the new ones, each row would clash
BACKUP_DIRS = frozenset({"备份", "旧版", "旧版本", "历史版本", "backup", "backups", "bak", "old"})


def _file_not_read(f: Path) -> tuple[str, str, str] | None:
    name = f.name
    if name.startswith(("~$", ".~lock.")):
        return "N-FILE-LOCK", "Office 临时文件（打开表格时自动生成，不是数据）", ""
    if name.startswith("."):
        return "N-FILE-HIDDEN", "隐藏文件", ""
    if not f.is_file():
        return "N-FILE-OTHER", "不是普通文件", ""
    if f.suffix.lower() not in _TAKEN:
        return "N-FILE-FORMAT", "不是表格文件", "要导入的表格请存为 " + " ".join(SUFFIXES)
    return None


def _note(root: Path, f: Path, code: str, message: str, hint: str) -> Problem:
    shown = f"{root.name}/{f.relative_to(root).as_posix()}"
    return Problem(shown, "", None, "", "", code, message, hint, Severity.NOTE)  # nothing refused
