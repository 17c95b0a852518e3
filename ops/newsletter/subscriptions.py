"""Subscribing with double opt-in, the signed links of a subscriber (confirm, preferences,
unsubscribe), and the published issues.

The answers never tell whether an address is subscribed: subscribing answers the same for any
address, and a link that is invalid or expired is simply not found.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from kb.entity_catalogue import EntityCatalogue
from kb.errors import AccountError
from kb.formatting import german_key
from kb.newsletter_store import IssueRecord, NewsletterStore, Preferences, SavedSearch, Subscriber
from kb.viewer import Viewer
from ops import labels
from ops.errors import InvalidError, NotFoundError
from ops.mail import Mailer, MailError
from ops.newsletter import links
from ops.newsletter.compose import CHOOSABLE, SECTIONS, Edition
from ops.newsletter.issues import edition_of
from ops.services import Services

log = logging.getLogger(__name__)

RESEND_AFTER = timedelta(minutes=10)  # one confirmation mail per address and ten minutes
MAX_SEARCHES = 10
LANGUAGES = ("de", "en")
# The parameters a saved search may filter by: those of the search page.
FILTERS = (
    "kind", "city", "topic", "target", "setting", "evidence",
    "lang", "year", "collection", "person", "org", "place", "project", "entity",
)  # fmt: skip
CONFIRM_MAIL = (
    "Bitte bestätigen Sie Ihr Abonnement des DEFUS-Newsletters",
    "Guten Tag,\n\nSie (oder jemand mit Ihrer Adresse) möchten den wöchentlichen Newsletter des"
    " DEFUS erhalten. Bitte bestätigen Sie das über diesen Link (gültig 7 Tage):\n\n{link}\n\n"
    "Wenn Sie das nicht angefordert haben, ignorieren Sie diese Mail: Sie erhalten dann nichts."
    "\n",
)


def _news(services: Services) -> NewsletterStore:
    return NewsletterStore(services.store)


# Preferences of labels and the family of `kb.labels` each chooses from.
LABEL_CHOICES = {
    "topics": "topic",
    "targets": "target",
    "settings": "setting",
    "evidence": "evidence",
}


def unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


def preferences(
    sections: list[str],
    cities: list[str],
    collections: list[str],
    languages: list[str],
    searches: list[SavedSearch],
    chosen_labels: Mapping[str, list[str]] | None = None,
) -> Preferences:
    """Preferences from what a reader chose, unknown sections, languages and labels dropped.
    ``chosen_labels``: per preference of labels (`LABEL_CHOICES`), the labels chosen."""
    known = labels.vocabulary()
    given = chosen_labels or {}
    return Preferences(
        **{
            field: unique([v for v in given.get(field, []) if v in known[family]])
            for field, family in LABEL_CHOICES.items()
        },
        sections=unique([s for s in sections if s in CHOOSABLE]),
        cities=unique(cities[:100]),
        collections=unique(collections[:50]),
        languages=unique([lang for lang in languages if lang in LANGUAGES]),
        searches=tuple(dict.fromkeys(searches))[:MAX_SEARCHES],
    )


def parse_search(line: str) -> SavedSearch | None:
    """A saved search from a line: words, or the address of a search page (``/?q=…&city=…``)."""
    line = line.strip()
    if not line:
        return None
    if "?" not in line:
        return SavedSearch(line[:200])
    params = parse_qs(urlsplit(line).query)
    filters = {k: v for k, v in params.items() if k in FILTERS}
    saved = SavedSearch.from_json({"query": " ".join(params.get("q", [])), "filters": filters})
    return saved if saved.query or saved.filters else None


def format_search(saved: SavedSearch) -> str:
    if not saved.filters:
        return saved.query
    pairs = [("q", saved.query)] if saved.query else []
    pairs += [(k, v) for k, values in saved.filters for v in values]
    return "/?" + "&".join(f"{k}={v}" for k, v in pairs)


def is_member(services: Services, email: str) -> bool:
    return email.strip().lower() in _news(services).member_emails()


def subscribe(services: Services, email: str, chosen: Preferences) -> None:
    """Record a pending subscription and mail its confirmation link; the answer is the same
    whatever the address's state. An address known already keeps its preferences, pending or
    not: they change only through the links mailed to it. Collections are kept for members
    only; `InvalidError` for no e-mail address."""
    news = _news(services)
    try:
        subscriber = news.subscribe(email, _allowed(services, email, chosen))
    except AccountError as exc:
        raise InvalidError("not an e-mail address") from exc
    if subscriber.status == "pending":
        _mail_confirmation(services, news, subscriber)


def add_subscriber(
    services: Services, actor: Viewer, email: str, chosen: Preferences, confirmed: bool
) -> Subscriber:
    """Staff's way in: a subscriber confirmed at once (consent given elsewhere), or one that
    waits for its mailed link; an existing one takes the preferences."""
    news = _news(services)
    try:
        subscriber = news.add(email, _allowed(services, email, chosen), confirmed)
    except AccountError as exc:
        raise InvalidError(str(exc)) from exc
    if subscriber.status == "pending":
        _mail_confirmation(services, news, subscriber)
    services.audit(actor, "subscriber.add", subscriber.email, status=subscriber.status)
    return subscriber


def _allowed(services: Services, email: str, chosen: Preferences) -> Preferences:
    """The pools are for members: a non-member's choice of collections is dropped."""
    return chosen if is_member(services, email) else replace(chosen, collections=())


