"""Logging in and out, and setting a password from a mailed invitation or reset link."""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kb.accounts import Accounts, LinkPurpose
from ops import accounts
from ops.errors import InvalidError, LimitError, NotFoundError
from web.access import SESSION_COOKIE, end_session, start_session
from web.deps import ServicesDep
from web.rendering import render

log = logging.getLogger(__name__)

Email = Annotated[str, Form(max_length=254)]
Password = Annotated[str, Form(max_length=1000)]

router = APIRouter(include_in_schema=False)


def next_query(request: Request) -> str:
    """``weiter=<this page>``, so that the login form leads back here."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return urlencode({"weiter": here})


def _local(target: str) -> str:
    """Only paths on this site: the login must not lead elsewhere (an open redirect)."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


@router.get("/anmelden", response_class=HTMLResponse)
def login_form(
    request: Request,
    weiter: Annotated[str, Query(max_length=2000)] = "/",
    meldung: Annotated[str, Query(max_length=50)] = "",
) -> Any:
    return render(request, "login.html", {"next": _local(weiter), "notice": meldung})


@router.post("/anmelden", response_class=HTMLResponse)
def login(
    request: Request,
    services: ServicesDep,
    email: Email,
    password: Password,
    weiter: Annotated[str, Form(max_length=2000)] = "/",
) -> Any:
    known = Accounts(services.store)
    address = request.client.host if request.client else "unknown"
    context = {"next": _local(weiter), "email": email}
    if known.login_blocked(email, address):
        response: Response = render(request, "login.html", {**context, "problem": "too_many"}, 429)
        response.headers["Retry-After"] = "900"
        return response
    user = known.authenticate(email, password)
    if user is None:
        known.login_failed(email, address)
        return render(request, "login.html", {**context, "problem": "failed"}, status=400)
    known.login_succeeded(email)
    response = RedirectResponse(_local(weiter), status_code=303)
    if request.cookies.get(SESSION_COOKIE):
        end_session(request, response)
    start_session(request, response, user)
    log.info("login %s", user.email)
    return response


@router.post("/abmelden")
def logout(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    end_session(request, response)
    return response


@router.get("/passwort/vergessen", response_class=HTMLResponse)
def forgot_form(request: Request) -> Any:
    return render(request, "password_forgot.html", {})


@router.post("/passwort/vergessen", response_class=HTMLResponse)
def forgot(request: Request, services: ServicesDep, email: Email) -> Any:
    """The same answer, as fast, whether or not the account exists: the form tells nobody who
    has one; 429 past the limits per address and per client."""
    client = request.client.host if request.client else "unknown"
    try:
        accounts.request_reset(services, email, client)
    except LimitError as exc:
        response: Response = render(
            request, "password_forgot.html", {"problem": "reset_too_many"}, status=429
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return render(request, "password_forgot.html", {"sent": True})


def _purpose(zweck: str) -> LinkPurpose:
    return "invite" if zweck == "invite" else "reset"


@router.get("/passwort/neu", response_class=HTMLResponse)
def set_password_form(
    request: Request,
    services: ServicesDep,
    token: Annotated[str, Query(max_length=500)] = "",
    zweck: Annotated[str, Query(max_length=10)] = "reset",
) -> Any:
    user = accounts.link_user(services, token, _purpose(zweck))
    if user is None:
        return render(request, "error.html", {"message_key": "auth.link_invalid"}, status=400)
    return render(
        request, "password_set.html", {"token": token, "purpose": _purpose(zweck), "user": user}
    )


@router.post("/passwort/neu", response_class=HTMLResponse)
def set_password(
    request: Request,
    services: ServicesDep,
    password: Password,
    password2: Password,
    token: Annotated[str, Form(max_length=500)],
    zweck: Annotated[str, Form(max_length=10)] = "reset",
) -> Any:
    purpose = _purpose(zweck)
    user = accounts.link_user(services, token, purpose)
    if user is None:
        return render(request, "error.html", {"message_key": "auth.link_invalid"}, status=400)
    context = {"token": token, "purpose": purpose, "user": user}
    if password != password2:
        return render(request, "password_set.html", {**context, "problem": "mismatch"}, 400)
    try:
        accounts.set_password_by_link(services, token, purpose, password)
    except NotFoundError:
        return render(request, "error.html", {"message_key": "auth.link_invalid"}, status=400)
    except InvalidError:
        return render(request, "password_set.html", {**context, "problem": "too_short"}, 400)
    return RedirectResponse("/anmelden?meldung=password_set", status_code=303)
