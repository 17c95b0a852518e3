"""The one way from a page (crawled, fetched for a board, or an imported record) to a document.

Every path that stores a document calls `to_document`, so that the same rules hold for all:

- language: the text's, when its evidence is clear; for texts too short or too mixed to tell,
  what the origin declares (a source's or a record's language, set on purpose), then what the
  page declares (``<html lang>``, often one template's for every page) (`kb.language`);
- city: the origin's (a source's or a record's city), else the city the document is about,
  named in its title, dateline or lead (`kb.places.Places.about`);
- date: the page's, at its precision, else the hint of a feed or sitemap;
- text: at most ``max_chars`` characters (``KB_MAX_TEXT_CHARS``), cut at a paragraph or word
  end; callers report a cut (`cut_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.page import Page
from crawler.report import Cut
from kb.dates import PartialDate
from kb.labels import collection_named
from kb.language import profile
from kb.model import MAX_TEXT_CHARS, Document
from kb.places import Places

if TYPE_CHECKING:
    from kb.entities import EntityExtractor


@dataclass(frozen=True)
class Origin:
    """Where a document comes from and what is known of it besides its page."""

    kind: str
    source: str | None
    city: str | None = None
    collection: str | None = None
    members_only: bool = False
    lang: str | None = None  # declared by the source or the record: a hint


def places_of(extractor: EntityExtractor) -> Places:
    """The cities of the catalogue the extractor was built with (curated ones included)."""
    _, catalogue, _ = extractor.spec()
    return Places.from_catalogue(catalogue)


def bounded(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters: after the last paragraph, else the last
    line or word, that ends in the final tenth before the limit."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    floor = limit - limit // 10
    for end in (head.rfind("\n\n"), head.rfind("\n"), head.rfind(" ")):
        if end >= floor:
            return head[:end].rstrip()
    return head


def cut_of(page: Page, limit: int) -> Cut | None:
    """What the report says when the page's text is over the limit, else None."""
    if len(page.text) <= limit:
        return None
    return Cut(page.url, len(page.text), len(bounded(page.text, limit)))


def to_document(
    page: Page,
    origin: Origin,
    places: Places,
    date_hint: PartialDate | None = None,
    max_chars: int = MAX_TEXT_CHARS,
) -> Document:
    text = bounded(page.text, max_chars)
    lang, parts = profile(page.title, text, (origin.lang, page.lang))
    # The source's or record's city by the catalogue's name ("KOELN", "Stadt Köln": Köln), so
    # that a city's facet gathers all of its documents; else the city the page is about.
    given = origin.city and (places.named(origin.city) or origin.city)
    city = given or places.about(page.title, text)
    collection = origin.collection and (collection_named(origin.collection) or origin.collection)
    doc = Document(
        url=page.url,
        title=page.title,
        text=text,
        lang=lang,
        passages=parts,
        kind=origin.kind,
        city=city,
        collection=collection or None,
        # A collection is members-only by definition, whatever the source or record says.
        members_only=origin.members_only or bool(collection),
        source=origin.source,
    )
    doc.published = page.date or date_hint
    return doc
