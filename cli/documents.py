"""Documents in and out: ``kb crawl``, ``kb import``, ``kb import-board``, ``kb crawl-runs``,
``kb reindex``, ``kb search`` and ``kb entities``."""

from __future__ import annotations

import html
import json
import re
import sys
import textwrap
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from cli.common import actor, services

if TYPE_CHECKING:
    from kb.store import Source
    from ops.pipeline import CrawlReport, Credentials
    from ops.search import SearchResult
    from ops.services import Services

Role = Literal["anonymous", "member"]


def run_crawl(
    found: Services, sources: list[Source], logins: dict[str, Credentials] | None
) -> CrawlReport:
    """Crawl and sync (the path of ``kb crawl`` and ``kb demo``); on a terminal a progress bar
    shows the pages asked for so far and the current one."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ops import pipeline
    from ops.pipeline import Step

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

        return pipeline.crawl(found, sources, logins, progress=step)


def crawl(source: Annotated[str | None, typer.Option(help="Only this source.")] = None) -> None:
    """Crawl the sources, extract entities and index what changed; print the report."""
    from ops import pipeline

    found = services()
    typer.echo(run_crawl(found, pipeline.enabled_sources(found, source), None).render())


LINES_FAILED = 3  # exit status of an import that stored the good lines and refused others


def import_(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import documents from a JSON Lines file; bad lines are reported, the rest imported
    (exit status 3 when some lines failed)."""
    from ops import imports

    imported = imports.import_jsonl(services(), file)
    typer.echo(imported.report.render())
    typer.echo(f"indexed: {imported.indexed}")
    if imported.report.errors:
        raise typer.Exit(LINES_FAILED)


def import_board(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or JSON export.")],
    collection: Annotated[str, typer.Option(help="The members-only collection it belongs to.")],
    site: Annotated[
        str | None, typer.Option(help="The board's own address: links elsewhere are attachments.")
    ] = None,
) -> None:
    """Import an exported board of a members-only collection, following the links in posts."""
    from ops import pipeline

    imported = pipeline.import_board(services(), actor(), file, collection, site)
    typer.echo(imported.report.render())
    typer.echo(f"indexed: {imported.indexed}")


def crawl_runs(
    limit: Annotated[int, typer.Option(min=1)] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The latest crawl runs with their reports (fetched, new, changed, failed …)."""
    runs = services().store.crawl_runs(limit)
    if as_json:
        typer.echo(json.dumps([asdict(run) for run in runs], ensure_ascii=False, indent=2))
        return
    typer.echo("ID\tSTARTED\tSTATE\tFINISHED\tCOUNTS")
    for run in runs:
        report = run.report or {}
        counts = " ".join(
            f"{key}={len(value) if isinstance(value, list) else value}"
            for key, value in report.items()
        )
        finished = run.finished_at or "-"
        typer.echo(f"{run.id}\t{run.started_at}\t{run.state}\t{finished}\t{counts}".rstrip())


def reindex() -> None:
    """Rebuild the search index from the store."""
    from ops import pipeline

    typer.echo(f"indexed: {pipeline.reindex(services())}")


def search(
    query: Annotated[str, typer.Argument(help="Query; empty browses everything.")] = "",
    kind: Annotated[
        list[str] | None, typer.Option(metavar="KIND", help="publication, news, funding, …")
    ] = None,
    city: Annotated[list[str] | None, typer.Option(metavar="CITY", help="e.g. Essen.")] = None,
    lang: Annotated[list[str] | None, typer.Option(metavar="LANG", help="de or en.")] = None,
    year: Annotated[list[str] | None, typer.Option(metavar="YEAR", help="e.g. 2024.")] = None,
    collection: Annotated[
        list[str] | None, typer.Option(metavar="NAME", help="A members-only collection.")
    ] = None,
    entity: Annotated[
        list[str] | None, typer.Option(metavar="NAME", help="A person, organisation or place.")
    ] = None,
    project: Annotated[list[str] | None, typer.Option(metavar="NAME", help="A project.")] = None,
    topic: Annotated[list[str] | None, typer.Option(metavar="TOPIC", help="e.g. jugend.")] = None,
    target: Annotated[
        list[str] | None, typer.Option(metavar="GROUP", help="Target group, e.g. jugendliche.")
    ] = None,
    setting: Annotated[
        list[str] | None, typer.Option(metavar="SETTING", help="e.g. oeffentlicher-raum.")
    ] = None,
    evidence: Annotated[
        list[str] | None, typer.Option(metavar="EVIDENCE", help="evaluiert.")
    ] = None,
    date_from: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Dated from."),
    ] = None,
    date_to: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Dated until."),
    ] = None,
    page: Annotated[int, typer.Option(min=1, help="Which page of results.")] = 1,
    per_page: Annotated[int, typer.Option(min=1, max=100, help="Results on a page.")] = 10,
    sort: Annotated[
        Literal["relevance", "date"], typer.Option(help="relevance, or date: newest first.")
    ] = "relevance",
    role: Annotated[Role, typer.Option(help="Whose view: members also see collections.")] = (
        "anonymous"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="The JSON of /api/search.")] = False,
) -> None:
    """Search like the web page; repeating a filter ORs its values, filters AND."""
    from kb.viewer import Viewer
    from ops import search as searching

    chosen = {"kind": kind, "city": city, "lang": lang, "year": year}
    chosen |= {"collection": collection, "entity": entity, "project": project}
    chosen |= {"topic": topic, "target": target, "setting": setting, "evidence": evidence}
    first, last = (day.date() if day else None for day in (date_from, date_to))
    request = searching.SearchRequest(
        query, searching.filters_from(**chosen), page, per_page, Viewer(role), sort, first, last
    )
    found = services()
    found.sync()
    result = searching.search(found, request)
    if as_json:
        typer.echo(json.dumps(searching.result_json(result), ensure_ascii=False, indent=2))
    else:
        typer.echo(_render_result(result))


def _render_result(result: SearchResult) -> str:
    first = (result.page - 1) * result.per_page
    pages = max(1, -(-result.total // result.per_page))
    lines = [f"{result.total} results · page {result.page} of {pages}"]
    if result.suggestion:
        lines.append(f"did you mean: {result.suggestion}")
    for n, hit in enumerate(result.hits, start=first + 1):
        meta = " · ".join(x for x in [hit.kind, hit.city, hit.date, hit.lang] if x)
        snippet = html.unescape(re.sub(r"<[^>]+>", "", hit.snippet))
        lines += [f"{n}. {hit.title} [{meta}]", f"   {hit.url}"]
        lines += [f"   {line}" for line in textwrap.wrap(snippet, 96)]
    return "\n".join(lines)


def entities(
    file: Annotated[Path | None, typer.Argument(exists=True, dir_okay=False)] = None,
    lang: Annotated[Literal["de", "en"] | None, typer.Option(help="Default: detected.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Print the people, organisations and places in FILE or standard input."""
    from kb.language import detect

    text = file.read_text(encoding="utf-8") if file else sys.stdin.read()
    mentions = services().extractor.extract(text, lang or detect(text))
    if as_json:
        rows = [
            {"text": m.text, "label": m.label, "start": m.start, "end": m.end} for m in mentions
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False))
    else:
        for m in mentions:
            typer.echo(f"{m.label}\t{m.start}\t{m.end}\t{m.text}\t{m.canonical}")
