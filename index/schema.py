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


def mentioned_cities(doc: Document, member_cities: frozenset[str]) -> list[str]:
    """Member cities a document is about: named as a place, or in an organisation's name
    ("Stadt Essen", "Polizeipräsidium Essen")."""
    found: dict[str, None] = {}
    for m in doc.mentions:
        if m.label == "LOC" and m.canonical in member_cities:
            found.setdefault(m.canonical, None)
        elif m.label == "ORG":
            for city in member_cities:
                if m.canonical.endswith(" " + city):
                    found.setdefault(city, None)
    return list(found)


def facet_values(doc: Document, member_cities: frozenset[str]) -> dict[str, list[str]]:
    """Facets of a document; the city is the source's, else the member cities it mentions."""
    values: dict[str, list[str]] = {
        "kind": [doc.kind],
        "city": [doc.city] if doc.city else mentioned_cities(doc, member_cities),
        "lang": [doc.lang],
        "year": [str(doc.date.year)] if doc.date else [],
        "collection": [doc.collection] if doc.collection else [],
    }
    for facet, label in ENTITY_FACETS.items():
        values[facet] = doc.entity_names(label)
    return values


def to_fields(doc: Document, member_cities: frozenset[str] = frozenset()) -> dict[str, Any]:
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
            "facets": facet_values(doc, member_cities),
        },
    }
