"""Composing the newsletter, as pure functions: documents → items in sections → one reader's
edition → HTML (inline CSS, as mail clients need it) and plain text → a multipart mail.

Nothing here touches the store, the network or the clock; `ops.newsletter.issues` feeds it.

    >>> items = items_from(candidates, since, member_cities)
    >>> edition = personalise(1, "2025-01-13", items, preferences, member=False, matches={})
    >>> html, text = render_html(edition, links), render_text(edition, links)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from kb.formatting import format_date
from kb.leads import lead_start
from kb.model import Document
from kb.newsletter_store import Candidate, Preferences

# Sections in the order of the real newsletter; "searches" holds the matches of a reader's
# saved searches and exists only in personal editions.
SECTIONS: dict[str, str] = {
    "searches": "Zu Ihren gespeicherten Suchen",
    "publications": "Publikationen",
    "cities": "Aus den Mitgliedsstädten",
    "information": "Informationen",
    "collections": "Aus den Informationspools",
    "funding": "Förderung",
    "events": "Veranstaltungen",
}
CHOOSABLE = tuple(k for k in SECTIONS if k != "searches")
KIND_SECTIONS = {"publication": "publications", "funding": "funding", "event": "events"}
SUMMARY_CHARS = 240
TITLE = "DEFUS-Newsletter"


@dataclass(frozen=True)
class Item:
    """One entry of an issue: what a reader sees of a document."""

    doc_id: int
    section: str
    title: str
    url: str
    source: str
    date: str | None  # ISO date
    summary: str
    lang: str
    members_only: bool
    updated: bool  # known before the last issue, changed since
    cities: tuple[str, ...] = ()  # the source's city, else the member cities mentioned
    collection: str | None = None
    attachments: tuple[str, ...] = ()  # files that carry the same text (a PDF of the page)
    topics: tuple[str, ...] = ()  # the document's labels (issues drafted before have none)
    targets: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, given: Mapping[str, Any]) -> Item:
        names = ("cities", "attachments", "topics", "targets", "settings", "evidence")
        lists = {k: tuple(given.get(k, ())) for k in names}
        return cls(**{**given, **lists})


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Edition:
    """An issue as one reader gets it (or the public one of the archive)."""

    number: int
    date: str  # ISO date of composition
    sections: tuple[Section, ...]

    @property
    def empty(self) -> bool:
        return not self.sections

    @property
    def subject(self) -> str:
        return f"{TITLE} Nr. {self.number} vom {format_date(self.date, 'de')}"


@dataclass(frozen=True)
class ReaderLinks:
    """The links of one reader's mail: the personal ones are signed for that reader."""

    preferences: str
    unsubscribe: str
    archive: str


# -- documents to items ---------------------------------------------------------------------


def section_of(doc: Document, member_cities: frozenset[str]) -> str | None:
    """The section a document belongs to; None for what is no item (the newsletter itself,
    plain pages)."""
    if doc.collection:
        return "collections"
    if doc.kind == "news":
        mentioned = doc.city or any(
            m.label == "LOC" and m.canonical in member_cities for m in doc.mentions
        )
        return "cities" if mentioned else "information"
    if doc.kind == "post":
        return "collections"
    return KIND_SECTIONS.get(doc.kind)


def summary(doc: Document, limit: int = SUMMARY_CHARS) -> str:
    """The opening of the text, without the repeated title, date line or kind label, cut at a
    word."""
    text = re.sub(r"\s+", " ", doc.text[lead_start(doc.text, doc.title) :]).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.–-")
    return cut + " …"


def _source(doc: Document) -> str:
    """Who it comes from: the city or collection, else the source by its name ("Pufii-
    Publikationen" for ``pufii-publikationen``), else the site's host (imported documents)."""
    if doc.city or doc.collection:
        return doc.city or doc.collection or ""
    if doc.source and doc.source != "import":
        return "-".join(part.capitalize() for part in doc.source.split("-"))
    return (urlsplit(doc.url).hostname or "").removeprefix("www.")


def items_from(
    candidates: Iterable[Candidate], since: datetime, member_cities: frozenset[str]
) -> list[Item]:
    """Items of the documents new or updated since ``since``, newest first."""
    moment = since.isoformat(timespec="seconds")
    items = []
    for c in candidates:
        doc = c.document
        section = section_of(doc, member_cities)
        if section is None or doc.id is None:
            continue
        cities = (doc.city,) if doc.city else tuple(
            sorted({m.canonical for m in doc.mentions if m.canonical in member_cities})
        )  # fmt: skip
        items.append(
            Item(
                doc_id=doc.id,
                section=section,
                title=doc.title,
                url=doc.url,
                source=_source(doc),
                date=(doc.published.isoformat() if doc.published else c.created_at[:10]),
                summary=summary(doc),
                lang=doc.lang,
                members_only=doc.members_only,
                updated=c.created_at < moment,
                cities=cities,
                collection=doc.collection,
                attachments=tuple(doc.attachments),
                topics=tuple(doc.labels.get("topic", ())),
                targets=tuple(doc.labels.get("target", ())),
                settings=tuple(doc.labels.get("setting", ())),
                evidence=tuple(doc.labels.get("evidence", ())),
            )
        )
    items.sort(key=lambda i: (i.date or "", i.doc_id), reverse=True)
    return items


