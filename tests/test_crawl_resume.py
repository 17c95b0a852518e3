"""A crawl that breaks off or is killed resumes without fetching a finished page again."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from crawler.crawl import Crawler, Step
from index.indexer import Index
from kb.entities import EntityExtractor
from kb.settings import Settings
from kb.store import Source, Store
from tests.appserver import KB
from tests.factories import make_settings
from tests.servers import Reply, Route, RouteServer, html

PAGES = 30
NOINDEX = "<meta name='robots' content='noindex, follow'>"


def _site(pages: int, pause: float = 0.0) -> tuple[dict[str, Route], threading.Event]:
    """A listing of ``pages`` news pages; the event is set once a third of them was asked."""
    third = threading.Event()
    asked: list[int] = []

    def page(number: int) -> Route:
        def answer(_: BaseHTTPRequestHandler) -> Reply:
            asked.append(number)
            if len(asked) >= pages // 3:
                third.set()
            time.sleep(pause)
            text = f"<p>Meldung {number}: Die Stadt Essen berichtet über Projekt {number}.</p>"
            return Reply(200, html(f"Meldung {number}", text))

        return answer

    links = "".join(f"<a href='m{n}.html'>Meldung {n}</a>" for n in range(pages))
    routes: dict[str, Route] = {
        "/robots.txt": Reply(200, b"", {"Content-Type": "text/plain"}),
        "/news/": Reply(200, html("Übersicht", links, extra_head=NOINDEX)),
    }
    routes.update({f"/news/m{n}.html": page(n) for n in range(pages)})
    return routes, third


def test_a_crawl_that_broke_off_resumes_where_it_stopped(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    routes, _ = _site(PAGES)
    asked: list[str] = []

    def stop_at_twelve(step: Step) -> None:
        asked.append(step.url)
        if len(asked) == 12:
            raise KeyboardInterrupt

    with RouteServer(routes) as server:
        source = Source("essen", f"{server.url}/news/", "news")
        with pytest.raises(KeyboardInterrupt):
            Crawler(store, settings, extractor, progress=stop_at_twelve).run([source])
        [broken] = store.crawl_runs()
        assert broken.state == "broken off" and broken.report and broken.report["new"] == 10
        report = Crawler(store, settings, extractor).run([source])
    server.hits.pop("/robots.txt")  # asked once per run, as a fresh client must
    assert len(server.hits) == PAGES + 1 and set(server.hits.values()) == {1}
    assert report.new == PAGES and report.fetched == PAGES + 1
    [run] = store.crawl_runs()  # the same run, finished
    assert run.id == broken.id and run.state == "finished"
    assert run.report is not None and run.report["new"] == PAGES


def _add_source(settings: Settings, url: str) -> None:
    """As ``kb source add`` does (its own test is the command line's)."""
    store = Store.open(settings.db_path)
    try:
        store.add_source(Source("essen", url, "news"))
    finally:
        store.close()


def test_a_killed_crawl_resumes_without_refetching_and_indexes_what_it_stored(
    tmp_path: Path,
) -> None:
    """One killed and resumed ``kb crawl``: each of its processes loads the pipeline anew."""
    routes, third = _site(PAGES, pause=0.05)
    gate, waiting = threading.Event(), threading.Event()
    gate.set()

    def held(route: Route) -> Route:
        def answer(handler: BaseHTTPRequestHandler) -> Reply:
            waiting.set()
            gate.wait(timeout=60)
            return route(handler) if callable(route) else route

        return answer

    routes.update({p: held(r) for p, r in routes.items() if p.startswith("/news/m")})
    settings = make_settings(tmp_path)
    env = {**os.environ, "KB_DATA_DIR": str(settings.data_dir), "KB_CRAWL_DELAY": "0"}
    with RouteServer(routes) as server:
        _add_source(settings, f"{server.url}/news/")
        crawl = subprocess.Popen([KB, "crawl"], env=env, stdout=subprocess.DEVNULL)
        try:
            assert third.wait(timeout=120), "the crawl did not get going"
        finally:
            crawl.send_signal(signal.SIGKILL)
            crawl.wait(timeout=30)
        store = Store.open(settings.db_path)
        try:
            [killed] = store.crawl_runs()
            before = set(store.source_urls("essen"))
            stored, seq, hits_before = len(before), store.seq, dict(server.hits)
            gate.clear()  # the resumed crawl waits at its first page
            waiting.clear()
            resumed = subprocess.Popen([KB, "crawl"], env=env, stdout=subprocess.DEVNULL)
            try:
                assert waiting.wait(timeout=120), "the resumed crawl asked for no page"
                indexed_meanwhile = Index(settings.index_dir).synced_seq
                time.sleep(1.0)
            finally:
                gate.set()
            assert resumed.wait(timeout=120) == 0
            [run] = store.crawl_runs()
            after = set(store.source_urls("essen"))
        finally:
            store.close()
    finished = {u.removeprefix(server.url) for u in before}
    # What was stored before the kill is not asked again; at most the page in flight is.
    assert all(server.hits[path] == 1 for path in finished)
    assert server.hits["/news/"] == 1
    asked_twice = [p for p, n in server.hits.items() if n > 1 and p != "/robots.txt"]
    assert len(asked_twice) <= 1 and set(asked_twice).isdisjoint(finished)
    assert len(after) == PAGES and len(hits_before) < len(server.hits)
    assert 0 < stored < PAGES and indexed_meanwhile >= seq  # searchable before the run goes on
    assert killed.report is not None and killed.report["duration"] >= 0.4
    assert run.id == killed.id and run.state == "finished" and run.report is not None
    assert killed.state == "broken off" and run.report["new"] == PAGES
    assert run.report["duration"] >= killed.report["duration"] + 1.0


def test_a_crawl_running_elsewhere_is_left_alone_and_older_broken_runs_are_closed(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    routes, _ = _site(3)
    older = store.start_run(pid=None)  # broke off long ago
    broken = store.start_run(pid=None)
    running = store.start_run(pid=os.getppid())  # a live process: not ours to take
    with RouteServer(routes) as server:
        report = Crawler(store, settings, extractor).run(
            [Source("essen", f"{server.url}/news/", "news")]
        )
    states = {run.id: run.state for run in store.crawl_runs()}
    assert states == {older: "finished", broken: "finished", running: "running"}
    assert report.new == 3
