"""The newsletter on the web: subscribing (form and ``POST /api/subscriptions``) with double
opt-in, the confirmation, preferences and unsubscribe pages reached by signed links, the
archive of issues and its RSS feed.

Pages reached by a mailed link only show a button on GET: link scanners of mail systems open
links, and must not confirm or unsubscribe anyone. The one exception is the RFC 8058 one-click
POST, which mail clients send on the reader's behalf.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from kb.entity_catalogue import EntityCatalogue
from kb.errors import AccountError
from kb.newsletter_store import IssueRecord, NewsletterStore, Preferences, SavedSearch, Subscriber
from web.access import ONE_CLICK_ROUTE, PUBLIC_JSON_ROUTE
from web.api import ServicesDep
from web.i18n import german_key
from web.mail import Mailer, MailError
from web.newsletter import links
from web.newsletter.compose import CHOOSABLE, SECTIONS, Item, public_edition
from web.pages import render
from web.params import FILTER_PARAMS
from web.services import Services

log = logging.getLogger(__name__)

router = APIRouter()
RESEND_AFTER = timedelta(minutes=10)  # one confirmation mail per address and ten minutes
MAX_SEARCHES = 10
LANGUAGES = ("de", "en")
CONFIRM_MAIL = (
    "Bitte bestätigen Sie Ihr Abonnement des DEFUS-Newsletters",
    "Guten Tag,\n\nSie (oder jemand mit Ihrer Adresse) möchten den wöchentlichen Newsletter des"
    " DEFUS erhalten. Bitte bestätigen Sie das über diesen Link (gültig 7 Tage):\n\n{link}\n\n"
    "Wenn Sie das nicht angefordert haben, ignorieren Sie diese Mail: Sie erhalten dann nichts."
    "\n",
)

SectionName = Literal[
    "publications", "cities", "information", "collections", "funding", "events"
]  # fmt: skip
FilterName = Literal[
    "kind", "city", "lang", "year", "collection", "person", "org", "place", "project", "entity"
]  # fmt: skip
Short = Annotated[str, Field(max_length=200)]


class SearchIn(BaseModel):
    query: Short = ""
    filters: dict[FilterName, Annotated[list[Short], Field(max_length=20)]] = {}


class SubscriptionIn(BaseModel):
    email: Annotated[str, Field(max_length=254)]
    sections: Annotated[list[SectionName], Field(max_length=len(CHOOSABLE))] = []
    cities: Annotated[list[Short], Field(max_length=100)] = []
    collections: Annotated[list[Short], Field(max_length=50)] = []
    languages: Annotated[list[Literal["de", "en"]], Field(max_length=2)] = []
    searches: Annotated[list[SearchIn], Field(max_length=MAX_SEARCHES)] = []


class SubscriptionOut(BaseModel):
    status: Literal["pending"]
    detail: str


def _news(services: Services) -> NewsletterStore:
    return NewsletterStore(services.store)


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


async def subscribe(services: Services, email: str, preferences: Preferences) -> None:
    """Record a pending subscription and mail its confirmation link. The answer is the same
    whatever the address's state, so that the form tells nobody who subscribes."""
    news = _news(services)
    if email.strip().lower() not in news.member_emails():
        preferences = replace(preferences, collections=())  # the pools are for members
    subscriber = news.subscribe(email, preferences)
    if subscriber.status != "pending":
        return
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
        await run_in_threadpool(mailer.send, subscriber.email, subject, body.format(link=link))
    except MailError:
        log.exception("confirmation mail failed")
        return
    news.confirmation_sent(subscriber)


def _subscriber(services: Services, token: str, purpose: links.Purpose) -> Subscriber:
    news = _news(services)
    found = links.subscriber_of(services.key, token, purpose, news.get, news.now())
    if found is None:
        raise HTTPException(404, "link invalid or expired")
    return found


Token = Annotated[str, Path(max_length=300)]


# -- the JSON API ---------------------------------------------------------------------------


@router.post(
    "/api/subscriptions",
    response_model=SubscriptionOut,
    status_code=202,
    name=PUBLIC_JSON_ROUTE,
    responses={422: {"description": "Not an e-mail address, or unknown preferences"}},
    tags=["newsletter"],
)
async def api_subscribe(services: ServicesDep, given: SubscriptionIn) -> SubscriptionOut:
    """Subscribe to the weekly newsletter: a confirmation link is mailed to the address, and
    nothing else is sent until it is used. Collections are kept for members only."""
    preferences = Preferences(
        sections=_unique(list(given.sections)),
        cities=_unique(given.cities),
        collections=_unique(given.collections),
        languages=_unique(list(given.languages)),
        searches=tuple(
            dict.fromkeys(
                SavedSearch.from_json({"query": s.query, "filters": s.filters})
                for s in given.searches
            )
        ),
    )
    try:
        await subscribe(services, given.email, preferences)
    except AccountError as exc:
        raise HTTPException(422, "not an e-mail address") from exc
    return SubscriptionOut(status="pending", detail="confirmation mailed")


