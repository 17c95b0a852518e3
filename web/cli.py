"""The ``kb`` command line: the scripted contract of the service.

Every command keeps its data under ``KB_DATA_DIR`` (default ``./data``).
"""

from __future__ import annotations

import json
import secrets
import sys
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from crawler.boards import BoardError, fetcher_for, import_board
from crawler.catalogue import CatalogueError, cron_problem, load_catalogue
from crawler.crawl import Step
from crawler.jsonl import import_lines
from crawler.login import Credentials
from crawler.report import CrawlReport
from index.indexer import CORES
from index.search import SearchRequest, SearchResult, filters_from
from index.synonyms import SynonymTable
from kb.accounts import Accounts
from kb.curation import reapply
from kb.entities.catalogue import seed_catalogue
from kb.entity_catalogue import Entity, EntityCatalogue
from kb.errors import AccountError, EntityError
from kb.model import KINDS, CatalogueEntry
from kb.settings import Settings
from kb.store import Source
from kb.viewer import ROLES, Viewer
from web import crawls
from web.api import result_json
from web.newsletter.cli import newsletter_app, subscriber_app
from web.services import Services

app = typer.Typer(help="DEFUS knowledge base: crawl, import, index, search, serve.")
source_app = typer.Typer(help="Manage the sources the crawler visits.")
app.add_typer(source_app, name="source")
entity_app = typer.Typer(help="Curate the entity catalogue; changes re-apply to stored documents.")
app.add_typer(entity_app, name="entity")
synonym_app = typer.Typer(help="Curate the synonyms and acronyms the search applies to queries.")
app.add_typer(synonym_app, name="synonym")
user_app = typer.Typer(help="Manage accounts: members see the collections, staff curate.")
app.add_typer(user_app, name="user")
token_app = typer.Typer(help="Personal API tokens (Authorization: Bearer …), revocable.")
app.add_typer(token_app, name="token")
app.add_typer(newsletter_app, name="newsletter")
app.add_typer(subscriber_app, name="subscriber")

Lang = Literal["de", "en"]
Label = Literal["PER", "ORG", "LOC"]
Role = Literal["anonymous", "member"]
AccountRole = Literal["member", "editor", "admin"]
DEMO_MEMBER = "mitglied@demo.invalid"


