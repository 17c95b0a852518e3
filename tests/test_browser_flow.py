"""The search as people use it, in a real headless Chromium: a phone's first screen, the way
back from a document, suggestions by keyboard, the messages of the search page, and an
accessibility check (axe-core) of the main pages in both languages."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from ops.services import Services
from tests.appserver import AppServer
from tests.conftest import DemoCorpus
from web.app import create_app

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site(demo: DemoCorpus) -> Iterator[str]:
    services = Services.open(demo.settings)
    with AppServer(create_app(services)) as server:
        yield server.url
    services.close()


def test_on_a_phone_the_first_result_is_on_the_first_screen(browser: Browser, site: str) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(site + "/?q=Sicherheit&kind=news&kind=publication")
    first = page.locator(".hit").first.bounding_box()
    assert first is not None and first["y"] < PHONE["height"] - 100
    drawer = page.locator("details.drawer")
    expect(drawer.locator("> summary")).to_have_text("Filter (2)")
    assert drawer.get_attribute("open") is None  # closed until asked for
    drawer.locator("> summary").click()
    expect(page.locator('[data-facet="kind"]')).to_be_visible()
    page.close()


def test_back_to_search_keeps_query_filters_and_page(browser: Browser, site: str) -> None:
    page = browser.new_page()
    page.goto(site + "/?q=Sicherheit&kind=publication&page=2&per_page=10")
    title = page.locator(".hit-title a").first.inner_text()
    page.locator(".hit-title a").first.click()
    expect(page.locator("h1")).to_have_text(title)
    page.locator("a.back").click()
    expect(page.locator('input[name="q"]')).to_have_value("Sicherheit")
    expect(page.locator(".chip")).to_contain_text("Publikation")
    expect(page.locator('.pagination [aria-current="page"]')).to_have_text("2")
    page.close()


def _listbox(page: Page) -> None:
    page.locator("#q").press_sequentially("Sicherheits", delay=30)
    expect(page.locator("#suggestions")).to_be_visible()
    expect(page.locator("#q")).to_have_attribute("aria-expanded", "true")


def test_suggestions_are_driven_by_the_keyboard_alone(browser: Browser, site: str) -> None:
    page = browser.new_page()
    page.goto(site)
    page.locator("#q").focus()
    _listbox(page)
    groups = page.locator('#suggestions [role="group"]')
    expect(groups.first).to_be_visible()
    page.keyboard.press("ArrowDown")
    chosen = page.locator('#suggestions [aria-selected="true"]')
    expect(chosen).to_have_count(1)
    assert page.locator("#q").get_attribute("aria-activedescendant") == chosen.get_attribute("id")
    page.keyboard.press("Escape")
    expect(page.locator("#suggestions")).to_be_hidden()
    # A document among the suggestions opens with Enter.
    page.locator("#q").fill("")
    _listbox(page)
    options = page.locator('#suggestions [role="option"]')
    kinds = [c.split()[-1] for c in options.evaluate_all("os => os.map(o => o.className)")]
    for _ in range(kinds.index("option-title") + 1):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/documents/*")
    page.close()


@pytest.mark.parametrize(
    ("path", "notice"),
    [
        ("/?q=" + "Sicherheit%20" * 60, "query_too_long"),
        ("/?q=Sicherheit&date_from=31.12.2024&date_to=1.1.2020", "dates_swapped"),
        ("/?q=Sicherheit&date_from=gestern", "date_invalid"),
        ("/?q=Sicherheit&city=Atlantis", "unknown_value"),
        ("/?q=Sicherheit&page=99", "page_beyond"),
    ],
)
def test_the_search_page_says_what_it_made_of_the_request(
    browser: Browser, site: str, path: str, notice: str
) -> None:
    page = browser.new_page()
    page.goto(site + path)
    expect(page.locator(f'[data-notice="{notice}"]')).to_be_visible()
    if notice == "page_beyond":
        expect(page.locator(".empty")).to_have_count(0)  # there are results, on other pages
    page.close()


def test_did_you_mean_keeps_the_typed_capital(browser: Browser, site: str) -> None:
    page = browser.new_page()
    page.goto(site + "/?q=" + quote("Sicherheitsaudt"))
    suggestion = page.locator(".suggestion a")
    expect(suggestion).to_be_visible()
    assert suggestion.inner_text()[:1].isupper()
    page.close()


PAGES = ["/?q=Sicherheit", "/foerderung", "/veranstaltungen", "/newsletter", "/praxis"]


@pytest.mark.parametrize("ui", ["de", "en"])
def test_no_serious_accessibility_violations(browser: Browser, site: str, ui: str) -> None:
    page = browser.new_page()
    page.goto(f"{site}/?q=Sicherheit&ui={ui}")  # the cookie keeps the language
    document = str(page.locator(".hit-title a").first.get_attribute("href"))
    page.goto(site + document)
    entity = str(page.locator('.entities a[href^="/entity/"]').first.get_attribute("href"))
    axe = Axe()
    for path in [*PAGES, document, entity]:
        page.goto(site + path)
        found = axe.run(page).response["violations"]
        serious = [(v["id"], v["impact"]) for v in found if v["impact"] in ("serious", "critical")]
        assert not serious, (path, ui, serious)
    page.close()
