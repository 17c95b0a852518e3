"""The staff pages: each page and action, the audit log, CSRF and role refusals, and the
hardening of every response (headers, errors without internals, size limits)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI

from index.search import SearchRequest
from kb.audit import AuditLog
from kb.store import Source
from ops.demo.server import DemoSite
from ops.services import Services
from tests.appserver import AppServer
from tests.factories import make_document, make_settings
from tests.sessions import ensure_user, form_token, logged_in
from web.app import create_app

MEMBER, EDITOR, ADMIN = "m@staff.test", "e@staff.test", "a@staff.test"
UPLOAD_LIMIT = 20_000


class Site:
    def __init__(self, url: str, services: Services, app: FastAPI) -> None:
        self.url = url
        self.services = services
        self.app = app


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = make_settings(
        tmp_path_factory.mktemp("staff"), cookie_secure=False, max_upload_bytes=UPLOAD_LIMIT
    )
    services = Services.open(settings)
    for email, role in ((MEMBER, "member"), (EDITOR, "editor"), (ADMIN, "admin")):
        ensure_user(services.store, email, role)
    app = create_app(services)

    @app.get("/api/kaputt", include_in_schema=False)
    async def broken() -> None:
        raise RuntimeError(f"secret internals at {settings.data_dir}")

    with AppServer(app) as server:
        yield Site(server.url, services, app)
    services.close()


@pytest.fixture(scope="module")
def editor(site: Site) -> Iterator[httpx.Client]:
    with logged_in(site.url, EDITOR) as client:
        yield client


@pytest.fixture(scope="module")
def admin(site: Site) -> Iterator[httpx.Client]:
    with logged_in(site.url, ADMIN) as client:
        yield client


def _post(client: httpx.Client, page: str, action: str, **data: Any) -> httpx.Response:
    """Submit a form of ``page`` to ``action`` with the page's CSRF token."""
    return client.post(action, data={**data, "csrf_token": form_token(client, page)})


def _audited(site: Site, action: str) -> list[dict[str, Any]]:
    return [
        {"actor": e.actor, "target": e.target, **e.detail}
        for e in AuditLog(site.services.store).entries()
        if e.action == action
    ]


def _soup(response: httpx.Response) -> BeautifulSoup:
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "lxml")


# -- sources and runs -------------------------------------------------------------------------


def test_an_editor_adds_edits_runs_and_disables_a_source(
    site: Site, editor: httpx.Client, demo_site: DemoSite
) -> None:
    feed = f"{demo_site.base_url}/staedte/heidelberg/feed.xml"
    added = _post(
        editor, "/staff/quellen", "/staff/quellen",
        name="heidelberg-news", url=feed, kind="news", city="Heidelberg", schedule="0 6 * * 1",
    )  # fmt: skip
    assert added.status_code == 303 and "meldung=source_saved" in added.headers["location"]
    row = _soup(editor.get("/staff/quellen")).select_one('tr[data-source="heidelberg-news"]')
    assert row is not None and feed in row.get_text() and "0 6 * * 1" in row.get_text()
    assert _audited(site, "source.add") == [
        {"actor": EDITOR, "target": "heidelberg-news", "url": feed, "kind": "news"}
    ]

    bad = _post(
        editor, "/staff/quellen/heidelberg-news", "/staff/quellen/heidelberg-news",
        url=feed, kind="news", schedule="jeden Tag",
    )  # fmt: skip
    assert bad.status_code == 422 and "cron" in bad.text
    edited = _post(
        editor, "/staff/quellen/heidelberg-news", "/staff/quellen/heidelberg-news",
        url=feed, kind="news", city="Heidelberg", schedule="30 4 * * *",
    )  # fmt: skip
    assert edited.status_code == 303
    assert site.services.store.source("heidelberg-news").schedule == "30 4 * * *"  # type: ignore[union-attr]
    assert _audited(site, "source.edit")[0]["schedule"] == "30 4 * * *"

    run = _post(editor, "/staff/quellen", "/staff/quellen/heidelberg-news/crawl")
    assert run.status_code == 303 and "crawl_started" in run.headers["location"]
    deadline = time.monotonic() + 60
    while True:
        runs = _soup(editor.get("/staff/laeufe")).select("tr[data-run]")
        if runs and runs[0]["data-state"] == "done":
            break
        assert time.monotonic() < deadline, "the crawl did not finish"
        time.sleep(0.2)
    report = _soup(editor.get(f"/staff/laeufe/{runs[0]['data-run']}"))
    assert int(report.select_one(".report-new").get_text()) >= 3  # type: ignore[union-attr]
    assert _audited(site, "source.crawl")[0]["target"] == "heidelberg-news"
    deadline = time.monotonic() + 20
    while not editor.get("/api/search", params={"q": "altstadtdialog"}).json()["total"]:
        assert time.monotonic() < deadline, "the crawl was not indexed"
        time.sleep(0.2)

    disabled = _post(editor, "/staff/quellen", "/staff/quellen/heidelberg-news/status", enabled="0")
    assert disabled.status_code == 303
    assert not site.services.store.source("heidelberg-news").enabled  # type: ignore[union-attr]
    assert _audited(site, "source.disable")[0]["actor"] == EDITOR


