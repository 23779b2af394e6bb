"""Errors that end a run with exit status 2: each carries the place and one line of explanation."""

from __future__ import annotations


class LayergateError(Exception):
    """Bad input, a bad policy or a usage error. ``str()`` is the one line the user sees."""

    def __init__(self, message: str, file: str | None = None, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = self.file or ""
        if where and self.line:
            where += f":{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.message}" if where else self.message


class InputError(LayergateError):
    """An input file that cannot be read or parsed."""


class PolicyError(LayergateError):
    """A policy file that cannot be read or does not validate."""


class OnlineError(LayergateError):
    """An AWS call failed in a way the user can fix (credentials, region, endpoint, throttling)."""


class ErrorList(LayergateError):
    """Several problems found together (every problem of a policy file is named at once)."""

    def __init__(self, errors: list[LayergateError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    def lines(self) -> list[str]:
        return [str(e) for e in self.errors]
