"""``/metrics``: the counters move by what happened, with one process and with two workers
(whichever answers), the state is read from the store, and the figures are for loopback or the
token's holder only."""

from __future__ import annotations

import asyncio
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from kb.newsletter_store import NewsletterStore, Preferences
from kb.settings import Settings
from kb.store import Source
from ops.jobs import start as start_jobs
from ops.newsletter.issues import send_next
from ops.services import Services
from tests.appserver import AppServer, ServeProcess
from tests.factories import indexed, make_document, make_settings
from tests.scrape import figures, scrape
from tests.servers import Reply, RouteServer, html
from tests.sessions import ensure_user, form_token, logged_in
from tests.smtp import Inbox
from tests.test_backup import kb
from web.app import create_app

EDITOR = "redaktion@metrics.test"
READERS = ["a@metrics.test", "b@metrics.test", "c@metrics.test"]
REFUSED = "weg@metrics.test"
NOINDEX = "<meta name='robots' content='noindex, follow'>"
LINKS = "<a href='a.html'>a</a><a href='b.html'>b</a><a href='weg.html'>x</a>"
ROUTES = {
    "/robots.txt": Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}),
    "/news/": Reply(200, html("Meldungen", LINKS, extra_head=NOINDEX)),
    "/news/a.html": Reply(200, html("Leuchtturm", "<p>Das Leuchtturmprojekt in Essen.</p>")),
    "/news/b.html": Reply(200, html("Dialog", "<p>Der Altstadtdialog in Essen beginnt.</p>")),
}
# What one crawl of the site counts: two new pages, the start page skipped (noindex), a link
# that answers 404 failed.
CRAWLED = {"new": 2, "skipped": 1, "failed": 1}


def key(name: str, **labels: str) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}" if labels else name


@pytest.fixture
def site() -> Iterator[RouteServer]:
    with RouteServer(dict(ROUTES)) as server:
        yield server


def _settings(tmp_path: Path, inbox: Inbox, **more: Any) -> Settings:
    return make_settings(
        tmp_path,
        cookie_secure=False,
        crawl_retries=0,
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_tls=False,
        base_url="http://kb.test",
        **more,
    )


def _readers(services: Services, refused: bool) -> None:
    news = NewsletterStore(services.store)
    for email in READERS[: 3 if refused else 2] + ([REFUSED] if refused else []):
        news.add(email, Preferences(), confirmed=True)


