"""``kb user …`` and ``kb token …``: accounts and personal API tokens."""

from __future__ import annotations

import secrets
import sys
from typing import Annotated, Literal

import typer

from cli.common import actor, commands, services
from kb.viewer import ROLES

user_app = commands("Manage accounts: members see the collections, staff curate.")
token_app = commands("Personal API tokens (Authorization: Bearer …), revocable.")
AccountRole = Literal["member", "editor", "admin"]


@user_app.command("add")
def user_add(
    email: str,
    role: Annotated[AccountRole, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    password: Annotated[
        str | None, typer.Option(help="Default: asked for on a terminal, else generated.")
    ] = None,
) -> None:
    """Add an account; a generated password is printed once."""
    from ops import accounts

    generated = password is None and not sys.stdin.isatty()
    if password is None:
        password = (
            secrets.token_urlsafe(12)
            if generated
            else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        )
    user = accounts.add(services(), actor(), email, role, password)
    typer.echo(f"account {user.email} ({user.role}) added")
    if generated:
        typer.echo(f"password: {password}")


@user_app.command("list")
def user_list() -> None:
    """List the accounts."""
    from ops import accounts

    typer.echo("EMAIL\tROLE\tCREATED\tSTATE")
    for user in accounts.users(services()):
        state = "disabled" if user.disabled else "" if user.has_password else "invited"
        typer.echo(f"{user.email}\t{user.role}\t{user.created_at}\t{state}".rstrip())


@user_app.command("disable")
def user_disable(email: str) -> None:
    """Disable an account: it can no longer log in, its sessions and tokens stop working."""
    from ops import accounts

    found = services()
    user = accounts.set_disabled(found, actor(), accounts.by_email(found, email), True)
    typer.echo(f"account {user.email} disabled")


@token_app.command("create")
def token_create(
    email: str, name: Annotated[str, typer.Option(help="What the token is for.")] = ""
) -> None:
    """Create a personal API token of an account; it is shown only now."""
    from ops import accounts

    token_id, token = accounts.create_token(services(), actor(), email, name)
    typer.echo(f"token {token_id} for {email}: {token}")


@token_app.command("list")
def token_list() -> None:
    """List the tokens (never the secrets themselves)."""
    from ops import accounts

    typer.echo("ID\tEMAIL\tNAME\tCREATED\tSTATE")
    for t in accounts.tokens(services()):
        state = "revoked" if t.revoked else ""
        typer.echo(f"{t.id}\t{t.email}\t{t.name}\t{t.created_at}\t{state}".rstrip())


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke a token: requests with it are refused from now on."""
    from ops import accounts

    accounts.revoke_token(services(), actor(), token_id)
    typer.echo(f"token {token_id} revoked")
