"""Search with facets over the index: what the web page, the API and ``kb search`` answer.

Visibility is applied here, in one place: documents of members-only collections are neither
hits, nor counted in totals or facets, for a request that may not see them.

    >>> service = SearchService(Index(path), store)
    >>> result = service.search(SearchRequest("Messergewalt", filters={"city": ["Essen"]}))
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from whoosh import highlight
from whoosh.qparser import MultifieldParser, PlusMinusPlugin
from whoosh.query import Every, Query
from whoosh.searching import Searcher

from index.facets import FacetCache, Mask
from index.indexer import Index
from index.schema import ENTITY_FACETS, FACETS
from kb.store import Store

FIELD_BOOSTS = {"title": 3.0, "entities": 2.0, "body": 1.0}
SNIPPET_CHARS = 240


def filters_from(**given: list[str] | None) -> dict[str, list[str]]:
    """Filters from optional value lists (as options and query parameters give them)."""
    return {name: [v for v in values if v] for name, values in given.items() if values}


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    members: bool = False  # may the asker see members-only documents?
    sort: Literal["relevance", "date"] = "relevance"


@dataclass(frozen=True)
class Hit:
    id: int
    url: str
    title: str
    snippet: str
    kind: str
    city: str | None
    lang: str
    date: str | None
    collection: str | None
    score: float
    cities: list[str] = field(default_factory=list)  # the city facet: source city or mentioned


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None


class SearchService:
    """Keeps one searcher and its facet cache, refreshed when the index has changed."""

    def __init__(self, index: Index, store: Store) -> None:
        self._index = index
        self._store = store
        self._lock = threading.Lock()
        self._searcher: Searcher | None = None
        self._cache: FacetCache | None = None

    def _current(self) -> tuple[Searcher, FacetCache]:
        with self._lock:
            if self._searcher is None:
                self._searcher = self._index.open().searcher()
                self._cache = FacetCache(self._searcher.reader())
            elif not self._searcher.up_to_date():
                # Not Searcher.refresh(): its reused segment readers miss new deletions.
                self._searcher.close()
                self._searcher = self._index.open().searcher()
                self._cache = FacetCache(self._searcher.reader())
            assert self._cache is not None
            return self._searcher, self._cache

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    def parse(self, text: str, searcher: Searcher) -> Query:
        if not text.strip():
            return Every()
        parser = MultifieldParser(list(FIELD_BOOSTS), searcher.schema, fieldboosts=FIELD_BOOSTS)
        parser.add_plugin(PlusMinusPlugin())
        return parser.parse(text)

    def search(self, request: SearchRequest) -> SearchResult:
        searcher, cache = self._current()
        query = self.parse(request.query, searcher)
        matched = np.zeros(cache.size, dtype=np.bool_)
        matched[list(query.docs(searcher))] = True
        # Matchers still yield deleted (replaced) documents until segments merge: mask them out.
        visible = matched & cache.live
        if not request.members:
            visible &= cache.public
        masks = self._filter_masks(request.filters, cache)
        final = visible.copy()
        for mask in masks.values():
            final &= mask
        facets = {}
        for facet in FACETS:
            # Disjunctive counts: a facet's own selection does not narrow its counts.
            base = visible.copy()
            for name, mask in masks.items():
                if name != facet:
                    base &= mask
            facets[facet] = cache.counts(facet, base)
        total = int(final.sum())
        page = max(request.page, 1)
        hits = self._page(searcher, cache, query, final, request, page)
        return SearchResult(
            query=request.query,
            total=total,
            page=page,
            per_page=request.per_page,
            hits=hits,
            facets=facets,
        )

    def _filter_masks(self, filters: dict[str, list[str]], cache: FacetCache) -> dict[str, Mask]:
        masks: dict[str, Mask] = {}
        for name, values in filters.items():
            if not values:
                continue
            if name == "entity":
                mask = np.zeros(cache.size, dtype=np.bool_)
                for facet in ENTITY_FACETS:
                    mask |= cache.mask(facet, values)
                masks[name] = mask
            elif name in FACETS:
                masks[name] = cache.mask(name, values)
        return masks

    def _page(
        self,
        searcher: Searcher,
        cache: FacetCache,
        query: Query,
        final: Mask,
        request: SearchRequest,
        page: int,
    ) -> list[Hit]:
        start, end = (page - 1) * request.per_page, page * request.per_page
        allowed = np.flatnonzero(final)
        if request.sort == "date" or isinstance(query, Every):
            # Newest first; document number breaks ties so that pages stay stable.
            order = np.lexsort((allowed, -cache.dates[allowed]))
            ranked = [(int(d), 0.0) for d in allowed[order][start:end]]
        elif end > 0 and len(allowed):
            results = searcher.search(query, limit=end, filter=set(allowed.tolist()))
            ranked = [(hit.docnum, float(hit.score or 0.0)) for hit in results[start:end]]
        else:
            ranked = []
        stored = [(searcher.stored_fields(docnum), score) for docnum, score in ranked]
        texts = self._store.texts([int(fields["id"]) for fields, _ in stored])
        terms = {text for field_name, text in query.iter_all_terms() if field_name != "id"}
        analyzer = searcher.schema["body"].analyzer
        return [
            _hit(fields, score, _snippet(texts.get(int(fields["id"]), ""), terms, analyzer))
            for fields, score in stored
        ]


def _hit(fields: dict[str, object], score: float, snippet: str) -> Hit:
    meta = fields["meta"]
    assert isinstance(meta, dict)
    facets = meta["facets"]
    return Hit(
        id=int(str(fields["id"])),
        url=meta["url"],
        title=str(fields["title"]),
        snippet=snippet,
        kind=facets["kind"][0],
        city=next(iter(facets["city"]), None),
        lang=facets["lang"][0],
        date=meta["date"],
        collection=next(iter(facets["collection"]), None),
        score=round(score, 4),
        cities=list(facets["city"]),
    )


_FRAGMENTER = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
_FORMATTER = highlight.HtmlFormatter(tagname="mark", between=" … ")


def _snippet(text: str, terms: set[str], analyzer: object) -> str:
    """The best passages with matches marked (HTML-escaped), or the opening of the text."""
    if terms and text:
        marked = highlight.highlight(text, terms, analyzer, _FRAGMENTER, _FORMATTER, top=2)
        if marked:
            return str(marked)
    opening = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] if len(text) > SNIPPET_CHARS else text
    return html.escape(opening.replace("\n", " ")) + (" …" if len(text) > SNIPPET_CHARS else "")
