"""The HTML pages, served by a real server over the demo corpus."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup

from index.search import SearchRequest
from kb.formatting import format_date, german_key
from kb.model import KINDS
from kb.viewer import MEMBER
from ops.services import Services
from ops.topics import TOPICS
from tests.appserver import AppServer
from tests.conftest import DemoCorpus
from tests.sessions import ensure_user, logged_in
from web.app import create_app


@pytest.fixture(scope="module")
def web(demo: DemoCorpus) -> Iterator[httpx.Client]:
    services = Services.open(demo.settings)
    with AppServer(create_app(services)) as server, httpx.Client(base_url=server.url) as http:
        yield http
    services.close()


def _soup(response: httpx.Response) -> BeautifulSoup:
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "lxml")


def test_the_search_page_shows_hits_snippets_and_facets_in_german(web: httpx.Client) -> None:
    page = _soup(web.get("/", params={"q": "Sicherheit"}))
    assert page.html is not None and page.html["lang"] == "de"
    assert "Treffer" in page.select_one(".total").get_text()
    assert page.select(".hit-title a") and page.select(".snippet mark")
    headings = [h.get_text() for h in page.select(".facet h2")]
    assert headings[:4] == ["Art", "Stadt", "Thema", "Zielgruppe"]
    assert {"Setting", "Sprache", "Jahr"} <= set(headings)
    assert {"Person", "Organisation", "Ort"} <= set(headings)


def test_facet_links_add_a_filter_and_chips_remove_it(web: httpx.Client, demo: DemoCorpus) -> None:
    start = _soup(web.get("/", params={"q": "Sicherheit"}))
    essen = start.select_one('[data-facet="city"] a[data-value="Essen"]')
    assert essen is not None
    count = int(essen.find_next("span", class_="count").get_text())
    filtered = _soup(web.get("/" + str(essen["href"])))
    assert len(filtered.select(".hit")) == min(count, 10)
    assert [m.get_text() for m in filtered.select(".hit .meta")] and all(
        "Essen" in m.get_text() for m in filtered.select(".hit .meta")
    )
    chip = filtered.select_one(".chip")
    assert chip is not None and "Stadt: Essen" in chip.get_text()
    params = dict(parse_qsl(urlsplit(str(chip["href"])).query))
    assert params == {"q": "Sicherheit"}
    assert (
        count == demo.search.search(SearchRequest("Sicherheit", filters={"city": ["Essen"]})).total
    )


def test_pagination_walks_through_all_hits(web: httpx.Client, demo: DemoCorpus) -> None:
    total = demo.search.search(SearchRequest("")).total
    seen: list[str] = []
    link: str | None = "/?per_page=10"
    while link:
        page = _soup(web.get(link))
        seen += [str(a["href"]) for a in page.select(".hit-title a")]
        nxt = page.select_one('a[rel="next"]')
        link = "/" + str(nxt["href"]) if nxt else None
    assert len(seen) == len(set(seen)) == total


def test_the_english_switch_is_remembered(web: httpx.Client) -> None:
    page = _soup(web.get("/", params={"q": "safety", "ui": "en"}))
    assert "results" in page.select_one(".total").get_text()
    assert web.cookies.get("ui") == "en"
    again = _soup(web.get("/", params={"q": "safety"}))
    assert again.select(".facet h2")[0].get_text() == "Type"
    web.get("/", params={"ui": "de"})


def test_document_pages_show_entities_and_hide_members_only(
    web: httpx.Client, demo: DemoCorpus
) -> None:
    hit = demo.search.search(SearchRequest("Deutscher Präventionstag")).hits[0]
    page = _soup(web.get(f"/documents/{hit.id}"))
    assert page.select_one("h1").get_text() == hit.title
    assert page.select(".entities li a")
    hidden = demo.search.search(SearchRequest("Quartiersstreife", viewer=MEMBER)).hits[0]
    response = web.get(f"/documents/{hidden.id}", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "Quartiersstreife" not in response.text


def test_german_dates_and_collation() -> None:
    assert format_date(date(2024, 3, 5), "de") == "5. März 2024"
    assert sorted(["Zürich", "Ärzteverband", "Berlin", "Straße", "Strasbourg"], key=german_key) == [
        "Ärzteverband", "Berlin", "Strasbourg", "Straße", "Zürich"
    ]  # fmt: skip


def test_the_year_chart_counts_equal_the_year_facet_and_link_to_it(
    web: httpx.Client, demo: DemoCorpus
) -> None:
    page = _soup(web.get("/", params={"q": "Sicherheit"}))
    facet = demo.search.search(SearchRequest("Sicherheit")).facets["year"]
    bars = page.select("figure.years svg a")
    assert len(bars) == len(facet)
    for bar in bars:
        params = dict(parse_qsl(urlsplit(str(bar.get("href") or bar.get("xlink:href"))).query))
        assert str(facet[params["year"]]) in bar.get_text()


def test_the_search_page_reads_as_a_page_of_results(web: httpx.Client) -> None:
    page = _soup(web.get("/", params={"q": "Sicherheit"}))
    assert page.select_one("h1") is not None and page.select_one("a.skip[href='#treffer']")
    years = [a["data-value"] for a in page.select('[data-facet="year"] a')]
    assert years == sorted(years, reverse=True)  # years in their order, not by count
    assert page.select(".hit-title a mark")  # titles marked like the snippets
    more = page.select_one(".facet details.more > summary")
    assert more is not None and more.get_text().endswith("weitere")
    per_page = _soup(web.get("/", params={"q": "Sicherheit", "per_page": "20"}))
    chosen = per_page.select_one(".per-page strong")
    assert chosen is not None and chosen.get_text() == "20"
    date_given = _soup(web.get("/", params={"q": "Sicherheit", "date_from": "1.1.2023"}))
    assert date_given.select_one('input[name="date_from"]')["value"] == "01.01.2023"


def test_members_see_a_badge_on_members_only_hits(demo: DemoCorpus) -> None:
    ensure_user(demo.store, "badge@stadt.test", "member")
    services = Services.open(demo.settings.model_copy(update={"cookie_secure": False}))
    try:
        with (
            AppServer(create_app(services)) as server,
            logged_in(server.url, "badge@stadt.test") as member,
        ):
            page = _soup(member.get("/", params={"q": "Bahnhof"}))
    finally:
        services.close()
    badged = [hit for hit in page.select(".hit") if hit.select_one(".badge.members")]
    assert badged and all("nur für Mitglieder" in hit.get_text() for hit in badged)


def test_a_document_page_has_its_headings_and_its_way_back(web: httpx.Client) -> None:
    search = _soup(web.get("/", params={"q": "Konfliktbearbeitung", "kind": "publication"}))
    link = str(search.select_one(".hit-title a")["href"])
    page = _soup(web.get(link))
    assert page.select("article.document h2")  # sub-headings, not plain paragraphs
    back = dict(parse_qsl(urlsplit(str(page.select_one("a.back")["href"])).query))
    assert back == {"q": "Konfliktbearbeitung", "kind": "publication"}
    # Only a search's own parameters come back: no way to lead elsewhere.
    tricked = _soup(web.get(link.split("?")[0], params={"suche": "q=x&weiter=//evil.test"}))
    assert tricked.select_one("a.back")["href"] == "/?q=x"


def test_a_filter_typed_otherwise_is_shown_as_the_value_it_matched(web: httpx.Client) -> None:
    browse = web.get("/api/search").json()["facets"]
    city = next(iter(browse["city"]))
    kind = next(iter(browse["kind"]))
    typed = {"city": city.upper(), "kind": KINDS[kind].lower()}  # "ESSEN", "veranstaltung"
    page = _soup(web.get("/", params=typed))
    exact = _soup(web.get("/", params={"city": city, "kind": kind}))
    assert page.select_one(".total-count").get_text() == exact.select_one(".total-count").get_text()
    assert not page.select(".notice[data-notice=unknown_value]")
    # Chips and chosen facet values as for the exact values.
    chips = [chip.get_text(" ", strip=True) for chip in page.select(".chip")]
    assert chips == [chip.get_text(" ", strip=True) for chip in exact.select(".chip")]
    chosen = [a["data-value"] for a in page.select("li.chosen a")]
    assert sorted(chosen) == sorted([city, kind])


def test_an_entity_filter_is_no_unknown_value(web: httpx.Client) -> None:
    # The entity filter matches people, organisations and places: no facet of its own.
    org, count = next(iter(web.get("/api/search").json()["facets"]["org"].items()))
    for given in (org, org.upper()):
        page = _soup(web.get("/", params={"entity": given}))
        assert page.select_one(".total-count").get_text() == str(count)
        assert not page.select(".notice[data-notice=unknown_value]"), given
        [chip] = page.select(".chip")
        assert org in chip.get_text(), given


def test_label_facets_are_named_in_the_interface_language_and_filter_the_api(
    web: httpx.Client,
) -> None:
    browse = web.get("/api/search").json()
    assert browse["facets"]["target"], "the demo corpus has target groups"
    group, count = next(iter(browse["facets"]["target"].items()))
    narrowed = web.get("/api/search", params={"target": group}).json()
    assert narrowed["total"] == count
    # A topic by its name as /praxis shows it, as typed.
    topic, count = next(iter(browse["facets"]["topic"].items()))
    name = next(name for name, label in TOPICS.items() if label == topic)
    for given in (name, name.upper()):
        assert web.get("/api/search", params={"topic": given}).json()["total"] == count
    # A kind by its German name, as the interface shows it.
    kind, count = next(iter(browse["facets"]["kind"].items()))
    assert web.get("/api/search", params={"kind": KINDS[kind]}).json()["total"] == count
    german = _soup(web.get("/", params={"target": "jugendliche", "ui": "de"}))
    english = _soup(web.get("/", params={"target": "jugendliche", "ui": "en"}))
    assert "Zielgruppe: Jugendliche" in german.select_one(".chip").get_text()
    assert "Target group: Young people" in english.select_one(".chip").get_text()


def test_a_query_of_operators_the_parser_cannot_take_is_answered(web: httpx.Client) -> None:
    # 'NOT AND "' broke Whoosh's parser inside the request: its words are searched instead.
    for path, params in (
        ("/api/search", {"q": 'Prävention NOT AND "'}),
        ("/", {"q": 'NOT AND "'}),
        ("/praxis", {"topic": 'NOT AND "'}),
    ):
        assert web.get(path, params=params).status_code == 200, path
