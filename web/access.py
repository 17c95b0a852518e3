"""Who may see and do what, decided in one place for every surface.

Each request is resolved once into an `Asker` (from a ``Bearer`` token or the session cookie)
and cached on ``request.state``; the layers below get its `kb.viewer.Viewer`, which decides
what is visible; staff pages `require` a role. State-changing requests are checked against
CSRF here too (see `guard`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from fastapi import HTTPException, Request, Response

from kb.accounts import SESSION_DAYS, Accounts, User
from kb.viewer import ANONYMOUS, Viewer
from ops.services import Services

SESSION_COOKIE = "kb_session"
# The CSRF secret of visitors without a session (the login and password forms): a random
# cookie whose HMAC the form must echo, so another site cannot submit the form for them.
ANONYMOUS_CSRF_COOKIE = "kb_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Routes (by name) that `guard` lets through without a CSRF token; see `_exempt`.
ONE_CLICK_ROUTE = "newsletter_one_click"
PUBLIC_JSON_ROUTE = "api_subscribe"


@dataclass(frozen=True)
class Asker:
    """Who sent the request: an account (reached by session or token) or an anonymous
    visitor, with how it was authenticated."""

    user: User | None = None
    via: Literal["session", "token"] | None = None
    csrf_secret: str | None = None

    @property
    def viewer(self) -> Viewer:
        """What the asker may see and do, for the operations."""
        return Viewer(self.user.role, self.user.email) if self.user else ANONYMOUS

    @property
    def role(self) -> str:
        return self.viewer.role

    def at_least(self, role: str) -> bool:
        return self.viewer.at_least(role)


NOBODY = Asker()


class LoginRequired(HTTPException):
    """Raised for anonymous visitors of pages that need an account: people are sent to the
    login form, API clients get 401."""

    def __init__(self) -> None:
        super().__init__(401, "Anmeldung erforderlich", headers={"WWW-Authenticate": "Bearer"})


class CsrfRefused(HTTPException):
    """A state-changing request without the CSRF token of the asker's session."""

    def __init__(self) -> None:
        super().__init__(403, "CSRF token missing or invalid")


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def asker(request: Request) -> Asker:
    """The asker of this request, resolved once; a bad Bearer token is refused with 401."""
    cached: Asker | None = getattr(request.state, "asker", None)
    if cached is not None:
        return cached
    request.state.asker = NOBODY  # what an error page shows if the credentials are refused
    accounts = Accounts(services_of(request).store)
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        user = accounts.token_user(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise HTTPException(
                401, "invalid or revoked token", headers={"WWW-Authenticate": "Bearer"}
            )
        found = Asker(user, "token")
    elif (cookie := request.cookies.get(SESSION_COOKIE)) and (session := accounts.session(cookie)):
        found = Asker(session[0], "session", session[1])
    else:
        found = NOBODY
    request.state.asker = found
    return found


def viewer_of(request: Request) -> Viewer:
    """What the asker may see and do, for the operations."""
    return asker(request).viewer


def require(role: str) -> Callable[[Request], Viewer]:
    """A dependency that lets only accounts of ``role`` or higher through."""

    def dependency(request: Request) -> Viewer:
        found = asker(request)
        if found.user is None:
            raise LoginRequired()
        if not found.at_least(role):
            raise HTTPException(403, "forbidden")
        return found.viewer

    return dependency


# -- CSRF -----------------------------------------------------------------------------------


def _csrf_secret(request: Request) -> str:
    """The session's secret, or the anonymous visitor's cookie (made on first need)."""
    found = asker(request)
    if found.csrf_secret is not None:
        return found.csrf_secret
    secret = request.cookies.get(ANONYMOUS_CSRF_COOKIE) or getattr(
        request.state, "new_csrf_cookie", None
    )
    if not secret:
        secret = secrets.token_urlsafe(32)
        request.state.new_csrf_cookie = secret
    return str(secret)


def csrf_token(request: Request) -> str:
    """The token that forms carry in ``csrf_token`` and scripts send as ``X-CSRF-Token``."""
    key = services_of(request).key
    return hmac.new(key, _csrf_secret(request).encode(), hashlib.sha256).hexdigest()


def keep_csrf_cookie(request: Request, response: Response) -> None:
    """Send the anonymous CSRF cookie when this request made one."""
    secret = getattr(request.state, "new_csrf_cookie", None)
    if secret:
        set_cookie(services_of(request), response, ANONYMOUS_CSRF_COOKIE, secret, max_age=None)


def _exempt(request: Request, found: Asker) -> bool:
    """State-changing requests that prove themselves without a CSRF token.

    - The RFC 8058 one-click unsubscribe: mail clients POST it without cookies or a token;
      the signed token in its URL, which only the reader's mail holds, is the proof.
    - ``POST /api/subscriptions`` from an anonymous JSON client: there is no session whose
      authority another site could borrow, a browser sends ``application/json`` to another
      origin only after a CORS preflight that this app never grants, and the address is only
      subscribed once its owner confirms the mailed link. With a session it needs the token
      like every other request.
    """
    name = getattr(request.scope.get("route"), "name", None)
    if name == ONE_CLICK_ROUTE:
        return True
    json_body = request.headers.get("content-type", "").startswith("application/json")
    return name == PUBLIC_JSON_ROUTE and found.user is None and json_body


async def guard(request: Request) -> None:
    """Every request: resolve the asker; a state-changing one needs a valid CSRF token, unless
    a Bearer token (which no other site can make a browser send) authenticates it, or it is
    one of the `_exempt` requests."""
    found = asker(request)
    if request.method in SAFE_METHODS or found.via == "token" or _exempt(request, found):
        return
    sent: object = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
        sent = (await request.form()).get(CSRF_FIELD)
    has_secret = found.csrf_secret is not None or ANONYMOUS_CSRF_COOKIE in request.cookies
    if not (
        has_secret and isinstance(sent, str) and hmac.compare_digest(sent, csrf_token(request))
    ):
        raise CsrfRefused()


# -- cookies --------------------------------------------------------------------------------


def set_cookie(
    services: Services, response: Response, name: str, value: str, max_age: int | None
) -> None:
    """Secure (setting), HttpOnly, SameSite=Lax: scripts cannot read it, other sites' forms
    do not carry it."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        secure=services.settings.cookie_secure,
        samesite="lax",
        path="/",
    )


def start_session(request: Request, response: Response, user: User) -> None:
    services = services_of(request)
    token, _ = Accounts(services.store).start_session(user)
    set_cookie(services, response, SESSION_COOKIE, token, max_age=SESSION_DAYS * 86400)


def end_session(request: Request, response: Response) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        Accounts(services_of(request).store).end_session(cookie)
    response.delete_cookie(SESSION_COOKIE, path="/")
