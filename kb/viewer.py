"""Who asks, and what that lets them see and do: one object instead of flags.

Roles rise in rank: a member (staff of a member city) also sees members-only documents, an
editor also curates, an admin also manages accounts. Every layer that filters by visibility
(search, entity pages, views, the newsletter) takes a `Viewer` and asks it.

    >>> Viewer("member").sees_members_only
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["member", "editor", "admin"]
ROLES: tuple[Role, ...] = ("member", "editor", "admin")
RANK = {"anonymous": 0, "member": 1, "editor": 2, "admin": 3}


@dataclass(frozen=True)
class Viewer:
    """The asker: an account's role and address, the command line's local user, or an
    anonymous visitor (nobody named)."""

    role: str = "anonymous"
    who: str | None = None

    def at_least(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]

    @property
    def sees_members_only(self) -> bool:
        """Whether documents of the members-only collections are visible."""
        return self.at_least("member")

    @property
    def actor(self) -> str:
        """How the audit log names the asker."""
        return self.who or "anonymous"


ANONYMOUS = Viewer()
# Any member: what the service reads on behalf of all readers (the newsletter's saved searches
# run once for everyone; each reader's edition then drops what that reader may not see).
MEMBER = Viewer("member")
