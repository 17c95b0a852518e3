"""A source whose scheduled crawls fail 3 times in a row is flagged on the staff's sources page
and mailed to the staff once; a successful crawl clears the flag."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from kb.accounts import Accounts
from kb.store import Source
from ops import pipeline
from ops.metrics import exposition
from ops.services import Services
from tests.appserver import AppServer
from tests.factories import make_settings
from tests.scrape import figures
from tests.servers import Reply, RouteServer, html
from tests.sessions import ensure_user, logged_in
from tests.smtp import Inbox
from web.app import create_app

EDITOR, ADMIN = "redaktion@alert.test", "admin@alert.test"
FAILING = 'kb_crawl_failed_runs_in_row{source="essen"}'


def _row(base_url: str) -> str:
    with logged_in(base_url, EDITOR) as client:
        page = client.get("/staff/quellen", headers={"Accept": "text/html"}).text
    row = BeautifulSoup(page, "lxml").select_one('tr[data-source="essen"]')
    assert row is not None
    return row.get_text(" ", strip=True)


def test_three_failed_scheduled_crawls_flag_the_source_and_mail_the_staff_once(
    tmp_path: Path, inbox: Inbox
) -> None:
    settings = make_settings(
        tmp_path,
        cookie_secure=False,
        crawl_retries=0,
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_tls=False,
        base_url="http://kb.test",
    )
    services = Services.open(settings)
    routes = {
        "/robots.txt": Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}),
        "/news/": Reply(503, b"down for maintenance"),
    }
    ensure_user(services.store, EDITOR, "editor")
    ensure_user(services.store, ADMIN, "admin")
    ensure_user(services.store, "mitglied@alert.test", "member")
    accounts = Accounts(services.store)
    accounts.set_disabled(ensure_user(services.store, "ehemals@alert.test", "editor"), True)
    with RouteServer(routes) as site, AppServer(create_app(services)) as server:
        source = Source("essen", f"{site.url}/news/", "news", city="Essen")
        services.store.add_source(source)
        for _ in range(2):
            pipeline.crawl(services, [source], {}, trigger="schedule")
        pipeline.crawl(services, [source], {}, trigger="staff")  # staff's failure: no count
        assert inbox.messages == [] and "⚠" not in _row(server.url)
        assert figures(exposition(services).decode())[FAILING] == 2

        pipeline.crawl(services, [source], {}, trigger="schedule")
        assert inbox.recipients() == [ADMIN, EDITOR]  # enabled staff only
        mail = inbox.to(EDITOR)[0]
        assert "essen" in mail["Subject"] and "3 geplante Crawls" in mail["Subject"]
        body = mail.get_content()
        assert "HTTP 503" in body and "http://kb.test/staff/quellen" in body
        row = _row(server.url)
        assert "⚠ 3 geplante Crawls nacheinander ohne Erfolg" in row
        assert "noch nie erfolgreich gecrawlt" in row

        pipeline.crawl(services, [source], {}, trigger="schedule")
        assert len(inbox.messages) == 2  # mailed once, flagged still
        assert "⚠ 4 geplante Crawls" in _row(server.url)
        assert figures(exposition(services).decode())[FAILING] == 4

        routes["/news/"] = Reply(200, html("Meldungen", "<p>Wieder da: Meldungen aus Essen.</p>"))
        pipeline.crawl(services, [source], {}, trigger="staff")
        row = _row(server.url)
        assert "⚠" not in row and "zuletzt erfolgreich" in row
        assert figures(exposition(services).decode())[FAILING] == 0
    services.close()
