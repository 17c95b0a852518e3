"""A real-looking site crawled over loopback: every page keeps its language, its date at the
precision it gives, and its city (the one it is about, not every one it mentions)."""

from __future__ import annotations

from fpdf import FPDF

from crawler.crawl import Crawler
from kb.entities import EntityExtractor
from kb.settings import Settings
from kb.store import Source, Store
from tests.servers import Reply, RouteServer, html

XML = {"Content-Type": "application/xml"}

# The CMS template declares German on every page, the English ones included.
PAGES: dict[str, tuple[str, str, str]] = {
    "/en/audit.html": (
        "Safety audit of the station district",
        "<p><time datetime='2017-08'>August 2017</time></p><p>The city and the police walked "
        "through the district with residents, who marked the places where they feel unsafe. "
        "The audit is the basis of the new lighting plan.</p>",
        "",
    ),
    "/en/nightlife.html": (
        "Managing the night-time economy",
        "<p>This guide describes how cities can work with club owners and residents, and what "
        "a night mayor does for them.</p>",
        "<meta property='article:published_time' content='2016'>",
    ),
    "/en/undated.html": (
        "Lighting and safety",
        "<p>Better lighting is one of the measures that residents ask for most often, and it is "
        "one of the cheapest for a city.</p>",
        "",
    ),
    "/de/bericht.html": (
        "Jahresbericht Kommunale Prävention",
        "<p>Der Präventionsrat hat im vergangenen Jahr sechs Projekte begleitet und die "
        "Zusammenarbeit mit den Schulen ausgebaut.</p>",
        '<script type=\'application/ld+json\'>{"@context": "https://schema.org", "@graph": '
        '[{"@type": "WebPage"}, {"@type": "Article", "datePublished": "2018-03"}]}'
        "</script>",
    ),
    "/de/maerz.html": (
        "Sicherheitsgefühl in der Innenstadt",
        "<p>März 2017</p><p>Die Befragung zeigt, dass sich die meisten Menschen in der "
        "Innenstadt am Tag sicher fühlen, nachts aber deutlich weniger.</p>",
        "",
    ),
    "/news/frankfurt.html": (
        "Frankfurt wählt eine Nachtbürgermeisterin",
        "<p>Die Stadt setzt damit auf Vermittlung zwischen Clubs und Anwohnern.</p><p>Ein "
        "ähnliches Modell gibt es bereits in Mannheim, das seit Jahren gute Erfahrungen "
        "macht.</p>",
        "",
    ),
    "/news/hannover.html": (
        "Sicherheitsbericht vorgestellt",
        "<p>Hannover, 12. Mai 2025 – Die Landeshauptstadt hat ihren Sicherheitsbericht "
        "vorgestellt.</p><p>Zum Vergleich zieht der Bericht die Zahlen aus Düsseldorf, Essen "
        "und Köln heran.</p>",
        "",
    ),
}


def _site(base: str) -> dict[str, Reply]:
    entries = "".join(
        f"<url><loc>{base}{path}</loc>"
        + ("<lastmod>2019-05</lastmod>" if path == "/en/undated.html" else "")
        + "</url>"
        for path in PAGES
    )
    routes: dict[str, Reply] = {
        "/robots.txt": Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}),
        "/sitemap.xml": Reply(
            200,
            f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"{entries}</urlset>".encode(),
            XML,
        ),
    }
    for path, (title, body, head) in PAGES.items():
        routes[path] = Reply(200, html(title, body, lang="de", extra_head=head))
    return routes


def test_pages_keep_language_date_and_city(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    with RouteServer({}) as server:
        server.routes.update(_site(server.url))
        report = Crawler(store, settings, extractor).run(
            [Source("portal", f"{server.url}/sitemap.xml", "news")]
        )
        assert (report.new, report.failed) == (len(PAGES), [])
        found = {}
        for path in PAGES:
            doc = store.document_by_url(server.url + path)
            assert doc is not None, path
            published = doc.published.isoformat() if doc.published else None
            found[path] = (doc.lang, published, doc.city)
    assert found == {
        "/en/audit.html": ("en", "2017-08", None),
        "/en/nightlife.html": ("en", "2016", None),
        "/en/undated.html": ("en", "2019-05", None),  # the sitemap's lastmod
        "/de/bericht.html": ("de", "2018-03", None),
        "/de/maerz.html": ("de", "2017-03", None),
        "/news/frankfurt.html": ("de", None, "Frankfurt am Main"),
        "/news/hannover.html": ("de", "2025-05-12", "Hannover"),
    }


def test_a_sources_city_and_language_still_come_first_where_the_text_is_silent(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    routes = {
        "/robots.txt": Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}),
        "/presse/": Reply(200, html("Presse", "<a href='kurz.html'>Kurz</a><p>Übersicht</p>")),
        "/presse/kurz.html": Reply(200, html("Köln: Termine 2025", "<p>Termine 2025</p>")),
    }
    with RouteServer(routes) as server:
        Crawler(store, settings, extractor).run(
            [Source("essen", f"{server.url}/presse/", "news", city="Essen", lang="en")]
        )
        doc = store.document_by_url(f"{server.url}/presse/kurz.html")
    assert doc is not None and (doc.city, doc.lang) == ("Essen", "en")


REPORT = (
    "Die Stadt hat im vergangenen Jahr an zwölf Orten Sicherheitsbegehungen mit Anwohnerinnen "
    "und Anwohnern durchgeführt. An den meisten Orten wünschten sich die Beteiligten mehr Licht, "
    "freie Sichtachsen und eine bessere Pflege der Grünflächen. Der Bericht beschreibt die "
    "Methode, die Ergebnisse je Ort und die Maßnahmen, die der Präventionsrat daraus abgeleitet "
    "hat. Die meisten Maßnahmen sind bereits umgesetzt, andere folgen im kommenden Haushaltsjahr."
)


def _pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, "Stadt Beispiel - Präventionsrat\n\n" + text + "\n\nSeite 1 von 1")
    return bytes(pdf.output())


def test_a_page_and_its_pdf_are_one_result(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    routes = {
        "/robots.txt": Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}),
        "/berichte/": Reply(200, html("Berichte", "<a href='begehungen.html'>Begehungen</a>")),
        "/berichte/begehungen.html": Reply(
            200,
            html("Bericht Sicherheitsbegehungen", f"<p>{REPORT}</p><a href='bericht.pdf'>PDF</a>"),
        ),
        "/berichte/bericht.pdf": Reply(200, _pdf(REPORT), {"Content-Type": "application/pdf"}),
    }
    with RouteServer(routes) as server:
        report = Crawler(store, settings, extractor).run(
            [Source("berichte", f"{server.url}/berichte/", "publication")]
        )
        page = store.document_by_url(f"{server.url}/berichte/begehungen.html")
        assert store.document_by_url(f"{server.url}/berichte/bericht.pdf") is None
    assert page is not None and page.attachments == [f"{server.url}/berichte/bericht.pdf"]
    assert [s.reason for s in report.skipped if s.url.endswith(".pdf")] == [
        f"same text as {page.url}"
    ]
