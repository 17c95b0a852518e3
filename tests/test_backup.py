"""Backups while the service works, restores into an empty data directory, the daily backup
with its retention, and backups of an older release's store."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from cli.main import app
from kb.accounts import Accounts
from kb.job_runs import JobRuns
from kb.migrations import MIGRATIONS
from kb.model import CatalogueEntry
from kb.newsletter_store import NewsletterStore, Preferences
from kb.store import Source
from kb.viewer import Viewer
from ops import backup, curation, imports, pipeline
from ops.search import SearchRequest, search
from ops.services import Services
from tests.appserver import KB, AppServer
from tests.factories import make_settings
from tests.servers import Reply, RouteServer, html
from tests.sessions import PASSWORD, ensure_user, logged_in
from web.app import create_app

RELEASES = Path(__file__).parent / "data" / "releases"
STAFF = Viewer("admin", "test")
ARTICLES = 80
GATE = 60  # pages from here on wait until the test lets them through: the crawl is unfinished
WORDS = "Ahorn Birke Eiche Esche Fichte Kiefer Linde Pappel Ulme Weide".split()


def kb(data: Path, *args: str, check: bool = True) -> str:
    """``kb ARGS`` in this process with ``KB_DATA_DIR=data``; its output."""
    done = CliRunner().invoke(app, list(args), env={"KB_DATA_DIR": str(data)})
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        raise done.exception
    if check:
        assert done.exit_code == 0, done.output
    return done.output


def release(version: str, into: Path) -> dict[str, Any]:
    """The data directory of an earlier release (`scripts/make_release_fixture.py`) unpacked
    into ``into``; what an upgrade must keep of it."""
    with tarfile.open(RELEASES / f"{version}.tar.gz") as tar:
        tar.extractall(into, filter="data")
    expected: dict[str, Any] = json.loads((into / "expected.json").read_text("utf-8"))
    (into / "expected.json").unlink()
    return expected


def _article(n: int) -> str:
    """A text of its own for article ``n``: no duplicate of another."""
    word = WORDS[n % 10] + WORDS[n // 10 % 10].lower()
    return f"<p>Bericht {n}: Im Quartier {word} pflanzt die Stadt neue Bäume am Platz {n}.</p>"


@pytest.fixture
def site() -> Iterator[tuple[RouteServer, threading.Event]]:
    """A site of ``ARTICLES`` pages served slowly; those from ``GATE`` on wait for the event."""
    gate = threading.Event()

    def page(n: int) -> Any:
        def answer(handler: Any) -> Reply:
            time.sleep(0.05)
            if n >= GATE:
                gate.wait(60)
            return Reply(200, html(f"Bericht {n}", _article(n)))

        return answer

    links = "".join(f"<a href='a{n}.html'>{n}</a>" for n in range(ARTICLES))
    routes: dict[str, Any] = {
        "/robots.txt": Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}),
        "/news/": Reply(200, html("Berichte", links)),
        **{f"/news/a{n}.html": page(n) for n in range(ARTICLES)},
    }
    with RouteServer(routes) as server:
        yield server, gate
        gate.set()


def _rows(db: Path, sql: str) -> set[tuple[Any, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return set(conn.execute(sql).fetchall())


def _count(db: Path, sql: str) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute(sql).fetchone()[0])


DOCUMENTS = "SELECT url, title, text, content_hash FROM documents"
MENTIONS = (
    "SELECT d.url, m.label, m.canonical, m.start FROM mentions m JOIN documents d ON d.id=m.doc_id"
)
ENTITIES = "SELECT name, label, kind, city, origin, blocked FROM entities"
CURATED = "SELECT name, label, kind, city, origin FROM entities WHERE origin='staff' OR blocked"
ALIASES = "SELECT e.name, a.alias FROM entity_aliases a JOIN entities e ON e.id=a.entity_id"
ACCOUNTS = "SELECT email, role, password_hash, disabled FROM users"
SUBSCRIBERS = "SELECT email, status, link_key, cities, searches FROM subscribers"


def test_a_backup_taken_while_a_crawl_writes_and_searches_run_restores_the_same_data(
    tmp_path: Path, site: tuple[RouteServer, threading.Event]
) -> None:
    server, gate = site
    settings = make_settings(tmp_path / "live")
    services = Services.open(settings)
    services.key  # noqa: B018 (the generated key, which a restore must bring back)
    ensure_user(services.store, "redaktion@backup.test", "editor")
    ensure_user(services.store, "mitglied@backup.test", "member")
    news = NewsletterStore(services.store)
    news.add("leser@backup.test", Preferences(cities=("Essen",)), confirmed=True)
    news.add("neu@backup.test", Preferences(), confirmed=False)
    entry = CatalogueEntry("Quartiersrat Ahorn", "ORG", "body", ("QR Ahorn",), "Essen")
    curation.add_entity(services, STAFF, entry)
    source = Source("baeume", f"{server.url}/news/", "news", city="Essen")
    services.store.add_source(source)
    imports.import_jsonl(services, _jsonl(tmp_path))  # something to search from the start

    stop = threading.Event()
    searched: list[int] = []

    def crawl() -> None:
        with services.connection() as store:
            pipeline.crawl(services, [source], {}, store=store)

    def searching() -> None:
        while not stop.is_set():
            searched.append(search(services, SearchRequest("Prävention")).total)

    threads = [threading.Thread(target=crawl), threading.Thread(target=searching)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 30
        while _count(settings.db_path, "SELECT count(*) FROM documents") < 8:
            assert time.monotonic() < deadline, "the crawl stored nothing"
            time.sleep(0.05)
        dest = tmp_path / "backup"
        env = {**os.environ, "KB_DATA_DIR": str(settings.data_dir)}
        made = subprocess.run(  # another process, as an operator's
            [KB, "backup", str(dest)], env=env, capture_output=True, text=True, timeout=120
        )
        assert made.returncode == 0, made.stderr
        assert threads[0].is_alive(), "the crawl ended before the backup: nothing was proven"
    finally:
        gate.set()
        stop.set()
        for thread in threads:
            thread.join(60)
    assert searched and min(searched) >= 1

    backed_up = dest / "kb.sqlite3"
    manifest = json.loads((dest / "backup.json").read_text())
    assert manifest["schema"] == len(MIGRATIONS)
    assert (dest / "secret_key").read_text() == (settings.data_dir / "secret_key").read_text()
    assert oct(dest.stat().st_mode)[-3:] == "700" and oct(backed_up.stat().st_mode)[-3:] == "600"
    # One consistent state, mid-crawl: each page's document and its place in the frontier are
    # written in one transaction, so a page is done in the frontier exactly when it is stored.
    live = settings.db_path
    documents = _rows(backed_up, DOCUMENTS)
    assert 8 <= len(documents) < _count(live, "SELECT count(*) FROM documents")
    done = _rows(backed_up, "SELECT url FROM crawl_frontier WHERE done AND url LIKE '%/a%.html'")
    crawled = _rows(backed_up, "SELECT url FROM documents WHERE url LIKE '%/a%.html'")
    assert done == crawled and done
    assert documents <= _rows(live, DOCUMENTS)  # each as it is in the live store
    assert _rows(backed_up, MENTIONS) <= _rows(live, MENTIONS)

    restored = make_settings(tmp_path / "restored")
    out = kb(restored.data_dir, "restore", str(dest))
    assert f"restored: schema {len(MIGRATIONS)}, {len(documents)} documents" in out
    db = restored.db_path
    assert _rows(db, DOCUMENTS) == documents
    assert _rows(db, MENTIONS) == _rows(backed_up, MENTIONS)
    assert _rows(db, ENTITIES) == _rows(backed_up, ENTITIES)
    assert _rows(db, CURATED) == _rows(live, CURATED) and _rows(db, CURATED)
    assert _rows(db, ALIASES) == _rows(live, ALIASES)
    assert _rows(db, ACCOUNTS) == _rows(live, ACCOUNTS)
    assert _rows(db, SUBSCRIBERS) == _rows(live, SUBSCRIBERS)
    assert (restored.data_dir / "secret_key").read_text() == (dest / "secret_key").read_text()
    services.close()
    # The restored service: its index is built from the store, its accounts log in.
    again = Services.open(restored.model_copy(update={"cookie_secure": False}))
    try:
        reports = _count(db, "SELECT count(*) FROM documents WHERE title LIKE 'Bericht%'")
        assert search(again, SearchRequest("Bericht")).total == reports > len(crawled)
        assert search(again, SearchRequest("Quartiersrat")).total == 1
        with (
            AppServer(create_app(again)) as served,
            logged_in(served.url, "redaktion@backup.test", PASSWORD) as client,
        ):
            assert client.get("/staff/quellen").status_code == 200
            assert httpx.get(served.url + "/api/search?q=Ahorn").json()["total"] >= 1
    finally:
        again.close()


def _jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "docs.jsonl"
    record = {
        "url": "https://backup.test/praevention",
        "title": "Prävention im Quartier Ahorn",
        "text": "Der Quartiersrat Ahorn berät über Prävention.",
        "kind": "publication",
    }
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def test_the_backup_of_an_older_release_is_restored_and_migrated(tmp_path: Path) -> None:
    old = tmp_path / "old"
    expected = release("0.1.0", old)
    assert expected["schema"] < len(MIGRATIONS)
    dest = tmp_path / "backup"
    out = kb(old, "backup", str(dest))
    assert f"schema {expected['schema']}" in out
    # Backing up leaves the store as it found it: not migrated, nor written to.
    assert backup.stored_schema(old / "kb.sqlite3") == expected["schema"]
    assert json.loads((dest / "backup.json").read_text())["schema"] == expected["schema"]

    restored = make_settings(tmp_path / "restored")
    out = kb(restored.data_dir, "restore", str(dest))
    assert f"schema {expected['schema']}, migrated to {len(MIGRATIONS)}" in out
    services = Services.open(restored)
    try:
        urls = _rows(restored.db_path, "SELECT url, title, content_hash FROM documents")
        assert urls == {(d["url"], d["title"], d["content_hash"]) for d in expected["documents"]}
        accounts = Accounts(services.store)
        for account in expected["accounts"]:
            user = accounts.authenticate(account["email"], account["password"])
            assert user is not None and user.role == account["role"]
        for query, url in expected["search"].items():
            assert url in [h.url for h in search(services, SearchRequest(query)).hits]
    finally:
        services.close()


def test_restore_wants_an_empty_data_directory_and_a_backup_of_a_known_schema(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    kb(data, "import", str(_jsonl(tmp_path)))
    kb(data, "backup", str(tmp_path / "b"))
    assert "error: " in kb(data, "backup", str(tmp_path / "b"), check=False)  # not empty
    refused = kb(data, "restore", str(tmp_path / "b"), check=False)
    assert "is not empty: restore into an empty data directory" in refused
    assert "error: no backup" in kb(tmp_path / "fresh", "restore", str(tmp_path), check=False)
    with closing(sqlite3.connect(tmp_path / "b" / "kb.sqlite3")) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    refused = kb(tmp_path / "fresh", "restore", str(tmp_path / "b"), check=False)
    assert "made by a newer release" in refused
    assert not (tmp_path / "fresh" / "kb.sqlite3").exists()


def test_the_daily_backup_keeps_the_newest_and_its_runs_show_on_the_staff_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(
        tmp_path, backup_dir=str(tmp_path / "backups"), backup_keep=2, cookie_secure=False
    )
    services = Services.open(settings)
    stamps = iter(f"2025010{n}T033000Z" for n in range(1, 6))
    monkeypatch.setattr(backup, "_stamp", lambda: next(stamps))
    backup._settings = settings  # as `install` leaves it for the job
    for _ in range(4):
        backup.scheduled()
    kept = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert kept == ["kb-20250103T033000Z", "kb-20250104T033000Z"]
    (tmp_path / "a-file").touch()  # a failure is recorded, and shown
    backup._settings = settings.model_copy(update={"backup_dir": str(tmp_path / "a-file" / "b")})
    backup.scheduled()
    runs = JobRuns(services.store).latest("backup")
    assert [r.ok for r in runs] == [False, True, True, True, True]
    assert {r.trigger for r in runs} == {"schedule"}

    ensure_user(services.store, "redaktion@backup.test", "editor")
    with (
        AppServer(create_app(services)) as served,
        logged_in(served.url, "redaktion@backup.test") as client,
    ):
        page = client.get("/staff/sicherungen", headers={"Accept": "text/html"}).text
    assert page.count('data-ok="true"') == 4 and page.count('data-ok="false"') == 1
    assert "kb-20250104T033000Z" in page and "die neuesten 2 bleiben" in page
    services.close()
