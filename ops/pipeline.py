"""What brings documents in, each followed by the same sync of what is derived from the store
(facts of calls and events, the index): crawls, board exports, rebuilds; JSON Lines imports
are in `ops.imports`, which loads none of the crawler's fetching.

``kb crawl``, ``kb demo``, the staff's "Jetzt crawlen" and each source's schedule all crawl
through `crawl`; ``kb import-board`` and the staff's upload both import through
`import_board`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from crawler.boards import BoardError, BoardReport, fetcher_for
from crawler.boards import import_board as read_board_export
from crawler.crawl import Crawler, Step
from crawler.login import Credentials, credentials_from_env
from crawler.report import CrawlReport
from kb import job_runs
from kb.crawl_state import CrawlState
from kb.job_runs import Trigger
from kb.store import Source, Store
from kb.viewer import Viewer
from ops import source_health
from ops.errors import BusyError, InvalidError, NotFoundError
from ops.services import Services

__all__ = [
    "BoardImported",
    "CrawlReport",
    "Credentials",
    "Step",
    "crawl",
    "credentials",
    "enabled_sources",
    "import_board",
    "reindex",
]


def credentials(sources: Iterable[Source]) -> dict[str, Credentials]:
    """The login of each source that has one in the environment (``KB_SOURCE_<NAME>_…``)."""
    return {
        s.name: found
        for s in sources
        if (found := credentials_from_env(s.name, os.environ)) is not None
    }


def crawl(
    services: Services,
    sources: list[Source],
    given: dict[str, Credentials] | None = None,
    progress: Callable[[Step], None] | None = None,
    store: Store | None = None,
    trigger: Trigger = "command",
) -> CrawlReport:
    """Crawl ``sources`` into ``store`` (default: the process's own connection), then sync;
    each source's outcome is recorded (`ops.source_health`) as started by ``trigger``.

    Credentials default to those of the environment."""
    store = store or services.store
    if CrawlState(store).resumable():
        # The pages a killed crawl stored are not indexed yet: they are before its run goes on.
        services.sync(store)
    logins = credentials(sources) if given is None else given
    tally = source_health.PageTally()
    crawler = Crawler(
        store, services.settings, services.extractor, logins, progress=progress, on_page=tally.add
    )
    started = job_runs.now()
    try:
        report = crawler.run(sources)
    except Exception as exc:
        source_health.record(services, store, sources, tally, trigger, started, None, str(exc))
        raise
    services.sync(store)
    source_health.record(services, store, sources, tally, trigger, started, report)
    return report


def enabled_sources(services: Services, name: str | None = None) -> list[Source]:
    """The enabled sources, or the one named (`NotFoundError` unless it exists and is enabled)."""
    sources = [s for s in services.store.sources() if s.enabled]
    if name is None:
        return sources
    chosen = [s for s in sources if s.name == name]
    if not chosen:
        raise NotFoundError("enabled source", name)
    return chosen


@dataclass(frozen=True)
class BoardImported:
    report: BoardReport
    indexed: int


def import_board(
    services: Services, actor: Viewer, path: Path, collection: str, site: str | None
) -> BoardImported:
    """Import the export of a members-only board, following the links in its posts.

    Runs on a connection of the calling thread's own (it may take a while: following links),
    one at a time with crawls (`BusyError`)."""
    collection = collection.strip()
    if not collection:
        raise InvalidError("collection: the board's collection is required")
    if site and not site.startswith(("http://", "https://")):
        raise InvalidError("site: an absolute http(s) address is required")
    extractor = services.extractor  # built here: building reads the process's connection
    if not services.crawl_lock.acquire(blocking=False):
        raise BusyError("a crawl or an import is running")
    try:
        with services.connection() as store, fetcher_for(services.settings) as fetch:
            try:
                report = read_board_export(
                    path,
                    collection,
                    store,
                    extractor,
                    fetch,
                    site=site,
                    max_chars=services.settings.max_text_chars,
                )
            except BoardError as exc:
                raise InvalidError(str(exc)) from exc
            indexed = services.sync(store)
    finally:
        services.crawl_lock.release()
    services.audit(
        actor,
        "board.import",
        collection,
        file=path.name,
        new=report.new,
        changed=report.changed,
        errors=len(report.errors),
    )
    return BoardImported(report, indexed)


def reindex(services: Services) -> int:
    """Rebuild the index from the store, labelling first what the current rules have not and
    deciding passages again if the function words changed."""
    services.store.relabel()
    services.store.redecide_passages()
    with services.index_lock:
        return services.index.rebuild(services.store)