# -- one reader's edition -------------------------------------------------------------------


def _wanted(item: Item, p: Preferences) -> bool:
    """Sections and labels narrow everything; cities narrow the member-city news, collections
    the pools: a reader who picks Essen still gets the publications."""
    if p.sections and item.section not in p.sections:
        return False
    for chosen, found in (
        (p.topics, item.topics),
        (p.targets, item.targets),
        (p.settings, item.settings),
        (p.evidence, item.evidence),
    ):
        if chosen and not set(found) & set(chosen):
            return False
    if p.cities and item.section == "cities" and not set(item.cities) & set(p.cities):
        return False
    return not (
        p.collections and item.section == "collections" and item.collection not in p.collections
    )


def personalise(
    number: int,
    date: str,
    items: Iterable[Item],
    preferences: Preferences,
    *,
    member: bool,
    matches: Mapping[str, Iterable[int]],
) -> Edition:
    """The edition of one reader. Members-only items reach members only, whatever the
    preferences say; matches of saved searches come first and are not repeated below."""
    visible = [i for i in items if member or not i.members_only]
    if preferences.languages:
        visible = [i for i in visible if i.lang in preferences.languages]
    found: set[int] = set()
    for search in preferences.searches:
        found.update(matches.get(search.key, ()))
    chosen: dict[str, list[Item]] = {}
    for item in visible:
        if item.doc_id in found:
            chosen.setdefault("searches", []).append(item)
        elif _wanted(item, preferences):
            chosen.setdefault(item.section, []).append(item)
    return _edition(number, date, chosen)


def public_edition(number: int, date: str, items: Iterable[Item]) -> Edition:
    """The archive's edition: what anyone may read, every section."""
    chosen: dict[str, list[Item]] = {}
    for item in items:
        if not item.members_only:
            chosen.setdefault(item.section, []).append(item)
    return _edition(number, date, chosen)


def _edition(number: int, date: str, chosen: Mapping[str, list[Item]]) -> Edition:
    sections = tuple(
        Section(key, title, tuple(chosen[key])) for key, title in SECTIONS.items() if key in chosen
    )
    return Edition(number, date, sections)


# -- rendering ------------------------------------------------------------------------------

# The mail's own template folder: the site's templates obey the CSP (no inline styles), mails
# need inline styles.
_env = Environment(
    loader=FileSystemLoader(str(resources.files("ops.newsletter").joinpath("templates"))),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["date_de"] = lambda value: format_date(value, "de")


def render_html(edition: Edition, links: ReaderLinks | None) -> str:
    """The HTML part: tables and inline styles only, which every mail client shows."""
    return _env.get_template("mail.html").render(edition=edition, links=links)


def _marks(item: Item) -> str:
    marks = (" [EN]" if item.lang == "en" else "") + (" (aktualisiert)" if item.updated else "")
    return marks + (" – nur für Mitglieder" if item.members_only else "")


def render_text(edition: Edition, links: ReaderLinks | None) -> str:
    """The plain-text part, for clients (and readers) that do without HTML."""
    lines = [f"{TITLE} Nr. {edition.number} – {format_date(edition.date, 'de')}", ""]
    for section in edition.sections:
        lines += [section.title.upper(), "=" * len(section.title), ""]
        for item in section.items:
            meta = " · ".join(x for x in (item.source, format_date(item.date, "de")) if x)
            lines += [f"* {item.title}{_marks(item)}", f"  {meta}"]
            if item.summary:
                lines.append(f"  {item.summary}")
            lines += [f"  {item.url}", *(f"  PDF: {a}" for a in item.attachments), ""]
    if links is not None:
        lines += [
            "-- ",
            f"Im Browser lesen: {links.archive}",
            f"Einstellungen ändern: {links.preferences}",
            f"Abmelden: {links.unsubscribe}",
        ]
    return "\n".join(lines) + "\n"


def build_message(
    edition: Edition,
    *,
    sender: str,
    recipient: str,
    links: ReaderLinks,
    message_id: str,
    list_id: str,
    now: datetime,
) -> EmailMessage:
    """multipart/alternative (text, then HTML) with the RFC 2369/8058 list headers, so that
    mail clients offer one-click unsubscribing."""
    # Lines up to SMTP's 998: a signed link longer than 78 characters would otherwise be folded
    # into an RFC 2047 encoded word, which no client reads as a List-Unsubscribe URL.
    message = EmailMessage(policy=SMTP.clone(max_line_length=998))
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = edition.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["List-Id"] = list_id
    message["List-Unsubscribe"] = f"<{links.unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_text(edition, links))
    message.add_alternative(render_html(edition, links), subtype="html")
    return message
