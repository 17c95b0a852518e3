"""Who sees what, proven per surface: anonymous visitors, members logged in through the real
login form, and API clients with personal tokens, against a real server over the demo corpus.

An anonymous visitor must not be able to learn from any response that a members-only document
exists: no word of one, no collection value, no count that includes one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.routing import APIRoute

from index.search import SearchRequest
from kb.accounts import Accounts
from kb.entity_catalogue import EntityCatalogue
from kb.viewer import MEMBER as A_MEMBER
from ops.demo import COLLECTION
from ops.services import Services
from tests.appserver import AppServer
from tests.conftest import DemoCorpus
from tests.sessions import ensure_user, form_token, logged_in
from web.app import ROUTES, create_app

GOLD = json.loads((Path(__file__).parent / "data" / "demo_entities.json").read_text("utf-8"))
HIDDEN = [*GOLD["hidden_words"], GOLD["sections"]["collection"]]
MEMBER = "mitglied@access.test"
EDITOR = "redaktion@access.test"
# Routes that are no surface for anonymous visitors: staff pages (they need a login) and the
# API's own documentation.
NO_SURFACE = ("/staff", "/docs", "/redoc", "/openapi.json", "/static")
# How some routes are asked for: with and without a query, with a topic (which /api/peers
# requires); the others with their defaults.
VARIANTS = {
    "/": ["/", "/?q=Sicherheit"],
    "/api/search": ["/api/search", "/api/search?q=Sicherheit&per_page=100"],
    "/api/peers": ["/api/peers?topic=Bahnhof"],
    "/praxis": ["/praxis", "/praxis?topic=Bahnhof"],
}


def surfaces(demo: DemoCorpus) -> list[str]:
    """Every page and API answer an anonymous visitor can ask for, taken from the routes the
    app is built of (so that a new route is checked too); path parameters get a public
    document and entity, a member city, and a link token or issue that does not exist."""
    public = demo.search.search(SearchRequest("Sicherheit")).hits[0].id
    entity = EntityCatalogue(demo.store).find("Essen", "LOC")
    examples = {
        "doc_id": public,
        "entity_id": entity.id,
        "city": "Essen",
        "token": "unbekannt",
        "number": 1,
    }
    found = []
    for route in (r for module in ROUTES for r in module.router.routes):
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        if route.path.startswith(NO_SURFACE):
            continue
        found += VARIANTS.get(route.path, [route.path.format(**examples)])
    return found


@pytest.fixture(scope="module")
def app(demo: DemoCorpus) -> Iterator[FastAPI]:
    ensure_user(demo.store, MEMBER, "member")
    ensure_user(demo.store, EDITOR, "editor")
    # httpx, unlike browsers, sends no Secure cookie over http://127.0.0.1.
    services = Services.open(demo.settings.model_copy(update={"cookie_secure": False}))
    yield create_app(services)
    services.close()


@pytest.fixture(scope="module")
def server(app: FastAPI) -> Iterator[str]:
    with AppServer(app) as running:
        yield running.url


@pytest.fixture(scope="module")
def anonymous(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server) as client:
        yield client


@pytest.fixture(scope="module")
def member(server: str) -> Iterator[httpx.Client]:
    with logged_in(server, MEMBER) as client:
        yield client


def _counts(demo: DemoCorpus) -> tuple[int, int]:
    """(public documents, members-only documents) in the store."""
    rows = demo.store.connection.execute(
        "SELECT members_only, count(*) FROM documents GROUP BY members_only"
    ).fetchall()
    by_flag = {bool(r[0]): int(r[1]) for r in rows}
    return by_flag.get(False, 0), by_flag.get(True, 0)


def _hidden_doc(demo: DemoCorpus) -> int:
    return demo.search.search(SearchRequest(GOLD["hidden_words"][0], viewer=A_MEMBER)).hits[0].id


def _private_entity(demo: DemoCorpus) -> tuple[int, str]:
    """An entity found only in members-only documents (catalogue entities have public pages
    of their own, from the shipped gazetteer)."""
    catalogue = EntityCatalogue(demo.store)
    rows = demo.store.connection.execute(
        """SELECT m.canonical, m.label FROM mentions m JOIN documents d ON d.id = m.doc_id
           JOIN entities e ON e.name = m.canonical AND e.label = m.label AND e.origin = 'found'
           GROUP BY m.canonical, m.label HAVING min(d.members_only) = 1 ORDER BY 1"""
    ).fetchall()
    assert rows, "the demo's board posts name entities found nowhere else"
    entity = catalogue.find(rows[0][0], rows[0][1])
    return entity.id, entity.name


def _collections(value: object) -> list[object]:
    """Every value of a "collection" key in a JSON answer."""
    if isinstance(value, dict):
        own = [v for k, v in value.items() if k == "collection" and not isinstance(v, dict)]
        return own + [c for v in value.values() for c in _collections(v)]
    if isinstance(value, list):
        return [c for v in value for c in _collections(v)]
    return []


def test_anonymous_responses_never_show_members_only_words(
    demo: DemoCorpus, anonymous: httpx.Client
) -> None:
    paths = surfaces(demo)
    assert {"/", "/api/search", "/praxis/stadt/Essen", "/events.ics"} <= set(paths)
    for path in paths:
        answer = anonymous.get(path, headers={"Accept": "text/html"})
        # 404 and 400: a link token or an issue that does not exist
        assert answer.status_code in (200, 400, 404), path
        for word in HIDDEN:
            assert word.lower() not in answer.text.lower(), (path, word)
        # Public pages name the collection (it is also a topic and a project); what must not
        # show is a document that belongs to it.
        if answer.headers["content-type"].startswith("application/json"):
            assert COLLECTION not in _collections(answer.json()), path
        elif answer.headers["content-type"].startswith("text/html"):
            page = BeautifulSoup(answer.text, "lxml")
            assert not page.select('[data-facet="collection"]'), path
            assert all(COLLECTION not in m.get_text() for m in page.select(".hit .meta")), path


def test_members_see_what_anonymous_visitors_do_not(
    anonymous: httpx.Client, member: httpx.Client
) -> None:
    for word in HIDDEN:
        hidden = anonymous.get("/api/search", params={"q": word}).json()
        assert hidden["total"] == 0 and hidden["hits"] == [] and hidden["suggestion"] is None
        shown = member.get("/api/search", params={"q": word}).json()
        assert shown["total"] >= 1 and shown["hits"][0]["collection"] == COLLECTION, word
        assert "<mark>" in shown["hits"][0]["snippet"], word  # snippets and highlights
        page = member.get("/", params={"q": word}).text
        assert COLLECTION in page and "<mark>" in page


def test_totals_and_every_facet_count_exclude_members_only_documents(
    anonymous: httpx.Client, member: httpx.Client, demo: DemoCorpus
) -> None:
    public, private = _counts(demo)
    assert private > 0
    browse = anonymous.get("/api/search").json()
    assert browse["total"] == public
    assert member.get("/api/search").json()["total"] == public + private
    expected = {
        "kind": "SELECT kind, count(*) FROM documents WHERE NOT members_only GROUP BY kind",
        "lang": "SELECT lang, count(*) FROM documents WHERE NOT members_only GROUP BY lang",
        "year": "SELECT substr(date, 1, 4), count(*) FROM documents"
        " WHERE NOT members_only AND date IS NOT NULL GROUP BY 1",
    }
    for family in ("topic", "target", "setting", "evidence"):
        expected[family] = (
            "SELECT l.label, count(*) FROM labels l JOIN documents d ON d.id = l.doc_id"
            f" WHERE NOT d.members_only AND l.family = '{family}' GROUP BY l.label"
        )
    for facet, sql in expected.items():
        counts = {r[0]: r[1] for r in demo.store.connection.execute(sql)}
        assert browse["facets"][facet] == counts, facet
    assert browse["facets"]["collection"] == {}
    assert member.get("/api/search").json()["facets"]["collection"] == {COLLECTION: private}
    private_names = {
        r[0]
        for r in demo.store.connection.execute(
            """SELECT m.canonical FROM mentions m JOIN documents d ON d.id = m.doc_id
               GROUP BY m.canonical HAVING min(d.members_only) = 1"""
        )
    }
    for facet in ("person", "org", "place", "project", "city"):
        assert not private_names & set(browse["facets"][facet]), facet
        members_facet = member.get("/api/search").json()["facets"][facet]
        for value, count in browse["facets"][facet].items():
            assert count <= members_facet[value], (facet, value)


def test_suggestions_and_did_you_mean_only_from_visible_documents(
    anonymous: httpx.Client, member: httpx.Client
) -> None:
    offered_to_members = []
    for word in GOLD["hidden_words"]:
        for client, sink in ((anonymous, None), (member, offered_to_members)):
            texts = [
                s["text"].lower()
                for s in client.get("/api/suggest", params={"q": word[:7]}).json()["suggestions"]
            ]
            if sink is None:
                assert all(word.lower() not in t for t in texts), word
            else:
                sink += [word for t in texts if word.lower() in t]
    assert offered_to_members, "members are offered words of the collections"
    typo = GOLD["hidden_words"][0][:-1] + "x"  # Quartiersstreifx
    assert anonymous.get("/api/search", params={"q": typo}).json()["suggestion"] is None
    corrected = member.get("/api/search", params={"q": typo}).json()["suggestion"]
    assert corrected and GOLD["hidden_words"][0].lower() in corrected.lower()


def test_document_pages_and_api_documents(
    anonymous: httpx.Client, member: httpx.Client, demo: DemoCorpus
) -> None:
    doc_id = _hidden_doc(demo)
    for path in (f"/documents/{doc_id}", f"/api/documents/{doc_id}"):
        refused = anonymous.get(path, headers={"Accept": "text/html"})
        missing = anonymous.get(
            path.replace(str(doc_id), "999999"), headers={"Accept": "text/html"}
        )
        # Hidden and missing look alike: same status, same text.
        assert refused.status_code == missing.status_code == 404
        assert refused.text == missing.text
        assert member.get(path).status_code == 200
    answer = member.get(f"/api/documents/{doc_id}").json()
    assert answer["collection"] == COLLECTION
    # A collection's post carries the collection's topic, whatever its words.
    assert answer["labels"] == demo.store.labels(doc_id)
    assert "bahnhofsviertel" in answer["labels"]["topic"]


def test_entity_pages_and_co_occurrences(
    anonymous: httpx.Client, member: httpx.Client, demo: DemoCorpus
) -> None:
    entity_id, name = _private_entity(demo)
    assert anonymous.get(f"/api/entities/{entity_id}").status_code == 404
    assert anonymous.get(f"/entity/{entity_id}", headers={"Accept": "text/html"}).status_code == 404
    page = member.get(f"/api/entities/{entity_id}").json()
    assert page["documents"] and page["related"]
    assert member.get(f"/entity/{entity_id}").status_code == 200
    # Its companions that public documents mention too: their pages never name it anonymously.
    for related in page["related"]:
        public = anonymous.get(f"/api/entities/{related['id']}")
        if public.status_code == 200:
            assert name not in {r["name"] for r in public.json()["related"]}
            assert name not in anonymous.get(f"/entity/{related['id']}").text
            assert all(d["id"] != _hidden_doc(demo) for d in public.json()["documents"])
            shared = member.get(f"/api/entities/{related['id']}").json()
            assert name in {r["name"] for r in shared["related"]}
            break
    else:
        pytest.fail("no companion of the private entity is public")


def test_views_count_members_only_documents_only_for_members(
    anonymous: httpx.Client, member: httpx.Client
) -> None:
    topic = {"topic": COLLECTION}
    shown = member.get("/api/peers", params=topic).json()
    hidden = anonymous.get("/api/peers", params=topic).json()
    assert shown["total"] > hidden["total"]
    for path, key, ident in (
        ("/api/projects", "projects", "name"),
        ("/api/events", "events", "id"),
        ("/api/funding", "calls", "id"),
    ):
        public = {item[ident] for item in anonymous.get(path).json()[key]}
        assert public <= {item[ident] for item in member.get(path).json()[key]}, path


def test_api_tokens_carry_the_role_of_their_account(server: str, demo: DemoCorpus) -> None:
    accounts = Accounts(demo.store)
    token_id, token = accounts.create_token(accounts.by_email(MEMBER), "test")
    bearer = {"Authorization": f"Bearer {token}"}
    word = GOLD["hidden_words"][1]
    with httpx.Client(base_url=server) as api:
        assert api.get("/api/search", params={"q": word}, headers=bearer).json()["total"] >= 1
        bad = api.get("/api/search", params={"q": word}, headers={"Authorization": "Bearer x"})
        assert bad.status_code == 401 and bad.headers["WWW-Authenticate"] == "Bearer"
        assert accounts.revoke_token(token_id)
        assert api.get("/api/search", params={"q": word}, headers=bearer).status_code == 401


def test_logging_out_ends_the_members_view(server: str) -> None:
    with logged_in(server, MEMBER) as client:
        word = GOLD["hidden_words"][2]
        assert client.get("/api/search", params={"q": word}).json()["total"] >= 1
        page = client.get("/", headers={"Accept": "text/html"}).text
        assert MEMBER in page and "Abmelden" in page
        token = form_token(client, "/")
        assert client.post("/abmelden", data={"csrf_token": token}).status_code == 303
        assert client.get("/api/search", params={"q": word}).json()["total"] == 0


def test_editors_see_members_only_documents_too(server: str) -> None:
    with logged_in(server, EDITOR) as client:
        word = GOLD["hidden_words"][3]
        assert client.get("/api/search", params={"q": word}).json()["total"] >= 1
