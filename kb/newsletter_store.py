"""The newsletter in the store: subscribers and their preferences, composed issues and the
per-recipient send log.

A subscriber is ``pending`` until the confirmation link is used (nothing is mailed to a pending
address but that link), then ``confirmed``; a hard delivery failure makes it ``bounced``.
Unsubscribing deletes the subscriber and everything kept about it.

    >>> news = NewsletterStore(store)
    >>> subscriber = news.subscribe("a@stadt.test", Preferences(cities=("Essen",)))
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from kb.accounts import normal_email
from kb.model import Document
from kb.store import Store

SubscriberStatus = Literal["pending", "confirmed", "bounced"]
IssueStatus = Literal["draft", "sending", "sent"]
# What the send log says of one recipient of one issue:
#   sending  written just before the SMTP transaction, replaced once it ended;
#   sent     the server accepted the mail;
#   failed   the server refused the address for good (5xx): the subscriber is bounced;
#   empty    nothing in the issue matched the subscriber's preferences;
#   deferred the server refused for now (4xx) after the retries: tried again on the next run.
SendStatus = Literal["sending", "sent", "failed", "empty", "deferred"]
FINAL: tuple[SendStatus, ...] = ("sending", "sent", "failed", "empty")


@dataclass(frozen=True)
class SavedSearch:
    """A query with filters (as the search page takes them) whose new matches a reader wants."""

    query: str
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def key(self) -> str:
        """A stable name of the search: issues keep its matches under it."""
        return json.dumps([self.query, [[k, list(v)] for k, v in self.filters]], ensure_ascii=False)

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "filters": {k: list(v) for k, v in self.filters}}

    @classmethod
    def from_json(cls, given: dict[str, Any]) -> SavedSearch:
        filters = given.get("filters") or {}
        return cls(
            str(given.get("query", "")).strip(),
            tuple(sorted((str(k), tuple(str(x) for x in v)) for k, v in filters.items() if v)),
        )


@dataclass(frozen=True)
class Preferences:
    """What a reader wants; an empty choice means everything of that kind."""

    sections: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()  # offered to members only
    languages: tuple[str, ...] = ()
    searches: tuple[SavedSearch, ...] = ()
    topics: tuple[str, ...] = ()  # labels of `kb.labels`: any of them narrows every section
    targets: tuple[str, ...] = ()  # target groups, the same way
    settings: tuple[str, ...] = ()  # settings (Schule, öffentlicher Raum …), the same way
    evidence: tuple[str, ...] = ()  # "evaluiert": evaluated measures only


@dataclass(frozen=True)
class Subscriber:
    id: int
    email: str
    link_key: str  # random; signs the subscriber's links, which die with it
    status: SubscriberStatus
    preferences: Preferences
    created_at: str
    confirmed_at: str | None = None
    confirm_sent_at: str | None = None
    failure: str | None = None


@dataclass(frozen=True)
class IssueRecord:
    """A composed issue. ``items`` are frozen at composition (JSON of the composer's items);
    ``searches`` holds, per saved search (its key), the ids of the issue's documents it
    matches."""

    id: int
    number: int
    since: str
    composed_at: str
    items: list[dict[str, Any]]
    searches: dict[str, list[int]]
    status: IssueStatus
    sent_at: str | None


@dataclass(frozen=True)
class Candidate:
    """A stored document written since some moment, with when it came and last changed."""

    document: Document
    created_at: str
    updated_at: str


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _tuple(raw: str) -> tuple[str, ...]:
    return tuple(str(v) for v in json.loads(raw))


class NewsletterStore:
    """Subscribers, issues and the send log; ``clock`` is replaceable for tests."""

    def __init__(self, store: Store, clock: Callable[[], datetime] | None = None) -> None:
        self._store = store
        self._conn = store.connection
        self._clock = clock or (lambda: datetime.now(UTC))

    @property
    def store(self) -> Store:
        return self._store

    def now(self) -> datetime:
        return self._clock()

    # -- subscribers -----------------------------------------------------------------------

    def subscribe(self, email: str, preferences: Preferences) -> Subscriber:
        """A new pending subscriber with ``preferences``, or the existing one as it is: a
        stranger who knows an address cannot change what it receives, nor what it will receive
        once confirmed (a reader changes preferences through the links mailed to them). A
        bounced address waits for confirmation again."""
        address = normal_email(email)
        existing = self.by_email(address)
        if existing is not None and existing.status != "bounced":
            return existing
        with self._store.transaction():
            if existing is None:
                self._conn.execute(
                    "INSERT INTO subscribers (email, link_key, created_at) VALUES (?,?,?)",
                    (address, secrets.token_urlsafe(24), _iso(self._clock())),
                )
            else:
                self._conn.execute(
                    "UPDATE subscribers SET status='pending', failure=NULL WHERE id=?",
                    (existing.id,),
                )
        subscriber = self.by_email(address)
        assert subscriber is not None
        return subscriber if existing else self.set_preferences(subscriber, preferences)

    def add(self, email: str, preferences: Preferences, confirmed: bool) -> Subscriber:
        """Staff's way in (``kb subscriber add``): the preferences given, optionally confirmed
        at once."""
        subscriber = self.set_preferences(self.subscribe(email, preferences), preferences)
        if confirmed and subscriber.status != "confirmed":
            return self.confirm(subscriber)
        return subscriber

    def get(self, subscriber_id: int) -> Subscriber | None:
        row = self._conn.execute(
            "SELECT * FROM subscribers WHERE id=?", (subscriber_id,)
        ).fetchone()
        return _subscriber(row) if row else None

    def by_email(self, email: str) -> Subscriber | None:
        row = self._conn.execute(
            "SELECT * FROM subscribers WHERE email=?", (email.strip().lower(),)
        ).fetchone()
        return _subscriber(row) if row else None

    def subscribers(self, status: SubscriberStatus | None = None) -> list[Subscriber]:
        if status is None:
            rows = self._conn.execute("SELECT * FROM subscribers ORDER BY id")
        else:
            rows = self._conn.execute(
                "SELECT * FROM subscribers WHERE status=? ORDER BY id", (status,)
            )
        return [_subscriber(r) for r in rows]

    def confirm(self, subscriber: Subscriber) -> Subscriber:
        with self._store.transaction():
            self._conn.execute(
                "UPDATE subscribers SET status='confirmed', confirmed_at=?, failure=NULL"
                " WHERE id=?",
                (_iso(self._clock()), subscriber.id),
            )
        return self._reload(subscriber)

    def confirmation_sent(self, subscriber: Subscriber) -> Subscriber:
        with self._store.transaction():
            self._conn.execute(
                "UPDATE subscribers SET confirm_sent_at=? WHERE id=?",
                (_iso(self._clock()), subscriber.id),
            )
        return self._reload(subscriber)

    def set_preferences(self, subscriber: Subscriber, preferences: Preferences) -> Subscriber:
        p = preferences
        with self._store.transaction():
            self._conn.execute(
                "UPDATE subscribers SET sections=?, cities=?, collections=?, languages=?,"
                " searches=?, topics=?, targets=?, settings=?, evidence=? WHERE id=?",
                (
                    json.dumps(list(p.sections), ensure_ascii=False),
                    json.dumps(list(p.cities), ensure_ascii=False),
                    json.dumps(list(p.collections), ensure_ascii=False),
                    json.dumps(list(p.languages)),
                    json.dumps([s.to_json() for s in p.searches], ensure_ascii=False),
                    json.dumps(list(p.topics)),
                    json.dumps(list(p.targets)),
                    json.dumps(list(p.settings)),
                    json.dumps(list(p.evidence)),
                    subscriber.id,
                ),
            )
        return self._reload(subscriber)

    def bounced(self, subscriber_id: int, failure: str) -> None:
        """A hard delivery failure: no further mail goes to the address."""
        with self._store.transaction():
            self._conn.execute(
                "UPDATE subscribers SET status='bounced', failure=? WHERE id=?",
                (failure[:500], subscriber_id),
            )

    def delete(self, subscriber: Subscriber) -> None:
        """Unsubscribe: the subscriber and its send log rows are deleted."""
        with self._store.transaction():
            self._conn.execute("DELETE FROM subscribers WHERE id=?", (subscriber.id,))

    def member_emails(self) -> frozenset[str]:
        """Addresses of the enabled accounts: every role from member up sees members-only
        documents, so their subscriptions may carry them."""
        rows = self._conn.execute("SELECT lower(email) FROM users WHERE NOT disabled")
        return frozenset(r[0] for r in rows)

    def _reload(self, subscriber: Subscriber) -> Subscriber:
        found = self.get(subscriber.id)
        assert found is not None
        return found

    # -- what an issue is made of ----------------------------------------------------------

    def candidates(self, since: datetime) -> Iterator[Candidate]:
        """Documents new or changed from ``since`` on (not gone), oldest first. Times have
        whole seconds: a document of the very second an issue was composed comes again in the
        next issue rather than in none."""
        moment = _iso(since)
        rows = self._conn.execute(
            "SELECT id, created_at, updated_at FROM documents"
            " WHERE (created_at >= ? OR updated_at >= ?) AND NOT gone ORDER BY id",
            (moment, moment),
        ).fetchall()
        for row in rows:
            doc = self._store.document(int(row["id"]))
            if doc is not None:
                yield Candidate(doc, row["created_at"], row["updated_at"])

    def collections(self) -> list[str]:
        """The members-only collections, for the preferences of members."""
        rows = self._conn.execute(
            "SELECT collection FROM sources WHERE collection IS NOT NULL"
            " UNION SELECT collection FROM documents WHERE collection IS NOT NULL"
        )
        return sorted(r[0] for r in rows)

    # -- issues ----------------------------------------------------------------------------

    def add_issue(
        self,
        since: datetime,
        composed_at: datetime,
        items: list[dict[str, Any]],
        searches: dict[str, list[int]],
    ) -> IssueRecord:
        """A new draft issue, numbered after the last; ``composed_at`` is when its documents
        were read, where the next issue starts."""
        with self._store.transaction():
            number = int(
                self._conn.execute(
                    "SELECT coalesce(max(number), 0) + 1 FROM newsletter_issues"
                ).fetchone()[0]
            )
            self._conn.execute(
                "INSERT INTO newsletter_issues (number, since, composed_at, items, searches)"
                " VALUES (?,?,?,?,?)",
                (
                    number,
                    _iso(since),
                    _iso(composed_at),
                    json.dumps(items, ensure_ascii=False),
                    json.dumps(searches, ensure_ascii=False),
                ),
            )
        found = self.issue(number)
        assert found is not None
        return found

    def issue(self, number: int) -> IssueRecord | None:
        row = self._conn.execute(
            "SELECT * FROM newsletter_issues WHERE number=?", (number,)
        ).fetchone()
        return _issue(row) if row else None

    def issues(self) -> list[IssueRecord]:
        """Newest first."""
        rows = self._conn.execute("SELECT * FROM newsletter_issues ORDER BY number DESC")
        return [_issue(r) for r in rows]

    def last_issue(self) -> IssueRecord | None:
        row = self._conn.execute(
            "SELECT * FROM newsletter_issues ORDER BY number DESC LIMIT 1"
        ).fetchone()
        return _issue(row) if row else None

    def set_issue_status(self, issue: IssueRecord, status: IssueStatus) -> None:
        sent_at = _iso(self._clock()) if status == "sent" else None
        with self._store.transaction():
            self._conn.execute(
                "UPDATE newsletter_issues SET status=?, sent_at=? WHERE id=?",
                (status, sent_at, issue.id),
            )

    # -- the send log ----------------------------------------------------------------------

    def send_log(self, issue: IssueRecord) -> dict[int, SendStatus]:
        rows = self._conn.execute(
            "SELECT subscriber_id, status FROM newsletter_sends WHERE issue_id=?", (issue.id,)
        )
        return {int(r[0]): r[1] for r in rows}

    def log(
        self,
        issue: IssueRecord,
        subscriber_id: int,
        status: SendStatus,
        attempts: int = 0,
        error: str | None = None,
    ) -> None:
        """One committed row per recipient and change: the log survives any interruption."""
        with self._store.transaction():
            self._conn.execute(
                "INSERT INTO newsletter_sends"
                " (issue_id, subscriber_id, status, attempts, error, at) VALUES (?,?,?,?,?,?)"
                " ON CONFLICT (issue_id, subscriber_id) DO UPDATE SET"
                " status=excluded.status, attempts=excluded.attempts, error=excluded.error,"
                " at=excluded.at",
                (issue.id, subscriber_id, status, attempts, error, _iso(self._clock())),
            )

    def claim(self, issue: IssueRecord, subscriber_id: int, attempt: int) -> bool:
        """Write ``sending`` for a recipient nobody has served or is serving (none, or a
        ``deferred`` row); False when another run got there first. The write is one
        ``BEGIN IMMEDIATE`` transaction, so two runs (the weekly job and ``kb newsletter
        send`` in another process) never both claim a reader."""
        with self._store.transaction():
            cur = self._conn.execute(
                "INSERT INTO newsletter_sends"
                " (issue_id, subscriber_id, status, attempts, at) VALUES (?,?,'sending',?,?)"
                " ON CONFLICT (issue_id, subscriber_id) DO UPDATE SET status='sending',"
                " attempts=excluded.attempts, error=NULL, at=excluded.at"
                " WHERE newsletter_sends.status = 'deferred'",
                (issue.id, subscriber_id, attempt, _iso(self._clock())),
            )
        return cur.rowcount > 0

    def unlog(self, issue: IssueRecord, subscriber_id: int) -> None:
        """Forget a ``sending`` row whose SMTP transaction failed: the mail was not accepted."""
        with self._store.transaction():
            self._conn.execute(
                "DELETE FROM newsletter_sends WHERE issue_id=? AND subscriber_id=?",
                (issue.id, subscriber_id),
            )


def _subscriber(row: sqlite3.Row) -> Subscriber:
    searches = tuple(SavedSearch.from_json(s) for s in json.loads(row["searches"]))
    return Subscriber(
        id=int(row["id"]),
        email=row["email"],
        link_key=row["link_key"],
        status=row["status"],
        preferences=Preferences(
            sections=_tuple(row["sections"]),
            cities=_tuple(row["cities"]),
            collections=_tuple(row["collections"]),
            languages=_tuple(row["languages"]),
            searches=searches,
            topics=_tuple(row["topics"]),
            targets=_tuple(row["targets"]),
            settings=_tuple(row["settings"]),
            evidence=_tuple(row["evidence"]),
        ),
        created_at=row["created_at"],
        confirmed_at=row["confirmed_at"],
        confirm_sent_at=row["confirm_sent_at"],
        failure=row["failure"],
    )


def _issue(row: sqlite3.Row) -> IssueRecord:
    return IssueRecord(
        id=int(row["id"]),
        number=int(row["number"]),
        since=row["since"],
        composed_at=row["composed_at"],
        items=json.loads(row["items"]),
        searches=json.loads(row["searches"]),
        status=row["status"],
        sent_at=row["sent_at"],
    )
