"""Funding calls, events, the project database and peer practices over the demo corpus, served
by a real server; the clock is frozen through the ``today`` dependency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
import icalendar
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI

from index.search import SearchRequest
from kb.calendar import BERLIN
from kb.viewer import ANONYMOUS
from ops.services import Services
from ops.topics import TOPICS, topic_cities
from tests.appserver import AppServer
from tests.conftest import DemoCorpus
from web.app import create_app
from web.charts import matrix_chart, year_chart
from web.deps import today

BAHNHOF = "Sicherheit im Bahnhofsviertel"


@pytest.fixture(scope="module")
def app(demo: DemoCorpus) -> Iterator[FastAPI]:
    services = Services.open(demo.settings)
    yield create_app(services)
    services.close()


@pytest.fixture(scope="module")
def web(app: FastAPI) -> Iterator[httpx.Client]:
    with AppServer(app) as server, httpx.Client(base_url=server.url) as http:
        yield http


@pytest.fixture
def frozen(app: FastAPI) -> Iterator[Any]:
    """Set the app's today: ``frozen(date(2025, 3, 1))``."""

    def freeze(day: date) -> None:
        app.dependency_overrides[today] = lambda: day

    yield freeze
    app.dependency_overrides.pop(today, None)


def _soup(response: httpx.Response) -> BeautifulSoup:
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "lxml")


# -- funding calls ------------------------------------------------------------------------------


def test_open_calls_are_those_whose_deadline_has_not_passed(web: httpx.Client, frozen: Any) -> None:
    frozen(date(2025, 3, 1))
    answer = web.get("/api/funding", params={"open": "true"}).json()
    assert answer["today"] == "2025-03-01"
    deadlines = [c["deadline"] for c in answer["calls"]]
    assert deadlines == ["2025-03-31", "2025-06-01", "2026-01-15"]  # nearest first
    assert {c["status"] for c in answer["calls"]} == {"open"}
    assert answer["facets"] == {"open": 3, "rolling": 0, "closed": 2, "unknown": 0}
    archive = web.get("/api/funding", params={"open": "false"}).json()["calls"]
    assert [c["deadline"] for c in archive] == ["2023-09-30", "2021-02-15"]  # latest first

    frozen(date(2025, 3, 31))  # the last day still counts
    assert len(web.get("/api/funding", params={"open": "true"}).json()["calls"]) == 3
    frozen(date(2025, 4, 1))
    open_calls = web.get("/api/funding", params={"open": "true"}).json()["calls"]
    assert [c["deadline"] for c in open_calls] == ["2025-06-01", "2026-01-15"]
    archive = web.get("/api/funding", params={"open": "false"}).json()["calls"]
    assert archive[0]["deadline"] == "2025-03-31" and archive[0]["status"] == "closed"
    frozen(date(2030, 1, 1))
    assert web.get("/api/funding", params={"open": "true"}).json()["calls"] == []
    assert len(web.get("/api/funding").json()["calls"]) == 5


def test_the_funding_page_lists_open_calls_then_the_archive(web: httpx.Client, frozen: Any) -> None:
    frozen(date(2025, 4, 1))
    page = _soup(web.get("/foerderung"))
    assert page.select_one("h1").get_text() == "Förderaufrufe"
    open_calls = page.select(".open-calls .call")
    assert [c["data-status"] for c in open_calls] == ["open", "open"]
    first = open_calls[0]
    assert first.select_one(".deadline time")["datetime"] == "2025-06-01"
    assert "1. Juni 2025" in first.get_text() and "noch 61 Tage" in first.get_text()
    assert {c["data-status"] for c in page.select(".archive .call")} == {"closed"}
    assert len(page.select(".archive .call")) == 3
    facet = page.select_one('.status-filter [data-status="open"] .count')
    assert facet is not None and facet.get_text() == "2"
    only_open = _soup(web.get("/foerderung", params={"status": "open"}))
    assert not only_open.select(".archive") and len(only_open.select(".call")) == 2
    english = _soup(web.get("/foerderung", params={"ui": "en"}))
    assert english.select_one("h1").get_text() == "Funding calls"
    assert "1 June 2025" in english.select_one(".open-calls .call").get_text()
    web.get("/foerderung", params={"ui": "de"})


