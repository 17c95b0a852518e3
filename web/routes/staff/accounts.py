"""Admins: accounts (invite, change role, disable) and the audit log."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from kb.accounts import User
from kb.audit import AuditLog
from kb.viewer import ROLES
from ops import accounts
from ops.accounts import OwnAccountError
from ops.errors import InvalidError, NotFoundError
from ops.mail import MailError
from ops.services import Services
from web.deps import Admin, ServicesDep
from web.routes.staff.pages import done, page

log = logging.getLogger(__name__)

router = APIRouter()
UserId = Annotated[int, PathParam(ge=1, le=2**62)]
RoleField = Annotated[Literal["member", "editor", "admin"], Form()]


def _accounts_page(
    request: Request, services: Services, context: dict[str, Any], status: int = 200
) -> Any:
    context = {"users": accounts.users(services), "roles": ROLES, **context}
    return page(request, "staff_accounts.html", context, status)


@router.get("/konten", response_class=HTMLResponse)
def accounts_page(request: Request, services: ServicesDep, asker: Admin) -> Any:
    return _accounts_page(request, services, {})


@router.post("/konten", response_class=HTMLResponse)
def account_invite(
    request: Request,
    services: ServicesDep,
    asker: Admin,
    email: Annotated[str, Form(max_length=254)],
    role: RoleField,
) -> Any:
    try:
        invited = accounts.invite(services, asker, email, role)
    except InvalidError as exc:
        return _accounts_page(request, services, {"problems": exc.problems}, 422)
    except MailError:
        log.exception("invitation mail failed")
        return _accounts_page(request, services, {"problems": ["mail"]}, 502)
    if invited.unsent_link:
        context = {"invite_link": invited.unsent_link, "invited": invited.user.email}
        return _accounts_page(request, services, context)
    return done("/staff/konten", "invited")


def _account(services: Services, user_id: int) -> User:
    try:
        return accounts.by_id(services, user_id)
    except NotFoundError as exc:
        raise HTTPException(404, "account not found") from exc


@router.post("/konten/{user_id}/rolle")
def account_role(services: ServicesDep, asker: Admin, user_id: UserId, role: RoleField) -> Response:
    try:
        accounts.set_role(services, asker, _account(services, user_id), role)
    except OwnAccountError:
        return done("/staff/konten", "not_yourself")
    return done("/staff/konten", "role_changed")


@router.post("/konten/{user_id}/status")
def account_status(
    services: ServicesDep,
    asker: Admin,
    user_id: UserId,
    disabled: Annotated[Literal["0", "1"], Form()],
) -> Response:
    try:
        accounts.set_disabled(services, asker, _account(services, user_id), disabled == "1")
    except OwnAccountError:
        return done("/staff/konten", "not_yourself")
    return done("/staff/konten", "account_disabled" if disabled == "1" else "account_enabled")


@router.get("/protokoll", response_class=HTMLResponse)
def audit_page(request: Request, services: ServicesDep, asker: Admin) -> Any:
    return page(request, "staff_audit.html", {"entries": AuditLog(services.store).entries()})
