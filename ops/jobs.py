"""The service's background work: crawls started by staff, each source's scheduled crawl, the
weekly newsletter and the daily backup (`ops.backup`), on the one scheduler of `ops.scheduler`.

Each enabled source has a job ``crawl:<name>`` with the source's cron schedule in Berlin time.
`sync_jobs` keeps the jobs in step with the sources: at start, when a source changes in this
process (`follow_sources`), and every five minutes for changes made by another process
(``kb source …`` while the service runs).

One crawl runs at a time (``Services.crawl_lock``): a scheduled crawl waits for the running
one, because sources share the default schedule and skipping would leave all but one of them
uncrawled; a crawl started by staff is refused instead, so that staff learn it is busy.

Background work runs in threads with store connections of their own (`Services.connection`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from kb.job_runs import Trigger
from kb.settings import Settings
from kb.store import Source
from ops import backup, metrics, pipeline
from ops.newsletter.issues import send_next
from ops.scheduler import TIMEZONE, keep_or_replace, start_scheduler, trigger
from ops.services import Services

log = logging.getLogger(__name__)

CRAWL_JOB = "ops.jobs:crawl_source"
JOB_PREFIX = "crawl:"
RECONCILE_ID = "crawl-schedules"
RECONCILE_JOB = "ops.jobs:reconcile"
RECONCILE_MINUTES = 5
NEWSLETTER_ID = "weekly-newsletter"
NEWSLETTER_JOB = "ops.jobs:weekly_newsletter"

# Sources waiting for or in a background crawl: a source is queued once, however often its
# schedule comes round meanwhile.
_queued: set[str] = set()
_queued_lock = threading.Lock()


def crawl_in_background(
    services: Services, source: Source, wait: bool = False, trigger: Trigger = "staff"
) -> bool:
    """Crawl one source in a thread with its own store connection, then sync. While another
    crawl runs, the thread waits for it when ``wait``, else nothing starts; False when nothing
    started. ``trigger`` says who started it, for the source's record.

    The thread is a daemon: stopping the service does not wait for a crawl."""
    services.extractor  # noqa: B018 (built here: building reads the process's connection)
    given = pipeline.credentials([source])
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
            with services.connection() as store:
                pipeline.crawl(services, [source], given, store=store, trigger=trigger)
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
# Source changes and the reconcile job may sync at the same time.
_sync_lock = threading.Lock()


def _sources(services: Services) -> list[Source]:
    """The sources as they are now, on a connection of the calling (scheduler) thread."""
    with services.connection() as store:
        return store.sources()


def crawl_source(name: str) -> None:
    """The scheduled crawl of the source ``name``, as it is configured now."""
    running = _running
    if running is None:
        log.warning("scheduled crawl of %s: the service is not configured; skipped", name)
        return
    source = next((s for s in _sources(running.services) if s.name == name), None)
    if source is None or not source.enabled:
        log.info("scheduled crawl of %s skipped: the source is removed or disabled", name)
    elif not crawl_in_background(running.services, source, wait=True, trigger="schedule"):
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
            keep_or_replace(
                scheduler, job_id, CRAWL_JOB, when, name=source.name, args=[source.name]
            )


def follow_sources(services: Services) -> None:
    """The crawl jobs in step with the sources at once, when this process runs the scheduler."""
    if services.scheduler is not None:
        sync_jobs(services.scheduler, services.store.sources())


def reconcile() -> None:
    """Pick up sources changed by another process while the service runs."""
    running = _running
    if running is not None:
        sync_jobs(running.scheduler, _sources(running.services))


def install_crawls(scheduler: BackgroundScheduler, services: Services) -> None:
    """The crawl jobs of the enabled sources and the reconcile job."""
    global _running
    _running = _Running(services, scheduler)
    # The extractor is built now, in the caller's thread: building reads the process's
    # connection, which the jobs' threads must not use.
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


# -- the weekly newsletter ------------------------------------------------------------------

# The settings of the running service, for the job (see `_running`).
_settings: Settings | None = None


def weekly_newsletter() -> None:
    """Send the unfinished issue or compose and send the next one, on its own connections
    (the scheduler's thread shares no store connection with the web)."""
    settings = _settings
    if settings is None:
        log.warning("weekly newsletter: the service is not configured; skipped")
        return
    if not settings.smtp_host:
        log.warning("weekly newsletter: KB_SMTP_HOST is empty; nothing sent")
        return
    services = Services.open(settings)
    try:
        report = send_next(services.store, services.search, settings, services.key)
        log.info("weekly newsletter: %s", report.render() if report else "nothing new")
    except Exception:
        metrics.job_run("newsletter", ok=False)
        log.exception("weekly newsletter broke off; the next start or run resumes it")
    else:
        metrics.job_run("newsletter", ok=True)
    finally:
        services.close()


def install_newsletter(
    scheduler: BackgroundScheduler, settings: Settings, job: str = NEWSLETTER_JOB
) -> None:
    """The weekly job on ``KB_NEWSLETTER_CRON`` (Berlin time); a stored job with the same
    schedule is kept as it is, so that a run missed while the service was down still runs."""
    global _settings
    _settings = settings
    keep_or_replace(
        scheduler, NEWSLETTER_ID, job, trigger(settings.newsletter_cron), name="newsletter"
    )


def start(services: Services) -> BackgroundScheduler:
    """The service's scheduler, with the weekly newsletter, each source's crawls and the daily
    backup; the services follow it from now on."""
    scheduler = start_scheduler(
        services.settings.db_path,
        partial(install_newsletter, settings=services.settings),
        partial(install_crawls, services=services),
        partial(backup.install, settings=services.settings),
    )
    services.scheduler = scheduler
    return scheduler


LEASE_FILE = "scheduler.lock"
LEASE_RETRY = 30.0  # seconds between a waiting process's attempts to take over


class Scheduling:
    """Exactly one scheduler for all processes that serve one data directory (``kb serve
    --workers N``, or several services on one store): the process that holds an exclusive lock
    on ``scheduler.lock`` beside the store runs it. The kernel releases the lock when that
    process ends, however it ends; the others try again every `LEASE_RETRY` seconds, so one of
    them takes over.

        >>> scheduling = Scheduling(services).begin()
        >>> scheduling.end()
    """

    def __init__(self, services: Services, retry: float = LEASE_RETRY) -> None:
        self._services = services
        self._retry = retry
        self._stop = threading.Event()
        self._lease: BinaryIO | None = None
        self._thread: threading.Thread | None = None
        self.scheduler: BackgroundScheduler | None = None

    def begin(self) -> Scheduling:
        if not self._take():
            self._thread = threading.Thread(target=self._wait, name="scheduler-lease", daemon=True)
            self._thread.start()
        return self

    def _take(self) -> bool:
        path = self._services.settings.data_dir / LEASE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        lease = path.open("ab")
        try:
            fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lease.close()
            return False
        self._lease = lease
        self.scheduler = start(self._services)
        log.info("this process runs the scheduler (pid %s)", os.getpid())
        return True

    def _wait(self) -> None:
        while not self._stop.wait(self._retry):
            if self._take():
                return

    def running(self) -> bool:
        """Whether the jobs run: here, on a running scheduler, or in another process, which
        holds the lease."""
        if self.scheduler is not None:
            return bool(self.scheduler.running)
        return lease_held(self._services.settings.data_dir)

    def end(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = self._services.scheduler = None
        if self._lease is not None:
            self._lease.close()  # releases the lock
            self._lease = None


def lease_held(data_dir: Path) -> bool:
    """Whether a process holds the scheduler's lease on ``data_dir`` (tried, and let go at once
    when nobody does)."""
    with (data_dir / LEASE_FILE).open("ab") as lease:
        try:
            fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(lease, fcntl.LOCK_UN)
        return False
