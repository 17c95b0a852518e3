from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kb.derived import derive, derive_all
from kb.errors import MigrationError
from kb.language import Passage, passages
from kb.migrations import MIGRATIONS
from kb.model import Mention
from kb.store import Source, Store
from tests.factories import make_document, mention


def test_migrations_bring_a_new_store_to_the_latest_schema(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "kb.sqlite3")
    assert store.schema_version == len(MIGRATIONS)
    store.close()
    reopened = Store.open(tmp_path / "kb.sqlite3")  # a second open migrates nothing
    assert reopened.schema_version == len(MIGRATIONS)


def test_a_store_from_newer_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite3"
    Store.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(MigrationError, match="upgrade"):
        Store.open(path)


def test_upgrading_makes_stored_documents_of_a_collection_members_only(tmp_path: Path) -> None:
    # Stored public by an earlier import; the index must learn of it: a new change number.
    path = tmp_path / "kb.sqlite3"
    store = Store.open(path)
    pooled = store.upsert_document(make_document(url="https://x.test/pool", collection="Pool"))
    public = store.upsert_document(make_document(url="https://x.test/page"))
    store.connection.execute("UPDATE documents SET members_only = 0")
    store.connection.commit()
    before = store.seq
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) - 1}")
    upgraded = Store.open(path)
    assert [upgraded.document(d.id).members_only for d in (pooled, public)] == [True, False]
    assert [doc.url for _, doc in upgraded.documents_since(before)] == ["https://x.test/pool"]


def test_upsert_reports_new_unchanged_and_changed(store: Store) -> None:
    doc = make_document(mentions=[mention("Essen")])
    first = store.upsert_document(doc)
    assert first.status == "new"
    assert store.upsert_document(make_document(url=doc.url, title=doc.title)).status == "unchanged"
    changed = make_document(url=doc.url, title="Neuer Titel", mentions=[mention("Köln")])
    assert store.upsert_document(changed) == type(first)(first.id, "changed")
    stored = store.document(first.id)
    assert stored is not None
    assert stored.title == "Neuer Titel"
    assert [m.canonical for m in stored.mentions] == ["Köln"]


def test_passages_decided_at_ingestion_are_stored_and_read_back(store: Store) -> None:
    text = "Die Stadt plant den Platz neu.\n\nThe city redesigns the square."
    # As ingestion decided them, not as the text alone would: the index reads these.
    decided = [Passage(0, 30, "de"), Passage(32, len(text), "en")]
    doc_id = store.upsert_document(make_document(text=text, passages=decided)).id
    stored = store.document(doc_id)
    assert stored is not None and stored.language_passages() == decided
    # A document stored before passages were: decided when read.
    store._conn.execute("UPDATE documents SET passages = NULL WHERE id = ?", (doc_id,))
    stored = store.document(doc_id)
    assert stored is not None and stored.language_passages() == passages(text, "de")
    assert [p.lang for p in stored.language_passages()] == ["de", "de"]  # too short alone


def test_passages_are_decided_again_once_the_function_words_change(store: Store) -> None:
    german = "Die Stadt und die Polizei arbeiten in der Nacht für die Sicherheit zusammen."
    text = f"{german}\n\nThe city and the police work together on safety in the night."
    # Decided under other function words: the English paragraph taken for German.
    older = [Passage(0, len(german), "de"), Passage(len(german) + 2, len(text), "de")]
    doc_id = store.upsert_document(make_document(text=text, passages=older)).id
    assert store.redecide_passages() == 0  # the words this store's passages were decided by
    store._conn.execute("UPDATE meta SET value = 'older words' WHERE key = 'language_rules'")
    seq = store.seq
    assert store.redecide_passages() == 1
    stored = store.document(doc_id)
    assert stored is not None and [p.lang for p in stored.language_passages()] == ["de", "en"]
    assert stored.lang == "de"  # the document's language stays the one ingestion decided
    assert store.seq > seq  # the index picks them up
    assert store.redecide_passages() == 0


def test_metadata_changes_count_as_changes(store: Store) -> None:
    doc = make_document()
    store.upsert_document(doc)
    moved = make_document(url=doc.url, title=doc.title, city="Essen")
    assert store.upsert_document(moved).status == "changed"


def test_each_write_takes_the_next_change_number(store: Store) -> None:
    a, b = make_document(), make_document()
    store.upsert_document(a)
    store.upsert_document(b)
    assert [(seq, d.url) for seq, d in store.documents_since(0)] == [(1, a.url), (2, b.url)]
    assert [d.url for _, d in store.documents_since(1)] == [b.url]


def test_a_failed_write_leaves_the_stored_document_intact(store: Store) -> None:
    doc = make_document(title="Bewährt")
    store.upsert_document(doc)
    broken = make_document(url=doc.url, title="Halb", mentions=[Mention("x", None, 0, 1, "x")])  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError):
        store.upsert_document(broken)
    stored = store.document_by_url(doc.url)
    assert stored is not None and stored.title == "Bewährt"


def test_sources_are_added_listed_and_updated_by_name(store: Store) -> None:
    store.add_source(Source("essen", "https://essen.test/feed.xml", "news", city="Essen"))
    store.add_source(Source("essen", "https://essen.test/rss", "news", city="Essen"))
    assert [(s.name, s.url, s.city) for s in store.sources()] == [
        ("essen", "https://essen.test/rss", "Essen")
    ]


def test_derived_a_step_at_a_time_over_many_documents_equals_one_at_a_time() -> None:
    long = " ".join(f"Die Waffenverbotszone am Bahnhof wirkt, Bericht {n}." for n in range(30))
    docs = [
        make_document(title="Messerverbot am Bahnhof", text=long),
        make_document(text="Kurz."),  # too short for a SimHash
        make_document(text=long.replace("Bahnhof", "Park"), collection="Mitarbeitersicherheit"),
    ]
    assert derive_all(docs) == [derive(doc) for doc in docs]
    assert derive_all(docs)[0].labels != derive_all(docs)[2].labels
