"""Events: upcoming ones by date, past ones, and an iCalendar feed for calendar programs
(`kb.calendar`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from pydantic import BaseModel

from kb.calendar import calendar
from kb.call_store import CallStore, StoredCall
from kb.viewer import Viewer
from ops.services import Services


class EventOut(BaseModel):
    id: int
    url: str
    title: str
    start: date | None
    end: date | None
    start_time: str | None
    """The time of day it begins, "HH:MM" in Berlin time, where the announcement gives one."""
    end_time: str | None
    place: str | None
    online: bool
    organiser: str | None
    upcoming: bool | None
    """Whether it has not ended yet; ``None`` when its date is unknown."""
    date: str | None  # of the announcement, as given ("2025", "2025-03", "2025-03-05")


class EventList(BaseModel):
    today: date
    total: int
    """Events the filter chose, on all pages."""
    page: int
    per_page: int
    events: list[EventOut]


GROUPS = ("upcoming", "past", "undated")


def _clock(moment: time | None) -> str | None:
    # Not a JSON Schema "time": that format wants a UTC offset, which announcements never give.
    return moment.strftime("%H:%M") if moment else None


def _out(event: StoredCall, today: date) -> EventOut:
    last = event.end or event.start
    return EventOut(
        id=event.doc_id,
        url=event.url,
        title=event.title,
        date=event.published.isoformat() if event.published else None,
        start=event.start,
        end=event.end,
        start_time=_clock(event.start_time),
        end_time=_clock(event.end_time),
        place=event.place,
        online=event.online,
        organiser=event.organiser,
        upcoming=None if last is None else last >= today,
    )


def group_of(event: EventOut) -> str:
    return "undated" if event.upcoming is None else "upcoming" if event.upcoming else "past"


def by_time(services: Services, viewer: Viewer, today: date) -> dict[str, list[EventOut]]:
    """Visible events: "upcoming" (soonest first, running ones included), "past" (latest
    first) and "undated"."""
    calls = CallStore(services.store)
    grouped: dict[str, list[EventOut]] = {group: [] for group in GROUPS}
    for event in calls.events(viewer):
        out = _out(event, today)
        grouped[group_of(out)].append(out)
    grouped["past"].reverse()
    return grouped


def listing(
    services: Services,
    viewer: Viewer,
    today: date,
    groups: tuple[str, ...] = GROUPS,
    page: int = 1,
    per_page: int = 50,
) -> EventList:
    """One page of the events of ``groups`` in that order: "upcoming" (soonest first), "past"
    (latest first), "undated"."""
    grouped = by_time(services, viewer, today)
    chosen = [event for group in groups for event in grouped[group]]
    first = (page - 1) * per_page
    return EventList(
        today=today,
        total=len(chosen),
        page=page,
        per_page=per_page,
        events=chosen[first : first + per_page],
    )


def ics(services: Services, viewer: Viewer, host: str, document_base: str) -> str:
    """Every dated event the viewer may see, as an iCalendar document."""
    events = CallStore(services.store).events(viewer)
    return calendar(events, host, document_base, datetime.now(UTC))