def test_a_duplicate_or_invalid_source_is_refused_with_reasons(
    site: Site, editor: httpx.Client
) -> None:
    site.services.store.add_source(Source("vorhanden", "https://a.test/", "news"))
    twice = _post(
        editor, "/staff/quellen", "/staff/quellen", name="vorhanden", url="https://b.test/",
        kind="news",
    )  # fmt: skip
    assert twice.status_code == 422 and "gibt es schon" in twice.text
    invalid = _post(
        editor, "/staff/quellen", "/staff/quellen", name="Kein Name", url="ftp://x", kind="blog"
    )
    assert invalid.status_code == 422
    problems = _soup(httpx.Response(200, text=invalid.text)).select("ul.problems li")
    assert {p.get_text().split(":")[0] for p in problems} >= {"name", "url", "kind"}


# -- entities ----------------------------------------------------------------------------------


def test_an_editor_searches_and_curates_the_entity_catalogue(
    site: Site, editor: httpx.Client
) -> None:
    found = _soup(editor.get("/staff/entitaeten", params={"q": "Präventionstag"}))
    assert found.select_one('tr[data-entity="Deutscher Präventionstag"]') is not None
    steps = [
        ("/staff/entitaeten/neu", {"name": "Nachtbüro Test", "label": "ORG", "aliases": "NBT"}),
        ("/staff/entitaeten/alias", {"name": "Nachtbüro Test", "alias": "Nachtbuero"}),
        ("/staff/entitaeten/neu", {"name": "Fachstelle Nacht Test", "label": "ORG"}),
        ("/staff/entitaeten/zusammenfuehren",
         {"source": "Fachstelle Nacht Test", "target": "Nachtbüro Test"}),
        ("/staff/entitaeten/sperren", {"name": "Büro Runde Test", "label": "ORG"}),
    ]  # fmt: skip
    for action, data in steps:
        done = _post(editor, "/staff/entitaeten", action, **data)
        assert done.status_code == 303 and "entity_saved" in done.headers["location"], action
    page = _soup(editor.get("/staff/entitaeten", params={"q": "Nachtbüro"}))
    row = page.select_one('tr[data-entity="Nachtbüro Test"]')
    assert row is not None
    assert {"NBT", "Nachtbuero", "Fachstelle Nacht Test"} <= set(
        row.select("td")[2].get_text().split(", ")
    )
    actions = [e.action for e in AuditLog(site.services.store).entries()]
    assert {"entity.add", "entity.alias", "entity.merge", "entity.block"} <= set(actions)
    unknown = _post(editor, "/staff/entitaeten", "/staff/entitaeten/alias", name="Gibtsnicht",
                    alias="x")  # fmt: skip
    assert unknown.status_code == 422 and "no entity named" in unknown.text


