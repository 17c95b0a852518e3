"""The ``kb`` command: its groups and commands. Every command keeps its data under
``KB_DATA_DIR`` (default ``./data``); a refusal of an operation is printed as ``error: …``
with exit status 2."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from cli import accounts, backup, curation, documents, newsletter, serve, sources
from cli.common import close_services, commands, configure_logging
from ops.errors import OpsError


class Commands(TyperGroup):
    """For every command: the operations' refusals become a message and exit status 2, and
    what the command opened is closed when it ends."""

    def invoke(self, ctx: Any) -> Any:  # Any: click is vendored under another name by typer
        configure_logging()
        try:
            return super().invoke(ctx)
        except OpsError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        finally:
            close_services()


app = commands(cls=Commands, help="DEFUS knowledge base: crawl, import, index, search, serve.")
app.add_typer(sources.app, name="source")
app.add_typer(curation.entity_app, name="entity")
app.add_typer(curation.synonym_app, name="synonym")
app.add_typer(accounts.user_app, name="user")
app.add_typer(accounts.token_app, name="token")
app.add_typer(newsletter.newsletter_app, name="newsletter")
app.add_typer(newsletter.subscriber_app, name="subscriber")
app.command()(documents.crawl)
app.command("import")(documents.import_)
app.command("import-board")(documents.import_board)
app.command("crawl-runs")(documents.crawl_runs)
app.command()(documents.reindex)
app.command()(documents.search)
app.command()(documents.entities)
app.command()(backup.backup)
app.command()(backup.restore)
app.command()(serve.serve)
app.command()(serve.demo)


def main() -> None:
    app()
