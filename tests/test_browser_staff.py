"""Logged-in people in a real headless Chromium: an editor adds a source and runs it; a member
finds a collection document that an anonymous visitor cannot find. The session cookie is
Secure, as by default: Chromium accepts it on http://127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from ops.demo.server import DemoSite
from ops.services import Services
from tests.appserver import AppServer
from tests.conftest import DemoCorpus
from tests.factories import make_settings
from tests.sessions import PASSWORD, ensure_user
from web.app import create_app

pytestmark = pytest.mark.browser

GOLD = json.loads((Path(__file__).parent / "data" / "demo_entities.json").read_text("utf-8"))


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("header .who")).to_contain_text(email)


@pytest.fixture(scope="module")
def staff_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    services = Services.open(make_settings(tmp_path_factory.mktemp("browser-staff")))
    ensure_user(services.store, "redaktion@browser.test", "editor")
    with AppServer(create_app(services)) as server:
        yield server.url
    services.close()


@pytest.fixture(scope="module")
def demo_app(demo: DemoCorpus) -> Iterator[str]:
    ensure_user(demo.store, "mitglied@browser.test", "member")
    services = Services.open(demo.settings)
    with AppServer(create_app(services)) as server:
        yield server.url
    services.close()


def test_an_editor_adds_a_source_runs_it_and_reads_the_report(
    browser: Browser,
    staff_site: str,
    demo_site: DemoSite,
) -> None:
    page = browser.new_page()
    _log_in(page, staff_site, "redaktion@browser.test")
    page.get_by_role("link", name="Redaktion").click()
    expect(page.locator("h1")).to_have_text("Quellen")
    page.get_by_label("Name").fill("mannheim-news")
    page.get_by_label("Adresse (Startseite, Sitemap oder Feed)").fill(
        f"{demo_site.base_url}/staedte/mannheim/feed.xml"
    )
    page.locator('select[name="kind"]').select_option("news")
    page.get_by_label("Stadt", exact=True).fill("Mannheim")
    page.get_by_role("button", name="Quelle hinzufügen").click()
    expect(page.locator(".notice")).to_have_text("Die Quelle ist gespeichert.")
    row = page.locator('tr[data-source="mannheim-news"]')
    row.get_by_role("button", name="Jetzt crawlen").click()
    expect(page.locator("h1")).to_have_text("Crawl-Läufe")
    expect(page.locator(".notice")).to_contain_text("Der Crawl läuft")
    latest = page.locator("tr[data-run]").first
    for _ in range(100):  # the list is rendered on the server: reload until the run is done
        if latest.count() and latest.get_attribute("data-state") == "done":
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(latest).to_have_attribute("data-state", "done")
    latest.get_by_role("link").click()
    expect(page.locator(".report-new")).not_to_have_text("0")
    expect(page.locator("h2").first).to_contain_text("Fehler (0)")
    page.close()


def test_a_member_finds_what_an_anonymous_visitor_cannot(
    browser: Browser,
    demo_app: str,
) -> None:
    word = GOLD["hidden_words"][0]
    visitor = browser.new_page()
    visitor.goto(demo_app)
    visitor.locator('input[name="q"]').fill(word)
    visitor.get_by_role("button", name="Suchen").click()
    expect(visitor.locator(".empty")).to_be_visible()
    expect(visitor.locator(".hit")).to_have_count(0)
    visitor.close()

    member = browser.new_page()
    _log_in(member, demo_app, "mitglied@browser.test")
    member.locator('input[name="q"]').fill(word)
    member.get_by_role("button", name="Suchen").click()
    hit = member.locator(".hit").first
    expect(hit.locator(".meta")).to_contain_text("Sicherheit im Bahnhofsviertel")
    expect(hit.locator(".snippet mark").first).to_be_visible()
    hit.locator(".hit-title a").click()
    expect(member.locator("main")).to_contain_text(word)
    member.close()
