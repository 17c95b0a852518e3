"""Logging in and out, and setting a password from a mailed invitation or reset link."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kb.accounts import Accounts, LinkPurpose, User
from kb.audit import AuditLog
from kb.errors import AccountError
from web.access import SESSION_COOKIE, end_session, start_session
from web.api import ServicesDep
from web.mail import Mailer, MailError
from web.pages import render
from web.services import Services

log = logging.getLogger(__name__)

LINK_VALIDITY: dict[LinkPurpose, timedelta] = {
    "invite": timedelta(days=7),  # invitations wait for someone back from leave
    "reset": timedelta(hours=1),  # a reset is asked for and used at once
}
MAILS: dict[LinkPurpose, tuple[str, str]] = {
    "invite": (
        "Einladung zur Wissensdatenbank Urbane Sicherheit",
        "Guten Tag,\n\nSie wurden zur Wissensdatenbank Urbane Sicherheit des DEFUS eingeladen."
        "\nÜber diesen Link legen Sie Ihr Passwort fest (gültig 7 Tage):\n\n{link}\n",
    ),
    "reset": (
        "Passwort zurücksetzen – Wissensdatenbank Urbane Sicherheit",
        "Guten Tag,\n\nüber diesen Link legen Sie ein neues Passwort fest (gültig eine Stunde):"
        "\n\n{link}\n\nWenn Sie das nicht angefordert haben, ignorieren Sie diese Mail.\n",
    ),
}
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


def mail_link(services: Services, user: User, purpose: LinkPurpose) -> str:
    token = Accounts(services.store).link_token(user, purpose, services.key, LINK_VALIDITY[purpose])
    query = urlencode({"token": token, "zweck": purpose})
    return f"{services.settings.base_url.rstrip('/')}/passwort/neu?{query}"


async def send_link(services: Services, user: User, purpose: LinkPurpose) -> str | None:
    """Mail the link; returns it instead when no mail server is configured."""
    link = mail_link(services, user, purpose)
    mailer = Mailer(services.settings)
    if not mailer.configured:
        return link
    subject, body = MAILS[purpose]
    # The SMTP exchange waits on the network; it touches no store, so a worker thread is fine.
    await run_in_threadpool(mailer.send, user.email, subject, body.format(link=link))
    return None


@router.get("/anmelden", response_class=HTMLResponse)
async def login_form(
    request: Request,
    weiter: Annotated[str, Query(max_length=2000)] = "/",
    meldung: Annotated[str, Query(max_length=50)] = "",
) -> Any:
    return render(request, "login.html", {"next": _local(weiter), "notice": meldung})


@router.post("/anmelden", response_class=HTMLResponse)
async def login(
    request: Request,
    services: ServicesDep,
    email: Email,
    password: Password,
    weiter: Annotated[str, Form(max_length=2000)] = "/",
) -> Any:
    accounts = Accounts(services.store)
    address = request.client.host if request.client else "unknown"
    context = {"next": _local(weiter), "email": email}
    if accounts.login_blocked(email, address):
        response: Response = render(request, "login.html", {**context, "problem": "too_many"}, 429)
        response.headers["Retry-After"] = "900"
        return response
    user = accounts.authenticate(email, password)
    if user is None:
        accounts.login_failed(email, address)
        return render(request, "login.html", {**context, "problem": "failed"}, status=400)
    accounts.login_succeeded(email)
    response = RedirectResponse(_local(weiter), status_code=303)
    if request.cookies.get(SESSION_COOKIE):
        end_session(request, response)
    start_session(request, response, user)
    log.info("login %s", user.email)
    return response


@router.post("/abmelden")
async def logout(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    end_session(request, response)
    return response


@router.get("/passwort/vergessen", response_class=HTMLResponse)
async def forgot_form(request: Request) -> Any:
    return render(request, "password_forgot.html", {})


@router.post("/passwort/vergessen", response_class=HTMLResponse)
async def forgot(request: Request, services: ServicesDep, email: Email) -> Any:
    """The same answer whether or not the account exists: the form tells nobody who has one."""
    user = Accounts(services.store).find(email)
    if user is not None and not user.disabled:
        try:
            unsent = await send_link(services, user, "reset")
        except MailError:
            log.exception("password reset mail failed")
        else:
            if unsent:
                log.warning("no mail server configured: password reset for %s not sent", email)
    return render(request, "password_forgot.html", {"sent": True})


def _purpose(zweck: str) -> LinkPurpose:
    return "invite" if zweck == "invite" else "reset"


@router.get("/passwort/neu", response_class=HTMLResponse)
async def set_password_form(
    request: Request,
    services: ServicesDep,
    token: Annotated[str, Query(max_length=500)] = "",
    zweck: Annotated[str, Query(max_length=10)] = "reset",
) -> Any:
    user = Accounts(services.store).link_user(token, _purpose(zweck), services.key)
    if user is None:
        return render(request, "error.html", {"message_key": "auth.link_invalid"}, status=400)
    return render(
        request, "password_set.html", {"token": token, "purpose": _purpose(zweck), "user": user}
    )


@router.post("/passwort/neu", response_class=HTMLResponse)
async def set_password(
    request: Request,
    services: ServicesDep,
    password: Password,
    password2: Password,
    token: Annotated[str, Form(max_length=500)],
    zweck: Annotated[str, Form(max_length=10)] = "reset",
) -> Any:
    accounts = Accounts(services.store)
    purpose = _purpose(zweck)
    user = accounts.link_user(token, purpose, services.key)
    if user is None:
        return render(request, "error.html", {"message_key": "auth.link_invalid"}, status=400)
    context = {"token": token, "purpose": purpose, "user": user}
    if password != password2:
        return render(request, "password_set.html", {**context, "problem": "mismatch"}, 400)
    try:
        accounts.set_password(user, password)
    except AccountError:
        return render(request, "password_set.html", {**context, "problem": "too_short"}, 400)
    AuditLog(services.store).record(user.email, f"account.password_{purpose}", user.email)
    return RedirectResponse("/anmelden?meldung=password_set", status_code=303)
