"""Facts of funding calls and events, extracted from their documents and kept in the store.

Extraction (`kb.calls`) is rules over the whole text: cheap, but not free on every page view.
The facts live in the ``calls`` table with the change number of the document they were read
from, so :meth:`CallStore.refresh` redoes only documents written since.

    >>> calls = CallStore(store)
    >>> calls.refresh()
    5
    >>> [c.status(date.today()) for c in calls.funding(ANONYMOUS)]
    ['open', 'open', 'rolling', 'closed', 'unknown']
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, time
from typing import Literal

from kb.dates import PartialDate, Precision, parse_optional
from kb.processes import die_with_parent, forking
from kb.store import Store
from kb.viewer import Viewer

CALL_KINDS = ("funding", "event")
_MARKS = ",".join("?" * len(CALL_KINDS))
# Documents whose facts are missing or older than the document; read through the index of
# documents by kind (migration 16), not by a scan of every document.
STALE = f"""SELECT d.id, d.kind, d.title, d.text, d.lang, d.date, d.seq FROM documents d
    LEFT JOIN calls c ON c.doc_id = d.id
    WHERE d.kind IN ({_MARKS}) AND (c.seq IS NULL OR c.seq < d.seq OR c.kind != d.kind)
    ORDER BY d.id"""
Day = date  # for annotations inside StoredCall, where the field "date" shadows the type

CallStatus = Literal["open", "rolling", "closed", "unknown"]
CALL_STATUSES: tuple[CallStatus, ...] = ("open", "rolling", "closed", "unknown")


@dataclass(frozen=True)
class StoredCall:
    """A funding call or an event: its document and the facts read from it."""

    doc_id: int
    kind: str
    url: str
    title: str
    text: str
    city: str | None
    members_only: bool
    programme: str | None = None
    funder: str | None = None
    eligible: str | None = None
    amount: str | None = None
    deadline: date | None = None
    rolling: bool = False
    start: date | None = None
    end: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    place: str | None = None
    online: bool = False
    organiser: str | None = None
    date_precision: Precision = "day"
    source: str | None = None
    # Last: a field named "date" shadows the type for the annotations after it.
    date: date | None = None  # first day of the announcement's publication date

    @property
    def published(self) -> PartialDate | None:
        """The announcement's publication date as given."""
        return PartialDate.from_first(self.date, self.date_precision) if self.date else None

    def status(self, today: Day) -> CallStatus:
        """ "open" until the deadline has passed; "rolling" when applications are taken at any
        time; "closed" after the deadline; "unknown" when the text gives neither."""
        if self.deadline is not None:
            return "open" if self.deadline >= today else "closed"
        return "rolling" if self.rolling else "unknown"

    def is_open(self, today: Day) -> bool:
        """Whether a city can still apply today: open by deadline, or rolling."""
        return self.status(today) in {"open", "rolling"}


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _clock(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def _iso(value: date | time | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="minutes") if isinstance(value, time) else value.isoformat()


class CallStore:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._conn = store.connection

    def refresh(self, procs: int = 1) -> int:
        """(Re)extract the facts of funding and event documents changed since their last
        extraction; drop facts of documents that are no longer funding calls or events, in
        ``procs`` processes when there are many. Returns how many documents were
        (re)extracted."""
        stale = self._conn.execute(STALE, CALL_KINDS).fetchall()
        gone = self._conn.execute(
            f"""SELECT 1 FROM calls c JOIN documents d ON d.id = c.doc_id
                WHERE d.kind NOT IN ({_MARKS}) LIMIT 1""",
            CALL_KINDS,
        ).fetchone()
        if not stale and gone is None:
            return 0  # the common case of a sync: two cheap queries, no write
        rows = _extract_all([tuple(row) for row in stale], procs)
        with self._store.transaction():
            self._conn.execute(
                f"""DELETE FROM calls WHERE doc_id IN (SELECT c.doc_id FROM calls c
                    JOIN documents d ON d.id = c.doc_id WHERE d.kind NOT IN ({_MARKS}))""",
                CALL_KINDS,
            )
            self._conn.executemany(
                """INSERT OR REPLACE INTO calls (doc_id, kind, programme, funder, eligible, amount,
                       deadline, rolling, start, "end", start_time, end_time, place, online,
                       organiser, seq)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                rows,
            )
        return len(rows)

    def funding(self, viewer: Viewer) -> list[StoredCall]:
        """Funding calls the asker may see: dated ones by deadline, then rolling ones, then
        those without either."""
        return self._select(
            "funding", viewer, "c.deadline IS NULL, c.deadline, NOT c.rolling, d.id"
        )

    def open_funding(self, viewer: Viewer, today: date) -> list[StoredCall]:
        """The calls a city can still apply to today: by nearest deadline, rolling ones after."""
        return [call for call in self.funding(viewer) if call.is_open(today)]

    def events(self, viewer: Viewer) -> list[StoredCall]:
        """Events the asker may see, by start (undated events last)."""
        return self._select(
            "event",
            viewer,
            'c.start IS NULL, c.start, c.start_time IS NOT NULL, c.start_time, c."end", d.id',
        )

    def _select(self, kind: str, viewer: Viewer, order: str) -> list[StoredCall]:
        rows = self._conn.execute(
            f"""SELECT c.*, d.url, d.title, d.text, d.date, d.city, d.members_only, d.source
                FROM calls c JOIN documents d ON d.id = c.doc_id
                WHERE c.kind = ? AND d.kind = c.kind AND (? OR NOT d.members_only)
                ORDER BY {order}""",
            (kind, viewer.sees_members_only),
        )
        calls = []
        for r in rows:
            published = parse_optional(r["date"])
            calls.append(
                StoredCall(
                    doc_id=int(r["doc_id"]),
                    kind=r["kind"],
                    url=r["url"],
                    title=r["title"],
                    text=r["text"],
                    date=published.first if published else None,
                    date_precision=published.precision if published else "day",
                    source=r["source"],
                    city=r["city"],
                    members_only=bool(r["members_only"]),
                    programme=r["programme"],
                    funder=r["funder"],
                    eligible=r["eligible"],
                    amount=r["amount"],
                    deadline=_day(r["deadline"]),
                    rolling=bool(r["rolling"]),
                    start=_day(r["start"]),
                    end=_day(r["end"]),
                    start_time=_clock(r["start_time"]),
                    end_time=_clock(r["end_time"]),
                    place=r["place"],
                    online=bool(r["online"]),
                    organiser=r["organiser"],
                )
            )
        return calls


# Stale documents from which extraction runs in several processes: fewer do not pay for them.
PARALLEL_FROM = 500

Stale = tuple[int, str, str, str, str, str | None, int]  # id, kind, title, text, lang, date, seq


def _extract_all(stale: list[Stale], procs: int) -> list[tuple[object, ...]]:
    if procs <= 1 or len(stale) < PARALLEL_FROM:
        return [_extract(row) for row in stale]
    with forking(), ProcessPoolExecutor(
        procs, mp_context=multiprocessing.get_context("fork"), initializer=die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:  # fmt: skip
        return list(pool.map(_extract, stale, chunksize=32))


def _extract(row: Stale) -> tuple[object, ...]:
    # Here, not above: compiling the rules' expressions is a tenth of a command's start, and
    # most commands (a search) find nothing to extract.
    from kb.calls import extract_event, extract_funding

    doc_id, kind, title, text, lang, date, seq = row
    # Year-less dates in the text are resolved from the first day of the publication date.
    published = parse_optional(date)
    reference = published.first if published else None
    if kind == "funding":
        call = extract_funding(text, title, reference, lang)
        return (
            doc_id, "funding", call.programme, call.funder, call.eligible, call.amount,
            _iso(call.deadline), int(call.rolling), None, None, None, None, None, 0, None, seq,
        )  # fmt: skip
    event = extract_event(text, title, reference, lang)
    return (
        doc_id, "event", None, None, None, None, None, 0, _iso(event.start), _iso(event.end),
        _iso(event.start_time), _iso(event.end_time), event.place, int(event.online),
        event.organiser, seq,
    )  # fmt: skip