def _mail_confirmation(services: Services, news: NewsletterStore, subscriber: Subscriber) -> None:
    now = news.now()
    sent = subscriber.confirm_sent_at
    if sent and datetime.fromisoformat(sent) > now - RESEND_AFTER:
        return  # the form must not become a way to flood someone's inbox
    mailer = Mailer(services.settings)
    if not mailer.configured:
        log.warning("no mail server configured: confirmation for %s not sent", subscriber.email)
        return
    link = links.url(services.settings.base_url, services.key, "confirm", subscriber, now)
    subject, body = CONFIRM_MAIL
    try:
        mailer.send(subscriber.email, subject, body.format(link=link))
    except MailError:
        log.exception("confirmation mail failed")
        return
    news.confirmation_sent(subscriber)


def subscriber_of(services: Services, token: str, purpose: links.Purpose) -> Subscriber:
    """The subscriber of a valid signed link, else `NotFoundError`."""
    news = _news(services)
    found = links.subscriber_of(services.key, token, purpose, news.get, news.now())
    if found is None:
        raise NotFoundError("valid link", purpose)
    return found


def confirm(services: Services, token: str) -> str:
    """Confirm a subscription; returns the path of its preferences page."""
    news = _news(services)
    subscriber = news.confirm(subscriber_of(services, token, "confirm"))
    return links.url("", services.key, "preferences", subscriber, news.now())


def unsubscribe_path(services: Services, subscriber: Subscriber) -> str:
    return links.url("", services.key, "unsubscribe", subscriber, _news(services).now())


def set_preferences(services: Services, token: str, chosen: Preferences) -> None:
    subscriber = subscriber_of(services, token, "preferences")
    _news(services).set_preferences(subscriber, _allowed(services, subscriber.email, chosen))


def unsubscribe(services: Services, token: str) -> None:
    """The subscriber and all that is kept about it go; twice is no error."""
    news = _news(services)
    found = links.subscriber_of(services.key, token, "unsubscribe", news.get, news.now())
    if found is not None:
        news.delete(found)


def choices(services: Services, member: bool) -> dict[str, object]:
    """What a reader may choose: sections, member cities, collections (members), languages,
    and labels (topics, target groups, settings, evidence)."""
    cities = sorted(EntityCatalogue(services.store).member_cities(), key=german_key)
    return {
        "sections": {k: SECTIONS[k] for k in CHOOSABLE if member or k != "collections"},
        "cities": cities,
        "collections": _news(services).collections() if member else [],
        "languages": LANGUAGES,
        **{field: labels.vocabulary()[family] for field, family in LABEL_CHOICES.items()},
    }


def subscribers(services: Services) -> list[Subscriber]:
    return _news(services).subscribers()


# -- the archive ----------------------------------------------------------------------------


def published(services: Services) -> list[tuple[IssueRecord, Edition]]:
    """The sent issues with their public editions, newest first."""
    sent = [issue for issue in _news(services).issues() if issue.status == "sent"]
    return [(issue, edition_of(issue, public=True)) for issue in sent]


def published_issue(services: Services, number: int) -> tuple[IssueRecord, Edition]:
    issue = _news(services).issue(number)
    if issue is None or issue.status != "sent":
        raise NotFoundError("issue", number)
    return issue, edition_of(issue, public=True)
