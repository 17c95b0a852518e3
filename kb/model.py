"""The document model shared by all stages."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from kb.dates import PartialDate, Precision
from kb.language import Passage, passages

ENTITY_LABELS = ("PER", "ORG", "LOC")
# The longest text kept of one document (the default of KB_MAX_TEXT_CHARS): about 600 pages,
# so whole reports fit, while a runaway page cannot fill the store and the index.
MAX_TEXT_CHARS = 2_000_000
# The longest line of a JSON Lines import (the default of KB_IMPORT_MAX_LINE_BYTES): room for
# the longest text as escaped JSON or as HTML with its markup; a longer line is refused unread.
MAX_LINE_BYTES = 20_000_000

# Document kinds, with their German display names (the UI is German-first).
KINDS: dict[str, str] = {
    "publication": "Publikation",
    "news": "Nachricht",
    "funding": "Förderung",
    "event": "Veranstaltung",
    "newsletter": "Newsletter",
    "post": "Beitrag",
    "page": "Seite",
    "project": "Projekt",
}
_KIND_NAMES = {name.casefold(): kind for kind, german in KINDS.items() for name in (kind, german)}


def kind_named(name: str) -> str | None:
    """The kind ``name`` names, in any case or by its German name ("Veranstaltung"); None for
    no kind."""
    return _KIND_NAMES.get(name.strip().casefold())


@dataclass(frozen=True)
class CatalogueEntry:
    """A known entity: canonical name, label, the other ways texts write it."""

    name: str
    label: str
    kind: str = ""
    aliases: tuple[str, ...] = ()
    city: str | None = None


@dataclass(frozen=True)
class Mention:
    """An entity found in a text: character offsets into that text and the canonical name."""

    text: str
    label: str
    start: int
    end: int
    canonical: str


@dataclass
class Document:
    """One searchable document: a page, a PDF, a feed item or an imported record."""

    url: str
    title: str
    text: str
    lang: str = "de"
    kind: str = "page"
    city: str | None = None
    collection: str | None = None
    members_only: bool = False
    date: date | None = None
    """The first day of the publication date: the sort key. ``published`` is the date as given."""
    source: str | None = None
    mentions: list[Mention] = field(default_factory=list)
    id: int | None = None
    gone: bool = False  # answered 404/410 on consecutive crawls: kept, but not searchable
    date_precision: Precision = "day"
    """How much of ``date`` was given: "year" (2017), "month" (2017-08) or "day"."""
    attachments: list[str] = field(default_factory=list)
    """URLs of files (PDFs) that carry this page's text: one result, the page, links them."""
    labels: dict[str, list[str]] = field(default_factory=dict)
    """Family (topic, target, setting, evidence) → labels: the rules' (`kb.labels`) unless staff
    corrected the family. Written by the store with the document, derived from its fields."""
    passages: list[Passage] | None = None
    """Paragraphs with their languages, decided with ``lang`` at ingestion and stored with the
    document: entities and the index read them instead of counting words again. None: not
    decided yet (`language_passages` decides)."""

    def __post_init__(self) -> None:
        published = self.published
        if published is not None and published.first != self.date:
            raise ValueError(f"{self.date} is not the first day of a {self.date_precision}")

    @property
    def published(self) -> PartialDate | None:
        """The publication date at the precision it was given."""
        if self.date is None:
            return None
        return PartialDate.from_first(self.date, self.date_precision)

    @published.setter
    def published(self, value: PartialDate | None) -> None:
        self.date = value.first if value else None
        self.date_precision = value.precision if value else "day"

    @property
    def content_hash(self) -> str:
        """What decides whether a refetched or reimported document changed."""
        published = self.published
        fields = [
            self.title,
            self.text,
            published.isoformat() if published else "",
            self.lang,
            self.kind,
            self.city or "",
            self.collection or "",
            str(self.members_only),
        ]
        payload = "\x1f".join(fields)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def language_passages(self) -> list[Passage]:
        """The paragraphs and their languages (`kb.language.passages`)."""
        if self.passages is None:
            self.passages = passages(self.text, self.lang)
        return self.passages

    def entity_names(self, label: str) -> list[str]:
        """Canonical names of one label, each once, in order of first mention."""
        seen: dict[str, None] = {}
        for m in self.mentions:
            if m.label == label:
                seen.setdefault(m.canonical, None)
        return list(seen)
