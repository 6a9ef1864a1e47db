"""User-facing errors with stable numbers, so messages can be looked up and tested.

Every error a researcher can act on is an `LhlError`: one line saying what went
wrong and what to do next. The CLI prints it and exits with `exit_code`.
"""

from __future__ import annotations


class LhlError(Exception):
    """An error the user can act on; `code` is stable across releases."""

    code = "E000"
    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class UsageError(LhlError):
    """Bad arguments: unknown county, kommune, format, … (exit code 2, like click)."""

    code = "E002"
    exit_code = 2


class DatabaseMissing(LhlError):
    code = "E010"


class DatabaseUnreadable(LhlError):
    code = "E011"


class DatabaseLocked(LhlError):
    code = "E012"


class DatabaseCorrupt(LhlError):
    code = "E013"


class DatabaseTooNew(LhlError):
    code = "E014"


class DatabaseReadOnly(LhlError):
    code = "E015"
