"""Events: upcoming ones by date, past ones, and an iCalendar feed for calendar programs.

The feed is written here per RFC 5545 (line folding, escaping) rather than with a library: a
few properties of all-day events do not justify a runtime dependency.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel

from kb.call_store import CallStore, StoredCall
from kb.viewer import Viewer
from ops.services import Services

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


def by_time(services: Services, viewer: Viewer, today: date) -> dict[str, list[EventOut]]:
    """Visible events: "upcoming" (soonest first, running ones included), "past" (latest
    first) and "undated"."""
    calls = CallStore(services.store)
    grouped: dict[str, list[EventOut]] = {"upcoming": [], "past": [], "undated": []}
    for event in calls.events(viewer):
        out = _out(event, today)
        key = "undated" if out.upcoming is None else "upcoming" if out.upcoming else "past"
        grouped[key].append(out)
    grouped["past"].reverse()
    return grouped


def listing(services: Services, viewer: Viewer, today: date, upcoming: bool | None) -> EventList:
    """Upcoming events (soonest first), past ones (latest first), or all with undated last."""
    grouped = by_time(services, viewer, today)
    if upcoming is None:
        chosen = [*grouped["upcoming"], *grouped["past"], *grouped["undated"]]
    else:
        chosen = grouped["upcoming" if upcoming else "past"]
    return EventList(today=today, events=chosen)


def ics(services: Services, viewer: Viewer, host: str, document_base: str) -> str:
    """Every dated event the viewer may see, as an iCalendar document."""
    return calendar(CallStore(services.store).events(viewer), host, document_base)


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
