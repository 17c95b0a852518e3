"""Events: ``/veranstaltungen``, ``/api/events`` and the iCalendar feed ``/events.ics``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ops import events
from ops.events import GROUPS, EventList
from web.deps import ServicesDep, Today, ViewerDep
from web.rendering import pager, render

PER_PAGE = 20  # events on a page of /veranstaltungen
Page = Annotated[int, Query(ge=1, le=10_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]

router = APIRouter()


@router.get("/api/events", response_model=EventList, tags=["events"])
def api_events(
    services: ServicesDep,
    viewer: ViewerDep,
    today: Today,
    upcoming: Annotated[
        bool | None,
        Query(
            description="true: events not yet over, soonest first; false: past events, latest "
            "first; absent: all, undated ones last."
        ),
    ] = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> EventList:
    groups = GROUPS if upcoming is None else ("upcoming",) if upcoming else ("past",)
    return events.listing(services, viewer, today, groups, page, per_page)


@router.get("/veranstaltungen", response_class=HTMLResponse, include_in_schema=False)
def events_page(
    services: ServicesDep, viewer: ViewerDep, request: Request, today: Today, page: Page = 1
) -> Any:
    shown = events.listing(services, viewer, today, GROUPS, page, PER_PAGE)
    context = {
        "grouped": {g: [e for e in shown.events if events.group_of(e) == g] for g in GROUPS},
        "today": today,
        "pager": pager(request, page, shown.total, PER_PAGE),
    }
    return render(request, "events.html", context)


@router.get(
    "/events.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)"}},
    tags=["events"],
)
def events_ics(services: ServicesDep, viewer: ViewerDep, request: Request) -> Response:
    """Every dated event the asker may see, for calendar programs: timed events in Berlin
    time, the others as all-day spans."""
    host = request.url.hostname or "localhost"
    document_base = str(request.base_url).rstrip("/") + "/documents/"
    return Response(
        events.ics(services, viewer, host, document_base),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="veranstaltungen.ics"'},
    )
