"""The Whoosh schema and the facets every document carries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from index.analysis import text_analyzer
from kb.model import Document

FACETS = ("kind", "city", "lang", "year", "collection", "person", "org", "place")
ENTITY_FACETS = {"person": "PER", "org": "ORG", "place": "LOC"}


def build_schema() -> Schema:
    analyzer = text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=analyzer, stored=True),
        entities=TEXT(analyzer=analyzer),
        body=TEXT(analyzer=analyzer, phrase=True),
        date=DATETIME(stored=True, sortable=True),
        # Everything a hit shows or a facet counts, read once per searcher into memory.
        meta=STORED,
    )


def facet_values(doc: Document) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {
        "kind": [doc.kind],
        "city": [doc.city] if doc.city else [],
        "lang": [doc.lang],
        "year": [str(doc.date.year)] if doc.date else [],
        "collection": [doc.collection] if doc.collection else [],
    }
    for facet, label in ENTITY_FACETS.items():
        values[facet] = doc.entity_names(label)
    return values


def to_fields(doc: Document) -> dict[str, Any]:
    """Whoosh fields of a stored document."""
    entity_text = " ".join(m.canonical for m in doc.mentions)
    return {
        "id": str(doc.id),
        "title": doc.title,
        "entities": entity_text,
        "body": doc.text,
        "date": datetime(doc.date.year, doc.date.month, doc.date.day) if doc.date else None,
        "meta": {
            "url": doc.url,
            "members_only": doc.members_only,
            "date": doc.date.isoformat() if doc.date else None,
            "facets": facet_values(doc),
        },
    }
