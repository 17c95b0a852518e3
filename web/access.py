"""Who may see what, decided in one place for every surface.

Until accounts exist every visitor is anonymous: members-only documents are invisible.
"""

from __future__ import annotations

from fastapi import Request


def sees_members_only(request: Request) -> bool:
    """Whether the asker may see documents of members-only collections."""
    return False