# -- events -------------------------------------------------------------------------------------


def test_upcoming_and_past_events_switch_with_the_date(web: httpx.Client, frozen: Any) -> None:
    frozen(date(2025, 3, 1))
    upcoming = web.get("/api/events", params={"upcoming": "true"}).json()["events"]
    assert [(e["start"], e["place"]) for e in upcoming] == [("2025-06-24", "Hannover")]
    past = web.get("/api/events", params={"upcoming": "false"}).json()["events"]
    starts = [e["start"] for e in past]
    assert starts == sorted(starts, reverse=True) and len(starts) == 4
    frozen(date(2025, 6, 24))  # on the day it still is upcoming
    assert len(web.get("/api/events", params={"upcoming": "true"}).json()["events"]) == 1
    frozen(date(2025, 6, 25))  # its second and last day: running, so still listed
    assert len(web.get("/api/events", params={"upcoming": "true"}).json()["events"]) == 1
    frozen(date(2025, 6, 26))
    assert web.get("/api/events", params={"upcoming": "true"}).json()["events"] == []
    page = _soup(web.get("/veranstaltungen"))
    assert page.select_one(".upcoming .empty") is not None
    assert len(page.select(".past .event")) == 5
    assert page.select_one('a.calendar[href="/events.ics"]') is not None


def test_the_icalendar_feed_is_read_back_by_a_calendar_library(web: httpx.Client) -> None:
    response = web.get("/events.ics")
    assert response.headers["content-type"].startswith("text/calendar")
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))
    parsed = icalendar.Calendar.from_ical(response.content)
    events = {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}
    expected = {e["title"]: e for e in web.get("/api/events").json()["events"] if e["start"]}
    assert set(events) == set(expected) and len(events) == 5
    assert len({str(e["UID"]) for e in events.values()}) == 5
    for title, event in events.items():
        known = expected[title]
        start, end = date.fromisoformat(known["start"]), date.fromisoformat(known["end"])
        if known["start_time"]:  # a timed event in Berlin time
            begins = datetime.combine(start, time.fromisoformat(known["start_time"]), BERLIN)
            assert event.decoded("DTSTART") == begins
            assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        else:  # an all-day span: DTEND is the day after the end
            assert event.decoded("DTSTART") == start
            assert event.decoded("DTEND") == end + timedelta(days=1)
        assert str(event["LOCATION"]) == known["place"]
        assert str(event["URL"]) == known["url"]
        assert event["DTSTAMP"].dt.tzinfo is not None
    siba = next(e for t, e in events.items() if t.startswith("SiBa-Werkstatt"))
    assert "Veranstalter: DEFUS" in str(siba["DESCRIPTION"])
    # Two days, from eleven on the first to two on the second.
    assert siba.decoded("DTSTART") == datetime(2025, 6, 24, 11, tzinfo=BERLIN)
    assert siba.decoded("DTEND") == datetime(2025, 6, 25, 14, tzinfo=BERLIN)


# -- project database ---------------------------------------------------------------------------


def test_the_project_database_filters_by_city_state_topic_and_name(
    web: httpx.Client, demo: DemoCorpus
) -> None:
    everything = web.get("/api/projects").json()
    assert everything["total"] == len(everything["projects"]) > 10
    names = {p["name"] for p in everything["projects"]}
    assert {"Secu4All", "Deutscher Präventionstag"} <= names
    for project in everything["projects"]:
        assert project["documents"], project["name"]
        for ref in project["documents"]:
            doc = demo.store.document(ref["id"])
            assert doc is not None and not doc.members_only
    hannover = web.get("/api/projects", params={"city": "Hannover"}).json()["projects"]
    assert hannover and {p["city"] for p in hannover} == {"Hannover"}
    state = web.get("/api/projects", params={"state": "Niedersachsen"}).json()["projects"]
    assert {p["name"] for p in hannover} <= {p["name"] for p in state}
    assert {p["state"] for p in state} == {"Niedersachsen"}
    topic = "Nächtliches Feiern & Sicherheit in der Nacht"
    in_topic = web.get("/api/projects", params={"topic": topic}).json()["projects"]
    assert in_topic and all(topic in p["topics"] for p in in_topic)
    defus = web.get("/api/projects", params={"q": "defus"}).json()["projects"]
    assert [p["name"] for p in defus] == ["Deutsch-Europäisches Forum für Urbane Sicherheit"]
    # Typed otherwise: in another case, with umlauts spelt out or left out.
    typed = {"city": "HANNOVER", "state": "niedersachsen"}
    assert web.get("/api/projects", params=typed).json()["projects"] == hannover
    for q in ("Deutsch-Europaeisches", "deutsch-europaisches"):
        found = web.get("/api/projects", params={"q": q}).json()["projects"]
        assert [p["name"] for p in found] == [p["name"] for p in defus], q
    page = _soup(web.get("/projekte", params={"city": "Hannover"}))
    assert len(page.select(".project")) == len(hannover)
    assert page.select_one('select[name="city"] option[selected]')["value"] == "Hannover"


