"""Staff: the entity catalogue (search, add, alias, merge, block), re-applied to the stored
documents by `ops.curation`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from kb.model import ENTITY_LABELS, CatalogueEntry
from ops import curation
from ops.curation import Curated
from ops.errors import InvalidError
from web.deps import Editor, ServicesDep
from web.routes.staff.pages import page

router = APIRouter()
Label = Literal["PER", "ORG", "LOC"]
AnyLabel = Annotated[Label | Literal[""], Form()]
NameField = Annotated[str, Form(min_length=1, max_length=200)]


@router.get("/entitaeten", response_class=HTMLResponse)
def entities_page(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    q: Annotated[str, Query(max_length=200)] = "",
    changed: Annotated[int | None, Query(ge=0)] = None,
) -> Any:
    found = curation.find_entities(services, q)
    context = {
        "q": q,
        "found": found,
        "labels": ENTITY_LABELS,
        "changed": changed,
        "candidates": curation.acronym_candidates(services),
    }
    return page(request, "staff_entities.html", context)


def _curated(request: Request, curate: Callable[[], Curated]) -> Any:
    """The catalogue page with the outcome, or with the problem."""
    try:
        curated = curate()
    except InvalidError as exc:
        context = {
            "q": "",
            "found": [],
            "labels": ENTITY_LABELS,
            "problems": exc.problems,
            "candidates": [],
        }
        return page(request, "staff_entities.html", context, status=422)
    query = urlencode(
        {"meldung": "entity_saved", "changed": curated.changed, "q": curated.entity.name}
    )
    return RedirectResponse(f"/staff/entitaeten?{query}", status_code=303)


@router.post("/entitaeten/neu", response_class=HTMLResponse)
def entity_add(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    name: NameField,
    label: Annotated[Label, Form()],
    kind: Annotated[str, Form(max_length=50)] = "",
    city: Annotated[str, Form(max_length=200)] = "",
    aliases: Annotated[str, Form(max_length=2000)] = "",
) -> Any:
    alias_list = tuple(a.strip() for a in aliases.split(",") if a.strip())
    entry = CatalogueEntry(name.strip(), label, kind.strip(), alias_list, city.strip() or None)
    return _curated(request, lambda: curation.add_entity(services, asker, entry))


@router.post("/entitaeten/alias", response_class=HTMLResponse)
def entity_alias(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    name: NameField,
    alias: NameField,
    label: AnyLabel = "",
) -> Any:
    return _curated(
        request,
        lambda: curation.add_alias(services, asker, name.strip(), alias.strip(), label or None),
    )


@router.post("/entitaeten/zusammenfuehren", response_class=HTMLResponse)
def entity_merge(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    source: NameField,
    target: NameField,
    label: AnyLabel = "",
) -> Any:
    return _curated(
        request,
        lambda: curation.merge(services, asker, source.strip(), target.strip(), label or None),
    )


@router.post("/entitaeten/sperren", response_class=HTMLResponse)
def entity_block(
    request: Request, services: ServicesDep, asker: Editor, name: NameField, label: AnyLabel = ""
) -> Any:
    return _curated(request, lambda: curation.block(services, asker, name.strip(), label or None))


@router.post("/entitaeten/kuerzel", response_class=HTMLResponse)
def acronym_decision(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    alias: NameField,
    name: NameField,
    label: Annotated[Label, Form()],
    decision: Annotated[Literal["accept", "dismiss"], Form()],
) -> Any:
    """Accept an acronym a text defines as the entity's alias, or dismiss it."""
    if decision == "accept":
        return _curated(
            request, lambda: curation.accept_acronym(services, asker, alias, name, label)
        )
    curation.dismiss_acronym(services, asker, alias, name, label)
    return RedirectResponse("/staff/entitaeten?meldung=acronym_dismissed", status_code=303)
