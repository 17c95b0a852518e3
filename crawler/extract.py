"""Turning fetched bytes into a page: main text, title, date, language, canonical URL, links.

>>> page = extract_html(b"<html lang='de'><title>A – Pufii</title><main><p>Text</p></main>",
...                     "http://x.test/a")
>>> page.title, page.text
('A', 'Text')
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from crawler import rules
from crawler.errors import ParseError
from crawler.page import Page
from crawler.urls import normalize, origin
from kb.dates import PartialDate, first_written_date
from kb.errors import DateError

VISIBLE_DATE_CHARS = 600  # a date line is near the top; later dates are what the text is about
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")


def _charset(content_type: str | None) -> str | None:
    match = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    if not match:
        return None
    charset = match.group(1).lower()
    # Browsers read Latin-1 as windows-1252 (typographic quotes of old German pages), so do we.
    return "windows-1252" if charset in {"iso-8859-1", "latin-1", "latin1"} else charset


def extract_html(content: bytes, url: str, content_type: str | None = None) -> Page:
    """Main text and metadata of an HTML page; ``ParseError`` when it holds no readable text."""
    soup = BeautifulSoup(content, "lxml", from_encoding=_charset(content_type))
    if soup.html is None:
        raise ParseError(url, "not an HTML document")
    robots = _meta(soup, "robots").lower()
    base = url
    canonical_tag = soup.find("link", rel="canonical")
    canonical = (
        normalize(str(canonical_tag["href"]), url)
        if isinstance(canonical_tag, Tag) and canonical_tag.get("href")
        else url
    )
    links = []
    if "nofollow" not in robots:
        for a in soup.find_all("a", href=True):
            href = str(a["href"])
            if "nofollow" in (a.get("rel") or []) or href.startswith(("mailto:", "javascript:")):
                continue
            links.append(normalize(href, base))
    html_lang = str(soup.html.get("lang") or "")[:2].lower() or None
    published = _date(soup)
    title = _title(soup)
    for tag in soup.find_all(rules.BOILERPLATE_TAGS):
        tag.decompose()
    for selector in rules.BOILERPLATE_SELECTORS:
        for tag in soup.select(selector):
            tag.decompose()
    content_root = next((t for s in rules.CONTENT_SELECTORS for t in soup.select(s)), None)
    text = _text(content_root or soup.body or soup)
    if not text:
        raise ParseError(url, "the page holds no text")
    if text.count("\ufffd") > max(10, len(text) // 50):
        raise ParseError(url, "the page is not readable text (wrong encoding or binary)")
    return Page(
        url=canonical,
        title=title or text.split("\n", 1)[0][:120],
        text=text,
        date=published or first_written_date(text[:VISIBLE_DATE_CHARS]),
        lang=html_lang,
        links=links,
        noindex="noindex" in robots,
        nofollow="nofollow" in robots,
    )


def _meta(soup: BeautifulSoup, name: str) -> str:
    for attr in ("name", "property"):
        tag = soup.find("meta", attrs={attr: re.compile(f"^{re.escape(name)}$", re.I)})
        if isinstance(tag, Tag) and tag.get("content"):
            return str(tag["content"]).strip()
    return ""


def _title(soup: BeautifulSoup) -> str:
    h1 = soup.select_one("main h1") or soup.select_one("article h1") or soup.find("h1")
    if h1 is not None and h1.get_text(strip=True):
        return _SPACES.sub(" ", h1.get_text(" ", strip=True))
    title = _meta(soup, "og:title") or (soup.title.get_text(strip=True) if soup.title else "")
    return rules.TITLE_SEPARATORS.split(title, maxsplit=1)[0].strip()


def _date(soup: BeautifulSoup) -> PartialDate | None:
    """The publication date the markup gives: meta tags, JSON-LD, then ``<time>``."""
    candidates = [
        *(_meta(soup, name) for name in rules.DATE_META),
        *_json_ld_dates(soup),
        *(str(tag["datetime"]) for tag in soup.find_all("time", datetime=True)),
    ]
    for value in candidates:
        if not value.strip():
            continue
        try:
            return PartialDate.parse(value)
        except DateError:
            continue  # a value in no date form: the next candidate may have one
    return None


def _json_ld_dates(soup: BeautifulSoup) -> Iterator[str]:
    """``datePublished`` (then ``dateCreated``) of the JSON-LD objects of a page."""
    objects: list[Any] = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.get_text())
        except json.JSONDecodeError:
            continue  # a broken block of metadata does not make the page unreadable
        objects.extend(data if isinstance(data, list) else [data])
    for obj in list(objects):
        if isinstance(obj, dict) and isinstance(obj.get("@graph"), list):
            objects.extend(obj["@graph"])
    for key in rules.JSON_LD_DATES:
        for obj in objects:
            if isinstance(obj, dict) and isinstance(obj.get(key), str):
                yield obj[key]


def _text(root: Tag | BeautifulSoup) -> str:
    """Visible text with one blank line between blocks, so paragraphs survive for passages."""
    for block in root.find_all(rules.BLOCK_TAGS):
        block.insert_before(NavigableString("\n\n"))
        block.insert_after(NavigableString("\n\n"))
    raw = root.get_text()
    lines = (_SPACES.sub(" ", line).strip() for line in raw.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def extract_pdf(content: bytes, url: str) -> Page:
    """Text, title and date of a PDF: metadata first, else the first line of the first page."""
    try:
        reader = PdfReader(io.BytesIO(content))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ParseError(url, f"unreadable PDF: {exc}") from exc
    text = "\n\n".join(_SPACES.sub(" ", p).strip() for p in pages if p.strip())
    if not text:
        raise ParseError(url, "the PDF holds no extractable text (scanned?)")
    title = (meta.title or "").strip() if meta else ""
    created: datetime | None = None
    if meta is not None:
        try:
            created = meta.creation_date
        except ValueError:
            created = None
    return Page(
        url=url,
        title=title or text.split("\n", 1)[0][:120],
        text=text,
        date=(
            PartialDate.of(created.date())
            if created
            else first_written_date(text[:VISIBLE_DATE_CHARS])
        ),
    )


HTML_TYPES = ("text/html", "application/xhtml+xml")


def media_type(content_type: str) -> str:
    """``text/html; charset=utf-8`` → ``text/html``."""
    return content_type.split(";")[0].strip().lower()


def extract_fetched(content: bytes, url: str, content_type: str) -> Page | None:
    """The page of a fetched PDF or HTML resource, None for any other type.

    A canonical URL on another host is not trusted: the page keeps the address it came from.
    """
    kind = media_type(content_type)
    if kind == "application/pdf" or content[:5] == b"%PDF-":
        page = extract_pdf(content, url)
    elif kind in HTML_TYPES:
        page = extract_html(content, url, content_type)
    else:
        return None
    if not page.url.startswith(origin(url)):
        page.url = normalize(url)
    return page
