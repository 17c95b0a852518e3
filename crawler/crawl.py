"""The crawl of sources into the store.

Each source is crawled breadth-first from its URL, which may be a start page (links under its
folder are followed), a sitemap or a feed (their pages are fetched). Every document is written in
its own transaction, so an interrupted run loses nothing already stored.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import httpx

from crawler.errors import CrawlError, FetchError, ParseError
from crawler.extract import Page, extract_fetched, media_type
from crawler.feeds import is_feed, parse_feed
from crawler.fetch import Disallowed, Fetched, Fetcher, NotModified
from crawler.login import Credentials, login
from crawler.report import CrawlReport, Failed, Skipped
from crawler.sitemaps import is_sitemap, parse_sitemap
from crawler.urls import in_scope, normalize, origin
from kb.entities import EntityExtractor
from kb.language import detect
from kb.model import Document
from kb.settings import Settings
from kb.store import Source, Store

log = logging.getLogger(__name__)

GONE_ANSWERS = frozenset({"HTTP 404", "HTTP 410"})
XML_TYPES = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml")


@dataclass(frozen=True)
class _Task:
    url: str
    expand: bool  # follow the page's links (start pages and what they lead to)
    hint: Page | None = None  # what a feed said of the page, used where the page is silent


class Crawler:
    """Crawls sources into a store; entities are extracted for new and changed documents."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        extractor: EntityExtractor,
        credentials: Mapping[str, Credentials] | None = None,
        transport: httpx.BaseTransport | None = None,
        progress: Callable[[str, str], None] | None = None,
    ) -> None:
        """``progress(source, url)`` is called before each request: for progress displays."""
        self._store = store
        self._settings = settings
        self._extractor = extractor
        self._credentials = dict(credentials or {})
        self._transport = transport
        self._progress = progress

    def run(self, sources: list[Source]) -> CrawlReport:
        report = CrawlReport()
        run_id = self._store.start_run()
        began = time.monotonic()
        try:
            for source in sources:
                try:
                    self._crawl_source(source, report)
                except CrawlError as exc:
                    report.failed.append(Failed(exc.url, exc.reason, source.name))
        finally:
            # Even a run that breaks off is finished, with what it did, so it never looks running.
            report.duration = round(time.monotonic() - began, 3)
            self._store.finish_run(run_id, report.as_dict())
        return report

    def _crawl_source(self, source: Source, report: CrawlReport) -> None:
        start = normalize(source.url)
        with Fetcher(self._settings, self._transport) as fetcher:
            if source.login_url:
                credentials = self._credentials.get(source.name)
                if credentials is None:
                    raise FetchError(source.login_url, "no credentials configured for the login")
                login(fetcher, normalize(source.login_url), credentials)
            queue = deque([_Task(start, expand=True)])
            seen = {start}
            done = 0
            revisited = False
            while done < self._settings.crawl_max_pages:
                if not queue and not revisited:
                    # Pages stored earlier but no longer linked are asked once more: that is how
                    # a page that disappeared is noticed (and, after three answers, let go).
                    revisited = True
                    queue.extend(
                        _Task(url, expand=False)
                        for url in self._store.source_urls(source.name)
                        if url not in seen
                    )
                if not queue:
                    break
                task = queue.popleft()
                done += 1
                if self._progress is not None:
                    self._progress(source.name, task.url)
                try:
                    found = self._visit(fetcher, source, task, start, report)
                except CrawlError as exc:
                    report.failed.append(Failed(exc.url, exc.reason, source.name))
                    if exc.reason in GONE_ANSWERS and self._store.mark_missing(task.url):
                        report.gone.append(task.url)
                    continue
                for new in found:
                    if new.url not in seen:
                        seen.add(new.url)
                        queue.append(new)

    def _visit(
        self, fetcher: Fetcher, source: Source, task: _Task, start: str, report: CrawlReport
    ) -> list[_Task]:
        state = self._store.fetch_state(task.url)
        result = fetcher.get(
            task.url,
            etag=state.etag if state else None,
            last_modified=state.last_modified if state else None,
        )
        if isinstance(result, Disallowed):
            report.skipped.append(Skipped(task.url, "disallowed by robots.txt"))
            return []
        report.fetched += 1
        if isinstance(result, NotModified):
            self._store.seen(task.url)
            report.unchanged += 1
            return self._follow(state.links if state and task.expand else [], start)
        kind = media_type(result.content_type)
        if kind in XML_TYPES or kind.endswith("+xml"):
            return self._expand_xml(result, task, report)
        page = extract_fetched(result.content, result.url, result.content_type)
        if page is None:
            report.skipped.append(Skipped(task.url, f"unsupported content type {kind}"))
            return []
        if page.noindex:
            report.skipped.append(Skipped(task.url, "noindex"))
        else:
            self._save(source, page, result, task, report)
        return self._follow(page.links if task.expand else [], start)

    def _follow(self, links: list[str], start: str) -> list[_Task]:
        """Links under the start folder are crawled on; PDFs elsewhere on the host are fetched."""
        found = []
        for link in links:
            if in_scope(link, start):
                found.append(_Task(link, expand=True))
            elif origin(link) == origin(start) and link.lower().endswith(".pdf"):
                found.append(_Task(link, expand=False))
        return found

    def _expand_xml(self, result: Fetched, task: _Task, report: CrawlReport) -> list[_Task]:
        if is_sitemap(result.content):
            sitemap = parse_sitemap(result.content, result.url)
            return [_Task(normalize(u), expand=False) for u in sitemap.pages] + [
                _Task(normalize(u), expand=True) for u in sitemap.sitemaps
            ]
        if is_feed(result.content):
            return [
                _Task(
                    normalize(item.link),
                    expand=False,
                    hint=Page(item.link, item.title, item.summary, date=item.date),
                )
                for item in parse_feed(result.content, result.url)
            ]
        raise ParseError(task.url, "XML that is neither a sitemap nor a feed")

    def _save(
        self, source: Source, page: Page, fetched: Fetched, task: _Task, report: CrawlReport
    ) -> None:
        if task.hint is not None:
            page = replace(page, date=page.date or task.hint.date)
        lang = source.lang or page.lang or detect(page.text)
        doc = Document(
            url=page.url,
            title=page.title,
            text=page.text,
            lang=lang if lang in {"de", "en"} else detect(page.text),
            kind=source.kind,
            city=source.city,
            collection=source.collection,
            members_only=source.members_only,
            date=page.date,
            source=source.name,
        )
        state = self._store.fetch_state(doc.url)
        if state is None or state.content_hash != doc.content_hash:
            doc.mentions = self._extractor.extract(doc.text, doc.lang)
        outcome = self._store.upsert_document(
            doc, etag=fetched.etag, last_modified=fetched.last_modified, links=page.links
        )
        report.count(outcome.status)
        log.info("%s %s", outcome.status, doc.url)
