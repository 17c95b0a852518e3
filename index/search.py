"""Search with facets over the index: what the web page, the API and ``kb search`` answer.

Visibility is applied here, in one place: documents of members-only collections are neither
hits, nor counted in totals or facets, for a request that may not see them.

    >>> service = SearchService(Index(path), store)
    >>> result = service.search(SearchRequest("Messergewalt", filters={"city": ["Essen"]}))
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA
from whoosh.query import Every, Query
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from index import acronyms
from index.analysis import LANGUAGES, fold, terms
from index.engine import (
    Block,
    Evaluation,
    Evaluator,
    FieldStats,
    Postings,
    SizedCache,
    block_cache,
    postings_cache,
)
from index.facets import FacetCache, Mask
from index.fuzzy import FuzzyTerms
from index.indexer import Index
from index.query import Coordinated, ParsedQuery, Vocabulary, build_query
from index.ranking import FIELD_BOOSTS, PROXIMITY_POOL, RECENCY_WEIGHT, recency
from index.schema import ENTITY_FACETS, FACETS
from index.snippets import Highlighter
from index.suggest import MIN_PREFIX, Suggestion, term_suggestions, title_suggestions
from index.surface import first_visible, surface_word
from index.synonyms import Synonyms, SynonymTable
from kb.leads import lead_start
from kb.store import Store
from kb.viewer import ANONYMOUS, Viewer


def filters_from(**given: list[str] | None) -> dict[str, list[str]]:
    """Filters from optional value lists (as options and query parameters give them)."""
    return {name: [v for v in values if v] for name, values in given.items() if values}


# Searchers per process lent to concurrent searches: threads beyond wait for one. Two cores
# run little more than two searches at once, but a few long searches must not hold up a
# short one: they share the processor instead (the postings cache and the fuzzy terms are
# shared, so a searcher costs little memory).
SEARCHERS = 8
CORRECTION_EDITS = 2  # did-you-mean: the words of the visible documents this near a typed one
CORRECTION_CANDIDATES = 8  # … of which so many are looked up in a visible document
WORDS_KEPT = 100_000  # words whose presence in the index is kept per committed index


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    viewer: Viewer = ANONYMOUS  # who asks: decides what is visible
    sort: Literal["relevance", "date"] = "relevance"
    date_from: date | None = None
    date_to: date | None = None
    facets: bool = True  # count the facets (a result list alone needs no counts)
    typos: bool = True  # take unknown words for typos (fuzzy, corrected): people's queries


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
    cities: list[str] = field(default_factory=list)  # the city facet
    attachments: list[str] = field(default_factory=list)  # a PDF with the page's own text


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None


@dataclass
class _Shared:
    """What every searcher of one committed index shares, computed once: facet values, field
    lengths, recency, the acronyms its visible texts define."""

    cache: FacetCache
    stats: FieldStats
    recency: npt.NDArray[np.float64]
    postings: SizedCache[tuple[str, bytes], Postings] = field(default_factory=postings_cache)
    blocks: SizedCache[tuple[int, int], Block] = field(default_factory=block_cache)
    fuzzy: FuzzyTerms = field(default_factory=FuzzyTerms)
    acronyms: dict[bool, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    # Whether the index has a word, by who asks (everyone, members, any German text): queries
    # repeat their words, and each lookup reads several fields of every segment.
    words: dict[tuple[str, str], bool] = field(default_factory=dict)

    def has(self, asker: str, word: str, look: Callable[[], bool]) -> bool:
        key = (asker, word)
        found = self.words.get(key)
        if found is None:
            if len(self.words) >= WORDS_KEPT:
                self.words.clear()
            found = self.words[key] = look()
        return found


@dataclass
class _Reading:
    """A searcher with its evaluator, used by one thread at a time."""

    build: str
    searcher: Searcher
    evaluator: Evaluator
    shared: _Shared

    def current(self, build: str) -> bool:
        # "": in the middle of a rebuild's swap. Not Searcher.refresh() when out of date: its
        # reused segment readers miss new deletions.
        return build in ("", self.build) and bool(self.searcher.up_to_date())


def _close_searchers(idle: list[_Reading]) -> None:
    for reading in idle:
        reading.searcher.close()
    idle.clear()


class SearchService:
    """Searchers of the latest committed index, a few, lent to one thread each: searches of
    several threads run side by side (Whoosh's searchers are not shared between threads),
    and a searcher of an index that changed is replaced."""

    def __init__(self, index: Index, store: Store, searchers: int = SEARCHERS) -> None:
        self._index = index
        self._store = store
        self._size = searchers
        self._free = threading.Condition()  # guards the pool below
        self._idle: list[_Reading] = []
        self._open = 0  # readings lent out or idle
        self._shared_lock = threading.Lock()
        self._shared: dict[tuple[str, int], _Shared] = {}
        self._synonyms: tuple[tuple[int, int], Synonyms] | None = None  # with its version
        # A service dropped without close() closes its searchers' files when collected.
        weakref.finalize(self, _close_searchers, self._idle)

    @contextmanager
    def _reading(self) -> Iterator[_Reading]:
        reading = self._borrow()
        try:
            yield reading
        finally:
            self._give_back(reading)

    def _borrow(self) -> _Reading:
        with self._free:
            build = self._index.build()
            while True:
                stale = [r for r in self._idle if not r.current(build)]
                for reading in stale:
                    self._idle.remove(reading)
                    reading.searcher.close()
                    self._open -= 1
                if self._idle:
                    return self._idle.pop()
                if self._open < self._size:
                    self._open += 1
                    break
                self._free.wait()
        try:  # outside the lock: opening a searcher takes a while
            return self._new_reading(build)
        except BaseException:
            with self._free:
                self._open -= 1
                self._free.notify()
            raise

    def _give_back(self, reading: _Reading) -> None:
        with self._free:
            if reading.current(self._index.build()):
                self._idle.append(reading)
            else:
                reading.searcher.close()
                self._open -= 1
            self._free.notify()

    def _new_reading(self, build: str) -> _Reading:
        searcher = self._index.open().searcher()
        generation = searcher.reader().generation()  # None for an index with no segment yet
        key = (build, -1 if generation is None else int(generation))
        with self._shared_lock:
            shared = self._shared.get(key)
            if shared is None:
                cache = FacetCache(searcher.reader(), self._index.directory)
                shared = _Shared(
                    cache,
                    FieldStats(searcher, list(FIELD_BOOSTS), cache.live),
                    1.0 + RECENCY_WEIGHT * recency(cache.dates, date.today()),
                )
                self._shared = {key: shared}  # only the latest index is searched
        evaluator = Evaluator(searcher, shared.stats, shared.postings, shared.fuzzy, shared.blocks)
        return _Reading(build, searcher, evaluator, shared)

    def close(self) -> None:
        with self._free:
            self._open -= len(self._idle)
            _close_searchers(self._idle)

    def search(self, request: SearchRequest) -> SearchResult:
        with self._reading() as reading:
            return self._search(reading, request)

    def matching_ids(self, request: SearchRequest) -> set[int]:
        """Store ids of every document the request matches (visibility, filters and dates
        applied), unranked and without snippets: for callers that intersect them with a set of
        their own (the newsletter's saved searches)."""
        with self._reading() as reading:
            searcher = reading.searcher
            _, _, visible, masks = self._match(reading, request)
            for mask in masks.values():
                visible &= mask
            return {int(searcher.stored_fields(int(d))["id"]) for d in np.flatnonzero(visible)}

    def pivot(self, request: SearchRequest, rows: str, columns: str) -> dict[str, dict[str, int]]:
        """Documents the request matches (visibility, filters and dates applied) per value of
        facet ``rows`` and of facet ``columns``: row value → column value → count."""
        with self._reading() as reading:
            _, _, visible, masks = self._match(reading, request)
            for mask in masks.values():
                visible &= mask
            return reading.shared.cache.pivot(rows, columns, visible)

    def _match(
        self, reading: _Reading, request: SearchRequest, fill: int = 1
    ) -> tuple[ParsedQuery, Evaluation, Mask, dict[str, Mask]]:
        """The parsed query, its evaluation, the visible matches and the filters' masks.

        When fewer than ``fill`` documents (after the filters) have enough of the typed words,
        one word suffices: the first page is filled with what has most of them, not left
        short."""
        searcher, cache = reading.searcher, reading.shared.cache
        # Matchers still yield deleted (replaced) documents until segments merge: mask them out.
        allowed = cache.live if request.viewer.sees_members_only else cache.live & cache.public
        members = request.viewer.sees_members_only
        shared, asker = reading.shared, "members" if members else "everyone"
        vocabulary = Vocabulary(
            known=lambda word: shared.has(
                asker, word, lambda: self._known(searcher, allowed, word)
            ),
            correct=lambda word: self._correct(reading, allowed, word),
            indexed=lambda word: shared.has(
                "index", word, lambda: _indexed(searcher.reader(), word)
            ),
            typos=request.typos,
        )
        synonyms = self._table().extended(self._learned(reading, allowed, members))
        masks = self._filter_masks(request.filters, cache)
        if request.date_from or request.date_to:
            masks["date"] = cache.date_range(request.date_from, request.date_to)
        parsed = build_query(request.query, searcher, synonyms, vocabulary)
        evaluation = reading.evaluator.evaluate(parsed.query, allowed)
        visible = evaluation.matched & allowed
        # Queries written with operators relax only when nothing matches, as they always did.
        needed = fill if isinstance(parsed.query, Coordinated) else 1
        if parsed.words > 1 and _count(visible, masks) < needed:
            relaxed = build_query(request.query, searcher, synonyms, vocabulary, relaxed=True)
            parsed = ParsedQuery(relaxed.query, parsed.suggestion, parsed.words, parsed.near)
            evaluation = reading.evaluator.evaluate(parsed.query, allowed)
            visible = evaluation.matched & allowed
        return parsed, evaluation, visible, masks

    def _search(self, reading: _Reading, request: SearchRequest) -> SearchResult:
        cache = reading.shared.cache
        page = max(request.page, 1)
        # The first page decides, so that every page of a search counts the same documents.
        parsed, evaluation, visible, masks = self._match(reading, request, request.per_page)
        query = parsed.query
        final = visible.copy()
        for mask in masks.values():
            final &= mask
        facets: dict[str, dict[str, int]] = {}
        if request.facets:
            # Disjunctive counts: a facet's own selection does not narrow its counts. Facets
            # without a selection all count over the final matches, in one pass.
            facets = cache.counts_of([f for f in FACETS if f not in masks], final)
            for facet in (f for f in FACETS if f in masks):
                base = visible.copy()
                for name, mask in masks.items():
                    if name != facet:
                        base &= mask
                facets[facet] = cache.counts(facet, base)
            facets = {facet: facets[facet] for facet in FACETS}
        total = int(final.sum())
        hits = self._page(reading, query, evaluation.scores, final, request, page, parsed.near)
        return SearchResult(
            query=request.query,
            total=total,
            page=page,
            per_page=request.per_page,
            hits=hits,
            facets=facets,
            suggestion=parsed.suggestion,
        )

    def suggest(
        self,
        prefix: str,
        viewer: Viewer,
        entities: Callable[[str, int], list[str]],
        limit: int = 8,
    ) -> list[Suggestion]:
        """Autocomplete for ``prefix``: titles, then entity names, then frequent words.

        ``entities(prefix, limit)`` names the visible entities that start with the prefix.
        """
        prefix = prefix.strip()
        if len(prefix) < MIN_PREFIX:
            return []
        with self._reading() as reading:
            searcher, cache = reading.searcher, reading.shared.cache
            allowed = cache.live if viewer.sees_members_only else cache.live & cache.public
            found = title_suggestions(searcher, cache, allowed, prefix, limit // 2 or 1)
            found += [Suggestion(name, "entity") for name in entities(prefix, limit)]
            found += term_suggestions(searcher.reader(), self._store, allowed, prefix, limit)
        unique: dict[str, Suggestion] = {}
        for suggestion in found:
            unique.setdefault(suggestion.text.casefold(), suggestion)
        return list(unique.values())[:limit]

    def _table(self) -> Synonyms:
        """The synonym table, read again only when it may have changed."""
        table = SynonymTable(self._store)
        version = table.version()
        if self._synonyms is None or self._synonyms[0] != version:
            self._synonyms = (version, table.synonyms())
        return self._synonyms[1]

    def _learned(
        self, reading: _Reading, allowed: Mask, members: bool
    ) -> tuple[tuple[str, ...], ...]:
        """Acronym groups of the definitions in documents the asker may see."""
        found = reading.shared.acronyms.get(members)
        if found is None:
            reader = reading.searcher.reader()
            entries = [
                text.decode("utf-8")
                for text in reader.lexicon("acronyms")
                if first_visible(reader, "acronyms", text.decode("utf-8"), allowed) is not None
            ]
            found = reading.shared.acronyms[members] = tuple(acronyms.groups(entries))
        return found

    def _known(self, searcher: Searcher, allowed: Mask, word: str) -> bool:
        """Whether a document the asker may see contains ``word`` (in any language's form).

        Only visible documents count: otherwise typo handling would reveal hidden words.
        """
        reader = searcher.reader()
        lowered = word.lower()
        for lang in LANGUAGES:
            for term in terms(lang, lowered, False):
                for field_name in (f"title_{lang}", f"body_{lang}"):
                    if first_visible(reader, field_name, term, allowed) is not None:
                        return True
        return first_visible(reader, "entities", fold(lowered), allowed) is not None

    def _correct(self, reading: _Reading, allowed: Mask, word: str) -> str | None:
        """The closest word of the visible documents, for did-you-mean."""
        reader = reading.searcher.reader()
        fuzzy = reading.evaluator.fuzzy
        for lang in LANGUAGES:
            field_name = f"body_{lang}"
            stem = terms(lang, word.lower(), False)[0]
            near = fuzzy.within(reader, field_name, stem, CORRECTION_EDITS)[:CORRECTION_CANDIDATES]
            # The nearest first; of equally near words, the most common.
            near.sort(key=lambda t: (_edits(stem, t), -reader.doc_frequency(field_name, t)))
            for candidate in near:
                surface = surface_word(reader, self._store, field_name, candidate, allowed)
                if surface:
                    return surface
        return None

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
        reading: _Reading,
        query: Query,
        scores: npt.NDArray[np.float32],
        final: Mask,
        request: SearchRequest,
        page: int,
        near: tuple[str, ...],
    ) -> list[Hit]:
        searcher, cache = reading.searcher, reading.shared.cache
        start, end = (page - 1) * request.per_page, page * request.per_page
        allowed = np.flatnonzero(final)
        final_scores: dict[int, float] = {}
        if request.sort == "date" or isinstance(query, Every):
            # Newest first; document number breaks ties so that pages stay stable.
            order = np.lexsort((allowed, -cache.dates[allowed]))
        else:
            ranking = scores[allowed] * reading.shared.recency[allowed]
            top = allowed
            pool = end + PROXIMITY_POOL  # words standing close may lift a document this far
            if pool < len(allowed):  # only the best need sorting
                keep = np.argpartition(-ranking, pool - 1)[:pool]
                top, ranking = allowed[keep], ranking[keep]
            if near:
                factors = reading.evaluator.proximity(near, top.tolist())
                ranking = ranking * np.array([factors.get(int(d), 1.0) for d in top])
            # Best first; document number breaks ties so that pages stay stable.
            order = np.lexsort((top, -ranking))
            allowed = top
            final_scores = dict(zip(top.tolist(), ranking.tolist(), strict=True))
        chosen = allowed[order][start:end]
        ranked = [(int(d), float(final_scores.get(int(d), 0.0))) for d in chosen]
        stored = [(searcher.stored_fields(docnum), score) for docnum, score in ranked]
        texts = self._store.texts([int(fields["id"]) for fields, _ in stored])
        matched_terms = _text_terms(query, reading.evaluator)
        highlighter = Highlighter(matched_terms)
        return [
            _hit(fields, score, highlighter.snippet(_own_words(fields, texts)))
            for fields, score in stored
        ]


def _own_words(fields: dict[str, Any], texts: dict[int, str]) -> str:
    """The text from where the document's own words start: a snippet repeats no title, date
    line or kind label."""
    text = texts.get(int(fields["id"]), "")
    return text[lead_start(text, fields["meta"]["title"]) :]


def _hit(fields: dict[str, object], score: float, snippet: str) -> Hit:
    meta = fields["meta"]
    assert isinstance(meta, dict)
    facets = meta["facets"]
    return Hit(
        id=int(str(fields["id"])),
        url=meta["url"],
        title=meta["title"],
        snippet=snippet,
        kind=facets["kind"][0],
        city=next(iter(facets["city"]), None),
        lang=facets["lang"][0],
        date=meta["date"],
        collection=next(iter(facets["collection"]), None),
        score=round(score, 4),
        cities=list(facets["city"]),
        attachments=list(meta.get("attachments", [])),
    )


def _edits(a: str, b: str) -> int:
    return int(OSA.distance(a, b))


def _count(visible: Mask, masks: dict[str, Mask]) -> int:
    final = visible.copy()
    for mask in masks.values():
        final &= mask
    return int(final.sum())


def _indexed(reader: IndexReader, word: str) -> bool:
    """Whether a German text of the index has ``word`` (titles are said again in texts)."""
    return ("body_de", terms("de", word, False)[0]) in reader


def _text_terms(query: Query, evaluator: Evaluator) -> set[str]:
    """The body and title terms a query matches, with fuzzy and prefix terms expanded."""
    found = set()
    for leaf in query.leaves():
        for field_name, text in evaluator.expansions(leaf):
            if str(field_name).startswith(("body_", "title_", "summary_")):
                found.add(text.decode("utf-8") if isinstance(text, bytes) else str(text))
    return found
