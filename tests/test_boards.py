from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crawler.boards import BoardError, fetcher_for, find_links, import_board
from crawler.page import Page
from kb.dates import PartialDate, parse_optional
from kb.entities import EntityExtractor
from kb.errors import DateError
from kb.language import Passage
from kb.model import Document, Mention
from kb.settings import Settings
from kb.store import Store
from tests.servers import Reply, Route, RouteServer, html

ROOT = Path(__file__).parent.parent
PDF = ROOT / "ops/demo/site/pufii/dateien/leitfaden-sicherheitsaudits.pdf"
COLLECTION = "Sicherheitsbefragung & Audits"


@pytest.fixture(scope="module")
def site() -> Iterator[RouteServer]:
    routes: dict[str, Route] = {
        "/audit-essen.html": Reply(
            body=html(
                "Sicherheitsaudit im Essener Nordviertel",
                "<p>Die Stadt Essen hat mit Bewohnerinnen und Bewohnern eine Begehung gemacht.</p>",
            )
        ),
        "/leitfaden.pdf": Reply(body=PDF.read_bytes(), headers={"Content-Type": "application/pdf"}),
    }
    with RouteServer(routes) as server:
        yield server


def _all(store: Store) -> list[Document]:
    return [doc for _, doc in store.documents_since(0)]


def _csv(site: RouteServer) -> bytes:
    rows = [
        "Titel;Inhalt;Link;Autor;Datum",
        f'Begehung in Essen;"Bericht über die Begehung, siehe {site.url}/audit-essen.html.'
        ' Grüße aus dem Ruhrgebiet";;Jürgen Müller;12.03.2024',
        f"Leitfaden Sicherheitsaudits;Kurzfassung des Leitfadens;{site.url}/leitfaden.pdf;"
        "Anna Rau;2024-03-14",
        ";;;Niemand;01.04.2024",
        "Termin;Treffen der Arbeitsgruppe;;Anna Rau;31.02.2024",
        f"Archiv;Ältere Fundstelle: {site.url}/gibt-es-nicht.html;;;",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("windows-1252")


def test_a_csv_export_is_imported_as_members_only_posts_with_their_links(
    tmp_path: Path, store: Store, extractor: EntityExtractor, settings: Settings, site: RouteServer
) -> None:
    export = tmp_path / "audits.csv"
    export.write_bytes(_csv(site))
    with fetcher_for(settings) as fetch:
        report = import_board(export, COLLECTION, store, extractor, fetch)
    # three posts and the two documents they link to
    assert (report.new, report.linked) == (5, 2)
    assert report.errors[0] == "row 4: neither title nor text"
    assert report.errors[1] == "row 5: unparseable date '31.02.2024'"
    assert report.errors[2].startswith(f"row 6: link {site.url}/gibt-es-nicht.html: HTTP 404")
    assert len(report.errors) == 3
    assert "row 4" in report.render() and "linked documents: 2" in report.render()

    docs = _all(store)
    assert all(d.members_only and d.collection == COLLECTION and d.kind == "post" for d in docs)
    begehung = next(d for d in docs if d.title == "Begehung in Essen")
    assert begehung.url.startswith("board://sicherheitsbefragung-audits/")
    assert begehung.text.endswith("Autor: Jürgen Müller") and "Grüße" in begehung.text
    assert begehung.date == date(2024, 3, 12)
    assert begehung.entity_names("PER") == ["Jürgen Müller"]
    page = store.document_by_url(f"{site.url}/audit-essen.html")
    assert page is not None and page.title == "Sicherheitsaudit im Essener Nordviertel"
    pdf = store.document_by_url(f"{site.url}/leitfaden.pdf")
    assert pdf is not None and "Sicherheitsaudit" in pdf.text and pdf.members_only
    # the post with the PDF attachment keeps its own address and points to the PDF
    leitfaden = next(d for d in docs if d.title == "Leitfaden Sicherheitsaudits")
    assert leitfaden.url.startswith("board://") and f"Link: {site.url}/leitfaden.pdf" in (
        leitfaden.text
    )

    with fetcher_for(settings) as fetch:
        again = import_board(export, COLLECTION, store, extractor, fetch)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 5)


