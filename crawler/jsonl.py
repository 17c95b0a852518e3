"""Importing documents from JSON Lines: one object per line.

Fields: ``url`` (required), ``title``, ``text`` or ``html``, ``date`` (ISO 8601 at any precision:
"2017", "2017-08", "2017-08-14"; or a German or written date), ``lang`` (a hint: clear evidence
in the text overrules it; a tag as the web writes it, "de-DE" or "en_GB", counts as its language;
another language than the service analyses is noted, and the text's is stored), ``kind``,
``city``, ``collection``, ``members_only``. A kind may be written in any case or by its German
name ("Veranstaltung"). A bad line is reported with its number; the others are imported.
Importing a URL again updates its document. Every record becomes a document by the crawler's one
path (`crawler.documents`).

A file is read as bytes, line by line (`read_lines`): a line that is no UTF-8, nests too deeply
or is longer than ``KB_IMPORT_MAX_LINE_BYTES`` (never held in memory whole) is one bad line; a
byte order mark before the first line is dropped. A text over ``KB_MAX_TEXT_CHARS`` is cut, and
the report says so.
"""

from __future__ import annotations

import codecs
import html
import json
import logging
import re
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, BinaryIO

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from crawler.documents import Origin, cut_of, places_of, to_document
from crawler.errors import ParseError, describe
from crawler.page import Page
from crawler.report import Cut
from crawler.urls import normalize
from kb.dates import PartialDate
from kb.derived import Derived, derive, derive_all
from kb.errors import ImportLineError
from kb.language import LANGUAGES
from kb.model import KINDS, MAX_LINE_BYTES, MAX_TEXT_CHARS, Document, Mention, kind_named
from kb.places import Places
from kb.processes import Workers, settle, settling
from kb.store import Store

if TYPE_CHECKING:
    from kb.entities import EntityExtractor

log = logging.getLogger(__name__)

SKIP_CHUNK = 1 << 20  # bytes read at a time while passing over a line that is too long


_GERMAN_BOOLEANS = {"ja": True, "j": True, "wahr": True, "nein": False, "falsch": False}
_REFERENCE = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


class ImportRecord(BaseModel):
    """One line of an import file."""

    model_config = ConfigDict(
        extra="ignore", str_strip_whitespace=True, arbitrary_types_allowed=True
    )

    url: str
    title: str | None = None
    text: str | None = None
    html: str | None = None
    date: PartialDate | None = None
    lang: str | None = None
    kind: str = "page"
    city: str | None = None
    collection: str | None = None
    members_only: bool = False

    @field_validator("url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("url must be an absolute http(s) URL")
        return normalize(value)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        """As a page's title: character references written out ("&amp;", "&#8211;", as
        content management systems export titles), one space between words."""
        if value is None:
            return None
        if _REFERENCE.search(value):
            value = html.unescape(value)
        return " ".join(value.split()) or None

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: object) -> PartialDate | None:
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # a year written as a number
        if not isinstance(value, str):
            raise ValueError("date must be a string such as 2017, 2017-08 or 2017-08-14")
        return PartialDate.parse(value)

    @field_validator("lang")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        """The language of a tag ("de-DE", "en_GB", "DE" → "de", "en", "de")."""
        if not value:
            return None
        return value.replace("_", "-").split("-", 1)[0].lower() or None

    @field_validator("members_only", mode="before")
    @classmethod
    def _german_yes_no(cls, value: object) -> object:
        """Also "ja"/"nein" (German exports), besides what pydantic reads ("yes", "true", 1 …)."""
        if isinstance(value, str):
            return _GERMAN_BOOLEANS.get(value.strip().casefold(), value)
        return value

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        kind = kind_named(value)
        if kind is None:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        return kind

    @model_validator(mode="after")
    def _has_content(self) -> ImportRecord:
        if not (self.text or self.html):
            raise ValueError("either text or html is required")
        return self


@dataclass
class ImportReport:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[ImportLineError] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)  # "line 7: text cut to … characters"
    notes: list[str] = field(default_factory=list)  # imported, with something to know

    def render(self) -> str:
        lines = [
            f"new: {self.new}",
            f"changed: {self.changed}",
            f"unchanged: {self.unchanged}",
            f"failed: {len(self.errors)}",
        ]
        lines += [f"  - {error}" for error in self.errors]
        if self.cut:
            lines += [f"cut: {len(self.cut)}", *(f"  - {note}" for note in self.cut)]
        if self.notes:
            lines += [f"notes: {len(self.notes)}", *(f"  - {note}" for note in self.notes)]
        return "\n".join(lines)


Line = tuple[int, str] | ImportLineError  # (number, text) or why the line is unusable


