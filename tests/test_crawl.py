from __future__ import annotations

import pytest

from crawler.crawl import Crawler, Step
from crawler.login import Credentials
from kb.entities import EntityExtractor
from kb.settings import Settings
from kb.store import Source, Store
from ops.demo import COLLECTION, SOURCE_COLLECTION, demo_sources
from ops.demo.server import DemoSite
from tests.servers import Reply, RouteServer, html

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _site(broken: bool) -> dict[str, Reply]:
    links = "".join(
        f"<a href='{p}'>{p}</a>"
        for p in ["gut.html", "kaputt.html", "fehlt.html", "bild.png", "defekt.pdf", "leer.html"]
    )
    gut = "<p>Die Stadt Essen stellt ihr Präventionskonzept vor.</p>" + (
        "" if broken else "<p>Ergänzt.</p>"
    )
    return {
        "/robots.txt": Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}),
        "/news/": Reply(200, html("Übersicht", links, extra_head=_NOINDEX)),
        "/news/gut.html": Reply(200, html("Gut", gut)),
        "/news/kaputt.html": Reply(200, b"\x00\xff\xfe" * 400 + b"\xfd" * 300),
        "/news/bild.png": Reply(200, PNG, {"Content-Type": "image/png"}),
        "/news/defekt.pdf": Reply(200, b"%PDF-1.4 zerbrochen", {"Content-Type": "application/pdf"}),
        "/news/leer.html": Reply(200, b"<html><body><nav>nur Menue</nav></body></html>"),
    }


_NOINDEX = "<meta name='robots' content='noindex, follow'>"


