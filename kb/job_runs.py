"""The runs of the service's jobs in the store (table ``job_runs``): each source's crawls, the
backups, the newsletter sends, with when, why (``trigger``), whether they succeeded and what
they did. Every process writes here, so the figures read from it are the same whichever
process answers.

    >>> runs = JobRuns(store)
    >>> runs.record("backup", "", "schedule", started, ok=True, detail={"bytes": 1024})
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from kb.store import Store

Trigger = Literal["schedule", "staff", "command", "upgrade"]


@dataclass(frozen=True)
class JobRun:
    id: int
    job: str
    subject: str  # the source of a crawl; empty for the others
    trigger: str
    started_at: str
    finished_at: str
    ok: bool
    detail: dict[str, Any]

    @property
    def seconds(self) -> float:
        began, ended = (datetime.fromisoformat(t) for t in (self.started_at, self.finished_at))
        return (ended - began).total_seconds()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class JobRuns:
    """Recording and reading job runs, over a store connection."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._conn = store.connection

    def record(
        self,
        job: str,
        subject: str,
        trigger: Trigger,
        started_at: str,
        ok: bool,
        detail: dict[str, Any],
    ) -> JobRun:
        finished_at = now()
        encoded = json.dumps(detail, ensure_ascii=False)
        with self._store.transaction():
            cur = self._conn.execute(
                "INSERT INTO job_runs (job, subject, trigger, started_at, finished_at, ok, detail)"
                " VALUES (?,?,?,?,?,?,?)",
                (job, subject, trigger, started_at, finished_at, int(ok), encoded),
            )
        return JobRun(
            int(cur.lastrowid or 0), job, subject, trigger, started_at, finished_at, ok, detail
        )

    def latest(self, job: str, subject: str | None = None, limit: int = 30) -> list[JobRun]:
        """The latest runs of ``job`` (of one subject), newest first."""
        where, args = (
            ("job=?", [job]) if subject is None else ("job=? AND subject=?", [job, subject])
        )
        rows = self._conn.execute(
            f"SELECT * FROM job_runs WHERE {where} ORDER BY id DESC LIMIT ?", (*args, limit)
        )
        return [
            JobRun(
                int(r["id"]),
                r["job"],
                r["subject"],
                r["trigger"],
                r["started_at"],
                r["finished_at"],
                bool(r["ok"]),
                json.loads(r["detail"]),
            )
            for r in rows
        ]

    def last_success(self, job: str) -> dict[str, str]:
        """When each subject of ``job`` last succeeded (UTC, ISO), by subject."""
        rows = self._conn.execute(
            "SELECT subject, max(finished_at) FROM job_runs WHERE job=? AND ok GROUP BY subject",
            (job,),
        )
        return {r[0]: r[1] for r in rows}

    def failed_in_row(self, job: str) -> dict[str, int]:
        """Per subject of ``job``: its scheduled runs that failed since it last succeeded (a
        success started by staff or a command counts too), for subjects with any."""
        rows = self._conn.execute(
            """SELECT subject, count(*) FROM job_runs AS r
               WHERE job=? AND trigger='schedule' AND NOT ok AND id > coalesce(
                   (SELECT max(id) FROM job_runs AS s
                    WHERE s.job=r.job AND s.subject=r.subject AND s.ok), 0)
               GROUP BY subject""",
            (job,),
        )
        return {r[0]: int(r[1]) for r in rows}
