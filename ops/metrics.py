"""The service's figures for Prometheus (``GET /metrics``, text format of prometheus-client).

Two kinds, each kept where it is right with several worker processes (``kb serve --workers
N``), whichever worker is asked:

- Events (requests, searches, crawled pages, newsletter mails, runs of scheduled jobs) are
  counted by the process in which they happen. With several workers, ``kb serve`` gives them a
  directory of their own for this start (``PROMETHEUS_MULTIPROC_DIR``, see `web.workers`):
  prometheus-client's multiprocess mode keeps each process's counts in a memory-mapped file
  there, and the worker that answers adds up all files, so a crawl in the process that runs
  the scheduler is counted whoever is asked. Counters start at zero when the service starts,
  as Prometheus expects of counters. Commands run beside the service (``kb crawl``, ``kb
  newsletter send``) count in their own process, which nobody asks: their effect shows in the
  state below.
- State (documents, the index's size and age, each source's last successful crawl, the age of
  the last backup) is read from the store and the index when /metrics is asked: the same in
  every process, right after a restart too, and whatever process changed it.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from index.indexer import BUILD_FILE, SYNC_FILE
from kb.job_runs import JobRuns

if TYPE_CHECKING:
    from ops.services import Services

log = logging.getLogger(__name__)

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# The events of this process; with several workers, of all of them (see the module's text).
EVENTS = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "kb_http_requests",
    "HTTP requests answered, by route (as declared, e.g. /api/documents/{doc_id}), method and"
    " status.",
    ["route", "method", "status"],
    registry=EVENTS,
)
REQUEST_SECONDS = Histogram(
    "kb_http_request_duration_seconds",
    "Seconds to answer an HTTP request, by route and method.",
    ["route", "method"],
    buckets=SECONDS,
    registry=EVENTS,
)
SEARCHES = Counter("kb_searches", "Searches (web page, API, command line).", registry=EVENTS)
SEARCH_SECONDS = Histogram(
    "kb_search_duration_seconds",
    "Seconds a search takes, facets and snippets included.",
    buckets=SECONDS,
    registry=EVENTS,
)
CRAWL_PAGES = Counter(
    "kb_crawl_pages",
    "Pages the crawler asked for, by source and outcome: new, changed, unchanged, listed (a"
    " feed or sitemap whose pages were queued), skipped, failed.",
    ["source", "outcome"],
    registry=EVENTS,
)
MAIL_OUTCOMES = ("sent", "failed", "deferred")
MAILS = Counter(
    "kb_newsletter_mails",
    "Newsletter mails by outcome: sent, failed (refused for good: the reader is bounced),"
    " deferred (refused for now: the next run tries again).",
    ["outcome"],
    registry=EVENTS,
)
JOBS = ("crawl", "newsletter", "backup")
JOB_RUNS = Counter(
    "kb_scheduler_job_runs",
    "Runs of the scheduled jobs, by job: crawl (one source), newsletter, backup.",
    ["job"],
    registry=EVENTS,
)
JOB_FAILURES = Counter(
    "kb_scheduler_job_failures",
    "Runs of the scheduled jobs that failed, by job; a crawl fails when no page of its source"
    " answered.",
    ["job"],
    registry=EVENTS,
)
# Series that exist from the start: a rate over a counter that appears only with its first
# event misses that event.
for _outcome in MAIL_OUTCOMES:
    MAILS.labels(_outcome)
for _job in JOBS:
    JOB_RUNS.labels(_job)
    JOB_FAILURES.labels(_job)


def job_run(job: str, ok: bool) -> None:
    """Count a run of a scheduled job."""
    JOB_RUNS.labels(job).inc()
    if not ok:
        JOB_FAILURES.labels(job).inc()


def _gauge(name: str, text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, text, value=value)


def _changed(path: Path) -> float | None:
    """When the file was last written; None when it does not exist."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return None


def _timestamp(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


class StateCollector(Collector):
    """The figures read from the store and the index directory when /metrics is asked."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def collect(self) -> Iterator[Metric]:
        services = self._services
        store = services.store
        now = time.time()
        yield _gauge(
            "kb_documents",
            "Documents in the store, gone ones included (they keep their history).",
            store.count_documents(),
        )
        yield _gauge("kb_store_schema", "Schema version of the store.", store.schema_version)
        yield from self._index(now)
        runs = JobRuns(store)
        last = runs.last_success("crawl")
        failing = runs.failed_in_row("crawl")
        success = GaugeMetricFamily(
            "kb_crawl_last_success_timestamp_seconds",
            "When the last successful crawl of each enabled source ended (Unix time); 0: never.",
            labels=["source"],
        )
        in_row = GaugeMetricFamily(
            "kb_crawl_failed_runs_in_row",
            "Scheduled crawls of each enabled source that failed since its last successful"
            " crawl; staff are alerted at 3.",
            labels=["source"],
        )
        for source in store.sources():
            if source.enabled:
                ended = last.get(source.name)
                success.add_metric([source.name], _timestamp(ended) if ended else 0.0)
                in_row.add_metric([source.name], failing.get(source.name, 0))
        yield success
        yield in_row
        backed_up = runs.last_success("backup").get("")
        yield _gauge(
            "kb_backup_age_seconds",
            "Seconds since the last successful backup (daily or kb backup); +Inf: none yet.",
            now - _timestamp(backed_up) if backed_up else math.inf,
        )

    def _index(self, now: float) -> Iterator[Metric]:
        services = self._services
        index = services.index
        directory = index.directory
        try:
            documents = index.open().doc_count()
            size = sum(p.stat().st_size for p in directory.iterdir() if p.is_file())
            built = _changed(directory / BUILD_FILE) or directory.stat().st_mtime
            synced = index.synced_seq
            synced_at = _changed(directory / SYNC_FILE) or built
        except Exception as exc:  # e.g. in the moment a rebuild swaps the directory
            log.warning("index figures unavailable: %s", exc)
            return
        yield _gauge("kb_index_documents", "Documents in the search index.", documents)
        yield _gauge("kb_index_size_bytes", "Size of the search index's files.", size)
        yield _gauge(
            "kb_index_build_age_seconds",
            "Seconds since the index was built from scratch (first sync or kb reindex).",
            now - built,
        )
        yield _gauge(
            "kb_index_sync_age_seconds",
            "Seconds since the index last took in changes of the store.",
            now - synced_at,
        )
        yield _gauge(
            "kb_index_lag_changes",
            "Changes in the store the index has not taken in yet.",
            max(0, services.store.seq - synced),
        )


def exposition(services: Services) -> bytes:
    """The text format of every figure: the events (of all worker processes) and the state."""
    state = CollectorRegistry(auto_describe=False)
    state.register(StateCollector(services))
    if MULTIPROCESS_DIR in os.environ:
        events = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(events)  # type: ignore[no-untyped-call]
    else:
        events = EVENTS
    return generate_latest(events) + generate_latest(state)
