"""``kb newsletter …`` and ``kb subscriber …``: the newsletter from the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import actor, commands, fail, services

if TYPE_CHECKING:
    from ops.services import Services

newsletter_app = commands("The weekly newsletter: preview the next issue, send it.")
subscriber_app = commands("Newsletter subscribers and their preferences.")
SECTIONS = "publications, cities, information, collections, funding, events"


def _synced() -> Services:
    found = services()
    found.sync()  # saved searches run on what is stored now
    return found


@newsletter_app.command("preview")
def preview(
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Default: since the last issue (or 7 days)."),
    ] = None,
) -> None:
    """Print the next issue as members would get it, with every section; stores nothing."""
    from ops.newsletter.compose import render_text
    from ops.newsletter.issues import preview

    composed, edition = preview(_synced(), since.replace(tzinfo=UTC) if since else None)
    typer.echo(f"since {composed.since.isoformat(timespec='minutes')}: {len(composed.items)} items")
    if not edition.empty:
        typer.echo(render_text(edition, None))


@newsletter_app.command("send")
def send(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compose and count, store and send nothing.")
    ] = False,
) -> None:
    """Send the unfinished issue (a draft or an interrupted send), else compose the next one
    and send it to every confirmed subscriber; a second run resumes and sends nobody twice."""
    from ops.newsletter.issues import send_next
    from ops.newsletter.send import SendAbortedError

    found = _synced()
    if not dry_run and not found.settings.smtp_host:
        raise fail("KB_SMTP_HOST is empty: no mail server to send through")
    try:
        report = send_next(found.store, found.search, found.settings, found.key, dry_run=dry_run)
    except SendAbortedError as exc:
        raise fail(f"{exc}; run again to resume") from exc
    typer.echo(report.render() if report else "nothing new since the last issue")


@subscriber_app.command("add")
def subscriber_add(
    email: str,
    confirmed: Annotated[
        bool, typer.Option("--confirmed", help="Skip the confirmation mail (consent given).")
    ] = False,
    city: Annotated[list[str] | None, typer.Option(help="Member city; repeatable.")] = None,
    query: Annotated[list[str] | None, typer.Option(help="Saved search; repeatable.")] = None,
    section: Annotated[
        list[str] | None, typer.Option(help=f"One of: {SECTIONS}; repeatable.")
    ] = None,
    lang: Annotated[list[str] | None, typer.Option(help="de or en; repeatable.")] = None,
    topic: Annotated[list[str] | None, typer.Option(help="Topic label; repeatable.")] = None,
    target: Annotated[list[str] | None, typer.Option(help="Target group; repeatable.")] = None,
    setting: Annotated[list[str] | None, typer.Option(help="Setting label; repeatable.")] = None,
    evaluated: Annotated[
        bool, typer.Option("--evaluated", help="Evaluated measures only.")
    ] = False,
) -> None:
    """Add a subscriber (or change the preferences of one)."""
    from kb.newsletter_store import SavedSearch
    from ops.newsletter.compose import CHOOSABLE
    from ops.newsletter.subscriptions import add_subscriber, preferences

    unknown = [s for s in section or [] if s not in CHOOSABLE]
    if unknown:
        raise fail(f"unknown section {unknown[0]!r}; choose from {', '.join(CHOOSABLE)}")
    searches = [SavedSearch(q) for q in query or ()]
    labels = {
        "topics": topic or [],
        "targets": target or [],
        "settings": setting or [],
        "evidence": ["evaluiert"] if evaluated else [],
    }
    chosen = preferences(section or [], city or [], [], lang or [], searches, labels)
    added = add_subscriber(services(), actor(), email, chosen, confirmed)
    typer.echo(f"subscriber {added.email} ({added.status})")


@subscriber_app.command("list")
def subscriber_list() -> None:
    """One line per subscriber: address, status, since, preferences."""
    from ops.newsletter.subscriptions import subscribers

    for s in subscribers(services()):
        p = s.preferences
        chosen = [
            f"sections={','.join(p.sections)}" if p.sections else "",
            f"cities={','.join(p.cities)}" if p.cities else "",
            f"collections={','.join(p.collections)}" if p.collections else "",
            f"lang={','.join(p.languages)}" if p.languages else "",
            *(f"query={q.query}" for q in p.searches),
            *(
                f"{name}={','.join(chosen)}"
                for name in ("topics", "targets", "settings", "evidence")
                if (chosen := getattr(p, name))
            ),
            f"failure={s.failure}" if s.failure else "",
        ]
        line = f"{s.email}\t{s.status}\t{s.created_at}\t{' '.join(c for c in chosen if c)}"
        typer.echo(line.rstrip())
