"""Signed links of the newsletter mails, after the pattern of `kb.accounts.Accounts.link_token`.

A token names its purpose, the subscriber and an expiry (0: none) and is signed with
``KB_SECRET_KEY`` together with the subscriber's random ``link_key``: so every link dies with
the subscriber, and one subscriber's link says nothing about another's. Confirmation links
expire after 7 days; preference and unsubscribe links must work from any old mail, so they do
not expire.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import quote

from kb.newsletter_store import Subscriber
from ops.newsletter.compose import ReaderLinks

Purpose = Literal["confirm", "preferences", "unsubscribe"]
CONFIRM_VALIDITY = timedelta(days=7)
PATHS: dict[Purpose, str] = {
    "confirm": "/newsletter/bestaetigen/",
    "preferences": "/newsletter/einstellungen/",
    "unsubscribe": "/newsletter/abmelden/",
}


def _signature(key: bytes, payload: str, subscriber: Subscriber) -> str:
    message = f"{payload}:{subscriber.link_key}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def token(key: bytes, purpose: Purpose, subscriber: Subscriber, expires: datetime | None) -> str:
    payload = f"{purpose}:{subscriber.id}:{int(expires.timestamp()) if expires else 0}"
    encoded = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{encoded}.{_signature(key, payload, subscriber)}"


def subscriber_of(
    key: bytes,
    given: str,
    purpose: Purpose,
    lookup: Callable[[int], Subscriber | None],
    now: datetime,
) -> Subscriber | None:
    """The subscriber a valid, unexpired token of ``purpose`` names, else None."""
    encoded, _, signature = given.partition(".")
    try:
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        kind, subscriber_id, expires = payload.split(":")
        subscriber = lookup(int(subscriber_id))
        deadline = int(expires)
    except (ValueError, UnicodeDecodeError):
        return None
    if kind != purpose or subscriber is None:
        return None
    if not hmac.compare_digest(signature, _signature(key, payload, subscriber)):
        return None
    if deadline and deadline < now.timestamp():
        return None
    return subscriber


def url(base_url: str, key: bytes, purpose: Purpose, subscriber: Subscriber, now: datetime) -> str:
    expires = now + CONFIRM_VALIDITY if purpose == "confirm" else None
    signed = quote(token(key, purpose, subscriber, expires), safe="")
    return f"{base_url.rstrip('/')}{PATHS[purpose]}{signed}"


def archive_url(base_url: str, number: int) -> str:
    return f"{base_url.rstrip('/')}/newsletter/archiv/{number}"


def reader_links(
    base_url: str, key: bytes, subscriber: Subscriber, number: int, now: datetime
) -> ReaderLinks:
    return ReaderLinks(
        preferences=url(base_url, key, "preferences", subscriber, now),
        unsubscribe=url(base_url, key, "unsubscribe", subscriber, now),
        archive=archive_url(base_url, number),
    )
