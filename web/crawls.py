"""The crawls of the service, all by `crawl` (crawl, then index what changed): ``kb crawl`` and
``kb demo`` in the foreground, the staff's "Jetzt crawlen" and each source's schedule in the
background.

Each enabled source has a job ``crawl:<name>`` on the service's scheduler (`web.scheduler`)
with the source's cron schedule in Berlin time. `sync_jobs` keeps the jobs in step with the
sources: at start, when staff change a source on the web, and every five minutes for changes
made with ``kb source …`` while the service runs.

One crawl runs at a time (``Services.crawl_lock``): a scheduled crawl waits for the running
one, because sources share the default schedule and skipping would leave all but one of them
uncrawled; a crawl started by staff is refused instead, so that staff learn it is busy.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from crawler.crawl import Crawler, Step
from crawler.login import Credentials, credentials_from_env
from crawler.report import CrawlReport
from kb.entities import EntityExtractor
from kb.store import Source, Store
from web.scheduler import TIMEZONE, keep_or_replace, trigger
from web.services import Services

log = logging.getLogger(__name__)

JOB = "web.crawls:crawl_source"
JOB_PREFIX = "crawl:"
RECONCILE_ID = "crawl-schedules"
RECONCILE_JOB = "web.crawls:reconcile"
RECONCILE_MINUTES = 5


def credentials(sources: Iterable[Source]) -> dict[str, Credentials]:
    """The login of each source that has one in the environment (``KB_SOURCE_<NAME>_…``)."""
    return {
        s.name: found
        for s in sources
        if (found := credentials_from_env(s.name, os.environ)) is not None
    }


def crawl(
    services: Services,
    store: Store,
    extractor: EntityExtractor,
    sources: list[Source],
    given: dict[str, Credentials],
    progress: Callable[[Step], None] | None = None,
) -> CrawlReport:
    """Crawl ``sources`` into ``store``, then index what changed."""
    report = Crawler(store, services.settings, extractor, given, progress=progress).run(sources)
    services.sync_index(store)
    return report


# Sources waiting for or in a background crawl: a source is queued once, however often its
# schedule comes round meanwhile.
_queued: set[str] = set()
_queued_lock = threading.Lock()


def crawl_in_background(services: Services, source: Source, wait: bool = False) -> bool:
    """Crawl one source in a thread with its own store connection (a connection is not shared
    across threads), then index. While another crawl runs, the thread waits for it when
    ``wait``, else nothing starts; False when nothing started.

    The thread is a daemon: stopping the service does not wait for a crawl."""
    extractor = services.extractor  # built here: building reads the web's own connection
    given = credentials([source])
    with _queued_lock:
        if source.name in _queued:
            return False
        if not wait and not services.crawl_lock.acquire(blocking=False):
            return False
        _queued.add(source.name)

    def work() -> None:
        if wait:
            services.crawl_lock.acquire()
        try:
            store = Store.open(services.settings.db_path)
            try:
                crawl(services, store, extractor, [source], given)
            finally:
                store.close()
        except Exception:
            log.exception("crawl of %s broke off", source.name)
        finally:
            services.crawl_lock.release()
            with _queued_lock:
                _queued.discard(source.name)

    threading.Thread(target=work, name=f"crawl-{source.name}", daemon=True).start()
    return True


@dataclass(frozen=True)
class _Running:
    services: Services
    scheduler: BackgroundScheduler


# The running service, for the jobs: a persisted job names its function by reference, and
# the service's objects are not the job's to store.
_running: _Running | None = None
# Staff requests and the reconcile job may sync at the same time.
_sync_lock = threading.Lock()


def _sources(services: Services) -> list[Source]:
    """The sources as they are now, on a connection of the calling (scheduler) thread."""
    store = Store.open(services.settings.db_path)
    try:
        return store.sources()
    finally:
        store.close()


def crawl_source(name: str) -> None:
    """The scheduled crawl of the source ``name``, as it is configured now."""
    running = _running
    if running is None:
        log.warning("scheduled crawl of %s: the service is not configured; skipped", name)
        return
    source = next((s for s in _sources(running.services) if s.name == name), None)
    if source is None or not source.enabled:
        log.info("scheduled crawl of %s skipped: the source is removed or disabled", name)
    elif not crawl_in_background(running.services, source, wait=True):
        log.info("scheduled crawl of %s skipped: it is waiting or running already", name)


def sync_jobs(scheduler: BackgroundScheduler, sources: list[Source]) -> None:
    """One job per enabled source with its schedule: new ones added, changed ones replaced,
    those of sources removed or disabled removed, unchanged ones kept with their due time."""
    wanted = {JOB_PREFIX + s.name: s for s in sources if s.enabled}
    with _sync_lock:
        for job in scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                scheduler.remove_job(job.id)
        for job_id, source in wanted.items():
            try:
                when = trigger(source.schedule)
            except ValueError as exc:
                log.warning("source %s is not scheduled: %s", source.name, exc)
                if scheduler.get_job(job_id) is not None:
                    scheduler.remove_job(job_id)
                continue
            keep_or_replace(scheduler, job_id, JOB, when, name=source.name, args=[source.name])


def reconcile() -> None:
    """Pick up sources changed with ``kb source …`` while the service runs."""
    running = _running
    if running is not None:
        sync_jobs(running.scheduler, _sources(running.services))


def install(scheduler: BackgroundScheduler, services: Services) -> None:
    """The crawl jobs of the enabled sources and the reconcile job."""
    global _running
    _running = _Running(services, scheduler)
    # The extractor is built now, in the web's thread: building reads the web's connection,
    # which the jobs' threads must not use.
    services.fresh_extractor()
    sync_jobs(scheduler, services.store.sources())
    keep_or_replace(
        scheduler,
        RECONCILE_ID,
        RECONCILE_JOB,
        IntervalTrigger(minutes=RECONCILE_MINUTES, timezone=TIMEZONE),
        name="crawl schedules",
    )


def next_runs(scheduler: BackgroundScheduler) -> dict[str, datetime]:
    """When each scheduled source is crawled next (Berlin time), by source name."""
    return {
        job.id.removeprefix(JOB_PREFIX): job.next_run_time.astimezone(ZoneInfo(TIMEZONE))
        for job in scheduler.get_jobs()
        if job.id.startswith(JOB_PREFIX) and job.next_run_time is not None
    }
