"""Errors that are the user's to fix. The CLI prints them as one clear message, no traceback."""

from __future__ import annotations

import errno


class CredittoolError(Exception):
    exit_code = 1

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


class UsageError(CredittoolError):
    exit_code = 2


class NothingToDo(CredittoolError):
    exit_code = 1


class RulesInvalid(CredittoolError):
    exit_code = 2

    def __init__(self, problems: list):
        super().__init__(f"规则文件有 {len(problems)} 处错误", "改正后用 credittool check --rules … 再检查")
        self.problems = problems


class CannotWrite(CredittoolError):
    """An output's folder or file that the system refuses: the path, and why, in Chinese."""

    exit_code = 1

    def __init__(self, path: object, exc: OSError, verb: str = "写入"):
        super().__init__(f"无法{verb} {path}：{os_reason(exc)}",
                         "检查这个路径：它应是可以写入的文件夹（用 --out 或 --workspace 换一个），磁盘也不能已满")


_REASONS = {errno.ENOENT: "路径不存在", errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限",
            errno.EEXIST: "已有同名的文件", errno.ENOTDIR: "路径中有一段是文件，不是文件夹",
            errno.EISDIR: "这是文件夹，不是文件", errno.ENOSPC: "磁盘已满", errno.EROFS: "磁盘是只读的",
            errno.EBUSY: "正被其他程序占用", errno.ENAMETOOLONG: "文件名太长", errno.EIO: "读写磁盘出错"}


def os_reason(exc: OSError) -> str:
    """Why the system refused, in Chinese (never its English strerror)."""
    return _REASONS.get(exc.errno, f"系统错误 {exc.errno}" if exc.errno else "系统错误")
