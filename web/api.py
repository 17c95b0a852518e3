"""The JSON API: search, documents, health. Its search JSON equals ``kb search --json``."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel

from index.search import SearchResult
from web.access import sees_members_only
from web.params import SearchParams
from web.services import Services


class EntityOut(BaseModel):
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
    entities: list[EntityOut]


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
    search_request = replace(params, members=sees_members_only(request))
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
    if doc is None or (doc.members_only and not sees_members_only(request)):
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
        entities=[EntityOut(**asdict(m)) for m in doc.mentions],
    )


@router.get("/healthz", response_model=Health, tags=["health"])
async def healthz(services: ServicesDep) -> Health:
    services.store.ping()
    return Health(status="ok")
