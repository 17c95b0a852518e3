"""Events as an iCalendar (RFC 5545) feed, built with the ``icalendar`` package.

An event with a time of day starts (and ends, where the text says) at that local time in
Europe/Berlin, with the zone's VTIMEZONE in the feed; an event without one is an all-day span
whose ``DTEND`` is the day after its last day (exclusive, as RFC 5545 wants). A multi-day event
with a start time but no end time lasts to the end of its last day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from kb.call_store import StoredCall
from kb.leads import lead

BERLIN = ZoneInfo("Europe/Berlin")
DESCRIPTION_WORDS = 90
PRODUCT = "-//DEFUS//Wissensdatenbank Urbane Sicherheit//DE"


def _times(event: StoredCall) -> tuple[object, object | None]:
    """DTSTART and DTEND (None: none) of a dated event."""
    assert event.start is not None
    last = event.end or event.start
    after = _day_after(last)
    if event.start_time is None:
        return event.start, after  # none on the last day there is: one day
    start = datetime.combine(event.start, event.start_time, BERLIN)
    if event.end_time is not None:
        return start, datetime.combine(last, event.end_time, BERLIN)
    if last > event.start and after is not None:
        return start, datetime.combine(after, time(0), BERLIN)
    return start, None


def _day_after(day: date) -> date | None:
    """None after 31 December 9999 (a record may be dated so): no such day."""
    return day + timedelta(days=1) if day < date.max else None


def calendar(events: Iterable[StoredCall], host: str, document_base: str, now: datetime) -> str:
    """A VCALENDAR with one VEVENT per dated event. ``document_base`` + id is the link of an
    event whose own URL is not a web address; ``now`` is the DTSTAMP."""
    feed = Calendar()
    feed.add("prodid", PRODUCT)
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    feed.add("x-wr-calname", "DEFUS – Veranstaltungen")
    for event in events:
        if event.start is None:
            continue
        start, end = _times(event)
        entry = Event()
        entry.add("uid", f"defus-kb-event-{event.doc_id}@{host}")
        entry.add("dtstamp", now)
        entry.add("dtstart", start)
        if end is not None:
            entry.add("dtend", end)
        entry.add("summary", event.title)
        if event.place:
            entry.add("location", event.place)
        web = event.url.startswith(("http://", "https://"))
        entry.add("url", event.url if web else f"{document_base}{event.doc_id}")
        description = [f"Veranstalter: {event.organiser}"] if event.organiser else []
        description.append(lead(event.text, event.title, DESCRIPTION_WORDS))
        entry.add("description", "\n".join(description))
        feed.add_component(entry)
    feed.add_missing_timezones()
    return str(feed.to_ical().decode("utf-8"))