# -- forms ----------------------------------------------------------------------------------


def parse_search(line: str) -> SavedSearch | None:
    """A saved search from a line: words, or the address of a search page (``/?q=…&city=…``)."""
    line = line.strip()
    if not line:
        return None
    if "?" not in line:
        return SavedSearch(line[:200])
    params = parse_qs(urlsplit(line).query)
    filters = {k: v for k, v in params.items() if k in FILTER_PARAMS}
    saved = SavedSearch.from_json({"query": " ".join(params.get("q", [])), "filters": filters})
    return saved if saved.query or saved.filters else None


def format_search(saved: SavedSearch) -> str:
    if not saved.filters:
        return saved.query
    pairs = [("q", saved.query)] if saved.query else []
    pairs += [(k, v) for k, values in saved.filters for v in values]
    return "/?" + "&".join(f"{k}={v}" for k, v in pairs)


def _choices(services: Services, member: bool) -> dict[str, Any]:
    cities = sorted(EntityCatalogue(services.store).member_cities(), key=german_key)
    return {
        "sections": {k: SECTIONS[k] for k in CHOOSABLE if member or k != "collections"},
        "cities": cities,
        "collections": _news(services).collections() if member else [],
        "languages": LANGUAGES,
    }


def _preferences_from_form(
    sections: list[str],
    cities: list[str],
    collections: list[str],
    languages: list[str],
    searches: str,
) -> Preferences:
    parsed = [s for s in (parse_search(line) for line in searches.splitlines()) if s]
    return Preferences(
        sections=_unique([s for s in sections if s in CHOOSABLE]),
        cities=_unique(cities[:100]),
        collections=_unique(collections[:50]),
        languages=_unique([lang for lang in languages if lang in LANGUAGES]),
        searches=tuple(dict.fromkeys(parsed))[:MAX_SEARCHES],
    )


ListField = Annotated[list[str], Form(max_length=100)]
SearchField = Annotated[str, Form(max_length=5000)]


@router.get("/newsletter", response_class=HTMLResponse, include_in_schema=False)
async def subscribe_form(request: Request, services: ServicesDep) -> Any:
    return render(
        request,
        "newsletter_subscribe.html",
        {"choices": _choices(services, member=False), "chosen": Preferences(), "search_text": ""},
    )


@router.post("/newsletter", response_class=HTMLResponse, include_in_schema=False)
async def subscribe_post(
    request: Request,
    services: ServicesDep,
    email: Annotated[str, Form(max_length=254)],
    sections: ListField = [],  # noqa: B006 (FastAPI copies defaults)
    cities: ListField = [],  # noqa: B006
    languages: ListField = [],  # noqa: B006
    searches: SearchField = "",
) -> Any:
    preferences = _preferences_from_form(sections, cities, [], languages, searches)
    try:
        await subscribe(services, email, preferences)
    except AccountError:
        return render(
            request,
            "newsletter_subscribe.html",
            {
                "choices": _choices(services, member=False),
                "chosen": preferences,
                "search_text": searches,
                "email": email,
                "problem": "email",
            },
            status=422,
        )
    return render(request, "newsletter_message.html", {"message": "pending"})


@router.get("/newsletter/bestaetigen/{token}", response_class=HTMLResponse, include_in_schema=False)
async def confirm_form(request: Request, services: ServicesDep, token: Token) -> Any:
    subscriber = _subscriber(services, token, "confirm")
    return render(
        request,
        "newsletter_message.html",
        {"message": "confirm", "action": request.url.path, "email": subscriber.email},
    )


@router.post("/newsletter/bestaetigen/{token}", include_in_schema=False)
async def confirm(services: ServicesDep, token: Token) -> Response:
    news = _news(services)
    subscriber = news.confirm(_subscriber(services, token, "confirm"))
    target = links.url("", services.key, "preferences", subscriber, news.now())
    return RedirectResponse(f"{target}?meldung=confirmed", status_code=303)