def test_a_json_export_is_imported_and_an_edited_post_reports_changed(
    tmp_path: Path, store: Store, extractor: EntityExtractor, settings: Settings, site: RouteServer
) -> None:
    posts: list[Any] = [
        {
            "title": "Audit report",
            "body": f"The city and its residents walked the district: {site.url}/audit-essen.html",
            "url": "https://board.test/p/1",
            "author": "Anna Rau",
            "date": "2024-05-02T10:15:00Z",
        },
        {"title": "Guide", "body": f"PDF: {site.url}/leitfaden.pdf", "author": None, "date": ""},
        {"title": "Broken", "body": "", "date": "gestern"},
        ["not", "an", "object"],
    ]
    export = tmp_path / "board.json"
    export.write_text(json.dumps({"posts": posts}), "utf-8")
    with fetcher_for(settings) as fetch:
        report = import_board(export, COLLECTION, store, extractor, fetch)
    assert (report.new, report.linked) == (4, 2)
    assert report.errors == ["post 3: unparseable date 'gestern'", "post 4: not an object"]
    audit = store.document_by_url("https://board.test/p/1")
    assert audit is not None and audit.lang == "en" and audit.date == date(2024, 5, 2)
    assert audit.members_only and audit.collection == COLLECTION
    assert store.document_by_url(f"{site.url}/leitfaden.pdf") is not None

    posts[0]["body"] = "The district walk is documented."
    export.write_text(json.dumps(posts), "utf-8")  # a bare list is accepted as well
    again = import_board(export, COLLECTION, store, extractor)  # no fetch: links not followed
    assert (again.new, again.changed, again.unchanged, again.linked) == (0, 1, 1, 0)


def test_the_format_is_sniffed_and_english_comma_csv_with_bom_is_read(
    tmp_path: Path, store: Store, extractor: EntityExtractor
) -> None:
    export = tmp_path / "export.txt"
    export.write_text(
        '\ufefftitle,text,author,date\n"Safe nights","Night-time economy, lighting",Efus,'
        "2023-11-20\n",
        "utf-8",
    )
    report = import_board(export, "Nächtliches Feiern & Sicherheit in der Nacht", store, extractor)
    assert report.new == 1 and not report.errors
    (doc,) = _all(store)
    assert doc.url.startswith("board://naechtliches-feiern-sicherheit-in-der-nacht/")
    assert doc.text == "Night-time economy, lighting\n\nAutor: Efus"

    export.write_text('[{"titel": "Wie oben", "inhalt": "Neu als JSON"}]', "utf-8")
    assert import_board(export, "Mitarbeitersicherheit", store, extractor).new == 1


def test_an_export_without_title_or_text_columns_is_refused(
    tmp_path: Path, store: Store, extractor: EntityExtractor
) -> None:
    export = tmp_path / "x.csv"
    export.write_text("name;email\nA;a@b.test\n", "utf-8")
    with pytest.raises(BoardError, match="no title or text column"):
        import_board(export, COLLECTION, store, extractor)


@pytest.mark.parametrize("content", ["", "\n\n", "\ufeff"])
def test_an_empty_export_is_refused_as_empty(
    tmp_path: Path, store: Store, extractor: EntityExtractor, content: str
) -> None:
    export = tmp_path / "leer.csv"
    export.write_text(content, "utf-8")
    with pytest.raises(BoardError, match="the export is empty"):
        import_board(export, COLLECTION, store, extractor)


def test_a_failing_fetch_is_reported_with_its_reason(
    tmp_path: Path, store: Store, extractor: EntityExtractor
) -> None:
    def fetch(url: str) -> Page | None:
        return None

    export = tmp_path / "x.json"
    export.write_text('[{"title": "T", "text": "see https://gone.test/a."}]', "utf-8")
    report = import_board(export, COLLECTION, store, extractor, fetch)
    assert report.errors == ["post 1: link https://gone.test/a: no usable document"]


