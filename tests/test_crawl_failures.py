"""Pages that cannot be read never end a crawl, are not fetched forever, and long texts are cut
at the stored-text limit with a note in the report (issue 17, point 1)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fpdf import FPDF

from crawler.crawl import Crawler
from index.indexer import Index
from index.search import SearchRequest, SearchService
from kb.crawl_state import CrawlState, Task
from kb.entities import EntityExtractor
from kb.language import Passage
from kb.model import Mention
from kb.settings import Settings
from kb.store import Source, Store
from tests.factories import long_paragraphs, make_settings
from tests.servers import Reply, Route, RouteServer, html

NOINDEX = "<meta name='robots' content='noindex, follow'>"
ROBOTS = Reply(200, b"", {"Content-Type": "text/plain"})


class Brittle(EntityExtractor):
    """Breaks on one word, as a library breaks on input it cannot take."""

    def extract(self, text: str, lang: str, parts: list[Passage] | None = None) -> list[Mention]:
        if "Sprengsatz" in text:
            raise ValueError("[E088] Text of length 1200000 exceeds maximum of 1000000.\nMore")
        return super().extract(text, lang, parts)


def _news(pages: dict[str, str]) -> dict[str, Route]:
    links = "".join(f"<a href='{name}'>{name}</a>" for name in pages)
    routes: dict[str, Route] = {
        "/robots.txt": ROBOTS,
        "/news/": Reply(200, html("Übersicht", links, extra_head=NOINDEX)),
        "/andere/": Reply(200, html("Andere Quelle", "<p>Die Stadt Bochum berichtet.</p>")),
    }
    routes |= {
        f"/news/{name}": Reply(200, html(name, f"<p>{text}</p>")) for name, text in pages.items()
    }
    return routes


def test_a_page_that_breaks_reading_fails_alone_and_is_given_up_after_three_crawls(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    brittle = Brittle(*extractor.spec())
    pages = {
        "a.html": "Die Stadt Essen eröffnet ein Präventionsbüro.",
        "kaputt.html": "Ein Sprengsatz für jede Bibliothek.",
        "c.html": "Die Stadt Mannheim zieht Bilanz.",
    }
    with RouteServer(_news(pages)) as server:
        sources = [
            Source("essen", f"{server.url}/news/", "news"),
            Source("bochum", f"{server.url}/andere/", "news"),
        ]
        reports = [Crawler(store, settings, brittle).run(sources) for _ in range(3)]
        fetched_thrice = server.hits["/news/kaputt.html"]
        fourth = Crawler(store, settings, brittle).run(sources)
        fetched_after = server.hits["/news/kaputt.html"]
        # A month later it is tried again, in case the site (or this code) was fixed.
        store.connection.execute(
            "UPDATE page_failures SET at=?",
            ((datetime.now(UTC) - timedelta(days=31)).isoformat(timespec="seconds"),),
        )
        Crawler(store, settings, brittle).run(sources)
        fetched_later = server.hits["/news/kaputt.html"]
    first = reports[0]
    assert (first.new, first.fetched) == (3, 5)  # the other pages and the next source too
    [failed] = first.failed
    assert failed.url.endswith("/news/kaputt.html") and failed.source == "essen"
    assert failed.reason == "ValueError: [E088] Text of length 1200000 exceeds maximum of 1000000."
    assert [r.failed for r in reports[1:]] == [[failed], [failed]]
    assert [run.state for run in store.crawl_runs()] == ["finished"] * 5
    assert (fetched_thrice, fetched_after, fetched_later) == (3, 3, 4)
    assert fourth.failed == []
    [skipped] = [s for s in fourth.skipped if s.url == failed.url]
    assert skipped.reason.startswith(f"failed on 3 crawls: {failed.reason}; tried again from 20")
    assert store.document_by_url(failed.url) is None
    assert store.count_documents() == 3


def test_a_page_the_crawl_died_reading_twice_is_not_read_a_third_time(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    pages = {name: f"Die Stadt Essen meldet {name}." for name in ("a.html", "tod.html", "c.html")}
    with RouteServer(_news(pages)) as server:
        start = f"{server.url}/news/"
        # What two killed crawls leave: the listing done, the page they died on attempted twice.
        state = CrawlState(store)
        run_id = state.start()
        state.enqueue(run_id, "essen", [Task(start, expand=True)])
        found = [Task(start + name, expand=True) for name in pages]
        state.done(run_id, "essen", start, found, {})
        for _ in range(2):
            state.attempt(run_id, "essen", start + "tod.html")
        state.break_off(run_id, {})
        report = Crawler(store, settings, extractor).run([Source("essen", start, "news")])
    assert "/news/tod.html" not in server.hits
    assert report.new == 2
    [failed] = report.failed
    assert failed.url == start + "tod.html"
    assert failed.reason == "the crawl stopped 2 times while reading it"
    [run] = store.crawl_runs()
    assert run.id == run_id and run.state == "finished"


def test_a_text_over_the_limit_is_cut_and_the_report_says_so(
    store: Store, tmp_path: object, extractor: EntityExtractor
) -> None:
    settings = make_settings(tmp_path, max_text_chars=5000)
    paragraphs = [
        f"Absatz {n}: Die Stadt Essen stärkt die Prävention im Quartier." for n in range(400)
    ]
    routes: dict[str, Route] = {
        "/robots.txt": ROBOTS,
        "/lang.html": Reply(200, html("Lang", "".join(f"<p>{p}</p>" for p in paragraphs))),
    }
    with RouteServer(routes) as server:
        url = f"{server.url}/lang.html"
        report = Crawler(store, settings, extractor).run([Source("lang", url, "page")])
    doc = store.document_by_url(url)
    assert doc is not None and 4500 <= len(doc.text) <= 5000
    assert doc.text.endswith("im Quartier.")  # cut after a paragraph
    [cut] = report.cut
    assert cut.url == url and cut.chars > 20_000 and cut.kept == len(doc.text)
    assert cut.reason == f"text cut to {len(doc.text):,} of {cut.chars:,} characters"
    [run] = store.crawl_runs()
    assert run.report is not None and run.report["cut"] == [
        {"url": url, "chars": cut.chars, "kept": cut.kept}
    ]
    assert f"  - {url}: {cut.reason}" in report.render()


def _long_pdf() -> bytes:
    """108 pages with about 11,500 characters each, places on the first, middle, last page."""
    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=8)
    pdf.set_margins(6, 6)
    pdf.set_font("Helvetica", size=5)
    line = "Kommunale Kriminalpraevention verbindet Verwaltung, Jugendhilfe und Polizei. " * 4
    places = {0: "Ein Gutachten aus Essen.", 54: "Ein Kapitel aus Dortmund."}
    places[107] = "Zum Abschlussgutachten aus Mannheim."
    for number in range(108):
        pdf.add_page()
        if number in places:
            pdf.cell(0, 3.7, places[number], new_x="LMARGIN", new_y="NEXT")
        for _ in range(38):
            pdf.cell(0, 3.7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_a_long_page_and_a_108_page_pdf_are_crawled_searchable_with_all_their_entities(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    page = html("Langer Bericht", "".join(f"<p>{p}</p>" for p in long_paragraphs()))
    pdf = _long_pdf()
    routes: dict[str, Route] = {
        "/robots.txt": ROBOTS,
        "/berichte/": Reply(
            200,
            html(
                "Berichte",
                "<a href='lang.html'>l</a><a href='gutachten.pdf'>g</a>",
                extra_head=NOINDEX,
            ),
        ),
        "/berichte/lang.html": Reply(200, page),
        "/berichte/gutachten.pdf": Reply(200, pdf, {"Content-Type": "application/pdf"}),
    }
    with RouteServer(routes) as server:
        report = Crawler(store, settings, extractor).run(
            [Source("berichte", f"{server.url}/berichte/", "publication")]
        )
    assert report.failed == [] and report.new == 2
    index = Index(settings.index_dir)
    index.sync(store)
    search = SearchService(index, store)
    try:
        for url, last_words in (
            ("lang.html", "Schlusswort"),
            ("gutachten.pdf", "Abschlussgutachten"),
        ):
            doc = store.document_by_url(f"{server.url}/berichte/{url}")
            assert doc is not None and len(doc.text) > 1_200_000
            assert {"Essen", "Dortmund", "Mannheim"} <= set(doc.entity_names("LOC")), url
            hits = search.search(SearchRequest(last_words)).hits
            assert [hit.url for hit in hits] == [doc.url]
    finally:
        search.close()
    assert json.dumps(report.as_dict())  # the report stays storable