@router.get(
    "/newsletter/einstellungen/{token}", response_class=HTMLResponse, include_in_schema=False
)
async def preferences_form(request: Request, services: ServicesDep, token: Token) -> Any:
    subscriber = _subscriber(services, token, "preferences")
    member = subscriber.email in _news(services).member_emails()
    unsubscribe = links.url("", services.key, "unsubscribe", subscriber, _news(services).now())
    return render(
        request,
        "newsletter_preferences.html",
        {
            "subscriber": subscriber,
            "choices": _choices(services, member),
            "chosen": subscriber.preferences,
            "search_text": "\n".join(format_search(s) for s in subscriber.preferences.searches),
            "unsubscribe": unsubscribe,
            "notice": request.query_params.get("meldung", ""),
        },
    )


@router.post("/newsletter/einstellungen/{token}", include_in_schema=False)
async def preferences_save(
    request: Request,
    services: ServicesDep,
    token: Token,
    sections: ListField = [],  # noqa: B006
    cities: ListField = [],  # noqa: B006
    collections: ListField = [],  # noqa: B006
    languages: ListField = [],  # noqa: B006
    searches: SearchField = "",
) -> Response:
    news = _news(services)
    subscriber = _subscriber(services, token, "preferences")
    if subscriber.email not in news.member_emails():
        collections = []
    news.set_preferences(
        subscriber, _preferences_from_form(sections, cities, collections, languages, searches)
    )
    return RedirectResponse(f"{request.url.path}?meldung=saved", status_code=303)


@router.get("/newsletter/abmelden/{token}", response_class=HTMLResponse, include_in_schema=False)
async def unsubscribe_form(request: Request, services: ServicesDep, token: Token) -> Any:
    subscriber = _subscriber(services, token, "unsubscribe")
    return render(
        request,
        "newsletter_message.html",
        {"message": "unsubscribe", "action": request.url.path, "email": subscriber.email},
    )


@router.post(
    "/newsletter/abmelden/{token}",
    response_class=HTMLResponse,
    include_in_schema=False,
    name=ONE_CLICK_ROUTE,
)
async def unsubscribe(request: Request, services: ServicesDep, token: Token) -> Any:
    """Both the page's button and the RFC 8058 one-click POST of mail clients (body
    ``List-Unsubscribe=One-Click``): the subscriber and all that is kept about it go."""
    news = _news(services)
    found = links.subscriber_of(services.key, token, "unsubscribe", news.get, news.now())
    if found is not None:
        news.delete(found)
    # Unsubscribing twice (the client and the reader) is no error: the address is gone.
    return render(request, "newsletter_message.html", {"message": "unsubscribed"})


# -- the archive ----------------------------------------------------------------------------


def _published(services: Services) -> list[IssueRecord]:
    return [i for i in _news(services).issues() if i.status == "sent"]


@router.get("/newsletter/archiv", response_class=HTMLResponse, include_in_schema=False)
async def archive(request: Request, services: ServicesDep) -> Any:
    return render(request, "newsletter_archive.html", {"issues": _published(services)})


@router.get("/newsletter/archiv/{number}", response_class=HTMLResponse, include_in_schema=False)
async def archive_issue(
    request: Request, services: ServicesDep, number: Annotated[int, Path(ge=1, le=2**31)]
) -> Any:
    issue = _news(services).issue(number)
    if issue is None or issue.status != "sent":
        return render(request, "error.html", {"message_key": "newsletter.no_issue"}, status=404)
    edition = public_edition(
        issue.number, issue.composed_at[:10], [Item.from_json(i) for i in issue.items]
    )
    return render(request, "newsletter_issue.html", {"edition": edition, "issue": issue})


@router.get("/newsletter/feed.xml", include_in_schema=False)
async def feed(services: ServicesDep) -> Response:
    """RSS 2.0 of the published issues, newest first."""
    base = services.settings.base_url.rstrip("/")
    entries = []
    for issue in _published(services):
        edition = public_edition(
            issue.number, issue.composed_at[:10], [Item.from_json(i) for i in issue.items]
        )
        link = links.archive_url(base, issue.number)
        titles = "; ".join(item.title for s in edition.sections for item in s.items)
        published = datetime.fromisoformat(issue.sent_at or issue.composed_at)
        entries.append(
            f"<item><title>{escape(edition.subject)}</title><link>{escape(link)}</link>"
            f'<guid isPermaLink="true">{escape(link)}</guid>'
            f"<pubDate>{format_datetime(published)}</pubDate>"
            f"<description>{escape(titles)}</description></item>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        "<title>DEFUS-Newsletter</title>"
        f"<link>{escape(base)}/newsletter/archiv</link>"
        "<description>Der wöchentliche Newsletter des DEFUS: Publikationen, Nachrichten der"
        " Mitgliedsstädte, Förderung und Veranstaltungen.</description><language>de</language>"
        + "".join(entries)
        + "</channel></rss>\n"
    )
    return Response(body, media_type="application/rss+xml; charset=utf-8")
