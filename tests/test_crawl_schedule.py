"""Each enabled source is crawled on its own cron schedule (Berlin time) by the service's one
scheduler: the jobs follow the sources, persist in the store, and a run missed while the
service was down runs once when it comes back."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from bs4 import BeautifulSoup

from index.search import SearchRequest
from kb.settings import Settings
from kb.store import Source, Store
from ops import jobs as crawls
from ops.jobs import Scheduling
from ops.jobs import start as start_jobs
from ops.scheduler import trigger
from ops.services import Services
from tests.appserver import AppServer, ServeProcess
from tests.factories import make_settings
from tests.servers import Reply, RouteServer, html
from tests.sessions import ensure_user, form_token, logged_in
from web.app import create_app

BERLIN = ZoneInfo("Europe/Berlin")
EDITOR = "e@schedule.test"
NOINDEX = "<meta name='robots' content='noindex, follow'>"
ROUTES = {
    "/robots.txt": Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}),
    "/news/": Reply(200, html("Meldungen", "<a href='leuchtturm.html'>mehr</a>", NOINDEX)),
    "/news/leuchtturm.html": Reply(
        200, html("Leuchtturm", "<p>Das Leuchtturmprojekt in Essen startet im Frühjahr.</p>")
    ),
    "/aktuell/": Reply(200, html("Aktuelles", "<a href='dialog.html'>mehr</a>", NOINDEX)),
    "/aktuell/dialog.html": Reply(
        200, html("Dialog", "<p>Der Altstadtdialog in Essen beginnt mit einem Rundgang.</p>")
    ),
}
# Essen on Mondays at six; Köln only on leap days, so that no test run meets its time.
ESSEN = Source("essen", "", "news", schedule="0 6 * * 1")
KOELN = Source("koeln", "", "news", schedule="0 5 29 2 *")
BONN = Source("bonn", "", "news", enabled=False)


@pytest.fixture
def site() -> Iterator[RouteServer]:
    with RouteServer(dict(ROUTES)) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    return make_settings(tmp_path, cookie_secure=False)


@pytest.fixture
def services(settings: Settings, site: RouteServer) -> Iterator[Services]:
    opened = Services.open(settings)
    for source in (ESSEN, KOELN, BONN):
        opened.store.add_source(replace(source, url=f"{site.url}/news/"))
    yield opened
    opened.close()


@contextmanager
def scheduled(services: Services) -> Iterator[BackgroundScheduler]:
    """The service's scheduler, as ``kb serve`` starts it."""
    scheduler = start_jobs(services)
    try:
        yield scheduler
    finally:
        scheduler.shutdown()


def _eventually(check: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _finished_runs(services: Services) -> int:
    return sum(run.finished_at is not None for run in services.store.crawl_runs())


def _crawled(services: Services, runs: int) -> None:
    """Wait for ``runs`` finished crawls, and for the last one's index sync (the crawl holds
    the crawl lock until it is done)."""
    _eventually(lambda: _finished_runs(services) >= runs, "the crawl did not finish")
    assert services.crawl_lock.acquire(timeout=20), "the crawl did not index"
    services.crawl_lock.release()


def _source(store: Store, name: str) -> Source:
    found = store.source(name)
    assert found is not None, name
    return found


def _fire_times(when: BaseTrigger, count: int) -> list[datetime]:
    """The next ``count`` runs from Wednesday, 1 January 2025."""
    now, found = datetime(2025, 1, 1, tzinfo=BERLIN), []
    previous = None
    for _ in range(count):
        previous = when.get_next_fire_time(previous, now)
        found.append(previous)
        now = previous + timedelta(minutes=1)
    return found


# -- schedules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "weekdays"),
    [
        ("0 5 * * 1", {0}),  # datetime.weekday(): Monday 0 … Sunday 6
        ("0 5 * * 0", {6}),
        ("0 5 * * 7", {6}),
        ("0 5 * * 1-5", {0, 1, 2, 3, 4}),
        ("0 5 * * sat,sun", {5, 6}),
        ("0 5 * * */2", {6, 1, 3, 5}),
        (Source("x", "", "news").schedule, {0, 1, 2, 3, 4, 5, 6}),  # the default: daily
    ],
)
def test_schedules_count_weekdays_as_crontab_does_in_berlin_time(
    cron: str, weekdays: set[int]
) -> None:
    runs = _fire_times(trigger(cron), 14)
    assert {run.weekday() for run in runs} == weekdays
    assert {(run.hour, run.minute, str(run.tzinfo)) for run in runs} == {(5, 0, "Europe/Berlin")}


def test_a_schedule_with_day_and_weekday_runs_on_either_as_in_cron() -> None:
    runs = _fire_times(trigger("30 4 13 * fri"), 5)
    assert [run.day for run in runs] == [3, 10, 13, 17, 24]  # Fridays and the 13th, January 2025
    # A field starting with * restricts together with the other, as in cron: the Fridays
    # among the 1st, 14th and 27th.
    runs = _fire_times(trigger("30 4 */13 * fri"), 2)
    assert [(run.month, run.day) for run in runs] == [(2, 14), (3, 14)]
    with pytest.raises(ValueError, match="weekday range"):
        trigger("0 5 * * fri-mon")


