"""Events: ``/veranstaltungen``, ``/api/events`` and the iCalendar feed ``/events.ics``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ops import events
from ops.events import EventList
from web.deps import ServicesDep, Today, ViewerDep
from web.rendering import render

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
) -> EventList:
    return events.listing(services, viewer, today, upcoming)


@router.get("/veranstaltungen", response_class=HTMLResponse, include_in_schema=False)
def events_page(services: ServicesDep, viewer: ViewerDep, request: Request, today: Today) -> Any:
    grouped = events.by_time(services, viewer, today)
    return render(request, "events.html", {"grouped": grouped, "today": today})


@router.get(
    "/events.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)"}},
    tags=["events"],
)
def events_ics(services: ServicesDep, viewer: ViewerDep, request: Request) -> Response:
    """Every dated event the asker may see, as all-day events for calendar programs."""
    host = request.url.hostname or "localhost"
    document_base = str(request.base_url).rstrip("/") + "/documents/"
    return Response(
        events.ics(services, viewer, host, document_base),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="veranstaltungen.ics"'},
    )
