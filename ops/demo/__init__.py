"""The bundled demo: a Pufii-like site written for the project, served on loopback, and the
sources that point the crawler at it."""

from __future__ import annotations

import secrets

from crawler.login import Credentials
from kb.accounts import Accounts
from kb.store import Source
from ops.services import Services

MEMBER = "mitglied@demo.invalid"
COLLECTION = "Sicherheit im Bahnhofsviertel"
SOURCE_COLLECTION = "bahnhofsviertel"
# The demo site's own members login: it protects nothing real.
CREDENTIALS = Credentials("mitglied", "sicher-im-quartier")


def demo_sources(base_url: str) -> list[Source]:
    """The demo's sources, one per section, as staff would add them with ``kb source add``."""
    base = base_url.rstrip("/")
    return [
        Source("pufii-publikationen", f"{base}/pufii/publikationen/", "publication"),
        Source("pufii-informationen", f"{base}/pufii/informationen/", "news"),
        Source("pufii-foerderung", f"{base}/pufii/foerderung/", "funding"),
        Source("pufii-veranstaltungen", f"{base}/pufii/veranstaltungen/", "event"),
        Source("pufii-newsletter", f"{base}/pufii/newsletter/", "newsletter"),
        Source("mannheim-news", f"{base}/staedte/mannheim/feed.xml", "news", city="Mannheim"),
        Source("essen-news", f"{base}/staedte/essen/feed.xml", "news", city="Essen"),
        Source("heidelberg-news", f"{base}/staedte/heidelberg/feed.xml", "news", city="Heidelberg"),
        Source(
            SOURCE_COLLECTION,
            f"{base}/intern/sicherheit-im-bahnhofsviertel/",
            "post",
            collection=COLLECTION,
            members_only=True,
            login_url=f"{base}/intern/login.html",
        ),
    ]


def member_password(services: Services) -> str:
    """A member account (`MEMBER`) so that a newcomer sees the collections, with a fresh
    password each run."""
    accounts = Accounts(services.store)
    password = secrets.token_urlsafe(12)
    user = accounts.find(MEMBER)
    if user is None:
        accounts.add(MEMBER, "member", password)
    else:
        accounts.set_password(user, password)
    return password
