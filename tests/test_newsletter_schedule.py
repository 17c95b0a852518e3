"""The weekly newsletter job: stored with its cron in Berlin time in the project's store, and a
run missed while the service was down runs once when it comes back."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

from kb.settings import Settings
from kb.store import Store
from ops import jobs
from ops.scheduler import start_scheduler
from ops.services import Services
from tests.appserver import AppServer
from tests.factories import make_settings
from tests.test_newsletter import Corpus, Inbox
from web.app import create_app

JOB = "tests.test_newsletter_schedule:record"
BERLIN = ZoneInfo("Europe/Berlin")
runs: list[datetime] = []
ran = threading.Event()


def record() -> None:
    """The job in place of the newsletter run: counts its runs."""
    runs.append(datetime.now(BERLIN))
    ran.set()


def _start(settings: Settings) -> BackgroundScheduler:
    """The scheduler with the newsletter's job only, and ``record`` in place of the run."""
    return start_scheduler(
        settings.db_path, partial(jobs.install_newsletter, settings=settings, job=JOB)
    )


def test_the_weekly_job_is_stored_with_its_cron_in_berlin_time(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    scheduler = _start(settings)
    try:
        job = scheduler.get_job(jobs.NEWSLETTER_ID)
        assert job is not None and job.func_ref == JOB
        assert str(job.trigger.timezone) == "Europe/Berlin"
        assert "day_of_week='mon', hour='8', minute='0'" in str(job.trigger)
        due = job.next_run_time.astimezone(BERLIN)
        assert (due.weekday(), due.hour, due.minute) == (0, 8, 0)
    finally:
        scheduler.shutdown()
    store = Store.open(settings.db_path)
    (stored,) = store.connection.execute("SELECT id FROM scheduler_jobs").fetchall()
    assert stored[0] == jobs.NEWSLETTER_ID  # persisted in the project's store
    store.close()
    # Another schedule from the setting replaces the stored one; weekday 5 is Friday, as in cron.
    other = _start(settings.model_copy(update={"newsletter_cron": "30 7 * * 5"}))
    try:
        job = other.get_job(jobs.NEWSLETTER_ID)
        assert "day_of_week='fri', hour='7', minute='30'" in str(job.trigger)
    finally:
        other.shutdown()


def test_a_missed_run_runs_once_when_the_service_comes_back(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    first = _start(settings)
    first.pause()
    # The service was down for three Mondays: the stored run is three weeks overdue.
    overdue = datetime.now(BERLIN) - timedelta(weeks=3)
    first.modify_job(jobs.NEWSLETTER_ID, next_run_time=overdue)
    first.shutdown()
    runs.clear()
    ran.clear()
    back = _start(settings)
    try:
        assert ran.wait(10), "the missed run did not run"
        time.sleep(0.3)  # room for a second run, which must not come
        assert len(runs) == 1
        job = back.get_job(jobs.NEWSLETTER_ID)
        assert job.next_run_time > datetime.now(BERLIN)  # next Monday, not the missed ones
    finally:
        back.shutdown()


def test_the_weekly_job_sends_the_next_issue_on_its_own_connections(tmp_path: Path) -> None:
    inbox = Inbox()
    controller = inbox.serve()
    corpus = Corpus(
        make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_tls=False)
    )
    corpus.subscribe(2)
    services = Services.open(corpus.settings)
    with AppServer(create_app(services, scheduler=True)):
        # Serving with the scheduler: the job is stored for Monday, and the run does its work.
        store = Store.open(corpus.settings.db_path)
        assert store.connection.execute("SELECT id FROM scheduler_jobs").fetchall()
        store.close()
        jobs.weekly_newsletter()
    services.close()
    controller.stop()
    assert inbox.recipients() == ["leser0@stadt.test", "leser1@stadt.test"]
    issue = corpus.news.last_issue()
    assert issue is not None and issue.status == "sent"
    corpus.close()
