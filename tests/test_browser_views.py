"""Funding calls and the year chart in a real headless Chromium, driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, expect

from ops.services import Services
from tests.appserver import AppServer
from tests.conftest import DemoCorpus
from web.app import create_app
from web.deps import today

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(demo: DemoCorpus) -> Iterator[str]:
    services = Services.open(demo.settings)
    app = create_app(services)
    app.dependency_overrides[today] = lambda: date(2025, 3, 1)
    with AppServer(app) as server:
        yield server.url
    services.close()


def test_a_visitor_finds_the_open_funding_calls(browser: Browser, site: str) -> None:
    page = browser.new_page()
    page.goto(site)
    page.get_by_role("navigation", name="Bereiche").get_by_role("link", name="Förderung").click()
    expect(page.locator("h1")).to_have_text("Förderaufrufe")
    calls = page.locator(".open-calls .call")
    expect(calls).to_have_count(3)
    expect(calls.first.locator(".deadline")).to_contain_text("31. März 2025")
    expect(calls.first).to_contain_text("Bundesministerium für Bildung und Forschung")
    page.locator('.status-filter a[data-status="closed"]').click()
    expect(page.locator(".open-calls")).to_have_count(0)
    expect(page.locator(".archive .call")).to_have_count(2)
    page.close()


def test_a_visitor_clicks_a_year_bar_and_sees_the_results_narrowed(
    browser: Browser, site: str
) -> None:
    page = browser.new_page()
    page.goto(site + "/praxis")
    page.locator('select[name="topic"]').select_option("Sichere Städte für Frauen")
    page.get_by_role("button", name="Anzeigen").click()
    bars = page.locator(".year-chart a.bar")
    expect(bars.first).to_be_attached()
    counts = {
        str(bar.get_attribute("data-year")): int(str(bar.get_attribute("data-count")))
        for bar in bars.all()
    }
    year = max(counts, key=lambda y: counts[y])  # the tallest bar: several results to check
    page.locator(f'.year-chart a.bar[data-year="{year}"]').click()
    # The topic's documents, of that year: its label and the year are the search's filters.
    expect(page.locator(".chip", has_text=f"Jahr: {year}")).to_have_count(1)
    expect(page.locator(".chip", has_text="Thema: Sichere Städte für Frauen")).to_have_count(1)
    assert int(page.locator(".total-count").inner_text()) == counts[year] > 1
    dates = page.locator(".hit time").evaluate_all("els => els.map(e => e.dateTime)")
    assert len(dates) == min(counts[year], 10)
    assert all(d.startswith(year) for d in dates)
    page.close()
