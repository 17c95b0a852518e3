"""Composing an issue from the store: what is new or updated since the last issue, with the
matches of the readers' saved searches, stored as a draft that staff may preview."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from index.search import SearchRequest, SearchService
from kb.entity_catalogue import EntityCatalogue
from kb.newsletter_store import IssueRecord, NewsletterStore, SavedSearch
from kb.settings import Settings
from kb.store import Store
from kb.viewer import MEMBER
from web.newsletter.compose import Item, items_from
from web.newsletter.send import Connect, Sender, SendReport

FIRST_ISSUE_DAYS = 7  # the first issue covers the week before it


@dataclass(frozen=True)
class Draft:
    since: datetime
    at: datetime  # when the documents were read
    items: list[Item]
    matches: dict[str, list[int]]  # saved search key → ids of the items it matches


def since_last(news: NewsletterStore) -> datetime:
    """Where the next issue starts: the previous one's composition, else a week ago."""
    last = news.last_issue()
    if last is None:
        return news.now() - timedelta(days=FIRST_ISSUE_DAYS)
    return datetime.fromisoformat(last.composed_at)


def search_matches(
    search: SearchService, searches: Iterable[SavedSearch], ids: set[int]
) -> dict[str, list[int]]:
    """Each distinct saved search runs once per issue, whatever the number of readers; it
    sees members-only documents too, and each reader's edition then drops what they may not
    see."""
    found: dict[str, list[int]] = {}
    for saved in set(searches):
        request = SearchRequest(
            query=saved.query, filters={k: list(v) for k, v in saved.filters}, viewer=MEMBER
        )
        matched = sorted(search.matching_ids(request) & ids)
        if matched:
            found[saved.key] = matched
    return found


def draft(news: NewsletterStore, search: SearchService, since: datetime | None = None) -> Draft:
    """The next issue as it would be composed now (nothing is stored)."""
    start = since or since_last(news)
    at = news.now()
    cities = EntityCatalogue(news.store).member_cities()
    items = items_from(news.candidates(start), start, cities)
    searches = [s for sub in news.subscribers("confirmed") for s in sub.preferences.searches]
    matches = search_matches(search, searches, {i.doc_id for i in items}) if items else {}
    return Draft(start, at, items, matches)


def compose_issue(
    news: NewsletterStore, search: SearchService, since: datetime | None = None
) -> IssueRecord | None:
    """Compose and store the next issue as a draft; None when nothing is new."""
    composed = draft(news, search, since)
    if not composed.items:
        return None

    items = [i.to_json() for i in composed.items]
    return news.add_issue(composed.since, composed.at, items, composed.matches)


def issue_to_send(news: NewsletterStore, search: SearchService) -> IssueRecord | None:
    """The issue a send run works on: an unfinished one first (a draft staff prepared, or a
    send that broke off), else a new one; None when nothing is new."""
    last = news.last_issue()
    if last is not None and last.status != "sent":
        return last
    return compose_issue(news, search)


def _unsaved(news: NewsletterStore, search: SearchService) -> IssueRecord | None:
    """The issue a send would compose now, not stored: for a dry run."""
    composed = draft(news, search)
    if not composed.items:
        return None
    last = news.last_issue()
    return IssueRecord(
        id=0,
        number=(last.number if last else 0) + 1,
        since=composed.since.isoformat(timespec="seconds"),
        composed_at=composed.at.isoformat(timespec="seconds"),
        items=[i.to_json() for i in composed.items],
        searches=composed.matches,
        status="draft",
        sent_at=None,
    )


def send_next(
    store: Store,
    search: SearchService,
    settings: Settings,
    key: bytes,
    *,
    dry_run: bool = False,
    connect: Connect | None = None,
) -> SendReport | None:
    """What ``kb newsletter send`` and the weekly job do: finish the unfinished issue or
    compose the next and send it; a dry run stores and sends nothing. None: nothing new."""
    news = NewsletterStore(store)
    last = news.last_issue()
    if dry_run:
        issue = last if last is not None and last.status != "sent" else _unsaved(news, search)
    else:
        issue = issue_to_send(news, search)
    if issue is None:
        return None
    return Sender(news, settings, key, connect=connect).send(issue, dry_run=dry_run)