def _eventually(check: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_the_counters_move_by_a_crawl_a_newsletter_send_and_searches(
    tmp_path: Path, inbox: Inbox, site: RouteServer
) -> None:
    settings = _settings(tmp_path, inbox)
    services = Services.open(settings)
    services.store.add_source(Source("essen", f"{site.url}/news/", "news", city="Essen"))
    ensure_user(services.store, EDITOR, "editor")
    _readers(services, refused=True)
    inbox.refuse = {REFUSED}
    with AppServer(create_app(services)) as server:
        before = scrape(server.url)
        with logged_in(server.url, EDITOR) as client:
            token = form_token(client, "/staff/quellen")
            client.post("/staff/quellen/essen/crawl", data={"csrf_token": token})
        _eventually(lambda: services.store.crawl_runs()[:1] != [], "no crawl")
        _eventually(lambda: services.store.crawl_runs()[0].finished_at is not None, "unfinished")
        assert services.crawl_lock.acquire(timeout=30)  # the crawl's sync is done too
        services.crawl_lock.release()
        report = send_next(services.store, services.search, settings, services.key)
        assert report is not None and report.sent == 3
        for query in ("Leuchtturm", "Altstadtdialog"):
            assert httpx.get(f"{server.url}/api/search", params={"q": query}).json()["total"] == 1
        after = scrape(server.url)
        kb(settings.data_dir, "backup", str(tmp_path / "copy"))
        backed_up = scrape(server.url)

    def moved(name: str, **labels: str) -> float:
        return after.get(key(name, **labels), 0) - before.get(key(name, **labels), 0)

    for outcome, count in CRAWLED.items():
        assert moved("kb_crawl_pages_total", source="essen", outcome=outcome) == count, outcome
    assert moved("kb_crawl_pages_total", source="essen", outcome="unchanged") == 0
    assert moved("kb_newsletter_mails_total", outcome="sent") == 3
    assert moved("kb_newsletter_mails_total", outcome="failed") == 1
    assert moved("kb_newsletter_mails_total", outcome="deferred") == 0
    assert moved("kb_searches_total") == 2
    assert moved("kb_search_duration_seconds_count") == 2
    assert moved("kb_http_requests_total", route="/api/search", method="GET", status="200") == 2
    assert moved("kb_http_request_duration_seconds_count", route="/api/search", method="GET") == 2
    assert moved("kb_http_requests_total", route="/staff/quellen/{name}/crawl", method="POST",
                 status="303") == 1  # fmt: skip
    assert moved("kb_scheduler_job_runs_total", job="crawl") == 0  # staff's, not the schedule's
    # State, read from the store and the index.
    ended = after[key("kb_crawl_last_success_timestamp_seconds", source="essen")]
    assert abs(ended - time.time()) < 60
    assert after[key("kb_crawl_failed_runs_in_row", source="essen")] == 0
    assert after["kb_documents"] == after["kb_index_documents"] == 2
    assert after["kb_index_lag_changes"] == 0 and after["kb_index_size_bytes"] > 0
    assert 0 <= after["kb_index_build_age_seconds"] < 60
    assert after["kb_backup_age_seconds"] == math.inf
    assert 0 <= backed_up["kb_backup_age_seconds"] < 60
    services.close()


def test_with_two_workers_whichever_answers_counts_the_scheduler_process_too(
    tmp_path: Path, inbox: Inbox, site: RouteServer
) -> None:
    settings = _settings(tmp_path, inbox, backup_dir=str(tmp_path / "backups"))
    services = Services.open(settings)
    services.store.add_source(Source("essen", f"{site.url}/news/", "news", city="Essen"))
    indexed(services.store, settings, [make_document(title="Sicherheit im Quartier")]).close()
    _readers(services, refused=False)
    # The scheduled crawl, newsletter and backup are overdue: the process that takes the
    # scheduler's lease runs them as soon as it starts.
    scheduler = start_jobs(services)
    scheduler.pause()
    past = datetime.now(ZoneInfo("Europe/Berlin")) - timedelta(hours=1)
    for job in ("crawl:essen", "weekly-newsletter", "daily-backup"):
        scheduler.modify_job(job, next_run_time=past)
    scheduler.shutdown()
    services.close()
    env = {
        **os.environ,
        "KB_DATA_DIR": str(settings.data_dir),
        "KB_BACKUP_DIR": str(tmp_path / "backups"),
        "KB_CRAWL_DELAY": "0",
        "KB_CRAWL_RETRIES": "0",
        "KB_SMTP_HOST": "127.0.0.1",
        "KB_SMTP_PORT": str(inbox.port),
        "KB_SMTP_TLS": "false",
        "KB_BASE_URL": "http://kb.test",
        # Its own temporary directory: tests running beside this one make counters of their own.
        "TMPDIR": str(tmp_path / "tmp"),
    }
    (tmp_path / "tmp").mkdir()
    server = ServeProcess(["--workers", "2"], env, tmp_path / "serve.log")
    try:
        seen = {server.health().json()["scheduler"]}
        answered = 1
        base = server.url
        _eventually(lambda: len(inbox.messages) == 2, "the newsletter was not sent")
        _eventually(lambda: _runs(settings, "crawl") == 1 and _runs(settings, "backup") == 1,
                    "the crawl or the backup did not run")  # fmt: skip
        # Each new connection goes to either worker: both have answered once each saw the
        # other's answer about the scheduler.
        deadline = time.monotonic() + 60
        while seen != {True, False}:
            assert time.monotonic() < deadline, f"one worker only: {seen}"
            try:
                seen.add(httpx.get(f"{base}/healthz").json()["scheduler"])
                answered += 1
            except httpx.TransportError:
                time.sleep(0.1)
        for _ in range(12):  # whichever worker answers, the figures are the same
            found = scrape(base)
            for outcome, count in CRAWLED.items():
                assert found[key("kb_crawl_pages_total", source="essen", outcome=outcome)] == count
            assert found[key("kb_newsletter_mails_total", outcome="sent")] == 2
            for job in ("crawl", "newsletter", "backup"):
                assert found[key("kb_scheduler_job_runs_total", job=job)] == 1, job
                assert found[key("kb_scheduler_job_failures_total", job=job)] == 0, job
            assert found[key("kb_http_requests_total", route="/healthz", method="GET",
                             status="200")] == answered  # fmt: skip
            assert found["kb_backup_age_seconds"] < 120
            assert found[key("kb_crawl_failed_runs_in_row", source="essen")] == 0
    finally:
        server.stop()
    assert server.process.returncode == 0, server.log.read_text()
    assert not list((tmp_path / "tmp").glob("kb-metrics-*"))  # removed at exit


def _runs(settings: Settings, job: str) -> int:
    with closing(sqlite3.connect(settings.db_path)) as db:
        return int(db.execute("SELECT count(*) FROM job_runs WHERE job=?", (job,)).fetchone()[0])


def test_metrics_are_for_loopback_clients_or_the_token_holder(tmp_path: Path) -> None:
    services = Services.open(make_settings(tmp_path))
    with AppServer(create_app(services)) as server:
        assert "kb_documents 0.0" in httpx.get(server.url + "/metrics").text
        forwarded = httpx.get(server.url + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert forwarded.status_code == 403  # through a proxy on this machine: not local
    # In a thread of its own: the session's browser (Playwright) runs a loop in this one.
    with ThreadPoolExecutor(1) as thread:
        far = thread.submit(asyncio.run, _status_from_afar(create_app(services), "/metrics"))
        assert far.result() == 403
    services.close()

    guarded = Services.open(make_settings(tmp_path, metrics_token="metrik-token-123"))
    with AppServer(create_app(guarded)) as server:
        assert httpx.get(server.url + "/metrics").status_code == 401
        wrong = {"Authorization": "Bearer falsch"}
        assert httpx.get(server.url + "/metrics", headers=wrong).status_code == 401
        assert "kb_documents" in figures(httpx.get(
            server.url + "/metrics", headers={"Authorization": "Bearer metrik-token-123"}
        ).text)  # fmt: skip
    guarded.close()


async def _status_from_afar(app: FastAPI, path: str) -> int:
    """The status of ``path`` asked by a client at an address on the internet."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://kb.test") as client:
        return (await client.get(path)).status_code


def test_requests_are_counted_by_the_route_as_declared(tmp_path: Path) -> None:
    """Ids and tokens in paths make no labels of their own; made-up paths share one."""
    services = Services.open(make_settings(tmp_path))
    paths = ["/api/documents/12345", "/api/documents/678", "/gibt/es/nicht", "/static/style.css"]
    with AppServer(create_app(services)) as server:
        before = scrape(server.url)
        for path in [*paths, "/staff/quellen", "/metrics"]:
            httpx.get(server.url + path)
        after = scrape(server.url)
    services.close()

    def moved(route: str, status: str) -> float:
        found = key("kb_http_requests_total", route=route, method="GET", status=status)
        return after.get(found, 0) - before.get(found, 0)

    assert moved("/api/documents/{doc_id}", "404") == 2
    assert moved("(unmatched)", "404") == 1
    assert moved("/static/style.css", "200") == 1
    assert moved("/staff/quellen", "401") == 1  # the staff router's prefix kept
    assert moved("/metrics", "200") == 2  # and the first scrape, counted once it answered
