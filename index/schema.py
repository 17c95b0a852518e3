"""The Whoosh schema, the facets every document carries, and a document's fields.

Text goes into one field per language (``body_de``, ``body_en``), passage by passage, so that
each passage is analysed as the language it is written in; queries search both. The lead (the
first words after the heading) is indexed once more as the summary (``summary_de``,
``summary_en``): what a page says first is what it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from index.acronyms import field_value
from index.analysis import LANGUAGES, name_analyzer, text_analyzer
from kb.leads import lead_start
from kb.model import Document

FACETS = (
    "kind", "city", "topic", "target", "setting", "evidence",
    "lang", "year", "collection", "person", "org", "place", "project",
)  # fmt: skip
LABEL_FACETS = ("topic", "target", "setting", "evidence")  # the families of `kb.labels`
SUMMARY_WORDS = 60  # the lead: the first words of the text after the heading
ENTITY_FACETS = {"person": "PER", "org": "ORG", "place": "LOC"}


@dataclass(frozen=True)
class IndexContext:
    """What the catalogue adds to a document's facets."""

    projects: frozenset[str] = field(default_factory=frozenset)
    # Other names of entities: a search for "BMBF" finds documents naming the ministry in full.
    aliases: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)


def build_schema() -> Schema:
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        "entities": TEXT(analyzer=name_analyzer()),
        # Acronyms the text defines ("KPR=Kommunaler Präventionsrat"), for the query's synonyms.
        "acronyms": KEYWORD(commas=True, scorable=False),
        # Everything a hit shows or a facet counts, read once per searcher into memory.
        "meta": STORED,
    }
    for lang in LANGUAGES:
        analyzer = text_analyzer(lang)
        fields[f"title_{lang}"] = TEXT(analyzer=analyzer)
        fields[f"summary_{lang}"] = TEXT(analyzer=analyzer)
        fields[f"body_{lang}"] = TEXT(analyzer=analyzer, phrase=True)
    return Schema(**fields)


def facet_values(doc: Document, context: IndexContext) -> dict[str, list[str]]:
    """Facets of a document; the city is the one ingestion decided (the source's, else the one
    the document is about): cities it merely mentions stay place entities."""
    values: dict[str, list[str]] = {
        "kind": [doc.kind],
        "city": [doc.city] if doc.city else [],
        "lang": [doc.lang],
        "year": [str(doc.date.year)] if doc.date else [],
        "collection": [doc.collection] if doc.collection else [],
    }
    for family in LABEL_FACETS:
        values[family] = list(doc.labels.get(family, []))
    for facet, label in ENTITY_FACETS.items():
        values[facet] = doc.entity_names(label)
    values["project"] = [name for name in values["org"] if name in context.projects]
    return values


def to_fields(doc: Document, context: IndexContext | None = None) -> dict[str, Any]:
    """Whoosh fields of a stored document."""
    context = context or IndexContext()
    texts: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    summary: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    summary_words = 0
    own = lead_start(doc.text, doc.title)  # after the heading, date line and kind label
    for passage in doc.language_passages():
        chunk = doc.text[passage.start : passage.end]
        texts[passage.lang].append(chunk)
        # The lead: what a page says first, before the details.
        # Cut at a word count: a PDF's or an old page's first paragraph may be all its text.
        if summary_words < SUMMARY_WORDS and passage.end > own:
            wanted = SUMMARY_WORDS - summary_words  # split off alone: a passage may be long
            lead = doc.text[max(passage.start, own) : passage.end].split(None, wanted)[:wanted]
            summary[passage.lang].append(" ".join(lead))
            summary_words += len(lead)
    facets = facet_values(doc, context)
    names = {m.canonical: None for m in doc.mentions}
    for m in doc.mentions:
        # One-word aliases only (acronyms, exonyms): long ones blur entities into each other.
        aliases = context.aliases.get((m.canonical, m.label), ())
        names.update(dict.fromkeys(a for a in aliases if " " not in a))
    names.update(dict.fromkeys(facets["city"]))  # the city a source gives, named or not
    fields: dict[str, Any] = {
        "id": str(doc.id),
        "entities": " | ".join(names),
        "acronyms": field_value(f"{doc.title}\n{doc.text}"),
        f"title_{doc.lang if doc.lang in LANGUAGES else 'de'}": doc.title,
        "meta": {
            "title": doc.title,
            "url": doc.url,
            "members_only": doc.members_only,
            "date": doc.published.isoformat() if doc.published else None,  # as given
            "attachments": doc.attachments,
            "facets": facets,
        },
    }
    for lang, parts in texts.items():
        if parts:
            fields[f"body_{lang}"] = "\n\n".join(parts)
        if summary[lang]:
            fields[f"summary_{lang}"] = "\n\n".join(summary[lang])
    return fields