def test_an_editor_corrects_a_documents_labels_audited_and_kept_across_a_recrawl(
    site: Site, editor: httpx.Client
) -> None:
    store = site.services.store
    doc = make_document(title="Messerverbot in der Innenstadt", text="Messer sind verboten.")
    doc_id = store.upsert_document(doc).id
    site.services.sync()
    page = f"/documents/{doc_id}"
    shown = _soup(editor.get(page))
    assert shown.select_one('[data-label="topic:messergewalt"]') is not None
    chosen = {"topic": ["messergewalt", "jugend"], "target": ["jugendliche"]}
    done = editor.post(
        f"/staff/dokumente/{doc_id}/labels", data={**chosen, "csrf_token": form_token(editor, page)}
    )
    assert done.status_code == 303 and "labels_saved" in done.headers["location"]
    assert store.labels(doc_id)["target"] == ["jugendliche"]
    (entry,) = _audited(site, "labels.correct")
    assert entry["actor"] == EDITOR and entry["target"] == f"document {doc_id}"
    assert set(entry["labels"]) >= {"topic", "target"}
    found = site.services.search.search(SearchRequest("", filters={"target": ["jugendliche"]}))
    assert [h.id for h in found.hits] == [doc_id]  # indexed at once
    store.upsert_document(make_document(url=doc.url, title=doc.title, text="Neu: Messer."))
    assert store.labels(doc_id)["target"] == ["jugendliche"]  # the recrawl keeps it
    refused = editor.post(
        f"/staff/dokumente/{doc_id}/labels",
        data={"topic": ["nonsense"], "csrf_token": form_token(editor, page)},
    )
    assert refused.status_code == 422


def test_an_editor_accepts_or_dismisses_the_acronyms_texts_define(
    site: Site, editor: httpx.Client
) -> None:
    text = (
        "Die Fachstelle für Nachtkultur (FaNa) berät Clubs. Auch die Arbeitsgemeinschaft für "
        "Straßensozialarbeit (AGS) ist dabei."
    )
    store = site.services.store
    doc = make_document(text=text, url="https://x.test/kuerzel")
    doc.mentions = site.services.extractor.extract(text, "de")
    store.upsert_document(doc)
    store.upsert_document(make_document(text="Die FaNa lädt ein.", url="https://x.test/nutzt"))
    page = _soup(editor.get("/staff/entitaeten"))
    assert {str(r["data-acronym"]) for r in page.select("tr[data-acronym]")} >= {"FaNa", "AGS"}
    action = "/staff/entitaeten/kuerzel"
    fana = {"alias": "FaNa", "name": "Fachstelle für Nachtkultur", "label": "ORG"}
    accepted = _post(editor, "/staff/entitaeten", action, **fana, decision="accept")
    assert accepted.status_code == 303 and "changed=1" in accepted.headers["location"]
    uses = store.document_by_url("https://x.test/nutzt")
    assert uses is not None and [m.canonical for m in uses.mentions] == [fana["name"]]
    ags = {"alias": "AGS", "name": "Arbeitsgemeinschaft für Straßensozialarbeit", "label": "ORG"}
    assert _post(editor, "/staff/entitaeten", action, **ags, decision="dismiss").status_code == 303
    page = _soup(editor.get("/staff/entitaeten"))
    assert not page.select('tr[data-acronym="FaNa"]') and not page.select('tr[data-acronym="AGS"]')
    assert _audited(site, "entity.accept_acronym") and _audited(site, "entity.dismiss_acronym")


def test_a_runs_page_lists_the_texts_cut_at_the_limit(site: Site, editor: httpx.Client) -> None:
    store = site.services.store
    run_id = store.start_run()
    cut = {"url": "https://essen.test/riesig.html", "chars": 20_512_334, "kept": 1_999_871}
    store.finish_run(run_id, {"fetched": 1, "new": 1, "changed": 0, "unchanged": 0,
                              "skipped": [], "failed": [], "gone": [], "cut": [cut]})  # fmt: skip
    page = _soup(editor.get(f"/staff/laeufe/{run_id}"))
    [item] = page.select("ul.cut li")
    assert item.get_text() == "https://essen.test/riesig.html: 1,999,871 / 20,512,334"


# -- board exports ----------------------------------------------------------------------------


