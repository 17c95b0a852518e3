"""Importing documents from JSON Lines: one object per line.

Fields: ``url`` (required), ``title``, ``text`` or ``html``, ``date`` (ISO 8601 at any precision:
"2017", "2017-08", "2017-08-14"; or a German or written date), ``lang`` (a hint: clear evidence
in the text overrules it), ``kind``, ``city``, ``collection``, ``members_only``. A bad line is
reported with its number; the others are imported. Importing a URL again updates its document.
Every record becomes a document by the crawler's one path (`crawler.documents`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from crawler.documents import Origin, places_of, to_document
from crawler.errors import ParseError
from crawler.extract import Page, extract_html
from crawler.urls import normalize
from kb.dates import PartialDate
from kb.entities import EntityExtractor
from kb.entities.extract import ExtractorSpec
from kb.errors import ImportLineError
from kb.model import KINDS, Document, Mention
from kb.places import Places
from kb.store import Store


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
    lang: Literal["de", "en"] | None = None
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

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        return value

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

    def render(self) -> str:
        lines = [
            f"new: {self.new}",
            f"changed: {self.changed}",
            f"unchanged: {self.unchanged}",
            f"failed: {len(self.errors)}",
        ]
        lines += [f"  - {error}" for error in self.errors]
        return "\n".join(lines)


def parse_lines(lines: Iterable[str], places: Places) -> Iterator[Document | ImportLineError]:
    """Documents (without entities yet) or the error of each non-empty line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = ImportRecord.model_validate(json.loads(line))
            yield _document(record, places)
        except json.JSONDecodeError as exc:
            yield ImportLineError(number, f"not JSON: {exc.msg}")
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in exc.errors()
            )
            yield ImportLineError(number, problems)
        except ParseError as exc:
            yield ImportLineError(number, exc.reason)


def _document(record: ImportRecord, places: Places) -> Document:
    text = record.text or ""
    page = Page(url=record.url, title=record.title or "", text=text)
    if record.html and not text:
        page = extract_html(record.html.encode("utf-8"), record.url, "text/html; charset=utf-8")
        page.url = record.url
    page.title = record.title or page.title or page.text.strip().split("\n", 1)[0][:120]
    page.date = record.date or page.date
    origin = Origin(
        kind=record.kind,
        source="import",
        city=record.city,
        collection=record.collection,
        members_only=record.members_only,
        lang=record.lang,
    )
    return to_document(page, origin, places)


def import_lines(
    lines: Iterable[str], store: Store, extractor: EntityExtractor, workers: int = 1
) -> ImportReport:
    """Import ``lines``; with ``workers`` > 1 and enough documents, entities are extracted in
    that many processes while this one writes the store."""
    report = ImportReport()
    documents: list[Document] = []
    for item in parse_lines(lines, places_of(extractor)):
        if isinstance(item, ImportLineError):
            report.errors.append(item)
        else:
            documents.append(item)
    todo = [
        doc
        for doc in documents
        if (state := store.fetch_state(doc.url)) is None or state.content_hash != doc.content_hash
    ]
    for doc, mentions in zip(todo, _extract_all(todo, extractor, workers), strict=True):
        doc.mentions = mentions
    for doc in documents:
        outcome = store.upsert_document(doc)
        setattr(report, outcome.status, getattr(report, outcome.status) + 1)
    return report


PARALLEL_FROM = 200  # fewer documents do not pay for starting the worker pipelines


def _extract_all(
    docs: list[Document], extractor: EntityExtractor, workers: int
) -> Iterator[list[Mention]]:
    if workers <= 1 or len(docs) < PARALLEL_FROM:
        return (extractor.extract(doc.text, doc.lang) for doc in docs)
    global _worker
    # Forked workers inherit this extractor with the pipelines it has built (~0.3 s each
    # per language otherwise); spawned ones build their own from the spec.
    _worker = extractor
    pool = ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(extractor.spec(),))
    try:
        results = list(pool.map(_extract, [(d.text, d.lang) for d in docs], chunksize=16))
    finally:
        pool.shutdown()
        _worker = None
    return iter(results)


_worker: EntityExtractor | None = None


def _start_worker(spec: ExtractorSpec) -> None:
    global _worker
    if _worker is None:
        _worker = EntityExtractor.from_spec(spec)


def _extract(item: tuple[str, str]) -> list[Mention]:
    assert _worker is not None
    return _worker.extract(*item)
