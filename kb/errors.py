"""Errors of the core package.

KBError
 ├── StoreError            the SQLite store cannot be opened, migrated or written
 │    └── MigrationError   the database was written by a newer schema than this code knows
 ├── ImportLineError       one line of a JSONL import is unusable (carries the line number)
 ├── DateError             a value is no date in a known form (also a ValueError)
 ├── EntityError           a curation names no entity, or more than one
 └── AccountError          an account cannot be added or changed as asked
"""

from __future__ import annotations


class KBError(Exception):
    """Base of every error raised by `kb`."""


class StoreError(KBError):
    """The document store cannot do what was asked."""


class MigrationError(StoreError):
    """The database schema is newer than this code, or a migration failed."""


class ImportLineError(KBError):
    """A JSONL import line was rejected; the other lines are still imported."""

    def __init__(self, line_no: int, reason: str) -> None:
        super().__init__(f"line {line_no}: {reason}")
        self.line_no = line_no
        self.reason = reason


class DateError(KBError, ValueError):
    """A value is no date in any form `kb.dates` reads; a ValueError too, so that validators
    report it as a bad value."""


class EntityError(KBError):
    """A curation command cannot tell which entity it means."""


class AccountError(KBError):
    """An account operation is refused: a bad address, role or password, or a duplicate."""
