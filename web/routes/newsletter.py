"""The newsletter on the web: subscribing (form and ``POST /api/subscriptions``) with double
opt-in, the confirmation, preferences and unsubscribe pages reached by signed links, the
archive of issues and its RSS feed.

Pages reached by a mailed link only show a button on GET: link scanners of mail systems open
links, and must not confirm or unsubscribe anyone. The one exception is the RFC 8058 one-click
POST, which mail clients send on the reader's behalf.
"""

from __future__ import annotations

import html
from datetime import datetime
from email.utils import format_datetime
from typing import Annotated, Any
from xml.etree import ElementTree

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kb.newsletter_store import Preferences, SavedSearch, Subscriber
from ops import labels
from ops.errors import InvalidError, NotFoundError
from ops.newsletter import links, subscriptions
from ops.services import Services
from web.access import ONE_CLICK_ROUTE, PUBLIC_JSON_ROUTE
from web.deps import ServicesDep
from web.rendering import render
from web.schemas import SubscriptionIn, SubscriptionOut

router = APIRouter()
Token = Annotated[str, Path(max_length=300)]


def _subscriber(services: Services, token: str, purpose: links.Purpose) -> Subscriber:
    try:
        return subscriptions.subscriber_of(services, token, purpose)
    except NotFoundError as exc:
        raise HTTPException(404, "link invalid or expired") from exc


# -- the JSON API ---------------------------------------------------------------------------


@router.post(
    "/api/subscriptions",
    response_model=SubscriptionOut,
    status_code=202,
    name=PUBLIC_JSON_ROUTE,
    responses={422: {"description": "Not an e-mail address, or unknown preferences"}},
    tags=["newsletter"],
)
def api_subscribe(services: ServicesDep, given: SubscriptionIn) -> SubscriptionOut:
    """Subscribe to the weekly newsletter: a confirmation link is mailed to the address, and
    nothing else is sent until it is used. Collections are kept for members only."""
    preferences = Preferences(
        sections=subscriptions.unique(list(given.sections)),
        cities=subscriptions.unique(given.cities),
        collections=subscriptions.unique(given.collections),
        languages=subscriptions.unique(list(given.languages)),
        searches=tuple(
            dict.fromkeys(
                SavedSearch.from_json({"query": s.query, "filters": s.filters})
                for s in given.searches
            )
        ),
        **{
            field: subscriptions.unique(getattr(given, field))
            for field in subscriptions.LABEL_CHOICES
        },
    )
    known = labels.vocabulary()
    unknown = {
        label
        for field, family in subscriptions.LABEL_CHOICES.items()
        for label in getattr(preferences, field)
        if label not in known[family]
    }
    if unknown:
        raise HTTPException(422, f"unknown labels: {', '.join(sorted(unknown))}")
    try:
        subscriptions.subscribe(services, given.email, preferences)
    except InvalidError as exc:
        raise HTTPException(422, "not an e-mail address") from exc
    return SubscriptionOut(status="pending", detail="confirmation mailed")


# -- forms ----------------------------------------------------------------------------------


def _preferences_from_form(
    sections: list[str],
    cities: list[str],
    collections: list[str],
    languages: list[str],
    searches: str,
    chosen_labels: dict[str, list[str]],
) -> Preferences:
    parsed = [
        found for line in searches.splitlines() if (found := subscriptions.parse_search(line))
    ]
    return subscriptions.preferences(
        sections, cities, collections, languages, parsed, chosen_labels
    )


ListField = Annotated[list[str], Form(max_length=100)]
SearchField = Annotated[str, Form(max_length=5000)]


@router.get("/newsletter", response_class=HTMLResponse, include_in_schema=False)
def subscribe_form(request: Request, services: ServicesDep) -> Any:
    return render(
        request,
        "newsletter_subscribe.html",
        {
            "choices": subscriptions.choices(services, member=False),
            "chosen": Preferences(),
            "search_text": "",
        },
    )


@router.post("/newsletter", response_class=HTMLResponse, include_in_schema=False)
def subscribe_post(
    request: Request,
    services: ServicesDep,
    email: Annotated[str, Form(max_length=254)],
    sections: ListField = [],  # noqa: B006 (FastAPI copies defaults)
    cities: ListField = [],  # noqa: B006
    languages: ListField = [],  # noqa: B006
    topics: ListField = [],  # noqa: B006
    targets: ListField = [],  # noqa: B006
    settings: ListField = [],  # noqa: B006
    evidence: ListField = [],  # noqa: B006
    searches: SearchField = "",
) -> Any:
    chosen = {"topics": topics, "targets": targets, "settings": settings, "evidence": evidence}
    preferences = _preferences_from_form(sections, cities, [], languages, searches, chosen)
    try:
        subscriptions.subscribe(services, email, preferences)
    except InvalidError:
        return render(
            request,
            "newsletter_subscribe.html",
            {
                "choices": subscriptions.choices(services, member=False),
                "chosen": preferences,
                "search_text": searches,
                "email": email,
                "problem": "email",
            },
            status=422,
        )
    # Honest about the mail: without a mail server nothing was sent.
    message = "pending" if services.settings.smtp_host else "pending_no_mail"
    return render(request, "newsletter_message.html", {"message": message})


@router.get("/newsletter/bestaetigen/{token}", response_class=HTMLResponse, include_in_schema=False)
def confirm_form(request: Request, services: ServicesDep, token: Token) -> Any:
    subscriber = _subscriber(services, token, "confirm")
    return render(
        request,
        "newsletter_message.html",
        {"message": "confirm", "action": request.url.path, "email": subscriber.email},
    )


