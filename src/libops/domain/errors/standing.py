"""Errors of the account's standing: peer rankings, honours and typical cases."""

from __future__ import annotations

from libops.domain.errors.core import (
    InvalidTransitionError,
    InvalidValueError,
    RuleViolationError,
    UnknownIdError,
)


class RankingTableError(InvalidValueError):
    """A peer ranking table is malformed: no rows, a row without a name, a rank below 1, a
    value that is not a finite number, a library listed twice, or this library not in it."""


class RankingFileError(RankingTableError):
    """A ranking table's file (CSV) cannot be read: ``line`` and ``column`` (1-based; None
    when the whole file or line is at fault) say where."""

    def __init__(self, line: int | None, column: str | None, message: str) -> None:
        where = ", ".join(
            part
            for part in (
                None if line is None else f"line {line}",
                None if column is None else f"column {column}",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.line = line
        self.column = column
        self.reason = message


class UnknownHonourError(UnknownIdError):
    """No honour with that id is recorded."""


class HonourWithdrawnError(InvalidTransitionError):
    """An honour already withdrawn cannot be withdrawn again."""


class DuplicateHonourError(RuleViolationError):
    """The same honour (title, awarding body, day) is recorded already and not withdrawn."""


class TypicalCaseError(RuleViolationError):
    """A typical case cannot be marked or unmarked: the post is not published, or the post
    or campaign is marked already, or is not marked."""
