"""Documents and entities as a viewer may see them: a members-only document, or an entity only
members-only documents mention, does not exist for anyone else."""

from __future__ import annotations

from dataclasses import asdict

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