def test_broken_input_is_reported_and_the_run_goes_on(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    with RouteServer(_site(broken=False)) as server:
        first = Crawler(store, settings, extractor).run(
            [Source("essen", f"{server.url}/news/", "news")]
        )
        assert first.new == 1
        server.routes.update(_site(broken=True))
        unreachable = Source("weg", "http://127.0.0.1:9/news/", "news")
        report = Crawler(store, settings, extractor).run(
            [unreachable, Source("essen", f"{server.url}/news/", "news")]
        )
    reasons = {f.url.rsplit("/", 1)[-1]: f.reason for f in report.failed}
    assert "fehlt.html" in reasons and reasons["fehlt.html"] == "HTTP 404"
    assert "readable" in reasons["kaputt.html"]
    assert "PDF" in reasons["defekt.pdf"]
    assert "no text" in reasons["leer.html"]
    assert any(f.source == "weg" for f in report.failed)
    skipped = {s.url.rsplit("/", 1)[-1]: s.reason for s in report.skipped}
    assert skipped["bild.png"] == "unsupported content type image/png"
    assert report.changed == 1  # the good page still went through
    assert store.count_documents() == 1
    doc = store.document_by_url(f"{server.url}/news/gut.html")
    assert doc is not None and "Ergänzt" not in doc.text


def test_a_second_crawl_finds_everything_unchanged(
    demo_site: DemoSite, store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    sources = [s for s in demo_sources(demo_site.base_url) if not s.login_url]
    first = Crawler(store, settings, extractor).run(sources)
    steps: list[Step] = []
    second = Crawler(store, settings, extractor, progress=steps.append).run(sources)
    asked = [(step.source, step.url) for step in steps]
    assert first.new > 40 and first.failed == []
    assert (second.new, second.changed, second.unchanged) == (0, 0, first.new)
    # Progress is told of every request, once: the stored pages plus listings and feeds.
    assert len(asked) == len(set(asked)) == second.fetched
    assert {source for source, _ in asked} == {s.name for s in sources}
    # Each source's steps count up to what the source has, which the bar shows as its total.
    for source in sources:
        mine = [step for step in steps if step.source == source.name]
        assert [step.done for step in mine] == list(range(len(mine)))
        assert all(step.done < step.known for step in mine)


def test_sitemaps_and_feeds_lead_to_their_pages(
    demo_site: DemoSite, store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    sitemap = Source("sitemap", f"{demo_site.base_url}/sitemap.xml", "page")
    report = Crawler(store, settings, extractor).run([sitemap])
    assert report.failed == [] and report.new >= 25
    feed = [s for s in demo_sources(demo_site.base_url) if s.name == "essen-news"]
    report = Crawler(store, settings, extractor).run(feed)
    assert report.new >= 4
    assert all(d.date is not None for _, d in store.documents_since(0))


def test_robots_txt_keeps_the_crawler_out(
    demo_site: DemoSite, store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    source = Source("privat", f"{demo_site.base_url}/privat/entwurf.html", "page")
    report = Crawler(store, settings, extractor).run([source])
    assert [s.reason for s in report.skipped] == ["disallowed by robots.txt"]
    assert store.count_documents() == 0


@pytest.mark.parametrize(
    ("credentials", "stored"), [(Credentials("mitglied", "falsch"), 0), (None, 0)]
)
def test_a_collection_without_a_valid_login_fails_clearly(
    demo_site: DemoSite,
    store: Store,
    settings: Settings,
    extractor: EntityExtractor,
    credentials: Credentials | None,
    stored: int,
) -> None:
    source = next(s for s in demo_sources(demo_site.base_url) if s.name == SOURCE_COLLECTION)
    given = {SOURCE_COLLECTION: credentials} if credentials else {}
    report = Crawler(store, settings, extractor, given).run([source])
    assert len(report.failed) == 1 and "login" in report.failed[0].reason
    assert "falsch" not in report.render()
    assert store.count_documents() == stored


def test_collection_documents_are_members_only(
    demo_site: DemoSite, store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    from ops.demo import CREDENTIALS

    source = next(s for s in demo_sources(demo_site.base_url) if s.name == SOURCE_COLLECTION)
    report = Crawler(store, settings, extractor, {SOURCE_COLLECTION: CREDENTIALS}).run([source])
    assert report.failed == [] and report.new >= 5
    docs = [d for _, d in store.documents_since(0)]
    assert all(d.members_only and d.collection == COLLECTION for d in docs)


def test_a_page_that_disappears_leaves_the_index_after_three_crawls(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    from index.indexer import Index
    from index.search import SearchRequest, SearchService

    page = Reply(200, html("Leuchtturm", "<p>Das Leuchtturmprojekt in Essen startet.</p>"))
    routes = {
        "/robots.txt": Reply(200, b"", {"Content-Type": "text/plain"}),
        "/news/": Reply(200, html("Liste", "<a href='alt.html'>alt</a>", extra_head=_NOINDEX)),
        "/news/alt.html": page,
    }
    index = Index(settings.index_dir)
    search = SearchService(index, store)
    with RouteServer(routes) as server:
        source = Source("essen", f"{server.url}/news/", "news")
        Crawler(store, settings, extractor).run([source])
        index.sync(store)
        assert search.search(SearchRequest("Leuchtturmprojekt")).total == 1
        # The page goes, and so does the link to it: the crawler asks for it anyway.
        routes["/news/"] = Reply(200, html("Liste", "<p>leer</p>", extra_head=_NOINDEX))
        del routes["/news/alt.html"]
        reports = [Crawler(store, settings, extractor).run([source]) for _ in range(3)]
        index.sync(store)
    assert [len(r.gone) for r in reports] == [0, 0, 1]
    assert all("HTTP 404" in {f.reason for f in r.failed} for r in reports)
    assert search.search(SearchRequest("Leuchtturmprojekt")).total == 0
    doc = store.document_by_url(f"{server.url}/news/alt.html")
    assert doc is not None and doc.gone  # the store keeps it


def test_changed_documents_keep_their_history(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    routes = {"/a.html": Reply(200, html("Erste Fassung", "<p>Alter Text über Prävention.</p>"))}
    with RouteServer(routes) as server:
        source = Source("a", f"{server.url}/a.html", "page")
        Crawler(store, settings, extractor).run([source])
        routes["/a.html"] = Reply(200, html("Zweite Fassung", "<p>Neuer Text.</p>"))
        report = Crawler(store, settings, extractor).run([source])
    assert report.changed == 1 and report.duration > 0
    doc = store.document_by_url(f"{server.url}/a.html")
    assert doc is not None and doc.title == "Zweite Fassung"
    [(_, title, text)] = store.versions(doc.id or 0)
    assert title == "Erste Fassung" and "Alter Text" in text
