"""Golden-file tests of the extractor: each page under tests/pages has its expected output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.errors import ParseError
from crawler.extract import extract_html, extract_pdf

PAGES = Path(__file__).parent / "pages"
SITE = Path(__file__).parent.parent / "ops" / "demo" / "site"


def _golden(name: str, content_type: str | None = None) -> tuple[dict[str, object], object]:
    page = extract_html((PAGES / name).read_bytes(), f"https://site.test/p/{name}", content_type)
    actual = {
        "url": page.url,
        "title": page.title,
        "text": page.text,
        "date": page.date.isoformat() if page.date else None,
        "lang": page.lang,
        "links": page.links,
        "noindex": page.noindex,
    }
    expected = json.loads((PAGES / name).with_suffix(".json").read_text("utf-8"))
    return actual, expected


@pytest.mark.parametrize("name", ["artikel.html", "liste.html"])
def test_pages_match_their_golden_files(name: str) -> None:
    actual, expected = _golden(name)
    assert actual == expected


def test_old_latin1_pages_come_out_right() -> None:
    actual, expected = _golden("latin1.html", "text/html; charset=ISO-8859-1")
    assert actual == expected
    assert "„Sicherheit für alle“" in str(actual["text"])  # windows-1252 quotes


def test_pages_without_text_are_parse_errors() -> None:
    with pytest.raises(ParseError, match="no text"):
        extract_html(b"<html><body><nav>Menu</nav></body></html>", "https://site.test/leer")


def test_pdf_text_title_and_date_come_from_the_file() -> None:
    pdf = next((SITE / "pufii" / "dateien").glob("*.pdf"))
    page = extract_pdf(pdf.read_bytes(), "https://site.test/a.pdf")
    assert page.title and len(page.text.split()) > 100
    assert page.date is not None


def test_broken_pdfs_are_parse_errors() -> None:
    with pytest.raises(ParseError, match="PDF"):
        extract_pdf(b"%PDF-1.4\n1 0 obj garbage", "https://site.test/kaputt.pdf")
