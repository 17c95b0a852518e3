"""Source types through a whole crawl: a sitemap index, an Atom feed, a PDF, and a server that
asks the crawler to slow down."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from crawler.crawl import Crawler
from kb.entities import EntityExtractor
from kb.settings import Settings
from kb.store import Source, Store
from tests.servers import Reply, Route, RouteServer, html

PDF = Path(__file__).parent.parent / "ops" / "demo" / "site" / "pufii" / "dateien"
XML = {"Content-Type": "application/xml"}


def _news(title: str, text: str) -> Reply:
    return Reply(200, html(title, f"<p>{text}</p>"))


def test_a_sitemap_index_leads_through_its_sitemaps_to_the_pages(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    def urlset(*paths: str) -> bytes:
        urls = "".join(f"<url><loc>{{base}}{p}</loc></url>" for p in paths)
        return (
            f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>".encode()
        )

    routes: dict[str, Route] = {
        "/robots.txt": Reply(200, b"Sitemap: /sitemap-index.xml\n", {"Content-Type": "text/plain"}),
        "/a.html": _news("Quartiersstreife", "Die Quartiersstreife in Karlsruhe zieht Bilanz."),
        "/b.html": _news("Nachtcafé", "Das Nachtcafé in Freiburg öffnet im Winter früher."),
        "/c.html": _news("Stadtteilbüro", "Das Stadtteilbüro in Göttingen berät zu Konflikten."),
    }
    with RouteServer(routes) as server:
        base = server.url
        index = (
            "<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"<sitemap><loc>{base}/sitemap-1.xml</loc></sitemap>"
            f"<sitemap><loc>{base}/sitemap-2.xml</loc></sitemap></sitemapindex>"
        )
        routes["/sitemap-index.xml"] = Reply(200, index.encode(), XML)
        routes["/sitemap-1.xml"] = Reply(
            200, urlset("/a.html", "/b.html").replace(b"{base}", base.encode()), XML
        )
        routes["/sitemap-2.xml"] = Reply(
            200, urlset("/c.html").replace(b"{base}", base.encode()), XML
        )
        report = Crawler(store, settings, extractor).run(
            [Source("karte", f"{base}/sitemap-index.xml", "news")]
        )
    assert report.failed == [] and report.new == 3 and report.fetched == 6
    assert {d.title for _, d in store.documents_since(0)} == {
        "Quartiersstreife",
        "Nachtcafé",
        "Stadtteilbüro",
    }


def test_an_atom_feed_gives_its_entries_with_their_dates(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    routes: dict[str, Route] = {
        "/robots.txt": Reply(200, b"", {"Content-Type": "text/plain"}),
        # The pages themselves carry no date: it comes from the feed.
        "/n/1.html": _news("Sicherheitsforum", "Das Sicherheitsforum in Nürnberg tagt öffentlich."),
        "/n/2.html": _news("Präventionspreis", "Augsburg verleiht den Präventionspreis."),
    }
    with RouteServer(routes) as server:
        entries = "".join(
            f"<entry><title>{t}</title><link href='{server.url}/n/{n}.html'/>"
            f"<id>urn:n:{n}</id><updated>{d}T09:00:00Z</updated><summary>{t}</summary></entry>"
            for n, t, d in [(1, "Sicherheitsforum", "2025-03-04"), (2, "Preis", "2025-04-01")]
        )
        atom = (
            "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>Meldungen</title><id>urn:n</id><updated>2025-04-01T09:00:00Z</updated>"
            f"{entries}</feed>"
        )
        routes["/n/atom.xml"] = Reply(200, atom.encode(), {"Content-Type": "application/atom+xml"})
        report = Crawler(store, settings, extractor).run(
            [Source("n", f"{server.url}/n/atom.xml", "news", city="Nürnberg")]
        )
        doc = store.document_by_url(f"{server.url}/n/1.html")
    assert report.failed == [] and report.new == 2
    assert doc is not None and doc.date == date(2025, 3, 4) and doc.city == "Nürnberg"


def test_a_pdf_source_is_read_with_its_title_and_date(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    pdf = next(PDF.glob("*.pdf")).read_bytes()
    routes: dict[str, Route] = {
        "/robots.txt": Reply(200, b"", {"Content-Type": "text/plain"}),
        "/dateien/leitfaden.pdf": Reply(200, pdf, {"Content-Type": "application/pdf"}),
    }
    with RouteServer(routes) as server:
        report = Crawler(store, settings, extractor).run(
            [Source("leitfaden", f"{server.url}/dateien/leitfaden.pdf", "publication")]
        )
        doc = store.document_by_url(f"{server.url}/dateien/leitfaden.pdf")
    assert report.new == 1 and doc is not None
    assert doc.title and doc.date is not None and len(doc.text.split()) > 100


def test_a_crawl_waits_as_long_as_a_429_answer_asks(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    answers = [
        Reply(429, b"langsam", {"Retry-After": "1"}),
        _news("Ordnungsdienst", "Der Kommunale Ordnungsdienst in Essen wird verstärkt."),
    ]
    routes: dict[str, Route] = {
        "/robots.txt": Reply(200, b"", {"Content-Type": "text/plain"}),
        "/a.html": lambda _: answers.pop(0),
    }
    with RouteServer(routes) as server:
        began = time.monotonic()
        report = Crawler(store, settings, extractor).run(
            [Source("a", f"{server.url}/a.html", "news")]
        )
        waited = time.monotonic() - began
    assert report.new == 1 and report.failed == [] and server.hits["/a.html"] == 2
    assert waited >= 1.0
