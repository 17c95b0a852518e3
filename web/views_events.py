"""Events: upcoming ones by date, past ones, and an iCalendar feed for calendar programs.

The feed is written here per RFC 5545 (line folding, escaping) rather than with a library: a
few properties of all-day events do not justify a runtime dependency.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from kb.call_store import CallStore, StoredCall
from kb.viewer import Viewer
from web.access import viewer_of
from web.api import ServicesDep
from web.clock import Today
from web.pages import render
from web.services import Services
from web.views_common import switch_link

DESCRIPTION_CHARS = 600


class EventOut(BaseModel):
    id: int
    url: str
    title: str
    start: date | None
    end: date | None
    place: str | None
    online: bool
    organiser: str | None
    upcoming: bool | None
    """Whether it has not ended yet; ``None`` when its date is unknown."""
    date: date | None  # of the announcement; last, since the name shadows the type


class EventList(BaseModel):
    today: date
    events: list[EventOut]


def _out(event: StoredCall, today: date) -> EventOut:
    last = event.end or event.start
    return EventOut(
        id=event.doc_id,
        url=event.url,
        title=event.title,
        date=event.date,
        start=event.start,
        end=event.end,
        place=event.place,
        online=event.online,
        organiser=event.organiser,
        upcoming=None if last is None else last >= today,
    )


def events_by_time(services: Services, viewer: Viewer, today: date) -> dict[str, list[EventOut]]:
    """Visible events: "upcoming" (soonest first, running ones included), "past" (latest
    first) and "undated"."""
    calls = CallStore(services.store)
    calls.refresh()
    grouped: dict[str, list[EventOut]] = {"upcoming": [], "past": [], "undated": []}
    for event in calls.events(viewer):
        out = _out(event, today)
        key = "undated" if out.upcoming is None else "upcoming" if out.upcoming else "past"
        grouped[key].append(out)
    grouped["past"].reverse()
    return grouped


router = APIRouter()


@router.get("/api/events", response_model=EventList, tags=["events"])
async def api_events(
    services: ServicesDep,
    request: Request,
    today: Today,
    upcoming: Annotated[
        bool | None,
        Query(
            description="true: events not yet over, soonest first; false: past events, latest "
            "first; absent: all, undated ones last."
        ),
    ] = None,
) -> EventList:
    grouped = events_by_time(services, viewer_of(request), today)
    if upcoming is None:
        chosen = [*grouped["upcoming"], *grouped["past"], *grouped["undated"]]
    else:
        chosen = grouped["upcoming" if upcoming else "past"]
    return EventList(today=today, events=chosen)


@router.get("/veranstaltungen", response_class=HTMLResponse, include_in_schema=False)
async def events_page(services: ServicesDep, request: Request, today: Today) -> Any:
    grouped = events_by_time(services, viewer_of(request), today)
    return render(
        request,
        "events.html",
        {"grouped": grouped, "today": today, "switch_link": switch_link(request)},
    )


@router.get(
    "/events.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)"}},
    tags=["events"],
)
async def events_ics(services: ServicesDep, request: Request) -> Response:
    """Every dated event the asker may see, as all-day events for calendar programs."""
    calls = CallStore(services.store)
    calls.refresh()
    host = request.url.hostname or "localhost"
    document_base = str(request.base_url).rstrip("/") + "/documents/"
    body = calendar(calls.events(viewer_of(request)), host, document_base)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="veranstaltungen.ics"'},
    )


def calendar(events: list[StoredCall], host: str, document_base: str) -> str:
    """A VCALENDAR with one VEVENT per dated event; DTEND is exclusive (the day after)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//DEFUS//Wissensdatenbank Urbane Sicherheit//DE",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:DEFUS – Veranstaltungen",
    ]
    for event in events:
        if event.start is None:
            continue
        end = event.end or event.start
        url = event.url if event.url.startswith(("http://", "https://")) else None
        description = [f"Veranstalter: {event.organiser}"] if event.organiser else []
        opening = event.text.strip()
        if len(opening) > DESCRIPTION_CHARS:
            opening = opening[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + " …"
        description.append(opening)
        lines += [
            "BEGIN:VEVENT",
            f"UID:defus-kb-event-{event.doc_id}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{event.start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{end + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape_text(event.title)}",
        ]
        if event.place:
            lines.append(f"LOCATION:{escape_text(event.place)}")
        lines.append(f"URL:{url or document_base + str(event.doc_id)}")
        lines.append(f"DESCRIPTION:{escape_text(chr(10).join(description))}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str, limit: int = 75) -> str:
    """Fold a content line into lines of at most ``limit`` octets (RFC 5545 3.1), never inside
    a UTF-8 character; continuation lines start with a space, which counts."""
    chunks: list[str] = []
    current, size = "", 0
    room = limit
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > room:
            chunks.append(current)
            current, size, room = "", 0, limit - 1
        current += char
        size += width
    chunks.append(current)
    return "\r\n ".join(chunks)
