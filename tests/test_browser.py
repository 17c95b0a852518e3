"""The search page in a real headless Chromium, driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from ops.services import Services
from tests.appserver import AppServer
from tests.conftest import DemoCorpus
from web.app import create_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(demo: DemoCorpus) -> Iterator[str]:
    services = Services.open(demo.settings)
    with AppServer(create_app(services)) as server:
        yield server.url
    services.close()


def test_a_visitor_searches_filters_by_facet_and_removes_the_chip(
    browser: Browser, site: str
) -> None:
    page = browser.new_page()
    page.goto(site)
    page.locator('input[name="q"]').fill("Sicherheit")
    page.get_by_role("button", name="Suchen").click()
    expect(page.locator(".hit").first).to_be_visible()
    total_before = page.locator(".total-count").inner_text()
    page.locator('[data-facet="kind"] a[data-value="news"]').click()
    expect(page.locator(".chip")).to_contain_text("Art: Nachricht")
    for meta in page.locator(".hit .meta").all_inner_texts():
        assert meta.startswith("Nachricht")
    page.locator(".chip").click()
    expect(page.locator(".chip")).to_have_count(0)
    assert page.locator(".total-count").inner_text() == total_before
    page.close()


def test_a_visitor_pages_through_results_and_switches_to_english(
    browser: Browser, site: str
) -> None:
    page = browser.new_page()
    page.goto(site)
    first = page.locator(".hit-title a").first.inner_text()
    page.locator('a[rel="next"]').click()
    expect(page.locator('.pagination [aria-current="page"]')).to_have_text("2")
    assert page.locator(".hit-title a").first.inner_text() != first
    page.get_by_role("link", name="English").click()
    expect(page.locator(".facet h2").first).to_have_text("Type")
    page.close()


def test_a_visitor_clicks_a_year_bar_and_sees_that_year_only(browser: Browser, site: str) -> None:
    page = browser.new_page()
    page.goto(f"{site}/?q=Sicherheit")
    bar = page.locator("figure.years svg a").first
    bar.click()
    expect(page.locator(".chip")).to_contain_text("Jahr")
    chosen = page.locator(".chip").first.inner_text()
    for meta in page.locator(".hit .meta time").all():
        assert (meta.get_attribute("datetime") or "").startswith(chosen.split(": ")[1][:4])
    page.close()


def _counts(page: Page, facet: str) -> dict[str, int]:
    items = page.locator(f'[data-facet="{facet}"] li').all()
    return {
        str(item.locator("a").get_attribute("data-value")): _number(item.locator(".count"))
        for item in items
    }


def _number(locator: Locator) -> int:
    return int((locator.text_content() or "0").replace(".", "").strip())


def test_a_visitor_narrows_by_target_group_and_setting(browser: Browser, site: str) -> None:
    page = browser.new_page()
    page.goto(site)
    total = _number(page.locator(".total-count"))
    kinds = _counts(page, "kind")
    young = _counts(page, "target")["jugendliche"]
    page.locator('[data-facet="target"] a[data-value="jugendliche"]').click()
    expect(page.locator(".chip")).to_contain_text("Zielgruppe: Jugendliche")
    assert _number(page.locator(".total-count")) == young < total
    assert sum(_counts(page, "kind").values()) < sum(kinds.values())  # other facets narrow
    outdoors = _counts(page, "setting")["oeffentlicher-raum"]
    page.locator('[data-facet="setting"] a[data-value="oeffentlicher-raum"]').click()
    expect(page.locator(".chip")).to_have_count(2)
    assert _number(page.locator(".total-count")) == outdoors <= young
    assert _counts(page, "target")["jugendliche"] == outdoors
    page.close()
