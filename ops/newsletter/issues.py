"""Composing an issue from the store: what is new or updated since the last issue, with the
matches of the readers' saved searches, stored as a draft that staff may preview."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from index.errors import QueryTooBroadError
from index.search import SearchRequest, SearchService
from kb.entity_catalogue import EntityCatalogue
from kb.newsletter_store import IssueRecord, NewsletterStore, Preferences, SavedSearch
from kb.settings import Settings
from kb.store import Store
from kb.viewer import MEMBER, Viewer
from ops.errors import BusyError, InvalidError, NotFoundError
from ops.mail import Connect, Mailer, MailError
from ops.newsletter import links
from ops.newsletter.compose import (
    Edition,
    Item,
    ReaderLinks,
    build_message,
    items_from,
    personalise,
    public_edition,
)
from ops.newsletter.send import Sender, SendReport
from ops.services import Services

log = logging.getLogger(__name__)

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
        try:
            matched = sorted(search.matching_ids(request) & ids)
        except QueryTooBroadError:
            log.warning("saved search %r is too broad to run; left out", saved.query)
            continue
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


# -- what staff and the command line do with issues -----------------------------------------


def preview(services: Services, since: datetime | None = None) -> tuple[Draft, Edition]:
    """The next issue as members would get it, with every section; stores nothing."""
    news = NewsletterStore(services.store)
    composed = draft(news, services.search, since)
    last = news.last_issue()
    edition = personalise(
        (last.number if last else 0) + 1,
        news.now().date().isoformat(),
        composed.items,
        Preferences(),
        member=True,
        matches={},
    )
    return composed, edition


def compose_next(services: Services, actor: Viewer) -> IssueRecord:
    """Compose and store the next issue as a draft for staff to preview; refused while the last
    one is unsent (`InvalidError`), `NotFoundError` when nothing is new."""
    news = NewsletterStore(services.store)
    last = news.last_issue()
    if last is not None and last.status != "sent":
        raise InvalidError("the last issue has not been sent yet")
    issue = compose_issue(news, services.search)
    if issue is None:
        raise NotFoundError("new document since the last issue", "")
    services.audit(actor, "newsletter.compose", f"Nr. {issue.number}", items=len(issue.items))
    return issue


def issue(services: Services, number: int) -> IssueRecord:
    found = NewsletterStore(services.store).issue(number)
    if found is None:
        raise NotFoundError("issue", number)
    return found


def edition_of(found: IssueRecord, public: bool) -> Edition:
    """An issue as members get it, or its public (archive) edition."""
    items = [Item.from_json(i) for i in found.items]
    date = found.composed_at[:10]
    if public:
        return public_edition(found.number, date, items)
    return personalise(found.number, date, items, Preferences(), member=True, matches={})


def sample_links(services: Services, number: int) -> ReaderLinks:
    """Staff previews are nobody's: their personal links lead to the subscription page."""
    base = services.settings.base_url.rstrip("/")
    page = f"{base}/newsletter"
    return ReaderLinks(page, page, links.archive_url(base, number))


def mail_preview(services: Services, actor: Viewer, number: int) -> None:
    """The members' edition as a mail to the asker, with the links of a sample reader;
    `MailError` when it cannot be sent."""
    found = issue(services, number)
    settings = services.settings
    mailer = Mailer(settings)
    if not mailer.configured or actor.who is None:
        raise MailError("no mail server configured (KB_SMTP_HOST)")
    message = build_message(
        edition_of(found, public=False),
        sender=settings.mail_from,
        recipient=actor.who,
        links=sample_links(services, number),
        message_id=f"<newsletter-{number}-preview-{_tag(actor.who)}@kb.invalid>",
        list_id="DEFUS-Newsletter <newsletter.preview.invalid>",
        now=NewsletterStore(services.store).now(),
    )
    mailer.send_message(message)
    services.audit(actor, "newsletter.preview_mail", f"Nr. {number}")


def _tag(who: str) -> str:
    return hashlib.sha256(who.encode()).hexdigest()[:16]


def send_in_background(services: Services, actor: Viewer, number: int) -> None:
    """Send (or resume) the issue in a thread with its own store connection; `MailError`
    without a mail server, `BusyError` while a send runs."""
    found = issue(services, number)
    if not services.settings.smtp_host:
        raise MailError("no mail server configured (KB_SMTP_HOST)")
    if not services.newsletter_lock.acquire(blocking=False):
        raise BusyError("a send is running")

    def work() -> None:
        try:
            with services.connection() as store:
                news = NewsletterStore(store)
                report = Sender(news, services.settings, services.key).send(found)
                log.info("newsletter: %s", report.render())
        except Exception:
            log.exception("newsletter %s broke off; sending again resumes it", number)
        finally:
            services.newsletter_lock.release()

    threading.Thread(target=work, name=f"newsletter-{number}", daemon=True).start()
    services.audit(actor, "newsletter.send", f"Nr. {number}")
