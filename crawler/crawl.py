"""The crawl of sources into the store.

Each source is crawled breadth-first from its URL, which may be a start page (links under its
folder are followed), a sitemap or a feed (their pages are fetched). Requests run in a few
threads (``crawl_concurrency`` per host); everything else happens in the crawl's own thread.

The frontier lives in the store (:mod:`kb.crawl_state`): a page's document, its place in the
frontier and the links found on it are written in one transaction, so a crawl killed at any
point resumes without fetching a finished page again, and the store is never half-written.

A page never ends a crawl: whatever breaks while its answer is read is its failure in the
report, and a page that fails so on several crawls is given up for a while (`kb.crawl_state`).
Texts are kept up to ``KB_MAX_TEXT_CHARS``; a longer one is cut, and the report says so.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import httpx

from crawler.documents import Origin, cut_of, places_of, to_document
from crawler.duplicates import Duplicates
from crawler.errors import CrawlError, FetchError, ParseError, ReadError
from crawler.extract import extract_fetched, media_type
from crawler.feeds import is_feed, parse_feed
from crawler.fetch import Disallowed, Fetched, Fetcher, FetchResult, NotModified
from crawler.login import Credentials, login
from crawler.page import Page
from crawler.report import CrawlReport, Failed, Skipped
from crawler.sitemaps import is_sitemap, parse_sitemap
from crawler.urls import in_scope, normalize, origin
from kb.crawl_state import STOPPED_AFTER, CrawlState, Task
from kb.fingerprint import carries
from kb.model import Document
from kb.settings import Settings
from kb.store import FetchState, Source, Store, UpsertStatus

if TYPE_CHECKING:
    from kb.entities import EntityExtractor

log = logging.getLogger(__name__)

GONE_ANSWERS = frozenset({"HTTP 404", "HTTP 410"})
# What became of a page asked for (`Crawler` tells ``on_page``).
Outcome = Literal["new", "changed", "unchanged", "listed", "skipped", "failed"]
XML_TYPES = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml")


@dataclass(frozen=True)
class _Run:
    """What the visits of one source share; ``began`` (monotonic) and ``earlier`` (seconds of
    the run's earlier segments, before it was resumed) make the report's duration."""

    id: int
    source: Source
    start: str
    report: CrawlReport
    began: float
    earlier: float

    def tick(self) -> None:
        """Bring the report's duration up to now, before the report is saved."""
        self.report.duration = round(self.earlier + time.monotonic() - self.began, 3)


@dataclass(frozen=True)
class Step:
    """Told to a progress display before each request: the page, how many pages of the source
    are done and how many it knows so far (the total grows as links are found)."""

    source: str
    url: str
    done: int
    known: int


@dataclass(frozen=True)
class _Outcome:
    """What one answer leads to: tasks found, a document to store, a page that answered "not
    modified", or a failure."""

    found: list[Task] = field(default_factory=list)
    save: tuple[Document, Fetched, list[str]] | None = None
    attach: tuple[int, str] | None = None  # (page id, URL of a file that carries its text)
    unchanged: bool = False
    failure: CrawlError | None = None
    given_up: bool = False  # not fetched: it failed the same way on several crawls

    def name(self, saved: UpsertStatus | None, skipped: bool) -> Outcome:
        """What became of the page, once its document (if any) is stored as ``saved``."""
        if self.failure is not None:
            return "failed"
        if saved is not None:
            return saved
        if self.unchanged:
            return "unchanged"  # "not modified"
        return "skipped" if skipped else "listed"  # listed: a feed or sitemap, its pages queued


class Crawler:
    """Crawls sources into a store; entities are extracted for new and changed documents."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        extractor: EntityExtractor,
        credentials: Mapping[str, Credentials] | None = None,
        transport: httpx.BaseTransport | None = None,
        progress: Callable[[Step], None] | None = None,
        on_page: Callable[[str, Outcome], None] | None = None,
    ) -> None:
        """``progress`` is called before each request: for progress displays; ``on_page`` with
        the source and outcome of each page asked for: for the service's figures."""
        self._store = store
        self._state = CrawlState(store)
        self._settings = settings
        self._extractor = extractor
        self._places = places_of(extractor)
        self._credentials = dict(credentials or {})
        self._transport = transport
        self._progress = progress
        self._on_page = on_page

    def run(self, sources: list[Source]) -> CrawlReport:
        """Crawl ``sources``; a run that was killed or broke off is resumed first: its finished
        sources and pages are not fetched again, and its report goes on."""
        resumed = self._state.resume()
        if resumed is None:
            run_id, report = self._state.start(), CrawlReport()
        else:
            run_id, report = resumed[0], CrawlReport.from_dict(resumed[1])
            log.info("resuming crawl run %d", run_id)
        began, earlier = time.monotonic(), report.duration
        duplicates = Duplicates(self._store)
        try:
            for source in sources:
                if self._state.source_finished(run_id, source.name):
                    continue
                run = _Run(run_id, source, normalize(source.url), report, began, earlier)
                try:
                    self._crawl_source(run, duplicates)
                except CrawlError as exc:
                    report.failed.append(Failed(exc.url, exc.reason, source.name))
                report.duration = round(earlier + time.monotonic() - began, 3)
                self._state.finish_source(run_id, source.name, report.as_dict())
        except BaseException:
            # Left unfinished and without a process: the next crawl resumes it.
            report.duration = round(earlier + time.monotonic() - began, 3)
            self._state.break_off(run_id, report.as_dict())
            raise
        report.duration = round(earlier + time.monotonic() - began, 3)
        self._state.finish(run_id, report.as_dict())
        return report

    def _crawl_source(self, run: _Run, duplicates: Duplicates) -> None:
        name = run.source.name
        with Fetcher(self._settings, self._transport) as fetcher:
            if run.source.login_url:
                credentials = self._credentials.get(name)
                if credentials is None:
                    raise FetchError(
                        run.source.login_url, "no credentials configured for the login"
                    )
                login(fetcher, normalize(run.source.login_url), credentials)
            seen, done = self._state.known(run.id, name)
            queue = deque(self._state.queued(run.id, name))
            if not seen:
                first = Task(run.start, expand=True)
                self._state.enqueue(run.id, name, [first])
                seen.add(first.url)
                queue.append(first)
            revisited = self._state.revisited(run.id, name)
            workers = self._settings.crawl_concurrency
            limit = self._settings.crawl_max_pages
            pending: dict[Future[FetchResult], tuple[Task, FetchState | None]] = {}
            with ThreadPoolExecutor(workers, thread_name_prefix=f"fetch-{name}") as pool:

                def submit() -> None:
                    """Start requests from the queue up to the host's limit; pages given up
                    are done at once."""
                    nonlocal done
                    while queue and len(pending) < workers and done + len(pending) < limit:
                        task = queue.popleft()
                        refused = self._refused(run, task)
                        if refused is not None:
                            self._write(run, task, refused, duplicates)
                            done += 1
                            continue
                        if self._progress is not None:
                            self._progress(Step(name, task.url, done + len(pending), len(seen)))
                        state = self._store.fetch_state(task.url)
                        pending[pool.submit(self._fetch, fetcher, task, state)] = (task, state)

                while True:
                    if not queue and not pending and not revisited:
                        # Pages stored earlier but no longer linked are asked once more: that is
                        # how a page that disappeared is noticed (and, after three answers, let go).
                        revisited = True
                        again = [
                            Task(url, expand=False)
                            for url in self._store.source_urls(name)
                            if url not in seen
                        ]
                        seen.update(t.url for t in again)
                        self._state.enqueue(run.id, name, again, revisit=True)
                        queue.extend(again)
                    submit()
                    if not pending:
                        break
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        task, state = pending.pop(future)
                        done += 1
                        found = self._visit(run, task, state, future, duplicates)
                        fresh = [t for t in found if t.url not in seen]
                        seen.update(t.url for t in fresh)
                        queue.extend(fresh)

    @staticmethod
    def _fetch(fetcher: Fetcher, task: Task, state: FetchState | None) -> FetchResult:
        return fetcher.get(
            task.url,
            etag=state.etag if state else None,
            last_modified=state.last_modified if state else None,
        )

    def _refused(self, run: _Run, task: Task) -> _Outcome | None:
        """What comes of a page not to be fetched now, else None: the process died reading it
        before, or it failed the same way on several crawls."""
        if task.attempts >= STOPPED_AFTER:
            reason = f"the crawl stopped {task.attempts} times while reading it"
            return _Outcome(failure=ReadError(task.url, reason))
        given_up = self._state.given_up(task.url)
        if given_up is None:
            return None
        reason = f"failed on {given_up.runs} crawls: {given_up.reason}"
        run.report.skipped.append(
            Skipped(task.url, f"{reason}; tried again from {given_up.retry_from}")
        )
        return _Outcome(given_up=True)

    def _visit(
        self,
        run: _Run,
        task: Task,
        state: FetchState | None,
        future: Future[FetchResult],
        duplicates: Duplicates,
    ) -> list[Task]:
        """Handle one answer: read it (entities included) first, then write the page, the
        links found and its place in the frontier in one transaction. Returns the tasks found."""
        self._state.attempt(run.id, run.source.name, task.url)
        skipped = len(run.report.skipped)
        try:
            outcome = self._read(run, task, state, future.result(), duplicates)
        except CrawlError as exc:
            outcome = _Outcome(failure=exc)
        except Exception as exc:
            # A page must never end the crawl: what broke (a bug, a library's limit) is logged
            # with its trace and becomes the page's failure.
            log.exception("reading %s failed", task.url)
            outcome = _Outcome(failure=ReadError.of(task.url, exc))
        saved = self._write(run, task, outcome, duplicates)
        if self._on_page is not None:
            self._on_page(run.source.name, outcome.name(saved, len(run.report.skipped) > skipped))
        return outcome.found

    def _write(
        self, run: _Run, task: Task, outcome: _Outcome, duplicates: Duplicates
    ) -> UpsertStatus | None:
        """Store what one page led to, with its place in the frontier, in one transaction;
        how the page was saved, if it was."""
        report = run.report
        saved: UpsertStatus | None = None
        with self._store.transaction():
            failure = outcome.failure
            if failure is not None:
                report.failed.append(Failed(failure.url, failure.reason, run.source.name))
                if failure.reason in GONE_ANSWERS and self._store.mark_missing(task.url):
                    report.gone.append(task.url)
                if isinstance(failure, ParseError | ReadError):
                    # The answer came but could not be read: fetching it again will not help.
                    self._state.page_failed(task.url, failure.reason, run.id)
            elif not outcome.given_up:
                self._state.page_read(task.url)
            if outcome.unchanged:
                self._store.seen(task.url)
            if outcome.attach is not None:
                self._store.attach(*outcome.attach)
            if outcome.save is not None:
                doc, fetched, links = outcome.save
                saved = self._store.upsert_document(
                    doc, etag=fetched.etag, last_modified=fetched.last_modified, links=links
                ).status
                report.count(saved)
                duplicates.add(doc)
                log.info("%s %s", saved, doc.url)
            run.tick()
            self._state.done(run.id, run.source.name, task.url, outcome.found, report.as_dict())
        return saved

    def _read(
        self,
        run: _Run,
        task: Task,
        state: FetchState | None,
        result: FetchResult,
        duplicates: Duplicates,
    ) -> _Outcome:
        """What an answer leads to, without writing anything."""
        report = run.report
        if isinstance(result, Disallowed):
            report.skipped.append(Skipped(task.url, "disallowed by robots.txt"))
            return _Outcome()
        report.fetched += 1
        if isinstance(result, NotModified):
            report.unchanged += 1
            links = state.links if state and task.expand else []
            return _Outcome(self._follow(links, run.start), unchanged=True)
        kind = media_type(result.content_type)
        if kind in XML_TYPES or kind.endswith("+xml"):
            return _Outcome(self._expand_xml(result, task))
        page = extract_fetched(result.content, result.url, result.content_type)
        if page is None:
            report.skipped.append(Skipped(task.url, f"unsupported content type {kind}"))
            return _Outcome()
        found = self._follow(page.links if task.expand else [], run.start)
        if page.noindex:
            report.skipped.append(Skipped(task.url, "noindex"))
            return _Outcome(found)
        doc = self._document(run.source, page, task)
        if media_type(result.content_type) == "application/pdf" or result.content[:5] == b"%PDF-":
            for carrier in self._store.carrying_pages(doc.url, doc.members_only):
                if carries(carrier.text, doc.text):
                    # One result for a page and its PDF: the page, which links the file.
                    assert carrier.id is not None
                    report.skipped.append(Skipped(task.url, f"same text as {carrier.url}"))
                    return _Outcome(found, attach=(carrier.id, doc.url))
        stored = self._store.fetch_state(doc.url)
        if stored is None and (original := duplicates.of(doc)) is not None:
            # An expected rejection: the text is in the index under another URL already.
            report.skipped.append(Skipped(task.url, original))
            return _Outcome(found)
        if stored is None or stored.content_hash != doc.content_hash:
            doc.mentions = self._extractor.extract(doc.text, doc.lang, doc.language_passages())
        if (cut := cut_of(page, self._settings.max_text_chars)) is not None:
            report.cut.append(cut)
        return _Outcome(found, save=(doc, result, page.links))

    def _document(self, source: Source, page: Page, task: Task) -> Document:
        origin = Origin(
            kind=source.kind,
            source=source.name,
            city=source.city,
            collection=source.collection,
            members_only=source.members_only,
            lang=source.lang,
        )
        return to_document(
            page, origin, self._places, task.date, max_chars=self._settings.max_text_chars
        )

    def _follow(self, links: list[str], start: str) -> list[Task]:
        """Links under the start folder are crawled on; PDFs elsewhere on the host are fetched."""
        found = []
        for link in links:
            if in_scope(link, start):
                found.append(Task(link, expand=True))
            elif origin(link) == origin(start) and link.lower().endswith(".pdf"):
                found.append(Task(link, expand=False))
        return found

    def _expand_xml(self, result: Fetched, task: Task) -> list[Task]:
        if is_sitemap(result.content):
            sitemap = parse_sitemap(result.content, result.url)
            return [Task(normalize(p.url), expand=False, date=p.lastmod) for p in sitemap.pages] + [
                Task(normalize(u), expand=True) for u in sitemap.sitemaps
            ]
        if is_feed(result.content):
            return [
                Task(normalize(item.link), expand=False, date=item.date)
                for item in parse_feed(result.content, result.url)
            ]
        raise ParseError(task.url, "XML that is neither a sitemap nor a feed")
