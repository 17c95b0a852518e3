"""An entity: its page and ``/api/entities/{id}`` with the documents the asker may see."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse

from ops.documents import EntityPage, entity_page, mentions_in_context, profile
from web.deps import ServicesDep, ViewerDep
from web.rendering import render

router = APIRouter()
EntityId = Annotated[int, Path(ge=1, le=2**62)]
FACET_OF_LABEL = {"PER": "person", "ORG": "org", "LOC": "place"}


@router.get(
    "/api/entities/{entity_id}",
    response_model=EntityPage,
    responses={404: {"description": "No such entity, or not visible to the asker"}},
    tags=["entities"],
)
def api_entity(entity_id: EntityId, services: ServicesDep, viewer: ViewerDep) -> EntityPage:
    page = entity_page(services, viewer, entity_id)
    if page is None:
        raise HTTPException(status_code=404, detail="entity not found")
    return page


@router.get("/entity/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
def entity_html(
    request: Request, services: ServicesDep, viewer: ViewerDep, entity_id: EntityId
) -> Any:
    page = entity_page(services, viewer, entity_id)
    if page is None:
        return render(request, "error.html", {"message_key": "entity_not_found"}, status=404)
    facet = FACET_OF_LABEL[page.label]
    mentioned = mentions_in_context(services, viewer, entity_id)
    context = {
        "entity": page,
        "facet": facet,
        "search_link": "/?" + urlencode({facet: page.name}),
        "mentioned": mentioned,
        "profile": profile(mentioned) if page.label == "PER" else None,
    }
    return render(request, "entity.html", context)
