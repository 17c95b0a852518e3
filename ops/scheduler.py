"""The service's one scheduler: APScheduler with a persistent job store, started by ``kb serve``
and ``kb demo`` (the app's lifespan) with the jobs of the parts of the service.

The job store is the project's own SQLite store (table ``scheduler_jobs``, migration 8) rather
than APScheduler's SQLAlchemyJobStore: that saves SQLAlchemy as a dependency for one table of
three columns, and keeps every piece of state in the one file that is migrated and backed up.

A run missed while the service was down runs once when it comes back: a stored job whose
schedule is unchanged keeps its due time, the scheduler starts paused so that starting does not
run or overwrite it before the jobs are compared, and ``coalesce`` with an unlimited
``misfire_grace_time`` turns any number of missed runs into one.
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, ConflictingIdError, JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.util import datetime_to_utc_timestamp, utc_timestamp_to_datetime

from kb.store import Store

log = logging.getLogger(__name__)

TIMEZONE = "Europe/Berlin"
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab's numbering: sunday 0

# Adds a part's jobs to the scheduler, started but paused.
Install = Callable[[BackgroundScheduler], None]


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
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            # The scheduler's thread asks once more after the stores are shut down: nothing due.
            if self._store is None:
                return []
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
        found: datetime | None = utc_timestamp_to_datetime(rows[0][0]) if rows else None
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


def _crontab_weekdays(field: str) -> str:
    """A crontab weekday field (0 or 7 is Sunday) by day names: APScheduler 3 counts from
    Monday, and its ``from_crontab`` would shift every numbered weekday by one."""
    days: set[int] = set()
    for part in field.lower().split(","):
        span, _, step = part.partition("/")
        if span == "*":
            first, last = 0, 6
        else:
            bounds = [WEEKDAYS.index(b) if b in WEEKDAYS else int(b) for b in span.split("-")]
            first, last = bounds[0], bounds[-1]
        if not 0 <= first <= last <= 7:
            raise ValueError(f"weekday range {part!r}")
        days |= {day % 7 for day in range(first, last + 1, int(step or 1))}
    return ",".join(WEEKDAYS[day] for day in sorted(days))


def trigger(cron: str) -> BaseTrigger:
    """A crontab line in Berlin time, as cron reads it; ValueError when it is none.

    As in cron, a line that restricts both the day of the month and the weekday runs on
    either (``0 5 1 * mon``: the first of the month and every Monday)."""
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"a crontab line has 5 fields, not {len(fields)}")
    minute, hour, day, month, weekday = fields

    def cron_trigger(day: str, weekday: str) -> CronTrigger:
        days = "*" if weekday == "*" else _crontab_weekdays(weekday)
        found: CronTrigger = CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=days, timezone=TIMEZONE
        )
        return found

    if day.startswith("*") or weekday.startswith("*"):
        return cron_trigger(day, weekday)
    either: BaseTrigger = OrTrigger([cron_trigger(day, "*"), cron_trigger("*", weekday)])
    return either


def keep_or_replace(
    scheduler: BackgroundScheduler,
    job_id: str,
    func: str,
    wanted: BaseTrigger,
    name: str,
    args: Sequence[str] = (),
) -> None:
    """Add the job, or replace the stored one when its function, arguments or schedule
    differ; an unchanged one keeps its due time, so that a missed run still runs."""
    stored = scheduler.get_job(job_id)
    if (
        stored is None
        or stored.func_ref != func
        or tuple(stored.args) != tuple(args)
        or str(stored.trigger) != str(wanted)
    ):
        scheduler.add_job(
            func, wanted, args=list(args), id=job_id, name=name, replace_existing=True
        )


def start_scheduler(path: Path, *installs: Install) -> BackgroundScheduler:
    """Start the scheduler on the store at ``path`` with the jobs ``installs`` add.

    It starts paused and resumes once the jobs are in place: stored jobs due meanwhile
    run then, once each."""
    scheduler = BackgroundScheduler(
        jobstores={"default": StoreJobStore(path)},
        timezone=TIMEZONE,
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
    )
    scheduler.start(paused=True)
    for install in installs:
        install(scheduler)
    scheduler.resume()
    return scheduler