def _services() -> Services:
    return Services.open(Settings())


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@source_app.command("add")
def source_add(
    name: str,
    url: str,
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(KINDS)}.")],
    city: Annotated[str | None, typer.Option()] = None,
    collection: Annotated[str | None, typer.Option()] = None,
    lang: Annotated[Lang | None, typer.Option()] = None,
    members_only: Annotated[bool, typer.Option("--members-only")] = False,
    login_url: Annotated[
        str | None, typer.Option(help="Login form; credentials from KB_SOURCE_<NAME>_USERNAME/…")
    ] = None,
) -> None:
    """Add a source (a start page, a sitemap or a feed), or update the one with that name."""
    if kind not in KINDS:
        raise _fail(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    if not url.startswith(("http://", "https://")):
        raise _fail("the URL must start with http:// or https://")
    services = _services()
    members = members_only or collection is not None
    services.store.add_source(
        Source(name, url, kind, city, collection, lang, members, login_url=login_url)
    )
    typer.echo(f"source {name} saved")


@source_app.command("list")
def source_list() -> None:
    """List the sources."""
    for s in _services().store.sources():
        flags = [
            f"city={s.city}" if s.city else "",
            f"collection={s.collection}" if s.collection else "",
            "members-only" if s.members_only else "",
            "" if s.enabled else "disabled",
        ]
        typer.echo(f"{s.name}\t{s.kind}\t{s.url}\t{' '.join(f for f in flags if f)}".rstrip())


@source_app.command("import")
def source_import(
    file: Annotated[
        Path | None, typer.Argument(exists=True, dir_okay=False, help="Default: the shipped one.")
    ] = None,
) -> None:
    """Add or update the sources of a catalogue file (sources.toml)."""
    try:
        sources = load_catalogue(file)
    except CatalogueError as exc:
        raise _fail(str(exc)) from exc
    store = _services().store
    for source in sources:
        store.add_source(source)
    enabled = sum(s.enabled for s in sources)
    typer.echo(f"imported {len(sources)} sources ({enabled} enabled)")


@source_app.command("edit")
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
    store = _services().store
    source = store.source(name)
    if source is None:
        raise _fail(f"no source named {name!r}")
    if kind is not None and kind not in KINDS:
        raise _fail(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    if schedule is not None and (problem := cron_problem(schedule)):
        raise _fail(f"schedule: {problem}")
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
    changed = replace(source, **{k: v for k, v in given.items() if v is not None})
    if changed.collection and not changed.members_only:
        changed = replace(changed, members_only=True)
    store.add_source(changed)
    typer.echo(f"source {name} saved")


def _set_enabled(name: str, enabled: bool) -> None:
    store = _services().store
    source = store.source(name)
    if source is None:
        raise _fail(f"no source named {name!r}")
    store.add_source(replace(source, enabled=enabled))
    typer.echo(f"source {name} {'enabled' if enabled else 'disabled'}")


@source_app.command("enable")
def source_enable(name: str) -> None:
    """Crawl the source again."""
    _set_enabled(name, True)


@source_app.command("disable")
def source_disable(name: str) -> None:
    """Keep the source configured but stop crawling it."""
    _set_enabled(name, False)


@source_app.command("remove")
def source_remove(name: str) -> None:
    """Forget a source; what was crawled from it stays searchable."""
    if not _services().store.remove_source(name):
        raise _fail(f"no source named {name!r}")
    typer.echo(f"source {name} removed")


def _curated(services: Services, entity: Entity, forms: list[str]) -> None:
    """Re-apply the catalogue to the documents concerned and index them."""
    changed = reapply(services.store, services.fresh_extractor(), forms)
    services.index.sync(services.store)
    aliases = f" (aliases: {', '.join(entity.aliases)})" if entity.aliases else ""
    state = " [blocked]" if entity.blocked else ""
    typer.echo(f"{entity.label} {entity.name}{aliases}{state}")
    typer.echo(f"re-applied to {changed} documents")


def _catalogue(services: Services) -> EntityCatalogue:
    catalogue = EntityCatalogue(services.store)
    catalogue.seed(seed_catalogue())
    return catalogue


@entity_app.command("add")
def entity_add(
    name: str,
    label: Annotated[Label, typer.Option()],
    alias: Annotated[list[str] | None, typer.Option(help="Another way texts write it.")] = None,
    kind: Annotated[str, typer.Option(help="e.g. city, police, project, person.")] = "",
    city: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add an entity (or update its kind, city and aliases)."""
    services = _services()
    try:
        entity = _catalogue(services).add(
            CatalogueEntry(name, label, kind, tuple(alias or ()), city)
        )
    except EntityError as exc:
        raise _fail(str(exc)) from exc
    _curated(services, entity, [entity.name, *entity.aliases])


@entity_app.command("alias")
def entity_alias(
    name: str, alias: str, label: Annotated[Label | None, typer.Option()] = None
) -> None:
    """Teach another name of an entity (an acronym, an inflected or English form)."""
    services = _services()
    try:
        entity = _catalogue(services).add_alias(name, alias, label)
    except EntityError as exc:
        raise _fail(str(exc)) from exc
    _curated(services, entity, [alias])


@entity_app.command("merge")
def entity_merge(
    source: str, target: str, label: Annotated[Label | None, typer.Option()] = None
) -> None:
    """Merge SOURCE into TARGET: SOURCE and its aliases become aliases of TARGET."""
    services = _services()
    try:
        entity = _catalogue(services).merge(source, target, label)
    except EntityError as exc:
        raise _fail(str(exc)) from exc
    _curated(services, entity, [source, *entity.aliases])


@entity_app.command("block")
def entity_block(name: str, label: Annotated[Label | None, typer.Option()] = None) -> None:
    """Never report NAME as an entity again."""
    services = _services()
    try:
        entity = _catalogue(services).block(name, label)
    except EntityError as exc:
        raise _fail(str(exc)) from exc
    _curated(services, entity, [entity.name, *entity.aliases])


@synonym_app.command("add")
def synonym_add(
    variants: Annotated[list[str], typer.Argument(help="Two or more variants.")],
) -> None:
    """Make the variants find each other ("DPT" "Deutscher Präventionstag" …)."""
    if len(variants) < 2:
        raise _fail("give at least two variants")
    group = SynonymTable(_services().store).add(variants)
    typer.echo(" = ".join(group))


@synonym_app.command("remove")
def synonym_remove(term: str) -> None:
    """Take a variant out of its group."""
    if not SynonymTable(_services().store).remove(term):
        raise _fail(f"{term!r} is in no synonym group")
    typer.echo(f"removed {term}")


@synonym_app.command("list")
def synonym_list() -> None:
    """One group per line."""
    for group in SynonymTable(_services().store).synonyms().groups:
        typer.echo(" = ".join(group))


@user_app.command("add")
def user_add(
    email: str,
    role: Annotated[AccountRole, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    password: Annotated[
        str | None, typer.Option(help="Default: asked for on a terminal, else generated.")
    ] = None,
) -> None:
    """Add an account; a generated password is printed once."""
    generated = password is None and not sys.stdin.isatty()
    if password is None:
        password = (
            secrets.token_urlsafe(12)
            if generated
            else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        )
    try:
        user = Accounts(_services().store).add(email, role, password)
    except AccountError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"account {user.email} ({user.role}) added")
    if generated:
        typer.echo(f"password: {password}")


@user_app.command("list")
def user_list() -> None:
    """List the accounts."""
    for user in Accounts(_services().store).users():
        state = "disabled" if user.disabled else "" if user.has_password else "invited"
        typer.echo(f"{user.email}\t{user.role}\t{user.created_at}\t{state}".rstrip())


@user_app.command("disable")
def user_disable(email: str) -> None:
    """Disable an account: it can no longer log in, its sessions and tokens stop working."""
    accounts = Accounts(_services().store)
    try:
        user = accounts.set_disabled(accounts.by_email(email), True)
    except AccountError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"account {user.email} disabled")


@token_app.command("create")
def token_create(
    email: str, name: Annotated[str, typer.Option(help="What the token is for.")] = ""
) -> None:
    """Create a personal API token of an account; it is shown only now."""
    accounts = Accounts(_services().store)
    try:
        token_id, token = accounts.create_token(accounts.by_email(email), name)
    except AccountError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"token {token_id} for {email}: {token}")


@token_app.command("list")
def token_list() -> None:
    """List the tokens (never the secrets themselves)."""
    for t in Accounts(_services().store).tokens():
        state = "revoked" if t.revoked else ""
        typer.echo(f"{t.id}\t{t.email}\t{t.name}\t{t.created_at}\t{state}".rstrip())


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke a token: requests with it are refused from now on."""
    if not Accounts(_services().store).revoke_token(token_id):
        raise _fail(f"no active token {token_id}")
    typer.echo(f"token {token_id} revoked")


def run_crawl(
    services: Services, sources: list[Source], credentials: dict[str, Credentials]
) -> CrawlReport:
    """Crawl, then index what changed: the path of ``kb crawl`` and ``kb demo``.

    On a terminal a progress line shows the pages asked for so far and the current one.
    """
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("Seiten [dim]{task.fields[url]}"),
        transient=True,
        disable=not sys.stderr.isatty(),
        console=Console(stderr=True),
    ) as progress:
        task = progress.add_task("Crawl", total=None, url="")

        def step(at: Step) -> None:
            # The total grows while links are found; the bar shows the share done so far.
            progress.update(
                task, completed=at.done, total=at.known, description=at.source, url=at.url[-60:]
            )

        return crawls.crawl(
            services, services.store, services.extractor, sources, credentials, progress=step
        )


@app.command()
def crawl(source: Annotated[str | None, typer.Option(help="Only this source.")] = None) -> None:
    """Crawl the sources, extract entities and index what changed; print the report."""
    services = _services()
    sources = [s for s in services.store.sources() if s.enabled]
    if source is not None:
        sources = [s for s in sources if s.name == source]
        if not sources:
            raise _fail(f"no enabled source named {source!r}")
    typer.echo(run_crawl(services, sources, crawls.credentials(sources)).render())


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import documents from a JSON Lines file; bad lines are reported, the rest imported."""
    services = _services()
    with file.open(encoding="utf-8") as lines:
        report = import_lines(lines, services.store, services.extractor, workers=CORES)
    indexed = services.index.sync(services.store, procs=CORES)
    typer.echo(report.render())
    typer.echo(f"indexed: {indexed}")


@app.command("import-board")
def import_board_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or JSON export.")],
    collection: Annotated[str, typer.Option(help="The members-only collection it belongs to.")],
    site: Annotated[
        str | None, typer.Option(help="The board's own address: links elsewhere are attachments.")
    ] = None,
) -> None:
    """Import an exported board of a members-only collection, following the links in posts."""
    services = _services()
    try:
        with fetcher_for(services.settings) as fetch:
            report = import_board(
                file, collection, services.store, services.extractor, fetch, site=site
            )
    except BoardError as exc:
        raise _fail(str(exc)) from exc
    indexed = services.index.sync(services.store)
    typer.echo(report.render())
    typer.echo(f"indexed: {indexed}")


@app.command("crawl-runs")
def crawl_runs(
    limit: Annotated[int, typer.Option(min=1)] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The latest crawl runs with their reports (fetched, new, changed, failed …)."""
    runs = _services().store.crawl_runs(limit)
    if as_json:
        typer.echo(json.dumps([asdict(run) for run in runs], ensure_ascii=False, indent=2))
        return
    for run in runs:
        report = run.report or {}
        counts = " ".join(
            f"{key}={len(value) if isinstance(value, list) else value}"
            for key, value in report.items()
        )
        state = run.finished_at or run.state
        typer.echo(f"{run.id}\t{run.started_at}\t{state}\t{counts}".rstrip())


@app.command()
def reindex() -> None:
    """Rebuild the search index from the store."""
    services = _services()
    typer.echo(f"indexed: {services.index.rebuild(services.store)}")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Query; empty browses everything.")] = "",
    kind: Annotated[list[str] | None, typer.Option()] = None,
    city: Annotated[list[str] | None, typer.Option()] = None,
    lang: Annotated[list[str] | None, typer.Option()] = None,
    year: Annotated[list[str] | None, typer.Option()] = None,
    collection: Annotated[list[str] | None, typer.Option()] = None,
    entity: Annotated[list[str] | None, typer.Option()] = None,
    project: Annotated[list[str] | None, typer.Option()] = None,
    date_from: Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"])] = None,
    date_to: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"])] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    per_page: Annotated[int, typer.Option(min=1, max=100)] = 10,
    sort: Annotated[Literal["relevance", "date"], typer.Option()] = "relevance",
    role: Annotated[Role, typer.Option(help="Whose view: members also see collections.")] = (
        "anonymous"
    ),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Search like the web page; repeating a filter ORs its values."""
    filters = filters_from(
        kind=kind,
        city=city,
        lang=lang,
        year=year,
        collection=collection,
        entity=entity,
        project=project,
    )
    request = SearchRequest(
        query=query,
        filters=filters,
        page=page,
        per_page=per_page,
        viewer=Viewer(role),
        sort=sort,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
    )
    services = _services()
    services.index.sync(services.store)
    result = services.search.search(request)
    if as_json:
        typer.echo(json.dumps(result_json(result), ensure_ascii=False, indent=2))
    else:
        typer.echo(_render_result(result))


def _render_result(result: SearchResult) -> str:
    first = (result.page - 1) * result.per_page
    lines = [f"{result.total} results"]
    for n, hit in enumerate(result.hits, start=first + 1):
        meta = " · ".join(x for x in [hit.kind, hit.city, hit.date, hit.lang] if x)
        lines += [f"{n}. {hit.title} [{meta}]", f"   {hit.url}"]
    return "\n".join(lines)


@app.command()
def entities(
    file: Annotated[Path | None, typer.Argument(exists=True, dir_okay=False)] = None,
    lang: Annotated[Lang | None, typer.Option(help="Default: detected.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Print the people, organisations and places in FILE or standard input."""
    from kb.language import detect

    text = file.read_text(encoding="utf-8") if file else sys.stdin.read()
    mentions = _services().extractor.extract(text, lang or detect(text))
    if as_json:
        rows = [
            {"text": m.text, "label": m.label, "start": m.start, "end": m.end} for m in mentions
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False))
    else:
        for m in mentions:
            typer.echo(f"{m.label}\t{m.start}\t{m.end}\t{m.text}\t{m.canonical}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Serve the web UI and the API."""
    settings = Settings()
    _serve(Services.open(settings), host or settings.host, port or settings.port)


def _serve(services: Services, host: str, port: int) -> None:
    import uvicorn

    from web.app import create_app

    typer.echo(f"Web UI: http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    app = create_app(services, scheduler=True)  # the newsletter and crawls run while serving
    uvicorn.run(app, host=host, port=port, log_level="warning")


@app.command()
def demo(
    port: Annotated[int | None, typer.Option(help="Port of the web UI.")] = None,
) -> None:
    """Start the bundled demo site, crawl and index it, and serve the web UI."""
    from web.demo import CREDENTIALS, SOURCE_COLLECTION, demo_sources
    from web.demo.server import DemoSite

    settings = Settings()
    # The demo site is ours and on loopback: no need to wait between requests.
    services = Services.open(settings.model_copy(update={"crawl_delay": 0.0}))
    try:
        site = DemoSite(port=settings.demo_site_port).start()
    except OSError as exc:
        raise _fail(f"demo site port {settings.demo_site_port} unavailable: {exc}") from exc
    typer.echo(f"Demo site: {site.base_url}/")
    sources = demo_sources(site.base_url)
    for source in sources:
        services.store.add_source(source)
    typer.echo("Crawling the demo site …")
    report = run_crawl(services, sources, {SOURCE_COLLECTION: CREDENTIALS})
    typer.echo(report.render())
    _demo_member(services)
    _serve(services, settings.host, port or settings.port)


def _demo_member(services: Services) -> None:
    """A member account so that a newcomer sees the collections; a fresh password each run."""
    accounts = Accounts(services.store)
    password = secrets.token_urlsafe(12)
    user = accounts.find(DEMO_MEMBER)
    if user is None:
        accounts.add(DEMO_MEMBER, "member", password)
    else:
        accounts.set_password(user, password)
    typer.echo(f"Members-only content: log in as {DEMO_MEMBER} with password {password}")


def main() -> None:
    app()
