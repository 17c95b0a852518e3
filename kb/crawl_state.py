"""The state of a crawl run in the store, so that a killed crawl resumes where it stopped.

Per run and source the frontier holds every URL the crawl has queued, in order, and whether it
is done. The crawler marks a URL done in the same transaction that stores its document and
queues the links found on it, so after a kill at any point the store holds either both or
neither: finished pages are never fetched again, and nothing found is lost.

A run is resumable while it is unfinished and no live process runs it: its process was killed
(the process id no longer exists) or it broke off and said so (no process id).

    >>> state = CrawlState(store)
    >>> run_id, report = state.resume() or (state.start(), {})
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kb.dates import PartialDate, parse_optional
from kb.store import Store, alive


@dataclass(frozen=True)
class Task:
    """A URL to visit: ``expand`` follows its links (start pages and what they lead to);
    ``date`` is what a feed or sitemap said of the page, used where the page is silent."""

    url: str
    expand: bool
    date: PartialDate | None = None

    def hint(self) -> str | None:
        return json.dumps({"date": self.date.isoformat()}) if self.date else None


def _task(url: str, expand: int, hint: str | None) -> Task:
    value = json.loads(hint).get("date") if hint else None
    return Task(url, bool(expand), parse_optional(value))


class CrawlState:
    """Runs, their frontiers and finished sources, over the store's connection."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._conn = store.connection

    def start(self) -> int:
        return self._store.start_run(pid=os.getpid())

    def resume(self) -> tuple[int, dict[str, Any]] | None:
        """The latest unfinished run no live process runs, claimed for this process, with its
        report so far; None when there is none. Older such runs are closed as they stand: the
        resumed one covers what they left."""
        rows = self._conn.execute(
            "SELECT id, pid, report FROM crawl_runs WHERE finished_at IS NULL ORDER BY id DESC"
        ).fetchall()
        dead = [r for r in rows if r["pid"] is None or not alive(int(r["pid"]))]
        if not dead:
            return None
        for older in dead[1:]:
            self.finish(int(older["id"]), json.loads(older["report"] or "{}"))
        latest = dead[0]
        report = json.loads(latest["report"]) if latest["report"] else {}
        self._store.save_run(int(latest["id"]), report, os.getpid())
        return int(latest["id"]), report

    def source_finished(self, run_id: int, source: str) -> bool:
        row = self._conn.execute(
            "SELECT finished FROM crawl_run_sources WHERE run_id=? AND source=?", (run_id, source)
        ).fetchone()
        return bool(row and row[0])

    def revisited(self, run_id: int, source: str) -> bool:
        row = self._conn.execute(
            "SELECT revisited FROM crawl_run_sources WHERE run_id=? AND source=?",
            (run_id, source),
        ).fetchone()
        return bool(row and row[0])

    def queued(self, run_id: int, source: str) -> list[Task]:
        """Tasks not done yet, in the order they were queued."""
        rows = self._conn.execute(
            "SELECT url, expand, hint FROM crawl_frontier WHERE run_id=? AND source=? AND NOT done"
            " ORDER BY rowid",
            (run_id, source),
        )
        return [_task(*r) for r in rows]

    def known(self, run_id: int, source: str) -> tuple[set[str], int]:
        """Every URL queued so far for the source in this run, and how many are done."""
        rows = self._conn.execute(
            "SELECT url, done FROM crawl_frontier WHERE run_id=? AND source=?", (run_id, source)
        ).fetchall()
        return {r[0] for r in rows}, sum(r[1] for r in rows)

    def enqueue(
        self, run_id: int, source: str, tasks: Iterable[Task], revisit: bool = False
    ) -> None:
        """Queue tasks (URLs already in the frontier stay as they are); ``revisit`` records that
        the stored, no longer linked pages of the source have been queued."""
        with self._store.transaction():
            self._insert(run_id, source, tasks)
            if revisit:
                self._conn.execute(
                    "INSERT INTO crawl_run_sources (run_id, source, revisited) VALUES (?,?,1)"
                    " ON CONFLICT DO UPDATE SET revisited=1",
                    (run_id, source),
                )

    def done(
        self, run_id: int, source: str, url: str, found: Iterable[Task], report: dict[str, Any]
    ) -> None:
        """Mark ``url`` done, queue what was found on it and keep the report so far; call it
        inside the transaction that stores the page."""
        with self._store.transaction():
            self._conn.execute(
                "UPDATE crawl_frontier SET done=1 WHERE run_id=? AND source=? AND url=?",
                (run_id, source, url),
            )
            self._insert(run_id, source, found)
            self._conn.execute(
                "UPDATE crawl_runs SET report=? WHERE id=?",
                (json.dumps(report, ensure_ascii=False), run_id),
            )

    def finish_source(self, run_id: int, source: str, report: dict[str, Any]) -> None:
        """The source is done in this run: its frontier goes, the report stays."""
        with self._store.transaction():
            self._conn.execute(
                "INSERT INTO crawl_run_sources (run_id, source, finished) VALUES (?,?,1)"
                " ON CONFLICT DO UPDATE SET finished=1",
                (run_id, source),
            )
            self._conn.execute(
                "DELETE FROM crawl_frontier WHERE run_id=? AND source=?", (run_id, source)
            )
            self._conn.execute(
                "UPDATE crawl_runs SET report=? WHERE id=?",
                (json.dumps(report, ensure_ascii=False), run_id),
            )

    def finish(self, run_id: int, report: dict[str, Any]) -> None:
        with self._store.transaction():
            self._store.finish_run(run_id, report)
            self._conn.execute("DELETE FROM crawl_frontier WHERE run_id=?", (run_id,))
            self._conn.execute("DELETE FROM crawl_run_sources WHERE run_id=?", (run_id,))

    def break_off(self, run_id: int, report: dict[str, Any]) -> None:
        """The run stopped early (an error, Ctrl-C): unfinished, resumable by the next crawl."""
        self._store.save_run(run_id, report, None)

    def _insert(self, run_id: int, source: str, tasks: Iterable[Task]) -> None:
        self._conn.executemany(
            "INSERT OR IGNORE INTO crawl_frontier (run_id, source, url, expand, hint)"
            " VALUES (?,?,?,?,?)",
            [(run_id, source, t.url, int(t.expand), t.hint()) for t in tasks],
        )
