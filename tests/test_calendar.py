"""The events feed: validated by the icalendar package, timed events in Berlin time, all-day
spans with an exclusive end."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar

from kb.calendar import BERLIN, calendar
from kb.call_store import StoredCall


def _event(doc_id: int, **facts: object) -> StoredCall:
    return StoredCall(
        doc_id=doc_id,
        kind="event",
        url=f"https://stadt.test/termine/{doc_id}",
        title=f"Veranstaltung {doc_id}",
        text=f"Veranstaltung {doc_id}\n\n14. Februar 2025\n\nDie Stadt lädt ein; Komma, Semikolon;",
        city=None,
        members_only=False,
        **facts,  # type: ignore[arg-type]
    )


def test_the_feed_parses_and_keeps_times_and_spans() -> None:
    events = [
        _event(
            1,
            start=date(2025, 3, 12),
            end=date(2025, 3, 12),
            start_time=time(9, 30),
            end_time=time(16),
            place="Essen, Rathaus",
        ),
        _event(2, start=date(2025, 11, 3), end=date(2025, 11, 5)),
        _event(3, start=date(2025, 6, 2), end=date(2025, 6, 4), start_time=time(10)),
        _event(4),  # undated: not in the feed
    ]
    text = calendar(
        events, "kb.test", "https://kb.test/documents/", datetime(2025, 1, 1, tzinfo=UTC)
    )
    feed = Calendar.from_ical(text)
    assert [tz["TZID"] for tz in feed.walk("VTIMEZONE")] == ["Europe/Berlin"]
    found = {str(e["UID"]): (e.decoded("DTSTART"), e.decoded("DTEND")) for e in feed.walk("VEVENT")}
    assert found == {
        "defus-kb-event-1@kb.test": (
            datetime(2025, 3, 12, 9, 30, tzinfo=BERLIN),
            datetime(2025, 3, 12, 16, tzinfo=BERLIN),
        ),
        "defus-kb-event-2@kb.test": (date(2025, 11, 3), date(2025, 11, 6)),
        "defus-kb-event-3@kb.test": (
            datetime(2025, 6, 2, 10, tzinfo=BERLIN),
            datetime(2025, 6, 5, 0, tzinfo=BERLIN),
        ),
    }
    assert "TZID=Europe/Berlin:20250312T093000" in text
    first = next(e for e in feed.walk("VEVENT") if str(e["UID"]).startswith("defus-kb-event-1"))
    assert str(first["LOCATION"]) == "Essen, Rathaus"
    # The description starts with the text, not with the title and date line.
    assert str(first["DESCRIPTION"]).startswith("Die Stadt lädt ein")
    assert feed.walk("VEVENT")[1].decoded("DTEND") - feed.walk("VEVENT")[1].decoded(
        "DTSTART"
    ) == timedelta(days=3)


def test_an_event_on_the_last_day_there_is_has_no_end() -> None:
    # The day after 31 December 9999 cannot be written: the event is one day (RFC 5545).
    events = [
        _event(1, start=date(9999, 12, 31)),
        _event(2, start=date(9999, 12, 30), end=date(9999, 12, 31), start_time=time(10)),
    ]
    text = calendar(
        events, "kb.test", "https://kb.test/documents/", datetime(2025, 1, 1, tzinfo=UTC)
    )
    found = {
        str(e["UID"]): (e.decoded("DTSTART"), e.get("DTEND"))
        for e in Calendar.from_ical(text).walk("VEVENT")
    }
    assert found == {
        "defus-kb-event-1@kb.test": (date(9999, 12, 31), None),
        "defus-kb-event-2@kb.test": (datetime(9999, 12, 30, 10, tzinfo=BERLIN), None),
    }
