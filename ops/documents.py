"""Documents and entities as a viewer may see them: a members-only document, or an entity only
members-only documents mention, does not exist for anyone else."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel

from kb.entity_catalogue import EntityCatalogue
from kb.formatting import german_key
from kb.model import Document
from kb.viewer import Viewer
from ops.services import Services


class DocumentRef(BaseModel):
    id: int
    url: str
    title: str
    kind: str
    date: str | None  # as given: "2017", "2017-08" or "2017-08-14"


class RelatedOut(BaseModel):
    id: int
    name: str
    label: str
    documents: int


class EntityPage(BaseModel):
    id: int
    name: str
    label: str
    kind: str
    city: str | None
    aliases: list[str]
    documents: list[DocumentRef]
    related: list[RelatedOut]


def document(services: Services, viewer: Viewer, doc_id: int) -> Document | None:
    """The document, or None when there is none or the viewer may not see it."""
    doc = services.store.document(doc_id)
    if doc is None or (doc.members_only and not viewer.sees_members_only):
        return None
    return doc


def ref(doc: Document) -> DocumentRef:
    published = doc.published.isoformat() if doc.published else None
    return DocumentRef(id=doc.id or 0, url=doc.url, title=doc.title, kind=doc.kind, date=published)


MentionGroups = dict[str, list[tuple[str, int | None]]]


def mention_groups(services: Services, doc: Document) -> MentionGroups:
    """The document's people, organisations and places by label, each with its entity's id
    (None for a name the catalogue lacks), in German order."""
    ids = EntityCatalogue(services.store).ids({(m.canonical, m.label) for m in doc.mentions})
    return {
        label: sorted(
            {
                (m.canonical, ids.get((m.canonical, m.label)))
                for m in doc.mentions
                if m.label == label
            },
            key=lambda pair: german_key(pair[0]),
        )
        for label in ("PER", "ORG", "LOC")
    }


def entity_page(services: Services, viewer: Viewer, entity_id: int) -> EntityPage | None:
    """An entity with the documents the viewer may see and its co-occurring entities."""
    catalogue = EntityCatalogue(services.store)
    entity = catalogue.get(entity_id)
    if entity is None or entity.blocked:
        return None
    ids = catalogue.documents(entity, viewer)
    if not ids and entity.origin == "found":
        return None
    docs = [d for d in (services.store.document(i) for i in ids) if d is not None]
    return EntityPage(
        id=entity.id,
        name=entity.name,
        label=entity.label,
        kind=entity.kind,
        city=entity.city,
        aliases=list(entity.aliases),
        documents=[ref(d) for d in docs],
        related=[RelatedOut(**asdict(r)) for r in catalogue.related(entity, viewer)],
    )


@dataclass(frozen=True)
class Block:
    """A piece of a document's text as a page shows it."""

    kind: Literal["heading", "paragraph"]
    text: str


HEADING_WORDS = 12  # a heading is a short line …
SENTENCE_END = (".", "!", "?", ":", ";", ",", "…")  # … that ends no sentence


def _heading(line: str) -> bool:
    """A short line that starts with a capital or a section number and ends no sentence; no
    digits after the number (a byline with a date is none)."""
    number = re.match(r"\d+(?:\.\d+)*\.?\s+", line)
    rest = line[number.end() :] if number else line
    return (
        0 < len(line.split()) <= HEADING_WORDS
        and rest[:1].isupper()
        and not re.search(r"\d", rest)
        and not line.endswith(SENTENCE_END)
    )


