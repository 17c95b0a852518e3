"""The audit log: every staff action with who, what and when, written in the action's wake.

>>> AuditLog(store).record("redaktion@defus.test", "source.add", "essen-news", {"url": …})
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kb.store import Store


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


class AuditLog:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._conn = store.connection

    def record(
        self, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None
    ) -> None:
        with self._store.transaction():
            self._conn.execute(
                "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?,?,?,?,?)",
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    actor,
                    action,
                    target,
                    json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
                ),
            )

    def entries(self, limit: int = 200) -> list[AuditEntry]:
        """The latest entries, newest first."""
        rows = self._conn.execute("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
        return [
            AuditEntry(
                r["id"], r["at"], r["actor"], r["action"], r["target"], json.loads(r["detail"])
            )
            for r in rows
        ]
