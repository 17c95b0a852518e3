"""The whole path on the bundled demo: crawl → entities → index → faceted search → web API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from index.search import SearchRequest
from kb.viewer import ANONYMOUS, MEMBER
from ops.demo.server import DemoSite
from ops.services import Services
from tests.appserver import AppServer
from tests.conftest import DemoCorpus
from web.app import create_app

GOLD = json.loads((Path(__file__).parent / "data" / "demo_entities.json").read_text("utf-8"))
SECTION_FILTERS = {
    "publication": {"kind": ["publication"]},
    "news": {"kind": ["news"]},
    "funding": {"kind": ["funding"]},
    "event": {"kind": ["event"]},
    "newsletter": {"kind": ["newsletter"]},
    "city-news:mannheim": {"city": ["Mannheim"]},
    "city-news:essen": {"city": ["Essen"]},
    "city-news:heidelberg": {"city": ["Heidelberg"]},
}


@pytest.fixture(scope="module")
def client(demo: DemoCorpus) -> Iterator[httpx.Client]:
    services = Services.open(demo.settings)
    with AppServer(create_app(services)) as server, httpx.Client(base_url=server.url) as http:
        yield http
    services.close()


def test_the_crawl_stores_every_section_and_fails_nothing(demo: DemoCorpus) -> None:
    assert demo.report.failed == []
    assert demo.report.new >= 45
    assert demo.store.count_documents() == demo.report.new


@pytest.mark.parametrize("section", sorted(SECTION_FILTERS))
def test_searching_finds_pages_of_every_section(demo: DemoCorpus, section: str) -> None:
    word = GOLD["sections"][section]
    result = demo.search.search(SearchRequest(word, filters=SECTION_FILTERS[section]))
    assert result.total >= 1, word


@pytest.mark.parametrize("query", ["", "Sicherheit", "Prävention Stadt", "safety"])
def test_facet_counts_equal_the_matching_documents_per_value(demo: DemoCorpus, query: str) -> None:
    result = demo.search.search(SearchRequest(query))
    assert result.total > 0
    for facet, counts in result.facets.items():
        for value, count in counts.items():
            filtered = demo.search.search(SearchRequest(query, filters={facet: [value]}))
            assert filtered.total == count, (facet, value)


def test_members_only_pages_are_hidden_from_anonymous_search(
    demo: DemoCorpus, client: httpx.Client
) -> None:
    for word in [*GOLD["hidden_words"], GOLD["sections"]["collection"]]:
        answer = client.get("/api/search", params={"q": word}).json()
        assert answer["total"] == 0 and answer["hits"] == [], word
        members = demo.search.search(SearchRequest(word, viewer=MEMBER))
        assert members.total >= 1, word
        assert members.hits[0].collection == "Sicherheit im Bahnhofsviertel", word
    browse = client.get("/api/search").json()
    assert browse["facets"]["collection"] == {}
    assert browse["total"] == demo.search.search(SearchRequest("")).total
    hidden = demo.search.search(SearchRequest(GOLD["hidden_words"][0], viewer=MEMBER)).hits[0]
    assert client.get(f"/api/documents/{hidden.id}").status_code == 404


def test_the_demo_people_organisations_and_places_are_found(
    demo: DemoCorpus, demo_site: DemoSite
) -> None:
    expected = found = 0
    for path, labels in GOLD["pages"].items():
        doc = demo.store.document_by_url(demo_site.base_url + path)
        assert doc is not None, path
        for label, names in labels.items():
            for name in names:
                expected += 1
                found += any(
                    m.label == label and name in (m.text, m.canonical) for m in doc.mentions
                )
    assert expected >= 100
    assert found / expected >= 0.9  # measured 0.94: city districts are not yet in the catalogue


def test_api_search_json_follows_the_contract(client: httpx.Client) -> None:
    answer = client.get(
        "/api/search", params=[("q", "Sicherheit"), ("kind", "news"), ("kind", "publication")]
    ).json()
    assert set(answer) == {"query", "total", "page", "per_page", "hits", "facets", "suggestion"}
    assert set(answer["facets"]) >= {
        "kind",
        "city",
        "lang",
        "year",
        "collection",
        "person",
        "org",
        "place",
    }  # fmt: skip  (extensions such as "project" may follow)
    assert {h["kind"] for h in answer["hits"]} <= {"news", "publication"}
    assert set(answer["hits"][0]) >= {
        "id", "url", "title", "snippet", "kind", "city", "lang", "date", "collection", "score"
    }  # fmt: skip


def test_api_documents_health_and_docs(client: httpx.Client) -> None:
    hit = client.get("/api/search", params={"q": "Sicherheit"}).json()["hits"][0]
    document = client.get(f"/api/documents/{hit['id']}").json()
    assert document["url"] == hit["url"] and document["text"]
    assert client.get("/api/documents/999999").status_code == 404
    assert client.get("/healthz").json() == {"status": "ok", "scheduler": False}
    assert client.get("/docs").status_code == 200
    assert "/api/search" in client.get("/openapi.json").json()["paths"]


def test_bad_parameters_get_clear_client_errors(client: httpx.Client) -> None:
    answer = client.get("/api/search", params={"page": 0})
    assert answer.status_code == 422
    assert "page" in answer.text


def test_entity_pages_list_visible_documents_and_related_entities(
    demo: DemoCorpus, client: httpx.Client
) -> None:
    from kb.entity_catalogue import EntityCatalogue

    catalogue = EntityCatalogue(demo.store)
    dpt = catalogue.find("Deutscher Präventionstag", "ORG")
    page = client.get(f"/api/entities/{dpt.id}").json()
    assert page["name"] == "Deutscher Präventionstag" and page["label"] == "ORG"
    expected = demo.search.search(SearchRequest("", filters={"org": [dpt.name]})).total
    assert len(page["documents"]) == expected > 0
    assert page["related"] and all(r["documents"] >= 1 for r in page["related"])
    html = client.get(f"/entity/{dpt.id}").text
    assert "Deutscher Präventionstag" in html and "Erwähnt in" in html


def test_entities_only_members_see_do_not_exist_for_anonymous_visitors(
    demo: DemoCorpus, client: httpx.Client
) -> None:
    from kb.entity_catalogue import EntityCatalogue

    catalogue = EntityCatalogue(demo.store)
    hidden_docs = demo.search.search(SearchRequest("", viewer=MEMBER, per_page=100)).hits
    private = {h.id for h in hidden_docs if h.collection}
    mentions = [m for i in private for m in demo.store.document(i).mentions]  # type: ignore[union-attr]
    only_private = [
        m
        for m in mentions
        if m.label == "PER"
        and not catalogue.documents(catalogue.find(m.canonical, "PER"), ANONYMOUS)
    ]
    assert only_private, "the demo's board posts name people found nowhere else"
    entity = catalogue.find(only_private[0].canonical, "PER")
    assert client.get(f"/api/entities/{entity.id}").status_code == 404
    public = catalogue.find("Deutscher Präventionstag", "ORG")
    related = client.get(f"/api/entities/{public.id}").json()["related"]
    assert entity.name not in {r["name"] for r in related}


def test_autocomplete_never_offers_what_only_members_see(client: httpx.Client) -> None:
    for word in GOLD["hidden_words"]:
        answer = client.get("/api/suggest", params={"q": word[:6]}).json()
        assert all(word.lower() not in s["text"].lower() for s in answer["suggestions"]), word
    offered = client.get("/api/suggest", params={"q": "Präventions"}).json()["suggestions"]
    assert {s["kind"] for s in offered} >= {"title", "term"}
    assert client.get("/api/suggest", params={"q": "x" * 101}).status_code == 422
