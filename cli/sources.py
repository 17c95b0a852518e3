"""``kb source …``: the sources the crawler visits, validated like the staff pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from cli.common import actor, commands, services
from kb.model import KINDS

app = commands("Manage the sources the crawler visits.")
Lang = Literal["de", "en"]


@app.command("add")
def source_add(
    name: str,
    url: str,
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(KINDS)}.")],
    city: Annotated[str | None, typer.Option()] = None,
    collection: Annotated[
        str | None, typer.Option(help="Members-only collection (makes the source members-only).")
    ] = None,
    lang: Annotated[Lang | None, typer.Option()] = None,
    members_only: Annotated[bool, typer.Option("--members-only")] = False,
    login_url: Annotated[
        str | None, typer.Option(help="Login form; credentials from KB_SOURCE_<NAME>_USERNAME/…")
    ] = None,
) -> None:
    """Add a source (a start page, a sitemap or a feed), or update the one with that name."""
    from ops import sources

    given = {
        "name": name,
        "url": url,
        "kind": kind,
        "city": city,
        "collection": collection,
        "lang": lang,
        "members_only": members_only,
        "login_url": login_url,
    }
    sources.add(services(), actor(), given, update=True)
    typer.echo(f"source {name} saved")


@app.command("list")
def source_list() -> None:
    """List the sources."""
    typer.echo("NAME\tKIND\tURL\tSETTINGS")
    for s in services().store.sources():
        flags = [
            f"city={s.city}" if s.city else "",
            f"collection={s.collection}" if s.collection else "",
            "members-only" if s.members_only else "",
            "" if s.enabled else "disabled",
        ]
        typer.echo(f"{s.name}\t{s.kind}\t{s.url}\t{' '.join(f for f in flags if f)}".rstrip())


@app.command("import")
def source_import(
    file: Annotated[
        Path | None, typer.Argument(exists=True, dir_okay=False, help="Default: the shipped one.")
    ] = None,
) -> None:
    """Add or update the sources of a catalogue file (sources.toml)."""
    from ops import sources

    imported = sources.import_catalogue(services(), actor(), file)
    enabled = sum(s.enabled for s in imported)
    typer.echo(f"imported {len(imported)} sources ({enabled} enabled)")


@app.command("edit")
def source_edit(
    name: str,
    url: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[str | None, typer.Option()] = None,
    city: Annotated[str | None, typer.Option()] = None,
    collection: Annotated[str | None, typer.Option()] = None,
    lang: Annotated[Lang | None, typer.Option()] = None,
    members_only: Annotated[bool | None, typer.Option("--members-only/--public")] = None,
    login_url: Annotated[str | None, typer.Option()] = None,
    schedule: Annotated[str | None, typer.Option(help="cron, e.g. '0 5 * * *'")] = None,
) -> None:
    """Change some settings of a source; the others stay."""
    from ops import sources

    given: dict[str, Any] = {
        "url": url,
        "kind": kind,
        "city": city,
        "collection": collection,
        "lang": lang,
        "members_only": members_only,
        "login_url": login_url,
        "schedule": schedule,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    sources.edit(services(), actor(), name, changes)
    typer.echo(f"source {name} saved")


def _set_enabled(name: str, enabled: bool) -> None:
    from ops import sources

    sources.set_enabled(services(), actor(), name, enabled)
    typer.echo(f"source {name} {'enabled' if enabled else 'disabled'}")


@app.command("enable")
def source_enable(name: str) -> None:
    """Crawl the source again."""
    _set_enabled(name, True)


@app.command("disable")
def source_disable(name: str) -> None:
    """Keep the source configured but stop crawling it."""
    _set_enabled(name, False)


@app.command("remove")
def source_remove(name: str) -> None:
    """Forget a source; what was crawled from it stays searchable."""
    from ops import sources

    sources.remove(services(), actor(), name)
    typer.echo(f"source {name} removed")
