"""``kb newsletter …`` and ``kb subscriber …``: the newsletter from the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from kb.errors import AccountError
from kb.newsletter_store import NewsletterStore, Preferences, SavedSearch
from kb.settings import Settings
from web.newsletter.compose import CHOOSABLE, personalise, render_text
from web.newsletter.issues import draft, send_next
from web.newsletter.send import SendAbortedError
from web.services import Services

newsletter_app = typer.Typer(help="The weekly newsletter: preview the next issue, send it.")
subscriber_app = typer.Typer(help="Newsletter subscribers and their preferences.")


def _services() -> Services:
    services = Services.open(Settings())
    services.index.sync(services.store)  # saved searches run on what is stored now
    return services


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@newsletter_app.command("preview")
def preview(
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Default: since the last issue (or 7 days)."),
    ] = None,
) -> None:
    """Print the next issue as members would get it, with every section; stores nothing."""
    services = _services()
    news = NewsletterStore(services.store)
    start = since.replace(tzinfo=UTC) if since else None
    composed = draft(news, services.search, start)
    last = news.last_issue()
    edition = personalise(
        (last.number if last else 0) + 1,
        news.now().date().isoformat(),
        composed.items,
        Preferences(),
        member=True,
        matches={},
    )
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
    services = _services()
    if not dry_run and not services.settings.smtp_host:
        raise _fail("KB_SMTP_HOST is empty: no mail server to send through")
    try:
        report = send_next(
            services.store, services.search, services.settings, services.key, dry_run=dry_run
        )
    except SendAbortedError as exc:
        raise _fail(f"{exc}; run again to resume") from exc
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
        list[str] | None, typer.Option(help=f"One of: {', '.join(CHOOSABLE)}; repeatable.")
    ] = None,
    lang: Annotated[list[str] | None, typer.Option(help="de or en; repeatable.")] = None,
) -> None:
    """Add a subscriber (or change the preferences of one)."""
    unknown = [s for s in section or [] if s not in CHOOSABLE]
    if unknown:
        raise _fail(f"unknown section {unknown[0]!r}; choose from {', '.join(CHOOSABLE)}")
    preferences = Preferences(
        sections=tuple(section or ()),
        cities=tuple(city or ()),
        languages=tuple(lang or ()),
        searches=tuple(SavedSearch(q) for q in query or ()),
    )
    try:
        added = NewsletterStore(Services.open(Settings()).store).add(email, preferences, confirmed)
    except AccountError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"subscriber {added.email} ({added.status})")


@subscriber_app.command("list")
def subscriber_list() -> None:
    """One line per subscriber: address, status, since, preferences."""
    for s in NewsletterStore(Services.open(Settings()).store).subscribers():
        p = s.preferences
        chosen = [
            f"sections={','.join(p.sections)}" if p.sections else "",
            f"cities={','.join(p.cities)}" if p.cities else "",
            f"collections={','.join(p.collections)}" if p.collections else "",
            f"lang={','.join(p.languages)}" if p.languages else "",
            *(f"query={q.query}" for q in p.searches),
            f"failure={s.failure}" if s.failure else "",
        ]
        line = f"{s.email}\t{s.status}\t{s.created_at}\t{' '.join(c for c in chosen if c)}"
        typer.echo(line.rstrip())
