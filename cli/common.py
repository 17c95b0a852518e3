"""What the commands share: the service objects, who acts, how a refusal is printed."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Any

import typer

from kb.viewer import Viewer

if TYPE_CHECKING:
    from ops.services import Services


# What the running command opened; closed when it ends (`cli.main.Commands`).
_opened: list[Services] = []


def commands(help: str, **options: Any) -> typer.Typer:
    """A group of commands with click's plain help: rendering it with rich would add a fifth of
    a second to every ``kb … --help``."""
    return typer.Typer(help=help, rich_markup_mode=None, **options)


def services() -> Services:
    """The service objects after the environment's settings (``KB_DATA_DIR`` …)."""
    from kb.settings import Settings
    from ops.services import Services

    opened = Services.open(Settings())
    _opened.append(opened)
    return opened


def configure_logging(service: bool = False) -> None:
    """The service's log format (`kb.logs`); a command other than the service's (``service``)
    leaves out info lines at the default level: its output is its report."""
    from kb.logs import configure
    from kb.settings import Settings

    settings = Settings()
    quiet = not service and settings.log_level == "info"
    configure(settings, level="warning" if quiet else None)


def close_services() -> None:
    while _opened:
        _opened.pop().close()


def actor() -> Viewer:
    """Who acts on the command line: whoever may run it has the store in hand, so an admin;
    the audit log names the local user."""
    try:
        user = getpass.getuser()
    except OSError:  # no name for the process's user id (a bare container)
        user = "unknown"
    return Viewer("admin", f"{user} (kb)")


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)