def test_an_editor_imports_a_board_export_and_oversized_uploads_get_413(
    site: Site, editor: httpx.Client
) -> None:
    export = json.dumps(
        [{"title": "Lichtkonzept Vorplatz", "text": "Wir testen Leuchten.", "date": "2024-03-01"}]
    ).encode()
    token = form_token(editor, "/staff/import")
    answer = editor.post(
        "/staff/import",
        data={"collection": "Schutz öffentlicher Räume", "csrf_token": token},
        files={"datei": ("board.json", export, "application/json")},
    )
    page = _soup(answer)
    assert page.select_one(".report-new").get_text() == "1"  # type: ignore[union-attr]
    assert _audited(site, "board.import")[0]["new"] == 1
    wrong = editor.post(
        "/staff/import",
        data={"collection": "X", "csrf_token": token},
        files={"datei": ("board.exe", b"MZ", "application/octet-stream")},
    )
    assert wrong.status_code == 415 and "CSV- oder JSON-Datei" in wrong.text
    large = editor.post(
        "/staff/import",
        data={"collection": "X", "csrf_token": token},
        files={"datei": ("board.json", b"[" + b" " * UPLOAD_LIMIT + b"]", "application/json")},
        headers={"Accept": "text/html"},
    )
    assert large.status_code == 413 and "Die Datei ist zu groß" in large.text
    # No declared length: counted as it arrives. A well-formed start keeps the form parser
    # reading, so the size limit and not a parse error decides (either could come first).
    head = (
        b'--x\r\nContent-Disposition: form-data; name="datei"; filename="b.json"\r\n'
        b"Content-Type: application/json\r\n\r\n"
    )
    streamed = editor.post(
        "/staff/import",
        content=iter([head, *[b" " * 8000] * 4]),
        headers={"Content-Type": "multipart/form-data; boundary=x", "Accept": "text/html"},
    )
    assert streamed.status_code == 413 and "Die Datei ist zu groß" in streamed.text


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_an_oversized_post_refuses_the_export_with_422_whatever_its_format(
    tmp_path: Path, suffix: str
) -> None:
    """A post over KB_MAX_TEXT_CHARS (default two million) is named; nothing is stored."""
    text = "Wort " * 400_001
    if suffix == ".json":
        posts = [{"title": "Kurz", "text": "Ein kurzer Beitrag."}, {"title": "Lang", "text": text}]
        export, label = json.dumps(posts).encode(), "post 2"
    else:
        export, label = f"title,text\nKurz,Ein kurzer Beitrag.\nLang,{text}\n".encode(), "row 3"
    services = Services.open(make_settings(tmp_path, cookie_secure=False))
    ensure_user(services.store, EDITOR, "editor")
    try:
        with AppServer(create_app(services)) as server, logged_in(server.url, EDITOR) as editor:
            answer = editor.post(
                "/staff/import",
                data={"collection": "Pool", "csrf_token": form_token(editor, "/staff/import")},
                files={"datei": (f"board{suffix}", export, "text/plain")},
            )
        assert answer.status_code == 422
        size = len("Lang") + len(text.strip())
        expected = f"{label}: {size:,} characters, over the limit of 2,000,000 (KB_MAX_TEXT_CHARS)"
        assert expected in answer.text
        assert services.store.count_documents() == 0
    finally:
        services.close()


# -- accounts and the audit log ---------------------------------------------------------------


def test_an_admin_invites_changes_roles_and_disables_accounts(
    site: Site, admin: httpx.Client
) -> None:
    invited = _post(admin, "/staff/konten", "/staff/konten", email="gast@stadt.test", role="member")
    # No mail server in these settings: the admin is given the link to pass on.
    assert invited.status_code == 200 and "/passwort/neu?token=" in invited.text
    user = ensure_user(site.services.store, "gast@stadt.test", "member")
    assert (
        _post(admin, "/staff/konten", f"/staff/konten/{user.id}/rolle", role="editor").status_code
        == 303
    )
    assert (
        _post(admin, "/staff/konten", f"/staff/konten/{user.id}/status", disabled="1").status_code
        == 303
    )
    row = _soup(admin.get("/staff/konten")).select_one('tr[data-email="gast@stadt.test"]')
    assert row is not None and "Redaktion" in row.get_text() and "gesperrt" in row.get_text()
    log = _soup(admin.get("/staff/protokoll"))
    actions = {tr["data-action"] for tr in log.select("tr[data-action]")}
    assert {"account.invite", "account.role", "account.disable"} <= actions
    assert _audited(site, "account.role")[0] == {
        "actor": ADMIN, "target": "gast@stadt.test", "old": "member", "new": "editor"
    }  # fmt: skip


def test_a_disabled_account_loses_its_session(site: Site, admin: httpx.Client) -> None:
    ensure_user(site.services.store, "weg@stadt.test", "member")
    with logged_in(site.url, "weg@stadt.test") as member:
        assert "weg@stadt.test" in member.get("/", headers={"Accept": "text/html"}).text
        user = ensure_user(site.services.store, "weg@stadt.test", "member")
        _post(admin, "/staff/konten", f"/staff/konten/{user.id}/status", disabled="1")
        assert "weg@stadt.test" not in member.get("/", headers={"Accept": "text/html"}).text


