"""The state of a crawl run in the store, so that a killed crawl resumes where it stopped.

Per run and source the frontier holds every URL the crawl has queued, in order, and whether it
is done. The crawler marks a URL done in the same transaction that stores its document and
queues the links found on it, so after a kill at any point the store holds either both or
neither: finished pages are never fetched again, and nothing found is lost.

A run is resumable while it is unfinished and no live process runs it: its process was killed
(the process id no longer exists) or it broke off and said so (no process id).

Pages that cannot be read are remembered across runs (`page_failed`): one whose answer failed
the same way on `GIVE_UP_AFTER` crawls is given up for `RETRY_AFTER` (`given_up`) instead of
being fetched and failing again on every crawl. Each frontier entry counts the attempts to read
its answer (`attempt`): a page that was being read when the process died `STOPPED_AFTER` times
is not taken up again in that run.

    >>> state = CrawlState(store)
    >>> run_id, report = state.resume() or (state.start(), {})
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kb.dates import PartialDate, parse_optional
from kb.store import Store, alive

GIVE_UP_AFTER = 3  # crawls failing the same way: one bad deploy of a site is not given up
RETRY_AFTER = timedelta(days=30)  # a given-up page is tried again then, in case it was fixed
STOPPED_AFTER = 2  # deaths of the crawl's process while reading one page


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Task:
    """A URL to visit: ``expand`` follows its links (start pages and what they lead to);
    ``date`` is what a feed or sitemap said of the page, used where the page is silent."""

    url: str
    expand: bool
    date: PartialDate | None = None
    attempts: int = 0  # times this run began to read its answer

    def hint(self) -> str | None:
        return json.dumps({"date": self.date.isoformat()}) if self.date else None


def _task(url: str, expand: int, hint: str | None, attempts: int = 0) -> Task:
    value = json.loads(hint).get("date") if hint else None
    return Task(url, bool(expand), parse_optional(value), attempts)


@dataclass(frozen=True)
class GivenUp:
    """A page not fetched for now: it failed for ``reason`` on ``runs`` crawls."""

    reason: str
    runs: int
    retry_from: str  # ISO date


class CrawlState:
    """Runs, their frontiers and finished sources, over the store's connection."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._conn = store.connection

    def start(self) -> int:
        return self._store.start_run(pid=os.getpid())

    def resumable(self) -> bool:
        """Whether an unfinished run waits for the next crawl to resume it."""
        return bool(self._orphans())

    def resume(self) -> tuple[int, dict[str, Any]] | None:
        """The latest unfinished run no live process runs, claimed for this process, with its
        report so far; None when there is none. Older such runs are closed as they stand: the
        resumed one covers what they left."""
        dead = self._orphans()
        if not dead:
            return None
        for older in dead[1:]:
            self.finish(int(older["id"]), json.loads(older["report"] or "{}"))
        latest = dead[0]
        report = json.loads(latest["report"]) if latest["report"] else {}
        self._store.save_run(int(latest["id"]), report, os.getpid())
        return int(latest["id"]), report

    def _orphans(self) -> list[sqlite3.Row]:
        """Unfinished runs no live process runs, the latest first."""
        rows = self._conn.execute(
            "SELECT id, pid, report FROM crawl_runs WHERE finished_at IS NULL ORDER BY id DESC"
        ).fetchall()
        return [r for r in rows if r["pid"] is None or not alive(int(r["pid"]))]

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
            "SELECT url, expand, hint, attempts FROM crawl_frontier"
            " WHERE run_id=? AND source=? AND NOT done ORDER BY rowid",
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

    def attempt(self, run_id: int, source: str, url: str) -> None:
        """Count an attempt to read the answer of ``url``, committed before it begins."""
        with self._store.transaction():
            self._conn.execute(
                "UPDATE crawl_frontier SET attempts=attempts+1"
                " WHERE run_id=? AND source=? AND url=?",
                (run_id, source, url),
            )

    def page_failed(self, url: str, reason: str, run_id: int) -> None:
        """The answer of ``url`` could not be read in run ``run_id``: one more crawl that failed
        so when the reason is the one of an earlier crawl, else the count starts again."""
        row = self._conn.execute(
            "SELECT reason, runs, last_run FROM page_failures WHERE url=?", (url,)
        ).fetchone()
        runs = 1
        if row is not None and row["reason"] == reason:
            runs = row["runs"] + (row["last_run"] != run_id)
        with self._store.transaction():
            self._conn.execute(
                "INSERT INTO page_failures (url, reason, runs, last_run, at) VALUES (?,?,?,?,?)"
                " ON CONFLICT (url) DO UPDATE SET reason=excluded.reason, runs=excluded.runs,"
                " last_run=excluded.last_run, at=excluded.at",
                (url, reason, runs, run_id, _iso(datetime.now(UTC))),
            )

    def page_read(self, url: str) -> None:
        """The answer of ``url`` was read: its failures are forgotten."""
        self._conn.execute("DELETE FROM page_failures WHERE url=?", (url,))

    def given_up(self, url: str) -> GivenUp | None:
        """Why ``url`` is not to be fetched now, or None."""
        row = self._conn.execute(
            "SELECT reason, runs, at FROM page_failures WHERE url=?", (url,)
        ).fetchone()
        if row is None or row["runs"] < GIVE_UP_AFTER:
            return None
        retry = datetime.fromisoformat(row["at"]) + RETRY_AFTER
        if retry <= datetime.now(UTC):
            return None
        return GivenUp(row["reason"], row["runs"], retry.date().isoformat())

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