def read_lines(stream: BinaryIO, max_bytes: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """The numbered lines of a binary stream, each decoded on its own."""
    number = 0
    while raw := stream.readline(max_bytes + 1):
        number += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            size = len(raw)
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(SKIP_CHUNK)
                size += len(raw)
            size -= raw.endswith(b"\n")  # the line's own bytes
            reason = f"{size:,} bytes, over the limit of {max_bytes:,} (KB_IMPORT_MAX_LINE_BYTES)"
            yield ImportLineError(number, reason)
            continue
        if number == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield ImportLineError(number, f"not UTF-8 (byte {exc.start + 1}: {exc.reason})")


@dataclass(frozen=True)
class Parsed:
    """The document of a line (without entities yet), the cut of its text, if any, and what
    else its report says of it."""

    number: int
    doc: Document
    cut: Cut | None
    note: str | None = None


def parse_line(number: int, line: str, places: Places, max_chars: int = MAX_TEXT_CHARS) -> Parsed:
    """The document of one line; `ImportLineError` with the reason when the line is unusable."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ImportLineError(number, f"not JSON: {exc.msg}") from exc
    except RecursionError as exc:
        raise ImportLineError(number, "JSON nested too deeply") from exc
    except ValueError as exc:  # e.g. a number of more digits than Python converts
        raise ImportLineError(number, f"unreadable JSON: {exc}") from exc
    try:
        record = ImportRecord.model_validate(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in exc.errors()
        )
        raise ImportLineError(number, problems) from exc
    try:
        page = _page(record)
    except ParseError as exc:
        raise ImportLineError(number, exc.reason) from exc
    hint, note = record.lang, None
    if hint is not None and hint not in LANGUAGES:
        # The service analyses German and English: a text in another language is stored as
        # the one it is closer to, as a crawled page would be.
        note = f"line {number}: lang {hint!r} is none of the analysed ({', '.join(LANGUAGES)})"
        hint = None
    origin = Origin(
        kind=record.kind,
        source="import",
        city=record.city,
        collection=record.collection,
        members_only=record.members_only,
        lang=hint,
    )
    doc = to_document(page, origin, places, max_chars=max_chars)
    if note is not None:
        note += f": analysed as {doc.lang!r}, by its text"
    return Parsed(number, doc, cut_of(page, max_chars), note)


def _page(record: ImportRecord) -> Page:
    text = record.text or ""
    page = Page(url=record.url, title=record.title or "", text=text)
    if record.html and not text:
        from crawler.extract import extract_html  # with BeautifulSoup: only for lines of HTML

        page = extract_html(record.html.encode("utf-8"), record.url, "text/html; charset=utf-8")
        page.url = record.url
    page.title = record.title or page.title or page.text.strip().split("\n", 1)[0][:120]
    page.date = record.date or page.date
    return page


def import_lines(
    lines: Iterable[str],
    store: Store,
    extractor: EntityExtractor,
    workers: int = 1,
    max_chars: int = MAX_TEXT_CHARS,
) -> ImportReport:
    """Import ``lines`` of text (numbered from 1)."""
    numbered = ((number, line) for number, line in enumerate(lines, start=1))
    return import_numbered(numbered, store, extractor, workers, max_chars)


def import_file(
    stream: BinaryIO,
    store: Store,
    extractor: EntityExtractor,
    workers: int = 1,
    max_chars: int = MAX_TEXT_CHARS,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> ImportReport:
    """Import the lines of a binary stream, each read and decoded on its own (`read_lines`)."""
    return import_numbered(read_lines(stream, max_line_bytes), store, extractor, workers, max_chars)


def import_numbered(
    lines: Iterable[Line],
    store: Store,
    extractor: EntityExtractor,
    workers: int = 1,
    max_chars: int = MAX_TEXT_CHARS,
) -> ImportReport:
    """Import numbered lines; with ``workers`` > 1 and enough documents, entities are extracted
    in that many processes while this one writes the store. Blank lines are passed over."""
    report = ImportReport()
    parsed: list[Parsed] = []
    places = places_of(extractor)
    todo: set[int] = set()  # lines of new or changed documents: their entities are extracted
    waiting: list[Document] = []  # theirs, until the worker processes start
    sent: Batches | None = None
    with settling():
        try:
            for line in lines:
                if isinstance(line, ImportLineError):
                    report.errors.append(line)
                    continue
                number, text = line
                if not text.strip():
                    continue
                try:
                    item = parse_line(number, text, places, max_chars)
                except ImportLineError as exc:
                    report.errors.append(exc)
                    continue
                parsed.append(item)
                state = store.fetch_state(item.doc.url)
                if state is not None and state.content_hash == item.doc.content_hash:
                    continue
                todo.add(number)
                if sent is not None:
                    sent.add(item.doc)
                    continue
                waiting.append(item.doc)
                if workers > 1 and len(waiting) == PARALLEL_FROM:
                    # The workers build their pipelines while the next lines are read, then get
                    # each batch as soon as it is read.
                    sent = Batches(_start_workers(extractor, workers, {d.lang for d in waiting}))
                    for doc in waiting:
                        sent.add(doc)
            # Results come in the order of the lines: each is written as soon as it is there,
            # while the workers go on with the next ones.
            results = sent.results() if sent is not None else _extract_all(waiting, extractor)
            with closing(results), store.bulk():  # a failed write stops the workers too
                _write(parsed, todo, results, store, report)
        finally:
            if sent is not None:
                sent.workers.close()
    report.errors.sort(key=lambda error: error.line_no)
    return report


def _write(
    parsed: list[Parsed],
    todo: set[int],
    results: Iterator[Annotated],
    store: Store,
    report: ImportReport,
) -> None:
    for start in range(0, len(parsed), WRITTEN_TOGETHER):
        ready: list[tuple[Parsed, Derived | None]] = []
        for item in parsed[start : start + WRITTEN_TOGETHER]:
            derived = None
            if item.number in todo:
                mentions, derived = next(results)
                if isinstance(mentions, str):
                    log.warning("line %d: entities not extracted: %s", item.number, mentions)
                    error = ImportLineError(item.number, f"entity extraction: {mentions}")
                    report.errors.append(error)
                    continue
                item.doc.mentions = mentions
            ready.append((item, derived))
        # Once their entities are there: the store is not locked while the workers work.
        with store.transaction():
            for item, derived in ready:
                outcome = store.upsert_document(item.doc, derived=derived)
                setattr(report, outcome.status, getattr(report, outcome.status) + 1)
                if item.cut is not None:
                    report.cut.append(f"line {item.number}: {item.cut.reason}")
                if item.note is not None:
                    report.notes.append(item.note)


# Documents per transaction: a commit for each was a sixth to a third of writing them. A killed
# import keeps what it committed; importing the file again brings the rest.
WRITTEN_TOGETHER = 64
PARALLEL_FROM = 200  # fewer documents do not pay for starting the worker pipelines

Annotated = tuple[list[Mention] | str, Derived | None]  # mentions or why they failed; derived
Work = tuple[Document, Derived | None]  # a document, and its derived values if known


def _start_workers(
    extractor: EntityExtractor, workers: int, langs: set[str]
) -> Workers[list[Work], list[Annotated]]:
    """Workers forked from one process that has imported spaCy and built the pipelines of
    ``langs`` (about a second): on another core while this process reads on, and once."""
    global _worker
    _worker = extractor  # inherited by the forked processes
    try:
        return Workers(workers, partial(_prepare, tuple(sorted(langs))), _extract_batch)
    finally:
        _worker = None


def _extract_all(docs: list[Document], extractor: EntityExtractor) -> Generator[Annotated]:
    """The mentions and derived values (`kb.derived`) of each document, in order, here."""
    for start in range(0, len(docs), Batches.SIZE):
        yield from _annotate(extractor, [(doc, None) for doc in docs[start : start + Batches.SIZE]])


class Batches:
    """Documents sent to the worker processes a batch at a time, as they are read."""

    # Documents per message: few messages, while no worker waits long for one; and each step
    # of `_annotate` goes over as many documents as it can.
    SIZE = 64

    def __init__(self, workers: Workers[list[Work], list[Annotated]]) -> None:
        self.workers = workers
        self._batch: list[Work] = []

    def add(self, doc: Document) -> None:
        # While the workers are being prepared, this process would wait for them: it derives
        # the documents' fingerprints and labels itself meanwhile (a third of their work).
        self._batch.append((doc, None if self.workers.ready() else derive(doc)))
        if len(self._batch) == self.SIZE:
            self._send()

    def _send(self) -> None:
        self.workers.send(self._batch)
        self._batch = []
        settle()  # the documents read so far: held until written (`settling`)

    def results(self) -> Generator[Annotated]:
        """The mentions and derived values of each document, in the order they were added."""
        if self._batch:
            self._send()
        for batch in self.workers.results():
            yield from batch
            settle()  # and their entities


def _annotate(extractor: EntityExtractor, batch: list[Work]) -> list[Annotated]:
    """The mentions and derived values of each document, a step at a time over the batch
    (`kb.derived.derive_all`); derived values already known are kept."""
    todo = [doc for doc, derived in batch if derived is None]
    fresh = iter(derive_all(todo))
    annotated: list[Annotated] = []
    for doc, derived in batch:
        derived = derived or next(fresh)
        try:
            mentions = extractor.extract(doc.text, doc.lang, doc.language_passages())
        except Exception as exc:
            # One text a library cannot take must not lose the other lines: it is that line's
            # failure (the reason as for a crawled page).
            annotated.append((describe(exc), None))
            continue
        annotated.append((mentions, derived))
    return annotated


_worker: EntityExtractor | None = None


def _prepare(langs: tuple[str, ...]) -> None:
    assert _worker is not None
    try:
        for lang in langs:
            _worker.pipeline(lang)
    except Exception:  # each document then fails with the reason, line by line
        log.debug("building the pipelines of %s failed", langs, exc_info=True)


def _extract_batch(batch: list[Work]) -> list[Annotated]:
    assert _worker is not None
    annotated = _annotate(_worker, batch)
    settle()  # the pipelines and their caches, which grow with every new word
    return annotated
