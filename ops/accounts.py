"""Accounts and API tokens as staff and the command line manage them, and the mailed links
that set a password (invitations, resets). Every change is audited.

Sessions and cookies are the web's (`web.access`); what an account may do is `kb.viewer`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from kb.accounts import RESET_WINDOW, Accounts, ApiToken, LinkPurpose, User
from kb.errors import AccountError
from kb.viewer import Role, Viewer
from ops.errors import InvalidError, LimitError, NotFoundError
from ops.mail import Mailer, MailError
from ops.services import Services

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


class OwnAccountError(InvalidError):
    """Nobody changes the role or state of their own account: so there is always an admin
    left to undo a mistake."""

    def __init__(self) -> None:
        super().__init__("not your own account")


def _accounts(services: Services) -> Accounts:
    return Accounts(services.store)


def users(services: Services) -> list[User]:
    return _accounts(services).users()


def by_email(services: Services, email: str) -> User:
    try:
        return _accounts(services).by_email(email)
    except AccountError as exc:
        raise NotFoundError("account", email) from exc


def by_id(services: Services, user_id: int) -> User:
    user = _accounts(services).get(user_id)
    if user is None:
        raise NotFoundError("account", user_id)
    return user


def add(
    services: Services, actor: Viewer, email: str, role: str, password: str | None = None
) -> User:
    """Add an account; without a password it waits for an invitation link."""
    try:
        user = _accounts(services).add(email, role, password)
    except AccountError as exc:
        raise InvalidError(str(exc)) from exc
    services.audit(actor, "account.add" if password else "account.invite", user.email, role=role)
    return user


@dataclass(frozen=True)
class Invited:
    user: User
    unsent_link: str | None  # the link to pass on by hand when no mail server is configured


def invite(services: Services, actor: Viewer, email: str, role: Role) -> Invited:
    """Add an account and mail its invitation link (`MailError` when the server fails)."""
    user = add(services, actor, email, role)
    return Invited(user, send_link(services, user, "invite"))


def _not_own(actor: Viewer, user: User) -> None:
    if actor.who == user.email:
        raise OwnAccountError()


def set_role(services: Services, actor: Viewer, user: User, role: Role) -> User:
    _not_own(actor, user)
    changed = _accounts(services).set_role(user, role)
    services.audit(actor, "account.role", user.email, old=user.role, new=role)
    return changed


def set_disabled(services: Services, actor: Viewer, user: User, disabled: bool) -> User:
    """Disable an account (its sessions end, its tokens stop working) or enable it again."""
    _not_own(actor, user)
    changed = _accounts(services).set_disabled(user, disabled)
    services.audit(actor, "account.disable" if disabled else "account.enable", user.email)
    return changed


def create_token(services: Services, actor: Viewer, email: str, name: str) -> tuple[int, str]:
    """A personal API token of the account; the secret is returned only now."""
    user = by_email(services, email)
    try:
        token_id, token = _accounts(services).create_token(user, name)
    except AccountError as exc:
        raise InvalidError(str(exc)) from exc
    services.audit(actor, "token.create", user.email, id=token_id, name=name)
    return token_id, token


def tokens(services: Services) -> list[ApiToken]:
    return _accounts(services).tokens()


def revoke_token(services: Services, actor: Viewer, token_id: int) -> None:
    if not _accounts(services).revoke_token(token_id):
        raise NotFoundError("active token", token_id)
    services.audit(actor, "token.revoke", str(token_id))


# -- mailed links ----------------------------------------------------------------------------


def mail_link(services: Services, user: User, purpose: LinkPurpose) -> str:
    token = _accounts(services).link_token(user, purpose, services.key, LINK_VALIDITY[purpose])
    query = urlencode({"token": token, "zweck": purpose})
    return f"{services.settings.base_url.rstrip('/')}/passwort/neu?{query}"


def send_link(services: Services, user: User, purpose: LinkPurpose) -> str | None:
    """Mail the link; returns it instead when no mail server is configured."""
    link = mail_link(services, user, purpose)
    mailer = Mailer(services.settings)
    if not mailer.configured:
        return link
    subject, body = MAILS[purpose]
    mailer.send(user.email, subject, body.format(link=link))
    return None


def request_reset(services: Services, email: str, client: str) -> None:
    """Mail a reset link to ``email`` if it names an enabled account, once the answer is given:
    nothing tells the asker whether one exists, not even the time the answer takes, for the
    request does the same whatever the address. `LimitError` past the limits per address and
    per client (`kb.accounts.MAX_RESETS_ACCOUNT`, `MAX_RESETS_ADDRESS`)."""
    if not _accounts(services).reset_allowed(email, client):
        raise LimitError(int(RESET_WINDOW.total_seconds()))
    services.later(lambda: _mail_reset(services, email))


def _mail_reset(services: Services, email: str) -> None:
    user = _accounts(services).find(email)
    if user is None or user.disabled:
        return
    try:
        unsent = send_link(services, user, "reset")
    except MailError:
        log.exception("password reset mail failed")
    else:
        if unsent:
            log.warning("no mail server configured: password reset for %s not sent", email)


def link_user(services: Services, token: str, purpose: LinkPurpose) -> User | None:
    """The account a valid link is for, else None."""
    return _accounts(services).link_user(token, purpose, services.key)


def set_password_by_link(
    services: Services, token: str, purpose: LinkPurpose, password: str
) -> User:
    """Set the password of the link's account; the link dies with it."""
    user = link_user(services, token, purpose)
    if user is None:
        raise NotFoundError("valid link", purpose)
    try:
        _accounts(services).set_password(user, password)
    except AccountError as exc:
        raise InvalidError(str(exc)) from exc
    services.audit(Viewer(user.role, user.email), f"account.password_{purpose}", user.email)
    return user


def set_password(services: Services, actor: Viewer, email: str, password: str) -> User:
    """Set an account's password (the demo's member gets a fresh one each run)."""
    user = by_email(services, email)
    _accounts(services).set_password(user, password)
    services.audit(actor, "account.password_set", user.email)
    return user
