"""What ingestion decides, as the API shows it: dates at the precision they were given, calls
that take applications at any time among the open ones."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from ops import imports
from ops.services import Services
from tests.appserver import AppServer
from tests.factories import make_settings
from web.app import create_app
from web.deps import today

RECORDS = [
    {"url": "https://stadt.test/jahresbericht", "title": "Jahresbericht Prävention",
     "text": "Der Jahresbericht der kommunalen Kriminalprävention.", "date": "2017",
     "kind": "publication"},
    {"url": "https://stadt.test/lagebild", "title": "Lagebild Prävention",
     "text": "Das Lagebild der kommunalen Kriminalprävention im Sommer.", "date": "2017-08",
     "kind": "publication"},
    {"url": "https://stadt.test/meldung", "title": "Meldung Prävention",
     "text": "Eine Meldung zur kommunalen Kriminalprävention.", "date": "2017-08-14",
     "kind": "news"},
    {"url": "https://stadt.test/laufend", "title": "Förderprogramm Nachbarschaft",
     "text": "Die Stiftung fördert Projekte in Nachbarschaften. Anträge können laufend "
     "gestellt werden.", "date": "2025-01-10", "kind": "funding"},
    {"url": "https://stadt.test/frist", "title": "Förderaufruf Quartier",
     "text": "Der Aufruf fördert Quartiersarbeit. Einsendeschluss ist der 31. Januar 2025.",
     "date": "2024-11-02", "kind": "funding"},
]  # fmt: skip


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    folder = tmp_path_factory.mktemp("surfaces")
    services = Services.open(make_settings(folder))
    lines = folder / "records.jsonl"
    lines.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS) + "\n")
    imported = imports.import_jsonl(services, lines)
    assert imported.report.new == len(RECORDS) and not imported.report.errors
    app = create_app(services)
    app.dependency_overrides[today] = lambda: date(2025, 3, 1)
    with AppServer(app) as server, httpx.Client(base_url=server.url) as client:
        yield client
    services.close()


def _dates(answer: httpx.Response) -> dict[str, str | None]:
    return {hit["title"]: hit["date"] for hit in answer.json()["hits"]}


def test_dates_keep_their_precision_through_the_api(web: httpx.Client) -> None:
    found = web.get("/api/search", params={"q": "Prävention"})
    assert _dates(found) == {
        "Jahresbericht Prävention": "2017",
        "Lagebild Prävention": "2017-08",
        "Meldung Prävention": "2017-08-14",
    }
    assert found.json()["facets"]["year"] == {"2017": 3}
    first = found.json()["hits"][0]["id"]
    assert web.get(f"/api/documents/{first}").json()["date"] in {"2017", "2017-08", "2017-08-14"}
    # A date filter keeps what may fall in the span: the whole year, the month, the day.
    august = {"q": "Prävention", "date_from": "2017-08-10", "date_to": "2017-08-20"}
    assert len(_dates(web.get("/api/search", params=august))) == 3
    autumn = {"q": "Prävention", "date_from": "2017-09-01", "date_to": "2017-12-31"}
    assert set(_dates(web.get("/api/search", params=autumn))) == {"Jahresbericht Prävention"}
    newest = web.get("/api/search", params={"q": "Prävention", "sort": "date"})
    assert next(iter(_dates(newest))) == "Meldung Prävention"


def test_a_rolling_call_is_open_and_listed_after_dated_ones(web: httpx.Client) -> None:
    open_now = web.get("/api/funding", params={"open": "true"}).json()
    assert [(c["title"], c["status"]) for c in open_now["calls"]] == [
        ("Förderprogramm Nachbarschaft", "rolling")
    ]
    archive = web.get("/api/funding", params={"open": "false"}).json()["calls"]
    assert [(c["title"], c["status"]) for c in archive] == [("Förderaufruf Quartier", "closed")]
    page = web.get("/foerderung").text
    assert "Laufend, ohne Frist" in page


def test_long_lists_of_calls_and_events_come_in_pages(tmp_path: Path) -> None:
    services = Services.open(make_settings(tmp_path))
    calls = [
        {"url": f"https://stadt.test/aufruf-{n}", "title": f"Förderaufruf {n:02}",
         "text": f"Die Stadt fördert Projekte. Einsendeschluss ist der {n}. Juni 2025.",
         "date": "2025-01-10", "kind": "funding"}
        for n in range(1, 26)
    ]  # fmt: skip
    lines = tmp_path / "calls.jsonl"
    lines.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in calls) + "\n")
    imports.import_jsonl(services, lines)
    app = create_app(services)
    app.dependency_overrides[today] = lambda: date(2025, 3, 1)
    try:
        with AppServer(app) as server, httpx.Client(base_url=server.url) as web:
            second = web.get("/api/funding", params={"per_page": 10, "page": 2}).json()
            assert (second["total"], second["page"], len(second["calls"])) == (25, 2, 10)
            assert second["calls"][0]["title"] == "Förderaufruf 11"  # nearest deadline first
            page = BeautifulSoup(web.get("/foerderung", params={"page": 2}).text, "lxml")
            assert len(page.select(".call")) == 5
            assert page.select_one('.pagination a[rel="prev"]')["href"] == "?page=1"
    finally:
        services.close()
