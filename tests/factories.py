"""Factories for documents and stores, so tests state only what matters to them."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from index.indexer import Index
from index.search import SearchService
from kb.model import Document, Mention
from kb.settings import Settings
from kb.store import Store

_numbers = itertools.count(1)


def make_document(**overrides: Any) -> Document:
    n = next(_numbers)
    fields: dict[str, Any] = {
        "url": f"https://pufii.test/dokument-{n}.html",
        "title": f"Dokument {n}",
        "text": "Kommunale Kriminalprävention in der Stadt.",
        "lang": "de",
        "kind": "publication",
        "date": date(2024, 1, 1),
    }
    fields.update(overrides)
    return Document(**fields)


def mention(canonical: str, label: str = "LOC") -> Mention:
    return Mention(canonical, label, 0, len(canonical), canonical)


def make_settings(tmp_path: Any, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": tmp_path / "data", "crawl_delay": 0.0}
    values.update(overrides)
    return Settings(**values)


def indexed(store: Store, settings: Settings, docs: list[Document]) -> SearchService:
    """Store ``docs``, index them and return a search over them."""
    for doc in docs:
        store.upsert_document(doc)
    index = Index(settings.index_dir)
    index.sync(store)
    return SearchService(index, store)


def long_paragraphs() -> list[str]:
    """Paragraphs of over 1.2 million characters that name Essen first, Dortmund in the
    middle and Mannheim at the end."""
    filler = "Kommunale Kriminalprävention verbindet Verwaltung, Jugendhilfe und Quartiersarbeit. "
    body = [filler * 12 for _ in range(1200)]
    body[0] = "In Essen beginnt der Bericht. " + body[0]
    body[600] = "Auch in Dortmund wird gearbeitet. " + body[600]
    body[-1] += "Zum Schluss ein Schlusswort aus Mannheim."
    return body
