"""Errors that are the user's to fix. The CLI prints them as one clear message, no traceback."""

from __future__ import annotations


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