# -- peer practices -----------------------------------------------------------------------------


def test_peer_practices_show_what_each_city_does_on_a_topic(
    web: httpx.Client, demo: DemoCorpus
) -> None:
    answer = web.get("/api/peers", params={"topic": BAHNHOF}).json()
    assert (answer["label"], answer["query"]) == ("bahnhofsviertel", "")
    labelled = {"topic": ["bahnhofsviertel"]}
    public = demo.search.search(SearchRequest("", filters=labelled, per_page=1))
    assert answer["total"] == public.total  # the collection itself is members-only
    by_city = {row["city"]: row for row in answer["cities"]}
    assert set(by_city) == set(public.facets["city"])
    hannover = by_city["Hannover"]
    assert hannover["state"] == "Niedersachsen"
    assert hannover["document_count"] == public.facets["city"]["Hannover"]
    assert "Sicherheit im Bahnhofsviertel" in hannover["projects"]
    assert hannover["organisations"]
    # Contacts are people named in the city's own documents, not in other cities' reports.
    for row in answer["cities"]:
        named = {
            r[0]
            for r in demo.store.connection.execute(
                """SELECT m.canonical FROM mentions m JOIN documents d ON d.id = m.doc_id
                   WHERE m.label = 'PER' AND d.city = ?""",
                (row["city"],),
            )
        }
        assert set(row["people"]) <= named, row["city"]
    for row in answer["cities"]:
        for ref in row["documents"]:
            doc = demo.store.document(ref["id"])
            assert doc is not None and not doc.members_only
    counts = [row["document_count"] for row in answer["cities"]]
    assert counts == sorted(counts, reverse=True)

    page = _soup(web.get("/praxis", params={"topic": BAHNHOF}))
    rows = page.select("table.peers tbody tr")
    assert [r["data-city"] for r in rows] == [row["city"] for row in answer["cities"]]
    assert page.select_one("svg.matrix-chart") is not None
    cells = page.select('svg.matrix-chart a.cell[data-row="Sicherheit im Bahnhofsviertel"]')
    assert {c["data-column"]: int(c["data-count"]) for c in cells} == public.facets["city"]
    # The topic typed otherwise: the same page, under the topic's name.
    typed = _soup(web.get("/praxis", params={"topic": BAHNHOF.lower()}))
    assert [r["data-city"] for r in typed.select("table.peers tbody tr")] == [
        r["data-city"] for r in rows
    ]
    assert typed.select_one("h2").get_text().startswith(BAHNHOF)


def test_the_portals_wider_themes_are_topics_of_their_own(
    web: httpx.Client, demo: DemoCorpus
) -> None:
    answer = web.get("/api/peers", params={"topic": "Jugend"}).json()
    assert (answer["label"], answer["query"]) == ("jugend", "")  # the label, not a free query
    labelled = {"topic": ["jugend"]}
    assert answer["total"] == demo.search.search(SearchRequest("", filters=labelled)).total > 0
    page = _soup(web.get("/praxis"))
    offered = [o["value"] for o in page.select("select[name=topic] option")]
    assert {"Jugend", "Integration", "Sichere Städte für Frauen"} <= set(offered)
    assert [t for t in offered if t] == list(TOPICS) and len(TOPICS) == 17


