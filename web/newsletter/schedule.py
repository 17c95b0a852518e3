"""The weekly newsletter run: APScheduler with a persistent job store, started by ``kb serve``
and ``kb demo`` (the app's lifespan).

The job store is the project's own SQLite store (table ``scheduler_jobs``, migration 8) rather
than APScheduler's SQLAlchemyJobStore: that saves SQLAlchemy as a dependency for one table of
three columns, and keeps every piece of state in the one file that is migrated and backed up.

A run missed while the service was down runs once when it comes back: the stored job keeps
its due time, the scheduler starts paused so that starting does not overwrite it, and
``coalesce`` with an unlimited ``misfire_grace_time`` turns any number of missed weeks into
one run.
"""

from __future__ import annotations

import logging
import pickle
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, ConflictingIdError, JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.util import datetime_to_utc_timestamp, utc_timestamp_to_datetime

from index.indexer import Index
from index.search import SearchService
from kb.accounts import secret_key
from kb.settings import Settings
from kb.store import Store
from web.newsletter.issues import send_next

log = logging.getLogger(__name__)

JOB_ID = "weekly-newsletter"
TIMEZONE = "Europe/Berlin"
JOB = "web.newsletter.schedule:weekly_newsletter"

# The settings of the running service, for the job: a persisted job names its function by
# reference, and the service's settings are not the job's to store.
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
    store = Store.open(settings.db_path)
    search = SearchService(Index(settings.index_dir), store)
    try:
        report = send_next(store, search, settings, secret_key(settings))
        log.info("weekly newsletter: %s", report.render() if report else "nothing new")
    except Exception:
        log.exception("weekly newsletter broke off; the next start or run resumes it")
    finally:
        search.close()
        store.close()


class StoreJobStore(BaseJobStore):  # type: ignore[misc]
    """APScheduler's job store interface over the ``scheduler_jobs`` table of the store."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = path
        self._lock = threading.Lock()  # the scheduler thread and callers share the connection
        self._store: Store | None = None

    def start(self, scheduler: Any, alias: str) -> None:
        super().start(scheduler, alias)
        self._store = Store.open(self._path)

    def shutdown(self) -> None:
        if self._store is not None:
            self._store.close()

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        assert self._store is not None
        with self._lock:
            return self._store.connection.execute(sql, args).fetchall()

    def _write(self, sql: str, args: tuple[Any, ...]) -> int:
        assert self._store is not None
        with self._lock, self._store.transaction():
            return int(self._store.connection.execute(sql, args).rowcount)

    def _job(self, state: bytes) -> Job:
        job_state = pickle.loads(state)
        job_state["jobstore"] = self
        job = Job.__new__(Job)
        job.__setstate__(job_state)
        job._scheduler = self._scheduler
        job._jobstore_alias = self._alias
        return job

    def _jobs(self, where: str = "", args: tuple[Any, ...] = ()) -> list[Job]:
        # Paused jobs (no next run) last, as APScheduler expects.
        rows = self._rows(
            f"SELECT id, job_state FROM scheduler_jobs {where}"
            " ORDER BY next_run_time IS NULL, next_run_time",
            args,
        )
        jobs = []
        for row in rows:
            try:
                jobs.append(self._job(row[1]))
            except Exception:
                log.exception("job %s cannot be restored; removed", row[0])
                self.remove_job(row[0])
        return jobs

    def lookup_job(self, job_id: str) -> Job | None:
        rows = self._rows("SELECT job_state FROM scheduler_jobs WHERE id=?", (job_id,))
        return self._job(rows[0][0]) if rows else None

    def get_due_jobs(self, now: datetime) -> list[Job]:
        return self._jobs("WHERE next_run_time <= ?", (datetime_to_utc_timestamp(now),))

    def get_next_run_time(self) -> datetime | None:
        rows = self._rows("SELECT min(next_run_time) FROM scheduler_jobs")
        found: datetime | None = utc_timestamp_to_datetime(rows[0][0])
        return found

    def get_all_jobs(self) -> list[Job]:
        return self._jobs()

    def _state(self, job: Job) -> tuple[float | None, bytes]:
        timestamp: float | None = datetime_to_utc_timestamp(job.next_run_time)
        return timestamp, pickle.dumps(job.__getstate__(), pickle.HIGHEST_PROTOCOL)

    def add_job(self, job: Job) -> None:
        if self._rows("SELECT 1 FROM scheduler_jobs WHERE id=?", (job.id,)):
            raise ConflictingIdError(job.id)
        self._write("INSERT INTO scheduler_jobs VALUES (?,?,?)", (job.id, *self._state(job)))

    def update_job(self, job: Job) -> None:
        updated = self._write(
            "UPDATE scheduler_jobs SET next_run_time=?, job_state=? WHERE id=?",
            (*self._state(job), job.id),
        )
        if not updated:
            raise JobLookupError(job.id)

    def remove_job(self, job_id: str) -> None:
        if not self._write("DELETE FROM scheduler_jobs WHERE id=?", (job_id,)):
            raise JobLookupError(job_id)

    def remove_all_jobs(self) -> None:
        self._write("DELETE FROM scheduler_jobs", ())


def trigger(cron: str) -> CronTrigger:
    """``KB_NEWSLETTER_CRON`` in Berlin time; ValueError when it is no crontab line."""
    found: CronTrigger = CronTrigger.from_crontab(cron, timezone=TIMEZONE)
    return found


def start(settings: Settings, job: str = JOB) -> BackgroundScheduler:
    """Start the scheduler with the weekly job; a stored job with the same schedule is kept
    as it is, so that a run missed while the service was down still runs."""
    global _settings
    _settings = settings
    scheduler = BackgroundScheduler(
        jobstores={"default": StoreJobStore(settings.db_path)},
        timezone=TIMEZONE,
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
    )
    scheduler.start(paused=True)
    wanted = trigger(settings.newsletter_cron)
    stored = scheduler.get_job(JOB_ID)
    if stored is None or str(stored.trigger) != str(wanted) or stored.func_ref != job:
        scheduler.add_job(job, wanted, id=JOB_ID, name="newsletter", replace_existing=True)
    scheduler.resume()
    return scheduler
