"""Errors of the operations layer: what a shell turns into a message, a 4xx page or an exit
status. Errors of the layers below are translated at this boundary.

    OpsError
     ├── NotFoundError    no such source, entity, account, issue …
     ├── InvalidError     the input breaks a rule; ``problems`` lists each one
     ├── BusyError        another run of the same work is under way
     └── LimitError       too many requests of one kind lately: refused for a while
"""

from __future__ import annotations


class OpsError(Exception):
    """Base of the operations' errors."""


class NotFoundError(OpsError):
    def __init__(self, what: str, name: object) -> None:
        super().__init__(f"no {what} {name!r}")
        self.what = what
        self.name = name


class InvalidError(OpsError):
    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class BusyError(OpsError):
    """Refused rather than queued: the asker learns that the work is running already."""


class LimitError(OpsError):
    """A rate limit refuses the request; ``retry_after`` says in how many seconds to ask again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many requests: try again in {retry_after} seconds")
        self.retry_after = retry_after
