"""Importing staff exports of the members-only boards (CSV or JSON: one post per row/object).

Columns (German or English, any case): ``titel``/``title``, ``text``/``inhalt``/``body``,
``link``/``url``, ``autor``/``author``, ``datum``/``date``. Every post becomes a members-only
document of kind "post" in the given collection. A post is stored under its link; without one
(or when the link is an attachment that is fetched, see below) under a stable synthetic URL
``board://<collection-slug>/<hash>``, so importing the same export again changes nothing.

Links in a post's text, and a link column naming a PDF or a site other than the board's, are
fetched through ``fetch`` (see `fetcher_for`) and stored as members-only documents of the same
collection. A bad row or a failed link is reported; everything else is imported. A post whose
text is longer than ``KB_MAX_TEXT_CHARS`` refuses the whole export (`BoardError`), whatever its
format, before anything is stored: staff shorten it and import again; a linked document over the
limit is cut, and the report says so.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from crawler.documents import Origin, cut_of, places_of, to_document
from crawler.errors import CrawlError, ParseError, describe
from crawler.extract import extract_fetched, media_type
from crawler.fetch import Disallowed, Fetcher, NotModified
from crawler.page import Page
from crawler.urls import normalize, origin
from kb.dates import parse_optional
from kb.errors import DateError
from kb.model import MAX_TEXT_CHARS, Document
from kb.places import Places
from kb.settings import Settings
from kb.store import Store

if TYPE_CHECKING:
    from kb.entities import EntityExtractor

Fetch = Callable[[str], Page | None]

# Header names (lower-cased) of each field; Padlet's own export names are included.
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("titel", "title", "subject", "betreff", "überschrift"),
    "text": ("text", "inhalt", "body", "beschreibung", "description"),
    "link": ("link", "url", "attachment", "anhang"),
    "author": ("autor", "author", "verfasser", "autorin"),
    "date": ("datum", "date", "created at", "created_at", "erstellt", "erstellt am"),
}
_ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.I)
_URL_TAIL = ".,;:!?)]}»«“”„'\""
_HTML = re.compile(r"<(?:p|br|div|a|ul|ol|li|strong|em|b|i|span|h[1-6])\b[^>]*>", re.I)
_UMLAUTS = str.maketrans({ord("ä"): "ae", ord("ö"): "oe", ord("ü"): "ue", ord("ß"): "ss"})


class BoardError(Exception):
    """The export as a whole is unusable: not CSV/JSON, no title or text column, or a post
    over the text limit."""


@dataclass
class BoardReport:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    linked: int = 0  # documents stored from followed links (also counted in new/changed/...)
    errors: list[str] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)  # linked documents cut at the text limit

    def count(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)

    def render(self) -> str:
        lines = [
            f"new: {self.new}",
            f"changed: {self.changed}",
            f"unchanged: {self.unchanged}",
            f"linked documents: {self.linked}",
            f"failed: {len(self.errors)}",
        ]
        lines += [f"  - {error}" for error in self.errors]
        if self.cut:
            lines += [f"cut: {len(self.cut)}", *(f"  - {note}" for note in self.cut)]
        return "\n".join(lines)


@dataclass(frozen=True)
class BoardRow:
    label: str  # "row 3" (spreadsheet row, the header being row 1) or "post 2" (JSON)
    values: dict[str, str]


@dataclass(frozen=True)
class _Post:
    label: str
    doc: Document
    follow: list[str]  # links to fetch


# -- reading the export ---------------------------------------------------------------------


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves CSV in the ANSI code page unless told otherwise.
        return content.decode("windows-1252", errors="replace")


def _columns(keys: list[str]) -> dict[str, str]:
    """Original header → field name, for the headers that name a known field."""
    found: dict[str, str] = {}
    for key in keys:
        name = _ALIASES.get(key.strip().lstrip("\ufeff").lower())
        if name and name not in found.values():
            found[key] = name
    return found


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    try:
        chosen = csv.Sniffer().sniff(text[:8192], delimiters=",;").delimiter
    except csv.Error:
        chosen = ""
    # The sniffer can be misled by commas in long texts; the header line decides then (and
    # when it found none: "" is in every header).
    if not chosen or chosen not in header:
        chosen = ";" if header.count(";") > header.count(",") else ","
    return chosen


def _csv_rows(text: str) -> list[BoardRow]:
    # No field is longer than the export, which the upload limit bounds: lengths are checked
    # per post, the same for CSV and JSON (the module's own limit is 128 KiB).
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise BoardError(f"unreadable CSV near line {reader.line_num}: {exc}") from exc
    if not any(cell.strip() for record in records for cell in record):
        raise BoardError("the export is empty")
    header = records[0]
    columns = _columns(header)
    if not {"title", "text"} & set(columns.values()):
        raise BoardError(f"no title or text column in the header: {', '.join(header)}")
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        values = {
            columns[key]: cell for key, cell in zip(header, record, strict=False) if key in columns
        }
        rows.append(BoardRow(f"row {number}", values))
    return rows


def _json_rows(text: str) -> list[BoardRow]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BoardError(f"not JSON: {exc.msg} (line {exc.lineno})") from exc
    if isinstance(data, dict) and isinstance(data.get("posts"), list):
        data = data["posts"]
    if not isinstance(data, list):
        raise BoardError('JSON export must be a list of posts or {"posts": [...]}')
    rows = []
    for number, item in enumerate(data, start=1):
        label = f"post {number}"
        if not isinstance(item, dict):
            rows.append(BoardRow(label, {"_error": "not an object"}))
            continue
        columns = _columns([str(k) for k in item])
        values: dict[str, str] = {}
        for key, name in columns.items():
            value = item[key]
            if isinstance(value, dict | list):
                values["_error"] = f"{key} is not a single value"
            elif value is not None:
                values[name] = str(value)
        rows.append(BoardRow(label, values))
    return rows


def read_board(path: Path) -> list[BoardRow]:
    """The rows of an export; `BoardError` when the file as a whole is unusable."""
    try:
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise BoardError(f"cannot read {path}: {exc.strerror or exc}") from exc
    suffix = path.suffix.lower()
    is_json = suffix == ".json" or (suffix != ".csv" and text.lstrip()[:1] in {"[", "{"})
    return _json_rows(text) if is_json else _csv_rows(text)


# -- turning rows into documents --------------------------------------------------------------


def slug(text: str) -> str:
    """``"Nächtliches Feiern & Sicherheit"`` → ``"naechtliches-feiern-sicherheit"``."""
    text = text.lower().translate(_UMLAUTS)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "board"


def find_links(text: str) -> list[str]:
    """The http(s) URLs in ``text``, normalised, each once, in order."""
    found: dict[str, None] = {}
    for match in _URL.finditer(text):
        url = match.group(0)
        while url[-1] in _URL_TAIL:
            # Punctuation after a URL is the sentence's, but a balanced ")" is the URL's own.
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if urlsplit(url).hostname:
            found.setdefault(normalize(url), None)
    return list(found)


def _plain(text: str) -> str:
    """Board bodies may be HTML (Padlet exports are): keep text and the links' targets."""
    if not _HTML.search(text):
        return text.strip()
    soup = BeautifulSoup(text, "html.parser")
    for anchor in soup.find_all("a", href=True):
        href = str(anchor["href"])
        if href.startswith(("http://", "https://")) and href not in anchor.get_text():
            anchor.append(f" ({href})")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(["p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"]):
        block.insert_after("\n\n")
    lines = (" ".join(line.split()) for line in soup.get_text().split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _is_pdf(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(".pdf")


def _origin(collection: str) -> Origin:
    """Posts and the documents they link are members-only documents of the collection."""
    return Origin(
        kind="post", source=f"board:{slug(collection)}", collection=collection, members_only=True
    )


def _post(
    row: BoardRow, collection: str, site: str | None, places: Places, max_chars: int
) -> _Post:
    """The document of one row; ValueError with the reason when the row is unusable,
    `BoardError` when it is over the text limit."""
    values = row.values
    if "_error" in values:
        raise ValueError(values["_error"])
    title = " ".join(values.get("title", "").split())
    text = _plain(values.get("text", ""))
    author = " ".join(values.get("author", "").split())
    link = values.get("link", "").strip()
    if not title and not text:
        raise ValueError("neither title nor text")
    try:
        date = parse_optional(values.get("date"))
    except DateError as exc:
        raise ValueError(f"unparseable date {values.get('date', '').strip()!r}") from exc
    if link and not link.lower().startswith(("http://", "https://")):
        raise ValueError(f"link {link!r} is not an absolute http(s) URL")
    link = normalize(link) if link else ""
    title = title or text.split("\n", 1)[0][:120]
    # An attachment (a PDF, a page elsewhere than the board) is fetched and stored under its own
    # URL, so the post itself needs another one or the two would overwrite each other.
    attachment = bool(link) and (_is_pdf(link) or (site is not None and origin(link) != site))
    body = text
    if attachment:
        body = f"{body}\n\nLink: {link}".strip()
    if author:
        body = f"{body}\n\nAutor: {author}".strip()
    if len(title) + len(body) > max_chars:
        raise BoardError(
            f"{row.label}: {len(title) + len(body):,} characters, over the limit of"
            f" {max_chars:,} (KB_MAX_TEXT_CHARS)"
        )
    if link and not attachment:
        url = link
    else:
        key = "\x1f".join([title, date.isoformat() if date else "", author])
        digest = hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]
        url = f"board://{slug(collection)}/{digest}"
    follow = [u for u in find_links(text) if u != url]
    if attachment and link not in follow:
        follow.insert(0, link)
    doc = to_document(Page(url, title, body, date), _origin(collection), places)
    return _Post(row.label, doc, follow)


# -- the import --------------------------------------------------------------------------------


def _store(
    doc: Document, store: Store, extractor: EntityExtractor, report: BoardReport
) -> str | None:
    """Store one document with its entities; the reason when that failed."""
    state = store.fetch_state(doc.url)
    if state is None or state.content_hash != doc.content_hash:
        try:
            doc.mentions = extractor.extract(doc.text, doc.lang, doc.language_passages())
        except Exception as exc:
            # A text a library cannot take fails alone, as a crawled page does.
            return f"entity extraction: {describe(exc)}"
    report.count(store.upsert_document(doc).status)
    return None


def import_board(
    path: Path,
    collection: str,
    store: Store,
    extractor: EntityExtractor,
    fetch: Fetch | None = None,
    *,
    site: str | None = None,
    max_chars: int = MAX_TEXT_CHARS,
) -> BoardReport:
    """Import a board export into ``collection``; links are followed only when ``fetch`` is
    given. ``site`` is the board's own address: link-column values on it are the posts'
    permalinks, values elsewhere are attachments to fetch (without it, only PDFs are).
    ``max_chars`` is the longest text of a post or linked document."""
    report = BoardReport()
    board_origin = origin(normalize(site)) if site else None
    posts: list[_Post] = []
    seen: dict[str, str] = {}
    places = places_of(extractor)
    for row in read_board(path):
        try:
            post = _post(row, collection, board_origin, places, max_chars)
        except ValueError as exc:
            report.errors.append(f"{row.label}: {exc}")
            continue
        if post.doc.url in seen:
            report.errors.append(f"{row.label}: same post as {seen[post.doc.url]} ({post.doc.url})")
            continue
        seen[post.doc.url] = row.label
        posts.append(post)
    for post in posts:
        if (reason := _store(post.doc, store, extractor, report)) is not None:
            report.errors.append(f"{post.label}: {reason}")
    if fetch is None:
        return report
    fetched: set[str] = set(seen)  # never fetch over a post of this export
    for post in posts:
        for url in post.follow:
            if url in fetched:
                continue
            fetched.add(url)
            reason = _follow(url, collection, store, extractor, places, fetch, report, max_chars)
            if reason:
                report.errors.append(f"{post.label}: link {url}: {reason}")
    return report


def _follow(
    url: str,
    collection: str,
    store: Store,
    extractor: EntityExtractor,
    places: Places,
    fetch: Fetch,
    report: BoardReport,
    max_chars: int,
) -> str | None:
    """Fetch and store one linked document; the reason when that failed."""
    try:
        page = fetch(url)
    except CrawlError as exc:
        return exc.reason
    if page is None:
        failures = fetch.failures if isinstance(fetch, LinkFetcher) else {}
        return failures.get(url, "no usable document")
    known = store.document_by_url(page.url)
    if known is not None and not (known.source or "").startswith("board:"):
        # A public document already crawled stays public: a board linking it hides nothing.
        return None
    doc = to_document(page, _origin(collection), places, max_chars=max_chars)
    if (reason := _store(doc, store, extractor, report)) is not None:
        return reason
    report.linked += 1
    if (cut := cut_of(page, max_chars)) is not None:
        report.cut.append(f"{url}: {cut.reason}")
    return None


# -- fetching linked documents ----------------------------------------------------------------


class LinkFetcher:
    """``fetch`` for `import_board`: one polite `Fetcher` for all links of an import.

    Returns the page of a URL, or None when it cannot be had; why is kept in ``failures``.
    Use it as a context manager (or call `close`) so the HTTP client is released.
    """

    def __init__(self, settings: Settings) -> None:
        self._fetcher = Fetcher(settings)
        self.failures: dict[str, str] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._fetcher.close()

    def __call__(self, url: str) -> Page | None:
        try:
            return self._page(url)
        except CrawlError as exc:
            self.failures[url] = exc.reason
            return None

    def _page(self, url: str) -> Page:
        result = self._fetcher.get(url)
        if isinstance(result, Disallowed):
            raise CrawlError(url, "disallowed by robots.txt")
        if isinstance(result, NotModified):  # never asked for, but the type allows it
            raise CrawlError(url, "not modified")
        page = extract_fetched(result.content, result.url, result.content_type)
        if page is None:
            kind = media_type(result.content_type) or "unknown"
            raise ParseError(url, f"unsupported content type {kind}")
        if page.noindex:
            raise ParseError(url, "the page asks not to be indexed (noindex)")
        return page


def fetcher_for(settings: Settings) -> LinkFetcher:
    """The ``fetch`` callable for `import_board`, built on `crawler.fetch.Fetcher`."""
    return LinkFetcher(settings)