def test_a_city_compares_its_topics_with_the_network(web: httpx.Client, demo: DemoCorpus) -> None:
    answer = web.get("/api/peers/cities/Mannheim").json()
    assert answer["state"] == "Baden-Württemberg"
    assert [a["topic"] for a in answer["topics"]] == list(TOPICS)
    nights = next(a for a in answer["topics"] if a["topic"].startswith("Nächtliches"))
    labelled = {"topic": [TOPICS[nights["topic"]]]}
    facet = demo.search.search(SearchRequest("", filters=labelled, per_page=1)).facets["city"]
    assert nights["documents"] == facet["Mannheim"] > 0
    assert nights["active_cities"] == len(facet)
    assert 0 < nights["network_average"] < nights["documents"]
    page = _soup(web.get("/praxis/stadt/Mannheim"))
    assert page.select_one("h1").get_text() == "Themen in Mannheim"
    assert len(page.select("table.city-topics tbody tr")) == len(TOPICS)
    assert web.get("/api/peers/cities/Atlantis").status_code == 404
    # Typed otherwise: the page's own address, the API's city by its name.
    moved = web.get("/praxis/stadt/mannheim", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (301, "/praxis/stadt/Mannheim")
    assert web.get("/api/peers/cities/MANNHEIM").json()["city"] == "Mannheim"
    assert web.get("/praxis/stadt/Atlantis", headers={"Accept": "text/html"}).status_code == 404


# -- charts -------------------------------------------------------------------------------------


def _bars(svg: str) -> dict[str, int]:
    chart = BeautifulSoup(svg, "lxml").select_one("svg.year-chart")
    # A group, not an image: its bars are links, and an image may hold no controls.
    assert chart is not None and chart["role"] == "group" and chart["aria-label"]
    return {str(a["data-year"]): int(str(a["data-count"])) for a in chart.select("a.bar")}


def test_the_year_chart_counts_equal_the_year_facet(demo: DemoCorpus) -> None:
    result = demo.search.search(SearchRequest("Sicherheit"))
    svg = year_chart(result.facets["year"], lambda year: f"/?q=Sicherheit&year={year}", "de")
    assert _bars(svg) == result.facets["year"]
    soup = BeautifulSoup(svg, "lxml")
    assert [a["href"] for a in soup.select("a.bar")] == [
        f"/?q=Sicherheit&year={y}" for y in sorted(result.facets["year"])
    ]
    assert "Treffer" in soup.select_one("a.bar title").get_text()
    for year, count in result.facets["year"].items():
        narrowed = demo.search.search(SearchRequest("Sicherheit", filters={"year": [year]}))
        assert narrowed.total == count
    assert year_chart({}, str, "de") == ""


def test_the_peer_page_draws_the_years_of_its_query(web: httpx.Client, demo: DemoCorpus) -> None:
    topic = "Messergewalt im öffentlichen Raum"
    page = web.get("/praxis", params={"topic": topic})
    labelled = {"topic": [TOPICS[topic]]}
    facet = demo.search.search(SearchRequest("", filters=labelled, per_page=1)).facets["year"]
    assert _bars(page.text) == facet


def test_the_matrix_chart_escapes_and_links_only_filled_cells() -> None:
    svg = matrix_chart(
        ["A & B", "C"], ["Köln", "<X>"], {("A & B", "Köln"): 3}, lambda r, c: f"/{r}/{c}", "en"
    )
    soup = BeautifulSoup(svg, "lxml")
    (cell,) = soup.select("a.cell")
    assert (cell["data-row"], cell["data-column"], cell["href"]) == ("A & B", "Köln", "/A & B/Köln")
    assert len(soup.select("g.cell.empty")) == 3
    assert "<X>" not in svg and "&lt;X&gt;" in svg


def test_the_topic_matrix_counts_the_labels_in_one_pass(demo: DemoCorpus) -> None:
    # One pivot over the index instead of a search (or three) per topic; the same counts.
    counts = topic_cities(demo.search, ANONYMOUS)
    assert list(counts) == list(TOPICS)
    assert any(counts.values())
    for topic, label in TOPICS.items():
        found = demo.search.search(SearchRequest("", filters={"topic": [label]}, per_page=1))
        assert counts[topic] == found.facets["city"], topic