def test_each_enabled_source_has_a_job_with_its_schedule(services: Services) -> None:
    with scheduled(services) as scheduler:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        # One scheduler for the service: the newsletter, the backup, the crawls, their reconcile.
        assert set(jobs) == {
            "weekly-newsletter", "daily-backup", "crawl-schedules", "crawl:essen", "crawl:koeln"
        }  # fmt: skip
        essen = jobs["crawl:essen"]
        assert (essen.func_ref, essen.args) == ("ops.jobs:crawl_source", ("essen",))
        assert str(essen.trigger.timezone) == "Europe/Berlin"
        due = essen.next_run_time.astimezone(BERLIN)
        assert (due.weekday(), due.hour, due.minute) == (0, 6, 0)  # Monday, six in Berlin
        assert due - datetime.now(BERLIN) <= timedelta(weeks=1)
        assert str(jobs["crawl-schedules"].trigger) == "interval[0:05:00]"
    store = Store.open(services.settings.db_path)
    stored = {row[0] for row in store.connection.execute("SELECT id FROM scheduler_jobs")}
    store.close()
    assert stored == set(jobs)  # persisted in the project's store


def test_stopping_at_once_asks_no_closed_store(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    # APScheduler looks for due jobs once more after it has shut the job store down.
    start_jobs(services).shutdown()
    assert "job store" not in caplog.text


def test_sources_changed_on_the_command_line_are_picked_up_by_the_reconcile(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    with scheduled(services) as scheduler:
        koeln_due = scheduler.get_job("crawl:koeln").next_run_time
        # As ``kb source edit/disable/enable/remove`` do: on a connection of their own.
        cli = Store.open(services.settings.db_path)
        cli.add_source(replace(_source(cli, "essen"), schedule="45 23 * * *"))
        cli.add_source(replace(_source(cli, "bonn"), enabled=True))
        cli.add_source(replace(_source(cli, "koeln"), note="unverändert im Zeitplan"))
        cli.add_source(Source("dortmund", "https://dortmund.test/", "news", schedule="0 5 * * 9"))
        crawls.reconcile()
        essen = scheduler.get_job("crawl:essen")
        assert "hour='23', minute='45'" in str(essen.trigger)
        assert essen.next_run_time.astimezone(BERLIN).hour == 23
        assert scheduler.get_job("crawl:bonn") is not None
        assert scheduler.get_job("crawl:koeln").next_run_time == koeln_due  # kept as it was
        assert scheduler.get_job("crawl:dortmund") is None  # no weekday 9: not scheduled
        assert "source dortmund is not scheduled" in caplog.text
        cli.remove_source("essen")
        cli.add_source(replace(_source(cli, "bonn"), enabled=False))
        cli.close()
        crawls.reconcile()
        assert {job.id for job in scheduler.get_jobs() if job.id.startswith("crawl:")} == {
            "crawl:koeln"
        }


# -- the staff pages -------------------------------------------------------------------------


def _post(client: httpx.Client, page: str, action: str, **data: str) -> httpx.Response:
    answer = client.post(action, data={**data, "csrf_token": form_token(client, page)})
    assert answer.status_code == 303, answer.text
    return answer


def test_staff_changes_reschedule_at_once_and_the_page_shows_the_next_runs(
    services: Services, site: RouteServer
) -> None:
    ensure_user(services.store, EDITOR, "editor")
    app = create_app(services, scheduler=True)
    with AppServer(app) as server, logged_in(server.url, EDITOR) as editor:
        scheduler = services.scheduler
        assert scheduler is not None
        page = "/staff/quellen/essen"
        _post(editor, page, page, url=f"{site.url}/news/", kind="news", schedule="30 4 * * *")
        assert "hour='4', minute='30'" in str(scheduler.get_job("crawl:essen").trigger)

        _post(editor, "/staff/quellen", "/staff/quellen/essen/status", enabled="0")
        assert scheduler.get_job("crawl:essen") is None
        _post(editor, "/staff/quellen", "/staff/quellen/bonn/status", enabled="1")
        assert scheduler.get_job("crawl:bonn") is not None
        _post(
            editor, "/staff/quellen", "/staff/quellen",
            name="dortmund", url=f"{site.url}/aktuell/", kind="news", schedule="0 7 * * 0",
        )  # fmt: skip
        dortmund = scheduler.get_job("crawl:dortmund").next_run_time.astimezone(BERLIN)
        assert (dortmund.weekday(), dortmund.hour) == (6, 7)  # Sunday at seven

        listing = BeautifulSoup(editor.get("/staff/quellen").text, "lxml")
        shown = {
            str(row["data-source"]): row.select_one("time.next-run")
            for row in listing.select("tr[data-source]")
        }
        assert shown["essen"] is None  # disabled: no next run
        assert shown["dortmund"] is not None
        assert shown["dortmund"].get_text() == dortmund.strftime("%d.%m.%Y %H:%M")
        assert shown["dortmund"]["datetime"] == dortmund.isoformat()
        assert shown["bonn"] is not None and shown["koeln"] is not None


# -- running the jobs ------------------------------------------------------------------------


def test_the_job_crawls_the_source_as_configured_now_into_store_and_index(
    services: Services, site: RouteServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ops.jobs")
    with scheduled(services):
        # Changed after it was scheduled: the job crawls the address the source has now.
        essen = _source(services.store, "essen")
        services.store.add_source(replace(essen, url=f"{site.url}/aktuell/"))
        crawls.crawl_source("essen")
        _crawled(services, 1)
        crawls.crawl_source("bonn")  # disabled
        crawls.crawl_source("gibt-es-nicht")  # removed
    assert "/aktuell/dialog.html" in site.hits and "/news/" not in site.hits
    result = services.search.search(SearchRequest("Altstadtdialog"))
    assert [hit.url for hit in result.hits] == [f"{site.url}/aktuell/dialog.html"]
    assert _finished_runs(services) == 1
    assert "scheduled crawl of bonn skipped: the source is removed or disabled" in caplog.text
    assert "scheduled crawl of gibt-es-nicht skipped" in caplog.text


def test_a_scheduled_crawl_waits_for_the_running_crawl(
    services: Services, site: RouteServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ops.jobs")
    koeln = _source(services.store, "koeln")
    with scheduled(services):
        assert services.crawl_lock.acquire(blocking=False)  # another crawl of the service runs
        crawls.crawl_source("essen")
        crawls.crawl_source("essen")  # due again meanwhile: it waits once
        assert not crawls.crawl_in_background(services, koeln)  # "Jetzt crawlen" is refused
        time.sleep(0.5)
        assert site.hits == {} and services.store.crawl_runs() == []
        services.crawl_lock.release()
        _crawled(services, 1)
        time.sleep(0.3)  # room for a second crawl, which must not come
    assert _finished_runs(services) == 1 and site.hits["/news/"] == 1
    assert "scheduled crawl of essen skipped: it is waiting or running already" in caplog.text


def test_jobs_persist_and_a_run_missed_while_down_runs_once_on_start(
    services: Services, settings: Settings, site: RouteServer
) -> None:
    first = start_jobs(services)
    first.pause()
    # The service was down for three days, over Monday six: essen's run is overdue.
    first.modify_job("crawl:essen", next_run_time=datetime.now(BERLIN) - timedelta(days=3))
    first.shutdown()
    # Meanwhile Köln's schedule changed on the command line.
    cli = Store.open(settings.db_path)
    cli.add_source(replace(_source(cli, "koeln"), schedule="15 22 * * *"))
    cli.close()

    restarted = Services.open(settings)
    with scheduled(restarted) as back:
        _crawled(restarted, 1)
        time.sleep(0.3)  # room for more runs of the missed ones, which must not come
        assert _finished_runs(restarted) == 1 and site.hits["/news/"] == 1
        assert back.get_job("crawl:essen").next_run_time > datetime.now(BERLIN)
        assert "hour='22', minute='15'" in str(back.get_job("crawl:koeln").trigger)
    assert restarted.search.search(SearchRequest("Leuchtturmprojekt")).total == 1
    restarted.close()


# -- several processes on one store ------------------------------------------------------------


def test_of_two_processes_serving_one_store_one_runs_the_jobs_and_a_missed_run_runs_once(
    services: Services, settings: Settings, site: RouteServer
) -> None:
    first = start_jobs(services)
    first.pause()
    first.modify_job("crawl:essen", next_run_time=datetime.now(BERLIN) - timedelta(days=3))
    first.shutdown()
    env = {**os.environ, "KB_DATA_DIR": str(settings.data_dir), "KB_CRAWL_DELAY": "0"}
    logs = settings.data_dir.parent
    # Both at once: without a lease, both would run the overdue crawl.
    started = [ServeProcess([], env, logs / f"serve-{n}.log") for n in (1, 2)]
    try:
        health = [server.health().json() for server in started]
        assert sorted(h["scheduler"] for h in health) == [False, True]
        _eventually(lambda: _finished_runs(services) >= 1, "the missed crawl did not run")
        time.sleep(1.5)  # room for a second run of the missed crawl, which must not come
        assert _finished_runs(services) == 1 and site.hits["/news/"] == 1
    finally:
        for server in started:
            server.stop()


def test_when_the_process_with_the_jobs_stops_another_takes_them_over(
    services: Services, settings: Settings
) -> None:
    other = Services.open(settings)  # a second process's services on the same store
    holder = Scheduling(services, retry=0.05).begin()
    waiting = Scheduling(other, retry=0.05).begin()
    try:
        assert services.scheduler is not None and other.scheduler is None
        time.sleep(0.2)
        assert other.scheduler is None  # the lease is held: it keeps waiting
        holder.end()
        _eventually(lambda: other.scheduler is not None, "nobody took the jobs over", 5)
        assert services.scheduler is None
    finally:
        holder.end()
        waiting.end()
        other.close()
