"""Upgrading: ``kb serve`` on the data directory of an earlier release backs the store up,
migrates it and brings the index up to date before it serves; nothing is lost."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from kb.accounts import Accounts
from kb.entity_catalogue import EntityCatalogue
from kb.migrations import MIGRATIONS
from kb.newsletter_store import NewsletterStore
from ops import backup
from ops.services import Services
from tests.appserver import AppServer
from tests.factories import make_settings
from tests.test_backup import RELEASES, kb, release

VERSIONS = sorted(p.name.removesuffix(".tar.gz") for p in RELEASES.glob("*.tar.gz"))


@pytest.mark.parametrize("version", VERSIONS)
def test_serving_an_earlier_release_data_dir_keeps_every_document_and_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    settings = make_settings(tmp_path)
    expected = release(version, settings.data_dir)
    served: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **options: served.update(app=app))
    kb(settings.data_dir, "serve", "--port", "8124")

    # The store as the release left it, backed up before the migration.
    kept = list(settings.backup_path.glob(f"before-upgrade-schema-{expected['schema']}-*"))
    assert len(kept) == 1
    assert backup.stored_schema(kept[0] / "kb.sqlite3") == expected["schema"]
    with closing(sqlite3.connect(kept[0] / "kb.sqlite3")) as db:
        assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == len(
            expected["documents"]
        )

    services = Services.open(settings)
    try:
        store = services.store
        assert store.schema_version == len(MIGRATIONS)
        for wanted in expected["documents"]:
            found = store.document_by_url(wanted["url"])
            assert found is not None, wanted["url"]
            assert (found.title, found.content_hash, found.members_only) == (
                wanted["title"],
                wanted["content_hash"],
                wanted["members_only"],
            )
        assert store.count_documents() == len(expected["documents"])
        # Documents from before labels were labelled by the migration.
        unlabelled = "SELECT count(*) FROM documents WHERE NOT labelled"
        assert store.connection.execute(unlabelled).fetchone()[0] == 0
        accounts = Accounts(store)
        assert len(accounts.users()) == len(expected["accounts"])
        for account in expected["accounts"]:
            user = accounts.authenticate(account["email"], account["password"])
            assert user is not None and user.role == account["role"], account["email"]
        subscribers = NewsletterStore(store).subscribers()
        assert [(s.email, s.status) for s in subscribers] == [
            (s["email"], s["status"]) for s in expected["subscribers"]
        ]
        catalogue = EntityCatalogue(store)
        for entity in expected["entities"]:
            assert (
                sorted(catalogue.find(entity["name"], entity["label"]).aliases)
                == (entity["aliases"])
            )
        assert len(store.crawl_runs()) == expected["crawl_runs"]
        assert services.index.synced_seq == store.seq  # the index is up to date
    finally:
        services.close()
    with AppServer(served["app"]) as server:
        for query, url in expected["search"].items():
            hits = httpx.get(f"{server.url}/api/search", params={"q": query}).json()["hits"]
            assert url in [h["url"] for h in hits]
        assert httpx.get(f"{server.url}/readyz").json()["status"] == "ready"