@router.post("/newsletter/bestaetigen/{token}", include_in_schema=False)
def confirm(services: ServicesDep, token: Token) -> Response:
    try:
        target = subscriptions.confirm(services, token)
    except NotFoundError as exc:
        raise HTTPException(404, "link invalid or expired") from exc
    return RedirectResponse(f"{target}?meldung=confirmed", status_code=303)


@router.get(
    "/newsletter/einstellungen/{token}", response_class=HTMLResponse, include_in_schema=False
)
def preferences_form(request: Request, services: ServicesDep, token: Token) -> Any:
    subscriber = _subscriber(services, token, "preferences")
    member = subscriptions.is_member(services, subscriber.email)
    return render(
        request,
        "newsletter_preferences.html",
        {
            "subscriber": subscriber,
            "choices": subscriptions.choices(services, member),
            "chosen": subscriber.preferences,
            "search_text": "\n".join(
                subscriptions.format_search(s) for s in subscriber.preferences.searches
            ),
            "unsubscribe": subscriptions.unsubscribe_path(services, subscriber),
            "notice": request.query_params.get("meldung", ""),
        },
    )


@router.post("/newsletter/einstellungen/{token}", include_in_schema=False)
def preferences_save(
    request: Request,
    services: ServicesDep,
    token: Token,
    sections: ListField = [],  # noqa: B006
    cities: ListField = [],  # noqa: B006
    collections: ListField = [],  # noqa: B006
    languages: ListField = [],  # noqa: B006
    topics: ListField = [],  # noqa: B006
    targets: ListField = [],  # noqa: B006
    settings: ListField = [],  # noqa: B006
    evidence: ListField = [],  # noqa: B006
    searches: SearchField = "",
) -> Response:
    labels_chosen = {
        "topics": topics,
        "targets": targets,
        "settings": settings,
        "evidence": evidence,
    }
    chosen = _preferences_from_form(
        sections, cities, collections, languages, searches, labels_chosen
    )
    try:
        subscriptions.set_preferences(services, token, chosen)
    except NotFoundError as exc:
        raise HTTPException(404, "link invalid or expired") from exc
    return RedirectResponse(f"{request.url.path}?meldung=saved", status_code=303)


@router.get("/newsletter/abmelden/{token}", response_class=HTMLResponse, include_in_schema=False)
def unsubscribe_form(request: Request, services: ServicesDep, token: Token) -> Any:
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
def unsubscribe(request: Request, services: ServicesDep, token: Token) -> Any:
    """Both the page's button and the RFC 8058 one-click POST of mail clients (body
    ``List-Unsubscribe=One-Click``): the subscriber and all that is kept about it go."""
    subscriptions.unsubscribe(services, token)
    # Unsubscribing twice (the client and the reader) is no error: the address is gone.
    return render(request, "newsletter_message.html", {"message": "unsubscribed"})


# -- the archive ----------------------------------------------------------------------------


@router.get("/newsletter/archiv", response_class=HTMLResponse, include_in_schema=False)
def archive(request: Request, services: ServicesDep) -> Any:
    issues = [issue for issue, _ in subscriptions.published(services)]
    return render(request, "newsletter_archive.html", {"issues": issues})


@router.get("/newsletter/archiv/{number}", response_class=HTMLResponse, include_in_schema=False)
def archive_issue(
    request: Request, services: ServicesDep, number: Annotated[int, Path(ge=1, le=2**31)]
) -> Any:
    try:
        issue, edition = subscriptions.published_issue(services, number)
    except NotFoundError:
        return render(request, "error.html", {"message_key": "newsletter.no_issue"}, status=404)
    return render(request, "newsletter_issue.html", {"edition": edition, "issue": issue})


@router.get("/newsletter/feed.xml", include_in_schema=False)
def feed(services: ServicesDep) -> Response:
    """RSS 2.0 of the published issues, newest first.

    Built as XML elements, so that every text is escaped once for XML by the serializer. A
    description is HTML by RSS custom, which readers render: the titles in it are escaped for
    HTML first (once more in the file, and once for each of its two readings)."""
    base = services.settings.base_url.rstrip("/")
    rss = ElementTree.Element("rss", version="2.0")
    channel = ElementTree.SubElement(rss, "channel")
    _text(channel, "title", "DEFUS-Newsletter")
    _text(channel, "link", f"{base}/newsletter/archiv")
    _text(
        channel,
        "description",
        "Der wöchentliche Newsletter des DEFUS: Publikationen, Nachrichten der Mitgliedsstädte,"
        " Förderung und Veranstaltungen.",
    )
    _text(channel, "language", "de")
    for issue, edition in subscriptions.published(services):
        link = links.archive_url(base, issue.number)
        titles = "; ".join(item.title for s in edition.sections for item in s.items)
        published = datetime.fromisoformat(issue.sent_at or issue.composed_at)
        item = ElementTree.SubElement(channel, "item")
        _text(item, "title", edition.subject)
        _text(item, "link", link)
        _text(item, "guid", link).set("isPermaLink", "true")
        _text(item, "pubDate", format_datetime(published))
        _text(item, "description", html.escape(titles))
    body = ElementTree.tostring(rss, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/rss+xml; charset=utf-8")


def _text(parent: ElementTree.Element, tag: str, text: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag)
    element.text = text
    return element
