"""Funding and event facts in the store: extracted once, refreshed when documents change."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from kb import call_store
from kb.call_store import CallStore
from kb.dates import PartialDate
from kb.store import Store
from kb.viewer import ANONYMOUS, MEMBER
from tests.factories import make_document

CALL_TEXT = "Antragsfrist: 31. März 2025. Antragsberechtigt sind Kommunen. Bis zu 50.000 Euro."
EVENT_TEXT = "Die Tagung findet vom 3. bis 5. November 2025 in Kiel statt."


def test_refresh_extracts_once_and_again_only_what_changed(store: Store) -> None:
    call = make_document(kind="funding", title="Förderaufruf: Sichere Quartiere", text=CALL_TEXT)
    event = make_document(kind="event", title="Fachtagung", text=EVENT_TEXT)
    store.upsert_document(call)
    store.upsert_document(event)
    store.upsert_document(make_document(kind="news"))
    calls = CallStore(store)
    assert calls.refresh() == 2
    assert calls.refresh() == 0  # nothing changed: nothing extracted again

    (funding,) = calls.funding(ANONYMOUS)
    assert funding.deadline == date(2025, 3, 31)
    assert funding.programme == "Sichere Quartiere" and funding.amount == "Bis zu 50.000 Euro"
    assert funding.eligible == "Kommunen"
    (tagung,) = calls.events(ANONYMOUS)
    assert (tagung.start, tagung.end, tagung.place) == (
        date(2025, 11, 3),
        date(2025, 11, 5),
        "Kiel",
    )

    store.upsert_document(replace(call, text=CALL_TEXT.replace("31. März", "30. April")))
    assert calls.refresh() == 1
    assert calls.funding(ANONYMOUS)[0].deadline == date(2025, 4, 30)


def test_a_document_that_is_no_longer_a_call_loses_its_facts(store: Store) -> None:
    event = make_document(kind="event", title="Fachtagung", text=EVENT_TEXT)
    store.upsert_document(event)
    calls = CallStore(store)
    calls.refresh()
    store.upsert_document(replace(event, kind="news"))
    calls.refresh()
    assert calls.events(ANONYMOUS) == []
    assert store.connection.execute("SELECT count(*) FROM calls").fetchone()[0] == 0
    store.upsert_document(replace(event, kind="funding", text=CALL_TEXT))
    assert calls.refresh() == 1 and calls.funding(ANONYMOUS)[0].kind == "funding"


def test_members_only_calls_are_for_members(store: Store) -> None:
    store.upsert_document(make_document(kind="funding", text=CALL_TEXT, title="Öffentlich"))
    store.upsert_document(
        make_document(kind="funding", text=CALL_TEXT, title="Intern", members_only=True)
    )
    store.upsert_document(
        make_document(kind="event", text=EVENT_TEXT, title="Internes Treffen", members_only=True)
    )
    calls = CallStore(store)
    calls.refresh()
    assert [c.title for c in calls.funding(ANONYMOUS)] == ["Öffentlich"]
    assert {c.title for c in calls.funding(MEMBER)} == {"Öffentlich", "Intern"}
    assert calls.events(ANONYMOUS) == []
    assert [e.title for e in calls.events(MEMBER)] == ["Internes Treffen"]


def test_rolling_calls_are_open_after_the_dated_ones(store: Store) -> None:
    texts = {
        "Laufend": "Anträge können laufend gestellt werden. Gefördert werden bis zu 5.000 Euro.",
        "Bald": "Antragsfrist: 30. April 2025.",
        "Vorbei": "Antragsfrist: 31. Januar 2025.",
        "Fenster": "Bewerbungen vom 15. März bis 30. Mai 2025 über das Portal.",
        "Ohne": "Die Stiftung fördert Projekte der Nachbarschaftshilfe.",
    }
    for title, text in texts.items():
        store.upsert_document(make_document(kind="funding", title=title, text=text))
    calls = CallStore(store)
    calls.refresh()
    today = date(2025, 3, 1)
    found = [(c.title, c.status(today)) for c in calls.funding(ANONYMOUS)]
    assert found == [
        ("Vorbei", "closed"),
        ("Bald", "open"),
        ("Fenster", "open"),
        ("Laufend", "rolling"),
        ("Ohne", "unknown"),
    ]
    assert [c.title for c in calls.open_funding(ANONYMOUS, today)] == ["Bald", "Fenster", "Laufend"]


def test_event_times_and_a_publication_month_are_kept(store: Store) -> None:
    event = make_document(
        kind="event",
        title="Fachtag",
        text="Der Fachtag findet am 12. März 2025 von 9:30 bis 16 Uhr in Essen statt.",
    )
    event.published = PartialDate(2025, 1)
    store.upsert_document(event)
    calls = CallStore(store)
    calls.refresh()
    (stored,) = calls.events(ANONYMOUS)
    assert (stored.start, stored.end, stored.start_time, stored.end_time) == (
        date(2025, 3, 12),
        date(2025, 3, 12),
        time(9, 30),
        time(16),
    )
    assert stored.published == PartialDate(2025, 1)


def test_processes_extract_what_one_process_extracts(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(call_store, "PARALLEL_FROM", 4)  # a smaller test, the same code path
    for n in range(6):
        store.upsert_document(
            make_document(
                kind="funding" if n % 2 else "event",
                title=f"Aufruf {n}",
                text=(CALL_TEXT if n % 2 else EVENT_TEXT).replace("2025", str(2020 + n)),
            )
        )

    def facts() -> list[tuple[object, ...]]:
        return [tuple(r) for r in store.connection.execute("SELECT * FROM calls ORDER BY doc_id")]

    calls = CallStore(store)
    assert calls.refresh(procs=2) == 6
    in_processes = facts()
    store.connection.execute("DELETE FROM calls")
    assert calls.refresh() == 6
    assert facts() == in_processes
    assert {row[1] for row in in_processes} == {"funding", "event"}


def test_refresh_reads_the_funding_and_event_documents_only(store: Store) -> None:
    plan = store.connection.execute(f"EXPLAIN QUERY PLAN {call_store.STALE}", call_store.CALL_KINDS)
    assert any("USING INDEX documents_kind" in row[3] for row in plan)


def test_a_call_dated_at_the_end_of_time_is_read_without_failing(store: Store) -> None:
    # A record may be dated 9999-12-31: its year-less dates have no next occurrence, and the
    # facts of every other call are still read (one such document stopped every sync).
    for kind, text in (
        ("funding", "Anträge bis zum 1. Januar einreichen. Bis zu 5.000 Euro."),
        ("event", "Vom 30. Dezember bis 2. Januar findet der Fachtag in Essen statt."),
    ):
        store.upsert_document(make_document(kind=kind, text=text, date=date(9999, 12, 31)))
    store.upsert_document(make_document(kind="funding", text=CALL_TEXT))
    calls = CallStore(store)
    assert calls.refresh() == 3
    assert [c.deadline for c in calls.funding(ANONYMOUS)] == [date(2025, 3, 31), None]
    (fachtag,) = calls.events(ANONYMOUS)
    assert fachtag.start is None  # its dates come before the publication date: none after it