def layout(doc: Document) -> list[Block]:
    """Headings and paragraphs of the text, the title left out (the page shows it).

    Paragraphs are separated by blank lines; a paragraph of several hard-wrapped lines (the
    text of a PDF) is read line by line: a short line without a sentence's end that the next
    line does not continue is a heading; a line that ends well before the margin ends its
    paragraph."""
    blocks: list[Block] = []
    for part in re.split(r"\n\s*\n", doc.text.strip()):
        lines = [" ".join(line.split()) for line in part.splitlines() if line.strip()]
        if not lines:
            continue
        if len(lines) == 1:
            kind: Literal["heading", "paragraph"] = "heading" if _heading(lines[0]) else "paragraph"
            blocks.append(Block(kind, lines[0]))
            continue
        margin = sorted(len(line) for line in lines)[int(len(lines) * 0.9)]
        buffer: list[str] = []
        for n, line in enumerate(lines):
            following = lines[n + 1] if n + 1 < len(lines) else ""
            if (
                _heading(line)
                and len(line) < 0.6 * margin  # a full line is part of a paragraph
                and not following[:1].islower()  # … and so is one the next line continues
                and (not buffer or buffer[-1].endswith(SENTENCE_END[:3]))
            ):
                if buffer:
                    blocks.append(Block("paragraph", " ".join(buffer)))
                    buffer = []
                blocks.append(Block("heading", line))
                continue
            if buffer and buffer[-1].endswith("-") and line[:1].islower():
                buffer[-1] = buffer[-1][:-1] + line  # a word hyphenated at the margin
            else:
                buffer.append(line)
            # A line well short of the margin ends its paragraph: after a sentence, or alone
            # (a byline, a caption).
            short = len(line) < 0.6 * margin
            if short or (line.endswith(SENTENCE_END[:3]) and len(line) < 0.8 * margin):
                blocks.append(Block("paragraph", " ".join(buffer)))
                buffer = []
        if buffer:
            blocks.append(Block("paragraph", " ".join(buffer)))
    if blocks and blocks[0].text == " ".join(doc.title.split()):
        blocks = blocks[1:]
    return blocks


@dataclass(frozen=True)
class Mentioned:
    """A document that mentions an entity, with the words around the first mention and the
    organisations named near it."""

    ref: DocumentRef
    before: str
    name: str
    after: str
    organisations: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    """What the mentions say of a person: the role that stands before the name most often
    ("Oberbürgermeister"), the organisation named beside it most often."""

    role: str | None
    organisation: str | None


CONTEXT_CHARS = 90


def mentions_in_context(
    services: Services, viewer: Viewer, entity_id: int, limit: int = 50
) -> list[Mentioned]:
    """The visible documents that mention the entity, each with the sentence around it."""
    catalogue = EntityCatalogue(services.store)
    entity = catalogue.get(entity_id)
    if entity is None:
        return []
    found = []
    for doc_id in catalogue.documents(entity, viewer)[:limit]:
        doc = services.store.document(doc_id)
        if doc is None:
            continue
        first = next(
            (m for m in doc.mentions if m.canonical == entity.name and m.label == entity.label),
            None,
        )
        if first is None:
            continue
        before = " ".join(doc.text[max(0, first.start - CONTEXT_CHARS) : first.start].split()[1:])
        after = " ".join(doc.text[first.end : first.end + CONTEXT_CHARS].split()[:-1])
        near = tuple(
            m.canonical
            for m in doc.mentions
            if m.label == "ORG" and abs(m.start - first.start) <= CONTEXT_CHARS
        )
        found.append(Mentioned(ref(doc), before, first.text, after, near))
    return found


@cache
def _titles() -> tuple[str, ...]:
    # Read as a file: importing kb.entities would load spaCy.
    raw = resources.files("kb").joinpath("entities/data/person_titles.txt").read_text("utf-8")
    names = [line.strip() for line in raw.splitlines() if line.strip()]
    return tuple(sorted(names, key=len, reverse=True))


def profile(mentioned: list[Mentioned]) -> Profile:
    roles = Counter(next((t for t in _titles() if m.before.endswith(t)), None) for m in mentioned)
    roles.pop(None, None)
    organisations = Counter(o for m in mentioned for o in m.organisations)
    return Profile(
        role=roles.most_common(1)[0][0] if roles else None,
        organisation=organisations.most_common(1)[0][0] if organisations else None,
    )
