"""The JSON API: search, documents, health. Its search JSON equals ``kb search --json``."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel

from index.search import SearchResult
from kb.entity_catalogue import EntityCatalogue
from kb.viewer import Viewer
from web.access import viewer_of
from web.params import SearchParams
from web.services import Services


class MentionOut(BaseModel):
    text: str
    label: str
    start: int
    end: int
    canonical: str


class DocumentOut(BaseModel):
    id: int
    url: str
    title: str
    text: str
    lang: str
    kind: str
    city: str | None
    collection: str | None
    date: date | None
    members_only: bool
    entities: list[MentionOut]


class DocumentRef(BaseModel):
    id: int
    url: str
    title: str
    kind: str
    date: date | None


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


class SuggestionOut(BaseModel):
    text: str
    kind: str
    url: str | None


class SuggestOut(BaseModel):
    query: str
    suggestions: list[SuggestionOut]


class Health(BaseModel):
    status: str


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
router = APIRouter()


def result_json(result: SearchResult) -> dict[str, Any]:
    """The search JSON of the contract, shared by the API and the command line."""
    return asdict(result)


@router.get("/api/search", response_model=SearchResult, tags=["search"])
async def api_search(services: ServicesDep, params: SearchParams, request: Request) -> Any:
    """Full-text search with facets; members-only documents only for members."""
    search_request = replace(params, viewer=viewer_of(request))
    return result_json(services.search.search(search_request))


@router.get(
    "/api/documents/{doc_id}",
    response_model=DocumentOut,
    responses={404: {"description": "No such document, or not visible to the asker"}},
    tags=["documents"],
)
async def api_document(
    doc_id: Annotated[int, Path(ge=1, le=2**62)], services: ServicesDep, request: Request
) -> Any:
    doc = services.store.document(doc_id)
    if doc is None or (doc.members_only and not viewer_of(request).sees_members_only):
        raise HTTPException(status_code=404, detail="document not found")
    return DocumentOut(
        id=doc_id,
        url=doc.url,
        title=doc.title,
        text=doc.text,
        lang=doc.lang,
        kind=doc.kind,
        city=doc.city,
        collection=doc.collection,
        date=doc.date,
        members_only=doc.members_only,
        entities=[MentionOut(**asdict(m)) for m in doc.mentions],
    )


def entity_page(services: Services, entity_id: int, viewer: Viewer) -> EntityPage | None:
    """An entity with the documents the asker may see and its co-occurring entities.

    An entity that only members-only documents mention does not exist for anyone else.
    """
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
        documents=[
            DocumentRef(id=d.id or 0, url=d.url, title=d.title, kind=d.kind, date=d.date)
            for d in docs
        ],
        related=[RelatedOut(**asdict(r)) for r in catalogue.related(entity, viewer)],
    )


@router.get(
    "/api/entities/{entity_id}",
    response_model=EntityPage,
    responses={404: {"description": "No such entity, or not visible to the asker"}},
    tags=["entities"],
)
async def api_entity(
    entity_id: Annotated[int, Path(ge=1, le=2**62)], services: ServicesDep, request: Request
) -> EntityPage:
    page = entity_page(services, entity_id, viewer_of(request))
    if page is None:
        raise HTTPException(status_code=404, detail="entity not found")
    return page


@router.get("/api/suggest", response_model=SuggestOut, tags=["search"])
async def api_suggest(
    services: ServicesDep,
    request: Request,
    q: Annotated[str, Query(max_length=100, description="What has been typed so far.")] = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> SuggestOut:
    """Autocomplete over titles, entities and frequent words of visible documents."""
    viewer = viewer_of(request)
    catalogue = EntityCatalogue(services.store)
    found = services.search.suggest(
        q, viewer, lambda prefix, n: catalogue.starting_with(prefix, viewer, n), limit
    )
    return SuggestOut(query=q, suggestions=[SuggestionOut(**asdict(s)) for s in found])


@router.get("/healthz", response_model=Health, tags=["health"])
async def healthz(services: ServicesDep) -> Health:
    services.store.ping()
    return Health(status="ok")