# -- refusals ---------------------------------------------------------------------------------

STAFF_PAGES = ["/staff/quellen", "/staff/laeufe", "/staff/entitaeten", "/staff/import"]
ADMIN_PAGES = ["/staff/konten", "/staff/protokoll"]


def test_each_role_reaches_only_its_pages(
    site: Site, editor: httpx.Client, admin: httpx.Client
) -> None:
    html = {"Accept": "text/html"}
    with httpx.Client(base_url=site.url) as anonymous, logged_in(site.url, MEMBER) as member:
        for path in STAFF_PAGES + ADMIN_PAGES:
            sent_away = anonymous.get(path, headers=html)
            assert sent_away.status_code == 303
            assert sent_away.headers["location"].startswith("/anmelden?weiter=%2Fstaff")
            assert anonymous.get(path).status_code == 401  # API clients: no redirect
            refused = member.get(path, headers=html)
            assert refused.status_code == 403 and "Berechtigung" in refused.text
            assert admin.get(path).status_code == 200
        for path in STAFF_PAGES:
            assert editor.get(path).status_code == 200
        for path in ADMIN_PAGES:
            assert editor.get(path, headers=html).status_code == 403
        token = form_token(member, "/")
        refused = member.post(
            "/staff/quellen", data={"name": "x", "url": "https://x.test/", "kind": "news",
                                    "csrf_token": token}
        )  # fmt: skip
        assert refused.status_code == 403


def test_state_changing_requests_need_the_sessions_csrf_token(
    site: Site, editor: httpx.Client, admin: httpx.Client
) -> None:
    data = {"name": "csrf-probe", "url": "https://x.test/", "kind": "news"}
    assert editor.post("/staff/quellen", data=data).status_code == 403
    foreign = form_token(admin, "/staff/quellen")  # another session's token
    assert editor.post("/staff/quellen", data={**data, "csrf_token": foreign}).status_code == 403
    refused = editor.post(
        "/staff/quellen", data={**data, "csrf_token": "x"}, headers={"Accept": "text/html"}
    )
    assert refused.status_code == 403 and "Seite neu" in refused.text
    header = {"X-CSRF-Token": form_token(editor, "/staff/quellen")}
    assert editor.post("/staff/quellen", data=data, headers=header).status_code == 303
    assert site.services.store.source("csrf-probe") is not None


# -- hardening --------------------------------------------------------------------------------


def test_every_response_carries_the_security_headers(site: Site) -> None:
    for path in ("/", "/api/search", "/static/style.css", "/nirgends", "/anmelden", "/docs"):
        headers = httpx.get(site.url + path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "same-origin", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
    csp = httpx.get(site.url + "/").headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp


def test_templates_need_no_inline_styles_or_scripts() -> None:
    """What the Content-Security-Policy would block."""
    folder = resources.files("web").joinpath("templates")
    for template in folder.iterdir():
        page = BeautifulSoup(template.read_text("utf-8"), "lxml")
        assert not page.select("[style]"), template.name
        assert all(s.get("src") for s in page.select("script")), template.name
        assert not page.select("style"), template.name
        for tag in page.find_all(True):
            assert not any(a.startswith("on") for a in tag.attrs), template.name


def test_errors_reveal_no_internals(site: Site) -> None:
    broken = httpx.get(site.url + "/api/kaputt")
    assert broken.status_code == 500 and broken.json() == {"detail": "internal error"}
    page = httpx.get(site.url + "/api/kaputt", headers={"Accept": "text/html"})
    assert (
        "secret internals" not in page.text
        and str(site.services.settings.data_dir) not in page.text
    )
    assert "Traceback" not in page.text and page.headers["x-frame-options"] == "DENY"
    missing = httpx.get(site.url + "/nirgends", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "Diese Seite gibt es nicht" in missing.text
    # (The search page itself keeps what it can of a request, and says so.)
    invalid = httpx.get(site.url + "/documents/eins", headers={"Accept": "text/html"})
    assert invalid.status_code == 422 and "doc_id" in invalid.text and "ungültige" in invalid.text
    api = httpx.get(site.url + "/api/search", params={"per_page": 1000})
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["query", "per_page"]