def test_dates_and_links() -> None:
    assert parse_optional("1.2.2024") == PartialDate(2024, 2, 1)
    assert parse_optional("2024-02-01 08:00:00 UTC") == PartialDate(2024, 2, 1)
    assert parse_optional("Februar 2024") == PartialDate(2024, 2)
    assert parse_optional(" ") is None
    with pytest.raises(DateError):
        parse_optional("Anfang 2024")
    assert find_links("(https://a.test/x), https://b.test/y.pdf.") == [
        "https://a.test/x",
        "https://b.test/y.pdf",
    ]


def test_with_the_board_site_a_link_elsewhere_is_an_attachment(
    tmp_path: Path, store: Store, extractor: EntityExtractor, settings: Settings, site: RouteServer
) -> None:
    posts = [
        {"title": "Permalink", "text": "Auf dem Board", "link": "https://board.test/p/7"},
        {"title": "Seite", "text": "Anderswo", "link": f"{site.url}/audit-essen.html"},
    ]
    export = tmp_path / "board.json"
    export.write_text(json.dumps(posts), "utf-8")
    with fetcher_for(settings) as fetch:
        report = import_board(
            export, COLLECTION, store, extractor, fetch, site="https://board.test/"
        )
    assert (report.new, report.linked, report.errors) == (3, 1, [])
    assert store.document_by_url("https://board.test/p/7") is not None
    page = store.document_by_url(f"{site.url}/audit-essen.html")
    assert page is not None and page.title.startswith("Sicherheitsaudit")


class Brittle(EntityExtractor):
    """Breaks on one word, as a library breaks on input it cannot take."""

    def extract(self, text: str, lang: str, parts: list[Passage] | None = None) -> list[Mention]:
        if "Sprengsatz" in text:
            raise ValueError("[E088] Text of length 1200000 exceeds maximum of 1000000.")
        return super().extract(text, lang, parts)


def test_a_post_or_link_the_extractor_cannot_take_fails_alone_and_long_links_are_cut(
    tmp_path: Path, store: Store, extractor: EntityExtractor, settings: Settings
) -> None:
    long_page = html("Langer Bericht", "".join(f"<p>Absatz {n} aus Essen.</p>" for n in range(300)))
    routes: dict[str, Route] = {
        "/robots.txt": Reply(200, b"", {"Content-Type": "text/plain"}),
        "/lang.html": Reply(body=long_page),
        "/kaputt.html": Reply(body=html("Kaputt", "<p>Ein Sprengsatz für jede Bibliothek.</p>")),
    }
    with RouteServer(routes) as server:
        posts = [
            {"title": "Gut", "text": f"Siehe {server.url}/lang.html und {server.url}/kaputt.html"},
            {"title": "Nicht gut", "text": "Ein Sprengsatz, den die Bibliothek nicht nimmt."},
            {"title": "Auch gut", "text": "Die Stadt Essen berichtet."},
        ]
        export = tmp_path / "board.json"
        export.write_text(json.dumps(posts), "utf-8")
        with fetcher_for(settings) as fetch:
            brittle = Brittle(*extractor.spec())
            report = import_board(export, COLLECTION, store, brittle, fetch, max_chars=2000)
    reason = (
        "entity extraction: ValueError: [E088] Text of length 1200000 exceeds maximum of 1000000."
    )
    assert report.errors == [
        f"post 2: {reason}",
        f"post 1: link {server.url}/kaputt.html: {reason}",
    ]
    assert (report.new, report.linked) == (3, 1)
    linked = store.document_by_url(f"{server.url}/lang.html")
    assert linked is not None and 1800 <= len(linked.text) <= 2000
    assert report.cut == [
        f"{server.url}/lang.html: text cut to {len(linked.text):,} of 6,804 characters"
    ]
