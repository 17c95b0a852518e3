"""Staff: the sources (add, edit, schedule, enable or disable, crawl now)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kb.model import KINDS
from kb.store import Source
from ops import jobs, source_health, sources
from ops.errors import InvalidError, NotFoundError
from ops.services import Services
from web.deps import Editor, ServicesDep
from web.routes.staff.pages import done, page

router = APIRouter()
Text = Annotated[str, Form(max_length=2000)]
Name = Annotated[str, PathParam(max_length=200)]


@router.get("")
def staff_home(asker: Editor) -> Response:
    return RedirectResponse("/staff/quellen", status_code=303)


def source_fields(
    url: Text,
    kind: Annotated[str, Form(max_length=20)],
    city: Text = "",
    collection: Text = "",
    lang: Annotated[str, Form(max_length=2)] = "",
    members_only: Annotated[str, Form(max_length=5)] = "",
    login_url: Text = "",
    schedule: Annotated[str, Form(max_length=100)] = "",
    note: Text = "",
) -> dict[str, Any]:
    """The fields of the source form but its name; empty ones are unset."""
    return {
        "url": url.strip(),
        "kind": kind,
        "city": city.strip() or None,
        "collection": collection.strip() or None,
        "lang": lang or None,
        "members_only": bool(members_only),
        "login_url": login_url.strip() or None,
        "schedule": schedule.strip() or None,
        "note": note.strip(),
    }


Fields = Annotated[dict[str, Any], Depends(source_fields)]


def _sources_page(
    request: Request, services: Services, form: dict[str, Any], problems: list[str]
) -> Any:
    scheduler = services.scheduler
    context = {
        "sources": services.store.sources(),
        "next_runs": jobs.next_runs(scheduler) if scheduler is not None else {},
        "health": source_health.health(services.store),
        "kinds": KINDS,
        "form": form,
        "problems": problems,
    }
    return page(request, "staff_sources.html", context, status=422 if problems else 200)


def _source(services: Services, name: str) -> Source:
    try:
        return sources.get(services, name)
    except NotFoundError as exc:
        raise HTTPException(404, "source not found") from exc


@router.get("/quellen", response_class=HTMLResponse)
def sources_page(request: Request, services: ServicesDep, asker: Editor) -> Any:
    return _sources_page(request, services, {}, [])


@router.post("/quellen", response_class=HTMLResponse)
def source_add(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    fields: Fields,
    name: Annotated[str, Form(max_length=200)],
) -> Any:
    given = {"name": name.strip(), **fields}
    try:
        sources.add(services, asker, given)
    except InvalidError as exc:
        return _sources_page(request, services, given, exc.problems)
    return done("/staff/quellen", "source_saved")


@router.get("/quellen/{name}", response_class=HTMLResponse)
def source_edit_form(request: Request, services: ServicesDep, asker: Editor, name: Name) -> Any:
    source = _source(services, name)
    form = {**asdict(source), "lang": source.lang or "", "city": source.city or ""}
    return page(request, "staff_source.html", {"source": source, "form": form, "kinds": KINDS})


@router.post("/quellen/{name}", response_class=HTMLResponse)
def source_edit(
    request: Request, services: ServicesDep, asker: Editor, name: Name, fields: Fields
) -> Any:
    old = _source(services, name)
    try:
        # The form is complete: an emptied field (None) is unset, not left as it was.
        sources.edit(services, asker, name, fields)
    except InvalidError as exc:
        context = {"source": old, "form": fields, "kinds": KINDS, "problems": exc.problems}
        return page(request, "staff_source.html", context, status=422)
    return done("/staff/quellen", "source_saved")


@router.post("/quellen/{name}/status")
def source_status(
    services: ServicesDep, asker: Editor, name: Name, enabled: Annotated[Literal["0", "1"], Form()]
) -> Response:
    _source(services, name)
    sources.set_enabled(services, asker, name, enabled == "1")
    return done("/staff/quellen", "source_enabled" if enabled == "1" else "source_disabled")


@router.post("/quellen/{name}/crawl")
def source_crawl(services: ServicesDep, asker: Editor, name: Name) -> Response:
    source = _source(services, name)
    if not jobs.crawl_in_background(services, source):
        return done("/staff/laeufe", "crawl_busy")
    services.audit(asker, "source.crawl", name)
    return done("/staff/laeufe", "crawl_started")
